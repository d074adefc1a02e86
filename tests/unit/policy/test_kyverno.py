"""KyvernoEngine decisions over a fake evidence seam (oci-and-policy.md §4.3)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from sigstack.core.oci.digest import Digest
from sigstack.core.oci.reference import Reference
from sigstack.core.policy.kyverno import render_denial
from sigstack.core.policy.yaml_load import load_documents
from sigstack.errors import NetworkError, VerificationError
from sigstack.oci.verify import NoMatchingSignatures, NoSignaturesFound
from sigstack.policy.engine import ImageAt, ResourceContext, RunMemo
from sigstack.policy.kyverno import KyvernoEngine, load_kyverno
from sigstack.verify import Identity, IdentityRegex, ManagedKey
from tests.unit.core.policy.test_kyverno import KEYLESS, pem

T = TypeVar("T")
DIGEST = Digest("sha256", "ab" * 32)
OTHER = Digest("sha256", "cd" * 32)


class FakeChecks:
    """Signatures/attestations by (repository name, digest) → who signed; records calls."""

    def __init__(self) -> None:
        self.tags: dict[str, Digest] = {}
        self.signed: dict[tuple[str, str], list[str]] = {}  # (name, digest) -> subjects / key PEMs
        self.predicates: dict[tuple[str, str, str], list[Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.down = False

    def resolve(self, image: Reference) -> Digest:
        return self.tags[str(image)]

    def _who(self, policy: Any) -> str:
        if isinstance(policy, Identity):
            return policy.subject
        if isinstance(policy, IdentityRegex):
            return policy.subject_pattern
        assert isinstance(policy, ManagedKey)
        return "key"

    def signatures(
        self,
        image: Reference,
        policy: Any,
        *,
        annotations: Mapping[str, str],
        repository: str | None,
    ) -> None:
        self.calls.append(("sig", str(image)))
        if self.down:
            raise NetworkError("GET https://r.example/v2/: cannot reach the registry")
        signers = self.signed.get((image.name, str(image.digest)))
        if signers is None:
            raise NoSignaturesFound(f"no signatures found for image {image.name}@{image.digest}")
        if self._who(policy) not in signers:
            raise NoMatchingSignatures(
                f"no matching signatures for image {image.name}@{image.digest}: layer 0: "
                f"expected identity {self._who(policy)!r}, found {signers}"
            )

    def attestations(
        self,
        image: Reference,
        policy: Any,
        *,
        predicate_type: str,
        annotations: Mapping[str, str],
        repository: str | None,
    ) -> list[Any]:
        self.calls.append(("att", str(image)))
        found = self.predicates.get((image.name, str(image.digest), predicate_type))
        if found is None:
            raise VerificationError(f"no attestations found for image {image.name}@{image.digest}")
        return found


def engine(text: str, checks: FakeChecks, memo: Any = None) -> KyvernoEngine:
    policies = load_kyverno(load_documents(textwrap.dedent(text), "p.yaml"))
    kwargs = {"memo": memo} if memo is not None else {}
    return KyvernoEngine(
        policies, registry_factory=lambda host: pytest.fail("no registry in unit tests"),
        trust=None, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC), checks=checks, **kwargs,
    )  # fmt: skip


def pod(
    namespace: str = "default", name: str = "x", kind: str = "Pod", api: str = "v1"
) -> ResourceContext:
    return ResourceContext(
        kind=kind, api_version=api, namespace=namespace, name=name, operation="CREATE"
    )


IMAGE = f"ghcr.io/org/app:v1@{DIGEST}"


@pytest.fixture
def checks() -> FakeChecks:
    fake = FakeChecks()
    fake.signed[("ghcr.io/org/app", str(DIGEST))] = ["me@example.com"]
    return fake


def test_signed_image_admitted(checks: FakeChecks) -> None:
    outcome = engine(KEYLESS, checks).validate([ImageAt("spec.containers[0].image", IMAGE)], pod())
    assert outcome.allowed and outcome.message == "" and outcome.warnings == ()
    assert checks.calls == [("sig", IMAGE)]


def test_unsigned_image_denied_with_kyvernos_message(checks: FakeChecks) -> None:
    image = f"ghcr.io/org/unsigned@{OTHER}"
    outcome = engine(KEYLESS, checks).validate(
        [ImageAt("spec.containers[0].image", image)], pod(name="unsigned")
    )
    assert not outcome.allowed
    reason = f"failed to verify image ghcr.io/org/unsigned@{OTHER}: .attestors[0].entries[0].keyless: no signatures found"
    assert outcome.message == render_denial(
        "Pod/default/unsigned", {"check-image": {"check-image": reason}}
    )
    assert outcome.message.startswith(
        "\n\nresource Pod/default/unsigned was blocked due to the following policies\n\n"
        "check-image:\n  check-image: 'failed to verify image ghcr.io/org/unsigned@sha256:"
    )


def test_wrong_identity_reason(checks: FakeChecks) -> None:
    text = KEYLESS.replace("subject: me@example.com", "subject: mallory@example.com")
    outcome = engine(text, checks).validate([ImageAt("spec.containers[0].image", IMAGE)], pod())
    assert not outcome.allowed
    flat = " ".join(outcome.message.split())
    assert (
        f"failed to verify image {IMAGE.replace(':v1', '')}: .attestors[0].entries[0].keyless: "
        "no matching signatures: layer 0: expected identity ''mallory@example.com''"
        in flat  # YAML quoting
    )


def test_tag_resolved_and_memo_keyed_by_digest(checks: FakeChecks) -> None:
    checks.tags["ghcr.io/org/app:v1"] = DIGEST
    memo = RunMemo()
    e = engine(KEYLESS, checks, memo)
    assert e.validate([ImageAt("spec.containers[0].image", "ghcr.io/org/app:v1")], pod()).allowed
    assert e.validate([ImageAt("spec.containers[0].image", IMAGE)], pod()).allowed
    assert len(checks.calls) == 1  # the second (by digest) came from the memo
    (key,) = memo.results
    assert isinstance(key, tuple) and key[1] == f"ghcr.io/org/app@{DIGEST}"
    assert not any(isinstance(k, str) and ":v1" in k for k in key)
    # The tag moves: a new digest is verified again (and fails: nothing signed it).
    checks.tags["ghcr.io/org/app:v1"] = OTHER
    assert not e.validate(
        [ImageAt("spec.containers[0].image", "ghcr.io/org/app:v1")], pod()
    ).allowed
    assert len(checks.calls) == 2


def test_use_cache_false_bypasses_memo(checks: FakeChecks) -> None:
    memo = RunMemo()
    e = engine(
        KEYLESS.replace("    - imageReferences:", "    - useCache: false\n      imageReferences:"),
        checks,
        memo,
    )
    for _ in range(2):
        assert e.validate([ImageAt("p", IMAGE)], pod()).allowed
    assert len(checks.calls) == 2 and not memo.results


def test_network_error_is_reported_and_not_remembered(checks: FakeChecks) -> None:
    memo = RunMemo()
    checks.down = True
    e = engine(KEYLESS, checks, memo)
    outcome = e.validate([ImageAt("p", IMAGE)], pod())
    assert not outcome.allowed and "cannot reach the registry" in " ".join(outcome.message.split())
    assert not memo.results
    checks.down = False
    assert e.validate([ImageAt("p", IMAGE)], pod()).allowed


def test_not_matching_images_and_skips_are_ignored(checks: FakeChecks) -> None:
    e = engine(KEYLESS, checks)
    images = [ImageAt("a", "nginx:1.25"), ImageAt("b", f"ghcr.io/org/trusted/x@{OTHER}")]
    assert e.validate(images, pod()).allowed and checks.calls == []


def test_exclude_by_namespace(checks: FakeChecks) -> None:
    e = engine(KEYLESS, checks)
    assert e.validate([ImageAt("a", f"ghcr.io/org/unsigned@{OTHER}")], pod("kube-system")).allowed


def test_autogen_rule_name_for_deployments(checks: FakeChecks) -> None:
    outcome = engine(KEYLESS, checks).validate(
        [ImageAt("spec.template.spec.containers[0].image", f"ghcr.io/org/unsigned@{OTHER}")],
        pod(kind="Deployment", api="apps/v1", name="web"),
    )
    assert not outcome.allowed
    assert outcome.message.startswith(
        "\n\nresource Deployment/default/web was blocked due to the following policies\n\n"
        "check-image:\n  autogen-check-image: 'failed to verify image"
    )


def test_audit_admits_with_warning(checks: FakeChecks) -> None:
    text = KEYLESS.replace(
        "validationFailureAction: Enforce", "validationFailureAction: Audit"
    ).replace("    - imageReferences:", "    - mutateDigest: false\n      imageReferences:")
    outcome = engine(text, checks).validate([ImageAt("a", f"ghcr.io/org/unsigned@{OTHER}")], pod())
    assert outcome.allowed and outcome.message == ""
    assert outcome.warnings == (
        f"policy check-image.check-image: failed to verify image ghcr.io/org/unsigned@{OTHER}: "
        ".attestors[0].entries[0].keyless: no signatures found",
    )


def test_rule_failure_action_overrides_spec(checks: FakeChecks) -> None:
    text = KEYLESS.replace(
        "validationFailureAction: Enforce", "validationFailureAction: Audit"
    ).replace("    - imageReferences:", "    - failureAction: Enforce\n      imageReferences:")
    assert (
        not engine(text, checks).validate([ImageAt("a", f"ghcr.io/org/u@{OTHER}")], pod()).allowed
    )


def test_missing_digest_without_mutation(checks: FakeChecks) -> None:
    text = KEYLESS.replace(
        "    - imageReferences:", "    - mutateDigest: false\n      imageReferences:"
    )
    e = engine(text, checks)
    outcome = e.validate([ImageAt("a", "ghcr.io/org/app:v1")], pod())
    assert "check-image: missing digest for ghcr.io/org/app:v1" in outcome.message
    no_verify = text.replace(
        "mutateDigest: false", "mutateDigest: false\n      verifyDigest: false"
    )
    checks.tags["ghcr.io/org/app:v1"] = DIGEST
    assert engine(no_verify, checks).validate([ImageAt("a", "ghcr.io/org/app:v1")], pod()).allowed


def _two_keyless(count: str) -> str:
    return KEYLESS.replace(
        "      - entries:\n",
        f"      - {count}entries:\n        - keyless: {{subject: other@example.com, issuer: https://issuer.example}}\n",
    ).replace(
        f"      - {count}entries:",
        f"      - {count}entries:" if not count else f"      - {count.strip()}\n        entries:",
    )


def test_count_of_entries(checks: FakeChecks) -> None:
    every = _two_keyless("")
    outcome = engine(every, checks).validate([ImageAt("a", IMAGE)], pod())
    assert not outcome.allowed
    assert ".attestors[0].entries[0].keyless: no matching signatures" in " ".join(
        outcome.message.split()
    )
    one = _two_keyless("count: 1 ")
    assert engine(one, checks).validate([ImageAt("a", IMAGE)], pod()).allowed


def test_errors_of_failing_entries_are_joined(checks: FakeChecks) -> None:
    text = _two_keyless("").replace("subject: me@example.com", "subject: eve@example.com")
    flat = " ".join(engine(text, checks).validate([ImageAt("a", IMAGE)], pod()).message.split())
    assert "entries[0].keyless: no matching signatures" in flat
    assert "; .attestors[0].entries[1].keyless: no matching signatures" in flat


ATTESTATION = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: vulns
spec:
  validationFailureAction: Enforce
  rules:
  - name: no-criticals
    match:
      any:
      - resources:
          kinds: [Pod]
    verifyImages:
    - imageReferences: ["ghcr.io/org/*"]
      attestations:
      - type: https://cosign.sigstore.dev/attestation/vuln/v1
        attestors:
        - entries:
          - keyless: {subject: me@example.com, issuer: https://issuer.example}
        conditions:
        - all:
          - key: "{{ scanner.result.summary.critical }}"
            operator: Equals
            value: 0
            message: critical vulnerabilities found
"""
VULN = "https://cosign.sigstore.dev/attestation/vuln/v1"


