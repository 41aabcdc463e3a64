"""JSON providers: how an application turns Python objects into JSON and back.

``app.json`` is an instance of ``app.json_provider_class``, by default
:class:`DefaultJSONProvider`. :func:`erlen.json.jsonify`, ``request.get_json()``,
dict and list return values and the ``tojson`` template filter all go through
it, so one subclass changes JSON everywhere::

    class MyProvider(DefaultJSONProvider):
        sort_keys = False

        @staticmethod
        def default(o):
            if isinstance(o, set):
                return sorted(o)
            return DefaultJSONProvider.default(o)

    app.json_provider_class = MyProvider   # before creating the app, or:
    app.json = MyProvider(app)

Settings are attributes of the provider, not config keys:
``app.json.ensure_ascii = False``, ``app.json.sort_keys = False``,
``app.json.compact = True``. (COMPAT(flask): Flask 2.3 removed the
``JSON_AS_ASCII``/``JSON_SORT_KEYS`` config keys and Flask 3 ignores them;
erlen does the same.)

**orjson.** When orjson is installed, :class:`DefaultJSONProvider` uses it
wherever its output is provably byte-identical to the standard library's, and
the standard library everywhere else, so installing orjson changes speed, never
output. orjson is used for compact and ``indent=2`` output with the provider's
own ``default`` function; the standard library is used for the spaced
separators of a bare ``dumps()`` call, other ``json.dumps`` options, ``default``
overrides, subclasses of ``str``/``int``/``float``/``dict``/``list``/``tuple``,
integers beyond 64 bits, output containing ``null`` (orjson writes NaN and
infinities as ``null``) unless the object's :mod:`marshal` bytes show only
plain dicts, lists, tuples and scalars without NaN or infinity (tried when
the output is not mostly nulls and short numbers), a float in exponent form
or below ``1e-4`` (where the two format floats differently), or, with ``ensure_ascii``, DEL
or non-ASCII text, unless it is a few characters in a document of numbers
and short strings: those are escaped as the standard library does
(``\\u00eb``, surrogate pairs), where that is cheaper than its encoder.
Compact standard library output comes from :mod:`json`'s C encoder called
directly, without a :class:`json.JSONEncoder` per call. ``loads`` uses
orjson without keyword arguments, unless the document has a 19-digit number
(orjson reads big integers as floats), or orjson rejects it (NaN, a BOM,
UTF-16, lone surrogates, errors: the standard library then decides).
Measured on a 10 KB list of 100 small dicts: compact ``dumps`` about 2-2.5x
faster, ``loads`` about 1.5-3x; a payload that falls back pays for the
wasted orjson pass, 10-20 %. Set ``use_orjson = False`` to always use the
standard library.
"""

from __future__ import annotations

import codecs
import dataclasses
import decimal
import enum
import functools
import itertools
import json
import json.encoder
import marshal
import re
import uuid
import weakref
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import IO, TYPE_CHECKING, Any, cast

from ..http._interp import _own_instance_dict

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from ..app import Erlen
    from ..wrappers import Response

__all__ = ["DefaultJSONProvider", "JSONProvider"]


class JSONProvider:
    """The interface of ``app.json``: subclass it to plug in another JSON library.

    Implement :meth:`dumps` and :meth:`loads`; :meth:`dump`, :meth:`load` and
    :meth:`response` are built on them. The provider holds a weak reference to
    its app, as ``self._app``.
    """

    def __init__(self, app: Erlen) -> None:
        # A weak reference: the app holds its provider, not the other way round.
        self._app: Erlen = cast("Erlen", weakref.proxy(app))

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize ``obj`` to a JSON string."""
        raise NotImplementedError

    def dump(self, obj: Any, fp: IO[str], **kwargs: Any) -> None:
        """Serialize ``obj`` as JSON and write it to the text file ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse a JSON document from a string or UTF-8/16/32 bytes."""
        raise NotImplementedError

    def load(self, fp: IO[Any], **kwargs: Any) -> Any:
        """Read the file ``fp`` and parse its contents as JSON."""
        return self.loads(fp.read(), **kwargs)

    def _prepare_response_obj(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        if not args and not kwargs:
            return None
        if len(args) == 1:
            return args[0]
        return args or kwargs

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Return an ``application/json`` response of the arguments.

        One positional argument is serialized as is, several as a list,
        keyword arguments as an object; passing both raises :class:`TypeError`,
        passing none gives ``null``.
        """
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self.dumps(obj), mimetype="application/json")


