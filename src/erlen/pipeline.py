"""The request pipeline's machinery: per-endpoint frozen hook chains, and the
bridges between sync and async callables.

The pipeline itself (contexts, hooks, routing errors, view, error handling,
session save, signals, teardown, in the order of the notes' §2.7) is written
once, as ``async def`` functions in :mod:`erlen._pipeline_async`;
``scripts/gen_sync_pipeline.py`` derives :mod:`erlen._pipeline_sync` from it,
which is what WSGI runs.

Setup-time work is done once per endpoint, on its first dispatch:
:func:`build_pipeline` resolves the endpoint's blueprints, orders its hooks,
adapts each callable to the sync and the async driver (so the sync path never
touches an event loop for a sync function) and prepares the error handler
lookup.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import os
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from types import FunctionType, MethodType
from typing import TYPE_CHECKING, Any, TypeVar, overload
from urllib.parse import urljoin

from .globals import _cv_app_get
from .http.exceptions import HTTPException
from .http.urls import iri_to_uri

# PERF: asyncio and concurrent.futures (~10 ms of `import erlen`) load on
# first use: a WSGI app without async code never needs them.
if TYPE_CHECKING:
    import asyncio
    import concurrent.futures

    from blinker import Signal

    from ._workers import WorkerPool
    from .app import Erlen
    from .ctx import RequestContext
    from .http.request import Request
    from .http.response import Response
    from .sessions import SessionMixin

T = TypeVar("T")


def in_event_loop() -> bool:
    """Whether this thread is running an asyncio event loop (never so while
    asyncio is not even imported)."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def is_async_callable(fn: Any) -> bool:
    """Whether calling ``fn`` returns a coroutine (``async def`` functions,
    partials of them, and objects with an ``async def __call__``)."""
    kind = type(fn)
    if kind is MethodType:
        # PERF: bound methods (session_interface.save_session on every request
        # that touched the session) are answered per function from a cache:
        # 1.0 -> 0.15 µs.
        key = fn.__func__
    elif kind is FunctionType and _CODE_DECIDES:
        # PERF: a plain function is async exactly when its code is a
        # coroutine's, so the answer is cached per code object (shared by
        # every closure made from one def, and holding no cells): a template
        # context processor, checked on every render_template, 0.37 -> 0.07 µs.
        key = fn.__code__
    else:
        return _is_async_callable(fn)
    rv = _is_async_by_key.get(key)
    if rv is None:
        if len(_is_async_by_key) >= 512:
            _is_async_by_key.clear()
        rv = _is_async_by_key[key] = _is_async_callable(fn)
    return rv


# Keyed by a bound method's function or a plain function's code object.
_is_async_by_key: dict[Any, bool] = {}
# From 3.12 inspect.markcoroutinefunction marks a function object, not its code.
_CODE_DECIDES = sys.version_info < (3, 12)


def _is_async_callable(fn: Any) -> bool:
    while isinstance(fn, functools.partial):
        fn = fn.func
    if inspect.iscoroutinefunction(fn):
        return True
    if isinstance(fn, type) or inspect.isroutine(fn):
        return False
    return inspect.iscoroutinefunction(getattr(fn, "__call__", None))  # noqa: B004


# -- sync driver: async functions on a per-thread event loop ------------------


class _ThreadLoop:
    """Holds one worker thread's event loop and closes it with the thread."""

    __slots__ = ("loop",)

    def __init__(self) -> None:
        import asyncio

        self.loop = asyncio.new_event_loop()

    def __del__(self) -> None:
        loop = self.loop
        if not loop.is_closed():
            loop.close()


_thread_state = threading.local()


def _loop_for_this_thread() -> asyncio.AbstractEventLoop:
    holder: _ThreadLoop | None = getattr(_thread_state, "holder", None)
    if holder is None or holder.loop.is_closed():
        holder = _thread_state.holder = _ThreadLoop()
    return holder.loop


