"""Referrers: the OCI 1.1 referrers list and its tag-schema fallback (pure parts).

distribution-spec v1.1 §"Listing Referrers": ``GET /v2/<name>/referrers/<digest>``
answers an image index whose ``manifests`` are the descriptors of every manifest whose
``subject`` is ``<digest>``, each with its ``artifactType`` and annotations.

§"Unavailable Referrers API" / §"Referrers Tag Schema": a registry without that API
(404) keeps the same index under the tag ``<alg>-<ref>``, ``<ref>`` the digest's encoded
part, truncated to 64 characters; clients maintain it. §"Pushing Manifests with Subject":
the descriptor appended for a pushed manifest carries ``artifactType`` (the manifest's,
else its config's ``mediaType``) and **all** the manifest's annotations; duplicates are
not appended.
"""

from __future__ import annotations

from sigstack.core.oci import mediatypes
from sigstack.core.oci.digest import Digest, digest_of
from sigstack.core.oci.manifest import Descriptor, ImageIndex, ImageManifest

__all__ = ["append_referrer", "filter_referrers", "referrer_descriptor", "referrers_tag"]


def referrers_tag(subject: Digest) -> str:
    """The fallback tag: ``sha256:abc…`` → ``sha256-abc…`` (§"Referrers Tag Schema")."""
    return f"{subject.algorithm}-{subject.encoded[:64]}"


def referrer_descriptor(manifest: ImageManifest | ImageIndex, data: bytes) -> Descriptor:
    """The referrers-list entry for a pushed manifest (§"Pushing Manifests with Subject")."""
    artifact_type = manifest.artifact_type
    if artifact_type is None and isinstance(manifest, ImageManifest):
        artifact_type = manifest.config.media_type
    return Descriptor(
        media_type=manifest.media_type,
        digest=digest_of(data),
        size=len(data),
        artifact_type=artifact_type,
        annotations=dict(manifest.annotations),
    )


def append_referrer(index: ImageIndex | None, entry: Descriptor) -> ImageIndex | None:
    """``index`` with ``entry`` appended, or ``None`` if it is already there (same digest).

    A missing fallback tag starts as an empty OCI image index.
    """
    current = index or ImageIndex(manifests=(), media_type=mediatypes.OCI_INDEX)
    if any(m.digest == entry.digest for m in current.manifests):
        return None
    return ImageIndex(
        manifests=(*current.manifests, entry),
        media_type=mediatypes.OCI_INDEX,
        artifact_type=current.artifact_type,
        subject=current.subject,
        annotations=current.annotations,
    )


def filter_referrers(index: ImageIndex, artifact_type: str | None) -> ImageIndex:
    """Only the entries of ``artifact_type`` (§"Listing Referrers", ``?artifactType=``)."""
    if artifact_type is None:
        return index
    kept = tuple(m for m in index.manifests if m.artifact_type == artifact_type)
    return ImageIndex(
        manifests=kept,
        media_type=index.media_type,
        artifact_type=index.artifact_type,
        subject=index.subject,
        annotations=index.annotations,
    )
