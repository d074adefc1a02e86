"""``sigstack serve ca``: the certificate authority (Fulcio API) and its CT log, with uvicorn.

Issuers come from ``--issuer-config`` (Fulcio's file format, JSON or YAML,
ca-tsa-oidc-tuf.md §5) or, without it, the ready-made public issuers; each
``--oidc-issuer URL`` adds an email issuer (ClientID ``sigstore``), the usual
shortcut for a development issuer. The CA key is a file (``--ca-key`` encrypted
PKCS#8 PEM, ``--ca-chain``, password from the environment variable named by
``--ca-key-password-env``) or generated on first start into DATA_DIR/keys.
Everything is read here, once, and passed down as values.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from sigstack.cli._common import (
    add_server_arguments,
    configure_logging,
    default_data_dir,
    run_server,
)
from sigstack.clock import utc_now
from sigstack.core.oidc.issuers import (
    IssuerConfig,
    IssuerRegistry,
    IssuerType,
    default_issuers,
    parse_issuer_config,
)
from sigstack.errors import Error
from sigstack.services.ca.app import create_app, open_ca
from sigstack.services.ca.keys import (
    KEY_ALGORITHMS,
    CAKeySource,
    FileKeySource,
    GeneratedKeySource,
)
from sigstack.services.ca.settings import CASettings

__all__ = ["build_registry", "register"]


def register(services: Any) -> None:
    """Add ``serve ca``."""
    ca = services.add_parser("ca", help="certificate authority: Fulcio v2 API + CT log")
    add_server_arguments(ca)
    ca.add_argument(
        "--issuer-config",
        type=Path,
        default=None,
        help="Fulcio issuer configuration (JSON or YAML); default: the public issuers",
    )
    ca.add_argument(
        "--oidc-issuer",
        action="append",
        default=[],
        metavar="URL",
        help="trust this issuer as an email issuer with ClientID sigstore (repeatable)",
    )
    ca.add_argument("--kubernetes-issuer", default=None, metavar="URL")
    ca.add_argument("--ca-key", type=Path, default=None, help="encrypted PKCS#8 PEM CA key")
    ca.add_argument("--ca-chain", type=Path, default=None, help="PEM chain: issuing CA … root")
    ca.add_argument(
        "--ca-key-password-env",
        default=None,
        metavar="VAR",
        help="environment variable holding the --ca-key password",
    )
    ca.add_argument(
        "--ca-key-algorithm",
        choices=KEY_ALGORITHMS,
        default="ecdsa-p256",
        help="algorithm of a generated CA (first start only)",
    )
    defaults = CASettings()
    ca.add_argument("--jwks-ttl", type=float, default=defaults.jwks_ttl, help="seconds")
    ca.add_argument("--issuer-timeout", type=float, default=defaults.issuer_timeout)
    ca.add_argument(
        "--workers",
        type=int,
        default=max(1, (os.cpu_count() or 2) - 1),
        help="processes that verify tokens and sign certificates (default: cores - 1; 0 = inline)",
    )
    ca.add_argument(
        "--sqlite-synchronous",
        choices=["FULL", "NORMAL"],
        default="FULL",
        help="CT log durability: FULL survives power loss; NORMAL a process crash only",
    )
    ca.set_defaults(handler=_serve_ca)


def build_registry(
    config_file: Path | None, oidc_issuers: list[str], kubernetes_issuer: str | None
) -> IssuerRegistry:
    """The issuers: the file (or the defaults) plus the ``--oidc-issuer`` shortcuts."""
    extra = {url: IssuerConfig(issuer_url=url, type=IssuerType.EMAIL) for url in oidc_issuers}
    if config_file is None:
        return default_issuers(kubernetes_issuer=kubernetes_issuer, extra=extra)
    registry = parse_issuer_config(config_file.read_bytes())
    if kubernetes_issuer:
        extra[kubernetes_issuer] = IssuerConfig(
            issuer_url=kubernetes_issuer, type=IssuerType.KUBERNETES
        )
    return IssuerRegistry(
        issuers={**registry.issuers, **extra}, meta_issuers=dict(registry.meta_issuers)
    )


def _key_source(args: argparse.Namespace, data_dir: Path) -> CAKeySource:
    if (args.ca_key is None) != (args.ca_chain is None):
        raise SystemExit("sigstack serve ca: --ca-key and --ca-chain go together")
    if args.ca_key is not None:
        password = None
        if args.ca_key_password_env:
            value = os.environ.get(args.ca_key_password_env)
            if value is None:
                raise SystemExit(
                    f"sigstack serve ca: ${args.ca_key_password_env} (--ca-key-password-env) "
                    "is not set"
                )
            password = value.encode()
        return FileKeySource(args.ca_key, args.ca_chain, password)
    return GeneratedKeySource(data_dir / "keys", now=utc_now(), algorithm=args.ca_key_algorithm)


def _serve_ca(args: argparse.Namespace) -> int:

    from sigstack.services.ctlog import CTLogSettings

    configure_logging(args.log_level)
    data_dir = args.data_dir or default_data_dir()
    settings = CASettings(
        jwks_ttl=args.jwks_ttl, issuer_timeout=args.issuer_timeout, workers=args.workers
    )
    try:
        registry = build_registry(args.issuer_config, args.oidc_issuer, args.kubernetes_issuer)
        service = open_ca(
            data_dir,
            key_source=_key_source(args, data_dir),
            registry=registry,
            settings=settings,
            ctlog_settings=CTLogSettings(),
            clock=utc_now,
            synchronous=args.sqlite_synchronous,
        )
    except (Error, OSError) as exc:
        raise SystemExit(f"sigstack serve ca: {exc}") from exc
    base = f"http://{args.host}:{args.port}"
    print(f"sigstack ca serving {base} (data in {data_dir})", flush=True)
    print(f"  root: {service.ca.chain[-1].subject.rfc4514_string()}", flush=True)
    for url in [*registry.issuers, *registry.meta_issuers]:
        print(f"  trusts issuer {url}", flush=True)
    print(f"  CT log: {base}/ct/v1/get-sth", flush=True)
    return run_server(create_app(service), args)
