"""Kyverno ``match``/``exclude``: resource filters and what they match (oci-and-policy.md §4.1).

``any``/``all`` of resource filters (``kinds`` as ``Pod``, ``v1/Pod`` or
``apps/v1/Deployment``, ``names``, ``namespaces``, ``annotations``, ``operations``,
``selector``, ``namespaceSelector``), or ``resources`` directly (``kyverno.io/v1`` only);
wildcards as :func:`~sigstack.core.policy.wildcard.match`. Matching on admission user info
(``subjects``, ``roles``, ``clusterRoles``) is refused. :meth:`Match.with_kinds` serves
Kyverno's auto-gen (:mod:`sigstack.core.policy.kyverno`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sigstack.core.policy.kyverno_fields import unsupported
from sigstack.core.policy.wildcard import match
from sigstack.core.policy.yaml_load import Node

__all__ = ["LabelSelector", "Match", "Resource", "ResourceFilter", "parse_match"]

_FILTER_KEYS = frozenset({
    "kinds", "name", "names", "namespaces", "annotations", "selector", "namespaceSelector",
    "operations",
})  # fmt: skip


@dataclass(frozen=True)
class Resource:
    """What a rule matches on (the engine builds it from the admission request)."""

    kind: str
    api_version: str  # "v1", "apps/v1"
    namespace: str | None
    name: str | None
    operation: str = ""  # "" (offline) matches any ``operations``
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    namespace_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def group_version(self) -> tuple[str, str]:
        group, slash, version = self.api_version.rpartition("/")
        return (group if slash else ""), version


@dataclass(frozen=True)
class LabelSelector:
    """``metav1.LabelSelector``: ``matchLabels`` and ``matchExpressions``."""

    match_labels: Mapping[str, str]
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...]

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match_labels.items():
            if labels.get(key) != value:
                return False
        for key, operator, values in self.expressions:
            present = key in labels
            if operator == "In" and not (present and labels[key] in values):
                return False
            if operator == "NotIn" and present and labels[key] in values:
                return False
            if operator == "Exists" and not present:
                return False
            if operator == "DoesNotExist" and present:
                return False
        return True


def _selector(node: Node) -> LabelSelector:
    fields = node.mapping(frozenset({"matchLabels", "matchExpressions"}))
    labels = fields["matchLabels"].string_map() if "matchLabels" in fields else {}
    expressions = []
    for item in fields["matchExpressions"].sequence() if "matchExpressions" in fields else []:
        parts = item.mapping(frozenset({"key", "operator", "values"}))
        if "key" not in parts or "operator" not in parts:
            raise item.error("a match expression with key and operator")
        operator = parts["operator"].string(choices=("In", "NotIn", "Exists", "DoesNotExist"))
        values = parts["values"].strings(nonempty=False) if "values" in parts else ()
        if operator in ("In", "NotIn") and not values:
            raise item.error(f"values for the operator {operator}", found="none")
        expressions.append((parts["key"].string(), operator, values))
    return LabelSelector(labels, tuple(expressions))


def _kind_matches(pattern: str, resource: Resource) -> bool:
    parts = pattern.split("/")
    group, version = resource.group_version
    if len(parts) == 1:
        return match(parts[0], resource.kind)
    if len(parts) == 2:
        return match(parts[0], version) and match(parts[1], resource.kind)
    return match(parts[0], group) and match(parts[1], version) and match(parts[2], resource.kind)


@dataclass(frozen=True)
class ResourceFilter:
    """One ``resources`` description; every field given must hold."""

    kinds: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)
    operations: tuple[str, ...] = ()
    selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None

    @property
    def autogen_blocker(self) -> bool:
        """Kyverno does not auto-generate rules filtering on names, selectors or annotations."""
        return bool(self.names or self.selector or self.annotations)

    def matches(self, resource: Resource) -> bool:
        if self.kinds and not any(_kind_matches(k, resource) for k in self.kinds):
            return False
        if self.names and not any(match(n, resource.name or "") for n in self.names):
            return False
        if self.namespaces and (
            resource.namespace is None
            or not any(match(n, resource.namespace) for n in self.namespaces)
        ):
            return False
        for key, pattern in self.annotations.items():
            if key not in resource.annotations or not match(pattern, resource.annotations[key]):
                return False
        if self.operations and resource.operation and resource.operation not in self.operations:
            return False
        if self.selector is not None and not self.selector.matches(resource.labels):
            return False
        return self.namespace_selector is None or (
            resource.namespace is not None
            and self.namespace_selector.matches(resource.namespace_labels)
        )


def _filter(node: Node) -> ResourceFilter:
    fields = node.mapping(_FILTER_KEYS)
    names = fields["names"].strings() if "names" in fields else ()
    if "name" in fields:
        names = (*names, fields["name"].string())
    return ResourceFilter(
        kinds=fields["kinds"].strings() if "kinds" in fields else (),
        names=names,
        namespaces=fields["namespaces"].strings() if "namespaces" in fields else (),
        annotations=fields["annotations"].string_map() if "annotations" in fields else {},
        operations=tuple(
            item.string(choices=("CREATE", "UPDATE", "DELETE", "CONNECT"))
            for item in (fields["operations"].sequence() if "operations" in fields else [])
        ),
        selector=_selector(fields["selector"]) if "selector" in fields else None,
        namespace_selector=(
            _selector(fields["namespaceSelector"]) if "namespaceSelector" in fields else None
        ),
    )


@dataclass(frozen=True)
class Match:
    """``match``/``exclude``: ``any`` (one filter holds) and/or ``all`` (every one holds)."""

    any: tuple[ResourceFilter, ...] = ()
    all: tuple[ResourceFilter, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.any or self.all)

    def filters(self) -> tuple[ResourceFilter, ...]:
        return self.any + self.all

    def matches(self, resource: Resource) -> bool:
        if self.any and not any(f.matches(resource) for f in self.any):
            return False
        return all(f.matches(resource) for f in self.all)

    def with_kinds(self, kinds: tuple[str, ...]) -> Match:
        """The same filters with ``Pod`` kinds replaced by ``kinds`` (auto-gen)."""

        def swap(f: ResourceFilter) -> ResourceFilter:
            return replace(f, kinds=kinds) if f.kinds else f

        return Match(tuple(swap(f) for f in self.any), tuple(swap(f) for f in self.all))


def _filters(node: Node) -> tuple[ResourceFilter, ...]:
    out = []
    for item in node.sequence():
        fields = item.mapping(frozenset({"resources", "subjects", "roles", "clusterRoles"}))
        for who in ("subjects", "roles", "clusterRoles"):
            if who in fields:
                raise unsupported(fields[who], f"matching on {who} (admission user info)")
        if "resources" not in fields:
            raise item.error("a filter with resources")
        out.append(_filter(fields["resources"]))
    return tuple(out)


def parse_match(node: Node, api_version: str) -> Match:
    fields = node.mapping(
        frozenset({"any", "all", "resources", "subjects", "roles", "clusterRoles"})
    )
    for who in ("subjects", "roles", "clusterRoles"):
        if who in fields:
            raise unsupported(fields[who], f"matching on {who} (admission user info)")
    if "resources" in fields:
        if api_version != "kyverno.io/v1":
            raise fields["resources"].error("any or all (v2beta1 has no match.resources)")
        if "any" in fields or "all" in fields:
            raise fields["resources"].error("either resources or any/all, not both")
        return Match(all=(_filter(fields["resources"]),))
    if "any" in fields and "all" in fields:
        raise node.error("either any or all, not both", found="both")
    result = Match(
        any=_filters(fields["any"]) if "any" in fields else (),
        all=_filters(fields["all"]) if "all" in fields else (),
    )
    return result
