"""``SharedTransport``: one keep-alive pool lent to several clients, released by its owner."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from sigstack.clients._http import HttpClient, SharedTransport


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    peers: ClassVar[list[tuple[str, int]]] = []

    def do_GET(self) -> None:
        self.peers.append(self.client_address)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.peers = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_clients_share_one_connection_until_released(server: str) -> None:
    shared = SharedTransport()
    first = HttpClient(server, shared, 5.0)
    first.get_json("/a")
    first.close()  # a client's close leaves the lent pool open
    second = HttpClient(server, shared, 5.0)
    second.get_json("/b")
    assert len(_Handler.peers) == 2
    assert _Handler.peers[0] == _Handler.peers[1], "the second client opened a new connection"
    shared.release()
    second.get_json("/c")  # usable after release: a new connection
    assert _Handler.peers[2] != _Handler.peers[1]
    second.close()
    shared.release()


def test_plain_http_pool_trusts_no_ca(server: str) -> None:
    shared = SharedTransport()
    client = HttpClient(server, shared, 5.0)
    client.get_json("/")
    plain = shared._plain
    assert plain is not None and shared._tls is None  # no certifi bundle loaded for http
    context = plain._pool._ssl_context
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.get_ca_certs() == []
    shared.release()
