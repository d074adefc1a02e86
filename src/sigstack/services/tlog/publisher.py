"""Stage 3, PUBLISH: sign a checkpoint once per new tree size, store it, cache it.

Rekor v1 re-signed a checkpoint on every read (transparency-log.md §1.5); here a
size is signed once and every response reuses the cached note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sigstack.core.note.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from sigstack.core.note.signed_note import NoteSigner, parse_signed_note
from sigstack.services.tlog.integrator import TreeSnapshot
from sigstack.services.tlog.storage import LogStorage

__all__ = ["Published", "Publisher"]


@dataclass(frozen=True, slots=True)
class Published:
    """A signed checkpoint and the tree it commits to."""

    checkpoint: Checkpoint
    note: str
    tree: TreeSnapshot

    @property
    def size(self) -> int:
        """Tree size of the checkpoint."""
        return self.checkpoint.size


class Publisher:
    """Signs and stores checkpoints for one log."""

    def __init__(
        self,
        storage: LogStorage,
        origin: str,
        signers: Sequence[NoteSigner],
        extensions: tuple[str, ...] = (),
    ) -> None:
        self._storage = storage
        self._origin = origin
        self._signers = tuple(signers)
        self._extensions = extensions

    def publish(self, tree: TreeSnapshot, previous: Published | None) -> Published:
        """The checkpoint for ``tree``: the previous one if the size did not change."""
        if previous is not None and previous.size == tree.size:
            return Published(previous.checkpoint, previous.note, tree)
        checkpoint = Checkpoint(self._origin, tree.size, tree.root, self._extensions)
        note = sign_checkpoint(checkpoint, self._signers)
        self._storage.put_checkpoint(tree.size, note)
        return Published(checkpoint, note, tree)


def restore(storage: LogStorage, tree: TreeSnapshot) -> Published | None:
    """The stored checkpoint for the current tree size, if one was published before a restart."""
    latest = storage.latest_checkpoint()
    if latest is None or latest[0] != tree.size:
        return None
    note = latest[1]
    checkpoint = parse_checkpoint(parse_signed_note(note).text)
    return Published(checkpoint, note, tree)
