"""Cosign's encrypted key files: real vectors (cosign, go-securesystemslib, sigstore-rs; see
data/cosign-keys/README.md), round trips and refusals with their reasons."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from sigstack.core import encrypted_key as ek
from sigstack.errors import AuthenticationError, FormatError, UnsupportedError

DATA = Path(__file__).parent / "data" / "cosign-keys"

#: go-securesystemslib encrypted/encrypted_test.go ``TestDecrypt``: "supersecret" opens it to
#: "reallyimportant".
SSL_DECRYPT = b'{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"N9a7x5JFGbrtB2uBR81jPwp0eiLR4A7FV3mjVAQrg1g="},"cipher":{"name":"nacl/secretbox","nonce":"2h8HxMmgRfuYdpswZBQaU3xJ1nkA/5Ik"},"ciphertext":"SEW6sUh0jf2wfdjJGPNS9+bkk2uB+Cxamf32zR8XkQ=="}'
#: its ``kdfVectors`` (read with ``Unmarshal``, so the plaintext is the JSON of Go's []byte,
#: a base64 string of "reallyimportant"), one per scrypt strength.
SSL_VECTORS = {
    "legacy": b'{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"WO3mVvyTwJ9vwT5/Tk5OW5WPIBUofMjcpEfrLnfY4uA="},"cipher":{"name":"nacl/secretbox","nonce":"tCy7HcTFr4uxv4Nrg/DWmncuZ148U1MX"},"ciphertext":"08n43p5G5yviPEZpO7tPPF4aZQkWiWjkv4taFdhDBA0tamKH4nw="}',
    "standard": b'{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"FhzPOt9/bJG4PTq6lQ6ecG6GzaOuOy/ynG5+yRiFlNs="},"cipher":{"name":"nacl/secretbox","nonce":"aw1ng1jHaDz/tQ7V2gR9O2+IGQ8xJEuE"},"ciphertext":"HycvuLZL4sYH0BrYTh4E/H20VtAW6u5zL5Pr+IBjYLYnCPzDkq8="}',
    "owasp": b'{"kdf":{"name":"scrypt","params":{"N":131072,"r":8,"p":1},"salt":"m38E3kouJTtiheLQN22NQ8DTito5hrjpUIskqcd375k="},"cipher":{"name":"nacl/secretbox","nonce":"Y6PM13yA+o44pE/W1ZBwczeGnTV/m9Zc"},"ciphertext":"6H8sqj1K6B6yDjtH5AQ6lbFigg/C2yDDJc4rYJ79w9aVPImFIPI="}',
}
SSL_UNSUPPORTED = b'{"kdf":{"name":"scrypt","params":{"N":99,"r":99,"p":99},"salt":"cZFcQJdwPhPyhU1R4qkl0qVOIjZd4V/7LYYAavq166k="},"cipher":{"name":"nacl/secretbox","nonce":"7vhRS7j0hEPBWV05skAdgLj81AkGeE7U"},"ciphertext":"6WYU/YSXVbYzl/NzaeAzmjLyfFhOOjLc0d8/GFV0aBFdJvyCcXc="}'

#: file → (password, the SubjectPublicKeyInfo of the key inside, base64 DER)
COSIGN_FILES = {
    "cosign-keys-test-sigstore-hello.key": (
        b"hello",
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7z9gA/tqa9iHt/f9F3ulyVi4lwqU"
        "LfHWfhG2mK4eyJ8LDcLstb+VVhxj3pkMjc3fNo+sSfiIY2NLR7c+DG1V4w==",
    ),
    "cosign-keys-test-cosign-label-hello.key": (
        b"hello",
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAECYtspttZZ7e9PMd8wyU2CWDlpEXN"
        "bqTve0ZBuOXu9xTjtm7Z107cVLCCk96Ma4D0tesnKeCPwrcspLz7GNZJSw==",
    ),
    "sigstore-rs-cosign-generated-empty-password.key": (
        b"",
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEGmsWpZNuu+SUX70n3lVK4JLsaoV7"
        "T+rhea2rQUu29EQiatoLB06QdsmSd+GsQGlQzfcDtsKPzb+B2zLggrWZjg==",
    ),
}


def _spki(key: ek.PrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _pem_body(path: Path) -> bytes:
    lines = path.read_bytes().splitlines()
    return base64.b64decode(b"".join(lines[1:-1]))


def _document(pem: bytes) -> dict[str, object]:
    body = b"".join(pem.splitlines()[1:-1])
    parsed: dict[str, object] = json.loads(base64.b64decode(body))
    return parsed


def _with_body(document: dict[str, object], label: str = ek.PEM_LABEL) -> bytes:
    body = base64.b64encode(json.dumps(document).encode()).decode()
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n".encode()


@pytest.mark.parametrize("strength", sorted(SSL_VECTORS))
def test_go_securesystemslib_vectors_decrypt_to_their_plaintext(strength: str) -> None:
    plaintext = json.loads(ek.decrypt(SSL_VECTORS[strength], b"supersecret"))
    assert base64.b64decode(plaintext) == b"reallyimportant"


def test_go_securesystemslib_decrypt_vector() -> None:
    assert ek.decrypt(SSL_DECRYPT, b"supersecret") == b"reallyimportant"
    with pytest.raises(AuthenticationError, match="password does not decrypt"):
        ek.decrypt(SSL_DECRYPT, b"\x00upersecret")


def test_go_securesystemslib_unsupported_parameters_are_refused() -> None:
    with pytest.raises(
        UnsupportedError, match=r"unsupported scrypt parameters \(N, r, p\) = \(99, 99, 99\)"
    ):
        ek.decrypt(SSL_UNSUPPORTED, b"supersecret")


@pytest.mark.parametrize("name", sorted(COSIGN_FILES))
def test_cosign_key_files_open_to_their_key(name: str) -> None:
    password, spki = COSIGN_FILES[name]
    key = ek.load_private_key((DATA / name).read_bytes(), password)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.curve.name == "secp256r1"
    assert _spki(key) == spki


def test_cosign_ec_vector_decrypts_to_cosigns_own_sec1_key() -> None:
    """Known plaintext from cosign's tests: pemcosigneckey opened with "hello" is validecp256."""
    plaintext = ek.decrypt(_pem_body(DATA / "cosign-keys-test-cosign-sec1-hello.key"), b"hello")
    assert plaintext == _pem_body(DATA / "validecp256.pem")


