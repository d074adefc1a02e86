"""SigningConfig v0.2: strict parsing and sigstore-python's service selection (§2.5).

Real documents: the embedded public-good and staging configs (``sigstack/trust/``, copies
of the ones sigstore-python 4.5.1 ships) and the one ``sigstack up`` renders (built here
the same way as ``services/stack/open.py``). Refusals name the field.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import pytest

from sigstack.core.trust import render
from sigstack.core.trust.build import signing_config
from sigstack.core.trust.signing_config import parse_signing_config, select, select_services
from sigstack.errors import FormatError

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
MEDIA_TYPE = "application/vnd.dev.sigstore.signingconfig.v0.2+json"


def _embedded(instance: str) -> dict[str, Any]:
    data = resources.files("sigstack").joinpath("trust", f"{instance}.signing_config.v0.2.json")
    document: dict[str, Any] = json.loads(data.read_bytes())
    return document


def _rendered() -> bytes:
    """The signing config ``sigstack up`` writes, for a stack at 127.0.0.1:8080."""
    base = "http://127.0.0.1:8080"
    config = signing_config(
        ca_url=base,
        oidc_url=f"{base}/oidc",
        rekor_urls=[(base, 2), (base, 1)],
        tsa_url=f"{base}/api/v1/timestamp",
        start=datetime(2026, 1, 1, tzinfo=UTC),
        operator="sigstack",
    )
    return render(config)


def test_public_good_selects_the_production_services() -> None:
    config = parse_signing_config(json.dumps(_embedded("public-good")))
    chosen = select(config, NOW)
    assert chosen.ca.url == "https://fulcio.sigstore.dev"
    assert [t.url for t in chosen.tlogs] == ["https://rekor.sigstore.dev"]
    assert [t.url for t in chosen.tsas] == ["https://timestamp.sigstore.dev/api/v1/timestamp"]
    assert chosen.oidc is not None and chosen.oidc.url == "https://oauth2.sigstore.dev/auth"
    assert config.rekor_tlog_config.selector == "ANY"
    with pytest.raises(FormatError, match="no valid Rekor v2 log"):
        select(config, NOW, rekor_version=2)


def test_staging_prefers_the_current_rekor_v2_and_honours_validity_windows() -> None:
    config = parse_signing_config(json.dumps(_embedded("staging")).encode())
    assert len(config.rekor_tlog_urls) == 4
    chosen = select(config, NOW)
    assert [(t.url, t.major_api_version) for t in chosen.tlogs] == [
        ("https://log2025-alpha3.rekor.sigstage.dev", 2)
    ]
    forced = select(config, NOW, rekor_version=1)
    assert forced.tlogs[0].url == "https://rekor.sigstage.dev"
    # On 2025-09-01 alpha2 was the current v2 log (alpha1 had ended, alpha3 not begun).
    then = select(config, datetime(2025, 9, 1, tzinfo=UTC))
    assert then.tlogs[0].url == "https://log2025-alpha2.rekor.sigstage.dev"


def test_what_sigstack_up_renders_parses_back_to_the_same_document() -> None:
    rendered = _rendered()
    config = parse_signing_config(rendered)
    assert render(config) == rendered
    chosen = select(config, NOW)
    assert (chosen.tlogs[0].url, chosen.tlogs[0].major_api_version) == ("http://127.0.0.1:8080", 2)
    assert select(config, NOW, rekor_version=1).tlogs[0].major_api_version == 1
    assert chosen.ca.url == "http://127.0.0.1:8080"
    assert chosen.oidc is not None and chosen.oidc.url == "http://127.0.0.1:8080/oidc"


def _service(url: str, version: int = 1, operator: str = "a", **valid: str) -> dict[str, Any]:
    window = valid or {"start": "2026-01-01T00:00:00Z"}
    return {"url": url, "majorApiVersion": version, "validFor": window, "operator": operator}


def test_one_service_per_operator_then_the_selector() -> None:
    document = {
        "mediaType": MEDIA_TYPE,
        "caUrls": [_service("https://ca")],
        "rekorTlogUrls": [
            _service("https://a-v1"),
            _service("https://a-v2", 2),
            _service("https://a-v2-later", 2),  # a tie: the last listed wins
            _service("https://b-v1", operator="b"),
        ],
        "tsaUrls": [_service("https://t1"), _service("https://t2", operator="b")],
        "tsaConfig": {"selector": "EXACT", "count": 2},
    }
    config = parse_signing_config(document)
    chosen = select(config, NOW)  # no rekorTlogConfig: ALL
    assert [t.url for t in chosen.tlogs] == ["https://a-v2-later", "https://b-v1"]
    assert [t.url for t in chosen.tsas] == ["https://t1", "https://t2"]
    assert chosen.oidc is None
    with pytest.raises(FormatError, match="expected 2 valid services in tsaUrls, found 1"):
        select(parse_signing_config({**document, "tsaUrls": [_service("https://t1")]}), NOW)


def test_validity_ends_are_inclusive_and_future_services_wait() -> None:
    services = parse_signing_config(
        {
            "mediaType": MEDIA_TYPE,
            "caUrls": [
                _service("https://ended", start="2026-01-01T00:00:00Z", end="2026-11-22T12:00:00Z"),
                _service("https://future", operator="b", start="2027-01-01T00:00:00Z"),
            ],
        }
    ).ca_urls
    assert [s.url for s in select_services(services, {1}, NOW)] == ["https://ended"]
    later = datetime(2026, 11, 22, 12, 0, 1, tzinfo=UTC)
    assert select_services(services, {1}, later) == []


def _mutated(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(_embedded("staging"))
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


_DELETE = object()

REFUSALS = [
    (("mediaType",), "application/vnd.dev.sigstore.signingconfig.v0.1+json", "mediaType"),
    (("mediaType",), _DELETE, "mediaType"),
    (("extra",), 1, "signingConfig: unknown key(s) extra"),
    (("caUrls",), {"url": "x"}, "caUrls: expected a list"),
    (("caUrls", 0, "url"), "", "caUrls[0].url"),
    (("caUrls", 0, "majorApiVersion"), "1", "caUrls[0].majorApiVersion"),
    (("caUrls", 0, "majorApiVersion"), True, "caUrls[0].majorApiVersion"),
    (("caUrls", 0, "operator"), _DELETE, "caUrls[0].operator"),
    (("caUrls", 0, "validFor"), _DELETE, "caUrls[0].validFor"),
    (("caUrls", 0, "validFor", "start"), _DELETE, "caUrls[0].validFor.start"),
    (("caUrls", 0, "validFor", "start"), "2022-04-14T21:38:40", "UTC offset"),
    (("caUrls", 0, "validFor", "start"), "yesterday", "caUrls[0].validFor.start"),
    (("rekorTlogUrls", 1, "validFor", "end"), "2020-01-01T00:00:00Z", "before it starts"),
    (("rekorTlogUrls", 0, "weight"), 3, "rekorTlogUrls[0]: unknown key(s) weight"),
    (("rekorTlogConfig", "selector"), "SOME", "rekorTlogConfig.selector"),
    (("tsaConfig",), {"selector": "EXACT"}, "a count goes with the EXACT selector"),
    (("tsaConfig",), {"selector": "ANY", "count": 1}, "a count goes with the EXACT selector"),
    (("tsaConfig",), {"selector": "EXACT", "count": 0}, "tsaConfig.count"),
]


@pytest.mark.parametrize(("path", "value", "reason"), REFUSALS)
def test_malformed_documents_are_refused_naming_the_field(
    path: tuple[Any, ...], value: Any, reason: str
) -> None:
    with pytest.raises(FormatError) as caught:
        parse_signing_config(_mutated(path, value))
    assert reason in str(caught.value)


def test_not_json_and_not_an_object_are_refused() -> None:
    with pytest.raises(FormatError, match="expected JSON"):
        parse_signing_config(b"{nope")
    with pytest.raises(FormatError, match="expected an object, found list"):
        parse_signing_config(b"[]")


def test_no_valid_ca_is_refused() -> None:
    config = parse_signing_config(_mutated(("caUrls", 0, "majorApiVersion"), 2))
    with pytest.raises(FormatError, match="no valid CA"):
        select(config, NOW)
