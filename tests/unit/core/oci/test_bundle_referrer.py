"""cosign v3 signatures as referrers (oci-and-policy.md §1.7): statement and manifest."""

from __future__ import annotations

import datetime
import json

from sigstack.core.intoto import parse_statement
from sigstack.core.oci import mediatypes
from sigstack.core.oci.bundle_referrer import (
    bundle_layer,
    referrer_manifest,
    sign_statement,
    subject_annotations,
)
from sigstack.core.oci.digest import digest_of, parse_digest
from sigstack.core.oci.manifest import Descriptor, ImageManifest, parse_manifest

IMAGE = parse_digest("sha256:" + "b" * 64)


def test_statement_has_a_nameless_subject_with_annotations() -> None:
    payload = sign_statement(IMAGE, {"real": "true"})
    assert json.loads(payload) == {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"digest": {"sha256": "b" * 64}, "annotations": {"real": "true"}}],
        "predicateType": "https://sigstore.dev/cosign/sign/v1",
        "predicate": {},
    }
    statement = parse_statement(payload)
    assert statement.sha256_subjects() == {"b" * 64}
    assert subject_annotations(payload, IMAGE) == {"real": "true"}
    assert subject_annotations(sign_statement(IMAGE), IMAGE) is None
    assert b"annotations" not in sign_statement(IMAGE)


def test_referrer_manifest_matches_the_spec_layout() -> None:
    bundle = b'{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}'
    subject = Descriptor(mediatypes.OCI_MANIFEST, IMAGE, 1234)
    created = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    manifest = referrer_manifest(bundle, subject, created=created)
    doc = json.loads(manifest.to_bytes())
    assert doc["artifactType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert doc["config"] == {
        "mediaType": "application/vnd.oci.empty.v1+json",
        "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        "size": 2,
    }
    assert doc["layers"] == [
        {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
         "digest": str(digest_of(bundle)), "size": len(bundle)}
    ]  # fmt: skip
    assert doc["subject"] == {
        "mediaType": mediatypes.OCI_MANIFEST,
        "digest": str(IMAGE),
        "size": 1234,
    }
    assert doc["annotations"] == {
        "org.opencontainers.image.created": "2026-01-01T00:00:00Z",
        "dev.sigstore.bundle.content": "dsse-envelope",
        "dev.sigstore.bundle.predicateType": "https://sigstore.dev/cosign/sign/v1",
    }
    parsed = parse_manifest(manifest.to_bytes())
    layer = bundle_layer(parsed)
    assert layer is not None and layer.digest == digest_of(bundle)


def test_other_referrers_are_not_bundles() -> None:
    sbom = ImageManifest(
        config=Descriptor.of(b"{}", mediatypes.OCI_EMPTY),
        layers=(Descriptor.of(b"spdx", "text/spdx+json"),),
        artifact_type="application/vnd.dev.cosign.artifact.sbom.v1+json",
    )
    assert bundle_layer(sbom) is None
