"""ClusterImagePolicy / TrustRoot reading (oci-and-policy.md §3.1): defaults, validation,
and schema errors that point at ``file:line:column``."""

from __future__ import annotations

import base64
import textwrap
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sigstack.core.policy.cip import DEFAULT_FULCIO
from sigstack.core.policy.loader import load_policies
from sigstack.errors import FormatError, UnsupportedError

KEY = ec.generate_private_key(ec.SECP256R1())
PEM = (
    KEY.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def load(text: str, name: str = "p.yaml"):  # type: ignore[no-untyped-def]
    return load_policies([(name, textwrap.dedent(text))])


def cip(spec: str, name: str = "p") -> str:
    body = textwrap.indent(textwrap.dedent(spec), "  ")
    return (
        "apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\n"
        f"metadata:\n  name: {name}\nspec:\n{body}"
    )


KEYLESS = """\
images:
- glob: "registry.example/**"
authorities:
- keyless:
    identities:
    - issuer: https://issuer.example
      subjectRegExp: "^.*@example.com$"
- name: by-key
  key:
    data: |
{key}
- static:
    action: fail
    message: no way
""".format(key=textwrap.indent(PEM, "      "))


def test_defaults_and_fields() -> None:
    policies = load(cip(KEYLESS))
    (policy,) = policies.cluster_image_policies
    assert policy.name == "p" and policy.mode == "enforce"
    assert policy.images == ("registry.example/**",)
    keyless, keyed, static = policy.authorities
    assert keyless.name == "authority-0" and keyed.name == "by-key" and static.name == "authority-2"
    assert keyless.keyless is not None and keyless.keyless.url == DEFAULT_FULCIO
    assert keyless.keyless.identities[0].subject_regexp == "^.*@example.com$"
    assert (
        keyed.key is not None
        and keyed.key.data is not None
        and keyed.key.hash_algorithm == "sha256"
    )
    assert static.static is not None and static.static.action == "fail"
    assert static.static.message == "no way"
    assert policy.where == "p.yaml:1:1"


def test_v1alpha1_and_multiple_documents() -> None:
    text = cip(KEYLESS, "one") + "---\n" + cip(KEYLESS, "two").replace("v1beta1", "v1alpha1")
    names = [c.name for c in load(text).cluster_image_policies]
    assert names == ["one", "two"]
    second = load(text).cluster_image_policies[1]
    assert second.where.startswith("p.yaml:") and int(second.where.split(":")[1]) > 20


def expect_error(text: str, pattern: str, error: type[Exception] = FormatError) -> str:
    with pytest.raises(error) as info:
        load(text)
    message = str(info.value)
    assert pattern in message, message
    return message


def test_unknown_key_points_at_its_line() -> None:
    text = cip("images:\n- glob: '**'\nauthorities:\n- static: {action: pass}\nmodee: warn\n")
    message = expect_error(text, "found the key 'modee'")
    assert message.startswith("p.yaml:10:3: spec: expected one of the keys [")


def test_wrong_type_says_expected_and_found() -> None:
    text = cip("images: '**'\nauthorities:\n- static: {action: pass}\n")
    expect_error(text, "p.yaml:6:11: spec.images: expected a list, found the string '**'")


def test_missing_images_and_authorities() -> None:
    expect_error(
        cip("authorities:\n- static: {action: pass}\n"), "spec.images with at least one glob"
    )
    expect_error(cip("images: [{glob: '**'}]\n"), "spec.authorities with at least one authority")


def test_exactly_one_of_key_keyless_static() -> None:
    spec = "images: [{glob: '**'}]\nauthorities:\n- static: {action: pass}\n  key: {data: x}\n"
    expect_error(
        cip(spec),
        "spec.authorities[0]: expected exactly one of key|keyless|static, found both of key and static",
    )
    expect_error(cip("images: [{glob: '**'}]\nauthorities:\n- name: a\n"), "found none of them")


def test_static_cannot_have_attestations() -> None:
    spec = """\
    images: [{glob: '**'}]
    authorities:
    - static: {action: pass}
      attestations: [{name: a, predicateType: https://x}]
    """
    expect_error(cip(spec), "attestations with a static authority")


def test_identity_rules() -> None:
    base = "images: [{glob: '**'}]\nauthorities:\n- keyless:\n    identities:\n    - %s\n"
    expect_error(cip(base % "{issuer: a}"), "expected subject or subjectRegExp, found neither")
    expect_error(
        cip(base % "{issuer: a, issuerRegExp: b, subject: c}"),
        "expected issuer or issuerRegExp, found both",
    )
    expect_error(
        cip(base % "{issuer: a, subjectRegExp: '(unclosed'}"), "expected a valid regular expression"
    )
    expect_error(
        cip("images: [{glob: '**'}]\nauthorities:\n- keyless: {url: https://f}\n"),
        "at least one identity",
    )


def test_insecure_ignore_sct_is_a_warning() -> None:
    spec = "images: [{glob: '**'}]\nauthorities:\n- keyless:\n    insecureIgnoreSCT: true\n    identities: [{issuer: a, subject: b}]\n"
    (warning,) = load(cip(spec)).warnings
    assert warning.startswith("p.yaml:9:26: insecureIgnoreSCT is not honoured")


def test_mode_and_glob_validation() -> None:
    expect_error(
        cip("images: [{glob: '**'}]\nmode: audit\nauthorities:\n- static: {action: pass}\n"),
        "spec.mode: expected one of enforce|warn, found the string 'audit'",
    )
    expect_error(
        cip("images: [{glob: 'a b'}]\nauthorities:\n- static: {action: pass}\n"),
        "spec.images[0].glob: expected a valid glob",
    )


ATTESTATION = """\
images: [{glob: '**'}]
authorities:
- keyless:
    identities: [{issuer: a, subject: b}]
  attestations:
  - name: vuln
    predicateType: https://cosign.sigstore.dev/attestation/vuln/v1
    policy:
      type: %s
      data: %s
"""


def test_cel_attestation_policy_is_compiled_at_load() -> None:
    policy = load(cip(ATTESTATION % ("cel", "'predicate.scanner.result.summary.CRITICAL == 0'")))
    attestation = policy.cluster_image_policies[0].authorities[0].attestations[0]
    assert attestation.policy is not None and attestation.policy.type == "cel"
    assert attestation.policy.where == "p.yaml:15:15"
    message = expect_error(
        cip(ATTESTATION % ("cel", "'predicate.x =='")),
        "expected a CEL expression, found a syntax error",
    )
    assert message.startswith("p.yaml:15:15: attestation vuln:")


@pytest.mark.parametrize("language", ["cue", "rego"])
def test_cue_and_rego_are_refused_not_passed(language: str) -> None:
    message = expect_error(
        cip(ATTESTATION % (language, "x")),
        f"policy type {language!r} is not supported",
        UnsupportedError,
    )
    assert message.startswith("p.yaml:14:15: spec.authorities[0].attestations[0].policy.type:")


def test_remote_policy_and_kms_are_refused() -> None:
    spec = ATTESTATION.replace("      data: %s\n", "      url: https://example/p.cel\n") % "cel"
    expect_error(cip(spec), "only inline policy data is supported, found url", UnsupportedError)
    kms = "images: [{glob: '**'}]\nauthorities:\n- key: {kms: 'gcpkms://x'}\n"
    expect_error(cip(kms), "KMS keys are not supported", UnsupportedError)
    both = "images: [{glob: '**'}]\nauthorities:\n- key: {kms: 'gcpkms://x', data: y}\n"
    expect_error(cip(both), "expected exactly one of data|secretRef|kms")


def test_cip_level_cel_policy() -> None:
    spec = (
        KEYLESS + "policy:\n  type: cel\n  includeSpec: true\n  data: size(authorityMatches) > 0\n"
    )
    policy = load(cip(spec)).cluster_image_policies[0].policy
    assert (
        policy is not None and policy.include_spec and policy.data == "size(authorityMatches) > 0"
    )


def test_bundle_format_needs_keyless() -> None:
    spec = "images: [{glob: '**'}]\nauthorities:\n- key: {secretRef: {name: s}}\n  signatureFormat: bundle\n"
    expect_error(cip(spec), "when using the new bundle format, the authority must be keyless")


def test_source_and_tag_prefix() -> None:
    spec = "images: [{glob: '**'}]\nauthorities:\n- key: {secretRef: {name: s}}\n  source: [{oci: 'registry.example/sigs'}]\n"
    authority = load(cip(spec)).cluster_image_policies[0].authorities[0]
    assert authority.sources[0].oci == "registry.example/sigs"
    assert authority.key is not None and authority.key.secret_ref == "s"
    expect_error(
        cip(spec.replace("sigs'}]", "sigs', tagPrefix: p-}]")),
        "tagPrefix is not supported",
        UnsupportedError,
    )


def test_unknown_kind_and_yaml_syntax() -> None:
    expect_error(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        "p.yaml:1:1: expected a policy document of kind ClusterImagePolicy, TrustRoot, ClusterPolicy, Policy, found kind 'ConfigMap'",
    )
    expect_error("a: [1, 2\nb: 3\n", "p.yaml:2:2: not valid YAML")


def test_kyverno_documents_are_kept_for_their_engine() -> None:
    text = (
        cip(KEYLESS)
        + "---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: k}\nspec: {}\n"
    )
    policies = load(text)
    assert len(policies.cluster_image_policies) == 1
    assert [d.kind for d in policies.kyverno] == ["ClusterPolicy"]


def test_duplicate_names_and_missing_trust_root() -> None:
    expect_error(cip(KEYLESS) + "---\n" + cip(KEYLESS), "expected one ClusterImagePolicy named 'p'")
    spec = KEYLESS.replace("- keyless:\n", "- keyless:\n    trustRootRef: mine\n")
    expect_error(cip(spec), "expected a TrustRoot named 'mine', found no TrustRoot")


def _ca() -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sigstack"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "test root")])  # fmt: skip
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(KEY.public_key()).serial_number(1)
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(KEY, hashes.SHA256())
    )  # fmt: skip


