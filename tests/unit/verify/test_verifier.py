"""Verifier behaviour beyond the conformance cases: reasons, the clock, the result."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.bundle import Bundle
from sigstack.core.trust.model import TrustedRoot, ValidFor
from sigstack.verify import (
    Digest,
    Identity,
    ManagedKey,
    UnsafeNoIdentityCheck,
    VerificationFailure,
    Verifier,
    load_bundle,
    load_trusted_root,
)

CASES = Path("/work/shared/conformance/bundle-verify")
ROOT = load_trusted_root(Path("/work/shared/trust/public-good/trusted_root.json").read_bytes())
ARTIFACT = (CASES / "a.txt").read_bytes()
SUBJECT = (
    "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
)
ISSUER = "https://token.actions.githubusercontent.com"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _bundle(case: str = "happy-path-v0.3") -> Bundle:
    return load_bundle((CASES / case / "bundle.sigstore.json").read_bytes())


def _code(bundle: Bundle, policy: object, *, now: datetime = NOW) -> str:
    with pytest.raises(VerificationFailure) as info:
        Verifier(ROOT, clock=lambda: now).verify_artifact(bundle, ARTIFACT, policy)  # type: ignore[arg-type]
    return info.value.code


def test_result_names_what_was_proven() -> None:
    result = Verifier(ROOT, clock=lambda: NOW).verify_artifact(
        _bundle(), ARTIFACT, Identity(SUBJECT, ISSUER)
    )
    assert (result.identity, result.issuer) == (SUBJECT, ISSUER)
    assert result.verified_times == (datetime(2024, 3, 19, 17, 26, 26, tzinfo=UTC),)
    assert len(result.log_entries) == 1


def test_wrong_identity_is_an_identity_failure() -> None:
    assert _code(_bundle(), Identity("someone@example.com", ISSUER)) == "identity"


def test_unsafe_policy_still_checks_everything_else() -> None:
    Verifier(ROOT, clock=lambda: NOW).verify_artifact(_bundle(), ARTIFACT, UnsafeNoIdentityCheck())
    bad = dataclasses.replace(_bundle(), rfc3161_timestamps=(), tlog_entries=())
    assert _code(bad, UnsafeNoIdentityCheck()) == "bundle-format"


def test_verified_time_after_the_clock_is_rejected() -> None:
    before = datetime(2024, 3, 19, tzinfo=UTC)
    assert _code(_bundle(), Identity(SUBJECT, ISSUER), now=before) == "timestamp"


def test_key_given_for_a_certificate_bundle() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert _code(_bundle(), ManagedKey(key)) == "key"


def test_two_entries_are_rejected() -> None:
    bundle = _bundle()
    doubled = dataclasses.replace(bundle, tlog_entries=bundle.tlog_entries * 2)
    assert _code(doubled, Identity(SUBJECT, ISSUER)) == "bundle-format"


def test_wrong_digest_and_content_kind() -> None:
    wrong = Digest("sha256", b"\0" * 32)
    verifier = Verifier(ROOT, clock=lambda: NOW)
    with pytest.raises(VerificationFailure) as info:
        verifier.verify_artifact(_bundle(), wrong, Identity(SUBJECT, ISSUER))
    assert info.value.code == "message-digest"
    with pytest.raises(VerificationFailure) as info:
        verifier.verify_dsse(_bundle(), Identity(SUBJECT, ISSUER))
    assert info.value.code == "bundle-format"


def test_dsse_result_carries_the_payload() -> None:
    bundle = _bundle("happy-path-intoto-in-dsse-v3")
    result = Verifier(ROOT, clock=lambda: NOW).verify_dsse(bundle, Identity(SUBJECT, ISSUER))
    assert result.payload_type == "application/vnd.in-toto+json"
    assert result.payload is not None and b"in-toto" in result.payload


def _shift_logs(root: TrustedRoot, valid_for: ValidFor) -> TrustedRoot:
    logs = tuple(t._replace(valid_for=valid_for) for t in root.tlogs)
    return root._replace(tlogs=logs)


def test_log_key_must_be_valid_at_the_integrated_time() -> None:
    expired = _shift_logs(
        ROOT, ValidFor(datetime(2021, 1, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC))
    )
    with pytest.raises(VerificationFailure) as info:
        Verifier(expired, clock=lambda: NOW).verify_artifact(
            _bundle(), ARTIFACT, Identity(SUBJECT, ISSUER)
        )
    assert info.value.code == "trusted-root"


def test_rekor_v2_log_key_must_be_valid_at_the_timestamp() -> None:
    case = CASES / "rekor2-happy-path"
    root = load_trusted_root((case / "trusted_root.json").read_bytes())
    bundle = _bundle("rekor2-happy-path")
    Verifier(root, clock=lambda: NOW).verify_artifact(bundle, ARTIFACT, Identity(SUBJECT, ISSUER))
    late = _shift_logs(root, ValidFor(datetime(2025, 7, 1, tzinfo=UTC)))
    with pytest.raises(VerificationFailure) as info:
        Verifier(late, clock=lambda: NOW).verify_artifact(
            bundle, ARTIFACT, Identity(SUBJECT, ISSUER)
        )
    assert info.value.code == "trusted-root"


def test_ct_key_must_be_valid_at_the_sct_time() -> None:
    late = ValidFor(datetime(2025, 1, 1, tzinfo=UTC))
    ctlogs = tuple(t._replace(valid_for=late) for t in ROOT.ctlogs)
    root = ROOT._replace(ctlogs=ctlogs)
    with pytest.raises(VerificationFailure) as info:
        Verifier(root, clock=lambda: NOW).verify_artifact(
            _bundle(), ARTIFACT, Identity(SUBJECT, ISSUER)
        )
    assert info.value.code == "sct"
