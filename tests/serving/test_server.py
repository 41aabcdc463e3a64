"""The development server over real sockets: framing, keep-alive, errors, logging."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from erlen import Erlen, request
from erlen.serving import Limits, make_server, make_ssl_devcert
from erlen.serving.server import BaseWSGIServer, ThreadedWSGIServer, load_ssl_context

Environ = dict[str, Any]


def echo_app(environ: Environ, start_response: Any) -> list[bytes]:
    """Answers with the body it read and a few environ values as JSON."""
    body = environ["wsgi.input"].read()
    info = {
        key: environ.get(key)
        for key in (
            "REQUEST_METHOD",
            "PATH_INFO",
            "QUERY_STRING",
            "REQUEST_URI",
            "SERVER_PROTOCOL",
            "CONTENT_LENGTH",
            "CONTENT_TYPE",
            "REMOTE_ADDR",
            "REMOTE_PORT",
            "HTTP_HOST",
            "HTTP_X_TEST",
            "HTTP_COOKIE",
            "HTTP_X_FORWARDED_FOR",
            "wsgi.url_scheme",
            "wsgi.input_terminated",
            "wsgi.multithread",
        )
    }
    info["body"] = body.decode("latin-1")
    data = json.dumps(info).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [data]


def parse(response: Any) -> dict[str, Any]:
    return json.loads(response.body)  # type: ignore[no-any-return]


# -- keep-alive and framing --------------------------------------------------------------


def test_two_requests_on_one_connection(serve: Any, connect: Any) -> None:
    server = serve(echo_app)
    conn = connect(server.port)
    conn.send(b"GET /one HTTP/1.1\r\nHost: localhost\r\n\r\n")
    first = conn.read_response()
    conn.send(b"GET /two?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
    second = conn.read_response()
    assert (first.status, second.status) == (200, 200)
    assert parse(first)["PATH_INFO"] == "/one"
    assert parse(second)["PATH_INFO"] == "/two"
    assert parse(second)["QUERY_STRING"] == "x=1"
    # The same client socket (same port) carried both requests.
    assert parse(first)["REMOTE_PORT"] == parse(second)["REMOTE_PORT"]
    assert first.header("Connection") is None
    assert first.header("Content-Length") == str(len(first.body))


def test_keep_alive_with_http_client(serve: Any) -> None:
    server = serve(echo_app)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    ports = []
    for path in ("/a", "/b", "/c"):
        conn.request("GET", path)
        response = conn.getresponse()
        ports.append(json.loads(response.read())["REMOTE_PORT"])
        assert response.status == 200
    conn.close()
    assert len(set(ports)) == 1


def test_pipelined_requests_are_answered_in_order(serve: Any, connect: Any) -> None:
    conn = connect(serve(echo_app).port)
    conn.send(
        b"GET /first HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /second HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        b"GET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    paths = [parse(conn.read_response())["PATH_INFO"] for _ in range(3)]
    assert paths == ["/first", "/second", "/third"]
    assert conn.is_closed()


def test_connection_close_is_honoured(serve: Any, connect: Any) -> None:
    conn = connect(serve(echo_app).port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    response = conn.read_response()
    assert response.status == 200
    assert response.header("Connection") == "close"
    assert conn.is_closed()


def test_http_10_closes_unless_keep_alive(serve: Any, connect: Any) -> None:
    server = serve(echo_app)
    conn = connect(server.port)
    conn.send(b"GET / HTTP/1.0\r\n\r\n")
    response = conn.read_response()
    assert response.status_line.startswith("HTTP/1.1 200")
    assert parse(response)["SERVER_PROTOCOL"] == "HTTP/1.0"
    assert response.header("Connection") == "close"
    assert conn.is_closed()

    conn = connect(server.port)
    conn.send(b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    response = conn.read_response()
    assert response.header("Connection") == "keep-alive"
    conn.send(b"GET /b HTTP/1.0\r\n\r\n")
    assert parse(conn.read_response())["PATH_INFO"] == "/b"


def test_chunked_request_body(serve: Any, connect: Any) -> None:
    conn = connect(serve(echo_app).port)
    conn.send(
        b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: text/plain\r\n\r\n"
        b"5\r\nhello\r\n1;ext=value\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\n"
    )
    data = parse(conn.read_response())
    assert data["body"] == "hello 0123456789"
    assert data["wsgi.input_terminated"] is True
    assert data["CONTENT_LENGTH"] is None
    assert data["CONTENT_TYPE"] == "text/plain"
    # The connection is still usable after the trailers.
    conn.send(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
    assert parse(conn.read_response())["PATH_INFO"] == "/next"


def test_chunked_body_reaches_an_erlen_app(serve: Any) -> None:
    app = Erlen(__name__)

    @app.post("/json")
    def post_json() -> Any:
        return {"got": request.get_json(), "length": request.content_length}

    server = serve(app)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    chunks = iter([b'{"a": ', b"[1, 2", b"]}"])
    conn.request(
        "POST",
        "/json",
        body=chunks,
        headers={"Content-Type": "application/json"},
        encode_chunked=True,
    )
    response = conn.getresponse()
    assert response.status == 200
    assert json.loads(response.read()) == {"got": {"a": [1, 2]}, "length": None}
    conn.close()


@pytest.mark.parametrize(
    "body",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",  # not hex
        b"3\r\nhello\r\n0\r\n\r\n",  # longer than its size
        b"-1\r\nx\r\n0\r\n\r\n",  # negative
        b"11111111111111111\r\nx\r\n",  # absurd size
    ],
)
def test_malformed_chunked_body_is_a_400(serve: Any, connect: Any, body: bytes) -> None:
    conn = connect(serve(echo_app).port)
    conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
    response = conn.read_response()
    assert response.status == 400
    assert b"chunk" in response.body.lower()
    assert response.header("Connection") == "close"
    assert conn.is_closed()


def test_malformed_chunked_body_through_erlen_is_a_400(serve: Any, connect: Any) -> None:
    app = Erlen(__name__)

    @app.post("/")
    def index() -> Any:
        return request.get_data()

    conn = connect(serve(app).port)
    conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nq\r\nabc\r\n")
    assert conn.read_response().status == 400


def test_truncated_body_is_a_400(serve: Any, connect: Any) -> None:
    conn = connect(serve(echo_app).port)
    conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
    conn.sock.shutdown(socket.SHUT_WR)
    response = conn.read_response()
    assert response.status == 400
    assert b"3 of the 10 body bytes" in response.body


def test_unread_body_is_drained_for_keep_alive(serve: Any, connect: Any) -> None:
    def ignores_body(environ: Environ, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    conn = connect(serve(ignores_body).port)
    conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
    assert conn.read_response().body == b"ok"
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().body == b"ok"


def test_large_unread_body_closes_the_connection(serve: Any, connect: Any) -> None:
    def ignores_body(environ: Environ, start_response: Any) -> list[bytes]:
        start_response("413 Payload Too Large", [("Content-Length", "0")])
        return []

    server = serve(ignores_body, limits=Limits(max_drain=10))
    conn = connect(server.port)
    conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100)
    response = conn.read_response()
    assert response.status == 413
    assert conn.is_closed()


def test_streamed_response_is_chunked(serve: Any, connect: Any) -> None:
    def stream(environ: Environ, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"one "
        yield b""
        yield b"two"

    conn = connect(serve(stream).port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    response = conn.read_response()
    assert response.header("Transfer-Encoding") == "chunked"
    assert response.header("Content-Length") is None
    assert response.body == b"one two"
    conn.send(b"GET / HTTP/1.0\r\n\r\n")
    response = conn.read_response()
    # HTTP/1.0 has no chunked coding: the body ends when the connection does.
    assert response.header("Transfer-Encoding") is None
    assert response.header("Connection") == "close"
    assert response.body == b"one two"


def test_write_callable_and_empty_response(serve: Any, connect: Any) -> None:
    def legacy(environ: Environ, start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])
        if environ["PATH_INFO"] == "/write":
            write(b"written ")
            return [b"and returned"]
        return []

    conn = connect(serve(legacy).port)
    conn.send(b"GET /write HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().body == b"written and returned"
    conn.send(b"GET /empty HTTP/1.1\r\nHost: x\r\n\r\n")
    response = conn.read_response()
    assert response.header("Content-Length") == "0"
    assert response.body == b""


def test_head_sends_no_body(serve: Any, connect: Any) -> None:
    def app(environ: Environ, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "5")])
        return [b"hello"]

    conn = connect(serve(app).port)
    conn.send(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
    response = conn.read_response("HEAD")
    assert response.header("Content-Length") == "5"
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    # Had the HEAD response carried a body, this would read "hello" as a status line.
    assert conn.read_response().body == b"hello"


def test_204_and_304_have_no_body(serve: Any, connect: Any) -> None:
    def app(environ: Environ, start_response: Any) -> list[bytes]:
        status = "204 No Content" if environ["PATH_INFO"] == "/204" else "304 Not Modified"
        start_response(status, [])
        return [b"ignored"]

    conn = connect(serve(app).port)
    for path in ("/204", "/304"):
        conn.send(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        response = conn.read_response()
        assert response.status == int(path[1:])
        assert response.header("Transfer-Encoding") is None
    conn.send(b"GET /204 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 204


def test_body_longer_than_content_length_is_cut(serve: Any, connect: Any) -> None:
    def liar(environ: Environ, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "3")])
        return [b"abcdef", b"ghi"]

    conn = connect(serve(liar).port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().body == b"abc"
    assert conn.is_closed()


# -- the environ -----------------------------------------------------------------------------


def test_environ_values(serve: Any, connect: Any) -> None:
    server = serve(echo_app)
    conn = connect(server.port)
    conn.send(
        b"GET /caf%C3%A9/a%2Fb?q=%20x&y HTTP/1.1\r\nHost: example.test:8080\r\n"
        b"X-Test: one\r\nX-Test: two\r\nCookie: a=1\r\nCookie: b=2\r\n"
        b"X_Forwarded_For: 6.6.6.6\r\n\r\n"
    )
    data = parse(conn.read_response())
    # PEP 3333: the path is percent-decoded and carried as latin-1 text.
    assert data["PATH_INFO"] == "/café/a/b".encode().decode("latin-1")
    assert data["QUERY_STRING"] == "q=%20x&y"
    assert data["REQUEST_URI"] == "/caf%C3%A9/a%2Fb?q=%20x&y"
    assert data["HTTP_HOST"] == "example.test:8080"
    assert data["HTTP_X_TEST"] == "one, two"
    assert data["HTTP_COOKIE"] == "a=1; b=2"
    # A header with underscores could pass for X-Forwarded-For: dropped.
    assert data["HTTP_X_FORWARDED_FOR"] is None
    assert data["REMOTE_ADDR"] == "127.0.0.1"
    assert data["wsgi.url_scheme"] == "http"
    assert data["wsgi.input_terminated"] is False
    assert data["wsgi.multithread"] is True


def test_absolute_form_target_sets_the_host(serve: Any, connect: Any) -> None:
    conn = connect(serve(echo_app).port)
    conn.send(b"GET http://other.test/p?a=1 HTTP/1.1\r\nHost: ignored.test\r\n\r\n")
    data = parse(conn.read_response())
    assert (data["HTTP_HOST"], data["PATH_INFO"], data["QUERY_STRING"]) == (
        "other.test",
        "/p",
        "a=1",
    )


def test_an_erlen_app_sees_the_request(serve: Any) -> None:
    app = Erlen(__name__)

    @app.post("/form/<name>")
    def form(name: str) -> Any:
        return {"name": name, "form": request.form.to_dict(), "args": request.args.to_dict()}

    server = serve(app)
    data = b"a=1&b=%C3%A9"
    req = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/form/x%20y?z=2",
        data=data,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(req, timeout=10) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {
            "name": "x y",
            "form": {"a": "1", "b": "é"},
            "args": {"z": "2"},
        }


# -- Expect: 100-continue ----------------------------------------------------------------------


def test_100_continue_is_sent_when_the_app_reads_the_body(serve: Any, connect: Any) -> None:
    conn = connect(serve(echo_app).port)
    conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    status_line, headers = conn.read_head()
    assert status_line == "HTTP/1.1 100 Continue"
    assert headers == []
    conn.send(b"data")
    response = conn.read_response()
    assert response.status == 200
    assert parse(response)["body"] == "data"


def test_no_100_continue_when_the_app_refuses(serve: Any, connect: Any) -> None:
    def refuses(environ: Environ, start_response: Any) -> list[bytes]:
        start_response("413 Content Too Large", [("Content-Length", "4")])
        return [b"nope"]

    conn = connect(serve(refuses).port)
    conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    response = conn.read_response()
    assert response.status == 413
    assert response.body == b"nope"
    assert conn.is_closed()


def test_unknown_expectation_is_a_417(serve: Any, connect: Any) -> None:
    conn = connect(serve(echo_app).port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\nExpect: coffee\r\n\r\n")
    response = conn.read_response()
    assert response.status == 417
    assert b"coffee" in response.body


# -- malformed requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "status", "reason"),
    [
        (b"garbage\r\n\r\n", 400, b"malformed"),
        (b"GET /\r\n\r\n", 400, b"malformed"),
        (b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400, b"malformed"),
        (b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400, b"method"),
        (b"GET / HTTX/1.1\r\nHost: x\r\n\r\n", 400, b"version"),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, b"HTTP/2.0"),
        (b"GET nopath HTTP/1.1\r\nHost: x\r\n\r\n", 400, b"target"),
        (b"GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n", 400, b"control"),
        (b"GET / HTTP/1.1\r\n\r\n", 400, b"Host"),
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, b"Host"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n", 400, b"Malformed header"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-A : v\r\n\r\n", 400, b"Malformed header"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400, b"Malformed header"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n\r\n", 400, b"obs-fold"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400, b"control"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked"
            b"\r\n\r\n",
            400,
            b"both",
        ),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -3\r\n\r\n", 400, b"Content-Length"),
        (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n", 400, b"Content-Length"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            400,
            b"conflicting",
        ),
        (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400, b"chunked"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            501,
            b"chunked",
        ),
        (b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, b"HTTP/1.0"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
            b"more than once",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip, chunked\r\n\r\n",
            400,
            b"more than once",
        ),
    ],
)
def test_malformed_requests_get_a_4xx_and_a_closed_connection(
    serve: Any, connect: Any, raw: bytes, status: int, reason: bytes
) -> None:
    calls = []

    def app(environ: Environ, start_response: Any) -> list[bytes]:
        calls.append(environ)
        start_response("200 OK", [])
        return [b"should not run"]

    conn = connect(serve(app).port)
    conn.send(raw)
    response = conn.read_response()
    assert response.status == status
    assert reason.lower() in response.body.lower()
    assert response.header("Connection") == "close"
    assert response.header("Content-Type") == "text/html; charset=utf-8"
    assert conn.is_closed()
    assert calls == []


def test_oversized_heads(serve: Any, connect: Any) -> None:
    server = serve(
        echo_app,
        limits=Limits(max_request_line=100, max_header_count=5, max_header_line=200),
    )
    conn = connect(server.port)
    conn.send(b"GET /" + b"a" * 200 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 414

    conn = connect(server.port)
    many = b"".join(b"X-%d: v\r\n" % i for i in range(6))
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    response = conn.read_response()
    assert response.status == 431
    assert b"more than 5 headers" in response.body

    conn = connect(server.port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"v" * 300 + b"\r\n\r\n")
    assert conn.read_response().status == 431


def test_a_client_that_leaves_early_does_not_break_the_server(serve: Any, connect: Any) -> None:
    server = serve(echo_app)
    conn = connect(server.port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Half")
    conn.close()
    conn = connect(server.port)
    conn.send(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
    assert parse(conn.read_response())["PATH_INFO"] == "/after"


# -- application errors -----------------------------------------------------------------------


def test_app_exception_gives_a_plain_500(
    serve: Any, connect: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(environ: Environ, start_response: Any) -> list[bytes]:
        raise RuntimeError("<b>secret detail</b>")

    server = serve(broken)
    conn = connect(server.port)
    with caplog.at_level(logging.INFO, logger="erlen.serving"):
        conn.send(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
        response = conn.read_response()
    assert response.status == 500
    assert b"Internal Server Error" in response.body
    assert b"secret detail" not in response.body
    assert b"Traceback" not in response.body
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info is not None
    assert isinstance(errors[0].exc_info[1], RuntimeError)
    # The server keeps serving.
    conn = connect(server.port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 500


def test_error_after_the_headers_cuts_the_response(serve: Any) -> None:
    def half(environ: Environ, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"partial"
        raise RuntimeError("mid-stream")

    server = serve(half)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/")
    response = conn.getresponse()
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead) as info:
        response.read()
    assert info.value.partial == b"partial"
    conn.close()


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        ("200", []),
        ("OK 200", []),
        ("200 OK", [("X-Bad", "a\r\nSet-Cookie: evil=1")]),
        ("200 OK", [("X-Bad\n", "v")]),
    ],
)
def test_invalid_status_or_header_injection_is_a_500(
    serve: Any, connect: Any, status: str, headers: list[tuple[str, str]]
) -> None:
    def app(environ: Environ, start_response: Any) -> list[bytes]:
        start_response(status, headers)
        return [b"body"]

    conn = connect(serve(app).port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    response = conn.read_response()
    assert response.status == 500
    assert response.header("Set-Cookie") is None


def test_str_body_is_a_500(serve: Any, connect: Any) -> None:
    def app(environ: Environ, start_response: Any) -> list[str]:
        start_response("200 OK", [])
        return ["text, not bytes"]

    conn = connect(serve(app).port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 500


def test_app_iterable_is_closed(serve: Any, connect: Any) -> None:
    closed = threading.Event()

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"x"

        def close(self) -> None:
            closed.set()

    def app(environ: Environ, start_response: Any) -> Body:
        start_response("200 OK", [])
        return Body()

    conn = connect(serve(app).port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().body == b"x"
    assert closed.wait(5)


# -- logging, TLS, setup -----------------------------------------------------------------------


def test_access_log_line(serve: Any, connect: Any, caplog: pytest.LogCaptureFixture) -> None:
    server = serve(echo_app)
    conn = connect(server.port)
    with caplog.at_level(logging.INFO, logger="erlen.serving"):
        conn.send(b'GET /path?q="x" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        response = conn.read_response()
        assert conn.is_closed()
    lines = [r.getMessage() for r in caplog.records if r.name == "erlen.serving"]
    pattern = (
        r"127\.0\.0\.1 - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "
        r'"GET /path\?q=\\x22x\\x22 HTTP/1\.1" 200 (\d+)'
    )
    matches = [re.fullmatch(pattern, line) for line in lines]
    found = [m for m in matches if m]
    assert len(found) == 1
    assert int(found[0].group(1)) == len(response.body)


def test_bad_request_is_logged_escaped(
    serve: Any, connect: Any, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve(echo_app)
    conn = connect(server.port)
    with caplog.at_level(logging.INFO, logger="erlen.serving"):
        conn.send(b"\x1b[31mred\r\n\r\n")
        assert conn.read_response().status == 400
        assert conn.is_closed()
    lines = [r.getMessage() for r in caplog.records if r.name == "erlen.serving"]
    assert any('"\\x1b[31mred" 400' in line for line in lines)
    assert not any("\x1b" in line for line in lines)


def _self_signed(tmp_path: Path) -> tuple[str, str]:
    return make_ssl_devcert(str(tmp_path / "dev"), host="localhost")


def _trust_any_certificate() -> ssl.SSLContext:
    """A client context that accepts a self-signed certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def test_https_with_a_cert_and_key(serve: Any, tmp_path: Path) -> None:
    server = serve(echo_app, ssl_context=_self_signed(tmp_path))
    client_context = _trust_any_certificate()
    url = f"https://127.0.0.1:{server.port}/secure"
    with urllib.request.urlopen(url, context=client_context, timeout=10) as response:
        data = json.loads(response.read())
    assert data["wsgi.url_scheme"] == "https"
    assert data["PATH_INFO"] == "/secure"
    # A plain-HTTP client on the TLS port does not take the server down.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(ConnectionError):
            assert sock.recv(100) == b""
            raise ConnectionResetError
    with urllib.request.urlopen(url, context=client_context, timeout=10) as response:
        assert response.status == 200


