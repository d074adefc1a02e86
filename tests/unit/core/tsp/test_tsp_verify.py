"""Our RFC 3161 verifier against rfc3161-client and ``openssl ts -verify`` (differential).

Security invariant: :func:`verify_response` never accepts a response rfc3161-client (what
sigstore-python runs) refuses. Checked over genuine responses (forged field by field with
:mod:`._forge`, from our TSA's :class:`TimestampSigner`, and every timestamp in the
sigstore-conformance bundles), over every single-byte flip of several responses, and over
one targeted mutation per rule; every refusal is asserted on its reason.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from sigstack.core.tsp import parse_request
from sigstack.core.tsp.response import TimestampSigner
from sigstack.core.tsp.verify import trusted_chain, verify_response
from sigstack.errors import VerificationError

from ._forge import (
    GEN_TIME,
    MESSAGE,
    Forge,
    TsaChain,
    make_tsa_chain,
    oid,
    openssl_verdict,
    rfc3161_verdict,
)
from .conftest import OIDS, der_request

CONFORMANCE = Path("/work/shared/conformance/bundle-verify")
PUBLIC_GOOD = Path("/work/shared/trust/public-good/trusted_root.json")


@pytest.fixture(scope="module")
def tsa() -> TsaChain:
    return make_tsa_chain()


@pytest.fixture(scope="module")
def rsa_tsa() -> TsaChain:
    return make_tsa_chain(leaf_key=rsa.generate_private_key(65537, 2048))


def ours(response: bytes, message: bytes, chain: tuple[bytes, ...], **kwargs: Any) -> str | None:
    try:
        verify_response(response, message, chain=chain, **kwargs)
    except VerificationError as exc:
        return str(exc)
    return None


def our_tsa_response(chain: TsaChain, *, include_chain: bool, cert_req: bool) -> bytes:
    signer = TimestampSigner(
        chain.key, chain.certs[0], list(chain.certs[1:]), include_chain=include_chain
    )
    request = der_request(hashlib.sha256(MESSAGE).digest(), nonce=99, cert_req=cert_req)
    return signer.respond(parse_request(request), serial=7, gen_time=GEN_TIME)


GENUINE: dict[str, Callable[[TsaChain, TsaChain], bytes]] = {
    "ecdsa-sha256-ess-v2": lambda c, r: Forge(c).build(),
    "ess-v1": lambda c, r: Forge(c, signing_cert="v1").build(),
    "ess-both": lambda c, r: Forge(c, signing_cert="both").build(),
    "digest-sha384": lambda c, r: Forge(c, digest="sha384").build(),
    "digest-sha512-imprint-sha512": lambda c, r: Forge(
        c, digest="sha512", imprint_algorithm="sha512"
    ).build(),
    "embedded-leaf": lambda c, r: Forge(c, certificates=(c.der[0],)).build(),
    "embedded-chain": lambda c, r: Forge(c, certificates=tuple(sorted(c.der))).build(),
    "no-nonce": lambda c, r: Forge(c, nonce=None).build(),
    "fractional-gen-time": lambda c, r: Forge(c, gen_time=b"20260301120000.25Z").build(),
    "rsa-pkcs1-sha256": lambda c, r: Forge(r).build(),
    "rsa-pkcs1-sha512": lambda c, r: Forge(r, digest="sha512").build(),
    "rsa-encryption-oid": lambda c, r: Forge(r, signature_algorithm="1.2.840.113549.1.1.1").build(),
    "our-tsa": lambda c, r: our_tsa_response(c, include_chain=False, cert_req=False),
    "our-tsa-cert-req": lambda c, r: our_tsa_response(c, include_chain=False, cert_req=True),
    "our-tsa-with-chain": lambda c, r: our_tsa_response(c, include_chain=True, cert_req=True),
    "our-tsa-rsa": lambda c, r: our_tsa_response(r, include_chain=True, cert_req=True),
}


@pytest.mark.parametrize("name", sorted(GENUINE))
def test_genuine_responses_accepted_by_all_three(
    name: str, tsa: TsaChain, rsa_tsa: TsaChain, tmp_path: Path
) -> None:
    body = GENUINE[name](tsa, rsa_tsa)
    chain = rsa_tsa if "rsa" in name else tsa
    assert rfc3161_verdict(body, MESSAGE, chain.certs) is None
    assert openssl_verdict(body, MESSAGE, chain.certs, GEN_TIME, tmp_path) is None
    decoded = verify_response(body, MESSAGE, chain=chain.certs)
    assert decoded.tst_info.gen_time.replace(microsecond=0) == GEN_TIME
    algorithm = "sha512" if "imprint-sha512" in name else "sha256"
    assert decoded.tst_info.message_imprint.hash_algorithm == OIDS[algorithm]
    assert decoded.tst_info.message_imprint.message == hashlib.new(algorithm, MESSAGE).digest()


def _conformance_stamps() -> list[tuple[str, bytes, bytes, tuple[bytes, ...]]]:
    """(case, timestamp, signature bytes, TSA chain) for every TSA of each case's root."""
    out: list[tuple[str, bytes, bytes, tuple[bytes, ...]]] = []
    for case in sorted(CONFORMANCE.iterdir()):
        try:
            bundle = json.loads((case / "bundle.sigstore.json").read_text())
        except (OSError, ValueError):
            continue
        data = bundle.get("verificationMaterial", {}).get("timestampVerificationData", {})
        stamps = [base64.b64decode(t["signedTimestamp"]) for t in data.get("rfc3161Timestamps", [])]
        if not stamps:
            continue
        if "messageSignature" in bundle:
            signature = base64.b64decode(bundle["messageSignature"]["signature"])
        else:
            signature = base64.b64decode(bundle["dsseEnvelope"]["signatures"][0]["sig"])
        root_path = case / "trusted_root.json"
        root = json.loads((root_path if root_path.exists() else PUBLIC_GOOD).read_text())
        for authority in root.get("timestampAuthorities", []):
            chain = tuple(
                base64.b64decode(c["rawBytes"]) for c in authority["certChain"]["certificates"]
            )
            out.extend((case.name, stamp, signature, chain) for stamp in stamps)
    return out


