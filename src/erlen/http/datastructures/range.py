"""Conditional and partial requests: ``ETags``, ``IfRange``, ``Range``, ``ContentRange``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime

__all__ = [
    "ContentRange",
    "ETags",
    "IfRange",
    "Range",
]


class ETags:
    """A set of entity tags from ``If-Match`` / ``If-None-Match``, or the ``*`` wildcard.

    ``etag in etags`` uses strong comparison; :meth:`contains_weak` also
    accepts weak tags (as ``If-None-Match`` requires).
    """

    __slots__ = ("_strong", "_weak", "star_tag")

    def __init__(
        self,
        strong_etags: Iterable[str] | None = None,
        weak_etags: Iterable[str] | None = None,
        star_tag: bool = False,
    ) -> None:
        self._strong = dict.fromkeys(strong_etags or ())
        self._weak = dict.fromkeys(weak_etags or ())
        self.star_tag = star_tag

    def as_set(self, include_weak: bool = False) -> set[str]:
        """The tags as a set (strong only unless ``include_weak``)."""
        result = set(self._strong)
        if include_weak:
            result.update(self._weak)
        return result

    def is_weak(self, etag: str) -> bool:
        """True if ``etag`` is among the weak tags."""
        return etag in self._weak

    def is_strong(self, etag: str) -> bool:
        """True if ``etag`` is among the strong tags."""
        return etag in self._strong

    def contains(self, etag: str) -> bool:
        """Strong comparison: True for a strong tag or the ``*`` wildcard."""
        return self.star_tag or etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """Weak comparison: True for a strong or weak tag or the ``*`` wildcard."""
        return self.star_tag or etag in self._strong or etag in self._weak

    def contains_raw(self, etag: str) -> bool:
        """Check a tag as written in a header (``W/"x"`` compares weakly)."""
        from erlen.http.headers import unquote_etag

        value, weak = unquote_etag(etag)
        if value is None:
            return False
        return self.contains_weak(value) if weak else self.contains(value)

    def to_header(self) -> str:
        """The header value (``"a", W/"b"`` or ``*``)."""
        if self.star_tag:
            return "*"
        return ", ".join(
            [f'"{tag}"' for tag in self._strong] + [f'W/"{tag}"' for tag in self._weak]
        )

    def __call__(
        self, etag: str | None = None, data: bytes | None = None, include_weak: bool = False
    ) -> bool:
        """Check ``etag`` (or the ETag of ``data``) against the set."""
        if etag is None:
            if data is None:
                raise TypeError("either etag or data is required")
            from erlen.http.headers import generate_etag

            etag = generate_etag(data)
        return self.contains_weak(etag) if include_weak else self.contains(etag)

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __iter__(self) -> Iterator[str]:
        return iter(self._strong)

    def __len__(self) -> int:
        return len(self._strong)

    def __contains__(self, etag: object) -> bool:
        return isinstance(etag, str) and self.contains(etag)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ETags):
            return NotImplemented
        return (
            self.star_tag == other.star_tag
            and set(self._strong) == set(other._strong)
            and set(self._weak) == set(other._weak)
        )

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class IfRange:
    """A parsed ``If-Range`` header: an ETag or a date (or neither when absent or invalid)."""

    __slots__ = ("date", "etag")

    def __init__(self, etag: str | None = None, date: datetime | None = None) -> None:
        self.etag = etag
        self.date = date

    def to_header(self) -> str:
        """The header value: the quoted ETag, the HTTP date, or ``""``."""
        from erlen.http.headers import http_date, quote_etag

        if self.date is not None:
            return http_date(self.date)
        if self.etag is not None:
            return quote_etag(self.etag)
        return ""

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class Range:
    """A parsed ``Range`` header: a unit and a list of ``(start, stop)`` ranges.

    ``stop`` is exclusive. A suffix range ``-500`` is ``(-500, None)``, an open
    range ``500-`` is ``(500, None)``.
    """

    __slots__ = ("ranges", "units")

    def __init__(self, units: str, ranges: Sequence[tuple[int, int | None]]) -> None:
        self.units = units
        self.ranges = list(ranges)
        for start, stop in self.ranges:
            if start is None or (stop is not None and (start < 0 or start >= stop)):
                raise ValueError(f"{(start, stop)!r} is not a valid range")

    def range_for_length(self, length: int | None) -> tuple[int, int] | None:
        """The ``(start, stop)`` to send for a body of ``length`` bytes.

        None when the unit is not ``bytes``, the length is unknown, there is
        more than one range (erlen sends multipart ranges as a full body), or
        the range is unsatisfiable.
        """
        if self.units != "bytes" or length is None or len(self.ranges) != 1:
            return None
        start, stop = self.ranges[0]
        if stop is None:
            stop = length
            if start < 0:
                # A suffix longer than the body means the whole body (RFC 9110 14.1.3).
                start = max(length + start, 0)
        stop = min(stop, length)
        if start >= stop:
            return None
        return start, stop

    def make_content_range(self, length: int | None) -> ContentRange | None:
        """The :class:`ContentRange` answering this range for a body of ``length`` bytes."""
        rng = self.range_for_length(length)
        if rng is None:
            return None
        return ContentRange(self.units, rng[0], rng[1], length)

    def to_header(self) -> str:
        """The header value (``"bytes=0-499,-500"``)."""
        parts = []
        for start, stop in self.ranges:
            if stop is None:
                parts.append(f"{start}-" if start >= 0 else str(start))
            else:
                parts.append(f"{start}-{stop - 1}")
        return f"{self.units}={','.join(parts)}"

    def to_content_range_header(self, length: int | None) -> str | None:
        """The ``Content-Range`` value for a body of ``length`` bytes, or None."""
        content_range = self.make_content_range(length)
        return content_range.to_header() if content_range is not None else None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        return self.units == other.units and self.ranges == other.ranges

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"


class ContentRange:
    """A ``Content-Range`` value: ``units start-(stop-1)/length`` with ``stop`` exclusive.

    ``start`` and ``stop`` are None for ``bytes */length`` (an unsatisfiable
    range answer); ``length`` is None for an unknown length (``/*``).
    """

    __slots__ = ("_length", "_start", "_stop", "_units", "on_update")

    def __init__(
        self,
        units: str | None,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        on_update: Callable[[ContentRange], None] | None = None,
    ) -> None:
        self.on_update = None
        self.set(start, stop, length, units)
        self.on_update = on_update

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    @property
    def units(self) -> str | None:
        """The range unit (``"bytes"``), None when unset."""
        return self._units

    @units.setter
    def units(self, value: str | None) -> None:
        self._units = value
        self._changed()

    @property
    def start(self) -> int | None:
        """First byte position."""
        return self._start

    @start.setter
    def start(self, value: int | None) -> None:
        self._start = value
        self._changed()

    @property
    def stop(self) -> int | None:
        """Position after the last byte (exclusive)."""
        return self._stop

    @stop.setter
    def stop(self, value: int | None) -> None:
        self._stop = value
        self._changed()

    @property
    def length(self) -> int | None:
        """The complete length, None when unknown."""
        return self._length

    @length.setter
    def length(self, value: int | None) -> None:
        self._length = value
        self._changed()

    def set(
        self,
        start: int | None,
        stop: int | None,
        length: int | None = None,
        units: str | None = "bytes",
    ) -> None:
        """Set all fields at once (one ``on_update`` call)."""
        self._units = units
        self._start = start
        self._stop = stop
        self._length = length
        self._changed()

    def unset(self) -> None:
        """Clear the value; the header is then removed."""
        self.set(None, None, None, None)

    def to_header(self) -> str:
        """The header value (``"bytes 0-99/1000"``), or ``""`` when unset."""
        if self._units is None:
            return ""
        length = "*" if self._length is None else str(self._length)
        if self._start is None or self._stop is None:
            return f"{self._units} */{length}"
        return f"{self._units} {self._start}-{self._stop - 1}/{length}"

    def __bool__(self) -> bool:
        return self._units is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ContentRange):
            return NotImplemented
        return (self._units, self._start, self._stop, self._length) == (
            other._units,
            other._start,
            other._stop,
            other._length,
        )

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"
