"""Client of an RFC 3161 timestamp authority (sigstore-clients.md §7.1).

``POST <url>`` verbatim (the signing config's ``tsaUrls[].url`` is the full endpoint, §3)
with ``Content-Type: application/timestamp-query`` and a DER ``TimeStampReq``; the answer
is the DER ``TimeStampResp``, returned as it came. Like sigstore-python, nothing is
verified here beyond "it decodes as a TimeStampResp": verification is the verifier's job.
That check is a DER walk of our own (:func:`check_timestamp_response`: well-formed TLVs
throughout, ``SEQUENCE { PKIStatusInfo SEQUENCE { status INTEGER, … }, [ContentInfo
SEQUENCE { contentType OID, [0] content }] }``, nothing after), so that signing does not
import rfc3161-client (docs/benchmarks.md).

Errors: transport failures and non-2xx answers are :class:`~sigstack.errors.NetworkError`;
a body that is not a ``TimeStampResp`` is a :class:`~sigstack.errors.FormatError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sigstack.clients._http import ContextClosing, Session, SharedTransport
from sigstack.clients.ca import post
from sigstack.core.x509.der import read_tlv
from sigstack.errors import FormatError

if TYPE_CHECKING:
    import httpx

__all__ = ["TSA_TIMEOUT", "TSAClient", "check_timestamp_response"]

#: sigstore-python's TSA timeout in seconds (§3).
TSA_TIMEOUT = 5.0
_SEQUENCE, _INTEGER, _OID, _EXPLICIT_0 = 0x30, 0x02, 0x06, 0xA0
_CONSTRUCTED, _HIGH_TAG = 0x20, 0x1F


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """The TLVs filling ``data[start:end]`` exactly, each checked well-formed all the way
    down (X.690 §8.1: definite lengths within their parent, low tag numbers)."""
    found: list[tuple[int, int, int]] = []
    pos = start
    while pos < end:
        tag, inner, after = read_tlv(data, pos, field="TimeStampResp")
        if after > end:
            raise FormatError(f"DER length at offset {pos} overruns its enclosing value")
        if tag & _HIGH_TAG == _HIGH_TAG:
            raise FormatError(f"unexpected DER tag 0x{tag:02x} at offset {pos}")
        if tag & _CONSTRUCTED:
            _children(data, inner, after)
        found.append((tag, inner, after))
        pos = after
    return found


def check_timestamp_response(body: bytes) -> None:
    """Raise :class:`~sigstack.errors.FormatError` unless ``body`` has the DER shape of a
    ``TimeStampResp`` (RFC 3161 §2.4.2), granted or not; nothing is verified."""
    outer = _children(body, 0, len(body))
    if len(outer) != 1 or outer[0][0] != _SEQUENCE:
        raise FormatError("expected one DER SEQUENCE spanning the whole answer")
    parts = _children(body, outer[0][1], outer[0][2])
    if not 1 <= len(parts) <= 2 or any(tag != _SEQUENCE for tag, _, _ in parts):
        raise FormatError(
            "expected SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }, "
            f"found {len(parts)} element(s) with tags {[hex(t) for t, _, _ in parts]}"
        )
    status = _children(body, parts[0][1], parts[0][2])
    if not status or status[0][0] != _INTEGER:
        raise FormatError("expected PKIStatusInfo to start with the status INTEGER")
    if len(parts) == 2:
        token = [tag for tag, _, _ in _children(body, parts[1][1], parts[1][2])]
        if token != [_OID, _EXPLICIT_0]:
            raise FormatError(
                "expected the timeStampToken ContentInfo { contentType OID, [0] content }"
            )


class TSAClient(ContextClosing):
    """One timestamp authority at ``url`` (the full endpoint, e.g. ``…/api/v1/timestamp``)."""

    def __init__(
        self,
        url: str,
        *,
        transport: httpx.BaseTransport | SharedTransport | None = None,
        timeout: float = TSA_TIMEOUT,
    ) -> None:
        self.url = url
        self._session = Session(transport, timeout)

    def timestamp(self, request_der: bytes) -> bytes:
        """The DER ``TimeStampResp`` answering ``request_der``."""
        headers = {
            "Content-Type": "application/timestamp-query",
            "Accept": "application/timestamp-reply",
        }
        response = post(self._session, self.url, request_der, headers, "TSA")
        body = response.content
        try:
            check_timestamp_response(body)
        except FormatError as exc:
            raise FormatError(
                f"expected a DER TimeStampResp from POST {self.url}, found {body[:20]!r}: {exc}",
                field="TimeStampResp",
            ) from exc
        return body

    def close(self) -> None:
        """Release the connection pool."""
        self._session.close()
