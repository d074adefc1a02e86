"""``SharedTransport`` and ``PlainHTTPTransport`` against a real ``http.server``.

One keep-alive connection lent to several clients and released by its owner; answers as
httpx gives them (duplicate headers kept, ``Content-Encoding`` decoded); a peer that
closes, refuses or stalls ends in the clients' :class:`~sigstack.errors.NetworkError`.
"""

from __future__ import annotations

import datetime
import gzip
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sigstack.clients._http import HttpClient, SharedTransport
from sigstack.clients._plain import PlainHTTPTransport
from sigstack.clock import utc_now
from sigstack.errors import NetworkError, NotFoundError
from sigstack.testing.httpd import QuietHandler, serving


class _Handler(QuietHandler):  # keep-alive unless a path says otherwise
    peers: ClassVar[list[tuple[str, int]]] = []
    bodies: ClassVar[list[bytes]] = []

    def do_GET(self) -> None:
        self.peers.append(self.client_address)
        if self.path == "/gzip":
            self.answer(
                200, gzip.compress(b'{"zipped": true}'),
                ("Content-Encoding", "gzip"), ("X-Twice", "a"), ("X-Twice", "b"),
            )  # fmt: skip
        elif self.path == "/close":
            self.close_connection = True
            self.answer(200, b"{}", ("Connection", "close"))
        elif self.path == "/slow":
            time.sleep(1.0)
            self.answer(200, b"{}")
        elif self.path.startswith("/echo/"):
            self.answer(200, json.dumps({"path": self.path}).encode())
        elif self.path == "/missing":
            self.answer(404, b'{"code": 404, "message": "no such entry"}')
        else:
            self.answer(200, b'{"ok": true}', ("Content-Type", "application/json"))

    def do_POST(self) -> None:
        self.peers.append(self.client_address)
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.answer(201, b'{"created": true}')


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.peers = []
    _Handler.bodies = []
    with serving(_Handler) as address:
        yield f"http://{address}"


def test_clients_share_one_connection_until_released(server: str) -> None:
    shared = SharedTransport()
    first = HttpClient(server, shared, 5.0)
    first.get_json("/a")
    first.close()  # a client's close leaves the lent pool open
    second = HttpClient(server, shared, 5.0)
    second.request("POST", "/b", json_body={"n": 1})
    assert len(_Handler.peers) == 2
    assert _Handler.peers[0] == _Handler.peers[1], "the second client opened a new connection"
    assert _Handler.bodies == [b'{"n":1}']
    shared.release()
    second.get_json("/c")  # usable after release: a new connection
    assert _Handler.peers[2] != _Handler.peers[1]
    assert shared._tls is None  # no TLS transport (nor certifi's bundle) for http URLs
    second.close()
    shared.release()


def test_answers_as_httpx_gives_them(server: str) -> None:
    with httpx.Client(transport=PlainHTTPTransport()) as client:
        response = client.get(server + "/gzip")
    assert response.status_code == 200
    assert response.json() == {"zipped": True}  # Content-Encoding decoded by httpx
    assert response.headers.get_list("x-twice") == ["a", "b"]
    assert response.http_version == "HTTP/1.1"


def test_status_errors_keep_their_meaning(server: str) -> None:
    client = HttpClient(server, PlainHTTPTransport(), 5.0)
    with pytest.raises(NotFoundError, match="no such entry"):
        client.get_json("/missing")
    client.close()


def test_peer_closing_and_stale_keep_alive_reconnect(server: str) -> None:
    transport = PlainHTTPTransport()
    client = HttpClient(server, transport, 5.0)
    client.get_json("/close")  # the server closes after answering
    client.get_json("/after-close")
    assert _Handler.peers[0] != _Handler.peers[1]
    # an idle connection the peer has closed is noticed before reuse
    (connection,) = transport._connections.values()
    assert connection.sock is not None
    connection.sock.shutdown(socket.SHUT_RD)  # as if the server had hung up
    client.get_json("/after-hangup")
    assert len(_Handler.peers) == 3 and _Handler.peers[2] != _Handler.peers[1]
    client.close()
    transport.close()


def test_refused_connection_is_a_network_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        client = HttpClient(f"http://127.0.0.1:{port}", PlainHTTPTransport(), 5.0)
        with pytest.raises(NetworkError, match="cannot reach the log \\(ConnectError"):
            client.get_json("/x")


def test_read_timeout_is_a_network_error(server: str) -> None:
    client = HttpClient(server, PlainHTTPTransport(), 0.2)
    with pytest.raises(NetworkError, match="ReadTimeout"):
        client.get_json("/slow")
    client.get_json("/fine")  # the timed-out connection was dropped, a new one works
    client.close()


def test_https_is_refused_by_the_plain_transport() -> None:
    with (
        httpx.Client(transport=PlainHTTPTransport()) as client,
        pytest.raises(httpx.UnsupportedProtocol, match="expected an http:// URL"),
    ):
        client.get("https://127.0.0.1:1/")


def test_threads_take_turns_on_one_plain_transport(server: str) -> None:
    client = HttpClient(server, PlainHTTPTransport(), 5.0)
    answers: dict[str, object] = {}

    def worker(n: int) -> None:
        for k in range(5):
            body, _ = client.get_json(f"/echo/{n}-{k}")
            answers[f"/echo/{n}-{k}"] = body

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 30
    assert all(body == {"path": path} for path, body in answers.items())
    client.close()


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = utc_now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_https_is_verified_against_the_trusted_cas(tmp_path: Path) -> None:
    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    with serving(_Handler, context) as address:
        shared = SharedTransport()
        client = HttpClient(f"https://{address}", shared, 5.0)
        # a certificate no trusted CA issued: refused, not silently accepted
        with pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get_json("/")
        assert shared._plain is None and shared._tls is not None
        shared.release()
