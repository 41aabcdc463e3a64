"""Application and request contexts.

An :class:`AppContext` makes ``current_app`` and ``g`` available; a
:class:`RequestContext` makes ``request`` and ``session`` available too (and
runs in an application context: the active one when it belongs to the same
app, else one of its own). Both live in one :mod:`contextvars` variable, so
they are isolated per thread and per asyncio task, and a request costs one
variable set and reset, not two.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from contextvars import Token
from functools import update_wrapper
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from .globals import (
    _NO_REQUEST_MESSAGE,
    _current_request_ctx,
    _cv_app_get,
    _cv_app_reset,
    _cv_app_set,
    _request_ctx,
)
from .http.exceptions import HTTPException
from .pipeline import is_async_callable
from .routing import WebsocketMismatch
from .signals import appcontext_popped, appcontext_pushed

if TYPE_CHECKING:
    from .app import Erlen
    from .pipeline import EndpointPipeline
    from .routing import MapAdapter
    from .sessions import SessionMixin
    from .wrappers import Request, Response

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

_MISSING: Any = object()
#: RequestContext._url_adapter until the adapter is first needed.
_LAZY: Any = object()


class _AppCtxGlobals:
    """The ``g`` namespace: a plain object for data that lives as long as the
    application context (usually one request).

    Besides attribute access it offers ``get``, ``pop``, ``setdefault``, ``in``
    and iteration over the attribute names.
    """

    if TYPE_CHECKING:
        # Type checkers only: any attribute may be set on and read from ``g``.
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    def get(self, name: str, default: Any | None = None) -> Any:
        """Return the attribute ``name``, or ``default`` when it is not set."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: Any = _MISSING) -> Any:
        """Remove the attribute ``name`` and return its value; return
        ``default`` if it is not set, or raise ``KeyError`` without one."""
        if default is _MISSING:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        """Return the attribute ``name``, setting it to ``default`` first if
        it is missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_app_get(None)
        if ctx is not None:
            return f"<erlen.g of {ctx.app.name!r}>"
        return object.__repr__(self)


class AppContext:
    """The application context: binds ``current_app`` and ``g``.

    Created by :meth:`Erlen.app_context` and pushed automatically for each
    request. Use it as a context manager to run code that needs the app (CLI
    commands, scripts, tests)::

        with app.app_context():
            init_db()
    """

    # "__dict__": extensions may keep their own state on a context, as on
    # Flask's; the dict is only created when one does. "__weakref__": they
    # may hold one weakly, as on Flask's (OpenTelemetry's Flask
    # instrumentation keeps a weak reference to the request context).
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_g",
        "_nested",
        "_request_ctx",
        "_token",
        "_url_adapter",
        "app",
    )

    #: The context variable holds either class; this tells them apart cheaply.
    _is_request_context = False

    def __init__(self, app: Erlen) -> None:
        self.app = app
        # PERF: ``g`` and the URL adapter are built on first use only; most
        # requests never touch the adapter of the app context.
        self._g: Any = None
        self._url_adapter: Any = _MISSING
        # PERF: one token slot; a list only for a context pushed twice.
        self._token: Token[AppContext | RequestContext] | None = None
        self._nested: (
            list[tuple[Token[AppContext | RequestContext], RequestContext | None]] | None
        ) = None
        # COMPAT(flask): the request context that was active when this one
        # was pushed stays usable inside it (``request``, ``session``).
        self._request_ctx: RequestContext | None = None

    def _active_request_ctx(self) -> RequestContext | None:
        """The request context this context answers for: the one active when
        it was pushed, or, while a request is current, that request's when
        this is its app context (what ``app_ctx`` gives inside a request)."""
        req_ctx = self._request_ctx
        if req_ctx is None:
            # COMPAT(flask): in Flask 3.2 the context of a request is one
            # object with its app context, so ``app_ctx.session`` is the
            # request's session (Flask-SocketIO asks for it).
            current = _request_ctx()
            if current is not None and current._app_ctx is self:
                req_ctx = current
        return req_ctx

    @property
    def has_request(self) -> bool:
        """Whether a request is active in this context (it was pushed while
        one was, or it is the app context of the current request)."""
        return self._active_request_ctx() is not None

    @property
    def request(self) -> Request:
        """The request active in this context; RuntimeError without one."""
        req_ctx = self._active_request_ctx()
        if req_ctx is None:
            raise RuntimeError(_NO_REQUEST_MESSAGE)
        return req_ctx.request

    @property
    def session(self) -> SessionMixin:
        """The session of :attr:`request`; RuntimeError without a request.
        Assigning it replaces the request's session (as on
        :class:`RequestContext`)."""
        req_ctx = self._active_request_ctx()
        if req_ctx is None:
            raise RuntimeError(_NO_REQUEST_MESSAGE)
        return req_ctx.session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        req_ctx = self._active_request_ctx()
        if req_ctx is None:
            raise RuntimeError(_NO_REQUEST_MESSAGE)
        req_ctx.session = value

    def _get_app_ctx(self) -> AppContext:
        return self

    @property
    def g(self) -> _AppCtxGlobals:
        """The ``g`` object of this context."""
        g = self._g
        if g is None:
            g = self._g = self.app.app_ctx_globals_class()
        return g  # type: ignore[no-any-return]

    @g.setter
    def g(self, value: _AppCtxGlobals) -> None:
        self._g = value

    @property
    def url_adapter(self) -> MapAdapter | None:
        """A URL adapter bound from ``SERVER_NAME`` etc., or None."""
        adapter = self._url_adapter
        if adapter is _MISSING:
            adapter = self._url_adapter = self.app.create_url_adapter(None)
        return adapter  # type: ignore[no-any-return]

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value

    def _enter(self) -> None:
        request_ctx = _request_ctx()
        token = _cv_app_set(self)
        if self._token is not None:
            if self._nested is None:
                self._nested = []
            self._nested.append((self._token, self._request_ctx))
        self._token = token
        self._request_ctx = request_ctx

    def _leave(self) -> None:
        current = _cv_app_get(None)
        token = self._token
        if token is None:
            raise RuntimeError(f"{self!r} is not pushed.")
        nested = self._nested
        if nested:
            self._token, self._request_ctx = nested.pop()
        else:
            self._token = self._request_ctx = None
        _cv_app_reset(token)
        if current is not self:
            raise AssertionError(f"Popped the wrong app context ({current!r} instead of {self!r}).")

    def push(self) -> None:
        """Make this context the current one."""
        self._enter()
        if appcontext_pushed.receivers:
            appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _MISSING) -> None:
        """Pop this context; on its last pop, run the ``teardown_appcontext``
        functions with ``exc`` (the active exception by default)."""
        if self._token is None:
            return
        try:
            if not self._nested:
                if exc is _MISSING:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            self._leave()
        if appcontext_popped.receivers:
            appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return f"<AppContext of {self.app.name!r}>"


class RequestContext:
    """The request context: binds ``request`` and ``session`` for one request.

    The app creates and pushes one for each request. In tests, build one with
    :meth:`Erlen.test_request_context`::

        with app.test_request_context("/logout"):
            logout()

    The session is opened lazily, on the first access of :attr:`session`: a
    request that never touches it never reads or writes the session cookie.

    While it is pushed, the context variable holds this object itself: it
    answers ``current_app`` and ``g`` as well, ``g`` being that of its app
    context (the active one of the same app when it was pushed, else one of
    its own, built on first use).
    """

    # "__dict__", "__weakref__": see AppContext.
    __slots__ = (
        "__dict__",
        "__weakref__",
        "_after_request_functions",
        "_app_ctx",
        "_matched",
        "_nested",
        "_owns_app_ctx",
        "_pipeline",
        "_session",
        "_token",
        "_url_adapter",
        "app",
        "flashes",
        "request",
    )

    _is_request_context = True

    def __init__(self, app: Erlen, request: Request, session: SessionMixin | None = None) -> None:
        self.app = app
        self.request = request
        self._url_adapter: MapAdapter | None = None
        cls = type(app)
        if (
            app.config["TRUSTED_HOSTS"] is None
            and cls.create_url_adapter is cls._erlen_create_url_adapter
            and "create_url_adapter" not in app.__dict__
        ):
            # PERF: erlen's create_url_adapter and no TRUSTED_HOSTS check to
            # run when the request arrives: matching needs no adapter object;
            # url_for builds it on first use (hello world: 0.6 µs less per request).
            self._url_adapter = _LAZY
        else:
            try:
                self._url_adapter = app.create_url_adapter(request)
            except HTTPException as e:
                request.routing_exception = e
        self.flashes: list[tuple[str, str]] | None = None
        self._session = session
        # PERF: created by the first after_this_request only.
        self._after_request_functions: list[Callable[[Response], Response]] | None = None
        # PERF: the token of the latest push and its app context live in
        # slots; a list exists only for a context pushed twice.
        self._token: Token[AppContext | RequestContext] | None = None
        # The app context: the outer one of the same app, or, when this
        # context stands in for its own (``_owns_app_ctx``), one built on
        # first use (PERF: most requests never touch ``g``).
        self._app_ctx: AppContext | None = None
        self._owns_app_ctx = False
        self._nested: (
            list[tuple[Token[AppContext | RequestContext], bool, AppContext | None]] | None
        ) = None
        self._matched = False
        # The endpoint's pipeline, once the request was dispatched.
        self._pipeline: EndpointPipeline | None = None

    @property
    def g(self) -> _AppCtxGlobals:
        """The ``g`` of this request's app context."""
        return self._get_app_ctx().g

    def _get_app_ctx(self) -> AppContext:
        """This request's app context (built now if it owns one not built yet)."""
        app_ctx = self._app_ctx
        if app_ctx is None:
            app_ctx = self._app_ctx = AppContext(self.app)
        return app_ctx

    @property
    def url_adapter(self) -> MapAdapter | None:
        """The app's URL map bound to this request (``create_url_adapter``),
        built on first use."""
        adapter = self._url_adapter
        if adapter is _LAZY:
            adapter = self._url_adapter = self.app.create_url_adapter(self.request)
        return adapter

    @url_adapter.setter
    def url_adapter(self, value: MapAdapter | None) -> None:
        self._url_adapter = value

    @property
    def session(self) -> SessionMixin:
        """The session of this request, opened through the app's
        ``session_interface`` on first access."""
        session = self._session
        if session is None:
            interface = self.app.session_interface
            session = interface.open_session(self.app, self.request)
            if session is None:
                session = interface.make_null_session(self.app)
            self._session = session
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session = value

    @property
    def session_opened(self) -> bool:
        """Whether the session was opened (touched) during this request."""
        return self._session is not None

    def copy(self) -> RequestContext:
        """Return a new context for the same request and session, to push in
        another thread or greenlet (see :func:`copy_current_request_context`)."""
        return self.__class__(self.app, self.request, self.session)

    #: Whether this context serves a WebSocket connection (see erlen.websocket).
    is_websocket = False

    def match_request(self) -> None:
        """Match the request's URL against the app's rules, storing the rule
        and view arguments, or the routing error, on the request.

        A plain HTTP request for a WebSocket route gets a 426 (Upgrade
        Required) routing error.
        """
        self._matched = True
        adapter = self._url_adapter
        if adapter is None:
            return
        request = self.request
        try:
            if adapter is _LAZY:
                # Matched as app.create_url_adapter(request).match(return_rule=True)
                # would, without building the adapter (see Map.match_request).
                app = self.app
                url_map = app.url_map
                server_name: str | None = None
                subdomain: str | None = None
                if not url_map.host_matching:
                    server_name = app.config["SERVER_NAME"]
                    if not app.subdomain_matching:
                        subdomain = url_map.default_subdomain or ""
                request.url_rule, request.view_args = url_map.match_request(
                    request, server_name, subdomain
                )
            else:
                request.url_rule, request.view_args = adapter.match(return_rule=True)
        except HTTPException as e:
            if isinstance(e, WebsocketMismatch) and not self.is_websocket:
                e = _upgrade_required()
            # PERF: the traceback's frames hold the request, which holds the
            # error: a reference cycle per 404 left for the garbage collector
            # (404: about 2 µs of collection per request). Raising it later
            # starts a new traceback.
            request.routing_exception = e.with_traceback(None)
            return
        rule: Any = request.url_rule
        if rule.websocket and not self.is_websocket:
            # An Upgrade handshake reached the HTTP side (a WSGI server, or an
            # ASGI server without WebSocket support). COMPAT(flask): a plain
            # function on a websocket=True rule is a WSGI view that takes the
            # connection itself (Flask-Sock's routes), served as in Flask; an
            # erlen WebSocket handler (async def) needs the ASGI side.
            view = self.app.view_functions.get(rule.endpoint)
            if view is None or is_async_callable(view):
                request.url_rule = request.view_args = None
                request.routing_exception = _upgrade_required()

    def _enter(self) -> bool:
        """Set the context variable; return whether this push stands in for
        an app context of its own (no active one of the same app: the
        caller then sends ``appcontext_pushed`` and later tears it down)."""
        app = self.app
        current = _cv_app_get(None)
        if current is None or current.app is not app:
            owns = True
            outer: AppContext | None = None
        else:
            # COMPAT(flask): the active app context of the same app is
            # reused, so ``g`` carries over into the request.
            owns = False
            outer = current._get_app_ctx()
        token = _cv_app_set(self)
        if self._token is not None:
            if self._nested is None:
                self._nested = []
            self._nested.append((self._token, self._owns_app_ctx, self._app_ctx))
        self._token = token
        self._owns_app_ctx = owns
        # A fresh push that owns its app context gets a fresh ``g``.
        self._app_ctx = outer
        if not self._matched:
            self.match_request()
        return owns

    def push(self) -> None:
        """Make this the current request (in an app context of its own when
        none of its app is active)."""
        if self._enter() and appcontext_pushed.receivers:
            token = self._set_app_ctx_alone()
            try:
                appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)
            finally:
                _cv_app_reset(token)

    def _set_app_ctx_alone(self) -> Token[AppContext | RequestContext]:
        """Make this request's app context the current context, without the
        request, and return the token to reset: ``appcontext_pushed`` runs
        like that, as Flask sends it before it pushes the request."""
        return _cv_app_set(self._get_app_ctx())

    def _leave(self) -> bool:
        """Reset the context variable; return whether that push owned its app
        context (the caller then tears it down with :meth:`_push_app_ctx_for_teardown`)."""
        current = _cv_app_get(None)
        token = self._token
        if token is None:
            raise RuntimeError(f"{self!r} is not pushed.")
        owned = self._owns_app_ctx
        nested = self._nested
        if nested:
            self._token, self._owns_app_ctx, self._app_ctx = nested.pop()
        else:
            # _app_ctx stays: the teardown of an owned app context sees its g.
            self._token = None
            self._owns_app_ctx = False
        _cv_app_reset(token)
        if current is not self:
            raise AssertionError(
                f"Popped the wrong request context ({current!r} instead of {self!r})."
            )
        return owned

    def _push_app_ctx_for_teardown(self) -> AppContext:
        """Push this request's own app context alone, as Flask has it for the
        ``teardown_appcontext`` functions (``g`` and ``current_app``, no
        ``request``); the caller pops it."""
        app_ctx = self._get_app_ctx()
        app_ctx._enter()
        return app_ctx

    def pop(self, exc: BaseException | None = _MISSING) -> None:
        """Pop this context. On its last pop, run the ``teardown_request``
        functions with ``exc`` (the active exception by default), close the
        request, and pop the app context pushed with it."""
        if self._token is None:
            return
        if exc is _MISSING:
            exc = sys.exc_info()[1]
        try:
            if not self._nested:
                self.app.do_teardown_request(exc)
                self.request.close()
        finally:
            if self._leave():
                self._push_app_ctx_for_teardown().pop(exc)

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        request = self.request
        return f"<{type(self).__name__} {request.url!r} [{request.method}] of {self.app.name}>"


