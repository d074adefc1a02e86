"""``sigstack sign IMAGE`` and ``sigstack verify IMAGE``: cosign's image signing and checks.

``sign`` signs the image keyless (identity token, as ``sign-blob``) or with a cosign key
file (``--key``), and stores the signature in the registry (oci-and-policy.md §1):

* ``--format bundle`` (the default, as cosign v3): a Sigstore bundle v0.3 with a DSSE
  in-toto statement, pushed as an OCI 1.1 referrer of the image;
* ``--format legacy``: a layer appended to the ``sha256-<hex>.sig`` manifest — what cosign
  ≤ v2, skopeo/podman and Kyverno read. It needs a Rekor v1 log (its SET is the layer's
  RekorBundle), so Rekor v1 is selected unless ``--rekor-version`` says otherwise.

``-a key=value`` annotations go into the signed claim; ``--repository`` (default
``$SIGSTACK_REPOSITORY``, like ``COSIGN_REPOSITORY``) stores signatures in another repository;
``--recursive`` signs an index and each manifest it lists. A tag is resolved to its digest
with a warning on stderr: sign by digest.

``verify`` checks every attached signature, in both formats (§2.1), against an identity
(``--certificate-identity[-regexp]`` and ``--certificate-oidc-issuer[-regexp]``) or a public
key (``--key``), plus ``-a`` annotations; it prints cosign's checks on stderr and, on stdout,
a summary (``--json``: cosign's JSON array, §2.2). Exit codes as cosign's: 10 no signatures
found, 11 image not found, 12 no matching signatures, 1 any other refusal.

Registries on a loopback address are spoken to over plain HTTP (as go-containerregistry does
for ``localhost``); ``--allow-insecure-registry`` allows plain HTTP elsewhere.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sigstack.cli._identity import add_identity_arguments, identity_token
from sigstack.cli._trust import add_trust_arguments, signing_context, trusted_root
from sigstack.cli._verify_args import add_policy_arguments
from sigstack.cli._verify_args import policy as identity_policy
from sigstack.clock import utc_now
from sigstack.errors import FormatError

__all__ = ["register"]

#: What cosign adds to ``optional`` besides the signed annotations (§2.2).
_ADDED = frozenset({"Subject", "Issuer", "1.3.6.1.4.1.57264.1.1", "Bundle", "RFC3161Timestamp"})

#: The environment variable naming the signature repository (cosign: ``COSIGN_REPOSITORY``).
REPOSITORY_ENV = "SIGSTACK_REPOSITORY"


def register(commands: Any) -> None:
    """Add ``sign`` and ``verify``."""
    sign = commands.add_parser("sign", help="sign a container image in its registry")
    sign.add_argument("image", metavar="IMAGE", help="registry/repository[:tag|@digest]")
    _add_image_arguments(sign)
    sign.add_argument("--key", type=Path, help="sign with this cosign key file (no identity)")
    sign.add_argument(
        "--format",
        choices=("bundle", "legacy"),
        default="bundle",
        help="bundle: Sigstore bundle as an OCI referrer (cosign v3's default); "
        "legacy: a layer of the sha256-<hex>.sig tag (cosign <= v2)",
    )
    sign.add_argument(
        "--recursive", action="store_true", help="sign an index and every manifest it lists"
    )
    sign.add_argument("--rekor-version", type=int, choices=(1, 2), help="log API version")
    add_identity_arguments(sign)
    add_trust_arguments(sign, signing=True)
    sign.set_defaults(handler=_sign)

    verify = commands.add_parser("verify", help="verify the signatures of a container image")
    verify.add_argument("image", metavar="IMAGE", help="registry/repository[:tag|@digest]")
    _add_image_arguments(verify)
    add_policy_arguments(verify)
    add_trust_arguments(verify, signing=False)
    verify.set_defaults(handler=_verify)


def _add_image_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-a",
        "--annotations",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="annotation to sign (sign) or to require (verify); repeatable",
    )
    parser.add_argument(
        "--repository",
        default=os.environ.get(REPOSITORY_ENV) or None,
        help=f"store/look up signatures in this repository (default ${REPOSITORY_ENV})",
    )
    parser.add_argument(
        "--allow-insecure-registry",
        action="store_true",
        help="allow plain HTTP to a registry that is not on a loopback address",
    )


def _annotations(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise FormatError(f"expected -a key=value, found {item!r}", field="annotations")
        out[key] = value
    return out


def _open(stack: ExitStack, args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """(the image reference, its registry client, the signature store)."""
    from sigstack.clients.registry import RegistryClient
    from sigstack.clients.registry.session import is_loopback
    from sigstack.core.oci import parse_reference
    from sigstack.oci.evidence import Store

    def client(host: str) -> RegistryClient:
        plain = is_loopback(host) or args.allow_insecure_registry
        return stack.enter_context(
            RegistryClient(host, plain_http=plain, allow_insecure=args.allow_insecure_registry)
        )

    ref = parse_reference(args.image)
    registry = client(ref.registry)
    store = Store(registry, ref.repository)
    if args.repository:
        target = parse_reference(args.repository)
        other = registry if target.registry == ref.registry else client(target.registry)
        store = Store(other, target.repository)
    return ref, registry, store


def _sign(args: argparse.Namespace) -> int:
    from sigstack.oci.sign import sign_image
    from sigstack.sign import KeySigner, Signer

    annotations = _annotations(args.annotations)
    key = None
    if args.key is not None:
        from sigstack.cli.keys import read_private_key

        key = read_private_key(args.key)
    version = args.rekor_version or (1 if args.format == "legacy" else None)
    context = signing_context(args, now=utc_now(), rekor_version=version)
    signer: Signer | KeySigner
    if key is not None:
        signer = KeySigner(context, key)
    else:
        signer = Signer(context, identity_token(args, issuer_default=context.oidc_url))
    with ExitStack() as stack:
        ref, registry, store = _open(stack, args)
        outcome = sign_image(
            registry, ref, signer, annotations=annotations, format=args.format,
            repository=store, recursive=args.recursive,
            trusted_root=trusted_root(args) if args.format == "legacy" and key is None else None,
        )  # fmt: skip
    if outcome.warning:
        print(f"WARNING: {outcome.warning}", file=sys.stderr)
    for signed in outcome.signed:
        if signed.stored:
            print(f"signed {signed.image} ({signed.format}) -> {signed.location}")
        else:
            print(f"already signed {signed.image} ({signed.format}) at {signed.location}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from sigstack.oci.evidence import ImageNotFound
    from sigstack.oci.verify import NoMatchingSignatures, NoSignaturesFound, verify_image
    from sigstack.verify import Verifier

    annotations = _annotations(args.annotations)
    policy = identity_policy(args)
    verifier = Verifier(trusted_root(args), clock=utc_now)
    try:
        with ExitStack() as stack:
            ref, registry, store = _open(stack, args)
            result = verify_image(
                registry, ref, verifier, policy, annotations=annotations, repository=store
            )
    except (NoSignaturesFound, NoMatchingSignatures, ImageNotFound) as exc:
        print(f"sigstack: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"\nVerification for {args.image} --", file=sys.stderr)
    print("The following checks were performed on each of these signatures:", file=sys.stderr)
    for check in result.checks():
        print(f"  - {check}", file=sys.stderr)
    if args.json:
        print()
        print(json.dumps(result.to_json()))
        return 0
    print(f"OK: {result.image}")
    for signature in result.signatures:
        optional = signature.claim.get("optional") or {}
        extra = {k: v for k, v in optional.items() if k not in _ADDED}
        print(f"  {signature.format}: {signature.location}")
        print(f"    identity: {signature.result.identity or '(managed key)'}")
        print(f"    issuer:   {signature.result.issuer or '-'}")
        if extra:
            print(f"    annotations: {json.dumps(extra)}")
    for reason in result.rejected:
        print(f"  not verified: {reason}")
    return 0
