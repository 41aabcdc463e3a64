"""erlen.adapters.wsgi: environ -> Request, Response -> WSGI body."""

from __future__ import annotations

import io
import json
import wsgiref.util
from collections.abc import Iterator
from typing import Any

import pytest

from erlen.adapters.wsgi import EnvironHeaders, request_from_environ, start_response_and_body
from erlen.http.datastructures import Headers
from erlen.http.exceptions import BadRequest
from erlen.http.request import Request
from erlen.http.response import FileWrapper, Response


def make_environ(**overrides: Any) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    environ.update(overrides)
    return environ


class StartResponse:
    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.calls.append((status, headers))
        return lambda data: None

    @property
    def status(self) -> str:
        return self.calls[-1][0]

    @property
    def headers(self) -> list[tuple[str, str]]:
        return self.calls[-1][1]


# -- EnvironHeaders -------------------------------------------------------------


def test_environ_headers_lookup_is_case_insensitive() -> None:
    headers = EnvironHeaders(make_environ(HTTP_X_REQUEST_ID="abc"))
    assert headers["X-Request-Id"] == "abc"
    assert headers["x-request-id"] == "abc"
    assert headers.get("X-REQUEST-ID") == "abc"
    assert "x-request-id" in headers
    assert "X-Missing" not in headers
    assert 42 not in headers


def test_environ_headers_missing_key_is_a_400_key_error() -> None:
    headers = EnvironHeaders(make_environ())
    with pytest.raises(KeyError) as info:
        headers["X-Missing"]
    assert isinstance(info.value, BadRequest)
    assert headers.get("X-Missing") is None
    assert headers.get("X-Missing", "dflt") == "dflt"
    assert headers.getlist("X-Missing") == []


def test_environ_headers_content_keys() -> None:
    environ = make_environ(
        CONTENT_TYPE="text/plain", CONTENT_LENGTH="12", HTTP_CONTENT_TYPE="image/png"
    )
    headers = EnvironHeaders(environ)
    assert headers["Content-Type"] == "text/plain"
    assert headers.get("content-length", type=int) == 12
    names = [name for name, _ in headers]
    assert names.count("Content-Type") == 1
    assert ("Content-Length", "12") in list(headers)


def test_environ_headers_empty_content_type_is_absent() -> None:
    headers = EnvironHeaders(make_environ(CONTENT_TYPE="", CONTENT_LENGTH=""))
    assert "Content-Type" not in headers
    assert headers.get("Content-Length") is None
    assert all(name not in ("Content-Type", "Content-Length") for name, _ in headers)


def test_environ_headers_iteration_and_len() -> None:
    environ = {
        "HTTP_HOST": "example.com",
        "HTTP_X_FORWARDED_FOR": "1.2.3.4",
        "CONTENT_TYPE": "application/json",
        "PATH_INFO": "/",
        "wsgi.input": io.BytesIO(),
    }
    headers = EnvironHeaders(environ)
    assert list(headers) == [
        ("Host", "example.com"),
        ("X-Forwarded-For", "1.2.3.4"),
        ("Content-Type", "application/json"),
    ]
    assert len(headers) == 3
    assert bool(headers)
    assert not EnvironHeaders({"PATH_INFO": "/"})
    assert list(headers.keys(lower=True)) == ["host", "x-forwarded-for", "content-type"]
    assert list(headers.values()) == ["example.com", "1.2.3.4", "application/json"]
    assert headers.to_wsgi_list() == list(headers.items())


@pytest.mark.parametrize(
    "name",
    [
        "If-Range",
        "if-range",
        "IF-RANGE",
        "Content-Type",
        "Content-Length",
        "X-Empty",
        "Range",
        "Zä",
    ],
)
@pytest.mark.parametrize("content", ["", "5"])
def test_environ_headers_contains_agrees_with_get(name: str, content: str) -> None:
    # __contains__ has its own copy of the lookup (a frame fewer): it must say
    # what get() says, empty CONTENT_* values (absent) and empty HTTP_* ones
    # (present) included.
    environ = make_environ(
        HTTP_IF_RANGE='"v1"', HTTP_X_EMPTY="", CONTENT_TYPE=content, CONTENT_LENGTH=content
    )
    headers = EnvironHeaders(environ)
    assert (name in headers) is (headers.get(name) is not None)


def test_environ_headers_reads_the_environ_live() -> None:
    environ = make_environ()
    headers = EnvironHeaders(environ)
    assert "Cookie" not in headers
    environ["HTTP_COOKIE"] = "a=1"
    assert headers["Cookie"] == "a=1"


