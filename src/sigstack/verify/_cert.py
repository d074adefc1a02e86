"""Steps 1, 2, 3 (profile) and 5 of sigstore-clients.md §9.2: the signing certificate.

1. chain: at each verified time, the leaf chains to the certificates of a trusted-root CA
   whose ``validFor`` contains that time (sigstore-js rule; sigstore-python ignores ``end``);
   a bundle chain that carries a self-signed root is rejected (conformance
   ``bundle-with-root-cert``); the leaf's own validity is step 5 and checked first so the
   reason is named;
2. SCT: an embedded precertificate SCT verifies with a trusted CT log key (by log ID)
   whose ``validFor`` contains the SCT's time (sigstore-js rule);
3. profile: not a CA, KeyUsage digitalSignature and EKU codeSigning.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from sigstack.core.ct.sct import issuer_key_hash, precert_signed_data
from sigstack.core.keys import verify_signature
from sigstack.core.trust.model import TrustedRoot
from sigstack.errors import Error
from sigstack.verify._tlog import log_key_of, within
from sigstack.verify.errors import (
    CertificateChainError,
    CertificateProfileError,
    CertificateValidityError,
    SCTError,
)

__all__ = ["check_bundle_chain", "check_profile", "check_validity", "verify_chain", "verify_sct"]


def check_bundle_chain(chain: Sequence[x509.Certificate]) -> None:
    """v0.1/v0.2 chains: no self-signed (root) certificate may travel in the bundle."""
    for cert in chain:
        if cert.issuer == cert.subject:
            raise CertificateChainError(
                f"the bundle's certificate chain contains a root ({cert.subject.rfc4514_string()})",
                field="x509CertificateChain",
            )


def check_validity(leaf: x509.Certificate, times: Sequence[datetime]) -> None:
    """Step 5: every verified time within [notBefore, notAfter]."""
    for moment in times:
        if not leaf.not_valid_before_utc <= moment <= leaf.not_valid_after_utc:
            raise CertificateValidityError(
                f"expected a time within the certificate's validity "
                f"[{leaf.not_valid_before_utc.isoformat()}, {leaf.not_valid_after_utc.isoformat()}]"
                f", found verified time {moment.isoformat()}",
                field="certificate",
            )


#: Fulcio certs carry EKU codeSigning, not WebPKI's serverAuth/clientAuth: EKU is left to
#: step 3 (check_profile), on CA and leaf alike.
_CA_POLICY = ExtensionPolicy.webpki_defaults_ca().may_be_present(
    x509.ExtendedKeyUsage, Criticality.AGNOSTIC, None
)
_EE_POLICY = ExtensionPolicy.permit_all()


#: ``issuer_key_hash`` of each trust-store certificate object, by identity; each entry
#: keeps its certificate alive, so an id is never reused while it is listed. Trust
#: material only, bounded.
_KEY_HASHES: dict[int, tuple[x509.Certificate, bytes]] = {}
_MAX_KEY_HASHES = 1024


@lru_cache(maxsize=64)
def _store(anchors: tuple[bytes, ...]) -> tuple[PolicyBuilder, frozenset[int]]:
    """A policy builder over the trust store of these CA certificates (DER), parsed once
    per set (pure; cached), and the identities of the store's certificate objects (a path
    the verifier builds holds the store's objects, and keeps them alive)."""
    certs = [x509.load_der_x509_certificate(der) for der in anchors]
    if len(_KEY_HASHES) > _MAX_KEY_HASHES:
        _KEY_HASHES.clear()
    for cert in certs:
        _KEY_HASHES[id(cert)] = (cert, issuer_key_hash(cert))
    builder = (
        PolicyBuilder()
        .store(Store(certs))
        .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICY)
    )
    return builder, frozenset(id(cert) for cert in certs)


def _valid_at(chain: Sequence[x509.Certificate], moment: datetime) -> bool:
    return all(c.not_valid_before_utc <= moment <= c.not_valid_after_utc for c in chain)


