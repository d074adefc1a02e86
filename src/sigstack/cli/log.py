"""``sigstack log ...``: read a Rekor v1 log like rekor-cli, but verify every answer.

Thin: parse → :mod:`sigstack.clients.tlog` → :mod:`sigstack.core.tlog.verify` → render
(short human text, or ``--json``). Nothing the log says is printed as fact before it
verifies against the log key:

* ``info`` — the signed tree head (checkpoint signature; size and root match it);
* ``get`` / ``proof`` — SignedEntryTimestamp, checkpoint signature, inclusion proof;
* ``verify-consistency`` — two signed checkpoints and the consistency proof between them.

The log key comes from ``--log-key``, else the local stack's own key
(``$SIGSTACK_HOME/keys/rekor-v1.pem`` or ``~/.sigstack/keys/rekor-v1.pem``), else the
server itself — which is then said loudly, since a key fetched from the server proves only
that the server agrees with itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from sigstack.clients.tlog import RekorV1Client
from sigstack.core.keys import PublicKey, load_public_key
from sigstack.core.note.checkpoint import Checkpoint
from sigstack.core.tlog.verify import (
    VerifiedEntryV1,
    describe_key,
    log_key_id,
    verify_checkpoint_consistency,
    verify_checkpoint_v1,
    verify_log_entry_v1,
    verify_log_info_v1,
)
from sigstack.errors import FormatError, StorageError, VerificationError

__all__ = ["DEFAULT_LOG_URL", "register"]

DEFAULT_LOG_URL = "http://127.0.0.1:8080"
_LOCAL_KEY = Path("keys") / "rekor-v1.pem"


# -- arguments ------------------------------------------------------------------------------


def _non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, found {text!r}")
    return int(text)


def register(commands: Any) -> None:
    """Add the ``log`` command group."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--log-url", default=DEFAULT_LOG_URL, help=f"Rekor v1 log URL (default {DEFAULT_LOG_URL})"
    )
    common.add_argument(
        "--log-key",
        type=Path,
        default=None,
        metavar="FILE",
        help="PEM public key of the log to verify against (default: the local stack's key, "
        "else the server's own, unpinned)",
    )
    common.add_argument("--json", action="store_true", help="print JSON for machines")

    log = commands.add_parser(
        "log", help="query a transparency log (Rekor v1 API) and verify its answers"
    )
    sub = log.add_subparsers(dest="log_command", metavar="COMMAND", required=True)

    info = sub.add_parser("info", parents=[common], help="verify and show the signed tree head")
    info.add_argument(
        "--save-checkpoint", type=Path, metavar="FILE", help="write the verified checkpoint here"
    )
    info.set_defaults(handler=_info)

    get = sub.add_parser("get", parents=[common], help="fetch one entry and verify it")
    which = get.add_mutually_exclusive_group(required=True)
    which.add_argument("--index", type=_non_negative, help="log index")
    which.add_argument("--uuid", help="64-hex UUID or 80-hex entry ID")
    get.set_defaults(handler=_get)

    search = sub.add_parser(
        "search",
        parents=[common],
        help="list entry UUIDs from the log's search index (kept in step with the log, but"
        " a server could omit results: --verify checks each one it returns)",
    )
    search.add_argument("--sha256", metavar="HEX", help="artifact digest")
    search.add_argument("--email", help="email in a signing certificate")
    search.add_argument("--public-key", type=Path, metavar="FILE", help="PEM key or certificate")
    search.add_argument("--subject", help="subject alternative name in a signing certificate")
    search.add_argument("--operator", choices=["and", "or"], default="or")
    search.add_argument("--verify", action="store_true", help="fetch and verify every result")
    search.set_defaults(handler=_search)

    proof = sub.add_parser(
        "proof", parents=[common], help="show and verify the inclusion proof of an entry"
    )
    proof.add_argument("--index", type=_non_negative, required=True, help="log index")
    proof.set_defaults(handler=_proof)

    consistency = sub.add_parser(
        "verify-consistency",
        parents=[common],
        help="verify that the log at a later size extends an earlier signed checkpoint",
    )
    start = consistency.add_mutually_exclusive_group(required=True)
    start.add_argument(
        "--from", dest="from_size", type=_non_negative, metavar="SIZE", help="earlier tree size"
    )
    start.add_argument(
        "--from-checkpoint", type=Path, metavar="FILE", help="earlier signed checkpoint note"
    )
    consistency.add_argument(
        "--to",
        dest="to_size",
        type=_non_negative,
        metavar="SIZE",
        help="later size (default: latest)",
    )
    consistency.add_argument(
        "--save-checkpoint", type=Path, metavar="FILE", help="write the later checkpoint here"
    )
    consistency.set_defaults(handler=_verify_consistency)


