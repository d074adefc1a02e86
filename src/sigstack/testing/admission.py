"""``sigstack serve admission`` as a real HTTPS process, and AdmissionReviews (tests and
benchmarks only).

``start_admission(data_dir, "--policy", DIR, …)`` starts the webhook on a free loopback port
with ``--tls-self-signed localhost``, waits until ``/healthz`` answers over HTTPS checked
against the CA it made, and returns a handle with the URL, the CA file and the ``caBundle``
it printed. ``pod_review(images)`` builds an AdmissionReview v1 CREATE of a Pod (§6). The
tiny images to admit come from :mod:`sigstack.testing.images`.
"""

from __future__ import annotations

import os
import re
import signal
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from sigstack.testing.service import free_port

__all__ = [
    "AdmissionProcess",
    "cluster_image_policy",
    "pod_review",
    "review",
    "start_admission",
    "write_policy",
]


@dataclass
class AdmissionProcess:
    """A running ``sigstack serve admission`` over HTTPS."""

    url: str
    ca_path: Path
    ca_bundle: str
    process: subprocess.Popen[bytes]
    output: Path

    def client(self, **options: Any) -> httpx.Client:
        """An httpx client that trusts the webhook's CA (and only it)."""
        context = ssl.create_default_context(cafile=str(self.ca_path))
        return httpx.Client(base_url=self.url, verify=context, **options)

    def log(self) -> str:
        """What the process printed so far."""
        return self.output.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM, then wait (kill after 30 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_admission(
    data_dir: Path,
    *extra: str,
    output: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> AdmissionProcess:
    """Start the webhook (module docstring); ``env`` is added to this process's environment."""
    port = free_port()
    command = [
        sys.executable, "-m", "sigstack", "serve", "admission", "--data-dir", str(data_dir),
        "--host", "127.0.0.1", "--port", str(port), "--tls-self-signed", "localhost",
        "--no-kubernetes", *extra,
    ]  # fmt: skip
    environ = {**os.environ, **(env or {})}
    with open(output, "ab") as sink:
        proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=environ)
    url = f"https://localhost:{port}"
    ca_path = data_dir / "admission-tls" / "ca.crt"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"sigstack serve admission exited with {proc.returncode}; see {output}"
            )
        if ca_path.exists():
            try:
                context = ssl.create_default_context(cafile=str(ca_path))
                if httpx.get(url + "/healthz", verify=context, timeout=1).status_code == 200:
                    found = re.search(r"caBundle: (\S+)", output.read_text(errors="replace"))
                    bundle = found.group(1) if found else ""
                    return AdmissionProcess(url, ca_path, bundle, proc, output)
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"sigstack serve admission did not answer /healthz within {timeout} s")


def pod_review(
    images: Sequence[str],
    *,
    namespace: str = "prod",
    name: str = "web",
    namespace_labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An AdmissionReview v1 CREATE of a Pod running ``images`` (containers[0..n])."""
    containers = [{"name": f"c{i}", "image": image} for i, image in enumerate(images)]
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": containers},
    }  # fmt: skip
    request: dict[str, Any] = {
        "uid": str(uuid.uuid4()),
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": name, "namespace": namespace, "operation": "CREATE",
        "userInfo": {"username": "tester"}, "object": pod, "oldObject": None, "dryRun": False,
    }  # fmt: skip
    if namespace_labels is not None:
        request["namespaceObject"] = {
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": namespace, "labels": dict(namespace_labels)},
        }  # fmt: skip
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}


def review(client: httpx.Client, path: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """POST the AdmissionReview ``doc`` to ``path``; check the answer is a 200 AdmissionReview
    v1 for the same ``uid`` and return its ``response``."""
    response = client.post(path, json=doc)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["apiVersion"] == "admission.k8s.io/v1"
    assert answer["kind"] == "AdmissionReview"
    result: dict[str, Any] = answer["response"]
    assert result["uid"] == doc["request"]["uid"]
    return result


def cluster_image_policy(name: str, glob: str, authorities: str) -> str:
    """A ClusterImagePolicy ``name`` for images matching ``glob``; ``authorities`` is the YAML
    of its authority list items (``"  - static:\n      action: pass\n"``)."""
    return f"""apiVersion: policy.sigstore.dev/v1beta1
kind: ClusterImagePolicy
metadata:
  name: {name}
spec:
  images:
  - glob: "{glob}"
  authorities:
{authorities}"""


def write_policy(path: Path, text: str) -> None:
    """Write ``text`` and move the mtime on by a second, so a reloader sees the change even
    within one clock tick."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))
