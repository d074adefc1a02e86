"""List + watch of ClusterImagePolicies, TrustRoots and Namespaces against a tiny fake
Kubernetes API server (our own seam), kubeconfig and in-cluster configuration."""

from __future__ import annotations

import base64
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sigstack.errors import FormatError
from sigstack.services.admission.kube import (
    CLUSTER_IMAGE_POLICIES,
    NAMESPACES,
    TRUST_ROOTS,
    KubeConfig,
    KubernetesSource,
    in_cluster_config,
    load_kubeconfig,
)

TOKEN = "sa-token"


def cip(name: str, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "policy.sigstore.dev/v1beta1", "kind": "ClusterImagePolicy",
        "metadata": {"name": name, "resourceVersion": version, "uid": "u-" + name,
                     "managedFields": [{"manager": "kubectl"}]},
        "spec": {"images": [{"glob": "registry.example/**"}],
                 "authorities": [{"static": {"action": "pass"}}]},
        "status": {"conditions": []},
    }  # fmt: skip


class FakeApi:
    """Collections by path; each watch stream takes its events from a queue."""

    def __init__(self) -> None:
        self.items: dict[str, list[dict[str, Any]]] = {
            CLUSTER_IMAGE_POLICIES[0]: [cip("first", "10")],
            TRUST_ROOTS[0]: [],
            NAMESPACES[0]: [
                {"metadata": {"name": "prod", "resourceVersion": "3",
                              "labels": {"policy.sigstore.dev/include": "true"}}},
                {"metadata": {"name": "dev", "resourceVersion": "4"}},
            ],
        }  # fmt: skip
        self.events: dict[str, queue.Queue[dict[str, Any] | None]] = {
            path: queue.Queue() for path in self.items
        }
        self.lists: dict[str, int] = dict.fromkeys(self.items, 0)
        self.watch_versions: list[str] = []
        self.unauthorized = 0


def serve(api: FakeApi) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                api.unauthorized += 1
                self.send_response(401)
                self.end_headers()
                return
            if url.path not in api.items:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            if query.get("watch") != ["true"]:
                api.lists[url.path] += 1
                body = {"kind": "List", "metadata": {"resourceVersion": "100"},
                        "items": api.items[url.path]}  # fmt: skip
                self.wfile.write(json.dumps(body).encode())
                return
            api.watch_versions.append(query["resourceVersion"][0])
            events = api.events[url.path]
            while True:
                try:
                    event = events.get(timeout=0.2)
                except queue.Empty:
                    if getattr(self.server, "closing", False):
                        return
                    continue
                if event is None:
                    return
                self.wfile.write(json.dumps(event).encode() + b"\n")
                self.wfile.flush()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def api() -> Iterator[tuple[FakeApi, str]]:
    fake = FakeApi()
    server = serve(fake)
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.closing = True  # type: ignore[attr-defined]
        server.shutdown()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def names(source: KubernetesSource) -> list[str]:
    return [name for name, _ in source.documents()]


