"""The images of a workload, where they are, which requests to skip, and the digest patch.

oci-and-policy.md §3.3: policy-controller checks Pods (also the ``ephemeralcontainers``
subresource), the ``PodScalable`` kinds Deployment, ReplicaSet and StatefulSet, DaemonSet
and Job (``spec.template.spec.``), CronJob batch/v1 and v1beta1
(``spec.jobTemplate.spec.template.spec.``); we add the core v1 PodTemplate
(``template.spec.``). In each pod spec: ``initContainers``, ``containers``,
``ephemeralContainers`` (``[i].image``) and ``volumes[i].image.reference``.

Skipped (both webhooks): anything but CREATE and UPDATE, subresources other than
``ephemeralcontainers`` (status updates), objects being deleted (``deletionTimestamp``),
and an UPDATE of a PodScalable kind that lowers ``spec.replicas`` — so a workload that no
longer passes can still be scaled down. Unlike upstream, which skips every update that
lowers the replica count, we skip it only when the images are unchanged, so a scale-down
cannot smuggle in a new image.

The mutating webhook pins a tag to its digest keeping the tag, fully qualified
(``nginx:1.25`` → ``index.docker.io/library/nginx:1.25@sha256:…``) with RFC 6902
``replace`` operations at the JSON pointer of each image (§6 "Patch paths by kind").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sigstack.core.admission.review import AdmissionRequest
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.reference import parse_reference
from sigstack.errors import FormatError

__all__ = [
    "CONTAINER_LISTS",
    "SCALABLE_KINDS",
    "SUPPORTED_KINDS",
    "FoundImage",
    "extract_images",
    "image_patch",
    "json_pointer",
    "pinned_reference",
    "pod_spec_path",
    "skip_reason",
]

_TEMPLATE = ("spec", "template", "spec")


class FoundImage(NamedTuple):
    """One image reference as written in the object, and its dotted path (the fields of
    :class:`sigstack.policy.engine.ImageAt`, which the service layer builds from it)."""

    path: str  # e.g. "spec.containers[0].image"
    image: str


#: (group, version, kind) → the path of the pod spec inside the object.
SUPPORTED_KINDS: Mapping[tuple[str, str, str], tuple[str, ...]] = {
    ("", "v1", "Pod"): ("spec",),
    ("", "v1", "PodTemplate"): ("template", "spec"),
    ("apps", "v1", "Deployment"): _TEMPLATE,
    ("apps", "v1", "ReplicaSet"): _TEMPLATE,
    ("apps", "v1", "StatefulSet"): _TEMPLATE,
    ("apps", "v1", "DaemonSet"): _TEMPLATE,
    ("batch", "v1", "Job"): _TEMPLATE,
    ("batch", "v1", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
    ("batch", "v1beta1", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
}

#: Kinds with ``spec.replicas`` whose scale-downs are let through (duck ``PodScalable``).
SCALABLE_KINDS = frozenset(
    {("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet")}
)

#: The container lists of a pod spec, in the order they are reported.
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")

_CHECKED_SUBRESOURCES = frozenset({"", "ephemeralcontainers"})


def pod_spec_path(group: str, version: str, kind: str) -> tuple[str, ...] | None:
    """Where the pod spec of a ``group/version`` ``kind`` is, or ``None`` if we do not check it."""
    return SUPPORTED_KINDS.get((group, version, kind))


def _get(obj: Mapping[str, Any], path: Sequence[str]) -> Any:
    node: Any = obj
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _list(spec: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = spec.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise FormatError("expected a list, found " + type(value).__name__, field=where)
    return value


def extract_images(obj: Mapping[str, Any], pod_spec: Sequence[str]) -> list[FoundImage]:
    """Every image of ``obj`` (as written) with its dotted path, e.g.
    ``spec.template.spec.containers[0].image``; a malformed spec is a :class:`FormatError`."""
    prefix = ".".join(pod_spec)
    spec = _get(obj, pod_spec)
    if spec is None:
        return []
    if not isinstance(spec, Mapping):
        raise FormatError("expected an object (a pod spec)", field=prefix)
    found: list[FoundImage] = []
    for key in CONTAINER_LISTS:
        for i, container in enumerate(_list(spec, key, f"{prefix}.{key}")):
            where = f"{prefix}.{key}[{i}].image"
            image = container.get("image") if isinstance(container, Mapping) else None
            if image is None:
                continue
            if not isinstance(image, str):
                raise FormatError("expected an image reference string", field=where)
            found.append(FoundImage(where, image))
    for i, volume in enumerate(_list(spec, "volumes", f"{prefix}.volumes")):
        where = f"{prefix}.volumes[{i}].image.reference"
        source = volume.get("image") if isinstance(volume, Mapping) else None
        image = source.get("reference") if isinstance(source, Mapping) else None
        if isinstance(image, str):
            found.append(FoundImage(where, image))
    return found


def _replicas(obj: Mapping[str, Any] | None) -> int:
    value = _get(obj or {}, ("spec", "replicas"))
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def skip_reason(request: AdmissionRequest) -> str | None:
    """Why the webhooks let ``request`` through unchecked, or ``None`` if it is checked."""
    if request.operation not in {"CREATE", "UPDATE"}:
        return f"{request.operation} requests are not checked"
    if request.sub_resource not in _CHECKED_SUBRESOURCES:
        return f"the {request.sub_resource} subresource is not checked"
    kind = request.kind
    pod_spec = pod_spec_path(kind.group, kind.version, kind.kind)
    if pod_spec is None:
        return f"{kind.api_version} {kind.kind} is not a kind the webhook checks"
    obj = request.obj or {}
    if _get(obj, ("metadata", "deletionTimestamp")):
        return "the object is being deleted"
    if (
        request.operation == "UPDATE"
        and (kind.group, kind.kind) in SCALABLE_KINDS
        and request.old_obj is not None
        and _replicas(obj) < _replicas(request.old_obj)
        and extract_images(obj, pod_spec) == extract_images(request.old_obj, pod_spec)
    ):
        return "a scale-down with unchanged images is not checked"
    return None


def pinned_reference(image: str, digest: Digest) -> str:
    """``image`` pinned to ``digest``, fully qualified, tag kept (§3.3 ``resolvePodSpec``)."""
    ref = parse_reference(image)
    return str(ref.with_digest(digest))


def json_pointer(path: str) -> str:
    """The RFC 6901 pointer of a dotted path: ``spec.containers[0].image`` →
    ``/spec/containers/0/image`` (``~`` → ``~0``, ``/`` → ``~1``)."""
    parts: list[str] = []
    for segment in path.split("."):
        name, _, rest = segment.partition("[")
        parts.append(name.replace("~", "~0").replace("/", "~1"))
        for index in rest.split("[") if rest else ():
            parts.append(index.rstrip("]"))
    return "/" + "/".join(parts)


def image_patch(changes: Sequence[tuple[FoundImage, str]]) -> list[dict[str, str]]:
    """RFC 6902 ``replace`` operations setting each image to its new value (unchanged
    values are left out)."""
    return [
        {"op": "replace", "path": json_pointer(at.path), "value": value}
        for at, value in changes
        if value != at.image
    ]
