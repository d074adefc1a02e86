"""ClusterImagePolicyEngine decisions (oci-and-policy.md §3.3–§3.5) over a fake evidence seam.

The verification functions are the engine's injectable seam (``verify_signatures`` /
``verify_attestations``, the signatures of :func:`sigstack.oci.verify.verify_image` and
:func:`sigstack.oci.attest.verify_attestations`); the fakes answer per (repository, policy).
The real functions are exercised by tests/integration/test_policy_cip.py.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sigstack.core.oci.reference import Reference
from sigstack.core.policy.cip import IdentitySpec
from sigstack.core.policy.loader import load_policies
from sigstack.core.trust import TrustedRoot
from sigstack.oci.attest import NoAttestationsFound, NoMatchingAttestations
from sigstack.oci.verify import NoMatchingSignatures, NoSignaturesFound
from sigstack.policy.cip import ClusterImagePolicyEngine, CosignIdentities
from sigstack.policy.engine import ImageAt, ResourceContext, RunMemo
from sigstack.verify import IdentityError, ManagedKey

T = TypeVar("T")
DIGEST = "sha256:" + "ab" * 32
IMAGE = f"registry.example/team/app@{DIGEST}"
AT = "spec.containers[0].image"
POD = ResourceContext(kind="Pod", api_version="v1", namespace="ns", name="p", operation="CREATE")
NOW = datetime(2026, 11, 22, tzinfo=UTC)
KEY = ec.generate_private_key(ec.SECP256R1())
PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


@dataclass
class _Result:
    identity: str | None = "me@example.com"
    issuer: str | None = "https://issuer.example"


@dataclass
class _Sig:
    location: str = "registry.example/team/app:sha256-ab.sig layer 0"
    result: _Result = field(default_factory=_Result)


@dataclass
class _Verified:
    signatures: list[_Sig]


@dataclass
class _Att:
    statement: dict[str, Any]
    envelope: bytes = b"{}"
    result: _Result = field(default_factory=_Result)

    def payload(self) -> dict[str, Any]:
        return self.statement


@dataclass
class _Atts:
    attestations: list[_Att]
    predicate_type: str


class Fake:
    """Answers per call; records the calls."""

    def __init__(self) -> None:
        self.signatures: Callable[[Reference, Any, Any], Any] = lambda *_: _Verified([_Sig()])
        self.attestations: Callable[[Reference, Any, str], Any] = lambda *_: _Atts([], "")
        self.calls: list[tuple[str, str, Any, Any]] = []

    def verify_signatures(
        self, registry: Any, ref: Reference, verifier: Any, policy: Any, *, repository: Any
    ) -> Any:
        self.calls.append(("sig", str(ref), policy, repository))
        return self.signatures(ref, policy, repository)

    def verify_attestations(
        self,
        registry: Any,
        ref: Reference,
        verifier: Any,
        policy: Any,
        *,
        predicate_type: str,
        repository: Any,
    ) -> Any:
        self.calls.append(("att", str(ref), policy, predicate_type))
        return self.attestations(ref, policy, predicate_type)


def cip(name: str, spec: str) -> str:
    body = textwrap.indent(textwrap.dedent(spec), "  ")
    return f"apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata:\n  name: {name}\nspec:\n{body}---\n"


def engine(text: str, fake: Fake, **options: Any) -> ClusterImagePolicyEngine:
    policies = load_policies([("p.yaml", text)])
    return ClusterImagePolicyEngine(
        policies.cluster_image_policies,
        registry_factory=lambda host: object(),  # type: ignore[arg-type,return-value]
        trust=TrustedRoot(tlogs=[], certificate_authorities=[], ctlogs=[]),
        clock=lambda: NOW,
        trust_roots=policies.trust_roots,
        verify_signatures=fake.verify_signatures,
        verify_attestations=fake.verify_attestations,
        **options,
    )


KEYLESS = """\
images: [{glob: "registry.example/team/**"}]
authorities:
- keyless:
    identities: [{issuer: "https://issuer.example", subject: "me@example.com"}]
