"""The registry client against the real Debian ``docker-registry`` (distribution 2.8.2).

Every test builds its own tiny image (a layer tarball, a config JSON, a manifest) and
pushes it with our client; a recording transport shows which requests went out, so the
tests can prove *how* something happened (chunks, mounts, the referrers fallback), not
only that it ended well.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from sigstack.clients.registry import Credentials, RegistryClient, StaticCredentials
from sigstack.core.oci import (
    Descriptor,
    ImageIndex,
    ImageManifest,
    Platform,
    digest_of,
    parse_reference,
    referrers_tag,
)
from sigstack.core.oci import mediatypes as mt
from sigstack.errors import (
    AuthenticationError,
    FormatError,
    NetworkError,
    NotFoundError,
    VerificationError,
)
from sigstack.testing.httpd import serving
from sigstack.testing.registry import RegistryProcess, RegistryUnavailable, start_registry
from tests.integration._images import (
    ANONYMOUS,
    make_image,
    make_layer,
    push_image,
    start_test_registry,
)


class Recorder(httpx.HTTPTransport):
    """A real transport that remembers (method, path, status) of every exchange."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, int]] = []
        self.headers: list[httpx.Headers] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.seen.append((request.method, request.url.path, response.status_code))
        self.headers.append(request.headers)
        return response


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    running = start_test_registry(tmp_path_factory.mktemp("registry"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(registry: RegistryProcess, recorder: Recorder) -> Iterator[RegistryClient]:
    with RegistryClient(
        registry.host, plain_http=True, credentials=ANONYMOUS, transport=recorder
    ) as c:
        yield c


# -- push / pull ---------------------------------------------------------------------------


def test_push_pull_round_trip_checks_every_digest(client: RegistryClient) -> None:
    image = make_image("round trip")
    pushed = push_image(client, "demo/app", image, tag="v1")
    assert pushed.digest == digest_of(image.data)
    assert pushed.media_type == mt.OCI_MANIFEST

    by_tag = client.get_manifest("demo/app", "v1")
    assert by_tag.digest == digest_of(by_tag.data) == pushed.digest
    assert by_tag.data == image.data
    assert by_tag.manifest == image.manifest
    by_digest = client.get_manifest("demo/app", pushed.digest)
    assert by_digest.data == image.data

    head = client.head_manifest("demo/app", "v1")
    assert (head.digest, head.size, head.media_type) == (
        pushed.digest,
        len(image.data),
        mt.OCI_MANIFEST,
    )
    assert client.get_blob("demo/app", image.manifest.layers[0].digest) == image.layer
    assert client.get_blob("demo/app", image.manifest.config.digest) == image.config
    assert client.head_blob("demo/app", image.manifest.config.digest).size == len(image.config)

    ref = parse_reference(f"{client.registry}/demo/app:v1")
    assert client.resolve(ref.repository, ref.identifier).digest == pushed.digest


def test_docker_media_types_and_exact_bytes(client: RegistryClient) -> None:
    """A Docker schema 2 manifest and manifest list, pushed as pretty-printed bytes: the
    digest is of those exact bytes, and the registry serves them with their own type."""
    image = make_image("docker types")
    client.push_blob("demo/docker", image.config)
    client.push_blob("demo/docker", image.layer)
    document = {
        "schemaVersion": 2,
        "mediaType": mt.DOCKER_MANIFEST,
        "config": {"mediaType": mt.DOCKER_CONFIG, "size": len(image.config),
                   "digest": str(digest_of(image.config))},
        "layers": [{"mediaType": mt.DOCKER_LAYER, "size": len(image.layer),
                    "digest": str(digest_of(image.layer))}],
    }  # fmt: skip
    data = json.dumps(document, indent=3).encode()
    pushed = client.put_manifest("demo/docker", data, tag="v2").descriptor
    assert pushed.digest == digest_of(data) and pushed.media_type == mt.DOCKER_MANIFEST

    listing = {
        "schemaVersion": 2,
        "mediaType": mt.DOCKER_MANIFEST_LIST,
        "manifests": [{"mediaType": mt.DOCKER_MANIFEST, "size": len(data),
                       "digest": str(pushed.digest),
                       "platform": {"architecture": "amd64", "os": "linux"}}],
    }  # fmt: skip
    listing_data = json.dumps(listing, indent=1).encode()
    client.put_manifest("demo/docker", listing_data, tag="multi")

    pulled = client.get_manifest("demo/docker", "v2")
    assert (pulled.data, pulled.manifest.media_type) == (data, mt.DOCKER_MANIFEST)
    assert client.head_manifest("demo/docker", "v2").media_type == mt.DOCKER_MANIFEST
    pulled_list = client.get_manifest("demo/docker", "multi")
    assert isinstance(pulled_list.manifest, ImageIndex)
    assert pulled_list.descriptor.media_type == mt.DOCKER_MANIFEST_LIST
    assert pulled_list.data == listing_data
    assert pulled_list.manifest.manifests[0].digest == pushed.digest


def test_missing_manifest_and_blob_are_not_found(client: RegistryClient) -> None:
    with pytest.raises(NotFoundError, match="MANIFEST_UNKNOWN"):
        client.get_manifest("demo/nothing-here", "v9")
    absent = digest_of(b"never pushed")
    assert not client.blob_exists("demo/app", absent)
    with pytest.raises(NotFoundError, match="answered 404"):
        client.get_blob("demo/app", absent)


def test_put_manifest_refuses_unknown_blobs(client: RegistryClient) -> None:
    image = make_image("blobs never uploaded")
    with pytest.raises(FormatError, match=r"refused the request .*BLOB_UNKNOWN"):
        client.put_manifest("demo/orphan", image.manifest, tag="v1")


def test_list_tags(client: RegistryClient, recorder: Recorder) -> None:
    image = make_image("tags")
    for tag in ("a", "b", "c", "d", "e"):
        push_image(client, "demo/tags", image, tag=tag)
    recorder.seen.clear()
    # distribution 2.8.2 ignores ?n= and answers one unsorted page (paging is unit-tested)
    assert sorted(client.list_tags("demo/tags", page_size=2)) == ["a", "b", "c", "d", "e"]
    assert recorder.seen == [("GET", "/v2/demo/tags/tags/list", 200)]
    with pytest.raises(NotFoundError, match="NAME_UNKNOWN"):
        client.list_tags("demo/no-such-repo")


def test_chunked_upload_sends_content_range_patches(
    client: RegistryClient, recorder: Recorder
) -> None:
    data = bytes(range(256)) * 40  # 10240 bytes → 3 chunks of at most 4096
    digest = client.upload_blob("demo/chunks", data, chunk_size=4096)
    assert digest == digest_of(data)
    patches = [
        (h["content-range"], status)
        for (method, _, status), h in zip(recorder.seen, recorder.headers, strict=True)
        if method == "PATCH"
    ]
    assert patches == [("0-4095", 202), ("4096-8191", 202), ("8192-10239", 202)]
    assert client.get_blob("demo/chunks", digest) == data


def test_cross_repository_mount_uploads_nothing(client: RegistryClient, recorder: Recorder) -> None:
    data = make_layer("shared layer")
    digest = client.upload_blob("demo/source", data)
    recorder.seen.clear()
    assert client.mount_blob("demo/target", digest, "demo/source") is True
    assert [(m, s) for m, _, s in recorder.seen] == [("POST", 201)]
    assert client.get_blob("demo/target", digest) == data
    # a blob the source does not have: the registry opens an upload instead; we cancel it
    assert client.mount_blob("demo/target", digest_of(b"absent"), "demo/source") is False


def test_two_platform_index(client: RegistryClient) -> None:
    amd, arm = make_image("amd", "amd64"), make_image("arm", "arm64")
    entries = []
    for image, arch in ((amd, "amd64"), (arm, "arm64")):
        pushed = push_image(client, "demo/multi", image)
        entries.append(
            Descriptor(
                pushed.media_type, pushed.digest, pushed.size, platform=Platform(arch, "linux")
            )
        )
    index = ImageIndex(manifests=tuple(entries))
    pushed_index = client.put_manifest("demo/multi", index, tag="latest").descriptor
    assert pushed_index.media_type == mt.OCI_INDEX

    pulled = client.get_manifest("demo/multi", "latest")
    assert isinstance(pulled.manifest, ImageIndex)
    assert pulled.digest == digest_of(index.to_bytes())
    assert [m.platform.architecture for m in pulled.manifest.manifests if m.platform] == [
        "amd64",
        "arm64",
    ]
    child = client.get_manifest("demo/multi", pulled.manifest.manifests[1].digest)
    assert child.manifest == arm.manifest


def test_referrers_fall_back_to_the_tag_schema(client: RegistryClient, recorder: Recorder) -> None:
    image = make_image("signed image")
    subject = push_image(client, "demo/signed", image, tag="v1")

    def artifact(kind: str, payload: bytes) -> ImageManifest:
        client.push_blob("demo/signed", mt.OCI_EMPTY_DATA)
        client.push_blob("demo/signed", payload)
        return ImageManifest(
            config=Descriptor.of(mt.OCI_EMPTY_DATA, mt.OCI_EMPTY),
            layers=(Descriptor.of(payload, kind),),
            artifact_type=kind,
            subject=subject,
            annotations={"org.opencontainers.image.created": "2026-11-22T00:00:00Z"},
        )

    bundle = artifact("application/vnd.dev.sigstore.bundle.v0.3+json", b'{"bundle":1}')
    sbom = artifact("application/spdx+json", b'{"spdx":1}')
    first = client.put_manifest("demo/signed", bundle)
    second = client.put_manifest("demo/signed", sbom)
    tag = referrers_tag(subject.digest)
    assert first.referrers_tag == second.referrers_tag == tag
    assert tag in client.list_tags("demo/signed")

    recorder.seen.clear()
    found = client.referrers("demo/signed", subject.digest)
    # the registry has no referrers API: a 404 there, then the sha256-<hex> tag
    assert recorder.seen[0] == ("GET", f"/v2/demo/signed/referrers/{subject.digest}", 404)
    assert recorder.seen[1] == ("GET", f"/v2/demo/signed/manifests/{tag}", 200)
    assert found.source == "tag-schema"
    assert [m.digest for m in found.index.manifests] == [
        first.descriptor.digest,
        second.descriptor.digest,
    ]
    assert found.index.manifests[0].artifact_type == "application/vnd.dev.sigstore.bundle.v0.3+json"
    assert found.index.manifests[0].annotations == bundle.annotations

    only = client.referrers("demo/signed", subject.digest, artifact_type="application/spdx+json")
    assert [m.digest for m in only.index.manifests] == [second.descriptor.digest]

    client.put_manifest("demo/signed", bundle)  # pushing again must not duplicate the entry
    assert len(client.referrers("demo/signed", subject.digest).index.manifests) == 2

    nothing = client.referrers("demo/signed", digest_of(b"no such subject"))
    assert (nothing.source, nothing.index.manifests) == ("tag-schema", ())


# -- authentication ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def auth_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    running = start_test_registry(
        tmp_path_factory.mktemp("auth-registry"), users={"alice": "s3cret"}
    )
    try:
        yield running
    finally:
        running.stop()


def _docker_config(directory: Path, host: str, entry: Mapping[str, object]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps({"auths": {host: entry}}))
    return directory


def test_basic_auth_without_credentials_is_a_clear_refusal(
    auth_registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "empty"))
    with (
        RegistryClient(auth_registry.host, plain_http=True) as client,
        pytest.raises(AuthenticationError) as refused,
    ):
        client.get_manifest("demo/private", "v1")
    message = str(refused.value)
    assert "requires authentication" in message
    assert 'Basic realm="sigstack-test"' in message
    assert f"no docker config at {tmp_path / 'empty' / 'config.json'}" in message


