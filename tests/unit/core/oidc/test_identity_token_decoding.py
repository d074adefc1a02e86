"""The client's token sanity check reads the JWT with base64 + json, as PyJWT would.

Same claims as PyJWT's unverified decode for real tokens; the same kind of refusals for
malformed ones (each names what was wrong); no PyJWT import (sigstore-clients.md §8.2).
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import jwt
import pytest

from sigstack.core.oidc.identity_token import check_identity_token, unverified_token_claims
from sigstack.core.oidc.tokens import unverified_claims
from sigstack.errors import AuthenticationError

from ._jwt import ES256, NOW, claims, mint

_NAN = b'{"exp": NaN}'


def _b64(value: object) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_claims_are_pyjwts_unverified_claims() -> None:
    for body in (claims(), claims(aud=["a", "sigstore"]), claims(email="é@example.com")):
        token = mint(ES256, body)
        assert unverified_token_claims(token) == unverified_claims(token)
        assert unverified_token_claims(token) == jwt.decode(
            token, options={"verify_signature": False}
        )


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        ("", "expected a compact JWT, found nothing"),
        ("a.b", "3 dot-separated parts, found 2"),
        ("a.b.c.d", "3 dot-separated parts, found 4"),
        (
            f"{_b64({'alg': 'ES256'})}.{_b64([1, 2])}.c2ln",
            "claims segment must be a JSON object, found list",
        ),
        (f"{_b64(b'not json')}.{_b64(claims())}.c2ln", "the header segment is not JSON"),
        (f"{_b64({'alg': 'ES256'})}.{_b64(b'{nope')}.c2ln", "the claims segment is not JSON"),
        (f"{_b64({'alg': 'ES256'})}.{_b64(_NAN)}.c2ln", "NaN is not valid JSON"),
        (f"{_b64({'alg': 'ES256'})}.{_b64(claims())}.A", "the signature segment is not base64url"),
        (f"{_b64({'alg': 'ES256', 'kid': 7})}.{_b64(claims())}.c2ln", "kid must be a string"),
        ("x" * 70_000, "more than the 65536 allowed"),
    ],
    ids=["empty", "two", "four", "list", "header", "claims", "nan", "b64", "kid", "long"],
)
def test_malformed_tokens_are_refused_with_the_reason(token: str, fragment: str) -> None:
    with pytest.raises(AuthenticationError) as info:
        check_identity_token(token, audience="sigstore", now=NOW)
    assert "the identity token is not a JWT: malformed token" in str(info.value)
    assert fragment in str(info.value)


def test_the_check_does_not_import_pyjwt() -> None:
    code = (
        "import sys\n"
        "from sigstack.core.oidc.identity_token import check_identity_token\n"
        "print(sorted(m for m in sys.modules if m == 'jwt' or m.startswith('jwt.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
