"""WebSockets on the development server: the app's ASGI side serves upgrade
requests for its WebSocket handlers; the others reach the WSGI app with the
connection in ``werkzeug.socket``.

The happy paths use the ``websockets`` client; protocol errors use a raw socket
that writes frames byte by byte, so the server is checked against RFC 6455 and
not against the client library's own choices.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidStatus,
)
from websockets.sync.client import connect as ws_connect
from websockets.typing import Subprotocol

from erlen import Erlen, abort, websocket
from erlen.serving import Limits, make_server, run_simple
from erlen.serving.server import BaseWSGIServer
from erlen.serving.websocket import (
    Close,
    FrameDecoder,
    Message,
    Opcode,
    Ping,
    Pong,
    ProtocolError,
    accept_key,
    close_payload,
    encode_frame,
)

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WAIT = 10.0

Scope = dict[str, Any]


# -- apps --------------------------------------------------------------------------------


def make_app() -> tuple[Erlen, dict[str, Any]]:
    """An erlen app with the routes the tests use, and what its handlers recorded."""
    app = Erlen(__name__)
    seen: dict[str, Any] = {"disconnect": [], "done": threading.Event(), "loops": []}

    @app.route("/")
    def index() -> str:
        return "plain page"

    @app.websocket("/echo")
    async def echo() -> None:
        await websocket.accept()
        seen["loops"].append(id(asyncio.get_running_loop()))
        while True:
            message = await websocket.receive()
            if message == "bye":
                await websocket.close(1000, "see you")
                return
            await websocket.send(message)

    @app.websocket("/json")
    async def json_echo() -> None:
        await websocket.accept()
        data = await websocket.receive_json()
        await websocket.send_json({"got": data, "path": websocket.path})

    @app.websocket("/proto")
    async def proto() -> None:
        offered = websocket.requested_subprotocols
        chosen = "chat.v2" if "chat.v2" in offered else None
        await websocket.accept(subprotocol=chosen, headers={"X-Room": "lobby"})
        await websocket.send(",".join(offered))

    @app.websocket("/boom")
    async def boom() -> None:
        await websocket.accept()
        await websocket.receive()
        raise RuntimeError("handler failed")

    @app.websocket("/deny")
    async def deny() -> None:
        abort(403)

    @app.websocket("/record")
    async def record() -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.receive()
        except websocket.WebSocketDisconnect as e:
            seen["disconnect"].append((e.code, e.reason))
            seen["done"].set()
            raise

    return app, seen


@pytest.fixture
def erlen_server(serve: Callable[..., BaseWSGIServer]) -> tuple[BaseWSGIServer, dict[str, Any]]:
    app, seen = make_app()
    return serve(app, asgi_app=app.asgi_app), seen


def url(server: BaseWSGIServer, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


# -- a raw client --------------------------------------------------------------------------


def client_frame(
    opcode: int, payload: bytes = b"", *, fin: bool = True, masked: bool = True, rsv: int = 0
) -> bytes:
    """A client frame, built here by hand (not with the codec under test)."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head = struct.pack("!BB", first, mask_bit | n)
    elif n < 65536:
        head = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, n)
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class RawWebSocket:
    """A client socket that does the handshake and then sends and reads raw frames."""

    def __init__(
        self,
        port: int,
        path: str = "/echo",
        *,
        headers: str = "",
        key: str | None = None,
        version: str = "13",
        after_head: bytes = b"",
    ) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.rfile = self.sock.makefile("rb")
        self.key = key if key is not None else base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\n"
            f"Sec-WebSocket-Version: {version}\r\n{headers}\r\n"
        )
        self.sock.sendall(request.encode("latin-1") + after_head)

    def read_head(self) -> tuple[int, dict[str, str]]:
        status_line = self.rfile.readline().decode("latin-1")
        assert status_line, "the server closed the connection"
        headers: dict[str, str] = {}
        while line := self.rfile.readline().decode("latin-1").rstrip("\r\n"):
            name, _, value = line.partition(":")
            headers[name.lower()] = value.strip()
        return int(status_line.split(" ")[1]), headers

    def read_body(self, headers: dict[str, str]) -> bytes:
        return self.rfile.read(int(headers["content-length"]))

    def open(self) -> dict[str, str]:
        status, headers = self.read_head()
        assert status == 101, (status, headers)
        return headers

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_frame(self, opcode: int, payload: bytes = b"", **kwargs: Any) -> None:
        self.sock.sendall(client_frame(opcode, payload, **kwargs))

    def read_frame(self) -> tuple[bool, int, bytes]:
        first, second = self.rfile.read(2)
        assert not second & 0x80, "a server frame must not be masked"
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self.rfile.read(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self.rfile.read(8))
        return bool(first & 0x80), first & 0x0F, self.rfile.read(length)

    def read_close(self) -> tuple[int, str]:
        """The next frame, which must be a close frame: its code and reason."""
        fin, opcode, payload = self.read_frame()
        assert (fin, opcode) == (True, 0x8), (opcode, payload)
        if not payload:
            return 1005, ""
        return struct.unpack("!H", payload[:2])[0], payload[2:].decode()

    def at_eof(self) -> bool:
        try:
            return self.rfile.read(1) == b""
        except ConnectionError:
            return True

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()


@pytest.fixture
def raw() -> Iterator[Callable[..., RawWebSocket]]:
    opened: list[RawWebSocket] = []

    def open_raw(port: int, path: str = "/echo", **kwargs: Any) -> RawWebSocket:
        conn = RawWebSocket(port, path, **kwargs)
        opened.append(conn)
        return conn

    yield open_raw
    for conn in opened:
        conn.close()


# -- the codec ------------------------------------------------------------------------------


