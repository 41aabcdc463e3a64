""":class:`LoginManager`: how an app loads its users, and what happens when a
login is missing or stale."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from erlen import abort, after_this_request, current_app, flash, g, redirect, request, session

from . import config
from .mixins import AnonymousUserMixin, UserProtocol
from .signals import (
    session_protected,
    user_accessed,
    user_loaded_from_cookie,
    user_loaded_from_request,
    user_needs_refresh,
    user_unauthorized,
)
from .utils import (
    EXTENSION_KEY,
    create_identifier,
    current_user,
    decode_cookie,
    duration_seconds,
    encode_cookie,
    expand_login_view,
    iter_login_views,
    login_url,
    make_next_param,
    send_signal,
)

if TYPE_CHECKING:
    from erlen import Erlen, Request, Response

__all__ = ["LoginManager"]

UserLoader = Callable[[str], UserProtocol | None]
RequestLoader = Callable[["Request"], UserProtocol | None]
F = TypeVar("F", bound=Callable[..., Any])

_PROTECTION_MODES = ("basic", "strong")


def is_async_callable(func: Any) -> bool:
    """Whether calling ``func`` gives a coroutine (also through ``partial``,
    and for objects with an ``async def __call__``)."""
    while isinstance(func, functools.partial):
        func = func.func
    if inspect.iscoroutinefunction(func):
        return True
    return not inspect.isroutine(func) and inspect.iscoroutinefunction(type(func).__call__)


def _require_sync(callback: Any, what: str) -> None:
    if is_async_callable(callback):
        raise TypeError(
            f"The {what} must be a plain function, not 'async def': current_user"
            " is read synchronously (also from async views)."
        )


def _check_protection(mode: object) -> str | None:
    if not mode:
        return None
    if mode in _PROTECTION_MODES:
        return str(mode)
    # SECURITY: Flask-Login turns protection off for any unknown value, so a
    # typo such as "Strong" would silently disable it; erlen refuses it.
    raise ValueError(f"session protection must be 'basic', 'strong' or None, not {mode!r}")


class LoginManager:
    """Keeps track of who is logged in, for one app or several.

    ::

        login_manager = LoginManager(app)
        login_manager.login_view = "login"

        @login_manager.user_loader
        def load_user(user_id):
            return User.get(user_id)

    With ``add_context_processor`` (the default) templates can use
    ``current_user``. Its state lives in ``app.extensions["login"]``, and as
    ``app.login_manager`` for code written for Flask-Login.
    """

    def __init__(self, app: Erlen | None = None, add_context_processor: bool = True) -> None:
        #: The class (or factory) of ``current_user`` when nobody is logged in.
        self.anonymous_user: Callable[[], Any] = AnonymousUserMixin
        #: Where :meth:`unauthorized` redirects: an endpoint name or a URL
        #: (absolute when logins happen elsewhere). None answers 401 instead.
        self.login_view: str | None = None
        #: Login views per blueprint name (``None`` for views outside any
        #: blueprint); a ``None`` value falls back to :attr:`login_view`.
        self.blueprint_login_views: dict[str | None, str | None] = {}
        #: Flashed on the redirect to the login view; empty to flash nothing.
        self.login_message: str | None = config.LOGIN_MESSAGE
        #: The flash category of :attr:`login_message`.
        self.login_message_category: str = config.LOGIN_MESSAGE_CATEGORY
        #: Where :meth:`needs_refresh` redirects; None answers 401 instead.
        self.refresh_view: str | None = None
        #: Flashed on the redirect to the refresh view; empty to flash nothing.
        self.needs_refresh_message: str | None = config.REFRESH_MESSAGE
        #: The flash category of :attr:`needs_refresh_message`.
        self.needs_refresh_message_category: str = config.REFRESH_MESSAGE_CATEGORY
        #: ``"basic"`` (a login seen from another address or browser is no
        #: longer fresh), ``"strong"`` (it is logged out) or None. The
        #: ``SESSION_PROTECTION`` config key overrides it per app.
        self.session_protection: str | None = "basic"
        #: Translates the flashed messages (``gettext``, say) when set.
        self.localize_callback: Callable[[str], str] | None = None
        #: Replaces the default answer of :meth:`unauthorized`.
        self.unauthorized_callback: Callable[[], Any] | None = None
        #: Replaces the default answer of :meth:`needs_refresh`.
        self.needs_refresh_callback: Callable[[], Any] | None = None
        #: The user method that gives the id to store in the session.
        self.id_attribute: str = config.ID_ATTRIBUTE
        self._user_callback: UserLoader | None = None
        self._request_callback: RequestLoader | None = None
        # COMPAT(flask): the same private hook as Flask-Login's, which apps
        # replace to leave the address out of the identifier.
        self._session_identifier_generator: Callable[[], str] = create_identifier
        if app is not None:
            self.init_app(app, add_context_processor)

    def init_app(self, app: Erlen, add_context_processor: bool = True) -> None:
        """Set the manager up on ``app``: its config defaults, and
        ``current_user`` in templates (with ``add_context_processor``)."""
        _check_protection(app.config.get("SESSION_PROTECTION", self.session_protection))
        app.config.setdefault("REMEMBER_COOKIE_NAME", config.COOKIE_NAME)
        app.config.setdefault("REMEMBER_COOKIE_DURATION", config.COOKIE_DURATION)
        app.config.setdefault("REMEMBER_COOKIE_DOMAIN", None)
        app.config.setdefault("REMEMBER_COOKIE_PATH", config.COOKIE_PATH)
        app.config.setdefault("REMEMBER_COOKIE_SECURE", config.COOKIE_SECURE)
        app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", config.COOKIE_HTTPONLY)
        app.config.setdefault("REMEMBER_COOKIE_SAMESITE", config.COOKIE_SAMESITE)
        app.config.setdefault("REMEMBER_COOKIE_REFRESH_EACH_REQUEST", False)
        app.config.setdefault("USE_SESSION_FOR_NEXT", config.USE_SESSION_FOR_NEXT)
        app.config.setdefault("LOGIN_DISABLED", False)
        app.extensions[EXTENSION_KEY] = self
        # COMPAT(flask): Flask-Login code reads current_app.login_manager.
        setattr(app, "login_manager", self)  # noqa: B010 - not an Erlen attribute
        # PERF: no after_request hook. Flask-Login's runs on every request and
        # opens the session; under ASGI a sync hook also costs a hop to a
        # worker thread. The cookie changes only when a login changes, so
        # those places schedule _update_remember_cookie for their request.
        if add_context_processor:
            app.context_processor(_user_context_processor)

    # -- registration -------------------------------------------------------------

    def user_loader(self, callback: UserLoader) -> UserLoader:
        """Register ``callback(user_id) -> user | None``, which loads the user
        whose id the session or the remember-me cookie holds (a ``str``)."""
        _require_sync(callback, "user_loader")
        self._user_callback = callback
        return callback

    def request_loader(self, callback: RequestLoader) -> RequestLoader:
        """Register ``callback(request) -> user | None``, which logs a user in
        from the request itself (an API key header, say) when the session and
        the remember-me cookie name nobody."""
        _require_sync(callback, "request_loader")
        self._request_callback = callback
        return callback

    def unauthorized_handler(self, callback: F) -> F:
        """Register ``callback()``, whose return value answers a request that
        needs a login (instead of the redirect or the 401). May be ``async def``."""
        self.unauthorized_callback = callback
        return callback

    def needs_refresh_handler(self, callback: F) -> F:
        """Register ``callback()``, whose return value answers a request that
        needs a fresh login. May be ``async def``."""
        self.needs_refresh_callback = callback
        return callback

    # -- answering a missing or stale login -----------------------------------------

    def unauthorized(self) -> Any:
        """Answer a request that needs a logged-in user.

        Sends :data:`user_unauthorized`, then: the :meth:`unauthorized_handler`'s
        answer if one is registered; else a 401 when no login view applies
        (the blueprint's in :attr:`blueprint_login_views`, else
        :attr:`login_view`); else :attr:`login_message` is flashed and the
        answer is a redirect to the login view with ``next`` set to this page.
        """
        send_signal(user_unauthorized)
        if self.unauthorized_callback is not None:
            return current_app.ensure_sync(self.unauthorized_callback)()
        login_view = next((view for view in iter_login_views(self) if view), None)
        if not login_view:
            abort(401)
        self._flash(self.login_message, self.login_message_category)
        return self._redirect_to(login_view)

    def needs_refresh(self) -> Any:
        """Answer a request that needs a fresh login (see
        :func:`fresh_login_required`): sends :data:`user_needs_refresh`, then the
        :meth:`needs_refresh_handler`'s answer, a 401 without
        :attr:`refresh_view`, or a redirect there with
        :attr:`needs_refresh_message` flashed."""
        send_signal(user_needs_refresh)
        if self.needs_refresh_callback is not None:
            return current_app.ensure_sync(self.needs_refresh_callback)()
        if not self.refresh_view:
            abort(401)
        self._flash(self.needs_refresh_message, self.needs_refresh_message_category)
        return self._redirect_to(self.refresh_view)

    def _flash(self, message: str | None, category: str) -> None:
        if not message:
            return
        if self.localize_callback is not None:
            message = self.localize_callback(message)
        flash(message, category=category)

    def _redirect_to(self, view: str) -> Response:
        if current_app.config.get("USE_SESSION_FOR_NEXT", config.USE_SESSION_FOR_NEXT):
            session["_id"] = self._session_identifier_generator()
            session["next"] = make_next_param(expand_login_view(view), request.url)
            return redirect(login_url(view))
        return redirect(login_url(view, next_url=request.url))

    # -- loading the user ----------------------------------------------------------

    def _update_request_context_with_user(self, user: Any = None) -> None:
        """Make ``user`` (the anonymous user when None) this request's ``current_user``."""
        g._login_user = self.anonymous_user() if user is None else user
        g._login_request = request._get_current_object()  # type: ignore[attr-defined]

    def _load_user(self) -> None:
        """Find the user of this request and cache it on ``g``: from the
        session, else the remember-me cookie, else the request loader."""
        if self._user_callback is None and self._request_callback is None:
            raise RuntimeError(
                "The LoginManager has no user_loader nor request_loader: register"
                " one with @login_manager.user_loader to load users."
            )
        send_signal(user_accessed)
        app_config = current_app.config
        name = app_config.get("REMEMBER_COOKIE_NAME", config.COOKIE_NAME)
        cookie = request.cookies.get(name)
        if cookie is not None and app_config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
            self._schedule_cookie_update()
        if self._session_protection_failed():
            self._update_request_context_with_user()
            return

        user = None
        user_id = session.get("_user_id")
        if user_id is not None and self._user_callback is not None:
            user = self._user_callback(user_id)

        if user is None:
            if cookie is not None and session.get("_remember") != "clear":
                user = self._load_user_from_remember_cookie(cookie)
            elif self._request_callback is not None:
                user = self._load_user_from_request(request)
        self._update_request_context_with_user(user)

    def _session_protection_failed(self) -> bool:
        """Compare this request's identifier with the session's; on a
        mismatch, make the login non-fresh ("basic", or a permanent session)
        or log the user out ("strong"). True when the user was logged out."""
        mode = _check_protection(
            current_app.config.get("SESSION_PROTECTION", self.session_protection)
        )
        if mode is None:
            return False
        sess = session._get_current_object()  # type: ignore[attr-defined]
        # An empty session holds no login to protect.
        if not sess or sess.get("_id") == self._session_identifier_generator():
            return False
        if mode == "basic" or sess.permanent:
            if sess.get("_fresh") is not False:
                sess["_fresh"] = False
            send_signal(session_protected)
            return False
        for key in config.SESSION_KEYS:
            sess.pop(key, None)
        sess["_remember"] = "clear"
        self._schedule_cookie_update()
        send_signal(session_protected)
        return True

    def _load_user_from_remember_cookie(self, cookie: str) -> Any:
        user_id = decode_cookie(cookie)
        if user_id is None:
            return None
        session["_user_id"] = user_id
        session["_fresh"] = False
        # COMPAT(flask): Flask-Login leaves "_id" unset here, so under "strong"
        # protection the next request logs a remembered user out again.
        session["_id"] = self._session_identifier_generator()
        user = self._user_callback(user_id) if self._user_callback is not None else None
        if user is not None:
            send_signal(user_loaded_from_cookie, user=user)
        return user

    def _load_user_from_request(self, req: Request) -> Any:
        assert self._request_callback is not None
        user = self._request_callback(req)
        if user is not None:
            send_signal(user_loaded_from_request, user=user)
        return user

    # -- the remember-me cookie ------------------------------------------------------

    def _schedule_cookie_update(self) -> None:
        """Have ``_update_remember_cookie`` run after this request (once)."""
        current = request._get_current_object()  # type: ignore[attr-defined]
        # Keyed by the request: g may be shared by several (see current_user).
        if g.get("_login_cookie_update") is not current:
            g._login_cookie_update = current
            after_this_request(self._update_remember_cookie)

    def _update_remember_cookie(self, response: Response) -> Response:
        """Set, refresh or clear the remember-me cookie on ``response``, as the
        session asks (``_remember`` is ``"set"`` or ``"clear"``)."""
        app_config = current_app.config
        refresh = app_config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST", False)
        name = app_config.get("REMEMBER_COOKIE_NAME", config.COOKIE_NAME)
        operation = session.pop("_remember", None)
        if operation is None and refresh and name in request.cookies:
            # COMPAT(flask): Flask-Login refreshes for any logged-in session,
            # which gives a remember cookie to users who never asked for one;
            # erlen only extends a cookie the browser already holds.
            operation = "set"
        if operation == "set" and "_user_id" in session:
            self._set_cookie(response)
        elif operation == "clear":
            self._clear_cookie(response)
        return response

    def _set_cookie(self, response: Response) -> None:
        app_config = current_app.config
        if "_remember_seconds" in session:
            seconds = duration_seconds(session["_remember_seconds"], "_remember_seconds")
        else:
            seconds = duration_seconds(
                app_config.get("REMEMBER_COOKIE_DURATION", config.COOKIE_DURATION),
                "REMEMBER_COOKIE_DURATION",
            )
        expires = time.time() + seconds
        # COMPAT(flask): Expires only, no Max-Age, as Flask-Login sends.
        response.set_cookie(
            app_config.get("REMEMBER_COOKIE_NAME", config.COOKIE_NAME),
            value=encode_cookie(str(session["_user_id"])),
            expires=expires,
            domain=app_config.get("REMEMBER_COOKIE_DOMAIN"),
            path=app_config.get("REMEMBER_COOKIE_PATH", config.COOKIE_PATH),
            secure=app_config.get("REMEMBER_COOKIE_SECURE", config.COOKIE_SECURE),
            httponly=app_config.get("REMEMBER_COOKIE_HTTPONLY", config.COOKIE_HTTPONLY),
            samesite=app_config.get("REMEMBER_COOKIE_SAMESITE", config.COOKIE_SAMESITE),
        )

    def _clear_cookie(self, response: Response) -> None:
        app_config = current_app.config
        response.delete_cookie(
            app_config.get("REMEMBER_COOKIE_NAME", config.COOKIE_NAME),
            domain=app_config.get("REMEMBER_COOKIE_DOMAIN"),
            path=app_config.get("REMEMBER_COOKIE_PATH", config.COOKIE_PATH),
        )


def _user_context_processor() -> dict[str, Any]:
    # PERF: the proxy, not the user: a template that never mentions
    # current_user does not load the user (Flask-Login loads it per render).
    return {"current_user": current_user}
