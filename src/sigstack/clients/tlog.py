"""Clients of the transparency log: Rekor v1 REST API and Rekor v2 / C2SP tlog-tiles.

Synchronous httpx, one method per endpoint (transparency-log.md §1.1, §2.1–2.2), answers
parsed into typed values. Nothing here trusts or verifies what the log says: that is
:mod:`sigstack.core.tlog.verify`, which callers run on these values.

Every failure is a :class:`sigstack.errors.Error`: transport failures and unexpected
statuses are :class:`~sigstack.errors.NetworkError`; statuses with a meaning of their own
map to the matching error (404 → :class:`~sigstack.errors.NotFoundError`, 409 →
:class:`~sigstack.errors.DuplicateEntryError`, 413 → :class:`~sigstack.errors.EntryTooLargeError`,
503 → :class:`~sigstack.errors.PushbackError`). The message keeps the server's
``{"code", "message"}`` verbatim. A 2xx answer that does not have the documented shape is a
:class:`~sigstack.errors.FormatError` naming the JSON field.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from sigstack import __version__
from sigstack.core.merkle.tiles import entries_path, tile_path
from sigstack.core.tlog.verify import InclusionProof, LogEntryV1
from sigstack.errors import (
    DuplicateEntryError,
    EntryTooLargeError,
    Error,
    FormatError,
    NetworkError,
    NotFoundError,
    PushbackError,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "ConsistencyProof",
    "LogInfo",
    "RekorV1Client",
    "RekorV2Client",
    "TransparencyLogEntryV2",
    "parse_log_entry_v1",
]

#: Seconds to wait for connect, read and write (an entry write waits for integration).
DEFAULT_TIMEOUT = 30.0
_USER_AGENT = f"sigstack/{__version__}"
_INDEX_IN_MESSAGE = re.compile(r"at index (\d+)")
_UUID_TAIL = re.compile(r"([0-9a-fA-F]{64})$")
_MAX_SHOWN = 300


@dataclass(frozen=True)
class LogInfo:
    """``GET /api/v1/log``: the latest tree head, unverified."""

    root_hash: bytes
    tree_size: int
    signed_tree_head: str
    tree_id: str


@dataclass(frozen=True)
class ConsistencyProof:
    """``GET /api/v1/log/proof``: hashes proving ``first_size`` ⊑ ``last_size``, unverified."""

    first_size: int
    last_size: int
    root_hash: bytes
    hashes: tuple[bytes, ...]


@dataclass(frozen=True)
class TransparencyLogEntryV2:
    """``POST /api/v2/log/entries``: protobuf-specs ``TransparencyLogEntry``, unverified."""

    log_index: int
    log_id: bytes
    kind: str
    version: str
    inclusion_proof: InclusionProof
    canonicalized_body: bytes


# -- JSON shape checks ---------------------------------------------------------------------


def _shape(field: str, expected: str, found: object) -> FormatError:
    shown = repr(found)
    if len(shown) > 60:
        shown = shown[:60] + "…"
    return FormatError(f"expected {expected} in the log's answer, found {shown}", field=field)


def _obj(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _shape(field, "an object", value)
    return value


def _str(obj: Mapping[str, Any], key: str, field: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise _shape(f"{field}.{key}", "a string", value)
    return value


def _int(obj: Mapping[str, Any], key: str, field: str, *, as_string: bool = False) -> int:
    value = obj.get(key)
    if as_string and isinstance(value, str) and value.isdigit():  # protobuf JSON uint64
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _shape(f"{field}.{key}", "a non-negative integer", value)
    return value


def _hex(text: str, field: str, size: int | None = 32) -> bytes:
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise _shape(field, "hex", text) from None
    if size is not None and len(raw) != size:
        raise _shape(field, f"{size} bytes of hex", text)
    return raw


def _b64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _shape(field, "base64", text) from None


def _inclusion_proof_v1(value: object, field: str) -> InclusionProof:
    proof = _obj(value, field)
    hashes = proof.get("hashes")
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise _shape(f"{field}.hashes", "a list of hex strings", hashes)
    return InclusionProof(
        log_index=_int(proof, "logIndex", field),
        tree_size=_int(proof, "treeSize", field),
        root_hash=_hex(_str(proof, "rootHash", field), f"{field}.rootHash"),
        hashes=tuple(_hex(h, f"{field}.hashes[{i}]") for i, h in enumerate(hashes)),
        checkpoint=_str(proof, "checkpoint", field),
    )


def parse_log_entry_v1(value: object) -> LogEntryV1:
    """A Rekor v1 ``LogEntry`` (``{"<entryUUID>": LogEntryAnon}``) as a :class:`LogEntryV1`."""
    entry_map = _obj(value, "entry")
    if len(entry_map) != 1:
        raise _shape("entry", "an object with exactly one entry UUID key", list(entry_map))
    ((uuid, anon_value),) = entry_map.items()
    field = f"entry[{uuid[:12]}…]"
    anon = _obj(anon_value, field)
    proof: InclusionProof | None = None
    promise: bytes | None = None
    verification = anon.get("verification")
    if verification is not None:
        checks = _obj(verification, f"{field}.verification")
        if "inclusionProof" in checks:
            proof = _inclusion_proof_v1(
                checks["inclusionProof"], f"{field}.verification.inclusionProof"
            )
        if "signedEntryTimestamp" in checks:
            promise = _b64(
                _str(checks, "signedEntryTimestamp", f"{field}.verification"),
                f"{field}.verification.signedEntryTimestamp",
            )
    return LogEntryV1(
        uuid=uuid,
        body=_b64(_str(anon, "body", field), f"{field}.body"),
        integrated_time=_int(anon, "integratedTime", field),
        log_id=_hex(_str(anon, "logID", field), f"{field}.logID"),
        log_index=_int(anon, "logIndex", field),
        inclusion_proof=proof,
        signed_entry_timestamp=promise,
    )


def _transparency_log_entry_v2(value: object) -> TransparencyLogEntryV2:
    field = "entry"
    entry = _obj(value, field)
    kind_version = _obj(entry.get("kindVersion"), f"{field}.kindVersion")
    proof = _obj(entry.get("inclusionProof"), f"{field}.inclusionProof")
    pf = f"{field}.inclusionProof"
    hashes = proof.get("hashes", [])
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise _shape(f"{pf}.hashes", "a list of base64 strings", hashes)
    envelope = _str(_obj(proof.get("checkpoint"), f"{pf}.checkpoint"), "envelope", pf)
    return TransparencyLogEntryV2(
        log_index=_int(entry, "logIndex", field, as_string=True),
        log_id=_b64(
            _str(_obj(entry.get("logId"), f"{field}.logId"), "keyId", f"{field}.logId"),
            f"{field}.logId.keyId",
        ),
        kind=_str(kind_version, "kind", f"{field}.kindVersion"),
        version=_str(kind_version, "version", f"{field}.kindVersion"),
        inclusion_proof=InclusionProof(
            log_index=_int(proof, "logIndex", pf, as_string=True),
            tree_size=_int(proof, "treeSize", pf, as_string=True),
            root_hash=_b64(_str(proof, "rootHash", pf), f"{pf}.rootHash"),
            hashes=tuple(_b64(h, f"{pf}.hashes[{i}]") for i, h in enumerate(hashes)),
            checkpoint=envelope,
        ),
        canonicalized_body=_b64(
            _str(entry, "canonicalizedBody", field), f"{field}.canonicalizedBody"
        ),
    )


# -- HTTP ----------------------------------------------------------------------------------


def _server_message(response: httpx.Response) -> str:
    """The ``message`` of a ``{"code", "message"}`` error body, else the start of the body."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    text = response.text.strip()
    return text[:_MAX_SHOWN] + ("…" if len(text) > _MAX_SHOWN else "") if text else "(no body)"


