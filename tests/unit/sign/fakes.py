"""A fake CA (real chain, real embedded SCT by a CT key), TSA and trust config for sign tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sigstack.core.ct.sct import (
    encode_sct_list,
    issuer_key_hash,
    log_id_of,
    precert_signed_data,
    sign_sct,
)
from sigstack.core.tsp import build_response, parse_request
from sigstack.core.tsp.certs import build_tsa_chain
from sigstack.core.x509.ca import build_intermediate_ca, build_root_ca
from sigstack.core.x509.certificate import Certificate, read_certificate
from sigstack.core.x509.issuance import LeafRequest, build_precertificate, finalize_certificate
from sigstack.core.x509.precert import precert_tbs
from sigstack.sign._trust import CTKey

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
ISSUER = "https://oidc.example.com"


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstack.test"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


_CT_KEYS: dict[str, ec.EllipticCurvePrivateKey] = {}


def ct_key(which: str = "trusted") -> ec.EllipticCurvePrivateKey:
    """One CT log key per name ("trusted", "other")."""
    return _CT_KEYS.setdefault(which, ec.generate_private_key(ec.SECP256R1()))


@cache
def ca_chain() -> tuple[x509.Certificate, x509.Certificate, ec.EllipticCurvePrivateKey]:
    """Root, intermediate and the intermediate's key."""
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = build_root_ca(root_key, _name("root"), not_before=NOW, validity=timedelta(days=3650))
    key = ec.generate_private_key(ec.SECP384R1())
    inter = build_intermediate_ca(
        key.public_key(), _name("intermediate"), issuer=root, issuer_key=root_key,
        not_before=NOW, validity=timedelta(days=365),
    )  # fmt: skip
    return root, inter, key


def issue(
    public_key: object, *, log_keys: tuple[str, ...] = ("trusted",)
) -> list[x509.Certificate]:
    """``[leaf, intermediate, root]``, the leaf with one SCT per CT key named in ``log_keys``."""
    root, inter, key = ca_chain()
    exts = {"1.3.6.1.4.1.57264.1.1": ISSUER, "1.3.6.1.4.1.57264.1.8": ISSUER}
    request = LeafRequest(public_key, "email", "signer@example.com", exts)  # type: ignore[arg-type]
    pre = build_precertificate(request, issuer=inter, issuer_key=key, not_before=NOW)
    timestamp = int(NOW.timestamp() * 1000)
    signed = precert_signed_data(
        timestamp=timestamp,
        issuer_key_hash=issuer_key_hash(inter),
        tbs_certificate=precert_tbs(pre),
    )
    scts = [sign_sct(ct_key(n), signed, timestamp=timestamp) for n in log_keys]
    leaf = finalize_certificate(pre, encode_sct_list(scts), issuer=inter, issuer_key=key)
    return [leaf, inter, root]


def read_chain(chain: list[x509.Certificate]) -> list[Certificate]:
    """The chain as the signer reads it (DER, :mod:`sigstack.core.x509.certificate`)."""
    return [read_certificate(c.public_bytes(serialization.Encoding.DER)) for c in chain]


def trusted(*names: str) -> list[CTKey]:
    """The CT keys named (default "trusted") as a signing context holds them."""
    return [
        CTKey(ct_key(n).public_key(), log_id_of(ct_key(n).public_key()), None, None)
        for n in names or ("trusted",)
    ]


def pem_chain(chain: list[x509.Certificate]) -> list[str]:
    return [c.public_bytes(serialization.Encoding.PEM).decode() for c in chain]


@cache
def _tsa() -> tuple[ec.EllipticCurvePrivateKey, list[x509.Certificate]]:
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    chain = build_tsa_chain(
        root_key=keys[0], intermediate_key=keys[1], leaf_key=keys[2], name="tsa",
        not_before=NOW, validity=timedelta(days=365),
    )  # fmt: skip
    return keys[2], chain


def timestamp_response(request_der: bytes) -> bytes:
    """A granted ``TimeStampResp`` for ``request_der``."""
    key, chain = _tsa()
    return build_response(
        parse_request(request_der), signer_key=key, signer_cert=chain[0], chain=chain[1:],
        serial=1, gen_time=NOW,
    )  # fmt: skip
