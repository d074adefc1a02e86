"""Which OIDC issuers the CA trusts, and how (Fulcio ``pkg/config/config.go``; spec §5, §9).

An :class:`IssuerRegistry` holds exact issuers and *meta issuers* whose URL contains ``*``
wildcards. :func:`~sigstack.core.oidc.config_file.parse_issuer_config` reads Fulcio's
configuration file; :func:`default_issuers` gives ready-made entries a private deployment
only has to re-point.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType

from sigstack.core.oidc.ci_providers import BUILTIN_CI_PROVIDERS, CIProviderMetadata
from sigstack.core.oidc.urls import parse_url, same_registered_domain, valid_trust_domain
from sigstack.errors import AuthenticationError, FormatError

__all__ = [
    "IssuerConfig",
    "IssuerRegistry",
    "IssuerType",
    "default_issuers",
    "meta_issuer_regex",
    "parse_issuer_config",
    "validate_issuer",
]


class IssuerType(StrEnum):
    """Fulcio's ``IssuerType`` values that sigstack supports (spec §4)."""

    EMAIL = "email"
    URI = "uri"
    USERNAME = "username"
    SPIFFE = "spiffe"
    KUBERNETES = "kubernetes"
    GITHUB_WORKFLOW = "github-workflow"
    CI_PROVIDER = "ci-provider"


@dataclass(frozen=True, kw_only=True)
class IssuerConfig:
    """One ``OIDCIssuers`` / ``MetaIssuers`` entry (Fulcio ``config.OIDCIssuer``, spec §5).

    ``client_id`` is the audience the token must carry. ``ci_metadata`` is the resolved
    ``CIIssuerMetadata[ci_provider]`` entry (the built-in one when the file has none).
    """

    issuer_url: str
    client_id: str = "sigstore"
    type: IssuerType
    subject_domain: str | None = None
    spiffe_trust_domain: str | None = None
    ci_provider: str | None = None
    issuer_claim: str | None = None
    challenge_claim: str | None = None
    skip_email_verification: bool = False
    ci_metadata: CIProviderMetadata | None = None
    ca_cert: str | None = None
    description: str | None = None
    contact: str | None = None

    @property
    def audiences(self) -> tuple[str, ...]:
        """The accepted ``aud`` values, for :func:`~sigstack.core.oidc.tokens.verify_token`."""
        return (self.client_id,)

    def ci_provider_metadata(self) -> CIProviderMetadata | None:
        """The CI metadata: the configured entry, else the built-in one of that name."""
        if self.ci_metadata is not None:
            return self.ci_metadata
        return BUILTIN_CI_PROVIDERS.get(self.ci_provider or "")


def validate_issuer(
    config: IssuerConfig, *, meta: bool, path: str, keys: Mapping[str, str]
) -> None:
    """Fulcio's configuration checks for one issuer (spec §5 "Validation").

    ``path`` and ``keys`` (field name → the key as spelled in the file) shape the
    :class:`~sigstack.errors.FormatError` field, e.g. ``OIDCIssuers.https://x.SubjectDomain``.
    """

    def fail(message: str, key: str | None = None) -> FormatError:
        return _fail(path, keys, message, key)

    if not config.client_id:
        raise fail("must not be empty", "client_id")
    issuer = parse_url(config.issuer_url)
    if issuer is None or not issuer.host:
        raise fail(f"issuer URL {config.issuer_url!r} is not an absolute URL", "issuer_url")
    if config.issuer_claim is not None and config.type != IssuerType.EMAIL:
        raise fail(f"only email issuers may set it, this one is {config.type}", "issuer_claim")
    if config.type == IssuerType.SPIFFE:
        if meta:
            raise fail("spiffe issuers cannot be meta issuers")
        td = config.spiffe_trust_domain
        if td is None or not valid_trust_domain(td):
            raise fail(
                f"spiffe issuers need a valid SPIFFE trust domain, got {td!r}",
                "spiffe_trust_domain",
            )
    elif config.type in (IssuerType.URI, IssuerType.USERNAME):
        _validate_subject_domain(config, issuer.host, meta=meta, path=path, keys=keys)
    elif config.type == IssuerType.CI_PROVIDER:
        if not config.ci_provider:
            raise fail("ci-provider issuers must name their CI provider", "ci_provider")
        if config.ci_provider_metadata() is None:
            known = sorted(BUILTIN_CI_PROVIDERS)
            raise fail(
                f"no CIIssuerMetadata entry named {config.ci_provider!r}; built in: {known}",
                "ci_provider",
            )


def _fail(path: str, keys: Mapping[str, str], message: str, key: str | None) -> FormatError:
    return FormatError(message, field=f"{path}.{keys[key]}" if key else path)


def _validate_subject_domain(
    config: IssuerConfig, issuer_host: str, *, meta: bool, path: str, keys: Mapping[str, str]
) -> None:
    def fail(message: str, key: str) -> FormatError:
        return _fail(path, keys, message, key)

    domain = config.subject_domain
    if not domain:
        raise fail(f"{config.type} issuers need a subject domain", "subject_domain")
    parsed = parse_url(domain) if "://" in domain else None
    if config.type == IssuerType.URI:
        if parsed is None or not parsed.host:
            raise fail(f"{domain!r} must be a URL with a scheme for uri issuers", "subject_domain")
        host = parsed.host
    else:
        if "://" in domain:
            raise fail(f"{domain!r} must not have a scheme for username issuers", "subject_domain")
        host = domain.lower()
    if not meta and not same_registered_domain(host, issuer_host):
        raise fail(
            f"{domain!r} must share its top two labels with the issuer host {issuer_host!r}",
            "subject_domain",
        )


