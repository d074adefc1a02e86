"""The certificate-transparency log service (RFC 6962 /ct/v1) over the log engine.

``open_ctlog`` → :class:`CTLog` (``add_pre_chain`` / ``add_chain`` return SCTs);
``ctlog_routes`` serves it; ``create_app`` is a standalone app around both.
"""

from sigstack.services.ctlog.app import create_app, ctlog_identity, open_ctlog
from sigstack.services.ctlog.ctlog import CTLog, SignedTreeHead
from sigstack.services.ctlog.routes import ctlog_routes
from sigstack.services.ctlog.settings import CTLogSettings

__all__ = [
    "CTLog",
    "CTLogSettings",
    "SignedTreeHead",
    "create_app",
    "ctlog_identity",
    "ctlog_routes",
    "open_ctlog",
]
