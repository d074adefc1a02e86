"""Rekor clients over httpx.MockTransport: error mapping, answer parsing, and verification.

A tiny in-memory Rekor v1 (:class:`FakeRekor`, built on the naive RFC 6962 reference and the
core note signer) answers like the real server, so that each way a log can lie is checked
offline: every mutation is refused with its own reason.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.clients.tlog import RekorV1Client, RekorV2Client, parse_log_entry_v1
from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.core.note.checkpoint import Checkpoint, sign_checkpoint
from sigstack.core.note.signed_note import ECDSANoteSigner
from sigstack.core.tlog.promise import promise_payload
from sigstack.core.tlog.verify import (
    log_key_id,
    verify_checkpoint_consistency,
    verify_checkpoint_v1,
    verify_log_entry_v1,
    verify_log_info_v1,
)
from sigstack.errors import (
    DuplicateEntryError,
    EntryTooLargeError,
    FormatError,
    NetworkError,
    NotFoundError,
    ProofError,
    PushbackError,
    SignatureError,
    VerificationError,
)
from tests.reference import merkle_ref

URL = "http://log.test"
TREE_ID = 4242
HOST = "log.test"

Handler = Callable[[httpx.Request], httpx.Response]


def v1(handler: Handler) -> RekorV1Client:
    return RekorV1Client(URL, transport=httpx.MockTransport(handler))


def answer(status: int, body: object = None, **headers: str) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if isinstance(body, bytes | str):
            return httpx.Response(status, content=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return handle


# -- error mapping -------------------------------------------------------------------------


def test_404_is_not_found_with_the_server_message() -> None:
    client = v1(answer(404, {"code": 404, "message": "no entry at index 9; the log has 3"}))
    with pytest.raises(NotFoundError) as info:
        client.get_by_index(9)
    text = str(info.value)
    assert "GET http://log.test/api/v1/log/entries?logIndex=9" in text
    assert "404" in text
    assert "no entry at index 9; the log has 3" in text


def test_400_is_network_error_with_code_and_message() -> None:
    client = v1(answer(400, {"code": 400, "message": "spec.signature.content: bad base64"}))
    with pytest.raises(NetworkError, match=r"HTTP 400: spec\.signature\.content: bad base64"):
        client.create_entry({"kind": "hashedrekord"})


def test_500_without_json_keeps_the_start_of_the_body() -> None:
    client = v1(answer(502, b"<html>bad gateway</html>"))
    with pytest.raises(NetworkError, match=r"HTTP 502: <html>bad gateway</html>"):
        client.log_info()


def test_409_v1_is_duplicate_with_index_and_leaf_hash() -> None:
    uuid = f"{TREE_ID:016x}" + "ab" * 32
    message = f"an equivalent entry already exists in the log with UUID {uuid} at index 7"
    client = v1(answer(409, {"code": 409, "message": message}, ETag=uuid))
    with pytest.raises(DuplicateEntryError) as info:
        client.create_entry({})
    assert info.value.index == 7
    assert info.value.leaf_hash == bytes.fromhex("ab" * 32)
    assert "already exists" in str(info.value)


def test_409_v2_reads_x_log_index() -> None:
    client = RekorV2Client(
        URL,
        transport=httpx.MockTransport(
            answer(409, {"code": 409, "message": "already there"}, **{"x-log-index": "12"})
        ),
    )
    with pytest.raises(DuplicateEntryError) as info:
        client.create_entry({})
    assert info.value.index == 12


def test_413_and_503() -> None:
    with pytest.raises(EntryTooLargeError, match="limit is 10 bytes"):
        v1(answer(413, {"code": 413, "message": "the limit is 10 bytes"})).create_entry({})
    with pytest.raises(PushbackError) as info:
        v1(answer(503, {"code": 503, "message": "behind"}, **{"Retry-After": "3"})).log_info()
    assert info.value.retry_after == 3


def test_transport_failure_is_network_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(NetworkError, match=r"GET http://log.test/api/v1/log: cannot reach"):
        v1(refuse).log_info()


def test_2xx_that_is_not_json_is_format_error() -> None:
    with pytest.raises(FormatError, match="expected JSON"):
        v1(answer(200, b"not json")).log_info()


def test_2xx_of_the_wrong_shape_names_the_field() -> None:
    bad = {"rootHash": "zz", "treeSize": 1, "signedTreeHead": "x", "treeID": "1"}
    with pytest.raises(FormatError) as info:
        v1(answer(200, bad)).log_info()
    assert info.value.field == "logInfo.rootHash"
    with pytest.raises(FormatError) as info2:
        v1(answer(200, {"a": 1, "b": 2})).get_by_index(0)
    assert "exactly one entry UUID" in str(info2.value)


def test_uuid_is_checked_before_any_request() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(FormatError, match="64-hex UUID"):
        v1(fail).get_by_uuid("../../etc/passwd")


# -- requests and parsing ------------------------------------------------------------------


def test_search_builds_a_search_index_query() -> None:
    seen: list[Any] = []

    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/index/retrieve"
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=["ab" * 40])

    uuids = v1(handle).search(hash="sha256:" + "00" * 32, public_key_pem=b"PEM", operator="and")
    assert uuids == ["ab" * 40]
    assert seen == [
        {
            "operator": "and",
            "hash": "sha256:" + "00" * 32,
            "publicKey": {"format": "x509", "content": base64.b64encode(b"PEM").decode()},
        }
    ]
    with pytest.raises(FormatError, match="at least one"):
        v1(handle).search()


def test_consistency_proof_and_checkpoint_at() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/log/proof":
            assert request.url.params["firstSize"] == "2"
            assert request.url.params["lastSize"] == "5"
            return httpx.Response(200, json={"rootHash": "11" * 32, "hashes": ["22" * 32]})
        assert request.url.params["size"] == "2"
        return httpx.Response(200, text="note\n")

    client = v1(handle)
    proof = client.consistency_proof(2, 5)
    assert (proof.first_size, proof.last_size) == (2, 5)
    assert proof.root_hash == b"\x11" * 32
    assert proof.hashes == (b"\x22" * 32,)
    assert client.checkpoint_at(2) == "note\n"


def test_v2_create_entry_tile_and_bundle() -> None:
    b64 = base64.b64encode

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v2/log/entries":
            return httpx.Response(
                201,
                json={
                    "logIndex": "3",
                    "logId": {"keyId": b64(b"\x01" * 32).decode()},
                    "kindVersion": {"kind": "hashedrekord", "version": "0.0.2"},
                    "inclusionProof": {
                        "logIndex": "3",
                        "rootHash": b64(b"\x02" * 32).decode(),
                        "treeSize": "4",
                        "hashes": [b64(b"\x03" * 32).decode()],
                        "checkpoint": {"envelope": "cp\n"},
                    },
                    "canonicalizedBody": b64(b"{}").decode(),
                },
            )
        if path == "/api/v2/checkpoint":
            return httpx.Response(200, text="cp\n")
        if path == "/api/v2/tile/0/000.p/2":
            return httpx.Response(200, content=b"\x05" * 64)
        if path == "/api/v2/tile/entries/000.p/2":
            return httpx.Response(200, content=b"\x00\x01a\x00\x02bc")
        return httpx.Response(404, json={"code": 404, "message": f"no {path}"})

    client = RekorV2Client(URL, transport=httpx.MockTransport(handle))
    entry = client.create_entry({"hashedRekordRequestV002": {}})
    assert entry.log_index == 3
    assert entry.kind == "hashedrekord"
    assert entry.inclusion_proof.tree_size == 4
    assert entry.inclusion_proof.hashes == (b"\x03" * 32,)
    assert entry.canonicalized_body == b"{}"
    assert client.checkpoint() == "cp\n"
    assert client.tile(0, 0, 2) == b"\x05" * 64
    assert client.entry_bundle(0, 2) == [b"a", b"bc"]
    with pytest.raises(NotFoundError, match="no /api/v2/tile/1/000"):
        client.tile(1, 0)


# -- an in-memory log, and the ways it can lie ---------------------------------------------


class FakeRekor:
    """Just enough Rekor v1 to serve N entries with proofs, SETs and signed checkpoints."""

    def __init__(self, n: int = 5) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.public_key = self.key.public_key()
        self.log_id = log_key_id(self.public_key)
        self.signer = ECDSANoteSigner(HOST, self.key)
        self.bodies = [
            json.dumps({"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {"n": i}}).encode()
            for i in range(n)
        ]
        self.time = 1_700_000_000
        self.mutate: Callable[[str, Any], Any] = lambda path, value: value

    def note(self, size: int) -> str:
        root = merkle_ref.mth(self.bodies[:size])
        return sign_checkpoint(Checkpoint(f"{HOST} - {TREE_ID}", size, root), [self.signer])

    def entry(self, index: int) -> dict[str, Any]:
        body = self.bodies[index]
        size = len(self.bodies)
        promise = self.key.sign(
            promise_payload(body, self.time + index, self.log_id.hex(), index),
            ec.ECDSA(hashes.SHA256()),
        )
        uuid = f"{TREE_ID:016x}{leaf_hash(body).hex()}"
        return {
            uuid: {
                "body": base64.b64encode(body).decode(),
                "integratedTime": self.time + index,
                "logID": self.log_id.hex(),
                "logIndex": index,
                "verification": {
                    "inclusionProof": {
                        "checkpoint": self.note(size),
                        "hashes": [h.hex() for h in merkle_ref.path(index, self.bodies)],
                        "logIndex": index,
                        "rootHash": merkle_ref.mth(self.bodies).hex(),
                        "treeSize": size,
                    },
                    "signedEntryTimestamp": base64.b64encode(promise).decode(),
                },
            }
        }

    def handle(self, request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, request.url.params
        value: Any
        if path == "/api/v1/log":
            size = len(self.bodies)
            value = {
                "rootHash": merkle_ref.mth(self.bodies).hex(),
                "treeSize": size,
                "signedTreeHead": self.note(size),
                "treeID": str(TREE_ID),
                "inactiveShards": [],
            }
        elif path == "/api/v1/log/entries":
            value = self.entry(int(params["logIndex"]))
        elif path == "/api/v1/log/checkpoint":
            return httpx.Response(200, text=self.mutate(path, self.note(int(params["size"]))))
        elif path == "/api/v1/log/proof":
            first, last = int(params["firstSize"]), int(params["lastSize"])
            hashes = merkle_ref.proof(first, self.bodies[:last])
            value = {
                "rootHash": merkle_ref.mth(self.bodies[:last]).hex(),
                "hashes": [h.hex() for h in hashes],
            }
        else:
            return httpx.Response(404, json={"code": 404, "message": "no such path"})
        return httpx.Response(200, json=self.mutate(path, value))

    def client(self) -> RekorV1Client:
        return RekorV1Client(URL, transport=httpx.MockTransport(self.handle))


def _anon(value: dict[str, Any]) -> dict[str, Any]:
    return next(iter(value.values()))


def _flip_hex(text: str, at: int = 0) -> str:
    return text[:at] + ("0" if text[at] != "0" else "1") + text[at + 1 :]


def _flip_b64(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def test_fake_log_entries_verify() -> None:
    log = FakeRekor()
    client = log.client()
    for index in range(5):
        verified = verify_log_entry_v1(
            client.get_by_index(index), log.public_key, HOST, expected_index=index
        )
        assert verified.checkpoint.size == 5
        assert verified.entry.kind == "hashedrekord"
    info = client.log_info()
    verify_log_info_v1(info.root_hash, info.tree_size, info.signed_tree_head, log.public_key)


def _with_body(value: dict[str, Any], body: bytes, *, rekey: bool) -> dict[str, Any]:
    anon = dict(_anon(value))
    anon["body"] = base64.b64encode(body).decode()
    uuid = next(iter(value))
    if rekey:
        uuid = f"{TREE_ID:016x}{leaf_hash(body).hex()}"
    return {uuid: anon}


def _edit_proof(field: str, change: Callable[[Any], Any]) -> Callable[[dict[str, Any]], Any]:
    def edit(value: dict[str, Any]) -> dict[str, Any]:
        proof = _anon(value)["verification"]["inclusionProof"]
        proof[field] = change(proof[field])
        return value

    return edit


def _edit_anon(field: str, change: Callable[[Any], Any]) -> Callable[[dict[str, Any]], Any]:
    def edit(value: dict[str, Any]) -> dict[str, Any]:
        anon = _anon(value)
        if field == "signedEntryTimestamp":
            anon["verification"][field] = change(anon["verification"][field])
        else:
            anon[field] = change(anon[field])
        return value

    return edit


def _checkpoint_root_flip(note: str) -> str:
    lines = note.split("\n")
    lines[2] = _flip_b64(lines[2])
    return "\n".join(lines)


TAMPERS: list[tuple[str, Callable[[dict[str, Any]], Any], type[Exception], str]] = [
    (
        "body",
        lambda v: _with_body(v, base64.b64decode(_anon(v)["body"]) + b" ", rekey=False),
        VerificationError,
        "does not match its body",
    ),
    (
        "body-and-uuid",
        lambda v: _with_body(v, base64.b64decode(_anon(v)["body"]) + b" ", rekey=True),
        SignatureError,
        "signed entry timestamp does not verify",
    ),
    (
        "signedEntryTimestamp",
        _edit_anon("signedEntryTimestamp", _flip_b64),
        SignatureError,
        "signed entry timestamp does not verify",
    ),
    (
        "integratedTime",
        _edit_anon("integratedTime", lambda t: t + 1),
        SignatureError,
        r"does not verify .*integratedTime=1700000003",
    ),
    (
        "logIndex",
        _edit_anon("logIndex", lambda i: i + 1),
        VerificationError,
        "asked the log for index 2",
    ),
    ("logID", _edit_anon("logID", _flip_hex), VerificationError, "entry logID is"),
    (
        "proof-hash",
        _edit_proof("hashes", lambda hs: [_flip_hex(hs[0]), *hs[1:]]),
        ProofError,
        "inclusion proof of leaf 2 in the tree of size 5 does not verify",
    ),
    (
        "proof-rootHash",
        _edit_proof("rootHash", _flip_hex),
        ProofError,
        "inclusion proof rootHash is",
    ),
    (
        "proof-treeSize",
        _edit_proof("treeSize", lambda s: s - 1),
        ProofError,
        "inclusion proof treeSize is 4, expected the checkpoint's tree size 5",
    ),
    (
        "proof-logIndex",
        _edit_proof("logIndex", lambda i: i + 1),
        ProofError,
        "inclusion proof logIndex is 3, expected the entry's logIndex 2",
    ),
    (
        "checkpoint",
        _edit_proof("checkpoint", _checkpoint_root_flip),
        SignatureError,
        "checkpoint signature does not verify",
    ),
]


@pytest.mark.parametrize(("name", "edit", "error", "reason"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_a_lying_log_is_caught(
    name: str, edit: Callable[[dict[str, Any]], Any], error: type[Exception], reason: str
) -> None:
    log = FakeRekor()
    log.mutate = lambda path, value: edit(value) if path == "/api/v1/log/entries" else value
    entry = log.client().get_by_index(2)
    with pytest.raises(error, match=reason):
        verify_log_entry_v1(entry, log.public_key, HOST, expected_index=2)


def test_another_key_is_refused() -> None:
    log = FakeRekor()
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    client = log.client()
    with pytest.raises(VerificationError, match="entry logID is"):
        verify_log_entry_v1(client.get_by_index(0), other)
    info = client.log_info()
    with pytest.raises(SignatureError, match="not signed by the log key"):
        verify_log_info_v1(info.root_hash, info.tree_size, info.signed_tree_head, other)


def test_wrong_hostname_is_refused() -> None:
    log = FakeRekor()
    note = log.note(3)
    assert verify_checkpoint_v1(note, log.public_key, HOST).size == 3
    with pytest.raises(SignatureError, match="no signature from a trusted key"):
        verify_checkpoint_v1(note, log.public_key, "other.test")


def test_log_info_fields_must_match_the_signed_tree_head() -> None:
    log = FakeRekor()
    log.mutate = lambda path, value: {**value, "treeSize": 4} if path == "/api/v1/log" else value
    info = log.client().log_info()
    with pytest.raises(VerificationError, match="treeSize is 4, but its signed tree head says 5"):
        verify_log_info_v1(info.root_hash, info.tree_size, info.signed_tree_head, log.public_key)


def test_consistency_between_checkpoints() -> None:
    log = FakeRekor(7)
    client = log.client()
    old = verify_checkpoint_v1(client.checkpoint_at(3), log.public_key)
    new = verify_checkpoint_v1(client.checkpoint_at(7), log.public_key)
    proof = client.consistency_proof(3, 7)
    verify_checkpoint_consistency(old, new, proof.hashes, proof.root_hash)

    bad = (bytes([proof.hashes[0][0] ^ 1]) + proof.hashes[0][1:], *proof.hashes[1:])
    with pytest.raises(ProofError, match="consistency proof from size 3 to size 7 does not"):
        verify_checkpoint_consistency(old, new, bad, proof.root_hash)
    with pytest.raises(ProofError, match="consistency proof rootHash is"):
        verify_checkpoint_consistency(old, new, proof.hashes, b"\x00" * 32)
    with pytest.raises(VerificationError, match="larger than the new one's"):
        verify_checkpoint_consistency(new, old, proof.hashes)


def test_parse_log_entry_round_trip() -> None:
    log = FakeRekor(2)
    value = log.entry(1)
    entry = parse_log_entry_v1(value)
    assert entry.uuid == next(iter(value))
    assert entry.log_index == 1
    assert entry.body == log.bodies[1]
    assert entry.inclusion_proof is not None
    assert entry.inclusion_proof.tree_size == 2
    assert entry.api_version == "0.0.1"
    pem = log.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert b"PUBLIC KEY" in pem
