"""CA key sources: generated once (0600) and reused; encrypted files checked like Fulcio's fileca."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from sigstack.errors import FormatError, UnsupportedError
from sigstack.services.ca.keys import FileKeySource, GeneratedKeySource, generate_key

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_generated_ca_is_private_and_reused(tmp_path: Path) -> None:
    source = GeneratedKeySource(tmp_path / "keys", now=NOW)
    key, chain = source.load()
    for name in ("ca-key.pem", "ca-chain.pem"):
        assert stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode) == 0o600
    again_key, again_chain = GeneratedKeySource(tmp_path / "keys", now=NOW + timedelta(1)).load()
    assert again_chain == chain
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(again_key, ec.EllipticCurvePrivateKey)
    assert key.private_numbers() == again_key.private_numbers()
    intermediate, root = chain
    assert key.curve.name == "secp256r1"
    intermediate.verify_directly_issued_by(root)
    bc = intermediate.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca


@pytest.mark.parametrize(
    ("algorithm", "kind"),
    [("ecdsa-p384", ec.EllipticCurvePrivateKey), ("rsa-2048", rsa.RSAPrivateKey)],
)
def test_other_algorithms(tmp_path: Path, algorithm: str, kind: type) -> None:
    key, chain = GeneratedKeySource(tmp_path, now=NOW, algorithm=algorithm).load()
    assert isinstance(key, kind)
    chain[0].verify_directly_issued_by(chain[1])


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(UnsupportedError, match="ed25519"):
        generate_key("ed25519")


def _write_file_ca(tmp_path: Path, password: bytes) -> tuple[Path, Path]:
    key, chain = GeneratedKeySource(tmp_path / "gen", now=NOW).load()
    key_path, chain_path = tmp_path / "ca.key", tmp_path / "chain.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        )
    )
    chain_path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
    return key_path, chain_path


def test_encrypted_file_key(tmp_path: Path) -> None:
    key_path, chain_path = _write_file_ca(tmp_path, b"hunter2")
    _key, chain = FileKeySource(key_path, chain_path, b"hunter2").load()
    assert len(chain) == 2
    with pytest.raises(FormatError, match="cannot load the CA key"):
        FileKeySource(key_path, chain_path, b"wrong").load()
    with pytest.raises(FormatError, match="no password was given"):
        FileKeySource(key_path, chain_path, None).load()


def test_key_must_match_the_chain(tmp_path: Path) -> None:
    key_path, chain_path = _write_file_ca(tmp_path, b"pw")
    other = ec.generate_private_key(ec.SECP256R1())
    key_path.write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        )
    )
    with pytest.raises(FormatError, match="does not match the first certificate"):
        FileKeySource(key_path, chain_path, b"pw").load()


def test_ed25519_ca_keys_are_refused(tmp_path: Path) -> None:
    key_path, chain_path = _write_file_ca(tmp_path, b"pw")
    key_path.write_bytes(
        ed25519.Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        )
    )
    with pytest.raises(UnsupportedError, match="must be ECDSA or RSA"):
        FileKeySource(key_path, chain_path, b"pw").load()


def test_chain_that_is_not_pem(tmp_path: Path) -> None:
    key_path, chain_path = _write_file_ca(tmp_path, b"pw")
    chain_path.write_text("nope")
    with pytest.raises(FormatError, match="not a PEM certificate chain"):
        FileKeySource(key_path, chain_path, b"pw").load()
