"""Decode HTML form bodies (urlencoded and multipart) into fields and files, with limits."""

from __future__ import annotations

import codecs
import io
import tempfile
from collections.abc import Callable, Mapping
from typing import IO, Any, TypeAlias, overload
from urllib.parse import unquote_to_bytes

from ._numbers import digits_to_int
from .datastructures import FileStorage, ImmutableMultiDict
from .exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge
from .multipart import MultipartDecoder, PartData, PartEnd, PartStart, parse_boundary
from .urls import _percent_decode

__all__ = ["FormDataParser", "StreamFactory", "default_stream_factory", "parse_form_data"]

#: ``stream_factory(total_content_length, content_type, filename,
#: content_length)``: the file an uploaded file is written to.
StreamFactory: TypeAlias = Callable[[int | None, str | None, str | None, int | None], IO[bytes]]

#: Bytes read from the stream at a time.
CHUNK_SIZE = 64 * 1024

# COMPAT(flask): the charsets Werkzeug honours in a part's own Content-Type;
# anything else falls back to the form's charset.
_PART_CHARSETS = frozenset(("ascii", "us-ascii", "utf-8", "utf8", "iso-8859-1", "latin-1"))


def _empty() -> tuple[ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]:
    return ImmutableMultiDict(), ImmutableMultiDict()


