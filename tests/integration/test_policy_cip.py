"""ClusterImagePolicy admission against a real registry and a live stack (issue #7).

Debian's ``docker-registry`` holds tiny images; ``sigstack up`` is the Sigstore they are
signed and attested with, through the command line as a user would (``sign``, ``sign
--key``, ``attest``). Each decision is taken by ``sigstack policy test`` (a subprocess, as
policy-tester is used: tags accepted and resolved) and, for some, by the engine API the
webhook uses, with the messages of oci-and-policy.md §3.5.
"""

from __future__ import annotations

import base64
import json
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sigstack.clock import utc_now
from sigstack.core.policy.loader import load_policies
from sigstack.policy.cip import ClusterImagePolicyEngine
from sigstack.policy.engine import ImageAt, ResourceContext
from tests.integration._images import ImageEnv, image_env

EMAIL = "admitted@example.com"
VULN = "https://cosign.sigstore.dev/attestation/vuln/v1"
AT = "spec.containers[0].image"


@dataclass
class Env(ImageEnv):
    """The image environment with the images of this module pushed and signed."""

    pub: Path = Path()  # a cosign public key (its private half signed "keyed")
    digests: dict[str, str] = field(default_factory=dict)

    def image(self, repo: str, *, tag: bool = False) -> str:
        host = self.registry.host
        return f"{host}/{repo}:v1" if tag else f"{host}/{repo}@{self.digests[repo]}"

    def policy_file(self, name: str, text: str) -> Path:
        path = self.root / f"{name}.yaml"
        path.write_text(text)
        return path

    def test(self, policy: Path, image: str, *args: str) -> subprocess.CompletedProcess[str]:
        return self.sigstack("policy", "test", "--policy", str(policy), "--image", image, *args)


def _ok(out: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert out.returncode == 0, out.stderr
    return out


def _vuln_predicate(critical: int) -> dict[str, object]:
    return {
        "invocation": {"uri": "", "event_id": "", "builder.id": ""},
        "scanner": {"uri": "pkg:github/aquasecurity/trivy@0.50.0", "version": "0.50.0",
                    "result": {"summary": {"CRITICAL": critical, "HIGH": 1}}},
        "metadata": {"scanStartedOn": "2026-11-22T00:00:00Z",
                     "scanFinishedOn": "2026-11-22T00:01:00Z"},
    }  # fmt: skip


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("policy")
    with image_env(root, EMAIL) as images:
        repos = ["unsigned", "signed", "other-identity", "keyed", "vuln-ok", "vuln-bad"]
        digests = {r: str(images.push(f"policy/{r}", r).digest) for r in repos}
        running = Env(**vars(images), pub=root / "cosign.pub",
                      digests={f"policy/{r}": d for r, d in digests.items()})  # fmt: skip
        host = images.registry.host
        token = running.token()
        _ok(running.sigstack("sign", f"{host}/policy/signed@{digests['signed']}",
                             SIGSTORE_IDENTITY_TOKEN=token))  # fmt: skip
        _ok(running.sigstack(
            "sign", f"{host}/policy/other-identity@{digests['other-identity']}",
            SIGSTORE_IDENTITY_TOKEN=running.token("intruder@example.com"),
        ))  # fmt: skip
        _ok(running.sigstack("generate-key-pair", "--output-key-prefix", str(root / "cosign"),
                             COSIGN_PASSWORD="pw"))  # fmt: skip
        _ok(running.sigstack("sign", f"{host}/policy/keyed@{digests['keyed']}", "--key",
                             str(root / "cosign.key"), COSIGN_PASSWORD="pw"))  # fmt: skip
        for repo, critical in (("vuln-ok", 0), ("vuln-bad", 2)):
            predicate = root / f"{repo}.json"
            predicate.write_text(json.dumps(_vuln_predicate(critical)))
            _ok(running.sigstack(
                "attest", f"{host}/policy/{repo}@{digests[repo]}", "--predicate",
                str(predicate), "--type", VULN, SIGSTORE_IDENTITY_TOKEN=token,
            ))  # fmt: skip
        yield running


def _cip(name: str, spec: str) -> str:
    body = textwrap.indent(textwrap.dedent(spec), "  ")
    return (
        "apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\n"
        f"metadata:\n  name: {name}\nspec:\n{body}"
    )


def _keyless(env: Env, glob: str, extra: str = "") -> str:
    return (
        f'images: [{{glob: "{glob}"}}]\n'
        "authorities:\n"
        "- keyless:\n"
        f"    url: {env.stack.url}\n"
        f"    identities: [{{issuer: '{env.issuer}', subject: '{EMAIL}'}}]\n" + extra
    )


def _json(out: subprocess.CompletedProcess[str]) -> dict[str, object]:
    document = json.loads(out.stdout)
    assert isinstance(document, dict)
    return document


# -- through `sigstack policy test` --------------------------------------------------------


def test_static_pass_admits_a_matching_image(env: Env) -> None:
    host = env.registry.host
    policy = env.policy_file("static", _cip("open", f"images: [{{glob: '{host}/policy/**'}}]\n"
                                                    "authorities:\n- static: {action: pass}\n"))  # fmt: skip
    out = env.test(policy, env.image("policy/unsigned", tag=True))
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1] == "allowed"
    assert "ClusterImagePolicy open (mode enforce):" in out.stdout
    assert "authority-0: passed" in out.stdout