def test_attestation_condition_admits_and_denies(checks: FakeChecks) -> None:
    e = engine(ATTESTATION, checks)
    key = ("ghcr.io/org/app", str(DIGEST), VULN)
    checks.predicates[key] = [{"scanner": {"result": {"summary": {"critical": 0}}}}]
    assert e.validate([ImageAt("a", IMAGE)], pod()).allowed
    checks.predicates[key].append({"scanner": {"result": {"summary": {"critical": 2}}}})
    outcome = e.validate([ImageAt("a", IMAGE)], pod())
    assert not outcome.allowed
    flat = " ".join(outcome.message.split())
    assert (
        "no-criticals: 'image attestations verification failed, verifiedCount: 0, requiredCount: 1, "
        f"error: .attestations[0].attestors[0].entries[0].keyless: attestation checks failed for "
        f"ghcr.io/org/app@{DIGEST} and predicate {VULN}: critical vulnerabilities found'" in flat
    )


def test_attestation_missing_and_unresolvable(checks: FakeChecks) -> None:
    e = engine(ATTESTATION, checks)
    flat = " ".join(e.validate([ImageAt("a", IMAGE)], pod()).message.split())
    assert (
        "verifiedCount: 0, requiredCount: 1, error: .attestations[0].attestors[0].entries[0].keyless: no attestations found"
        in flat
    )
    checks.predicates[("ghcr.io/org/app", str(DIGEST), VULN)] = [{"scanner": {}}]
    flat = " ".join(e.validate([ImageAt("a", IMAGE)], pod()).message.split())
    assert "failed to check attestations: variable substitution failed" in flat