"""
STATIC_PASS = "images: [{glob: '**'}]\nauthorities:\n- static: {action: pass}\n"


def test_static_pass_and_fail() -> None:
    fake = Fake()
    assert engine(cip("open", STATIC_PASS), fake).validate([ImageAt(AT, IMAGE)], POD).allowed
    closed = cip(
        "closed",
        "images: [{glob: '**'}]\nauthorities:\n- static: {action: fail, message: frozen}\n",
    )
    outcome = engine(closed, fake).validate([ImageAt(AT, IMAGE)], POD)
    assert not outcome.allowed
    assert (
        outcome.message
        == f"validation failed: failed policy: closed: {AT}\n{IMAGE} disallowed by static policy: frozen"
    )
    assert fake.calls == []


def test_unsigned_image_is_denied_with_no_signatures_found() -> None:
    fake = Fake()

    def none(*_: Any) -> Any:
        raise NoSignaturesFound(f"no signatures found for image {IMAGE}")

    fake.signatures = none
    outcome = engine(cip("keyless", KEYLESS), fake).validate([ImageAt(AT, IMAGE)], POD)
    assert outcome.message == (
        f"validation failed: failed policy: keyless: {AT}\n{IMAGE} signature keyless validation "
        f"failed for authority authority-0 for {IMAGE}: no signatures found"
    )
    (call,) = fake.calls
    assert isinstance(call[2], CosignIdentities) and call[3] is None


def test_signed_image_is_admitted_and_a_tag_is_dropped_from_the_ref_name() -> None:
    fake = Fake()
    written = f"registry.example/team/app:1.0@{DIGEST}"
    outcome = engine(cip("keyless", KEYLESS), fake).validate([ImageAt(AT, written)], POD)
    assert outcome.allowed and outcome.message == "" and outcome.warnings == ()


def test_no_matching_signatures_lists_each_reason() -> None:
    fake = Fake()

    def bad(*_: Any) -> Any:
        raise NoMatchingSignatures(
            f"no matching signatures for image {IMAGE}: a: identity x; b: expired"
        )

    fake.signatures = bad
    outcome = engine(cip("keyless", KEYLESS), fake).validate([ImageAt(AT, IMAGE)], POD)
    assert outcome.message.endswith(
        f"for {IMAGE}: no matching signatures: a: identity x\n b: expired"
    )


def test_authorities_are_or_and_policies_are_and() -> None:
    fake = Fake()

    def none(*_: Any) -> Any:
        raise NoSignaturesFound("no signatures found")

    fake.signatures = none
    either = cip("either", KEYLESS + "- static: {action: pass}\n")
    assert engine(either, fake).validate([ImageAt(AT, IMAGE)], POD).allowed
    both = cip("open", STATIC_PASS) + cip("keyless", KEYLESS)
    outcome = engine(both, fake).validate([ImageAt(AT, IMAGE)], POD)
    assert not outcome.allowed and "failed policy: keyless" in outcome.message
    assert "failed policy: open" not in outcome.message
    two_fail = cip("k", KEYLESS + "- static: {action: fail, message: m}\n")
    message = engine(two_fail, fake).validate([ImageAt(AT, IMAGE)], POD).message
    assert message.endswith("no signatures found disallowed by static policy: m")


def test_no_matching_policies_by_no_match_policy() -> None:
    fake = Fake()
    other = "ghcr.io/x/y@" + DIGEST
    text = cip("keyless", KEYLESS)
    deny = engine(text, fake).validate([ImageAt(AT, other)], POD)
    assert deny.message == f"validation failed: no matching policies: {AT}\n{other}"
    warn = engine(text, fake, no_match_policy="warn").validate([ImageAt(AT, other)], POD)
    assert warn.allowed and warn.warnings == (f"no matching policies: {AT}", other)
    allow = engine(text, fake, no_match_policy="allow").validate([ImageAt(AT, other)], POD)
    assert allow.allowed and allow.warnings == ()


def test_digest_required() -> None:
    outcome = engine(cip("open", STATIC_PASS), Fake()).validate([ImageAt(AT, "nginx:latest")], POD)
    assert (
        outcome.message
        == f"validation failed: invalid value: nginx:latest must be an image digest: {AT}"
    )


def test_warn_mode_allows_with_warnings() -> None:
    fake = Fake()
    text = cip(
        "w",
        "mode: warn\nimages: [{glob: '**'}]\nauthorities:\n- static: {action: fail, message: m}\n",
    )
    outcome = engine(text, fake).validate([ImageAt(AT, IMAGE)], POD)
    assert outcome.allowed
    assert outcome.warnings == (
        f"failed policy: w: {AT}",
        f"{IMAGE} disallowed by static policy: m",
    )


def test_key_authority_tries_each_key() -> None:
    other = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    keys = textwrap.indent(other + PEM, "      ")
    text = cip("keyed", f"images: [{{glob: '**'}}]\nauthorities:\n- key:\n    data: |\n{keys}")
    fake = Fake()
    seen: list[Any] = []

    def by_second_key(ref: Reference, policy: Any, repository: Any) -> Any:
        seen.append(policy)
        if len(seen) == 1:
            raise NoMatchingSignatures(f"no matching signatures for image {IMAGE}: x: wrong key")
        return _Verified([_Sig(result=_Result(None, None))])

    fake.signatures = by_second_key
    assert engine(text, fake).validate([ImageAt(AT, IMAGE)], POD).allowed
    assert all(isinstance(p, ManagedKey) for p in seen) and len(seen) == 2

    def never(*_: Any) -> Any:
        raise NoSignaturesFound("none")

    fake.signatures = never
    message = engine(text, fake).validate([ImageAt(AT, IMAGE)], POD).message
    assert message.endswith(
        f"signature key validation failed for authority authority-0 for {IMAGE}: no signatures found"
    )


def test_secret_ref_keys() -> None:
    text = cip(
        "s", "images: [{glob: '**'}]\nauthorities:\n- key: {secretRef: {name: cosign-pub}}\n"
    )
    message = engine(text, Fake()).validate([ImageAt(AT, IMAGE)], POD).message
    assert message.endswith(
        "there are no public keys for authority authority-0 (Secret cosign-pub is not available)"
    )
    assert (
        engine(text, Fake(), secrets={"cosign-pub": PEM.encode()})
        .validate([ImageAt(AT, IMAGE)], POD)
        .allowed
    )


def test_source_oci_reads_another_repository() -> None:
    fake = Fake()
    text = cip("src", KEYLESS + "  source: [{oci: 'registry.example/sigs/app'}]\n")
    assert engine(text, fake).validate([ImageAt(AT, IMAGE)], POD).allowed
    store = fake.calls[0][3]
    assert store.repository == "sigs/app"


VULN = "https://cosign.sigstore.dev/attestation/vuln/v1"
ATTEST = (
    KEYLESS
    + f"""\
  attestations:
  - name: no-critical
    predicateType: {VULN}
    policy:
      type: cel
      data: predicate.scanner.result.summary.CRITICAL == 0