def test_accept_key_matches_rfc_example() -> None:
    # RFC 6455 §1.3.
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_encode_frame_lengths_and_masking() -> None:
    assert encode_frame(Opcode.TEXT, b"hi") == b"\x81\x02hi"
    assert encode_frame(Opcode.BINARY, b"x" * 200)[:4] == b"\x82\x7e\x00\xc8"
    assert encode_frame(Opcode.BINARY, b"x" * 70000)[:10] == b"\x82\x7f" + struct.pack("!Q", 70000)
    assert encode_frame(Opcode.TEXT, b"ab", fin=False, mask=b"\x01\x02\x03\x04") == (
        b"\x01\x82\x01\x02\x03\x04" + bytes((ord("a") ^ 1, ord("b") ^ 2))
    )
    assert close_payload(1000, "ok") == b"\x03\xe8ok"
    assert close_payload(None) == b""
    # The reason is cut to fit a control frame, on a character boundary.
    assert len(close_payload(1000, "é" * 100)) == 2 + 122


def test_decoder_reassembles_across_feeds_with_a_ping_between_fragments() -> None:
    decoder = FrameDecoder()
    data = (
        client_frame(0x1, "zwö".encode()[:3], fin=False)
        + client_frame(0x9, b"beat")
        + client_frame(0x0, "zwö".encode()[3:] + b"lf")
        + client_frame(0xA, b"")
        + client_frame(0x8, b"\x0f\xa0bye")
    )
    events: list[Any] = []
    for i in range(len(data)):  # one byte at a time
        decoder.feed(data[i : i + 1])
        events.extend(decoder.events())
    assert events == [Ping(b"beat"), Message("zwölf"), Pong(b""), Close(4000, "bye")]
    assert decoder.buffered == 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (client_frame(0x1, b"x", masked=False), 1002),
        (client_frame(0x1, b"x", rsv=4), 1002),
        (client_frame(0x3, b"x"), 1002),
        (client_frame(0x0, b"x"), 1002),
        (client_frame(0x1, b"a", fin=False) + client_frame(0x2, b"b"), 1002),
        (client_frame(0x9, b"p" * 126), 1002),
        (client_frame(0x9, b"p", fin=False), 1002),
        (client_frame(0x8, b"\x03"), 1002),
        (client_frame(0x8, struct.pack("!H", 1005)), 1002),
        (client_frame(0x8, struct.pack("!H", 999)), 1002),
        (client_frame(0x8, b"\x03\xe8\xff"), 1007),
        (client_frame(0x1, b"\xc3\x28"), 1007),
        # A bad byte in the first fragment fails before the rest arrives.
        (client_frame(0x1, b"ok\xff", fin=False), 1007),
        (client_frame(0x2, b"x" * 101), 1009),
        (client_frame(0x2, b"x" * 60, fin=False) + client_frame(0x0, b"x" * 41), 1009),
    ],
)
def test_decoder_protocol_errors(data: bytes, code: int) -> None:
    decoder = FrameDecoder(max_message_size=100)
    decoder.feed(data)
    with pytest.raises(ProtocolError) as info:
        list(decoder.events())
    assert info.value.code == code
    # A failed decoder yields nothing more.
    decoder.feed(client_frame(0x1, b"later"))
    assert list(decoder.events()) == []


def test_decoder_rejects_an_oversized_frame_from_its_header_alone() -> None:
    decoder = FrameDecoder(max_message_size=1000)
    decoder.feed(client_frame(0x2, b"x" * 5000)[:14])
    with pytest.raises(ProtocolError) as info:
        list(decoder.events())
    assert info.value.code == 1009


def test_decoder_for_a_client_wants_unmasked_frames() -> None:
    decoder = FrameDecoder(require_mask=False)
    decoder.feed(encode_frame(Opcode.TEXT, b"plain"))
    assert list(decoder.events()) == [Message("plain")]
    decoder.feed(client_frame(0x1, b"masked"))
    with pytest.raises(ProtocolError):
        list(decoder.events())


# -- happy paths with the websockets client ---------------------------------------------------


def test_echo_text_and_bytes(erlen_server: Any) -> None:
    server, _ = erlen_server
    with ws_connect(url(server, "/echo"), open_timeout=WAIT, max_size=None) as ws:
        ws.send("hello")
        assert ws.recv(timeout=WAIT) == "hello"
        ws.send("zwölf € 🐍")
        assert ws.recv(timeout=WAIT) == "zwölf € 🐍"
        ws.send(b"\x00\x01\xff")
        assert ws.recv(timeout=WAIT) == b"\x00\x01\xff"
        ws.send("")
        assert ws.recv(timeout=WAIT) == ""
        big = os.urandom(3 * 1024 * 1024)
        ws.send(big)
        assert ws.recv(timeout=WAIT) == big
        # No extension was negotiated: frames go as they are.
        assert ws.response is not None
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None


def test_json_messages(erlen_server: Any) -> None:
    server, _ = erlen_server
    with ws_connect(url(server, "/json"), open_timeout=WAIT) as ws:
        ws.send(json.dumps({"n": 1, "list": ["a", None], "text": "ü"}))
        reply = json.loads(ws.recv(timeout=WAIT))
    assert reply == {"got": {"n": 1, "list": ["a", None], "text": "ü"}, "path": "/json"}


def test_json_that_is_not_json_closes_with_1007(erlen_server: Any) -> None:
    server, _ = erlen_server
    with ws_connect(url(server, "/json"), open_timeout=WAIT) as ws:
        ws.send("{not json")
        with pytest.raises(ConnectionClosedError):
            ws.recv(timeout=WAIT)
    assert ws.close_code == 1007


