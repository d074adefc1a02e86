"""Timestamp responses (RFC 3161 §2.4.2): a CMS SignedData (RFC 5652) over a TSTInfo.

The layout is the one Sigstore clients accept (ca-tsa-oidc-tuf.md §8.4), the
same shape sigstore/timestamp-authority emits:

* ``TimeStampResp { status granted, timeStampToken ContentInfo(signedData) }``;
* ``SignedData`` version 3 (RFC 5652 §5.1: eContentType is not id-data),
  ``eContentType`` id-ct-TSTInfo, certificates only when the request set
  ``certReq`` (RFC 3161 §2.4.1);
* one ``SignerInfo`` v1 identified by issuerAndSerialNumber, with the signed
  attributes contentType, messageDigest, signingTime and signingCertificateV2
  (``ESSCertIDv2``, RFC 5816 §2.2.1; SHA-256, so its hashAlgorithm is omitted);
* ``TSTInfo`` (RFC 3161 §2.4.2): version 1, policy, the request's messageImprint
  unchanged, serialNumber, genTime (whole seconds, UTC), accuracy, the nonce
  echoed, and ``tsa`` naming the leaf's subject.

The signature covers the DER of the signed attributes as an explicit ``SET OF``
(tag 0x31), not the ``[0] IMPLICIT`` form carried in SignerInfo (RFC 5652 §5.4).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from sigstack.core.tsp import _der
from sigstack.core.tsp.request import DEFAULT_POLICY_OID, TimestampRequest
from sigstack.errors import FormatError, UnsupportedError

__all__ = [
    "FAIL_INFO",
    "SignerKey",
    "TimestampSigner",
    "build_rejection",
    "build_response",
    "fail_info_for",
]

SignerKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

#: PKIFailureInfo names (RFC 3161 §2.4.2) asn1crypto knows.
FAIL_INFO = frozenset(tsp.PKIFailureInfo._map.values())

_MAX_SERIAL_BITS = 160  # RFC 3161 §2.4.2: serials up to 160 bits must be supported


def _signature_algorithm(key: SignerKey) -> tuple[str, hashes.HashAlgorithm, str]:
    """(digest name, digest, CMS signature algorithm) for the signer key."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if key.curve.key_size >= 384:
            return "sha384", hashes.SHA384(), "sha384_ecdsa"
        return "sha256", hashes.SHA256(), "sha256_ecdsa"
    if isinstance(key, rsa.RSAPrivateKey):
        return "sha256", hashes.SHA256(), "sha256_rsa"
    raise UnsupportedError(
        f"TSA signer key must be ECDSA or RSA, found {type(key).__name__}",
        field="signer_key",
    )


