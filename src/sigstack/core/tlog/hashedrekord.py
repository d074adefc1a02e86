"""The ``hashedrekord`` kind: a signature over an artifact digest.

* v0.0.1 (Rekor v1): ``spec {signature {content, publicKey {content}}, data {hash}}``
  (transparency-log.md §1.2; sigstore-clients.md §5.1–§5.4; Rekor
  ``pkg/types/hashedrekord/v0.0.1/entry.go``).
* v0.0.2 (Rekor v2): ``hashedRekordRequestV002 {digest, signature {content, verifier}}``
  (transparency-log.md §2.1; sigstore-clients.md §6.1, §6.4).

The signature is checked over the digest (prehashed). Canonical bodies are built as
strings: every value in them is base64, lower-case hex or a fixed name, so no escaping
is ever needed and keys are written in sorted order; the tests check the bytes equal
``canonicalize()`` of the same object.
"""

from __future__ import annotations

import base64
import re

from sigstack.core.keys import (
    KEY_DETAILS,
    PublicKey,
    key_spec,
    load_public_key,
    to_pem,
    verify_prehashed,
)
from sigstack.core.tlog.common import (
    CanonicalEntry,
    JSONObject,
    describe,
    get_b64,
    get_object,
    get_str,
    identity_keys,
    key_index,
)
from sigstack.core.tlog.verifier import parse_verifier
from sigstack.errors import FormatError, UnsupportedError

__all__ = ["parse_v001", "parse_v002"]

_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}
_LOWER_HEX = re.compile(r"[0-9a-f]+")
_V2_ALGORITHM = {"sha256": "SHA2_256", "sha384": "SHA2_384", "sha512": "SHA2_512"}
_V2 = "hashedRekordRequestV002"


def _check_registry(key: PublicKey, hash_name: str) -> None:
    """Rekor v1 checks hashedrekord keys against the algorithm registry too.

    (``pkg/api/entries.go: checkEntryAlgorithms``): P-256 goes with SHA-256, P-384 with
    SHA-384, P-521 with SHA-512, RSA 2048/3072/4096 with SHA-256. Ed25519 would need
    Ed25519ph, which ``verify_prehashed`` refuses with its own message.
    """
    spec = key_spec(key)
    if spec == "ed25519":
        return
    allowed = sorted({d.hash_name for d in KEY_DETAILS.values() if d.key == spec})
    if not allowed:
        raise UnsupportedError(
            f"expected a P-256/P-384/P-521 or RSA 2048/3072/4096 key, found a {spec} key",
            field="spec.signature.publicKey.content",
        )
    if hash_name not in allowed:
        raise UnsupportedError(
            f"expected {' or '.join(allowed)} for a {spec} key (Sigstore algorithm registry), "
            f"found {hash_name}",
            field="spec.data.hash.algorithm",
        )


def parse_v001(spec: JSONObject) -> CanonicalEntry:
    """Validate and verify a hashedrekord v0.0.1 ``spec``; build its canonical entry."""
    signature = get_object(spec, "signature", "spec")
    sig = get_b64(signature, "content", "spec.signature")
    public_key = get_object(signature, "publicKey", "spec.signature")
    key_field = "spec.signature.publicKey.content"
    key, cert = load_public_key(
        get_b64(public_key, "content", "spec.signature.publicKey"), field=key_field
    )

    digest_hash = get_object(get_object(spec, "data", "spec"), "hash", "spec.data")
    algorithm = get_str(digest_hash, "algorithm", "spec.data.hash")
    if algorithm not in _HEX_LENGTH:
        raise UnsupportedError(
            f"expected sha256, sha384 or sha512, found {describe(algorithm)}",
            field="spec.data.hash.algorithm",
        )
    value = get_str(digest_hash, "value", "spec.data.hash")
    if len(value) != _HEX_LENGTH[algorithm] or not _LOWER_HEX.fullmatch(value):
        raise FormatError(
            f"expected {_HEX_LENGTH[algorithm]} lower-case hex digits (a {algorithm} digest), "
            f"found {describe(value)}",
            field="spec.data.hash.value",
        )
    _check_registry(key, algorithm)
    verify_prehashed(key, sig, bytes.fromhex(value), algorithm, field="spec.signature.content")

    # Rekor re-encodes both the signature and the key (``CanonicalValue()``): the PEM of the
    # certificate (or of the public key) as ``cryptography`` writes it, 64-column lines.
    sig_b64 = base64.b64encode(sig).decode()
    pem_b64 = base64.b64encode(to_pem(key, cert)).decode()
    body = (
        '{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"'
        f'{algorithm}","value":"{value}"}}}},"signature":{{"content":"{sig_b64}",'
        f'"publicKey":{{"content":"{pem_b64}"}}}}}}}}'
    )
    keys = {f"hash:{algorithm}:{value}", key_index(key)}
    if cert is not None:
        keys |= identity_keys(cert)
    return CanonicalEntry("hashedrekord", "0.0.1", body.encode(), frozenset(keys))


def parse_v002(request: JSONObject) -> CanonicalEntry:
    """Validate and verify a ``hashedRekordRequestV002``; build its ``hashedRekordV002`` entry."""
    digest = get_b64(request, "digest", _V2)
    signature = get_object(request, "signature", _V2)
    sig = get_b64(signature, "content", f"{_V2}.signature")
    verifier = parse_verifier(
        get_object(signature, "verifier", f"{_V2}.signature"), f"{_V2}.signature.verifier"
    )
    if verifier.key_details.startswith("PKIX_ED25519"):
        raise UnsupportedError(
            "expected keyDetails for an ECDSA or RSA key, found "
            f"{verifier.key_details} (pure Ed25519 cannot sign a digest, and Ed25519ph is "
            "not supported)",
            field=f"{_V2}.signature.verifier.keyDetails",
        )
    hash_name = verifier.hash_name
    if len(digest) * 2 != _HEX_LENGTH[hash_name]:
        raise FormatError(
            f"expected a {_HEX_LENGTH[hash_name] // 2}-byte {hash_name} digest, as "
            f"{verifier.key_details} requires, found {len(digest)} bytes",
            field=f"{_V2}.digest",
        )
    verify_prehashed(verifier.key, sig, digest, hash_name, field=f"{_V2}.signature.content")

    body = (
        '{"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":'
        f'{{"algorithm":"{_V2_ALGORITHM[hash_name]}","digest":"{base64.b64encode(digest).decode()}"}},'
        f'"signature":{{"content":"{base64.b64encode(sig).decode()}","verifier":{verifier.json()}}}}}}}}}'
    )
    keys = verifier.index_keys()
    keys.add(f"hash:{hash_name}:{digest.hex()}")
    return CanonicalEntry("hashedrekord", "0.0.2", body.encode(), frozenset(keys))
