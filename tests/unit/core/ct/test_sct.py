"""SCT encoding (RFC 6962 §3.2, §3.3), signing and verification."""

from __future__ import annotations

import hashlib
import struct

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from sigstack.core.ct.sct import (
    SignedCertificateTimestamp,
    decode_sct_list,
    encode_sct_list,
    log_id_of,
    precert_signed_data,
    sct_list_extension_value,
    sign_sct,
    verify_sct,
    x509_signed_data,
)
from sigstack.errors import FormatError, SignatureError, UnsupportedError

EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
TS = 1_700_000_000_123
KEY_HASH = hashlib.sha256(b"issuer spki").digest()
TBS = b"\x30\x03\x02\x01\x05"


def _precert_data(ts: int = TS, ext: bytes = b"") -> bytes:
    return precert_signed_data(
        timestamp=ts, issuer_key_hash=KEY_HASH, tbs_certificate=TBS, extensions=ext
    )


def _independent_precert_data(ts: int, key_hash: bytes, tbs: bytes, ext: bytes) -> bytes:
    """RFC 6962 §3.2 digitally-signed input, spelled out with struct."""
    return (
        struct.pack(">BBQH", 0, 0, ts, 1)
        + key_hash
        + struct.pack(">I", len(tbs))[1:]
        + tbs
        + struct.pack(">H", len(ext))
        + ext
    )


def test_log_id_is_sha256_of_the_spki() -> None:
    spki = EC_KEY.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert log_id_of(EC_KEY.public_key()) == hashlib.sha256(spki).digest()


def test_signed_data_matches_an_independent_construction() -> None:
    ext = bytes.fromhex("0000050000000007")
    assert _precert_data(ext=ext) == _independent_precert_data(TS, KEY_HASH, TBS, ext)
    cert = b"\x30\x00" * 100
    expected = struct.pack(">BBQH", 0, 0, TS, 0) + struct.pack(">I", 200)[1:] + cert + b"\0\0"
    assert x509_signed_data(timestamp=TS, certificate_der=cert) == expected


