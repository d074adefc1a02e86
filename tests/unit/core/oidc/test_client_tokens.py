"""Client side: device flow answers and poll decisions, token responses, token sanity checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sigstack.core.oidc.device_flow import next_interval, parse_device_authorization
from sigstack.core.oidc.identity_token import check_identity_token, token_from_response
from sigstack.errors import AuthenticationError, FormatError

from ._jwt import ES256, NOW, T, claims, mint, raw_token

DEVICE = {
    "device_code": "dc-1",
    "user_code": "BCDF-GHJK",
    "verification_uri": "http://127.0.0.1:8080/oidc/device",
    "verification_uri_complete": "http://127.0.0.1:8080/oidc/device?user_code=BCDF-GHJK",
    "expires_in": 600,
    "interval": 2,
}


def test_device_authorization_parsed() -> None:
    device = parse_device_authorization(DEVICE)
    assert (device.device_code, device.user_code, device.interval) == ("dc-1", "BCDF-GHJK", 2)
    assert "enter the code BCDF-GHJK" in device.instructions()
    assert DEVICE["verification_uri_complete"] in device.instructions()
    # RFC 8628 §3.2: interval defaults to 5 seconds.
    without = {k: v for k, v in DEVICE.items() if k != "interval"}
    assert parse_device_authorization(without).interval == 5


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"device_code": ""}, "non-empty string device_code"),
        ({"user_code": None}, "non-empty string user_code"),
        ({"expires_in": "600"}, "positive integer expires_in"),
        ({"interval": 0}, "positive integer interval"),
        ({"interval": True}, "positive integer interval"),
    ],
)
def test_device_authorization_refusals(change: dict[str, Any], fragment: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_device_authorization({**DEVICE, **change})
    assert fragment in str(info.value)


def test_poll_decisions() -> None:
    assert next_interval("authorization_pending", None, 5) == 5
    assert next_interval("slow_down", "too fast", 5) == 10  # RFC 8628 §3.5: +5 s
    for error, fragment in [
        ("expired_token", "device code expired before the sign-in was approved"),
        ("access_denied", "refused on the verification page"),
        ("invalid_grant", "refused the device sign-in (invalid_grant): gone"),
    ]:
        with pytest.raises(AuthenticationError) as info:
            next_interval(error, "gone", 5)
        assert fragment in str(info.value)


def test_token_sanity_check_accepts_a_fresh_token() -> None:
    token = mint(ES256)
    assert check_identity_token(token, audience="sigstore", now=NOW)["email"] == "alice@example.com"
    listed = mint(ES256, claims(aud=["other", "sigstore"]))
    assert check_identity_token(listed, audience="sigstore", now=NOW)["sub"]
    # 5 s leeway, as sigstore-python.
    assert check_identity_token(mint(ES256, claims(exp=T - 4)), audience="sigstore", now=NOW)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (claims(exp=T - 6), "the identity token expired at 2026-11-22T09:59:54Z"),
        (claims(aud="other"), "audience (aud) is 'other'; expected it to contain 'sigstore'"),
        (claims(aud=["a", "b"]), "audience (aud) is ['a', 'b']; expected it to contain"),
        (claims(iat=T + 60), "issued in the future"),
        (claims(nbf=T + 60), "not valid before"),
        (claims(sub=..., iss=...), "lacks the claim(s) sub, iss"),
        (claims(exp="soon"), "exp claim must be a NumericDate"),
    ],
    ids=["expired", "wrong-aud", "wrong-aud-list", "iat-future", "nbf-future", "missing", "exp"],
)
def test_token_sanity_refusals(body: dict[str, Any], fragment: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        check_identity_token(mint(ES256, body), audience="sigstore", now=NOW)
    assert fragment in str(info.value)


def test_not_a_jwt() -> None:
    with pytest.raises(AuthenticationError, match="the identity token is not a JWT"):
        check_identity_token("not-a-token", audience="sigstore", now=NOW)


def test_token_from_response_prefers_the_id_token_and_checks_its_nonce() -> None:
    id_token = mint(ES256, claims(nonce="n-1"))
    access = mint(ES256)
    body = {"access_token": access, "id_token": id_token, "token_type": "Bearer"}
    assert token_from_response(body, nonce="n-1") == id_token
    assert token_from_response({"access_token": access}, nonce="n-1") == access
    for nonce_sent, fragment in [("n-2", "nonce is 'n-1', not the nonce sent")]:
        with pytest.raises(AuthenticationError, match=fragment):
            token_from_response(body, nonce=nonce_sent)
    without = {"id_token": mint(ES256)}
    with pytest.raises(AuthenticationError, match="nonce is None, not the nonce sent"):
        token_from_response(without, nonce="n-1")
    with pytest.raises(AuthenticationError, match="without an id_token or access_token"):
        token_from_response({"token_type": "Bearer"}, nonce=None)
    with pytest.raises(AuthenticationError, match="expected a JSON object"):
        token_from_response("x", nonce=None)


def test_leeway_is_a_parameter() -> None:
    token = raw_token({"alg": "ES256"}, claims(exp=T - 30))
    check_identity_token(token, audience="sigstore", now=NOW, leeway=timedelta(seconds=31))
    with pytest.raises(AuthenticationError, match="expired"):
        check_identity_token(token, audience="sigstore", now=NOW)