def test_environ_headers_get_reads_every_name_form() -> None:
    headers = EnvironHeaders(
        make_environ(HTTP_UPGRADE="websocket", HTTP_X_COUNT=3, CONTENT_LENGTH="", HTTP_X_E="")
    )
    for name in ("Upgrade", "upgrade", "UPGRADE"):
        assert headers.get(name) == "websocket"
    assert headers.get("X-Count") == "3"
    assert headers.get("X-Count", type=int) == 3
    assert headers.get("Content-Length", "none") == "none"
    assert headers.get("X-E", "none") == ""
    assert headers.get("Connection") is None
    assert headers.get(f"X-Unknown-{'a' * 50}", 7) == 7


def test_environ_headers_get_with_failing_type_gives_default() -> None:
    headers = EnvironHeaders(make_environ(HTTP_X_NUM="abc"))
    assert headers.get("X-Num", -1, type=int) == -1
    assert headers.getlist("X-Num", type=int) == []
    assert headers.getlist("X-Num") == ["abc"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h: h.add("X-A", "1"),
        lambda h: h.set("X-A", "1"),
        lambda h: h.setdefault("X-A", "1"),
        lambda h: h.extend([("X-A", "1")]),
        lambda h: h.update({"X-A": "1"}),
        lambda h: h.remove("Host"),
        lambda h: h.pop("Host"),
        lambda h: h.clear(),
        lambda h: h.__setitem__("X-A", "1"),
        lambda h: h.__delitem__("Host"),
    ],
)
def test_environ_headers_are_read_only(mutate: Any) -> None:
    environ = make_environ()
    headers = EnvironHeaders(environ)
    with pytest.raises(TypeError, match="read-only"):
        mutate(headers)
    assert environ["HTTP_HOST"] == "localhost"


def test_environ_headers_copy_is_mutable_headers() -> None:
    headers = EnvironHeaders(make_environ(HTTP_X_A="1"))
    copy = headers.copy()
    assert isinstance(copy, Headers)
    copy.set("X-A", "2")
    assert copy["X-A"] == "2"
    assert headers["X-A"] == "1"
    assert headers == Headers([("Host", "localhost"), ("X-A", "1")])
    assert Headers([("x-a", "1"), ("host", "localhost")]) == headers
    assert headers != Headers([("Host", "localhost")])


# -- request_from_environ ---------------------------------------------------------


def test_request_from_environ_basic_fields() -> None:
    body = io.BytesIO(b"hello")
    environ = make_environ(
        REQUEST_METHOD="post",
        PATH_INFO="/items/1",
        QUERY_STRING="a=1&b=%20",
        SERVER_NAME="example.com",
        SERVER_PORT="8080",
        HTTP_HOST="example.com:8080",
        REMOTE_ADDR="10.1.2.3",
        CONTENT_LENGTH="5",
        CONTENT_TYPE="text/plain",
        **{"wsgi.input": body, "wsgi.url_scheme": "https"},
    )
    request = request_from_environ(environ, Request)
    assert type(request) is Request
    assert request.method == "POST"
    assert request.path == "/items/1"
    assert request.root_path == ""
    assert request.query_string == b"a=1&b=%20"
    assert request.args["b"] == " "
    assert request.scheme == "https"
    assert request.server == ("example.com", 8080)
    assert request.remote_addr == "10.1.2.3"
    assert request.host == "example.com:8080"
    assert request.get_data() == b"hello"
    assert request.environ is environ
    assert request.headers["Content-Type"] == "text/plain"


def test_request_from_environ_uses_the_given_subclass() -> None:
    class MyRequest(Request):
        __slots__ = ()

    assert type(request_from_environ(make_environ(), MyRequest)) is MyRequest


def test_request_from_environ_passes_environ_and_termination_positionally() -> None:
    # The adapter passes every argument positionally (no keyword dict per
    # request); a subclass __init__ with the documented order receives them.
    seen: list[tuple[Any, Any]] = []

    class RecordingRequest(Request):
        __slots__ = ()

        def __init__(self, *args: Any) -> None:
            seen.append((args[9], args[10]))
            super().__init__(*args)

    environ = make_environ(**{"wsgi.input_terminated": True})
    request = request_from_environ(environ, RecordingRequest)
    assert seen == [(environ, True)]
    assert request.environ is environ
    assert request.input_terminated is True


