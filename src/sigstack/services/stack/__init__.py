"""The whole stack on one port (``sigstack up``, ARCHITECTURE §1).

``open_stack`` opens every service on one data directory and writes the trust files;
``create_app`` mounts them on one ASGI app with one lifespan, ``/healthz`` and
``/metrics``.
"""

from sigstack.services.stack.app import create_app
from sigstack.services.stack.open import TRUST_FILES, Stack, StackSettings, open_stack

__all__ = ["TRUST_FILES", "Stack", "StackSettings", "create_app", "open_stack"]
