"""policy-controller's ``TrustRoot`` (``policy.sigstore.dev/v1alpha1``, oci-and-policy.md §3.1).

Exactly one of ``sigstoreKeys`` (inline keys: the only form usable offline, mapped to our
:class:`~sigstack.core.trust.TrustedRoot` by :meth:`TrustRootSpec.trusted_root`), ``remote``
(``{mirror, root}``: TUF with online updates) or ``repository`` (``{root, mirrorFS}``: an
air-gapped TUF repository). The two TUF forms are read and kept, and refused with a clear
message when their trust material is needed.

A ``tLogs`` entry may carry ``logID`` (hex or base64): when it is not the SHA-256 of the key,
the log is a Rekor v2 log whose checkpoints are signed under that key ID.

Naming trap (§3.1): ``tLogs`` are **Rekor** logs, ``ctLogs`` are certificate transparency
logs. ``certChain`` and ``publicKey`` are base64 of PEM; a CA chain is listed leaf-most
first, root last (TSA chains start with the signing leaf).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from sigstack.core.keys import load_public_key
from sigstack.core.policy.yaml_load import Node
from sigstack.core.trust import TransparencyLogInstance, TrustedRoot
from sigstack.core.trust.build import (
    LogKey,
    ct_log,
    fulcio_authority,
    rekor_v1_log,
    timestamp_authority,
)
from sigstack.errors import Error, FormatError, UnsupportedError

__all__ = ["TrustRootSpec", "parse_trust_root"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Authority:
    uri: str
    chain_pem: bytes
    where: str


@dataclass(frozen=True)
class _Log:
    base_url: str
    public_key_pem: bytes
    where: str
    log_id: bytes | None = None


@dataclass(frozen=True)
class TrustRootSpec:
    """One TrustRoot document."""

    name: str
    form: Literal["sigstoreKeys", "remote", "repository"]
    where: str
    certificate_authorities: tuple[_Authority, ...] = ()
    tlogs: tuple[_Log, ...] = ()
    ctlogs: tuple[_Log, ...] = ()
    timestamp_authorities: tuple[_Authority, ...] = ()
    mirror: str | None = None

    @property
    def version(self) -> str:
        """A digest of the trust material (a memo key part: new keys, new verdicts)."""
        h = hashlib.sha256(self.form.encode())
        for group in (self.certificate_authorities, self.timestamp_authorities):
            for authority in group:
                h.update(authority.uri.encode() + b"\0" + authority.chain_pem)
        for logs in (self.tlogs, self.ctlogs):
            for log in logs:
                h.update(log.base_url.encode() + b"\0" + log.public_key_pem)
                h.update(b"\0" + (log.log_id or b""))
        return h.hexdigest()

    def trusted_root(self) -> TrustedRoot:
        """The inline keys as a TrustedRoot (every entry valid from the epoch on)."""
        if self.form != "sigstoreKeys":
            raise UnsupportedError(
                f"{self.where}: TrustRoot {self.name}: the {self.form} (TUF) form needs a TUF "
                "client; sigstack reads only spec.sigstoreKeys here — use "
                "`sigstack trust` to fetch the trusted root and inline its keys"
            )
        try:
            return TrustedRoot(
                tlogs=[_rekor(log) for log in self.tlogs],
                certificate_authorities=[
                    fulcio_authority(_chain(ca), ca.uri, _EPOCH)
                    for ca in self.certificate_authorities
                ],
                ctlogs=[ct_log(log.base_url, _key(log), _EPOCH) for log in self.ctlogs],
                timestamp_authorities=[
                    timestamp_authority(_chain(tsa), tsa.uri, _EPOCH)
                    for tsa in self.timestamp_authorities
                ],
            )
        except FormatError as exc:
            raise FormatError(f"{self.where}: TrustRoot {self.name}: {exc}") from exc


def _key(log: _Log) -> LogKey:
    try:
        key, _ = load_public_key(log.public_key_pem, field="publicKey")
    except Error as exc:
        raise FormatError(f"{log.where}: expected a PEM public key, found: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey):
        raise FormatError(f"{log.where}: expected an ECDSA, Ed25519 or RSA log key")
    return key


def _rekor(log: _Log) -> TransparencyLogInstance:
    """A Rekor v1 log (log ID = SHA-256 of the key), or — when ``logID`` names another ID —
    a Rekor v2 log whose checkpoints are signed under that key ID."""
    v1 = rekor_v1_log(log.base_url, _key(log), _EPOCH)
    if log.log_id is None or log.log_id == v1.log_id:
        return v1
    return v1._replace(log_id=log.log_id, checkpoint_key_id=log.log_id)


def _log_id(node: Node) -> bytes:
    text = node.string()
    try:
        return bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise node.error("a log ID in hex or base64", found=repr(text)) from exc


def _chain(authority: _Authority) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(authority.chain_pem)
    except ValueError as exc:
        raise FormatError(
            f"{authority.where}: expected a PEM certificate chain, found: {exc}"
        ) from exc


def _b64(node: Node) -> bytes:
    text = node.string()
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise node.error("base64 of PEM", found="text that is not base64") from exc
    if b"-----BEGIN" not in data:
        raise node.error("base64 of PEM", found="base64 of something that is not PEM")
    return data


def _authorities(node: Node) -> tuple[_Authority, ...]:
    out = []
    for item in node.sequence():
        entries = item.mapping({"subject", "uri", "certChain"})
        if "certChain" not in entries:
            raise item.error("a certChain", found="none")
        uri = entries["uri"].string() if "uri" in entries else ""
        out.append(_Authority(uri, _b64(entries["certChain"]), entries["certChain"].where))
    return tuple(out)


def _logs(node: Node) -> tuple[_Log, ...]:
    out = []
    for item in node.sequence():
        entries = item.mapping({"baseURL", "hashAlgorithm", "publicKey", "logID"})
        for required in ("baseURL", "publicKey"):
            if required not in entries:
                raise item.error(f"a {required}", found="none")
        if "hashAlgorithm" in entries:
            entries["hashAlgorithm"].string(choices=("sha-256", "sha256"))
        log_id = _log_id(entries["logID"]) if "logID" in entries else None
        key = entries["publicKey"]
        out.append(_Log(entries["baseURL"].string(), _b64(key), key.where, log_id))
    return tuple(out)


def parse_trust_root(root: Node) -> TrustRootSpec:
    """Read one TrustRoot document (module docstring)."""
    top = root.mapping({"apiVersion", "kind", "metadata", "spec", "status"})
    for required in ("apiVersion", "metadata", "spec"):
        if required not in top:
            raise root.error(f"a {required}", found=f"no {required}")
    top["apiVersion"].string(choices=("policy.sigstore.dev/v1alpha1",))
    metadata = top["metadata"].mapping()
    if "name" not in metadata:
        raise top["metadata"].error("metadata.name", found="no name")
    name = metadata["name"].string()
    spec = top["spec"].mapping({"sigstoreKeys", "remote", "repository"})
    present = [k for k in ("sigstoreKeys", "remote", "repository") if k in spec]
    if len(present) != 1:
        raise top["spec"].error(
            "exactly one of sigstoreKeys|remote|repository", found=", ".join(present) or "none"
        )
    form = present[0]
    if form == "remote":
        body = spec["remote"].mapping({"root", "mirror", "targets", "trustedRootTarget"})
        mirror = body["mirror"].string() if "mirror" in body else None
        return TrustRootSpec(name, "remote", root.where, mirror=mirror)
    if form == "repository":
        spec["repository"].mapping({"root", "mirrorFS", "targets", "trustedRootTarget"})
        return TrustRootSpec(name, "repository", root.where)
    keys = spec["sigstoreKeys"].mapping(
        {"certificateAuthorities", "tLogs", "ctLogs", "timestampAuthorities"}
    )
    return TrustRootSpec(
        name,
        "sigstoreKeys",
        root.where,
        certificate_authorities=_authorities(keys["certificateAuthorities"])
        if "certificateAuthorities" in keys else (),
        tlogs=_logs(keys["tLogs"]) if "tLogs" in keys else (),
        ctlogs=_logs(keys["ctLogs"]) if "ctLogs" in keys else (),
        timestamp_authorities=_authorities(keys["timestampAuthorities"])
        if "timestampAuthorities" in keys else (),
    )  # fmt: skip
