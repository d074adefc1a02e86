"""OCI images, purely: references, digests, descriptors, manifests, indexes, referrers.

No I/O here; :mod:`sigstack.clients.registry` speaks the distribution API with these
values. Specs: OCI image-spec v1.1 (``descriptor.md``, ``manifest.md``,
``image-index.md``, ``media-types.md``), OCI distribution-spec v1.1, and docker's
reference grammar (``distribution/reference``).
"""

from sigstack.core.oci.digest import Digest, digest_of, parse_digest, verify_content
from sigstack.core.oci.manifest import (
    Descriptor,
    ImageIndex,
    ImageManifest,
    Platform,
    parse_descriptor,
    parse_manifest,
)
from sigstack.core.oci.reference import DOCKER_HUB, Reference, parse_reference
from sigstack.core.oci.referrers import (
    append_referrer,
    filter_referrers,
    referrer_descriptor,
    referrers_tag,
)

__all__ = [
    "DOCKER_HUB",
    "Descriptor",
    "Digest",
    "ImageIndex",
    "ImageManifest",
    "Platform",
    "Reference",
    "append_referrer",
    "digest_of",
    "filter_referrers",
    "parse_descriptor",
    "parse_digest",
    "parse_manifest",
    "parse_reference",
    "referrer_descriptor",
    "referrers_tag",
    "verify_content",
]
