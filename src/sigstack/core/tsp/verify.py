"""Verify an RFC 3161 timestamp response against a trusted TSA chain, without OpenSSL's CMS.

The checks, each a :class:`~sigstack.errors.VerificationError` naming what was expected
and what was found:

1. ``PKIStatus`` is granted (0) and a token is present (RFC 3161 §2.4.2; grantedWithMods
   is refused, as rfc3161-client and sigstore-python refuse it);
2. the token is ``id-signedData`` with eContentType ``id-ct-TSTInfo`` and exactly one
   ``SignerInfo`` (RFC 3161 §2.4.2, RFC 5652 §5.1);
3. the ``sid`` (issuerAndSerialNumber) names the chain's leaf; certificates embedded in
   the token must be certificates of the trusted chain, byte for byte, and the first one
   the sid names must be the leaf (the chain itself always comes from the trusted root, as
   in sigstore-python; OpenSSL would also parse the embedded ones, so nothing else is let
   through unparsed);
4. signed attributes are present: content-type = id-ct-TSTInfo, message-digest = the
   digest of the eContent under the SignerInfo's digestAlgorithm (RFC 5652 §5.3, §11.1,
   §11.2), and a signing-certificate attribute (``ESSCertIDv2``, RFC 5816 §2.2.1, or
   ``ESSCertID``, RFC 2634 §5.4) whose first entry hashes to the leaf;
5. the leaf's signature over the signed attributes re-tagged ``SET OF`` (RFC 5652 §5.4):
   ECDSA or RSA PKCS#1 v1.5 with the digestAlgorithm's hash (RSASSA-PSS is refused, as
   OpenSSL's PKCS#7 verifier behind rfc3161-client refuses it);
6. ``TSTInfo`` version 1, messageImprint = SHA-256/384/512 of the message, nonce and
   policy when given (RFC 3161 §2.4.2);
7. the chain: leaf EKU exactly timeStamping and critical (RFC 3161 §2.3), keyUsage if any
   only digitalSignature/nonRepudiation; each CA ``cA`` with keyCertSign, path lengths;
   each link signed by the next and the root self-signed (RFC 5280 §6.1); every
   certificate valid at ``genTime``.

The chain checks in 7 depend only on the chain's bytes and are done once per chain
(:mod:`sigstack.core.tsp.chain`, through :func:`trusted_chain`, cached); the validity
window and everything about the response is checked for every response.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from sigstack.core.tsp import _der
from sigstack.core.tsp.chain import TrustedTsaChain, validated_chain
from sigstack.core.tsp.cms import (
    EssCertId,
    SignerInfo,
    TimestampFormatError,
    TimeStampResponse,
    TstInfo,
    parse_ess_cert_ids,
    parse_response,
)
from sigstack.core.tsp.der import SEQUENCE
from sigstack.errors import VerificationError

__all__ = ["TrustedTsaChain", "VerifiedTimestamp", "trusted_chain", "verify_response"]

_ID_CT_TST_INFO = "1.2.840.113549.1.9.16.1.4"
_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_SIGNING_CERTIFICATE = "1.2.840.113549.1.9.16.2.12"
_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"
#: content-type's one value: the OBJECT IDENTIFIER id-ct-TSTInfo, DER
_TST_INFO_VALUE = bytes.fromhex("060b2a864886f70d0109100104")

_DIGESTS = {
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
_ESS_DIGESTS = {"1.3.14.3.2.26": "sha1", **_DIGESTS}
_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}
_ECDSA_BY_HASH = {name: ec.ECDSA(chosen) for name, chosen in _HASHES.items()}
_ECDSA = {
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}
_RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
_RSA_PKCS1 = {
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
}
_RSA_PSS = "1.2.840.113549.1.1.10"
_NULL = b"\x05\x00"


@dataclass(frozen=True)
class VerifiedTimestamp:
    """A timestamp that verified: its ``TSTInfo`` (``gen_time`` is the time, UTC)."""

    tst_info: TstInfo
    response: TimeStampResponse


@lru_cache(maxsize=64)
def trusted_chain(chain_der: tuple[bytes, ...]) -> TrustedTsaChain:
    """Check a trusted TSA chain once (a pure function of its bytes; cached): its structure
    and signatures (:func:`~sigstack.core.tsp.chain.validated_chain`), and the usual
    signing-certificate encodings that name its leaf."""
    trusted = validated_chain(chain_der)
    return replace(trusted, known_ess=(_known_ess(trusted, v2=False), _known_ess(trusted, v2=True)))


def _known_ess(chain: TrustedTsaChain, *, v2: bool) -> frozenset[bytes]:
    """The usual DER encodings of a ``SigningCertificate[V2]`` naming the leaf (RFC 2634
    §5.4, RFC 5035 §3): one ESSCertID, SHA-1 (v1) or the DEFAULT SHA-256 (v2), with or
    without issuerSerial, no policies. Each is put through the general parse and check;
    only those it accepts are kept, so matching one of them is exactly as strict."""
    leaf_hash = chain.leaf_hash("sha256" if v2 else "sha1")
    tails = [b""]
    if chain.leaf_serial >= 0:
        names = _der.tlv(SEQUENCE, _der.tlv(0xA4, chain.leaf_issuer))
        tails.append(_der.tlv(SEQUENCE, names + _der.integer(chain.leaf_serial)))
    name = "signingCertificateV2" if v2 else "signingCertificate"
    known = set()
    for tail in tails:
        cert_id = _der.tlv(SEQUENCE, _der.octet_string(leaf_hash) + tail)
        value = _der.tlv(SEQUENCE, _der.tlv(SEQUENCE, cert_id))
        try:
            _check_ess(parse_ess_cert_ids(value, v2=v2)[0], chain, name)
        except VerificationError:
            continue
        known.add(value)
    return frozenset(known)


def _single(signer: SignerInfo, kind: str, name: str) -> bytes:
    values = signer.attributes.get(kind)
    if values is None:
        raise VerificationError(f"expected a {name} signed attribute, found none")
    if len(values) != 1:
        raise VerificationError(f"expected one {name} attribute value, found {len(values)}")
    return values[0]


def _check_signing_certificate(signer: SignerInfo, chain: TrustedTsaChain) -> None:
    """RFC 5816 §2.2.1 / RFC 2634 §5.4: the first ESSCertID identifies the leaf."""
    found = False
    for kind, v2 in ((_SIGNING_CERTIFICATE_V2, True), (_SIGNING_CERTIFICATE, False)):
        if kind not in signer.attributes:
            continue
        found = True
        name = "signingCertificateV2" if v2 else "signingCertificate"
        value = _single(signer, kind, name)
        if value in chain.known_ess[v2]:
            continue  # an encoding the general path below accepted for this chain
        ids = parse_ess_cert_ids(value, v2=v2)
        if not ids:
            raise VerificationError(f"expected an ESSCertID in {name}, found none")
        _check_ess(ids[0], chain, name)
    if not found:
        raise VerificationError(
            "expected a signingCertificate or signingCertificateV2 signed attribute, found none"
        )


def _check_ess(ess: EssCertId, chain: TrustedTsaChain, name: str) -> None:
    digest = _ESS_DIGESTS.get(ess.hash_algorithm)
    if digest is None:
        raise VerificationError(
            f"expected {name} hashed with SHA-1/256/384/512, found {ess.hash_algorithm}"
        )
    if ess.cert_hash != chain.leaf_hash(digest):
        raise VerificationError(f"expected {name} to identify the TSA leaf, found another hash")
    if ess.serial_number is not None and (
        ess.serial_number != chain.leaf_serial or chain.leaf_issuer not in (ess.issuer_names or ())
    ):
        raise VerificationError(
            f"expected {name}'s issuerSerial to name the TSA leaf, found serial {ess.serial_number}"
        )


def _check_signature(signer: SignerInfo, chain: TrustedTsaChain, digest: str) -> None:
    """RFC 5652 §5.4, §5.6: the leaf signed the DER of the signed attributes."""
    algorithm, params, key = signer.signature_algorithm, signer.signature_parameters, chain.leaf_key
    implied: str | None = None
    if algorithm in _ECDSA:
        implied = _ECDSA[algorithm]
        if params is not None:  # RFC 5758 §3.2: the parameters MUST be absent
            raise VerificationError(f"expected no parameters for {algorithm}, found some")
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise VerificationError(f"expected an ECDSA TSA leaf for {algorithm}")
    elif algorithm == _RSA_ENCRYPTION or algorithm in _RSA_PKCS1:
        implied = _RSA_PKCS1.get(algorithm)
        if not isinstance(key, rsa.RSAPublicKey) or params not in (None, _NULL):
            raise VerificationError(f"expected an RSA TSA leaf for {algorithm}")
    elif algorithm == _RSA_PSS:
        raise VerificationError(
            "expected ECDSA or RSA PKCS#1 v1.5, found RSASSA-PSS (OpenSSL's PKCS#7 verifier,"
            " which rfc3161-client and sigstore-python use, refuses it too)"
        )
    else:
        raise VerificationError(
            f"expected an ECDSA or RSA PKCS#1 v1.5 signature algorithm, found {algorithm}"
        )
    if implied is not None and implied != digest:
        raise VerificationError(
            f"expected the signature algorithm's hash {implied} to be the digestAlgorithm,"
            f" found {digest}"
        )
    data, signature, chosen = signer.signed_bytes(), signer.signature, _HASHES[digest]
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, _ECDSA_BY_HASH[digest])
        else:
            key.verify(signature, data, padding.PKCS1v15(), chosen)
    except InvalidSignature:
        raise VerificationError(
            "expected the TSA leaf's signature over the signed attributes, found an invalid one"
        ) from None


def _check_signer(response: TimeStampResponse, tst_info: TstInfo, chain: TrustedTsaChain) -> None:
    if len(response.signer_infos) != 1:
        raise VerificationError(
            f"expected exactly one SignerInfo, found {len(response.signer_infos)}"
        )
    signer = response.signer_infos[0]
    if response.version != 3 or signer.version != 1:
        raise VerificationError(
            "expected SignedData version 3 and SignerInfo version 1 (RFC 5652 §5.1, §5.3),"
            f" found {response.version} and {signer.version}"
        )
    if signer.sid_key_id is not None:
        raise VerificationError(
            "expected a sid of issuerAndSerialNumber (as rfc3161-client reads it), found a"
            " subjectKeyIdentifier"
        )
    if signer.sid_issuer != chain.leaf_issuer or signer.sid_serial != chain.leaf_serial:
        raise VerificationError(
            "expected the SignerInfo sid to name the trusted TSA leaf"
            f" (serial {chain.leaf_serial}), found serial {signer.sid_serial}"
        )
    if response.certificates:
        if any(der not in chain.ids for der in response.certificates):
            raise VerificationError(
                "expected certificates embedded in the token to be from the trusted TSA chain,"
                " found another certificate"
            )
        sid = (signer.sid_issuer, signer.sid_serial)
        named = [der for der in response.certificates if chain.ids[der] == sid]
        if not named:
            raise VerificationError(
                "expected the embedded certificates to include the one the sid names, found none"
            )
        if named[0] != chain.chain_der[0]:
            raise VerificationError(
                "expected the embedded signer certificate to be the trusted TSA leaf,"
                " found another certificate"
            )
    digest = _DIGESTS.get(signer.digest_algorithm)
    if digest is None:
        raise VerificationError(
            f"expected a SHA-256/384/512 digestAlgorithm, found {signer.digest_algorithm}"
        )
    if any(a not in _DIGESTS for a in response.digest_algorithms) or (
        signer.digest_algorithm not in response.digest_algorithms
    ):
        raise VerificationError(
            f"expected SignedData digestAlgorithms of SHA-2 including {signer.digest_algorithm},"
            f" found {list(response.digest_algorithms)}"
        )
    if signer.signed_attrs is None:
        raise VerificationError("expected signed attributes in the SignerInfo, found none")
    if _single(signer, _CONTENT_TYPE, "content-type") != _TST_INFO_VALUE:
        raise VerificationError("expected the content-type attribute id-ct-TSTInfo, found another")
    value = _single(signer, _MESSAGE_DIGEST, "message-digest")
    expected = hashlib.new(digest, tst_info.der).digest()
    if value[:1] != b"\x04" or value[2:] != expected or value[1] != len(expected):
        raise VerificationError(
            f"expected message-digest = {digest} of the TSTInfo ({expected.hex()}),"
            f" found {value[2:].hex()}"
        )
    _check_signing_certificate(signer, chain)
    _check_signature(signer, chain, digest)


def verify_response(
    response: bytes,
    message: bytes,
    *,
    chain: Sequence[x509.Certificate | bytes],
    nonce: int | None = None,
    policy_oid: str | None = None,
) -> VerifiedTimestamp:
    """Check ``response`` timestamps ``message``, signed by ``chain`` (leaf first, root last).

    ``chain`` comes from the trusted root (certificates or their DER). Returns the verified
    ``TSTInfo`` (``tst_info.gen_time`` is the verified time, UTC) and the decoded response.
    """
    chain_der = tuple(
        c if isinstance(c, bytes) else c.public_bytes(serialization.Encoding.DER) for c in chain
    )
    trusted = trusted_chain(chain_der)
    try:
        decoded = parse_response(response)
    except TimestampFormatError as exc:
        raise TimestampFormatError(f"not a TimeStampResp: {exc}") from None
    if decoded.status != 0:
        text = f" ({decoded.status_text})" if decoded.status_text else ""
        raise VerificationError(f"expected PKIStatus granted (0), found {decoded.status}{text}")
    info = decoded.tst_info
    if info is None:
        raise VerificationError("expected a timeStampToken in the granted response, found none")
    if decoded.econtent_type != _ID_CT_TST_INFO:
        raise VerificationError(
            f"expected eContentType id-ct-TSTInfo, found {decoded.econtent_type}"
        )
    _check_signer(decoded, info, trusted)
    if info.version != 1:
        raise VerificationError(f"expected TSTInfo version 1, found {info.version}")
    imprint = _DIGESTS.get(info.message_imprint.hash_algorithm)
    if imprint is None:
        raise VerificationError(
            "expected a SHA-256/384/512 messageImprint, found"
            f" {info.message_imprint.hash_algorithm}"
        )
    if info.message_imprint.message != hashlib.new(imprint, message).digest():
        raise VerificationError(
            f"expected the messageImprint to be the {imprint} of the message, found another hash"
        )
    if nonce is not None and info.nonce != nonce:
        raise VerificationError(f"expected nonce {nonce}, found {info.nonce}")
    if policy_oid is not None and info.policy != policy_oid:
        raise VerificationError(f"expected policy {policy_oid}, found {info.policy}")
    moment = info.gen_time.replace(microsecond=0)
    for index, (not_before, not_after) in enumerate(trusted.windows):
        if not not_before <= moment <= not_after:
            position = "leaf" if index == 0 else f"chain certificate {index}"
            raise VerificationError(
                f"expected genTime {info.gen_time.isoformat()} within the TSA {position}'s"
                f" validity {not_before.isoformat()} to {not_after.isoformat()}, found outside"
            )
    return VerifiedTimestamp(info, decoded)
