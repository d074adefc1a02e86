"""Leaf issuance refusals: keys, SANs, issuer extensions, serials, validity, finalize inputs."""

from __future__ import annotations

from datetime import timedelta

import pytest

import sigstack.core.x509.issuance as issuance
from sigstack.core.x509.issuance import (
    build_certificate,
    build_precertificate,
    finalize_certificate,
)
from sigstack.errors import FormatError, UnsupportedError, VerificationError

from .conftest import ISSUER, NOW, V1, V2, Chain, chain, dummy_sct_list, key, request
from .test_issuance import issue


@pytest.mark.parametrize(("leaf", "message"), [("ed25519", "Ed25519"), ("p521", "secp521r1")])
def test_refused_leaf_keys(ca: Chain, leaf: str, message: str) -> None:
    req = request()
    bad = type(req)(key(leaf).public_key(), "email", "a@b.c", req.extensions)  # type: ignore[arg-type]
    with pytest.raises(UnsupportedError, match=message) as e:
        build_precertificate(
            bad, issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW
        )
    assert e.value.field == "public_key"


@pytest.mark.parametrize(
    ("san_type", "san_value", "field"),
    [
        ("email", "", "san_value"),
        ("email", "not-an-email", "san_value"),
        ("email", "élise@example.com", "san_value"),
        ("uri", "no-scheme", "san_value"),
        ("dns", "example.com", "san_type"),
    ],
)
def test_bad_sans_are_refused(ca: Chain, san_type: str, san_value: str, field: str) -> None:
    with pytest.raises(FormatError) as e:
        build_certificate(
            request(san_type, san_value),
            issuer=ca.intermediate,
            issuer_key=ca.intermediate_key,
            not_before=NOW,
        )
    assert e.value.field == field


@pytest.mark.parametrize(
    "exts",
    [{V1: ISSUER}, {V2: ISSUER}, {V1: ISSUER, V2: "https://other"}, {V1: "", V2: ""}],
)
def test_issuer_extensions_are_required_and_equal(ca: Chain, exts: dict[str, str]) -> None:
    req = request()
    bad = type(req)(req.public_key, "email", "alice@example.com", exts)
    with pytest.raises(FormatError, match="issuer") as e:
        build_certificate(
            bad, issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW
        )
    assert e.value.field == "extensions"


@pytest.mark.parametrize("serial", [0, -1, 1 << 159])
def test_bad_serials_are_refused(ca: Chain, serial: int) -> None:
    with pytest.raises(FormatError, match="serial"):
        build_certificate(
            request(),
            issuer=ca.intermediate,
            issuer_key=ca.intermediate_key,
            not_before=NOW,
            serial=serial,
        )


def test_leaf_may_not_outlive_the_intermediate(ca: Chain) -> None:
    late = ca.intermediate.not_valid_after_utc - timedelta(minutes=5)
    with pytest.raises(FormatError, match="after the issuer"):
        build_certificate(
            request(), issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=late
        )


def test_finalize_refuses_a_certificate_without_poison(ca: Chain) -> None:
    plain = build_certificate(
        request(), issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW
    )
    with pytest.raises(FormatError, match="poison"):
        finalize_certificate(
            plain, dummy_sct_list(), issuer=ca.intermediate, issuer_key=ca.intermediate_key
        )


def test_finalize_refuses_another_issuer(ca: Chain) -> None:
    pre, _ = issue(ca)
    other = chain("p256")
    with pytest.raises(FormatError, match="not the issuer's subject"):
        finalize_certificate(pre, dummy_sct_list(), issuer=other.root, issuer_key=other.root_key)
    # Same subject name, different key: the signature check catches it.
    with pytest.raises(FormatError, match="signed by the issuer"):
        finalize_certificate(
            pre, dummy_sct_list(), issuer=other.intermediate, issuer_key=other.intermediate_key
        )


@pytest.mark.parametrize(
    "sct_list",
    [b"", b"\x00\x00", b"\x00\x05\x00\x03abc", dummy_sct_list()[:-1], dummy_sct_list() + b"\x00"],
)
def test_finalize_refuses_malformed_sct_lists(ca: Chain, sct_list: bytes) -> None:
    pre, _ = issue(ca)
    with pytest.raises(FormatError) as e:
        finalize_certificate(pre, sct_list, issuer=ca.intermediate, issuer_key=ca.intermediate_key)
    assert e.value.field is not None and e.value.field.startswith("sct_list")


def test_finalize_checks_tbs_equality(ca: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    pre, _ = issue(ca)
    monkeypatch.setattr(issuance, "precert_tbs", lambda _: b"something else")
    with pytest.raises(VerificationError, match="precert TBS"):
        finalize_certificate(
            pre, dummy_sct_list(), issuer=ca.intermediate, issuer_key=ca.intermediate_key
        )