CONFORMANCE_STAMPS = _conformance_stamps()


def test_conformance_stamps_found() -> None:
    cases = {case for case, *_ in CONFORMANCE_STAMPS}
    assert len(cases) >= 30
    assert "rekor2-timestamp-with-embedded-cert" in cases


@pytest.mark.parametrize(
    ("case", "stamp", "signature", "chain"),
    CONFORMANCE_STAMPS,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(CONFORMANCE_STAMPS)],
)
def test_conformance_timestamps_same_verdict_as_rfc3161_client(
    case: str, stamp: bytes, signature: bytes, chain: tuple[bytes, ...]
) -> None:
    certs = [x509.load_der_x509_certificate(c) for c in chain]
    reference = rfc3161_verdict(stamp, signature, certs)
    mine = ours(stamp, signature, chain)
    assert (mine is None) == (reference is None), (case, mine, reference)
    if "untrusted-tsa-without-embedded-cert" in case:
        assert mine is not None and "sid to name the trusted TSA leaf" in mine
    if "timestamp-outside-tsa-cert-validity" in case:
        assert mine is not None and "within the TSA leaf's validity" in mine


def _flips(body: bytes) -> list[bytes]:
    return [
        body[:i] + bytes([body[i] ^ mask]) + body[i + 1 :]
        for i in range(len(body))
        for mask in (0x01, 0x80, 0xFF)
    ]


def _flip_cases(tsa: TsaChain) -> dict[str, tuple[bytes, bytes, tuple[bytes, ...]]]:
    embedded = next(s for s in CONFORMANCE_STAMPS if s[0] == "rekor2-timestamp-with-embedded-cert")
    return {
        "forge": (
            Forge(tsa, certificates=(tsa.der[0],), signing_cert="both").build(),
            MESSAGE,
            tsa.der,
        ),
        "our-tsa": (our_tsa_response(tsa, include_chain=True, cert_req=True), MESSAGE, tsa.der),
        "conformance": (embedded[1], embedded[2], embedded[3]),
    }


