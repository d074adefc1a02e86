"""The public key to certify, and proof that the requester holds its private half.

Two request forms (ca-tsa-oidc-tuf.md §1.1, §1.3; sigstore-clients.md §4.1, §4.2):

* ``certificateSigningRequest`` (sigstore-python): base64 of a PEM CSR; its
  self-signature is the proof of possession. Only the key is used; the subject
  and requested extensions are ignored, as Fulcio does.
* ``publicKeyRequest`` (cosign, sigstore-go, sigstore-js): a PEM or DER SPKI
  key and ``proofOfPossession``, a signature over the principal's challenge
  (email for email issuers, else ``sub``) with the key's default verifier.

Key strength and the (key, hash) pairs follow Fulcio's defaults
(``cryptoutils.ValidatePubKey`` and the default ``AlgorithmRegistryConfig``),
narrowed to the leaf keys sigstore-python can verify (sigstore-clients.md §4.5):
ECDSA P-256/SHA-256 and P-384/SHA-384; RSA 2048/3072/4096 with PKCS#1 v1.5
SHA-256. Ed25519 and P-521, which Fulcio would certify, are refused by name.
Every refusal is a 400.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from sigstack.errors import FormatError, UnsupportedError

__all__ = ["LeafKey", "ProofOfPossessionError", "key_from_csr", "key_from_public_key_request"]

LeafKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey

_EC_HASH: dict[str, type[hashes.HashAlgorithm]] = {
    "secp256r1": hashes.SHA256,
    "secp384r1": hashes.SHA384,
}
_RSA_SIZES = (2048, 3072, 4096)


class ProofOfPossessionError(FormatError):
    """The CSR self-signature or ``proofOfPossession`` does not verify (400, as Fulcio answers)."""


def _b64(value: Any, field: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise FormatError("expected a non-empty base64 string", field=field)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        pass
    try:  # protojson also accepts URL-safe base64, with or without padding
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"not valid base64: {exc}", field=field) from exc


def _check_strength(key: object, field: str) -> LeafKey:
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in _EC_HASH:
            raise UnsupportedError(
                f"ECDSA curve {key.curve.name} is not allowed; use P-256 or P-384",
                field=field,
            )
        return key
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size not in _RSA_SIZES:
            raise UnsupportedError(
                f"RSA-{key.key_size} is not allowed; use 2048, 3072 or 4096 bits", field=field
            )
        return key
    if isinstance(key, ed25519.Ed25519PublicKey):
        raise UnsupportedError(
            "Ed25519 leaf keys are not supported: sigstore verifiers check leaf signatures "
            "with ECDSA or RSA only; use ECDSA P-256",
            field=field,
        )
    raise UnsupportedError(
        f"{type(key).__name__} keys are not supported; use ECDSA P-256/P-384 or RSA", field=field
    )


def key_from_csr(value: Any) -> LeafKey:
    """The key of a base64 PEM CSR whose self-signature verifies (the proof of possession)."""
    field = "certificateSigningRequest"
    pem = _b64(value, field)
    if b"-----BEGIN" not in pem:
        raise FormatError("expected base64 of a PEM CERTIFICATE REQUEST", field=field)
    try:
        pem = pem.replace(b"NEW CERTIFICATE REQUEST", b"CERTIFICATE REQUEST")
        csr = x509.load_pem_x509_csr(pem)
        key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise FormatError(f"not a valid PEM certificate request: {exc}", field=field) from exc
    checked = _check_strength(key, field)
    digest = csr.signature_hash_algorithm
    if isinstance(checked, ec.EllipticCurvePublicKey):
        allowed = _EC_HASH[checked.curve.name]
        if not isinstance(digest, allowed):
            raise UnsupportedError(
                f"a {checked.curve.name} CSR must be signed with {allowed.name}, found "
                f"{digest.name if digest else 'none'}",
                field=field,
            )
    elif isinstance(checked, rsa.RSAPublicKey) and not isinstance(digest, hashes.SHA256):
        raise UnsupportedError("an RSA CSR must be signed with sha256", field=field)
    try:
        valid = csr.is_signature_valid
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise UnsupportedError(f"cannot check the CSR signature: {exc}", field=field) from exc
    if not valid:
        raise ProofOfPossessionError(
            "the CSR signature does not verify with its own public key (no proof of possession)",
            field=field,
        )
    return checked


def _load_public_key(content: Any) -> object:
    field = "publicKeyRequest.publicKey.content"
    if not isinstance(content, str) or not content:
        raise FormatError("expected a PEM (or base64 DER) public key", field=field)
    try:
        if "-----BEGIN" in content:
            return serialization.load_pem_public_key(content.encode())
        return serialization.load_der_public_key(_b64(content, field))
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise FormatError(f"not a valid public key: {exc}", field=field) from exc


def _verify(key: LeafKey, signature: bytes, message: bytes) -> None:
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, message, ec.ECDSA(_EC_HASH[key.curve.name]()))
    else:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())


def key_from_public_key_request(request: Any, challenges: Iterable[str]) -> LeafKey:
    """The key of a ``publicKeyRequest`` whose ``proofOfPossession`` signs one of ``challenges``.

    ``challenges`` is the principal's challenge first; callers may add the token's
    verified email for non-email issuers, which cosign and sigstore-js sign
    whenever the token has one (ca-tsa-oidc-tuf.md §1.3, pitfall).
    """
    if not isinstance(request, dict):
        raise FormatError("expected an object", field="publicKeyRequest")
    public_key = request.get("publicKey")
    if not isinstance(public_key, dict):
        raise FormatError("expected an object", field="publicKeyRequest.publicKey")
    key = _check_strength(
        _load_public_key(public_key.get("content")), "publicKeyRequest.publicKey.content"
    )
    signature = _b64(request.get("proofOfPossession"), "publicKeyRequest.proofOfPossession")
    tried = []
    for challenge in challenges:
        tried.append(challenge)
        try:
            _verify(key, signature, challenge.encode())
            return key
        except (InvalidSignature, ValueError):
            continue
    raise ProofOfPossessionError(
        f"the signature does not verify over {' or '.join(repr(c) for c in tried)} "
        "with the given public key; sign the token's "
        + ("email" if len(tried) > 1 else "challenge claim")
        + " with the key you want certified",
        field="publicKeyRequest.proofOfPossession",
    )
