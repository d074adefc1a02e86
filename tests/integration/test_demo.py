"""``sigstack demo`` (issue #4): the walk-through runs end to end on a temporary stack.

Each step must be printed with what it proved; the tampered file must be refused for
the digest mismatch; the temporary directory is removed unless ``--keep``, and a kept
bundle is accepted by the real sigstore-python client for demo@example.com.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.peers import sigstore_python


def _demo(*args: str) -> tuple[str, Path]:
    result = subprocess.run(
        [sys.executable, "-m", "sigstack", "demo", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"\(work dir (\S+)\)", result.stdout)
    assert match, result.stdout
    return result.stdout, Path(match.group(1))


@pytest.mark.parametrize("version", ["1", "2"])
def test_demo_tells_the_whole_story_and_cleans_up(version: str) -> None:
    out, directory = _demo("--rekor-version", version)
    for step in range(1, 7):
        assert f"[{step}/6]" in out, out
    assert "identity token for demo@example.com" in out
    assert re.search(r"transparency log entry at index \d+", out), out
    assert "verified hello.txt offline: signed by demo@example.com" in out
    assert f"Rekor v{version}" in out
    assert "hello-tampered.txt (one word changed) refused with the same bundle" in out
    assert "reason: messageSignature.messageDigest: expected messageDigest" in out
    if version == "1":
        assert "kind hashedrekord 0.0.1" in out
    assert not directory.exists(), f"{directory} was left behind"


def test_kept_demo_bundle_verifies_with_sigstore_python() -> None:
    out, directory = _demo("--keep")
    try:
        assert f"kept {directory}" in out
        issuer = re.search(r"issuer: (\S+)", out)
        assert issuer, out
        data = directory / "data"
        artifact = directory / "hello.txt"
        assert (directory / "hello-tampered.txt").read_bytes() != artifact.read_bytes()
        cli = sigstore_python().parent / "sigstore"
        result = subprocess.run(
            [str(cli), "--trust-config", str(data / "trust_config.json"), "verify", "identity",
             "--cert-identity", "demo@example.com", "--cert-oidc-issuer", issuer.group(1),
             "--bundle", str(directory / "hello.txt.sigstore.json"), str(artifact)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"OK: {artifact}" in result.stdout + result.stderr
    finally:
        subprocess.run(["rm", "-rf", str(directory)], check=False)