def test_load_ssl_context() -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    assert load_ssl_context(context) is context
    assert load_ssl_context(None) is None
    adhoc = load_ssl_context("adhoc")
    assert isinstance(adhoc, ssl.SSLContext)
    assert adhoc is not load_ssl_context("adhoc")


def test_https_with_an_adhoc_certificate(serve: Any) -> None:
    server = serve(echo_app, ssl_context="adhoc")
    client_context = _trust_any_certificate()
    url = f"https://127.0.0.1:{server.port}/adhoc"
    with urllib.request.urlopen(url, context=client_context, timeout=10) as response:
        data = json.loads(response.read())
    assert data["wsgi.url_scheme"] == "https"
    assert data["PATH_INFO"] == "/adhoc"
    # A client that verifies certificates refuses the self-signed one.
    with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
        urllib.request.urlopen(url, context=ssl.create_default_context(), timeout=10)


def test_make_ssl_devcert_is_trusted_by_a_client_that_trusts_it(serve: Any, tmp_path: Path) -> None:
    cert_file, key_file = make_ssl_devcert(str(tmp_path / "dev"), host="localhost")
    assert cert_file == str(tmp_path / "dev.crt")
    assert key_file == str(tmp_path / "dev.key")
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    server = serve(echo_app, ssl_context=(cert_file, key_file))
    # Verified, host name checked: the certificate names localhost.
    client_context = ssl.create_default_context(cafile=cert_file)
    url = f"https://localhost:{server.port}/trusted"
    with urllib.request.urlopen(url, context=client_context, timeout=10) as response:
        assert json.loads(response.read())["PATH_INFO"] == "/trusted"


