"""erlen.testing over ASGI: the scope built from the environ, the HTTP exchange
(body chunks, streamed responses, errors), lifespan, ``with client:`` under ASGI,
and WebSocket sessions. Driven with small hand-written ASGI apps, so it tests
the transport and not the framework's ASGI side."""

from __future__ import annotations

import asyncio
import contextvars
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from erlen.testing import (
    PRESERVE_CONTEXT_KEY,
    EnvironBuilder,
    ErlenClient,
    WebSocketClosed,
    WebSocketDenied,
    asgi_scope,
)
from erlen.testing.transports import BODY_CHUNK_SIZE

Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


def json_body(data: Any) -> bytes:
    return json.dumps(data).encode()


async def read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        body += message.get("body", b"")
        if not message.get("more_body", False):
            return body, messages


async def respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers or []})
    await send({"type": "http.response.body", "body": body})


def http_only(handler: ASGIApp) -> ASGIApp:
    """Answer lifespan like a server-agnostic app that does not support it."""

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan here")
        await handler(scope, receive, send)

    return app


@http_only
async def describe(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """Answer with the scope and how the body arrived."""
    body, messages = await read_body(receive)
    data = {
        "type": scope["type"],
        "method": scope["method"],
        "scheme": scope["scheme"],
        "http_version": scope["http_version"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("ascii"),
        "root_path": scope["root_path"],
        "query_string": scope["query_string"].decode("latin-1"),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "server": list(scope["server"]),
        "client": list(scope["client"]) if scope["client"] else None,
        "asgi": scope["asgi"],
        "body_length": len(body),
        "body": body.decode("latin-1") if len(body) < 1000 else "",
        "chunks": [len(m.get("body", b"")) for m in messages],
        "more_body": [m.get("more_body", False) for m in messages],
        "preserve": PRESERVE_CONTEXT_KEY in scope["extensions"],
    }
    await respond(send, 200, json_body(data), [(b"content-type", b"application/json")])


@pytest.fixture
def client() -> ErlenClient:
    return ErlenClient(describe, asgi=True)


# -- the scope -------------------------------------------------------------------------


def test_scope_from_a_simple_get(client: ErlenClient) -> None:
    data = client.get("/hello", query_string={"a": "1", "b": "x y"}).json
    assert data["type"] == "http"
    assert data["method"] == "GET"
    assert data["scheme"] == "http"
    assert data["http_version"] == "1.1"
    assert data["path"] == "/hello"
    assert data["raw_path"] == "/hello"
    assert data["root_path"] == ""
    assert data["query_string"] == "a=1&b=x+y"
    assert data["server"] == ["localhost", 80]
    assert data["client"] == ["127.0.0.1", 0]
    assert data["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert ["host", "localhost"] in data["headers"]
    assert data["chunks"] == [0]
    assert data["more_body"] == [False]
    assert data["preserve"] is False


def test_scope_path_includes_root_path_and_raw_path_keeps_escapes(client: ErlenClient) -> None:
    data = client.get("/a%2Fb/caf%C3%A9", base_url="https://example.com:8443/app").json
    assert data["scheme"] == "https"
    assert data["root_path"] == "/app"
    assert data["path"] == "/app/a/b/café"
    assert data["raw_path"] == "/app/a%2Fb/caf%C3%A9"
    assert data["server"] == ["example.com", 8443]
    assert ["host", "example.com:8443"] in data["headers"]


def test_scope_of_undecodable_path_keeps_raw_bytes() -> None:
    environ = EnvironBuilder(path="/%FF").get_environ()
    scope = asgi_scope(environ)
    assert scope["raw_path"] == b"/%FF"
    assert scope["path"] == "/\ufffd"


def test_scope_headers_are_lowercase_bytes_with_content_headers() -> None:
    environ = EnvironBuilder(
        path="/",
        method="POST",
        data=b"abc",
        content_type="text/plain",
        headers=[("X-Thing", "1"), ("X-Thing", "2"), ("X-Ümlaut", "no")][:2],
    ).get_environ()
    scope = asgi_scope(environ)
    assert scope["method"] == "POST"
    headers = dict(scope["headers"])
    assert headers[b"content-type"] == b"text/plain"
    assert headers[b"content-length"] == b"3"
    # The environ joins repeated headers; the scope carries what it holds.
    assert headers[b"x-thing"] == b"1, 2"
    assert all(isinstance(k, bytes) and k == k.lower() for k, _ in scope["headers"])


def test_scope_query_string_is_raw_utf8_bytes() -> None:
    scope = asgi_scope(EnvironBuilder(path="/", query_string={"q": "é"}).get_environ())
    assert scope["query_string"] == b"q=%C3%A9"
    scope = asgi_scope(EnvironBuilder(path="/", query_string="q=é").get_environ())
    assert scope["query_string"] == "q=é".encode()


def test_websocket_scope_scheme() -> None:
    environ = EnvironBuilder(path="/ws", base_url="https://example.com").get_environ()
    assert asgi_scope(environ, "websocket")["scheme"] == "wss"
    assert "method" not in asgi_scope(environ, "websocket")
    assert asgi_scope(EnvironBuilder(path="/ws").get_environ(), "websocket")["scheme"] == "ws"


def test_environ_overrides_reach_the_scope(client: ErlenClient) -> None:
    data = client.get(
        "/",
        environ_overrides={
            "REMOTE_ADDR": "10.0.0.7",
            "REMOTE_PORT": "5555",
            "SERVER_PROTOCOL": "HTTP/1.0",
        },
    ).json
    assert data["client"] == ["10.0.0.7", 5555]
    assert data["http_version"] == "1.0"


# -- the request body ------------------------------------------------------------------


def test_small_body_is_one_message(client: ErlenClient) -> None:
    data = client.post("/", data="hello", content_type="text/plain").json
    assert data["body"] == "hello"
    assert data["chunks"] == [5]
    assert data["more_body"] == [False]
    assert ["content-length", "5"] in data["headers"]


def test_large_body_arrives_in_chunks_with_more_body(client: ErlenClient) -> None:
    size = BODY_CHUNK_SIZE * 2 + 100
    data = client.post("/", data=b"x" * size).json
    assert data["body_length"] == size
    assert data["chunks"] == [BODY_CHUNK_SIZE, BODY_CHUNK_SIZE, 100]
    assert data["more_body"] == [True, True, False]


def test_body_of_exact_chunk_multiple(client: ErlenClient) -> None:
    data = client.post("/", data=b"y" * (BODY_CHUNK_SIZE * 2)).json
    assert data["chunks"] == [BODY_CHUNK_SIZE, BODY_CHUNK_SIZE]
    assert data["more_body"] == [True, False]


def test_unsized_stream_is_sent_without_content_length(client: ErlenClient) -> None:
    class Unsized:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def read(self, n: int = -1) -> bytes:
            chunk, self.data = self.data[:n], self.data[n:]
            return chunk

    data = client.post("/", input_stream=Unsized(b"z" * (BODY_CHUNK_SIZE + 3))).json  # type: ignore[arg-type]
    assert data["body_length"] == BODY_CHUNK_SIZE + 3
    assert data["more_body"] == [True, False]
    assert not any(name == "content-length" for name, _ in data["headers"])


def test_form_and_json_bodies(client: ErlenClient) -> None:
    data = client.post("/", data={"a": "1", "b": ["2", "3"]}).json
    assert data["body"] == "a=1&b=2&b=3"
    assert ["content-type", "application/x-www-form-urlencoded"] in data["headers"]
    data = client.post("/", json={"k": [1, 2]}).json
    assert json.loads(data["body"]) == {"k": [1, 2]}
    assert ["content-type", "application/json"] in data["headers"]


def test_receive_after_the_body_waits_for_the_response_then_disconnects() -> None:
    seen: list[str] = []

    @http_only
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await read_body(receive)

        async def watch() -> None:
            seen.append((await receive())["type"])

        watcher = asyncio.ensure_future(watch())
        await asyncio.sleep(0)
        assert not watcher.done()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        await asyncio.sleep(0)
        seen.append("still waiting" if not watcher.done() else "early")
        await send({"type": "http.response.body", "body": b"b"})
        await watcher

    response = ErlenClient(app, asgi=True).get("/")
    assert response.data == b"ab"
    assert seen == ["still waiting", "http.disconnect"]


# -- the response ------------------------------------------------------------------------


def test_streamed_response_chunks_are_collected_in_order() -> None:
    @http_only
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 206,
                "headers": [(b"content-type", b"text/plain"), (b"x-a", b"1"), (b"x-a", b"2")],
            }
        )
        for part in (b"one ", b"", b"two ", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        # ASGI: anything after the final body is ignored.
        await send({"type": "http.response.body", "body": b"ignored"})

    for buffered in (False, True):
        response = ErlenClient(app, asgi=True).get("/", buffered=buffered)
        assert response.status_code == 206
        assert response.status == "206 PARTIAL CONTENT"
        assert list(response.response) == [b"one ", b"two ", b"three"]
        assert response.get_data() == b"one two three"
        assert response.text == "one two three"
        assert response.headers.getlist("X-A") == ["1", "2"]
        assert list(response.headers) == [
            ("content-type", "text/plain"),
            ("x-a", "1"),
            ("x-a", "2"),
        ]


def test_response_request_describes_what_was_sent(client: ErlenClient) -> None:
    response = client.post("/p?x=1", data="b")
    assert response.request.path == "/p"
    assert response.request.method == "POST"
    assert response.request.args["x"] == "1"


def test_app_exception_propagates() -> None:
    @http_only
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError, match="boom"):
        ErlenClient(app, asgi=True).get("/")


def test_exception_after_start_propagates() -> None:
    @http_only
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise ValueError("mid-stream")

    with pytest.raises(ValueError, match="mid-stream"):
        ErlenClient(app, asgi=True).get("/")


def test_app_that_never_starts_a_response() -> None:
    @http_only
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await read_body(receive)

    with pytest.raises(RuntimeError, match=r"without sending 'http\.response\.start'"):
        ErlenClient(app, asgi=True).get("/")


@pytest.mark.parametrize(
    ("messages", "error", "match"),
    [
        ([{"type": "http.response.body", "body": b"x"}], RuntimeError, "before"),
        (
            [
                {"type": "http.response.start", "status": 200},
                {"type": "http.response.start", "status": 200},
            ],
            RuntimeError,
            "twice",
        ),
        ([{"type": "http.response.start", "status": "200"}], TypeError, "int status"),
        (
            [
                {"type": "http.response.start", "status": 200},
                {"type": "http.response.body", "body": "text"},
            ],
            TypeError,
            "needs bytes",
        ),
        (
            [{"type": "http.response.start", "status": 200, "headers": [("a", "b")]}],
            TypeError,
            "pairs of bytes",
        ),
        ([{"type": "websocket.accept"}], RuntimeError, "Unexpected ASGI message"),
    ],
)
def test_protocol_errors_are_clear(
    messages: list[Message], error: type[Exception], match: str
) -> None:
    @http_only
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    with pytest.raises(error, match=match):
        ErlenClient(app, asgi=True).get("/")


def test_cookies_and_redirects_over_asgi() -> None:
    @http_only
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        body, _ = await read_body(receive)
        headers = dict(scope["headers"])
        if scope["path"] == "/login":
            await respond(
                send,
                303,
                b"",
                [(b"location", b"/home"), (b"set-cookie", b"user=ada; Path=/")],
            )
        elif scope["path"] == "/keep":
            await respond(send, 307, b"", [(b"location", b"/echo")])
        else:
            data = {
                "path": scope["path"],
                "method": scope["method"],
                "cookie": headers.get(b"cookie", b"").decode(),
                "body": body.decode(),
            }
            await respond(send, 200, json_body(data))

    client = ErlenClient(app, asgi=True)
    response = client.post("/login", data={"u": "ada"}, follow_redirects=True)
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [303]
    assert json.loads(response.data) == {
        "path": "/home",
        "method": "GET",
        "cookie": "user=ada",
        "body": "",
    }
    cookie = client.get_cookie("user")
    assert cookie is not None
    assert cookie.value == "ada"
    response = client.put("/keep", data="payload", follow_redirects=True)
    assert json.loads(response.data)["method"] == "PUT"
    assert json.loads(response.data)["body"] == "payload"


# -- lifespan -----------------------------------------------------------------------------


def lifespan_app(
    events: list[str], *, fail_startup: bool = False, fail_shutdown: bool = False
) -> ASGIApp:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                events.append(message["type"])
                if message["type"] == "lifespan.startup":
                    if fail_startup:
                        await send({"type": "lifespan.startup.failed", "message": "no db"})
                        return
                    scope["state"]["db"] = "connected"
                    await send({"type": "lifespan.startup.complete"})
                else:
                    if fail_shutdown:
                        await send({"type": "lifespan.shutdown.failed", "message": "stuck"})
                    else:
                        await send({"type": "lifespan.shutdown.complete"})
                    return
        body = json_body({"state": scope.get("state")})
        events.append("request")
        await respond(send, 200, body)

    return app


def test_lifespan_starts_before_the_first_request_and_stops_on_close() -> None:
    events: list[str] = []
    client = ErlenClient(lifespan_app(events), asgi=True)
    assert events == []
    assert json.loads(client.get("/").data) == {"state": {"db": "connected"}}
    assert json.loads(client.get("/").data) == {"state": {"db": "connected"}}
    assert events == ["lifespan.startup", "request", "request"]
    client.close()
    assert events == ["lifespan.startup", "request", "request", "lifespan.shutdown"]
    client.close()  # closing twice is harmless
    assert events[-1] == "lifespan.shutdown"


def test_lifespan_state_is_copied_per_request() -> None:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            scope["state"]["n"] = 0
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        scope["state"]["n"] += 1
        await respond(send, 200, str(scope["state"]["n"]).encode())

    client = ErlenClient(app, asgi=True)
    assert [client.get("/").text for _ in range(3)] == ["1", "1", "1"]
    client.close()


def test_lifespan_startup_failure_is_reported() -> None:
    events: list[str] = []
    client = ErlenClient(lifespan_app(events, fail_startup=True), asgi=True)
    with pytest.raises(RuntimeError, match="lifespan startup failed: no db"):
        client.get("/")
    with pytest.raises(RuntimeError, match="no db"):
        client.get("/")
    assert "request" not in events
    client.close()


def test_lifespan_shutdown_failure_is_reported_by_close() -> None:
    client = ErlenClient(lifespan_app([], fail_shutdown=True), asgi=True)
    client.get("/")
    with pytest.raises(RuntimeError, match="lifespan shutdown failed: stuck"):
        client.close()


def test_app_ignoring_lifespan_still_serves() -> None:
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return
        await respond(send, 200, b"ok")

    async def asks_for_more(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await receive()  # never answers the startup
            return
        await respond(send, 200, b"ok")

    for target in (app, asks_for_more, describe):
        client = ErlenClient(target, asgi=True)
        assert client.get("/").status_code == 200
        client.close()


def test_collected_client_shuts_its_loop_down() -> None:
    events: list[str] = []
    client = ErlenClient(lifespan_app(events), asgi=True)
    client.get("/")
    loop = client._transport.loop  # type: ignore[union-attr]
    del client
    import gc

    gc.collect()
    assert loop.is_closed()
    assert events[-1] == "lifespan.shutdown"


def test_client_is_refused_inside_a_running_loop() -> None:
    client = ErlenClient(describe, asgi=True)

    async def inside() -> None:
        with pytest.raises(RuntimeError, match="cannot run inside a running event loop"):
            client.get("/")

    asyncio.run(inside())
    assert client.get("/").status_code == 200
    client.close()


def test_client_busy_in_another_thread_is_refused_not_a_hang() -> None:
    # A plain thread (not a view of a request the loop serves) finds the loop
    # running another thread's request, which stops it when it ends: waiting
    # for it could wait for ever, so the client says so at once.
    import threading

    from erlen import Erlen

    app = Erlen(__name__)
    started = threading.Event()
    release = threading.Event()
    outcome: list[str] = []

    @app.get("/slow")
    async def slow() -> str:
        started.set()
        while not release.is_set():
            await asyncio.sleep(0.01)
        return "slow"

    client = app.test_client(asgi=True)

    def other_thread() -> None:
        started.wait(10)
        try:
            client.get("/slow")
        except RuntimeError as e:
            outcome.append(str(e))
        finally:
            release.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    assert client.get("/slow").text == "slow"
    thread.join(10)
    assert outcome and "busy with a request in another thread" in outcome[0]
    assert "app.test_client(asgi=True)" in outcome[0]
    client.close()


# -- contexts ------------------------------------------------------------------------------


VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR")
SERVER_VAR: contextvars.ContextVar[str] = contextvars.ContextVar("SERVER_VAR")


def test_each_request_runs_in_a_copy_of_the_callers_context() -> None:
    @http_only
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        seen = VAR.get("unset")
        VAR.set("set by app")
        await respond(send, 200, seen.encode())

    client = ErlenClient(app, asgi=True)
    token = VAR.set("from test")
    try:
        assert client.get("/").text == "from test"
        assert VAR.get() == "from test"
    finally:
        VAR.reset(token)
    assert client.get("/").text == "unset"
    assert VAR.get("unset") == "unset"


class FakeContext:
    """Stands in for a request context the pipeline keeps for ``with client:``."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log
        self.token: contextvars.Token[str] | None = None

    def push(self) -> None:
        self.token = VAR.set(self.name)

    def pop(self) -> None:
        assert self.token is not None
        VAR.reset(self.token)  # only works in the context it was pushed in
        self.log.append(f"pop {self.name}")


def test_with_client_adopts_and_later_pops_contexts_of_the_app_task() -> None:
    log: list[str] = []

    @http_only
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        server_token = SERVER_VAR.set("the server's own")
        ctx = FakeContext(scope["path"], log)
        ctx.push()
        preserve = scope["extensions"].get(PRESERVE_CONTEXT_KEY)
        if preserve is not None:
            preserve(ctx)
        else:
            ctx.pop()
        await respond(send, 200, b"")
        # Reset by the time the task ends: never copied to the test.
        SERVER_VAR.reset(server_token)

    client = ErlenClient(app, asgi=True)
    client.get("/outside")
    assert log == ["pop /outside"]
    assert VAR.get("unset") == "unset"
    with client:
        client.get("/first")
        assert VAR.get() == "/first"
        assert SERVER_VAR.get("unset") == "unset"
        assert log == ["pop /outside"]
        client.get("/second")
        assert log == ["pop /outside", "pop /first"]
        assert VAR.get() == "/second"
    assert log == ["pop /outside", "pop /first", "pop /second"]
    assert VAR.get("unset") == "unset"


# -- WebSockets ------------------------------------------------------------------------------


def ws_app(handler: Callable[[dict[str, Any], Receive, Send], Awaitable[None]]) -> ASGIApp:
    @http_only
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket"
        assert (await receive())["type"] == "websocket.connect"
        await handler(scope, receive, send)

    return app


@ws_app
async def echo(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    offered = scope["subprotocols"]
    await send(
        {
            "type": "websocket.accept",
            "subprotocol": offered[-1] if offered else None,
            "headers": [(b"set-cookie", b"ws=1; Path=/"), (b"x-accepted", b"yes")],
        }
    )
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") == "scope":
            info = {
                "path": scope["path"],
                "scheme": scope["scheme"],
                "query": scope["query_string"].decode(),
                "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
                "extensions": sorted(scope["extensions"]),
            }
            await send({"type": "websocket.send", "text": json.dumps(info)})
        elif message.get("text") == "bye":
            await send({"type": "websocket.close", "code": 4001, "reason": "asked to"})
            return
        elif message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})


def test_websocket_echo_text_bytes_and_json() -> None:
    client = ErlenClient(echo, asgi=True)
    with client.websocket("/echo") as ws:
        assert ws.accepted_subprotocol is None
        assert ws.headers["X-Accepted"] == "yes"
        ws.send("hello")
        ws.send(b"\x00\x01")
        assert ws.receive() == "hello"
        assert ws.receive() == b"\x00\x01"
        ws.send_json({"a": [1, 2]})
        assert ws.receive_json() == {"a": [1, 2]}
    assert ws.closed


def test_websocket_scope_and_handshake_headers() -> None:
    client = ErlenClient(echo, asgi=True)
    client.set_cookie("sid", "abc")
    with client.websocket("/room/1?x=2", headers={"X-Token": "t"}, subprotocols=["v1", "v2"]) as ws:
        assert ws.accepted_subprotocol == "v2"
        ws.send("scope")
        info = ws.receive_json()
    assert info["path"] == "/room/1"
    assert info["scheme"] == "ws"
    assert info["query"] == "x=2"
    headers = info["headers"]
    assert headers["upgrade"] == "websocket"
    assert headers["connection"] == "Upgrade"
    assert headers["sec-websocket-version"] == "13"
    assert len(headers["sec-websocket-key"]) == 24
    assert headers["sec-websocket-protocol"] == "v1, v2"
    assert headers["x-token"] == "t"
    assert headers["cookie"] == "sid=abc"
    assert info["extensions"] == ["websocket.http.response"]
    # The accept's Set-Cookie went into the jar.
    cookie = client.get_cookie("ws")
    assert cookie is not None
    assert cookie.value == "1"


def test_websocket_close_by_app_carries_code_and_reason() -> None:
    with ErlenClient(echo, asgi=True).websocket("/") as ws:
        ws.send("bye")
        with pytest.raises(WebSocketClosed) as info:
            ws.receive()
        assert info.value.code == 4001
        assert info.value.reason == "asked to"
        assert ws.close_code == 4001
        with pytest.raises(WebSocketClosed, match="4001"):
            ws.receive()
        with pytest.raises(WebSocketClosed):
            ws.send("more")


def test_websocket_client_close_sends_disconnect_with_code() -> None:
    received: list[Message] = []

    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})
        received.append(await receive())
        # Receiving again after the disconnect still says disconnected.
        received.append(await receive())
        with pytest.raises(OSError):
            await send({"type": "websocket.send", "text": "too late"})

    ws = ErlenClient(app, asgi=True).websocket("/")
    with ws:
        ws.close(code=4100, reason="done")
        with pytest.raises(RuntimeError, match="closed"):
            ws.send("x")
        with pytest.raises(RuntimeError, match="closed"):
            ws.receive()
    assert received == [
        {"type": "websocket.disconnect", "code": 4100, "reason": "done"},
        {"type": "websocket.disconnect", "code": 4100},
    ]


def test_websocket_exit_closes_with_1000() -> None:
    received: list[Message] = []

    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})
        received.append(await receive())

    with ErlenClient(app, asgi=True).websocket("/"):
        pass
    assert received == [{"type": "websocket.disconnect", "code": 1000, "reason": ""}]


def test_websocket_close_before_accept_is_a_403_denial() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.close", "code": 1008})

    with pytest.raises(WebSocketDenied) as info:
        with ErlenClient(app, asgi=True).websocket("/"):
            pytest.fail("the handshake should have been denied")
    assert info.value.status_code == 403
    assert info.value.close_code == 1008
    assert info.value.body == b""
    assert "403" in str(info.value)
    assert "1008" in str(info.value)


def test_websocket_denial_response_extension() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        assert "websocket.http.response" in scope["extensions"]
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 401,
                "headers": [(b"content-type", b"text/plain"), (b"set-cookie", b"denied=1")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": b"log in ", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"first"})

    client = ErlenClient(app, asgi=True)
    with pytest.raises(WebSocketDenied, match="401: log in first") as info:
        with client.websocket("/private"):
            pytest.fail("the handshake should have been denied")
    denied = info.value
    assert denied.status_code == 401
    assert denied.body == b"log in first"
    assert denied.headers["Content-Type"] == "text/plain"
    assert denied.close_code is None
    assert denied.response.status_code == 401
    assert denied.response.text == "log in first"
    assert denied.response.request.path == "/private"
    assert client.get_cookie("denied") is not None


def test_websocket_app_returning_without_accepting() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        return

    with pytest.raises(WebSocketDenied, match="without accepting") as info:
        with ErlenClient(app, asgi=True).websocket("/"):
            pass
    assert info.value.status_code == 500


def test_websocket_app_ending_without_close_is_abnormal() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "last words"})

    with ErlenClient(app, asgi=True).websocket("/") as ws:
        assert ws.receive() == "last words"
        with pytest.raises(WebSocketClosed) as info:
            ws.receive()
        assert info.value.code == 1006


def test_websocket_app_error_is_raised_to_the_test() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})
        message = await receive()
        raise KeyError(message["text"])

    with ErlenClient(app, asgi=True).websocket("/") as ws:
        ws.send("oops")
        with pytest.raises(KeyError, match="oops"):
            ws.receive()


def test_websocket_app_error_before_accept_is_raised() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        raise LookupError("no room")

    with pytest.raises(LookupError, match="no room"):
        with ErlenClient(app, asgi=True).websocket("/"):
            pass


def test_websocket_app_error_is_raised_on_exit() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})
        await receive()
        raise ArithmeticError("after the disconnect")

    with pytest.raises(ArithmeticError, match="after the disconnect"):
        with ErlenClient(app, asgi=True).websocket("/"):
            pass


def test_websocket_test_failure_is_not_hidden_by_app_error() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})
        await receive()
        raise ArithmeticError("secondary")

    with pytest.raises(AssertionError, match="the test's own"):
        with ErlenClient(app, asgi=True).websocket("/"):
            raise AssertionError("the test's own")


def test_websocket_deadlock_is_reported_at_once() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})
        await receive()

    with ErlenClient(app, asgi=True).websocket("/") as ws:
        with pytest.raises(RuntimeError, match="send\\(\\) something first"):
            ws.receive()


def test_websocket_receive_timeout() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})
        await asyncio.Event().wait()  # waits on something else than the client

    with ErlenClient(app, asgi=True).websocket("/") as ws:
        with pytest.raises(TimeoutError, match=r"sent nothing within 0\.01 seconds"):
            ws.receive(timeout=0.01)
        ws.timeout = 0.01  # type: ignore[misc]


def test_websocket_background_task_sends_later() -> None:
    @ws_app
    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})

        async def ticker() -> None:
            for i in range(3):
                await asyncio.sleep(0)
                await send({"type": "websocket.send", "text": f"tick {i}"})

        task = asyncio.ensure_future(ticker())
        await receive()
        task.cancel()

    with ErlenClient(app, asgi=True).websocket("/") as ws:
        assert [ws.receive() for _ in range(3)] == ["tick 0", "tick 1", "tick 2"]


def test_websocket_invalid_messages_from_the_app() -> None:
    @ws_app
    async def sends_before_accept(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.send", "text": "hi"})

    with pytest.raises(RuntimeError, match=r"Unexpected ASGI message 'websocket\.send'"):
        with ErlenClient(sends_before_accept, asgi=True).websocket("/"):
            pass

    @ws_app
    async def sends_both(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "a", "bytes": b"b"})

    with ErlenClient(sends_both, asgi=True).websocket("/") as ws:
        with pytest.raises(TypeError, match="exactly one"):
            ws.receive()


def test_websocket_send_takes_only_text_or_bytes() -> None:
    with ErlenClient(echo, asgi=True).websocket("/") as ws:
        with pytest.raises(TypeError, match="send_json"):
            ws.send({"a": 1})  # type: ignore[arg-type]


def test_websocket_needs_the_asgi_client() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    with pytest.raises(RuntimeError, match=r"test_client\(asgi=True\)"):
        ErlenClient(app).websocket("/")


# -- with the framework --------------------------------------------------------------------

from erlen import Erlen, abort, g, request, session, websocket  # noqa: E402
from erlen.ctx import has_request_context  # noqa: E402


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config.update(TESTING=True, SECRET_KEY="asgi test secret")

    @app.post("/login")
    def login() -> str:
        session["user"] = request.form["user"]
        return "in"

    @app.websocket("/echo/<room>")
    async def echo(room: str) -> None:
        offered = websocket.requested_subprotocols
        await websocket.accept(subprotocol=offered[0] if offered else None)
        async for message in websocket:
            if message == "whoami":
                await websocket.send_json(
                    {"room": room, "user": session.get("user"), "q": websocket.args.get("q")}
                )
            elif message == "bye":
                await websocket.close(4000, "bye")
                return
            else:
                await websocket.send(message)

    @app.websocket("/private")
    async def private() -> None:
        if session.get("user") is None:
            abort(403, "log in first")
        await websocket.accept()
        await websocket.send(f"hello {session['user']}")

    @app.websocket("/crash")
    async def crash() -> None:
        await websocket.accept()
        await websocket.receive()
        raise ValueError("handler bug")

    return app


def test_framework_websocket_echo_and_json(app: Erlen) -> None:
    client = app.test_client(asgi=True)
    client.post("/login", data={"user": "ada"})
    with client.websocket("/echo/lobby?q=1", subprotocols=["chat.v1", "chat.v2"]) as ws:
        assert ws.accepted_subprotocol == "chat.v1"
        ws.send("hi")
        assert ws.receive() == "hi"
        ws.send(b"\xff\x00")
        assert ws.receive() == b"\xff\x00"
        ws.send("whoami")
        assert ws.receive_json() == {"room": "lobby", "user": "ada", "q": "1"}
        ws.send("bye")
        with pytest.raises(WebSocketClosed) as info:
            ws.receive()
    assert info.value.code == 4000
    assert info.value.reason == "bye"
    client.close()


def test_framework_websocket_denied_with_http_response(app: Erlen) -> None:
    client = app.test_client(asgi=True)
    with pytest.raises(WebSocketDenied) as info:
        with client.websocket("/private"):
            pytest.fail("the handshake should have been denied")
    assert info.value.status_code == 403
    assert b"log in first" in info.value.body
    assert info.value.response.status_code == 403
    client.post("/login", data={"user": "bob"})
    with client.websocket("/private") as ws:
        assert ws.receive() == "hello bob"
    client.close()


def test_framework_websocket_error_propagates_in_testing(app: Erlen) -> None:
    client = app.test_client(asgi=True)
    with client.websocket("/crash") as ws:
        ws.send("go")
        with pytest.raises(ValueError, match="handler bug"):
            ws.receive()
        assert ws.close_code == 1011
    client.close()


def test_framework_websocket_client_close_ends_the_handler(app: Erlen) -> None:
    ended: list[int] = []

    @app.websocket("/listen")
    async def listen() -> None:
        await websocket.accept()
        try:
            await websocket.receive()
        except websocket.WebSocketDisconnect as e:
            ended.append(e.code)
            raise

    client = app.test_client(asgi=True)
    with client.websocket("/listen") as ws:
        ws.close(4321)
    assert ended == [4321]
    client.close()


def test_framework_with_client_under_asgi_keeps_contexts(app: Erlen) -> None:
    torn_down: list[str] = []

    @app.get("/who")
    async def who() -> str:
        g.who = session.get("user")
        return str(g.who)

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    client = app.test_client(asgi=True)
    with client:
        client.post("/login", data={"user": "eve"})
        assert request.path == "/login"
        assert session["user"] == "eve"
        assert client.get("/who").text == "eve"
        assert torn_down == ["/login"]
        assert request.path == "/who"
        assert g.who == "eve"
    assert torn_down == ["/login", "/who"]
    assert not has_request_context()
    client.close()


def test_with_client_keeps_contexts_of_a_failed_request(app: Erlen, protocol: str) -> None:
    torn_down: list[str] = []

    @app.get("/fail")
    def fail() -> str:
        g.step = "before the error"
        raise KeyError("broken")

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    client = app.test_client(asgi=protocol == "asgi")
    with client:
        with pytest.raises(KeyError, match="broken"):
            client.get("/fail")
        assert request.path == "/fail"
        assert g.step == "before the error"
        assert torn_down == []
    assert torn_down == ["/fail"]
    assert not has_request_context()
    client.close()


def test_keyboard_interrupt_from_a_view_leaves_the_lifespan_shutdown_intact() -> None:
    # The KeyboardInterrupt leaves the loop at once; nothing pending may
    # raise it again when the client's close runs the lifespan shutdown.
    app = Erlen(__name__)
    events: list[str] = []

    @app.after_serving
    def stopped() -> None:
        events.append("after_serving")

    @app.get("/")
    def interrupted() -> str:
        raise KeyboardInterrupt

    client = app.test_client(asgi=True)
    with pytest.raises(KeyboardInterrupt):
        client.get("/")
    client.close()
    assert events == ["after_serving"]
