"""The repository's HTTP surface (paths, cache headers, refusals) and its key files."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from sigstack.errors import FormatError
from sigstack.services.tuf import TufRepository, create_app, open_repository
from sigstack.services.tuf._layout import served_file

from .conftest import TARGETS, TRUSTED_ROOT, FakeClock

ROLES = ("root", "targets", "snapshot", "timestamp")


def test_metadata_and_targets_are_served_with_cache_headers(
    repo: TufRepository, http: TestClient
) -> None:
    repo.publish(TARGETS)
    timestamp = http.get("/timestamp.json")
    assert timestamp.status_code == 200
    assert timestamp.headers["cache-control"] == "no-cache"
    assert timestamp.headers["content-type"] == "application/json"
    assert json.loads(timestamp.content)["signed"]["_type"] == "timestamp"
    for path in ("/1.root.json", "/2.snapshot.json", "/2.targets.json"):
        response = http.get(path)
        assert response.status_code == 200, path
        assert "immutable" in response.headers["cache-control"]
    digest = hashlib.sha256(TRUSTED_ROOT).hexdigest()
    target = http.get(f"/targets/{digest}.trusted_root.json")
    assert target.content == TRUSTED_ROOT
    assert "immutable" in target.headers["cache-control"]


def test_missing_files_answer_404_json(repo: TufRepository, http: TestClient) -> None:
    for path in (
        "/2.root.json",
        "/9.targets.json",
        "/",
        "/root.json",
        "/targets/" + "0" * 64 + ".x",
    ):
        response = http.get(path)
        assert response.status_code == 404, path
        body = response.json()
        assert body["code"] == 404 and "no TUF" in body["message"]
    refused = http.post("/timestamp.json")
    assert refused.status_code == 405
    assert refused.json()["code"] == 405


@pytest.mark.parametrize(
    "raw",
    [
        b"/../keys/tuf-root.pem",
        b"/targets/../1.root.json",
        b"/targets/../x",
        b"/%2e%2e/keys/tuf-timestamp.pem",
        b"/targets/%2e%2e/%2e%2e/keys/tuf-root.pem",
        b"/keys/tuf-root.pem",
        b"/.lock",
        b"//etc/passwd",
        b"/targets/..%2f..%2fkeys%2ftuf-root.pem",
    ],
)
async def test_traversal_paths_answer_404(repo: TufRepository, raw: bytes) -> None:
    status, body = await _raw_get(create_app(repo), raw)
    assert status == 404, raw
    assert b"PRIVATE KEY" not in body
    assert json.loads(body)["code"] == 404


def test_served_file_accepts_only_the_layout(tmp_path: Path) -> None:
    (tmp_path / "targets").mkdir()
    (tmp_path / "1.root.json").write_text("{}")
    (tmp_path / "secret.pem").write_text("x")
    assert served_file(tmp_path, "1.root.json") == tmp_path / "1.root.json"
    for bad in (
        "secret.pem",
        "../1.root.json",
        "targets/../1.root.json",
        "01.root.json",
        "0.root.json",
        "1.root.json/",
        "targets/abc.x",
        "/1.root.json",
    ):
        assert served_file(tmp_path, bad) is None, bad


def test_keys_are_private_and_reused_across_reopen(
    data_dir: Path, repo: TufRepository, clock: FakeClock
) -> None:
    keys = {role: data_dir / "keys" / f"tuf-{role}.pem" for role in ROLES}
    for path in keys.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    contents = {role: path.read_bytes() for role, path in keys.items()}
    repo.publish(TARGETS)
    root = repo.root_path.read_bytes()
    versions = repo.versions()

    reopened = open_repository(data_dir / "tuf", clock=clock)
    assert {role: path.read_bytes() for role, path in keys.items()} == contents
    assert reopened.root_path.read_bytes() == root
    assert reopened.versions() == versions
    assert reopened.publish(TARGETS) is False


def test_a_key_that_does_not_belong_to_the_root_is_refused(
    data_dir: Path, repo: TufRepository, clock: FakeClock
) -> None:
    (data_dir / "keys" / "tuf-timestamp.pem").unlink()
    with pytest.raises(FormatError, match="timestamp key"):
        open_repository(data_dir / "tuf", clock=clock)


def test_keys_dir_can_be_chosen(tmp_path: Path, clock: FakeClock) -> None:
    repo = open_repository(tmp_path / "tuf", clock=clock, keys_dir=tmp_path / "tuf" / "keys")
    assert sorted(p.name for p in (tmp_path / "tuf" / "keys").iterdir()) == sorted(
        f"tuf-{role}.pem" for role in ROLES
    )
    assert repo.root_path == tmp_path / "tuf" / "root.json"


@pytest.mark.parametrize("name", ["../x", "a/b", ".hidden", "", "a..b", "x" * 201, "trusted root"])
def test_unsafe_target_names_are_refused(repo: TufRepository, name: str) -> None:
    before = repo.versions()
    with pytest.raises(FormatError, match="target name"):
        repo.publish({name: b"data"})
    assert repo.versions() == before


async def _raw_get(app: Any, raw_path: bytes) -> tuple[int, bytes]:
    """Send ``GET raw_path`` straight to the ASGI app, with no client-side URL normalisation."""
    from urllib.parse import unquote_to_bytes

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote_to_bytes(raw_path).decode("latin-1"),
        "raw_path": raw_path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body
