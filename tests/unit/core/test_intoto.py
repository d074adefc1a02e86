"""in-toto Statement v1: building (``attest-blob``), short names, strict parsing."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from sigstack.core.intoto import (
    PREDICATE_TYPES,
    STATEMENT_V1,
    build_statement,
    parse_predicate,
    parse_statement,
    predicate_type_uri,
)
from sigstack.errors import FormatError

DIGEST = hashlib.sha256(b"hello\n").digest()


def test_build_statement_has_the_v1_shape_with_one_subject() -> None:
    statement = build_statement("a.txt", DIGEST, "slsaprovenance1", {"buildDefinition": {}})
    document = json.loads(statement.encode())
    assert document == {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "a.txt", "digest": {"sha256": DIGEST.hex()}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {"buildDefinition": {}},
    }
    assert list(document) == ["_type", "subject", "predicateType", "predicate"]
    assert parse_statement(statement.encode()) == statement


@pytest.mark.parametrize(
    ("name", "uri"),
    [
        ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
        ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
        ("slsaprovenance1", "https://slsa.dev/provenance/v1"),
        ("spdx", "https://spdx.dev/Document"),
        ("spdxjson", "https://spdx.dev/Document"),
        ("cyclonedx", "https://cyclonedx.org/bom"),
        ("link", "https://in-toto.io/Link/v1"),
        ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
        ("openvex", "https://openvex.dev/ns"),
        ("custom", "https://cosign.sigstore.dev/attestation/v1"),
        ("https://example.com/my-predicate/v1", "https://example.com/my-predicate/v1"),
        ("urn:example:predicate", "urn:example:predicate"),
    ],
)
def test_cosign_short_names_map_to_uris(name: str, uri: str) -> None:
    assert predicate_type_uri(name) == uri


@pytest.mark.parametrize("name", ["provenance", "", "not a uri", "/relative/path"])
def test_an_unknown_name_that_is_not_a_uri_is_refused(name: str) -> None:
    with pytest.raises(FormatError, match="expected a predicate type URI or one of custom"):
        predicate_type_uri(name)


def test_every_short_name_is_listed_in_the_refusal() -> None:
    with pytest.raises(FormatError) as caught:
        predicate_type_uri("nope")
    assert all(name in str(caught.value) for name in PREDICATE_TYPES)


def test_predicate_must_be_a_json_object() -> None:
    assert parse_predicate(b'{"a": [1]}') == {"a": [1]}
    with pytest.raises(FormatError, match="expected a JSON predicate, found invalid JSON"):
        parse_predicate(b"not json at all")
    with pytest.raises(FormatError, match="expected a JSON object as predicate, found list"):
        parse_predicate(b"[1, 2]")
    with pytest.raises(FormatError, match="invalid JSON"):
        parse_predicate(b"\xff\xfe")


def test_build_refuses_a_digest_that_is_not_sha256() -> None:
    with pytest.raises(FormatError, match="32-byte SHA-256"):
        build_statement("a", b"\x00" * 20, "custom", {})


def _statement(**changes: Any) -> bytes:
    document: dict[str, Any] = {
        "_type": STATEMENT_V1,
        "subject": [{"name": "a.txt", "digest": {"sha256": DIGEST.hex()}}],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {},
        **changes,
    }
    return json.dumps({k: v for k, v in document.items() if v is not None}).encode()


def test_parse_accepts_v0_1_statements_and_a_missing_predicate() -> None:
    old = parse_statement(_statement(_type="https://in-toto.io/Statement/v0.1", predicate=None))
    assert old.type == "https://in-toto.io/Statement/v0.1" and old.predicate is None
    assert old.sha256_subjects() == {DIGEST.hex()}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"_type": "https://in-toto.io/Statement/v2"}, "_type: expected"),
        ({"subject": []}, "subject: expected a non-empty list"),
        ({"subject": "a.txt"}, "subject: expected a non-empty list"),
        ({"subject": ["a.txt"]}, "subject[0]: expected an object"),
        ({"subject": [{"name": "a", "digest": {}}]}, "subject[0].digest"),
        ({"subject": [{"name": "a"}]}, "subject[0].digest"),
        ({"subject": [{"name": 3, "digest": {"sha256": "ab"}}]}, "subject[0].name"),
        ({"subject": [{"digest": {"sha256": "AB"}}]}, "subject[0].digest.sha256"),
        ({"subject": [{"digest": {"sha256": 12}}]}, "subject[0].digest.sha256"),
        ({"predicateType": "slsa"}, "predicateType: expected a URI"),
        ({"predicateType": None}, "predicateType: expected a URI"),
        ({"predicate": "text"}, "predicate: expected an object"),
    ],
)
def test_malformed_statements_are_refused_naming_the_field(
    changes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(FormatError) as caught:
        parse_statement(_statement(**changes))
    assert reason in str(caught.value)


def test_not_json_is_refused() -> None:
    with pytest.raises(FormatError, match="found invalid JSON"):
        parse_statement(b"{")
    with pytest.raises(FormatError, match="expected a statement object, found list"):
        parse_statement(b"[]")
