"""sigstack.clients.tuf against sigstack's own TUF repository served over loopback HTTP.

The repository (``services.tuf``) is served by uvicorn in a thread, mounted at ``/tuf``
as ``sigstack up`` does; the client is python-tuf's ``ngclient`` (ca-tsa-oidc-tuf.md §11.2).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from sigstack.clients.tuf import TrustDocuments, instance_dir, refresh, trust_instance
from sigstack.clock import utc_now
from sigstack.errors import FormatError, NetworkError, VerificationError
from sigstack.services.tuf import TufRepository, create_app, open_repository
from tests.integration._live import ServedApp, serve_app

FIXTURES = Path("/work/shared/trust/staging")
TARGETS = {
    "trusted_root.json": (FIXTURES / "trusted_root.json").read_bytes(),
    "signing_config.v0.2.json": (FIXTURES / "signing_config.v0.2.json").read_bytes(),
}


@dataclass
class Served:
    repo: TufRepository
    url: str
    app: ServedApp

    def stop(self) -> None:
        self.app.stop()


def _serve(directory: Path) -> Served:
    repo = open_repository(directory, clock=utc_now)
    repo.publish(TARGETS)
    running = serve_app(Starlette(routes=[Mount("/tuf", create_app(repo))]))
    return Served(repo, f"http://127.0.0.1:{running.port}/tuf", running)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = _serve(tmp_path / "served" / "tuf")
    try:
        yield running
    finally:
        running.stop()


def test_trust_instance_then_refresh_follows_a_republished_target(
    served: Served, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = trust_instance(served.url, served.repo.root_path.read_bytes(), cache)
    assert (first.trusted_root, first.origin) == (TARGETS["trusted_root.json"], "tuf")
    assert first.signing_config == TARGETS["signing_config.v0.2.json"]

    republished = json.dumps(json.loads(TARGETS["trusted_root.json"]), indent=1).encode()
    assert served.repo.publish({**TARGETS, "trusted_root.json": republished}) is True
    again = refresh(served.url, cache)
    assert again.trusted_root == republished and again.origin == "tuf" and again.warning is None


def test_unreachable_repository_uses_the_cache_then_the_fallback(
    served: Served, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    trust_instance(served.url, served.repo.root_path.read_bytes(), cache)
    served.stop()
    cached = refresh(served.url, cache, timeout=2)
    assert cached.origin == "cache" and cached.trusted_root == TARGETS["trusted_root.json"]
    assert cached.warning is not None and "using the cached copy" in cached.warning
    assert "\n" not in cached.warning

    fallback = TrustDocuments(b"{}", b"{}", "embedded")
    other = "http://127.0.0.1:9/tuf"  # nothing listens on the discard port
    embedded = refresh(other, cache, bootstrap=served.repo.root_path.read_bytes(),
                       fallback=fallback, timeout=2)  # fmt: skip
    assert embedded.origin == "embedded" and "using the embedded copy" in (embedded.warning or "")
    with pytest.raises(NetworkError, match="cannot reach the TUF repository"):
        refresh(other, tmp_path / "empty", bootstrap=served.repo.root_path.read_bytes(), timeout=2)


def test_a_root_from_another_repository_is_refused_and_nothing_is_kept(
    served: Served, tmp_path: Path
) -> None:
    foreign = open_repository(tmp_path / "other" / "tuf", clock=utc_now)  # own keys
    foreign.publish(TARGETS)
    cache = tmp_path / "cache"
    with pytest.raises(VerificationError, match="does not verify with this root"):
        trust_instance(served.url, foreign.root_path.read_bytes(), cache)
    assert not instance_dir(cache, served.url).exists()
    assert [p.name for p in cache.iterdir()] == []
    with pytest.raises(FormatError, match=r"run `sigstack trust-instance ROOT\.json"):
        refresh(served.url, cache)


def test_what_is_not_a_tuf_root_is_refused(served: Served, tmp_path: Path) -> None:
    timestamp = (served.repo.metadata_dir / "timestamp.json").read_bytes()
    with pytest.raises(FormatError, match=r"expected a TUF root\.json, found timestamp metadata"):
        trust_instance(served.url, timestamp, tmp_path / "cache")
    with pytest.raises(FormatError, match=r"expected a TUF root\.json"):
        trust_instance(served.url, b"{}", tmp_path / "cache")
    with pytest.raises(FormatError, match="expected an http"):
        trust_instance("ftp://example.com", served.repo.root_path.read_bytes(), tmp_path)
