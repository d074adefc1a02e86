"""``attest_image`` and ``verify_attestations``: cosign's ``attest`` / ``verify-attestation``.

oci-and-policy.md §1.5 (legacy ``.att``), §1.7 (v3 bundle referrers), §2.3 (verification).

Attesting signs the in-toto statement v1 about the image
(:func:`~sigstack.core.oci.attestation.image_statement`: subject = ``registry/repository``
at the manifest digest) as DSSE, then stores it:

* ``format="bundle"`` (cosign v3's default): the bundle v0.3 as an OCI 1.1 referrer of the
  image, annotated ``dev.sigstore.bundle.predicateType`` (the registry client keeps the
  ``sha256-<hex>`` referrers tag when the registry has no referrers API);
* ``format="legacy"``: a layer appended to the ``sha256-<hex>.att`` manifest (read, append,
  write, as cosign does); the log entry's SET becomes the RekorBundle annotation, so this
  format needs a Rekor v1 log. ``replace`` drops the layers of the same predicate type first
  (``cosign attest --replace``).

Verifying gathers every attestation in both formats (:func:`sigstack.oci.evidence.gather`)
and checks each one independently: the whole Sigstore verification offline (chain, SCT,
identity or managed key, log entry, timestamps, DSSE signature), the payload is an in-toto
statement, one of its subjects is the image digest (``IntotoSubjectClaimVerifier``), every
``-a key=value`` asked for is among that subject's ``annotations`` (else ``missing or
incorrect annotation``), and its predicate type is the one asked for. A v3 image signature
(predicate type ``https://sigstore.dev/cosign/sign/v1``) is a DSSE bundle too: it is simply
of another type.
Nothing attached → :class:`NoAttestationsFound` (exit code 10); none passing →
:class:`NoMatchingAttestations` with one reason per candidate (or cosign's ``none of the
attestations matched the predicate type: <T>, found: <types>`` when every one verified but
none is of the type; exit code 1).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from sigstack.clients.registry import RegistryClient
from sigstack.clock import utc_now
from sigstack.core.bundle import parse_bundle
from sigstack.core.intoto import PAYLOAD_TYPE, Statement, predicate_type_uri
from sigstack.core.oci.attestation import (
    LegacyAttestation,
    attestation_bundle,
    envelope_json,
    image_statement,
    parse_attestation_layer,
)
from sigstack.core.oci.bundle_referrer import subject_annotations
from sigstack.core.oci.cosign import ANNOTATION_PREDICATE_TYPE, DSSE_LAYER, attached_tag
from sigstack.core.oci.digest import Digest
from sigstack.core.oci.manifest import Descriptor
from sigstack.core.oci.reference import Reference
from sigstack.errors import FormatError, VerificationError
from sigstack.oci.evidence import (
    AttachedLayer,
    BundleReferrer,
    ResolvedImage,
    gather,
    resolve,
    tag_warning,
)
from sigstack.oci.sign import Format, ImageSigner, check_format, store_bundle
from sigstack.oci.store import Store, store_for
from sigstack.oci.verify import (
    CHECK_ANNOTATIONS,
    CHECK_CA,
    CHECK_CLAIMS,
    CHECK_KEY,
    CHECK_TLOG,
    CHECK_VALID_TIME,
    check_annotations,
    load_dsse_bundle,
)
from sigstack.verify import (
    ManagedKey,
    VerificationFailure,
    VerificationResult,
    Verifier,
    statement_of,
)
from sigstack.verify.identity import IdentityPolicy

__all__ = [
    "AttestOutcome",
    "AttestationVerification",
    "NoAttestationsFound",
    "NoMatchingAttestations",
    "SubjectClaimError",
    "VerifiedAttestation",
    "attest_image",
    "verify_attestations",
]


class SubjectClaimError(VerificationFailure):
    """The statement is about another image (none of its subjects is the image digest)."""

    code = "claims"


class NoAttestationsFound(VerificationError):
    """Nothing that could be an attestation is attached to the image (cosign exit code 10)."""

    exit_code = 10


class NoMatchingAttestations(VerificationError):
    """Attestations are attached but none verifies and is of the type asked for."""

    exit_code = 1


@dataclass(frozen=True)
class AttestOutcome:
    """Where :func:`attest_image` stored the attestation; ``warning`` when named by tag."""

    image: Reference  # pinned to its digest
    format: Format
    location: str  # host/repo:sha256-<hex>.att, or host/repo@<referrer digest>
    predicate_type: str
    warning: str | None = None


# -- attesting -------------------------------------------------------------------------------


def _attest_legacy(
    store: Store, image: Reference, document: Mapping[str, Any], predicate_type: str, *,
    replace: bool,
) -> str:  # fmt: skip
    assert image.digest is not None
    attestation = LegacyAttestation.from_bundle(parse_bundle(json.dumps(document)), predicate_type)
    blob = attestation.blob()
    layer = Descriptor.of(blob, DSSE_LAYER, annotations=attestation.annotations())
    tag = attached_tag(image.digest, "att")
    current = store.tagged_manifest(tag)
    existing = current.layers if current is not None else ()
    if replace:
        existing = tuple(
            d for d in existing if d.annotations.get(ANNOTATION_PREDICATE_TYPE) != predicate_type
        )
    return store.put_tagged(tag, (*existing, layer), (blob,))


def attest_image(
    registry: RegistryClient,
    reference: Reference | str,
    signer: ImageSigner,
    *,
    predicate_type: str,
    predicate: Mapping[str, Any],
    format: Format = "bundle",
    repository: str | Store | None = None,
    replace: bool = False,
    clock: Callable[[], datetime] = utc_now,
) -> AttestOutcome:
    """Attest the image ``reference`` names (module docstring) and store the attestation.

    ``predicate_type`` is a URI or a cosign ``--type`` short name.
    """
    check_format(format, signer, "att")
    uri = predicate_type_uri(predicate_type)
    resolved = resolve(registry, reference)
    store = store_for(registry, resolved.reference, repository)
    image = resolved.reference
    statement = image_statement(image.name, resolved.digest, uri, predicate)
    document = signer.sign_dsse(PAYLOAD_TYPE, statement.encode())
    if format == "legacy":
        location = _attest_legacy(store, image, document, uri, replace=replace)
    else:
        location = store_bundle(store, resolved.descriptor, document, uri, clock())
    return AttestOutcome(image, format, location, uri, tag_warning(resolved))


# -- verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedAttestation:
    """One attestation that passed every check."""

    format: Format
    location: str
    result: VerificationResult
    statement: Statement
    envelope: bytes  # the DSSE envelope JSON, as cosign prints it

    def payload(self) -> dict[str, Any]:
        """The signed statement as a JSON document (exactly the signed bytes, parsed)."""
        assert self.result.payload is not None
        value: dict[str, Any] = json.loads(self.result.payload)
        return value


@dataclass(frozen=True)
class AttestationVerification:
    """The outcome of :func:`verify_attestations`: at least one matching attestation."""

    image: ResolvedImage
    predicate_type: str
    attestations: tuple[VerifiedAttestation, ...]
    rejected: tuple[str, ...]  # "<location>: <reason>" of the candidates not kept
    managed_key: bool
    annotations_checked: bool = False

    def checks(self) -> list[str]:
        """The checks cosign lists on stderr (§2.2, §2.3), for what was actually checked."""
        lines = [CHECK_ANNOTATIONS] if self.annotations_checked else []
        lines += [CHECK_CLAIMS, CHECK_TLOG]
        lines += [CHECK_KEY] if self.managed_key else [CHECK_VALID_TIME, CHECK_CA]
        lines.append(f"The attestations are of predicate type {self.predicate_type}")
        return lines


@dataclass(frozen=True)
class _Wanted:
    """What every attestation must claim besides a valid signature (§2.3 step 1)."""

    image: Digest
    annotations: Mapping[str, str]  # -a: each must be among the image subject's annotations


def _claims(result: VerificationResult, wanted: _Wanted) -> Statement:
    """The statement, once its subject digest and the ``-a`` annotations are checked (its
    predicate type is compared by the caller, to tell "another type" from a failure)."""
    statement = statement_of(result)
    digest = wanted.image
    if digest.encoded not in statement.sha256_subjects():
        found = ", ".join(f"sha256:{d}" for d in sorted(statement.sha256_subjects())) or "none"
        raise SubjectClaimError(
            f"the statement is about another image: subject digest {found}, the image is {digest}",
            field="subject",
        )
    if wanted.annotations:
        assert result.payload is not None
        found_annotations = subject_annotations(result.payload, digest)
        check_annotations(wanted.annotations, found_annotations, field="subject[].annotations")
    return statement


def _legacy(
    layer: AttachedLayer, verifier: Verifier, policy: IdentityPolicy | ManagedKey, wanted: _Wanted
) -> VerifiedAttestation:
    if layer.descriptor.media_type != DSSE_LAYER:
        raise FormatError(f"expected a layer of {DSSE_LAYER}, found {layer.descriptor.media_type}")
    attestation = parse_attestation_layer(layer.blob, layer.annotations)
    result = verifier.verify_dsse(attestation_bundle(attestation), policy)
    statement = _claims(result, wanted)
    return VerifiedAttestation("legacy", layer.where, result, statement, layer.blob)


def _bundle(
    referrer: BundleReferrer,
    verifier: Verifier,
    policy: IdentityPolicy | ManagedKey,
    wanted: _Wanted,
) -> VerifiedAttestation:
    bundle, envelope = load_dsse_bundle(referrer)
    result = verifier.verify_dsse(bundle, policy)
    statement = _claims(result, wanted)
    return VerifiedAttestation(
        "bundle", referrer.location, result, statement, envelope_json(envelope)
    )


def verify_attestations(
    registry: RegistryClient,
    reference: Reference | str,
    verifier: Verifier,
    policy: IdentityPolicy | ManagedKey,
    *,
    predicate_type: str = "custom",
    annotations: Mapping[str, str] | None = None,
    repository: str | Store | None = None,
) -> AttestationVerification:
    """Verify the attestations of the image ``reference`` names (module docstring).

    ``annotations`` (``-a``): each key/value must be among the ``annotations`` of the
    statement's subject that is the image (§2.3 step 1).
    """
    uri = predicate_type_uri(predicate_type)
    resolved = resolve(registry, reference)
    wanted = _Wanted(resolved.digest, dict(annotations or {}))
    store = store_for(registry, resolved.reference, repository)
    evidence = gather(store, resolved.digest, kinds=("att", "bundle"))
    verified: list[VerifiedAttestation] = []
    rejected = [str(p) for p in evidence.problems]
    other_types: list[str] = []

    def attempt(where: str, check: Callable[[], VerifiedAttestation]) -> None:
        try:
            item = check()
        except (FormatError, VerificationError) as exc:
            rejected.append(f"{where}: {exc}")
            return
        found = item.statement.predicate_type
        if found == uri:
            verified.append(item)
        else:
            other_types.append(found)
            rejected.append(f"{where}: predicate type {found}, expected {uri}")

    for layer in evidence.attestations:
        attempt(layer.where, partial(_legacy, layer, verifier, policy, wanted))
    for referrer in evidence.bundles:
        attempt(referrer.location, partial(_bundle, referrer, verifier, policy, wanted))
    candidates = len(evidence.attestations) + len(evidence.bundles)
    if not verified:
        if not rejected:
            raise NoAttestationsFound(f"no attestations found for image {resolved}")
        if len(other_types) == candidates and not evidence.problems:
            found = ", ".join(dict.fromkeys(other_types))
            raise NoMatchingAttestations(
                f"none of the attestations matched the predicate type: {uri}, found: {found}"
            )
        raise NoMatchingAttestations(
            f"no matching attestations for image {resolved}: " + "; ".join(rejected)
        )
    return AttestationVerification(
        image=resolved,
        predicate_type=uri,
        attestations=tuple(verified),
        rejected=tuple(rejected),
        managed_key=isinstance(policy, ManagedKey),
        annotations_checked=bool(wanted.annotations),
    )
