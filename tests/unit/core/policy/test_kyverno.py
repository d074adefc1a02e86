"""Kyverno ClusterPolicy/Policy reading, matching, auto-gen and denial text (oci-and-policy.md §4)."""

from __future__ import annotations

import textwrap

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.policy.kyverno import (
    KyvernoPolicy,
    Resource,
    parse_policies,
    parse_policy,
    render_denial,
    resource_id,
)
from sigstack.core.policy.yaml_load import load_documents
from sigstack.errors import FormatError


def pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


KEYLESS = """\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: check-image
spec:
  validationFailureAction: Enforce
  rules:
  - name: check-image
    match:
      any:
      - resources:
          kinds: [Pod]
    exclude:
      any:
      - resources:
          namespaces: [kube-system]
    verifyImages:
    - imageReferences: ["ghcr.io/org/*"]
      skipImageReferences: ["ghcr.io/org/trusted/*"]
      attestors:
      - entries:
        - keyless:
            subject: me@example.com
            issuer: https://issuer.example
            rekor: {url: https://rekor.example, ignoreTlog: false}
            ctlog: {ignoreSCT: false}
"""


def load(text: str, source: str = "policy.yaml") -> KyvernoPolicy:
    return parse_policy(load_documents(textwrap.dedent(text), source)[0])


def refused(text: str) -> str:
    with pytest.raises(FormatError) as info:
        load(text)
    return str(info.value)


def pod(namespace: str | None = "default", **extra: object) -> Resource:
    return Resource(kind="Pod", api_version="v1", namespace=namespace, name="x", **extra)  # type: ignore[arg-type]


def test_keyless_policy_and_defaults() -> None:
    policy = load(KEYLESS)
    assert (policy.kind, policy.name, policy.namespace, policy.failure_action) == (
        "ClusterPolicy", "check-image", None, "Enforce"
    )  # fmt: skip
    assert [r.name for r in policy.rules] == [
        "check-image", "autogen-check-image", "autogen-cronjob-check-image"
    ]  # fmt: skip
    verification = policy.rules[0].verify_images[0]
    assert (verification.mutate_digest, verification.verify_digest, verification.required) == (
        True,
        True,
        True,
    )
    assert verification.type == "Cosign" and verification.use_cache
    keyless = verification.attestors[0].entries[0].keyless
    assert keyless is not None and keyless.subject == "me@example.com"
    assert verification.attestors[0].required_count == 1
    assert verification.applies_to("ghcr.io/org/app:v1")
    assert not verification.applies_to("ghcr.io/org/trusted/app:v1")
    assert not verification.applies_to("docker.io/nginx:latest")


def test_match_exclude_and_autogen_kinds() -> None:
    rules = {r.name: r for r in load(KEYLESS).rules}
    assert rules["check-image"].applies(pod())
    assert not rules["check-image"].applies(pod("kube-system"))  # excluded by namespace
    deployment = Resource("Deployment", "apps/v1", "default", "web")
    cron = Resource("CronJob", "batch/v1", "default", "nightly")
    assert not rules["check-image"].applies(deployment)
    assert rules["autogen-check-image"].applies(deployment)
    assert not rules["autogen-check-image"].applies(
        Resource("Deployment", "apps/v1", "kube-system", "w")
    )
    assert rules["autogen-cronjob-check-image"].applies(cron)
    assert not rules["autogen-check-image"].applies(cron)


def test_autogen_annotation_and_blockers() -> None:
    none = KEYLESS.replace(
        "  name: check-image\nspec:",
        "  name: check-image\n  annotations:\n    pod-policies.kyverno.io/autogen-controllers: none\nspec:",
    )
    assert [r.name for r in load(none).rules] == ["check-image"]
    some = none.replace(": none", ": Deployment,StatefulSet")
    assert [r.name for r in load(some).rules] == ["check-image", "autogen-check-image"]
    named = KEYLESS.replace("kinds: [Pod]", "kinds: [Pod]\n          names: [web-*]")
    assert [r.name for r in load(named).rules] == ["check-image"]
    bad = none.replace(": none", ": Deployment,Pod")
    assert "found 'Pod'" in refused(bad)


@pytest.mark.parametrize(
    ("kinds", "resource", "expected"),
    [
        ("[Pod]", Resource("Pod", "v1", "d", "x"), True),
        ("[v1/Pod]", Resource("Pod", "v1", "d", "x"), True),
        ("[v2/Pod]", Resource("Pod", "v1", "d", "x"), False),
        ("[apps/v1/Deployment]", Resource("Deployment", "apps/v1", "d", "x"), True),
        ("[apps/v1/Deployment]", Resource("Deployment", "extensions/v1", "d", "x"), False),
        ("['apps/*/Deploy*']", Resource("Deployment", "apps/v1", "d", "x"), True),
        ("[Deployment, StatefulSet]", Resource("StatefulSet", "apps/v1", "d", "x"), True),
    ],
)
def test_kinds(kinds: str, resource: Resource, expected: bool) -> None:
    policy = load(KEYLESS.replace("kinds: [Pod]", f"kinds: {kinds}"))
    assert policy.rules[0].applies(resource) is expected


