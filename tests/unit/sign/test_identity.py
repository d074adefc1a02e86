"""get_identity_token's sources: ambient CI credentials through the real ``id`` package, the
order of the sources, the loopback listener, and the refusals when nothing can give a token."""

from __future__ import annotations

import threading

import httpx
import pytest

from sigstack.errors import AuthenticationError
from sigstack.sign.identity import LoopbackReceiver, get_identity_token
from tests.unit.core.oidc._jwt import ES256, NOW, claims, mint

_CI = ("GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "GOOGLE_SERVICE_ACCOUNT_NAME")


@pytest.fixture
def no_ci(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in _CI:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _refuse_browser(url: str) -> bool:
    raise AssertionError("no interactive flow expected")


def test_gitlab_ambient_token(no_ci: pytest.MonkeyPatch) -> None:
    token = mint(ES256)
    no_ci.setenv("GITLAB_CI", "true")
    no_ci.setenv("SIGSTORE_ID_TOKEN", token)  # <AUDIENCE>_ID_TOKEN (sigstore-clients.md §8.1)
    got = get_identity_token(
        None, interactive=False, open_browser=_refuse_browser, clock=lambda: NOW
    )
    assert got == token


def test_ambient_token_is_sanity_checked(no_ci: pytest.MonkeyPatch) -> None:
    no_ci.setenv("GITLAB_CI", "true")
    no_ci.setenv("SIGSTORE_ID_TOKEN", mint(ES256, claims(exp=int(NOW.timestamp()) - 60)))
    with pytest.raises(AuthenticationError, match="the identity token expired at"):
        get_identity_token(None, interactive=False, clock=lambda: NOW)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"GITLAB_CI": "true", "SIGSTORE_ID_TOKEN": "not-a-jwt"}, "Malformed token"),
        ({"GITHUB_ACTIONS": "true"}, "ACTIONS_ID_TOKEN_REQUEST_TOKEN environment variable"),
    ],
    ids=["gitlab-malformed", "github-without-permission"],
)
def test_ambient_detection_failures(
    no_ci: pytest.MonkeyPatch, env: dict[str, str], fragment: str
) -> None:
    for name, value in env.items():
        no_ci.setenv(name, value)
    no_ci.delenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", raising=False)
    with pytest.raises(AuthenticationError) as info:
        get_identity_token(None, interactive=False, clock=lambda: NOW)
    message = str(info.value)
    assert "a CI environment was detected but its identity token could not be obtained" in message
    assert fragment in message and "--oidc-disable-ambient-providers" in message


def test_disabled_ambient_providers_are_not_asked(no_ci: pytest.MonkeyPatch) -> None:
    no_ci.setenv("GITLAB_CI", "true")
    no_ci.setenv("SIGSTORE_ID_TOKEN", mint(ES256))
    with pytest.raises(AuthenticationError, match="no identity token: give --identity-token"):
        get_identity_token(None, ambient=False, interactive=False, clock=lambda: NOW)


def test_interactive_needs_an_issuer(no_ci: pytest.MonkeyPatch) -> None:
    with pytest.raises(AuthenticationError, match="no OIDC issuer to sign in with"):
        get_identity_token(None, open_browser=_refuse_browser, clock=lambda: NOW)


def test_loopback_receiver_takes_one_callback() -> None:
    receiver = LoopbackReceiver()
    try:
        assert receiver.redirect_uri.startswith("http://127.0.0.1:")
        assert receiver.redirect_uri.endswith("/auth/callback")
        base = receiver.redirect_uri.removesuffix("/auth/callback")
        assert httpx.get(base + "/favicon.ico").status_code == 404
        answered: list[httpx.Response] = []
        browser = threading.Thread(
            target=lambda: answered.append(httpx.get(receiver.redirect_uri + "?code=c&state=s"))
        )
        browser.start()
        assert receiver.wait(10) == "code=c&state=s"
        second = httpx.get(receiver.redirect_uri + "?code=other&state=s")
        assert second.status_code == 404  # one shot: a later request cannot replace the first
        assert receiver.wait(0) == "code=c&state=s"
        browser.join(10)
    finally:
        receiver.close()
    assert answered and answered[0].status_code == 200


def test_loopback_receiver_times_out() -> None:
    receiver = LoopbackReceiver()
    try:
        with pytest.raises(AuthenticationError, match=r"no sign-in came back to http://127\.0"):
            receiver.wait(0.2)
    finally:
        receiver.close()
