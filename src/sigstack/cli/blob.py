"""``sigstack sign-blob`` and ``sigstack verify-blob``: keyless signing and offline verification.

``sign-blob FILE`` signs with the services of a ClientTrustConfig (default
``$SIGSTACK_HOME/trust_config.json``) for the identity of ``--identity-token`` (or
``$SIGSTORE_IDENTITY_TOKEN``), or with a cosign key file ``--key`` (password from
``$COSIGN_PASSWORD`` or the terminal; no token), and writes ``FILE.sigstore.json``.
``verify-blob FILE --bundle B`` checks the bundle against a trusted root for an identity
policy (exact or regular expressions) or a managed ``--key`` (a DSSE bundle: FILE must be
a subject of its in-toto statement), and prints the checks and the proven identity
(``--json``: as JSON). Refusals reach ``main``'s one ``except Error``: exit 1 with the reason.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sigstack.cli._identity import add_identity_arguments, identity_token
from sigstack.cli._trust import add_trust_arguments, signing_context, trusted_root
from sigstack.cli._verify_args import add_policy_arguments, bundle_path, read_artifact, render
from sigstack.cli._verify_args import policy as identity_policy
from sigstack.clock import utc_now
from sigstack.sign import Signer

if TYPE_CHECKING:
    from sigstack.sign.key_signer import KeySigner

# The verifier, the key-file reader and the managed-key signer are imported by the
# handler that needs them: `sign-blob` is a start-up-bound command (docs/benchmarks.md).

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add ``sign-blob`` and ``verify-blob``."""
    sign = commands.add_parser("sign-blob", help="sign a file into a Sigstore bundle")
    sign.add_argument("file", metavar="FILE", help="the artifact to sign, or sha256:HEX")
    sign.add_argument("--bundle", type=Path, help="output (default FILE.sigstore.json)")
    add_identity_arguments(sign)
    add_trust_arguments(sign, signing=True)
    sign.add_argument("--rekor-version", type=int, choices=(1, 2), help="log API version")
    sign.add_argument("--key", type=Path, help="sign with this cosign key file (no identity)")
    sign.set_defaults(handler=_sign_blob)

    verify = commands.add_parser("verify-blob", help="verify a file against a Sigstore bundle")
    verify.add_argument("file", metavar="FILE", help="the artifact, or sha256:HEX")
    verify.add_argument("--bundle", type=Path, required=True, help="the bundle")
    add_policy_arguments(verify)
    add_trust_arguments(verify, signing=False)
    verify.set_defaults(handler=_verify_blob)


def _sign_blob(args: argparse.Namespace) -> int:
    out = bundle_path(args)  # input and output settled before any password or sign-in
    artifact = read_artifact(args.file)
    key = None
    if args.key is not None:
        from sigstack.cli.keys import read_private_key

        key = read_private_key(args.key)  # the password first
    context = signing_context(args, now=utc_now(), rekor_version=args.rekor_version)
    signer: Signer | KeySigner
    if key is not None:
        from sigstack.sign.key_signer import KeySigner

        signer = KeySigner(context, key)
    else:
        token = identity_token(args, issuer_default=context.oidc_url)
        signer = Signer(context, token, clock=utc_now)
    if isinstance(artifact, bytes):
        bundle = signer.sign_artifact(artifact)
    else:
        bundle = signer.sign_digest(artifact.value)
    out.write_text(json.dumps(bundle, indent=2) + "\n")
    print(f"wrote {out} (Rekor v{context.rekor_version} at {context.rekor_url})")
    return 0


def _verify_blob(args: argparse.Namespace) -> int:
    from sigstack.verify import Verifier, load_bundle
    from sigstack.verify.intoto import check_subject

    verifier = Verifier(trusted_root(args), clock=utc_now)
    policy = identity_policy(args)
    bundle = load_bundle(args.bundle.read_bytes())
    artifact = read_artifact(args.file)
    if bundle.dsse_envelope is not None:  # an in-toto statement: FILE must be a subject
        result = verifier.verify_dsse(bundle, policy)
        check_subject(result, artifact)
    else:
        result = verifier.verify_artifact(bundle, artifact, policy)
    render(result, args)
    return 0
