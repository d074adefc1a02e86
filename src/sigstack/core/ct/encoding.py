"""TLS presentation-language encoding (RFC 5246 §4) as RFC 6962 uses it.

Integers are big-endian; a variable-length vector ``opaque x<0..2^N-1>`` is its
length in ``ceil(N/8)`` bytes followed by the bytes. :class:`Reader` parses the
same and raises :class:`~sigstack.errors.FormatError` on short input.
"""

from __future__ import annotations

from sigstack.errors import FormatError

__all__ = ["Reader", "u8", "u16", "u24", "u64", "vector"]


def _uint(value: int, size: int) -> bytes:
    if not 0 <= value < 1 << (8 * size):
        raise FormatError(f"{value} does not fit in {size} bytes")
    return value.to_bytes(size, "big")


def u8(value: int) -> bytes:
    """``uint8``."""
    return _uint(value, 1)


def u16(value: int) -> bytes:
    """``uint16``."""
    return _uint(value, 2)


def u24(value: int) -> bytes:
    """``uint24``."""
    return _uint(value, 3)


def u64(value: int) -> bytes:
    """``uint64``."""
    return _uint(value, 8)


def vector(data: bytes, length_bytes: int) -> bytes:
    """``opaque data<0..2^(8*length_bytes)-1>``: length prefix, then the bytes."""
    return _uint(len(data), length_bytes) + data


class Reader:
    """Reads TLS-encoded values from ``data`` front to back; ``what`` names it in errors."""

    def __init__(self, data: bytes, what: str) -> None:
        self._data = bytes(data)
        self._pos = 0
        self._what = what

    def take(self, size: int) -> bytes:
        """The next ``size`` bytes."""
        end = self._pos + size
        if end > len(self._data):
            raise FormatError(
                f"{self._what} is truncated: needed {size} bytes at offset {self._pos},"
                f" only {len(self._data) - self._pos} remain"
            )
        out = self._data[self._pos : end]
        self._pos = end
        return out

    def uint(self, size: int) -> int:
        """A big-endian unsigned integer of ``size`` bytes."""
        return int.from_bytes(self.take(size), "big")

    def vector(self, length_bytes: int) -> bytes:
        """A variable-length vector with a ``length_bytes`` length prefix."""
        return self.take(self.uint(length_bytes))

    @property
    def remaining(self) -> int:
        """Bytes not read yet."""
        return len(self._data) - self._pos

    def done(self) -> None:
        """Refuse trailing bytes."""
        if self.remaining:
            raise FormatError(f"{self._what} has {self.remaining} trailing bytes")
