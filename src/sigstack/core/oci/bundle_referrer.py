"""cosign v3's image signature: an in-toto statement in a Sigstore bundle, stored as an OCI
1.1 referrer of the image (oci-and-policy.md §1.7).

1. :func:`sign_statement`: ``{"_type": "https://in-toto.io/Statement/v1", "subject":
   [{"digest": {"sha256": "<hex>"}, "annotations": {…-a values…}}], "predicateType":
   "https://sigstore.dev/cosign/sign/v1", "predicate": {}}`` — the subject has **no name**;
2. signed as DSSE into a bundle v0.3 (by :mod:`sigstack.sign`);
3. :func:`referrer_manifest`: an OCI image manifest with ``artifactType`` and a single
   layer ``application/vnd.dev.sigstore.bundle.v0.3+json`` (the bundle JSON), the empty
   config ``{}`` (``application/vnd.oci.empty.v1+json``, carrying the artifact type too:
   go-containerregistry's quirk), ``subject`` = the image, and the annotations
   ``org.opencontainers.image.created``, ``dev.sigstore.bundle.content``,
   ``dev.sigstore.bundle.predicateType``.

Readers (:func:`bundle_layer`) keep a referrer whose single layer is a
``application/vnd.dev.sigstore.bundle*`` blob, as cosign's ``GetBundles`` does, and read
the subject annotations back with :func:`subject_annotations`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sigstack.core.intoto import STATEMENT_V1
from sigstack.core.oci import mediatypes
from sigstack.core.oci.cosign import (
    BUNDLE_ANNOTATION_CONTENT,
    BUNDLE_ANNOTATION_PREDICATE_TYPE,
    BUNDLE_ARTIFACT_PREFIX,
    BUNDLE_ARTIFACT_TYPE,
    COSIGN_SIGN_PREDICATE_TYPE,
)
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.manifest import Descriptor, ImageIndex, ImageManifest
from sigstack.errors import FormatError

__all__ = [
    "ANNOTATION_CREATED",
    "bundle_layer",
    "referrer_manifest",
    "rfc3339",
    "sign_statement",
    "subject_annotations",
]

#: OCI image-spec ``annotations.md``: the creation time, RFC 3339.
ANNOTATION_CREATED = "org.opencontainers.image.created"


def sign_statement(image: Digest, annotations: Mapping[str, str] | None = None) -> bytes:
    """The DSSE payload cosign v3 signs for ``image`` (§1.7 step 1), compact JSON."""
    if image.algorithm != "sha256":
        raise FormatError(f"expected a sha256 image digest, found {image}", field="subject")
    subject: dict[str, Any] = {"digest": {"sha256": image.encoded}}
    if annotations:
        subject["annotations"] = dict(sorted(annotations.items()))
    statement = {
        "_type": STATEMENT_V1,
        "subject": [subject],
        "predicateType": COSIGN_SIGN_PREDICATE_TYPE,
        "predicate": {},
    }
    return json.dumps(statement, separators=(",", ":"), ensure_ascii=False).encode()


def subject_annotations(payload: bytes, image: Digest) -> dict[str, Any] | None:
    """The ``annotations`` of the statement's subject whose digest is ``image``; ``None``
    when that subject has none. Call only on a payload already parsed as a statement."""
    try:
        subjects = json.loads(payload).get("subject", [])
    except (ValueError, AttributeError) as exc:
        raise FormatError(f"expected an in-toto statement: {exc}", field="payload") from exc
    for subject in subjects if isinstance(subjects, list) else []:
        if not isinstance(subject, dict):
            continue
        digest = subject.get("digest")
        if isinstance(digest, dict) and digest.get(image.algorithm) == image.encoded:
            found = subject.get("annotations")
            if found is None:
                return None
            if not isinstance(found, dict):
                raise FormatError("expected an object", field="subject[].annotations")
            return found
    return None


def rfc3339(moment: datetime) -> str:
    """``org.opencontainers.image.created``'s form: RFC 3339, UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def referrer_manifest(
    bundle_json: bytes,
    subject: Descriptor,
    *,
    created: datetime,
    predicate_type: str = COSIGN_SIGN_PREDICATE_TYPE,
    content: str = "dsse-envelope",
) -> ImageManifest:
    """The referrer manifest holding ``bundle_json`` for ``subject`` (§1.7); its config
    blob is :data:`~sigstack.core.oci.mediatypes.OCI_EMPTY_DATA`."""
    if content not in ("dsse-envelope", "message-signature"):
        raise FormatError(
            f"expected dsse-envelope or message-signature, found {content!r}",
            field=BUNDLE_ANNOTATION_CONTENT,
        )
    empty = Descriptor.of(
        mediatypes.OCI_EMPTY_DATA, mediatypes.OCI_EMPTY, artifact_type=BUNDLE_ARTIFACT_TYPE
    )
    return ImageManifest(
        config=empty,
        layers=(Descriptor.of(bundle_json, BUNDLE_ARTIFACT_TYPE),),
        media_type=mediatypes.OCI_MANIFEST,
        artifact_type=BUNDLE_ARTIFACT_TYPE,
        subject=Descriptor(subject.media_type, subject.digest, subject.size),
        annotations={
            ANNOTATION_CREATED: rfc3339(created),
            BUNDLE_ANNOTATION_CONTENT: content,
            BUNDLE_ANNOTATION_PREDICATE_TYPE: predicate_type,
        },
    )


def bundle_layer(manifest: ImageManifest | ImageIndex) -> Descriptor | None:
    """The bundle blob of a referrer manifest: its single ``…sigstore.bundle*`` layer, or
    ``None`` when the referrer is something else (cosign skips those silently)."""
    if not isinstance(manifest, ImageManifest) or len(manifest.layers) != 1:
        return None
    layer = manifest.layers[0]
    return layer if layer.media_type.startswith(BUNDLE_ARTIFACT_PREFIX) else None