def test_selectors_and_all() -> None:
    text = KEYLESS.replace(
        "      any:\n      - resources:\n          kinds: [Pod]\n",
        "      all:\n      - resources:\n          kinds: [Pod]\n"
        "          selector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: NotIn, values: [test]}]}\n"
        "      - resources:\n          namespaceSelector: {matchExpressions: [{key: env, operator: Exists}]}\n",
    )
    rule = load(text).rules[0]
    assert [r.name for r in load(text).rules] == ["check-image"]  # a selector blocks auto-gen
    good = pod(labels={"app": "web"}, namespace_labels={"env": "prod"})
    assert rule.applies(good)
    assert not rule.applies(
        pod(labels={"app": "web", "tier": "test"}, namespace_labels={"env": "prod"})
    )
    assert not rule.applies(pod(labels={"app": "web"}))
    assert not rule.applies(pod(labels={"app": "db"}, namespace_labels={"env": "prod"}))


def test_policy_is_namespaced() -> None:
    text = KEYLESS.replace("kind: ClusterPolicy", "kind: Policy").replace(
        "  name: check-image\nspec:", "  name: check-image\n  namespace: team\nspec:"
    )
    policy = load(text)
    assert policy.namespace == "team"
    assert policy.applies_to_namespace("team") and not policy.applies_to_namespace("default")


def test_several_public_keys_become_entries() -> None:
    keys = pem() + pem()
    block = textwrap.indent(keys, " " * 14)
    text = KEYLESS.replace(
        "        - keyless:\n            subject: me@example.com\n            issuer: https://issuer.example\n"
        "            rekor: {url: https://rekor.example, ignoreTlog: false}\n            ctlog: {ignoreSCT: false}\n",
        f"        - keys:\n            publicKeys: |-\n{block}\n            rekor: {{ignoreTlog: true}}\n"
        "            ctlog: {ignoreSCT: true}\n",
    )
    attestors = load(text).rules[0].verify_images[0].attestors[0]
    assert len(attestors.entries) == 2 and attestors.required_count == 2
    assert attestors.entries[0].content != attestors.entries[1].content
    assert all(e.sub_path == ".keys" for e in attestors.entries)
    counted = text.replace(
        "      - entries:\n        - keys:", "      - count: 1\n        entries:\n        - keys:"
    )
    assert load(counted).rules[0].verify_images[0].attestors[0].required_count == 1


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ("kind: ClusterPolicy", "kind: ImagePolicy", "kind: expected one of ClusterPolicy|Policy"),
        (
            "apiVersion: kyverno.io/v1",
            "apiVersion: kyverno.io/v3",
            "apiVersion: expected one of kyverno.io/v1|kyverno.io/v2beta1",
        ),
        (
            "    - imageReferences:",
            "    - type: Notary\n      imageReferences:",
            "Notary signatures are not supported by sigstack",
        ),
        (
            "  validationFailureAction: Enforce",
            "  validationFailureAction: Audit",
            "mutateDigest: false with the Audit failure action",
        ),
        (
            "  validationFailureAction: Enforce",
            "  validationFailureAction: Block",
            "validationFailureAction: expected one of Enforce|Audit",
        ),
        (
            "            subject: me@example.com",
            "            subject: me@example.com\n            subjectRegExp: '.*'",
            "either subject or subjectRegExp, not both",
        ),
        (
            "            subject: me@example.com",
            "            subjectRegExp: '('",
            "subjectRegExp: expected a valid regular expression",
        ),
        (
            "      - entries:",
            "      - count: 2\n        entries:",
            "count: expected a count of at most 1",
        ),
        (
            "        - keyless:",
            "        - certificates: {cert: x}\n          keyless:",
            "a certificates attestor is not supported",
        ),
        (
            "            ctlog: {ignoreSCT: false}",
            "            ctlog: {ignoreSCT: nope}",
            "ignoreSCT: expected true or false",
        ),
        (
            '    - imageReferences: ["ghcr.io/org/*"]',
            '    - imageReference: ["ghcr.io/org/*"]',
            "found the key 'imageReference'",
        ),
        (
            "    verifyImages:",
            "    validate: {message: x}\n    verifyImages:",
            "exactly one of validate, mutate, generate, verifyImages, found validate, verifyImages",
        ),
        (
            "    verifyImages:",
            "    preconditions: {all: []}\n    verifyImages:",
            "preconditions in a verifyImages rule is not supported",
        ),
        (
            "      any:\n      - resources:\n          kinds: [Pod]",
            "      resources:\n        kinds: [Pod]\n      any: []",
            "either resources or any/all, not both",
        ),
    ],
)
def test_schema_errors_name_file_path_expected_found(old: str, new: str, reason: str) -> None:
    assert old in KEYLESS
    text = refused(KEYLESS.replace(old, new, 1))
    assert text.startswith("policy.yaml:"), text
    assert reason in text, text


