"""``sign_image``: sign a container image in a registry, in either cosign storage format.

oci-and-policy.md §1.1–§1.4 (legacy) and §1.7 (cosign v3 bundles):

* ``format="bundle"`` (cosign v3's default): the in-toto statement ``{subject: [{digest,
  annotations}], predicateType: https://sigstore.dev/cosign/sign/v1}`` is signed as DSSE
  into a bundle v0.3, pushed as an OCI 1.1 referrer of the image (the registry client keeps
  the ``sha256-<hex>`` referrers tag when the registry has no referrers API). Each signature
  is its own referrer: a second one is added beside the first.
* ``format="legacy"`` (cosign ≤ v2, ``--new-bundle-format=false``): the simple-signing
  payload is signed (a Rekor v1 ``hashedrekord`` over its SHA-256) and APPENDED as a layer to
  the ``sha256-<hex>.sig`` manifest — read, append, write, as cosign does (racy: two signers
  at the same moment can lose one); the log entry's SET becomes the RekorBundle annotation,
  so this format needs a Rekor v1 log. An identical layer is not added twice, and with a
  managed key a payload the same key already signed is not signed again (cosign's dupe
  detector).

A tag is resolved to the digest of the manifest it points to *now* and a warning says so
(:func:`~sigstack.oci.evidence.tag_warning`). ``recursive`` signs an index and every
manifest it lists. ``repository`` stores the signatures elsewhere (``--repository``,
``$SIGSTACK_REPOSITORY``: cosign's ``COSIGN_REPOSITORY``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from sigstack.clients.registry import RegistryClient
from sigstack.clock import utc_now
from sigstack.core.bundle import parse_bundle
from sigstack.core.intoto import PAYLOAD_TYPE
from sigstack.core.oci.bundle_referrer import referrer_manifest, sign_statement
from sigstack.core.oci.cosign import (
    ANNOTATION_CERTIFICATE,
    ANNOTATION_SIGNATURE,
    COSIGN_SIGN_PREDICATE_TYPE,
    SIMPLE_SIGNING_LAYER,
    attached_tag,
)
from sigstack.core.oci.legacy import LegacySignature, RekorBundle
from sigstack.core.oci.manifest import Descriptor, ImageIndex, ImageManifest
from sigstack.core.oci.mediatypes import OCI_EMPTY_DATA
from sigstack.core.oci.reference import Reference
from sigstack.core.oci.simple_signing import build_payload
from sigstack.core.trust.model import CertificateAuthority, TrustedRoot
from sigstack.errors import FormatError, UnsupportedError
from sigstack.oci.evidence import ResolvedImage, resolve, tag_warning
from sigstack.oci.store import Store, store_for

__all__ = [
    "Format",
    "ImageSigner",
    "SignOutcome",
    "SignedImage",
    "check_format",
    "sign_image",
    "store_bundle",
]

Format = Literal["legacy", "bundle"]


class ImageSigner(Protocol):
    """What :func:`sign_image` needs: :class:`~sigstack.sign.Signer` or ``KeySigner``."""

    def sign_artifact(self, data: bytes) -> dict[str, Any]: ...

    def sign_dsse(self, payload_type: str, payload: bytes) -> dict[str, Any]: ...


@dataclass(frozen=True)
class SignedImage:
    """One manifest signed: where the signature went, and whether it was stored."""

    image: Reference  # pinned to its digest
    format: Format
    location: str  # host/repo:sha256-<hex>.sig, or host/repo@<referrer digest>
    stored: bool = True  # False: the same signature was already there


@dataclass(frozen=True)
class SignOutcome:
    """Everything :func:`sign_image` did; ``warning`` when the image was named by tag."""

    signed: tuple[SignedImage, ...]
    warning: str | None = None


def _issuing_chain(
    leaf_der: bytes | None, authorities: Sequence[CertificateAuthority]
) -> tuple[bytes, ...]:
    """The trusted CA chain (intermediates … root) whose first certificate issued the leaf:
    what cosign writes in the ``dev.sigstore.cosign/chain`` annotation (§1.2). Empty when
    there is no leaf (managed key) or no trusted CA issued it."""
    if leaf_der is None:
        return ()
    issuer = x509.load_der_x509_certificate(leaf_der).issuer
    for authority in authorities:
        chain = authority.chain_der
        if chain and x509.load_der_x509_certificate(chain[0]).subject == issuer:
            return tuple(chain)
    return ()


def _already_signed_by_key(
    manifest: ImageManifest, payload: bytes, key: ec.EllipticCurvePublicKey
) -> bool:
    """cosign's dupe detector for managed keys: a layer with this payload whose signature
    verifies with ``key``."""
    for layer in manifest.layers:
        if not layer.digest.matches(payload) or layer.annotations.get(ANNOTATION_CERTIFICATE):
            continue
        try:
            signature = base64.b64decode(layer.annotations.get(ANNOTATION_SIGNATURE, ""))
            key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            continue
        return True
    return False


def _sign_legacy(
    store: Store,
    image: Reference,
    signer: ImageSigner,
    annotations: Mapping[str, str],
    authorities: Sequence[CertificateAuthority],
) -> SignedImage:
    assert image.digest is not None
    tag = attached_tag(image.digest, "sig")
    location = store.location(tag)
    payload = build_payload(image.name, image.digest, annotations)
    current = store.tagged_manifest(tag)
    key = getattr(signer, "public_key", None)
    if (
        current is not None
        and isinstance(key, ec.EllipticCurvePublicKey)
        and _already_signed_by_key(current, payload, key)
    ):
        return SignedImage(image, "legacy", location, stored=False)
    bundle = parse_bundle(json.dumps(signer.sign_artifact(payload)))
    if bundle.message_signature is None or len(bundle.tlog_entries) != 1:
        raise FormatError("expected a message-signature bundle with one log entry from the signer")
    signature = LegacySignature(
        payload=payload,
        signature=bundle.message_signature.signature,
        certificate=bundle.leaf_der,
        chain=_issuing_chain(bundle.leaf_der, authorities),
        rekor_bundle=RekorBundle.from_tlog_entry(bundle.tlog_entries[0]),
        timestamp=bundle.rfc3161_timestamps[0] if bundle.rfc3161_timestamps else None,
    )
    layer = Descriptor.of(payload, SIMPLE_SIGNING_LAYER, annotations=signature.annotations())
    # Read again just before writing: keeps the window in which a concurrent signer's
    # layer could be lost as short as it can be without conditional requests.
    current = store.tagged_manifest(tag)
    existing = current.layers if current is not None else ()
    if layer in existing:
        return SignedImage(image, "legacy", location, stored=False)
    store.put_tagged(tag, (*existing, layer), (payload,))
    return SignedImage(image, "legacy", location)


def _sign_bundle(
    store: Store,
    image: Reference,
    subject: Descriptor,
    signer: ImageSigner,
    *,
    annotations: Mapping[str, str],
    created: datetime,
) -> SignedImage:
    assert image.digest is not None
    statement = sign_statement(image.digest, annotations)
    document = signer.sign_dsse(PAYLOAD_TYPE, statement)
    location = store_bundle(store, subject, document, COSIGN_SIGN_PREDICATE_TYPE, created)
    return SignedImage(image, "bundle", location)


def store_bundle(
    store: Store,
    subject: Descriptor,
    document: Mapping[str, Any],
    predicate_type: str,
    created: datetime,
) -> str:
    """Push the DSSE bundle ``document`` as a referrer of ``subject`` (§1.7), annotated with
    its ``predicate_type``; the referrer's location. Each call adds a referrer beside the
    ones already there."""
    bundle_json = json.dumps(document, separators=(",", ":")).encode()
    manifest = referrer_manifest(
        bundle_json, subject, created=created, predicate_type=predicate_type
    )
    return store.put_referrer(manifest, (bundle_json, OCI_EMPTY_DATA))


def check_format(format: str, signer: ImageSigner, suffix: Literal["sig", "att"]) -> None:
    """Refuse, before anything is signed, a ``format`` that is neither ``legacy`` nor
    ``bundle``, and the legacy ``.sig``/``.att`` format with a signer that logs to Rekor v2:
    the layer's RekorBundle is a Rekor v1 SignedEntryTimestamp (§1.3)."""
    if format not in ("legacy", "bundle"):
        raise FormatError(f"expected format legacy or bundle, found {format!r}", field="format")
    context = getattr(signer, "context", None)
    if format == "legacy" and getattr(context, "rekor_version", 1) != 1:
        verb = "sign" if suffix == "sig" else "attest"
        raise UnsupportedError(
            f"the legacy .{suffix} format stores the log's SignedEntryTimestamp (RekorBundle), "
            f"which only a Rekor v1 log gives; this signer uses Rekor v2: {verb} with Rekor v1 "
            "or use the bundle format",
            field="format",
        )


