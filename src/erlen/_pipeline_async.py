"""The request pipeline, written once.

This async source is the truth. ``scripts/gen_sync_pipeline.py`` rewrites it
mechanically (``async def`` -> ``def``, no ``await``, ``*_async`` names ->
``*_sync``) into :mod:`erlen._pipeline_sync`, which the WSGI path runs; a test
fails when the committed twin is out of date. Edit this file, then run the
script.

The order is the notes' §2.7 (Flask's): app context pushed
(``appcontext_pushed``), request context pushed and URL matched,
``before_first_request`` once, ``request_started``, URL value preprocessors,
``before_request`` functions, the routing error or the view, an error handler,
the response conversion, ``after_this_request`` then ``after_request``
functions, the session saved, ``request_finished``; for an unhandled error
``got_request_exception`` and a 500 (without ``after_request`` functions);
then ``teardown_request`` functions, ``request_tearing_down``,
``teardown_appcontext`` functions, ``appcontext_tearing_down``,
``appcontext_popped``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, overload

from .adapters.wsgi import StartResponse, WSGIEnvironment, start_response_and_body
from .ctx import AppContext
from .globals import _cv_app_reset
from .http.exceptions import BadRequestKeyError, HTTPException, InternalServerError
from .pipeline import (
    EndpointPipeline,
    autocorrect_location,
    dispatch_in_thread_async,
    find_error_handler,
    first_request_lock_async,
    invoke_async,
    is_async_callable,
    open_session_to_refresh_async,
    preload_session_async,
    resolve_awaitable_async,
    send_async,
    serving_lock_async,
    session_to_refresh,
)
from .routing import RoutingException
from .signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    got_request_exception,
    request_finished,
    request_started,
    request_tearing_down,
)

if TYPE_CHECKING:
    from .app import Erlen
    from .ctx import RequestContext
    from .wrappers import Response


@overload
async def handle_request_async(
    app: Erlen,
    ctx: RequestContext,
    preserve: Callable[[Any], Any] | None = None,
    environ: None = None,
    start_response: None = None,
) -> Response: ...
@overload
async def handle_request_async(
    app: Erlen,
    ctx: RequestContext,
    preserve: Callable[[Any], Any] | None,
    environ: WSGIEnvironment,
    start_response: StartResponse,
) -> Iterable[bytes]: ...
async def handle_request_async(
    app: Erlen,
    ctx: RequestContext,
    preserve: Callable[[Any], Any] | None = None,
    environ: WSGIEnvironment | None = None,
    start_response: StartResponse | None = None,
) -> Response | Iterable[bytes]:
    """Run one request from context push to context pop; return the response.

    With ``preserve`` (the test client's ``with client:``), the contexts are
    handed to it instead of being popped. With ``start_response`` (the WSGI
    side), the response is started and its body returned, COMPAT(flask)
    with the contexts still pushed, before the teardown, as Flask's
    ``wsgi_app`` calls ``response(environ, start_response)``: middleware
    around ``wsgi_app`` reads ``request`` in its ``start_response``
    (OpenTelemetry's Flask instrumentation does); an error there is not the
    teardown's, as in Flask.
    """
    owns_app_ctx = ctx._enter()
    error: BaseException | None = None
    try:
        if owns_app_ctx and appcontext_pushed.receivers:
            await send_appcontext_pushed_async(app, ctx)
        try:
            if app._steps_replaced:
                response = await full_dispatch_through_app_async(app, ctx)
            else:
                response = await full_dispatch_request_async(app, ctx)
        except Exception as e:
            error = e
            override = app._override("handle_exception")
            if override is not None:
                response = app.make_response(await invoke_async(override, e))
            else:
                response = await handle_exception_async(app, ctx, e)
    except BaseException as e:
        if error is None:
            error = e
        raise
    else:
        if start_response is None:
            return response
        # The slot first: a response whose headers nobody read has no Location.
        if response._headers is not None and response.autocorrect_location_header:
            autocorrect_location(response, ctx.request)
        return start_response_and_body(response, environ, start_response)  # type: ignore[arg-type]
    finally:
        if error is not None and app.should_ignore_error(error):
            error = None
        ep = ctx._pipeline
        if ep is not None and ep.stale:
            # A registry changed since the chain was taken (by an after_request
            # function, say): the teardown runs what is registered now.
            ep = ctx._pipeline = app._pipeline_for(ctx.request)
        if preserve is not None:
            # The test client's ``with client:`` pops it later.
            preserve(ctx)
        elif (
            ep is not None
            and not ep.teardown_sync
            and not ctx._nested
            and not request_tearing_down.receivers
            and not (
                owns_app_ctx
                and (
                    app.teardown_appcontext_funcs
                    or appcontext_tearing_down.receivers
                    or appcontext_popped.receivers
                )
            )
        ):
            # PERF: the teardown would run nothing (no teardown functions for
            # the endpoint or the app context it owns, no receivers of the
            # teardown and popped signals): the full pop's common case,
            # without its coroutine under ASGI or a call here.
            try:
                ctx.request.close()
            finally:
                ctx._leave()
        else:
            await pop_request_context_async(app, ctx, error)


async def send_appcontext_pushed_async(app: Erlen, ctx: RequestContext) -> None:
    """Send ``appcontext_pushed`` for the app context ``ctx`` stands in for,
    with that app context alone current, as Flask sends it before it pushes
    the request: receivers see ``current_app`` and ``g`` (the request's ``g``),
    not ``request``."""
    token = ctx._set_app_ctx_alone()
    try:
        await send_async(appcontext_pushed, app)
    finally:
        _cv_app_reset(token)


async def full_dispatch_request_async(app: Erlen, ctx: RequestContext) -> Response:
    """Dispatch the request with hooks and user error handling, and finalize
    the response."""
    if not app._got_first_request:
        await run_first_request_async(app)
    request = ctx.request
    # PERF: app._pipeline_for inlined for a cached endpoint.
    rule = request.url_rule
    ep = app._pipelines.get(rule.endpoint if rule is not None else None)
    if ep is None:
        ep = app._pipeline_for(request)
    # Kept on the context: teardown needs it again when the context pops.
    ctx._pipeline = ep
    if ep.offload_async and request.routing_exception is None:
        # PERF: a sync view with sync hooks: one thread hop for all of it
        # (under ASGI, a session read-modify-write went from two hops to one).
        return await dispatch_in_thread_async(app, ctx)  # type: ignore[no-any-return]
    try:
        if getattr(app.session_interface, "preload_session", False):
            # Inside the try: a store that fails to open reaches the error handlers.
            await preload_session_async(app, ctx)
        if request_started.receivers:
            await send_async(request_started, app)
        rv = None
        if ep.before_async or ep.url_value_preprocessors:
            rv = await preprocess_request_async(app, ctx, ep)
        if rv is None:
            view = ep.view_async
            if (
                view is not None
                and request.routing_exception is None
                and request.method != "OPTIONS"
            ):
                # PERF: dispatch_request_async inlined for the common case,
                # and no keyword unpacking without arguments.
                view_args = request.view_args
                rv = await (view(**view_args) if view_args else view())
                if hasattr(rv, "__await__"):
                    # A sync decorator around an async view returned its coroutine.
                    rv = await resolve_awaitable_async(rv)
            elif (
                (error := request.routing_exception) is not None
                and app._plain_routing_error(error)
                and find_error_handler(app, ctx, ep, error) is None
            ):
                # PERF: a 404/405 nobody handles is its own response, as the
                # raise -> handle_user_exception -> handle_http_exception
                # round trip would conclude (404: 1.5 µs less).
                rv = error
            else:
                rv = await dispatch_request_async(app, ctx, ep)
    except Exception as e:
        rv = await user_exception_async(app, ctx, ep, e)
    if ep.stale:
        # COMPAT(flask): the view (or a hook) changed a registry, as
        # Flask-Caching appends an after_request function from its view; Flask
        # reads the registries when it runs them, so this request runs the
        # rebuilt chain too.
        ep = ctx._pipeline = app._pipeline_for(request)
    if (
        ep.after_async
        or ctx._after_request_functions
        or ctx._session is not None
        or request_finished.receivers
        # PERF: a request without cookies makes no call; under WSGI the test
        # is one environ lookup (11 ns; `"Cookie" in request.headers` 76 ns).
        or (
            (
                "HTTP_COOKIE" in environ
                if (environ := request._environ) is not None
                else "Cookie" in request.headers
            )
            and session_to_refresh(app, ctx)
        )
    ):
        return await finalize_request_async(app, ctx, ep, rv)
    # PERF: nothing to run after the view (no after hooks, session untouched,
    # no request_finished receivers): what finalize_request_async would do.
    return app.make_response(rv)


async def full_dispatch_through_app_async(app: Erlen, ctx: RequestContext) -> Response:
    """Dispatch the request for an app that replaced one of Flask's steps
    (``full_dispatch_request``, ``preprocess_request``, ``dispatch_request``,
    ``finalize_request``, ``process_response``) on a subclass or on the
    instance: COMPAT(flask) the replacement is called, as Flask calls each
    step through the app (Frozen-Flask's static app replaces
    ``dispatch_request``)."""
    override = app._override("full_dispatch_request")
    if override is not None:
        return app.make_response(await invoke_async(override))
    return await dispatch_by_steps_async(app, ctx)


async def dispatch_by_steps_async(app: Erlen, ctx: RequestContext) -> Response:
    """Flask's ``full_dispatch_request``: each step through the app when it
    is replaced, Erlen's own otherwise (``Erlen.full_dispatch_request`` when
    a step is replaced)."""
    if not app._got_first_request:
        await run_first_request_async(app)
    request = ctx.request
    ep = ctx._pipeline = app._pipeline_for(request)
    try:
        if getattr(app.session_interface, "preload_session", False):
            await preload_session_async(app, ctx)
        if request_started.receivers:
            await send_async(request_started, app)
        override = app._override("preprocess_request")
        if override is not None:
            rv = await invoke_async(override)
        else:
            rv = await preprocess_request_async(app, ctx, ep)
        if rv is None:
            override = app._override("dispatch_request")
            if override is not None:
                rv = await invoke_async(override)
            else:
                rv = await dispatch_request_async(app, ctx, ep)
    except Exception as e:
        rv = await user_exception_async(app, ctx, ep, e)
    if ep.stale:
        ep = ctx._pipeline = app._pipeline_for(request)
    return await finalize_through_app_async(app, ctx, ep, rv)


async def finalize_through_app_async(
    app: Erlen,
    ctx: RequestContext,
    ep: EndpointPipeline,
    rv: Any,
    from_error_handler: bool = False,
) -> Response:
    """:func:`finalize_request_async` for an app that replaced a step: its
    ``finalize_request`` when replaced, else :func:`finalize_by_steps_async`."""
    override = app._override("finalize_request")
    if override is None:
        return await finalize_by_steps_async(app, ctx, ep, rv, from_error_handler)
    if from_error_handler:
        return app.make_response(await invoke_async(override, rv, from_error_handler=True))
    return app.make_response(await invoke_async(override, rv))


async def finalize_by_steps_async(
    app: Erlen,
    ctx: RequestContext,
    ep: EndpointPipeline,
    rv: Any,
    from_error_handler: bool = False,
) -> Response:
    """:func:`finalize_request_async`, with the app's ``process_response``
    when it is replaced (``Erlen.finalize_request`` when a step is)."""
    process = app._override("process_response")
    return await finalize_request_async(app, ctx, ep, rv, from_error_handler, process)


async def run_first_request_async(app: Erlen) -> None:
    """Run the ``before_first_request`` functions, once per app, also when
    the first requests arrive concurrently."""
    async with first_request_lock_async(app):
        if not app._got_first_request:
            for func in app.before_first_request_funcs:
                await invoke_async(func)
            app._got_first_request = True


async def preprocess_request_async(app: Erlen, ctx: RequestContext, ep: EndpointPipeline) -> Any:
    """Run the URL value preprocessors, then the ``before_request``
    functions; return the first value one of them returns, else None."""
    if ep.url_value_preprocessors:
        request = ctx.request
        for func in ep.url_value_preprocessors:
            await resolve_awaitable_async(func(request.endpoint, request.view_args))
    for before in ep.before_async:
        rv = await before()
        if hasattr(rv, "__await__"):
            rv = await resolve_awaitable_async(rv)
        if rv is not None:
            return rv
    return None


async def dispatch_request_async(app: Erlen, ctx: RequestContext, ep: EndpointPipeline) -> Any:
    """Raise the routing error, answer an automatic OPTIONS, or call the view."""
    request = ctx.request
    if request.routing_exception is not None:
        app.raise_routing_exception(request)
    rule: Any = request.url_rule
    if rule.provide_automatic_options and request.method == "OPTIONS":
        return app.make_default_options_response()
    view = ep.view_async
    if view is None:
        raise LookupError(f"No view function is registered for the endpoint {ep.endpoint!r}.")
    rv = await view(**request.view_args)  # type: ignore[arg-type]
    if hasattr(rv, "__await__"):
        # A plain function returned an awaitable: a sync decorator around an
        # async view (View.decorators, a Flask-era decorator) returns the
        # view's coroutine.
        rv = await resolve_awaitable_async(rv)
    return rv


async def user_exception_async(
    app: Erlen, ctx: RequestContext, ep: EndpointPipeline, e: Exception
) -> Any:
    """What an exception from a hook or the view becomes: through the app's
    ``handle_user_exception`` when it is replaced, else Erlen's own."""
    override = app._override("handle_user_exception")
    if override is not None:
        return await invoke_async(override, e)
    return await handle_user_exception_async(app, ctx, ep, e)


async def handle_user_exception_async(
    app: Erlen, ctx: RequestContext, ep: EndpointPipeline, e: Exception
) -> Any:
    """Give an exception raised by a hook or the view to its error handler;
    HTTP errors without one become their own response. Re-raise otherwise."""
    if isinstance(e, BadRequestKeyError) and (app.debug or app.config["TRAP_BAD_REQUEST_ERRORS"]):
        e.show_exception = True
    if isinstance(e, HTTPException) and not app.trap_http_exception(e):
        override = app._override("handle_http_exception")
        if override is not None:
            return await invoke_async(override, e)
        return await handle_http_exception_async(app, ctx, ep, e)
    handler = find_error_handler(app, ctx, ep, e)
    if handler is None:
        raise e
    return await resolve_awaitable_async(await handler.call_async(e))


async def handle_http_exception_async(
    app: Erlen, ctx: RequestContext, ep: EndpointPipeline, e: HTTPException
) -> Any:
    """Return the registered handler's value for an HTTP error, or the error
    itself (rendered as its response). Redirects from routing pass as is."""
    if e.code is None or isinstance(e, RoutingException):
        return e
    handler = find_error_handler(app, ctx, ep, e)
    if handler is None:
        return e
    return await resolve_awaitable_async(await handler.call_async(e))


async def handle_exception_async(app: Erlen, ctx: RequestContext, e: Exception) -> Response:
    """Turn an unhandled exception into a 500 response (through a handler
    for 500 / ``InternalServerError`` if any), or re-raise it when
    ``PROPAGATE_EXCEPTIONS`` (default: testing or debug) is on."""
    if got_request_exception.receivers:
        await send_async(got_request_exception, app, exception=e)
    propagate = app.config["PROPAGATE_EXCEPTIONS"]
    if propagate is None:
        propagate = app.testing or app.debug
    if propagate:
        raise e
    app.log_exception((type(e), e, e.__traceback__))
    ep = app._pipeline_for(ctx.request)
    server_error = InternalServerError(original_exception=e)
    handler = find_error_handler(app, ctx, ep, server_error)
    finalize = finalize_through_app_async if app._steps_replaced else finalize_request_async
    if handler is not None:
        try:
            rv = await resolve_awaitable_async(await handler.call_async(server_error))
            return await finalize(app, ctx, ep, rv, from_error_handler=True)
        except Exception:
            app.logger.exception("The error handler for an unhandled exception failed")
    return await finalize(app, ctx, ep, server_error, from_error_handler=True)


async def finalize_request_async(
    app: Erlen,
    ctx: RequestContext,
    ep: EndpointPipeline,
    rv: Any,
    from_error_handler: bool = False,
    process: Callable[[Response], Any] | None = None,
) -> Response:
    """Convert ``rv`` to a response, run the after hooks, save the session and
    send ``request_finished``. Failures while handling an unhandled error are
    logged, not raised. ``process`` replaces the after hooks and the session
    save (an app's own ``process_response``)."""
    response = app.make_response(rv)
    try:
        if process is None:
            response = await process_response_async(app, ctx, ep, response, not from_error_handler)
        else:
            response = await invoke_async(process, response)
        if request_finished.receivers:
            await send_async(request_finished, app, response=response)
    except Exception:
        if not from_error_handler:
            raise
        app.logger.exception("Finalizing the response failed while handling an error")
    return response


async def process_response_async(
    app: Erlen,
    ctx: RequestContext,
    ep: EndpointPipeline,
    response: Response,
    run_after: bool = True,
) -> Response:
    """Run ``after_this_request`` functions, then the ``after_request``
    functions (blueprints innermost first, the app last, each in reverse
    order), then save the session if it was opened, or if the request
    carries its cookie and ``SESSION_REFRESH_EACH_REQUEST`` is on (Flask
    refreshes a permanent session on every request)."""
    if run_after:
        for func in ctx._after_request_functions or ():
            response = await invoke_async(func, response)
        for after in ep.after_async:
            response = await after(response)
            if hasattr(response, "__await__"):
                response = await resolve_awaitable_async(response)
    session = ctx._session
    if session is None and session_to_refresh(app, ctx):
        session = await open_session_to_refresh_async(app, ctx)
    if session is not None:
        interface = app.session_interface
        if not interface.is_null_session(session):
            save = interface.save_session
            if getattr(interface, "blocking_io", True) or is_async_callable(save):
                await invoke_async(save, app, session, response)
            else:
                save(app, session, response)
    return response


async def teardown_request_async(
    app: Erlen, ctx: RequestContext, exc: BaseException | None
) -> None:
    """Run the ``teardown_request`` functions (each failure is logged and the
    others still run), then send ``request_tearing_down``."""
    ep = ctx._pipeline or app._pipeline_for(ctx.request)
    for teardown in ep.teardown_async:
        try:
            await resolve_awaitable_async(await teardown(exc))
        except Exception:
            app.logger.exception("A teardown_request function failed")
    if request_tearing_down.receivers:
        await send_async(request_tearing_down, app, exc=exc)


async def teardown_appcontext_async(app: Erlen, exc: BaseException | None) -> None:
    """Run the ``teardown_appcontext`` functions (each failure is logged and
    the others still run), then send ``appcontext_tearing_down``."""
    for func in reversed(app.teardown_appcontext_funcs):
        try:
            await invoke_async(func, exc)
        except Exception:
            app.logger.exception("A teardown_appcontext function failed")
    if appcontext_tearing_down.receivers:
        await send_async(appcontext_tearing_down, app, exc=exc)


async def pop_request_context_async(
    app: Erlen, ctx: RequestContext, exc: BaseException | None
) -> None:
    """Tear the request down and pop its context, then tear down the app
    context it stood in for (if it owned one), with that app context alone
    pushed."""
    try:
        if not ctx._nested:
            ep = ctx._pipeline or app._pipeline_for(ctx.request)
            # PERF: most requests have nothing to tear down.
            if ep.teardown_async or request_tearing_down.receivers:
                await teardown_request_async(app, ctx, exc)
            ctx.request.close()
    finally:
        # PERF: with nothing to run, an owned app context is never pushed.
        if ctx._leave() and (
            app.teardown_appcontext_funcs
            or appcontext_tearing_down.receivers
            or appcontext_popped.receivers
        ):
            await pop_app_context_async(app, ctx._push_app_ctx_for_teardown(), exc)


async def pop_app_context_async(app: Erlen, app_ctx: AppContext, exc: BaseException | None) -> None:
    """Tear the app context down (on its last pop) and pop it."""
    try:
        if not app_ctx._nested and (
            app.teardown_appcontext_funcs or appcontext_tearing_down.receivers
        ):
            await teardown_appcontext_async(app, exc)
    finally:
        app_ctx._leave()
    if appcontext_popped.receivers:
        await send_async(appcontext_popped, app)


async def run_before_serving_async(app: Erlen) -> None:
    """Run the ``before_serving`` functions once per process, in an app
    context (ASGI: at lifespan startup; WSGI: before the first request).
    A failure propagates and the functions run again on the next attempt."""
    async with serving_lock_async(app):
        if app._serving_started:
            return
        await run_in_app_context_async(app, app.before_serving_funcs)
        app._serving_started = True


async def run_after_serving_async(app: Erlen) -> None:
    """Run the ``after_serving`` functions (lifespan shutdown), in an app
    context, when ``before_serving`` ran."""
    if not app._serving_started:
        return
    app._serving_started = False
    await run_in_app_context_async(app, app.after_serving_funcs)


async def run_in_app_context_async(app: Erlen, funcs: list[Callable[[], Any]]) -> None:
    """Call each of ``funcs`` inside a new app context; the first failure
    stops them and propagates (the context is still popped)."""
    if not funcs:
        return
    app_ctx = AppContext(app)
    app_ctx._enter()
    error: BaseException | None = None
    try:
        if appcontext_pushed.receivers:
            await send_async(appcontext_pushed, app)
        for func in funcs:
            await invoke_async(func)
    except BaseException as e:
        error = e
        raise
    finally:
        await pop_app_context_async(app, app_ctx, error)
