"""CAClient: sigstore-python's request form and the error mapping (sigstore-clients.md §4.1, §4.3)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.clients.ca import CAClient
from sigstack.errors import AuthenticationError, FormatError, NetworkError
from tests.unit.sign.fakes import issue, pem_chain

CSR = b"-----BEGIN CERTIFICATE REQUEST-----\nMII=\n-----END CERTIFICATE REQUEST-----\n"


def _client(handler: object) -> CAClient:
    return CAClient("http://ca.test:8080/ignored/path", transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def _answer(certificates: object) -> dict[str, object]:
    return {"signedCertificateEmbeddedSct": {"chain": {"certificates": certificates}}}


def test_request_form_and_chain() -> None:
    chain = issue(ec.generate_private_key(ec.SECP256R1()).public_key())
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json=_answer(pem_chain(chain)))

    with _client(handler) as ca:
        got = ca.request_certificate(CSR, "the.jwt.token")
    assert got == [c.public_bytes(serialization.Encoding.DER) for c in chain]
    (request,) = seen
    assert str(request.url) == "http://ca.test:8080/api/v2/signingCert"  # path dropped (§3)
    assert request.headers["authorization"] == "Bearer the.jwt.token"
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.content)
    assert body == {"certificateSigningRequest": base64.b64encode(CSR).decode()}


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (400, NetworkError),
        (500, NetworkError),
    ],
)
def test_statuses_map_to_errors_with_the_server_message(
    status: int, error: type[Exception]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json={"code": 3, "message": "token audience is not sigstore"})

    with _client(handler) as ca, pytest.raises(error, match="token audience is not sigstore"):
        ca.request_certificate(CSR, "t")


def test_unreachable_is_network_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with _client(handler) as ca, pytest.raises(NetworkError, match="cannot reach the CA"):
        ca.request_certificate(CSR, "t")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            {"signedCertificateDetachedSct": {"chain": {"certificates": ["x", "y"]}}},
            "a detached SCT is not supported",
        ),
        (_answer("not a list"), "expected a list of PEM strings"),
        (_answer(["only-one"]), "expected a chain of at least 2 certificates, found 1"),
        (
            _answer(["-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"] * 2),
            "expected a PEM certificate.*certificates\\[0\\]",
        ),
        (_answer(["not pem", "not pem"]), "expected '-----BEGIN CERTIFICATE-----'"),
    ],
    ids=["detached-sct", "not-a-list", "chain-too-short", "bad-der", "not-pem"],
)
def test_bad_answers_are_format_errors(answer: object, reason: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answer)

    with _client(handler) as ca, pytest.raises(FormatError, match=reason):
        ca.request_certificate(CSR, "t")


def test_non_json_answer_is_format_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>")

    with _client(handler) as ca, pytest.raises(FormatError, match="expected JSON"):
        ca.request_certificate(CSR, "t")
