"""Which keys the CA certifies and signs with, and the signature hash that goes with each.

* CA keys (ca-tsa-oidc-tuf.md §2.2, sigstore-clients.md §4.5): ECDSA P-256/P-384 or RSA ≥ 2048.
  Ed25519 is refused: sigstore-python answers "Forbidden public key algorithm" and "invalid issuer
  pubkey format (not ECDSA or RSA)" for an Ed25519 root, intermediate or SCT issuer.
* Leaf keys (§2.1, sigstore-clients.md §4.5): ECDSA P-256/P-384 or RSA ≥ 2048. Ed25519 leaves are
  refused too: Fulcio would certify one, but sigstore-python's verifier casts the leaf key to EC and
  cannot verify with it, so such a certificate only produces bundles that fail verification.
* Signature algorithm follows the CA key (§2.1): P-256 → ecdsa-with-SHA256, P-384 →
  ecdsa-with-SHA384, RSA → sha256WithRSAEncryption.
"""

from __future__ import annotations

from typing import TypeAlias

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sigstack.errors import UnsupportedError

__all__ = ["IssuerKey", "PublicKey", "check_public_key", "signature_hash"]

#: A key the profile certifies (leaf or CA public key).
PublicKey: TypeAlias = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
#: A CA signing key.
IssuerKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

_CURVE_HASHES: dict[str, type[hashes.SHA256] | type[hashes.SHA384]] = {
    "secp256r1": hashes.SHA256,
    "secp384r1": hashes.SHA384,
}
_MIN_RSA_BITS = 2048


def check_public_key(key: object, *, field: str, role: str) -> PublicKey:
    """Return ``key`` if it is ECDSA P-256/P-384 or RSA ≥ 2048, else raise ``UnsupportedError``.

    ``role`` ("CA" or "leaf") only makes the message say whose key was refused.
    """
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in _CURVE_HASHES:
            raise UnsupportedError(
                f"{role} key on curve {key.curve.name}: only P-256 and P-384", field=field
            )
        return key
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < _MIN_RSA_BITS:
            raise UnsupportedError(
                f"{role} RSA key of {key.key_size} bits: at least {_MIN_RSA_BITS}", field=field
            )
        return key
    why = (
        "sigstore-python rejects non-EC/RSA CA keys (Forbidden public key algorithm)"
        if role == "CA"
        else "sigstore-python verifies leaf signatures with ECDSA or RSA only"
    )
    raise UnsupportedError(
        f"{role} key type {type(key).__name__} refused: only ECDSA P-256/P-384 or RSA; {why}",
        field=field,
    )


def signature_hash(issuer_key: object) -> hashes.SHA256 | hashes.SHA384:
    """Check a CA signing key (as ``check_public_key``) and return the hash it signs with (§2.1)."""
    if not isinstance(issuer_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        public = getattr(issuer_key, "public_key", None)
        key = public() if callable(public) else issuer_key
        check_public_key(key, field="issuer_key", role="CA")
        raise UnsupportedError("issuer_key is not a private key", field="issuer_key")
    check_public_key(issuer_key.public_key(), field="issuer_key", role="CA")
    if isinstance(issuer_key, ec.EllipticCurvePrivateKey):
        return _CURVE_HASHES[issuer_key.curve.name]()
    return hashes.SHA256()
