"""Pure core: bytes and values in, values out.

Nothing in here opens a socket or a file, reads the environment, spawns a
process or reads the wall clock: ``now`` is always a parameter. import-linter
(``pyproject.toml``) and ruff (``core/ruff.toml``) enforce it.
"""
