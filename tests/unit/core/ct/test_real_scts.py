"""Real SCTs, embedded by the public Sigstore CAs, verify with core/ct.

Provenance: the sigstore-conformance verification cases (github.com/sigstore/sigstore-conformance
``test/assets/`` at a73de49, kept in ``../shared/conformance/bundle-verify/``, see its README) and
the public trusted roots embedded in the ``sigstore`` 4.5.1 wheel (``../shared/trust/``). Each
leaf certificate carries an SCT list from the CT log named in its trusted root's ``ctlogs``:
ctfe.sigstore.dev (Trillian CTFE, RFC 6962), ctfe.sigstage.dev, and TesseraCT (static-ct-api,
with the ``leaf_index`` extension).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_der_public_key
from cryptography.x509.oid import ExtensionOID

from sigstack.core.ct.sct import (
    decode_sct_list,
    issuer_key_hash,
    precert_signed_data,
    verify_sct,
)
from sigstack.errors import SignatureError

SHARED = Path(__file__).resolve().parents[4].parent / "shared"
CASES = SHARED / "conformance" / "bundle-verify"
PUBLIC_GOOD = SHARED / "trust" / "public-good" / "trusted_root.json"

#: case → (SCT timestamp in ms, SCT extensions hex): read once by hand from the certificates.
EXPECTED = {
    "happy-path-v0.3": (1710869186470, ""),
    "rekor2-happy-path": (1749729736682, ""),
    "bundle-with-sct-with-extensions": (1768517364925, "0000050000000070"),
    "rekor2-dsse-happy-path": (1778700212624, "00000500000dde14"),
}


def _unwrap_octet_string(der: bytes) -> bytes:
    assert der[0] == 0x04
    length, offset = der[1], 2
    if length & 0x80:
        n = length & 0x7F
        length, offset = int.from_bytes(der[2 : 2 + n], "big"), 2 + n
    return der[offset : offset + length]


def _load(case: str) -> tuple[x509.Certificate, x509.Certificate, dict[bytes, Any]]:
    folder = CASES / case
    bundle = json.loads((folder / "bundle.sigstore.json").read_text())
    material = bundle["verificationMaterial"]
    if "certificate" in material:
        raw = material["certificate"]["rawBytes"]
    else:
        raw = material["x509CertificateChain"]["certificates"][0]["rawBytes"]
    leaf = x509.load_der_x509_certificate(base64.b64decode(raw))
    root_file = folder / "trusted_root.json"
    root = json.loads((root_file if root_file.exists() else PUBLIC_GOOD).read_text())
    cas = [
        x509.load_der_x509_certificate(base64.b64decode(c["rawBytes"]))
        for ca in root["certificateAuthorities"]
        for c in ca["certChain"]["certificates"]
    ]
    issuer = next(ca for ca in cas if _issued_by(leaf, ca))
    logs = {
        base64.b64decode(log["logId"]["keyId"]): load_der_public_key(
            base64.b64decode(log["publicKey"]["rawBytes"])
        )
        for log in root["ctlogs"]
    }
    return leaf, issuer, logs


def _issued_by(leaf: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        leaf.verify_directly_issued_by(ca)
    except (ValueError, TypeError, Exception):
        return False
    return True


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_embedded_sct_of_a_real_certificate_verifies(case: str) -> None:
    leaf, issuer, logs = _load(case)
    ext = leaf.extensions.get_extension_for_oid(ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS)
    scts = decode_sct_list(_unwrap_octet_string(ext.value.public_bytes()))
    assert len(scts) == 1
    sct = scts[0]
    assert (sct.timestamp, sct.extensions.hex()) == EXPECTED[case]
    data = precert_signed_data(
        timestamp=sct.timestamp,
        issuer_key_hash=issuer_key_hash(issuer),
        tbs_certificate=leaf.tbs_precertificate_bytes,
        extensions=sct.extensions,
    )
    verify_sct(sct, data, logs[sct.log_id])
    # Re-encoding the parsed list gives back the certificate's bytes.
    assert sct.to_bytes() in _unwrap_octet_string(ext.value.public_bytes())


def test_real_sct_refused_when_the_timestamp_is_changed() -> None:
    leaf, issuer, logs = _load("happy-path-v0.3")
    ext = leaf.extensions.get_extension_for_oid(ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS)
    (sct,) = decode_sct_list(_unwrap_octet_string(ext.value.public_bytes()))
    data = precert_signed_data(
        timestamp=sct.timestamp + 1,
        issuer_key_hash=issuer_key_hash(issuer),
        tbs_certificate=leaf.tbs_precertificate_bytes,
    )
    with pytest.raises(SignatureError, match="does not verify"):
        verify_sct(sct, data, logs[sct.log_id])
