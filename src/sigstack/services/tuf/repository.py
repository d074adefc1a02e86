"""The TUF repository that distributes the Sigstore trust root (ca-tsa-oidc-tuf.md §11).

Built with python-tuf's Metadata API (§11.5): the four top-level roles of the TUF
specification (§2.1), one Ed25519 key each, threshold 1, ``consistent_snapshot: true``
(§6.2). A private deployment holds every key online, so the repository signs on its own:

* :meth:`TufRepository.publish` replaces the target set (``trusted_root.json``,
  ``signing_config.v0.2.json``, …) and, only when it differs, signs new targets,
  snapshot and timestamp versions (§4.4-§4.6);
* :meth:`TufRepository.refresh` re-signs any role within :attr:`TufExpiry.refresh_margin`
  of its expiry, so clients never see expired metadata (§5.3.10, §5.4.4, §5.5.6, §5.6.5)
  while the stack runs — the scaffolding deployments' 6-month expiry (§11.4) is gone.

Every write goes through an exclusive file lock and re-reads the metadata from disk
first, so a second process (``sigstack rotate``) may publish while ``sigstack up`` runs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from securesystemslib.signer import CryptoSigner  # type: ignore[attr-defined]
from tuf.api.metadata import (  # type: ignore[attr-defined]
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization import DeserializationError
from tuf.api.serialization.json import JSONSerializer

from sigstack.errors import FormatError, StorageError
from sigstack.services._keyfiles import load_or_create_ed25519_key
from sigstack.services.tuf._layout import ROLES, check_target_name, exclusive_lock, write_public
from sigstack.services.tuf.expiry import TufExpiry

__all__ = ["TufRepository", "open_repository"]

log = logging.getLogger("sigstack.services.tuf")

_S = TypeVar("_S", Root, Targets, Snapshot, Timestamp)
_ROOT_FILE = re.compile(r"([1-9][0-9]*)\.root\.json")
_SERIALIZER = JSONSerializer(compact=False)


@dataclass
class _State:
    """The current metadata of the four roles, as read from disk."""

    root: Metadata[Root]
    targets: Metadata[Targets]
    snapshot: Metadata[Snapshot]
    timestamp: Metadata[Timestamp]


@dataclass
class TufRepository:
    """A TUF repository in ``directory`` whose four role keys are ``signers``.

    Use :func:`open_repository`; it creates the repository on first use.
    """

    directory: Path
    signers: Mapping[str, CryptoSigner]
    clock: Callable[[], datetime]
    expiry: TufExpiry = field(default_factory=TufExpiry)
    _mutex: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def root_path(self) -> Path:
        """``DATA/tuf/root.json``: the newest root, the file clients bootstrap from."""
        return self.directory / "root.json"

    @property
    def metadata_dir(self) -> Path:
        """The directory served at the repository URL (see ``_layout``)."""
        return self.directory / "repository"

    def versions(self) -> dict[str, int]:
        """The current version of each role's metadata."""
        with self._locked() as state:
            return {role: getattr(state, role).signed.version for role in ROLES}

    def publish(self, targets: Mapping[str, bytes]) -> bool:
        """Make ``targets`` (name → content) the repository's complete target set.

        Target files are written as ``targets/<sha256>.<name>`` (consistent snapshots,
        TUF §5.7). New targets, snapshot and timestamp versions are signed only when
        the set differs from the published one; returns whether it did.
        """
        files = {
            check_target_name(name): TargetFile.from_data(name, bytes(data), ["sha256"])
            for name, data in targets.items()
        }
        with self._locked() as state:
            for name, info in files.items():
                path = self.metadata_dir / "targets" / f"{info.hashes['sha256']}.{name}"
                if not path.is_file():
                    write_public(path, bytes(targets[name]))
            if files == state.targets.signed.targets:
                return False
            now = self._now()
            state.targets.signed.targets = files
            self._renew(state.targets, "targets", now)
            self._renew_snapshot_and_timestamp(state, now)
            log.info("TUF: published targets v%d", state.targets.signed.version)
            return True

    def refresh(self) -> bool:
        """Re-sign every role close to expiry (and the roles above it); returns whether any was."""
        with self._locked() as state:
            now = self._now()
            resigned = False
            if self.expiry.due("root", state.root.signed.expires, now):
                self._renew(state.root, "root", now)
                resigned = True
            if self.expiry.due("targets", state.targets.signed.expires, now):
                self._renew(state.targets, "targets", now)
                self._renew_snapshot_and_timestamp(state, now)
                resigned = True
            elif self.expiry.due("snapshot", state.snapshot.signed.expires, now):
                self._renew_snapshot_and_timestamp(state, now)
                resigned = True
            elif self.expiry.due("timestamp", state.timestamp.signed.expires, now):
                state.timestamp.signed.snapshot_meta = MetaFile(state.snapshot.signed.version)
                self._renew(state.timestamp, "timestamp", now)
                resigned = True
            if resigned:
                log.info("TUF: re-signed metadata, now %s", _describe(state))
            return resigned

    async def keep_fresh(self, interval: float = 60.0) -> None:
        """Call :meth:`refresh` every ``interval`` seconds until cancelled (the stack's task)."""
        while True:
            try:
                await asyncio.to_thread(self.refresh)
            except Exception:
                log.exception("TUF: refreshing the repository metadata failed; will retry")
            await asyncio.sleep(interval)

    # -- internals ---------------------------------------------------------------------

    def _now(self) -> datetime:
        return self.clock().astimezone(UTC)

    @contextmanager
    def _locked(self) -> Iterator[_State]:
        with self._mutex, exclusive_lock(self.directory / ".lock"):
            yield self._load_or_create()

    def _renew(self, md: Metadata[_S], role: str, now: datetime) -> None:
        """Bump ``md``'s version, extend its expiry, sign it and write it (TUF §4.2)."""
        md.signed.version += 1
        md.signed.expires = now + self.expiry.lifetime(role)
        self._write(md, role)

    def _renew_snapshot_and_timestamp(self, state: _State, now: datetime) -> None:
        state.snapshot.signed.meta["targets.json"] = MetaFile(state.targets.signed.version)
        self._renew(state.snapshot, "snapshot", now)
        state.timestamp.signed.snapshot_meta = MetaFile(state.snapshot.signed.version)
        self._renew(state.timestamp, "timestamp", now)
        self._prune_snapshots(state.snapshot.signed.version)

    def _write(self, md: Metadata[_S], role: str) -> None:
        md.sign(self.signers[role])
        data = md.to_bytes(_SERIALIZER)
        name = "timestamp.json" if role == "timestamp" else f"{md.signed.version}.{role}.json"
        write_public(self.metadata_dir / name, data)
        if role == "root":
            write_public(self.root_path, data)

    def _prune_snapshots(self, current: int) -> None:
        """Drop snapshots older than the previous one (a client mid-update may still want it)."""
        for path in self.metadata_dir.glob("*.snapshot.json"):
            version = path.name.split(".", 1)[0]
            if version.isdigit() and int(version) < current - 1:
                path.unlink(missing_ok=True)

    def _load_or_create(self) -> _State:
        """Read the current metadata; sign the missing parts of a new repository first."""
        now = self._now()
        roots = [
            int(m.group(1))
            for p in self.metadata_dir.glob("*.root.json")
            if (m := _ROOT_FILE.fullmatch(p.name))
        ]
        if roots:
            root = _read(self.metadata_dir / f"{max(roots)}.root.json", Root)
        else:
            root = Metadata(Root(expires=now + self.expiry.root, consistent_snapshot=True))
            for role in ROLES:
                root.signed.add_key(self.signers[role].public_key, role)
            self._write(root, "root")
        self._check_keys(root)
        if not (self.metadata_dir / "timestamp.json").is_file():
            # A new repository (or one whose first start stopped before the timestamp,
            # so no client can have seen the rest): targets, snapshot, timestamp v1.
            targets = Metadata(Targets(expires=now + self.expiry.targets))
            snapshot = Metadata(Snapshot(expires=now + self.expiry.snapshot))
            timestamp = Metadata(Timestamp(expires=now + self.expiry.timestamp))
            self._write(targets, "targets")
            self._write(snapshot, "snapshot")
            self._write(timestamp, "timestamp")
            return _State(root, targets, snapshot, timestamp)
        timestamp = _read(self.metadata_dir / "timestamp.json", Timestamp)
        snap_version = timestamp.signed.snapshot_meta.version
        snapshot = _read(self.metadata_dir / f"{snap_version}.snapshot.json", Snapshot)
        targets_meta = snapshot.signed.meta.get("targets.json")
        if targets_meta is None:
            raise FormatError(f"{snap_version}.snapshot.json does not list targets.json")
        targets = _read(self.metadata_dir / f"{targets_meta.version}.targets.json", Targets)
        return _State(root, targets, snapshot, timestamp)

    def _check_keys(self, root: Metadata[Root]) -> None:
        for role in ROLES:
            keyid = self.signers[role].public_key.keyid
            if keyid not in root.signed.roles[role].keyids:
                raise FormatError(
                    f"the {role} key (key id {keyid}) is not the one root v{root.signed.version} "
                    f"names for {role} ({sorted(root.signed.roles[role].keyids)}): "
                    f"the key file does not belong to this repository"
                )


