"""The verification cache: LRU bound, TTL, short negative TTL, single-flight, digest keys."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from sigstack.errors import FormatError
from sigstack.policy.engine import Memo
from sigstack.services.admission.cache import VerificationCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counter() -> tuple[list[int], Callable[[str], Callable[[], str]]]:
    calls: list[int] = [0]

    def make(value: str) -> Callable[[], str]:
        def compute() -> str:
            calls[0] += 1
            return value

        return compute

    return calls, make


def test_is_a_memo() -> None:
    memo: Memo = VerificationCache()
    assert memo("k", lambda: 1) == 1


def test_hit_within_ttl_miss_after() -> None:
    clock = Clock()
    cache = VerificationCache(ttl=60, clock=clock)
    calls, make = counter()
    assert cache("k", make("a")) == "a"
    clock.now += 59
    assert cache("k", make("b")) == "a"
    assert calls[0] == 1
    clock.now += 1
    assert cache("k", make("b")) == "b"
    assert calls[0] == 2
    assert (cache.stats.hits, cache.stats.misses) == (1, 2)


def test_negative_results_kept_only_for_the_negative_ttl() -> None:
    clock = Clock()
    cache = VerificationCache(ttl=300, negative_ttl=5, clock=clock)
    calls, make = counter()

    def failed(value: str) -> bool:
        return value.startswith("deny")

    assert cache("bad", make("deny: no signatures found"), negative=failed).startswith("deny")
    clock.now += 4
    assert cache("bad", make("allow"), negative=failed).startswith("deny")
    clock.now += 1
    assert cache("bad", make("allow"), negative=failed) == "allow"
    clock.now += 200
    assert cache("bad", make("deny again"), negative=failed) == "allow"  # positive: 300 s
    assert calls[0] == 2


def test_zero_negative_ttl_keeps_nothing() -> None:
    cache = VerificationCache(negative_ttl=0)
    calls, make = counter()
    cache("k", make("x"), negative=lambda _: True)
    cache("k", make("x"), negative=lambda _: True)
    assert calls[0] == 2
    assert len(cache) == 0


def test_lru_evicts_the_least_recently_used() -> None:
    cache = VerificationCache(max_entries=2)
    calls, make = counter()
    cache("a", make("A"))
    cache("b", make("B"))
    cache("a", make("A2"))  # a is now most recent
    cache("c", make("C"))  # evicts b
    assert len(cache) == 2
    assert cache("a", make("A3")) == "A"
    assert cache("b", make("B2")) == "B2"
    assert cache.stats.evictions == 2  # b, then c (a was used after c)
    assert calls[0] == 4


def test_single_flight_shares_one_computation_between_threads() -> None:
    cache = VerificationCache()
    started = threading.Event()
    release = threading.Event()
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "verified"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache("d", slow))) for _ in range(8)]
    threads[0].start()
    assert started.wait(5)
    for t in threads[1:]:
        t.start()
    deadline = time.monotonic() + 5
    while cache.stats.shared < 7 and time.monotonic() < deadline:
        time.sleep(0.005)
    release.set()
    for t in threads:
        t.join(5)
    assert results == ["verified"] * 8
    assert len(calls) == 1
    assert (cache.stats.misses, cache.stats.shared) == (1, 7)


def test_an_exception_reaches_every_waiter_and_is_not_remembered() -> None:
    cache = VerificationCache()
    started = threading.Event()
    release = threading.Event()

    def broken() -> str:
        started.set()
        release.wait(5)
        raise RuntimeError("registry unreachable")

    errors: list[str] = []

    def call() -> None:
        try:
            cache("d", broken)
        except RuntimeError as exc:
            errors.append(str(exc))

    first = threading.Thread(target=call)
    first.start()
    assert started.wait(5)
    second = threading.Thread(target=call)
    second.start()
    deadline = time.monotonic() + 5
    while cache.stats.shared < 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    release.set()
    first.join(5)
    second.join(5)
    assert errors == ["registry unreachable"] * 2
    assert len(cache) == 0
    assert cache("d", lambda: "ok") == "ok"


def test_keys_by_digest_share_across_tags_and_policy_changes_miss() -> None:
    """Engines key by (digest, policy hash, trust version): two tags of one digest share a
    result, a new policy hash or trust version does not see the old one."""
    cache = VerificationCache()
    calls, make = counter()
    digest = "sha256:" + "c" * 64
    for _tag in ("v1", "latest"):
        cache((digest, "policy-1", "trust-1"), make("ok"))
    assert calls[0] == 1
    cache((digest, "policy-2", "trust-1"), make("ok"))
    cache((digest, "policy-1", "trust-2"), make("ok"))
    assert calls[0] == 3


@pytest.mark.parametrize(
    ("bad", "field", "text"),
    [
        ({"max_entries": 0}, "cache-size", "expected a cache size of at least 1, found 0"),
        ({"ttl": -1}, "cache-ttl", "expected 0 s or more, found -1 s"),
        ({"negative_ttl": -1}, "negative-ttl", "expected 0 s or more, found -1 s"),
    ],
)
def test_bad_settings_are_refused(bad: dict[str, float], field: str, text: str) -> None:
    with pytest.raises(FormatError, match=text) as refused:
        VerificationCache(**bad)  # type: ignore[arg-type]
    assert refused.value.field == field
