"""Private helpers shared by the container modules of :mod:`erlen.http.datastructures`."""

from __future__ import annotations

from typing import Any, NoReturn

_missing: Any = object()


def _key_error(key: object) -> KeyError:
    # Imported here: erlen.http.exceptions may import this module.
    from erlen.http.exceptions import BadRequestKeyError

    return BadRequestKeyError(key)


def _immutable(obj: object) -> NoReturn:
    raise TypeError(f"{type(obj).__name__!r} objects are immutable")
