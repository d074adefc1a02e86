"""Verification failures, one class per step, each with a stable ``code`` (sigstore-clients.md §9).

Tests and the CLI assert on ``code``; messages say what was expected and what was found.
"""

from __future__ import annotations

from typing import ClassVar

from sigstack.errors import VerificationError

__all__ = [
    "BundleFormatError",
    "CertificateChainError",
    "CertificateProfileError",
    "CertificateValidityError",
    "CheckpointError",
    "IdentityError",
    "InclusionProofError",
    "LogEntryMismatchError",
    "ManagedKeyError",
    "MessageDigestError",
    "PromiseError",
    "SCTError",
    "SignatureMismatchError",
    "TimestampError",
    "TrustedRootError",
    "VerificationFailure",
]


class VerificationFailure(VerificationError):
    """Base of every :mod:`sigstack.verify` failure; ``code`` names the step that failed."""

    code: ClassVar[str] = "verification"


class BundleFormatError(VerificationFailure):
    """§9.1: the bundle is malformed or structurally unverifiable."""

    code = "bundle-format"


class TrustedRootError(VerificationFailure):
    """The trusted root is malformed or lacks what this bundle needs."""

    code = "trusted-root"


class TimestampError(VerificationFailure):
    """§7.3 / step 0: an RFC 3161 timestamp does not verify, or no verified time at all."""

    code = "timestamp"


class CertificateChainError(VerificationFailure):
    """Step 1: the leaf does not chain to a CA of the trusted root valid at the time."""

    code = "certificate-chain"


class SCTError(VerificationFailure):
    """Step 2: no embedded SCT verifies against a trusted CT log key."""

    code = "sct"


class CertificateProfileError(VerificationFailure):
    """Step 3: KeyUsage digitalSignature / EKU codeSigning missing."""

    code = "certificate-profile"


class IdentityError(VerificationFailure):
    """Step 3: the certificate's identity does not satisfy the policy."""

    code = "identity"


class ManagedKeyError(VerificationFailure):
    """Managed-key path: no key given for a key bundle, or a key given for a certificate one."""

    code = "key"


class InclusionProofError(VerificationFailure):
    """Step 4: the inclusion proof is missing or does not lead to its root."""

    code = "tlog-inclusion"


class CheckpointError(VerificationFailure):
    """Step 4: the checkpoint is malformed, unsigned by the log, or not the proof's root."""

    code = "checkpoint"


class PromiseError(VerificationFailure):
    """Step 4: the SignedEntryTimestamp (inclusion promise) does not verify."""

    code = "set"


class CertificateValidityError(VerificationFailure):
    """Step 5: a verified time lies outside the leaf certificate's validity."""

    code = "certificate-validity"


class MessageDigestError(VerificationFailure):
    """Step 6: ``messageDigest`` is not the digest of the artifact."""

    code = "message-digest"


class SignatureMismatchError(VerificationFailure):
    """Step 6: the signature does not verify over the artifact or the DSSE PAE."""

    code = "signature"


class LogEntryMismatchError(VerificationFailure):
    """Step 7: the log entry is not about this signature / artifact / key (CVE-2022-36056)."""

    code = "log-entry-mismatch"
