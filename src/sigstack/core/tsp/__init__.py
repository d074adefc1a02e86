"""Time-Stamp Protocol (RFC 3161), pure: parse requests, build and verify responses."""