def _duplicate(response: httpx.Response, message: str, where: str) -> Error:
    index_text = response.headers.get("x-log-index")
    if index_text is None:
        match = _INDEX_IN_MESSAGE.search(message)
        index_text = match.group(1) if match else None
    uuid = _UUID_TAIL.search(response.headers.get("etag", "").strip('"'))
    if index_text is None or not index_text.isdigit():
        return NetworkError(f"{where}: the log answered HTTP 409: {message}")
    leaf = bytes.fromhex(uuid.group(1)) if uuid else b""
    return DuplicateEntryError(f"{where}: {message}", index=int(index_text), leaf_hash=leaf)


def _status_error(response: httpx.Response) -> Error:
    """The sigstack error for a non-2xx answer, with the server's message."""
    request = response.request
    where = f"{request.method} {request.url}"
    message = _server_message(response)
    status = response.status_code
    if status == 404:
        return NotFoundError(f"{where}: the log answered 404: {message}")
    if status == 409:
        return _duplicate(response, message, where)
    if status == 413:
        return EntryTooLargeError(f"{where}: the log answered 413: {message}")
    if status == 503:
        retry = response.headers.get("retry-after", "1")
        return PushbackError(
            f"{where}: the log answered 503: {message}",
            retry_after=int(retry) if retry.isdigit() else 1,
        )
    return NetworkError(f"{where}: the log answered HTTP {status}: {message}")


