"""``sigstack generate-key-pair`` in process: files, modes, the password sources, --force."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.cli import keys
from sigstack.cli.main import main
from sigstack.core.encrypted_key import load_private_key
from sigstack.errors import FormatError


def _spki(key: object) -> bytes:
    assert isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey)
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Answers for getpass, in order; COSIGN_PASSWORD unset."""
    answers: list[str] = []
    monkeypatch.delenv(keys.PASSWORD_ENV, raising=False)
    monkeypatch.setattr(keys.getpass, "getpass", lambda prompt: answers.pop(0))
    yield answers
    assert answers == [], "not every prompt was answered"


def test_env_password_writes_a_p256_pair_the_key_file_opens_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(keys.PASSWORD_ENV, "pw")
    prefix = tmp_path / "cosign"
    assert main(["generate-key-pair", "--output-key-prefix", str(prefix)]) == 0
    key_file, pub_file = prefix.with_suffix(".key"), prefix.with_suffix(".pub")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = load_private_key(key_file.read_bytes(), b"pw")
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert _spki(serialization.load_pem_public_key(pub_file.read_bytes())) == _spki(key)


def test_an_empty_env_password_is_a_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(keys.PASSWORD_ENV, "")
    prefix = tmp_path / "k"
    assert main(["generate-key-pair", "--output-key-prefix", str(prefix)]) == 0
    load_private_key(prefix.with_suffix(".key").read_bytes(), b"")


def test_prompted_twice_when_the_env_is_unset(tmp_path: Path, prompts: list[str]) -> None:
    prompts.extend(["typed", "typed"])
    prefix = tmp_path / "k"
    assert main(["generate-key-pair", "--output-key-prefix", str(prefix)]) == 0
    load_private_key(prefix.with_suffix(".key").read_bytes(), b"typed")


def test_different_prompted_passwords_write_nothing(
    tmp_path: Path, prompts: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    prompts.extend(["one", "two"])
    prefix = tmp_path / "k"
    assert main(["generate-key-pair", "--output-key-prefix", str(prefix)]) == 1
    assert "the two passwords differ; nothing was written" in capsys.readouterr().err
    assert not prefix.with_suffix(".key").exists() and not prefix.with_suffix(".pub").exists()


def test_existing_files_are_kept_unless_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(keys.PASSWORD_ENV, "pw")
    prefix = tmp_path / "k"
    pub = prefix.with_suffix(".pub")
    pub.write_text("mine\n")
    assert main(["generate-key-pair", "--output-key-prefix", str(prefix)]) == 1
    assert f"{pub} exists; pass --force to overwrite it" in capsys.readouterr().err
    assert pub.read_text() == "mine\n" and not prefix.with_suffix(".key").exists()

    key_file = prefix.with_suffix(".key")
    key_file.write_text("old\n")
    key_file.chmod(0o644)
    assert main(["generate-key-pair", "--output-key-prefix", str(prefix), "--force"]) == 0
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = load_private_key(key_file.read_bytes(), b"pw")
    assert _spki(serialization.load_pem_public_key(pub.read_bytes())) == _spki(key)


def test_read_private_key_names_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="cannot read the key file"):
        keys.read_private_key(tmp_path / "missing.key")
