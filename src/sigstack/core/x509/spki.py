"""SubjectPublicKeyInfo DER to and from cryptography key objects, without its serialization
package (RFC 5280 §4.1.2.7; RFC 5480 §2 for EC, RFC 8410 §4 for Ed25519, RFC 3279 §2.3.1
for RSA).

The signing path reads the CT log keys of the trusted root and the key of its own
certificate with these, so that a short-lived ``sigstack sign-blob`` does not import
``cryptography.hazmat.primitives.serialization`` (~20 ms, docs/benchmarks.md). The
parse is strict (minimal DER, no trailing bytes, the parameters each RFC requires) and
the key is built by cryptography from the raw point, bytes or numbers, which checks it.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from sigstack.core.x509.der import encode_tlv, read_tlv
from sigstack.errors import FormatError, UnsupportedError

__all__ = ["SpkiKey", "ec_spki", "load_spki"]

SpkiKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey

_SEQUENCE, _BIT_STRING, _OID, _NULL, _INTEGER = 0x30, 0x03, 0x06, 0x05, 0x02

#: DER contents of the algorithm and curve OIDs.
_EC_PUBLIC_KEY = bytes.fromhex("2a8648ce3d0201")  # 1.2.840.10045.2.1
_ED25519 = bytes.fromhex("2b6570")  # 1.3.101.112
_RSA = bytes.fromhex("2a864886f70d010101")  # 1.2.840.113549.1.1.1
_CURVES: dict[bytes, ec.EllipticCurve] = {
    bytes.fromhex("2a8648ce3d030107"): ec.SECP256R1(),  # 1.2.840.10045.3.1.7
    bytes.fromhex("2b81040022"): ec.SECP384R1(),  # 1.3.132.0.34
    bytes.fromhex("2b81040023"): ec.SECP521R1(),  # 1.3.132.0.35
}
_CURVE_OIDS = {type(curve): oid for oid, curve in _CURVES.items()}


def _part(data: bytes, pos: int, end: int, tag: int, field: str) -> tuple[int, int]:
    got, start, stop = read_tlv(data, pos, field=field)
    if got != tag or stop > end:
        raise FormatError(
            f"expected DER tag 0x{tag:02x} inside the SubjectPublicKeyInfo, found 0x{got:02x}",
            field=field,
        )
    return start, stop


def _integer(data: bytes, pos: int, end: int, field: str) -> tuple[int, int]:
    start, stop = _part(data, pos, end, _INTEGER, field)
    body = data[start:stop]
    if not body or (len(body) > 1 and body[0] == 0 and body[1] < 0x80) or body[0] >= 0x80:
        raise FormatError("expected a minimal, positive DER INTEGER in the RSA key", field=field)
    return int.from_bytes(body, "big"), stop


def load_spki(der: bytes, *, field: str) -> SpkiKey:
    """The public key of a DER SubjectPublicKeyInfo: EC (P-256/384/521), Ed25519 or RSA."""
    start, end = _part(der, 0, len(der), _SEQUENCE, field)
    if end != len(der):
        raise FormatError("trailing bytes after the SubjectPublicKeyInfo", field=field)
    alg_start, alg_end = _part(der, start, end, _SEQUENCE, field)
    oid_start, oid_end = _part(der, alg_start, alg_end, _OID, field)
    algorithm, params = der[oid_start:oid_end], der[oid_end:alg_end]
    bits_start, bits_end = _part(der, alg_end, end, _BIT_STRING, field)
    if bits_end != end or bits_end == bits_start or der[bits_start] != 0:
        raise FormatError("expected a whole-byte BIT STRING public key", field=field)
    key = der[bits_start + 1 : bits_end]
    try:
        if algorithm == _EC_PUBLIC_KEY:
            curve_start, curve_end = _part(params, 0, len(params), _OID, field)
            curve = _CURVES.get(params[curve_start:curve_end])
            if curve is None or curve_end != len(params):
                raise UnsupportedError(
                    f"expected a P-256, P-384 or P-521 named curve, found {params.hex()}",
                    field=field,
                )
            return ec.EllipticCurvePublicKey.from_encoded_point(curve, key)
        if algorithm == _ED25519:
            if params:
                raise FormatError("expected no parameters for Ed25519 (RFC 8410 §3)", field=field)
            return ed25519.Ed25519PublicKey.from_public_bytes(key)
        if algorithm == _RSA:
            if params != b"\x05\x00":
                raise FormatError("expected NULL parameters for RSA (RFC 3279)", field=field)
            seq_start, seq_end = _part(key, 0, len(key), _SEQUENCE, field)
            modulus, pos = _integer(key, seq_start, seq_end, field)
            exponent, pos = _integer(key, pos, seq_end, field)
            if pos != seq_end or seq_end != len(key):
                raise FormatError("trailing bytes in the RSA public key", field=field)
            return rsa.RSAPublicNumbers(exponent, modulus).public_key()
    except ValueError as exc:
        raise FormatError(f"expected a valid public key: {exc}", field=field) from exc
    raise UnsupportedError(
        f"expected an EC, Ed25519 or RSA public key, found algorithm OID {algorithm.hex()}",
        field=field,
    )


def ec_spki(key: ec.EllipticCurvePublicKey) -> bytes:
    """The DER SubjectPublicKeyInfo of an EC public key, uncompressed point (RFC 5480 §2)."""
    curve_oid = _CURVE_OIDS.get(type(key.curve))
    if curve_oid is None:
        raise UnsupportedError(f"expected a P-256, P-384 or P-521 key, found {key.curve.name}")
    numbers = key.public_numbers()
    size = (key.curve.key_size + 7) // 8
    point = b"\x04" + numbers.x.to_bytes(size, "big") + numbers.y.to_bytes(size, "big")
    algorithm = encode_tlv(
        _SEQUENCE, encode_tlv(_OID, _EC_PUBLIC_KEY) + encode_tlv(_OID, curve_oid)
    )
    return encode_tlv(_SEQUENCE, algorithm + encode_tlv(_BIT_STRING, b"\x00" + point))
