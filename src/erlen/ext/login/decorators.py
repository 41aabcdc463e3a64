""":func:`login_required` and :func:`fresh_login_required`, for plain and
``async def`` views alike."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Literal, ParamSpec, TypeVar, cast

from erlen import current_app, request

from . import config
from .manager import is_async_callable
from .signals import user_needs_refresh, user_unauthorized
from .utils import current_user, get_login_manager, login_fresh, send_signal

__all__ = ["fresh_login_required", "login_required"]

P = ParamSpec("P")
R = TypeVar("R")

# What a check decides: None lets the view run; otherwise the name of the
# LoginManager method that answers instead (looked up on the app's manager,
# so a subclass's override is the one called).
_Denial = Literal["unauthorized", "needs_refresh"] | None


def _exempt() -> bool:
    # config.EXEMPT_METHODS is read on every call, so an app may change it.
    return request.method in config.EXEMPT_METHODS or bool(current_app.config.get("LOGIN_DISABLED"))


def _check_login() -> _Denial:
    if _exempt() or current_user.is_authenticated:
        return None
    return "unauthorized"


def _check_fresh_login() -> _Denial:
    if _exempt():
        return None
    if not current_user.is_authenticated:
        return "unauthorized"
    if not login_fresh():
        return "needs_refresh"
    return None


def _deny(denial: Literal["unauthorized", "needs_refresh"]) -> Any:
    manager = get_login_manager()
    return getattr(manager, denial)()


async def _deny_async(denial: Literal["unauthorized", "needs_refresh"]) -> Any:
    """The answer of ``denial`` from an async view: an ``async def`` handler
    is awaited on the running loop rather than driven from sync code."""
    manager = get_login_manager()
    if denial == "unauthorized":
        callback, signal = manager.unauthorized_callback, user_unauthorized
    else:
        callback, signal = manager.needs_refresh_callback, user_needs_refresh
    if callback is not None and is_async_callable(callback):
        send_signal(signal)
        return await callback()
    return getattr(manager, denial)()


def _guard(view: Callable[P, R], check: Callable[[], _Denial]) -> Callable[P, R]:
    if inspect.iscoroutinefunction(view):
        async_view = cast(Callable[P, Awaitable[Any]], view)

        @functools.wraps(view)
        async def async_wrapper(*args: P.args, **kwargs: P.kwargs) -> Any:
            denial = check()
            if denial is not None:
                return await _deny_async(denial)
            return await async_view(*args, **kwargs)

        return cast(Callable[P, R], async_wrapper)

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        denial = check()
        if denial is not None:
            return cast(R, _deny(denial))
        return view(*args, **kwargs)

    return wrapper


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let only logged-in users into ``view``; others get
    :meth:`LoginManager.unauthorized` (a redirect to the login view, or 401).

    ``OPTIONS`` requests (see ``EXEMPT_METHODS``) and apps with
    ``LOGIN_DISABLED`` set pass without a check. Works on ``async def`` views
    and in ``MethodView.decorators``::

        @app.route("/account")
        @login_required
        def account():
            return f"Hello {current_user.name}"
    """
    return _guard(view, _check_login)


def fresh_login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Like :func:`login_required`, and the login must also be fresh (made
    this session, not restored from the remember-me cookie); a stale one gets
    :meth:`LoginManager.needs_refresh`. For pages that change a password or
    spend money."""
    return _guard(view, _check_fresh_login)
