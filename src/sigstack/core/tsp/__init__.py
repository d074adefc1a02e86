"""Time-Stamp Protocol (RFC 3161), pure: parse requests, build and verify responses.

* :mod:`.request`: ``TimeStampReq`` (DER) and the sigstore JSON form → :class:`TimestampRequest`.
* :mod:`.response`: granted ``TimeStampResp`` (CMS SignedData over TSTInfo) and rejections.
* :mod:`.certs`: the TSA leaf profile (EKU timeStamping only, critical) and a whole chain.
* :mod:`.cms`: a strict DER reader for the response and its CMS token.
* :mod:`.verify`: response verification against a trusted TSA chain (no OpenSSL CMS).
"""

from sigstack.core.tsp.request import (
    DEFAULT_POLICY_OID,
    TimestampRequest,
    check_policy,
    parse_json_request,
    parse_request,
)
from sigstack.core.tsp.response import (
    TimestampSigner,
    build_rejection,
    build_response,
    fail_info_for,
)
from sigstack.core.tsp.verify import verify_response

__all__ = [
    "DEFAULT_POLICY_OID",
    "TimestampRequest",
    "TimestampSigner",
    "build_rejection",
    "build_response",
    "check_policy",
    "fail_info_for",
    "parse_json_request",
    "parse_request",
    "verify_response",
]
