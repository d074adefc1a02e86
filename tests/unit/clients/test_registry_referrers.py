"""Referrers API path and paging, with the distribution-spec's own example answers.

httpx.MockTransport plays the registry: the seam under test is our client's handling of
end-12 (``GET /v2/<name>/referrers/<digest>``), ``OCI-Filters-Applied``, ``Link`` paging,
the 404 fallback, and ``OCI-Subject`` on push. The real registry (which has no referrers
API) is exercised in tests/integration/test_registry.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from sigstack.clients.registry import RegistryClient, StaticCredentials
from sigstack.core.oci import Descriptor, ImageManifest, digest_of, referrers_tag
from sigstack.core.oci import mediatypes as mt
from sigstack.errors import FormatError

SUBJECT = digest_of(b"the image manifest")
SBOM = "application/vnd.example.sbom.v1"
SIGNATURE = "application/vnd.example.signature.v1"
# distribution-spec v1.1 §"Listing Referrers" example; its digests are elided there
# ("sha256:a1a1a1..."), here they are full length so that they parse strictly.
A1, A2 = "sha256:" + "a1" * 32, "sha256:" + "a2" * 32
SPEC_EXAMPLE = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": 1234,
            "digest": A1,
            "artifactType": SBOM,
            "annotations": {
                "org.opencontainers.image.created": "2022-01-01T14:42:55Z",
                "org.example.sbom.format": "json",
            },
        },
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": 1234,
            "digest": A2,
            "artifactType": SIGNATURE,
            "annotations": {
                "org.opencontainers.image.created": "2022-01-01T07:21:33Z",
                "org.example.signature.fingerprint": "abcdef",
            },
        },
    ],
}

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, seen: list[httpx.Request]) -> RegistryClient:
    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return RegistryClient(
        "registry.test", credentials=StaticCredentials(None), transport=httpx.MockTransport(record)
    )


def index_answer(document: dict[str, object], **headers: str) -> httpx.Response:
    return httpx.Response(
        200, content=json.dumps(document).encode(),
        headers={"Content-Type": mt.OCI_INDEX, **headers},
    )  # fmt: skip


def test_referrers_api_answer_is_used_as_is() -> None:
    seen: list[httpx.Request] = []
    with client_for(lambda r: index_answer(SPEC_EXAMPLE), seen) as client:
        found = client.referrers("app", SUBJECT)
    assert found.source == "api"
    assert [str(m.digest) for m in found.index.manifests] == [A1, A2]
    assert found.index.manifests[0].annotations["org.example.sbom.format"] == "json"
    assert [r.url.path for r in seen] == [f"/v2/app/referrers/{SUBJECT}"]
    assert seen[0].url.scheme == "https"


def test_server_side_filter_is_trusted_when_announced() -> None:
    seen: list[httpx.Request] = []
    filtered = dict(SPEC_EXAMPLE, manifests=SPEC_EXAMPLE["manifests"][:1])  # type: ignore[index]
    answer = index_answer(filtered, **{"OCI-Filters-Applied": "artifactType"})
    with client_for(lambda r: answer, seen) as client:
        found = client.referrers("app", SUBJECT, artifact_type=SBOM)
    assert seen[0].url.params["artifactType"] == SBOM
    assert [m.artifact_type for m in found.index.manifests] == [SBOM]


def test_filter_is_applied_by_the_client_when_the_registry_did_not() -> None:
    seen: list[httpx.Request] = []
    with client_for(lambda r: index_answer(SPEC_EXAMPLE), seen) as client:
        found = client.referrers("app", SUBJECT, artifact_type=SIGNATURE)
    assert [str(m.digest) for m in found.index.manifests] == [A2]


def test_pages_are_followed_through_link() -> None:
    first = dict(SPEC_EXAMPLE, manifests=SPEC_EXAMPLE["manifests"][:1])  # type: ignore[index]
    second = dict(SPEC_EXAMPLE, manifests=SPEC_EXAMPLE["manifests"][1:])  # type: ignore[index]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("page") == "2":
            return index_answer(second)
        return index_answer(first, Link=f'</v2/app/referrers/{SUBJECT}?page=2>; rel="next"')

    seen: list[httpx.Request] = []
    with client_for(handler, seen) as client:
        found = client.referrers("app", SUBJECT)
    assert [str(m.digest) for m in found.index.manifests] == [A1, A2]
    assert len(seen) == 2


def test_404_falls_back_to_the_referrers_tag() -> None:
    stored = json.dumps(SPEC_EXAMPLE).encode()
    tag = referrers_tag(SUBJECT)

    def handler(request: httpx.Request) -> httpx.Response:
        if "/referrers/" in request.url.path:
            return httpx.Response(404, text="404 page not found")
        assert request.url.path == f"/v2/app/manifests/{tag}"
        return httpx.Response(200, content=stored, headers={"Content-Type": mt.OCI_INDEX})

    seen: list[httpx.Request] = []
    with client_for(handler, seen) as client:
        found = client.referrers("app", SUBJECT, artifact_type=SBOM)
    assert found.source == "tag-schema"
    assert [str(m.digest) for m in found.index.manifests] == [A1]


def test_fallback_tag_that_is_not_an_index_is_refused() -> None:
    image = ImageManifest(
        config=Descriptor.of(b"{}", mt.OCI_CONFIG), layers=(Descriptor.of(b"l", mt.OCI_LAYER),)
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if "/referrers/" in request.url.path:
            return httpx.Response(404)
        return httpx.Response(
            200, content=image.to_bytes(), headers={"Content-Type": mt.OCI_MANIFEST}
        )

    with client_for(handler, []) as client, pytest.raises(FormatError) as refused:
        client.referrers("app", SUBJECT)
    assert "expected an OCI image index under the referrers tag" in str(refused.value)
    assert f"found {mt.OCI_MANIFEST}" in str(refused.value)


def artifact() -> ImageManifest:
    return ImageManifest(
        config=Descriptor.of(b"{}", mt.OCI_EMPTY),
        layers=(Descriptor.of(b"sig", SIGNATURE),),
        artifact_type=SIGNATURE,
        subject=Descriptor(mt.OCI_MANIFEST, SUBJECT, 18),
    )


def test_push_with_oci_subject_header_leaves_the_tag_alone() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, headers={"OCI-Subject": str(SUBJECT)})

    with client_for(handler, seen) as client:
        pushed = client.put_manifest("app", artifact())
    assert pushed.referrers_tag is None
    assert [(r.method, r.url.path) for r in seen] == [
        ("PUT", f"/v2/app/manifests/{digest_of(artifact().to_bytes())}")
    ]
    assert seen[0].headers["content-type"] == mt.OCI_MANIFEST


def test_push_without_oci_subject_appends_to_the_tag() -> None:
    seen: list[httpx.Request] = []
    stored: dict[str, bytes] = {}
    tag = referrers_tag(SUBJECT)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            stored[request.url.path] = request.content
            return httpx.Response(201)
        if request.url.path in stored:
            return httpx.Response(200, content=stored[request.url.path])
        return httpx.Response(404, json={"errors": [{"code": "MANIFEST_UNKNOWN"}]})

    with client_for(handler, seen) as client:
        pushed = client.put_manifest("app", artifact())
        assert pushed.referrers_tag == tag
        found = client.referrers("app", SUBJECT)
    index = json.loads(stored[f"/v2/app/manifests/{tag}"])
    assert index["mediaType"] == mt.OCI_INDEX
    assert index["manifests"] == [
        {
            "mediaType": mt.OCI_MANIFEST,
            "digest": str(digest_of(artifact().to_bytes())),
            "size": len(artifact().to_bytes()),
            "artifactType": SIGNATURE,
        }
    ]
    assert found.source == "tag-schema" and len(found.index.manifests) == 1


def test_tags_pages_are_followed_through_link() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("last") == "b":
            return httpx.Response(200, json={"name": "app", "tags": ["c"]})
        assert request.url.params["n"] == "2"
        return httpx.Response(
            200, json={"name": "app", "tags": ["a", "b"]},
            headers={"Link": '</v2/app/tags/list?n=2&last=b>; rel="next"'},
        )  # fmt: skip

    seen: list[httpx.Request] = []
    with client_for(handler, seen) as client:
        assert client.list_tags("app", page_size=2) == ["a", "b", "c"]
    assert [str(r.url.query, "ascii") for r in seen] == ["n=2", "n=2&last=b"]
