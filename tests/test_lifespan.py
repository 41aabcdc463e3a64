"""before_serving / after_serving: the ASGI lifespan protocol, and WSGI's
lazy start before the first request."""

from __future__ import annotations

import asyncio
import io
import threading

import pytest

from asgi_harness import Message, call, run, websocket_session
from erlen import Erlen, current_app, g, websocket


@pytest.fixture
def app() -> Erlen:
    return Erlen("lifespan_app")


async def lifespan(app: Erlen, *incoming: str) -> list[Message]:
    """Drive the lifespan protocol: send ``incoming`` message types, return what the app sent."""
    queue: asyncio.Queue[Message] = asyncio.Queue()
    for kind in incoming:
        queue.put_nowait({"type": kind})
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
    await app(scope, queue.get, send)
    return sent


def wsgi_get(app: Erlen, path: str = "/") -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    statuses: list[str] = []
    body = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    return statuses[0], b"".join(body)


def test_startup_and_shutdown_run_in_an_app_context(app: Erlen) -> None:
    events: list[str] = []

    @app.before_serving
    async def connect() -> None:
        await asyncio.sleep(0)
        events.append(f"connect:{current_app.name}")
        current_app.extensions["pool"] = "ready"

    @app.before_serving
    def warm_up() -> None:
        events.append(f"warm:{threading.current_thread() is not threading.main_thread()}")
        g.scratch = 1

    @app.after_serving
    def disconnect() -> None:
        events.append(f"disconnect:{current_app.extensions['pool']}")

    @app.get("/")
    def index() -> str:
        return current_app.extensions["pool"]  # type: ignore[no-any-return]

    async def main() -> tuple[list[Message], bytes]:
        queue: asyncio.Queue[Message] = asyncio.Queue()
        sent: list[Message] = []

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        task = asyncio.ensure_future(app(scope, queue.get, send))
        queue.put_nowait({"type": "lifespan.startup"})
        while not sent:
            await asyncio.sleep(0.001)
        assert events == ["connect:lifespan_app", "warm:True"]
        body = (await call(app, "GET", "/")).body
        queue.put_nowait({"type": "lifespan.shutdown"})
        await task
        return sent, body

    sent, body = run(main())
    assert sent == [{"type": "lifespan.startup.complete"}, {"type": "lifespan.shutdown.complete"}]
    assert body == b"ready"
    assert events == ["connect:lifespan_app", "warm:True", "disconnect:ready"]


def test_startup_failure_is_reported_with_its_message(
    app: Erlen, caplog: pytest.LogCaptureFixture
) -> None:
    @app.before_serving
    async def connect() -> None:
        raise ConnectionError("database at db:5432 refused the connection")

    sent = run(lifespan(app, "lifespan.startup"))
    assert sent == [
        {
            "type": "lifespan.startup.failed",
            "message": "ConnectionError: database at db:5432 refused the connection",
        }
    ]
    assert any("before_serving" in r.getMessage() for r in caplog.records)


def test_shutdown_failure_is_reported(app: Erlen) -> None:
    @app.after_serving
    def close() -> None:
        raise RuntimeError("could not flush")

    sent = run(lifespan(app, "lifespan.startup", "lifespan.shutdown"))
    assert sent == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.failed", "message": "RuntimeError: could not flush"},
    ]


def test_without_functions_the_protocol_still_completes(app: Erlen) -> None:
    sent = run(lifespan(app, "lifespan.startup", "lifespan.shutdown"))
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_asgi_server_without_lifespan_starts_on_first_request(app: Erlen) -> None:
    calls: list[int] = []

    @app.before_serving
    async def start() -> None:
        await asyncio.sleep(0.01)
        calls.append(1)

    @app.get("/")
    async def index() -> str:
        return str(len(calls))

    async def main() -> list[bytes]:
        results = await asyncio.gather(*(call(app, "GET", "/") for _ in range(5)))
        return [r.body for r in results]

    assert run(main()) == [b"1"] * 5
    assert calls == [1]


def test_wsgi_runs_before_serving_before_the_first_request_once(app: Erlen) -> None:
    calls: list[str] = []

    @app.before_serving
    async def start() -> None:
        calls.append(current_app.name)

    @app.get("/")
    def index() -> str:
        return str(len(calls))

    results: list[tuple[str, bytes]] = []
    threads = [threading.Thread(target=lambda: results.append(wsgi_get(app))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == ["lifespan_app"]
    assert [body for _, body in results] == [b"1"] * 6


def test_wsgi_before_serving_failure_is_retried(app: Erlen) -> None:
    attempts: list[int] = []

    @app.before_serving
    def start() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("not yet")

    @app.get("/")
    def index() -> str:
        return "up"

    with pytest.raises(RuntimeError, match="not yet"):
        wsgi_get(app)
    assert wsgi_get(app)[1] == b"up"
    assert wsgi_get(app)[1] == b"up"
    assert attempts == [1, 1]


def test_registration_closes_after_the_first_request(app: Erlen) -> None:
    @app.get("/")
    def index() -> str:
        return "ok"

    run(call(app, "GET", "/"))
    with pytest.raises(AssertionError, match="before_serving"):
        app.before_serving(lambda: None)


def test_asgi_server_without_lifespan_starts_on_a_first_websocket(app: Erlen) -> None:
    calls: list[str] = []

    @app.before_serving
    async def start() -> None:
        await asyncio.sleep(0.01)
        calls.append("started")

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send(",".join(calls))

    async def connect() -> list[Message]:
        peer = await websocket_session(app, "/ws", None)
        return peer.sent

    async def main() -> list[list[Message]]:
        return list(await asyncio.gather(connect(), connect()))

    for sent in run(main()):
        assert [m["type"] for m in sent] == [
            "websocket.accept",
            "websocket.send",
            "websocket.close",
        ]
        assert sent[1]["text"] == "started"
    assert calls == ["started"]
    # Later HTTP requests do not start the app a second time.
    assert run(call(app, "GET", "/missing")).status == 404
    assert calls == ["started"]


def test_lifespan_task_dropped_with_its_loop_is_closed_quietly(app: Erlen) -> None:
    """A server that closes its loop without sending lifespan.shutdown leaves
    the lifespan coroutine pending; when it is collected, closing it must not
    print an ignored exception (the context variable's context is gone)."""
    import gc
    import sys

    unraisable: list[object] = []
    previous_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        loop = asyncio.new_event_loop()
        started = asyncio.Event()

        async def receive() -> Message:
            if not started.is_set():
                return {"type": "lifespan.startup"}
            await asyncio.Event().wait()  # never a shutdown message
            raise AssertionError("unreachable")

        async def send(message: Message) -> None:
            assert message["type"] == "lifespan.startup.complete"
            started.set()

        async def start() -> asyncio.Task[None]:
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
            task: asyncio.Task[None] = asyncio.ensure_future(app(scope, receive, send))
            await started.wait()
            return task

        task = loop.run_until_complete(start())
        assert not task.done()
        loop.close()
        del task
        gc.collect()
    finally:
        sys.unraisablehook = previous_hook
    errors = [getattr(u, "exc_value", u) for u in unraisable]
    assert not [e for e in errors if isinstance(e, ValueError)], errors
