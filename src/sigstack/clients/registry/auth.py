"""``WWW-Authenticate`` challenges and the registry token protocol.

RFC 7235 §4.1 challenges, as registries send them (distribution ``registry/auth``,
docker's "Token Authentication Specification"):

* ``Basic realm="Registry Realm"`` — send ``Authorization: Basic`` with the credentials;
* ``Bearer realm="https://auth/token",service="registry",scope="repository:a/b:pull"`` —
  ``GET <realm>?service=…&scope=…`` (with Basic credentials if we have some; anonymous
  otherwise), read ``token`` (or ``access_token``) from the JSON answer, retry the request
  with ``Authorization: Bearer <token>``. Tokens are cached per scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Challenge", "parse_challenges", "repository_scope"]

_AUTH_PARAM = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?')
_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9_.-]*)(?=\s|$)")


@dataclass(frozen=True)
class Challenge:
    """One challenge: its scheme (lower case) and its auth-params."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def scopes(self) -> tuple[str, ...]:
        """The space-separated ``scope`` parameter, split."""
        return tuple(self.params.get("scope", "").split())


def parse_challenges(header: str) -> list[Challenge]:
    """Every challenge in one ``WWW-Authenticate`` value (RFC 7235 §4.1)."""
    challenges: list[Challenge] = []
    pos = 0
    while pos < len(header):
        scheme = _SCHEME.match(header, pos)
        if scheme is None:
            break
        pos = scheme.end()
        params: dict[str, str] = {}
        while True:
            param = _AUTH_PARAM.match(header, pos)
            if param is None:
                break
            quoted, bare = param.group(2), param.group(3)
            value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare
            params[param.group(1).lower()] = value
            pos = param.end()
        challenges.append(Challenge(scheme.group(1).lower(), params))
        while pos < len(header) and header[pos] in ", ":
            pos += 1
    return challenges


def repository_scope(repository: str, *, push: bool) -> str:
    """docker's resource scope for ``repository``: ``repository:<name>:pull[,push]``."""
    return f"repository:{repository}:{'pull,push' if push else 'pull'}"
