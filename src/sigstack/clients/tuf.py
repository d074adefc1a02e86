"""Trust material from a TUF repository (ca-tsa-oidc-tuf.md §11.2; sigstore-clients.md §1.1).

The one place that fetches trust material. python-tuf's ``ngclient.Updater`` walks the
repository from a trusted ``root.json`` (root rotation, timestamp, snapshot, targets)
and downloads the targets ``trusted_root.json`` and ``signing_config.v0.2.json``, as
sigstore-python's ``TrustUpdater`` does. Per repository the cache is::

    CACHE/<quoted host[:port][/path]>/metadata/   root.json, timestamp.json, … (python-tuf)
    CACHE/<…>/targets/                            the two verified targets

:func:`refresh` never fails because the network is down: when the repository cannot be
reached it returns the targets verified on an earlier run, else the ``fallback`` given
(the copies embedded for the public instances), with a one-line ``warning``. A
repository that answers with metadata that does not verify is an error, not a fallback.
:func:`trust_instance` bootstraps a private repository from its first ``root.json``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
from tuf.api import exceptions as tuf_errors
from tuf.api.metadata import Metadata, Root  # type: ignore[attr-defined]
from tuf.api.serialization import DeserializationError
from tuf.ngclient.fetcher import FetcherInterface
from tuf.ngclient.updater import Updater

from sigstack import __version__
from sigstack.errors import FormatError, NetworkError, VerificationError

__all__ = [
    "PUBLIC_INSTANCES",
    "TARGETS",
    "TrustDocuments",
    "instance_dir",
    "refresh",
    "trust_instance",
]

#: The public Sigstore TUF repositories (ca-tsa-oidc-tuf.md §11.1).
PUBLIC_INSTANCES = {
    "public-good": "https://tuf-repo-cdn.sigstore.dev",
    "staging": "https://tuf-repo-cdn.sigstage.dev",
}
TRUSTED_ROOT = "trusted_root.json"
SIGNING_CONFIG = "signing_config.v0.2.json"
#: The targets a Sigstore client needs (§11.2: the names are fixed).
TARGETS = (TRUSTED_ROOT, SIGNING_CONFIG)
#: Seconds to wait for a connection or between bytes; the refresh is best effort.
DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True)
class TrustDocuments:
    """The two targets' bytes and where they came from: ``tuf`` (refreshed now), ``cache``
    (verified on an earlier run) or ``embedded``; ``warning`` says why not ``tuf``."""

    trusted_root: bytes
    signing_config: bytes
    origin: str
    warning: str | None = None


def instance_dir(cache_root: Path, url: str) -> Path:
    """The cache directory of the repository at ``url``: its host (and port, path) quoted."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FormatError(f"expected an http(s) TUF repository URL, found {url!r}", field="url")
    return cache_root / quote(parts.netloc + parts.path.rstrip("/"), safe="")


class _Fetcher(FetcherInterface):
    """python-tuf's fetcher over httpx: one attempt per file and a short timeout (python-tuf's
    urllib3 fetcher retries three times, which turns an unreachable host into a long wait)."""

    def __init__(self, timeout: float) -> None:
        self._client = httpx.Client(
            timeout=timeout, headers={"User-Agent": f"sigstack/{__version__}"}
        )

    def _fetch(self, url: str) -> Iterator[bytes]:
        try:
            response = self._client.send(self._client.build_request("GET", url), stream=True)
        except httpx.TimeoutException as exc:
            raise tuf_errors.SlowRetrievalError(f"timed out fetching {url}") from exc
        if response.status_code >= 400:
            response.close()
            raise tuf_errors.DownloadHTTPError(
                f"HTTP {response.status_code} for {url}", response.status_code
            )
        return self._chunks(response)

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    @staticmethod
    def _chunks(response: httpx.Response) -> Iterator[bytes]:
        try:
            yield from response.iter_bytes()
        except httpx.HTTPError as exc:
            raise tuf_errors.DownloadError(f"failed reading {response.url}: {exc}") from exc
        finally:
            response.close()


def _download(
    directory: Path, url: str, timeout: float, bootstrap: bytes | None
) -> dict[str, bytes]:
    """python-tuf's client over ``directory``: refresh the metadata, then each target
    (from the cache when its hash still matches, else downloaded and verified)."""
    (directory / "metadata").mkdir(parents=True, exist_ok=True)
    (directory / "targets").mkdir(parents=True, exist_ok=True)
    base = url.rstrip("/")
    fetcher = _Fetcher(timeout)
    try:
        updater = Updater(
            metadata_dir=str(directory / "metadata"),
            metadata_base_url=f"{base}/",
            target_dir=str(directory / "targets"),
            target_base_url=f"{base}/targets/",
            fetcher=fetcher,
            bootstrap=bootstrap,
        )
        updater.refresh()
        out: dict[str, bytes] = {}
        for name in TARGETS:
            info = updater.get_targetinfo(name)
            if info is None:
                raise FormatError(f"the TUF repository has no target {name}", field=name)
            path = updater.find_cached_target(info) or updater.download_target(info)
            out[name] = Path(path).read_bytes()
        return out
    finally:
        fetcher.close()


