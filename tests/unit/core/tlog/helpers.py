"""Assertions shared by the entry-kind tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel
from sigstore_models.rekor.v2.entry import Entry

from sigstack.core.canonical_json import canonicalize
from sigstack.core.tlog.entries import CanonicalEntry

DELETE = object()


def mutate(request: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """A deep copy of ``request`` with ``path`` (``a.b[0].c``) set to ``value`` (or deleted)."""
    result = copy.deepcopy(request)
    parts = path.replace("[", ".[").split(".")
    node: Any = result
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    last = parts[-1]
    key: Any = int(last[1:-1]) if last.startswith("[") else last
    if value is DELETE:
        del node[key]
    else:
        node[key] = value
    return result


def expect_error(
    parse: Callable[[bytes], CanonicalEntry],
    request: dict[str, Any] | bytes,
    error: type[Exception],
    field: str | None,
    fragment: str,
) -> None:
    """``parse`` refuses ``request``: exactly ``error``, naming ``field``, saying ``fragment``."""
    data = request if isinstance(request, bytes) else json.dumps(request).encode()
    with pytest.raises(Exception) as raised:  # the exact type is checked below
        parse(data)
    assert type(raised.value) is error, f"{type(raised.value).__name__}: {raised.value}"
    assert raised.value.field == field  # type: ignore[attr-defined]
    message = raised.value.message  # type: ignore[attr-defined]
    assert fragment in message, message
    assert "expected" in message and "found" in message, message


def assert_canonical(entry: CanonicalEntry) -> dict[str, Any]:
    """The body is RFC 8785 JSON with ``apiVersion``/``kind`` as the entry says; returns it."""
    body: dict[str, Any] = json.loads(entry.body)
    assert canonicalize(body) == entry.body
    assert (body["apiVersion"], body["kind"]) == (entry.api_version, entry.kind)
    assert set(body) == {"apiVersion", "kind", "spec"}
    return body


def assert_v1_model(model: type[BaseModel], entry: CanonicalEntry) -> None:
    """The body parses with the ``rekor_types`` model and loses nothing in a round trip."""
    parsed = model.model_validate_json(entry.body)
    dumped = parsed.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert dumped == json.loads(entry.body)


def assert_v2_model(entry: CanonicalEntry) -> None:
    """The body parses with sigstore-python's strict ``Entry`` model (extra keys forbidden)."""
    parsed = Entry.model_validate_json(entry.body)
    assert parsed.kind == entry.kind
    assert parsed.api_version == entry.api_version
    assert json.loads(parsed.to_json()) == json.loads(entry.body)
