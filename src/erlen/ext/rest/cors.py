"""``crossdomain``: CORS headers for one view or resource method
(Flask-RESTful's ``flask_restful.utils.cors``).

::

    class Todo(Resource):
        @crossdomain(origin="https://app.example.com", methods={"GET", "PUT"})
        def get(self, todo_id):
            return todos[todo_id]

For a whole API, :mod:`erlen.ext.cors` does more (preflight checks, per-path
settings); this decorator is for code written against Flask-RESTful's.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from erlen import current_app, make_response, request
from erlen.http.response import Response as BaseResponse

__all__ = ["crossdomain"]

F = TypeVar("F", bound=Callable[..., Any])


def _header_list(names: str | Iterable[str] | None) -> str | None:
    if names is None:
        return None
    if isinstance(names, str):
        return names.upper()
    return ", ".join(name.upper() for name in names)


def crossdomain(
    origin: str | Iterable[str] | None = None,
    methods: str | Iterable[str] | None = None,
    headers: str | Iterable[str] | None = None,
    expose_headers: str | Iterable[str] | None = None,
    max_age: int | float | timedelta = 21600,
    attach_to_all: bool = True,
    automatic_options: bool = True,
    credentials: bool = False,
) -> Callable[[F], F]:
    """Decorate a view function or a resource method so that its responses
    carry ``Access-Control-Allow-Origin`` and the other CORS headers.

    :param origin: ``"*"``, one origin, or a list of origins: the request's
        ``Origin`` is echoed when it is one of them (``Vary: Origin``), and no
        ``Access-Control-Allow-Origin`` is sent otherwise.
    :param methods: ``Access-Control-Allow-Methods``; by default the methods
        the URL allows (its ``Allow`` header).
    :param headers: ``Access-Control-Allow-Headers``.
    :param expose_headers: ``Access-Control-Expose-Headers``.
    :param max_age: ``Access-Control-Max-Age``, seconds or a ``timedelta``.
    :param attach_to_all: add the headers to every response, not only to the
        answer to ``OPTIONS``.
    :param automatic_options: answer ``OPTIONS`` here with the app's default
        ``OPTIONS`` response (the function is not called).
    :param credentials: send ``Access-Control-Allow-Credentials: true``.
    """
    if origin is None:
        raise TypeError("crossdomain() needs an origin: '*', an origin or a list of them")
    origins: str | frozenset[str] = (
        origin if isinstance(origin, str) else frozenset(o.rstrip("/") for o in origin)
    )
    methods_value: str | None = None
    if methods is not None:
        listed = [methods] if isinstance(methods, str) else list(methods)
        methods_value = ", ".join(sorted(method.upper() for method in listed))
    headers_value = _header_list(headers)
    expose_value = _header_list(expose_headers)
    if isinstance(max_age, timedelta):
        max_age = max_age.total_seconds()
    max_age_value = str(int(max_age))

    def add_headers(response: BaseResponse) -> BaseResponse:
        if not attach_to_all and request.method != "OPTIONS":
            return response
        if isinstance(origins, str):
            allowed_origin: str | None = origins
        else:
            # SECURITY: one origin per response (a comma-separated list is not
            # valid CORS); the request's is echoed only when it is listed.
            sent = request.headers.get("Origin", "").rstrip("/")
            allowed_origin = sent if sent in origins else None
            response.vary.add("Origin")
        if allowed_origin is None:
            return response
        h = response.headers
        h["Access-Control-Allow-Origin"] = allowed_origin
        h["Access-Control-Allow-Methods"] = methods_value or ", ".join(
            sorted(current_app.make_default_options_response().allow)
        )
        h["Access-Control-Max-Age"] = max_age_value
        if credentials:
            h["Access-Control-Allow-Credentials"] = "true"
        if headers_value is not None:
            h["Access-Control-Allow-Headers"] = headers_value
        if expose_value is not None:
            h["Access-Control-Expose-Headers"] = expose_value
        return response

    def decorator(f: F) -> F:
        wrapped: Callable[..., Any]
        if inspect.iscoroutinefunction(f):

            async def async_wrapped(*args: Any, **kwargs: Any) -> BaseResponse:
                if automatic_options and request.method == "OPTIONS":
                    return add_headers(current_app.make_default_options_response())
                return add_headers(make_response(await f(*args, **kwargs)))

            wrapped = async_wrapped
        else:

            def sync_wrapped(*args: Any, **kwargs: Any) -> BaseResponse:
                if automatic_options and request.method == "OPTIONS":
                    return add_headers(current_app.make_default_options_response())
                return add_headers(make_response(f(*args, **kwargs)))

            wrapped = sync_wrapped
        functools.update_wrapper(wrapped, f)
        # The function answers OPTIONS itself (when it is a view function).
        wrapped.provide_automatic_options = False  # type: ignore[union-attr]
        return wrapped  # type: ignore[return-value]

    return decorator
