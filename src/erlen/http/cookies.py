"""Read ``Cookie`` headers and write ``Set-Cookie`` headers (RFC 6265).

:func:`parse_cookie` reads what browsers send, leniently; :func:`dump_cookie`
writes a ``Set-Cookie`` value that cannot carry a header injection;
:func:`parse_set_cookie` reads one back (for the test client's cookie jar).

Values that are not plain cookie characters are written in double quotes
with backslash escapes (``"a b\\073c"``), the same encoding Werkzeug uses, and
:func:`parse_cookie` undoes it, so any text survives a round trip.
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar, overload
from urllib.parse import quote

from .datastructures import ImmutableMultiDict
from .headers import http_date, parse_date

__all__ = ["SetCookie", "dump_cookie", "parse_cookie", "parse_set_cookie"]

_T = TypeVar("_T")

# RFC 6265 4.1.1: cookie-name is an RFC 2616 token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 6265 cookie-octet: printable ASCII except space, DQUOTE, comma, semicolon, backslash.
_PLAIN_VALUE = re.compile(rb"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
# One "name=value" pair; a quoted value may contain ";" (lenient, some clients send it).
_PAIR = re.compile(rb'([^=;]*)(?:=("(?:[^"\\]|\\.)*"|[^;]*))?(?:;|$)', re.S)
_UNESCAPE = re.compile(rb"\\([0-3][0-7]{2}|.)", re.S)
# Inside a name, or an unquoted value, these end the token: such a pair is not
# one a browser sends, so it is dropped whole rather than guessed at.
_NOT_IN_TOKEN = re.compile(rb'[ \t"]')
_DOMAIN = re.compile(r"[A-Za-z0-9._-]+")
# The str forms of the token and cookie-octet classes (ASCII only, as the ranges are code points).
_PLAIN_TEXT = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
# A header of plain "name=value" pairs joined by "; ", as browsers send it: no
# quotes, backslashes, spaces or non-ASCII, so splitting gives the same pairs
# the full parser would.
_SIMPLE_HEADER = re.compile(
    r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+=[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"
    r"(?:; [!#$%&'*+\-.^_`|~0-9A-Za-z]+=[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*)*"
)


def _escape_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for byte in range(256):
        if byte in (0x22, 0x5C):
            table[byte] = "\\" + chr(byte)
        elif byte in (0x2C, 0x3B) or byte < 0x20 or byte >= 0x7F:
            table[byte] = f"\\{byte:03o}"
    return table


# Applied to the Latin-1 view of the UTF-8 bytes: one table lookup per character.
_ESCAPE = _escape_table()


def _encode_value(value: str | bytes) -> str:
    if isinstance(value, str):
        try:
            raw = value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise ValueError(f"cookie value {value!r} cannot be encoded as UTF-8") from e
    else:
        raw = bytes(value)
    if _PLAIN_VALUE.fullmatch(raw):
        return raw.decode("ascii")
    # SECURITY: CR, LF, NUL, ";" and "," are escaped as \ooo, so the value can
    # neither end the header nor add an attribute.
    return '"' + raw.decode("latin-1").translate(_ESCAPE) + '"'


def _unescape(match: re.Match[bytes]) -> bytes:
    escaped = match.group(1)
    if len(escaped) == 3:
        return bytes((int(escaped, 8),))
    return escaped


def _decode_value(raw: bytes) -> str:
    raw = raw.strip(b" \t")
    if len(raw) >= 2 and raw[:1] == raw[-1:] == b'"':
        raw = raw[1:-1]
        if b"\\" in raw:
            raw = _UNESCAPE.sub(_unescape, raw)
    return raw.decode("utf-8", "replace")


def _to_bytes(header: str | bytes) -> bytes:
    if isinstance(header, bytes):
        return header
    try:
        # PEP 3333 and ASGI servers give the raw header bytes as Latin-1 text.
        return header.encode("latin-1")
    except UnicodeEncodeError:
        return header.encode("utf-8")


def _iter_pairs(header: bytes) -> Iterator[tuple[str, str]]:
    for match in _PAIR.finditer(header):
        key, value = match.groups()
        name = key.strip(b" \t")
        if not name or _NOT_IN_TOKEN.search(name):
            continue
        if value is not None:
            stripped = value.strip(b" \t")
            quoted = len(stripped) >= 2 and stripped[:1] == stripped[-1:] == b'"'
            # COMPAT(werkzeug>=3.1.9): "sp=a b" or 'c="x"y' is skipped, not kept.
            if not quoted and _NOT_IN_TOKEN.search(stripped):
                continue
        # COMPAT(flask): a pair without "=" ("flag") is the name with an empty
        # value, as Werkzeug reads it, not a pair to skip.
        yield name.decode("utf-8", "replace"), "" if value is None else _decode_value(value)


@overload
def parse_cookie(header: str | bytes | None) -> ImmutableMultiDict[str, str]: ...
@overload
def parse_cookie(header: str | bytes | None, cls: Callable[[list[tuple[str, str]]], _T]) -> _T: ...
def parse_cookie(
    header: str | bytes | None,
    cls: Callable[[list[tuple[str, str]]], Any] = ImmutableMultiDict,
) -> Any:
    """Parse a ``Cookie`` header into a multi-value dict (``request.cookies``).

    ``a=b; c="d e"`` gives ``{"a": "b", "c": "d e"}``. Quoted values are
    unquoted and their backslash escapes undone; whitespace around names and
    values is trimmed; a pair without ``=`` (``flag``) is the name with an
    empty value; a pair with an empty name, or with a space, tab or quote
    inside its name or its unquoted value, is skipped;
    a repeated name keeps all its values in order (``get`` returns the first,
    which browsers send for the most specific path). Bytes, or text holding
    Latin-1 decoded bytes as WSGI gives it, are read as UTF-8; invalid
    sequences become U+FFFD. This never raises for any input.
    """
    if not header:
        return cls([])
    if isinstance(header, str) and _SIMPLE_HEADER.fullmatch(header):
        # PERF: one regex check instead of a match, strips and an unquoting
        # test per pair; the session read went from 6.1 to 2.3 us.
        pairs: list[tuple[str, str]] = []
        for pair in header.split("; "):
            name, _, value = pair.partition("=")
            pairs.append((name, value))
        return cls(pairs)
    return cls(list(_iter_pairs(_to_bytes(header))))


def _check_attr(name: str, value: str) -> str:
    # SECURITY: an attribute value must not end the header or add an attribute.
    if any(ch in value for ch in ";\r\n\0") or not value.isprintable():
        raise ValueError(f"cookie {name} {value!r} contains a forbidden character")
    return value


def _safe_path(path: str) -> str:
    # Non-ASCII, spaces and ";" become %XX; everything else is kept as given.
    return quote(path, safe="/:@!$&'()*+,=-._~%")


def _check_domain(domain: str) -> str:
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as e:
            raise ValueError(f"invalid cookie domain {domain!r}") from e
    # COMPAT(werkzeug): a leading dot is dropped; RFC 6265 5.2.3 ignores it anyway.
    domain = domain.removeprefix(".")
    if not _DOMAIN.fullmatch(domain):
        raise ValueError(f"invalid cookie domain {domain!r}")
    return domain


_VALID_NAMES: set[str] = set()
_TAILS: dict[tuple[bool, bool, str | None, str | None, bool], str] = {}


def _format_tail(
    secure: bool, httponly: bool, path: str | None, samesite: str | None, partitioned: bool
) -> str:
    """The ``Secure; HttpOnly; Path; SameSite; Partitioned`` end of a ``Set-Cookie`` value."""
    parts = []
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if path is not None:
        parts.append(f"Path={_safe_path(path)}")
    if samesite is not None:
        canonical = samesite.title()
        if canonical not in ("Strict", "Lax", "None"):
            raise ValueError(f"samesite must be 'Strict', 'Lax' or 'None', not {samesite!r}")
        parts.append(f"SameSite={canonical}")
    if partitioned:
        parts.append("Partitioned")
    return "; ".join(parts)


def dump_cookie(
    key: str,
    value: str | bytes = "",
    max_age: timedelta | int | None = None,
    expires: str | datetime | date | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    sync_expires: bool = True,
    max_size: int = 4093,
    samesite: str | None = None,
    partitioned: bool = False,
) -> str:
    """Build a ``Set-Cookie`` header value (Werkzeug's parameters, in its order).

    ``key`` must be an RFC 6265 token (``ValueError`` otherwise). The value is
    sent as is when it only has cookie characters, otherwise quoted with
    backslash escapes. ``max_age`` (seconds or a ``timedelta``) also sets
    ``Expires`` unless ``expires`` is given or ``sync_expires`` is false; ``expires`` is a ``datetime``,
    a timestamp or a preformatted string. ``samesite`` is ``"Strict"``,
    ``"Lax"`` or ``"None"`` (any case). ``partitioned`` implies ``Secure``.
    A result longer than ``max_size`` bytes (0 disables the check) warns,
    because browsers silently drop such cookies::

        dump_cookie("theme", "dark", max_age=3600, httponly=True, samesite="Lax")
        # 'theme=dark; Expires=...; Max-Age=3600; HttpOnly; Path=/; SameSite=Lax'
    """
    if isinstance(key, bytes):
        key = key.decode("latin-1")
    if key not in _VALID_NAMES:
        if not _TOKEN.fullmatch(key):
            raise ValueError(f"invalid cookie name {key!r}: it must be an RFC 6265 token")
        if len(_VALID_NAMES) < 256:
            _VALID_NAMES.add(key)
    # PERF: a value of cookie characters only (a signed session, say) is sent
    # as is after one regex check, without encoding to bytes and back.
    if type(value) is str and _PLAIN_TEXT.fullmatch(value):
        value_text = value
    else:
        value_text = _encode_value(value)
    parts = [f"{key}={value_text}"]

    if domain:
        parts.append(f"Domain={_check_domain(domain)}")

    age: int | None = None
    if max_age is not None:
        age = int(max_age.total_seconds()) if isinstance(max_age, timedelta) else int(max_age)
    if expires is not None:
        if isinstance(expires, str):
            expires_text = _check_attr("expires", expires)
        else:
            expires_text = http_date(expires)
        parts.append(f"Expires={expires_text}")
    elif age is not None and sync_expires:
        parts.append(f"Expires={http_date(time.time() + age)}")
    if age is not None:
        parts.append(f"Max-Age={age}")

    flags = (secure or partitioned, httponly, path, samesite, partitioned)
    # PERF: the attributes after Max-Age repeat from call to call; they are
    # formatted (and checked) once per combination.
    tail = _TAILS.get(flags)
    if tail is None:
        tail = _format_tail(*flags)
        if len(_TAILS) < 64:
            _TAILS[flags] = tail
    if tail:
        parts.append(tail)

    result = "; ".join(parts)
    size = len(result)
    if max_size and size > max_size:
        value_size = len(value_text)
        warnings.warn(
            f"The {key!r} cookie is too large: the value was {value_size} bytes and the"
            f" header {size} bytes, over the limit of {max_size} bytes. Browsers may"
            " silently ignore cookies larger than this.",
            stacklevel=2,
        )
    return result


@dataclass(slots=True)
class SetCookie:
    """One parsed ``Set-Cookie`` header (see :func:`parse_set_cookie`)."""

    name: str
    value: str
    expires: datetime | None = None
    max_age: int | None = None
    path: str | None = None
    domain: str | None = None
    secure: bool = False
    httponly: bool = False
    samesite: str | None = None
    partitioned: bool = False

    def expiry(self, received: datetime | None = None) -> datetime | None:
        """When the cookie expires: ``Max-Age`` counted from ``received`` wins over ``Expires``.

        None means a session cookie.
        """
        if self.max_age is not None:
            base = received if received is not None else datetime.now(UTC)
            try:
                return base + timedelta(seconds=self.max_age)
            except OverflowError:
                return datetime.max.replace(tzinfo=UTC) if self.max_age > 0 else base
        return self.expires

    def is_expired(self, now: datetime | None = None, received: datetime | None = None) -> bool:
        """True when the cookie should be deleted (``Max-Age<=0`` or ``Expires`` in the past)."""
        if self.max_age is not None and self.max_age <= 0:
            return True
        moment = now if now is not None else datetime.now(UTC)
        expiry = self.expiry(received if received is not None else moment)
        return expiry is not None and expiry <= moment


def parse_set_cookie(header: str | bytes) -> SetCookie:
    """Parse a ``Set-Cookie`` header value (as a browser or the test client would).

    The value is unquoted like :func:`parse_cookie` does; attribute names are
    case-insensitive; a leading dot on ``Domain`` is dropped and it is
    lower-cased; an invalid ``Expires``, ``Max-Age``, ``Path`` or ``SameSite``
    is ignored. Raises ``ValueError`` when there is no ``name=value`` pair or
    the name is empty (RFC 6265 says to ignore such a header).
    """
    raw = _to_bytes(header)
    match = _PAIR.match(raw)
    if match is None or match.group(2) is None:
        raise ValueError(f"Set-Cookie header {header!r} has no name=value pair")
    name = match.group(1).strip(b" \t").decode("utf-8", "replace")
    if not name:
        raise ValueError(f"Set-Cookie header {header!r} has an empty cookie name")
    cookie = SetCookie(name, _decode_value(match.group(2)))
    for attr in raw[match.end() :].decode("utf-8", "replace").split(";"):
        attr_name, _, attr_value = attr.partition("=")
        attr_name = attr_name.strip().lower()
        attr_value = attr_value.strip()
        if attr_name == "expires":
            cookie.expires = parse_date(attr_value)
        elif attr_name == "max-age":
            if re.fullmatch(r"-?[0-9]+", attr_value):
                cookie.max_age = int(attr_value)
        elif attr_name == "domain":
            cookie.domain = attr_value.removeprefix(".").lower() or None
        elif attr_name == "path":
            cookie.path = attr_value if attr_value.startswith("/") else None
        elif attr_name == "secure":
            cookie.secure = True
        elif attr_name == "httponly":
            cookie.httponly = True
        elif attr_name == "partitioned":
            cookie.partitioned = True
        elif attr_name == "samesite":
            canonical = attr_value.title()
            cookie.samesite = canonical if canonical in ("Strict", "Lax", "None") else None
    return cookie
