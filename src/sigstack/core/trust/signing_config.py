"""Parse a SigningConfig v0.2 strictly, and select its services (sigstore-clients.md §2.5).

The inverse of :meth:`sigstack.core.trust.model.SigningConfig.to_json`, as strict as
sigstore-python 4.5.1's models (§2.1, §2.2): the one media type
``application/vnd.dev.sigstore.signingconfig.v0.2+json``, no unknown keys, every
service with a ``url``, an integer ``majorApiVersion``, a ``validFor`` with a zoned
``start``, and an ``operator``; selectors ``ALL`` | ``ANY`` | ``EXACT`` (+ ``count``).
An absent selector means ``ALL`` (sigstore-python), not the model's rendering default.

:func:`select` picks the services sigstore-python would use at ``now`` (§2.5):

1. keep a service when its ``majorApiVersion`` is supported and ``validFor`` holds
   ``now`` (both ends inclusive);
2. one per ``operator``: the highest version, the last listed on a tie;
3. the selector: ``ALL`` every one, ``ANY`` the first, ``EXACT`` the first ``count``
   (fewer is an error).

Pure: ``now`` is a parameter.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sigstack.core.trust.model import (
    SIGNING_CONFIG_MEDIA_TYPE,
    Service,
    ServiceConfig,
    SigningConfig,
    ValidFor,
)
from sigstack.errors import FormatError

__all__ = ["Selection", "parse_signing_config", "select", "select_services"]

_TOP_KEYS = frozenset(
    {"mediaType", "caUrls", "oidcUrls", "rekorTlogUrls", "tsaUrls", "rekorTlogConfig", "tsaConfig"}
)
_SERVICE_KEYS = frozenset({"url", "majorApiVersion", "validFor", "operator"})
_SELECTORS = ("ALL", "ANY", "EXACT")


def _object(value: object, field: str, allowed: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"expected an object, found {type(value).__name__}", field=field)
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise FormatError(f"unknown key(s) {', '.join(unknown)}", field=field)
    return value


def _time(value: object, field: str) -> datetime:
    if not isinstance(value, str):
        raise FormatError(f"expected an RFC 3339 time, found {value!r:.40}", field=field)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FormatError(f"expected an RFC 3339 time, found {value[:40]!r}", field=field) from None
    if moment.tzinfo is None:
        raise FormatError(f"expected a time with a UTC offset, found {value!r}", field=field)
    return moment


def _valid_for(value: object, field: str) -> ValidFor:
    window = _object(value, field, frozenset({"start", "end"}))
    if "start" not in window:
        raise FormatError("expected a start time, found none", field=f"{field}.start")
    start = _time(window["start"], f"{field}.start")
    end = _time(window["end"], f"{field}.end") if window.get("end") is not None else None
    try:
        return ValidFor(start, end)
    except FormatError as exc:
        raise FormatError(exc.message, field=field) from exc


def _service(value: object, field: str) -> Service:
    raw = _object(value, field, _SERVICE_KEYS)
    url, version, operator = raw.get("url"), raw.get("majorApiVersion"), raw.get("operator")
    if not isinstance(url, str) or not url:
        raise FormatError(f"expected a URL, found {url!r:.60}", field=f"{field}.url")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise FormatError(
            f"expected a positive integer, found {version!r:.20}", field=f"{field}.majorApiVersion"
        )
    if "validFor" not in raw:
        raise FormatError("expected a validFor window, found none", field=f"{field}.validFor")
    if not isinstance(operator, str) or not operator:
        raise FormatError(
            f"expected an operator name, found {operator!r:.40}", field=f"{field}.operator"
        )
    return Service(url, version, _valid_for(raw["validFor"], f"{field}.validFor"), operator)


def _services(document: Mapping[str, Any], key: str) -> tuple[Service, ...]:
    value = document.get(key, [])
    if not isinstance(value, list):
        raise FormatError(f"expected a list, found {type(value).__name__}", field=key)
    return tuple(_service(item, f"{key}[{index}]") for index, item in enumerate(value))


def _service_config(document: Mapping[str, Any], key: str) -> ServiceConfig:
    if key not in document:
        return ServiceConfig("ALL")  # absent: every valid service (sigstore-python)
    raw = _object(document[key], key, frozenset({"selector", "count"}))
    selector, count = raw.get("selector"), raw.get("count")
    if selector not in _SELECTORS:
        raise FormatError(
            f"expected a selector ALL, ANY or EXACT, found {selector!r:.40}",
            field=f"{key}.selector",
        )
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise FormatError(f"expected a positive count, found {count!r:.20}", field=f"{key}.count")
    try:
        return ServiceConfig(selector, count)
    except FormatError as exc:
        raise FormatError(exc.message, field=key) from exc


def parse_signing_config(data: bytes | str | Mapping[str, Any]) -> SigningConfig:
    """Parse a SigningConfig v0.2 document (bytes, text or decoded JSON); strict (§2.1, §2.5)."""
    if isinstance(data, Mapping):
        document: object = data
    else:
        try:
            document = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FormatError(f"expected JSON, found: {exc}", field="signingConfig") from None
    top = _object(document, "signingConfig", _TOP_KEYS)
    media_type = top.get("mediaType")
    if media_type != SIGNING_CONFIG_MEDIA_TYPE:
        raise FormatError(
            f"expected {SIGNING_CONFIG_MEDIA_TYPE}, found {media_type!r:.80}", field="mediaType"
        )
    return SigningConfig(
        ca_urls=_services(top, "caUrls"),
        oidc_urls=_services(top, "oidcUrls"),
        rekor_tlog_urls=_services(top, "rekorTlogUrls"),
        tsa_urls=_services(top, "tsaUrls"),
        rekor_tlog_config=_service_config(top, "rekorTlogConfig"),
        tsa_config=_service_config(top, "tsaConfig"),
    )


def _holds(window: ValidFor, now: datetime) -> bool:
    return window.start <= now and (window.end is None or now <= window.end)


def select_services(
    services: Sequence[Service],
    supported: Collection[int],
    now: datetime,
    config: ServiceConfig | None = None,
    *,
    field: str = "services",
) -> list[Service]:
    """The services of one list sigstore-python would use at ``now`` (§2.5, steps 1–3)."""
    by_operator: dict[str, Service] = {}
    for service in services:
        if service.major_api_version not in supported or not _holds(service.valid_for, now):
            continue
        kept = by_operator.get(service.operator)
        if kept is None or service.major_api_version >= kept.major_api_version:
            by_operator[service.operator] = service
    chosen = list(by_operator.values())
    selector = config or ServiceConfig("ALL")
    if selector.selector == "ANY":
        return chosen[:1]
    if selector.selector == "EXACT":
        count = selector.count or 0
        if len(chosen) < count:
            raise FormatError(
                f"expected {count} valid services in {field}, found {len(chosen)}", field=field
            )
        return chosen[:count]
    return chosen


class Selection(NamedTuple):
    """What to sign with (§2.5 step 4): the CA, the logs (sign to ``tlogs[0]``), every
    selected TSA, and the identity provider if any."""

    ca: Service
    tlogs: tuple[Service, ...]
    tsas: tuple[Service, ...]
    oidc: Service | None


def select(config: SigningConfig, now: datetime, *, rekor_version: int | None = None) -> Selection:
    """The services to use at ``now``; Rekor v1 and v2 unless ``rekor_version`` forces one.

    :class:`FormatError` when no CA or no log is valid, or an ``EXACT`` selector is short.
    """
    cas = select_services(config.ca_urls, {1}, now, field="caUrls")
    if not cas:
        raise FormatError("no valid CA in the signing config", field="caUrls")
    versions = {rekor_version} if rekor_version is not None else {1, 2}
    tlogs = select_services(
        config.rekor_tlog_urls, versions, now, config.rekor_tlog_config, field="rekorTlogUrls"
    )
    if not tlogs:
        wanted = f"Rekor v{rekor_version}" if rekor_version else "Rekor v1 or v2"
        raise FormatError(f"no valid {wanted} log in the signing config", field="rekorTlogUrls")
    tsas = select_services(config.tsa_urls, {1}, now, config.tsa_config, field="tsaUrls")
    oidcs = select_services(config.oidc_urls, {1}, now, field="oidcUrls")
    return Selection(cas[0], tuple(tlogs), tuple(tsas), oidcs[0] if oidcs else None)
