"""``sigstack attest-blob`` and ``sigstack verify-blob-attestation`` (cosign's commands).

``attest-blob FILE --predicate P.json --type T`` builds an in-toto Statement v1 whose one
subject is FILE (``{name: basename, digest: {sha256}}``), ``predicateType`` T (a URI or
one of cosign's short names, :data:`sigstack.core.intoto.PREDICATE_TYPES`) and
``predicate`` the JSON object in P; or takes a ready statement with ``--statement S.json``
(FILE must be one of its subjects). It signs the statement as a DSSE envelope
(``application/vnd.in-toto+json``, sigstore-clients.md §5.1) and writes
``FILE.sigstore.json`` (or ``--bundle``). FILE may be ``sha256:HEX`` (the subject is then
named by its digest); ``--key`` signs with a cosign key file instead of an identity.

``verify-blob-attestation FILE --bundle B`` verifies the DSSE bundle offline for an
identity policy or ``--key``, then checks that FILE is a subject of the statement and,
with ``--type``, its predicate type; it prints the checks, the identity and the
predicate type (``--json``: as JSON).

Note: cosign wraps a ``custom`` predicate as ``{"Data": …, "Timestamp": …}``; here
every predicate is the JSON object given, whatever the type.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sigstack.cli._identity import add_identity_arguments, identity_token
from sigstack.cli._trust import add_trust_arguments, signing_context, trusted_root
from sigstack.cli._verify_args import (
    CHECKS,
    add_policy_arguments,
    bundle_path,
    policy,
    read_artifact,
    read_input,
    render,
)

if TYPE_CHECKING:
    from sigstack.verify import Digest

__all__ = ["register"]

#: What ``verify-blob-attestation`` establishes beyond ``verify-blob``'s checks.
ATTESTATION_CHECKS = (
    *CHECKS,
    "DSSE payload is an in-toto statement",
    "FILE is a subject of the statement",
)


def register(commands: Any) -> None:
    """Add ``attest-blob`` and ``verify-blob-attestation``."""
    attest = commands.add_parser(
        "attest-blob", help="sign an in-toto attestation about a file into a bundle"
    )
    attest.add_argument("file", metavar="FILE", help="the subject (a file, or sha256:HEX)")
    source = attest.add_mutually_exclusive_group(required=True)
    source.add_argument("--predicate", type=Path, help="the predicate (a JSON object)")
    source.add_argument("--statement", type=Path, help="a complete in-toto statement instead")
    attest.add_argument(
        "--type",
        help="predicate type: a URI or slsaprovenance|slsaprovenance02|slsaprovenance1|spdx|"
        "spdxjson|cyclonedx|link|vuln|openvex|custom (default custom)",
    )
    attest.add_argument("--bundle", type=Path, help="output (default FILE.sigstore.json)")
    attest.add_argument("--rekor-version", type=int, choices=(1, 2), help="log API version")
    attest.add_argument("--key", type=Path, help="sign with this cosign key file (no identity)")
    add_identity_arguments(attest)
    add_trust_arguments(attest, signing=True)
    attest.set_defaults(handler=_attest_blob)

    verify = commands.add_parser(
        "verify-blob-attestation", help="verify an in-toto attestation bundle about a file"
    )
    verify.add_argument("file", metavar="FILE", help="the subject (a file, or sha256:HEX)")
    verify.add_argument("--bundle", type=Path, required=True, help="the bundle")
    verify.add_argument("--type", help="expected predicate type (URI or cosign short name)")
    add_policy_arguments(verify)
    add_trust_arguments(verify, signing=False)
    verify.set_defaults(handler=_verify_blob_attestation)


def _subject(args: argparse.Namespace, artifact: bytes | Digest) -> tuple[str, bytes]:
    """The statement subject's name and SHA-256 for FILE (or ``sha256:HEX``)."""
    import hashlib

    if isinstance(artifact, bytes):
        return Path(args.file).name, hashlib.sha256(artifact).digest()
    return str(args.file).lower(), artifact.value


def _statement(args: argparse.Namespace, artifact: bytes | Digest) -> bytes:
    """The statement to sign: built from ``--predicate``/``--type``, or ``--statement``."""

    from sigstack.core.intoto import build_statement, parse_predicate, parse_statement
    from sigstack.errors import FormatError

    if args.statement is not None:
        data = read_input(args.statement, "statement")
        statement = parse_statement(data)
        name, sha256 = _subject(args, artifact)
        if sha256.hex() not in statement.sha256_subjects():
            raise FormatError(
                f"sha256:{sha256.hex()} ({name}) is not a subject of the statement",
                field=str(args.statement),
            )
        if args.type is not None:
            from sigstack.verify.intoto import check_predicate_type

            check_predicate_type(statement, args.type)
        return bytes(data)
    try:
        predicate = parse_predicate(read_input(args.predicate, "predicate"))
    except FormatError as exc:
        raise FormatError(exc.message, field=str(args.predicate)) from exc
    name, sha256 = _subject(args, artifact)
    return build_statement(name, sha256, args.type or "custom", predicate).encode()


def _attest_blob(args: argparse.Namespace) -> int:
    from sigstack.clock import utc_now
    from sigstack.core.intoto import PAYLOAD_TYPE
    from sigstack.sign import KeySigner, Signer

    out = bundle_path(args)  # input, output and statement settled before password or sign-in
    payload = _statement(args, read_artifact(args.file))
    key = None
    if args.key is not None:
        from sigstack.cli.keys import read_private_key

        key = read_private_key(args.key)
    context = signing_context(args, now=utc_now(), rekor_version=args.rekor_version)
    signer: Signer | KeySigner
    if key is not None:
        signer = KeySigner(context, key)
    else:
        signer = Signer(context, identity_token(args, issuer_default=context.oidc_url))
    bundle = signer.sign_dsse(PAYLOAD_TYPE, payload)
    out.write_text(json.dumps(bundle, indent=2) + "\n")
    predicate_type = json.loads(payload)["predicateType"]
    print(f"wrote {out} ({predicate_type}; Rekor v{context.rekor_version} at {context.rekor_url})")
    return 0


def _verify_blob_attestation(args: argparse.Namespace) -> int:
    from sigstack.clock import utc_now
    from sigstack.verify import (
        BundleFormatError,
        Verifier,
        check_predicate_type,
        check_subject,
        load_bundle,
    )

    verifier = Verifier(trusted_root(args), clock=utc_now)
    identity = policy(args)
    bundle = load_bundle(read_input(args.bundle, "bundle"))
    if bundle.dsse_envelope is None:
        raise BundleFormatError(
            "expected an attestation (a DSSE envelope), found a message signature: use verify-blob",
            field="messageSignature",
        )
    result = verifier.verify_dsse(bundle, identity)
    statement = check_subject(result, read_artifact(args.file))
    checks: tuple[str, ...] = ATTESTATION_CHECKS
    if args.type is not None:
        check_predicate_type(statement, args.type)
        checks = (*checks, f"predicate type is {statement.predicate_type}")
    render(result, args, checks=checks, extra={"predicateType": statement.predicate_type})
    return 0
