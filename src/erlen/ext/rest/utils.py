"""Small helpers shared by the REST battery: status messages, return-value
unpacking and :func:`abort` with a JSON payload; :mod:`.cors` (its
``crossdomain`` decorator) is importable from here as in Flask-RESTful."""

from __future__ import annotations

from collections import OrderedDict as OrderedDict
from collections.abc import Mapping
from typing import Any, NoReturn

from erlen import abort as erlen_abort
from erlen.http.datastructures import Headers
from erlen.http.exceptions import HTTPException
from erlen.http.headers import HTTP_STATUS_CODES

from . import cors as cors

__all__ = ["OrderedDict", "abort", "cors", "http_status_message", "unpack"]

# COMPAT(flask_restful): ``from flask_restful import OrderedDict`` (and from
# ``.utils``) is :class:`collections.OrderedDict`, kept for the code that
# imports it from there.


def http_status_message(code: int) -> str:
    """The reason phrase of ``code`` (``"Not Found"`` for 404), or ``""``."""
    return HTTP_STATUS_CODES.get(code, "")


def unpack(value: Any) -> tuple[Any, Any, Any]:
    """Split what a resource returned into ``(data, status, headers)``.

    ``data``, ``(data, status)`` and ``(data, status, headers)`` are
    understood; a tuple of another length is data itself (a JSON array).
    """
    if not isinstance(value, tuple):
        return value, 200, {}
    if len(value) == 3:
        return value[0], value[1], value[2]
    if len(value) == 2:
        data, second = value
        # COMPAT(flask_restful): ``return data, {"X-Foo": "1"}`` works there
        # because Flask's make_response reads a mapping in the status slot as
        # headers; spell that out instead of relying on the accident.
        if isinstance(second, Mapping | Headers | list):
            return data, 200, second
        return data, second, {}
    return value, 200, {}


def abort(http_status_code: int, **kwargs: Any) -> NoReturn:
    """Stop the request with the HTTP error ``http_status_code``.

    Keyword arguments become the JSON body that :class:`~erlen.ext.rest.Api`
    sends for the error, instead of ``{"message": <description>}``::

        abort(404, message="User 7 doesn't exist")
        # 404 {"message": "User 7 doesn't exist"}
    """
    try:
        erlen_abort(http_status_code)
    except HTTPException as e:
        if kwargs:
            e.data = kwargs  # type: ignore[attr-defined]
        raise
    raise AssertionError("unreachable: abort() always raises")  # pragma: no cover
