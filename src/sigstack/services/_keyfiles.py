"""Service key files in a data directory: generated once (mode 0600), reused on every start."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sigstack.errors import FormatError, StorageError

__all__ = [
    "load_or_create_ecdsa_key",
    "load_or_create_ed25519_key",
    "write_atomic",
    "write_private",
]


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` atomically (temp file, fsync, rename), readable by the owner only."""
    write_atomic(path, data, mode=0o600, dir_mode=0o700)


def write_atomic(path: Path, data: bytes, *, mode: int, dir_mode: int = 0o755) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, rename) with ``mode``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=dir_mode)
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc}") from exc


def _load(path: Path) -> object:
    try:
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise FormatError(f"{path} is not an unencrypted PEM private key: {exc}") from exc
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc}") from exc


def _pkcs8(key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_or_create_ecdsa_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The ECDSA P-256 key at ``path``, generated there first if absent."""
    if path.exists():
        key = _load(path)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise FormatError(f"{path}: expected an ECDSA private key, found {type(key).__name__}")
        return key
    new = ec.generate_private_key(ec.SECP256R1())
    write_private(path, _pkcs8(new))
    return new


def load_or_create_ed25519_key(path: Path) -> ed25519.Ed25519PrivateKey:
    """The Ed25519 key at ``path``, generated there first if absent."""
    if path.exists():
        key = _load(path)
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise FormatError(
                f"{path}: expected an Ed25519 private key, found {type(key).__name__}"
            )
        return key
    new = ed25519.Ed25519PrivateKey.generate()
    write_private(path, _pkcs8(new))
    return new
