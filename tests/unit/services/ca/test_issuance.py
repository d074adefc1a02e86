"""Every issuer type end to end: token → principal → certificate with an embedded, valid SCT."""

from __future__ import annotations

from typing import Any

import pytest
from asn1crypto.core import OctetString
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from sigstack.core.ct.sct import (
    decode_sct_list,
    issuer_key_hash,
    precert_signed_data,
    verify_sct,
)
from tests.unit.services.ca.conftest import (
    EMAIL_ISSUER,
    GITHUB_ISSUER,
    GITLAB_ISSUER,
    K8S_ISSUER,
    LEGACY_GITHUB_ISSUER,
    SPIFFE_ISSUER,
    URI_ISSUER,
    USERNAME_ISSUER,
    CAHarness,
)
from tests.unit.services.ca.helpers import bearer, chain_of, csr_body, ext

ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"
ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"
SUBJECT = "1.3.6.1.4.1.57264.1.24"
BUILD_SIGNER_URI = "1.3.6.1.4.1.57264.1.9"
SOURCE_REPO_URI = "1.3.6.1.4.1.57264.1.12"
RUN_INVOCATION = "1.3.6.1.4.1.57264.1.21"
GH_TRIGGER = "1.3.6.1.4.1.57264.1.2"

GITHUB_CLAIMS: dict[str, Any] = {
    "sub": "repo:octo/app:ref:refs/heads/main",
    "job_workflow_ref": "octo/app/.github/workflows/release.yml@refs/heads/main",
    "job_workflow_sha": "a" * 40,
    "sha": "b" * 40,
    "event_name": "push",
    "repository": "octo/app",
    "workflow": "release",
    "ref": "refs/heads/main",
    "runner_environment": "github-hosted",
    "repository_id": "1234",
    "repository_owner": "octo",
    "repository_owner_id": "99",
    "repository_visibility": "public",
    "workflow_ref": "octo/app/.github/workflows/release.yml@refs/heads/main",
    "workflow_sha": "b" * 40,
    "run_id": "777",
    "run_attempt": "1",
}
GITLAB_CLAIMS: dict[str, Any] = {
    "sub": "project_path:grp/proj:ref_type:branch:ref:main",
    "ci_config_ref_uri": "gitlab.com/grp/proj//.gitlab-ci.yml@refs/heads/main",
    "ci_config_sha": "c" * 40,
    "runner_environment": "gitlab-hosted",
    "project_path": "grp/proj",
    "sha": "d" * 40,
    "ref_type": "branch",
    "ref": "main",
    "project_id": "42",
    "namespace_path": "grp",
    "namespace_id": "7",
    "pipeline_source": "push",
    "job_id": "555",
    "project_visibility": "private",
}

CASES: list[tuple[str, dict[str, Any], str, str]] = [
    (
        EMAIL_ISSUER,
        {"email": "alice@example.com", "email_verified": True},
        "email",
        "alice@example.com",
    ),
    (
        URI_ISSUER,
        {"sub": "https://example.com/users/alice"},
        "uri",
        "https://example.com/users/alice",
    ),
    (USERNAME_ISSUER, {"sub": "alice"}, "othername", "alice!example.org"),
    (
        SPIFFE_ISSUER,
        {"sub": "spiffe://example.net/ns/prod/sa/builder"},
        "uri",
        "spiffe://example.net/ns/prod/sa/builder",
    ),
    (
        K8S_ISSUER,
        {
            "sub": "system:serviceaccount:prod:builder",
            "kubernetes.io": {"namespace": "prod", "serviceaccount": {"name": "builder"}},
        },
        "uri",
        "https://kubernetes.io/namespaces/prod/serviceaccounts/builder",
    ),
    (
        GITHUB_ISSUER,
        GITHUB_CLAIMS,
        "uri",
        "https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main",
    ),
    (
        LEGACY_GITHUB_ISSUER,
        GITHUB_CLAIMS,
        "uri",
        "https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main",
    ),
    (
        GITLAB_ISSUER,
        GITLAB_CLAIMS,
        "uri",
        "https://gitlab.com/grp/proj//.gitlab-ci.yml@refs/heads/main",
    ),
]