def test_trust_root_sigstore_keys_become_a_trusted_root() -> None:
    chain = base64.b64encode(_ca().public_bytes(serialization.Encoding.PEM)).decode()
    key = base64.b64encode(PEM.encode()).decode()
    text = f"""\
    apiVersion: policy.sigstore.dev/v1alpha1
    kind: TrustRoot
    metadata: {{name: mine}}
    spec:
      sigstoreKeys:
        certificateAuthorities:
        - {{subject: {{organization: sigstack, commonName: test}}, uri: https://ca.example, certChain: {chain}}}
        tLogs:
        - {{baseURL: https://rekor.example, hashAlgorithm: sha-256, publicKey: {key}}}
        ctLogs:
        - {{baseURL: https://ct.example, hashAlgorithm: sha-256, publicKey: {key}}}
    """
    spec = load(text).trust_roots["mine"]
    root = spec.trusted_root()
    assert root.certificate_authorities[0].uri == "https://ca.example"
    assert root.tlogs[0].base_url == "https://rekor.example"
    assert root.ctlogs[0].base_url == "https://ct.example"
    assert len(spec.version) == 64
    v2_id = bytes(range(32))
    with_id = text.replace(
        "publicKey: " + key + "}\n        ctLogs",
        "publicKey: " + key + ", logID: " + base64.b64encode(v2_id).decode() + "}\n        ctLogs",
    )
    assert with_id != text
    v2 = load(with_id).trust_roots["mine"]
    (log,) = v2.trusted_root().tlogs
    assert log.log_id == v2_id and log.checkpoint_key_id == v2_id
    assert v2.version != spec.version
    remote = "apiVersion: policy.sigstore.dev/v1alpha1\nkind: TrustRoot\nmetadata: {name: r}\nspec:\n  remote: {mirror: https://tuf.example, root: eA==}\n"
    with pytest.raises(UnsupportedError, match="the remote \\(TUF\\) form needs a TUF client"):
        load(remote).trust_roots["r"].trusted_root()
    bad = text.replace(
        f"publicKey: {key}}}\n        ctLogs", "publicKey: notbase64!}\n        ctLogs"
    )
    expect_error(bad, "spec.sigstoreKeys.tLogs[0].publicKey: expected base64 of PEM")
