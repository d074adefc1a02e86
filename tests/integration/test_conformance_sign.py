"""``sigstack-conformance sign-bundle`` then ``verify-bundle`` against a live ``sigstack up``.

The harness's signing flow (``/work/shared/specs/conformance.md`` §1.1, option B of §6):
``--trusted-root``/``--signing-config`` from ``DATA/trust_config.json``, a token from
``sigstack oidc token``; identity = the token's email, issuer = the stack's OIDC issuer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigstack.testing.service import ServiceProcess
from sigstack.testing.stack import start_stack
from tests.integration._live import oidc_token

EMAIL = "conformance@example.com"
ENTRY = shutil.which("sigstack-conformance", path=str(Path(sys.executable).parent))
STATEMENT = Path("/work/shared/conformance/statement.json")
A_TXT = Path("/work/shared/conformance/a.txt")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ServiceProcess]]:
    root = tmp_path_factory.mktemp("conformance-sign")
    server = start_stack(root / "data", output=root / "up.log")
    try:
        config = json.loads((server.data_dir / "trust_config.json").read_text())
        (root / "trusted_root.json").write_text(json.dumps(config["trustedRoot"]))
        (root / "signing_config.json").write_text(json.dumps(config["signingConfig"]))
        yield root, server
    finally:
        server.stop()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    assert ENTRY is not None, "sigstack-conformance is not installed"
    return subprocess.run([ENTRY, *args], capture_output=True, text=True, timeout=120)


def _token(data: Path) -> str:
    return oidc_token(data, EMAIL)


@pytest.mark.parametrize("in_toto", [False, True], ids=["artifact", "in-toto"])
def test_sign_then_verify(live: tuple[Path, ServiceProcess], in_toto: bool) -> None:
    root, server = live
    source = STATEMENT if in_toto else A_TXT
    bundle = root / f"{source.name}.{in_toto}.sigstore.json"
    trust = ["--trusted-root", str(root / "trusted_root.json")]
    signed = _run(
        "sign-bundle", *(["--in-toto"] if in_toto else []),
        "--identity-token", _token(server.data_dir), "--bundle", str(bundle),
        *trust, "--signing-config", str(root / "signing_config.json"), str(source),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    document = json.loads(bundle.read_text())
    assert ("dsseEnvelope" in document) is in_toto
    who = ["--certificate-identity", EMAIL, "--certificate-oidc-issuer", f"{server.url}/oidc"]
    verified = _run("verify-bundle", "--bundle", str(bundle), *who, *trust, str(A_TXT))
    assert verified.returncode == 0, verified.stderr
    tampered = root / "tampered.txt"
    tampered.write_bytes(A_TXT.read_bytes() + b"!")
    refused = _run("verify-bundle", "--bundle", str(bundle), *who, *trust, str(tampered))
    assert refused.returncode == 1
    assert "[message-digest]" in refused.stderr or "[signature]" in refused.stderr, refused.stderr
