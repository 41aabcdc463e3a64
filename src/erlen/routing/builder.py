"""Helpers for URL building: query strings and the values given to ``build``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_from_bytes, quote_plus

__all__ = ["QUERY_SAFE", "clean_build_values", "encode_query", "quote_query_bytes"]

#: Characters left as they are in query keys and values (spaces become ``+``).
QUERY_SAFE = "!$'()*,/:;?@"
#: Characters kept when re-quoting a raw query string: the reserved set and
#: ``%``, so existing escapes survive; anything else (raw non-ASCII) is escaped.
_RAW_QUERY_SAFE = "!#$%&'()*+,/:;=?@[]~"


# Text quote_plus() returns unchanged: its always-safe characters and QUERY_SAFE.
_PLAIN_QUERY_TEXT = re.compile(r"[A-Za-z0-9_.\-~!$'()*,/:;?@]*")
_SEQUENCES = (list, tuple, set, frozenset)


def _flatten(items: Iterable[tuple[Any, Any]]) -> Iterable[tuple[Any, Any]]:
    for key, value in items:
        if isinstance(value, _SEQUENCES):
            for item in value:
                yield key, item
        else:
            yield key, value


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return quote_from_bytes(value, safe=QUERY_SAFE)
    text = value if type(value) is str else str(value)
    # PERF: text that is already URL-safe ("page", "42") skips quote_plus
    # (about 1 µs a call).
    if _PLAIN_QUERY_TEXT.fullmatch(text):
        return text
    return quote_plus(text, safe=QUERY_SAFE)


def encode_query(
    items: Iterable[tuple[Any, Any]] | Mapping[str, Any],
    sort: bool = False,
    key: Callable[[Any], Any] | None = None,
) -> str:
    """Encode query arguments as ``a=1&b=x+y``.

    A list, tuple or set value repeats its key once per item; ``None`` values
    are skipped; other values are converted with ``str()``. With ``sort`` the
    pairs are ordered (by ``key`` when given).
    """
    if isinstance(items, Mapping):
        lists = getattr(items, "lists", None)
        pairs: Iterable[tuple[Any, Any]] = lists() if callable(lists) else items.items()
    else:
        pairs = items
    flat = [(k, v) for k, v in _flatten(pairs) if v is not None]
    if sort:
        flat.sort(key=key)
    return "&".join(f"{_text(k)}={_text(v)}" for k, v in flat)


def clean_build_values(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """The values ``build`` works with: a multi-value dict becomes one value per
    key (a list when the key has several), and ``None`` values are dropped."""
    if not values:
        return {}
    lists = getattr(values, "lists", None)
    if callable(lists) and hasattr(values, "getlist"):
        return {k: (v[0] if len(v) == 1 else list(v)) for k, v in lists() if len(v) != 0}
    return {k: v for k, v in values.items() if v is not None}


def quote_query_bytes(query: bytes) -> str:
    """A raw query string as URL-safe text, keeping its existing escapes."""
    return quote_from_bytes(query, safe=_RAW_QUERY_SAFE)


def quote_path(path: str, safe: str = "/!$&'()*+,:;=@") -> str:
    """Percent-encode a decoded path (``%`` itself becomes ``%25``)."""
    return quote(path, safe=safe)
