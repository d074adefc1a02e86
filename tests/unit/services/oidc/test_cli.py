"""``sigstack oidc token`` and the loopback guard of ``sigstack serve oidc``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jwt
import pytest

from sigstack.cli import oidc, serve_oidc
from sigstack.cli.serve_oidc import is_loopback
from sigstack.errors import Error
from sigstack.services.oidc import open_provider

from .conftest import StepClock


def main(argv: list[str]) -> int:
    """``sigstack.cli.main.main`` with only the oidc commands (the other services stay out)."""
    parser = argparse.ArgumentParser(prog="sigstack")
    commands = parser.add_subparsers(dest="command", required=True)
    services = commands.add_parser("serve").add_subparsers(dest="service", required=True)
    serve_oidc.register(services)
    oidc.register(commands)
    args = parser.parse_args(argv)
    try:
        status: int = args.handler(args)
    except Error as exc:
        print(f"sigstack: error: {exc}", file=sys.stderr)
        return 1
    return status


def test_token_uses_the_remembered_issuer(
    tmp_path: Path, clock: StepClock, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    served = open_provider(data, clock, issuer="http://127.0.0.1:8080/oidc")  # as `serve oidc` does
    assert main(["oidc", "token", "--email", "alice@example.com", "--data-dir", str(data)]) == 0
    token = capsys.readouterr().out.strip()
    key = jwt.PyJWKSet.from_dict(served.jwks())[served.signing_key.kid]
    claims = jwt.decode(token, key, algorithms=["ES256"], audience="sigstore")
    assert claims["iss"] == "http://127.0.0.1:8080/oidc"
    assert claims["email"] == "alice@example.com" and claims["exp"] - claims["iat"] == 600


def test_token_with_explicit_issuer_is_not_remembered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    argv = ["oidc", "token", "--email", "a@example.com", "--data-dir", str(data)]
    assert main([*argv, "--issuer", "http://127.0.0.1:9/x", "--nonce", "n1"]) == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert claims["iss"] == "http://127.0.0.1:9/x" and claims["nonce"] == "n1"
    assert not (data / "oidc.json").exists()


def test_token_without_any_issuer_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["oidc", "token", "--email", "a@example.com", "--data-dir", str(tmp_path)]
    assert main(argv) == 1
    assert "no issuer URL" in capsys.readouterr().err


def test_token_refuses_a_non_email(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "oidc",
        "token",
        "--email",
        "alice",
        "--data-dir",
        str(tmp_path),
        "--issuer",
        "http://x.test",
    ]
    assert main(argv) == 1
    assert "expected an email address" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com"])
def test_serve_refuses_non_loopback(
    tmp_path: Path, host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "oidc", "--host", host, "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"refusing to listen on {host}" in err and "--allow-remote" in err
    assert not (tmp_path / "keys").exists()  # nothing created


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
     ("[::1]", True), ("0.0.0.0", False), ("10.1.2.3", False), ("host.test", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_allow_remote_warns_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    bound: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: bound.update(kw))  # never listens
    argv = ["serve", "oidc", "--host", "0.0.0.0", "--allow-remote", "--data-dir", str(tmp_path)]
    assert main([*argv, "--issuer-url", "http://oidc.test:8080"]) == 0
    assert bound["host"] == "0.0.0.0"
    captured = capsys.readouterr()
    assert "hands out identities to ANYONE" in captured.err
    assert "issuer http://oidc.test:8080" in captured.out


def test_allow_remote_on_a_wildcard_needs_an_issuer_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["serve", "oidc", "--host", "0.0.0.0", "--allow-remote", "--data-dir", str(tmp_path)]
    assert main(argv) == 1
    assert "no issuer URL" in capsys.readouterr().err
