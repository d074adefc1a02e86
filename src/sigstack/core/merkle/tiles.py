"""C2SP tlog-tiles layout: tile paths, partial widths, node → tile addressing.

Spec: https://c2sp.org/tlog-tiles (transparency-log.md §3.3, §4.5).

* A tile has height 8: a full tile stores 256 hashes (8,192 bytes), the bottom
  row of a subtree of height 8. Tile level ``L`` holds the tree nodes at level
  ``8·L``; tile ``N`` at level ``L`` holds nodes ``N·256 … N·256+255``.
* ``<N>`` in a path is the decimal index in 3-digit groups from the right,
  every group but the last prefixed with ``x``: 1234067 → ``x001/x234/067``.
* A partial tile (the right edge) has width ``W`` in 1–255 and the suffix ``.p/<W>``.

>>> tile_path(0, 1234067)
'tile/0/x001/x234/067'
>>> parse_tile_path("0/x001/234.p/5")
(0, 1234, 5)
"""

from __future__ import annotations

import hashlib
import re

from sigstack.core.merkle.rfc6962 import HASH_SIZE
from sigstack.errors import FormatError, NotFoundError

__all__ = [
    "MAX_TILE_LEVEL",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "entries_path",
    "format_index",
    "hash_from_tile",
    "node_tile_address",
    "parse_index",
    "parse_tile_path",
    "partial_width",
    "tile_path",
]

#: Tree levels per tile.
TILE_HEIGHT = 8
#: Hashes (or entries) in a full tile: ``2 ** TILE_HEIGHT``.
TILE_WIDTH = 256
#: Highest tile level a path may name (tlog-tiles: ``L`` is 0–63).
MAX_TILE_LEVEL = 63
#: Tile indexes are below 2^64 (a uint64 tree size); bounds parsing work.
_MAX_INDEX = 1 << 64

_NODE_PREFIX = b"\x01"  # RFC 6962 §2.1 interior node
_GROUP = re.compile(r"[0-9]{3}", re.ASCII)
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,2}", re.ASCII)


def format_index(n: int) -> str:
    """Path form of tile index ``n``: 1234067 → ``x001/x234/067``; 5 → ``005``."""
    if not 0 <= n < _MAX_INDEX:
        raise FormatError(f"expected a tile index in [0, 2^64), found {n}", field="index")
    groups = [f"{n % 1000:03d}"]
    n //= 1000
    while n:
        groups.append(f"x{n % 1000:03d}")
        n //= 1000
    return "/".join(reversed(groups))


def parse_index(s: str) -> int:
    """Strict inverse of :func:`format_index`.

    Rejects anything :func:`format_index` would not produce: missing or extra
    ``x``, leading ``x000`` groups, non-ASCII digits, empty groups.
    """
    parts = s.split("/")
    well_formed = (
        len(parts) <= 7
        and all(p.startswith("x") and _GROUP.fullmatch(p[1:]) for p in parts[:-1])
        and _GROUP.fullmatch(parts[-1]) is not None
    )
    if not well_formed:
        raise FormatError(f"malformed tile index {s!r}", field="index")
    n = int("".join(p.lstrip("x") for p in parts))
    if n >= _MAX_INDEX or format_index(n) != s:
        raise FormatError(f"non-canonical tile index {s!r}", field="index")
    return n


def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise FormatError(f"expected a tile width in 1..{TILE_WIDTH}, found {width}", field="width")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]`` for the hash tile at ``(level, index)`` holding ``width`` hashes."""
    if not 0 <= level <= MAX_TILE_LEVEL:
        raise FormatError(f"expected a tile level in 0..63, found {level}", field="level")
    return f"tile/{level}/{format_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]`` for entry bundle ``index`` holding ``width`` entries."""
    return f"tile/entries/{format_index(index)}{_suffix(width)}"