# -- the log key ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _LogKey:
    key: PublicKey
    source: str
    pinned: bool

    def describe(self) -> str:
        pin = "pinned" if self.pinned else "NOT pinned"
        return f"log key {describe_key(self.key)} ({self.source}; {pin})"

    def as_json(self) -> dict[str, Any]:
        return {"id": log_key_id(self.key).hex(), "source": self.source, "pinned": self.pinned}


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _local_key_file() -> Path | None:
    home = os.environ.get("SIGSTACK_HOME")
    path = (Path(home) if home else Path.home() / ".sigstack") / _LOCAL_KEY
    return path if path.is_file() else None


def _resolve_key(args: argparse.Namespace, client: RekorV1Client) -> _LogKey:
    if args.log_key is not None:
        key, _ = load_public_key(_read(args.log_key), field=str(args.log_key))
        return _LogKey(key, f"from {args.log_key}", pinned=True)
    local = _local_key_file()
    if local is not None:
        try:
            private = serialization.load_pem_private_key(_read(local), password=None)
        except (ValueError, TypeError) as exc:
            raise FormatError(f"{local} is not an unencrypted PEM private key: {exc}") from exc
        public = private.public_key()
        key, _ = load_public_key(
            public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            field=str(local),
        )
        return _LogKey(key, f"the local stack's key {local}", pinned=True)
    url = f"{client.base_url}/api/v1/log/publicKey"
    key, _ = load_public_key(client.public_key(), field="publicKey")
    print(
        f"sigstack: warning: the log key was fetched from {url} and is not pinned: this checks "
        "that the log agrees with itself, not that it is the log you trust; "
        "pass --log-key FILE to pin it",
        file=sys.stderr,
    )
    return _LogKey(key, "fetched from the server", pinned=False)


class _Hinted:
    """Re-raise a VerificationError with the log key's origin, so a wrong key is obvious."""

    def __init__(self, log_key: _LogKey) -> None:
        self.log_key = log_key

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, VerificationError):
            raise type(exc)(
                f"{exc.message} [verified against {self.log_key.describe()}]", field=exc.field
            ) from exc


# -- rendering ------------------------------------------------------------------------------


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2))


def _checkpoint_json(checkpoint: Checkpoint) -> dict[str, Any]:
    return {
        "origin": checkpoint.origin,
        "treeSize": checkpoint.size,
        "rootHash": checkpoint.root_hash.hex(),
    }


def _entry_json(verified: VerifiedEntryV1, log_key: _LogKey) -> dict[str, Any]:
    entry = verified.entry
    proof = entry.inclusion_proof
    assert proof is not None
    return {
        "uuid": entry.uuid,
        "logIndex": entry.log_index,
        "integratedTime": entry.integrated_time,
        "integratedTimeISO": _iso(entry.integrated_time),
        "kind": entry.kind,
        "apiVersion": entry.api_version,
        "logID": entry.log_id.hex(),
        "leafHash": verified.leaf_hash.hex(),
        "body": json.loads(entry.body) if entry.kind != "?" else None,
        "verified": {
            "signedEntryTimestamp": True,
            "checkpoint": _checkpoint_json(verified.checkpoint),
            "inclusionProof": {
                "logIndex": proof.log_index,
                "treeSize": proof.tree_size,
                "rootHash": proof.root_hash.hex(),
                "hashes": [h.hex() for h in proof.hashes],
            },
        },
        "logKey": log_key.as_json(),
    }


