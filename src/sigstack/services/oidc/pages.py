"""The issuer's HTML pages: sign-in (RFC 6749 §4.1.1), device verification (RFC 8628 §3.3).

Every value is HTML-escaped; forms post to a relative URL so the pages work
whether the issuer is served alone or mounted under ``/oidc``.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from starlette.responses import HTMLResponse

__all__ = ["device_page", "login_page", "message_page"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32em;margin:3em auto;padding:0 1em}"
    "input{font-size:1.1em;padding:.3em;width:100%;box-sizing:border-box;margin:.3em 0 1em}"
    "button{font-size:1em;padding:.4em 1em;margin-right:.5em}.error{color:#b00}"
    "code{font-size:1.3em;background:#eee;padding:.2em .4em;word-break:break-all}"
)
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _page(title: str, body: str, status: int) -> HTMLResponse:
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}"
        "<p><small>sigstack development OIDC issuer: it signs in whoever asks. "
        "Never trust it outside development.</small></p></body></html>"
    )
    return HTMLResponse(html, status, headers=_HEADERS)


def _error(error: str | None) -> str:
    return f"<p class='error'>{escape(error)}</p>" if error else ""


def login_page(
    params: Mapping[str, str], *, email: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    """Ask for the email to sign as; the authorization request travels in hidden fields."""
    hidden = "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in params.items()
    )
    body = (
        f"{_error(error)}<p>Client <b>{escape(params.get('client_id', ''))}</b> "
        "asks who you are.</p>"
        f"<form method='post' action='authorize'>{hidden}"
        f"<label>Email to sign as<input name='email' type='email' value='{escape(email)}' "
        "autofocus required></label>"
        "<button name='action' value='approve'>Sign in</button>"
        "<button name='action' value='deny' formnovalidate>Cancel</button></form>"
    )
    return _page("Sign in", body, status)


def device_page(
    *, user_code: str = "", email: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    """Ask for the code shown in the terminal and the email to sign as (RFC 8628 §3.3)."""
    body = (
        f"{_error(error)}<form method='post' action='device'>"
        f"<label>Code shown in your terminal<input name='user_code' value='{escape(user_code)}' "
        "autocomplete='off' required></label>"
        f"<label>Email to sign as<input name='email' type='email' value='{escape(email)}'></label>"
        "<button name='action' value='approve'>Sign in</button>"
        "<button name='action' value='deny' formnovalidate>Deny</button></form>"
    )
    return _page("Sign in a device", body, status)


def message_page(
    title: str, text: str, *, code: str | None = None, status: int = 200
) -> HTMLResponse:
    """A result: done, denied, or an out-of-band code to paste into the terminal."""
    shown = f"<p><code id='code'>{escape(code)}</code></p>" if code else ""
    return _page(title, f"<p>{escape(text)}</p>{shown}", status)
