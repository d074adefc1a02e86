"""Issuers from a Fulcio configuration file (JSON or YAML) plus ``--oidc-issuer`` shortcuts,
and a custom CI provider issued through a worker process (its templates cross the boundary)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from cryptography import x509
from starlette.testclient import TestClient

from sigstack.cli.serve_ca import build_registry
from sigstack.clock import utc_now
from sigstack.core.oidc.issuers import IssuerType
from sigstack.services.ca.app import create_app, open_ca
from sigstack.services.ca.keys import GeneratedKeySource
from sigstack.services.ca.settings import CASettings
from sigstack.services.ctlog import CTLogSettings
from tests.unit.services.ca.conftest import World
from tests.unit.services.ca.helpers import bearer, chain_of, csr_body, ext

YAML = """
oidc-issuers:
  https://ci.example.com:
    issuer-url: https://ci.example.com
    client-id: sigstore
    type: ci-provider
    ci-provider: my-ci
meta-issuers:
  https://*.k8s.example.net:
    client-id: sigstore
    type: kubernetes
ci-issuer-metadata:
  my-ci:
    default-template-values:
      url: https://ci.example.com
    subject-alternative-name-template: "{{ .url }}/{{ .pipeline }}"
    extension-templates:
      build-trigger: event
"""


def test_json_config_plus_shortcuts(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "OIDCIssuers": {
                    "http://fakeoidc:8080": {
                        "IssuerURL": "http://fakeoidc:8080",
                        "ClientID": "sigstore",
                        "Type": "email",
                    }
                }
            }
        )
    )
    registry = build_registry(path, ["http://127.0.0.1:5556"], "https://kubernetes.default.svc")
    assert set(registry.issuers) == {
        "http://fakeoidc:8080",
        "http://127.0.0.1:5556",
        "https://kubernetes.default.svc",
    }
    assert registry.lookup("http://127.0.0.1:5556").type == IssuerType.EMAIL
    assert registry.lookup("https://kubernetes.default.svc").type == IssuerType.KUBERNETES


def test_defaults_without_a_file() -> None:
    registry = build_registry(None, ["http://127.0.0.1:5556"], None)
    assert "https://accounts.google.com" in registry.issuers
    assert "http://127.0.0.1:5556" in registry.issuers


def test_yaml_config_with_a_custom_ci_provider_through_a_worker(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(YAML)
    registry = build_registry(path, [], None)
    assert registry.lookup("https://a1.k8s.example.net").type == IssuerType.KUBERNETES
    world = World()
    issuer = world.add("https://ci.example.com")
    service = open_ca(
        tmp_path / "data",
        key_source=GeneratedKeySource(tmp_path / "data" / "keys", now=utc_now()),
        registry=registry,
        settings=CASettings(workers=1),
        ctlog_settings=CTLogSettings(),
        clock=utc_now,
        http_client=httpx.AsyncClient(transport=world.transport()),
    )
    with TestClient(create_app(service), raise_server_exceptions=False) as client:
        body, _ = csr_body()
        token = issuer.token(sub="pipeline-9", pipeline="builds/9", event="tag")
        r = client.post("/api/v2/signingCert", json=body, headers=bearer(token))
        assert r.status_code == 200, r.text
        leaf = chain_of(r.json())[0]
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.UniformResourceIdentifier) == [
            "https://ci.example.com/builds/9"
        ]
        assert ext(leaf, "1.3.6.1.4.1.57264.1.20")[2:] == b"tag"  # BuildTrigger
        r = client.post("/api/v2/signingCert", json=body, headers=bearer(issuer.token()))
        assert r.status_code == 401 and "pipeline" in r.json()["message"]
