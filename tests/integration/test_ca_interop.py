"""A live ``sigstack serve ca`` trusting a live ``sigstack serve oidc``, judged by the real clients.

(a) a CSR request exactly as sigstore-python 4.5.1 sends it (header token, base64 PEM CSR);
(b) a ``publicKeyRequest`` as cosign / sigstore-js send it (body token, PEM key, signature
    over the email);
(c) the real sigstore-python (PyPI, own venv, ``make peers``) requests a certificate with its
    own Fulcio client, then runs its own SCT verification (``sigstore._internal.sct.verify_sct``
    with a ``CTKeyring`` holding our CT log key), its chain building (``Verifier``'s
    ``_verify_chain_at_time``: cryptography's WebPKI verifier with the EKU rule relaxed), its
    KeyUsage / EKU checks and its ``Identity`` policy; a tampered SCT must fail.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.clock import utc_now
from sigstack.services.ca.keys import GeneratedKeySource
from sigstack.testing.service import ServiceProcess, start_service
from tests.peers import sigstore_python

EMAIL = "alice@example.com"


@dataclass
class Stack:
    oidc: ServiceProcess
    ca: ServiceProcess

    def token(self, email: str = EMAIL) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "sigstack", "oidc", "token", "--email", email,
             "--data-dir", str(self.oidc.data_dir)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return out.stdout.strip()

    def ct_public_key_der(self) -> bytes:
        key = serialization.load_pem_private_key(
            (self.ca.data_dir / "keys" / "ctlog.pem").read_bytes(), None
        )
        return key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def ct_size(self) -> int:
        return int(httpx.get(self.ca.url + "/ct/v1/get-sth").json()["tree_size"])


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    oidc = start_service(
        "oidc", tmp_path / "oidc", "--log-level", "warning",
        ready_path="/.well-known/openid-configuration", output=tmp_path / "oidc.log",
    )  # fmt: skip
    try:
        ca = start_service(
            "ca", tmp_path / "ca", "--oidc-issuer", oidc.url, "--log-level", "warning",
            ready_path="/healthz", output=tmp_path / "ca.log",
        )  # fmt: skip
        try:
            yield Stack(oidc, ca)
        finally:
            ca.stop()
    finally:
        oidc.stop()


def _chain(response: httpx.Response) -> list[x509.Certificate]:
    assert response.status_code == 200, response.text
    pems = response.json()["signedCertificateEmbeddedSct"]["chain"]["certificates"]
    assert len(pems) == 3
    return [x509.load_pem_x509_certificate(p.encode()) for p in pems]


def _san(cert: x509.Certificate) -> list[str]:
    return cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value.get_values_for_type(x509.RFC822Name)


def test_csr_request_as_sigstore_python_sends_it(stack: Stack) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([]))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    body = json.dumps(
        {
            "certificateSigningRequest": base64.b64encode(
                csr.public_bytes(serialization.Encoding.PEM)
            ).decode()
        }
    )
    r = httpx.post(
        stack.ca.url + "/api/v2/signingCert",
        content=body,
        headers={
            "Authorization": f"Bearer {stack.token()}",
            "Content-Type": "application/json",
            "Accept": "application/pem-certificate-chain",
        },
    )
    leaf, intermediate, root = _chain(r)
    assert _san(leaf) == [EMAIL]
    leaf.verify_directly_issued_by(intermediate)
    intermediate.verify_directly_issued_by(root)
    assert stack.ct_size() == 1
    # What a person following a Sigstore tutorial sees with `openssl x509 -text`.
    text = subprocess.run(
        ["openssl", "x509", "-noout", "-text"],
        input=leaf.public_bytes(serialization.Encoding.PEM),
        capture_output=True,
        check=True,
    ).stdout.decode()
    for shown in (
        "X509v3 Subject Alternative Name: critical",
        f"email:{EMAIL}",
        "Code Signing",
        "Digital Signature",
        "1.3.6.1.4.1.57264.1.1:",
        "1.3.6.1.4.1.57264.1.8:",
        "CT Precertificate SCTs:",
    ):
        assert shown in text, text
    assert stack.oidc.url in text


def test_public_key_request_as_cosign_sends_it(stack: Stack) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    body = {
        "credentials": {"oidcIdentityToken": stack.token()},
        "publicKeyRequest": {
            "publicKey": {
                "algorithm": "ECDSA",
                "content": key.public_key()
                .public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                .decode(),
            },
            "proofOfPossession": base64.b64encode(
                key.sign(EMAIL.encode(), ec.ECDSA(hashes.SHA256()))
            ).decode(),
        },
    }
    leaf, _, _ = _chain(httpx.post(stack.ca.url + "/api/v2/signingCert", json=body))
    assert _san(leaf) == [EMAIL] and leaf.public_key() == key.public_key()
    body["publicKeyRequest"]["proofOfPossession"] = base64.b64encode(  # type: ignore[index]
        key.sign(b"mallory@example.com", ec.ECDSA(hashes.SHA256()))
    ).decode()
    r = httpx.post(stack.ca.url + "/api/v2/signingCert", json=body)
    assert r.status_code == 400 and stack.ct_size() == 1


JUDGE = r"""
import base64, json, sys
from datetime import datetime, timezone
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sigstore_models.common import v1 as common_v1
from sigstore._internal.fulcio.client import FulcioClient
from sigstore._internal.sct import verify_sct
from sigstore._internal.timestamp import TimestampSource, TimestampVerificationResult
from sigstore._internal.trust import CTKeyring, Keyring
from sigstore.errors import VerificationError
from sigstore.oidc import IdentityToken
from sigstore.verify.policy import Identity
from sigstore.verify.verifier import Verifier
from cryptography.x509 import ExtendedKeyUsage, KeyUsage
from cryptography.x509.oid import ExtendedKeyUsageOID

