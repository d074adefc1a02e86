"""The development OIDC issuer (discovery, JWKS, tokens, PKCE, device flow); loopback only."""
