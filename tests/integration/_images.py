"""What the image tests share: tiny images, a real registry with a live stack, the CLI.

* :func:`make_image` builds a one-layer OCI image (a gzipped tarball with one file and a
  config naming its diff ID), byte-for-byte reproducible; :func:`push_image` pushes it
  (both from :mod:`sigstack.testing.images`).
* :func:`start_test_registry` starts Debian's ``docker-registry``
  (:mod:`sigstack.testing.registry`) and fails the test, never skips, when it is missing.
* :func:`image_env` starts a registry and ``sigstack up`` side by side; the :class:`ImageEnv`
  runs ``python -m sigstack`` as a user would (no ``SIGSTORE_``/``COSIGN_``/``SIGSTACK_``
  variables leak in from the outer environment), gets identity tokens from the stack's dev
  issuer and builds signing contexts from its trust config.
* :func:`rekor_bundle_by_hand` and :func:`legacy_manifest_by_hand` write cosign's legacy
  storage from the spec's documented layout (oci-and-policy.md §1.2, §1.3), independently of
  the code under test.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sigstack.clients.registry import RegistryClient, StaticCredentials
from sigstack.clock import utc_now
from sigstack.core.oci import Descriptor, digest_of
from sigstack.core.trust import TrustedRoot
from sigstack.sign import SigningContext
from sigstack.testing.images import Image, make_image, make_layer, push_image
from sigstack.testing.registry import RegistryProcess, RegistryUnavailable, start_registry
from sigstack.testing.service import ServiceProcess
from sigstack.testing.stack import start_stack
from sigstack.verify import load_trusted_root
from tests.integration._live import run_sigstack

__all__ = [
    "ANONYMOUS",
    "Image",
    "ImageEnv",
    "image_env",
    "legacy_manifest_by_hand",
    "make_image",
    "make_layer",
    "push_image",
    "rekor_bundle_by_hand",
    "start_test_registry",
]

#: No credentials at all (the test registries are open unless a test asks otherwise).
ANONYMOUS = StaticCredentials(None)


# -- tiny images: sigstack.testing.images (the benchmarks use them too) ---------------------


# -- a registry and a stack ----------------------------------------------------------------


def start_test_registry(path: Path, **options: Any) -> RegistryProcess:
    """:func:`~sigstack.testing.registry.start_registry`; a missing binary fails the test."""
    try:
        return start_registry(path, **options)
    except RegistryUnavailable as exc:
        pytest.fail(str(exc))


@dataclass
class ImageEnv:
    """A registry (``client`` speaks to it anonymously) and a live stack, under ``root``."""

    root: Path
    stack: ServiceProcess
    registry: RegistryProcess
    client: RegistryClient
    email: str

    @property
    def issuer(self) -> str:
        return f"{self.stack.url}/oidc"

    def who(self, email: str | None = None) -> list[str]:
        """The identity flags of a keyless verification of ``email`` (default: ours)."""
        return [
            "--certificate-identity", email or self.email,
            "--certificate-oidc-issuer", self.issuer,
        ]  # fmt: skip

    def sigstack(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        """``python -m sigstack ARGS`` against this stack; ``extra`` adds variables."""
        return run_sigstack(
            self.stack.data_dir, *args, drop=("SIGSTORE_", "COSIGN_", "SIGSTACK_"),
            env={"DOCKER_CONFIG": str(self.root / "docker"), **extra},
        )  # fmt: skip

    def token(self, email: str | None = None) -> str:
        """An identity token for ``email`` (default: ours) from the stack's dev issuer."""
        out = self.sigstack(
            "oidc", "token", "--email", email or self.email,
            "--data-dir", str(self.stack.data_dir),
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def signing_context(self, rekor_version: int | None = None) -> SigningContext:
        """A signing context from the stack's trust config (``rekor_version``: its log)."""
        document = json.loads((self.stack.data_dir / "trust_config.json").read_text())
        return SigningContext.from_trust_config(
            document, now=utc_now(), rekor_version=rekor_version
        )

    def trusted_root(self) -> TrustedRoot:
        """The stack's trusted root (from its trust config)."""
        document = json.loads((self.stack.data_dir / "trust_config.json").read_text())
        return load_trusted_root(json.dumps(document["trustedRoot"]).encode())

    def push(self, repo: str, text: str, tag: str | None = "v1") -> Descriptor:
        """Push a fresh tiny image (:func:`make_image`) to ``repo``, tagged ``tag``."""
        return push_image(self.client, repo, make_image(text), tag)


@contextmanager
def image_env(root: Path, email: str) -> Iterator[ImageEnv]:
    """A registry and ``sigstack up`` under ``root`` (an empty docker config: anonymous
    registry access), stopped on exit."""
    (root / "docker").mkdir()
    (root / "docker" / "config.json").write_text("{}")
    registry = start_test_registry(root / "registry")
    stack = None
    try:
        stack = start_stack(root / "data", output=root / "up.log")
        with RegistryClient(registry.host, plain_http=True, credentials=ANONYMOUS) as client:
            yield ImageEnv(root, stack, registry, client, email)
    finally:
        if stack is not None:
            stack.stop()
        registry.stop()


# -- cosign's legacy storage, written by hand from the spec --------------------------------


def rekor_bundle_by_hand(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The ``dev.sigstore.cosign/bundle`` document of a bundle's v1 tlog entry (§1.3):
    capitalised outer keys; ``logID`` is the hex of the log's key ID."""
    return {
        "SignedEntryTimestamp": entry["inclusionPromise"]["signedEntryTimestamp"],
        "Payload": {
            "body": entry["canonicalizedBody"],
            "integratedTime": int(entry["integratedTime"]),
            "logIndex": int(entry["logIndex"]),
            "logID": base64.b64decode(entry["logId"]["keyId"]).hex(),
        },
    }


def legacy_manifest_by_hand(
    blob: bytes, media_type: str, annotations: Mapping[str, str]
) -> tuple[bytes, dict[str, Any]]:
    """(the config blob, the manifest document) of a one-layer ``.sig``/``.att`` image (§1.2):
    a config with zero times and the layer as its only diff ID."""
    config = json.dumps({
        "architecture": "", "created": "0001-01-01T00:00:00Z", "os": "",
        "rootfs": {"type": "layers", "diff_ids": [str(digest_of(blob))]}, "config": {},
    }).encode()  # fmt: skip
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "size": len(config), "digest": str(digest_of(config))},
        "layers": [{"mediaType": media_type, "size": len(blob), "digest": str(digest_of(blob)),
                    "annotations": dict(annotations)}],
    }  # fmt: skip
    return config, manifest
