"""WSGI WebSocket views under an ASGI server, through a socket pair.

WSGI has no WebSocket. A WSGI WebSocket library (simple-websocket, under
Flask-Sock's routes) takes the client's connection from
``environ["werkzeug.socket"]`` and speaks RFC 6455 on it itself: it reads the
opening handshake from the environ's headers, writes the ``101`` response,
then frames. An ASGI server keeps the connection to itself and speaks
``websocket.*`` messages. :func:`serve_wsgi_websocket` hands the WSGI app one
end of a socket pair and translates on the other end:

- the app's ``101`` response becomes ``websocket.accept``, with the
  subprotocol it chose;
- its frames become ``websocket.send`` and ``websocket.close``; its pings are
  answered on the spot (the server keeps the client's connection alive);
- the client's messages become masked frames, as a client sends them, and its
  disconnect a close frame;
- an app that answers without writing on the socket refuses the handshake
  with its response, as a WSGI server would send it.

The WSGI app runs in a thread of its own (with a copy of the caller's
context variables) for as long as the connection lasts (the library blocks
on the socket), as under a threaded WSGI server.
When it returns, the connection is over.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from erlen.http.datastructures import Headers
from erlen.http.request import Request
from erlen.http.response import Response
from erlen.serving.websocket import (
    Close,
    FrameDecoder,
    Message,
    Opcode,
    Ping,
    ProtocolError,
    close_payload,
    encode_frame,
    is_valid_close_code,
)

from .asgi import Receive, Scope, Send, WebSocketConnection, WebSocketDisconnect, request_from_scope

__all__ = ["serve_wsgi_websocket", "wsgi_environ_for_websocket"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: The largest response head the app may write before its frames.
_MAX_HEAD = 64 * 1024
_READ_SIZE = 64 * 1024
#: The handshake headers the ASGI server writes itself; any other header of
#: the app's 101 response goes along with ``websocket.accept``.
_HANDSHAKE_HEADERS = frozenset(
    {
        "upgrade",
        "connection",
        "sec-websocket-accept",
        "sec-websocket-protocol",
        "sec-websocket-extensions",
        "content-length",
        "transfer-encoding",
        "date",
        "server",
    }
)


def wsgi_environ_for_websocket(scope: Scope, request_class: type[Request]) -> dict[str, Any]:
    """The WSGI environ of a WebSocket handshake ``scope``, as a WSGI server
    builds it: ``http``/``https`` for ``ws``/``wss``, and without the
    client's ``Sec-WebSocket-Extensions`` (the ASGI server negotiates those
    with the client; on the socket pair every frame travels as it is)."""
    environ = dict(request_from_scope(scope, request_class).environ)
    environ["wsgi.url_scheme"] = (
        "https" if environ["wsgi.url_scheme"] in ("wss", "https") else "http"
    )
    environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    return environ


class _Outcome:
    """What the WSGI call answered (a refusal's response) or raised."""

    __slots__ = ("body", "error", "headers", "status")

    def __init__(self) -> None:
        self.status = ""
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.error: BaseException | None = None

    def response(self) -> Response:
        return Response(b"".join(self.body), self.status or 500, self.headers)


def _call_wsgi(wsgi_app: WSGIApp, environ: dict[str, Any], outcome: _Outcome) -> None:
    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        outcome.status = status
        outcome.headers = list(headers)
        return outcome.body.append

    try:
        iterable = wsgi_app(environ, start_response)
        try:
            for chunk in iterable:
                if chunk:
                    outcome.body.append(chunk)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
    except BaseException as e:  # re-raised on the event loop's side
        outcome.error = e


def _mask() -> bytes:
    return os.urandom(4)


class _Bridge:
    """The event loop's end of the socket pair, for one connection."""

    def __init__(
        self,
        conn: WebSocketConnection,
        sock: socket.socket,
        finished: asyncio.Future[None],
        outcome: _Outcome,
    ) -> None:
        self.conn = conn
        self.sock = sock
        self.finished = finished
        self.outcome = outcome
        self.loop = asyncio.get_running_loop()
        self.write_lock = asyncio.Lock()
        self.client_closed = False

    async def read(self) -> bytes:
        """The next bytes the app wrote; ``b""`` once it is done with the
        connection (its end is shut for writing when the WSGI call returns)."""
        return await self.loop.sock_recv(self.sock, _READ_SIZE)

    async def write(self, opcode: Opcode, payload: bytes) -> None:
        # Client frames are masked (RFC 6455 §5.1): the app's library checks.
        frame = encode_frame(opcode, payload, mask=_mask())
        async with self.write_lock:
            try:
                await self.loop.sock_sendall(self.sock, frame)
            except OSError:
                pass  # the app closed its end: it reads nothing more

    async def run(self) -> None:
        head = bytearray()
        while (end := head.find(b"\r\n\r\n")) < 0:
            if len(head) > _MAX_HEAD:
                await self.refuse_with(Response("Bad response from the app.", 502))
                return
            data = await self.read()
            if not data:
                await self.refuse()
                return
            head += data
        status, headers = _parse_head(bytes(head[:end]))
        rest = bytes(head[end + 4 :])
        if status != 101:
            # The app answered on the socket itself: what it wrote is the refusal.
            body = bytearray(rest)
            while len(body) <= _MAX_HEAD and (data := await self.read()):
                body += data
            await self.refuse_with(Response(bytes(body), status, headers))
            return
        extra = [(k, v) for k, v in headers.items() if k.lower() not in _HANDSHAKE_HEADERS]
        try:
            await self.conn.accept(headers.get("Sec-WebSocket-Protocol"), extra or None)
        except WebSocketDisconnect:
            self.client_closed = True
            await self.write(Opcode.CLOSE, b"")
            return
        client = asyncio.ensure_future(self.pump_client())
        try:
            await self.pump_app(rest)
        finally:
            if not client.done():
                client.cancel()
            await asyncio.gather(client, return_exceptions=True)

    async def pump_client(self) -> None:
        """The client's messages to the app, then its disconnect."""
        try:
            while True:
                data = await self.conn.receive()
                if isinstance(data, str):
                    await self.write(Opcode.TEXT, data.encode("utf-8"))
                else:
                    await self.write(Opcode.BINARY, data)
        except WebSocketDisconnect as e:
            self.client_closed = True
            code = e.code if is_valid_close_code(e.code) else None
            await self.write(Opcode.CLOSE, close_payload(code, e.reason))

    async def pump_app(self, data: bytes) -> None:
        """The app's frames to the client, until its close frame or its end."""
        # The app's own messages: bounded by what the ASGI server accepts.
        decoder = FrameDecoder(sys.maxsize, require_mask=False)
        conn = self.conn
        try:
            while True:
                decoder.feed(data)
                for event in decoder.events():
                    if isinstance(event, Message):
                        if not self.client_closed:
                            try:
                                await conn.send(event.data)
                            except WebSocketDisconnect:
                                self.client_closed = True
                    elif isinstance(event, Ping):
                        await self.write(Opcode.PONG, event.payload)
                    elif isinstance(event, Close):
                        await self.app_closed(event)
                        return
                data = await self.read()
                if not data:
                    break
        except ProtocolError:
            await conn.close(1011)
            return
        # The app ended without a close frame: it failed (a 500) or dropped it.
        failed = self.outcome.error is not None or self.outcome.status[:1] == "5"
        await conn.close(1011 if failed else 1000)

    def raises(self) -> BaseException | None:
        """What the WSGI call raised, to raise again; not an OSError once the
        app took the connection: that is how it ends it (engineio raises
        ConnectionError for Werkzeug's server to drop the connection)."""
        error = self.outcome.error
        if error is None or (self.conn.accepted and isinstance(error, OSError)):
            return None
        return error

    async def app_closed(self, event: Close) -> None:
        if not self.client_closed:
            code = 1000 if event.code == 1005 else event.code
            await self.conn.close(code, event.reason)
        # The closing handshake's answer, which the app's library waits for.
        await self.write(Opcode.CLOSE, close_payload(None if event.code == 1005 else event.code))

    async def refuse(self) -> None:
        """The app answered without taking the connection: its response."""
        await self.finished
        await self.refuse_with(self.outcome.response())

    async def refuse_with(self, response: Response) -> None:
        try:
            await self.conn.deny(response)
        except WebSocketDisconnect:
            pass


def _parse_head(head: bytes) -> tuple[int, Headers]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(None, 2)
    try:
        status = int(parts[1])
    except (IndexError, ValueError):
        status = 502
    headers = Headers()
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers.add(name.strip(), value.strip())
    return status, headers


async def serve_wsgi_websocket(
    wsgi_app: WSGIApp, environ: dict[str, Any], scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve the WebSocket connection of ``scope`` with ``wsgi_app``, which
    takes it from ``environ["werkzeug.socket"]`` (see the module's
    docstring). An exception the WSGI call lets out is raised here once the
    connection is closed or refused (but an OSError after the handshake:
    that is how a WSGI app ends a connection it took)."""
    loop = asyncio.get_running_loop()
    app_end, loop_end = socket.socketpair()
    loop_end.setblocking(False)
    environ["werkzeug.socket"] = app_end
    outcome = _Outcome()
    finished: asyncio.Future[None] = loop.create_future()
    # Closed once the WSGI call returned (as a WSGI server closes the
    # connection then), even when this task was cancelled meanwhile.
    finished.add_done_callback(lambda _: app_end.close())

    def mark_finished() -> None:
        if not finished.done():
            finished.set_result(None)

    def run() -> None:
        try:
            _call_wsgi(wsgi_app, environ, outcome)
        finally:
            # The WSGI call returned: the connection is over, as under a WSGI
            # server. The loop's end reads what the app wrote, then the end.
            try:
                app_end.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the app's library closed it already
            try:
                loop.call_soon_threadsafe(mark_finished)
            except RuntimeError:
                pass  # the loop is closed: the server stopped

    # The caller's context variables go along (erlen's serving loop, so that
    # async code on the WSGI side runs on it).
    context = contextvars.copy_context()
    threading.Thread(
        target=context.run, args=(run,), name="erlen WSGI WebSocket", daemon=True
    ).start()
    bridge = _Bridge(WebSocketConnection(scope, receive, send), loop_end, finished, outcome)
    try:
        await bridge.run()
        try:
            # The app's library sees the end of its connection, if it still reads.
            loop_end.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        await finished
    finally:
        loop_end.close()
    error = bridge.raises()
    if error is not None:
        raise error