def test_list_then_watch(api: tuple[FakeApi, str]) -> None:
    fake, url = api
    changes: list[int] = []
    source = KubernetesSource(KubeConfig(url, token=TOKEN), lambda: changes.append(1), retry=0.05)
    try:
        assert source.start(wait=5)
        assert names(source) == ["k8s:ClusterImagePolicy/first"]
        [(_, text)] = source.documents()
        assert json.loads(text) == {
            "apiVersion": "policy.sigstore.dev/v1beta1", "kind": "ClusterImagePolicy",
            "metadata": {"name": "first"},
            "spec": {"images": [{"glob": "registry.example/**"}],
                     "authorities": [{"static": {"action": "pass"}}]},
        }  # fmt: skip
        assert source.namespace_labels("prod") == {"policy.sigstore.dev/include": "true"}
        assert source.namespace_labels("dev") == {}
        assert source.namespace_labels("other") is None
        wait_for(lambda: len(fake.watch_versions) == 3, "three watches")
        assert fake.watch_versions == ["100"] * 3
        seen = len(changes)

        events = fake.events[CLUSTER_IMAGE_POLICIES[0]]
        events.put({"type": "ADDED", "object": cip("second", "11")})
        wait_for(lambda: len(names(source)) == 2, "the ADDED policy")
        assert len(changes) > seen
        events.put({"type": "DELETED", "object": cip("first", "12")})
        wait_for(lambda: names(source) == ["k8s:ClusterImagePolicy/second"], "the DELETE")

        fake.events[TRUST_ROOTS[0]].put({"type": "ADDED", "object": {
            "metadata": {"name": "root", "resourceVersion": "13"}, "spec": {}}})  # fmt: skip
        wait_for(lambda: len(names(source)) == 2, "the TrustRoot")
        assert names(source)[0] == "k8s:TrustRoot/root"
        assert json.loads(source.documents()[0][1])["apiVersion"] == "policy.sigstore.dev/v1alpha1"

        fake.events[NAMESPACES[0]].put({"type": "MODIFIED", "object": {
            "metadata": {"name": "dev", "resourceVersion": "14",
                         "labels": {"policy.sigstore.dev/include": "true"}}}})  # fmt: skip
        wait_for(lambda: source.namespace_labels("dev") != {}, "the namespace label")

        # the watch resumes from the last version it saw; 410 Gone lists again
        events.put({"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "20"}}})
        events.put(None)  # the server ends the stream
        wait_for(lambda: "20" in fake.watch_versions, "the watch to resume at 20")
        lists = fake.lists[CLUSTER_IMAGE_POLICIES[0]]
        fake.items[CLUSTER_IMAGE_POLICIES[0]] = [cip("third", "30")]
        events.put({"type": "ERROR", "object": {"kind": "Status", "code": 410,
                                                 "message": "too old resource version"}})  # fmt: skip
        wait_for(lambda: fake.lists[CLUSTER_IMAGE_POLICIES[0]] > lists, "a new list")
        wait_for(lambda: names(source)[-1] == "k8s:ClusterImagePolicy/third", "the relisted")
    finally:
        source.stop()


def test_bad_token_is_retried_and_never_synced(api: tuple[FakeApi, str]) -> None:
    fake, url = api
    source = KubernetesSource(KubeConfig(url, token="wrong"), lambda: None, retry=0.05)
    try:
        assert source.start(wait=0.5) is False
        assert fake.unauthorized >= 3
        assert source.documents() == []
    finally:
        source.stop()


def test_kubeconfig_current_context(tmp_path: Path) -> None:
    ca = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    (tmp_path / "kubeconfig").write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "prod",
        "contexts": [{"name": "dev", "context": {"cluster": "c0", "user": "u0"}},
                     {"name": "prod", "context": {"cluster": "c1", "user": "u1"}}],
        "clusters": [{"name": "c1", "cluster": {"server": "https://10.0.0.1:6443/",
                      "certificate-authority-data": base64.b64encode(ca).decode()}}],
        "users": [{"name": "u1", "user": {"token": "abc"}}],
    }))  # fmt: skip
    config = load_kubeconfig(tmp_path / "kubeconfig", tmp_path / "scratch")
    assert config.server == "https://10.0.0.1:6443"
    assert config.token == "abc"
    assert config.ca_file is not None and Path(config.ca_file).read_bytes() == ca
    assert (Path(config.ca_file).stat().st_mode & 0o777) == 0o600
    assert not config.insecure and config.client_cert is None


def test_kubeconfig_without_the_named_cluster(tmp_path: Path) -> None:
    (tmp_path / "kubeconfig").write_text(json.dumps({
        "current-context": "prod", "contexts": [{"name": "prod", "context": {"cluster": "c9"}}],
        "clusters": [], "users": [],
    }))  # fmt: skip
    with pytest.raises(FormatError, match="expected a cluster named 'c9', found none"):
        load_kubeconfig(tmp_path / "kubeconfig", tmp_path)


def test_in_cluster_config(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("tok\n")
    (tmp_path / "ca.crt").write_text("pem")
    environ = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    config = in_cluster_config(environ, tmp_path)
    assert config == KubeConfig("https://10.96.0.1:443", "tok", str(tmp_path / "ca.crt"))
    assert in_cluster_config({}, tmp_path) is None
    assert in_cluster_config(environ, tmp_path / "missing") is None
    v6 = in_cluster_config({"KUBERNETES_SERVICE_HOST": "fd00::1"}, tmp_path)
    assert v6 is not None and v6.server == "https://[fd00::1]:443"
