"""Where the client commands get their trust material (sigstore-clients.md §1.1, §2.1).

One of:

* ``--trust-config`` (a ClientTrustConfig);
* ``--trusted-root`` (+ ``--signing-config`` to sign);
* ``--instance public-good|staging|URL``: a TUF repository (ca-tsa-oidc-tuf.md §11.2),
  refreshed through :mod:`sigstack.clients.tuf` when reachable. The public instances
  start from the TUF root embedded in the package and fall back to the embedded
  trusted root and signing config; a URL instance must first be trusted with
  ``sigstack trust-instance ROOT.json --instance URL``. Cache:
  ``$XDG_CACHE_HOME/sigstack/tuf/`` (default ``~/.cache``). When the repository cannot
  be reached the cached (or embedded) copy is used with a one-line warning on stderr;
* else ``$SIGSTACK_HOME/trust_config.json`` (the local stack's, written by ``sigstack up``).

Every client command (``sign-blob``, ``verify-blob``, ``attest-blob``, …) reads its trust
through this module, the same way. Only ``--instance`` ever touches the network.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sigstack.cli._common import default_data_dir
from sigstack.errors import FormatError

if TYPE_CHECKING:
    from sigstack.clients.tuf import TrustDocuments
    from sigstack.sign import SigningContext
    from sigstack.verify import TrustedRoot

__all__ = [
    "add_trust_arguments",
    "embedded",
    "instance_url",
    "signing_context",
    "trusted_root",
    "tuf_cache_root",
]

_PUBLIC = ("public-good", "staging")


def add_trust_arguments(parser: argparse.ArgumentParser, *, signing: bool) -> None:
    """``--trust-config`` | ``--trusted-root`` (and ``--signing-config`` when ``signing``)
    | ``--instance``."""
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument("--trust-config", type=Path, help="ClientTrustConfig JSON")
    trust.add_argument("--trusted-root", type=Path, help="TrustedRoot JSON")
    trust.add_argument(
        "--instance",
        metavar="public-good|staging|URL",
        help="trust from a TUF repository (refreshed when reachable)",
    )
    if signing:
        parser.add_argument(
            "--signing-config", type=Path, help="SigningConfig JSON (with --trusted-root)"
        )


def tuf_cache_root() -> Path:
    """``$XDG_CACHE_HOME/sigstack/tuf``, default ``~/.cache/sigstack/tuf``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sigstack" / "tuf"


def embedded(instance: str, kind: str) -> bytes:
    """Package data of a public instance (``kind``: ``root``, ``trusted_root`` or
    ``signing_config.v0.2``)."""
    from importlib import resources  # only for the embedded public instances

    return resources.files("sigstack").joinpath("trust", f"{instance}.{kind}.json").read_bytes()


def instance_url(instance: str) -> str:
    """The repository URL of ``public-good``/``staging``, or ``instance`` itself."""
    from sigstack.clients.tuf import PUBLIC_INSTANCES

    return PUBLIC_INSTANCES.get(instance, instance)


def _instance_documents(args: argparse.Namespace) -> TrustDocuments | None:
    """The ``--instance`` trust material, fetched once per command (warning on stderr)."""
    instance: str | None = getattr(args, "instance", None)
    if instance is None:
        return None
    cached: TrustDocuments | None = getattr(args, "_trust_documents", None)
    if cached is not None:
        return cached
    from sigstack.clients.tuf import PUBLIC_INSTANCES, TrustDocuments, refresh

    # A public instance named by its URL is still that instance (embedded root, fallback).
    name = next((k for k, v in PUBLIC_INSTANCES.items() if v == instance.rstrip("/")), instance)
    if name in _PUBLIC:
        documents = refresh(
            instance_url(name),
            tuf_cache_root(),
            bootstrap=embedded(name, "root"),
            fallback=TrustDocuments(
                embedded(name, "trusted_root"),
                embedded(name, "signing_config.v0.2"),
                "embedded",
            ),
        )
    else:
        documents = refresh(instance, tuf_cache_root())
    if documents.warning:
        print(f"sigstack: warning: {documents.warning}", file=sys.stderr)
    args._trust_documents = documents
    return documents


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        return _json(path.read_bytes(), what, str(path))
    except OSError as exc:
        raise FormatError(f"cannot read the {what}: {exc}", field=str(path)) from exc


def _json(data: bytes, what: str, where: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except ValueError as exc:
        raise FormatError(f"cannot read the {what}: {exc}", field=where) from exc
    if not isinstance(document, dict):
        raise FormatError(f"expected a {what} object, found {type(document).__name__}", field=where)
    return document


def _trust_config(args: argparse.Namespace) -> dict[str, Any]:
    """``--trust-config``, default ``$SIGSTACK_HOME/trust_config.json``."""
    path: Path = args.trust_config or default_data_dir() / "trust_config.json"
    return _read_json(path, "ClientTrustConfig")


def signing_context(
    args: argparse.Namespace, *, now: datetime, rekor_version: int | None = None
) -> SigningContext:
    """The services to sign with, from the trust arguments."""
    from sigstack.sign import SigningContext

    documents = _instance_documents(args)
    if documents is not None:
        if getattr(args, "signing_config", None) is not None:
            raise FormatError("--signing-config goes with --trusted-root, not --instance")
        return SigningContext.from_parts(
            _json(documents.trusted_root, "TrustedRoot", args.instance),
            _json(documents.signing_config, "SigningConfig", args.instance),
            now=now,
            rekor_version=rekor_version,
        )
    if args.trusted_root is not None:
        if getattr(args, "signing_config", None) is None:
            raise FormatError("--trusted-root needs --signing-config to sign")
        return SigningContext.from_parts(
            _read_json(args.trusted_root, "TrustedRoot"),
            _read_json(args.signing_config, "SigningConfig"),
            now=now,
            rekor_version=rekor_version,
        )
    return SigningContext.from_trust_config(
        _trust_config(args), now=now, rekor_version=rekor_version
    )


def trusted_root(args: argparse.Namespace) -> TrustedRoot:
    """The trusted root to verify against, from the trust arguments."""
    from sigstack.verify import load_trusted_root

    documents = _instance_documents(args)
    if documents is not None:
        return load_trusted_root(documents.trusted_root)
    if args.trusted_root is not None:
        return load_trusted_root(args.trusted_root.read_bytes())
    return load_trusted_root(json.dumps(_trust_config(args).get("trustedRoot")).encode())
