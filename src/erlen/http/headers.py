"""Parse and write HTTP header values: options, lists, dates, Accept, ETags, Range, auth.

Every parser here is lenient with what clients send: a malformed value gives
None (or an empty result), never an exception, so a bad header can never turn
into a 500. The writers quote as needed and never produce CR, LF or NUL.

The names follow ``werkzeug.http``.
"""

from __future__ import annotations

import calendar
import email.utils
import hashlib
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any, TypeVar, overload
from urllib.parse import quote, unquote_to_bytes

from ._numbers import digits_to_int
from .datastructures import (
    Accept,
    Authorization,
    ContentRange,
    ContentSecurityPolicy,
    ETags,
    Headers,
    HeaderSet,
    IfRange,
    Range,
    RequestCacheControl,
    WWWAuthenticate,
    _CacheControl,
)
from .status import HTTP_STATUS_CODES

__all__ = [
    "COEP",
    "COOP",
    "HTTP_STATUS_CODES",
    "content_disposition",
    "dump_age",
    "dump_csp_header",
    "dump_header",
    "dump_options_header",
    "generate_etag",
    "http_date",
    "is_byte_range_valid",
    "is_entity_header",
    "is_hop_by_hop_header",
    "is_resource_modified",
    "parse_accept_header",
    "parse_age",
    "parse_authorization_header",
    "parse_cache_control_header",
    "parse_content_range_header",
    "parse_csp_header",
    "parse_date",
    "parse_dict_header",
    "parse_etags",
    "parse_if_range_header",
    "parse_list_header",
    "parse_options_header",
    "parse_range_header",
    "parse_set_header",
    "parse_www_authenticate_header",
    "quote_etag",
    "quote_header_value",
    "remove_entity_headers",
    "remove_hop_by_hop_headers",
    "unquote_etag",
    "unquote_header_value",
]

_AcceptT = TypeVar("_AcceptT", bound=Accept)


class COOP(Enum):
    """``Cross-Origin-Opener-Policy`` values (Werkzeug's names)."""

    UNSAFE_NONE = "unsafe-none"
    SAME_ORIGIN_ALLOW_POPUPS = "same-origin-allow-popups"
    SAME_ORIGIN = "same-origin"


class COEP(Enum):
    """``Cross-Origin-Embedder-Policy`` values (Werkzeug's names)."""

    UNSAFE_NONE = "unsafe-none"
    REQUIRE_CORP = "require-corp"


_CacheControlT = TypeVar("_CacheControlT", bound=_CacheControl)

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# One list item: runs of plain characters and quoted strings. An unterminated
# quoted string runs to the end, so a scan never backtracks (no ReDoS).
_ITEM_RE: dict[str, re.Pattern[str]] = {
    sep: re.compile(rf'(?:[^{sep}"]+|"(?:[^"\\]|\\.)*(?:"|\\?$))+', re.S) for sep in ",;"
}
_UNESCAPE = re.compile(r'\\([\\"])')
_EXT_KEY = re.compile(r"(?P<name>[^*]+)(?:\*(?P<index>[0-9]+))?(?P<ext>\*)?")

_HOP_BY_HOP = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    )
)
_ENTITY_HEADERS = frozenset(
    (
        "allow",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-range",
        "content-type",
        "expires",
        "last-modified",
    )
)


# --------------------------------------------------------------------------
# Quoting and generic structures
# --------------------------------------------------------------------------


def quote_header_value(value: Any, allow_token: bool = True) -> str:
    """Quote a value for a header unless it is a plain token.

    ``"a b"`` becomes ``'"a b"'`` with backslashes and quotes escaped;
    ``"utf-8"`` stays as it is (with ``allow_token=False`` it is quoted too).
    """
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    text = str(value)
    if allow_token and _TOKEN.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote_header_value(value: str, is_filename: bool = False) -> str:
    """Remove surrounding double quotes and undo ``\\"`` and ``\\\\`` escapes.

    ``is_filename`` keeps a UNC path (``"\\\\server\\share"``) as sent.
    """
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
        if is_filename and value[:2] == "\\\\":
            return value
        if "\\" in value:
            return _UNESCAPE.sub(r"\1", value)
    return value


