"""in-toto attestation Statements: build one for ``attest-blob``, parse one strictly.

Spec: in-toto/attestation ``spec/v1/statement.md`` (``_type``, ``subject[]`` of
ResourceDescriptors with a ``digest``, ``predicateType`` a TypeURI, ``predicate`` an
object) and sigstore-clients.md §5.1 (a DSSE envelope with payload type
``application/vnd.in-toto+json``). cosign's ``--type`` short names
(``cmd/cosign/cli/options/predicate.go``) map to predicate-type URIs through
:data:`PREDICATE_TYPES`; anything else must itself be a URI.

Pure: bytes and values in, values out.

>>> predicate_type_uri("slsaprovenance1")
'https://slsa.dev/provenance/v1'
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sigstack.errors import FormatError

__all__ = [
    "PAYLOAD_TYPE",
    "PREDICATE_TYPES",
    "STATEMENT_TYPES",
    "STATEMENT_V1",
    "Statement",
    "Subject",
    "build_statement",
    "parse_predicate",
    "parse_statement",
    "predicate_type_uri",
]

#: The DSSE payload type of an in-toto statement (sigstore-clients.md §5.1).
PAYLOAD_TYPE = "application/vnd.in-toto+json"
#: The ``_type`` we write (attestation spec v1).
STATEMENT_V1 = "https://in-toto.io/Statement/v1"
#: The ``_type`` values we read: v1, and v0.1 which cosign still writes.
STATEMENT_TYPES = (STATEMENT_V1, "https://in-toto.io/Statement/v0.1")

#: cosign's ``--type`` short names → predicate-type URIs (``options/predicate.go``,
#: ``pkg/cosign/attestation``, in-toto-golang's constants).
PREDICATE_TYPES: Mapping[str, str] = {
    "custom": "https://cosign.sigstore.dev/attestation/v1",
    "slsaprovenance": "https://slsa.dev/provenance/v0.2",
    "slsaprovenance02": "https://slsa.dev/provenance/v0.2",
    "slsaprovenance1": "https://slsa.dev/provenance/v1",
    "spdx": "https://spdx.dev/Document",
    "spdxjson": "https://spdx.dev/Document",
    "cyclonedx": "https://cyclonedx.org/bom",
    "link": "https://in-toto.io/Link/v1",
    "vuln": "https://cosign.sigstore.dev/attestation/vuln/v1",
    "openvex": "https://openvex.dev/ns",
}

# An absolute URI: a scheme, a colon, then no whitespace (RFC 3986 §3; cosign's
# url.ParseRequestURI also rejects relative references).
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
_HEX = re.compile(r"^[0-9a-f]+$")


def predicate_type_uri(name: str) -> str:
    """A cosign short name mapped to its URI, or ``name`` itself when it is an absolute URI."""
    if name in PREDICATE_TYPES:
        return PREDICATE_TYPES[name]
    if not _URI.match(name):
        known = ", ".join(PREDICATE_TYPES)
        raise FormatError(
            f"expected a predicate type URI or one of {known}; found {name!r}",
            field="predicateType",
        )
    return name


@dataclass(frozen=True)
class Subject:
    """A ``subject[]`` ResourceDescriptor: a name and ``{algorithm: lowercase hex}`` digests."""

    name: str
    digest: Mapping[str, str]

    def to_json(self) -> dict[str, Any]:
        """``{"name": …, "digest": {…}}``."""
        return {"name": self.name, "digest": dict(self.digest)}


@dataclass(frozen=True)
class Statement:
    """An in-toto Statement; ``predicate`` is ``None`` when the document has none."""

    subjects: Sequence[Subject]
    predicate_type: str
    predicate: Mapping[str, Any] | None
    type: str = STATEMENT_V1

    def to_json(self) -> dict[str, Any]:
        """The statement document, keys in the spec's order."""
        out: dict[str, Any] = {
            "_type": self.type,
            "subject": [s.to_json() for s in self.subjects],
            "predicateType": self.predicate_type,
        }
        if self.predicate is not None:
            out["predicate"] = dict(self.predicate)
        return out

    def encode(self) -> bytes:
        """The DSSE payload: compact JSON, UTF-8."""
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False).encode()

    def sha256_subjects(self) -> frozenset[str]:
        """Every subject's ``sha256`` digest (lowercase hex)."""
        return frozenset(s.digest["sha256"] for s in self.subjects if "sha256" in s.digest)


def parse_predicate(data: bytes) -> dict[str, Any]:
    """A predicate file: a JSON object, else :class:`FormatError` saying what was found."""
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"expected a JSON predicate, found invalid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise FormatError(f"expected a JSON object as predicate, found {type(value).__name__}")
    return value


def build_statement(
    name: str, sha256: bytes, predicate_type: str, predicate: Mapping[str, Any]
) -> Statement:
    """A v1 statement with one subject ``{name, digest: {sha256}}`` (cosign ``attest-blob``).

    ``predicate_type`` may be a short name (:data:`PREDICATE_TYPES`) or a URI.
    """
    if len(sha256) != 32:
        raise FormatError(f"expected a 32-byte SHA-256 digest, found {len(sha256)} bytes")
    return Statement(
        subjects=(Subject(name, {"sha256": sha256.hex()}),),
        predicate_type=predicate_type_uri(predicate_type),
        predicate=dict(predicate),
    )


def _subject(value: object, field: str) -> Subject:
    if not isinstance(value, dict):
        raise FormatError(f"expected an object, found {type(value).__name__}", field=field)
    name = value.get("name", "")
    if not isinstance(name, str):
        raise FormatError(f"expected a string name, found {name!r:.40}", field=f"{field}.name")
    digest = value.get("digest")
    if not isinstance(digest, dict) or not digest:
        raise FormatError("expected a non-empty digest object", field=f"{field}.digest")
    for algorithm, hexdigest in digest.items():
        if not isinstance(hexdigest, str) or not _HEX.match(hexdigest):
            raise FormatError(
                f"expected lowercase hex, found {hexdigest!r:.80}",
                field=f"{field}.digest.{algorithm}",
            )
    return Subject(name, dict(digest))


def parse_statement(data: bytes) -> Statement:
    """Parse an in-toto statement strictly; :class:`FormatError` names the bad field."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"expected an in-toto statement, found invalid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise FormatError(f"expected a statement object, found {type(document).__name__}")
    kind = document.get("_type")
    if kind not in STATEMENT_TYPES:
        raise FormatError(f"expected {' or '.join(STATEMENT_TYPES)}, found {kind!r}", field="_type")
    subjects = document.get("subject")
    if not isinstance(subjects, list) or not subjects:
        raise FormatError("expected a non-empty list of subjects", field="subject")
    predicate_type = document.get("predicateType")
    if not isinstance(predicate_type, str) or not _URI.match(predicate_type):
        raise FormatError(f"expected a URI, found {predicate_type!r:.80}", field="predicateType")
    predicate = document.get("predicate")
    if predicate is not None and not isinstance(predicate, dict):
        raise FormatError(
            f"expected an object, found {type(predicate).__name__}", field="predicate"
        )
    return Statement(
        subjects=tuple(_subject(s, f"subject[{i}]") for i, s in enumerate(subjects)),
        predicate_type=predicate_type,
        predicate=predicate,
        type=kind,
    )
