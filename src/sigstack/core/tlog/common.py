"""What every entry kind shares: the result type, JSON field access, index keys.

Field access turns a missing or ill-typed value into a ``FormatError`` that names its
JSON path and says what was expected and what was found (ARCHITECTURE §5). JSON
``null`` counts as missing, as it does for Rekor's Go models and for protojson.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from cryptography import x509

from sigstack.core.keys import PublicKey, certificate_identities, spki_der
from sigstack.errors import FormatError

__all__ = [
    "IN_TOTO_PAYLOAD_TYPE",
    "MAX_SIGNATURES",
    "CanonicalEntry",
    "decode_b64",
    "describe",
    "get_array",
    "get_b64",
    "get_object",
    "get_optional_str",
    "get_str",
    "identity_keys",
    "join",
    "key_index",
    "load_object",
    "statement_keys",
]

#: Most signatures (and verifiers) one entry may carry.
MAX_SIGNATURES = 16
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"

JSONObject = dict[str, object]


@dataclass(frozen=True, slots=True)
class CanonicalEntry:
    """A validated, signature-checked entry, ready to become a Merkle leaf.

    ``body`` is the RFC 8785 JSON ``{apiVersion, kind, spec}`` the log stores and hashes
    (transparency-log.md §1.2, §1.3, §2.1). ``index_keys`` feed the search index:
    ``hash:<alg>:<hex>``, ``key:<hex SHA-256 of the DER SPKI>``, ``email:<lower-cased>``
    and ``subject:<SAN value>``.
    """

    kind: str
    api_version: str
    body: bytes
    index_keys: frozenset[str]


def describe(value: object) -> str:
    """A short description of a JSON value for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}{'…' if len(value) > 40 else ''}"
    if isinstance(value, list):
        return f"an array of {len(value)} items"
    return "an object"


def join(path: str, name: str) -> str:
    """``spec`` + ``signature`` → ``spec.signature``; ``""`` + ``kind`` → ``kind``."""
    return f"{path}.{name}" if path else name


def load_object(data: bytes) -> JSONObject:
    """Parse a request body that must be a JSON object."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise FormatError(
            f"expected the request body to be JSON, found invalid JSON: {exc}"
        ) from exc
    if not isinstance(value, dict):
        raise FormatError(f"expected the request body to be a JSON object, found {describe(value)}")
    return value


def _missing(parent: JSONObject, name: str, path: str, expected: str) -> FormatError:
    value = parent.get(name)
    found = "nothing" if value is None else describe(value)
    return FormatError(f"expected {expected}, found {found}", field=join(path, name))


def get_object(parent: JSONObject, name: str, path: str) -> JSONObject:
    """``parent[name]``, which must be a JSON object."""
    value = parent.get(name)
    if type(value) is not dict:
        raise _missing(parent, name, path, "an object")
    return value


def get_str(parent: JSONObject, name: str, path: str) -> str:
    """``parent[name]``, which must be a non-empty string."""
    value = parent.get(name)
    if type(value) is not str or not value:
        raise _missing(parent, name, path, "a non-empty string")
    return value


def get_optional_str(parent: JSONObject, name: str, path: str) -> str:
    """``parent[name]`` if it is a string, ``""`` if absent or null; other types are refused."""
    value = parent.get(name)
    if value is None:
        return ""
    if type(value) is not str:
        raise _missing(parent, name, path, "a string")
    return value


def get_array(parent: JSONObject, name: str, path: str) -> list[object]:
    """``parent[name]``: an array of 1 to ``MAX_SIGNATURES`` items."""
    value = parent.get(name)
    if type(value) is not list or not value:
        raise _missing(parent, name, path, "a non-empty array")
    if len(value) > MAX_SIGNATURES:
        raise FormatError(
            f"expected at most {MAX_SIGNATURES} items, found {len(value)}", field=join(path, name)
        )
    return value


def decode_b64(value: str, field: str, *, urlsafe_ok: bool = False) -> bytes:
    """Strict RFC 4648 §4 base64 (padded, no whitespace); §5 URL-safe too if ``urlsafe_ok``.

    DSSE allows either alphabet (DSSE ``protocol.md``; go-securesystemslib tries both).
    """
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        if urlsafe_ok and "+" not in value and "/" not in value:
            try:
                return base64.b64decode(value.translate(_URLSAFE), validate=True)
            except (binascii.Error, ValueError):
                pass
        raise FormatError(
            f"expected standard base64 (RFC 4648 §4, padded), found {describe(value)} ({exc})",
            field=field,
        ) from exc


_URLSAFE = str.maketrans("-_", "+/")


def get_b64(parent: JSONObject, name: str, path: str, *, allow_empty: bool = False) -> bytes:
    """``parent[name]``: a base64 string, decoded; empty only if ``allow_empty``."""
    value = parent.get(name)
    if type(value) is not str or not (value or allow_empty):
        expected = "a base64 string" if allow_empty else "a non-empty base64 string"
        raise _missing(parent, name, path, expected)
    return decode_b64(value, join(path, name))


#: Length → leading bytes of a canonical DER SPKI (RFC 5480 uncompressed EC point, RFC 8410).
_CANONICAL_SPKI = {
    91: bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d03010703420004"),
    120: bytes.fromhex("3076301006072a8648ce3d020106052b8104002203620004"),
    158: bytes.fromhex("30819b301006072a8648ce3d020106052b810400230381860004"),
    44: bytes.fromhex("302a300506032b6570032100"),
}


def key_index(key: PublicKey, der: bytes | None = None) -> str:
    """``key:<hex SHA-256 of the DER SubjectPublicKeyInfo>``.

    ``der``, the SPKI ``key`` was loaded from, is hashed as is when it already is the
    canonical encoding (saves re-serializing on the Rekor v2 hot path).
    """
    if der is not None:
        prefix = _CANONICAL_SPKI.get(len(der))
        if prefix is not None and der.startswith(prefix):
            return "key:" + hashlib.sha256(der).hexdigest()
    return "key:" + hashlib.sha256(spki_der(key)).hexdigest()


def identity_keys(cert: x509.Certificate) -> set[str]:
    """``subject:<SAN>`` for every SAN value, and ``email:<lower-cased>`` for email SANs."""
    keys = {"subject:" + value for value in certificate_identities(cert)}
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return keys
    keys.update("email:" + n.value.lower() for n in san if isinstance(n, x509.RFC822Name))
    return keys


def statement_keys(payload_type: str, payload: bytes) -> set[str]:
    """``hash:<alg>:<digest>`` of an in-toto statement's subjects (and SLSA 0.2 materials).

    Best effort, as in Rekor's ``IndexKeys`` (``pkg/types/dsse/v0.0.1/entry.go``): a payload
    that is not an in-toto statement adds no keys and is not an error.
    """
    if payload_type != IN_TOTO_PAYLOAD_TYPE:
        return set()
    try:
        statement = json.loads(payload)
    except (ValueError, RecursionError):
        return set()
    if not isinstance(statement, dict):
        return set()
    items = statement.get("subject")
    items = list(items) if isinstance(items, list) else []
    predicate = statement.get("predicate")
    if isinstance(predicate, dict) and isinstance(predicate.get("materials"), list):
        items += predicate["materials"]
    keys: set[str] = set()
    for item in items:
        digest = item.get("digest") if isinstance(item, dict) else None
        if isinstance(digest, dict):
            keys.update(
                f"hash:{alg.lower()}:{value.lower()}"
                for alg, value in digest.items()
                if isinstance(value, str) and value
            )
    return keys
