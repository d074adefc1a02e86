"""Textual encoding of DER structures: PEM as RFC 7468 §2 and §5 define it, strict on input.

Written out (no ``cryptography.x509``) so that the signing path reads and writes PEM
without loading cryptography's X.509 package (docs/benchmarks.md). Output is byte for
byte what OpenSSL and cryptography write: 64-character base64 lines, ``\\n`` line ends, a
final newline (Rekor v1 keeps the PEM a signer sends, and verifiers rebuild it from the
DER to compare, sigstore-clients.md §5.1).
"""

from __future__ import annotations

import base64
import binascii

from sigstack.errors import FormatError

__all__ = ["pem_decode", "pem_decode_all", "pem_encode"]

_LINE = 64


def pem_encode(label: str, der: bytes) -> str:
    """``-----BEGIN {label}-----`` … ``-----END {label}-----`` around ``der`` (RFC 7468 §2)."""
    text = base64.b64encode(der).decode()
    lines = [text[i : i + _LINE] for i in range(0, len(text), _LINE)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def pem_decode_all(text: str, label: str, *, field: str | None = None) -> list[bytes]:
    """The DER of every ``label`` block in ``text``, in order; at least one.

    Lax only where RFC 7468 §3 allows (``\\r\\n`` line ends, whitespace between blocks);
    anything else between or inside the blocks, another label, or bad base64 is refused.
    """
    begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
    found: list[bytes] = []
    rest = text.replace("\r\n", "\n").strip()
    if not rest:
        raise FormatError(f"expected a PEM {label}, found nothing", field=field)
    while rest:
        if not rest.startswith(begin):
            raise FormatError(f"expected {begin!r}, found {rest[:40]!r}", field=field)
        stop = rest.find(end)
        if stop < 0:
            raise FormatError(f"expected {end!r} after {begin!r}, found none", field=field)
        body = "".join(rest[len(begin) : stop].split())
        try:
            der = binascii.a2b_base64(body, strict_mode=True)
        except binascii.Error as exc:
            raise FormatError(
                f"expected base64 inside the PEM {label}: {exc}", field=field
            ) from exc
        if not der:
            raise FormatError(f"expected DER inside the PEM {label}, found none", field=field)
        found.append(der)
        rest = rest[stop + len(end) :].lstrip()
    return found


def pem_decode(text: str, label: str, *, field: str | None = None) -> bytes:
    """The DER of the one ``label`` block that is all of ``text``."""
    blocks = pem_decode_all(text, label, field=field)
    if len(blocks) != 1:
        raise FormatError(f"expected one PEM {label}, found {len(blocks)}", field=field)
    return blocks[0]