def test_unsigned_image_is_denied_with_no_signatures_found(env: Env) -> None:
    policy = env.policy_file(
        "keyless", _cip("keyless", _keyless(env, f"{env.registry.host}/policy/**"))
    )
    image = env.image("policy/unsigned")
    out = env.test(policy, image, "--json")
    assert out.returncode == 1, out.stderr
    assert _json(out) == {
        "allowed": False,
        "errors": [
            f"validation failed: failed policy: keyless: {AT}\n{image} signature keyless "
            f"validation failed for authority authority-0 for {image}: no signatures found"
        ],
        "warnings": [],
    }


def test_signed_by_the_expected_identity_is_admitted(env: Env) -> None:
    policy = env.policy_file(
        "keyless", _cip("keyless", _keyless(env, f"{env.registry.host}/policy/**"))
    )
    out = env.test(policy, env.image("policy/signed", tag=True), "--json")
    assert out.returncode == 0, out.stdout + out.stderr
    assert _json(out) == {"allowed": True, "errors": [], "warnings": []}


def test_wrong_identity_is_denied_with_the_reason(env: Env) -> None:
    policy = env.policy_file(
        "keyless", _cip("keyless", _keyless(env, f"{env.registry.host}/policy/**"))
    )
    image = env.image("policy/other-identity")
    out = env.test(policy, image)
    assert out.returncode == 1
    assert out.stdout.splitlines()[-1] == "denied"
    assert (
        f'admission webhook "policy.sigstore.dev" denied the request: validation failed: '
        f"failed policy: keyless: {AT}\n{image} signature keyless validation failed for "
        f"authority authority-0 for {image}: no matching signatures: "
    ) in out.stdout
    assert (
        "none of the expected identities matched what was in the certificate, got subjects "
        f"[intruder@example.com] with issuer {env.issuer}"
    ) in out.stdout


def test_non_matching_image_is_denied_with_no_matching_policies(env: Env) -> None:
    policy = env.policy_file("elsewhere", _cip("elsewhere", _keyless(env, "ghcr.io/**")))
    image = env.image("policy/signed")
    out = env.test(policy, image, "--json")
    assert out.returncode == 1
    assert _json(out)["errors"] == [f"validation failed: no matching policies: {AT}\n{image}"]
    warned = env.test(policy, image, "--json", "--no-match-policy", "warn")
    assert warned.returncode == 0
    assert _json(warned)["warnings"] == [f"no matching policies: {AT}", image]