class TimestampSigner:
    """A TSA's key and certificates, with everything fixed per signer encoded once.

    ``chain`` is the certificates after the leaf (intermediates, then the root);
    they are embedded after the leaf when ``include_chain`` is set and the
    request asks for certificates (the Go TSA's ``--include-chain-in-response``).

    Fixed parts are encoded by asn1crypto at construction; each response only
    concatenates them with the per-request values (:mod:`._der`), which keeps a
    timestamp at tens of microseconds instead of milliseconds.
    """

    def __init__(
        self,
        signer_key: SignerKey,
        signer_cert: x509.Certificate,
        chain: Sequence[x509.Certificate] = (),
        *,
        policy_oid: str = DEFAULT_POLICY_OID,
        accuracy_seconds: int = 1,
        include_chain: bool = False,
    ) -> None:
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        der = serialization.Encoding.DER
        if signer_cert.public_key().public_bytes(der, spki) != signer_key.public_key().public_bytes(
            der, spki
        ):
            raise FormatError("the TSA certificate does not certify the signer key")
        if accuracy_seconds < 0:
            raise FormatError(f"accuracy must not be negative, found {accuracy_seconds}")
        self.key = signer_key
        self.policy_oid = policy_oid
        self.accuracy_seconds = accuracy_seconds
        self._digest_name, self._hash, sig_alg = _signature_algorithm(signer_key)
        leaf_der = signer_cert.public_bytes(der)
        leaf = asn1_x509.Certificate.load(leaf_der)
        # TSTInfo pieces (RFC 3161 §2.4.2).
        self._version = _der.integer(1)
        self._policy = core.ObjectIdentifier(policy_oid).dump()
        self._accuracy = tsp.Accuracy({"seconds": accuracy_seconds}).dump()
        self._tsa = _der.context(0, asn1_x509.GeneralName({"directory_name": leaf.subject}).dump())
        # SignerInfo pieces (RFC 5652 §5.3).
        self._sid = cms.IssuerAndSerialNumber(
            {"issuer": leaf.issuer, "serial_number": leaf.serial_number}
        ).dump()
        self._digest_alg = algos.DigestAlgorithm({"algorithm": self._digest_name}).dump()
        self._sig_alg = algos.SignedDigestAlgorithm({"algorithm": sig_alg}).dump()
        signing_certificate = tsp.SigningCertificateV2(
            {
                "certs": [
                    {
                        "cert_hash": hashlib.sha256(leaf_der).digest(),
                        "issuer_serial": {
                            "issuer": [asn1_x509.GeneralName({"directory_name": leaf.issuer})],
                            "serial_number": leaf.serial_number,
                        },
                    }
                ]
            }
        )
        self._attr_content_type = cms.CMSAttribute(
            {"type": "content_type", "values": ["tst_info"]}
        ).dump()
        self._attr_signing_cert = cms.CMSAttribute(
            {"type": "signing_certificate_v2", "values": [signing_certificate]}
        ).dump()
        self._oid_signing_time = cms.CMSAttributeType("signing_time").dump()
        self._oid_message_digest = cms.CMSAttributeType("message_digest").dump()
        # SignedData pieces (RFC 5652 §5.1).
        self._oid_tst_info = cms.ContentType("tst_info").dump()
        self._oid_signed_data = cms.ContentType("signed_data").dump()
        embedded = [leaf_der] + ([c.public_bytes(der) for c in chain] if include_chain else [])
        self._certificates = _der.context(0, b"".join(sorted(embedded)))

    def _tst_info(self, request: TimestampRequest, serial: int, gen_time: datetime) -> bytes:
        policy = self._policy
        if request.policy is not None and request.policy != self.policy_oid:
            policy = core.ObjectIdentifier(request.policy).dump()
        nonce = b"" if request.nonce is None else _der.integer(request.nonce)
        return _der.tlv(
            _der.SEQUENCE,
            self._version
            + policy
            + request.message_imprint_der
            + _der.integer(serial)
            + _der.generalized_time(gen_time)
            + self._accuracy
            + nonce
            + self._tsa,
        )

    def _sign(self, data: bytes) -> bytes:
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return self.key.sign(data, ec.ECDSA(self._hash))
        return self.key.sign(data, padding.PKCS1v15(), self._hash)

    def _signed_attrs(self, tst_info: bytes, gen_time: datetime) -> bytes:
        digest = hashlib.new(self._digest_name, tst_info).digest()
        # RFC 5652 §11.3: UTCTime for 1950-2049, GeneralizedTime otherwise.
        when = _der.utc_time(gen_time) if gen_time.year < 2050 else _der.generalized_time(gen_time)
        attrs = [
            self._attr_content_type,
            _der.tlv(_der.SEQUENCE, self._oid_signing_time + _der.tlv(_der.SET, when)),
            _der.tlv(
                _der.SEQUENCE,
                self._oid_message_digest + _der.tlv(_der.SET, _der.octet_string(digest)),
            ),
            self._attr_signing_cert,
        ]
        return b"".join(sorted(attrs))  # DER orders SET OF by encoding (X.690 §11.6)

    def token(self, request: TimestampRequest, *, serial: int, gen_time: datetime) -> bytes:
        """The DER ``TimeStampToken`` (RFC 3161 §2.4.2): a ``ContentInfo`` with SignedData."""
        if not 0 < serial < 2**_MAX_SERIAL_BITS:
            raise FormatError(f"serial must be positive and under 160 bits, found {serial}")
        if gen_time.tzinfo is None:
            raise FormatError("gen_time must be timezone-aware")
        gen_time = gen_time.astimezone(UTC).replace(microsecond=0)
        tst_info = self._tst_info(request, serial, gen_time)
        attrs = self._signed_attrs(tst_info, gen_time)
        # RFC 5652 §5.4: the signature covers the attributes with the SET OF tag.
        signature = self._sign(_der.tlv(_der.SET, attrs))
        signer_info = _der.tlv(
            _der.SEQUENCE,
            _der.integer(1)
            + self._sid
            + self._digest_alg
            + _der.context(0, attrs)
            + self._sig_alg
            + _der.octet_string(signature),
        )
        encap = _der.tlv(
            _der.SEQUENCE, self._oid_tst_info + _der.context(0, _der.octet_string(tst_info))
        )
        signed_data = _der.tlv(
            _der.SEQUENCE,
            _der.integer(3)
            + _der.tlv(_der.SET, self._digest_alg)
            + encap
            + (self._certificates if request.cert_req else b"")
            + _der.tlv(_der.SET, signer_info),
        )
        return _der.tlv(_der.SEQUENCE, self._oid_signed_data + _der.context(0, signed_data))

    def respond(self, request: TimestampRequest, *, serial: int, gen_time: datetime) -> bytes:
        """A granted DER ``TimeStampResp`` (RFC 3161 §2.4.2) for ``request``."""
        token = self.token(request, serial=serial, gen_time=gen_time)
        return _der.tlv(_der.SEQUENCE, _GRANTED + token)


