"""Shared test configuration. Tests never touch a non-loopback network."""
