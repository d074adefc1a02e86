"""The certificate authority service: Fulcio API v2 (signingCert, trustBundle, configuration)."""
