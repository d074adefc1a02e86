"""``/metrics`` in the Prometheus text exposition format (version 0.0.4), by hand.

Two families: ``sigstack_http_requests_total{service, code}`` (a counter kept by
:class:`RequestCounter`, an ASGI middleware) and ``sigstack_log_tree_size{log}`` (a
gauge read from each log's published tree when scraped).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["CONTENT_TYPE", "RequestCounter", "render_metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


def _label(value: str) -> str:
    """A label value escaped as the text format requires (backslash, quote, newline)."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class RequestCounter:
    """ASGI middleware counting answered HTTP requests by service and status code."""

    def __init__(self, app: Any, classify: Callable[[str], str]) -> None:
        self.app = app
        self.classify = classify
        self.counts: Counter[tuple[str, int]] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; count it when its response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        service = self.classify(scope["path"])

        async def counting_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.counts[(service, int(message["status"]))] += 1
            await send(message)

        await self.app(scope, receive, counting_send)


def render_metrics(
    requests: Mapping[tuple[str, int], int], tree_sizes: Iterable[tuple[str, int]]
) -> str:
    """The exposition text for the request counts and the logs' tree sizes."""
    lines = [
        "# HELP sigstack_http_requests_total HTTP requests answered, by service and status code.",
        "# TYPE sigstack_http_requests_total counter",
    ]
    for (service, code), count in sorted(requests.items()):
        lines.append(
            f'sigstack_http_requests_total{{service="{_label(service)}",code="{code}"}} {count}'
        )
    lines += [
        "# HELP sigstack_log_tree_size Entries in the latest published tree of each log.",
        "# TYPE sigstack_log_tree_size gauge",
    ]
    for log, size in tree_sizes:
        lines.append(f'sigstack_log_tree_size{{log="{_label(log)}"}} {size}')
    return "\n".join(lines) + "\n"
