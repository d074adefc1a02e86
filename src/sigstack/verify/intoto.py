"""What a verified DSSE bundle says, checked: the in-toto statement, its subjects, its type.

:meth:`Verifier.verify_dsse` proves who signed the envelope; these checks say what it
is about (sigstore-clients.md §9.2: sigstore-python's ``verify_dsse`` leaves the payload
to the caller, cosign's ``verify-blob-attestation`` checks the subject and ``--type``):

* :func:`statement_of`: the payload type is ``application/vnd.in-toto+json`` and the
  payload a well-formed statement (:func:`sigstack.core.intoto.parse_statement`);
* :func:`check_subject`: the artifact's SHA-256 is one of the subjects;
* :func:`check_predicate_type`: the predicate type is the expected one (cosign short
  names allowed).
"""

from __future__ import annotations

import hashlib

from sigstack.core.intoto import PAYLOAD_TYPE, Statement, parse_statement, predicate_type_uri
from sigstack.errors import FormatError
from sigstack.verify.errors import MessageDigestError, VerificationFailure
from sigstack.verify.result import VerificationResult
from sigstack.verify.verifier import Digest

__all__ = [
    "PredicateTypeError",
    "StatementError",
    "check_predicate_type",
    "check_subject",
    "statement_of",
]


class StatementError(VerificationFailure):
    """The DSSE payload is not an in-toto statement."""

    code = "in-toto-statement"


class PredicateTypeError(VerificationFailure):
    """The statement's predicate type is not the one asked for."""

    code = "predicate-type"


def statement_of(result: VerificationResult) -> Statement:
    """The in-toto statement a verified DSSE bundle carries; :class:`StatementError` if none."""
    if result.payload is None:
        raise StatementError("expected a DSSE bundle, found a message signature")
    if result.payload_type != PAYLOAD_TYPE:
        raise StatementError(
            f"expected payload type {PAYLOAD_TYPE}, found {result.payload_type!r}",
            field="dsseEnvelope.payloadType",
        )
    try:
        return parse_statement(result.payload)
    except FormatError as exc:
        raise StatementError(exc.message, field=exc.field) from exc


def check_subject(result: VerificationResult, artifact: bytes | Digest) -> Statement:
    """The artifact (bytes, or a SHA-256 :class:`Digest`) must be a subject of the statement.

    Returns the statement. :class:`MessageDigestError` (code ``message-digest``) when it
    is not a subject.
    """
    statement = statement_of(result)
    if isinstance(artifact, Digest):
        if artifact.algorithm != "sha256":
            raise MessageDigestError(f"expected a sha256 digest, found {artifact.algorithm}")
        digest = artifact.value
    else:
        digest = hashlib.sha256(artifact).digest()
    subjects = statement.sha256_subjects()
    if digest.hex() not in subjects:
        names = ", ".join(s.name or "(unnamed)" for s in statement.subjects)
        raise MessageDigestError(
            f"sha256:{digest.hex()} is not a subject of the statement (subjects: {names})"
        )
    return statement


def check_predicate_type(statement: Statement, expected: str) -> None:
    """The statement's ``predicateType`` must be ``expected`` (a URI or a cosign short name)."""
    try:
        wanted = predicate_type_uri(expected)
    except FormatError as exc:
        raise PredicateTypeError(exc.message, field="predicateType") from exc
    if statement.predicate_type != wanted:
        raise PredicateTypeError(
            f"expected predicate type {wanted}, found {statement.predicate_type}",
            field="predicateType",
        )
