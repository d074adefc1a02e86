"""Images of every workload kind with their paths, skip rules, digest pinning, JSON Patch
(oci-and-policy.md §3.3, §6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sigstack.core.admission import (
    FoundImage,
    extract_images,
    image_patch,
    json_pointer,
    parse_review,
    pinned_reference,
    pod_spec_path,
    skip_reason,
)
from sigstack.core.oci.digest import parse_digest
from sigstack.errors import FormatError

FIXTURES = Path(__file__).parents[3] / "fixtures" / "admission"
SIDE = "registry.example/team/side@sha256:" + "a" * 64
DIGEST = parse_digest("sha256:" + "b" * 64)


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return doc


def images_of(name: str) -> list[FoundImage]:
    request = parse_review(load(name))
    kind = request.kind
    path = pod_spec_path(kind.group, kind.version, kind.kind)
    assert path is not None and request.obj is not None
    return extract_images(request.obj, path)


def expected(prefix: str) -> list[FoundImage]:
    return [
        FoundImage(f"{prefix}initContainers[0].image", "busybox:1.36"),
        FoundImage(f"{prefix}containers[0].image", "nginx:1.25"),
        FoundImage(f"{prefix}containers[1].image", SIDE),
        FoundImage(f"{prefix}ephemeralContainers[0].image", "ghcr.io/org/debug:v2"),
        FoundImage(f"{prefix}volumes[0].image.reference", "registry.example/data:v1"),
    ]


@pytest.mark.parametrize(
    ("fixture", "prefix"),
    [
        ("pod", "spec."),
        ("pod-ephemeralcontainers", "spec."),
        ("deployment", "spec.template.spec."),
        ("replicaset", "spec.template.spec."),
        ("statefulset", "spec.template.spec."),
        ("daemonset", "spec.template.spec."),
        ("job", "spec.template.spec."),
        ("cronjob-v1", "spec.jobTemplate.spec.template.spec."),
        ("cronjob-v1beta1", "spec.jobTemplate.spec.template.spec."),
        ("podtemplate", "template.spec."),
    ],
)
def test_every_kind_yields_every_image_with_its_path(fixture: str, prefix: str) -> None:
    assert images_of(fixture) == expected(prefix)
    assert skip_reason(parse_review(load(fixture))) is None


def test_unsupported_kinds_and_versions() -> None:
    assert pod_spec_path("", "v1", "ConfigMap") is None
    assert pod_spec_path("apps", "v1beta2", "Deployment") is None
    assert pod_spec_path("batch", "v1beta1", "Job") is None
    assert skip_reason(parse_review(load("configmap"))) == (
        "v1 ConfigMap is not a kind the webhook checks"
    )


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("pod-delete", "DELETE requests are not checked"),
        ("pod-status", "the status subresource is not checked"),
        ("pod-deleting", "the object is being deleted"),
        ("deployment-scale-down", "a scale-down with unchanged images is not checked"),
    ],
)
def test_skipped_requests(fixture: str, reason: str) -> None:
    assert skip_reason(parse_review(load(fixture))) == reason


def test_scale_down_that_changes_an_image_is_checked() -> None:
    assert skip_reason(parse_review(load("deployment-scale-down-new-image"))) is None


def test_scale_up_is_checked() -> None:
    doc = load("deployment-scale-down")
    request = doc["request"]
    request["object"], request["oldObject"] = request["oldObject"], request["object"]
    assert skip_reason(parse_review(doc)) is None


def test_connect_is_skipped() -> None:
    doc = load("pod")
    doc["request"]["operation"] = "CONNECT"
    assert skip_reason(parse_review(doc)) == "CONNECT requests are not checked"


def test_missing_pod_spec_has_no_images() -> None:
    assert extract_images({"kind": "Deployment"}, ("spec", "template", "spec")) == []


def test_containers_not_a_list_is_refused_with_its_path() -> None:
    with pytest.raises(FormatError) as caught:
        extract_images({"spec": {"containers": {"image": "x"}}}, ("spec",))
    assert caught.value.field == "spec.containers"
    assert "expected a list, found dict" in caught.value.message


def test_image_not_a_string_is_refused_with_its_path() -> None:
    with pytest.raises(FormatError) as caught:
        extract_images({"spec": {"containers": [{"image": 3}]}}, ("spec",))
    assert caught.value.field == "spec.containers[0].image"


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("nginx", "index.docker.io/library/nginx:latest@" + str(DIGEST)),
        ("nginx:1.25", "index.docker.io/library/nginx:1.25@" + str(DIGEST)),
        ("gcr.io/distroless/static:nonroot", "gcr.io/distroless/static:nonroot@" + str(DIGEST)),
        ("127.0.0.1:5000/app:v1", "127.0.0.1:5000/app:v1@" + str(DIGEST)),
    ],
)
def test_pinned_reference_is_fully_qualified_and_keeps_the_tag(image: str, pinned: str) -> None:
    assert pinned_reference(image, DIGEST) == pinned


@pytest.mark.parametrize(
    ("path", "pointer"),
    [
        ("spec.containers[0].image", "/spec/containers/0/image"),
        ("spec.template.spec.initContainers[12].image", "/spec/template/spec/initContainers/12/image"),
        ("spec.jobTemplate.spec.template.spec.ephemeralContainers[1].image",
         "/spec/jobTemplate/spec/template/spec/ephemeralContainers/1/image"),
        ("spec.volumes[0].image.reference", "/spec/volumes/0/image/reference"),
        ("a/b.c~d", "/a~1b/c~0d"),
    ],
)  # fmt: skip
def test_json_pointer(path: str, pointer: str) -> None:
    assert json_pointer(path) == pointer


def test_image_patch_replaces_only_changed_images() -> None:
    found = images_of("cronjob-v1")
    pinned = "index.docker.io/library/nginx:1.25@" + str(DIGEST)
    changes = [(f, pinned if f.image == "nginx:1.25" else f.image) for f in found]
    assert image_patch(changes) == [
        {
            "op": "replace",
            "path": "/spec/jobTemplate/spec/template/spec/containers/0/image",
            "value": pinned,
        }
    ]


def test_patch_applies_to_the_object() -> None:
    """The pointer names exactly the image it came from (a naive RFC 6902 apply)."""
    doc = load("deployment")["request"]["object"]
    for found in images_of("deployment"):
        node: Any = doc
        *parents, last = json_pointer(found.path).split("/")[1:]
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        assert node[last] == found.image