@pytest.mark.parametrize("name", ["forge", "our-tsa", "conformance"])
def test_every_single_byte_flip_is_refused_with_a_reason(
    name: str, tsa: TsaChain, tmp_path: Path
) -> None:
    body, message, chain = _flip_cases(tsa)[name]
    assert ours(body, message, chain) is None
    accepted = []
    for mutated in _flips(body):
        reason = ours(mutated, message, chain)
        if reason is None:
            accepted.append(mutated)
            continue
        assert reason.startswith(("expected", "not a TimeStampResp: expected")), reason
    certs = [x509.load_der_x509_certificate(c) for c in chain]
    # none is accepted at all; had one been, both references would have to accept it too
    assert [
        (rfc3161_verdict(m, message, certs), openssl_verdict(m, message, certs, GEN_TIME, tmp_path))
        for m in accepted
    ] == []


def _other_key(chain: TsaChain) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _ber(body: bytes) -> bytes:
    """The outer SEQUENCE with an indefinite length (BER, not DER)."""
    assert body[1] == 0x82
    return b"\x30\x80" + body[4:] + b"\x00\x00"


#: name → (response builder given the chain, verify kwargs, chain override, reason regex)
Mutation = tuple[
    Callable[[TsaChain], bytes], dict[str, Any], Callable[[TsaChain], TsaChain] | None, str
]
MUTATIONS: dict[str, Mutation] = {
    "wrong-imprint": (lambda c: Forge(c, imprint=b"\x00" * 32).build(), {}, None, "messageImprint to be the sha256 of the message"),
    "wrong-nonce": (lambda c: Forge(c).build(), {"nonce": 78}, None, "expected nonce 78, found 77"),
    "nonce-missing": (lambda c: Forge(c, nonce=None).build(), {"nonce": 78}, None, "expected nonce 78, found None"),
    "wrong-policy": (lambda c: Forge(c).build(), {"policy_oid": "1.2.3.4"}, None, "expected policy 1.2.3.4, found 1.3.6.1.4.1.57264.2"),
    "no-signing-certificate-attr": (lambda c: Forge(c, signing_cert=None).build(), {}, None, "signingCertificate or signingCertificateV2 signed attribute, found none"),
    "ess-v2-other-hash": (lambda c: Forge(c, signing_cert_hash=b"\x01" * 32).build(), {}, None, "signingCertificateV2 to identify the TSA leaf"),
    "ess-v1-other-hash": (lambda c: Forge(c, signing_cert="v1", signing_cert_hash=b"\x01" * 20).build(), {}, None, "signingCertificate to identify the TSA leaf"),
    "two-signer-infos": (lambda c: Forge(c, signers=2).build(), {}, None, "exactly one SignerInfo, found 2"),
    "econtent-type-id-data": (lambda c: Forge(c, econtent_type="1.2.840.113549.1.7.1").build(), {}, None, "eContentType id-ct-TSTInfo, found 1.2.840.113549.1.7.1"),
    "content-type-attr-id-data": (lambda c: Forge(c, content_type_attr=oid("1.2.840.113549.1.7.1")).build(), {}, None, "content-type attribute id-ct-TSTInfo"),
    "content-type-attr-missing": (lambda c: Forge(c, content_type_attr=None).build(), {}, None, "content-type signed attribute, found none"),
    "message-digest-wrong": (lambda c: Forge(c, message_digest=b"\x00" * 32).build(), {}, None, "message-digest = sha256 of the TSTInfo"),
    "status-granted-with-mods": (lambda c: Forge(c, status=1).build(), {}, None, r"PKIStatus granted \(0\), found 1"),
    "status-rejection": (lambda c: Forge(c, status=2, with_token=False).build(), {}, None, r"PKIStatus granted \(0\), found 2"),
    "granted-without-token": (lambda c: Forge(c, with_token=False).build(), {}, None, "timeStampToken in the granted response"),
    "leaf-eku-not-critical": (lambda c: Forge(c).build(), {}, lambda c: make_tsa_chain(leaf_key=c.key, eku_critical=False), "EKU to be critical"),
    "leaf-without-eku": (lambda c: Forge(c).build(), {}, lambda c: make_tsa_chain(leaf_key=c.key, eku_critical=None), "found no EKU"),
    "leaf-eku-extra-purpose": (lambda c: Forge(c).build(), {}, lambda c: make_tsa_chain(leaf_key=c.key, eku=(ExtendedKeyUsageOID.TIME_STAMPING, ExtendedKeyUsageOID.CODE_SIGNING)), "exactly timeStamping"),
    "leaf-key-usage-cert-sign": (lambda c: Forge(c).build(), {}, lambda c: make_tsa_chain(leaf_key=c.key, leaf_key_usage=x509.KeyUsage(True, False, False, False, False, True, False, False, False)), "keyUsage to be digitalSignature/nonRepudiation only"),
    "leaf-expired-at-gen-time": (lambda c: Forge(c).build(), {}, lambda c: make_tsa_chain(leaf_key=c.key, leaf_window=(GEN_TIME - timedelta(days=10), GEN_TIME - timedelta(seconds=1))), "within the TSA leaf's validity"),
    "leaf-not-yet-valid": (lambda c: Forge(c).build(), {}, lambda c: make_tsa_chain(leaf_key=c.key, leaf_window=(GEN_TIME + timedelta(seconds=1), GEN_TIME + timedelta(days=10))), "within the TSA leaf's validity"),
    "signed-by-another-key": (lambda c: Forge(c, signing_key=_other_key(c)).build(), {}, None, "signature over the signed attributes, found an invalid one"),
    "corrupt-signature": (lambda c: Forge(c, corrupt_signature=True).build(), {}, None, "signature over the signed attributes, found an invalid one"),
    "another-tsa": (lambda c: Forge(make_tsa_chain()).build(), {}, None, "sid to name the trusted TSA leaf"),
    "sid-serial-wrong": (lambda c: Forge(c, sid_serial=c.certs[0].serial_number + 1).build(), {}, None, "sid to name the trusted TSA leaf"),
    "sid-subject-key-id": (lambda c: Forge(c, sid_key_id=b"\x01" * 20).build(), {}, None, "found a subjectKeyIdentifier"),
    "tst-info-version-2": (lambda c: Forge(c, tst_version=2).build(), {}, None, "TSTInfo version 1, found 2"),
    "signed-data-version-1": (lambda c: Forge(c, signed_data_version=1).build(), {}, None, "SignedData version 3 and SignerInfo version 1"),
    "signer-info-version-3": (lambda c: Forge(c, signer_version=3).build(), {}, None, "SignedData version 3 and SignerInfo version 1"),
    "ecdsa-oid-hash-differs": (lambda c: Forge(c, signature_algorithm="1.2.840.10045.4.3.3").build(), {}, None, "hash sha384 to be the digestAlgorithm, found sha256"),
    "rsa-pss": (lambda c: Forge(c, pss=True).build(), {}, lambda c: make_tsa_chain(leaf_key=rsa.generate_private_key(65537, 2048)), "found RSASSA-PSS"),
    "embedded-foreign-cert": (lambda c: Forge(c, certificates=(make_tsa_chain().der[0],)).build(), {}, None, "from the trusted TSA chain, found another certificate"),
    "embedded-without-leaf": (lambda c: Forge(c, certificates=(c.der[-1],)).build(), {}, None, "include the one the sid names"),
    "digest-algorithms-without-signer": (lambda c: Forge(c, digest_algorithms=("sha384",)).build(), {}, None, "digestAlgorithms of SHA-2 including"),
    "gen-time-trailing-zero": (lambda c: Forge(c, gen_time=b"20260301120000.10Z").build(), {}, None, "without trailing zeros"),
    "gen-time-not-utc": (lambda c: Forge(c, gen_time=b"20260301120000+0100").build(), {}, None, "genTime as YYYYMMDDHHMMSS"),
    "trailing-bytes": (lambda c: Forge(c).build() + b"\x00", {}, None, "end of TimeStampResp, found 1 more bytes"),
    "ber-indefinite-length": (lambda c: _ber(Forge(c).build()), {}, None, "indefinite length"),
    "ec-public-key-without-curve": (lambda c: Forge(c, signature_algorithm="1.2.840.10045.2.1").build(), {}, None, "signature algorithm, found 1.2.840.10045.2.1"),
    "not-der-at-all": (lambda c: b"junk", {}, None, "not a TimeStampResp: expected"),
}  # fmt: skip

