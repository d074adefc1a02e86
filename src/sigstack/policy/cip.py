"""The ClusterImagePolicy engine: policy-controller's validating webhook decision (§3.3, §3.4).

For each image of a resource (oci-and-policy.md §3.3): a reference without a digest is
refused (``invalid value: <image> must be an image digest``) unless ``require_digest`` is
off (the tester resolves tags first). Then the ClusterImagePolicies whose globs (§3.2) and
``spec.match`` cover the image are looked up. None → ``no-match-policy`` decides (``deny``,
the default, ``warn`` or ``allow``). Otherwise **every** matching policy must pass (AND);
within one, **any** authority passing is enough (OR), and then its CEL ``spec.policy`` must
hold over the PolicyResult. A failing ``mode: warn`` policy gives warnings instead.

Authorities (§3.4):

* ``static``: ``pass``, or fail with ``disallowed by static policy: <message>``;
* ``key``: any of the keys (PEM blocks of ``data`` or the Secret's) verifies a signature, by
  :func:`sigstack.oci.verify.verify_image` with a :class:`~sigstack.verify.ManagedKey`;
* ``keyless``: the certificate chains to the authority's TrustRoot (``trustRootRef``) or the
  engine's trusted root, and matches one of the identities (cosign's semantics: exact
  strings or **unanchored** Go-style regexps, as ``regexp.MatchString``);
* ``source[0].oci``: signatures and attestations are read from that repository;
* ``attestations``: for each wanted predicate type :func:`sigstack.oci.attest.verify_attestations`,
  then its CEL policy over every verified statement of that type.

Each authority's verdict for one image is routed through the caller's :data:`Memo` under
``(repository@digest, authority content hash, trust-root version)``: never a tag.

Where sigstack differs from upstream (documented, deliberate): tlog evidence is always
verified (upstream skips it for ``key`` authorities without ``ctlog``); both storage
formats count for signatures (as cosign v3 and policy-controller PR #1968), whatever
``signatureFormat`` says; policies are CEL, not CUE/Rego (refused at load time).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cryptography import x509

from sigstack.clients.registry import RegistryClient
from sigstack.core.oci.reference import Reference, parse_reference
from sigstack.core.policy import decision as msg
from sigstack.core.policy.cel import compile_cel, statement_variables
from sigstack.core.policy.cip import (
    Attestation,
    Authority,
    ClusterImagePolicy,
    IdentitySpec,
    MatchResource,
)
from sigstack.core.policy.decision import FieldError
from sigstack.core.policy.glob import glob_matches
from sigstack.core.policy.trustroot import TrustRootSpec
from sigstack.core.trust import TrustedRoot
from sigstack.errors import Error, FormatError, VerificationError
from sigstack.oci.attest import NoAttestationsFound, NoMatchingAttestations
from sigstack.oci.attest import verify_attestations as _verify_attestations
from sigstack.oci.store import Store
from sigstack.oci.verify import NoMatchingSignatures, NoSignaturesFound
from sigstack.oci.verify import verify_image as _verify_image
from sigstack.policy._evidence import Registries, trust_version
from sigstack.policy.engine import ImageAt, Memo, Outcome, ResourceContext, memo_key, no_memo
from sigstack.verify import IdentityError, ManagedKey, Verifier
from sigstack.verify.identity import IdentityPolicy, certificate_issuer, certificate_san

__all__ = ["AuthorityVerdict", "ClusterImagePolicyEngine", "CosignIdentities"]

NoMatchPolicy = Literal["deny", "warn", "allow"]
_PEM_KEY = re.compile(
    r"-----BEGIN (?:[A-Z ]+ )?PUBLIC KEY-----.+?-----END (?:[A-Z ]+ )?PUBLIC KEY-----", re.S
)


@dataclass(frozen=True)
class CosignIdentities:
    """cosign's ``CheckOpts.Identities``: any one identity matching (§2.1 step c).

    An identity is an issuer (exact or regexp) and a subject (exact or regexp) matched
    against the certificate's OIDC issuer and each SAN; regexps search like Go's
    ``regexp.MatchString`` (anchor them with ``^…$`` to match whole values).
    """

    identities: tuple[IdentitySpec, ...]

    @staticmethod
    def _matches(exact: str | None, pattern: str | None, value: str | None) -> bool:
        if value is None:
            return False
        if exact is not None:
            return value == exact
        return pattern is not None and re.search(pattern, value) is not None

    def verify(self, cert: x509.Certificate) -> None:
        """Raise :class:`IdentityError` with cosign's message when no identity matches."""
        issuer = certificate_issuer(cert)
        sans = certificate_san(cert)
        for identity in self.identities:
            if self._matches(identity.issuer, identity.issuer_regexp, issuer) and any(
                self._matches(identity.subject, identity.subject_regexp, san) for san in sans
            ):
                return
        raise IdentityError(
            "none of the expected identities matched what was in the certificate, got "
            f"subjects [{', '.join(sans)}] with issuer {issuer or ''}",
            field="identity",
        )


