"""How the test client reaches the app: one WSGI call, or one ASGI connection.

Both transports take the WSGI environ that :class:`~erlen.testing.EnvironBuilder`
built (so a request is put together in one place only) and return the status,
the header list and the body chunks. The ASGI transport derives the connection
scope from that environ with :func:`asgi_scope`, runs the app on an event loop
owned by the client, feeds the body in ``http.request`` messages and collects
what the app sends.
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections.abc import (
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
)
from itertools import chain
from typing import Any, Final, TypeVar
from urllib.parse import quote, unquote_to_bytes

from erlen.http.wsgi import _PATH_SAFE
from erlen.pipeline import _cv_serving_loop_get

from .builder import _int_or_none

__all__ = [
    "ASGITransport",
    "PRESERVE_CONTEXT_KEY",
    "PreservedContexts",
    "WSGITransport",
    "asgi_scope",
]

#: The environ key (WSGI) and ``scope["extensions"]`` key (ASGI) under which the
#: client hands the pipeline a callable that takes the contexts it must keep
#: pushed (``with client:``).
PRESERVE_CONTEXT_KEY: Final = "erlen.preserve_context"

ASGIMessage = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[ASGIMessage]]
Send = Callable[[ASGIMessage], Awaitable[None]]

#: Request bodies larger than this reach an ASGI app in several ``http.request``
#: messages (``more_body=True``), as a server delivers what it reads.
BODY_CHUNK_SIZE: Final = 64 * 1024
#: How long closing the client waits for the app's lifespan shutdown.
_SHUTDOWN_TIMEOUT: Final = 10.0
_ASGI_VERSION: Final = {"version": "3.0", "spec_version": "2.4"}
_MISSING: Any = object()
_T = TypeVar("_T")


# ---------------------------------------------------------------------------
# contexts kept by ``with client:``


class PreservedContexts:
    """The contexts one request left pushed for ``with client:``.

    Under WSGI they were pushed in the caller's own context. Under ASGI they
    were pushed inside the app's task, so :meth:`adopt` copies the context
    variables the request set into the caller's context (making ``request``,
    ``session`` and ``g`` work after the call) and :meth:`pop` undoes that
    before popping each context inside the task's context, where its tokens
    belong.
    """

    __slots__ = ("_pushed_in", "_snapshot", "_task_context", "_tokens", "contexts")

    def __init__(self) -> None:
        self.contexts: list[Any] = []
        self._task_context: contextvars.Context | None = None
        self._pushed_in: contextvars.Context | None = None
        self._snapshot: contextvars.Context | None = None
        self._tokens: list[tuple[contextvars.ContextVar[Any], contextvars.Token[Any]]] = []

    def add(self, ctx: Any, context: contextvars.Context | None = None) -> None:
        """Keep ``ctx`` pushed (the pipeline calls this instead of popping it).
        ``context`` is the one it was pushed in when that is not the app's
        task (a WSGI app called from the ASGI side in a worker thread)."""
        self.contexts.append(ctx)
        if context is not None:
            self._pushed_in = context
        # The variables as they are while the contexts are pushed, whichever
        # task or thread the pipeline ran them in.
        self._snapshot = contextvars.copy_context()

    def adopt(self, task_context: contextvars.Context) -> None:
        """Make the variables the app's task set visible in the caller's context."""
        if self._pushed_in is not None:
            task_context = self._pushed_in
        self._task_context = task_context
        snapshot = self._snapshot
        if snapshot is None:
            return
        for var, value in snapshot.items():
            # What the request left set (the contexts), not what the server
            # reset when the task ended, and not what the caller has already.
            if task_context.get(var, _MISSING) is value and var.get(_MISSING) is not value:
                self._tokens.append((var, var.set(value)))

    def pop(self) -> None:
        """Pop the kept contexts, newest first (running their teardown)."""
        tokens, self._tokens = self._tokens, []
        for var, token in reversed(tokens):
            var.reset(token)
        contexts, self.contexts = self.contexts, []
        task_context = self._task_context
        for ctx in reversed(contexts):
            if task_context is None:
                ctx.pop()
            else:
                task_context.run(ctx.pop)


# ---------------------------------------------------------------------------
# WSGI


class _AppBody:
    """The app's body iterable, closed (once) when the response is closed."""

    __slots__ = ("_close", "_iterator")

    def __init__(self, iterator: Iterator[bytes], close: Callable[[], Any] | None) -> None:
        self._iterator = iterator
        self._close = close

    def __iter__(self) -> Iterator[bytes]:
        return self._iterator

    def close(self) -> None:
        close, self._close = self._close, None
        if close is not None:
            close()


