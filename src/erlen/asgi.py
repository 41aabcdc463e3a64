"""Serving an app over ASGI 3: HTTP, WebSocket and lifespan.

``app(scope, receive, send)`` (and ``app.asgi_app``, which ASGI middleware
wraps) lands in :func:`asgi_app`::

    uvicorn myapp:app

HTTP requests run the one request pipeline (:mod:`erlen._pipeline_async`,
the source of the WSGI path's twin): ``async def`` views, hooks and error
handlers are awaited on the event loop; sync ones run in a thread pool
(``ASGI_THREAD_POOL_SIZE`` threads) with the request's context variables.

The request body is received before the pipeline runs, bounded by
``MAX_CONTENT_LENGTH`` (reading more than that raises 413, as under WSGI)
and spooled to a temporary file above ``ASGI_BODY_SPOOL_SIZE`` bytes (1 MiB),
so every accessor (``get_data``, ``form``, ``files``, ``json``) works in sync
and async views alike. A route registered with ``stream_body=True`` is not
received first: its view reads ``request.stream`` as the body arrives.

The lifespan protocol runs the ``before_serving`` functions at startup (a
failure is reported with ``lifespan.startup.failed`` and its message, and the
server exits) and the ``after_serving`` ones at shutdown.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import io
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from ._pipeline_async import (
    handle_request_async,
    pop_request_context_async,
    run_after_serving_async,
    run_before_serving_async,
    run_first_request_async,
    send_appcontext_pushed_async,
)
from ._pipeline_sync import handle_request_sync
from .adapters.asgi import (
    EMPTY_BODY,
    ASGIBody,
    Message,
    Receive,
    Scope,
    Send,
    WebSocketConnection,
    WebSocketDisconnect,
    _scope_body_may_follow,
    _start_message,
    request_from_scope,
    send_response,
)
from .ctx import RequestContext
from .http.exceptions import HTTPException, InternalServerError
from .http.response import Response as _BaseResponse
from .pipeline import (
    _cv_serving_loop_get,
    _cv_serving_loop_reset,
    _cv_serving_loop_set,
    autocorrect_location,
    is_async_callable,
    run_sync_in_thread,
    send_async,
    thread_pool,
)
from .signals import (
    appcontext_pushed,
    got_request_exception,
    websocket_finished,
    websocket_started,
)
from .websocket import Websocket, WebSocketBadData, WebsocketContext
from .wrappers import _max_content_length_in

if TYPE_CHECKING:
    from .app import Erlen
    from .pipeline import ErrorLookup

__all__ = ["asgi_app"]

_RESPONSE_CLOSE = _BaseResponse.close

#: The ``scope["extensions"]`` key of the test client's ``with client:``.
PRESERVE_CONTEXT_KEY = "erlen.preserve_context"


def asgi_app(app: Erlen, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
    """Serve one ASGI connection of ``app``: ``http``, ``websocket`` or
    ``lifespan``; returns the coroutine to await. HTTP requests of an app
    with WSGI middleware on ``wsgi_app`` go through it
    (:func:`serve_http_through_wsgi_app`)."""
    if scope["type"] == "http" and "wsgi_app" in app.__dict__:
        return serve_http_through_wsgi_app(app, scope, receive, send)
    return serve_directly(app, scope, receive, send)


def serve_directly(
    app: Erlen, scope: Scope, receive: Receive, send: Send
) -> Coroutine[Any, Any, None]:
    """:func:`asgi_app` for an app without WSGI middleware (``Erlen.__call__``
    checks that before calling this)."""
    # PERF: a plain function handing back the serving coroutine saves a
    # coroutine frame per request (0.3 µs of hello world's 12 µs).
    kind = scope["type"]
    if kind == "http":
        return serve_http(app, scope, receive, send)
    if kind == "websocket":
        return serve_websocket(app, scope, receive, send)
    if kind == "lifespan":
        return serve_lifespan(app, scope, receive, send)
    raise ValueError(f"Erlen cannot serve ASGI connections of type {kind!r}.")


# -- HTTP -----------------------------------------------------------------------------


async def serve_http(app: Erlen, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one HTTP request: build it from the scope, receive its body,
    run the pipeline and send the response."""
    if not app._serving_started and app.before_serving_funcs:
        # A server without lifespan support: start the app with its first request.
        await run_before_serving_async(app)
    config = app.config
    try:
        # PERF: by position (keyword arguments cost the call a dict).
        request = request_from_scope(scope, app.request_class, EMPTY_BODY, config["PROXY_FIX"])
    except HTTPException as e:
        # A request that cannot even be built (a path that is not UTF-8).
        await send_response(e.get_response(), send, method=str(scope.get("method", "GET")))
        return
    loop = asyncio.get_running_loop()
    ctx = RequestContext(app, request)
    body: ASGIBody | None = None
    if _scope_body_may_follow(scope, request.headers):
        ctx.match_request()
        threshold = int(config["ASGI_BODY_SPOOL_SIZE"])
        if getattr(request.url_rule, "stream_body", False):
            # The view reads the body as it arrives (request.stream).
            body = ASGIBody(receive, loop, spool_threshold=threshold)
            request._input = body  # type: ignore[assignment]
        else:
            limit = _max_content_length_in(request, ctx)
            message = await receive()
            data = message.get("body") or b""
            if (
                message.get("type") == "http.request"
                and not message.get("more_body", False)
                and len(data) <= threshold
                and (limit is None or len(data) <= limit)
            ):
                # PERF: the whole body came in one message (most bodies do):
                # it is read from memory, and the client leaving is seen
                # through receive() as for a request without a body; no
                # ASGIBody and no prefetch (a JSON or form POST: about 1.5 µs
                # less).
                request._input = io.BytesIO(data)
            else:
                cap = threshold if limit is None else min(threshold, limit)
                whole, received = await _receive_small_body(message, receive, cap)
                if whole is not None:
                    # PERF: granian and hypercorn end even a small body with
                    # a second, empty message: still read from memory, no
                    # ASGIBody (the suite's JSON echo split that way: 431.7k
                    # -> 418.4k instructions).
                    request._input = io.BytesIO(whole)
                else:
                    body = ASGIBody(_replaying(received, receive), loop, spool_threshold=threshold)
                    request._input = body  # type: ignore[assignment]
                    await body.prefetch(limit)
    else:
        # PERF: no body declared (GET, HEAD): the shared empty body, no
        # receive() call and no per-request body object.
        ctx.match_request()
    extensions = scope.get("extensions")
    preserve = extensions.get(PRESERVE_CONTEXT_KEY) if extensions else None
    if _cv_serving_loop_get(None) is not loop:
        # PERF: set, never reset: the value is this running loop for
        # whatever else runs in this context (usually the request's own
        # task), and a caller awaiting requests in one task skips the
        # set/reset pair (0.2 µs).
        _cv_serving_loop_set(loop)
    try:
        rule = request.url_rule
        if (
            rule is not None
            and (
                app._pipelines.get(rule.endpoint) or app._pipeline_for_endpoint(rule.endpoint)
            ).whole_request_sync
            and preserve is None
            and _whole_request_sync(app, request)
        ):
            # PERF: a sync view whose hooks and teardown functions are all
            # sync runs the WSGI side's pipeline, context push to pop, in one
            # worker-thread call: its teardown no longer takes a hop of its
            # own per function after the dispatch's (a sync view with a
            # teardown_request function: two hops -> one), and it never runs
            # while the view still does, even when the client leaves. No
            # context is pushed yet: the pool is sized from this app's config.
            thread_pool(app)
            response = await run_sync_in_thread(handle_request_sync, app, ctx)
        else:
            response = await handle_request_async(app, ctx, preserve)
        # The slot first: a response whose headers nobody read has no Location.
        if response._headers is not None and response.autocorrect_location_header:
            autocorrect_location(response, request)
        chunks = response.response
        if (
            type(chunks) is list
            and len(chunks) == 1
            and type(chunks[0]) is bytes
            and request.method != "HEAD"
            and not response._on_close
            and type(response).close is _RESPONSE_CLOSE
        ):
            # PERF: send_response's buffered path inlined for a one-chunk body
            # whose close() would do nothing (one coroutine frame and the
            # close call fewer, as the WSGI adapter skips them too; a form
            # POST 0.6 µs less).
            start, no_body = _start_message(response, "http")
            if not no_body:
                await send(start)
                await send({"type": "http.response.body", "body": chunks[0]})
                return
        # A streamed response watches for the client leaving: through the
        # request body when there is one (it owns receive()), else receive().
        await send_response(
            response,
            send,
            receive if body is None else None,
            method=request.method,
            body=body,
            executor=thread_pool(app),
        )
    finally:
        if body is not None:
            body.close()


