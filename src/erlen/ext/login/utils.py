"""Logging users in and out, ``current_user``, the remember-me cookie's
format, and the login URL with its ``next`` parameter."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from blinker import NamedSignal

from erlen import current_app, g, has_request_context, request, session, url_for
from erlen.local import LocalProxy

from . import config
from .mixins import UserProtocol
from .signals import user_logged_in, user_logged_out, user_login_confirmed

if TYPE_CHECKING:
    from erlen import Blueprint, Erlen

    from .manager import LoginManager

__all__ = [
    "confirm_login",
    "current_user",
    "decode_cookie",
    "encode_cookie",
    "expand_login_view",
    "get_next_url",
    "is_safe_next_url",
    "login_fresh",
    "login_remembered",
    "login_url",
    "login_user",
    "logout_user",
    "make_next_param",
    "set_login_view",
]

#: The key of the :class:`LoginManager` in ``app.extensions``.
EXTENSION_KEY = "login"


def get_login_manager(app: Erlen | None = None) -> LoginManager:
    """The :class:`LoginManager` set up on ``app`` (the current app by default)."""
    if app is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
    manager = app.extensions.get(EXTENSION_KEY)
    if manager is None:
        raise RuntimeError(
            "No LoginManager is set up on this app: create it with LoginManager(app)"
            " or call login_manager.init_app(app) first."
        )
    return manager  # type: ignore[no-any-return]


def _load_current_user() -> Any:
    if not has_request_context():
        return None
    # COMPAT(flask): the user is cached as g._login_user, as Flask-Login does,
    # so code that peeks at it (or sets it) keeps working. g outlives the
    # request when an app context was already pushed (``with
    # app.app_context():`` around test requests), so the cache also records
    # its request: Flask-Login there shows one client's user to the next.
    current = request._get_current_object()  # type: ignore[attr-defined]
    if "_login_user" not in g or g.get("_login_request", current) is not current:
        get_login_manager()._load_user()
    return g._login_user


# Typed as Any: it stands for the app's own user class, whose attributes
# (name, email, roles...) the type checker cannot know.
#: The user of the current request: the one the session, the remember-me
#: cookie or the request loader gave, else an instance of
#: :attr:`LoginManager.anonymous_user`. Loaded on first use, once per request;
#: None outside a request.
current_user: Any = LocalProxy(_load_current_user)


def send_signal(signal: NamedSignal, **kwargs: Any) -> None:
    """Send ``signal`` from the current app, only when something listens."""
    # PERF: blinker's send() allocates even without receivers.
    if signal.receivers:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        signal.send(app, _async_wrapper=app.ensure_sync, **kwargs)


# -- the remember-me cookie ----------------------------------------------------


def _key_bytes(key: str | bytes) -> bytes:
    if isinstance(key, bytes):
        return key
    # COMPAT(flask): Flask-Login encodes a str key as latin-1; a key outside
    # latin-1 (which Flask-Login cannot use at all) is taken as UTF-8.
    try:
        return key.encode("latin-1")
    except UnicodeEncodeError:
        return key.encode("utf-8")


def _signing_keys(key: str | bytes | None) -> list[bytes]:
    if key is not None:
        return [_key_bytes(key)]
    app_config = current_app.config
    keys: list[str | bytes] = []
    if app_config.get("SECRET_KEY"):
        keys.append(app_config["SECRET_KEY"])
    # Key rotation: cookies signed with an older key still log users in.
    fallbacks = app_config.get("SECRET_KEY_FALLBACKS") or ()
    keys.extend(fallbacks if not isinstance(fallbacks, (str, bytes)) else [fallbacks])
    return [_key_bytes(k) for k in keys]


def _secret_key(key: str | bytes | None = None) -> bytes:
    """The key that signs new remember-me cookies, as bytes: ``key``, else
    the app's ``SECRET_KEY`` (Flask-Login's private helper of the same name)."""
    keys = _signing_keys(key)
    if not keys:
        raise RuntimeError(
            "The remember-me cookie is signed with the app's SECRET_KEY, which is not set."
        )
    return keys[0]


def _digest(payload: str, key: bytes) -> str:
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha512).hexdigest()


def encode_cookie(payload: str, key: str | bytes | None = None) -> str:
    """Sign ``payload`` for the remember-me cookie: ``"<payload>|<HMAC-SHA512>"``.

    The key is ``key`` or the app's ``SECRET_KEY``. The format is Flask-Login's,
    so cookies carry over between the two with the same secret key.
    """
    return f"{payload}|{_digest(payload, _secret_key(key))}"


def decode_cookie(cookie: str, key: str | bytes | None = None) -> str | None:
    """The payload of a cookie made by :func:`encode_cookie`, or None when its
    signature does not match (tampered, or signed with another key).

    Without ``key``, ``SECRET_KEY`` and then each of ``SECRET_KEY_FALLBACKS``
    are tried.
    """
    payload, sep, digest = cookie.rpartition("|")
    # A hex digest is ASCII; anything else cannot match (and would make
    # compare_digest raise instead of answering).
    if not sep or not digest.isascii():
        return None
    try:
        for signing_key in _signing_keys(key):
            if hmac.compare_digest(_digest(payload, signing_key), digest):
                return payload
    except UnicodeEncodeError:
        # A lone surrogate from an undecodable cookie: not something we signed.
        return None
    return None


def duration_seconds(duration: object, what: str) -> float:
    """``duration`` (a timedelta or a number of seconds) in seconds."""
    if isinstance(duration, timedelta):
        return duration.total_seconds()
    if isinstance(duration, (int, float)) and not isinstance(duration, bool):
        return float(duration)
    raise TypeError(
        f"{what} must be a datetime.timedelta or a number of seconds,"
        f" not {type(duration).__name__} ({duration!r})"
    )


# -- the session identifier ----------------------------------------------------


def session_identifier(remote_addr: str | None, user_agent: str | None) -> str:
    """The digest of a client's address and user agent that session protection
    compares from request to request."""
    address = remote_addr.encode("utf-8") if remote_addr is not None else None
    agent = user_agent.encode("utf-8") if user_agent is not None else None
    # COMPAT(flask): the same digest input as Flask-Login (the reprs of the
    # encoded values), so a session made by a Flask app keeps its identifier.
    base = f"{address!r}|{agent!r}"
    return hashlib.sha512(base.encode("utf-8", "surrogateescape")).hexdigest()


def create_identifier() -> str:
    """The session identifier of the current request.

    SECURITY: the address is ``request.remote_addr``, never a raw
    ``X-Forwarded-For`` header as Flask-Login reads: any client can write that
    header, and so could forge the identifier of the session it stole. Behind
    a proxy, set ``PROXY_FIX`` so ``remote_addr`` is the client's.
    """
    return session_identifier(request.remote_addr, request.headers.get("User-Agent"))


# -- the current login -----------------------------------------------------------


def login_fresh() -> bool:
    """Whether the current login is fresh: made by :func:`login_user` (or
    renewed by :func:`confirm_login`), not restored from the remember-me cookie."""
    return bool(session.get("_fresh", False))


def login_remembered() -> bool:
    """Whether the request carries a valid remember-me cookie (one logout has
    not marked for removal)."""
    name = current_app.config.get("REMEMBER_COOKIE_NAME", config.COOKIE_NAME)
    cookie = request.cookies.get(name)
    if cookie is None or session.get("_remember") == "clear":
        return False
    return decode_cookie(cookie) is not None


def login_user(
    user: UserProtocol,
    remember: bool = False,
    duration: timedelta | float | None = None,
    force: bool = False,
    fresh: bool = True,
) -> bool:
    """Log ``user`` in for the rest of the session; True if they were.

    :param user: the user object to log in.
    :param remember: also set the remember-me cookie, so the login outlives
        the session.
    :param duration: how long that cookie lasts (a timedelta or seconds),
        instead of ``REMEMBER_COOKIE_DURATION``.
    :param force: log in even an inactive user (``user.is_active`` false),
        which is otherwise refused with False.
    :param fresh: mark the login fresh; pass False when the user did not
        just prove who they are.

    Sends :data:`user_logged_in`.
    """
    # A bad duration fails before the session is touched.
    seconds = None if duration is None else duration_seconds(duration, "duration")
    if not force and not user.is_active:
        return False
    manager = get_login_manager()
    user_id = getattr(user, manager.id_attribute)()
    if user_id is None:
        raise ValueError(
            f"{type(user).__name__}.{manager.id_attribute}() returned None: a user"
            " without an id cannot be logged in."
        )
    # SECURITY: a server-side session (erlen.ext.session) gets a new id at
    # login, so an id planted or seen before it (session fixation) is useless.
    regenerate = getattr(session, "regenerate", None)
    if callable(regenerate):
        regenerate()
    session["_user_id"] = user_id
    session["_fresh"] = fresh
    session["_id"] = manager._session_identifier_generator()
    if remember:
        session["_remember"] = "set"
        manager._schedule_cookie_update()
        if seconds is not None:
            session["_remember_seconds"] = seconds
        else:
            # A duration left from an earlier login must not outlive it.
            session.pop("_remember_seconds", None)
    manager._update_request_context_with_user(user)
    send_signal(user_logged_in, user=_load_current_user())
    return True


def logout_user() -> bool:
    """Log the current user out: forget them in the session and remove the
    remember-me cookie. Sends :data:`user_logged_out` with the user who was
    logged in. Always returns True."""
    user = _load_current_user()
    for key in ("_user_id", "_fresh", "_id"):
        session.pop(key, None)
    name = current_app.config.get("REMEMBER_COOKIE_NAME", config.COOKIE_NAME)
    if name in request.cookies:
        session["_remember"] = "clear"
        session.pop("_remember_seconds", None)
        get_login_manager()._schedule_cookie_update()
    send_signal(user_logged_out, user=user)
    get_login_manager()._update_request_context_with_user()
    return True


def confirm_login() -> None:
    """Mark the current login fresh again (after the user re-entered their
    password, say), and bind it to this client. Sends :data:`user_login_confirmed`."""
    session["_fresh"] = True
    session["_id"] = get_login_manager()._session_identifier_generator()
    send_signal(user_login_confirmed)


# -- the login URL and where to go next ---------------------------------------------


def expand_login_view(login_view: str) -> str:
    """A URL (``"/login"``, ``"https://sso.example.com/"``) as given; an
    endpoint name (``"auth.login"``) built with :func:`url_for`."""
    if login_view.startswith(("https://", "http://", "/")):
        return login_view
    return url_for(login_view)


def make_next_param(login_url: str, current_url: str) -> str:
    """The ``next`` value that brings the user back to ``current_url``.

    When the login page is on the same host (a relative URL, or the same
    scheme and host) only the path and query are kept, so ``next`` is a
    relative URL; otherwise ``current_url`` is kept whole.
    """
    login_parts = urlsplit(login_url)
    current = urlsplit(current_url)
    same_scheme = not login_parts.scheme or login_parts.scheme == current.scheme
    same_host = not login_parts.netloc or login_parts.netloc == current.netloc
    if not (same_scheme and same_host):
        return current_url
    path = current.path
    if path.startswith("//"):
        # SECURITY: a path of "//evil.example/x" would read as a URL of another
        # host once on its own; "/%2F" is the same path to the router.
        path = "/%2F" + path[2:]
    return urlunsplit(("", "", path, current.query, ""))


def login_url(login_view: str, next_url: str | None = None, next_field: str = "next") -> str:
    """The URL of ``login_view`` (an endpoint or a URL), with ``next_field``
    set to where to come back (``next_url``) when given.

    ``FORCE_HOST_FOR_REDIRECTS`` in the config replaces the host of the URL.
    """
    base = expand_login_view(login_view)
    if next_url is None:
        return base
    parts = urlsplit(base)
    query = parse_qs(parts.query, keep_blank_values=True)
    query[next_field] = [make_next_param(base, next_url)]
    netloc = current_app.config.get("FORCE_HOST_FOR_REDIRECTS") or parts.netloc
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, doseq=True)))


# Browsers drop tabs and newlines anywhere in a URL and read "\" as "/", so
# "/\t/evil.example" and "/\\evil.example" lead off-site.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def is_safe_next_url(target: str | None) -> bool:
    """Whether ``target`` is a path on this site (``"/account?tab=2"``) and
    so safe to redirect to after login.

    Anything that could leave the site is refused: a scheme or a host
    (``"https://evil.example"``, ``"//evil.example"``), a backslash, control
    characters, and relative paths without a leading ``/``.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if _UNSAFE_IN_NEXT.search(target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def get_next_url(default: str | None = None) -> str | None:
    """Where to send the user after logging in: the ``next`` value of the
    query string, else of the form, else (with ``USE_SESSION_FOR_NEXT``) the
    one stored in the session, which is removed.

    SECURITY: only a path on this site is returned (see
    :func:`is_safe_next_url`); an absent or unsafe value gives ``default``,
    so ``redirect(get_next_url(url_for("index")))`` is never an open redirect.
    """
    candidates: list[Any] = [request.args.get("next")]
    if request.method in ("POST", "PUT", "PATCH"):
        candidates.append(request.form.get("next"))
    if current_app.config.get("USE_SESSION_FOR_NEXT", config.USE_SESSION_FOR_NEXT):
        candidates.append(session.pop("next", None))
    for candidate in candidates:
        if candidate is not None:
            return (
                candidate if isinstance(candidate, str) and is_safe_next_url(candidate) else default
            )
    return default


def set_login_view(login_view: str, blueprint: Blueprint | None = None) -> None:
    """Set the login view of the current app, or of one ``blueprint``.

    Once a blueprint has its own, the app-wide view moves to the ``None``
    key of :attr:`LoginManager.blueprint_login_views`, which serves views
    outside any blueprint with a login view of its own.
    """
    manager = get_login_manager()
    views = manager.blueprint_login_views
    if blueprint is None and not views:
        manager.login_view = login_view
        return
    if manager.login_view is not None and None not in views:
        views[None] = manager.login_view
    views[blueprint.name if blueprint is not None else None] = login_view
    manager.login_view = None


def iter_login_views(manager: LoginManager) -> Iterable[str | None]:
    """The login views that apply to the current request, most specific first."""
    views = manager.blueprint_login_views
    for name in request.blueprints:
        if name in views:
            yield views[name]
    if None in views:
        yield views[None]
    yield manager.login_view
