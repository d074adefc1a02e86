"""``attest-blob`` / ``verify-blob-attestation`` and ``--instance`` trust, against a live stack.

* attest-blob with ``--predicate``/``--type`` through Rekor v1 and v2, then
  verify-blob-attestation (the predicate type is printed); a wrong ``--type``, a file that
  is not a subject and a predicate that is not JSON are refused, each with its reason.
* ``--instance URL`` with ``sigstack up``'s TUF repository at ``/tuf``: ``trust-instance``,
  then sign-blob / verify-blob through it; with the server stopped verify-blob still works
  from the cache (and says so on stderr).
* ``--instance public-good`` verifies a conformance bundle with no network: the
  repository is unreachable, the embedded trust root is used, with a warning.

Every command runs as a real ``python -m sigstack`` process with its own
``XDG_CACHE_HOME``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigstack.testing.service import ServiceProcess
from sigstack.testing.stack import start_stack
from tests.integration._live import live_stack, run_sigstack

EMAIL = "attest@example.com"
PREDICATE = {"buildDefinition": {"buildType": "https://example.com/build/v1"}, "runDetails": {}}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ServiceProcess]]:
    yield from live_stack(tmp_path_factory.mktemp("attest"))


def _sigstack(
    data: Path, *args: str, cache: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    xdg = {**env, "XDG_CACHE_HOME": str(cache or data.parent / "xdg-cache")}
    return run_sigstack(
        data, *args, drop=("SIGSTORE_", "XDG_"), drop_proxies=True, env=xdg, stdin=None
    )


def _token(data: Path) -> str:
    out = _sigstack(data, "oidc", "token", "--email", EMAIL, "--data-dir", str(data))
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _who(server: ServiceProcess) -> list[str]:
    return ["--certificate-identity", EMAIL, "--certificate-oidc-issuer", f"{server.url}/oidc"]


@pytest.mark.parametrize("version", ["1", "2"])
def test_attest_blob_then_verify_blob_attestation(
    live: tuple[Path, ServiceProcess], version: str
) -> None:
    root, server = live
    data = server.data_dir
    artifact = root / f"app-v{version}.tar"
    artifact.write_bytes(b"release bits " + version.encode())
    predicate = root / "provenance.json"
    predicate.write_text(json.dumps(PREDICATE))
    bundle = root / f"app-v{version}.att.json"
    signed = _sigstack(
        data, "attest-blob", str(artifact), "--predicate", str(predicate),
        "--type", "slsaprovenance1", "--bundle", str(bundle), "--rekor-version", version,
        SIGSTORE_IDENTITY_TOKEN=_token(data),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    assert f"Rekor v{version}" in signed.stdout
    document = json.loads(bundle.read_text())
    assert document["dsseEnvelope"]["payloadType"] == "application/vnd.in-toto+json"

    verified = _sigstack(
        data, "verify-blob-attestation", str(artifact), "--bundle", str(bundle),
        "--type", "slsaprovenance1", *_who(server),
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert "predicateType: https://slsa.dev/provenance/v1" in verified.stdout
    assert f"identity: {EMAIL}" in verified.stdout
    assert "FILE is a subject of the statement" in verified.stdout

    as_json = _sigstack(
        data, "verify-blob-attestation", str(artifact), "--bundle", str(bundle), "--json",
        "--type", "https://slsa.dev/provenance/v1", *_who(server),
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["predicateType"] == "https://slsa.dev/provenance/v1"
    assert report["identity"] == EMAIL and report["verified"] is True

    wrong_type = _sigstack(
        data, "verify-blob-attestation", str(artifact), "--bundle", str(bundle),
        "--type", "spdxjson", *_who(server),
    )  # fmt: skip
    assert wrong_type.returncode == 1
    assert (
        "expected predicate type https://spdx.dev/Document, found https://slsa.dev/provenance/v1"
        in wrong_type.stderr
    )

    other = root / f"other-v{version}.tar"
    other.write_bytes(b"not what was attested")
    not_subject = _sigstack(
        data, "verify-blob-attestation", str(other), "--bundle", str(bundle), *_who(server)
    )
    assert not_subject.returncode == 1
    assert "is not a subject of the statement" in not_subject.stderr


def test_a_predicate_that_is_not_json_is_refused(live: tuple[Path, ServiceProcess]) -> None:
    root, server = live
    artifact = root / "plain.txt"
    artifact.write_bytes(b"plain\n")
    predicate = root / "predicate.txt"
    predicate.write_text("builder: me\n")
    refused = _sigstack(
        server.data_dir, "attest-blob", str(artifact), "--predicate", str(predicate),
        "--type", "custom", "--identity-token", "unused",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "expected a JSON predicate, found invalid JSON" in refused.stderr
    assert str(predicate) in refused.stderr
    assert not (root / "plain.txt.sigstore.json").exists()


def test_attest_blob_with_a_statement(live: tuple[Path, ServiceProcess]) -> None:
    root, server = live
    data = server.data_dir
    artifact = root / "stated.bin"
    artifact.write_bytes(b"stated\n")
    digest = hashlib.sha256(artifact.read_bytes()).hexdigest()
    statement = root / "statement.json"
    statement.write_text(
        json.dumps(
            {
                "_type": "https://in-toto.io/Statement/v1",
                "subject": [{"name": "stated.bin", "digest": {"sha256": digest}}],
                "predicateType": "https://example.com/custom/v1",
                "predicate": {"ok": True},
            }
        )
    )
    signed = _sigstack(
        data, "attest-blob", str(artifact), "--statement", str(statement),
        SIGSTORE_IDENTITY_TOKEN=_token(data),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    verified = _sigstack(
        data, "verify-blob-attestation", str(artifact),
        "--bundle", str(artifact) + ".sigstore.json",
        "--type", "https://example.com/custom/v1", *_who(server),
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    stray = root / "stray.bin"
    stray.write_bytes(b"stray\n")
    refused = _sigstack(
        data, "attest-blob", str(stray), "--statement", str(statement), "--identity-token", "x"
    )
    assert refused.returncode == 1
    assert "(stray.bin) is not a subject of the statement" in refused.stderr


def test_instance_url_from_the_stack_tuf_repository(tmp_path: Path) -> None:
    """trust-instance, sign/verify with --instance URL; stopped server → the cache."""
    server = start_stack(tmp_path / "data", output=tmp_path / "up.log")
    data, cache = server.data_dir, tmp_path / "cache"
    url = f"{server.url}/tuf"
    try:
        untrusted = _sigstack(data, "verify-blob", "x", "--bundle", "y", "--key", "z",
                              "--instance", url, cache=cache)  # fmt: skip
        assert untrusted.returncode == 1
        assert "sigstack trust-instance ROOT.json" in untrusted.stderr

        trusted = _sigstack(
            data, "trust-instance", str(data / "tuf" / "root.json"), "--instance", url, cache=cache
        )
        assert trusted.returncode == 0, trusted.stderr
        cached = list((cache / "sigstack" / "tuf").iterdir())
        assert len(cached) == 1 and (cached[0] / "targets" / "trusted_root.json").is_file()

        artifact = tmp_path / "via-tuf.txt"
        artifact.write_bytes(b"trust from TUF\n")
        signed = _sigstack(
            data, "sign-blob", str(artifact), "--instance", url, cache=cache,
            SIGSTORE_IDENTITY_TOKEN=_token(data), SIGSTACK_HOME=str(tmp_path / "nowhere"),
        )  # fmt: skip
        assert signed.returncode == 0, signed.stderr
        assert "warning" not in signed.stderr
        verify = [
            "verify-blob", str(artifact), "--bundle", str(artifact) + ".sigstore.json",
            *_who(server), "--instance", url,
        ]  # fmt: skip
        online = _sigstack(tmp_path / "nowhere", *verify, cache=cache)
        assert online.returncode == 0, online.stderr
        assert "warning" not in online.stderr
    finally:
        server.stop()
    offline = _sigstack(tmp_path / "nowhere", *verify, cache=cache)
    assert offline.returncode == 0, offline.stderr
    assert f"identity: {EMAIL}" in offline.stdout
    warnings = [line for line in offline.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "using the cached copy" in warnings[0], offline.stderr


def test_instance_public_good_verifies_offline_from_the_embedded_root(tmp_path: Path) -> None:
    cases = Path("/work/shared/conformance/bundle-verify")
    identity = (
        "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
        ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
    )
    argv = [
        "verify-blob", str(cases / "a.txt"),
        "--bundle", str(cases / "happy-path-v0.3" / "bundle.sigstore.json"),
        "--certificate-identity", identity,
        "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com",
        "--instance", "public-good",
    ]  # fmt: skip
    # Unreachable whatever the machine's network: every https request goes to a dead proxy.
    dead = {"HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    done = _sigstack(tmp_path, *argv, cache=tmp_path / "cache", **dead)
    assert done.returncode == 0, done.stderr
    assert f"identity: {identity}" in done.stdout
    warning = done.stderr.strip().splitlines()
    assert len(warning) == 1, done.stderr
    assert "cannot refresh trust from https://tuf-repo-cdn.sigstore.dev" in warning[0]
    assert "using the embedded copy" in warning[0]
    # The TUF client bootstrapped from the embedded root (public-good root v15).
    metadata = tmp_path / "cache" / "sigstack" / "tuf" / "tuf-repo-cdn.sigstore.dev" / "metadata"
    assert json.loads((metadata / "root.json").read_bytes())["signed"]["version"] == 15

    staging = _sigstack(tmp_path, *argv[:-1], "staging", cache=tmp_path / "cache", **dead)
    assert staging.returncode == 1  # a production bundle does not chain to the staging CAs
    assert "using the embedded copy" in staging.stderr


def test_a_message_signature_bundle_is_not_an_attestation(tmp_path: Path) -> None:
    cases = Path("/work/shared/conformance/bundle-verify")
    refused = _sigstack(
        tmp_path, "verify-blob-attestation", str(cases / "a.txt"),
        "--bundle", str(cases / "happy-path-v0.3" / "bundle.sigstore.json"),
        "--certificate-identity-regexp", ".*", "--certificate-oidc-issuer-regexp", ".*",
        "--trusted-root", "/work/shared/trust/public-good/trusted_root.json",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "expected an attestation (a DSSE envelope), found a message signature" in refused.stderr


def test_an_unknown_predicate_type_is_refused_before_signing(tmp_path: Path) -> None:
    artifact = tmp_path / "a.txt"
    artifact.write_bytes(b"a")
    predicate = tmp_path / "p.json"
    predicate.write_text("{}")
    refused = _sigstack(
        tmp_path, "attest-blob", str(artifact), "--predicate", str(predicate),
        "--type", "provenance", "--identity-token", "unused",
    )  # fmt: skip
    assert refused.returncode == 1
    assert "expected a predicate type URI or one of custom" in refused.stderr
    assert "found 'provenance'" in refused.stderr
