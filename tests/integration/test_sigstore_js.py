"""Interoperability with the real sigstore-js (npm ``sigstore``, pinned in tests/peers/js).

One live ``sigstack up``; the judge's scripts (``make peers``) run under ``node``:

(a) sigstore-js signs with our services and sigstack verifies (:class:`Verifier` and
    ``sigstack verify-blob``): ``sigstore.sign`` (message signature) and ``sigstore.attest``
    (an in-toto statement in DSSE, with our TSA too) with ``fulcioURL`` = the signing
    config's CA, ``rekorURL`` = its Rekor v1 (these two speak only v1, sigstore-clients.md
    §1.2) and a token from our dev issuer; then @sigstore/sign's
    ``bundleBuilderFromSigningConfig`` with our SigningConfig, which picks Rekor v2;
(b) ``sigstack sign-blob`` signs with Rekor v1 and Rekor v2, and sigstore-js's verifier
    (``sigstore.verify``, §9.3) accepts both, trusting only the root its own TUF client
    fetches from our ``/tuf`` starting at our ``tuf/root.json`` (``tufMirrorURL`` +
    ``tufRootPath`` + a fresh ``tufCachePath``); a tampered file and a wrong identity are
    refused with sigstore-js's error codes.

The stack's first Rekor v1 entry is sigstore-js's: it writes bundles as protobuf JSON,
which omits a zero ``logIndex``, and sigstack reads the absent field as 0 as the mapping
defines (sigstore-python 4.5.1 refuses such a bundle; docs/interop-sigstore-js.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sigstack.clock import utc_now
from sigstack.testing.service import ServiceProcess
from sigstack.testing.stack import start_stack
from sigstack.verify import Identity, Verifier, load_bundle, load_trusted_root
from tests.peers import sigstore_js

EMAIL = "js-peer@example.com"
IN_TOTO = "application/vnd.in-toto+json"


@dataclass
class Live:
    root: Path
    server: ServiceProcess
    signed_by_sigstack: dict[str, tuple[Path, Path]] = field(default_factory=dict)
    first_entry: tuple[Path, Path] | None = None  # sigstore-js's, at index 0 of the v1 log

    @property
    def data(self) -> Path:
        return self.server.data_dir

    @property
    def issuer(self) -> str:
        return f"{self.server.url}/oidc"

    def service(self, key: str, version: int = 1) -> str:
        """A service URL from the stack's signing config (what a client is told to use)."""
        config = json.loads((self.data / "trust_config.json").read_text())["signingConfig"]
        (url,) = [s["url"] for s in config[key] if s["majorApiVersion"] == version]
        return str(url)

    def token(self) -> str:
        return self.sigstack("oidc", "token", "--email", EMAIL, "--data-dir", str(self.data))

    def sigstack(self, *args: str) -> str:
        result = self.run_sigstack(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def run_sigstack(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGSTORE_")}
        return subprocess.run(
            [sys.executable, "-m", "sigstack", *args],
            capture_output=True, text=True, timeout=120, env=env,
        )  # fmt: skip

    def verify_blob(self, artifact: Path, bundle: Path) -> subprocess.CompletedProcess[str]:
        return self.run_sigstack(
            "verify-blob", str(artifact), "--bundle", str(bundle),
            "--certificate-identity", EMAIL, "--certificate-oidc-issuer", self.issuer,
            "--trust-config", str(self.data / "trust_config.json"),
        )  # fmt: skip

    def node(self, script: str, *args: str, token: str | None = None) -> tuple[int, Any]:
        """Run a judge script; its stdout is one JSON document."""
        node, folder = sigstore_js()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGSTORE_")}
        env["HOME"] = str(self.root / "home")
        if token is not None:
            env["SIGSTORE_ID_TOKEN"] = token
        result = subprocess.run(
            [node, str(folder / script), *args],
            capture_output=True, text=True, cwd=self.root, timeout=120, env=env,
        )  # fmt: skip
        assert result.stdout, f"no output from {script}; stderr:\n{result.stderr}"
        return result.returncode, json.loads(result.stdout)

    def js_verify(self, bundle: Path, artifact: Path | None, *, identity: str = EMAIL) -> Any:
        """sigstore-js's verdict, trusting what its TUF client fetched from our ``/tuf``
        (``artifact`` None: a DSSE bundle, verified on its own)."""
        code, verdict = self.node(
            "verify.mjs", "--bundle", str(bundle),
            *(["--file", str(artifact)] if artifact is not None else []),
            "--tuf-mirror", f"{self.server.url}/tuf",
            "--tuf-root", str(self.data / "tuf" / "root.json"),
            "--tuf-cache", str(self.root / "tuf-cache"),
            "--identity", identity, "--issuer", self.issuer,
        )  # fmt: skip
        assert (code == 0) == verdict["ok"], verdict
        return verdict

    def js_sign(self, artifact: Path, *extra: str, signing_config: bool = False) -> Path:
        """``sigstore.sign``/``attest`` with our CA and Rekor v1, or (``signing_config``)
        @sigstore/sign's builder from our trust config's SigningConfig (Rekor v2 first)."""
        services = (
            ["--signing-config", str(self.data / "trust_config.json")]
            if signing_config
            else ["--fulcio", self.service("caUrls"), "--rekor", self.service("rekorTlogUrls", 1)]
        )
        code, bundle = self.node("sign.mjs", *services, *extra, str(artifact), token=self.token())
        assert code == 0, bundle
        path = artifact.with_name(artifact.name + ".js.sigstore.json")
        path.write_text(json.dumps(bundle))
        return path

    def verifier(self) -> Verifier:
        root = load_trusted_root((self.data / "trusted_root.json").read_bytes())
        return Verifier(root, clock=utc_now)


def _entry(bundle: Path) -> dict[str, Any]:
    (entry,) = json.loads(bundle.read_text())["verificationMaterial"]["tlogEntries"]
    return dict(entry)


def _statement(artifact: Path) -> Path:
    """An in-toto statement (SLSA v1 predicate) whose one subject is ``artifact``."""
    statement = artifact.with_name(artifact.name + ".intoto.json")
    digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
    statement.write_text(
        json.dumps(
            {
                "_type": "https://in-toto.io/Statement/v1",
                "subject": [{"name": artifact.name, "digest": {"sha256": digest}}],
                "predicateType": "https://slsa.dev/provenance/v1",
                "predicate": {"buildDefinition": {"buildType": "https://example.com/build"}},
            }
        )
    )
    return statement


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    sigstore_js()  # a missing judge fails here, before a stack is started
    root = tmp_path_factory.mktemp("js")
    (root / "home").mkdir()
    server = start_stack(root / "data", output=root / "up.log")
    state = Live(root, server)
    try:
        first = root / "js-first.txt"
        first.write_bytes(b"the first entry of a fresh log, signed by sigstore-js\n")
        state.first_entry = (first, state.js_sign(first))
        for version in ("1", "2"):
            artifact = root / f"sigstack-v{version}.txt"
            artifact.write_text(f"signed by sigstack with Rekor v{version}\n")
            state.sigstack(
                "sign-blob", str(artifact), "--rekor-version", version,
                "--identity-token", state.token(),
                "--trust-config", str(state.data / "trust_config.json"),
            )  # fmt: skip
            bundle = artifact.with_name(artifact.name + ".sigstore.json")
            state.signed_by_sigstack[version] = (artifact, bundle)
        yield state
    finally:
        server.stop()


# -- (a) sigstore-js signs, sigstack verifies ----------------------------------------------


def test_sigstore_js_bundle_for_entry_zero_verifies(live: Live) -> None:
    """protobuf JSON drops the zero ``logIndex``; sigstack reads it as 0 (proto3 mapping)."""
    assert live.first_entry is not None
    artifact, bundle = live.first_entry
    entry = _entry(bundle)
    assert "logIndex" not in entry and "logIndex" not in entry["inclusionProof"], entry
    result = live.verifier().verify_artifact(
        load_bundle(bundle.read_bytes()), artifact.read_bytes(), Identity(EMAIL, live.issuer)
    )
    assert result.log_entries[0].log_index == 0
    assert live.verify_blob(artifact, bundle).returncode == 0


def test_sigstore_js_signs_a_blob_and_sigstack_verifies(live: Live) -> None:
    artifact = live.root / "js-signed.txt"
    artifact.write_bytes(b"signed by sigstore-js\n")
    bundle = live.js_sign(artifact)
    entry = _entry(bundle)
    assert entry["kindVersion"] == {"kind": "hashedrekord", "version": "0.0.1"}
    assert entry["logIndex"] == "2"  # after sigstore-js's index 0 and sigstack's index 1
    result = live.verifier().verify_artifact(
        load_bundle(bundle.read_bytes()), artifact.read_bytes(), Identity(EMAIL, live.issuer)
    )
    assert (result.identity, result.issuer) == (EMAIL, live.issuer)
    cli = live.verify_blob(artifact, bundle)
    assert cli.returncode == 0, cli.stderr
    assert f"identity: {EMAIL}" in cli.stdout
    tampered = live.root / "js-signed-tampered.txt"
    tampered.write_bytes(b"signed by sigstore-js!\n")
    refused = live.verify_blob(tampered, bundle)
    assert refused.returncode == 1
    assert "expected messageDigest" in refused.stderr, refused.stderr


def test_sigstore_js_attests_with_our_tsa_and_sigstack_verifies(live: Live) -> None:
    artifact = live.root / "js-attested.txt"
    artifact.write_bytes(b"attested by sigstore-js\n")
    statement = _statement(artifact)
    bundle = live.js_sign(statement, "--attest", IN_TOTO, "--tsa", live.service("tsaUrls"))
    assert _entry(bundle)["kindVersion"] == {"kind": "dsse", "version": "0.0.1"}
    timestamps = json.loads(bundle.read_text())["verificationMaterial"]["timestampVerificationData"]
    assert len(timestamps["rfc3161Timestamps"]) == 1  # our TSA answered sigstore-js's JSON
    result = live.verifier().verify_dsse(
        load_bundle(bundle.read_bytes()), Identity(EMAIL, live.issuer)
    )
    assert result.payload_type == IN_TOTO
    assert result.payload == statement.read_bytes()
    assert len(result.verified_times) == 2  # the TSA's and the inclusion promise's
    cli = live.verify_blob(artifact, bundle)
    assert cli.returncode == 0, cli.stderr
    assert f"OK: {artifact}" in cli.stdout
    refused = live.verify_blob(statement, bundle)  # the statement is not its own subject
    assert refused.returncode == 1
    assert "not a subject" in refused.stderr, refused.stderr


def test_sigstore_js_signs_with_rekor_v2_from_our_signing_config(live: Live) -> None:
    artifact = live.root / "js-signed-v2.txt"
    artifact.write_bytes(b"signed by sigstore-js with Rekor v2\n")
    bundle = live.js_sign(artifact, signing_config=True)
    assert _entry(bundle)["kindVersion"] == {"kind": "hashedrekord", "version": "0.0.2"}
    timestamps = json.loads(bundle.read_text())["verificationMaterial"]["timestampVerificationData"]
    assert len(timestamps["rfc3161Timestamps"]) == 1  # Rekor v2 needs the TSA (§6.6)
    result = live.verifier().verify_artifact(
        load_bundle(bundle.read_bytes()), artifact.read_bytes(), Identity(EMAIL, live.issuer)
    )
    assert (result.identity, result.issuer) == (EMAIL, live.issuer)
    cli = live.verify_blob(artifact, bundle)
    assert cli.returncode == 0, cli.stderr
    assert f"OK: {artifact}" in cli.stdout


def test_sigstore_js_dsse_over_rekor_v2_is_a_dsse_0_0_2_entry(live: Live) -> None:
    """sigstore-js still sends the deprecated ``dsseRequestV002`` (§6.2): our Rekor v2 logs it
    and sigstore-js's verifier accepts it; so does sigstack's (sigstore-python 4.5.1 does
    not: "Unsupported DSSE log entry type"). A file that is not a subject is still refused."""
    artifact = live.root / "js-attested-v2.txt"
    artifact.write_bytes(b"attested by sigstore-js with Rekor v2\n")
    bundle = live.js_sign(_statement(artifact), "--attest", IN_TOTO, signing_config=True)
    assert _entry(bundle)["kindVersion"] == {"kind": "dsse", "version": "0.0.2"}
    verdict = live.js_verify(bundle, None)
    assert verdict == {"ok": True, "identity": EMAIL, "issuer": live.issuer}
    accepted = live.verify_blob(artifact, bundle)
    assert accepted.returncode == 0, accepted.stderr
    assert f"identity: {EMAIL}" in accepted.stdout
    other = live.root / "js-attested-v2-other.txt"
    other.write_bytes(b"not the subject\n")
    refused = live.verify_blob(other, bundle)
    assert refused.returncode == 1
    assert "not a subject" in refused.stderr, refused.stderr


# -- (b) sigstack signs, sigstore-js verifies ----------------------------------------------


@pytest.mark.parametrize("version", ["1", "2"])
def test_sigstack_signs_and_sigstore_js_verifies(live: Live, version: str) -> None:
    artifact, bundle = live.signed_by_sigstack[version]
    assert _entry(bundle)["kindVersion"]["version"] == ("0.0.1" if version == "1" else "0.0.2")
    verdict = live.js_verify(bundle, artifact)
    assert verdict == {"ok": True, "identity": EMAIL, "issuer": live.issuer}
    # what sigstore-js trusted: the trusted_root.json target its TUF client fetched from us
    (fetched,) = (live.root / "tuf-cache").glob("*/targets/trusted_root.json")
    assert fetched.read_bytes() == (live.data / "trusted_root.json").read_bytes()


@pytest.mark.parametrize("version", ["1", "2"])
def test_sigstore_js_refuses_a_tampered_file(live: Live, version: str) -> None:
    artifact, bundle = live.signed_by_sigstack[version]
    tampered = live.root / f"tampered-v{version}.txt"
    tampered.write_bytes(artifact.read_bytes() + b"!")
    verdict = live.js_verify(bundle, tampered)
    assert verdict["ok"] is False
    assert (verdict["code"], verdict["message"]) == (
        "SIGNATURE_ERROR",
        "signature verification failed",
    )


def test_sigstore_js_refuses_a_wrong_identity(live: Live) -> None:
    artifact, bundle = live.signed_by_sigstack["2"]
    verdict = live.js_verify(bundle, artifact, identity="mallory@example.com")
    assert verdict["ok"] is False
    assert verdict["code"] == "UNTRUSTED_SIGNER_ERROR"
    assert verdict["message"] == (
        f"certificate identity error - expected mallory@example.com, got {EMAIL}"
    )
