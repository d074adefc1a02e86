"""The development OIDC issuer (discovery, JWKS, tokens, PKCE, device flow); loopback only.

``open_provider`` reads or creates the keys and remembered issuer URL in a data
directory; ``create_app`` serves a ``Provider`` over HTTP; ``Provider.mint``
signs a token with no browser at all.
"""

from sigstack.services.oidc.app import create_app
from sigstack.services.oidc.provider import Provider, ProviderSettings, open_provider

__all__ = ["Provider", "ProviderSettings", "create_app", "open_provider"]
