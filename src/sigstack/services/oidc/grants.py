"""Pending grants held in memory: authorization codes (RFC 6749 §4.1) and device codes (RFC 8628).

Both are short-lived and few; a restart forgets them, which only makes a
person start the sign-in again. The number outstanding is bounded
(``max_pending``): expired ones are pruned first, then new ones are refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sigstack.services.oidc.oauth import OAuthError, verify_pkce

__all__ = ["AuthorizationCode", "CodeStore", "DeviceGrant", "DeviceStore", "normalize_user_code"]

# RFC 8628 §6.1: 20 consonants (no vowels, so no words; no look-alikes), 8 characters = 34.5 bits.
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
_USER_CODE_LENGTH = 8
# A poll this much earlier than the interval still counts as on time: requests sent exactly
# ``interval`` apart can arrive closer together.
_POLL_JITTER = 0.5


@dataclass(frozen=True)
class AuthorizationCode:
    """What a code stands for (RFC 6749 §4.1.2; RFC 7636 §4.4; OIDC Core §3.1.2.1)."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    email: str
    nonce: str | None
    expires: datetime


class CodeStore:
    """Authorization codes: single use, short-lived, bound to client, redirect and challenge."""

    def __init__(self, clock: Callable[[], datetime], lifetime: int, max_pending: int) -> None:
        self._clock = clock
        self._lifetime = timedelta(seconds=lifetime)
        self._max = max_pending
        self._codes: dict[str, AuthorizationCode] = {}

    def issue(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        code_challenge: str,
        email: str,
        nonce: str | None,
    ) -> str:
        """A fresh code (RFC 6749 §4.1.2: short-lived, 10 minutes at most)."""
        now = self._clock()
        if len(self._codes) >= self._max:
            self._codes = {c: g for c, g in self._codes.items() if g.expires > now}
            if len(self._codes) >= self._max:
                raise OAuthError(
                    "temporarily_unavailable",
                    "too many sign-ins in progress; try again shortly",
                    status=503,
                )
        code = secrets.token_urlsafe(32)
        self._codes[code] = AuthorizationCode(
            client_id, redirect_uri, code_challenge, email, nonce, now + self._lifetime
        )
        return code

    def redeem(
        self, code: str, *, client_id: str, redirect_uri: str | None, code_verifier: str | None
    ) -> AuthorizationCode:
        """Exchange ``code`` (RFC 6749 §4.1.3), consuming it whatever the outcome.

        A code is tried once: a second attempt fails, as RFC 6749 §4.1.2 requires
        for a reused code, and a wrong verifier cannot be retried (RFC 7636 §4.6).
        """
        grant = self._codes.pop(code, None)
        if grant is None:
            raise OAuthError("invalid_grant", "unknown or already used authorization code")
        if grant.expires <= self._clock():
            raise OAuthError("invalid_grant", "the authorization code has expired; sign in again")
        if grant.client_id != client_id:
            raise OAuthError(
                "invalid_grant",
                f"the code was issued to client {grant.client_id!r}, not {client_id!r}",
            )
        if redirect_uri != grant.redirect_uri:
            raise OAuthError(
                "invalid_grant",
                f"redirect_uri must be {grant.redirect_uri!r}, as in the authorization request "
                f"(RFC 6749 §4.1.3); found {redirect_uri!r}",
            )
        verify_pkce(code_verifier, grant.code_challenge)
        return grant


@dataclass
class DeviceGrant:
    """One device authorization (RFC 8628 §3.2) and where it stands."""

    device_code: str
    user_code: str
    client_id: str
    code_challenge: str | None
    expires: datetime
    interval: int
    last_poll: datetime | None = None
    email: str | None = None
    denied: bool = False


def normalize_user_code(text: str) -> str:
    """A typed user code, upper-cased, without the dash and spaces (RFC 8628 §6.1)."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


class DeviceStore:
    """Device codes waiting to be approved on the verification page, then polled for a token."""

    def __init__(
        self, clock: Callable[[], datetime], lifetime: int, interval: int, max_pending: int
    ) -> None:
        self._clock = clock
        self.lifetime = lifetime
        self.interval = interval
        self._max = max_pending
        self._by_device: dict[str, DeviceGrant] = {}
        self._by_user: dict[str, DeviceGrant] = {}

    def start(self, client_id: str, code_challenge: str | None) -> DeviceGrant:
        """A new pending grant with fresh device and user codes."""
        now = self._clock()
        if len(self._by_device) >= self._max:
            for grant in [g for g in self._by_device.values() if g.expires <= now]:
                self._forget(grant)
            if len(self._by_device) >= self._max:
                raise OAuthError(
                    "temporarily_unavailable",
                    "too many sign-ins in progress; try again shortly",
                    status=503,
                )
        user_code = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(_USER_CODE_LENGTH))
        while user_code in self._by_user:
            user_code = "".join(
                secrets.choice(_USER_CODE_ALPHABET) for _ in range(_USER_CODE_LENGTH)
            )
        grant = DeviceGrant(
            device_code=secrets.token_urlsafe(32),
            user_code=user_code,
            client_id=client_id,
            code_challenge=code_challenge,
            expires=now + timedelta(seconds=self.lifetime),
            interval=self.interval,
        )
        self._by_device[grant.device_code] = grant
        self._by_user[user_code] = grant
        return grant

    def pending(self, user_code: str) -> DeviceGrant:
        """The grant a person typed the code of, if it still waits for a decision."""
        grant = self._by_user.get(normalize_user_code(user_code))
        if grant is None or grant.email is not None or grant.denied:
            raise OAuthError(
                "invalid_request", "unknown or already used code; check the code in your terminal"
            )
        if grant.expires <= self._clock():
            raise OAuthError(
                "expired_token", "this code has expired; start the sign-in again in your terminal"
            )
        return grant

    def approve(self, user_code: str, email: str) -> None:
        """The person signs in as ``email`` (RFC 8628 §3.3)."""
        self.pending(user_code).email = email

    def deny(self, user_code: str) -> None:
        """The person refuses (RFC 8628 §3.5 ``access_denied`` on the next poll)."""
        self.pending(user_code).denied = True

    def poll(self, device_code: str, client_id: str, code_verifier: str | None) -> DeviceGrant:
        """One poll of the token endpoint (RFC 8628 §3.4, §3.5): the approved grant, or an error."""
        grant = self._by_device.get(device_code)
        if grant is None or grant.client_id != client_id:
            raise OAuthError("invalid_grant", "unknown device_code (or issued to another client)")
        now = self._clock()
        if grant.expires <= now:
            self._forget(grant)
            raise OAuthError(
                "expired_token", "the device code has expired; start the sign-in again"
            )
        if grant.denied:
            self._forget(grant)
            raise OAuthError(
                "access_denied", "the person refused the sign-in on the verification page"
            )
        if grant.email is None:
            too_soon = (
                grant.last_poll is not None
                and (now - grant.last_poll).total_seconds() < grant.interval - _POLL_JITTER
            )
            grant.last_poll = now
            if too_soon:
                grant.interval += 5  # RFC 8628 §3.5: slow_down adds 5 seconds to the interval
                raise OAuthError(
                    "slow_down", f"polling too fast; wait {grant.interval} s between requests"
                )
            raise OAuthError("authorization_pending", "waiting for the person to enter the code")
        self._forget(grant)
        if grant.code_challenge is not None:
            verify_pkce(code_verifier, grant.code_challenge)
        return grant

    def _forget(self, grant: DeviceGrant) -> None:
        self._by_device.pop(grant.device_code, None)
        self._by_user.pop(grant.user_code, None)
