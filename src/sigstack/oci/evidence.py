"""Everything attached to an image digest, in both of cosign's storage formats.

oci-and-policy.md §1.1 (legacy tags ``sha256-<hex>.sig`` / ``.att`` / ``.sbom``, in the
image's repository or in the one ``--repository``/``$COSIGN_REPOSITORY`` names), §1.2 and
§1.5 (one layer per signature or attestation, at most 1000 read), §1.7 (cosign v3: Sigstore
bundles as OCI 1.1 referrers, found through the referrers API or its ``sha256-<hex>`` tag
fallback; a referrer counts when its single layer is a ``…sigstore.bundle*`` blob).

:func:`gather` only *reads*: nothing here is trusted yet. Every blob and manifest is fetched
by digest and the registry client refuses bytes that do not hash to it. One unreadable item
(a malformed manifest, a missing blob) is reported in :attr:`Evidence.problems` and the rest
is still gathered; registry-wide failures (authentication, network) propagate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from sigstack.clients.registry import RegistryClient
from sigstack.core.oci.bundle_referrer import bundle_layer
from sigstack.core.oci.cosign import BUNDLE_ARTIFACT_PREFIX, Suffix, attached_tag
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.manifest import Descriptor, ImageIndex, ImageManifest
from sigstack.core.oci.reference import Reference, parse_reference
from sigstack.errors import FormatError, NotFoundError, VerificationError
from sigstack.oci.store import Store

__all__ = [
    "MAX_LAYERS",
    "READ_ERRORS",
    "AttachedLayer",
    "BundleReferrer",
    "Evidence",
    "ImageNotFound",
    "Problem",
    "ResolvedImage",
    "Store",
    "gather",
    "read_tag",
    "resolve",
    "tag_warning",
]

#: cosign reads at most this many layers of a ``.sig``/``.att`` manifest (§1.1 ``maxLayers``).
MAX_LAYERS = 1000

Kind = Literal["sig", "att", "sbom", "bundle"]


@dataclass(frozen=True)
class AttachedLayer:
    """One layer of a legacy ``.sig``/``.att``/``.sbom`` manifest: its blob and annotations."""

    suffix: Suffix
    location: str  # host/repo:sha256-<hex>.sig
    index: int  # position among the manifest's layers
    descriptor: Descriptor
    blob: bytes

    @property
    def annotations(self) -> Mapping[str, str]:
        return self.descriptor.annotations

    @property
    def where(self) -> str:
        """``host/repo:sha256-<hex>.sig layer <i>``, as reasons name it."""
        return f"{self.location} layer {self.index}"


@dataclass(frozen=True)
class BundleReferrer:
    """A referrer manifest holding a Sigstore bundle (§1.7), and the bundle's bytes."""

    location: str  # host/repo@sha256:<referrer manifest>
    manifest_digest: Digest
    artifact_type: str | None
    annotations: Mapping[str, str]
    bundle_json: bytes

    @property
    def predicate_type(self) -> str | None:
        """``dev.sigstore.bundle.predicateType`` as the manifest claims it (unverified)."""
        return self.annotations.get("dev.sigstore.bundle.predicateType")


@dataclass(frozen=True)
class Problem:
    """Something attached that could not be read, and why."""

    location: str
    reason: str

    def __str__(self) -> str:
        return f"{self.location}: {self.reason}"


@dataclass(frozen=True)
class Evidence:
    """What :func:`gather` found for ``digest``."""

    digest: Digest
    signatures: tuple[AttachedLayer, ...] = ()
    attestations: tuple[AttachedLayer, ...] = ()
    sboms: tuple[AttachedLayer, ...] = ()
    bundles: tuple[BundleReferrer, ...] = ()
    problems: tuple[Problem, ...] = field(default=())
    referrers_source: str | None = None  # "api" or "tag-schema"

    @property
    def empty(self) -> bool:
        """Nothing at all was found (not even something unreadable)."""
        return not (
            self.signatures or self.attestations or self.sboms or self.bundles or self.problems
        )


class ImageNotFound(NotFoundError):
    """The image reference names no manifest (cosign: ``image tag not found``, exit code 11)."""

    exit_code = 11


@dataclass(frozen=True)
class ResolvedImage:
    """An image reference pinned to the digest of the manifest bytes the registry served."""

    reference: Reference  # with its digest
    descriptor: Descriptor
    manifest: ImageManifest | ImageIndex
    by_tag: bool  # the reference named a tag only: the digest was looked up

    @property
    def digest(self) -> Digest:
        return self.descriptor.digest

    def __str__(self) -> str:
        return f"{self.reference.name}@{self.digest}"


def resolve(registry: RegistryClient, reference: Reference | str) -> ResolvedImage:
    """Resolve ``reference`` to a digest (§2.1 step 1) with the manifest; a digest reference
    is fetched by digest and its bytes checked against it (the client refuses otherwise).

    A missing image is :class:`ImageNotFound` ``image not found: <ref>``.
    """
    ref = parse_reference(reference) if isinstance(reference, str) else reference
    try:
        pulled = registry.get_manifest(ref.repository, ref.identifier)
    except NotFoundError as exc:
        raise ImageNotFound(f"image not found: {ref} ({exc.message})") from exc
    pinned = ref.with_digest(pulled.digest)
    return ResolvedImage(pinned, pulled.descriptor, pulled.manifest, ref.digest is None)