#: Refused by us, accepted by rfc3161-client: each a rule we hold that OpenSSL's PKCS#7
#: verifier does not check (RFC 5652 §5.3 attributes, RFC 5035 ESSCertID, versions).
STRICTER_THAN_RFC3161 = frozenset(
    {
        "no-signing-certificate-attr",
        "ess-v2-other-hash",
        "ess-v1-other-hash",
        "content-type-attr-id-data",
        "content-type-attr-missing",
        "signed-data-version-1",
        "signer-info-version-3",
        "ecdsa-oid-hash-differs",
        "tst-info-version-2",
        "two-signer-infos",  # rfc3161-client counts SignerInfos only when certs are embedded
    }
)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_refused_for_its_reason(name: str, tsa: TsaChain, tmp_path: Path) -> None:
    build, kwargs, rechain, reason = MUTATIONS[name]
    chain = rechain(tsa) if rechain else tsa
    body = build(chain)
    mine = ours(body, MESSAGE, chain.der, **kwargs)
    assert mine is not None
    assert re.search(reason, mine), mine
    reference = rfc3161_verdict(
        body, MESSAGE, chain.certs, nonce=kwargs.get("nonce"), policy=kwargs.get("policy_oid")
    )
    if name in STRICTER_THAN_RFC3161:
        assert reference is None, reference
    else:
        assert reference is not None


