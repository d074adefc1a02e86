"""Identity policies over a Fulcio certificate (sigstore-clients.md §9.4, step 3 of §9.2).

A policy is any object with ``verify(cert) -> None`` that raises
:class:`~sigstack.verify.errors.IdentityError` saying what was expected and what was found.
The SAN identity is matched among email, URI and Fulcio's username otherName (DER
UTF8String, decoded correctly — unlike sigstore-python); the issuer is the ``.1.8``
UTF8String extension, else the legacy raw ``.1.1`` one (§10 #14).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from cryptography import x509

from sigstack.core.keys import certificate_identities
from sigstack.core.x509.extensions import decode_fulcio_extensions
from sigstack.verify.errors import IdentityError

__all__ = [
    "AllOf",
    "AnyOf",
    "Extension",
    "GitHubWorkflow",
    "Identity",
    "IdentityPolicy",
    "IdentityRegex",
    "Issuer",
    "UnsafeNoIdentityCheck",
    "certificate_issuer",
    "certificate_san",
]

_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"
_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"


class IdentityPolicy(Protocol):
    """What :class:`~sigstack.verify.verifier.Verifier` asks of a policy."""

    def verify(self, cert: x509.Certificate) -> None:
        """Raise :class:`IdentityError` unless ``cert`` satisfies the policy."""
        ...


class _Facts(NamedTuple):
    cert: x509.Certificate
    issuer: str | None
    identities: tuple[str, ...]


_last: list[_Facts | None] = [None]  # one slot


def _facts(cert: x509.Certificate) -> _Facts:
    """Issuer and SANs of ``cert``, read once per certificate *object*.

    The policy and the result both read them during one verification. The memo holds only
    the last object (compared by identity, and kept alive so its id is not reused); the
    verifier loads a new certificate object per bundle, so nothing carries over between
    verifications."""
    last = _last[0]
    if last is not None and last.cert is cert:
        return last
    values = decode_fulcio_extensions(cert)
    facts = _Facts(
        cert,
        values.get(_ISSUER_V2) or values.get(_ISSUER_V1),
        tuple(certificate_identities(cert)),
    )
    _last[0] = facts
    return facts


def certificate_issuer(cert: x509.Certificate) -> str | None:
    """The OIDC issuer the certificate records (``.1.8``, else ``.1.1``), or ``None``."""
    return _facts(cert).issuer


def certificate_san(cert: x509.Certificate) -> list[str]:
    """The certificate's identities: emails, URIs, DNS, IPs, Fulcio username otherName."""
    return list(_facts(cert).identities)


def _check_issuer(cert: x509.Certificate, matches: object, expected: str) -> str:
    found = certificate_issuer(cert)
    if found is None or not (matches(found) if callable(matches) else found == matches):
        raise IdentityError(f"expected OIDC issuer {expected}, found {found!r}", field="issuer")
    return found


@dataclass(frozen=True)
class Identity:
    """Exact SAN ``subject`` and exact OIDC ``issuer`` (cosign ``--certificate-identity``)."""

    subject: str
    issuer: str

    def verify(self, cert: x509.Certificate) -> None:
        """Step 3: issuer equal, then some SAN equal to ``subject``."""
        _check_issuer(cert, self.issuer, repr(self.issuer))
        sans = certificate_san(cert)
        if self.subject not in sans:
            raise IdentityError(
                f"expected identity {self.subject!r}, found {sans}", field="identity"
            )


@dataclass(frozen=True)
class Issuer:
    """Only the OIDC issuer, exactly (sigstore-python ``OIDCIssuer``); combine with AllOf."""

    issuer: str

    def verify(self, cert: x509.Certificate) -> None:
        """Step 3: the certificate's issuer equals ``issuer``."""
        _check_issuer(cert, self.issuer, repr(self.issuer))


