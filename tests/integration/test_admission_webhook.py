"""``sigstack serve admission`` as a real HTTPS process (self-signed CA) with the real
ClusterImagePolicy engine, Debian's ``docker-registry`` and a live ``sigstack up``
(oci-and-policy.md §3.3, §3.5, §6).

Images are pushed and signed here (keyless, through the stack's OIDC issuer, CA and log);
the policies are YAML files the webhook reloads when they change.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from sigstack.testing.admission import (
    AdmissionProcess,
    cluster_image_policy,
    pod_review,
    review,
    start_admission,
    write_policy,
)
from sigstack.testing.registry import RegistryProcess
from sigstack.testing.service import ServiceProcess
from tests.integration._images import ImageEnv, image_env
from tests.integration._kyverno import keyless_cluster_policy

EMAIL = "admission@example.com"


@dataclass
class Env:
    images: ImageEnv
    webhook: AdmissionProcess
    http: httpx.Client
    policies: Path
    digests: dict[str, str]

    @property
    def root(self) -> Path:
        return self.images.root

    @property
    def stack(self) -> ServiceProcess:
        return self.images.stack

    @property
    def registry(self) -> RegistryProcess:
        return self.images.registry

    def image(self, repo: str, tag: str | None = None) -> str:
        """``<registry>/<repo>[:tag]@sha256:…`` of a pushed image."""
        name = f"{self.registry.host}/{repo}"
        return f"{name}:{tag}@{self.digests[repo]}" if tag else f"{name}@{self.digests[repo]}"

    def review(self, path: str, doc: dict[str, Any]) -> dict[str, Any]:
        return review(self.http, path, doc)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("admission")
    with image_env(root, EMAIL) as images:
        stack, host = images.stack, images.registry.host
        digests = {}
        for repo in ("static/app", "signed/app", "unsigned/app", "elsewhere/app"):
            digests[repo] = str(images.push(repo, f"hello from {repo}").digest)
        signed = images.sigstack("sign", f"{host}/signed/app@{digests['signed/app']}",
                                 SIGSTORE_IDENTITY_TOKEN=images.token())  # fmt: skip
        assert signed.returncode == 0, signed.stderr
        policies = root / "policies"
        policies.mkdir()
        static = "  - static:\n      action: pass\n"
        write_policy(
            policies / "static.yaml",
            cluster_image_policy("static-pass", f"{host}/static/**", static),
        )
        keyless = (
            "  - keyless:\n"
            "      identities:\n"
            f"      - issuer: {images.issuer}\n"
            f"        subject: {EMAIL}\n"
        )
        write_policy(
            policies / "keyless.yaml",
            cluster_image_policy("keyless-signed", f"{host}/*igned/**", keyless),
        )
        webhook = start_admission(
            root / "webhook", "--policy", str(policies),
            "--trust-config", str(stack.data_dir / "trust_config.json"),
            "--reload-interval", "0.2",
            output=root / "webhook.log", env={"DOCKER_CONFIG": str(root / "docker")},
        )  # fmt: skip
        try:
            with webhook.client(timeout=30) as http:
                yield Env(images, webhook, http, policies, digests)
        finally:
            webhook.stop()


def test_https_with_the_printed_ca_bundle(env: Env) -> None:
    assert base64.b64decode(env.webhook.ca_bundle) == env.webhook.ca_path.read_bytes()
    health = env.http.get("/healthz").json()
    assert health["status"] == "ok" and health["engines"] == ["policy.sigstore.dev"]
    with pytest.raises(httpx.ConnectError):  # not a certificate the system trusts
        httpx.get(env.webhook.url + "/healthz", timeout=5)


def test_static_pass_policy_admits(env: Env) -> None:
    result = env.review("/validations", pod_review([env.image("static/app")]))
    assert result == {"uid": result["uid"], "allowed": True}


def test_unsigned_image_under_keyless_policy_is_denied(env: Env) -> None:
    image = env.image("unsigned/app")
    result = env.review("/validate", pod_review([image]))
    assert result["allowed"] is False
    status = result["status"]
    assert (status["code"], status["reason"], status["status"]) == (400, "BadRequest", "Failure")
    message = status["message"]
    assert message.startswith(
        "validation failed: failed policy: keyless-signed: spec.containers[0].image\n"
    ), message
    assert (
        f"{image} signature keyless validation failed for authority authority-0 for {image}: "
        "no signatures found"
    ) in message


def test_signed_image_is_pinned_by_mutate_then_admitted(env: Env) -> None:
    tagged = f"{env.registry.host}/signed/app:v1"
    result = env.review("/mutations", pod_review([tagged]))
    assert result["allowed"] is True
    assert result["patchType"] == "JSONPatch"
    patch = json.loads(base64.b64decode(result["patch"]))
    pinned = env.image("signed/app", tag="v1")
    assert patch == [{"op": "replace", "path": "/spec/containers/0/image", "value": pinned}]
    # the tag alone is refused by validation; the pinned reference passes
    refused = env.review("/validate", pod_review([tagged]))
    assert refused["status"]["message"] == (
        f"validation failed: invalid value: {tagged} must be an image digest: "
        "spec.containers[0].image"
    )
    assert env.review("/validate", pod_review([pinned]))["allowed"] is True


def test_unresolvable_tag_is_left_unchanged(env: Env) -> None:
    missing = f"{env.registry.host}/signed/app:no-such-tag"
    result = env.review("/mutate", pod_review([missing]))
    assert result == {"uid": result["uid"], "allowed": True}
    assert "cannot resolve" in env.webhook.log()


def test_unmatched_image_is_denied_with_no_matching_policies(env: Env) -> None:
    image = env.image("elsewhere/app")
    result = env.review("/validate", pod_review([image]))
    assert result["allowed"] is False
    assert result["status"]["message"] == (
        f"validation failed: no matching policies: spec.containers[0].image\n{image}"
    )


def test_namespace_without_the_opt_in_label_is_not_checked(env: Env) -> None:
    doc = pod_review([env.image("elsewhere/app")], namespace="dev", namespace_labels={"a": "b"})
    assert env.review("/validate", doc) == {"uid": doc["request"]["uid"], "allowed": True}
    doc = pod_review([env.image("elsewhere/app")],
                     namespace_labels={"policy.sigstore.dev/include": "true"})  # fmt: skip
    assert env.review("/validate", doc)["allowed"] is False


def test_bad_review_answers_400_json(env: Env) -> None:
    response = env.http.post(
        "/validate",
        content=b'{"apiVersion":"admission.k8s.io/v1"',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("request body is not valid JSON")


def test_policy_file_change_reloads(env: Env) -> None:
    """Runs last (module order): turns the static policy into a failing one."""
    image = env.image("static/app")
    signed = env.image("signed/app")
    assert env.review("/validate", pod_review([image]))["allowed"] is True
    assert env.review("/validate", pod_review([signed]))["allowed"] is True
    misses = _cache(env)["miss"]
    before = env.http.get("/healthz").json()["policies"]
    static = "  - static:\n      action: fail\n      message: frozen\n"
    glob = f"{env.registry.host}/static/**"
    write_policy(env.policies / "static.yaml", cluster_image_policy("static-pass", glob, static))
    deadline = time.monotonic() + 20
    while env.http.get("/healthz").json()["policies"] == before:
        assert time.monotonic() < deadline, env.webhook.log()
        time.sleep(0.1)
    result = env.review("/validate", pod_review([image]))
    assert result["allowed"] is False
    assert "disallowed by static policy: frozen" in result["status"]["message"]
    assert "policies reloaded" in env.webhook.log()
    # the unchanged keyless policy keeps its cached verdict: no new verification
    hits = _cache(env)["hit"]
    assert env.review("/validate", pod_review([signed]))["allowed"] is True
    after = _cache(env)
    assert after["miss"] == misses
    assert after["hit"] > hits


def _cache(env: Env) -> dict[str, int]:
    """The verification cache counters of /metrics."""
    out = {}
    for line in env.http.get("/metrics").text.splitlines():
        if line.startswith("sigstack_admission_cache_events_total{"):
            event = line.split('event="', 1)[1].split('"', 1)[0]
            out[event] = int(line.rsplit(" ", 1)[1])
    return out


def _kyverno_policy(env: Env) -> str:
    return keyless_cluster_policy(
        f"{env.registry.host}/*igned/*", EMAIL, f"{env.stack.url}/oidc", env.stack.url,
        exclude_kube_system=False,
    )  # fmt: skip


def test_kyverno_policy_through_the_webhook(env: Env) -> None:
    """A second webhook serving only a Kyverno ClusterPolicy: the Kyverno engine alone."""
    policies = env.root / "kyverno"
    policies.mkdir()
    write_policy(policies / "check-image.yaml", _kyverno_policy(env))
    webhook = start_admission(
        env.root / "webhook-kyverno", "--policy", str(policies),
        "--trust-config", str(env.stack.data_dir / "trust_config.json"),
        output=env.root / "webhook-kyverno.log", env={"DOCKER_CONFIG": str(env.root / "docker")},
    )  # fmt: skip
    try:
        with webhook.client(timeout=30) as http:
            assert http.get("/healthz").json()["engines"] == ["mutate.kyverno.svc-fail"]
            signed = pod_review([env.image("signed/app")], name="web")
            answer = http.post("/validate", json=signed).json()["response"]
            assert answer["allowed"] is True, answer
            unsigned = pod_review([env.image("unsigned/app")], name="web")
            answer = http.post("/validate", json=unsigned).json()["response"]
            assert answer["allowed"] is False
            message = answer["status"]["message"]
            image = env.image("unsigned/app")
            assert message == (
                "\n\nresource Pod/prod/web was blocked due to the following policies\n\n"
                f"check-image:\n  check-image: 'failed to verify image {image}:\n"
                "    .attestors[0].entries[0].keyless: no signatures found'\n"
            )
            # an image no rule names is not Kyverno's concern
            other = pod_review([env.image("elsewhere/app")])
            assert http.post("/validate", json=other).json()["response"]["allowed"] is True
    finally:
        webhook.stop()
