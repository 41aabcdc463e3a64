"""Incremental ``multipart/form-data`` decoding and encoding.

:class:`MultipartDecoder` does no I/O: the caller feeds it bytes as they
arrive and reads back events (a part's headers, chunks of its data, its end).
It finds boundaries and header lines with ``bytes.find`` (C speed, a slice per
piece of data), and is strict where RFC 2046 and RFC 7578 are: no garbage
before the first boundary, CRLF line breaks, token header names, no missing
closing boundary, a cap on parts, on part headers and on field sizes. Every
malformed body raises :class:`~erlen.http.exceptions.BadRequest`.

:func:`encode_multipart` builds a body, for the test client and for tests.
"""

from __future__ import annotations

import mimetypes
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from .datastructures import Headers
from .datastructures.headers import _trusted_headers
from .exceptions import BadRequest, RequestEntityTooLarge

__all__ = [
    "MultipartDecoder",
    "MultipartEvent",
    "PartData",
    "PartEnd",
    "PartStart",
    "encode_multipart",
    "parse_boundary",
]


@dataclass(frozen=True, slots=True)
class PartStart:
    """A part begins: its form ``name``, ``filename`` (``None`` for a plain field),
    ``content_type`` (``None`` when the part has no Content-Type) and all headers."""

    name: str
    filename: str | None
    content_type: str | None
    headers: Headers


@dataclass(frozen=True, slots=True)
class PartData:
    """A chunk of the current part's body."""

    data: bytes


@dataclass(frozen=True, slots=True)
class PartEnd:
    """The current part is complete."""


MultipartEvent = PartStart | PartData | PartEnd

_PART_END = PartEnd()

# RFC 2046 section 5.1.1: 1 to 70 of these, not ending in a space.
# COMPAT(werkzeug): up to 200 are accepted, since Werkzeug's own test client
# sometimes sends 71-75 (its boundary embeds two floats); still bounded.
# COMPAT(werkzeug): the other RFC 9110 token characters (!#$%&*^`|~) too, as
# an unquoted parameter may hold them and clients send them (WebTest's
# boundary ends in "$"); Werkzeug accepts any ASCII. Never ";", quotes,
# backslashes or controls.
_BOUNDARY_RE = re.compile(
    rb"[0-9A-Za-z'()+_,\-./:=?!#$%&*^`|~ ]{0,199}[0-9A-Za-z'()+_,\-./:=?!#$%&*^`|~]"
)
# COMPAT(flask): browsers escape these three in quoted names (HTML/Fetch spec);
# Werkzeug leaves them escaped, erlen decodes them as the Fetch spec's parser does.
_NAME_ESCAPES = {"%22": '"', "%0D": "\r", "%0A": "\n"}
_NAME_ESCAPE_RE = re.compile("%22|%0D|%0A")
_QUOTED_PAIR_RE = re.compile(r"\\([\\\"])")
_LIMIT_HEADER_COUNT = 16
_LIMIT_HEADER_SIZE = 8192
# Spaces and tabs a boundary between parts may carry before its CRLF (RFC 2046
# transport padding), and how many are accepted.
_PADDING = frozenset(b" \t")
_LIMIT_PADDING = 1024
# RFC 9110 token characters: a part header's name.
_HEADER_NAME_RE = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def parse_boundary(boundary: str | bytes | None) -> bytes:
    """Check a ``boundary`` parameter and return it as bytes.

    Raises :class:`BadRequest` when it is missing, empty, or not a valid
    RFC 2046 boundary (letters, digits or ``'()+_,-./:=?``, spaces allowed
    except at the end; up to 200 characters, where the RFC says 70). The
    other token characters ``!#$%&*^`|~`` are accepted as well, as
    Werkzeug does (it takes any ASCII).
    """
    if not boundary:
        raise BadRequest("The multipart/form-data body has a missing boundary.")
    if isinstance(boundary, str):
        try:
            boundary = boundary.encode("ascii")
        except UnicodeEncodeError:
            raise BadRequest("The multipart boundary contains invalid characters.") from None
    if _BOUNDARY_RE.fullmatch(boundary) is None:
        raise BadRequest("The multipart boundary contains invalid characters or is too long.")
    return boundary


def _decode_header_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Never fails, and keeps every byte recoverable.
        return raw.decode("latin-1")


