"""Log keys in the data dir, and how service errors reach HTTP clients."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from sigstack.errors import FormatError, PushbackError
from sigstack.services._asgi import exception_handlers
from sigstack.services._keyfiles import load_or_create_ecdsa_key, load_or_create_ed25519_key


def test_keys_are_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "rekor-v1.pem"
    first = load_or_create_ecdsa_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create_ecdsa_key(path)
    assert first.private_numbers() == again.private_numbers()
    ed = load_or_create_ed25519_key(tmp_path / "keys" / "rekor-v2.pem")
    assert (
        load_or_create_ed25519_key(tmp_path / "keys" / "rekor-v2.pem").private_bytes_raw()
        == ed.private_bytes_raw()
    )


def test_a_key_of_the_wrong_type_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    load_or_create_ed25519_key(path)
    with pytest.raises(FormatError, match="expected an ECDSA private key, found Ed25519PrivateKey"):
        load_or_create_ecdsa_key(path)
    path.write_text("not a key")
    with pytest.raises(FormatError, match="is not an unencrypted PEM private key"):
        load_or_create_ed25519_key(path)


def _app(exc: Exception) -> TestClient:
    async def boom(request: Request) -> Response:
        raise exc

    app = Starlette(routes=[Route("/x", boom)], exception_handlers=exception_handlers)
    return TestClient(app, raise_server_exceptions=False)


def test_pushback_is_503_with_retry_after() -> None:
    r = _app(PushbackError("the log is behind", retry_after=2)).get("/x")
    assert r.status_code == 503 and r.headers["retry-after"] == "2"
    assert r.json() == {"code": 503, "message": "the log is behind"}


def test_field_errors_name_the_field() -> None:
    r = _app(FormatError("expected base64", field="spec.signature.content")).get("/x")
    assert r.json() == {"code": 400, "message": "spec.signature.content: expected base64"}


def test_a_crash_is_a_json_500_without_a_stack_trace() -> None:
    r = _app(RuntimeError("secret internals")).get("/x")
    assert r.status_code == 500
    assert r.json() == {"code": 500, "message": "internal error; the server log has the details"}
    assert "secret" not in r.text and "Traceback" not in r.text
