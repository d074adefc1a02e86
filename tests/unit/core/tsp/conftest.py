"""One TSA chain (root → intermediate → leaf, P-256) per session, and request builders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import algos, core, tsp  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.tsp.certs import build_tsa_chain
from sigstack.core.tsp.response import SignerKey

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
OIDS = {
    "sha1": "1.3.14.3.2.26",
    "md5": "1.2.840.113549.2.5",
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
}


@dataclass(frozen=True)
class Chain:
    """A TSA chain and its keys."""

    leaf_key: SignerKey
    certs: list[x509.Certificate]  # leaf, intermediate, root


def make_chain(
    curve: ec.EllipticCurve | None = None, *, leaf_key: SignerKey | None = None
) -> Chain:
    """A fresh chain valid from a day before NOW for ten years."""
    keys = [ec.generate_private_key(curve or ec.SECP256R1()) for _ in range(2)]
    leaf = leaf_key or ec.generate_private_key(curve or ec.SECP256R1())
    certs = build_tsa_chain(
        root_key=keys[0],
        intermediate_key=keys[1],
        leaf_key=leaf,
        name="test TSA",
        not_before=NOW - timedelta(days=1),
        validity=timedelta(days=3650),
    )
    return Chain(leaf, certs)


@pytest.fixture(scope="session")
def chain() -> Chain:
    return make_chain()


def der_request(
    digest: bytes,
    *,
    oid: str = OIDS["sha256"],
    nonce: int | None = None,
    cert_req: bool | None = None,
    policy: str | None = None,
    version: int = 1,
    params: core.Asn1Value | None = None,
    extensions: list[dict[str, object]] | None = None,
) -> bytes:
    """A DER TimeStampReq built with asn1crypto, any field settable (even wrongly)."""
    alg: dict[str, object] = {"algorithm": oid}
    if params is not None:
        alg["parameters"] = params
    fields: dict[str, object] = {
        "version": version,
        "message_imprint": {
            "hash_algorithm": algos.DigestAlgorithm(alg),
            "hashed_message": digest,
        },
    }
    if nonce is not None:
        fields["nonce"] = nonce
    if cert_req is not None:
        fields["cert_req"] = cert_req
    if policy is not None:
        fields["req_policy"] = policy
    if extensions is not None:
        fields["extensions"] = extensions
    return bytes(tsp.TimeStampReq(fields).dump())