class WSGITransport:
    """Call a WSGI application with an environ."""

    __slots__ = ("app",)

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(
        self, environ: dict[str, Any], buffered: bool, preserve: PreservedContexts | None
    ) -> tuple[Iterable[bytes], str, list[tuple[str, str]]]:
        """Run the app for ``environ``; return its body, status line and headers.

        Unbuffered, the body is the app's own iterable, read lazily and closed
        with the response; ``buffered=True`` reads and closes it at once.
        """
        if preserve is not None:
            environ[PRESERVE_CONTEXT_KEY] = preserve.add
        started: list[tuple[str, list[tuple[str, str]]]] = []
        written: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            if exc_info is not None and started and written:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [(status, list(headers))]
            return written.append

        app_rv = self.app(environ, start_response)
        close: Callable[[], Any] | None = getattr(app_rv, "close", None)
        app_iter = iter(app_rv)
        first: list[bytes] = []
        try:
            # A generator may call start_response only once iterated.
            while not started:
                first.append(next(app_iter))
        except StopIteration:
            pass
        except BaseException:
            if close is not None:
                close()
            raise
        if not started:
            if close is not None:
                close()
            raise RuntimeError("The application did not call start_response.")
        status, headers = started[-1]
        if buffered:
            try:
                chunks = [*written, *first, *app_iter]
            finally:
                if close is not None:
                    close()
            return chunks, status, headers
        return _AppBody(chain(written, first, app_iter), close), status, headers

    def close(self) -> None:
        """Nothing to release for WSGI."""


# ---------------------------------------------------------------------------
# environ -> ASGI scope


