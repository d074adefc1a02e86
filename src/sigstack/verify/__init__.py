"""Offline Sigstore verification (sigstore-clients.md §9): pure, no network, no wall clock.

``Verifier(trusted_root, clock=...)`` checks bundles from :func:`load_bundle` against a
root from :func:`load_trusted_root`; failures are :class:`VerificationFailure` subclasses
whose ``code`` names the step::

    from datetime import UTC, datetime
    from pathlib import Path

    from sigstack.verify import Identity, Verifier, VerificationFailure
    from sigstack.verify import load_bundle, load_trusted_root

    root = load_trusted_root(Path("trusted_root.json").read_bytes())
    verifier = Verifier(root, clock=lambda: datetime.now(UTC))  # the caller owns the clock
    bundle = load_bundle(Path("a.txt.sigstore.json").read_bytes())
    policy = Identity("me@example.com", "https://accounts.example.com")
    try:
        result = verifier.verify_artifact(bundle, Path("a.txt").read_bytes(), policy)
    except VerificationFailure as exc:
        print("rejected at step", exc.code, exc)
    else:
        print("signed by", result.identity, "at", result.verified_times)

Managed keys: ``policy = ManagedKey.from_pem(Path("key.pub").read_bytes())``. Pre-hashed
artifacts: ``Digest("sha256", bytes.fromhex(hex))`` in place of the bytes.
"""

from sigstack.core.bundle import Bundle, parse_bundle
from sigstack.core.trust.model import TrustedRoot
from sigstack.core.trust.parse import parse_trusted_root
from sigstack.errors import FormatError
from sigstack.verify.errors import (
    BundleFormatError,
    CertificateChainError,
    CertificateProfileError,
    CertificateValidityError,
    CheckpointError,
    IdentityError,
    InclusionProofError,
    LogEntryMismatchError,
    ManagedKeyError,
    MessageDigestError,
    PromiseError,
    SCTError,
    SignatureMismatchError,
    TimestampError,
    TrustedRootError,
    VerificationFailure,
)
from sigstack.verify.identity import (
    AllOf,
    AnyOf,
    Extension,
    GitHubWorkflow,
    Identity,
    IdentityPolicy,
    IdentityRegex,
    Issuer,
    UnsafeNoIdentityCheck,
)
from sigstack.verify.intoto import (
    PredicateTypeError,
    StatementError,
    check_predicate_type,
    check_subject,
    statement_of,
)
from sigstack.verify.result import VerificationResult
from sigstack.verify.verifier import Digest, ManagedKey, Verifier

__all__ = [
    "AllOf",
    "AnyOf",
    "BundleFormatError",
    "CertificateChainError",
    "CertificateProfileError",
    "CertificateValidityError",
    "CheckpointError",
    "Digest",
    "Extension",
    "GitHubWorkflow",
    "Identity",
    "IdentityError",
    "IdentityPolicy",
    "IdentityRegex",
    "InclusionProofError",
    "Issuer",
    "LogEntryMismatchError",
    "ManagedKey",
    "ManagedKeyError",
    "MessageDigestError",
    "PredicateTypeError",
    "PromiseError",
    "SCTError",
    "SignatureMismatchError",
    "StatementError",
    "TimestampError",
    "TrustedRoot",
    "TrustedRootError",
    "UnsafeNoIdentityCheck",
    "VerificationFailure",
    "VerificationResult",
    "Verifier",
    "check_predicate_type",
    "check_subject",
    "load_bundle",
    "load_trusted_root",
    "statement_of",
]


def load_bundle(data: bytes | str) -> Bundle:
    """Parse a bundle; any defect raises :class:`BundleFormatError` (code ``bundle-format``)."""
    try:
        return parse_bundle(data)
    except FormatError as exc:
        raise BundleFormatError(exc.message, field=exc.field) from exc


def load_trusted_root(data: bytes | str) -> TrustedRoot:
    """Parse a TrustedRoot; any defect raises :class:`TrustedRootError` (``trusted-root``)."""
    try:
        return parse_trusted_root(data)
    except FormatError as exc:
        raise TrustedRootError(exc.message, field=exc.field) from exc