def test_paths_are_decoded_from_latin1_as_utf8() -> None:
    environ = make_environ(
        SCRIPT_NAME="/m\xc3\xbcnchen/",
        PATH_INFO="/caf\xc3\xa9/a b",
    )
    request = request_from_environ(environ, Request)
    assert request.root_path == "/münchen"
    assert request.path == "/café/a b"


def test_empty_path_info_is_root() -> None:
    assert request_from_environ(make_environ(PATH_INFO=""), Request).path == "/"
    assert request_from_environ(make_environ(PATH_INFO="x"), Request).path == "/x"
    environ = make_environ()
    del environ["PATH_INFO"]
    assert request_from_environ(environ, Request).path == "/"


@pytest.mark.parametrize("key", ["PATH_INFO", "SCRIPT_NAME"])
def test_invalid_utf8_path_is_a_bad_request(key: str) -> None:
    with pytest.raises(BadRequest) as info:
        request_from_environ(make_environ(**{key: "/\xff\xfe"}), Request)
    assert info.value.code == 400
    assert info.value.description == "The request path is not valid UTF-8"


def test_already_decoded_path_is_kept() -> None:
    # A server that (wrongly) hands over real text instead of latin-1 bytes.
    request = request_from_environ(make_environ(PATH_INFO="/\u20ac"), Request)
    assert request.path == "/\u20ac"


def test_query_string_keeps_raw_bytes() -> None:
    environ = make_environ(QUERY_STRING="q=caf\xc3\xa9&x=%C3%A9")
    request = request_from_environ(environ, Request)
    assert request.query_string == b"q=caf\xc3\xa9&x=%C3%A9"
    assert request.args["q"] == "café"
    assert request.args["x"] == "é"


def test_missing_server_and_bad_port() -> None:
    environ = make_environ(SERVER_PORT="abc")
    assert request_from_environ(environ, Request).server == ("localhost", None)
    environ = make_environ()
    del environ["SERVER_NAME"]
    del environ["REMOTE_ADDR"]
    request = request_from_environ(environ, Request)
    assert request.server is None
    assert request.remote_addr is None


def test_server_address_follows_each_environ() -> None:
    # The (name, port) tuples are cached; each environ must still get its own.
    seen = [
        request_from_environ(make_environ(SERVER_NAME=name, SERVER_PORT=port), Request).server
        for name, port in [("a", "80"), ("a", "8080"), ("b", "80"), ("a", "80"), ("a", "")]
    ]
    assert seen == [("a", 80), ("a", 8080), ("b", 80), ("a", 80), ("a", None)]
    many = {
        request_from_environ(make_environ(SERVER_NAME=f"h{i}", SERVER_PORT="1"), Request).server
        for i in range(100)
    }
    assert many == {(f"h{i}", 1) for i in range(100)}


def test_input_terminated_reads_body_without_length() -> None:
    environ = make_environ(
        REQUEST_METHOD="POST",
        **{"wsgi.input": io.BytesIO(b"chunked"), "wsgi.input_terminated": True},
    )
    request = request_from_environ(environ, Request)
    assert request.input_terminated is True
    assert request.get_data() == b"chunked"


def test_body_without_length_and_not_terminated_is_empty() -> None:
    environ = make_environ(REQUEST_METHOD="POST", **{"wsgi.input": io.BytesIO(b"ignored")})
    request = request_from_environ(environ, Request)
    assert request.input_terminated is False
    assert request.get_data() == b""


def test_proxy_applies_forwarded_headers() -> None:
    environ = make_environ(
        SERVER_NAME="internal",
        SERVER_PORT="8000",
        HTTP_HOST="internal:8000",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="example.com",
        HTTP_X_FORWARDED_PORT="8443",
        HTTP_X_FORWARDED_PREFIX="/shop",
        PATH_INFO="/cart",
    )
    proxy = {"x_for": 2, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1}
    request = request_from_environ(environ, Request, proxy=proxy)
    assert request.remote_addr == "203.0.113.9"
    assert request.scheme == "https"
    assert request.host == "example.com:8443"
    assert request.server == ("example.com", 8443)
    assert request.root_path == "/shop"
    assert request.url == "https://example.com:8443/shop/cart"
    assert environ["erlen.proxy_fix.orig"] == {
        "REMOTE_ADDR": "10.0.0.1",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "internal:8000",
        "SERVER_NAME": "internal",
        "SERVER_PORT": "8000",
        "SCRIPT_NAME": "",
    }
    assert environ["REMOTE_ADDR"] == "203.0.113.9"
    assert environ["SCRIPT_NAME"] == "/shop"