def _targets(
    registry: RegistryClient, resolved: ResolvedImage, recursive: bool
) -> list[tuple[Reference, Descriptor]]:
    targets = [(resolved.reference, resolved.descriptor)]
    if recursive and isinstance(resolved.manifest, ImageIndex):
        for entry in resolved.manifest.manifests:
            child = resolve(registry, resolved.reference.with_digest(entry.digest))
            targets.append((child.reference, child.descriptor))
    return targets


def sign_image(
    registry: RegistryClient,
    reference: Reference | str,
    signer: ImageSigner,
    *,
    annotations: Mapping[str, str] | None = None,
    format: Format = "bundle",
    repository: str | Store | None = None,
    recursive: bool = False,
    clock: Callable[[], datetime] = utc_now,
    trusted_root: TrustedRoot | None = None,
) -> SignOutcome:
    """Sign the image ``reference`` names (module docstring) and store the signature.

    ``trusted_root``: the legacy format then also carries the issuing CA's chain, as cosign
    writes it (verifiers build chains from their own trusted root, never from it).
    """
    check_format(format, signer, "sig")
    resolved = resolve(registry, reference)
    store = store_for(registry, resolved.reference, repository)
    values = dict(annotations or {})
    signed: list[SignedImage] = []
    for image, descriptor in _targets(registry, resolved, recursive):
        if format == "legacy":
            authorities = trusted_root.certificate_authorities if trusted_root else ()
            signed.append(_sign_legacy(store, image, signer, values, authorities))
        else:
            signed.append(
                _sign_bundle(store, image, descriptor, signer, annotations=values, created=clock())
            )
    return SignOutcome(tuple(signed), tag_warning(resolved))
