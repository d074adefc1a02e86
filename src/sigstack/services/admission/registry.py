"""The registries the webhook speaks to: one client per host, and tag → digest resolution.

Loopback registries are spoken to over plain HTTP (as go-containerregistry does for
``localhost``); ``allow_insecure`` allows plain HTTP elsewhere (``--allow-insecure-registry``).
Credentials come from docker's ``config.json`` (the webhook has no pod pull secrets).
Resolution asks the registry every time (a ``HEAD`` of the manifest): a tag moves, so its
digest is never cached (oci-and-policy.md §3.3 ``resolvePodSpec``).
"""

from __future__ import annotations

import threading
from contextlib import ExitStack

from sigstack.clients.registry import RegistryClient
from sigstack.clients.registry.session import is_loopback
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.reference import Reference

__all__ = ["Registries"]


class Registries:
    """``registries(host)`` → a shared :class:`RegistryClient`; ``registries.resolve(ref)``."""

    def __init__(self, *, allow_insecure: bool = False, timeout: float = 10.0) -> None:
        self.allow_insecure = allow_insecure
        self.timeout = timeout
        self._clients: dict[str, RegistryClient] = {}
        self._lock = threading.Lock()
        self._stack = ExitStack()

    def __call__(self, host: str) -> RegistryClient:
        with self._lock:
            client = self._clients.get(host)
            if client is None:
                plain = is_loopback(host) or self.allow_insecure
                client = RegistryClient(
                    host, plain_http=plain, allow_insecure=self.allow_insecure,
                    timeout=self.timeout,
                )  # fmt: skip
                self._clients[host] = self._stack.enter_context(client)
            return client

    def resolve(self, reference: Reference) -> Digest:
        """The digest ``reference``'s tag points to now (raises :class:`~sigstack.errors.Error`)."""
        return (
            self(reference.registry)
            .head_manifest(reference.repository, reference.identifier)
            .digest
        )

    def close(self) -> None:
        """Close every client."""
        with self._lock:
            self._stack.close()
            self._clients.clear()