def _split_items(value: str, sep: str) -> list[str]:
    """Split on ``sep`` outside quoted strings; items are stripped, empty ones dropped."""
    if '"' not in value:
        return [item for item in (part.strip() for part in value.split(sep)) if item]
    return [item for item in (m.group().strip() for m in _ITEM_RE[sep].finditer(value)) if item]


def parse_list_header(value: str | None) -> list[str]:
    """Split a comma-separated header into items; quoted items are unquoted.

    ``'a, "b, c", d'`` gives ``["a", "b, c", "d"]``; empty items are dropped.
    """
    if not value:
        return []
    return [unquote_header_value(item) for item in _split_items(value, ",")]


def _decode_ext_value(value: str) -> str | None:
    """Decode an RFC 2231 / RFC 5987 value: ``charset'lang'percent-encoded``."""
    value = unquote_header_value(value)
    parts = value.split("'", 2)
    if len(parts) != 3:
        return None
    charset, _, encoded = parts
    raw = unquote_to_bytes(encoded)
    try:
        return raw.decode(charset or "utf-8", "replace")
    except LookupError:
        return raw.decode("utf-8", "replace")


def parse_dict_header(value: str | None) -> dict[str, str | None]:
    """Parse ``a=b, c="d e", f`` into ``{"a": "b", "c": "d e", "f": None}``.

    Keys keep their case; ``key*=UTF-8''%C3%A9`` values (RFC 5987) are decoded.
    """
    result: dict[str, str | None] = {}
    if not value:
        return result
    for item in _split_items(value, ","):
        key, sep, val = item.partition("=")
        key = key.strip()
        if not key:
            continue
        if not sep:
            result[key] = None
            continue
        val = val.strip()
        if key.endswith("*"):
            decoded = _decode_ext_value(val)
            if decoded is not None:
                result[key[:-1]] = decoded
                continue
        result[key] = unquote_header_value(val)
    return result


def parse_set_header(
    value: str | None, on_update: Callable[[HeaderSet], None] | None = None
) -> HeaderSet:
    """Parse a comma-separated header (``Vary``, ``Allow``) into a :class:`HeaderSet`."""
    return HeaderSet(parse_list_header(value), on_update)


def parse_options_header(value: str | None) -> tuple[str, dict[str, str]]:
    """Split a header with options into its value and a dict of options.

    ``'text/html; charset="utf-8"'`` gives ``("text/html", {"charset": "utf-8"})``.
    Option names are lower-cased, quoted values unquoted, and RFC 2231 values
    decoded: ``filename*=UTF-8''%C3%A9.txt`` and continuations ``filename*0=``,
    ``filename*1=``; an extended ``name*`` wins over a plain ``name``. Options
    without ``=`` are ignored.
    """
    if not value:
        return "", {}
    if ";" not in value:
        return value.strip(), {}
    main, _, options = value.partition(";")
    if ";" not in options and '"' not in options and "*" not in options:
        # PERF: one plain option ("multipart/form-data; boundary=...", a new
        # boundary each request): without quotes, "*" or a second ";" the
        # general parse below gives exactly this (1.28 -> 0.33 µs).
        key, sep, val = options.partition("=")
        key = key.strip().lower()
        return main.strip(), ({key: val.strip()} if sep and key else {})
    return main.strip(), _parse_options(options)


