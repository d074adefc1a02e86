"""Precert TBS without the poison (§6.2, §6.3 step 2) and SCT list framing (RFC 6962 §3.3)."""

from __future__ import annotations

import pytest

from sigstack.core.x509.issuance import build_certificate, build_precertificate
from sigstack.core.x509.precert import precert_tbs, tbs_without_poison
from sigstack.core.x509.sct_list import check_sct_list, encode_sct_list
from sigstack.errors import FormatError

from .conftest import NOW, Chain, dummy_sct, request


def test_poison_removed_from_the_precert_tbs(ca: Chain) -> None:
    pre = build_precertificate(
        request(), issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW, serial=7
    )
    plain = build_certificate(
        request(), issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW, serial=7
    )
    tbs = precert_tbs(pre)
    assert tbs == plain.tbs_certificate_bytes
    # Extension { poison OID, critical TRUE, OCTET STRING { NULL } }
    poison = bytes.fromhex("3013060a2b06010401d6790204030101ff04020500")
    assert pre.tbs_certificate_bytes.endswith(poison)
    assert poison not in tbs


def test_a_tbs_without_poison_is_refused(ca: Chain) -> None:
    plain = build_certificate(
        request(), issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW
    )
    with pytest.raises(FormatError, match="no CT poison"):
        tbs_without_poison(plain.tbs_certificate_bytes)
    with pytest.raises(FormatError):
        tbs_without_poison(b"\x30\x03\x02\x01\x01")  # no extensions
    with pytest.raises(FormatError):
        tbs_without_poison(plain.tbs_certificate_bytes + b"\x00")
    with pytest.raises(FormatError):
        tbs_without_poison(b"")


def test_sct_list_framing() -> None:
    one, two = dummy_sct(), dummy_sct(2, extensions=b"\x00\x00\x05\x00\x00\x00\x00\x07")
    data = encode_sct_list([one, two])
    assert data[:2] == (len(data) - 2).to_bytes(2, "big")
    assert data[2:4] == len(one).to_bytes(2, "big") and data[4 : 4 + len(one)] == one
    assert check_sct_list(data) == 2


@pytest.mark.parametrize(
    ("scts", "message"),
    [
        ([], "empty"),
        ([b"\x00" * 46], "truncated"),
        ([b"\x01" + dummy_sct()[1:]], "version"),
        ([dummy_sct()[:-1]], "signature length"),
        ([dummy_sct()[:41] + b"\xff\xff" + dummy_sct()[43:]], "overrun"),
        ([b"\x00" * 70000], "65535"),
    ],
)
def test_bad_sct_lists(scts: list[bytes], message: str) -> None:
    with pytest.raises(FormatError, match=message):
        encode_sct_list(scts)


@pytest.mark.parametrize("data", [b"", b"\x00", b"\x00\x03\x00\x05\x00", b"\x00\x01\x00"])
def test_bad_list_prefixes(data: bytes) -> None:
    with pytest.raises(FormatError):
        check_sct_list(data)


def test_only_poison_leaves_no_extensions_field() -> None:
    # SEQUENCE { [0] version, INTEGER 1, [3] { SEQUENCE { poison } } }
    poison = bytes.fromhex("3013060a2b06010401d6790204030101ff04020500")
    exts = b"\xa3\x17\x30\x15" + poison
    tbs = (
        b"\x30" + bytes([5 + 3 + len(exts)]) + bytes.fromhex("a003020102") + b"\x02\x01\x01" + exts
    )
    assert tbs_without_poison(tbs) == bytes.fromhex("3008a003020102020101")


@pytest.mark.parametrize(
    "tbs",
    [
        bytes.fromhex("3005a303300201"),  # extension SEQUENCE overruns its parent
        bytes.fromhex("3006a30430020500"),  # extension does not start with an OID
        bytes.fromhex("3004a3020500"),  # [3] does not hold a SEQUENCE
    ],
)
def test_malformed_extensions_are_refused(tbs: bytes) -> None:
    with pytest.raises(FormatError):
        tbs_without_poison(tbs)