def test_trusted_chain_checked_once_and_cached(tsa: TsaChain) -> None:
    assert trusted_chain(tsa.der) is trusted_chain(tuple(tsa.der))


def test_chain_whose_leaf_another_ca_issued_is_refused(tsa: TsaChain) -> None:
    other = make_tsa_chain()
    chain = (tsa.der[0], *other.der[1:])
    with pytest.raises(VerificationError, match="signed by the next certificate"):
        verify_response(Forge(tsa).build(), MESSAGE, chain=chain)


def test_chain_of_one_certificate_is_refused(tsa: TsaChain) -> None:
    with pytest.raises(VerificationError, match="leaf and a root at least, found 1"):
        verify_response(Forge(tsa).build(), MESSAGE, chain=tsa.der[:1])


def test_chain_without_intermediate_verifies(tmp_path: Path) -> None:
    chain = make_tsa_chain(intermediate=False)
    body = Forge(chain).build()
    assert rfc3161_verdict(body, MESSAGE, chain.certs) is None
    assert openssl_verdict(body, MESSAGE, chain.certs, GEN_TIME, tmp_path) is None
    assert ours(body, MESSAGE, chain.der) is None


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"intermediate_ca": False}, "TSA intermediate 1 to be a CA, found cA false"),
        ({"intermediate_cert_sign": False}, "intermediate 1's keyUsage to allow keyCertSign"),
        ({"root_path_length": 0}, "at most 0 intermediates under the TSA root, found 1"),
    ],
)
def test_trusted_chain_ca_constraints(options: dict[str, Any], reason: str) -> None:
    chain = make_tsa_chain(**options)
    body = Forge(chain).build()
    with pytest.raises(VerificationError, match=reason):
        verify_response(body, MESSAGE, chain=chain.der)
    assert rfc3161_verdict(body, MESSAGE, chain.certs) is not None


def test_known_signing_certificate_encodings_are_the_leafs_and_pass_the_general_check(
    tsa: TsaChain,
) -> None:
    from sigstack.core.tsp.cms import parse_ess_cert_ids

    trusted = trusted_chain(tsa.der)
    leaf_der = tsa.der[0]
    for v2, digest in ((False, "sha1"), (True, "sha256")):
        known = trusted.known_ess[v2]
        assert len(known) == 2  # with and without issuerSerial
        for value in known:
            (ess,) = parse_ess_cert_ids(value, v2=v2)
            assert ess.cert_hash == hashlib.new(digest, leaf_der).digest()
    # what the forged responses carry is one of them, and they verify
    assert ours(Forge(tsa).build(), MESSAGE, tsa.der) is None
    assert ours(Forge(tsa, signing_cert="v1").build(), MESSAGE, tsa.der) is None


def test_known_signing_certificate_encoding_of_another_chain_refused(tsa: TsaChain) -> None:
    other = make_tsa_chain()
    body = Forge(tsa).build()
    assert ours(body, MESSAGE, tsa.der) is None
    reason = ours(body, MESSAGE, other.der)
    assert reason is not None
    assert "sid to name the trusted TSA leaf" in reason
    # the sid check comes first; the ESS check alone refuses the other chain's encoding
    trusted, foreign = trusted_chain(tsa.der), trusted_chain(other.der)
    assert not trusted.known_ess[True] & foreign.known_ess[True]
