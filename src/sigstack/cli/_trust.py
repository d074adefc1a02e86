"""Where the client commands get their trust material (sigstore-clients.md §1.1, §2.1).

``--trust-config`` (a ClientTrustConfig), ``--trusted-root`` (+ ``--signing-config`` to
sign), else ``$SIGSTACK_HOME/trust_config.json`` (the local stack's, written by ``sigstack
up``). Every client command (``sign-blob``, ``verify-blob``, ``attest-blob``, …) reads its
trust through this module, the same way.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sigstack.cli._common import default_data_dir
from sigstack.errors import FormatError
from sigstack.sign import SigningContext
from sigstack.verify import TrustedRoot, load_trusted_root

__all__ = ["add_trust_arguments", "signing_context", "trusted_root"]


def add_trust_arguments(parser: argparse.ArgumentParser, *, signing: bool) -> None:
    """``--trust-config`` | ``--trusted-root`` (and ``--signing-config`` when ``signing``)."""
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument("--trust-config", type=Path, help="ClientTrustConfig JSON")
    trust.add_argument("--trusted-root", type=Path, help="TrustedRoot JSON")
    if signing:
        parser.add_argument(
            "--signing-config", type=Path, help="SigningConfig JSON (with --trusted-root)"
        )


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise FormatError(f"cannot read the {what}: {exc}", field=str(path)) from exc
    if not isinstance(document, dict):
        raise FormatError(
            f"expected a {what} object, found {type(document).__name__}", field=str(path)
        )
    return document


def _trust_config(args: argparse.Namespace) -> dict[str, Any]:
    """``--trust-config``, default ``$SIGSTACK_HOME/trust_config.json``."""
    path: Path = args.trust_config or default_data_dir() / "trust_config.json"
    return _read_json(path, "ClientTrustConfig")


def signing_context(
    args: argparse.Namespace, *, now: datetime, rekor_version: int | None = None
) -> SigningContext:
    """The services to sign with, from the trust arguments."""
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
    if args.trusted_root is not None:
        return load_trusted_root(args.trusted_root.read_bytes())
    return load_trusted_root(json.dumps(_trust_config(args).get("trustedRoot")).encode())