def test_namespaced_policy_only_in_its_namespace(checks: FakeChecks) -> None:
    text = KEYLESS.replace("kind: ClusterPolicy", "kind: Policy").replace(
        "  name: check-image\nspec:", "  name: check-image\n  namespace: team\nspec:"
    )
    e = engine(text, checks)
    unsigned = [ImageAt("a", f"ghcr.io/org/u@{OTHER}")]
    assert e.validate(unsigned, pod("default")).allowed
    assert not e.validate(unsigned, pod("team")).allowed


def test_key_based_entry(checks: FakeChecks) -> None:
    text = KEYLESS.replace(
        "        - keyless:\n            subject: me@example.com\n            issuer: https://issuer.example\n"
        "            rekor: {url: https://rekor.example, ignoreTlog: false}\n            ctlog: {ignoreSCT: false}\n",
        "        - keys:\n            publicKeys: |-\n" + textwrap.indent(pem(), " " * 14) + "\n",
    )
    checks.signed[("ghcr.io/org/app", str(DIGEST))] = ["key"]
    assert engine(text, checks).validate([ImageAt("a", IMAGE)], pod()).allowed
    flat = " ".join(
        engine(text, checks)
        .validate([ImageAt("a", f"ghcr.io/org/u@{OTHER}")], pod())
        .message.split()
    )
    assert ".attestors[0].entries[0].keys: no signatures found" in flat


