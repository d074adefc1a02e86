"""``sigstack sign-blob`` and ``sigstack verify-blob``: keyless signing and offline verification.

``sign-blob FILE`` signs with the services of a ClientTrustConfig (default
``$SIGSTACK_HOME/trust_config.json``) for the identity of ``--identity-token`` (or
``$SIGSTORE_IDENTITY_TOKEN``) and writes ``FILE.sigstore.json``. ``verify-blob FILE
--bundle B`` checks the bundle against a trusted root for an identity policy (exact or
regular expressions) or a managed ``--key`` (a DSSE bundle: FILE must be a subject of its
in-toto statement), and prints the checks and the proven identity
(``--json``: as JSON). Refusals reach ``main``'s one ``except Error``: exit 1 with the reason.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from sigstack.cli._identity import add_identity_arguments, identity_token
from sigstack.cli._trust import add_trust_arguments, signing_context, trusted_root
from sigstack.cli.conformance import check_subject
from sigstack.clock import utc_now
from sigstack.errors import FormatError
from sigstack.sign import Signer
from sigstack.verify import (
    Identity,
    IdentityRegex,
    ManagedKey,
    VerificationResult,
    Verifier,
    load_bundle,
)

__all__ = ["register"]

#: What a successful ``verify-blob`` has established (sigstore-clients.md §9 steps).
CHECKS = (
    "bundle parsed (media type, structure)",
    "certificate chains to a trusted CA and carries a valid SCT (or the managed key matched)",
    "identity policy satisfied",
    "transparency log entry: inclusion proof, signed checkpoint / SET, log key valid",
    "verified time(s) within the certificate validity",
    "artifact digest and signature verify",
    "log entry consistent with the bundle",
)


def register(commands: Any) -> None:
    """Add ``sign-blob`` and ``verify-blob``."""
    sign = commands.add_parser("sign-blob", help="sign a file into a Sigstore bundle")
    sign.add_argument("file", type=Path, metavar="FILE", help="the artifact to sign")
    sign.add_argument("--bundle", type=Path, help="output (default FILE.sigstore.json)")
    add_identity_arguments(sign)
    add_trust_arguments(sign, signing=True)
    sign.add_argument("--rekor-version", type=int, choices=(1, 2), help="log API version")
    sign.set_defaults(handler=_sign_blob)

    verify = commands.add_parser("verify-blob", help="verify a file against a Sigstore bundle")
    verify.add_argument("file", type=Path, metavar="FILE", help="the artifact")
    verify.add_argument("--bundle", type=Path, required=True, help="the bundle")
    subject = verify.add_mutually_exclusive_group()
    subject.add_argument("--certificate-identity", help="exact expected SAN")
    subject.add_argument("--certificate-identity-regexp", help="SAN regular expression")
    issuer = verify.add_mutually_exclusive_group()
    issuer.add_argument("--certificate-oidc-issuer", help="exact expected OIDC issuer")
    issuer.add_argument("--certificate-oidc-issuer-regexp", help="issuer regular expression")
    verify.add_argument("--key", type=Path, help="PEM public key of a managed-key bundle")
    add_trust_arguments(verify, signing=False)
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(handler=_verify_blob)


def _sign_blob(args: argparse.Namespace) -> int:
    token = identity_token(args)
    context = signing_context(args, now=utc_now(), rekor_version=args.rekor_version)
    bundle = Signer(context, token, clock=utc_now).sign_artifact(args.file.read_bytes())
    out: Path = args.bundle or args.file.with_name(args.file.name + ".sigstore.json")
    out.write_text(json.dumps(bundle, indent=2) + "\n")
    print(f"wrote {out} (Rekor v{context.rekor_version} at {context.rekor_url})")
    return 0


def _policy(args: argparse.Namespace) -> Identity | IdentityRegex | ManagedKey:
    if args.key is not None:
        return ManagedKey.from_pem(args.key.read_bytes())
    subject = args.certificate_identity or args.certificate_identity_regexp
    issuer = args.certificate_oidc_issuer or args.certificate_oidc_issuer_regexp
    if not subject or not issuer:
        raise FormatError(
            "give --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp], or --key"
        )
    if args.certificate_identity and args.certificate_oidc_issuer:
        return Identity(subject, issuer)
    return IdentityRegex(
        args.certificate_identity_regexp or re.escape(subject),
        args.certificate_oidc_issuer_regexp or re.escape(issuer),
    )


def _render(result: VerificationResult, args: argparse.Namespace) -> None:
    times = [t.isoformat() for t in result.verified_times]
    indexes = [e.log_index for e in result.log_entries]
    report = {
        "verified": True,
        "file": str(args.file),
        "identity": result.identity,
        "issuer": result.issuer,
        "verifiedTimes": times,
        "logIndexes": indexes,
        "checks": list(CHECKS),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"OK: {args.file}")
    for check in CHECKS:
        print(f"  ✓ {check}")
    print(f"identity: {result.identity or '(managed key)'}")
    print(f"issuer:   {result.issuer or '-'}")
    print(f"times:    {', '.join(times)}")
    print(f"log index: {', '.join(map(str, indexes))}")


def _verify_blob(args: argparse.Namespace) -> int:
    verifier = Verifier(trusted_root(args), clock=utc_now)
    policy = _policy(args)
    bundle = load_bundle(args.bundle.read_bytes())
    artifact = args.file.read_bytes()
    if bundle.dsse_envelope is not None:  # an in-toto statement: FILE must be a subject
        result = verifier.verify_dsse(bundle, policy)
        check_subject(result, artifact)
    else:
        result = verifier.verify_artifact(bundle, artifact, policy)
    _render(result, args)
    return 0