def _parse_options(options: str) -> dict[str, str]:
    """The options of :func:`parse_options_header`: everything after the first ``;``."""
    plain: dict[str, str] = {}
    extended: dict[str, str] = {}
    continued: dict[str, dict[int, tuple[str, bool]]] = {}
    for part in _split_items(options, ";"):
        key, sep, val = part.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            continue
        val = val.strip()
        match = _EXT_KEY.fullmatch(key)
        if match is None or (match["index"] is None and match["ext"] is None):
            plain[key] = unquote_header_value(val)
        elif match["index"] is None:
            decoded = _decode_ext_value(val)
            if decoded is not None:
                extended[match["name"]] = decoded
        else:
            pieces = continued.setdefault(match["name"], {})
            pieces[int(match["index"])] = (val, match["ext"] is not None)
    for name, pieces in continued.items():
        joined = _join_continuations(pieces)
        if joined is not None:
            plain[name] = joined
    plain.update(extended)
    return plain


def _join_continuations(pieces: dict[int, tuple[str, bool]]) -> str | None:
    charset = "utf-8"
    raw = bytearray()
    index = 0
    while index in pieces:
        val, is_ext = pieces[index]
        if is_ext:
            if index == 0:
                parts = unquote_header_value(val).split("'", 2)
                if len(parts) != 3:
                    return None
                charset = parts[0] or "utf-8"
                val = parts[2]
            raw += unquote_to_bytes(val)
        else:
            raw += unquote_header_value(val).encode("utf-8")
        index += 1
    if not index:
        return None
    try:
        return raw.decode(charset, "replace")
    except LookupError:
        return raw.decode("utf-8", "replace")


# Characters left as they are in an RFC 5987 value (attr-char minus the percent sign).
_ATTR_CHAR_SAFE = "!#$&+-.^_`|~"


def dump_options_header(header: str | None, options: Mapping[str, Any]) -> str:
    """Join a value and its options: ``("text/html", {"charset": "utf-8"})`` → ``text/html; charset=utf-8``.

    Values are quoted as needed; ``None`` values are skipped. A non-ASCII value
    is written RFC 2231 style (``name*=UTF-8''%C3%A9``), with an ASCII
    ``filename=`` fallback before ``filename*``.
    """
    segments = [] if header is None else [header]
    for key, value in options.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else str(value)
        if text.isascii():
            segments.append(f"{key}={quote_header_value(text)}")
            continue
        if key == "filename":
            segments.append(f"filename={quote_header_value(_ascii_fallback(text))}")
        segments.append(f"{key}*=UTF-8''{quote(text, safe=_ATTR_CHAR_SAFE)}")
    return "; ".join(segments)


def dump_header(iterable: Mapping[str, Any] | Iterable[Any], allow_token: bool = True) -> str:
    """Write a list or dict as a comma-separated header.

    ``["a", "b c"]`` gives ``'a, "b c"'``; ``{"max-age": 60, "public": None}``
    gives ``"max-age=60, public"``.
    """
    if isinstance(iterable, Mapping):
        return ", ".join(
            key if value is None else f"{key}={quote_header_value(value, allow_token)}"
            for key, value in iterable.items()
        )
    return ", ".join(quote_header_value(item, allow_token) for item in iterable)


