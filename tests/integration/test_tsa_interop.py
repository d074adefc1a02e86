"""A live ``sigstack serve tsa`` judged by independent verifiers: openssl and rfc3161-client.

Queries are built by ``openssl ts -query`` (and by rfc3161-client, as
sigstore-python does), posted over HTTP, and the replies checked with
``openssl ts -verify`` (root as ``-CAfile``, leaf and intermediate as
``-untrusted``) and with rfc3161-client's ``VerifierBuilder`` (roots,
intermediates, TSA certificate, nonce and policy pinned). openssl is required:
its absence fails these tests rather than skipping them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from sigstack.testing.service import start_service

POLICY = x509.ObjectIdentifier("1.3.6.1.4.1.57264.2")
QUERY = {"Content-Type": "application/timestamp-query"}


@dataclass
class LiveTSA:
    url: str
    chain: list[x509.Certificate]
    work: Path


def _openssl() -> str:
    path = shutil.which("openssl")
    if path is None:
        pytest.fail("openssl is required for the TSA interop tests (apt-get install openssl)")
    return path


@pytest.fixture(scope="module")
def live_tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveTSA]:
    work = tmp_path_factory.mktemp("tsa")
    server = start_service(
        "tsa", work / "data", "--log-level", "warning",
        ready_path="/healthz", output=work / "server.log",
    )  # fmt: skip
    url = server.url
    try:
        pem = httpx.get(url + "/api/v1/timestamp/certchain").content
        chain = x509.load_pem_x509_certificates(pem)
        yield LiveTSA(url, chain, work)
    finally:
        server.stop()


def _write_chain_files(tsa: LiveTSA) -> tuple[Path, Path]:
    from cryptography.hazmat.primitives.serialization import Encoding

    root = tsa.work / "root.pem"
    untrusted = tsa.work / "untrusted.pem"
    root.write_bytes(tsa.chain[-1].public_bytes(Encoding.PEM))
    untrusted.write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in tsa.chain[:-1]))
    return root, untrusted


def _post(tsa: LiveTSA, query: bytes) -> bytes:
    reply = httpx.post(tsa.url + "/api/v1/timestamp", content=query, headers=QUERY)
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/timestamp-reply"
    return reply.content


def test_chain_served_leaf_first(live_tsa: LiveTSA) -> None:
    leaf, intermediate, root = live_tsa.chain
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    assert leaf.issuer == intermediate.subject and root.issuer == root.subject


@pytest.mark.parametrize("digest", ["sha256", "sha512"])
@pytest.mark.parametrize("cert", [True, False], ids=["cert", "no-cert"])
def test_openssl_verifies(live_tsa: LiveTSA, digest: str, cert: bool) -> None:
    openssl = _openssl()
    data = live_tsa.work / "data.bin"
    data.write_bytes(b"the signature bytes " + digest.encode())
    query = live_tsa.work / f"{digest}-{cert}.tsq"
    reply = live_tsa.work / f"{digest}-{cert}.tsr"
    subprocess.run(
        [openssl, "ts", "-query", "-data", data, f"-{digest}", *(["-cert"] if cert else []),
         "-out", query],
        check=True, capture_output=True,
    )  # fmt: skip
    reply.write_bytes(_post(live_tsa, query.read_bytes()))
    root, untrusted = _write_chain_files(live_tsa)
    sources: list[list[str | Path]] = [["-queryfile", query], ["-data", data]]
    for source in sources:
        done = subprocess.run(
            [openssl, "ts", "-verify", "-in", reply, *source, "-CAfile", root,
             "-untrusted", untrusted],
            capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0 and "Verification: OK" in done.stdout, done.stdout + done.stderr
    text = subprocess.run(
        [openssl, "ts", "-reply", "-in", reply, "-text"], check=True, capture_output=True, text=True
    ).stdout
    assert "Status: Granted." in text
    assert "Policy OID: 1.3.6.1.4.1.57264.2" in text
    assert f"Hash Algorithm: {digest}" in text
    assert re.search(r"Nonce: 0x[0-9A-F]+", text)
    assert "Accuracy: 0x01 seconds" in text
    assert "TSA: DirName:" in text


def test_openssl_refuses_a_tampered_message(live_tsa: LiveTSA) -> None:
    openssl = _openssl()
    data = live_tsa.work / "orig.bin"
    data.write_bytes(b"original")
    query = live_tsa.work / "orig.tsq"
    subprocess.run([openssl, "ts", "-query", "-data", data, "-sha256", "-cert", "-out", query],
                   check=True, capture_output=True)  # fmt: skip
    reply = live_tsa.work / "orig.tsr"
    reply.write_bytes(_post(live_tsa, query.read_bytes()))
    other = live_tsa.work / "other.bin"
    other.write_bytes(b"tampered")
    root, untrusted = _write_chain_files(live_tsa)
    done = subprocess.run(
        [openssl, "ts", "-verify", "-in", reply, "-data", other, "-CAfile", root,
         "-untrusted", untrusted],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode != 0


@pytest.mark.parametrize("algorithm", [HashAlgorithm.SHA256, HashAlgorithm.SHA512])
def test_rfc3161_client_verifies(live_tsa: LiveTSA, algorithm: HashAlgorithm) -> None:
    message = b"signature bytes for rfc3161-client"
    request = TimestampRequestBuilder(hash_algorithm=algorithm).data(message).build()
    response = decode_timestamp_response(_post(live_tsa, request.as_bytes()))
    assert request.nonce is not None
    leaf, intermediate, root = live_tsa.chain
    verifier = (
        VerifierBuilder()
        .tsa_certificate(leaf)
        .add_intermediate_certificate(intermediate)
        .add_root_certificate(root)
        .nonce(request.nonce)
        .policy_id(POLICY)
        .build()
    )
    assert verifier.verify_message(response, message)
    assert response.tst_info.nonce == request.nonce
    # the way sigstore-python builds its verifier: no nonce or policy pinned (§7.3)
    assert (
        VerifierBuilder.from_request(request)
        .tsa_certificate(leaf)
        .add_intermediate_certificate(intermediate)
        .add_root_certificate(root)
        .build()
        .verify_message(response, message)
    )
    with pytest.raises(VerificationError):
        verifier.verify_message(response, b"another message")
    wrong_nonce = (
        VerifierBuilder().add_intermediate_certificate(intermediate).add_root_certificate(root)
        .nonce(request.nonce + 1).build()
    )  # fmt: skip
    with pytest.raises(VerificationError, match="Nonce"):
        wrong_nonce.verify_message(response, message)


def test_json_request_verifies(live_tsa: LiveTSA) -> None:
    import base64
    import hashlib

    message = b"sigstore-js signature"
    body = {"artifactHash": base64.b64encode(hashlib.sha256(message).digest()).decode(),
            "hashAlgorithm": "sha256"}  # fmt: skip
    reply = httpx.post(live_tsa.url + "/api/v1/timestamp", json=body)
    assert reply.status_code == 200
    leaf, intermediate, root = live_tsa.chain
    verifier = (
        VerifierBuilder().tsa_certificate(leaf).add_intermediate_certificate(intermediate)
        .add_root_certificate(root).build()
    )  # fmt: skip
    assert verifier.verify_message(decode_timestamp_response(reply.content), message)


def test_bad_requests_answer_json_400(live_tsa: LiveTSA) -> None:
    openssl = _openssl()
    data = live_tsa.work / "sha1.bin"
    data.write_bytes(b"x")
    query = live_tsa.work / "sha1.tsq"
    subprocess.run([openssl, "ts", "-query", "-data", data, "-sha1", "-out", query],
                   check=True, capture_output=True)  # fmt: skip
    reply = httpx.post(
        live_tsa.url + "/api/v1/timestamp", content=query.read_bytes(), headers=QUERY
    )
    assert reply.status_code == 400
    assert "SHA-1" in reply.json()["message"]
    reply = httpx.post(live_tsa.url + "/api/v1/timestamp", content=b"\x30\x01", headers=QUERY)
    assert reply.status_code == 400
    assert "not a DER TimeStampReq" in reply.json()["message"]
