"""Dispatch of request bodies to entry kinds, and what every kind has in common."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from sigstack.core.tlog.entries import (
    CanonicalEntry,
    parse_create_entry_request_v2,
    parse_proposed_entry_v1,
)
from sigstack.errors import FormatError, UnsupportedError

from .builders import dumps, hashedrekord_v1, hashedrekord_v2, pem_of, private_key
from .helpers import DELETE, expect_error, mutate


def _v1() -> dict[str, Any]:
    key = private_key("p256")
    return hashedrekord_v1(key, pem_of(key))


def _v2() -> dict[str, Any]:
    return hashedrekord_v2(private_key("p256"), "PKIX_ECDSA_P256_SHA_256")


KINDS = "expected one of hashedrekord, dsse, intoto"
V1_REFUSALS: dict[str, tuple[object, type[Exception], str | None, str]] = {
    "kind-rekord": (
        mutate(_v1(), "kind", "rekord"),
        UnsupportedError,
        "kind",
        f"{KINDS}, found the string 'rekord'",
    ),
    "kind-missing": (mutate(_v1(), "kind", DELETE), FormatError, "kind", "found nothing"),
    "kind-number": (mutate(_v1(), "kind", 1), FormatError, "kind", "found the number 1"),
    "apiVersion-0.0.2-for-hashedrekord": (
        mutate(_v1(), "apiVersion", "0.0.2"),
        UnsupportedError,
        "apiVersion",
        "expected apiVersion 0.0.1 for kind hashedrekord, found the string '0.0.2'",
    ),
    "apiVersion-0.0.1-for-intoto": (
        mutate(mutate(_v1(), "kind", "intoto"), "apiVersion", "0.0.1"),
        UnsupportedError,
        "apiVersion",
        "expected apiVersion 0.0.2 for kind intoto",
    ),
    "apiVersion-missing": (
        mutate(_v1(), "apiVersion", DELETE),
        FormatError,
        "apiVersion",
        "nothing",
    ),
    "spec-string": (mutate(_v1(), "spec", "x"), FormatError, "spec", "found the string 'x'"),
    "body-not-json": (b"{not json", FormatError, None, "found invalid JSON"),
    "body-not-utf8": (b'{"kind": "\xff"}', FormatError, None, "found invalid JSON"),
    "body-empty": (b"", FormatError, None, "found invalid JSON"),
    "body-too-deep": (b"[" * 100_000 + b"]" * 100_000, FormatError, None, "found invalid JSON"),
    "body-array": (b"[]", FormatError, None, "JSON object, found an array of 0 items"),
    "body-string": (b'"x"', FormatError, None, "JSON object, found the string 'x'"),
    "body-null": (b"null", FormatError, None, "JSON object, found null"),
}


@pytest.mark.parametrize(
    ("request_", "error", "field", "fragment"), V1_REFUSALS.values(), ids=V1_REFUSALS
)
def test_v1_dispatch_refusals(
    request_: Any, error: type[Exception], field: str | None, fragment: str
) -> None:
    expect_error(parse_proposed_entry_v1, request_, error, field, fragment)


BOTH = "hashedRekordRequestV002, dsseRequestV002"
V2_REFUSALS: dict[str, tuple[object, type[Exception], str | None, str]] = {
    "both-requests": (
        {**_v2(), "dsseRequestV002": {}},
        FormatError,
        BOTH,
        f"expected exactly one of {BOTH}, found both",
    ),
    "identity-request": (
        {"identityRequestV001": {}},
        UnsupportedError,
        "identityRequestV001",
        f"{BOTH}, found 'identityRequestV001'",
    ),
    "snake-case-request": (
        {"hashed_rekord_request_v002": {}},
        UnsupportedError,
        "hashed_rekord_request_v002",
        "found",
    ),
    "empty-object": ({}, FormatError, None, f"expected one of {BOTH}, found nothing"),
    "request-null": ({"hashedRekordRequestV002": None}, FormatError, None, "found nothing"),
    "body-array": (b"[1]", FormatError, None, "JSON object, found an array of 1 items"),
}


@pytest.mark.parametrize(
    ("request_", "error", "field", "fragment"), V2_REFUSALS.values(), ids=V2_REFUSALS
)
def test_v2_dispatch_refusals(
    request_: Any, error: type[Exception], field: str | None, fragment: str
) -> None:
    expect_error(parse_create_entry_request_v2, request_, error, field, fragment)


def test_unknown_fields_are_ignored_as_rekor_and_protojson_do() -> None:
    v1 = _v1()
    extra = mutate(mutate(v1, "spec.signature.extra", 1), "spec.data.content", "ignored")
    assert parse_proposed_entry_v1(dumps(extra)) == parse_proposed_entry_v1(dumps(v1))
    v2 = _v2()
    extra = {**v2, "extra": True}
    assert parse_create_entry_request_v2(dumps(extra)) == parse_create_entry_request_v2(dumps(v2))


def test_v1_spec_null_fields_count_as_missing() -> None:
    request = mutate(_v1(), "spec.signature.publicKey", None)
    expect_error(
        parse_proposed_entry_v1, request, FormatError, "spec.signature.publicKey", "nothing"
    )


def test_canonical_entry_is_a_frozen_value() -> None:
    entry = parse_create_entry_request_v2(dumps(_v2()))
    assert isinstance(entry, CanonicalEntry)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.body = b""  # type: ignore[misc]
    assert hash(entry) == hash(dataclasses.replace(entry))
    assert isinstance(entry.index_keys, frozenset)


def test_same_request_same_leaf_whatever_the_json_formatting() -> None:
    request = _v2()
    compact = json.dumps(request, separators=(",", ":")).encode()
    pretty = json.dumps(request, indent=4, sort_keys=True).encode()
    assert parse_create_entry_request_v2(compact).body == parse_create_entry_request_v2(pretty).body


@pytest.mark.parametrize(
    "module", ["entries", "common", "hashedrekord", "dsse", "intoto", "verifier"]
)
def test_public_names_exist(module: str) -> None:
    import importlib

    loaded = importlib.import_module(f"sigstack.core.tlog.{module}")
    assert all(hasattr(loaded, name) for name in loaded.__all__)
