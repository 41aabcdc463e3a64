"""HTTP/1.1 wire format for the development server: the request head and the body readers.

Everything here reads from a buffered binary file (a socket's ``rfile``) and
bounds every length it reads. A request that breaks the rules raises the
:mod:`erlen.http.exceptions` class the client should get: 400 for a malformed
request line, header or chunk, 414 for a request line that is too long, 431
for too many or too large headers, 505 for an HTTP major version other than 1.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from erlen.http.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPVersionNotSupported,
    RequestHeaderFieldsTooLarge,
    RequestTimeout,
    RequestURITooLarge,
)

__all__ = [
    "BodyReader",
    "ChunkedReader",
    "Limits",
    "LimitedReader",
    "Readable",
    "RequestHead",
    "parse_request_line",
    "read_headers",
    "read_request_line",
]

_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_VERSION_RE = re.compile(r"HTTP/([0-9])\.([0-9])\Z")
# The request target: no controls, no spaces (RFC 9112 §3.2). Bytes >= 0x80
# are let through, as browsers and curl send them unencoded now and then.
_TARGET_RE = re.compile(r"[\x21-\x7e\x80-\xff]+\Z")
_HEX_RE = re.compile(r"[0-9A-Fa-f]{1,16}\Z")
_BAD_VALUE_RE = re.compile(r"[\x00\r\n]")


class Readable(Protocol):
    """What the readers need of the connection: a buffered binary file."""

    def read(self, size: int = ..., /) -> bytes: ...

    def readline(self, size: int = ..., /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits of the request head, the body framing and WebSocket messages.

    The defaults are generous for development and still bound memory per
    connection: a client cannot make the server buffer more than these.
    """

    #: Longest request line (method, target, version), in bytes: 414 above.
    max_request_line: int = 16 * 1024
    #: Longest single header line, in bytes: 431 above.
    max_header_line: int = 16 * 1024
    #: Most header lines in one request: 431 above.
    max_header_count: int = 100
    #: Most bytes of all header lines together: 431 above.
    max_header_size: int = 64 * 1024
    #: Longest chunk-size line (size plus extensions) of a chunked body.
    max_chunk_line: int = 4 * 1024
    #: Most bytes of the trailer section of a chunked body.
    max_trailer_size: int = 16 * 1024
    #: Unread body bytes the server discards after a response to keep the
    #: connection open; a larger leftover closes the connection instead.
    max_drain: int = 1024 * 1024
    #: Largest WebSocket message (all its fragments): close code 1009 above.
    max_websocket_message: int = 16 * 1024 * 1024
    #: WebSocket messages read ahead of the app; reading pauses there (and
    #: when they add up to ``max_websocket_message`` bytes).
    max_websocket_queue: int = 16


@dataclass(slots=True)
class RequestHead:
    """A parsed request line and header section."""

    method: str
    target: str
    version: tuple[int, int]
    #: The header lines as ``(name, value)`` in the order received.
    headers: list[tuple[str, str]]

    @property
    def protocol(self) -> str:
        """The request's protocol as ``SERVER_PROTOCOL`` shows it (``HTTP/1.1``)."""
        return f"HTTP/{self.version[0]}.{self.version[1]}"

    def get_all(self, name: str) -> list[str]:
        """Every value of header ``name`` (case-insensitive), in order."""
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]

    def get(self, name: str) -> str | None:
        """The values of header ``name`` joined with ``", "``, or None if absent."""
        values = self.get_all(name)
        return ", ".join(values) if values else None

    def connection_tokens(self) -> set[str]:
        """The lower-cased options of the ``Connection`` header."""
        return {
            token.strip().lower()
            for value in self.get_all("Connection")
            for token in value.split(",")
            if token.strip()
        }


