"""Discovery (OIDC Discovery §3), JWKS (RFC 7517), keys on disk, and minted ID tokens (OIDC Core §2)."""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from sigstack.errors import FormatError
from sigstack.services.oidc import Provider, ProviderSettings, create_app, open_provider

from .conftest import ISSUER, REDIRECT, StepClock, pkce_pair, verify_token


def test_discovery_document_fields(client: TestClient) -> None:
    doc = client.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == ISSUER
    assert doc["jwks_uri"] == ISSUER + "/jwks"
    assert doc["authorization_endpoint"] == ISSUER + "/authorize"
    assert doc["token_endpoint"] == ISSUER + "/token"
    assert doc["device_authorization_endpoint"] == ISSUER + "/device/code"
    assert doc["response_types_supported"] == ["code"]
    assert doc["subject_types_supported"] == ["public"]
    assert doc["id_token_signing_alg_values_supported"] == ["ES256"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert set(doc["grant_types_supported"]) == {
        "authorization_code",
        "urn:ietf:params:oauth:grant-type:device_code",
    }
    assert {"openid", "email"} <= set(doc["scopes_supported"])


def test_jwks_publishes_the_signing_key(client: TestClient, provider: Provider) -> None:
    (key,) = client.get("/jwks").json()["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256"
    assert key["alg"] == "ES256" and key["use"] == "sig"
    assert key["kid"] == provider.signing_key.kid
    assert "d" not in key  # public only


def test_minted_token_claims_verify_against_the_jwks(
    client: TestClient, provider: Provider, clock: StepClock
) -> None:
    token = provider.mint("Alice@Example.com", nonce="n-0S6_WzA2Mj")
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256" and header["kid"] == provider.signing_key.kid
    claims = verify_token(token, client.get("/jwks").json())
    now = int(clock().timestamp())
    assert claims["iss"] == ISSUER
    assert claims["sub"] == "alice@example.com"  # sub is the normalized email
    assert claims["email"] == "alice@example.com"
    assert claims["email_verified"] is True
    assert claims["aud"] == "sigstore"
    assert claims["iat"] == now and claims["nbf"] == now
    assert claims["exp"] == now + 600
    assert claims["nonce"] == "n-0S6_WzA2Mj"


def test_no_nonce_claim_unless_given(provider: Provider) -> None:
    claims = jwt.decode(provider.mint("bob@example.com"), options={"verify_signature": False})
    assert "nonce" not in claims


@pytest.mark.parametrize("email", ["", "bob", "bob@localhost", "a b@example.com", "x@" + "y" * 260])
def test_mint_refuses_what_is_not_an_email(provider: Provider, email: str) -> None:
    with pytest.raises(FormatError, match="expected an email address"):
        provider.mint(email)


def test_keys_are_private_and_reused(tmp_path: Path, clock: StepClock) -> None:
    data = tmp_path / "data"
    first = open_provider(data, clock, issuer=ISSUER)
    pem = data / "keys" / "oidc-es256.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    again = open_provider(data, clock)  # issuer remembered from the first start
    assert again.issuer == ISSUER
    assert again.signing_key.kid == first.signing_key.kid


def test_issuer_needed_on_first_start(tmp_path: Path, clock: StepClock) -> None:
    with pytest.raises(FormatError, match="no issuer URL"):
        open_provider(tmp_path / "empty", clock)


def test_rs256_key_and_both_keys_published(tmp_path: Path, clock: StepClock) -> None:
    data = tmp_path / "data"
    es = open_provider(data, clock, issuer=ISSUER)
    rs = open_provider(data, clock, algorithm="RS256")
    assert rs.signing_key.algorithm == "RS256"
    jwks = rs.jwks()
    assert [k["kty"] for k in jwks["keys"]] == ["RSA", "EC"]
    assert rs.discovery()["id_token_signing_alg_values_supported"] == ["ES256", "RS256"]
    assert jwt.get_unverified_header(rs.mint("a@example.com"))["alg"] == "RS256"
    verify_token(es.mint("a@example.com"), jwks)  # an older ES256 token still verifies
    verify_token(rs.mint("a@example.com"), jwks)


def test_mounted_under_oidc(tmp_path: Path, clock: StepClock) -> None:
    issuer = "http://127.0.0.1:8080/oidc"
    provider = open_provider(tmp_path / "d", clock, issuer=issuer, settings=ProviderSettings())
    outer = Starlette(routes=[Mount("/oidc", app=create_app(provider))])
    with TestClient(outer, base_url="http://127.0.0.1:8080") as c:
        doc = c.get("/oidc/.well-known/openid-configuration").json()
        assert doc["issuer"] == issuer
        assert doc["token_endpoint"] == issuer + "/token"
        jwks = c.get(doc["jwks_uri"].removeprefix("http://127.0.0.1:8080")).json()
        page = c.get("/oidc/device")
        assert page.status_code == 200 and "action='device'" in page.text
        error = c.post("/oidc/token", data={"grant_type": "password", "client_id": "sigstore"})
        assert error.json()["error"] == "unsupported_grant_type"
    assert verify_token(provider.mint("a@example.com"), jwks, issuer)["iss"] == issuer


def test_issuer_trailing_slash_dropped(tmp_path: Path, clock: StepClock) -> None:
    assert open_provider(tmp_path, clock, issuer=ISSUER + "/").issuer == ISSUER


def test_unknown_path_is_an_oauth_shaped_404(client: TestClient) -> None:
    answer = client.get("/nope")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


def test_code_and_device_flows_when_mounted(tmp_path: Path, clock: StepClock) -> None:
    issuer = "http://127.0.0.1:8080/oidc"
    provider = open_provider(tmp_path / "d", clock, issuer=issuer)
    outer = Starlette(routes=[Mount("/oidc", app=create_app(provider))])
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code", "client_id": "sigstore", "scope": "openid email",
        "redirect_uri": REDIRECT, "code_challenge": challenge, "code_challenge_method": "S256",
    }  # fmt: skip
    with TestClient(outer, base_url="http://127.0.0.1:8080", follow_redirects=False) as c:
        page = c.get("/oidc/authorize", params=params)
        action = page.text.split("action='")[1].split("'")[0]
        target = urljoin(str(page.url), action)
        assert urlsplit(target).path == "/oidc/authorize"  # the form posts back into the mount
        sent = c.post(target, data={**params, "email": "m@example.com"})
        code = parse_qs(urlsplit(sent.headers["location"]).query)["code"][0]
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        form.update(client_id="sigstore", code_verifier=verifier)
        token = c.post("/oidc/token", data=form).json()["id_token"]
        device = c.post("/oidc/device/code", data={"client_id": "sigstore"}).json()
        assert device["verification_uri"] == issuer + "/device"
    assert verify_token(token, provider.jwks(), issuer)["email"] == "m@example.com"
