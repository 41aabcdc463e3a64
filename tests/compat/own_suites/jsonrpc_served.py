"""Pytest plugin for Flask-JSONRPC's integration suite (``-p jsonrpc_served
--served-app=app``): its test app, served over HTTP on this machine.

The suite's ``tests/integration/shared`` tests post JSON-RPC requests with
``requests`` to the server at ``$API_URL``, which upstream is the sdist's
``tests/test_apps/app`` (or ``async_app``) run with ``app.run()`` (in a
container, or locally on port 5000). Here the package named by
``--served-app`` is served with ``app.run()`` in a subprocess, on a free
loopback port, for the whole session, and ``API_URL`` points at it. On
erlen's side (``-p erlen_flask_patch`` loaded first) the server imports
:mod:`erlen.flask_patch` first, so erlen serves it; on the original's side
Flask does.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

#: The server: argv is ``erlen|flask``, the test app's package, the port.
_SERVE = """
import logging, sys
if sys.argv[1] == "erlen":
    import erlen.flask_patch
import importlib
app = importlib.import_module(sys.argv[2] + ".app").create_app({})
logging.getLogger("werkzeug").setLevel(logging.ERROR)
app.run(host="127.0.0.1", port=int(sys.argv[3]), debug=False)
"""

_server: subprocess.Popen[bytes] | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--served-app", default="app", help="tests/test_apps/<package> to serve")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pytest_configure(config: pytest.Config) -> None:
    global _server
    side = "erlen" if "erlen.flask_patch" in sys.modules else "flask"
    port = _free_port()
    _server = subprocess.Popen(
        [sys.executable, "-c", _SERVE, side, config.getoption("served_app"), str(port)],
        cwd=config.rootpath / "tests" / "test_apps",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if _server.poll() is not None or time.monotonic() > deadline:
                _stop()
                raise RuntimeError("the test app's server did not start") from None
            time.sleep(0.1)
    os.environ["API_URL"] = f"http://127.0.0.1:{port}/api"


def _stop() -> None:
    global _server
    if _server is not None:
        _server.terminate()
        try:
            _server.wait(10)
        except subprocess.TimeoutExpired:
            _server.kill()
            _server.wait()
        _server = None


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop()
