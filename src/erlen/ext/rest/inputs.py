"""Ready-made ``type=`` converters for :class:`~erlen.ext.rest.reqparse.Argument`.

Each takes the raw value (and, where useful, the argument's name for the
message) and returns the converted value or raises :class:`ValueError` with a
message the client sees::

    parser.add_argument("page", type=inputs.positive, location="args")
    parser.add_argument("when", type=inputs.iso8601interval)
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, time, timedelta
from datetime import date as date_type
from email.utils import mktime_tz, parsedate_tz
from typing import Any

__all__ = [
    "boolean",
    "date",
    "datetime_from_iso8601",
    "datetime_from_rfc822",
    "int_range",
    "iso8601interval",
    "natural",
    "positive",
    "regex",
    "url",
]

# A URL with an http(s) or ftp(s) scheme; optional user:password@; a domain,
# localhost, IPv4 or [IPv6] host; an optional port and path.
_URL = re.compile(
    r"^(?:http|ftp)s?://"
    r"(?:[^:@/\s]+(?::[^:@/\s]*)?@)?"
    r"(?:"
    r"(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+(?:[A-Z]{2,63}\.?|[A-Z0-9-]{2,}\.?)"
    r"|localhost"
    r"|\d{1,3}(?:\.\d{1,3}){3}"
    r"|\[?[A-F0-9]*:[A-F0-9:]+\]?"
    r")"
    r"(?::\d+)?"
    r"(?:/?|[/?]\S+)$",
    re.IGNORECASE,
)


def url(value: str) -> str:
    """Accept an absolute http(s)/ftp(s) URL; suggest ``http://`` when only
    the scheme is missing."""
    if not isinstance(value, str) or not _URL.search(value):
        message = f"{value} is not a valid URL"
        if isinstance(value, str) and _URL.search("http://" + value):
            message += f". Did you mean: http://{value}"
        raise ValueError(message)
    return value


class regex:
    """Accept a string the regular expression ``pattern`` finds a match in
    (use ``^...$`` to match the whole value)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self.re = re.compile(pattern, flags)

    def __call__(self, value: str) -> str:
        if not isinstance(value, str) or not self.re.search(value):
            raise ValueError(f'Value does not match pattern: "{self.pattern}"')
        return value

    def __deepcopy__(self, memo: dict[int, Any]) -> regex:
        return regex(self.pattern, self.flags)


def date(value: str) -> datetime:
    """Parse ``YYYY-mm-dd`` (returned as a naive :class:`~datetime.datetime`
    at midnight, as flask-restful does)."""
    return datetime.strptime(value, "%Y-%m-%d")


def _get_integer(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value} is not a valid integer") from None


def natural(value: Any, argument: str = "argument") -> int:
    """Accept an integer of 0 or more."""
    number = _get_integer(value)
    if number < 0:
        raise ValueError(f"Invalid {argument}: {number}. {argument} must be a non-negative integer")
    return number


def positive(value: Any, argument: str = "argument") -> int:
    """Accept an integer of 1 or more."""
    number = _get_integer(value)
    if number < 1:
        raise ValueError(f"Invalid {argument}: {number}. {argument} must be a positive integer")
    return number


class int_range:
    """Accept an integer between ``low`` and ``high``, both included."""

    def __init__(self, low: int, high: int, argument: str = "argument") -> None:
        self.low = low
        self.high = high
        self.argument = argument

    def __call__(self, value: Any) -> int:
        number = _get_integer(value)
        if number < self.low or number > self.high:
            raise ValueError(
                f"Invalid {self.argument}: {number}. {self.argument} must be within"
                f" the range {self.low} - {self.high}"
            )
        return number


def boolean(value: Any) -> bool:
    """Accept ``true``/``false`` and ``1``/``0`` (any case); a JSON boolean
    passes through."""
    if isinstance(value, bool):
        return value
    if not value:
        raise ValueError("boolean type must be non-null")
    text = str(value).lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(f"Invalid literal for boolean(): {value}")


def datetime_from_rfc822(datetime_str: str) -> datetime:
    """Parse an RFC 822 date (``"Wed, 02 Oct 2002 08:00:00 EST"``) into an
    aware UTC :class:`~datetime.datetime`."""
    parsed = parsedate_tz(datetime_str) if isinstance(datetime_str, str) else None
    if parsed is None:
        raise ValueError(f"{datetime_str} is not a valid RFC 822 date")
    return datetime.fromtimestamp(mktime_tz(parsed), UTC)