def _strip_eol(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith(b"\n"):
        # COMPAT: RFC 9112 §2.2 lets a recipient accept a bare LF as a line end.
        return line[:-1]
    raise BadRequest("The request ended in the middle of a line.")


def read_request_line(rfile: Readable, limits: Limits) -> bytes | None:
    """Read the request line (without its line end); None when the client
    closed the connection before sending one."""
    # RFC 9112 §2.2: ignore at least one empty line before the request line.
    for _ in range(4):
        line = rfile.readline(limits.max_request_line + 1)
        if not line:
            return None
        if len(line) > limits.max_request_line:
            raise RequestURITooLarge(
                f"The request line is longer than {limits.max_request_line} bytes."
            )
        if line not in (b"\r\n", b"\n"):
            return _strip_eol(line)
    raise BadRequest("The request starts with too many empty lines.")


def parse_request_line(line: bytes) -> tuple[str, str, tuple[int, int]]:
    """Split a request line into ``(method, target, (major, minor))``."""
    text = line.decode("latin-1")
    parts = text.split(" ")
    if len(parts) != 3:
        raise BadRequest(
            "The request line is malformed: expected 'METHOD target HTTP/1.1'"
            f" with single spaces, got {len(parts)} part(s)."
        )
    method, target, version = parts
    if not _TOKEN_RE.match(method):
        raise BadRequest("The request method is not a valid token.")
    match = _VERSION_RE.match(version)
    if match is None:
        raise BadRequest("The request line does not end with a valid HTTP version.")
    major, minor = int(match.group(1)), int(match.group(2))
    if major != 1:
        raise HTTPVersionNotSupported(
            f"HTTP/{major}.{minor} is not supported; this server speaks HTTP/1.1."
        )
    if not _TARGET_RE.match(target):
        raise BadRequest("The request target contains spaces or control characters.")
    if not (target.startswith("/") or "://" in target or (target == "*" and method == "OPTIONS")):
        raise BadRequest("The request target must be a path starting with '/'.")
    return method, target, (major, minor)


def read_headers(rfile: Readable, limits: Limits) -> list[tuple[str, str]]:
    """Read header lines up to the empty line that ends the head."""
    headers: list[tuple[str, str]] = []
    total = 0
    try:
        while True:
            line = rfile.readline(limits.max_header_line + 1)
            if not line:
                raise ClientDisconnected("The client closed the connection inside the headers.")
            if len(line) > limits.max_header_line:
                raise RequestHeaderFieldsTooLarge(
                    f"A header line is longer than {limits.max_header_line} bytes."
                )
            total += len(line)
            if total > limits.max_header_size:
                raise RequestHeaderFieldsTooLarge(
                    f"The request headers are larger than {limits.max_header_size} bytes."
                )
            line = _strip_eol(line)
            if not line:
                return headers
            if len(headers) >= limits.max_header_count:
                raise RequestHeaderFieldsTooLarge(
                    f"The request has more than {limits.max_header_count} headers."
                )
            headers.append(_parse_header_line(line.decode("latin-1")))
    except TimeoutError:
        raise RequestTimeout("The client took too long to send the request headers.") from None


def _parse_header_line(text: str) -> tuple[str, str]:
    if text[0] in " \t":
        # SECURITY: obsolete line folding is a known request smuggling vector;
        # RFC 9112 §5.2 lets a server reject it.
        raise BadRequest("Folded header lines (obs-fold) are not accepted.")
    name, sep, value = text.partition(":")
    if not sep or not _TOKEN_RE.match(name):
        # SECURITY: "Name : value" is refused (RFC 9112 §5.1), as proxies may
        # disagree on what it means.
        raise BadRequest(f"Malformed header line: {text[:40]!r}.")
    value = value.strip(" \t")
    if _BAD_VALUE_RE.search(value):
        raise BadRequest(f"The value of header {name!r} contains a control character.")
    return name, value


class BodyReader(io.RawIOBase):
    """A request body as a readable binary stream (``wsgi.input``).

    ``on_first_read`` runs before the first read that needs the socket; the
    server uses it to send ``100 Continue``. Any framing error raises an
    :class:`~erlen.http.exceptions.HTTPException` (400 or 408) and is kept in
    :attr:`error`, so the server can answer with it.
    """

    def __init__(self, rfile: Readable, on_first_read: Callable[[], None] | None = None) -> None:
        self._rfile = rfile
        self._on_first_read = on_first_read
        #: The error a read raised (the request's body is unusable after it).
        self.error: BadRequest | RequestTimeout | None = None
        #: Whether a read reached the socket (so ``100 Continue`` was sent).
        self.started = False

    def readable(self) -> bool:
        return True

    @property
    def expects_continue(self) -> bool:
        """True when the client waits for ``100 Continue`` before sending the body."""
        return self._on_first_read is not None

    @property
    def exhausted(self) -> bool:
        """True when the whole body has been read."""
        raise NotImplementedError

    def _start(self) -> None:
        if not self.started:
            self.started = True
            if self._on_first_read is not None:
                self._on_first_read()

    def _fail(self, error: BadRequest | RequestTimeout) -> BadRequest | RequestTimeout:
        self.error = error
        return error

    def _raw_read(self, size: int) -> bytes:
        if self.error is not None:
            raise self.error
        self._start()
        try:
            return self._rfile.read(size)
        except TimeoutError:
            raise self._fail(RequestTimeout("The client took too long to send the body.")) from None
        except (ConnectionError, OSError):
            raise self._fail(
                ClientDisconnected("The connection broke while reading the body.")
            ) from None

    def _raw_readline(self, size: int) -> bytes:
        if self.error is not None:
            raise self.error
        self._start()
        try:
            return self._rfile.readline(size)
        except TimeoutError:
            raise self._fail(RequestTimeout("The client took too long to send the body.")) from None
        except (ConnectionError, OSError):
            raise self._fail(
                ClientDisconnected("The connection broke while reading the body.")
            ) from None

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        parts: list[bytes] = []
        while True:
            data = self.read(64 * 1024)
            if not data:
                return b"".join(parts)
            parts.append(data)

    def drain(self, limit: int) -> bool:
        """Read and discard the rest of the body, at most ``limit`` bytes;
        True when the body is then fully read (the connection is reusable)."""
        if self.error is not None:
            return False
        seen = 0
        try:
            while not self.exhausted:
                if seen > limit:
                    return False
                data = self.read(min(64 * 1024, limit + 1 - seen))
                if not data:
                    break
                seen += len(data)
        except (BadRequest, RequestTimeout):
            return False
        return self.exhausted


class LimitedReader(BodyReader):
    """A body of ``length`` bytes (``Content-Length``). A client that sends
    less raises :class:`~erlen.http.exceptions.ClientDisconnected`."""

    def __init__(
        self, rfile: Readable, length: int, on_first_read: Callable[[], None] | None = None
    ) -> None:
        super().__init__(rfile, on_first_read)
        self.length = length
        #: Bytes of the body not read yet.
        self.remaining = length

    @property
    def exhausted(self) -> bool:
        return self.remaining == 0

    def drain(self, limit: int) -> bool:
        # A known leftover above the limit is not read at all: closing is
        # cheaper than receiving it.
        return self.remaining <= limit and super().drain(limit)

    def read(self, size: int | None = -1) -> bytes:
        if self.remaining == 0:
            return b""
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        if size == 0:
            return b""
        data = self._raw_read(size)
        if len(data) < size:
            raise self._fail(
                ClientDisconnected(
                    f"The client sent {self.length - self.remaining + len(data)} of the"
                    f" {self.length} body bytes it announced, then closed the connection."
                )
            )
        self.remaining -= len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        if self.remaining == 0 or size == 0:
            return b""
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        data = self._raw_readline(size)
        if not data:
            raise self._fail(
                ClientDisconnected("The client closed the connection before sending the body.")
            )
        self.remaining -= len(data)
        return data


class ChunkedReader(BodyReader):
    """A body sent with ``Transfer-Encoding: chunked``, decoded. Chunk
    extensions are ignored; trailers are read (within limits) and dropped."""

    def __init__(
        self, rfile: Readable, limits: Limits, on_first_read: Callable[[], None] | None = None
    ) -> None:
        super().__init__(rfile, on_first_read)
        self._limits = limits
        self._left = 0
        self._done = False

    @property
    def exhausted(self) -> bool:
        return self._done

    def _next_chunk(self) -> None:
        line = self._raw_readline(self._limits.max_chunk_line + 1)
        if len(line) > self._limits.max_chunk_line:
            raise self._fail(BadRequest("A chunk-size line of the chunked body is too long."))
        if not line.endswith(b"\n"):
            raise self._fail(ClientDisconnected("The client closed the connection mid-body."))
        size_text = line.split(b";", 1)[0].strip(b" \t\r\n").decode("latin-1")
        if not _HEX_RE.match(size_text):
            raise self._fail(BadRequest(f"Invalid chunk size {size_text[:20]!r} in the body."))
        self._left = int(size_text, 16)
        if self._left == 0:
            self._read_trailers()

    def _read_trailers(self) -> None:
        total = 0
        while True:
            line = self._raw_readline(self._limits.max_trailer_size + 1)
            total += len(line)
            if total > self._limits.max_trailer_size:
                raise self._fail(BadRequest("The trailers of the chunked body are too large."))
            if not line.endswith(b"\n"):
                raise self._fail(ClientDisconnected("The client closed the connection mid-body."))
            if line in (b"\r\n", b"\n"):
                self._done = True
                return

    def _end_chunk(self) -> None:
        end = self._raw_read(2)
        if end == b"\r\n":
            return
        if len(end) < 2:
            raise self._fail(ClientDisconnected("The client closed the connection mid-body."))
        raise self._fail(BadRequest("A chunk of the body is not followed by CRLF."))

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        parts: list[bytes] = []
        while size > 0 and not self._done:
            if self._left == 0:
                self._next_chunk()
                continue
            want = min(size, self._left)
            data = self._raw_read(want)
            if not data:
                raise self._fail(ClientDisconnected("The client closed the connection mid-body."))
            parts.append(data)
            self._left -= len(data)
            size -= len(data)
            if self._left == 0:
                self._end_chunk()
        return b"".join(parts)

    def readline(self, size: int | None = -1) -> bytes:
        parts: list[bytes] = []
        limit = -1 if size is None else size
        while not self._done and limit != 0:
            if self._left == 0:
                self._next_chunk()
                continue
            want = self._left if limit < 0 else min(limit, self._left)
            data = self._raw_readline(want)
            if not data:
                raise self._fail(ClientDisconnected("The client closed the connection mid-body."))
            parts.append(data)
            self._left -= len(data)
            if limit > 0:
                limit -= len(data)
            if self._left == 0:
                self._end_chunk()
            if data.endswith(b"\n"):
                break
        return b"".join(parts)