args = json.loads(sys.argv[1])
token = IdentityToken(args["token"])
key = ec.generate_private_key(ec.SECP256R1())  # sign.py: Signer._build_csr
csr = (x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
       .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
       .sign(key, hashes.SHA256()))
resp = FulcioClient(args["ca_url"]).signing_cert.post(csr, token)
keyring = CTKeyring(Keyring([common_v1.PublicKey(
    raw_bytes=args["ct_key"],  # protobuf-JSON bytes: base64, as in a trusted_root.json
    key_details=common_v1.PublicKeyDetails.PKIX_ECDSA_P256_SHA_256)]))
verify_sct(resp.cert, resp.chain, keyring)  # signing-time check (sign.py) and verify step (2)

verifier = Verifier.__new__(Verifier)  # only the chain store is needed for step (1)
verifier._fulcio_certificate_chain = resp.chain
now = TimestampVerificationResult(source=TimestampSource.TIMESTAMP_AUTHORITY,
                                  time=datetime.now(timezone.utc))
verifier._verify_chain_at_time(resp.cert, now)
assert resp.cert.extensions.get_extension_for_class(KeyUsage).value.digital_signature
assert ExtendedKeyUsageOID.CODE_SIGNING in resp.cert.extensions.get_extension_for_class(ExtendedKeyUsage).value
Identity(identity=args["email"], issuer=args["issuer"]).verify(resp.cert)

der = bytearray(resp.cert.public_bytes(__import__("cryptography").hazmat.primitives.serialization.Encoding.DER))
sct = resp.cert.extensions.get_extension_for_class(x509.PrecertificateSignedCertificateTimestamps).value[0]
at = bytes(der).index(sct.signature)
der[at + len(sct.signature) - 1] ^= 0x01  # last byte of the SCT's ECDSA signature
tampered = x509.load_der_x509_certificate(bytes(der))
try:
    verify_sct(tampered, resp.chain, keyring)
except VerificationError as exc:
    print("tampered SCT refused:", exc)
else:
    sys.exit("a tampered SCT verified")
print("OK", resp.cert.serial_number)
"""


def test_sigstore_python_accepts_our_certificate_and_sct(stack: Stack) -> None:
    peer_python = sigstore_python()
    args = {
        "token": stack.token(),
        "ca_url": stack.ca.url,
        "ct_key": base64.b64encode(stack.ct_public_key_der()).decode(),
        "email": EMAIL,
        "issuer": stack.oidc.url,
    }
    out = subprocess.run(
        [str(peer_python), "-c", JUDGE, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "tampered SCT refused: SCT verify failed" in out.stdout
    assert "OK" in out.stdout
    assert stack.ct_size() == 1


def test_serve_ca_with_an_encrypted_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, chain = GeneratedKeySource(tmp_path / "gen", now=utc_now()).load()
    key_file, chain_file = tmp_path / "ca.key", tmp_path / "chain.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"s3cret"),
        )
    )
    chain_file.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
    flags = ("--ca-key", str(key_file), "--ca-chain", str(chain_file),
             "--ca-key-password-env", "SIGSTACK_TEST_CA_PASSWORD", "--workers", "0")  # fmt: skip
    with pytest.raises(RuntimeError, match="exited"):
        start_service("ca", tmp_path / "ca", *flags, ready_path="/healthz",
                      output=tmp_path / "fail.log")  # fmt: skip
    assert "SIGSTACK_TEST_CA_PASSWORD" in (tmp_path / "fail.log").read_text()
    monkeypatch.setenv("SIGSTACK_TEST_CA_PASSWORD", "s3cret")
    ca = start_service("ca", tmp_path / "ca", *flags, ready_path="/healthz")
    try:
        bundle = httpx.get(ca.url + "/api/v2/trustBundle").json()
        pems = bundle["chains"][0]["certificates"]
        assert [x509.load_pem_x509_certificate(p.encode()) for p in pems] == chain
    finally:
        ca.stop()
