"""Mangled raw requests against the development server, with an erlen app
behind it that reads every part of the request. Each connection ends (no
hang) and every answer is a clear 4xx or the app's own, never a server error;
the 5xx allowed are the ones the RFCs prescribe: 505 for a request line naming
an HTTP version the server does not speak (RFC 9110 15.6.6), 501 for a
transfer coding it does not implement (RFC 9112 6.1)."""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erlen import Erlen, request
from erlen.serving import make_server
from erlen.serving.server import BaseWSGIServer

VALID_REQUESTS = [
    b'GET /?a=1&b=%ZZ HTTP/1.1\r\nHost: localhost\r\nCookie: a=b; c="d"\r\n'
    b"Accept: text/html;q=0.5\r\nRange: bytes=0-10\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 7\r\n\r\na=1&b=2",
    b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=xx\r\n"
    b'Content-Length: 60\r\n\r\n--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--xx--\r\n',
    b"PUT / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
    b'Content-Type: application/json\r\n\r\n5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n',
    b"GET /12/a/b HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic YTpi\r\n"
    b'If-Modified-Since: Wed, 21 Oct 2015 07:28:00 GMT\r\nIf-None-Match: "x", W/"y"\r\n\r\n',
]

#: Pieces that make parsers stumble: line ends, separators, odd bytes, huge
#: and negative numbers, framing headers, path tricks.
TOKENS = [
    b"\r\n", b"\n", b"\r", b" ", b"\t", b":", b"%", b"\x00", b"\xff", b"\xc3", b"0", b"-1",
    b"99999999999999999999", b"chunked", b";", b"=", b'"', b"HTTP/1.1", b"HTTP/2.0",
    b"Host:", b"Content-Length: ", b"Transfer-Encoding: chunked\r\n",
    b"Expect: 100-continue\r\n", b"Connection: Upgrade\r\nUpgrade: websocket\r\n",
    b"/../", b"//", b"?", b"#", b"*", b"\\",
]  # fmt: skip


def mangle(data: bytes, rnd: random.Random) -> bytes:
    """``data`` with one to six random cuts, insertions and flipped bytes."""
    mangled = bytearray(data)
    for _ in range(rnd.randint(1, 6)):
        operation = rnd.randrange(4)
        at = rnd.randint(0, len(mangled))
        if operation == 0 and mangled:
            del mangled[at : at + rnd.randint(1, 8)]
        elif operation == 1:
            mangled[at:at] = rnd.choice(TOKENS)
        elif operation == 2 and mangled:
            mangled[min(at, len(mangled) - 1)] = rnd.randrange(256)
        else:
            mangled[at:at] = rnd.randbytes(rnd.randint(1, 5))
    return bytes(mangled)


def reading_app() -> Erlen:
    app = Erlen(__name__)
    app.config.update(SECRET_KEY="fuzz", MAX_CONTENT_LENGTH=64 * 1024)

    @app.route("/", methods=["GET", "POST", "PUT"])
    def index() -> Any:
        # Everything a view may read, parsed.
        return {
            "form": request.form.to_dict(),
            "args": request.args.to_dict(),
            "length": len(request.get_data()),
            "json": request.get_json(silent=True),
            "cookies": request.cookies.to_dict(),
            "url": request.url,
            "accept": str(request.accept_mimetypes),
            "range": str(request.range),
            "authorization": str(request.authorization),
            "if_modified_since": str(request.if_modified_since),
            "if_none_match": str(request.if_none_match),
        }

    @app.route("/<int:number>/<path:rest>")
    def other(number: int, rest: str) -> str:
        return f"{number} {rest}"

    return app


@pytest.fixture(scope="module")
def fuzzed_server() -> Iterator[BaseWSGIServer]:
    # Module-scoped: hypothesis reruns the test body, not function fixtures.
    server = make_server("127.0.0.1", 0, reading_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield server
    server.shutdown()
    thread.join(10)


def exchange(port: int, data: bytes) -> bytes:
    """Send ``data``, end the sending side, and read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return received


def status_codes(received: bytes) -> list[bytes]:
    return [line.split(b" ")[1] for line in received.split(b"\r\n") if line.startswith(b"HTTP/1.")]


def test_the_valid_requests_are_answered(fuzzed_server: BaseWSGIServer) -> None:
    # The seeds work, so the mangled ones test the mangling.
    for data in VALID_REQUESTS:
        assert status_codes(exchange(fuzzed_server.port, data)) == [b"200"], data


@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.sampled_from(VALID_REQUESTS), rnd=st.randoms(use_true_random=False))
def test_mangled_requests_get_a_4xx_or_the_apps_answer(
    fuzzed_server: BaseWSGIServer,
    seed: bytes,
    rnd: random.Random,
    caplog: pytest.LogCaptureFixture,
) -> None:
    data = mangle(seed, rnd)
    caplog.clear()
    # socket.timeout (a hang) fails the test by raising.
    received = exchange(fuzzed_server.port, data)
    for code in status_codes(received):
        # 501 is RFC 9112's answer to a transfer coding other than chunked.
        assert code < b"500" or code in (b"501", b"505"), (data, received[:400])
    assert not [r for r in caplog.records if r.exc_info], data
