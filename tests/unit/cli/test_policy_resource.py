"""``sigstack policy test --resource``: the images of a resource, found as the webhook finds them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigstack.cli.policy import _resource
from sigstack.errors import UnsupportedError

CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: ci}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{name: init, image: "registry.example/init:1"}]
          containers: [{name: main, image: "registry.example/app@sha256:%s"}]
          volumes: [{name: data, image: {reference: "registry.example/data:2"}}]
""" % ("ab" * 32)


def test_cronjob_images_at_their_paths(tmp_path: Path) -> None:
    path = tmp_path / "cronjob.yaml"
    path.write_text(CRONJOB)
    obj, images = _resource(path)
    prefix = "spec.jobTemplate.spec.template.spec."
    assert obj["kind"] == "CronJob"
    assert images == [
        (prefix + "initContainers[0].image", "registry.example/init:1"),
        (prefix + "containers[0].image", "registry.example/app@sha256:" + "ab" * 32),
        (prefix + "volumes[0].image.reference", "registry.example/data:2"),
    ]


def test_an_unsupported_kind_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    with pytest.raises(UnsupportedError) as refused:
        _resource(path)
    assert "found 'v1' 'ConfigMap'" in str(refused.value)
    assert "apps/v1 Deployment" in str(refused.value)