def test_key_authority(env: Env) -> None:
    pem = textwrap.indent(env.pub.read_text(), "      ")
    spec = f"images: [{{glob: '{env.registry.host}/policy/**'}}]\nauthorities:\n- name: team-key\n  key:\n    data: |\n{pem}"
    policy = env.policy_file("keyed", _cip("keyed", spec))
    assert env.test(policy, env.image("policy/keyed", tag=True)).returncode == 0
    image = env.image("policy/signed")  # keyless-signed: not by this key
    out = env.test(policy, image, "--json")
    assert out.returncode == 1
    errors = _json(out)["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    error = str(errors[0])
    assert error.startswith(
        f"validation failed: failed policy: keyed: {AT}\n{image} signature key validation "
        f"failed for authority team-key for {image}: no matching signatures: "
    )


def test_vulnerability_attestation_with_a_cel_condition(env: Env) -> None:
    extra = (
        "  attestations:\n"
        "  - name: no-critical\n"
        f"    predicateType: {VULN}\n"
        "    policy:\n"
        "      type: cel\n"
        "      data: predicate.scanner.result.summary.CRITICAL == 0\n"
    )
    policy = env.policy_file(
        "vuln", _cip("vuln", _keyless(env, f"{env.registry.host}/policy/**", extra))
    )
    ok = env.test(policy, env.image("policy/vuln-ok", tag=True))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    image = env.image("policy/vuln-bad")
    bad = env.test(policy, image, "--json")
    assert bad.returncode == 1
    assert _json(bad)["errors"] == [
        f"validation failed: failed policy: vuln: {AT}\n{image} failed evaluating cel policy for "
        "no-critical: failed to evaluate the policy with error: the expression "
        "'predicate.scanner.result.summary.CRITICAL == 0' is false"
    ]
    unattested = env.image("policy/signed")  # signed, but carries no vulnerability scan
    none = env.test(policy, unattested, "--json")
    assert none.returncode == 1
    errors = _json(none)["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    error = str(errors[0])
    # its only DSSE statement is cosign v3's signature (https://sigstore.dev/cosign/sign/v1)
    assert error == (
        f"validation failed: failed policy: vuln: {AT}\n{unattested} no matching attestations "
        f"with type {VULN}, checked the following predicateTypes: "
        '"https://sigstore.dev/cosign/sign/v1"'
    )


def test_warn_mode_allows_with_warnings(env: Env) -> None:
    spec = "mode: warn\n" + _keyless(env, f"{env.registry.host}/policy/**")
    policy = env.policy_file("warn", _cip("lenient", spec))
    image = env.image("policy/unsigned")
    out = env.test(policy, image)
    assert out.returncode == 0
    assert f"Warning: failed policy: lenient: {AT}" in out.stdout
    assert (
        f"Warning: {image} signature keyless validation failed for authority authority-0 for "
        f"{image}: no signatures found"
    ) in out.stdout
    assert out.stdout.splitlines()[-1] == "allowed"


def test_load_errors_name_the_line(env: Env) -> None:
    spec = (
        _keyless(env, "**")
        + "  attestations:\n  - name: a\n    predicateType: x\n    policy: {type: rego, data: 'allow = true'}\n"
    )
    policy = env.policy_file("rego", _cip("rego", spec))
    out = env.test(policy, env.image("policy/signed"))
    assert out.returncode == 1
    assert out.stderr.startswith(
        f"sigstack: error: {policy}:14:22: spec.authorities[0].attestations[0].policy.type: "
        "policy type 'rego' is not supported by sigstack"
    ), out.stderr


# -- through the engine API (what the webhook calls) ---------------------------------------


def test_engine_api_against_the_registry(env: Env) -> None:
    host = env.registry.host
    text = _cip("keyless", _keyless(env, f"{host}/policy/**")) + "\n---\n" + _cip(
        "open", f"images: [{{glob: '{host}/policy/sig*'}}]\nauthorities:\n- static: {{action: pass}}\n"
    )  # fmt: skip
    policies = load_policies([("inline.yaml", text)])
    trust = env.trusted_root()
    calls: list[object] = []

    def memo(key, compute, *, negative=lambda _: False):  # type: ignore[no-untyped-def]
        calls.append(key)
        return compute()

    engine = ClusterImagePolicyEngine(
        policies.cluster_image_policies,
        registry_factory=lambda _: env.client,
        trust=trust,
        clock=utc_now,
        memo=memo,
    )
    pod = ResourceContext(kind="Pod", api_version="v1", namespace="default", name="p",
                          operation="CREATE")  # fmt: skip
    signed = env.image("policy/signed")
    assert engine.validate([ImageAt(AT, signed)], pod).allowed
    unsigned = env.image("policy/unsigned")
    outcome = engine.validate(
        [ImageAt(AT, signed), ImageAt("spec.containers[1].image", unsigned)], pod
    )
    assert not outcome.allowed
    assert outcome.message == (
        f"validation failed: failed policy: keyless: spec.containers[1].image\n{unsigned} "
        f"signature keyless validation failed for authority authority-0 for {unsigned}: "
        "no signatures found"
    )
    tagged = env.image("policy/signed", tag=True)
    refused = engine.validate([ImageAt(AT, tagged)], pod)
    assert refused.message == (
        f"validation failed: invalid value: {tagged} must be an image digest: {AT}"
    )
    assert calls and all(":v1" not in str(key) for key in calls)


# -- TrustRoot, resources, and Kyverno side by side ---------------------------------------


def _pem(der_b64: str, label: str) -> str:
    body = "\n".join(der_b64[i : i + 64] for i in range(0, len(der_b64), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _trust_root_yaml(env: Env, name: str, *, foreign_ca: bool = False) -> str:
    """The stack's trusted root as a TrustRoot ``sigstoreKeys`` document (§3.1)."""
    root = json.loads((env.stack.data_dir / "trust_config.json").read_text())["trustedRoot"]
    cas = []
    for ca in root["certificateAuthorities"]:
        chain = "".join(_pem(c["rawBytes"], "CERTIFICATE") for c in ca["certChain"]["certificates"])
        if foreign_ca:
            chain = _foreign_ca()
        cas.append(f"    - {{uri: '{ca['uri']}', certChain: {_b64(chain)}}}\n")

    tsas = []
    for tsa in root.get("timestampAuthorities", []):
        chain = "".join(
            _pem(c["rawBytes"], "CERTIFICATE") for c in tsa["certChain"]["certificates"]
        )
        tsas.append(f"    - {{uri: '{tsa['uri']}', certChain: {_b64(chain)}}}\n")

    def logs(entries: list[dict[str, object]]) -> str:
        out = []
        for log in entries:
            key = _pem(log["publicKey"]["rawBytes"], "PUBLIC KEY")  # type: ignore[index]
            log_id = log["logId"]["keyId"]  # type: ignore[index]
            out.append(f"    - {{baseURL: '{log['baseUrl']}', hashAlgorithm: sha-256, "
                       f"publicKey: {_b64(key)}, logID: '{log_id}'}}\n")  # fmt: skip
        return "".join(out)

    return (
        "apiVersion: policy.sigstore.dev/v1alpha1\nkind: TrustRoot\n"
        f"metadata: {{name: {name}}}\nspec:\n  sigstoreKeys:\n"
        "    certificateAuthorities:\n" + "".join(cas)
        + "    tLogs:\n" + logs(root["tlogs"]) + "    ctLogs:\n" + logs(root["ctlogs"])
        + "    timestampAuthorities:\n" + "".join(tsas)
    )  # fmt: skip


def _foreign_ca() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone else's CA")])
    now = utc_now()
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(7)
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_keyless_with_a_trust_root_ref(env: Env) -> None:
    spec = _keyless(env, f"{env.registry.host}/policy/**").replace(
        "    url:", "    trustRootRef: ours\n    url:"
    )
    policy = env.policy_file("with-root", _cip("rooted", spec))
    ours = env.policy_file("ours", _trust_root_yaml(env, "ours"))
    image = env.image("policy/signed")
    # no default trust is read: every authority names its TrustRoot
    args = ("--policy", str(ours), "--trusted-root", str(env.root / "missing.json"))
    ok = env.test(policy, image, *args)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    foreign = env.policy_file("foreign", _trust_root_yaml(env, "ours", foreign_ca=True))
    out = env.test(policy, image, "--policy", str(foreign), "--json")
    assert out.returncode == 1, out.stderr
    errors = _json(out)["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    assert str(errors[0]).startswith(
        f"validation failed: failed policy: rooted: {AT}\n{image} signature keyless validation "
        f"failed for authority authority-0 for {image}: no matching signatures: "
    )


def test_resource_images_at_their_podspec_paths(env: Env) -> None:
    policy = env.policy_file(
        "keyless", _cip("keyless", _keyless(env, f"{env.registry.host}/policy/**"))
    )
    signed, unsigned = env.image("policy/signed"), env.image("policy/unsigned", tag=True)
    deployment = env.root / "deployment.yaml"
    deployment.write_text(textwrap.dedent(f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: web, namespace: shop, labels: {{app: web}}}}
        spec:
          replicas: 1
          template:
            spec:
              initContainers: [{{name: init, image: "{signed}"}}]
              containers: [{{name: web, image: "{unsigned}"}}]
        """))  # fmt: skip
    out = env.sigstack(
        "policy", "test", "--policy", str(policy), "--resource", str(deployment), "--json"
    )
    assert out.returncode == 1, out.stderr
    pinned = f"{unsigned}@{env.digests['policy/unsigned']}"
    assert _json(out)["errors"] == [
        f"validation failed: failed policy: keyless: spec.template.spec.containers[0].image\n"
        f"{pinned} signature keyless validation failed for authority authority-0 for "
        f"{env.image('policy/unsigned')}: no signatures found"
    ]


def test_kyverno_and_cluster_image_policies_in_one_file(env: Env) -> None:
    host = env.registry.host
    kyverno = textwrap.dedent(f"""\
        apiVersion: kyverno.io/v1
        kind: ClusterPolicy
        metadata: {{name: signed-images}}
        spec:
          validationFailureAction: Enforce
          rules:
          - name: verify
            match:
              any:
              - resources: {{kinds: [Pod]}}
            verifyImages:
            - imageReferences: ["{host}/policy/*"]
              mutateDigest: false
              attestors:
              - entries:
                - keyless:
                    subject: "{EMAIL}"
                    issuer: "{env.issuer}"
        """)  # fmt: skip
    static = _cip(
        "open",
        f"images: [{{glob: '{host}/policy/**'}}]\nauthorities:\n- static: {{action: pass}}\n",
    )
    policy = env.policy_file("mixed", static + "\n---\n" + kyverno)
    ok = env.test(policy, env.image("policy/signed"), "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    denied = env.test(policy, env.image("policy/unsigned"))
    assert denied.returncode == 1
    assert 'admission webhook "mutate.kyverno.svc-fail" denied the request' in denied.stdout
    assert 'admission webhook "policy.sigstore.dev"' not in denied.stdout
