"""sigstack's Signer against a live ``sigstack up``, judged by the real sigstore-python CLI.

A token from ``sigstack oidc token``, a :class:`SigningContext` from
``DATA/trust_config.json``; one bundle signed through Rekor v1 and one through Rekor v2
(with the TSA, sigstore-clients.md §6.6). ``sigstore verify identity`` (4.5.1, its own
venv) must accept each for the file that was signed and refuse a tampered file.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigstack.clock import utc_now
from sigstack.core.bundle import parse_bundle
from sigstack.sign import BUNDLE_MEDIA_TYPE, Signer, SigningContext
from sigstack.testing.service import ServiceProcess
from tests.integration._live import live_stack, oidc_token
from tests.peers import run_sigstore

EMAIL = "signer@example.com"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ServiceProcess]]:
    yield from live_stack(tmp_path_factory.mktemp("sign"))


def _token(data: Path) -> str:
    return oidc_token(data, EMAIL)


def _shape(value: object, path: str = "") -> set[str]:
    """Every JSON path of ``value`` (list items as ``[]``): the bundle's shape, not its values."""
    if isinstance(value, dict):
        return {path} | {p for k, v in value.items() for p in _shape(v, f"{path}.{k}")}
    if isinstance(value, list):
        return {path} | {p for v in value for p in _shape(v, f"{path}[]")}
    return {path}


def _sigstore(root: Path, server: ServiceProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """The judge's CLI with ``--trust-config DATA/trust_config.json``, HOME in tmp."""
    trust = ("--trust-config", str(server.data_dir / "trust_config.json"))
    return run_sigstore(root / "home", *trust, *args, cwd=root)


def _judge(
    root: Path, server: ServiceProcess, artifact: Path, bundle: Path
) -> subprocess.CompletedProcess[str]:
    return _sigstore(
        root, server, "verify", "identity", "--cert-identity", EMAIL,
        "--cert-oidc-issuer", f"{server.url}/oidc", "--bundle", str(bundle), str(artifact),
    )  # fmt: skip


@pytest.mark.parametrize("version", [1, 2])
def test_bundle_verifies_with_sigstore_python(
    live: tuple[Path, ServiceProcess], version: int
) -> None:
    root, server = live
    document = json.loads((server.data_dir / "trust_config.json").read_text())
    context = SigningContext.from_trust_config(document, now=utc_now(), rekor_version=version)
    assert context.rekor_version == version
    assert context.tsa_urls

    artifact = root / f"artifact-v{version}.txt"
    artifact.write_bytes(f"signed by sigstack through Rekor v{version}\n".encode())
    bundle = Signer(context, _token(server.data_dir)).sign_artifact(artifact.read_bytes())

    assert bundle["mediaType"] == BUNDLE_MEDIA_TYPE
    (entry,) = bundle["verificationMaterial"]["tlogEntries"]
    assert entry["kindVersion"] == {"kind": "hashedrekord", "version": f"0.0.{version}"}
    assert ("inclusionPromise" in entry) == (version == 1)
    assert bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
    path = root / f"artifact-v{version}.sigstore.json"
    path.write_text(json.dumps(bundle))

    judged = _judge(root, server, artifact, path)
    assert judged.returncode == 0, f"stdout:\n{judged.stdout}\nstderr:\n{judged.stderr}"

    tampered = root / f"tampered-v{version}.txt"
    tampered.write_bytes(artifact.read_bytes() + b"!")
    refused = _judge(root, server, tampered, path)
    assert refused.returncode != 0, refused.stdout + refused.stderr


@pytest.mark.parametrize("version", [1, 2])
def test_bundle_has_the_shape_sigstore_python_writes(
    live: tuple[Path, ServiceProcess], version: int
) -> None:
    """Same JSON paths as the bundle the real client signs through the same log; we parse it."""
    root, server = live
    artifact = root / f"shape-v{version}.txt"
    artifact.write_bytes(b"same shape\n")
    theirs_path = root / f"shape-v{version}.theirs.sigstore.json"
    signed = _sigstore(
        root, server, "sign", "--identity-token", _token(server.data_dir),
        "--rekor-version", str(version), "--bundle", str(theirs_path), str(artifact),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stdout + signed.stderr
    document = json.loads((server.data_dir / "trust_config.json").read_text())
    context = SigningContext.from_trust_config(document, now=utc_now(), rekor_version=version)
    ours = Signer(context, _token(server.data_dir)).sign_artifact(artifact.read_bytes())
    theirs = json.loads(theirs_path.read_text())
    assert ours["mediaType"] == theirs["mediaType"]
    assert _shape(ours) == _shape(theirs)
    parsed = parse_bundle(json.dumps(ours))
    assert parsed.message_signature is not None


PREDICATE = {
    "buildDefinition": {"buildType": "https://example.com/build", "externalParameters": {}},
    "runDetails": {"builder": {"id": "https://example.com/builder"}},
}


def _statement(artifact: Path) -> bytes:
    """An in-toto v1 statement naming ``artifact`` by its SHA-256."""
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            {
                "name": artifact.name,
                "digest": {"sha256": hashlib.sha256(artifact.read_bytes()).hexdigest()},
            }
        ],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": PREDICATE,
    }
    return json.dumps(statement).encode()


@pytest.mark.parametrize("version", [1, 2])
def test_dsse_bundle_verifies_and_has_the_shape_sigstore_python_writes(
    live: tuple[Path, ServiceProcess], version: int
) -> None:
    root, server = live
    artifact = root / f"attested-v{version}.txt"
    artifact.write_bytes(f"attested by sigstack through Rekor v{version}\n".encode())
    document = json.loads((server.data_dir / "trust_config.json").read_text())
    context = SigningContext.from_trust_config(document, now=utc_now(), rekor_version=version)
    ours = Signer(context, _token(server.data_dir)).sign_dsse(
        "application/vnd.in-toto+json", _statement(artifact)
    )
    path = root / f"attested-v{version}.sigstore.json"
    path.write_text(json.dumps(ours))
    judged = _judge(root, server, artifact, path)
    assert judged.returncode == 0, f"stdout:\n{judged.stdout}\nstderr:\n{judged.stderr}"
    other = root / f"not-attested-v{version}.txt"
    other.write_bytes(b"something else\n")
    assert _judge(root, server, other, path).returncode != 0

    predicate = root / "predicate.json"
    predicate.write_text(json.dumps(PREDICATE))
    theirs_path = root / f"attested-v{version}.theirs.sigstore.json"
    signed = _sigstore(
        root, server, "attest", "--identity-token", _token(server.data_dir),
        "--rekor-version", str(version), "--predicate", str(predicate),
        "--predicate-type", "https://slsa.dev/provenance/v1",
        "--bundle", str(theirs_path), str(artifact),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stdout + signed.stderr
    assert _shape(ours) == _shape(json.loads(theirs_path.read_text()))
    assert parse_bundle(json.dumps(ours)).dsse_envelope is not None
