"""Registry authentication: challenges, the bearer token dance, docker config credentials,
and the plain-HTTP rule. httpx.MockTransport plays registry and token service."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from sigstack.clients.registry import (
    Credentials,
    DockerConfig,
    RegistryClient,
    StaticCredentials,
    docker_config_path,
)
from sigstack.clients.registry.auth import parse_challenges
from sigstack.clients.registry.session import is_loopback
from sigstack.errors import AuthenticationError, FormatError, UnsupportedError

ALICE = StaticCredentials(Credentials("alice", "pw"))
REALM = "https://auth.test/token"
TAGS = {"name": "app", "tags": ["v1"]}


def test_parse_challenges() -> None:
    header = (
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:samalba/my-app:pull,push", Basic realm="x \\"y\\""'
    )
    bearer, basic = parse_challenges(header)
    assert bearer.scheme == "bearer"
    assert bearer.params == {
        "realm": "https://auth.docker.io/token",
        "service": "registry.docker.io",
        "scope": "repository:samalba/my-app:pull,push",
    }
    assert bearer.scopes == ("repository:samalba/my-app:pull,push",)
    assert (basic.scheme, basic.params) == ("basic", {"realm": 'x "y"'})
    assert parse_challenges("") == []


class TokenRegistry:
    """A registry that wants a bearer token from REALM, and that token service."""

    def __init__(self) -> None:
        self.token_requests: list[httpx.Request] = []
        self.registry_requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "auth.test":
            self.token_requests.append(request)
            if (
                request.headers.get("authorization")
                != "Basic " + base64.b64encode(b"alice:pw").decode()
            ):
                return httpx.Response(401, json={"details": "bad credentials"})
            scope = request.url.params.get_list("scope")
            return httpx.Response(200, json={"token": f"tok:{' '.join(scope)}"})
        self.registry_requests.append(request)
        repo = request.url.path.split("/")[2]
        scope = f"repository:{repo}:pull"
        if request.headers.get("authorization") == f"Bearer tok:{scope}":
            return httpx.Response(200, json=TAGS)
        challenge = f'Bearer realm="{REALM}",service="registry.test",scope="{scope}"'
        return httpx.Response(
            401, headers={"WWW-Authenticate": challenge},
            json={"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
        )  # fmt: skip


def test_bearer_token_fetched_with_basic_credentials_then_cached_per_scope() -> None:
    server = TokenRegistry()
    with RegistryClient(
        "registry.test", credentials=ALICE, transport=httpx.MockTransport(server)
    ) as client:
        assert client.list_tags("app") == ["v1"]
        assert client.list_tags("app") == ["v1"]  # cached: no second token request
        assert client.list_tags("other") == ["v1"]  # another scope: another token
    assert len(server.token_requests) == 2
    first = server.token_requests[0].url
    assert first.params["service"] == "registry.test"
    assert first.params["scope"] == "repository:app:pull"
    statuses = [r.headers.get("authorization", "-") for r in server.registry_requests]
    assert statuses == [
        "-",
        "Bearer tok:repository:app:pull",
        "Bearer tok:repository:app:pull",
        "-",
        "Bearer tok:repository:other:pull",
    ]


def test_token_service_refusal_is_an_authentication_error() -> None:
    server = TokenRegistry()
    wrong = StaticCredentials(Credentials("alice", "nope"))
    with (
        RegistryClient(
            "registry.test", credentials=wrong, transport=httpx.MockTransport(server)
        ) as client,
        pytest.raises(AuthenticationError) as refused,
    ):
        client.list_tags("app")
    message = str(refused.value)
    assert f"the token service {REALM} refused user 'alice'" in message
    assert "repository:app:pull" in message


def test_token_over_plain_http_to_a_remote_realm_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        challenge = 'Bearer realm="http://auth.test/token",service="s"'
        return httpx.Response(401, headers={"WWW-Authenticate": challenge})

    with (
        RegistryClient(
            "registry.test", credentials=ALICE, transport=httpx.MockTransport(handler)
        ) as client,
        pytest.raises(UnsupportedError, match="refusing to fetch a token over plain HTTP"),
    ):
        client.ping()


def test_401_without_a_challenge_says_what_it_found() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"errors": [{"code": "UNAUTHORIZED", "message": "no"}]})

    with (
        RegistryClient(
            "registry.test", credentials=ALICE, transport=httpx.MockTransport(handler)
        ) as client,
        pytest.raises(
            AuthenticationError,
            match=r"expected a Basic or Bearer challenge .* found WWW-Authenticate: \(none\)",
        ),
    ):
        client.ping()


def test_denied_is_an_authentication_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"errors": [{"code": "DENIED", "message": "denied"}]})

    with (
        RegistryClient(
            "registry.test", credentials=ALICE, transport=httpx.MockTransport(handler)
        ) as client,
        pytest.raises(AuthenticationError, match=r"answered 403 \(DENIED: denied\)"),
    ):
        client.list_tags("app")


# -- plain HTTP ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost:5000", True),
        ("127.0.0.1:5000", True),
        ("127.8.9.1", True),
        ("[::1]:5000", True),
        ("registry.example.com", False),
        ("10.0.0.1:5000", False),
        ("localhost.example.com", False),
        ("[::2]:5000", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_plain_http_refused_for_remote_hosts() -> None:
    with pytest.raises(UnsupportedError) as refused:
        RegistryClient("registry.example.com", plain_http=True, credentials=ALICE)
    assert "refusing plain HTTP to registry.example.com" in str(refused.value)
    assert "allow_insecure=True" in str(refused.value)
    with RegistryClient(
        "registry.example.com", plain_http=True, allow_insecure=True, credentials=ALICE
    ) as client:
        assert client.base_url == "http://registry.example.com"
    with RegistryClient("localhost:5000", plain_http=True, credentials=ALICE) as client:
        assert client.base_url == "http://localhost:5000"


def test_bad_ca_bundle_is_a_format_error(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not a certificate")
    with pytest.raises(FormatError, match="expected a PEM CA bundle"):
        RegistryClient("registry.test", ca_bundle=bundle, credentials=ALICE)


# -- docker config ---------------------------------------------------------------------------


def write_config(tmp_path: Path, document: object) -> DockerConfig:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document))
    return DockerConfig(path)


def test_config_location() -> None:
    assert docker_config_path({"DOCKER_CONFIG": "/etc/d"}) == Path("/etc/d/config.json")
    assert docker_config_path({"HOME": "/home/u"}) == Path("/home/u/.docker/config.json")


def test_auths_forms(tmp_path: Path) -> None:
    auth = base64.b64encode(b"bob:pa:ss").decode()
    config = write_config(
        tmp_path,
        {
            "auths": {
                "https://index.docker.io/v1/": {"auth": auth},
                "http://reg.test:5000/v2/": {"username": "carol", "password": "x"},
                "other.test": {"identitytoken": "t"},
            }
        },
    )
    hub = config.lookup("index.docker.io")
    assert hub.credentials == Credentials("bob", "pa:ss")
    assert "auths['https://index.docker.io/v1/']" in hub.source
    assert config.lookup("reg.test:5000").credentials == Credentials("carol", "x")
    missing = config.lookup("reg.test")  # another port is another registry
    assert missing.credentials is None
    assert "no auths entry for reg.test" in missing.source
    assert config.lookup("other.test").credentials is None


def test_missing_helper_falls_back_to_auths_and_says_so(tmp_path: Path) -> None:
    auth = base64.b64encode(b"dave:pw").decode()
    config = write_config(
        tmp_path, {"credsStore": "sigstack-absent", "auths": {"reg.test": {"auth": auth}}}
    )
    assert config.lookup("reg.test").credentials == Credentials("dave", "pw")
    none = config.lookup("elsewhere.test")
    assert "docker-credential-sigstack-absent is not on PATH" in none.source


def test_malformed_configs(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="expected base64 of user:password"):
        write_config(tmp_path, {"auths": {"r.test": {"auth": "!!"}}}).lookup("r.test")
    with pytest.raises(FormatError, match="found no ':'"):
        bad = base64.b64encode(b"nocolon").decode()
        write_config(tmp_path, {"auths": {"r.test": {"auth": bad}}}).lookup("r.test")
    (tmp_path / "config.json").write_text("{")
    with pytest.raises(FormatError, match="expected JSON in docker config"):
        DockerConfig(tmp_path / "config.json").lookup("r.test")
    absent = DockerConfig(tmp_path / "nope.json").lookup("r.test")
    assert absent.credentials is None and "no docker config at" in absent.source
