"""SigningContext: sigstore-python's service selection (sigstore-clients.md §2.5, §6.6)."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from sigstack.errors import FormatError
from sigstack.sign import SigningContext
from sigstack.sign._trust import ct_keys_at
from tests.unit.sign.fakes import NOW, ct_key

START = {"start": "2026-01-01T00:00:00Z"}
ENDED = {"start": "2025-01-01T00:00:00Z", "end": "2025-12-31T00:00:00Z"}


def _service(url: str, version: int = 1, valid: dict[str, str] = START, op: str = "local") -> Any:
    return {"url": url, "majorApiVersion": version, "validFor": valid, "operator": op}


def _config(**changes: Any) -> dict[str, Any]:
    spki = (
        ct_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing = {
        "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
        "caUrls": [_service("http://h:1")],
        "rekorTlogUrls": [_service("http://h:1"), _service("http://h:1/", 2)],
        "rekorTlogConfig": {"selector": "ANY"},
        "tsaUrls": [_service("http://h:1/api/v1/timestamp")],
        "tsaConfig": {"selector": "ANY"},
        **changes,
    }
    ctlog = {
        "publicKey": {"rawBytes": base64.b64encode(spki).decode(), "validFor": START},
        "logId": {"keyId": base64.b64encode(b"\x01" * 32).decode()},
    }
    root = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [],
        "certificateAuthorities": [],
        "ctlogs": [ctlog],
    }
    return {"trustedRoot": root, "signingConfig": signing}


def test_v2_preferred_within_an_operator_and_v1_when_forced() -> None:
    v2 = SigningContext.from_trust_config(_config(), now=NOW)
    assert (v2.rekor_url, v2.rekor_version) == ("http://h:1", 2)
    assert v2.ca_url == "http://h:1"
    assert v2.tsa_urls == ("http://h:1/api/v1/timestamp",)
    v1 = SigningContext.from_trust_config(_config(), now=NOW, rekor_version=1)
    assert v1.rekor_version == 1


def test_services_outside_their_window_are_skipped() -> None:
    config = _config(caUrls=[_service("http://old", valid=ENDED), _service("http://new")])
    assert SigningContext.from_trust_config(config, now=NOW).ca_url == "http://new"


def test_no_valid_ca_is_refused() -> None:
    with pytest.raises(FormatError, match="no valid CA"):
        SigningContext.from_trust_config(_config(caUrls=[_service("http://x", 2)]), now=NOW)


def test_rekor_v2_without_a_tsa_is_refused() -> None:
    with pytest.raises(FormatError, match="needs a timestamp authority"):
        SigningContext.from_trust_config(_config(tsaUrls=[]), now=NOW)
    assert SigningContext.from_trust_config(_config(tsaUrls=[]), now=NOW, rekor_version=1)


def test_exact_selector_short_of_services_is_refused() -> None:
    config = _config(tsaConfig={"selector": "EXACT", "count": 2})
    with pytest.raises(FormatError, match="expected 2 valid services"):
        SigningContext.from_trust_config(config, now=NOW)


def test_all_selector_keeps_one_per_operator() -> None:
    tsas = [_service("http://a"), _service("http://b"), _service("http://c", op="other")]
    config = _config(tsaUrls=tsas, tsaConfig={"selector": "ALL"})
    assert SigningContext.from_trust_config(config, now=NOW).tsa_urls == ("http://b", "http://c")


def test_ct_keys_are_read_with_their_window() -> None:
    context = SigningContext.from_trust_config(_config(), now=NOW)
    (key,) = context.ct_keys
    assert len(ct_keys_at(context.ct_keys, NOW)) == 1
    assert key.start is not None
    assert ct_keys_at(context.ct_keys, key.start - timedelta(seconds=1)) == []


def test_unreadable_ct_key_is_a_format_error() -> None:
    config = _config()
    config["trustedRoot"]["ctlogs"][0]["publicKey"]["rawBytes"] = "AAAA"
    with pytest.raises(FormatError, match="ctlogs"):
        SigningContext.from_trust_config(config, now=NOW)