def test_basic_auth_with_docker_config_credentials(
    auth_registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = base64.b64encode(b"alice:s3cret").decode()
    monkeypatch.setenv(
        "DOCKER_CONFIG", str(_docker_config(tmp_path / "d", auth_registry.host, {"auth": auth}))
    )
    image = make_image("private")
    with RegistryClient(auth_registry.host, plain_http=True) as client:
        pushed = push_image(client, "demo/private", image, tag="v1")
        assert client.get_manifest("demo/private", "v1").digest == pushed.digest
        assert client.list_tags("demo/private") == ["v1"]


def test_basic_auth_with_wrong_password_names_the_source(
    auth_registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = {"username": "alice", "password": "wrong"}
    config = _docker_config(tmp_path / "d", f"http://{auth_registry.host}/v2/", entry)
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    with (
        RegistryClient(auth_registry.host, plain_http=True) as client,
        pytest.raises(AuthenticationError, match=r"refused .*'alice'.*auths\["),
    ):
        client.ping()


def test_credential_helper_is_asked_first(
    auth_registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-sigtest"
    asked = tmp_path / "asked"
    helper.write_text(
        "#!/bin/sh\n"
        f'cat > "{asked}"\n'
        'echo \'{"ServerURL":"x","Username":"alice","Secret":"s3cret"}\'\n'
    )
    helper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    config = tmp_path / "d"
    config.mkdir()
    (config / "config.json").write_text(
        json.dumps({"credHelpers": {auth_registry.host: "sigtest"}, "auths": {}})
    )
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    with RegistryClient(auth_registry.host, plain_http=True) as client:
        client.ping()
    assert asked.read_text() == auth_registry.host


@pytest.fixture(scope="module")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    running = start_test_registry(
        tmp_path_factory.mktemp("token-registry"), users={"alice": "s3cret"}, token_auth=True
    )
    try:
        yield running
    finally:
        running.stop()


def test_bearer_token_challenge_against_the_real_registry(token_registry: RegistryProcess) -> None:
    assert token_registry.token_server is not None
    requests = token_registry.token_server.requests
    alice = StaticCredentials(Credentials("alice", "s3cret"))
    image = make_image("token auth")
    with RegistryClient(token_registry.host, plain_http=True, credentials=alice) as client:
        pushed = push_image(client, "demo/tokens", image, tag="v1")
        assert client.get_manifest("demo/tokens", "v1").digest == pushed.digest
        assert client.list_tags("demo/tokens") == ["v1"]
        layer = image.manifest.layers[0].digest
        assert client.mount_blob("demo/copy", layer, "demo/tokens") is True

    # one token per scope, each fetched once and then reused from the cache (the registry
    # writes a challenge's scopes, and each scope's actions, in Go map order: sort both)
    def normal(scope: str) -> str:
        resource, _, actions = scope.rpartition(":")
        return f"{resource}:{','.join(sorted(actions.split(',')))}"

    assert [(user, sorted(map(normal, scopes))) for user, scopes in requests] == [
        ("alice", ["repository:demo/tokens:pull"]),
        ("alice", ["repository:demo/tokens:pull,push"]),
        ("alice", ["repository:demo/copy:pull,push", "repository:demo/tokens:pull"]),
    ]


def test_bearer_token_refused_without_credentials(
    token_registry: RegistryProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    with (
        RegistryClient(token_registry.host, plain_http=True) as client,
        pytest.raises(AuthenticationError) as refused,
    ):
        client.get_manifest("demo/tokens", "v1")
    message = str(refused.value)
    assert "the token service http://127.0.0.1:" in message
    assert "refused anonymous access for repository:demo/tokens:pull" in message
    assert f"no docker config at {tmp_path / 'config.json'}" in message


# -- TLS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryProcess]:
    running = start_test_registry(tmp_path_factory.mktemp("tls-registry"), tls=True)
    try:
        yield running
    finally:
        running.stop()


def test_tls_with_the_test_ca(tls_registry: RegistryProcess) -> None:
    image = make_image("over tls")
    with RegistryClient(
        tls_registry.host, ca_bundle=tls_registry.ca_path, credentials=ANONYMOUS
    ) as client:
        assert client.base_url.startswith("https://")
        pushed = push_image(client, "demo/tls", image, tag="v1")
        assert client.get_manifest("demo/tls", "v1").digest == pushed.digest


def test_tls_without_the_ca_is_refused(tls_registry: RegistryProcess) -> None:
    with (
        RegistryClient(tls_registry.host, credentials=ANONYMOUS) as client,
        pytest.raises(NetworkError) as refused,
    ):
        client.ping()
    assert "TLS certificate verification failed" in str(refused.value)
    assert "pass ca_bundle=" in str(refused.value)


# -- a registry that lies ------------------------------------------------------------------


class _Liar(BaseHTTPRequestHandler):
    """Serves a manifest whose bytes do not match what is asked or claimed."""

    honest = make_image("honest").manifest.to_bytes()
    forged = make_image("forged").manifest.to_bytes()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        honest_digest = str(digest_of(self.honest))
        if self.path == "/v2/":
            self._send(b"{}", {})
        elif self.path == f"/v2/evil/manifests/{honest_digest}":
            self._send(self.forged, {"Content-Type": mt.OCI_MANIFEST})
        elif self.path == "/v2/evil/manifests/latest":
            self._send(
                self.forged,
                {"Content-Type": mt.OCI_MANIFEST, "Docker-Content-Digest": honest_digest},
            )
        elif self.path.startswith("/v2/evil/blobs/"):
            self._send(b"not the blob you asked for", {"Content-Type": "application/octet-stream"})
        else:
            self.send_error(404)


@pytest.fixture
def liar() -> Iterator[str]:
    with serving(_Liar) as address:
        yield address


def test_manifest_by_digest_with_other_bytes_is_refused(liar: str) -> None:
    asked, got = digest_of(_Liar.honest), digest_of(_Liar.forged)
    with (
        RegistryClient(liar, plain_http=True, credentials=ANONYMOUS) as client,
        pytest.raises(VerificationError) as refused,
    ):
        client.get_manifest("evil", asked)
    assert f"expected content with digest {asked}" in str(refused.value)
    assert f"hash to {got}" in str(refused.value)


def test_tag_whose_bytes_contradict_the_digest_header_is_refused(liar: str) -> None:
    claimed, got = digest_of(_Liar.honest), digest_of(_Liar.forged)
    with (
        RegistryClient(liar, plain_http=True, credentials=ANONYMOUS) as client,
        pytest.raises(VerificationError) as refused,
    ):
        client.get_manifest("evil", "latest")
    assert f"Docker-Content-Digest {claimed}" in str(refused.value)
    assert f"hash to {got}" in str(refused.value)


def test_blob_with_other_bytes_is_refused(liar: str) -> None:
    asked = digest_of(b"the real blob")
    with (
        RegistryClient(liar, plain_http=True, credentials=ANONYMOUS) as client,
        pytest.raises(VerificationError, match=f"expected content with digest {asked}"),
    ):
        client.get_blob("evil", asked)


def test_static_credentials_repr_hides_the_password() -> None:
    assert "s3cret" not in repr(Credentials("alice", "s3cret"))


def test_a_missing_registry_binary_fails_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGSTACK_DOCKER_REGISTRY", str(tmp_path / "absent"))
    with pytest.raises(RegistryUnavailable, match=r"`make test` as root, or `apt-get install"):
        start_registry(tmp_path)
    with pytest.raises(pytest.fail.Exception, match="docker-registry"):  # fails, never skips
        start_test_registry(tmp_path)
