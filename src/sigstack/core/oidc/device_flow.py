"""The device authorization grant, client side, pure parts (RFC 8628 §3.2, §3.5).

The client asks for a device code, shows the person the user code and where to
type it, then polls the token endpoint: :func:`parse_device_authorization`
checks the first answer, :func:`next_interval` decides after each refused poll
whether to keep polling and how long to wait (ca-tsa-oidc-tuf.md §9.6).
"""

from __future__ import annotations

from dataclasses import dataclass

from sigstack.errors import AuthenticationError, FormatError

__all__ = [
    "DEFAULT_INTERVAL",
    "DEVICE_GRANT_TYPE",
    "SLOW_DOWN_STEP",
    "DeviceAuthorization",
    "next_interval",
    "parse_device_authorization",
]

#: RFC 8628 §3.4: the ``grant_type`` of a device-code token request.
DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
#: RFC 8628 §3.2: without ``interval`` the client waits 5 seconds between polls.
DEFAULT_INTERVAL = 5
#: RFC 8628 §3.5: ``slow_down`` adds 5 seconds to the interval, for this and later polls.
SLOW_DOWN_STEP = 5


@dataclass(frozen=True)
class DeviceAuthorization:
    """The device authorization response (RFC 8628 §3.2)."""

    device_code: str
    user_code: str
    verification_uri: str
    expires_in: int
    interval: int = DEFAULT_INTERVAL
    verification_uri_complete: str | None = None

    def instructions(self) -> str:
        """What to tell the person (RFC 8628 §3.3)."""
        lines = [f"To sign in, visit {self.verification_uri} and enter the code {self.user_code}"]
        if self.verification_uri_complete:
            lines.append(f"  (or open {self.verification_uri_complete})")
        return "\n".join(lines)


def _string(body: dict[str, object], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise FormatError(
            f"expected a non-empty string {name} in the device authorization response "
            f"(RFC 8628 §3.2), found {value!r}",
            field=name,
        )
    return value


def _seconds(body: dict[str, object], name: str, default: int | None) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise FormatError(
            f"expected a positive integer {name} in the device authorization response "
            f"(RFC 8628 §3.2), found {value!r}",
            field=name,
        )
    return value


def parse_device_authorization(body: object) -> DeviceAuthorization:
    """Check the answer of the device authorization endpoint (RFC 8628 §3.2)."""
    if not isinstance(body, dict):
        raise FormatError(
            f"expected a JSON object from the device authorization endpoint, "
            f"found {type(body).__name__}"
        )
    complete = body.get("verification_uri_complete")
    return DeviceAuthorization(
        device_code=_string(body, "device_code"),
        user_code=_string(body, "user_code"),
        # Some issuers (Google) spell it verification_url.
        verification_uri=_string(
            body, "verification_uri" if "verification_uri" in body else "verification_url"
        ),
        expires_in=_seconds(body, "expires_in", None),
        interval=_seconds(body, "interval", DEFAULT_INTERVAL),
        verification_uri_complete=complete if isinstance(complete, str) and complete else None,
    )


def next_interval(error: str, description: str | None, interval: int) -> int:
    """After a refused poll (RFC 8628 §3.5): the seconds to wait before the next one, or raise.

    ``authorization_pending`` keeps the interval, ``slow_down`` lengthens it by
    :data:`SLOW_DOWN_STEP`; ``access_denied``, ``expired_token`` and any other
    error end the sign-in with an :class:`~sigstack.errors.AuthenticationError`.
    """
    if error == "authorization_pending":
        return interval
    if error == "slow_down":
        return interval + SLOW_DOWN_STEP
    if error == "expired_token":
        raise AuthenticationError(
            "the device code expired before the sign-in was approved (RFC 8628 §3.5 "
            "expired_token); run the command again and enter the new code sooner"
        )
    if error == "access_denied":
        raise AuthenticationError(
            "the sign-in was refused on the verification page (RFC 8628 §3.5 access_denied)"
        )
    detail = f": {description}" if description else ""
    raise AuthenticationError(f"the issuer refused the device sign-in ({error}){detail}")
