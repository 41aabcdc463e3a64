"""``CallbackDict``: a dict that reports each change to a function."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self, TypeVar

__all__ = ["CallbackDict"]

K = TypeVar("K")
V = TypeVar("V")


class CallbackDict(dict[K, V]):
    """A dict that calls ``on_update(self)`` after every change.

    Every way of changing it reports: item assignment and deletion,
    ``update``, ``|=``, ``pop``, ``popitem``, ``setdefault`` and ``clear``. A
    call that changes nothing (popping a missing key with a default,
    ``setdefault`` on a present key, clearing an empty dict) reports nothing.
    It is the base of the ``Cache-Control`` and ``Content-Security-Policy``
    values and of a response's ``mimetype_params``, which rewrite their
    header this way::

        d = CallbackDict({"a": 1}, on_update=lambda d: print(dict(d)))
        d["b"] = 2   # prints {'a': 1, 'b': 2}
    """

    __slots__ = ("on_update",)
    on_update: Callable[[Any], None] | None

    def __init__(
        self,
        initial: Mapping[K, V] | Iterable[tuple[K, V]] | None = None,
        on_update: Callable[[Self], None] | None = None,
    ) -> None:
        # dict.__init__ fills the dict without going through __setitem__.
        super().__init__(() if initial is None else initial)
        self.on_update = on_update

    def _changed(self) -> None:
        # getattr: a subclass's __init__ may fill the dict before setting it.
        on_update = getattr(self, "on_update", None)
        if on_update is not None:
            on_update(self)

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: K) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        """Remove every item (reports only if there was one)."""
        had_items = bool(self)
        super().clear()
        if had_items:
            self._changed()

    def pop(self, key: K, *default: Any) -> Any:
        """Remove ``key`` and return its value (``default`` when it is missing)."""
        present = key in self
        result = super().pop(key, *default)
        if present:
            self._changed()
        return result

    def popitem(self) -> tuple[K, V]:
        """Remove and return the last inserted ``(key, value)`` pair."""
        result = super().popitem()
        self._changed()
        return result

    def setdefault(self, key: K, default: Any = None) -> Any:
        """Return the value of ``key``, storing ``default`` first if it is missing."""
        if key in self:
            return self[key]
        self[key] = default
        return default

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Add or replace items, as ``dict.update``; reports once."""
        super().update(*args, **kwargs)
        self._changed()

    def __ior__(self, other: Any) -> Self:  # type: ignore[override,misc]
        # dict's own |= does not go through update(), so it would not report.
        self.update(other)
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"
