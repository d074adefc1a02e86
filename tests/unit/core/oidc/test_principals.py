"""principal_from_claims for email, uri, username, spiffe, kubernetes (spec §3 OIDs, §4)."""

from __future__ import annotations

from typing import Any

import pytest

from sigstack.core.oidc import oids
from sigstack.core.oidc.issuers import IssuerConfig, IssuerType, default_issuers
from sigstack.core.oidc.principals import principal_from_claims

from ._claims import ARC, principal, refused
from ._jwt import T

# --- email ------------------------------------------------------------------------------------

EMAIL = IssuerConfig(issuer_url="https://accounts.google.com", type=IssuerType.EMAIL)
GOOGLE: dict[str, Any] = {"iss": "https://accounts.google.com", "sub": "110169484474386276334",
          "email": "alice@example.com", "email_verified": True}  # fmt: skip


def test_email() -> None:
    p = principal_from_claims(EMAIL, GOOGLE)
    assert (p.san_type, p.san_value, p.challenge) == (
        "email",
        "alice@example.com",
        "alice@example.com",
    )
    assert dict(p.extensions) == {ARC + "1": GOOGLE["iss"], ARC + "8": GOOGLE["iss"],
                                  ARC + "24": GOOGLE["sub"]}  # fmt: skip


@pytest.mark.parametrize("verified", ["true", "True"])
def test_email_verified_as_string(verified: str) -> None:
    principal_from_claims(EMAIL, {**GOOGLE, "email_verified": verified})


@pytest.mark.parametrize("verified", [False, "false", None, 1, "yes"])
def test_email_not_verified(verified: Any) -> None:
    refused(EMAIL, {**GOOGLE, "email_verified": verified}, "email_verified is")


def test_email_verification_may_be_skipped_by_configuration() -> None:
    config = IssuerConfig(issuer_url=GOOGLE["iss"], type=IssuerType.EMAIL,
                          skip_email_verification=True)  # fmt: skip
    claims = {k: v for k, v in GOOGLE.items() if k != "email_verified"}
    assert principal_from_claims(config, claims).san_value == "alice@example.com"


@pytest.mark.parametrize(("email", "fragment"),
                         [(None, "non-empty string email claim"), ("", "non-empty string email"),
                          ("alice", "not an email address"), ("alice@localhost", "not an email")])  # fmt: skip
def test_email_missing_or_invalid(email: Any, fragment: str) -> None:
    refused(EMAIL, {**GOOGLE, "email": email}, fragment)


def test_email_issuer_claim_as_dex_does() -> None:
    """Public Sigstore's Dex: the certificate names the upstream IdP (spec §9.5)."""
    dex = "https://oauth2.sigstore.dev/auth"
    config = IssuerConfig(issuer_url=dex, type=IssuerType.EMAIL,
                          issuer_claim="$.federated_claims.connector_id")  # fmt: skip
    claims = {**GOOGLE, "iss": dex, "federated_claims": {
        "connector_id": "https://github.com/login/oauth", "user_id": "1234"}}  # fmt: skip
    p = principal_from_claims(config, claims)
    assert p.issuer == "https://github.com/login/oauth"
    assert p.extensions[oids.OID_ISSUER_V1] == "https://github.com/login/oauth"
    refused(config, {**GOOGLE, "iss": dex}, "no string claim at $.federated_claims.connector_id")


def test_challenge_claim_override() -> None:
    config = IssuerConfig(issuer_url=GOOGLE["iss"], type=IssuerType.EMAIL, challenge_claim="sub")
    assert principal_from_claims(config, GOOGLE).challenge == GOOGLE["sub"]


# --- uri, username, spiffe, kubernetes -----------------------------------------------------

URI = IssuerConfig(issuer_url="https://auth.example.com", type=IssuerType.URI,
                   subject_domain="https://example.com")  # fmt: skip


def test_uri() -> None:
    p = principal(URI, iss=URI.issuer_url, sub="https://example.com/users/alice")
    assert (p.san_type, p.san_value) == ("uri", "https://example.com/users/alice")
    assert p.challenge == "https://example.com/users/alice"
    assert p.extensions[oids.OID_TOKEN_SUBJECT] == "https://example.com/users/alice"


@pytest.mark.parametrize(("sub", "fragment"), [
    ("https://evil.example.org/users/alice", "must be a URI under https://example.com"),
    ("http://example.com/users/alice", "same scheme and host"),
    ("alice@example.com", "is an email address"),
    ("users/alice", "must be a URI under"),
])  # fmt: skip
def test_uri_refusals(sub: str, fragment: str) -> None:
    refused(URI, {"iss": URI.issuer_url, "sub": sub}, fragment)


USERNAME = IssuerConfig(issuer_url="https://auth.example.com", type=IssuerType.USERNAME,
                        subject_domain="example.com")  # fmt: skip