def _print_entry(verified: VerifiedEntryV1, log_key: _LogKey) -> None:
    entry = verified.entry
    cp = verified.checkpoint
    hashes = entry.inclusion_proof.hashes if entry.inclusion_proof else ()
    print(f"Entry {entry.log_index}")
    print(f"  UUID:             {entry.uuid}")
    print(f"  integrated time:  {_iso(entry.integrated_time)}")
    print(f"  kind:             {entry.kind} {entry.api_version}")
    print(f"Verified against {log_key.describe()}:")
    print("  signed entry timestamp  ok  (the log promised this body, index and time)")
    print(f"  checkpoint signature    ok  ({cp.origin!r}, tree size {cp.size})")
    print(
        f"  inclusion proof         ok  (leaf {entry.log_index} -> root "
        f"{cp.root_hash.hex()[:16]}…, {len(hashes)} hashes)"
    )


def _save(path: Path | None, note: str) -> None:
    if path is None:
        return
    try:
        path.write_text(note, encoding="utf-8")
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror or exc}") from exc


# -- handlers -------------------------------------------------------------------------------


def _info(args: argparse.Namespace) -> int:
    with RekorV1Client(args.log_url) as client:
        log_key = _resolve_key(args, client)
        info = client.log_info()
        with _Hinted(log_key):
            checkpoint = verify_log_info_v1(
                info.root_hash, info.tree_size, info.signed_tree_head, log_key.key
            )
    _save(args.save_checkpoint, info.signed_tree_head)
    if args.json:
        _print_json(
            {
                **_checkpoint_json(checkpoint),
                "treeID": info.tree_id,
                "signedTreeHead": info.signed_tree_head,
                "verified": {"signedTreeHead": True},
                "logKey": log_key.as_json(),
            }
        )
        return 0
    print(f"Rekor v1 log {args.log_url}")
    print(f"  origin:     {checkpoint.origin}")
    print(f"  tree size:  {checkpoint.size}")
    print(f"  root hash:  {checkpoint.root_hash.hex()}")
    print(f"  tree ID:    {info.tree_id}")
    print(f"Verified: signed tree head, against {log_key.describe()}")
    return 0


def _fetch_verified(
    client: RekorV1Client, log_key: _LogKey, index: int | None, uuid: str | None
) -> VerifiedEntryV1:
    entry = client.get_by_index(index) if index is not None else client.get_by_uuid(str(uuid))
    with _Hinted(log_key):
        return verify_log_entry_v1(entry, log_key.key, expected_index=index, expected_uuid=uuid)


def _get(args: argparse.Namespace) -> int:
    with RekorV1Client(args.log_url) as client:
        log_key = _resolve_key(args, client)
        verified = _fetch_verified(client, log_key, args.index, args.uuid)
    if args.json:
        _print_json(_entry_json(verified, log_key))
    else:
        _print_entry(verified, log_key)
    return 0


def _proof(args: argparse.Namespace) -> int:
    with RekorV1Client(args.log_url) as client:
        log_key = _resolve_key(args, client)
        verified = _fetch_verified(client, log_key, args.index, None)
    if args.json:
        _print_json(_entry_json(verified, log_key))
        return 0
    proof = verified.entry.inclusion_proof
    assert proof is not None
    _print_entry(verified, log_key)
    print("Inclusion proof:")
    print(f"  leaf hash:  {verified.leaf_hash.hex()}")
    for i, node in enumerate(proof.hashes):
        print(f"  hash {i:>2}:    {node.hex()}")
    print(f"  root hash:  {verified.checkpoint.root_hash.hex()} (tree size {proof.tree_size})")
    return 0


