"""Strict bundle parsing (sigstore-clients.md §9.1) over the conformance bundles and edits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sigstack.core.bundle import parse_bundle
from sigstack.errors import FormatError, UnsupportedError

CASES = Path("/work/shared/conformance/bundle-verify")


def _doc(case: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CASES / case / "bundle.sigstore.json").read_text())
    return loaded


def _parse(doc: dict[str, Any]) -> Any:
    return parse_bundle(json.dumps(doc))


@pytest.mark.parametrize(
    ("case", "version"),
    [
        ("happy-path-v0.1", "0.1"),
        ("happy-path-v0.2", "0.2"),
        ("happy-path-v0.3", "0.3"),
        ("happy-path-v0.3-new-mediaType", "0.3"),
        ("rekor2-happy-path", "0.3"),
    ],
)
def test_versions_and_media_types(case: str, version: str) -> None:
    bundle = parse_bundle((CASES / case / "bundle.sigstore.json").read_bytes())
    assert bundle.version == version
    assert bundle.leaf_der is not None
    assert len(bundle.tlog_entries) == 1
    entry = bundle.tlog_entries[0]
    assert entry.inclusion_proof is not None
    assert entry.inclusion_proof.checkpoint is not None
    assert entry.kind_version.kind == "hashedrekord"
    assert bundle.message_signature is not None


def test_v01_fields_decoded() -> None:
    bundle = parse_bundle((CASES / "happy-path-v0.1" / "bundle.sigstore.json").read_bytes())
    entry = bundle.tlog_entries[0]
    assert entry.log_index == 27246492
    assert entry.integrated_time == 1689177396
    assert entry.inclusion_promise is not None
    proof = entry.inclusion_proof
    assert proof is not None and proof.log_index == 23083061 and proof.tree_size == 23083062
    assert all(len(h) == 32 for h in proof.hashes)
    assert bundle.message_signature is not None
    assert bundle.message_signature.digest_algorithm == "SHA2_256"


def test_omitted_zero_log_index_reads_as_zero() -> None:
    """proto3 JSON drops a zero int64: sigstore-js writes entry 0 with no logIndex at all."""
    doc = _doc("happy-path-v0.3")
    entry = doc["verificationMaterial"]["tlogEntries"][0]
    del entry["logIndex"]
    del entry["inclusionProof"]["logIndex"]
    parsed = _parse(doc).tlog_entries[0]
    assert parsed.log_index == 0
    assert parsed.inclusion_proof.log_index == 0


def test_dsse_and_managed_key() -> None:
    dsse = parse_bundle(
        (CASES / "happy-path-intoto-in-dsse-v3" / "bundle.sigstore.json").read_bytes()
    )
    assert dsse.dsse_envelope is not None and dsse.message_signature is None
    assert dsse.dsse_envelope.payload_type == "application/vnd.in-toto+json"
    assert len(dsse.dsse_envelope.signatures) == 1
    keyed = parse_bundle((CASES / "managed-key-happy-path" / "bundle.sigstore.json").read_bytes())
    assert keyed.certificate_chain is None and keyed.public_key_hint
    assert len(keyed.rfc3161_timestamps) == 1


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("bundle-empty-certificate-chain_fail", "verificationMaterial.certificates"),
        ("bundle-invalid-base64-signature_fail", "messageSignature.signature"),
        ("bundle-malformed-json_fail", "bundle"),
        ("bundle-negative-log-index_fail", "tlogEntries[0].logIndex"),
        ("bundle-unknown-version_fail", "mediaType"),
    ],
)
def test_conformance_format_failures(case: str, field: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_bundle((CASES / case / "bundle.sigstore.json").read_bytes())
    assert info.value.field == field


def test_unknown_version_is_named() -> None:
    doc = _doc("happy-path-v0.3")
    doc["mediaType"] = "application/vnd.dev.sigstore.bundle.v0.9+json"
    with pytest.raises(UnsupportedError, match=r"v0\.9"):
        _parse(doc)


def test_v03_rejects_chain_and_v01_rejects_certificate() -> None:
    doc = _doc("happy-path-v0.3")
    cert = doc["verificationMaterial"].pop("certificate")
    doc["verificationMaterial"]["x509CertificateChain"] = {"certificates": [cert]}
    with pytest.raises(FormatError, match="x509CertificateChain"):
        _parse(doc)
    doc = _doc("happy-path-v0.1")
    chain = doc["verificationMaterial"].pop("x509CertificateChain")
    doc["verificationMaterial"]["certificate"] = chain["certificates"][0]
    with pytest.raises(FormatError, match=r"v0\.3"):
        _parse(doc)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["verificationMaterial"]["tlogEntries"][0].update(logIndex="1x"), "logIndex"),
        (lambda d: d["verificationMaterial"]["tlogEntries"][0].update(logIndex=True), "logIndex"),
        (lambda d: d["verificationMaterial"]["tlogEntries"][0].pop("kindVersion"), "kindVersion"),
        (lambda d: d["verificationMaterial"]["tlogEntries"][0].pop("logId"), "logId"),
        (lambda d: d.pop("messageSignature"), "content"),
        (lambda d: d.update(dsseEnvelope={}), "content"),
        (lambda d: d["messageSignature"].update(signature=""), "signature"),
        (lambda d: d.pop("mediaType"), "mediaType"),
        (lambda d: d["verificationMaterial"].pop("certificate"), "verificationMaterial"),
    ],
)
def test_malformed_fields_are_named(edit: Any, field: str) -> None:
    doc = _doc("happy-path-v0.3")
    edit(doc)
    with pytest.raises(FormatError) as info:
        _parse(doc)
    assert field in (info.value.field or "")


def test_not_an_object() -> None:
    with pytest.raises(FormatError):
        parse_bundle(b"[]")
