"""Step 7 (entry consistency) on hand-edited canonical bodies: mismatches and odd shapes."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack.core.bundle import Bundle, TlogEntry
from sigstack.verify import LogEntryMismatchError, load_bundle
from sigstack.verify._entry import Signer, check_message_entry

CASES = Path("/work/shared/conformance/bundle-verify")


def _setup() -> tuple[Bundle, bytes, Signer]:
    bundle = load_bundle((CASES / "happy-path-v0.1" / "bundle.sigstore.json").read_bytes())
    assert bundle.leaf_der is not None and bundle.message_signature is not None
    cert = x509.load_der_x509_certificate(bundle.leaf_der)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return bundle, hashlib.sha256((CASES / "a.txt").read_bytes()).digest(), (bundle.leaf_der, spki)


def _with_body(entry: TlogEntry, edit: Any) -> TlogEntry:
    body = json.loads(entry.canonicalized_body)
    edit(body)
    return dataclasses.replace(entry, canonicalized_body=json.dumps(body).encode())


def test_the_real_entry_matches() -> None:
    bundle, digest, signer = _setup()
    assert bundle.message_signature is not None
    check_message_entry(bundle.tlog_entries[0], digest, bundle.message_signature.signature, signer)


@pytest.mark.parametrize(
    "edit",
    [
        lambda b: b["spec"]["data"]["hash"].update(value="zz"),
        lambda b: b["spec"]["data"]["hash"].update(value="00" * 32),
        lambda b: b["spec"].update(data=[]),
        lambda b: b["spec"]["signature"].update(content=base64.b64encode(b"x").decode()),
        lambda b: b["spec"]["signature"]["publicKey"].update(content="!!"),
        lambda b: b["spec"]["signature"]["publicKey"].update(
            content=base64.b64encode(b"-----BEGIN PUBLIC KEY-----\nAA==\n").decode()
        ),
        lambda b: b.update(kind="dsse"),
        lambda b: b.update(spec=1),
    ],
)
def test_edits_are_mismatches(edit: Any) -> None:
    bundle, digest, signer = _setup()
    assert bundle.message_signature is not None
    entry = _with_body(bundle.tlog_entries[0], edit)
    with pytest.raises(LogEntryMismatchError) as info:
        check_message_entry(entry, digest, bundle.message_signature.signature, signer)
    assert info.value.code == "log-entry-mismatch"


def test_another_signer_is_a_mismatch() -> None:
    bundle, digest, _ = _setup()
    assert bundle.message_signature is not None
    with pytest.raises(LogEntryMismatchError, match="signer"):
        check_message_entry(
            bundle.tlog_entries[0], digest, bundle.message_signature.signature, (b"x", b"y")
        )
