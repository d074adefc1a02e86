"""Our canonical bodies equal, byte for byte, the ones real Rekor v1 and v2 logs stored.

For every sigstore-conformance case with a hashedrekord 0.0.1, dsse 0.0.1 or hashedrekord
0.0.2 entry, the request is rebuilt from the bundle (``conformance.py``) and parsed. A case
either reproduces the logged ``canonicalizedBody`` exactly, or is a ``_fail`` case listed
below with the defect its README describes.
"""

from __future__ import annotations

import pytest

from sigstack.core.tlog.entries import parse_create_entry_request_v2, parse_proposed_entry_v1
from sigstack.errors import FormatError, SignatureError, UnsupportedError

from .conformance import Case, load_cases

CASES = [c for c in load_cases() if c.kind != "intoto"]

# case → (error, field) we must raise when the bundle's material is submitted.
REFUSED: dict[str, tuple[type[Exception], str]] = {
    "bundle-invalid-base64-signature_fail": (FormatError, "spec.signature.content"),
    # the bundle's certificate is the P-384 root, paired with a SHA-256 digest
    "bundle-with-root-cert_fail": (UnsupportedError, "spec.data.hash.algorithm"),
    "dsse-invalid-sig_fail": (SignatureError, "spec.proposedContent.envelope.signatures[0].sig"),
    "managed-key-wrong-key_fail": (FormatError, "spec.signature.publicKey.content"),
    "message-digest-mismatch_fail": (SignatureError, "spec.signature.content"),
    "rekor2-dsse-invalid-sig_fail": (SignatureError, "hashedRekordRequestV002.signature.content"),
    "signature-mismatch_fail": (SignatureError, "spec.signature.content"),
}
# The logged body deliberately does not match the bundle (that is the case's defect).
MISMATCHED = {
    "bundle-negative-log-index_fail",
    "bundle-unknown-version_fail",
    "dsse-mismatch-envelope_fail",
    "dsse-mismatch-sig_fail",
    "incorrect-public-key_fail",
    "rekor2-dsse-mismatch-envelope_fail",
    "rekor2-dsse-mismatch-sig_fail",
    "wrong-hashedrekord-artifact_fail",
    "wrong-hashedrekord-cert-and-sig_fail",
    "wrong-hashedrekord-entry_fail",
}
# No key or certificate in the bundle: nothing to submit.
NO_MATERIAL = {"bundle-empty-certificate-chain_fail", "managed-key-no-key_fail"}


def _parse(case: Case) -> bytes:
    assert case.request is not None
    if case.version == "0.0.2":
        return parse_create_entry_request_v2(case.request).body
    return parse_proposed_entry_v1(case.request).body


def test_cases_cover_every_kind_and_the_happy_paths() -> None:
    kinds = {(c.kind, c.version) for c in CASES if c.name not in REFUSED.keys() | MISMATCHED}
    assert kinds == {("hashedrekord", "0.0.1"), ("dsse", "0.0.1"), ("hashedrekord", "0.0.2")}
    names = {c.name for c in CASES}
    assert {"happy-path-v0.3", "happy-path-intoto-in-dsse-v3", "rekor2-happy-path"} <= names
    assert {"managed-key-happy-path", "rekor2-dsse-happy-path"} <= names
    assert set(REFUSED) | MISMATCHED | NO_MATERIAL <= names


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.name}-{c.kind}-{c.version}")
def test_canonical_body_reproduces_the_logged_body(case: Case) -> None:
    if case.name in NO_MATERIAL:
        assert case.request is None
        return
    if case.name in REFUSED:
        error, field = REFUSED[case.name]
        with pytest.raises(error) as raised:
            _parse(case)
        assert raised.value.field == field  # type: ignore[attr-defined]
        return
    body = _parse(case)
    if case.name in MISMATCHED:
        assert body != case.body
    else:
        assert body == case.body
