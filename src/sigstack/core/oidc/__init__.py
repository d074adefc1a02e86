"""OpenID Connect, pure: JWT verification against a given JWKS, issuers, principals."""
