"""Trust material as values, rendered as protobuf-specs JSON (sigstore-clients.md §2).

``TrustedRoot`` v0.1, ``SigningConfig`` v0.2 and ``ClientTrustConfig`` v0.1, as
``protos/sigstore_trustroot.proto`` defines them and sigstore-python 4.5.1 parses them
with its strict models (§2.1): camelCase keys, ``bytes`` as standard base64, timestamps
as RFC 3339 in UTC with a ``Z``, no unknown or empty optional keys.

Pure: values in, dictionaries and bytes out. Times are fields, never read from a clock.
The values are immutable ``NamedTuple`` records, not dataclasses: this module is on the
start-up path of ``sigstack sign-blob``, where creating eight dataclasses (and importing
``dataclasses``/``inspect``) cost ~10 ms (docs/adr/0005-start-up-path.md).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, Protocol, Self

from sigstack.errors import FormatError

__all__ = [
    "CLIENT_TRUST_CONFIG_MEDIA_TYPE",
    "SIGNING_CONFIG_MEDIA_TYPE",
    "TRUSTED_ROOT_MEDIA_TYPE",
    "CertificateAuthority",
    "ClientTrustConfig",
    "Service",
    "ServiceConfig",
    "SigningConfig",
    "TransparencyLogInstance",
    "TrustedRoot",
    "ValidFor",
    "render",
    "rfc3339",
]

#: The only media types sigstore-python 4.5 accepts for each document (§2.2).
TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
SIGNING_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
CLIENT_TRUST_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"


def rfc3339(moment: datetime) -> str:
    """``moment`` as RFC 3339 UTC with ``Z`` and whole seconds (§2.1: a naive time crashes)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise FormatError(f"a trust-root time needs a time zone, found naive {moment!r}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class _Renderable(Protocol):
    def to_json(self) -> dict[str, Any]: ...


class _TimeRange(NamedTuple):
    start: datetime
    end: datetime | None = None


class ValidFor(_TimeRange):
    """protobuf-specs ``TimeRange``: ``start`` required, ``end`` open when ``None``."""

    __slots__ = ()

    def __new__(cls, start: datetime, end: datetime | None = None) -> Self:
        rfc3339(start)
        if end is not None and rfc3339(end) < rfc3339(start):
            raise FormatError(f"validFor ends ({end}) before it starts ({start})")
        return super().__new__(cls, start, end)

    def to_json(self) -> dict[str, Any]:
        """``{"start": …, "end"?: …}``."""
        out = {"start": rfc3339(self.start)}
        if self.end is not None:
            out["end"] = rfc3339(self.end)
        return out


class TransparencyLogInstance(NamedTuple):
    """One Rekor or CT log key (§2.3 ``TransparencyLogInstance``)."""

    base_url: str
    public_key_der: bytes  # DER SubjectPublicKeyInfo
    key_details: str  # protobuf-specs PublicKeyDetails name
    valid_for: ValidFor
    log_id: bytes
    checkpoint_key_id: bytes | None = None
    operator: str | None = None
    hash_algorithm: str = "SHA2_256"

    def to_json(self) -> dict[str, Any]:
        """The protobuf-JSON object."""
        out: dict[str, Any] = {
            "baseUrl": self.base_url,
            "hashAlgorithm": self.hash_algorithm,
            "publicKey": {
                "rawBytes": _b64(self.public_key_der),
                "keyDetails": self.key_details,
                "validFor": self.valid_for.to_json(),
            },
            "logId": {"keyId": _b64(self.log_id)},
        }
        if self.checkpoint_key_id is not None:
            out["checkpointKeyId"] = {"keyId": _b64(self.checkpoint_key_id)}
        if self.operator is not None:
            out["operator"] = self.operator
        return out


class CertificateAuthority(NamedTuple):
    """A CA or TSA chain (§2.3 ``CertificateAuthority``); chain order is the builder's rule."""

    organization: str
    common_name: str
    uri: str | None
    chain_der: tuple[bytes, ...]
    valid_for: ValidFor
    operator: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The protobuf-JSON object."""
        out: dict[str, Any] = {
            "subject": {"organization": self.organization, "commonName": self.common_name}
        }
        if self.uri is not None:
            out["uri"] = self.uri
        out["certChain"] = {"certificates": [{"rawBytes": _b64(c)} for c in self.chain_der]}
        out["validFor"] = self.valid_for.to_json()
        if self.operator is not None:
            out["operator"] = self.operator
        return out


class TrustedRoot(NamedTuple):
    """``TrustedRoot`` v0.1 (§2.3): keep every past instance, each with its ``validFor``."""

    tlogs: Sequence[TransparencyLogInstance]
    certificate_authorities: Sequence[CertificateAuthority]
    ctlogs: Sequence[TransparencyLogInstance]
    timestamp_authorities: Sequence[CertificateAuthority] = ()

    def to_json(self) -> dict[str, Any]:
        """The protobuf-JSON document."""
        return {
            "mediaType": TRUSTED_ROOT_MEDIA_TYPE,
            "tlogs": [t.to_json() for t in self.tlogs],
            "certificateAuthorities": [c.to_json() for c in self.certificate_authorities],
            "ctlogs": [c.to_json() for c in self.ctlogs],
            "timestampAuthorities": [t.to_json() for t in self.timestamp_authorities],
        }


class Service(NamedTuple):
    """A ``Service`` of a signing config (§2.5); ``operator`` is required by sigstore-python."""

    url: str
    major_api_version: int
    valid_for: ValidFor
    operator: str

    def to_json(self) -> dict[str, Any]:
        """The protobuf-JSON object."""
        return {
            "url": self.url,
            "majorApiVersion": self.major_api_version,
            "validFor": self.valid_for.to_json(),
            "operator": self.operator,
        }


class ServiceConfig:
    """``ServiceConfiguration``: selector ``ALL`` | ``ANY`` | ``EXACT`` (with ``count``).

    A plain immutable class: a ``NamedTuple`` field may not be called ``count``."""

    __slots__ = ("count", "selector")
    selector: str
    count: int | None

    def __init__(self, selector: str = "ANY", count: int | None = None) -> None:
        if selector not in ("ALL", "ANY", "EXACT"):
            raise FormatError(f"selector must be ALL, ANY or EXACT, found {selector!r}")
        if (selector == "EXACT") != (count is not None):
            raise FormatError("a count goes with the EXACT selector, and only with it")
        object.__setattr__(self, "selector", selector)
        object.__setattr__(self, "count", count)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"ServiceConfig is immutable: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServiceConfig):
            return NotImplemented
        return (self.selector, self.count) == (other.selector, other.count)

    def __hash__(self) -> int:
        return hash((self.selector, self.count))

    def __repr__(self) -> str:
        return f"ServiceConfig(selector={self.selector!r}, count={self.count!r})"

    def to_json(self) -> dict[str, Any]:
        """The protobuf-JSON object."""
        out: dict[str, Any] = {"selector": self.selector}
        if self.count is not None:
            out["count"] = self.count
        return out


class SigningConfig(NamedTuple):
    """``SigningConfig`` v0.2 (§2.5); selectors default to ``ANY``, as sigstore-js requires."""

    ca_urls: Sequence[Service]
    oidc_urls: Sequence[Service]
    rekor_tlog_urls: Sequence[Service]
    tsa_urls: Sequence[Service]
    rekor_tlog_config: ServiceConfig = ServiceConfig()
    tsa_config: ServiceConfig = ServiceConfig()

    def to_json(self) -> dict[str, Any]:
        """The protobuf-JSON document."""
        return {
            "mediaType": SIGNING_CONFIG_MEDIA_TYPE,
            "caUrls": [s.to_json() for s in self.ca_urls],
            "oidcUrls": [s.to_json() for s in self.oidc_urls],
            "rekorTlogUrls": [s.to_json() for s in self.rekor_tlog_urls],
            "tsaUrls": [s.to_json() for s in self.tsa_urls],
            "rekorTlogConfig": self.rekor_tlog_config.to_json(),
            "tsaConfig": self.tsa_config.to_json(),
        }


class ClientTrustConfig(NamedTuple):
    """``ClientTrustConfig`` v0.1 (§2.1): what ``sigstore --trust-config FILE`` reads."""

    trusted_root: TrustedRoot
    signing_config: SigningConfig

    def to_json(self) -> dict[str, Any]:
        """The protobuf-JSON document."""
        return {
            "mediaType": CLIENT_TRUST_CONFIG_MEDIA_TYPE,
            "trustedRoot": self.trusted_root.to_json(),
            "signingConfig": self.signing_config.to_json(),
        }


def render(document: _Renderable) -> bytes:
    """The file bytes: indented JSON in field order, ending in a newline (deterministic)."""
    return (json.dumps(document.to_json(), indent=2) + "\n").encode()
