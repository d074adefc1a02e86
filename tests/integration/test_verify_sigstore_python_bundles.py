"""Bundles made by the real sigstore-python 4.5.1, verified by sigstack (interop, one way).

One live ``sigstack up``; the unmodified ``sigstore`` CLI from PyPI (``make peers``),
pointed at it with ``--trust-config DATA/trust_config.json``, makes four bundles:
``sign`` and ``attest`` (an in-toto statement with a SLSA v1 predicate, DSSE), each with
Rekor v1 (``hashedrekord``/``dsse`` 0.0.1, inclusion promise) and Rekor v2 (0.0.2, RFC 3161
timestamp). sigstack must accept all four through the library (:class:`Verifier` with an
:class:`Identity` policy, sigstore-clients.md §9) and the CLI (``sigstack verify-blob``),
and refuse a tampered file or payload and a wrong identity, saying why.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigstack.clock import utc_now
from sigstack.testing.stack import start_stack
from sigstack.verify import (
    Identity,
    IdentityError,
    MessageDigestError,
    SignatureMismatchError,
    VerificationResult,
    Verifier,
    load_bundle,
    load_trusted_root,
)
from tests.integration._live import StackState, oidc_token
from tests.peers import run_sigstore

EMAIL = "python-peer@example.com"
SLSA = "https://slsa.dev/provenance/v1"
PREDICATE = {
    "buildDefinition": {"buildType": "https://example.com/build", "externalParameters": {}},
    "runDetails": {"builder": {"id": "https://example.com/builder"}},
}
# (sigstore-python command, --rekor-version) → expected tlog entry kind/version; with
# Rekor v2 sigstore-python ≥ 4.3 logs a DSSE envelope as a hashedrekord 0.0.2 entry.
BUNDLES = {
    "sign-v1": ("sign", "1", ("hashedrekord", "0.0.1")),
    "sign-v2": ("sign", "2", ("hashedrekord", "0.0.2")),
    "attest-v1": ("attest", "1", ("dsse", "0.0.1")),
    "attest-v2": ("attest", "2", ("hashedrekord", "0.0.2")),
}


class Signed(StackState):
    def verifier(self) -> Verifier:
        root = load_trusted_root((self.data / "trusted_root.json").read_bytes())
        return Verifier(root, clock=utc_now)

    def verify_blob(
        self, artifact: Path, bundle: Path, identity: str = EMAIL
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sigstack", "verify-blob", str(artifact),
             "--bundle", str(bundle),
             "--certificate-identity", identity, "--certificate-oidc-issuer", self.issuer,
             "--trust-config", str(self.data / "trust_config.json")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip


def _token(data: Path) -> str:
    return oidc_token(data, EMAIL)


def _peer_sign(state: Signed, command: str, version: str, artifact: Path, bundle: Path) -> None:
    """The sigstore-python CLI, trust from our trust config only, HOME in tmp."""
    extra: list[str] = []
    if command == "attest":
        predicate = state.root / "predicate.json"
        predicate.write_text(json.dumps(PREDICATE))
        extra = ["--predicate", str(predicate), "--predicate-type", SLSA]
    result = run_sigstore(
        state.root / "home", "--trust-config", str(state.data / "trust_config.json"),
        command, "--identity-token", _token(state.data), "--rekor-version", version,
        *extra, "--bundle", str(bundle), str(artifact), cwd=state.root,
    )  # fmt: skip
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signed]:
    root = tmp_path_factory.mktemp("py-bundles")
    server = start_stack(root / "data", output=root / "up.log")
    state = Signed(root, server)
    try:
        for name, (command, version, _) in BUNDLES.items():
            artifact = root / f"{name}.txt"
            artifact.write_text(f"{command} by sigstore-python with Rekor v{version}\n")
            bundle = root / f"{name}.sigstore.json"
            _peer_sign(state, command, version, artifact, bundle)
            state.bundles[name] = (artifact, bundle)
        yield state
    finally:
        server.stop()


def _library_verify(signed: Signed, name: str, artifact: bytes) -> VerificationResult:
    _, bundle_path = signed.bundles[name]
    bundle = load_bundle(bundle_path.read_bytes())
    policy = Identity(EMAIL, signed.issuer)
    if BUNDLES[name][0] == "attest":
        return signed.verifier().verify_dsse(bundle, policy)
    return signed.verifier().verify_artifact(bundle, artifact, policy)


@pytest.mark.parametrize("name", BUNDLES)
def test_the_peer_made_the_expected_entry(signed: Signed, name: str) -> None:
    _, bundle = signed.bundles[name]
    document = json.loads(bundle.read_text())
    (entry,) = document["verificationMaterial"]["tlogEntries"]
    kind, version = BUNDLES[name][2]
    assert entry["kindVersion"] == {"kind": kind, "version": version}
    assert ("dsseEnvelope" in document) == (BUNDLES[name][0] == "attest")


@pytest.mark.parametrize("name", BUNDLES)
def test_library_verifies(signed: Signed, name: str) -> None:
    artifact, _ = signed.bundles[name]
    result = _library_verify(signed, name, artifact.read_bytes())
    assert (result.identity, result.issuer) == (EMAIL, signed.issuer)
    assert result.verified_times
    if BUNDLES[name][0] == "attest":
        assert result.payload_type == "application/vnd.in-toto+json"
        assert result.payload is not None
        statement = json.loads(result.payload)
        assert statement["predicateType"] == SLSA
        assert statement["predicate"] == PREDICATE
        digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
        assert statement["subject"] == [{"name": artifact.name, "digest": {"sha256": digest}}]


@pytest.mark.parametrize("name", BUNDLES)
def test_cli_verifies(signed: Signed, name: str) -> None:
    artifact, bundle = signed.bundles[name]
    result = signed.verify_blob(artifact, bundle)
    assert result.returncode == 0, result.stderr
    assert f"OK: {artifact}" in result.stdout
    assert f"identity: {EMAIL}" in result.stdout
    assert f"issuer:   {signed.issuer}" in result.stdout


@pytest.mark.parametrize("name", ["sign-v1", "sign-v2"])
def test_library_refuses_a_tampered_file(signed: Signed, name: str) -> None:
    artifact, _ = signed.bundles[name]
    with pytest.raises(MessageDigestError) as refused:
        _library_verify(signed, name, artifact.read_bytes() + b"!")
    assert refused.value.code == "message-digest"
    assert "expected messageDigest" in str(refused.value)


@pytest.mark.parametrize("name", ["attest-v1", "attest-v2"])
def test_library_refuses_a_tampered_statement(signed: Signed, name: str) -> None:
    _, bundle_path = signed.bundles[name]
    document = json.loads(bundle_path.read_text())
    envelope = document["dsseEnvelope"]
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["subject"][0]["digest"]["sha256"] = "0" * 64  # claim some other file
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    bundle = load_bundle(json.dumps(document))
    with pytest.raises(SignatureMismatchError) as refused:
        signed.verifier().verify_dsse(bundle, Identity(EMAIL, signed.issuer))
    assert refused.value.code == "signature"


@pytest.mark.parametrize("name", BUNDLES)
def test_cli_refuses_a_tampered_file(signed: Signed, name: str) -> None:
    artifact, bundle = signed.bundles[name]
    tampered = signed.root / f"tampered-{name}.txt"
    tampered.write_bytes(artifact.read_bytes() + b"!")
    result = signed.verify_blob(tampered, bundle)
    assert result.returncode == 1
    reason = "not a subject" if BUNDLES[name][0] == "attest" else "expected messageDigest"
    assert reason in result.stderr, result.stderr


@pytest.mark.parametrize("name", BUNDLES)
def test_wrong_identity_is_refused(signed: Signed, name: str) -> None:
    artifact, bundle_path = signed.bundles[name]
    bundle = load_bundle(bundle_path.read_bytes())
    policy = Identity("mallory@example.com", signed.issuer)
    with pytest.raises(IdentityError) as refused:
        if BUNDLES[name][0] == "attest":
            signed.verifier().verify_dsse(bundle, policy)
        else:
            signed.verifier().verify_artifact(bundle, artifact.read_bytes(), policy)
    expected = f"expected identity 'mallory@example.com', found ['{EMAIL}']"
    assert str(refused.value).endswith(expected), refused.value
    result = signed.verify_blob(artifact, bundle_path, identity="mallory@example.com")
    assert result.returncode == 1
    assert expected in result.stderr, result.stderr
