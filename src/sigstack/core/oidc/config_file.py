"""Fulcio's issuer configuration file, JSON or YAML (``pkg/config/config.go``; spec §5).

Like Fulcio, JSON is tried first, then YAML. Each key may be spelled the JSON way
(``OIDCIssuers``, ``IssuerURL``…) or the YAML way (``oidc-issuers``, ``issuer-url``…) in either
format. Unlike Fulcio, unknown keys are refused rather than ignored, so a misspelt
``SubjectDomian`` cannot silently weaken a check; the top-level ``define`` key (YAML anchors in
Fulcio's public config) is allowed. Every refusal is a :class:`~sigstack.errors.FormatError`
whose ``field`` is the key path, e.g. ``OIDCIssuers.https://x.example.Type``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from sigstack.core.oidc import oids
from sigstack.core.oidc.ci_providers import CIProviderMetadata
from sigstack.core.oidc.issuers import IssuerConfig, IssuerRegistry, IssuerType, validate_issuer
from sigstack.core.oidc.templates import TemplateError
from sigstack.errors import FormatError

__all__ = ["parse_issuer_config"]

_ISSUERS = ("OIDCIssuers", "oidc-issuers")
_META = ("MetaIssuers", "meta-issuers")
_CI = ("CIIssuerMetadata", "ci-issuer-metadata")

# IssuerConfig field -> (JSON key, YAML key); Environment is accepted and not used.
_FIELDS: dict[str, tuple[str, str]] = {
    "issuer_url": ("IssuerURL", "issuer-url"),
    "client_id": ("ClientID", "client-id"),
    "type": ("Type", "type"),
    "ci_provider": ("CIProvider", "ci-provider"),
    "issuer_claim": ("IssuerClaim", "issuer-claim"),
    "subject_domain": ("SubjectDomain", "subject-domain"),
    "spiffe_trust_domain": ("SPIFFETrustDomain", "spiffe-trust-domain"),
    "challenge_claim": ("ChallengeClaim", "challenge-claim"),
    "description": ("Description", "description"),
    "contact": ("Contact", "contact"),
    "environment": ("Environment", "environment"),
    "ca_cert": ("CACert", "ca-cert"),
    "skip_email_verification": ("SkipEmailVerification", "skip-email-verification"),
}
_CI_FIELDS = {
    "default": ("DefaultTemplateValues", "default-template-values"),
    "extensions": ("ExtensionTemplates", "extension-templates"),
    "san": ("SubjectAlternativeNameTemplate", "subject-alternative-name-template"),
}
_EXTENSION_OIDS = {key: oid for yaml_key, json_key, oid in oids.EXTENSION_KEYS
                   for key in (yaml_key, json_key)}  # fmt: skip
_LEGACY_TYPES = ("gitlab-pipeline", "buildkite-job", "codefresh-workflow", "chainguard-identity")


def _load(data: bytes) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"issuer configuration is not UTF-8: {exc}") from exc
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FormatError(f"issuer configuration is neither JSON nor YAML: {exc}") from exc


def _mapping(value: Any, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise FormatError(f"expected a mapping with string keys, found {value!r:.80}", field=path)
    return value


def _take(
    entry: Mapping[str, Any], spellings: Mapping[str, tuple[str, str]], path: str
) -> dict[str, tuple[Any, str]]:
    """Known keys of ``entry`` by field name, with the spelling used; unknown keys refused."""
    by_key = {key: name for name, pair in spellings.items() for key in pair}
    found: dict[str, tuple[Any, str]] = {}
    for key, value in entry.items():
        name = by_key.get(key)
        if name is None:
            known = ", ".join(pair[0] for pair in spellings.values())
            raise FormatError(f"unknown key; expected one of {known}", field=f"{path}.{key}")
        if name in found:
            raise FormatError(f"given twice, as {found[name][1]} and {key}", field=f"{path}.{key}")
        found[name] = (value, key)
    return found


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise FormatError(f"expected a string, found {value!r:.80}", field=path)
    return value


def _scalar(value: Any, path: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _string(value, path)


def _ci_metadata(entry: Any, path: str) -> CIProviderMetadata:
    fields = _take(_mapping(entry, path), _CI_FIELDS, path)
    san, san_key = fields.get("san", (None, _CI_FIELDS["san"][0]))
    if not san:
        raise FormatError("required, and must not be empty", field=f"{path}.{san_key}")
    defaults_raw, defaults_key = fields.get("default", ({}, ""))
    defaults = {
        k: _scalar(v, f"{path}.{defaults_key}.{k}")
        for k, v in _mapping(defaults_raw, f"{path}.{defaults_key}").items()
    }
    templates_raw, templates_key = fields.get("extensions", ({}, ""))
    templates: dict[str, str] = {}
    for key, value in _mapping(templates_raw, f"{path}.{templates_key}").items():
        key_path = f"{path}.{templates_key}.{key}"
        if key in ("Issuer", "issuer"):
            continue  # Fulcio always takes the issuer from the token
        if key not in _EXTENSION_OIDS:
            raise FormatError("not a Fulcio extension name", field=key_path)
        templates[_EXTENSION_OIDS[key]] = _string(value, key_path)
    try:
        return CIProviderMetadata(_string(san, f"{path}.{san_key}"), templates, defaults)
    except TemplateError as exc:
        raise FormatError(f"bad template: {exc}", field=path) from exc


def _issuer_type(value: Any, path: str) -> IssuerType:
    text = _string(value, path)
    try:
        return IssuerType(text)
    except ValueError:
        hint = " (a legacy Fulcio type: use type ci-provider)" if text in _LEGACY_TYPES else ""
        supported = ", ".join(t.value for t in IssuerType)
        raise FormatError(
            f"unknown issuer type {text!r}{hint}; supported: {supported}", field=path
        ) from None


def _issuer(
    url: str, entry: Any, path: str, ci: Mapping[str, CIProviderMetadata], *, meta: bool
) -> IssuerConfig:
    fields = _take(_mapping(entry, path), _FIELDS, path)
    keys = {name: fields.get(name, (None, pair[0]))[1] for name, pair in _FIELDS.items()}
    values: dict[str, Any] = {}
    for name, (value, key) in fields.items():
        if name == "skip_email_verification":
            if not isinstance(value, bool):
                raise FormatError(f"expected true or false, found {value!r}", field=f"{path}.{key}")
            values[name] = value
        elif name == "type":
            values[name] = _issuer_type(value, f"{path}.{key}")
        elif name != "environment":
            values[name] = _string(value, f"{path}.{key}")
    if "type" not in values:
        raise FormatError("required", field=f"{path}.{keys['type']}")
    if values.setdefault("issuer_url", url) != url:
        found = values["issuer_url"]
        raise FormatError(
            f"{found!r} differs from its key {url!r}", field=f"{path}.{keys['issuer_url']}"
        )
    provider = values.get("ci_provider")
    if values["type"] == IssuerType.CI_PROVIDER and isinstance(provider, str) and provider in ci:
        values["ci_metadata"] = ci[provider]
    config = IssuerConfig(**values)
    validate_issuer(config, meta=meta, path=path, keys=keys)
    return config


def parse_issuer_config(data: bytes) -> IssuerRegistry:
    """Parse Fulcio's ``OIDCIssuers``, ``MetaIssuers`` and ``CIIssuerMetadata`` (spec §5).

    ``CIIssuerMetadata`` entries override the built-in ``github-workflow`` and
    ``gitlab-pipeline`` ones; a ci-provider issuer naming neither is refused.
    """
    top = _mapping(_load(data), "(top level)")
    spellings = {"issuers": _ISSUERS, "meta": _META, "ci": _CI, "define": ("define", "define")}
    fields = _take(top, spellings, "")
    ci_raw, ci_key = fields.get("ci", ({}, _CI[0]))
    ci = {
        name: _ci_metadata(entry, f"{ci_key}.{name}")
        for name, entry in _mapping(ci_raw, ci_key).items()
    }
    registries: dict[str, dict[str, IssuerConfig]] = {"issuers": {}, "meta": {}}
    for section, (json_key, _) in (("issuers", _ISSUERS), ("meta", _META)):
        raw, key = fields.get(section, ({}, json_key))
        for url, entry in _mapping(raw, key).items():
            path = f"{key}.{url}"
            if (section == "meta") != ("*" in url):
                want = "must contain" if section == "meta" else "must not contain"
                raise FormatError(f"{want} a * wildcard", field=path)
            registries[section][url] = _issuer(url, entry, path, ci, meta=section == "meta")
    if not registries["issuers"] and not registries["meta"]:
        raise FormatError(f"no issuers configured: add {_ISSUERS[0]} or {_META[0]} entries")
    return IssuerRegistry(issuers=registries["issuers"], meta_issuers=registries["meta"])
