"""The real sigstore-python CLI bootstraps from, and updates through, sigstack's TUF repository.

``sigstore --instance URL trust-instance DATA/tuf/root.json`` (sigstore-clients.md §1.1)
runs python-tuf's client against the repository served over loopback HTTP, then parses
the two targets it downloaded (ca-tsa-oidc-tuf.md §11.2). Its caches live under the
platformdirs of ``HOME``: metadata in ``~/.local/share/sigstore-python/tuf/<quoted URL>/``,
verified targets in ``~/.cache/sigstore-python/tuf/<quoted URL>/``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from sigstack.clock import utc_now
from sigstack.services.tuf import TufRepository, create_app, open_repository
from tests.integration._live import serve_app
from tests.peers import run_sigstore

FIXTURES = Path("/work/shared/trust/staging")
TRUSTED_ROOT = (FIXTURES / "trusted_root.json").read_bytes()
SIGNING_CONFIG = (FIXTURES / "signing_config.v0.2.json").read_bytes()
TARGETS = {"trusted_root.json": TRUSTED_ROOT, "signing_config.v0.2.json": SIGNING_CONFIG}


@dataclass
class Served:
    repo: TufRepository
    url: str


@pytest.fixture(params=["", "/tuf"], ids=["at-root", "mounted-at-tuf"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """The repository served alone by uvicorn (in a thread) on a free loopback port."""
    repo = open_repository(tmp_path / "data" / "tuf", clock=utc_now)
    repo.publish(TARGETS)
    prefix: str = request.param
    app = create_app(repo) if not prefix else Starlette(routes=[Mount(prefix, create_app(repo))])
    running = serve_app(app)
    try:
        yield Served(repo, f"http://127.0.0.1:{running.port}{prefix}")
    finally:
        running.stop()


def sigstore(home: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the judge's ``sigstore --instance url ...`` with ``HOME`` at ``home``."""
    return run_sigstore(home, "--instance", url, *args)


def caches(home: Path, url: str) -> tuple[Path, Path]:
    """sigstore-python's TUF metadata dir and target cache for ``url`` (``_internal/tuf.py``)."""
    quoted = quote(url, safe="")
    return (
        home / ".local" / "share" / "sigstore-python" / "tuf" / quoted,
        home / ".cache" / "sigstore-python" / "tuf" / quoted,
    )


def test_trust_instance_bootstraps_and_caches_both_targets(served: Served, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    done = sigstore(home, served.url, "trust-instance", str(served.repo.root_path))
    assert done.returncode == 0, done.stderr

    metadata, targets = caches(home, served.url)
    assert (targets / "trusted_root.json").read_bytes() == TRUSTED_ROOT
    assert (targets / "signing_config.v0.2.json").read_bytes() == SIGNING_CONFIG
    versions = served.repo.versions()
    for role in ("root", "timestamp", "snapshot", "targets"):
        cached = json.loads((metadata / f"{role}.json").read_bytes())
        assert cached["signed"]["version"] == versions[role], role
    assert (metadata / "root.json").read_bytes() == served.repo.root_path.read_bytes()


def test_the_cli_picks_up_a_republished_trust_root(served: Served, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    first = sigstore(home, served.url, "trust-instance", str(served.repo.root_path))
    assert first.returncode == 0, first.stderr

    republished = json.dumps(json.loads(TRUSTED_ROOT), indent=1).encode() + b"\n"
    assert served.repo.publish({**TARGETS, "trusted_root.json": republished}) is True
    done = sigstore(home, served.url, "plumbing", "update-trust-root")
    assert done.returncode == 0, done.stderr
    assert "Trust root & signing config updated" in done.stdout + done.stderr

    metadata, targets = caches(home, served.url)
    assert (targets / "trusted_root.json").read_bytes() == republished
    cached = json.loads((metadata / "targets.json").read_bytes())
    assert cached["signed"]["version"] == served.repo.versions()["targets"]


def test_trust_instance_refuses_a_root_from_another_repository(
    served: Served, tmp_path: Path
) -> None:
    stranger = open_repository(tmp_path / "other" / "tuf", clock=utc_now)
    home = tmp_path / "home"
    home.mkdir()
    done = sigstore(home, served.url, "trust-instance", str(stranger.root_path))
    assert done.returncode != 0
    assert "Failed to refresh TUF metadata" in done.stdout + done.stderr
    _, targets = caches(home, served.url)
    assert not (targets / "trusted_root.json").exists()