def test_image_alone_is_a_bare_pod(checks: FakeChecks) -> None:
    alone = ResourceContext(kind="", api_version="", namespace=None, name=None, operation="")
    outcome = engine(KEYLESS, checks).validate([ImageAt("a", f"ghcr.io/org/u@{OTHER}")], alone)
    assert not outcome.allowed
    assert outcome.message.startswith("\n\nresource Pod/ was blocked due to the following policies")


def test_pinning_keeps_an_image_under_its_tag_pattern(checks: FakeChecks) -> None:
    text = KEYLESS.replace('["ghcr.io/org/*"]', '["ghcr.io/org/app:v*"]').replace(
        'skipImageReferences: ["ghcr.io/org/trusted/*"]',
        'skipImageReferences: ["ghcr.io/org/app:v9"]',
    )
    e = engine(text, checks)
    # "ghcr.io/org/app:v2@sha256:…" is Kyverno's "ghcr.io/org/app@sha256:…": still covered.
    outcome = e.validate([ImageAt("a", f"ghcr.io/org/app:v2@{OTHER}")], pod())
    assert not outcome.allowed
    assert f"failed to verify image ghcr.io/org/app@{OTHER}:" in outcome.message
    assert e.validate(
        [ImageAt("a", f"ghcr.io/org/app:v9@{OTHER}")], pod()
    ).allowed  # skipped by tag
    assert e.validate(
        [ImageAt("a", f"ghcr.io/org/app@{OTHER}")], pod()
    ).allowed  # no tag: not named
