"""Device authorization grant (RFC 8628): pending → approved → token, slow_down, expiry, denial."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from sigstack.services.oidc import ProviderSettings, create_app, open_provider

from .conftest import ISSUER, StepClock, pkce_pair, verify_token

DEVICE = "urn:ietf:params:oauth:grant-type:device_code"


def _start(client: TestClient, **extra: str) -> dict[str, Any]:
    answer = client.post(
        "/device/code", data={"client_id": "sigstore", "scope": "openid email", **extra}
    )
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def _poll(client: TestClient, device_code: str, **extra: str) -> Any:
    form = {"grant_type": DEVICE, "device_code": device_code, "client_id": "sigstore", **extra}
    return client.post("/token", data=form)


def _submit(
    client: TestClient, user_code: str, email: str = "dev@example.com", action: str = "approve"
) -> Any:
    return client.post("/device", data={"user_code": user_code, "email": email, "action": action})


def test_device_authorization_response(client: TestClient) -> None:
    body = _start(client)
    assert set(body) == {
        "device_code", "user_code", "verification_uri", "verification_uri_complete",
        "interval", "expires_in",
    }  # fmt: skip
    assert body["verification_uri"] == ISSUER + "/device"
    assert len(body["user_code"]) == 9 and body["user_code"][4] == "-"
    complete = urlsplit(body["verification_uri_complete"])
    assert parse_qs(complete.query)["user_code"] == [body["user_code"]]
    assert body["interval"] == 5 and body["expires_in"] == 600
    page = client.get("/device", params={"user_code": body["user_code"]})
    assert body["user_code"] in page.text


def test_pending_then_approved_then_token(client: TestClient, clock: StepClock) -> None:
    body = _start(client)
    pending = _poll(client, body["device_code"])
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    # Typed by a person: lower case, without the dash.
    done = _submit(client, body["user_code"].replace("-", "").lower(), "Dev@Example.com")
    assert done.status_code == 200 and "dev@example.com" in done.text
    clock.advance(5)
    answer = _poll(client, body["device_code"])
    assert answer.status_code == 200
    token = answer.json()
    assert token["access_token"] == token["id_token"] and token["token_type"] == "Bearer"
    assert verify_token(token["id_token"], client.get("/jwks").json())["email"] == "dev@example.com"
    again = _poll(client, body["device_code"])  # the device code is spent
    assert again.json()["error"] == "invalid_grant"


def test_slow_down_adds_five_seconds(client: TestClient, clock: StepClock) -> None:
    body = _start(client)
    assert _poll(client, body["device_code"]).json()["error"] == "authorization_pending"
    clock.advance(2)
    slow = _poll(client, body["device_code"]).json()
    assert slow["error"] == "slow_down" and "10 s" in slow["error_description"]
    clock.advance(6)  # 6 < 10: still too fast
    assert _poll(client, body["device_code"]).json()["error"] == "slow_down"
    clock.advance(15)
    assert _poll(client, body["device_code"]).json()["error"] == "authorization_pending"


def test_expired_token(client: TestClient, clock: StepClock) -> None:
    body = _start(client)
    clock.advance(601)
    answer = _poll(client, body["device_code"])
    assert answer.status_code == 400 and answer.json()["error"] == "expired_token"
    late = _submit(client, body["user_code"])
    assert late.status_code == 400 and "unknown or already used" in late.text


def test_expired_code_cannot_be_approved(client: TestClient, clock: StepClock) -> None:
    body = _start(client)
    clock.advance(601)
    answer = _submit(client, body["user_code"])
    assert answer.status_code == 400 and "expired" in answer.text


def test_access_denied(client: TestClient) -> None:
    body = _start(client)
    assert _submit(client, body["user_code"], action="deny").status_code == 200
    answer = _poll(client, body["device_code"])
    assert answer.json()["error"] == "access_denied"
    assert _poll(client, body["device_code"]).json()["error"] == "invalid_grant"


def test_pkce_on_the_device_flow(client: TestClient, clock: StepClock) -> None:
    verifier, challenge = pkce_pair()
    body = _start(client, code_challenge=challenge, code_challenge_method="S256")
    _submit(client, body["user_code"])
    wrong, _ = pkce_pair()
    assert (
        _poll(client, body["device_code"], code_verifier=wrong).json()["error"] == "invalid_grant"
    )
    body = _start(client, code_challenge=challenge, code_challenge_method="S256")
    _submit(client, body["user_code"])
    assert _poll(client, body["device_code"], code_verifier=verifier).status_code == 200


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"scope": "openid"}, "invalid_client"),
        ({"client_id": "other"}, "invalid_client"),
        ({"client_id": "sigstore", "scope": "email"}, "invalid_scope"),
        ({"client_id": "sigstore", "code_challenge": "x" * 43, "code_challenge_method": "plain"},
         "invalid_request"),
    ],
)  # fmt: skip
def test_device_code_request_errors(client: TestClient, form: dict[str, str], error: str) -> None:
    answer = client.post("/device/code", data=form)
    assert answer.status_code == 400 and answer.json()["error"] == error


def test_unknown_user_code_and_bad_email(client: TestClient) -> None:
    assert _submit(client, "BCDF-GHJK").status_code == 400
    body = _start(client)
    answer = _submit(client, body["user_code"], email="not an email")
    assert answer.status_code == 400 and "expected an email address" in answer.text
    assert _poll(client, body["device_code"]).json()["error"] == "authorization_pending"


def test_device_code_of_another_client_refused(tmp_path: Path, clock: StepClock) -> None:
    settings = ProviderSettings(client_ids=("sigstore", "other"))
    provider = open_provider(tmp_path, clock, issuer=ISSUER, settings=settings)
    with TestClient(create_app(provider), base_url=ISSUER) as two_clients:
        body = _start(two_clients)
        _submit(two_clients, body["user_code"])
        form = {"grant_type": DEVICE, "device_code": body["device_code"], "client_id": "other"}
        answer = two_clients.post("/token", data=form).json()
        assert (
            answer["error"] == "invalid_grant" and "another client" in answer["error_description"]
        )
