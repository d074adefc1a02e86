"""``sigstack serve admission``: the admission webhook (oci-and-policy.md §3.3), with uvicorn.

Settings come from flags (and ``SIGSTACK_HOME`` for the data directory), read here once and
passed down as values. The API server speaks to webhooks over HTTPS only: give a
certificate (``--tls-cert``/``--tls-key``) or let ``--tls-self-signed DNS_NAME`` make a CA
and a serving certificate in the data directory and print the ``caBundle`` to paste into
the webhook configurations (deploy/admission/). Without either it serves plain HTTP, for
a TLS-terminating proxy or local tests.

Policies come from ``--policy FILE|DIR`` (reloaded when the files change) and, in a
cluster (a service account) or with ``--kubeconfig``, from the ClusterImagePolicy and
TrustRoot objects of the Kubernetes API (``--no-kubernetes`` turns that off).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sigstack.cli._common import add_server_arguments, configure_logging, default_data_dir
from sigstack.cli._trust import add_trust_arguments
from sigstack.errors import FormatError

if TYPE_CHECKING:  # the server's libraries are imported when it starts
    from sigstack.core.trust import TrustedRoot

__all__ = ["register"]

log = logging.getLogger("sigstack.services.admission")

_TRUST_FLAGS = ("trust_config", "trusted_root", "instance")


def register(services: Any) -> None:
    """Add ``serve admission``."""
    parser = services.add_parser("admission", help="Kubernetes admission webhook (policies)")
    add_server_arguments(parser)
    parser.set_defaults(port=8443, handler=_serve_admission)
    parser.add_argument(
        "--policy", action="append", type=Path, default=[], metavar="FILE|DIR",
        help="ClusterImagePolicy/TrustRoot/Kyverno policy YAML, or a directory; repeatable",
    )  # fmt: skip
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument("--tls-cert", type=Path, help="serving certificate PEM (with --tls-key)")
    tls.add_argument(
        "--tls-self-signed", metavar="DNS_NAME",
        help="make a CA and a certificate for DNS_NAME in the data dir; print the caBundle",
    )  # fmt: skip
    parser.add_argument("--tls-key", type=Path, help="serving key PEM (with --tls-cert)")
    parser.add_argument(
        "--print-ca-bundle", action="store_true",
        help="with --tls-self-signed: make the certificates, print the caBundle and exit",
    )  # fmt: skip
    add_trust_arguments(parser, signing=False)
    parser.add_argument(
        "--no-match-policy", choices=("deny", "warn", "allow"), default="deny",
        help="what happens to an image no ClusterImagePolicy matches (default deny)",
    )  # fmt: skip
    parser.add_argument(
        "--all-namespaces", action="store_true",
        help="check every namespace, not only those labelled policy.sigstore.dev/include=true",
    )  # fmt: skip
    parser.add_argument(
        "--allow-insecure-registry", action="store_true",
        help="allow plain HTTP to registries that are not on a loopback address",
    )  # fmt: skip
    kube = parser.add_mutually_exclusive_group()
    kube.add_argument("--kubeconfig", type=Path, help="watch policies through this kubeconfig")
    kube.add_argument(
        "--no-kubernetes", action="store_true",
        help="do not watch the Kubernetes API even when running in a cluster",
    )  # fmt: skip
    parser.add_argument("--cache-size", type=int, default=4096, help="verdicts kept (LRU)")
    parser.add_argument("--cache-ttl", type=float, default=300.0, help="seconds a pass is kept")
    parser.add_argument(
        "--negative-ttl", type=float, default=10.0, help="seconds a failure is kept"
    )
    parser.add_argument(
        "--reload-interval", type=float, default=1.0, help="seconds between policy file checks"
    )


def _trust(args: argparse.Namespace, data_dir: Path) -> TrustedRoot | None:
    """The trusted root from the trust flags or ``<data dir>/trust_config.json``; ``None``
    when there is neither (then only key and static authorities can pass)."""
    from sigstack.cli._trust import trusted_root

    if not any(getattr(args, flag, None) for flag in _TRUST_FLAGS):
        default = data_dir / "trust_config.json"
        if not default.exists():
            log.warning("no trust material (--trusted-root/--trust-config): keyless fails")
            return None
        args.trust_config = default
    return trusted_root(args)


def _tls(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    """uvicorn's ssl options; prints the caBundle of a self-signed CA."""
    from sigstack.clock import utc_now
    from sigstack.services.admission.tls import ca_bundle, self_signed

    if args.tls_self_signed:
        files = self_signed(data_dir / "admission-tls", args.tls_self_signed, utc_now())
        print(f"  CA certificate: {files.ca_cert}", flush=True)
        print(f"  caBundle: {ca_bundle(files)}", flush=True)
        return {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
    if args.tls_cert is not None or args.tls_key is not None:
        if args.tls_cert is None or args.tls_key is None:
            raise FormatError("expected --tls-cert and --tls-key together, found only one")
        return {"ssl_certfile": str(args.tls_cert), "ssl_keyfile": str(args.tls_key)}
    return {}


def _serve_admission(args: argparse.Namespace) -> int:
    import uvicorn

    from sigstack.clock import utc_now
    from sigstack.services.admission.app import AdmissionSettings, create_app
    from sigstack.services.admission.build import EngineOptions, engine_builder
    from sigstack.services.admission.cache import VerificationCache
    from sigstack.services.admission.engines import EngineSet
    from sigstack.services.admission.kube import (
        KubernetesSource,
        in_cluster_config,
        load_kubeconfig,
    )
    from sigstack.services.admission.policies import PolicyFiles, PolicyReloader
    from sigstack.services.admission.registry import Registries

    configure_logging(args.log_level)
    data_dir: Path = args.data_dir or default_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    if args.print_ca_bundle and not args.tls_self_signed:
        raise FormatError("expected --print-ca-bundle with --tls-self-signed DNS_NAME")
    ssl = _tls(args, data_dir)
    if args.print_ca_bundle:
        return 0
    cache = VerificationCache(
        max_entries=args.cache_size, ttl=args.cache_ttl, negative_ttl=args.negative_ttl
    )
    registries = Registries(allow_insecure=args.allow_insecure_registry)
    options = EngineOptions(
        registry_factory=registries, trust=_trust(args, data_dir), clock=utc_now,
        memo=cache, no_match_policy=args.no_match_policy,
    )  # fmt: skip
    engines = EngineSet()
    files = PolicyFiles(args.policy) if args.policy else None
    kube_config = None
    if not args.no_kubernetes:
        kube_config = (
            load_kubeconfig(args.kubeconfig) if args.kubeconfig else in_cluster_config(os.environ)
        )
    source: KubernetesSource | None = None
    reloader: PolicyReloader
    if kube_config is not None:
        # the reloader is made next, with the source as one of its inputs
        source = KubernetesSource(kube_config, lambda: reloader.notify())  # noqa: PLW0108
    reloader = PolicyReloader(
        engines, engine_builder(options), files,
        extra=source.documents if source is not None else None, interval=args.reload_interval,
    )  # fmt: skip
    if source is not None and not source.start():
        log.warning("the Kubernetes API did not answer every list yet; policies may follow")
    generation = reloader.load()
    reloader.start()
    app = create_app(
        AdmissionSettings(all_namespaces=args.all_namespaces), engines, registries.resolve,
        namespace_labels=source.namespace_labels if source is not None else None, cache=cache,
    )  # fmt: skip
    scheme = "https" if ssl else "http"
    base = f"{scheme}://{args.host}:{args.port}"
    names = ", ".join(engine.name for engine in engines.engines)
    print(f"sigstack admission serving {base} (policies {generation}: {names})", flush=True)
    print(f"  validate: {base}/validate (also /validations)", flush=True)
    print(f"  mutate:   {base}/mutate (also /mutations)", flush=True)
    try:
        uvicorn.run(
            app, host=args.host, port=args.port, log_level=args.log_level, access_log=False,
            http="httptools", loop="uvloop", timeout_graceful_shutdown=10, **ssl,  # type: ignore[arg-type]
        )  # fmt: skip
    finally:
        reloader.stop()
        if source is not None:
            source.stop()
        registries.close()
    return 0
