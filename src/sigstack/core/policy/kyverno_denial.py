"""Kyverno's admission denial text and resource names (oci-and-policy.md §4.3)."""

from __future__ import annotations

from collections.abc import Mapping

import yaml

__all__ = ["render_denial", "resource_id"]


def resource_id(kind: str, namespace: str | None, name: str | None) -> str:
    """``Kind/namespace/name`` (``Kind/name`` when cluster-scoped), as Kyverno names it."""
    return f"{kind}/{namespace}/{name or ''}" if namespace else f"{kind}/{name or ''}"


def render_denial(resource: str, failures: Mapping[str, Mapping[str, str]]) -> str:
    """Kyverno's admission denial (``pkg/webhooks/utils/block.go``, oci-and-policy.md §4.3).

    ``failures`` maps policy → rule → message; the map is rendered as Go's YAML marshaller
    does (keys sorted, 80 columns, single-quoted folded strings), after the blank lines and
    the header the API server shows below ``admission webhook "…" denied the request:``.
    """
    body = yaml.safe_dump(
        {p: dict(rules) for p, rules in failures.items()},
        width=80,
        default_flow_style=False,
        sort_keys=True,
        allow_unicode=True,
    )
    return f"\n\nresource {resource} was blocked due to the following policies\n\n{body}"
