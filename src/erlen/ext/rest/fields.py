"""Output fields for :func:`~erlen.ext.rest.marshal`.

A field reads its key (or ``attribute``: another key, a dotted path
``"owner.name"``, an index or a callable) from a dict or an object, and
formats the value; a missing or ``None`` value gives ``default``::

    resource_fields = {
        "name": fields.String,
        "email": fields.String(attribute="private.email"),
        "created": fields.DateTime(dt_format="iso8601"),
        "uri": fields.Url("user", absolute=True),
        "tags": fields.List(fields.String),
        "owner": fields.Nested({"id": fields.Integer}),
    }
"""

from __future__ import annotations

import decimal
from calendar import timegm
from collections.abc import Callable, Mapping
from datetime import datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import urlparse, urlunparse

from erlen import request, url_for

from .marshal import marshal

__all__ = [
    "Arbitrary",
    "Boolean",
    "DateTime",
    "Fixed",
    "Float",
    "FormattedString",
    "Integer",
    "List",
    "MarshallingException",
    "Nested",
    "Price",
    "Raw",
    "String",
    "Url",
    "get_value",
    "to_marshallable_type",
]


class MarshallingException(Exception):
    """A value a field could not format; the message says why."""

    def __init__(self, underlying_exception: BaseException | str) -> None:
        super().__init__(str(underlying_exception))


def _is_indexable_but_not_string(obj: Any) -> bool:
    return not hasattr(obj, "strip") and hasattr(obj, "__iter__")


def _value_for_key(key: Any, obj: Any, default: Any) -> Any:
    if _is_indexable_but_not_string(obj):
        try:
            return obj[key]
        except (IndexError, TypeError, KeyError):
            pass
    if isinstance(key, str):
        return getattr(obj, key, default)
    return default


def get_value(key: Any, obj: Any, default: Any = None) -> Any:
    """Read ``key`` from ``obj``: an index, a callable ``key(obj)``, or a
    dotted path of keys and attributes (``"owner.name"``)."""
    if isinstance(key, int):
        return _value_for_key(key, obj, default)
    if callable(key):
        return key(obj)
    for part in key.split("."):
        obj = _value_for_key(part, obj, default)
    return obj


def to_marshallable_type(obj: Any) -> Any:
    """``obj`` as something indexable: itself if it is, its
    ``__marshallable__()``, or its attributes as a dict."""
    if obj is None:
        return None
    if hasattr(obj, "__marshallable__"):
        return obj.__marshallable__()
    if hasattr(obj, "__getitem__"):
        return obj
    return dict(obj.__dict__)


class Raw:
    """A value as it is; the base of every field.

    :param default: the output when the value is missing or ``None``.
    :param attribute: where to read the value instead of the output key.
    """

    def __init__(self, default: Any = None, attribute: Any = None) -> None:
        self.attribute = attribute
        self.default = default

    def format(self, value: Any) -> Any:
        """Format a present value (override in subclasses)."""
        return value

    def output(self, key: Any, obj: Any) -> Any:
        """The formatted value of ``key`` (or :attr:`attribute`) in ``obj``."""
        value = get_value(key if self.attribute is None else self.attribute, obj)
        if value is None:
            return self.default
        return self.format(value)


class Nested(Raw):
    """A nested object marshalled with its own ``nested`` fields.

    :param allow_null: output ``None`` for a missing value instead of an
        object whose fields are all defaults.
    :param default: output this for a missing value (when not ``allow_null``).
    """

    def __init__(self, nested: Mapping[str, Any], allow_null: bool = False, **kwargs: Any) -> None:
        self.nested = nested
        self.allow_null = allow_null
        super().__init__(**kwargs)

    def output(self, key: Any, obj: Any) -> Any:
        value = get_value(key if self.attribute is None else self.attribute, obj)
        if value is None:
            if self.allow_null:
                return None
            if self.default is not None:
                return self.default
        return marshal(value, self.nested)


