"""The production servers users run erlen on, as real subprocesses on 127.0.0.1.

Each server is started once per module (``myapp:app`` from ``tests/serving/apps``,
the README's command) and gets real HTTP requests: a page, a JSON echo, a
streamed response, errors; the ASGI servers also a WebSocket conversation.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from server_params import parametrize_servers

pytestmark = pytest.mark.server

# One server per name for the whole module: the WebSocket tests reuse the
# ASGI servers that the HTTP tests started.
pytest_generate_tests = parametrize_servers


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, server_runner: Callable[..., Any]) -> Iterator[Any]:
    with server_runner(request.param, "myapp:app") as running:
        yield running


def fetch(
    server: Any,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def test_page(server: Any) -> None:
    response, body = fetch(server, "GET", "/?name=%3Cscript%3Ex%3C/script%3E")
    assert response.status == 200, server.tail()
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert response.getheader("Content-Length") == str(len(body))
    text = body.decode()
    assert "<h1>Hello, &lt;script&gt;x&lt;/script&gt;!</h1>" in text
    assert "<script>" not in text


def test_json_echo(server: Any) -> None:
    payload = {"name": "Zoë", "items": [1, 2.5, None, True], "nested": {"k": "v"}}
    data = json.dumps(payload).encode()
    response, body = fetch(
        server, "POST", "/echo?q=a%20b", body=data, headers={"Content-Type": "application/json"}
    )
    assert response.status == 200, server.tail()
    assert response.getheader("Content-Type") == "application/json"
    assert json.loads(body) == {
        "json": payload,
        "method": "POST",
        "path": "/echo",
        "query": "a b",
        "content_length": len(data),
    }


@pytest.mark.parametrize("items", [30_000, 150_000], ids=["400KB", "2MB"])
def test_large_json_body(server: Any, items: int) -> None:
    # The servers hand these over in many pieces (ASGI body messages): about
    # 400 KB stays below ASGI_BODY_SPOOL_SIZE (read into memory as it
    # comes), about 2 MB goes past it (replayed into a spooled ASGIBody).
    payload = {"items": [f"item-{i:07d}" for i in range(items)]}
    data = json.dumps(payload).encode()
    assert len(data) > (2_000_000 if items == 150_000 else 400_000)
    response, body = fetch(
        server, "POST", "/echo", body=data, headers={"Content-Type": "application/json"}
    )
    assert response.status == 200, server.tail()
    echoed = json.loads(body)
    assert echoed["content_length"] == len(data)
    assert echoed["json"] == payload


def test_malformed_json_is_400(server: Any) -> None:
    response, body = fetch(
        server, "POST", "/echo", body=b'{"a": ', headers={"Content-Type": "application/json"}
    )
    assert response.status == 400, server.tail()
    assert b"Bad Request" in body


def test_not_found(server: Any) -> None:
    response, body = fetch(server, "GET", "/no/such/page")
    assert response.status == 404, server.tail()
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert b"Not Found" in body


def test_method_not_allowed(server: Any) -> None:
    response, _ = fetch(server, "GET", "/echo")
    assert response.status == 405, server.tail()
    assert sorted(m.strip() for m in response.getheader("Allow", "").split(",")) == [
        "OPTIONS",
        "POST",
    ]


def test_call_on_close_runs_once_after_the_response(server: Any, tmp_path: Path) -> None:
    # granian's WSGI side sends a list body without calling close(), so a
    # response with something to close must not be handed over as a list.
    mark = tmp_path / "closed"
    response, body = fetch(server, "GET", f"/on-close?mark={mark}")
    assert response.status == 200, server.tail()
    assert body == b"closing"
    deadline = time.monotonic() + 5
    while not mark.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    assert mark.exists(), f"call_on_close did not run under {server.name}"
    assert mark.read_text() == "closed\n"


# How each server frames a body of unknown length: chunked, or (uWSGI's plain
# --http-socket; its HTTP router for a request that asks to close, as this
# test's does) until the connection closes.
CLOSE_DELIMITED = {"uwsgi", "uwsgi-protocol"}


class StreamReader:
    """Reads an HTTP/1.1 response off a raw socket, piece by piece as it arrives."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        self.rfile = self.sock.makefile("rb")
        self.status_line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
        self.headers: dict[str, str] = {}
        while line := self.rfile.readline().decode("latin-1").rstrip("\r\n"):
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.chunked = self.headers.get("transfer-encoding") == "chunked"

    def next_piece(self) -> bytes:
        """The next chunk's data (or, without chunking, what the socket has);
        ``b""`` at the end of the body."""
        if not self.chunked:
            return self.rfile.read1(65536)
        size_line = self.rfile.readline()
        size = int(size_line.split(b";")[0].strip(), 16)
        data = self.rfile.read(size) if size else b""
        assert self.rfile.readline() == b"\r\n", "a chunk must end with CRLF"
        return data

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()


def test_streamed_response_arrives_in_parts(server: Any, tmp_path: Path) -> None:
    release = tmp_path / "release"
    reader = StreamReader(server.port, f"/stream?release={release}")
    try:
        assert reader.status_line.startswith("HTTP/1.1 200"), server.tail()
        assert reader.headers["content-type"] == "text/plain; charset=utf-8"
        assert "content-length" not in reader.headers
        assert reader.chunked is (server.name not in CLOSE_DELIMITED)
        # The view is still waiting for the release file, so whatever arrives
        # now was sent while the generator ran: part 1 and nothing more.
        received = b""
        pieces = 0
        while len(received) < len(b"part-1\n"):
            piece = reader.next_piece()
            assert piece, "the response ended before part 1"
            received += piece
            pieces += 1
        assert received == b"part-1\n"
        release.touch()
        while piece := reader.next_piece():
            received += piece
            pieces += 1
        assert received == b"part-1\npart-2\npart-3\n"
        assert pieces >= 2
    finally:
        reader.close()


def test_websocket_echo(server: Any) -> None:
    from websockets.exceptions import ConnectionClosedOK
    from websockets.sync.client import connect

    with connect(f"{server.ws_url}/ws/echo", open_timeout=10, close_timeout=5) as ws:
        ws.send("hello")
        assert ws.recv(timeout=10) == "echo: hello"
        ws.send("zwölf €")
        assert ws.recv(timeout=10) == "echo: zwölf €"
        ws.send(json.dumps({"n": 1, "list": ["a", None]}))
        assert json.loads(ws.recv(timeout=10)) == {"echo": {"n": 1, "list": ["a", None]}}
        ws.send(b"\x00\x01binary\xff")
        assert ws.recv(timeout=10) == b"\xffyranib\x01\x00"
        ws.send("bye")
        with pytest.raises(ConnectionClosedOK):
            ws.recv(timeout=10)
        assert ws.close_code == 1000


def test_server_logged_no_errors(server: Any) -> None:
    # Runs after the tests above on the same server (file order within each
    # server's group): none of them may have made the app or server log an error.
    output = server.output()
    assert "Traceback" not in output, server.tail()
    assert "ERROR" not in output, server.tail()


def test_require_skips_a_missing_server_outside_ci(
    require: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ERLEN_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="'erlen_no_such_server' is not installed"):
        require("erlen_no_such_server")
    with pytest.raises(pytest.skip.Exception, match="'erlen-no-such-program' is not installed"):
        require("json", "erlen-no-such-program")
    require("json")


def test_require_fails_a_missing_server_in_ci(
    require: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="ERLEN_REQUIRE_SERVICES=1 requires it"):
        require("erlen_no_such_server")
