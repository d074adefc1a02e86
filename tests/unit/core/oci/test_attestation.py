"""Image attestations (oci-and-policy.md §1.5): the statement, and the legacy ``.att`` layer
⇄ the v0.1 DSSE bundle the Verifier checks."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sigstack.core.bundle import (
    Bundle,
    DsseEnvelope,
    DsseSignature,
    InclusionPromise,
    KindVersion,
    TlogEntry,
)
from sigstack.core.oci.attestation import (
    LegacyAttestation,
    attestation_bundle,
    envelope_json,
    image_statement,
    parse_attestation_layer,
    parse_envelope,
)
from sigstack.core.oci.cosign import (
    ANNOTATION_BUNDLE,
    ANNOTATION_CERTIFICATE,
    ANNOTATION_CHAIN,
    ANNOTATION_PREDICATE_TYPE,
    ANNOTATION_RFC3161,
    ANNOTATION_SIGNATURE,
)
from sigstack.core.oci.digest import parse_digest
from sigstack.core.oci.legacy import RekorBundle
from sigstack.errors import FormatError, UnsupportedError

IMAGE = parse_digest("sha256:" + "ab" * 32)
SLSA = "https://slsa.dev/provenance/v0.2"
STATEMENT = b'{"_type":"https://in-toto.io/Statement/v1"}'
ENVELOPE = DsseEnvelope(STATEMENT, "application/vnd.in-toto+json", (DsseSignature(b"sig", ""),))
BODY = json.dumps({"apiVersion": "0.0.1", "kind": "dsse", "spec": {}}).encode()
REKOR = RekorBundle(b"set", BODY, 1_700_000_000, 42, hashlib.sha256(b"log key").digest())


def _cert(name: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.DER)


LEAF, INTERMEDIATE = _cert("leaf"), _cert("intermediate")


def test_image_statement_names_the_repository_and_the_manifest_digest() -> None:
    statement = image_statement("r.example/app", IMAGE, "slsaprovenance", {"builder": {}})
    assert statement.to_json() == {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "r.example/app", "digest": {"sha256": "ab" * 32}}],
        "predicateType": SLSA,
        "predicate": {"builder": {}},
    }
    assert image_statement("r/a", IMAGE, "urn:x:y", {}).predicate_type == "urn:x:y"


def test_image_statement_refusals() -> None:
    with pytest.raises(FormatError, match="expected a sha256 image digest"):
        image_statement("r/a", parse_digest("sha512:" + "cd" * 64), "custom", {})
    with pytest.raises(FormatError, match="expected a predicate type URI or one of"):
        image_statement("r/a", IMAGE, "not a type", {})


def test_envelope_blob_is_cosigns_layout() -> None:
    assert envelope_json(ENVELOPE) == (
        b'{"payloadType":"application/vnd.in-toto+json","payload":"'
        + base64.b64encode(STATEMENT)
        + b'","signatures":[{"keyid":"","sig":"c2ln"}]}'
    )
    assert parse_envelope(envelope_json(ENVELOPE)) == ENVELOPE


def test_layer_annotations_round_trip() -> None:
    attestation = LegacyAttestation(
        ENVELOPE, SLSA, certificate=LEAF, chain=(INTERMEDIATE,), rekor_bundle=REKOR,
        timestamp=b"tsr",
    )  # fmt: skip
    annotations = attestation.annotations()
    assert annotations[ANNOTATION_PREDICATE_TYPE] == SLSA
    assert annotations[ANNOTATION_SIGNATURE] == ""  # present and empty (§1.5)
    assert annotations[ANNOTATION_CERTIFICATE].startswith("-----BEGIN CERTIFICATE-----")
    assert annotations[ANNOTATION_CHAIN].count("BEGIN CERTIFICATE") == 1
    bundle = json.loads(annotations[ANNOTATION_BUNDLE])
    assert list(bundle) == ["SignedEntryTimestamp", "Payload"]
    assert bundle["Payload"]["logIndex"] == 42
    assert json.loads(annotations[ANNOTATION_RFC3161]) == {"SignedRFC3161Timestamp": "dHNy"}
    assert parse_attestation_layer(attestation.blob(), annotations) == attestation


def test_key_signed_layer_has_no_certificate() -> None:
    attestation = LegacyAttestation(ENVELOPE, SLSA, rekor_bundle=REKOR)
    annotations = attestation.annotations()
    assert set(annotations) == {ANNOTATION_PREDICATE_TYPE, ANNOTATION_SIGNATURE, ANNOTATION_BUNDLE}
    bundle = attestation_bundle(parse_attestation_layer(attestation.blob(), annotations))
    assert bundle.certificate_chain is None and bundle.public_key_hint == ""


def test_attestation_bundle_is_a_v01_dsse_bundle_proven_by_its_set() -> None:
    bundle = attestation_bundle(
        LegacyAttestation(ENVELOPE, SLSA, certificate=LEAF, chain=(INTERMEDIATE,),
                          rekor_bundle=REKOR, timestamp=b"tsr")
    )  # fmt: skip
    assert bundle.version == "0.1"
    assert bundle.certificate_chain == (LEAF,)  # the chain annotation is not trusted
    assert bundle.dsse_envelope == ENVELOPE and bundle.message_signature is None
    (entry,) = bundle.tlog_entries
    assert entry.kind_version == KindVersion("dsse", "0.0.1")
    assert entry.inclusion_promise == InclusionPromise(b"set") and entry.inclusion_proof is None
    assert bundle.rfc3161_timestamps == (b"tsr",)


def test_without_a_rekor_bundle_offline_verification_fails() -> None:
    with pytest.raises(FormatError, match="offline verification failed") as caught:
        attestation_bundle(LegacyAttestation(ENVELOPE, SLSA, certificate=LEAF))
    assert caught.value.field == ANNOTATION_BUNDLE


def test_from_signer_bundle_needs_a_set() -> None:
    entry = TlogEntry(1, b"id", KindVersion("dsse", "0.0.2"), 0, None, None, b"{}")
    bundle = Bundle("m", "0.3", (LEAF,), None, (entry,), (), None, ENVELOPE)
    with pytest.raises(UnsupportedError, match="Rekor v2"):
        LegacyAttestation.from_bundle(bundle, SLSA)
    with_set = TlogEntry(1, REKOR.log_id, KindVersion("dsse", "0.0.1"), 5, InclusionPromise(b"s"),
                         None, BODY)  # fmt: skip
    made = LegacyAttestation.from_bundle(
        Bundle("m", "0.3", (LEAF,), None, (with_set,), (b"t",), None, ENVELOPE), SLSA
    )
    assert made.certificate == LEAF and made.timestamp == b"t"
    assert made.rekor_bundle is not None and made.rekor_bundle.integrated_time == 5


@pytest.mark.parametrize(
    ("blob", "field", "reason"),
    [
        (b"not json", None, "invalid JSON"),
        (b"[]", None, "expected a DSSE envelope object"),
        (b'{"payload":"eA==","signatures":[{"sig":"eA=="}]}', "payloadType", "expected a string"),
        (b'{"payloadType":"t","payload":"eA==","signatures":[]}', "signatures", "found 0"),
        (b'{"payloadType":"t","payload":"%%","signatures":[{"sig":"eA=="}]}', "payload", "base64"),
        (b'{"payloadType":"t","payload":"eA==","signatures":[{"sig":""}]}', "signatures[0].sig",
         "non-empty"),
        (b'{"payloadType":"t","payload":"eA==","signatures":[{"sig":"eA==","keyid":1}]}',
         "signatures[0].keyid", "expected a string"),
    ],
)  # fmt: skip
def test_malformed_envelopes_are_refused(blob: bytes, field: str | None, reason: str) -> None:
    with pytest.raises(FormatError, match=reason) as caught:
        parse_envelope(blob)
    assert caught.value.field == field


def test_a_foreign_signature_annotation_is_refused() -> None:
    annotations = {ANNOTATION_SIGNATURE: base64.b64encode(b"other").decode()}
    with pytest.raises(FormatError, match="expected an empty signature annotation") as caught:
        parse_attestation_layer(envelope_json(ENVELOPE), annotations)
    assert caught.value.field == ANNOTATION_SIGNATURE
    # the envelope's own signature there is tolerated
    same = {ANNOTATION_SIGNATURE: base64.b64encode(b"sig").decode()}
    assert parse_attestation_layer(envelope_json(ENVELOPE), same).envelope == ENVELOPE


def test_bad_certificate_annotations_are_named() -> None:
    blob = envelope_json(ENVELOPE)
    with pytest.raises(FormatError, match="expected PEM certificates") as caught:
        parse_attestation_layer(blob, {ANNOTATION_CERTIFICATE: "garbage"})
    assert caught.value.field == ANNOTATION_CERTIFICATE
    two = LegacyAttestation(ENVELOPE, SLSA, chain=(LEAF, INTERMEDIATE)).annotations()[
        ANNOTATION_CHAIN
    ]
    with pytest.raises(FormatError, match="expected one PEM certificate, found 2"):
        parse_attestation_layer(blob, {ANNOTATION_CERTIFICATE: two})