def _ascii_fallback(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    # SECURITY: control characters never reach a header value.
    text = "".join(ch for ch in text if 0x20 <= ord(ch) < 0x7F).strip()
    if not text or text.startswith("."):
        return "download" + text
    return text


def content_disposition(disposition: str, filename: str | None = None) -> str:
    """Build a ``Content-Disposition`` value for a download.

    An ASCII name is sent as ``filename="..."``. A non-ASCII name is sent as
    ``filename*=UTF-8''...`` (RFC 5987) after an ASCII fallback ``filename=``
    for old clients::

        content_disposition("attachment", "résumé.pdf")
        # attachment; filename="resume.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf
    """
    if not _TOKEN.fullmatch(disposition):
        raise ValueError(f"invalid disposition type {disposition!r}")
    if filename is None:
        return disposition
    clean = "".join(ch for ch in filename if ch >= " " and ch != "\x7f")
    if clean.isascii():
        return f"{disposition}; filename={quote_header_value(clean, allow_token=False)}"
    fallback = quote_header_value(_ascii_fallback(clean), allow_token=False)
    encoded = quote(clean, safe=_ATTR_CHAR_SAFE)
    return f"{disposition}; filename={fallback}; filename*=UTF-8''{encoded}"


def is_hop_by_hop_header(header: str) -> bool:
    """True for headers that apply to one connection only (``Connection``, ``Upgrade``...)."""
    return header.lower() in _HOP_BY_HOP


def is_entity_header(header: str) -> bool:
    """True for headers that describe the body (``Content-Type``, ``Content-Length``...)."""
    return header.lower() in _ENTITY_HEADERS


def remove_entity_headers(
    headers: Headers | list[tuple[str, str]],
    allowed: Iterable[str] = ("expires", "content-location"),
) -> None:
    """Remove the entity headers (see :func:`is_entity_header`) from ``headers``, in place.

    The names in ``allowed`` (any case) stay: by default ``Expires`` and
    ``Content-Location``, which a 304 response still sends. ``headers`` is a
    :class:`~erlen.http.datastructures.Headers` or a list of ``(name, value)``
    pairs; the order of what is kept does not change.
    """
    keep = {name.lower() for name in allowed}
    headers[:] = [
        (name, value)
        for name, value in headers
        if name.lower() in keep or not is_entity_header(name)
    ]


def remove_hop_by_hop_headers(headers: Headers | list[tuple[str, str]]) -> None:
    """Remove the hop-by-hop headers (see :func:`is_hop_by_hop_header`) from
    ``headers`` (a :class:`~erlen.http.datastructures.Headers` or a list of
    ``(name, value)`` pairs), in place; a proxy does this before forwarding."""
    headers[:] = [(name, value) for name, value in headers if not is_hop_by_hop_header(name)]


# --------------------------------------------------------------------------
# Accept and Cache-Control
# --------------------------------------------------------------------------


@overload
def parse_accept_header(value: str | None) -> Accept: ...
@overload
def parse_accept_header(value: str | None, cls: type[_AcceptT]) -> _AcceptT: ...
def parse_accept_header(value: str | None, cls: type[Accept] = Accept) -> Accept:
    """Parse an ``Accept*`` header into ``cls`` (:class:`~.MIMEAccept` for ``Accept``).

    Entries with an invalid or out-of-range ``q`` are ignored; ``q=0`` entries
    are kept (they mark a value as not acceptable). A missing header gives an
    empty result whose ``provided`` is False.
    """
    if not value:
        return cls(None)
    result: list[tuple[str, float]] = []
    for item in _split_items(value, ","):
        main, params = parse_options_header(item)
        if not main:
            continue
        quality = 1.0
        if "q" in params:
            # SECURITY: ASCII, starting with a digit: float() alone would also
            # take "0.5_1", "+.5", "inf" and digits of other scripts.
            q = params.pop("q")
            if not (q.isascii() and q[:1].isdigit() and "_" not in q):
                continue
            try:
                quality = float(q)
            except ValueError:
                continue
            if quality > 1:
                continue
        if params:
            main = dump_options_header(main, params)
        result.append((main, quality))
    return cls(result)


@overload
def parse_cache_control_header(
    value: str | None, on_update: Callable[[Any], None] | None = None
) -> RequestCacheControl: ...
@overload
def parse_cache_control_header(
    value: str | None, on_update: Callable[[Any], None] | None, cls: type[_CacheControlT]
) -> _CacheControlT: ...
@overload
def parse_cache_control_header(
    value: str | None, *, cls: type[_CacheControlT], on_update: Callable[[Any], None] | None = None
) -> _CacheControlT: ...
def parse_cache_control_header(
    value: str | None,
    on_update: Callable[[Any], None] | None = None,
    cls: type[_CacheControl] = RequestCacheControl,
) -> _CacheControl:
    """Parse a ``Cache-Control`` header into ``cls`` (request or response flavour).

    Directive names are lower-cased. ``on_update`` is called with the object
    after each later change.
    """
    if not value:
        return cls(None, on_update)
    return cls({key.lower(): val for key, val in parse_dict_header(value).items()}, on_update)


# --------------------------------------------------------------------------
# ETags and conditional requests
# --------------------------------------------------------------------------

_ETAG_ITEM = re.compile(r'(?:([Ww]/)\s*)?(?:"([^"]*)"|([^\s,"]+))')


def quote_etag(etag: str, weak: bool = False) -> str:
    """Quote an ETag for a header: ``'"abc"'``, or ``'W/"abc"'`` when ``weak``."""
    if '"' in etag:
        raise ValueError(f"invalid etag {etag!r}: it must not contain a double quote")
    return f'W/"{etag}"' if weak else f'"{etag}"'


@overload
def unquote_etag(etag: str) -> tuple[str, bool]: ...
@overload
def unquote_etag(etag: None) -> tuple[None, None]: ...
def unquote_etag(etag: str | None) -> tuple[str, bool] | tuple[None, None]:
    """Split an ETag from a header into ``(tag, is_weak)``: ``'W/"x"'`` gives ``("x", True)``."""
    if etag is None:
        return None, None
    etag = etag.strip()
    weak = etag[:2] in ("W/", "w/")
    if weak:
        etag = etag[2:].lstrip()
    if len(etag) >= 2 and etag[0] == etag[-1] == '"':
        etag = etag[1:-1]
    return etag, weak


def generate_etag(data: bytes) -> str:
    """An ETag for ``data``: the hex SHA-1 of the bytes."""
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def parse_etags(value: str | None) -> ETags:
    """Parse ``If-Match`` / ``If-None-Match``: ``'W/"a", "b"'`` or ``*``.

    Unquoted tags are accepted; a missing header gives an empty :class:`ETags`.
    """
    if not value:
        return ETags()
    strong: list[str] = []
    weak: list[str] = []
    for match in _ETAG_ITEM.finditer(value):
        is_weak, quoted, bare = match.groups()
        if quoted is None and bare == "*":
            return ETags(star_tag=True)
        tag = quoted if quoted is not None else bare
        (weak if is_weak else strong).append(tag)
    return ETags(strong, weak)


def parse_if_range_header(value: str | None) -> IfRange:
    """Parse ``If-Range``: an HTTP date or a strong ETag.

    A missing, malformed or weak value (which can never match) gives an
    empty :class:`IfRange`.
    """
    if not value:
        return IfRange()
    parsed_date = parse_date(value)
    if parsed_date is not None:
        return IfRange(date=parsed_date)
    etag, weak = unquote_etag(value)
    if weak or not etag or '"' in etag:
        return IfRange()
    return IfRange(etag)


def _header_getter(headers: Any) -> Callable[[str], str | None]:
    if headers is None:
        return lambda name: None
    if isinstance(headers, Mapping) and "wsgi.version" in headers:
        # COMPAT(werkzeug): werkzeug.http.is_resource_modified takes an environ.
        return lambda name: headers.get("HTTP_" + name.upper().replace("-", "_"))
    return lambda name: headers.get(name)


def is_resource_modified(
    headers: Any = None,
    etag: str | None = None,
    data: bytes | None = None,
    last_modified: datetime | str | None = None,
    ignore_if_range: bool = True,
    *,
    http_range: str | None = None,
    http_if_range: str | None = None,
    http_if_modified_since: str | None = None,
    http_if_none_match: str | None = None,
    http_if_match: str | None = None,
) -> bool:
    """Decide whether a conditional request needs the full response.

    Returns False when the client's copy is current (answer 304), True
    otherwise. The request headers come from ``headers`` (a ``Headers``,
    anything with ``.get(name)``, or a WSGI environ), or from the
    ``http_*`` keywords, which win. ``etag`` (or ``data`` to hash) and
    ``last_modified`` describe the resource.

    ``If-None-Match`` uses weak comparison and takes precedence over
    ``If-Modified-Since``; an ``If-Match`` that does not match (strong
    comparison) also gives False. Unless ``ignore_if_range``, a ``Range`` request's
    ``If-Range`` decides instead: a mismatching, weak or invalid ``If-Range``
    means modified.
    """
    get = _header_getter(headers)
    if http_range is None:
        http_range = get("Range")
    if http_if_range is None:
        http_if_range = get("If-Range")
    if http_if_modified_since is None:
        http_if_modified_since = get("If-Modified-Since")
    if http_if_none_match is None:
        http_if_none_match = get("If-None-Match")
    if http_if_match is None:
        http_if_match = get("If-Match")

    if etag is None and data is not None:
        etag = generate_etag(data)
    elif data is not None:
        raise TypeError("both data and etag given")

    if isinstance(last_modified, str):
        last_modified = parse_date(last_modified)
    if last_modified is not None:
        last_modified = _as_utc(last_modified).replace(microsecond=0)

    if not ignore_if_range and http_range and http_if_range:
        if_range = parse_if_range_header(http_if_range)
        if if_range.date is not None:
            return last_modified is None or last_modified > if_range.date
        if if_range.etag is not None and etag:
            return unquote_etag(etag)[0] != if_range.etag
        return True

    unmodified = False
    modified_since = parse_date(http_if_modified_since)
    if modified_since is not None and last_modified is not None:
        unmodified = last_modified <= modified_since

    if etag:
        tag, _ = unquote_etag(etag)
        if_none_match = parse_etags(http_if_none_match)
        if if_none_match:
            unmodified = if_none_match.contains_weak(tag)
        if_match = parse_etags(http_if_match)
        if if_match:
            # COMPAT(werkzeug): a failed If-Match also means "do not send the
            # full body" (the caller answers 412); a match means modified.
            unmodified = not if_match.contains(tag)
    return not unmodified


# --------------------------------------------------------------------------
# Range and Content-Range
# --------------------------------------------------------------------------


def _int(text: str) -> int | None:
    return digits_to_int(text.strip())


def parse_range_header(
    value: str | None, make_inclusive: bool = True, *, max_ranges: int = 100
) -> Range | None:
    """Parse a ``Range`` header: ``bytes=0-499``, ``bytes=-500``, ``bytes=500-``, or several.

    Stops are made exclusive (``0-499`` gives ``(0, 500)``) unless
    ``make_inclusive`` is False. Overlapping ranges are kept as given. A
    malformed header, a backwards range, ``-0``, or more than ``max_ranges``
    ranges gives None (the header is then ignored and the full body sent).
    """
    if not value or "=" not in value:
        return None
    units, _, spec = value.partition("=")
    units = units.strip().lower()
    if not _TOKEN.fullmatch(units):
        return None
    ranges: list[tuple[int, int | None]] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        if len(ranges) >= max_ranges:
            return None
        first, sep, last = item.partition("-")
        if not sep:
            return None
        if not first.strip():
            suffix = _int(last)
            if suffix is None or suffix == 0:
                return None
            ranges.append((-suffix, None))
            continue
        start = _int(first)
        if start is None:
            return None
        if not last.strip():
            ranges.append((start, None))
            continue
        stop = _int(last)
        if stop is None or stop < start:
            return None
        ranges.append((start, stop + 1 if make_inclusive else stop))
    if not ranges:
        return None
    return Range(units, ranges)


def is_byte_range_valid(start: int | None, stop: int | None, length: int | None) -> bool:
    """Whether ``start``/``stop`` (``stop`` exclusive) and ``length`` make a usable byte range.

    ``start`` and ``stop`` are both None (no range: then ``length`` must be
    None or not negative) or both set, with ``0 <= start < stop``; with a
    ``length``, ``start`` must also lie inside it. ``stop`` may go past
    ``length``: a requested range is cut to the body, as
    :meth:`~erlen.http.datastructures.Range.range_for_length` does::

        is_byte_range_valid(0, 500, 1000)      # True
        is_byte_range_valid(0, 5000, 1000)     # True (served as bytes 0-999)
        is_byte_range_valid(1000, 1001, 1000)  # False: starts past the end
    """
    if start is None or stop is None:
        if start is not None or stop is not None:
            return False
        return length is None or length >= 0
    if not 0 <= start < stop:
        return False
    return length is None or start < length


def parse_content_range_header(
    value: str | None, on_update: Callable[[ContentRange], None] | None = None
) -> ContentRange | None:
    """Parse ``Content-Range``: ``bytes 0-99/1000``, ``bytes 0-99/*`` or ``bytes */1000``.

    None when the value is malformed or inconsistent (the end before the
    start, or past the complete length).
    """
    if not value:
        return None
    units, sep, rest = value.strip().partition(" ")
    if not sep or not _TOKEN.fullmatch(units):
        return None
    span, sep, length_text = rest.strip().partition("/")
    if not sep:
        return None
    length: int | None = None
    if length_text.strip() != "*":
        length = _int(length_text)
        if length is None:
            return None
    if span.strip() == "*":
        if length is None:
            return None
        return ContentRange(units, None, None, length, on_update)
    first, sep, last = span.partition("-")
    start, stop = _int(first), _int(last)
    if not sep or start is None or stop is None or stop < start:
        return None
    if length is not None and stop >= length:
        return None
    return ContentRange(units, start, stop + 1, length, on_update)


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBERS = {name.lower(): index for index, name in enumerate(_MONTHS, 1)}
_ZONE = r"(?:\s*(?P<zone>GMT|UTC|UT|Z|[+-][0-9]{4}))?"
# IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT" and RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT".
_RFC_DATE = re.compile(
    r"(?:[A-Za-z]{3,9},?\s*)?(?P<day>[0-9]{1,2})[\s-]+(?P<month>[A-Za-z]{3})[\s-]+"
    r"(?P<year>[0-9]{2,4})\s+(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
    + _ZONE,
    re.I,
)
# asctime "Sun Nov  6 08:49:37 1994".
_ASCTIME = re.compile(
    r"[A-Za-z]{3}\s+(?P<month>[A-Za-z]{3})\s+(?P<day>[0-9]{1,2})\s+"
    r"(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})\s+(?P<year>[0-9]{4})" + _ZONE,
    re.I,
)


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(value: str | None) -> datetime | None:
    """Parse an HTTP date into an aware UTC ``datetime``; None if it is not a valid date.

    Reads IMF-fixdate (``Sun, 06 Nov 1994 08:49:37 GMT``), RFC 850
    (``Sunday, 06-Nov-94 08:49:37 GMT``), asctime (``Sun Nov  6 08:49:37 1994``)
    and other RFC 2822 forms. Two-digit years below 70 are 20xx.
    """
    if not value:
        return None
    value = value.strip()
    if len(value) > 64:
        return None
    match = _RFC_DATE.fullmatch(value) or _ASCTIME.fullmatch(value)
    if match is not None:
        month = _MONTH_NUMBERS.get(match["month"].lower())
        if month is None:
            return None
        year = int(match["year"])
        zone = match["zone"] or ""
        offset = 0
        if zone[:1] in ("+", "-"):
            offset = (int(zone[1:3]) * 60 + int(zone[3:5])) * (-1 if zone[0] == "-" else 1)
        fields = (year, month, int(match["day"]), int(match["hour"]), int(match["minute"]))
        second = int(match["second"])
    else:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        year, month, day, hour, minute, second = parsed[:6]
        fields = (year, month, day, hour, minute)
        offset = (parsed[9] or 0) // 60
    year = fields[0]
    if year < 100:
        year += 2000 if year < 70 else 1900
    elif year < 1000:
        year += 1900
    try:
        result = datetime(year, *fields[1:], min(second, 59), tzinfo=UTC) - timedelta(
            minutes=offset
        )
    except (ValueError, OverflowError):
        return None
    return result


def http_date(timestamp: datetime | date | float | time.struct_time | None = None) -> str:
    """Format a date for a header: ``Sun, 06 Nov 1994 08:49:37 GMT``.

    Takes an aware or naive ``datetime`` (naive means UTC), a ``date``, a Unix
    timestamp, or None for now.
    """
    if type(timestamp) is float or type(timestamp) is int:
        # PERF: formatting costs ~1.8 µs; a file's mtime (Last-Modified) and
        # "now plus max-age" (Expires) repeat from request to request.
        text = _DATE_TEXTS.get(timestamp)
        if text is None:
            text = _format_http_date(datetime.fromtimestamp(timestamp, UTC))
            if len(_DATE_TEXTS) >= _DATE_TEXTS_MAX:
                _DATE_TEXTS.clear()
            _DATE_TEXTS[timestamp] = text
        return text
    if timestamp is None:
        moment = datetime.now(UTC)
    elif isinstance(timestamp, datetime):
        moment = _as_utc(timestamp)
    elif isinstance(timestamp, date):
        moment = datetime(timestamp.year, timestamp.month, timestamp.day, tzinfo=UTC)
    elif isinstance(timestamp, time.struct_time | tuple):
        moment = datetime.fromtimestamp(calendar.timegm(timestamp), UTC)
    else:
        moment = datetime.fromtimestamp(timestamp, UTC)
    return _format_http_date(moment)


_DATE_TEXTS: dict[float, str] = {}
_DATE_TEXTS_MAX = 256


def _format_http_date(moment: datetime) -> str:
    return (
        f"{_WEEKDAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
        f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} GMT"
    )


