"""The DER certificate reader, SPKI keys, PEM and the CSR: each judged by cryptography or
openssl on the same bytes, and each refusal named (RFC 5280 §4.1, RFC 2986, RFC 7468)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from tests.unit.sign.fakes import issue

from sigstack.core.x509.certificate import read_certificate, tbs_without_extension
from sigstack.core.x509.csr import certificate_request
from sigstack.core.x509.der import encode_tlv, read_tlv
from sigstack.core.x509.pem import pem_decode, pem_decode_all, pem_encode
from sigstack.core.x509.spki import ec_spki, load_spki
from sigstack.errors import FormatError, UnsupportedError

DER = serialization.Encoding.DER
SPKI = serialization.PublicFormat.SubjectPublicKeyInfo
SCT_LIST = bytes.fromhex("2b06010401d679020402")


def _leaf() -> x509.Certificate:
    return issue(ec.generate_private_key(ec.SECP256R1()).public_key())[0]


def test_reader_agrees_with_cryptography() -> None:
    leaf = _leaf()
    der = leaf.public_bytes(DER)
    got = read_certificate(der)
    assert got.tbs == leaf.tbs_certificate_bytes
    assert got.spki == leaf.public_key().public_bytes(DER, SPKI)
    assert got.not_before == leaf.not_valid_before_utc
    assert got.not_after == leaf.not_valid_after_utc
    assert got.issuer == leaf.issuer.public_bytes()
    assert got.subject == leaf.subject.public_bytes()
    assert [e.oid for e in got.extensions] == [
        bytes.fromhex(_oid_hex(e.oid.dotted_string)) for e in leaf.extensions
    ]
    assert [e.critical for e in got.extensions] == [e.critical for e in leaf.extensions]
    # the precert TBS an SCT signs is what cryptography computes
    assert tbs_without_extension(got.tbs, SCT_LIST, name="SCT list") == (
        leaf.tbs_precertificate_bytes
    )


def _oid_hex(dotted: str) -> str:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        while part > 0x7F:
            part >>= 7
            chunk.append(0x80 | (part & 0x7F))
        out += bytes(reversed(chunk))
    return out.hex()


def test_generalized_time_after_2049() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "t")])
    start = datetime(2049, 6, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(7)
        .not_valid_before(start).not_valid_after(start + timedelta(days=400))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    got = read_certificate(cert.public_bytes(DER))
    assert (got.not_before, got.not_after) == (start, start + timedelta(days=400))
    assert got.extensions == ()
    with pytest.raises(FormatError, match="TBSCertificate has no extensions"):
        tbs_without_extension(got.tbs, SCT_LIST, name="SCT list")


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d + b"\x00", "trailing bytes after the certificate"),
        (lambda d: d[:-1], "DER length overruns the data"),
        (lambda d: b"\x31" + d[1:], "expected DER tag 0x30, found 0x31"),
        (lambda d: d[:4] + b"\x31" + d[5:], "expected DER tag 0x30, found 0x31"),
    ],
    ids=["trailing", "truncated", "not-a-sequence", "tbs-not-a-sequence"],
)
def test_reader_refusals(mutate: object, reason: str) -> None:
    der = _leaf().public_bytes(DER)
    with pytest.raises(FormatError, match=reason):
        read_certificate(mutate(der))  # type: ignore[operator]


def _with_extra_extension(der: bytes, extension: bytes) -> bytes:
    """The certificate with ``extension`` (a whole Extension TLV) appended, lengths redone."""
    tbs = read_certificate(der).tbs
    _, start, pos = read_tlv(tbs, 0)
    pos = exts_at = start
    while pos < len(tbs):  # the last TBS field is [3] extensions
        exts_at = pos
        _, _, pos = read_tlv(tbs, pos)
    _, seq_at, _ = read_tlv(tbs, exts_at)
    _, inner, end = read_tlv(tbs, seq_at)
    body = tbs[start:exts_at] + encode_tlv(0xA3, encode_tlv(0x30, tbs[inner:end] + extension))
    _, outer, _ = read_tlv(der, 0)
    rest = der[outer + len(tbs) :]
    return encode_tlv(0x30, encode_tlv(0x30, body) + rest)


def test_duplicate_extension_is_refused() -> None:
    der = _leaf().public_bytes(DER)
    key_usage = encode_tlv(
        0x30, bytes.fromhex("0603551d0f") + encode_tlv(0x04, b"\x03\x02\x07\x80")
    )
    with pytest.raises(FormatError, match="extension 551d0f appears twice"):
        read_certificate(_with_extra_extension(der, key_usage))
    explicit_false = encode_tlv(0x30, bytes.fromhex("0603551d200101000402") + b"\x30\x00")
    with pytest.raises(FormatError, match="expected critical TRUE"):
        read_certificate(_with_extra_extension(der, explicit_false))


def test_bad_time_is_refused() -> None:
    der = _leaf().public_bytes(DER)
    got = read_certificate(der)
    stamp = got.not_before.strftime("%y%m%d%H%M%SZ").encode()
    assert der.count(stamp) == 1
    with pytest.raises(FormatError, match="expected a calendar time"):
        read_certificate(der.replace(stamp, b"991399000000Z"))
    with pytest.raises(FormatError, match="expected a time in UTC ending in Z"):
        read_certificate(der.replace(stamp, stamp[:-1] + b"+"))


@pytest.mark.parametrize(
    "key",
    [
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        ec.generate_private_key(ec.SECP384R1()).public_key(),
        ec.generate_private_key(ec.SECP521R1()).public_key(),
        ed25519.Ed25519PrivateKey.generate().public_key(),
        rsa.generate_private_key(65537, 2048).public_key(),
    ],
    ids=["p256", "p384", "p521", "ed25519", "rsa2048"],
)
def test_spki_round_trips_through_cryptography(key: object) -> None:
    der = key.public_bytes(DER, SPKI)  # type: ignore[attr-defined]
    loaded = load_spki(der, field="k")
    assert loaded.public_bytes(DER, SPKI) == der
    if isinstance(key, ec.EllipticCurvePublicKey):
        assert ec_spki(key) == der


def test_spki_refusals() -> None:
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(DER, SPKI)
    with pytest.raises(FormatError, match="trailing bytes after the SubjectPublicKeyInfo"):
        load_spki(p256 + b"\x00", field="k")
    k1 = ec.generate_private_key(ec.SECP256K1()).public_key().public_bytes(DER, SPKI)
    with pytest.raises(UnsupportedError, match="expected a P-256, P-384 or P-521 named curve"):
        load_spki(k1, field="k")
    bad_point = p256[:-1] + bytes([p256[-1] ^ 1])
    with pytest.raises(FormatError, match="expected a valid public key"):
        load_spki(bad_point, field="k")
    dsa_oid = p256.replace(bytes.fromhex("2a8648ce3d0201"), bytes.fromhex("2a8648ce380401"))
    with pytest.raises(UnsupportedError, match="found algorithm OID 2a8648ce380401"):
        load_spki(dsa_oid, field="k")


def test_pem_matches_cryptography_and_is_strict() -> None:
    leaf = _leaf()
    pem = leaf.public_bytes(serialization.Encoding.PEM).decode()
    der = leaf.public_bytes(DER)
    assert pem_encode("CERTIFICATE", der) == pem
    assert pem_decode(pem, "CERTIFICATE") == der
    assert pem_decode(pem.replace("\n", "\r\n"), "CERTIFICATE") == der
    assert pem_decode_all(pem + "\n" + pem, "CERTIFICATE") == [der, der]
    with pytest.raises(FormatError, match="expected one PEM CERTIFICATE, found 2"):
        pem_decode(pem + pem, "CERTIFICATE")
    with pytest.raises(FormatError, match="expected '-----BEGIN PUBLIC KEY-----'"):
        pem_decode(pem, "PUBLIC KEY")
    with pytest.raises(FormatError, match="expected base64 inside the PEM"):
        pem_decode(pem.replace("M", "*", 2), "CERTIFICATE")
    with pytest.raises(FormatError, match="expected '-----END CERTIFICATE-----'"):
        pem_decode(pem.split("-----END")[0], "CERTIFICATE")
    with pytest.raises(FormatError, match="found nothing"):
        pem_decode("  \n", "CERTIFICATE")


def test_csr_is_what_cryptography_builds_and_openssl_verifies(tmp_path: object) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = certificate_request(key)
    csr = x509.load_pem_x509_csr(pem)
    assert csr.is_signature_valid
    reference = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    assert csr.tbs_certrequest_bytes == reference.tbs_certrequest_bytes
    done = subprocess.run(
        ["openssl", "req", "-verify", "-noout", "-text"],
        input=pem,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"verify OK" in done.stdout + done.stderr
    assert b"CA:FALSE" in done.stdout and b"critical" in done.stdout
