"""Kyverno ``verifyImages`` against a real registry and a live stack (oci-and-policy.md §4).

Images are pushed to Debian's ``docker-registry``, signed and attested with the ``sigstack``
command line against ``sigstack up`` (keyless through the stack's dev OIDC issuer, or with a
cosign key pair), and decided by :class:`~sigstack.policy.kyverno.KyvernoEngine` in-process
with the stack's trusted root — and once through ``sigstack policy test`` as a user would.
Every denial is checked against Kyverno's text (§4.3).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sigstack.clock import utc_now
from sigstack.core.policy.kyverno import render_denial
from sigstack.core.policy.yaml_load import load_documents
from sigstack.policy.engine import ImageAt, Outcome, ResourceContext
from sigstack.policy.kyverno import KyvernoEngine, load_kyverno
from tests.integration._images import ImageEnv, image_env
from tests.integration._kyverno import keyless_cluster_policy

EMAIL = "builder@example.com"
VULN = "https://cosign.sigstore.dev/attestation/vuln/v1"


@dataclass
class Env(ImageEnv):
    """The image environment, and the Kyverno engine with the stack's trusted root."""

    def ok(self, *args: str, **extra: str) -> None:
        out = self.sigstack(*args, **extra)
        assert out.returncode == 0, out.stderr

    def push_tagged(self, repo: str, text: str) -> str:
        """Push a one-layer image tagged v1; its reference by tag."""
        self.push(repo, text)
        return f"{self.registry.host}/{repo}:v1"

    def digest_of(self, image: str) -> str:
        repo, _, tag = image.removeprefix(f"{self.registry.host}/").rpartition(":")
        return str(self.client.get_manifest(repo, tag).digest)

    def engine(self, policy: str) -> KyvernoEngine:
        return KyvernoEngine(
            load_kyverno(load_documents(textwrap.dedent(policy), "policy.yaml")),
            registry_factory=lambda host: self.client,
            trust=self.trusted_root(),
            clock=utc_now,
        )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with image_env(tmp_path_factory.mktemp("kyverno"), EMAIL) as images:
        yield Env(**vars(images))


def keyless_policy(env: Env, *, subject: str = EMAIL, action: str = "Enforce") -> str:
    mutate = "\n      mutateDigest: false" if action == "Audit" else ""
    return keyless_cluster_policy(
        f"{env.registry.host}/kyverno/*", subject, env.issuer, env.stack.url,
        action=action, rule_extra=mutate,
    )  # fmt: skip


def decide(
    engine: KyvernoEngine, image: str, namespace: str = "default", name: str = "app"
) -> Outcome:
    context = ResourceContext(
        kind="Pod", api_version="v1", namespace=namespace, name=name, operation="CREATE"
    )
    return engine.validate([ImageAt("spec.containers[0].image", image)], context)


def denial(
    image_shown: str,
    reason: str,
    *,
    pod: str = "app",
    policy: str = "check-image",
    rule: str = "check-image",
) -> str:
    return render_denial(
        f"Pod/default/{pod}", {policy: {rule: f"failed to verify image {image_shown}: {reason}"}}
    )


@pytest.fixture(scope="module")
def keyless_images(env: Env) -> dict[str, str]:
    signed = env.push_tagged("kyverno/signed", "signed")
    env.ok("sign", signed, SIGSTORE_IDENTITY_TOKEN=env.token())
    bundle = env.push_tagged("kyverno/bundle", "bundle format")
    env.ok("sign", bundle, "--format", "bundle", SIGSTORE_IDENTITY_TOKEN=env.token())
    other = env.push_tagged("kyverno/other", "someone else")
    env.ok("sign", other, SIGSTORE_IDENTITY_TOKEN=env.token("mallory@example.com"))
    unsigned = env.push_tagged("kyverno/unsigned", "unsigned")
    return {"signed": signed, "bundle": bundle, "other": other, "unsigned": unsigned}


