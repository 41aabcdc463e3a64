"""The context-bound globals: ``current_app``, ``g``, ``request`` and ``session``.

Each is a :class:`erlen.local.LocalProxy` over one :mod:`contextvars`
variable, so it resolves to the object of the current thread or asyncio task.
The variable ``_cv_app`` holds the current context: an :class:`AppContext`, or
while a request is active its :class:`RequestContext`, which answers for the
app context too. Internals read it directly (``_request_ctx()`` for the
request context); the proxies are for user code.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

from .local import LocalProxy, _proxy_with_attributes

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

_cv_app: ContextVar[AppContext | RequestContext] = ContextVar("erlen.ctx")

# PERF: the variable's methods, bound once, for the other modules. CPython
# 3.11 compiles ``name.method()`` for a name an import bound as an attribute
# load and a call (meant for modules); on a ContextVar that load is never
# specialised and makes a bound method on every call (about 200 instructions
# each; a request pushes and pops its context with four such calls).
_cv_app_get = _cv_app.get
_cv_app_set = _cv_app.set
_cv_app_reset = _cv_app.reset


def _request_ctx() -> RequestContext | None:
    """The active request context, or None.

    Also inside an app context pushed during a request, as in Flask.
    """
    ctx = _cv_app.get(None)
    if ctx is None or ctx._is_request_context:
        return ctx  # type: ignore[return-value]
    return ctx._request_ctx  # type: ignore[union-attr]


def _current_request_ctx(message: str = _NO_REQUEST_MESSAGE) -> RequestContext:
    """The active request context; RuntimeError(``message``) without one."""
    ctx = _request_ctx()
    if ctx is None:
        raise RuntimeError(message)
    return ctx


def _current_app_ctx() -> AppContext:
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError(_NO_APP_MESSAGE)
    return ctx._get_app_ctx()


# PERF: the attributes user code reads most are properties of each proxy's
# own class (see erlen.local._proxy_with_attributes); any other name is
# forwarded by __getattr__ as before.
_APP_ATTRIBUTES = [
    "config",
    "debug",
    "testing",
    "logger",
    "json",
    "extensions",
    "url_map",
    "jinja_env",
    "secret_key",
    "view_functions",
    "blueprints",
    "ensure_sync",
    "url_for",
    "response_class",
    "request_class",
    "name",
    "import_name",
    "root_path",
    "instance_path",
    "static_folder",
    "template_folder",
    "session_interface",
]
_G_ATTRIBUTES = ("get", "pop", "setdefault")
_REQUEST_ATTRIBUTES = [
    "accept_charsets",
    "accept_encodings",
    "accept_languages",
    "accept_mimetypes",
    "access_route",
    "args",
    "authorization",
    "base_url",
    "blueprint",
    "blueprints",
    "content_encoding",
    "content_length",
    "content_type",
    "cookies",
    "data",
    "endpoint",
    "environ",
    "files",
    "form",
    "full_path",
    "get_data",
    "get_json",
    "headers",
    "host",
    "host_url",
    "if_match",
    "if_modified_since",
    "if_none_match",
    "is_json",
    "is_secure",
    "json",
    "max_content_length",
    "method",
    "mimetype",
    "mimetype_params",
    "origin",
    "path",
    "query_string",
    "referrer",
    "remote_addr",
    "root_path",
    "routing_exception",
    "scheme",
    "script_root",
    "stream",
    "url",
    "url_root",
    "url_rule",
    "user_agent",
    "values",
    "view_args",
]
_SESSION_ATTRIBUTES = [
    "get",
    "setdefault",
    "pop",
    "keys",
    "values",
    "items",
    "update",
    "clear",
    "copy",
    "permanent",
    "modified",
    "new",
    "accessed",
]

app_ctx: AppContext = LocalProxy(  # type: ignore[assignment]
    _current_app_ctx, unbound_message=_NO_APP_MESSAGE
)
current_app: Erlen = _proxy_with_attributes(  # type: ignore[assignment]
    _cv_app, "app", _NO_APP_MESSAGE, _APP_ATTRIBUTES
)
g: _AppCtxGlobals = _proxy_with_attributes(  # type: ignore[assignment]
    _cv_app, "g", _NO_APP_MESSAGE, _G_ATTRIBUTES
)

request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _current_request_ctx, unbound_message=_NO_REQUEST_MESSAGE
)
# An AppContext without a request raises RuntimeError(_NO_REQUEST_MESSAGE)
# for "request" and "session", so these two need no check of their own.
request: Request = _proxy_with_attributes(  # type: ignore[assignment]
    _cv_app, "request", _NO_REQUEST_MESSAGE, _REQUEST_ATTRIBUTES
)
session: SessionMixin = _proxy_with_attributes(  # type: ignore[assignment]
    _cv_app, "session", _NO_REQUEST_MESSAGE, _SESSION_ATTRIBUTES
)

__all__ = [
    "_cv_app",
    "app_ctx",
    "current_app",
    "g",
    "request",
    "request_ctx",
    "session",
]
