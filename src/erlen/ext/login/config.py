"""Defaults of :mod:`erlen.ext.login`, under Flask-Login's constant names.

Each ``REMEMBER_COOKIE_*`` key of the app's config falls back to the value
here; :meth:`LoginManager.init_app` also writes them into ``app.config`` with
``setdefault`` so they can be read and changed there.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

#: ``REMEMBER_COOKIE_NAME``: the name of the remember-me cookie.
COOKIE_NAME: Final = "remember_token"
#: ``REMEMBER_COOKIE_DURATION``: how long the remember-me cookie lives.
COOKIE_DURATION: Final = timedelta(days=365)
#: ``REMEMBER_COOKIE_SECURE``: send the cookie over HTTPS only.
COOKIE_SECURE: Final = False
#: ``REMEMBER_COOKIE_HTTPONLY``: hide the cookie from JavaScript.
COOKIE_HTTPONLY: Final = True
#: ``REMEMBER_COOKIE_SAMESITE``. COMPAT(flask): Flask-Login sends no SameSite
#: attribute; erlen sends ``Lax``, as for its session cookie, so a
#: cross-site POST cannot ride on the remember cookie when the session cookie
#: is withheld.
COOKIE_SAMESITE: Final = "Lax"
#: ``REMEMBER_COOKIE_PATH``.
COOKIE_PATH: Final = "/"

#: Flashed when :meth:`LoginManager.unauthorized` redirects to the login view.
LOGIN_MESSAGE: Final = "Please log in to access this page."
#: The category of :data:`LOGIN_MESSAGE`.
LOGIN_MESSAGE_CATEGORY: Final = "message"
#: Flashed when :meth:`LoginManager.needs_refresh` redirects to the refresh view.
REFRESH_MESSAGE: Final = "Please reauthenticate to access this page."
#: The category of :data:`REFRESH_MESSAGE`.
REFRESH_MESSAGE_CATEGORY: Final = "message"

#: The user method that returns the id stored in the session.
ID_ATTRIBUTE: Final = "get_id"

#: The session keys this extension owns; ``"strong"`` session protection
#: removes all of them when the session identifier changes.
SESSION_KEYS: Final = frozenset(
    {"_user_id", "_remember", "_remember_seconds", "_id", "_fresh", "next"}
)

#: HTTP methods :func:`login_required` lets through without a login (a CORS
#: preflight carries no credentials). A set, so an app may add to it.
EXEMPT_METHODS: set[str] = {"OPTIONS"}

#: ``USE_SESSION_FOR_NEXT``: keep the page to return to in the session
#: instead of the login URL's query string.
USE_SESSION_FOR_NEXT: Final = False

__all__ = [
    "COOKIE_DURATION",
    "COOKIE_HTTPONLY",
    "COOKIE_NAME",
    "COOKIE_PATH",
    "COOKIE_SAMESITE",
    "COOKIE_SECURE",
    "EXEMPT_METHODS",
    "ID_ATTRIBUTE",
    "LOGIN_MESSAGE",
    "LOGIN_MESSAGE_CATEGORY",
    "REFRESH_MESSAGE",
    "REFRESH_MESSAGE_CATEGORY",
    "SESSION_KEYS",
    "USE_SESSION_FOR_NEXT",
]
