"""Kyverno ``verifyImages`` as an admission :class:`~sigstack.policy.engine.Engine`.

oci-and-policy.md §4. For one resource: every ``ClusterPolicy`` (and every ``Policy`` of the
resource's namespace) whose rule matches it (``match`` holds, ``exclude`` does not; Pod rules
also cover pod controllers through Kyverno's auto-gen, :mod:`sigstack.core.policy.kyverno`)
checks each image whose Kyverno name (``docker.io/nginx:latest``, ``host/path@sha256:…``)
matches ``imageReferences`` and no ``skipImageReferences``:

1. ``verifyDigest`` with ``mutateDigest: false`` and no digest → ``missing digest for
   <image>`` (with ``mutateDigest`` the mutating webhook pins the tag first, so the tag is
   resolved here to the digest it names now);
2. every attestor set of ``attestors`` must be satisfied: ``count`` (default all) of its
   entries verify the image's signatures (:func:`sigstack.oci.verify.verify_image`: both
   cosign storage formats, full offline Sigstore verification, claims, the entry's
   ``annotations``) — ``keyless`` as an identity policy, ``keys`` as a managed key; the
   failure is ``failed to verify image <image>: .attestors[i].entries[j].keys: <reason>``
   (reasons of the failing entries joined by ``; ``, as Kyverno's ``multierr``);
3. every ``attestations[]``: each attestor set must find ``count`` entries whose verified
   statements of ``type`` (:func:`sigstack.oci.attest.verify_attestations`) all satisfy
   ``conditions`` over their predicate — else ``image attestations verification failed,
   verifiedCount: N, requiredCount: M, error: <path>: <reason>``.

A failing rule of an ``Enforce`` entry denies the resource with Kyverno's message
(:func:`~sigstack.core.policy.kyverno.render_denial`: ``resource Pod/default/x was blocked
due to the following policies`` then policy → rule → message as YAML; the first failure of
a rule is kept); an ``Audit`` one admits it with the warning ``policy <policy>.<rule>:
<message>``. Registry or network errors are rule errors, reported the same way.

Each verification of one attestor entry is routed through the caller's memo under
(``repository@digest``, signature or attestation, the signatures' repository, predicate
type, entry content, trust root digest) — never a tag — unless the entry's ``useCache`` is
false. Failures are marked negative; exceptions (the registry unreachable) are not
remembered.

``mutateDigest`` is the webhook's job: its mutating endpoint pins every tag (as
policy-controller does, :mod:`sigstack.core.admission.images`), so by the time a resource is
validated its images carry digests; a rule's ``mutateDigest: false`` only decides whether an
image without one is refused. ``required`` only matters to Kyverno's separate validating
webhook, which reads the mutating webhook's ``kyverno.io/verify-images`` annotation; here
both run as one step, so an unverified image is already refused (or warned about) by the
verification itself. ``type: Cosign`` and ``SigstoreBundle`` both verify both storage
formats (a superset of Kyverno, whose ``Cosign`` type misses cosign v3 bundles,
kyverno#15327).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sigstack.clients.registry import RegistryClient
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.reference import Reference, parse_reference
from sigstack.core.policy.conditions import ConditionError, evaluate
from sigstack.core.policy.kyverno import (
    Attestation,
    Attestor,
    AttestorSet,
    ImageVerification,
    KyvernoPolicy,
    Resource,
    parse_policies,
    render_denial,
    resource_id,
)
from sigstack.core.policy.wildcard import image_info
from sigstack.core.policy.yaml_load import Document
from sigstack.core.trust.model import TrustedRoot
from sigstack.errors import AuthenticationError, FormatError, NetworkError, VerificationError
from sigstack.oci.attest import verify_attestations
from sigstack.oci.evidence import resolve
from sigstack.oci.store import Store
from sigstack.oci.verify import verify_image
from sigstack.policy._evidence import Registries, trust_version
from sigstack.policy.engine import ImageAt, Memo, Outcome, ResourceContext, memo_key, no_memo
from sigstack.verify import (
    AllOf,
    GitHubWorkflow,
    Identity,
    IdentityPolicy,
    IdentityRegex,
    ManagedKey,
    Verifier,
)

__all__ = ["WEBHOOK_NAME", "Checks", "KyvernoEngine", "RegistryChecks", "load_kyverno"]

#: The webhook users see in Kyverno denials (oci-and-policy.md §4.3).
WEBHOOK_NAME = "mutate.kyverno.svc-fail"

Policy = IdentityPolicy | ManagedKey
_FOR_IMAGE = re.compile(r" for image [^\s@]+@[A-Za-z0-9_+.-]+:[0-9A-Fa-f]+")
#: Errors that make a rule an *error* (not remembered), not a verification failure.
_TRANSIENT = (NetworkError, AuthenticationError)


def load_kyverno(documents: Sequence[Document]) -> list[KyvernoPolicy]:
    """The Kyverno policies of ``documents`` (strict; any other kind is refused)."""
    return parse_policies(documents)


class Checks(Protocol):
    """The evidence seam: resolve a reference, verify signatures or attestations of a digest.

    Verification failures raise :class:`~sigstack.errors.VerificationError` or
    :class:`~sigstack.errors.FormatError`; an unreachable registry
    :class:`~sigstack.errors.NetworkError`.
    """

    def resolve(self, image: Reference) -> Digest: ...

    def signatures(
        self, image: Reference, policy: Policy, *, annotations: Mapping[str, str],
        repository: str | None,
    ) -> None: ...  # fmt: skip

    def attestations(
        self, image: Reference, policy: Policy, *, predicate_type: str,
        annotations: Mapping[str, str], repository: str | None,
    ) -> list[Any]: ...  # fmt: skip


class RegistryChecks:
    """:class:`Checks` against real registries (a client per host from ``registry_factory``,
    owned by the caller) with one offline :class:`~sigstack.verify.Verifier`."""

    def __init__(
        self, registry_factory: Callable[[str], RegistryClient], verifier: Verifier | None
    ) -> None:
        self._registry = Registries(registry_factory)
        self._known = verifier

    @property
    def _verifier(self) -> Verifier:
        if self._known is None:
            raise VerificationError(
                "expected a trusted root to verify signatures with, found none configured"
            )
        return self._known

    def _store(self, repository: str | None) -> Store | None:
        return None if repository is None else self._registry.store(repository)

    def resolve(self, image: Reference) -> Digest:
        return resolve(self._registry(image.registry), image).digest

    def signatures(
        self, image: Reference, policy: Policy, *, annotations: Mapping[str, str],
        repository: str | None,
    ) -> None:  # fmt: skip
        verify_image(
            self._registry(image.registry), image, self._verifier, policy,
            annotations=annotations, repository=self._store(repository),
        )  # fmt: skip

    def attestations(
        self, image: Reference, policy: Policy, *, predicate_type: str,
        annotations: Mapping[str, str], repository: str | None,
    ) -> list[Any]:  # fmt: skip
        found = verify_attestations(
            self._registry(image.registry), image, self._verifier, policy,
            predicate_type=predicate_type, annotations=annotations,
            repository=self._store(repository),
        )  # fmt: skip
        return [a.payload().get("predicate") for a in found.attestations]


@dataclass(frozen=True)
class _Leaf:
    """One attestor entry's verification result (what the memo keeps)."""

    ok: bool
    reason: str = ""
    predicates: tuple[Any, ...] = ()


