"""``sigstack policy test``: policy-controller's ``policy-tester`` (oci-and-policy.md §3.6).

::

    sigstack policy test --policy cip.yaml [--policy more.yaml] --image REF
                         [--resource pod.yaml] [--trusted-root F | --trust-config F]
                         [--no-match-policy deny|warn|allow] [--allow-insecure-registry] [--json]

Every document of every ``--policy`` file is read (ClusterImagePolicy and TrustRoot here;
Kyverno ``ClusterPolicy``/``Policy`` by the Kyverno engine, when present; any other kind is
an error with its ``file:line:column``). Like policy-tester, a tag is accepted: it is
resolved to its digest first and the image is checked as ``<ref>@<digest>``. The images are
``--image`` (at ``spec.containers[0].image``) and, with ``--resource``, every container image
of that Pod or workload at its PodSpec path (§3.3); the resource also gives the kind,
labels and ``spec``/``metadata`` that ``spec.match`` and CEL policies may look at. Without
``--resource`` the image is tested as the only container of a Pod in ``default``.

Output: ``allowed`` or ``denied`` with the webhook's exact message (§3.5) and, for each
image and matching ClusterImagePolicy, each authority's verdict; warnings as
``Warning: …``. ``--json``: ``{"allowed": …, "errors": […], "warnings": […]}``. Exit status
1 when denied, 0 when allowed.
"""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sigstack.cli._trust import add_trust_arguments
from sigstack.errors import FormatError, UnsupportedError

if TYPE_CHECKING:  # the command imports its libraries only when it runs
    from collections.abc import Callable, Sequence

    from sigstack.clients.registry import RegistryClient
    from sigstack.core.policy.loader import PolicySet
    from sigstack.core.policy.yaml_load import Document
    from sigstack.core.trust import TrustedRoot
    from sigstack.policy.cip import ClusterImagePolicyEngine
    from sigstack.policy.engine import Engine, ImageAt, Memo, Outcome, ResourceContext
    from sigstack.policy.kyverno import KyvernoEngine

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``policy`` (with its ``test`` subcommand) to the ``sigstack`` parser."""
    policy = commands.add_parser("policy", help="admission policies (ClusterImagePolicy, Kyverno)")
    sub = policy.add_subparsers(dest="policy_command", metavar="SUBCOMMAND", required=True)
    test = sub.add_parser(
        "test", help="decide offline whether policies admit an image (like policy-tester)"
    )
    test.add_argument("--policy", action="append", required=True, type=Path, metavar="FILE",
                      help="policy YAML (several documents allowed); repeatable")  # fmt: skip
    test.add_argument("--image", metavar="REF", help="image reference (a tag is resolved)")
    test.add_argument("--resource", type=Path, metavar="FILE",
                      help="a Pod or workload YAML: its images and context")  # fmt: skip
    test.add_argument("--no-match-policy", choices=("deny", "warn", "allow"), default="deny",
                      help="what happens to an image no policy covers (default deny)")  # fmt: skip
    test.add_argument("--allow-insecure-registry", action="store_true",
                      help="allow plain HTTP to a non-loopback registry")  # fmt: skip
    test.add_argument("--json", action="store_true", help="print the decision as JSON")
    add_trust_arguments(test, signing=False)
    test.set_defaults(handler=_test)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise FormatError(f"cannot read {path}: {exc.strerror}") from exc


def _resource(path: Path) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The object of ``path`` and its ``(path, image)`` pairs (§3.3 PodSpec paths)."""
    from sigstack.core.policy.yaml_load import load_documents

    documents = load_documents(_read(path), str(path))
    if len(documents) != 1:
        raise FormatError(f"{path}: expected one Kubernetes object, found {len(documents)}")
    obj = documents[0].root.value()
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
        raise FormatError(
            f"{path}: expected a Kubernetes object with a kind, found {type(obj).__name__}"
        )
    from sigstack.core.admission.images import SUPPORTED_KINDS, extract_images, pod_spec_path

    group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
    pod_spec = pod_spec_path(group, version, obj["kind"])
    if pod_spec is None:  # the same kinds and paths as the webhook (§3.3)
        kinds = sorted({f"{g + '/' if g else ''}{v} {k}" for g, v, k in SUPPORTED_KINDS})
        raise UnsupportedError(
            f"{path}: expected one of {', '.join(kinds)}, "
            f"found {obj.get('apiVersion')!r} {obj['kind']!r}"
        )
    images = [(found.path, found.image) for found in extract_images(obj, pod_spec)]
    return obj, images


def _context(args: argparse.Namespace) -> tuple[ResourceContext, list[tuple[str, str]]]:
    """The resource context and the ``(path, image)`` pairs to decide on."""
    from sigstack.policy.engine import ResourceContext

    if args.image is None and args.resource is None:
        raise FormatError("expected --image or --resource, found neither")
    obj: dict[str, Any] = {}
    found: list[tuple[str, str]] = []
    if args.resource is not None:
        obj, found = _resource(args.resource)
    else:  # --image alone is tested as the only container of a Pod
        obj = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "policy-test", "namespace": "default"},
            "spec": {"containers": [{"name": "c0", "image": args.image}]},
        }
    if args.image is not None:
        found.insert(0, ("spec.containers[0].image", args.image))
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    context = ResourceContext(
        kind=str(obj.get("kind", "")),
        api_version=str(obj.get("apiVersion", "")),
        namespace=metadata.get("namespace"),
        name=metadata.get("name"),
        operation="",
        obj=obj,
    )
    return context, found