def test_subprotocol_and_extra_headers(erlen_server: Any) -> None:
    server, _ = erlen_server
    with ws_connect(
        url(server, "/proto"),
        subprotocols=[Subprotocol("chat.v1"), Subprotocol("chat.v2")],
        open_timeout=WAIT,
    ) as ws:
        assert ws.subprotocol == "chat.v2"
        assert ws.response is not None
        assert ws.response.headers["X-Room"] == "lobby"
        assert ws.response.headers["Server"].startswith("erlen/")
        assert ws.recv(timeout=WAIT) == "chat.v1,chat.v2"
    with ws_connect(url(server, "/proto"), open_timeout=WAIT) as ws:
        assert ws.subprotocol is None
        assert ws.response is not None
        assert "Sec-WebSocket-Protocol" not in ws.response.headers
        assert ws.recv(timeout=WAIT) == ""


def test_server_initiated_close(erlen_server: Any) -> None:
    server, _ = erlen_server
    with ws_connect(url(server, "/echo"), open_timeout=WAIT) as ws:
        ws.send("one")
        assert ws.recv(timeout=WAIT) == "one"
        ws.send("bye")
        with pytest.raises(ConnectionClosedOK):
            ws.recv(timeout=WAIT)
    assert ws.close_code == 1000
    assert ws.close_reason == "see you"


def test_handler_error_closes_with_1011(erlen_server: Any) -> None:
    server, _ = erlen_server
    with ws_connect(url(server, "/boom"), open_timeout=WAIT) as ws:
        ws.send("go")
        with pytest.raises(ConnectionClosedError):
            ws.recv(timeout=WAIT)
    assert ws.close_code == 1011


def test_client_close_reaches_the_app_as_disconnect(erlen_server: Any) -> None:
    server, seen = erlen_server
    with ws_connect(url(server, "/record"), open_timeout=WAIT) as ws:
        ws.send("hello")
        ws.close(4001, "leaving now")
    assert seen["done"].wait(WAIT)
    assert seen["disconnect"] == [(4001, "leaving now")]
    # The server echoed the code (RFC 6455 §5.5.1).
    assert ws.close_code == 4001


def test_ping_is_answered_with_pong(erlen_server: Any) -> None:
    server, _ = erlen_server
    with ws_connect(url(server, "/echo"), open_timeout=WAIT) as ws:
        assert ws.ping(b"are you there").wait(WAIT)
        ws.send("still open")
        assert ws.recv(timeout=WAIT) == "still open"


def test_fragmented_message_is_reassembled(erlen_server: Any) -> None:
    server, _ = erlen_server
    with ws_connect(url(server, "/echo"), open_timeout=WAIT) as ws:
        ws.send(["frag", "men", "ted ✓"])
        assert ws.recv(timeout=WAIT) == "fragmented ✓"
        ws.send([b"\x01", b"\x02\x03"])
        assert ws.recv(timeout=WAIT) == b"\x01\x02\x03"


def test_denial_before_accept_is_an_http_403(erlen_server: Any) -> None:
    server, _ = erlen_server
    with pytest.raises(InvalidStatus) as info:
        ws_connect(url(server, "/deny"), open_timeout=WAIT)
    response = info.value.response
    assert response.status_code == 403
    assert b"Forbidden" in response.body


def test_unknown_websocket_path_is_an_http_404(erlen_server: Any) -> None:
    server, _ = erlen_server
    with pytest.raises(InvalidStatus) as info:
        ws_connect(url(server, "/nowhere"), open_timeout=WAIT)
    assert info.value.response.status_code == 404


def test_plain_get_to_a_websocket_route_is_426(erlen_server: Any, connect: Any) -> None:
    server, _ = erlen_server
    conn = connect(server.port)
    conn.send(b"GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n")
    response = conn.read_response()
    assert response.status == 426
    assert response.header("Upgrade") == "websocket"
    # Plain HTTP still works on the same server, on the same connection.
    conn.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
    page = conn.read_response()
    assert (page.status, page.body) == (200, b"plain page")


def test_connections_share_one_event_loop(erlen_server: Any) -> None:
    server, seen = erlen_server
    with (
        ws_connect(url(server, "/echo"), open_timeout=WAIT) as one,
        ws_connect(url(server, "/echo"), open_timeout=WAIT) as two,
    ):
        for ws in (one, two):
            ws.send("x")
            assert ws.recv(timeout=WAIT) == "x"
    assert len(seen["loops"]) == 2
    assert seen["loops"][0] == seen["loops"][1]


def test_broadcast_between_connections(serve: Any) -> None:
    # Handlers of different connections write to each other's websockets, as
    # a chat room does: possible because all run on the same loop.
    app = Erlen(__name__)
    clients: list[Any] = []

    @app.websocket("/room")
    async def room() -> None:
        await websocket.accept()
        me = websocket._get_current_object()  # type: ignore[attr-defined]
        clients.append(me)
        await me.send(f"joined {len(clients)}")
        async for message in websocket:
            for client in list(clients):
                await client.send(message)

    server = serve(app, asgi_app=app.asgi_app)
    with ws_connect(url(server, "/room"), open_timeout=WAIT) as ada:
        assert ada.recv(timeout=WAIT) == "joined 1"
        with ws_connect(url(server, "/room"), open_timeout=WAIT) as bob:
            assert bob.recv(timeout=WAIT) == "joined 2"
            ada.send("hi from ada")
            assert bob.recv(timeout=WAIT) == "hi from ada"
            assert ada.recv(timeout=WAIT) == "hi from ada"


