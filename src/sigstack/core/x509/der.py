"""The few DER encodings the profile needs: UTF8String and OCTET STRING (X.690 §8.1, §10.1).

Small enough to write out, and strict on input: minimal lengths, no trailing bytes (Go's
``asn1.Unmarshal`` rejects trailing data too; ca-tsa-oidc-tuf.md §3).
"""

from __future__ import annotations

from sigstack.errors import FormatError

__all__ = [
    "TAG_OCTET_STRING",
    "TAG_UTF8STRING",
    "decode_tlv",
    "encode_tlv",
    "read_tlv",
    "utf8string",
]

TAG_UTF8STRING = 0x0C
TAG_OCTET_STRING = 0x04


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode_tlv(tag: int, value: bytes) -> bytes:
    """DER tag-length-value with a definite, minimal length."""
    return bytes([tag]) + _length(len(value)) + value


def utf8string(text: str) -> bytes:
    """DER UTF8String (tag ``0x0C``): what Go's ``asn1.MarshalWithParams(s, "utf8")`` emits."""
    return encode_tlv(TAG_UTF8STRING, text.encode())


def read_tlv(data: bytes, pos: int = 0, *, field: str | None = None) -> tuple[int, int, int]:
    """``(tag, content_start, content_end)`` of the DER TLV at ``pos`` (single-byte tags only)."""
    if pos + 2 > len(data):
        raise FormatError("truncated DER", field=field)
    tag, first, start = data[pos], data[pos + 1], pos + 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n == 0 or n > 4 or start + n > len(data) or data[start] == 0:
            raise FormatError("bad DER length", field=field)
        length = int.from_bytes(data[start : start + n], "big")
        start += n
        if length < 0x80:
            raise FormatError("non-minimal DER length", field=field)
    if start + length > len(data):
        raise FormatError("DER length overruns the data", field=field)
    return tag, start, start + length


def decode_tlv(tag: int, data: bytes, *, field: str | None = None) -> bytes:
    """Contents of the DER TLV with ``tag`` that spans all of ``data``, else FormatError."""
    got, start, end = read_tlv(data, field=field)
    if got != tag:
        raise FormatError(f"expected DER tag 0x{tag:02x}", field=field)
    if end != len(data):
        raise FormatError("trailing bytes after the DER value", field=field)
    return data[start:end]
