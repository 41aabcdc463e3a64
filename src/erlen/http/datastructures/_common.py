"""Private helpers shared by the container modules of :mod:`erlen.http.datastructures`."""

from __future__ import annotations

from typing import Any, NoReturn, TypeAlias, TypeVar

from .callback_dict import CallbackDict

_missing: Any = object()


def _key_error(key: object) -> KeyError:
    # Imported here: erlen.http.exceptions may import this module.
    from erlen.http.exceptions import BadRequestKeyError

    return BadRequestKeyError(key)


def _immutable(obj: object) -> NoReturn:
    raise TypeError(f"{type(obj).__name__!r} objects are immutable")


_V = TypeVar("_V", bound="str | None")

#: The header dicts (Cache-Control, Content-Security-Policy, a response's
#: mimetype parameters): a :class:`CallbackDict` with header names as keys.
_CallbackDict: TypeAlias = CallbackDict[str, _V]