def _http_date(value: date) -> str:
    if isinstance(value, datetime):
        # COMPAT(flask): a naive datetime is taken to be UTC, as Flask does.
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    else:
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return format_datetime(value, usegmt=True)


def _default(o: Any) -> Any:
    """Convert what :mod:`json` cannot encode; raise :class:`TypeError` otherwise."""
    if isinstance(o, date):
        return _http_date(o)
    if isinstance(o, decimal.Decimal | uuid.UUID):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    if isinstance(o, enum.Enum):
        # COMPAT(flask): Flask raises TypeError for a plain Enum member. erlen
        # encodes its value, as orjson does, so output never depends on
        # whether orjson is installed.
        return o.value
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class _Miss:
    __slots__ = ()


_MISS = _Miss()

# Digits and signs all become "0", so one literal search finds a long digit
# run however the digits go.
_PROBE_TABLE = bytes.maketrans(b"0123456789+-", b"000000000000")
# An exponent as orjson writes one ("1e16", "1e-7"); also matches inside
# strings, which only sends that document to the stdlib. PERF: a regex with a
# literal first character, not a translated copy searched for "e0" (1.1 KB:
# 1.51 -> 0.89 µs).
_EXPONENT = re.compile(rb"e[-+0-9]")


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(itertools.takewhile(str.isdigit, piece))
        parts.append(int(digits or 0))
    return tuple(parts)


_ORJSON_LOADS_BOUNDED = _orjson is not None and _version(_orjson.__version__) >= (3, 9, 15)
_FAST_KWARGS = frozenset(["default", "ensure_ascii", "sort_keys", "separators", "indent"])
_COMPACT = (",", ":")
_INDENTED = (",", ": ")


#: Counts the calls of every ``default`` made by :func:`_for_orjson`: when
#: ``next()`` before and after one ``orjson.dumps`` gives consecutive numbers,
#: no value of that document went through ``default()`` (a call in another
#: thread only makes it look as if one did, which is the safe side).
_DEFAULT_CALLS = itertools.count()


