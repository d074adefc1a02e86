"""The 70 sigstore-conformance bundle-verify cases, offline, each failure asserted on its reason.

Every case verifies at a FIXED time (never the wall clock) with networking blocked
in-process (``socket.socket`` raises; ``conftest.py``): offline by construction. A ``_fail``
case must raise a :class:`VerificationFailure` whose ``code`` is the one its README names
(table below); a pass case must verify. Every case is handled: none is skipped or expected to fail.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest

from sigstack.verify import (
    Digest,
    Identity,
    ManagedKey,
    VerificationFailure,
    VerificationResult,
    Verifier,
    load_bundle,
    load_trusted_root,
)

CASES = Path("/work/shared/conformance/bundle-verify")
PUBLIC_GOOD = Path("/work/shared/trust/public-good/trusted_root.json")
DEFAULT_IDENTITY = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
DEFAULT_ISSUER = "https://token.actions.githubusercontent.com"
#: After every case's signing time (the newest, rekor2-dsse-*, is 2026-05-13), so no
#: verified time is "in the future"; fixed so results never depend on the wall clock.
NOW = datetime(2026, 6, 1, tzinfo=UTC)

#: Each ``_fail`` case → the error code naming the defect its README describes.
EXPECTED_CODE: dict[str, str] = {
    "bundle-empty-certificate-chain_fail": "bundle-format",
    "bundle-from-wrong-instance_fail": "certificate-chain",  # staging leaf, production CAs
    "bundle-invalid-base64-signature_fail": "bundle-format",
    "bundle-malformed-json_fail": "bundle-format",
    "bundle-negative-log-index_fail": "bundle-format",
    "bundle-unknown-version_fail": "bundle-format",
    "bundle-with-root-cert_fail": "certificate-chain",
    "checkpoint-bad-keyhint_fail": "checkpoint",
    "checkpoint-wrong-roothash_fail": "checkpoint",
    "dsse-invalid-sig_fail": "signature",
    "dsse-mismatch-envelope_fail": "log-entry-mismatch",
    "dsse-mismatch-sig_fail": "log-entry-mismatch",
    "inclusion-proof-corrupted-hash_fail": "tlog-inclusion",
    # the modified key changes the canonical body, so its leaf is not the one the proof covers
    "incorrect-public-key_fail": "tlog-inclusion",
    "integrated-time-in-future_fail": "certificate-validity",
    # leaf valid only from 2030: the integrated time (2023) is outside it
    "intoto-expired-certificate_fail": "certificate-validity",
    "intoto-log-entry-mismatch_fail": "log-entry-mismatch",
    "intoto-missing-inclusion-proof_fail": "tlog-inclusion",
    "intoto-set-outside-signing-cert-validity_fail": "certificate-validity",
    "intoto-tsa-timestamp-outside-cert-validity_fail": "certificate-validity",
    "invalid-checkpoint-signature_fail": "checkpoint",
    "invalid-ct-key_fail": "sct",
    "invalid-inclusion-proof_fail": "tlog-inclusion",
    "managed-key-no-key_fail": "key",
    "managed-key-wrong-key_fail": "key",
    "message-digest-mismatch_fail": "message-digest",
    # editing the checkpoint text (dropping a line) invalidates the log's signature over it
    "rekor2-checkpoint-missing-log-signature_fail": "checkpoint",
    "rekor2-checkpoint-missing-origin_fail": "checkpoint",
    "rekor2-checkpoint-missing-root-hash_fail": "checkpoint",
    "rekor2-checkpoint-missing-size_fail": "checkpoint",
    "rekor2-checkpoint-no-matching-signature_fail": "checkpoint",
    "rekor2-dsse-invalid-sig_fail": "signature",
    "rekor2-dsse-mismatch-envelope_fail": "log-entry-mismatch",
    "rekor2-dsse-mismatch-sig_fail": "log-entry-mismatch",
    "rekor2-no-inclusion-proof_fail": "tlog-inclusion",
    "rekor2-no-timestamp_fail": "timestamp",
    "rekor2-timestamp-outside-trust-root-tsa-validity_fail": "timestamp",
    "rekor2-timestamp-outside-tsa-cert-validity_fail": "timestamp",
    "rekor2-timestamp-payload-mismatch_fail": "timestamp",
    "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail": "timestamp",
    "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail": "timestamp",
    "rekor2-timestamp-with-incorrect-time_fail": "certificate-validity",
    "set-invalid-signature_fail": "set",
    "signature-mismatch_fail": "signature",
    "trust-root-tlog-missing-validity-start_fail": "trusted-root",
    "wrong-hashedrekord-artifact_fail": "log-entry-mismatch",
    "wrong-hashedrekord-cert-and-sig_fail": "log-entry-mismatch",
    "wrong-hashedrekord-entry_fail": "log-entry-mismatch",
    # valid bundle for a.txt; the case's artifact differs, caught by the digest hint first
    "wrong-material_fail": "message-digest",
}

ALL_CASES = sorted(p.name for p in CASES.iterdir() if p.is_dir())


def _params() -> list[Any]:
    return [pytest.param(case, id=case) for case in ALL_CASES]


def verify_case(case: str, *, by_digest: bool = False) -> VerificationResult:
    """Verify one case as ``sigstack-conformance verify-bundle`` will (FILE or sha256:HEX)."""
    d = CASES / case
    root_file = d / "trusted_root.json"
    root = load_trusted_root((root_file if root_file.exists() else PUBLIC_GOOD).read_bytes())
    bundle = load_bundle((d / "bundle.sigstore.json").read_bytes())
    artifact_file = d / "artifact"
    artifact = (artifact_file if artifact_file.exists() else CASES / "a.txt").read_bytes()
    policy: Identity | ManagedKey
    if (d / "key.pub").exists():
        policy = ManagedKey.from_pem((d / "key.pub").read_bytes())
    else:
        subject = (d / "identity").read_text().strip() if (d / "identity").exists() else None
        issuer = (d / "issuer").read_text().strip() if (d / "issuer").exists() else None
        policy = Identity(subject or DEFAULT_IDENTITY, issuer or DEFAULT_ISSUER)
    verifier = Verifier(root, clock=lambda: NOW)
    if bundle.dsse_envelope is not None:
        return verifier.verify_dsse(bundle, policy)
    if by_digest:
        return verifier.verify_artifact(bundle, Digest("sha256", sha256(artifact).digest()), policy)
    return verifier.verify_artifact(bundle, artifact, policy)


def test_every_fail_case_has_an_expected_code() -> None:
    fails = {c for c in ALL_CASES if c.endswith("_fail")}
    assert len(ALL_CASES) == 70
    assert fails == set(EXPECTED_CODE)


@pytest.mark.parametrize("by_digest", [False, True], ids=["file", "sha256"])
@pytest.mark.parametrize("case", _params())
def test_case(case: str, by_digest: bool) -> None:
    if case.endswith("_fail"):
        with pytest.raises(VerificationFailure) as info:
            verify_case(case, by_digest=by_digest)
        assert info.value.code == EXPECTED_CODE[case], str(info.value)
    else:
        result = verify_case(case, by_digest=by_digest)
        assert result.verified_times
        assert result.log_entries
        if not (CASES / case / "key.pub").exists():
            assert result.identity is not None and result.issuer is not None


def test_the_network_guard_is_armed() -> None:
    with pytest.raises(AssertionError, match="socket"):
        socket.socket()