_GRANTED = tsp.PKIStatusInfo({"status": "granted"}).dump()


def build_response(
    request: TimestampRequest,
    *,
    signer_key: SignerKey,
    signer_cert: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
    serial: int,
    gen_time: datetime,
    policy_oid: str = DEFAULT_POLICY_OID,
    accuracy_seconds: int = 1,
    include_chain: bool = False,
) -> bytes:
    """One granted ``TimeStampResp``; see :class:`TimestampSigner` to sign many."""
    signer = TimestampSigner(
        signer_key,
        signer_cert,
        chain,
        policy_oid=policy_oid,
        accuracy_seconds=accuracy_seconds,
        include_chain=include_chain,
    )
    return signer.respond(request, serial=serial, gen_time=gen_time)


def build_rejection(fail_info: str, text: str) -> bytes:
    """A ``TimeStampResp`` with status rejection, ``failInfo`` and a reason (RFC 3161 §2.4.2)."""
    if fail_info not in FAIL_INFO:
        raise FormatError(
            f"unknown PKIFailureInfo {fail_info!r}; expected one of {sorted(FAIL_INFO)}"
        )
    status = {"status": "rejection", "status_string": [text], "fail_info": {fail_info}}
    # asn1crypto's TimeStampResp does not mark timeStampToken OPTIONAL, so wrap it here.
    return _der.tlv(_der.SEQUENCE, tsp.PKIStatusInfo(status).dump())


def fail_info_for(error: FormatError) -> str:
    """The PKIFailureInfo that names why a request was refused (RFC 3161 §2.4.2)."""
    match error.field:
        case "messageImprint.hashAlgorithm" | "hashAlgorithm":
            return "bad_alg"
        case "reqPolicy" | "tsaPolicyOID":
            return "unaccepted_policy"
        case "extensions":
            return "unaccepted_extensions"
        case None:
            return "bad_data_format"
        case _:
            return "bad_request"
