"""Converters: how a ``<name>`` placeholder of a rule matches and builds URLs.

A converter has a ``regex`` (what one placeholder matches in the URL), a
``weight`` (lower is tried first when two rules compete for the same segment),
``to_python`` (the matched text to the value the view receives) and ``to_url``
(a value back to the percent-encoded text of a URL). Register your own on the
map::

    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: list[str]) -> str:
            return ",".join(super().to_url(v) for v in value)

    url_map.converters["list"] = ListConverter

Raising :class:`ValidationError` from ``to_python`` rejects the URL for that
rule only: matching goes on with the next rule that fits.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import quote

from erlen.http.datastructures import ImmutableDict

if TYPE_CHECKING:
    from .map import Map

__all__ = [
    "DEFAULT_CONVERTERS",
    "AnyConverter",
    "BaseConverter",
    "FloatConverter",
    "IntegerConverter",
    "NumberConverter",
    "PathConverter",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
]

#: Characters left as they are in one path segment: the WHATWG "path segment"
#: set minus ``/``, so a value can never add a segment to the URL.
# COMPAT(werkzeug): Werkzeug leaves "/" unescaped here, so its string values
# with a slash build URLs that route elsewhere; only ``path`` keeps it here.
SEGMENT_SAFE = "!$&'()*+,:;=@"
#: The same for a value that may span segments (the ``path`` converter).
PATH_SAFE = SEGMENT_SAFE + "/"

# Text quote() would return unchanged: its always-safe characters plus the
# safe ones above. PERF: a value that is already URL text ("alice",
# "css/app.css") skips quote()'s encode and byte loop (0.9 -> 0.2 µs).
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_.\-~!$&'()*+,:;=@]*")
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.\-~!$&'()*+,:;=@/]*")


class ValidationError(ValueError):
    """Raised by a converter's ``to_python`` when the text is not a valid value.

    The rule is then skipped and matching tries the next rule. Raised by
    ``to_url`` it makes URL building move on to the next rule of the endpoint.
    """


class BaseConverter:
    """Base class of all converters: one path segment, returned unchanged."""

    #: What the placeholder matches in the decoded URL path.
    regex: str = "[^/]+"
    #: Lower weights are tried first when two dynamic segments compete.
    weight: int = 100
    #: ``False`` when ``regex`` may match ``/``: the rest of the rule is then
    #: matched against the rest of the path as one piece.
    part_isolating: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # COMPAT(werkzeug): a subclass that brings its own regex containing "/"
        # becomes non-isolating unless it says otherwise.
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in cls.regex

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        self.map = map

    def to_python(self, value: str) -> Any:
        """Turn the matched (already percent-decoded) text into the view's value."""
        return value

    def to_url(self, value: Any) -> str:
        """Turn a value into percent-encoded URL text for one path segment."""
        text = value if type(value) is str else str(value)
        if _PLAIN_SEGMENT.fullmatch(text):
            return text
        return quote(text, safe=SEGMENT_SAFE)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.regex!r}>"


