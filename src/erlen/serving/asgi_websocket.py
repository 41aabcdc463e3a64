"""WebSocket connections of the development server, served by the app's ASGI side.

The server is threaded, one thread per connection. When a request upgrades to
WebSocket, its thread becomes the connection's I/O thread: it alone reads and
writes the socket (under TLS one SSL object must never be used by two threads
at once). The app runs as an ASGI ``websocket`` connection on the server's
event loop, one loop in a daemon thread shared by all connections, so they can
share asyncio objects as they do under uvicorn or hypercorn. The two sides
meet in a :class:`WebSocketSession`: ``receive`` takes messages the I/O thread
decoded, ``send`` queues bytes for it to write and waits until they are
written.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import os
import re
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import unquote_to_bytes, urlsplit

from erlen.http.exceptions import Forbidden, InternalServerError
from erlen.http.status import HTTP_STATUS_CODES

from .http11 import RequestHead
from .websocket import (
    Close,
    FrameDecoder,
    Handshake,
    Message,
    Opcode,
    Ping,
    ProtocolError,
    accept_key,
    close_payload,
    encode_frame,
)

__all__ = [
    "ASGIApplication",
    "EventLoopThread",
    "WebSocketClosed",
    "WebSocketSession",
    "take_buffered",
    "websocket_scope",
]

ASGIMessage = MutableMapping[str, Any]
#: An ASGI 3 application: ``await app(scope, receive, send)``. The arguments
#: are left untyped so that an app annotated with its own scope and message
#: types (TypedDicts, ``dict``) fits.
ASGIApplication = Callable[[Any, Any, Any], Awaitable[None]]

_logger = logging.getLogger("erlen.serving")
_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE_RE = re.compile(r"[\r\n\x00]")
# Headers of the handshake response that the server writes itself: an app's
# value would contradict the protocol switch (or claim an extension that
# this server does not speak).
_RESERVED_101 = frozenset(
    (
        "upgrade",
        "connection",
        "sec-websocket-accept",
        "sec-websocket-extensions",
        "content-length",
        "transfer-encoding",
    )
)
_RESERVED_DENIAL = frozenset(("content-length", "transfer-encoding", "connection"))
_READ_SIZE = 64 * 1024
_LINGER = 2.0

# The phases of a connection, as the app's messages move it along.
_HANDSHAKE, _RESPONDING, _OPEN, _DONE = range(4)


class WebSocketClosed(OSError):
    """``send`` on a connection that is closed (ASGI asks servers for an
    ``OSError`` there)."""


# -- the server's event loop ----------------------------------------------------------------


class EventLoopThread:
    """One asyncio event loop running in a daemon thread, started on first use.

    :meth:`stop` ends it: tasks still running (connections still open) are
    cancelled, as ``asyncio.run`` does on exit.
    """

    def __init__(self, name: str = "erlen-asgi") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def get(self) -> asyncio.AbstractEventLoop:
        """The running loop, started now if needed."""
        with self._lock:
            # A forked child (ForkingWSGIServer) inherits the attributes but
            # not the thread: it starts its own loop.
            if self._loop is None or self._pid != os.getpid():
                ready = threading.Event()
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, args=(ready,), name=self.name, daemon=True
                )
                self._thread.start()
                ready.wait()
            assert self._loop is not None
            return self._loop

    def _run(self, ready: threading.Event) -> None:
        try:
            asyncio.run(self._main(ready))
        finally:
            ready.set()

    async def _main(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        ready.set()
        await self._stopping.wait()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop (if it runs) and wait up to ``timeout`` seconds for it."""
        with self._lock:
            loop, stopping, thread = self._loop, self._stopping, self._thread
            self._loop = self._stopping = self._thread = None
        if loop is None or stopping is None or thread is None or self._pid != os.getpid():
            return
        try:
            loop.call_soon_threadsafe(stopping.set)
        except RuntimeError:
            return
        thread.join(timeout)


# -- the scope -----------------------------------------------------------------------------


def websocket_scope(
    head: RequestHead,
    handshake: Handshake,
    *,
    client: tuple[str, int] | None,
    server: tuple[str, int] | None,
    tls: bool,
) -> dict[str, Any]:
    """The ASGI ``websocket`` scope of an upgrade request."""
    target = head.target
    host: str | None = None
    if "://" in target:
        url = urlsplit(target)
        path, query, host = url.path or "/", url.query, url.netloc
    else:
        path, _, query = target.partition("?")
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in head.headers
        if host is None or name.lower() != "host"
    ]
    if host is not None:
        headers.append((b"host", host.encode("latin-1")))
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": f"{head.version[0]}.{head.version[1]}",
        "scheme": "wss" if tls else "ws",
        # A path that is not UTF-8 is the app's to refuse, from raw_path.
        "path": unquote_to_bytes(path).decode("utf-8", "replace"),
        "raw_path": path.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "root_path": "",
        "headers": headers,
        "client": client,
        "server": server,
        "subprotocols": list(handshake.subprotocols),
        "extensions": {"websocket.http.response": {}},
    }


