"""``sigstack rotate`` judged by the real sigstore-python 4.5.1 CLI (issue #4 "Done when").

"Sign, rotate CA and log keys, sign again, both bundles verify with the real client
after it refreshes trust": a live ``sigstack up``; the client signs with Rekor v1 and v2
(``--trust-config``) and through TUF (``--instance`` after ``trust-instance``); the stack
is stopped (a rotation while it runs is refused), ``sigstack rotate ca``,
``sigstack rotate log`` and ``sigstack rotate tsa`` run, the stack starts again on the same data dir; the client
re-reads ``trust_config.json`` or refreshes through TUF (``plumbing update-trust-root``),
signs again, and ``verify identity`` accepts every bundle, old and new. The new bundles'
certificates chain to the new CA and their log entries are signed by the new log keys.

Tests share the stack and run in file order.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.testing.stack import start_stack
from tests.integration.test_up_sigstore_python import Live, _ok


def _sigstack(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigstack", *args], capture_output=True, text=True, timeout=120
    )


def _sign(live: Live, name: str, version: str, *, instance: bool = False) -> None:
    artifact = live.root / f"{name}.txt"
    artifact.write_text(f"rotation test artifact {name}\n")
    bundle = live.root / f"{name}.sigstore.json"
    _ok(
        live.sigstore(
            "sign", "--rekor-version", version, "--identity-token", live.token(),
            "--bundle", str(bundle), str(artifact), instance=instance,
        )
    )  # fmt: skip
    live.bundles[name] = (artifact, bundle)


def _root(live: Live) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((live.data / "trusted_root.json").read_text())
    return doc


def _bundle(live: Live, name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(live.bundles[name][1].read_text())
    return doc


def _current(entries: list[dict[str, Any]], window: str = "validFor") -> list[dict[str, Any]]:
    def valid(e: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = e["publicKey"]["validFor"] if "publicKey" in e else e[window]
        return found

    return [e for e in entries if "end" not in valid(e)]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("rotation")
    state = Live(root, start_stack(root / "data", output=root / "up.log"))
    try:
        yield state
    finally:
        state.server.stop()


def test_sign_before_rotation(live: Live) -> None:
    _ok(live.sigstore("trust-instance", str(live.data / "tuf" / "root.json"), instance=True))
    _sign(live, "before-v1", "1")
    _sign(live, "before-v2", "2")
    _sign(live, "before-tuf", "2", instance=True)


def test_rotation_of_a_running_stack_is_refused(live: Live) -> None:
    result = _sigstack("rotate", "ca", "--data-dir", str(live.data))
    assert result.returncode == 1
    assert f"is in use by sigstack up (pid {live.server.process.pid})" in result.stderr
    assert "stop it first" in result.stderr
    assert not (live.data / "trust_history.json").exists()


def test_a_second_up_on_the_same_data_dir_is_refused(live: Live) -> None:
    """The data directory's lock, not /healthz: a second ``up`` on another port refuses."""
    result = _sigstack("up", "--data-dir", str(live.data), "--port", "1")
    assert result.returncode == 1
    assert f"is in use by sigstack up (pid {live.server.process.pid})" in result.stderr


def test_rotate_ca_log_and_tsa_then_restart(live: Live) -> None:
    old_root = _root(live)
    live.server.stop()
    for service in ("ca", "log", "tsa"):
        result = _sigstack("rotate", service, "--data-dir", str(live.data))
        assert result.returncode == 0, result.stderr
        assert "Restart `sigstack up`" in result.stdout
    root = _root(live)
    assert len(root["certificateAuthorities"]) == 2
    assert len(root["tlogs"]) == 4
    assert root["ctlogs"] == old_root["ctlogs"]
    assert len(root["timestampAuthorities"]) == 2
    assert (
        root["timestampAuthorities"][0]["certChain"]
        == (old_root["timestampAuthorities"][0]["certChain"])
    )
    shown = _sigstack("trust", "show", "--data-dir", str(live.data), "--json")
    rows = json.loads(shown.stdout)
    assert [r["service"] for r in rows if r["current"]] == [
        "CA", "Rekor v1", "Rekor v2", "CT log", "TSA", "OIDC",
    ]  # fmt: skip
    live.server = start_stack(live.data, port=live.server.port, output=live.root / "up.log")


def test_sign_after_rotation_with_refreshed_trust(live: Live) -> None:
    # --trust-config: the client simply re-reads the rewritten file.
    _sign(live, "after-v1", "1")
    _sign(live, "after-v2", "2")
    # TUF: the client refreshes its cached trust root from the republished targets.
    _ok(live.sigstore("plumbing", "update-trust-root", instance=True))
    _sign(live, "after-tuf", "2", instance=True)


@pytest.mark.parametrize("instance", [False, True], ids=["trust-config", "tuf"])
def test_every_bundle_verifies(live: Live, instance: bool) -> None:
    assert len(live.bundles) == 6
    for name, (artifact, bundle) in live.bundles.items():
        assert "OK" in _ok(live.verify(artifact, bundle, instance=instance)), name


def test_new_bundles_use_the_new_ca_and_log_keys(live: Live) -> None:
    root = _root(live)
    (new_ca,) = _current(root["certificateAuthorities"])
    new_intermediate = x509.load_der_x509_certificate(
        base64.b64decode(new_ca["certChain"]["certificates"][0]["rawBytes"])
    )
    current_ids = {e["logId"]["keyId"] for e in _current(root["tlogs"])}
    retired_ids = {e["logId"]["keyId"] for e in root["tlogs"]} - current_ids
    assert len(current_ids) == len(retired_ids) == 2
    for name in live.bundles:
        material = _bundle(live, name)["verificationMaterial"]
        leaf = x509.load_der_x509_certificate(base64.b64decode(material["certificate"]["rawBytes"]))
        (entry,) = material["tlogEntries"]
        checkpoint = entry["inclusionProof"]["checkpoint"]["envelope"]
        signature = base64.b64decode(checkpoint.rstrip("\n").split("\n")[-1].split(" ")[-1])
        key_id = base64.b64decode(entry["logId"]["keyId"])
        assert signature[:4] == key_id[:4], name  # the checkpoint is signed by the entry's key
        if name.startswith("after"):
            assert leaf.issuer == new_intermediate.subject, name
            public, digest = new_intermediate.public_key(), leaf.signature_hash_algorithm
            assert isinstance(public, ec.EllipticCurvePublicKey) and digest is not None
            public.verify(leaf.signature, leaf.tbs_certificate_bytes, ec.ECDSA(digest))
            assert entry["logId"]["keyId"] in current_ids, name
        else:
            assert leaf.issuer != new_intermediate.subject, name
            assert entry["logId"]["keyId"] in retired_ids, name