def _unescape_name(value: str) -> str:
    if "\\" in value:
        value = _QUOTED_PAIR_RE.sub(r"\1", value)
    if "%" in value:
        value = _NAME_ESCAPE_RE.sub(lambda m: _NAME_ESCAPES[m.group()], value)
    return value


def _decode_ext_value(value: str) -> str | None:
    """Decode an RFC 2231/5987 ``charset'lang'%xx`` parameter, or ``None``."""
    charset, sep, rest = value.partition("'")
    _, sep2, encoded = rest.partition("'")
    charset = charset.strip().lower()
    # SECURITY: only the charsets RFC 8187 requires; the client must not pick
    # an arbitrary Python codec.
    if not (sep and sep2) or charset not in ("utf-8", "iso-8859-1"):
        return None
    try:
        return unquote_to_bytes(encoded).decode(charset)
    except UnicodeDecodeError:
        return None


def _parse_disposition(value: str) -> tuple[str, dict[str, str]]:
    """Split a Content-Disposition value into its type and parameters."""
    kind, _, rest = value.partition(";")
    params: dict[str, str] = {}
    extended: dict[str, str] = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in " \t;":
            i += 1
        eq = rest.find("=", i)
        if eq == -1:
            break
        key = rest[i:eq].strip().lower()
        i = eq + 1
        while i < n and rest[i] in " \t":
            i += 1
        if i < n and rest[i] == '"':
            # Quoted string: a backslash escapes the next character.
            j = i + 1
            while j < n and rest[j] != '"':
                j += 2 if rest[j] == "\\" else 1
            if j >= n:
                # Unterminated (often a Windows path ending in "\"): take up to
                # the last quote, or the rest.
                last = rest.rfind('"', i + 1)
                j = last if last != -1 else n
            raw = rest[i + 1 : j]
            param = _unescape_name(raw)
            i = j + 1
        else:
            semi = rest.find(";", i)
            j = n if semi == -1 else semi
            raw = param = rest[i:j].strip()
            i = j
        if key.endswith("*"):
            decoded = _decode_ext_value(raw)
            if decoded is not None:
                extended.setdefault(key[:-1], decoded)
        elif key:
            params.setdefault(key, param)
    # RFC 6266: the extended form wins over the plain one.
    params.update(extended)
    return kind.strip().lower(), params


