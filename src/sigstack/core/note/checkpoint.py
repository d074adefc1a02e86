"""Checkpoints, https://c2sp.org/tlog-checkpoint (transparency-log.md §3.2, §1.6).

The note text is at least three non-empty lines: the **origin** (the log's identity), the
**tree size** (ASCII decimal, no leading zeros), the **root hash** (standard base64 of the
32-byte RFC 6962 root), then optional non-empty extension lines (Rekor v1 writes
``Timestamp: <unix ns>``).

The checkpoint origin and the signature's key name are independent: Rekor v1 signs
``"<host> - <treeID>"`` under the name ``<host>`` (transparency-log.md §1.6), Rekor v2 uses the
same string for both (sigstore-clients.md §6.5).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass

from sigstack.core.note._base import (
    NoteSigner,
    NoteVerifier,
    canonical_b64decode,
    strict_b64decode,
)
from sigstack.core.note.signed_note import parse_signed_note, sign_note, verify_note
from sigstack.errors import FormatError, SignatureError

__all__ = ["Checkpoint", "open_checkpoint", "parse_checkpoint", "sign_checkpoint"]

_HASH_SIZE = 32
_MAX_SIZE = 2**64 - 1
_HEADER = ("origin", "size", "root hash")


def _shown(value: str, limit: int = 60) -> str:
    return repr(value) if len(value) <= limit else repr(value[:limit]) + "…"


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed tree head: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise FormatError(
                f"expected a non-empty single-line origin; found {_shown(self.origin)}",
                field="origin",
            )
        if not 0 <= self.size <= _MAX_SIZE:
            raise FormatError(
                f"expected a tree size between 0 and 2^64-1; found {self.size}", field="size"
            )
        if len(self.root_hash) != _HASH_SIZE:
            raise FormatError(
                f"expected a {_HASH_SIZE}-byte root hash; found {len(self.root_hash)} bytes",
                field="root hash",
            )
        for line in self.extensions:
            if not line or "\n" in line:
                raise FormatError(
                    f"expected non-empty single-line extensions; found {_shown(line)}",
                    field="extension",
                )

    def to_text(self) -> str:
        """The note text: ``origin\\nsize\\n<b64 root>\\n`` then one line per extension."""
        root = base64.b64encode(self.root_hash).decode("ascii")
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )


def _is_size(line: str) -> bool:
    """ASCII decimal without leading zeros (``0|[1-9][0-9]*``), at most 2^64-1."""
    return (
        line.isascii()
        and line.isdigit()
        and (line[0] != "0" or line == "0")
        and int(line) <= _MAX_SIZE
    )


def _is_root(line: str) -> bool:
    try:
        return len(strict_b64decode(line, field="root hash")) == _HASH_SIZE
    except FormatError:
        return False


def _missing_line(lines: list[str]) -> str | None:
    """Which header line is absent, if the lines present read as the header without it.

    Tells "size line missing" apart from "size line malformed" when a line was dropped.
    """
    first = lines[0] if lines else ""
    second = lines[1] if len(lines) > 1 else None
    if _is_size(first) and (second is None or _is_root(second)):
        return "origin"
    if second is not None and not _is_size(second) and _is_root(second):
        return "size"
    if len(lines) == 2 and _is_size(lines[1]):
        return "root hash"
    return None


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text strictly (c2sp.org/tlog-checkpoint "Note text").

    Raises :class:`FormatError` whose ``field`` is ``"origin"``, ``"size"``, ``"root hash"``
    or ``"extension"``.
    """
    if not text.endswith("\n"):
        raise FormatError(
            f"expected checkpoint text ending in a newline; found {text[-20:]!r} at its end",
            field="checkpoint",
        )
    lines = text[:-1].split("\n")
    # With a valid size on line 2 and at least 3 lines, no header line reads as missing
    # (a decimal size is never base64 of a 32-byte hash), so _missing_line is not needed.
    well_placed = len(lines) >= len(_HEADER) and _is_size(lines[1])
    missing = None if well_placed else _missing_line(lines)
    if len(lines) < len(_HEADER) or missing is not None:
        field = missing or ("origin" if not lines[0] else _HEADER[len(lines)])
        raise FormatError(
            f"expected at least 3 header lines (origin, tree size, root hash); found "
            f"{len(lines)} line(s), the {field} line missing",
            field=field,
        )
    origin, size, root, *extensions = lines
    if not origin:
        raise FormatError("expected a non-empty origin line; found an empty line", field="origin")
    if not well_placed:
        raise FormatError(
            "expected a tree size in ASCII decimal without leading zeros, at most 2^64-1; "
            f"found {_shown(size)}",
            field="size",
        )
    root_hash = canonical_b64decode(root)
    if root_hash is None:
        root_hash = strict_b64decode(root, field="root hash")  # raises the refusal
    if len(root_hash) != _HASH_SIZE:
        raise FormatError(
            f"expected base64 of a {_HASH_SIZE}-byte root hash; found {len(root_hash)} bytes",
            field="root hash",
        )
    if "" in extensions:
        number = extensions.index("") + 4
        raise FormatError(
            f"expected non-empty extension lines; found line {number} empty", field="extension"
        )
    # Every Checkpoint invariant holds (origin, size range, hash length, non-empty single-line
    # extensions were checked above), so the instance is built without re-checking.
    checkpoint = object.__new__(Checkpoint)
    fields = checkpoint.__dict__
    fields["origin"] = origin
    fields["size"] = int(size)
    fields["root_hash"] = root_hash
    fields["extensions"] = tuple(extensions)
    return checkpoint


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[NoteSigner]) -> str:
    """The full signed-note text of ``checkpoint`` signed by every signer."""
    return sign_note(checkpoint.to_text(), signers).render()


def open_checkpoint(
    note: str | bytes, verifiers: Sequence[NoteVerifier], *, origin: str | None = None
) -> Checkpoint:
    """Parse a signed checkpoint, verify it, and return its body.

    Order: note syntax and checkpoint syntax (:class:`FormatError`), then signatures
    (:class:`SignatureError`, :func:`verify_note` rules), then, if ``origin`` is given, that
    the verified checkpoint is for that log (:class:`SignatureError`: a valid signature over
    another log's checkpoint does not vouch for this one).
    """
    signed = parse_signed_note(note)
    checkpoint = parse_checkpoint(signed.text)
    verify_note(signed, verifiers)
    if origin is not None and checkpoint.origin != origin:
        raise SignatureError(
            f"expected a checkpoint with origin {origin!r}; found origin {checkpoint.origin!r}",
            field="origin",
        )
    return checkpoint
