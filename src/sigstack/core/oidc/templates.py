"""The subset of Go ``text/template`` that Fulcio's CI-provider metadata uses (spec §4).

Fulcio renders ``SubjectAlternativeNameTemplate`` and each ``ExtensionTemplates`` value with
``missingkey=error`` over the token's claims (stringified) merged over ``DefaultTemplateValues``
(claims win). A value without ``{{`` is not a template but the *name* of a claim.

Supported, which covers the public Fulcio config (GitHub, GitLab, Buildkite, Codefresh,
CircleCI): text; ``{{ .claim }}``; ``{{ index . "a/b" }}`` (also parenthesised); ``{{ if COND }}
… {{ else }} … {{ end }}`` with COND a value (true when non-empty) or ``eq A B…`` / ``ne A B``;
string literals; ``{{-`` / ``-}}`` whitespace trimming. Anything else is a parse error, found
when the configuration is loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Template", "TemplateError", "TemplateMissingKeyError"]

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.DOTALL)
_TOKEN = re.compile(
    r'\s*(\(|\)|"(?:[^"\\]|\\.)*"|`[^`]*`|\.[A-Za-z_][A-Za-z0-9_]*|\.|[A-Za-z_]\w*)'
)

Value = str | bool | Mapping[str, str]


class TemplateError(ValueError):
    """A template that does not parse, or an operation it cannot do."""


class TemplateMissingKeyError(TemplateError):
    """``missingkey=error``: the template names a claim that neither token nor defaults have."""

    def __init__(self, key: str) -> None:
        super().__init__(f"map has no entry for key {key!r}")
        self.key = key


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Expr:
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class _If:
    cond: _Expr
    then: tuple[_Node, ...]
    otherwise: tuple[_Node, ...]


_Node = _Text | _Expr | _If


def _lex_expr(source: str) -> tuple[str, ...]:
    tokens: list[str] = []
    pos = 0
    while pos < len(source):
        if not source[pos:].strip():
            break
        match = _TOKEN.match(source, pos)
        if match is None:
            raise TemplateError(f"unexpected {source[pos:].strip()!r} in action {source.strip()!r}")
        tokens.append(match.group(1))
        pos = match.end()
    if not tokens:
        raise TemplateError("empty action {{ }}")
    return tuple(tokens)


def _parse(source: str) -> tuple[_Node, ...]:
    stack: list[tuple[list[_Node], _Expr | None, list[_Node] | None]] = [([], None, None)]
    pos, trim_next = 0, False
    for match in _ACTION.finditer(source):
        text = source[pos : match.start()]
        if trim_next:
            text = text.lstrip()
        if match.group(1):
            text = text.rstrip()
        if text:
            stack[-1][0].append(_Text(text))
        pos, trim_next = match.end(), bool(match.group(3))
        tokens = _lex_expr(match.group(2))
        if tokens[0] == "if":
            stack.append(([], _Expr(_check_expr(tokens[1:])), None))
        elif tokens == ("else",):
            nodes, cond, then = stack[-1]
            if cond is None or then is not None:
                raise TemplateError("{{ else }} without {{ if }}")
            stack[-1] = ([], cond, nodes)
        elif tokens == ("end",):
            if len(stack) == 1:
                raise TemplateError("{{ end }} without {{ if }}")
            nodes, cond, then = stack.pop()
            assert cond is not None
            if then is None:
                branch = _If(cond, tuple(nodes), ())
            else:
                branch = _If(cond, tuple(then), tuple(nodes))
            stack[-1][0].append(branch)
        else:
            stack[-1][0].append(_Expr(_check_expr(tokens)))
    if "{{" in source[pos:] or "}}" in source[pos:]:
        raise TemplateError("unclosed action")
    tail = source[pos:].lstrip() if trim_next else source[pos:]
    if tail:
        stack[-1][0].append(_Text(tail))
    if len(stack) != 1:
        raise TemplateError("{{ if }} without {{ end }}")
    return tuple(stack[0][0])


def _check_expr(tokens: tuple[str, ...]) -> tuple[str, ...]:
    if not tokens:
        raise TemplateError("missing expression")
    if tokens[0] in {"if", "else", "end", "range", "with", "define", "block", "template"}:
        raise TemplateError(f"unsupported action {tokens[0]!r}")
    if tokens.count("(") != tokens.count(")"):
        raise TemplateError(f"unbalanced parentheses in {' '.join(tokens)!r}")
    for token in tokens:
        if token[0].isalpha() and token not in {"eq", "ne", "index"}:
            raise TemplateError(f"function {token!r} not defined")
    return tokens


class _Evaluator:
    def __init__(self, data: Mapping[str, str]) -> None:
        self.data = data

    def command(self, tokens: list[str]) -> Value:
        args: list[Value] = []
        func: str | None = None
        if tokens and tokens[0][0].isalpha():
            func = tokens.pop(0)
        while tokens and tokens[0] != ")":
            args.append(self.operand(tokens))
        if func is None:
            if len(args) != 1:
                raise TemplateError("can't give arguments to a non-function value")
            return args[0]
        return self.call(func, args)

    def operand(self, tokens: list[str]) -> Value:
        token = tokens.pop(0)
        if token == "(":  # noqa: S105 - a template token, not a password
            value = self.command(tokens)
            if not tokens or tokens.pop(0) != ")":
                raise TemplateError("unclosed parenthesis")
            return value
        if token == ".":  # noqa: S105
            return self.data
        if token.startswith("."):
            if token[1:] not in self.data:
                raise TemplateMissingKeyError(token[1:])
            return self.data[token[1:]]
        if token[0] == "`":
            return token[1:-1]
        if token[0] == '"':
            return str(json.loads(token))
        raise TemplateError(f"function {token!r} used as a value")

    @staticmethod
    def call(func: str, args: list[Value]) -> Value:
        if func == "index":
            if len(args) != 2 or not isinstance(args[0], Mapping) or not isinstance(args[1], str):
                raise TemplateError("index takes the data `.` and a string key")
            return args[0].get(args[1], "")  # Go's index yields the zero value, never an error
        if len(args) < 2 or any(isinstance(a, Mapping) for a in args):
            raise TemplateError(f"{func} needs at least two comparable arguments")
        if func == "eq":
            return any(args[0] == other for other in args[1:])
        if len(args) != 2:
            raise TemplateError("ne takes two arguments")
        return args[0] != args[1]


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    raise TemplateError("cannot print the whole data map")


class Template:
    """A parsed template; :meth:`render` raises :class:`TemplateMissingKeyError` like Go."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._nodes = _parse(source)

    def render(self, data: Mapping[str, str]) -> str:
        """Execute over ``data`` (claims merged over defaults, all strings)."""
        return self._render(self._nodes, _Evaluator(data))

    def _render(self, nodes: tuple[_Node, ...], evaluator: _Evaluator) -> str:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, _Text):
                out.append(node.text)
            elif isinstance(node, _Expr):
                out.append(_text(evaluator.command(list(node.tokens))))
            else:
                cond = evaluator.command(list(node.cond.tokens))
                truthy = bool(cond) if not isinstance(cond, Mapping) else bool(len(cond))
                out.append(self._render(node.then if truthy else node.otherwise, evaluator))
        return "".join(out)
