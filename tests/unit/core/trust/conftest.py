"""Keys and chains for the trust-material tests: a Fulcio-style CA, a TSA chain, log keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

from sigstack.core.trust import ClientTrustConfig, TrustedRoot
from sigstack.core.trust.build import (
    ct_log,
    fulcio_authority,
    rekor_v1_log,
    rekor_v2_log,
    signing_config,
    timestamp_authority,
)
from sigstack.core.tsp.certs import build_tsa_chain
from sigstack.core.x509.ca import build_intermediate_ca, build_root_ca

START = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
BASE = "http://127.0.0.1:8080"
ORIGIN = "127.0.0.1:8080"


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstack"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


@dataclass
class Material:
    ca_chain: list[x509.Certificate]  # intermediate, root
    tsa_chain: list[x509.Certificate]  # leaf, intermediate, root
    rekor_v1: ec.EllipticCurvePrivateKey
    rekor_v2: ed25519.Ed25519PrivateKey
    ct: ec.EllipticCurvePrivateKey

    def trust_config(self) -> ClientTrustConfig:
        root = TrustedRoot(
            tlogs=[
                rekor_v1_log(BASE, self.rekor_v1.public_key(), START, operator="sigstack"),
                rekor_v2_log(BASE, ORIGIN, self.rekor_v2.public_key(), START, operator="sigstack"),
            ],
            certificate_authorities=[fulcio_authority(self.ca_chain, BASE, START)],
            ctlogs=[ct_log(BASE, self.ct.public_key(), START)],
            timestamp_authorities=[
                timestamp_authority(self.tsa_chain, f"{BASE}/api/v1/timestamp", START)
            ],
        )
        config = signing_config(
            ca_url=BASE,
            oidc_url=f"{BASE}/oidc",
            rekor_urls=[(BASE, 2), (BASE, 1)],
            tsa_url=f"{BASE}/api/v1/timestamp",
            start=START,
            operator="sigstack",
        )
        return ClientTrustConfig(root, config)


@pytest.fixture(scope="session")
def material() -> Material:
    root_key = ec.generate_private_key(ec.SECP256R1())
    key = ec.generate_private_key(ec.SECP256R1())
    root = build_root_ca(
        root_key, _name("sigstack root"), not_before=START, validity=timedelta(days=365)
    )
    intermediate = build_intermediate_ca(
        key.public_key(),
        _name("sigstack intermediate"),
        issuer=root,
        issuer_key=root_key,
        not_before=START,
        validity=timedelta(days=365),
    )
    tsa_chain = build_tsa_chain(
        root_key=ec.generate_private_key(ec.SECP256R1()),
        intermediate_key=ec.generate_private_key(ec.SECP256R1()),
        leaf_key=ec.generate_private_key(ec.SECP256R1()),
        name="sigstack TSA",
        not_before=START,
        validity=timedelta(days=365),
    )
    return Material(
        ca_chain=[intermediate, root],
        tsa_chain=tsa_chain,
        rekor_v1=ec.generate_private_key(ec.SECP256R1()),
        rekor_v2=ed25519.Ed25519PrivateKey.generate(),
        ct=ec.generate_private_key(ec.SECP256R1()),
    )
