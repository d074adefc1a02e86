"""The RFC 3161 timestamp authority service."""
