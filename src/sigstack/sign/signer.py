"""Keyless signing: :class:`Signer` (sigstore-clients.md §4, §5.1, §6.1, §7.1).

One ephemeral ECDSA P-256 key, in memory only, per :class:`Signer` → a CSR (empty subject,
``BasicConstraints(ca=False)`` critical, §4.1) → the CA's chain, refused unless its embedded
SCT verifies with a trusted CT key valid now (§4.4) → an ECDSA-SHA256 signature (over the
artifact's SHA-256 digest, or over PAE(payloadType, payload) for DSSE) → an RFC 3161
timestamp of the signature bytes from every selected TSA (§7.1; at least one is required
with Rekor v2, §6.6) → the log entry (v1 ``hashedrekord``/``dsse`` 0.0.1, §5.1, or v2
``hashedRekordRequestV002``, §6.1), refused unless it holds our signature → bundle v0.3.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils

from sigstack.clients._http import SharedTransport
from sigstack.clients.ca import CAClient
from sigstack.clock import utc_now
from sigstack.core.dsse import pae
from sigstack.core.x509.certificate import Certificate, read_certificate
from sigstack.core.x509.csr import certificate_request
from sigstack.core.x509.spki import ec_spki
from sigstack.errors import FormatError
from sigstack.sign._entries import dsse_envelope, dsse_v1, hashedrekord_v1, hashedrekord_v2
from sigstack.sign._sct import check_embedded_sct
from sigstack.sign._submit import request_timestamps, submit_entry
from sigstack.sign._trust import ct_keys_at
from sigstack.sign.bundle import dsse_bundle, message_signature_bundle
from sigstack.sign.context import SigningContext

if TYPE_CHECKING:
    import httpx
    from cryptography import x509

__all__ = ["Signer"]


class Signer:
    """Signs artifacts for the identity of ``identity_token`` with ``context``'s services.

    ``clock`` gives "now" (for the CT keys valid now); ``transport`` replaces the network
    for every client (tests). Otherwise each call (``certificate``, ``sign_*``) opens its
    own :class:`~sigstack.clients._http.SharedTransport`: its CA, TSA and log requests share
    keep-alive connections, closed when the call returns, and concurrent calls on one
    ``Signer`` never share a connection.
    """

    def __init__(
        self,
        context: SigningContext,
        identity_token: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.context = context
        self._token = identity_token
        self._clock = clock
        self._transport = transport
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._chain: list[Certificate] | None = None

    @contextmanager
    def _network(self) -> Iterator[httpx.BaseTransport | SharedTransport]:
        """The transport for one call: the caller's, or a pool closed when the call ends."""
        if self._transport is not None:
            yield self._transport
            return
        pool = SharedTransport()
        try:
            yield pool
        finally:
            pool.release()

    def certificate(self) -> x509.Certificate:
        """The signing certificate, requested once and checked (its SCT) on first use."""
        from cryptography import x509  # only for callers that want cryptography's object

        with self._network() as net:
            return x509.load_der_x509_certificate(self._certificate(net).der)

    def _certificate(self, net: httpx.BaseTransport | SharedTransport) -> Certificate:
        if self._chain is None:
            field = "signedCertificateEmbeddedSct.chain.certificates"
            with CAClient(self.context.ca_url, transport=net) as ca:
                chain_der = ca.request_certificate(certificate_request(self._key), self._token)
            chain = [
                read_certificate(der, field=f"{field}[{i}]") for i, der in enumerate(chain_der)
            ]
            if chain[0].spki != ec_spki(self._key.public_key()):
                raise FormatError(
                    "the CA issued a certificate for a different key than the CSR's",
                    field=f"{field}[0]",
                )
            check_embedded_sct(chain, ct_keys_at(self.context.ct_keys, self._clock()))
            self._chain = chain
        leaf = self._chain[0]
        now = self._clock()
        if now > leaf.not_after:
            # as sigstore-python's ExpiredCertificate: the key was certified for minutes only
            raise FormatError(
                f"the signing certificate expired at {leaf.not_after.isoformat()} "
                f"(now {now.isoformat()}): create a new Signer with a fresh identity token",
                field="certificate",
            )
        return leaf

    def sign_artifact(self, data: bytes) -> dict[str, Any]:
        """The bundle v0.3 JSON document for ``data``."""
        return self.sign_digest(hashlib.sha256(data).digest())

    def sign_digest(self, digest: bytes) -> dict[str, Any]:
        """The bundle v0.3 JSON document for an artifact whose SHA-256 is ``digest``."""
        if len(digest) != 32:
            raise FormatError(
                f"expected a 32-byte SHA-256 digest, found {len(digest)} bytes", field="digest"
            )
        with self._network() as net:
            certificate = self._certificate(net)
            signature = self._key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            timestamps = request_timestamps(self.context, signature, transport=net)
            entry = submit_entry(
                self.context,
                signature,
                v1=lambda: hashedrekord_v1(certificate, digest, signature),
                v2=lambda: hashedrekord_v2(certificate, digest, signature),
                transport=net,
            )
        return message_signature_bundle(
            certificate_der=certificate.der,
            tlog_entry=entry,
            timestamps=timestamps,
            digest=digest,
            signature=signature,
        )

    def sign_dsse(self, payload_type: str, payload: bytes) -> dict[str, Any]:
        """The bundle v0.3 JSON document for a DSSE envelope of ``payload`` (an in-toto
        statement for ``attest``); the signature is over PAE(payloadType, payload) (§5.1)."""
        with self._network() as net:
            certificate = self._certificate(net)
            signed = pae(payload_type, payload)
            signature = self._key.sign(signed, ec.ECDSA(hashes.SHA256()))
            envelope = dsse_envelope(payload_type, payload, signature)
            timestamps = request_timestamps(self.context, signature, transport=net)
            digest = hashlib.sha256(signed).digest()
            entry = submit_entry(
                self.context,
                signature,
                v1=lambda: dsse_v1(certificate, envelope),
                v2=lambda: hashedrekord_v2(certificate, digest, signature),
                transport=net,
            )
        return dsse_bundle(
            certificate_der=certificate.der,
            tlog_entry=entry,
            timestamps=timestamps,
            envelope=envelope,
        )
