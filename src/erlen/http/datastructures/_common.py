"""Private helpers shared by the container modules of :mod:`erlen.http.datastructures`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, NoReturn, TypeVar

_missing: Any = object()


def _key_error(key: object) -> KeyError:
    # Imported here: erlen.http.exceptions may import this module.
    from erlen.http.exceptions import BadRequestKeyError

    return BadRequestKeyError(key)


def _immutable(obj: object) -> NoReturn:
    raise TypeError(f"{type(obj).__name__!r} objects are immutable")


_V = TypeVar("_V", bound="str | None")


class _CallbackDict(dict[str, _V], Generic[_V]):
    """A dict that calls ``on_update(self)`` after every change (a change
    that changes nothing, such as popping a missing key, calls nothing):
    Cache-Control, Content-Security-Policy and a response's mimetype
    parameters rewrite their header through it."""

    __slots__ = ("on_update",)
    on_update: Callable[[Any], None] | None

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def __setitem__(self, key: str, value: _V) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        had_items = bool(self)
        super().clear()
        if had_items:
            self._changed()

    def pop(self, key: str, *default: Any) -> Any:
        present = key in self
        result = super().pop(key, *default)
        if present:
            self._changed()
        return result

    def popitem(self) -> tuple[str, _V]:
        result = super().popitem()
        self._changed()
        return result

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        self[key] = default
        return default

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()
