"""Identity policies (sigstore-clients.md §9.4) over a real Fulcio leaf from the conformance set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography import x509

from sigstack.verify import (
    AllOf,
    AnyOf,
    Extension,
    GitHubWorkflow,
    Identity,
    IdentityError,
    IdentityRegex,
    Issuer,
    UnsafeNoIdentityCheck,
    load_bundle,
)
from sigstack.verify.identity import certificate_issuer, certificate_san

CASES = Path("/work/shared/conformance/bundle-verify")
SUBJECT = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
ISSUER = "https://token.actions.githubusercontent.com"


@pytest.fixture(scope="module")
def leaf() -> x509.Certificate:
    bundle = load_bundle((CASES / "happy-path-v0.3" / "bundle.sigstore.json").read_bytes())
    assert bundle.leaf_der is not None
    return x509.load_der_x509_certificate(bundle.leaf_der)


def test_reads_san_and_issuer(leaf: x509.Certificate) -> None:
    assert certificate_san(leaf) == [SUBJECT]
    assert certificate_issuer(leaf) == ISSUER


def test_exact_identity(leaf: x509.Certificate) -> None:
    Identity(SUBJECT, ISSUER).verify(leaf)
    with pytest.raises(IdentityError, match="expected identity") as info:
        Identity(SUBJECT + "x", ISSUER).verify(leaf)
    assert info.value.code == "identity"
    with pytest.raises(IdentityError, match="OIDC issuer"):
        Identity(SUBJECT, "https://accounts.google.com").verify(leaf)
    with pytest.raises(IdentityError):  # no prefix matching on exact identities
        Identity(SUBJECT[:-5], ISSUER).verify(leaf)


def test_regex_identity_is_anchored(leaf: x509.Certificate) -> None:
    IdentityRegex(r"https://github\.com/sigstore-conformance/.*", re.escape(ISSUER)).verify(leaf)
    with pytest.raises(IdentityError, match="matching"):
        IdentityRegex(r"github\.com/sigstore-conformance", re.escape(ISSUER)).verify(leaf)
    with pytest.raises(IdentityError, match="OIDC issuer"):
        IdentityRegex(".*", r"https://token\.actions\.githubusercontent").verify(leaf)


def test_any_of(leaf: x509.Certificate) -> None:
    AnyOf([Identity("nobody", ISSUER), Identity(SUBJECT, ISSUER)]).verify(leaf)
    with pytest.raises(IdentityError, match="AnyOf"):
        AnyOf([Identity("a", ISSUER), Identity("b", ISSUER)]).verify(leaf)
    with pytest.raises(IdentityError):
        AnyOf([]).verify(leaf)


def test_all_of(leaf: x509.Certificate) -> None:
    AllOf([Identity(SUBJECT, ISSUER), IdentityRegex(".*", ".*")]).verify(leaf)
    with pytest.raises(IdentityError):
        AllOf([Identity(SUBJECT, ISSUER), Identity("other", ISSUER)]).verify(leaf)


def test_empty_all_of_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        AllOf([])


def test_unsafe_no_identity_check_accepts_anything(leaf: x509.Certificate) -> None:
    UnsafeNoIdentityCheck().verify(leaf)
    assert "UNSAFE" in (UnsafeNoIdentityCheck.__doc__ or "")


def test_issuer_only(leaf: x509.Certificate) -> None:
    Issuer(ISSUER).verify(leaf)
    with pytest.raises(IdentityError, match="OIDC issuer"):
        Issuer(ISSUER + "/").verify(leaf)
    AllOf([Issuer(ISSUER), IdentityRegex(r"https://github\.com/.*", ".*")]).verify(leaf)


def test_github_workflow_claims(leaf: x509.Certificate) -> None:
    repo = "sigstore-conformance/extremely-dangerous-public-oidc-beacon"
    GitHubWorkflow(
        repository=repo,
        ref="refs/heads/main",
        sha="c7b3dfb335f051e1c86bda4c716fac97df62ad81",
        trigger="workflow_dispatch",
        name="Extremely dangerous OIDC beacon",
    ).verify(leaf)
    with pytest.raises(IdentityError, match="repository"):
        GitHubWorkflow(repository=repo + "x").verify(leaf)
    with pytest.raises(IdentityError, match="ref"):
        GitHubWorkflow(repository=repo, ref="refs/heads/evil").verify(leaf)
    with pytest.raises(ValueError, match="at least one"):
        GitHubWorkflow()


def test_single_extension(leaf: x509.Certificate) -> None:
    Extension("1.3.6.1.4.1.57264.1.22", "public").verify(leaf)
    with pytest.raises(IdentityError, match=r"1\.22"):
        Extension("1.3.6.1.4.1.57264.1.22", "private").verify(leaf)
    with pytest.raises(IdentityError):
        Extension("1.3.6.1.4.1.57264.1.24", "x").verify(leaf)