def _policy_of(entry: Attestor) -> Policy:
    if entry.keys is not None:
        return ManagedKey.from_pem(entry.keys.public_key.encode())
    keyless = entry.keyless
    if keyless is None:  # the model holds keys, keyless or a nested attestor; nested is done
        raise FormatError("expected keys or keyless in an attestor entry, found neither")
    base: IdentityPolicy
    if keyless.subject is not None and keyless.issuer is not None:
        base = Identity(keyless.subject, keyless.issuer)
    else:
        subject = keyless.subject_regexp or (
            re.escape(keyless.subject) if keyless.subject is not None else ".*"
        )
        issuer = keyless.issuer_regexp or (
            re.escape(keyless.issuer) if keyless.issuer is not None else ".*"
        )
        base = IdentityRegex(subject, issuer)
    if keyless.github:
        return AllOf([base, GitHubWorkflow(**keyless.github)])
    return base


def _cosign_reason(exc: Exception) -> str:
    """Our verifier's reason in cosign's words: ``no signatures found`` without the image."""
    text = str(exc)
    return _FOR_IMAGE.sub("", text, count=1)


def _resource(context: ResourceContext) -> Resource:
    """The matchable resource; an image given alone (no kind: the offline tester's
    ``--image``) is treated as the image of a bare ``v1`` Pod."""
    metadata = context.obj.get("metadata") or {}
    return Resource(
        kind=context.kind or "Pod",
        api_version=context.api_version or ("v1" if not context.kind else ""),
        namespace=context.namespace,
        name=context.name if context.name is not None else metadata.get("name"),
        operation=context.operation,
        labels=dict(metadata.get("labels") or {}),
        annotations=dict(metadata.get("annotations") or {}),
        namespace_labels=dict(context.namespace_labels),
    )


