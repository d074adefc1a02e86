"""principal_from_claims per issuer type (spec ca-tsa-oidc-tuf.md §3 OIDs, §4 identities)."""

from __future__ import annotations

from typing import Any

import pytest

from sigstack.core.oidc import oids
from sigstack.core.oidc.ci_providers import GITLAB_PIPELINE
from sigstack.core.oidc.issuers import IssuerConfig, IssuerType, default_issuers
from sigstack.core.oidc.principals import principal_from_claims
from sigstack.core.oidc.tokens import verify_token
from sigstack.errors import AuthenticationError

from ._jwt import NOW, T, jwks, make_key, mint

ARC = "1.3.6.1.4.1.57264.1."
GH = "https://token.actions.githubusercontent.com"
SHA = "8f1c5a3b2e9d4c7a6b5f0e1d2c3b4a5968778695"
JOB_SHA = "1e7b3c9d0a2f4e6b8c1d3f5a7b9c0e2d4f6a8b1c"

# A GitHub Actions ID token body as documented in docs.github.com "OpenID Connect reference"
# (claims listed in spec §9.3): a release workflow calling a reusable workflow, environment prod.
GITHUB_CLAIMS: dict[str, Any] = {
    "jti": "8a1a6e0b-6b2f-4d2c-9f6e-2f0e0c4e9b1d",
    "sub": "repo:octo-org/octo-repo:environment:prod",
    "aud": "sigstore",
    "environment": "prod",
    "ref": "refs/heads/main",
    "ref_type": "branch",
    "ref_protected": "true",
    "sha": SHA,
    "repository": "octo-org/octo-repo",
    "repository_id": "74",
    "repository_owner": "octo-org",
    "repository_owner_id": "65",
    "repository_visibility": "public",
    "actor": "octocat",
    "actor_id": "12",
    "run_id": "8844135211",
    "run_number": "10",
    "run_attempt": "2",
    "runner_environment": "github-hosted",
    "workflow": "Release",
    "workflow_ref": "octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main",
    "workflow_sha": SHA,
    "job_workflow_ref": "octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main",
    "job_workflow_sha": JOB_SHA,
    "event_name": "push",
    "head_ref": "",
    "base_ref": "",
    "iss": GH,
    "nbf": T - 5,
    "iat": T,
    "exp": T + 300,
}

# What Fulcio's public config renders for it (spec §3 table, "source" column).
GITHUB_EXTENSIONS = {
    ARC + "1": GH,
    ARC + "2": "push",
    ARC + "3": SHA,
    ARC + "4": "Release",
    ARC + "5": "octo-org/octo-repo",
    ARC + "6": "refs/heads/main",
    ARC + "8": GH,
    ARC
    + "9": "https://github.com/octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main",
    ARC + "10": JOB_SHA,
    ARC + "11": "github-hosted",
    ARC + "12": "https://github.com/octo-org/octo-repo",
    ARC + "13": SHA,
    ARC + "14": "refs/heads/main",
    ARC + "15": "74",
    ARC + "16": "https://github.com/octo-org",
    ARC + "17": "65",
    ARC
    + "18": "https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/heads/main",
    ARC + "19": SHA,
    ARC + "20": "push",
    ARC + "21": "https://github.com/octo-org/octo-repo/actions/runs/8844135211/attempts/2",
    ARC + "22": "public",
    ARC + "23": "prod",
    ARC + "24": "repo:octo-org/octo-repo:environment:prod",
}

CI_SHA = "714a629c0b401fdce83e847fc9589983fc6f46bc"
# A GitLab CI ID token body (docs.gitlab.com "ID token authentication"; spec §3 GitLab mapping).
GITLAB_CLAIMS: dict[str, Any] = {
    "namespace_id": "72",
    "namespace_path": "my-group",
    "project_id": "20",
    "project_path": "my-group/my-project",
    "user_id": "1",
    "user_login": "sample-user",
    "user_email": "sample-user@example.com",
    "user_access_level": "developer",
    "pipeline_id": "574",
    "pipeline_source": "push",
    "job_id": "302",
    "ref": "main",
    "ref_type": "branch",
    "ref_path": "refs/heads/main",
    "ref_protected": "true",
    "runner_id": 27,
    "runner_environment": "gitlab-hosted",
    "sha": CI_SHA,
    "project_visibility": "public",
    "ci_config_ref_uri": "gitlab.com/my-group/my-project//.gitlab-ci.yml@refs/heads/main",
    "ci_config_sha": CI_SHA,
    "jti": "235b3a54-b797-45c7-ae9a-f72d7bc6ef5b",
    "iss": "https://gitlab.com",
    "iat": T,
    "nbf": T - 5,
    "exp": T + 300,
    "sub": "project_path:my-group/my-project:ref_type:branch:ref:main",
    "aud": "sigstore",
}


def principal(config: IssuerConfig, **claims: Any) -> Any:
    return principal_from_claims(config, claims)