class List(Raw):
    """A list whose items are formatted by ``cls_or_instance`` (a field)."""

    def __init__(self, cls_or_instance: type[Raw] | Raw, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        message = "The type of the list elements must be a subclass of erlen.ext.rest.fields.Raw"
        if isinstance(cls_or_instance, type):
            if not issubclass(cls_or_instance, Raw):
                raise MarshallingException(message)
            self.container: Raw = cls_or_instance()
        else:
            if not isinstance(cls_or_instance, Raw):
                raise MarshallingException(message)
            self.container = cls_or_instance

    def format(self, value: Any) -> Any:
        if isinstance(value, set):
            value = list(value)
        container = self.container
        # A plain Raw or a Nested container reads each item by its index in
        # the list; other fields read a dict item (or an object with the
        # container's attribute) as the object holding their value.
        by_item = not isinstance(container, Nested) and type(container) is not Raw
        out = []
        for index, item in enumerate(value):
            holds_value = isinstance(item, dict) or (
                container.attribute is not None
                and isinstance(container.attribute, str)
                and hasattr(item, container.attribute)
            )
            out.append(container.output(index, item if by_item and holds_value else value))
        return out

    def output(self, key: Any, obj: Any) -> Any:
        value = get_value(key if self.attribute is None else self.attribute, obj)
        if _is_indexable_but_not_string(value) and not isinstance(value, dict):
            return self.format(value)
        if value is None:
            return self.default
        nested = getattr(self.container, "nested", None)
        if nested is None:
            raise MarshallingException(f"List field expected a list, got a {type(value).__name__}")
        return [marshal(value, nested)]


class String(Raw):
    """The value as a string."""

    def format(self, value: Any) -> str:
        try:
            return str(value)
        except ValueError as error:
            raise MarshallingException(error) from error


class Integer(Raw):
    """The value as an integer; ``default`` is 0."""

    def __init__(self, default: Any = 0, **kwargs: Any) -> None:
        super().__init__(default=default, **kwargs)

    def format(self, value: Any) -> Any:
        if value is None:
            return self.default
        try:
            return int(value)
        except (ValueError, TypeError) as error:
            raise MarshallingException(error) from error


class Boolean(Raw):
    """The value's truth (empty strings and collections are ``False``)."""

    def format(self, value: Any) -> bool:
        return bool(value)


class FormattedString(Raw):
    """A string built with :meth:`str.format` from the other values of the
    object: ``FormattedString("Hello {name}")``."""

    def __init__(self, src_str: str) -> None:
        super().__init__()
        self.src_str = str(src_str)

    def output(self, key: Any, obj: Any) -> str:
        try:
            data = to_marshallable_type(obj)
            return self.src_str.format(**data)
        except (TypeError, IndexError, KeyError) as error:
            raise MarshallingException(error) from error


class Url(Raw):
    """The URL of ``endpoint`` (default: the current request's) built with
    the object's values, as a path, or with the host when ``absolute``
    (and ``scheme`` to force ``https``)."""

    def __init__(
        self,
        endpoint: str | None = None,
        absolute: bool = False,
        scheme: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.absolute = absolute
        self.scheme = scheme

    def output(self, key: Any, obj: Any) -> str:
        try:
            data = to_marshallable_type(obj)
            endpoint = self.endpoint if self.endpoint is not None else request.endpoint
            if endpoint is None:
                raise TypeError("fields.Url needs an endpoint outside of a routed request")
            # Unused values become a query string; only the path is kept.
            parsed = urlparse(url_for(endpoint, _external=self.absolute, **data))
        except TypeError as error:
            raise MarshallingException(error) from error
        if self.absolute:
            scheme = self.scheme if self.scheme is not None else parsed.scheme
            return urlunparse((scheme, parsed.netloc, parsed.path, "", "", ""))
        return urlunparse(("", "", parsed.path, "", "", ""))


class Float(Raw):
    """The value as a float."""

    def format(self, value: Any) -> float:
        try:
            return float(value)
        except (ValueError, TypeError) as error:
            raise MarshallingException(error) from error


class Arbitrary(Raw):
    """A number of any precision, as a string (``"634271127864378216478362784632784678324.23432"``)."""

    def format(self, value: Any) -> str:
        try:
            return str(decimal.Decimal(value))
        except (decimal.InvalidOperation, ValueError, TypeError) as error:
            raise MarshallingException(error) from error


def _rfc822(dt: datetime) -> str:
    return formatdate(timegm(dt.utctimetuple()))


def _iso8601(dt: datetime) -> str:
    return dt.isoformat()


class DateTime(Raw):
    """A datetime as an RFC 822 date in UTC (``"Sat, 01 Jan 2011 00:00:00
    -0000"``) or, with ``dt_format="iso8601"``, ``datetime.isoformat()``."""

    _formats: dict[str, Callable[[datetime], str]] = {"rfc822": _rfc822, "iso8601": _iso8601}

    def __init__(self, dt_format: str = "rfc822", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dt_format = dt_format

    def format(self, value: Any) -> str:
        formatter = self._formats.get(self.dt_format)
        if formatter is None:
            raise MarshallingException(f"Unsupported date format {self.dt_format}")
        try:
            return formatter(value)
        except AttributeError as error:
            raise MarshallingException(error) from error


_ZERO = decimal.Decimal()


class Fixed(Raw):
    """A decimal number as a string with ``decimals`` digits after the point
    (rounded half to even): ``Fixed(2)`` gives ``"3.14"``."""

    def __init__(self, decimals: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.precision = decimal.Decimal("0." + "0" * (decimals - 1) + "1")

    def format(self, value: Any) -> str:
        try:
            number = decimal.Decimal(value)
        except (decimal.InvalidOperation, ValueError, TypeError) as error:
            raise MarshallingException(error) from error
        if not number.is_normal() and number != _ZERO:
            raise MarshallingException("Invalid Fixed precision number.")
        return str(number.quantize(self.precision, rounding=decimal.ROUND_HALF_EVEN))


#: A price: :class:`Fixed` (two decimals is the usual choice: ``Price(2)``).
Price = Fixed
