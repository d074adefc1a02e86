"""Kyverno's wildcards and image names (oci-and-policy.md §4.2).

:func:`match` is ``IGLOU-EU/go-wildcard`` v1.0.3 ``Match`` as Kyverno's ``ext/wildcard``
uses it for ``imageReferences``, names, namespaces and condition values: ``*`` is any run of
characters *including* ``/``, ``?`` exactly one character, and the whole string must match
(no anchoring surprises, no character classes).

:func:`image_string` is Kyverno's ``ImageInfo.String()`` of an image as written in a pod
spec — the string ``imageReferences`` are matched against and messages name: the default
registry ``docker.io`` is added to a name without a registry host (no ``library/``), a
missing tag becomes ``latest``, and when a digest is present the tag is dropped
(``registry/path@sha256:…``).
"""

from __future__ import annotations

from functools import lru_cache

from sigstack.errors import FormatError

__all__ = ["DEFAULT_REGISTRY", "ImageInfo", "image_info", "image_string", "match"]

DEFAULT_REGISTRY = "docker.io"


def match(pattern: str, text: str) -> bool:
    """Whether ``text`` matches the wildcard ``pattern`` as a whole (module docstring)."""
    if pattern == "*":
        return True
    if not pattern:
        return not text
    if "*" not in pattern and "?" not in pattern:
        return pattern == text
    return _matcher(pattern)(text)


@lru_cache(maxsize=1024)
def _matcher(pattern: str) -> _Glob:
    return _Glob(pattern)


class _Glob:
    """Iterative wildcard matcher (linear backtracking on the last ``*``, no recursion)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __call__(self, text: str) -> bool:
        p, t = self.pattern, text
        pi = ti = 0
        star = -1
        resume = 0
        while ti < len(t):
            if pi < len(p) and p[pi] == "*":
                star, resume = pi, ti
                pi += 1
            elif pi < len(p) and (p[pi] == "?" or p[pi] == t[ti]):
                pi += 1
                ti += 1
            elif star >= 0:
                pi = star + 1
                resume += 1
                ti = resume
            else:
                return False
        while pi < len(p) and p[pi] == "*":
            pi += 1
        return pi == len(p)


class ImageInfo:
    """The parts of an image reference as Kyverno splits them (``pkg/utils/image/infos.go``)."""

    __slots__ = ("digest", "path", "registry", "tag")

    def __init__(self, registry: str, path: str, tag: str | None, digest: str | None) -> None:
        self.registry = registry
        self.path = path
        self.tag = tag
        self.digest = digest

    def __str__(self) -> str:
        name = f"{self.registry}/{self.path}"
        return f"{name}@{self.digest}" if self.digest else f"{name}:{self.tag}"

    @property
    def forms(self) -> tuple[str, ...]:
        """The strings a pattern may name this image by: :meth:`__str__` and, for an image
        pinned with its tag kept (``repo:tag@sha256:…``, as a mutating webhook writes it),
        also ``registry/path:tag``."""
        if self.digest and self.tag:
            return (str(self), f"{self.registry}/{self.path}:{self.tag}")
        return (str(self),)

    def __repr__(self) -> str:
        return f"ImageInfo({self!s})"


def image_info(image: str) -> ImageInfo:
    """Split ``image`` (as written in a resource) the way Kyverno does (module docstring)."""
    if not image or any(c.isspace() for c in image):
        raise FormatError(f"expected an image reference, found {image!r}")
    rest, at, digest = image.partition("@")
    if at and (":" not in digest or not digest.split(":", 1)[1]):
        raise FormatError(
            f"expected a digest algorithm:hex after '@' in {image!r}, found {digest!r}"
        )
    slash = rest.find("/")
    first = rest[:slash] if slash >= 0 else ""
    has_host = slash >= 0 and (
        any(c in first for c in ".:") or first == "localhost" or first.lower() != first
    )
    registry, path = (first, rest[slash + 1 :]) if has_host else (DEFAULT_REGISTRY, rest)
    tag = None
    last_slash = path.rfind("/")
    colon = path.rfind(":")
    if colon > last_slash:
        path, tag = path[:colon], path[colon + 1 :]
        if not tag:
            raise FormatError(f"expected a tag after ':' in {image!r}, found nothing")
    if not path or path.startswith("/") or path.endswith("/") or "//" in path:
        raise FormatError(f"expected a repository path in {image!r}, found {path!r}")
    if tag is None and not at:
        tag = "latest"
    return ImageInfo(registry, path, tag, digest if at else None)


def image_string(image: str) -> str:
    """Kyverno's ``ImageInfo.String()`` of ``image`` (module docstring)."""
    return str(image_info(image))
