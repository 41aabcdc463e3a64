"""Multi-value dicts (form data, query arguments and cookies, where a key may
repeat) and the plain dicts they build on: ``TypeConversionDict`` (a ``get``
that converts) and the read-only ``ImmutableDict``."""

from __future__ import annotations

import copy as _copy
from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping
from typing import Any, Literal, NoReturn, Self, TypeVar, overload

from ._common import _convert, _immutable, _key_error, _missing

__all__ = [
    "CombinedMultiDict",
    "ImmutableDict",
    "ImmutableMultiDict",
    "ImmutableTypeConversionDict",
    "MultiDict",
    "TypeConversionDict",
    "iter_multi_items",
]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")
D = TypeVar("D")


# PERF: unbound dict methods typed as Any. MultiDict stores a list per key in
# the underlying dict while its public methods speak single values; going
# through these avoids both the overridden methods and a cast per call.
_dget: Callable[[Any, Any], Any] = dict.__getitem__
_dgetor: Callable[[Any, Any], Any] = dict.get
_dset: Callable[[Any, Any, Any], None] = dict.__setitem__
_ditems: Callable[[Any], Iterable[tuple[Any, Any]]] = dict.items
_dvalues: Callable[[Any], Iterable[Any]] = dict.values
_dpop: Callable[..., Any] = dict.pop
_dpopitem: Callable[[Any], tuple[Any, Any]] = dict.popitem
_dsetdefault: Callable[[Any, Any, Any], Any] = dict.setdefault
_diter: Callable[[Any], Iterator[Any]] = dict.__iter__
_dlen: Callable[[Any], int] = dict.__len__
_dcontains: Callable[[Any, Any], bool] = dict.__contains__


@overload
def iter_multi_items(mapping: MultiDict[K, V]) -> Iterator[tuple[K, V]]: ...
@overload
def iter_multi_items(mapping: Mapping[K, list[V] | tuple[V, ...]]) -> Iterator[tuple[K, V]]: ...
@overload
def iter_multi_items(mapping: Mapping[K, V]) -> Iterator[tuple[K, V]]: ...
@overload
def iter_multi_items(mapping: Iterable[tuple[K, V]]) -> Iterator[tuple[K, V]]: ...
def iter_multi_items(
    mapping: MultiDict[K, V] | Mapping[K, Any] | Iterable[tuple[K, V]],
) -> Iterator[tuple[K, Any]]:
    """Yield every ``(key, value)`` pair of a MultiDict, a dict or an iterable of pairs.

    A list or tuple value in a plain dict gives one pair per item.
    """
    if isinstance(mapping, MultiDict):
        yield from mapping.items(multi=True)
    elif isinstance(mapping, Mapping):
        for key, value in mapping.items():
            if isinstance(value, (list, tuple)):
                for item in value:
                    yield key, item
            else:
                yield key, value
    else:
        yield from mapping


# --------------------------------------------------------------------------
# A dict whose get() converts
# --------------------------------------------------------------------------


class TypeConversionDict(dict[K, V]):
    """A ``dict`` whose :meth:`get` can convert the value it returns.

    :class:`MultiDict` (and so ``request.args`` and ``request.form``) is one::

        d = TypeConversionDict(page="3", size="big")
        d.get("page", type=int)        # 3
        d.get("size", 10, type=int)    # 10: int("big") raised ValueError
    """

    @overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: V) -> V: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...
    @overload
    def get(self, key: K, *, type: Callable[[V], T]) -> T | None: ...
    @overload
    def get(self, key: K, default: D, type: Callable[[V], T]) -> T | D: ...
    def get(self, key: K, default: Any = None, type: Callable[[V], Any] | None = None) -> Any:
        """Return the value of ``key``, or ``default`` when it is missing.

        With ``type`` the value is passed through it first; a ``ValueError``
        or ``TypeError`` from the conversion gives ``default`` too.
        """
        try:
            value = self[key]
        except KeyError:
            return default
        if type is None:
            return value
        return _convert(value, type, default)


