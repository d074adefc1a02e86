"""Witness cosignatures (c2sp.org/tlog-cosignature, type 0x04) and vkeys (signed-note)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sigstack.core.note import (
    Checkpoint,
    CosignatureV1Signer,
    CosignatureV1Verifier,
    ECDSANoteSigner,
    ECDSANoteVerifier,
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    add_signatures,
    cosignature_timestamp,
    cosignature_vkey,
    parse_signed_note,
    sign_note,
    verifier_from_vkey,
    verify_note,
    vkey,
)
from sigstack.core.note.cosignature import cosignature_message
from sigstack.errors import FormatError, SignatureError, UnsupportedError

# The example of c2sp.org/tlog-cosignature (C2SP/C2SP tlog-cosignature.md at 01194db1): the
# witness key is not published, but its line must decode to a 76-byte type-0x04 signature
# whose timestamp is the one of the spec's "Ed25519 signed message" example.
SPEC_WITNESS_LINE = (
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2"
    "oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
SPEC_SIGNED_MESSAGE = (
    "cosignature/v1\ntime 1679315147\n"
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
TIME = 1_700_000_000


def test_spec_cosignature_line() -> None:
    note = parse_signed_note(BODY + "\n" + SPEC_WITNESS_LINE)
    line = note.signatures[0]
    assert len(line.key_hash) + len(line.signature) == 76
    assert cosignature_timestamp(line.signature) == 1679315147
    assert cosignature_message(BODY.encode(), 1679315147) == SPEC_SIGNED_MESSAGE.encode()


def test_log_signature_plus_cosignature(
    log_key: ed25519.Ed25519PrivateKey, witness_key: ed25519.Ed25519PrivateKey
) -> None:
    body = Checkpoint("log.example", 3, bytes(32), ("ext line",)).to_text()
    note = sign_note(body, [Ed25519NoteSigner("log.example", log_key)])
    cosigned = add_signatures(note, [CosignatureV1Signer("w.example", witness_key, timestamp=TIME)])
    wire = cosigned.signatures[1]
    assert wire.signature[:8] == TIME.to_bytes(8, "big")
    raw = witness_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert wire.key_hash == hashlib.sha256(b"w.example\n\x04" + raw).digest()[:4]
    # The witness signed the header lines and the whole body, extension lines included.
    witness_key.public_key().verify(wire.signature[8:], cosignature_message(body.encode(), TIME))

    log = Ed25519NoteVerifier("log.example", log_key.public_key())
    witness = CosignatureV1Verifier("w.example", witness_key.public_key())
    parsed = parse_signed_note(cosigned.render())
    assert verify_note(parsed, [log, witness]) == [log, witness]
    assert verify_note(parsed, [log]) == [log]  # witness line ignored when its key is unknown


def test_cosignature_and_plain_ed25519_keys_do_not_mix(
    witness_key: ed25519.Ed25519PrivateKey,
) -> None:
    cosigned = sign_note(BODY, [CosignatureV1Signer("w.example", witness_key, timestamp=TIME)])
    plain = Ed25519NoteVerifier("w.example", witness_key.public_key())
    with pytest.raises(SignatureError, match="no signature from a trusted key"):
        verify_note(cosigned, [plain])


def test_changed_timestamp_fails(witness_key: ed25519.Ed25519PrivateKey) -> None:
    note = sign_note(BODY, [CosignatureV1Signer("w.example", witness_key, timestamp=TIME)])
    line = note.signatures[0]
    moved = type(line)(line.name, line.key_hash, (TIME + 1).to_bytes(8, "big") + line.signature[8:])
    witness = CosignatureV1Verifier("w.example", witness_key.public_key())
    with pytest.raises(SignatureError, match=f"at time {TIME + 1}"):
        verify_note(type(note)(note.text, (moved,)), [witness])


def test_cosignature_bounds(witness_key: ed25519.Ed25519PrivateKey) -> None:
    with pytest.raises(FormatError, match=r"between 0 and 2\^63-1; found -1"):
        CosignatureV1Signer("w.example", witness_key, timestamp=-1)
    with pytest.raises(FormatError, match="expected a 72-byte timestamped Ed25519 cosignature"):
        cosignature_timestamp(bytes(64))
    witness = CosignatureV1Verifier("w.example", witness_key.public_key())
    with pytest.raises(SignatureError, match="expected a 72-byte timestamped cosignature"):
        witness.verify(b"x\n", bytes(64))
    with pytest.raises(SignatureError, match="below 2\\^63"):
        witness.verify(b"x\n", b"\xff" * 72)


# --- vkeys --------------------------------------------------------------------------------


def test_vkeys_round_trip(
    log_key: ed25519.Ed25519PrivateKey, witness_key: ed25519.Ed25519PrivateKey
) -> None:
    log = verifier_from_vkey(vkey("log.example", log_key.public_key()))
    assert isinstance(log, Ed25519NoteVerifier)
    assert log.key_id == Ed25519NoteSigner("log.example", log_key).key_id
    witness_vkey = cosignature_vkey("w.example", witness_key.public_key())
    witness = verifier_from_vkey(witness_vkey)
    assert isinstance(witness, CosignatureV1Verifier)
    assert witness_vkey.split("+")[1] == witness.key_id[:4].hex()


def test_ecdsa_vkey(p256_key: ec.EllipticCurvePrivateKey) -> None:
    der = p256_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    hint = hashlib.sha256(der).hexdigest()[:8]
    payload = base64.b64encode(bytes([0x02]) + der).decode()
    verifier = verifier_from_vkey(f"ec.example+{hint}+{payload}")
    assert isinstance(verifier, ECDSANoteVerifier)
    note = sign_note(BODY, [ECDSANoteSigner("ec.example", p256_key)])
    assert verify_note(note, [verifier]) == [verifier]


SPEC_KEY_B64 = "AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
VKEY_MUTATIONS: dict[str, tuple[str, type[FormatError], str]] = {
    "wrong-key-id": (
        f"example.com/foo+530d903b+{SPEC_KEY_B64}",
        FormatError,
        "expected key ID 530d903a for 'example.com/foo' and this key; found 530d903b",
    ),
    "other-name": (f"example.com/bar+530d903a+{SPEC_KEY_B64}", FormatError, "found 530d903a"),
    "two-parts": ("example.com/foo+530d903a", FormatError, "found 2 '+'-separated part(s)"),
    "short-key-id": (
        f"example.com/foo+530d903+{SPEC_KEY_B64}",
        FormatError,
        "expected 8 hex digits of key ID; found '530d903'",
    ),
    "bad-base64": ("example.com/foo+530d903a+not base64", FormatError, "expected standard base64"),
    "empty-name": (f"+530d903a+{SPEC_KEY_B64}", FormatError, "expected a non-empty key name"),
    "unknown-type": ("example.com/foo+530d903a+AwEB", UnsupportedError, "found 0x03"),
    "short-ed25519-key": (
        "example.com/foo+530d903a+AQEB",
        FormatError,
        "expected a 32-byte Ed25519 key in the vkey; found 2 bytes",
    ),
    "type-only": ("example.com/foo+530d903a+AQ==", FormatError, "expected a type byte and a key"),
}


@pytest.mark.parametrize(
    ("text", "error", "message"), VKEY_MUTATIONS.values(), ids=VKEY_MUTATIONS.keys()
)
def test_vkey_mutation_is_refused(text: str, error: type[FormatError], message: str) -> None:
    with pytest.raises(error, match=re.escape(message)) as raised:
        verifier_from_vkey(text)
    assert raised.value.field == "vkey"
