"""The WSGI floor: a hand-written callable with no framework."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from ..fixtures import Fixtures
from ._bare import UNSUPPORTED as UNSUPPORTED
from ._bare import BareApp, BareRouting, Result

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
_STATUS = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}


def _respond(result: Result, start_response: StartResponse) -> list[bytes]:
    status, headers, body = result
    start_response(_STATUS[status], [*headers, ("content-length", str(len(body)))])
    return [body]


def make_wsgi_app(fx: Fixtures) -> WSGIApp:
    """The bare WSGI scenario app."""
    bare = BareApp(fx)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH")
        body = environ["wsgi.input"].read(int(length)) if length else b""
        result = bare.handle(
            environ["PATH_INFO"],
            environ.get("QUERY_STRING", ""),
            environ.get("CONTENT_TYPE", ""),
            environ.get("HTTP_RANGE", ""),
            body,
        )
        return _respond(result, start_response)

    return app


def make_wsgi_routing_app(size: int, dynamic: bool) -> WSGIApp:
    """The bare WSGI routing floor."""
    bare = BareRouting(size, dynamic)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return _respond(bare.handle(environ["PATH_INFO"]), start_response)

    return app
