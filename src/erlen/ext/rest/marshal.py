"""Output filtering: :func:`marshal`, :class:`marshal_with`, :class:`marshal_with_field`.

::

    user_fields = {"id": fields.Integer, "name": fields.String}

    class User(Resource):
        @marshal_with(user_fields, envelope="user")
        def get(self, user_id):
            return db.get(user_id)        # an object or a dict; extra keys dropped
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from .utils import unpack

__all__ = ["marshal", "marshal_with", "marshal_with_field"]

F = TypeVar("F", bound=Callable[..., Any])


def _field(field: Any) -> Any:
    """A field instance: field classes may be given uninstantiated."""
    return field() if isinstance(field, type) else field


def marshal(data: Any, fields: Mapping[str, Any], envelope: str | None = None) -> Any:
    """Return ``data`` (a dict, an object, or a list/tuple of them) reduced to
    ``fields`` and formatted by them: ``{name: field}``, where a field is a
    :mod:`~erlen.ext.rest.fields` class or instance, or a nested dict of fields.

    >>> marshal({"a": 100, "b": "foo"}, {"a": fields.Raw})
    {'a': 100}
    >>> marshal({"a": 100}, {"a": fields.Raw}, envelope="data")
    {'data': {'a': 100}}
    """
    if isinstance(data, list | tuple):
        items = [marshal(item, fields) for item in data]
        return {envelope: items} if envelope else items
    out = {
        key: marshal(data, field) if isinstance(field, dict) else _field(field).output(key, data)
        for key, field in fields.items()
    }
    return {envelope: out} if envelope else out


def _apply_to_result(f: F, transform: Callable[[Any], Any]) -> F:
    """Wrap ``f`` (plain or ``async def``) so its data goes through
    ``transform``; a ``(data, status[, headers])`` tuple keeps the rest."""

    def finish(rv: Any) -> Any:
        if isinstance(rv, tuple):
            data, code, headers = unpack(rv)
            return transform(data), code, headers
        return transform(rv)

    if inspect.iscoroutinefunction(f):

        @functools.wraps(f)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            return finish(await f(*args, **kwargs))

        return cast(F, async_wrapper)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return finish(f(*args, **kwargs))

    return cast(F, wrapper)


class marshal_with:
    """Decorator: :func:`marshal` what the function returns with ``fields``
    (and ``envelope``); works on plain and ``async def`` functions."""

    def __init__(self, fields: Mapping[str, Any], envelope: str | None = None) -> None:
        self.fields = fields
        self.envelope = envelope

    def __call__(self, f: F) -> F:
        return _apply_to_result(f, lambda data: marshal(data, self.fields, self.envelope))


class marshal_with_field:
    """Decorator: format what the function returns with one field, e.g.
    ``@marshal_with_field(fields.List(fields.Integer))``."""

    def __init__(self, field: Any) -> None:
        self.field = _field(field)

    def __call__(self, f: F) -> F:
        return _apply_to_result(f, self.field.format)