def test_keyless_policy_admits_signed_and_denies_others(
    env: Env, keyless_images: dict[str, str]
) -> None:
    engine = env.engine(keyless_policy(env))
    for name in ("signed", "bundle"):
        image = keyless_images[name]
        outcome = decide(engine, image)
        assert outcome.allowed, outcome.message
        assert decide(
            engine, f"{image}@{env.digest_of(image)}"
        ).allowed  # pinned, as the webhook sends it

    unsigned = keyless_images["unsigned"]
    outcome = decide(engine, unsigned, name="unsigned")
    assert not outcome.allowed
    assert outcome.message == denial(
        unsigned, ".attestors[0].entries[0].keyless: no signatures found", pod="unsigned"
    )
    assert (
        "resource Pod/default/unsigned was blocked due to the following policies" in outcome.message
    )

    other = keyless_images["other"]
    outcome = decide(engine, other)
    assert not outcome.allowed
    flat = " ".join(outcome.message.split())
    assert (
        f"check-image: 'failed to verify image {other}: .attestors[0].entries[0].keyless: no matching signatures:"
        in flat
    )
    assert f"expected identity ''{EMAIL}'', found [''mallory@example.com'']" in flat

    # A subject regular expression admits both signers; an issuer that is not ours admits none.
    regexp = keyless_policy(env).replace(f"subject: {EMAIL}", "subjectRegExp: '.*@example[.]com'")
    assert decide(env.engine(regexp), other).allowed
    foreign = keyless_policy(env).replace(
        f"issuer: {env.issuer}", "issuer: https://accounts.example.org"
    )
    outcome = decide(env.engine(foreign), keyless_images["signed"])
    assert (
        not outcome.allowed
        and "expected OIDC issuer ''https://accounts.example.org''"
        in " ".join(outcome.message.split())
    )


def test_exclude_namespace_and_unmatched_images(env: Env, keyless_images: dict[str, str]) -> None:
    engine = env.engine(keyless_policy(env))
    assert decide(engine, keyless_images["unsigned"], namespace="kube-system").allowed
    outside = env.push_tagged("elsewhere/app", "not covered")  # imageReferences do not match
    assert decide(engine, outside).allowed


def test_audit_mode_allows_with_a_warning(env: Env, keyless_images: dict[str, str]) -> None:
    engine = env.engine(keyless_policy(env, action="Audit"))
    unsigned = keyless_images["unsigned"]
    outcome = decide(engine, f"{unsigned}@{env.digest_of(unsigned)}")
    assert outcome.allowed and outcome.message == ""
    shown = unsigned.rsplit(":", 1)[0] + "@" + env.digest_of(unsigned)
    assert outcome.warnings == (
        f"policy check-image.check-image: failed to verify image {shown}: "
        ".attestors[0].entries[0].keyless: no signatures found",
    )
    # mutateDigest false + verifyDigest: a tag is refused before anything is fetched.
    outcome = decide(engine, unsigned)
    assert outcome.allowed and outcome.warnings == (
        f"policy check-image.check-image: missing digest for {unsigned}",
    )


def key_policy(env: Env, pub: Path) -> str:
    pem = textwrap.indent(pub.read_text().strip(), " " * 20)
    return f"""\
    apiVersion: kyverno.io/v1
    kind: ClusterPolicy
    metadata:
      name: keyed
    spec:
      validationFailureAction: Enforce
      rules:
      - name: keys
        match:
          any:
          - resources:
              kinds: [Pod]
        verifyImages:
        - imageReferences: ["{env.registry.host}/keyed/*"]
          attestors:
          - entries:
            - keys:
                publicKeys: |-
{pem}
                rekor: {{ignoreTlog: true}}
                ctlog: {{ignoreSCT: true}}
    """


def test_key_policy_admits_key_signed_and_denies_another_key(env: Env) -> None:
    keys = {}
    for who in ("alice", "bob"):
        prefix = env.root / who
        env.ok("generate-key-pair", "--output-key-prefix", str(prefix), COSIGN_PASSWORD="pw")
        keys[who] = (prefix.with_suffix(".key"), prefix.with_suffix(".pub"))
    mine = env.push_tagged("keyed/mine", "alice's")
    env.ok("sign", mine, "--key", str(keys["alice"][0]), COSIGN_PASSWORD="pw")
    theirs = env.push_tagged("keyed/theirs", "bob's")
    env.ok("sign", theirs, "--key", str(keys["bob"][0]), COSIGN_PASSWORD="pw")

    engine = env.engine(key_policy(env, keys["alice"][1]))
    assert decide(engine, mine).allowed
    outcome = decide(engine, theirs)
    assert not outcome.allowed
    flat = " ".join(outcome.message.split())
    assert flat.startswith(
        "resource Pod/default/app was blocked due to the following policies keyed: keys:"
    )
    assert (
        f"'failed to verify image {theirs}: .attestors[0].entries[0].keys: no matching signatures:"
        in flat
    )
    assert "expected a signature by the ecdsa-p256 key" in flat
    # The keyless-signed image is no use to a key policy either.
    both = key_policy(env, keys["alice"][1]).replace("keyed/*", "k*/*")
    assert not decide(env.engine(both), env.push_tagged("kyverno/keyless-only", "k")).allowed