def _upgrade_required() -> HTTPException:
    from .websocket import upgrade_required

    return upgrade_required()


def has_app_context() -> bool:
    """Return True when an application context is active (``current_app`` and
    ``g`` are usable)."""
    return _cv_app_get(None) is not None


def has_request_context() -> bool:
    """Return True when a request context is active (``request`` and
    ``session`` are usable)::

        if has_request_context():
            remote = request.remote_addr
    """
    return _request_ctx() is not None


def after_this_request(f: F) -> F:
    """Run ``f(response)`` after the current request, before the app's
    ``after_request`` functions. ``f`` must return a response (the same one or
    a new one)::

        @app.route("/")
        def index():
            @after_this_request
            def add_header(response):
                response.headers["X-Foo"] = "Parachute"
                return response
            return "Hello"
    """
    ctx = _current_request_ctx(
        "'after_this_request' needs an active request context, such as inside a view function."
    )
    functions = ctx._after_request_functions
    if functions is None:
        functions = ctx._after_request_functions = []
    functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Decorate ``f`` so that it runs inside a copy of the current request
    context, for example in a background thread started from a view. ``f`` may
    be an ``async def`` function; it is run through ``app.ensure_sync``."""
    copied = _current_request_ctx(
        "'copy_current_request_context' needs an active request context,"
        " such as inside a view function."
    ).copy()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


@overload
def stream_with_context(generator_or_function: Iterator[T]) -> Iterator[T]: ...
@overload
def stream_with_context(generator_or_function: AsyncIterator[T]) -> AsyncIterator[T]: ...
@overload
def stream_with_context(generator_or_function: F) -> F: ...
def stream_with_context(generator_or_function: Any) -> Any:
    """Keep the request context (``request``, ``session``, ``g``) available
    while a streamed response body is produced, after the view returned.

    Use it on a generator or an async generator, or as a decorator on a
    (sync or async) generator function::

        @app.get("/stream")
        def stream():
            @stream_with_context
            def generate():
                yield "Hello "
                yield request.args["name"]
            return Response(generate())
    """
    if hasattr(generator_or_function, "__aiter__"):
        return _with_context_async(generator_or_function, _current_request_ctx(_NO_STREAM_CONTEXT))
    try:
        gen = iter(generator_or_function)
    except TypeError:
        function = generator_or_function

        def decorator(*args: Any, **kwargs: Any) -> Any:
            return stream_with_context(function(*args, **kwargs))

        return update_wrapper(decorator, function)
    return _with_context(gen, _current_request_ctx(_NO_STREAM_CONTEXT))


def _default_template_ctx_processor() -> dict[str, Any]:
    """Put ``g``, ``request`` and ``session`` into every template's context.

    The app registers it as its first context processor. It hands templates
    the real objects, not proxies, and only those whose context is active.
    """
    rv: dict[str, Any] = {}
    ctx = _cv_app_get(None)
    if ctx is None:
        return rv
    rv["g"] = ctx.g
    req_ctx = _request_ctx()
    if req_ctx is not None:
        rv["request"] = req_ctx.request
        # PERF: a session not opened yet stays closed; the ``session`` global
        # (a proxy) opens it if the template really reads it.
        if req_ctx.session_opened:
            rv["session"] = req_ctx.session
    return rv


_NO_STREAM_CONTEXT = (
    "'stream_with_context' needs an active request context, such as inside a view function."
)


def _reset(token: Token[AppContext | RequestContext]) -> None:
    try:
        _cv_app_reset(token)
    except ValueError:
        # The server finished the body from another context; nothing of
        # ours is left set there.
        pass


def _with_context(gen: Iterator[T], req_ctx: RequestContext) -> Iterator[T]:
    # COMPAT(flask): the context is re-entered around the body without
    # running the teardown functions a second time.
    token = _cv_app_set(req_ctx)
    try:
        yield from gen
    finally:
        close = getattr(gen, "close", None)
        try:
            if close is not None:
                close()
        finally:
            _reset(token)


async def _with_context_async(
    source: AsyncIterable[T], req_ctx: RequestContext
) -> AsyncIterator[T]:
    token = _cv_app_set(req_ctx)
    iterator = source.__aiter__()
    try:
        async for item in iterator:
            yield item
    finally:
        aclose = getattr(iterator, "aclose", None)
        try:
            if aclose is not None:
                await aclose()
        finally:
            _reset(token)


__all__ = [
    "AppContext",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
    "stream_with_context",
]
