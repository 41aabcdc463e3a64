"""The parsed ``Accept`` headers: ``Accept``, ``MIMEAccept``, ``LanguageAccept``, ``CharsetAccept``."""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from typing import Any, overload

__all__ = [
    "Accept",
    "CharsetAccept",
    "LanguageAccept",
    "MIMEAccept",
]


# COMPAT: typed as a tuple of Any so that `"text/html" in accept` type-checks
# under mypy's strict equality; __iter__ and __getitem__ give the real types.
class Accept(tuple[Any, ...]):
    """A parsed ``Accept*`` header: ``(value, quality)`` pairs, most specific first.

    Indexing with a string gives that value's quality (``accept["gzip"]``);
    ``value in accept`` is true when the client accepts it with a quality above 0.
    """

    provided: bool

    def __new__(cls, values: Iterable[tuple[str, float]] | None = ()) -> Accept:
        if values is None:
            self = super().__new__(cls)
            self.provided = False
            return self
        items = [(value, float(quality)) for value, quality in values]
        ordered = sorted(items, key=lambda item: (cls._specificity(item[0]), item[1]), reverse=True)
        self = super().__new__(cls, ordered)
        self.provided = values.provided if isinstance(values, Accept) else True
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:
        return (tuple(self),)

    def __iter__(self) -> Iterator[tuple[str, float]]:
        return tuple.__iter__(self)

    @staticmethod
    def _specificity(value: str) -> tuple[int, ...]:
        return (value != "*",)

    def _matches(self, value: str, item: str) -> bool:
        return item == "*" or item.lower() == value.lower()

    @overload  # type: ignore[override]
    def __getitem__(self, key: str) -> float: ...
    @overload
    def __getitem__(self, key: int) -> tuple[str, float]: ...
    @overload
    def __getitem__(self, key: slice) -> tuple[tuple[str, float], ...]: ...
    def __getitem__(
        self, key: str | int | slice
    ) -> float | tuple[str, float] | tuple[tuple[str, float], ...]:
        if isinstance(key, str):
            return self.quality(key)
        return tuple.__getitem__(self, key)

    def _best_entry(self, value: str) -> tuple[str, float] | None:
        # Sorted most specific first, so the first match is the one that counts.
        for item, quality in self:
            if self._matches(value, item):
                return item, quality
        return None

    def quality(self, key: str) -> float:
        """The quality the client gives ``key`` (0 when nothing matches it)."""
        entry = self._best_entry(key)
        return entry[1] if entry is not None else 0

    def __contains__(self, value: object) -> bool:
        # COMPAT(werkzeug): Werkzeug answers True for an entry with q=0; a
        # quality of 0 means "not acceptable" (RFC 9110), so it is False here.
        return isinstance(value, str) and self.quality(value) > 0

    def index(self, key: Any, *args: Any) -> int:
        """Position of the first entry matching ``key`` (a value or a pair); ``ValueError`` if none."""
        if isinstance(key, str):
            for index, (item, _) in enumerate(self):
                if self._matches(key, item):
                    return index
            raise ValueError(key)
        return tuple.index(self, key, *args)

    def find(self, key: str | tuple[str, float]) -> int:
        """Like :meth:`index` but returns -1 when nothing matches."""
        try:
            return self.index(key)
        except ValueError:
            return -1

    def values(self) -> Iterator[str]:
        """Yield the accepted values, most specific first."""
        for value, _ in self:
            yield value

    def to_header(self) -> str:
        """The header value (``"text/html,*/*;q=0.8"``)."""
        return ",".join(
            value if quality == 1 else f"{value};q={quality:g}" for value, quality in self
        )

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"

    @overload
    def best_match(self, matches: Iterable[str]) -> str | None: ...
    @overload
    def best_match(self, matches: Iterable[str], default: str) -> str: ...
    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """Return the value of ``matches`` the client prefers, or ``default``.

        Higher quality wins; at equal quality the value matched by the more
        specific client entry wins; then the earlier one in ``matches``.
        Values with quality 0 are never returned.
        """
        result = default
        best: tuple[float, tuple[int, ...]] | None = None
        for server_value in matches:
            entry = self._best_entry(server_value)
            if entry is None or entry[1] <= 0:
                continue
            score = (entry[1], self._specificity(entry[0]))
            if best is None or score > best:
                best = score
                result = server_value
        return result

    @property
    def best(self) -> str | None:
        """The client's preferred value (highest quality, most specific), or None."""
        best_value: str | None = None
        best_quality = 0.0
        for value, quality in self:
            if quality > best_quality:
                best_value, best_quality = value, quality
        return best_value


