"""``sigstack generate-key-pair``: a managed key pair in cosign's files, and reading them back.

Writes ``PREFIX.key`` (ECDSA P-256, PKCS#8, encrypted: ``ENCRYPTED SIGSTORE PRIVATE KEY``,
oci-and-policy.md §1.9; mode 0600) and ``PREFIX.pub`` (PEM SubjectPublicKeyInfo), as
``cosign generate-key-pair [--output-key-prefix cosign]`` does. Neither file is overwritten
unless ``--force``. The password is ``$COSIGN_PASSWORD`` when set (cosign's variable; empty is
allowed, as cosign allows it), otherwise asked twice on the terminal.
:func:`read_private_key` opens such a file (or one cosign wrote) for ``sign-blob --key``.
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.encrypted_key import (
    PrivateKey,
    load_private_key,
    private_key_pem,
    public_key_pem,
)
from sigstack.errors import AuthenticationError, FormatError

__all__ = ["PASSWORD_ENV", "read_password", "read_private_key", "register"]

#: The environment variable cosign reads the key password from.
PASSWORD_ENV = "COSIGN_PASSWORD"  # noqa: S105 - the variable's name, not a password


def register(commands: Any) -> None:
    """Add ``generate-key-pair``."""
    parser = commands.add_parser(
        "generate-key-pair", help="write an encrypted cosign key pair (PREFIX.key, PREFIX.pub)"
    )
    parser.add_argument(
        "--output-key-prefix",
        default="cosign",
        metavar="PREFIX",
        help="write PREFIX.key and PREFIX.pub (default cosign)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing key files")
    parser.set_defaults(handler=_generate_key_pair)


def read_password(*, confirm: bool) -> bytes:
    """``$COSIGN_PASSWORD`` if set (even empty), else the terminal (twice when ``confirm``)."""
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env is not None:
        return from_env.encode()
    password = getpass.getpass("Enter password for private key: ")
    if confirm and getpass.getpass("Enter password for private key again: ") != password:
        raise AuthenticationError("the two passwords differ; nothing was written")
    return password.encode()


def read_private_key(path: Path) -> PrivateKey:
    """The private key of a cosign key file, opened with :func:`read_password`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read the key file {path}: {exc.strerror}", field="key") from exc
    return load_private_key(data, read_password(confirm=False))


def _write(path: Path, data: bytes, mode: int, *, force: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError as exc:
        raise FormatError(f"{path} exists; pass --force to overwrite it") from exc
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), mode)  # an overwritten file keeps its old mode otherwise
        out.write(data)


def _generate_key_pair(args: argparse.Namespace) -> int:
    key_path = Path(f"{args.output_key_prefix}.key")
    pub_path = Path(f"{args.output_key_prefix}.pub")
    if not args.force:
        for path in (key_path, pub_path):
            if path.exists():
                raise FormatError(f"{path} exists; pass --force to overwrite it")
    password = read_password(confirm=True)
    key = ec.generate_private_key(ec.SECP256R1())
    _write(key_path, private_key_pem(key, password), 0o600, force=args.force)
    _write(pub_path, public_key_pem(key), 0o644, force=args.force)
    print(f"Private key written to {key_path}")
    print(f"Public key written to {pub_path}")
    return 0
