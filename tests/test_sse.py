"""erlen.sse: the event format, and EventStream responses on both protocols."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from asgi_harness import Connection, call, run
from erlen import Erlen, request, stream_with_context
from erlen.sse import EventStream, ServerSentEvent


@pytest.fixture
def app() -> Erlen:
    return Erlen("sse_app")


def wsgi_get(app: Erlen, path: str) -> tuple[str, dict[str, str], bytes]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    got: list[Any] = []
    body = app(environ, lambda status, headers, exc_info=None: got.append((status, headers)))
    try:
        data = b"".join(body)
    finally:
        body.close()  # type: ignore[attr-defined]
    status, headers = got[0]
    return status, dict(headers), data


# -- the format ----------------------------------------------------------------------------


def test_all_fields() -> None:
    event = ServerSentEvent("hello", event="greeting", id="42", retry=1500)
    assert event.encode() == b"event: greeting\ndata: hello\nid: 42\nretry: 1500\n\n"


def test_multi_line_data_is_split() -> None:
    assert ServerSentEvent("one\ntwo\r\nthree\rfour").encode() == (
        b"data: one\ndata: two\ndata: three\ndata: four\n\n"
    )
    # A trailing newline is an empty last line, kept so the data round-trips.
    assert ServerSentEvent("end\n").encode() == b"data: end\ndata: \n\n"


def test_json_and_bytes_data() -> None:
    assert ServerSentEvent({"a": [1, 2]}).encode() == b'data: {"a":[1,2]}\n\n'
    assert ServerSentEvent(["x"]).encode() == b'data: ["x"]\n\n'
    assert ServerSentEvent("é".encode()).encode() == "data: é\n\n".encode()


def test_comment_and_empty_event() -> None:
    assert ServerSentEvent(comment="keep-alive").encode() == b": keep-alive\n\n"
    assert ServerSentEvent().encode() == b":\n\n"


@pytest.mark.parametrize(
    "kwargs",
    [{"event": "a\nb"}, {"id": "1\r2"}, {"event": "x\0"}, {"retry": -1}, {"retry": "5"}],
)
def test_field_injection_is_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ServerSentEvent("data", **kwargs).encode()


# -- responses ------------------------------------------------------------------------------


def _register(app: Erlen) -> None:
    @app.get("/sync")
    def sync_events() -> Any:
        def generate() -> Iterator[Any]:
            yield "plain"
            yield {"n": 1}
            yield ServerSentEvent("named", event="update", id=7)

        return EventStream(generate())

    @app.get("/async")
    async def async_events() -> Any:
        async def generate() -> AsyncIterator[Any]:
            yield ServerSentEvent("first", id=1)
            await asyncio.sleep(0)
            yield f"for {request.args.get('who')}"

        return EventStream(stream_with_context(generate()))


EXPECTED_SYNC = b'data: plain\n\ndata: {"n":1}\n\nevent: update\ndata: named\nid: 7\n\n'
EXPECTED_ASYNC = b"data: first\nid: 1\n\ndata: for ann\n\n"


def test_event_stream_over_asgi(app: Erlen) -> None:
    _register(app)
    result = run(call(app, "GET", "/sync"))
    assert result.status == 200
    assert result.header("content-type") == "text/event-stream"
    assert result.header("cache-control") == "no-cache"
    assert result.header("x-accel-buffering") == "no"
    assert result.header("content-length") is None
    assert result.body == EXPECTED_SYNC
    # One event per message, so each reaches the browser as it is produced.
    assert [m["body"] for m in result.body_messages if m["body"]] == [
        b"data: plain\n\n",
        b'data: {"n":1}\n\n',
        b"event: update\ndata: named\nid: 7\n\n",
    ]
    assert run(call(app, "GET", "/async", query_string=b"who=ann")).body == EXPECTED_ASYNC


def test_event_stream_over_wsgi(app: Erlen) -> None:
    _register(app)
    status, headers, body = wsgi_get(app, "/sync")
    assert status.startswith("200")
    assert headers["Content-Type"] == "text/event-stream"
    assert headers["Cache-Control"] == "no-cache"
    assert body == EXPECTED_SYNC
    # The async generator is driven on the worker thread's loop.
    environ_path = "/async"
    _, _, async_body = wsgi_get(app, environ_path)
    assert async_body == b"data: first\nid: 1\n\ndata: for None\n\n"


def test_disconnect_stops_the_event_source(app: Erlen) -> None:
    state = {"finally": False, "sent": 0}

    @app.get("/ticks")
    async def ticks() -> Any:
        async def generate() -> AsyncIterator[Any]:
            try:
                while True:
                    state["sent"] += 1
                    yield ServerSentEvent(state["sent"], event="tick")
                    await asyncio.sleep(0.01)
            finally:
                state["finally"] = True

        return EventStream(generate())

    result = run(call(app, "GET", "/ticks", connection=Connection(disconnect_after=3)))
    assert state["finally"] is True
    assert result.body.startswith(b"event: tick\ndata: 1\n\nevent: tick\ndata: 2\n\n")
    assert not result.complete


def test_status_and_extra_headers(app: Erlen) -> None:
    @app.get("/")
    def index() -> Any:
        return EventStream(iter(["x"]), status=201, headers={"X-Stream": "yes"})

    result = run(call(app, "GET", "/"))
    assert result.status == 201
    assert result.header("x-stream") == "yes"
    assert result.body == b"data: x\n\n"


def test_uses_the_app_json_provider(app: Erlen) -> None:
    import uuid

    @app.get("/")
    def index() -> Any:
        # The app's provider knows UUIDs and sorts keys; plain json.dumps does neither.
        return EventStream(iter([{"id": uuid.UUID(int=1), "a": 2}]))

    assert run(call(app, "GET", "/")).body == (
        b'data: {"a":2,"id":"00000000-0000-0000-0000-000000000001"}\n\n'
    )
