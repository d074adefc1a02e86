"""Client of the CA's Fulcio API: a CSR and an identity token in, a certificate chain out.

The request is sigstore-python 4.5.1's form (sigstore-clients.md §4.1): ``POST
/api/v2/signingCert`` at the **root** of the CA's host:port (the URL's path is dropped, §3),
the token only in ``Authorization: Bearer``, the body ``{"certificateSigningRequest":
b64(PEM CSR)}``. The answer must carry ``signedCertificateEmbeddedSct.chain.certificates``
with at least two PEM certificates, leaf first (§4.3); a detached SCT is refused as
sigstore-python refuses it.

Errors: transport failures and unexpected statuses are :class:`~sigstack.errors.NetworkError`,
401/403 are :class:`~sigstack.errors.AuthenticationError`, and a 2xx answer without the
documented shape is a :class:`~sigstack.errors.FormatError`; messages keep the server's
``message``.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from sigstack.clients._http import (
    DEFAULT_TIMEOUT,
    Answer,
    ContextClosing,
    Session,
    SharedTransport,
    _server_message,
    decode_json,
)
from sigstack.clients._stdhttp import Unreachable
from sigstack.core.x509.certificate import read_certificate
from sigstack.core.x509.pem import pem_decode
from sigstack.errors import AuthenticationError, Error, FormatError, NetworkError

if TYPE_CHECKING:
    import httpx

__all__ = ["CAClient", "post"]


def post(
    session: Session, url: str, content: bytes, headers: dict[str, str], service: str
) -> Answer:
    """POST ``content``; transport failures and non-2xx answers raise sigstack errors."""
    try:
        response = session.send("POST", url, content=content, headers=headers)
    except Unreachable as exc:
        raise NetworkError(f"POST {url}: cannot reach the {service} ({exc.kind}: {exc})") from exc
    if response.is_success:
        return response
    message = _server_message(response)
    status = response.status_code
    text = f"POST {url}: the {service} answered HTTP {status}: {message}"
    error: Error = AuthenticationError(text) if status in (401, 403) else NetworkError(text)
    raise error


class CAClient(ContextClosing):
    """``POST /api/v2/signingCert`` of a Fulcio-compatible CA (sigstore-clients.md §4)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | SharedTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        #: Where the request goes: the path of ``base_url`` is dropped, as sigstore-python does.
        self.url = urljoin(base_url, "/api/v2/signingCert")
        self._session = Session(transport, timeout)

    def request_certificate(self, csr_pem: bytes, identity_token: str) -> list[bytes]:
        """The chain (DER, leaf first) issued for the CSR's key to the token's identity.

        Each certificate is checked to be one well-formed DER certificate
        (:func:`~sigstack.core.x509.certificate.read_certificate`); nothing is trusted here."""
        body = b'{"certificateSigningRequest":"' + base64.b64encode(csr_pem) + b'"}'
        headers = {
            "Authorization": f"Bearer {identity_token}",
            "Content-Type": "application/json",
            "Accept": "application/pem-certificate-chain",
        }
        response = post(self._session, self.url, body, headers, "CA")
        return _parse_chain(decode_json(response))

    def close(self) -> None:
        """Release the connection pool."""
        self._session.close()


def _parse_chain(value: object) -> list[bytes]:
    field = "signedCertificateEmbeddedSct.chain.certificates"
    node = value
    for key in ("signedCertificateEmbeddedSct", "chain", "certificates"):
        if not isinstance(node, dict) or key not in node:
            raise FormatError(
                f"expected {field} in the CA's answer (an embedded SCT; a detached SCT is not "
                f"supported), found no {key!r}",
                field=field,
            )
        node = node[key]
    if not isinstance(node, list) or not all(isinstance(c, str) for c in node):
        raise FormatError(f"expected a list of PEM strings, found {node!r:.60}", field=field)
    if len(node) < 2:
        raise FormatError(
            f"expected a chain of at least 2 certificates, found {len(node)}", field=field
        )
    chain: list[bytes] = []
    for index, pem in enumerate(node):
        where = f"{field}[{index}]"
        try:
            der = pem_decode(pem, "CERTIFICATE", field=where)
            read_certificate(der, field=where)
        except FormatError as exc:
            raise FormatError(f"expected a PEM certificate, found {pem[:40]!r}: {exc}") from exc
        chain.append(der)
    return chain
