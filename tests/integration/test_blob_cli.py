"""``sigstack sign-blob`` then ``sigstack verify-blob`` against a live ``sigstack up``.

Trust comes from ``$SIGSTACK_HOME/trust_config.json`` (the stack's data directory); a
tampered file is refused with the reason; ``--json`` reports the proven identity.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigstack.testing.service import ServiceProcess
from tests.integration._live import live_stack, run_sigstack

EMAIL = "blob@example.com"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ServiceProcess]]:
    yield from live_stack(tmp_path_factory.mktemp("blob"))


def _sigstack(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_sigstack(data, *args, env=env)


def _token(data: Path) -> str:
    out = _sigstack(data, "oidc", "token", "--email", EMAIL, "--data-dir", str(data))
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("version", ["1", "2"])
def test_sign_blob_then_verify_blob(live: tuple[Path, ServiceProcess], version: str) -> None:
    root, server = live
    data = server.data_dir
    artifact = root / f"artifact-v{version}.txt"
    artifact.write_bytes(b"hello sigstack\n")
    signed = _sigstack(
        data, "sign-blob", str(artifact), "--rekor-version", version,
        SIGSTORE_IDENTITY_TOKEN=_token(data),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    bundle = artifact.with_name(artifact.name + ".sigstore.json")
    assert bundle.exists()
    issuer = f"{server.url}/oidc"
    who = ["--certificate-identity", EMAIL, "--certificate-oidc-issuer", issuer]
    verified = _sigstack(data, "verify-blob", str(artifact), "--bundle", str(bundle), *who)
    assert verified.returncode == 0, verified.stderr
    assert f"identity: {EMAIL}" in verified.stdout
    as_json = _sigstack(
        data, "verify-blob", str(artifact), "--bundle", str(bundle), "--json",
        "--certificate-identity-regexp", r".*@example\.com",
        "--certificate-oidc-issuer", issuer,
        "--trust-config", str(data / "trust_config.json"),
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["identity"] == EMAIL and report["issuer"] == issuer
    assert report["checks"] and report["verifiedTimes"]
    tampered = root / "tampered.txt"
    tampered.write_bytes(b"hello sigstack!\n")
    refused = _sigstack(data, "verify-blob", str(tampered), "--bundle", str(bundle), *who)
    assert refused.returncode == 1
    assert re.search(r"messageDigest|signature", refused.stderr), refused.stderr


def test_wrong_identity_is_refused(live: tuple[Path, ServiceProcess]) -> None:
    root, server = live
    data = server.data_dir
    artifact = root / "other.txt"
    artifact.write_bytes(b"other\n")
    token = _token(data)
    signed = _sigstack(data, "sign-blob", str(artifact), "--identity-token", token)
    assert signed.returncode == 0, signed.stderr
    refused = _sigstack(
        data, "verify-blob", str(artifact), "--bundle", str(artifact) + ".sigstore.json",
        "--certificate-identity", "mallory@example.com",
        "--certificate-oidc-issuer", f"{server.url}/oidc",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "mallory@example.com" in refused.stderr


def test_sign_blob_without_token_fails(live: tuple[Path, ServiceProcess], tmp_path: Path) -> None:
    artifact = tmp_path / "a.txt"
    artifact.write_bytes(b"a")
    # No token, no CI credentials, no terminal for an interactive sign-in.
    out = _sigstack(
        live[1].data_dir, "sign-blob", str(artifact), "--oidc-disable-ambient-providers"
    )
    assert out.returncode == 1
    assert "no identity token: give --identity-token or $SIGSTORE_IDENTITY_TOKEN" in out.stderr


def test_verify_blob_dsse_subject(tmp_path: Path) -> None:
    cases = Path("/work/shared/conformance/bundle-verify")
    case = cases / "rekor2-dsse-happy-path"
    argv = [
        "verify-blob", str(cases / "a.txt"), "--bundle", str(case / "bundle.sigstore.json"),
        "--certificate-identity-regexp", ".*",
        "--certificate-oidc-issuer-regexp", ".*",
        "--trusted-root", str(case / "trusted_root.json"),
    ]  # fmt: skip
    ok = _sigstack(tmp_path, *argv)
    assert ok.returncode == 0, ok.stderr
    other = tmp_path / "other.txt"
    other.write_bytes(b"not a subject\n")
    argv[1] = str(other)
    refused = _sigstack(tmp_path, *argv)
    assert refused.returncode == 1
    assert "not a subject" in refused.stderr