def _whole_request_sync(app: Erlen, request: Any) -> bool:
    """For a request whose endpoint is sync through and through (view and
    ``before_request``/``after_request``/``teardown_request`` functions:
    ``EndpointPipeline.whole_request_sync``), whether the rest is too: it
    matched, no pipeline step is replaced on the app, and the app's
    ``teardown_appcontext`` functions are sync."""
    if request.routing_exception is not None or app._steps_replaced:
        return False
    funcs = app.teardown_appcontext_funcs
    return not funcs or not any(is_async_callable(f) for f in funcs)


async def _receive_small_body(
    first: Message, receive: Receive, cap: int
) -> tuple[bytes | None, list[Message]]:
    """Receive the rest of a request body that began with ``first`` while it
    stays within ``cap`` bytes: ``(body, [])`` when it ended in time, else
    ``(None, messages)``, every message received so far, in order, for an
    :class:`ASGIBody` to replay (a larger body, a disconnect)."""
    messages = [first]
    size = len(first.get("body") or b"")
    message = first
    while message.get("type") == "http.request" and message.get("more_body", False) and size <= cap:
        message = await receive()
        messages.append(message)
        size += len(message.get("body") or b"")
    if (
        message.get("type") == "http.request"
        and not message.get("more_body", False)
        and size <= cap
    ):
        return b"".join([m.get("body") or b"" for m in messages]), []
    return None, messages


