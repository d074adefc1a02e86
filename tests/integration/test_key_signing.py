"""Managed keys against a live ``sigstack up``: ``generate-key-pair`` → ``sign-blob --key``
(Rekor v1 and v2) → ``verify-blob --key``; refusals with their reasons (tampered file, another
public key, identity flags on a key bundle, wrong ``COSIGN_PASSWORD`` with no bundle written);
a key file cosign wrote signs too."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.clock import utc_now
from sigstack.sign import KeySigner, SigningContext
from sigstack.testing.service import ServiceProcess
from sigstack.verify import (
    ManagedKey,
    VerificationFailure,
    Verifier,
    load_bundle,
    load_trusted_root,
)
from tests.integration._live import live_stack, run_sigstack

COSIGN_VECTOR = (
    Path(__file__).parents[1]
    / "unit"
    / "core"
    / "data"
    / "cosign-keys"
    / "cosign-keys-test-sigstore-hello.key"
)
#: Its public key (data/cosign-keys/README.md).
COSIGN_VECTOR_PUB = b"""-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7z9gA/tqa9iHt/f9F3ulyVi4lwqU
LfHWfhG2mK4eyJ8LDcLstb+VVhxj3pkMjc3fNo+sSfiIY2NLR7c+DG1V4w==
-----END PUBLIC KEY-----
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ServiceProcess]]:
    yield from live_stack(tmp_path_factory.mktemp("keys"))


