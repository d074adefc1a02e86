"""Signing keys of the development issuer: generated once in ``data_dir/keys`` (0600), reused.

Each key is published in the JWKS (RFC 7517 §4) with ``kid`` = its RFC 7638
JWK thumbprint, ``alg`` (RFC 7518 §3.1) and ``use: sig``; ID tokens name it in
their JOSE header (OIDC Core §10.1).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from sigstack.errors import FormatError, StorageError, UnsupportedError
from sigstack.services._keyfiles import write_private

__all__ = ["ALGORITHMS", "SigningKey", "load_or_create_signing_key"]

#: The JWS algorithms the issuer can sign with (RFC 7518 §3.1); no HMAC, no ``none``.
ALGORITHMS = ("ES256", "RS256")

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

# RFC 7638 §3.2: the required members of each key type, in lexicographic order.
_THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}


@dataclass(frozen=True)
class SigningKey:
    """A private key, its JWS algorithm and its public JWK (with ``kid``)."""

    algorithm: str
    private_key: PrivateKey
    kid: str
    public_jwk: dict[str, Any]

    @classmethod
    def from_private_key(cls, algorithm: str, key: PrivateKey) -> SigningKey:
        """Describe ``key`` for signing with ``algorithm`` (which must suit the key type)."""
        if algorithm == "ES256" and isinstance(key, ec.EllipticCurvePrivateKey):
            if key.curve.name != "secp256r1":
                raise UnsupportedError(f"ES256 needs a P-256 key, found {key.curve.name}")
            jwk: dict[str, Any] = dict(ECAlgorithm.to_jwk(key.public_key(), as_dict=True))
        elif algorithm == "RS256" and isinstance(key, rsa.RSAPrivateKey):
            if key.key_size < 2048:
                raise UnsupportedError(
                    f"RS256 needs an RSA key of 2048 bits or more, found {key.key_size}"
                )
            jwk = dict(RSAAlgorithm.to_jwk(key.public_key(), as_dict=True))
        else:
            raise UnsupportedError(f"cannot sign {algorithm} with a {type(key).__name__}")
        kid = jwk_thumbprint(jwk)
        jwk.update({"kid": kid, "alg": algorithm, "use": "sig"})
        return cls(algorithm, key, kid, jwk)


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 §3 SHA-256 thumbprint of a public JWK, base64url without padding."""
    members = _THUMBPRINT_MEMBERS[jwk["kty"]]
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def key_path(keys_dir: Path, algorithm: str) -> Path:
    """Where the key for ``algorithm`` lives: ``keys/oidc-es256.pem`` or ``keys/oidc-rs256.pem``."""
    return keys_dir / f"oidc-{algorithm.lower()}.pem"


def load_or_create_signing_key(keys_dir: Path, algorithm: str) -> SigningKey:
    """The key for ``algorithm`` in ``keys_dir``, generated there (mode 0600) first if absent."""
    if algorithm not in ALGORITHMS:
        raise UnsupportedError(
            f"signing algorithm must be one of {', '.join(ALGORITHMS)}, found {algorithm!r}"
        )
    path = key_path(keys_dir, algorithm)
    if path.exists():
        try:
            loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (ValueError, TypeError) as exc:
            raise FormatError(f"{path} is not an unencrypted PEM private key: {exc}") from exc
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc}") from exc
        if not isinstance(loaded, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise FormatError(
                f"{path}: expected an EC or RSA private key, found {type(loaded).__name__}"
            )
        return SigningKey.from_private_key(algorithm, loaded)
    new: PrivateKey
    if algorithm == "ES256":
        new = ec.generate_private_key(ec.SECP256R1())
    else:
        new = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    write_private(path, new.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))  # fmt: skip
    return SigningKey.from_private_key(algorithm, new)
