"""Parsing timestamp requests: DER (RFC 3161 §2.4.1) and the sigstore JSON form."""

from __future__ import annotations

import base64
import hashlib

import pytest
from asn1crypto import core, tsp  # type: ignore[import-untyped]
from rfc3161_client import HashAlgorithm, TimestampRequestBuilder

from sigstack.core.tsp import _der, check_policy, parse_json_request, parse_request
from sigstack.core.tsp.request import DEFAULT_POLICY_OID
from sigstack.errors import FormatError, UnsupportedError

from .conftest import OIDS, der_request

DIGEST = hashlib.sha256(b"signature").digest()


def test_sigstore_python_request() -> None:
    """What sigstore-python sends: SHA-256, nonce, certReq (sigstore-clients.md §7.1)."""
    built = TimestampRequestBuilder().hash_algorithm(HashAlgorithm.SHA256).data(b"sig").build()
    req = parse_request(built.as_bytes())
    assert req.hash_algorithm == "sha256"
    assert req.hashed_message == hashlib.sha256(b"sig").digest()
    assert req.nonce == built.nonce
    assert req.cert_req is True
    assert req.policy is None
    imprint = tsp.MessageImprint.load(req.message_imprint_der)
    assert imprint["hashed_message"].native == req.hashed_message


def test_rfc3161_client_default_is_sha512() -> None:
    built = TimestampRequestBuilder().data(b"sig").build()
    req = parse_request(built.as_bytes())
    assert (req.hash_algorithm, req.hashed_message) == ("sha512", hashlib.sha512(b"sig").digest())


@pytest.mark.parametrize("name", ["sha256", "sha384", "sha512"])
def test_accepted_hashes(name: str) -> None:
    digest = hashlib.new(name, b"x").digest()
    req = parse_request(der_request(digest, oid=OIDS[name], nonce=7, cert_req=False))
    assert (req.hash_algorithm, req.hashed_message, req.nonce, req.cert_req) == (
        name,
        digest,
        7,
        False,
    )


def test_imprint_kept_byte_for_byte_with_null_or_absent_params() -> None:
    with_null = der_request(DIGEST, params=core.Null())
    assert b"\x05\x00" in parse_request(with_null).message_imprint_der
    absent = parse_request(der_request(DIGEST)).message_imprint_der
    assert tsp.MessageImprint.load(absent)["hashed_message"].native == DIGEST


@pytest.mark.parametrize(("name", "label"), [("sha1", "SHA-1"), ("md5", "MD5")])
def test_weak_hash_refused_naming_it(name: str, label: str) -> None:
    digest = hashlib.new(name, b"x").digest()
    with pytest.raises(UnsupportedError, match=rf"{label} \({OIDS[name]}\).*too weak") as info:
        parse_request(der_request(digest, oid=OIDS[name]))
    assert info.value.field == "messageImprint.hashAlgorithm"


def test_unknown_hash_refused_naming_the_oid() -> None:
    with pytest.raises(UnsupportedError, match=r"1\.2\.3\.4"):
        parse_request(der_request(DIGEST, oid="1.2.3.4"))


def test_digest_length_must_match() -> None:
    with pytest.raises(FormatError, match="SHA512 digest is 64 bytes, the request has 32"):
        parse_request(der_request(DIGEST, oid=OIDS["sha512"]))


def test_version_must_be_1() -> None:
    with pytest.raises(UnsupportedError, match="version must be 1"):
        parse_request(der_request(DIGEST, version=2))


def test_parameters_must_be_null() -> None:
    alg = _der.tlv(_der.SEQUENCE, core.ObjectIdentifier(OIDS["sha256"]).dump() + _der.integer(5))
    imprint = _der.tlv(_der.SEQUENCE, alg + _der.octet_string(DIGEST))
    with pytest.raises(FormatError, match=r"(?i)null"):
        parse_request(_der.tlv(_der.SEQUENCE, _der.integer(1) + imprint))


