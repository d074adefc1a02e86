"""A strict DER reader (ITU-T X.690 §10): definite, shortest-form lengths, low tag numbers,
minimal INTEGERs, ordered ``SET OF``, nothing after the last field.

The generic half of timestamp parsing: :mod:`.cms` reads the RFC 3161 / RFC 5652
structures with it. Every malformed input raises :class:`TimestampFormatError` naming
what was expected and what was found.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

from sigstack.errors import VerificationError

__all__ = [
    "BIT_STRING",
    "BOOLEAN",
    "GENERALIZED_TIME",
    "INTEGER",
    "OCTET_STRING",
    "OID",
    "SEQUENCE",
    "SET",
    "UTF8_STRING",
    "Cursor",
    "TimestampFormatError",
    "check_set_order",
    "decode_oid",
    "encode_oid",
]


class TimestampFormatError(VerificationError):
    """The bytes are not a DER ``TimeStampResp`` of the shape RFC 3161 / RFC 5652 define."""


BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
OID = 0x06
UTF8_STRING = 0x0C
SEQUENCE = 0x30
SET = 0x31
GENERALIZED_TIME = 0x18
_MAX_LENGTH_OCTETS = 4  # 4 GiB: far beyond any timestamp; keeps lengths bounded
#: ``optional``'s description of each tag, formatted once.
_TAG_NAMES = {tag: f"tag 0x{tag:02x}" for tag in range(256)}
_new = object.__new__
_NULL = b"\x05\x00"


def encode_oid(dotted: str) -> bytes:
    """The content octets of an OBJECT IDENTIFIER (X.690 §8.19), for byte comparisons."""
    arcs = [int(a) for a in dotted.split(".")]
    values = [arcs[0] * 40 + arcs[1], *arcs[2:]]
    out = bytearray()
    for arc in values:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out.extend(reversed(chunk))
    return bytes(out)


@lru_cache(maxsize=512)
def decode_oid(content: bytes) -> str:
    """Dotted form of OID content octets (for messages); strict about minimal arcs."""
    if not content or content[-1] & 0x80:
        raise TimestampFormatError(f"expected an OBJECT IDENTIFIER, found {content.hex()}")
    arcs: list[int] = []
    value = 0
    fresh = True
    for octet in content:
        if fresh and octet == 0x80:
            raise TimestampFormatError("expected minimal OBJECT IDENTIFIER arcs (X.690 §8.19.2)")
        value = (value << 7) | (octet & 0x7F)
        fresh = not octet & 0x80
        if fresh:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(a) for a in (first, arcs[0] - first * 40, *arcs[1:]))


class Cursor:
    """Reads consecutive TLVs of ``buf[pos:end]``."""

    __slots__ = ("buf", "end", "pos")

    def __init__(self, buf: bytes, pos: int, end: int) -> None:
        self.buf = buf
        self.pos = pos
        self.end = end

    def peek(self) -> int | None:
        """The next tag, or None at the end."""
        return self.buf[self.pos] if self.pos < self.end else None

    def header(self, what: str) -> tuple[int, int, int]:
        """(tag, content start, content end) of the next TLV; advances past it."""
        buf, pos, end = self.buf, self.pos, self.end
        if pos + 2 > end:
            raise TimestampFormatError(f"expected {what}, found the end of the data")
        tag = buf[pos]
        if tag & 0x1F == 0x1F:
            raise TimestampFormatError(f"expected {what}, found a high-number tag")
        size = buf[pos + 1]
        pos += 2
        if size & 0x80:
            count = size & 0x7F
            if count == 0:
                raise TimestampFormatError(f"expected {what} in DER, found an indefinite length")
            if count > _MAX_LENGTH_OCTETS or pos + count > end:
                raise TimestampFormatError(f"expected {what}, found a truncated length")
            size = int.from_bytes(buf[pos : pos + count], "big")
            if buf[pos] == 0 or size < 0x80:
                raise TimestampFormatError(f"expected {what} with a shortest-form DER length")
            pos += count
        if pos + size > end:
            raise TimestampFormatError(f"expected {what}, found it truncated")
        self.pos = pos + size
        return tag, pos, pos + size

    def expect(self, tag: int, what: str) -> tuple[int, int]:
        """Content range of the next TLV, which must carry ``tag``; advances past it."""
        buf, pos, end = self.buf, self.pos, self.end
        if pos + 4 <= end and buf[pos] == tag:  # fast paths of header() for short TLVs
            size = buf[pos + 1]
            if size < 0x80:
                begin = pos + 2
            elif size == 0x81 and buf[pos + 2] >= 0x80:
                begin, size = pos + 3, buf[pos + 2]
            elif size == 0x82 and buf[pos + 2]:
                begin, size = pos + 4, buf[pos + 2] << 8 | buf[pos + 3]
            else:
                begin = -1
            if begin > 0:
                stop = begin + size
                if stop > end:
                    raise TimestampFormatError(f"expected {what}, found it truncated")
                self.pos = stop
                return begin, stop
        found, begin, stop = self.header(what)
        if found != tag:
            self.pos = pos
            raise TimestampFormatError(
                f"expected {what} (tag 0x{tag:02x}), found tag 0x{found:02x}"
            )
        return begin, stop

    def element(self, tag: int, what: str) -> bytes:
        """The whole TLV (header included) of the next value, which must carry ``tag``."""
        start = self.pos
        self.expect(tag, what)
        return self.buf[start : self.pos]

    def sub(self, tag: int, what: str) -> Cursor:
        """A cursor over the content of the next value (tag ``tag``)."""
        buf, pos, end = self.buf, self.pos, self.end
        if pos + 4 <= end and buf[pos] == tag:  # expect()'s fast paths, inlined
            size = buf[pos + 1]
            if size < 0x80:
                begin = pos + 2
            elif size == 0x81 and buf[pos + 2] >= 0x80:
                begin, size = pos + 3, buf[pos + 2]
            elif size == 0x82 and buf[pos + 2]:
                begin, size = pos + 4, buf[pos + 2] << 8 | buf[pos + 3]
            else:
                begin = -1
            if begin > 0 and begin + size <= end:
                self.pos = stop = begin + size
                child = _new(Cursor)  # __init__'s work, without its call
                child.buf, child.pos, child.end = buf, begin, stop
                return child
        begin, stop = self.expect(tag, what)
        return Cursor(buf, begin, stop)

    def optional(self, tag: int) -> tuple[int, int] | None:
        """The content range of the next TLV when it carries ``tag``; None otherwise."""
        if self.pos >= self.end or self.buf[self.pos] != tag:
            return None
        return self.expect(tag, _TAG_NAMES[tag])

    def integer(self, what: str) -> int:
        """An INTEGER in minimal two's complement (X.690 §8.3.2)."""
        buf, pos = self.buf, self.pos
        if pos + 3 <= self.end and buf[pos] == INTEGER and buf[pos + 1] == 1:
            self.pos = pos + 3  # fast path: one content octet is always minimal
            value = buf[pos + 2]
            return value - 256 if value & 0x80 else value
        begin, stop = self.expect(INTEGER, what)
        if stop == begin:
            raise TimestampFormatError(f"expected {what}, found an empty INTEGER")
        if stop - begin > 1 and (
            (buf[begin] == 0 and not buf[begin + 1] & 0x80)
            or (buf[begin] == 0xFF and buf[begin + 1] & 0x80)
        ):
            raise TimestampFormatError(f"expected {what} in minimal form (X.690 §8.3.2)")
        return int.from_bytes(buf[begin:stop], "big", signed=True)

    def oid(self, what: str) -> bytes:
        """The content octets of an OBJECT IDENTIFIER."""
        buf, pos = self.buf, self.pos
        if pos + 2 <= self.end and buf[pos] == OID and buf[pos + 1] < 0x80:  # short form
            begin, stop = pos + 2, pos + 2 + buf[pos + 1]
            if stop <= self.end and begin != stop and not buf[stop - 1] & 0x80:
                self.pos = stop
                return buf[begin:stop]
        begin, stop = self.expect(OID, what)
        if begin == stop or self.buf[stop - 1] & 0x80:
            raise TimestampFormatError(f"expected {what}, found a malformed OBJECT IDENTIFIER")
        return self.buf[begin:stop]

    def octets(self, what: str) -> bytes:
        """The content of a primitive OCTET STRING."""
        begin, stop = self.expect(OCTET_STRING, what)
        return self.buf[begin:stop]

    def algorithm(self, what: str) -> tuple[bytes, bytes | None]:
        """AlgorithmIdentifier (RFC 5280 §4.1.1.2): (OID octets, parameters TLV or None)."""
        inner = self.sub(SEQUENCE, what)
        oid = inner.oid(f"{what} algorithm")
        params = None
        pos, end = inner.pos, inner.end
        if end - pos == 2 and inner.buf[pos] == 0x05 and inner.buf[pos + 1] == 0:
            return oid, _NULL  # the usual NULL parameters, all that is left
        if pos < end:
            inner.header(f"{what} parameters")
            params = inner.buf[pos : inner.pos]
        inner.done(what)
        return oid, params

    def digest_algorithm(self, what: str) -> str:
        """A digest AlgorithmIdentifier (dotted): parameters absent or NULL (RFC 5754 §2)."""
        oid, params = self.algorithm(what)
        if params not in (None, _NULL):
            raise TimestampFormatError(
                f"expected {what} parameters absent or NULL, found {params.hex()}"
            )
        return decode_oid(oid)

    def done(self, what: str) -> None:
        """Nothing may follow the last field of ``what``."""
        if self.pos != self.end:
            raise TimestampFormatError(
                f"expected the end of {what}, found {self.end - self.pos} more bytes"
            )


def check_set_order(items: list[bytes], what: str) -> None:
    """DER ``SET OF``: encodings in ascending order, shorter ones 0-padded (X.690 §11.6)."""
    if len(items) < 2:
        return
    for before, after in itertools.pairwise(items):
        if before <= after:  # plain order implies the 0-padded order (a prefix sorts first)
            continue
        size = max(len(before), len(after))
        if before.ljust(size, b"\x00") > after.ljust(size, b"\x00"):
            raise TimestampFormatError(f"expected {what} in DER SET OF order (X.690 §11.6)")