def test_wss_over_tls(serve: Any, tmp_path: Path) -> None:
    from test_server import _self_signed
    from websockets.asyncio.client import connect as async_ws_connect

    app, _ = make_app()
    server = serve(app, asgi_app=app.asgi_app, ssl_context=_self_signed(tmp_path))
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    # The asyncio client, not the sync one: the sync client reads the socket
    # in a background thread while the caller's thread writes to it, and one
    # TLS object used from two threads at once can lose the handshake
    # (python-websockets' known race over wss://), which made this test flaky.
    async def talk() -> None:
        url = f"wss://127.0.0.1:{server.port}/echo"
        async with async_ws_connect(url, ssl=context, open_timeout=WAIT) as ws:
            for i in range(20):
                await ws.send(f"secret {i}")
                assert await asyncio.wait_for(ws.recv(), WAIT) == f"secret {i}"
            big = os.urandom(300_000)
            await ws.send(big)
            assert await asyncio.wait_for(ws.recv(), WAIT) == big
            await ws.send("bye")
            with pytest.raises(ConnectionClosedOK):
                await asyncio.wait_for(ws.recv(), WAIT)
            assert ws.close_code == 1000
            assert ws.close_reason == "see you"

    asyncio.run(talk())


# -- protocol errors with a raw socket ----------------------------------------------------


def test_handshake_response_headers(erlen_server: Any, raw: Any) -> None:
    server, _ = erlen_server
    conn = raw(server.port)
    headers = conn.open()
    expected = base64.b64encode(hashlib.sha1(conn.key.encode() + GUID).digest()).decode()
    assert headers["sec-websocket-accept"] == expected
    assert headers["upgrade"].lower() == "websocket"
    assert headers["connection"].lower() == "upgrade"
    assert "content-length" not in headers
    conn.send_frame(0x1, b"raw hello")
    assert conn.read_frame() == (True, 0x1, b"raw hello")


def test_raw_ping_gets_pong_with_the_same_payload(erlen_server: Any, raw: Any) -> None:
    server, _ = erlen_server
    conn = raw(server.port)
    conn.open()
    conn.send_frame(0x9, b"\x00payload\xff")
    assert conn.read_frame() == (True, 0xA, b"\x00payload\xff")
    # An unsolicited pong is ignored, and the connection goes on.
    conn.send_frame(0xA, b"heartbeat")
    conn.send_frame(0x1, b"after")
    assert conn.read_frame() == (True, 0x1, b"after")


def test_raw_fragments_with_a_ping_in_between(erlen_server: Any, raw: Any) -> None:
    server, _ = erlen_server
    conn = raw(server.port)
    conn.open()
    conn.send_frame(0x1, b"one ", fin=False)
    conn.send_frame(0x9, b"mid")
    conn.send_frame(0x0, b"two ", fin=False)
    conn.send_frame(0x0, b"three")
    assert conn.read_frame() == (True, 0xA, b"mid")
    assert conn.read_frame() == (True, 0x1, b"one two three")


def test_frame_in_the_same_packet_as_the_handshake(erlen_server: Any, raw: Any) -> None:
    server, _ = erlen_server
    conn = raw(server.port, after_head=client_frame(0x1, b"eager"))
    conn.open()
    assert conn.read_frame() == (True, 0x1, b"eager")


def test_unmasked_frame_closes_with_1002(erlen_server: Any, raw: Any) -> None:
    server, _ = erlen_server
    conn = raw(server.port)
    conn.open()
    conn.send_frame(0x1, b"not masked", masked=False)
    code, reason = conn.read_close()
    assert code == 1002
    assert "masked" in reason
    assert conn.at_eof()


def test_invalid_utf8_closes_with_1007(erlen_server: Any, raw: Any) -> None:
    server, _ = erlen_server
    conn = raw(server.port)
    conn.open()
    conn.send_frame(0x1, b"fine")
    assert conn.read_frame() == (True, 0x1, b"fine")
    conn.send_frame(0x1, b"caf\xc3", fin=False)
    conn.send_frame(0x0, b"(")
    assert conn.read_close()[0] == 1007
    assert conn.at_eof()


@pytest.mark.parametrize(
    "frame",
    [
        client_frame(0x1, b"x", rsv=2),
        client_frame(0xB, b"x"),
        client_frame(0x0, b"orphan continuation"),
        client_frame(0x9, b"p" * 126),
        client_frame(0x8, b"\x03"),
        client_frame(0x8, struct.pack("!H", 1006)),
    ],
    ids=["rsv", "opcode", "continuation", "big-ping", "short-close", "close-1006"],
)
def test_protocol_errors_close_with_1002(erlen_server: Any, raw: Any, frame: bytes) -> None:
    server, _ = erlen_server
    conn = raw(server.port)
    conn.open()
    conn.send(frame)
    assert conn.read_close()[0] == 1002
    assert conn.at_eof()


def test_oversized_message_closes_with_1009(serve: Any, raw: Any) -> None:
    app, _ = make_app()
    server = serve(app, asgi_app=app.asgi_app, limits=Limits(max_websocket_message=1000))
    with ws_connect(url(server, "/echo"), open_timeout=WAIT) as ws:
        ws.send(b"x" * 1000)
        assert ws.recv(timeout=WAIT) == b"x" * 1000
        ws.send(b"x" * 1001)
        with pytest.raises(ConnectionClosedError):
            ws.recv(timeout=WAIT)
    assert ws.close_code == 1009
    # In fragments: the total counts, and the server stops at the header that
    # crosses the limit.
    conn = raw(server.port)
    conn.open()
    conn.send_frame(0x2, b"a" * 600, fin=False)
    conn.send_frame(0x0, b"b" * 600)
    assert conn.read_close()[0] == 1009
    assert conn.at_eof()


def test_client_close_is_echoed_and_tcp_closed(erlen_server: Any, raw: Any) -> None:
    server, seen = erlen_server
    conn = raw(server.port, "/record")
    conn.open()
    conn.send_frame(0x8, struct.pack("!H", 1000) + b"done")
    assert conn.read_close() == (1000, "")
    assert conn.at_eof()
    assert seen["done"].wait(WAIT)
    assert seen["disconnect"] == [(1000, "done")]


