"""``sigstack-conformance verify-bundle`` as the harness runs it: a subprocess per call.

All 70 cases of ``/work/shared/conformance/bundle-verify``, by path and by ``sha256:HEX``,
with the argument order of the protocol (``/work/shared/specs/conformance.md`` §1.2). A pass
case must exit 0; a ``_fail`` case must exit 1 (never a usage error or a traceback) and name
on stderr the failure code the unit table expects. Verification uses the real clock.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.unit.verify.test_conformance import (
    ALL_CASES,
    CASES,
    DEFAULT_IDENTITY,
    DEFAULT_ISSUER,
    EXPECTED_CODE,
)

ENTRY = shutil.which("sigstack-conformance", path=str(Path(sys.executable).parent))


def _argv(case: str, by_digest: bool) -> list[str]:
    """The exact vector ``client.py::build_verify_args`` builds for ``case``."""
    d = CASES / case
    assert ENTRY is not None, "sigstack-conformance is not installed"
    argv = [ENTRY, "verify-bundle", "--bundle", str(d / "bundle.sigstore.json")]
    if (d / "key.pub").exists():
        argv += ["--key", str(d / "key.pub")]
    else:
        identity = d / "identity"
        issuer = d / "issuer"
        argv += [
            "--certificate-identity",
            identity.read_text().strip() if identity.exists() else DEFAULT_IDENTITY,
            "--certificate-oidc-issuer",
            issuer.read_text().strip() if issuer.exists() else DEFAULT_ISSUER,
        ]
    if (d / "trusted_root.json").exists():
        argv += ["--trusted-root", str(d / "trusted_root.json")]
    artifact = d / "artifact" if (d / "artifact").exists() else CASES / "a.txt"
    if by_digest:
        argv.append("sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest())
    else:
        argv.append(str(artifact))
    return argv


@pytest.fixture(scope="module")
def outcomes() -> dict[tuple[str, bool], subprocess.CompletedProcess[str]]:
    """Every (case, by_digest) run once, in parallel."""
    keys = [(case, by_digest) for case in ALL_CASES for by_digest in (False, True)]

    def run(key: tuple[str, bool]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(_argv(*key), capture_output=True, text=True, timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(keys, pool.map(run, keys), strict=True))


def test_all_70_cases_are_covered() -> None:
    assert len(ALL_CASES) == 70


@pytest.mark.parametrize("by_digest", [False, True], ids=["file", "sha256"])
@pytest.mark.parametrize("case", ALL_CASES)
def test_verify_bundle(
    outcomes: dict[tuple[str, bool], subprocess.CompletedProcess[str]],
    case: str,
    by_digest: bool,
) -> None:
    proc = outcomes[(case, by_digest)]
    assert "Traceback" not in proc.stderr, proc.stderr
    if case.endswith("_fail"):
        assert proc.returncode == 1, proc.stderr
        assert f"[{EXPECTED_CODE[case]}]" in proc.stderr, proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr


def test_usage_error_is_exit_2() -> None:
    assert ENTRY is not None
    proc = subprocess.run([ENTRY, "verify-bundle"], capture_output=True, text=True)
    assert proc.returncode == 2
