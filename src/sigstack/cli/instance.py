"""``sigstack trust-instance ROOT.json --instance URL``: trust a private TUF repository.

Like sigstore-python's ``sigstore --instance URL trust-instance ROOT.json``
(sigstore-clients.md §1.1): ROOT.json is the repository's first root (``sigstack up``
writes it to ``DATA/tuf/root.json`` and serves the repository at ``/tuf``). The root is
kept under ``$XDG_CACHE_HOME/sigstack/tuf/`` only after a refresh from it succeeded;
from then on every client command with ``--instance URL`` refreshes through it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``trust-instance``."""
    trust = commands.add_parser(
        "trust-instance", help="trust a TUF repository from its initial root.json"
    )
    trust.add_argument("root", type=Path, metavar="ROOT.json", help="the repository's TUF root")
    trust.add_argument("--instance", required=True, metavar="URL", help="the repository URL")
    trust.set_defaults(handler=_trust_instance)


def _trust_instance(args: argparse.Namespace) -> int:
    from sigstack.cli._trust import instance_url, tuf_cache_root
    from sigstack.clients.tuf import instance_dir, trust_instance
    from sigstack.core.trust.signing_config import parse_signing_config
    from sigstack.errors import FormatError
    from sigstack.verify import load_trusted_root

    url = instance_url(args.instance)
    try:
        root = args.root.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read the TUF root: {exc}", field=str(args.root)) from exc
    documents = trust_instance(url, root, tuf_cache_root())
    trusted = load_trusted_root(documents.trusted_root)
    parse_signing_config(documents.signing_config)
    print(f"trusted {url} (cache {instance_dir(tuf_cache_root(), url)})")
    print(
        f"  trusted_root.json: {len(trusted.tlogs)} logs, "
        f"{len(trusted.certificate_authorities)} CAs, {len(trusted.timestamp_authorities)} TSAs"
    )
    print("  signing_config.v0.2.json: ok")
    return 0