#: The event loop serving the current ASGI connection (set by erlen.asgi), so
#: sync code in a worker thread runs ``async def`` functions on it.
_cv_serving_loop: contextvars.ContextVar[asyncio.AbstractEventLoop] = contextvars.ContextVar(
    "erlen.serving_loop"
)
# PERF: bound once, for erlen.asgi's per-request calls (see _cv_app_get in
# erlen.globals: ``imported_name.method()`` is not specialised on 3.11).
_cv_serving_loop_get = _cv_serving_loop.get
_cv_serving_loop_set = _cv_serving_loop.set
_cv_serving_loop_reset = _cv_serving_loop.reset


def run_coroutine_sync(
    coro: Coroutine[Any, Any, T],
    context: contextvars.Context | None = None,
    *,
    on_serving_loop: bool = True,
) -> T:
    """Run ``coro`` to completion from sync code and return its result.

    Under ASGI, in a worker thread running a sync view or hook, the coroutine
    runs on the server's event loop (so it may use what is bound to that
    loop); otherwise on this thread's own event loop (created once per
    thread, reused by every call; always so with ``on_serving_loop=False``).
    ``context`` is the :mod:`contextvars` context to run it in (a copy of the
    current one by default).
    """
    if in_event_loop():
        coro.close()
        raise RuntimeError(
            "An 'async def' function cannot be run synchronously from code already"
            " running in an event loop. Serve the app over ASGI, or await it."
        )
    serving = _cv_serving_loop.get(None) if on_serving_loop else None
    if serving is not None and serving.is_running():
        return _run_on_loop(serving, coro, context)
    loop = _loop_for_this_thread()
    if context is None:
        return loop.run_until_complete(coro)
    return loop.run_until_complete(loop.create_task(coro, context=context))


def _run_on_loop(
    loop: asyncio.AbstractEventLoop,
    coro: Coroutine[Any, Any, T],
    context: contextvars.Context | None,
) -> T:
    """Run ``coro`` on ``loop`` (running in another thread) and wait for it."""
    import concurrent.futures

    result: concurrent.futures.Future[T] = concurrent.futures.Future()
    ctx = context if context is not None else contextvars.copy_context()

    def start() -> None:
        if not result.set_running_or_notify_cancel():
            coro.close()
            return
        task = loop.create_task(coro, context=ctx)

        def done(task: asyncio.Task[T]) -> None:
            if task.cancelled():
                result.set_exception(concurrent.futures.CancelledError())
            elif task.exception() is not None:
                result.set_exception(task.exception())
            else:
                result.set_result(task.result())

        task.add_done_callback(done)

    try:
        loop.call_soon_threadsafe(start)
    except RuntimeError:
        coro.close()
        raise RuntimeError("The server's event loop is closed.") from None
    return result.result()


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


def resolve_awaitable_sync(rv: Any) -> Any:
    """Return ``rv``, or what it resolves to when it is awaitable, run on
    this thread's event loop (see :func:`run_coroutine_sync`).

    A plain function may return a coroutine: a sync decorator (written for
    Flask) around an ``async def`` view returns the view's coroutine. The
    pipeline passes what every view, hook and handler returns through this
    (the sync twin of :func:`resolve_awaitable_async`).
    """
    # PERF: hasattr is ~20x cheaper than inspect.isawaitable for the plain
    # values (str, dict, Response) nearly every call returns.
    if not hasattr(rv, "__await__"):
        return rv
    return run_coroutine_sync(rv if inspect.iscoroutine(rv) else _await(rv))


