"""The outgoing HTTP response, without any I/O of its own.

A :class:`Response` holds a status, :class:`Headers` and a body iterable.
The body is a ``str`` (sent as UTF-8), ``bytes``, any iterable of those
(streamed: a generator is sent chunk by chunk), or a :class:`FileWrapper`::

    resp = Response("Hello", mimetype="text/plain")
    resp.status              # '200 OK'
    resp.headers["Content-Type"]   # 'text/plain; charset=utf-8'
    resp.set_cookie("theme", "dark", httponly=True)

Adapters send ``status``, the headers as Werkzeug would send them
(``_wire_headers``: URIs in ``Location``, a Content-Length for a buffered
body) and ``iter_encoded()``, then call ``close()``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import IO, TYPE_CHECKING, Any, ClassVar, Literal, TypeVar, overload
from urllib.parse import urljoin

from markupsafe import escape

from ._numbers import digits_to_int
from .cookies import dump_cookie
from .datastructures import (
    ContentRange,
    ContentSecurityPolicy,
    Headers,
    HeaderSet,
    ResponseCacheControl,
    WWWAuthenticate,
)
from .datastructures._common import _CallbackDict
from .datastructures.headers import _header_str, _trusted_headers
from .exceptions import RequestedRangeNotSatisfiable
from .headers import (
    COEP,
    COOP,
    dump_csp_header,
    dump_options_header,
    generate_etag,
    http_date,
    parse_cache_control_header,
    parse_content_range_header,
    parse_csp_header,
    parse_date,
    parse_options_header,
    parse_set_header,
    quote_etag,
    unquote_etag,
)
from .status import HTTP_STATUS_CODES, clean_status
from .urls import iri_to_uri

if TYPE_CHECKING:
    from types import TracebackType

    from .request import Request

__all__ = ["FileWrapper", "Response", "ResponseStream", "redirect", "redirect_page"]

# Types that are text but do not start with "text/": they get a charset too.
_CHARSET_MIMETYPES = frozenset(
    {
        "application/ecmascript",
        "application/javascript",
        "application/sql",
        "application/xml",
        "application/xml-dtd",
        "application/xml-external-parsed-entity",
    }
)
# Headers describing the body; a 304 or 412 has no body, so they go.
_ENTITY_HEADERS = frozenset(
    {
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-md5",
        "content-range",
        "content-type",
        "last-modified",
    }
)


# 1xx and 204 responses must not carry these (RFC 9110 §8.6).
_NO_CONTENT_HEADERS = frozenset({"content-length", "content-type"})
# Headers holding a URL: sent as an ASCII URI, as Werkzeug does.
_URI_HEADERS = frozenset({"location", "content-location"})
_IS_LENGTH = 1
_IS_URI = 2
_IS_NEW = 4
# PERF: what each header name (as spelled) means to _wire_headers(): one
# dict hit per header instead of a lower() and two comparisons.
_NAME_KINDS: dict[str, int] = {"Content-Type": 0, "Content-Length": _IS_LENGTH}


def _name_kind(name: str) -> int:
    lname = name.lower()
    kind = _IS_LENGTH if lname == "content-length" else _IS_URI if lname in _URI_HEADERS else 0
    # SECURITY: bounded, in case an app derives header names from client input.
    if len(_NAME_KINDS) < 512:
        _NAME_KINDS[name] = kind
    return kind


def _fix_uri_headers(lst: list[tuple[str, str]], kinds: int) -> tuple[list[tuple[str, str]], int]:
    """A copy of ``lst`` with URLs made URIs, and the kinds of its names, all known."""
    if kinds & _IS_NEW:
        kinds = 0
        for name, _ in lst:
            kinds |= _name_kind(name)
    out = lst.copy()
    if kinds & _IS_URI:
        for i, (name, value) in enumerate(lst):
            kind = _NAME_KINDS.get(name)
            if (_name_kind(name) if kind is None else kind) == _IS_URI:
                out[i] = (name, iri_to_uri(value))
    return out, kinds


def _untouched_wire_headers(response: Response) -> list[tuple[str, str]] | None:
    """The adapters' common case: what :func:`_wire_headers` gives for a
    response of a plain class whose headers nobody read, with a length, on a
    status that has a body (not 1xx, 204 or 304), built from the Content-Type
    pair and length ``__init__`` kept, without the general checks. None for
    any other response (the caller then uses :func:`_wire_headers`)."""
    if (
        response._headers is not None
        or not response._plain_init
        or (length := response._length_value) is None
        or (code := response._status_code) < 200
        or code == 204
        or code == 304
    ):
        return None
    # PERF: _derived_header_list() inlined (its length is known here).
    type_header = response._type_header
    if type_header is None:
        return [("Content-Length", length)]
    return [type_header, ("Content-Length", length)]


def _wire_headers(response: Response) -> tuple[list[tuple[str, str]], bool]:
    """The header list to send for ``response``, and whether its status forbids a body.

    For the adapters. The response is not changed. COMPAT(flask): what
    Werkzeug does just before sending: ``Location`` and ``Content-Location``
    go through :func:`~erlen.http.urls.iri_to_uri` (a relative URL stays
    relative); a buffered body (list or tuple) without ``Content-Length``
    gets one, ``0`` for an empty ``Response()``, while a streamed body gets
    none. 1xx and 204 lose ``Content-Length`` and ``Content-Type``; a 304
    keeps only its validators and caching headers (RFC 9110 §15.4.5).
    """
    headers = response._headers
    if headers is None:
        # PERF: the headers __init__ derived, never read: a Content-Type
        # (validated) and a length, written with no checks and no Headers
        # object (hello world: 0.3 µs less).
        out = response._derived_header_list()
        kinds = 0 if response._length_value is None else _IS_LENGTH
    else:
        # PERF: the plain Headers class is read directly (what to_wsgi_list does).
        lst = headers._list if type(headers) is Headers else headers.to_wsgi_list()
        kinds = 0
        for item in lst:
            kinds |= _NAME_KINDS.get(item[0], _IS_NEW)
        if kinds == _IS_LENGTH:
            # PERF: the usual case (a length, no URL) copies the list and is done.
            out = lst.copy()
        else:
            out, kinds = _fix_uri_headers(lst, kinds)
    # PERF: the slot, not the property, unless a subclass overrides it (0.05 µs).
    status = response._status_code if response._plain_init else response.status_code
    if status < 200 or status == 204 or status == 304:
        dropped = _ENTITY_HEADERS if status == 304 else _NO_CONTENT_HEADERS
        return [(k, v) for k, v in out if k.lower() not in dropped], True
    if not kinds & _IS_LENGTH and response.automatically_set_content_length:
        body = response.response
        if isinstance(body, (list, tuple)):
            # PERF: an empty body (Response(), the OPTIONS reply) skips iter_encoded().
            length = sum(len(chunk) for chunk in response.iter_encoded()) if body else 0
            out.append(("Content-Length", str(length)))
    return out, False


def _content_type_for(mimetype: str) -> str:
    if mimetype.startswith("text/") or mimetype in _CHARSET_MIMETYPES or mimetype.endswith("+xml"):
        return f"{mimetype}; charset=utf-8"
    return mimetype


# PERF: a response's Content-Type comes from a handful of mimetypes; the
# validated header of each is built once.
_TYPE_HEADERS: dict[str, tuple[str, str]] = {}
# The status line of every known code, so a new response skips clean_status().
_STATUS_LINES: dict[int, str] = {code: clean_status(code)[0] for code in HTTP_STATUS_CODES}


def _cache_type_header(mimetype: str) -> tuple[str, str]:
    pair = ("Content-Type", _header_str(_content_type_for(mimetype), "values"))
    # SECURITY: bounded, in case an app derives mimetypes from client input.
    if len(_TYPE_HEADERS) < 256:
        _TYPE_HEADERS[mimetype] = pair
    return pair


def _encode(iterable: Iterable[str | bytes]) -> Iterator[bytes]:
    for item in iterable:
        yield item.encode() if isinstance(item, str) else item


def _slice_chunks(chunks: Iterable[bytes], start: int, length: int) -> Iterator[bytes]:
    """Yield bytes ``start`` to ``start + length`` of a stream of chunks."""
    pos = 0
    end = start + length
    for chunk in chunks:
        chunk_end = pos + len(chunk)
        if chunk_end > start:
            yield chunk[max(start - pos, 0) : end - pos]
        pos = chunk_end
        if pos >= end:
            break


class FileWrapper:
    """An iterable over a binary file, ``buffer_size`` bytes at a time.

    ``offset`` is where reading starts and ``length`` how many bytes are
    served (``None``: to the end). Adapters may hand ``file`` to the server's
    ``wsgi.file_wrapper`` or ``sendfile`` when ``offset`` is 0 and ``length``
    is ``None``. ``close()`` closes the file.
    """

    __slots__ = ("_remaining", "_started", "buffer_size", "file", "length", "offset")

    def __init__(
        self, file: IO[bytes], buffer_size: int = 8192, offset: int = 0, length: int | None = None
    ) -> None:
        if buffer_size <= 0:
            raise ValueError("buffer_size must be positive.")
        self.file = file
        self.buffer_size = buffer_size
        self.offset = offset
        self.length = length
        self._remaining = length
        self._started = False

    def __iter__(self) -> FileWrapper:
        return self

    def _start(self) -> None:
        self._started = True
        if not self.offset:
            return
        seekable = getattr(self.file, "seekable", None)
        if seekable is not None and seekable():
            self.file.seek(self.offset)
            return
        to_skip = self.offset
        while to_skip > 0:
            skipped = self.file.read(min(to_skip, self.buffer_size))
            if not skipped:
                break
            to_skip -= len(skipped)

    def __next__(self) -> bytes:
        if not self._started:
            self._start()
        size = self.buffer_size
        if self._remaining is not None:
            if self._remaining <= 0:
                raise StopIteration
            size = min(size, self._remaining)
        data = self.file.read(size)
        if not data:
            raise StopIteration
        if self._remaining is not None:
            self._remaining -= len(data)
        return data

    def read_all(self) -> bytes:
        """Everything left to serve, as one bytes object: for a bounded
        wrapper (``length`` set), one seek and one read when the file allows."""
        if self.length is not None:
            self.buffer_size = max(self.length, 1)
        # PERF: joining a single chunk returns that bytes object itself, no copy.
        return b"".join(self)

    def size(self) -> int | None:
        """The number of bytes this wrapper will serve, when it can be known."""
        if self.length is not None:
            return self.length
        try:
            fileno = self.file.fileno()
        except (AttributeError, OSError, ValueError):
            fileno = None
        if fileno is not None:
            try:
                return max(os.fstat(fileno).st_size - self.offset, 0)
            except OSError:
                return None
        seek = getattr(self.file, "seek", None)
        seekable = getattr(self.file, "seekable", None)
        if seek is not None and seekable is not None and seekable():
            here = self.file.tell()
            end = self.file.seek(0, 2)
            self.file.seek(here)
            return max(end - self.offset, 0)
        return None

    def seekable(self) -> bool:
        """Whether the file can seek: its own ``seekable()`` when it has one,
        else whether it has ``seek``."""
        seekable = getattr(self.file, "seekable", None)
        if seekable is not None:
            return bool(seekable())
        return hasattr(self.file, "seek")

    def seek(self, *args: Any) -> None:
        """Call the file's ``seek`` with ``args`` (nothing when it has none).

        Positions are the file's own. A seek before iteration starts replaces
        ``offset``: reading goes on from where the seek left the file.
        """
        seek = getattr(self.file, "seek", None)
        if seek is not None:
            seek(*args)
            self._started = True

    def tell(self) -> int | None:
        """The file's position, or ``None`` when it has no ``tell``."""
        tell = getattr(self.file, "tell", None)
        return None if tell is None else int(tell())

    def close(self) -> None:
        """Close the file."""
        close = getattr(self.file, "close", None)
        if close is not None:
            close()


