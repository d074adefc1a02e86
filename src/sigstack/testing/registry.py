"""A real OCI registry for tests: Debian's ``docker-registry`` (CNCF distribution 2.8).

``start_registry(workdir)`` writes a throw-away YAML config and storage directory under
``workdir``, starts ``/usr/bin/docker-registry serve`` on a free loopback port, waits until
``/v2/`` answers, and returns a handle whose ``stop()`` ends it. Options:

* ``users={"alice": "secret"}`` — htpasswd basic auth (bcrypt hashes, from the ``bcrypt``
  module or, without it, ``htpasswd -B`` of apache2-utils);
* ``token_auth=True`` — docker's token authentication: the registry answers 401 with a
  ``Bearer`` challenge naming a :class:`TokenServer` (run here, on loopback) that issues
  ES256 JWTs to ``users``;
* ``tls=True`` — HTTPS with a certificate for ``127.0.0.1``/``localhost`` issued by a
  fresh test CA (``ca_path`` is its PEM, to give the client as its CA bundle).

The binary is installed by ``make test`` (``apt-get install docker-registry`` as root);
:class:`RegistryUnavailable` says so when it is missing, and tests fail on it rather than
skip (ARCHITECTURE §4).
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import os
import secrets
import shutil
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sigstack.clock import utc_now
from sigstack.testing.service import free_port

__all__ = [
    "RegistryProcess",
    "RegistryUnavailable",
    "TokenServer",
    "find_registry_binary",
    "start_registry",
    "write_test_tls",
]

_DEFAULT_BINARY = "/usr/bin/docker-registry"


class RegistryUnavailable(RuntimeError):
    """The ``docker-registry`` binary (or an htpasswd tool) is not installed."""


@dataclass
class RegistryProcess:
    """A running ``docker-registry``: ``host`` is ``127.0.0.1:<port>``."""

    host: str
    url: str
    root: Path
    process: subprocess.Popen[bytes]
    ca_path: Path | None = None
    log_path: Path | None = None
    token_server: TokenServer | None = None

    @property
    def storage(self) -> Path:
        """The filesystem storage driver's root directory."""
        return self.root / "storage"

    def stop(self) -> None:
        """Stop the registry (and its token service) and wait for it."""
        if self.token_server is not None:
            self.token_server.stop()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def find_registry_binary() -> str:
    """The registry binary: ``$SIGSTACK_DOCKER_REGISTRY``, else ``docker-registry`` on PATH."""
    configured = os.environ.get("SIGSTACK_DOCKER_REGISTRY")
    found = configured or shutil.which("docker-registry")
    if found is None and Path(_DEFAULT_BINARY).exists():
        found = _DEFAULT_BINARY
    if found is None or not Path(found).exists():
        raise RegistryUnavailable(
            f"the OCI registry binary is missing ({configured or _DEFAULT_BINARY}): run "
            "`make test` as root, or `apt-get install docker-registry`"
        )
    return found


def _htpasswd_line(user: str, password: str) -> str:
    try:
        import bcrypt
    except ImportError:
        tool = shutil.which("htpasswd")
        if tool is None:
            raise RegistryUnavailable(
                "htpasswd auth needs the bcrypt module (pip install bcrypt) or htpasswd "
                "(apt-get install apache2-utils)"
            ) from None
        done = subprocess.run(
            [tool, "-nbB", user, password], capture_output=True, check=True, text=True
        )
        return done.stdout.strip()
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()
    return f"{user}:{hashed}"


_CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, key_cert_sign=True, crl_sign=True,
    content_commitment=False, key_encipherment=False, data_encipherment=False,
    key_agreement=False, encipher_only=False, decipher_only=False,
)  # fmt: skip


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def write_test_tls(directory: Path) -> tuple[Path, Path, Path]:
    """A fresh CA and a server certificate for 127.0.0.1 / ::1 / localhost.

    Returns ``(ca.pem, server.pem, server.key)``.
    """
    now = utc_now()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("sigstack test registry CA"))
        .issuer_name(_name("sigstack test registry CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_CA_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = (
        directory / "ca.pem",
        directory / "server.pem",
        directory / "server.key",
    )
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return ca_path, cert_path, key_path


_TOKEN_ISSUER = "sigstack-test-token-issuer"  # noqa: S105 - a name, not a secret
_TOKEN_SERVICE = "sigstack-test-registry"  # noqa: S105 - a name, not a secret


class TokenServer:
    """docker's token service for the registry's ``auth: token`` mode, on loopback HTTP.

    ``GET /token?service=…&scope=repository:<name>:<actions>…`` with Basic credentials of
    one of ``users`` answers ``{"token": <JWT>}`` granting every requested action;
    anonymous or wrong credentials get 401. The JWT is ES256 with the signing certificate
    in ``x5c``; the registry trusts it through ``rootcertbundle`` (distribution
    ``registry/auth/token``). ``requests`` records ``(user, scopes)`` per token issued.
    """

    def __init__(self, directory: Path, users: dict[str, str]) -> None:
        self.users = users
        self.requests: list[tuple[str, list[str]]] = []
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = utc_now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name("sigstack test token signer"))
            .issuer_name(_name("sigstack test token signer"))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
        directory.mkdir(parents=True, exist_ok=True)
        self.root_bundle = directory / "token-root.pem"
        self.root_bundle.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.realm = f"http://127.0.0.1:{self._server.server_address[1]}/token"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def issue(self, user: str, scopes: list[str]) -> str:
        """A registry token for ``user`` granting ``scopes``."""
        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(utc_now().timestamp())
        claims = {
            "iss": _TOKEN_ISSUER, "sub": user, "aud": _TOKEN_SERVICE,
            "exp": now + 300, "nbf": now - 10, "iat": now,
            "jti": secrets.token_hex(8), "access": access,
        }  # fmt: skip
        return jwt.encode(claims, self.key, algorithm="ES256", headers={"x5c": [self.x5c]})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                user = server._user(self.headers.get("Authorization", ""))
                if user is None:
                    body, status = b'{"details":"invalid username or password"}', 401
                else:
                    scopes = query.get("scope", [])
                    server.requests.append((user, scopes))
                    body, status = json.dumps({"token": server.issue(user, scopes)}).encode(), 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def _user(self, authorization: str) -> str | None:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return user if self.users.get(user) == password and password else None


def start_registry(
    workdir: Path,
    *,
    users: dict[str, str] | None = None,
    tls: bool = False,
    token_auth: bool = False,
    timeout: float = 30,
) -> RegistryProcess:
    """Start ``docker-registry`` on a free loopback port (module docstring)."""
    binary = find_registry_binary()
    root = workdir
    storage = root / "storage"
    storage.mkdir(parents=True, exist_ok=True)
    port = free_port()
    host = f"127.0.0.1:{port}"
    http: dict[str, object] = {"addr": host, "secret": secrets.token_hex(16)}
    config: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": True}},
        "storage": {"filesystem": {"rootdirectory": str(storage)}, "delete": {"enabled": True}},
        "http": http,
    }
    ca_path = None
    if tls:
        ca_path, cert_path, key_path = write_test_tls(root / "tls")
        http["tls"] = {"certificate": str(cert_path), "key": str(key_path)}
    token_server = None
    if token_auth:
        token_server = TokenServer(root / "token", users or {})
        config["auth"] = {
            "token": {
                "realm": token_server.realm, "service": _TOKEN_SERVICE,
                "issuer": _TOKEN_ISSUER, "rootcertbundle": str(token_server.root_bundle),
            }
        }  # fmt: skip
    elif users:
        htpasswd = root / "htpasswd"
        htpasswd.write_text("".join(_htpasswd_line(u, p) + "\n" for u, p in users.items()))
        config["auth"] = {"htpasswd": {"realm": "sigstack-test", "path": str(htpasswd)}}
    config_path = root / "config.yml"
    config_path.write_text(yaml.safe_dump(config))
    log_path = root / "registry.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [binary, "serve", str(config_path)], stdout=log, stderr=subprocess.STDOUT
        )
    url = f"{'https' if tls else 'http'}://{host}"
    registry = RegistryProcess(host, url, root, process, ca_path, log_path, token_server)
    try:
        _wait_ready(registry, timeout)
    except BaseException:
        registry.stop()
        raise
    return registry


def _wait_ready(registry: RegistryProcess, timeout: float) -> None:
    verify: ssl.SSLContext | bool = True
    if registry.ca_path is not None:
        verify = ssl.create_default_context(cafile=str(registry.ca_path))
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if registry.process.poll() is not None:
            log = registry.log_path.read_text() if registry.log_path else ""
            raise RuntimeError(
                f"docker-registry exited with {registry.process.returncode}: {log[-2000:]}"
            )
        try:
            answer = httpx.get(f"{registry.url}/v2/", verify=verify, timeout=2)
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if answer.status_code in (200, 401):
                return
            last = f"HTTP {answer.status_code}"
        time.sleep(0.05)
    raise RuntimeError(f"docker-registry at {registry.url} not ready after {timeout}s ({last})")
