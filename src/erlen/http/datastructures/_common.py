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


def _convert(value: Any, type: Any, default: Any) -> Any:
    """``type(value)``, or ``default`` when the conversion raises ValueError or
    TypeError: what every ``get(key, default, type)`` of Werkzeug's mappings
    answers (callers handle ``type is None`` themselves, without this call)."""
    try:
        return type(value)
    except (ValueError, TypeError):
        return default


#: The header dicts (Cache-Control, Content-Security-Policy, a response's
#: mimetype parameters): a :class:`CallbackDict` with header names as keys.
_CallbackDict: TypeAlias = CallbackDict[str, _V]
