"""Tagged JSON: a compact JSON format that keeps a few non-JSON Python types.

The session cookie is written with this format. It is Flask's format, byte for
byte in structure, so a cookie made by Flask (signed with itsdangerous) decodes
here and the other way round.

A value of a tagged type is written as a one-key object whose key is the tag
(``" t"`` for a tuple, ``" b"`` bytes, ``" m"`` Markup, ``" u"`` UUID, ``" d"``
datetime, ``" di"`` a dict whose only key looks like a tag). Add a type by
subclassing :class:`JSONTag` and calling :meth:`TaggedJSONSerializer.register`::

    class TagOrderedDict(JSONTag):
        __slots__ = ()
        key = " od"

        def check(self, value):
            return isinstance(value, OrderedDict)

        def to_json(self, value):
            return [[k, self.serializer.tag(v)] for k, v in value.items()]

        def to_python(self, value):
            return OrderedDict(value)

    app.session_interface.serializer.register(TagOrderedDict, index=0)
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import typing as t
from base64 import b64decode, b64encode
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from uuid import UUID

from markupsafe import Markup

from .provider import _MISS, _compact_ascii_text, _compact_dumps, _fast_loads, _for_orjson

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]


class JSONTag:
    """One tagged type: how to recognise a value and convert it to and from JSON."""

    __slots__ = ("serializer",)

    #: The tag written as the object's only key. Leave empty for a pass-through
    #: tag that only recurses into a container and is never written.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Return True if this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Convert ``value`` to something JSON can hold (tag nested values yourself)."""
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Rebuild the Python value from what :meth:`to_json` produced."""
        raise NotImplementedError

    def tag(self, value: t.Any) -> t.Any:
        """Return ``value`` converted and wrapped in this tag's one-key object."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A dict with a single key equal to a registered tag.

    Without this, ``{" t": [1]}`` stored by the user would load back as a tuple.
    The key gets two underscores appended on the way out and loses them on the
    way in.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        (inner,) = value
        return {inner + "__": self.serializer.tag(value[inner])}

    def to_python(self, value: t.Any) -> t.Any:
        (inner,) = value
        return {inner[:-2]: value[inner]}


class PassDict(JSONTag):
    """Any other dict: kept as an object, its values tagged."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return {k: tag(v) for k, v in value.items()}

    def tag(self, value: t.Any) -> t.Any:
        return self.to_json(value)


class TagTuple(JSONTag):
    """A tuple, which plain JSON would turn into a list."""

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        return tuple(value)


class PassList(JSONTag):
    """A list: kept as an array, its items tagged."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def tag(self, value: t.Any) -> t.Any:
        return self.to_json(value)


class TagBytes(JSONTag):
    """Bytes, stored as standard base64 text."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """Anything with an ``__html__`` method; loads back as :class:`markupsafe.Markup`."""

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        return Markup(value)


class TagUUID(JSONTag):
    """A :class:`uuid.UUID`, stored as its 32 hex digits."""

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """A datetime, stored as an HTTP date (second precision, UTC).

    A naive datetime is taken to be UTC; it loads back as an aware UTC datetime.
    """

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        return _http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        rv = parsedate_to_datetime(value)
        if rv.tzinfo is None:
            rv = rv.replace(tzinfo=UTC)
        return rv


def _http_date(value: datetime | date) -> str:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    else:
        value = value.astimezone(UTC)
    return format_datetime(value, usegmt=True)


def _json_default(value: t.Any) -> t.Any:
    # COMPAT(flask): Flask's JSON provider writes these types too, so a session
    # holding them serialises the same way here.
    if isinstance(value, date):
        return _http_date(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_orjson_json_default = _for_orjson(_json_default)


_SCALARS = frozenset([str, int, float, bool, type(None)])


class TaggedJSONSerializer:
    """Dump and load JSON, keeping the registered non-JSON types.

    The default tags, in the order they are tried: :class:`TagDict`,
    :class:`PassDict`, :class:`TagTuple`, :class:`PassList`, :class:`TagBytes`,
    :class:`TagMarkup`, :class:`TagUUID`, :class:`TagDateTime`.
    """

    __slots__ = ("_stock", "order", "tags")

    #: Tag classes registered on every new serializer, in checking order.
    default_tags: t.ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        self._stock = True
        for cls in self.default_tags:
            self.register(cls)

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag type.

        :param tag_class: the :class:`JSONTag` subclass; it is instantiated with
            this serializer.
        :param force: replace a tag already registered under the same key
            instead of raising :exc:`KeyError`.
        :param index: where in the checking order to insert it; the end by
            default. Put it first (``0``) to win over a default tag.
        """
        tag = tag_class(self)
        key = tag.key
        if key:
            if not force and key in self.tags:
                raise KeyError(f"Tag '{key}' is already registered.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)
        self._stock = all(type(tag) in _STOCK_TAGS for tag in self.order)

    def tag(self, value: t.Any) -> t.Any:
        """Return ``value`` converted to its tagged JSON-ready form."""
        if self._stock:
            kind = type(value)
            if kind in _SCALARS:
                # PERF: no stock tag claims an exact str, int, float, bool or
                # None (a session counter: dumps 3.8 -> 1.6 µs).
                return value
            if kind is dict and (len(value) != 1 or next(iter(value)) not in self.tags):
                # PERF: what TagDict declines goes to PassDict; inlined, with
                # scalar values kept without a call (a session counter: tag
                # 0.73 -> 0.44 µs).
                scalars = _SCALARS
                return {
                    key: item if type(item) in scalars else self.tag(item)
                    for key, item in value.items()
                }
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Turn one tagged object back into its Python value; others pass through."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(value[key])

    def _untag_scan(self, value: t.Any) -> t.Any:
        # Innermost first, so a tag's to_python always sees finished children.
        if isinstance(value, dict):
            return self.untag({k: self._untag_scan(v) for k, v in value.items()})
        if isinstance(value, list):
            return [self._untag_scan(item) for item in value]
        return value

    def dumps(self, value: t.Any) -> str:
        """Return the tagged, compact JSON text for ``value``."""
        # PERF: json.dumps(value, separators=(",", ":"), default=_json_default)'s
        # text, from orjson where it is provably the same (a session counter:
        # 1.80 -> 1.0 µs), else from the stdlib's C encoder called directly,
        # without an encoder object per call (1.74 -> 1.40 µs).
        tagged = self.tag(value)
        text = _compact_ascii_text(tagged, _orjson_json_default)
        if text is not None:
            return text
        return _compact_dumps(tagged, _json_default, True, False)

    def loads(self, value: str | bytes) -> t.Any:
        """Parse tagged JSON text back into Python values.

        Malformed JSON, and a tag whose payload does not decode (``{" u": 5}``,
        ``{" d": [1]}``), raise :exc:`ValueError`, so a store that reads a
        corrupted record needs to catch one error only.
        """
        # PERF: orjson where it reads what the stdlib reads (a session
        # counter: 1.20 -> 0.65 µs); the stdlib for the rest, and its errors.
        data = _fast_loads(value)
        if data is _MISS:
            data = json.loads(value)
        if self._stock and type(value) is str and '" ' not in value:
            # PERF: every stock tag key starts with a space, so text without
            # a quote followed by a space holds no tagged object (a session
            # counter: 1.3 -> 0.8 µs).
            return data
        try:
            return self._untag_scan(data)
        except (AttributeError, TypeError, KeyError, IndexError, OverflowError) as e:
            raise ValueError(f"A tagged value does not decode: {e}") from e


_STOCK_TAGS = frozenset(TaggedJSONSerializer.default_tags)
