"""Sigstore trust material, pure: TrustedRoot, SigningConfig, ClientTrustConfig."""
