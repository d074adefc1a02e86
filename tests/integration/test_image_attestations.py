"""``sigstack attest`` / ``verify-attestation`` / ``attach sbom`` / ``triangulate`` / ``tree``
against a real registry and a live stack.

The registry is Debian's ``docker-registry`` (distribution 2.8: no referrers API, so
referrers live under the ``sha256-<hex>`` referrers tag); the stack is ``sigstack up``.
Images are built here and pushed with our registry client; everything else goes through the
command line as a user would (oci-and-policy.md §1.5, §1.7, §1.8, §2.3). One legacy ``.att``
manifest is assembled by hand from the spec's documented layout (§1.5, §1.2, §1.3).
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack.core.oci import Descriptor, ImageManifest, digest_of
from sigstack.core.oci.digest import Digest
from sigstack.sign import Signer
from tests.integration._images import (
    ImageEnv,
    image_env,
    legacy_manifest_by_hand,
    rekor_bundle_by_hand,
)

EMAIL = "builder@example.com"
SLSA02 = "https://slsa.dev/provenance/v0.2"
PROVENANCE = {
    "builder": {"id": "https://ci.example.com/builder@v1"},
    "buildType": "https://example.com/build/v1",
    "invocation": {"configSource": {"uri": "git+https://example.com/app", "digest": {}}},
}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageEnv]:
    with image_env(tmp_path_factory.mktemp("attest"), EMAIL) as running:
        (running.root / "provenance.json").write_text(json.dumps(PROVENANCE))
        yield running


def _attest(env: ImageEnv, image: str, *args: str) -> subprocess.CompletedProcess[str]:
    out = env.sigstack(
        "attest", image, "--predicate", str(env.root / "provenance.json"), *args,
        SIGSTORE_IDENTITY_TOKEN=env.token(),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out


def _att_tag(digest: Digest) -> str:
    return f"sha256-{digest.encoded}.att"


def _statements(stdout: str) -> list[dict[str, object]]:
    """cosign's stdout: one DSSE envelope JSON per line; their decoded statements."""
    envelopes = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    for envelope in envelopes:
        assert envelope["payloadType"] == "application/vnd.in-toto+json"
    return [json.loads(base64.b64decode(e["payload"])) for e in envelopes]


# -- the story -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["legacy", "bundle"])
def test_attest_slsa_keyless_then_verify_both_formats(env: ImageEnv, fmt: str) -> None:
    repo = f"attest/{fmt}"
    pushed = env.push(repo, f"attest {fmt}")
    image = f"{env.registry.host}/{repo}"
    done = _attest(env, f"{image}:v1", "--type", "slsaprovenance", "--format", fmt)
    assert "uses a tag, not a digest" in done.stderr
    assert f"attested {image}:v1@{pushed.digest} ({fmt}, {SLSA02})" in done.stdout

    # stored as the spec says
    if fmt == "legacy":
        pulled = env.client.get_manifest(repo, _att_tag(pushed.digest))
        assert isinstance(pulled.manifest, ImageManifest)
        (layer,) = pulled.manifest.layers
        assert layer.media_type == "application/vnd.dsse.envelope.v1+json"
        assert layer.annotations["predicateType"] == SLSA02
        assert layer.annotations["dev.cosignproject.cosign/signature"] == ""
        assert "BEGIN CERTIFICATE" in layer.annotations["dev.sigstore.cosign/certificate"]
        rekor = json.loads(layer.annotations["dev.sigstore.cosign/bundle"])
        body = json.loads(base64.b64decode(rekor["Payload"]["body"]))
        assert body["kind"] == "dsse"
    else:
        (entry,) = env.client.referrers(repo, pushed.digest).index.manifests
        referrer = env.client.get_manifest(repo, entry.digest).manifest
        assert referrer.artifact_type == "application/vnd.dev.sigstore.bundle.v0.3+json"
        assert referrer.annotations["dev.sigstore.bundle.predicateType"] == SLSA02
        assert referrer.annotations["dev.sigstore.bundle.content"] == "dsse-envelope"

    ok = env.sigstack("verify-attestation", f"{image}:v1", "--type", "slsaprovenance", *env.who())
    assert ok.returncode == 0, ok.stderr
    assert f"Verification for {image}:v1 --" in ok.stderr
    assert f"The attestations are of predicate type {SLSA02}" in ok.stderr
    (statement,) = _statements(ok.stdout)
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["subject"] == [{"name": image, "digest": {"sha256": pushed.digest.encoded}}]
    assert statement["predicateType"] == SLSA02
    assert statement["predicate"] == PROVENANCE

    as_json = env.sigstack(
        "verify-attestation", f"{image}@{pushed.digest}", "--type", SLSA02, *env.who(),
        "--json",
    )  # fmt: skip
    assert as_json.returncode == 0, as_json.stderr
    (report,) = json.loads(as_json.stdout)
    assert report["format"] == fmt and report["identity"] == EMAIL
    assert report["issuer"] == env.issuer
    assert report["statement"]["predicate"] == PROVENANCE

    wrong_type = env.sigstack(
        "verify-attestation", f"{image}:v1", "--type", "cyclonedx", *env.who()
    )
    assert wrong_type.returncode == 1
    assert (
        "none of the attestations matched the predicate type: https://cyclonedx.org/bom, "
        f"found: {SLSA02}" in wrong_type.stderr
    )

    wrong_who = env.sigstack(
        "verify-attestation", f"{image}:v1", "--type", "slsaprovenance",
        *env.who("mallory@example.com"),
    )  # fmt: skip
    assert wrong_who.returncode == 1
    assert "no matching attestations for image" in wrong_who.stderr
    assert "expected identity 'mallory@example.com'" in wrong_who.stderr


