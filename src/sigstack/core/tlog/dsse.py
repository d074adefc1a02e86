"""The ``dsse`` kind: a DSSE envelope whose every signature verifies over PAE.

* v0.0.1 (Rekor v1): ``spec.proposedContent {envelope: JSON string, verifiers: [b64 PEM]}``;
  logged as ``{envelopeHash, payloadHash, signatures[{signature, verifier}]}``, signatures
  sorted by their base64 string, the envelope itself not stored (transparency-log.md §1.2;
  sigstore-clients.md §5.1, §5.4; Rekor ``pkg/types/dsse/v0.0.1/entry.go``).
* v0.0.2 (Rekor v2): ``dsseRequestV002 {envelope, verifiers[Verifier]}``; logged as
  ``dsseV002 {payloadHash, signatures[{content, verifier}]}`` (transparency-log.md §2.1;
  sigstore-clients.md §6.2, §6.4; rekor-tiles ``pkg/types/dsse``).

As in Rekor, every signature must verify with one of the verifiers and every verifier
must verify at least one signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence

from sigstack.core.canonical_json import canonicalize
from sigstack.core.dsse import pae
from sigstack.core.keys import PublicKey, load_public_key, to_pem, verify_signature
from sigstack.core.tlog.common import (
    CanonicalEntry,
    JSONObject,
    decode_b64,
    describe,
    get_array,
    get_object,
    get_optional_str,
    get_str,
    identity_keys,
    key_index,
    statement_keys,
)
from sigstack.core.tlog.verifier import parse_verifier
from sigstack.errors import FormatError, SignatureError, UnsupportedError

__all__ = ["Envelope", "parse_envelope", "parse_v001", "parse_v002"]

_V1 = "spec.proposedContent"
_V2 = "dsseRequestV002"

#: (payload type, payload, [(sig as written, sig bytes)])
Envelope = tuple[str, bytes, list[tuple[str, bytes]]]


def parse_envelope(env: JSONObject, path: str, *, urlsafe_ok: bool) -> Envelope:
    """Parse a DSSE envelope object ``{payload, payloadType, signatures[{sig, keyid?}]}``."""
    payload_value = env.get("payload")
    if type(payload_value) is not str:
        found = "nothing" if payload_value is None else describe(payload_value)
        raise FormatError(f"expected a base64 string, found {found}", field=f"{path}.payload")
    payload = decode_b64(payload_value, f"{path}.payload", urlsafe_ok=urlsafe_ok)
    payload_type = get_str(env, "payloadType", path)
    signatures: list[tuple[str, bytes]] = []
    for i, item in enumerate(get_array(env, "signatures", path)):
        where = f"{path}.signatures[{i}]"
        if type(item) is not dict:
            raise FormatError(
                f"expected an object {{sig, keyid}}, found {describe(item)}", field=where
            )
        sig = get_str(item, "sig", where)
        get_optional_str(item, "keyid", where)
        signatures.append((sig, decode_b64(sig, f"{where}.sig", urlsafe_ok=urlsafe_ok)))
    return payload_type, payload, signatures


def _match(
    message: bytes,
    signatures: Sequence[tuple[str, bytes]],
    keys: Sequence[PublicKey],
    signatures_path: str,
    verifiers_path: str,
) -> list[int]:
    """For each signature, the index of the first key that verifies it over ``message``.

    Signatures are checked first (the likelier mistake), then that no key went unused.
    """
    chosen: list[int | None] = [None] * len(signatures)
    used = [False] * len(keys)
    for k, key in enumerate(keys):
        for s, (_, sig) in enumerate(signatures):
            try:
                verify_signature(key, sig, message, field=signatures_path)
            except SignatureError:
                continue
            used[k] = True
            if chosen[s] is None:
                chosen[s] = k
    for s, found in enumerate(chosen):
        if found is None:
            raise SignatureError(
                f"expected a signature that one of the {len(keys)} verifiers verifies over "
                "PAE(payloadType, payload), found one that none verifies",
                field=f"{signatures_path}[{s}].sig",
            )
    for k, was_used in enumerate(used):
        if not was_used:
            raise SignatureError(
                f"expected a verifier for at least one of the {len(signatures)} envelope "
                "signatures over PAE(payloadType, payload), found one that verifies none",
                field=f"{verifiers_path}[{k}]",
            )
    return [c for c in chosen if c is not None]


def _envelope_json(text: str) -> JSONObject:
    """The envelope of a v0.0.1 entry: a JSON object written as a JSON string."""
    field = f"{_V1}.envelope"
    try:
        text.encode()  # the log hashes these UTF-8 bytes (envelopeHash)
    except UnicodeEncodeError as exc:
        raise FormatError("expected valid Unicode, found a lone surrogate", field=field) from exc
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError) as exc:
        expected = "a DSSE envelope serialized as a JSON string"
        raise FormatError(f"expected {expected}, found invalid JSON ({exc})", field=field) from exc
    if type(envelope) is not dict:
        raise FormatError(
            f"expected a DSSE envelope object, found {describe(envelope)}", field=field
        )
    return envelope


def parse_v001(spec: JSONObject) -> CanonicalEntry:
    """Validate and verify a dsse v0.0.1 ``spec``; build its canonical entry."""
    for computed in ("envelopeHash", "payloadHash", "signatures"):
        if spec.get(computed) is not None:
            raise FormatError(
                "expected only spec.proposedContent in a proposed entry, found "
                f"spec.{computed}, which the log computes itself",
                field=f"spec.{computed}",
            )
    proposed = get_object(spec, "proposedContent", "spec")
    envelope_text = get_str(proposed, "envelope", _V1)
    verifiers = []
    for i, item in enumerate(get_array(proposed, "verifiers", _V1)):
        where = f"{_V1}.verifiers[{i}]"
        if type(item) is not str or not item:
            expected = "base64 of a PEM public key or certificate"
            raise FormatError(f"expected {expected}, found {describe(item)}", field=where)
        verifiers.append(load_public_key(decode_b64(item, where), field=where))
    envelope = _envelope_json(envelope_text)
    payload_type, payload, signatures = parse_envelope(envelope, f"{_V1}.envelope", urlsafe_ok=True)
    chosen = _match(
        pae(payload_type, payload),
        signatures,
        [key for key, _ in verifiers],
        f"{_V1}.envelope.signatures",
        f"{_V1}.verifiers",
    )
    logged: dict[str, str] = {}
    keys = {"hash:sha256:" + hashlib.sha256(payload).hexdigest()}
    keys.add("hash:sha256:" + hashlib.sha256(envelope_text.encode()).hexdigest())
    for (sig_text, _), k in zip(signatures, chosen, strict=True):
        key, cert = verifiers[k]
        logged.setdefault(sig_text, base64.b64encode(to_pem(key, cert)).decode())
    for key, cert in verifiers:
        keys.add(key_index(key))
        if cert is not None:
            keys |= identity_keys(cert)
    keys |= statement_keys(payload_type, payload)
    body = canonicalize(
        {
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {
                "envelopeHash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(envelope_text.encode()).hexdigest(),
                },
                "payloadHash": {
                    "algorithm": "sha256",
                    "value": hashlib.sha256(payload).hexdigest(),
                },
                "signatures": [{"signature": s, "verifier": logged[s]} for s in sorted(logged)],
            },
        }
    )
    return CanonicalEntry("dsse", "0.0.1", body, frozenset(keys))


def parse_v002(request: JSONObject) -> CanonicalEntry:
    """Validate and verify a ``dsseRequestV002``; build its ``dsseV002`` entry."""
    envelope = get_object(request, "envelope", _V2)
    payload_type, payload, signatures = parse_envelope(
        envelope, f"{_V2}.envelope", urlsafe_ok=False
    )
    verifiers = [
        parse_verifier(item, f"{_V2}.verifiers[{i}]") if type(item) is dict else None
        for i, item in enumerate(get_array(request, "verifiers", _V2))
    ]
    for i, verifier in enumerate(verifiers):
        if verifier is None:
            found = describe(request["verifiers"][i])  # type: ignore[index]
            raise FormatError(
                f"expected a Verifier object, found {found}", field=f"{_V2}.verifiers[{i}]"
            )
        if verifier.key_details == "PKIX_ED25519_PH":
            raise UnsupportedError(
                "expected keyDetails that sign a message (DSSE signs PAE), found PKIX_ED25519_PH "
                "(Ed25519ph is not supported; use PKIX_ED25519)",
                field=f"{_V2}.verifiers[{i}].keyDetails",
            )
    checked = [v for v in verifiers if v is not None]
    chosen = _match(
        pae(payload_type, payload),
        signatures,
        [v.key for v in checked],
        f"{_V2}.envelope.signatures",
        f"{_V2}.verifiers",
    )
    logged: dict[bytes, JSONObject] = {}
    for (_, sig), k in zip(signatures, chosen, strict=True):
        logged.setdefault(
            sig, {"content": base64.b64encode(sig).decode(), "verifier": checked[k].as_dict()}
        )
    payload_hash = hashlib.sha256(payload).digest()
    keys = {"hash:sha256:" + payload_hash.hex()}
    for verifier in checked:
        keys |= verifier.index_keys()
    keys |= statement_keys(payload_type, payload)
    body = canonicalize(
        {
            "apiVersion": "0.0.2",
            "kind": "dsse",
            "spec": {
                "dsseV002": {
                    "payloadHash": {
                        "algorithm": "SHA2_256",
                        "digest": base64.b64encode(payload_hash).decode(),
                    },
                    "signatures": list(logged.values()),
                }
            },
        }
    )
    return CanonicalEntry("dsse", "0.0.2", body, frozenset(keys))