def test_proxy_ignores_untrusted_headers() -> None:
    environ = make_environ(
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="6.6.6.6",
        HTTP_X_FORWARDED_HOST="evil.example",
    )
    request = request_from_environ(environ, Request, proxy={"x_for": 2, "x_host": 0})
    assert request.remote_addr == "10.0.0.1"
    assert request.host == "localhost"


def test_no_proxy_ignores_forwarded_headers() -> None:
    environ = make_environ(HTTP_X_FORWARDED_FOR="6.6.6.6", HTTP_X_FORWARDED_PROTO="https")
    request = request_from_environ(environ, Request)
    assert request.remote_addr == "127.0.0.1"
    assert request.scheme == "http"
    assert "erlen.proxy_fix.orig" not in environ


# -- start_response_and_body --------------------------------------------------------


class TrackedBody:
    """A body iterable that counts close() calls."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.closed = 0
        self.iterated = False

    def __iter__(self) -> Iterator[bytes]:
        self.iterated = True
        return iter(self.chunks)

    def close(self) -> None:
        self.closed += 1


def test_status_headers_and_body() -> None:
    response = Response("hi", status=201, headers={"X-A": "1"})
    start = StartResponse()
    body = start_response_and_body(response, make_environ(), start)
    assert start.status == "201 CREATED"
    assert ("X-A", "1") in start.headers
    assert ("Content-Type", "text/plain; charset=utf-8") in start.headers
    assert b"".join(body) == b"hi"


def test_close_runs_once_for_body_and_call_on_close() -> None:
    tracked = TrackedBody([b"a", b"b"])
    response = Response(tracked)
    calls: list[str] = []
    response.call_on_close(lambda: calls.append("closed"))
    start = StartResponse()
    body = start_response_and_body(response, make_environ(), start)
    assert b"".join(body) == b"ab"
    assert tracked.closed == 0
    body.close()  # type: ignore[attr-defined]
    body.close()  # type: ignore[attr-defined]
    assert tracked.closed == 1
    assert calls == ["closed"]


def test_buffered_bytes_body_is_sent_as_is_and_closes_quietly() -> None:
    response = Response(b"hello")
    start = StartResponse()
    body = start_response_and_body(response, make_environ(), start)
    assert isinstance(body, list)
    assert list(body) == [b"hello"]
    assert start.headers == [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "5")]
    # The header list handed to the server is a copy: changing it (wsgiref adds
    # headers to it) leaves the response alone.
    start.headers.append(("Date", "x"))
    assert "Date" not in response.headers
    body.close()  # type: ignore[attr-defined]
    body.close()  # type: ignore[attr-defined]
    assert list(body) == [b"hello"]


def test_buffered_body_with_str_chunks_is_encoded() -> None:
    # Mixed str and bytes chunks: allowed at run time, outside the annotation.
    chunks: Any = ["a", b"b", "\u00e9"]
    body = start_response_and_body(Response(chunks), make_environ(), StartResponse())
    assert b"".join(body) == "ab\u00e9".encode()
    body.close()  # type: ignore[attr-defined]


def test_buffered_body_still_runs_call_on_close_and_custom_close() -> None:
    calls: list[str] = []

    class ClosingResponse(Response):
        __slots__ = ()

        def close(self) -> None:
            calls.append("custom close")
            super().close()

    plain = Response(b"x")
    plain.call_on_close(lambda: calls.append("on close"))
    for response in (plain, ClosingResponse(b"y")):
        body = start_response_and_body(response, make_environ(), StartResponse())
        # Not a list: granian sends a list body without calling close().
        assert not isinstance(body, list)
        assert b"".join(body) in (b"x", b"y")
        assert calls in ([], ["on close"])
        body.close()  # type: ignore[attr-defined]
        body.close()  # type: ignore[attr-defined]
    assert calls == ["on close", "custom close"]


def test_overridden_status_properties_are_what_is_sent() -> None:
    # The adapter reads the status slots directly only for classes that keep
    # the toolkit's status properties; an override is still honoured.
    class Teapot(Response):
        __slots__ = ()

        @property
        def status(self) -> str:
            return "418 I'M A TEAPOT"

        @status.setter
        def status(self, value: int | str) -> None:
            Response.status.fset(self, value)  # type: ignore[attr-defined]

        @property
        def status_code(self) -> int:
            return 204

        @status_code.setter
        def status_code(self, code: int) -> None:
            Response.status_code.fset(self, code)  # type: ignore[attr-defined]

    start = StartResponse()
    body = start_response_and_body(Teapot(b"tea"), make_environ(), start)
    assert start.status == "418 I'M A TEAPOT"
    # status_code 204 means no body and no Content-Length.
    assert list(body) == []
    assert ("Content-Length", "3") not in start.headers
    assert Teapot._plain_init is False
    assert Response._plain_init is True


def test_head_with_buffered_body_still_runs_call_on_close() -> None:
    calls: list[str] = []
    response = Response(b"hello")
    response.call_on_close(lambda: calls.append("closed"))
    body = start_response_and_body(response, make_environ(REQUEST_METHOD="HEAD"), StartResponse())
    assert not isinstance(body, list)
    assert list(body) == []
    body.close()  # type: ignore[attr-defined]
    body.close()  # type: ignore[attr-defined]
    assert calls == ["closed"]


def test_head_with_buffered_body_sends_nothing() -> None:
    start = StartResponse()
    body = start_response_and_body(Response(b"hello"), make_environ(REQUEST_METHOD="HEAD"), start)
    assert list(body) == []
    assert ("Content-Length", "5") in start.headers
    body.close()  # type: ignore[attr-defined]


def test_generator_body_is_closed() -> None:
    state: list[str] = []

    def gen() -> Iterator[bytes]:
        try:
            yield b"one"
            yield b"two"
        finally:
            state.append("finally")

    body = start_response_and_body(Response(gen()), make_environ(), StartResponse())
    iterator = iter(body)
    assert next(iterator) == b"one"
    body.close()  # type: ignore[attr-defined]
    assert state == ["finally"]


def test_head_drops_body_but_keeps_headers() -> None:
    tracked = TrackedBody([b"hello"])
    response = Response(tracked, headers={"Content-Length": "5"})
    start = StartResponse()
    body = start_response_and_body(response, make_environ(REQUEST_METHOD="HEAD"), start)
    assert list(body) == []
    assert ("Content-Length", "5") in start.headers
    assert tracked.iterated is False
    body.close()  # type: ignore[attr-defined]
    assert tracked.closed == 1


@pytest.mark.parametrize("status", [204, 304, 101, 103])
def test_bodyless_statuses(status: int) -> None:
    response = Response(
        b"should not be sent",
        status=status,
        headers={"ETag": '"v1"', "Cache-Control": "max-age=60", "X-Custom": "kept"},
    )
    response.headers["Last-Modified"] = "Wed, 21 Oct 2015 07:28:00 GMT"
    calls: list[int] = []
    response.call_on_close(lambda: calls.append(1))
    start = StartResponse()
    body = start_response_and_body(response, make_environ(), start)
    assert b"".join(body) == b""
    body.close()  # type: ignore[attr-defined]
    assert calls == [1]
    names = [k.lower() for k, _ in start.headers]
    assert "content-length" not in names
    assert "content-type" not in names
    assert {"etag", "cache-control", "x-custom"} <= set(names)
    assert ("last-modified" in names) is (status != 304)


# COMPAT(flask): the wire headers are Werkzeug's (get_wsgi_headers).


@pytest.mark.parametrize(
    ("body", "length"),
    [(None, "0"), ([], "0"), ((), "0"), ([b"ab", "\u00e9"], "4"), ((b"a", b"bc"), "3")],
)
def test_sequence_body_without_length_gets_one(body: Any, length: str) -> None:
    response = Response(body)
    response.headers.pop("Content-Length", None)
    start = StartResponse()
    sent = start_response_and_body(response, make_environ(), start)
    assert start.headers == [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", length),
    ]
    assert len(b"".join(sent)) == int(length)
    # The response itself is left as it was.
    assert "Content-Length" not in response.headers


def test_empty_response_head_also_gets_length_zero() -> None:
    start = StartResponse()
    sent = start_response_and_body(Response(), make_environ(REQUEST_METHOD="HEAD"), start)
    assert list(sent) == []
    assert ("Content-Length", "0") in start.headers


def test_existing_length_is_kept_in_any_spelling() -> None:
    response = Response([b"hello"], headers={"content-length": "5"})
    start = StartResponse()
    start_response_and_body(response, make_environ(), start)
    assert [k for k, _ in start.headers if k.lower() == "content-length"] == ["content-length"]


def test_streamed_body_gets_no_length() -> None:
    def gen() -> Iterator[bytes]:
        yield b"abc"

    start = StartResponse()
    sent = start_response_and_body(Response(gen()), make_environ(), start)
    assert all(k.lower() != "content-length" for k, _ in start.headers)
    assert b"".join(sent) == b"abc"
    file_start = StartResponse()
    start_response_and_body(Response(FileWrapper(io.BytesIO(b"x"))), make_environ(), file_start)
    assert all(k.lower() != "content-length" for k, _ in file_start.headers)


def test_no_automatic_length_when_the_class_turns_it_off() -> None:
    class NoLength(Response):
        __slots__ = ()
        automatically_set_content_length = False

    start = StartResponse()
    start_response_and_body(NoLength(), make_environ(), start)
    assert start.headers == [("Content-Type", "text/plain; charset=utf-8")]


@pytest.mark.parametrize("status", [204, 304, 101])
def test_empty_bodyless_statuses_get_no_length(status: int) -> None:
    start = StartResponse()
    start_response_and_body(Response(status=status), make_environ(), start)
    assert all(k.lower() != "content-length" for k, _ in start.headers)


@pytest.mark.parametrize(
    ("location", "sent"),
    [
        ("/rel path?q=\u00fc", "/rel%20path?q=%C3%BC"),
        ("http://b\u00fccher.de/stra\u00dfe#f g", "http://xn--bcher-kva.de/stra%C3%9Fe#f%20g"),
        ("../up/a b", "../up/a%20b"),
        ("/already%20quoted?x=%C3%BC", "/already%20quoted?x=%C3%BC"),
        ("http://localhost/login?next=%2F", "http://localhost/login?next=%2F"),
        ("/a?", "/a"),
    ],
)
def test_location_is_sent_as_a_uri(location: str, sent: str) -> None:
    response = Response("x", 302, {"Location": location, "Content-Location": location})
    start = StartResponse()
    start_response_and_body(response, make_environ(), start)
    assert start.headers == [
        ("Location", sent),
        ("Content-Location", sent),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", "1"),
    ]
    # Relative stays relative, and the response keeps what the app set.
    assert response.headers["Location"] == location
    assert response.location == location


def test_location_any_spelling_and_on_304() -> None:
    response = Response(status=304, headers=[("LOCATION", "/a b"), ("content-location", "/\u00e9")])
    start = StartResponse()
    start_response_and_body(response, make_environ(), start)
    assert start.headers == [("LOCATION", "/a%20b"), ("content-location", "/%C3%A9")]


def test_wire_headers_same_as_werkzeug() -> None:
    wz = pytest.importorskip("werkzeug.wrappers")
    wz_test = pytest.importorskip("werkzeug.test")
    cases: list[tuple[Any, int, dict[str, str]]] = [
        (None, 200, {}),
        ([], 200, {"X-A": "1"}),
        (["a", b"b\xc3\xa9"], 201, {}),
        (None, 302, {"Location": "/rel path?q=\u00fc"}),
        (None, 301, {"Location": "http://EXAMPLE.com/a"}),
        (b"x", 200, {"Content-Location": "/a b"}),
        (None, 204, {}),
    ]
    for body, status, headers in cases:
        ours = StartResponse()
        start_response_and_body(Response(body, status, headers), make_environ(), ours)
        theirs = wz.Response(body, status, headers).get_wsgi_headers(wz_test.create_environ())
        expected = list(theirs)
        if status == 204:
            # erlen also drops Content-Type from a 204 (RFC 9110 §15.3.5: no content).
            expected = [(k, v) for k, v in expected if k != "Content-Type"]
        if "EXAMPLE" in headers.get("Location", ""):
            # Werkzeug lower-cases the host; erlen's iri_to_uri keeps it as given.
            expected = [(k, v.replace("example", "EXAMPLE")) for k, v in expected]
        assert ours.headers == expected, (body, status, headers)


class RecordingFileWrapper:
    instances: list[RecordingFileWrapper] = []

    def __init__(self, filelike: Any, block_size: int = 8192) -> None:
        self.filelike = filelike
        self.block_size = block_size
        RecordingFileWrapper.instances.append(self)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            data = self.filelike.read(self.block_size)
            if not data:
                return
            yield data

    def close(self) -> None:
        self.filelike.close()


def test_file_wrapper_is_used_for_whole_files() -> None:
    RecordingFileWrapper.instances.clear()
    f = io.BytesIO(b"x" * 100)
    response = Response(FileWrapper(f, buffer_size=30))
    calls: list[int] = []
    response.call_on_close(lambda: calls.append(1))
    environ = make_environ(**{"wsgi.file_wrapper": RecordingFileWrapper})
    body = start_response_and_body(response, environ, StartResponse())
    assert isinstance(body, RecordingFileWrapper)
    assert body.block_size == 30
    assert b"".join(body) == b"x" * 100
    body.close()
    body.close()
    assert f.closed
    assert calls == [1]


def test_file_wrapper_proxy_exposes_fileno(tmp_path: Any) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"0123456789")
    with open(path, "rb") as f:
        response = Response(FileWrapper(f))
        environ = make_environ(**{"wsgi.file_wrapper": wsgiref.util.FileWrapper})
        body = start_response_and_body(response, environ, StartResponse())
        assert isinstance(body, wsgiref.util.FileWrapper)
        assert body.filelike.fileno() == f.fileno()
        assert b"".join(body) == b"0123456789"
        body.close()
        assert f.closed


@pytest.mark.parametrize(("offset", "length"), [(2, None), (0, 3), (2, 3)])
def test_partial_file_is_iterated_not_wrapped(offset: int, length: int | None) -> None:
    RecordingFileWrapper.instances.clear()
    f = io.BytesIO(b"0123456789")
    response = Response(FileWrapper(f, offset=offset, length=length))
    environ = make_environ(**{"wsgi.file_wrapper": RecordingFileWrapper})
    body = start_response_and_body(response, environ, StartResponse())
    assert RecordingFileWrapper.instances == []
    end = None if length is None else offset + length
    assert b"".join(body) == b"0123456789"[offset:end]
    body.close()  # type: ignore[attr-defined]
    assert f.closed


@pytest.mark.parametrize("length", [1, 1000, 64 * 1024])
def test_small_file_range_is_read_before_start_response_and_sent_as_a_list(length: int) -> None:
    data = bytes(range(256)) * 300
    f = io.BytesIO(data)
    response = Response(FileWrapper(f, offset=7, length=length), status=206)
    order: list[str] = []

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        # The file is read and closed before the server gets the status line.
        order.append(f"start closed={f.closed}")
        return lambda chunk: None

    environ = make_environ(**{"wsgi.file_wrapper": RecordingFileWrapper})
    body = start_response_and_body(response, environ, start)
    assert order == ["start closed=True"]
    assert type(body) is not list and isinstance(body, list)
    assert list(body) == [data[7 : 7 + length]]
    body.close()  # type: ignore[attr-defined]


def test_larger_file_range_is_still_streamed_from_the_open_file() -> None:
    data = b"y" * (64 * 1024 + 10)
    f = io.BytesIO(data)
    response = Response(FileWrapper(f, offset=5, length=64 * 1024 + 1), status=206)
    body = start_response_and_body(response, make_environ(), StartResponse())
    assert not isinstance(body, list)
    assert not f.closed
    assert b"".join(body) == data[5 : 5 + 64 * 1024 + 1]
    body.close()  # type: ignore[attr-defined]
    assert f.closed


def test_file_range_with_something_to_close_is_not_read_early() -> None:
    # call_on_close functions run when the server closes the body, after
    # sending it: the range is streamed and the file closed then, as before.
    f = io.BytesIO(b"0123456789")
    response = Response(FileWrapper(f, offset=2, length=3), status=206)
    calls: list[bool] = []
    response.call_on_close(lambda: calls.append(f.closed))
    body = start_response_and_body(response, make_environ(), StartResponse())
    assert not isinstance(body, list)
    assert b"".join(body) == b"234"
    assert calls == []
    body.close()  # type: ignore[attr-defined]
    assert calls == [True]


def test_file_range_head_request_reads_nothing() -> None:
    f = io.BytesIO(b"0123456789")
    response = Response(FileWrapper(f, offset=2, length=3), status=206)
    body = start_response_and_body(response, make_environ(REQUEST_METHOD="HEAD"), StartResponse())
    assert list(body) == []
    assert f.tell() == 0
    body.close()  # type: ignore[attr-defined]
    assert f.closed


def test_failed_small_range_read_closes_the_file_before_any_status_is_sent() -> None:
    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError("disk gone")

    f = Broken(b"0123456789")
    response = Response(FileWrapper(f, offset=2, length=3), status=206)
    start = StartResponse()
    with pytest.raises(OSError, match="disk gone"):
        start_response_and_body(response, make_environ(), start)
    # No status went out, so the server can still answer with a 500.
    assert start.calls == []
    assert f.closed


def test_file_without_server_file_wrapper_is_iterated() -> None:
    f = io.BytesIO(b"abc" * 5000)
    response = Response(FileWrapper(f, buffer_size=4096))
    body = start_response_and_body(response, make_environ(), StartResponse())
    chunks = list(body)
    assert b"".join(chunks) == b"abc" * 5000
    assert len(chunks) == 4
    body.close()  # type: ignore[attr-defined]
    assert f.closed


def test_head_with_file_does_not_use_file_wrapper() -> None:
    RecordingFileWrapper.instances.clear()
    f = io.BytesIO(b"data")
    response = Response(FileWrapper(f))
    environ = make_environ(REQUEST_METHOD="HEAD", **{"wsgi.file_wrapper": RecordingFileWrapper})
    body = start_response_and_body(response, environ, StartResponse())
    assert list(body) == []
    assert RecordingFileWrapper.instances == []
    body.close()  # type: ignore[attr-defined]
    assert f.closed


# -- through the framework ------------------------------------------------------------

from wsgiref.validate import validator  # noqa: E402

from erlen import Erlen, request, url_for  # noqa: E402


def run_app(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    start = StartResponse()
    body = app(environ, start)
    try:
        data = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return start.status, start.headers, data


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "index body"

    @app.route("/where/<name>")
    def where(name: str) -> Any:
        return {
            "path": request.path,
            "root": request.root_path,
            "url": url_for("where", name=name),
            "external": url_for("where", name=name, _external=True),
            "remote": request.remote_addr,
        }

    @app.route("/empty")
    def empty() -> Any:
        return "", 204

    @app.route("/file")
    def file() -> Any:
        from erlen.files import send_file

        return send_file(io.BytesIO(b"file body"), mimetype="text/plain")

    return app


def test_app_under_script_name_builds_urls_under_it(app: Erlen) -> None:
    environ = make_environ(SCRIPT_NAME="/m\xc3\xbcnchen", PATH_INFO="/where/caf\xc3\xa9")
    status, _, body = run_app(app, environ)
    assert status == "200 OK"
    data = json.loads(body)
    assert data["path"] == "/where/café"
    assert data["root"] == "/münchen"
    assert data["url"] == "/m%C3%BCnchen/where/caf%C3%A9"
    assert data["external"] == "http://localhost/m%C3%BCnchen/where/caf%C3%A9"


def test_app_non_utf8_path_is_400(app: Erlen) -> None:
    status, headers, body = run_app(app, make_environ(PATH_INFO="/where/\xff"))
    assert status.startswith("400 ")
    assert b"not valid UTF-8" in body
    assert ("Content-Type", "text/html; charset=utf-8") in headers


def test_app_head_has_no_body_but_keeps_length(app: Erlen) -> None:
    status, headers, body = run_app(app, make_environ(REQUEST_METHOD="HEAD"))
    assert status == "200 OK"
    assert body == b""
    assert ("Content-Length", "10") in headers


def test_app_204_has_no_body(app: Erlen) -> None:
    status, headers, body = run_app(app, make_environ(PATH_INFO="/empty"))
    assert status == "204 NO CONTENT"
    assert body == b""
    assert all(k.lower() != "content-length" for k, _ in headers)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("HEAD", "/"), ("GET", "/empty"), ("GET", "/missing"), ("GET", "/file")],
)
def test_app_is_pep3333_valid(app: Erlen, method: str, path: str) -> None:
    environ = make_environ(REQUEST_METHOD=method, PATH_INFO=path)
    environ["wsgi.input"] = io.BytesIO()
    environ["wsgi.errors"] = io.StringIO()
    # wsgiref's validator asserts on any PEP 3333 violation and warns if the
    # body iterable is not closed (warnings are errors here).
    status, _, body = run_app(validator(app), environ)
    assert status[:3] in ("200", "204", "404")
    if method == "HEAD" or status.startswith("204"):
        assert body == b""


def test_app_send_file_uses_file_wrapper(app: Erlen) -> None:
    RecordingFileWrapper.instances.clear()
    environ = make_environ(PATH_INFO="/file", **{"wsgi.file_wrapper": RecordingFileWrapper})
    status, _, body = run_app(app, environ)
    assert status == "200 OK"
    assert body == b"file body"
    assert len(RecordingFileWrapper.instances) == 1


def test_app_proxy_fix_config(app: Erlen) -> None:
    app.config["PROXY_FIX"] = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_prefix": 1}
    environ = make_environ(
        PATH_INFO="/where/x",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
        HTTP_X_FORWARDED_PROTO="https",
        HTTP_X_FORWARDED_HOST="example.com",
        HTTP_X_FORWARDED_PREFIX="/api",
    )
    status, _, body = run_app(app, environ)
    assert status == "200 OK"
    data = json.loads(body)
    assert data["remote"] == "203.0.113.5"
    assert data["external"] == "https://example.com/api/where/x"
