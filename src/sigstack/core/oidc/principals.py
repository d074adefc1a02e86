"""Verified claims → the identity a certificate certifies (Fulcio ``pkg/identity/*/principal.go``).

One function per issuer type (spec ca-tsa-oidc-tuf.md §4); each yields a :class:`Principal`:
the SAN, the Sigstore extensions of spec §3 (issuer in ``.1.1`` and ``.1.8``, CI claims in
``.1.2``-``.1.6`` and ``.1.9``-``.1.23``, token subject in ``.1.24``), and the ``challenge``
string proof of possession signs (Fulcio ``Principal.Name``, spec §1.3). The claims must come
from :func:`~sigstack.core.oidc.tokens.verify_token`; nothing here checks signatures or time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from sigstack.core.oidc import oids
from sigstack.core.oidc.ci_providers import GITHUB_WORKFLOW, CIProviderMetadata, compiled
from sigstack.core.oidc.issuers import IssuerConfig, IssuerType
from sigstack.core.oidc.templates import TemplateError, TemplateMissingKeyError
from sigstack.core.oidc.urls import is_email, parse_spiffe_id, parse_url
from sigstack.errors import AuthenticationError

__all__ = ["Principal", "principal_from_claims"]

# Fulcio's ``^.+@.+\..+$``, minus what cannot go into an rfc822Name (IA5String: ASCII, and no
# whitespace or control characters, which Python's ``$`` would also let through before a "\n").
_EMAIL_REGEX = re.compile(r"[!-~]+@[!-~]+\.[!-~]+")
_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")  # RFC 1123 names, as Kubernetes uses

# Legacy ``github-workflow`` type: every claim must be present (Fulcio pkg/identity/github).
_GITHUB_REQUIRED = (
    "job_workflow_ref", "sha", "event_name", "repository", "workflow", "ref", "job_workflow_sha",
    "runner_environment", "repository_id", "repository_owner", "repository_owner_id",
    "repository_visibility", "workflow_ref", "workflow_sha", "run_id", "run_attempt",
)  # fmt: skip


@dataclass(frozen=True)
class Principal:
    """What a certificate says about its subject.

    ``san_type`` ``"othername"`` is the Fulcio username SAN: an OtherName with type-id
    1.3.6.1.4.1.57264.1.7 holding ``san_value`` as a UTF8String (spec §3). ``extensions`` maps
    dotted OIDs to values, in Fulcio's render order, empty values left out.
    """

    san_type: Literal["email", "uri", "othername"]
    san_value: str
    extensions: Mapping[str, str]
    challenge: str

    @property
    def issuer(self) -> str:
        """The issuer the certificate names (``.1.8``): ``iss``, or the ``IssuerClaim`` value."""
        return self.extensions[oids.OID_ISSUER_V2]


def _ordered(values: Mapping[str, str]) -> Mapping[str, str]:
    """Fulcio ``Extensions.Render`` order: .1.1-.1.6, then .1.8-.1.24; empty values dropped."""
    arc = len(oids.SIGSTORE_OID_ARC) + 3
    items = [(k, v) for k, v in values.items() if v]
    return MappingProxyType(dict(sorted(items, key=lambda kv: int(kv[0][arc:]))))


def _base(issuer: str, subject: str) -> dict[str, str]:
    return {oids.OID_ISSUER_V1: issuer, oids.OID_ISSUER_V2: issuer, oids.OID_TOKEN_SUBJECT: subject}


def _string_claim(claims: Mapping[str, Any], name: str, why: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        found = "nothing" if value is None else repr(value)
        raise AuthenticationError(
            f"token needs a non-empty string {name} claim {why}; found {found}"
        )
    return value


def _challenge(config: IssuerConfig, claims: Mapping[str, Any], default: str) -> str:
    if config.challenge_claim is None:
        return default
    return _string_claim(claims, config.challenge_claim, "(the issuer's ChallengeClaim)")


def _claim_path(claims: Mapping[str, Any], path: str) -> str:
    """The string at a simple JSONPath ``$.a.b`` (Fulcio ``IssuerClaim``, e.g. Dex connector)."""
    value: Any = claims
    for part in path.removeprefix("$.").split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if not isinstance(value, str) or not value:
        raise AuthenticationError(f"token has no string claim at {path} (the issuer's IssuerClaim)")
    return value


def _email(config: IssuerConfig, claims: Mapping[str, Any], iss: str, sub: str) -> Principal:
    email = _string_claim(claims, "email", f"for the email issuer {iss}")
    verified = claims.get("email_verified")
    # A boolean, or the strings Fulcio also accepts; never 1 (which == True in Python).
    is_verified = verified is True or (isinstance(verified, str) and verified in ("true", "True"))
    if not config.skip_email_verification and not is_verified:
        raise AuthenticationError(
            f"token email_verified is {verified!r}; the email issuer {iss} must have verified"
            f" {email} (email_verified: true)"
        )
    if _EMAIL_REGEX.fullmatch(email) is None:
        raise AuthenticationError(f"token email {email!r} is not an email address")
    issuer = _claim_path(claims, config.issuer_claim) if config.issuer_claim else iss
    return Principal(
        "email", email, _ordered(_base(issuer, sub)), _challenge(config, claims, email)
    )


def _uri(config: IssuerConfig, claims: Mapping[str, Any], iss: str, sub: str) -> Principal:
    if is_email(sub):
        raise AuthenticationError(f"token sub {sub!r} is an email address; uri issuers need a URI")
    subject, domain = parse_url(sub), parse_url(config.subject_domain or "")
    assert domain is not None  # validated with the configuration
    if (
        subject is None
        or not sub.isascii()
        or subject.scheme != domain.scheme
        or subject.host != domain.host
    ):
        raise AuthenticationError(
            f"token sub {sub!r} must be a URI under {config.subject_domain} (same scheme and host)"
        )
    return Principal("uri", sub, _ordered(_base(iss, sub)), _challenge(config, claims, sub))


def _username(config: IssuerConfig, claims: Mapping[str, Any], iss: str, sub: str) -> Principal:
    if "!" in sub:
        raise AuthenticationError(f"token sub {sub!r} contains '!', which usernames cannot")
    if is_email(sub):
        raise AuthenticationError(f"token sub {sub!r} is an email address; expected a username")
    value = f"{sub}!{config.subject_domain}"
    return Principal("othername", value, _ordered(_base(iss, sub)), _challenge(config, claims, sub))


def _spiffe(config: IssuerConfig, claims: Mapping[str, Any], iss: str, sub: str) -> Principal:
    parsed = parse_spiffe_id(sub)
    if parsed is None:
        raise AuthenticationError(f"token sub {sub!r} is not a SPIFFE ID (spiffe://<domain>/...)")
    if parsed[0] != config.spiffe_trust_domain:
        raise AuthenticationError(
            f"token SPIFFE ID trust domain is {parsed[0]!r};"
            f" expected {config.spiffe_trust_domain!r}"
        )
    return Principal("uri", sub, _ordered(_base(iss, sub)), _challenge(config, claims, sub))


def _kubernetes(config: IssuerConfig, claims: Mapping[str, Any], iss: str, sub: str) -> Principal:
    k8s = claims.get("kubernetes.io")
    k8s = k8s if isinstance(k8s, Mapping) else {}
    account = k8s.get("serviceaccount")
    namespace = k8s.get("namespace")
    name = account.get("name") if isinstance(account, Mapping) else None
    for label, value in (("namespace", namespace), ("serviceaccount.name", name)):
        if not isinstance(value, str) or _K8S_NAME.match(value) is None:
            raise AuthenticationError(
                f"token kubernetes.io.{label} must be a Kubernetes name; found {value!r}"
            )
    uri = f"https://kubernetes.io/namespaces/{namespace}/serviceaccounts/{name}"
    return Principal("uri", uri, _ordered(_base(iss, sub)), _challenge(config, claims, sub))


def _stringify(value: Any) -> str:
    """Claims as Fulcio's templates see them: strings, integral numbers without ``.0``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    return "" if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True)


