"""The webhook app with fake engines (our own seam): routes, skips, namespace opt-in,
denials rendered, warnings, mutate patch, JSON errors (oci-and-policy.md §3.3, §6)."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from sigstack.core.oci.digest import Digest, parse_digest
from sigstack.core.oci.reference import Reference
from sigstack.errors import NetworkError
from sigstack.policy.engine import ImageAt, Outcome, ResourceContext
from sigstack.services.admission.app import AdmissionSettings, create_app
from sigstack.services.admission.cache import VerificationCache
from sigstack.services.admission.engines import EngineSet
from sigstack.testing.admission import review

FIXTURES = Path(__file__).parents[3] / "fixtures" / "admission"
DIGEST = parse_digest("sha256:" + "b" * 64)


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return doc


class FakeEngine:
    """Allows, denies or warns as told; records what it was asked."""

    def __init__(self, name: str = "policy.sigstore.dev", outcome: Outcome | None = None) -> None:
        self.name = name
        self.outcome = outcome or Outcome(True)
        self.calls: list[tuple[list[ImageAt], ResourceContext]] = []

    def validate(self, images: Sequence[ImageAt], context: ResourceContext) -> Outcome:
        self.calls.append((list(images), context))
        return self.outcome


class CrashingEngine:
    name = "broken"

    def validate(self, images: Sequence[ImageAt], context: ResourceContext) -> Outcome:
        raise KeyError("bug")


class FakeResolver:
    def __init__(self, digests: Mapping[str, Digest]) -> None:
        self.digests = dict(digests)
        self.asked: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, reference: Reference) -> Digest:
        with self.lock:
            self.asked.append(str(reference))
        if str(reference) not in self.digests:
            raise NetworkError(f"manifest {reference}: not found")
        return self.digests[str(reference)]


def client(engines: Any, resolver: Any = None, **settings: Any) -> TestClient:
    app = create_app(AdmissionSettings(**settings), engines, resolver, cache=VerificationCache())
    return TestClient(app, raise_server_exceptions=False)


def post(c: TestClient, path: str, fixture: str | dict[str, Any]) -> dict[str, Any]:
    return review(c, path, load(fixture) if isinstance(fixture, str) else fixture)


@pytest.mark.parametrize("path", ["/validate", "/validations"])
def test_allowed_and_engine_sees_images_and_context(path: str) -> None:
    engine = FakeEngine()
    response = post(client([engine]), path, "deployment")
    assert response == {"uid": "uid-deployment", "allowed": True}
    [(images, context)] = engine.calls
    assert images[1] == ImageAt("spec.template.spec.containers[0].image", "nginx:1.25")
    assert len(images) == 5
    assert (context.kind, context.api_version, context.namespace, context.name) == (
        "Deployment", "apps/v1", "prod", "web",
    )  # fmt: skip
    assert context.operation == "CREATE"
    assert context.obj["spec"]["replicas"] == 3


def test_denial_is_rendered_as_bad_request() -> None:
    message = (
        "validation failed: failed policy: my-cip: spec.containers[0].image\n"
        "nginx:1.25 signature keyless validation failed for authority authority-0 for "
        "index.docker.io/library/nginx@sha256:00: no signatures found"
    )
    engine = FakeEngine(outcome=Outcome(False, message, ("careful",)))
    response = post(client([engine]), "/validate", "pod")
    assert response["allowed"] is False
    assert response["status"] == {
        "metadata": {}, "status": "Failure", "message": message, "reason": "BadRequest",
        "code": 400,
    }  # fmt: skip
    assert response["warnings"] == ["careful"]


def test_any_deny_denies_and_warnings_are_concatenated() -> None:
    engines = [
        FakeEngine("policy.sigstore.dev", Outcome(True, "", ("no matching policies: x\nimg",))),
        FakeEngine("kyverno", Outcome(False, "resource Pod/prod/web was blocked", ("w2",))),
        FakeEngine("third", Outcome(False, "also no")),
    ]
    response = post(client(engines), "/validate", "pod")
    assert response["allowed"] is False
    assert response["status"]["message"] == "resource Pod/prod/web was blocked\n\nalso no"
    assert response["warnings"] == ["no matching policies: x", "img", "w2"]


def test_all_allow_with_warnings() -> None:
    engines = [FakeEngine("a", Outcome(True, "", ("w1",))), FakeEngine("b", Outcome(True))]
    response = post(client(engines), "/validate", "job")
    assert response == {"uid": "uid-job", "allowed": True, "warnings": ["w1"]}


def test_crashing_engine_denies_without_a_stack_trace() -> None:
    response = post(client([FakeEngine(), CrashingEngine()]), "/validate", "pod")
    assert response["allowed"] is False
    assert response["status"]["message"] == (
        "policy engine broken could not decide: internal error; see the log"
    )
    assert "Traceback" not in json.dumps(response)


def test_no_engines_denies() -> None:
    response = post(client([]), "/validate", "pod")
    assert response["status"]["message"] == "validation failed: no policy engines are loaded"


@pytest.mark.parametrize(
    "fixture",
    ["pod-delete", "pod-status", "pod-deleting", "deployment-scale-down", "configmap",
     "pod-namespace-not-opted-in"],
)  # fmt: skip
@pytest.mark.parametrize("path", ["/validate", "/mutate"])
def test_skipped_requests_are_allowed_unchecked(fixture: str, path: str) -> None:
    engine = FakeEngine(outcome=Outcome(False, "would deny"))
    resolver = FakeResolver({"index.docker.io/library/nginx:1.25": DIGEST})
    response = post(client([engine], resolver), path, fixture)
    assert response == {"uid": load(fixture)["request"]["uid"], "allowed": True}
    assert engine.calls == [] and resolver.asked == []


def test_scale_down_with_a_new_image_is_checked() -> None:
    engine = FakeEngine(outcome=Outcome(False, "denied"))
    assert (
        post(client([engine]), "/validate", "deployment-scale-down-new-image")["allowed"] is False
    )


def test_opted_in_namespace_is_checked_and_labels_reach_the_engine() -> None:
    engine = FakeEngine(outcome=Outcome(False, "denied"))
    assert post(client([engine]), "/validate", "pod-namespace-opted-in")["allowed"] is False
    assert engine.calls[0][1].namespace_labels == {"policy.sigstore.dev/include": "true"}


def test_all_namespaces_ignores_the_label() -> None:
    engine = FakeEngine(outcome=Outcome(False, "denied"))
    c = client([engine], all_namespaces=True)
    assert post(c, "/validate", "pod-namespace-not-opted-in")["allowed"] is False


def test_namespace_labels_source_is_asked_when_the_request_has_none() -> None:
    engine = FakeEngine(outcome=Outcome(False, "denied"))
    known = {"prod": {"policy.sigstore.dev/include": "true"}, "dev": {}}
    app = create_app(AdmissionSettings(), [engine], None, namespace_labels=known.get)
    c = TestClient(app)
    assert post(c, "/validate", "pod")["allowed"] is False  # prod opted in
    doc = load("pod")
    doc["request"]["namespace"] = "dev"
    assert post(c, "/validate", doc) == {"uid": "uid-pod", "allowed": True}
    doc["request"]["namespace"] = "unknown"  # the API server's selector chose it
    assert post(c, "/validate", doc)["allowed"] is False


def _patch(response: dict[str, Any]) -> list[dict[str, Any]]:
    assert response["patchType"] == "JSONPatch"
    ops: list[dict[str, Any]] = json.loads(base64.b64decode(response["patch"]))
    return ops


@pytest.mark.parametrize("path", ["/mutate", "/mutations"])
def test_mutate_pins_tags_and_leaves_the_unresolvable(path: str) -> None:
    other = parse_digest("sha256:" + "d" * 64)
    resolver = FakeResolver(
        {"index.docker.io/library/nginx:1.25": DIGEST, "ghcr.io/org/debug:v2": other}
    )
    response = post(client([FakeEngine()], resolver), path, "cronjob-v1")
    prefix = "/spec/jobTemplate/spec/template/spec"
    assert _patch(response) == [
        {"op": "replace", "path": f"{prefix}/containers/0/image",
         "value": f"index.docker.io/library/nginx:1.25@{DIGEST}"},
        {"op": "replace", "path": f"{prefix}/ephemeralContainers/0/image",
         "value": f"ghcr.io/org/debug:v2@{other}"},
    ]  # fmt: skip
    # busybox and the data volume could not be resolved; the digest reference is not asked
    assert sorted(resolver.asked) == [
        "ghcr.io/org/debug:v2",
        "index.docker.io/library/busybox:1.36",
        "index.docker.io/library/nginx:1.25",
        "registry.example/data:v1",
    ]


def test_mutate_without_tags_has_no_patch() -> None:
    doc = load("pod")
    spec = doc["request"]["object"]["spec"]
    spec.pop("initContainers"), spec.pop("ephemeralContainers"), spec.pop("volumes")
    spec["containers"] = [spec["containers"][1]]
    resolver = FakeResolver({})
    assert post(client([], resolver), "/mutate", doc) == {"uid": "uid-pod", "allowed": True}
    assert resolver.asked == []


def test_mutate_resolves_every_time_never_caching_tags() -> None:
    resolver = FakeResolver({"index.docker.io/library/nginx:1.25": DIGEST})
    c = client([], resolver)
    first = _patch(post(c, "/mutate", "pod"))
    moved = parse_digest("sha256:" + "e" * 64)
    resolver.digests["index.docker.io/library/nginx:1.25"] = moved
    second = _patch(post(c, "/mutate", "pod"))
    assert first[0]["value"].endswith(str(DIGEST))
    assert second[0]["value"] == f"index.docker.io/library/nginx:1.25@{moved}"


def test_engine_set_swap_takes_effect() -> None:
    engines = EngineSet([FakeEngine(outcome=Outcome(False, "old"))], "gen-1")
    c = client(engines)
    assert post(c, "/validate", "pod")["status"]["message"] == "old"
    engines.swap([FakeEngine(outcome=Outcome(True))], "gen-2")
    assert post(c, "/validate", "pod")["allowed"] is True
    assert c.get("/healthz").json() == {
        "status": "ok", "engines": ["policy.sigstore.dev"], "policies": "gen-2",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "request body is not valid JSON"),
        (b"[]", "AdmissionReview: expected a JSON object, found []"),
        (b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}',
         "request.uid: expected a string, found nothing"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("path", ["/validate", "/mutate"])
def test_bad_requests_answer_400_json(body: bytes, message: str, path: str) -> None:
    response = client([FakeEngine()]).post(
        path, content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    answer = response.json()
    assert answer["code"] == 400
    assert answer["message"].startswith(message)


def test_malformed_pod_spec_answers_400_naming_the_field() -> None:
    doc = load("pod")
    doc["request"]["object"]["spec"]["containers"] = {"image": "x"}
    response = client([FakeEngine()]).post("/validate", json=doc)
    assert response.status_code == 400
    assert response.json()["message"] == "spec.containers: expected a list, found dict"


def test_body_limit() -> None:
    response = client([FakeEngine()], max_body_bytes=100).post("/validate", json=load("pod"))
    assert response.status_code == 413
    assert (
        "over the limit of 100 bytes" in response.json()["message"]
        or "limit is 100" in (response.json()["message"])
    )


def test_metrics_count_reviews_and_cache() -> None:
    c = client([FakeEngine(outcome=Outcome(False, "no"))])
    post(c, "/validate", "pod")
    post(c, "/validate", "pod-delete")
    text = c.get("/metrics").text
    assert 'sigstack_admission_reviews_total{webhook="validate",result="denied"} 1' in text
    assert 'sigstack_admission_reviews_total{webhook="validate",result="skipped"} 1' in text
    assert 'sigstack_admission_cache_events_total{event="hit"} 0' in text
    assert "sigstack_admission_cache_entries 0" in text


class SlowEngine:
    name = "slow"

    def validate(self, images: Sequence[ImageAt], context: ResourceContext) -> Outcome:
        time.sleep(2)
        return Outcome(True)


def test_validation_past_the_timeout_denies_without_waiting() -> None:
    started = time.monotonic()
    response = post(client([SlowEngine()], timeout=0.2), "/validate", "pod")
    assert time.monotonic() - started < 1.5
    assert response["allowed"] is False
    assert response["status"]["message"] == "validation failed: policy evaluation took over 0.2 s"


def test_mutate_past_the_timeout_leaves_images_unchanged() -> None:
    class SlowResolver:
        def __call__(self, reference: Reference) -> Digest:
            time.sleep(2)
            return DIGEST

    started = time.monotonic()
    response = post(client([], SlowResolver(), timeout=0.2), "/mutate", "pod")
    assert time.monotonic() - started < 1.5
    assert response == {"uid": "uid-pod", "allowed": True}