def parse_tile_path(path: str) -> tuple[int | None, int, int]:
    """Parse the part of a tile URL after ``tile/``.

    Returns ``(level, index, width)``; ``level`` is ``None`` for an entry bundle
    and ``width`` is 256 for a full tile. ``"0/x001/234.p/5"`` → ``(0, 1234, 5)``,
    ``"entries/005"`` → ``(None, 5, 256)``.
    """
    head, sep, rest = path.partition("/")
    if not sep:
        raise FormatError(f"malformed tile path {path!r}", field="path")
    level: int | None
    if head == "entries":
        level = None
    elif _DECIMAL.fullmatch(head) and int(head) <= MAX_TILE_LEVEL:
        level = int(head)
    else:
        raise FormatError(f"expected a tile level 0..63 or 'entries', found {head!r}", field="path")
    width = TILE_WIDTH
    index_part, dot_p, width_part = rest.partition(".p/")
    if dot_p:
        if not _DECIMAL.fullmatch(width_part) or not 1 <= int(width_part) < TILE_WIDTH:
            raise FormatError(
                f"expected a partial tile width 1..255, found {width_part!r}", field="path"
            )
        width = int(width_part)
    try:
        index = parse_index(index_part)
    except FormatError as exc:
        raise FormatError(exc.message, field="path") from None
    return level, index, width


def partial_width(size: int, tile_level: int) -> int:
    """Hashes in the right-edge tile at ``tile_level`` for a tree of ``size``.

    ``⌊size / 256^L⌋ mod 256`` (tlog-tiles "Partial tiles").

    0 means the edge at that level is a tile boundary (no partial tile).
    """
    if size < 0 or tile_level < 0:
        raise FormatError(f"expected size, level >= 0, found {size}, {tile_level}", field="size")
    return (size >> (TILE_HEIGHT * tile_level)) % TILE_WIDTH


def node_tile_address(level: int, index: int) -> tuple[int, int, int, int]:
    """``(tile_level, tile_index, row, col)`` of tree node ``(level, index)``.

    ``row = level mod 8`` levels above the tile's bottom row, column ``col``
    within that row (tessera ``layout.NodeCoordsToTileAddress``, transparency-log.md §4.5).
    """
    if level < 0 or index < 0:
        raise FormatError(f"expected a node id >= 0, found ({level}, {index})", field="level")
    row = level % TILE_HEIGHT
    shift = TILE_HEIGHT - row
    return level // TILE_HEIGHT, index >> shift, row, index & ((1 << shift) - 1)


def hash_from_tile(tile: bytes, row: int, col: int) -> bytes:
    """Hash of the node ``row`` levels above the bottom of ``tile``, at column ``col``.

    ``tile`` is the concatenated bottom row (possibly a partial tile). Row 0 is
    a stored hash; higher rows are re-hashed from the ``2^row`` stored hashes
    under the node. Raises :class:`NotFoundError` if the tile is too short.
    """
    if not 0 <= row < TILE_HEIGHT or not 0 <= col < TILE_WIDTH >> row:
        raise FormatError(f"no node at row {row}, column {col} of a tile", field="row")
    if len(tile) % HASH_SIZE:
        raise FormatError(
            f"expected a tile of whole {HASH_SIZE}-byte hashes, found {len(tile)} bytes",
            field="tile",
        )
    first, count = col << row, 1 << row
    if len(tile) < (first + count) * HASH_SIZE:
        raise NotFoundError(
            f"tile holds {len(tile) // HASH_SIZE} hashes, node needs {first + count}",
            field="tile",
        )
    data = bytes(tile[first * HASH_SIZE : (first + count) * HASH_SIZE])
    row_hashes = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
    sha = hashlib.sha256  # inlined node_hash: this loop is most of a proof's cost
    while len(row_hashes) > 1:
        pairs = zip(row_hashes[::2], row_hashes[1::2], strict=True)
        row_hashes = [sha(_NODE_PREFIX + left + right).digest() for left, right in pairs]
    return row_hashes[0]
