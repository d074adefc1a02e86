"""Build timestamp responses field by field (any field settable, even wrongly) for tests.

:class:`Forge` holds every part of a ``TimeStampResp`` (RFC 3161 §2.4.2, RFC 5652 §5) with
the values a correct response has; a test changes one field and calls :meth:`Forge.build`.
The reference verifiers (rfc3161-client, ``openssl ts -verify``) live here too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import rfc3161_client
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sigstack.core.tsp import _der
from sigstack.core.tsp.cms import encode_oid

MESSAGE = b"the signature bytes a bundle timestamps"
GEN_TIME = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
TST_INFO = "1.2.840.113549.1.9.16.1.4"
DIGEST_OIDS = {
    "sha1": "1.3.14.3.2.26",
    "sha256": "2.16.840.1.101.3.4.2.1",
    "sha384": "2.16.840.1.101.3.4.2.2",
    "sha512": "2.16.840.1.101.3.4.2.3",
}
ECDSA_OIDS = {
    "sha256": "1.2.840.10045.4.3.2",
    "sha384": "1.2.840.10045.4.3.3",
    "sha512": "1.2.840.10045.4.3.4",
}
RSA_OIDS = {
    "sha256": "1.2.840.113549.1.1.11",
    "sha384": "1.2.840.113549.1.1.12",
    "sha512": "1.2.840.113549.1.1.13",
}
RSA_PSS = "1.2.840.113549.1.1.10"
Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def oid(dotted: str) -> bytes:
    return _der.tlv(0x06, encode_oid(dotted))


def algorithm(dotted: str, params: bytes = b"") -> bytes:
    return _der.tlv(_der.SEQUENCE, oid(dotted) + params)


def attribute(dotted: str, *values: bytes) -> bytes:
    return _der.tlv(_der.SEQUENCE, oid(dotted) + _der.tlv(_der.SET, b"".join(values)))


@dataclasses.dataclass(frozen=True)
class TsaChain:
    """Leaf key and certificates (leaf, [intermediate,] root)."""

    key: Key
    certs: tuple[x509.Certificate, ...]

    @property
    def der(self) -> tuple[bytes, ...]:
        return tuple(c.public_bytes(serialization.Encoding.DER) for c in self.certs)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_tsa_chain(
    *,
    leaf_key: Key | None = None,
    eku: Sequence[x509.ObjectIdentifier] = (ExtendedKeyUsageOID.TIME_STAMPING,),
    eku_critical: bool | None = True,
    leaf_window: tuple[datetime, datetime] | None = None,
    intermediate: bool = True,
    leaf_key_usage: x509.KeyUsage | None = None,
    intermediate_ca: bool = True,
    intermediate_cert_sign: bool = True,
    root_path_length: int | None = None,
) -> TsaChain:
    """A root → [intermediate →] leaf chain; the leaf profile can be bent for negative tests."""
    start, end = GEN_TIME - timedelta(days=30), GEN_TIME + timedelta(days=3650)
    root_key = ec.generate_private_key(ec.SECP256R1())
    mid_key = ec.generate_private_key(ec.SECP384R1())
    leaf_key = leaf_key or ec.generate_private_key(ec.SECP256R1())

    def ca_cert(
        subject: str,
        key: Key,
        issuer: str,
        signer: Key,
        path_length: int | None,
        ca: bool = True,
        cert_sign: bool = True,
    ) -> x509.Certificate:
        return (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(_name(issuer))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(
                x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), True
            )
            .add_extension(
                x509.KeyUsage(True, False, False, False, False, cert_sign, True, False, False),
                True,
            )
            .sign(signer, hashes.SHA256())
        )

    root = ca_cert("forge root", root_key, "forge root", root_key, root_path_length)
    issuer_cert, issuer_key = root, root_key
    middle: tuple[x509.Certificate, ...] = ()
    if intermediate:
        issuer_cert = ca_cert(
            "forge intermediate",
            mid_key,
            "forge root",
            root_key,
            0,
            intermediate_ca,
            intermediate_cert_sign,
        )
        issuer_key = mid_key
        middle = (issuer_cert,)
    window = leaf_window or (start, end)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name("forge TSA"))
        .issuer_name(issuer_cert.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(window[0])
        .not_valid_after(window[1])
        .add_extension(
            leaf_key_usage
            or x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            True,
        )
    )
    if eku_critical is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), eku_critical)
    leaf = builder.sign(issuer_key, hashes.SHA256())
    return TsaChain(leaf_key, (leaf, *middle, root))


def sign(key: Key, data: bytes, digest: str, *, pss: bool = False) -> bytes:
    chosen = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[
        digest
    ]
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(chosen))
    if pss:
        return key.sign(data, padding.PSS(padding.MGF1(chosen), chosen.digest_size), chosen)
    return key.sign(data, padding.PKCS1v15(), chosen)


@dataclasses.dataclass(frozen=True)
class Forge:
    """Every part of a response; defaults give one all verifiers accept for :data:`MESSAGE`."""

    chain: TsaChain
    status: int = 0
    with_token: bool = True
    content_type: str = "1.2.840.113549.1.7.2"
    signed_data_version: int = 3
    digest_algorithms: tuple[str, ...] | None = None  # None: the signer's
    econtent_type: str = TST_INFO
    tst_version: int = 1
    policy: str = "1.3.6.1.4.1.57264.2"
    imprint_algorithm: str = "sha256"
    imprint: bytes | None = None  # None: the hash of MESSAGE
    serial: int = 4242
    gen_time: bytes = b"20260301120000Z"
    nonce: int | None = 77
    signer_version: int = 1
    sid_serial: int | None = None  # None: the leaf's
    sid_key_id: bytes | None = None  # a subjectKeyIdentifier sid instead
    digest: str = "sha256"
    content_type_attr: bytes | None = oid(TST_INFO)
    message_digest: bytes | None = None  # None: the right digest
    signing_cert: str | None = "v2"  # "v1", "v2", "both" or None
    signing_cert_hash: bytes | None = None  # None: the leaf's
    signature_algorithm: str | None = None  # None: ECDSA/RSA with ``digest``
    pss: bool = False
    corrupt_signature: bool = False
    signers: int = 1
    certificates: tuple[bytes, ...] = ()
    signing_key: Key | None = None  # None: the chain's leaf key

    def tst_info(self) -> bytes:
        imprint = self.imprint or hashlib.new(self.imprint_algorithm, MESSAGE).digest()
        return _der.tlv(
            _der.SEQUENCE,
            _der.integer(self.tst_version)
            + oid(self.policy)
            + _der.tlv(
                _der.SEQUENCE,
                algorithm(DIGEST_OIDS[self.imprint_algorithm]) + _der.octet_string(imprint),
            )
            + _der.integer(self.serial)
            + _der.tlv(0x18, self.gen_time)
            + (b"" if self.nonce is None else _der.integer(self.nonce)),
        )

    def _signer_info(self, tst: bytes) -> bytes:
        leaf = self.chain.certs[0]
        attrs = []
        if self.content_type_attr is not None:
            attrs.append(attribute("1.2.840.113549.1.9.3", self.content_type_attr))
        digest = self.message_digest or hashlib.new(self.digest, tst).digest()
        attrs.append(attribute("1.2.840.113549.1.9.4", _der.octet_string(digest)))
        der = self.chain.der[0]
        if self.signing_cert in ("v2", "both"):
            cert_hash = self.signing_cert_hash or hashlib.sha256(der).digest()
            ess = _der.tlv(_der.SEQUENCE, _der.octet_string(cert_hash))
            value = _der.tlv(_der.SEQUENCE, _der.tlv(_der.SEQUENCE, ess))
            attrs.append(attribute("1.2.840.113549.1.9.16.2.47", value))
        if self.signing_cert in ("v1", "both"):
            cert_hash = self.signing_cert_hash or hashlib.sha1(der).digest()
            ess = _der.tlv(_der.SEQUENCE, _der.octet_string(cert_hash))
            value = _der.tlv(_der.SEQUENCE, _der.tlv(_der.SEQUENCE, ess))
            attrs.append(attribute("1.2.840.113549.1.9.16.2.12", value))
        body = b"".join(sorted(attrs))
        key = self.signing_key or self.chain.key
        signature = sign(key, _der.tlv(_der.SET, body), self.digest, pss=self.pss)
        if self.corrupt_signature:
            signature = signature[:-1] + bytes([signature[-1] ^ 1])
        if self.signature_algorithm is not None:
            sig_alg = algorithm(self.signature_algorithm)
        elif self.pss:
            dig = algorithm(DIGEST_OIDS[self.digest])
            params = _der.tlv(
                _der.SEQUENCE,
                _der.context(0, dig)
                + _der.context(1, algorithm("1.2.840.113549.1.1.8", dig))
                + _der.context(2, _der.integer(len(hashlib.new(self.digest).digest()))),
            )
            sig_alg = algorithm(RSA_PSS, params)
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            sig_alg = algorithm(ECDSA_OIDS[self.digest])
        else:
            sig_alg = algorithm(RSA_OIDS[self.digest], b"\x05\x00")
        if self.sid_key_id is not None:
            sid = _der.tlv(0x80, self.sid_key_id)
        else:
            serial = leaf.serial_number if self.sid_serial is None else self.sid_serial
            sid = _der.tlv(_der.SEQUENCE, leaf.issuer.public_bytes() + _der.integer(serial))
        return _der.tlv(
            _der.SEQUENCE,
            _der.integer(self.signer_version)
            + sid
            + algorithm(DIGEST_OIDS[self.digest])
            + _der.context(0, body)
            + sig_alg
            + _der.octet_string(signature),
        )

    def build(self) -> bytes:
        status = _der.tlv(_der.SEQUENCE, _der.integer(self.status))
        if not self.with_token:
            return _der.tlv(_der.SEQUENCE, status)
        tst = self.tst_info()
        signer = self._signer_info(tst)
        algs = self.digest_algorithms or (self.digest,)
        encap = _der.tlv(
            _der.SEQUENCE,
            oid(self.econtent_type) + _der.context(0, _der.octet_string(tst)),
        )
        certs = _der.context(0, b"".join(self.certificates)) if self.certificates else b""
        signed = _der.tlv(
            _der.SEQUENCE,
            _der.integer(self.signed_data_version)
            + _der.tlv(_der.SET, b"".join(algorithm(DIGEST_OIDS[a]) for a in algs))
            + encap
            + certs
            + _der.tlv(_der.SET, signer * self.signers),
        )
        token = _der.tlv(_der.SEQUENCE, oid(self.content_type) + _der.context(0, signed))
        return _der.tlv(_der.SEQUENCE, status + token)


def rfc3161_verdict(
    response: bytes,
    message: bytes,
    chain: Sequence[x509.Certificate],
    *,
    nonce: int | None = None,
    policy: str | None = None,
) -> str | None:
    """rfc3161-client's verdict as sigstore-python asks for it: None, or the refusal."""
    try:
        decoded = rfc3161_client.decode_timestamp_response(response)
        builder = rfc3161_client.VerifierBuilder().tsa_certificate(chain[0])
        for cert in chain[1:-1]:
            builder = builder.add_intermediate_certificate(cert)
        builder = builder.add_root_certificate(chain[-1])
        if nonce is not None:
            builder = builder.nonce(nonce)
        if policy is not None:
            builder = builder.policy_id(x509.ObjectIdentifier(policy))
        builder.build().verify_message(decoded, message)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def openssl_verdict(
    response: bytes,
    message: bytes,
    chain: Sequence[x509.Certificate],
    at: datetime,
    work: Path,
) -> str | None:
    """``openssl ts -verify`` at ``at`` (root trusted, the rest untrusted): None or stderr."""
    work.mkdir(parents=True, exist_ok=True)
    pem = serialization.Encoding.PEM
    (work / "resp.der").write_bytes(response)
    (work / "data.bin").write_bytes(message)
    (work / "root.pem").write_bytes(chain[-1].public_bytes(pem))
    (work / "untrusted.pem").write_bytes(b"".join(c.public_bytes(pem) for c in chain[:-1]))
    out = subprocess.run(
        [
            "openssl", "ts", "-verify", "-in", str(work / "resp.der"),
            "-data", str(work / "data.bin"), "-CAfile", str(work / "root.pem"),
            "-untrusted", str(work / "untrusted.pem"), "-attime", str(int(at.timestamp())),
        ],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode == 0 and "Verification: OK" in out.stdout:
        return None
    return (out.stdout + out.stderr).strip() or f"exit {out.returncode}"