def _too_large(what: str, limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(f"The {what} is larger than the limit of {limit} bytes.")


# Charsets (codecs' names) in which ASCII bytes mean ASCII text, so an ASCII
# body can be split as text before unescaping.
_ASCII_SUPERSETS = frozenset(("utf-8", "iso8859-1", "ascii", "cp1252"))


def _form_charset(options: Mapping[str, str]) -> str:
    if "charset" not in options:
        return "utf-8"
    charset = options.get("charset", "").strip().lower() or "utf-8"
    try:
        info = codecs.lookup(charset)
    except LookupError:
        raise BadRequest(f"The form's charset {charset!r} is unknown.") from None
    # SECURITY: only real text encodings; codecs.lookup also knows zlib, base64...
    if not getattr(info, "_is_text_encoding", True):
        raise BadRequest(f"The form's charset {charset!r} is not a text encoding.")
    return info.name


def _read_limited(
    stream: IO[bytes], content_length: int | None, max_content_length: int | None, limit: int | None
) -> bytes:
    """Read a whole (small) body, enforcing the content and form memory limits."""
    chunks: list[bytes] = []
    size = 0
    remaining = content_length
    while remaining is None or remaining > 0:
        want = CHUNK_SIZE if remaining is None else min(CHUNK_SIZE, remaining)
        chunk = stream.read(want)
        if not chunk:
            if remaining is not None:
                raise ClientDisconnected()
            break
        size += len(chunk)
        if max_content_length is not None and size > max_content_length:
            raise _too_large("request body", max_content_length)
        if limit is not None and size > limit:
            raise _too_large("form data", limit)
        chunks.append(chunk)
        if remaining is not None:
            remaining -= len(chunk)
    return b"".join(chunks)


def _decode_text(raw: bytes, charset: str, what: str) -> str:
    try:
        return raw.decode(charset)
    except UnicodeDecodeError as e:
        raise _not_text(what, charset, e) from None


def _not_text(what: str, charset: str, error: UnicodeDecodeError) -> BadRequest:
    return BadRequest(
        f"The {what} is not valid {charset} text (bad byte at position {error.start})."
    )


def _decode_field(raw: bytes, charset: str, name: str) -> str:
    # PERF: the message naming the field is only built when decoding fails.
    try:
        return raw.decode(charset)
    except UnicodeDecodeError as e:
        raise _not_text(f"form field {name!r}", charset, e) from None


def _parse_urlencoded(
    body: bytes, charset: str, max_parts: int | None
) -> ImmutableMultiDict[str, str]:
    if max_parts is not None and body.count(b"&") >= max_parts:
        pieces = sum(1 for item in body.split(b"&") if item)
        if pieces > max_parts:
            raise RequestEntityTooLarge(f"The form has more than {max_parts} fields.")
    pairs: list[tuple[str, str]] = []
    if charset in _ASCII_SUPERSETS and body.isascii():
        # PERF: an ASCII body (what browsers send) is split as text, "+" is
        # replaced once, and only fields with escapes are unquoted and decoded:
        # "name=J%C3%BCrgen+M&tag=a&tag=b" 6.6 -> 2.3 µs.
        text = body.decode("ascii")
        if "+" in text:
            text = text.replace("+", " ")
        append = pairs.append
        for piece in text.split("&"):
            if not piece:
                continue
            name, _, field = piece.partition("=")
            if "%" in name:
                name = _decode_text(_percent_decode(name), charset, "form field name")
            if "%" in field:
                field = _decode_field(_percent_decode(field), charset, name)
            append((name, field))
        return ImmutableMultiDict(pairs)
    for item in body.split(b"&"):
        if not item:
            continue
        key, _, value = item.partition(b"=")
        name = _decode_text(unquote_to_bytes(key.replace(b"+", b" ")), charset, "form field name")
        pairs.append(
            (name, _decode_field(unquote_to_bytes(value.replace(b"+", b" ")), charset, name))
        )
    return ImmutableMultiDict(pairs)


class _Part:
    """The part being received: its bytes so far (a field's, or a file's
    while it is small), or a file's spool on disk."""

    __slots__ = ("data", "disk", "is_file", "size", "start")

    def __init__(self, start: PartStart) -> None:
        self.start = start
        self.is_file = start.filename is not None
        self.disk: IO[bytes] | None = None
        self.size = 0
        self.data: list[bytes] = []


def _spool_to_disk(memory: list[bytes], spools: list[IO[bytes]]) -> IO[bytes]:
    # Small files stay in a BytesIO: no file descriptor, and nothing that warns
    # when user code never closes it (SpooledTemporaryFile does). The disk file
    # is closed by the FileStorage's owner (the request), or on error.
    disk = tempfile.TemporaryFile("w+b")  # noqa: SIM115
    spools.append(disk)
    disk.write(b"".join(memory))
    return disk


def _in_memory(data: list[bytes]) -> io.BytesIO:
    # PERF: a file's chunks joined once into a BytesIO that shares the bytes
    # (its read() returns them without a copy) rather than written into a
    # growing BytesIO: a 100 KB upload parsed and read ~3 µs less (the copy
    # on read alone cost 2 to 26 µs, depending on the allocator's state).
    if len(data) == 1:
        return io.BytesIO(data[0])
    return io.BytesIO(b"".join(data))


def _part_charset(start: PartStart, default: str) -> str:
    content_type = start.content_type
    if content_type and "charset" in content_type.lower():
        for param in content_type.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                charset = value.strip().strip('"').lower()
                if charset in _PART_CHARSETS:
                    return charset
    return default


def _parse_multipart(
    stream: IO[bytes],
    options: Mapping[str, str],
    content_length: int | None,
    max_content_length: int | None,
    max_form_memory_size: int | None,
    max_form_parts: int | None,
    spool_threshold: int,
    stream_factory: StreamFactory | None = None,
) -> tuple[ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]:
    boundary = parse_boundary(options.get("boundary"))
    charset = _form_charset(options)
    decoder = MultipartDecoder(
        boundary, max_parts=max_form_parts, max_part_memory=max_form_memory_size
    )
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, FileStorage]] = []
    spools: list[IO[bytes]] = []
    field_memory = 0
    part: _Part | None = None
    size = 0
    remaining = content_length
    # PERF: a body no larger than the spool threshold, whose parts would stay
    # in memory anyway, is read in one call: each part's data then arrives in
    # one piece, kept as it is instead of joined from 64 KiB pieces (a 100 KB
    # upload: 25 µs less, mostly the allocator's, not the copy's).
    read_size = CHUNK_SIZE
    if content_length is not None and CHUNK_SIZE < content_length <= spool_threshold:
        read_size = content_length

    try:
        while True:
            # PERF/SECURITY: bounded reads, never past Content-Length, so a
            # large upload streams to its spool instead of sitting in memory.
            if remaining is not None and remaining <= 0:
                chunk = b""
            else:
                want = read_size if remaining is None else min(read_size, remaining)
                chunk = stream.read(want)
                if chunk:
                    size += len(chunk)
                    if max_content_length is not None and size > max_content_length:
                        raise _too_large("request body", max_content_length)
                    if remaining is not None:
                        remaining -= len(chunk)
            decoder.feed(chunk)
            for event in decoder.events():
                if isinstance(event, PartData):
                    assert part is not None
                    if part.is_file:
                        part.size += len(event.data)
                        if part.disk is not None:
                            part.disk.write(event.data)
                        elif part.size > spool_threshold:
                            part.disk = _spool_to_disk(part.data, spools)
                            part.data = []
                            part.disk.write(event.data)
                        else:
                            part.data.append(event.data)
                    else:
                        field_memory += len(event.data)
                        if max_form_memory_size is not None and field_memory > max_form_memory_size:
                            raise _too_large("form data", max_form_memory_size)
                        part.data.append(event.data)
                elif isinstance(event, PartStart):
                    part = _Part(event)
                    if part.is_file and stream_factory is not None:
                        # The factory's file gets the whole part (no memory
                        # buffer first); the request's owner closes it.
                        part.disk = stream_factory(
                            content_length,
                            event.content_type,
                            event.filename,
                            digits_to_int(event.headers.get("Content-Length", "").strip()),
                        )
                        spools.append(part.disk)
                elif isinstance(event, PartEnd):
                    assert part is not None
                    start = part.start
                    if part.is_file:
                        file = part.disk
                        if file is None:
                            file = _in_memory(part.data)
                        else:
                            file.seek(0)
                        files.append(
                            (
                                start.name,
                                FileStorage(
                                    stream=file,
                                    filename=start.filename,
                                    name=start.name,
                                    content_type=start.content_type,
                                    headers=start.headers,
                                ),
                            )
                        )
                    else:
                        raw = b"".join(part.data)
                        fields.append(
                            (
                                start.name,
                                _decode_field(raw, _part_charset(start, charset), start.name),
                            )
                        )
                    part = None
            if not chunk:
                break
    except BaseException:
        for spool in spools:
            spool.close()
        raise
    return ImmutableMultiDict(fields), ImmutableMultiDict(files)


