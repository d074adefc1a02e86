"""What the verifying commands share: the identity policy flags and the report.

``verify-blob`` and ``verify-blob-attestation`` take cosign's flags
(``--certificate-identity[-regexp]``, ``--certificate-oidc-issuer[-regexp]``, or
``--key``), build one policy from them (sigstore-clients.md §9.4), and print the checks
that passed and what was proven (``--json``: as JSON).
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sigstack.errors import FormatError

if TYPE_CHECKING:
    from sigstack.verify import Digest, Identity, IdentityRegex, ManagedKey, VerificationResult

__all__ = [
    "CHECKS",
    "add_policy_arguments",
    "bundle_path",
    "policy",
    "read_artifact",
    "read_input",
    "render",
]

_DIGEST = re.compile(r"^sha256:[0-9a-fA-F]{64}$")

#: What a successful verification has established (sigstore-clients.md §9 steps).
CHECKS = (
    "bundle parsed (media type, structure)",
    "certificate chains to a trusted CA and carries a valid SCT (or the managed key matched)",
    "identity policy satisfied",
    "transparency log entry: inclusion proof, signed checkpoint / SET, log key valid",
    "verified time(s) within the certificate validity",
    "artifact digest and signature verify",
    "log entry consistent with the bundle",
)


def read_input(path: Path, what: str) -> bytes:
    """The bytes of an input file; a missing or unreadable file is a :class:`FormatError`."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FormatError(
            f"cannot read the {what}: {exc.strerror or exc}", field=str(path)
        ) from exc


def read_artifact(value: str) -> bytes | Digest:
    """``FILE``, or ``sha256:HEX`` (when no file has that name): the artifact's bytes, or
    only its SHA-256 digest (as cosign and the conformance protocol accept)."""
    if _DIGEST.match(value) and not Path(value).exists():
        from sigstack.verify import Digest

        return Digest("sha256", bytes.fromhex(value.removeprefix("sha256:")))
    return read_input(Path(value), "file")


def bundle_path(args: argparse.Namespace) -> Path:
    """``--bundle``, else ``FILE.sigstore.json``; a digest input needs ``--bundle``."""
    if args.bundle is not None:
        return Path(args.bundle)
    if _DIGEST.match(args.file) and not Path(args.file).exists():
        raise FormatError(
            f"signing a digest ({args.file[:20]}…) needs --bundle: there is no file to name "
            "the bundle after"
        )
    file = Path(args.file)
    return file.with_name(file.name + ".sigstore.json")


def add_policy_arguments(parser: argparse.ArgumentParser) -> None:
    """The identity (exact or regexp) and issuer flags, ``--key``, and ``--json``."""
    subject = parser.add_mutually_exclusive_group()
    subject.add_argument("--certificate-identity", help="exact expected SAN")
    subject.add_argument("--certificate-identity-regexp", help="SAN regular expression")
    issuer = parser.add_mutually_exclusive_group()
    issuer.add_argument("--certificate-oidc-issuer", help="exact expected OIDC issuer")
    issuer.add_argument("--certificate-oidc-issuer-regexp", help="issuer regular expression")
    parser.add_argument("--key", type=Path, help="PEM public key of a managed-key bundle")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def policy(args: argparse.Namespace) -> Identity | IdentityRegex | ManagedKey:
    """The policy the flags ask for; :class:`FormatError` when neither identity nor key."""
    from sigstack.verify import Identity, IdentityRegex, ManagedKey

    if args.key is not None:
        return ManagedKey.from_pem(read_input(args.key, "public key"))
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


def render(
    result: VerificationResult,
    args: argparse.Namespace,
    *,
    checks: Sequence[str] = CHECKS,
    extra: Mapping[str, str] | None = None,
) -> None:
    """Print what was verified: text, or JSON with ``--json``; ``extra`` adds named facts."""
    times = [t.isoformat() for t in result.verified_times]
    indexes = [e.log_index for e in result.log_entries]
    report: dict[str, object] = {
        "verified": True,
        "file": str(args.file),
        "identity": result.identity,
        "issuer": result.issuer,
        "verifiedTimes": times,
        "logIndexes": indexes,
        "checks": list(checks),
        **(extra or {}),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"OK: {args.file}")
    for check in checks:
        print(f"  ✓ {check}")
    print(f"identity: {result.identity or '(managed key)'}")
    print(f"issuer:   {result.issuer or '-'}")
    for key, value in (extra or {}).items():
        print(f"{key}: {value}")
    print(f"times:    {', '.join(times)}")
    print(f"log index: {', '.join(map(str, indexes))}")