class _ParamsDict(_CallbackDict[str]):
    """The dict of ``mimetype_params``: changing it rewrites Content-Type."""

    __slots__ = ()

    def __init__(self, data: Mapping[str, str], on_update: Callable[[_ParamsDict], None]) -> None:
        super().__init__(data)
        self.on_update = on_update


def _set_header_property(name: str, doc: str) -> Any:
    def fget(self: Response) -> HeaderSet:
        def on_update(header_set: HeaderSet) -> None:
            if header_set:
                self.headers[name] = header_set.to_header()
            elif name in self.headers:
                del self.headers[name]

        return parse_set_header(self.headers.get(name), on_update)

    def fset(self: Response, value: str | Iterable[str] | None) -> None:
        if not value:
            self.headers.pop(name, None)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = ", ".join(value)

    return property(fget, fset, doc=doc)


def _put_headers(headers: Headers, ops: tuple[tuple[str, str, bool], ...]) -> None:
    """Apply ``(name, value, only_if_missing)`` to ``headers`` in order, as
    ``headers.setdefault(name, value)`` (only_if_missing) or
    ``headers.set(name, value)`` would: the same list, from one lower-casing
    pass.

    The names must differ (case-insensitively) and the values be valid
    header text already. PERF: make_conditional wrote Date and
    Accept-Ranges, then Content-Range and Content-Length, through a lookup
    and three ``set`` scans with validation; then through one dict-driven
    rebuild per group (send_file's 206: 2.6 -> 0.9 µs for both groups).
    """
    lst = headers._list
    lowered = [pair[0].lower() for pair in lst]
    for name, value, only_if_missing in ops:
        key = name.lower()
        if key not in lowered:
            lst.append((name, value))
            lowered.append(key)
        elif not only_if_missing:
            # set(): the first one becomes the new header, in place...
            first = lowered.index(key)
            lst[first] = (name, value)
            if lowered.count(key) > 1:
                # ...and later ones with that name go (rare: a repeated name).
                keep = [i == first or low != key for i, low in enumerate(lowered)]
                lst[:] = [pair for pair, kept in zip(lst, keep, strict=True) if kept]
                lowered = [low for low, kept in zip(lowered, keep, strict=True) if kept]


