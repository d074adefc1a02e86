"""Client of an OIDC issuer's endpoints for signing sign-ins (sigstore-clients.md §8.1).

* discovery: ``GET {issuer}/.well-known/openid-configuration`` (OIDC Discovery §4);
* the token endpoint (RFC 6749 §3.2): authorization code exchange with the PKCE
  verifier (RFC 6749 §4.1.3, RFC 7636 §4.5) and device-code polls (RFC 8628 §3.4),
  the client authenticated with HTTP Basic ``client_id:client_secret`` (the
  secret empty for a public client, as sigstore-python and cosign send it);
* the device authorization endpoint (RFC 8628 §3.1), then polling that honours
  ``interval``, ``slow_down``, ``authorization_pending`` and ``expired_token`` (§3.5).

Errors: transport failures and unexpected answers are :class:`~sigstack.errors.NetworkError`;
a token endpoint refusal in the RFC 6749 §5.2 shape is a :class:`TokenEndpointError`
(an :class:`~sigstack.errors.AuthenticationError`) carrying ``error`` and its description.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from sigstack import __version__
from sigstack.clients._http import DEFAULT_TIMEOUT, ContextClosing, _server_message, decode_json
from sigstack.core.oidc.device_flow import (
    DEVICE_GRANT_TYPE,
    DeviceAuthorization,
    next_interval,
    parse_device_authorization,
)
from sigstack.core.oidc.discovery import ProviderMetadata, discovery_url, parse_provider_metadata
from sigstack.core.oidc.pkce import Pkce
from sigstack.errors import AuthenticationError, NetworkError

__all__ = ["OIDCClient", "TokenEndpointError"]

_USER_AGENT = f"sigstack/{__version__}"
_FORM = {"Accept": "application/json"}


class TokenEndpointError(AuthenticationError):
    """The token endpoint refused (RFC 6749 §5.2; RFC 8628 §3.5 adds its codes)."""

    def __init__(self, message: str, *, error: str, description: str | None) -> None:
        super().__init__(message)
        self.error = error
        self.description = description


class OIDCClient(ContextClosing):
    """The endpoints of one OIDC issuer, for a public client ``client_id``."""

    def __init__(
        self,
        issuer: str,
        *,
        client_id: str = "sigstore",
        client_secret: str = "",
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self._auth = httpx.BasicAuth(client_id, client_secret)
        self._client = httpx.Client(
            transport=transport, timeout=timeout, headers={"User-Agent": _USER_AGENT}
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            kind = type(exc).__name__
            raise NetworkError(
                f"{method} {url}: cannot reach the OIDC issuer ({kind}: {exc})"
            ) from exc

    def discover(self) -> ProviderMetadata:
        """The issuer's endpoints, from its discovery document (OIDC Discovery §4)."""
        url = discovery_url(self.issuer)
        response = self._send("GET", url)
        if not response.is_success:
            raise NetworkError(
                f"GET {url}: the OIDC issuer answered HTTP {response.status_code}: "
                f"{_server_message(response)}"
            )
        return parse_provider_metadata(decode_json(response), self.issuer)

    def _token_request(self, metadata: ProviderMetadata, form: Mapping[str, str]) -> Any:
        url = metadata.token_endpoint
        response = self._send("POST", url, data=dict(form), auth=self._auth, headers=_FORM)
        if response.is_success:
            return decode_json(response)
        refusal = _oauth_error(response)
        if refusal is not None:
            error, description = refusal
            raise TokenEndpointError(
                f"POST {url}: the issuer refused the token request: {error}"
                + (f": {description}" if description else ""),
                error=error,
                description=description,
            )
        raise NetworkError(
            f"POST {url}: the OIDC issuer answered HTTP {response.status_code}: "
            f"{_server_message(response)}"
        )

    def exchange_code(
        self, metadata: ProviderMetadata, *, code: str, redirect_uri: str, pkce: Pkce
    ) -> Any:
        """The token response for an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.5)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": pkce.verifier,
        }
        return self._token_request(metadata, form)

    def start_device_flow(
        self, metadata: ProviderMetadata, *, scope: str, pkce: Pkce
    ) -> DeviceAuthorization:
        """Ask for a device and user code (RFC 8628 §3.1); PKCE as cosign sends it (§9.6)."""
        url = metadata.device_authorization_endpoint
        if url is None:
            raise AuthenticationError(
                f"the issuer {self.issuer} advertises no device_authorization_endpoint"
            )
        form = {
            "client_id": self.client_id,
            "scope": scope,
            "code_challenge": pkce.challenge,
            "code_challenge_method": pkce.method,
        }
        response = self._send("POST", url, data=form, headers=_FORM)
        if not response.is_success:
            raise AuthenticationError(
                f"POST {url}: the issuer refused the device authorization request "
                f"(HTTP {response.status_code}): {_error_text(response)}"
            )
        return parse_device_authorization(decode_json(response))

    def poll_device_flow(
        self,
        metadata: ProviderMetadata,
        device: DeviceAuthorization,
        *,
        pkce: Pkce,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> Any:
        """Poll the token endpoint until the person approves (RFC 8628 §3.4–3.5).

        Waits ``interval`` seconds before each poll; ``slow_down`` lengthens the
        interval by 5 s; gives up when ``expires_in`` has passed, as the issuer does.
        """
        deadline = monotonic() + device.expires_in
        interval = device.interval
        form = {
            "grant_type": DEVICE_GRANT_TYPE,
            "device_code": device.device_code,
            "client_id": self.client_id,
            "code_verifier": pkce.verifier,
        }
        while True:
            if monotonic() + interval > deadline:
                raise AuthenticationError(
                    f"the device code expired after {device.expires_in} s without the sign-in "
                    "being approved; run the command again"
                )
            sleep(interval)
            try:
                return self._token_request(metadata, form)
            except TokenEndpointError as exc:
                interval = next_interval(exc.error, exc.description, interval)


def _oauth_error(response: httpx.Response) -> tuple[str, str | None] | None:
    """``(error, error_description)`` of an RFC 6749 §5.2 refusal, or ``None``."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return None
    description = body.get("error_description")
    return str(body["error"]), description if isinstance(description, str) else None


def _error_text(response: httpx.Response) -> str:
    refusal = _oauth_error(response)
    if refusal is None:
        return _server_message(response)
    error, description = refusal
    return error + (f": {description}" if description else "")