@pytest.mark.parametrize("key", [EC_KEY, RSA_KEY], ids=["ecdsa", "rsa"])
def test_sct_signed_here_verifies_against_independent_signed_data(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
) -> None:
    sct = sign_sct(key, _precert_data(), timestamp=TS)
    assert (sct.version, sct.timestamp, sct.extensions, sct.hash_algorithm) == (0, TS, b"", 4)
    assert sct.signature_algorithm == (3 if isinstance(key, ec.EllipticCurvePrivateKey) else 1)
    verify_sct(sct, _independent_precert_data(TS, KEY_HASH, TBS, b""), key.public_key())
    data = _independent_precert_data(TS, KEY_HASH, TBS, b"")
    if isinstance(key, ec.EllipticCurvePrivateKey):
        key.public_key().verify(sct.signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        key.public_key().verify(sct.signature, data, padding.PKCS1v15(), hashes.SHA256())


def test_to_bytes_layout_and_round_trip() -> None:
    sct = sign_sct(EC_KEY, _precert_data(ext=b"\x01\x02"), timestamp=TS, extensions=b"\x01\x02")
    raw = sct.to_bytes()
    assert raw[0] == 0
    assert raw[1:33] == log_id_of(EC_KEY.public_key())
    assert struct.unpack(">Q", raw[33:41])[0] == TS
    assert raw[41:45] == b"\x00\x02\x01\x02"
    assert raw[45:47] == b"\x04\x03"
    assert struct.unpack(">H", raw[47:49])[0] == len(sct.signature) == len(raw) - 49
    assert SignedCertificateTimestamp.from_bytes(raw) == sct


def test_json_round_trip() -> None:
    sct = sign_sct(EC_KEY, _precert_data(), timestamp=TS)
    body = sct.to_json()
    assert set(body) == {"sct_version", "id", "timestamp", "extensions", "signature"}
    assert SignedCertificateTimestamp.from_json(body) == sct


def test_sct_list_round_trip_and_extension_value() -> None:
    scts = [sign_sct(EC_KEY, _precert_data(t), timestamp=t) for t in (TS, TS + 1)]
    encoded = encode_sct_list(scts)
    sizes = [len(s.to_bytes()) for s in scts]
    assert struct.unpack(">H", encoded[:2])[0] == sum(sizes) + 4 == len(encoded) - 2
    assert decode_sct_list(encoded) == scts
    # The extension value is a DER OCTET STRING of the list: short, then long-form length.
    one = encode_sct_list(scts[:1])
    assert len(one) < 128
    assert sct_list_extension_value(scts[:1]) == b"\x04" + bytes([len(one)]) + one
    many = encode_sct_list(scts * 2)
    assert sct_list_extension_value(scts * 2) == b"\x04\x82" + struct.pack(">H", len(many)) + many


def test_from_bytes_refuses_trailing_data() -> None:
    raw = sign_sct(EC_KEY, _precert_data(), timestamp=TS).to_bytes()
    with pytest.raises(FormatError, match="1 trailing bytes"):
        SignedCertificateTimestamp.from_bytes(raw + b"\0")


def test_from_bytes_refuses_truncated_data() -> None:
    raw = sign_sct(EC_KEY, _precert_data(), timestamp=TS).to_bytes()
    with pytest.raises(FormatError, match="truncated"):
        SignedCertificateTimestamp.from_bytes(raw[:-1])
    with pytest.raises(FormatError, match="truncated"):
        SignedCertificateTimestamp.from_bytes(raw[:20])


def test_from_bytes_refuses_other_versions() -> None:
    raw = sign_sct(EC_KEY, _precert_data(), timestamp=TS).to_bytes()
    with pytest.raises(FormatError, match="version 1 is not v1"):
        SignedCertificateTimestamp.from_bytes(b"\x01" + raw[1:])


def test_decode_sct_list_refuses_bad_lengths() -> None:
    encoded = encode_sct_list([sign_sct(EC_KEY, _precert_data(), timestamp=TS)])
    with pytest.raises(FormatError, match="trailing"):
        decode_sct_list(encoded + b"\0")
    with pytest.raises(FormatError, match="truncated"):
        decode_sct_list(encoded[:-1])


def test_verify_refuses_a_changed_tbs() -> None:
    sct = sign_sct(EC_KEY, _precert_data(), timestamp=TS)
    other = _independent_precert_data(TS, KEY_HASH, TBS + b"\0", b"")
    with pytest.raises(SignatureError, match="SCT: signature does not verify"):
        verify_sct(sct, other, EC_KEY.public_key())


def test_verify_refuses_another_logs_key() -> None:
    sct = sign_sct(EC_KEY, _precert_data(), timestamp=TS)
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    with pytest.raises(SignatureError, match="is not this log's key"):
        verify_sct(sct, _precert_data(), other)


def test_verify_refuses_a_non_sha256_hash() -> None:
    sct = sign_sct(EC_KEY, _precert_data(), timestamp=TS)
    bad = SignedCertificateTimestamp(0, sct.log_id, TS, b"", 5, 3, sct.signature)
    with pytest.raises(SignatureError, match="hash algorithm 5 is not SHA-256"):
        verify_sct(bad, _precert_data(), EC_KEY.public_key())


def test_verify_refuses_a_signature_algorithm_that_does_not_match_the_key() -> None:
    sct = sign_sct(EC_KEY, _precert_data(), timestamp=TS)
    bad = SignedCertificateTimestamp(0, sct.log_id, TS, b"", 4, 1, sct.signature)
    with pytest.raises(SignatureError, match="does not match the ECDSA key"):
        verify_sct(bad, _precert_data(), EC_KEY.public_key())


def test_sign_refuses_ed25519() -> None:
    with pytest.raises(UnsupportedError, match="ECDSA or RSA"):
        sign_sct(ed25519.Ed25519PrivateKey.generate(), b"x", timestamp=TS)  # type: ignore[arg-type]


def test_precert_signed_data_refuses_a_short_key_hash() -> None:
    with pytest.raises(FormatError, match="issuer_key_hash must be 32 bytes, got 31"):
        precert_signed_data(timestamp=TS, issuer_key_hash=KEY_HASH[:31], tbs_certificate=TBS)


def test_precert_signed_data_bytes_are_rfc6962_digitally_signed_struct() -> None:
    """RFC 6962 §3.2: version ‖ signature_type ‖ timestamp ‖ entry_type ‖ key hash ‖
    TBSCertificate<1..2^24-1> ‖ CtExtensions<0..2^16-1>."""
    data = precert_signed_data(
        timestamp=TS, issuer_key_hash=KEY_HASH, tbs_certificate=TBS, extensions=b"ext"
    )
    assert data == (struct.pack(">BBQH", 0, 0, TS, 1) + KEY_HASH + b"\0\0\x05" + TBS + b"\0\x03ext")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timestamp": 2**64}, "does not fit in 8 bytes"),
        ({"timestamp": -1}, "does not fit in 8 bytes"),
        ({"tbs_certificate": b""}, "non-empty TBSCertificate"),
        ({"tbs_certificate": bytes(1 << 24)}, f"{1 << 24} does not fit in 3 bytes"),
        ({"extensions": bytes(1 << 16)}, f"{1 << 16} does not fit in 2 bytes"),
    ],
)
def test_precert_signed_data_refuses_values_out_of_range(
    kwargs: dict[str, object], message: str
) -> None:
    args: dict[str, object] = {
        "timestamp": TS,
        "issuer_key_hash": KEY_HASH,
        "tbs_certificate": TBS,
        **kwargs,
    }
    with pytest.raises(FormatError, match=message):
        precert_signed_data(**args)  # type: ignore[arg-type]
