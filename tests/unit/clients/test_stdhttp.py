"""The clients' own ``http://`` path (``clients._stdhttp``, no httpx) against a real
``http.server``: the same answers, errors and keep-alive as through httpx."""

from __future__ import annotations

import gzip
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import ClassVar

import pytest

from sigstack.clients._http import HttpClient, SharedTransport
from sigstack.clients._stdhttp import PlainPool, PlainResponse, Unreachable
from sigstack.clients.ca import CAClient
from sigstack.errors import AuthenticationError, NetworkError, NotFoundError, PushbackError
from sigstack.testing.httpd import QuietHandler, serving


class _Handler(QuietHandler):
    seen: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []
    peers: ClassVar[list[tuple[str, int]]] = []

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.seen.append((self.command, self.path, dict(self.headers.items()), body))
        self.peers.append(self.client_address)

    def do_GET(self) -> None:
        self._record()
        if self.path == "/gzip":
            self.answer(200, gzip.compress(b'{"zipped": true}'), ("Content-Encoding", "gzip"))
        elif self.path == "/busy":
            self.answer(503, b'{"code": 503, "message": "later"}', ("Retry-After", "7"))
        elif self.path == "/missing":
            self.answer(404, b'{"code": 404, "message": "no such entry"}')
        else:
            self.answer(200, b'{"ok": true}', ("Content-Type", "application/json"))

    def do_POST(self) -> None:
        self._record()
        if self.path == "/api/v2/signingCert":
            self.answer(401, b'{"code": 401, "message": "bad token"}')
        else:
            self.answer(201, b'{"created": true}')


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.seen = []
    _Handler.peers = []
    with serving(_Handler) as address:
        yield f"http://{address}"


def test_requests_go_out_as_httpx_would_send_them(server: str) -> None:
    client = HttpClient(server + "/prefix/", None, 5.0)
    body, response = client.get_json("/api/v1/log/entries", {"logIndex": 7, "q": "a b"})
    assert body == {"ok": True}
    assert isinstance(response, PlainResponse)  # not httpx
    client.request("POST", "/api/v1/log/entries", json_body={"n": 1})
    (method, path, headers, _), (post, _, post_headers, sent) = _Handler.seen
    assert (method, path) == ("GET", "/prefix/api/v1/log/entries?logIndex=7&q=a+b")
    assert headers["User-Agent"].startswith("sigstack/")
    assert headers["Host"] == server.removeprefix("http://")
    assert (post, post_headers["Content-Type"], sent) == ("POST", "application/json", b'{"n":1}')
    assert _Handler.peers[0] == _Handler.peers[1], "keep-alive: one connection"
    client.close()


def test_answers_decoded_and_statuses_mapped(server: str) -> None:
    client = HttpClient(server, None, 5.0)
    assert client.get_json("/gzip")[0] == {"zipped": True}
    with pytest.raises(NotFoundError, match=r"GET .*/missing: the log answered 404: no such entry"):
        client.get_json("/missing")
    with pytest.raises(PushbackError, match="later") as info:
        client.get_json("/busy")
    assert info.value.retry_after == 7
    with (
        CAClient(server) as ca,
        pytest.raises(AuthenticationError, match="the CA answered HTTP 401: bad token"),
    ):
        ca.request_certificate(b"csr", "token")
    assert _Handler.seen[-1][2]["Authorization"] == "Bearer token"


def test_unreachable_and_stalled_peers_are_network_errors() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"  # bound, not listening
        with pytest.raises(NetworkError, match="cannot reach the log \\(ConnectError"):
            HttpClient(url, None, 5.0).get_json("/x")
        with pytest.raises(NetworkError, match="cannot reach the CA \\(ConnectError"):
            CAClient(url).request_certificate(b"csr", "token")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(NetworkError, match="ReadTimeout"):
            HttpClient(url, None, 0.2).get_json("/x")


def test_shared_transport_lends_its_plain_pool(server: str) -> None:
    shared = SharedTransport()
    HttpClient(server, shared, 5.0).get_json("/a")
    with CAClient(server, transport=shared) as ca, pytest.raises(AuthenticationError):
        ca.request_certificate(b"csr", "token")
    assert _Handler.peers[0] == _Handler.peers[1]
    shared.release()
    assert shared._tls is None


def test_pool_refuses_other_schemes() -> None:
    with pytest.raises(Unreachable, match="expected an http:// URL") as info:
        PlainPool().send("GET", "https://127.0.0.1:1/", [], None, connect_timeout=1, read_timeout=1)
    assert info.value.kind == "UnsupportedProtocol"


def test_the_plain_path_does_not_import_httpx(server: str) -> None:
    code = (
        "import sys\n"
        "from sigstack.clients._http import HttpClient\n"
        "from sigstack.clients.ca import CAClient\n"
        "from sigstack.clients.tlog import RekorV1Client\n"
        "from sigstack.clients.tsa import TSAClient\n"
        f"HttpClient({server!r}, None, 5.0).get_json('/a')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('httpx', 'httpcore')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
