"""JSON helpers that follow the current app's settings: ``dumps``, ``loads``, ``jsonify``.

Inside an application context each function delegates to ``current_app.json``
(the app's :class:`~erlen.json.provider.JSONProvider`), so a custom provider or
``app.json.sort_keys = False`` applies everywhere. Outside one, they use
:mod:`json` with the same ``default`` conversions (dates, ``Decimal``,
``UUID``, dataclasses, ``__html__``).
"""

from __future__ import annotations

import json as _json
from typing import IO, TYPE_CHECKING, Any

from ..globals import _cv_app_get
from .provider import _default

if TYPE_CHECKING:
    from ..wrappers import Response

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]


def dumps(obj: Any, **kwargs: Any) -> str:
    """Serialize ``obj`` to a JSON string, with ``current_app.json`` when there is one.

    Keyword arguments go to the provider's (or :func:`json.dumps`'s) ``dumps``.
    """
    ctx = _cv_app_get(None)
    if ctx is not None:
        return ctx.app.json.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    """Serialize ``obj`` as JSON and write it to the text file ``fp``."""
    ctx = _cv_app_get(None)
    if ctx is not None:
        ctx.app.json.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", _default)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """Parse JSON from a string or bytes, with ``current_app.json`` when there is one."""
    ctx = _cv_app_get(None)
    if ctx is not None:
        return ctx.app.json.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: IO[Any], **kwargs: Any) -> Any:
    """Read the file ``fp`` and parse it as JSON."""
    ctx = _cv_app_get(None)
    if ctx is not None:
        return ctx.app.json.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """Return an ``application/json`` response of the arguments.

    ``jsonify(data)`` serializes ``data``; ``jsonify(1, 2)`` a list;
    ``jsonify(a=1)`` an object; no arguments ``null``; mixing positional and
    keyword arguments raises :class:`TypeError`. Needs an application context
    (it runs through ``current_app.json.response``)::

        @app.get("/user")
        def user():
            return jsonify(name="alice", id=1)
    """
    ctx = _cv_app_get(None)
    if ctx is None:
        raise RuntimeError(
            "jsonify() needs an application context: call it inside a view, or"
            " push one with 'with app.app_context():'."
        )
    return ctx.app.json.response(*args, **kwargs)
