"""Several YAML documents per policy file, read so every schema error names ``file:line:column``.

Policies are Kubernetes objects written by hand (oci-and-policy.md §3.1, §4.1); a mistake
must point at the line that holds it. PyYAML's *composer* keeps each node's start mark, so
documents are kept as :class:`Node` trees and the schema readers (:mod:`.cip`, the Kyverno
reader) walk them with the typed accessors below. Every refusal is a
:class:`~sigstack.errors.FormatError` ``<file>:<line>:<column>: <path>: expected …, found …``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from sigstack.errors import FormatError

__all__ = ["Document", "Node", "load_documents"]

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_NULL = "tag:yaml.org,2002:null"


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    value = str(node.value)
    shown = value if len(value) <= 60 else value[:57] + "..."
    if node.tag == _STR:
        return f"the string {shown!r}"
    if node.tag == _NULL:
        return "nothing (null)"
    if node.tag == _BOOL:
        return f"the boolean {shown}"
    if node.tag == _INT:
        return f"the number {shown}"
    return f"{shown!r} ({node.tag.rsplit(':', 1)[-1]})"


class Node:
    """One YAML node with where it came from and its path in the document."""

    def __init__(self, node: yaml.Node, source: str, path: str) -> None:
        self.node = node
        self.source = source
        self.path = path

    @property
    def where(self) -> str:
        """``file:line:column`` (1-based) of the node's start."""
        mark = self.node.start_mark
        return f"{self.source}:{mark.line + 1}:{mark.column + 1}"

    def error(self, expected: str, *, found: str | None = None) -> FormatError:
        """A schema error at this node: what was expected and what was found."""
        what = found if found is not None else _describe(self.node)
        at = f"{self.where}: {self.path}" if self.path else self.where
        return FormatError(f"{at}: expected {expected}, found {what}")

    def child(self, node: yaml.Node, segment: str) -> Node:
        """The node ``segment`` (a key, or ``[i]``) below this one."""
        if self.path and not segment.startswith("["):
            return Node(node, self.source, f"{self.path}.{segment}")
        return Node(node, self.source, f"{self.path}{segment}")

    # -- shapes ---------------------------------------------------------------------------
    @property
    def is_null(self) -> bool:
        return isinstance(self.node, yaml.ScalarNode) and self.node.tag == _NULL

    def mapping(self, allowed: Collection[str] | None = None) -> dict[str, Node]:
        """The entries of a mapping node; a key outside ``allowed`` (when given), a
        non-string key or a repeated key is an error at that key."""
        if self.is_null:
            return {}
        if not isinstance(self.node, yaml.MappingNode):
            raise self.error("a mapping")
        out: dict[str, Node] = {}
        for key_node, value_node in self.node.value:
            key = Node(key_node, self.source, self.path)
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                raise key.error("a string key")
            name = str(key_node.value)
            if name in out:
                raise key.error("each key once", found=f"{name!r} repeated")
            if allowed is not None and name not in allowed:
                names = ", ".join(sorted(allowed))
                raise key.error(f"one of the keys [{names}]", found=f"the key {name!r}")
            out[name] = self.child(value_node, name)
        return out

    def sequence(self) -> list[Node]:
        """The items of a list node (null is an empty list)."""
        if self.is_null:
            return []
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.error("a list")
        return [self.child(item, f"[{i}]") for i, item in enumerate(self.node.value)]

    def string(self, *, choices: tuple[str, ...] = (), nonempty: bool = True) -> str:
        """A string scalar (optionally one of ``choices``)."""
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag != _STR:
            raise self.error("one of " + "|".join(choices) if choices else "a string")
        value = str(self.node.value)
        if choices and value not in choices:
            raise self.error("one of " + "|".join(choices))
        if nonempty and not value:
            raise self.error("a non-empty string")
        return value

    def strings(self, *, nonempty: bool = True) -> tuple[str, ...]:
        """A list of string scalars (null is an empty list)."""
        return tuple(item.string(nonempty=nonempty) for item in self.sequence())

    def string_map(self) -> dict[str, str]:
        """A mapping of strings to strings (values may be empty), e.g. labels."""
        return {key: value.string(nonempty=False) for key, value in self.mapping().items()}

    def regexp(self) -> str:
        """A string that compiles as a regular expression (Python's ``re``)."""
        text = self.string()
        try:
            re.compile(text)
        except re.error as exc:
            raise self.error("a valid regular expression", found=f"{text!r} ({exc})") from exc
        return text

    def integer(self, *, minimum: int) -> int:
        """An integer scalar of at least ``minimum`` (a boolean is not one)."""
        value = self.value()
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error(f"an integer of at least {minimum}")
        return value

    def boolean(self) -> bool:
        """A boolean scalar (``true``/``false``)."""
        if not isinstance(self.node, yaml.ScalarNode) or self.node.tag != _BOOL:
            raise self.error("true or false")
        return bool(yaml.constructor.SafeConstructor().construct_yaml_bool(self.node))

    def value(self) -> Any:
        """The plain Python value of the subtree (mappings, lists, str, int, bool, None)."""
        constructor = yaml.constructor.SafeConstructor()
        return constructor.construct_document(self.node)

    def items(self) -> Iterator[tuple[str, Node]]:
        yield from self.mapping().items()


@dataclass(frozen=True)
class Document:
    """One YAML document of a file: its root node and its position among the documents."""

    source: str
    index: int
    root: Node

    @property
    def kind(self) -> str | None:
        """``kind`` when the root is a mapping with a string ``kind``, else ``None``."""
        if not isinstance(self.root.node, yaml.MappingNode):
            return None
        for key, value in self.root.node.value:
            if getattr(key, "value", None) == "kind" and isinstance(value, yaml.ScalarNode):
                return str(value.value)
        return None


def load_documents(text: str | bytes, source: str) -> list[Document]:
    """Every non-empty document of ``text`` (``source`` names it in messages)."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise FormatError(f"{where}: not valid YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise FormatError(f"{source}: not valid YAML: {exc}") from exc
    documents = []
    for index, node in enumerate(nodes):
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL):
            continue
        documents.append(Document(source, index, Node(node, source, "")))
    return documents