@overload
def parse_form_data(
    stream: IO[bytes] | None,
    mimetype: str,
    options: Mapping[str, str],
    content_length: int | None,
    *,
    max_content_length: int | None = None,
    max_form_memory_size: int | None = 500_000,
    max_form_parts: int | None = 1_000,
    spool_threshold: int = 500 * 1024,
    stream_factory: StreamFactory | None = None,
) -> tuple[ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]: ...
@overload
def parse_form_data(
    stream: dict[str, Any],
    stream_factory: StreamFactory | None = None,
    max_form_memory_size: int | None = None,
    max_content_length: int | None = None,
    cls: type[ImmutableMultiDict[Any, Any]] | None = None,
    silent: bool = True,
    *,
    max_form_parts: int | None = None,
) -> tuple[IO[bytes], ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]: ...
def parse_form_data(*args: Any, **kwargs: Any) -> Any:
    """Decode a form body into ``(form, files)``.

    ``mimetype`` and ``options`` are the request's parsed Content-Type
    (``options`` holds ``boundary`` and ``charset``). Handles
    ``application/x-www-form-urlencoded`` and ``multipart/form-data``; for any
    other type the stream is not read and both results are empty.

    At most ``content_length`` bytes are read, in 64 KiB chunks. Limits:

    - a body over ``max_content_length`` raises :class:`RequestEntityTooLarge` (413);
    - form fields (not files) over ``max_form_memory_size`` bytes in total, or
      more than ``max_form_parts`` fields or parts, raise 413;
    - a malformed, truncated or undecodable body, or a multipart body without
      a valid boundary, raises :class:`BadRequest` (400) saying why.

    Each uploaded file is a :class:`FileStorage` (with ``name``, ``filename``,
    ``content_type`` and ``headers``), kept in memory up to ``spool_threshold``
    bytes and spooled to a temporary file beyond. A part with a ``filename``
    parameter is a file even when the filename is empty, which is how browsers
    send an empty file input. Pass ``None`` to turn a limit off.

    ``stream_factory(total_content_length, content_type, filename,
    content_length)``, when given, makes the file each uploaded file is
    written to instead (Werkzeug's signature: the body's length, then the
    part's type, file name and length, each None when unknown); it must be
    writable, readable and seekable.

    COMPAT(werkzeug): ``parse_form_data(environ, stream_factory=None,
    max_form_memory_size=None, max_content_length=None, cls=None,
    silent=True, *, max_form_parts=None)`` reads a WSGI environ's body
    instead and returns ``(stream, form, files)``, as Werkzeug's does (see
    :class:`FormDataParser`).
    """
    if args and type(args[0]) is dict:
        environ, *rest = args
        return FormDataParser(*rest, **kwargs).parse_from_environ(environ)
    return _parse_form_data(*args, **kwargs)


