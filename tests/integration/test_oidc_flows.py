"""The development OIDC issuer driven end to end over HTTP, as cosign and sigstore-python drive it.

A live ``sigstack serve oidc`` on a free loopback port; the authorization code
+ PKCE flow with a loopback redirect listener run by the test (RFC 7636,
RFC 8252 §7.3), the device flow with a poller and a second client typing the
code (RFC 8628), and tokens verified against the JWKS named by discovery.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sigstack.testing.oidc_client import (
    LoopbackCallback,
    pkce_pair,
    submit_form,
    verify_id_token,
)
from sigstack.testing.service import ServiceProcess, start_service
from tests.peers import sigstore_python

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def live_oidc(tmp_path: Path) -> Iterator[ServiceProcess]:
    data = tmp_path / "data"
    server = start_service(
        "oidc", data, "--device-interval", "1", "--log-level", "warning",
        ready_path="/.well-known/openid-configuration", output=tmp_path / "server.log",
    )  # fmt: skip
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("nonce", [None, "cosign-nonce-1"], ids=["sigstore-python", "cosign"])
def test_authorization_code_with_pkce(live_oidc: ServiceProcess, nonce: str | None) -> None:
    discovery = httpx.get(live_oidc.url + "/.well-known/openid-configuration").json()
    assert discovery["issuer"] == live_oidc.url
    assert "S256" in discovery["code_challenge_methods_supported"]  # cosign insists
    verifier, challenge = pkce_pair()
    callback = LoopbackCallback()
    state = str(uuid.uuid4())
    params = {
        "response_type": "code", "client_id": "sigstore", "client_secret": "",
        "scope": "openid email", "redirect_uri": callback.redirect_uri,
        "code_challenge": challenge, "code_challenge_method": "S256", "state": state,
    }  # fmt: skip
    if nonce:
        params["nonce"] = nonce
    try:
        with httpx.Client(follow_redirects=False) as browser:
            page = browser.get(discovery["authorization_endpoint"], params=params)
            assert page.status_code == 200 and "Email to sign as" in page.text
            sent = submit_form(browser, page, email="alice@example.com", action="approve")
            assert sent.status_code == 303
            assert sent.headers["location"].startswith(callback.redirect_uri + "?")
            assert browser.get(sent.headers["location"]).status_code == 200  # reaches the CLI
        query = callback.wait()
    finally:
        callback.close()
    assert query["state"] == [state]
    exchange = {
        "grant_type": "authorization_code", "redirect_uri": callback.redirect_uri,
        "code": query["code"][0], "code_verifier": verifier,
    }  # fmt: skip
    answer = httpx.post(discovery["token_endpoint"], data=exchange, auth=("sigstore", ""))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["access_token"] == body["id_token"] and body["token_type"] == "Bearer"
    claims = verify_id_token(body["access_token"], discovery)
    assert claims["email"] == "alice@example.com" and claims["email_verified"] is True
    assert claims["sub"] == "alice@example.com"
    assert claims.get("nonce") == nonce
    assert 0 < claims["exp"] - claims["iat"] <= 600
    # The code is single use.
    again = httpx.post(discovery["token_endpoint"], data=exchange, auth=("sigstore", ""))
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_device_flow(live_oidc: ServiceProcess) -> None:
    discovery = httpx.get(live_oidc.url + "/.well-known/openid-configuration").json()
    verifier, challenge = pkce_pair()
    start = httpx.post(
        discovery["device_authorization_endpoint"],
        data={"client_id": "sigstore", "scope": "openid email",
              "code_challenge": challenge, "code_challenge_method": "S256"},
    ).json()  # fmt: skip
    seen: list[str] = []
    token: dict[str, Any] = {}

    def poll() -> None:  # the terminal, as cosign's device.go polls
        interval = start["interval"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = httpx.post(
                discovery["token_endpoint"],
                data={"grant_type": DEVICE_GRANT, "client_id": "sigstore",
                      "device_code": start["device_code"], "code_verifier": verifier},
            )  # fmt: skip
            if answer.status_code == 200:
                token.update(answer.json())
                return
            error = answer.json()["error"]
            seen.append(error)
            if error == "slow_down":
                interval += 5
            elif error != "authorization_pending":
                return
            time.sleep(interval)

    poller = threading.Thread(target=poll)
    poller.start()
    while not seen and poller.is_alive():  # the first poll answers authorization_pending
        time.sleep(0.05)
    with httpx.Client() as person:  # a second client: the person on another machine
        page = person.get(start["verification_uri_complete"])
        assert start["user_code"] in page.text
        done = submit_form(person, page, email="dev@example.com", action="approve")
        assert done.status_code == 200 and "dev@example.com" in done.text
    poller.join(30)
    assert seen[0] == "authorization_pending"
    assert token["access_token"] == token["id_token"]
    assert verify_id_token(token["id_token"], discovery)["email"] == "dev@example.com"


def test_device_flow_denied(live_oidc: ServiceProcess) -> None:
    discovery = httpx.get(live_oidc.url + "/.well-known/openid-configuration").json()
    start = httpx.post(
        discovery["device_authorization_endpoint"], data={"client_id": "sigstore"}
    ).json()
    page = httpx.get(start["verification_uri"])
    submit_form(httpx.Client(), page, user_code=start["user_code"], action="deny")
    answer = httpx.post(
        discovery["token_endpoint"],
        data={
            "grant_type": DEVICE_GRANT,
            "client_id": "sigstore",
            "device_code": start["device_code"],
        },
    )
    assert answer.status_code == 400 and answer.json()["error"] == "access_denied"


def test_oidc_token_cli_matches_the_running_issuer(live_oidc: ServiceProcess) -> None:
    minted = subprocess.run(
        [sys.executable, "-m", "sigstack", "oidc", "token", "--email", "ci@example.com",
         "--data-dir", str(live_oidc.data_dir)],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    discovery = httpx.get(live_oidc.url + "/.well-known/openid-configuration").json()
    claims = verify_id_token(minted, discovery)
    assert claims["iss"] == live_oidc.url and claims["email"] == "ci@example.com"


def test_serve_refuses_a_non_loopback_host(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sigstack", "serve", "oidc", "--host", "0.0.0.0",
         "--port", "0", "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0" in result.stderr
    assert "--allow-remote" in result.stderr
    assert not (tmp_path / "data").exists()


# The real sigstore-python (PyPI, in its own venv: `make peers`) as the judge of the
# authorization-code flow: its `Issuer.identity_token`, the code path behind
# `sigstore sign` and `sigstore get-identity-token` (the CLI itself first fetches the
# public TUF root, which tests on loopback cannot reach).
PEER_SCRIPT = """
import sys
from sigstore.oidc import Issuer
token = Issuer(sys.argv[1]).identity_token(force_oob=sys.argv[2] == "oob")
print(token.identity)
print(token.issuer)
print(token._raw_token)
"""
# A stand-in for a person at a browser: open the URL, type the email, submit, follow redirects.
BROWSER_SCRIPT = """
import html, re, sys
from urllib.parse import urljoin
import httpx
with httpx.Client(follow_redirects=True, timeout=10) as browser:
    page = browser.get(sys.argv[1])
    hidden = re.findall(r"<input type='hidden' name='([^']+)' value='([^']*)'>", page.text)
    form = {name: html.unescape(value) for name, value in hidden}
    form.update(email=sys.argv[2], action="approve")
    done = browser.post(urljoin(str(page.url), "authorize"), data=form)
    sys.exit(0 if done.status_code == 200 else 1)
