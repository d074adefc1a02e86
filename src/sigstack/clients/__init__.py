"""Outbound HTTP clients (httpx)."""
