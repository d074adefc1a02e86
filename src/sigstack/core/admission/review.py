"""AdmissionReview v1: the request, parsed strictly, and the response (oci-and-policy.md §6).

The API server posts ``{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
"request": {…}}``; the webhook answers the same TypeMeta with a ``response`` that echoes the
request's ``uid``. A denial carries a ``metav1.Status`` as Knative's ``MakeErrorStatus``
builds it (``apierrors.NewBadRequest(msg).Status()``: code 400, reason ``BadRequest``, §3.5);
a patch is the base64 of an RFC 6902 JSON Patch with ``patchType: JSONPatch``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from sigstack.errors import FormatError

__all__ = [
    "API_VERSION",
    "OPERATIONS",
    "AdmissionRequest",
    "GroupVersionKind",
    "allow_response",
    "deny_response",
    "parse_review",
    "split_warnings",
]

API_VERSION = "admission.k8s.io/v1"
KIND = "AdmissionReview"
OPERATIONS = frozenset({"CREATE", "UPDATE", "DELETE", "CONNECT"})


@dataclass(frozen=True)
class GroupVersionKind:
    """``{group, version, kind}`` (``group`` is ``""`` for the core API)."""

    group: str
    version: str
    kind: str

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, else ``group/version`` (an object's ``apiVersion``)."""
        return f"{self.group}/{self.version}" if self.group else self.version


@dataclass(frozen=True)
class AdmissionRequest:
    """The fields of ``AdmissionRequest`` the webhook uses (§6)."""

    uid: str
    kind: GroupVersionKind
    resource: str  # e.g. "deployments"
    sub_resource: str  # "" or e.g. "status", "ephemeralcontainers"
    operation: str  # CREATE | UPDATE | DELETE | CONNECT
    name: str | None
    namespace: str | None
    obj: Mapping[str, Any] | None
    old_obj: Mapping[str, Any] | None
    dry_run: bool = False
    #: labels of ``namespaceObject`` when the sender included one (not part of the v1 API)
    namespace_labels: Mapping[str, str] | None = None
    user: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def _fail(where: str, expected: str, found: Any) -> FormatError:
    shown = json.dumps(found)[:80] if not isinstance(found, str) else repr(found[:80])
    return FormatError(f"expected {expected}, found {shown}", field=where)


def _mapping(doc: Mapping[str, Any], key: str, where: str, *, required: bool) -> Any:
    value = doc.get(key)
    if value is None:
        if required:
            raise FormatError("expected an object, found nothing", field=f"{where}.{key}")
        return None
    if not isinstance(value, Mapping):
        raise _fail(f"{where}.{key}", "an object", value)
    return value


@overload
def _string(doc: Mapping[str, Any], key: str, where: str, *, required: Literal[True]) -> str: ...
@overload
def _string(
    doc: Mapping[str, Any], key: str, where: str, *, required: Literal[False]
) -> str | None: ...
def _string(doc: Mapping[str, Any], key: str, where: str, *, required: bool) -> str | None:
    value = doc.get(key)
    if value is None or (value == "" and not required):
        if required:
            raise FormatError("expected a string, found nothing", field=f"{where}.{key}")
        return None
    if not isinstance(value, str):
        raise _fail(f"{where}.{key}", "a string", value)
    return value


def _gvk(doc: Mapping[str, Any], where: str) -> GroupVersionKind:
    group = doc.get("group", "")
    if not isinstance(group, str):
        raise _fail(f"{where}.group", "a string", group)
    version = _string(doc, "version", where, required=True)
    kind = _string(doc, "kind", where, required=True)
    return GroupVersionKind(group, version, kind)


def _labels(namespace_object: Mapping[str, Any] | None) -> Mapping[str, str] | None:
    if namespace_object is None:
        return None
    metadata = namespace_object.get("metadata") or {}
    labels = metadata.get("labels") if isinstance(metadata, Mapping) else None
    if labels is None:
        return {}
    if not isinstance(labels, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
    ):
        raise _fail("request.namespaceObject.metadata.labels", "a map of strings", labels)
    return dict(labels)


