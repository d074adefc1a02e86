"""Timestamp requests (RFC 3161 §2.4.1), in DER and in the sigstore JSON form.

Both parsers return the same :class:`TimestampRequest`. A request is refused
(:class:`~sigstack.errors.FormatError`, or :class:`~sigstack.errors.UnsupportedError`
for a well-formed request naming something we do not accept) when:

* the DER does not parse as ``TimeStampReq`` or has trailing bytes;
* ``version`` is not 1 (RFC 3161 §2.4.1);
* the message-imprint hash is not SHA-256/384/512 (SHA-1 is refused as weak,
  as sigstore/timestamp-authority does), or the digest has the wrong length;
* ``reqPolicy`` is not an accepted policy, or the request carries extensions.

The JSON form is sigstore/timestamp-authority's (``pkg/api/timestamp.go``):
``{"artifactHash": b64, "hashAlgorithm": "sha256", "certificates": bool,
"nonce": int, "tsaPolicyOID": "1.2.3"}``; sigstore-js sends only the first two.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, core, tsp  # type: ignore[import-untyped]

from sigstack.errors import FormatError, UnsupportedError

__all__ = [
    "DEFAULT_POLICY_OID",
    "HASH_ALGORITHMS",
    "MAX_JSON_BYTES",
    "TimestampRequest",
    "check_policy",
    "parse_json_request",
    "parse_request",
]

#: Sigstore's TSA policy (timestamp-authority ``docs/tsa-policy.md``).
DEFAULT_POLICY_OID = "1.3.6.1.4.1.57264.2"

#: Accepted message-imprint hashes: name → (OID, digest length).
HASH_ALGORITHMS: Mapping[str, tuple[str, int]] = {
    "sha256": ("2.16.840.1.101.3.4.2.1", 32),
    "sha384": ("2.16.840.1.101.3.4.2.2", 48),
    "sha512": ("2.16.840.1.101.3.4.2.3", 64),
}
_BY_OID = {oid: (name, size) for name, (oid, size) in HASH_ALGORITHMS.items()}
_WEAK = {"1.3.14.3.2.26": "SHA-1", "1.2.840.113549.2.5": "MD5"}
_ACCEPTED = "SHA-256 (2.16.840.1.101.3.4.2.1), SHA-384 (.2) or SHA-512 (.3)"
#: The sigstore TSA refuses JSON bodies over 1 KiB; we do the same.
MAX_JSON_BYTES = 1024


@dataclass(frozen=True)
class TimestampRequest:
    """What a client asked to have timestamped (RFC 3161 §2.4.1 ``TimeStampReq``).

    ``message_imprint_der`` is the request's ``MessageImprint`` exactly as sent:
    RFC 3161 §2.4.2 requires the token's ``messageImprint`` to have the same value.
    """

    hash_algorithm: str
    hashed_message: bytes
    message_imprint_der: bytes
    nonce: int | None = None
    cert_req: bool = False
    policy: str | None = None


def _hash_name(oid: str) -> str:
    if oid in _WEAK:
        raise UnsupportedError(
            f"message imprint uses {_WEAK[oid]} ({oid}), which is too weak; use {_ACCEPTED}",
            field="messageImprint.hashAlgorithm",
        )
    if oid not in _BY_OID:
        raise UnsupportedError(
            f"unsupported message-imprint hash algorithm {oid}; use {_ACCEPTED}",
            field="messageImprint.hashAlgorithm",
        )
    return _BY_OID[oid][0]


def _check_length(name: str, digest: bytes) -> None:
    expected = HASH_ALGORITHMS[name][1]
    if len(digest) != expected:
        raise FormatError(
            f"a {name.upper()} digest is {expected} bytes, the request has {len(digest)}",
            field="messageImprint.hashedMessage",
        )


def _imprint_der(name: str, digest: bytes) -> bytes:
    imprint = tsp.MessageImprint(
        {
            "hash_algorithm": algos.DigestAlgorithm(
                {"algorithm": HASH_ALGORITHMS[name][0], "parameters": core.Null()}
            ),
            "hashed_message": digest,
        }
    )
    return bytes(imprint.dump())


def parse_request(der: bytes) -> TimestampRequest:
    """Parse a DER ``TimeStampReq`` (RFC 3161 §2.4.1), refusing what we do not serve."""
    try:
        req = tsp.TimeStampReq.load(der, strict=True)
        version = req["version"].native
        imprint = req["message_imprint"]
        oid = imprint["hash_algorithm"]["algorithm"].dotted
        params = imprint["hash_algorithm"]["parameters"]
        digest = imprint["hashed_message"].native
        policy = req["req_policy"].dotted if req["req_policy"].native is not None else None
        nonce = req["nonce"].native
        cert_req = bool(req["cert_req"].native)
        has_extensions = req["extensions"].native is not None
        imprint_der = imprint.dump()
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        raise FormatError(f"request is not a DER TimeStampReq (RFC 3161 §2.4.1): {exc}") from exc
    if version != "v1":
        raise UnsupportedError(f"TimeStampReq version must be 1, found {version}", field="version")
    name = _hash_name(oid)
    if params.native is not None:
        raise FormatError(
            "hash algorithm parameters must be absent or NULL",
            field="messageImprint.hashAlgorithm.parameters",
        )
    _check_length(name, digest)
    if has_extensions:
        raise UnsupportedError("request extensions are not accepted", field="extensions")
    if nonce is not None and nonce < 0:
        raise FormatError(f"nonce must not be negative, found {nonce}", field="nonce")
    return TimestampRequest(name, digest, bytes(imprint_der), nonce, cert_req, policy)


def parse_json_request(document: Any) -> TimestampRequest:
    """Parse the sigstore TSA's JSON request (sigstore-clients.md §7.2, ca-tsa-oidc-tuf.md §8.1).

    ``certificates`` defaults to false, as in the Go TSA; ``hashAlgorithm`` to sha256.
    """
    if not isinstance(document, dict):
        raise FormatError("request body must be a JSON object")
    unknown = set(document) - {
        "artifactHash",
        "hashAlgorithm",
        "certificates",
        "nonce",
        "tsaPolicyOID",
    }
    if unknown:
        raise FormatError(f"unknown fields {sorted(unknown)}")
    algorithm = document.get("hashAlgorithm", "sha256")
    if not isinstance(algorithm, str):
        raise FormatError("must be a string such as 'sha256'", field="hashAlgorithm")
    name = algorithm.lower().replace("-", "")
    if name == "sha1":
        raise UnsupportedError(
            f"SHA-1 is too weak; use {_ACCEPTED}",
            field="hashAlgorithm",
        )
    if name not in HASH_ALGORITHMS:
        raise UnsupportedError(
            f"unsupported hash algorithm {algorithm!r}; use sha256, sha384 or sha512",
            field="hashAlgorithm",
        )
    artifact = document.get("artifactHash")
    if not isinstance(artifact, str):
        raise FormatError("must be the base64 digest of the artifact", field="artifactHash")
    try:
        digest = base64.b64decode(artifact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormatError(f"not valid base64: {exc}", field="artifactHash") from exc
    _check_length(name, digest)
    nonce = document.get("nonce")
    if nonce is not None and (isinstance(nonce, bool) or not isinstance(nonce, int) or nonce < 0):
        raise FormatError(f"must be a non-negative integer, found {nonce!r}", field="nonce")
    certificates = document.get("certificates", False)
    if not isinstance(certificates, bool):
        raise FormatError("must be true or false", field="certificates")
    policy = document.get("tsaPolicyOID")
    if policy is not None and (
        not isinstance(policy, str) or not all(p.isdigit() for p in policy.split("."))
    ):
        raise FormatError(f"not a dotted OID: {policy!r}", field="tsaPolicyOID")
    return TimestampRequest(name, digest, _imprint_der(name, digest), nonce, certificates, policy)


def check_policy(request: TimestampRequest, accepted: Collection[str]) -> None:
    """Refuse a ``reqPolicy`` the TSA does not operate under (RFC 3161 §2.4.1 ``reqPolicy``)."""
    if request.policy is not None and request.policy not in accepted:
        raise UnsupportedError(
            f"policy {request.policy} is not accepted; this TSA issues under {sorted(accepted)}",
            field="reqPolicy",
        )
