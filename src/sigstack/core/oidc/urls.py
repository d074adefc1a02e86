"""Small URL and SPIFFE ID checks for issuer validation and principals (spec §4, §5).

``urllib`` is outside the pure core (import-linter contract), and these checks need only the
scheme and host of an absolute URL (RFC 3986 §3) and the SPIFFE ID grammar (spiffe/spiffe
``standards/SPIFFE-ID.md`` §2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Url",
    "is_email",
    "parse_spiffe_id",
    "parse_url",
    "same_registered_domain",
    "valid_trust_domain",
]

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(?://([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TRUST_DOMAIN = re.compile(r"^[a-z0-9._-]+$")
_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class Url:
    """The parts of an absolute URL the checks need; ``host`` is lowercased, without port."""

    scheme: str
    host: str
    path: str
    has_userinfo: bool
    has_port: bool
    has_query_or_fragment: bool


def parse_url(value: str) -> Url | None:
    """Split an absolute URL (RFC 3986 §3) or return ``None`` when it is not one."""
    match = _URL.match(value)
    if match is None or any(c.isspace() for c in value):
        return None
    scheme, authority, path, query, fragment = match.groups()
    authority = authority or ""
    userinfo, _, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = hostport.partition(":")
    return Url(
        scheme=scheme.lower(),
        host=host.lower(),
        path=path,
        has_userinfo=bool(userinfo) or "@" in authority,
        has_port=bool(port) or hostport.endswith(":"),
        has_query_or_fragment=query is not None or fragment is not None,
    )


def is_email(value: str) -> bool:
    """Loosely an email address (``local@domain.tld``), as Fulcio's ``IsEmail`` refusals need."""
    return _EMAIL.match(value) is not None


def same_registered_domain(host_a: str, host_b: str) -> bool:
    """Whether two hosts share their last two labels (Fulcio ``isURISubjectAllowed``)."""
    labels_a, labels_b = host_a.lower().split("."), host_b.lower().split(".")
    if len(labels_a) < 2 or len(labels_b) < 2:
        return host_a.lower() == host_b.lower()
    return labels_a[-2:] == labels_b[-2:]


def valid_trust_domain(value: str) -> bool:
    """A SPIFFE trust domain name: lowercase letters, digits, ``.``, ``-``, ``_`` (§2.1)."""
    return _TRUST_DOMAIN.match(value) is not None


def parse_spiffe_id(value: str) -> tuple[str, str] | None:
    """``spiffe://<trust domain><path>`` → ``(trust domain, path)``, or ``None`` if invalid.

    SPIFFE-ID.md §2: scheme ``spiffe`` (lowercase), trust domain of ``[a-z0-9._-]``, no userinfo,
    port, query or fragment; path segments non-empty, of ``[A-Za-z0-9._-]``, not ``.``/``..``,
    no trailing slash.
    """
    if not value.startswith("spiffe://"):
        return None
    rest = value[len("spiffe://") :]
    trust_domain, slash, path = rest.partition("/")
    if not valid_trust_domain(trust_domain):
        return None
    if not slash:
        return trust_domain, ""
    for segment in path.split("/"):
        if segment in {".", ".."} or _PATH_SEGMENT.match(segment) is None:
            return None
    return trust_domain, "/" + path
