"""``sigstack-conformance``: the sigstore-conformance client protocol over sigstack.

The harness (``/work/shared/specs/conformance.md`` §1) reads only the exit code::

    sigstack-conformance verify-bundle [--staging] --bundle B \\
        (--key K | --certificate-identity I --certificate-oidc-issuer U) \\
        [--trusted-root TR] FILE_OR_sha256:HEX
    sigstack-conformance sign-bundle [--staging] [--in-toto] --identity-token JWT \\
        --bundle OUT [--trusted-root TR] [--signing-config SC] FILE

Exit 0 = verified; a refusal prints ``sigstack-conformance: error [CODE]: reason`` on
stderr and exits 1; usage errors exit 2. Without ``--trusted-root`` (``--signing-config``)
the embedded public-good root (signing config) is used, with ``--staging`` the staging
one (``sigstack/trust/``). Time is the real clock (:func:`sigstack.clock.utc_now`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from sigstack.clock import utc_now
from sigstack.errors import Error
from sigstack.sign import Signer, SigningContext
from sigstack.verify import (
    Digest,
    Identity,
    ManagedKey,
    VerificationFailure,
    Verifier,
    load_bundle,
    load_trusted_root,
)
from sigstack.verify.intoto import check_subject

__all__ = ["build_parser", "main"]

IN_TOTO = "application/vnd.in-toto+json"
_DIGEST = re.compile(r"^sha256:[0-9a-fA-F]{64}$")


def build_parser() -> argparse.ArgumentParser:
    """The protocol's argument parser (``sign-bundle`` and ``verify-bundle``)."""
    parser = argparse.ArgumentParser(
        prog="sigstack-conformance", description="sigstore-conformance client protocol."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    verify = commands.add_parser("verify-bundle", help="verify a bundle")
    verify.add_argument("--staging", action="store_true", help="use the staging trusted root")
    verify.add_argument("--bundle", type=Path, required=True, help="bundle to verify")
    who = verify.add_mutually_exclusive_group(required=True)
    who.add_argument("--key", type=Path, help="PEM public key of a managed-key bundle")
    who.add_argument("--certificate-identity", help="expected certificate SAN")
    verify.add_argument("--certificate-oidc-issuer", help="expected OIDC issuer")
    verify.add_argument("--trusted-root", type=Path, help="TrustedRoot JSON to use instead")
    verify.add_argument("input", metavar="FILE_OR_DIGEST", help="artifact path or sha256:HEX")
    verify.set_defaults(handler=_verify_bundle)
    sign = commands.add_parser("sign-bundle", help="sign an artifact into a bundle")
    sign.add_argument("--staging", action="store_true", help="use the staging instance")
    sign.add_argument("--in-toto", action="store_true", help="FILE is an in-toto statement")
    sign.add_argument("--identity-token", required=True, help="raw OIDC JWT")
    sign.add_argument("--bundle", type=Path, required=True, help="where to write the bundle")
    sign.add_argument("--trusted-root", type=Path, help="TrustedRoot JSON")
    sign.add_argument("--signing-config", type=Path, help="SigningConfig v0.2 JSON")
    sign.add_argument("input", type=Path, metavar="FILE", help="artifact or statement")
    sign.set_defaults(handler=_sign_bundle)
    return parser


def _embedded(staging: bool, kind: str) -> bytes:
    """An embedded public-good (or staging) ``trusted_root.json`` / ``signing_config.v0.2.json``."""
    name = f"{'staging' if staging else 'public-good'}.{kind}.json"
    return resources.files("sigstack").joinpath("trust", name).read_bytes()


def _artifact(value: str) -> bytes | Digest:
    """``sha256:HEX`` (when not an existing path) → a Digest; otherwise the file's bytes."""
    if _DIGEST.match(value) and not os.path.exists(value):
        return Digest("sha256", bytes.fromhex(value.removeprefix("sha256:")))
    return Path(value).read_bytes()


def _verify_bundle(args: argparse.Namespace) -> int:
    """Verify ``--bundle`` over the input; raise on any failure."""
    root_bytes = (
        args.trusted_root.read_bytes()
        if args.trusted_root
        else _embedded(args.staging, "trusted_root")
    )
    root = load_trusted_root(root_bytes)
    bundle = load_bundle(args.bundle.read_bytes())
    policy: Identity | ManagedKey
    if args.key is not None:
        policy = ManagedKey.from_pem(args.key.read_bytes())
    else:
        policy = Identity(args.certificate_identity, args.certificate_oidc_issuer)
    artifact = _artifact(args.input)
    verifier = Verifier(root, clock=utc_now)
    if bundle.dsse_envelope is not None:
        check_subject(verifier.verify_dsse(bundle, policy), artifact)
    else:
        verifier.verify_artifact(bundle, artifact, policy)
    print("OK", file=sys.stderr)
    return 0


def _sign_bundle(args: argparse.Namespace) -> int:
    """Sign FILE (a DSSE in-toto envelope with ``--in-toto``) and write the bundle JSON."""
    root = json.loads(
        args.trusted_root.read_bytes()
        if args.trusted_root
        else _embedded(args.staging, "trusted_root")
    )
    config = json.loads(
        args.signing_config.read_bytes()
        if args.signing_config
        else _embedded(args.staging, "signing_config.v0.2")
    )
    context = SigningContext.from_parts(root, config, now=utc_now())
    signer = Signer(context, args.identity_token, clock=utc_now)
    data = args.input.read_bytes()
    bundle = signer.sign_dsse(IN_TOTO, data) if args.in_toto else signer.sign_artifact(data)
    args.bundle.write_text(json.dumps(bundle, indent=2) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the protocol command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "verify-bundle" and args.key is None and not args.certificate_oidc_issuer:
        parser.error("--certificate-identity needs --certificate-oidc-issuer")
    try:
        status: int = args.handler(args)
    except VerificationFailure as exc:
        print(f"sigstack-conformance: error [{exc.code}]: {exc}", file=sys.stderr)
        return 1
    except (Error, OSError) as exc:
        print(f"sigstack-conformance: error: {exc}", file=sys.stderr)
        return 1
    return status
