"""Fulcio OID extensions byte for byte (ca-tsa-oidc-tuf.md §3)."""

from __future__ import annotations

import pytest
from cryptography import x509
from hypothesis import given, settings
from hypothesis import strategies as st

from sigstack.core.x509.der import decode_tlv, utf8string
from sigstack.core.x509.extensions import (
    decode_fulcio_extension,
    decode_fulcio_extensions,
    encode_fulcio_extensions,
)
from sigstack.core.x509.issuance import build_certificate
from sigstack.core.x509.oids import FULCIO_EXTENSIONS, SIGSTORE_ARC, oid_sort_key
from sigstack.errors import FormatError

from .conftest import ISSUER, NOW, V1, V2, Chain, request

ARC = f"{SIGSTORE_ARC}.1"


def test_table_has_every_fulcio_oid_but_the_san_othername() -> None:
    assert list(FULCIO_EXTENSIONS) == [f"{ARC}.{n}" for n in range(1, 25) if n != 7]
    assert FULCIO_EXTENSIONS[f"{ARC}.1"].name == "Issuer (V1, deprecated)"
    assert FULCIO_EXTENSIONS[f"{ARC}.8"].name == "Issuer (V2)"
    assert FULCIO_EXTENSIONS[f"{ARC}.24"].name == "Token Subject"
    assert [n for n, f in FULCIO_EXTENSIONS.items() if f.raw] == [f"{ARC}.{n}" for n in range(1, 7)]


def test_issuer_v1_is_raw_bytes() -> None:
    [ext] = encode_fulcio_extensions({V1: ISSUER})
    assert ext.oid.dotted_string == V1
    assert ext.value == b"https://github.com/login/oauth"


def test_issuer_v2_is_der_utf8string_as_in_the_spec() -> None:
    [ext] = encode_fulcio_extensions({V2: ISSUER})
    # §3 byte example: 0C 1E 68 74 74 70 73 …  (30-byte value)
    assert ext.value[:7] == bytes.fromhex("0c1e6874747073")
    assert ext.value == b"\x0c\x1e" + ISSUER.encode()


@pytest.mark.parametrize("n", range(1, 7))
def test_deprecated_oids_are_raw(n: int) -> None:
    [ext] = encode_fulcio_extensions({f"{ARC}.{n}": "refs/heads/main"})
    assert ext.value == b"refs/heads/main"


@pytest.mark.parametrize("n", [n for n in range(8, 25)])
def test_newer_oids_are_der_utf8string(n: int) -> None:
    [ext] = encode_fulcio_extensions({f"{ARC}.{n}": "github-hosted"})
    assert ext.value == b"\x0c\x0dgithub-hosted"


def test_long_and_non_ascii_values_use_der_long_lengths_and_utf8() -> None:
    value = "é" * 100  # 200 UTF-8 bytes: long-form length 81 C8
    [ext] = encode_fulcio_extensions({f"{ARC}.12": value})
    assert ext.value[:3] == bytes.fromhex("0c81c8") and len(ext.value) == 203
    assert decode_fulcio_extension(ext.oid, ext.value) == value
    big = "x" * 300
    assert utf8string(big)[:4] == bytes.fromhex("0c82012c")


def test_sorted_numerically_and_empty_values_skipped() -> None:
    values = {f"{ARC}.{n}": f"v{n}" for n in (24, 10, 8, 1, 9, 2)} | {f"{ARC}.23": ""}
    exts = encode_fulcio_extensions(values)
    assert [e.oid.dotted_string for e in exts] == [f"{ARC}.{n}" for n in (1, 2, 8, 9, 10, 24)]
    assert oid_sort_key(f"{ARC}.8") < oid_sort_key(f"{ARC}.10")


@pytest.mark.parametrize(
    ("oid", "why"),
    [
        (f"{ARC}.7", "OtherName"),
        (f"{ARC}.25", "not a Fulcio extension"),
        ("2.5.29.17", "not a Fulcio extension"),
        ("not.an.oid", "not a dotted OID"),
    ],
)
def test_unknown_oids_are_refused(oid: str, why: str) -> None:
    with pytest.raises(FormatError, match=why) as e:
        encode_fulcio_extensions({oid: "x"})
    assert e.value.field == f"extensions.{oid}"


def test_decode_round_trip_from_a_certificate(ca: Chain) -> None:
    extra = {f"{ARC}.{n}": f"value {n}" for n in (2, 3, 4, 5, 6, *range(9, 24))}
    cert = build_certificate(
        request(**extra), issuer=ca.intermediate, issuer_key=ca.intermediate_key, not_before=NOW
    )
    values = decode_fulcio_extensions(cert)
    assert values == {V1: ISSUER, V2: ISSUER, f"{ARC}.24": "alice@example.com", **extra}
    raw = {
        e.oid.dotted_string: e.value.value for e in cert.extensions if e.oid.dotted_string in values
    }
    assert raw[V1] == ISSUER.encode() and raw[V2] == b"\x0c\x1e" + ISSUER.encode()


@pytest.mark.parametrize(
    ("oid", "value", "message"),
    [
        (V2, b"\x0c\x02ab\x00", "trailing"),
        (V2, b"\x0c\x05ab", "overruns"),
        (V2, b"\x13\x02ab", "tag"),  # PrintableString, not UTF8String
        (V2, b"\x0c\x81\x02ab", "non-minimal"),
        (V2, b"\x0c\x02\xff\xfe", "not UTF-8"),
        (V1, b"\xff", "not UTF-8"),
    ],
)
def test_decode_rejects_malformed_values(oid: str, value: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        decode_fulcio_extension(x509.ObjectIdentifier(oid), value)


def test_decode_tlv_accepts_exact_values() -> None:
    assert decode_tlv(0x0C, b"\x0c\x00") == b""
    assert decode_tlv(0x0C, utf8string("a" * 128)) == b"a" * 128


def _reference(value: bytes) -> tuple[str, str | None]:
    """decode_tlv then UTF-8, as §3 reads a ``.1.8``+ extnValue: (value or error, field)."""
    try:
        return decode_tlv(0x0C, value, field="f").decode(), None
    except FormatError as exc:
        return exc.message, exc.field
    except UnicodeDecodeError:
        return "value is not UTF-8", "f"


@settings(max_examples=1500)
@given(
    st.binary(max_size=6).map(lambda tail: b"\x0c" + tail)
    | st.binary(max_size=4)
    | st.builds(lambda n, body: b"\x0c" + bytes([n]) + body, st.integers(0, 255), st.binary())
)
def test_utf8string_values_decode_as_decode_tlv_does(value: bytes) -> None:
    expected, field = _reference(value)
    try:
        found = decode_fulcio_extension(x509.ObjectIdentifier(V2), value)
    except FormatError as exc:
        assert (exc.message, exc.field) == (expected, f"extensions.{V2}" if field else None)
    else:
        assert (found, field) == (expected, None)
