"""Authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636, RFC 8252 §7.3) and the token endpoint."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from .conftest import REDIRECT, StepClock, pkce_pair, verify_token


def _params(challenge: str, **overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": "sigstore",
        "redirect_uri": REDIRECT,
        "scope": "openid email",
        "state": "st-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v != "-"}


def _sign_in(
    client: TestClient, challenge: str, email: str = "alice@example.com", **kw: str
) -> str:
    """GET the login page, POST the email; return the code from the redirect."""
    params = _params(challenge, **kw)
    page = client.get("/authorize", params=params)
    assert page.status_code == 200 and "name='email'" in page.text
    answer = client.post("/authorize", data={**params, "email": email, "action": "approve"})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(params["redirect_uri"])
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == [params["state"]]
    return query["code"][0]


def _exchange(client: TestClient, code: str, verifier: str, **form: str) -> Any:
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    body.update({"code_verifier": verifier, **form})
    basic = base64.b64encode(b"sigstore:").decode()  # sigstore-python: Basic, empty secret
    return client.post("/token", data=body, headers={"Authorization": f"Basic {basic}"})


def test_code_flow_gives_the_id_token_as_access_token(client: TestClient) -> None:
    verifier, challenge = pkce_pair()
    code = _sign_in(client, challenge, email="Alice@Example.com", nonce="abc")
    answer = _exchange(client, code, verifier)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    assert body["access_token"] == body["id_token"]
    claims = verify_token(body["id_token"], client.get("/jwks").json())
    assert claims["email"] == "alice@example.com" and claims["nonce"] == "abc"


def test_client_id_in_the_form_instead_of_basic(client: TestClient) -> None:
    verifier, challenge = pkce_pair()
    code = _sign_in(client, challenge)
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    answer = client.post(
        "/token", data={**body, "code_verifier": verifier, "client_id": "sigstore"}
    )
    assert answer.status_code == 200


def test_wrong_verifier_refused(client: TestClient) -> None:
    _, challenge = pkce_pair()
    other_verifier, _ = pkce_pair()
    answer = _exchange(client, _sign_in(client, challenge), other_verifier)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert "does not match the code_challenge" in answer.json()["error_description"]


def test_missing_verifier_refused(client: TestClient) -> None:
    _, challenge = pkce_pair()
    answer = _exchange(client, _sign_in(client, challenge), "")
    assert answer.json() == {
        "error": "invalid_grant",
        "error_description": "code_verifier is required (RFC 7636 §4.5)",
    }


def test_reused_code_refused(client: TestClient) -> None:
    verifier, challenge = pkce_pair()
    code = _sign_in(client, challenge)
    assert _exchange(client, code, verifier).status_code == 200
    again = _exchange(client, code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert "already used" in again.json()["error_description"]


def test_expired_code_refused(client: TestClient, clock: StepClock) -> None:
    verifier, challenge = pkce_pair()
    code = _sign_in(client, challenge)
    clock.advance(61)
    answer = _exchange(client, code, verifier)
    assert answer.json()["error"] == "invalid_grant"
    assert "expired" in answer.json()["error_description"]


def test_redirect_uri_must_match(client: TestClient) -> None:
    verifier, challenge = pkce_pair()
    code = _sign_in(client, challenge)
    answer = _exchange(client, code, verifier, redirect_uri="http://localhost:1/other")
    assert answer.json()["error"] == "invalid_grant"
    assert "redirect_uri must be" in answer.json()["error_description"]


@pytest.mark.parametrize(
    "uri",
    [
        "https://evil.example/cb",
        "http://evil.example:8080/auth/callback",
        "http://localhost.evil.example/cb",
        "http://user@localhost:8000/cb",
        "https://localhost:8443/cb",
        "http://10.0.0.1:8000/cb",
        "urn:ietf:wg:oauth:2.0:oob:auto",
    ],
)
def test_non_loopback_redirect_refused_without_redirecting(client: TestClient, uri: str) -> None:
    _, challenge = pkce_pair()
    answer = client.get("/authorize", params=_params(challenge, redirect_uri=uri))
    assert answer.status_code == 400 and "location" not in answer.headers
    assert answer.json()["error"] == "invalid_request"
    assert "redirect_uri must be http://localhost:<port>" in answer.json()["error_description"]


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:1/cb", "http://localhost:65535/auth/callback?x=1", "http://[::1]:9/"]
)
def test_loopback_redirects_on_any_port(client: TestClient, uri: str) -> None:
    _, challenge = pkce_pair()
    code = _sign_in(client, challenge, redirect_uri=uri)
    assert code


def test_unknown_client_refused_without_redirecting(client: TestClient) -> None:
    _, challenge = pkce_pair()
    answer = client.get("/authorize", params=_params(challenge, client_id="other"))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("overrides", "error", "reason"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request", "must be S256"),
        ({"code_challenge_method": "-"}, "invalid_request", "which means plain"),
        ({"code_challenge": "-"}, "invalid_request", "requires PKCE"),
        ({"code_challenge": "short"}, "invalid_request", "43 base64url"),
        ({"response_type": "token"}, "unsupported_response_type", "must be 'code'"),
        ({"scope": "email"}, "invalid_scope", "openid"),
    ],
)
def test_bad_requests_redirect_with_the_error(
    client: TestClient, overrides: dict[str, str], error: str, reason: str
) -> None:
    _, challenge = pkce_pair()
    answer = client.get("/authorize", params=_params(challenge, **overrides))
    assert answer.status_code == 303
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["error"] == [error] and query["state"] == ["st-123"]
    assert reason in query["error_description"][0]


def test_cancel_redirects_access_denied(client: TestClient) -> None:
    _, challenge = pkce_pair()
    answer = client.post("/authorize", data={**_params(challenge), "action": "deny"})
    assert parse_qs(urlsplit(answer.headers["location"]).query)["error"] == ["access_denied"]


def test_bad_email_shows_the_form_again(client: TestClient) -> None:
    _, challenge = pkce_pair()
    answer = client.post("/authorize", data={**_params(challenge), "email": "<script>"})
    assert answer.status_code == 400
    assert "expected an email address" in answer.text and "<script>" not in answer.text


def test_out_of_band_shows_the_code(client: TestClient) -> None:
    verifier, challenge = pkce_pair()
    oob = "urn:ietf:wg:oauth:2.0:oob"
    form = {**_params(challenge, redirect_uri=oob), "email": "a@example.com"}
    page = client.post("/authorize", data=form)
    assert page.status_code == 200
    code = page.text.split("<code id='code'>")[1].split("</code>")[0]
    assert _exchange(client, code, verifier, redirect_uri=oob).status_code == 200


@pytest.mark.parametrize(
    ("form", "headers", "status", "error"),
    [
        ({"grant_type": "password", "client_id": "sigstore"}, {}, 400, "unsupported_grant_type"),
        ({"client_id": "sigstore"}, {}, 400, "invalid_request"),
        ({"grant_type": "authorization_code"}, {}, 400, "invalid_client"),
        ({"grant_type": "authorization_code", "client_id": "x"}, {}, 400, "invalid_client"),
        ({"grant_type": "authorization_code"}, {"Authorization": "Bearer x"}, 401, "invalid_client"),
        ({"grant_type": "authorization_code", "code": "nope", "client_id": "sigstore"}, {}, 400,
         "invalid_grant"),
    ],
)  # fmt: skip
def test_token_endpoint_errors(
    client: TestClient, form: dict[str, str], headers: dict[str, str], status: int, error: str
) -> None:
    answer = client.post("/token", data=form, headers=headers)
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert answer.json()["error_description"]


def test_token_endpoint_wants_a_form(client: TestClient) -> None:
    answer = client.post("/token", json={"grant_type": "authorization_code"})
    assert answer.status_code == 400
    assert "application/x-www-form-urlencoded" in answer.json()["error_description"]


def test_oversized_body_refused(client: TestClient) -> None:
    answer = client.post("/token", data={"code": "x" * 20_000, "client_id": "sigstore"})
    assert answer.status_code == 413
    assert answer.json()["error"] == "invalid_request"


def test_repeated_parameter_refused(client: TestClient) -> None:
    answer = client.post(
        "/token",
        content=b"client_id=sigstore&client_id=sigstore&grant_type=authorization_code",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "more than once" in answer.json()["error_description"]
