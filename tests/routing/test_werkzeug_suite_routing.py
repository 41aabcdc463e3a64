"""Routing bugs Werkzeug's own test suite found (tests/compat/test_werkzeug_own_suite.py)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from erlen.http.exceptions import NotFound
from erlen.http.response import Response
from erlen.routing import BaseConverter, BuildError, Map, Rule
from erlen.routing.rules import parse_converter_args
from erlen.testing import create_environ


class RegexConverter(BaseConverter):
    def __init__(self, url_map: Map, *items: Any) -> None:
        super().__init__(url_map)
        self.regex = items[0]


def test_converter_string_arguments_keep_backslashes() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no SyntaxWarning for "\d" or "\."
        assert parse_converter_args(r"'[^/:]+\.[^/:]+', '\d{4}'") == (
            (r"[^/:]+\.[^/:]+", r"\d{4}"),
            {},
        )
        assert parse_converter_args(r'"\bword\b"') == ((r"\bword\b",), {})
        # Only an escaped quote loses its backslash.
        assert parse_converter_args(r"'it\'s'") == (("it's",), {})
        url_map = Map(
            [Rule(r"/<regex('\d{4}-\d\d'):month>/<regex('\bx\w+'):name>", endpoint="m")],
            converters={"regex": RegexConverter},
        )
    adapter = url_map.bind("example.org")
    assert adapter.match("/2024-05/xyz") == ("m", {"month": "2024-05", "name": "xyz"})
    with pytest.raises(NotFound):
        adapter.match("/20a4-05/xyz")


def test_build_error_suggests_by_method_and_values_for_an_unknown_endpoint() -> None:
    post = Rule("/post/", endpoint="foobar", methods=["POST"])
    get = Rule("/get/", endpoint="foobar", methods=["GET"])
    adapter = Map([post, get]).bind("example.com")
    assert BuildError("invalid", {}, "GET", adapter).suggested is get
    assert BuildError("invalid", {}, "POST", adapter).suggested is post
    by_id = Rule("/user/id/<id>/", endpoint="users")
    by_slug = Rule("/user/<slug>/", endpoint="users")
    adapter = Map([by_id, by_slug]).bind("example.com")
    assert BuildError("x", {"slug": ""}, None, adapter).suggested is by_slug
    assert BuildError("userz", None, None, adapter).suggested is by_id


def test_dispatch_redirect_is_a_wsgi_application() -> None:
    environ = create_environ("/foo")
    adapter = Map([Rule("/foo/", endpoint="foo")]).bind_to_environ(environ)
    redirect = adapter.dispatch(lambda endpoint, values: Response(endpoint), "/foo")
    response = Response.force_type(redirect, environ)  # type: ignore[arg-type]
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/foo/"
