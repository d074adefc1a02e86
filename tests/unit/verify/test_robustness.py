"""Any damage to a bundle is a :class:`VerificationFailure` with a code, never a crash.

Deterministic enumeration: every JSON path of real bundles (message signature v0.1 and
v0.3, DSSE, Rekor v2 with a timestamp, managed key) is deleted and replaced by values of the
wrong type or shape; the verifier must either accept (e.g. a dropped optional hint) or raise
a ``VerificationFailure``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sigstack.verify import (
    Identity,
    ManagedKey,
    VerificationFailure,
    Verifier,
    load_bundle,
    load_trusted_root,
)

CASES = Path("/work/shared/conformance/bundle-verify")
PUBLIC_GOOD = Path("/work/shared/trust/public-good/trusted_root.json")
SUBJECT = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
ISSUER = "https://token.actions.githubusercontent.com"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
REPLACEMENTS: list[Any] = [None, 0, -1, "", "!!", "AAAA", [], {}, True]
Path_ = tuple[str | int, ...]


def _paths(node: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:2]):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


def _edited(doc: Any, path: Path_, value: Any, *, delete: bool) -> Any:
    out = copy.deepcopy(doc)
    parent = out
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return out


@pytest.mark.parametrize(
    "case",
    [
        "happy-path-v0.1",
        "happy-path-v0.3",
        "happy-path-intoto-in-dsse-v3",
        "rekor2-happy-path",
        "managed-key-happy-path",
    ],
)
def test_every_damaged_field_is_a_coded_failure(case: str) -> None:
    d = CASES / case
    root_file = d / "trusted_root.json"
    root = load_trusted_root((root_file if root_file.exists() else PUBLIC_GOOD).read_bytes())
    key_file = d / "key.pub"
    policy = (
        ManagedKey.from_pem(key_file.read_bytes())
        if key_file.exists()
        else Identity(SUBJECT, ISSUER)
    )
    verifier = Verifier(root, clock=lambda: NOW)
    doc = json.loads((d / "bundle.sigstore.json").read_text())
    artifact = (CASES / "a.txt").read_bytes()
    tried = 0
    for path in _paths(doc):
        variants = [(None, True)] + [(v, False) for v in REPLACEMENTS]
        for value, delete in variants:
            damaged = json.dumps(_edited(doc, path, value, delete=delete))
            tried += 1
            try:
                bundle = load_bundle(damaged)
                if bundle.dsse_envelope is not None:
                    verifier.verify_dsse(bundle, policy)
                else:
                    verifier.verify_artifact(bundle, artifact, policy)
            except VerificationFailure as exc:
                assert exc.code
            except Exception as exc:  # pragma: no cover - the failure report
                pytest.fail(f"{path} := {value!r} (delete={delete}): {type(exc).__name__}: {exc}")
    assert tried > 100