def test_empty_close_frame_is_echoed_empty(erlen_server: Any, raw: Any) -> None:
    server, seen = erlen_server
    conn = raw(server.port, "/record")
    conn.open()
    conn.send_frame(0x8)
    assert conn.read_close() == (1005, "")
    assert seen["done"].wait(WAIT)
    assert seen["disconnect"] == [(1005, "")]


def test_client_vanishing_is_a_1006_disconnect(erlen_server: Any, raw: Any) -> None:
    server, seen = erlen_server
    conn = raw(server.port, "/record")
    conn.open()
    conn.send_frame(0x1, b"then gone")
    conn.close()
    assert seen["done"].wait(WAIT)
    assert seen["disconnect"] == [(1006, "")]


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"version": "8"}, 426),
        ({"key": "too-short"}, 400),
        ({"key": ""}, 400),
        ({"headers": "Content-Length: 5\r\n"}, 400),
    ],
)
def test_bad_handshakes(erlen_server: Any, raw: Any, kwargs: dict[str, Any], status: int) -> None:
    server, _ = erlen_server
    conn = raw(server.port, **kwargs)
    got, headers = conn.read_head()
    assert got == status
    if status == 426:
        assert headers["sec-websocket-version"] == "13"
    assert "close" in headers["connection"]
    conn.read_body(headers)
    assert conn.at_eof()


def test_denial_response_is_complete_http(erlen_server: Any, raw: Any) -> None:
    server, _ = erlen_server
    conn = raw(server.port, "/deny")
    status, headers = conn.read_head()
    body = conn.read_body(headers)
    assert status == 403
    assert headers["connection"] == "close"
    assert body.startswith(b"<!doctype html>")
    assert conn.at_eof()


def test_access_log_has_one_line_per_upgrade(erlen_server: Any, caplog: Any) -> None:
    server, _ = erlen_server
    with caplog.at_level(logging.INFO, logger="erlen.serving"):
        with ws_connect(url(server, "/echo?room=1"), open_timeout=WAIT) as ws:
            ws.send("bye")
            with pytest.raises(ConnectionClosedOK):
                ws.recv(timeout=WAIT)
        with pytest.raises(InvalidStatus):
            ws_connect(url(server, "/deny"), open_timeout=WAIT)
    lines = [r.getMessage() for r in caplog.records if r.name == "erlen.serving"]
    assert sum('"GET /echo?room=1 HTTP/1.1" 101 -' in line for line in lines) == 1
    assert sum('"GET /deny HTTP/1.1" 403 ' in line for line in lines) == 1
    assert len(lines) == 2


# -- the ASGI messages, with raw ASGI apps ---------------------------------------------------


class Recorder:
    """A raw ASGI app built from a coroutine function, recording what it saw."""

    def __init__(self, handler: Callable[..., Any]) -> None:
        self.handler = handler
        self.scope: Scope = {}
        self.events: list[dict[str, Any]] = []
        self.done = threading.Event()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        self.scope = scope

        async def recording_receive() -> dict[str, Any]:
            event: dict[str, Any] = await receive()
            self.events.append(event)
            return event

        try:
            await self.handler(recording_receive, send)
        finally:
            self.done.set()


def wsgi_fallback(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = f"wsgi saw upgrade={environ.get('HTTP_UPGRADE')}".encode()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]