def test_a_sec1_plaintext_is_refused_as_cosign_refuses_it() -> None:
    with pytest.raises(FormatError, match="not a PKCS#8 PrivateKeyInfo"):
        ek.load_private_key(
            (DATA / "cosign-keys-test-cosign-sec1-hello.key").read_bytes(), b"hello"
        )


@pytest.mark.parametrize("name", sorted(COSIGN_FILES))
def test_wrong_password_is_refused_saying_so(name: str) -> None:
    with pytest.raises(AuthenticationError, match="password does not decrypt the private key"):
        ek.load_private_key((DATA / name).read_bytes(), b"wrong")


def test_round_trip_p256_keeps_the_key_and_writes_what_cosign_writes() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = ek.private_key_pem(key, b"s3cret")
    lines = pem.decode().splitlines()
    assert lines[0] == "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"
    assert lines[-1] == "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----"
    assert all(len(line) <= 64 for line in lines[1:-1])
    document = _document(pem)
    assert document["kdf"] == {
        "name": "scrypt",
        "params": {"N": 65536, "r": 8, "p": 1},
        "salt": document["kdf"]["salt"],  # type: ignore[index]
    }
    assert len(base64.b64decode(document["kdf"]["salt"])) == 32  # type: ignore[index]
    assert document["cipher"]["name"] == "nacl/secretbox"  # type: ignore[index]
    assert len(base64.b64decode(document["cipher"]["nonce"])) == 24  # type: ignore[index]
    assert _spki(ek.load_private_key(pem, b"s3cret")) == _spki(key)


@pytest.mark.parametrize(
    "key",
    [rsa.generate_private_key(65537, 2048), ed25519.Ed25519PrivateKey.generate()],
    ids=["rsa", "ed25519"],
)
def test_round_trip_other_key_types_and_the_legacy_label(key: ek.PrivateKey) -> None:
    pem = ek.private_key_pem(key, b"", label=ek.LEGACY_PEM_LABEL)
    assert pem.startswith(b"-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n")
    assert _spki(ek.load_private_key(pem, b"")) == _spki(key)


def test_fixed_salt_and_nonce_make_the_output_deterministic() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    one = ek.private_key_pem(key, b"pw", salt=b"s" * 32, nonce=b"n" * 24)
    assert one == ek.private_key_pem(key, b"pw", salt=b"s" * 32, nonce=b"n" * 24)
    assert one != ek.private_key_pem(key, b"pw", salt=b"t" * 32, nonce=b"n" * 24)


