"""Tiny OCI images for tests and benchmarks: byte-for-byte reproducible, pushed with our
registry client.

:func:`make_image` builds a one-layer linux image (a gzipped tarball holding ``hello.txt``
and a config naming the layer's diff ID, oci-and-policy.md §1.2); :func:`push_image` pushes
its blobs and manifest.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from dataclasses import dataclass

from sigstack.clients.registry import RegistryClient
from sigstack.core.oci import Descriptor, ImageManifest, digest_of
from sigstack.core.oci import mediatypes as mt

__all__ = ["Image", "make_image", "make_layer", "push_image"]


@dataclass
class Image:
    config: bytes
    layer: bytes
    manifest: ImageManifest

    @property
    def data(self) -> bytes:
        return self.manifest.to_bytes()


def make_layer(text: str) -> bytes:
    """A gzipped tarball holding ``hello.txt`` = ``text`` (no timestamps: reproducible)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        body = text.encode()
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime = len(body), 0
        tar.addfile(info, io.BytesIO(body))
    return gzip.compress(raw.getvalue(), mtime=0)


def make_image(text: str, arch: str = "amd64") -> Image:
    """A one-layer linux image whose file says ``text``."""
    layer = make_layer(text)
    diff_id = digest_of(gzip.decompress(layer))
    config = json.dumps(
        {"architecture": arch, "os": "linux", "config": {},
         "rootfs": {"type": "layers", "diff_ids": [str(diff_id)]}},
        separators=(",", ":"),
    ).encode()  # fmt: skip
    manifest = ImageManifest(
        config=Descriptor.of(config, mt.OCI_CONFIG),
        layers=(Descriptor.of(layer, mt.OCI_LAYER_GZIP),),
    )
    return Image(config, layer, manifest)


def push_image(
    client: RegistryClient, repo: str, image: Image, tag: str | None = None
) -> Descriptor:
    """Push ``image``'s blobs and manifest (under ``tag`` if given); the manifest's descriptor."""
    client.push_blob(repo, image.config)
    client.push_blob(repo, image.layer)
    return client.put_manifest(repo, image.manifest, tag=tag).descriptor
