"""Kubernetes admission, pure: AdmissionReview v1 parsing and responses, the images of a
workload with their paths, skip rules, and the JSONPatch that pins tags to digests
(oci-and-policy.md §3.3, §6)."""

from sigstack.core.admission.images import (
    SUPPORTED_KINDS,
    FoundImage,
    extract_images,
    image_patch,
    json_pointer,
    pinned_reference,
    pod_spec_path,
    skip_reason,
)
from sigstack.core.admission.review import (
    AdmissionRequest,
    GroupVersionKind,
    allow_response,
    deny_response,
    parse_review,
    split_warnings,
)

__all__ = [
    "SUPPORTED_KINDS",
    "AdmissionRequest",
    "FoundImage",
    "GroupVersionKind",
    "allow_response",
    "deny_response",
    "extract_images",
    "image_patch",
    "json_pointer",
    "parse_review",
    "pinned_reference",
    "pod_spec_path",
    "skip_reason",
    "split_warnings",
]
