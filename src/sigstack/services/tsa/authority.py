"""The TSA's signing identity in the data directory, and the one call that timestamps.

On first start ``open_authority`` generates three ECDSA P-256 keys
(``keys/tsa-root.pem``, ``keys/tsa-intermediate.pem``, ``keys/tsa-leaf.pem``,
mode 0600) and the chain root → intermediate → leaf (``tsa/certchain.pem``,
leaf first, as trusted roots list it, ca-tsa-oidc-tuf.md §12.12); later starts
reuse them. The clock and the serial source are injected.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack.core.tsp import (
    DEFAULT_POLICY_OID,
    TimestampRequest,
    TimestampSigner,
    check_policy,
)
from sigstack.core.tsp.certs import build_tsa_chain
from sigstack.errors import FormatError, StorageError
from sigstack.services._keyfiles import load_or_create_ecdsa_key

__all__ = ["TimestampAuthority", "load_chain", "open_authority", "random_serial"]

#: How long a generated chain is valid; genTime must fall inside it.
CHAIN_VALIDITY = timedelta(days=3650)


def random_serial() -> int:
    """A random positive 128-bit serial (RFC 3161 §2.4.2: unique per TSA)."""
    return secrets.randbelow(2**128 - 1) + 1


@dataclass
class TimestampAuthority:
    """A TSA: its signer, chain (leaf first), clock and serial source."""

    signer: TimestampSigner
    chain: list[x509.Certificate]
    clock: Callable[[], datetime]
    serials: Callable[[], int] = random_serial
    accepted_policies: Collection[str] = field(default_factory=lambda: {DEFAULT_POLICY_OID})

    def timestamp(self, request: TimestampRequest) -> bytes:
        """A granted DER ``TimeStampResp`` for ``request`` (RFC 3161 §2.4.2), or FormatError."""
        check_policy(request, self.accepted_policies)
        return self.signer.respond(request, serial=self.serials(), gen_time=self.clock())

    def chain_pem(self) -> bytes:
        """The chain as concatenated PEM, leaf first."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain)


def load_chain(path: Path) -> list[x509.Certificate]:
    """The PEM certificates at ``path``, in file order."""
    try:
        return x509.load_pem_x509_certificates(path.read_bytes())
    except ValueError as exc:
        raise FormatError(f"{path} is not a PEM certificate chain: {exc}") from exc
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc}") from exc


def _write_public(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def open_authority(
    data_dir: Path,
    clock: Callable[[], datetime],
    *,
    name: str = "sigstack TSA",
    include_chain: bool = False,
    serials: Callable[[], int] = random_serial,
) -> TimestampAuthority:
    """The TSA whose keys and chain live in ``data_dir`` (created on first start)."""
    keys = data_dir / "keys"
    chain_path = data_dir / "tsa" / "certchain.pem"
    leaf_key = load_or_create_ecdsa_key(keys / "tsa-leaf.pem")
    if chain_path.exists():
        chain = load_chain(chain_path)
    else:
        root_key = load_or_create_ecdsa_key(keys / "tsa-root.pem")
        intermediate_key = load_or_create_ecdsa_key(keys / "tsa-intermediate.pem")
        chain = build_tsa_chain(
            root_key=root_key,
            intermediate_key=intermediate_key,
            leaf_key=leaf_key,
            name=name,
            not_before=clock() - timedelta(minutes=5),
            validity=CHAIN_VALIDITY,
        )
        _write_public(
            chain_path, b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
        )
    if len(chain) < 2:
        raise FormatError(f"{chain_path}: a TSA chain needs the leaf and at least a root")
    signer = TimestampSigner(leaf_key, chain[0], chain[1:], include_chain=include_chain)
    return TimestampAuthority(signer, chain, clock, serials)