def test_scope(serve: Any) -> None:
    async def handler(receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        await send({"type": "websocket.close"})

    app = Recorder(handler)
    server = serve(wsgi_fallback, asgi_app=app)
    target = url(server, "/caf%C3%A9/a%2Fb?x=1&y=%20")
    with ws_connect(
        target, subprotocols=[Subprotocol("p1"), Subprotocol("p2")], open_timeout=WAIT
    ) as ws:
        client_port = ws.socket.getsockname()[1]
        ws.send("done")
        with pytest.raises(ConnectionClosedOK):
            ws.recv(timeout=WAIT)
    assert app.done.wait(WAIT)
    scope = app.scope
    assert scope["type"] == "websocket"
    assert scope["asgi"]["version"] == "3.0"
    assert scope["http_version"] == "1.1"
    assert scope["scheme"] == "ws"
    assert scope["path"] == "/café/a/b"
    assert scope["raw_path"] == b"/caf%C3%A9/a%2Fb"
    assert scope["query_string"] == b"x=1&y=%20"
    assert scope["root_path"] == ""
    assert scope["client"] == ("127.0.0.1", client_port)
    assert scope["server"] == ("127.0.0.1", server.port)
    assert scope["subprotocols"] == ["p1", "p2"]
    assert scope["extensions"] == {"websocket.http.response": {}}
    headers = dict(scope["headers"])
    assert headers[b"host"] == f"127.0.0.1:{server.port}".encode()
    assert headers[b"upgrade"] == b"websocket"
    assert all(name == name.lower() for name, _ in scope["headers"])
    assert app.events[0] == {"type": "websocket.connect"}


def test_receive_events_and_disconnect(serve: Any) -> None:
    async def handler(receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while (await receive())["type"] != "websocket.disconnect":
            pass
        # Every later receive() reports the disconnect again, never hangs.
        await receive()

    app = Recorder(handler)
    server = serve(wsgi_fallback, asgi_app=app)
    with ws_connect(url(server, "/"), open_timeout=WAIT) as ws:
        ws.send("text")
        ws.send(b"bin")
        ws.close(4002, "bye")
    assert app.done.wait(WAIT)
    assert app.events == [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": "text", "bytes": None},
        {"type": "websocket.receive", "text": None, "bytes": b"bin"},
        {"type": "websocket.disconnect", "code": 4002, "reason": "bye"},
        {"type": "websocket.disconnect", "code": 4002, "reason": "bye"},
    ]


def test_send_after_the_client_closed_raises_oserror(serve: Any) -> None:
    errors: list[BaseException] = []

    async def handler(receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        try:
            await send({"type": "websocket.send", "text": "too late"})
        except OSError as e:
            errors.append(e)
        # Closing a closed connection is harmless.
        await send({"type": "websocket.close", "code": 1000})

    app = Recorder(handler)
    server = serve(wsgi_fallback, asgi_app=app)
    with ws_connect(url(server, "/"), open_timeout=WAIT) as ws:
        ws.close()
    assert app.done.wait(WAIT)
    assert len(errors) == 1


def test_raw_app_error_after_accept_closes_with_1011(serve: Any, caplog: Any) -> None:
    async def handler(receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        raise ValueError("broken app")

    server = serve(wsgi_fallback, asgi_app=Recorder(handler))
    with caplog.at_level(logging.INFO, logger="erlen.serving"):
        with ws_connect(url(server, "/"), open_timeout=WAIT) as ws:
            with pytest.raises(ConnectionClosedError):
                ws.recv(timeout=WAIT)
    assert ws.close_code == 1011
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert "broken app" in str(errors[0].exc_info[1])


def test_raw_app_returning_after_accept_closes_with_1000(serve: Any) -> None:
    async def handler(receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "last words"})

    server = serve(wsgi_fallback, asgi_app=Recorder(handler))
    with ws_connect(url(server, "/"), open_timeout=WAIT) as ws:
        assert ws.recv(timeout=WAIT) == "last words"
        with pytest.raises(ConnectionClosedOK):
            ws.recv(timeout=WAIT)
    assert ws.close_code == 1000


def test_close_before_accept_is_403(serve: Any, raw: Any) -> None:
    async def handler(receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.close", "code": 1008})

    server = serve(wsgi_fallback, asgi_app=Recorder(handler))
    conn = raw(server.port, "/")
    status, headers = conn.read_head()
    assert status == 403
    conn.read_body(headers)
    assert conn.at_eof()


def test_app_ending_without_a_handshake_answer_is_500(serve: Any, raw: Any) -> None:
    async def handler(receive: Any, send: Any) -> None:
        await receive()

    server = serve(wsgi_fallback, asgi_app=Recorder(handler))
    conn = raw(server.port, "/")
    status, headers = conn.read_head()
    assert status == 500
    assert b"without accepting" in conn.read_body(headers)


def test_http_response_extension_denial(serve: Any, raw: Any) -> None:
    async def handler(receive: Any, send: Any) -> None:
        await receive()
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 401,
                "headers": [(b"www-authenticate", b"Bearer"), (b"content-type", b"text/plain")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": b"log in ", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"first"})

    server = serve(wsgi_fallback, asgi_app=Recorder(handler))
    conn = raw(server.port, "/")
    status, headers = conn.read_head()
    assert status == 401
    assert headers["www-authenticate"] == "Bearer"
    assert headers["content-length"] == "12"
    assert conn.read_body(headers) == b"log in first"
    assert conn.at_eof()


def test_accept_with_a_subprotocol_the_client_did_not_offer_fails(serve: Any, raw: Any) -> None:
    async def handler(receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept", "subprotocol": "made-up"})

    server = serve(wsgi_fallback, asgi_app=Recorder(handler))
    conn = raw(server.port, "/", headers="Sec-WebSocket-Protocol: real\r\n")
    status, _ = conn.read_head()
    assert status == 500


def test_messages_wait_for_a_slow_app_in_order(serve: Any) -> None:
    release = threading.Event()
    got: list[str] = []

    async def handler(receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await asyncio.get_running_loop().run_in_executor(None, release.wait, WAIT)
        while len(got) < 200:
            event = await receive()
            got.append(event["text"])
        await send({"type": "websocket.send", "text": "all read"})

    server = serve(wsgi_fallback, asgi_app=Recorder(handler), limits=Limits(max_websocket_queue=4))
    with ws_connect(url(server, "/"), open_timeout=WAIT) as ws:
        for i in range(200):
            ws.send(f"m{i}")
        release.set()
        assert ws.recv(timeout=WAIT) == "all read"
    assert got == [f"m{i}" for i in range(200)]


def test_close_timeout_when_the_client_never_answers(serve: Any, raw: Any) -> None:
    async def handler(receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 4100, "reason": "go"})

    server = serve(wsgi_fallback, asgi_app=Recorder(handler), websocket_close_timeout=0.2)
    conn = raw(server.port, "/")
    conn.open()
    assert conn.read_close() == (4100, "go")
    # The client never sends its close frame; the server gives up and closes.
    assert conn.at_eof()


def test_server_shutdown_closes_open_connections_with_1001() -> None:
    app, _ = make_app()
    server = make_server("127.0.0.1", 0, app, threaded=True, asgi_app=app.asgi_app)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        with ws_connect(url(server, "/echo"), open_timeout=WAIT) as ws:
            ws.send("x")
            assert ws.recv(timeout=WAIT) == "x"
            server.shutdown()
            thread.join(WAIT)
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=WAIT)
        assert ws.close_code == 1001
    finally:
        server.shutdown()
        thread.join(WAIT)


# -- WSGI-only apps and run_simple -------------------------------------------------------


def test_wsgi_only_server_passes_the_upgrade_to_wsgi(serve: Any, raw: Any) -> None:
    server = serve(wsgi_fallback)
    assert server.asgi_app is None
    conn = raw(server.port, "/")
    status, headers = conn.read_head()
    assert status == 200
    assert conn.read_body(headers) == b"wsgi saw upgrade=websocket"


# -- upgrades the WSGI app answers on werkzeug.socket -------------------------------------


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the client left")
        data += chunk
    return data


class HandoverApp:
    """A WSGI app that does a WebSocket's server side by hand on the socket in
    ``environ["werkzeug.socket"]`` (as simple-websocket does): the handshake,
    one echoed text message and a close frame; then it ends as told."""

    def __init__(
        self,
        *,
        copy_environ: bool = False,
        close_socket: bool = True,
        ending: str = "response",
    ) -> None:
        self.copy_environ = copy_environ
        self.close_socket = close_socket
        self.ending = ending
        self.echoed: list[bytes] = []
        self.plain_environs: list[bool] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        if environ.get("HTTP_UPGRADE") != "websocket":
            self.plain_environs.append("werkzeug.socket" in environ)
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"plain"]
        if self.copy_environ:
            environ = environ.copy()  # as WSGI middleware does (Flask-SocketIO's)
        sock = environ.get("werkzeug.socket")
        key = environ["HTTP_SEC_WEBSOCKET_KEY"].encode()
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        first, second = _recv_exact(sock, 2)
        assert first == 0x81, "one unfragmented text frame"
        mask = _recv_exact(sock, 4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_recv_exact(sock, second & 0x7F)))
        self.echoed.append(payload)
        sock.sendall(bytes([0x81, len(payload)]) + payload)
        sock.sendall(bytes([0x88, 2]) + struct.pack("!H", 1000))
        if self.close_socket:
            sock.close()
        if self.ending == "connection_error":
            raise ConnectionError()  # engineio's way to tell Werkzeug's server it is done
        if self.ending == "error":
            raise RuntimeError("failed after the handover")
        if self.ending == "no_response":
            return []
        start_response("200 OK", [("Content-Length", "7")])
        return [b"ignored"]


def serving_log(caplog: Any) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "erlen.serving"]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"close_socket": False},
        {"ending": "no_response"},
        {"ending": "connection_error"},
        {"copy_environ": True},
        {"copy_environ": True, "close_socket": False, "ending": "connection_error"},
    ],
)
def test_upgrade_taken_from_werkzeug_socket_gets_nothing_more_from_the_server(
    serve: Any, raw: Any, caplog: Any, options: dict[str, Any]
) -> None:
    app = HandoverApp(**options)
    server = serve(app)
    with caplog.at_level(logging.INFO, logger="erlen.serving"):
        conn = raw(server.port, "/chat?room=1")
        headers = conn.open()
        assert headers["sec-websocket-accept"] == base64.b64encode(
            hashlib.sha1(conn.key.encode() + GUID).digest()
        ).decode("ascii")
        conn.send_frame(0x1, b"hello")
        assert conn.read_frame() == (True, 0x1, b"hello")
        assert conn.read_close() == (1000, "")
        # No HTTP response after the app's WebSocket: the connection just ends.
        assert conn.at_eof()
        deadline = time.monotonic() + WAIT
        while not any(" 101 " in line for line in serving_log(caplog)):
            assert time.monotonic() < deadline
            time.sleep(0.01)
    assert app.echoed == [b"hello"]
    lines = serving_log(caplog)
    assert len(lines) == 1, lines
    assert lines[0].endswith('"GET /chat?room=1 HTTP/1.1" 101 -')
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_an_error_after_the_handover_is_logged_and_nothing_written(
    serve: Any, raw: Any, caplog: Any
) -> None:
    server = serve(HandoverApp(ending="error", close_socket=False))
    with caplog.at_level(logging.INFO, logger="erlen.serving"):
        conn = raw(server.port, "/chat")
        conn.open()
        conn.send_frame(0x1, b"x")
        assert conn.read_frame() == (True, 0x1, b"x")
        assert conn.read_close() == (1000, "")
        assert conn.at_eof()  # no 500 page written into the WebSocket
        deadline = time.monotonic() + WAIT
        while not any(" 101 " in line for line in serving_log(caplog)):
            assert time.monotonic() < deadline
            time.sleep(0.01)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in errors] == ["Error after a WebSocket handover:"]
    assert errors[0].exc_info is not None
    assert str(errors[0].exc_info[1]) == "failed after the handover"


