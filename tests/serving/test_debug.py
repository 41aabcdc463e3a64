"""The debug traceback page: shown to local clients only, and escaped."""

from __future__ import annotations

import http.client
import io
import socket
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from erlen import Erlen
from erlen.serving import DebugMiddleware, is_local_request, render_traceback

XSS = "<script>alert('x')</script>"
ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"


def failing_view_app() -> Erlen:
    app = Erlen(__name__)
    app.debug = True

    @app.route("/fail")
    def fail() -> str:
        raise ValueError(XSS)

    @app.route("/ok")
    def ok() -> str:
        return "fine"

    return app


def _get(port: int, path: str, host: str = "127.0.0.1", **headers: str) -> tuple[int, Any, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def test_debug_page_is_shown_to_loopback_and_escaped(serve: Any) -> None:
    server = serve(DebugMiddleware(failing_view_app()))
    status, headers, body = _get(server.port, "/fail")
    page = body.decode()
    assert status == 500
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    assert "<script>" not in page
    assert f"ValueError: {ESCAPED}" in page
    # The frame of the view and its source line are on the page.
    assert "in <b>fail</b>" in page
    assert "raise ValueError(XSS)" in page
    assert "Traceback (most recent call last)" in page
    # Requests that succeed are untouched.
    assert _get(server.port, "/ok")[2] == b"fine"


def test_no_debug_page_with_debug_off(serve: Any) -> None:
    app = failing_view_app()
    app.debug = False
    server = serve(app)
    status, _, body = _get(server.port, "/fail")
    assert status == 500
    assert b"Internal Server Error" in body
    assert b"ValueError" not in body
    assert b"alert" not in body
    assert b"Traceback" not in body


def test_no_debug_page_without_the_debugger(serve: Any) -> None:
    # Debug mode on, but no debug middleware: the exception reaches the
    # server, which answers with its plain 500.
    server = serve(failing_view_app())
    status, _, body = _get(server.port, "/fail")
    assert status == 500
    assert b"ValueError" not in body
    assert b"Traceback" not in body


def test_no_debug_page_behind_a_proxy(serve: Any) -> None:
    server = serve(DebugMiddleware(failing_view_app()))
    status, _, body = _get(server.port, "/fail", **{"X-Forwarded-For": "203.0.113.9"})
    assert status == 500
    assert b"ValueError" not in body
    assert b"Traceback" not in body


def _lan_ip() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 9))
        except OSError:
            return None
        ip = str(probe.getsockname()[0])
    return None if ip.startswith("127.") else ip


def test_no_debug_page_for_a_remote_address(serve: Any) -> None:
    ip = _lan_ip()
    if ip is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    try:
        server = serve(DebugMiddleware(failing_view_app()), host=ip)
    except OSError:
        pytest.skip(f"cannot bind {ip}")
    # Connecting to the LAN address makes the client address non-loopback.
    status, _, body = _get(server.port, "/fail", host=ip)
    assert status == 500
    assert b"ValueError" not in body
    assert b"Traceback" not in body


def _call(app: Any, environ: dict[str, Any]) -> tuple[list[Any], bytes]:
    calls: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        calls.append((status, headers, exc_info))
        return lambda data: None

    body = b"".join(app(environ, start_response))
    return calls, body


def _environ(remote: str, **extra: Any) -> dict[str, Any]:
    return {"REMOTE_ADDR": remote, "REQUEST_METHOD": "GET", "wsgi.errors": io.StringIO(), **extra}


