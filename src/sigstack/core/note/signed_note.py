"""Signed notes, https://c2sp.org/signed-note (transparency-log.md §3.1).

A note is UTF-8 text ending in a newline, a blank line, then one or more signature lines
``— <key name> <base64(4-byte key ID ‖ signature)>``. The text is separated from the
signatures at the *last* blank line and contains no control characters other than newline.

Verification (c2sp.org/signed-note "Signatures"): a line whose (name, key ID) matches no trusted
key is ignored; a line that matches one MUST verify, else the whole note is refused; at least
one trusted signature must verify.

This module also re-exports the key types, so ``sigstack.core.note.signed_note`` is the one
import for the whole note API.
"""

from __future__ import annotations

import re
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass

from sigstack.core.note._base import (
    HINT_SIZE,
    NoteSigner,
    NoteVerifier,
    canonical_b64decode,
    check_key_name,
    ecdsa_key_id,
    ed25519_key_id,
    note_key_id,
    plain_key_name,
    rsa_key_id,
    strict_b64decode,
)
from sigstack.core.note.cosignature import (
    CosignatureV1Signer,
    CosignatureV1Verifier,
    cosignature_timestamp,
)
from sigstack.core.note.keys import (
    ECDSANoteSigner,
    ECDSANoteVerifier,
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    RSANoteSigner,
    RSANoteVerifier,
)
from sigstack.core.note.vkey import cosignature_vkey, verifier_from_vkey, vkey
from sigstack.errors import FormatError, SignatureError

__all__ = [
    "MAX_SIGNATURES",
    "CosignatureV1Signer",
    "CosignatureV1Verifier",
    "ECDSANoteSigner",
    "ECDSANoteVerifier",
    "Ed25519NoteSigner",
    "Ed25519NoteVerifier",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "RSANoteSigner",
    "RSANoteVerifier",
    "SignedNote",
    "add_signatures",
    "cosignature_timestamp",
    "cosignature_vkey",
    "ecdsa_key_id",
    "ed25519_key_id",
    "note_key_id",
    "parse_signed_note",
    "rsa_key_id",
    "sign_note",
    "verifier_from_vkey",
    "verify_note",
    "vkey",
]

#: Most signature lines accepted; the spec requires at least 16 (signed-note "Format").
MAX_SIGNATURES = 100
_DASH = "\u2014"  # EM DASH
_DASH_SPACE = _DASH + " "
_MIN_DECODED = HINT_SIZE + 1


#: One character the note format forbids: a control character other than newline, or a
#: surrogate (not encodable as UTF-8).
_FORBIDDEN = re.compile("[\x00-\x09\x0b-\x1f\ud800-\udfff]")


def _check_text(text: str, *, field: str = "text") -> None:
    """Note text: ends in a newline, no control character but newline, encodable as UTF-8."""
    if not text.endswith("\n"):
        raise FormatError(
            f"expected note text ending in a newline; found {text[-20:]!r} at its end", field=field
        )
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        raise FormatError(
            "expected no control characters other than newline and valid UTF-8; "
            f"found U+{ord(bad.group()):04X} at offset {bad.start()}",
            field=field,
        )


def _describe(name: str, hint: bytes) -> str:
    return f"{name}+{hint.hex()}"


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID hint, signature bytes."""

    name: str
    key_hash: bytes
    signature: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name, field="signature name")
        if len(self.key_hash) != HINT_SIZE:
            raise FormatError(
                f"expected a {HINT_SIZE}-byte key ID; found {len(self.key_hash)} bytes",
                field="key hash",
            )
        if not self.signature:
            raise FormatError("expected a non-empty signature; found 0 bytes", field="signature")

    def render(self) -> str:
        """The signature line, newline included."""
        blob = b64encode(self.key_hash + self.signature).decode("ascii")
        return f"{_DASH} {self.name} {blob}\n"


@dataclass(frozen=True)
class SignedNote:
    """Note text (ending in ``\\n``) and its signature lines, in order."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        _check_text(self.text)
        if not 1 <= len(self.signatures) <= MAX_SIGNATURES:
            raise FormatError(
                f"expected 1 to {MAX_SIGNATURES} signature lines; found {len(self.signatures)}",
                field="signatures",
            )

    def render(self) -> str:
        """Text, blank line, signature lines: the wire form."""
        return self.text + "\n" + "".join(sig.render() for sig in self.signatures)


def _checked_signature(name: str, key_hash: bytes, signature: bytes) -> NoteSignature:
    """A :class:`NoteSignature` whose invariants the caller has established (no re-check)."""
    sig = object.__new__(NoteSignature)
    fields = sig.__dict__
    fields["name"] = name
    fields["key_hash"] = key_hash
    fields["signature"] = signature
    return sig


def _checked_note(text: str, signatures: tuple[NoteSignature, ...]) -> SignedNote:
    """A :class:`SignedNote` whose invariants the caller has established (no re-check)."""
    note = object.__new__(SignedNote)
    fields = note.__dict__
    fields["text"] = text
    fields["signatures"] = signatures
    return note


