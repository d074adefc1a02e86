"""The TSA over HTTP (in process): routes, media types, refusals, data-dir keys."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import algos, tsp  # type: ignore[import-untyped]
from cryptography import x509
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder
from starlette.testclient import TestClient

from sigstack.core.tsp import parse_request, verify_response
from sigstack.errors import FormatError
from sigstack.services.tsa.app import create_app
from sigstack.services.tsa.authority import TimestampAuthority, open_authority, random_serial

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
MESSAGE = b"signature bytes"
QUERY = {"Content-Type": "application/timestamp-query"}


def fixed_clock() -> datetime:
    return NOW


@pytest.fixture
def authority(tmp_path: Path) -> TimestampAuthority:
    serials = itertools.count(1000)
    return open_authority(tmp_path / "data", fixed_clock, serials=lambda: next(serials))


@pytest.fixture
def client(authority: TimestampAuthority) -> Iterator[TestClient]:
    with TestClient(create_app(authority)) as c:
        yield c


def der_query(
    name: str = "sha256", *, nonce: bool = True, cert_req: bool = True
) -> tuple[bytes, int | None]:
    algo = {"sha256": HashAlgorithm.SHA256, "sha512": HashAlgorithm.SHA512}[name]
    built = (
        TimestampRequestBuilder(hash_algorithm=algo, nonce=nonce, cert_req=cert_req)
        .data(MESSAGE)
        .build()
    )
    return built.as_bytes(), built.nonce


def custom_query(oid: str, digest: bytes, **extra: object) -> bytes:
    return bytes(
        tsp.TimeStampReq(
            {
                "version": 1,
                "message_imprint": {
                    "hash_algorithm": algos.DigestAlgorithm({"algorithm": oid}),
                    "hashed_message": digest,
                },
                **extra,
            }
        ).dump()
    )


def token_parts(body: bytes) -> tuple[Any, list[Any] | None]:
    sd = tsp.TimeStampResp.load(body)["time_stamp_token"]["content"]
    return tsp.TSTInfo.load(sd["encap_content_info"]["content"].contents), sd["certificates"].native


@pytest.mark.parametrize("name", ["sha256", "sha512"])
def test_der_request(client: TestClient, authority: TimestampAuthority, name: str) -> None:
    query, nonce = der_query(name)
    reply = client.post("/api/v1/timestamp", content=query, headers=QUERY)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/timestamp-reply"
    decoded = verify_response(reply.content, MESSAGE, chain=authority.chain, nonce=nonce)
    assert decoded.tst_info.gen_time.replace(tzinfo=UTC) == NOW
    info, certs = token_parts(reply.content)
    assert info["nonce"].native == nonce
    assert info["serial_number"].native == 1000
    assert info["policy"].dotted == "1.3.6.1.4.1.57264.2"
    assert certs is not None and len(certs) == 1


def test_sha384_request(client: TestClient, authority: TimestampAuthority) -> None:
    query = custom_query("sha384", hashlib.sha384(MESSAGE).digest(), cert_req=True)
    reply = client.post("/api/v1/timestamp", content=query, headers=QUERY)
    assert reply.status_code == 200
    verify_response(reply.content, MESSAGE, chain=authority.chain)


def test_cert_req_off(client: TestClient, authority: TimestampAuthority) -> None:
    query, _ = der_query(cert_req=False, nonce=False)
    reply = client.post("/api/v1/timestamp", content=query, headers=QUERY)
    info, certs = token_parts(reply.content)
    assert certs is None and info["nonce"].native is None
    verify_response(reply.content, MESSAGE, chain=authority.chain)


def test_json_request_as_sigstore_js_sends_it(
    client: TestClient, authority: TimestampAuthority
) -> None:
    artifact = base64.b64encode(hashlib.sha256(MESSAGE).digest()).decode()
    reply = client.post(
        "/api/v1/timestamp", json={"artifactHash": artifact, "hashAlgorithm": "sha256"}
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/timestamp-reply"
    _, certs = token_parts(reply.content)
    assert certs is None  # JSON "certificates" defaults to false, as in the Go TSA
    verify_response(reply.content, MESSAGE, chain=authority.chain)


def test_json_with_certificates_and_nonce(client: TestClient) -> None:
    artifact = base64.b64encode(hashlib.sha256(MESSAGE).digest()).decode()
    body = {
        "artifactHash": artifact,
        "hashAlgorithm": "sha256",
        "certificates": True,
        "nonce": 2**80,
    }
    reply = client.post("/api/v1/timestamp", json=body)
    info, certs = token_parts(reply.content)
    assert info["nonce"].native == 2**80 and certs is not None


@pytest.mark.parametrize(
    ("content", "headers", "status", "message"),
    [
        (
            custom_query("1.3.14.3.2.26", hashlib.sha1(MESSAGE).digest()),
            QUERY,
            400,
            r"SHA-1 \(1\.3\.14\.3\.2\.26\).*too weak",
        ),
        (
            custom_query("1.2.3.4", b"x" * 32),
            QUERY,
            400,
            r"unsupported message-imprint hash algorithm 1\.2\.3\.4",
        ),
        (b"\x30\x03garbage", QUERY, 400, r"not a DER TimeStampReq \(RFC 3161 §2\.4\.1\)"),
        (b"", QUERY, 400, "not a DER TimeStampReq"),
        (custom_query("sha256", b"x" * 31), QUERY, 400, "32 bytes, the request has 31"),
        (
            custom_query("sha256", b"x" * 32, req_policy="1.2.3"),
            QUERY,
            400,
            r"policy 1\.2\.3 is not accepted",
        ),
        (b"{", {"Content-Type": "application/json"}, 400, "not valid JSON"),
        (
            b'{"artifactHash":"AA==","hashAlgorithm":"sha1"}',
            {"Content-Type": "application/json"},
            400,
            "SHA-1",
        ),
        (b"x" * 2000, {"Content-Type": "application/json"}, 413, "limit is 1024 bytes"),
        (b"x" * 5000, QUERY, 413, "limit is 4096 bytes"),
        (
            b"x",
            {"Content-Type": "text/plain"},
            415,
            "Content-Type must be application/timestamp-query",
        ),
        (b"x", {}, 415, "found 'none'"),
    ],
    ids=[
        "sha1",
        "unknown-hash",
        "malformed",
        "empty",
        "short-digest",
        "policy",
        "bad-json",
        "json-sha1",
        "json-too-large",
        "der-too-large",
        "text",
        "no-type",
    ],
)
def test_refusals(
    client: TestClient, content: bytes, headers: dict[str, str], status: int, message: str
) -> None:
    reply = client.post("/api/v1/timestamp", content=content, headers=headers)
    assert reply.status_code == status
    assert reply.headers["content-type"] == "application/json"
    body = reply.json()
    assert body["code"] == status
    assert re.search(message, body["message"]), body["message"]


def test_certchain(client: TestClient, authority: TimestampAuthority) -> None:
    reply = client.get("/api/v1/timestamp/certchain")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/pem-certificate-chain"
    certs = x509.load_pem_x509_certificates(reply.content)
    assert certs == authority.chain and len(certs) == 3
    leaf = certs[0]
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    assert certs[-1].issuer == certs[-1].subject


def test_health_and_method(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/ping").text == "pong"
    assert client.get("/api/v1/timestamp").status_code == 405


def test_data_dir_keys_private_and_reused(tmp_path: Path) -> None:
    first = open_authority(tmp_path, fixed_clock)
    for name in ("tsa-root.pem", "tsa-intermediate.pem", "tsa-leaf.pem"):
        assert stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode) == 0o600
    assert (tmp_path / "tsa" / "certchain.pem").read_bytes() == first.chain_pem()
    again = open_authority(tmp_path, fixed_clock)
    assert again.chain == first.chain
    body = again.timestamp(parse_request(der_query()[0]))
    verify_response(body, MESSAGE, chain=first.chain)


def test_leaf_key_that_does_not_match_the_chain_is_refused(tmp_path: Path) -> None:
    open_authority(tmp_path, fixed_clock)
    (tmp_path / "keys" / "tsa-leaf.pem").unlink()
    with pytest.raises(FormatError, match="does not certify"):
        open_authority(tmp_path, fixed_clock)


def test_random_serials_are_128_bit_and_distinct() -> None:
    serials = {random_serial() for _ in range(1000)}
    assert len(serials) == 1000
    assert all(0 < s < 2**128 for s in serials)
    assert max(serials).bit_length() > 120