class MultipartDecoder:
    """Turn a ``multipart/form-data`` body, fed in chunks, into events.

    ::

        decoder = MultipartDecoder(boundary, max_parts=1000, max_part_memory=500_000)
        decoder.feed(chunk)
        for event in decoder.events():
            ...  # PartStart, then PartData chunks, then PartEnd, for each part
        decoder.feed(b"")  # end of input

    ``max_parts`` caps the number of parts and ``max_part_memory`` the size of
    one non-file part (a field); going over either raises
    :class:`RequestEntityTooLarge`. A malformed body (garbage before the first
    boundary, bad part headers, bare LF line breaks, no closing boundary when
    input ends) raises :class:`BadRequest` with the reason. File parts are not
    size-limited here: the caller streams them wherever it likes. ``None``
    turns a limit off.
    """

    __slots__ = (
        "_boundary",
        "_buffer",
        "_data",
        "_data_size",
        "_delimiter",
        "_events",
        "_field",
        "_finished",
        "_headers",
        "_max_part_memory",
        "_max_parts",
        "_parts",
        "_state",
    )

    def __init__(
        self,
        boundary: str | bytes,
        max_parts: int | None = 1000,
        max_part_memory: int | None = 500_000,
    ) -> None:
        self._boundary = parse_boundary(boundary)
        # What ends a part's data: CRLF, "--", the boundary (then CRLF, or
        # "--" for the last one).
        self._delimiter = b"\r\n--" + self._boundary
        self._max_parts = max_parts
        self._max_part_memory = max_part_memory
        self._events: list[MultipartEvent] = []
        self._data: list[bytes] = []
        self._data_size = 0
        self._field = False
        self._headers: list[tuple[str, str]] = []
        self._parts = 0
        # Input not consumed yet: the start of a header line, or the end of
        # the data that may begin a delimiter (at most its length plus one).
        self._buffer = b""
        self._state = _PREAMBLE
        self._finished = False

    @property
    def complete(self) -> bool:
        """Whether the closing boundary has been seen."""
        return self._state == _END

    def feed(self, chunk: bytes) -> None:
        """Give the decoder the next bytes of the body; ``b""`` means the body ended.

        Raises :class:`BadRequest` for a malformed or truncated body and
        :class:`RequestEntityTooLarge` when a limit is exceeded.
        """
        if self._finished:
            if chunk:
                raise RuntimeError("MultipartDecoder.feed() called after the end of input.")
            return
        if not chunk:
            self._finished = True
            if self._state == _PREAMBLE:
                self._check_preamble(self._buffer, final=True)
            if self._state != _END:
                raise BadRequest(
                    "The multipart/form-data body is truncated: it ended before the closing "
                    "boundary."
                )
            return
        if self._state == _END:
            # Epilogue after the closing boundary: ignored, as RFC 2046 says.
            return
        if type(chunk) is not bytes:
            chunk = bytes(chunk)
        # PERF: a chunk is searched as it is; only a short leftover of the
        # previous one is put in front of it.
        data = self._buffer + chunk if self._buffer else chunk
        try:
            pos = self._parse(data)
        except _Malformed as e:
            raise BadRequest(f"The multipart/form-data body is malformed: {e}.") from None
        self._buffer = data[pos:] if pos < len(data) and self._state != _END else b""
        self._flush_data()

    def events(self) -> Iterable[MultipartEvent]:
        """Return (and forget) the events decoded since the last call."""
        events = self._events
        self._events = []
        return events

    def _check_preamble(self, head: bytes, *, final: bool) -> tuple[int, bool]:
        """Where the blank lines leading ``head`` end, or the first boundary
        after them, and whether that boundary has arrived in full."""
        # SECURITY: only blank lines may come before the first boundary, so
        # two parsers (a proxy's and ours) cannot disagree about where the
        # body starts. Skipped in one C pass (the pattern always matches,
        # maybe empty), and not kept between feeds.
        start = _BLANK_LINES.match(head).end()  # type: ignore[union-attr]
        if head[start:] == b"\r" and not final:
            return start, False
        expected = b"--" + self._boundary
        got = head[start : start + len(expected)]
        if not expected.startswith(got):
            raise BadRequest(
                "The multipart/form-data body has data before the first boundary, "
                "or its boundary does not match the Content-Type."
            )
        if len(got) < len(expected):
            if final:
                raise BadRequest("The multipart/form-data body ended before the first boundary.")
            return start, False
        return start + len(expected), True

    def _parse(self, data: bytes) -> int:
        """Decode what ``data`` holds; return where the unconsumed rest starts."""
        pos = 0
        size = len(data)
        while True:
            state = self._state
            if state == _DATA:
                pos, found = self._part_data(data, pos)
                if not found:
                    return pos
            elif state == _HEADERS:
                pos = self._part_headers(data, pos)
                if self._state == _HEADERS:
                    return pos
            elif state == _BOUNDARY_LINE:
                # The first boundary: CRLF (a part follows) or "--" (no parts).
                if size - pos < 2:
                    return pos
                ending = data[pos : pos + 2]
                if ending == b"\r\n":
                    self._begin_part()
                    pos += 2
                elif ending == b"--":
                    self._state = _END
                    return size
                else:
                    raise _Malformed("the first boundary is not followed by CRLF")
            elif state == _PREAMBLE:
                end, ready = self._check_preamble(data, final=False)
                if not ready:
                    return end
                self._state = _BOUNDARY_LINE
                pos = end
            else:
                return size

    def _part_data(self, data: bytes, pos: int) -> tuple[int, bool]:
        """Emit the data of the current part from ``pos``; return where to
        go on and whether its delimiter was found (the state then changed)."""
        delimiter = self._delimiter
        size = len(data)
        search = pos
        while True:
            at = data.find(delimiter, search)
            if at == -1:
                # Keep back a tail that may be the start of a delimiter: it
                # begins with the only CR a delimiter has.
                keep = data.rfind(b"\r", max(search, size - len(delimiter) + 1))
                end = keep if keep != -1 and delimiter.startswith(data[keep:]) else size
                self._add_data(data, pos, end)
                return end, False
            # After the boundary: CRLF (another part), "--" (the last one),
            # or RFC 2046 transport padding (spaces, tabs) and then CRLF.
            after = at + len(delimiter)
            end = after
            while end < size and data[end] in _PADDING:
                end += 1
            if end - after > _LIMIT_PADDING:
                raise _Malformed("a boundary is followed by too much padding")
            if size - end < 2:
                self._add_data(data, pos, at)
                return at, False
            ending = data[end : end + 2]
            if ending == b"\r\n" or (ending == b"--" and end == after):
                self._add_data(data, pos, at)
                self._flush_data()
                self._events.append(_PART_END)
                if ending == b"--":
                    self._state = _END
                    return size, True
                self._begin_part()
                return end + 2, True
            if end > after:
                raise _Malformed("a boundary's padding is not followed by CRLF")
            # COMPAT(werkzeug): the boundary followed by anything else is
            # data, as in Werkzeug and python-multipart.
            search = at + 1

    def _part_headers(self, data: bytes, pos: int) -> int:
        """Read header lines from ``pos``; on the blank line, start the part's data."""
        while True:
            end = data.find(b"\r\n", pos)
            if end == -1:
                if len(data) - pos > _LIMIT_HEADER_SIZE + 1:
                    raise _Malformed(f"a part header is longer than {_LIMIT_HEADER_SIZE} bytes")
                return pos
            if end == pos:
                self._headers_finished()
                return end + 2
            if end - pos > _LIMIT_HEADER_SIZE:
                raise _Malformed(f"a part header is longer than {_LIMIT_HEADER_SIZE} bytes")
            self._header_line(data[pos:end])
            pos = end + 2

    def _header_line(self, line: bytes) -> None:
        if len(self._headers) >= _LIMIT_HEADER_COUNT:
            raise _Malformed(f"a part has more than {_LIMIT_HEADER_COUNT} headers")
        colon = line.find(b":")
        if colon == -1:
            raise _Malformed("a part header line has no colon (or a line break is not CRLF)")
        raw_name = line[:colon]
        if _HEADER_NAME_RE.fullmatch(raw_name) is None:
            raise _Malformed("a part header name is empty or has an invalid character")
        raw_value = line[colon + 1 :]
        if b"\r" in raw_value:
            raise _Malformed("a part header has a CR without an LF; line breaks must be CRLF")
        name = raw_name.decode("latin-1")
        value = _decode_header_text(raw_value).strip(" \t")
        # SECURITY: a bare LF or a NUL would otherwise reach Headers (and
        # maybe a response) intact.
        if "\n" in value or "\0" in value:
            raise BadRequest(
                f"The multipart part header {name!r} contains a line break or NUL byte."
            )
        self._headers.append((name, value))

    def _begin_part(self) -> None:
        self._parts += 1
        if self._max_parts is not None and self._parts > self._max_parts:
            raise RequestEntityTooLarge(
                f"The multipart/form-data body has more than {self._max_parts} parts."
            )
        self._headers = []
        self._state = _HEADERS

    def _headers_finished(self) -> None:
        # The names are tokens and the values hold no CR, LF or NUL: what
        # Headers would check.
        headers = _trusted_headers(self._headers)
        disposition = headers.get("Content-Disposition")
        if disposition is None:
            raise BadRequest("A multipart/form-data part has no Content-Disposition header.")
        params = _disposition_params(disposition)
        filename = params.get("filename")
        self._field = filename is None
        self._data_size = 0
        self._events.append(
            PartStart(
                name=params.get("name", ""),
                filename=filename,
                content_type=headers.get("Content-Type"),
                headers=headers,
            )
        )
        self._state = _DATA

    def _add_data(self, data: bytes, start: int, end: int) -> None:
        if end <= start:
            return
        self._data_size += end - start
        if (
            self._field
            and self._max_part_memory is not None
            and self._data_size > self._max_part_memory
        ):
            raise RequestEntityTooLarge(
                f"A multipart/form-data field is larger than {self._max_part_memory} bytes."
            )
        # A slice of the whole is the bytes object itself: no copy.
        self._data.append(data[start:end])

    def _flush_data(self) -> None:
        if self._data:
            data = self._data[0] if len(self._data) == 1 else b"".join(self._data)
            self._data = []
            self._events.append(PartData(data))


