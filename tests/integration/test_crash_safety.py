"""kill -9 the server while clients write; after restart every acknowledged entry is at its
index and every checkpoint published before the crash is consistent with the new one."""

from __future__ import annotations

import base64
import functools
import signal
import threading
import time
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from sigstack.core.merkle.proof import verify_consistency
from sigstack.core.merkle.proof_builder import build_consistency_proof
from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.core.merkle.tiles import tile_path
from sigstack.core.note.checkpoint import Checkpoint, open_checkpoint
from sigstack.core.note.signed_note import ECDSANoteVerifier, Ed25519NoteVerifier
from sigstack.testing.tlog import Signer, hashedrekord_v1, hashedrekord_v2
from tests.integration.conftest import start_log

WRITERS = 8


def _writer(
    url: str,
    version: int,
    stop: threading.Event,
    acked: list[tuple[int, bytes]],
    notes: list[str],
    seed: int,
) -> None:
    signer = Signer()
    n = 0
    with httpx.Client(base_url=url, timeout=10) as client:
        while not stop.is_set():
            n += 1
            artifact = b"crash %d %d" % (seed, n)
            try:
                if version == 1:
                    r = client.post("/api/v1/log/entries", json=hashedrekord_v1(signer, artifact))
                else:
                    r = client.post("/api/v2/log/entries", json=hashedrekord_v2(signer, artifact))
            except httpx.HTTPError:
                return  # the server died under us: whatever was not answered was not acknowledged
            if r.status_code != 201:
                continue
            if version == 1:
                ((_, anon),) = r.json().items()
                acked.append((anon["logIndex"], leaf_hash(base64.b64decode(anon["body"]))))
                notes.append(anon["verification"]["inclusionProof"]["checkpoint"])
            else:
                tle = r.json()
                acked.append(
                    (int(tle["logIndex"]), leaf_hash(base64.b64decode(tle["canonicalizedBody"])))
                )
                notes.append(tle["inclusionProof"]["checkpoint"]["envelope"])


def _children(pid: int) -> list[int]:
    return [
        int(c)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for c in (task / "children").read_text().split()
    ]


def _keys(data_dir: Path) -> tuple[ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey]:
    k1 = serialization.load_pem_private_key((data_dir / "keys/rekor-v1.pem").read_bytes(), None)
    k2 = serialization.load_pem_private_key((data_dir / "keys/rekor-v2.pem").read_bytes(), None)
    assert isinstance(k1, ec.EllipticCurvePrivateKey) and isinstance(k2, ed25519.Ed25519PrivateKey)
    return k1.public_key(), k2.public_key()


def test_kill_9_loses_no_acknowledged_entry_and_stays_consistent(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    server = start_log(data)
    port = server.port
    host = f"127.0.0.1:{port}"
    stop = threading.Event()
    acked: dict[int, list[tuple[int, bytes]]] = {1: [], 2: []}
    notes: dict[int, list[str]] = {1: [], 2: []}
    threads = [
        threading.Thread(target=_writer, args=(server.url, v, stop, acked[v], notes[v], i))
        for i in range(WRITERS)
        for v in (1, 2)
    ]
    for t in threads:
        t.start()
    time.sleep(3)
    workers = _children(server.process.pid)
    assert workers, "the server should run its validation workers as child processes"
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    stop.set()
    for t in threads:
        t.join(15)
    assert len(acked[1]) > 50 and len(acked[2]) > 50, "the writers did not get going"
    print(f"acknowledged before kill -9: v1 {len(acked[1])}, v2 {len(acked[2])}")

    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
    assert not alive, f"validation workers {alive} outlived the killed server"

    server = start_log(data, port)
    try:
        v1_key, v2_key = _keys(data)
        with httpx.Client(base_url=server.url, timeout=10) as client:
            # Rekor v1: every acknowledged entry is at its index, through the API.
            for index, leaf in acked[1]:
                ((_, anon),) = (
                    client.get("/api/v1/log/entries", params={"logIndex": index}).json().items()
                )
                assert leaf_hash(base64.b64decode(anon["body"])) == leaf, (
                    f"v1 entry {index} changed"
                )
            head = open_checkpoint(
                client.get("/api/v1/log").json()["signedTreeHead"],
                [ECDSANoteVerifier(host, v1_key)],
            )
            for note in set(notes[1]):
                old = open_checkpoint(note, [ECDSANoteVerifier(host, v1_key)])
                proof = client.get(
                    "/api/v1/log/proof", params={"firstSize": old.size, "lastSize": head.size}
                ).json()
                verify_consistency(
                    old.size,
                    head.size,
                    old.root_hash,
                    head.root_hash,
                    [bytes.fromhex(h) for h in proof["hashes"]],
                )

            # Rekor v2: read tiles as a tlog-tiles client would, and prove it from them.
            v2_head = open_checkpoint(
                client.get("/api/v2/checkpoint").text, [Ed25519NoteVerifier(host, v2_key)]
            )
            _check_v2(
                client,
                v2_head,
                acked[2],
                {open_checkpoint(n, [Ed25519NoteVerifier(host, v2_key)]) for n in set(notes[2])},
            )
            # And the log goes on at the next index.
            r = client.post(
                "/api/v2/log/entries", json=hashedrekord_v2(Signer(), b"after the crash")
            )
            assert r.status_code == 201 and int(r.json()["logIndex"]) == v2_head.size
    finally:
        server.stop()


def _check_v2(
    client: httpx.Client, head: Checkpoint, acked: list[tuple[int, bytes]], old: set[Checkpoint]
) -> None:
    @functools.cache
    def read_tile(level: int, index: int) -> bytes:
        width = min(256, (head.size >> (8 * level)) - index * 256)
        r = client.get("/api/v2/" + tile_path(level, index, width))
        r.raise_for_status()
        return r.content

    for index, leaf in acked:
        tile = read_tile(0, index // 256)
        assert tile[(index % 256) * 32 : (index % 256 + 1) * 32] == leaf, (
            f"v2 entry {index} changed"
        )
    for checkpoint in old:
        proof = build_consistency_proof(checkpoint.size, head.size, read_tile)
        verify_consistency(checkpoint.size, head.size, checkpoint.root_hash, head.root_hash, proof)
