"""What the image commands share: their flags, the registry they open, the signer they use.

``sign``, ``verify`` (:mod:`sigstack.cli.image`) and ``attest``, ``verify-attestation``,
``attach sbom``, ``triangulate``, ``tree`` (:mod:`sigstack.cli.image_attach`) all name an
image in a registry and may keep what is attached to it in another repository
(``--repository``, default ``$SIGSTACK_REPOSITORY``: cosign's ``COSIGN_REPOSITORY``,
oci-and-policy.md §1.1).

Registries on a loopback address are spoken to over plain HTTP (as go-containerregistry does
for ``localhost``); ``--allow-insecure-registry`` allows plain HTTP elsewhere.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from sigstack.cli._identity import add_identity_arguments, identity_token
from sigstack.cli._trust import add_trust_arguments, signing_context
from sigstack.clock import utc_now
from sigstack.errors import FormatError

if TYPE_CHECKING:
    from sigstack.clients.registry import RegistryClient
    from sigstack.core.oci import Reference
    from sigstack.oci.store import Store
    from sigstack.sign import KeySigner, Signer

__all__ = [
    "REPOSITORY_ENV",
    "add_annotation_argument",
    "add_image_arguments",
    "add_image_signing_arguments",
    "image_signer",
    "open_image",
    "parse_annotations",
    "print_checks",
    "warn",
]

#: The environment variable naming the attachments' repository (cosign: ``COSIGN_REPOSITORY``).
REPOSITORY_ENV = "SIGSTACK_REPOSITORY"


def add_image_arguments(parser: argparse.ArgumentParser, attached: str) -> None:
    """``IMAGE``, ``--repository`` and ``--allow-insecure-registry``; ``attached`` names what
    ``--repository`` holds in the help text (signatures, attestations, attachments)."""
    parser.add_argument("image", metavar="IMAGE", help="registry/repository[:tag|@digest]")
    parser.add_argument(
        "--repository",
        default=os.environ.get(REPOSITORY_ENV) or None,
        help=f"store/look up {attached} in this repository (default ${REPOSITORY_ENV})",
    )
    parser.add_argument(
        "--allow-insecure-registry",
        action="store_true",
        help="allow plain HTTP to a registry that is not on a loopback address",
    )


def add_image_signing_arguments(parser: argparse.ArgumentParser, tag: str) -> None:
    """What :func:`image_signer` reads: ``--format bundle|legacy`` (``tag`` is the legacy
    tag's suffix, ``sig`` or ``att``), ``--key``, ``--rekor-version``, the identity-token
    flags and the signing trust flags (oci-and-policy.md §1.1-§1.3)."""
    parser.add_argument(
        "--format",
        choices=("bundle", "legacy"),
        default="bundle",
        help="bundle: Sigstore bundle as an OCI referrer (cosign v3's default); "
        f"legacy: a layer of the sha256-<hex>.{tag} tag (cosign <= v2)",
    )
    parser.add_argument("--key", type=Path, help="sign with this cosign key file (no identity)")
    parser.add_argument("--rekor-version", type=int, choices=(1, 2), help="log API version")
    add_identity_arguments(parser)
    add_trust_arguments(parser, signing=True)


def add_annotation_argument(parser: argparse.ArgumentParser, purpose: str) -> None:
    """``-a/--annotations KEY=VALUE`` (repeatable); ``purpose`` completes the help text."""
    parser.add_argument(
        "-a",
        "--annotations",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"annotation {purpose}; repeatable",
    )


def parse_annotations(values: Iterable[str]) -> dict[str, str]:
    """``-a key=value`` values as a mapping (a later key wins, as in cosign)."""
    out: dict[str, str] = {}
    for item in values:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise FormatError(f"expected -a key=value, found {item!r}", field="annotations")
        out[key] = value
    return out


def open_image(
    stack: ExitStack, args: argparse.Namespace
) -> tuple[Reference, RegistryClient, Store]:
    """(the image reference, a client for its registry, the store of what is attached).

    The clients are closed with ``stack``. A ``--repository`` on another registry gets its
    own client.
    """
    from sigstack.clients.registry import RegistryClient
    from sigstack.clients.registry.session import is_loopback
    from sigstack.core.oci import parse_reference
    from sigstack.oci.store import Store

    insecure: bool = args.allow_insecure_registry

    def client(host: str) -> RegistryClient:
        plain = is_loopback(host) or insecure
        return stack.enter_context(RegistryClient(host, plain_http=plain, allow_insecure=insecure))

    ref = parse_reference(args.image)
    registry = client(ref.registry)
    if not args.repository:
        return ref, registry, Store(registry, ref.repository)
    target = parse_reference(args.repository)
    other = registry if target.registry == ref.registry else client(target.registry)
    return ref, registry, Store(other, target.repository)


def image_signer(args: argparse.Namespace) -> Signer | KeySigner:
    """A ``KeySigner`` for ``--key``, else a keyless ``Signer`` (identity token as
    ``sign-blob``). ``--format legacy`` selects a Rekor v1 log unless ``--rekor-version``
    says otherwise: its SET is the layer's RekorBundle (§1.2, §1.3)."""
    from sigstack.sign import KeySigner, Signer

    key = None
    if args.key is not None:
        from sigstack.cli.keys import read_private_key

        key = read_private_key(args.key)
    version = args.rekor_version or (1 if args.format == "legacy" else None)
    context = signing_context(args, now=utc_now(), rekor_version=version)
    if key is not None:
        return KeySigner(context, key)
    return Signer(context, identity_token(args, issuer_default=context.oidc_url))


def warn(warning: str | None) -> None:
    """``WARNING: …`` on stderr, when there is one (e.g. an image named by tag)."""
    if warning:
        print(f"WARNING: {warning}", file=sys.stderr)


def print_checks(image: str, checks: Iterable[str]) -> None:
    """cosign's verification header on stderr (oci-and-policy.md §2.2)."""
    print(f"\nVerification for {image} --", file=sys.stderr)
    print("The following checks were performed on each of these signatures:", file=sys.stderr)
    for check in checks:
        print(f"  - {check}", file=sys.stderr)
