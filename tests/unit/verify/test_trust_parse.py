"""TrustedRoot parsing (sigstore-clients.md §2.3) round-trips what the model renders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sigstack.core.trust.model import render
from sigstack.core.trust.parse import parse_trusted_root
from sigstack.errors import FormatError

PUBLIC_GOOD = Path("/work/shared/trust/public-good/trusted_root.json")
CASES = Path("/work/shared/conformance/bundle-verify")


def test_public_good_parses_and_round_trips() -> None:
    root = parse_trusted_root(PUBLIC_GOOD.read_bytes())
    assert root.tlogs and root.ctlogs and root.certificate_authorities
    assert root.timestamp_authorities
    again = parse_trusted_root(render(root))
    assert render(again) == render(root)


def test_null_end_is_open() -> None:
    root = parse_trusted_root(
        (CASES / "trust-root-tlog-validity-end-inclusive" / "trusted_root.json").read_bytes()
    )
    assert any(t.valid_for.end is None for t in root.tlogs)


def test_missing_start_is_rejected() -> None:
    case = CASES / "trust-root-tlog-missing-validity-start_fail" / "trusted_root.json"
    with pytest.raises(FormatError) as info:
        parse_trusted_root(case.read_bytes())
    assert info.value.field == "tlogs[1].publicKey.validFor.start"


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(mediaType="x"),
        lambda d: d.pop("tlogs"),
        lambda d: d["tlogs"][0]["publicKey"].update(rawBytes="!!"),
        lambda d: d["tlogs"][0]["publicKey"]["validFor"].update(start="2021-01-01T00:00:00"),
        lambda d: d["certificateAuthorities"][0]["certChain"].update(certificates=[]),
    ],
)
def test_malformed(edit: object) -> None:
    doc = json.loads(PUBLIC_GOOD.read_text())
    edit(doc)  # type: ignore[operator]
    with pytest.raises(FormatError):
        parse_trusted_root(json.dumps(doc))
