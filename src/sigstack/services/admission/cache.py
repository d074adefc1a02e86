"""The webhook's verification cache: a bounded, expiring, single-flight :data:`Memo`.

Engines route each expensive verification through ``memo(key, compute, negative=…)``
(:mod:`sigstack.policy.engine`). Their keys hold the image digest, the policy hash and the
trust version — never a tag, so a moved tag cannot reuse an old digest's verdict, and a
policy reload or a trust update misses instead of being served a stale answer.

* bounded: at most ``max_entries`` results, least recently used evicted first;
* expiring: a result is reused for ``ttl`` seconds; one ``negative(result)`` marks as a
  failure only for ``negative_ttl`` seconds (a signature may be pushed a moment later);
* single-flight: concurrent callers with one key share one ``compute()``; if it raises,
  every waiter gets the exception and nothing is remembered.

Upstream policy-controller caches per image reference + CIP UID + resourceVersion
(oci-and-policy.md §3.3); the policy hash plays the role of UID + resourceVersion here.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sigstack.errors import FormatError

__all__ = ["CacheStats", "VerificationCache"]

T = TypeVar("T")


@dataclass
class CacheStats:
    """Counters for ``/metrics``."""

    hits: int = 0
    misses: int = 0
    shared: int = 0  # callers that waited for another caller's computation
    evictions: int = 0


@dataclass
class _Flight:
    done: threading.Event = field(default_factory=threading.Event)
    value: Any = None
    error: BaseException | None = None


def _never(_: Any) -> bool:
    return False


class VerificationCache:
    """``VerificationCache(max_entries=4096, ttl=300, negative_ttl=10)``; call it as a Memo."""

    def __init__(
        self,
        *,
        max_entries: int = 4096,
        ttl: float = 300.0,
        negative_ttl: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise FormatError(
                f"expected a cache size of at least 1, found {max_entries}", field="cache-size"
            )
        for name, value in (("cache-ttl", ttl), ("negative-ttl", negative_ttl)):
            if value < 0:
                raise FormatError(f"expected 0 s or more, found {value} s", field=name)
        self.max_entries = max_entries
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._flights: dict[Hashable, _Flight] = {}
        self.stats = CacheStats()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        """Forget every remembered result (flights in progress finish normally)."""
        with self._lock:
            self._entries.clear()

    def __call__(
        self, key: Hashable, compute: Callable[[], T], *, negative: Callable[[T], bool] = _never
    ) -> T:
        """``compute()``'s result, remembered under ``key`` (module docstring)."""
        with self._lock:
            now = self._clock()
            entry = self._entries.get(key)
            if entry is not None:
                expires, value = entry
                if now < expires:
                    self._entries.move_to_end(key)
                    self.stats.hits += 1
                    return value  # type: ignore[no-any-return]
                del self._entries[key]
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
                self.stats.misses += 1
            else:
                self.stats.shared += 1
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.value  # type: ignore[no-any-return]
        try:
            value = compute()
        except BaseException as exc:
            flight.error = exc
            with self._lock:
                del self._flights[key]
            flight.done.set()
            raise
        flight.value = value
        lifetime = self.negative_ttl if negative(value) else self.ttl
        with self._lock:
            del self._flights[key]
            if lifetime > 0:
                self._entries[key] = (self._clock() + lifetime, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
                    self.stats.evictions += 1
        flight.done.set()
        return value
