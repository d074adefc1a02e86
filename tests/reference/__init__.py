"""Naive reference implementations used only to cross-check the real code."""
