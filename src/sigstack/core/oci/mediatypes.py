"""Media types of OCI and Docker manifests, indexes and blobs.

OCI image-spec v1.1 ``media-types.md``; the Docker equivalents are those of the Docker
Image Manifest V2 Schema 2 (``application/vnd.docker.distribution.manifest.v2+json``) and
its manifest list, which every registry still serves (OCI image-spec ``media-types.md``
§"Compatibility Matrix").
"""

from __future__ import annotations

__all__ = [
    "DOCKER_CONFIG",
    "DOCKER_LAYER",
    "DOCKER_MANIFEST",
    "DOCKER_MANIFEST_LIST",
    "INDEX_TYPES",
    "MANIFEST_ACCEPT",
    "MANIFEST_TYPES",
    "OCI_CONFIG",
    "OCI_EMPTY",
    "OCI_EMPTY_DATA",
    "OCI_INDEX",
    "OCI_LAYER",
    "OCI_LAYER_GZIP",
    "OCI_MANIFEST",
]

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
#: image-spec ``manifest.md`` §"Guidance for an Empty Descriptor": the blob ``{}``.
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
OCI_EMPTY_DATA = b"{}"

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

#: Single-image manifests (OCI and Docker schema 2).
MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
#: Multi-platform indexes (OCI image index and Docker manifest list).
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_MANIFEST_LIST})

#: The ``Accept`` header of a manifest request: every type we parse (distribution-spec
#: §"Pulling manifests": the client SHOULD list the manifest types it supports).
MANIFEST_ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST))
