"""Helpers for tests (clock, keys). Nothing in the package imports this."""