def test_the_handover_lifts_the_request_timeout(serve: Any, raw: Any) -> None:
    # The app's WebSocket waits on the client longer than a request may.
    app = HandoverApp()
    server = serve(app, request_timeout=0.2)
    conn = raw(server.port, "/chat")
    conn.open()
    time.sleep(0.6)
    conn.send_frame(0x1, b"late")
    assert conn.read_frame() == (True, 0x1, b"late")
    assert app.echoed == [b"late"]


def test_werkzeug_socket_is_only_in_an_upgrade_requests_environ(serve: Any, connect: Any) -> None:
    app = HandoverApp()
    server = serve(app)
    conn = connect(server.port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    response = conn.read_response()
    assert (response.status, response.body) == (200, b"plain")
    assert app.plain_environs == [False]


def test_an_upgrade_the_wsgi_app_does_not_take_is_answered_and_closed(serve: Any, raw: Any) -> None:
    server = serve(wsgi_fallback)
    conn = raw(server.port, "/")
    status, headers = conn.read_head()
    assert (status, headers["connection"]) == (200, "close")
    assert conn.read_body(headers) == b"wsgi saw upgrade=websocket"
    assert conn.at_eof()


def make_split_app() -> tuple[Erlen, list[str]]:
    """An erlen app with an erlen WebSocket handler and a WSGI view that takes
    the socket itself on a websocket=True rule (as Flask-Sock registers)."""
    app, _ = make_app()
    taken: list[str] = []
    by_hand = HandoverApp()

    @app.route("/by-hand/<room>", websocket=True)
    def by_hand_view(room: str) -> Any:
        from erlen import request

        taken.append(room)
        by_hand(request.environ, lambda *args: None)
        return ""

    @app.websocket("/rooms/")
    async def rooms() -> None:
        await websocket.accept()

    return app, taken


def test_the_app_picks_which_upgrades_its_asgi_side_serves(
    serve: Any, raw: Any, caplog: Any
) -> None:
    app, taken = make_split_app()
    server = serve(app, asgi_app=app.asgi_app, asgi_serves_websocket=app._asgi_serves_websocket)
    # The erlen handler: the ASGI side.
    with ws_connect(url(server, "/echo"), open_timeout=WAIT) as ws:
        ws.send("one")
        assert ws.recv(timeout=WAIT) == "one"
    # A plain function on a websocket=True rule: the WSGI view, on the socket.
    conn = raw(server.port, "/by-hand/lobby")
    conn.open()
    conn.send_frame(0x1, b"two")
    assert conn.read_frame() == (True, 0x1, b"two")
    assert conn.read_close() == (1000, "")
    assert conn.at_eof()
    assert taken == ["lobby"]
    # No WebSocket rule: the WSGI app answers (a 404 page, over HTTP).
    with pytest.raises(InvalidStatus) as info:
        ws_connect(url(server, "/nowhere"), open_timeout=WAIT)
    assert info.value.response.status_code == 404
    assert b"Not Found" in info.value.response.body


@pytest.mark.parametrize(
    ("path", "serves"),
    [
        ("/echo", True),
        ("/rooms", True),  # the redirect to /rooms/ is the ASGI side's, as before
        ("/by-hand/lobby", False),
        ("/nowhere", False),
        ("/", False),
    ],
)
def test_asgi_serves_websocket(path: str, serves: bool) -> None:
    app, _ = make_split_app()
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_UPGRADE": "websocket",
        "HTTP_CONNECTION": "Upgrade",
        "wsgi.url_scheme": "http",
    }
    assert app._asgi_serves_websocket(environ) is serves


