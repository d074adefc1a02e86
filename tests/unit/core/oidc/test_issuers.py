"""Issuer configuration: Fulcio's file format (spec §5), meta-issuer wildcards, defaults."""

from __future__ import annotations

import json

import pytest

from sigstack.core.oidc import oids
from sigstack.core.oidc.issuers import (
    IssuerConfig,
    IssuerRegistry,
    IssuerType,
    default_issuers,
    parse_issuer_config,
)
from sigstack.core.oidc.principals import principal_from_claims
from sigstack.errors import AuthenticationError, FormatError

# The JSON scaffolding writes for its fake OIDC issuer (spec §5).
SCAFFOLDING_JSON = b"""{"OIDCIssuers": {"http://fakeoidc:8080": {"IssuerURL": "http://fakeoidc:8080",
  "ClientID": "sigstore", "Type": "email"}}}"""

# Shaped like Fulcio's public config/identity/config.yaml (anchors, kebab-case keys).
PUBLIC_STYLE_YAML = b"""
define:
  - &buildkite-type "buildkite-job"
oidc-issuers:
  https://accounts.google.com:
    issuer-url: https://accounts.google.com
    client-id: sigstore
    type: email
    contact: tac@sigstore.dev
    description: "Google OIDC auth"
  https://oauth2.sigstore.dev/auth:
    issuer-url: https://oauth2.sigstore.dev/auth
    client-id: sigstore
    type: email
    issuer-claim: $.federated_claims.connector_id
  https://agent.buildkite.com:
    issuer-url: https://agent.buildkite.com
    client-id: sigstore
    type: ci-provider
    ci-provider: *buildkite-type
  https://token.actions.githubusercontent.com:
    issuer-url: https://token.actions.githubusercontent.com
    client-id: sigstore
    type: ci-provider
    ci-provider: github-workflow
meta-issuers:
  https://oidc.eks.*.amazonaws.com/id/*:
    client-id: sigstore
    type: kubernetes
  https://container.googleapis.com/v1/projects/*/locations/*/clusters/*:
    client-id: sigstore
    type: kubernetes
  https://token.actions.githubusercontent.com/*:
    client-id: sigstore
    type: ci-provider
    ci-provider: github-workflow
ci-issuer-metadata:
  *buildkite-type:
    default-template-values:
      url: "https://buildkite.com"
    extension-templates:
      run-invocation-uri: "{{.url}}/{{.organization_slug}}/{{.pipeline_slug}}/builds/{{.build_number}}#{{.job_id}}"
      runner-environment: "runner_environment"
      source-repository-digest: "build_commit"
      build-trigger: "build_source"
    subject-alternative-name-template: "{{.url}}/{{.organization_slug}}/{{.pipeline_slug}}"
"""


def test_scaffolding_json() -> None:
    registry = parse_issuer_config(SCAFFOLDING_JSON)
    config = registry.lookup("http://fakeoidc:8080")
    assert config == IssuerConfig(issuer_url="http://fakeoidc:8080", type=IssuerType.EMAIL)
    assert config.audiences == ("sigstore",)


def test_public_style_yaml() -> None:
    registry = parse_issuer_config(PUBLIC_STYLE_YAML)
    assert set(registry.issuers) == {
        "https://accounts.google.com",
        "https://oauth2.sigstore.dev/auth",
        "https://agent.buildkite.com",
        "https://token.actions.githubusercontent.com",
    }
    google = registry.lookup("https://accounts.google.com")
    assert (google.contact, google.description) == ("tac@sigstore.dev", "Google OIDC auth")
    dex = registry.lookup("https://oauth2.sigstore.dev/auth")
    assert dex.issuer_claim == "$.federated_claims.connector_id"


def test_configured_ci_metadata_drives_the_principal() -> None:
    """Buildkite from the file's ci-issuer-metadata (Buildkite's OIDC claims)."""
    config = parse_issuer_config(PUBLIC_STYLE_YAML).lookup("https://agent.buildkite.com")
    claims = {
        "iss": "https://agent.buildkite.com",
        "sub": "organization:acme:pipeline:widgets:ref:refs/heads/main:commit:abc123:step:build",
        "organization_slug": "acme",
        "pipeline_slug": "widgets",
        "build_number": 1042,
        "job_id": "0190b4a5-8f9c-4a1e-9c3e-3f1f0f7b2a61",
        "build_commit": "abc123",
        "build_source": "webhook",
        "runner_environment": "buildkite-hosted",
    }
    p = principal_from_claims(config, claims)
    assert p.san_value == "https://buildkite.com/acme/widgets"
    assert p.extensions[oids.OID_RUN_INVOCATION_URI] == (
        "https://buildkite.com/acme/widgets/builds/1042#0190b4a5-8f9c-4a1e-9c3e-3f1f0f7b2a61"
    )
    assert p.extensions[oids.OID_BUILD_TRIGGER] == "webhook"
    assert list(p.extensions) == [oids.OID_ISSUER_V1, oids.OID_ISSUER_V2,
                                  oids.OID_RUNNER_ENVIRONMENT, oids.OID_SOURCE_REPOSITORY_DIGEST,
                                  oids.OID_BUILD_TRIGGER, oids.OID_RUN_INVOCATION_URI,
                                  oids.OID_TOKEN_SUBJECT]  # fmt: skip


