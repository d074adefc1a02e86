"""A TUF repository on a fake clock, and a real python-tuf client that reads it in process.

The client (``tuf.ngclient.Updater``) checks expiry against the real wall clock, so the
fake clock starts at the real time plus an offset each test chooses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tuf.api.exceptions import DownloadHTTPError
from tuf.ngclient import FetcherInterface, Updater  # type: ignore[attr-defined]

from sigstack.clock import utc_now
from sigstack.services.tuf import TufRepository, create_app, open_repository

BASE = "http://testserver"

TRUSTED_ROOT = b'{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}\n'
SIGNING_CONFIG = b'{"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json"}\n'
TARGETS = {"trusted_root.json": TRUSTED_ROOT, "signing_config.v0.2.json": SIGNING_CONFIG}


@dataclass
class FakeClock:
    """A clock tests move by hand."""

    now: datetime = field(default_factory=lambda: utc_now())

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


class AppFetcher(FetcherInterface):
    """python-tuf's fetcher, backed by the ASGI app instead of sockets."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.requests: list[str] = []

    def _fetch(self, url: str) -> Iterator[bytes]:
        response = self.client.get(url)
        self.requests.append(response.request.url.path)
        if response.status_code != 200:
            raise DownloadHTTPError(f"GET {url}: {response.status_code}", response.status_code)
        return iter([response.content])


@dataclass
class Client:
    """One TUF client installation: a metadata dir bootstrapped once, a target cache."""

    root: Path
    http: TestClient
    bootstrap: bytes

    def updater(self) -> tuple[Updater, AppFetcher]:
        """A refreshed updater (bootstrapped on the first call only, as sigstore-python does)."""
        metadata = self.root / "metadata"
        first = not metadata.exists()
        metadata.mkdir(parents=True, exist_ok=True)
        (self.root / "targets").mkdir(exist_ok=True)
        fetcher = AppFetcher(self.http)
        updater = Updater(
            metadata_dir=str(metadata),
            metadata_base_url=BASE,
            target_base_url=f"{BASE}/targets/",
            target_dir=str(self.root / "targets"),
            fetcher=fetcher,
            bootstrap=self.bootstrap if first else None,
        )
        updater.refresh()
        return updater, fetcher

    def download(self, name: str) -> bytes | None:
        """The verified content of target ``name`` (None if the repository has no such target)."""
        updater, _ = self.updater()
        info = updater.get_targetinfo(name)
        if info is None:
            return None
        return Path(updater.download_target(info)).read_bytes()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def repo(data_dir: Path, clock: FakeClock) -> TufRepository:
    return open_repository(data_dir / "tuf", clock=clock)


@pytest.fixture
def http(repo: TufRepository) -> Iterator[TestClient]:
    with TestClient(create_app(repo), base_url=BASE) as client:
        yield client


@pytest.fixture
def make_client(tmp_path: Path, http: TestClient, repo: TufRepository) -> Callable[[], Client]:
    """A new client installation, bootstrapped from the repository's current root.json."""
    count = 0

    def make() -> Client:
        nonlocal count
        count += 1
        return Client(tmp_path / f"client{count}", http, repo.root_path.read_bytes())

    return make
