"""WebSocket routes over ASGI: handshake, messages, close codes, refusals,
hooks, blueprints, and 426 for plain HTTP."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from typing import Any

import pytest

import erlen
from asgi_harness import WebSocketPeer, call, run, websocket_session
from erlen import Blueprint, Erlen, abort, g, request, session, url_for, websocket
from erlen.http.exceptions import UpgradeRequired
from erlen.signals import websocket_finished, websocket_started
from erlen.websocket import Websocket, WebSocketDisconnect, current_websocket

DENIAL = {"websocket.http.response": {}}


@pytest.fixture
def app() -> Erlen:
    app = Erlen("ws_app")
    app.config.update(SECRET_KEY="ws secret")
    return app


def session_run(app: Erlen, path: str, script: Any = None, **options: Any) -> WebSocketPeer:
    return run(websocket_session(app, path, script, **options))


def types(peer: WebSocketPeer) -> list[str]:
    return [m["type"] for m in peer.sent]


def test_echo_text_and_bytes_then_client_disconnect(app: Erlen) -> None:
    ended: list[int] = []

    @app.websocket("/echo")
    async def echo() -> None:
        await websocket.accept()
        try:
            while True:
                message = await websocket.receive()
                await websocket.send(message)
        except WebSocketDisconnect as e:
            ended.append(e.code)
            raise

    async def script(peer: WebSocketPeer) -> None:
        assert (await peer.next())["type"] == "websocket.accept"
        peer.send_text("hello")
        assert await peer.next() == {"type": "websocket.send", "text": "hello"}
        peer.send_bytes(b"\x00\xff")
        assert await peer.next() == {"type": "websocket.send", "bytes": b"\x00\xff"}
        peer.disconnect(1001)

    peer = session_run(app, "/echo", script)
    assert ended == [1001]
    # Nothing is sent after the client left.
    assert types(peer) == ["websocket.accept", "websocket.send", "websocket.send"]


def test_json_messages(app: Erlen) -> None:
    @app.websocket("/json")
    async def handler() -> None:
        data = await websocket.receive_json()
        await websocket.send_json({"got": data, "sum": sum(data["values"])})

    async def script(peer: WebSocketPeer) -> None:
        peer.send_text('{"values": [1, 2, 3]}')

    peer = session_run(app, "/json", script)
    assert types(peer) == ["websocket.accept", "websocket.send", "websocket.close"]
    assert erlen.json.loads(peer.sent[1]["text"]) == {"got": {"values": [1, 2, 3]}, "sum": 6}


def test_invalid_json_closes_with_1007(app: Erlen) -> None:
    @app.websocket("/json")
    async def handler() -> None:
        await websocket.receive_json()

    async def script(peer: WebSocketPeer) -> None:
        peer.send_text("{not json")

    peer = session_run(app, "/json", script)
    assert peer.sent[-1]["type"] == "websocket.close"
    assert peer.sent[-1]["code"] == 1007


def test_returning_closes_with_1000_accepting_first(app: Erlen) -> None:
    @app.websocket("/quick")
    async def quick() -> None:
        return None

    peer = session_run(app, "/quick")
    assert peer.sent == [
        {"type": "websocket.accept", "subprotocol": None},
        {"type": "websocket.close", "code": 1000},
    ]


def test_explicit_close_code_and_reason(app: Erlen) -> None:
    @app.websocket("/bye")
    async def bye() -> None:
        await websocket.accept()
        await websocket.close(4001, "go away")
        with pytest.raises(WebSocketDisconnect):
            await websocket.send("too late")

    peer = session_run(app, "/bye")
    assert peer.sent[-1] == {"type": "websocket.close", "code": 4001, "reason": "go away"}
    assert types(peer).count("websocket.close") == 1


def test_error_after_accept_closes_1011_and_logs(
    app: Erlen, caplog: pytest.LogCaptureFixture
) -> None:
    @app.websocket("/boom")
    async def boom() -> None:
        await websocket.accept()
        raise RuntimeError("handler exploded")

    with caplog.at_level(logging.ERROR):
        peer = session_run(app, "/boom")
    assert peer.sent[-1] == {"type": "websocket.close", "code": 1011}
    assert any(r.exc_info and "handler exploded" in str(r.exc_info[1]) for r in caplog.records)


def test_error_in_testing_mode_closes_then_propagates(app: Erlen) -> None:
    app.testing = True
    peers: list[WebSocketPeer] = []

    @app.websocket("/boom")
    async def boom() -> None:
        await websocket.accept()
        raise RuntimeError("visible in tests")

    async def script(peer: WebSocketPeer) -> None:
        peers.append(peer)

    with pytest.raises(RuntimeError, match="visible in tests"):
        session_run(app, "/boom", script)
    assert peers[0].sent[-1] == {"type": "websocket.close", "code": 1011}


def test_error_before_accept_without_denial_closes_1011(app: Erlen) -> None:
    @app.websocket("/boom")
    async def boom() -> None:
        raise RuntimeError("early")

    peer = session_run(app, "/boom")
    assert peer.sent == [{"type": "websocket.close", "code": 1011}]


def test_error_before_accept_with_denial_is_a_500(app: Erlen) -> None:
    @app.websocket("/boom")
    async def boom() -> None:
        raise RuntimeError("early")

    peer = session_run(app, "/boom", extensions=DENIAL)
    assert peer.sent[0]["type"] == "websocket.http.response.start"
    assert peer.sent[0]["status"] == 500


def test_abort_403_with_the_denial_extension(app: Erlen) -> None:
    @app.websocket("/private")
    async def private() -> None:
        if request.args.get("token") != "s3cret":
            abort(403)
        await websocket.accept()

    peer = session_run(app, "/private", extensions=DENIAL)
    assert types(peer) == ["websocket.http.response.start", "websocket.http.response.body"]
    assert peer.sent[0]["status"] == 403
    assert b"Forbidden" in peer.sent[1]["body"]
    allowed = session_run(app, "/private", query_string=b"token=s3cret", extensions=DENIAL)
    assert types(allowed) == ["websocket.accept", "websocket.close"]


def test_abort_403_without_the_extension_closes_1008(app: Erlen) -> None:
    @app.websocket("/private")
    async def private() -> None:
        abort(403)

    peer = session_run(app, "/private")
    assert peer.sent == [{"type": "websocket.close", "code": 1008}]


def test_returning_a_response_before_accepting_refuses(app: Erlen) -> None:
    @app.websocket("/teapot")
    async def teapot() -> Any:
        return erlen.Response("short and stout", status=418, headers={"X-Pot": "1"})

    peer = session_run(app, "/teapot", extensions=DENIAL)
    start, body = peer.sent
    assert start["status"] == 418
    assert (b"x-pot", b"1") in start["headers"]
    assert body["body"] == b"short and stout"


def test_error_handler_shapes_the_refusal(app: Erlen) -> None:
    @app.errorhandler(403)
    def forbidden(e: Any) -> tuple[str, int]:
        return "custom refusal", 403

    @app.websocket("/private")
    async def private() -> None:
        abort(403)

    peer = session_run(app, "/private", extensions=DENIAL)
    assert peer.sent[1]["body"] == b"custom refusal"


def test_unknown_websocket_route_is_refused(app: Erlen) -> None:
    peer = session_run(app, "/nowhere", extensions=DENIAL)
    assert peer.sent[0]["status"] == 404


def test_http_request_to_a_websocket_route_is_426_on_both_protocols(app: Erlen) -> None:
    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()

    result = run(call(app, "GET", "/ws"))
    assert result.status == 426
    assert result.header("upgrade") == "websocket"
    assert result.header("connection") == "Upgrade"
    assert b"WebSocket" in result.body

    # An upgrade handshake that reaches the HTTP side (no WebSocket support).
    upgraded = run(
        call(app, "GET", "/ws", headers=[("Upgrade", "websocket"), ("Connection", "Upgrade")])
    )
    assert upgraded.status == 426

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/ws",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    statuses: list[str] = []
    body = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert [s.split()[0] for s in statuses] == ["426"]
    assert b"WebSocket" in b"".join(body)


def test_a_plain_view_on_a_websocket_rule_answers_the_handshake_on_the_http_side(
    app: Erlen,
) -> None:
    # COMPAT(flask): Werkzeug dispatches a websocket=True rule to its view when
    # an Upgrade handshake reaches WSGI; the view takes the connection itself
    # (Flask-Sock's routes, on environ["werkzeug.socket"] or gunicorn's).
    seen: list[tuple[str, str | None]] = []

    @app.route("/sock/<room>", websocket=True)
    def sock(room: str) -> str:
        seen.append((room, request.headers.get("Upgrade")))
        return "taken"

    @app.websocket("/native")
    async def native() -> None:
        await websocket.accept()

    client = app.test_client()
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"}
    response = client.get("/sock/lobby", headers=upgrade)
    assert (response.status_code, response.text) == (200, "taken")
    assert seen == [("lobby", "websocket")]
    # A plain GET is still no handshake; an erlen handler still needs the ASGI side.
    assert client.get("/sock/lobby").status_code == 426
    assert client.get("/native", headers=upgrade).status_code == 426
    assert seen == [("lobby", "websocket")]


def test_http_and_websocket_routes_share_a_url(app: Erlen) -> None:
    @app.get("/chat")
    def page() -> str:
        return "the page"

    @app.websocket("/chat")
    async def chat() -> None:
        await websocket.send("the socket")

    assert run(call(app, "GET", "/chat")).body == b"the page"
    peer = session_run(app, "/chat")
    assert peer.sent[1] == {"type": "websocket.send", "text": "the socket"}


def test_handshake_details(app: Erlen) -> None:
    seen: dict[str, Any] = {}

    @app.websocket("/room/<int:room>/<name>")
    async def room(room: int, name: str) -> None:
        seen.update(
            room=room,
            name=name,
            path=websocket.path,
            args=websocket.args.to_dict(),
            header=websocket.headers.get("X-Client"),
            cookie=websocket.cookies.get("flavour"),
            subprotocols=websocket.requested_subprotocols,
            url=websocket.url,
            request_path=request.path,
            url_for=url_for("room", room=2, name="b"),
            http_url=url_for("page", _external=True),
        )
        await websocket.accept(subprotocol="chat.v2", headers=[("X-Server", "erlen")])

    @app.get("/page")
    def page() -> str:
        return ""

    peer = session_run(
        app,
        "/room/7/ann",
        query_string=b"lang=en",
        headers=[("X-Client", "test"), ("Cookie", "flavour=mint")],
        subprotocols=["chat.v1", "chat.v2"],
    )
    assert seen == {
        "room": 7,
        "name": "ann",
        "path": "/room/7/ann",
        "args": {"lang": "en"},
        "header": "test",
        "cookie": "mint",
        "subprotocols": ["chat.v1", "chat.v2"],
        "url": "ws://testserver/room/7/ann?lang=en",
        "request_path": "/room/7/ann",
        "url_for": "ws://testserver/room/2/b",
        "http_url": "http://testserver/page",
    }
    assert peer.sent[0] == {
        "type": "websocket.accept",
        "subprotocol": "chat.v2",
        "headers": [(b"x-server", b"erlen")],
    }


def test_session_and_g_are_readable(app: Erlen) -> None:
    @app.get("/login")
    def login() -> str:
        session["user"] = "ann"
        return "ok"

    @app.before_websocket
    def load_user() -> None:
        g.user = session.get("user")

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send(f"{g.user}/{session['user']}")

    cookie = run(call(app, "GET", "/login")).header("set-cookie")
    assert cookie is not None
    peer = session_run(app, "/ws", headers=[("Cookie", cookie.split(";")[0])])
    assert peer.sent[1] == {"type": "websocket.send", "text": "ann/ann"}


def test_hooks_order_and_refusal(app: Erlen) -> None:
    order: list[str] = []
    bp = Blueprint("live", __name__, url_prefix="/live")

    @app.before_websocket
    async def app_before() -> None:
        order.append("app_before")

    @bp.before_websocket
    def bp_before() -> Any:
        order.append("bp_before")
        if request.args.get("deny"):
            return erlen.Response("denied", status=401)
        return None

    @bp.after_websocket
    def bp_after(rv: Any) -> Any:
        order.append(f"bp_after:{rv is None}")
        return rv

    @app.after_websocket
    async def app_after(rv: Any) -> Any:
        order.append("app_after")
        return rv

    @app.before_request
    def http_only() -> None:
        order.append("before_request")  # never for WebSockets

    @bp.websocket("/feed/<int:n>")
    async def feed(n: int) -> None:
        order.append(f"handler:{n}")
        await websocket.send(url_for(".feed", n=n + 1))

    app.register_blueprint(bp)
    peer = session_run(app, "/live/feed/1")
    assert order == ["app_before", "bp_before", "handler:1", "bp_after:True", "app_after"]
    assert peer.sent[1] == {"type": "websocket.send", "text": "ws://testserver/live/feed/2"}

    order.clear()
    denied = session_run(app, "/live/feed/1", query_string=b"deny=1", extensions=DENIAL)
    assert order == ["app_before", "bp_before", "bp_after:False", "app_after"]
    assert denied.sent[0]["status"] == 401


def test_signals_and_teardown(app: Erlen) -> None:
    events: list[str] = []

    def started(sender: Any, **kwargs: Any) -> None:
        events.append(f"started:{websocket.path}")

    def finished(sender: Any, **kwargs: Any) -> None:
        events.append("finished")

    @app.teardown_appcontext
    def teardown(exc: BaseException | None) -> None:
        events.append("teardown_appcontext")

    @app.websocket("/ws")
    async def ws() -> None:
        events.append("handler")

    with (
        websocket_started.connected_to(started, app),
        websocket_finished.connected_to(finished, app),
    ):
        session_run(app, "/ws")
    assert events == ["started:/ws", "handler", "finished", "teardown_appcontext"]


def test_async_iteration_over_messages(app: Erlen) -> None:
    received: list[Any] = []

    @app.websocket("/it")
    async def it() -> None:
        async for message in websocket:
            received.append(message)

    async def script(peer: WebSocketPeer) -> None:
        peer.send_text("a")
        peer.send_bytes(b"b")
        peer.disconnect()

    session_run(app, "/it", script)
    assert received == ["a", b"b"]


def test_concurrent_connections_are_isolated(app: Erlen) -> None:
    @app.websocket("/ws/<name>")
    async def ws(name: str) -> None:
        await websocket.accept()
        message = await websocket.receive()
        await asyncio.sleep(0.01)
        await websocket.send(f"{name}:{websocket.path}:{message}")

    async def one(i: int) -> WebSocketPeer:
        async def script(peer: WebSocketPeer) -> None:
            await peer.next()
            peer.send_text(str(i))

        return await websocket_session(app, f"/ws/c{i}", script)

    async def main() -> list[WebSocketPeer]:
        return await asyncio.gather(*(one(i) for i in range(20)))

    for i, peer in enumerate(run(main())):
        assert peer.sent[1]["text"] == f"c{i}:/ws/c{i}:{i}"


def test_proxy_outside_a_connection(app: Erlen) -> None:
    assert repr(websocket) == "<_WebsocketProxy unbound>"
    with pytest.raises(RuntimeError, match="WebSocket context"):
        websocket.path  # noqa: B018
    # The exception type is reachable from the proxy and the package.
    assert erlen.websocket.WebSocketDisconnect is WebSocketDisconnect
    assert Websocket.WebSocketDisconnect is WebSocketDisconnect
    assert WebSocketDisconnect(4000).code == 4000


def test_sync_handler_is_refused_at_registration(app: Erlen) -> None:
    with pytest.raises(TypeError, match="async def"):

        @app.websocket("/sync")
        def handler() -> None:
            pass

    bp = Blueprint("b", __name__)
    with pytest.raises(TypeError, match="async def"):
        bp.websocket("/x")(lambda: None)

    async def handler_async() -> None:
        pass

    with pytest.raises(TypeError, match="methods"):
        app.websocket("/y", methods=["POST"])(handler_async)


def test_upgrade_required_is_the_toolkit_class(app: Erlen) -> None:
    # `erlen.websocket` is the proxy; the module is reached through sys.modules.
    module = sys.modules["erlen.websocket"]
    assert module.UpgradeRequired is UpgradeRequired
    assert erlen.websocket.UpgradeRequired is UpgradeRequired
    error = module.upgrade_required()
    assert (type(error), error.code, error.upgrade) == (UpgradeRequired, 426, "websocket")
    assert "WebSocket endpoint" in error.get_body()


def test_current_websocket_is_the_connection_itself(app: Erlen) -> None:
    seen: list[Any] = []

    @app.websocket("/me")
    async def me() -> None:
        connection = current_websocket()
        seen.append(connection)
        assert connection is websocket._get_current_object()  # type: ignore[attr-defined]
        await connection.accept()
        await connection.send(type(connection).__name__)

    peer = session_run(app, "/me")
    assert peer.sent[1] == {"type": "websocket.send", "text": "Websocket"}
    [connection] = seen
    assert type(connection) is Websocket
    assert connection.closed
    with pytest.raises(RuntimeError, match="WebSocket context"):
        current_websocket()