def _reason(exc: BaseException) -> str:
    """The innermost cause of a download failure, short (urllib3 nests it in ``reason``)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    inner = getattr(exc, "reason", None)
    text = str(inner if isinstance(inner, BaseException) else exc) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _cached(directory: Path) -> dict[str, bytes] | None:
    paths = [directory / "targets" / quote(name, safe="") for name in TARGETS]
    if not all(p.is_file() for p in paths):
        return None
    return {name: p.read_bytes() for name, p in zip(TARGETS, paths, strict=True)}


def refresh(
    url: str,
    cache_root: Path,
    *,
    bootstrap: bytes | None = None,
    fallback: TrustDocuments | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> TrustDocuments:
    """The trusted root and signing config of the repository at ``url``, refreshed if it
    can be reached.

    ``bootstrap`` is the initial ``root.json`` (the embedded one of a public instance);
    once a root is cached the cached one is trusted instead (it may have rotated).
    Without either, the instance was never trusted: :class:`FormatError` naming
    ``sigstack trust-instance``. Unreachable → cached targets, else ``fallback``, else
    :class:`NetworkError`. Metadata that fails TUF verification → :class:`VerificationError`.
    """
    directory = instance_dir(cache_root, url)
    has_root = (directory / "metadata" / "root.json").is_file()
    if not has_root and bootstrap is None:
        raise FormatError(
            f"no trusted TUF root for {url}: run `sigstack trust-instance ROOT.json "
            f"--instance {url}` first",
            field="--instance",
        )
    try:
        documents = _download(directory, url, timeout, None if has_root else bootstrap)
    except tuf_errors.DownloadError as exc:
        reason = _reason(exc)
        cached = _cached(directory)
        if cached is not None:
            return TrustDocuments(
                cached[TRUSTED_ROOT],
                cached[SIGNING_CONFIG],
                "cache",
                f"cannot refresh trust from {url} ({reason}); using the cached copy",
            )
        if fallback is not None:
            return TrustDocuments(
                fallback.trusted_root,
                fallback.signing_config,
                "embedded",
                f"cannot refresh trust from {url} ({reason}); using the embedded copy",
            )
        raise NetworkError(f"cannot reach the TUF repository {url}: {reason}") from exc
    except tuf_errors.RepositoryError as exc:
        raise VerificationError(f"the TUF repository {url} does not verify: {exc}") from exc
    except (OSError, ValueError) as exc:
        raise FormatError(f"cannot use the TUF cache {directory}: {exc}") from exc
    return TrustDocuments(documents[TRUSTED_ROOT], documents[SIGNING_CONFIG], "tuf")


def trust_instance(
    url: str, root: bytes, cache_root: Path, *, timeout: float = DEFAULT_TIMEOUT
) -> TrustDocuments:
    """Trust the repository at ``url`` from its initial ``root.json`` (sigstore-python's
    ``trust-instance``): the root must parse, and a refresh from it must succeed before
    anything is kept (a root from another repository, or an unreachable one, changes
    nothing). Replaces any earlier trust in that URL."""
    try:
        metadata = Metadata[Root].from_bytes(root)
    except (DeserializationError, ValueError, TypeError, KeyError) as exc:
        raise FormatError(f"expected a TUF root.json, found: {exc}", field="root") from exc
    if not isinstance(metadata.signed, Root):
        raise FormatError(
            f"expected a TUF root.json, found {metadata.signed.type} metadata", field="root"
        )
    target = instance_dir(cache_root, url)
    cache_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".trust-", dir=cache_root))
    try:
        try:
            documents = _download(staging, url, timeout, root)
        except tuf_errors.DownloadError as exc:
            reason = _reason(exc)
            raise NetworkError(f"cannot reach the TUF repository {url}: {reason}") from exc
        except tuf_errors.RepositoryError as exc:
            raise VerificationError(
                f"the TUF repository {url} does not verify with this root: {exc}"
            ) from exc
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return TrustDocuments(documents[TRUSTED_ROOT], documents[SIGNING_CONFIG], "tuf")
