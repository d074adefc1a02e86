"""The admission webhook's HTTP API (oci-and-policy.md §3.3, §6).

* ``POST /validate`` (alias ``/validations``, policy-controller's path): an AdmissionReview
  v1; every engine decides on the images of the workload; any denial denies (status 400
  ``BadRequest`` inside the review, as Knative answers), warnings are passed on.
* ``POST /mutate`` (alias ``/mutations``): each image named by tag is resolved to its digest
  in its registry and pinned, tag kept (``repo:tag@sha256:…``), with a JSON Patch; an image
  that cannot be resolved is left unchanged and logged, as upstream does.
* ``GET /healthz``, ``GET /metrics`` (Prometheus text).

Both webhooks let through what §3.3 skips (deletes, status updates, objects being deleted,
scale-downs) and namespaces that did not opt in with ``policy.sigstore.dev/include=true``
(labels from the request's ``namespaceObject`` or the ``namespace_labels`` source; when
neither knows the namespace, the API server's ``namespaceSelector`` already chose it). A
malformed review answers HTTP 400 JSON ``{code, message}``, never a stack trace.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sigstack.core.admission import (
    AdmissionRequest,
    FoundImage,
    allow_response,
    deny_response,
    extract_images,
    image_patch,
    parse_review,
    pinned_reference,
    pod_spec_path,
    skip_reason,
)
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.reference import Reference, parse_reference
from sigstack.errors import Error, FormatError
from sigstack.policy.engine import Engine, ImageAt, ResourceContext
from sigstack.services._asgi import exception_handlers, json_response, read_json
from sigstack.services.admission.cache import VerificationCache
from sigstack.services.admission.engines import EngineSet, combine, run_engines
from sigstack.services.admission.metrics import METRICS_TYPE, ReviewMetrics, render_metrics

__all__ = ["INCLUDE_LABEL", "AdmissionSettings", "NamespaceLabels", "Resolver", "create_app"]

log = logging.getLogger("sigstack.services.admission")

#: The namespace label that opts a namespace in (§3.3).
INCLUDE_LABEL = "policy.sigstore.dev/include"


class Resolver(Protocol):
    """``resolver(reference)``: the digest a tag points to now; raises :class:`Error`."""

    def __call__(self, reference: Reference) -> Digest: ...


#: ``labels(namespace)``: the namespace's labels, or ``None`` when unknown.
NamespaceLabels = Callable[[str], Mapping[str, str] | None]


@dataclass(frozen=True)
class AdmissionSettings:
    """The webhook's limits and switches, read once by the CLI."""

    all_namespaces: bool = False  # check every namespace, ignoring the opt-in label
    max_body_bytes: int = 3 * 1024 * 1024  # the API server's own request limit
    timeout: float = 20.0  # below the webhook configuration's timeoutSeconds (25)


def _images(request: AdmissionRequest) -> list[FoundImage]:
    kind = request.kind
    pod_spec = pod_spec_path(kind.group, kind.version, kind.kind)
    if pod_spec is None or request.obj is None:  # skip_reason lets neither through
        raise FormatError(
            f"expected an object of a checked kind, found {kind.group}/{kind.version} "
            f"{kind.kind} {'without' if request.obj is None else 'with'} an object"
        )
    return extract_images(request.obj, pod_spec)


def _metadata(obj: Mapping[str, Any] | None, key: str) -> str | None:
    metadata = (obj or {}).get("metadata")
    value = metadata.get(key) if isinstance(metadata, Mapping) else None
    return value if isinstance(value, str) else None


