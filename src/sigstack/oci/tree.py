"""``triangulate`` and ``tree``: where cosign looks, and what is attached to an image.

oci-and-policy.md §1.1 (``cosign triangulate``: the legacy tag reference
``registry/repo:sha256-<hex>.<sig|att|sbom>`` in the image's repository or the one
``--repository`` names; ``--type digest`` prints ``repo@sha256:…``), §1.7 (referrers, via
the API or the ``sha256-<hex>`` tag fallback), and cosign's ``tree`` (deprecated
``triangulate``'s successor): the legacy tags with their layers, and every referrer with
its artifact type and, for a Sigstore bundle, its predicate type.

Nothing here is verified: it lists what is stored (an annotation's predicate type is what
the manifest *claims*). An unreadable item is listed as a problem, not fatal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sigstack.clients.registry import RegistryClient
from sigstack.core.oci.cosign import (
    ANNOTATION_PREDICATE_TYPE,
    BUNDLE_ANNOTATION_PREDICATE_TYPE,
    Suffix,
    attached_tag,
)
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.manifest import Descriptor, ImageManifest
from sigstack.core.oci.reference import Reference
from sigstack.errors import FormatError
from sigstack.oci.evidence import READ_ERRORS, Problem, ResolvedImage, read_tag, resolve
from sigstack.oci.store import Store, store_for

__all__ = [
    "TRIANGULATE_TYPES",
    "AttachedTag",
    "ListedReferrer",
    "Tree",
    "tree",
    "triangulate",
]

TriangulateType = Literal["signature", "attestation", "sbom", "digest"]

#: ``cosign triangulate --type`` → the legacy tag suffix (§1.1).
TRIANGULATE_TYPES: Mapping[str, Suffix] = {
    "signature": "sig",
    "attestation": "att",
    "sbom": "sbom",
}

_TITLES: Mapping[Suffix, str] = {"sig": "Signatures", "att": "Attestations", "sbom": "SBOMs"}


def triangulate(
    registry: RegistryClient,
    reference: Reference | str,
    kind: str = "signature",
    *,
    repository: str | Store | None = None,
) -> str:
    """Where cosign would look for ``kind`` (signature, attestation, sbom or digest)."""
    if kind != "digest" and kind not in TRIANGULATE_TYPES:
        raise FormatError(
            f"expected --type signature, attestation, sbom or digest, found {kind!r}",
            field="type",
        )
    resolved = resolve(registry, reference)
    if kind == "digest":
        return f"{resolved.reference.name}@{resolved.digest}"
    store = store_for(registry, resolved.reference, repository)
    return store.location(attached_tag(resolved.digest, TRIANGULATE_TYPES[kind]))


@dataclass(frozen=True)
class AttachedTag:
    """A legacy ``sha256-<hex>.<suffix>`` manifest and its layers."""

    suffix: Suffix
    location: str
    layers: tuple[Descriptor, ...]

    @property
    def title(self) -> str:
        return _TITLES[self.suffix]


@dataclass(frozen=True)
class ListedReferrer:
    """One referrer of the image: its manifest digest, artifact type and claimed type."""

    location: str
    digest: Digest
    artifact_type: str | None
    predicate_type: str | None
    layers: tuple[Descriptor, ...]


@dataclass(frozen=True)
class Tree:
    """What :func:`tree` found attached to an image."""

    image: ResolvedImage
    tags: tuple[AttachedTag, ...]
    referrers: tuple[ListedReferrer, ...]
    referrers_source: str  # "api" or "tag-schema"
    problems: tuple[Problem, ...]

    @property
    def empty(self) -> bool:
        return not (self.tags or self.referrers or self.problems)

    def lines(self, shown: str | None = None) -> list[str]:
        """A ``cosign tree``-like rendering; ``shown`` is the reference as the user gave it."""
        name = shown or str(self.image)
        if self.empty:
            return [
                f"No supply chain security related artifacts found for image {name} "
                f"({self.image.digest}): nothing at the .sig/.att/.sbom tags and no referrers"
            ]
        out = [f"Supply chain security related artifacts for an image: {name}"]
        for tag in self.tags:
            out.append(f"└── {tag.title} for an image tag: {tag.location}")
            for i, layer in enumerate(tag.layers):
                branch = "└──" if i == len(tag.layers) - 1 else "├──"
                claimed = layer.annotations.get(ANNOTATION_PREDICATE_TYPE)
                extra = f" predicateType={claimed}" if claimed else ""
                out.append(f"    {branch} {layer.digest} {layer.media_type}{extra}")
        if self.referrers:
            out.append(f"└── OCI referrers ({self.referrers_source}) of {self.image.digest}:")
            for i, ref in enumerate(self.referrers):
                branch = "└──" if i == len(self.referrers) - 1 else "├──"
                extra = f" predicateType={ref.predicate_type}" if ref.predicate_type else ""
                out.append(
                    f"    {branch} {ref.location} artifactType={ref.artifact_type or '-'}{extra}"
                )
        for problem in self.problems:
            out.append(f"└── unreadable: {problem}")
        return out


def _tag(store: Store, digest: Digest, suffix: Suffix) -> AttachedTag | Problem | None:
    manifest = read_tag(store, digest, suffix)
    if manifest is None or isinstance(manifest, Problem):
        return manifest
    return AttachedTag(suffix, store.location(attached_tag(digest, suffix)), manifest.layers)


def _referrer(store: Store, entry: Descriptor) -> ListedReferrer | Problem:
    where = store.location(str(entry.digest))
    try:
        pulled = store.registry.get_manifest(store.repository, entry.digest)
    except READ_ERRORS as exc:
        return Problem(where, str(exc))
    manifest = pulled.manifest
    annotations = manifest.annotations
    layers = manifest.layers if isinstance(manifest, ImageManifest) else ()
    return ListedReferrer(
        where,
        entry.digest,
        manifest.artifact_type or entry.artifact_type,
        annotations.get(BUNDLE_ANNOTATION_PREDICATE_TYPE),
        layers,
    )


def tree(
    registry: RegistryClient, reference: Reference | str, *, repository: str | Store | None = None
) -> Tree:
    """Everything attached to the image ``reference`` names, in both formats (module doc)."""
    resolved = resolve(registry, reference)
    store = store_for(registry, resolved.reference, repository)
    tags: list[AttachedTag] = []
    problems: list[Problem] = []
    suffixes: tuple[Suffix, ...] = ("sig", "att", "sbom")
    for suffix in suffixes:
        found = _tag(store, resolved.digest, suffix)
        if isinstance(found, Problem):
            problems.append(found)
        elif found is not None:
            tags.append(found)
    listing = store.registry.referrers(store.repository, resolved.digest)
    referrers: list[ListedReferrer] = []
    for entry in listing.index.manifests:
        item = _referrer(store, entry)
        if isinstance(item, Problem):
            problems.append(item)
        else:
            referrers.append(item)
    return Tree(resolved, tuple(tags), tuple(referrers), listing.source, tuple(problems))
