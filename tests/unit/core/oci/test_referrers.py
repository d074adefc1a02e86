"""Referrers tag schema and list maintenance (distribution-spec v1.1 §"Referrers Tag
Schema", §"Pushing Manifests with Subject")."""

from __future__ import annotations

from sigstack.core.oci import (
    Descriptor,
    ImageIndex,
    ImageManifest,
    append_referrer,
    digest_of,
    filter_referrers,
    parse_digest,
    referrer_descriptor,
    referrers_tag,
)
from sigstack.core.oci import mediatypes as mt

SUBJECT = Descriptor.of(b"image manifest", mt.OCI_MANIFEST)


def test_tag_name() -> None:
    digest = parse_digest("sha256:" + "0123456789abcdef" * 4)
    assert referrers_tag(digest) == "sha256-" + "0123456789abcdef" * 4
    long = parse_digest("sha512:" + "ab" * 64)
    assert referrers_tag(long) == "sha512-" + "ab" * 32  # truncated to 64 characters


def artifact(artifact_type: str | None, config_type: str = mt.OCI_EMPTY) -> ImageManifest:
    return ImageManifest(
        config=Descriptor.of(b"{}", config_type),
        layers=(Descriptor.of(b"payload", "application/octet-stream"),),
        artifact_type=artifact_type,
        subject=SUBJECT,
        annotations={"org.opencontainers.image.created": "2026-01-01T00:00:00Z"},
    )


def test_entry_carries_artifact_type_and_all_annotations() -> None:
    manifest = artifact("application/vnd.example.sbom.v1")
    entry = referrer_descriptor(manifest, manifest.to_bytes())
    assert entry.digest == digest_of(manifest.to_bytes())
    assert entry.size == len(manifest.to_bytes())
    assert entry.media_type == mt.OCI_MANIFEST
    assert entry.artifact_type == "application/vnd.example.sbom.v1"
    assert entry.annotations == manifest.annotations


def test_entry_without_artifact_type_uses_the_config_media_type() -> None:
    manifest = artifact(None, config_type="application/vnd.example.config.v1+json")
    entry = referrer_descriptor(manifest, manifest.to_bytes())
    assert entry.artifact_type == "application/vnd.example.config.v1+json"


def test_append_starts_empty_and_skips_duplicates() -> None:
    first = referrer_descriptor(artifact("a/one"), artifact("a/one").to_bytes())
    second = referrer_descriptor(artifact("a/two"), artifact("a/two").to_bytes())
    index = append_referrer(None, first)
    assert index is not None and index.media_type == mt.OCI_INDEX
    index = append_referrer(index, second)
    assert index is not None and [m.artifact_type for m in index.manifests] == ["a/one", "a/two"]
    assert append_referrer(index, first) is None


def test_filter() -> None:
    entries = tuple(
        referrer_descriptor(artifact(t), artifact(t).to_bytes()) for t in ("a/one", "a/two")
    )
    index = ImageIndex(manifests=entries)
    assert filter_referrers(index, None) is index
    assert [m.artifact_type for m in filter_referrers(index, "a/two").manifests] == ["a/two"]
    assert filter_referrers(index, "a/none").manifests == ()
