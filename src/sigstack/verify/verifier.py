"""``Verifier``: offline Sigstore bundle verification (sigstore-clients.md §9).

Pure by construction (ARCHITECTURE §2): imports only :mod:`sigstack.core`, opens no socket,
never reads the wall clock — the caller passes ``clock``; verified times later than
``clock()`` are rejected. Steps, in sigstore-python 4.5.1's order (§9.2):

0. bundle structure (§9.1) and verified times: RFC 3161 timestamps (§7.3) plus the
   ``integratedTime`` of an entry with an inclusion promise;
1. certificate chain at each time (step 5, the leaf's own validity, is checked first so the
   failure names it); 2. SCT; 3. KeyUsage/EKU, then the identity policy;
4. log entry: Merkle inclusion, checkpoint, SET;
6. signature over the artifact digest or the DSSE PAE; 7. the entry matches the bundle.

Managed keys: pass :class:`ManagedKey` as the policy; the bundle must carry ``publicKey``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509

from sigstack.core.bundle import Bundle, DsseEnvelope, TlogEntry
from sigstack.core.dsse import pae
from sigstack.core.keys import (
    PublicKey,
    load_public_key,
    verify_prehashed,
    verify_signature,
)
from sigstack.core.trust.model import TrustedRoot
from sigstack.errors import Error
from sigstack.verify import _cert, _entry, _tlog
from sigstack.verify._times import verify_timestamps
from sigstack.verify.errors import (
    BundleFormatError,
    ManagedKeyError,
    MessageDigestError,
    SignatureMismatchError,
    TimestampError,
)
from sigstack.verify.identity import IdentityPolicy, certificate_issuer, certificate_san
from sigstack.verify.result import VerificationResult

__all__ = ["Digest", "ManagedKey", "VerificationResult", "Verifier"]


@dataclass(frozen=True)
class Digest:
    """A pre-computed artifact digest (``sha256:HEX`` on the command line)."""

    algorithm: str  # "sha256"
    value: bytes


@dataclass(frozen=True)
class ManagedKey:
    """Policy for managed-key bundles: the signature must be by this key."""

    key: PublicKey

    @classmethod
    def from_pem(cls, data: bytes) -> ManagedKey:
        """Load a PEM public key (cosign ``--key``); unreadable → :class:`ManagedKeyError`."""
        try:
            key, _ = load_public_key(data, field="key")
        except Error as exc:
            raise ManagedKeyError(f"unreadable public key: {exc.message}", field="key") from exc
        return cls(key)


Policy = IdentityPolicy | ManagedKey


class Verifier:
    """Verify bundles against one trusted root at times read from ``clock``."""

    def __init__(self, trusted_root: TrustedRoot, *, clock: Callable[[], datetime]) -> None:
        self._root = trusted_root
        self._clock = clock

    # -- step 0 ---------------------------------------------------------------------------
    def _structure(self, bundle: Bundle) -> TlogEntry:
        if len(bundle.tlog_entries) != 1:
            raise BundleFormatError(
                f"expected exactly 1 tlog entry, found {len(bundle.tlog_entries)}",
                field="tlogEntries",
            )
        entry = bundle.tlog_entries[0]
        if entry.kind_version.version not in ("0.0.1", "0.0.2"):
            raise BundleFormatError(f"unsupported entry version {entry.kind_version}")
        if bundle.version == "0.1" and entry.inclusion_promise is None:
            raise BundleFormatError("a v0.1 bundle needs an inclusion promise", field="tlogEntries")
        if entry.inclusion_promise is None and not bundle.rfc3161_timestamps:
            raise TimestampError(
                "expected an inclusion promise or an RFC 3161 timestamp (a Rekor v2 entry has "
                "no integrated time), found neither",
                field="timestampVerificationData",
            )
        if bundle.dsse_envelope is not None and len(bundle.dsse_envelope.signatures) != 1:
            raise BundleFormatError("a DSSE envelope needs exactly one signature")
        return entry

    def _times(self, bundle: Bundle, entry: TlogEntry, signature: bytes) -> list[datetime]:
        times = verify_timestamps(
            bundle.rfc3161_timestamps, signature, tuple(self._root.timestamp_authorities)
        )
        if entry.inclusion_promise is not None and entry.integrated_time:
            times.append(datetime.fromtimestamp(entry.integrated_time, UTC))
        if not times:
            raise TimestampError("not enough sources of verified time")
        now = self._clock()
        for moment in times:
            if moment > now:
                raise TimestampError(f"verified time {moment.isoformat()} is after now ({now})")
        return times

    # -- steps 1-5 ------------------------------------------------------------------------
    def _signer(
        self, bundle: Bundle, policy: Policy, times: list[datetime]
    ) -> tuple[PublicKey, _entry.Signer, x509.Certificate | None]:
        if bundle.certificate_chain is None:
            if not isinstance(policy, ManagedKey):
                raise ManagedKeyError(
                    "the bundle is signed with a managed key; expected a key to verify with, "
                    "found an identity policy",
                    field="verificationMaterial.publicKey",
                )
            return policy.key, _entry.Signer(None, None, policy.key), None
        if isinstance(policy, ManagedKey):
            raise ManagedKeyError("a key was given but the bundle carries a certificate")
        try:
            chain = [x509.load_der_x509_certificate(der) for der in bundle.certificate_chain]
        except ValueError as exc:
            raise BundleFormatError(f"unreadable certificate: {exc}", field="certificate") from exc
        leaf = chain[0]
        _cert.check_bundle_chain(chain[1:])
        _cert.check_validity(leaf, times)  # step 5, first so the reason is named
        built = _cert.verify_chain(leaf, self._root, times)  # step 1
        _cert.verify_sct(leaf, built[1], self._root)  # step 2
        _cert.check_profile(leaf)  # step 3
        policy.verify(leaf)
        key = leaf.public_key()
        if not isinstance(key, PublicKey):
            raise BundleFormatError("unsupported certificate key type", field="certificate")
        return key, _entry.Signer(leaf, bundle.certificate_chain[0], key), leaf

    def _log(self, entry: TlogEntry, times: list[datetime], version: str) -> None:
        """Step 4: inclusion proof, checkpoint, SET. A v0.1 bundle may prove inclusion by
        its SET alone (§9.1; what a legacy cosign ``.sig`` layer carries, oci-and-policy.md
        §1.3); ``_structure`` made sure a v0.1 entry has one."""
        log = _tlog.find_log(tuple(self._root.tlogs), entry, times)
        if version == "0.1" and entry.inclusion_proof is None:
            _tlog.verify_promise(entry, log)
            return
        _tlog.verify_inclusion_of(entry)
        _tlog.verify_checkpoint(entry, log)
        _tlog.verify_promise(entry, log)

    def _result(
        self,
        leaf: x509.Certificate | None,
        entry: TlogEntry,
        times: list[datetime],
        envelope: DsseEnvelope | None = None,
    ) -> VerificationResult:
        sans = certificate_san(leaf) if leaf is not None else []
        return VerificationResult(
            sans[0] if sans else None,
            certificate_issuer(leaf) if leaf is not None else None,
            (entry,),
            tuple(times),
            envelope.payload_type if envelope is not None else None,
            envelope.payload if envelope is not None else None,
        )

    # -- public ---------------------------------------------------------------------------
    def verify_artifact(
        self, bundle: Bundle, artifact: bytes | Digest, policy: Policy
    ) -> VerificationResult:
        """Verify a message-signature bundle over ``artifact`` (bytes or its SHA-256)."""
        message = bundle.message_signature
        if message is None:
            raise BundleFormatError("expected a messageSignature bundle, found a DSSE envelope")
        entry = self._structure(bundle)
        if isinstance(artifact, Digest):
            if artifact.algorithm != "sha256":
                raise MessageDigestError(f"unsupported digest {artifact.algorithm}")
            digest = artifact.value
        else:
            digest = hashlib.sha256(artifact).digest()
        times = self._times(bundle, entry, message.signature)
        key, signer, leaf = self._signer(bundle, policy, times)
        self._log(entry, times, bundle.version)
        if message.digest is not None and message.digest != digest:  # step 6
            raise MessageDigestError(
                f"expected messageDigest {digest.hex()} (the artifact's SHA-256), "
                f"found {message.digest.hex()}",
                field="messageSignature.messageDigest",
            )
        try:
            verify_prehashed(key, message.signature, digest, "sha256", field="signature")
        except Error as exc:
            raise SignatureMismatchError(str(exc), field="messageSignature.signature") from exc
        _entry.check_message_entry(entry, digest, message.signature, signer)  # step 7
        return self._result(leaf, entry, times)

    def verify_dsse(self, bundle: Bundle, policy: Policy) -> VerificationResult:
        """Verify a DSSE bundle; the result carries the payload type and payload."""
        envelope = bundle.dsse_envelope
        if envelope is None:
            raise BundleFormatError("expected a DSSE envelope, found a messageSignature")
        entry = self._structure(bundle)
        signature = envelope.signatures[0].sig
        times = self._times(bundle, entry, signature)
        key, signer, leaf = self._signer(bundle, policy, times)
        self._log(entry, times, bundle.version)
        pae_bytes = pae(envelope.payload_type, envelope.payload)
        try:
            verify_signature(key, signature, pae_bytes, field="dsseEnvelope.signatures[0]")
        except Error as exc:
            raise SignatureMismatchError(str(exc), field="dsseEnvelope.signatures") from exc
        _entry.check_dsse_entry(entry, envelope.payload, pae_bytes, signature, signer)
        return self._result(leaf, entry, times, envelope)
