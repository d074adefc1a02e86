"""RegistryClient seams that a well-behaved registry never exercises: missing or lying
headers, cross-origin upload locations, expired tokens. httpx.MockTransport plays the
registry; the real one is in tests/integration/test_registry.py."""

from __future__ import annotations

import base64
from collections.abc import Callable

import httpx
import pytest

from sigstack.clients.registry import Credentials, RegistryClient, StaticCredentials
from sigstack.clients.registry.client import MAX_MANIFEST_BYTES
from sigstack.core.oci import Descriptor, ImageManifest, digest_of
from sigstack.core.oci import mediatypes as mt
from sigstack.errors import FormatError, VerificationError

MANIFEST = ImageManifest(
    config=Descriptor.of(b"{}", mt.OCI_CONFIG), layers=(Descriptor.of(b"layer", mt.OCI_LAYER),)
)
DATA = MANIFEST.to_bytes()
DIGEST = digest_of(DATA)
ALICE = StaticCredentials(Credentials("alice", "pw"))
BASIC = "Basic " + base64.b64encode(b"alice:pw").decode()


def client(
    handler: Callable[[httpx.Request], httpx.Response], credentials: StaticCredentials = ALICE
) -> RegistryClient:
    transport = httpx.MockTransport(handler)
    return RegistryClient("registry.test", credentials=credentials, transport=transport)


def test_manifest_accept_header_lists_oci_and_docker_types() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=DATA, headers={"Content-Type": mt.OCI_MANIFEST})

    with client(handler) as c:
        assert c.get_manifest("app", "v1").digest == DIGEST
    accepted = [t.strip() for t in seen[0].headers["accept"].split(",")]
    assert sorted(accepted) == sorted(
        [mt.OCI_MANIFEST, mt.OCI_INDEX, mt.DOCKER_MANIFEST, mt.DOCKER_MANIFEST_LIST]
    )


def test_head_without_digest_header_falls_back_to_get_and_hashes() -> None:
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        if request.method == "HEAD":
            return httpx.Response(200, headers={"Content-Type": mt.OCI_MANIFEST})
        return httpx.Response(200, content=DATA, headers={"Content-Type": mt.OCI_MANIFEST})

    with client(handler) as c:
        head = c.head_manifest("app", "v1")
    assert methods == ["HEAD", "GET"]
    assert (head.digest, head.size, head.media_type) == (DIGEST, len(DATA), mt.OCI_MANIFEST)


def test_head_by_digest_answered_for_another_digest_is_refused() -> None:
    other = digest_of(b"other")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Type": mt.OCI_MANIFEST, "Content-Length": "10",
                          "Docker-Content-Digest": str(other)},
        )  # fmt: skip

    with client(handler) as c, pytest.raises(VerificationError) as refused:
        c.head_manifest("app", DIGEST)
    assert f"asked for {DIGEST}, the registry answered for {other}" in str(refused.value)


def test_registry_storing_another_digest_than_pushed_is_refused() -> None:
    other = digest_of(b"other")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, headers={"Docker-Content-Digest": str(other)})

    with client(handler) as c, pytest.raises(VerificationError) as refused:
        c.put_manifest("app", MANIFEST, tag="v1")
    assert f"pushed bytes with digest {DIGEST}, the registry says it stored {other}" in str(
        refused.value
    )


def test_oversized_manifest_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b" " * (MAX_MANIFEST_BYTES + 1))

    with client(handler) as c, pytest.raises(FormatError, match="at most 4194304 bytes"):
        c.get_manifest("app", "v1")


def test_credentials_never_follow_an_upload_to_another_origin() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "registry.test" and "authorization" not in request.headers:
            return httpx.Response(401, headers={"WWW-Authenticate": 'Basic realm="r"'})
        if request.method == "POST":
            return httpx.Response(
                202, headers={"Location": "https://storage.test/upload/1?sig=abc"}
            )
        return httpx.Response(201)

    with client(handler) as c:
        assert c.upload_blob("app", b"blob") == digest_of(b"blob")
    put = seen[-1]
    assert (put.method, put.url.host) == ("PUT", "storage.test")
    assert put.url.params["sig"] == "abc" and put.url.params["digest"] == str(digest_of(b"blob"))
    assert "authorization" not in put.headers
    assert seen[1].headers["authorization"] == BASIC  # the registry itself did get them


def test_chunk_range_disagreement_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, headers={"Location": "/v2/app/blobs/uploads/u"})
        return httpx.Response(202, headers={"Location": "/v2/app/blobs/uploads/u", "Range": "0-1"})

    with client(handler) as c, pytest.raises(FormatError) as refused:
        c.upload_blob("app", b"0123456789", chunk_size=4)
    assert "expected the registry to hold Range 0-3, found 0-1" in str(refused.value)


def test_expired_token_is_fetched_again_once() -> None:
    issued: list[str] = []
    sent: list[str] = []
    accepted = {"token": "t1"}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            issued.append(f"t{len(issued) + 1}")
            return httpx.Response(200, json={"access_token": issued[-1]})
        sent.append(request.headers.get("authorization", "-"))
        if sent[-1] == f"Bearer {accepted['token']}":
            return httpx.Response(200, json={"name": "app", "tags": []})
        challenge = 'Bearer realm="https://auth.test/t",service="s",scope="repository:app:pull"'
        return httpx.Response(401, headers={"WWW-Authenticate": challenge})

    with client(handler) as c:
        assert c.list_tags("app") == []
        accepted["token"] = "t2"  # t1 expired
        assert c.list_tags("app") == []
    assert issued == ["t1", "t2"]
    assert sent == ["-", "Bearer t1", "Bearer t1", "Bearer t2"]
