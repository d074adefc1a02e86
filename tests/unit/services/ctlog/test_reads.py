"""get-sth, get-sth-consistency, get-proof-by-hash, get-entries, get-roots (RFC 6962 §4.3–4.7)."""

from __future__ import annotations

import asyncio
import base64
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sigstack.core.ct.leaf import (
    ENTRY_TYPE_PRECERT,
    ENTRY_TYPE_X509,
    merkle_tree_leaf_precert,
    parse_merkle_tree_leaf,
)
from sigstack.core.ct.sct import issuer_key_hash
from sigstack.core.ct.sth import verify_tree_head
from sigstack.core.merkle.proof import verify_consistency, verify_inclusion
from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.core.x509.precert import precert_tbs
from sigstack.errors import FormatError
from sigstack.services.ctlog import CTLog, create_app, open_ctlog
from tests.reference.merkle_ref import mth
from tests.unit.services.ctlog._pki import PKI, b64_chain, der
from tests.unit.services.ctlog.conftest import Clock


def _fill(client: TestClient, pki: PKI, n: int) -> list[dict]:  # type: ignore[type-arg]
    out = []
    for serial in range(1, n + 1):
        response = client.post(
            "/ct/v1/add-pre-chain", json=b64_chain(pki.precert(serial=serial), pki.inter)
        )
        assert response.status_code == 200, response.text
        out.append(response.json())
    return out


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def test_get_sth_verifies_and_commits_to_the_logged_leaves(
    client: TestClient, ctlog: CTLog, pki: PKI
) -> None:
    _fill(client, pki, 5)
    sth = client.get("/ct/v1/get-sth").json()
    assert sth["tree_size"] == 5
    root = _b64(sth["sha256_root_hash"])
    verify_tree_head(
        _b64(sth["tree_head_signature"]),
        ctlog.public_key,
        timestamp=sth["timestamp"],
        tree_size=5,
        root_hash=root,
    )
    assert root == ctlog.log.published.checkpoint.root_hash
    leaves = [e.body for e in ctlog.log.storage.read_entries(0, 5)]
    assert mth(leaves) == root
    assert client.get("/ct/v1/get-sth").json() == sth  # signed once per size


def test_empty_log_has_a_signed_tree_head(client: TestClient, ctlog: CTLog) -> None:
    sth = client.get("/ct/v1/get-sth").json()
    assert sth["tree_size"] == 0
    verify_tree_head(
        _b64(sth["tree_head_signature"]),
        ctlog.public_key,
        timestamp=sth["timestamp"],
        tree_size=0,
        root_hash=_b64(sth["sha256_root_hash"]),
    )


def test_get_proof_by_hash_verifies_for_the_returned_sct(client: TestClient, pki: PKI) -> None:
    precerts = [pki.precert(serial=s) for s in range(1, 7)]
    scts = []
    for p in precerts:
        scts.append(client.post("/ct/v1/add-pre-chain", json=b64_chain(p, pki.inter)).json())
    sth = client.get("/ct/v1/get-sth").json()
    root = _b64(sth["sha256_root_hash"])
    for i, (p, sct) in enumerate(zip(precerts, scts, strict=True)):
        leaf = merkle_tree_leaf_precert(
            timestamp=sct["timestamp"],
            issuer_key_hash=issuer_key_hash(pki.inter),
            tbs_certificate=precert_tbs(p),
        )
        h = leaf_hash(leaf)
        proof = client.get(
            "/ct/v1/get-proof-by-hash",
            params={"hash": base64.b64encode(h).decode(), "tree_size": 6},
        ).json()
        assert proof["leaf_index"] == i
        verify_inclusion(i, 6, h, [_b64(x) for x in proof["audit_path"]], root)


def test_get_proof_by_hash_in_an_older_tree(client: TestClient, ctlog: CTLog, pki: PKI) -> None:
    _fill(client, pki, 7)
    leaves = [e.body for e in ctlog.log.storage.read_entries(0, 7)]
    h = leaf_hash(leaves[2])
    proof = client.get(
        "/ct/v1/get-proof-by-hash", params={"hash": base64.b64encode(h).decode(), "tree_size": 5}
    ).json()
    verify_inclusion(2, 5, h, [_b64(x) for x in proof["audit_path"]], mth(leaves[:5]))


