"""TLS-encoded ``SignedCertificateTimestampList`` (RFC 6962 §3.2–3.3; ca-tsa-oidc-tuf.md §6.2).

Only framing lives here (the CT log signs SCTs): ``encode_sct_list`` joins serialized SCTs and
``check_sct_list`` refuses a list a client could not parse before it goes into a certificate.
"""

from __future__ import annotations

from collections.abc import Sequence

from sigstack.errors import FormatError

__all__ = ["check_sct_list", "encode_sct_list"]

_U16 = 0xFFFF
# version(1) ‖ log_id(32) ‖ timestamp(8) ‖ ext_len(2) ‖ hash(1) ‖ sig_alg(1) ‖ sig_len(2)
_MIN_SCT = 1 + 32 + 8 + 2 + 1 + 1 + 2


def encode_sct_list(scts: Sequence[bytes]) -> bytes:
    """``u16 total ‖ { u16 len ‖ sct }*`` (§6.2); each SCT as the log serialized it."""
    if any(len(s) > _U16 for s in scts):
        raise FormatError("SCT longer than 65535 bytes", field="sct_list")
    body = b"".join(len(s).to_bytes(2, "big") + s for s in scts)
    if len(body) > _U16:
        raise FormatError("SCT list longer than 65535 bytes", field="sct_list")
    out = len(body).to_bytes(2, "big") + body
    check_sct_list(out)
    return out


def check_sct_list(data: bytes) -> int:
    """Check the framing of a v1 SCT list and of each SCT in it; return how many SCTs it holds."""
    if len(data) < 2 or int.from_bytes(data[:2], "big") != len(data) - 2:
        raise FormatError("SCT list length prefix does not match", field="sct_list")
    pos, count = 2, 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise FormatError("truncated SCT length", field="sct_list")
        n = int.from_bytes(data[pos : pos + 2], "big")
        _check_sct(data[pos + 2 : pos + 2 + n], n, count)
        pos += 2 + n
        count += 1
    if count == 0:
        raise FormatError("empty SCT list", field="sct_list")
    return count


def _check_sct(sct: bytes, n: int, index: int) -> None:
    where = f"sct_list[{index}]"
    if len(sct) != n or n < _MIN_SCT:
        raise FormatError("truncated SCT", field=where)
    if sct[0] != 0:
        raise FormatError(f"SCT version {sct[0]}: only v1 (0)", field=where)
    ext_len = int.from_bytes(sct[41:43], "big")
    pos = 43 + ext_len
    if pos + 4 > n:
        raise FormatError("SCT extensions overrun the SCT", field=where)
    sig_len = int.from_bytes(sct[pos + 2 : pos + 4], "big")
    if pos + 4 + sig_len != n:
        raise FormatError("SCT signature length does not match", field=where)
