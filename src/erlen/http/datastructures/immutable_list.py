"""``ImmutableList``: a list that refuses changes (``request.access_route``)."""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from ._common import _immutable

__all__ = ["ImmutableList"]

V = TypeVar("V")


class ImmutableList(list[V]):
    """A read-only, hashable ``list``: every method that would change it
    raises ``TypeError``. ``list(il)`` (or ``il.copy()``) gives a list to edit;
    ``+`` and ``*`` give new plain lists, as for any list."""

    __slots__ = ()

    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        _immutable(self)

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _fail
    append = extend = insert = pop = remove = reverse = sort = clear = _fail

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return type(self), (list(self),)

    def __copy__(self) -> ImmutableList[V]:
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list.__repr__(self)})"
