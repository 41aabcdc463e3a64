"""Calling an app in-process: a fresh WSGI environ, or an ASGI scope driven on
one reused event loop, per request. No server, no sockets."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable
from typing import Any

from .http import HttpRequest, HttpResponse

Call = Callable[[], tuple[int, bytes]]


def _environ(req: HttpRequest) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": req.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": req.path,
        "QUERY_STRING": req.query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": "localhost",
        "HTTP_USER_AGENT": "erlen-bench",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in req.headers:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ[f"HTTP_{key}"] = value
    if req.body:
        environ["CONTENT_LENGTH"] = str(len(req.body))
    return environ


class WsgiDriver:
    """Calls a WSGI app the way a server would: fresh environ, body drained and closed."""

    __slots__ = ("app",)

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, req: HttpRequest) -> HttpResponse:
        """One full request, with headers, for validation."""
        captured: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
            captured[:] = [status, headers]
            return lambda data: None

        environ = _environ(req)
        environ["wsgi.input"] = io.BytesIO(req.body)
        body = self.app(environ, start_response)
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        status, headers = captured
        return HttpResponse(int(status.split(" ", 1)[0]), _lower(headers), data)

    def batch(self, req: HttpRequest, n: int, status: int, body: bytes) -> Callable[[], int]:
        """A function that sends ``req`` ``n`` times and returns how many responses
        differed from ``status`` / ``body`` (the validated response)."""
        app = self.app
        base = _environ(req)
        payload = req.body
        expected = str(status)
        state: list[str] = [""]

        def start_response(status: str, headers: Any, exc: Any = None) -> Any:
            state[0] = status
            return None

        def run() -> int:
            bad = 0
            for _ in range(n):
                environ = dict(base)
                environ["wsgi.input"] = io.BytesIO(payload)
                it = app(environ, start_response)
                data = b"".join(it)
                close = getattr(it, "close", None)
                if close is not None:
                    close()
                if data != body or not state[0].startswith(expected):
                    bad += 1
            return bad

        return run


def _lower(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k.lower(), v) for k, v in headers]


def _scope(req: HttpRequest) -> dict[str, Any]:
    headers = [(b"host", b"localhost"), (b"user-agent", b"erlen-bench"), (b"accept", b"*/*")]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in req.headers]
    if req.body:
        headers.append((b"content-length", str(len(req.body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": req.method,
        "scheme": "http",
        "path": req.path,
        "raw_path": req.path.encode(),
        "query_string": req.query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("localhost", 80),
    }


class _Exchange:
    """One request's receive/send pair. After the body, ``receive`` waits until the
    response is complete and then reports a disconnect, as a server does."""

    __slots__ = ("body", "chunks", "done", "finished", "headers", "loop", "sent_body", "status")

    def __init__(self, loop: asyncio.AbstractEventLoop, body: bytes) -> None:
        self.loop = loop
        self.body = body
        self.sent_body = False
        self.finished = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.done: asyncio.Future[None] | None = None

    async def receive(self) -> dict[str, Any]:
        if not self.sent_body:
            self.sent_body = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        if not self.finished:
            if self.done is None:
                self.done = self.loop.create_future()
            await self.done
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
            self.headers = message.get("headers", [])
        elif kind == "http.response.body":
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.finished = True
                if self.done is not None and not self.done.done():
                    self.done.set_result(None)


class AsgiDriver:
    """Runs ASGI apps on one event loop, reused for every call (lifespan included)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._lifespans: list[tuple[asyncio.Task[None], asyncio.Queue[dict[str, Any]]]] = []
        self.state: dict[str, Any] = {}

    def close(self) -> None:
        """Shut the apps' lifespans down and close the loop."""
        for task, queue in self._lifespans:
            if not task.done():
                queue.put_nowait({"type": "lifespan.shutdown"})
                try:
                    self.loop.run_until_complete(asyncio.wait_for(task, 5))
                except (Exception, asyncio.CancelledError):
                    pass
        self._lifespans.clear()
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    def startup(self, app: Any) -> str | None:
        """Run the app's lifespan startup; returns a note when the app has none."""
        return self.loop.run_until_complete(self._startup(app))

    async def _startup(self, app: Any) -> str | None:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        started: asyncio.Future[str | None] = self.loop.create_future()
        state: dict[str, Any] = {}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "lifespan.startup.complete" and not started.done():
                started.set_result(None)
            elif message["type"] == "lifespan.startup.failed" and not started.done():
                started.set_result(f"lifespan startup failed: {message.get('message', '')}")

        async def run() -> None:
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": state}
            try:
                await app(scope, queue.get, send)
            except Exception as e:  # an app without lifespan support may raise
                if not started.done():
                    started.set_result(f"no lifespan ({type(e).__name__})")
                return
            if not started.done():
                started.set_result("no lifespan")

        await queue.put({"type": "lifespan.startup"})
        task = self.loop.create_task(run())
        self._lifespans.append((task, queue))
        note = await asyncio.wait_for(started, 10)
        self.state = state
        return note

    def request(self, app: Any, req: HttpRequest) -> HttpResponse:
        """One full request, with headers, for validation."""
        return self.loop.run_until_complete(self._request(app, req))

    async def _request(self, app: Any, req: HttpRequest) -> HttpResponse:
        scope = _scope(req)
        scope["state"] = dict(self.state)
        ex = _Exchange(self.loop, req.body)
        await app(scope, ex.receive, ex.send)
        if ex.status == 0:
            raise RuntimeError("the app returned without starting a response")
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in ex.headers]
        return HttpResponse(ex.status, headers, b"".join(ex.chunks))

    def batch(
        self, app: Any, req: HttpRequest, n: int, status: int, body: bytes
    ) -> Callable[[], int]:
        """Like :meth:`WsgiDriver.batch`: ``n`` requests in one coroutine on the loop."""
        base = _scope(req)
        payload = req.body
        loop = self.loop
        state = self.state

        async def many() -> int:
            bad = 0
            for _ in range(n):
                scope = dict(base)
                scope["state"] = dict(state)
                ex = _Exchange(loop, payload)
                await app(scope, ex.receive, ex.send)
                if ex.status != status or b"".join(ex.chunks) != body:
                    bad += 1
            return bad

        def run() -> int:
            return loop.run_until_complete(many())

        return run
