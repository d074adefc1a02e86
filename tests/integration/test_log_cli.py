"""``sigstack log`` against a live ``sigstack serve log``: answers are verified, lies refused.

The CLI runs in-process (``sigstack.cli.main.main`` + capsys) and once as a subprocess. To make
the server lie, the CLI's client is given a transport that forwards to the live server and
flips one thing in the answer; each lie must be refused with its own reason.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from sigstack.cli import log as log_cli
from sigstack.cli.main import main
from sigstack.clients.tlog import RekorV1Client
from sigstack.errors import DuplicateEntryError
from tests.integration.conftest import LiveLog, start_log

Edit = Callable[[Any], Any]


def hashedrekord(key: ec.EllipticCurvePrivateKey, artifact: bytes) -> tuple[dict[str, Any], str]:
    """A hashedrekord v0.0.1 ProposedEntry signing SHA-256(artifact), and that digest in hex."""
    digest = hashlib.sha256(artifact).digest()
    signature = key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    proposed = {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "signature": {
                "content": base64.b64encode(signature).decode(),
                "publicKey": {"content": base64.b64encode(pem).decode()},
            },
            "data": {"hash": {"algorithm": "sha256", "value": digest.hex()}},
        },
    }
    return proposed, digest.hex()


def log_public_pem(data_dir: Path) -> bytes:
    private = serialization.load_pem_private_key(
        (data_dir / "keys" / "rekor-v1.pem").read_bytes(), password=None
    )
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass
class Populated:
    """A live log holding three hashedrekord entries signed by one key."""

    server: LiveLog
    log_key: Path
    signer_key: Path
    digests: list[str]
    uuids: list[str]
    tmp: Path

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def populated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Populated]:
    tmp = tmp_path_factory.mktemp("log-cli")
    data = tmp / "data"
    data.mkdir()
    server = start_log(data)
    try:
        signer = ec.generate_private_key(ec.SECP256R1())
        signer_pem = tmp / "signer.pub.pem"
        signer_pem.write_bytes(
            signer.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        log_key = tmp / "rekor-v1.pub.pem"
        log_key.write_bytes(log_public_pem(data))
        digests, uuids = [], []
        with RekorV1Client(server.url) as client:
            for i in range(3):  # one at a time: a checkpoint is published at sizes 1, 2, 3
                proposed, digest = hashedrekord(signer, f"artifact {i}".encode())
                entry = client.create_entry(proposed)
                assert entry.log_index == i
                digests.append(digest)
                uuids.append(entry.uuid)
        yield Populated(server, log_key, signer_pem, digests, uuids, tmp)
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def no_local_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never pick up the developer's own ~/.sigstack key by accident."""
    monkeypatch.setenv("SIGSTACK_HOME", str(tmp_path / "empty-home"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["log", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def pinned(p: Populated, *argv: str) -> list[str]:
    return [*argv, "--log-url", p.url, "--log-key", str(p.log_key)]


# -- happy paths ---------------------------------------------------------------------------


def test_info_verifies_the_signed_tree_head(
    populated: Populated, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, *pinned(populated, "info"))
    assert status == 0, err
    assert "tree size:  3" in out
    assert "Verified: signed tree head" in out
    assert "pinned" in out

    status, out, _ = run(capsys, *pinned(populated, "info", "--json"))
    info = json.loads(out)
    assert info["treeSize"] == 3
    assert info["origin"].endswith(f" - {info['treeID']}")
    assert info["verified"] == {"signedTreeHead": True}
    assert info["logKey"]["pinned"] is True


def test_get_by_index_and_uuid(populated: Populated, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, *pinned(populated, "get", "--index", "1"))
    assert status == 0, err
    assert "Entry 1" in out
    assert populated.uuids[1] in out
    assert "kind:             hashedrekord 0.0.1" in out
    assert "signed entry timestamp  ok" in out
    assert "checkpoint signature    ok" in out
    assert "inclusion proof         ok" in out
    assert "integrated time:  20" in out and out.count("Z\n") >= 1

    for uuid in (populated.uuids[2], populated.uuids[2][16:]):  # 80-hex EntryID and 64-hex UUID
        status, out, err = run(capsys, *pinned(populated, "get", "--uuid", uuid, "--json"))
        assert status == 0, err
        entry = json.loads(out)
        assert entry["logIndex"] == 2
        assert entry["uuid"] == populated.uuids[2]
        assert entry["body"]["spec"]["data"]["hash"]["value"] == populated.digests[2]
        assert entry["verified"]["signedEntryTimestamp"] is True
        assert entry["verified"]["checkpoint"]["treeSize"] == 3
        assert entry["integratedTimeISO"].endswith("Z")


def test_search_by_sha256_and_public_key(
    populated: Populated, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, *pinned(populated, "search", "--sha256", populated.digests[1]))
    assert status == 0, err
    assert out.split() == [populated.uuids[1]]

    status, out, err = run(
        capsys,
        *pinned(populated, "search", "--public-key", str(populated.signer_key), "--verify"),
    )
    assert status == 0, err
    for index, uuid in enumerate(populated.uuids):
        assert f"{uuid}  index {index}" in out
    assert "Verified 3 entries" in err

    status, out, _ = run(capsys, *pinned(populated, "search", "--sha256", "ab" * 32, "--json"))
    assert status == 0
    assert json.loads(out) == {"uuids": []}


def test_proof_prints_the_verified_path(
    populated: Populated, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, *pinned(populated, "proof", "--index", "0"))
    assert status == 0, err
    assert "Inclusion proof:" in out
    assert "hash  0:" in out and "hash  1:" in out  # leaf 0 of 3 has a 2-hash path
    assert "(tree size 3)" in out


def test_verify_consistency_between_sizes(
    populated: Populated, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, *pinned(populated, "verify-consistency", "--from", "1"))
    assert status == 0, err
    assert "Consistent: the log at size 3 extends the log at size 1" in out

    status, out, err = run(
        capsys, *pinned(populated, "verify-consistency", "--from", "1", "--to", "2", "--json")
    )
    assert status == 0, err
    result = json.loads(out)
    assert result["consistent"] is True
    assert (result["from"]["treeSize"], result["to"]["treeSize"]) == (1, 2)
    assert len(result["hashes"]) == 1


def test_verify_consistency_from_a_saved_checkpoint(
    populated: Populated, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    saved = tmp_path / "cp.txt"
    with RekorV1Client(populated.url) as client:
        saved.write_text(client.checkpoint_at(2))
    status, out, err = run(
        capsys,
        *pinned(
            populated,
            "verify-consistency",
            "--from-checkpoint",
            str(saved),
            "--save-checkpoint",
            str(tmp_path / "latest.txt"),
        ),
    )
    assert status == 0, err
    assert "extends the log at size 2" in out
    assert (tmp_path / "latest.txt").read_text().split("\n")[1] == "3"

    forged = saved.read_text().replace("\n2\n", "\n1\n", 1)
    saved.write_text(forged)
    status, _, err = run(
        capsys, *pinned(populated, "verify-consistency", "--from-checkpoint", str(saved))
    )
    assert status == 1
    assert "checkpoint signature does not verify" in err


def test_local_stack_key_is_used_when_present(
    populated: Populated, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGSTACK_HOME", str(populated.server.data_dir))
    status, out, err = run(capsys, "get", "--index", "0", "--log-url", populated.url)
    assert status == 0, err
    assert "the local stack's key" in out
    assert "warning" not in err


def test_unpinned_key_is_announced(
    populated: Populated, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "info", "--log-url", populated.url)
    assert status == 0
    assert "fetched from" in err and "not pinned" in err and "--log-key" in err
    assert "NOT pinned" in out


def test_duplicate_submission_names_the_existing_index(populated: Populated) -> None:
    with RekorV1Client(populated.url) as client:
        entry = client.get_by_index(1)
        body = json.loads(entry.body)
    # The canonical body is itself a valid proposed entry: re-submitting it is a duplicate.
    with RekorV1Client(populated.url) as client, pytest.raises(DuplicateEntryError) as info:
        client.create_entry(body)
    assert info.value.index == 1
    assert info.value.leaf_hash.hex() == populated.uuids[1][16:]


# -- refusals ------------------------------------------------------------------------------


class Tamper(httpx.BaseTransport):
    """Forward to the live server; rewrite the JSON (or text) answer for one path."""

    def __init__(self, path: str, edit: Edit) -> None:
        self.inner = httpx.HTTPTransport()
        self.path = path
        self.edit = edit

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path != self.path:
            return response
        content = response.read()
        if response.headers.get("content-type", "").startswith("application/json"):
            changed = json.dumps(self.edit(json.loads(content))).encode()
        else:
            changed = self.edit(content.decode()).encode()
        headers = [
            (k, v)
            for k, v in response.headers.items()
            if k.lower() not in ("content-length", "content-encoding")
        ]
        return httpx.Response(response.status_code, headers=headers, content=changed)

    def close(self) -> None:
        self.inner.close()


def tampered(monkeypatch: pytest.MonkeyPatch, path: str, edit: Edit) -> None:
    def client(url: str, **_: Any) -> RekorV1Client:
        return RekorV1Client(url, transport=Tamper(path, edit))

    monkeypatch.setattr(log_cli, "RekorV1Client", client)


def anon(value: dict[str, Any]) -> dict[str, Any]:
    return next(iter(value.values()))


def flip_b64(text: str, at: int | None = None) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[len(raw) // 2 if at is None else at] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def flip_hex(text: str) -> str:
    return ("1" if text[0] == "0" else "0") + text[1:]


def in_entry(change: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(value: dict[str, Any]) -> dict[str, Any]:
        change(anon(value))
        return value

    return edit


def _flip_body(a: dict[str, Any]) -> None:
    body = base64.b64decode(a["body"])
    i = body.index(b'"value":"') + len(b'"value":"')  # a hex digit of the artifact digest
    a["body"] = base64.b64encode(body[:i] + flip_hex(body[i:].decode()).encode()).decode()


def _flip_set(a: dict[str, Any]) -> None:
    v = a["verification"]
    v["signedEntryTimestamp"] = flip_b64(v["signedEntryTimestamp"])


def _flip_proof_hash(a: dict[str, Any]) -> None:
    p = a["verification"]["inclusionProof"]
    p["hashes"][0] = flip_hex(p["hashes"][0])


def _flip_checkpoint_root(a: dict[str, Any]) -> None:
    p = a["verification"]["inclusionProof"]
    lines = p["checkpoint"].split("\n")
    lines[2] = flip_b64(lines[2], 0)
    p["checkpoint"] = "\n".join(lines)


def _shift_time(a: dict[str, Any]) -> None:
    a["integratedTime"] -= 3600


ENTRY_LIES = [
    ("body", _flip_body, "does not match its body"),
    ("signed-entry-timestamp", _flip_set, "signed entry timestamp does not verify"),
    ("integrated-time", _shift_time, "signed entry timestamp does not verify"),
    ("proof-hash", _flip_proof_hash, "inclusion proof of leaf 1 in the tree of size 3 does not"),
    ("checkpoint", _flip_checkpoint_root, "checkpoint signature does not verify"),
]


@pytest.mark.parametrize(("name", "change", "reason"), ENTRY_LIES, ids=[x[0] for x in ENTRY_LIES])
def test_tampered_entry_is_refused(
    populated: Populated,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    change: Callable[[dict[str, Any]], None],
    reason: str,
) -> None:
    tampered(monkeypatch, "/api/v1/log/entries", in_entry(change))
    status, out, err = run(capsys, *pinned(populated, "get", "--index", "1"))
    assert status == 1
    assert out == ""
    assert err.startswith("sigstack: error: ")
    assert reason in err
    assert "verified against log key sha256:" in err


def test_tampered_tree_head_is_refused(
    populated: Populated, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tampered(monkeypatch, "/api/v1/log", lambda v: {**v, "treeSize": v["treeSize"] + 1})
    status, _, err = run(capsys, *pinned(populated, "info"))
    assert status == 1
    assert "log info treeSize is 4, but its signed tree head says 3" in err


def test_tampered_consistency_proof_is_refused(
    populated: Populated, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tampered(
        monkeypatch,
        "/api/v1/log/proof",
        lambda v: {**v, "hashes": [flip_hex(v["hashes"][0]), *v["hashes"][1:]]},
    )
    status, _, err = run(capsys, *pinned(populated, "verify-consistency", "--from", "1"))
    assert status == 1
    assert "consistency proof from size 1 to size 3 does not verify" in err


def test_checkpoint_for_another_size_is_refused(
    populated: Populated, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with RekorV1Client(populated.url) as client:
        at_two = client.checkpoint_at(2)
    tampered(monkeypatch, "/api/v1/log/checkpoint", lambda _: at_two)
    status, _, err = run(capsys, *pinned(populated, "verify-consistency", "--from", "1"))
    assert status == 1
    assert "asked for the checkpoint at size 1, got one for size 2" in err


def test_wrong_log_key_is_refused(
    populated: Populated, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = tmp_path / "other.pem"
    other.write_bytes(
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    argv = ["--log-url", populated.url, "--log-key", str(other)]
    status, out, err = run(capsys, "get", "--index", "0", *argv)
    assert status == 1
    assert out == ""
    assert "entry logID is" in err and "SHA-256 of the log key" in err
    assert f"from {other}; pinned" in err

    status, _, err = run(capsys, "info", *argv)
    assert status == 1
    assert "checkpoint is not signed by the log key" in err


# -- a fresh log, and the real command line ------------------------------------------------


def test_not_found_and_subprocess(live_log: LiveLog, tmp_path: Path) -> None:
    log_key = tmp_path / "log.pem"
    log_key.write_bytes(log_public_pem(live_log.data_dir))
    base = ["--log-url", live_log.url, "--log-key", str(log_key)]
    env = {**os.environ, "SIGSTACK_HOME": str(tmp_path / "home")}

    def sigstack(*argv: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "sigstack", "log", *argv, *base]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)

    missing = sigstack("get", "--index", "0")
    assert missing.returncode == 1
    assert missing.stdout == ""
    lines = missing.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("sigstack: error: GET ")
    assert "404" in lines[0] and "no entry at index 0" in lines[0]

    proposed, digest = hashedrekord(ec.generate_private_key(ec.SECP256R1()), b"hello")
    with RekorV1Client(live_log.url) as client:
        client.create_entry(proposed)
    found = sigstack("get", "--index", "0", "--json")
    assert found.returncode == 0, found.stderr
    entry = json.loads(found.stdout)
    assert entry["body"]["spec"]["data"]["hash"]["value"] == digest
    assert entry["verified"]["inclusionProof"]["treeSize"] == 1