# --------------------------------------------------------------------------
# Multi-value dicts
# --------------------------------------------------------------------------


class MultiDict(TypeConversionDict[K, V]):
    """A dict that can hold several values per key (form data, query arguments).

    Plain item access returns the first value; :meth:`getlist` returns all of
    them, :meth:`add` appends one. It is still a ``dict``, so ``json.dumps``,
    ``dict(md)`` and ``isinstance(md, dict)`` see the first value of each key::

        md = MultiDict([("tag", "a"), ("tag", "b")])
        md["tag"], md.getlist("tag")   # ('a', ['a', 'b'])

    A missing key raises :class:`~erlen.http.exceptions.BadRequestKeyError`,
    which is a ``KeyError`` and, if it escapes a view, a 400 response.
    """

    @overload
    def __init__(self, mapping: None = None) -> None: ...
    @overload
    def __init__(self, mapping: MultiDict[K, V]) -> None: ...
    @overload
    def __init__(self, mapping: Mapping[K, list[V] | tuple[V, ...]]) -> None: ...
    @overload
    def __init__(self, mapping: Mapping[K, V]) -> None: ...
    @overload
    def __init__(self, mapping: Iterable[tuple[K, V]]) -> None: ...
    def __init__(
        self,
        mapping: MultiDict[K, V] | Mapping[K, Any] | Iterable[tuple[K, V]] | None = None,
    ) -> None:
        if mapping is None:
            return
        if type(mapping) is list:
            # PERF: the parsers hand over a list of pairs; skipping the ABC
            # checks and the KeyError on each new key: 1.79 -> 0.78 µs for
            # the four pairs of "q=hello+world&page=3&tags=a&tags=b".
            for key, value in mapping:
                values = _dgetor(self, key)
                if values is None:
                    _dset(self, key, [value])
                else:
                    values.append(value)
            return
        if isinstance(mapping, MultiDict):
            # lists() rather than the raw dict: a CombinedMultiDict keeps its
            # values in the dicts it wraps.
            for key, values in mapping.lists():
                _dset(self, key, values)
        elif isinstance(mapping, Mapping):
            for key, value in mapping.items():
                if isinstance(value, (list, tuple)):
                    if not value:
                        continue
                    _dset(self, key, list(value))
                else:
                    _dset(self, key, [value])
        else:
            for key, value in mapping:
                try:
                    _dget(self, key).append(value)
                except KeyError:
                    _dset(self, key, [value])

    # -- reading -----------------------------------------------------------

    def __getitem__(self, key: K) -> V:
        try:
            values = _dget(self, key)
        except KeyError:
            raise _key_error(key) from None
        if values:
            return values[0]  # type: ignore[no-any-return]
        raise _key_error(key)

    @overload  # type: ignore[override]
    def get(self, key: K) -> V | None: ...
    @overload
    def get(self, key: K, default: V) -> V: ...
    @overload
    def get(self, key: K, default: D) -> V | D: ...
    @overload
    def get(self, key: K, *, type: Callable[[V], T]) -> T | None: ...
    @overload
    def get(self, key: K, default: D, type: Callable[[V], T]) -> T | D: ...
    def get(self, key: K, default: Any = None, type: Callable[[V], Any] | None = None) -> Any:
        """Return the first value for ``key``, or ``default`` when it is missing.

        With ``type`` the value is converted (``md.get("page", 1, type=int)``);
        a conversion raising ``ValueError`` or ``TypeError`` gives ``default``.
        """
        try:
            values = _dget(self, key)
        except KeyError:
            return default
        if not values:
            return default
        if type is None:
            return values[0]
        return _convert(values[0], type, default)

    @overload
    def getlist(self, key: K) -> list[V]: ...
    @overload
    def getlist(self, key: K, type: Callable[[V], T]) -> list[T]: ...
    def getlist(self, key: K, type: Callable[[V], Any] | None = None) -> list[Any]:
        """Return every value for ``key`` (an empty list when it is missing).

        With ``type`` each value is converted; values that fail to convert are left out.
        """
        try:
            values = _dget(self, key)
        except KeyError:
            return []
        if type is None:
            return list(values)
        result = []
        for value in values:
            try:
                result.append(type(value))
            except (ValueError, TypeError):
                pass
        return result

    def __iter__(self) -> Iterator[K]:
        # COMPAT: defining __iter__ makes dict(md) and {**md} go through
        # keys()/__getitem__, so they see first values, not the inner lists.
        return _diter(self)

    def items(self, multi: bool = False) -> Iterator[tuple[K, V]]:  # type: ignore[override]
        """Yield ``(key, value)`` pairs: the first value per key, or every pair with ``multi``."""
        for key, values in _ditems(self):
            if multi:
                for value in values:
                    yield key, value
            elif values:
                yield key, values[0]

    def lists(self) -> Iterator[tuple[K, list[V]]]:
        """Yield ``(key, [values])`` pairs."""
        for key, values in _ditems(self):
            yield key, list(values)

    def values(self) -> Iterator[V]:  # type: ignore[override]
        """Yield the first value of every key."""
        for values in _dvalues(self):
            if values:
                yield values[0]

    def listvalues(self) -> Iterator[list[V]]:
        """Yield the list of values of every key."""
        for values in _dvalues(self):
            yield list(values)

    @overload
    def to_dict(self) -> dict[K, V]: ...
    @overload
    def to_dict(self, flat: Literal[True]) -> dict[K, V]: ...
    @overload
    def to_dict(self, flat: Literal[False]) -> dict[K, list[V]]: ...
    @overload
    def to_dict(self, flat: bool) -> dict[K, V] | dict[K, list[V]]: ...
    def to_dict(self, flat: bool = True) -> dict[K, V] | dict[K, list[V]]:
        """Return a plain dict: first values, or lists of all values with ``flat=False``."""
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def copy(self) -> MultiDict[K, V]:
        """Return a shallow, mutable copy."""
        return MultiDict(self)

    def deepcopy(self, memo: dict[int, Any] | None = None) -> MultiDict[K, V]:
        """Return a deep, mutable copy."""
        return MultiDict(_copy.deepcopy(list(self.items(multi=True)), memo))

    def __copy__(self) -> MultiDict[K, V]:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> MultiDict[K, V]:
        return self.deepcopy(memo)

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return type(self), (list(self.items(multi=True)),)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"

    # -- writing -----------------------------------------------------------

    def __setitem__(self, key: K, value: V) -> None:
        _dset(self, key, [value])

    def add(self, key: K, value: V) -> None:
        """Append ``value`` to the values of ``key``."""
        try:
            _dget(self, key).append(value)
        except KeyError:
            _dset(self, key, [value])

    def setlist(self, key: K, new_list: Iterable[V]) -> None:
        """Replace the values of ``key`` with the items of ``new_list``."""
        _dset(self, key, list(new_list))

    def setdefault(self, key: K, default: V = None) -> V:  # type: ignore[assignment]
        """Return the first value of ``key``, storing ``default`` first if it is missing."""
        values = _dget(self, key) if _dcontains(self, key) else None
        if values:
            return values[0]  # type: ignore[no-any-return]
        _dset(self, key, [default])
        return default

    def setlistdefault(self, key: K, default_list: Iterable[V] | None = None) -> list[V]:
        """Return the (live) list of values of ``key``, storing ``default_list`` if missing."""
        if not _dcontains(self, key):
            _dset(self, key, list(default_list or ()))
        return _dget(self, key)  # type: ignore[no-any-return]

    def update(  # type: ignore[override]
        self,
        mapping: MultiDict[K, V] | Mapping[K, Any] | Iterable[tuple[K, V]] | None = None,
    ) -> None:
        """Add the values of ``mapping`` (unlike ``dict.update``, existing values are kept)."""
        if mapping is None:
            return
        for key, value in iter_multi_items(mapping):
            self.add(key, value)

    def __or__(self, other: Any) -> MultiDict[K, V]:  # type: ignore[override]
        if not isinstance(other, Mapping):
            return NotImplemented
        result = self.copy()
        result.update(other)
        return result

    def __ior__(self, other: Any) -> MultiDict[K, V]:  # type: ignore[override]
        if not isinstance(other, Mapping | Iterable):
            return NotImplemented
        self.update(other)
        return self

    @overload
    def pop(self, key: K) -> V: ...
    @overload
    def pop(self, key: K, default: V) -> V: ...
    @overload
    def pop(self, key: K, default: D) -> V | D: ...
    def pop(self, key: K, default: Any = _missing) -> Any:
        """Remove ``key`` and return its first value (or ``default`` when missing)."""
        values = _dpop(self, key, None)
        if values:
            return values[0]
        if default is _missing:
            raise _key_error(key)
        return default

    def popitem(self) -> tuple[K, V]:
        """Remove an item and return ``(key, first value)``."""
        try:
            key, values = _dpopitem(self)
        except KeyError as e:
            raise _key_error(e.args[0]) from None
        if not values:
            raise _key_error(key)
        return key, values[0]

    def poplist(self, key: K) -> list[V]:
        """Remove ``key`` and return all its values (an empty list when it is missing)."""
        return _dpop(self, key, [])  # type: ignore[no-any-return]

    def popitemlist(self) -> tuple[K, list[V]]:
        """Remove an item and return ``(key, [values])``."""
        try:
            return _dpopitem(self)
        except KeyError as e:
            raise _key_error(e.args[0]) from None

    @classmethod
    def fromkeys(cls, keys: Iterable[K], value: V = None) -> MultiDict[K, V]:  # type: ignore[override, assignment]
        """Make a MultiDict with each of ``keys`` holding ``value``."""
        return cls([(key, value) for key in keys])


