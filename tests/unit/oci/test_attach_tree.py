"""oci.attach / oci.tree over a fake registry (our own seam): the SBOM referrer's shape, the
triangulated locations, and the tree's rendering (oci-and-policy.md §1.1, §1.6, §1.8)."""

from __future__ import annotations

import datetime
import re
from typing import cast

import pytest

from sigstack.clients.registry import PulledManifest, RegistryClient
from sigstack.core.oci import Descriptor, ImageManifest, digest_of
from sigstack.core.oci import mediatypes as mt
from sigstack.core.oci.digest import Digest
from sigstack.errors import FormatError, NotFoundError
from sigstack.oci.attach import sbom_media_type, sbom_referrer
from sigstack.oci.evidence import Problem, ResolvedImage, resolve
from sigstack.oci.tree import AttachedTag, ListedReferrer, Tree, triangulate

CREATED = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
IMAGE = ImageManifest(config=Descriptor.of(b"{}", mt.OCI_CONFIG), layers=())


class FakeRegistry:
    registry = "r.example"

    def get_manifest(self, repository: str, reference: str | Digest) -> PulledManifest:
        if repository != "app" or reference != "v1":
            raise NotFoundError(f"no manifest {repository}:{reference}")
        data = IMAGE.to_bytes()
        return PulledManifest(Descriptor(IMAGE.media_type, digest_of(data), len(data)), data, IMAGE)


REGISTRY = cast(RegistryClient, FakeRegistry())
HEX = digest_of(IMAGE.to_bytes()).encoded


def test_sbom_media_types() -> None:
    assert sbom_media_type("spdx") == "text/spdx"
    assert sbom_media_type("spdxjson") == "text/spdx+json"
    assert sbom_media_type("cyclonedx") == "application/vnd.cyclonedx+json"
    assert sbom_media_type("syft") == "application/vnd.syft+json"
    with pytest.raises(FormatError, match="expected an SBOM type spdx, spdxjson, cyclonedx, syft"):
        sbom_media_type("csv")


def test_sbom_referrer_manifest() -> None:
    subject = Descriptor.of(b"image", mt.OCI_MANIFEST, annotations={"x": "y"})
    manifest = sbom_referrer(b"{}", "text/spdx+json", subject, CREATED)
    assert manifest.to_json() == {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "artifactType": "application/vnd.dev.cosign.artifact.sbom.v1+json",
        "config": {
            "mediaType": "application/vnd.dev.cosign.artifact.sbom.v1+json",
            "digest": str(digest_of(b"{}")),
            "size": 2,
        },
        "layers": [{"mediaType": "text/spdx+json", "digest": str(digest_of(b"{}")), "size": 2}],
        "subject": {"mediaType": mt.OCI_MANIFEST, "digest": str(subject.digest), "size": 5},
        "annotations": {"org.opencontainers.image.created": "2026-01-02T03:04:05Z"},
    }


@pytest.mark.parametrize(
    ("kind", "repository", "expected"),
    [
        ("signature", None, f"r.example/app:sha256-{HEX}.sig"),
        ("attestation", None, f"r.example/app:sha256-{HEX}.att"),
        ("sbom", None, f"r.example/app:sha256-{HEX}.sbom"),
        ("digest", None, f"r.example/app@sha256:{HEX}"),
        ("signature", "r.example/other/sigs", f"r.example/other/sigs:sha256-{HEX}.sig"),
        ("digest", "r.example/other/sigs", f"r.example/app@sha256:{HEX}"),
    ],
)
def test_triangulate(kind: str, repository: str | None, expected: str) -> None:
    assert triangulate(REGISTRY, "r.example/app:v1", kind, repository=repository) == expected


def test_triangulate_refusals() -> None:
    with pytest.raises(FormatError, match="expected --type signature, attestation, sbom or"):
        triangulate(REGISTRY, "r.example/app:v1", "bundle")
    with pytest.raises(NotFoundError, match=re.escape("image not found: r.example/app:v2")):
        triangulate(REGISTRY, "r.example/app:v2")


def _resolved() -> ResolvedImage:
    return resolve(REGISTRY, "r.example/app:v1")


def test_tree_lines() -> None:
    image = _resolved()
    layer = Descriptor.of(b"env", "application/vnd.dsse.envelope.v1+json",
                          annotations={"predicateType": "https://slsa.dev/provenance/v1"})  # fmt: skip
    sbom = Descriptor.of(b"sbom", "text/spdx")
    referrer = Digest("sha256", "cd" * 32)
    found = Tree(
        image,
        tags=(AttachedTag("att", "r.example/app:sha256-x.att", (layer, layer)),
              AttachedTag("sbom", "r.example/app:sha256-x.sbom", (sbom,))),
        referrers=(ListedReferrer("r.example/app@sha256:" + "cd" * 32, referrer,
                                  "application/vnd.dev.sigstore.bundle.v0.3+json",
                                  "https://sigstore.dev/cosign/sign/v1", ()),),
        referrers_source="tag-schema",
        problems=(Problem("r.example/app:sha256-x.sig", "expected an image manifest"),),
    )  # fmt: skip
    assert found.lines("r.example/app:v1") == [
        "Supply chain security related artifacts for an image: r.example/app:v1",
        "└── Attestations for an image tag: r.example/app:sha256-x.att",
        f"    ├── {layer.digest} {layer.media_type} predicateType=https://slsa.dev/provenance/v1",
        f"    └── {layer.digest} {layer.media_type} predicateType=https://slsa.dev/provenance/v1",
        "└── SBOMs for an image tag: r.example/app:sha256-x.sbom",
        f"    └── {sbom.digest} text/spdx",
        f"└── OCI referrers (tag-schema) of {image.digest}:",
        f"    └── r.example/app@sha256:{'cd' * 32} "
        "artifactType=application/vnd.dev.sigstore.bundle.v0.3+json "
        "predicateType=https://sigstore.dev/cosign/sign/v1",
        "└── unreadable: r.example/app:sha256-x.sig: expected an image manifest",
    ]
    empty = Tree(image, (), (), "tag-schema", ())
    assert empty.empty
    assert empty.lines() == [
        f"No supply chain security related artifacts found for image {image} ({image.digest}): "
        "nothing at the .sig/.att/.sbom tags and no referrers"
    ]