def test_run_simple_finds_the_asgi_side(monkeypatch: pytest.MonkeyPatch) -> None:
    import erlen.serving.run as run_module

    calls: list[dict[str, Any]] = []

    class FakeServer:
        def log_startup(self) -> None:
            pass

        def serve_forever(self) -> None:
            pass

    def fake_make_server(*args: Any, **kwargs: Any) -> FakeServer:
        calls.append(kwargs)
        return FakeServer()

    monkeypatch.setattr(run_module, "make_server", fake_make_server)
    app, _ = make_app()
    run_simple("127.0.0.1", 0, app, use_debugger=True)
    run_simple("127.0.0.1", 0, wsgi_fallback)
    other = Recorder(lambda receive, send: None)
    run_simple("127.0.0.1", 0, app, asgi_app=other)
    assert calls[0]["asgi_app"] == app.asgi_app
    assert calls[0]["asgi_serves_websocket"] == app._asgi_serves_websocket
    assert calls[1]["asgi_app"] is None
    assert "asgi_serves_websocket" not in calls[1]
    # An ASGI callable given explicitly serves every upgrade, as before.
    assert calls[2]["asgi_app"] is other
    assert "asgi_serves_websocket" not in calls[2]


def test_startup_banner_mentions_websockets(serve: Any, caplog: Any) -> None:
    app, _ = make_app()
    with_ws = serve(app, asgi_app=app.asgi_app)
    without = serve(wsgi_fallback)
    with caplog.at_level(logging.INFO, logger="erlen.serving"):
        with_ws.log_startup()
        first = [r.getMessage() for r in caplog.records]
        caplog.clear()
        without.log_startup()
        second = [r.getMessage() for r in caplog.records]
    assert " * WebSockets: on, served by the app's ASGI side" in first
    assert not any("WebSockets" in line for line in second)


def test_debugger_still_serves_websockets(serve: Any) -> None:
    from erlen.serving import DebugMiddleware

    app, _ = make_app()
    server = serve(DebugMiddleware(app), asgi_app=app.asgi_app)
    with ws_connect(url(server, "/echo"), open_timeout=WAIT) as ws:
        ws.send("debugging")
        assert ws.recv(timeout=WAIT) == "debugging"


# -- erlen run --reload ---------------------------------------------------------------------

RELOAD_APP = """
from erlen import Erlen, websocket

app = Erlen(__name__)


@app.websocket("/ws")
async def ws():
    await websocket.accept()
    async for message in websocket:
        await websocket.send({version!r} + message)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ask(port: int, deadline: float) -> str:
    last = ""
    while time.monotonic() < deadline:
        try:
            with ws_connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5) as ws:
                ws.send("?")
                return str(ws.recv(timeout=5))
        except (OSError, ConnectionClosed, InvalidStatus) as e:
            last = repr(e)
        time.sleep(0.2)
    return last


@pytest.mark.server
@pytest.mark.slow
def test_erlen_run_reload_with_a_websocket_app(tmp_path: Path) -> None:
    app_file = tmp_path / "app.py"
    app_file.write_text(RELOAD_APP.format(version="v1:"))
    port = _free_port()
    log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERLEN_", "FLASK_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = [sys.executable, "-m", "erlen", "--app", str(app_file), "run"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--reload"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        assert _ask(port, time.monotonic() + 30) == "v1:?", log.read_text()
        with ws_connect(f"ws://127.0.0.1:{port}/ws", open_timeout=5) as open_ws:
            open_ws.send("!")
            assert open_ws.recv(timeout=5) == "v1:!"
            app_file.write_text(RELOAD_APP.format(version="v2:"))
            new_time = time.time() + 2
            os.utime(app_file, (new_time, new_time))
            # The old child exits with its connection open: the client sees
            # the connection end rather than a hang.
            with pytest.raises(ConnectionClosed):
                open_ws.recv(timeout=30)
        assert _ask(port, time.monotonic() + 30) == "v2:?", log.read_text()
        output = log.read_text()
        assert " * WebSockets: on, served by the app's ASGI side" in output
        assert output.count(" * Restarting with ") == 2
        assert '"GET /ws HTTP/1.1" 101 -' in output
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