def _latin1_bytes(value: str) -> bytes:
    """An environ string back to its bytes (PEP 3333 carries bytes as latin-1)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _raw_path(environ: Mapping[str, Any], decoded: bytes) -> bytes:
    """The percent-encoded path as the client sent it (``%2F`` stays ``%2F``)."""
    uri = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if uri:
        target = _latin1_bytes(str(uri)).partition(b"?")[0]
        if unquote_to_bytes(target) == decoded:
            return target
    return quote(decoded, safe=_PATH_SAFE).encode("ascii")


def _http_version(protocol: str) -> str:
    version = protocol.rpartition("/")[2]
    return version if version in ("1.0", "1.1", "2") else "1.1"


def asgi_scope(environ: Mapping[str, Any], kind: str = "http") -> dict[str, Any]:
    """The ASGI connection scope of the request ``environ`` describes.

    ``kind`` is the scope type, ``"http"`` or ``"websocket"`` (the scheme then becomes
    ``ws``/``wss``). ``path`` includes ``root_path``, as the ASGI spec has
    it; a path that is not UTF-8 is still exact in ``raw_path``. Repeated
    headers arrive joined, as the environ holds them.
    """
    root = _latin1_bytes(environ.get("SCRIPT_NAME", "") or "")
    below = _latin1_bytes(environ.get("PATH_INFO", "") or "")
    decoded = root + below or b"/"
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                continue
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if not value:
                continue
            name = key
        else:
            continue
        headers.append((name.lower().replace("_", "-").encode("latin-1"), _latin1_bytes(value)))
    scheme = environ.get("wsgi.url_scheme", "http")
    if kind == "websocket":
        scheme = "wss" if scheme == "https" else "ws"
    remote = environ.get("REMOTE_ADDR")
    port = _int_or_none(environ.get("SERVER_PORT"))
    scope: dict[str, Any] = {
        "type": kind,
        "asgi": dict(_ASGI_VERSION),
        "http_version": _http_version(str(environ.get("SERVER_PROTOCOL", "HTTP/1.1"))),
        "scheme": scheme,
        "path": decoded.decode("utf-8", "replace"),
        "raw_path": _raw_path(environ, decoded),
        "root_path": root.decode("utf-8", "replace"),
        "query_string": _latin1_bytes(environ.get("QUERY_STRING", "") or ""),
        "headers": headers,
        "server": (environ.get("SERVER_NAME", "localhost"), port),
        "client": (remote, _int_or_none(environ.get("REMOTE_PORT")) or 0) if remote else None,
        "extensions": {},
    }
    if kind == "http":
        scope["method"] = environ.get("REQUEST_METHOD", "GET")
    return scope


def _body_messages(environ: Mapping[str, Any]) -> Iterator[ASGIMessage]:
    """The request body as ``http.request`` messages, read from ``wsgi.input``."""
    stream = environ.get("wsgi.input")
    remaining = _int_or_none(environ.get("CONTENT_LENGTH"))
    if remaining is None and not environ.get("wsgi.input_terminated"):
        remaining = 0
    if stream is None or remaining == 0:
        yield {"type": "http.request", "body": b"", "more_body": False}
        return
    if remaining is not None:
        while True:
            chunk = stream.read(min(BODY_CHUNK_SIZE, remaining))
            remaining -= len(chunk)
            more = bool(chunk) and remaining > 0
            yield {"type": "http.request", "body": bytes(chunk), "more_body": more}
            if not more:
                return
    chunk = stream.read(BODY_CHUNK_SIZE)
    while True:
        following = stream.read(BODY_CHUNK_SIZE) if chunk else b""
        yield {"type": "http.request", "body": bytes(chunk), "more_body": bool(following)}
        if not following:
            return
        chunk = following


def _decode_headers(raw: Any) -> list[tuple[str, str]]:
    try:
        return [(bytes(k).decode("latin-1"), bytes(v).decode("latin-1")) for k, v in raw or ()]
    except (TypeError, ValueError):
        raise TypeError(
            f"ASGI headers must be [name, value] pairs of bytes, got {raw!r}."
        ) from None


# ---------------------------------------------------------------------------
# ASGI


class _Lifespan:
    """The app's lifespan connection: started before the first request,
    shut down when the client closes."""

    __slots__ = ("failed", "queue", "state", "supported", "task", "waiter")

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None
        self.queue: asyncio.Queue[ASGIMessage] = asyncio.Queue()
        self.waiter: asyncio.Future[str] | None = None
        self.supported = False
        self.failed: str | None = None
        self.state: dict[str, Any] = {}


class ASGITransport:
    """Run an ASGI 3 application on an event loop the client owns.

    The loop is created on first use and lives as long as the client (one
    loop, like one server worker: objects an app binds to its loop keep
    working from request to request). Each connection runs as a task in a
    copy of the caller's :mod:`contextvars` context, as a server would run
    it; ``with client:`` then copies the request's variables back (see
    :class:`PreservedContexts`). The app's lifespan starts before the first
    request and shuts down on :meth:`close` or when the client is collected.
    """

    __slots__ = ("__weakref__", "_finalizer", "_holder", "_loop", "app")

    def __init__(self, app: Any) -> None:
        self.app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        # The lifespan, in a list the finalizer shares without holding ``self``.
        self._holder: list[_Lifespan | None] = [None]
        self._finalizer: weakref.finalize[Any, Any] | None = None

    # -- the loop ------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The client's event loop (made on first use)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            loop = self._loop = asyncio.new_event_loop()
            self._holder = [None]
            self._finalizer = weakref.finalize(self, _shut_down, loop, self._holder)
        return loop

    def run(self, awaitable: Coroutine[Any, Any, _T]) -> _T:
        """Run the loop until ``awaitable`` is done; return its result.

        Called by a sync view, in the app's worker thread, of a request this
        client's loop is serving (a view sending a request through the client
        that serves it), the coroutine is handed to the running loop and the
        view's thread waits for it, as a nested call works over WSGI: the
        loop keeps running until the view returns.
        """
        try:
            hand_over = self._hand_over_to_running_loop()
        except RuntimeError:
            awaitable.close()
            raise
        if hand_over:
            return asyncio.run_coroutine_threadsafe(awaitable, self.loop).result()
        return self.loop.run_until_complete(awaitable)

    def _hand_over_to_running_loop(self) -> bool:
        """Whether this thread's call goes to the loop running in another
        thread (see :meth:`run`); raises RuntimeError where it cannot run."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError(
                "The ASGI test client is synchronous and cannot run inside a running"
                " event loop; call it from a plain (non-async) test, or drive the app"
                " with an async ASGI client."
            )
        loop = self._loop
        if loop is None or not loop.is_running():
            return False
        if _cv_serving_loop_get(None) is loop:
            return True
        # Another thread's request holds the loop, and the loop stops when
        # that request ends: waiting here could wait for ever.
        raise RuntimeError(
            "The ASGI test client is busy with a request in another thread;"
            " give each thread a client of its own: app.test_client(asgi=True)."
        )

    def _run_connection(
        self, coro: Coroutine[Any, Any, None], context: contextvars.Context
    ) -> None:
        """Run the connection ``coro`` as a task in ``context``, as a server
        runs it, until it is done (see :meth:`run` for a call from a view's
        thread)."""
        try:
            hand_over = self._hand_over_to_running_loop()
        except RuntimeError:
            coro.close()
            raise
        if hand_over:
            asyncio.run_coroutine_threadsafe(_run_in_context(coro, context), self.loop).result()
            return
        # The task itself, not a coroutine awaiting it: a KeyboardInterrupt
        # the app raises leaves the loop at once (asyncio re-raises it), and
        # a waiting wrapper left pending would raise it again on the loop's
        # next run, the lifespan shutdown's.
        self.loop.run_until_complete(self.loop.create_task(coro, context=context))

    @property
    def lifespan_task(self) -> asyncio.Task[None] | None:
        """The task running the app's lifespan connection, if one is open."""
        lifespan = self._holder[0]
        return lifespan.task if lifespan is not None else None

    def close(self) -> None:
        """Shut the app's lifespan down and close the loop.

        Raises :exc:`RuntimeError` when the app reports a failed shutdown.
        """
        finalizer, self._finalizer = self._finalizer, None
        self._loop = None
        self._holder = [None]
        if finalizer is None:
            return
        failure = finalizer()
        if failure:
            raise RuntimeError(f"The application's lifespan shutdown failed: {failure}")

    # -- lifespan --------------------------------------------------------------

    def _ensure_lifespan(self) -> _Lifespan:
        self.loop  # noqa: B018 - a new loop starts with a new holder
        lifespan = self._holder[0]
        if lifespan is None:
            lifespan = _Lifespan()
            # The task must not hold the transport, or the finalizer (holding the
            # loop, holding the task) would keep it alive forever.
            self.run(_start_lifespan(self.app, lifespan))
            # Only a running lifespan needs a shutdown; the finalizer looks here.
            self._holder[0] = lifespan
        if lifespan.failed is not None:
            raise RuntimeError(f"The application's lifespan startup failed: {lifespan.failed}")
        return lifespan

    # -- HTTP -----------------------------------------------------------------------

    def request(
        self, environ: dict[str, Any], buffered: bool, preserve: PreservedContexts | None
    ) -> tuple[list[bytes], int, list[tuple[str, str]]]:
        """Send the request ``environ`` describes; return the body chunks,
        status code and headers once the app finished the response.

        An exception the app raises is raised here, as under WSGI.
        """
        lifespan = self._ensure_lifespan()
        scope = asgi_scope(environ, "http")
        if lifespan.supported:
            scope["state"] = dict(lifespan.state)
        if preserve is not None:
            scope["extensions"][PRESERVE_CONTEXT_KEY] = preserve.add
        context = contextvars.copy_context()
        exchange = _HTTPExchange(_body_messages(environ))
        try:
            self._run_connection(exchange.run(self.app, scope), context)
        finally:
            # Also after an error: the kept contexts show what went wrong.
            if preserve is not None and preserve.contexts:
                preserve.adopt(context)
        if exchange.status is None:
            raise RuntimeError(
                "The ASGI application returned without sending 'http.response.start'."
            )
        return exchange.chunks, exchange.status, exchange.headers


