"""The ASGI side of erlen: scope in, sans-io request out; response in, messages out.

This module knows the ASGI 3 protocol and nothing of the framework:

- :func:`request_from_scope` builds an :class:`erlen.http.request.Request` (or a
  subclass) from an HTTP or WebSocket scope, with the decoding rules of the
  WSGI adapter (a path that is not UTF-8 is a 400);
- :class:`ASGIBody` is the request body as a file the request reads: received
  up front into a bounded buffer (spooled to a temporary file when large), or
  as it arrives (``async`` on the event loop, through a bridge from worker
  threads);
- :func:`send_response` writes an :class:`erlen.http.response.Response` as
  ``http.response.*`` messages, streaming generators, async generators and
  files, and stops a streamed body when the client goes away;
- :class:`WebSocketConnection` speaks the ``websocket.*`` messages.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import os
import tempfile
import threading
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
)
from typing import IO, Any, NoReturn, TypeVar, cast
from urllib.parse import unquote_to_bytes

from erlen.http.datastructures import Headers
from erlen.http.datastructures._common import _convert
from erlen.http.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge
from erlen.http.proxy import resolve_forwarded, split_host
from erlen.http.request import Request
from erlen.http.response import FileWrapper, Response, _untouched_wire_headers, _wire_headers

__all__ = [
    "ASGIBody",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "WebSocketConnection",
    "WebSocketDisconnect",
    "body_may_follow",
    "encode_headers",
    "request_from_scope",
    "send_response",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

RequestT = TypeVar("RequestT", bound=Request)

#: Request bodies up to this size stay in memory; larger ones go to a temporary file.
DEFAULT_SPOOL_THRESHOLD = 1024 * 1024
#: The most bytes read from a file per ``http.response.body`` message.
FILE_CHUNK_SIZE = 64 * 1024
#: A file byte range up to this size is sent as one message, read in one
#: executor call (or on the loop up to ``FILE_RANGE_READ_ON_LOOP``).
FILE_RANGE_READ_ONCE = 256 * 1024
FILE_RANGE_READ_ON_LOOP = 64 * 1024

_DONE: Any = object()

# -- the request ------------------------------------------------------------------

_HEADER_NAMES: dict[bytes, str] = {}


def _header_name(raw: bytes) -> str:
    # PERF: ASGI sends lower-case names from a small set; a cached title-cased
    # str (as WSGI's request.headers shows them) is one dict hit per header.
    name = _HEADER_NAMES.get(raw)
    if name is None:
        name = raw.decode("latin-1").title()
        # SECURITY: bounded, so arbitrary client-chosen names cannot grow it.
        if len(_HEADER_NAMES) < 2048:
            _HEADER_NAMES[raw] = name
    return name


_CANONICAL_NAMES: dict[str, str] = {}


def _canonical_name(key: str) -> str:
    # For an ASCII key, title-casing maps exactly the case-insensitively equal
    # names to one string: the form _header_name gives every scope header.
    name = _CANONICAL_NAMES.get(key)
    if name is None:
        name = key.title()
        # SECURITY: bounded, as for _HEADER_NAMES.
        if len(_CANONICAL_NAMES) < 2048:
            _CANONICAL_NAMES[key] = name
    return name


class ScopeHeaders(Headers):
    """The request headers of an ASGI scope: read-only, like the WSGI
    adapter's ``EnvironHeaders`` (``copy()`` gives a mutable
    :class:`~erlen.http.datastructures.Headers`).

    Every name is title-cased when the request is built, so a lookup compares
    each name with the title-cased key instead of lower-casing every name
    (a ``get`` over eight headers: about 3x faster). ``_names`` maps each
    name present to a value (the last), built in C from the list: a name
    that is absent (``Upgrade``, ``Cookie`` and the body's headers on most
    requests) is answered without a scan, and so is every name when none
    repeats (the dict then holds each one's only value).
    """

    __slots__ = ("_names",)

    _names: dict[str, str]

    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        """Return the first value of header ``key``, or ``default`` (see
        :meth:`Headers.get <erlen.http.datastructures.Headers.get>`)."""
        if key.__class__ is not str or not key.isascii():
            if type is None:
                return Headers.get(self, key, default)
            return Headers.get(self, key, default, type)
        wanted = _CANONICAL_NAMES.get(key) or _canonical_name(key)
        present = self._names
        if wanted not in present:
            return default
        if len(present) == len(self._list):
            # Every name once: the dict holds the only value.
            found = present[wanted]
            return found if type is None else _convert(found, type, default)
        for name, value in self._list:
            if name == wanted:
                if type is None:
                    return value
                return _convert(value, type, default)
        return default

    def __getitem__(self, key: Any) -> Any:
        if key.__class__ is str:
            value = self.get(key, _DONE)
            if value is _DONE:
                # Headers raises the right KeyError (a 400 inside a request).
                return Headers.__getitem__(self, key)
            return value
        return Headers.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        if key.__class__ is not str or not key.isascii():
            return isinstance(key, str) and self.get(key, _DONE) is not _DONE
        # PERF: get() inlined; a conditional response asks for up to six names.
        return (_CANONICAL_NAMES.get(key) or _canonical_name(key)) in self._names

    def copy(self) -> Headers:
        """Return a mutable :class:`~erlen.http.datastructures.Headers` copy."""
        result = _new_headers(Headers)
        result._list = self._list.copy()
        return result

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(
            f"{type(self).__name__} is read-only: the request headers cannot be changed."
            " Call copy() for a mutable Headers object."
        )

    add = set = setdefault = extend = update = remove = pop = popitem = _read_only
    clear = setlist = setlistdefault = _read_only
    __setitem__ = __delitem__ = __ior__ = _read_only


_new_headers = Headers.__new__


def _scope_headers(raw: Iterable[tuple[bytes, bytes]]) -> Headers:
    # The server parsed these: no CR/LF/NUL can be in them, so the validating
    # add() (and the empty list of __init__) is skipped.
    headers = _new_headers(ScopeHeaders)
    names = _HEADER_NAMES
    try:
        # PERF: names seen before are one dict index and values decode in
        # place: 0.70 µs instead of 1.79 µs for five headers. A new name
        # (KeyError) or a bytearray/memoryview (TypeError) takes the full path.
        headers._list = [(names[k], v.decode("latin-1")) for k, v in raw]
    except (KeyError, TypeError, AttributeError):
        headers._list = [(_header_name(bytes(k)), bytes(v).decode("latin-1")) for k, v in raw]
    headers._names = dict(headers._list)
    return headers


def _scope_body_may_follow(scope: Mapping[str, Any], headers: Headers) -> bool:
    # body_may_follow() for headers made by _scope_headers, whose names are
    # title-cased: exact comparisons instead of two case-insensitive get()s.
    if scope.get("http_version", "1.1") not in ("1.1", "1.0"):
        return True
    length: str | None = None
    coding: str | None = None
    if type(headers) is ScopeHeaders:
        names = headers._names
        if "Content-Length" not in names and "Transfer-Encoding" not in names:
            # PERF: no body declared (GET, HEAD), without a scan.
            return False
        if len(names) == len(headers._list):
            # PERF: each name once: the two values without a scan.
            coding = names.get("Transfer-Encoding")
            length = names.get("Content-Length")
    if length is None and coding is None:
        for name, value in headers._list:
            if name == "Transfer-Encoding":
                if coding is None:
                    coding = value
            elif name == "Content-Length" and length is None:
                length = value
    if coding:
        return True
    return length is not None and length.strip() not in ("", "0")


def _scope_path(scope: Mapping[str, Any]) -> str:
    path: str = scope.get("path") or "/"
    if not path.isascii():
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            # Surrogate escapes: the server kept bytes that are not UTF-8.
            raise BadRequest("The request path is not valid UTF-8.") from None
        if "\ufffd" in path:
            raw = scope.get("raw_path")
            if raw is not None:
                try:
                    unquote_to_bytes(bytes(raw)).decode("utf-8")
                except UnicodeDecodeError:
                    raise BadRequest("The request path is not valid UTF-8.") from None
    return path


def _server_host(server: tuple[str, int | None] | None, scheme: str) -> str | None:
    if server is None:
        return None
    name, port = server
    if port is None or (scheme, port) in (("http", 80), ("https", 443), ("ws", 80), ("wss", 443)):
        return name
    return f"{name}:{port}"


def body_may_follow(scope: Mapping[str, Any], headers: Headers) -> bool:
    """Whether an HTTP request may carry a body: HTTP/1 says so with
    ``Content-Length`` (not 0) or ``Transfer-Encoding``; HTTP/2 and 3 may send
    one without either."""
    if scope.get("http_version", "1.1") not in ("1.1", "1.0"):
        return True
    if headers.get("Transfer-Encoding"):
        return True
    length = headers.get("Content-Length")
    return length is not None and length.strip() not in ("", "0")


#: The key of a rewritten scope holding what :func:`fix_forwarded_scope` changed.
PROXY_FIX_ORIG = "erlen.proxy_fix.orig"


def _relative_path(path: str, root_path: str) -> str:
    """``path`` below ``root_path`` (servers differ on whether ``path`` includes it)."""
    if root_path:
        if path == root_path:
            return "/"
        if path.startswith(root_path) and path[len(root_path)] == "/":
            return path[len(root_path) :]
    return path


def fix_forwarded_scope(scope: Mapping[str, Any], proxy: Mapping[str, int]) -> dict[str, Any]:
    """A copy of the HTTP or WebSocket ``scope`` rewritten from the
    ``X-Forwarded-*`` headers of trusted proxies (``proxy`` holds the counts
    of :func:`erlen.http.proxy.resolve_forwarded`): ``client``, ``scheme``,
    the ``host`` header and ``server``, and ``root_path`` (then ``path``
    includes the new ``root_path``, and ``raw_path`` is dropped). The values
    it replaced are in ``scope["erlen.proxy_fix.orig"]``. A forwarded host
    that is not ASCII is ignored (hosts travel punycoded)."""
    get = scope.get
    headers = _scope_headers(get("headers") or ())
    websocket = get("type") == "websocket"
    scheme: str = get("scheme") or ("ws" if websocket else "http")
    client = get("client")
    remote_addr = None if not client else str(client[0])
    raw_server = get("server")
    server = (str(raw_server[0]), raw_server[1]) if raw_server else None
    host = headers.get("Host") or _server_host(server, scheme)
    root_path = (get("root_path") or "").rstrip("/")
    fwd = resolve_forwarded(headers, remote_addr, scheme, host, root_path, **proxy)
    fixed = dict(scope)
    fixed[PROXY_FIX_ORIG] = {
        key: get(key) for key in ("client", "scheme", "server", "headers", "root_path", "path")
    }
    if fwd.remote_addr != remote_addr and fwd.remote_addr is not None:
        fixed["client"] = (fwd.remote_addr, 0)
    if fwd.scheme != scheme:
        secure = fwd.scheme in ("https", "wss")
        if websocket:
            fixed["scheme"] = "wss" if secure else "ws"
        else:
            fixed["scheme"] = "https" if secure else "http"
    if fwd.host is not None and fwd.host != host and fwd.host.isascii():
        value = fwd.host.encode("ascii")
        raw = list(get("headers") or ())
        replaced = [(b"host", value) if bytes(k).lower() == b"host" else (k, v) for k, v in raw]
        if not any(bytes(k).lower() == b"host" for k, _ in raw):
            replaced.append((b"host", value))
        fixed["headers"] = replaced
        fixed["server"] = split_host(fwd.host)
    if fwd.root_path != root_path:
        relative = _relative_path(get("path") or "/", root_path)
        fixed["root_path"] = fwd.root_path
        fixed["path"] = fwd.root_path + relative
        fixed.pop("raw_path", None)
    return fixed


def request_from_scope(
    scope: Mapping[str, Any],
    request_class: type[RequestT],
    body: IO[bytes] | ASGIBody | None = None,
    proxy: Mapping[str, int] | None = None,
) -> RequestT:
    """Build a request of ``request_class`` from an ASGI HTTP or WebSocket scope.

    ``path`` is taken below ``root_path`` (servers differ on whether ``path``
    includes it); a path that is not valid UTF-8 raises
    :exc:`~erlen.http.exceptions.BadRequest`. Header names are title-cased,
    values decoded as latin-1, like the WSGI adapter's. ``body`` is the stream
    the request reads (an :class:`ASGIBody`); ``proxy`` holds trusted proxy
    counts for :func:`erlen.http.proxy.resolve_forwarded` (``PROXY_FIX``).
    """
    if proxy:
        # The scope is rewritten first: everything below reads the
        # forwarded values.
        scope = fix_forwarded_scope(scope, proxy)
    get = scope.get
    path: str = get("path") or "/"
    if not path.isascii():
        path = _scope_path(scope)
    root_path: str = get("root_path") or ""
    if root_path:
        root_path = root_path.rstrip("/")
        path = _relative_path(path, root_path)
    if path[0] != "/":
        path = "/" + path
    query = get("query_string") or b""
    query_string = query if type(query) is bytes else str(query).encode("latin-1")
    headers = _scope_headers(get("headers") or ())
    websocket = get("type") == "websocket"
    scheme: str = get("scheme") or ("ws" if websocket else "http")
    raw_server = get("server")
    server: tuple[str, int | None] | None
    if type(raw_server) is tuple and len(raw_server) == 2 and type(raw_server[0]) is str:
        # PERF: the server's own (host, port) tuple, not a copy.
        server = raw_server
    else:
        server = (str(raw_server[0]), raw_server[1]) if raw_server else None
    client = get("client")
    remote_addr: str | None = None
    if client:
        remote_addr = client[0] if type(client[0]) is str else str(client[0])

    method: str = get("method") or "GET"
    return request_class(
        method if method.isupper() else method.upper(),
        scheme,
        server,
        root_path,
        path,
        query_string,
        headers,
        remote_addr,
        # PERF: an ignore, not cast(IO[bytes], ...): that subscripts a generic
        # and calls a function on every request (0.18 µs).
        body,  # type: ignore[arg-type]
        # PERF: positional: keyword arguments to a class call cost a dict
        # (0.1 µs per request).
        None,
        True,
    )


# -- the request body ---------------------------------------------------------------


class ASGIBody:
    """The body of an ASGI HTTP request, as the binary file the request reads.

    Either :meth:`prefetch` receives it up front (into memory up to
    ``spool_threshold`` bytes, then a temporary file), or it is received as
    it is read: ``await wait_readable()`` on the event loop (what ``async for
    chunk in request.stream`` does), and from a worker thread :meth:`read`
    itself fetches the next ``http.request`` message from the loop.
    ``read`` never blocks the event loop: there, a body that is still
    arriving raises :exc:`RuntimeError` (the view should ``async for`` it).

    A client that disconnects before the body ended makes reads raise
    :exc:`~erlen.http.exceptions.ClientDisconnected` (400).
    """

    __slots__ = (
        "_abandoned",
        "_chunks",
        "_claimed",
        "_end_event",
        "_ended",
        "_file",
        "_limit",
        "_lock",
        "_loop",
        "_receive",
        "disconnected",
        "received",
        "spool_threshold",
    )

    def __init__(
        self,
        receive: Receive,
        loop: asyncio.AbstractEventLoop | None = None,
        *,
        ended: bool = False,
        spool_threshold: int = DEFAULT_SPOOL_THRESHOLD,
    ) -> None:
        self._receive = receive
        self._loop = loop if loop is not None else asyncio.get_running_loop()
        #: Memory kept before a prefetched body moves to a temporary file.
        self.spool_threshold = spool_threshold
        self._chunks: deque[bytes] = deque()
        self._file: IO[bytes] | None = None
        self._ended = ended
        #: True once the client went away (``http.disconnect``).
        self.disconnected = False
        #: Bytes received so far.
        self.received = 0
        self._limit: int | None = None
        self._lock: asyncio.Lock | None = None
        self._end_event: asyncio.Event | None = None
        self._claimed = False
        self._abandoned = False

    def set_empty(self) -> None:
        """Declare that no body follows (an HTTP/1 request without
        Content-Length or Transfer-Encoding): nothing is received."""
        self._ended = True

    @property
    def ended(self) -> bool:
        """Whether the whole body was received (or the client disconnected)."""
        return self._ended or self.disconnected

    # -- receiving (on the event loop) --------------------------------------

    def _take(self, message: Message) -> bytes:
        kind = message.get("type")
        data = b""
        if kind == "http.request":
            data = bytes(message.get("body") or b"")
            self.received += len(data)
            if not message.get("more_body", False):
                self._ended = True
        elif kind == "http.disconnect":
            self.disconnected = True
        if self._end_event is not None and self.ended:
            self._end_event.set()
        return data

    async def prefetch(self, limit: int | None = None) -> None:
        """Receive the whole body now, or stop once more than ``limit`` bytes
        arrived (reading past the limit then raises 413, as the request's
        own limit check does)."""
        self._limit = limit
        chunks: list[bytes] = []
        size = 0
        file: IO[bytes] | None = None
        threshold = self.spool_threshold
        if (
            not self._ended
            and not self.disconnected
            and self._end_event is None
            and (limit is None or self.received <= limit)
        ):
            # PERF: most bodies arrive in one message that ends them; that
            # message is taken here, without _take() and the loop below.
            message = await self._receive()
            if message.get("type") == "http.request" and not message.get("more_body", False):
                data = message.get("body") or b""
                if type(data) is not bytes:
                    data = bytes(data)
                size = len(data)
                self.received += size
                self._ended = True
                if size <= threshold:
                    if size:
                        self._chunks.append(data)
                    return
                chunks.append(data)
            else:
                data = self._take(message)
                if data:
                    chunks.append(data)
                    size = len(data)
            if size > threshold:
                file = tempfile.TemporaryFile()  # noqa: SIM115  closed by close()
                file.write(chunks.pop())
        while not self.ended and (limit is None or self.received <= limit):
            data = self._take(await self._receive())
            if not data:
                continue
            if file is None and size + len(data) <= threshold:
                chunks.append(data)
            else:
                if file is None:
                    # PERF: a large upload is written to the page cache, not
                    # kept in memory; the writes are short and do not block.
                    file = tempfile.TemporaryFile()  # noqa: SIM115  closed by close()
                    file.write(b"".join(chunks))
                    chunks.clear()
                file.write(data)
            size += len(data)
        if file is not None:
            file.seek(0)
            self._file = file
        else:
            self._chunks.extend(chunks)

    async def receive_more(self) -> None:
        """Receive the next ``http.request`` message into the buffer (nothing
        when the body already ended)."""
        self._claimed = True
        if self.ended:
            return
        lock = self._lock
        if lock is None:
            lock = self._lock = asyncio.Lock()
        async with lock:
            if self.ended:
                return
            data = self._take(await self._receive())
            if data:
                self._chunks.append(data)

    async def wait_readable(self) -> None:
        """Return once :meth:`read` can answer without waiting: data is
        buffered, or the body ended."""
        self._claimed = True
        while not self._buffered() and not self.ended and not self._abandoned:
            await self.receive_more()

    async def wait_disconnect(self) -> None:
        """Return when the client disconnects.

        Body data nobody asked for is dropped; when the app reads the body
        itself (a streamed upload), this waits until that reading ended.
        """
        if not self.ended:
            if self._claimed:
                event = self._end_event
                if event is None:
                    event = self._end_event = asyncio.Event()
                await event.wait()
            else:
                self._abandoned = True
        while not self.disconnected:
            self._take(await self._receive())

    # -- reading (any thread) -----------------------------------------------

    def _buffered(self) -> bool:
        return bool(self._chunks) or self._file is not None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all of the rest with -1); ``b""`` at the end."""
        if size == 0:
            return b""
        out: list[bytes] = []
        want = -1 if size is None or size < 0 else size
        while True:
            file = self._file
            if file is not None:
                data = file.read(want)
                if data:
                    if want > 0:
                        return data
                    out.append(data)
                file.close()
                self._file = None
                continue
            chunks = self._chunks
            if chunks:
                if want < 0:
                    out.extend(chunks)
                    chunks.clear()
                    continue
                chunk = chunks.popleft()
                if len(chunk) > want:
                    chunks.appendleft(chunk[want:])
                    chunk = chunk[:want]
                return chunk
            if self._ended:
                break
            if out and want > 0:
                break
            self._fetch()
        return b"".join(out)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self.read(FILE_CHUNK_SIZE)
            if not chunk:
                return
            yield chunk

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._aiter()

    async def _aiter(self) -> AsyncIterator[bytes]:
        # What request.stream is without a size limit: chunks as they arrive.
        while True:
            await self.wait_readable()
            chunk = self.read(FILE_CHUNK_SIZE)
            if not chunk:
                return
            yield chunk

    def _fetch(self) -> None:
        """Get more of the body (the buffer is empty and it has not ended)."""
        if self.disconnected:
            raise ClientDisconnected("The client disconnected before sending the whole body.")
        if self._abandoned:
            raise ClientDisconnected(
                "The request body is no longer available: it was not read before the"
                " response started."
            )
        if self._limit is not None:
            raise RequestEntityTooLarge(f"The request body is larger than {self._limit} bytes.")
        self._claimed = True
        loop = self._loop
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            raise RuntimeError(
                "The request body is still arriving and reading it here would block the"
                " event loop. In an 'async def' view of a stream_body route, read it with"
                " 'async for chunk in request.stream'."
            )
        try:
            future = asyncio.run_coroutine_threadsafe(self.receive_more(), loop)
        except RuntimeError:
            raise ClientDisconnected(
                "The server stopped before the request body was received."
            ) from None
        future.result()

    def close(self) -> None:
        """Drop the buffered body (and its temporary file)."""
        file = self._file
        self._file = None
        self._chunks.clear()
        if file is not None:
            file.close()


class _EmptyBody:
    """The body of a request that declares none: reads give ``b""``.

    PERF: one shared, stateless object instead of an :class:`ASGIBody`
    (0.5 µs) for every GET; nothing is ever received for it.
    """

    __slots__ = ()

    ended = True
    disconnected = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return b""

    def readline(self, size: int | None = -1) -> bytes:
        return b""

    async def wait_readable(self) -> None:
        return None

    def __iter__(self) -> Iterator[bytes]:
        return iter(())

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._aiter()

    async def _aiter(self) -> AsyncIterator[bytes]:
        return
        yield b""  # an async generator that ends at once

    def close(self) -> None:
        return None


EMPTY_BODY: Any = _EmptyBody()


# -- the response -------------------------------------------------------------------


#: Encoded pairs of headers whose values repeat across responses and carry
#: nothing private (never Set-Cookie, Location and the like).
_PAIR_CACHE: dict[tuple[str, str], tuple[bytes, bytes]] = {}
_CACHED_NAMES = frozenset(
    {"Content-Type", "Content-Length", "Cache-Control", "Vary", "Content-Encoding"}
)


#: Lower-cased, encoded header names, by the name as the response holds it.
_NAME_BYTES: dict[str, bytes] = {}


def _encode_pair(name: str, value: str) -> tuple[bytes, bytes]:
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raw = value.encode("utf-8")
    # PERF: a response's names come from a small set; one dict hit instead of
    # lower() and encode() (send_file's six uncached pairs: 0.3 µs).
    raw_name = _NAME_BYTES.get(name)
    if raw_name is None:
        raw_name = name.lower().encode("latin-1")
        # SECURITY: bounded, as names may be chosen per request.
        if len(_NAME_BYTES) < 1024:
            _NAME_BYTES[name] = raw_name
    return raw_name, raw


def encode_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """Response headers as ASGI's ``[(name, value)]`` byte pairs (lower-case names)."""
    out = []
    cache = _PAIR_CACHE
    for item in headers:
        # PERF: Content-Type/Content-Length pairs repeat; a hit is one dict
        # lookup (hello world's two headers: 0.37 -> 0.15 µs).
        pair = cache.get(item) if type(item) is tuple else None
        if pair is None:
            name, value = item
            pair = _encode_pair(name, value)
            # SECURITY: bounded, and only headers that hold no per-user data.
            if name in _CACHED_NAMES and len(cache) < 1024 and type(item) is tuple:
                cache[item] = pair
        out.append(pair)
    return out


def _start_message(response: Response, kind: str) -> tuple[Message, bool]:
    """The ``*.response.start`` message and whether the body must be dropped.

    The headers are Werkzeug's wire headers (see ``start_response_and_body``
    in the WSGI adapter): ``Content-Length`` for a list body, URIs in
    ``Location``, none of the body's headers on 1xx, 204 and 304.
    """
    headers = _untouched_wire_headers(response)
    if headers is None:
        headers, no_body = _wire_headers(response)
        encoded = encode_headers(headers)
    else:
        # PERF: the common case without _wire_headers' general checks, its
        # two pairs encoded here (hello world: 1.2k instructions less than
        # through encode_headers' loop).
        no_body = False
        type_header = response._type_header
        length_pair = (b"content-length", headers[-1][1].encode("latin-1"))
        if type_header is None:
            encoded = [length_pair]
        else:
            type_pair = _PAIR_CACHE.get(type_header)
            if type_pair is None:
                type_pair = encode_headers((type_header,))[0]
            encoded = [type_pair, length_pair]
    message: Message = {
        "type": "http.response.start" if kind == "http" else f"{kind}.response.start",
        "status": response._status_code if response._plain_init else response.status_code,
        "headers": encoded,
    }
    return message, no_body


_default_executor: concurrent.futures.ThreadPoolExecutor | None = None
_default_executor_lock = threading.Lock()


def _forget_inherited_pool() -> None:
    # A forked child inherits the pool object without its
    # threads; submitted work would hang forever. Start a new pool there.
    global _default_executor, _default_executor_lock
    _default_executor = None
    _default_executor_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_inherited_pool)


