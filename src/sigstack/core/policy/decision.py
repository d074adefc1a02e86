"""policy-controller's denial and warning texts (oci-and-policy.md §3.5), rendered exactly.

The webhook gathers Knative ``FieldError`` values: ``Message``, ``Paths`` and ``Details``.
Each renders as ``"<Message>: <paths joined by ', '>"`` and, when there are details,
``"\\n<Details>"``; errors with the same message and details are merged (their paths
joined), sorted by message then paths, and joined with newlines. A denial is
``validation failed: `` + that text; a warning-level error becomes warnings, the text split
on newlines (Knative's ``WarningLevel``; kubectl prints each ``Warning: …``).

* a failing policy: message ``failed policy: <cip>``, path of the image, details
  ``<image as written> <err1> <err2> …`` (:func:`policy_failure`);
* nothing matched: ``no matching policies``, details the image (:func:`no_match`);
* not a digest: ``invalid value: <image> must be an image digest``, no details
  (:func:`not_a_digest`).

The per-authority errors are built by :func:`authority_error` and friends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "FieldError",
    "attestation_policy_error",
    "authority_error",
    "cip_policy_error",
    "denial",
    "no_match",
    "no_matching_attestation_type",
    "no_matching_attestations",
    "not_a_digest",
    "policy_failure",
    "render",
    "static_failure",
    "warnings_of",
]


@dataclass(frozen=True)
class FieldError:
    message: str
    paths: tuple[str, ...]
    details: str = ""


def policy_failure(cip: str, path: str, image: str, errors: Sequence[str]) -> FieldError:
    """One ClusterImagePolicy that failed for the image at ``path``."""
    return FieldError(f"failed policy: {cip}", (path,), " ".join([image, *errors]))


def no_match(path: str, image: str) -> FieldError:
    """No ClusterImagePolicy covers the image."""
    return FieldError("no matching policies", (path,), image)


def not_a_digest(path: str, image: str) -> FieldError:
    """The validating webhook needs ``…@sha256:…`` references."""
    return FieldError(f"invalid value: {image} must be an image digest", (path,))


def render(errors: Iterable[FieldError]) -> str:
    """Knative's ``FieldError.Error()`` of the merged errors (module docstring)."""
    merged: dict[tuple[str, str], list[str]] = {}
    for error in errors:
        paths = merged.setdefault((error.message, error.details), [])
        paths.extend(p for p in error.paths if p not in paths)
    lines = []
    for (message, details), paths in sorted(merged.items(), key=lambda i: (i[0][0], sorted(i[1]))):
        text = f"{message}: {', '.join(sorted(paths))}" if paths else message
        lines.append(f"{text}\n{details}" if details else text)
    return "\n".join(lines)


def denial(errors: Iterable[FieldError]) -> str:
    """The webhook's denial text (the API server adds ``admission webhook "…" denied …``)."""
    return f"validation failed: {render(errors)}"


def warnings_of(errors: Iterable[FieldError]) -> list[str]:
    """Warning-level errors as admission warnings (split on newlines)."""
    text = render(errors)
    return text.split("\n") if text else []


# -- per-authority errors ------------------------------------------------------------------


def authority_error(what: str, kind: str, authority: str, ref_name: str, cause: str) -> str:
    """``<what> <kind> validation failed for authority <name> for <ref>: <cause>``.

    ``what`` is ``signature`` or ``attestation``; ``kind`` ``key``, ``keyless`` or ``TSA``.
    """
    return f"{what} {kind} validation failed for authority {authority} for {ref_name}: {cause}"


def static_failure(message: str) -> str:
    return f"disallowed by static policy: {message}"


def no_matching_attestations(authority: str, ref_name: str) -> str:
    return f"no matching attestations for authority {authority} for {ref_name}"


def no_matching_attestation_type(predicate_type: str, found: Sequence[str]) -> str:
    checked = ",".join(found)
    return (
        f"no matching attestations with type {predicate_type}, checked the following "
        f'predicateTypes: "{checked}"'
    )


def attestation_policy_error(language: str, name: str, reason: str) -> str:
    """An attestation's policy said no (the cue wording, with our language's name)."""
    return (
        f"failed evaluating {language} policy for {name}: failed to evaluate the policy with "
        f"error: {reason}"
    )


def cip_policy_error(language: str, reason: str) -> str:
    return f"failed evaluating {language} policy for ClusterImagePolicy: {reason}"
