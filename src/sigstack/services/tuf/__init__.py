"""The TUF repository that distributes the trust root (python-tuf; ca-tsa-oidc-tuf.md §11).

``open_repository(DATA/tuf, clock=...)`` creates or reopens it, ``publish`` puts
``trusted_root.json`` and ``signing_config.v0.2.json`` in it, ``keep_fresh`` re-signs
while the stack runs, and ``create_app`` serves it where ``sigstore --instance URL``
looks (TUF specification §5, consistent snapshots §6.2).
"""

from sigstack.services.tuf.app import create_app
from sigstack.services.tuf.expiry import TufExpiry
from sigstack.services.tuf.repository import TufRepository, open_repository

__all__ = ["TufExpiry", "TufRepository", "create_app", "open_repository"]