def invoke_sync(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` from sync code: directly when it is sync, on this thread's
    event loop when it is an ``async def`` function (or returns an awaitable)."""
    if is_async_callable(fn):
        return run_coroutine_sync(fn(*args, **kwargs))
    return resolve_awaitable_sync(fn(*args, **kwargs))


def as_sync(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Return a sync callable for ``fn``: ``fn`` itself when it is sync."""
    if not is_async_callable(fn):
        return fn

    def run(*args: Any, **kwargs: Any) -> Any:
        return run_coroutine_sync(fn(*args, **kwargs))

    return functools.update_wrapper(run, fn)


# -- async driver: sync functions in a thread pool ----------------------------

_executor_lock = threading.Lock()
_executor: WorkerPool | None = None


def thread_pool(app: Erlen | None = None) -> WorkerPool:
    """The worker threads that run sync views, hooks and generators under
    ASGI; created on first use with ``ASGI_THREAD_POOL_SIZE`` threads (of
    ``app``, or of the current app) and shared by the process."""
    global _executor
    pool = _executor
    if pool is None:
        with _executor_lock:
            pool = _executor
            if pool is None:
                size = 40
                if app is None:
                    app_ctx = _cv_app_get(None)
                    app = app_ctx.app if app_ctx is not None else None
                if app is not None:
                    size = int(app.config.get("ASGI_THREAD_POOL_SIZE") or size)
                # Imported on first use: concurrent.futures is not cheap to import.
                from ._workers import WorkerPool

                pool = _executor = WorkerPool(size, thread_name_prefix="erlen-sync")
    return pool


_thread_pool = thread_pool


def _forget_inherited_workers() -> None:
    # A forked child (gunicorn/uWSGI with preload, multiprocessing) inherits
    # the pool object but none of its threads: work submitted to it would
    # never run. Start over in the child; the per-thread loop likewise, since
    # its selector is shared with the parent.
    global _executor, _executor_lock, _thread_state
    _executor = None
    _executor_lock = threading.Lock()
    _thread_state = threading.local()


os.register_at_fork(after_in_child=_forget_inherited_workers)


def _hand_over(future: Any, result: Any, error: BaseException | None) -> None:
    # On the event loop: the worker's outcome for the task awaiting it,
    # unless that task stopped waiting (its future was cancelled).
    if future.cancelled():
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


async def run_sync_in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run the sync ``fn`` in the worker thread pool (``ASGI_THREAD_POOL_SIZE``
    threads) with a copy of the current context variables, and await it.

    A caller cancelled before the work starts keeps it from running; once it
    runs, it runs to its end and its outcome is dropped.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    future = loop.create_future()

    # PERF: the worker hands its outcome straight to the loop, instead of
    # through run_in_executor's concurrent future and wrap_future's chained
    # callbacks (a sync view under ASGI: 5-10 µs less per thread hop).
    def work() -> None:
        if future.cancelled():
            return
        try:
            result = context.run(fn, *args, **kwargs)
        except BaseException as error:
            loop.call_soon_threadsafe(_hand_over, future, None, error)
        else:
            loop.call_soon_threadsafe(_hand_over, future, result, None)

    _thread_pool().run_soon(work)
    return await future  # type: ignore[no-any-return]


async def resolve_awaitable_async(rv: Any) -> Any:
    """Return ``rv``, or await it when it is awaitable (the async twin of
    :func:`resolve_awaitable_sync`)."""
    if hasattr(rv, "__await__"):
        return await rv
    return rv


async def invoke_async(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn`` from async code: await it when it is an ``async def``
    function, run it in the thread pool when it is sync (and await what it
    returns if that is awaitable)."""
    if is_async_callable(fn):
        return await fn(*args, **kwargs)
    if is_nonblocking(fn) or ((when := _nonblocking_when(fn)) is not None and when()):
        return await resolve_awaitable_async(fn(*args, **kwargs))
    return await resolve_awaitable_async(await run_sync_in_thread(fn, *args, **kwargs))


#: The attribute :func:`nonblocking` sets on a callable.
NONBLOCKING_ATTR = "__erlen_nonblocking__"

F = TypeVar("F", bound=Callable[..., Any])


@overload
def nonblocking(fn: F, *, when: Callable[[], bool] | None = None) -> F: ...
@overload
def nonblocking(*, when: Callable[[], bool] | None = None) -> Callable[[F], F]: ...
def nonblocking(
    fn: F | None = None, *, when: Callable[[], bool] | None = None
) -> F | Callable[[F], F]:
    """Mark the sync ``fn`` (a hook, an error handler, a view) as safe to
    call on the event loop: it does no blocking I/O and returns quickly.

    Under ASGI erlen then calls it directly instead of in the worker thread
    pool, saving a thread hop per call (tens of microseconds); under WSGI
    nothing changes. Extensions mark their pure-CPU hooks with it::

        @app.after_request
        @nonblocking
        def add_header(response):
            response.headers["X-Frame-Options"] = "DENY"
            return response

    With ``when``, a function of no arguments called (in the request's
    context) before each call, ``fn`` runs on the loop only when it returns
    true, and in the thread pool otherwise: a CSRF check is cheap for a GET
    or a small form, not for a large upload it must parse.
    """

    def mark(function: F) -> F:
        # A bound method takes no attributes; its function does (and the
        # method reads them through), which marks the method for every instance.
        target = function.__func__ if isinstance(function, MethodType) else function
        setattr(target, NONBLOCKING_ATTR, True if when is None else when)
        return function

    return mark if fn is None else mark(fn)


def is_nonblocking(fn: Any) -> bool:
    """Whether ``fn`` was marked with :func:`nonblocking` without a ``when``
    (a bound method counts when its function was)."""
    return getattr(fn, NONBLOCKING_ATTR, False) is True


def _nonblocking_when(fn: Any) -> Callable[[], bool] | None:
    marker = getattr(fn, NONBLOCKING_ATTR, None)
    return marker if marker is not True and callable(marker) else None


def as_async(fn: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Return an ``async`` callable for ``fn``: ``fn`` itself when it is
    async; one calling it on the loop when it is marked :func:`nonblocking`;
    otherwise one that runs ``fn`` in the thread pool and awaits, on the
    event loop, an awaitable it returns."""
    if is_async_callable(fn):
        return fn
    if is_nonblocking(fn):

        async def call(*args: Any, **kwargs: Any) -> Any:
            rv = fn(*args, **kwargs)
            if hasattr(rv, "__await__"):
                rv = await rv
            return rv

        return functools.update_wrapper(call, fn)
    when = _nonblocking_when(fn)
    if when is not None:

        async def call_when(*args: Any, **kwargs: Any) -> Any:
            if when():
                rv = fn(*args, **kwargs)
            else:
                rv = await run_sync_in_thread(fn, *args, **kwargs)
            if hasattr(rv, "__await__"):
                rv = await rv
            return rv

        return functools.update_wrapper(call_when, fn)

    async def run(*args: Any, **kwargs: Any) -> Any:
        rv = await run_sync_in_thread(fn, *args, **kwargs)
        if hasattr(rv, "__await__"):
            rv = await rv
        return rv

    return functools.update_wrapper(run, fn)


# -- signals -------------------------------------------------------------------


def send_sync(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` from the sync driver (``async`` receivers run on the
    thread's loop). Callers check ``signal.receivers`` first."""
    signal.send(sender, _async_wrapper=as_sync, **kwargs)


async def send_async(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` from the async driver: sync receivers are called
    directly (they are expected to be quick), async ones awaited."""
    for receiver in signal.receivers_for(sender):
        rv = receiver(sender, **kwargs)
        if inspect.isawaitable(rv):
            await rv


# -- the frozen per-endpoint pipeline -------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorHandler:
    """A registered error handler, adapted to both drivers."""

    func: Callable[..., Any]
    call_sync: Callable[..., Any]
    call_async: Callable[..., Awaitable[Any]]

    @classmethod
    def of(cls, func: Callable[..., Any]) -> ErrorHandler:
        return cls(func, as_sync(func), as_async(func))


@dataclass(slots=True)
class ErrorLookup:
    """Finds the handler for an exception: blueprints innermost first, then
    the app; within a scope the exception's class MRO, first among handlers
    registered for its HTTP code, then among those registered by class."""

    scopes: tuple[str | None, ...]
    spec: Any
    cache: dict[type[BaseException], ErrorHandler | None] = field(default_factory=dict)

    def find(self, exc_type: type[BaseException]) -> ErrorHandler | None:
        try:
            return self.cache[exc_type]
        except KeyError:
            pass
        found = self._search(exc_type)
        self.cache[exc_type] = found
        return found

    def _search(self, exc_type: type[BaseException]) -> ErrorHandler | None:
        code = getattr(exc_type, "code", None)
        codes = (code, None) if isinstance(code, int) else (None,)
        spec = self.spec
        for c in codes:
            for scope in self.scopes:
                by_code = spec.get(scope)
                if not by_code:
                    continue
                handlers = by_code.get(c)
                if not handlers:
                    continue
                for cls in exc_type.__mro__:
                    handler = handlers.get(cls)
                    if handler is not None:
                        return ErrorHandler.of(handler)
        return None


@dataclass(frozen=True, slots=True)
class EndpointPipeline:
    """What a request to one endpoint runs, resolved once on its first
    dispatch: the view and every hook, already adapted to each driver."""

    endpoint: str | None
    #: The endpoint's blueprints, innermost first (``request.blueprints``).
    blueprints: tuple[str, ...]
    view_sync: Callable[..., Any] | None
    view_async: Callable[..., Awaitable[Any]] | None
    is_async: bool
    #: App first, then each enclosing blueprint, outermost first.
    url_value_preprocessors: tuple[Callable[..., Any], ...]
    before_sync: tuple[Callable[[], Any], ...]
    before_async: tuple[Callable[[], Awaitable[Any]], ...]
    #: Innermost blueprint first, app last; each scope's in reverse registration order.
    after_sync: tuple[Callable[[Any], Any], ...]
    after_async: tuple[Callable[[Any], Awaitable[Any]], ...]
    teardown_sync: tuple[Callable[[BaseException | None], Any], ...]
    teardown_async: tuple[Callable[[BaseException | None], Awaitable[Any]], ...]
    errors: ErrorLookup
    #: The async driver runs the whole dispatch (hooks, view, response,
    #: session save) in one worker-thread call: the view and every hook are
    #: sync, so hopping to the thread pool for each of them would only add
    #: thread switches.
    offload_async: bool = False
    #: Always False: the sync driver already runs where it is.
    offload_sync: bool = False
    #: ``offload_async``, and every ``teardown_request`` function is sync too:
    #: the ASGI adapter then runs the whole request (context push, dispatch,
    #: teardown, pop) in one worker-thread call of the sync pipeline.
    whole_request_sync: bool = False
    #: Set (by :func:`mark_stale`, the one change made after construction)
    #: when a registry this was built from changes: a request holding it
    #: then runs the chain rebuilt from the registries as they are now.
    stale: bool = False


def mark_stale(ep: EndpointPipeline) -> None:
    """Tell the requests holding ``ep`` that the registries changed."""
    object.__setattr__(ep, "stale", True)


def autocorrect_location(response: Response, request: Request) -> None:
    """Make a relative ``Location`` absolute against the request's URL, for a
    response class with ``autocorrect_location_header`` set (off by default,
    as in Werkzeug 2.1 and later)."""
    headers = response.headers
    location = headers.get("Location")
    if location is not None:
        headers["Location"] = urljoin(iri_to_uri(request.base_url), iri_to_uri(location))


def find_error_handler(
    app: Erlen, ctx: RequestContext, ep: EndpointPipeline, e: BaseException
) -> ErrorHandler | None:
    """The handler for ``e`` in the request's scopes, or None."""
    lookup = ep.errors
    if (
        ep.endpoint is None
        and isinstance(e, HTTPException)
        and e.code in (404, 405)
        and app._blueprint_prefixes
    ):
        # COMPAT(flask): beyond Flask, a URL under a blueprint's url_prefix
        # that matches no rule is handled by that blueprint's 404/405 handler
        # (the longest matching prefix wins), then the app's.
        lookup = app._routing_error_lookup(ctx.request.path)
    return lookup.find(type(e))


def first_request_lock_sync(app: Erlen) -> threading.Lock:
    """The lock that makes ``before_first_request`` functions run once."""
    return app._before_first_request_lock


def first_request_lock_async(app: Erlen) -> ThreadLockAsync:
    """The async twin of :func:`first_request_lock_sync`: the same thread
    lock, awaited without blocking the event loop, so it holds across
    threads and event loops (a server may run one loop per thread)."""
    return ThreadLockAsync(app._before_first_request_lock)


class ThreadLockAsync:
    """``async with`` over a :class:`threading.Lock`: waiting polls the lock
    and yields to the event loop, never blocking it."""

    __slots__ = ("_lock",)

    def __init__(self, lock: threading.Lock) -> None:
        self._lock = lock

    async def __aenter__(self) -> None:
        # Contended only while setup functions run (first request, startup),
        # so a short poll is simpler than a cross-loop waiter queue.
        import asyncio

        delay = 0.0005
        while not self._lock.acquire(blocking=False):
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.02)

    async def __aexit__(self, *exc_info: object) -> None:
        self._lock.release()


def serving_lock_sync(app: Erlen) -> threading.Lock:
    """The lock that makes ``before_serving`` functions run once."""
    return app._serving_lock


def serving_lock_async(app: Erlen) -> ThreadLockAsync:
    """The async twin of :func:`serving_lock_sync` (the same lock)."""
    return ThreadLockAsync(app._serving_lock)


def blueprint_chain(endpoint: str | None) -> tuple[str, ...]:
    """The blueprints of ``endpoint``, innermost first: ``"a.b.view"`` gives
    ``("a.b", "a")``."""
    if not endpoint or "." not in endpoint:
        return ()
    name = endpoint.rpartition(".")[0]
    out = [name]
    while "." in name:
        name = name.rpartition(".")[0]
        out.append(name)
    return tuple(out)


def _collect(
    registry: dict[str | None, list[Any]], scopes: Iterable[str | None], reverse: bool = False
) -> tuple[Any, ...]:
    out: list[Any] = []
    for scope in scopes:
        funcs = registry.get(scope)
        if funcs:
            out.extend(reversed(funcs) if reverse else funcs)
    return tuple(out)


class HookList(list[Any]):
    """One scope's functions in an app's hook registry
    (``app.after_request_funcs[None]``): calls ``changed()`` after each
    change, so that a frozen chain built from it is dropped."""

    __slots__ = ("_changed",)

    def __init__(self, changed: Callable[[], None], items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._changed = changed


def _then_changed(name: str) -> Callable[..., Any]:
    method = getattr(list, name)

    @functools.wraps(method)
    def changing(self: HookList, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        self._changed()
        return result

    return changing


for _name in (
    "__delitem__",
    "__iadd__",
    "__imul__",
    "__setitem__",
    "append",
    "clear",
    "extend",
    "insert",
    "pop",
    "remove",
    "reverse",
    "sort",
):
    setattr(HookList, _name, _then_changed(_name))
del _name


class WatchedDict(dict[Any, Any]):
    """A dict of the app's that a frozen chain is built from
    (``view_functions``): calls ``changed()`` after each change.

    COMPAT(flask): Flask reads ``view_functions`` and the hook registries on
    every request, so code may change them after the first one (a test
    replacing a view, Flask-Caching appending an ``after_request`` function
    from a view); erlen then drops the chains it froze and marks them stale,
    which a request checks after its view and at teardown, so a hook added
    by a view already runs for that request, as in Flask.
    """

    def __init__(self, changed: Callable[[], None], items: Mapping[Any, Any]) -> None:
        super().__init__()
        self._changed = changed
        for key, value in items.items():
            dict.__setitem__(self, key, self._wrap(value))

    def _wrap(self, value: Any) -> Any:
        return value

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, self._wrap(value))
        self._changed()

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._changed()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __ior__(self, other: Any) -> WatchedDict:  # type: ignore[misc]
        self.update(other)
        return self

    def pop(self, *args: Any) -> Any:
        result = super().pop(*args)
        self._changed()
        return result

    def popitem(self) -> tuple[Any, Any]:
        result = super().popitem()
        self._changed()
        return result

    def clear(self) -> None:
        super().clear()
        self._changed()


class HookRegistry(WatchedDict):
    """An app's hook registry (``before_request_funcs``, ...): a
    :class:`WatchedDict` whose missing scope reads as an empty list, as with
    Flask's ``defaultdict(list)``, and whose values are :class:`HookList`
    objects, so that changing a scope's list is noticed too."""

    def _wrap(self, value: Any) -> HookList:
        if isinstance(value, HookList) and value._changed is self._changed:
            return value
        return HookList(self._changed, () if value is None else value)

    def __missing__(self, key: Any) -> HookList:
        value = HookList(self._changed)
        dict.__setitem__(self, key, value)
        return value


def build_pipeline(app: Erlen, endpoint: str | None) -> EndpointPipeline:
    """Resolve everything a request to ``endpoint`` runs (None: requests
    that matched no rule)."""
    blueprints = blueprint_chain(endpoint)
    outer_first: tuple[str | None, ...] = (None, *reversed(blueprints))
    inner_first: tuple[str | None, ...] = (*blueprints, None)

    view = app.view_functions.get(endpoint) if endpoint is not None else None
    before = _collect(app.before_request_funcs, outer_first)
    after = _collect(app.after_request_funcs, inner_first, reverse=True)
    teardown = _collect(app.teardown_request_funcs, inner_first, reverse=True)
    all_sync = (
        view is not None
        and not is_async_callable(view)
        and not any(is_async_callable(f) for f in (*before, *after))
    )
    return EndpointPipeline(
        endpoint=endpoint,
        blueprints=blueprints,
        view_sync=None if view is None else as_sync(view),
        view_async=None if view is None else as_async(view),
        is_async=view is not None and is_async_callable(view),
        url_value_preprocessors=_collect(app.url_value_preprocessors, outer_first),
        before_sync=tuple(as_sync(f) for f in before),
        before_async=tuple(as_async(f) for f in before),
        after_sync=tuple(as_sync(f) for f in after),
        after_async=tuple(as_async(f) for f in after),
        teardown_sync=tuple(as_sync(f) for f in teardown),
        teardown_async=tuple(as_async(f) for f in teardown),
        errors=ErrorLookup(inner_first, app.error_handler_spec),
        offload_async=all_sync,
        whole_request_sync=all_sync and not any(is_async_callable(f) for f in teardown),
    )


async def dispatch_in_thread_async(app: Erlen, ctx: RequestContext) -> Any:
    """Run the sync pipeline's ``full_dispatch_request_sync`` for ``ctx`` in
    the thread pool (one thread hop for the whole dispatch) and return the
    response."""
    from ._pipeline_sync import full_dispatch_request_sync

    return await run_sync_in_thread(full_dispatch_request_sync, app, ctx)


def dispatch_in_thread_sync(app: Erlen, ctx: RequestContext) -> Any:
    """The sync driver never offloads (``EndpointPipeline.offload_sync`` is
    False); present so the generated twin's names resolve."""
    raise RuntimeError("The sync pipeline does not offload its dispatch.")


async def preload_session_async(app: Erlen, ctx: RequestContext) -> None:
    """Open the session now, in the worker thread pool, when the session
    interface asks for it (``preload_session``: a store behind network I/O)
    and the request carries a session cookie.

    Under ASGI the ``session`` proxy opens the session lazily and
    synchronously, on the event loop when the view is ``async def``; a store
    such as Redis would then block every other request for a round trip.
    Without a cookie there is nothing to load, so the lazy open stays cheap.
    """
    interface = app.session_interface
    request = ctx.request
    if ctx._session is not None or interface.get_cookie_name(app) not in request.cookies:
        return
    session = await run_sync_in_thread(interface.open_session, app, request)
    if session is None:
        session = interface.make_null_session(app)
    ctx._session = session


def preload_session_sync(app: Erlen, ctx: RequestContext) -> None:
    """Under WSGI the session opens lazily on first use: a blocking open costs
    nothing more there, and an untouched session is never loaded."""


def session_to_refresh(app: Erlen, ctx: RequestContext) -> bool:
    """Whether a session this request never touched must still be opened and
    saved: the request carries the session cookie and
    ``SESSION_REFRESH_EACH_REQUEST`` is on.

    Flask opens the session on every request, so a permanent session's cookie
    (and a server-side record's expiry) moves forward on any request, also
    one for a page that never reads ``session``. erlen opens it lazily; this
    keeps Flask's promise for the requests that carry the cookie, and leaves
    the others (no cookie: nothing to refresh) without the cost, and so
    are those whose session interface knows, without opening the session,
    that a save would send nothing (``should_open_to_refresh``).
    """
    request = ctx.request
    # PERF: the header test first: a request without cookies costs one lookup.
    if ctx._session is not None or "Cookie" not in request.headers:
        return False
    if not app.config.get("SESSION_REFRESH_EACH_REQUEST", True):
        return False
    interface = app.session_interface
    if interface.get_cookie_name(app) not in request.cookies:
        return False
    # erlen's own question, so an interface written for Flask may lack it.
    ask = getattr(interface, "should_open_to_refresh", None)
    return ask is None or bool(ask(app, request))


async def open_session_to_refresh_async(app: Erlen, ctx: RequestContext) -> SessionMixin | None:
    """:func:`open_session_to_refresh_sync`, in the worker thread pool when
    the session interface blocks on I/O."""
    if getattr(app.session_interface, "blocking_io", True):
        return await run_sync_in_thread(open_session_to_refresh_sync, app, ctx)
    return open_session_to_refresh_sync(app, ctx)


def open_session_to_refresh_sync(app: Erlen, ctx: RequestContext) -> SessionMixin | None:
    """Open the untouched session of ``ctx`` so that it can be saved (see
    :func:`session_to_refresh`) and return it.

    A failure is logged and None returned: the response goes out as it is,
    since a refresh that cannot happen loses nothing the user stored.
    """
    interface = app.session_interface
    try:
        session = interface.open_session(app, ctx.request)
    except Exception:
        app.logger.exception("Opening the session to refresh its cookie failed")
        return None
    if session is None:
        session = interface.make_null_session(app)
    ctx._session = session
    return session


@dataclass(frozen=True, slots=True)
class WebsocketPipeline:
    """What a WebSocket connection to one endpoint runs, resolved once: the
    handler and the ``before_websocket`` / ``after_websocket`` hooks."""

    endpoint: str
    handler: Callable[..., Awaitable[Any]] | None
    url_value_preprocessors: tuple[Callable[..., Any], ...]
    #: App first, then each enclosing blueprint, outermost first.
    before: tuple[Callable[[], Awaitable[Any]], ...]
    #: Innermost blueprint first, app last; each scope's in reverse registration order.
    after: tuple[Callable[[Any], Awaitable[Any]], ...]
    errors: ErrorLookup


def build_websocket_pipeline(app: Erlen, endpoint: str) -> WebsocketPipeline:
    """Resolve the handler and hooks of the WebSocket ``endpoint``."""
    blueprints = blueprint_chain(endpoint)
    outer_first: tuple[str | None, ...] = (None, *reversed(blueprints))
    inner_first: tuple[str | None, ...] = (*blueprints, None)
    handler = app.view_functions.get(endpoint)
    before = _collect(app.before_websocket_funcs, outer_first)
    after = _collect(app.after_websocket_funcs, inner_first, reverse=True)
    return WebsocketPipeline(
        endpoint=endpoint,
        handler=None if handler is None else as_async(handler),
        url_value_preprocessors=_collect(app.url_value_preprocessors, outer_first),
        before=tuple(as_async(f) for f in before),
        after=tuple(as_async(f) for f in after),
        errors=ErrorLookup(inner_first, app.error_handler_spec),
    )


__all__ = [
    "EndpointPipeline",
    "ErrorHandler",
    "ThreadLockAsync",
    "ErrorLookup",
    "as_async",
    "as_sync",
    "WebsocketPipeline",
    "blueprint_chain",
    "build_pipeline",
    "build_websocket_pipeline",
    "dispatch_in_thread_async",
    "dispatch_in_thread_sync",
    "find_error_handler",
    "first_request_lock_async",
    "first_request_lock_sync",
    "invoke_async",
    "invoke_sync",
    "is_async_callable",
    "mark_stale",
    "open_session_to_refresh_async",
    "open_session_to_refresh_sync",
    "resolve_awaitable_async",
    "resolve_awaitable_sync",
    "run_coroutine_sync",
    "run_sync_in_thread",
    "send_async",
    "send_sync",
    "serving_lock_async",
    "serving_lock_sync",
    "session_to_refresh",
    "thread_pool",
]
