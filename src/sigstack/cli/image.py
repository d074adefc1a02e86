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
a summary (``--json``: cosign's JSON array, §2.2) and one ``not verified: <location>:
<reason>`` line per signature that did not verify beside one that did.

Exit codes of ``verify``, as cosign's, each with one ``sigstack: error: …`` line on stderr:

* 0 — at least one signature verified;
* 10 — ``no signatures found for image <ref>@<digest>``: nothing attached in either format;
* 11 — ``image not found: <ref> (…)``: the reference names no manifest;
* 12 — ``no matching signatures for image <ref>@<digest>: <location>: <reason>; …``: one
  reason per signature, e.g. ``invalid or missing digest in claim``, ``missing or incorrect
  annotation: expected k=v, found …``, an identity or log refusal;
* 1 — any other refusal (a bad flag or reference, a registry or network failure).

Registries on a loopback address are spoken to over plain HTTP; see :mod:`sigstack.cli._registry`.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
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
from sigstack.cli._verify_args import add_policy_arguments
from sigstack.cli._verify_args import policy as identity_policy
from sigstack.clock import utc_now

__all__ = ["register"]

#: What cosign adds to ``optional`` besides the signed annotations (§2.2).
_ADDED = frozenset({"Subject", "Issuer", "1.3.6.1.4.1.57264.1.1", "Bundle", "RFC3161Timestamp"})


def register(commands: Any) -> None:
    """Add ``sign`` and ``verify``."""
    sign = commands.add_parser("sign", help="sign a container image in its registry")
    add_image_arguments(sign, "signatures")
    add_annotation_argument(sign, "to sign")
    sign.add_argument(
        "--recursive", action="store_true", help="sign an index and every manifest it lists"
    )
    add_image_signing_arguments(sign, "sig")
    sign.set_defaults(handler=_sign)

    verify = commands.add_parser("verify", help="verify the signatures of a container image")
    add_image_arguments(verify, "signatures")
    add_annotation_argument(verify, "to require in the signed claim")
    add_policy_arguments(verify)
    add_trust_arguments(verify, signing=False)
    verify.set_defaults(handler=_verify)


def _sign(args: argparse.Namespace) -> int:
    from sigstack.oci.sign import sign_image

    signed_annotations = parse_annotations(args.annotations)
    signer = image_signer(args)
    keyless_legacy = args.format == "legacy" and args.key is None
    with ExitStack() as stack:
        ref, registry, store = open_image(stack, args)
        outcome = sign_image(
            registry, ref, signer, annotations=signed_annotations, format=args.format,
            repository=store, recursive=args.recursive,
            trusted_root=trusted_root(args) if keyless_legacy else None,
        )  # fmt: skip
    warn(outcome.warning)
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

    required = parse_annotations(args.annotations)
    policy = identity_policy(args)
    verifier = Verifier(trusted_root(args), clock=utc_now)
    try:
        with ExitStack() as stack:
            ref, registry, store = open_image(stack, args)
            result = verify_image(
                registry, ref, verifier, policy, annotations=required, repository=store
            )
    except (NoSignaturesFound, NoMatchingSignatures, ImageNotFound) as exc:
        print(f"sigstack: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print_checks(args.image, result.checks())
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