def datetime_from_iso8601(datetime_str: str) -> datetime:
    """Parse an ISO 8601 date and time (``"2012-01-01T23:30:00+02:00"``);
    the offset, if any, is kept."""
    if not isinstance(datetime_str, str) or "T" not in datetime_str.upper():
        raise ValueError(f"{datetime_str} is not a valid ISO 8601 date and time")
    try:
        return datetime.fromisoformat(datetime_str)
    except ValueError:
        raise ValueError(f"{datetime_str} is not a valid ISO 8601 date and time") from None


# -- ISO 8601 intervals -------------------------------------------------------------

_DURATION = re.compile(
    r"^P(?!$)"
    r"(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?"
    r"(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$",
    re.IGNORECASE,
)


def _number(text: str | None) -> float:
    return float(text.replace(",", ".")) if text else 0.0


def _add_duration(start: datetime | date_type, text: str, sign: int) -> datetime | date_type:
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(text)
    parts = match.groupdict()
    months = sign * (int(parts["years"] or 0) * 12 + int(parts["months"] or 0))
    if months:
        month_index = start.month - 1 + months
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        start = start.replace(year=year, month=month, day=day)
    delta = timedelta(
        weeks=_number(parts["weeks"]),
        days=_number(parts["days"]),
        hours=_number(parts["hours"]),
        minutes=_number(parts["minutes"]),
        seconds=_number(parts["seconds"]),
    )
    if not isinstance(start, datetime) and delta % timedelta(days=1):
        start = datetime.combine(start, time(0, 0))
    return start + sign * delta


def _parse_point(text: str) -> datetime | date_type:
    if "T" in text.upper():
        return datetime.fromisoformat(text)
    return date_type.fromisoformat(text)


def _parse_interval(value: str) -> tuple[datetime | date_type, datetime | date_type | None]:
    if "/" not in value:
        return _parse_point(value), None
    first, _, second = value.partition("/")
    if first.upper().startswith("P"):
        end = _parse_point(second)
        return _add_duration(end, first, -1), end
    start = _parse_point(first)
    if second.upper().startswith("P"):
        return start, _add_duration(start, second, 1)
    return start, _parse_point(second)


def _expand(start: datetime | date_type, value: str) -> datetime | date_type:
    """The end of the smallest interval a single date or date-time names."""
    if not isinstance(start, datetime):
        return start + timedelta(days=1)
    clock = re.sub(r"(?:[+-].*|Z)$", "", value.upper().split("T", 1)[1])
    separators = clock.count(":")
    if separators == 0 and len(clock) <= 2:
        return start + timedelta(hours=1)
    if separators == 1 or (separators == 0 and len(clock) == 4):
        return start + timedelta(minutes=1)
    return start + timedelta(seconds=1)


def _to_utc(point: datetime | date_type) -> datetime:
    if not isinstance(point, datetime):
        point = datetime.combine(point, time(0, 0))
    if point.tzinfo is None:
        return point.replace(tzinfo=UTC)
    return point.astimezone(UTC)


def iso8601interval(value: str, argument: str = "argument") -> tuple[datetime, datetime]:
    """Parse an ISO 8601 interval into ``(start, end)``, aware UTC datetimes
    (start included, end excluded).

    ``"2013-01-01/2013-02-28"``, ``"2013-01-01/P3D"``, ``"P1D/2013-01-02"`` and
    ``"2013-01-01T12:00/PT30M"`` are intervals; a single date or date-time
    spans its resolution: ``"2013-01-01"`` the day, ``"2013-01-01T12"`` the
    hour. Naive values are taken as UTC.
    """
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        start, end = _parse_interval(value.strip())
        if end is None:
            end = _expand(start, value.strip())
        start_utc, end_utc = sorted((_to_utc(start), _to_utc(end)))
    except (ValueError, TypeError, OverflowError):
        raise ValueError(
            f"Invalid {argument}: {value}. {argument} must be a valid ISO8601 date/time interval."
        ) from None
    return start_utc, end_utc
