"""oci.evidence.gather over a fake registry (our own seam): what is found, what is reported."""

from __future__ import annotations

import datetime
from typing import Any, cast

from sigstack.clients.registry import PulledManifest, Referrers, RegistryClient
from sigstack.core.oci import Descriptor, ImageIndex, ImageManifest, digest_of
from sigstack.core.oci import mediatypes as mt
from sigstack.core.oci.bundle_referrer import referrer_manifest
from sigstack.core.oci.cosign import SIMPLE_SIGNING_LAYER, attached_tag
from sigstack.core.oci.digest import Digest
from sigstack.errors import NotFoundError
from sigstack.oci.evidence import gather
from sigstack.oci.store import Store

IMAGE = Descriptor.of(b"image manifest", mt.OCI_MANIFEST)
OTHER = Descriptor.of(b"other manifest", mt.OCI_MANIFEST)
CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


class FakeRegistry:
    registry = "r.example"

    def __init__(self) -> None:
        self.manifests: dict[str, ImageManifest | ImageIndex] = {}
        self.blobs: dict[Digest, bytes] = {}
        self.referrer_list: list[Descriptor] = []

    def add(self, manifest: ImageManifest | ImageIndex, tag: str | None = None) -> Descriptor:
        data = manifest.to_bytes()
        descriptor = Descriptor(manifest.media_type, digest_of(data), len(data),
                                artifact_type=manifest.artifact_type)  # fmt: skip
        self.manifests[tag or str(descriptor.digest)] = manifest
        return descriptor

    def get_manifest(self, repository: str, reference: str | Digest) -> PulledManifest:
        manifest = self.manifests.get(str(reference))
        if manifest is None:
            raise NotFoundError(f"no manifest {reference}")
        data = manifest.to_bytes()
        return PulledManifest(
            Descriptor(manifest.media_type, digest_of(data), len(data)), data, manifest
        )

    def get_blob(self, repository: str, digest: Digest) -> bytes:
        if digest not in self.blobs:
            raise NotFoundError(f"blob {digest} unknown")
        return self.blobs[digest]

    def referrers(self, repository: str, subject: Digest, **_: Any) -> Referrers:
        return Referrers(ImageIndex(manifests=tuple(self.referrer_list)), "tag-schema")


def _store(fake: FakeRegistry) -> Store:
    return Store(cast(RegistryClient, fake), "app")


def test_layers_and_bundles_are_gathered_and_defects_reported() -> None:
    fake = FakeRegistry()
    present, absent = b"payload one", b"payload two"
    fake.blobs[digest_of(present)] = present
    sig = ImageManifest(
        config=Descriptor.of(b"{}", mt.OCI_CONFIG),
        layers=(
            Descriptor.of(present, SIMPLE_SIGNING_LAYER),
            Descriptor.of(absent, SIMPLE_SIGNING_LAYER),
        ),
    )
    fake.add(sig, attached_tag(IMAGE.digest, "sig"))
    bundle = b'{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}'
    fake.blobs[digest_of(bundle)] = bundle
    good = fake.add(referrer_manifest(bundle, IMAGE, created=CREATED))
    elsewhere = fake.add(referrer_manifest(bundle + b" ", OTHER, created=CREATED))
    sbom = Descriptor.of(
        b"x", mt.OCI_MANIFEST, artifact_type="application/vnd.dev.cosign.artifact.sbom.v1+json"
    )
    fake.referrer_list = [good, elsewhere, sbom]

    evidence = gather(_store(fake), IMAGE.digest)
    assert [layer.blob for layer in evidence.signatures] == [present]
    assert evidence.signatures[0].location == f"r.example/app:{attached_tag(IMAGE.digest, 'sig')}"
    assert [b.bundle_json for b in evidence.bundles] == [bundle]
    assert evidence.bundles[0].predicate_type == "https://sigstore.dev/cosign/sign/v1"
    reasons = [str(p) for p in evidence.problems]
    assert any("layer 1" in r and f"blob {digest_of(absent)} unknown" in r for r in reasons)
    assert any(str(elsewhere.digest) in r and "subject is another manifest" in r for r in reasons)
    assert len(reasons) == 2  # the SBOM referrer is skipped, not a problem
    assert evidence.attestations == () and not evidence.empty


def test_nothing_attached_is_empty_and_an_index_at_the_sig_tag_is_a_problem() -> None:
    fake = FakeRegistry()
    assert gather(_store(fake), IMAGE.digest).empty
    fake.add(ImageIndex(manifests=()), attached_tag(IMAGE.digest, "sig"))
    evidence = gather(_store(fake), IMAGE.digest, kinds=("sig",))
    assert [p.reason for p in evidence.problems] == [
        f"expected an image manifest, found {mt.OCI_INDEX}"
    ]