class UnicodeConverter(BaseConverter):
    """The default converter: any text without a slash.

    ``minlength`` (at least 1), ``maxlength`` and ``length`` (exact) bound the
    number of characters: ``<string(length=2):lang>``.
    """

    def __init__(
        self,
        map: Map,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            if int(length) < 1:
                raise ValueError(f"string converter: length must be at least 1, not {length!r}")
            self.regex = f"[^/]{{{int(length)}}}"
            return
        if int(minlength) < 1:
            raise ValueError(f"string converter: minlength must be at least 1, not {minlength!r}")
        if maxlength is None:
            self.regex = f"[^/]{{{int(minlength)},}}"
            return
        if int(maxlength) < int(minlength):
            raise ValueError(
                f"string converter: maxlength {maxlength!r} is below minlength {minlength!r}"
            )
        self.regex = f"[^/]{{{int(minlength)},{int(maxlength)}}}"


class AnyConverter(BaseConverter):
    """One of a fixed set of values: ``<any(about, help, "a,b"):page>``."""

    def __init__(self, map: Map, *items: str) -> None:
        super().__init__(map)
        if not items:
            raise ValueError("any converter: give at least one item, as in any(a, b)")
        # In the order given, as Werkzeug's: extensions read the items back
        # from the regex (flask-smorest's OpenAPI enum). The matcher's
        # fullmatch backtracks, so an item that prefixes another never hides it.
        ordered = dict.fromkeys(str(item) for item in items)
        self.items = set(ordered)
        self.regex = "(?:" + "|".join(re.escape(item) for item in ordered) + ")"

    def to_url(self, value: Any) -> str:
        text = str(value)
        if text not in self.items:
            allowed = ", ".join(repr(item) for item in sorted(self.items))
            raise ValidationError(f"{value!r} is not one of {allowed}")
        return quote(text, safe=SEGMENT_SAFE)


class PathConverter(BaseConverter):
    """Like the default converter but also accepts slashes: ``<path:subpath>``."""

    regex = "[^/].*?"
    weight = 200
    part_isolating = False

    def to_url(self, value: Any) -> str:
        text = value if type(value) is str else str(value)
        if _PLAIN_PATH.fullmatch(text):
            return text
        return quote(text, safe=PATH_SAFE)


class NumberConverter(BaseConverter):
    """Shared logic of :class:`IntegerConverter` and :class:`FloatConverter`."""

    weight = 50
    #: The unsigned pattern; ``signed=True`` uses :attr:`signed_regex` instead.
    unsigned_regex: ClassVar[str] = "[0-9]+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        self.fixed_digits = int(fixed_digits)
        self.min = min
        self.max = max
        self.signed = bool(signed)
        self.regex = self.signed_regex if self.signed else self.unsigned_regex

    @property
    def signed_regex(self) -> str:
        """The pattern with ``signed=True``: ``unsigned_regex`` after an optional ``-``."""
        return f"-?{self.unsigned_regex}"

    def num_convert(self, text: str) -> Any:
        """Parse the matched text; :class:`ValueError` means not a number."""
        return int(text)

    def to_python(self, value: str) -> Any:
        if self.fixed_digits and len(value.lstrip("-")) != self.fixed_digits:
            raise ValidationError(f"expected exactly {self.fixed_digits} digits")
        try:
            number = self.num_convert(value)
        except (ValueError, OverflowError):
            # SECURITY: int() refuses more than 4300 digits with ValueError;
            # a URL full of digits must be a 404, not a 500.
            raise ValidationError(f"{value!r} is not a number this converter accepts") from None
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError(f"{number!r} is out of range")
        return number

    def format_number(self, value: Any) -> str:
        """The digits of ``value`` as they appear in a URL."""
        return str(int(value))

    def to_url(self, value: Any) -> str:
        text = self.format_number(value)
        if self.fixed_digits:
            sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
            text = sign + digits.zfill(self.fixed_digits)
        return text


class IntegerConverter(NumberConverter):
    """A whole number: ``<int:page>``; options ``min``, ``max``, ``signed``, ``fixed_digits``.

    Only ASCII digits match: ``int()`` would also accept other scripts' digits.
    """


class FloatConverter(NumberConverter):
    """A decimal number with a dot: ``<float:ratio>``; options ``min``, ``max``, ``signed``."""

    unsigned_regex = r"[0-9]+\.[0-9]+"

    def __init__(
        self,
        map: Map,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, min=min, max=max, signed=signed)

    def num_convert(self, text: str) -> Any:
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(text)
        return number

    def format_number(self, value: Any) -> str:
        number = float(value)
        if not math.isfinite(number):
            raise ValidationError(f"{value!r} cannot be written in a URL")
        # Positional notation, never "1e-05", so the built URL matches the rule.
        text = format(Decimal(repr(number)), "f")
        if "." not in text:
            text += ".0"
        return text


class UUIDConverter(BaseConverter):
    """A UUID in its canonical 8-4-4-4-12 hex form: ``<uuid:id>`` gives a :class:`uuid.UUID`."""

    regex = "[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        if isinstance(value, uuid.UUID):
            return str(value)
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            raise ValidationError(f"{value!r} is not a UUID") from None


def matcher_shortcut(converter: BaseConverter) -> Literal["text", "int"] | None:
    """How the matcher may skip calling ``converter.to_python``: ``"text"``
    when it returns the text unchanged, ``"int"`` for an ``int`` converter
    without options (a plain parse), ``None`` when it must be called.

    Decided when the rule is compiled, from the converter's class and options.
    """
    # PERF: most placeholders are strings (nothing to call) or plain ints
    # (int() instead of to_python + num_convert + the option checks).
    if "to_python" in vars(converter):
        return None
    if type(converter).to_python is BaseConverter.to_python:
        return "text"
    if (
        isinstance(converter, NumberConverter)
        and (cls := type(converter)).to_python is NumberConverter.to_python
        and cls.num_convert is NumberConverter.num_convert
        and not converter.fixed_digits
        and converter.min is None
        and converter.max is None
    ):
        return "int"
    return None


#: The converters every :class:`~erlen.routing.Map` starts with: read-only
#: (COMPAT(werkzeug): an ImmutableDict, whose ``copy()`` a subclass of Map
#: extends into its own ``default_converters``).
DEFAULT_CONVERTERS: Mapping[str, type[BaseConverter]] = ImmutableDict(
    {
        "default": UnicodeConverter,
        "string": UnicodeConverter,
        "any": AnyConverter,
        "path": PathConverter,
        "int": IntegerConverter,
        "float": FloatConverter,
        "uuid": UUIDConverter,
    }
)
