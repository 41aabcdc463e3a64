"""The app as an ASGI 3 application: HTTP through the one pipeline, bodies,
streaming, middleware, and the same limits and errors as WSGI."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from asgi_harness import Connection, Message, Result, call, http_scope, run
from erlen import (
    Blueprint,
    Erlen,
    Request,
    Response,
    after_this_request,
    current_app,
    g,
    request,
    session,
    stream_with_context,
)
from erlen.http.multipart import encode_multipart
from wsgi_harness import wsgi_call


@pytest.fixture
def app() -> Erlen:
    app = Erlen("asgi_app")
    app.config.update(SECRET_KEY="asgi secret")
    return app


def get(app: Erlen, path: str = "/", **kwargs: Any) -> Result:
    return run(call(app, "GET", path, **kwargs))


def post(app: Erlen, path: str, body: bytes = b"", **kwargs: Any) -> Result:
    return run(call(app, "POST", path, body=body, **kwargs))


def wsgi(app: Erlen, method: str, path: str, body: bytes = b"", **headers: str) -> Any:
    status, _, data = wsgi_call(app, method, path, body, **headers)
    return int(status.split()[0]), data


# -- the entry points -------------------------------------------------------------------


def test_call_is_awaitable_and_detected_as_asgi3(app: Erlen) -> None:
    @app.get("/")
    def index() -> str:
        return "hi"

    scope = http_scope()
    connection = Connection()
    awaitable = app(scope, connection.receive, connection.send)
    assert inspect.isawaitable(awaitable)
    run(awaitable)
    assert connection.result.body == b"hi"
    # What uvicorn, hypercorn, daphne and asgiref check to pick ASGI 3.
    assert asyncio.iscoroutinefunction(app.__call__)
    assert inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(app.__call__)
    assert inspect.iscoroutinefunction(app.asgi_app)


def test_wsgi_still_works(app: Erlen) -> None:
    @app.get("/")
    def index() -> str:
        return "wsgi"

    assert wsgi(app, "GET", "/") == (200, b"wsgi")


def test_asgi_middleware_wraps_asgi_app(app: Erlen) -> None:
    seen: list[str] = []

    class Middleware:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
            seen.append(scope["path"])

            async def send_with_header(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message["headers"] = [*message["headers"], (b"x-middleware", b"1")]
                await send(message)

            await self.inner(scope, receive, send_with_header)

    @app.get("/x")
    def x() -> str:
        return "x"

    app.asgi_app = Middleware(app.asgi_app)  # type: ignore[method-assign]
    result = get(app, "/x")
    assert result.body == b"x"
    assert result.header("x-middleware") == "1"
    assert seen == ["/x"]
    # The WSGI side is untouched.
    assert wsgi(app, "GET", "/x") == (200, b"x")


def test_unknown_scope_type(app: Erlen) -> None:
    async def nothing() -> Message:
        return {}

    async def drop(message: Message) -> None:
        pass

    with pytest.raises(ValueError, match="'telepathy'"):
        run(app({"type": "telepathy"}, nothing, drop))


def test_request_without_body_never_calls_receive(app: Erlen) -> None:
    @app.route("/", methods=["GET", "HEAD", "DELETE"])
    async def index() -> str:
        return f"{request.method} {request.get_data()!r} {len(request.form)}"

    async def receive() -> Message:
        raise AssertionError("receive() called for a request without a body")

    async def serve(method: str, headers: list[tuple[bytes, bytes]]) -> list[Message]:
        scope = http_scope(method, "/")
        scope["headers"] += headers
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return sent

    for method, headers in [("GET", []), ("DELETE", [(b"content-length", b"0")])]:
        sent = run(serve(method, headers))
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
        assert sent[0]["status"] == 200
        assert sent[1]["body"] == f"{method} b'' 0".encode()
        assert (b"content-length", str(len(sent[1]["body"])).encode()) in sent[0]["headers"]
    sent = run(serve("HEAD", []))
    assert sent[1]["body"] == b""


def test_asgi_app_hands_back_the_serving_coroutine(app: Erlen) -> None:
    from erlen.asgi import asgi_app

    @app.route("/")
    async def index() -> str:
        return "hi"

    result = get(app)
    assert (result.status, result.body) == (200, b"hi")
    with pytest.raises(ValueError, match="'telepathy'"):
        asgi_app(app, {"type": "telepathy"}, None, None)  # type: ignore[arg-type]


# -- the pipeline -------------------------------------------------------------------------


def test_hooks_errors_and_session_run_under_asgi(app: Erlen) -> None:
    order: list[str] = []

    @app.before_request
    def before() -> None:
        order.append("before")
        g.user = "ann"

    @app.after_request
    async def after(response: Response) -> Response:
        order.append("after")
        response.headers["X-After"] = "yes"
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        order.append(f"teardown:{exc is None}")

    @app.get("/")
    async def index() -> str:
        order.append("view")
        session["visits"] = 1

        @after_this_request
        def add(response: Response) -> Response:
            order.append("after_this")
            return response

        return f"hello {g.user}"

    @app.errorhandler(KeyError)
    async def key_error(e: KeyError) -> tuple[str, int]:
        return f"missing {e.args[0]}", 422

    @app.get("/missing")
    def missing() -> str:
        return {}["thing"]  # type: ignore[no-any-return]

    result = get(app)
    assert result.status == 200
    assert result.body == b"hello ann"
    assert result.header("x-after") == "yes"
    assert "session=" in (result.header("set-cookie") or "")
    assert order == ["before", "view", "after_this", "after", "teardown:True"]
    missing_result = get(app, "/missing")
    assert (missing_result.status, missing_result.body) == (422, b"missing thing")


def test_routing_errors(app: Erlen) -> None:
    @app.post("/only-post")
    def only_post() -> str:
        return "ok"

    assert get(app, "/nope").status == 404
    result = get(app, "/only-post")
    assert result.status == 405
    assert result.header("allow") == "OPTIONS, POST"


def test_unhandled_error_is_500_and_logged(app: Erlen, caplog: pytest.LogCaptureFixture) -> None:
    @app.get("/")
    async def boom() -> str:
        raise RuntimeError("kaput")

    result = get(app)
    assert result.status == 500
    assert any("kaput" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_testing_mode_propagates_exceptions(app: Erlen) -> None:
    app.testing = True

    @app.get("/")
    async def boom() -> str:
        raise RuntimeError("kaput")

    with pytest.raises(RuntimeError, match="kaput"):
        get(app)


def test_invalid_utf8_path_is_400(app: Erlen) -> None:
    result = get(app, "/caf\ufffd", raw_path=b"/caf%E9")
    assert result.status == 400
    assert b"UTF-8" in result.body


def test_root_path_and_url_for(app: Erlen) -> None:
    @app.get("/page")
    def page() -> dict[str, str]:
        from erlen import url_for

        return {"path": request.path, "root": request.root_path, "url": url_for("page")}

    result = get(app, "/shop/page", root_path="/shop")
    assert json.loads(result.body) == {"path": "/page", "root": "/shop", "url": "/shop/page"}


def test_proxy_fix_config(app: Erlen) -> None:
    app.config["PROXY_FIX"] = {"x_for": 1, "x_proto": 1}

    @app.get("/")
    def index() -> str:
        return f"{request.remote_addr} {request.scheme}"

    result = get(app, headers=[("X-Forwarded-For", "198.51.100.7"), ("X-Forwarded-Proto", "https")])
    assert result.body == b"198.51.100.7 https"


def test_head_request_sends_no_body(app: Erlen) -> None:
    @app.get("/")
    def index() -> str:
        return "content"

    result = run(call(app, "HEAD", "/"))
    assert result.status == 200
    assert result.body == b""
    assert result.header("content-length") == "7"


# -- request bodies -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_body_accessors_in_sync_and_async_views(app: Erlen, kind: str) -> None:
    def view() -> dict[str, Any]:
        return {
            "data": request.get_data(as_text=True) if not request.form else "",
            "json": request.get_json(silent=True),
            "form": request.form.to_dict(),
            "values": request.values.to_dict(),
            "files": {k: f.read().decode() for k, f in request.files.items()},
        }

    if kind == "async":

        async def async_view() -> dict[str, Any]:
            return view()

        app.add_url_rule("/body", "body", async_view, methods=["POST"])
    else:
        app.add_url_rule("/body", "body", view, methods=["POST"])

    as_json = post(app, "/body", b'{"a": [1, 2]}', headers=[("Content-Type", "application/json")])
    assert json.loads(as_json.body)["json"] == {"a": [1, 2]}

    form = post(
        app,
        "/body",
        b"name=erlen&tag=a&tag=b",
        query_string=b"q=1",
        headers=[("Content-Type", "application/x-www-form-urlencoded")],
    )
    assert json.loads(form.body)["form"] == {"name": "erlen", "tag": "a"}
    assert json.loads(form.body)["values"] == {"q": "1", "name": "erlen", "tag": "a"}

    class Upload:
        stream = io.BytesIO(b"file contents")
        filename = "a.txt"
        content_type = "text/plain"

    data, content_type = encode_multipart([("field", "v"), ("upload", Upload())])
    multipart = post(app, "/body", data, headers=[("Content-Type", content_type)])
    assert json.loads(multipart.body)["form"] == {"field": "v"}
    assert json.loads(multipart.body)["files"] == {"upload": "file contents"}

    # A chunked body (no Content-Length) arrives in several messages.
    chunked = run(
        call(
            app,
            "POST",
            "/body",
            body=[b"hel", b"lo"],
            headers=[("Transfer-Encoding", "chunked"), ("Content-Type", "text/plain")],
        )
    )
    assert json.loads(chunked.body)["data"] == "hello"


def test_malformed_json_is_400(app: Erlen) -> None:
    @app.post("/")
    async def index() -> Any:
        return request.get_json()

    result = post(app, "/", b"{nope", headers=[("Content-Type", "application/json")])
    assert result.status == 400


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_oversized_body_is_413(app: Erlen, kind: str) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100

    def read() -> str:
        return str(len(request.get_data()))

    async def aread() -> str:
        return str(len(request.get_data()))

    app.add_url_rule("/", "read", aread if kind == "async" else read, methods=["POST"])
    assert post(app, "/", b"x" * 100).body == b"100"
    assert post(app, "/", b"x" * 101).status == 413
    # Without Content-Length the limit holds while reading.
    connection = Connection([b"x" * 60] * 1000)
    result = run(
        call(app, "POST", "/", headers=[("Transfer-Encoding", "chunked")], connection=connection)
    )
    assert result.status == 413
    assert connection.receive_calls <= 4  # stopped receiving, did not buffer 60 kB
    # And on WSGI the same request gets the same answer.
    assert wsgi(app, "POST", "/", b"x" * 101)[0] == 413


class _FiftyByteRequest(Request):
    max_content_length = 50


class _ConfiguredLimitRequest(Request):
    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        # Reads the app through the context, as a Flask-era subclass does.
        return int(current_app.config["UPLOAD_LIMIT"])


@pytest.mark.parametrize("request_class", [_FiftyByteRequest, _ConfiguredLimitRequest])
def test_the_prefetch_stops_at_a_request_class_limit(
    app: Erlen, request_class: type[Request]
) -> None:
    # The body limit the prefetch honours comes from the request class when it
    # has its own (a class attribute, or a property that needs the context).
    app.request_class = request_class
    app.config["UPLOAD_LIMIT"] = 50
    assert app.config["MAX_CONTENT_LENGTH"] is None

    @app.post("/")
    async def index() -> str:
        return str(len(request.get_data()))

    assert post(app, "/", b"x" * 50).body == b"50"
    connection = Connection([b"x" * 30] * 1000)
    result = run(
        call(app, "POST", "/", headers=[("Transfer-Encoding", "chunked")], connection=connection)
    )
    assert result.status == 413
    assert connection.receive_calls <= 3  # stopped past 50 bytes, not 30 kB later


def test_413_for_oversized_form(app: Erlen) -> None:
    app.config["MAX_FORM_MEMORY_SIZE"] = 10

    @app.post("/")
    async def index() -> Any:
        return request.form.to_dict()

    result = post(
        app,
        "/",
        b"field=" + b"x" * 50,
        headers=[("Content-Type", "application/x-www-form-urlencoded")],
    )
    assert result.status == 413


def test_body_not_read_is_still_a_200(app: Erlen) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def index() -> str:
        return "ignored the body"

    # As under WSGI, the limit applies when the body is read.
    assert post(app, "/", b"x" * 5, headers=[("Transfer-Encoding", "chunked")]).status == 200


@pytest.mark.parametrize(
    ("spool_size", "payload", "expected"),
    [
        (1024, [b"y" * 1000] * 10, [True]),
        # Below the threshold, even in ten messages: read into memory, no
        # ASGIBody (and so no prefetch) at all.
        (None, [b"y" * 1000] * 10, []),
        # 0 is a setting (spool every body), not "use the default".
        (0, [b"y" * 10], [True]),
        (0, [b"y" * 10, b""], [True]),
    ],
)
def test_large_upload_is_spooled(
    app: Erlen,
    monkeypatch: pytest.MonkeyPatch,
    spool_size: int | None,
    payload: list[bytes],
    expected: list[bool],
) -> None:
    assert app.config["ASGI_BODY_SPOOL_SIZE"] == 1024 * 1024
    if spool_size is not None:
        app.config["ASGI_BODY_SPOOL_SIZE"] = spool_size
    spooled: list[bool] = []

    from erlen.adapters import asgi as adapter

    original = adapter.ASGIBody.prefetch

    async def spy(self: adapter.ASGIBody, limit: int | None = None) -> None:
        await original(self, limit)
        spooled.append(self._file is not None)

    monkeypatch.setattr(adapter.ASGIBody, "prefetch", spy)

    @app.post("/")
    def index() -> str:
        return str(len(request.get_data()))

    size = sum(map(len, payload))
    assert run(call(app, "POST", "/", body=payload)).body == str(size).encode()
    assert spooled == expected


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda data: data, [200, b"7"]),  # one chunk: the inlined send
        (lambda data: Response(iter([data, b"!"])), [200, b"7!"]),  # streamed
        (lambda data: (data, 204), [204, b""]),  # no body allowed
    ],
    ids=["one chunk", "streamed", "204"],
)
def test_the_request_body_is_closed_once_however_the_response_goes_out(
    app: Erlen, monkeypatch: pytest.MonkeyPatch, make: Any, expected: list[Any]
) -> None:
    from erlen.adapters import asgi as adapter

    closed: list[int] = []
    original = adapter.ASGIBody.close

    def spy(self: adapter.ASGIBody) -> None:
        closed.append(len(closed))
        original(self)

    monkeypatch.setattr(adapter.ASGIBody, "close", spy)

    @app.post("/")
    def index() -> Any:
        return make(str(len(request.get_data())).encode())

    # Above the spool threshold: a body within it is read from memory
    # without an ASGIBody (see the tests below).
    app.config["ASGI_BODY_SPOOL_SIZE"] = 4
    result = run(call(app, "POST", "/", body=[b"pay", b"load"]))
    assert [result.status, result.body] == expected
    assert closed == [0]


# -- stream_body ------------------------------------------------------------------------------


def test_stream_body_async_view_gets_chunks_as_they_arrive(app: Erlen) -> None:
    seen: list[tuple[bytes, int]] = []

    @app.route("/up", methods=["POST"], stream_body=True)
    async def upload() -> str:
        total = 0
        async for chunk in request.stream:
            seen.append((chunk, len(seen)))
            total += len(chunk)
        return str(total)

    async def main() -> tuple[Result, list[int]]:
        connection = Connection(trickle=True)
        progress: list[int] = []
        task = asyncio.ensure_future(
            call(
                app,
                "POST",
                "/up",
                headers=[("Content-Length", "9")],
                connection=connection,
            )
        )
        for part in (b"abc", b"def", b"ghi"):
            connection.feed({"type": "http.request", "body": part, "more_body": part != b"ghi"})
            await asyncio.sleep(0.02)
            progress.append(len(seen))
        return await task, progress

    result, progress = run(main())
    assert result.body == b"9"
    assert [chunk for chunk, _ in seen] == [b"abc", b"def", b"ghi"]
    # The view had each chunk before the next one was sent: not received first.
    assert progress == [1, 2, 3]


def test_stream_body_sync_view_on_both_protocols(app: Erlen) -> None:
    @app.route("/up", methods=["POST"], stream_body=True)
    def upload() -> str:
        sizes = [len(chunk) for chunk in request.stream]
        return f"{sum(sizes)} in {len(sizes) > 0}"

    payload = [b"z" * 30000, b"z" * 30000, b"z" * 40000]
    assert run(call(app, "POST", "/up", body=payload)).body == b"100000 in True"
    assert wsgi(app, "POST", "/up", b"z" * 100000) == (200, b"100000 in True")


def test_stream_body_async_view_under_wsgi(app: Erlen) -> None:
    @app.route("/up", methods=["POST"], stream_body=True)
    async def upload() -> str:
        parts = [chunk async for chunk in request.stream]
        return b"".join(parts).decode()

    assert wsgi(app, "POST", "/up", b"streamed over wsgi") == (200, b"streamed over wsgi")


def test_stream_body_limits_on_both_protocols(app: Erlen) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 50

    @app.route("/up", methods=["POST"], stream_body=True)
    async def upload() -> str:
        total = 0
        async for chunk in request.stream:
            total += len(chunk)
        return str(total)

    assert run(call(app, "POST", "/up", body=[b"a" * 25, b"a" * 25])).body == b"50"
    assert run(call(app, "POST", "/up", body=[b"a" * 30, b"a" * 30])).status == 413
    chunked = run(
        call(
            app,
            "POST",
            "/up",
            body=[b"a" * 30, b"a" * 30],
            headers=[("Transfer-Encoding", "chunked")],
        )
    )
    assert chunked.status == 413
    assert wsgi(app, "POST", "/up", b"a" * 60)[0] == 413


def test_stream_body_client_disconnect_is_400(app: Erlen) -> None:
    @app.route("/up", methods=["POST"], stream_body=True)
    async def upload() -> str:
        async for _chunk in request.stream:
            pass
        return "done"

    async def main() -> Result:
        connection = Connection(trickle=True)
        connection.feed({"type": "http.request", "body": b"abc", "more_body": True})
        task = asyncio.ensure_future(
            call(app, "POST", "/up", headers=[("Content-Length", "10")], connection=connection)
        )
        await asyncio.sleep(0.01)
        connection.disconnect()
        return await task

    assert run(main()).status == 400


def test_stream_body_get_data_in_async_view_explains(app: Erlen) -> None:
    app.testing = True

    @app.route("/up", methods=["POST"], stream_body=True)
    async def upload() -> str:
        return request.get_data(as_text=True)

    async def main() -> Result:
        connection = Connection(trickle=True)
        task = asyncio.ensure_future(
            call(app, "POST", "/up", headers=[("Content-Length", "4")], connection=connection)
        )
        await asyncio.sleep(0.01)
        connection.feed({"type": "http.request", "body": b"data", "more_body": False})
        return await task

    with pytest.raises(RuntimeError, match=r"async for chunk in request\.stream"):
        run(main())


# -- streamed responses ----------------------------------------------------------------------


def test_sync_and_async_generators_stream(app: Erlen) -> None:
    @app.get("/sync")
    def sync_stream() -> Any:
        def generate() -> Iterator[str]:
            yield "a"
            yield "b"

        return generate()

    @app.get("/async")
    async def async_stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "c"
            await asyncio.sleep(0)
            yield "d"

        return Response(generate(), mimetype="text/plain")

    sync_result = get(app, "/sync")
    assert sync_result.body == b"ab"
    assert [m.get("more_body", False) for m in sync_result.body_messages] == [True, True, False]
    async_result = get(app, "/async")
    assert async_result.body == b"cd"
    assert async_result.header("content-type") == "text/plain; charset=utf-8"
    # WSGI drives the async generator on the worker thread's loop.
    assert wsgi(app, "GET", "/async") == (200, b"cd")


def test_stream_with_context_sync_and_async(app: Erlen) -> None:
    @app.get("/sync")
    def sync_stream() -> Any:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield "name="
            yield request.args["name"]
            yield f" user={g.user}"

        g.user = "sync"
        return generate()

    @app.get("/async")
    async def async_stream() -> Any:
        async def generate() -> AsyncIterator[str]:
            yield "name="
            await asyncio.sleep(0)
            yield request.args["name"]
            yield f" user={g.user}"

        g.user = "async"
        return stream_with_context(generate())

    assert get(app, "/sync", query_string=b"name=a").body == b"name=a user=sync"
    assert get(app, "/async", query_string=b"name=b").body == b"name=b user=async"
    assert wsgi(app, "GET", "/async", QUERY_STRING="name=c") == (200, b"name=c user=async")
    assert wsgi(app, "GET", "/sync", QUERY_STRING="name=d") == (200, b"name=d user=sync")


def test_disconnect_stops_the_generator(app: Erlen) -> None:
    state = {"sent": 0, "finally": False}
    finished = threading.Event()

    @app.get("/forever")
    def forever() -> Any:
        @stream_with_context
        def generate() -> Iterator[str]:
            try:
                while True:
                    state["sent"] += 1
                    yield f"{request.path} {state['sent']}\n"
            finally:
                state["finally"] = True
                finished.set()

        return generate()

    result = run(call(app, "GET", "/forever", connection=Connection(disconnect_after=2)))
    assert finished.wait(5)
    assert state["finally"] is True
    assert result.body.startswith(b"/forever 1\n/forever 2\n")
    assert not result.complete


def test_disconnect_stops_an_async_generator(app: Erlen) -> None:
    state: dict[str, bool] = {"finally": False}

    @app.get("/events")
    async def events() -> Any:
        async def generate() -> AsyncIterator[str]:
            try:
                yield "first\n"
                while True:
                    await asyncio.sleep(10)
                    yield "late\n"
            finally:
                state["finally"] = True

        return generate()

    result = run(call(app, "GET", "/events", connection=Connection(disconnect_after=1)))
    assert result.body == b"first\n"
    assert state["finally"] is True


def test_send_file_streams_in_chunks(app: Erlen, tmp_path: Any) -> None:
    data = b"0123456789" * 20000
    path = tmp_path / "big.bin"
    path.write_bytes(data)

    @app.get("/file")
    def file() -> Any:
        from erlen import send_file

        return send_file(path)

    result = get(app, "/file")
    assert result.status == 200
    assert result.body == data
    assert result.header("content-length") == str(len(data))
    assert len([m for m in result.body_messages if m.get("body")]) >= 3


def test_sync_generator_does_not_block_the_loop(app: Erlen) -> None:
    release = threading.Event()

    @app.get("/slow")
    def slow() -> Any:
        def generate() -> Iterator[str]:
            yield "waiting "
            release.wait(5)
            yield "released"

        return generate()

    @app.get("/fast")
    async def fast() -> str:
        release.set()
        return "fast"

    async def main() -> tuple[Result, Result]:
        slow_task = asyncio.ensure_future(call(app, "GET", "/slow"))
        await asyncio.sleep(0.05)
        fast_result = await call(app, "GET", "/fast")
        return await slow_task, fast_result

    slow_result, fast_result = run(main())
    assert fast_result.body == b"fast"
    assert slow_result.body == b"waiting released"


# -- blueprints, stream_body on blueprints --------------------------------------------------


def test_blueprint_routes_and_stream_body(app: Erlen) -> None:
    bp = Blueprint("files", __name__, url_prefix="/files")

    @bp.route("/up", methods=["POST"], stream_body=True)
    async def up() -> str:
        return str(sum([len(c) async for c in request.stream]))

    @bp.before_request
    async def mark() -> None:
        g.bp = True

    @bp.get("/where")
    def where() -> str:
        return f"{request.blueprint} {g.bp}"

    app.register_blueprint(bp)
    assert run(call(app, "POST", "/files/up", body=[b"ab", b"cde"])).body == b"5"
    assert get(app, "/files/where").body == b"files True"


# -- a body that ends in its first message ------------------------------------------------


def test_a_body_in_one_message_is_received_once_and_read_from_memory(app: Erlen) -> None:
    from erlen.adapters import asgi as adapter

    seen: list[Any] = []

    @app.post("/json")
    async def as_json() -> Any:
        seen.append(type(request.input_stream).__name__)
        return {"got": request.get_json(), "raw": request.get_data(as_text=True)}

    @app.post("/form")
    def as_form() -> Any:
        return dict(request.form)

    @app.post("/stream")
    def as_stream() -> Any:
        return request.stream.read(3) + b"|" + request.stream.read()

    connection = Connection(b'{"a": [1, 2]}')
    result = run(
        call(
            app,
            "POST",
            "/json",
            connection=connection,
            headers=[("Content-Type", "application/json"), ("Content-Length", "13")],
        )
    )
    assert json.loads(result.body) == {"got": {"a": [1, 2]}, "raw": '{"a": [1, 2]}'}
    assert connection.receive_calls == 1  # the body, nothing more before the response
    assert seen and seen[0] != adapter.ASGIBody.__name__
    form = run(
        call(
            app,
            "POST",
            "/form",
            body=[b"name=Zo%C3%AB&city=Z%C3%BCrich"],
            headers=[("Content-Type", "application/x-www-form-urlencoded")],
        )
    )
    assert json.loads(form.body) == {"name": "Zoë", "city": "Zürich"}
    assert run(call(app, "POST", "/stream", body=[b"abcdef"])).body == b"abc|def"


def test_one_message_over_the_limit_is_413_as_before(app: Erlen) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 5

    @app.post("/")
    def index() -> str:
        return str(len(request.get_data()))

    assert run(call(app, "POST", "/", body=[b"12345"])).body == b"5"
    assert run(call(app, "POST", "/", body=[b"123456"])).status == 413


@pytest.mark.parametrize("view_kind", ["sync", "async"])
@pytest.mark.parametrize(
    "chunks",
    [
        [b'{"a": [1, 2, 3]}', b""],  # granian and hypercorn: the body, then an empty end
        [b'{"a": [1, ', b"2, 3]}", b""],
        [b'{"a": [1, 2, 3]}'],  # uvicorn: one message
    ],
    ids=["then-empty", "split-then-empty", "one-message"],
)
def test_a_body_within_the_spool_size_is_read_from_memory_however_it_is_split(
    app: Erlen, monkeypatch: pytest.MonkeyPatch, view_kind: str, chunks: list[bytes]
) -> None:
    from erlen.adapters import asgi as adapter

    made: list[int] = []
    original = adapter.ASGIBody.__init__

    def spy(self: adapter.ASGIBody, *args: Any, **kwargs: Any) -> None:
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(adapter.ASGIBody, "__init__", spy)

    if view_kind == "sync":

        @app.post("/")
        def echo_sync() -> Any:
            return {"got": request.get_json(), "stream": request.stream.read().decode()}

    else:

        @app.post("/")
        async def echo_async() -> Any:
            return {"got": request.get_json(), "stream": request.stream.read().decode()}

    result = run(
        call(app, "POST", "/", body=chunks, headers=[("Content-Type", "application/json")])
    )
    assert result.status == 200
    assert json.loads(result.body) == {"got": {"a": [1, 2, 3]}, "stream": ""}
    assert made == []


def test_a_body_that_grows_past_the_limit_while_collected_is_still_a_413(app: Erlen) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 6

    @app.post("/")
    def index() -> str:
        return str(len(request.get_data()))

    assert run(call(app, "POST", "/", body=[b"123", b"456", b""])).body == b"6"
    # More than the limit, in messages that each stay under it: the
    # collection stops, the ASGIBody replays what came and reading is a 413.
    result = run(
        call(app, "POST", "/", body=[b"123", b"456", b"7", b""], headers=[("Content-Length", "7")])
    )
    assert result.status == 413


@pytest.mark.parametrize(
    "before",
    [[], [{"type": "http.request", "body": b"ab", "more_body": True}]],
    ids=["before-its-body", "in-the-middle-of-a-small-body"],
)
def test_a_client_gone_still_reads_as_disconnected(app: Erlen, before: list[Any]) -> None:
    from erlen.adapters.asgi import ClientDisconnected

    errors: list[str] = []

    @app.post("/")
    def index() -> str:
        try:
            request.get_data()
        except ClientDisconnected as e:
            errors.append(type(e).__name__)
            raise
        return "read"

    connection = Connection([], trickle=True)
    connection.incoming.extend(before)
    connection.incoming.append({"type": "http.disconnect"})
    result = run(call(app, "POST", "/", connection=connection, headers=[("Content-Length", "4")]))
    assert errors == ["ClientDisconnected"]
    assert result.status == 400


@pytest.mark.parametrize(
    "chunks", [[b"tick"], [b"ti", b"ck", b""]], ids=["one-message", "split-then-empty"]
)
def test_a_streamed_response_after_a_body_read_from_memory_stops_when_the_client_leaves(
    app: Erlen, chunks: list[bytes]
) -> None:
    state = {"finally": False}

    @app.post("/feed")
    def feed() -> Any:
        received = request.get_data()

        @stream_with_context
        def generate() -> Iterator[bytes]:
            try:
                while True:
                    yield received + b"\n"
            finally:
                state["finally"] = True

        return generate()

    result = run(
        call(
            app,
            "POST",
            "/feed",
            connection=Connection(chunks, disconnect_after=3),
            headers=[("Content-Length", "4")],
        )
    )
    assert result.body.startswith(b"tick\ntick\n")
    assert not result.complete
    assert state["finally"] is True
