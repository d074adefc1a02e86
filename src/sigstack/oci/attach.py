"""``attach_sbom``: cosign's (deprecated) ``attach sbom``, in both storage formats.

oci-and-policy.md §1.8 (SBOM attachments), §1.6 (the OCI 1.1 layout of cosign's
attachments), §1.1 (``--repository``):

* ``format="legacy"``: a single-layer image tagged ``sha256-<hex>.sbom`` whose layer is the
  SBOM with its own media type (``text/spdx``, ``text/spdx+json``,
  ``application/vnd.cyclonedx+json``, ``application/vnd.syft+json``). Attaching again
  replaces it, as cosign does (the tag holds one SBOM).
* ``format="referrer"``: the same layer in a manifest pushed by digest as an OCI 1.1
  referrer of the image, ``artifactType`` (and config media type, §1.6)
  ``application/vnd.dev.cosign.artifact.sbom.v1+json``, the config blob ``{}``, annotated
  ``org.opencontainers.image.created``. Each attachment is its own referrer.

An SBOM is not signed here (cosign ``sign --attachment sbom`` is deprecated): it is
evidence to look at, not proof.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sigstack.clients.registry import RegistryClient
from sigstack.clock import utc_now
from sigstack.core.oci.bundle_referrer import ANNOTATION_CREATED, rfc3339
from sigstack.core.oci.cosign import SBOM_ARTIFACT_TYPE, SBOM_MEDIA_TYPES, attached_tag
from sigstack.core.oci.manifest import Descriptor, ImageManifest
from sigstack.core.oci.mediatypes import OCI_EMPTY_DATA
from sigstack.core.oci.reference import Reference
from sigstack.errors import FormatError
from sigstack.oci.evidence import resolve, tag_warning
from sigstack.oci.store import Store, store_for

__all__ = ["AttachFormat", "AttachOutcome", "attach_sbom", "sbom_media_type"]

AttachFormat = Literal["legacy", "referrer"]


@dataclass(frozen=True)
class AttachOutcome:
    """Where :func:`attach_sbom` stored the SBOM."""

    image: Reference  # pinned to its digest
    format: AttachFormat
    location: str  # host/repo:sha256-<hex>.sbom, or host/repo@<referrer digest>
    media_type: str
    warning: str | None = None


def sbom_media_type(sbom_type: str) -> str:
    """The layer media type of an SBOM ``--type`` (§1.8); :class:`FormatError` otherwise."""
    try:
        return SBOM_MEDIA_TYPES[sbom_type]
    except KeyError:
        known = ", ".join(SBOM_MEDIA_TYPES)
        raise FormatError(f"expected an SBOM type {known}; found {sbom_type!r}") from None


def sbom_referrer(
    sbom: bytes, media_type: str, subject: Descriptor, created: datetime
) -> ImageManifest:
    """The referrer manifest of an SBOM attachment (module docstring)."""
    return ImageManifest(
        config=Descriptor.of(OCI_EMPTY_DATA, SBOM_ARTIFACT_TYPE),
        layers=(Descriptor.of(sbom, media_type),),
        artifact_type=SBOM_ARTIFACT_TYPE,
        subject=Descriptor(subject.media_type, subject.digest, subject.size),
        annotations={ANNOTATION_CREATED: rfc3339(created)},
    )


def attach_sbom(
    registry: RegistryClient,
    reference: Reference | str,
    sbom: bytes,
    sbom_type: str,
    *,
    format: AttachFormat = "legacy",
    repository: str | Store | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> AttachOutcome:
    """Attach ``sbom`` (of ``sbom_type``: spdx, spdxjson, cyclonedx, syft) to the image."""
    if format not in ("legacy", "referrer"):
        raise FormatError(f"expected format legacy or referrer, found {format!r}", field="format")
    media_type = sbom_media_type(sbom_type)
    if not sbom:
        raise FormatError("expected an SBOM, found an empty file", field="sbom")
    resolved = resolve(registry, reference)
    store = store_for(registry, resolved.reference, repository)
    if format == "legacy":
        tag = attached_tag(resolved.digest, "sbom")
        location = store.put_tagged(tag, (Descriptor.of(sbom, media_type),), (sbom,))
    else:
        manifest = sbom_referrer(sbom, media_type, resolved.descriptor, clock())
        location = store.put_referrer(manifest, (sbom, OCI_EMPTY_DATA))
    return AttachOutcome(resolved.reference, format, location, media_type, tag_warning(resolved))
