"""CSRF tokens for the admin's forms.

A random secret is kept in the user's (encrypted) erlen session; each form
carries ``<timestamp>.<HMAC-SHA256(SECRET_KEY, secret, timestamp)>``. A POST
whose token does not match the session's secret, or is older than
``ADMIN_CSRF_TIME_LIMIT`` seconds, is refused with 400 Bad Request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from erlen import BadRequest, current_app, g, request, session

SESSION_KEY = "_admin_csrf"
FIELD_NAME = "csrf_token"
#: Headers a script may send the token in instead of the form field (as Flask-WTF).
HEADER_NAMES = ("X-CSRFToken", "X-CSRF-Token")
_SALT = b"erlen.ext.admin.csrf"


def _signing_key() -> bytes:
    # app.secret_key: SECRET_KEY, or a subclass's class attribute.
    secret = current_app.secret_key
    if not secret:
        raise RuntimeError(
            "erlen.ext.admin signs its CSRF tokens with SECRET_KEY (and keeps their"
            " secret in the session); set app.config['SECRET_KEY']."
        )
    return secret if isinstance(secret, bytes) else str(secret).encode()


def _signature(raw: str, timestamp: str) -> str:
    message = b"\0".join((_SALT, raw.encode(), timestamp.encode()))
    return hmac.new(_signing_key(), message, hashlib.sha256).hexdigest()


def generate_csrf() -> str:
    """A CSRF token for a form on the current page (the same one within a request)."""
    cached: str | None = g.get("_admin_csrf_token")
    if cached is not None:
        return cached
    _signing_key()  # a missing SECRET_KEY is named before the session complains
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, str) or not raw:
        raw = secrets.token_urlsafe(32)
        session[SESSION_KEY] = raw
    timestamp = str(int(time.time()))
    token = f"{timestamp}.{_signature(raw, timestamp)}"
    g._admin_csrf_token = token
    return token


def csrf_enabled() -> bool:
    """``ADMIN_CSRF_ENABLED`` (default true)."""
    return bool(current_app.config.get("ADMIN_CSRF_ENABLED", True))


def validate_csrf(token: str | None = None) -> None:
    """Raise :class:`BadRequest` unless ``token`` (by default the request's
    ``csrf_token`` form field or ``X-CSRFToken`` header) is valid."""
    if token is None:
        token = request.form.get(FIELD_NAME)
    if not token:
        for header in HEADER_NAMES:
            token = request.headers.get(header)
            if token:
                break
    if not token:
        raise BadRequest("The CSRF token is missing.")
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, str) or not raw:
        raise BadRequest("The CSRF session token is missing.")
    timestamp, _, signature = token.partition(".")
    # isascii: str.isdigit() also says yes to "²", which int() refuses.
    if not (timestamp.isascii() and timestamp.isdigit()) or not hmac.compare_digest(
        signature.encode(), _signature(raw, timestamp).encode()
    ):
        raise BadRequest("The CSRF token is invalid.")
    limit = current_app.config.get("ADMIN_CSRF_TIME_LIMIT", 3600)
    if limit is not None and time.time() - int(timestamp) > limit:
        raise BadRequest("The CSRF token has expired.")