def _parse_line(line: str, number: int) -> NoteSignature:
    if not line.startswith(_DASH_SPACE):
        found = repr(line[:2]) if line else "an empty line"
        raise FormatError(
            f"expected a line starting with an em dash (U+2014) and a space; found {found}",
            field=f"signature line {number}",
        )
    fields = line[2:].split(" ")
    if len(fields) != 2:
        raise FormatError(
            f"expected '— <key name> <base64>' with single spaces; found {len(fields)} "
            "space-separated field(s) after the dash",
            field=f"signature line {number}",
        )
    name, blob = fields
    if not plain_key_name(name):
        check_key_name(name, field=f"signature line {number}")
    raw = canonical_b64decode(blob)
    if raw is None:
        raw = strict_b64decode(blob, field=f"signature line {number}")  # raises the refusal
    if len(raw) < _MIN_DECODED:
        raise FormatError(
            f"expected at least {_MIN_DECODED} bytes (4-byte key ID and a signature); "
            f"found {len(raw)}",
            field=f"signature line {number}",
        )
    # Every NoteSignature invariant holds here (name checked, 4-byte hint and a non-empty
    # signature from the length check), so the instance is built without re-checking.
    return _checked_signature(name, raw[:HINT_SIZE], raw[HINT_SIZE:])


def parse_signed_note(data: str | bytes) -> SignedNote:
    """Parse a signed note strictly, without verifying it (c2sp.org/signed-note "Format").

    Raises :class:`FormatError` naming the first thing that is wrong.
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"expected UTF-8; found byte 0x{data[exc.start]:02x} at offset {exc.start}",
                field="note",
            ) from None
    _check_text(data, field="note")
    split = data.rfind("\n\n")
    if split < 0:
        raise FormatError(
            "expected a blank line between the text and the signatures; found none", field="note"
        )
    text, block = data[: split + 1], data[split + 2 :]
    lines = block.split("\n")[:-1]  # block ends with "\n": _check_text saw the note's end
    if not lines:
        raise FormatError(
            "expected at least one signature line after the blank line; found none",
            field="signatures",
        )
    if len(lines) > MAX_SIGNATURES:
        raise FormatError(
            f"expected at most {MAX_SIGNATURES} signature lines; found {len(lines)}",
            field="signatures",
        )
    signatures = tuple([_parse_line(line, number) for number, line in enumerate(lines, 1)])
    # SignedNote's invariants hold: ``text`` is a prefix of the checked note ending in "\n",
    # and 1 to MAX_SIGNATURES lines were counted above.
    return _checked_note(text, signatures)


def sign_note(text: str, signers: Sequence[NoteSigner]) -> SignedNote:
    """Sign ``text`` with every signer, in order. ``text`` must be valid note text."""
    _check_text(text)
    if not signers:
        raise FormatError("expected at least one signer; found none", field="signers")
    message = text.encode("utf-8")
    signatures = tuple(
        NoteSignature(
            name=signer.name, key_hash=signer.key_id[:HINT_SIZE], signature=signer.sign(message)
        )
        for signer in signers
    )
    return SignedNote(text=text, signatures=signatures)


def add_signatures(note: SignedNote, signers: Sequence[NoteSigner]) -> SignedNote:
    """``note`` with more signature lines appended, e.g. a witness cosigning a checkpoint."""
    added = sign_note(note.text, signers).signatures
    return SignedNote(text=note.text, signatures=note.signatures + added)


def verify_note(note: SignedNote, verifiers: Sequence[NoteVerifier]) -> list[NoteVerifier]:
    """Check ``note`` against trusted keys; return those whose signature verified.

    Per c2sp.org/signed-note "Signatures": lines whose (name, 4-byte key ID) match no verifier
    are ignored; a matching line that fails raises :class:`SignatureError` (the SHOULD is
    applied); if no trusted key verified, :class:`SignatureError`. Two verifiers with the same
    name and key ID are a configuration error (:class:`FormatError`).
    """
    known: dict[tuple[str, bytes], NoteVerifier] = {}
    for verifier in verifiers:
        key = (verifier.name, bytes(verifier.key_id[:HINT_SIZE]))
        if key in known:
            raise FormatError(
                f"expected trusted keys with distinct name and key ID; found two for "
                f"{_describe(*key)}",
                field="verifiers",
            )
        known[key] = verifier
    message = note.text.encode("utf-8")
    verified: list[NoteVerifier] = []
    for sig in note.signatures:
        match = known.get((sig.name, sig.key_hash))
        if match is None:
            continue
        try:
            match.verify(message, sig.signature)
        except SignatureError as exc:
            raise SignatureError(
                f"signature line from trusted key {_describe(sig.name, sig.key_hash)} does not "
                f"verify: {exc.message}"
            ) from exc
        if not any(v is match for v in verified):
            verified.append(match)
    if not verified:
        trusted = ", ".join(_describe(n, h) for n, h in known) or "none"
        found = ", ".join(_describe(s.name, s.key_hash) for s in note.signatures)
        raise SignatureError(
            f"no signature from a trusted key; expected one of: {trusted}; "
            f"found signatures from: {found}"
        )
    return verified
