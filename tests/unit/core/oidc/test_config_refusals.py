"""Issuer configuration refusals: each a FormatError naming the key path (spec §5)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sigstack.core.oidc.issuers import parse_issuer_config
from sigstack.errors import FormatError


def issuer_doc(**fields: Any) -> bytes:
    url = fields.pop("_url", "https://auth.example.com")
    section = fields.pop("_section", "OIDCIssuers")
    return json.dumps({section: {url: {"Type": "email", **fields}}}).encode()


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        (issuer_doc(Type="magic"), "OIDCIssuers.https://auth.example.com.Type",
         "unknown issuer type 'magic'; supported: email, uri"),
        (issuer_doc(Type="gitlab-pipeline"), ".Type", "legacy Fulcio type: use type ci-provider"),
        (issuer_doc(Type=None), ".Type", "expected a string"),
        (b'{"OIDCIssuers": {"https://a.example.com": {"ClientID": "sigstore"}}}', ".Type",
         "required"),
        (issuer_doc(SubjectDomian="example.com"), ".SubjectDomian", "unknown key"),
        (issuer_doc(IssuerURL="https://other.example.com"), ".IssuerURL", "differs from its key"),
        (issuer_doc(ClientID=42), ".ClientID", "expected a string, found 42"),
        (issuer_doc(ClientID=""), ".ClientID", "must not be empty"),
        (issuer_doc(ClientID="a", **{"client-id": "b"}), ".client-id", "given twice"),
        (issuer_doc(SkipEmailVerification="yes"), ".SkipEmailVerification", "true or false"),
        (issuer_doc(Type="uri", IssuerClaim="$.x"), ".IssuerClaim", "only email issuers"),
        (issuer_doc(Type="spiffe"), ".SPIFFETrustDomain", "valid SPIFFE trust domain"),
        (issuer_doc(Type="spiffe", SPIFFETrustDomain="Bad Domain"), ".SPIFFETrustDomain", "valid"),
        (issuer_doc(Type="spiffe", SPIFFETrustDomain="example.org", _url="https://*.example.org",
                    _section="MetaIssuers"), "MetaIssuers.https://*.example.org",
         "cannot be meta issuers"),
        (issuer_doc(Type="uri"), ".SubjectDomain", "need a subject domain"),
        (issuer_doc(Type="uri", SubjectDomain="example.com"), ".SubjectDomain", "with a scheme"),
        (issuer_doc(Type="uri", SubjectDomain="https://evil.org"), ".SubjectDomain",
         "share its top two labels with the issuer host 'auth.example.com'"),
        (issuer_doc(Type="username", SubjectDomain="https://example.com"), ".SubjectDomain",
         "must not have a scheme"),
        (issuer_doc(Type="username", SubjectDomain="evil.org"), ".SubjectDomain", "top two labels"),
        (issuer_doc(Type="ci-provider"), ".CIProvider", "must name their CI provider"),
        (issuer_doc(Type="ci-provider", CIProvider="jenkins"), ".CIProvider",
         "no CIIssuerMetadata entry named 'jenkins'"),
        (issuer_doc(_url="auth.example.com"), ".IssuerURL", "not an absolute URL"),
        (issuer_doc(_url="https://*.example.com"), "OIDCIssuers.https://*.example.com",
         "must not contain a * wildcard"),
        (issuer_doc(_section="MetaIssuers"), "MetaIssuers.https://auth.example.com",
         "must contain a * wildcard"),
        (b'{"OIDCIssuer": {}}', "OIDCIssuer", "unknown key"),
        (b"{}", None, "no issuers configured"),
        (b"[1, 2]", "(top level)", "expected a mapping"),
        (b'{"OIDCIssuers": []}', "OIDCIssuers", "expected a mapping"),
        (b"oidc-issuers: [unclosed", None, "neither JSON nor YAML"),
        (b"\xff\xfe", None, "not UTF-8"),
    ],
)  # fmt: skip
def test_config_refusals(data: bytes, field: str | None, fragment: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_issuer_config(data)
    assert fragment in info.value.message
    if field is None:
        assert info.value.field is None
    else:
        assert info.value.field is not None
        assert info.value.field.endswith(field) or info.value.field == field


def ci_doc(metadata: dict[str, Any]) -> bytes:
    return json.dumps({
        "OIDCIssuers": {"https://ci.example.com": {"Type": "ci-provider", "CIProvider": "x"}},
        "CIIssuerMetadata": {"x": metadata},
    }).encode()  # fmt: skip


@pytest.mark.parametrize(
    ("metadata", "field", "fragment"),
    [
        ({}, "CIIssuerMetadata.x.SubjectAlternativeNameTemplate", "required"),
        ({"SubjectAlternativeNameTemplate": "{{ .a "}, "CIIssuerMetadata.x", "bad template"),
        ({"SubjectAlternativeNameTemplate": "{{ range .a }}{{ end }}"}, "CIIssuerMetadata.x",
         "bad template"),
        ({"SubjectAlternativeNameTemplate": "{{ printf .a }}"}, "CIIssuerMetadata.x",
         "function 'printf' not defined"),
        ({"SubjectAlternativeNameTemplate": "a", "ExtensionTemplates": {"Nope": "a"}},
         "CIIssuerMetadata.x.ExtensionTemplates.Nope", "not a Fulcio extension name"),
        ({"SubjectAlternativeNameTemplate": "a", "ExtensionTemplates": {"BuildTrigger": 1}},
         "CIIssuerMetadata.x.ExtensionTemplates.BuildTrigger", "expected a string"),
        ({"SubjectAlternativeNameTemplate": "a", "Surprise": 1}, "CIIssuerMetadata.x.Surprise",
         "unknown key"),
    ],
)  # fmt: skip
def test_ci_metadata_refusals(metadata: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_issuer_config(ci_doc(metadata))
    assert fragment in info.value.message
    assert info.value.field == field