def parse_age(value: str | None = None) -> timedelta | None:
    """Parse an ``Age`` header (seconds) into a ``timedelta``; None if invalid."""
    if not value:
        return None
    seconds = _int(value)
    if seconds is None:
        return None
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        return None


def dump_age(age: timedelta | int | None = None) -> str | None:
    """Format an ``Age`` header value from a ``timedelta`` or seconds."""
    if age is None:
        return None
    if isinstance(age, timedelta):
        age = int(age.total_seconds())
    else:
        age = int(age)
    if age < 0:
        raise ValueError("age must be a non-negative number of seconds")
    return str(age)


# --------------------------------------------------------------------------
# Authorization
# --------------------------------------------------------------------------


def parse_authorization_header(value: str | None) -> Authorization | None:
    """Parse an ``Authorization`` header; None when missing or malformed.

    See :meth:`~erlen.http.datastructures.Authorization.from_header`.
    """
    return Authorization.from_header(value)


def parse_www_authenticate_header(
    value: str | None, on_update: Callable[[WWWAuthenticate], None] | None = None
) -> WWWAuthenticate | None:
    """Parse a ``WWW-Authenticate`` header; None when missing."""
    result = WWWAuthenticate.from_header(value)
    if result is not None:
        result.on_update = on_update
    return result


# --------------------------------------------------------------------------
# Content-Security-Policy
# --------------------------------------------------------------------------


def parse_csp_header(
    value: str | None,
    on_update: Callable[[ContentSecurityPolicy], None] | None = None,
    cls: type[ContentSecurityPolicy] = ContentSecurityPolicy,
) -> ContentSecurityPolicy:
    """Parse ``Content-Security-Policy``: ``"default-src 'self'; img-src *"``
    gives ``{"default-src": "'self'", "img-src": "*"}``. A directive without
    a value is skipped, as Werkzeug skips it."""
    items: list[tuple[str, str]] = []
    for policy in (value or "").split(";"):
        policy = policy.strip(" \t")
        if " " in policy:
            directive, _, rest = policy.partition(" ")
            items.append((directive.strip(" \t"), rest.strip(" \t")))
    return cls(items, on_update)


def dump_csp_header(header: Mapping[str, str]) -> str:
    """The ``Content-Security-Policy`` text of ``{directive: value}``."""
    return "; ".join(f"{name} {value}" for name, value in header.items())