def attestation_policy(env: Env) -> str:
    return f"""\
    apiVersion: kyverno.io/v1
    kind: ClusterPolicy
    metadata:
      name: vulnerabilities
    spec:
      validationFailureAction: Enforce
      rules:
      - name: no-criticals
        match:
          any:
          - resources:
              kinds: [Pod]
        verifyImages:
        - imageReferences: ["{env.registry.host}/scanned/*"]
          attestations:
          - type: {VULN}
            attestors:
            - entries:
              - keyless:
                  subject: {EMAIL}
                  issuer: {env.issuer}
            conditions:
            - all:
              - key: "{{{{ scanner.result.summary.CRITICAL }}}}"
                operator: Equals
                value: 0
                message: the image has critical vulnerabilities
              - key: "{{{{ scanner.uri }}}}"
                operator: Equals
                value: "pkg:github/aquasecurity/trivy@*"
    """


def test_attestation_conditions_admit_and_deny(env: Env) -> None:
    def attested(repo: str, critical: int, fmt: str) -> str:
        image = env.push_tagged(f"scanned/{repo}", repo)
        predicate = env.root / f"{repo}.json"
        predicate.write_text(json.dumps({
            "scanner": {"uri": "pkg:github/aquasecurity/trivy@0.50.1",
                        "result": {"summary": {"CRITICAL": critical, "HIGH": 4}}},
        }))  # fmt: skip
        env.ok("attest", image, "--predicate", str(predicate), "--type", "vuln", "--format", fmt,
               SIGSTORE_IDENTITY_TOKEN=env.token())  # fmt: skip
        return image

    engine = env.engine(attestation_policy(env))
    clean = attested("clean", 0, "legacy")
    assert decide(engine, clean).allowed
    assert decide(engine, attested("clean-bundle", 0, "bundle")).allowed

    dirty = attested("dirty", 3, "legacy")
    outcome = decide(engine, dirty)
    assert not outcome.allowed
    flat = " ".join(outcome.message.split())
    assert (
        "vulnerabilities: no-criticals: 'image attestations verification failed, verifiedCount: 0, "
        "requiredCount: 1, error: .attestations[0].attestors[0].entries[0].keyless: attestation "
        f"checks failed for {dirty} and predicate {VULN}: the image has critical vulnerabilities'"
    ) in flat

    bare = env.push_tagged("scanned/none", "never scanned")
    flat = " ".join(decide(engine, bare).message.split())
    assert "verifiedCount: 0, requiredCount: 1" in flat and "no attestations found" in flat


def test_policy_test_cli_runs_the_kyverno_engine(env: Env, keyless_images: dict[str, str]) -> None:
    policy = env.root / "kyverno.yaml"
    policy.write_text(textwrap.dedent(keyless_policy(env)))
    ok = env.sigstack(
        "policy", "test", "--policy", str(policy), "--image", keyless_images["signed"]
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    denied = env.sigstack(
        "policy", "test", "--policy", str(policy), "--image", keyless_images["unsigned"]
    )
    assert denied.returncode == 1, denied.stdout + denied.stderr
    assert 'admission webhook "mutate.kyverno.svc-fail" denied the request:' in denied.stdout
    assert "was blocked due to the following policies" in denied.stdout
    assert ".attestors[0].entries[0].keyless: no signatures found" in " ".join(
        denied.stdout.split()
    )
    # A whole resource: the Pod's namespace is excluded by the policy.
    pod = env.root / "pod.yaml"
    pod.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "kube-system"},
        "spec": {"containers": [{"name": "c", "image": keyless_images["unsigned"]}]},
    }))  # fmt: skip
    excluded = env.sigstack("policy", "test", "--policy", str(policy), "--resource", str(pod))
    assert excluded.returncode == 0, excluded.stdout + excluded.stderr
    pod.write_text(pod.read_text().replace("kube-system", "default"))
    denied = env.sigstack("policy", "test", "--policy", str(policy), "--resource", str(pod))
    assert denied.returncode == 1, denied.stdout + denied.stderr
    assert "resource Pod/default/p was blocked due to the following policies" in denied.stdout
