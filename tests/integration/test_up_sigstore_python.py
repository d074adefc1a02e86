"""``sigstack up`` judged by the real sigstore-python 4.5.1 CLI (issue #4 "Done when").

One live ``sigstack up`` on a free port with a temporary data dir, and the unmodified
``sigstore`` CLI from PyPI (its own venv, ``make peers``) pointed at it with
``--trust-config DATA/trust_config.json`` only (never the public instance, no network):

(a) ``sign`` with Rekor v1 and with Rekor v2, a token from ``sigstack oidc token``;
(b) ``attest`` an in-toto statement (DSSE) with each Rekor version;
(c) ``verify identity`` accepts every bundle;
(d) a tampered file is refused;
(e) the same through TUF: ``--instance BASE/tuf trust-instance DATA/tuf/root.json``, then
    ``--instance`` sign and verify;
(f) restart on the same data dir: trust files and TUF metadata unchanged, earlier bundles
    still verify, new entries land at the next index of each log.

Tests share the stack and run in file order.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sigstore_models.trustroot import v1 as trustroot_v1

from sigstack.core.merkle.proof import verify_consistency
from sigstack.services.stack import TRUST_FILES
from sigstack.testing.stack import start_stack
from tests.integration._live import StackState, oidc_token
from tests.peers import run_sigstore

EMAIL = "you@example.com"
PREDICATE = {
    "buildDefinition": {"buildType": "https://example.com/build", "externalParameters": {}},
    "runDetails": {"builder": {"id": "https://example.com/builder"}},
}


class Live(StackState):
    def token(self) -> str:
        return oidc_token(self.data, EMAIL)

    def sigstore(self, *args: str, instance: bool = False) -> subprocess.CompletedProcess[str]:
        """The judge's CLI with ``--trust-config`` (or ``--instance BASE/tuf``), HOME in tmp."""
        trust = (
            ["--instance", f"{self.server.url}/tuf"]
            if instance
            else ["--trust-config", str(self.data / "trust_config.json")]
        )
        return run_sigstore(self.root / "home", *trust, *args, cwd=self.root)

    def verify(
        self, artifact: Path, bundle: Path, *, instance: bool = False
    ) -> subprocess.CompletedProcess[str]:
        return self.sigstore(
            "verify", "identity", "--cert-identity", EMAIL, "--cert-oidc-issuer", self.issuer,
            "--bundle", str(bundle), str(artifact), instance=instance,
        )  # fmt: skip

    def restart(self) -> None:
        self.server.stop()
        self.server = start_stack(self.data, port=self.server.port, output=self.root / "up.log")


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout + result.stderr


def _entry(bundle: Path) -> dict[str, object]:
    entries = json.loads(bundle.read_text())["verificationMaterial"]["tlogEntries"]
    assert len(entries) == 1
    entry: dict[str, object] = entries[0]
    return entry


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("up")
    server = start_stack(root / "data", output=root / "up.log")
    state = Live(root, server)
    try:
        yield state
    finally:
        state.server.stop()


def test_trust_files_and_operations(live: Live) -> None:
    for name in TRUST_FILES:
        assert (live.data / name).exists(), name
    config = trustroot_v1.ClientTrustConfig.from_json((live.data / "trust_config.json").read_text())
    assert [t.base_url for t in config.trusted_root.tlogs] == [live.server.url] * 2
    assert config.signing_config.oidc_urls[0].url == live.issuer
    assert (live.data / "signing_config.v0.2.json").read_bytes() == (
        live.data / "signing_config.json"
    ).read_bytes()
    health = httpx.get(live.server.url + "/healthz").json()
    assert health["status"] == "ok"
    assert set(health["services"]) >= {"ca", "ctlog", "rekorV1", "rekorV2", "tsa", "oidc"}
    discovery = httpx.get(live.issuer + "/.well-known/openid-configuration").json()
    assert discovery["issuer"] == live.issuer
    metrics = httpx.get(live.server.url + "/metrics")
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'sigstack_log_tree_size{log="rekor_v2"} 0' in metrics.text


@pytest.mark.parametrize("version", ["1", "2"])
def test_sign(live: Live, version: str) -> None:
    artifact = live.root / f"artifact-v{version}.txt"
    artifact.write_text(f"signed with Rekor v{version}\n")
    bundle = live.root / f"artifact-v{version}.sigstore.json"
    out = _ok(
        live.sigstore(
            "sign",
            "--identity-token",
            live.token(),
            "--rekor-version",
            version,
            "--bundle",
            str(bundle),
            str(artifact),
        )
    )
    assert "Transparency log entry created at index: 0" in out
    entry = _entry(bundle)
    assert entry["kindVersion"] == {
        "kind": "hashedrekord",
        "version": "0.0.1" if version == "1" else "0.0.2",
    }
    timestamps = json.loads(bundle.read_text())["verificationMaterial"]["timestampVerificationData"]
    assert len(timestamps["rfc3161Timestamps"]) == 1  # our TSA answered
    live.bundles[f"sign-v{version}"] = (artifact, bundle)


