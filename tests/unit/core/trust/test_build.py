"""Log IDs and chain orders (sigstore-clients.md §2.3, §2.4 derivations, §6.5)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from tests.unit.core.trust.conftest import BASE, ORIGIN, START, Material

from sigstack.core.note.signed_note import Ed25519NoteSigner
from sigstack.core.trust.build import (
    fulcio_authority,
    key_details_of,
    rekor_v1_log,
    rekor_v2_log,
    timestamp_authority,
)
from sigstack.errors import FormatError


def _spki(key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _der(cert: object) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()  # type: ignore[attr-defined]


def test_rekor_v1_log_id_is_sha256_of_spki(material: Material) -> None:
    log = rekor_v1_log(BASE, material.rekor_v1.public_key(), START).to_json()
    spki = _spki(material.rekor_v1.public_key())
    assert base64.b64decode(log["logId"]["keyId"]) == hashlib.sha256(spki).digest()
    assert base64.b64decode(log["publicKey"]["rawBytes"]) == spki
    assert log["publicKey"]["keyDetails"] == "PKIX_ECDSA_P256_SHA_256"
    assert log["hashAlgorithm"] == "SHA2_256"
    assert "checkpointKeyId" not in log


def test_rekor_v2_log_id_is_the_c2sp_key_id(material: Material) -> None:
    public = material.rekor_v2.public_key()
    log = rekor_v2_log(BASE, ORIGIN, public, START).to_json()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + raw).digest()
    assert base64.b64decode(log["logId"]["keyId"]) == expected
    assert log["checkpointKeyId"] == log["logId"]
    assert log["publicKey"]["keyDetails"] == "PKIX_ED25519"
    # The log's checkpoint signer uses the same key ID, so its 4-byte hint is logId[:4] (§6.5).
    assert Ed25519NoteSigner(ORIGIN, material.rekor_v2).key_id == expected


def test_rekor_v2_origin_must_be_in_base_url(material: Material) -> None:
    with pytest.raises(FormatError, match="substring"):
        rekor_v2_log(BASE, "rekor.example.com", material.rekor_v2.public_key(), START)


def test_key_details() -> None:
    assert key_details_of(ec.generate_private_key(ec.SECP384R1()).public_key()) == (
        "PKIX_ECDSA_P384_SHA_384"
    )
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    assert key_details_of(rsa_key) == "PKIX_RSA_PKCS1V15_2048_SHA256"
    with pytest.raises(FormatError):
        key_details_of(ec.generate_private_key(ec.SECP256K1()).public_key())


def test_fulcio_chain_has_no_leaf(material: Material) -> None:
    ca = fulcio_authority(material.ca_chain, BASE, START).to_json()
    assert [c["rawBytes"] for c in ca["certChain"]["certificates"]] == [
        _der(c) for c in material.ca_chain
    ]
    assert ca["subject"] == {"organization": "sigstack", "commonName": "sigstack root"}
    assert ca["uri"] == BASE
    with pytest.raises(FormatError, match="no leaf"):
        fulcio_authority(material.tsa_chain, BASE, START)  # a TSA leaf is no CA
    with pytest.raises(FormatError, match="root"):
        fulcio_authority(material.ca_chain[:1], BASE, START)  # no root at the end
    with pytest.raises(FormatError):
        fulcio_authority([], BASE, START)


def test_tsa_chain_is_leaf_first(material: Material) -> None:
    tsa = timestamp_authority(material.tsa_chain, f"{BASE}/api/v1/timestamp", START).to_json()
    certs = [c["rawBytes"] for c in tsa["certChain"]["certificates"]]
    assert certs == [_der(c) for c in material.tsa_chain]
    assert len(certs) >= 2
    with pytest.raises(FormatError, match="leaf"):
        timestamp_authority(list(reversed(material.tsa_chain)), BASE, START)
    with pytest.raises(FormatError, match="at least"):
        timestamp_authority(material.tsa_chain[:1], BASE, START)
    with pytest.raises(FormatError, match="timeStamping"):
        timestamp_authority([_code_signing_leaf(material), material.ca_chain[-1]], BASE, START)


def _code_signing_leaf(material: Material) -> object:
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    key = ec.generate_private_key(ec.SECP256R1())
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(material.ca_chain[-1].subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