class _Malformed(Exception):
    """A syntax error in the body; :meth:`MultipartDecoder.feed` makes it a 400."""


_BLANK_LINES = re.compile(rb"(?:\r\n)*")

# The decoder's states, in the order a body goes through them.
_PREAMBLE, _BOUNDARY_LINE, _HEADERS, _DATA, _END = range(5)

#: Parsed Content-Disposition values: forms send the same few again and again.
_DISPOSITIONS: dict[str, dict[str, str]] = {}


def _disposition_params(value: str) -> dict[str, str]:
    """The parameters of a part's Content-Disposition (do not change the dict)."""
    params = _DISPOSITIONS.get(value)
    if params is None:
        params = _parse_disposition(value)[1]
        # SECURITY: the values come from clients; bounded, and long ones
        # (file names) are not kept.
        if len(value) <= 256 and len(_DISPOSITIONS) < 512:
            _DISPOSITIONS[value] = params
    return params


def _quote_name(value: str) -> bytes:
    if "\0" in value:
        raise ValueError("A multipart field name or filename cannot contain a NUL byte.")
    value = value.replace("\\", "\\\\").replace('"', "%22")
    value = value.replace("\r", "%0D").replace("\n", "%0A")
    return value.encode("utf-8")


def _read_all(value: Any) -> bytes:
    stream = getattr(value, "stream", value)
    if hasattr(stream, "read"):
        # COMPAT(werkzeug): read in chunks, with a size, as Werkzeug does (a
        # file-like object may only take read(size)).
        chunks = []
        while chunk := stream.read(65536):
            chunks.append(chunk)
        data = chunks[0][:0].join(chunks) if chunks else b""
    else:
        data = stream
    if isinstance(data, str):
        return data.encode("utf-8")
    return bytes(data)


