"""``verify_image``: what ``cosign verify`` checks, over both storage formats.

oci-and-policy.md §2.1: resolve the reference to a digest; gather every signature attached
to it (:mod:`sigstack.oci.evidence`: legacy ``.sig`` layers and v3 bundle referrers); then,
for each one, independently:

* the whole Sigstore verification, offline (:class:`~sigstack.verify.Verifier`): chain to a
  trusted CA at the log/TSA time, SCT, identity policy or managed key, the tlog entry (the
  RekorBundle's SET for a legacy layer, proof + checkpoint for a bundle), timestamps, the
  signature over the payload, the entry matching the signature;
* the claims: a legacy payload's ``critical.image.docker-manifest-digest`` (a bundle's
  statement subject digest) must be the image digest — else ``invalid or missing digest in
  claim`` — and every ``-a key=value`` must be in ``optional`` (the subject's annotations)
  — else ``missing or incorrect annotation``. A bundle without a DSSE envelope is refused
  (``bundle does not contain a DSSE envelope``). As in cosign v3 every verified DSSE bundle
  counts, whatever its predicate type.

At least one signature must pass. None attached → :class:`NoSignaturesFound` (``no
signatures found for image …``, cosign's exit code 10); none passing →
:class:`NoMatchingSignatures` with one reason per signature (exit code 12).

The result renders as cosign does (§2.2): :meth:`ImageVerification.checks` are the lines
printed on stderr, :meth:`ImageVerification.to_json` the JSON array on stdout — one
``SimpleContainerImage`` per verified signature, ``optional`` augmented with ``Subject``,
``Issuer``, ``1.3.6.1.4.1.57264.1.1``, ``Bundle`` and ``RFC3161Timestamp`` for a legacy
layer; for a bundle ``type`` is the statement's predicate type and ``optional`` its subject
annotations.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from sigstack.clients.registry import RegistryClient
from sigstack.core.bundle import Bundle, DsseEnvelope
from sigstack.core.oci.bundle_referrer import subject_annotations
from sigstack.core.oci.cosign import SIMPLE_SIGNING_LAYER
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.legacy import legacy_bundle, parse_signature_layer
from sigstack.core.oci.reference import Reference
from sigstack.core.oci.simple_signing import parse_payload
from sigstack.errors import FormatError, VerificationError
from sigstack.oci.evidence import (
    AttachedLayer,
    BundleReferrer,
    ResolvedImage,
    gather,
    resolve,
)
from sigstack.oci.sign import Format
from sigstack.oci.store import Store, store_for
from sigstack.verify import (
    BundleFormatError,
    ManagedKey,
    VerificationFailure,
    VerificationResult,
    Verifier,
    load_bundle,
    statement_of,
)
from sigstack.verify.identity import IdentityPolicy

__all__ = [
    "CHECK_ANNOTATIONS",
    "CHECK_CA",
    "CHECK_CLAIMS",
    "CHECK_KEY",
    "CHECK_TLOG",
    "CHECK_VALID_TIME",
    "ClaimError",
    "ImageVerification",
    "NoMatchingSignatures",
    "NoSignaturesFound",
    "VerifiedSignature",
    "check_annotations",
    "load_dsse_bundle",
    "verify_image",
]

_ISSUER_OID = "1.3.6.1.4.1.57264.1.1"

CHECK_ANNOTATIONS = "The specified annotations were verified."
CHECK_CLAIMS = "The cosign claims were validated"
CHECK_TLOG = "Existence of the claims in the transparency log was verified offline"
CHECK_VALID_TIME = (
    "The signatures were integrated into the transparency log when the certificate was valid"
)
CHECK_KEY = "The signatures were verified against the specified public key"
CHECK_CA = (
    "The code-signing certificate was verified using trusted certificate authority certificates"
)


class ClaimError(VerificationFailure):
    """The signed payload is about another image, or lacks an annotation asked for."""

    code = "claims"


class NoSignaturesFound(VerificationError):
    """Nothing is attached to the image (cosign exit code 10)."""

    exit_code: ClassVar[int] = 10


class NoMatchingSignatures(VerificationError):
    """Signatures are attached but none verifies (cosign exit code 12)."""

    exit_code: ClassVar[int] = 12


@dataclass(frozen=True)
class VerifiedSignature:
    """One signature that passed every check, and its cosign-shaped claim."""

    format: Format
    location: str
    result: VerificationResult
    claim: dict[str, Any]


@dataclass(frozen=True)
class ImageVerification:
    """The outcome of :func:`verify_image`: at least one verified signature."""

    image: ResolvedImage
    signatures: tuple[VerifiedSignature, ...]
    rejected: tuple[str, ...]  # "<location>: <reason>" of the ones that did not verify
    annotations_checked: bool
    managed_key: bool

    def checks(self) -> list[str]:
        """The checks cosign lists on stderr (§2.2), for what was actually checked."""
        lines = [CHECK_ANNOTATIONS] if self.annotations_checked else []
        lines += [CHECK_CLAIMS, CHECK_TLOG]
        lines += [CHECK_KEY] if self.managed_key else [CHECK_VALID_TIME, CHECK_CA]
        return lines

    def to_json(self) -> list[dict[str, Any]]:
        """cosign's stdout: one ``SimpleContainerImage`` per verified signature."""
        return [s.claim for s in self.signatures]


