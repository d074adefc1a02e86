"""Strict parsing of image-spec manifests, indexes and descriptors.

The documents are the examples of image-spec v1.1 ``manifest.md`` §"Example Image
Manifest" and ``image-index.md`` §"Example Image Index"; each negative case names the
mutation.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from sigstack.core.oci import (
    Descriptor,
    ImageIndex,
    ImageManifest,
    Platform,
    digest_of,
    parse_descriptor,
    parse_manifest,
)
from sigstack.core.oci import mediatypes as mt
from sigstack.errors import FormatError

MANIFEST = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {
        "mediaType": "application/vnd.oci.image.config.v1+json",
        "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7",
        "size": 7023,
    },
    "layers": [
        {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": "sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0",
            "size": 32654,
        },
        {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": "sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b",
            "size": 16724,
        },
        {
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": "sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736",
            "size": 73109,
        },
    ],
    "subject": {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
        "size": 7682,
    },
    "annotations": {"com.example.key1": "value1", "com.example.key2": "value2"},
}

INDEX = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": 7143,
            "digest": "sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f",
            "platform": {"architecture": "ppc64le", "os": "linux"},
        },
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": 7682,
            "digest": "sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
            "platform": {"architecture": "amd64", "os": "linux"},
        },
    ],
    "annotations": {"com.example.key1": "value1", "com.example.key2": "value2"},
}


def raw(document: object) -> bytes:
    return json.dumps(document).encode()


def test_example_manifest() -> None:
    parsed = parse_manifest(raw(MANIFEST), mt.OCI_MANIFEST)
    assert isinstance(parsed, ImageManifest)
    assert parsed.config.size == 7023
    assert [layer.size for layer in parsed.layers] == [32654, 16724, 73109]
    assert parsed.subject is not None and parsed.subject.size == 7682
    assert parsed.annotations["com.example.key2"] == "value2"
    assert json.loads(parsed.to_bytes()) == MANIFEST  # nothing lost on the way back


def test_example_index() -> None:
    parsed = parse_manifest(raw(INDEX), "application/vnd.oci.image.index.v1+json; charset=x")
    assert isinstance(parsed, ImageIndex)
    assert [m.platform for m in parsed.manifests] == [
        Platform("ppc64le", "linux"),
        Platform("amd64", "linux"),
    ]
    assert json.loads(parsed.to_bytes()) == INDEX


def test_docker_types_and_unknown_properties() -> None:
    docker = copy.deepcopy(MANIFEST) | {"mediaType": mt.DOCKER_MANIFEST, "x-future": [1]}
    assert parse_manifest(raw(docker)).media_type == mt.DOCKER_MANIFEST
    listing = copy.deepcopy(INDEX) | {"mediaType": mt.DOCKER_MANIFEST_LIST}
    assert isinstance(parse_manifest(raw(listing), mt.DOCKER_MANIFEST_LIST), ImageIndex)


def test_kind_from_served_type_or_shape_when_undeclared() -> None:
    bare = {k: v for k, v in INDEX.items() if k != "mediaType"}
    assert isinstance(parse_manifest(raw(bare)), ImageIndex)
    assert parse_manifest(raw(bare), mt.DOCKER_MANIFEST_LIST).media_type == mt.DOCKER_MANIFEST_LIST
    bare_manifest = {k: v for k, v in MANIFEST.items() if k != "mediaType"}
    assert isinstance(parse_manifest(raw(bare_manifest)), ImageManifest)


def mutate(document: dict[str, object], path: str, value: object) -> dict[str, object]:
    out = copy.deepcopy(document)
    *parents, last = path.split(".")
    node: Any = out
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[int(last) if isinstance(node, list) else last] = value
    return out


@pytest.mark.parametrize(
    ("path", "value", "why"),
    [
        ("schemaVersion", 1, "schemaVersion: expected 2, found 1"),
        ("schemaVersion", True, "schemaVersion: expected 2"),
        ("config", KeyError, "manifest.config: expected an object, found null"),
        ("layers", KeyError, "manifest.layers: expected an array"),
        ("layers.0.size", -1, r"layers\[0\].size: expected a non-negative integer"),
        ("layers.0.size", "1", r"layers\[0\].size: expected a non-negative integer"),
        ("layers.1.digest", "sha256:abc", r"layers\[1\].digest: expected 64 lowercase hex"),
        ("layers.2.mediaType", "not a type", r"layers\[2\].mediaType: expected a media type"),
        ("config.annotations", {"k": 1}, "config.annotations: expected an object of string"),
        ("annotations", ["a"], "manifest.annotations: expected an object of string"),
        ("subject", "sha256:x", "manifest.subject: expected an object, found a string"),
        ("mediaType", "application/json", "expected one of"),
        ("mediaType", mt.OCI_INDEX, "manifest.manifests: expected an array"),
    ],
)
def test_malformed_manifests(path: str, value: object, why: str) -> None:
    with pytest.raises(FormatError, match=why):
        parse_manifest(raw(mutate(MANIFEST, path, value)))


def test_served_type_contradicting_declared_type_is_refused() -> None:
    with pytest.raises(FormatError, match=r"served application/vnd\.oci\.image\.index\.v1"):
        parse_manifest(raw(MANIFEST), mt.OCI_INDEX)


def test_not_json_or_not_an_object() -> None:
    with pytest.raises(FormatError, match="expected a JSON manifest"):
        parse_manifest(b"\xff{")
    with pytest.raises(FormatError, match="manifest: expected an object, found an array"):
        parse_manifest(b"[]")


def test_empty_config_requires_an_artifact_type() -> None:
    artifact = mutate(MANIFEST, "config", Descriptor.of(b"{}", mt.OCI_EMPTY).to_json())
    with pytest.raises(FormatError, match="expected an artifactType"):
        parse_manifest(raw(artifact))
    typed = artifact | {"artifactType": "application/vnd.example+json"}
    parsed = parse_manifest(raw(typed))
    assert parsed.artifact_type == "application/vnd.example+json"


def test_embedded_data_must_match_digest_and_size() -> None:
    good = Descriptor.of(b"{}", mt.OCI_EMPTY).to_json() | {"data": base64.b64encode(b"{}").decode()}
    assert parse_descriptor(good).data == b"{}"
    with pytest.raises(FormatError, match="expected embedded data of 2 bytes"):
        parse_descriptor(good | {"data": base64.b64encode(b"[]").decode()})
    with pytest.raises(FormatError, match="expected base64"):
        parse_descriptor(good | {"data": "***"})


def test_descriptor_of_and_round_trip() -> None:
    descriptor = Descriptor.of(
        b"layer", mt.OCI_LAYER, artifact_type="a/b", annotations={"k": "v"},
        platform=Platform("arm64", "linux", variant="v8", os_features=("x",)),
    )  # fmt: skip
    assert descriptor.digest == digest_of(b"layer") and descriptor.size == 5
    assert parse_descriptor(descriptor.to_json()) == descriptor
    assert descriptor.to_json()["platform"] == {
        "architecture": "arm64", "os": "linux", "os.features": ["x"], "variant": "v8",
    }  # fmt: skip
