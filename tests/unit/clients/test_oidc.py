"""OIDCClient: token requests with Basic client auth, device-flow polling (RFC 8628 §3.4–3.5)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from urllib.parse import parse_qs

import httpx
import pytest

from sigstack.clients.oidc import OIDCClient, TokenEndpointError
from sigstack.core.oidc.device_flow import DEVICE_GRANT_TYPE, DeviceAuthorization
from sigstack.core.oidc.discovery import ProviderMetadata
from sigstack.core.oidc.pkce import Pkce
from sigstack.errors import AuthenticationError, FormatError, NetworkError

ISSUER = "http://issuer.test/oidc"
METADATA = ProviderMetadata(
    ISSUER, ISSUER + "/authorize", ISSUER + "/token", ISSUER + "/device/code"
)
PKCE = Pkce.from_entropy(b"\x07" * 32)
DEVICE = DeviceAuthorization("dc-1", "BCDF-GHJK", ISSUER + "/device", expires_in=60, interval=2)


def _client(handler: Callable[[httpx.Request], httpx.Response], secret: str = "") -> OIDCClient:
    return OIDCClient(ISSUER, client_secret=secret, transport=httpx.MockTransport(handler))


def _error(error: str, description: str = "") -> httpx.Response:
    return httpx.Response(400, json={"error": error, "error_description": description})


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def _poll(answers: list[httpx.Response], clock: _Clock, seen: list[httpx.Request]) -> object:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0)

    with _client(handler) as client:
        return client.poll_device_flow(
            METADATA, DEVICE, pkce=PKCE, sleep=clock.sleep, monotonic=clock.monotonic
        )


def test_polling_honours_interval_pending_and_slow_down() -> None:
    clock, seen = _Clock(), []
    answers = [
        _error("authorization_pending"),
        _error("slow_down", "too fast"),
        _error("authorization_pending"),
        httpx.Response(200, json={"access_token": "t", "token_type": "Bearer"}),
    ]
    assert _poll(answers, clock, seen) == {"access_token": "t", "token_type": "Bearer"}
    assert clock.sleeps == [2, 2, 7, 7]  # waits before every poll; slow_down adds 5 s
    form = parse_qs(seen[0].content.decode())
    assert form == {
        "grant_type": [DEVICE_GRANT_TYPE],
        "device_code": ["dc-1"],
        "client_id": ["sigstore"],
        "code_verifier": [PKCE.verifier],
    }
    assert seen[0].headers["authorization"] == "Basic " + base64.b64encode(b"sigstore:").decode()


@pytest.mark.parametrize(
    ("error", "fragment"),
    [
        ("expired_token", "device code expired before the sign-in was approved"),
        ("access_denied", "refused on the verification page"),
    ],
)
def test_polling_stops_on_final_errors(error: str, fragment: str) -> None:
    clock, seen = _Clock(), []
    with pytest.raises(AuthenticationError, match=fragment):
        _poll([_error("authorization_pending"), _error(error)], clock, seen)
    assert len(seen) == 2


def test_polling_gives_up_after_expires_in() -> None:
    clock, seen = _Clock(), []
    with pytest.raises(AuthenticationError, match="expired after 60 s without the sign-in"):
        _poll([_error("authorization_pending")] * 100, clock, seen)
    assert len(seen) == 30 and clock.now == 60


def test_code_exchange_form_and_refusal() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _error("invalid_grant", "unknown or already used authorization code")

    with _client(handler, secret="s3") as client, pytest.raises(TokenEndpointError) as info:
        client.exchange_code(METADATA, code="c", redirect_uri="http://127.0.0.1:1/cb", pkce=PKCE)
    assert info.value.error == "invalid_grant"
    assert "refused the token request: invalid_grant: unknown or already used" in str(info.value)
    assert parse_qs(seen[0].content.decode()) == {
        "grant_type": ["authorization_code"],
        "code": ["c"],
        "redirect_uri": ["http://127.0.0.1:1/cb"],
        "code_verifier": [PKCE.verifier],
    }
    assert seen[0].headers["authorization"] == "Basic " + base64.b64encode(b"sigstore:s3").decode()


def test_discovery_and_transport_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == ISSUER + "/.well-known/openid-configuration"
        return httpx.Response(200, content=json.dumps({"issuer": "http://other.test"}))

    with _client(handler) as client, pytest.raises(FormatError, match="names issuer"):
        client.discover()

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with _client(down) as client, pytest.raises(NetworkError, match="cannot reach the OIDC"):
        client.discover()
