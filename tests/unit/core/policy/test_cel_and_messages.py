"""CEL attestation policies, and the webhook's exact texts (oci-and-policy.md §3.5)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sigstack.core.policy import decision as msg
from sigstack.core.policy.cel import compile_cel, statement_variables
from sigstack.errors import FormatError

DIGEST = "sha256:" + "c9" * 32
IMAGE = f"ghcr.io/mganter/cosign-policy-controller-test@{DIGEST}"

VULN = {
    "_type": "https://in-toto.io/Statement/v0.1",
    "predicateType": "https://cosign.sigstore.dev/attestation/vuln/v1",
    "subject": [{"name": "app", "digest": {"sha256": "c9" * 32}}],
    "predicate": {"scanner": {"uri": "trivy", "result": {"summary": {"CRITICAL": 0, "HIGH": 2}}}},
}


def test_cel_over_a_statement() -> None:
    ok = compile_cel("predicate.scanner.result.summary.CRITICAL == 0")
    assert ok.evaluate(statement_variables(VULN)) is None
    strict = compile_cel("predicate.scanner.result.summary.HIGH == 0")
    assert strict.evaluate(statement_variables(VULN)) == (
        "the expression 'predicate.scanner.result.summary.HIGH == 0' is false"
    )
    typed = compile_cel(
        "predicateType == 'https://cosign.sigstore.dev/attestation/vuln/v1' && "
        "subject.exists(s, s.digest.sha256.startsWith('c9')) && statement._type != ''"
    )
    assert typed.evaluate(statement_variables(VULN)) is None


def test_cel_errors_are_failures_not_passes() -> None:
    missing = compile_cel("predicate.nothing.here == 0")
    reason = missing.evaluate(statement_variables(VULN))
    assert reason is not None and reason.startswith("evaluation error: ")
    number = compile_cel("1 + 1")
    assert number.evaluate({}) == "expected the expression to be a boolean, found IntType(2)"


def test_cel_syntax_error_is_a_load_error() -> None:
    with pytest.raises(
        FormatError, match=r"^f.yaml:3:9: expected a CEL expression, found a syntax error"
    ):
        compile_cel("predicate. ==", "f.yaml:3:9")


def test_cel_is_imported_lazily() -> None:
    code = (
        "import sys; import sigstack.core.policy.cel, sigstack.core.policy.loader, sigstack.policy.cip;"
        "print('celpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_policy_failure_renders_like_the_webhook() -> None:
    cause = msg.authority_error("signature", "keyless", "authority-0", IMAGE, "no signatures found")
    error = msg.policy_failure(
        "cip-key-secret", "spec.template.spec.containers[0].image", IMAGE, [cause]
    )
    assert msg.denial([error]) == (
        "validation failed: failed policy: cip-key-secret: spec.template.spec.containers[0].image\n"
        f"{IMAGE} signature keyless validation failed for authority authority-0 for {IMAGE}: "
        "no signatures found"
    )


def test_no_match_and_digest_texts() -> None:
    assert msg.denial([msg.no_match("spec.containers[0].image", "x@" + DIGEST)]) == (
        f"validation failed: no matching policies: spec.containers[0].image\nx@{DIGEST}"
    )
    assert msg.warnings_of([msg.no_match("spec.containers[0].image", "x@" + DIGEST)]) == [
        "no matching policies: spec.containers[0].image",
        f"x@{DIGEST}",
    ]
    assert msg.denial([msg.not_a_digest("spec.containers[0].image", "nginx:latest")]) == (
        "validation failed: invalid value: nginx:latest must be an image digest: "
        "spec.containers[0].image"
    )


def test_merge_and_order() -> None:
    a = msg.no_match("spec.containers[1].image", "same")
    b = msg.no_match("spec.containers[0].image", "same")
    c = msg.not_a_digest("spec.initContainers[0].image", "nginx")
    assert msg.render([a, c, b]) == (
        "invalid value: nginx must be an image digest: spec.initContainers[0].image\n"
        "no matching policies: spec.containers[0].image, spec.containers[1].image\nsame"
    )
    two = msg.policy_failure("p", "spec.containers[0].image", "img", ["e1", "e2"])
    assert msg.render([two]) == "failed policy: p: spec.containers[0].image\nimg e1 e2"


def test_other_texts() -> None:
    assert msg.static_failure("no way") == "disallowed by static policy: no way"
    assert msg.no_matching_attestation_type("https://x", ["https://a", "https://b"]) == (
        "no matching attestations with type https://x, checked the following predicateTypes: "
        '"https://a,https://b"'
    )
    assert msg.attestation_policy_error("cel", "vuln", "bad") == (
        "failed evaluating cel policy for vuln: failed to evaluate the policy with error: bad"
    )
    assert msg.cip_policy_error("cel", "bad") == (
        "failed evaluating cel policy for ClusterImagePolicy: bad"
    )