@dataclass(frozen=True)
class AuthorityVerdict:
    """One authority's answer for one image: passed, or the error text (§3.5)."""

    ok: bool
    error: str = ""
    match: Mapping[str, Any] = field(default_factory=dict)  # PolicyResult authorityMatches entry


VerifySignatures = Callable[..., Any]
VerifyAttestations = Callable[..., Any]


def _guess_resource(kind: str) -> str:
    """``meta.UnsafeGuessKindToResource``: lower-case plural of the kind."""
    lower = kind.lower()
    if not lower:
        return ""
    if lower.endswith("s"):
        return lower + "es"
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def _resource_matches(match: MatchResource, context: ResourceContext) -> bool:
    group, _, version = context.api_version.rpartition("/")
    if match.group != group:
        return False
    if match.version not in ("*", version):
        return False
    if match.resource and match.resource != _guess_resource(context.kind):
        return False
    if match.match_labels:
        metadata = context.obj.get("metadata") or {}
        labels = metadata.get("labels") or {} if isinstance(metadata, Mapping) else {}
        return all(labels.get(k) == v for k, v in match.match_labels)
    return True


def _one_per_line(prefix: str, text: str) -> str:
    """``<prefix>: <reason>\n <reason>…``: our ``what: a; b`` reasons one per line, as
    cosign's multi-error prints them (§3.5)."""
    _, _, reasons = text.partition(": ")
    return f"{prefix}: " + "\n ".join(reasons.split("; "))


def _cosign_cause(exc: Error) -> str:
    """cosign's inner error text for one of our refusals (§3.5 "typical cosign errors")."""
    if isinstance(exc, NoSignaturesFound):
        return "no signatures found"
    if isinstance(exc, NoMatchingSignatures):
        return _one_per_line("no matching signatures", exc.message)
    if isinstance(exc, NoAttestationsFound):
        return f"no matching attestations: {exc.message}"
    if isinstance(exc, NoMatchingAttestations):
        return _one_per_line("no matching attestations", exc.message)
    return exc.message