def tag_warning(image: ResolvedImage) -> str | None:
    """cosign's warning when an image is signed by tag (tags are mutable); else ``None``."""
    if not image.by_tag:
        return None
    return (
        f"Image reference {image.reference.name}:{image.reference.tag} uses a tag, not a "
        "digest, to identify the image to sign. A tag can be moved to other content: this "
        f"signs {image.digest}, the manifest the tag points to now. Sign by digest "
        f"({image.reference.name}@{image.digest}) to be sure of what you sign."
    )


#: What reading one attached item may raise; it becomes a :class:`Problem`, not a failure.
READ_ERRORS = (FormatError, NotFoundError, VerificationError)


def read_tag(store: Store, digest: Digest, suffix: Suffix) -> ImageManifest | Problem | None:
    """The legacy ``sha256-<hex>.<suffix>`` manifest (§1.1): ``None`` when the tag does not
    exist, a :class:`Problem` when it cannot be read or is not an image manifest."""
    tag = attached_tag(digest, suffix)
    try:
        pulled = store.registry.get_manifest(store.repository, tag)
    except NotFoundError:
        return None
    except (FormatError, VerificationError) as exc:
        return Problem(store.location(tag), str(exc))
    if not isinstance(pulled.manifest, ImageManifest):
        found = pulled.manifest.media_type
        return Problem(store.location(tag), f"expected an image manifest, found {found}")
    return pulled.manifest


def _layers(
    store: Store, digest: Digest, suffix: Suffix
) -> tuple[list[AttachedLayer], list[Problem]]:
    manifest = read_tag(store, digest, suffix)
    if manifest is None:
        return [], []
    if isinstance(manifest, Problem):
        return [], [manifest]
    where = store.location(attached_tag(digest, suffix))
    found_layers: list[AttachedLayer] = []
    problems: list[Problem] = []
    layers = manifest.layers
    if len(layers) > MAX_LAYERS:
        problems.append(Problem(where, f"{len(layers)} layers, only the first {MAX_LAYERS} read"))
    for i, layer in enumerate(layers[:MAX_LAYERS]):
        try:
            blob = store.registry.get_blob(store.repository, layer.digest)
        except READ_ERRORS as exc:
            problems.append(Problem(f"{where} layer {i}", str(exc)))
            continue
        found_layers.append(AttachedLayer(suffix, where, i, layer, blob))
    return found_layers, problems


def _bundles(store: Store, digest: Digest) -> tuple[list[BundleReferrer], list[Problem], str]:
    referrers = store.registry.referrers(store.repository, digest)
    found: list[BundleReferrer] = []
    problems: list[Problem] = []
    for entry in referrers.index.manifests:
        # cosign reads every referrer; one that declares another artifact type is skipped
        # here unread (an SBOM or other attachment), which cosign would also skip.
        if entry.artifact_type is not None and not entry.artifact_type.startswith(
            BUNDLE_ARTIFACT_PREFIX
        ):
            continue
        where = store.location(str(entry.digest))
        try:
            pulled = store.registry.get_manifest(store.repository, entry.digest)
            layer = bundle_layer(pulled.manifest)
            if layer is None:
                continue
            if pulled.manifest.subject is None or pulled.manifest.subject.digest != digest:
                problems.append(Problem(where, f"listed as a referrer of {digest}, but its "
                                        "subject is another manifest"))  # fmt: skip
                continue
            blob = store.registry.get_blob(store.repository, layer.digest)
        except READ_ERRORS as exc:
            problems.append(Problem(where, str(exc)))
            continue
        found.append(
            BundleReferrer(
                where,
                entry.digest,
                pulled.manifest.artifact_type,
                dict(pulled.manifest.annotations),
                blob,
            )
        )
    return found, problems, referrers.source


def gather(
    store: Store, digest: Digest, *, kinds: Iterable[Kind] = ("sig", "att", "bundle")
) -> Evidence:
    """Every signature / attestation / SBOM / bundle attached to ``digest`` in ``store``."""
    wanted = set(kinds)
    by_suffix: dict[str, tuple[AttachedLayer, ...]] = {}
    problems: list[Problem] = []
    suffixes: tuple[Suffix, ...] = ("sig", "att", "sbom")
    for suffix in suffixes:
        if suffix in wanted:
            layers, trouble = _layers(store, digest, suffix)
            by_suffix[suffix] = tuple(layers)
            problems.extend(trouble)
    bundles: list[BundleReferrer] = []
    source = None
    if "bundle" in wanted:
        bundles, trouble, source = _bundles(store, digest)
        problems.extend(trouble)
    return Evidence(
        digest=digest,
        signatures=by_suffix.get("sig", ()),
        attestations=by_suffix.get("att", ()),
        sboms=by_suffix.get("sbom", ()),
        bundles=tuple(bundles),
        problems=tuple(problems),
        referrers_source=source,
    )
