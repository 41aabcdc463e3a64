"""The real Flask-Sock on erlen (through erlen.flask_patch), served by gunicorn
with threads, by erlen's development server and by the three ASGI servers,
reached by the ``websockets`` client. Flask-Sock's routes are WSGI views on
``websocket=True`` rules that take the connection from the environ
(``gunicorn.socket``, or ``werkzeug.socket`` on the development server and,
under ASGI, a socket pair that speaks to the server:
erlen.adapters.wsgi_websocket); an erlen WebSocket handler of the same app
is served by its ASGI side."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from websockets.exceptions import ConnectionClosedOK, InvalidStatus
from websockets.sync.client import connect as ws_connect

from conftest import WEBSOCKET_LIBRARY_SERVERS, ServerProcess, serve_websocket_library_app

pytestmark = pytest.mark.server

WAIT = 10.0


@pytest.fixture(scope="module")
def require_modules(require: Callable[..., None]) -> None:
    require("flask_sock")
    require("simple_websocket")


@pytest.fixture(scope="module", params=WEBSOCKET_LIBRARY_SERVERS)
def server(request: pytest.FixtureRequest, require_modules: None) -> Iterator[ServerProcess]:
    with serve_websocket_library_app(request.param, "sock_app") as running:
        yield running


def login(server: ServerProcess, name: str) -> str:
    with urllib.request.urlopen(f"{server.base_url}/login/{name}", timeout=WAIT) as response:
        assert response.read() == f"hello {name}".encode()
        return str(response.headers["Set-Cookie"]).split(";")[0]


@pytest.mark.timeout(60)
def test_a_flask_sock_route_with_the_session_and_url_variables(server: ServerProcess) -> None:
    cookie = login(server, "ada")
    with ws_connect(
        f"{server.ws_url}/echo/lobby", additional_headers={"Cookie": cookie}, open_timeout=WAIT
    ) as ws:
        assert ws.recv(timeout=WAIT) == "lobby:ada"
        ws.send("abc")
        assert ws.recv(timeout=WAIT) == "cba"
        ws.send(b"\x01\x02\x03")
        assert ws.recv(timeout=WAIT) == b"\x03\x02\x01"
        ws.send("bye")
        with pytest.raises(ConnectionClosedOK):
            ws.recv(timeout=WAIT)
    assert ws.close_code == 1000
    assert ws.close_reason == "see you"
    # The server goes on serving HTTP, and wrote no error about the handover.
    assert login(server, "bob")
    output = server.output()
    assert "Traceback" not in output, server.tail()
    assert "Error" not in output, server.tail()


@pytest.mark.timeout(60)
def test_connections_run_side_by_side(server: ServerProcess) -> None:
    cookie = login(server, "ada")
    headers = {"Cookie": cookie}
    with (
        ws_connect(f"{server.ws_url}/echo/a", additional_headers=headers, open_timeout=WAIT) as one,
        ws_connect(f"{server.ws_url}/echo/b", additional_headers=headers, open_timeout=WAIT) as two,
    ):
        assert (one.recv(timeout=WAIT), two.recv(timeout=WAIT)) == ("a:ada", "b:ada")
        results: list[str] = []

        def talk(ws: object, text: str) -> None:
            ws.send(text)  # type: ignore[attr-defined]
            results.append(ws.recv(timeout=WAIT))  # type: ignore[attr-defined]

        threads = [
            threading.Thread(target=talk, args=(ws, t)) for ws, t in ((one, "xy"), (two, "pq"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT)
        assert sorted(results) == ["qp", "yx"]


@pytest.mark.timeout(60)
def test_a_client_that_leaves_ends_the_view(server: ServerProcess) -> None:
    room = f"gone-{server.port}"
    with ws_connect(f"{server.ws_url}/echo/{room}", open_timeout=WAIT) as ws:
        assert ws.recv(timeout=WAIT) == f"{room}:None"
        ws.send("ping")
        assert ws.recv(timeout=WAIT) == "gnip"
    # The client closed (1000): the view's receive() raised and it returned.
    deadline = time.monotonic() + WAIT
    while True:
        with urllib.request.urlopen(f"{server.base_url}/ended", timeout=WAIT) as response:
            ended = response.read().decode().split(",")
        if room in ended or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert room in ended, server.tail()


@pytest.mark.timeout(60)
def test_an_erlen_handler_of_the_same_app(server: ServerProcess) -> None:
    if server.name == "gunicorn":
        # A WSGI server has no ASGI side: the handshake gets 426, as on
        # erlen's WSGI side everywhere.
        with pytest.raises(InvalidStatus) as info:
            ws_connect(f"{server.ws_url}/native", open_timeout=WAIT)
        assert info.value.response.status_code == 426
        return
    with ws_connect(f"{server.ws_url}/native", open_timeout=WAIT) as ws:
        ws.send("hi")
        assert ws.recv(timeout=WAIT) == "native:hi"
