"""``digitally-signed`` structs of RFC 6962 (RFC 5246 §4.7, §7.4.1.4.1) with SHA-256.

RFC 6962 §2.1.4: logs sign with ECDSA (NIST P-256) or RSA (PKCS#1 v1.5), both
over SHA-256. On the wire a signature is ``hash_algorithm (1) ‖
signature_algorithm (1) ‖ opaque signature<0..2^16-1>``.
"""

from __future__ import annotations

from typing import TypeAlias

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from sigstack.core.ct.encoding import Reader, u8, vector
from sigstack.errors import SignatureError, UnsupportedError

__all__ = [
    "HASH_SHA256",
    "SIGNATURE_ECDSA",
    "SIGNATURE_RSA",
    "LogPrivateKey",
    "LogPublicKey",
    "decode_digitally_signed",
    "digitally_sign",
    "encode_digitally_signed",
    "verify_digitally_signed",
]

#: ``HashAlgorithm.sha256`` (RFC 5246 §7.4.1.4.1).
HASH_SHA256 = 4
#: ``SignatureAlgorithm.rsa``.
SIGNATURE_RSA = 1
#: ``SignatureAlgorithm.ecdsa``.
SIGNATURE_ECDSA = 3

LogPrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
LogPublicKey: TypeAlias = ec.EllipticCurvePublicKey | rsa.RSAPublicKey


def digitally_sign(private_key: object, data: bytes) -> tuple[int, int, bytes]:
    """``(hash_algorithm, signature_algorithm, signature)`` over ``data`` with SHA-256."""
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return HASH_SHA256, SIGNATURE_ECDSA, private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    if isinstance(private_key, rsa.RSAPrivateKey):
        sig = private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return HASH_SHA256, SIGNATURE_RSA, sig
    raise UnsupportedError(
        f"RFC 6962 §2.1.4 logs sign with ECDSA or RSA; got a {type(private_key).__name__}"
    )


def verify_digitally_signed(
    public_key: object,
    hash_algorithm: int,
    signature_algorithm: int,
    signature: bytes,
    data: bytes,
    *,
    what: str,
) -> None:
    """Check a ``digitally-signed`` value; raise SignatureError saying what is wrong."""
    if hash_algorithm != HASH_SHA256:
        raise SignatureError(
            f"{what}: hash algorithm {hash_algorithm} is not SHA-256 ({HASH_SHA256})"
        )
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            if signature_algorithm != SIGNATURE_ECDSA:
                raise SignatureError(
                    f"{what}: signature algorithm {signature_algorithm} does not match the"
                    f" ECDSA key (expected {SIGNATURE_ECDSA})"
                )
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            if signature_algorithm != SIGNATURE_RSA:
                raise SignatureError(
                    f"{what}: signature algorithm {signature_algorithm} does not match the"
                    f" RSA key (expected {SIGNATURE_RSA})"
                )
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise UnsupportedError(
                f"{what}: RFC 6962 logs use ECDSA or RSA keys; got a {type(public_key).__name__}"
            )
    except InvalidSignature as exc:
        raise SignatureError(f"{what}: signature does not verify with the log key") from exc


def encode_digitally_signed(hash_algorithm: int, signature_algorithm: int, sig: bytes) -> bytes:
    """TLS encoding of a ``digitally-signed`` struct."""
    return u8(hash_algorithm) + u8(signature_algorithm) + vector(sig, 2)


def decode_digitally_signed(reader: Reader) -> tuple[int, int, bytes]:
    """Read a ``digitally-signed`` struct from ``reader``."""
    return reader.uint(1), reader.uint(1), reader.vector(2)