"""


def _peer() -> Path:
    return sigstore_python()


def _check_peer_output(out: str, issuer: str, email: str) -> None:
    identity, seen_issuer, token = out.strip().splitlines()[-3:]
    identity = identity.removeprefix("Enter verification code: ")  # the OOB prompt, no newline
    assert identity == email  # sigstore-python shows `sub` for an issuer it does not know
    assert seen_issuer == issuer
    discovery = httpx.get(issuer + "/.well-known/openid-configuration").json()
    assert verify_id_token(token, discovery)["email"] == email


def test_sigstore_python_out_of_band(live_oidc: ServiceProcess) -> None:
    peer = subprocess.Popen(
        [str(_peer()), "-c", PEER_SCRIPT, live_oidc.url, "oob"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert peer.stderr is not None
        line = ""
        while "/authorize?" not in line:
            line = peer.stderr.readline()
            assert line, "sigstore-python did not print the authorization URL"
        url = line.strip()
        with httpx.Client() as browser:
            page = browser.get(url)
            shown = submit_form(browser, page, email="py@example.com", action="approve")
        code = shown.text.split("<code id='code'>")[1].split("</code>")[0]
        out, err = peer.communicate(code + "\n", timeout=60)
    finally:
        peer.kill()
    assert peer.returncode == 0, err
    _check_peer_output(out, live_oidc.url, "py@example.com")


def test_sigstore_python_loopback_redirect(live_oidc: ServiceProcess, tmp_path: Path) -> None:
    browser = tmp_path / "browser.py"
    browser.write_text(BROWSER_SCRIPT)
    env = {**os.environ, "BROWSER": f"{sys.executable} {browser} %s web@example.com"}
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [str(_peer()), "-c", PEER_SCRIPT, live_oidc.url, "browser"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Waiting for browser interaction" in result.stderr  # not the out-of-band fallback
    _check_peer_output(result.stdout, live_oidc.url, "web@example.com")
