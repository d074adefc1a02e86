"""Step 7 of sigstore-clients.md §9.2: the log entry is about *this* signature (CVE-2022-36056).

The canonical body is compared with the bundle: the signature bytes, the signer (leaf
certificate DER, or the managed key's SPKI) and the artifact digest (message signatures)
or the payload / PAE digest (DSSE). Kinds: ``hashedrekord`` 0.0.1 and 0.0.2 for messages;
``dsse`` 0.0.1, ``intoto`` 0.0.2, ``hashedrekord`` 0.0.2 over SHA-256(PAE), and ``dsse``
0.0.2 (what sigstore-js logs in Rekor v2, sigstore-clients.md §6.2; sigstore-python 4.5.1
refuses it, sigstore-js verifies it) for DSSE.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from sigstack.core.bundle import TlogEntry
from sigstack.core.keys import PublicKey, spki_der
from sigstack.verify.errors import LogEntryMismatchError

__all__ = ["Signer", "check_dsse_entry", "check_message_entry"]


@dataclass(frozen=True)
class Signer:
    """The signer as the log may record it: the leaf certificate (and its DER, as carried in
    the bundle), or the key, compared by its SPKI DER (computed only when needed)."""

    certificate: x509.Certificate | None
    certificate_der: bytes | None
    key: PublicKey


def _body(entry: TlogEntry) -> dict[str, Any]:
    try:
        body = json.loads(entry.canonicalized_body)
        spec = body["spec"]
        if not isinstance(spec, dict):
            raise TypeError("spec")
    except (ValueError, KeyError, TypeError) as exc:
        raise LogEntryMismatchError(f"canonical body is not an entry: {exc}") from exc
    kind = (body.get("kind"), body.get("apiVersion"))
    if kind != (entry.kind_version.kind, entry.kind_version.version):
        raise LogEntryMismatchError(
            f"body is {kind}, bundle says {entry.kind_version}", field="kindVersion"
        )
    return spec


def _b64(value: object) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LogEntryMismatchError(f"bad base64 in the log entry: {exc}") from exc


def _intoto_sig(value: object) -> bytes:
    """intoto 0.0.2 stores the signature base64-encoded once more (Rekor); accept both forms."""
    once = _b64(value)
    if once[:1] == b"\x30":  # already DER (ECDSA) — encoded once
        return once
    try:
        return base64.b64decode(once, validate=True)
    except (binascii.Error, ValueError):
        return once


def _pem(der: bytes) -> bytes:
    """RFC 7468 §2 PEM of a certificate DER, 64-character lines (what clients write)."""
    text = base64.b64encode(der)
    lines = b"\n".join(text[i : i + 64] for i in range(0, len(text), 64))
    return b"-----BEGIN CERTIFICATE-----\n" + lines + b"\n-----END CERTIFICATE-----\n"


def _recorded_is(recorded: bytes, signer: Signer) -> bool:
    """Whether the entry's signer (a PEM certificate or key, or DER) is the bundle's."""
    if recorded.startswith(b"-----"):
        if signer.certificate_der is not None and recorded == _pem(signer.certificate_der):
            return True  # the canonical PEM of the bundle's own certificate DER
        if b"CERTIFICATE" in recorded:
            # equality of certificates is equality of their DER
            return signer.certificate is not None and (
                x509.load_pem_x509_certificate(recorded) == signer.certificate
            )
        key = serialization.load_pem_public_key(recorded)
        return spki_der(key) == spki_der(signer.key)  # type: ignore[arg-type]
    if signer.certificate_der is not None and recorded == signer.certificate_der:
        return True
    return recorded == spki_der(signer.key)


def _same_signer(recorded: bytes, signer: Signer) -> None:
    try:
        same = _recorded_is(recorded, signer)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise LogEntryMismatchError(f"unreadable signer in the log entry: {exc}") from exc
    if not same:
        raise LogEntryMismatchError(
            "expected the log entry to name the bundle's signer; it names another certificate "
            "or key",
            field="canonicalizedBody",
        )


def _same(found: bytes, expected: bytes, what: str) -> None:
    if found != expected:
        raise LogEntryMismatchError(
            f"expected the log entry's {what} {expected.hex()[:32]}, found {found.hex()[:32]}",
            field="canonicalizedBody",
        )


def _v002(spec: dict[str, Any], digest: bytes, signature: bytes, signer: Signer) -> None:
    rekord = spec.get("hashedRekordV002", {})
    _same(_b64(rekord.get("data", {}).get("digest")), digest, "digest")
    sig = rekord.get("signature", {})
    _same(_b64(sig.get("content")), signature, "signature")
    verifier = sig.get("verifier", {})
    material = verifier.get("x509Certificate") or verifier.get("publicKey") or {}
    _same_signer(_b64(material.get("rawBytes")), signer)


def _hex(value: object) -> bytes:
    try:
        return bytes.fromhex(str(value))
    except ValueError as exc:
        raise LogEntryMismatchError(f"bad hex in the log entry: {exc}") from exc


def check_message_entry(entry: TlogEntry, digest: bytes, signature: bytes, signer: Signer) -> None:
    """hashedrekord 0.0.1 / 0.0.2 over SHA-256 ``digest`` with ``signature`` by ``signer``."""
    try:
        _check_message(entry, digest, signature, signer)
    except (AttributeError, TypeError, IndexError) as exc:  # a body of the wrong shape
        raise LogEntryMismatchError(f"log entry body has the wrong shape: {exc}") from exc


def _check_message(entry: TlogEntry, digest: bytes, signature: bytes, signer: Signer) -> None:
    spec = _body(entry)
    match (entry.kind_version.kind, entry.kind_version.version):
        case ("hashedrekord", "0.0.1"):
            value = spec.get("data", {}).get("hash", {}).get("value", "")
            _same(_hex(value), digest, "digest")
            sig = spec.get("signature", {})
            _same(_b64(sig.get("content")), signature, "signature")
            _same_signer(_b64(sig.get("publicKey", {}).get("content")), signer)
        case ("hashedrekord", "0.0.2"):
            _v002(spec, digest, signature, signer)
        case other:
            raise LogEntryMismatchError(
                f"expected a hashedrekord entry for a message signature, found {other}",
                field="kindVersion",
            )


def check_dsse_entry(
    entry: TlogEntry, payload: bytes, pae_bytes: bytes, signature: bytes, signer: Signer
) -> None:
    """dsse 0.0.1, intoto 0.0.2, or hashedrekord 0.0.2 over SHA-256(PAE)."""
    try:
        _check_dsse(entry, payload, pae_bytes, signature, signer)
    except (AttributeError, TypeError, IndexError) as exc:  # a body of the wrong shape
        raise LogEntryMismatchError(f"log entry body has the wrong shape: {exc}") from exc


def _check_dsse(
    entry: TlogEntry, payload: bytes, pae_bytes: bytes, signature: bytes, signer: Signer
) -> None:
    spec = _body(entry)
    payload_hash = hashlib.sha256(payload).digest()
    match (entry.kind_version.kind, entry.kind_version.version):
        case ("dsse", "0.0.1"):
            value = spec.get("payloadHash", {}).get("value", "")
            _same(_hex(value), payload_hash, "payload hash")
            sigs = spec.get("signatures", [])
            if len(sigs) != 1:
                raise LogEntryMismatchError(f"expected 1 signature in the entry, found {len(sigs)}")
            _same(_b64(sigs[0].get("signature")), signature, "signature")
            _same_signer(_b64(sigs[0].get("verifier")), signer)
        case ("intoto", "0.0.2"):
            content = spec.get("content", {})
            value = content.get("payloadHash", {}).get("value", "")
            _same(_hex(value), payload_hash, "payload hash")
            sigs = content.get("envelope", {}).get("signatures", [])
            if len(sigs) != 1:
                raise LogEntryMismatchError(f"expected 1 signature in the entry, found {len(sigs)}")
            _same(_intoto_sig(sigs[0].get("sig")), signature, "signature")
            _same_signer(_b64(sigs[0].get("publicKey")), signer)
        case ("hashedrekord", "0.0.2"):
            _v002(spec, hashlib.sha256(pae_bytes).digest(), signature, signer)
        case ("dsse", "0.0.2"):
            dsse = spec.get("dsseV002", {})
            _same(_b64(dsse.get("payloadHash", {}).get("digest")), payload_hash, "payload hash")
            sigs = dsse.get("signatures", [])
            if len(sigs) != 1:
                raise LogEntryMismatchError(f"expected 1 signature in the entry, found {len(sigs)}")
            _same(_b64(sigs[0].get("content")), signature, "signature")
            verifier = sigs[0].get("verifier", {})
            material = verifier.get("x509Certificate") or verifier.get("publicKey") or {}
            _same_signer(_b64(material.get("rawBytes")), signer)
        case other:
            raise LogEntryMismatchError(
                f"expected a dsse, intoto or hashedrekord 0.0.2 entry, found {other}",
                field="kindVersion",
            )
