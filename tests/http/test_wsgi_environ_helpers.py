"""erlen.http.wsgi's environ helpers (Werkzeug's werkzeug.wsgi): the URL, host,
body length and stream of a WSGI environ, wrap_file and responder."""

from __future__ import annotations

import io
from typing import Any

import pytest

from erlen.http.exceptions import ClientDisconnected, RequestEntityTooLarge, SecurityError
from erlen.http.response import Response
from erlen.http.wsgi import (
    FileWrapper,
    LimitedStream,
    get_content_length,
    get_current_url,
    get_host,
    get_input_stream,
    get_path_info,
    responder,
    wrap_file,
)
from wsgi_harness import wsgi_serve


def environ(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "wsgi.url_scheme": "http",
        "SERVER_NAME": "internal",
        "SERVER_PORT": "80",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(),
    }
    base.update(values)
    return base


URL_CASES = [
    environ(),
    environ(HTTP_HOST="example.org", PATH_INFO="/a/b", QUERY_STRING="x=1&y=%20z"),
    environ(HTTP_HOST="example.org:8080", SCRIPT_NAME="/app/", PATH_INFO="/p"),
    environ(**{"wsgi.url_scheme": "https", "HTTP_HOST": "example.org:443"}),
    environ(SERVER_PORT="8000", PATH_INFO="/caf\u00c3\u00a9", QUERY_STRING="q=caf%C3%A9"),
    environ(HTTP_HOST="[::1]:5000", PATH_INFO="/a b/%2F"),
    environ(SCRIPT_NAME="/r\u00c3\u00bcck", PATH_INFO="/x;y=1", QUERY_STRING="a=\u00e9"),
]


@pytest.mark.parametrize("env", URL_CASES)
@pytest.mark.parametrize(
    "flags",
    [{}, {"root_only": True}, {"strip_querystring": True}, {"host_only": True}],
)
def test_get_current_url_matches_werkzeug(env: dict[str, Any], flags: dict[str, bool]) -> None:
    wsgi = pytest.importorskip("werkzeug.wsgi")
    ours = get_current_url(env, **flags)
    theirs = wsgi.get_current_url(env, **flags)
    if (env["SCRIPT_NAME"] + env["PATH_INFO"]).isascii():
        assert ours == theirs
    else:
        # README "Differences": Werkzeug 3.1 quotes the environ's latin-1
        # text as if it were the path, so "/café" comes back as "/cafÃ©".
        ours_path, _, ours_query = ours.partition("?")
        theirs_path, _, theirs_query = theirs.partition("?")
        assert ours_path == theirs_path.encode("latin-1").decode("utf-8")
        assert ours_query == theirs_query


def test_get_current_url_of_a_non_ascii_path() -> None:
    env = environ(
        SCRIPT_NAME="/r\u00c3\u00bcck", PATH_INFO="/caf\u00c3\u00a9", QUERY_STRING="q=%C3%A9"
    )
    assert get_current_url(env) == "http://internal/r\u00fcck/caf\u00e9?q=\u00e9"
    assert get_current_url(env, root_only=True) == "http://internal/r\u00fcck/"


@pytest.mark.parametrize("env", URL_CASES)
def test_get_host_and_path_info_match_werkzeug(env: dict[str, Any]) -> None:
    wsgi = pytest.importorskip("werkzeug.wsgi")
    assert get_host(env) == wsgi.get_host(env)
    assert get_path_info(env) == wsgi.get_path_info(env)


def test_get_host_checks_trusted_hosts_and_refuses_bad_hosts() -> None:
    env = environ(HTTP_HOST="api.example.org")
    assert get_host(env, trusted_hosts=[".example.org"]) == "api.example.org"
    with pytest.raises(SecurityError):
        get_host(env, trusted_hosts=["other.org"])
    with pytest.raises(SecurityError):
        get_current_url(env, trusted_hosts=["other.org"])
    with pytest.raises(SecurityError):
        get_host(environ(HTTP_HOST="evil.org/path@x"))  # a 400, not a URL rewrite
    assert get_host({"SERVER_NAME": "bare"}) == "bare"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"CONTENT_LENGTH": "12"}, 12),
        ({"CONTENT_LENGTH": " 7 "}, 7),
        ({"CONTENT_LENGTH": ""}, None),
        ({}, None),
        ({"CONTENT_LENGTH": "abc"}, None),
        ({"CONTENT_LENGTH": "9" * 5000}, None),
        ({"CONTENT_LENGTH": "5", "HTTP_TRANSFER_ENCODING": "chunked"}, None),
    ],
)
def test_get_content_length(values: dict[str, str], expected: int | None) -> None:
    assert get_content_length(values) == expected


def test_input_stream_stops_at_the_length_and_reports_a_short_body() -> None:
    stream = get_input_stream(
        environ(CONTENT_LENGTH="5", **{"wsgi.input": io.BytesIO(b"hello world")})
    )
    assert isinstance(stream, LimitedStream)
    assert stream.read() == b"hello"
    short = get_input_stream(environ(CONTENT_LENGTH="50", **{"wsgi.input": io.BytesIO(b"abc")}))
    with pytest.raises(ClientDisconnected):
        short.read()


def test_input_stream_without_a_length() -> None:
    raw = io.BytesIO(b"endless?")
    assert get_input_stream(environ(**{"wsgi.input": raw})).read() == b""
    assert get_input_stream(environ(**{"wsgi.input": raw}), safe_fallback=False) is raw


def test_input_stream_terminated_by_the_server() -> None:
    raw = io.BytesIO(b"x" * 20)
    env = environ(**{"wsgi.input": raw, "wsgi.input_terminated": True})
    assert get_input_stream(env) is raw
    bounded = get_input_stream(env, max_content_length=10)
    with pytest.raises(RequestEntityTooLarge):
        bounded.read()


def test_input_stream_refuses_a_length_over_the_limit() -> None:
    with pytest.raises(RequestEntityTooLarge):
        get_input_stream(environ(CONTENT_LENGTH="100"), max_content_length=10)


def test_wrap_file_prefers_the_servers_wrapper() -> None:
    seen: list[tuple[Any, int]] = []

    def server_wrapper(file: Any, size: int) -> list[bytes]:
        seen.append((file, size))
        return [b"sent by the server"]

    file = io.BytesIO(b"data")
    assert wrap_file(environ(**{"wsgi.file_wrapper": server_wrapper}), file, 4) == [
        b"sent by the server"
    ]
    assert seen == [(file, 4)]
    wrapped = wrap_file(environ(), io.BytesIO(b"abcdefgh"), 3)
    assert isinstance(wrapped, FileWrapper)
    assert list(wrapped) == [b"abc", b"def", b"gh"]


def test_responder_calls_what_the_function_returns() -> None:
    @responder
    def app(environ: dict[str, Any], start_response: Any) -> Response:
        return Response(f"path {environ['PATH_INFO']}")

    assert app.__name__ == "app"
    status, _, body = wsgi_serve(app, environ(PATH_INFO="/r"))
    assert (status, body) == ("200 OK", b"path /r")