def test_username_is_an_othername() -> None:
    p = principal(USERNAME, iss=USERNAME.issuer_url, sub="alice")
    assert (p.san_type, p.san_value, p.challenge) == ("othername", "alice!example.com", "alice")


@pytest.mark.parametrize(("sub", "fragment"), [("al!ce", "contains '!'"),
                                               ("alice@example.com", "is an email address")])  # fmt: skip
def test_username_refusals(sub: str, fragment: str) -> None:
    refused(USERNAME, {"iss": USERNAME.issuer_url, "sub": sub}, fragment)


SPIFFE = IssuerConfig(issuer_url="https://oidc.example.org", type=IssuerType.SPIFFE,
                      spiffe_trust_domain="example.org")  # fmt: skip


def test_spiffe() -> None:
    p = principal(SPIFFE, iss=SPIFFE.issuer_url, sub="spiffe://example.org/ns/prod/sa/web")
    assert (p.san_type, p.san_value) == ("uri", "spiffe://example.org/ns/prod/sa/web")
    assert p.challenge == "spiffe://example.org/ns/prod/sa/web"


@pytest.mark.parametrize(("sub", "fragment"), [
    ("spiffe://other.org/ns/prod", "trust domain is 'other.org'; expected 'example.org'"),
    ("spiffe://example.org/a//b", "not a SPIFFE ID"),
    ("spiffe://example.org/a/../b", "not a SPIFFE ID"),
    ("spiffe://Example.org/a", "not a SPIFFE ID"),
    ("https://example.org/a", "not a SPIFFE ID"),
])  # fmt: skip
def test_spiffe_refusals(sub: str, fragment: str) -> None:
    refused(SPIFFE, {"iss": SPIFFE.issuer_url, "sub": sub}, fragment)


K8S_ISS = "https://kubernetes.default.svc.cluster.local"
K8S = IssuerConfig(issuer_url=K8S_ISS, type=IssuerType.KUBERNETES)
# A projected service-account token (spec §9.2).
K8S_CLAIMS: dict[str, Any] = {
    "aud": ["sigstore"], "exp": T + 600, "iat": T, "nbf": T, "iss": K8S_ISS,
    "jti": "b1f4c6a2-7d1e-4e0a-9c55-3b8f6f2d9e10",
    "kubernetes.io": {
        "namespace": "build",
        "node": {"name": "node-1", "uid": "0e8c5f8e-8f0a-4a3c-8e52-1f4b8b6c2d11"},
        "pod": {"name": "builder-7d9f8", "uid": "49ad3572-b3dd-43a6-8d77-5858d3660275"},
        "serviceaccount": {"name": "builder", "uid": "f5720c1d-e152-4356-a897-11b07aff165d"},
    },
    "sub": "system:serviceaccount:build:builder",
}  # fmt: skip


def test_kubernetes() -> None:
    p = principal_from_claims(K8S, K8S_CLAIMS)
    uri = "https://kubernetes.io/namespaces/build/serviceaccounts/builder"
    assert (p.san_type, p.san_value, p.challenge) == ("uri", uri, K8S_CLAIMS["sub"])
    assert p.extensions[oids.OID_TOKEN_SUBJECT] == "system:serviceaccount:build:builder"


@pytest.mark.parametrize(("k8s", "fragment"), [
    (None, "kubernetes.io.namespace must be a Kubernetes name; found None"),
    ({"namespace": "build"}, "serviceaccount.name must be"),
    ({"namespace": "a/../b", "serviceaccount": {"name": "x"}}, "found 'a/../b'"),
])  # fmt: skip
def test_kubernetes_refusals(k8s: Any, fragment: str) -> None:
    refused(K8S, {**K8S_CLAIMS, "kubernetes.io": k8s}, fragment)


def test_kubernetes_cluster_issuer_in_defaults() -> None:
    assert default_issuers(kubernetes_issuer=K8S_ISS).lookup(K8S_ISS) == K8S


# --- common -----------------------------------------------------------------------------------


def test_claims_from_another_issuer_are_refused() -> None:
    refused(EMAIL, {**GOOGLE, "iss": "https://evil.example.com"}, "the configuration is for")


@pytest.mark.parametrize("sub", [None, "", 42])
def test_sub_required(sub: Any) -> None:
    refused(EMAIL, {**GOOGLE, "sub": sub}, "string sub claim")


@pytest.mark.parametrize(
    "email", ["alice@example.com\n", "al ice@example.com", "alïce@example.com"]
)
def test_email_that_cannot_be_an_rfc822name(email: str) -> None:
    refused(EMAIL, {**GOOGLE, "email": email}, "not an email address")


def test_uri_subject_must_be_ascii() -> None:
    refused(URI, {"iss": URI.issuer_url, "sub": "https://example.com/ü"}, "must be a URI under")