def check_annotations(
    expected: Mapping[str, str], found: Mapping[str, Any] | None, *, field: str
) -> None:
    """Every ``-a key=value`` must be in ``found`` (cosign's ``SimpleClaimVerifier``, §1.4,
    §2.3); else :class:`ClaimError` ``missing or incorrect annotation: …``."""
    for key, value in expected.items():
        present = (found or {}).get(key)
        if present != value:
            shown = f"{key}={present}" if present is not None else f"no {key}"
            raise ClaimError(
                f"missing or incorrect annotation: expected {key}={value}, found {shown}",
                field=field,
            )


def load_dsse_bundle(referrer: BundleReferrer) -> tuple[Bundle, DsseEnvelope]:
    """The bundle a referrer holds, and its DSSE envelope; a bundle without one is refused
    (``bundle does not contain a DSSE envelope``, as cosign v3)."""
    bundle = load_bundle(referrer.bundle_json)
    if bundle.dsse_envelope is None:
        raise BundleFormatError(
            "bundle does not contain a DSSE envelope: expected a DSSE statement, found a "
            "message signature",
            field="dsseEnvelope",
        )
    return bundle, bundle.dsse_envelope


def _identity(result: VerificationResult, optional: dict[str, Any]) -> None:
    if result.identity is not None:
        optional["Subject"] = result.identity
    if result.issuer is not None:
        optional["Issuer"] = result.issuer
        optional[_ISSUER_OID] = result.issuer


def _verify_legacy(
    layer: AttachedLayer,
    verifier: Verifier,
    policy: IdentityPolicy | ManagedKey,
    digest: Digest,
    annotations: Mapping[str, str],
) -> VerifiedSignature:
    if layer.descriptor.media_type != SIMPLE_SIGNING_LAYER:
        raise FormatError(
            f"expected a layer of {SIMPLE_SIGNING_LAYER}, found {layer.descriptor.media_type}"
        )
    signature = parse_signature_layer(layer.blob, layer.annotations)
    result = verifier.verify_artifact(legacy_bundle(signature), layer.blob, policy)
    claim = parse_payload(layer.blob)
    if claim.manifest_digest != digest:
        raise ClaimError(
            f"invalid or missing digest in claim: {claim.manifest_digest} (the image is {digest})",
            field="critical.image.docker-manifest-digest",
        )
    check_annotations(annotations, claim.optional, field="optional")
    document = claim.to_json()
    optional = dict(claim.optional or {})
    _identity(result, optional)
    if signature.rekor_bundle is not None:
        optional["Bundle"] = signature.rekor_bundle.to_json()
    if signature.timestamp is not None:
        stamp = base64.b64encode(signature.timestamp).decode()
        optional["RFC3161Timestamp"] = {"SignedRFC3161Timestamp": stamp}
    document["optional"] = optional or None
    return VerifiedSignature("legacy", layer.where, result, document)


def _verify_bundle(
    referrer: BundleReferrer,
    verifier: Verifier,
    policy: IdentityPolicy | ManagedKey,
    image: Reference,
    annotations: Mapping[str, str],
) -> VerifiedSignature:
    assert image.digest is not None
    bundle, _ = load_dsse_bundle(referrer)
    result = verifier.verify_dsse(bundle, policy)
    statement = statement_of(result)
    if image.digest.encoded not in statement.sha256_subjects():
        found = ", ".join(f"sha256:{d}" for d in sorted(statement.sha256_subjects())) or "none"
        raise ClaimError(
            f"invalid or missing digest in claim: {found} (the image is {image.digest})",
            field="subject",
        )
    assert result.payload is not None
    found_annotations = subject_annotations(result.payload, image.digest)
    check_annotations(annotations, found_annotations, field="subject[].annotations")
    document = {
        "critical": {
            "identity": {"docker-reference": image.name},
            "image": {"docker-manifest-digest": str(image.digest)},
            "type": statement.predicate_type,
        },
        "optional": found_annotations,
    }
    return VerifiedSignature("bundle", referrer.location, result, document)


def verify_image(
    registry: RegistryClient,
    reference: Reference | str,
    verifier: Verifier,
    policy: IdentityPolicy | ManagedKey,
    *,
    annotations: Mapping[str, str] | None = None,
    repository: str | Store | None = None,
) -> ImageVerification:
    """Verify the signatures of the image ``reference`` names (module docstring)."""
    resolved = resolve(registry, reference)
    store = store_for(registry, resolved.reference, repository)
    evidence = gather(store, resolved.digest, kinds=("sig", "bundle"))
    expected = dict(annotations or {})
    image = resolved.reference
    verified: list[VerifiedSignature] = []
    rejected = [str(p) for p in evidence.problems]
    for layer in evidence.signatures:
        try:
            verified.append(_verify_legacy(layer, verifier, policy, resolved.digest, expected))
        except (FormatError, VerificationError) as exc:
            rejected.append(f"{layer.where}: {exc}")
    for referrer in evidence.bundles:
        try:
            verified.append(_verify_bundle(referrer, verifier, policy, image, expected))
        except (FormatError, VerificationError) as exc:
            rejected.append(f"{referrer.location}: {exc}")
    if not verified:
        if not rejected:
            raise NoSignaturesFound(f"no signatures found for image {resolved}")
        raise NoMatchingSignatures(
            f"no matching signatures for image {resolved}: " + "; ".join(rejected)
        )
    return ImageVerification(
        image=resolved,
        signatures=tuple(verified),
        rejected=tuple(rejected),
        annotations_checked=bool(expected),
        managed_key=isinstance(policy, ManagedKey),
    )