def _san(cert: x509.Certificate) -> tuple[str, str]:
    ext_ = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert ext_.critical
    (name,) = list(ext_.value)
    if isinstance(name, x509.RFC822Name):
        return "email", name.value
    if isinstance(name, x509.UniformResourceIdentifier):
        return "uri", name.value
    assert isinstance(name, x509.OtherName)
    assert name.type_id.dotted_string == "1.3.6.1.4.1.57264.1.7"
    return "othername", name.value[2:].decode()  # DER UTF8String, short form


def check_profile(ca: CAHarness, certs: list[x509.Certificate], key: Any) -> None:
    """Fulcio's leaf profile (spec §2.1) and an SCT that verifies with the CT log key."""
    leaf, *chain = certs
    assert len(chain) == 2 and chain == ca.service.ca.chain
    assert leaf.subject == x509.Name([])
    assert leaf.public_key() == key.public_key()
    assert (
        leaf.not_valid_after_utc - leaf.not_valid_before_utc
        == ca.service.ca.settings.certificate_validity
    )
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CODE_SIGNING]
    leaf.verify_directly_issued_by(chain[0])
    sct_ext = leaf.extensions[-1]
    assert sct_ext.oid.dotted_string == "1.3.6.1.4.1.11129.2.4.2" and not sct_ext.critical
    der = leaf.extensions.get_extension_for_class(
        x509.PrecertificateSignedCertificateTimestamps
    ).value.public_bytes()
    (sct,) = decode_sct_list(OctetString.load(der).native)
    data = precert_signed_data(
        timestamp=sct.timestamp,
        issuer_key_hash=issuer_key_hash(chain[0]),
        tbs_certificate=leaf.tbs_precertificate_bytes,
        extensions=sct.extensions,
    )
    verify_sct(sct, data, ca.service.ctlog.public_key)


@pytest.mark.parametrize(
    ("url", "claims", "san_type", "san_value"), CASES, ids=[c[0].split("//")[1] for c in CASES]
)
def test_each_issuer_type_gets_its_certificate(
    ca: CAHarness, url: str, claims: dict[str, Any], san_type: str, san_value: str
) -> None:
    token = ca.issuer(url).token(**claims)
    body, key = csr_body()
    before = ca.ct_size()
    r = ca.client.post("/api/v2/signingCert", json=body, headers=bearer(token))
    assert r.status_code == 200, r.text
    certs = chain_of(r.json())
    check_profile(ca, certs, key)
    leaf = certs[0]
    assert _san(leaf) == (san_type, san_value)
    assert ext(leaf, ISSUER_V1) == url.encode()  # raw bytes, as sigstore-python reads it
    assert ext(leaf, ISSUER_V2)[2:] == url.encode()  # DER UTF8String
    assert ext(leaf, SUBJECT)[2:].decode() == claims.get("sub", "subject-1")
    if url in (GITHUB_ISSUER, LEGACY_GITHUB_ISSUER):
        assert ext(leaf, GH_TRIGGER) == b"push"
        assert (
            ext(leaf, RUN_INVOCATION)[2:]
            == b"https://github.com/octo/app/actions/runs/777/attempts/1"
        )
    if url == GITLAB_ISSUER:
        assert ext(leaf, SOURCE_REPO_URI)[2:] == b"https://gitlab.com/grp/proj"
    assert ca.ct_size() == before + 1


def test_credentials_in_the_body_win_over_the_header(ca: CAHarness) -> None:
    good = ca.issuer(EMAIL_ISSUER).token(email="c@example.com", email_verified=True)
    body, _ = csr_body()
    body["credentials"] = {"oidcIdentityToken": good}
    r = ca.client.post("/api/v2/signingCert", json=body, headers=bearer("not.a.token"))
    assert r.status_code == 200, r.text


def test_meta_issuer_wildcard(ca: CAHarness) -> None:
    url = GITHUB_ISSUER + "/octo-enterprise"
    ca.world.add(url)
    token = ca.issuer(url).token(**GITHUB_CLAIMS)
    body, _ = csr_body()
    r = ca.client.post("/api/v2/signingCert", json=body, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert ext(chain_of(r.json())[0], ISSUER_V1) == url.encode()