def _sigstack(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_sigstack(data, *args, drop=("SIGSTORE_", "COSIGN_"), env=env)


@pytest.fixture(scope="module")
def key_pair(live: tuple[Path, ServiceProcess]) -> tuple[Path, Path]:
    root, server = live
    prefix = root / "release"
    out = _sigstack(
        server.data_dir, "generate-key-pair", "--output-key-prefix", str(prefix),
        COSIGN_PASSWORD="correct horse",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return prefix.with_suffix(".key"), prefix.with_suffix(".pub")


def test_generate_key_pair_writes_cosign_files(
    live: tuple[Path, ServiceProcess], key_pair: tuple[Path, Path]
) -> None:
    key, pub = key_pair
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().startswith("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
    assert pub.read_text().startswith("-----BEGIN PUBLIC KEY-----\n")
    before = key.read_bytes()
    again = _sigstack(
        live[1].data_dir, "generate-key-pair", "--output-key-prefix", str(key.with_suffix("")),
        COSIGN_PASSWORD="x",
    )  # fmt: skip
    assert again.returncode == 1
    assert f"{key} exists; pass --force to overwrite it" in again.stderr
    assert key.read_bytes() == before


@pytest.mark.parametrize("version", ["1", "2"])
def test_sign_blob_with_key_then_verify_blob_with_key(
    live: tuple[Path, ServiceProcess], key_pair: tuple[Path, Path], version: str
) -> None:
    root, server = live
    data = server.data_dir
    key, pub = key_pair
    artifact = root / f"managed-v{version}.txt"
    artifact.write_bytes(b"signed with a managed key\n")
    signed = _sigstack(
        data, "sign-blob", str(artifact), "--key", str(key), "--rekor-version", version,
        COSIGN_PASSWORD="correct horse",
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    assert f"Rekor v{version}" in signed.stdout
    bundle_path = artifact.with_name(artifact.name + ".sigstore.json")
    bundle = json.loads(bundle_path.read_text())
    material = bundle["verificationMaterial"]
    spki = serialization.load_pem_public_key(pub.read_bytes()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert material["publicKey"] == {
        "hint": base64.b64encode(hashlib.sha256(spki).digest()).decode()
    }
    assert material["timestampVerificationData"]["rfc3161Timestamps"]
    (entry,) = material["tlogEntries"]
    assert entry["kindVersion"] == {"kind": "hashedrekord", "version": f"0.0.{version}"}

    verified = _sigstack(data, "verify-blob", str(artifact), "--bundle", str(bundle_path),
                         "--key", str(pub))  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert "identity: (managed key)" in verified.stdout

    tampered = root / f"tampered-v{version}.txt"
    tampered.write_bytes(b"signed with a managed key!\n")
    refused = _sigstack(data, "verify-blob", str(tampered), "--bundle", str(bundle_path),
                        "--key", str(pub))  # fmt: skip
    assert refused.returncode == 1
    assert "expected messageDigest" in refused.stderr, refused.stderr

    other_pub = root / "other.pub"
    other_pub.write_bytes(COSIGN_VECTOR_PUB)
    refused = _sigstack(data, "verify-blob", str(artifact), "--bundle", str(bundle_path),
                        "--key", str(other_pub))  # fmt: skip
    assert refused.returncode == 1
    assert "expected a signature by the ecdsa-p256 key" in refused.stderr, refused.stderr
    assert "does not verify" in refused.stderr

    refused = _sigstack(
        data, "verify-blob", str(artifact), "--bundle", str(bundle_path),
        "--certificate-identity", "a@example.com", "--certificate-oidc-issuer", server.url,
    )  # fmt: skip
    assert refused.returncode == 1
    assert "signed with a managed key" in refused.stderr


def test_wrong_password_is_refused_and_no_bundle_is_written(
    live: tuple[Path, ServiceProcess], key_pair: tuple[Path, Path]
) -> None:
    root, server = live
    artifact = root / "wrong-password.txt"
    artifact.write_bytes(b"x\n")
    out = _sigstack(
        server.data_dir, "sign-blob", str(artifact), "--key", str(key_pair[0]),
        COSIGN_PASSWORD="battery staple",
    )  # fmt: skip
    assert out.returncode == 1
    assert "the password does not decrypt the private key" in out.stderr
    assert not artifact.with_name(artifact.name + ".sigstore.json").exists()


def test_a_key_file_cosign_wrote_signs(live: tuple[Path, ServiceProcess]) -> None:
    root, server = live
    data = server.data_dir
    artifact = root / "by-cosign-key.txt"
    artifact.write_bytes(b"signed with cosign's test key\n")
    signed = _sigstack(
        data, "sign-blob", str(artifact), "--key", str(COSIGN_VECTOR), COSIGN_PASSWORD="hello"
    )
    assert signed.returncode == 0, signed.stderr
    pub = root / "cosign-vector.pub"
    pub.write_bytes(COSIGN_VECTOR_PUB)
    bundle = str(artifact) + ".sigstore.json"
    verified = _sigstack(data, "verify-blob", str(artifact), "--bundle", bundle, "--key", str(pub))
    assert verified.returncode == 0, verified.stderr


@pytest.mark.parametrize("version", [1, 2])
def test_key_signer_dsse_verifies_with_the_managed_key(
    live: tuple[Path, ServiceProcess], version: int
) -> None:
    """The library path: KeySigner.sign_dsse through the live log (v1 dsse 0.0.1 with the PEM
    key as verifier, v2 hashedrekord over SHA-256(PAE)), then Verifier.verify_dsse."""
    data = live[1].data_dir
    config = json.loads((data / "trust_config.json").read_bytes())
    context = SigningContext.from_trust_config(config, now=utc_now(), rekor_version=version)
    key = ec.generate_private_key(ec.SECP256R1())
    statement = b'{"_type":"https://in-toto.io/Statement/v1","subject":[]}'
    bundle = KeySigner(context, key).sign_dsse("application/vnd.in-toto+json", statement)
    (entry,) = bundle["verificationMaterial"]["tlogEntries"]
    kind = ("dsse", "0.0.1") if version == 1 else ("hashedrekord", "0.0.2")
    assert (entry["kindVersion"]["kind"], entry["kindVersion"]["version"]) == kind

    verifier = Verifier(load_trusted_root(json.dumps(config["trustedRoot"])), clock=utc_now)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    result = verifier.verify_dsse(load_bundle(json.dumps(bundle)), ManagedKey.from_pem(pem))
    assert result.identity is None and result.verified_times
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    other_pem = other.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(VerificationFailure, match="does not verify"):
        verifier.verify_dsse(load_bundle(json.dumps(bundle)), ManagedKey.from_pem(other_pem))


def test_digest_inputs_sign_and_verify(
    live: tuple[Path, ServiceProcess], key_pair: tuple[Path, Path]
) -> None:
    """``FILE`` may be ``sha256:HEX`` for sign-blob and verify-blob (cosign, conformance)."""
    root, server = live
    private, public = key_pair
    artifact = root / "by-digest.txt"
    artifact.write_bytes(b"signed by its digest only\n")
    digest = "sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest()
    bundle = root / "by-digest.sigstore.json"
    no_out = _sigstack(
        server.data_dir, "sign-blob", digest, "--key", str(private), COSIGN_PASSWORD="correct horse"
    )
    assert no_out.returncode == 1
    assert "needs --bundle" in no_out.stderr, no_out.stderr
    signed = _sigstack(
        server.data_dir, "sign-blob", digest, "--key", str(private), "--bundle", str(bundle),
        COSIGN_PASSWORD="correct horse",
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    for subject in (str(artifact), digest):
        ok = _sigstack(
            server.data_dir, "verify-blob", subject, "--bundle", str(bundle), "--key", str(public)
        )
        assert ok.returncode == 0, ok.stderr
    other = "sha256:" + "00" * 32
    refused = _sigstack(
        server.data_dir, "verify-blob", other, "--bundle", str(bundle), "--key", str(public)
    )
    assert refused.returncode == 1
    assert "expected messageDigest" in refused.stderr, refused.stderr


@pytest.mark.parametrize("version", ["1", "2"])
def test_attest_blob_with_a_key(
    live: tuple[Path, ServiceProcess], key_pair: tuple[Path, Path], version: str
) -> None:
    """attest-blob --key: a DSSE statement signed with a cosign key, subject by file or digest."""
    root, server = live
    private, public = key_pair
    artifact = root / f"attested-{version}.txt"
    artifact.write_bytes(b"attested with a key, Rekor v%s\n" % version.encode())
    digest = "sha256:" + hashlib.sha256(artifact.read_bytes()).hexdigest()
    predicate = root / "predicate.json"
    predicate.write_text('{"buildType": "https://example.com/build"}')
    bundle = root / f"attested-{version}.sigstore.json"
    signed = _sigstack(
        server.data_dir, "attest-blob", digest, "--predicate", str(predicate),
        "--type", "slsaprovenance1", "--key", str(private), "--bundle", str(bundle),
        "--rekor-version", version, COSIGN_PASSWORD="correct horse",
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    for subject in (str(artifact), digest):
        ok = _sigstack(
            server.data_dir, "verify-blob-attestation", subject, "--bundle", str(bundle),
            "--key", str(public), "--type", "slsaprovenance1",
        )  # fmt: skip
        assert ok.returncode == 0, ok.stderr
        assert "https://slsa.dev/provenance/v1" in ok.stdout
    wrong = _sigstack(
        server.data_dir, "verify-blob-attestation", str(predicate), "--bundle", str(bundle),
        "--key", str(public),
    )  # fmt: skip
    assert wrong.returncode == 1
    assert "not a subject" in wrong.stderr, wrong.stderr