def _render(source: str, data: Mapping[str, str], what: str, provider: str) -> str:
    try:
        if "{{" not in source:
            if source not in data:
                raise TemplateMissingKeyError(source)
            return data[source]
        return compiled(source).render(data)
    except TemplateMissingKeyError as exc:
        raise AuthenticationError(
            f"token has no {exc.key} claim, which the {provider} {what} needs"
        ) from exc
    except TemplateError as exc:
        raise AuthenticationError(f"the {provider} {what} template failed: {exc}") from exc


def _ci(
    metadata: CIProviderMetadata, provider: str, claims: Mapping[str, Any], iss: str, sub: str
) -> Principal:
    data = dict(metadata.default_template_values)
    data.update({k: _stringify(v) for k, v in claims.items()})  # claims win over defaults
    san = _render(metadata.subject_alternative_name_template, data, "SAN template", provider)
    parsed = parse_url(san)
    if parsed is None or not parsed.host or not san.isascii():
        raise AuthenticationError(
            f"the {provider} SAN {san!r} rendered from the token is not a URI"
        )
    values = {oid: _render(src, data, f"{oid} template", provider) for oid, src in
              metadata.extension_templates.items() if src.strip()}  # fmt: skip
    values.update(_base(iss, sub))  # Issuer and Subject always come from the token
    return Principal("uri", san, _ordered(values), sub)


