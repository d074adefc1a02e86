"""The certificate-transparency log service (RFC 6962 /ct/v1) over the log engine."""
