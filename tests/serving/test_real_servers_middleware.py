"""erlen.middleware on the production servers: ``myapp:combined`` is a second
app mounted at /sub by DispatcherMiddleware, behind ProxyFix trusting one
proxy, with SharedDataMiddleware serving files at /shared; served as WSGI
(gunicorn, uWSGI, granian) and ASGI (uvicorn, hypercorn, granian)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from server_params import parametrize_servers

pytestmark = pytest.mark.server

pytest_generate_tests = parametrize_servers


@pytest.fixture(scope="module")
def server(request: pytest.FixtureRequest, server_runner: Callable[..., Any]) -> Iterator[Any]:
    with server_runner(request.param, "myapp:combined") as running:
        yield running


def fetch(server: Any, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


FORWARDED = {"X-Forwarded-For": "203.0.113.7, 198.51.100.2", "X-Forwarded-Proto": "https"}


def test_mounted_app_behind_a_proxy(server: Any) -> None:
    status, body = fetch(server, "/sub/where", FORWARDED)
    assert status == 200, server.tail()
    host = f"127.0.0.1:{server.port}"
    assert json.loads(body) == {
        "script_root": "/sub",
        "path": "/where",
        "remote_addr": "198.51.100.2",
        "scheme": "https",
        "url": f"https://{host}/sub/where",
    }


def test_unmounted_paths_reach_the_main_app(server: Any) -> None:
    status, body = fetch(server, "/?name=proxy", {})
    assert status == 200, server.tail()
    assert b"<h1>Hello, proxy!</h1>" in body
    assert fetch(server, "/subx/where", {})[0] == 404


def test_websocket_to_the_mounted_app(server: Any) -> None:
    from websockets.sync.client import connect

    headers = {"X-Forwarded-For": "198.51.100.9"}
    with connect(
        f"{server.ws_url}/sub/ws", additional_headers=headers, open_timeout=10, close_timeout=5
    ) as ws:
        assert ws.recv(timeout=10) == "mounted at /sub for 198.51.100.9"


def test_server_logged_no_errors(server: Any) -> None:
    output = server.output()
    assert "Traceback" not in output, server.tail()
    assert "ERROR" not in output, server.tail()


STATIC = Path(__file__).resolve().parents[1] / "fixtures" / "static"


def test_shared_files(server: Any) -> None:
    data = (STATIC / "sub" / "data.bin").read_bytes()
    status, body = fetch(server, "/shared/sub/data.bin", {})
    assert status == 200, server.tail()
    assert body == data
    status, body = fetch(server, "/shared/sub/data.bin", {"Range": "bytes=5-14"})
    assert (status, body) == (206, data[5:15])
    status, body = fetch(server, "/shared/hello.txt", {})
    assert body == (STATIC / "hello.txt").read_bytes()
    # Not a file there: the apps behind answer (the main app's 404).
    assert fetch(server, "/shared/nothing.txt", {})[0] == 404
