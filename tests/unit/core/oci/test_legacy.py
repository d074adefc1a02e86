"""Legacy ``.sig`` layers (oci-and-policy.md §1.2, §1.3): RekorBundle ⇄ tlog entry, layer ⇄ bundle."""

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

from sigstack.core.bundle import InclusionPromise, KindVersion, TlogEntry
from sigstack.core.oci.cosign import (
    ANNOTATION_BUNDLE,
    ANNOTATION_CERTIFICATE,
    ANNOTATION_CHAIN,
    ANNOTATION_RFC3161,
    ANNOTATION_SIGNATURE,
)
from sigstack.core.oci.legacy import (
    LegacySignature,
    RekorBundle,
    legacy_bundle,
    parse_rekor_bundle,
    parse_signature_layer,
    parse_timestamp_annotation,
    timestamp_annotation,
)
from sigstack.errors import FormatError, UnsupportedError

BODY = json.dumps({"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {}}).encode()
LOG_ID = hashlib.sha256(b"log key").digest()


def _cert(name: str) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_rekor_bundle_serialises_with_cosigns_capitalised_outer_keys() -> None:
    rb = RekorBundle(b"set", BODY, 1624396085, 5179, LOG_ID)
    text = rb.to_annotation()
    assert text.startswith('{"SignedEntryTimestamp":"c2V0","Payload":{"body":"')
    assert text.endswith(
        f'"integratedTime":1624396085,"logIndex":5179,"logID":"{LOG_ID.hex()}"}}}}'
    )
    assert parse_rekor_bundle(text) == rb


def test_rekor_bundle_to_and_from_a_tlog_entry() -> None:
    entry = TlogEntry(
        log_index=7, log_id=LOG_ID, kind_version=KindVersion("hashedrekord", "0.0.1"),
        integrated_time=1700000000, inclusion_promise=InclusionPromise(b"sig"),
        inclusion_proof=None, canonicalized_body=BODY,
    )  # fmt: skip
    rb = RekorBundle.from_tlog_entry(entry)
    assert rb.to_tlog_entry() == entry


def test_rekor_v2_entry_has_no_set_and_is_refused() -> None:
    entry = TlogEntry(7, LOG_ID, KindVersion("hashedrekord", "0.0.2"), 0, None, None, BODY)
    with pytest.raises(UnsupportedError, match="SignedEntryTimestamp"):
        RekorBundle.from_tlog_entry(entry)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[]", "expected a JSON object"),
        ('{"SignedEntryTimestamp":"c2V0"}', "expected a Payload object"),
        (
            '{"SignedEntryTimestamp":"c2V0","Payload":{"body":"e30=","integratedTime":1,'
            '"logIndex":1,"logID":"abcd"}}',
            "logID",
        ),
        (
            '{"SignedEntryTimestamp":"!!","Payload":{"body":"e30=","integratedTime":1,'
            f'"logIndex":1,"logID":"{LOG_ID.hex()}"}}}}',
            "SignedEntryTimestamp",
        ),
        (
            '{"SignedEntryTimestamp":"c2V0","Payload":{"body":"e30=","integratedTime":-1,'
            f'"logIndex":1,"logID":"{LOG_ID.hex()}"}}}}',
            "integratedTime",
        ),
    ],
)
def test_malformed_rekor_bundles_are_refused(text: str, reason: str) -> None:
    with pytest.raises(FormatError, match=reason):
        parse_rekor_bundle(text)


def test_timestamp_annotation_round_trip() -> None:
    text = timestamp_annotation(b"\x30\x03der")
    assert text == '{"SignedRFC3161Timestamp":"MANkZXI="}'
    assert parse_timestamp_annotation(text) == b"\x30\x03der"
    with pytest.raises(FormatError, match="SignedRFC3161Timestamp"):
        parse_timestamp_annotation('{"Timestamp":"MANkZXI="}')


def test_layer_annotations_round_trip_and_become_a_v01_bundle() -> None:
    leaf, root = _cert("leaf"), _cert("root")
    payload = b'{"critical":{}}'
    rb = RekorBundle(b"set", BODY, 1700000000, 3, LOG_ID)
    written = LegacySignature(
        payload=payload, signature=b"\x30sig",
        certificate=leaf.public_bytes(serialization.Encoding.DER),
        chain=(root.public_bytes(serialization.Encoding.DER),),
        rekor_bundle=rb, timestamp=b"\x30tsr",
    )  # fmt: skip
    annotations = written.annotations()
    assert annotations[ANNOTATION_SIGNATURE] == base64.b64encode(b"\x30sig").decode()
    assert annotations[ANNOTATION_CERTIFICATE] == _pem(leaf)
    assert annotations[ANNOTATION_CHAIN] == _pem(root)
    assert json.loads(annotations[ANNOTATION_BUNDLE])["Payload"]["logIndex"] == 3
    assert json.loads(annotations[ANNOTATION_RFC3161]) == {
        "SignedRFC3161Timestamp": base64.b64encode(b"\x30tsr").decode()
    }
    read = parse_signature_layer(payload, annotations)
    assert read == written
    bundle = legacy_bundle(read)
    assert bundle.version == "0.1"
    assert bundle.certificate_chain == (written.certificate,)  # the chain is never trusted
    assert bundle.message_signature is not None
    assert bundle.message_signature.digest == hashlib.sha256(payload).digest()
    assert bundle.message_signature.signature == b"\x30sig"
    assert bundle.tlog_entries == (rb.to_tlog_entry(),)
    assert bundle.tlog_entries[0].inclusion_proof is None
    assert bundle.rfc3161_timestamps == (b"\x30tsr",)


def test_key_signed_layer_has_no_certificate() -> None:
    rb = RekorBundle(b"set", BODY, 1700000000, 3, LOG_ID)
    read = parse_signature_layer(b"{}", LegacySignature(b"{}", b"s", rekor_bundle=rb).annotations())
    bundle = legacy_bundle(read)
    assert bundle.certificate_chain is None and bundle.public_key_hint == ""


def test_layer_without_rekor_bundle_cannot_be_verified_offline() -> None:
    read = parse_signature_layer(b"{}", {ANNOTATION_SIGNATURE: "c2ln"})
    with pytest.raises(FormatError, match="offline verification failed"):
        legacy_bundle(read)


@pytest.mark.parametrize(
    ("annotations", "reason"),
    [
        ({}, ANNOTATION_SIGNATURE),
        ({ANNOTATION_SIGNATURE: ""}, ANNOTATION_SIGNATURE),
        ({ANNOTATION_SIGNATURE: "c2ln", ANNOTATION_CERTIFICATE: "not pem"}, "PEM"),
        ({ANNOTATION_SIGNATURE: "c2ln", ANNOTATION_BUNDLE: "{"}, "JSON object"),
    ],
)
def test_malformed_layers_are_refused(annotations: dict[str, str], reason: str) -> None:
    with pytest.raises(FormatError, match=reason):
        parse_signature_layer(b"{}", annotations)