def _search(args: argparse.Namespace) -> int:
    if not (args.sha256 or args.email or args.public_key or args.subject):
        raise FormatError("give at least one of --sha256, --email, --public-key or --subject")
    pem = _read(args.public_key) if args.public_key else None
    with RekorV1Client(args.log_url) as client:
        digest = None
        if args.sha256:
            digest = args.sha256 if ":" in args.sha256 else f"sha256:{args.sha256}"
        uuids = client.search(
            hash=digest,
            email=args.email,
            public_key_pem=pem,
            subject=args.subject,
            operator=args.operator,
        )
        verified: list[VerifiedEntryV1] = []
        log_key = _resolve_key(args, client) if args.verify and uuids else None
        if log_key is not None:
            verified = [_fetch_verified(client, log_key, None, u) for u in uuids]
    if args.json:
        out: dict[str, Any] = {"uuids": uuids}
        if log_key is not None:
            out["entries"] = [_entry_json(v, log_key) for v in verified]
        _print_json(out)
        return 0
    if not uuids:
        print("No matching entries in the log's search index.", file=sys.stderr)
    if log_key is None:
        for uuid in uuids:
            print(uuid)
        return 0
    for v in verified:
        print(
            f"{v.entry.uuid}  index {v.entry.log_index}  {_iso(v.entry.integrated_time)}  verified"
        )
    print(f"Verified {len(verified)} entries against {log_key.describe()}", file=sys.stderr)
    return 0


def _verify_consistency(args: argparse.Namespace) -> int:
    with RekorV1Client(args.log_url) as client:
        log_key = _resolve_key(args, client)
        with _Hinted(log_key):
            if args.from_checkpoint is not None:
                old_note = _read(args.from_checkpoint).decode("utf-8", "replace")
                old_source = str(args.from_checkpoint)
            else:
                old_note = client.checkpoint_at(args.from_size)
                old_source = f"the log, at size {args.from_size}"
            old = verify_checkpoint_v1(old_note, log_key.key)
            if args.from_size is not None and old.size != args.from_size:
                raise VerificationError(
                    f"asked for the checkpoint at size {args.from_size}, "
                    f"got one for size {old.size}"
                )
            if args.to_size is not None:
                new_note = client.checkpoint_at(args.to_size)
                new = verify_checkpoint_v1(new_note, log_key.key)
                if new.size != args.to_size:
                    raise VerificationError(
                        f"asked for the checkpoint at size {args.to_size}, "
                        f"got one for size {new.size}"
                    )
            else:
                info = client.log_info()
                new_note = info.signed_tree_head
                new = verify_log_info_v1(info.root_hash, info.tree_size, new_note, log_key.key)
            if old.size > new.size:
                raise VerificationError(
                    f"the earlier checkpoint has size {old.size}, larger than the later "
                    f"size {new.size}: nothing to prove",
                )
            proof = client.consistency_proof(old.size, new.size)
            verify_checkpoint_consistency(old, new, proof.hashes, proof.root_hash)
    _save(args.save_checkpoint, new_note)
    if args.json:
        _print_json(
            {
                "consistent": True,
                "from": {**_checkpoint_json(old), "source": old_source},
                "to": _checkpoint_json(new),
                "hashes": [h.hex() for h in proof.hashes],
                "logKey": log_key.as_json(),
            }
        )
        return 0
    print(f"Consistent: the log at size {new.size} extends the log at size {old.size}")
    print(f"  from  size {old.size:<8} root {old.root_hash.hex()}  ({old_source})")
    print(f"  to    size {new.size:<8} root {new.root_hash.hex()}")
    print(f"Verified against {log_key.describe()}:")
    print("  both checkpoint signatures  ok")
    print(f"  consistency proof           ok  ({len(proof.hashes)} hashes)")
    return 0
