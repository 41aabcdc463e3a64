"""The real Flask-SocketIO on erlen (through erlen.flask_patch), served by
gunicorn with threads, by ``socketio.run`` (erlen's development server) and
by the three ASGI servers, reached by python-socketio's client over each of
Engine.IO's transports: long-polling (plain WSGI requests, through the
middleware Flask-SocketIO puts on ``app.wsgi_app``, which erlen's ASGI side
calls too) and WebSocket (simple-websocket on the socket the server hands
the app: ``gunicorn.socket``, ``werkzeug.socket``, or under ASGI a socket
pair relayed to the server's messages)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import WEBSOCKET_LIBRARY_SERVERS, ServerProcess, serve_websocket_library_app

pytestmark = pytest.mark.server


@pytest.fixture(scope="module", params=[*WEBSOCKET_LIBRARY_SERVERS, "development server, debug"])
def server(request: pytest.FixtureRequest, require_modules: None) -> Iterator[ServerProcess]:
    with serve_websocket_library_app(request.param, "socketio_app") as running:
        yield running


@pytest.fixture(scope="module")
def require_modules(require: Callable[..., None]) -> None:
    require("flask_socketio")
    require("socketio")
    # python-socketio's client: requests for long-polling, websocket-client
    # for the WebSocket transport.
    require("requests")
    require("websocket")


@pytest.mark.timeout(60)
@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_events_session_and_acks_over_each_transport(server: ServerProcess, transport: str) -> None:
    import requests
    import socketio

    http = requests.Session()
    assert http.get(server.base_url + "/", timeout=10).text == "visits 1"
    assert http.get(server.base_url + "/", timeout=10).text == "visits 2"
    cookie = "; ".join(f"{name}={value}" for name, value in http.cookies.items())

    client = socketio.Client()
    events: list[tuple[str, Any]] = []
    done = threading.Event()

    @client.on("welcome")
    def welcome(data: Any) -> None:
        events.append(("welcome", data))

    @client.on("pong")
    def pong(data: Any) -> None:
        events.append(("pong", data))
        if data["pings"] == 2:
            done.set()

    client.connect(
        server.base_url,
        transports=[transport],
        headers={"Cookie": cookie, "X-Agent": "test"},
        wait_timeout=10,
    )
    try:
        assert client.transport() == transport
        assert client.call("ping", "one", timeout=10) == {"ack": "ONE"}
        assert client.call("ping", "two", timeout=10) == {"ack": "TWO"}
        assert done.wait(10), server.tail()
    finally:
        client.disconnect()
    # The connect handler saw the HTTP session and the request's headers; the
    # event handlers share one session for the connection.
    assert events == [
        ("welcome", {"visits": 2, "agent": "test"}),
        ("pong", {"got": "one", "pings": 1}),
        ("pong", {"got": "two", "pings": 2}),
    ], server.tail()
    # The managed session is the connection's own: the HTTP session is unchanged.
    assert http.get(server.base_url + "/", timeout=10).text == "visits 3"
    assert "Traceback" not in server.output(), server.tail()
    if server.name.startswith("development server") and transport == "websocket":
        # The handshake the app answered on werkzeug.socket, logged once: the
        # server writes the line when the connection's thread ends, which a
        # loaded machine may not have reached yet.
        deadline = time.monotonic() + 10
        while "transport=websocket" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.output().count("transport=websocket") == 1, server.tail()
        assert '" 101 -' in server.output(), server.tail()
