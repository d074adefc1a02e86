"""Signing with a managed key (cosign ``--key``): :class:`KeySigner`.

No identity token, no CA, no certificate: the ECDSA P-256 key signs (the artifact's SHA-256
digest prehashed, or PAE(payloadType, payload) for DSSE), every selected TSA timestamps the
signature (sigstore-clients.md §7.1; required with Rekor v2, §6.6), and the log records the
public key as the signer — Rekor v1 ``hashedrekord``/``dsse`` 0.0.1 with the PEM
SubjectPublicKeyInfo where a certificate would be (§5.1), Rekor v2 ``hashedRekordRequestV002``
with a ``publicKey`` verifier (DER SPKI) and ``keyDetails`` (§6.1). The bundle v0.3 carries
``verificationMaterial.publicKey.hint`` = base64(SHA-256(DER SPKI)), as cosign writes it and
as the conformance suite's managed-key bundles do; verifiers are given the key out of band
(``sigstack verify-blob --key``, :class:`sigstack.verify.ManagedKey`).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from sigstack.core.dsse import pae
from sigstack.core.x509.spki import ec_spki
from sigstack.errors import FormatError, UnsupportedError
from sigstack.sign._entries import dsse_envelope, dsse_v1, hashedrekord_v1, hashedrekord_v2
from sigstack.sign._submit import request_timestamps, submit_entry
from sigstack.sign.bundle import dsse_bundle, message_signature_bundle, public_key_hint
from sigstack.sign.context import SigningContext

if TYPE_CHECKING:
    import httpx

__all__ = ["KeySigner"]


class KeySigner:
    """Signs artifacts with ``private_key`` using ``context``'s TSAs and log.

    Only ECDSA P-256 keys are accepted (what ``cosign generate-key-pair`` writes, and the
    one key type whose hashedrekord goes with the bundle's SHA2_256 message digest);
    ``transport`` replaces the network for every client (tests).
    """

    def __init__(
        self,
        context: SigningContext,
        private_key: object,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
            private_key.curve, ec.SECP256R1
        ):
            found = (
                f"an ECDSA {private_key.curve.name} key"
                if isinstance(private_key, ec.EllipticCurvePrivateKey)
                else f"a {type(private_key).__name__}"
            )
            raise UnsupportedError(
                f"expected an ECDSA P-256 private key (as cosign generate-key-pair writes), "
                f"found {found}",
                field="key",
            )
        self.context = context
        self._key = private_key
        self._transport = transport
        self.hint = public_key_hint(ec_spki(private_key.public_key()))

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The key the log and the verifiers check the signature with."""
        return self._key.public_key()

    def sign_artifact(self, data: bytes) -> dict[str, Any]:
        """The bundle v0.3 JSON document for ``data``."""
        return self.sign_digest(hashlib.sha256(data).digest())

    def sign_digest(self, digest: bytes) -> dict[str, Any]:
        """The bundle v0.3 JSON document for an artifact whose SHA-256 is ``digest``."""
        if len(digest) != 32:
            raise FormatError(
                f"expected a 32-byte SHA-256 digest, found {len(digest)} bytes", field="digest"
            )
        signature = self._key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        timestamps = request_timestamps(self.context, signature, transport=self._transport)
        public = self.public_key
        entry = submit_entry(
            self.context,
            signature,
            v1=lambda: hashedrekord_v1(public, digest, signature),
            v2=lambda: hashedrekord_v2(public, digest, signature),
            transport=self._transport,
        )
        return message_signature_bundle(
            certificate_der=None,
            public_key_hint=self.hint,
            tlog_entry=entry,
            timestamps=timestamps,
            digest=digest,
            signature=signature,
        )

    def sign_dsse(self, payload_type: str, payload: bytes) -> dict[str, Any]:
        """The bundle v0.3 JSON document for a DSSE envelope of ``payload``; the signature is
        over PAE(payloadType, payload) (§5.1)."""
        signed = pae(payload_type, payload)
        signature = self._key.sign(signed, ec.ECDSA(hashes.SHA256()))
        envelope = dsse_envelope(payload_type, payload, signature)
        timestamps = request_timestamps(self.context, signature, transport=self._transport)
        digest = hashlib.sha256(signed).digest()
        public = self.public_key
        entry = submit_entry(
            self.context,
            signature,
            v1=lambda: dsse_v1(public, envelope),
            v2=lambda: hashedrekord_v2(public, digest, signature),
            transport=self._transport,
        )
        return dsse_bundle(
            certificate_der=None,
            public_key_hint=self.hint,
            tlog_entry=entry,
            timestamps=timestamps,
            envelope=envelope,
        )
