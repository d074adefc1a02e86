"""principal_from_claims for CI providers: GitHub Actions and GitLab (spec §3 table, §4)."""

from __future__ import annotations

from sigstack.core.oidc import oids
from sigstack.core.oidc.ci_providers import GITLAB_PIPELINE
from sigstack.core.oidc.issuers import IssuerConfig, IssuerType, default_issuers
from sigstack.core.oidc.principals import principal_from_claims
from sigstack.core.oidc.tokens import verify_token

from ._claims import ARC, CI_SHA, GH, GITHUB_CLAIMS, GITHUB_EXTENSIONS, GITLAB_CLAIMS, refused
from ._jwt import NOW, jwks, make_key, mint


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


def test_ci_san_must_be_an_ascii_uri() -> None:
    config = default_issuers().lookup("https://gitlab.com")
    refused(config, {**GITLAB_CLAIMS, "ci_config_ref_uri": "gitläb.com/x"}, "is not a URI")
    refused(config, {**GITLAB_CLAIMS, "ci_config_ref_uri": "/x y"}, "is not a URI")