def _optional_set_header_property(name: str, doc: str) -> Any:
    """A set-valued header as Werkzeug's CORS properties have it: None when
    the header is absent; else a :class:`HeaderSet` that writes back when
    changed. Setting None or an empty value removes the header."""
    plain = _set_header_property(name, doc)

    def fget(self: Response) -> HeaderSet | None:
        if name not in self.headers:
            return None
        return plain.fget(self)  # type: ignore[no-any-return]

    return property(fget, plain.fset, doc=doc)


_PolicyT = TypeVar("_PolicyT", COOP, COEP)
_ResponseT = TypeVar("_ResponseT", bound="Response")


def _policy_header_property(name: str, kind: type[_PolicyT], doc: str) -> Any:
    """A header holding one of ``kind``'s values, read as the enum member
    (``UNSAFE_NONE``, the browsers' default, when the header is absent or
    unknown, as Werkzeug reads it). Set a member or its text; None removes."""

    def fget(self: Response) -> _PolicyT:
        try:
            return kind(self.headers.get(name))
        except ValueError:
            return kind.UNSAFE_NONE

    def fset(self: Response, value: _PolicyT | str | None) -> None:
        if value is None:
            self.headers.pop(name, None)
        else:
            # ValueError for a text that is not one of the policy's values.
            self.headers[name] = kind(value).value

    return property(fget, fset, doc=doc)


def _str_header_property(name: str, doc: str) -> Any:
    def fget(self: Response) -> str | None:
        return self.headers.get(name)

    def fset(self: Response, value: str | None) -> None:
        if value is None:
            self.headers.pop(name, None)
        else:
            self.headers[name] = value

    return property(fget, fset, doc=doc)


def _date_header_property(name: str, doc: str) -> Any:
    def fget(self: Response) -> datetime | None:
        return parse_date(self.headers.get(name))

    def fset(self: Response, value: datetime | int | float | str | None) -> None:
        if value is None:
            self.headers.pop(name, None)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = http_date(value)

    return property(fget, fset, doc=doc)


def _absolute_location(items: list[tuple[str, str]], base_url: str) -> list[tuple[str, str]]:
    """``items`` with a relative ``Location`` joined to ``base_url``."""
    return [
        (name, urljoin(base_url, value)) if name.lower() == "location" else (name, value)
        for name, value in items
    ]


class ResponseStream:
    """The file object of :attr:`Response.stream`: ``write`` appends to the
    response's body."""

    mode = "wb+"

    def __init__(self, response: Response) -> None:
        self.response = response
        self.closed = False

    def write(self, value: bytes | str) -> int:
        """Append ``value`` (a ``str`` is encoded as UTF-8); return its length."""
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        response = self.response
        response._ensure_sequence()
        body: Any = response.response
        if type(body) is not list:
            # A tuple body: appended to as a list.
            body = response.response = list(body)
        body.append(value)
        response.headers.pop("Content-Length", None)
        return len(value)

    def writelines(self, lines: Iterable[bytes | str]) -> None:
        """Write each of ``lines``."""
        for line in lines:
            self.write(line)

    def close(self) -> None:
        """Refuse further writes (the response is not closed)."""
        self.closed = True

    def flush(self) -> None:
        """Nothing to flush; refused once closed, as for a file."""
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def isatty(self) -> bool:
        """Never a terminal."""
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        return False

    def tell(self) -> int:
        """The body's length so far, in bytes."""
        self.response._ensure_sequence()
        return sum(len(chunk) for chunk in self.response.iter_encoded())

    @property
    def encoding(self) -> str:
        """The encoding of ``str`` writes."""
        return "utf-8"


