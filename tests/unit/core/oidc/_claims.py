"""Realistic claim sets for principal tests (spec ca-tsa-oidc-tuf.md §3, §9.2, §9.3)."""

from __future__ import annotations

from typing import Any

import pytest

from sigstack.core.oidc.issuers import IssuerConfig
from sigstack.core.oidc.principals import principal_from_claims
from sigstack.errors import AuthenticationError

from ._jwt import T

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