def test_get_proof_by_hash_refusals(client: TestClient, pki: PKI) -> None:
    _fill(client, pki, 2)
    unknown = base64.b64encode(bytes(32)).decode()
    r = client.get("/ct/v1/get-proof-by-hash", params={"hash": unknown, "tree_size": 2})
    assert r.status_code == 404
    assert r.json()["message"] == f"no leaf with hash {'00' * 32} in the tree of size 2"
    r = client.get("/ct/v1/get-proof-by-hash", params={"hash": unknown, "tree_size": 3})
    assert (r.status_code, r.json()["message"]) == (
        400,
        "tree_size 3 is outside 1..2 (the published size)",
    )
    r = client.get("/ct/v1/get-proof-by-hash", params={"hash": "AAAA", "tree_size": 2})
    assert (r.status_code, r.json()["message"]) == (
        400,
        "hash must be a 32-byte SHA-256 leaf hash, got 3",
    )
    r = client.get("/ct/v1/get-proof-by-hash", params={"hash": unknown})
    assert (r.status_code, r.json()["message"]) == (400, "missing query parameter 'tree_size'")


def test_get_sth_consistency_verifies(client: TestClient, ctlog: CTLog, pki: PKI) -> None:
    _fill(client, pki, 3)
    old = client.get("/ct/v1/get-sth").json()
    _fill_more = [pki.precert(serial=s) for s in range(10, 15)]
    for p in _fill_more:
        client.post("/ct/v1/add-pre-chain", json=b64_chain(p, pki.inter))
    new = client.get("/ct/v1/get-sth").json()
    assert new["tree_size"] == 8 and new["timestamp"] >= old["timestamp"]
    proof = client.get("/ct/v1/get-sth-consistency", params={"first": 3, "second": 8}).json()
    verify_consistency(
        3,
        8,
        _b64(old["sha256_root_hash"]),
        _b64(new["sha256_root_hash"]),
        [_b64(x) for x in proof["consistency"]],
    )
    r = client.get("/ct/v1/get-sth-consistency", params={"first": 3, "second": 9})
    assert r.status_code == 400
    assert r.json()["message"] == "second 9 is larger than the published tree size 8"
    r = client.get("/ct/v1/get-sth-consistency", params={"first": 0, "second": 8})
    assert r.json()["message"] == "expected 1 <= first <= second; got first=0, second=8"
    r = client.get("/ct/v1/get-sth-consistency", params={"first": "x", "second": 9})
    assert r.json()["message"] == "query parameter 'first' must be a non-negative integer, got 'x'"


def test_get_entries_returns_leaves_and_chains_in_pages(client: TestClient, pki: PKI) -> None:
    precert = pki.precert()
    client.post("/ct/v1/add-pre-chain", json=b64_chain(precert, pki.inter))
    final = pki.final()
    client.post("/ct/v1/add-chain", json=b64_chain(final, pki.inter, pki.root))
    _fill_more = [pki.precert(serial=s) for s in range(10, 13)]
    for p in _fill_more:
        client.post("/ct/v1/add-pre-chain", json=b64_chain(p, pki.inter))
    page = client.get("/ct/v1/get-entries", params={"start": 0, "end": 100}).json()["entries"]
    assert len(page) == 3  # max_get_entries in the fixture
    first = parse_merkle_tree_leaf(_b64(page[0]["leaf_input"]))
    assert first.entry_type == ENTRY_TYPE_PRECERT and first.certificate == precert_tbs(precert)
    # PrecertChainEntry: u24 precert ‖ u24 chain { u24 cert }*, the root appended by the log
    extra = _b64(page[0]["extra_data"])
    inter, root = der(pki.inter), der(pki.root)
    chain = len(inter).to_bytes(3, "big") + inter + len(root).to_bytes(3, "big") + root
    pre = der(precert)
    assert extra == len(pre).to_bytes(3, "big") + pre + len(chain).to_bytes(3, "big") + chain
    second = parse_merkle_tree_leaf(_b64(page[1]["leaf_input"]))
    assert second.entry_type == ENTRY_TYPE_X509 and second.certificate == der(final)
    assert _b64(page[1]["extra_data"]) == len(chain).to_bytes(3, "big") + chain
    tail = client.get("/ct/v1/get-entries", params={"start": 3, "end": 4}).json()["entries"]
    assert len(tail) == 2
    r = client.get("/ct/v1/get-entries", params={"start": 5, "end": 6})
    assert (r.status_code, r.json()["message"]) == (400, "start 5 is beyond the tree (size 5)")
    r = client.get("/ct/v1/get-entries", params={"start": 2, "end": 1})
    assert (r.status_code, r.json()["message"]) == (
        400,
        "expected 0 <= start <= end; got start=2, end=1",
    )


