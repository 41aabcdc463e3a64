"""``get_all`` (wsgiref's and Werkzeug's name for ``getlist``) on the request
header classes of both adapters."""

from __future__ import annotations

import pytest

from asgi_harness import http_scope
from erlen.adapters.asgi import ScopeHeaders, request_from_scope
from erlen.adapters.wsgi import EnvironHeaders
from erlen.http.request import Request


def test_environ_headers_get_all() -> None:
    headers = EnvironHeaders(
        {"HTTP_X_TAG": "a, b", "CONTENT_TYPE": "text/plain", "CONTENT_LENGTH": ""}
    )
    # The server joined repeated headers: one value, as getlist gives it.
    assert headers.get_all("X-Tag") == ["a, b"]
    assert headers.get_all("x-tag") == headers.getlist("X-Tag")
    assert headers.get_all("Content-Type") == ["text/plain"]
    # An empty CONTENT_LENGTH is no header at all.
    assert headers.get_all("Content-Length") == []
    assert headers.get_all("X-Missing") == []


def test_environ_headers_get_all_matches_werkzeug() -> None:
    wz = pytest.importorskip("werkzeug.datastructures")
    environ = {"HTTP_X_TAG": "a, b", "HTTP_HOST": "example.org", "CONTENT_TYPE": "text/html"}
    ours = EnvironHeaders(environ)
    theirs = wz.EnvironHeaders(environ)
    for name in ("X-Tag", "host", "Content-Type", "X-Missing"):
        assert ours.get_all(name) == theirs.get_all(name)


def test_scope_headers_get_all() -> None:
    scope = http_scope(headers=[("X-Tag", "a"), ("Host", "example.org"), ("x-tag", "b")])
    headers = request_from_scope(scope, Request).headers
    assert isinstance(headers, ScopeHeaders)
    assert headers.get_all("X-TAG") == ["a", "b"]
    assert headers.get_all("X-Missing") == []
