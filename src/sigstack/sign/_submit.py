"""The two service calls every signer makes after signing: timestamps, then the log entry.

``request_timestamps``: an RFC 3161 timestamp of the signature bytes from every selected TSA,
with a SHA-256 imprint, a nonce and certReq as sigstore-python sends
(:mod:`sigstack.sign._tsq`, sigstore-clients.md §7.1); with Rekor v1 a
failing TSA is skipped, with Rekor v2 at least one must answer (§6.6). ``submit_entry``: the
entry to the selected log (v1 §5.1 / v2 §6.1) as the bundle's ``TransparencyLogEntry``,
refused unless the logged body holds the signature that was submitted.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sigstack.clients.tlog import RekorV1Client, RekorV2Client
from sigstack.clients.tsa import TSAClient
from sigstack.errors import Error, FormatError, NetworkError
from sigstack.sign._tsq import timestamp_request
from sigstack.sign.bundle import entry_from_v1, entry_from_v2, logged_signature
from sigstack.sign.context import SigningContext

if TYPE_CHECKING:
    import httpx

    from sigstack.clients._http import SharedTransport

__all__ = ["request_timestamps", "submit_entry"]


def request_timestamps(
    context: SigningContext,
    signature: bytes,
    *,
    transport: httpx.BaseTransport | SharedTransport | None,
) -> list[bytes]:
    """Every selected TSA's DER answer for ``signature``."""
    found: list[bytes] = []
    failures: list[str] = []
    for url in context.tsa_urls:
        try:
            with TSAClient(url, transport=transport) as tsa:
                found.append(tsa.timestamp(timestamp_request(signature)))
        except Error as exc:
            failures.append(f"{url}: {exc}")
    if context.rekor_version == 2 and not found:
        raise NetworkError(
            "signing with Rekor v2 needs a signed timestamp and no TSA gave one: "
            + ("; ".join(failures) or "no TSA selected")
        )
    return found


def submit_entry(
    context: SigningContext,
    signature: bytes,
    *,
    v1: Callable[[], dict[str, Any]],
    v2: Callable[[], dict[str, Any]],
    transport: httpx.BaseTransport | SharedTransport | None,
) -> dict[str, Any]:
    """Submit ``v1()`` or ``v2()`` to the selected log; the bundle's ``TransparencyLogEntry``."""
    if context.rekor_version == 1:
        with RekorV1Client(context.rekor_url, transport=transport) as log1:
            entry = entry_from_v1(log1.create_entry(v1()))
    else:
        with RekorV2Client(context.rekor_url, transport=transport) as log2:
            entry = entry_from_v2(log2.create_entry(v2()))
    if logged_signature(entry) != base64.b64encode(signature).decode():
        raise FormatError(
            "the log's entry does not hold the signature that was submitted",
            field="canonicalizedBody",
        )
    return entry