class _Webhook:
    """The handlers, over the state :func:`create_app` was given."""

    def __init__(
        self,
        settings: AdmissionSettings,
        engine_set: EngineSet,
        resolver: Resolver | None,
        namespace_labels: NamespaceLabels | None,
        cache: VerificationCache | None,
    ) -> None:
        self.settings = settings
        self.engine_set = engine_set
        self.resolver = resolver
        self.namespace_labels = namespace_labels
        self.cache = cache
        self.metrics = ReviewMetrics()

    def labels_of(self, request: AdmissionRequest) -> Mapping[str, str] | None:
        if request.namespace_labels is not None:
            return request.namespace_labels
        if self.namespace_labels is not None and request.namespace:
            return self.namespace_labels(request.namespace)
        return None

    def not_checked(self, request: AdmissionRequest) -> str | None:
        reason = skip_reason(request)
        if reason is not None or self.settings.all_namespaces:
            return reason
        labels = self.labels_of(request)
        if labels is not None and labels.get(INCLUDE_LABEL) != "true":
            return f"namespace {request.namespace} does not have {INCLUDE_LABEL}=true"
        return None

    async def review_of(self, request: Request) -> AdmissionRequest:
        return parse_review(await read_json(request, self.settings.max_body_bytes))

    def context_of(self, review: AdmissionRequest) -> ResourceContext:
        obj = review.obj or {}
        return ResourceContext(
            kind=review.kind.kind,
            api_version=review.kind.api_version,
            namespace=review.namespace or _metadata(obj, "namespace"),
            name=review.name or _metadata(obj, "name"),
            operation=review.operation,
            obj=obj,
            namespace_labels=self.labels_of(review) or {},
        )

    async def validate(self, request: Request) -> Response:
        started = time.perf_counter()
        review = await self.review_of(request)
        reason = self.not_checked(review)
        if reason is not None:
            log.debug("validate %s: allowed unchecked: %s", review.uid, reason)
            self.metrics.record("validate", "skipped", started)
            return json_response(allow_response(review.uid))
        images = [ImageAt(found.path, found.image) for found in _images(review)]
        context = self.context_of(review)
        engines = self.engine_set.engines
        if not engines:
            answer = deny_response(review.uid, "validation failed: no policy engines are loaded")
            self.metrics.record("validate", "denied", started)
            return json_response(answer)
        try:
            with anyio.fail_after(self.settings.timeout):
                outcomes = await anyio.to_thread.run_sync(
                    run_engines, engines, images, context, abandon_on_cancel=True
                )
        except TimeoutError:
            took = f"policy evaluation took over {self.settings.timeout} s"
            self.metrics.record("validate", "denied", started)
            return json_response(deny_response(review.uid, f"validation failed: {took}"))
        outcome = combine(outcomes)
        if not outcome.allowed:
            answer = deny_response(review.uid, outcome.message, warnings=outcome.warnings)
            self.metrics.record("validate", "denied", started)
            return json_response(answer)
        self.metrics.record("validate", "allowed", started)
        return json_response(allow_response(review.uid, warnings=outcome.warnings))

    def resolve(self, text: str) -> str | None:
        """``text`` pinned to its digest; ``None`` when it needs no pinning or cannot be."""
        try:
            ref = parse_reference(text)
        except Error as exc:
            log.warning("mutate: leaving %r unchanged: %s", text, exc)
            return None
        if ref.digest is not None or self.resolver is None:
            return None
        try:
            return pinned_reference(text, self.resolver(ref))
        except Error as exc:
            log.warning("mutate: cannot resolve %s, leaving it unchanged: %s", text, exc)
            return None

    async def mutate(self, request: Request) -> Response:
        started = time.perf_counter()
        review = await self.review_of(request)
        reason = self.not_checked(review)
        if reason is not None:
            self.metrics.record("mutate", "skipped", started)
            return json_response(allow_response(review.uid))
        found = _images(review)
        pinned: dict[str, str | None] = {}

        async def one(text: str) -> None:
            pinned[text] = await anyio.to_thread.run_sync(
                self.resolve, text, abandon_on_cancel=True
            )

        with anyio.move_on_after(self.settings.timeout):
            async with anyio.create_task_group() as group:
                for text in dict.fromkeys(f.image for f in found):
                    group.start_soon(one, text)
        patch = image_patch([(f, pinned.get(f.image) or f.image) for f in found])
        self.metrics.record("mutate", "patched" if patch else "unchanged", started)
        return json_response(allow_response(review.uid, patch=patch))

    async def healthz(self, request: Request) -> Response:
        names = [engine.name for engine in self.engine_set.engines]
        status = {"status": "ok", "engines": names, "policies": self.engine_set.generation}
        return json_response(status)

    async def metrics_text(self, request: Request) -> Response:
        text = render_metrics(self.metrics, self.cache)
        return Response(text, 200, media_type=METRICS_TYPE)


def create_app(
    settings: AdmissionSettings,
    engines: EngineSet | Sequence[Engine],
    resolver: Resolver | None,
    *,
    namespace_labels: NamespaceLabels | None = None,
    cache: VerificationCache | None = None,
) -> Starlette:
    """The ASGI app; ``engines`` may be an :class:`EngineSet` that a policy reload swaps.

    ``resolver`` turns a tag into its digest for ``/mutate`` (``None``: never pin);
    ``namespace_labels`` says what labels a namespace has (e.g. from the Kubernetes API);
    ``cache`` is only read for ``/metrics`` (the engines were built with it).
    """
    engine_set = engines if isinstance(engines, EngineSet) else EngineSet(engines, "static")
    hook = _Webhook(settings, engine_set, resolver, namespace_labels, cache)
    routes = [
        Route("/validate", hook.validate, methods=["POST"]),
        Route("/validations", hook.validate, methods=["POST"]),
        Route("/mutate", hook.mutate, methods=["POST"]),
        Route("/mutations", hook.mutate, methods=["POST"]),
        Route("/healthz", hook.healthz, methods=["GET"]),
        Route("/metrics", hook.metrics_text, methods=["GET"]),
    ]
    return Starlette(routes=routes, exception_handlers=exception_handlers)