"""
)


def _vuln(critical: int) -> dict[str, Any]:
    return {
        "predicateType": VULN,
        "subject": [],
        "predicate": {"scanner": {"result": {"summary": {"CRITICAL": critical}}}},
    }


def test_attestation_policy_admits_and_denies() -> None:
    fake = Fake()
    fake.attestations = lambda ref, policy, pt: _Atts([_Att(_vuln(0))], pt)
    text = cip("vuln", ATTEST)
    assert engine(text, fake).validate([ImageAt(AT, IMAGE)], POD).allowed
    assert fake.calls[0][0] == "att" and fake.calls[0][3] == VULN
    fake.attestations = lambda ref, policy, pt: _Atts([_Att(_vuln(0)), _Att(_vuln(3))], pt)
    message = engine(text, fake).validate([ImageAt(AT, IMAGE)], POD).message
    assert message.endswith(
        f"{IMAGE} failed evaluating cel policy for no-critical: failed to evaluate the policy with "
        "error: the expression 'predicate.scanner.result.summary.CRITICAL == 0' is false"
    )


def test_attestation_errors() -> None:
    fake = Fake()
    text = cip("vuln", ATTEST)

    def other_type(*_: Any) -> Any:
        raise NoMatchingAttestations(
            f"none of the attestations matched the predicate type: {VULN}, found: https://a, https://b"
        )

    fake.attestations = other_type
    message = engine(text, fake).validate([ImageAt(AT, IMAGE)], POD).message
    assert message.endswith(
        f'no matching attestations with type {VULN}, checked the following predicateTypes: "https://a,https://b"'
    )

    def nothing(*_: Any) -> Any:
        raise NoAttestationsFound(f"no attestations found for image {IMAGE}")

    fake.attestations = nothing
    message = engine(text, fake).validate([ImageAt(AT, IMAGE)], POD).message
    assert message.endswith(
        f"attestation keyless validation failed for authority authority-0 for {IMAGE}: "
        f"no matching attestations: no attestations found for image {IMAGE}"
    )


def test_cip_level_cel_policy() -> None:
    fake = Fake()
    spec = (
        KEYLESS
        + "policy:\n  type: cel\n  includeTypeMeta: true\n  data: typemeta.kind == 'Pod' && authorityMatches['authority-0'].signatures[0].subject == 'me@example.com'\n"
    )
    assert engine(cip("p", spec), fake).validate([ImageAt(AT, IMAGE)], POD).allowed
    job = ResourceContext(
        kind="Job", api_version="batch/v1", namespace=None, name=None, operation="CREATE"
    )
    message = engine(cip("p", spec), fake).validate([ImageAt(AT, IMAGE)], job).message
    assert "failed evaluating cel policy for ClusterImagePolicy: the expression" in message


def test_spec_match_filters_resources() -> None:
    spec = "images: [{glob: '**'}]\nmatch:\n- {group: apps, version: v1, resource: deployments, selector: {matchLabels: {app: x}}}\nauthorities:\n- static: {action: fail, message: m}\n"
    text = cip("only-deployments", spec)
    deployment = ResourceContext(
        kind="Deployment",
        api_version="apps/v1",
        namespace="n",
        name="d",
        operation="CREATE",
        obj={"metadata": {"labels": {"app": "x"}}},
    )
    assert not engine(text, Fake()).validate([ImageAt(AT, IMAGE)], deployment).allowed
    other_labels = ResourceContext(
        kind="Deployment",
        api_version="apps/v1",
        namespace="n",
        name="d",
        operation="CREATE",
        obj={"metadata": {"labels": {"app": "y"}}},
    )
    assert (
        "no matching policies"
        in engine(text, Fake()).validate([ImageAt(AT, IMAGE)], other_labels).message
    )
    assert (
        "no matching policies" in engine(text, Fake()).validate([ImageAt(AT, IMAGE)], POD).message
    )


def test_memo_keys_never_hold_a_tag() -> None:
    fake = Fake()
    memo = RunMemo()
    e = engine(cip("keyless", KEYLESS), fake, memo=memo)
    e.validate([ImageAt(AT, f"registry.example/team/app:v1@{DIGEST}")], POD)
    e.validate([ImageAt(AT, f"registry.example/team/app:v2@{DIGEST}")], POD)
    assert len(fake.calls) == 1  # the second tag reused the digest's verdict
    (key,) = memo.results
    assert isinstance(key, tuple) and key[1] == f"registry.example/team/app@{DIGEST}"
    assert not any(":v1" in str(part) for part in key)


def _cert(san: str, issuer: str) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")])
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(KEY.public_key()).serial_number(1)
        .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(san)]), critical=True)
        .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1"), issuer.encode()), critical=False)
        .sign(KEY, hashes.SHA256())
    )  # fmt: skip


def test_cosign_identities() -> None:
    check = CosignIdentities((
        IdentitySpec(issuer="https://issuer.example", subject="me@example.com"),
        IdentitySpec(issuer_regexp=r"issuer\.example", subject_regexp=r"@corp\.example$"),
    ))  # fmt: skip
    check.verify(_cert("me@example.com", "https://issuer.example"))
    check.verify(_cert("you@corp.example", "https://issuer.example"))  # unanchored search
    with pytest.raises(IdentityError) as info:
        check.verify(_cert("you@evil.example", "https://issuer.example"))
    assert (
        "none of the expected identities matched what was in the certificate, got subjects [you@evil.example] with issuer https://issuer.example"
        in str(info.value)
    )
