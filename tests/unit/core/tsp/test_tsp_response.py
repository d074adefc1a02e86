"""Granted and rejected TimeStampResp (RFC 3161 §2.4.2), field by field."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asn1crypto import cms, core, tsp  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from sigstack.core.tsp import (
    TimestampSigner,
    build_rejection,
    build_response,
    fail_info_for,
    parse_json_request,
    parse_request,
    verify_response,
)
from sigstack.errors import FormatError, UnsupportedError, VerificationError

from .conftest import NOW, OIDS, Chain, der_request, make_chain

MESSAGE = b"the signature bytes"
DER = serialization.Encoding.DER


def respond(chain: Chain, der: bytes, **kwargs: Any) -> bytes:
    include_chain = kwargs.pop("include_chain", False)
    signer = TimestampSigner(
        chain.leaf_key, chain.certs[0], chain.certs[1:], include_chain=include_chain
    )
    return signer.respond(
        parse_request(der),
        serial=kwargs.pop("serial", 0xABCDEF),
        gen_time=kwargs.pop("gen_time", NOW),
    )


def request_for(name: str = "sha256", **kwargs: Any) -> bytes:
    return der_request(hashlib.new(name, MESSAGE).digest(), oid=OIDS[name], **kwargs)


def test_every_field(chain: Chain) -> None:
    der = request_for(nonce=0x1234567890, cert_req=True)
    body = respond(chain, der, serial=2**127 + 5, gen_time=NOW + timedelta(microseconds=987))
    resp = tsp.TimeStampResp.load(body)
    assert resp.dump(force=True) == body, "not canonical DER"
    assert resp["status"].native == {"status": "granted", "status_string": None, "fail_info": None}
    token = resp["time_stamp_token"]
    assert token["content_type"].native == "signed_data"
    sd = token["content"]
    assert sd["version"].native == "v3"
    assert [d["algorithm"].native for d in sd["digest_algorithms"]] == ["sha256"]
    assert sd["encap_content_info"]["content_type"].native == "tst_info"
    tst_der = sd["encap_content_info"]["content"].contents
    info = tsp.TSTInfo.load(tst_der)
    leaf = chain.certs[0]
    leaf_asn1 = asn1_x509.Certificate.load(leaf.public_bytes(DER))
    assert info["version"].native == "v1"
    assert info["policy"].dotted == "1.3.6.1.4.1.57264.2"
    assert info["message_imprint"].dump() == parse_request(der).message_imprint_der
    assert info["serial_number"].native == 2**127 + 5
    assert info["gen_time"].native == NOW  # whole seconds, UTC
    assert info["accuracy"].native == {"seconds": 1, "millis": None, "micros": None}
    assert info["ordering"].native is False
    assert info["nonce"].native == 0x1234567890
    assert info["tsa"].name == "directory_name"
    assert info["tsa"].chosen == leaf_asn1.subject
    # certificates: the leaf only, as the Go TSA without --include-chain-in-response
    certs = [c.chosen.dump() for c in sd["certificates"]]
    assert certs == [leaf.public_bytes(DER)]
    # one SignerInfo (RFC 5652 §5.3)
    (si,) = sd["signer_infos"]
    assert si["version"].native == "v1"
    sid = si["sid"].chosen
    assert sid["issuer"] == leaf_asn1.issuer and sid["serial_number"].native == leaf.serial_number
    assert si["digest_algorithm"]["algorithm"].native == "sha256"
    assert si["signature_algorithm"]["algorithm"].native == "sha256_ecdsa"
    attrs = {a["type"].native: a["values"] for a in si["signed_attrs"]}
    assert set(attrs) == {
        "content_type",
        "signing_time",
        "message_digest",
        "signing_certificate_v2",
    }
    assert all(len(v) == 1 for v in attrs.values())
    assert attrs["content_type"][0].native == "tst_info"
    assert attrs["signing_time"][0].name == "utc_time"
    assert attrs["signing_time"][0].native == NOW
    assert attrs["message_digest"][0].native == hashlib.sha256(tst_der).digest()
    (ess,) = attrs["signing_certificate_v2"][0]["certs"]
    assert ess["hash_algorithm"].native["algorithm"] == "sha256"
    assert b"\x60\x86\x48\x01\x65\x03\x04\x02\x01" not in ess.dump(), (
        "default SHA-256 must be omitted"
    )
    assert ess["cert_hash"].native == hashlib.sha256(leaf.public_bytes(DER)).digest()
    assert ess["issuer_serial"]["issuer"][0].chosen == leaf_asn1.issuer
    assert ess["issuer_serial"]["serial_number"].native == leaf.serial_number
    # RFC 5652 §5.4: the signature is over the attributes re-tagged as SET OF
    signed = b"\x31" + si["signed_attrs"].dump()[1:]
    key = leaf.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(si["signature"].native, signed, ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("name", ["sha256", "sha384", "sha512"])
def test_hashes_verify_with_rfc3161_client(chain: Chain, name: str) -> None:
    body = respond(chain, request_for(name, nonce=99, cert_req=True))
    decoded = verify_response(
        body, MESSAGE, chain=chain.certs, nonce=99, policy_oid="1.3.6.1.4.1.57264.2"
    )
    assert decoded.tst_info.message_imprint.message == hashlib.new(name, MESSAGE).digest()


def test_nonce_absent_when_not_requested(chain: Chain) -> None:
    info = _tst_info(respond(chain, request_for()))
    assert info["nonce"].native is None


def test_cert_req_off_embeds_nothing_and_still_verifies(chain: Chain) -> None:
    body = respond(chain, request_for(cert_req=False))
    sd = tsp.TimeStampResp.load(body)["time_stamp_token"]["content"]
    assert sd["certificates"].native is None
    verify_response(body, MESSAGE, chain=chain.certs)


def test_include_chain_embeds_all(chain: Chain) -> None:
    body = respond(chain, request_for(cert_req=True), include_chain=True)
    sd = tsp.TimeStampResp.load(body)["time_stamp_token"]["content"]
    assert {c.chosen.dump() for c in sd["certificates"]} == {
        c.public_bytes(DER) for c in chain.certs
    }
    verify_response(body, MESSAGE, chain=chain.certs)


def test_requested_policy_is_used(chain: Chain) -> None:
    info = _tst_info(respond(chain, request_for(policy="1.2.3.4")))
    assert info["policy"].dotted == "1.2.3.4"


def test_json_request_response(chain: Chain) -> None:
    import base64

    req = parse_json_request(
        {"artifactHash": base64.b64encode(hashlib.sha256(MESSAGE).digest()).decode()}
    )
    body = build_response(
        req, signer_key=chain.leaf_key, signer_cert=chain.certs[0], serial=1, gen_time=NOW
    )
    verify_response(body, MESSAGE, chain=chain.certs)


def test_verification_refuses_other_message_nonce_and_chain(chain: Chain) -> None:
    body = respond(chain, request_for(nonce=5, cert_req=True))
    with pytest.raises(VerificationError, match="messageImprint to be the sha256 of the message"):
        verify_response(body, b"another message", chain=chain.certs)
    with pytest.raises(VerificationError, match="expected nonce 6, found 5"):
        verify_response(body, MESSAGE, chain=chain.certs, nonce=6)
    with pytest.raises(VerificationError, match="sid to name the trusted TSA leaf"):
        verify_response(body, MESSAGE, chain=make_chain().certs)
    with pytest.raises(VerificationError, match="leaf and a root at least"):
        verify_response(body, MESSAGE, chain=chain.certs[:1])
    with pytest.raises(VerificationError, match="not a TimeStampResp"):
        verify_response(b"junk", MESSAGE, chain=chain.certs)


def test_gen_time_truncated_and_converted_to_utc(chain: Chain) -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2026, 3, 1, 13, 0, 0, 500000, tzinfo=ZoneInfo("Europe/Paris"))
    assert _tst_info(respond(chain, request_for(), gen_time=local))["gen_time"].native == NOW


def test_signing_time_after_2049_is_generalized(chain: Chain) -> None:
    late = datetime(2051, 1, 1, tzinfo=UTC)
    body = respond(chain, request_for(), gen_time=late)
    si = tsp.TimeStampResp.load(body)["time_stamp_token"]["content"]["signer_infos"][0]
    attrs = {a["type"].native: a["values"][0] for a in si["signed_attrs"]}
    assert attrs["signing_time"].name == "generalized_time"
    assert attrs["signing_time"].native == late


def test_refuses_bad_inputs(chain: Chain) -> None:
    req = parse_request(request_for())
    signer = TimestampSigner(chain.leaf_key, chain.certs[0])
    with pytest.raises(FormatError, match="positive"):
        signer.respond(req, serial=0, gen_time=NOW)
    with pytest.raises(FormatError, match="160 bits"):
        signer.respond(req, serial=2**160, gen_time=NOW)
    with pytest.raises(FormatError, match="timezone"):
        signer.respond(req, serial=1, gen_time=datetime(2026, 1, 1))
    with pytest.raises(FormatError, match="does not certify"):
        TimestampSigner(ec.generate_private_key(ec.SECP256R1()), chain.certs[0])


def test_p384_and_rsa_signers() -> None:
    p384 = make_chain(ec.SECP384R1())
    body = respond(p384, request_for(cert_req=True))
    si = tsp.TimeStampResp.load(body)["time_stamp_token"]["content"]["signer_infos"][0]
    assert si["signature_algorithm"]["algorithm"].native == "sha384_ecdsa"
    verify_response(body, MESSAGE, chain=p384.certs)
    with_rsa = make_chain(leaf_key=rsa.generate_private_key(65537, 2048))
    body = respond(with_rsa, request_for(cert_req=True))
    si = tsp.TimeStampResp.load(body)["time_stamp_token"]["content"]["signer_infos"][0]
    assert si["signature_algorithm"]["algorithm"].native == "sha256_rsa"
    verify_response(body, MESSAGE, chain=with_rsa.certs)


def test_rejection() -> None:
    body = build_rejection("bad_alg", "SHA-1 is too weak")
    outer = core.Sequence.load(body)
    assert outer.dump(force=True) == body and len(outer) == 1, "only a PKIStatusInfo"
    status = tsp.PKIStatusInfo.load(outer[0].dump())
    assert status["status"].native == "rejection"
    assert status["status_string"].native == ["SHA-1 is too weak"]
    assert status["fail_info"].native == {"bad_alg"}
    with pytest.raises(FormatError, match="unknown PKIFailureInfo"):
        build_rejection("nope", "x")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (UnsupportedError("x", field="messageImprint.hashAlgorithm"), "bad_alg"),
        (UnsupportedError("x", field="reqPolicy"), "unaccepted_policy"),
        (UnsupportedError("x", field="extensions"), "unaccepted_extensions"),
        (FormatError("x"), "bad_data_format"),
        (FormatError("x", field="nonce"), "bad_request"),
    ],
)
def test_fail_info_for(error: FormatError, expected: str) -> None:
    assert fail_info_for(error) == expected


def _tst_info(body: bytes) -> tsp.TSTInfo:
    sd = tsp.TimeStampResp.load(body)["time_stamp_token"]["content"]
    return tsp.TSTInfo.load(sd["encap_content_info"]["content"].contents)


def test_signed_data_is_cms(chain: Chain) -> None:
    token = tsp.TimeStampResp.load(respond(chain, request_for()))["time_stamp_token"]
    assert isinstance(token, cms.ContentInfo)


def test_leaf_profile(chain: Chain) -> None:
    """RFC 3161 §2.3: exactly one EKU, id-kp-timeStamping, critical; not a CA."""
    leaf, intermediate, root = chain.certs
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature and not ku.key_cert_sign
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert leaf.issuer == intermediate.subject and intermediate.issuer == root.subject
    mid_eku = intermediate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.TIME_STAMPING in list(mid_eku)
    for ca in (intermediate, root):
        assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    leaf.verify_directly_issued_by(intermediate)
    intermediate.verify_directly_issued_by(root)
