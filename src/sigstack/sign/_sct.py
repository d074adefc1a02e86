"""The signer's check of a fresh certificate: its embedded SCT (sigstore-clients.md §4.4).

As sigstore-python does at signing time: exactly one embedded SCT; the precert issuer is
``chain[1]`` (or ``chain[2]`` when ``chain[1]`` is a CT pre-issuer); the SCT must verify
over the RFC 6962 §3.2 precert signed data with a CT key of the trusted root valid now
(looked up by log ID, every key tried on a miss). No chain or identity check here.

The certificates are read with :mod:`sigstack.core.x509.certificate` (DER, no
``cryptography.x509``): the precert TBS is the leaf's TBS without the SCT list extension,
the issuer key hash the SHA-256 of the issuer's SubjectPublicKeyInfo as it is encoded in
the issuer's certificate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sigstack.core.ct.sct import SignedCertificateTimestamp, decode_sct_list, verify_sct
from sigstack.core.ct.sct import precert_signed_data as _precert_signed_data
from sigstack.core.x509.certificate import Certificate, tbs_without_extension
from sigstack.core.x509.der import decode_tlv, read_tlv
from sigstack.errors import Error, FormatError, SignatureError
from sigstack.sign._trust import CTKey

__all__ = ["check_embedded_sct"]

#: DER contents of 1.3.6.1.4.1.11129.2.4.2 (SCT list) and .4 (precertificate signing EKU).
_SCT_LIST = bytes.fromhex("2b06010401d679020402")
_PRECERT_SIGNING = bytes.fromhex("2b06010401d679020404")
_EXTENDED_KEY_USAGE = bytes.fromhex("551d25")  # 2.5.29.37


def _embedded_sct(leaf: Certificate) -> SignedCertificateTimestamp:
    extension = leaf.extension(_SCT_LIST)
    if extension is None:
        raise SignatureError(
            "the CA's certificate has no embedded SCT (extension 1.3.6.1.4.1.11129.2.4.2): "
            "it was not logged to certificate transparency"
        )
    # the extension's value is a DER OCTET STRING around the TLS-encoded list (RFC 6962 §3.3)
    scts = decode_sct_list(decode_tlv(0x04, extension.value, field="sct_list"))
    if len(scts) != 1:
        raise SignatureError(f"expected one embedded SCT, found {len(scts)}")
    return scts[0]


def _is_pre_issuer(cert: Certificate) -> bool:
    """RFC 6962 §3.1: a precertificate signing certificate has EKU 1.3.6.1.4.1.11129.2.4.4."""
    eku = cert.extension(_EXTENDED_KEY_USAGE)
    if eku is None:
        return False
    purposes = decode_tlv(0x30, eku.value, field="extKeyUsage")  # SEQUENCE OF KeyPurposeId
    pos = 0
    while pos < len(purposes):
        tag, start, end = read_tlv(purposes, pos, field="extKeyUsage")
        if tag != 0x06:
            raise FormatError("expected OIDs in the ExtendedKeyUsage", field="extKeyUsage")
        if purposes[start:end] == _PRECERT_SIGNING:
            return True
        pos = end
    return False


def _issuer(chain: Sequence[Certificate]) -> Certificate:
    if len(chain) < 2:
        raise FormatError(f"expected a chain of at least 2, found {len(chain)}", field="chain")
    issuer = chain[1]
    if _is_pre_issuer(issuer):
        if len(chain) < 3:
            raise FormatError("a CT pre-issuer without its issuer in the chain", field="chain")
        return chain[2]
    return issuer


def precert_signed_data(chain: Sequence[Certificate], sct: SignedCertificateTimestamp) -> bytes:
    """What the leaf's SCT signs: RFC 6962 §3.2 ``precert_entry`` over the leaf's TBS
    without its SCT list, with the issuer's key hash."""
    return _precert_signed_data(
        timestamp=sct.timestamp,
        issuer_key_hash=hashlib.sha256(_issuer(chain).spki).digest(),
        tbs_certificate=tbs_without_extension(chain[0].tbs, _SCT_LIST, name="SCT list"),
        extensions=sct.extensions,
    )


def check_embedded_sct(chain: Sequence[Certificate], trusted_keys: Sequence[CTKey]) -> None:
    """Raise :class:`SignatureError` unless the leaf's SCT verifies with a trusted CT key."""
    if not trusted_keys:
        raise SignatureError("no CT log key of the trusted root is valid now")
    sct = _embedded_sct(chain[0])
    signed = precert_signed_data(chain, sct)
    by_id = [k for k in trusted_keys if k.log_id == sct.log_id]
    candidates = by_id or list(trusted_keys)
    failures: list[str] = []
    for key in candidates:
        try:
            verify_sct(sct, signed, key.public_key, log_id=key.log_id)
            return
        except Error as exc:
            failures.append(str(exc))
    raise SignatureError(
        f"the certificate's SCT (log ID {sct.log_id.hex()}) verifies with no trusted CT log "
        f"key: {'; '.join(failures)}"
    )
