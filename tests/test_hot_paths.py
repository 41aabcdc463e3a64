"""The request hot paths keep every behaviour: the shortcuts taken when an
endpoint has nothing to run around its view (no hooks, session untouched,
no signal receivers) fall back to the full pipeline as soon as something
appears, also after the first request; under ASGI a sync endpoint's whole
dispatch runs in one worker thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from asgi_harness import call, run
from erlen import Erlen, Response, after_this_request, g, request, session
from erlen.ctx import RequestContext
from erlen.globals import _cv_app, _request_ctx
from erlen.http.response import Response as BaseResponse
from erlen.signals import (
    appcontext_popped,
    appcontext_tearing_down,
    request_finished,
    request_started,
    request_tearing_down,
)
from erlen.testing import ErlenClient
from wsgi_harness import wsgi_call


@pytest.fixture
def hello(app: Erlen) -> Erlen:
    @app.get("/")
    def index() -> str:
        return "Hello"

    return app


def test_signal_receivers_connected_after_the_first_request_are_sent(
    hello: Erlen, client: ErlenClient
) -> None:
    assert client.get("/").text == "Hello"
    seen: list[str] = []

    def started(sender: Erlen, **kw: Any) -> None:
        seen.append("started")

    def finished(sender: Erlen, response: Response, **kw: Any) -> None:
        seen.append(f"finished {response.status_code}")

    def tearing_down(sender: Erlen, **kw: Any) -> None:
        seen.append("request_tearing_down")

    def app_tearing_down(sender: Erlen, **kw: Any) -> None:
        seen.append("appcontext_tearing_down")

    def popped(sender: Erlen, **kw: Any) -> None:
        seen.append("appcontext_popped")

    pairs = [
        (request_started, started),
        (request_finished, finished),
        (request_tearing_down, tearing_down),
        (appcontext_tearing_down, app_tearing_down),
        (appcontext_popped, popped),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver, hello)
    try:
        assert client.get("/").text == "Hello"
    finally:
        for signal, receiver in pairs:
            signal.disconnect(receiver, hello)
    assert seen == [
        "started",
        "finished 200",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    seen.clear()
    assert client.get("/").text == "Hello"
    assert seen == []


def test_untouched_session_is_opened_only_to_refresh_a_cookie_it_carries(
    app: Erlen, client: ErlenClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[bool] = []
    interface = app.session_interface
    original = interface.open_session

    def spy(app_: Any, request_: Any) -> Any:
        opened.append(True)
        return original(app_, request_)

    # Through monkeypatch: every app shares the class's interface object, so
    # the spy must not outlive this test.
    monkeypatch.setattr(interface, "open_session", spy)

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    @app.get("/set")
    def set_value() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    response = client.get("/plain")
    assert response.text == "plain"
    assert "Set-Cookie" not in response.headers
    assert opened == []
    assert client.get("/set").text == "1"
    assert "Set-Cookie" in client.get("/set").headers
    assert client.get("/set").text == "3"
    assert opened == [True, True, True]
    # The hookless endpoint with the (non-permanent) session cookie: opened
    # after the view for a refresh, which a non-permanent session does not need.
    plain_again = client.get("/plain")
    assert "Set-Cookie" not in plain_again.headers
    assert len(opened) == 4
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    client.get("/plain")
    assert len(opened) == 4


def test_after_this_request_and_g_on_a_hookless_endpoint(app: Erlen, client: ErlenClient) -> None:
    @app.get("/")
    def index() -> str:
        g.value = "from g"

        @after_this_request
        def add(response: Response) -> Response:
            response.headers["X-After"] = g.value
            return response

        return "ok"

    response = client.get("/")
    assert response.text == "ok"
    assert response.headers["X-After"] == "from g"


def test_errors_on_a_hookless_endpoint(app: Erlen, client: ErlenClient) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise KeyError("x")

    @app.get("/missing")
    def missing() -> str:
        from erlen import abort

        abort(418)

    @app.errorhandler(KeyError)
    def on_key_error(e: KeyError) -> tuple[str, int]:
        return "handled", 409

    assert (client.get("/boom").status_code, client.get("/boom").text) == (409, "handled")
    assert client.get("/missing").status_code == 418
    assert client.get("/nope").status_code == 404
    options = client.options("/boom")
    assert options.status_code == 200
    assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_the_pipeline_is_kept_on_the_context_for_teardown(app: Erlen, client: ErlenClient) -> None:
    seen: list[tuple[str | None, str | None]] = []

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        ctx = _request_ctx()
        assert ctx._pipeline is not None
        seen.append((ctx._pipeline.endpoint, request.endpoint))

    assert client.get("/").text == "ok"
    assert client.get("/nope").status_code == 404
    assert seen == [("index", "index"), (None, None)]


def test_a_pushed_context_without_dispatch_tears_down(app: Erlen) -> None:
    calls: list[str] = []

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append(request.path)

    with app.test_request_context("/"):
        ctx = _request_ctx()
        assert isinstance(ctx, RequestContext) and ctx._pipeline is None
    assert calls == ["/"]


# -- ASGI: one worker-thread hop for a sync endpoint ----------------------------------


def test_asgi_sync_endpoint_runs_hooks_view_and_session_in_one_thread(app: Erlen) -> None:
    threads: dict[str, int] = {}

    @app.before_request
    def before() -> None:
        threads["before"] = threading.get_ident()

    @app.after_request
    def after(response: Response) -> Response:
        threads["after"] = threading.get_ident()
        return response

    @app.get("/count")
    def count() -> str:
        threads["view"] = threading.get_ident()
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    async def main() -> tuple[int, str | None, int]:
        loop_thread = threading.get_ident()
        result = await call(app, "GET", "/count")
        return result.status, result.header("set-cookie"), loop_thread

    status, cookie, loop_thread = run(main())
    assert status == 200 and cookie is not None and cookie.startswith("session=")
    assert threads["before"] == threads["view"] == threads["after"]
    assert threads["view"] != loop_thread


def test_asgi_async_view_with_sync_hook_stays_on_the_loop(app: Erlen) -> None:
    threads: dict[str, int] = {}

    @app.before_request
    def before() -> None:
        threads["before"] = threading.get_ident()

    @app.get("/")
    async def index() -> str:
        threads["view"] = threading.get_ident()
        await asyncio.sleep(0)
        return "async"

    async def main() -> tuple[bytes, int]:
        return (await call(app, "GET", "/")).body, threading.get_ident()

    body, loop_thread = run(main())
    assert body == b"async"
    assert threads["view"] == loop_thread
    assert threads["before"] != loop_thread


def test_asgi_offloaded_sync_view_can_await_on_the_serving_loop(app: Erlen) -> None:
    from erlen.pipeline import run_coroutine_sync

    loops: list[asyncio.AbstractEventLoop] = []

    async def which_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    @app.get("/")
    def index() -> str:
        loops.append(run_coroutine_sync(which_loop()))
        return "ok"

    async def main() -> asyncio.AbstractEventLoop:
        await call(app, "GET", "/")
        return asyncio.get_running_loop()

    serving = run(main())
    assert loops == [serving]


# -- the response class ---------------------------------------------------------------


def test_response_close_is_the_toolkits_so_adapters_may_skip_it() -> None:
    assert Response.close is BaseResponse.close
    assert not Response("x")._on_close


def test_async_body_is_closed_once_under_wsgi(app: Erlen) -> None:
    events: list[str] = []

    async def body() -> AsyncIterator[str]:
        try:
            yield "a"
            yield "b"
        finally:
            events.append("closed")

    @app.get("/early")
    def early() -> Response:
        return Response(body())

    @app.get("/assigned")
    def assigned() -> Response:
        response = Response()
        response.response = body()  # type: ignore[assignment]
        return response

    client = app.test_client()
    for path in ("/early", "/assigned"):
        events.clear()
        with client.get(path, buffered=False) as response:
            iterator: Iterator[bytes] = iter(response.response)  # type: ignore[arg-type]
            assert next(iterator) == b"a"
        assert events == ["closed"], path


# -- the URL adapter is built only when needed ----------------------------------


def test_url_adapter_is_built_on_first_use_and_matches_create_url_adapter(
    app: Erlen, client: ErlenClient
) -> None:
    seen: list[Any] = []

    @app.get("/items/<int:item_id>")
    def item(item_id: int) -> str:
        from erlen.globals import request_ctx

        ctx: Any = request_ctx._get_current_object()
        seen.append(ctx._url_adapter)
        adapter = ctx.url_adapter
        seen.append(adapter)
        return erlen_url_for("item", item_id=item_id + 1)

    from erlen import url_for as erlen_url_for

    response = client.get("/items/41", base_url="http://example.org:8080/")
    assert response.text == "/items/42"
    lazy, adapter = seen
    assert lazy is not adapter and adapter is not None
    assert adapter.server_name == "example.org:8080"
    assert adapter.url_scheme == "http"
    with app.test_request_context("/items/41", base_url="http://example.org:8080/") as ctx:
        assert ctx.url_adapter.build("item", {"item_id": 3}, force_external=True) == (
            "http://example.org:8080/items/3"
        )


def test_an_overridden_create_url_adapter_is_used_for_matching(protocol: str) -> None:
    calls: list[str] = []

    class MyApp(Erlen):
        def create_url_adapter(self, request: Any) -> Any:
            if request is not None:
                calls.append(request.path)
            return super().create_url_adapter(request)

    app = MyApp(__name__)

    @app.get("/x")
    def x() -> str:
        return "x"

    client = app.test_client(asgi=protocol == "asgi")
    assert client.get("/x").text == "x"
    assert client.get("/missing").status_code == 404
    assert calls == ["/x", "/missing"]


def test_create_url_adapter_patched_on_erlen_itself_is_used_for_matching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    original = Erlen.create_url_adapter

    def patched(self: Erlen, request: Any) -> Any:
        if request is not None:
            calls.append(request.path)
        return original(self, request)

    app = Erlen(__name__)

    @app.get("/x")
    def x() -> str:
        return "x"

    client = app.test_client()
    assert client.get("/x").text == "x"
    monkeypatch.setattr(Erlen, "create_url_adapter", patched)
    assert client.get("/x").text == "x"
    assert client.get("/missing").status_code == 404
    assert calls == ["/x", "/missing"]


def test_trusted_hosts_are_checked_when_the_request_arrives(
    app: Erlen, client: ErlenClient
) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.example"]

    @app.get("/")
    def index() -> str:
        return "ok"

    assert client.get("/", base_url="http://good.example/").text == "ok"
    assert client.get("/", base_url="http://evil.example/").status_code == 400


def test_a_routing_error_keeps_no_traceback(app: Erlen, client: ErlenClient) -> None:
    # The traceback would tie the request and the error into a reference
    # cycle that only the garbage collector frees. (An error handler gets
    # the error raised again, with a new traceback.)
    errors: list[BaseException | None] = []

    @app.teardown_request
    def keep(error: BaseException | None) -> None:
        errors.append(request.routing_exception)

    assert client.get("/nowhere").status_code == 404
    assert errors and errors[0] is not None
    assert errors[0].__traceback__ is None


def test_redirect_rules_still_redirect_without_an_adapter(app: Erlen, client: ErlenClient) -> None:
    app.add_url_rule("/old/<int:n>", "old", redirect_to="/new/<n>")

    @app.get("/new/<int:n>")
    def new(n: int) -> str:
        return str(n)

    @app.get("/dir/")
    def directory() -> str:
        return "dir"

    response = client.get("/old/5")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/new/5")
    response = client.get("/dir")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/dir/")


# -- nonblocking: sync hooks called on the loop under ASGI ------------------------


def test_nonblocking_sync_hooks_run_on_the_loop_under_asgi(app: Erlen) -> None:
    from erlen import nonblocking

    threads: dict[str, int] = {}

    @app.before_request
    @nonblocking
    def marked_before() -> None:
        threads["marked before"] = threading.get_ident()

    @app.before_request
    def plain_before() -> None:
        threads["plain before"] = threading.get_ident()

    @app.after_request
    @nonblocking
    def marked_after(response: Response) -> Response:
        threads["marked after"] = threading.get_ident()
        response.headers["X-Marked"] = "yes"
        return response

    @app.errorhandler(418)
    @nonblocking
    def teapot(error: Exception) -> tuple[str, int]:
        threads["marked handler"] = threading.get_ident()
        return "short and stout", 418

    @app.get("/")
    async def index() -> str:
        threads["view"] = threading.get_ident()
        return "ok"

    @app.get("/tea")
    async def tea() -> str:
        from erlen import abort

        abort(418)

    client = app.test_client(asgi=True)
    response = client.get("/")
    assert response.text == "ok" and response.headers["X-Marked"] == "yes"
    loop_thread = threads["view"]
    assert threads["marked before"] == loop_thread
    assert threads["marked after"] == loop_thread
    assert threads["plain before"] != loop_thread
    response = client.get("/tea")
    assert (response.status_code, response.text) == (418, "short and stout")
    assert threads["marked handler"] == loop_thread


def test_nonblocking_changes_nothing_under_wsgi(app: Erlen) -> None:
    from erlen import nonblocking

    calls: list[str] = []

    @app.after_request
    @nonblocking
    def marked_after(response: Response) -> Response:
        calls.append("after")
        return response

    @app.get("/")
    def index() -> str:
        return "ok"

    assert app.test_client().get("/").text == "ok"
    assert calls == ["after"]
    # The marker is an attribute: the function itself is returned unchanged.
    assert marked_after.__name__ == "marked_after"
    assert nonblocking(index) is index


def test_nonblocking_when_decides_per_call(app: Erlen) -> None:
    from erlen import nonblocking

    threads: dict[str, int] = {}

    @app.before_request
    @nonblocking(when=lambda: request.args.get("cheap") == "1")
    def sometimes() -> None:
        threads["hook"] = threading.get_ident()

    @app.get("/")
    async def index() -> str:
        threads["view"] = threading.get_ident()
        return "ok"

    client = app.test_client(asgi=True)
    assert client.get("/?cheap=1").text == "ok"
    assert threads["hook"] == threads["view"]
    assert client.get("/?cheap=0").text == "ok"
    assert threads["hook"] != threads["view"]
    # WSGI: a plain call either way.
    assert app.test_client().get("/?cheap=0").text == "ok"


def test_nonblocking_marks_a_bound_method_through_its_function() -> None:
    from erlen import nonblocking
    from erlen.pipeline import is_nonblocking

    class Checker:
        def check(self) -> None:
            pass

    bound = Checker().check
    assert nonblocking(bound) is bound
    assert is_nonblocking(bound) and is_nonblocking(Checker().check)


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_teardown_functions_of_one_blueprint_run_beside_the_inlined_pop(
    app: Erlen, protocol: str
) -> None:
    # "/" pops its contexts through the inlined "nothing to tear down"
    # branch; "/bp/" has a blueprint teardown and must take the full one.
    from erlen import Blueprint

    seen: list[str] = []
    bp = Blueprint("bp", __name__)
    bp.teardown_request(lambda exc: seen.append(f"bp {exc!r}"))

    @bp.get("/")
    def bp_index() -> str:
        return "bp"

    @app.get("/")
    def index() -> str:
        return "Hello"

    app.register_blueprint(bp, url_prefix="/bp")
    client = app.test_client()
    assert _get(app, client, protocol, "/") == (200, b"Hello")
    assert seen == []
    assert _get(app, client, protocol, "/bp/") == (200, b"bp")
    assert seen == ["bp None"]
    assert _get(app, client, protocol, "/") == (200, b"Hello")
    assert seen == ["bp None"]
    assert _request_ctx() is None


def _get(
    app: Erlen, client: ErlenClient, protocol: str, path: str, **headers: str
) -> tuple[int, bytes]:
    if protocol == "wsgi":
        response = client.get(path, headers=headers)
        return response.status_code, response.data
    result = run(call(app, "GET", path, headers=list(headers.items())))
    return result.status, result.body


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_failing_request_close_still_pops_both_contexts(app: Erlen, protocol: str) -> None:
    class ClosingFails(app.request_class):  # type: ignore[name-defined,misc]
        __slots__ = ()

        def close(self) -> None:
            raise OSError("disk gone")

    app.request_class = ClosingFails

    @app.get("/")
    def index() -> str:
        return "Hello"

    with pytest.raises(OSError, match="disk gone"):
        if protocol == "wsgi":
            app.test_client().get("/")
        else:
            run(call(app, "GET", "/"))
    assert _request_ctx() is None
    assert _cv_app.get(None) is None


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_a_malformed_host_is_refused_where_the_host_is_used(app: Erlen, protocol: str) -> None:
    # Matching does not read the host (as in Flask); reading it raises the
    # 400, so a bad Host never reaches a URL the app builds.
    @app.get("/")
    def index() -> str:
        return "Hello"

    @app.get("/host")
    def host() -> str:
        return request.host

    @app.get("/external")
    def external() -> str:
        from erlen import url_for

        return url_for("index", _external=True)

    client = app.test_client()
    bad = {"Host": "bad host!!"}
    assert _get(app, client, protocol, "/", **bad) == (200, b"Hello")
    assert _get(app, client, protocol, "/host", **bad)[0] == 400
    assert _get(app, client, protocol, "/external", **bad)[0] == 400
    assert _get(app, client, protocol, "/external", Host="example.com") == (
        200,
        b"http://example.com/",
    )


def test_the_session_vary_header_is_added_once_and_merged(app: Erlen) -> None:
    app.secret_key = "hot-paths"

    @app.get("/plain")
    def plain() -> str:
        session["n"] = 1
        return "ok"

    @app.get("/lower")
    def lower() -> Response:
        session["n"] = 1
        response = Response("ok")
        response.headers.add("vary", "Accept-Encoding")
        return response

    client = app.test_client()
    assert client.get("/plain").headers.getlist("Vary") == ["Cookie"]
    assert client.get("/lower").headers.getlist("Vary") == ["Accept-Encoding, Cookie"]


# -- the response's headers kept as values until read ------------------------------


def _wsgi_call(app: Any, path: str = "/", method: str = "GET") -> tuple[str, list[Any], bytes]:
    return wsgi_call(app, method, path)


def test_untouched_headers_are_built_on_first_read() -> None:
    response = Response("Grüß")
    assert response._headers is None
    assert list(response.headers.items()) == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", "6"),
    ]
    # Built once: later reads and changes go to the same object.
    response.headers["X-A"] = "1"
    assert response.headers["X-A"] == "1"
    assert BaseResponse(b"x", mimetype="application/json").headers.get("Content-Type") == (
        "application/json"
    )
    assert list(BaseResponse().headers.items()) == [("Content-Type", "text/plain; charset=utf-8")]
    assert list(BaseResponse(b"", mimetype=None, content_type="a/b").headers.items()) == [
        ("Content-Type", "a/b"),
        ("Content-Length", "0"),
    ]


def test_a_response_reused_across_requests_keeps_its_headers(app: Erlen) -> None:
    shared = Response("same")

    @app.get("/")
    def index() -> Response:
        return shared

    for _ in range(2):
        status, headers, body = _wsgi_call(app)
        assert (status, body) == ("200 OK", b"same")
        assert headers == [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", "4"),
        ]
        # A server that adds to the list it was given (wsgiref adds Date)
        # changes its copy only.
        headers.append(("Date", "now"))
    assert "Date" not in shared.headers


def test_untouched_headers_follow_the_status_rules_on_the_wire(app: Erlen) -> None:
    @app.get("/empty")
    def empty() -> Response:
        return Response("ignored", status=204)

    @app.get("/streamed")
    def streamed() -> Response:
        return Response(iter([b"a", b"b"]))

    @app.get("/chunks")
    def chunks() -> Response:
        return Response([b"ab", b"c"])

    @app.get("/not-modified")
    def not_modified() -> Response:
        return Response("ignored", status=304)

    class Untyped(Response):
        default_mimetype = None

    @app.get("/created")
    def created() -> Response:
        return Untyped("made", status=201)

    assert _wsgi_call(app, "/empty")[:2] == ("204 NO CONTENT", [])
    assert _wsgi_call(app, "/not-modified") == ("304 NOT MODIFIED", [], b"")
    assert _wsgi_call(app, "/created") == ("201 CREATED", [("Content-Length", "4")], b"made")
    _, headers, body = _wsgi_call(app, "/streamed")
    assert (headers, body) == ([("Content-Type", "text/html; charset=utf-8")], b"ab")
    _, headers, body = _wsgi_call(app, "/chunks")
    assert headers == [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "3")]
    _, headers, body = _wsgi_call(app, "/chunks", "HEAD")
    assert (headers[-1], body) == (("Content-Length", "3"), b"")

    # The ASGI adapter takes the same shortcut (lower-case names there).
    def asgi(path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        result = run(call(app, "GET", path))
        return result.status, result.headers, result.body

    html = ("content-type", "text/html; charset=utf-8")
    assert asgi("/empty") == (204, [], b"")
    assert asgi("/not-modified") == (304, [], b"")
    assert asgi("/created") == (201, [("content-length", "4")], b"made")
    assert asgi("/chunks") == (200, [html, ("content-length", "3")], b"abc")
    assert asgi("/streamed") == (200, [html], b"ab")


def test_call_on_close_after_the_first_response_list_is_made(app: Erlen) -> None:
    calls: list[str] = []
    response = Response("x")
    assert response._on_close == ()
    response.call_on_close(lambda: calls.append("a"))
    response.call_on_close(lambda: calls.append("b"))
    response.close()
    assert calls == ["a", "b"]
    assert Response("y")._on_close == ()


# -- calling the app ----------------------------------------------------------------


@pytest.mark.parametrize("args", [(), ({},), ({}, None, None, None)])
def test_an_app_called_with_the_wrong_arguments_says_how_to_call_it(
    app: Erlen, args: tuple[Any, ...]
) -> None:
    with pytest.raises(TypeError, match=f"not with {len(args)} arguments"):
        app(*args)


# -- the request's routing results --------------------------------------------------


def test_routing_results_default_to_none_and_are_per_request(app: Erlen) -> None:
    from erlen.wrappers import Request as AppRequest

    @app.get("/page", defaults={"size": 10})
    def page(size: int) -> str:
        request.view_args["size"] = 99  # type: ignore[index]
        request.user = "alice"  # type: ignore[attr-defined]
        return str(size)

    with app.test_request_context("/page"):
        fresh = AppRequest.__new__(AppRequest)
        assert (fresh.url_rule, fresh.view_args, fresh.routing_exception) == (None, None, None)
    client = app.test_client()
    # The rule's defaults are copied into each request's view_args.
    assert client.get("/page").text == "10"
    assert client.get("/page").text == "10"
    with app.test_request_context("/missing"):
        assert request.url_rule is None
        assert request.routing_exception is not None
        assert request.routing_exception.code == 404


def test_a_static_rule_refusing_the_method_or_the_websocket_is_not_matched(app: Erlen) -> None:
    @app.post("/only-post")
    def only_post() -> str:
        return "post"

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    client = app.test_client()
    assert client.get("/only-post").status_code == 405
    assert client.post("/only-post").text == "post"
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"}
    assert client.get("/plain", headers=upgrade).status_code == 426
    assert client.get("/plain").text == "plain"


def test_a_server_name_seen_with_two_ports_keeps_each_port() -> None:
    from erlen.adapters.wsgi import request_from_environ
    from erlen.http.request import Request as BaseRequest

    def server(port: str) -> Any:
        environ = {"SERVER_NAME": "cache-test.example", "SERVER_PORT": port}
        return request_from_environ(environ, BaseRequest).server

    assert [server(p) for p in ("8000", "8001", "8000", "x")] == [
        ("cache-test.example", 8000),
        ("cache-test.example", 8001),
        ("cache-test.example", 8000),
        ("cache-test.example", None),
    ]


def test_a_plain_static_match_gives_each_request_its_own_view_args(app: Erlen) -> None:
    seen: list[dict[str, Any]] = []

    @app.get("/plain")
    def plain() -> str:
        assert request.view_args is not None
        seen.append(dict(request.view_args))
        request.view_args["added"] = True
        return "ok"

    @app.get("/old", redirect_to="/plain")
    def old() -> str:
        return "never"

    client = app.test_client()
    assert [client.get("/plain").text for _ in range(2)] == ["ok", "ok"]
    assert seen == [{}, {}]
    moved = client.get("/old")
    assert (moved.status_code, moved.headers["Location"]) == (308, "http://localhost/plain")
    rule = next(r for r in app.url_map.iter_rules() if r.rule == "/plain")
    assert (
        rule._plain_match
        and not next(r for r in app.url_map.iter_rules() if r.rule == "/old")._plain_match
    )
