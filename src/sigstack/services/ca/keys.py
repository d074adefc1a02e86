"""Where the CA's signing key and chain come from (ca-tsa-oidc-tuf.md §7).

A :class:`CAKeySource` has one method, ``load() -> (private key, chain)``, with
the chain ordered issuing CA first, root last (Fulcio's ``--fileca-cert``
order). Two sources exist today, so that KMS or PKCS#11 can be added later as a
third class with the same method:

* :class:`FileKeySource` — Fulcio's ``fileca``: an encrypted PKCS#8 PEM key
  (the password comes from a named setting, read at the edge) and a PEM chain.
  The chain is checked as Fulcio's ``VerifyCertChain`` does (§7).
* :class:`GeneratedKeySource` — like ``ephemeralca`` but kept: on first start a
  root and an intermediate are generated into ``data_dir/keys/ca-*.pem`` (mode
  0600) and reused afterwards. EC P-256 by default; P-384 or RSA on request
  (never Ed25519: sigstore-python refuses Ed25519 CAs, sigstore-clients.md §4.5).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sigstack.core.x509.ca import build_intermediate_ca, build_root_ca
from sigstack.errors import FormatError, StorageError, UnsupportedError
from sigstack.services._keyfiles import write_private

__all__ = [
    "KEY_ALGORITHMS",
    "CAKey",
    "CAKeySource",
    "FileKeySource",
    "GeneratedKeySource",
    "check_chain",
    "generate_key",
]

CAKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

KEY_ALGORITHMS = ("ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096")
"""Names accepted by :func:`generate_key` (and ``sigstack serve ca --ca-key-algorithm``)."""


class CAKeySource(Protocol):
    """Something that yields the CA's private key and its chain (issuing CA … root)."""

    def load(self) -> tuple[CAKey, list[x509.Certificate]]:
        """The signing key and its chain; raises :class:`~sigstack.errors.Error` when unusable."""
        ...


def generate_key(algorithm: str) -> CAKey:
    """A new private key of one of :data:`KEY_ALGORITHMS`."""
    if algorithm == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "ecdsa-p384":
        return ec.generate_private_key(ec.SECP384R1())
    if algorithm.startswith("rsa-") and algorithm in KEY_ALGORITHMS:
        return rsa.generate_private_key(public_exponent=65537, key_size=int(algorithm[4:]))
    raise UnsupportedError(
        f"CA key algorithm {algorithm!r} is not supported; expected one of {list(KEY_ALGORITHMS)}"
    )


def check_chain(key: object, chain: list[x509.Certificate], where: str) -> CAKey:
    """Fulcio's ``VerifyCertChain`` essentials: usable key matching a CA cert with codeSigning."""
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise UnsupportedError(
            f"{where}: the CA key must be ECDSA or RSA (sigstore clients refuse others), "
            f"found {type(key).__name__}"
        )
    if not chain:
        raise FormatError(f"{where}: the certificate chain is empty")
    if chain[0].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise FormatError(f"{where}: the key does not match the first certificate of the chain")
    for n, cert in enumerate(chain):
        try:
            ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            ca = False
        if not ca:
            raise FormatError(f"{where}: certificate {n} of the chain ({cert.subject}) is not a CA")
    try:
        eku = chain[0].extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if ExtendedKeyUsageOID.CODE_SIGNING not in eku:
            raise FormatError(f"{where}: the issuing CA's EKU does not allow codeSigning")
    except x509.ExtensionNotFound:
        pass  # a CA without EKU is unrestricted
    return key


def _load_chain(path: Path) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(path.read_bytes())
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc}") from exc
    except ValueError as exc:
        raise FormatError(f"{path} is not a PEM certificate chain: {exc}") from exc


class FileKeySource:
    """An encrypted PKCS#8 PEM key plus a PEM chain (issuing CA first), as Fulcio's ``fileca``."""

    def __init__(self, key_path: Path, chain_path: Path, password: bytes | None) -> None:
        self.key_path = key_path
        self.chain_path = chain_path
        self._password = password

    def load(self) -> tuple[CAKey, list[x509.Certificate]]:
        """Read, decrypt and check the key and chain."""
        try:
            data = self.key_path.read_bytes()
        except OSError as exc:
            raise StorageError(f"cannot read {self.key_path}: {exc}") from exc
        try:
            key = serialization.load_pem_private_key(data, password=self._password)
        except (ValueError, TypeError) as exc:
            hint = "" if self._password else " (no password was given)"
            raise FormatError(f"{self.key_path}: cannot load the CA key{hint}: {exc}") from exc
        chain = _load_chain(self.chain_path)
        return check_chain(key, chain, str(self.chain_path)), chain


class GeneratedKeySource:
    """Root + intermediate generated into ``keys_dir`` on first use, then reused.

    Files: ``ca-key.pem`` (the intermediate's key, unencrypted PKCS#8, 0600) and
    ``ca-chain.pem`` (intermediate, root; 0600). The root key signs the
    intermediate once and is thrown away: nothing needs it again. ``generation`` N > 1
    (after ``sigstack rotate ca``) appends " N" to both subjects, so an old and a new
    chain kept side by side in a trusted root never share a name.
    """

    def __init__(
        self,
        keys_dir: Path,
        *,
        now: datetime,
        algorithm: str = "ecdsa-p256",
        organization: str = "sigstack",
        validity: timedelta = timedelta(days=3650),
        generation: int = 1,
    ) -> None:
        self.key_path = keys_dir / "ca-key.pem"
        self.chain_path = keys_dir / "ca-chain.pem"
        self._now = now
        self._algorithm = algorithm
        self._org = organization
        self._validity = validity
        self._suffix = f" {generation}" if generation > 1 else ""

    def load(self) -> tuple[CAKey, list[x509.Certificate]]:
        """The stored key and chain, generating them first when absent."""
        if self.key_path.exists() and self.chain_path.exists():
            return FileKeySource(self.key_path, self.chain_path, None).load()
        root_key = generate_key(self._algorithm)
        key = generate_key(self._algorithm)
        root = build_root_ca(
            root_key,
            _name(f"{self._org} root{self._suffix}", self._org),
            not_before=self._now,
            validity=self._validity,
        )
        intermediate = build_intermediate_ca(
            key.public_key(),
            _name(f"{self._org} intermediate{self._suffix}", self._org),
            issuer=root,
            issuer_key=root_key,
            not_before=self._now,
            validity=self._validity,
        )
        chain = [intermediate, root]
        pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
        write_private(self.chain_path, pem)
        write_private(
            self.key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        return check_chain(key, chain, str(self.chain_path)), chain


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
