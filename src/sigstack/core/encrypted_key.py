"""Cosign's encrypted private key files (oci-and-policy.md §1.9).

``cosign generate-key-pair`` writes ``cosign.key``: a PEM block labelled
``ENCRYPTED SIGSTORE PRIVATE KEY`` (cosign 1.x: ``ENCRYPTED COSIGN PRIVATE KEY``; both are
read) whose body is the JSON document of go-securesystemslib's ``encrypted`` package::

    {"kdf": {"name": "scrypt", "params": {"N": 65536, "r": 8, "p": 1}, "salt": "<b64, 32 B>"},
     "cipher": {"name": "nacl/secretbox", "nonce": "<b64, 24 B>"},
     "ciphertext": "<b64 secretbox(PKCS#8 DER private key)>"}

The secretbox key is ``scrypt(password, salt, N, r, p, 32 bytes)``. As go-securesystemslib,
only its three scrypt strengths are accepted (N = 2^15, 2^16 or 2^17 with r = 8, p = 1), which
also bounds the memory a hostile file can make us spend. An empty password is a password
(cosign allows it). Pure: bytes and the password in, bytes or a key out; the only outside
input is randomness for a fresh salt and nonce, which a caller may pass instead.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from typing import Any, TypeAlias

import nacl.exceptions
import nacl.secret
from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from sigstack.errors import AuthenticationError, FormatError, UnsupportedError

__all__ = [
    "LEGACY_PEM_LABEL",
    "PEM_LABEL",
    "SCRYPT_PARAMETERS",
    "PrivateKey",
    "decrypt",
    "encrypt",
    "load_private_key",
    "private_key_pem",
    "public_key_pem",
]

PrivateKey: TypeAlias = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey

#: The PEM label cosign ≥ 2 writes.
PEM_LABEL = "ENCRYPTED SIGSTORE PRIVATE KEY"
#: The PEM label cosign 1.x wrote; still read (and by containers/image < 5.25 the only one).
LEGACY_PEM_LABEL = "ENCRYPTED COSIGN PRIVATE KEY"

#: go-securesystemslib's scrypt strengths (Legacy, Standard, OWASP) as (N, r, p).
SCRYPT_PARAMETERS = frozenset({(1 << 15, 8, 1), (1 << 16, 8, 1), (1 << 17, 8, 1)})
_DEFAULT_SCRYPT = (1 << 16, 8, 1)  # "Standard", what current cosign writes
_SALT_SIZE = 32
_KEY_SIZE = nacl.secret.SecretBox.KEY_SIZE  # 32
_NONCE_SIZE = nacl.secret.SecretBox.NONCE_SIZE  # 24
_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", flags=re.DOTALL)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise FormatError(f"expected a base64 string, found {type(value).__name__}", field=field)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"expected base64: {exc}", field=field) from exc


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"expected a JSON object, found {type(value).__name__}", field=field)
    return value


def _derive(password: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    # OpenSSL's scrypt needs 128·N·r bytes plus a little; allow twice that.
    return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=_KEY_SIZE, maxmem=256 * n * r)


def encrypt(
    plaintext: bytes,
    password: bytes,
    *,
    salt: bytes | None = None,
    nonce: bytes | None = None,
    scrypt: tuple[int, int, int] = _DEFAULT_SCRYPT,
) -> bytes:
    """The go-securesystemslib ``encrypted`` JSON document for ``plaintext`` under ``password``.

    ``salt`` (32 bytes) and ``nonce`` (24 bytes) are fresh random values unless given.
    """
    if scrypt not in SCRYPT_PARAMETERS:
        raise UnsupportedError(
            f"expected scrypt parameters (N, r, p) in {sorted(SCRYPT_PARAMETERS)}, found {scrypt}",
            field="kdf.params",
        )
    salt = secrets.token_bytes(_SALT_SIZE) if salt is None else salt
    nonce = secrets.token_bytes(_NONCE_SIZE) if nonce is None else nonce
    if len(salt) != _SALT_SIZE or len(nonce) != _NONCE_SIZE:
        raise FormatError(
            f"expected a {_SALT_SIZE}-byte salt and a {_NONCE_SIZE}-byte nonce, "
            f"found {len(salt)} and {len(nonce)} bytes"
        )
    n, r, p = scrypt
    box = nacl.secret.SecretBox(_derive(password, salt, n, r, p))
    ciphertext = box.encrypt(plaintext, nonce).ciphertext
    document = {
        "kdf": {"name": "scrypt", "params": {"N": n, "r": r, "p": p}, "salt": _b64(salt)},
        "cipher": {"name": "nacl/secretbox", "nonce": _b64(nonce)},
        "ciphertext": _b64(ciphertext),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def decrypt(document: bytes, password: bytes) -> bytes:
    """The plaintext of a go-securesystemslib ``encrypted`` JSON document.

    Raises :class:`AuthenticationError` when ``password`` does not open it (or the ciphertext
    was altered: secretbox cannot tell the two apart), :class:`UnsupportedError` for another
    KDF, cipher or scrypt strength, :class:`FormatError` for anything malformed.
    """
    try:
        parsed = json.loads(document)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormatError(f"expected the encrypted key's JSON document: {exc}") from exc
    data = _object(parsed, "$")
    kdf = _object(data.get("kdf"), "kdf")
    cipher = _object(data.get("cipher"), "cipher")
    if kdf.get("name") != "scrypt":
        raise UnsupportedError(
            f"expected the key derivation function 'scrypt', found {kdf.get('name')!r}",
            field="kdf.name",
        )
    if cipher.get("name") != "nacl/secretbox":
        raise UnsupportedError(
            f"expected the cipher 'nacl/secretbox', found {cipher.get('name')!r}",
            field="cipher.name",
        )
    params = _object(kdf.get("params"), "kdf.params")
    strength = (params.get("N"), params.get("r"), params.get("p"))
    if strength not in SCRYPT_PARAMETERS:
        raise UnsupportedError(
            f"unsupported scrypt parameters (N, r, p) = {strength}; expected one of "
            f"{sorted(SCRYPT_PARAMETERS)}",
            field="kdf.params",
        )
    salt = _unb64(kdf.get("salt"), "kdf.salt")
    nonce = _unb64(cipher.get("nonce"), "cipher.nonce")
    ciphertext = _unb64(data.get("ciphertext"), "ciphertext")
    if len(nonce) != _NONCE_SIZE:
        raise FormatError(
            f"expected a {_NONCE_SIZE}-byte nonce, found {len(nonce)} bytes", field="cipher.nonce"
        )
    if len(ciphertext) < nacl.secret.SecretBox.MACBYTES:
        raise FormatError(
            f"expected a ciphertext of at least {nacl.secret.SecretBox.MACBYTES} bytes "
            f"(the authenticator), found {len(ciphertext)}",
            field="ciphertext",
        )
    n, r, p = (int(v) for v in strength)
    box = nacl.secret.SecretBox(_derive(password, salt, n, r, p))
    try:
        return box.decrypt(ciphertext, nonce)
    except nacl.exceptions.CryptoError as exc:
        raise AuthenticationError(
            "the password does not decrypt the private key (wrong password, or the key "
            "file was altered)"
        ) from exc


def _pem_block(data: bytes) -> tuple[str, bytes]:
    match = _PEM.search(data)
    if match is None:
        raise FormatError("expected a PEM block (-----BEGIN …-----), found none")
    label = match.group(1).decode()
    try:
        body = base64.b64decode(b"".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"the PEM block {label!r} is not base64: {exc}") from exc
    return label, body


def load_private_key(pem: bytes, password: bytes) -> PrivateKey:
    """The private key of a cosign key file (either encrypted PEM label), opened with
    ``password``. The plaintext must be a PKCS#8 ECDSA, RSA or Ed25519 key (as cosign's
    ``LoadPrivateKey``)."""
    label, body = _pem_block(pem)
    if label not in (PEM_LABEL, LEGACY_PEM_LABEL):
        raise FormatError(
            f"expected a PEM block labelled {PEM_LABEL!r} or {LEGACY_PEM_LABEL!r} "
            f"(a cosign key file), found {label!r}"
        )
    der = decrypt(body, password)
    if not _is_pkcs8(der):
        raise FormatError(
            "the decrypted key is not a PKCS#8 PrivateKeyInfo (cosign writes and requires "
            "PKCS#8; an SEC 1 'EC PRIVATE KEY' is refused as cosign refuses it)"
        )
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise FormatError(f"the decrypted PKCS#8 key does not load: {exc}") from exc
    if not isinstance(
        key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    ):
        raise UnsupportedError(
            f"expected an ECDSA, RSA or Ed25519 private key, found {type(key).__name__}"
        )
    return key


def _is_pkcs8(der: bytes) -> bool:
    """True for a PKCS#8 ``PrivateKeyInfo`` (``load_der_private_key`` also takes SEC 1 and
    PKCS#1, which cosign's ``x509.ParsePKCS8PrivateKey`` refuses)."""
    try:
        info = asn1_keys.PrivateKeyInfo.load(der, strict=True)
        info["private_key_algorithm"]["algorithm"].native  # noqa: B018 - forces the parse
    except (ValueError, TypeError):
        return False
    return True


def private_key_pem(
    key: PrivateKey,
    password: bytes,
    *,
    label: str = PEM_LABEL,
    salt: bytes | None = None,
    nonce: bytes | None = None,
) -> bytes:
    """``key`` as a cosign key file: PKCS#8 DER, encrypted, in a PEM block (64-column lines)."""
    if label not in (PEM_LABEL, LEGACY_PEM_LABEL):
        raise FormatError(
            f"expected the label {PEM_LABEL!r} or {LEGACY_PEM_LABEL!r}, found {label!r}"
        )
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    body = base64.b64encode(encrypt(der, password, salt=salt, nonce=nonce)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----", ""]).encode()


def public_key_pem(key: PrivateKey) -> bytes:
    """``cosign.pub``: the public key as a PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo)."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
