"""AdmissionReview v1 parsing and responses (oci-and-policy.md §6)."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sigstack.core.admission import (
    allow_response,
    deny_response,
    parse_review,
    split_warnings,
)
from sigstack.errors import FormatError

FIXTURES = Path(__file__).parents[3] / "fixtures" / "admission"


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return doc


def test_parses_a_deployment_create() -> None:
    request = parse_review(load("deployment"))
    assert request.uid == "uid-deployment"
    assert (request.kind.group, request.kind.version, request.kind.kind) == (
        "apps", "v1", "Deployment",
    )  # fmt: skip
    assert request.kind.api_version == "apps/v1"
    assert request.resource == "deployments"
    assert request.operation == "CREATE"
    assert (request.name, request.namespace, request.sub_resource) == ("web", "prod", "")
    assert request.obj is not None and request.obj["kind"] == "Deployment"
    assert request.old_obj is None
    assert request.namespace_labels is None
    assert request.user == "alice"


def test_core_group_api_version_is_the_version() -> None:
    assert parse_review(load("pod")).kind.api_version == "v1"


def test_namespace_object_labels_are_read() -> None:
    assert parse_review(load("pod-namespace-opted-in")).namespace_labels == {
        "policy.sigstore.dev/include": "true"
    }
    labels = parse_review(load("pod-namespace-not-opted-in")).namespace_labels
    assert labels == {"kubernetes.io/metadata.name": "dev"}


def test_subresource_and_delete_without_object() -> None:
    assert parse_review(load("pod-ephemeralcontainers")).sub_resource == "ephemeralcontainers"
    deleted = parse_review(load("pod-delete"))
    assert deleted.operation == "DELETE" and deleted.obj is None


def _broken(edit: Any) -> dict[str, Any]:
    doc = copy.deepcopy(load("pod"))
    edit(doc)
    return doc


@pytest.mark.parametrize(
    ("edit", "field", "expected"),
    [
        (lambda d: d.update(apiVersion="admission.k8s.io/v1beta1"), "apiVersion",
         "expected 'admission.k8s.io/v1', found 'admission.k8s.io/v1beta1'"),
        (lambda d: d.update(kind="Pod"), "kind", "expected 'AdmissionReview', found 'Pod'"),
        (lambda d: d.pop("request"), "AdmissionReview.request", "expected an object, found nothing"),
        (lambda d: d["request"].pop("uid"), "request.uid", "expected a string, found nothing"),
        (lambda d: d["request"].update(uid=""), "request.uid", "expected a non-empty uid"),
        (lambda d: d["request"].update(uid=7), "request.uid", "expected a string, found 7"),
        (lambda d: d["request"]["kind"].pop("kind"), "request.kind.kind", "expected a string"),
        (lambda d: d["request"].update(operation="PATCH"), "request.operation",
         "expected one of CONNECT, CREATE, DELETE, UPDATE, found 'PATCH'"),
        (lambda d: d["request"].update(object=None), "request.object",
         "expected an object, found nothing"),
        (lambda d: d["request"].update(object=[1]), "request.object", "expected an object, found [1]"),
        (lambda d: d["request"].update(dryRun="no"), "request.dryRun", "expected a boolean"),
        (lambda d: d["request"].update(namespaceObject={"metadata": {"labels": {"a": 1}}}),
         "request.namespaceObject.metadata.labels", "expected a map of strings"),
    ],
)  # fmt: skip
def test_malformed_reviews_name_the_field(edit: Any, field: str, expected: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_review(_broken(edit))
    assert caught.value.field == field
    assert expected in caught.value.message


def test_not_an_object() -> None:
    with pytest.raises(FormatError, match="expected a JSON object, found \\[\\]"):
        parse_review([])


def test_allow_response_echoes_uid() -> None:
    assert allow_response("u-1") == {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "response": {"uid": "u-1", "allowed": True},
    }


def test_deny_response_is_a_bad_request_status() -> None:
    review = deny_response("u-2", "validation failed: no matching policies: spec.x\nimg")
    assert review["apiVersion"] == "admission.k8s.io/v1"
    assert review["kind"] == "AdmissionReview"
    assert review["response"] == {
        "uid": "u-2",
        "allowed": False,
        "status": {
            "metadata": {},
            "status": "Failure",
            "message": "validation failed: no matching policies: spec.x\nimg",
            "reason": "BadRequest",
            "code": 400,
        },
    }


def test_patch_is_base64_json_patch() -> None:
    ops = [{"op": "replace", "path": "/spec/containers/0/image", "value": "a:b@sha256:00"}]
    response = allow_response("u-3", patch=ops)["response"]
    assert response["patchType"] == "JSONPatch"
    assert json.loads(base64.b64decode(response["patch"])) == ops


def test_empty_patch_is_left_out() -> None:
    assert "patch" not in allow_response("u-4", patch=[])["response"]


def test_warnings_split_on_newlines_like_knative() -> None:
    response = allow_response(
        "u-5", warnings=["no matching policies: spec.containers[0].image\nnginx@sha256:00"]
    )["response"]
    assert response["warnings"] == [
        "no matching policies: spec.containers[0].image",
        "nginx@sha256:00",
    ]


def test_warnings_lose_control_characters() -> None:
    assert split_warnings(["a\tb\x1bc", "", "\n"]) == ["a b c"]
