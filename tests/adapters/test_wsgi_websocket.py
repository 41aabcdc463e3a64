"""WSGI WebSocket views under ASGI (erlen.adapters.wsgi_websocket): a plain
function on a ``websocket=True`` rule takes the connection from
``environ["werkzeug.socket"]`` with a real WSGI WebSocket library
(simple-websocket, which Flask-Sock's routes use), and the client talks to it
through the ASGI server's ``websocket.*`` messages."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import Any

import pytest

from asgi_harness import WebSocketPeer, http_scope, run, websocket_session
from erlen import Erlen, abort, g, request, session

simple_websocket = pytest.importorskip(
    "simple_websocket", reason="simple-websocket (the compare extra) is the WSGI library here"
)

DENIAL = {"websocket.http.response": {}}
HANDSHAKE = [
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ("Sec-WebSocket-Version", "13"),
]


@pytest.fixture
def app() -> Erlen:
    app = Erlen("wsgi_ws_app")
    app.config.update(SECRET_KEY="wsgi ws secret")
    return app


def connect(
    app: Erlen, path: str, script: Any, headers: list[tuple[str, str]] | None = None, **scope: Any
) -> WebSocketPeer:
    return run(websocket_session(app, path, script, headers=HANDSHAKE + (headers or []), **scope))


def test_a_library_view_talks_to_the_client_through_the_asgi_server(app: Erlen) -> None:
    order: list[str] = []

    @app.before_request
    def before() -> None:
        g.user = "ada"
        order.append("before_request")

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        order.append("teardown")

    @app.route("/echo/<room>", websocket=True)
    def echo(room: str) -> str:
        ws = simple_websocket.Server(request.environ, subprotocols=["chat"])
        order.append("accepted")
        ws.send(f"{room}:{g.user}")
        while (message := ws.receive()) != "bye":
            ws.send(message[::-1])
        ws.close(4000, "see you")
        order.append("closed")
        return ""

    async def script(peer: WebSocketPeer) -> None:
        assert await peer.next() == {"type": "websocket.accept", "subprotocol": "chat"}
        assert await peer.next() == {"type": "websocket.send", "text": "lobby:ada"}
        peer.send_text("abc")
        assert await peer.next() == {"type": "websocket.send", "text": "cba"}
        peer.send_bytes(b"\x01\x02\x03")
        assert await peer.next() == {"type": "websocket.send", "bytes": b"\x03\x02\x01"}
        peer.send_text("bye")
        assert await peer.next() == {"type": "websocket.close", "code": 4000, "reason": "see you"}

    peer = connect(app, "/echo/lobby", script, [("Sec-WebSocket-Protocol", "x, chat")])
    assert len(peer.sent) == 5
    # The request's hooks run around the whole conversation, as under a WSGI server.
    assert order == ["before_request", "accepted", "closed", "teardown"]


def test_the_session_and_the_environ_the_view_sees(app: Erlen) -> None:
    seen: dict[str, Any] = {}

    @app.route("/login")
    def login() -> str:
        session["user"] = "bob"
        return "ok"

    @app.route("/ws", websocket=True)
    def ws_view() -> str:
        environ = request.environ
        seen.update(
            socket=type(environ["werkzeug.socket"]),
            scheme=environ["wsgi.url_scheme"],
            extensions=environ.get("HTTP_SEC_WEBSOCKET_EXTENSIONS"),
            user=session.get("user"),
            url=request.url,
        )
        ws = simple_websocket.Server(environ)
        ws.close()
        return ""

    cookie = app.test_client().get("/login").headers["Set-Cookie"].split(";")[0]

    async def script(peer: WebSocketPeer) -> None:
        assert (await peer.next())["type"] == "websocket.accept"
        assert (await peer.next())["type"] == "websocket.close"

    extensions = ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")
    connect(app, "/ws", script, [("Cookie", cookie), extensions], scheme="wss")
    # A WSGI server's environ: http(s), not ws(s); the extensions are the ASGI
    # server's to negotiate, so the library sees none and frames travel as they are.
    assert seen == {
        "socket": socket.socket,
        "scheme": "https",
        "extensions": None,
        "user": "bob",
        "url": "https://testserver/ws",
    }


def _echo_until_the_client_closes(ws: Any) -> int:
    """Echo every message back; return the close code the library reports."""
    try:
        while True:
            ws.send(ws.receive())
    except simple_websocket.ConnectionClosed as e:
        return int(e.reason)


@pytest.mark.parametrize(("client_code", "view_sees"), [(1001, 1001), (1006, 1005)])
def test_a_client_disconnect_reaches_the_view(app: Erlen, client_code: int, view_sees: int) -> None:
    ended: list[Any] = []
    done = threading.Event()

    @app.route("/ws", websocket=True)
    def ws_view() -> str:
        ws = simple_websocket.Server(request.environ)
        ended.append(_echo_until_the_client_closes(ws))
        done.set()
        return ""

    async def script(peer: WebSocketPeer) -> None:
        assert (await peer.next())["type"] == "websocket.accept"
        peer.send_text("one")
        assert await peer.next() == {"type": "websocket.send", "text": "one"}
        # 1006: the connection dropped without a close frame; the app's
        # library gets a close frame without a code (1005).
        peer.disconnect(client_code)

    peer = connect(app, "/ws", script)
    assert done.wait(5)
    assert ended == [view_sees]
    # Nothing is sent after the client left.
    assert [m["type"] for m in peer.sent] == ["websocket.accept", "websocket.send"]


def test_a_view_that_answers_without_taking_the_socket_refuses_the_handshake(
    app: Erlen,
) -> None:
    @app.route("/private", websocket=True)
    def private() -> str:
        abort(403, "members only")

    async def script(peer: WebSocketPeer) -> None:
        start = await peer.next()
        assert start["type"] == "websocket.http.response.start"
        assert start["status"] == 403
        body = await peer.next()
        assert b"members only" in body["body"]

    connect(app, "/private", script, extensions=DENIAL)

    async def without_extension(peer: WebSocketPeer) -> None:
        # The server answers 403 itself.
        assert await peer.next() == {"type": "websocket.close", "code": 1008}

    peer = connect(app, "/private", without_extension)
    assert len(peer.sent) == 1


def test_a_view_that_fails_after_accepting_closes_1011_and_logs(
    app: Erlen, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("/ws", websocket=True)
    def ws_view() -> str:
        ws = simple_websocket.Server(request.environ)
        ws.send("hello")
        raise RuntimeError("boom in the view")

    async def script(peer: WebSocketPeer) -> None:
        assert (await peer.next())["type"] == "websocket.accept"
        assert await peer.next() == {"type": "websocket.send", "text": "hello"}
        assert await peer.next() == {"type": "websocket.close", "code": 1011}

    with caplog.at_level(logging.ERROR):
        connect(app, "/ws", script)
    assert "boom in the view" in caplog.text


def test_in_testing_mode_the_error_propagates_after_the_close(app: Erlen) -> None:
    app.testing = True

    @app.route("/ws", websocket=True)
    def ws_view() -> str:
        simple_websocket.Server(request.environ)
        raise LookupError("propagated")

    peer = WebSocketPeer()
    scope = http_scope("GET", "/ws", headers=HANDSHAKE, kind="websocket", scheme="ws")

    async def main() -> None:
        with pytest.raises(LookupError, match="propagated"):
            await asyncio.wait_for(app(scope, peer.receive, peer.send), 10)

    run(main())
    assert [m["type"] for m in peer.sent] == ["websocket.accept", "websocket.close"]
    assert peer.sent[-1]["code"] == 1011


def test_the_apps_pings_are_answered_so_the_connection_lives(app: Erlen) -> None:
    ended: list[Any] = []
    done = threading.Event()

    @app.route("/ws", websocket=True)
    def ws_view() -> str:
        # simple-websocket closes with 1008 when a ping goes unanswered.
        ws = simple_websocket.Server(request.environ, ping_interval=0.1)
        ended.append(_echo_until_the_client_closes(ws))
        done.set()
        return ""

    async def script(peer: WebSocketPeer) -> None:
        assert (await peer.next())["type"] == "websocket.accept"
        await asyncio.sleep(0.5)  # several ping intervals
        peer.send_text("still here")
        assert await peer.next() == {"type": "websocket.send", "text": "still here"}
        # The client ends it: simple-websocket's own thread, which sends the
        # pings, then sees the close itself. A close from the view while a
        # ping is out races with that thread (the library then raises
        # ConnectionClosed in it: a CI run caught that).
        peer.disconnect(1000)

    peer = connect(app, "/ws", script)
    assert done.wait(5)
    # The client's close, not a ping timeout's 1008.
    assert ended == [1000]
    assert [m["type"] for m in peer.sent] == ["websocket.accept", "websocket.send"]


def test_large_messages_both_ways(app: Erlen) -> None:
    @app.route("/ws", websocket=True)
    def ws_view() -> str:
        ws = simple_websocket.Server(request.environ)
        data = ws.receive()
        ws.send(data + b"!")
        ws.send("é" * 100_000)
        ws.close()
        return ""

    big = bytes(range(256)) * 4096  # 1 MiB

    async def script(peer: WebSocketPeer) -> None:
        assert (await peer.next())["type"] == "websocket.accept"
        peer.send_bytes(big)
        assert await peer.next() == {"type": "websocket.send", "bytes": big + b"!"}
        assert await peer.next() == {"type": "websocket.send", "text": "é" * 100_000}

    connect(app, "/ws", script)


def test_an_erlen_handler_beside_it_stays_on_the_asgi_side(app: Erlen) -> None:
    from erlen import websocket

    @app.route("/wsgi", websocket=True)
    def wsgi_view() -> str:
        raise AssertionError("not this one")

    @app.websocket("/native")
    async def native() -> None:
        await websocket.accept()
        await websocket.send(str(type(request.environ.get("werkzeug.socket"))))

    async def script(peer: WebSocketPeer) -> None:
        assert (await peer.next())["type"] == "websocket.accept"
        assert await peer.next() == {"type": "websocket.send", "text": "<class 'NoneType'>"}

    connect(app, "/native", script)


def test_a_hand_written_view_fragments_pings_and_extra_handshake_headers(app: Erlen) -> None:
    from erlen.serving.websocket import FrameDecoder, Message, Opcode, Pong, encode_frame

    read_back: list[Any] = []

    @app.route("/raw", websocket=True)
    def raw() -> str:
        sock = request.environ["werkzeug.socket"]
        sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: x\r\nX-Room: 7\r\n\r\n"
            # One text message in two fragments, then a ping.
            + encode_frame(Opcode.TEXT, b"hel", fin=False)
            + encode_frame(Opcode.CONTINUATION, b"lo")
            + encode_frame(Opcode.PING, b"p1")
        )
        decoder = FrameDecoder()  # the client's frames arrive masked
        while len(read_back) < 2:
            decoder.feed(sock.recv(1024))
            read_back.extend(decoder.events())
        sock.sendall(encode_frame(Opcode.CLOSE, b"\x03\xe8"))
        return ""

    async def script(peer: WebSocketPeer) -> None:
        accept = await peer.next()
        assert accept == {
            "type": "websocket.accept",
            "subprotocol": None,
            "headers": [(b"x-room", b"7")],
        }
        assert await peer.next() == {"type": "websocket.send", "text": "hello"}
        peer.send_text("from the client")
        assert await peer.next() == {"type": "websocket.close", "code": 1000}

    connect(app, "/raw", script)
    # The ping was answered first, then the client's message came through.
    assert read_back == [Pong(b"p1"), Message("from the client")]


def test_a_view_that_writes_an_http_refusal_on_the_socket(app: Erlen) -> None:
    @app.route("/raw", websocket=True)
    def raw() -> str:
        request.environ["werkzeug.socket"].sendall(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nno key"
        )
        return ""

    async def script(peer: WebSocketPeer) -> None:
        start = await peer.next()
        assert (start["type"], start["status"]) == ("websocket.http.response.start", 400)
        assert (await peer.next())["body"] == b"no key"

    connect(app, "/raw", script, extensions=DENIAL)


def test_the_asgi_test_client_talks_to_a_library_view(app: Erlen) -> None:
    # Flask-Sock's routes become testable in-process: client.websocket().
    @app.route("/echo", websocket=True)
    def echo() -> str:
        ws = simple_websocket.Server(request.environ, subprotocols=["v1"])
        ws.send(ws.receive().upper())
        ws.close(1000, "done")
        return ""

    client = app.test_client(asgi=True)
    with client.websocket("/echo", subprotocols=["v1"]) as ws:
        assert ws.accepted_subprotocol == "v1"
        ws.send("hello")
        assert ws.receive() == "HELLO"
