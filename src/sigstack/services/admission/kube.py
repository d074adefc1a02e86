"""Policies and namespace labels from the Kubernetes API: list, then watch (httpx).

In a cluster the webhook reads ClusterImagePolicy (``policy.sigstore.dev/v1beta1``) and
TrustRoot (``v1alpha1``) objects (oci-and-policy.md §3.1) and Namespaces (for the opt-in
label, §3.3) straight from the API server, as a Kubernetes informer does: ``GET`` the
collection, remember its ``resourceVersion``, then ``GET ?watch=true&resourceVersion=…``
and apply each ``ADDED``/``MODIFIED``/``DELETED`` event; ``BOOKMARK`` moves the version on,
``ERROR`` 410 (Gone: the version is too old) lists again, and a dropped connection lists
again after a short pause. Every change calls ``on_change`` (the reloader's ``notify``).

The connection comes from the pod's service account (``KUBERNETES_SERVICE_HOST``/
``_PORT``, ``/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt}``) or from a
kubeconfig file (its current context: ``server``, ``certificate-authority[-data]``,
``insecure-skip-tls-verify``, ``token``/``tokenFile``, ``client-certificate[-data]`` +
``client-key[-data]``).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import ssl
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from sigstack.errors import FormatError

__all__ = [
    "CLUSTER_IMAGE_POLICIES",
    "NAMESPACES",
    "TRUST_ROOTS",
    "KubeConfig",
    "KubernetesSource",
    "ResourceWatch",
    "in_cluster_config",
    "load_kubeconfig",
]

log = logging.getLogger("sigstack.services.admission")

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")

#: (collection path, apiVersion, kind) of what the webhook watches.
CLUSTER_IMAGE_POLICIES = (
    "/apis/policy.sigstore.dev/v1beta1/clusterimagepolicies",
    "policy.sigstore.dev/v1beta1",
    "ClusterImagePolicy",
)
TRUST_ROOTS = ("/apis/policy.sigstore.dev/v1alpha1/trustroots", "policy.sigstore.dev/v1alpha1",
               "TrustRoot")  # fmt: skip
NAMESPACES = ("/api/v1/namespaces", "v1", "Namespace")


@dataclass(frozen=True)
class KubeConfig:
    """How to reach the API server."""

    server: str
    token: str | None = None
    ca_file: str | None = None
    insecure: bool = False
    client_cert: tuple[str, str] | None = None  # (certificate file, key file)

    def client(self, timeout: float = 10.0) -> httpx.Client:
        """An httpx client for the API server with these credentials."""
        verify: ssl.SSLContext | bool
        if self.insecure:
            verify = False
        else:
            verify = ssl.create_default_context(cafile=self.ca_file)
            if self.client_cert is not None:
                verify.load_cert_chain(*self.client_cert)
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.server, verify=verify, headers=headers, timeout=timeout)


def in_cluster_config(
    environ: Mapping[str, str], account: Path = SERVICE_ACCOUNT
) -> KubeConfig | None:
    """The pod's service-account connection, or ``None`` when not running in a cluster."""
    host = environ.get("KUBERNETES_SERVICE_HOST")
    port = environ.get("KUBERNETES_SERVICE_PORT", "443")
    token_file = account / "token"
    if not host or not token_file.exists():
        return None
    host = f"[{host}]" if ":" in host else host
    ca = account / "ca.crt"
    return KubeConfig(
        server=f"https://{host}:{port}",
        token=token_file.read_text().strip(),
        ca_file=str(ca) if ca.exists() else None,
    )


def _named(entries: Any, name: str, what: str, path: Path) -> dict[str, Any]:
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            value = entry.get(what) or {}
            if isinstance(value, dict):
                return value
    raise FormatError(f"{path}: expected a {what} named {name!r}, found none")


def _data_file(data: str, directory: Path, name: str) -> str:
    target = directory / name
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(base64.b64decode(data))
    return str(target)


def load_kubeconfig(path: Path, scratch: Path | None = None) -> KubeConfig:
    """The current context of a kubeconfig file (``*-data`` fields are written to files in
    ``scratch``, default a fresh temporary directory)."""
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise FormatError(f"cannot read kubeconfig {path}: {exc}") from exc
    if not isinstance(doc, dict) or not doc.get("current-context"):
        raise FormatError(f"{path}: expected a kubeconfig with a current-context, found none")
    context = _named(doc.get("contexts"), doc["current-context"], "context", path)
    cluster = _named(doc.get("clusters"), str(context.get("cluster")), "cluster", path)
    user = _named(doc.get("users"), str(context.get("user")), "user", path)
    if not isinstance(cluster.get("server"), str):
        raise FormatError(f"{path}: expected cluster.server, found none")
    folder = scratch or Path(tempfile.mkdtemp(prefix="sigstack-kube-"))
    ca = cluster.get("certificate-authority")
    if cluster.get("certificate-authority-data"):
        ca = _data_file(cluster["certificate-authority-data"], folder, "ca.crt")
    token = user.get("token")
    if not token and user.get("tokenFile"):
        token = Path(user["tokenFile"]).read_text().strip()
    cert, key = user.get("client-certificate"), user.get("client-key")
    if user.get("client-certificate-data"):
        cert = _data_file(user["client-certificate-data"], folder, "client.crt")
    if user.get("client-key-data"):
        key = _data_file(user["client-key-data"], folder, "client.key")
    return KubeConfig(
        server=cluster["server"].rstrip("/"),
        token=token,
        ca_file=ca,
        insecure=bool(cluster.get("insecure-skip-tls-verify")),
        client_cert=(cert, key) if cert and key else None,
    )


