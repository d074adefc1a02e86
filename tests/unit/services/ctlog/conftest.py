"""A CT log over a temporary data directory, served by Starlette's TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from sigstack.services.ctlog import CTLog, CTLogSettings, create_app, open_ctlog
from tests.unit.services.ctlog._pki import NOW, PKI


class Clock:
    """A clock the test moves by hand (ms resolution matters for SCT timestamps)."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def pki() -> PKI:
    return PKI.make()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctlog(tmp_path: Path, pki: PKI, clock: Clock) -> CTLog:
    return open_ctlog(
        tmp_path,
        accepted_roots=[pki.root],
        settings=CTLogSettings(max_get_entries=3),
        clock=clock,
        synchronous="NORMAL",
    )


@pytest.fixture
def client(ctlog: CTLog) -> Iterator[TestClient]:
    with TestClient(create_app(ctlog), raise_server_exceptions=False) as client:
        yield client
