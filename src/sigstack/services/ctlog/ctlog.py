"""A certificate-transparency log (RFC 6962) over the sigstack log engine.

Each accepted submission becomes one ``MerkleTreeLeaf`` (§3.4) in a
:class:`~sigstack.services.tlog.log.TransparencyLog` with its own key and SQLite file.
``add_pre_chain`` / ``add_chain`` return the SCT (§3.2) only once the leaf is durably
sequenced (the engine answers when a checkpoint covers it); a resubmission of the same
certificate returns an SCT with the existing entry's timestamp. Signed tree heads
(§3.5) are signed once per published tree size.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.core.ct.chain import CheckedChain, check_chain
from sigstack.core.ct.leaf import merkle_tree_leaf_precert, merkle_tree_leaf_x509
from sigstack.core.ct.sct import (
    SignedCertificateTimestamp,
    log_id_of,
    precert_signed_data,
    sign_sct,
    x509_signed_data,
)
from sigstack.core.ct.sth import sign_tree_head
from sigstack.core.merkle.rfc6962 import leaf_hash
from sigstack.core.tlog.entries import CanonicalEntry
from sigstack.errors import DuplicateEntryError, FormatError, NotFoundError
from sigstack.services.ctlog.settings import CTLogSettings
from sigstack.services.ctlog.submissions import SubmissionStore
from sigstack.services.tlog.log import TransparencyLog

__all__ = ["CTLog", "SignedTreeHead"]


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    """A ``get-sth`` answer (RFC 6962 §4.3); ``signature`` is the TLS digitally-signed struct."""

    tree_size: int
    timestamp: int
    root_hash: bytes
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        """The JSON body of ``get-sth``."""
        return {
            "tree_size": self.tree_size,
            "timestamp": self.timestamp,
            "sha256_root_hash": base64.b64encode(self.root_hash).decode(),
            "tree_head_signature": base64.b64encode(self.signature).decode(),
        }


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class CTLog:
    """One RFC 6962 log: accepted roots, an ECDSA P-256 key, and a log engine underneath."""

    def __init__(
        self,
        log: TransparencyLog,
        private_key: ec.EllipticCurvePrivateKey,
        *,
        accepted_roots: Sequence[x509.Certificate],
        submissions: SubmissionStore,
        settings: CTLogSettings,
        clock: Callable[[], datetime],
    ) -> None:
        if not accepted_roots:
            raise FormatError("a CT log needs at least one accepted root")
        self.log = log
        self.settings = settings
        self.accepted_roots = tuple(accepted_roots)
        self.public_key = private_key.public_key()
        #: SHA-256 of the DER SPKI: the ``id`` of every SCT and the ``logId`` of trust roots.
        self.log_id = log_id_of(self.public_key)
        self._key = private_key
        self._submissions = submissions
        self._clock = clock
        self._sth: SignedTreeHead | None = None
        self._latest_sct = 0
        try:
            self._ekus = tuple(x509.ObjectIdentifier(oid) for oid in settings.required_ekus)
        except ValueError as exc:
            raise FormatError(f"required_ekus: not a dotted OID: {exc}") from exc

    async def start(self) -> None:
        """Start the log engine (recovering anything sequenced before a restart)."""
        await self.log.start()

    async def stop(self) -> None:
        """Drain the engine and release storage."""
        await self.log.stop()
        self._submissions.close()

    # -- writes -------------------------------------------------------------------------

    def _parse(self, chain: Sequence[bytes]) -> list[x509.Certificate]:
        if len(chain) > self.settings.max_chain_length:
            raise FormatError(
                f"chain has {len(chain)} certificates; the limit is"
                f" {self.settings.max_chain_length}"
            )
        certs = []
        for i, der in enumerate(chain):
            try:
                certs.append(x509.load_der_x509_certificate(der))
            except ValueError as exc:
                raise FormatError(f"chain[{i}] is not a DER X.509 certificate: {exc}") from exc
        return certs

    async def add_pre_chain(self, chain: Sequence[bytes]) -> SignedCertificateTimestamp:
        """Log a precertificate (``chain[0]``, with the critical poison) issued by ``chain[1]``.

        Returns the SCT over the precert TBS without poison and SHA-256 of the issuer's
        SPKI (RFC 6962 §3.2), once the leaf is durable. FormatError / VerificationError
        say what is wrong with a refused chain; nothing is logged then.
        """
        checked = check_chain(
            self._parse(chain), self.accepted_roots, precert=True, required_ekus=self._ekus
        )
        return await self._add(checked)

    async def add_chain(self, chain: Sequence[bytes]) -> SignedCertificateTimestamp:
        """Log a final certificate (``chain[0]``, no poison) and return its x509_entry SCT."""
        checked = check_chain(
            self._parse(chain), self.accepted_roots, precert=False, required_ekus=self._ekus
        )
        return await self._add(checked)

    async def _add(self, checked: CheckedChain) -> SignedCertificateTimestamp:
        proposed = max(_millis(self._clock()), self._latest_sct)
        # Timestamps never go back, and an STH is never older than an SCT already handed out.
        self._latest_sct = proposed
        leaf = self._leaf(checked, proposed)
        timestamp, new = await asyncio.to_thread(
            self._submissions.claim,
            checked.dedup_key,
            proposed,
            leaf_hash(leaf),
            checked.extra_data,
        )
        if not new:
            leaf = self._leaf(checked, timestamp)
        if new or self.log.find(leaf_hash(leaf)) is None:
            kind = "precert" if checked.precert else "x509"
            # DuplicateEntryError: a concurrent resubmission sequenced it, so it is durable.
            with contextlib.suppress(DuplicateEntryError):
                await self.log.add(CanonicalEntry(f"ct-{kind}", "rfc6962", leaf, frozenset()))
        if checked.precert:
            signed = precert_signed_data(
                timestamp=timestamp,
                issuer_key_hash=checked.issuer_key_hash,
                tbs_certificate=checked.entry_bytes,
            )
        else:
            signed = x509_signed_data(timestamp=timestamp, certificate_der=checked.entry_bytes)
        return sign_sct(self._key, signed, timestamp=timestamp)

    @staticmethod
    def _leaf(checked: CheckedChain, timestamp: int) -> bytes:
        """The MerkleTreeLeaf (§3.4), with empty CtExtensions as RFC 6962 v1 logs emit."""
        if checked.precert:
            return merkle_tree_leaf_precert(
                timestamp=timestamp,
                issuer_key_hash=checked.issuer_key_hash,
                tbs_certificate=checked.entry_bytes,
            )
        return merkle_tree_leaf_x509(timestamp=timestamp, certificate_der=checked.entry_bytes)

    # -- reads --------------------------------------------------------------------------

    def signed_tree_head(self) -> SignedTreeHead:
        """The STH of the latest published tree, signed once per size (RFC 6962 §3.5)."""
        published = self.log.published
        root = published.checkpoint.root_hash
        sth = self._sth
        if sth is None or sth.tree_size != published.size or sth.root_hash != root:
            previous = sth.timestamp if sth is not None else 0
            timestamp = max(_millis(self._clock()), self._latest_sct, previous)
            signature = sign_tree_head(
                self._key, timestamp=timestamp, tree_size=published.size, root_hash=root
            )
            sth = SignedTreeHead(published.size, timestamp, root, signature)
            self._sth = sth
        return sth

    def consistency(self, first: int, second: int) -> list[bytes]:
        """``get-sth-consistency`` (§4.4) between two published tree sizes."""
        size = self.log.published.size
        if not 1 <= first <= second:
            raise FormatError(f"expected 1 <= first <= second; got first={first}, second={second}")
        if second > size:
            raise FormatError(f"second {second} is larger than the published tree size {size}")
        return self.log.consistency_proof(first, second)

    def proof_by_hash(self, hash_: bytes, tree_size: int) -> tuple[int, list[bytes]]:
        """``get-proof-by-hash`` (§4.5): the leaf's index and audit path in ``tree_size``."""
        published = self.log.published
        if not 1 <= tree_size <= published.size:
            raise FormatError(
                f"tree_size {tree_size} is outside 1..{published.size} (the published size)"
            )
        index = self.log.find(hash_)
        if index is None or index >= tree_size:
            raise NotFoundError(f"no leaf with hash {hash_.hex()} in the tree of size {tree_size}")
        return index, self.log.inclusion_proof_at(index, tree_size, published)

    def entry_and_proof(self, index: int, tree_size: int) -> tuple[bytes, bytes, list[bytes]]:
        """``get-entry-and-proof`` (§4.8): leaf input, extra data and audit path."""
        published = self.log.published
        if not 0 <= index < tree_size <= published.size:
            raise FormatError(
                f"expected 0 <= leaf_index < tree_size <= {published.size} (the published"
                f" size); got leaf_index={index}, tree_size={tree_size}"
            )
        entry = self.log.entry(index)
        extra = self._submissions.extra_data([entry.leaf_hash]).get(entry.leaf_hash, b"")
        return entry.body, extra, self.log.inclusion_proof_at(index, tree_size, published)

    def entries(self, start: int, end: int) -> list[tuple[bytes, bytes]]:
        """``get-entries`` (§4.6): ``(leaf_input, extra_data)`` for ``start..end`` inclusive.

        Fewer than asked when ``end`` is past the tree or the page limit.
        """
        size = self.log.published.size
        if start < 0 or end < start:
            raise FormatError(f"expected 0 <= start <= end; got start={start}, end={end}")
        if start >= size:
            raise FormatError(f"start {start} is beyond the tree (size {size})")
        last = min(end, size - 1, start + self.settings.max_get_entries - 1)
        stored = self.log.storage.read_entries(start, last + 1)
        extra = self._submissions.extra_data([e.leaf_hash for e in stored])
        return [(e.body, extra.get(e.leaf_hash, b"")) for e in stored]
