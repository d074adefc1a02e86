"""Sigstore (Fulcio) certificate extension OIDs, dotted (spec ca-tsa-oidc-tuf.md §3).

Root arc 1.3.6.1.4.1.57264 is Sigstore's private enterprise number; ``.1.x`` belong to Fulcio.
``.1.1``-``.1.6`` are encoded as raw string bytes, ``.1.8``-``.1.24`` as DER UTF8String; that is
the certificate builder's business: here they are only names for the values a principal carries.
"""

from __future__ import annotations

__all__ = [
    "EXTENSION_KEYS",
    "OID_BUILD_CONFIG_DIGEST",
    "OID_BUILD_CONFIG_URI",
    "OID_BUILD_SIGNER_DIGEST",
    "OID_BUILD_SIGNER_URI",
    "OID_BUILD_TRIGGER",
    "OID_DEPLOYMENT_ENVIRONMENT",
    "OID_GITHUB_WORKFLOW_NAME",
    "OID_GITHUB_WORKFLOW_REF",
    "OID_GITHUB_WORKFLOW_REPOSITORY",
    "OID_GITHUB_WORKFLOW_SHA",
    "OID_GITHUB_WORKFLOW_TRIGGER",
    "OID_ISSUER_V1",
    "OID_ISSUER_V2",
    "OID_OTHERNAME_USERNAME",
    "OID_RUNNER_ENVIRONMENT",
    "OID_RUN_INVOCATION_URI",
    "OID_SOURCE_REPOSITORY_DIGEST",
    "OID_SOURCE_REPOSITORY_IDENTIFIER",
    "OID_SOURCE_REPOSITORY_OWNER_IDENTIFIER",
    "OID_SOURCE_REPOSITORY_OWNER_URI",
    "OID_SOURCE_REPOSITORY_REF",
    "OID_SOURCE_REPOSITORY_URI",
    "OID_SOURCE_REPOSITORY_VISIBILITY",
    "OID_TOKEN_SUBJECT",
    "SIGSTORE_OID_ARC",
]

SIGSTORE_OID_ARC = "1.3.6.1.4.1.57264"
_F = SIGSTORE_OID_ARC + ".1."

OID_ISSUER_V1 = _F + "1"  # deprecated, raw bytes; still read by sigstore-python and SPIRE
OID_GITHUB_WORKFLOW_TRIGGER = _F + "2"
OID_GITHUB_WORKFLOW_SHA = _F + "3"
OID_GITHUB_WORKFLOW_NAME = _F + "4"
OID_GITHUB_WORKFLOW_REPOSITORY = _F + "5"
OID_GITHUB_WORKFLOW_REF = _F + "6"
OID_OTHERNAME_USERNAME = _F + "7"  # not an extension: the OtherName type-id inside the SAN
OID_ISSUER_V2 = _F + "8"
OID_BUILD_SIGNER_URI = _F + "9"
OID_BUILD_SIGNER_DIGEST = _F + "10"
OID_RUNNER_ENVIRONMENT = _F + "11"
OID_SOURCE_REPOSITORY_URI = _F + "12"
OID_SOURCE_REPOSITORY_DIGEST = _F + "13"
OID_SOURCE_REPOSITORY_REF = _F + "14"
OID_SOURCE_REPOSITORY_IDENTIFIER = _F + "15"
OID_SOURCE_REPOSITORY_OWNER_URI = _F + "16"
OID_SOURCE_REPOSITORY_OWNER_IDENTIFIER = _F + "17"
OID_BUILD_CONFIG_URI = _F + "18"
OID_BUILD_CONFIG_DIGEST = _F + "19"
OID_BUILD_TRIGGER = _F + "20"
OID_RUN_INVOCATION_URI = _F + "21"
OID_SOURCE_REPOSITORY_VISIBILITY = _F + "22"
OID_DEPLOYMENT_ENVIRONMENT = _F + "23"
OID_TOKEN_SUBJECT = _F + "24"

#: Fulcio's ``certificate.Extensions`` fields: (YAML key, JSON key, OID), in render order. These
#: are the keys of ``ExtensionTemplates`` in a ``CIIssuerMetadata`` entry (spec §4, §5).
EXTENSION_KEYS: tuple[tuple[str, str, str], ...] = (
    ("github-workflow-trigger", "GithubWorkflowTrigger", OID_GITHUB_WORKFLOW_TRIGGER),
    ("github-workflow-sha", "GithubWorkflowSHA", OID_GITHUB_WORKFLOW_SHA),
    ("github-workflow-name", "GithubWorkflowName", OID_GITHUB_WORKFLOW_NAME),
    ("github-workflow-repository", "GithubWorkflowRepository", OID_GITHUB_WORKFLOW_REPOSITORY),
    ("github-workflow-ref", "GithubWorkflowRef", OID_GITHUB_WORKFLOW_REF),
    ("build-signer-uri", "BuildSignerURI", OID_BUILD_SIGNER_URI),
    ("build-signer-digest", "BuildSignerDigest", OID_BUILD_SIGNER_DIGEST),
    ("runner-environment", "RunnerEnvironment", OID_RUNNER_ENVIRONMENT),
    ("source-repository-uri", "SourceRepositoryURI", OID_SOURCE_REPOSITORY_URI),
    ("source-repository-digest", "SourceRepositoryDigest", OID_SOURCE_REPOSITORY_DIGEST),
    ("source-repository-ref", "SourceRepositoryRef", OID_SOURCE_REPOSITORY_REF),
    (
        "source-repository-identifier",
        "SourceRepositoryIdentifier",
        OID_SOURCE_REPOSITORY_IDENTIFIER,
    ),
    ("source-repository-owner-uri", "SourceRepositoryOwnerURI", OID_SOURCE_REPOSITORY_OWNER_URI),
    (
        "source-repository-owner-identifier",
        "SourceRepositoryOwnerIdentifier",
        OID_SOURCE_REPOSITORY_OWNER_IDENTIFIER,
    ),
    ("build-config-uri", "BuildConfigURI", OID_BUILD_CONFIG_URI),
    ("build-config-digest", "BuildConfigDigest", OID_BUILD_CONFIG_DIGEST),
    ("build-trigger", "BuildTrigger", OID_BUILD_TRIGGER),
    ("run-invocation-uri", "RunInvocationURI", OID_RUN_INVOCATION_URI),
    (
        "source-repository-visibility-at-signing",
        "SourceRepositoryVisibilityAtSigning",
        OID_SOURCE_REPOSITORY_VISIBILITY,
    ),
    ("deployment-environment", "DeploymentEnvironment", OID_DEPLOYMENT_ENVIRONMENT),
)