def _executor_or_default(
    executor: concurrent.futures.Executor | None,
) -> concurrent.futures.Executor:
    global _default_executor
    if executor is not None:
        return executor
    with _default_executor_lock:
        if _default_executor is None:
            _default_executor = concurrent.futures.ThreadPoolExecutor(
                thread_name_prefix="erlen-asgi"
            )
        return _default_executor


async def send_response(
    response: Response,
    send: Send,
    receive: Receive | None = None,
    *,
    method: str = "GET",
    body: ASGIBody | None = None,
    executor: concurrent.futures.Executor | None = None,
    kind: str = "http",
) -> None:
    """Send ``response`` as ``http.response.start`` and ``http.response.body``
    messages, then close it (exactly once).

    The body is dropped for ``HEAD`` and for 1xx, 204 and 304 responses. A
    list body goes out in one message. A streamed body goes out chunk by
    chunk: a sync iterator is advanced in ``executor`` (a thread pool), so a
    blocking generator never blocks the loop; an async iterator is iterated
    on the loop; a :class:`~erlen.http.response.FileWrapper` is read in the
    pool. While streaming, ``receive`` (or ``body``, which then owns
    ``receive``) is watched for ``http.disconnect``: the body stops, the
    generator is closed (its ``finally`` runs) and the response closed.
    ``kind="websocket.http"`` sends a WebSocket handshake denial instead.
    """
    start, no_body = _start_message(response, kind)
    body_type = "http.response.body" if kind == "http" else f"{kind}.response.body"
    iterable: Any = response.response
    if type(iterable) is list and not no_body and method != "HEAD":
        # PERF: the usual buffered body: one start and one body message.
        try:
            await send(start)
            if len(iterable) == 1 and type(iterable[0]) is bytes:
                data = iterable[0]
            else:
                data = b"".join(response.iter_encoded())
            await send({"type": body_type, "body": data})
        finally:
            response.close()
        return
    is_async = hasattr(iterable, "__aiter__")
    if no_body or method == "HEAD":
        try:
            await send(start)
            await send({"type": body_type, "body": b"", "more_body": False})
        finally:
            await _close(response, iterable if is_async else None, executor, None)
        return
    if isinstance(iterable, (list, tuple)):
        try:
            await send(start)
            await send({"type": body_type, "body": b"".join(response.iter_encoded())})
        finally:
            response.close()
        return

    length = iterable.length if type(iterable) is FileWrapper else None
    if length is not None and length <= FILE_RANGE_READ_ONCE:
        await _send_file_range(response, iterable, send, start, body_type, executor)
        return

    state = _Streaming()
    # One context for every step of a sync body, so a generator that sets
    # context variables in one step (stream_with_context) resets them in
    # another; the same context then closes it.
    context = contextvars.copy_context()
    iterator: Any = None
    if is_async:
        iterator = iterable.__aiter__()
        pump = _pump_async(iterator, send, start, body_type, state)
    else:
        if isinstance(iterable, FileWrapper):
            iterable.buffer_size = max(iterable.buffer_size, FILE_CHUNK_SIZE)
            chunks: Iterator[bytes] = iterable
        else:
            chunks = response.iter_encoded()
        pool = _executor_or_default(executor)
        pump = _pump_sync(chunks, send, start, body_type, state, pool, context)
    try:
        if body is None and receive is None:
            await pump
        else:
            watch = (
                body.wait_disconnect()
                if body is not None
                else _wait_disconnect(cast(Receive, receive))
            )
            await _race(pump, watch, state)
    finally:
        # Shielded: a cancelled request still closes its body and response.
        await asyncio.shield(_close(response, iterator, executor, None if is_async else context))