class _Relist(Exception):
    """The watch ended (410 Gone, closed stream): list again."""


class ResourceWatch:
    """One collection kept current by list + watch in a daemon thread."""

    def __init__(
        self,
        client: httpx.Client,
        collection: tuple[str, str, str],
        on_change: Callable[[], None],
        *,
        retry: float = 2.0,
        watch_seconds: int = 300,
    ) -> None:
        self.path, self.api_version, self.kind = collection
        self._client = client
        self._on_change = on_change
        self._retry = retry
        self._watch_seconds = watch_seconds
        self._objects: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.synced = threading.Event()
        self._thread: threading.Thread | None = None

    def objects(self) -> dict[str, dict[str, Any]]:
        """name → object, as last seen."""
        with self._lock:
            return dict(self._objects)

    def _complete(self, obj: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        obj.setdefault("apiVersion", self.api_version)
        obj.setdefault("kind", self.kind)
        name = obj.get("metadata", {}).get("name")
        if not isinstance(name, str):
            raise FormatError(f"{self.path}: expected objects with metadata.name, found {obj!r}")
        return name, obj

    def _list(self) -> str:
        response = self._client.get(self.path)
        response.raise_for_status()
        body = response.json()
        objects = dict(self._complete(item) for item in body.get("items") or [])
        with self._lock:
            self._objects = objects
        self.synced.set()
        self._on_change()
        return str(body.get("metadata", {}).get("resourceVersion", ""))

    def _apply(self, event: dict[str, Any]) -> str | None:
        kind, obj = event.get("type"), event.get("object") or {}
        version = obj.get("metadata", {}).get("resourceVersion")
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise _Relist
            raise FormatError(f"{self.path}: watch error {obj.get('code')}: {obj.get('message')}")
        if kind == "BOOKMARK":
            return str(version) if version else None
        name, obj = self._complete(obj)
        with self._lock:
            if kind == "DELETED":
                self._objects.pop(name, None)
            elif kind in ("ADDED", "MODIFIED"):
                self._objects[name] = obj
        self._on_change()
        return str(version) if version else None

    def _watch(self, version: str) -> None:
        params = {"watch": "true", "resourceVersion": version, "allowWatchBookmarks": "true",
                  "timeoutSeconds": str(self._watch_seconds)}  # fmt: skip
        timeout = httpx.Timeout(10.0, read=self._watch_seconds + 30.0)
        while not self._stop.is_set():
            params["resourceVersion"] = version
            with self._client.stream("GET", self.path, params=params, timeout=timeout) as stream:
                stream.raise_for_status()
                for line in stream.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.strip():
                        version = self._apply(json.loads(line)) or version

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._watch(self._list())
            except _Relist:
                continue
            except (httpx.HTTPError, ValueError, FormatError) as exc:
                log.warning("kubernetes %s: %s; listing again in %s s", self.path, exc, self._retry)
                self._stop.wait(self._retry)

    def start(self) -> None:
        """List and watch in the background until :meth:`stop`."""
        self._thread = threading.Thread(target=self._run, name=f"watch {self.kind}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current event (the thread is a daemon: it never blocks exit)."""
        self._stop.set()


class KubernetesSource:
    """ClusterImagePolicies and TrustRoots as policy documents, and namespace labels."""

    def __init__(self, config: KubeConfig, on_change: Callable[[], None], **options: Any) -> None:
        self._client = config.client()
        self.policies = ResourceWatch(self._client, CLUSTER_IMAGE_POLICIES, on_change, **options)
        self.trust_roots = ResourceWatch(self._client, TRUST_ROOTS, on_change, **options)
        self.namespaces = ResourceWatch(self._client, NAMESPACES, lambda: None, **options)

    def start(self, wait: float = 10.0) -> bool:
        """Start every watch; wait up to ``wait`` s for the first lists. True if all synced."""
        watches = (self.policies, self.trust_roots, self.namespaces)
        for watch in watches:
            watch.start()
        return all(watch.synced.wait(wait) for watch in watches)

    def stop(self) -> None:
        """Stop watching."""
        for watch in (self.policies, self.trust_roots, self.namespaces):
            watch.stop()

    def documents(self) -> list[tuple[str, bytes]]:
        """Each object as a policy document named ``k8s:<Kind>/<name>`` (``status`` and
        server-managed metadata dropped)."""
        out = []
        for watch in (self.trust_roots, self.policies):
            for name, obj in sorted(watch.objects().items()):
                doc = {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
                       "metadata": {"name": name}, "spec": obj.get("spec")}  # fmt: skip
                out.append((f"k8s:{watch.kind}/{name}", json.dumps(doc).encode()))
        return out

    def namespace_labels(self, namespace: str) -> Mapping[str, str] | None:
        """The labels of ``namespace``, or ``None`` when it is not (yet) known."""
        obj = self.namespaces.objects().get(namespace)
        if obj is None:
            return None
        labels = obj.get("metadata", {}).get("labels") or {}
        return {str(k): str(v) for k, v in labels.items()}
