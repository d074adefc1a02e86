"""Step 7 (entry consistency) on hand-edited canonical bodies: mismatches and odd shapes."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.bundle import Bundle, TlogEntry
from sigstack.verify import LogEntryMismatchError, load_bundle
from sigstack.verify._entry import Signer, check_dsse_entry, check_message_entry

CASES = Path("/work/shared/conformance/bundle-verify")


def _setup() -> tuple[Bundle, bytes, Signer]:
    bundle = load_bundle((CASES / "happy-path-v0.1" / "bundle.sigstore.json").read_bytes())
    assert bundle.leaf_der is not None and bundle.message_signature is not None
    cert = x509.load_der_x509_certificate(bundle.leaf_der)
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    signer = Signer(cert, bundle.leaf_der, key)
    return bundle, hashlib.sha256((CASES / "a.txt").read_bytes()).digest(), signer


def _stranger() -> Signer:
    return Signer(None, b"x", ec.generate_private_key(ec.SECP256R1()).public_key())


def _with_body(entry: TlogEntry, edit: Any) -> TlogEntry:
    body = json.loads(entry.canonicalized_body)
    edit(body)
    return dataclasses.replace(entry, canonicalized_body=json.dumps(body).encode())


def test_the_real_entry_matches() -> None:
    bundle, digest, signer = _setup()
    assert bundle.message_signature is not None
    check_message_entry(bundle.tlog_entries[0], digest, bundle.message_signature.signature, signer)


@pytest.mark.parametrize(
    "edit",
    [
        lambda b: b["spec"]["data"]["hash"].update(value="zz"),
        lambda b: b["spec"]["data"]["hash"].update(value="00" * 32),
        lambda b: b["spec"].update(data=[]),
        lambda b: b["spec"]["signature"].update(content=base64.b64encode(b"x").decode()),
        lambda b: b["spec"]["signature"]["publicKey"].update(content="!!"),
        lambda b: b["spec"]["signature"]["publicKey"].update(
            content=base64.b64encode(b"-----BEGIN PUBLIC KEY-----\nAA==\n").decode()
        ),
        lambda b: b.update(kind="dsse"),
        lambda b: b.update(spec=1),
    ],
)
def test_edits_are_mismatches(edit: Any) -> None:
    bundle, digest, signer = _setup()
    assert bundle.message_signature is not None
    entry = _with_body(bundle.tlog_entries[0], edit)
    with pytest.raises(LogEntryMismatchError) as info:
        check_message_entry(entry, digest, bundle.message_signature.signature, signer)
    assert info.value.code == "log-entry-mismatch"


def test_another_signer_is_a_mismatch() -> None:
    bundle, digest, _ = _setup()
    assert bundle.message_signature is not None
    with pytest.raises(LogEntryMismatchError, match="signer"):
        check_message_entry(
            bundle.tlog_entries[0], digest, bundle.message_signature.signature, _stranger()
        )


def _dsse_v002_entry(payload: bytes, signature: bytes, cert_der: bytes) -> TlogEntry:
    """A dsse 0.0.2 canonical body in the shape our Rekor v2 (and rekor-tiles) logs."""
    body = {
        "apiVersion": "0.0.2",
        "kind": "dsse",
        "spec": {
            "dsseV002": {
                "payloadHash": {
                    "algorithm": "SHA2_256",
                    "digest": base64.b64encode(hashlib.sha256(payload).digest()).decode(),
                },
                "signatures": [
                    {
                        "content": base64.b64encode(signature).decode(),
                        "verifier": {
                            "x509Certificate": {"rawBytes": base64.b64encode(cert_der).decode()},
                            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                        },
                    }
                ],
            }
        },
    }
    bundle, _, _ = _setup()
    return dataclasses.replace(
        bundle.tlog_entries[0],
        kind_version=dataclasses.replace(
            bundle.tlog_entries[0].kind_version, kind="dsse", version="0.0.2"
        ),
        canonicalized_body=json.dumps(body).encode(),
    )


def test_dsse_v002_entry_matches_and_mismatches() -> None:
    """sigstore-js logs DSSE in Rekor v2 as dsse 0.0.2; the payload hash, signature and signer
    must all be the bundle's."""
    _, _, signer = _setup()
    cert_der = signer.certificate_der
    assert cert_der is not None
    payload, signature = b'{"_type":"x"}', b"\x30\x01sig"
    entry = _dsse_v002_entry(payload, signature, cert_der)
    check_dsse_entry(entry, payload, b"pae", signature, signer)
    with pytest.raises(LogEntryMismatchError, match="payload hash"):
        check_dsse_entry(entry, b"other", b"pae", signature, signer)
    with pytest.raises(LogEntryMismatchError, match="signature"):
        check_dsse_entry(entry, payload, b"pae", b"\x30\x02other", signer)
    with pytest.raises(LogEntryMismatchError, match="signer"):
        check_dsse_entry(entry, payload, b"pae", signature, _stranger())
    # the entry may name the signer by its key: SPKI DER, or a PEM public key
    spki = signer.key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    check_dsse_entry(_dsse_v002_entry(payload, signature, spki), payload, b"pae", signature, signer)
    with pytest.raises(LogEntryMismatchError, match="signer"):
        check_dsse_entry(
            _dsse_v002_entry(payload, signature, spki), payload, b"pae", signature, _stranger()
        )


def _pem_variant(der: bytes, width: int, newline: bytes) -> bytes:
    text = base64.b64encode(der)
    lines = newline.join(text[i : i + width] for i in range(0, len(text), width))
    return (
        b"-----BEGIN CERTIFICATE-----"
        + newline
        + lines
        + newline
        + b"-----END CERTIFICATE-----"
        + newline
    )


def test_canonical_pem_is_what_cryptography_writes() -> None:
    from sigstack.verify._entry import _pem

    _, _, signer = _setup()
    assert signer.certificate is not None and signer.certificate_der is not None
    assert _pem(signer.certificate_der) == signer.certificate.public_bytes(
        serialization.Encoding.PEM
    )


@pytest.mark.parametrize(("width", "newline"), [(64, b"\n"), (76, b"\n"), (64, b"\r\n")])
def test_recorded_certificate_pem_in_any_layout_matches(width: int, newline: bytes) -> None:
    """The canonical-PEM shortcut changes no verdict: other layouts still parse and match."""
    from sigstack.verify._entry import _recorded_is

    _, _, signer = _setup()
    assert signer.certificate_der is not None
    assert _recorded_is(_pem_variant(signer.certificate_der, width, newline), signer)


def test_recorded_pem_of_another_certificate_is_a_mismatch() -> None:
    from sigstack.verify._entry import _recorded_is

    _, _, signer = _setup()
    recorded = _pem_variant(_other_certificate_der(), 64, b"\n")
    assert not _recorded_is(recorded, signer)
    assert not _recorded_is(recorded, dataclasses.replace(signer, certificate_der=None))


def _other_certificate_der() -> bytes:
    import datetime

    from cryptography.hazmat.primitives import hashes

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "other")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)
