"""How the signing commands obtain an identity token, against a live ``sigstack up``.

The browser flow with the test playing the person at the dev issuer's login page
and following its redirect to our loopback listener; the device flow with a
thread approving the code; ``sign-blob`` picking up a GitHub-Actions-style
ambient credential served by the test; ``sign-blob`` in a terminal signing in
with the device flow against the signing config's issuer; and the refusals
(state mismatch, expired token, wrong audience, no device endpoint).
"""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sigstack.errors import AuthenticationError
from sigstack.sign.identity import get_identity_token
from sigstack.testing.oidc_client import submit_form, verify_id_token
from sigstack.testing.service import ServiceProcess
from sigstack.testing.stack import start_stack

# Variables that would make a detector of the `id` package fire on a CI machine.
_CI_VARIABLES = ("GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "CIRCLECI", "ACTIONS_ID_TOKEN_")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    root = tmp_path_factory.mktemp("identity")
    server = start_stack(root / "data", output=root / "up.log")
    try:
        yield server
    finally:
        server.stop()


def _issuer(server: ServiceProcess) -> str:
    return server.url + "/oidc"


def _discovery(server: ServiceProcess) -> dict[str, Any]:
    answer = httpx.get(_issuer(server) + "/.well-known/openid-configuration")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def _environ(data: Path, **extra: str) -> dict[str, str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SIGSTORE_", *_CI_VARIABLES)) and k != "GOOGLE_SERVICE_ACCOUNT_NAME"
    }
    return environ | {"SIGSTACK_HOME": str(data), **extra}


def _sigstack(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigstack", *args],
        capture_output=True, text=True, timeout=120, env=_environ(data, **env),
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _mint(data: Path, email: str, *extra: str) -> str:
    out = _sigstack(data, "oidc", "token", "--email", email, "--data-dir", str(data), *extra)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _no_ambient(audience: str) -> str | None:
    raise AssertionError("ambient detection must not run when ambient=False")


class _Person:
    """Plays the person at the browser: signs in at the login page, follows the redirect."""

    def __init__(self, email: str) -> None:
        self.email = email
        self.callback: httpx.Response | None = None

    def __call__(self, url: str) -> bool:
        with httpx.Client(follow_redirects=False) as browser:
            page = browser.get(url)
            assert page.status_code == 200 and "Email to sign as" in page.text
            sent = submit_form(browser, page, email=self.email, action="approve")
            assert sent.status_code == 303, sent.text
            location = sent.headers["location"]
            assert location.startswith("http://127.0.0.1:"), location
            assert urlsplit(location).path == "/auth/callback"
            self.callback = browser.get(location)  # the browser reaches our loopback listener
        return True


def test_browser_flow(live: ServiceProcess) -> None:
    person, out = _Person("alice@example.com"), io.StringIO()
    token = get_identity_token(
        _issuer(live), ambient=False, open_browser=person, detect=_no_ambient, out=out, timeout=30
    )
    assert person.callback is not None and person.callback.status_code == 200
    assert "return to your terminal" in person.callback.text
    claims = verify_id_token(token, _discovery(live))
    assert claims["email"] == "alice@example.com" and claims["aud"] == "sigstore"
    assert claims["nonce"]  # the nonce we sent came back (checked by get_identity_token)
    printed = out.getvalue()
    assert f"Sign in to {_issuer(live)}" in printed
    assert _issuer(live) + "/authorize?response_type=code" in printed


class _Terminal(io.StringIO):
    """Standard error of the signing command: tells when the device flow shows its code."""

    def __init__(self) -> None:
        super().__init__()
        self.shown = threading.Event()

    def write(self, text: str) -> int:
        written = super().write(text)
        if "enter the code" in self.getvalue():
            self.shown.set()
        return written


def _approve(instructions: Callable[[], str], email: str) -> None:
    """The person types the code from the terminal on the issuer's verification page."""
    match = re.search(r"visit (\S+) and enter the code (\S+)", instructions())
    assert match, instructions()
    with httpx.Client() as browser:
        page = browser.get(match.group(1))
        assert page.status_code == 200
        done = submit_form(browser, page, user_code=match.group(2), email=email, action="approve")
        assert done.status_code == 200 and f"Signed in as {email}" in done.text, done.text


@pytest.mark.parametrize("how", ["force-device", "no-browser"])
def test_device_flow(live: ServiceProcess, how: str) -> None:
    terminal = _Terminal()
    errors: list[BaseException] = []
    browsers: list[str] = []

    def no_browser(url: str) -> bool:  # webbrowser.open's answer when none can be launched
        browsers.append(url)
        return False

    def person() -> None:
        try:
            assert terminal.shown.wait(30), terminal.getvalue()
            _approve(terminal.getvalue, "bob@example.com")
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    helper = threading.Thread(target=person, daemon=True)
    helper.start()
    started = time.monotonic()
    token = get_identity_token(
        _issuer(live), ambient=False, force_device=how == "force-device", out=terminal,
        detect=_no_ambient, open_browser=no_browser,
    )  # fmt: skip
    helper.join(10)
    assert not errors, errors
    assert time.monotonic() - started >= 4  # waited the issuer's 5 s interval before polling
    claims = verify_id_token(token, _discovery(live))
    assert claims["email"] == "bob@example.com"
    if how == "force-device":
        assert not browsers
    else:
        assert len(browsers) == 1 and "using the device flow instead" in terminal.getvalue()


class _GitHubTokenEndpoint:
    """``ACTIONS_ID_TOKEN_REQUEST_URL``: ``GET ?audience=…`` with a bearer → ``{"value": JWT}``."""

    BEARER = "runner-request-token-1"

    def __init__(self, token: str) -> None:
        self.requests: list[tuple[dict[str, list[str]], str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                outer.requests.append((query, self.headers.get("Authorization")))
                good = self.headers.get("Authorization", "").lower() == f"bearer {outer.BEARER}"
                body = json.dumps({"value": token} if good else {"message": "bad token"})
                self.send_response(200 if good else 401)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/token?api-version=2.0"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_sign_blob_with_ambient_github_actions_credential(
    live: ServiceProcess, tmp_path: Path
) -> None:
    data = live.data_dir
    endpoint = _GitHubTokenEndpoint(_mint(data, "ci@example.com"))
    artifact = tmp_path / "ci-artifact.txt"
    artifact.write_bytes(b"built by CI\n")
    try:
        signed = _sigstack(
            data, "sign-blob", str(artifact),
            GITHUB_ACTIONS="true",
            ACTIONS_ID_TOKEN_REQUEST_URL=endpoint.url,
            ACTIONS_ID_TOKEN_REQUEST_TOKEN=_GitHubTokenEndpoint.BEARER,
        )  # fmt: skip
    finally:
        endpoint.close()
    assert signed.returncode == 0, signed.stderr
    [(query, authorization)] = endpoint.requests
    assert query["audience"] == ["sigstore"] and query["api-version"] == ["2.0"]
    assert authorization is not None and authorization.lower() == f"bearer {endpoint.BEARER}"
    bundle = artifact.with_name(artifact.name + ".sigstore.json")
    verified = _sigstack(
        data, "verify-blob", str(artifact), "--bundle", str(bundle),
        "--certificate-identity", "ci@example.com",
        "--certificate-oidc-issuer", _issuer(live),
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    assert "identity: ci@example.com" in verified.stdout


class _InTerminal:
    """``sigstack ARGS`` with a terminal as standard input, as when a person runs it."""

    def __init__(self, data: Path, *args: str) -> None:
        self._controller, terminal = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sigstack", *args],
            stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=_environ(data),
        )  # fmt: skip
        os.close(terminal)

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        """Exit code, standard output and the rest of standard error."""
        try:
            out, err = self.process.communicate(timeout=timeout)
        finally:
            os.close(self._controller)
        return self.process.returncode, out, err


def test_sign_blob_in_a_terminal_signs_in_with_the_signing_config_issuer(
    live: ServiceProcess, tmp_path: Path
) -> None:
    artifact = tmp_path / "by-hand.txt"
    artifact.write_bytes(b"signed by a person\n")
    run = _InTerminal(
        live.data_dir, "sign-blob", str(artifact), "--oauth-force-oob",
        "--oidc-disable-ambient-providers",
    )  # fmt: skip
    assert run.process.stderr is not None
    shown = ""
    while "enter the code" not in shown:
        line = run.process.stderr.readline()
        assert line, f"sign-blob ended before showing a code: {shown}"
        shown += line
    _approve(lambda: shown, "carol@example.com")
    code, out, err = run.finish()
    assert code == 0, shown + err
    assert out.startswith("wrote ")
    assert f"visit {_issuer(live)}/device and enter the code" in shown  # signing config's issuer
    bundle = artifact.with_name(artifact.name + ".sigstore.json")
    verified = _sigstack(
        live.data_dir, "verify-blob", str(artifact), "--bundle", str(bundle),
        "--certificate-identity", "carol@example.com",
        "--certificate-oidc-issuer", _issuer(live),
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr


# Refusals.


def test_refuses_a_callback_with_another_state(live: ServiceProcess) -> None:
    def forger(url: str) -> bool:  # another page hits the loopback listener first
        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        answer = httpx.get(redirect, params={"code": "forged", "state": "not-the-state"})
        assert answer.status_code == 200
        return True

    with pytest.raises(AuthenticationError) as info:
        get_identity_token(_issuer(live), ambient=False, open_browser=forger, out=io.StringIO())
    message = str(info.value)
    assert "state 'not-the-state' does not match the state sent" in message
    assert "cross-site request forgery" in message


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (("--lifetime", "-60"), "the identity token expired at"),
        (("--audience", "other"), "audience (aud) is 'other'; expected it to contain 'sigstore'"),
    ],
    ids=["expired", "wrong-audience"],
)
def test_sign_blob_refuses_bad_tokens(
    live: ServiceProcess, tmp_path: Path, extra: tuple[str, ...], fragment: str
) -> None:
    data = live.data_dir
    artifact = tmp_path / "refused.txt"
    artifact.write_bytes(b"x\n")
    token = _mint(data, "alice@example.com", *extra)
    for how in (("--identity-token", token), ()):
        refused = _sigstack(data, "sign-blob", str(artifact), *how, SIGSTORE_IDENTITY_TOKEN=token)
        assert refused.returncode == 1
        assert fragment in refused.stderr, refused.stderr
    assert not artifact.with_name(artifact.name + ".sigstore.json").exists()


def test_ambient_token_for_another_audience_is_refused(live: ServiceProcess) -> None:
    token = _mint(live.data_dir, "alice@example.com", "--audience", "other")
    with pytest.raises(AuthenticationError, match=r"audience \(aud\) is 'other'"):
        get_identity_token(_issuer(live), detect=lambda audience: token, interactive=False)


class _DiscoveryWithoutDevice:
    """An issuer whose discovery document has no ``device_authorization_endpoint``."""

    def __init__(self, upstream: dict[str, Any]) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                document = {
                    **{k: v for k, v in upstream.items() if k != "device_authorization_endpoint"},
                    "issuer": outer.issuer,
                }
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def test_force_oob_without_a_device_endpoint_is_refused(
    live: ServiceProcess, tmp_path: Path
) -> None:
    issuer = _DiscoveryWithoutDevice(_discovery(live))
    artifact = tmp_path / "oob.txt"
    artifact.write_bytes(b"x\n")
    try:
        with pytest.raises(AuthenticationError) as info:
            get_identity_token(issuer.issuer, ambient=False, force_device=True)
        assert "does not advertise a device_authorization_endpoint" in str(info.value)
        code, _, err = _InTerminal(
            live.data_dir, "sign-blob", str(artifact), "--oauth-force-oob",
            "--oidc-issuer", issuer.issuer, "--oidc-disable-ambient-providers",
        ).finish()  # fmt: skip
    finally:
        issuer.close()
    assert code == 1
    assert (
        f"the issuer {issuer.issuer} does not advertise a device_authorization_endpoint "
        "in its discovery document, so no sign-in without a browser is possible"
    ) in err


def test_without_a_terminal_or_ci_nothing_waits_for_a_person(
    live: ServiceProcess, tmp_path: Path
) -> None:
    artifact = tmp_path / "nobody.txt"
    artifact.write_bytes(b"x\n")
    refused = _sigstack(live.data_dir, "sign-blob", str(artifact))
    assert refused.returncode == 1
    assert "no identity token: give --identity-token or $SIGSTORE_IDENTITY_TOKEN" in refused.stderr