class Response:
    """An HTTP response: status, headers and a body.

    ``response`` is the body (see the module docstring); ``status`` an int or
    a status line; ``headers`` a :class:`Headers`, a dict or a list of pairs.
    Without ``content_type`` the ``mimetype`` (default :attr:`default_mimetype`)
    is used, with ``; charset=utf-8`` added for text types.
    """

    # No __slots__: the state lives in the instance __dict__, as on Werkzeug's
    # Response, because code adopts a response by sharing it
    # (Flask-Caching's CachedResponse: ``self.__dict__ = response.__dict__``)
    # and keeps its own attributes on one. CPython 3.11 keeps such attributes
    # in a compact values array until the dict itself is asked for, so this
    # costs the request path nothing measurable against slots (callgrind:
    # see the commit). The framework's subclass has the same layout, so a
    # toolkit response a view returns becomes the app's class by __class__
    # assignment instead of being copied into a new object; since that
    # assignment makes CPython build the dict, the app builds its stock error
    # pages in its own class from the start (HTTPException._page_response).

    #: The status used when none is given.
    default_status: ClassVar[int] = 200
    #: The mimetype used when neither ``mimetype`` nor ``content_type`` is given.
    default_mimetype: ClassVar[str | None] = "text/plain"
    #: Whether ``get_data`` may buffer a streamed body into a list.
    implicit_sequence_conversion: ClassVar[bool] = True
    #: Whether ``set_data`` also sets Content-Length.
    automatically_set_content_length: ClassVar[bool] = True
    #: COMPAT(flask): off, as in Werkzeug: a relative ``Location`` stays relative
    #: (valid, RFC 9110); it is only made an ASCII URI when sent.
    autocorrect_location_header: ClassVar[bool] = False
    #: The size above which :func:`dump_cookie` refuses or warns about a cookie.
    max_cookie_size: ClassVar[int] = 4093
    #: Has ``loads``; used by :meth:`get_json`.
    json_module: ClassVar[Any] = json
    # Whether __init__ may take its fast path and the adapters may read the
    # status slots directly and send the response with their own code:
    # set_data, the status properties and the WSGI methods are not
    # overridden (a subclass that overrides them gets them called).
    _plain_init: ClassVar[bool] = True
    # Whether the WSGI adapter must send the response by calling it, as
    # Flask does: __call__ or a method it calls is overridden (Flask-Sock's
    # response does nothing once the app has taken the connection).
    _custom_wsgi: ClassVar[bool] = False

    response: Iterable[bytes] | Iterable[str]
    direct_passthrough: bool
    _status: str
    _status_code: int
    # An empty tuple until call_on_close adds the first function.
    _on_close: list[Callable[[], Any]] | tuple[()]
    _closed: bool
    # The Headers object; None while the headers are still the two __init__
    # derived from its arguments, kept as values until something reads
    # ``headers`` (the adapters write them without building one).
    _headers: Headers | None
    _type_header: tuple[str, str] | None
    _length_value: str | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        custom = any(
            getattr(cls, name) is not getattr(Response, name)
            for name in ("__call__", "get_wsgi_response", "get_wsgi_headers", "get_app_iter")
        )
        if custom:
            # PERF: set only when true: one more entry in the dict of every
            # subclass (the app's Response too) measured +0.6k instructions
            # per request on hello, on WSGI and ASGI alike.
            cls._custom_wsgi = True
        cls._plain_init = (
            cls.set_data is Response.set_data
            and cls.status is Response.status
            and cls.status_code is Response.status_code
            and not custom
        )

    def __init__(
        self,
        response: Iterable[str] | Iterable[bytes] | str | bytes | bytearray | None = None,
        status: int | str | HTTPStatus | None = None,
        headers: Headers
        | Mapping[str, str | Iterable[str]]
        | Iterable[tuple[str, str]]
        | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        # PERF: class settings read from the class: CPython 3.11 reads a
        # class attribute through an instance by its slowest lookup.
        cls = type(self)
        if headers is None and cls._plain_init:
            # PERF: the common Response(body) / Response(body, mimetype=...)
            # path keeps its Content-Type header (from a cache) and length as
            # values; the Headers object is made when something reads
            # ``headers`` (see _wire_headers). With the status line from a
            # cache: 2.5 -> 0.55 µs for Response("Hi").
            if content_type is not None:
                self._type_header = ("Content-Type", _header_str(content_type, "values"))
            else:
                if mimetype is None:
                    mimetype = cls.default_mimetype
                if mimetype is None:
                    self._type_header = None
                else:
                    pair = _TYPE_HEADERS.get(mimetype)
                    if pair is None:
                        pair = _cache_type_header(mimetype)
                    self._type_header = pair
            self._headers = None
            self._length_value = None
            if status is None:
                status = cls.default_status
            if type(status) is int and (line := _STATUS_LINES.get(status)) is not None:
                self._status = line
                self._status_code = status
            else:
                self._status, self._status_code = clean_status(status)
            self.direct_passthrough = direct_passthrough
            self._on_close = ()
            self._closed = False
            if type(response) is str:
                response = response.encode()
            if type(response) is bytes:
                self.response = [response]
                if cls.automatically_set_content_length:
                    self._length_value = str(len(response))
                return
        else:
            self._headers = headers if isinstance(headers, Headers) else Headers(headers)
            if (
                self._plain_init
                and type(self._headers) is Headers
                and (type(response) is str or type(response) is bytes)
            ):
                self._init_text_with_headers(
                    response, status, mimetype, content_type, direct_passthrough
                )
                return
            if content_type is None:
                if mimetype is None and "Content-Type" not in self.headers:
                    mimetype = self.default_mimetype
                if mimetype is not None:
                    content_type = _content_type_for(mimetype)
            if content_type is not None:
                self.headers["Content-Type"] = content_type
            self.status = status if status is not None else self.default_status
            self.direct_passthrough = direct_passthrough
            self._on_close = ()
            self._closed = False
        if response is None:
            self.response = []
        elif isinstance(response, (str, bytes, bytearray)):
            self.set_data(response)
        elif hasattr(response, "__iter__"):
            self.response = response
        else:
            raise TypeError(
                f"A response body must be str, bytes or an iterable of them,"
                f" not {type(response).__name__}."
            )

    def _init_text_with_headers(
        self,
        body: str | bytes,
        status: int | str | HTTPStatus | None,
        mimetype: str | None,
        content_type: str | None,
        direct_passthrough: bool,
    ) -> None:
        """The rest of ``__init__`` for a str or bytes body with headers given
        (``return "Created", 201, {"Location": ...}``): the same headers in
        the same order as the general path, from one scan of the list.

        PERF: the general path checks for Content-Type, then sets it and
        Content-Length through two validated ``Headers.set`` scans
        (Response("x", 201, {"X-A": "1"}): 3.2 -> 1.6 µs).
        """
        headers = self._headers
        assert headers is not None
        has_type = has_length = False
        for name, _ in headers._list:
            lowered = name.lower()
            if lowered == "content-type":
                has_type = True
            elif lowered == "content-length":
                has_length = True
        if content_type is not None:
            headers.set("Content-Type", content_type)
        else:
            if mimetype is None and not has_type:
                mimetype = self.default_mimetype
            if mimetype is not None:
                pair = _TYPE_HEADERS.get(mimetype)
                if pair is None:
                    pair = _cache_type_header(mimetype)
                if has_type:
                    headers.set(*pair)
                else:
                    headers._list.append(pair)
        # The class keeps erlen's status property (_plain_init): its setter
        # takes a known code's line from the cache.
        self.status = self.default_status if status is None else status
        self.direct_passthrough = direct_passthrough
        self._on_close = ()
        self._closed = False
        data = body.encode() if isinstance(body, str) else body
        self.response = [data]
        if self.automatically_set_content_length:
            length = str(len(data))
            if has_length:
                headers.set("Content-Length", length)
            else:
                headers._list.append(("Content-Length", length))

    def __repr__(self) -> str:
        if self.is_sequence:
            body = f"{sum(len(chunk) for chunk in self.iter_encoded())} bytes"
        else:
            body = "streamed"
        return f"<{type(self).__name__} {body} [{self.status}]>"

    @property
    def headers(self) -> Headers:
        """The response headers (a :class:`Headers`); assignable."""
        headers = self._headers
        if headers is None:
            headers = self._headers = _trusted_headers(self._derived_header_list())
        return headers

    @headers.setter
    def headers(self, value: Headers) -> None:
        self._headers = value

    def _derived_header_list(self) -> list[tuple[str, str]]:
        """A new list of the headers ``__init__`` derived and kept as values
        (``_headers`` is None): the Content-Type pair and the length."""
        items = []
        if self._type_header is not None:
            items.append(self._type_header)
        if self._length_value is not None:
            items.append(("Content-Length", self._length_value))
        return items

    # -- status --------------------------------------------------------------

    @property
    def status(self) -> str:
        """The status line: ``"200 OK"``. Set it with an int or a string like ``"299 Custom"``."""
        return self._status

    @status.setter
    def status(self, value: int | str | HTTPStatus) -> None:
        # PERF: a known int code takes its line from the cache (0.4 µs less).
        if type(value) is int and (line := _STATUS_LINES.get(value)) is not None:
            self._status = line
            self._status_code = value
        else:
            self._status, self._status_code = clean_status(value)

    @property
    def status_code(self) -> int:
        """The status as an int."""
        return self._status_code

    @status_code.setter
    def status_code(self, code: int) -> None:
        if type(code) is int and (line := _STATUS_LINES.get(code)) is not None:
            self._status = line
            self._status_code = code
        else:
            self._status, self._status_code = clean_status(int(code))

    # -- body ----------------------------------------------------------------

    @property
    def is_streamed(self) -> bool:
        """Whether the body's length is unknown (a generator or a file)."""
        try:
            len(self.response)  # type: ignore[arg-type]
        except (TypeError, AttributeError):
            return True
        return False

    @property
    def is_sequence(self) -> bool:
        """Whether the body is a list or a tuple (buffered)."""
        return isinstance(self.response, (list, tuple))

    def iter_encoded(self) -> Iterator[bytes]:
        """The body as bytes chunks; ``str`` chunks are encoded as UTF-8."""
        return _encode(self.response)

    def make_sequence(self) -> None:
        """Buffer a streamed body into a list; its ``close`` still runs on :meth:`close`."""
        if not self.is_sequence:
            close = getattr(self.response, "close", None)
            self.response = list(self.iter_encoded())
            if close is not None:
                self.call_on_close(close)

    def _ensure_sequence(self) -> None:
        if self.is_sequence:
            return
        if self.direct_passthrough:
            raise RuntimeError(
                "The response body cannot be read: the response is in direct passthrough mode."
            )
        if not self.implicit_sequence_conversion:
            raise RuntimeError(
                "The response body is a stream and implicit_sequence_conversion is off;"
                " call make_sequence() first."
            )
        self.make_sequence()

    @overload
    def get_data(self, as_text: Literal[False] = False) -> bytes: ...
    @overload
    def get_data(self, as_text: Literal[True]) -> str: ...
    def get_data(self, as_text: bool = False) -> bytes | str:
        """The whole body as bytes (or text with ``as_text``).

        A streamed body is consumed once and kept, so later reads see the same data.
        """
        self._ensure_sequence()
        data = b"".join(self.iter_encoded())
        return data.decode("utf-8", "replace") if as_text else data

    def set_data(self, value: str | bytes | bytearray) -> None:
        """Replace the body (a ``str`` is encoded as UTF-8) and set Content-Length."""
        data = value.encode() if isinstance(value, str) else bytes(value)
        self.response = [data]
        if self.automatically_set_content_length:
            self.headers["Content-Length"] = str(len(data))

    @property
    def data(self) -> bytes:
        """The body as bytes; assigning sets it (see :meth:`set_data`)."""
        return self.get_data()

    @data.setter
    def data(self, value: str | bytes | bytearray) -> None:
        self.set_data(value)

    def calculate_content_length(self) -> int | None:
        """The body's length when it is buffered (or can be), else ``None``."""
        try:
            self._ensure_sequence()
        except RuntimeError:
            return None
        return sum(len(chunk) for chunk in self.iter_encoded())

    def freeze(self) -> None:
        """Buffer the body, set Content-Length and add an ETag (for caching it)."""
        close = getattr(self.response, "close", None)
        if not self.is_sequence and close is not None:
            self.call_on_close(close)
        self.response = list(self.iter_encoded())
        self.headers["Content-Length"] = str(sum(len(chunk) for chunk in self.response))
        self.add_etag()

    @property
    def is_json(self) -> bool:
        """Whether the mimetype is ``application/json`` or ``application/*+json``."""
        mimetype = self.mimetype or ""
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` when it is not JSON (for tests)."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False) -> Any:
        """Parse the body as JSON; ``None`` when the mimetype is not JSON unless ``force``.

        Invalid JSON raises :class:`ValueError` unless ``silent``.
        """
        if not (force or self.is_json):
            return None
        try:
            return self.json_module.loads(self.get_data())
        except ValueError:
            if silent:
                return None
            raise

    # -- closing ---------------------------------------------------------------

    def call_on_close(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Run ``func`` when the response is closed (after it was sent). Usable as a decorator."""
        on_close = self._on_close
        if isinstance(on_close, tuple):
            on_close = self._on_close = []
        on_close.append(func)
        return func

    def close(self) -> None:
        """Close the body (if it has ``close``) and run the ``call_on_close`` functions, once."""
        if self._closed:
            return
        self._closed = True
        close = getattr(self.response, "close", None)
        try:
            if close is not None:
                close()
        finally:
            for func in self._on_close:
                func()

    def __enter__(self) -> Response:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- as a WSGI application -------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Send this response as a WSGI application: ``return response(environ,
        start_response)`` from WSGI middleware, as with Werkzeug's."""
        app_iter, status, headers = self.get_wsgi_response(environ)
        start_response(status, headers)
        return app_iter

    def get_wsgi_headers(self, environ: Mapping[str, Any]) -> Headers:
        """The headers as they are sent for the request ``environ`` (the
        response is not changed): URLs in ``Location`` and
        ``Content-Location`` as ASCII URIs, ``Location`` made absolute
        against the request's URL when :attr:`autocorrect_location_header`
        is set, a ``Content-Length`` for a buffered body, none of the
        entity headers a 1xx, 204 or 304 must not carry."""
        items, _ = _wire_headers(self)
        if self.autocorrect_location_header:
            from .wsgi import _current_url  # the WSGI glue imports this module

            items = _absolute_location(items, _current_url(environ, strip_querystring=True))
        return _trusted_headers(items)

    def get_app_iter(self, environ: Mapping[str, Any]) -> Iterable[bytes]:
        """The body to hand to a WSGI server for the request ``environ``:
        empty for ``HEAD`` and for 1xx, 204 and 304 responses; closing it
        closes this response (its body and ``call_on_close`` functions)."""
        from .wsgi import ClosingIterator  # the WSGI glue imports this module

        status = self.status_code
        body: Iterable[bytes]
        if environ.get("REQUEST_METHOD") == "HEAD" or status < 200 or status in (204, 304):
            body = ()
        elif self.direct_passthrough:
            body = self.response  # type: ignore[assignment]
        else:
            body = self.iter_encoded()
        return ClosingIterator(body, self.close)

    def get_wsgi_response(
        self, environ: Mapping[str, Any]
    ) -> tuple[Iterable[bytes], str, list[tuple[str, str]]]:
        """``(app_iter, status, headers)`` for the request ``environ``: the
        body, the status line and the header list a WSGI server is given."""
        headers = self.get_wsgi_headers(environ)
        return self.get_app_iter(environ), self.status, headers.to_wsgi_list()

    @classmethod
    def from_app(
        cls: type[_ResponseT],
        app: Callable[..., Iterable[bytes]],
        environ: Mapping[str, Any],
        buffered: bool = False,
    ) -> _ResponseT:
        """Call the WSGI application ``app`` for ``environ`` and return what
        it answers as a response of this class (see
        :func:`~erlen.http.wsgi.run_wsgi_app`; ``buffered`` reads the whole
        body first)."""
        from .wsgi import run_wsgi_app  # the WSGI glue imports this module

        app_iter, status, headers = run_wsgi_app(app, environ, buffered)
        return cls(app_iter, status, headers)

    @classmethod
    def force_type(
        cls: type[_ResponseT], response: Any, environ: Mapping[str, Any] | None = None
    ) -> _ResponseT:
        """Make ``response`` an instance of this class: a toolkit response has
        its class changed (the same object, nothing copied); any other WSGI
        application is run for ``environ`` (required then) and its answer
        becomes a new response."""
        if not isinstance(response, Response):
            from .wsgi import run_wsgi_app  # the WSGI glue imports this module

            if environ is None:
                raise TypeError(
                    "A WSGI application cannot be made a response without an environ"
                    " to call it with."
                )
            app_iter, status, headers = run_wsgi_app(response, environ)
            response = Response(app_iter, status, headers)
        try:
            response.__class__ = cls
        except TypeError:
            # A subclass with slots of its own: a new object around the same
            # body, which closes the old one.
            new = cls(response.response, response.status, response.headers)
            new.direct_passthrough = response.direct_passthrough
            new.call_on_close(response.close)
            return new
        return response  # type: ignore[no-any-return]

    @property
    def stream(self) -> ResponseStream:
        """A write-only file object appending to the body (which is buffered
        into a list first, as :meth:`get_data` does); writing drops
        ``Content-Length``, which is computed again when the response is sent."""
        stream: ResponseStream | None = self.__dict__.get("_response_stream")
        if stream is None:
            stream = self.__dict__["_response_stream"] = ResponseStream(self)
        return stream

    # -- content type and length ---------------------------------------------

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header."""
        return self.headers.get("Content-Type")

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            self.headers.pop("Content-Type", None)
        else:
            self.headers["Content-Type"] = value

    @property
    def mimetype(self) -> str | None:
        """The Content-Type without parameters, lower-cased. Setting it adds a charset to text types."""
        value = self.headers.get("Content-Type")
        if value is None:
            return None
        return value.split(";", 1)[0].strip().lower()

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers["Content-Type"] = _content_type_for(value)

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The Content-Type's parameters; changing the dict rewrites the header."""

        def on_update(params: _ParamsDict) -> None:
            self.headers["Content-Type"] = dump_options_header(self.mimetype or "", params)

        return _ParamsDict(
            parse_options_header(self.headers.get("Content-Type") or "")[1], on_update
        )

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` header as an int."""
        value = self.headers.get("Content-Length")
        return None if value is None else digits_to_int(value.strip())

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            self.headers.pop("Content-Length", None)
        else:
            self.headers["Content-Length"] = str(int(value))

    # -- cookies ---------------------------------------------------------------

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header. An invalid name or value raises :class:`ValueError`."""
        self.headers.add(
            "Set-Cookie",
            dump_cookie(
                key,
                value,
                max_age=max_age,
                expires=expires,
                path=path,
                domain=domain,
                secure=secure,
                httponly=httponly,
                samesite=samesite,
                partitioned=partitioned,
                max_size=self.max_cookie_size,
            ),
        )

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Tell the client to drop a cookie (same ``path`` and ``domain`` as when it was set)."""
        self.set_cookie(
            key,
            expires=0,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    # -- header properties -----------------------------------------------------

    location = _str_header_property(
        "Location",
        "Where a redirect points. Sent through iri_to_uri (``/a b`` goes out as"
        " ``/a%20b``); a relative URL stays relative.",
    )
    accept_ranges = _str_header_property(
        "Accept-Ranges", "The range units the resource supports (``bytes``)."
    )
    content_encoding = _str_header_property("Content-Encoding", "The body's encoding (``gzip``).")
    content_location = _str_header_property("Content-Location", "The body's own URL.")
    vary = _set_header_property("Vary", "Request headers the response depends on.")
    allow = _set_header_property("Allow", "The methods the resource supports.")
    content_language = _set_header_property("Content-Language", "The body's languages.")
    expires = _date_header_property("Expires", "When the response becomes stale (a datetime).")
    last_modified = _date_header_property("Last-Modified", "When the resource last changed.")
    date = _date_header_property("Date", "When the response was made.")
    cross_origin_opener_policy = _policy_header_property(
        "Cross-Origin-Opener-Policy",
        COOP,
        "Whether other origins' windows may keep a reference to this one (a :class:`COOP`).",
    )
    cross_origin_embedder_policy = _policy_header_property(
        "Cross-Origin-Embedder-Policy",
        COEP,
        "Whether the page may load cross-origin resources that did not opt in (a :class:`COEP`).",
    )
    content_md5 = _str_header_property(
        "Content-MD5", "A base64 MD5 digest of the body (RFC 1864, obsolete); not computed."
    )
    # CORS (the Fetch standard): what a cross-origin caller may do with this response.
    access_control_allow_origin = _str_header_property(
        "Access-Control-Allow-Origin", "The origin allowed to read the response (or ``*``)."
    )
    access_control_allow_headers = _optional_set_header_property(
        "Access-Control-Allow-Headers", "The request headers a preflight allows."
    )
    access_control_allow_methods = _optional_set_header_property(
        "Access-Control-Allow-Methods", "The methods a preflight allows."
    )
    access_control_expose_headers = _optional_set_header_property(
        "Access-Control-Expose-Headers", "The response headers the caller's script may read."
    )

    @property
    def access_control_allow_credentials(self) -> bool:
        """Whether the caller may send credentials (``Access-Control-Allow-Credentials:
        true``); setting False removes the header, as the standard has no "false"."""
        return self.headers.get("Access-Control-Allow-Credentials") == "true"

    @access_control_allow_credentials.setter
    def access_control_allow_credentials(self, value: bool | None) -> None:
        if value is True:
            self.headers["Access-Control-Allow-Credentials"] = "true"
        else:
            self.headers.pop("Access-Control-Allow-Credentials", None)

    @property
    def access_control_max_age(self) -> int | None:
        """How many seconds a preflight's answer may be cached
        (``Access-Control-Max-Age``)."""
        value = self.headers.get("Access-Control-Max-Age")
        return None if value is None else digits_to_int(value.strip())

    @access_control_max_age.setter
    def access_control_max_age(self, value: int | timedelta | None) -> None:
        if value is None:
            self.headers.pop("Access-Control-Max-Age", None)
        else:
            seconds = int(value.total_seconds()) if isinstance(value, timedelta) else int(value)
            self.headers["Access-Control-Max-Age"] = str(seconds)

    @property
    def age(self) -> timedelta | None:
        """The ``Age`` header as a :class:`~datetime.timedelta`."""
        value = self.headers.get("Age")
        seconds = None if value is None else digits_to_int(value.strip())
        if seconds is None:
            return None
        try:
            return timedelta(seconds=seconds)
        except OverflowError:
            # More seconds than a timedelta holds (about 2.7 million years).
            return None

    @age.setter
    def age(self, value: timedelta | int | None) -> None:
        if value is None:
            self.headers.pop("Age", None)
        else:
            seconds = int(value.total_seconds()) if isinstance(value, timedelta) else int(value)
            if seconds < 0:
                raise ValueError("Age cannot be negative.")
            self.headers["Age"] = str(seconds)

    @property
    def retry_after(self) -> datetime | None:
        """``Retry-After`` as an aware datetime (a number of seconds counts from now)."""
        value = self.headers.get("Retry-After")
        if value is None:
            return None
        value = value.strip()
        if value.isascii() and value.isdigit():
            seconds = digits_to_int(value)
            if seconds is None:
                return None  # more digits than int() converts
            try:
                return datetime.now(UTC) + timedelta(seconds=seconds)
            except OverflowError:
                # Past the year 9999 (or too many digits): no usable time.
                return None
        return parse_date(value)

    @retry_after.setter
    def retry_after(self, value: datetime | int | str | None) -> None:
        if value is None:
            self.headers.pop("Retry-After", None)
        elif isinstance(value, datetime):
            self.headers["Retry-After"] = http_date(value)
        else:
            self.headers["Retry-After"] = str(value)

    @property
    def cache_control(self) -> ResponseCacheControl:
        """The ``Cache-Control`` directives; setting an attribute rewrites the header."""

        def on_update(cache_control: ResponseCacheControl) -> None:
            if cache_control:
                self.headers["Cache-Control"] = cache_control.to_header()
            else:
                self.headers.pop("Cache-Control", None)

        return parse_cache_control_header(
            self.headers.get("Cache-Control"), on_update, ResponseCacheControl
        )

    def _csp(self, name: str) -> ContentSecurityPolicy:
        def on_update(csp: ContentSecurityPolicy) -> None:
            if csp:
                self.headers[name] = csp.to_header()
            else:
                self.headers.pop(name, None)

        return parse_csp_header(self.headers.get(name), on_update)

    def _set_csp(self, name: str, value: Mapping[str, str] | str | None) -> None:
        if not value:
            self.headers.pop(name, None)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = dump_csp_header(value)

    @property
    def content_security_policy(self) -> ContentSecurityPolicy:
        """The ``Content-Security-Policy`` directives; setting an attribute
        (``csp.default_src = "'self'"``) rewrites the header. Assign a
        string, a dict of directives or None."""
        return self._csp("Content-Security-Policy")

    @content_security_policy.setter
    def content_security_policy(self, value: Mapping[str, str] | str | None) -> None:
        self._set_csp("Content-Security-Policy", value)

    @property
    def content_security_policy_report_only(self) -> ContentSecurityPolicy:
        """``Content-Security-Policy-Report-Only``: a policy the browser
        reports violations of without enforcing it."""
        return self._csp("Content-Security-Policy-Report-Only")

    @content_security_policy_report_only.setter
    def content_security_policy_report_only(self, value: Mapping[str, str] | str | None) -> None:
        self._set_csp("Content-Security-Policy-Report-Only", value)

    @property
    def content_range(self) -> ContentRange | None:
        """The ``Content-Range`` header, parsed (None when absent or invalid).

        Changing it (``unset()``, ``set(...)``, ``.stop = n``) rewrites the
        header, or removes it when unset, as in Werkzeug.
        """

        def on_update(content_range: ContentRange) -> None:
            self.content_range = content_range

        return parse_content_range_header(self.headers.get("Content-Range"), on_update)

    @content_range.setter
    def content_range(self, value: ContentRange | str | None) -> None:
        if not value:
            # None, "" or an unset ContentRange: no header.
            self.headers.pop("Content-Range", None)
        elif isinstance(value, str):
            self.headers["Content-Range"] = value
        else:
            self.headers["Content-Range"] = value.to_header()

    @property
    def www_authenticate(self) -> WWWAuthenticate:
        """The first ``WWW-Authenticate`` challenge, live: changing it
        (``response.www_authenticate.realm = "app"``) rewrites that header
        line. Without the header it is an empty ``Basic`` challenge that adds
        the header once changed, as in Werkzeug.

        Assign a challenge, a header string, or a list of them (one header
        line each); assigning ``None`` or ``del`` removes the header. Every
        challenge: ``response.headers.getlist("WWW-Authenticate")``.
        """
        lines = self.headers.getlist("WWW-Authenticate")
        challenge = (WWWAuthenticate.from_header(lines[0]) if lines else None) or WWWAuthenticate(
            "basic"
        )

        def rewrite_first_line(changed: WWWAuthenticate) -> None:
            current = self.headers.getlist("WWW-Authenticate")
            self.www_authenticate = [changed.to_header(), *current[1:]]

        challenge.on_update = rewrite_first_line
        return challenge

    @www_authenticate.setter
    def www_authenticate(
        self, value: WWWAuthenticate | str | Iterable[WWWAuthenticate | str] | None
    ) -> None:
        self.headers.pop("WWW-Authenticate", None)
        if value is None:
            return
        items = [value] if isinstance(value, WWWAuthenticate | str) else list(value)
        for item in items:
            self.headers.add(
                "WWW-Authenticate", item if isinstance(item, str) else item.to_header()
            )

    @www_authenticate.deleter
    def www_authenticate(self) -> None:
        self.headers.pop("WWW-Authenticate", None)

    # -- ETags and conditional requests ----------------------------------------

    def set_etag(self, etag: str, weak: bool = False) -> None:
        """Set the ``ETag`` header (quoted; ``W/`` prefixed when ``weak``)."""
        self.headers["ETag"] = quote_etag(etag, weak)

    def get_etag(self) -> tuple[str, bool] | tuple[None, None]:
        """The ``ETag`` as ``(etag, is_weak)``, or ``(None, None)``."""
        value = self.headers.get("ETag")
        if value is None:
            return None, None
        return unquote_etag(value)

    def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ETag computed from the body, unless one is set (or ``overwrite``)."""
        if overwrite or "ETag" not in self.headers:
            self.set_etag(generate_etag(self.get_data()), weak)

    def _drop_body(self, status: int) -> None:
        close = getattr(self.response, "close", None)
        if close is not None:
            self.call_on_close(close)
        self.response = []
        self.status_code = status
        for name in {name.lower() for name, _ in self.headers.items()} & _ENTITY_HEADERS:
            del self.headers[name]

    def make_conditional(
        self,
        request: Request | dict[str, Any],
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> Response:
        """Answer the request's conditional headers; returns ``self``, changed in place.

        For GET and HEAD of a 2xx response: a failed ``If-Match`` or
        ``If-Unmodified-Since`` gives 412; a matching ``If-None-Match`` (weak
        comparison) or an ``If-Modified-Since`` not older than
        ``Last-Modified`` gives 304 without a body. Otherwise a single byte
        ``Range`` (honouring ``If-Range``) gives 206 with that slice;
        several ranges get the whole body; an unsatisfiable one raises
        :class:`RequestedRangeNotSatisfiable` (416). ``accept_ranges``
        (``True`` means ``"bytes"``) sets ``Accept-Ranges``;
        ``complete_length`` is the full size when the body cannot tell.
        ``request`` may also be a WSGI environ, as with Werkzeug.
        """
        try:
            method = request.method  # type: ignore[union-attr]
        except AttributeError:
            # PERF: an environ is the rare case; no type test on the usual one.
            from .request import Request

            request = Request(request)  # type: ignore[arg-type]
            method = request.method
        if method not in ("GET", "HEAD"):
            return self
        req: Request = request  # type: ignore[assignment]
        headers = self.headers
        # Whole seconds, so http_date answers from its cache within a second.
        date = ("Date", http_date(int(time.time())), True)
        ranges = None
        if accept_ranges:
            ranges = "bytes" if accept_ranges is True else _header_str(accept_ranges, "values")
        # PERF: with plain Headers, Date and Accept-Ranges wait in ``pending``
        # and go in with the 206's Content-Range and Content-Length, one
        # _put_headers for all four (the same list as applying them in turn,
        # since the names differ). Every other way out applies them first.
        pending: tuple[tuple[str, str, bool], ...] = ()
        if type(headers) is Headers and type(self).accept_ranges is Response.accept_ranges:
            pending = (date, ("Accept-Ranges", ranges, False)) if ranges else (date,)
        else:
            headers.setdefault("Date", date[1])
            if ranges:
                self.accept_ranges = ranges
        if not 200 <= self.status_code < 300:
            if pending:
                _put_headers(headers, pending)
            return self

        # PERF: the validators are parsed only when the request has a header
        # that needs them; a plain or Range-only request skips them all.
        req_headers = req.headers
        etag: str | None = None
        weak: bool | None = None
        last_modified: datetime | None = None
        has_if_match = "If-Match" in req_headers
        has_if_none_match = "If-None-Match" in req_headers
        has_if_range = "If-Range" in req_headers
        if has_if_match or has_if_none_match or has_if_range:
            etag, weak = self.get_etag()
        if (
            has_if_range
            or "If-Unmodified-Since" in req_headers
            or "If-Modified-Since" in req_headers
        ):
            last_modified = self.last_modified
            if last_modified is not None:
                last_modified = last_modified.replace(microsecond=0)

        if_match = req.if_match if has_if_match else None
        if if_match:
            failed = not (if_match.star_tag or (etag is not None and not weak and etag in if_match))
        else:
            since = req.if_unmodified_since if last_modified is not None else None
            failed = since is not None and last_modified is not None and last_modified > since
        if failed:
            if pending:
                _put_headers(headers, pending)
            self._precondition_failed()
            return self

        if_none_match = req.if_none_match if has_if_none_match else None
        if if_none_match:
            unchanged = if_none_match.star_tag or (
                etag is not None and if_none_match.contains_weak(etag)
            )
        else:
            since = req.if_modified_since if last_modified is not None else None
            unchanged = since is not None and last_modified is not None and last_modified <= since
        if unchanged:
            if pending:
                _put_headers(headers, pending)
            self._drop_body(304)
            return self

        if (
            accept_ranges
            and "Range" in req_headers
            and self._apply_range(
                req, etag, weak, last_modified, complete_length, has_if_range, pending
            )
        ):
            return self  # a 206, its Content-Length set (and ``pending`` applied)

        if pending:
            _put_headers(headers, pending)
        if self.automatically_set_content_length and "Content-Length" not in headers:
            length = self.calculate_content_length()
            if length is not None:
                headers["Content-Length"] = str(length)
        return self

    def _precondition_failed(self) -> None:
        self._drop_body(412)
        self.headers["Content-Length"] = "0"

    def _apply_range(
        self,
        request: Request,
        etag: str | None,
        weak: bool | None,
        last_modified: datetime | None,
        complete_length: int | None,
        has_if_range: bool,
        pending: tuple[tuple[str, str, bool], ...],
    ) -> bool:
        """Answer a single byte range with 206 (True), applying ``pending``
        header operations with its own; False when the whole body goes out
        (``pending`` left to the caller)."""
        if has_if_range:
            # RFC 9110 §13.1.5: If-Range needs a strong validator that matches
            # exactly; otherwise the whole, current representation is sent.
            if_range = request.if_range
            if if_range.etag is not None:
                sent_weak = request.headers.get("If-Range", "").lstrip().startswith(("W/", "w/"))
                if etag is None or weak or sent_weak or if_range.etag != etag:
                    return False
            elif if_range.date is not None:
                if last_modified is None or last_modified != if_range.date:
                    return False
            else:
                return False
        length = complete_length if complete_length is not None else self._body_length()
        if not length:
            return False
        rng = request.range
        bounds = None
        if rng is None:
            if not request.headers.get("Range", "").strip().lower().startswith("bytes="):
                return False
        else:
            if rng.units != "bytes" or len(rng.ranges) != 1:
                return False
            bounds = rng.range_for_length(length)
        if bounds is None:
            if pending:
                _put_headers(self.headers, pending)
            raise RequestedRangeNotSatisfiable(length)
        start, stop = bounds
        body = self.response
        if isinstance(body, FileWrapper):
            self.response = FileWrapper(
                body.file, body.buffer_size, body.offset + start, stop - start
            )
        elif self.is_sequence:
            self.response = [b"".join(self.iter_encoded())[start:stop]]
        else:
            close = getattr(body, "close", None)
            if close is not None:
                self.call_on_close(close)
            self.response = _slice_chunks(self.iter_encoded(), start, stop - start)
        self.status_code = 206
        content_range = ("Content-Range", f"bytes {start}-{stop - 1}/{length}", False)
        content_length = ("Content-Length", str(stop - start), False)
        headers = self.headers
        if type(headers) is Headers:
            _put_headers(headers, (*pending, content_range, content_length))
        else:
            headers["Content-Range"] = content_range[1]
            headers["Content-Length"] = content_length[1]
        return True

    def _body_length(self) -> int | None:
        body = self.response
        if isinstance(body, FileWrapper):
            return body.size()
        if self.is_sequence:
            return sum(len(chunk) for chunk in self.iter_encoded())
        return None


# The class under another name: redirect()'s argument is called Response.
_Response = Response


def redirect_page(location: str) -> str:
    """The HTML body of a redirect to ``location``: Werkzeug's "Redirecting..."
    page, word for word (the link HTML-escaped as given)."""
    shown = escape(location)
    return (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n"
        "<p>You should be redirected automatically to the target URL: "
        f'<a href="{shown}">{shown}</a>. If not, click the link.\n'
    )


def redirect(location: str, code: int = 302, Response: type[_Response] | None = None) -> _Response:
    """A response redirecting to ``location`` with :func:`redirect_page` as
    its body; ``Location`` carries it as an ASCII URI. ``Response`` is the
    class to make (the toolkit's by default), as Werkzeug names the argument."""
    response_class = _Response if Response is None else Response
    response = response_class(redirect_page(location), code, mimetype="text/html")
    response.headers["Location"] = iri_to_uri(location)
    return response