def _read(path: Path, kind: type[_S]) -> Metadata[_S]:
    try:
        md = Metadata[_S].from_bytes(path.read_bytes())
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc}") from exc
    except DeserializationError as exc:
        raise FormatError(f"{path} is not TUF metadata: {exc}") from exc
    if not isinstance(md.signed, kind):
        raise FormatError(f"{path}: expected {kind.type} metadata, found {md.signed.type}")
    return md


def _describe(state: _State) -> str:
    return ", ".join(
        f"{role} v{md.signed.version} until {md.signed.expires:%Y-%m-%dT%H:%M:%SZ}"
        for role, md in (
            ("root", state.root),
            ("targets", state.targets),
            ("snapshot", state.snapshot),
            ("timestamp", state.timestamp),
        )
    )


def open_repository(
    directory: Path,
    *,
    clock: Callable[[], datetime],
    expiry: TufExpiry = TufExpiry(),  # noqa: B008 - frozen: sharing the default is safe
    keys_dir: Path | None = None,
) -> TufRepository:
    """The repository in ``directory`` (``DATA/tuf``), created and signed on first use.

    The role keys are ``keys_dir/tuf-<role>.pem`` (default ``DATA/keys``, beside the
    other services' keys): Ed25519, generated once with mode 0600 and reused, so the
    root clients bootstrapped from stays valid across restarts. Metadata close to
    expiry is re-signed before this returns.
    """
    keys = keys_dir if keys_dir is not None else directory.parent / "keys"
    signers = {
        role: CryptoSigner(load_or_create_ed25519_key(keys / f"tuf-{role}.pem")) for role in ROLES
    }
    repository = TufRepository(directory, signers, clock, expiry)
    repository.refresh()
    return repository