class ImmutableMultiDict(MultiDict[K, V]):
    """A read-only :class:`MultiDict` (``request.args``, ``request.form``); hashable.

    Mutating methods raise ``TypeError``; :meth:`copy` returns a mutable MultiDict.
    """

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items(multi=True)))

    def copy(self) -> MultiDict[K, V]:
        """Return a mutable :class:`MultiDict` with the same items."""
        return MultiDict(self)

    def __copy__(self) -> ImmutableMultiDict[K, V]:
        return self

    def __setitem__(self, key: K, value: V) -> NoReturn:
        _immutable(self)

    def __delitem__(self, key: K) -> NoReturn:
        _immutable(self)

    def add(self, key: K, value: V) -> NoReturn:
        _immutable(self)

    def setlist(self, key: K, new_list: Iterable[V]) -> NoReturn:
        _immutable(self)

    def setdefault(self, key: K, default: V = None) -> NoReturn:  # type: ignore[assignment]
        _immutable(self)

    def setlistdefault(self, key: K, default_list: Iterable[V] | None = None) -> NoReturn:
        _immutable(self)

    def update(self, mapping: Any = None) -> NoReturn:
        _immutable(self)

    def __ior__(self, other: Any) -> NoReturn:
        _immutable(self)

    def pop(self, key: K, default: Any = _missing) -> NoReturn:
        _immutable(self)

    def popitem(self) -> NoReturn:
        _immutable(self)

    def poplist(self, key: K) -> NoReturn:
        _immutable(self)

    def popitemlist(self) -> NoReturn:
        _immutable(self)

    def clear(self) -> NoReturn:
        _immutable(self)


