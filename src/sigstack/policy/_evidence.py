"""What both engines need to reach evidence: registry clients, a signature repository, the
trust material's version.

ClusterImagePolicy ``source[].oci`` (oci-and-policy.md §3.4) and Kyverno ``repository``
(§4.1) both move signatures and attestations to another repository; both engines read a
registry per host; both put the version of the trust material they verify with into their
memo keys (:func:`sigstack.policy.engine.memo_key`), so new keys mean new verdicts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from sigstack.clients.registry import RegistryClient
from sigstack.core.oci.reference import parse_reference
from sigstack.core.trust import TrustedRoot
from sigstack.oci.store import Store

__all__ = ["Registries", "trust_version"]


class Registries:
    """One :class:`RegistryClient` per host from the caller's ``factory`` (the caller owns
    the clients and closes them)."""

    def __init__(self, factory: Callable[[str], RegistryClient]) -> None:
        self._factory = factory
        self._clients: dict[str, RegistryClient] = {}

    def __call__(self, host: str) -> RegistryClient:
        client = self._clients.get(host)
        if client is None:
            client = self._clients[host] = self._factory(host)
        return client

    def store(self, repository: str) -> Store:
        """Where signatures and attestations are read from when a policy names another
        ``repository`` (``host/path``) for them."""
        target = parse_reference(repository)
        return Store(self(target.registry), target.repository)


def trust_version(trust: TrustedRoot | None) -> str:
    """A digest of a trusted root's canonical JSON (``"none"`` without one)."""
    if trust is None:
        return "none"
    document = json.dumps(trust.to_json(), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(document.encode()).hexdigest()