def _raising(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    raise KeyError("missing <key>")


def test_middleware_reraises_for_remote_clients() -> None:
    middleware = DebugMiddleware(_raising)
    with pytest.raises(KeyError):
        _call(middleware, _environ("198.51.100.7"))


def test_middleware_renders_for_local_clients_and_logs() -> None:
    environ = _environ("::1")
    calls, body = _call(DebugMiddleware(_raising), environ)
    ((status, headers, exc_info),) = calls
    assert status == "500 Internal Server Error"
    assert exc_info is not None and exc_info[0] is KeyError
    assert dict(headers)["Content-Length"] == str(len(body))
    assert b"KeyError: &#x27;missing &lt;key&gt;&#x27;" in body
    assert "KeyError: 'missing <key>'" in environ["wsgi.errors"].getvalue()


def test_middleware_lets_a_connection_error_through_quietly() -> None:
    # A client that left, or engineio telling the server it is done with the
    # WebSocket it took from werkzeug.socket: no page, no traceback.
    def dropped(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise BrokenPipeError()

    environ = _environ("127.0.0.1")
    with pytest.raises(BrokenPipeError):
        _call(DebugMiddleware(dropped), environ)
    assert environ["wsgi.errors"].getvalue() == ""


def test_middleware_sends_no_body_for_head() -> None:
    calls, body = _call(DebugMiddleware(_raising), _environ("127.0.0.1", REQUEST_METHOD="HEAD"))
    assert calls[0][0].startswith("500")
    assert body == b""


def test_custom_trust_rule() -> None:
    middleware = DebugMiddleware(_raising, is_trusted=lambda environ: False)
    with pytest.raises(KeyError):
        _call(middleware, _environ("127.0.0.1"))


def test_middleware_closes_the_app_iterable() -> None:
    closed = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"ok"

        def close(self) -> None:
            closed.append(True)

    def app(environ: dict[str, Any], start_response: Any) -> Body:
        start_response("200 OK", [])
        return Body()

    calls, body = _call(DebugMiddleware(app), _environ("127.0.0.1"))
    assert calls[0][0] == "200 OK"
    assert body == b"ok"
    assert closed == [True]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.1", False),
        ("192.168.1.5", False),
        ("::ffff:10.0.0.1", False),
        ("2001:db8::1", False),
        ("", False),
        ("localhost", False),
        ("not an ip", False),
    ],
)
def test_is_local_request(address: str, expected: bool) -> None:
    assert is_local_request({"REMOTE_ADDR": address}) is expected


@pytest.mark.parametrize("header", ["HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP"])
def test_forwarded_requests_are_not_local(header: str) -> None:
    assert is_local_request({"REMOTE_ADDR": "127.0.0.1", header: "203.0.113.1"}) is False


def test_render_traceback_shows_the_chain() -> None:
    try:
        try:
            {}["first"]
        except KeyError as e:
            raise RuntimeError('second "quoted" & <tagged>') from e
    except RuntimeError as e:
        page = render_traceback(e)
    first = page.index("KeyError: &#x27;first&#x27;")
    link = page.index("The above exception was the direct cause of the following exception:")
    second = page.index("RuntimeError: second &quot;quoted&quot; &amp; &lt;tagged&gt;</h2>")
    assert first < link < second
    assert "<tagged>" not in page
    assert "raise RuntimeError(&#x27;second &quot;quoted&quot;" in page
    assert "test_render_traceback_shows_the_chain" in page


def test_render_traceback_implicit_context_and_suppression() -> None:
    try:
        try:
            raise ValueError("inner")
        except ValueError:
            raise TypeError("outer") from None
    except TypeError as e:
        suppressed = render_traceback(e)
    assert "<h2>TypeError: outer</h2>" in suppressed
    assert "<h2>ValueError: inner</h2>" not in suppressed
    assert "During handling" not in suppressed

    try:
        try:
            raise ValueError("inner")
        except ValueError:
            raise TypeError("outer")  # noqa: B904
    except TypeError as e:
        chained = render_traceback(e)
    assert (
        chained.index("<h2>ValueError: inner</h2>")
        < chained.index("During handling of the above exception, another exception occurred:")
        < chained.index("<h2>TypeError: outer</h2>")
    )


def test_render_traceback_of_an_exception_without_message() -> None:
    try:
        raise StopIteration
    except StopIteration:
        page = render_traceback(sys.exc_info()[1])  # type: ignore[arg-type]
    assert "<h1>StopIteration</h1>" in page
