"""The engines the webhook asks, swapped as one, and how their answers combine.

A policy reload builds new engines and replaces the whole tuple in one assignment, so a
request sees either every old engine or every new one, never a mix (§3.3 reload).
Combination: any engine that denies denies the request (their messages joined by a blank
line, in engine order); warnings of every engine are kept, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sigstack.errors import Error
from sigstack.policy.engine import Engine, ImageAt, Outcome, ResourceContext

__all__ = ["EngineSet", "combine", "run_engines"]

log = logging.getLogger("sigstack.services.admission")


class EngineSet:
    """The current engines and the generation of the policies they were built from."""

    def __init__(self, engines: Sequence[Engine] = (), generation: str = "") -> None:
        self._state: tuple[tuple[Engine, ...], str] = (tuple(engines), generation)

    @property
    def engines(self) -> tuple[Engine, ...]:
        """The engines of the latest :meth:`swap`."""
        return self._state[0]

    @property
    def generation(self) -> str:
        """An identifier of the loaded policies (a hash), for ``/healthz`` and logs."""
        return self._state[1]

    def swap(self, engines: Sequence[Engine], generation: str) -> None:
        """Replace every engine at once."""
        self._state = (tuple(engines), generation)


def _ask(engine: Engine, images: Sequence[ImageAt], context: ResourceContext) -> Outcome:
    """``engine.validate``; an engine that raises denies (fail closed) with the reason."""
    try:
        return engine.validate(images, context)
    except Error as exc:
        log.warning("engine %s failed: %s", engine.name, exc)
        return Outcome(False, f"policy engine {engine.name} could not decide: {exc}")
    except Exception:  # the edge: a bug in an engine must deny, never answer a stack trace
        log.exception("engine %s crashed", engine.name)
        return Outcome(
            False, f"policy engine {engine.name} could not decide: internal error; see the log"
        )


def run_engines(
    engines: Sequence[Engine], images: Sequence[ImageAt], context: ResourceContext
) -> list[Outcome]:
    """Every engine's outcome, in order."""
    return [_ask(engine, images, context) for engine in engines]


def combine(outcomes: Sequence[Outcome]) -> Outcome:
    """One outcome: denied if any is, messages joined by a blank line, warnings in order."""
    denials = [o.message for o in outcomes if not o.allowed]
    warnings = tuple(w for o in outcomes for w in o.warnings)
    if denials:
        return Outcome(False, "\n\n".join(denials), warnings)
    return Outcome(True, "", warnings)