def parse_review(doc: Any) -> AdmissionRequest:
    """The ``request`` of an AdmissionReview v1 document, or a :class:`FormatError` naming
    the field that is missing or of the wrong type."""
    if not isinstance(doc, Mapping):
        raise _fail("AdmissionReview", "a JSON object", doc)
    if doc.get("apiVersion") != API_VERSION:
        raise _fail("apiVersion", f"{API_VERSION!r}", doc.get("apiVersion"))
    if doc.get("kind") != KIND:
        raise _fail("kind", f"{KIND!r}", doc.get("kind"))
    request = _mapping(doc, "request", "AdmissionReview", required=True)
    where = "request"
    uid = _string(request, "uid", where, required=True)
    kind = _gvk(_mapping(request, "kind", where, required=True), f"{where}.kind")
    resource_doc = _mapping(request, "resource", where, required=True)
    resource = _string(resource_doc, "resource", f"{where}.resource", required=True)
    sub_resource = _string(request, "subResource", where, required=False) or ""
    operation = _string(request, "operation", where, required=True)
    if operation not in OPERATIONS:
        raise _fail(f"{where}.operation", "one of CONNECT, CREATE, DELETE, UPDATE", operation)
    obj = _mapping(request, "object", where, required=operation in {"CREATE", "UPDATE"})
    old_obj = _mapping(request, "oldObject", where, required=False)
    dry_run = request.get("dryRun", False)
    if not isinstance(dry_run, bool):
        raise _fail(f"{where}.dryRun", "a boolean", dry_run)
    user_info = _mapping(request, "userInfo", where, required=False) or {}
    namespace_object = _mapping(request, "namespaceObject", where, required=False)
    if not uid:
        raise FormatError("expected a non-empty uid, found ''", field=f"{where}.uid")
    return AdmissionRequest(
        uid=uid,
        kind=kind,
        resource=resource,
        sub_resource=sub_resource,
        operation=operation,
        name=_string(request, "name", where, required=False),
        namespace=_string(request, "namespace", where, required=False),
        obj=obj,
        old_obj=old_obj,
        dry_run=dry_run,
        namespace_labels=_labels(namespace_object),
        user=_string(user_info, "username", f"{where}.userInfo", required=False),
    )


def split_warnings(texts: Sequence[str]) -> list[str]:
    """Warnings as Knative returns them: each text split on ``\\n``, control characters
    (which the API server refuses) replaced by spaces, empty lines dropped (§3.5, §6)."""
    out: list[str] = []
    for text in texts:
        for line in text.split("\n"):
            clean = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in line).strip()
            if clean:
                out.append(clean)
    return out


def _review(response: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": KIND, "response": response}


def allow_response(
    uid: str,
    *,
    warnings: Sequence[str] = (),
    patch: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """An AdmissionReview allowing the request, with warnings and a JSON Patch if any."""
    response: dict[str, Any] = {"uid": uid, "allowed": True}
    if patch:
        text = json.dumps(list(patch), separators=(",", ":")).encode()
        response["patchType"] = "JSONPatch"
        response["patch"] = base64.b64encode(text).decode()
    lines = split_warnings(warnings)
    if lines:
        response["warnings"] = lines
    return _review(response)


def deny_response(uid: str, message: str, *, warnings: Sequence[str] = ()) -> dict[str, Any]:
    """An AdmissionReview denying the request with ``message`` as a BadRequest Status
    (HTTP code 400 inside the body; the webhook itself answers 200)."""
    response: dict[str, Any] = {
        "uid": uid,
        "allowed": False,
        "status": {
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": "BadRequest",
            "code": 400,
        },
    }
    lines = split_warnings(warnings)
    if lines:
        response["warnings"] = lines
    return _review(response)