def _for_orjson(default: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The stdlib ``default`` function ``default`` as orjson's: subclasses of
    the builtins reach it through OPT_PASSTHROUGH_SUBCLASS, and the stdlib
    encodes those through overridable methods, so they are refused (the
    stdlib then writes the document)."""

    def orjson_default(o: Any) -> Any:
        next(_DEFAULT_CALLS)
        if isinstance(o, str | int | float | dict | list | tuple):
            raise TypeError("builtin subclass: use the standard library")
        return default(o)

    return orjson_default


_orjson_default = _for_orjson(_default)


# --- the standard library without a JSONEncoder per call --------------------------------------

#: The C encoder factory :class:`json.JSONEncoder` uses for one-shot, unindented
#: output; ``None`` where :mod:`json` has no C accelerator (or it writes
#: something else than ``json.dumps``: checked at import).
_c_make_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
_ENCODE_ASCII = json.encoder.encode_basestring_ascii
_ENCODE_UTF8 = json.encoder.encode_basestring
_STDLIB_KWARGS = frozenset(["default", "ensure_ascii", "sort_keys", "separators", "indent"])


def _compact_dumps(obj: Any, default: Any, ensure_ascii: Any, sort_keys: Any) -> str:
    """``json.dumps(obj, default=default, ensure_ascii=ensure_ascii,
    sort_keys=sort_keys, separators=(",", ":"))``: the same text, the same errors."""
    make = _c_make_encoder
    if make is None:
        return json.dumps(
            obj,
            default=default,
            ensure_ascii=ensure_ascii,
            sort_keys=sort_keys,
            separators=_COMPACT,
        )
    # PERF: the call json.dumps ends in, without building a JSONEncoder and
    # its closures first (3-key dict: 1.97 -> 1.04 µs; 1.1 KB: 15.4 -> 14.3).
    # One encoder per call, with its own markers dict (check_circular): the
    # dict holds the containers being encoded, so a shared one would make
    # concurrent calls on the same object see a cycle (and an exception
    # leaves it dirty).
    encoder = make(
        {},  # markers: circular references raise ValueError, as in json.dumps
        default,
        _ENCODE_ASCII if ensure_ascii else _ENCODE_UTF8,
        None,  # indent
        ":",
        ",",
        sort_keys,
        False,  # skipkeys
        True,  # allow_nan
    )
    return "".join(encoder(obj, 0))


def _stdlib_dumps(obj: Any, kwargs: dict[str, Any]) -> str:
    """``json.dumps(obj, **kwargs)``, through :func:`_compact_dumps` when it can."""
    if (
        _c_make_encoder is not None
        and kwargs.get("indent") is None
        and kwargs.get("default") is not None
        and _STDLIB_KWARGS.issuperset(kwargs)
    ):
        separators: Any = kwargs.get("separators")
        if type(separators) in (tuple, list) and tuple(separators) == _COMPACT:
            return _compact_dumps(
                obj,
                kwargs["default"],
                kwargs.get("ensure_ascii", True),
                kwargs.get("sort_keys", False),
            )
    return json.dumps(obj, **kwargs)


def _c_encoder_agrees() -> bool:
    """Check once that calling the C encoder directly writes what json.dumps does."""
    if _c_make_encoder is None:
        return False
    samples: list[Any] = [
        {"b": [1.5, -0.0, 1e16, 1e-7, 2**70, True, None], "a": 'é\x7f"\\\n\U0001f600'},
        [float("nan"), float("inf"), {1: 2, 2.5: 3, False: 4}, date(2000, 1, 2)],
        "top-level é",
    ]
    try:
        for sample in samples:
            for ensure_ascii in (True, False):
                for sort_keys in (True, False):
                    expected = json.dumps(
                        sample,
                        default=_default,
                        ensure_ascii=ensure_ascii,
                        sort_keys=sort_keys,
                        separators=_COMPACT,
                    )
                    if _compact_dumps(sample, _default, ensure_ascii, sort_keys) != expected:
                        return False
    except (TypeError, ValueError):  # pragma: no cover - another json module
        return False
    return True


if not _c_encoder_agrees():  # pragma: no cover - depends on the interpreter
    _c_make_encoder = None


# --- ensure_ascii on orjson's text ---------------------------------------------------------


#: A ``null`` in orjson's output is None or a NaN/infinity (which the stdlib
#: writes as ``NaN``/``Infinity``). Ruling the second out costs ~35 ns per
#: value, against the stdlib encoder's ~150 ns for a float or a short string
#: but ~20 ns for None, so it is only tried when orjson's output averages at
#: least this many bytes per comma.
_CHECK_ITEM_BYTES = 8

# marshal writes a float as b"g" (b"\xe7" when it may be referenced again)
# then its 8 bytes little-endian; a NaN or an infinity has all 11 exponent
# bits set: its 7th byte is 0xf0-0xff, its 8th 0x7f or 0xff.
_FLOAT_CODES = frozenset(b"g\xe7")
# Occurrences of 0x7f or 0xff (mostly negative integers' high bytes) checked
# one by one before giving up.
_NONFINITE_CANDIDATES = 32


def _only_finite_floats(obj: Any, size: int, commas: int, default_calls: int) -> bool:
    """Whether ``obj`` is plain dicts, lists, tuples and scalars without a NaN
    or an infinity, so every ``null`` orjson wrote for it is a None. False
    also when finding out would cost more than the stdlib's encoder.

    ``default_calls`` is ``next(_DEFAULT_CALLS)`` taken just before orjson
    wrote ``obj``. PERF: marshal, not a walk in Python: marshal refuses every
    type but the builtins (subclasses included) and writes each float's bytes,
    so one C pass and a scan of its output prove it. The 1.1 KB JSON POST
    echo document: 6.7 -> 2.8 µs.
    """
    if size < _CHECK_ITEM_BYTES * (commas + 1):
        return False
    if next(_DEFAULT_CALLS) != default_calls + 1:
        # Some value went through default() (or did in another thread): what
        # it was converted to cannot be seen in obj.
        return False
    try:
        # Version 4 pinned: the float layout above is that of versions 2-4.
        data = marshal.dumps(obj, 4)
    except (ValueError, RecursionError):
        # A type marshal refuses (or nesting it gives up on): orjson wrote it
        # without default(), so it is one orjson knows (an Enum, a UUID...),
        # whose value could be a NaN.
        return False
    # Each 0x7f or 0xff byte (a memchr each: usually there are none) that
    # could end a float's 8 bytes is checked: a NaN only where the byte
    # before is 0xf0 or more and a float's code stands 8 bytes before.
    budget = _NONFINITE_CANDIDATES
    for last in (0x7F, 0xFF):
        at = data.find(last, 8)
        while at != -1:
            if data[at - 1] >= 0xF0 and data[at - 8] in _FLOAT_CODES:
                return False
            budget -= 1
            if not budget:
                return False
            at = data.find(last, at + 1)
    return True


def _escape_non_ascii(exc: UnicodeError) -> tuple[str, int]:
    """The codecs error handler ``"erlen.json.escape"``: a run of non-ASCII
    characters as json.dumps' ``ensure_ascii`` writes them, ``\\uXXXX`` per
    UTF-16 code unit in lowercase hex (surrogate pairs above U+FFFF)."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    end = exc.end
    run = exc.object[exc.start : end]
    if len(run) == 1 and run < "\U00010000":
        return f"\\u{ord(run):04x}", end
    units = run.encode("utf-16-be", "surrogatepass").hex(":", 2)
    return "\\u" + units.replace(":", "\\u"), end


_ESCAPE = "erlen.json.escape"
codecs.register_error(_ESCAPE, _escape_non_ascii)

#: With ``ensure_ascii``, orjson's non-ASCII text is escaped as the stdlib
#: does where that is cheaper than the stdlib's encoder: when its first
#: ``_ITEM_SAMPLE`` bytes have a comma per ``_ITEM_BYTES`` bytes and its
#: UTF-8 bytes beyond one per character (a bound on the number of non-ASCII
#: characters) are at most one per ``2**_ESCAPE_SHIFT`` bytes of output (one
#: per ``2**_BMP_ESCAPE_SHIFT`` bytes for text :func:`_escape_bmp` escapes).
#: PERF: app.json.response, 1.4 KB of 25 products, one "Café crème":
#: 23.2 -> 9.5 µs; the 1.1 KB JSON POST echo document (one "ë") with its null
#: made a string: 18.1 -> 7.6 µs. Escaping pays per byte (decoding, the
#: checks, re-encoding) and ~0.4 µs per run of non-ASCII characters; the
#: stdlib's encoder is slow on numbers and many short strings but fast on long
#: text, where commas are rare (1.1 KB of prose with two curly quotes was
#: 1.4x slower escaped). Thresholds measured over document sizes (100 B-4 KB),
#: shapes (short strings, integers, floats, prose) and numbers of runs.
_ESCAPE_SHIFT = 7
_ITEM_BYTES = 24
_ITEM_SAMPLE = 512
#: Beyond the handler's bound, text :func:`_escape_bmp` can escape is
#: escaped up to this one. PERF: the codec's own backslashreplace makes no
#: Python call per run but passes over the whole text four more times, so it
#: is kept for documents with more runs than the handler's bound allows: 50
#: short strings with an "é" each (981 B) 28.7 -> 9.0 µs, the form
#: scenario's {"city": "Zürich", ...} 1.74 -> 1.63 µs. Per character it
#: costs more than the stdlib (3 KB of Chinese: 16.8 µs against 5.1), hence
#: a bound.
_BMP_ESCAPE_SHIFT = 3


def _escape_bmp(text: str) -> str | None:
    """``text`` (orjson's output) with its non-ASCII characters escaped as
    json.dumps' ``ensure_ascii`` writes them, when it has no backslash and
    no character above U+FFFF; else None.

    Without a backslash in the JSON text, every backslash ``backslashreplace``
    writes starts its own escape: ``\\uHHHH`` (JSON's form already) or
    ``\\xHH``, which becomes ``\\u00HH``. A ``\\U`` escape (above U+FFFF)
    would need a surrogate pair.
    """
    if "\\" in text:
        return None
    escaped = text.encode("ascii", "backslashreplace").decode("ascii")
    if "\\U" in escaped:
        return None
    return escaped.replace("\\x", "\\u00")


@functools.cache
def _orjson_agrees() -> bool:
    """Check once that this orjson writes what :func:`_fast_dumps` assumes.

    Strings, integers, layout and key order must match the stdlib's exactly,
    and every float it writes differently must show one of the two float
    shapes ``_fast_dumps`` looks for. Any surprise turns orjson off.
    """
    if _orjson is None:
        return False
    try:
        option = (
            _orjson.OPT_PASSTHROUGH_DATETIME
            | _orjson.OPT_PASSTHROUGH_DATACLASS
            | _orjson.OPT_PASSTHROUGH_SUBCLASS
            | _orjson.OPT_SORT_KEYS
        )
        sample = {
            "floats": [0.1, 1 / 3, 2.5, 100.0, -0.0, 0.0001, 0.00012345, 123456.789, 1e15 + 0.3],
            "ints": [0, -1, 2**63 - 1, -(2**63)],
            "text": "".join(map(chr, range(128))) + "\u2028\u00e9\u4e2d\U0001f600",
            "z": {"\U0001f600": [], "\uffff": {}, "a": [True, False]},
        }
        layouts = ((option, _COMPACT, None), (option | _orjson.OPT_INDENT_2, None, 2))
        for opt, sep, indent in layouts:
            expected = json.dumps(
                sample, ensure_ascii=False, sort_keys=True, separators=sep, indent=indent
            )
            if _orjson.dumps(sample, option=opt).decode() != expected:
                return False
        # ensure_ascii: escaping orjson's non-ASCII output gives the stdlib's.
        text = {"t": '\u2028\x80\u00e9\u4e2d\U0001f600\uffff"\\\n\x1f', "\U0010ffff": ["\u0100"]}
        escaped = _orjson.dumps(text, option=option).decode().encode("ascii", _ESCAPE)
        if escaped.decode() != json.dumps(text, sort_keys=True, separators=_COMPACT):
            return False
        bmp = {"t": "\u2028\x80\u00e9\u4e2d\uffff\x7e", "\u0100": ["\u00ff"]}
        escaped_bmp = _escape_bmp(_orjson.dumps(bmp, option=option).decode())
        if escaped_bmp != json.dumps(bmp, sort_keys=True, separators=_COMPACT):
            return False
        for exponent in range(-12, 30):
            for mantissa in (1.0, -1.0, 1.2345678901234567, 9.999999999999998):
                value = mantissa * 10.0**exponent
                out = _orjson.dumps(value)
                if out.decode() != repr(value) and not (
                    b"0.0000" in out or _EXPONENT.search(out) is not None
                ):
                    return False
    except (AttributeError, TypeError, ValueError):
        return False
    return True


if _orjson is not None:
    _OPT_BASE = (
        _orjson.OPT_PASSTHROUGH_DATETIME
        | _orjson.OPT_PASSTHROUGH_DATACLASS
        | _orjson.OPT_PASSTHROUGH_SUBCLASS
    )
    _OPT_SORTED = _OPT_BASE | _orjson.OPT_SORT_KEYS
    _OPT_INDENT_2 = _orjson.OPT_INDENT_2
    _JSONEncodeError: type[Exception] = _orjson.JSONEncodeError
else:  # pragma: no cover - depends on the environment
    _OPT_BASE = _OPT_SORTED = _OPT_INDENT_2 = 0
    _JSONEncodeError = TypeError


def _fast_dumps(obj: Any, kwargs: dict[str, Any]) -> str | None:
    """Encode with orjson when that is provably the stdlib's output, else ``None``."""
    if _orjson is None or kwargs.get("default") is not _default or not _orjson_agrees():
        return None
    for key in kwargs:
        if key not in _FAST_KWARGS:
            return None
    indent = kwargs.get("indent")
    separators = kwargs.get("separators")
    if separators is not None and type(separators) is not tuple:
        if type(separators) is not list:
            return None  # json.dumps raises its own error for a bad value
        separators = tuple(separators)
    # UTF-8 byte order is code point order, which is how Python sorts str.
    option = _OPT_SORTED if kwargs.get("sort_keys", False) else _OPT_BASE
    if indent is None:
        if separators != _COMPACT:
            return None
    elif type(indent) is int and indent == 2 and separators in (None, _INDENTED):
        option |= _OPT_INDENT_2
    else:
        return None
    return _orjson_text(obj, option, kwargs.get("ensure_ascii", True))


def _orjson_text(
    obj: Any, option: int, ensure_ascii: bool, default: Callable[[Any], Any] | None = None
) -> str | None:
    """orjson's output for ``obj`` when it is the stdlib's, else ``None``
    (the caller has checked that orjson is installed and agrees). ``default``
    is the stdlib's ``default`` through :func:`_for_orjson` (the provider's
    when None)."""
    default_calls = next(_DEFAULT_CALLS)
    try:
        out = _orjson.dumps(obj, default=default or _orjson_default, option=option)
    except _JSONEncodeError:
        return None
    # PERF: cheapest checks first; each failing one means "use the stdlib".
    # They run on the decoded str: ``in`` on bytes is 4-5x slower than on str
    # (1.5 -> 0.5 µs per call for a 3-key dict).
    if ensure_ascii:
        if not out.isascii():
            return _escaped_text(obj, out, default_calls)
        text = out.decode("ascii")
        # With ensure_ascii the stdlib also escapes DEL (0x7f).
        if "\x7f" in text:
            return None
    else:
        text = out.decode("utf-8")
    # None, or NaN/Infinity, which orjson also writes as null.
    if "null" in text and not _only_finite_floats(obj, len(out), text.count(","), default_calls):
        return None
    # The two write a float differently exactly when orjson uses an exponent
    # ("1e16" vs "1e+16", "1e-7" vs "1e-07") or it is below 1e-4 ("0.00001" vs
    # "1e-05"); _orjson_agrees() checks this orjson still behaves that way.
    if "0.0000" in text:
        return None
    if "e" in text and _EXPONENT.search(out) is not None:
        return None
    return text


def _compact_ascii_text(obj: Any, default: Callable[[Any], Any]) -> str | None:
    """orjson's text for ``obj`` when it is ``_compact_dumps(obj, stdlib_default,
    True, False)``'s, else ``None`` (also without orjson). ``default`` is
    ``_for_orjson(stdlib_default)``."""
    if _orjson is None or not _orjson_agrees():
        return None
    return _orjson_text(obj, _OPT_BASE, True, default)


def _escaped_text(obj: Any, out: bytes, default_calls: int) -> str | None:
    """:func:`_orjson_text` for non-ASCII output with ``ensure_ascii``: the
    text with its non-ASCII characters escaped as the stdlib does, or ``None``.

    ``None`` when the stdlib could write something else (the checks of
    :func:`_orjson_text`, all of them, here too) or escaping would cost more
    than the stdlib (see ``_ESCAPE_SHIFT``): the cheapest rejections first.
    """
    size = len(out)
    # PERF: no min() and no count() bounds for a document within the sample
    # (a builtin call and the bounds' parsing were 0.1 µs of a 50-byte one).
    if size <= _ITEM_SAMPLE:
        if size > _ITEM_BYTES * (out.count(b",") + 1):
            return None
    elif _ITEM_BYTES * (out.count(b",", 0, _ITEM_SAMPLE) + 1) < _ITEM_SAMPLE:
        return None
    # PERF: the checks below run on the str: ``in`` on bytes costs 3-4x more.
    text = out.decode("utf-8")
    # None, or NaN/Infinity (the commonest reason to decline).
    if "null" in text and not _only_finite_floats(obj, size, text.count(","), default_calls):
        return None
    # The UTF-8 bytes beyond one per character bound the number of non-ASCII
    # characters, so of runs to escape.
    extra = size - len(text)
    if extra > size >> _BMP_ESCAPE_SHIFT:
        return None
    # DEL, which the stdlib escapes too, and floats it writes otherwise.
    if "\x7f" in text or "0.0000" in text:
        return None
    if "e" in text and _EXPONENT.search(out) is not None:
        return None
    if extra <= size >> _ESCAPE_SHIFT:
        return text.encode("ascii", _ESCAPE).decode("ascii")
    return _escape_bmp(text)


def _fast_loads(s: Any) -> Any:
    """Parse with orjson when the result is provably the stdlib's, else ``_MISS``."""
    if _orjson is None:
        return _MISS
    if type(s) is bytes:
        data = s
    elif type(s) is str:
        try:
            data = s.encode("utf-8")
        except UnicodeEncodeError:
            return _MISS
    else:
        return _MISS
    # orjson turns integers beyond 64 bits into floats; the stdlib keeps them exact.
    if b"0000000000000000000" in data.translate(_PROBE_TABLE):
        return _MISS
    # SECURITY: orjson before 3.9.15 has no nesting limit and overflows the C
    # stack on "[[[[..." (CVE-2024-27454), killing the worker. A document with
    # at most 1000 brackets cannot nest deeper than that, which is safe.
    if not _ORJSON_LOADS_BOUNDED and data.count(b"[") + data.count(b"{") > 1000:
        return _MISS
    try:
        return _orjson.loads(data)
    except _orjson.JSONDecodeError:
        # NaN/Infinity, a BOM, UTF-16/32 bytes, lone surrogates, or invalid
        # JSON: the stdlib either accepts it or raises its own, familiar error.
        return _MISS


class DefaultJSONProvider(JSONProvider):
    """JSON through the standard library (and orjson when it is identical).

    Beyond what :mod:`json` encodes, :meth:`default` turns dates and datetimes
    into HTTP date strings (``"Wed, 21 Oct 2015 07:28:00 GMT"``, naive ones
    taken as UTC), :class:`~decimal.Decimal` and :class:`~uuid.UUID` into
    strings, dataclasses into dicts, objects with ``__html__`` (``Markup``)
    into that string, and enum members into their value.
    """

    #: Called for objects :mod:`json` cannot encode. Override it (as a
    #: staticmethod) to support more types, delegating to this one.
    default: Any = staticmethod(_default)

    #: Escape non-ASCII characters as ``\\uXXXX``. Set ``False`` to send UTF-8.
    ensure_ascii: bool = True

    #: Sort the keys of every object, so output is stable (and cacheable).
    sort_keys: bool = True

    #: :meth:`response` output layout: ``None`` is compact unless the app is
    #: in debug mode (then indented by 2); ``True`` or ``False`` force it.
    compact: bool | None = None

    #: The mimetype of :meth:`response`.
    mimetype: str = "application/json"

    #: Use orjson, when installed, wherever its output is identical.
    use_orjson: bool = True

    def __init__(self, app: Erlen) -> None:
        super().__init__(app)
        # PERF: the class's settings, copied to the instance: every JSON
        # response reads them, and CPython 3.11 specialises an attribute read
        # only when the instance holds the value (the six class reads cost a
        # JSON response about 1k instructions). ``app.json.sort_keys = False``
        # works as in Flask; a subclass's own values are what is copied.
        self.default = self.default
        self.ensure_ascii = self.ensure_ascii
        self.sort_keys = self.sort_keys
        self.compact = self.compact
        self.mimetype = self.mimetype
        self.use_orjson = self.use_orjson
        self._stock_dumps = type(self).dumps is DefaultJSONProvider.dumps
        # Erlen.make_response reads the provider's __dict__ (a replaced
        # ``response``); see _own_instance_dict.
        _own_instance_dict(self)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize ``obj`` to JSON with this provider's settings.

        Keyword arguments go to :func:`json.dumps` and override the
        provider's ``default``, ``ensure_ascii`` and ``sort_keys``.
        """
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        if self.use_orjson:
            rv = _fast_dumps(obj, kwargs)
            if rv is not None:
                return rv
        return _stdlib_dumps(obj, kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse JSON from ``s``; keyword arguments go to :func:`json.loads`.

        Raises :class:`ValueError` (a :class:`json.JSONDecodeError`) for invalid
        input, including documents nested too deeply to parse.
        """
        if not kwargs and self.use_orjson:
            rv = _fast_loads(s)
            if rv is not _MISS:
                return rv
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            # SECURITY: "[[[[..." from a client would otherwise escape as a
            # RecursionError, a 500; as a ValueError it becomes a 400.
            raise json.JSONDecodeError("Document is nested too deeply", "", 0) from None

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Return a JSON response of the arguments, as :func:`erlen.json.jsonify`.

        One positional argument is serialized as is, several as a list,
        keyword arguments as an object, nothing as ``null``; both raise
        :class:`TypeError`. The body ends with a newline; its layout follows
        :attr:`compact`.
        """
        if kwargs or len(args) != 1:
            obj = self._prepare_response_obj(args, kwargs)
        else:
            obj = args[0]
        return self._app.response_class(self._response_body(obj), mimetype=self.mimetype)

    def _response_body(self, obj: Any) -> str:
        """The body :meth:`response` sends for ``obj``: its JSON text and a newline."""
        compact = self.compact
        if compact is False or (compact is None and self._app.debug):
            text = self.dumps(obj, indent=2)
        else:
            if (
                self.use_orjson
                and self.default is _default
                and self._stock_dumps
                and _orjson_agrees()
            ):
                # PERF: the settings go straight to orjson, without dumps()'s
                # keyword dict (1.8 -> 0.6 µs for a 3-key dict); when orjson's
                # text would differ, straight to the stdlib, not through
                # dumps(), which would try orjson a second time.
                text = _orjson_text(
                    obj, _OPT_SORTED if self.sort_keys else _OPT_BASE, self.ensure_ascii
                ) or _compact_dumps(obj, _default, self.ensure_ascii, self.sort_keys)
            else:
                text = self.dumps(obj, separators=_COMPACT)
        return f"{text}\n"
