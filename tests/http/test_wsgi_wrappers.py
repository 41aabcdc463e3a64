"""The response as a WSGI application and the WSGI helpers of Werkzeug's
wrappers: ``Response.__call__``, ``get_wsgi_headers`` / ``get_app_iter`` /
``get_wsgi_response``, ``from_app``, ``force_type``, ``stream``;
``erlen.http.wsgi.run_wsgi_app`` and ``ClosingIterator``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from erlen.http.datastructures import Headers
from erlen.http.response import Response
from erlen.http.wsgi import ClosingIterator, run_wsgi_app
from erlen.testing import EnvironBuilder
from wsgi_harness import wsgi_serve


def environ_for(path: str = "/", method: str = "GET", **kwargs: Any) -> dict[str, Any]:
    return EnvironBuilder(None, path, method=method, **kwargs).get_environ()


# -- the response as a WSGI application -------------------------------------------


def test_response_is_a_wsgi_application() -> None:
    closed: list[str] = []
    response = Response("Hi there", status=201, headers={"X-A": "1"})
    response.call_on_close(lambda: closed.append("closed"))
    status, headers, data = wsgi_serve(response, environ_for())
    assert status == "201 CREATED"
    assert headers == [
        ("X-A", "1"),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", "8"),
    ]
    assert data == b"Hi there"
    assert closed == ["closed"]


def test_head_sends_headers_and_no_body_and_still_closes() -> None:
    closed: list[str] = []
    response = Response("Hello")
    response.call_on_close(lambda: closed.append("closed"))
    status, headers, data = wsgi_serve(response, environ_for(method="HEAD"))
    assert (status, data) == ("200 OK", b"")
    assert ("Content-Length", "5") in headers
    assert closed == ["closed"]


@pytest.mark.parametrize("code", [101, 204, 304])
def test_bodyless_statuses_send_no_body_and_no_entity_headers(code: int) -> None:
    response = Response("ignored", status=code, headers={"ETag": '"abc"'})
    status, headers, data = wsgi_serve(response, environ_for())
    assert status.startswith(str(code))
    assert data == b""
    names = {name.lower() for name, _ in headers}
    assert "content-length" not in names
    assert "content-type" not in names
    assert ("ETag", '"abc"') in headers


def test_streamed_body_is_sent_chunk_by_chunk_without_a_length() -> None:
    def chunks() -> Iterator[str]:
        yield "a"
        yield "é"

    response = Response(chunks())
    app_iter, status, headers = response.get_wsgi_response(environ_for())
    assert status == "200 OK"
    assert headers == [("Content-Type", "text/plain; charset=utf-8")]
    assert list(app_iter) == [b"a", "é".encode()]


def test_buffered_body_without_length_gets_one_on_the_wire_only() -> None:
    response = Response()
    response.response = [b"ab", "c"]
    headers = response.get_wsgi_headers(environ_for())
    assert headers["Content-Length"] == "3"
    assert "Content-Length" not in response.headers


def test_direct_passthrough_hands_over_the_body_object() -> None:
    body = [b"raw"]
    response = Response(body, direct_passthrough=True)
    app_iter = response.get_app_iter(environ_for())
    assert isinstance(app_iter, ClosingIterator)
    assert list(app_iter) == [b"raw"]


def test_location_is_sent_as_a_uri_and_left_relative_by_default() -> None:
    response = Response(status=302, headers={"Location": "/caf\u00e9?q=\u00fc"})
    headers = response.get_wsgi_headers(environ_for("/a/b"))
    assert headers["Location"] == "/caf%C3%A9?q=%C3%BC"
    assert response.headers["Location"] == "/caf\u00e9?q=\u00fc"


def test_autocorrect_location_header_joins_the_request_url() -> None:
    class Absolute(Response):
        autocorrect_location_header = True

    environ = environ_for("/shop/items/7", query_string="sort=asc", base_url="https://ex.org")
    cases = {
        "../cart": "https://ex.org/shop/cart",
        "next": "https://ex.org/shop/items/next",
        "/login?next=%2F": "https://ex.org/login?next=%2F",
        "//cdn.ex.org/x": "https://cdn.ex.org/x",
        "http://other.org/": "http://other.org/",
    }
    for location, expected in cases.items():
        response = Absolute(status=302, headers={"Location": location})
        assert response.get_wsgi_headers(environ)["Location"] == expected, location


def test_get_wsgi_response_types() -> None:
    app_iter, status, headers = Response("x").get_wsgi_response(environ_for())
    assert isinstance(status, str)
    assert type(headers) is list
    assert all(type(pair) is tuple and len(pair) == 2 for pair in headers)
    assert b"".join(app_iter) == b"x"


# -- from_app and force_type ------------------------------------------------------


def lazy_app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    # start_response only once the body is iterated, as generators do.
    start_response(
        "202 Accepted", [("Content-Type", "text/plain"), ("X-Path", environ["PATH_INFO"])]
    )
    yield b"first "
    yield environ["QUERY_STRING"].encode()


def test_from_app_runs_an_app_that_starts_lazily() -> None:
    response = Response.from_app(lazy_app, environ_for("/p", query_string="a=1"))
    assert type(response) is Response
    assert response.status == "202 Accepted"  # the app's status line, as written
    assert response.headers["X-Path"] == "/p"
    assert response.get_data() == b"first a=1"


def test_from_app_keeps_write_calls_first() -> None:
    def legacy(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        write(b"written ")
        return [b"returned"]

    for buffered in (False, True):
        response = Response.from_app(legacy, environ_for(), buffered=buffered)
        assert response.get_data() == b"written returned", buffered


class ClosingBody:
    def __init__(self, chunks: list[bytes], log: list[str]) -> None:
        self.chunks = chunks
        self.log = log

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        self.log.append("app closed")


def closing_app(log: list[str]) -> Callable[..., Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return ClosingBody([b"a", b"b"], log)

    return app


def test_from_app_buffered_closes_the_app_at_once() -> None:
    log: list[str] = []
    response = Response.from_app(closing_app(log), environ_for(), buffered=True)
    assert log == ["app closed"]
    assert response.response == [b"a", b"b"]


def test_from_app_streamed_closes_the_app_when_the_response_closes() -> None:
    log: list[str] = []
    response = Response.from_app(closing_app(log), environ_for())
    assert log == []
    assert response.get_data() == b"ab"
    response.close()
    assert log == ["app closed"]
    response.close()
    assert log == ["app closed"]


def test_from_app_does_not_change_the_callers_environ() -> None:
    def mutating(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["PATH_INFO"] = "/changed"
        start_response("200 OK", [])
        return []

    environ = environ_for("/original")
    Response.from_app(mutating, environ)
    assert environ["PATH_INFO"] == "/original"


def test_run_wsgi_app_reraises_exc_info() -> None:
    def failing(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        try:
            raise KeyError("boom")
        except KeyError:
            import sys

            start_response("500 Internal Server Error", [], sys.exc_info())
        return []

    with pytest.raises(KeyError, match="boom"):
        run_wsgi_app(failing, environ_for())


def test_run_wsgi_app_refuses_an_app_that_never_starts() -> None:
    log: list[str] = []

    def silent(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return ClosingBody([b"x"], log)

    with pytest.raises(RuntimeError, match="start_response"):
        run_wsgi_app(silent, environ_for())
    assert log == ["app closed"]


def test_run_wsgi_app_returns_headers_object() -> None:
    app_iter, status, headers = run_wsgi_app(lazy_app, environ_for("/h"))
    assert isinstance(headers, Headers)
    assert status == "202 Accepted"
    assert headers["x-path"] == "/h"
    assert b"".join(app_iter) == b"first "


class Custom(Response):
    pass


class Slotted(Response):
    __slots__ = ("extra",)


def test_force_type_changes_the_class_of_a_response_in_place() -> None:
    response = Response("body", status=203)
    forced = Custom.force_type(response)
    assert forced is response
    assert type(forced) is Custom
    assert forced.get_data() == b"body"


def test_force_type_runs_a_wsgi_app_with_an_environ() -> None:
    forced = Custom.force_type(lazy_app, environ_for("/f"))
    assert type(forced) is Custom
    assert forced.status_code == 202
    assert forced.get_data() == b"first "


def test_force_type_refuses_an_app_without_an_environ() -> None:
    with pytest.raises(TypeError, match="environ"):
        Response.force_type(lazy_app)


def test_force_type_to_a_subclass_with_slots_copies_and_chains_close() -> None:
    closed: list[str] = []
    response = Response("body", headers={"X-A": "1"})
    response.call_on_close(lambda: closed.append("old"))
    forced = Slotted.force_type(response)
    assert type(forced) is Slotted
    assert forced is not response
    assert forced.headers["X-A"] == "1"
    assert forced.get_data() == b"body"
    forced.close()
    assert closed == ["old"]


# -- stream ---------------------------------------------------------------------


def test_stream_appends_and_drops_the_length() -> None:
    response = Response("a")
    stream = response.stream
    assert stream is response.stream
    assert stream.write(b"bc") == 2
    stream.writelines([b"d", "é"])
    assert "Content-Length" not in response.headers
    assert response.get_data() == "abcdé".encode()
    assert stream.tell() == len("abcdé".encode())
    assert (stream.mode, stream.encoding, stream.isatty()) == ("wb+", "utf-8", False)
    _, headers, data = wsgi_serve(response, environ_for())
    assert ("Content-Length", str(len(data))) in headers
    assert data == "abcdé".encode()


def test_stream_buffers_a_generator_and_a_tuple_first() -> None:
    response = Response(iter([b"x", b"y"]))
    response.stream.write(b"z")
    assert response.response == [b"x", b"y", b"z"]
    response = Response()
    response.response = (b"1",)
    response.stream.write(b"2")
    assert response.get_data() == b"12"


def test_closed_stream_refuses_writes() -> None:
    stream = Response().stream
    stream.close()
    for call in (lambda: stream.write(b"x"), stream.flush, stream.isatty):
        with pytest.raises(ValueError, match="closed"):
            call()


# -- ClosingIterator ----------------------------------------------------------------


def test_closing_iterator_closes_the_iterable_first_then_callbacks_once() -> None:
    log: list[str] = []
    it = ClosingIterator(
        ClosingBody([b"1"], log), [lambda: log.append("a"), lambda: log.append("b")]
    )
    assert list(it) == [b"1"]
    it.close()
    it.close()
    assert log == ["app closed", "a", "b"]


def test_closing_iterator_runs_every_callback_and_raises_the_first_error() -> None:
    log: list[str] = []

    def fail(name: str) -> Callable[[], None]:
        def callback() -> None:
            log.append(name)
            raise RuntimeError(name)

        return callback

    it = ClosingIterator([b""], [fail("first"), fail("second"), lambda: log.append("third")])
    with pytest.raises(RuntimeError, match="first"):
        it.close()
    assert log == ["first", "second", "third"]


# -- the same as Werkzeug ----------------------------------------------------------


WERKZEUG_CASES: list[tuple[str, dict[str, Any]]] = [
    ("GET", {"response": "Hello"}),
    ("HEAD", {"response": "Hello"}),
    ("GET", {"response": "x", "status": 304, "headers": {"ETag": '"e"', "Vary": "A"}}),
    ("GET", {"response": [b"a", b"bc"], "mimetype": "application/octet-stream"}),
    ("GET", {"response": "r", "status": 301, "headers": {"Location": "/caf\u00e9 x"}}),
    ("GET", {"response": "", "status": 418, "headers": [("X-A", "1"), ("X-A", "2")]}),
]


@pytest.mark.parametrize(("method", "kwargs"), WERKZEUG_CASES)
def test_wsgi_response_matches_werkzeug(method: str, kwargs: dict[str, Any]) -> None:
    wrappers = pytest.importorskip("werkzeug.wrappers")
    environ = environ_for("/a/b", method=method)
    ours = wsgi_serve(Response(**kwargs), dict(environ))
    theirs = wsgi_serve(wrappers.Response(**kwargs), dict(environ))
    assert ours[0] == theirs[0]
    assert sorted(ours[1]) == sorted(theirs[1])
    assert ours[2] == theirs[2]


def test_no_content_differs_from_werkzeug_only_by_its_content_type() -> None:
    # README "Differences from Flask": a 204 goes out without Content-Type.
    wrappers = pytest.importorskip("werkzeug.wrappers")
    ours = wsgi_serve(Response("x", status=204), environ_for())
    theirs = wsgi_serve(wrappers.Response("x", status=204), environ_for())
    assert ours[0] == theirs[0] == "204 NO CONTENT"
    assert ours[1] == []
    assert theirs[1] == [("Content-Type", "text/plain; charset=utf-8")]
    assert ours[2] == theirs[2] == b""


@pytest.mark.parametrize("location", ["../up", "next?x=1", "/abs", "//h.org/p", "https://o.org/é"])
def test_autocorrected_location_matches_werkzeug(location: str) -> None:
    wrappers = pytest.importorskip("werkzeug.wrappers")

    class Ours(Response):
        autocorrect_location_header = True

    class Theirs(wrappers.Response):  # type: ignore[misc, name-defined]
        autocorrect_location_header = True

    environ = environ_for("/x/y/z", query_string="q=1", base_url="http://ex.org:8080/root")
    ours = Ours(status=302, headers={"Location": location}).get_wsgi_headers(environ)
    theirs = Theirs(status=302, headers={"Location": location}).get_wsgi_headers(environ)
    assert ours["Location"] == theirs["Location"]


def test_from_app_matches_werkzeug() -> None:
    wrappers = pytest.importorskip("werkzeug.wrappers")
    environ = environ_for("/p", query_string="a=1")
    ours = Response.from_app(lazy_app, environ)
    theirs = wrappers.Response.from_app(lazy_app, environ)
    assert ours.status == theirs.status
    assert ours.get_data() == theirs.get_data()
    assert list(ours.headers.items()) == list(theirs.headers.items())
