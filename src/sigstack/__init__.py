"""sigstack: a whole private Sigstore in one Python package.

Where things live (layers, lowest first; see docs/architecture.md):

- ``sigstack.core``: pure functions and values (Merkle trees, signed notes,
  log entry kinds). No I/O, no clock.
- ``sigstack.clients``: outbound HTTP (talking to a transparency log).
- ``sigstack.services``: the ASGI servers and their storage (the transparency log).
- ``sigstack.cli``: the ``sigstack`` command.
- ``sigstack.errors``: the one exception root.
"""

__version__ = "0.1.0"