def _split_mime(value: str) -> tuple[str, str, frozenset[tuple[str, str]]]:
    main, _, rest = value.partition(";")
    kind, _, sub = main.strip().lower().partition("/")
    params = set()
    for part in rest.split(";"):
        key, sep, val = part.partition("=")
        key = key.strip().lower()
        if sep and key and key != "q":
            params.add((key, val.strip().strip('"').lower()))
    return kind.strip(), sub.strip(), frozenset(params)


class MIMEAccept(Accept):
    """A parsed ``Accept`` header; understands ``*/*``, ``text/*`` and parameters."""

    @staticmethod
    def _specificity(value: str) -> tuple[int, ...]:
        kind, sub, params = _split_mime(value)
        return (kind != "*", sub != "*", len(params))

    def _matches(self, value: str, item: str) -> bool:
        if "/" not in value:
            raise ValueError(f"invalid mimetype {value!r}")
        if "/" not in item:
            return False
        v_kind, v_sub, v_params = _split_mime(value)
        i_kind, i_sub, i_params = _split_mime(item)
        if i_kind == "*":
            return i_sub == "*" and not i_params
        if i_kind != v_kind:
            return False
        if i_sub == "*":
            return not i_params
        return i_sub == v_sub and i_params <= v_params

    @property
    def accept_html(self) -> bool:
        """True when the client accepts HTML (or XHTML)."""
        return self.quality("text/html") > 0 or self.accept_xhtml

    @property
    def accept_xhtml(self) -> bool:
        """True when the client accepts XHTML."""
        return self.quality("application/xhtml+xml") > 0 or self.quality("application/xml") > 0

    @property
    def accept_json(self) -> bool:
        """True when the client accepts JSON."""
        return self.quality("application/json") > 0


def _normalize_lang(value: str) -> str:
    return value.strip().lower().replace("_", "-")


class LanguageAccept(Accept):
    """A parsed ``Accept-Language`` header; ``en_US`` and ``en-us`` are the same tag."""

    def _matches(self, value: str, item: str) -> bool:
        return item == "*" or _normalize_lang(item) == _normalize_lang(value)

    @overload
    def best_match(self, matches: Iterable[str]) -> str | None: ...
    @overload
    def best_match(self, matches: Iterable[str], default: str) -> str: ...
    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """Return the language of ``matches`` the client prefers, or ``default``.

        Without an exact match, the primary subtags are compared: a client
        asking for ``de-AT`` gets ``de``, one asking for ``en`` gets ``en-US``.
        """
        matches = list(matches)
        result = super().best_match(matches)
        if result is not None:
            return result
        primary = LanguageAccept(
            [(_normalize_lang(item).split("-")[0], q) for item, q in self if item != "*"]
        )
        result = Accept.best_match(primary, matches)
        if result is not None:
            return result
        by_primary: dict[str, str] = {}
        for match in matches:
            by_primary.setdefault(_normalize_lang(match).split("-")[0], match)
        result = Accept.best_match(self, list(by_primary))
        return by_primary[result] if result is not None else default


def _normalize_charset(value: str) -> str:
    try:
        return codecs.lookup(value).name
    except LookupError:
        return value.lower()


class CharsetAccept(Accept):
    """A parsed ``Accept-Charset`` header; charset aliases (``utf8``, ``UTF-8``) match."""

    def _matches(self, value: str, item: str) -> bool:
        return item == "*" or _normalize_charset(item) == _normalize_charset(value)