class KyvernoEngine:
    """Kyverno ``verifyImages`` policies as an :class:`~sigstack.policy.engine.Engine`."""

    name = WEBHOOK_NAME

    def __init__(
        self,
        policies: Sequence[KyvernoPolicy],
        *,
        registry_factory: Callable[[str], RegistryClient],
        trust: TrustedRoot | None,
        clock: Callable[[], datetime],
        memo: Memo = no_memo,
        checks: Checks | None = None,
    ) -> None:
        self.policies = tuple(policies)
        self._memo = memo
        self._trust_version = trust_version(trust)
        verifier = Verifier(trust, clock=clock) if trust is not None else None
        self._checks: Checks = checks or RegistryChecks(registry_factory, verifier)
        self._policy_cache: dict[str, Policy] = {}

    # -- selection ----------------------------------------------------------------------
    def _applying(self, resource: Resource) -> list[tuple[KyvernoPolicy, str, ImageVerification]]:
        out: list[tuple[KyvernoPolicy, str, ImageVerification]] = []
        for policy in self.policies:
            if not policy.applies_to_namespace(resource.namespace):
                continue
            for rule in policy.rules:
                if rule.applies(resource):
                    out.extend((policy, rule.name, v) for v in rule.verify_images)
                    if policy.apply_one:
                        break
        return out

    # -- the contract -------------------------------------------------------------------
    def validate(self, images: Sequence[ImageAt], context: ResourceContext) -> Outcome:
        """Decide on ``images`` of one resource (module docstring)."""
        resource = _resource(context)
        blocked: dict[str, dict[str, str]] = {}
        warnings: list[str] = []
        for policy, rule, verification in self._applying(resource):
            for at in images:
                message = self._check(verification, at.image)
                if message is None:
                    continue
                if policy.action_of(verification) == "Enforce":
                    blocked.setdefault(policy.name, {}).setdefault(rule, message)
                else:
                    warnings.append(f"policy {policy.name}.{rule}: {message}")
        if blocked:
            who = resource_id(resource.kind, context.namespace, resource.name)
            return Outcome(False, render_denial(who, blocked), tuple(warnings))
        return Outcome(True, "", tuple(warnings))

    # -- one image ----------------------------------------------------------------------
    def _check(self, verification: ImageVerification, written: str) -> str | None:
        """``None`` when ``written`` is not concerned or passes; else the rule's message."""
        try:
            info = image_info(written)
        except FormatError as exc:
            return f"failed to verify image {written}: {exc}"
        image = str(info)
        if not verification.applies_to(*info.forms):
            return None
        if info.digest is None and verification.verify_digest and not verification.mutate_digest:
            return f"missing digest for {image}"
        try:
            reference = parse_reference(written)
            digest = reference.digest or self._checks.resolve(reference)
        except (FormatError, VerificationError, *_TRANSIENT) as exc:
            return f"failed to verify image {image}: {exc}"
        pinned = reference.with_digest(digest)
        for i, attestor_set in enumerate(verification.attestors):
            verified, errors = self._set(
                attestor_set, f".attestors[{i}]", self._signature_leaf(verification, pinned)
            )
            if verified < attestor_set.required_count:
                return f"failed to verify image {image}: {'; '.join(errors)}"
        for i, attestation in enumerate(verification.attestations):
            failure = self._attestation(verification, attestation, i, pinned, image)
            if failure is not None:
                return failure
        return None

    def _set(
        self, attestor_set: AttestorSet, path: str, leaf: Callable[[Attestor, str], str | None]
    ) -> tuple[int, list[str]]:
        """(entries verified, reasons of the others) until ``count`` is reached."""
        verified, errors = 0, []
        for k, entry in enumerate(attestor_set.entries):
            where = f"{path}.entries[{k}]"
            if entry.nested is not None:
                inner, reasons = self._set(entry.nested, f"{where}.attestor", leaf)
                error = None if inner >= entry.nested.required_count else "; ".join(reasons)
            else:
                error = leaf(entry, where + entry.sub_path)
            if error is None:
                verified += 1
                if verified >= attestor_set.required_count:
                    break
            else:
                errors.append(error)
        return verified, errors

    def _policy(self, entry: Attestor) -> Policy:
        policy = self._policy_cache.get(entry.content)
        if policy is None:
            policy = self._policy_cache[entry.content] = _policy_of(entry)
        return policy

    def _remember(
        self,
        verification: ImageVerification,
        image: Reference,
        parts: tuple[Any, ...],
        compute: Callable[[], _Leaf],
    ) -> _Leaf:
        if not verification.use_cache:
            return compute()
        key = memo_key("kyverno", image, *parts, self._trust_version)
        return self._memo(key, compute, negative=lambda leaf: not leaf.ok)

    def _signature_leaf(
        self, verification: ImageVerification, image: Reference
    ) -> Callable[[Attestor, str], str | None]:
        def leaf(entry: Attestor, where: str) -> str | None:
            repository = entry.repository or verification.repository

            def compute() -> _Leaf:
                try:
                    self._checks.signatures(
                        image, self._policy(entry), annotations=entry.annotations,
                        repository=repository,
                    )  # fmt: skip
                except (FormatError, VerificationError) as exc:
                    return _Leaf(False, _cosign_reason(exc))
                return _Leaf(True)

            parts = ("sig", repository, entry.content)
            try:
                result = self._remember(verification, image, parts, compute)
            except _TRANSIENT as exc:
                return f"{where}: {exc}"
            return None if result.ok else f"{where}: {result.reason}"

        return leaf

    def _attestation(
        self,
        verification: ImageVerification,
        attestation: Attestation,
        index: int,
        image: Reference,
        shown: str,
    ) -> str | None:
        path = f".attestations[{index}]"
        for j, attestor_set in enumerate(attestation.attestors):
            leaf = self._attestation_leaf(verification, attestation, image, shown)
            verified, errors = self._set(attestor_set, f"{path}.attestors[{j}]", leaf)
            required = attestor_set.required_count
            if verified < required:
                error = errors[0] if errors else "<nil>"
                return (
                    f"image attestations verification failed, verifiedCount: {verified}, "
                    f"requiredCount: {required}, error: {error}"
                )
        return None

    def _attestation_leaf(
        self,
        verification: ImageVerification,
        attestation: Attestation,
        image: Reference,
        shown: str,
    ) -> Callable[[Attestor, str], str | None]:
        def leaf(entry: Attestor, where: str) -> str | None:
            repository = entry.repository or verification.repository

            def compute() -> _Leaf:
                try:
                    predicates = self._checks.attestations(
                        image, self._policy(entry), predicate_type=attestation.type,
                        annotations=entry.annotations, repository=repository,
                    )  # fmt: skip
                except (FormatError, VerificationError) as exc:
                    return _Leaf(False, _cosign_reason(exc))
                return _Leaf(True, "", tuple(predicates))

            parts = ("att", repository, attestation.type, entry.content)
            try:
                result = self._remember(verification, image, parts, compute)
            except _TRANSIENT as exc:
                return f"{where}: {exc}"
            if not result.ok:
                return f"{where}: {result.reason}"
            for predicate in result.predicates:
                try:
                    holds, reason = evaluate(attestation.conditions, predicate)
                except ConditionError as exc:
                    return f"{where}: failed to check attestations: {exc}"
                if not holds:
                    return (
                        f"{where}: attestation checks failed for {shown} and predicate "
                        f"{attestation.type}: {reason}"
                    )
            return None

        return leaf