def _path_name(obj: Any) -> str | None:
    """The base name of an open file's path (``None`` for ``<stdin>`` and the like)."""
    name = getattr(obj, "name", None)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not isinstance(name, str) or (name.startswith("<") and name.endswith(">")):
        return None
    return os.path.basename(name)


def _file_parts(value: Any) -> tuple[bytes, str | None, str | None]:
    """Return ``(content, filename, content_type)`` of a file-like field value."""
    filename: str | None
    if isinstance(value, tuple):
        content = _read_all(value[0])
        filename = value[1] if len(value) > 1 else _path_name(value[0])
        content_type = value[2] if len(value) > 2 else None
    else:
        content = _read_all(value)
        if hasattr(value, "stream"):
            filename = getattr(value, "filename", None)
        else:
            filename = _path_name(value)
        content_type = getattr(value, "content_type", None)
    if content_type is None and filename:
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return content, filename, content_type


def encode_multipart(
    fields: Iterable[tuple[str, Any]], boundary: str | None = None
) -> tuple[bytes, str]:
    """Encode ``fields`` as a ``multipart/form-data`` body.

    ``fields`` is an iterable of ``(name, value)``: a ``str`` value is a text
    field (UTF-8), ``bytes`` a field sent as is, and a file is a
    :class:`FileStorage`-like object (``stream``, ``filename``,
    ``content_type``), an open binary file, or a ``(file_or_bytes, filename[,
    content_type])`` tuple. Returns ``(body, content_type)``::

        body, content_type = encode_multipart(
            [("title", "Hi"), ("file", (io.BytesIO(b"data"), "a.txt"))]
        )

    Without a ``boundary`` a random one is made. A given boundary that occurs
    in the content (as ``--boundary``) raises ``ValueError``.
    """
    parts: list[tuple[bytes, bytes]] = []
    for name, value in fields:
        header = b'Content-Disposition: form-data; name="' + _quote_name(name) + b'"'
        if isinstance(value, str):
            content = value.encode("utf-8")
        elif isinstance(value, bytes | bytearray | memoryview):
            content = bytes(value)
        else:
            content, filename, content_type = _file_parts(value)
            if filename is not None:
                header += b'; filename="' + _quote_name(filename) + b'"'
            if content_type:
                header += b"\r\nContent-Type: " + content_type.encode("latin-1")
        parts.append((header, content))

    if boundary is None:
        while True:
            boundary = f"----erlen{secrets.token_hex(16)}"
            delimiter = b"--" + boundary.encode("ascii")
            if not any(delimiter in content for _, content in parts):
                break
    else:
        delimiter = b"--" + parse_boundary(boundary)
        if any(delimiter in content for _, content in parts):
            raise ValueError("The multipart boundary occurs in the content.")

    out: list[bytes] = []
    for header, content in parts:
        out += (delimiter, b"\r\n", header, b"\r\n\r\n", content, b"\r\n")
    out += (delimiter, b"--\r\n")
    return b"".join(out), f"multipart/form-data; boundary={boundary}"
