"""Client side of the code + PKCE sign-in: verifier/challenge, request URL, callback, discovery."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigstack.core.oidc.authorization import (
    AuthorizationRequest,
    form_decode,
    form_encode,
    parse_callback,
)
from sigstack.core.oidc.discovery import parse_provider_metadata
from sigstack.core.oidc.pkce import Pkce, code_challenge, code_verifier
from sigstack.errors import AuthenticationError, FormatError

STATE = "st-4f9a"


def test_rfc7636_appendix_b_vector() -> None:
    entropy = bytes(
        [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186,
         22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121]
    )  # fmt: skip
    pair = Pkce.from_entropy(entropy)
    assert pair.verifier == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pair.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert pair.method == "S256"


@given(st.binary(min_size=32, max_size=96))
def test_verifier_and_challenge_shapes(entropy: bytes) -> None:
    verifier = code_verifier(entropy)
    assert 43 <= len(verifier) <= 128 and "=" not in verifier
    digest = hashlib.sha256(verifier.encode()).digest()
    assert code_challenge(verifier) == base64.urlsafe_b64encode(digest).decode().rstrip("=")


@pytest.mark.parametrize("size", [0, 31, 97])
def test_verifier_refuses_short_or_long_entropy(size: int) -> None:
    with pytest.raises(ValueError, match=f"needs 32 to 96 random octets.*found {size}"):
        code_verifier(b"\0" * size)


def _request(endpoint: str = "https://id.example/auth") -> AuthorizationRequest:
    return AuthorizationRequest(
        authorization_endpoint=endpoint,
        client_id="sigstore",
        redirect_uri="http://127.0.0.1:53211/auth/callback",
        state=STATE,
        nonce="n-0S6_WzA2Mj",
        pkce=Pkce.from_entropy(b"\x01" * 32),
    )


def test_authorization_url_carries_every_parameter() -> None:
    request = _request()
    parts = urlsplit(request.url())
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "id.example", "/auth")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["sigstore"],
        "scope": ["openid email"],
        "redirect_uri": ["http://127.0.0.1:53211/auth/callback"],
        "code_challenge": [request.pkce.challenge],
        "code_challenge_method": ["S256"],
        "state": [STATE],
        "nonce": ["n-0S6_WzA2Mj"],
    }


def test_authorization_url_keeps_an_endpoint_query() -> None:
    url = _request("https://id.example/auth?connector_id=github").url()
    query = parse_qs(urlsplit(url).query)
    assert query["connector_id"] == ["github"] and query["state"] == [STATE]


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)


@given(st.dictionaries(_TEXT, _TEXT, max_size=6))
def test_form_codec_round_trips_and_agrees_with_urllib(params: dict[str, str]) -> None:
    encoded = form_encode(params)
    assert form_decode(encoded) == params
    assert form_decode(urlencode(params)) == params


def test_form_decode_refusals() -> None:
    with pytest.raises(FormatError, match="bad percent-escape '%4'"):
        form_decode("code=%4")
    with pytest.raises(FormatError, match="not UTF-8"):
        form_decode("code=%FF")
    with pytest.raises(FormatError, match="'code' is given more than once"):
        form_decode("code=a&code=b")


def test_callback_gives_the_code() -> None:
    assert parse_callback(f"code=abc%2Fdef&state={STATE}", expected_state=STATE) == "abc/def"
    assert _request().parse_callback(f"state={STATE}&code=xyz") == "xyz"


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("code=abc&state=other", "state 'other' does not match the state sent"),
        ("code=abc", "has no state parameter"),
        ("error=access_denied&state=other", "does not match the state sent"),
        (
            f"error=access_denied&error_description=sign-in+cancelled&state={STATE}",
            "the issuer refused the sign-in (access_denied): sign-in cancelled",
        ),
        (f"state={STATE}", "neither a code nor an error"),
        (f"code=&state={STATE}", "neither a code nor an error"),
        (f"code=a&code=b&state={STATE}", "malformed: query parameter 'code' is given more"),
    ],
    ids=["wrong-state", "no-state", "error-wrong-state", "error", "empty", "empty-code", "dup"],
)
def test_callback_refusals(query: str, fragment: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        parse_callback(query, expected_state=STATE)
    assert fragment in str(info.value)


ISSUER = "http://127.0.0.1:8080/oidc"
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": ISSUER + "/authorize",
    "token_endpoint": ISSUER + "/token",
    "device_authorization_endpoint": ISSUER + "/device/code",
    "code_challenge_methods_supported": ["S256"],
}


def test_discovery_keeps_the_endpoints() -> None:
    metadata = parse_provider_metadata(DISCOVERY, ISSUER + "/")
    assert metadata.token_endpoint == ISSUER + "/token"
    assert metadata.device_authorization_endpoint == ISSUER + "/device/code"
    without = {k: v for k, v in DISCOVERY.items() if k != "device_authorization_endpoint"}
    assert parse_provider_metadata(without, ISSUER).device_authorization_endpoint is None


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"issuer": "http://evil.example"}, "names issuer 'http://evil.example'; expected"),
        ({"token_endpoint": None}, "expected token_endpoint to be an http(s) URL"),
        ({"authorization_endpoint": 7}, "expected authorization_endpoint to be an http(s) URL"),
        ({"code_challenge_methods_supported": ["plain"]}, "does not support PKCE S256"),
        ({"device_authorization_endpoint": "ftp://x"}, "device_authorization_endpoint to be"),
    ],
)
def test_discovery_refusals(change: dict[str, object], fragment: str) -> None:
    document = {**DISCOVERY, **change}
    with pytest.raises(FormatError) as info:
        parse_provider_metadata(document, ISSUER)
    assert fragment in str(info.value)


def test_discovery_must_be_an_object() -> None:
    with pytest.raises(FormatError, match=r"expected a JSON object .* found list"):
        parse_provider_metadata([], ISSUER)
