"""The shared data the tests read must be there: without it, data-driven tests would
silently collect nothing."""

from __future__ import annotations

from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def test_conformance_cases_are_beside_the_repository() -> None:
    cases = SHARED / "conformance" / "bundle-verify"
    assert cases.is_dir(), f"expected the sigstore-conformance cases at {cases}"
    bundles = sorted(cases.glob("*/bundle.sigstore.json"))
    assert len(bundles) == 70, f"expected 70 conformance bundles, found {len(bundles)}"


def test_public_trust_roots_are_beside_the_repository() -> None:
    for instance in ("public-good", "staging"):
        root = SHARED / "trust" / instance / "trusted_root.json"
        assert root.is_file(), f"expected the {instance} trusted root at {root}"
