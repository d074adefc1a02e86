"""Image references, parsed and normalised exactly as docker does.

Grammar: distribution ``reference/reference.go`` (the grammar docker, containerd and
go-containerregistry share)::

    reference        := name [ ":" tag ] [ "@" digest ]
    name             := [domain '/'] remote-name
    domain           := host [':' port-number]
    host             := domain-name | '[' IPv6address ']'
    domain-name      := domain-component ['.' domain-component]*
    domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
    remote-name      := path-component ['/' path-component]*
    path-component   := /[a-z0-9]+/ [separator /[a-z0-9]+/]*
    separator        := /[_.]|__|[-]+/
    tag              := /[\\w][\\w.-]{0,127}/

Normalisation (distribution ``reference/normalize.go`` ``splitDockerDomain``): the part
before the first ``/`` is a registry host only if it contains ``.`` or ``:``, is
``localhost``, or has an uppercase letter; otherwise the reference is on Docker Hub.
A one-component Hub repository gets ``library/``; ``index.docker.io`` and ``docker.io``
are one registry, named here ``index.docker.io`` as go-containerregistry and cosign name
it (``docker-reference`` in simple-signing payloads, oci-and-policy.md §1.4). A reference
with neither tag nor digest means ``:latest``. The full name is at most 255 characters
and a bare 64-hex-digit name is refused (it would be mistaken for an image ID).

The digest must be one we can check (sha256/sha512, see :mod:`.digest`); docker accepts
any ``algorithm:hex`` of 32+ digits here but can then fetch nothing with it either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sigstack.core.oci.digest import Digest, parse_digest
from sigstack.errors import FormatError

__all__ = ["DOCKER_HUB", "Reference", "parse_reference", "validate_repository", "validate_tag"]

#: The registry Docker Hub references normalise to (go-containerregistry's DefaultRegistry).
DOCKER_HUB = "index.docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io"})
_DEFAULT_TAG = "latest"
_MAX_NAME = 255

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(
    rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
)
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[_.]|__|[-]+)[a-z0-9]+)*"
_REPOSITORY = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
_IMAGE_ID = re.compile(r"[a-f0-9]{64}")


def _fail(text: str, why: str) -> FormatError:
    return FormatError(f"invalid image reference {text!r}: {why}", field="reference")


def validate_tag(tag: str, *, field: str = "tag") -> str:
    """``tag`` if it matches ``[\\w][\\w.-]{0,127}`` (distribution-spec §"Pulling manifests")."""
    if not _TAG.fullmatch(tag):
        raise FormatError(
            f"expected a tag of 1-128 characters [A-Za-z0-9_.-] not starting with . or -, "
            f"found {tag!r}",
            field=field,
        )
    return tag


def validate_repository(name: str, *, field: str = "repository") -> str:
    """``name`` if it matches the distribution-spec ``<name>`` expression."""
    if not _REPOSITORY.fullmatch(name):
        raise FormatError(
            "expected a repository name of lowercase path components "
            f"[a-z0-9]+([._-][a-z0-9]+)* separated by '/', found {name!r}",
            field=field,
        )
    return name


@dataclass(frozen=True)
class Reference:
    """A normalised reference: ``registry/repository[:tag][@digest]``."""

    registry: str
    repository: str
    tag: str | None = None
    digest: Digest | None = None

    @property
    def name(self) -> str:
        """``registry/repository``, e.g. ``index.docker.io/library/ubuntu``."""
        return f"{self.registry}/{self.repository}"

    @property
    def identifier(self) -> str:
        """What goes after ``/manifests/``: the digest when there is one, else the tag."""
        if self.digest is not None:
            return str(self.digest)
        return self.tag or _DEFAULT_TAG

    def with_digest(self, digest: Digest) -> Reference:
        """The same name and tag, pinned to ``digest``."""
        return replace(self, digest=digest)

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


def _split_domain(name: str) -> tuple[str, str]:
    """distribution ``splitDockerDomain``: which part of ``name`` is a registry host."""
    first, slash, rest = name.partition("/")
    is_host = slash and (
        any(c in first for c in ".:") or first == "localhost" or first.lower() != first
    )
    if not is_host:
        return DOCKER_HUB, name
    return (DOCKER_HUB if first in _HUB_ALIASES else first), rest


def parse_reference(text: str) -> Reference:
    """Parse and normalise ``text`` like ``docker pull`` does (module docstring).

    ``ubuntu`` → ``index.docker.io/library/ubuntu:latest``;
    ``localhost:5000/app@sha256:…`` → registry ``localhost:5000``, repository ``app``.
    """
    if not isinstance(text, str) or not text:
        raise _fail(text, "expected [registry/]repository[:tag][@digest], found nothing")
    if _IMAGE_ID.fullmatch(text):
        raise _fail(text, "a 64-hex-digit name is an image ID, not a repository")
    rest, at, digest_text = text.partition("@")
    digest = None
    if at:
        digest = parse_digest(digest_text, field="reference")
    tag = None
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        rest, tag = rest[:colon], validate_tag(rest[colon + 1 :], field="reference")
    registry, repository = _split_domain(rest)
    if not _DOMAIN.fullmatch(registry):
        raise _fail(
            text, f"expected a registry host[:port] before the first '/', found {registry!r}"
        )
    if repository.lower() != repository:
        raise _fail(text, f"repository name must be lowercase, found {repository!r}")
    if not _REPOSITORY.fullmatch(repository):
        raise _fail(
            text,
            "expected a repository of lowercase path components "
            f"[a-z0-9]+([._-][a-z0-9]+)* separated by '/', found {repository!r}",
        )
    if registry == DOCKER_HUB and "/" not in repository:
        repository = f"library/{repository}"
    name_length = len(rest) if registry != DOCKER_HUB else len(f"docker.io/{repository}")
    if name_length > _MAX_NAME:
        raise _fail(text, f"the name is {name_length} characters long, at most 255 are allowed")
    if tag is None and digest is None:
        tag = _DEFAULT_TAG
    return Reference(registry, repository, tag, digest)