async def _run_in_context(coro: Coroutine[Any, Any, None], context: contextvars.Context) -> None:
    """Run ``coro`` as a task of its own in ``context`` and wait for it: the
    task made on the loop's thread, for a call from another one."""
    await asyncio.get_running_loop().create_task(coro, context=context)


class _HTTPExchange:
    """One HTTP connection: the receive and send callables and what was sent."""

    __slots__ = ("_body", "_done", "chunks", "complete", "headers", "status")

    def __init__(self, body: Iterator[ASGIMessage]) -> None:
        self._body: Iterator[ASGIMessage] | None = body
        self._done: asyncio.Event | None = None
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []
        self.complete = False

    async def run(self, app: Any, scope: dict[str, Any]) -> None:
        self._done = asyncio.Event()
        try:
            await app(scope, self.receive, self.send)
        finally:
            self._done.set()

    async def receive(self) -> ASGIMessage:
        body = self._body
        if body is not None:
            message = next(body, None)
            if message is not None:
                return message
            self._body = None
        # ASGI: after the body, receive() waits until the response is over,
        # then reports the connection closed.
        assert self._done is not None
        await self._done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: ASGIMessage) -> None:
        kind = message.get("type")
        if self.complete:
            # ASGI: messages after the final body are ignored.
            return
        if kind == "http.response.start":
            if self.status is not None:
                raise RuntimeError("The ASGI application sent 'http.response.start' twice.")
            status = message.get("status")
            if not isinstance(status, int):
                raise TypeError(f"'http.response.start' needs an int status, got {status!r}.")
            self.status = status
            self.headers = _decode_headers(message.get("headers"))
        elif kind == "http.response.body":
            if self.status is None:
                raise RuntimeError(
                    "The ASGI application sent 'http.response.body' before 'http.response.start'."
                )
            body = message.get("body", b"")
            if not isinstance(body, bytes | bytearray | memoryview):
                raise TypeError(f"'http.response.body' needs bytes, got {type(body).__name__}.")
            if body:
                self.chunks.append(bytes(body))
            if not message.get("more_body", False):
                self.complete = True
                assert self._done is not None
                self._done.set()
        else:
            raise RuntimeError(f"Unexpected ASGI message {kind!r} on an HTTP connection.")


