"""DSSE (Dead Simple Signing Envelope) v1 primitives.

Spec: github.com/secure-systems-lab/dsse ``protocol.md``; in Sigstore,
sigstore-clients.md §5.1 ("DSSE signature = … over PAE") and transparency-log.md §2.1
(the Rekor v2 hashedrekord digest of a DSSE envelope is SHA-256(PAE)).

>>> pae("application/vnd.in-toto+json", b"{}")
b'DSSEv1 28 application/vnd.in-toto+json 2 {}'
"""

from __future__ import annotations

from sigstack.errors import FormatError

__all__ = ["pae"]


def pae(payload_type: str, payload: bytes) -> bytes:
    """Pre-Authentication Encoding: ``"DSSEv1" SP len(type) SP type SP len(body) SP body``.

    Lengths are the ASCII decimal byte counts of the UTF-8 type and of the body
    (DSSE ``protocol.md`` "Signature definition"). Signers sign these bytes, not the
    payload itself.
    """
    try:
        type_bytes = payload_type.encode()
    except UnicodeEncodeError as exc:
        raise FormatError(
            "expected a payload type that is valid Unicode, found a lone surrogate",
            field="payloadType",
        ) from exc
    return b"DSSEv1 %d %b %d %b" % (len(type_bytes), type_bytes, len(payload), payload)
