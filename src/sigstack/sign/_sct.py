"""The signer's check of a fresh certificate: its embedded SCT (sigstore-clients.md §4.4).

As sigstore-python does at signing time: exactly one embedded SCT; the precert issuer is
``chain[1]`` (or ``chain[2]`` when ``chain[1]`` is a CT pre-issuer); the SCT must verify
over the RFC 6962 §3.2 precert signed data with a CT key of the trusted root valid now
(looked up by log ID, every key tried on a miss). No chain or identity check here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cryptography import x509

from sigstack.core.ct.sct import (
    SignedCertificateTimestamp,
    decode_sct_list,
    issuer_key_hash,
    log_id_of,
    precert_signed_data,
    verify_sct,
)
from sigstack.core.x509.der import decode_tlv
from sigstack.core.x509.oids import CT_PRECERT_SIGNING_CERT, CT_SCT_LIST
from sigstack.errors import Error, FormatError, SignatureError

__all__ = ["check_embedded_sct"]


def _embedded_sct(leaf: x509.Certificate) -> SignedCertificateTimestamp:
    try:
        extension = leaf.extensions.get_extension_for_oid(CT_SCT_LIST)
    except x509.ExtensionNotFound:
        raise SignatureError(
            "the CA's certificate has no embedded SCT (extension 1.3.6.1.4.1.11129.2.4.2): "
            "it was not logged to certificate transparency"
        ) from None
    # the extension's value is a DER OCTET STRING around the TLS-encoded list (RFC 6962 §3.3)
    scts = decode_sct_list(decode_tlv(0x04, extension.value.public_bytes(), field="sct_list"))
    if len(scts) != 1:
        raise SignatureError(f"expected one embedded SCT, found {len(scts)}")
    return scts[0]


def _issuer(chain: Sequence[x509.Certificate]) -> x509.Certificate:
    if len(chain) < 2:
        raise FormatError(f"expected a chain of at least 2, found {len(chain)}", field="chain")
    issuer = chain[1]
    try:
        ekus = issuer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return issuer
    if CT_PRECERT_SIGNING_CERT in list(ekus):
        if len(chain) < 3:
            raise FormatError("a CT pre-issuer without its issuer in the chain", field="chain")
        return chain[2]
    return issuer


def check_embedded_sct(chain: Sequence[x509.Certificate], trusted_keys: Sequence[Any]) -> None:
    """Raise :class:`SignatureError` unless the leaf's SCT verifies with a trusted CT key."""
    if not trusted_keys:
        raise SignatureError("no CT log key of the trusted root is valid now")
    leaf = chain[0]
    sct = _embedded_sct(leaf)
    signed = precert_signed_data(
        timestamp=sct.timestamp,
        issuer_key_hash=issuer_key_hash(_issuer(chain)),
        tbs_certificate=leaf.tbs_precertificate_bytes,
        extensions=sct.extensions,
    )
    by_id = [k for k in trusted_keys if log_id_of(k) == sct.log_id]
    candidates = by_id or list(trusted_keys)
    failures: list[str] = []
    for key in candidates:
        try:
            verify_sct(sct, signed, key)
            return
        except Error as exc:
            failures.append(str(exc))
    raise SignatureError(
        f"the certificate's SCT (log ID {sct.log_id.hex()}) verifies with no trusted CT log "
        f"key: {'; '.join(failures)}"
    )