async def _start_lifespan(app: Any, lifespan: _Lifespan) -> None:
    """Open the app's lifespan connection and wait for its startup answer."""
    loop = asyncio.get_running_loop()
    waiter = lifespan.waiter = loop.create_future()
    scope = {"type": "lifespan", "asgi": dict(_ASGI_VERSION), "state": lifespan.state}
    lifespan.queue.put_nowait({"type": "lifespan.startup"})
    received = 0

    async def receive() -> ASGIMessage:
        nonlocal received
        received += 1
        if received == 2 and not waiter.done():
            # It asks for more before answering the startup: no lifespan support.
            waiter.set_result("unsupported")
        return await lifespan.queue.get()

    async def send(message: ASGIMessage) -> None:
        kind = message.get("type")
        current = lifespan.waiter
        if current is None or current.done():
            return
        if kind in ("lifespan.startup.complete", "lifespan.shutdown.complete"):
            current.set_result("complete")
        elif kind in ("lifespan.startup.failed", "lifespan.shutdown.failed"):
            current.set_result("failed:" + str(message.get("message", "")))

    async def main() -> None:
        try:
            await app(scope, receive, send)
        except Exception:
            # ASGI lifespan: an app that raises does not support the protocol.
            pass
        finally:
            current = lifespan.waiter
            if current is not None and not current.done():
                current.set_result("unsupported")

    lifespan.task = loop.create_task(main(), context=contextvars.copy_context())
    outcome = await waiter
    if outcome == "complete":
        lifespan.supported = True
    elif outcome.startswith("failed:"):
        lifespan.failed = outcome[7:] or "(no message)"
        lifespan.supported = True


def _shut_down(loop: asyncio.AbstractEventLoop, holder: list[_Lifespan | None]) -> str | None:
    """Close a client's loop: lifespan shutdown, then cancel what is left.

    Returns the app's message when it reported a failed shutdown.
    """
    if loop.is_closed():
        return None
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        # Collected while another loop runs in this thread: this one cannot
        # run now, so close it without the graceful steps.
        if not loop.is_running():
            loop.close()
        return None
    failure: str | None = None
    try:
        lifespan = holder[0]
        if lifespan is not None and lifespan.task is not None and not lifespan.task.done():
            failure = loop.run_until_complete(_lifespan_shutdown(lifespan))
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
    return failure


async def _lifespan_shutdown(lifespan: _Lifespan) -> str | None:
    loop = asyncio.get_running_loop()
    waiter = lifespan.waiter = loop.create_future()
    lifespan.queue.put_nowait({"type": "lifespan.shutdown"})
    assert lifespan.task is not None
    await asyncio.wait({waiter, lifespan.task}, timeout=_SHUTDOWN_TIMEOUT)
    if waiter.done() and waiter.result().startswith("failed:"):
        return waiter.result()[7:] or "(no message)"
    return None
