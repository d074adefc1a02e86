"""The one exception root of sigstack, and its tree.

Every seam (HTTP, SQLite, cryptography, JSON) converts foreign exceptions into
these types, so a caller needs ``except sigstack.errors.Error`` and nothing else.
Verification raises; it never returns ``False``.

::

    Error
    ├── FormatError            input that does not parse or is not of the expected shape (HTTP 400)
    │   └── UnsupportedError   well-formed, but naming a kind, version, algorithm or key we refuse
    ├── AuthenticationError    an identity token missing, malformed, expired or untrusted (HTTP 401)
    ├── VerificationError      a signature, proof or checkpoint that does not verify (HTTP 422)
    │   ├── SignatureError     a signature over an entry, note or SET does not verify
    │   └── ProofError         an inclusion or consistency proof does not lead to the expected root
    ├── LogError               the transparency log refuses or cannot serve a request
    │   ├── DuplicateEntryError  the entry is already in the log (HTTP 409); carries its index
    │   ├── EntryTooLargeError   the entry is over the configured size limit (HTTP 413)
    │   ├── PushbackError        the sequencer is too far behind; retry later (HTTP 503)
    │   └── NotFoundError        no such entry, tile, size or key (HTTP 404)
    ├── StorageError           the storage backend failed (HTTP 500, message kept generic)
    └── NetworkError           an outbound request failed (client side)

Each error carries an optional ``field``: the JSON path or argument that was wrong,
so that servers can answer ``{"code": 400, "message": "spec.signature.content: ..."}``.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "DuplicateEntryError",
    "EntryTooLargeError",
    "Error",
    "FormatError",
    "LogError",
    "NetworkError",
    "NotFoundError",
    "ProofError",
    "PushbackError",
    "SignatureError",
    "StorageError",
    "UnsupportedError",
    "VerificationError",
]


class Error(Exception):
    """Root of every exception sigstack raises on purpose."""

    #: HTTP status a server answers with when this error reaches it.
    status: int = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class FormatError(Error):
    """Input that does not parse, or is not of the expected shape."""

    status = 400


class UnsupportedError(FormatError):
    """Well-formed input naming a kind, version, algorithm or key type we do not accept."""


class AuthenticationError(Error):
    """An identity (OIDC) token is missing, malformed, expired, or from an untrusted issuer."""

    status = 401


class VerificationError(Error):
    """Something that should verify does not."""

    status = 422


class SignatureError(VerificationError):
    """A signature does not verify with the key it claims."""


class ProofError(VerificationError):
    """A Merkle inclusion or consistency proof does not verify."""


class LogError(Error):
    """The transparency log refuses, or cannot serve, a request."""

    status = 400


class DuplicateEntryError(LogError):
    """The entry is already in the log; ``index`` is where it stands."""

    status = 409

    def __init__(self, message: str, *, index: int, leaf_hash: bytes) -> None:
        super().__init__(message)
        self.index = index
        self.leaf_hash = leaf_hash


class EntryTooLargeError(LogError):
    """The entry is larger than the configured limit."""

    status = 413


class PushbackError(LogError):
    """Too many entries wait for integration; the client should retry later."""

    status = 503

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFoundError(LogError):
    """No such entry, tile, tree size or key."""

    status = 404


class StorageError(Error):
    """The storage backend failed (disk full, database locked too long, corruption)."""

    status = 500


class NetworkError(Error):
    """An outbound HTTP request failed or answered with an error."""

    status = 502
