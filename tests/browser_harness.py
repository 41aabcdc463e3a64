"""Headless Chromium driven over the Chrome DevTools protocol, and the small
servers the browser tests point it at (erlen's development server in a
thread for WSGI, uvicorn in a thread for ASGI).

A missing Chromium or client library skips the test and says why; with
``ERLEN_REQUIRE_SERVICES=1`` (CI sets it) it fails instead.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest

CHROMIUM = "/usr/bin/chromium"
#: Seconds a page, a server or Chromium itself gets to become ready.
DEADLINE = 20.0


def missing(what: str) -> NoReturn:
    """Skip the calling test, or fail it under ``ERLEN_REQUIRE_SERVICES=1``."""
    if os.environ.get("ERLEN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what}, and ERLEN_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(f"{what} (with ERLEN_REQUIRE_SERVICES=1 this fails instead)")


class DevTools:
    """Enough of the Chrome DevTools protocol to drive one page."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0

    def call(self, method: str, **params: Any) -> Any:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv(timeout=10))
            if reply.get("id") == self.next_id:  # events carry no id
                assert "error" not in reply, reply
                return reply["result"]

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def wait_for(self, expression: str, expected: Any) -> None:
        deadline = time.monotonic() + DEADLINE
        value = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except AssertionError:
                value = None  # the page is navigating; its context is gone for a moment
            if value == expected:
                return
            time.sleep(0.05)
        raise AssertionError(f"{expression} is {value!r}, expected {expected!r}")

    def open(self, url: str) -> None:
        """Navigate to ``url`` and wait until it has loaded."""
        self.call("Page.navigate", url=url)
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState", "complete")


@contextmanager
def chromium(tmp_path: Path) -> Iterator[DevTools]:
    """Headless Chromium with its DevTools endpoint on a free port and one
    page open; the whole process group is stopped afterwards."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"the program {CHROMIUM!r} is not installed")
    try:
        from websockets.sync.client import connect
    except ImportError:
        missing("the 'websockets' package is not installed")
    profile = tmp_path / "profile"
    log_path = tmp_path / "chromium.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # Chromium writes the port it picked into the profile folder.
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + DEADLINE
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"Chromium did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.05)
        port = int(port_file.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], open_timeout=10, max_size=None) as ws:
            tools = DevTools(ws)
            tools.call("Page.enable")
            yield tools
    finally:
        for signum in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, signum)
            except ProcessLookupError:
                break
            try:
                proc.wait(10)
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_served(url: str) -> None:
    """Return once ``url`` answers (any status), or raise after DEADLINE."""
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def serve_dev(app: Any) -> tuple[str, Callable[[], None]]:
    """Serve ``app`` over WSGI with erlen's development server in a thread;
    return its base URL and a function that stops it."""
    from erlen.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(10)

    return f"http://127.0.0.1:{server.port}", stop


def serve_uvicorn(app: Any) -> tuple[str, Callable[[], None]]:
    """Serve ``app`` over ASGI with uvicorn in a thread; return its base URL
    and a function that stops it."""
    try:
        import uvicorn
    except ImportError:
        missing("uvicorn is not installed")
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def stop() -> None:
        server.should_exit = True
        thread.join(10)

    return f"http://127.0.0.1:{port}", stop