def _replaying(received: list[Message], receive: Receive) -> Receive:
    """``receive``, giving the messages already ``received`` (in order)
    before anything else."""
    pending = received[::-1]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay


async def serve_http_through_wsgi_app(
    app: Erlen, scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one HTTP request of an app whose ``wsgi_app`` was replaced by
    WSGI middleware (``app.wsgi_app = ProxyFix(app.wsgi_app)``, Flask-SocketIO,
    OpenTelemetry): through it, in a worker thread, as an ASGI server's WSGI
    adapter would run a Flask app. The body is read as it arrives; the
    response streams back."""
    if not app._serving_started and app.before_serving_funcs:
        await run_before_serving_async(app)
    loop = asyncio.get_running_loop()
    try:
        # The raw scope: the WSGI side applies PROXY_FIX itself.
        request = request_from_scope(scope, app.request_class)
    except HTTPException as e:
        await send_response(e.get_response(), send, method=str(scope.get("method", "GET")))
        return
    body = ASGIBody(receive, loop, spool_threshold=int(app.config["ASGI_BODY_SPOOL_SIZE"]))
    if not _scope_body_may_follow(scope, request.headers):
        body.set_empty()
    request._input = body  # type: ignore[assignment]
    environ = request.environ
    # Async views and hooks on the WSGI side run on this loop (run_coroutine_sync).
    if _cv_serving_loop_get(None) is not loop:
        _cv_serving_loop_set(loop)
    # The WSGI call's own context, so that the test client's `with client:`
    # pops the contexts it keeps where they were pushed.
    context = contextvars.copy_context()
    preserve = (scope.get("extensions") or {}).get(PRESERVE_CONTEXT_KEY)
    if preserve is not None:
        environ[PRESERVE_CONTEXT_KEY] = functools.partial(preserve, context=context)
    try:
        response = await run_sync_in_thread(
            context.run, _BaseResponse.from_app, app.wsgi_app, environ
        )
        await send_response(
            response, send, method=request.method, body=body, executor=thread_pool(app)
        )
    finally:
        body.close()


# -- WebSocket ------------------------------------------------------------------------


async def serve_websocket(app: Erlen, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one WebSocket connection: match its route, run the
    ``before_websocket`` hooks and the handler, then close (or refuse) it."""
    if not app._serving_started and app.before_serving_funcs:
        # A server without lifespan support whose first connection is a
        # WebSocket: start the app now, as serve_http does for HTTP.
        await run_before_serving_async(app)
    executor = thread_pool(app)
    try:
        request = request_from_scope(scope, app.request_class, proxy=app.config["PROXY_FIX"])
    except HTTPException as e:
        await WebSocketConnection(scope, receive, send).deny(e.get_response(), executor)
        return
    kind = app._websocket_view_kind(request)
    if kind == "wsgi" or (kind is None and "wsgi_app" in app.__dict__):
        # COMPAT(flask): a plain function on a websocket=True rule takes the
        # connection from the WSGI environ (Flask-Sock's routes), and so may
        # WSGI middleware on app.wsgi_app (Flask-SocketIO's) for a URL with
        # no WebSocket rule: the WSGI side answers, with a socket that speaks
        # to the ASGI server.
        from .adapters.wsgi_websocket import serve_wsgi_websocket, wsgi_environ_for_websocket

        environ = wsgi_environ_for_websocket(scope, app.request_class)
        token = _cv_serving_loop_set(asyncio.get_running_loop())
        try:
            await serve_wsgi_websocket(app.wsgi_app, environ, scope, receive, send)
        finally:
            _forget_serving_loop(token)
        return
    ws = Websocket(scope, receive, send, request, app)
    ctx = WebsocketContext(app, request, ws)
    token = _cv_serving_loop_set(asyncio.get_running_loop())
    owns_app_ctx = ctx._enter()
    error: BaseException | None = None
    try:
        if owns_app_ctx and appcontext_pushed.receivers:
            await send_appcontext_pushed_async(app, ctx)
        if not app._got_first_request:
            await run_first_request_async(app)
        if websocket_started.receivers:
            await send_async(websocket_started, app)
        try:
            rv = await _run_handler(app, ctx, ws)
        except WebSocketDisconnect:
            # The client left and the handler did not catch it: a normal end.
            rv = None
        except Exception as e:
            rv = await _handle_error(app, ctx, ws, e)
        await _finish(app, ws, rv, executor)
        if websocket_finished.receivers:
            await send_async(websocket_finished, app)
    except BaseException as e:
        error = e
        raise
    finally:
        try:
            await pop_request_context_async(app, ctx, error)
        finally:
            _forget_serving_loop(token)


async def _run_handler(app: Erlen, ctx: WebsocketContext, ws: Websocket) -> Any:
    request = ctx.request
    if request.routing_exception is not None:
        app.raise_routing_exception(request)
    rule: Any = request.url_rule
    wp = app._websocket_pipeline_for(rule.endpoint)
    view_args = request.view_args if request.view_args is not None else {}
    for func in wp.url_value_preprocessors:
        func(request.endpoint, view_args)
    rv = None
    for before in wp.before:
        rv = await before()
        if rv is not None:
            break
    else:
        if wp.handler is None:
            raise LookupError(f"No WebSocket handler is registered for {wp.endpoint!r}.")
        rv = await wp.handler(**view_args)
    for after in wp.after:
        rv = await after(rv)
    return rv


def _error_lookup(app: Erlen, ctx: WebsocketContext) -> ErrorLookup:
    rule = ctx.request.url_rule
    if rule is None:
        return app._pipeline_for_endpoint(None).errors
    return app._websocket_pipeline_for(rule.endpoint).errors


async def _handle_error(app: Erlen, ctx: WebsocketContext, ws: Websocket, e: Exception) -> Any:
    """What a handler's exception becomes: before the handshake is answered,
    a refusal (an HTTP error, or an error handler's response); after it, a
    close with 1007 (bad data) or 1011 (an error, logged)."""
    if isinstance(e, WebSocketBadData):
        if not ws.closed:
            await ws.close(WebSocketBadData.code, str(e)[:120])
        return None
    if not ws.accepted and not ws.closed:
        handler = _error_lookup(app, ctx).find(type(e))
        if handler is not None:
            return await handler.call_async(e)
        if isinstance(e, HTTPException) and not app.trap_http_exception(e):
            return e
    if got_request_exception.receivers:
        await send_async(got_request_exception, app, exception=e)
    if not ws.closed:
        if ws.accepted or not ws.can_deny_with_response:
            await ws.close(1011)
        else:
            await ws.deny(app.make_response(InternalServerError(original_exception=e)))
    propagate = app.config["PROPAGATE_EXCEPTIONS"]
    if propagate is None:
        propagate = app.testing or app.debug
    if propagate:
        raise e
    app.log_exception((type(e), e, e.__traceback__))
    return None


async def _finish(app: Erlen, ws: Websocket, rv: Any, executor: Any) -> None:
    if ws.closed:
        return
    if not ws.accepted:
        if rv is not None:
            await ws.deny(app.make_response(rv), executor)
            return
        await ws.accept()
    await ws.close(1000)


def _forget_serving_loop(token: contextvars.Token[asyncio.AbstractEventLoop]) -> None:
    try:
        _cv_serving_loop_reset(token)
    except ValueError:
        # A task destroyed while pending (its loop closed without a shutdown
        # message) is closed by the garbage collector in another context;
        # its own context, which held the value, is gone with it.
        pass


# -- lifespan ---------------------------------------------------------------------------


def _describe(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__


async def serve_lifespan(app: Erlen, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer the lifespan protocol: ``before_serving`` at startup,
    ``after_serving`` at shutdown; a failure is reported with its message."""
    token = _cv_serving_loop_set(asyncio.get_running_loop())
    try:
        while True:
            message = await receive()
            kind = message.get("type")
            if kind == "lifespan.startup":
                try:
                    await run_before_serving_async(app)
                except Exception as e:
                    app.logger.exception("A before_serving function failed")
                    await send({"type": "lifespan.startup.failed", "message": _describe(e)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif kind == "lifespan.shutdown":
                try:
                    await run_after_serving_async(app)
                except Exception as e:
                    app.logger.exception("An after_serving function failed")
                    await send({"type": "lifespan.shutdown.failed", "message": _describe(e)})
                    return
                await send({"type": "lifespan.shutdown.complete"})
                return
    finally:
        _forget_serving_loop(token)
