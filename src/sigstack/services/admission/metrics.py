"""``/metrics`` of the webhook in the Prometheus text format (0.0.4), by hand.

``sigstack_admission_reviews_total{webhook, result}`` (validate: allowed, denied, skipped;
mutate: patched, unchanged, skipped), ``sigstack_admission_review_seconds_total{webhook}``,
and the verification cache's ``sigstack_admission_cache_events_total{event}`` and
``sigstack_admission_cache_entries``.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from sigstack.services.admission.cache import VerificationCache

__all__ = ["METRICS_TYPE", "ReviewMetrics", "render_metrics"]

METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class ReviewMetrics:
    """Reviews answered and time spent, per webhook."""

    reviews: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)

    def record(self, webhook: str, result: str, started: float) -> None:
        """Count one review of ``webhook`` that began at ``started`` (``perf_counter``)."""
        self.reviews[(webhook, result)] += 1
        elapsed = time.perf_counter() - started
        self.seconds[webhook] = self.seconds.get(webhook, 0.0) + elapsed


def render_metrics(metrics: ReviewMetrics, cache: VerificationCache | None) -> str:
    """The exposition text."""
    reviews = "sigstack_admission_reviews_total"
    seconds = "sigstack_admission_review_seconds_total"
    lines = [
        f"# HELP {reviews} AdmissionReviews answered, by webhook and result.",
        f"# TYPE {reviews} counter",
    ]
    for (webhook, result), count in sorted(metrics.reviews.items()):
        lines.append(f'{reviews}{{webhook="{webhook}",result="{result}"}} {count}')
    lines += [f"# HELP {seconds} Seconds spent answering reviews.", f"# TYPE {seconds} counter"]
    for webhook, total in sorted(metrics.seconds.items()):
        lines.append(f'{seconds}{{webhook="{webhook}"}} {total:.6f}')
    if cache is not None:
        events = "sigstack_admission_cache_events_total"
        stats = cache.stats
        lines += [
            f"# HELP {events} Verification cache lookups, by outcome.",
            f"# TYPE {events} counter",
            f'{events}{{event="hit"}} {stats.hits}',
            f'{events}{{event="miss"}} {stats.misses}',
            f'{events}{{event="shared"}} {stats.shared}',
            f'{events}{{event="eviction"}} {stats.evictions}',
            "# HELP sigstack_admission_cache_entries Results the verification cache holds.",
            "# TYPE sigstack_admission_cache_entries gauge",
            f"sigstack_admission_cache_entries {len(cache)}",
        ]
    return "\n".join(lines) + "\n"