def _ci_provider(config: IssuerConfig, claims: Mapping[str, Any], iss: str, sub: str) -> Principal:
    metadata = config.ci_provider_metadata()
    if metadata is None:
        raise AuthenticationError(f"issuer {iss} names an unknown CI provider {config.ci_provider}")
    return _ci(metadata, config.ci_provider or "", claims, iss, sub)


def _github_workflow(
    config: IssuerConfig, claims: Mapping[str, Any], iss: str, sub: str
) -> Principal:
    for name in _GITHUB_REQUIRED:
        if claims.get(name) in (None, ""):
            raise AuthenticationError(f"token has no {name} claim; GitHub Actions tokens carry it")
    legacy = dict(GITHUB_WORKFLOW.extension_templates)
    del legacy[oids.OID_DEPLOYMENT_ENVIRONMENT]  # the legacy principal predates .1.23
    metadata = CIProviderMetadata(
        GITHUB_WORKFLOW.subject_alternative_name_template,
        legacy,
        GITHUB_WORKFLOW.default_template_values,
    )
    return _ci(metadata, "github-workflow", claims, iss, sub)


_BUILDERS: dict[IssuerType, Callable[[IssuerConfig, Mapping[str, Any], str, str], Principal]] = {
    IssuerType.EMAIL: _email,
    IssuerType.URI: _uri,
    IssuerType.USERNAME: _username,
    IssuerType.SPIFFE: _spiffe,
    IssuerType.KUBERNETES: _kubernetes,
    IssuerType.GITHUB_WORKFLOW: _github_workflow,
    IssuerType.CI_PROVIDER: _ci_provider,
}


def principal_from_claims(config: IssuerConfig, claims: Mapping[str, Any]) -> Principal:
    """The :class:`Principal` for verified ``claims`` from the issuer ``config`` (spec §4).

    ``claims["iss"]`` must equal ``config.issuer_url`` (a meta-issuer lookup returns the
    concrete URL) and ``sub`` must be a non-empty string. Raises
    :class:`~sigstack.errors.AuthenticationError` naming the claim that does not fit the type.
    """
    iss = _string_claim(claims, "iss", "(the issuer)")
    if iss != config.issuer_url:
        raise AuthenticationError(
            f"token issuer (iss) is {iss!r}; the configuration is for {config.issuer_url!r}"
        )
    sub = _string_claim(claims, "sub", "(the subject)")
    return _BUILDERS[config.type](config, claims, iss, sub)
