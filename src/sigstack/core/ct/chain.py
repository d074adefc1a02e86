"""Checks a CT log makes on a submitted chain before logging it (RFC 6962 §3.1, §4.1).

``chain[0]`` is the end-entity certificate (``add-chain``) or the precertificate with the
critical poison extension (``add-pre-chain``); each following certificate must have
issued the one before it, and the chain must end in, or be issued by, a root the log
accepts. Precertificates issued by a Precertificate Signing Certificate (EKU
1.3.6.1.4.1.11129.2.4.4) are not supported: Fulcio signs precerts with its CA key.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID, ObjectIdentifier

from sigstack.core.ct.leaf import (
    extra_data_precert,
    extra_data_x509,
    signed_entry_precert,
    signed_entry_x509,
)
from sigstack.core.ct.sct import issuer_key_hash
from sigstack.core.x509.precert import precert_tbs
from sigstack.errors import FormatError, UnsupportedError, VerificationError

__all__ = ["CheckedChain", "check_chain"]

_PRECERT_SIGNING = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.4")


@dataclass(frozen=True, slots=True)
class CheckedChain:
    """A chain the log accepts, with what the SCT and the leaf commit to."""

    precert: bool
    #: ``entry_type ‖ signed_entry`` (§3.2): identical for every resubmission of the cert.
    signed_entry: bytes
    issuer_key_hash: bytes
    #: Precert TBS without poison, or the certificate DER (x509 entries).
    entry_bytes: bytes
    #: ``extra_data`` of ``get-entries`` (§4.6), chain completed with the accepted root.
    extra_data: bytes

    @property
    def dedup_key(self) -> bytes:
        """SHA-256 of ``signed_entry``: the same certificate always maps to one log entry."""
        return hashlib.sha256(self.signed_entry).digest()


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _describe(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string() or f"serial {cert.serial_number:x} (empty subject)"


@functools.lru_cache(maxsize=256)
def _ca_issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``_issued_by`` for CA links, memoized: the same few issuer chains come with every
    submission, and certificates compare (and hash) by their DER."""
    return _issued_by(cert, issuer)


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _check_eku(extensions: x509.Extensions, required: Sequence[ObjectIdentifier]) -> None:
    """At least one of ``required`` in chain[0]'s EKU (TesseraCT's ``--ext_key_usages``)."""
    try:
        found = list(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        found = []
    if not set(found) & set(required):
        wanted = ", ".join(o.dotted_string for o in required)
        has = ", ".join(o.dotted_string for o in found) or "none"
        raise FormatError(f"chain[0] extended key usage must include one of {wanted}; it has {has}")


def check_chain(
    chain: Sequence[x509.Certificate],
    accepted_roots: Sequence[x509.Certificate],
    *,
    precert: bool,
    required_ekus: Sequence[ObjectIdentifier] = (),
) -> CheckedChain:
    """Check ``chain`` for ``add-pre-chain`` (``precert``) or ``add-chain``; raise saying why not.

    ``required_ekus``, when given, restricts what the log accepts to certificates whose
    EKU has one of them (a Sigstore CT log accepts code signing only).

    FormatError for a chain of the wrong shape (missing or unexpected poison, no issuer, EKU),
    VerificationError when a signature does not link or the chain reaches no accepted root.
    """
    if not chain:
        raise FormatError("chain is empty: expected the certificate, then its issuers")
    leaf = chain[0]
    try:
        extensions = leaf.extensions
    except ValueError as exc:  # duplicate or malformed extensions
        raise FormatError(f"chain[0] has invalid extensions: {exc}") from exc
    has_poison = any(e.oid == ExtensionOID.PRECERT_POISON for e in extensions)
    if precert:
        if not has_poison:
            raise FormatError(
                "chain[0] has no CT poison extension (1.3.6.1.4.1.11129.2.4.3); a final"
                " certificate goes to add-chain"
            )
        if not extensions.get_extension_for_oid(ExtensionOID.PRECERT_POISON).critical:
            raise FormatError("chain[0]: the CT poison extension must be critical (RFC 6962 §3.1)")
        if len(chain) < 2:
            raise FormatError("add-pre-chain needs the precertificate's issuer as chain[1]")
    elif has_poison:
        raise FormatError("chain[0] is a precertificate (it has the poison); use add-pre-chain")
    if required_ekus:
        _check_eku(extensions, required_ekus)
    for i in range(len(chain) - 1):
        link_ok = _issued_by if i == 0 else _ca_issued_by
        if not link_ok(chain[i], chain[i + 1]):
            raise VerificationError(
                f"chain[{i}] ({_describe(chain[i])}) was not issued by chain[{i + 1}]"
                f" ({_describe(chain[i + 1])}): expected each certificate to be signed by the next"
            )
    tail = chain[-1]
    root_ders = {_der(r) for r in accepted_roots}
    issuers = list(chain[1:])
    if _der(tail) not in root_ders:
        root = next((r for r in accepted_roots if _ca_issued_by(tail, r)), None)
        if root is None:
            raise VerificationError(
                f"chain ends at {_describe(tail)}, which neither is nor was issued by one of"
                f" the log's {len(accepted_roots)} accepted roots (see get-roots)"
            )
        issuers.append(root)
    issuer_ders = [_der(c) for c in issuers]
    if precert:
        issuer = chain[1]
        try:
            eku = issuer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            eku = x509.ExtendedKeyUsage([])
        except ValueError as exc:
            raise FormatError(f"chain[1] has invalid extensions: {exc}") from exc
        if _PRECERT_SIGNING in eku:
            raise UnsupportedError(
                "precertificates signed by a Precertificate Signing Certificate are not"
                " supported; sign the precertificate with the issuing CA's key"
            )
        key_hash = issuer_key_hash(issuer)
        tbs = precert_tbs(leaf)
        return CheckedChain(
            True,
            signed_entry_precert(key_hash, tbs),
            key_hash,
            tbs,
            extra_data_precert(_der(leaf), issuer_ders),
        )
    der = _der(leaf)
    return CheckedChain(False, signed_entry_x509(der), b"", der, extra_data_x509(issuer_ders))
