"""What ``sigstack sign-blob`` loads, token in hand, against a live ``sigstack up``.

A regression test on imports, not on timing (docs/benchmarks.md): the command's process
must sign without cryptography's X.509 and serialization packages (the CSR, the certificate
and the SCT check are read and written as DER by ``core.x509``), ``http.client`` (plain
``http://`` is framed by ``clients._http1``), ``dataclasses`` (the values on this path are
NamedTuples, docs/adr/0005-start-up-path.md), PyJWT (the token check reads the JWT itself), httpx/httpcore (plain
``http://`` goes through the standard library), rfc3161-client and asn1crypto (the
timestamp request is built by ``sign._tsq``), the IDNA codec (ASCII host names), the
``id`` package and the sign-in flows
(only needed without a token), or the verifier. ``verify-blob`` in the same harness does
load the verifier: the probe sees what it is looking for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigstack.testing.service import ServiceProcess
from sigstack.testing.stack import start_stack

HEAVY = (
    "jwt",
    "httpx",
    "httpcore",
    "h11",
    "rfc3161_client",
    "asn1crypto",
    "id",
    "http.server",
    "encodings.idna",
    "webbrowser",
    "sigstack.sign.identity",
    "sigstack.clients.oidc",
    "sigstack.core.oidc.tokens",
    "sigstack.verify",
    "sigstack.core.tlog.verify",
    "sigstack.core.merkle",
    "sigstack.core.trust.build",
    "logging",
    "importlib.resources",
    "cryptography.x509",
    "cryptography.hazmat.primitives.serialization",
    "sigstack.sign.key_signer",
    "http.client",
    "dataclasses",
)

# Runs the console script's function (sigstack.cli.main:main) in a fresh interpreter, then
# prints which of HEAVY (or their submodules) the process had loaded (None entries are
# modules marked absent, as main.py marks httpx's optional CLI).
PROBE = """
import json, sys
from sigstack.cli.main import main
status = main(sys.argv[1:])
heavy = json.loads(sys.stdin.read())
loaded = sorted(
    m for m, module in sys.modules.items()
    if module is not None and any(m == h or m.startswith(h + ".") for h in heavy)
)
print(json.dumps({"status": status, "loaded": loaded}))
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ServiceProcess]]:
    root = tmp_path_factory.mktemp("imports")
    server = start_stack(root / "data", output=root / "up.log")
    try:
        yield root, server
    finally:
        server.stop()


def _env(data: Path, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SIGSTORE_")}
    return environ | {"SIGSTACK_HOME": str(data), **extra}


def _probe(data: Path, *args: str, **extra: str) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps(HEAVY), capture_output=True, text=True, timeout=120,
        env=_env(data, **extra),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["status"], result["loaded"]


def _token(data: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sigstack", "oidc", "token", "--email", "imports@example.com",
         "--data-dir", str(data)],
        capture_output=True, text=True, timeout=120, env=_env(data),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize("version", ["1", "2"])
def test_sign_blob_with_a_token_loads_none_of_the_heavy_modules(
    live: tuple[Path, ServiceProcess], version: str
) -> None:
    root, server = live
    artifact = root / f"artifact-v{version}.txt"
    artifact.write_bytes(b"imports\n")
    token = _token(server.data_dir)
    status, loaded = _probe(
        server.data_dir, "sign-blob", str(artifact), "--rekor-version", version,
        SIGSTORE_IDENTITY_TOKEN=token,
    )  # fmt: skip
    assert status == 0
    bundle = json.loads(Path(f"{artifact}.sigstore.json").read_text())
    assert bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
    assert loaded == []
    # --identity-token takes the same path
    status, loaded = _probe(
        server.data_dir, "sign-blob", str(artifact), "--rekor-version", version,
        "--identity-token", token, "--bundle", str(root / f"again-v{version}.json"),
    )  # fmt: skip
    assert (status, loaded) == (0, [])


def test_the_probe_sees_heavy_modules(live: tuple[Path, ServiceProcess]) -> None:
    root, server = live
    artifact = root / "artifact-v1.txt"
    if not Path(f"{artifact}.sigstore.json").exists():
        artifact.write_bytes(b"imports\n")
        token = _token(server.data_dir)
        assert (
            _probe(server.data_dir, "sign-blob", str(artifact), SIGSTORE_IDENTITY_TOKEN=token)[0]
            == 0
        )
    status, loaded = _probe(
        server.data_dir, "verify-blob", str(artifact), "--bundle", f"{artifact}.sigstore.json",
        "--certificate-identity", "imports@example.com",
        "--certificate-oidc-issuer-regexp", ".*",
    )  # fmt: skip
    assert status == 0
    assert "sigstack.verify" in loaded