@dataclass(frozen=True)
class IdentityRegex:
    """Regular expressions for the SAN and the issuer (``--certificate-identity-regexp``).

    Each must match the whole value (``re.fullmatch``): an unanchored search would let
    ``https://github.com/org/`` accept ``https://github.com/org/../evil``-style look-alikes.
    Either pattern may be an exact string instead by passing :func:`re.escape` of it.
    """

    subject_pattern: str
    issuer_pattern: str

    def verify(self, cert: x509.Certificate) -> None:
        """Step 3: issuer matches, then some SAN matches."""
        issuer_re = re.compile(self.issuer_pattern)
        _check_issuer(cert, issuer_re.fullmatch, f"matching /{self.issuer_pattern}/")
        subject_re = re.compile(self.subject_pattern)
        sans = certificate_san(cert)
        if not any(subject_re.fullmatch(s) for s in sans):
            raise IdentityError(
                f"expected an identity matching /{self.subject_pattern}/, found {sans}",
                field="identity",
            )


@dataclass(frozen=True)
class Extension:
    """One Fulcio extension (dotted OID, §9.4 tables) equal to ``value``, decoded per its OID."""

    oid: str
    value: str

    def verify(self, cert: x509.Certificate) -> None:
        """Step 3: the extension is present with exactly ``value``."""
        found = decode_fulcio_extensions(cert).get(self.oid)
        if found != self.value:
            raise IdentityError(
                f"expected extension {self.oid} = {self.value!r}, found {found!r}",
                field=f"extensions.{self.oid}",
            )


#: GitHub workflow claim → (legacy raw OID, newer UTF8String OID or None) (§9.4).
_GITHUB_CLAIMS = {
    "trigger": ("1.3.6.1.4.1.57264.1.2", "1.3.6.1.4.1.57264.1.20"),
    "sha": ("1.3.6.1.4.1.57264.1.3", "1.3.6.1.4.1.57264.1.13"),
    "name": ("1.3.6.1.4.1.57264.1.4", None),
    "repository": ("1.3.6.1.4.1.57264.1.5", None),
    "ref": ("1.3.6.1.4.1.57264.1.6", "1.3.6.1.4.1.57264.1.14"),
}


@dataclass(frozen=True)
class GitHubWorkflow:
    """GitHub Actions claims (``sigstore verify github``): each given one must match exactly.

    Read from the legacy extensions (``.1.2``-``.1.6``), else from their newer equivalents
    (``.1.20``, ``.1.13``, ``.1.14``). At least one claim is required.
    """

    repository: str | None = None
    ref: str | None = None
    sha: str | None = None
    trigger: str | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if all(getattr(self, claim) is None for claim in _GITHUB_CLAIMS):
            raise ValueError("GitHubWorkflow needs at least one claim to check")

    def verify(self, cert: x509.Certificate) -> None:
        """Step 3: every given claim equals the certificate's."""
        values = decode_fulcio_extensions(cert)
        for claim, (legacy, newer) in _GITHUB_CLAIMS.items():
            expected = getattr(self, claim)
            if expected is None:
                continue
            found = values.get(legacy) or (values.get(newer) if newer else None)
            if found != expected:
                raise IdentityError(
                    f"expected GitHub workflow {claim} {expected!r}, found {found!r}",
                    field=f"extensions.{legacy}",
                )


@dataclass(frozen=True)
class AnyOf:
    """Satisfied when at least one child policy is."""

    policies: Sequence[IdentityPolicy]

    def verify(self, cert: x509.Certificate) -> None:
        """Try each child in order; raise listing every child's reason if none passes."""
        reasons = []
        for policy in self.policies:
            try:
                policy.verify(cert)
            except IdentityError as exc:
                reasons.append(str(exc))
            else:
                return
        raise IdentityError(f"no policy of AnyOf matched: {reasons}", field="identity")


@dataclass(frozen=True)
class AllOf:
    """Satisfied when every child is; an empty AllOf is an error, never a pass (§9.4)."""

    policies: Sequence[IdentityPolicy]

    def __post_init__(self) -> None:
        if not self.policies:
            raise ValueError("AllOf needs at least one policy: an empty AllOf would accept anyone")

    def verify(self, cert: x509.Certificate) -> None:
        """Every child must pass; the first failure is raised."""
        for policy in self.policies:
            policy.verify(cert)


@dataclass(frozen=True)
class UnsafeNoIdentityCheck:
    """Accept any identity. UNSAFE: proves only that *someone* with a Fulcio cert signed."""

    def verify(self, cert: x509.Certificate) -> None:
        """Accept every certificate."""
        del cert
