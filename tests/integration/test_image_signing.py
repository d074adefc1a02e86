"""``sigstack sign IMAGE`` / ``sigstack verify IMAGE`` against a real registry and a live stack.

The registry is Debian's ``docker-registry`` (distribution 2.8: no referrers API, so the
bundle format lives under the ``sha256-<hex>`` referrers tag); the stack is ``sigstack up``.
Every image is built here, pushed with our registry client, signed and verified through the
command line as a user would (both storage formats, oci-and-policy.md §1.2 and §1.7), and one
legacy ``.sig`` manifest is assembled by hand from the spec's documented layout.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from sigstack.clock import utc_now
from sigstack.core.oci import Descriptor, ImageIndex, ImageManifest, Platform, digest_of
from sigstack.core.oci import mediatypes as mt
from sigstack.core.oci.digest import Digest
from sigstack.sign import Signer
from tests.integration._images import (
    ImageEnv,
    image_env,
    legacy_manifest_by_hand,
    rekor_bundle_by_hand,
    start_test_registry,
)

EMAIL = "image@example.com"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImageEnv]:
    with image_env(tmp_path_factory.mktemp("image"), EMAIL) as running:
        yield running


def _sign(
    env: ImageEnv, image: str, *args: str, email: str = EMAIL
) -> subprocess.CompletedProcess[str]:
    out = env.sigstack("sign", image, *args, SIGSTORE_IDENTITY_TOKEN=env.token(email))
    assert out.returncode == 0, out.stderr
    return out


def _sig_tag(digest: Digest) -> str:
    return f"sha256-{digest.encoded}.sig"


def _sig_layers(env: ImageEnv, repo: str, digest: Digest) -> tuple[Descriptor, ...]:
    pulled = env.client.get_manifest(repo, _sig_tag(digest))
    assert isinstance(pulled.manifest, ImageManifest)
    return pulled.manifest.layers


# -- the story -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["legacy", "bundle"])
def test_sign_then_verify_keyless_both_formats(env: ImageEnv, fmt: str) -> None:
    repo = f"story/{fmt}"
    pushed = env.push(repo, f"story {fmt}")
    image = f"{env.registry.host}/{repo}"
    signed = _sign(env, f"{image}:v1", "-a", "real=true", "--format", fmt)
    assert "uses a tag, not a digest" in signed.stderr
    assert f"signed {image}:v1@{pushed.digest} ({fmt})" in signed.stdout

    ok = env.sigstack("verify", f"{image}:v1", *env.who(), "-a", "real=true", "--json")
    assert ok.returncode == 0, ok.stderr
    assert f"Verification for {image}:v1 --" in ok.stderr
    assert "  - The specified annotations were verified." in ok.stderr
    assert (
        "  - The code-signing certificate was verified using trusted certificate authority certificates"
        in ok.stderr
    )
    claims = json.loads(ok.stdout)
    assert len(claims) == 1
    claim = claims[0]
    assert claim["critical"]["image"]["docker-manifest-digest"] == str(pushed.digest)
    assert claim["critical"]["identity"]["docker-reference"] == image
    assert claim["optional"]["real"] == "true"
    if fmt == "legacy":
        assert claim["critical"]["type"] == "cosign container image signature"
        assert claim["optional"]["Subject"] == EMAIL
        assert claim["optional"]["Issuer"] == env.issuer
        assert claim["optional"]["Bundle"]["Payload"]["logIndex"] >= 0
        annotations = _sig_layers(env, repo, pushed.digest)[0].annotations
        leaf = x509.load_pem_x509_certificate(
            annotations["dev.sigstore.cosign/certificate"].encode()
        )
        chain = x509.load_pem_x509_certificates(annotations["dev.sigstore.cosign/chain"].encode())
        assert chain[0].subject == leaf.issuer and chain[-1].subject == chain[-1].issuer
    else:
        assert claim["critical"]["type"] == "https://sigstore.dev/cosign/sign/v1"

    text = env.sigstack("verify", f"{image}@{pushed.digest}", *env.who())
    assert text.returncode == 0, text.stderr
    assert f"identity: {EMAIL}" in text.stdout and '"real": "true"' in text.stdout

    wrong = env.sigstack("verify", f"{image}:v1", *env.who("mallory@example.com"))
    assert wrong.returncode == 12, wrong.stderr
    assert "no matching signatures" in wrong.stderr
    assert "expected identity 'mallory@example.com'" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1

    missing = env.sigstack("verify", f"{image}:v1", *env.who(), "-a", "real=false")
    assert missing.returncode == 12
    assert "missing or incorrect annotation: expected real=false, found real=true" in missing.stderr

    # a second signature is added beside the first, never replacing it
    _sign(env, f"{image}@{pushed.digest}", "--format", fmt, email="second@example.com")
    if fmt == "legacy":
        assert len(_sig_layers(env, repo, pushed.digest)) == 2
    else:
        assert len(env.client.referrers(repo, pushed.digest).index.manifests) == 2
    both = env.sigstack("verify", f"{image}@{pushed.digest}", "--json",
                     "--certificate-identity-regexp", r".*@example\.com",
                     "--certificate-oidc-issuer", env.issuer)  # fmt: skip
    assert both.returncode == 0, both.stderr
    assert sorted((c["optional"] or {}).get("real", "-") for c in json.loads(both.stdout)) == [
        "-",
        "true",
    ]
    first_only = env.sigstack("verify", f"{image}@{pushed.digest}", *env.who("second@example.com"))
    assert first_only.returncode == 0, first_only.stderr


def test_unsigned_image_has_no_signatures(env: ImageEnv) -> None:
    pushed = env.push("story/unsigned", "unsigned")
    image = f"{env.registry.host}/story/unsigned"
    out = env.sigstack("verify", f"{image}:v1", *env.who())
    assert out.returncode == 10
    assert f"no signatures found for image {image}@{pushed.digest}" in out.stderr


def test_retagged_image_is_not_the_signed_one(env: ImageEnv) -> None:
    repo = "story/retag"
    signed = env.push(repo, "the reviewed build")
    image = f"{env.registry.host}/{repo}"
    _sign(env, f"{image}@{signed.digest}", "--format", "legacy")
    assert env.sigstack("verify", f"{image}:v1", *env.who()).returncode == 0
    other = env.push(repo, "something else")  # v1 now points to other content
    out = env.sigstack("verify", f"{image}:v1", *env.who())
    assert out.returncode == 10
    assert f"no signatures found for image {image}@{other.digest}" in out.stderr


def test_a_signature_copied_to_another_image_is_refused(env: ImageEnv) -> None:
    repo = "story/copied"
    signed = env.push(repo, "signed one", tag="a")
    other = env.push(repo, "other one", tag="b")
    image = f"{env.registry.host}/{repo}"
    _sign(env, f"{image}@{signed.digest}", "--format", "legacy")
    sig = env.client.get_manifest(repo, _sig_tag(signed.digest))
    env.client.put_manifest(repo, sig.data, tag=_sig_tag(other.digest))
    out = env.sigstack("verify", f"{image}:b", *env.who())
    assert out.returncode == 12
    assert f"invalid or missing digest in claim: {signed.digest}" in out.stderr


@pytest.mark.parametrize(
    ("part", "reason"),
    [
        # the RFC 3161 timestamp is over the signature bytes: it no longer matches
        ("signature", "rfc3161Timestamps: expected a timestamp by a trusted TSA"),
        # a payload that says something else: the signature over it fails
        (
            "payload",
            "messageSignature.signature: signature: expected a signature by the ecdsa-p256 key",
        ),
        # the RekorBundle claims another log index: its SET no longer verifies
        ("set", "set: signed entry timestamp does not verify"),
    ],
)
def test_tampered_signature_layer_is_refused(env: ImageEnv, part: str, reason: str) -> None:
    repo = f"story/tampered-{part}"
    pushed = env.push(repo, f"tampered {part}")
    image = f"{env.registry.host}/{repo}"
    _sign(env, f"{image}@{pushed.digest}", "--format", "legacy")
    pulled = env.client.get_manifest(repo, _sig_tag(pushed.digest))
    doc = json.loads(pulled.data)
    layer = doc["layers"][0]
    if part == "signature":
        signature = bytearray(
            base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"])
        )
        signature[-1] ^= 1
        layer["annotations"]["dev.cosignproject.cosign/signature"] = base64.b64encode(
            signature
        ).decode()
    elif part == "set":
        rekor_bundle = json.loads(layer["annotations"]["dev.sigstore.cosign/bundle"])
        rekor_bundle["Payload"]["logIndex"] += 1
        layer["annotations"]["dev.sigstore.cosign/bundle"] = json.dumps(rekor_bundle)
    else:
        payload = json.loads(env.client.get_blob(repo, Digest("sha256", layer["digest"][7:])))
        payload["optional"] = {"approved": "yes"}
        forged = json.dumps(payload, separators=(",", ":")).encode()
        env.client.push_blob(repo, forged)
        layer["digest"], layer["size"] = str(digest_of(forged)), len(forged)
    env.client.put_manifest(repo, json.dumps(doc).encode(), tag=_sig_tag(pushed.digest))
    out = env.sigstack("verify", f"{image}@{pushed.digest}", *env.who())
    assert out.returncode == 12
    assert out.stderr.startswith(f"sigstack: error: no matching signatures for image {image}@")
    assert reason in out.stderr.split(".sig layer 0: ", 1)[1]
    assert len(out.stderr.strip().splitlines()) == 1


def test_nonexistent_image_is_one_clear_line(env: ImageEnv) -> None:
    out = env.sigstack("verify", f"{env.registry.host}/story/nothing:v1", *env.who())
    assert out.returncode == 11
    assert out.stderr.startswith(
        f"sigstack: error: image not found: {env.registry.host}/story/nothing:v1"
    )
    assert len(out.stderr.strip().splitlines()) == 1


def test_registry_requiring_credentials_says_401(env: ImageEnv) -> None:
    locked = start_test_registry(env.root / "locked", users={"alice": "secret"})
    try:
        out = env.sigstack("verify", f"{locked.host}/app:v1", *env.who())
    finally:
        locked.stop()
    assert out.returncode == 1
    assert out.stderr.startswith("sigstack: error:")
    assert f"{locked.host} requires authentication" in out.stderr and "docker login" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_key_signing_both_formats_and_no_duplicate(env: ImageEnv) -> None:
    prefix = env.root / "release"
    made = env.sigstack(
        "generate-key-pair", "--output-key-prefix", str(prefix), COSIGN_PASSWORD="pw"
    )
    assert made.returncode == 0, made.stderr
    key, pub = prefix.with_suffix(".key"), prefix.with_suffix(".pub")
    for fmt in ("legacy", "bundle"):
        repo = f"keyed/{fmt}"
        pushed = env.push(repo, f"keyed {fmt}")
        image = f"{env.registry.host}/{repo}@{pushed.digest}"
        signed = env.sigstack(
            "sign", image, "--key", str(key), "--format", fmt, COSIGN_PASSWORD="pw"
        )
        assert signed.returncode == 0, signed.stderr
        ok = env.sigstack("verify", image, "--key", str(pub), "--json")
        assert ok.returncode == 0, ok.stderr
        assert "  - The signatures were verified against the specified public key" in ok.stderr
        assert json.loads(ok.stdout)[0]["critical"]["image"]["docker-manifest-digest"] == str(
            pushed.digest
        )
        keyless = env.sigstack("verify", image, *env.who())
        assert keyless.returncode == 12 and "managed key" in keyless.stderr
    again = env.sigstack("sign", f"{env.registry.host}/keyed/legacy:v1", "--key", str(key),
                      "--format", "legacy", COSIGN_PASSWORD="pw")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "already signed" in again.stdout
    legacy = env.client.resolve("keyed/legacy", "v1")
    assert len(_sig_layers(env, "keyed/legacy", legacy.digest)) == 1


def test_repository_override_and_recursive_index(env: ImageEnv) -> None:
    amd = env.push("multi/app", "amd64 build", tag=None)
    arm = env.push("multi/app", "arm64 build", tag=None)
    index = ImageIndex(manifests=(
        Descriptor(amd.media_type, amd.digest, amd.size, platform=Platform("amd64", "linux")),
        Descriptor(arm.media_type, arm.digest, arm.size, platform=Platform("arm64", "linux")),
    ))  # fmt: skip
    top = env.client.put_manifest("multi/app", index, tag="v1").descriptor
    image = f"{env.registry.host}/multi/app"
    elsewhere = f"{env.registry.host}/signatures/store"
    _sign(env, f"{image}@{top.digest}", "--recursive", "--repository", elsewhere)
    for digest in (top.digest, amd.digest, arm.digest):
        found = env.sigstack(
            "verify", f"{image}@{digest}", *env.who(), SIGSTACK_REPOSITORY=elsewhere
        )
        assert found.returncode == 0, found.stderr
    here = env.sigstack("verify", f"{image}@{arm.digest}", *env.who())
    assert here.returncode == 10


def test_message_signature_bundle_referrer_is_not_an_image_signature(env: ImageEnv) -> None:
    from sigstack.core.oci.bundle_referrer import referrer_manifest

    repo = "story/messagesig"
    pushed = env.push(repo, "message signature")
    context = env.signing_context()
    bundle = Signer(context, env.token()).sign_digest(bytes.fromhex(pushed.digest.encoded))
    data = json.dumps(bundle).encode()
    manifest = referrer_manifest(data, pushed, created=utc_now(), content="message-signature")
    env.client.push_blob(repo, data)
    env.client.push_blob(repo, mt.OCI_EMPTY_DATA)
    env.client.put_manifest(repo, manifest)
    out = env.sigstack("verify", f"{env.registry.host}/{repo}@{pushed.digest}", *env.who())
    assert out.returncode == 12
    assert "bundle does not contain a DSSE envelope" in out.stderr


# -- a .sig manifest assembled by hand from the spec (§1.2, §1.3, §1.4) ----------------------


def test_hand_built_legacy_signature_verifies(env: ImageEnv) -> None:
    repo = "story/handmade"
    pushed = env.push(repo, "hand made")
    name = f"{env.registry.host}/{repo}"
    # §1.4: Go json.Marshal order, no spaces, optional null without annotations
    payload = (
        '{"critical":{"identity":{"docker-reference":"' + name + '"},'
        '"image":{"docker-manifest-digest":"' + str(pushed.digest) + '"},'
        '"type":"cosign container image signature"},"optional":null}'
    ).encode()
    signed = Signer(env.signing_context(rekor_version=1), env.token()).sign_artifact(payload)
    material = signed["verificationMaterial"]
    entry = material["tlogEntries"][0]
    leaf = x509.load_der_x509_certificate(base64.b64decode(material["certificate"]["rawBytes"]))
    rekor_bundle = rekor_bundle_by_hand(entry)
    annotations = {
        "dev.cosignproject.cosign/signature": signed["messageSignature"]["signature"],
        "dev.sigstore.cosign/certificate": leaf.public_bytes(serialization.Encoding.PEM).decode(),
        "dev.sigstore.cosign/bundle": json.dumps(rekor_bundle),
    }
    stamps = material["timestampVerificationData"]["rfc3161Timestamps"]
    if stamps:
        annotations["dev.sigstore.cosign/rfc3161timestamp"] = json.dumps(
            {"SignedRFC3161Timestamp": stamps[0]["signedTimestamp"]}
        )
    config, manifest = legacy_manifest_by_hand(
        payload, "application/vnd.dev.cosign.simplesigning.v1+json", annotations
    )
    env.client.push_blob(repo, payload)
    env.client.push_blob(repo, config)
    env.client.put_manifest(
        repo, json.dumps(manifest, indent=1).encode(), tag=_sig_tag(pushed.digest)
    )

    out = env.sigstack("verify", f"{name}:v1", *env.who(), "--json")
    assert out.returncode == 0, out.stderr
    claim = json.loads(out.stdout)[0]
    assert claim["critical"]["image"]["docker-manifest-digest"] == str(pushed.digest)
    assert claim["optional"]["Subject"] == EMAIL
    assert claim["optional"]["Bundle"] == rekor_bundle


def test_one_bad_signature_is_reported_not_fatal(env: ImageEnv) -> None:
    repo = "story/unreadable"
    pushed = env.push(repo, "unreadable")
    image = f"{env.registry.host}/{repo}@{pushed.digest}"
    _sign(env, image, "--format", "legacy")
    _sign(env, image, "--format", "bundle")
    pulled = env.client.get_manifest(repo, _sig_tag(pushed.digest))
    doc = json.loads(pulled.data)
    garbage = b"not a simple-signing payload"
    env.client.push_blob(repo, garbage)
    doc["layers"][0]["digest"], doc["layers"][0]["size"] = str(digest_of(garbage)), len(garbage)
    env.client.put_manifest(repo, json.dumps(doc).encode(), tag=_sig_tag(pushed.digest))
    out = env.sigstack("verify", image, *env.who())
    assert out.returncode == 0, out.stderr
    assert "  bundle: " in out.stdout
    rejected = f"not verified: {env.registry.host}/{repo}:{_sig_tag(pushed.digest)} layer 0: "
    assert rejected in out.stdout


def test_legacy_format_with_rekor_v2_is_refused_before_signing(env: ImageEnv) -> None:
    pushed = env.push("story/v2legacy", "v2 legacy")
    image = f"{env.registry.host}/story/v2legacy@{pushed.digest}"
    out = env.sigstack("sign", image, "--format", "legacy", "--rekor-version", "2",
                    SIGSTORE_IDENTITY_TOKEN=env.token())  # fmt: skip
    assert out.returncode == 1
    assert "only a Rekor v1 log gives; this signer uses Rekor v2" in out.stderr
    assert not env.client.list_tags("story/v2legacy").count(_sig_tag(pushed.digest))
    v2 = _sign(env, image, "--format", "bundle", "--rekor-version", "2")
    assert "(bundle)" in v2.stdout
    assert env.sigstack("verify", image, *env.who()).returncode == 0