def test_get_roots(client: TestClient, pki: PKI) -> None:
    roots = client.get("/ct/v1/get-roots").json()["certificates"]
    assert [_b64(r) for r in roots] == [der(pki.root)]


def test_key_is_created_0600_and_reused(tmp_path: Path, pki: PKI, clock: Clock) -> None:
    first = open_ctlog(tmp_path, accepted_roots=[pki.root], clock=clock, synchronous="NORMAL")
    key_file = tmp_path / "keys" / "ctlog.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    body = b64_chain(pki.precert(), pki.inter)
    with TestClient(create_app(first)) as client:
        sct = client.post("/ct/v1/add-pre-chain", json=body).json()
    clock.now += timedelta(minutes=1)
    again = open_ctlog(tmp_path, accepted_roots=[pki.root], clock=clock, synchronous="NORMAL")
    assert again.log_id == first.log_id == base64.b64decode(sct["id"])
    with TestClient(create_app(again)) as client:
        assert client.get("/ct/v1/get-sth").json()["tree_size"] == 1
        # The submission row survived the restart: a resubmission is still deduplicated.
        same = client.post("/ct/v1/add-pre-chain", json=body).json()
        assert same["timestamp"] == sct["timestamp"]
        assert client.get("/ct/v1/get-sth").json()["tree_size"] == 1


def test_concurrent_identical_submissions_make_one_entry(ctlog: CTLog, pki: PKI) -> None:
    precert = der(pki.precert())
    chain = [precert, der(pki.inter)]

    async def run() -> list[int]:
        await ctlog.start()
        try:
            scts = await asyncio.gather(*(ctlog.add_pre_chain(chain) for _ in range(20)))
            return [s.timestamp for s in scts] + [ctlog.log.published.size]
        finally:
            await ctlog.stop()

    *stamps, size = asyncio.run(run())
    assert len(set(stamps)) == 1
    assert size == 1


def test_open_ctlog_needs_roots(tmp_path: Path, clock: Clock) -> None:
    with pytest.raises(FormatError, match="at least one accepted root"):
        open_ctlog(tmp_path, accepted_roots=[], clock=clock)
    assert not (tmp_path / "ctlog.db").exists()


def test_get_entry_and_proof(client: TestClient, ctlog: CTLog, pki: PKI) -> None:
    _fill(client, pki, 6)
    leaves = [e.body for e in ctlog.log.storage.read_entries(0, 6)]
    for size in (6, 4):
        body = client.get(
            "/ct/v1/get-entry-and-proof", params={"leaf_index": 3, "tree_size": size}
        ).json()
        leaf = _b64(body["leaf_input"])
        assert leaf == leaves[3]
        assert _b64(body["extra_data"]).endswith(der(pki.root))
        verify_inclusion(
            3, size, leaf_hash(leaf), [_b64(h) for h in body["audit_path"]], mth(leaves[:size])
        )
    r = client.get("/ct/v1/get-entry-and-proof", params={"leaf_index": 6, "tree_size": 6})
    assert (r.status_code, r.json()["message"]) == (
        400,
        "expected 0 <= leaf_index < tree_size <= 6 (the published size); got leaf_index=6, tree_size=6",
    )


def test_timestamps_never_go_back_with_the_clock(
    client: TestClient, pki: PKI, clock: Clock
) -> None:
    first = _fill(client, pki, 1)[0]
    clock.now -= timedelta(hours=1)  # e.g. an NTP step
    second = client.post(
        "/ct/v1/add-pre-chain", json=b64_chain(pki.precert(serial=50), pki.inter)
    ).json()
    assert second["timestamp"] >= first["timestamp"]
    assert client.get("/ct/v1/get-sth").json()["timestamp"] >= second["timestamp"]