async def _send_file_range(
    response: Response,
    wrapper: FileWrapper,
    send: Send,
    start: Message,
    body_type: str,
    executor: concurrent.futures.Executor | None,
) -> None:
    """Send a small byte range of a file as one body message, then close."""
    pending: concurrent.futures.Future[bytes] | None = None
    try:
        if (wrapper.length or 0) <= FILE_RANGE_READ_ON_LOOP:
            # PERF: a local read of this size costs less than a thread hop.
            data = wrapper.read_all()
        else:
            # PERF: one thread hop for the whole range, not one per chunk.
            pending = _executor_or_default(executor).submit(wrapper.read_all)
            data = await asyncio.wrap_future(pending)
            pending = None
        await send(start)
        await send({"type": body_type, "body": data, "more_body": False})
    finally:
        if pending is not None and not pending.cancel():
            # A thread is still reading the file: let it finish before closing.
            try:
                await asyncio.shield(asyncio.wrap_future(pending))
            except BaseException:
                pass
        response.close()


class _Streaming:
    """Progress of a streamed body, shared by the pump and the race."""

    __slots__ = ("complete",)

    def __init__(self) -> None:
        #: The final ``more_body=False`` message was sent.
        self.complete = False


async def _race(pump: Awaitable[None], watch: Awaitable[None], state: _Streaming) -> None:
    """Run the body ``pump`` until it is done or ``watch`` sees the client leave."""
    pump_task = asyncio.ensure_future(pump)
    watch_task = asyncio.ensure_future(watch)
    try:
        await asyncio.wait((pump_task, watch_task), return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        pump_task.cancel()
        watch_task.cancel()
        await asyncio.gather(pump_task, watch_task, return_exceptions=True)
        raise
    if not pump_task.done() and not state.complete:
        # The client went away mid-body: stop the body.
        pump_task.cancel()
    watch_task.cancel()
    await asyncio.gather(pump_task, watch_task, return_exceptions=True)
    if pump_task.cancelled():
        return
    try:
        pump_task.result()
    except OSError:
        # The server reports the connection gone while sending; nothing more
        # can be sent.
        pass


async def _wait_disconnect(receive: Receive) -> None:
    while (await receive()).get("type") != "http.disconnect":
        pass


async def _close(
    response: Response,
    async_iterator: Any,
    executor: concurrent.futures.Executor | None,
    context: contextvars.Context | None,
) -> None:
    """Close an async body (``aclose``), then the response; a sync body is
    closed in the pool, since a generator's ``finally`` may block."""
    if async_iterator is not None:
        aclose = getattr(async_iterator, "aclose", None)
        try:
            if aclose is not None:
                await aclose()
        finally:
            response.close()
        return
    iterable = response.response
    if isinstance(iterable, (list, tuple, FileWrapper)) or not hasattr(iterable, "close"):
        response.close()
        return
    run = (context if context is not None else contextvars.copy_context()).run
    await asyncio.wrap_future(_executor_or_default(executor).submit(run, response.close))


async def _pump_async(
    iterator: Any, send: Send, start: Message, body_type: str, state: _Streaming
) -> None:
    await send(start)
    while True:
        try:
            item = await iterator.__anext__()
        except StopAsyncIteration:
            break
        chunk = item.encode() if isinstance(item, str) else bytes(item)
        if chunk:
            await send({"type": body_type, "body": chunk, "more_body": True})
    state.complete = True
    await send({"type": body_type, "body": b"", "more_body": False})


def _next_chunk(chunks: Iterator[bytes]) -> Any:
    return next(chunks, _DONE)


async def _pump_sync(
    chunks: Iterator[bytes],
    send: Send,
    start: Message,
    body_type: str,
    state: _Streaming,
    pool: concurrent.futures.Executor,
    context: contextvars.Context,
) -> None:
    pending: concurrent.futures.Future[Any] | None = None
    try:
        await send(start)
        while True:
            pending = pool.submit(context.run, _next_chunk, chunks)
            chunk = await asyncio.wrap_future(pending)
            pending = None
            if chunk is _DONE:
                break
            if chunk:
                await send({"type": body_type, "body": chunk, "more_body": True})
        state.complete = True
        await send({"type": body_type, "body": b"", "more_body": False})
    finally:
        if pending is not None and not pending.cancel():
            # A thread is still inside the generator: closing it now would
            # fail ("generator already executing"), so wait for that step.
            try:
                await asyncio.shield(asyncio.wrap_future(pending))
            except BaseException:
                pass


# -- WebSocket ---------------------------------------------------------------------------


class WebSocketDisconnect(Exception):
    """The WebSocket is closed: the client disconnected (``code`` is the close
    code it sent, 1005 when none), or the app closed it and kept using it."""

    def __init__(self, code: int = 1005, reason: str = "") -> None:
        super().__init__(
            f"The WebSocket was closed (code {code}{', ' + reason if reason else ''})."
        )
        #: The close code.
        self.code = code
        #: The close reason, if the client gave one.
        self.reason = reason


class WebSocketConnection:
    """One ASGI WebSocket connection: the handshake and the messages.

    ``accept``, ``receive``, ``send`` and ``close`` translate to the
    ``websocket.*`` messages; ``receive`` and ``send`` accept the connection
    first when the app has not. :meth:`deny` answers the handshake with an
    HTTP response (``websocket.http.response`` extension) or, when the server
    lacks it, closes it (the server answers 403).
    """

    __slots__ = ("_connected", "_receive", "_send", "accepted", "close_code", "closed", "scope")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        #: The connection scope.
        self.scope = scope
        self._receive = receive
        self._send = send
        self._connected = False
        #: Whether the handshake was accepted.
        self.accepted = False
        #: Whether the connection is closed (by either side).
        self.closed = False
        #: The close code once closed.
        self.close_code: int | None = None

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return list(self.scope.get("subprotocols") or ())

    @property
    def can_deny_with_response(self) -> bool:
        """Whether the server can answer the handshake with an HTTP response."""
        return "websocket.http.response" in (self.scope.get("extensions") or {})

    async def _ensure_connect(self) -> None:
        if self._connected:
            return
        message = await self._receive()
        kind = message.get("type")
        if kind == "websocket.disconnect":
            self._set_closed(int(message.get("code") or 1005))
            raise WebSocketDisconnect(self.close_code or 1005, str(message.get("reason") or ""))
        if kind != "websocket.connect":
            raise RuntimeError(f"Expected 'websocket.connect', the server sent {kind!r}.")
        self._connected = True

    def _set_closed(self, code: int) -> None:
        self.closed = True
        self.close_code = code

    def _check_open(self) -> None:
        if self.closed:
            raise WebSocketDisconnect(self.close_code or 1005)

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[str, str]] | Mapping[str, str] | None = None,
    ) -> None:
        """Accept the handshake, choosing ``subprotocol`` (one the client
        offered) and adding ``headers`` to the handshake response. Accepting
        twice does nothing."""
        self._check_open()
        if self.accepted:
            return
        await self._ensure_connect()
        message: Message = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            message["headers"] = encode_headers(pairs)
        await self._send(message)
        self.accepted = True

    async def receive(self) -> str | bytes:
        """The next message, ``str`` for a text frame and ``bytes`` for a binary
        one. Raises :class:`WebSocketDisconnect` when the client disconnects."""
        self._check_open()
        if not self.accepted:
            await self.accept()
        message = await self._receive()
        kind = message.get("type")
        if kind == "websocket.receive":
            text = message.get("text")
            if text is not None:
                return str(text)
            return bytes(message.get("bytes") or b"")
        if kind == "websocket.disconnect":
            self._set_closed(int(message.get("code") or 1005))
            raise WebSocketDisconnect(self.close_code or 1005, str(message.get("reason") or ""))
        raise RuntimeError(f"Unexpected ASGI message {kind!r} on a WebSocket connection.")

    async def send(self, data: str | bytes | bytearray | memoryview) -> None:
        """Send a text frame (``str``) or a binary frame (bytes)."""
        self._check_open()
        if not self.accepted:
            await self.accept()
        if isinstance(data, str):
            message: Message = {"type": "websocket.send", "text": data}
        elif isinstance(data, bytes | bytearray | memoryview):
            message = {"type": "websocket.send", "bytes": bytes(data)}
        else:
            raise TypeError(
                f"A WebSocket sends str (text) or bytes (binary), not {type(data).__name__};"
                " use send_json() for other data."
            )
        try:
            await self._send(message)
        except OSError:
            self._set_closed(1006)
            raise WebSocketDisconnect(1006) from None

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with ``code``; before the handshake was
        accepted this refuses it (the server answers 403). Closing twice does
        nothing."""
        if self.closed:
            return
        if not self._connected:
            try:
                await self._ensure_connect()
            except WebSocketDisconnect:
                return
        self._set_closed(code)
        message: Message = {"type": "websocket.close", "code": code}
        if reason:
            message["reason"] = reason
        try:
            await self._send(message)
        except OSError:
            pass

    async def deny(
        self, response: Response, executor: concurrent.futures.Executor | None = None
    ) -> None:
        """Refuse the handshake with ``response``: sent as it is when the
        server supports the ``websocket.http.response`` extension, else as a
        close (code 1008), which the server turns into a 403."""
        if self.accepted:
            raise RuntimeError("The WebSocket was already accepted; it can only be closed.")
        if self.closed:
            response.close()
            return
        if not self.can_deny_with_response:
            response.close()
            await self.close(1008)
            return
        try:
            await self._ensure_connect()
        except WebSocketDisconnect:
            response.close()
            return
        self._set_closed(1008)
        await send_response(response, self._send, executor=executor, kind="websocket.http")
