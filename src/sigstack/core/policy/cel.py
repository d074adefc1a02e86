"""CEL policies over attestations and policy results (``policy.type: cel``).

policy-controller evaluates CUE and Rego (oci-and-policy.md §3.4); sigstack evaluates CEL
(the Common Expression Language, as Kubernetes ValidatingAdmissionPolicy does) instead, and
refuses CUE and Rego when the policy is loaded. An attestation policy sees the in-toto
statement (§2.3: the whole statement is the input) as ``statement`` and its parts as
``predicateType``, ``predicate`` and ``subject``; a ClusterImagePolicy-level policy sees the
PolicyResult (§3.4) as ``result`` and its keys (``authorityMatches``, ``spec``, ``metadata``,
``typemeta``). The expression must evaluate to ``true``.

``cel-python`` is imported only when a CEL policy is compiled, so commands that never meet
one do not pay for it. A syntax error is a load-time :class:`~sigstack.errors.FormatError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sigstack.errors import FormatError

__all__ = ["CelPolicy", "compile_cel", "statement_variables"]


@dataclass(frozen=True, eq=False)
class CelPolicy:
    """A compiled CEL expression; :meth:`evaluate` returns ``None`` when it holds, else why not."""

    source: str
    _program: Any

    def evaluate(self, variables: Mapping[str, Any]) -> str | None:
        """``None`` when the expression is ``true`` over ``variables``; otherwise the reason."""
        from celpy.adapter import json_to_cel
        from celpy.evaluation import CELEvalError

        activation = {name: json_to_cel(value) for name, value in variables.items()}
        try:
            result = self._program.evaluate(activation)
        except CELEvalError as exc:
            return f"evaluation error: {_first_line(exc)}"
        except Exception as exc:  # cel-python raises plain Python errors too
            return f"evaluation error: {type(exc).__name__}: {exc}"
        if isinstance(result, CELEvalError):
            return f"evaluation error: {_first_line(result)}"
        from celpy import celtypes

        if isinstance(result, celtypes.BoolType | bool) and bool(result):
            return None
        if isinstance(result, celtypes.BoolType | bool):
            return f"the expression {self.source.strip()!r} is false"
        return f"expected the expression to be a boolean, found {result!r}"


def _first_line(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


@lru_cache(maxsize=256)
def compile_cel(source: str, where: str = "") -> CelPolicy:
    """Compile ``source``; a syntax error is a :class:`FormatError` naming ``where``."""
    try:
        import celpy
        from celpy.celparser import CELParseError
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise FormatError(
            "CEL policies need the cel-python package (pip install cel-python)"
        ) from exc
    environment = celpy.Environment()
    try:
        ast = environment.compile(source)
    except CELParseError as exc:
        detail = " ".join(str(exc).split())
        prefix = f"{where}: " if where else ""
        raise FormatError(
            f"{prefix}expected a CEL expression, found a syntax error: {detail}"
        ) from exc
    return CelPolicy(source, environment.program(ast))


def statement_variables(statement: Mapping[str, Any]) -> dict[str, Any]:
    """The variables an attestation policy sees for one in-toto ``statement``."""
    return {
        "statement": dict(statement),
        "predicateType": statement.get("predicateType", ""),
        "predicate": statement.get("predicate", {}),
        "subject": statement.get("subject", []),
    }
