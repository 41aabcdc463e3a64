"""The context-bound globals: ``current_app``, ``g``, ``request`` and ``session``.

Each is a :class:`erlen.local.LocalProxy` over a :mod:`contextvars` variable, so
it resolves to the object of the current thread or asyncio task. Internals read
the context variables ``_cv_app`` and ``_cv_request`` directly; the proxies are
for user code.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from .local import LocalProxy

if TYPE_CHECKING:
    from .app import Erlen
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

_NO_APP_MESSAGE = """\
Working outside of application context.

This code needs the current application (current_app, g, url_for, ...), but no
application context is active. Push one with 'with app.app_context():', or run
the code inside a request ('with app.test_request_context():' in tests).\
"""

_NO_REQUEST_MESSAGE = """\
Working outside of request context.

This code needs an active HTTP request (request, session, ...), but no request
context is active. In tests, push one with 'with app.test_request_context():'
or send a request through 'app.test_client()'.\
"""

_cv_app: ContextVar[AppContext] = ContextVar("erlen.app_ctx")
_cv_request: ContextVar[RequestContext] = ContextVar("erlen.request_ctx")

app_ctx: AppContext = LocalProxy(  # type: ignore[assignment]
    _cv_app, unbound_message=_NO_APP_MESSAGE
)
current_app: Erlen = LocalProxy(  # type: ignore[assignment]
    _cv_app, "app", unbound_message=_NO_APP_MESSAGE
)
g: _AppCtxGlobals = LocalProxy(  # type: ignore[assignment]
    _cv_app, "g", unbound_message=_NO_APP_MESSAGE
)

request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _cv_request, unbound_message=_NO_REQUEST_MESSAGE
)
request: Request = LocalProxy(  # type: ignore[assignment]
    _cv_request, "request", unbound_message=_NO_REQUEST_MESSAGE
)
session: SessionMixin = LocalProxy(  # type: ignore[assignment]
    _cv_request, "session", unbound_message=_NO_REQUEST_MESSAGE
)

__all__ = [
    "_cv_app",
    "_cv_request",
    "app_ctx",
    "current_app",
    "g",
    "request",
    "request_ctx",
    "session",
]