def _parse_form_data(
    stream: IO[bytes] | None,
    mimetype: str,
    options: Mapping[str, str],
    content_length: int | None,
    *,
    max_content_length: int | None = None,
    max_form_memory_size: int | None = 500_000,
    max_form_parts: int | None = 1_000,
    spool_threshold: int = 500 * 1024,
    stream_factory: StreamFactory | None = None,
) -> tuple[ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]:
    """:func:`parse_form_data` for a body (not an environ)."""
    mimetype = mimetype.lower()
    if mimetype == "application/x-www-form-urlencoded":
        kind = "urlencoded"
    elif mimetype == "multipart/form-data":
        kind = "multipart"
    else:
        return _empty()
    if (
        max_content_length is not None
        and content_length is not None
        and content_length > max_content_length
    ):
        raise _too_large("request body", max_content_length)
    if stream is None or content_length == 0:
        return _empty()

    if kind == "urlencoded":
        charset = _form_charset(options)
        body = _read_limited(stream, content_length, max_content_length, max_form_memory_size)
        return _parse_urlencoded(body, charset, max_form_parts), ImmutableMultiDict()
    return _parse_multipart(
        stream,
        options,
        content_length,
        max_content_length,
        max_form_memory_size,
        max_form_parts,
        spool_threshold,
        stream_factory,
    )


def default_stream_factory(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None = None,
    content_length: int | None = None,
) -> IO[bytes]:
    """A file for one upload, as Werkzeug's default makes it: in memory when
    the whole body is known to be at most 500 KB, else a temporary file."""
    if total_content_length is None or total_content_length > 500 * 1024:
        return tempfile.TemporaryFile("w+b")
    return io.BytesIO()


class FormDataParser:
    """Werkzeug's form parser, for a request class to customise through
    ``form_data_parser_class`` / ``make_form_data_parser()``.

    ``stream_factory`` makes the file each upload is written to (None: small
    files in memory, larger ones spooled to disk); ``cls`` is the class of
    the form and files (``ImmutableMultiDict``). A malformed body raises
    :class:`BadRequest` unless ``silent``, which gives empty results instead
    (a body over a limit always raises :class:`RequestEntityTooLarge`).
    """

    def __init__(
        self,
        stream_factory: StreamFactory | None = None,
        max_form_memory_size: int | None = None,
        max_content_length: int | None = None,
        cls: type[ImmutableMultiDict[Any, Any]] | None = None,
        silent: bool = True,
        *,
        max_form_parts: int | None = None,
    ) -> None:
        self.stream_factory = stream_factory
        self.max_form_memory_size = max_form_memory_size
        self.max_content_length = max_content_length
        self.cls: type[ImmutableMultiDict[Any, Any]] = ImmutableMultiDict if cls is None else cls
        self.silent = silent
        self.max_form_parts = max_form_parts

    def parse_from_environ(
        self, environ: Mapping[str, Any]
    ) -> tuple[IO[bytes], ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]:
        """:meth:`parse` the body of a WSGI environ."""
        from .headers import parse_options_header

        mimetype, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
        length = digits_to_int(str(environ.get("CONTENT_LENGTH", "")).strip())
        stream = environ.get("wsgi.input") or io.BytesIO()
        return self.parse(stream, mimetype, length, options)

    def parse(
        self,
        stream: IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: Mapping[str, str] | None = None,
    ) -> tuple[IO[bytes], ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]:
        """``(stream, form, files)`` of a urlencoded or multipart body of
        ``content_length`` bytes (empty results for any other mimetype; the
        stream is returned as it is left)."""
        try:
            form, files = _parse_form_data(
                stream,
                mimetype,
                options or {},
                content_length,
                max_content_length=self.max_content_length,
                max_form_memory_size=self.max_form_memory_size,
                max_form_parts=self.max_form_parts,
                stream_factory=self.stream_factory,
            )
        except ClientDisconnected:
            raise  # not a malformed body: the client left
        except BadRequest:
            if not self.silent:
                raise
            return stream, self.cls(), self.cls()
        cls = self.cls
        if cls is not ImmutableMultiDict:
            return stream, cls(form.items(multi=True)), cls(files.items(multi=True))
        return stream, form, files
