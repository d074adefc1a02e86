"""Keys, a root → intermediate chain and leaf requests for the x509 tests (fixed times, no clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from sigstack.core.x509.ca import build_intermediate_ca, build_root_ca
from sigstack.core.x509.issuance import IssuerKey, LeafRequest
from sigstack.core.x509.sct_list import encode_sct_list

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
ISSUER = "https://github.com/login/oauth"
V1 = "1.3.6.1.4.1.57264.1.1"
V2 = "1.3.6.1.4.1.57264.1.8"
SUBJECT_OID = "1.3.6.1.4.1.57264.1.24"
ROOT_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstack.dev"),
        x509.NameAttribute(NameOID.COMMON_NAME, "sigstack-root"),
    ]
)
INTERMEDIATE_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstack.dev"),
        x509.NameAttribute(NameOID.COMMON_NAME, "sigstack-intermediate"),
    ]
)


@cache
def key(kind: str) -> ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    """One private key per kind ("p256", "p384", "p521", "rsa2048", "rsa1024", "ed25519")."""
    if kind.startswith("p"):
        curve = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1(), "p521": ec.SECP521R1()}[kind]
        return ec.generate_private_key(curve)
    if kind.startswith("rsa"):
        return rsa.generate_private_key(65537, int(kind[3:]))
    return ed25519.Ed25519PrivateKey.generate()


def ca_key(kind: str) -> IssuerKey:
    k = key(kind)
    assert isinstance(k, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    return k


@dataclass(frozen=True)
class Chain:
    root: x509.Certificate
    root_key: IssuerKey
    intermediate: x509.Certificate
    intermediate_key: IssuerKey


@cache
def chain(kind: str = "p384") -> Chain:
    """Root and intermediate, both with keys of ``kind``."""
    root_key = ca_key(kind)
    root = build_root_ca(root_key, ROOT_NAME, not_before=NOW, validity=timedelta(days=3650))
    inter_key = ca_key(kind)
    inter = build_intermediate_ca(
        inter_key.public_key(),
        INTERMEDIATE_NAME,
        issuer=root,
        issuer_key=root_key,
        not_before=NOW,
        validity=timedelta(days=365),
    )
    return Chain(root, root_key, inter, inter_key)


@pytest.fixture
def ca() -> Chain:
    return chain("p384")


def request(
    san_type: str = "email",
    san_value: str = "alice@example.com",
    *,
    leaf: str = "p256",
    **extra: str,
) -> LeafRequest:
    """A leaf request with the issuer in .1.1 and .1.8 and the token subject in .1.24."""
    public = ca_key(leaf).public_key()
    exts = {V1: ISSUER, V2: ISSUER, SUBJECT_OID: san_value, **extra}
    return LeafRequest(public, san_type, san_value, exts)  # type: ignore[arg-type]


def dummy_sct(timestamp: int = 1_780_000_000_000, *, extensions: bytes = b"") -> bytes:
    """A structurally valid v1 SCT with a real ECDSA signature over nothing in particular."""
    signer = key("p256")
    assert isinstance(signer, ec.EllipticCurvePrivateKey)
    sig = signer.sign(b"not a real sct", ec.ECDSA(hashes.SHA256()))
    return (
        b"\x00"
        + bytes(range(32))
        + timestamp.to_bytes(8, "big")
        + len(extensions).to_bytes(2, "big")
        + extensions
        + b"\x04\x03"
        + len(sig).to_bytes(2, "big")
        + sig
    )


@cache
def dummy_sct_list() -> bytes:
    return encode_sct_list([dummy_sct(extensions=bytes.fromhex("0000050000000000"))])
