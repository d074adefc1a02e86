"""The "simple signing" payload of a legacy cosign image signature (oci-and-policy.md §1.4).

cosign builds it with ``payload.Cosign{Image, ClaimedIdentity, Annotations}``
(sigstore/sigstore ``pkg/signature/payload/payload.go``) and Go's ``json.Marshal``::

    {"critical":{"identity":{"docker-reference":"index.docker.io/library/nginx"},
     "image":{"docker-manifest-digest":"sha256:…"},"type":"cosign container image signature"},
     "optional":null}

on one line, no spaces; ``optional`` is ``null`` without ``-a`` annotations, else an object
whose keys Go sorts; Go escapes ``<``, ``>``, ``&``, U+2028 and U+2029 inside strings.
:func:`build_payload` reproduces those bytes exactly (the signature is over them).

:func:`parse_payload` is strict, as containers/image's parser is: the ``critical`` part must
have exactly ``identity``, ``image`` and ``type`` (lowercase keys; the capitalised forms of
some README examples are not what cosign writes), ``type`` must be ``cosign container image
signature``, the digest must be a digest; ``optional`` may be ``null`` or an object
(containers/image writes ``creator`` and ``timestamp`` there).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sigstack.core.oci.digest import Digest, parse_digest
from sigstack.errors import FormatError

__all__ = [
    "SIMPLE_SIGNING_TYPE",
    "SimpleSigning",
    "build_payload",
    "go_json",
    "parse_payload",
]

#: ``critical.type`` of every cosign image signature (``CosignSignatureType``).
SIMPLE_SIGNING_TYPE = "cosign container image signature"

# Go's encoding/json escapes these inside strings (HTML safety and JS line separators).
_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_json(value: object) -> bytes:
    """``value`` serialised as Go's ``json.Marshal`` would: compact, UTF-8, Go's escapes.

    Dictionaries keep their order (Go structs keep field order; callers sort map keys).
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in _GO_ESCAPES.items():
        text = text.replace(char, escaped)  # these characters only occur inside strings
    return text.encode()


@dataclass(frozen=True)
class SimpleSigning:
    """A parsed payload: what it claims about which image."""

    docker_reference: str
    manifest_digest: Digest
    optional: Mapping[str, Any] | None = field(default=None)

    def to_json(self) -> dict[str, Any]:
        """The document in cosign's key order (``optional`` keys sorted, as Go does)."""
        return {
            "critical": {
                "identity": {"docker-reference": self.docker_reference},
                "image": {"docker-manifest-digest": str(self.manifest_digest)},
                "type": SIMPLE_SIGNING_TYPE,
            },
            "optional": None if self.optional is None else dict(sorted(self.optional.items())),
        }

    def encode(self) -> bytes:
        """The payload bytes cosign would sign for this claim."""
        return go_json(self.to_json())


def build_payload(
    docker_reference: str, digest: Digest, annotations: Mapping[str, Any] | None = None
) -> bytes:
    """The payload for ``digest`` of ``docker_reference`` (repository name, no tag) with
    ``-a`` ``annotations`` in ``optional`` (``null`` when there are none)."""
    return SimpleSigning(
        docker_reference, digest, dict(annotations) if annotations else None
    ).encode()


def _object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        found = "null" if value is None else type(value).__name__
        raise FormatError(f"expected an object, found {found}", field=where)
    return value


def _exact_keys(obj: Mapping[str, Any], keys: set[str], where: str) -> None:
    if set(obj) != keys:
        raise FormatError(
            f"expected exactly the keys {sorted(keys)}, found {sorted(obj)}", field=where
        )


def _string(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise FormatError(f"expected a string, found {value!r:.60}", field=f"{where}.{key}")
    return value


def parse_payload(data: bytes) -> SimpleSigning:
    """Parse a simple-signing payload strictly; :class:`FormatError` names the bad field."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(
            f"expected a simple-signing JSON payload, found {data[:60]!r}: {exc}", field="payload"
        ) from exc
    top = _object(document, "payload")
    if "critical" not in top:
        raise FormatError(
            f"expected a critical object, found the keys {sorted(top)}", field="payload"
        )
    critical = _object(top["critical"], "critical")
    _exact_keys(critical, {"identity", "image", "type"}, "critical")
    identity = _object(critical["identity"], "critical.identity")
    _exact_keys(identity, {"docker-reference"}, "critical.identity")
    image = _object(critical["image"], "critical.image")
    _exact_keys(image, {"docker-manifest-digest"}, "critical.image")
    kind = _string(critical, "type", "critical")
    if kind != SIMPLE_SIGNING_TYPE:
        raise FormatError(
            f"expected {SIMPLE_SIGNING_TYPE!r}, found {kind!r:.80}", field="critical.type"
        )
    digest = parse_digest(
        _string(image, "docker-manifest-digest", "critical.image"),
        field="critical.image.docker-manifest-digest",
    )
    optional = top.get("optional")
    if optional is not None:
        optional = _object(optional, "optional")
    return SimpleSigning(
        docker_reference=_string(identity, "docker-reference", "critical.identity"),
        manifest_digest=digest,
        optional=optional,
    )
