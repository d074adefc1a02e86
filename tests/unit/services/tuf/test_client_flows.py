"""A real python-tuf client against the repository: bootstrap, updates, expiry, re-signing."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from tuf.api.exceptions import ExpiredMetadataError

from sigstack.clock import utc_now
from sigstack.errors import FormatError
from sigstack.services.tuf import TufExpiry, TufRepository, create_app, open_repository

from .conftest import BASE, SIGNING_CONFIG, TARGETS, TRUSTED_ROOT, Client, FakeClock


def test_client_bootstraps_and_verifies_both_targets(
    repo: TufRepository, make_client: Callable[[], Client]
) -> None:
    assert repo.publish(TARGETS) is True
    client = make_client()
    updater, fetcher = client.updater()
    for name, content in TARGETS.items():
        info = updater.get_targetinfo(name)
        assert info is not None
        assert Path(updater.download_target(info)).read_bytes() == content
    # The request order of a consistent-snapshot repository (ca-tsa-oidc-tuf.md §11.2).
    digest = hashlib.sha256(TRUSTED_ROOT).hexdigest()
    config_digest = hashlib.sha256(SIGNING_CONFIG).hexdigest()
    assert fetcher.requests == [
        "/2.root.json",
        "/timestamp.json",
        "/2.snapshot.json",
        "/2.targets.json",
        f"/targets/{digest}.trusted_root.json",
        f"/targets/{config_digest}.signing_config.v0.2.json",
    ]
    assert (
        repo.metadata_dir / "targets" / f"{digest}.trusted_root.json"
    ).read_bytes() == TRUSTED_ROOT


def test_root_json_is_the_first_root_and_declares_consistent_snapshots(repo: TufRepository) -> None:
    root = json.loads(repo.root_path.read_bytes())
    assert repo.root_path.read_bytes() == (repo.metadata_dir / "1.root.json").read_bytes()
    assert root["signed"]["_type"] == "root"
    assert root["signed"]["consistent_snapshot"] is True
    assert set(root["signed"]["roles"]) == {"root", "targets", "snapshot", "timestamp"}
    assert all(k["keytype"] == "ed25519" for k in root["signed"]["keys"].values())


def test_publishing_the_same_content_twice_changes_nothing(repo: TufRepository) -> None:
    assert repo.publish(TARGETS) is True
    before = repo.versions()
    files = {p.name: p.read_bytes() for p in repo.metadata_dir.rglob("*") if p.is_file()}
    assert repo.publish(dict(reversed(list(TARGETS.items())))) is False
    assert repo.versions() == before
    assert {p.name: p.read_bytes() for p in repo.metadata_dir.rglob("*") if p.is_file()} == files


def test_new_content_gives_new_versions_the_client_picks_up(
    repo: TufRepository, make_client: Callable[[], Client]
) -> None:
    repo.publish(TARGETS)
    client = make_client()
    assert client.download("trusted_root.json") == TRUSTED_ROOT
    v1 = repo.versions()

    rotated = TRUSTED_ROOT + b" "
    assert repo.publish({**TARGETS, "trusted_root.json": rotated}) is True
    v2 = repo.versions()
    assert v2 == {
        **v1,
        "targets": v1["targets"] + 1,
        "snapshot": v1["snapshot"] + 1,
        "timestamp": v1["timestamp"] + 1,
    }
    assert client.download("trusted_root.json") == rotated
    assert client.download("signing_config.v0.2.json") == SIGNING_CONFIG


def test_a_target_left_out_of_a_publish_is_gone(
    repo: TufRepository, make_client: Callable[[], Client]
) -> None:
    repo.publish(TARGETS)
    repo.publish({"trusted_root.json": TRUSTED_ROOT})
    client = make_client()
    assert client.download("signing_config.v0.2.json") is None
    assert client.download("trusted_root.json") == TRUSTED_ROOT


def test_refresh_resigns_the_timestamp_near_expiry_and_the_client_accepts_it(
    data_dir: Path, tmp_path: Path
) -> None:
    # Created 23 hours ago: the 1-day timestamp has 1 hour left (under the 12-hour margin).
    clock = FakeClock(utc_now() - timedelta(hours=23))
    repo = open_repository(data_dir / "tuf", clock=clock)
    repo.publish(TARGETS)
    before = repo.versions()
    clock.advance(timedelta(hours=23))
    assert repo.refresh() is True
    after = repo.versions()
    assert after == {**before, "timestamp": before["timestamp"] + 1}
    assert repo.refresh() is False

    timestamp = json.loads((repo.metadata_dir / "timestamp.json").read_bytes())["signed"]
    expires = datetime.strptime(timestamp["expires"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert expires - clock.now > timedelta(hours=23)
    client = _client(repo, tmp_path)
    assert client.download("trusted_root.json") == TRUSTED_ROOT


def test_an_expired_timestamp_is_refused_by_the_client_until_refreshed(
    data_dir: Path, tmp_path: Path
) -> None:
    clock = FakeClock(utc_now() - timedelta(days=2))
    repo = open_repository(data_dir / "tuf", clock=clock)
    repo.publish(TARGETS)
    clock.advance(timedelta(days=2))  # no refresh: the timestamp expired a day ago
    client = _client(repo, tmp_path)
    with pytest.raises(ExpiredMetadataError, match=r"timestamp\.json is expired"):
        client.updater()
    assert repo.refresh() is True
    assert client.download("trusted_root.json") == TRUSTED_ROOT


def test_refresh_renews_snapshot_then_targets_then_root(data_dir: Path, tmp_path: Path) -> None:
    clock = FakeClock(utc_now() - timedelta(days=200))
    repo = open_repository(data_dir / "tuf", clock=clock)
    repo.publish(TARGETS)
    client = _client(repo, tmp_path)  # bootstraps from root v1
    start = repo.versions()

    clock.advance(timedelta(days=4))  # snapshot (7 d) past half its life
    assert repo.refresh() is True
    v = repo.versions()
    assert (v["targets"], v["snapshot"]) == (start["targets"], start["snapshot"] + 1)

    clock.now = utc_now()  # targets expired 20 days ago, root past half its life
    assert repo.refresh() is True
    v = repo.versions()
    assert v["root"] == 2 and v["targets"] == start["targets"] + 1
    assert json.loads(repo.root_path.read_bytes())["signed"]["version"] == 2
    updater, fetcher = client.updater()
    assert fetcher.requests[:2] == ["/2.root.json", "/3.root.json"]
    info = updater.get_targetinfo("trusted_root.json")
    assert info is not None
    # Only the current and the previous snapshot are kept.
    snapshots = sorted(p.name for p in repo.metadata_dir.glob("*.snapshot.json"))
    assert snapshots == [f"{v['snapshot'] - 1}.snapshot.json", f"{v['snapshot']}.snapshot.json"]


def test_opening_resigns_what_expired_while_the_stack_was_down(
    data_dir: Path, tmp_path: Path
) -> None:
    clock = FakeClock(utc_now() - timedelta(days=10))
    repo = open_repository(data_dir / "tuf", clock=clock)
    repo.publish(TARGETS)
    clock.now = utc_now()
    reopened = open_repository(data_dir / "tuf", clock=clock)
    assert reopened.versions()["snapshot"] == repo.versions()["snapshot"]
    assert _client(reopened, tmp_path).download("trusted_root.json") == TRUSTED_ROOT


def test_two_handles_on_one_directory_do_not_undo_each_other(
    data_dir: Path, repo: TufRepository, clock: FakeClock, make_client: Callable[[], Client]
) -> None:
    other = open_repository(data_dir / "tuf", clock=clock)  # e.g. `sigstack rotate`
    other.publish(TARGETS)
    clock.advance(timedelta(hours=13))
    assert repo.refresh() is True  # re-reads the other handle's targets first
    assert make_client().download("signing_config.v0.2.json") == SIGNING_CONFIG


async def test_keep_fresh_refreshes_in_the_background(data_dir: Path) -> None:
    clock = FakeClock()
    repo = open_repository(data_dir / "tuf", clock=clock)
    before = repo.versions()["timestamp"]
    task = asyncio.create_task(repo.keep_fresh(interval=0.01))
    clock.advance(timedelta(hours=13))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if repo.versions()["timestamp"] > before:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert repo.versions()["timestamp"] == before + 1


def test_expiry_settings_are_checked() -> None:
    with pytest.raises(FormatError, match="refresh_margin"):
        TufExpiry(refresh_margin=1.5)
    with pytest.raises(FormatError, match="timestamp lifetime"):
        TufExpiry(timestamp=timedelta(0))


def _client(repo: TufRepository, tmp_path: Path) -> Client:
    http = TestClient(create_app(repo), base_url=BASE)
    return Client(tmp_path / "client", http, repo.root_path.read_bytes())
