"""Client of an RFC 3161 timestamp authority (sigstore-clients.md §7.1).

``POST <url>`` verbatim (the signing config's ``tsaUrls[].url`` is the full endpoint, §3)
with ``Content-Type: application/timestamp-query`` and a DER ``TimeStampReq``; the answer
is the DER ``TimeStampResp``, returned as it came. Like sigstore-python, nothing is
verified here beyond "it decodes as a TimeStampResp": verification is the verifier's job.

Errors: transport failures and non-2xx answers are :class:`~sigstack.errors.NetworkError`;
a body that is not a ``TimeStampResp`` is a :class:`~sigstack.errors.FormatError`.
"""

from __future__ import annotations

import httpx
import rfc3161_client

from sigstack import __version__
from sigstack.clients._http import ContextClosing
from sigstack.clients.ca import post
from sigstack.errors import FormatError

__all__ = ["TSA_TIMEOUT", "TSAClient"]

#: sigstore-python's TSA timeout in seconds (§3).
TSA_TIMEOUT = 5.0


class TSAClient(ContextClosing):
    """One timestamp authority at ``url`` (the full endpoint, e.g. ``…/api/v1/timestamp``)."""

    def __init__(
        self,
        url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = TSA_TIMEOUT,
    ) -> None:
        self.url = url
        self._client = httpx.Client(
            transport=transport, timeout=timeout, headers={"User-Agent": f"sigstack/{__version__}"}
        )

    def timestamp(self, request_der: bytes) -> bytes:
        """The DER ``TimeStampResp`` answering ``request_der``."""
        headers = {
            "Content-Type": "application/timestamp-query",
            "Accept": "application/timestamp-reply",
        }
        response = post(self._client, self.url, request_der, headers, "TSA")
        body = response.content
        try:
            rfc3161_client.decode_timestamp_response(body)
        except ValueError as exc:
            raise FormatError(
                f"expected a DER TimeStampResp from POST {self.url}, found {body[:20]!r}: {exc}",
                field="TimeStampResp",
            ) from exc
        return body

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()
