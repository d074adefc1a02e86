"""The contract between admission policy engines and their callers (webhook, tester).

A caller extracts the images of a resource (with the JSON path each was found at, e.g.
``spec.template.spec.containers[0].image``, oci-and-policy.md §3.3) and the resource's
context, and asks every loaded engine to :meth:`Engine.validate` them. An engine answers
one :class:`Outcome`: allowed or not, the denial message in its upstream's exact format
(the API server prefixes ``admission webhook "<name>" denied the request: ``), and warnings.

Verification is expensive and its result depends only on the image digest, the policy
content and the trust material, so engines route it through a :data:`Memo` the caller
supplies (the webhook's bounded TTL cache; :class:`RunMemo` for the tester). Keys are
built by :func:`memo_key` and never contain a tag: a tag that moves must not reuse an old
digest's result.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from sigstack.core.oci.reference import Reference

__all__ = [
    "Engine",
    "ImageAt",
    "Memo",
    "Outcome",
    "ResourceContext",
    "RunMemo",
    "memo_key",
    "no_memo",
]

T = TypeVar("T")


@dataclass(frozen=True)
class ImageAt:
    """One image reference of a resource, as written, and where it was found."""

    path: str  # e.g. "spec.containers[0].image"
    image: str  # e.g. "registry.example/app:1.0@sha256:…", exactly as in the resource


@dataclass(frozen=True)
class ResourceContext:
    """What an engine may match on besides the images (kinds, namespaces, the object)."""

    kind: str  # e.g. "Pod", "Deployment"
    api_version: str  # e.g. "v1", "apps/v1"
    namespace: str | None
    name: str | None
    operation: str  # "CREATE" | "UPDATE" | … ; "" for the offline tester
    obj: Mapping[str, Any] = field(default_factory=dict)
    namespace_labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """An engine's answer for one resource."""

    allowed: bool
    message: str = ""  # the denial text (empty when allowed)
    warnings: tuple[str, ...] = ()


class Memo(Protocol):
    """``memo(key, compute)``: ``compute()``'s result, possibly remembered under ``key``.

    ``negative`` marks a failed result (kept only for a short time by a cache).
    """

    def __call__(
        self, key: Hashable, compute: Callable[[], T], *, negative: Callable[[T], bool] = ...
    ) -> T: ...


def no_memo(
    key: Hashable, compute: Callable[[], T], *, negative: Callable[[T], bool] = lambda _: False
) -> T:
    """A :data:`Memo` that remembers nothing (an engine built without a cache)."""
    del key, negative
    return compute()


class RunMemo:
    """A :data:`Memo` that remembers every result for one run (the offline tester: its
    per-authority report re-verifies nothing)."""

    def __init__(self) -> None:
        self.results: dict[Hashable, Any] = {}

    def __call__(
        self,
        key: Hashable,
        compute: Callable[[], T],
        *,
        negative: Callable[[T], bool] = lambda _: False,
    ) -> T:
        del negative
        if key not in self.results:
            self.results[key] = compute()
        value: T = self.results[key]
        return value


def memo_key(engine: str, image: Reference, *parts: Hashable) -> tuple[Hashable, ...]:
    """``(engine, "repository@digest", *parts)``: a verdict's key names the digest verified,
    never the tag it was reached by (``image`` must be pinned)."""
    if image.digest is None:
        raise ValueError(f"expected a reference pinned to a digest, found {image}")
    return (engine, f"{image.name}@{image.digest}", *parts)


class Engine(Protocol):
    """A policy engine: ClusterImagePolicy (policy-controller) or Kyverno ``verifyImages``."""

    #: The webhook name its users see in denials, e.g. ``policy.sigstore.dev``.
    name: str

    def validate(self, images: Sequence[ImageAt], context: ResourceContext) -> Outcome:
        """Decide on ``images`` of one resource; never raises for a policy failure."""
        ...
