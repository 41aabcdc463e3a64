"""User sessions for erlen: Flask-Login's API.

``erlen.ext.login`` remembers who is logged in, restores the login from a
signed remember-me cookie, guards views with :func:`login_required`, and
gives every view and template ``current_user``::

    from erlen import Erlen, redirect, url_for
    from erlen.ext.login import (
        LoginManager, UserMixin, get_next_url, login_required, login_user,
    )

    app = Erlen(__name__)
    app.secret_key = "change me"
    login_manager = LoginManager(app)
    login_manager.login_view = "login"

    class User(UserMixin):
        def __init__(self, id):
            self.id = id

    @login_manager.user_loader
    def load_user(user_id):
        return User(user_id)

    @app.post("/login")
    def login():
        login_user(User(1), remember=True)
        return redirect(get_next_url(url_for("protected")))

    @app.route("/protected")
    @login_required
    def protected():
        return "Logged in!"

Flask-Login 0.6.3's public names are here, ``FlaskLoginClient`` also as
:class:`LoginClient` (its deprecated header loader is left out), plus
:func:`get_next_url` and :func:`is_safe_next_url` to redirect after login
without an open redirect. See ``docs/ext/login.md`` for the configuration keys
and the differences from Flask-Login.
"""

from __future__ import annotations

from .config import (
    COOKIE_DURATION,
    COOKIE_HTTPONLY,
    COOKIE_NAME,
    COOKIE_SAMESITE,
    COOKIE_SECURE,
    EXEMPT_METHODS,
    ID_ATTRIBUTE,
    LOGIN_MESSAGE,
    LOGIN_MESSAGE_CATEGORY,
    REFRESH_MESSAGE,
    REFRESH_MESSAGE_CATEGORY,
)
from .decorators import fresh_login_required, login_required
from .manager import LoginManager
from .mixins import AnonymousUserMixin, UserMixin, UserProtocol
from .signals import (
    session_protected,
    user_accessed,
    user_loaded_from_cookie,
    user_loaded_from_request,
    user_logged_in,
    user_logged_out,
    user_login_confirmed,
    user_needs_refresh,
    user_unauthorized,
)
from .testing import FlaskLoginClient, LoginClient
from .utils import (
    confirm_login,
    current_user,
    decode_cookie,
    encode_cookie,
    get_next_url,
    is_safe_next_url,
    login_fresh,
    login_remembered,
    login_url,
    login_user,
    logout_user,
    make_next_param,
    set_login_view,
)

__all__ = [
    "COOKIE_DURATION",
    "COOKIE_HTTPONLY",
    "COOKIE_NAME",
    "COOKIE_SAMESITE",
    "COOKIE_SECURE",
    "EXEMPT_METHODS",
    "ID_ATTRIBUTE",
    "LOGIN_MESSAGE",
    "LOGIN_MESSAGE_CATEGORY",
    "REFRESH_MESSAGE",
    "REFRESH_MESSAGE_CATEGORY",
    "AnonymousUserMixin",
    "FlaskLoginClient",
    "LoginClient",
    "LoginManager",
    "UserMixin",
    "UserProtocol",
    "confirm_login",
    "current_user",
    "decode_cookie",
    "encode_cookie",
    "fresh_login_required",
    "get_next_url",
    "is_safe_next_url",
    "login_fresh",
    "login_remembered",
    "login_required",
    "login_url",
    "login_user",
    "logout_user",
    "make_next_param",
    "session_protected",
    "set_login_view",
    "user_accessed",
    "user_loaded_from_cookie",
    "user_loaded_from_request",
    "user_logged_in",
    "user_logged_out",
    "user_login_confirmed",
    "user_needs_refresh",
    "user_unauthorized",
]
