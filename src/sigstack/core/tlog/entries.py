"""Entry kinds of the transparency log: validate, verify, canonicalize, index.

A submitted entry goes in as request bytes and comes out as a :class:`CanonicalEntry`
whose ``body`` is the Merkle leaf data (transparency-log.md §1.2–§1.3, §2.1). Every
refusal is a ``sigstack.errors`` exception naming the offending field:
``FormatError`` (malformed), ``UnsupportedError`` (unknown kind, version, algorithm or
key type), ``SignatureError`` (the signature does not verify).

=======================  ===================  =============================================
API                      kind / apiVersion    module
=======================  ===================  =============================================
Rekor v1 ``ProposedEntry``  hashedrekord 0.0.1  :mod:`.hashedrekord` (sigstore-python, -js)
Rekor v1 ``ProposedEntry``  dsse 0.0.1          :mod:`.dsse` (sigstore-python, -js)
Rekor v1 ``ProposedEntry``  intoto 0.0.2        :mod:`.intoto` (sigstore-js legacy mode)
Rekor v2 ``CreateEntryRequest``  hashedrekord 0.0.2  :mod:`.hashedrekord`
Rekor v2 ``CreateEntryRequest``  dsse 0.0.2     :mod:`.dsse` (sigstore-js)
=======================  ===================  =============================================
"""

from __future__ import annotations

from collections.abc import Callable

from sigstack.core.tlog import dsse, hashedrekord, intoto
from sigstack.core.tlog.common import (
    CanonicalEntry,
    JSONObject,
    describe,
    get_object,
    get_str,
    load_object,
)
from sigstack.errors import FormatError, UnsupportedError

__all__ = ["CanonicalEntry", "parse_create_entry_request_v2", "parse_proposed_entry_v1"]

_V1: dict[str, tuple[str, Callable[[JSONObject], CanonicalEntry]]] = {
    "hashedrekord": ("0.0.1", hashedrekord.parse_v001),
    "dsse": ("0.0.1", dsse.parse_v001),
    "intoto": ("0.0.2", intoto.parse_v002),
}
_V2: dict[str, Callable[[JSONObject], CanonicalEntry]] = {
    "hashedRekordRequestV002": hashedrekord.parse_v002,
    "dsseRequestV002": dsse.parse_v002,
}


def parse_proposed_entry_v1(data: bytes) -> CanonicalEntry:
    """Parse a Rekor v1 ``ProposedEntry`` (``POST /api/v1/log/entries`` body)."""
    entry = load_object(data)
    kind = get_str(entry, "kind", "")
    supported = _V1.get(kind)
    if supported is None:
        raise UnsupportedError(
            f"expected one of {', '.join(_V1)}, found {describe(kind)}", field="kind"
        )
    version, parse = supported
    api_version = get_str(entry, "apiVersion", "")
    if api_version != version:
        raise UnsupportedError(
            f"expected apiVersion {version} for kind {kind}, found {describe(api_version)}",
            field="apiVersion",
        )
    return parse(get_object(entry, "spec", ""))


def parse_create_entry_request_v2(data: bytes) -> CanonicalEntry:
    """Parse a Rekor v2 ``CreateEntryRequest`` (``POST /api/v2/log/entries`` body)."""
    request = load_object(data)
    present = [name for name in _V2 if request.get(name) is not None]
    if len(present) == 1:
        name = present[0]
        return _V2[name](get_object(request, name, ""))
    if present:
        raise FormatError(
            f"expected exactly one of {', '.join(_V2)}, found both", field=", ".join(present)
        )
    others = sorted(name for name in request if name not in _V2)
    if others:
        found = ", ".join(repr(o[:40]) for o in others[:5])
        raise UnsupportedError(
            f"expected one of {', '.join(_V2)}, found {found}", field=others[0][:40]
        )
    raise FormatError(f"expected one of {', '.join(_V2)}, found nothing")