class ClusterImagePolicyEngine:
    """policy-controller's ClusterImagePolicy decision, an :class:`~.engine.Engine`."""

    name = "policy.sigstore.dev"

    def __init__(
        self,
        policies: Sequence[ClusterImagePolicy],
        *,
        registry_factory: Callable[[str], RegistryClient],
        trust: TrustedRoot | None,
        clock: Callable[[], datetime],
        memo: Memo = no_memo,
        no_match_policy: NoMatchPolicy = "deny",
        require_digest: bool = True,
        trust_roots: Mapping[str, TrustRootSpec] | None = None,
        secrets: Mapping[str, bytes] | None = None,
        verify_signatures: VerifySignatures = _verify_image,
        verify_attestations: VerifyAttestations = _verify_attestations,
    ) -> None:
        if no_match_policy not in ("deny", "warn", "allow"):
            raise FormatError(
                f"expected no-match-policy deny|warn|allow, found {no_match_policy!r}"
            )
        self.policies = tuple(policies)
        self._registry = Registries(registry_factory)
        self._default_trust = trust
        self._default_version = trust_version(trust)
        self._clock = clock
        self._memo = memo
        self.no_match_policy = no_match_policy
        self.require_digest = require_digest
        self._trust_specs = dict(trust_roots or {})
        self._trust_roots = {n: s.trusted_root() for n, s in self._trust_specs.items()}
        self._secrets = dict(secrets or {})
        self._verify_signatures = verify_signatures
        self._verify_attestations = verify_attestations

    # -- Engine --------------------------------------------------------------------------
    def validate(self, images: Sequence[ImageAt], context: ResourceContext) -> Outcome:
        """Decide on ``images`` (module docstring); never raises for a policy failure."""
        errors: list[FieldError] = []
        warnings: list[FieldError] = []
        for at in images:
            self._image(at, context, errors, warnings)
        return Outcome(
            allowed=not errors,
            message=msg.denial(errors) if errors else "",
            warnings=tuple(msg.warnings_of(warnings)),
        )

    def matching(self, image: str, context: ResourceContext) -> list[ClusterImagePolicy]:
        """The policies whose globs and ``spec.match`` cover ``image`` in ``context``."""
        out = []
        for cip in self.policies:
            if not any(glob_matches(g, image) for g in cip.images):
                continue
            if (
                cip.match
                and context.kind
                and not any(_resource_matches(m, context) for m in cip.match)
            ):
                continue
            out.append(cip)
        return out

    def _image(
        self,
        at: ImageAt,
        context: ResourceContext,
        errors: list[FieldError],
        warnings: list[FieldError],
    ) -> None:
        try:
            ref = parse_reference(at.image)
        except FormatError as exc:
            errors.append(FieldError(f"invalid value: {at.image}: {exc.message}", (at.path,)))
            return
        if ref.digest is None:
            if self.require_digest:
                errors.append(msg.not_a_digest(at.path, at.image))
                return
            try:
                pulled = self._registry(ref.registry).get_manifest(ref.repository, ref.identifier)
            except Error as exc:
                errors.append(FieldError(f"invalid value: {at.image}: {exc}", (at.path,)))
                return
            ref = ref.with_digest(pulled.digest)
        matching = self.matching(at.image, context)
        if not matching:
            if self.no_match_policy == "deny":
                errors.append(msg.no_match(at.path, at.image))
            elif self.no_match_policy == "warn":
                warnings.append(msg.no_match(at.path, at.image))
            return
        for cip in matching:
            failures = self.check_policy(cip, ref, context)
            if failures:
                failure = msg.policy_failure(cip.name, at.path, at.image, failures)
                (warnings if cip.mode == "warn" else errors).append(failure)

    # -- one policy ----------------------------------------------------------------------
    def check_policy(
        self, cip: ClusterImagePolicy, ref: Reference, context: ResourceContext
    ) -> list[str]:
        """The errors of ``cip`` for the digest reference ``ref`` (empty: it passes)."""
        verdicts = [(a, self.check_authority(a, ref)) for a in cip.authorities]
        passed = {a.name: v.match for a, v in verdicts if v.ok}
        if not passed:
            return [v.error for _, v in verdicts]
        if cip.policy is None:
            return []
        result: dict[str, Any] = {"authorityMatches": passed}
        obj = context.obj
        if cip.policy.include_spec:
            result["spec"] = obj.get("spec", {})
        if cip.policy.include_object_meta:
            result["metadata"] = obj.get("metadata", {})
        if cip.policy.include_type_meta:
            result["typemeta"] = {"apiVersion": context.api_version, "kind": context.kind}
        program = compile_cel(cip.policy.data, cip.policy.where)
        reason = program.evaluate({"result": result, **result})
        return [] if reason is None else [msg.cip_policy_error("cel", reason)]

    def check_authority(self, authority: Authority, ref: Reference) -> AuthorityVerdict:
        """One authority's verdict for ``ref`` (pinned to a digest), through the memo."""
        if authority.static is not None:
            if authority.static.action == "pass":
                return AuthorityVerdict(True, match={"static": True})
            return AuthorityVerdict(False, msg.static_failure(authority.static.message))
        root_name = self._root_name(authority)
        version = self._trust_specs[root_name].version if root_name else self._default_version
        key = memo_key(self.name, ref, authority.content_hash, version)
        return self._memo(
            key, lambda: self._verify_authority(authority, ref), negative=lambda v: not v.ok
        )

    # -- verification --------------------------------------------------------------------
    @staticmethod
    def _root_name(authority: Authority) -> str | None:
        if authority.keyless is not None and authority.keyless.trust_root_ref:
            return authority.keyless.trust_root_ref
        if authority.ctlog is not None and authority.ctlog.trust_root_ref:
            return authority.ctlog.trust_root_ref
        return authority.rfc3161_trust_root_ref

    def _verifier(self, authority: Authority) -> Verifier | str:
        name = self._root_name(authority)
        root = self._trust_roots[name] if name else self._default_trust
        if root is None:
            return "no trusted root to verify against (give a TrustRoot or a trusted root)"
        return Verifier(root, clock=self._clock)

    def _policies(self, authority: Authority) -> list[IdentityPolicy | ManagedKey] | str:
        """What a signature must match: the identities, or the keys; a text when there are
        no keys (``there are no public keys for authority …``, policy-controller's words)."""
        if authority.keyless is not None:
            return [CosignIdentities(authority.keyless.identities)]
        if authority.key is None:  # the model holds one of key/keyless/static; static is done
            return f"there are no public keys for authority {authority.name}"
        if authority.key.data is not None:
            pem = authority.key.data
        else:
            secret = self._secrets.get(authority.key.secret_ref or "")
            if secret is None:
                return (
                    f"there are no public keys for authority {authority.name} "
                    f"(Secret {authority.key.secret_ref} is not available)"
                )
            pem = secret.decode(errors="replace")
        blocks = _PEM_KEY.findall(pem)
        keys = []
        for block in blocks:
            try:
                keys.append(ManagedKey.from_pem(block.encode()))
            except Error as exc:
                return f"there are no public keys for authority {authority.name}: {exc}"
        if not keys:
            return f"there are no public keys for authority {authority.name}"
        return list(keys)

    def _store(self, authority: Authority) -> Store | None:
        """The repository of ``source[0].oci`` (§3.4), else ``None`` (the image's own)."""
        for source in authority.sources:
            if source.oci:
                return self._registry.store(source.oci)
        return None

    def _verify_authority(self, authority: Authority, ref: Reference) -> AuthorityVerdict:
        kind = "keyless" if authority.keyless is not None else "key"
        what = "attestation" if authority.attestations else "signature"
        ref_name = f"{ref.name}@{ref.digest}"
        verifier = self._verifier(authority)
        if isinstance(verifier, str):
            return AuthorityVerdict(
                False, msg.authority_error(what, kind, authority.name, ref_name, verifier)
            )
        policies = self._policies(authority)
        if isinstance(policies, str):  # no keys: policy-controller says so without a prefix
            return AuthorityVerdict(False, policies)
        try:
            store = self._store(authority)
        except Error as exc:
            return AuthorityVerdict(
                False, msg.authority_error(what, kind, authority.name, ref_name, str(exc))
            )
        registry = self._registry(ref.registry)
        if authority.attestations:
            return self._attestations(
                authority, ref=ref, registry=registry, verifier=verifier, policies=policies,
                store=store, kind=kind,
            )  # fmt: skip
        causes: list[str] = []
        for policy in policies:
            try:
                verified = self._verify_signatures(
                    registry, ref, verifier, policy, repository=store
                )
            except Error as exc:
                cause = _cosign_cause(exc)
                if cause not in causes:
                    causes.append(cause)
                continue
            signatures = [
                {
                    "id": hashlib.sha256(s.location.encode()).hexdigest(),
                    "subject": s.result.identity or "",
                    "issuer": s.result.issuer or "",
                }
                for s in verified.signatures
            ]
            return AuthorityVerdict(True, match={"signatures": signatures})
        cause = "\n ".join(causes)
        return AuthorityVerdict(
            False, msg.authority_error("signature", kind, authority.name, ref_name, cause)
        )

    def _attestations(
        self,
        authority: Authority,
        *,
        ref: Reference,
        registry: RegistryClient,
        verifier: Verifier,
        policies: list[IdentityPolicy | ManagedKey],
        store: Store | None,
        kind: str,
    ) -> AuthorityVerdict:
        ref_name = f"{ref.name}@{ref.digest}"
        matches: dict[str, list[dict[str, Any]]] = {}
        for wanted in authority.attestations:
            outcome = self._one_attestation(
                wanted, ref=ref, registry=registry, verifier=verifier, policies=policies,
                store=store,
            )  # fmt: skip
            if isinstance(outcome, str):
                return AuthorityVerdict(False, outcome)
            if isinstance(outcome, Error):
                cause = _cosign_cause(outcome)
                return AuthorityVerdict(
                    False, msg.authority_error("attestation", kind, authority.name, ref_name, cause)
                )
            matches[wanted.name] = outcome
        return AuthorityVerdict(True, match={"attestations": matches})

    def _one_attestation(
        self,
        wanted: Attestation,
        *,
        ref: Reference,
        registry: RegistryClient,
        verifier: Verifier,
        policies: list[IdentityPolicy | ManagedKey],
        store: Store | None,
    ) -> list[dict[str, Any]] | str | Error:
        """The verified statements' summaries, a finished error text, or the last refusal."""
        last: Error = VerificationError("expected an identity or a key to verify with, found none")
        for policy in policies:
            try:
                verified = self._verify_attestations(
                    registry, ref, verifier, policy,
                    predicate_type=wanted.predicate_type, repository=store,
                )  # fmt: skip
            except NoMatchingAttestations as exc:
                prefix = "none of the attestations matched the predicate type: "
                if exc.message.startswith(prefix):
                    wanted_uri, _, found = exc.message[len(prefix) :].partition(", found: ")
                    return msg.no_matching_attestation_type(wanted_uri, found.split(", "))
                last = exc
                continue
            except Error as exc:
                last = exc
                continue
            summaries = []
            for attestation in verified.attestations:
                statement = attestation.payload()
                if wanted.policy is not None:
                    program = compile_cel(wanted.policy.data, wanted.policy.where)
                    reason = program.evaluate(statement_variables(statement))
                    if reason is not None:
                        return msg.attestation_policy_error("cel", wanted.name, reason)
                summaries.append({
                    "id": hashlib.sha256(attestation.envelope).hexdigest(),
                    "subject": attestation.result.identity or "",
                    "issuer": attestation.result.issuer or "",
                    "predicateType": verified.predicate_type,
                    "digest": str(ref.digest),
                })  # fmt: skip
            return summaries
        return last