def _print(
    args: argparse.Namespace,
    outcomes: list[tuple[str, Outcome]],
    warnings: list[str],
    report: list[str],
) -> bool:
    allowed = all(o.allowed for _, o in outcomes)
    errors = [o.message for _, o in outcomes if not o.allowed]
    warnings = warnings + [w for _, o in outcomes for w in o.warnings]
    if args.json:
        print(json.dumps({"allowed": allowed, "errors": errors, "warnings": warnings}, indent=2))
        return allowed
    for line in report:
        print(line)
    for warning in warnings:
        print(f"Warning: {warning}")
    for name, outcome in outcomes:
        if not outcome.allowed:
            print(f'admission webhook "{name}" denied the request: {outcome.message}')
    print("allowed" if allowed else "denied")
    return allowed


def _test(args: argparse.Namespace) -> int:
    from sigstack.clients.registry import RegistryClient
    from sigstack.clients.registry.session import is_loopback
    from sigstack.clock import utc_now
    from sigstack.core.oci.reference import parse_reference
    from sigstack.core.policy.loader import load_policies
    from sigstack.policy.cip import ClusterImagePolicyEngine
    from sigstack.policy.engine import ImageAt, RunMemo

    policies = load_policies([(str(p), _read(p)) for p in args.policy])
    if not policies.cluster_image_policies and not policies.kyverno:
        files = ", ".join(map(str, args.policy))
        raise FormatError(f"expected a ClusterImagePolicy or Kyverno policy in {files}, found none")
    context, found = _context(args)
    with ExitStack() as stack:
        clients: dict[str, RegistryClient] = {}

        def client(host: str) -> RegistryClient:
            if host not in clients:
                plain = is_loopback(host) or args.allow_insecure_registry
                clients[host] = stack.enter_context(
                    RegistryClient(
                        host, plain_http=plain, allow_insecure=args.allow_insecure_registry
                    )
                )
            return clients[host]

        images = []
        for where, written in found:
            ref = parse_reference(written)
            pinned = written
            if ref.digest is None:  # like policy-tester: a tag is resolved first
                pulled = client(ref.registry).get_manifest(ref.repository, ref.identifier)
                pinned = f"{written}@{pulled.digest}"
            images.append(ImageAt(where, pinned))
        trust = _default_trust(args, policies)
        memo = RunMemo()  # the per-authority report below re-verifies nothing
        engines: list[Engine] = []
        cip_engine = None
        if policies.cluster_image_policies:
            cip_engine = ClusterImagePolicyEngine(
                policies.cluster_image_policies,
                registry_factory=client,
                trust=trust,
                clock=utc_now,
                memo=memo,
                no_match_policy=args.no_match_policy,
                trust_roots=policies.trust_roots,
            )
            engines.append(cip_engine)
        if policies.kyverno:
            engines.append(_kyverno_engine(policies.kyverno, client, trust, memo))
        outcomes = [(e.name, e.validate(images, context)) for e in engines]
        report = _authority_report(cip_engine, images, context) if cip_engine else []
    return 0 if _print(args, outcomes, list(policies.warnings), report) else 1


def _default_trust(args: argparse.Namespace, policies: PolicySet) -> TrustedRoot | None:
    """The trusted root from the trust arguments, read only when some authority needs it."""
    from sigstack.cli._trust import trusted_root

    needs = bool(policies.kyverno) or any(
        authority.static is None
        and not (authority.keyless and authority.keyless.trust_root_ref)
        and not (authority.ctlog and authority.ctlog.trust_root_ref)
        and not authority.rfc3161_trust_root_ref
        for cip in policies.cluster_image_policies
        for authority in cip.authorities
    )
    return trusted_root(args) if needs else None


def _kyverno_engine(
    documents: Sequence[Document],
    client: Callable[[str], RegistryClient],
    trust: TrustedRoot | None,
    memo: Memo,
) -> KyvernoEngine:
    """The Kyverno engine over ``documents``, imported only when Kyverno policies are given."""
    from sigstack.clock import utc_now
    from sigstack.policy.kyverno import KyvernoEngine, load_kyverno

    return KyvernoEngine(
        load_kyverno(documents), registry_factory=client, trust=trust, clock=utc_now, memo=memo
    )


def _authority_report(
    engine: ClusterImagePolicyEngine, images: list[ImageAt], context: ResourceContext
) -> list[str]:
    """Per image, per matching ClusterImagePolicy, each authority's verdict (memoized)."""
    from sigstack.core.oci.reference import parse_reference

    lines = []
    for at in images:
        matching = engine.matching(at.image, context)
        lines.append(f"{at.path}: {at.image}")
        if not matching:
            lines.append(
                f"  no ClusterImagePolicy matches (no-match-policy {engine.no_match_policy})"
            )
        ref = parse_reference(at.image)
        for cip in matching:
            lines.append(f"  ClusterImagePolicy {cip.name} (mode {cip.mode}):")
            for authority in cip.authorities:
                verdict = engine.check_authority(authority, ref)
                state = "passed" if verdict.ok else f"failed: {verdict.error}"
                lines.append(f"    {authority.name}: {state}")
    return lines