def test_json_keys_for_ci_metadata() -> None:
    doc = {
        "OIDCIssuers": {"https://ci.example.com": {"IssuerURL": "https://ci.example.com",
                        "Type": "ci-provider", "CIProvider": "example-ci"}},
        "CIIssuerMetadata": {"example-ci": {
            "DefaultTemplateValues": {"url": "https://ci.example.com"},
            "ExtensionTemplates": {"BuildSignerURI": "{{ .url }}/{{ .job }}", "Issuer": "ignored"},
            "SubjectAlternativeNameTemplate": "{{ .url }}/{{ .job }}"}},
    }  # fmt: skip
    config = parse_issuer_config(json.dumps(doc).encode()).lookup("https://ci.example.com")
    p = principal_from_claims(config, {"iss": "https://ci.example.com", "sub": "s", "job": "j1"})
    assert p.extensions[oids.OID_BUILD_SIGNER_URI] == "https://ci.example.com/j1"
    assert p.issuer == "https://ci.example.com"


# --- lookup and meta issuers ------------------------------------------------------------------

REGISTRY = parse_issuer_config(PUBLIC_STYLE_YAML)


@pytest.mark.parametrize(
    "iss",
    [
        "https://oidc.eks.us-west-2.amazonaws.com/id/B02C93B6A2D30341AD01E1B6D48164CB",
        "https://container.googleapis.com/v1/projects/my-proj_1/locations/us-west1-b/clusters/c",
    ],
)
def test_meta_issuer_matches_and_becomes_concrete(iss: str) -> None:
    config = REGISTRY.lookup(iss)
    assert config.type == IssuerType.KUBERNETES
    assert config.issuer_url == iss


@pytest.mark.parametrize(
    "iss",
    [
        "https://oidc.eks.us.west.amazonaws.com/id/x",  # * does not match "."
        "https://oidc.eks.x.amazonaws.com/id/a/b",  # * does not match "/"
        "https://oidc.eks..amazonaws.com/id/x",  # * matches at least one character
        "https://attacker.example/?https://oidc.eks.x.amazonaws.com/id/y",  # anchored start
        "https://oidc.eks.x.amazonaws.com/id/y.attacker.example",  # anchored end
        "https://oidc.eks.x.amazonaws.com/id/y?",
        "https://oidcXeks.x.amazonaws.com/id/y",  # "." is literal
        "https://oidc.eks.%2e.amazonaws.com/id/y",
    ],
)
def test_meta_issuer_refusals(iss: str) -> None:
    with pytest.raises(AuthenticationError, match="is not configured; configured issuers: "):
        REGISTRY.lookup(iss)


def test_exact_issuer_wins_over_meta() -> None:
    gh = "https://token.actions.githubusercontent.com"
    assert REGISTRY.lookup(gh) is REGISTRY.issuers[gh]
    assert REGISTRY.lookup(gh + "/acme").issuer_url == gh + "/acme"


def test_unknown_issuer_lists_configured_ones() -> None:
    with pytest.raises(AuthenticationError) as info:
        REGISTRY.lookup("https://evil.example.com")
    assert "issuer 'https://evil.example.com' is not configured" in str(info.value)
    assert "https://accounts.google.com" in str(info.value)


# --- defaults ---------------------------------------------------------------------------------


def test_default_issuers() -> None:
    registry = default_issuers()
    assert {u: c.type for u, c in registry.issuers.items()} == {
        "https://accounts.google.com": IssuerType.EMAIL,
        "https://github.com/login/oauth": IssuerType.EMAIL,
        "https://login.microsoftonline.com": IssuerType.EMAIL,
        "https://token.actions.githubusercontent.com": IssuerType.CI_PROVIDER,
        "https://gitlab.com": IssuerType.CI_PROVIDER,
    }
    tenant = "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
    assert registry.lookup(tenant).type == IssuerType.EMAIL


def test_default_issuers_private_urls() -> None:
    gitlab = "https://gitlab.internal.example.com"
    extra = {gitlab: IssuerConfig(issuer_url=gitlab, type=IssuerType.CI_PROVIDER,
                                  ci_provider="gitlab-pipeline", client_id="fulcio")}  # fmt: skip
    registry = default_issuers(kubernetes_issuer="https://kubernetes.default.svc", extra=extra)
    assert registry.lookup(gitlab).audiences == ("fulcio",)
    assert registry.lookup("https://kubernetes.default.svc").type == IssuerType.KUBERNETES


def test_registry_checks_programmatic_configs() -> None:
    bad = IssuerConfig(issuer_url="https://x.example.com", type=IssuerType.SPIFFE)
    with pytest.raises(FormatError, match="SPIFFE trust domain"):
        IssuerRegistry(issuers={bad.issuer_url: bad})
    with pytest.raises(FormatError, match="must equal the key"):
        IssuerRegistry(issuers={"https://other.example.com": bad})
