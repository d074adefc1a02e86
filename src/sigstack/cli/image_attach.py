"""``attest``, ``verify-attestation``, ``attach sbom``, ``triangulate``, ``tree`` for images.

cosign's commands over a registry (oci-and-policy.md §1.1, §1.5, §1.7, §1.8, §2.3):

* ``attest IMAGE --predicate P --type T``: an in-toto statement v1 about the image (subject
  ``registry/repository`` at the manifest digest, ``predicateType`` T — a URI or a cosign
  short name — and the JSON object in P as predicate), signed as DSSE keyless or with
  ``--key``; stored as a bundle referrer (``--format bundle``, cosign v3's default) or as a
  layer of the ``sha256-<hex>.att`` manifest (``--format legacy``, which needs a Rekor v1
  log: it is selected unless ``--rekor-version`` says otherwise).
* ``verify-attestation IMAGE --type T [-a key=value …]``: every attestation in both formats
  verified fully (signature, chain, log, identity or ``--key``), about this image (one
  statement subject is the image digest), of type T, and with each ``-a`` annotation among
  that subject's ``annotations`` (§2.3). Cosign's checks on stderr; on stdout each verified
  DSSE envelope as one JSON line, as cosign prints them (``--json``: a JSON array with the
  decoded statements, identities and locations).
* ``attach sbom IMAGE --sbom F --type spdx|spdxjson|cyclonedx|syft``: the ``.sbom`` tag
  (``--format legacy``) or a referrer (``--format referrer``).
* ``triangulate IMAGE [--type signature|attestation|sbom|digest]``: where cosign would look.
* ``tree IMAGE``: what is attached, in both formats.

Exit codes of ``verify-attestation``, each with one ``sigstack: error: …`` line on stderr:

* 0 — at least one attestation verified and is of type T;
* 10 — ``no attestations found for image <ref>@<digest>``: nothing attached in either format;
* 11 — ``image not found: <ref> (…)``: the reference names no manifest;
* 1 — ``none of the attestations matched the predicate type: <T>, found: <types>`` (all
  verified, none of type T), or ``no matching attestations for image <ref>@<digest>:
  <location>: <reason>; …`` (one reason per candidate: the statement is about another image,
  ``missing or incorrect annotation: expected k=v, found …``, an identity or log refusal), as
  any other refusal (a bad ``--type``, flag or reference; a registry or network failure).

``--repository`` (default ``$SIGSTACK_REPOSITORY``, cosign's ``COSIGN_REPOSITORY``) stores /
looks up the attachments in another repository (:mod:`sigstack.cli._registry`). Note: cosign
wraps a ``custom`` predicate as ``{"Data": …, "Timestamp": …}``; here, as in ``attest-blob``,
the predicate is the JSON object given, whatever the type.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sigstack.cli._registry import (
    add_annotation_argument,
    add_image_arguments,
    add_image_signing_arguments,
    image_signer,
    open_image,
    parse_annotations,
    print_checks,
    warn,
)
from sigstack.cli._trust import add_trust_arguments, trusted_root
from sigstack.cli._verify_args import add_policy_arguments, read_input
from sigstack.cli._verify_args import policy as identity_policy
from sigstack.clock import utc_now

__all__ = ["register"]

_TYPES_HELP = (
    "predicate type: a URI or slsaprovenance|slsaprovenance02|slsaprovenance1|spdx|spdxjson|"
    "cyclonedx|link|vuln|openvex|custom (default custom)"
)


def register(commands: Any) -> None:
    """Add ``attest``, ``verify-attestation``, ``attach``, ``triangulate`` and ``tree``."""
    attest = commands.add_parser("attest", help="attest a container image (in-toto, DSSE)")
    add_image_arguments(attest, "attestations")
    attest.add_argument("--predicate", type=Path, required=True, help="the predicate (JSON)")
    attest.add_argument("--type", default="custom", help=_TYPES_HELP)
    attest.add_argument(
        "--replace", action="store_true", help="legacy: drop .att layers of the same type"
    )
    add_image_signing_arguments(attest, "att")
    attest.set_defaults(handler=_attest)

    verify = commands.add_parser(
        "verify-attestation", help="verify the attestations of a container image"
    )
    add_image_arguments(verify, "attestations")
    add_annotation_argument(verify, "to require on the statement's subject")
    verify.add_argument("--type", default="custom", help=_TYPES_HELP)
    add_policy_arguments(verify)
    add_trust_arguments(verify, signing=False)
    verify.set_defaults(handler=_verify)

    attach = commands.add_parser("attach", help="attach an artifact to a container image")
    kinds = attach.add_subparsers(dest="attachment", metavar="KIND", required=True)
    sbom = kinds.add_parser("sbom", help="attach an SBOM (cosign attach sbom)")
    add_image_arguments(sbom, "attachments")
    sbom.add_argument("--sbom", type=Path, required=True, help="the SBOM file")
    sbom.add_argument(
        "--type", default="spdx", choices=("spdx", "spdxjson", "cyclonedx", "syft"),
        help="SBOM type (default spdx)",
    )  # fmt: skip
    sbom.add_argument(
        "--format", choices=("legacy", "referrer"), default="legacy",
        help="legacy: the sha256-<hex>.sbom tag; referrer: an OCI 1.1 referrer",
    )  # fmt: skip
    sbom.set_defaults(handler=_attach_sbom)

    triangulate = commands.add_parser(
        "triangulate", help="print where cosign would look for an image's attachments"
    )
    add_image_arguments(triangulate, "attachments")
    triangulate.add_argument(
        "--type", default="signature", choices=("signature", "attestation", "sbom", "digest"),
        help="what to locate (default signature)",
    )  # fmt: skip
    triangulate.set_defaults(handler=_triangulate)

    tree = commands.add_parser("tree", help="list what is attached to a container image")
    add_image_arguments(tree, "attachments")
    tree.set_defaults(handler=_tree)


def _attest(args: argparse.Namespace) -> int:
    from sigstack.core.intoto import parse_predicate, predicate_type_uri
    from sigstack.errors import FormatError
    from sigstack.oci.attest import attest_image

    predicate_type_uri(args.type)  # refuse a bad --type before asking for a token
    try:
        predicate = parse_predicate(read_input(args.predicate, "predicate"))
    except FormatError as exc:
        raise FormatError(exc.message, field=str(args.predicate)) from exc
    signer = image_signer(args)
    with ExitStack() as stack:
        ref, registry, store = open_image(stack, args)
        outcome = attest_image(
            registry, ref, signer, predicate_type=args.type, predicate=predicate,
            format=args.format, repository=store, replace=args.replace,
        )  # fmt: skip
    warn(outcome.warning)
    print(
        f"attested {outcome.image} ({outcome.format}, {outcome.predicate_type}) "
        f"-> {outcome.location}"
    )
    return 0


def _verify(args: argparse.Namespace) -> int:
    from sigstack.core.intoto import predicate_type_uri
    from sigstack.oci.attest import NoAttestationsFound, NoMatchingAttestations, verify_attestations
    from sigstack.oci.evidence import ImageNotFound
    from sigstack.verify import Verifier

    predicate_type_uri(args.type)  # a bad --type is refused before anything is read
    required = parse_annotations(args.annotations)
    policy = identity_policy(args)
    verifier = Verifier(trusted_root(args), clock=utc_now)
    try:
        with ExitStack() as stack:
            ref, registry, store = open_image(stack, args)
            result = verify_attestations(
                registry, ref, verifier, policy, predicate_type=args.type,
                annotations=required, repository=store,
            )  # fmt: skip
    except (NoAttestationsFound, NoMatchingAttestations, ImageNotFound) as exc:
        print(f"sigstack: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print_checks(args.image, result.checks())
    for item in result.attestations:
        who = item.result.identity or "(managed key)"
        print(f"  {item.format}: {item.location} signed by {who}", file=sys.stderr)
    for reason in result.rejected:
        print(f"  not verified: {reason}", file=sys.stderr)
    if args.json:
        report = [
            {
                "format": item.format,
                "location": item.location,
                "identity": item.result.identity,
                "issuer": item.result.issuer,
                "predicateType": item.statement.predicate_type,
                "statement": item.payload(),
            }
            for item in result.attestations
        ]
        print(json.dumps(report, indent=2))
        return 0
    for item in result.attestations:
        print(item.envelope.decode())
    return 0


def _attach_sbom(args: argparse.Namespace) -> int:
    from sigstack.oci.attach import attach_sbom

    sbom = read_input(args.sbom, "SBOM")
    with ExitStack() as stack:
        ref, registry, store = open_image(stack, args)
        outcome = attach_sbom(registry, ref, sbom, args.type, format=args.format, repository=store)
    warn(outcome.warning)
    print(f"attached SBOM ({outcome.media_type}) to {outcome.image} -> {outcome.location}")
    return 0


def _triangulate(args: argparse.Namespace) -> int:
    from sigstack.oci.tree import triangulate

    with ExitStack() as stack:
        ref, registry, store = open_image(stack, args)
        print(triangulate(registry, ref, args.type, repository=store))
    return 0


def _tree(args: argparse.Namespace) -> int:
    from sigstack.oci.tree import tree

    with ExitStack() as stack:
        ref, registry, store = open_image(stack, args)
        found = tree(registry, ref, repository=store)
    for line in found.lines(args.image):
        print(line)
    return 0
