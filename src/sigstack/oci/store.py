"""Where an image's signatures, attestations and SBOMs live, and how they are written.

oci-and-policy.md §1.1: the image's own repository, or the one ``--repository`` /
``$SIGSTACK_REPOSITORY`` (cosign's ``COSIGN_REPOSITORY``) names; §1.2 (a legacy
``sha256-<hex>.<sig|att|sbom>`` tag: an image whose layers are the attachments, with
go-containerregistry's config), §1.7 (a referrer: a manifest pushed by digest whose
``subject`` is the image; the registry client keeps the ``sha256-<hex>`` referrers tag when
the registry has no referrers API).

Writing a legacy tag is read, append, write, as cosign does (racy: two writers at the same
moment can lose a layer; the registry API has no conditional PUT to prevent it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sigstack.clients.registry import RegistryClient
from sigstack.core.oci.legacy import signature_config
from sigstack.core.oci.manifest import Descriptor, ImageManifest
from sigstack.core.oci.mediatypes import OCI_CONFIG
from sigstack.core.oci.reference import Reference, parse_reference
from sigstack.errors import FormatError, NotFoundError, UnsupportedError

__all__ = ["Store", "store_for"]


@dataclass(frozen=True)
class Store:
    """Where attached artifacts live: a registry client and a repository on it.

    The image's own repository by default; ``--repository`` replaces it (§1.1).
    """

    registry: RegistryClient
    repository: str

    def location(self, reference: str) -> str:
        """``host/repo:tag`` or ``host/repo@digest`` for messages."""
        separator = "@" if ":" in reference else ":"
        return f"{self.registry.registry}/{self.repository}{separator}{reference}"

    def tagged_manifest(self, tag: str) -> ImageManifest | None:
        """The image manifest at a legacy ``tag`` about to be rewritten; ``None`` when the
        tag does not exist. Anything else there is refused rather than overwritten."""
        try:
            pulled = self.registry.get_manifest(self.repository, tag)
        except NotFoundError:
            return None
        if not isinstance(pulled.manifest, ImageManifest):
            raise FormatError(
                f"expected an image manifest at {self.location(tag)}, found "
                f"{pulled.manifest.media_type}; not overwriting it"
            )
        return pulled.manifest

    def put_tagged(self, tag: str, layers: Sequence[Descriptor], blobs: Iterable[bytes]) -> str:
        """Push ``blobs`` (the new layers' contents), then the image of ``layers`` with
        go-containerregistry's config (§1.2) under ``tag``; its location."""
        for blob in blobs:
            self.registry.push_blob(self.repository, blob)
        config = signature_config([d.digest for d in layers])
        self.registry.push_blob(self.repository, config)
        manifest = ImageManifest(config=Descriptor.of(config, OCI_CONFIG), layers=tuple(layers))
        self.registry.put_manifest(self.repository, manifest, tag=tag)
        return self.location(tag)

    def put_referrer(self, manifest: ImageManifest, blobs: Iterable[bytes]) -> str:
        """Push ``blobs`` (layer and config contents), then ``manifest`` by digest (§1.7);
        its location ``host/repo@sha256:…``."""
        for blob in blobs:
            self.registry.push_blob(self.repository, blob)
        pushed = self.registry.put_manifest(self.repository, manifest)
        return self.location(str(pushed.descriptor.digest))


def store_for(registry: RegistryClient, image: Reference, repository: str | Store | None) -> Store:
    """Where what is attached to ``image`` lives: its own repository, or ``repository``
    (``host/path``; a bare name is on Docker Hub, as cosign reads ``COSIGN_REPOSITORY``).

    A name on another registry than ``registry`` needs a client of its own: pass a
    :class:`Store` (the CLI does), else :class:`UnsupportedError`.
    """
    if repository is None:
        return Store(registry, image.repository)
    if isinstance(repository, Store):
        return repository
    target = parse_reference(repository)
    if target.registry != registry.registry:
        raise UnsupportedError(
            f"expected the repository for signatures and attachments on {registry.registry}, "
            f"found {target.name} on {target.registry}: pass a Store with a client for it",
            field="repository",
        )
    return Store(registry, target.repository)