def test_a_bad_pem_label_is_refused_naming_both() -> None:
    pem = ek.private_key_pem(ec.generate_private_key(ec.SECP256R1()), b"pw")
    relabelled = pem.replace(b"ENCRYPTED SIGSTORE PRIVATE KEY", b"PRIVATE KEY")
    with pytest.raises(FormatError, match=r"ENCRYPTED SIGSTORE PRIVATE KEY.*found 'PRIVATE KEY'"):
        ek.load_private_key(relabelled, b"pw")


def test_no_pem_block_is_refused() -> None:
    with pytest.raises(FormatError, match="expected a PEM block"):
        ek.load_private_key(b"not a key", b"pw")


def test_truncated_ciphertext_is_refused() -> None:
    document = _document((DATA / "cosign-keys-test-sigstore-hello.key").read_bytes())
    ciphertext = base64.b64decode(document["ciphertext"])  # type: ignore[arg-type]
    document["ciphertext"] = base64.b64encode(ciphertext[:-10]).decode()
    with pytest.raises(AuthenticationError, match="wrong password, or the key file was altered"):
        ek.load_private_key(_with_body(document), b"hello")
    document["ciphertext"] = base64.b64encode(ciphertext[:8]).decode()
    with pytest.raises(FormatError, match="at least 16 bytes"):
        ek.load_private_key(_with_body(document), b"hello")


def test_a_flipped_ciphertext_bit_is_refused() -> None:
    document = _document((DATA / "cosign-keys-test-sigstore-hello.key").read_bytes())
    ciphertext = bytearray(base64.b64decode(document["ciphertext"]))  # type: ignore[arg-type]
    ciphertext[0] ^= 1
    document["ciphertext"] = base64.b64encode(bytes(ciphertext)).decode()
    with pytest.raises(AuthenticationError):
        ek.load_private_key(_with_body(document), b"hello")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (
            ("kdf", "name"),
            "argon2",
            "expected the key derivation function 'scrypt', found 'argon2'",
        ),
        (("cipher", "name"), "aes-gcm", "expected the cipher 'nacl/secretbox', found 'aes-gcm'"),
        (("kdf", "params"), {"N": 1 << 20, "r": 8, "p": 1}, "unsupported scrypt parameters"),
    ],
)
def test_unsupported_kdf_or_cipher_is_refused(
    path: tuple[str, str], value: object, message: str
) -> None:
    document = _document((DATA / "cosign-keys-test-sigstore-hello.key").read_bytes())
    document[path[0]][path[1]] = value  # type: ignore[index]
    with pytest.raises(UnsupportedError, match=message):
        ek.load_private_key(_with_body(document), b"hello")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("kdf"), r"kdf: expected a JSON object, found NoneType"),
        (lambda d: d["cipher"].update(nonce="AAAA"), r"cipher.nonce: expected a 24-byte nonce"),
        (lambda d: d["kdf"].update(salt=7), r"kdf.salt: expected a base64 string, found int"),
        (lambda d: d.update(ciphertext="%%%"), r"ciphertext: expected base64"),
    ],
    ids=["no-kdf", "short-nonce", "salt-not-string", "ciphertext-not-base64"],
)
def test_malformed_documents_are_refused_naming_the_field(mutate: object, message: str) -> None:
    document = _document((DATA / "cosign-keys-test-sigstore-hello.key").read_bytes())
    mutate(document)  # type: ignore[operator]
    with pytest.raises(FormatError, match=message):
        ek.load_private_key(_with_body(document), b"hello")


def test_a_body_that_is_not_json_is_refused() -> None:
    pem = b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nbm90IGEga2V5\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
    with pytest.raises(FormatError, match="expected the encrypted key's JSON document"):
        ek.load_private_key(pem, b"")


def test_public_key_pem_is_spki() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = ek.public_key_pem(key)
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    loaded = serialization.load_pem_public_key(pem)
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    assert loaded.public_numbers() == key.public_key().public_numbers()


def test_encrypt_refuses_other_strengths_and_sizes() -> None:
    with pytest.raises(UnsupportedError, match=r"found \(1024, 8, 1\)"):
        ek.encrypt(b"x", b"pw", scrypt=(1024, 8, 1))
    with pytest.raises(FormatError, match="found 16 and 24 bytes"):
        ek.encrypt(b"x", b"pw", salt=b"s" * 16, nonce=b"n" * 24)
    with pytest.raises(FormatError, match="expected the label"):
        ek.private_key_pem(ec.generate_private_key(ec.SECP256R1()), b"pw", label="PRIVATE KEY")
