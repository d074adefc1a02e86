"""Verify a timestamp response with rfc3161-client (what sigstore-python uses).

A thin wrapper: rfc3161-client checks the status, the CMS signature and chain
at ``genTime`` (OpenSSL ``PKCS7_verify``, purpose timestamp signing), the nonce
and policy when given, the leaf's critical timeStamping EKU and the message
imprint (RFC 3161 §2.4.2). Failures raise :class:`~sigstack.errors.VerificationError`.
"""

from __future__ import annotations

from collections.abc import Sequence

import rfc3161_client
from cryptography import x509

from sigstack.errors import VerificationError

__all__ = ["verify_response"]


def verify_response(
    response: bytes,
    message: bytes,
    *,
    chain: Sequence[x509.Certificate],
    nonce: int | None = None,
    policy_oid: str | None = None,
) -> rfc3161_client.TimeStampResponse:
    """Check ``response`` timestamps ``message``, signed by ``chain`` (leaf first, root last).

    Returns the decoded response so callers can read ``tst_info.gen_time``.
    """
    if len(chain) < 2:
        raise VerificationError("a TSA chain needs at least the leaf and a root")
    try:
        decoded = rfc3161_client.decode_timestamp_response(response)
    except (ValueError, rfc3161_client.VerificationError) as exc:
        raise VerificationError(f"not a TimeStampResp: {exc}") from exc
    builder = rfc3161_client.VerifierBuilder().tsa_certificate(chain[0])
    for cert in chain[1:-1]:
        builder = builder.add_intermediate_certificate(cert)
    builder = builder.add_root_certificate(chain[-1])
    if nonce is not None:
        builder = builder.nonce(nonce)
    if policy_oid is not None:
        builder = builder.policy_id(x509.ObjectIdentifier(policy_oid))
    try:
        builder.build().verify_message(decoded, message)
    except (ValueError, rfc3161_client.VerificationError) as exc:
        raise VerificationError(f"timestamp does not verify: {exc}") from exc
    return decoded