def refused(config: IssuerConfig, claims: dict[str, Any], fragment: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        principal_from_claims(config, claims)
    assert fragment in str(info.value)


# --- CI providers -----------------------------------------------------------------------------


def test_github_actions_end_to_end() -> None:
    """Mint → verify → look up the issuer → principal, as the CA does (spec §1.4)."""
    key = make_key("RS256")
    registry = default_issuers()
    config = registry.lookup(GH)
    claims = verify_token(mint(key, GITHUB_CLAIMS), jwks=jwks(key), issuer=config.issuer_url,
                          audiences=config.audiences, now=NOW)  # fmt: skip
    p = principal_from_claims(config, claims)
    assert p.san_type == "uri"
    assert p.san_value == GITHUB_EXTENSIONS[ARC + "9"]
    assert dict(p.extensions) == GITHUB_EXTENSIONS
    assert list(p.extensions) == list(GITHUB_EXTENSIONS)  # Fulcio render order
    assert p.challenge == GITHUB_CLAIMS["sub"]
    assert p.issuer == GH


def test_github_without_environment_omits_deployment_environment() -> None:
    claims = {k: v for k, v in GITHUB_CLAIMS.items() if k != "environment"}
    p = principal_from_claims(default_issuers().lookup(GH), claims)
    assert ARC + "23" not in p.extensions
    assert len(p.extensions) == len(GITHUB_EXTENSIONS) - 1


def test_github_enterprise_meta_issuer() -> None:
    iss = GH + "/octo-enterprise"
    config = default_issuers().lookup(iss)
    p = principal_from_claims(config, {**GITHUB_CLAIMS, "iss": iss})
    assert p.extensions[oids.OID_ISSUER_V1] == iss == p.extensions[oids.OID_ISSUER_V2]


def test_github_missing_claim() -> None:
    claims = {k: v for k, v in GITHUB_CLAIMS.items() if k != "job_workflow_ref"}
    refused(default_issuers().lookup(GH), claims, "no job_workflow_ref claim")


def test_legacy_github_workflow_type() -> None:
    config = IssuerConfig(issuer_url=GH, type=IssuerType.GITHUB_WORKFLOW)
    p = principal_from_claims(config, GITHUB_CLAIMS)
    expected = {k: v for k, v in GITHUB_EXTENSIONS.items() if k != ARC + "23"}
    assert dict(p.extensions) == expected
    refused(config, {**GITHUB_CLAIMS, "run_attempt": ""}, "no run_attempt claim")


def test_gitlab() -> None:
    p = principal_from_claims(default_issuers().lookup("https://gitlab.com"), GITLAB_CLAIMS)
    signer = "https://gitlab.com/my-group/my-project//.gitlab-ci.yml@refs/heads/main"
    assert (p.san_type, p.san_value) == ("uri", signer)
    assert dict(p.extensions) == {
        ARC + "1": "https://gitlab.com",
        ARC + "8": "https://gitlab.com",
        ARC + "9": signer,
        ARC + "10": CI_SHA,
        ARC + "11": "gitlab-hosted",
        ARC + "12": "https://gitlab.com/my-group/my-project",
        ARC + "13": CI_SHA,
        ARC + "14": "refs/heads/main",
        ARC + "15": "20",
        ARC + "16": "https://gitlab.com/my-group",
        ARC + "17": "72",
        ARC + "18": signer,
        ARC + "19": CI_SHA,
        ARC + "20": "push",
        ARC + "21": "https://gitlab.com/my-group/my-project/-/jobs/302",
        ARC + "22": "public",
        ARC + "24": GITLAB_CLAIMS["sub"],
    }
    # The token carries user_email, but a CI identity's proof of possession signs sub.
    assert p.challenge == GITLAB_CLAIMS["sub"]


def test_gitlab_tag_ref() -> None:
    claims = {**GITLAB_CLAIMS, "ref": "v1.2.0", "ref_type": "tag"}
    p = principal_from_claims(default_issuers().lookup("https://gitlab.com"), claims)
    assert p.extensions[oids.OID_SOURCE_REPOSITORY_REF] == "refs/tags/v1.2.0"


def test_gitlab_missing_template_claim() -> None:
    claims = {k: v for k, v in GITLAB_CLAIMS.items() if k != "ci_config_ref_uri"}
    refused(default_issuers().lookup("https://gitlab.com"), claims,
            "no ci_config_ref_uri claim, which the gitlab-pipeline SAN template needs")  # fmt: skip


def test_self_hosted_gitlab() -> None:
    """A private GitLab: the built-in templates with its URL as the default ``url``."""
    url = "https://gitlab.corp.example.com"
    config = IssuerConfig(issuer_url=url, type=IssuerType.CI_PROVIDER, ci_provider="gitlab-pipeline",
                          ci_metadata=GITLAB_PIPELINE.with_defaults(url=url))  # fmt: skip
    claims = {**GITLAB_CLAIMS, "iss": url,
              "ci_config_ref_uri": "gitlab.corp.example.com/g/p//.gitlab-ci.yml@refs/heads/main"}  # fmt: skip
    p = principal_from_claims(config, claims)
    assert p.san_value == "https://gitlab.corp.example.com/g/p//.gitlab-ci.yml@refs/heads/main"
    assert p.extensions[oids.OID_SOURCE_REPOSITORY_URI] == f"{url}/my-group/my-project"
    assert GITLAB_PIPELINE.default_template_values["url"] == "https://gitlab.com"  # unchanged


def test_claims_override_template_defaults() -> None:
    """Claims win over DefaultTemplateValues (Fulcio ``applyTemplateOrReplace``)."""
    claims = {**GITLAB_CLAIMS, "url": "https://gitlab.example.org"}
    p = principal_from_claims(default_issuers().lookup("https://gitlab.com"), claims)
    assert p.extensions[oids.OID_SOURCE_REPOSITORY_URI].startswith("https://gitlab.example.org/")


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


def test_ci_san_must_be_an_ascii_uri() -> None:
    config = default_issuers().lookup("https://gitlab.com")
    refused(config, {**GITLAB_CLAIMS, "ci_config_ref_uri": "gitläb.com/x"}, "is not a URI")
    refused(config, {**GITLAB_CLAIMS, "ci_config_ref_uri": "/x y"}, "is not a URI")


def test_uri_subject_must_be_ascii() -> None:
    refused(URI, {"iss": URI.issuer_url, "sub": "https://example.com/ü"}, "must be a URI under")
