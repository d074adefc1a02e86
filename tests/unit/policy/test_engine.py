"""The engine contract's shared pieces: memo keys, the run memo, registries per host."""

from __future__ import annotations

from typing import Any

import pytest

from sigstack.core.oci.reference import parse_reference
from sigstack.policy._evidence import Registries, trust_version
from sigstack.policy.engine import RunMemo, memo_key, no_memo

DIGEST = "sha256:" + "ab" * 32


def test_memo_key_names_the_digest_never_the_tag() -> None:
    tagged = parse_reference(f"registry.example/team/app:v1@{DIGEST}")
    other_tag = parse_reference(f"registry.example/team/app:v2@{DIGEST}")
    key = memo_key("engine", tagged, "part")
    assert key == ("engine", f"registry.example/team/app@{DIGEST}", "part")
    assert memo_key("engine", other_tag, "part") == key


def test_memo_key_refuses_an_unpinned_reference() -> None:
    with pytest.raises(ValueError, match="expected a reference pinned to a digest, found"):
        memo_key("engine", parse_reference("registry.example/team/app:v1"))


def test_run_memo_computes_once_per_key() -> None:
    memo, calls = RunMemo(), []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert memo("k", compute) == 1
    assert memo("k", compute, negative=lambda _: True) == 1
    assert memo("other", compute) == 2
    assert no_memo("k", compute) == 3  # remembers nothing


def test_registries_one_client_per_host_and_store() -> None:
    made: list[str] = []

    def factory(host: str) -> Any:
        made.append(host)
        return object()

    registries = Registries(factory)
    assert registries("a.example") is registries("a.example")
    store = registries.store("b.example/sigs/app")
    assert store.repository == "sigs/app" and store.registry is registries("b.example")
    assert made == ["a.example", "b.example"]


def test_trust_version_without_a_root() -> None:
    assert trust_version(None) == "none"
