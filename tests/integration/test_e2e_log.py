"""End to end over HTTP: submit through both APIs, parse answers with the ecosystem's strict
models, and verify SET, inclusion proof and checkpoint signature with our core code."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import httpx
import pytest
import rekor_types
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from sigstore_models.rekor.v1 import TransparencyLogEntry
from sigstore_models.rekor.v2.entry import Entry

from sigstack.core.merkle.proof import verify_inclusion
from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.core.note.checkpoint import open_checkpoint
from sigstack.core.note.signed_note import ECDSANoteVerifier, Ed25519NoteVerifier, ed25519_key_id
from sigstack.services.tlog.sequencer import promise_payload
from sigstack.testing.tlog import Signer, dsse_v1, dsse_v2, hashedrekord_v1, hashedrekord_v2
from tests.integration.conftest import LiveLog


def v1_key(client: httpx.Client) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(client.get("/api/v1/log/publicKey").content)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def v2_key(live: LiveLog) -> ed25519.Ed25519PublicKey:
    private = serialization.load_pem_private_key(
        (live.data_dir / "keys" / "rekor-v2.pem").read_bytes(), None
    )
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    return private.public_key()


def as_bundle_entry(uuid_map: dict[str, Any]) -> TransparencyLogEntry:
    """Convert a Rekor v1 answer into a bundle TransparencyLogEntry, as both clients do
    (sigstore-clients.md §5.3), and parse it with the strict model."""
    ((_, anon),) = uuid_map.items()
    body = json.loads(base64.b64decode(anon["body"]))
    proof = anon["verification"]["inclusionProof"]
    tle = {
        "logIndex": str(anon["logIndex"]),
        "logId": {"keyId": base64.b64encode(bytes.fromhex(anon["logID"])).decode()},
        "kindVersion": {"kind": body["kind"], "version": body["apiVersion"]},
        "integratedTime": str(anon["integratedTime"]),
        "inclusionPromise": {"signedEntryTimestamp": anon["verification"]["signedEntryTimestamp"]},
        "inclusionProof": {
            "logIndex": str(proof["logIndex"]),
            "rootHash": base64.b64encode(bytes.fromhex(proof["rootHash"])).decode(),
            "treeSize": str(proof["treeSize"]),
            "hashes": [base64.b64encode(bytes.fromhex(h)).decode() for h in proof["hashes"]],
            "checkpoint": {"envelope": proof["checkpoint"]},
        },
        "canonicalizedBody": anon["body"],
    }
    return TransparencyLogEntry.model_validate_json(json.dumps(tle))


def verify_v1(anon: dict[str, Any], key: ec.EllipticCurvePublicKey, hostname: str) -> None:
    """Every check a sigstore client makes on a Rekor v1 entry, with our core code."""
    body = base64.b64decode(anon["body"])
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert anon["logID"] == hashlib.sha256(spki).hexdigest()
    payload = promise_payload(body, anon["integratedTime"], anon["logID"], anon["logIndex"])
    key.verify(
        base64.b64decode(anon["verification"]["signedEntryTimestamp"]),
        payload,
        ec.ECDSA(hashes.SHA256()),
    )
    proof = anon["verification"]["inclusionProof"]
    checkpoint = open_checkpoint(proof["checkpoint"], [ECDSANoteVerifier(hostname, key)])
    assert (checkpoint.size, checkpoint.root_hash.hex()) == (proof["treeSize"], proof["rootHash"])
    verify_inclusion(
        proof["logIndex"],
        proof["treeSize"],
        leaf_hash(body),
        [bytes.fromhex(h) for h in proof["hashes"]],
        checkpoint.root_hash,
    )


def test_rekor_v1_hashedrekord_and_dsse_round_trip(live_log: LiveLog) -> None:
    alice = Signer(email="alice@example.com")
    hostname = f"127.0.0.1:{live_log.port}"
    with httpx.Client(base_url=live_log.url) as client:
        key = v1_key(client)
        info = client.get("/api/v1/log").json()
        assert info["treeSize"] == 0 and info["signedTreeHead"].startswith(
            f"{hostname} - {info['treeID']}\n"
        )
        uuids = []
        first = hashedrekord_v1(alice, b"hello")
        for proposed, model in (
            (first, rekor_types.Hashedrekord),
            (dsse_v1(alice, b"hello"), rekor_types.Dsse),
        ):
            response = client.post("/api/v1/log/entries", json=proposed)
            assert response.status_code == 201, response.text
            answer = response.json()
            assert len(answer) == 1
            ((uuid, anon),) = answer.items()
            assert len(uuid) == 80 and response.headers["ETag"] == uuid
            assert response.headers["Location"] == f"/api/v1/log/entries/{uuid}"
            verify_v1(anon, key, hostname)
            tle = as_bundle_entry(answer)
            assert tle.kind_version.kind == proposed["kind"]
            model.model_validate_json(base64.b64decode(anon["body"]))
            uuids.append(uuid)

            assert client.get(
                "/api/v1/log/entries", params={"logIndex": anon["logIndex"]}
            ).json().keys() == {uuid}
            again = client.get(f"/api/v1/log/entries/{uuid[16:]}").json()
            verify_v1(again[uuid], key, hostname)

        duplicate = client.post("/api/v1/log/entries", json=first)
        assert duplicate.status_code == 409
        assert duplicate.json()["code"] == 409 and "already exists" in duplicate.json()["message"]
        assert duplicate.headers["Location"] == f"/api/v1/log/entries/{uuids[0]}"

        digest = hashlib.sha256(b"hello").hexdigest()
        by_hash = client.post("/api/v1/index/retrieve", json={"hash": f"sha256:{digest}"}).json()
        assert uuids[0] in by_hash
        by_email = client.post("/api/v1/index/retrieve", json={"email": "Alice@Example.com"}).json()
        assert set(uuids) <= set(by_email)
        pem = base64.b64encode(alice.public_pem).decode()
        by_key = client.post(
            "/api/v1/index/retrieve", json={"publicKey": {"format": "x509", "content": pem}}
        ).json()
        assert set(uuids) <= set(by_key)
        got = client.post(
            "/api/v1/log/entries/retrieve/", json={"entryUUIDs": uuids, "logIndexes": [0]}
        ).json()
        assert [next(iter(m)) for m in got] == [*uuids, uuids[0]]


def test_rekor_v2_hashedrekord_and_dsse_round_trip(live_log: LiveLog) -> None:
    signer = Signer(email="bob@example.com")
    keyless = Signer()
    key = v2_key(live_log)
    origin = f"127.0.0.1:{live_log.port}"
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    with httpx.Client(base_url=live_log.url) as client:
        requests = [
            hashedrekord_v2(signer, b"one"),
            hashedrekord_v2(keyless, b"two"),
            dsse_v2(signer, b"three"),
        ]
        leaves = []
        for request in requests:
            response = client.post("/api/v2/log/entries", json=request)
            assert response.status_code == 201, response.text
            tle = TransparencyLogEntry.model_validate_json(response.content)
            assert tle.integrated_time is None and tle.inclusion_promise is None
            assert bytes(tle.log_id.key_id) == ed25519_key_id(origin, raw)
            body = bytes(tle.canonicalized_body)
            entry = Entry.model_validate_json(body)
            assert (entry.kind, entry.api_version) == (
                tle.kind_version.kind,
                tle.kind_version.version,
            )
            assert tle.inclusion_proof.checkpoint is not None
            checkpoint = open_checkpoint(
                tle.inclusion_proof.checkpoint.envelope,
                [Ed25519NoteVerifier(origin, key)],
                origin=origin,
            )
            assert checkpoint.size == tle.inclusion_proof.tree_size
            assert checkpoint.root_hash == bytes(tle.inclusion_proof.root_hash)
            verify_inclusion(
                tle.inclusion_proof.log_index,
                checkpoint.size,
                leaf_hash(body),
                [bytes(h) for h in tle.inclusion_proof.hashes],
                checkpoint.root_hash,
            )
            leaves.append(leaf_hash(body))

        duplicate = client.post("/api/v2/log/entries", json=requests[0])
        assert duplicate.status_code == 409 and duplicate.headers["x-log-index"] == "0"

        note = client.get("/api/v2/checkpoint")
        assert note.headers["content-type"] == "text/plain; charset=utf-8"
        assert open_checkpoint(note.text, [Ed25519NoteVerifier(origin, key)]).size == 3
        tile = client.get("/api/v2/tile/0/000.p/3")
        assert tile.content == b"".join(leaves) and "max-age=1" in tile.headers["cache-control"]
        bundle = client.get("/api/v2/tile/entries/000.p/3").content
        bodies, at = [], 0
        while at < len(bundle):
            n = int.from_bytes(bundle[at : at + 2], "big")
            bodies.append(bundle[at + 2 : at + 2 + n])
            at += 2 + n
        assert [leaf_hash(b) for b in bodies] == leaves
        assert client.get("/api/v2/tile/0/000").status_code == 404


BAD_V1 = [
    pytest.param(b"{not json", 400, "found invalid JSON", id="malformed-json"),
    pytest.param(b"[]", 400, "", id="not-an-object"),
    pytest.param(
        json.dumps({"kind": "rpm", "apiVersion": "0.0.1", "spec": {}}).encode(),
        400,
        "rpm",
        id="unknown-kind",
    ),
    pytest.param(
        json.dumps({"kind": "hashedrekord", "apiVersion": "9.9.9", "spec": {}}).encode(),
        400,
        "9.9.9",
        id="unknown-version",
    ),
]


@pytest.mark.parametrize(("body", "status", "needle"), BAD_V1)
def test_rekor_v1_refusals_write_nothing(
    live_log: LiveLog, body: bytes, status: int, needle: str
) -> None:
    with httpx.Client(base_url=live_log.url) as client:
        response = client.post(
            "/api/v1/log/entries", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == status
        error = response.json()
        assert error["code"] == status and needle in error["message"]
        assert client.get("/api/v1/log").json()["treeSize"] == 0


def test_rekor_v1_field_errors_name_the_field(live_log: LiveLog) -> None:
    signer = Signer()
    with httpx.Client(base_url=live_log.url) as client:
        bad_b64 = hashedrekord_v1(signer, b"x")
        bad_b64["spec"]["signature"]["content"] = "***"
        r = client.post("/api/v1/log/entries", json=bad_b64)
        assert r.status_code == 400 and "spec.signature.content" in r.json()["message"]

        wrong_sig = hashedrekord_v1(signer, b"x")
        wrong_sig["spec"]["signature"]["content"] = hashedrekord_v1(signer, b"y")["spec"][
            "signature"
        ]["content"]
        r = client.post("/api/v1/log/entries", json=wrong_sig)
        assert r.status_code == 422 and "signature" in r.json()["message"]

        wrong_key = hashedrekord_v1(signer, b"x")
        ed = (
            ed25519.Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        wrong_key["spec"]["signature"]["publicKey"]["content"] = base64.b64encode(ed).decode()
        r = client.post("/api/v1/log/entries", json=wrong_key)
        assert r.status_code == 400 and "Ed25519" in r.json()["message"]

        huge = hashedrekord_v1(signer, b"x")
        huge["spec"]["pad"] = "a" * (129 * 1024)
        r = client.post("/api/v1/log/entries", json=huge)
        assert r.status_code == 413 and "limit" in r.json()["message"]
        assert client.get("/api/v1/log").json()["treeSize"] == 0


def test_rekor_v2_refusals_write_nothing(live_log: LiveLog) -> None:
    signer = Signer()
    with httpx.Client(base_url=live_log.url) as client:
        both = {**hashedrekord_v2(signer, b"a"), **dsse_v2(signer, b"a")}
        r = client.post("/api/v2/log/entries", json=both)
        assert r.status_code == 400, r.text
        short = hashedrekord_v2(signer, b"a")
        short["hashedRekordRequestV002"]["digest"] = base64.b64encode(b"\0" * 20).decode()
        r = client.post("/api/v2/log/entries", json=short)
        assert r.status_code == 400 and "digest" in r.json()["message"]
        forged = hashedrekord_v2(signer, b"a")
        forged["hashedRekordRequestV002"]["signature"]["content"] = hashedrekord_v2(signer, b"b")[
            "hashedRekordRequestV002"
        ]["signature"]["content"]
        r = client.post("/api/v2/log/entries", json=forged)
        assert r.status_code == 422
        note = client.get("/api/v2/checkpoint").text
        assert note.splitlines()[1] == "0"
        assert client.get("/nope").json() == {"code": 404, "message": "Not Found"}