def test_error_position_points_at_the_line() -> None:
    text = refused(KEYLESS.replace("subject: me@example.com", "subject: [me]"))
    assert text.startswith(
        "policy.yaml:23:22: spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.subject: expected a string, found a list"
    ), text


def test_bad_public_key_refused() -> None:
    text = KEYLESS.replace(
        "        - keyless:\n            subject: me@example.com\n            issuer: https://issuer.example\n",
        "        - keys:\n            publicKeys: k8s://ns/secret\n          keyless:\n            subject: me@example.com\n            issuer: https://issuer.example\n",
    )
    assert "exactly one of keys, keyless, attestor, found keys, keyless" in refused(text)
    only = KEYLESS.replace(
        "        - keyless:\n            subject: me@example.com\n            issuer: https://issuer.example\n"
        "            rekor: {url: https://rekor.example, ignoreTlog: false}\n            ctlog: {ignoreSCT: false}\n",
        "        - keys:\n            publicKeys: k8s://ns/secret\n",
    )
    assert "a key reference (k8s://, KMS) is not supported" in refused(only)
    garbage = only.replace("k8s://ns/secret", "not a key")
    assert "publicKeys: expected one or more PEM public keys" in refused(garbage)


def test_attestations_need_type_and_attestors() -> None:
    base = (
        KEYLESS.replace(
            "      attestors:\n      - entries:",
            "      attestations:\n      - type: https://example.com/vuln/v1\n        conditions:\n"
            "        - all: [{key: '{{ a }}', operator: Equals, value: 1}]\n        attestors:\n        - entries:",
        )
        .replace(
            "        - keyless:\n            subject", "          - keyless:\n              subject"
        )
        .replace(
            "            issuer: https://issuer.example\n            rekor: {url: https://rekor.example, ignoreTlog: false}\n            ctlog: {ignoreSCT: false}\n",
            "              issuer: https://issuer.example\n",
        )
    )
    attestation = load(base).rules[0].verify_images[0].attestations[0]
    assert attestation.type == "https://example.com/vuln/v1" and len(attestation.conditions) == 1
    legacy = load(base.replace("      - type:", "      - predicateType:"))
    assert legacy.rules[0].verify_images[0].attestations[0].type == "https://example.com/vuln/v1"
    assert "found missing type" in refused(
        base.replace("      - type: https://example.com/vuln/v1\n", "      - name: x\n")
    )
    assert "found no attestors" in refused(base.split("        attestors:\n")[0])


def test_parse_policies_refuses_other_documents() -> None:
    documents = load_documents(
        KEYLESS + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "many.yaml"
    )
    with pytest.raises(
        FormatError, match=r"many\.yaml:.*expected a Kyverno ClusterPolicy or Policy"
    ):
        parse_policies(documents)
    assert len(parse_policies(documents[:1])) == 1


def test_non_image_rules_are_kept_aside() -> None:
    text = (
        KEYLESS
        + "  - name: labels\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {message: m, pattern: {metadata: {labels: {app: '?*'}}}}\n"
    )
    policy = load(text)
    assert policy.other_rules == ("labels",)
    assert "labels" not in [r.name for r in policy.rules]


def test_denial_text_is_kyvernos() -> None:
    # oci-and-policy.md §4.3: the exact shape, folded at 80 columns by the YAML marshaller.
    message = render_denial(
        resource_id("Pod", "default", "unsigned"),
        {
            "check-image": {
                "check-image": "failed to verify image ghcr.io/kyverno/test-verify-image:unsigned: .attestors[0].entries[0].keys: no signatures found"
            }
        },
    )
    assert message == (
        "\n\nresource Pod/default/unsigned was blocked due to the following policies\n\n"
        "check-image:\n"
        "  check-image: 'failed to verify image ghcr.io/kyverno/test-verify-image:unsigned:\n"
        "    .attestors[0].entries[0].keys: no signatures found'\n"
    )
    assert resource_id("Namespace", None, "n") == "Namespace/n"
