"""The parsed ``Cache-Control`` header of a request or a response."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any, NoReturn, overload

from .._numbers import digits_to_int
from ._common import _CallbackDict, _immutable

__all__ = [
    "RequestCacheControl",
    "ResponseCacheControl",
]


class _Directive:
    """A Cache-Control directive exposed as an attribute (``cc.max_age``)."""

    __slots__ = ("key",)

    def __init__(self) -> None:
        self.key = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name.replace("_", "-")

    def _set(self, obj: _CacheControl, value: str | None, present: bool) -> None:
        if present:
            if self.key not in obj or obj[self.key] != value:
                obj[self.key] = value
        elif self.key in obj:
            del obj[self.key]

    def __delete__(self, obj: _CacheControl) -> None:
        self._set(obj, None, False)


class _Flag(_Directive):
    """A directive without a value (``no-store``): True when present."""

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type) -> _Flag: ...
    @overload
    def __get__(self, obj: _CacheControl, owner: type) -> bool: ...
    def __get__(self, obj: _CacheControl | None, owner: type) -> _Flag | bool:
        if obj is None:
            return self
        return self.key in obj

    def __set__(self, obj: _CacheControl, value: bool | None) -> None:
        self._set(obj, None, bool(value))


def _seconds(value: str | None) -> int | None:
    if value is None:
        return None
    return digits_to_int(value.strip())


def _seconds_str(value: int | timedelta) -> str:
    if isinstance(value, timedelta):
        value = int(value.total_seconds())
    if isinstance(value, bool) or int(value) < 0:
        raise ValueError(f"Cache-Control seconds must be a non-negative int, not {value!r}")
    return str(int(value))


class _Seconds(_Directive):
    """A delta-seconds directive (``max-age=60``): an int, None when absent or invalid."""

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type) -> _Seconds: ...
    @overload
    def __get__(self, obj: _CacheControl, owner: type) -> int | None: ...
    def __get__(self, obj: _CacheControl | None, owner: type) -> _Seconds | int | None:
        if obj is None:
            return self
        return _seconds(obj.get(self.key))

    def __set__(self, obj: _CacheControl, value: int | timedelta | None) -> None:
        if value is None:
            self._set(obj, None, False)
        else:
            self._set(obj, _seconds_str(value), True)


class _SecondsOrFlag(_Directive):
    """``max-stale``: True without a value, an int with one, None when absent."""

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type) -> _SecondsOrFlag: ...
    @overload
    def __get__(self, obj: _CacheControl, owner: type) -> int | bool | None: ...
    def __get__(self, obj: _CacheControl | None, owner: type) -> _SecondsOrFlag | int | bool | None:
        if obj is None:
            return self
        if self.key not in obj:
            return None
        raw = obj[self.key]
        return True if raw is None else _seconds(raw)

    def __set__(self, obj: _CacheControl, value: int | bool | timedelta | None) -> None:
        if value is None or value is False:
            self._set(obj, None, False)
        elif value is True:
            self._set(obj, None, True)
        else:
            self._set(obj, _seconds_str(value), True)


class _FlagOrFields(_Directive):
    """``no-cache`` / ``private`` on a response: True bare, a field list string, None absent."""

    __slots__ = ()

    @overload
    def __get__(self, obj: None, owner: type) -> _FlagOrFields: ...
    @overload
    def __get__(self, obj: _CacheControl, owner: type) -> str | bool | None: ...
    def __get__(self, obj: _CacheControl | None, owner: type) -> _FlagOrFields | str | bool | None:
        if obj is None:
            return self
        if self.key not in obj:
            return None
        raw = obj[self.key]
        return True if raw is None else raw

    def __set__(self, obj: _CacheControl, value: str | bool | None) -> None:
        if value is None or value is False:
            self._set(obj, None, False)
        elif value is True:
            self._set(obj, None, True)
        else:
            self._set(obj, str(value), True)


class _CacheControl(_CallbackDict["str | None"]):
    """Shared base of the request and response ``Cache-Control`` values.

    It is a dict of directive name to value (None for a bare directive), with
    the known directives also available as attributes. ``on_update`` is called
    after every change, so a response can write its header back.
    """

    __slots__ = ("provided",)

    no_store = _Flag()
    max_age = _Seconds()
    no_transform = _Flag()
    stale_if_error = _Seconds()

    def __init__(
        self,
        values: Mapping[str, str | None] | Iterable[tuple[str, str | None]] | None = (),
        on_update: Callable[[Any], None] | None = None,
    ) -> None:
        self.on_update = None
        dict.__init__(self, values or ())
        self.provided = values is not None
        self.on_update = on_update

    def to_header(self) -> str:
        """The header value (``"max-age=60, public"``)."""
        from erlen.http.headers import dump_header

        return dump_header(self)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.to_header()!r}>"

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return type(self), (dict(self),)


class RequestCacheControl(_CacheControl):
    """The ``Cache-Control`` header a client sent (``request.cache_control``); read-only."""

    __slots__ = ()

    no_cache = _Flag()
    max_stale = _SecondsOrFlag()
    min_fresh = _Seconds()
    only_if_cached = _Flag()

    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        _immutable(self)

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _fail


class ResponseCacheControl(_CacheControl):
    """The ``Cache-Control`` header of a response (``response.cache_control``).

    Setting an attribute updates the header::

        response.cache_control.max_age = 300
        response.cache_control.public = True   # Cache-Control: max-age=300, public
    """

    __slots__ = ()

    no_cache = _FlagOrFields()
    private = _FlagOrFields()
    public = _Flag()
    must_revalidate = _Flag()
    proxy_revalidate = _Flag()
    s_maxage = _Seconds()
    immutable = _Flag()
    must_understand = _Flag()
    stale_while_revalidate = _Seconds()
