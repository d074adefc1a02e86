"""The few DER encodings (ITU-T X.690 §8, §10, §11) the fast response path concatenates.

Everything structured is encoded once by asn1crypto; per response only lengths,
INTEGERs, times and OCTET STRINGs are written here. Tests parse every response
back with asn1crypto and check that re-encoding it yields the same bytes.
"""

from __future__ import annotations

from datetime import datetime

__all__ = [
    "SEQUENCE",
    "SET",
    "context",
    "generalized_time",
    "integer",
    "octet_string",
    "tlv",
    "utc_time",
]

SEQUENCE = 0x30
SET = 0x31
_INTEGER = 0x02
_OCTET_STRING = 0x04
_UTC_TIME = 0x17
_GENERALIZED_TIME = 0x18


def tlv(tag: int, content: bytes) -> bytes:
    """Tag, definite length (X.690 §8.1.3, shortest form as §10.1 requires), content."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def context(number: int, content: bytes) -> bytes:
    """A constructed context-specific tag ``[number]`` around ``content`` (X.690 §8.1.2)."""
    return tlv(0xA0 | number, content)


def integer(value: int) -> bytes:
    """A non-negative INTEGER in the fewest octets, two's complement (X.690 §8.3)."""
    if value < 0:
        raise ValueError("only non-negative integers are encoded here")
    return tlv(_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def octet_string(value: bytes) -> bytes:
    """An OCTET STRING, primitive (X.690 §10.2)."""
    return tlv(_OCTET_STRING, value)


def generalized_time(value: datetime) -> bytes:
    """GeneralizedTime ``YYYYMMDDHHMMSSZ`` for a UTC time in whole seconds (X.690 §11.7)."""
    return tlv(_GENERALIZED_TIME, value.strftime("%Y%m%d%H%M%SZ").encode())


def utc_time(value: datetime) -> bytes:
    """UTCTime ``YYMMDDHHMMSSZ`` (X.690 §11.8; RFC 5652 §11.3 for years 1950-2049)."""
    if not 1950 <= value.year < 2050:
        raise ValueError(f"UTCTime cannot carry the year {value.year}")
    return tlv(_UTC_TIME, value.strftime("%y%m%d%H%M%SZ").encode())