def verify_chain(
    leaf: x509.Certificate, root: TrustedRoot, times: Sequence[datetime]
) -> list[x509.Certificate]:
    """Step 1: the chain (leaf first) built at every verified time; the last one is returned.

    A path built at one time is a valid path at another time when every certificate on it
    is within its validity then and its CA certificates are among the anchors of that time
    (the other checks of path validation do not depend on the time), so the verifier runs
    again only when that does not hold. The anchors are compared as objects: a path holds
    the store's own certificate objects; were it ever to hold copies, the verifier would
    simply run again.
    """
    built: list[x509.Certificate] = []
    for moment in times:
        anchors = tuple(
            der
            for ca in root.certificate_authorities
            if within(ca.valid_for, moment)
            for der in ca.chain_der
        )
        if not anchors:
            raise CertificateChainError(
                f"expected a trusted CA valid at {moment.isoformat()}, found none",
                field="certificateAuthorities",
            )
        builder, trusted = _store(anchors)
        if built and all(id(cert) in trusted for cert in built[1:]) and _valid_at(built, moment):
            continue
        verifier = builder.time(moment).build_client_verifier()
        try:
            built = list(verifier.verify(leaf, []).chain)
        except VerificationError as exc:
            raise CertificateChainError(
                f"the certificate does not chain to a trusted CA at {moment.isoformat()}: {exc}",
                field="certificate",
            ) from exc
    return built


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def _millis(moment: datetime) -> int:
    """SCT time in ms since the epoch (floor); ``moment`` is timezone-aware UTC."""
    return (moment - _EPOCH) // _MILLISECOND


def _issuer_key_hash(issuer: x509.Certificate) -> bytes:
    """RFC 6962 §3.2 ``issuer_key_hash``: computed once per trust-store certificate object
    (the issuer on a built path is one), else from the certificate."""
    known = _KEY_HASHES.get(id(issuer))
    if known is not None and known[0] is issuer:
        return known[1]
    return issuer_key_hash(issuer)


def verify_sct(leaf: x509.Certificate, issuer: x509.Certificate, root: TrustedRoot) -> None:
    """Step 2: at least one embedded SCT verifies with a trusted CT log key."""
    try:
        ext = leaf.extensions.get_extension_for_class(
            x509.PrecertificateSignedCertificateTimestamps
        )
    except x509.ExtensionNotFound:
        raise SCTError("expected an embedded SCT, found none", field="certificate") from None
    keys = {log.log_id: log for log in root.ctlogs}
    reasons = []
    for sct in ext.value:
        log = keys.get(sct.log_id)
        if log is None:
            reasons.append(f"SCT from unknown log {sct.log_id.hex()[:16]}")
            continue
        moment = sct.timestamp  # naive UTC, built anew on each read
        aware = moment.replace(tzinfo=UTC)
        if not within(log.valid_for, aware):
            reasons.append(f"SCT time {moment} outside the CT key's validFor")
            continue
        data = precert_signed_data(
            timestamp=_millis(aware),
            issuer_key_hash=_issuer_key_hash(issuer),
            tbs_certificate=leaf.tbs_precertificate_bytes,
            extensions=sct.extension_bytes,
        )
        try:
            key = log_key_of(log.public_key_der, field="ctlogs[].publicKey")
            verify_signature(key, sct.signature, data, field="sct")
        except Error as exc:
            reasons.append(str(exc))
            continue
        return
    raise SCTError(f"no SCT verifies with a trusted CT key: {reasons}", field="certificate")


def check_profile(leaf: x509.Certificate) -> None:
    """Step 3: KeyUsage digitalSignature and ExtendedKeyUsage codeSigning."""
    found: dict[type, object] = {}
    for ext in leaf.extensions:  # one pass (cryptography refuses duplicate extensions)
        found[type(ext.value)] = ext.value
    usage = found.get(x509.KeyUsage)
    eku = found.get(x509.ExtendedKeyUsage)
    for value, missing in ((usage, x509.KeyUsage), (eku, x509.ExtendedKeyUsage)):
        if value is None:
            raise CertificateProfileError(
                f"missing extension: No {missing.__name__} extension was found",
                field="certificate",
            )
    constraints = found.get(x509.BasicConstraints)
    if isinstance(constraints, x509.BasicConstraints) and constraints.ca:
        raise CertificateProfileError("the signing certificate is a CA", field="certificate")
    if not isinstance(usage, x509.KeyUsage) or not usage.digital_signature:
        raise CertificateProfileError("KeyUsage lacks digitalSignature", field="certificate")
    if not isinstance(eku, x509.ExtendedKeyUsage) or ExtendedKeyUsageOID.CODE_SIGNING not in eku:
        raise CertificateProfileError("ExtendedKeyUsage lacks codeSigning", field="certificate")