class _HttpClient:
    """httpx plumbing shared by both clients: base URL, error mapping, JSON decoding."""

    def __init__(
        self, base_url: str, transport: httpx.BaseTransport | None, timeout: float
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": _USER_AGENT},
        )

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: object = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one request; non-2xx answers and transport failures raise sigstack errors."""
        try:
            if content is None and json_body is not None:
                content = json.dumps(json_body, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json"} if content is not None else None
            response = self._client.request(
                method, path, params=params, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            try:
                url = str(exc.request.url)
            except RuntimeError:  # raised before a request was built
                url = f"{self.base_url}{path}"
            kind = type(exc).__name__
            raise NetworkError(f"{method} {url}: cannot reach the log ({kind}: {exc})") from exc
        if not response.is_success:
            raise _status_error(response)
        return response

    def get_json(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> tuple[object, httpx.Response]:
        response = self.request("GET", path, params=params)
        return _decode(response), response

    def get_text(self, path: str, params: Mapping[str, str | int] | None = None) -> str:
        response = self.request("GET", path, params=params)
        try:
            return response.content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"expected UTF-8 text from GET {response.request.url}, found byte "
                f"0x{response.content[exc.start]:02x} at offset {exc.start}",
                field="response",
            ) from exc


def _decode(response: httpx.Response) -> object:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(
            f"expected JSON from {response.request.method} {response.request.url}, "
            f"found {response.content[:60]!r}: {exc}",
            field="response",
        ) from exc


class _Closing:
    _http: _HttpClient

    @property
    def base_url(self) -> str:
        """The log's URL, without a trailing slash."""
        return self._http.base_url

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class RekorV1Client(_Closing):
    """The Rekor v1 REST API (sigstore/rekor ``openapi.yaml``; transparency-log.md §1.1)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._http = _HttpClient(base_url, transport, timeout)

    def log_info(self) -> LogInfo:
        """``GET /api/v1/log``."""
        value, _ = self._http.get_json("/api/v1/log")
        info = _obj(value, "logInfo")
        tree_id = info.get("treeID")
        if not isinstance(tree_id, str | int) or isinstance(tree_id, bool):
            raise _shape("logInfo.treeID", "a decimal string", tree_id)
        return LogInfo(
            root_hash=_hex(_str(info, "rootHash", "logInfo"), "logInfo.rootHash"),
            tree_size=_int(info, "treeSize", "logInfo"),
            signed_tree_head=_str(info, "signedTreeHead", "logInfo"),
            tree_id=str(tree_id),
        )

    def public_key(self) -> bytes:
        """``GET /api/v1/log/publicKey``: the log key as PEM (not a trust anchor!)."""
        return self._http.request("GET", "/api/v1/log/publicKey").content

    def get_by_index(self, index: int) -> LogEntryV1:
        """``GET /api/v1/log/entries?logIndex=N``."""
        value, _ = self._http.get_json("/api/v1/log/entries", {"logIndex": index})
        return parse_log_entry_v1(value)

    def get_by_uuid(self, uuid: str) -> LogEntryV1:
        """``GET /api/v1/log/entries/{entryUUID}`` (64-hex UUID or 80-hex EntryID)."""
        if not re.fullmatch(r"[0-9a-fA-F]{64}|[0-9a-fA-F]{80}", uuid):
            raise FormatError(
                f"expected a 64-hex UUID or an 80-hex EntryID, found {uuid!r}", field="uuid"
            )
        value, _ = self._http.get_json(f"/api/v1/log/entries/{uuid}")
        return parse_log_entry_v1(value)

    def search(
        self,
        *,
        hash: str | None = None,  # the SearchIndex field name, shadowing the builtin
        email: str | None = None,
        public_key_pem: bytes | None = None,
        subject: str | None = None,
        operator: str = "or",
    ) -> list[str]:
        """``POST /api/v1/index/retrieve``: entry UUIDs matching the query.

        The index is written with the entries, but an answer is not a proof of absence.

        ``hash`` is ``"sha256:<hex>"`` (a bare 64-hex value means SHA-256).
        """
        query: dict[str, object] = {"operator": operator}
        if hash is not None:
            query["hash"] = hash
        if email is not None:
            query["email"] = email
        if subject is not None:
            query["subject"] = subject
        if public_key_pem is not None:
            query["publicKey"] = {
                "format": "x509",
                "content": base64.b64encode(public_key_pem).decode(),
            }
        if len(query) == 1:
            raise FormatError("give at least one of hash, email, subject or public key")
        response = self._http.request("POST", "/api/v1/index/retrieve", json_body=query)
        value = _decode(response)
        if not isinstance(value, list) or not all(isinstance(u, str) for u in value):
            raise _shape("searchIndex", "a list of entry UUIDs", value)
        return list(value)

    def consistency_proof(self, first_size: int, last_size: int) -> ConsistencyProof:
        """``GET /api/v1/log/proof?firstSize=&lastSize=``."""
        value, _ = self._http.get_json(
            "/api/v1/log/proof", {"firstSize": first_size, "lastSize": last_size}
        )
        proof = _obj(value, "proof")
        hashes = proof.get("hashes")
        if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
            raise _shape("proof.hashes", "a list of hex strings", hashes)
        return ConsistencyProof(
            first_size=first_size,
            last_size=last_size,
            root_hash=_hex(_str(proof, "rootHash", "proof"), "proof.rootHash"),
            hashes=tuple(_hex(h, f"proof.hashes[{i}]") for i, h in enumerate(hashes)),
        )

    def checkpoint_at(self, size: int) -> str:
        """sigstack extension ``GET /api/v1/log/checkpoint?size=N``: the note signed at ``size``."""
        return self._http.get_text("/api/v1/log/checkpoint", {"size": size})

    def create_entry(self, proposed: Mapping[str, object]) -> LogEntryV1:
        """``POST /api/v1/log/entries`` with a ``ProposedEntry``; the logged entry (201)."""
        response = self._http.request("POST", "/api/v1/log/entries", json_body=dict(proposed))
        return parse_log_entry_v1(_decode(response))


class RekorV2Client(_Closing):
    """The Rekor v2 write API and C2SP tlog-tiles reads (transparency-log.md §2.1–2.2, §3.3)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._http = _HttpClient(base_url, transport, timeout)

    def create_entry(self, request: Mapping[str, object]) -> TransparencyLogEntryV2:
        """``POST /api/v2/log/entries`` with a ``CreateEntryRequest`` (protobuf JSON)."""
        response = self._http.request("POST", "/api/v2/log/entries", json_body=dict(request))
        return _transparency_log_entry_v2(_decode(response))

    def checkpoint(self) -> str:
        """``GET /api/v2/checkpoint``: the latest signed checkpoint note (unverified)."""
        return self._http.get_text("/api/v2/checkpoint")

    def tile(self, level: int, index: int, width: int = 256) -> bytes:
        """``GET /api/v2/tile/<L>/<N>[.p/<W>]``: ``width`` hashes of 32 bytes."""
        data = self._http.request("GET", f"/api/v2/{tile_path(level, index, width)}").content
        if len(data) != 32 * width:
            raise FormatError(
                f"expected tile {level}/{index} of width {width} to be {32 * width} bytes, "
                f"found {len(data)}",
                field="tile",
            )
        return data

    def entry_bundle(self, index: int, width: int = 256) -> list[bytes]:
        """``GET /api/v2/tile/entries/<N>[.p/<W>]``, split into its u16-length-prefixed entries."""
        data = self._http.request("GET", f"/api/v2/{entries_path(index, width)}").content
        entries: list[bytes] = []
        offset = 0
        while offset < len(data):
            if offset + 2 > len(data):
                raise FormatError(
                    f"entry bundle {index} ends inside a length prefix at byte {offset}",
                    field="entry bundle",
                )
            size = int.from_bytes(data[offset : offset + 2], "big")
            offset += 2
            if offset + size > len(data):
                raise FormatError(
                    f"entry bundle {index}: entry {len(entries)} declares {size} bytes, "
                    f"only {len(data) - offset} remain",
                    field="entry bundle",
                )
            entries.append(data[offset : offset + size])
            offset += size
        if len(entries) != width:
            raise FormatError(
                f"expected {width} entries in bundle {index}, found {len(entries)}",
                field="entry bundle",
            )
        return entries
