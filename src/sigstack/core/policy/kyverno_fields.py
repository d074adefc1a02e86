"""Strict-parsing helpers the Kyverno policy modules share (oci-and-policy.md §4.1).

A feature this implementation does not have is refused at load time, naming the node
(``<file>:<line>:<column>: <path>: expected …, found …``): an ignored check is an admitted
image (:mod:`sigstack.core.policy.kyverno`).
"""

from __future__ import annotations

from typing import Literal

from sigstack.core.policy.yaml_load import Node
from sigstack.errors import FormatError

__all__ = ["Action", "parse_action", "unsupported"]

#: ``validationFailureAction`` / ``failureAction``, lower case normalised.
Action = Literal["Enforce", "Audit"]


def unsupported(node: Node, what: str) -> FormatError:
    """The refusal of a feature sigstack does not support, at ``node``."""
    return node.error(
        f"a feature sigstack supports ({what} is not supported)", found=f"{node.path}"
    )


def parse_action(node: Node) -> Action:
    """``Enforce``/``Audit`` (lower case accepted)."""
    text = node.string(choices=("Enforce", "Audit", "enforce", "audit"))
    return "Enforce" if text.lower() == "enforce" else "Audit"