def test_extensions_refused() -> None:
    ext = [{"extn_id": "1.2.3.4", "critical": False, "extn_value": b"\x05\x00"}]
    with pytest.raises(UnsupportedError, match="extensions") as info:
        parse_request(der_request(DIGEST, extensions=ext))
    assert info.value.field == "extensions"


@pytest.mark.parametrize(
    "der",
    [
        b"",
        b"garbage",
        b"\x30\x03\x02\x01\x01",
        der_request(DIGEST) + b"\x00",
        der_request(DIGEST)[:-3],
        b"\x30\x06\x02\x01\x01\x02\x01\x05",
    ],
    ids=["empty", "garbage", "no-imprint", "trailing-byte", "truncated", "wrong-shape"],
)
def test_malformed_der(der: bytes) -> None:
    with pytest.raises(FormatError, match="not a DER TimeStampReq"):
        parse_request(der)


def test_policy_and_nonce_parsed() -> None:
    req = parse_request(der_request(DIGEST, nonce=2**70, policy="1.2.3", cert_req=True))
    assert (req.nonce, req.policy, req.cert_req) == (2**70, "1.2.3", True)
    with pytest.raises(UnsupportedError, match=r"policy 1\.2\.3 is not accepted"):
        check_policy(req, {DEFAULT_POLICY_OID})
    check_policy(req, {"1.2.3"})


def test_json_sigstore_js_form() -> None:
    """sigstore-js: only artifactHash and hashAlgorithm (sigstore-clients.md §7.2)."""
    req = parse_json_request(
        {"artifactHash": base64.b64encode(DIGEST).decode(), "hashAlgorithm": "sha256"}
    )
    assert (req.hash_algorithm, req.hashed_message, req.nonce, req.cert_req, req.policy) == (
        "sha256",
        DIGEST,
        None,
        False,
        None,
    )
    assert tsp.MessageImprint.load(req.message_imprint_der)["hashed_message"].native == DIGEST


def test_json_full_form() -> None:
    digest = hashlib.sha384(b"x").digest()
    req = parse_json_request(
        {
            "artifactHash": base64.b64encode(digest).decode(),
            "hashAlgorithm": "sha384",
            "certificates": True,
            "nonce": 1123343434,
            "tsaPolicyOID": "1.2.3.4",
        }
    )
    assert (req.hash_algorithm, req.nonce, req.cert_req, req.policy) == (
        "sha384",
        1123343434,
        True,
        "1.2.3.4",
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "JSON object"),
        ({"artifactHash": "AA==", "hashAlgorithm": "sha1"}, "SHA-1 is too weak"),
        ({"artifactHash": "AA==", "hashAlgorithm": "md4"}, "unsupported hash algorithm 'md4'"),
        ({"hashAlgorithm": "sha256"}, "artifactHash: must be the base64"),
        ({"artifactHash": "!!", "hashAlgorithm": "sha256"}, "not valid base64"),
        ({"artifactHash": "AA==", "hashAlgorithm": "sha256"}, "32 bytes, the request has 1"),
        ({"artifactHash": "x", "extra": 1}, "unknown fields"),
        ({"artifactHash": "x", "hashAlgorithm": 5}, "hashAlgorithm: must be a string"),
    ],
)
def test_json_refusals(document: object, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_json_request(document)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("nonce", -1),
        ("nonce", True),
        ("nonce", "5"),
        ("certificates", "yes"),
        ("tsaPolicyOID", "a.b"),
    ],
)
def test_json_bad_field_values(field: str, value: object) -> None:
    document = {"artifactHash": base64.b64encode(DIGEST).decode(), field: value}
    with pytest.raises(FormatError) as info:
        parse_json_request(document)
    assert info.value.field == field


def test_unsupported_is_a_format_error() -> None:
    assert issubclass(UnsupportedError, FormatError)