@pytest.mark.parametrize("version", ["1", "2"])
def test_attest(live: Live, version: str) -> None:
    artifact = live.root / f"attested-v{version}.txt"
    artifact.write_text(f"attested with Rekor v{version}\n")
    predicate = live.root / "predicate.json"
    predicate.write_text(json.dumps(PREDICATE))
    bundle = live.root / f"attested-v{version}.sigstore.json"
    _ok(
        live.sigstore(
            "attest",
            "--identity-token",
            live.token(),
            "--rekor-version",
            version,
            "--predicate",
            str(predicate),
            "--predicate-type",
            "https://slsa.dev/provenance/v1",
            "--bundle",
            str(bundle),
            str(artifact),
        )
    )
    assert "dsseEnvelope" in json.loads(bundle.read_text())
    assert _entry(bundle)["logIndex"] == "1"  # after the signature of test_sign
    live.bundles[f"attest-v{version}"] = (artifact, bundle)


def test_verify_identity_accepts_every_bundle(live: Live) -> None:
    assert len(live.bundles) == 4
    for name, (artifact, bundle) in live.bundles.items():
        assert f"OK: {artifact}" in _ok(live.verify(artifact, bundle)), name


def test_tampered_file_is_refused(live: Live) -> None:
    for version in ("1", "2"):
        artifact, bundle = live.bundles[f"sign-v{version}"]
        tampered = live.root / f"tampered-v{version}.txt"
        tampered.write_bytes(artifact.read_bytes() + b"!")
        result = live.verify(tampered, bundle)
        assert result.returncode != 0
        assert "Bundle message digest mismatch" in result.stdout + result.stderr


def test_wrong_identity_is_refused(live: Live) -> None:
    artifact, bundle = live.bundles["sign-v2"]
    result = live.sigstore(
        "verify", "identity", "--cert-identity", "mallory@example.com",
        "--cert-oidc-issuer", live.issuer, "--bundle", str(bundle), str(artifact),
    )  # fmt: skip
    assert result.returncode != 0


def test_through_tuf_trust_instance_then_sign_and_verify(live: Live) -> None:
    (live.root / "home").mkdir(exist_ok=True)
    _ok(live.sigstore("trust-instance", str(live.data / "tuf" / "root.json"), instance=True))
    artifact = live.root / "via-tuf.txt"
    artifact.write_text("signed with the trust root from TUF\n")
    bundle = live.root / "via-tuf.sigstore.json"
    _ok(
        live.sigstore(
            "sign",
            "--identity-token",
            live.token(),
            "--bundle",
            str(bundle),
            str(artifact),
            instance=True,
        )
    )
    assert _entry(bundle)["kindVersion"] == {"kind": "hashedrekord", "version": "0.0.2"}
    assert _entry(bundle)["logIndex"] == "2"  # Rekor v2, the default, after 2 entries
    _ok(live.verify(artifact, bundle, instance=True))
    for name, (old_artifact, old_bundle) in live.bundles.items():
        assert "OK" in _ok(live.verify(old_artifact, old_bundle, instance=True)), name
    live.bundles["tuf-v2"] = (artifact, bundle)


def test_restart_keeps_identity_and_continues_the_logs(live: Live) -> None:
    before = {name: (live.data / name).read_bytes() for name in TRUST_FILES}
    tuf_root = (live.data / "tuf" / "root.json").read_bytes()
    tuf_versions = httpx.get(live.server.url + "/healthz").json()["services"]["tuf"]
    old = httpx.get(live.server.url + "/api/v1/log").json()  # the Rekor v1 checkpoint
    keys = {p.name: p.read_bytes() for p in (live.data / "keys").iterdir()}
    live.restart()
    assert {name: (live.data / name).read_bytes() for name in TRUST_FILES} == before
    assert {p.name: p.read_bytes() for p in (live.data / "keys").iterdir()} == keys
    health = httpx.get(live.server.url + "/healthz").json()["services"]
    assert health["rekorV1"]["treeSize"] == 2
    assert health["rekorV2"]["treeSize"] == 3
    assert health["tuf"] == tuf_versions  # nothing re-published: same targets
    assert (live.data / "tuf" / "root.json").read_bytes() == tuf_root
    for name, (artifact, bundle) in live.bundles.items():
        assert f"OK: {artifact}" in _ok(live.verify(artifact, bundle)), name
    for version in ("1", "2"):
        artifact = live.root / f"after-restart-v{version}.txt"
        artifact.write_text("signed after a restart\n")
        bundle = live.root / f"after-restart-v{version}.sigstore.json"
        _ok(
            live.sigstore(
                "sign",
                "--identity-token",
                live.token(),
                "--rekor-version",
                version,
                "--bundle",
                str(bundle),
                str(artifact),
            )
        )
        assert _entry(bundle)["logIndex"] == ("2" if version == "1" else "3")
        _ok(live.verify(artifact, bundle))
    # The log grew from the checkpoint published before the restart: a consistency proof.
    new = httpx.get(live.server.url + "/api/v1/log").json()
    assert (old["treeSize"], new["treeSize"]) == (2, 3)
    assert new["treeID"] == old["treeID"]
    proof = httpx.get(
        live.server.url + "/api/v1/log/proof", params={"firstSize": 2, "lastSize": 3}
    ).json()
    verify_consistency(
        2, 3, bytes.fromhex(old["rootHash"]), bytes.fromhex(new["rootHash"]),
        [bytes.fromhex(h) for h in proof["hashes"]],
    )  # fmt: skip


def test_sigint_shuts_down_gracefully(live: Live) -> None:
    live.server.stop(signal.SIGINT)
    assert live.server.process.returncode == 0
    log = (live.root / "up.log").read_text()
    assert log.count("Application shutdown complete") == 2  # both runs drained and stopped
    assert "Traceback" not in log
