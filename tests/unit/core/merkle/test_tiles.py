"""C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles; transparency-log.md §3.3, §4.5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.reference import merkle_ref

from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.core.merkle.tiles import (
    entries_path,
    format_index,
    hash_from_tile,
    node_tile_address,
    parse_index,
    parse_tile_path,
    partial_width,
    tile_path,
)
from sigstack.errors import FormatError, NotFoundError

from .vectors import entries


@pytest.mark.parametrize(
    ("n", "s"),
    [(1234067, "x001/x234/067"), (19669, "x019/669"), (5, "005"), (0, "000"), (1000, "x001/000")],
)
def test_index_spec_examples(n: int, s: str) -> None:
    assert format_index(n) == s
    assert parse_index(s) == n


@given(st.integers(0, 2**64 - 1))
def test_index_round_trip(n: int) -> None:
    assert parse_index(format_index(n)) == n


@pytest.mark.parametrize(
    "s",
    ["", "5", "05", "0005", "x005", "x000/005", "x001/05", "001/234", "x1/234", "x001/x234",
     "abc", "\u0660\u0660\u0665", "x001//234", "+05", " 005", "005 ", "005\n", "x001/234/",
     "x018/x446/x744/x073/x709/x551/616", "x001/x001/x001/x001/x001/x001/x001/001"],
)  # fmt: skip
def test_index_parse_errors(s: str) -> None:
    with pytest.raises(FormatError, match="tile index"):
        parse_index(s)


def test_tile_paths() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(0, 1234) == "tile/0/x001/234"
    assert tile_path(0, 1234, 5) == "tile/0/x001/234.p/5"
    assert tile_path(63, 5, 256) == "tile/63/005"
    assert entries_path(1234) == "tile/entries/x001/234"
    assert entries_path(1234, 255) == "tile/entries/x001/234.p/255"


@pytest.mark.parametrize(
    ("level", "width"), [(0, 0), (0, 257), (64, 256), (-1, 256)], ids=["w0", "w257", "L64", "L-1"]
)
def test_tile_path_errors(level: int, width: int) -> None:
    with pytest.raises(FormatError):
        tile_path(level, 1, width)


@pytest.mark.parametrize(
    ("path", "want"),
    [
        ("0/x001/234.p/5", (0, 1234, 5)),
        ("entries/005", (None, 5, 256)),
        ("entries/x001/x234/067.p/255", (None, 1234067, 255)),
        ("2/000.p/1", (2, 0, 1)),
        ("63/x019/669", (63, 19669, 256)),
    ],
)
def test_parse_tile_path(path: str, want: tuple[int | None, int, int]) -> None:
    assert parse_tile_path(path) == want
    level, index, width = want
    render = entries_path(index, width) if level is None else tile_path(level, index, width)
    assert render == "tile/" + path


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("0/005.p/0", id="width-0"),
        pytest.param("0/005.p/256", id="width-256"),
        pytest.param("0/005.p/05", id="width-leading-zero"),
        pytest.param("0/005.p/", id="width-empty"),
        pytest.param("0/005.p/5/6", id="width-extra-group"),
        pytest.param("0/005/.p/5", id="p-as-a-group"),
        pytest.param("64/005", id="level-64"),
        pytest.param("00/005", id="level-leading-zero"),
        pytest.param("-1/005", id="level-negative"),
        pytest.param("x/0/005", id="leading-junk"),
        pytest.param("tile/0/005", id="tile-prefix-not-stripped"),
        pytest.param("0/00a", id="non-digit"),
        pytest.param("0/x000/005", id="extra-zero-group"),
        pytest.param("entries/x005", id="entries-bad-index"),
        pytest.param("data/005", id="unknown-kind"),
        pytest.param("0", id="no-index"),
        pytest.param("0/", id="empty-index"),
    ],
)
def test_parse_tile_path_errors(path: str) -> None:
    with pytest.raises(FormatError) as exc:
        parse_tile_path(path)
    assert exc.value.field == "path"


def test_partial_widths_spec_example() -> None:
    # size 70,000 → 273 full L0 tiles + L0 .p/112, 1 full L1 + L1 .p/17, L2 .p/1.
    assert [partial_width(70_000, lv) for lv in range(4)] == [112, 17, 1, 0]
    assert partial_width(256, 0) == 0 and partial_width(256, 1) == 1


@pytest.mark.parametrize(
    ("node", "address"),
    [
        ((0, 1234), (0, 4, 0, 210)),
        ((3, 100), (0, 3, 3, 4)),
        ((7, 5), (0, 2, 7, 1)),  # leaves [640, 768): right half of tile 2
        ((8, 5), (1, 0, 0, 5)),
        ((15, 2), (1, 1, 7, 0)),
        ((16, 0), (2, 0, 0, 0)),
    ],
)
def test_node_tile_address(node: tuple[int, int], address: tuple[int, int, int, int]) -> None:
    assert node_tile_address(*node) == address


def test_hash_from_tile_rehashes_inner_rows() -> None:
    data = entries(256)
    ref = merkle_ref.MemoTree(data)
    tile = b"".join(leaf_hash(d) for d in data)
    for row in range(8):
        for col in range(256 >> row):
            assert hash_from_tile(tile, row, col) == ref.mth(col << row, (col + 1) << row)
    partial = tile[: 37 * 32]  # a partial tile serves the nodes it fully holds
    assert hash_from_tile(partial, 5, 0) == ref.mth(0, 32)
    with pytest.raises(NotFoundError, match="tile holds 37 hashes, node needs 40"):
        hash_from_tile(partial, 3, 4)
    with pytest.raises(FormatError, match="whole 32-byte hashes"):
        hash_from_tile(tile[:-1], 0, 0)
    with pytest.raises(FormatError, match="no node at row 8"):
        hash_from_tile(tile, 8, 0)
    with pytest.raises(FormatError, match="column 2"):
        hash_from_tile(tile, 7, 2)
