"""How long TUF metadata stays valid, and when it is re-signed (ca-tsa-oidc-tuf.md §11.5).

Expiry is what keeps a client from being frozen on stale metadata (TUF specification
§2.2 "freeze attack", checked by clients at §5.3.10, §5.4.4, §5.5.6 and §5.6.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sigstack.errors import FormatError
from sigstack.services.tuf._layout import ROLES

__all__ = ["TufExpiry"]


@dataclass(frozen=True)
class TufExpiry:
    """How long each role's metadata is valid, and when it is re-signed.

    The defaults are the ones §11.5 found to work (the public repository renews its
    online roles at least every 3 days, §11.1). A role is re-signed once less than
    ``refresh_margin`` (a fraction of its lifetime) remains before it expires.
    """

    root: timedelta = timedelta(days=365)
    targets: timedelta = timedelta(days=180)
    snapshot: timedelta = timedelta(days=7)
    timestamp: timedelta = timedelta(days=1)
    refresh_margin: float = 0.5

    def __post_init__(self) -> None:
        for role in ROLES:
            if self.lifetime(role) <= timedelta(0):
                raise FormatError(f"{role} lifetime must be positive", field=f"expiry.{role}")
        if not 0 < self.refresh_margin < 1:
            raise FormatError(
                f"refresh_margin is a fraction between 0 and 1, found {self.refresh_margin}",
                field="expiry.refresh_margin",
            )

    def lifetime(self, role: str) -> timedelta:
        """The validity period of ``role``'s metadata."""
        lifetime: timedelta = getattr(self, role)
        return lifetime

    def due(self, role: str, expires: datetime, now: datetime) -> bool:
        """Whether metadata of ``role`` expiring at ``expires`` must be re-signed at ``now``."""
        return expires - now < self.lifetime(role) * self.refresh_margin
