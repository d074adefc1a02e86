"""The ClientTrustConfig fields signing needs (sigstore-clients.md §2.1, §2.3, §2.5).

The trusted root is parsed by :mod:`sigstack.core.trust.parse`; of the signing config
only the services are read here (until core.trust parses SigningConfig too).
Service selection follows sigstore-python (§2.5): a service counts when its
``majorApiVersion`` is supported and ``validFor`` holds ``now``; one per ``operator``
(highest version, the last listed on a tie); then the selector (``ALL``/``ANY``/``EXACT``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.serialization import load_der_public_key

from sigstack.core.trust.model import TrustedRoot
from sigstack.errors import FormatError

__all__ = ["CTKey", "Endpoint", "ct_keys", "ct_keys_at", "select_services"]


@dataclass(frozen=True)
class Endpoint:
    """A selected service: its URL and major API version."""

    url: str
    major_api_version: int


@dataclass(frozen=True)
class CTKey:
    """A CT log key of the trusted root and the window it is trusted for."""

    public_key: Any  # cryptography public key (EC or RSA)
    start: datetime | None
    end: datetime | None


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"expected an object, found {value!r:.60}", field=field)
    return value


def _time(text: object, field: str) -> datetime:
    if not isinstance(text, str):
        raise FormatError(f"expected an RFC 3339 time, found {text!r:.40}", field=field)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise FormatError(f"expected an RFC 3339 time, found {text!r}", field=field) from exc


def _window(value: object, field: str) -> tuple[datetime | None, datetime | None]:
    if value is None:
        return None, None
    valid = _object(value, field)
    start = _time(valid["start"], f"{field}.start") if "start" in valid else None
    end = _time(valid["end"], f"{field}.end") if "end" in valid else None
    return start, end


def _holds(window: tuple[datetime | None, datetime | None], now: datetime) -> bool:
    start, end = window
    return (start is None or start <= now) and (end is None or now <= end)


def select_services(
    config: Mapping[str, Any],
    key: str,
    supported: Collection[int],
    now: datetime,
    selector_key: str | None = None,
) -> list[Endpoint]:
    """The services of ``config[key]`` sigstore-python would use at ``now`` (§2.5)."""
    services = config.get(key, [])
    if not isinstance(services, list):
        raise FormatError(f"expected a list, found {services!r:.60}", field=key)
    by_operator: dict[str, Endpoint] = {}
    for index, raw in enumerate(services):
        field = f"{key}[{index}]"
        service = _object(raw, field)
        url, version = service.get("url"), service.get("majorApiVersion")
        if not isinstance(url, str) or not isinstance(version, int):
            raise FormatError("expected a url and a majorApiVersion", field=field)
        operator = str(service.get("operator", ""))
        if version not in supported or not _holds(_window(service.get("validFor"), field), now):
            continue
        kept = by_operator.get(operator)
        if kept is None or version >= kept.major_api_version:
            by_operator[operator] = Endpoint(url.rstrip("/"), version)
    chosen = list(by_operator.values())
    raw_selector = config.get(selector_key) if selector_key is not None else None
    selector = _object(raw_selector or {}, str(selector_key))
    kind = selector.get("selector", "ALL")
    if kind == "ANY":
        return chosen[:1]
    if kind == "EXACT":
        count = selector.get("count")
        if not isinstance(count, int) or len(chosen) < count:
            raise FormatError(
                f"expected {count} valid services in {key}, found {len(chosen)}", field=key
            )
        return chosen[:count]
    return chosen


def ct_keys(trusted_root: TrustedRoot) -> list[CTKey]:
    """Every ``ctlogs[].publicKey`` of the trusted root with its ``validFor`` (§2.3)."""
    keys: list[CTKey] = []
    for index, log in enumerate(trusted_root.ctlogs):
        try:
            key = load_der_public_key(log.public_key_der)
        except ValueError as exc:
            raise FormatError(
                f"expected a DER public key: {exc}", field=f"ctlogs[{index}].publicKey.rawBytes"
            ) from exc
        keys.append(CTKey(key, log.valid_for.start, log.valid_for.end))
    return keys


def ct_keys_at(keys: Sequence[CTKey], now: datetime) -> list[Any]:
    """The CT keys trusted at ``now`` (sigstore-python checks SCTs with keys valid now, §4.4)."""
    return [k.public_key for k in keys if _holds((k.start, k.end), now)]