def test_make_server_kinds() -> None:
    def app(environ: Environ, start_response: Any) -> list[bytes]:
        return []

    server = make_server("127.0.0.1", 0, app)
    try:
        assert type(server) is BaseWSGIServer
        assert server.port != 0
        assert server.urls() == [f"http://127.0.0.1:{server.port}"]
    finally:
        server.server_close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    try:
        assert isinstance(server, ThreadedWSGIServer)
        assert server.multithread and not server.multiprocess
    finally:
        server.server_close()
    with pytest.raises(ValueError, match="multi-thread and multi-process"):
        make_server("127.0.0.1", 0, app, threaded=True, processes=2)


def test_serving_on_an_inherited_socket(serve: Any, connect: Any) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    server = serve(echo_app, fd=listener.detach())
    assert server.port == port
    conn = connect(port)
    conn.send(b"GET /fd HTTP/1.1\r\nHost: x\r\n\r\n")
    assert parse(conn.read_response())["PATH_INFO"] == "/fd"


def test_ipv6_loopback(serve: Any) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        server = serve(echo_app, host="::1")
    except OSError:
        pytest.skip("IPv6 loopback is not available")
    assert server.urls() == [f"http://[::1]:{server.port}"]
    with urllib.request.urlopen(f"http://[::1]:{server.port}/six", timeout=10) as response:
        assert json.loads(response.read())["REMOTE_ADDR"] == "::1"