class _BufferedReader(Protocol):
    def read1(self, size: int = ..., /) -> bytes: ...


def take_buffered(rfile: _BufferedReader, sock: socket.socket) -> bytes:
    """Bytes the request head's buffered reader read past the head, without
    waiting for more (a client may send its first frame right after the
    handshake request)."""
    timeout = sock.gettimeout()
    sock.settimeout(0)
    try:
        return rfile.read1(_READ_SIZE) or b""
    except (BlockingIOError, ssl.SSLWantReadError):
        return b""
    finally:
        sock.settimeout(timeout)


# -- one connection ------------------------------------------------------------------------


def _header_pairs(raw: Iterable[Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in raw:
        name, value = item
        name = name.decode("latin-1") if isinstance(name, bytes | bytearray) else str(name)
        value = value.decode("latin-1") if isinstance(value, bytes | bytearray) else str(value)
        # SECURITY: a CR or LF would let a value start a new header or split
        # the response.
        if not _TOKEN_RE.match(name) or _BAD_VALUE_RE.search(value):
            raise ValueError(f"Invalid response header {name!r}: {value!r}.")
        pairs.append((name, value))
    return pairs


class WebSocketSession:
    """One WebSocket connection between the I/O thread and the ASGI app.

    The app's side is :meth:`run` (on the event loop, with :meth:`receive`
    and :meth:`send`); the socket's side is :meth:`serve` (in the
    connection's thread, until the connection ends). ``max_message_size``
    bounds a message (1009 above it), ``max_queue`` the messages read ahead
    of the app (reading pauses there), ``close_timeout`` the wait for the
    client's answer to a close frame.
    """

    def __init__(
        self,
        sock: socket.socket,
        scope: dict[str, Any],
        key: str,
        loop: asyncio.AbstractEventLoop,
        *,
        server_header: str,
        log_access: Callable[[int | str, int], None],
        request_line: str = "-",
        leftover: bytes = b"",
        max_message_size: int = 16 * 1024 * 1024,
        max_queue: int = 16,
        close_timeout: float = 5.0,
    ) -> None:
        self.scope = scope
        self.sock = sock
        self.loop = loop
        self.max_message_size = max_message_size
        self.max_queue = max_queue
        self.close_timeout = close_timeout
        self._key = key
        self._server_header = server_header
        self._log_access = log_access
        self._request_line = request_line
        self._leftover = leftover
        self._decoder = FrameDecoder(max_message_size)
        self._lock = threading.Lock()
        # Guarded by _lock: shared by the loop and the I/O thread.
        self._out: collections.deque[tuple[bytes, asyncio.Future[None] | None]] = (
            collections.deque()
        )
        self._phase = _HANDSHAKE
        self._close_sent = False
        self._end_after_flush = False
        self._closed = False
        self._pending = 0
        self._pending_bytes = 0
        # The I/O thread's own state.
        self._close_received = False
        self._eof = False
        self._failed = False
        self._stalled = False
        self._disconnected = False
        self._logged = False
        self._app_done = False
        # The loop's own state.
        self._queue: asyncio.Queue[ASGIMessage] = asyncio.Queue()
        self._connect_sent = False
        self._final: ASGIMessage | None = None
        self._response: tuple[int, list[tuple[str, str]]] | None = None
        self._body: list[bytes] = []
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)

    # -- the app's side (event loop) ----------------------------------------------------

    async def run(self, app: ASGIApplication) -> None:
        """Run ``app`` for this connection."""
        await app(self.scope, self.receive, self.send)

    async def receive(self) -> ASGIMessage:
        """The next ASGI event: ``websocket.connect`` first, then
        ``websocket.receive`` messages, then ``websocket.disconnect`` (again
        on every later call)."""
        if not self._connect_sent:
            self._connect_sent = True
            return {"type": "websocket.connect"}
        if self._final is not None and self._queue.empty():
            return dict(self._final)
        message = await self._queue.get()
        if message["type"] == "websocket.disconnect":
            self._final = message
            return dict(message)
        size = len(message["text"] or message["bytes"] or "")
        with self._lock:
            paused = self._is_full()
            self._pending -= 1
            self._pending_bytes -= size
            resume = paused and not self._is_full()
        if resume:
            self._wake()
        return message

    async def send(self, message: ASGIMessage) -> None:
        """Act on an ASGI message from the app: accept, send, close, or answer
        the handshake with an HTTP response."""
        kind = message.get("type")
        if kind == "websocket.send":
            await self._send_data(message)
        elif kind == "websocket.accept":
            await self._accept(message)
        elif kind == "websocket.close":
            await self._close(message)
        elif kind == "websocket.http.response.start":
            with self._lock:
                if self._phase != _HANDSHAKE:
                    raise RuntimeError(self._out_of_order(kind))
                status = int(message["status"])
                if not 200 <= status <= 599:
                    raise ValueError(f"Invalid status {status} to refuse a WebSocket handshake.")
                self._response = (status, _header_pairs(message.get("headers") or ()))
                self._phase = _RESPONDING
        elif kind == "websocket.http.response.body":
            await self._response_body(message)
        else:
            raise RuntimeError(f"Unexpected ASGI message {kind!r} on a WebSocket connection.")

    def _out_of_order(self, kind: str) -> str:
        state = {_HANDSHAKE: "before the handshake", _RESPONDING: "while refusing it"}
        where = state.get(self._phase, "after the handshake")
        return f"The ASGI message {kind!r} cannot be sent {where}."

    def _enqueue(self, data: bytes, future: asyncio.Future[None] | None) -> None:
        self._out.append((data, future))

    async def _wait(self, future: asyncio.Future[None]) -> None:
        self._wake()
        await future

    async def _accept(self, message: ASGIMessage) -> None:
        subprotocol = message.get("subprotocol")
        extra = _header_pairs(message.get("headers") or ())
        if subprotocol is not None and subprotocol not in self.scope["subprotocols"]:
            raise ValueError(
                f"Subprotocol {subprotocol!r} was not offered by the client"
                f" (it offered {self.scope['subprotocols']!r})."
            )
        lines = [
            "HTTP/1.1 101 Switching Protocols",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Accept: {accept_key(self._key)}",
        ]
        if subprotocol:
            lines.append(f"Sec-WebSocket-Protocol: {subprotocol}")
        lines.extend(self._app_headers(extra, _RESERVED_101, skip_protocol=bool(subprotocol)))
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        future = self.loop.create_future()
        with self._lock:
            if self._phase != _HANDSHAKE:
                raise RuntimeError(self._out_of_order("websocket.accept"))
            if self._closed:
                raise WebSocketClosed("The client left before the handshake was accepted.")
            self._phase = _OPEN
            self._enqueue(data, future)
        self._log(101, 0)
        await self._wait(future)

    def _app_headers(
        self, extra: list[tuple[str, str]], reserved: frozenset[str], skip_protocol: bool = False
    ) -> list[str]:
        lines: list[str] = []
        names: set[str] = set()
        for name, value in extra:
            lower = name.lower()
            if lower in reserved or (skip_protocol and lower == "sec-websocket-protocol"):
                continue
            names.add(lower)
            lines.append(f"{name}: {value}")
        if "server" not in names:
            lines.append(f"Server: {self._server_header}")
        if "date" not in names:
            lines.append(f"Date: {formatdate(usegmt=True)}")
        return lines

    async def _send_data(self, message: ASGIMessage) -> None:
        text = message.get("text")
        if text is not None:
            frame = encode_frame(Opcode.TEXT, str(text).encode("utf-8"))
        else:
            data = message.get("bytes")
            if data is None:
                raise ValueError("A 'websocket.send' message needs 'text' or 'bytes'.")
            frame = encode_frame(Opcode.BINARY, bytes(data))
        future = self.loop.create_future()
        with self._lock:
            if self._phase == _HANDSHAKE or self._phase == _RESPONDING:
                raise RuntimeError(self._out_of_order("websocket.send"))
            if self._closed or self._close_sent:
                raise WebSocketClosed("The WebSocket connection is closed.")
            self._enqueue(frame, future)
        await self._wait(future)

    async def _close(self, message: ASGIMessage) -> None:
        code = int(message.get("code") or 1000)
        reason = str(message.get("reason") or "")
        future = self.loop.create_future()
        with self._lock:
            if self._closed or self._close_sent or self._phase == _DONE:
                return
            if self._phase == _RESPONDING:
                raise RuntimeError(self._out_of_order("websocket.close"))
            if self._phase == _HANDSHAKE:
                # ASGI: closing before accepting refuses the handshake with a 403.
                error = Forbidden("The application refused the WebSocket connection.")
                body = error.get_body().encode("utf-8")
                status, data = self._http_response(403, error.get_headers(), body)
                self._phase = _DONE
                self._end_after_flush = True
            else:
                status, body = 0, b""
                data = encode_frame(Opcode.CLOSE, close_payload(code, reason))
                self._close_sent = True
            self._enqueue(data, future)
        if status:
            self._log(status, len(body))
        await self._wait(future)

    async def _response_body(self, message: ASGIMessage) -> None:
        if self._phase != _RESPONDING or self._response is None:
            raise RuntimeError(self._out_of_order("websocket.http.response.body"))
        self._body.append(bytes(message.get("body") or b""))
        if message.get("more_body"):
            return
        status, headers = self._response
        body = b"".join(self._body)
        self._body = []
        _, data = self._http_response(status, headers, body)
        future = self.loop.create_future()
        with self._lock:
            self._phase = _DONE
            if self._closed:
                return
            self._end_after_flush = True
            self._enqueue(data, future)
        self._log(status, len(body))
        await self._wait(future)

    def _http_response(
        self, status: int, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, bytes]:
        phrase = HTTP_STATUS_CODES.get(status, "Unknown")
        lines = [f"HTTP/1.1 {status} {phrase}"]
        lines.extend(self._app_headers(headers, _RESERVED_DENIAL))
        lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close")
        return status, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    def _log(self, code: int | str, size: int) -> None:
        # Called without the lock held; the first caller writes the line.
        with self._lock:
            if self._logged:
                return
            self._logged = True
        self._log_access(code, size)

    # -- cross-thread helpers ------------------------------------------------------------

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            # Full (a wake-up is pending anyway) or closed (the connection ended).
            pass

    def _is_full(self) -> bool:
        return self._pending >= self.max_queue or self._pending_bytes >= self.max_message_size

    def _deliver(self, message: ASGIMessage) -> None:
        try:
            self.loop.call_soon_threadsafe(self._queue.put_nowait, message)
        except RuntimeError:
            # The loop is closed: the server is shutting down.
            pass

    def _settle(self, future: asyncio.Future[None] | None, error: BaseException | None) -> None:
        if future is None:
            return
        try:
            self.loop.call_soon_threadsafe(_resolve, future, error)
        except RuntimeError:
            pass

    # -- the socket's side (the connection's thread) -------------------------------------

    def serve(self, app_future: concurrent.futures.Future[None]) -> None:
        """Read and write the socket until the connection ends; ``app_future``
        is the app's task (its end closes the connection)."""
        app_future.add_done_callback(lambda _: self._wake())
        selector = selectors.DefaultSelector()
        selector.register(self._wake_r, selectors.EVENT_READ)
        reading = False
        deadline: float | None = None
        try:
            if self._leftover:
                self._decoder.feed(self._leftover)
                self._leftover = b""
                self._process()
            while True:
                if not self._flush() or self._finished():
                    break
                if app_future.done() and not self._app_done:
                    self._app_done = True
                    self._on_app_done(app_future)
                    continue
                if deadline is None and self._close_sent and self._phase == _OPEN:
                    deadline = time.monotonic() + self.close_timeout
                with self._lock:
                    # Once closing, messages are dropped, so a full queue
                    # must not keep the client's close frame unread.
                    want = not self._eof and (self._close_sent or not self._is_full())
                if want and self._stalled:
                    # Frames read before the queue filled up come first.
                    self._stalled = False
                    self._process()
                    continue
                if want != reading:
                    if want:
                        selector.register(self.sock, selectors.EVENT_READ)
                    else:
                        selector.unregister(self.sock)
                    reading = want
                if want and isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
                    self._read()
                    continue
                timeout = None
                if deadline is not None:
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        break
                for key, _ in selector.select(timeout):
                    if key.fileobj is self._wake_r:
                        self._drain_wake()
                    else:
                        self._read()
        finally:
            selector.close()
            self._end()

    def _finished(self) -> bool:
        with self._lock:
            if self._out:
                return False
            if self._end_after_flush or self._failed:
                return True
        return self._eof or (self._close_received and self._close_sent)

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(256):
                pass
        except OSError:
            pass

    def _flush(self) -> bool:
        """Write what is queued; False when the connection broke."""
        while True:
            with self._lock:
                if not self._out:
                    return True
                data, future = self._out.popleft()
            try:
                self.sock.sendall(data)
            except OSError:
                self._settle(future, WebSocketClosed("The client connection broke."))
                self._eof = True
                return False
            self._settle(future, None)

    def _read(self) -> None:
        try:
            data = self.sock.recv(_READ_SIZE)
        except (BlockingIOError, ssl.SSLWantReadError, TimeoutError):
            return
        except OSError:
            data = b""
        if not data:
            self._eof = True
            return
        self._decoder.feed(data)
        self._process()

    def _process(self) -> None:
        """Act on the frames read so far, until the app's queue is full."""
        try:
            for event in self._decoder.events():
                if isinstance(event, Message):
                    if self._close_sent or self._close_received:
                        continue
                    data = event.data
                    with self._lock:
                        self._pending += 1
                        self._pending_bytes += len(data)
                        full = self._is_full()
                    if isinstance(data, str):
                        self._deliver({"type": "websocket.receive", "text": data, "bytes": None})
                    else:
                        self._deliver({"type": "websocket.receive", "text": None, "bytes": data})
                    if full:
                        self._stalled = True
                        return
                elif isinstance(event, Ping):
                    with self._lock:
                        if not self._close_sent:
                            self._enqueue(encode_frame(Opcode.PONG, event.payload), None)
                elif isinstance(event, Close):
                    self._on_close_frame(event)
                    return
        except ProtocolError as e:
            self._failed = True
            with self._lock:
                if not self._close_sent and self._phase == _OPEN:
                    self._close_sent = True
                    self._enqueue(encode_frame(Opcode.CLOSE, close_payload(e.code, e.reason)), None)
            self._disconnect(e.code, e.reason)

    def _on_close_frame(self, event: Close) -> None:
        self._close_received = True
        with self._lock:
            if not self._close_sent:
                self._close_sent = True
                # RFC 6455 §5.5.1: the answer echoes the code it received.
                code = None if event.code == 1005 else event.code
                self._enqueue(encode_frame(Opcode.CLOSE, close_payload(code)), None)
        self._disconnect(event.code, event.reason)

    def _disconnect(self, code: int, reason: str = "") -> None:
        if not self._disconnected:
            self._disconnected = True
            self._deliver({"type": "websocket.disconnect", "code": code, "reason": reason})

    def _on_app_done(self, future: concurrent.futures.Future[None]) -> None:
        error: BaseException | None = None
        cancelled = future.cancelled()
        if not cancelled:
            error = future.exception()
        if error is not None:
            _logger.error(
                "Error on WebSocket %s:",
                self._request_line,
                exc_info=(type(error), error, error.__traceback__),
            )
        with self._lock:
            if self._closed:
                return
            if self._phase == _HANDSHAKE:
                self._phase = _DONE
                self._end_after_flush = True
                page = InternalServerError(
                    "The application ended without accepting or refusing the WebSocket handshake."
                    if error is None and not cancelled
                    else None
                )
                body = page.get_body().encode("utf-8")
                status, data = self._http_response(500, page.get_headers(), body)
                self._enqueue(data, None)
                log: tuple[int, int] | None = (status, len(body))
            else:
                log = None
                if self._phase == _RESPONDING:
                    # The refusal's body was cut short: nothing more to say.
                    self._phase = _DONE
                    self._end_after_flush = True
                elif self._phase == _OPEN and not self._close_sent:
                    self._close_sent = True
                    code = 1001 if cancelled else 1011 if error is not None else 1000
                    self._enqueue(encode_frame(Opcode.CLOSE, close_payload(code)), None)
        if log is not None:
            self._log(*log)

    def _end(self) -> None:
        with self._lock:
            self._closed = True
            self._phase = _DONE
            left = list(self._out)
            self._out.clear()
            linger = self._failed and not self._eof
        for _, future in left:
            self._settle(future, WebSocketClosed("The WebSocket connection is closed."))
        self._disconnect(1006)
        self._log("-", 0)
        self._wake_r.close()
        self._wake_w.close()
        if linger:
            self._linger()

    def _linger(self) -> None:
        # Closing a socket with unread input makes the kernel send a reset,
        # which can destroy the close frame before the client reads it; so
        # half-close and read what the client still sends, for a short while.
        sock = self.sock
        try:
            socket.socket.shutdown(sock, socket.SHUT_WR)
        except OSError:
            return
        deadline = time.monotonic() + min(_LINGER, self.close_timeout)
        while (left := deadline - time.monotonic()) > 0:
            try:
                sock.settimeout(left)
                if not socket.socket.recv(sock, _READ_SIZE):
                    return
            except OSError:
                return


def _resolve(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
