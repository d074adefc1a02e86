"""Signer end to end over httpx.MockTransport: fake CA, TSA and Rekor v1/v2 (no network)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import rfc3161_client
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from sigstack.core.dsse import pae
from sigstack.errors import FormatError, NetworkError, SignatureError
from sigstack.sign import BUNDLE_MEDIA_TYPE, Signer, SigningContext
from tests.unit.sign.fakes import NOW, issue, pem_chain, timestamp_response, trusted

BASE = "http://stack.test:8080"
TSA = f"{BASE}/api/v1/timestamp"
CHECKPOINT = "stack.test - 1\n1\nAAAA\n\n— stack.test AAAA\n"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class FakeStack:
    """Answers like ``sigstack up``; ``log_keys`` names the CT keys that sign the SCT."""

    def __init__(self, *, log_keys: tuple[str, ...] = ("trusted",), tsa_status: int = 200) -> None:
        self.log_keys = log_keys
        self.tsa_status = tsa_status
        self.paths: list[str] = []
        self.tamper = False
        self.envelopes: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.paths.append(path)
        if path == "/api/v2/signingCert":
            body = json.loads(request.content)
            csr = x509.load_pem_x509_csr(base64.b64decode(body["certificateSigningRequest"]))
            chain = pem_chain(issue(csr.public_key(), log_keys=self.log_keys))
            return httpx.Response(
                201, json={"signedCertificateEmbeddedSct": {"chain": {"certificates": chain}}}
            )
        if path == "/api/v1/timestamp":
            if self.tsa_status != 200:
                return httpx.Response(self.tsa_status, text="down")
            return httpx.Response(200, content=timestamp_response(request.content))
        if path == "/api/v1/log/entries":
            return httpx.Response(201, json=self._v1(json.loads(request.content)))
        if path == "/api/v2/log/entries":
            return httpx.Response(201, json=self._v2(json.loads(request.content)))
        return httpx.Response(404, json={"code": 404, "message": "no such path"})

    def _sig(self, sig: str) -> str:
        return _b64(b"other") if self.tamper else sig

    def _v1(self, proposed: dict[str, Any]) -> dict[str, Any]:
        if proposed["kind"] == "dsse":  # logged as {envelopeHash, payloadHash, signatures}
            content = proposed["spec"]["proposedContent"]
            self.envelopes.append(content["envelope"])
            envelope = json.loads(content["envelope"])
            sig = self._sig(envelope["signatures"][0]["sig"])
            proposed["spec"] = {
                "signatures": [{"signature": sig, "verifier": content["verifiers"][0]}]
            }
        else:
            proposed["spec"]["signature"]["content"] = self._sig(
                proposed["spec"]["signature"]["content"]
            )
        proof = {"logIndex": 0, "treeSize": 1, "rootHash": "00" * 32, "hashes": []}
        return {
            "ab" * 32: {
                "body": _b64(json.dumps(proposed).encode()),
                "integratedTime": int(NOW.timestamp()),
                "logID": "11" * 32,
                "logIndex": 0,
                "verification": {
                    "inclusionProof": {**proof, "checkpoint": CHECKPOINT},
                    "signedEntryTimestamp": _b64(b"set"),
                },
            }
        }

    def _v2(self, request: dict[str, Any]) -> dict[str, Any]:
        spec = request["hashedRekordRequestV002"]
        body = {
            "apiVersion": "0.0.2",
            "kind": "hashedrekord",
            "spec": {
                "hashedRekordV002": {
                    "data": {"algorithm": "SHA2_256", "digest": spec["digest"]},
                    "signature": {
                        **spec["signature"],
                        "content": self._sig(spec["signature"]["content"]),
                    },
                }
            },
        }
        return {
            "logIndex": "0",
            "logId": {"keyId": _b64(b"\x22" * 32)},
            "kindVersion": {"kind": "hashedrekord", "version": "0.0.2"},
            "inclusionProof": {
                "logIndex": "0",
                "rootHash": _b64(b"\x00" * 32),
                "treeSize": "1",
                "hashes": [],
                "checkpoint": {"envelope": CHECKPOINT},
            },
            "canonicalizedBody": _b64(json.dumps(body).encode()),
        }


def _signer(stack: FakeStack, version: int) -> Signer:
    context = SigningContext(
        ca_url=BASE, rekor_url=BASE, rekor_version=version, tsa_urls=(TSA,),
        ct_keys=tuple(trusted()),
    )  # fmt: skip
    return Signer(context, "a.jwt.token", clock=lambda: NOW, transport=httpx.MockTransport(stack))


@pytest.mark.parametrize("version", [1, 2])
def test_bundle_shape_signature_and_timestamp(version: int) -> None:
    stack = FakeStack()
    artifact = b"hello, sigstack"
    bundle = _signer(stack, version).sign_artifact(artifact)

    assert bundle["mediaType"] == BUNDLE_MEDIA_TYPE
    material = bundle["verificationMaterial"]
    certificate = x509.load_der_x509_certificate(
        base64.b64decode(material["certificate"]["rawBytes"])
    )
    digest = hashlib.sha256(artifact).digest()
    message = bundle["messageSignature"]
    assert message["messageDigest"] == {"algorithm": "SHA2_256", "digest": _b64(digest)}
    signature = base64.b64decode(message["signature"])
    public = certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))

    (stamp,) = material["timestampVerificationData"]["rfc3161Timestamps"]
    response = rfc3161_client.decode_timestamp_response(base64.b64decode(stamp["signedTimestamp"]))
    imprint = response.tst_info.message_imprint
    assert imprint.hash_algorithm.dotted_string == "2.16.840.1.101.3.4.2.1"  # SHA-256
    assert imprint.message == hashlib.sha256(signature).digest()

    (entry,) = material["tlogEntries"]
    assert entry["logIndex"] == "0"
    assert entry["kindVersion"] == {"kind": "hashedrekord", "version": f"0.0.{version}"}
    assert entry["inclusionProof"]["checkpoint"] == {"envelope": CHECKPOINT}
    if version == 1:
        assert entry["logId"] == {"keyId": _b64(b"\x11" * 32)}
        assert entry["integratedTime"] == str(int(NOW.timestamp()))
        assert entry["inclusionPromise"] == {"signedEntryTimestamp": _b64(b"set")}
    else:
        assert "integratedTime" not in entry and "inclusionPromise" not in entry
    # timestamp before the log, as sigstore-python orders them (§7.1)
    assert stack.paths[1:] == ["/api/v1/timestamp", f"/api/v{version}/log/entries"]


def test_certificate_requested_once_per_signer() -> None:
    stack = FakeStack()
    signer = _signer(stack, 1)
    signer.sign_artifact(b"a")
    signer.sign_artifact(b"b")
    assert stack.paths.count("/api/v2/signingCert") == 1


def test_sct_by_an_untrusted_ct_key_is_refused_before_anything_is_signed() -> None:
    stack = FakeStack(log_keys=("other",))
    with pytest.raises(SignatureError, match="no trusted CT log key"):
        _signer(stack, 1).sign_artifact(b"x")
    assert stack.paths == ["/api/v2/signingCert"]


@pytest.mark.parametrize("version", [1, 2])
def test_log_entry_with_another_signature_is_refused(version: int) -> None:
    stack = FakeStack()
    stack.tamper = True
    with pytest.raises(FormatError, match="does not hold the signature"):
        _signer(stack, version).sign_artifact(b"x")


def test_failing_tsa_aborts_with_rekor_v2() -> None:
    stack = FakeStack(tsa_status=503)
    with pytest.raises(NetworkError, match="needs a signed timestamp"):
        _signer(stack, 2).sign_artifact(b"x")
    assert "/api/v2/log/entries" not in stack.paths


def test_failing_tsa_is_skipped_with_rekor_v1() -> None:
    bundle = _signer(FakeStack(tsa_status=500), 1).sign_artifact(b"x")
    assert bundle["verificationMaterial"]["timestampVerificationData"] == {"rfc3161Timestamps": []}


def test_sign_digest_equals_sign_artifact() -> None:
    bundle = _signer(FakeStack(), 1).sign_digest(hashlib.sha256(b"blob").digest())
    digest = bundle["messageSignature"]["messageDigest"]["digest"]
    assert digest == _b64(hashlib.sha256(b"blob").digest())
    with pytest.raises(FormatError, match="32-byte"):
        _signer(FakeStack(), 1).sign_digest(b"short")


def test_expired_certificate_is_not_reused() -> None:
    moments = [NOW, NOW + timedelta(days=1)]
    stack = FakeStack()
    context = _signer(stack, 1).context
    signer = Signer(context, "t", clock=lambda: moments[0], transport=httpx.MockTransport(stack))
    signer.sign_artifact(b"a")
    moments[0] = moments[1]
    with pytest.raises(FormatError, match="expired"):
        signer.sign_artifact(b"b")


STATEMENT = b'{"_type":"https://in-toto.io/Statement/v1","subject":[]}'


@pytest.mark.parametrize("version", [1, 2])
def test_dsse_bundle_and_log_request(version: int) -> None:
    stack = FakeStack()
    bundle = _signer(stack, version).sign_dsse("application/vnd.in-toto+json", STATEMENT)
    envelope = bundle["dsseEnvelope"]
    assert "messageSignature" not in bundle
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    assert base64.b64decode(envelope["payload"]) == STATEMENT
    (signature,) = envelope["signatures"]
    assert set(signature) == {"sig"}  # no keyid, as sigstore-python
    certificate = x509.load_der_x509_certificate(
        base64.b64decode(bundle["verificationMaterial"]["certificate"]["rawBytes"])
    )
    public = certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    signed = pae("application/vnd.in-toto+json", STATEMENT)
    public.verify(base64.b64decode(signature["sig"]), signed, ec.ECDSA(hashes.SHA256()))
    (entry,) = bundle["verificationMaterial"]["tlogEntries"]
    if version == 1:
        assert entry["kindVersion"] == {"kind": "dsse", "version": "0.0.1"}
        (sent,) = stack.envelopes  # a JSON string, compact, the bundle's envelope
        assert json.loads(sent) == envelope and ", " not in sent
    else:  # hashedrekord over SHA-256(PAE), sigstore-python >= 4.3 (§6.1)
        body = json.loads(base64.b64decode(entry["canonicalizedBody"]))
        digest = body["spec"]["hashedRekordV002"]["data"]["digest"]
        assert digest == _b64(hashlib.sha256(signed).digest())


def test_dsse_entry_with_another_signature_is_refused() -> None:
    stack = FakeStack()
    stack.tamper = True
    with pytest.raises(FormatError, match="does not hold the signature"):
        _signer(stack, 1).sign_dsse("text/plain", b"x")
