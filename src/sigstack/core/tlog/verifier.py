"""Rekor v2 ``Verifier``: a DER key or certificate plus its ``PublicKeyDetails``.

Proto ``rekor/v2/verifier.proto`` (rekor-tiles): ``oneof verifier {PublicKey public_key;
X509Certificate x509_certificate}`` and ``PublicKeyDetails key_details``; JSON shape in
transparency-log.md §2.1 and sigstore-clients.md §6.1.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography import x509

from sigstack.core.keys import PublicKey, check_key_details, load_der_certificate, load_der_spki
from sigstack.core.tlog.common import (
    JSONObject,
    get_b64,
    get_object,
    get_str,
    identity_keys,
    key_index,
)
from sigstack.errors import FormatError

__all__ = ["Verifier", "parse_verifier"]


@dataclass(frozen=True, slots=True)
class Verifier:
    """A parsed, key-checked v2 verifier."""

    key: PublicKey
    certificate: x509.Certificate | None
    key_details: str
    hash_name: str  # the hash ``key_details`` names (sha256/sha384/sha512)
    raw_bytes: bytes  # DER as submitted

    @property
    def choice(self) -> str:
        """The JSON name of the oneof member: ``x509Certificate`` or ``publicKey``."""
        return "publicKey" if self.certificate is None else "x509Certificate"

    def json(self) -> str:
        """The canonical (RFC 8785) JSON of this verifier, as the logged entry holds it."""
        raw = base64.b64encode(self.raw_bytes).decode()
        # Keys sort as keyDetails < publicKey < x509Certificate; all values are ASCII.
        return f'{{"keyDetails":"{self.key_details}","{self.choice}":{{"rawBytes":"{raw}"}}}}'

    def as_dict(self) -> JSONObject:
        """This verifier as a JSON object (for ``canonicalize``)."""
        raw = base64.b64encode(self.raw_bytes).decode()
        return {"keyDetails": self.key_details, self.choice: {"rawBytes": raw}}

    def index_keys(self) -> set[str]:
        """``key:`` of the key and, for a certificate, its identities."""
        keys = {key_index(self.key, self.raw_bytes if self.certificate is None else None)}
        if self.certificate is not None:
            keys |= identity_keys(self.certificate)
        return keys


def parse_verifier(obj: JSONObject, path: str) -> Verifier:
    """Parse and check a ``Verifier`` object found at ``path``.

    Exactly one of ``publicKey`` / ``x509Certificate``; the key must be what ``keyDetails``
    names (``UnsupportedError`` otherwise, as rekor-tiles' algorithm registry answers).
    """
    key_details = get_str(obj, "keyDetails", path)
    has_key = obj.get("publicKey") is not None
    has_cert = obj.get("x509Certificate") is not None
    if has_key == has_cert:
        found = "both" if has_key else "neither"
        raise FormatError(
            f"expected exactly one of publicKey or x509Certificate, found {found}", field=path
        )
    if has_cert:
        member = f"{path}.x509Certificate"
        raw = get_b64(get_object(obj, "x509Certificate", path), "rawBytes", member)
        key, cert = load_der_certificate(raw, field=f"{member}.rawBytes")
    else:
        member = f"{path}.publicKey"
        raw = get_b64(get_object(obj, "publicKey", path), "rawBytes", member)
        key, cert = load_der_spki(raw, field=f"{member}.rawBytes"), None
    hash_name = check_key_details(key, key_details, field=f"{path}.keyDetails")
    return Verifier(key, cert, key_details, hash_name, raw)