_JSON_KEYS = {
    "issuer_url": "IssuerURL",
    "client_id": "ClientID",
    "spiffe_trust_domain": "SPIFFETrustDomain",
    "subject_domain": "SubjectDomain",
    "ci_provider": "CIProvider",
    "issuer_claim": "IssuerClaim",
}


@lru_cache(maxsize=256)
def meta_issuer_regex(pattern: str) -> re.Pattern[str]:
    """Fulcio ``MetaRegex``: quote the URL, each ``*`` → ``[-_a-zA-Z0-9]+``, anchored.

    A ``*`` therefore never crosses a ``.`` or ``/`` (one host label or path segment), and the
    anchoring keeps ``https://evil/?https://good/x`` out (GHSA-59jp-pj84-45mr).
    """
    return re.compile(re.escape(pattern).replace(re.escape("*"), "[-_a-zA-Z0-9]+"))


@dataclass(frozen=True)
class IssuerRegistry:
    """Exact issuers by URL, and meta issuers by wildcard pattern (Fulcio ``GetIssuer``)."""

    issuers: Mapping[str, IssuerConfig] = field(default_factory=dict)
    meta_issuers: Mapping[str, IssuerConfig] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for url, config in self.issuers.items():
            path = f"OIDCIssuers.{url}"
            if config.issuer_url != url:
                raise FormatError(f"must equal the key {url!r}", field=f"{path}.IssuerURL")
            validate_issuer(config, meta=False, path=path, keys=_JSON_KEYS)
        for pattern, config in self.meta_issuers.items():
            validate_issuer(config, meta=True, path=f"MetaIssuers.{pattern}", keys=_JSON_KEYS)
        object.__setattr__(self, "issuers", MappingProxyType(dict(self.issuers)))
        object.__setattr__(self, "meta_issuers", MappingProxyType(dict(self.meta_issuers)))

    def lookup(self, issuer_url: str) -> IssuerConfig:
        """The configuration for a token's ``iss``: exact entries first, then meta issuers.

        A meta-issuer match yields its configuration with ``issuer_url`` set to ``issuer_url``
        (Fulcio builds a verifier per concrete issuer). Meta issuers are tried in the order
        given; raises :class:`~sigstack.errors.AuthenticationError` when nothing matches.
        """
        exact = self.issuers.get(issuer_url)
        if exact is not None:
            return exact
        for pattern, config in self.meta_issuers.items():
            if meta_issuer_regex(pattern).fullmatch(issuer_url):
                return replace(config, issuer_url=issuer_url)
        configured = sorted(self.issuers) + sorted(self.meta_issuers)
        raise AuthenticationError(
            f"issuer {issuer_url!r} is not configured; configured issuers: {', '.join(configured)}"
        )


GOOGLE = "https://accounts.google.com"
GITHUB_OAUTH = "https://github.com/login/oauth"
MICROSOFT = "https://login.microsoftonline.com"
GITHUB_ACTIONS = "https://token.actions.githubusercontent.com"
GITLAB = "https://gitlab.com"


def default_issuers(
    *,
    kubernetes_issuer: str | None = None,
    extra: Mapping[str, IssuerConfig] = MappingProxyType({}),
) -> IssuerRegistry:
    """Ready-made issuers (spec §5, §9; Fulcio's public ``config/identity/config.yaml``).

    Google, GitHub OAuth and Microsoft as ``email`` (plus the meta issuer
    ``https://login.microsoftonline.com/*/v2.0``, the per-tenant form Entra ID puts in ``iss``);
    GitHub Actions (also ``…/*`` for enterprise-scoped issuers) and GitLab.com as ``ci-provider``;
    the cluster's service-account issuer as ``kubernetes`` when given. ``extra`` adds or replaces
    exact entries, keyed by issuer URL.
    """

    def email(url: str) -> IssuerConfig:
        return IssuerConfig(issuer_url=url, type=IssuerType.EMAIL)

    def ci(url: str, provider: str) -> IssuerConfig:
        return IssuerConfig(issuer_url=url, type=IssuerType.CI_PROVIDER, ci_provider=provider)

    issuers: dict[str, IssuerConfig] = {
        GOOGLE: email(GOOGLE),
        GITHUB_OAUTH: email(GITHUB_OAUTH),
        MICROSOFT: email(MICROSOFT),
        GITHUB_ACTIONS: ci(GITHUB_ACTIONS, "github-workflow"),
        GITLAB: ci(GITLAB, "gitlab-pipeline"),
    }
    if kubernetes_issuer is not None:
        issuers[kubernetes_issuer] = IssuerConfig(
            issuer_url=kubernetes_issuer, type=IssuerType.KUBERNETES
        )
    issuers.update(extra)
    meta = {
        f"{MICROSOFT}/*/v2.0": email(f"{MICROSOFT}/*/v2.0"),
        f"{GITHUB_ACTIONS}/*": ci(f"{GITHUB_ACTIONS}/*", "github-workflow"),
    }
    return IssuerRegistry(issuers=issuers, meta_issuers=meta)


def parse_issuer_config(data: bytes) -> IssuerRegistry:
    """Read a Fulcio configuration file, JSON or YAML (spec §5).

    See :func:`sigstack.core.oidc.config_file.parse_issuer_config`.
    """
    from sigstack.core.oidc import config_file  # config_file builds on this module

    return config_file.parse_issuer_config(data)
