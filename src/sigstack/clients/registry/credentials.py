"""Registry credentials: explicit, or read from docker's ``config.json`` as docker does.

docker's ``cli/config/configfile``: ``$DOCKER_CONFIG/config.json``, else
``~/.docker/config.json``, holding

* ``credHelpers``: ``{"<host>": "<name>"}`` — ask ``docker-credential-<name> get``;
* ``credsStore``: ``"<name>"`` — the same helper for every host;
* ``auths``: ``{"<host or URL>": {"auth": base64("user:password")}}`` or
  ``{"username", "password"}``; keys may be URLs (``https://index.docker.io/v1/``), which
  compare by host (docker's ``ConvertToHostname``).

A helper is asked first (``credHelpers`` for the host, else ``credsStore``); what it does
not know, or a helper that is not installed, falls back to ``auths``, and the lookup
records why, so a later 401 can say where credentials were looked for. The helper
protocol (docker-credential-helpers ``client.Get``): the server URL on stdin, JSON
``{"ServerURL", "Username", "Secret"}`` on stdout. Docker Hub's key is
``https://index.docker.io/v1/``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sigstack.core.oci.reference import DOCKER_HUB
from sigstack.errors import FormatError

__all__ = [
    "CredentialLookup",
    "CredentialSource",
    "Credentials",
    "DockerConfig",
    "StaticCredentials",
    "docker_config_path",
]

_HUB_KEY = "https://index.docker.io/v1/"
_HUB_HOSTS = frozenset({DOCKER_HUB, "docker.io", "registry-1.docker.io"})
_HELPER_TIMEOUT = 30


@dataclass(frozen=True)
class Credentials:
    """A user name and password (or a registry token used as a password)."""

    username: str
    password: str

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(username={self.username!r}, password=***)"


@dataclass(frozen=True)
class CredentialLookup:
    """What a source found for a host, and in words where it looked (for error messages)."""

    credentials: Credentials | None
    source: str


class CredentialSource(Protocol):
    """Anything that can answer "which credentials for this registry host?"."""

    def lookup(self, registry: str) -> CredentialLookup: ...


@dataclass(frozen=True)
class StaticCredentials:
    """The same credentials for every host (e.g. from command-line flags)."""

    credentials: Credentials | None

    def lookup(self, registry: str) -> CredentialLookup:
        found = "given credentials" if self.credentials else "no credentials (anonymous)"
        return CredentialLookup(self.credentials, found)


def docker_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``."""
    env = os.environ if environ is None else environ
    directory = env.get("DOCKER_CONFIG")
    if directory:
        return Path(directory) / "config.json"
    return Path(env.get("HOME") or Path.home()) / ".docker" / "config.json"


def _hostname(key: str) -> str:
    """docker ``ConvertToHostname``: drop the scheme and any path from an ``auths`` key."""
    for prefix in ("http://", "https://"):
        if key.startswith(prefix):
            key = key[len(prefix) :]
            break
    return key.split("/", 1)[0]


def _same_host(a: str, b: str) -> bool:
    return a == b or (a in _HUB_HOSTS and b in _HUB_HOSTS)


class DockerConfig:
    """Credentials from a docker ``config.json`` (module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> DockerConfig:
        """The config docker itself would read (``DOCKER_CONFIG`` or the home directory)."""
        return cls(docker_config_path(environ))

    def _load(self) -> dict[str, object]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise FormatError(f"cannot read docker config {self.path}: {exc}") from exc
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise FormatError(f"expected JSON in docker config {self.path}: {exc}") from exc
        if not isinstance(document, dict):
            raise FormatError(f"expected a JSON object in docker config {self.path}")
        return document

    def lookup(self, registry: str) -> CredentialLookup:
        """Credentials for ``registry`` (``host[:port]``), or why there are none."""
        config = self._load()
        if not config:
            return CredentialLookup(None, f"no docker config at {self.path}")
        notes: list[str] = []
        helpers = config.get("credHelpers")
        helper: object = None
        if isinstance(helpers, dict):
            helper = next(
                (v for k, v in helpers.items() if _same_host(_hostname(k), registry)), None
            )
        if helper is None and isinstance(config.get("credsStore"), str):
            helper = config["credsStore"]
        if isinstance(helper, str) and helper:
            found, note = _ask_helper(helper, registry)
            if found is not None:
                return CredentialLookup(found, f"docker-credential-{helper} ({self.path})")
            notes.append(note)
        auths = config.get("auths")
        if isinstance(auths, dict):
            for key, entry in auths.items():
                if _same_host(_hostname(key), registry) and isinstance(entry, dict):
                    creds = _from_auth_entry(entry, f"{self.path}: auths[{key!r}]")
                    if creds is not None:
                        return CredentialLookup(creds, f"auths[{key!r}] in {self.path}")
        notes.append(f"no auths entry for {registry} in {self.path}")
        return CredentialLookup(None, "; ".join(notes))


def _from_auth_entry(entry: Mapping[str, object], where: str) -> Credentials | None:
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            decoded = base64.b64decode(auth, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise FormatError(f"expected base64 of user:password in {where}.auth: {exc}") from exc
        user, colon, password = decoded.partition(":")
        if not colon:
            raise FormatError(f"expected base64 of user:password in {where}.auth, found no ':'")
        return Credentials(user, password)
    name, secret = entry.get("username"), entry.get("password")
    if isinstance(name, str) and isinstance(secret, str) and name:
        return Credentials(name, secret)
    return None


def _ask_helper(name: str, registry: str) -> tuple[Credentials | None, str]:
    """Run ``docker-credential-<name> get``; (credentials, or None and why)."""
    program = f"docker-credential-{name}"
    path = shutil.which(program)
    if path is None:
        return None, f"credential helper {program} is not on PATH"
    server = _HUB_KEY if registry in _HUB_HOSTS else registry
    try:
        done = subprocess.run(
            [path, "get"], input=server.encode(), capture_output=True,
            timeout=_HELPER_TIMEOUT, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"credential helper {program} failed: {exc}"
    if done.returncode != 0:
        why = done.stdout.decode(errors="replace").strip() or done.stderr.decode(errors="replace")
        return None, f"{program} get {server}: {why.strip() or 'exit ' + str(done.returncode)}"
    try:
        answer = json.loads(done.stdout)
    except ValueError as exc:
        raise FormatError(f"expected JSON from {program} get, found {done.stdout[:60]!r}") from exc
    if not isinstance(answer, dict):
        raise FormatError(f"expected a JSON object from {program} get, found {done.stdout[:60]!r}")
    user, secret = answer.get("Username"), answer.get("Secret")
    if not isinstance(user, str) or not isinstance(secret, str) or not secret:
        raise FormatError(f"expected Username and Secret strings from {program} get")
    return Credentials(user, secret), ""
