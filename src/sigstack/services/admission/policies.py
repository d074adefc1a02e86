"""Where the webhook's policies come from, and how a change replaces the engines.

Policies are YAML files (``--policy FILE|DIR``, a directory's ``*.yaml``, ``*.yml`` and
``*.json`` files, recursively, in name order) and, in a cluster, the ClusterImagePolicy and
TrustRoot objects of the Kubernetes API (oci-and-policy.md §3.1, :mod:`.kube`). Every source
yields ``(name, text)`` documents; a *builder* turns all of them into engines (:mod:`.build`
wires the ClusterImagePolicy and Kyverno engines).

:class:`PolicyReloader` polls the files' modification times and sizes (every second by
default) and listens to the Kubernetes source; when anything changed it reads everything
again, and if the content differs it builds new engines and swaps them in one assignment
(:class:`~.engines.EngineSet`). A reload that fails (a YAML mistake, a TrustRoot that does
not parse) keeps the engines in service and logs the reason; the first load refuses to
start instead. The verification cache is never flushed: its keys hold each policy's hash,
so a changed policy simply misses.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from sigstack.errors import Error, FormatError
from sigstack.policy.engine import Engine
from sigstack.services.admission.engines import EngineSet

__all__ = ["Builder", "Documents", "PolicyFiles", "PolicyReloader", "generation_of"]

log = logging.getLogger("sigstack.services.admission")

#: ``(name, text)`` of each policy source, e.g. ``("policies/cip.yaml", b"apiVersion: …")``.
Documents = list[tuple[str, bytes]]
#: Turns every document into the engines to serve (raises :class:`Error` on a bad policy).
Builder = Callable[[Documents], Sequence[Engine]]

_SUFFIXES = (".yaml", ".yml", ".json")

Stamp = tuple[tuple[str, int, int], ...]


def generation_of(documents: Documents) -> str:
    """A short hash naming this exact set of policy texts."""
    digest = hashlib.sha256()
    for name, text in sorted(documents):
        for part in (name.encode(), text):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()[:16]


class PolicyFiles:
    """The policy files named on the command line (files, or directories of them)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = tuple(paths)
        for path in self.paths:
            if not path.exists():
                raise FormatError(f"expected a policy file or directory, found nothing at {path}")

    def files(self) -> list[Path]:
        """Every policy file now: named files, and each directory's YAML/JSON files."""
        out: list[Path] = []
        for path in self.paths:
            if path.is_dir():
                out += sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
            elif path.exists():
                out.append(path)
        return out

    def stamp(self) -> Stamp:
        """(name, mtime_ns, size) of every file: changes when any file does."""
        out = []
        for path in self.files():
            try:
                info = path.stat()
            except OSError:
                continue
            out.append((str(path), info.st_mtime_ns, info.st_size))
        return tuple(out)

    def read(self) -> Documents:
        """``(path, bytes)`` of every file."""
        out: Documents = []
        for path in self.files():
            try:
                out.append((str(path), path.read_bytes()))
            except OSError as exc:
                raise FormatError(f"cannot read policy file {path}: {exc.strerror}") from exc
        return out


class PolicyReloader:
    """Keeps ``engines`` built from the current policies (module docstring)."""

    def __init__(
        self,
        engines: EngineSet,
        build: Builder,
        files: PolicyFiles | None = None,
        *,
        extra: Callable[[], Documents] | None = None,
        interval: float = 1.0,
    ) -> None:
        self.engines = engines
        self._build = build
        self._files = files
        self._extra = extra
        self._interval = interval
        self._stamp: Stamp | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        #: the last reload's error (``None`` after a success), for logs and tests
        self.last_error: str | None = None

    def documents(self) -> Documents:
        """Every policy document of every source."""
        docs = self._files.read() if self._files is not None else []
        if self._extra is not None:
            docs += self._extra()
        return docs

    def load(self) -> str:
        """Build the engines now; raise on a bad policy. Returns the generation."""
        with self._lock:
            stamp = self._files.stamp() if self._files is not None else ()
            documents = self.documents()
            generation = generation_of(documents)
            if generation != self.engines.generation:
                self.engines.swap(self._build(documents), generation)
            self._stamp = stamp
            return generation

    def reload(self) -> bool:
        """Rebuild if the policies changed; keep serving the old engines on an error.
        True when new engines were swapped in."""
        before = self.engines.generation
        try:
            generation = self.load()
        except Error as exc:
            self.last_error = str(exc)
            log.error("policy reload failed, still serving policies %s: %s", before, exc)
            return False
        self.last_error = None
        if generation != before:
            log.info("policies reloaded: %s -> %s", before, generation)
            return True
        return False

    def changed(self) -> bool:
        """Did any policy file change since the last load?"""
        return self._files is not None and self._files.stamp() != self._stamp

    def notify(self) -> None:
        """Another source (the Kubernetes API) changed: reload soon."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            woken = self._wake.wait(self._interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            if woken or self.changed():
                self.reload()

    def start(self) -> None:
        """Watch for changes in a background thread until :meth:`stop`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="policy-reload", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """End the background thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