def test_attestation_of_another_image_is_refused(env: ImageEnv) -> None:
    repo = "attest/copied"
    first = env.push(repo, "first", tag="first")
    second = env.push(repo, "second", tag="second")
    image = f"{env.registry.host}/{repo}"
    _attest(env, f"{image}@{first.digest}", "--type", "slsaprovenance", "--format", "legacy")
    _attest(env, f"{image}@{first.digest}", "--type", "slsaprovenance", "--format", "bundle")
    # the .att manifest copied under the other image's tag
    att = env.client.get_manifest(repo, _att_tag(first.digest))
    env.client.put_manifest(repo, att.data, tag=_att_tag(second.digest))
    # the bundle referrer re-pointed at the other image (same bundle blob)
    (entry,) = env.client.referrers(repo, first.digest).index.manifests
    referrer = env.client.get_manifest(repo, entry.digest).manifest
    assert isinstance(referrer, ImageManifest)
    moved = ImageManifest(
        config=referrer.config, layers=referrer.layers, artifact_type=referrer.artifact_type,
        subject=Descriptor(second.media_type, second.digest, second.size),
        annotations=referrer.annotations,
    )  # fmt: skip
    env.client.put_manifest(repo, moved)

    out = env.sigstack(
        "verify-attestation", f"{image}@{second.digest}", "--type", "slsaprovenance",
        *env.who(),
    )  # fmt: skip
    assert out.returncode == 1, out.stdout
    assert "no matching attestations" in out.stderr
    reason = (
        f"the statement is about another image: subject digest {first.digest}, "
        f"the image is {second.digest}"
    )
    assert out.stderr.count(reason) == 2  # the legacy layer and the bundle referrer

    # the original image still verifies
    ok = env.sigstack(
        "verify-attestation", f"{image}@{first.digest}", "--type", "slsaprovenance",
        *env.who(),
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert len(_statements(ok.stdout)) == 2


def test_verify_attestation_checks_annotations_of_the_image_subject(env: ImageEnv) -> None:
    """-a key=value (§2.3 step 1): each must be among the annotations of the statement's
    subject that is the image; cosign v3's signature statement carries sign's -a there."""
    repo = "attest/annotated"
    pushed = env.push(repo, "annotated")
    image = f"{env.registry.host}/{repo}@{pushed.digest}"
    signed = env.sigstack("sign", image, "-a", "env=prod", SIGSTORE_IDENTITY_TOKEN=env.token())
    assert signed.returncode == 0, signed.stderr
    _attest(env, image, "--type", "slsaprovenance")  # a statement whose subject has none
    sign_type = ("--type", "https://sigstore.dev/cosign/sign/v1")

    ok = env.sigstack("verify-attestation", image, *sign_type, "-a", "env=prod", *env.who())
    assert ok.returncode == 0, ok.stderr
    assert "  - The specified annotations were verified." in ok.stderr
    [statement] = _statements(ok.stdout)
    assert statement["subject"] == [
        {"digest": {"sha256": pushed.digest.encoded}, "annotations": {"env": "prod"}}
    ]

    wrong = env.sigstack("verify-attestation", image, *sign_type, "-a", "env=dev", *env.who())
    assert wrong.returncode == 1, wrong.stdout
    assert "missing or incorrect annotation: expected env=dev, found env=prod" in wrong.stderr

    missing = env.sigstack(
        "verify-attestation", image, "--type", "slsaprovenance", "-a", "env=prod", *env.who()
    )
    assert missing.returncode == 1, missing.stdout
    assert "missing or incorrect annotation: expected env=prod, found no env" in missing.stderr

    malformed = env.sigstack("verify-attestation", image, "-a", "env", *env.who())
    assert malformed.returncode == 1
    assert "expected -a key=value, found 'env'" in malformed.stderr


def test_image_without_attestations(env: ImageEnv) -> None:
    pushed = env.push("attest/none", "nothing")
    image = f"{env.registry.host}/attest/none@{pushed.digest}"
    out = env.sigstack("verify-attestation", image, "--type", "slsaprovenance", *env.who())
    assert out.returncode == 10
    assert f"no attestations found for image {env.registry.host}/attest/none@" in out.stderr
    bogus = env.sigstack("verify-attestation", image, "--type", "bogus", *env.who())
    assert bogus.returncode == 1
    assert "expected a predicate type URI or one of custom, slsaprovenance" in bogus.stderr


def test_hand_built_legacy_att_layer_verifies(env: ImageEnv) -> None:
    repo = "attest/handmade"
    pushed = env.push(repo, "hand made")
    name = f"{env.registry.host}/{repo}"
    statement = json.dumps({
        "_type": "https://in-toto.io/Statement/v0.1",
        "subject": [{"name": name, "digest": {"sha256": pushed.digest.encoded}}],
        "predicateType": "https://cosign.sigstore.dev/attestation/v1",
        "predicate": {"Data": "hello", "Timestamp": "2026-11-22T00:00:00Z"},
    }).encode()  # fmt: skip
    signed = Signer(env.signing_context(rekor_version=1), env.token()).sign_dsse(
        "application/vnd.in-toto+json", statement
    )
    material = signed["verificationMaterial"]
    entry = material["tlogEntries"][0]
    leaf = x509.load_der_x509_certificate(base64.b64decode(material["certificate"]["rawBytes"]))
    # §1.5: the layer blob is the DSSE envelope, keyid present and empty
    envelope = json.dumps({
        "payloadType": "application/vnd.in-toto+json",
        "payload": base64.b64encode(statement).decode(),
        "signatures": [{"keyid": "", "sig": signed["dsseEnvelope"]["signatures"][0]["sig"]}],
    }).encode()  # fmt: skip
    rekor_bundle = rekor_bundle_by_hand(entry)
    annotations = {
        "predicateType": "https://cosign.sigstore.dev/attestation/v1",
        "dev.cosignproject.cosign/signature": "",
        "dev.sigstore.cosign/certificate": leaf.public_bytes(serialization.Encoding.PEM).decode(),
        "dev.sigstore.cosign/bundle": json.dumps(rekor_bundle),
    }
    config, manifest = legacy_manifest_by_hand(
        envelope, "application/vnd.dsse.envelope.v1+json", annotations
    )
    env.client.push_blob(repo, envelope)
    env.client.push_blob(repo, config)
    env.client.put_manifest(
        repo, json.dumps(manifest, indent=1).encode(), tag=_att_tag(pushed.digest)
    )

    out = env.sigstack("verify-attestation", f"{name}:v1", *env.who())  # --type custom
    assert out.returncode == 0, out.stderr
    assert [json.loads(line) for line in out.stdout.splitlines()] == [json.loads(envelope)]

    # tampering with the envelope's payload breaks it, with the reason named
    forged = json.loads(envelope)
    forged["payload"] = base64.b64encode(statement.replace(b"hello", b"HELLO")).decode()
    forged_blob = json.dumps(forged).encode()
    env.client.push_blob(repo, forged_blob)
    layer = manifest["layers"][0]
    layer["digest"], layer["size"] = str(digest_of(forged_blob)), len(forged_blob)
    env.client.put_manifest(repo, json.dumps(manifest).encode(), tag=_att_tag(pushed.digest))
    bad = env.sigstack("verify-attestation", f"{name}:v1", *env.who())
    assert bad.returncode == 1
    assert f"{name}:{_att_tag(pushed.digest)} layer 0: " in bad.stderr
    assert "expected a signature by the ecdsa-p256 key" in bad.stderr
    assert "found one that does not verify" in bad.stderr


def test_attach_sbom_both_formats_tree_and_triangulate(env: ImageEnv) -> None:
    repo = "attach/sbom"
    pushed = env.push(repo, "with an sbom")
    image = f"{env.registry.host}/{repo}"
    spdx = env.root / "sbom.spdx.json"
    spdx.write_text(json.dumps({"spdxVersion": "SPDX-2.3", "name": "app"}))
    cdx = env.root / "sbom.cdx.json"
    cdx.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5"}))

    legacy = env.sigstack(
        "attach", "sbom", f"{image}:v1", "--sbom", str(spdx), "--type", "spdxjson"
    )
    assert legacy.returncode == 0, legacy.stderr
    sbom_tag = f"sha256-{pushed.digest.encoded}.sbom"
    assert f"-> {image}:{sbom_tag}" in legacy.stdout
    pulled = env.client.get_manifest(repo, sbom_tag)
    assert isinstance(pulled.manifest, ImageManifest)
    (layer,) = pulled.manifest.layers
    assert layer.media_type == "text/spdx+json"
    assert env.client.get_blob(repo, layer.digest) == spdx.read_bytes()

    referrer = env.sigstack(
        "attach", "sbom", f"{image}@{pushed.digest}", "--sbom", str(cdx),
        "--type", "cyclonedx", "--format", "referrer",
    )  # fmt: skip
    assert referrer.returncode == 0, referrer.stderr
    (entry,) = env.client.referrers(repo, pushed.digest).index.manifests
    assert entry.artifact_type == "application/vnd.dev.cosign.artifact.sbom.v1+json"

    _attest(env, f"{image}@{pushed.digest}", "--type", "slsaprovenance1", "--format", "bundle")

    tree = env.sigstack("tree", f"{image}:v1")
    assert tree.returncode == 0, tree.stderr
    lines = tree.stdout.splitlines()
    assert lines[0] == f"Supply chain security related artifacts for an image: {image}:v1"
    assert f"└── SBOMs for an image tag: {image}:{sbom_tag}" in lines
    assert f"    └── {layer.digest} text/spdx+json" in lines
    assert (
        f"{image}@{entry.digest} artifactType=application/vnd.dev.cosign.artifact.sbom.v1+json"
        in tree.stdout
    )
    assert (
        "artifactType=application/vnd.dev.sigstore.bundle.v0.3+json "
        "predicateType=https://slsa.dev/provenance/v1" in tree.stdout
    )
    assert "Signatures for an image tag" not in tree.stdout

    where = env.sigstack("triangulate", f"{image}:v1", "--type", "sbom")
    assert where.returncode == 0, where.stderr
    assert where.stdout.strip() == f"{image}:{sbom_tag}"
    signature = env.sigstack("triangulate", f"{image}:v1")
    assert signature.stdout.strip() == f"{image}:sha256-{pushed.digest.encoded}.sig"
    digest = env.sigstack("triangulate", f"{image}:v1", "--type", "digest")
    assert digest.stdout.strip() == f"{image}@{pushed.digest}"
    moved = env.sigstack(
        "triangulate", f"{image}:v1", "--type", "attestation",
        SIGSTACK_REPOSITORY=f"{env.registry.host}/elsewhere/sigs",
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.strip() == (
        f"{env.registry.host}/elsewhere/sigs:sha256-{pushed.digest.encoded}.att"
    )


def test_tree_of_an_image_with_nothing_attached(env: ImageEnv) -> None:
    pushed = env.push("attach/bare", "bare")
    image = f"{env.registry.host}/attach/bare:v1"
    out = env.sigstack("tree", image)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        f"No supply chain security related artifacts found for image {image} "
        f"({pushed.digest}): nothing at the .sig/.att/.sbom tags and no referrers"
    )


def test_key_attestations_replace_and_repository_override(env: ImageEnv) -> None:
    prefix = env.root / "attester"
    made = env.sigstack(
        "generate-key-pair", "--output-key-prefix", str(prefix), COSIGN_PASSWORD="pw"
    )
    assert made.returncode == 0, made.stderr
    key, pub = prefix.with_suffix(".key"), prefix.with_suffix(".pub")
    repo = "keyed/attest"
    pushed = env.push(repo, "keyed attest")
    image = f"{env.registry.host}/{repo}@{pushed.digest}"
    vuln = env.root / "vuln.json"
    vuln.write_text(json.dumps({"scanner": {"uri": "pkg:example/scanner"}}))

    def attest(*args: str) -> None:
        out = env.sigstack("attest", image, "--key", str(key), "--format", "legacy", *args,
                        COSIGN_PASSWORD="pw")  # fmt: skip
        assert out.returncode == 0, out.stderr

    attest("--predicate", str(env.root / "provenance.json"), "--type", "slsaprovenance")
    attest("--predicate", str(env.root / "provenance.json"), "--type", "slsaprovenance")
    attest("--predicate", str(vuln), "--type", "vuln")

    def layer_types() -> list[str]:
        pulled = env.client.get_manifest(repo, _att_tag(pushed.digest))
        assert isinstance(pulled.manifest, ImageManifest)
        return [d.annotations["predicateType"] for d in pulled.manifest.layers]

    vuln_type = "https://cosign.sigstore.dev/attestation/vuln/v1"
    assert layer_types() == [SLSA02, SLSA02, vuln_type]  # appended, as cosign does
    attest(
        "--predicate", str(env.root / "provenance.json"), "--type", "slsaprovenance", "--replace"
    )
    assert layer_types() == [vuln_type, SLSA02]  # --replace: same type dropped first

    ok = env.sigstack("verify-attestation", image, "--type", "vuln", "--key", str(pub))
    assert ok.returncode == 0, ok.stderr
    assert "The signatures were verified against the specified public key" in ok.stderr
    (statement,) = _statements(ok.stdout)
    assert statement["predicate"] == {"scanner": {"uri": "pkg:example/scanner"}}
    keyless = env.sigstack("verify-attestation", image, "--type", "vuln", *env.who())
    assert keyless.returncode == 1 and "managed key" in keyless.stderr

    # attestations stored in another repository are found there, and only there
    elsewhere = f"{env.registry.host}/keyed/attestations"
    moved = env.sigstack(
        "attest", image, "--key", str(key), "--predicate", str(vuln), "--type", "vuln",
        "--format", "bundle", COSIGN_PASSWORD="pw", SIGSTACK_REPOSITORY=elsewhere,
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert f"-> {elsewhere}@sha256:" in moved.stdout
    there = env.sigstack("verify-attestation", image, "--type", "vuln", "--key", str(pub),
                      "--repository", elsewhere, "--json")  # fmt: skip
    assert there.returncode == 0, there.stderr
    assert [r["format"] for r in json.loads(there.stdout)] == ["bundle"]
    tree = env.sigstack("tree", image, "--repository", elsewhere)
    assert f"predicateType={vuln_type}" in tree.stdout
    assert "Attestations for an image tag" not in tree.stdout


def test_legacy_format_with_rekor_v2_is_refused_and_bundle_with_v2_verifies(env: ImageEnv) -> None:
    repo = "attest/v2"
    pushed = env.push(repo, "rekor v2")
    image = f"{env.registry.host}/{repo}@{pushed.digest}"
    predicate = str(env.root / "provenance.json")
    refused = env.sigstack(
        "attest", image, "--predicate", predicate, "--type", "slsaprovenance",
        "--format", "legacy", "--rekor-version", "2", SIGSTORE_IDENTITY_TOKEN=env.token(),
    )  # fmt: skip
    assert refused.returncode == 1
    assert "only a Rekor v1 log gives; this signer uses Rekor v2" in refused.stderr
    assert _att_tag(pushed.digest) not in env.client.list_tags(repo)

    _attest(env, image, "--type", "slsaprovenance", "--rekor-version", "2")
    ok = env.sigstack("verify-attestation", image, "--type", "slsaprovenance", *env.who())
    assert ok.returncode == 0, ok.stderr
    (statement,) = _statements(ok.stdout)
    assert statement["predicateType"] == SLSA02
