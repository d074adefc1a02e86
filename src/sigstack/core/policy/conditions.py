"""Kyverno conditions over an attestation's predicate (oci-and-policy.md §4.1 ``conditions``).

``conditions`` is a list of ``{any: [...], all: [...]}`` blocks; every block must hold
(``pkg/engine/variables/evaluate.go``): all of its ``all`` conditions and, when ``any`` is
given, at least one of those. A condition is ``{key, operator, value, message}``; ``key`` and
``value`` may hold ``{{ expr }}`` variables, JMESPath expressions evaluated over the
predicate object (a string that is exactly one variable becomes the expression's value,
JSON type kept; a variable inside a longer string is interpolated). An expression that
finds nothing is an error, as Kyverno's "variable substitution failed" is: a missing field
must not satisfy ``NotIn``-style operators by accident.

Operators (case-insensitive, as Kyverno reads them): ``Equals``/``NotEquals`` (strings
compare with :func:`~sigstack.core.policy.wildcard.match`, the value being the pattern),
``AnyIn``/``AllIn``/``AnyNotIn``/``AllNotIn`` (and the deprecated ``In``/``NotIn``:
a scalar key is in the list, a list key is a subset), ``GreaterThan``/
``GreaterThanOrEquals``/``LessThan``/``LessThanOrEquals`` (numbers, numeric strings or Go
durations), and ``Duration…`` variants of those four. An unknown operator or a JMESPath
expression that does not compile is refused when the policy is loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jmespath
import jmespath.exceptions

from sigstack.core.policy.wildcard import match
from sigstack.core.policy.yaml_load import Node
from sigstack.errors import FormatError

__all__ = [
    "OPERATORS",
    "Condition",
    "ConditionBlock",
    "ConditionError",
    "evaluate",
    "parse_conditions",
]

_VARIABLE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_DURATION_UNITS = {
    "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0,
}  # fmt: skip


class ConditionError(FormatError):
    """A condition could not be evaluated (a variable found nothing, an operand of the wrong
    type); the rule fails with this reason."""


# -- values ----------------------------------------------------------------------------------


def _go_duration(text: str) -> float | None:
    """Seconds in a Go duration (``1h30m``, ``-5s``, ``0``), or ``None``."""
    body = text.strip()
    sign = -1.0 if body.startswith("-") else 1.0
    body = body.lstrip("+-")
    if body == "0":
        return 0.0
    if not body:
        return None
    total, at = 0.0, 0
    for part in _DURATION_PART.finditer(body):
        if part.start() != at:
            return None
        total += float(part.group(1)) * _DURATION_UNITS[part.group(2)]
        at = part.end()
    return sign * total if at == len(body) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _seconds(value: Any) -> float | None:
    number = _number(value)
    if number is not None:
        return number
    return _go_duration(value) if isinstance(value, str) else None


def _equal(key: Any, value: Any) -> bool:
    if isinstance(key, str) and isinstance(value, str):
        return match(value, key)
    if isinstance(key, bool) or isinstance(value, bool):
        return key is value
    if isinstance(key, int | float) and isinstance(value, int | float):
        return float(key) == float(value)
    if isinstance(key, int | float) and isinstance(value, str):
        return _number(value) == float(key)
    if isinstance(key, str) and isinstance(value, int | float):
        return _number(key) == float(value)
    return bool(key == value)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _member(item: Any, values: list[Any]) -> bool:
    return any(_equal(item, candidate) for candidate in values)


def _compare(check: Callable[[float, float], bool], *, durations: bool) -> _Operator:
    convert = _seconds if durations else _number

    def operator(key: Any, value: Any) -> bool:
        left, right = convert(key), convert(value)
        if left is None or right is None:
            # Kyverno also orders Go durations with the plain comparison operators.
            left, right = _seconds(key), _seconds(value)
        if left is None or right is None:
            kind = "durations" if durations else "numbers or durations"
            raise ConditionError(
                f"expected {kind} to compare, found {json.dumps(key)} and {json.dumps(value)}"
            )
        return check(left, right)

    return operator


_Operator = Callable[[Any, Any], bool]


def _in(key: Any, value: Any) -> bool:
    values = _as_list(value)
    return all(_member(k, values) for k in _as_list(key))


OPERATORS: Mapping[str, _Operator] = {
    "equals": _equal,
    "equal": _equal,
    "notequals": lambda k, v: not _equal(k, v),
    "notequal": lambda k, v: not _equal(k, v),
    "in": _in,
    "notin": lambda k, v: not _in(k, v),
    "anyin": lambda k, v: any(_member(x, _as_list(v)) for x in _as_list(k)),
    "allin": lambda k, v: all(_member(x, _as_list(v)) for x in _as_list(k)),
    "anynotin": lambda k, v: any(not _member(x, _as_list(v)) for x in _as_list(k)),
    "allnotin": lambda k, v: all(not _member(x, _as_list(v)) for x in _as_list(k)),
    "greaterthan": _compare(lambda a, b: a > b, durations=False),
    "greaterthanorequals": _compare(lambda a, b: a >= b, durations=False),
    "lessthan": _compare(lambda a, b: a < b, durations=False),
    "lessthanorequals": _compare(lambda a, b: a <= b, durations=False),
    "durationgreaterthan": _compare(lambda a, b: a > b, durations=True),
    "durationgreaterthanorequals": _compare(lambda a, b: a >= b, durations=True),
    "durationlessthan": _compare(lambda a, b: a < b, durations=True),
    "durationlessthanorequals": _compare(lambda a, b: a <= b, durations=True),
}

_OPERATOR_NAMES = (
    "Equals, NotEquals, In, NotIn, AnyIn, AllIn, AnyNotIn, AllNotIn, GreaterThan, "
    "GreaterThanOrEquals, LessThan, LessThanOrEquals, DurationGreaterThan, "
    "DurationGreaterThanOrEquals, DurationLessThan, DurationLessThanOrEquals"
)


# -- variables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    """A YAML value with its ``{{ }}`` variables compiled."""

    raw: Any
    whole: Any | None  # the compiled expression when the string is exactly one variable
    parts: tuple[tuple[str, Any], ...]  # (text before, compiled) for interpolation

    def render(self, document: Any) -> Any:
        if self.whole is not None:
            return _search(self.whole, self.raw, document)
        if not self.parts:
            return self.raw
        out = []
        for text, compiled in self.parts:
            out.append(text)
            if compiled is not None:
                found = _search(compiled, self.raw, document)
                out.append(found if isinstance(found, str) else json.dumps(found))
        return "".join(out)


def _search(compiled: Any, raw: Any, document: Any) -> Any:
    try:
        found = compiled.search(document)
    except jmespath.exceptions.JMESPathError as exc:
        raise ConditionError(f"variable substitution failed for {raw!r}: {exc}") from exc
    if found is None:
        raise ConditionError(
            f"variable substitution failed for {raw!r}: {compiled.expression} found nothing "
            "in the predicate"
        )
    return found


def _compile(text: str, node: Node) -> Any:
    expression = text.strip()
    try:
        return jmespath.compile(expression)
    except jmespath.exceptions.JMESPathError as exc:
        raise node.error("a JMESPath expression inside {{ }}", found=f"{text!r} ({exc})") from exc


def _template(node: Node) -> _Template:
    raw = node.value()
    if not isinstance(raw, str) or "{{" not in raw:
        return _Template(raw, None, ())
    stripped = raw.strip()
    only = _VARIABLE.fullmatch(stripped)
    if only is not None and "{{" not in only.group(1):
        return _Template(raw, _compile(only.group(1), node), ())
    parts: list[tuple[str, Any]] = []
    at = 0
    for variable in _VARIABLE.finditer(raw):
        parts.append((raw[at : variable.start()], _compile(variable.group(1), node)))
        at = variable.end()
    parts.append((raw[at:], None))
    return _Template(raw, None, tuple(parts))


# -- conditions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """``{key, operator, value, message}``."""

    key: _Template
    operator: str  # as written
    value: _Template
    message: str

    def holds(self, document: Any) -> bool:
        """Evaluate over ``document``; :class:`ConditionError` when it cannot be."""
        key = self.key.render(document)
        value = self.value.render(document)
        return OPERATORS[self.operator.lower()](key, value)

    def describe(self) -> str:
        """The reason when it does not hold: its ``message``, else the condition itself."""
        if self.message:
            return self.message
        key, value = json.dumps(self.key.raw), json.dumps(self.value.raw)
        return f"condition {key} {self.operator} {value} failed"


@dataclass(frozen=True)
class ConditionBlock:
    """One ``{any, all}`` entry of ``conditions``."""

    any: tuple[Condition, ...]
    all: tuple[Condition, ...]


def _condition(node: Node) -> Condition:
    fields = node.mapping(frozenset({"key", "operator", "value", "message"}))
    if "key" not in fields:
        raise node.error("a condition with key, operator and value", found="no key")
    if "operator" not in fields:
        raise node.error("a condition with key, operator and value", found="no operator")
    operator = fields["operator"].string()
    if operator.lower() not in OPERATORS:
        raise fields["operator"].error(f"one of the operators {_OPERATOR_NAMES}")
    value = fields.get("value")
    message = fields["message"].string(nonempty=False) if "message" in fields else ""
    return Condition(
        key=_template(fields["key"]),
        operator=operator,
        value=_template(value) if value is not None else _Template(None, None, ()),
        message=message,
    )


def parse_conditions(node: Node) -> tuple[ConditionBlock, ...]:
    """``conditions``: a list of ``{any, all}`` blocks (a single block mapping is accepted,
    as Kyverno's deprecated form of one block)."""
    items = [node] if isinstance(node.value(), dict) else node.sequence()
    blocks = []
    for item in items:
        fields = item.mapping(frozenset({"any", "all"}))
        if not fields:
            raise item.error("a block with any and/or all conditions")
        blocks.append(
            ConditionBlock(
                any=tuple(_condition(c) for c in fields["any"].sequence())
                if "any" in fields
                else (),
                all=tuple(_condition(c) for c in fields["all"].sequence())
                if "all" in fields
                else (),
            )
        )
    return tuple(blocks)


def evaluate(blocks: Sequence[ConditionBlock], document: Any) -> tuple[bool, str]:
    """``(True, "")`` when every block holds over ``document``, else ``(False, reason)``.

    :class:`ConditionError` when a condition cannot be evaluated.
    """
    for block in blocks:
        for condition in block.all:
            if not condition.holds(document):
                return False, condition.describe()
        if block.any and not any(c.holds(document) for c in block.any):
            return False, "; ".join(c.describe() for c in block.any)
    return True, ""
