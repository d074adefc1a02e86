"""Rendering: protobuf-JSON as sigstore-python parses it (sigstore-clients.md §2.1, §2.2, §2.5)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from tests.unit.core.trust.conftest import BASE, START, Material

from sigstack.core.trust import (
    CLIENT_TRUST_CONFIG_MEDIA_TYPE,
    SIGNING_CONFIG_MEDIA_TYPE,
    TRUSTED_ROOT_MEDIA_TYPE,
    ServiceConfig,
    ValidFor,
    render,
    rfc3339,
)
from sigstack.errors import FormatError


def test_media_types(material: Material) -> None:
    doc = material.trust_config().to_json()
    assert doc["mediaType"] == "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
    assert doc["trustedRoot"]["mediaType"] == (
        "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
    )
    assert doc["signingConfig"]["mediaType"] == (
        "application/vnd.dev.sigstore.signingconfig.v0.2+json"
    )
    assert doc["mediaType"] == CLIENT_TRUST_CONFIG_MEDIA_TYPE
    assert doc["trustedRoot"]["mediaType"] == TRUSTED_ROOT_MEDIA_TYPE
    assert doc["signingConfig"]["mediaType"] == SIGNING_CONFIG_MEDIA_TYPE


def _keys(value: object) -> set[str]:
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(k)
            out |= _keys(v)
    elif isinstance(value, list):
        for v in value:
            out |= _keys(v)
    return out


def test_keys_are_camel_case_only(material: Material) -> None:
    keys = _keys(material.trust_config().to_json())
    assert not [k for k in keys if "_" in k]
    assert {"trustedRoot", "signingConfig", "certificateAuthorities", "checkpointKeyId"} <= keys


def test_times_are_rfc3339_utc_whole_seconds(material: Material) -> None:
    doc = material.trust_config().to_json()
    assert doc["trustedRoot"]["tlogs"][0]["publicKey"]["validFor"] == {
        "start": "2026-01-02T03:04:05Z"
    }
    plus2 = timezone(timedelta(hours=2))
    assert rfc3339(datetime(2026, 1, 2, 5, 4, 5, tzinfo=plus2)) == "2026-01-02T03:04:05Z"


def test_naive_time_refused() -> None:
    with pytest.raises(FormatError, match="time zone"):
        ValidFor(datetime(2026, 1, 1))


def test_valid_for_end_and_order() -> None:
    assert ValidFor(START, START + timedelta(days=1)).to_json()["end"] == "2026-01-03T03:04:05Z"
    with pytest.raises(FormatError, match="before it starts"):
        ValidFor(START, START - timedelta(days=1))


def test_bytes_are_standard_base64(material: Material) -> None:
    doc = material.trust_config().to_json()
    for tlog in doc["trustedRoot"]["tlogs"]:
        assert len(base64.b64decode(tlog["logId"]["keyId"], validate=True)) == 32
        base64.b64decode(tlog["publicKey"]["rawBytes"], validate=True)


def test_signing_config_services(material: Material) -> None:
    config = material.trust_config().to_json()["signingConfig"]
    assert [s["url"] for s in config["caUrls"]] == [BASE]
    assert [s["url"] for s in config["oidcUrls"]] == [f"{BASE}/oidc"]
    assert [(s["url"], s["majorApiVersion"]) for s in config["rekorTlogUrls"]] == [
        (BASE, 2),
        (BASE, 1),
    ]
    assert [s["url"] for s in config["tsaUrls"]] == [f"{BASE}/api/v1/timestamp"]
    everything = [*config["caUrls"], *config["oidcUrls"], *config["rekorTlogUrls"]]
    for service in [*everything, *config["tsaUrls"]]:
        assert service["operator"] == "sigstack"
        assert service["validFor"] == {"start": "2026-01-02T03:04:05Z"}
    assert config["rekorTlogConfig"] == {"selector": "ANY"}
    assert config["tsaConfig"] == {"selector": "ANY"}


def test_service_config_rules() -> None:
    assert ServiceConfig("EXACT", 2).to_json() == {"selector": "EXACT", "count": 2}
    with pytest.raises(FormatError):
        ServiceConfig("SOME")
    with pytest.raises(FormatError):
        ServiceConfig("ANY", 1)


def test_render_is_deterministic_json(material: Material) -> None:
    config = material.trust_config()
    data = render(config)
    assert data == render(material.trust_config())
    assert data.endswith(b"\n")
    assert json.loads(data) == config.to_json()
    assert json.loads(render(config.trusted_root)) == config.to_json()["trustedRoot"]
