"""The stack in-process (Starlette TestClient runs the one lifespan): routing by path,
``/healthz``, ``/metrics``, and trust files that only the keys determine."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sigstack.clock import utc_now
from sigstack.errors import FormatError
from sigstack.services.stack import TRUST_FILES, create_app, open_stack
from sigstack.services.stack.app import classify
from sigstack.services.stack.metrics import render_metrics

BASE = "http://127.0.0.1:8080"


def _clock() -> datetime:
    return utc_now()  # the services sign real certificates and timestamps


def test_routes_health_and_metrics(tmp_path: Path) -> None:
    stack = open_stack(tmp_path, host="127.0.0.1", port=8080, clock=_clock)
    with TestClient(create_app(stack), base_url=BASE) as client:
        health = client.get("/healthz").json()
        assert health["status"] == "ok"
        assert set(health["services"]) == {
            "ca",
            "ctlog",
            "rekorV1",
            "rekorV2",
            "tsa",
            "oidc",
            "tuf",
        }
        assert health["services"]["ca"]["issuers"] == [f"{BASE}/oidc"]
        assert client.get("/oidc/.well-known/openid-configuration").json()["issuer"] == (
            f"{BASE}/oidc"
        )
        assert client.get("/api/v1/log").json()["treeSize"] == 0
        assert client.get("/api/v2/checkpoint").text.startswith("127.0.0.1:8080\n0\n")
        assert client.get("/api/v1/rootCert").text.startswith("-----BEGIN CERTIFICATE-----")
        assert client.get("/ct/v1/get-sth").json()["tree_size"] == 0
        assert client.get("/api/v1/timestamp/certchain").status_code == 200
        assert client.get("/tuf/1.root.json").status_code == 200
        assert client.get("/nowhere").status_code == 404
        metrics = client.get("/metrics").text
    assert 'sigstack_http_requests_total{service="rekor_v1",code="200"} 1' in metrics
    assert 'sigstack_http_requests_total{service="ca",code="404"} 1' in metrics
    assert 'sigstack_log_tree_size{log="ctlog"} 0' in metrics


def test_classify() -> None:
    assert classify("/api/v1/log/entries") == "rekor_v1"
    assert classify("/api/v2/tile/0/000") == "rekor_v2"
    assert classify("/api/v2/signingCert") == "ca"
    assert classify("/ct/v1/get-sth") == "ctlog"
    assert classify("/api/v1/timestamp") == "tsa"
    assert classify("/oidc/jwks") == "oidc"
    assert classify("/oidcx") == "ca"
    assert classify("/tuf/timestamp.json") == "tuf"


def test_metrics_text_escapes_labels() -> None:
    text = render_metrics({('a"b', 200): 3}, [("x\\y", 1)])
    assert 'service="a\\"b",code="200"} 3' in text
    assert 'log="x\\\\y"} 1' in text
    assert text.endswith("\n")


def test_trust_files_come_from_the_keys_alone(tmp_path: Path) -> None:
    stack = open_stack(tmp_path, host="127.0.0.1", port=8080, clock=_clock)
    first = {name: (tmp_path / name).read_bytes() for name in TRUST_FILES}
    targets = stack.trust_targets()
    assert targets["trusted_root.json"] == first["trusted_root.json"]
    assert targets["signing_config.v0.2.json"] == first["signing_config.json"]
    config = json.loads(first["trust_config.json"])
    assert json.loads(first["trusted_root.json"]) == config["trustedRoot"]
    for name in TRUST_FILES:
        (tmp_path / name).unlink()
    open_stack(tmp_path, host="127.0.0.1", port=8080, clock=_clock)
    assert {name: (tmp_path / name).read_bytes() for name in TRUST_FILES} == first


def test_another_address_is_refused(tmp_path: Path) -> None:
    open_stack(tmp_path, host="127.0.0.1", port=8080, clock=_clock)
    with pytest.raises(FormatError, match=r"created for http://127\.0\.0\.1:8080"):
        open_stack(tmp_path, host="127.0.0.1", port=9090, clock=_clock)