class CombinedMultiDict(ImmutableMultiDict[K, V]):
    """A read-only view over several MultiDicts, searched in order (``request.values``).

    ``getlist`` joins the values of all of them; item access returns the value
    from the first dict that has the key.
    """

    def __init__(self, dicts: Iterable[MultiDict[K, V]] | None = None) -> None:
        super().__init__()
        self.dicts: list[MultiDict[K, V]] = list(dicts or ())

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return type(self), (self.dicts,)

    def __getitem__(self, key: K) -> V:
        for d in self.dicts:
            if key in d:
                return d[key]
        raise _key_error(key)

    def get(self, key: K, default: Any = None, type: Callable[[V], Any] | None = None) -> Any:
        """Return the first value for ``key`` in the first dict that has a usable one."""
        for d in self.dicts:
            if key in d:
                if type is None:
                    return d[key]
                try:
                    return type(d[key])
                except (ValueError, TypeError):
                    continue
        return default

    def getlist(self, key: K, type: Callable[[V], Any] | None = None) -> list[Any]:
        """Return the values of ``key`` from every dict, in order."""
        result: list[Any] = []
        for d in self.dicts:
            result.extend(d.getlist(key, type) if type is not None else d.getlist(key))
        return result

    def _keys(self) -> dict[K, None]:
        keys: dict[K, None] = {}
        for d in self.dicts:
            keys.update(dict.fromkeys(_diter(d)))
        return keys

    def keys(self) -> KeysView[K]:  # type: ignore[override]
        return self._keys().keys()

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def __contains__(self, key: object) -> bool:
        return any(key in d for d in self.dicts)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MultiDict):
            return list(self.lists()) == list(other.lists())
        return NotImplemented

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items(multi=True)))

    def items(self, multi: bool = False) -> Iterator[tuple[K, V]]:  # type: ignore[override]
        """Yield ``(key, value)`` pairs across all dicts (see :meth:`MultiDict.items`)."""
        if multi:
            for key in self._keys():
                for value in self.getlist(key):
                    yield key, value
        else:
            for key in self._keys():
                yield key, self[key]

    def lists(self) -> Iterator[tuple[K, list[V]]]:
        """Yield ``(key, [values])`` pairs across all dicts."""
        for key in self._keys():
            yield key, self.getlist(key)

    def values(self) -> Iterator[V]:  # type: ignore[override]
        """Yield the first value of every key."""
        for _, value in self.items():
            yield value

    def listvalues(self) -> Iterator[list[V]]:
        """Yield the list of values of every key."""
        for _, values in self.lists():
            yield values

    def copy(self) -> MultiDict[K, V]:
        """Return a mutable :class:`MultiDict` with all values of all dicts."""
        return MultiDict(list(self.items(multi=True)))

    def __copy__(self) -> CombinedMultiDict[K, V]:
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.dicts!r})"

    @classmethod
    def fromkeys(cls, keys: Iterable[K], value: V = None) -> NoReturn:  # type: ignore[override, assignment]
        raise TypeError(f"cannot create {cls.__name__!r} instances with fromkeys")


class ImmutableDict(dict[K, V]):
    """A read-only, hashable dict."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def copy(self) -> dict[K, V]:
        """Return a mutable ``dict`` with the same items."""
        return dict(self)

    def __copy__(self) -> Self:
        return self

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return type(self), (dict(self),)

    @classmethod
    def fromkeys(cls, keys: Iterable[K], value: V = None) -> Self:  # type: ignore[override, assignment]
        """Make one with each of ``keys`` holding ``value``."""
        # dict.fromkeys would fill the new dict through __setitem__.
        return cls(dict.fromkeys(keys, value))

    def _fail(self, *args: Any, **kwargs: Any) -> NoReturn:
        _immutable(self)

    __setitem__ = __delitem__ = __ior__ = _fail
    setdefault = update = pop = popitem = clear = _fail


class ImmutableTypeConversionDict(ImmutableDict[K, V], TypeConversionDict[K, V]):
    """A read-only, hashable :class:`TypeConversionDict`.

    Mutating methods raise ``TypeError``; :meth:`copy` returns a mutable
    TypeConversionDict.
    """

    def copy(self) -> TypeConversionDict[K, V]:
        """Return a mutable :class:`TypeConversionDict` with the same items."""
        return TypeConversionDict(self)
