"""cosign's storage scheme in a registry: tag names, media types, annotation keys.

oci-and-policy.md §1.1 (legacy tag scheme: ``sha256-<hex>.sig`` / ``.att`` / ``.sbom`` in
the image's repository, or in ``$COSIGN_REPOSITORY``), §1.2 (the ``.sig`` manifest and its
layer annotations), §1.5 (legacy attestations), §1.7 (cosign v3: Sigstore bundles as OCI
1.1 referrers), §1.8 (SBOM attachments). Pure names and small helpers only: what is
written and read lives in :mod:`sigstack.oci`.
"""

from __future__ import annotations

from typing import Literal

from sigstack.core.oci.digest import Digest

__all__ = [
    "ANNOTATION_BUNDLE",
    "ANNOTATION_CERTIFICATE",
    "ANNOTATION_CHAIN",
    "ANNOTATION_PREDICATE_TYPE",
    "ANNOTATION_RFC3161",
    "ANNOTATION_SIGNATURE",
    "BUNDLE_ANNOTATION_CONTENT",
    "BUNDLE_ANNOTATION_PREDICATE_TYPE",
    "BUNDLE_ARTIFACT_PREFIX",
    "BUNDLE_ARTIFACT_TYPE",
    "COSIGN_SIGN_PREDICATE_TYPE",
    "DSSE_LAYER",
    "SBOM_ARTIFACT_TYPE",
    "SBOM_MEDIA_TYPES",
    "SIMPLE_SIGNING_LAYER",
    "Suffix",
    "attached_tag",
]

#: Layer media type of a legacy signature: the simple-signing payload (§1.2, §1.4).
SIMPLE_SIGNING_LAYER = "application/vnd.dev.cosign.simplesigning.v1+json"
#: Layer media type of a legacy attestation: a DSSE envelope (§1.5).
DSSE_LAYER = "application/vnd.dsse.envelope.v1+json"

#: Legacy ``.sig`` layer annotations (§1.2).
ANNOTATION_SIGNATURE = "dev.cosignproject.cosign/signature"
ANNOTATION_CERTIFICATE = "dev.sigstore.cosign/certificate"
ANNOTATION_CHAIN = "dev.sigstore.cosign/chain"
ANNOTATION_BUNDLE = "dev.sigstore.cosign/bundle"
ANNOTATION_RFC3161 = "dev.sigstore.cosign/rfc3161timestamp"
#: Legacy ``.att`` layer annotation naming the statement's predicate type (§1.5).
ANNOTATION_PREDICATE_TYPE = "predicateType"

#: cosign v3 referrers (§1.7): the artifact type, the prefix readers accept, annotations.
BUNDLE_ARTIFACT_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
BUNDLE_ARTIFACT_PREFIX = "application/vnd.dev.sigstore.bundle"
BUNDLE_ANNOTATION_CONTENT = "dev.sigstore.bundle.content"
BUNDLE_ANNOTATION_PREDICATE_TYPE = "dev.sigstore.bundle.predicateType"
#: The predicate type of cosign v3's image signature statement (§1.7 step 1).
COSIGN_SIGN_PREDICATE_TYPE = "https://sigstore.dev/cosign/sign/v1"

#: OCI 1.1 artifact type of an attached SBOM (§1.8).
SBOM_ARTIFACT_TYPE = "application/vnd.dev.cosign.artifact.sbom.v1+json"
#: ``cosign attach sbom --type`` → the SBOM layer's media type (§1.8).
SBOM_MEDIA_TYPES = {
    "spdx": "text/spdx",
    "spdxjson": "text/spdx+json",
    "cyclonedx": "application/vnd.cyclonedx+json",
    "syft": "application/vnd.syft+json",
}

Suffix = Literal["sig", "att", "sbom"]


def attached_tag(image: Digest, suffix: Suffix) -> str:
    """The legacy tag of what is attached to ``image``: ``sha256-<hex>.<suffix>`` (§1.1)."""
    return f"{image.algorithm}-{image.encoded}.{suffix}"
