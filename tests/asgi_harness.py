"""A raw ASGI harness for erlen's own ASGI tests.

It builds scope dicts from arguments, feeds ``receive`` from a list (or a
queue the test fills), and collects every message the app sends, with no
test client in between::

    result = run(call(app, "POST", "/echo", body=b"hi"))
    assert result.status == 200 and result.body == b"hi"
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

Message = dict[str, Any]


def run(awaitable: Awaitable[T], timeout: float = 30) -> T:
    """Run ``awaitable`` on a fresh event loop (failing instead of hanging)."""

    async def main() -> T:
        return await asyncio.wait_for(awaitable, timeout)

    return asyncio.run(main())


def http_scope(
    method: str = "GET",
    path: str = "/",
    *,
    query_string: bytes = b"",
    headers: Iterable[tuple[str, str]] = (),
    root_path: str = "",
    scheme: str = "http",
    http_version: str = "1.1",
    raw_path: bytes | None = None,
    client: tuple[str, int] | None = ("127.0.0.1", 51000),
    server: tuple[str, int | None] | None = ("testserver", 80),
    kind: str = "http",
    extensions: dict[str, Any] | None = None,
    subprotocols: Iterable[str] = (),
) -> Message:
    """An ASGI ``http`` (or ``websocket``) connection scope."""
    raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    if not any(k == b"host" for k, _ in raw_headers) and server is not None:
        host = server[0] if server[1] in (80, 443, None) else f"{server[0]}:{server[1]}"
        raw_headers.insert(0, (b"host", host.encode("latin-1")))
    scope: Message = {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": http_version,
        "scheme": scheme,
        "path": path,
        "raw_path": raw_path if raw_path is not None else path.encode("utf-8", "surrogateescape"),
        "root_path": root_path,
        "query_string": query_string,
        "headers": raw_headers,
        "client": client,
        "server": server,
        "extensions": extensions if extensions is not None else {},
    }
    if kind == "http":
        scope["method"] = method
    else:
        scope["subprotocols"] = list(subprotocols)
    return scope


@dataclass
class Result:
    """What the app sent on one HTTP connection."""

    messages: list[Message] = field(default_factory=list)

    @property
    def start(self) -> Message:
        starts = [m for m in self.messages if m["type"].endswith("response.start")]
        assert len(starts) == 1, self.messages
        return starts[0]

    @property
    def status(self) -> int:
        return int(self.start["status"])

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.start["headers"]]

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    @property
    def body_messages(self) -> list[Message]:
        return [m for m in self.messages if m["type"].endswith("response.body")]

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.body_messages)

    @property
    def complete(self) -> bool:
        messages = self.body_messages
        return bool(messages) and not messages[-1].get("more_body", False)


class Connection:
    """The two ends of one HTTP connection.

    ``receive`` returns the queued ``http.request`` messages, then waits
    until the client "disconnects": after the response is complete, after
    ``disconnect_after`` non-empty body messages, or when the test calls
    :meth:`disconnect`. ``feed`` queues more messages while the app runs.
    """

    def __init__(
        self,
        body: bytes | Iterable[bytes] = b"",
        *,
        disconnect_after: int | None = None,
        trickle: bool = False,
    ) -> None:
        chunks = [body] if isinstance(body, bytes) else list(body)
        self.incoming: deque[Message] = deque()
        if not trickle:
            for i, chunk in enumerate(chunks):
                self.incoming.append(
                    {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
                )
        self.result = Result()
        self.disconnect_after = disconnect_after
        self.receive_calls = 0
        self._gone: asyncio.Event | None = None
        self._arrived: asyncio.Event | None = None

    def _events(self) -> tuple[asyncio.Event, asyncio.Event]:
        if self._gone is None:
            self._gone = asyncio.Event()
            self._arrived = asyncio.Event()
        assert self._arrived is not None
        return self._gone, self._arrived

    def feed(self, message: Message) -> None:
        """Queue a message for ``receive`` (from the loop's thread)."""
        _, arrived = self._events()
        self.incoming.append(message)
        arrived.set()

    def disconnect(self) -> None:
        """The client goes away."""
        gone, arrived = self._events()
        gone.set()
        arrived.set()

    async def receive(self) -> Message:
        self.receive_calls += 1
        gone, arrived = self._events()
        while True:
            if self.incoming:
                return self.incoming.popleft()
            if gone.is_set():
                return {"type": "http.disconnect"}
            arrived.clear()
            await arrived.wait()

    async def send(self, message: Message) -> None:
        self.result.messages.append(message)
        kind = message["type"]
        if kind.endswith("response.body"):
            if not message.get("more_body", False):
                self.disconnect()
            elif self.disconnect_after is not None:
                sent = sum(1 for m in self.result.body_messages if m.get("body"))
                if sent >= self.disconnect_after:
                    self.disconnect()


async def call(
    app: Any,
    method: str = "GET",
    path: str = "/",
    *,
    body: bytes | Iterable[bytes] = b"",
    headers: Iterable[tuple[str, str]] = (),
    connection: Connection | None = None,
    **scope_options: Any,
) -> Result:
    """Send one HTTP request to ``app`` and return what it sent back."""
    headers = list(headers)
    if connection is None:
        connection = Connection(body)
        data = body if isinstance(body, bytes) else b"".join(body)
        names = {k.lower() for k, _ in headers}
        if data and "content-length" not in names and "transfer-encoding" not in names:
            headers.append(("Content-Length", str(len(data))))
    scope = http_scope(method, path, headers=headers, **scope_options)
    await app(scope, connection.receive, connection.send)
    return connection.result


class WebSocketPeer:
    """The client side of one WebSocket connection under test."""

    def __init__(self) -> None:
        self.to_app: asyncio.Queue[Message] = asyncio.Queue()
        self.from_app: asyncio.Queue[Message] = asyncio.Queue()
        self.sent: list[Message] = []
        self.to_app.put_nowait({"type": "websocket.connect"})

    async def receive(self) -> Message:
        return await self.to_app.get()

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        await self.from_app.put(message)

    # -- the test's side ---------------------------------------------------

    def send_text(self, text: str) -> None:
        self.to_app.put_nowait({"type": "websocket.receive", "text": text})

    def send_bytes(self, data: bytes) -> None:
        self.to_app.put_nowait({"type": "websocket.receive", "bytes": data})

    def disconnect(self, code: int = 1000) -> None:
        self.to_app.put_nowait({"type": "websocket.disconnect", "code": code})

    async def next(self, timeout: float = 5) -> Message:
        return await asyncio.wait_for(self.from_app.get(), timeout)


async def websocket_session(
    app: Any,
    path: str,
    script: Any,
    **scope_options: Any,
) -> WebSocketPeer:
    """Run a WebSocket connection to ``path``: the app runs as a task while
    ``await script(peer)`` plays the client; returns the peer once the app
    finished (its ``sent`` holds every message the app sent)."""
    peer = WebSocketPeer()
    scope_options.setdefault("scheme", "ws")
    scope = http_scope("GET", path, kind="websocket", **scope_options)
    task = asyncio.ensure_future(app(scope, peer.receive, peer.send))
    try:
        if script is not None:
            await script(peer)
        await asyncio.wait_for(asyncio.shield(task), 10)
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    return peer
