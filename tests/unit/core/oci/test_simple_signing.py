"""The simple-signing payload (oci-and-policy.md §1.4): cosign's exact bytes, strict parsing."""

from __future__ import annotations

import json

import pytest

from sigstack.core.oci.digest import parse_digest
from sigstack.core.oci.simple_signing import (
    SIMPLE_SIGNING_TYPE,
    build_payload,
    go_json,
    parse_payload,
)
from sigstack.errors import FormatError

HEX = "a" * 64
DIGEST = parse_digest(f"sha256:{HEX}")

# The spec's example, verbatim (§1.4), with its "…" digest made concrete.
SPEC_EXAMPLE = (
    '{"critical":{"identity":{"docker-reference":"index.docker.io/library/nginx"},'
    '"image":{"docker-manifest-digest":"sha256:' + HEX + '"},'
    '"type":"cosign container image signature"},"optional":null}'
).encode()


def test_parses_the_spec_example_verbatim() -> None:
    claim = parse_payload(SPEC_EXAMPLE)
    assert claim.docker_reference == "index.docker.io/library/nginx"
    assert claim.manifest_digest == DIGEST
    assert claim.optional is None


def test_builds_the_spec_example_byte_for_byte() -> None:
    assert build_payload("index.docker.io/library/nginx", DIGEST) == SPEC_EXAMPLE


def test_annotations_go_to_optional_with_sorted_keys() -> None:
    payload = build_payload("r.example/app", DIGEST, {"z": "1", "real": "true"})
    assert payload.endswith(b',"optional":{"real":"true","z":"1"}}')
    assert parse_payload(payload).optional == {"real": "true", "z": "1"}


def test_go_escapes_html_characters_and_line_separators() -> None:
    assert go_json({"a": "<&>\u2028é"}) == b'{"a":"\\u003c\\u0026\\u003e\\u2028\xc3\xa9"}'


def test_containers_image_variant_parses() -> None:
    doc = json.loads(SPEC_EXAMPLE)
    doc["critical"]["identity"]["docker-reference"] = "r.example/app:v1"
    doc["optional"] = {"creator": "containers/image 5.23.1", "timestamp": 1700000000}
    claim = parse_payload(json.dumps(doc).encode())
    assert claim.optional == {"creator": "containers/image 5.23.1", "timestamp": 1700000000}


def _mutated(path: tuple[str, ...], value: object) -> bytes:
    doc = json.loads(SPEC_EXAMPLE)
    target = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("path", "value", "reason"),
    [
        (("critical", "type"), "atomic container signature", "critical.type"),
        (("critical", "type"), KeyError, "critical: expected exactly the keys"),
        (("critical", "extra"), 1, "critical: expected exactly the keys"),
        (("critical", "image", "docker-manifest-digest"), "sha256:abc", "docker-manifest-digest"),
        (("critical", "image"), None, "critical.image: expected an object"),
        (("critical", "identity", "docker-reference"), 5, "expected a string"),
        (("optional",), [1], "optional: expected an object"),
        (("critical",), KeyError, "expected a critical object"),
    ],
)
def test_refuses_malformed_payloads(path: tuple[str, ...], value: object, reason: str) -> None:
    with pytest.raises(FormatError, match=reason):
        parse_payload(_mutated(path, value))


def test_refuses_capitalised_readme_keys_and_non_json() -> None:
    capitalised = SPEC_EXAMPLE.replace(b'"critical"', b'"Critical"')
    with pytest.raises(FormatError, match="expected a critical object"):
        parse_payload(capitalised)
    with pytest.raises(FormatError, match="expected a simple-signing JSON payload"):
        parse_payload(b"not json")
    assert SIMPLE_SIGNING_TYPE == "cosign container image signature"
