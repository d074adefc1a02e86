"""Servers (Starlette ASGI apps) and their storage."""
