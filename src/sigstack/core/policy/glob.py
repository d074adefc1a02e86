"""policy-controller's image glob matching (oci-and-policy.md §3.2, ``pkg/apis/glob``).

A glob is made of ``[a-zA-Z0-9-_:/*.@]``; ``**`` matches anything (``/`` too), ``*`` anything
but ``/`` (so it does match ``:`` and ``@``), ``.`` is literal, and the whole name must
match. ``*`` alone means ``index.docker.io/library/*`` and ``*/*`` means
``index.docker.io/*/*``. The image side is go-containerregistry's ``Name()`` of the parsed
reference: registry and repository fully expanded (``index.docker.io``, ``library/``), then
``@sha256:…`` for a digest reference (a tag next to a digest is dropped) or ``:<tag>``
(``:latest`` when none). When that does not match, the glob is tried against the image as
written (upstream's deprecated fallback).
"""

from __future__ import annotations

import re
from functools import lru_cache

from sigstack.core.oci.reference import parse_reference
from sigstack.errors import FormatError

__all__ = ["compile_glob", "glob_matches", "match_name", "validate_glob"]

_VALID = re.compile(r"[a-zA-Z0-9\-_:/*.@]+")


def validate_glob(glob: str) -> None:
    """Refuse a glob with characters policy-controller does not accept."""
    if not _VALID.fullmatch(glob):
        bad = sorted({c for c in glob if not _VALID.fullmatch(c)}) if glob else []
        found = f"the characters {bad!r}" if bad else "an empty glob"
        raise FormatError(f"expected a glob of [a-zA-Z0-9-_:/*.@], found {found} in {glob!r}")


@lru_cache(maxsize=1024)
def compile_glob(glob: str) -> re.Pattern[str]:
    """The anchored regular expression of ``glob`` (after the ``*`` / ``*/*`` special cases)."""
    validate_glob(glob)
    if glob == "*":
        glob = "index.docker.io/library/*"
    elif glob == "*/*":
        glob = "index.docker.io/*/*"
    parts: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**", i):
            parts.append(".*")
            i += 2
        elif glob[i] == "*":
            parts.append("[^/]*")
            i += 1
        else:
            parts.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(parts))


def match_name(image: str) -> str:
    """go-containerregistry's ``Name()`` of ``image`` (module docstring)."""
    ref = parse_reference(image)
    if ref.digest is not None:
        return f"{ref.name}@{ref.digest}"
    return f"{ref.name}:{ref.tag}"


def glob_matches(glob: str, image: str) -> bool:
    """Whether ``glob`` covers ``image`` (an unparsable image is tried as written only)."""
    pattern = compile_glob(glob)
    try:
        name = match_name(image)
    except FormatError:
        name = None
    if name is not None and pattern.fullmatch(name):
        return True
    return pattern.fullmatch(image) is not None
