"""Keyless signing: :class:`SigningContext` (where, and which CT keys) and :class:`Signer`.

key → CSR → certificate (embedded SCT checked) → signature → timestamps → log entry →
bundle v0.3 (sigstore-clients.md §4–§7; ARCHITECTURE §2: orchestrates ``clients`` and
``core``). :class:`KeySigner` signs with a managed key instead (cosign ``--key``): no
certificate, the bundle names the key by ``publicKey.hint``.
"""

from typing import TYPE_CHECKING, Any

from sigstack.sign.bundle import BUNDLE_MEDIA_TYPE
from sigstack.sign.context import SigningContext
from sigstack.sign.signer import Signer

if TYPE_CHECKING:
    from sigstack.sign.key_signer import KeySigner

__all__ = ["BUNDLE_MEDIA_TYPE", "KeySigner", "Signer", "SigningContext"]


def __getattr__(name: str) -> Any:
    """``KeySigner`` on first use (PEP 562): keyless ``sign-blob`` never loads it."""
    if name == "KeySigner":
        from sigstack.sign.key_signer import KeySigner

        return KeySigner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
