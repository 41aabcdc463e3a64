"""The showcase in a real browser: headless Chromium, driven over the Chrome
DevTools protocol, asks for the admin's entry list on a real server (erlen's
development server over WSGI, and uvicorn over ASGI), is sent to the login
form, logs in through it (CSRF token and all) and lands on the list."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from erlen import Erlen

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
DEADLINE = 20.0

pytestmark = pytest.mark.server


def missing(what: str) -> NoReturn:
    if os.environ.get("ERLEN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what}, and ERLEN_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(f"{what} (with ERLEN_REQUIRE_SERVICES=1 this fails instead)")


@pytest.fixture
def showcase(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Erlen:
    """The showcase with its SQLite file in a temporary instance folder."""
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    monkeypatch.delenv("SHOWCASE_SESSION_REDIS", raising=False)
    from showcase.app import create_app

    return create_app(instance_path=str(tmp_path / "instance"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_dev(app: Erlen) -> tuple[str, Callable[[], None]]:
    from erlen.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(10)

    return f"http://127.0.0.1:{server.port}", stop


def serve_uvicorn(app: Erlen) -> tuple[str, Callable[[], None]]:
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


def wait_until_served(url: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                response.read()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture(params=["dev-server", "uvicorn"])
def base_url(request: pytest.FixtureRequest, showcase: Erlen) -> Iterator[str]:
    serve = serve_dev if request.param == "dev-server" else serve_uvicorn
    url, stop = serve(showcase)
    try:
        wait_until_served(f"{url}/")
        yield url
    finally:
        stop()


class DevTools:
    """The few Chrome DevTools Protocol calls these tests need, on one page."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.last_id = 0

    def call(self, method: str, **params: Any) -> Any:
        self.last_id += 1
        self.ws.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=10))
            if message.get("id") == self.last_id:  # events have no id: skip them
                assert "error" not in message, message
                return message["result"]

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
                value = None  # a navigation destroyed the page's context for a moment
            if value == expected:
                return
            time.sleep(0.05)
        raise AssertionError(f"{expression} is {value!r}, expected {expected!r}")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    """Headless Chromium with a fresh profile, its DevTools port chosen by itself."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"the program {CHROMIUM!r} is not installed")
    try:
        from websockets.sync.client import connect
    except ImportError:
        missing("the 'websockets' package is not installed")
    profile = tmp_path / "profile"
    log_path = tmp_path / "chromium.log"
    with log_path.open("wb") as log:
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
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + DEADLINE
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Chromium did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.05)
        port = int(port_file.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            page = next(t for t in json.load(r) if t["type"] == "page")
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


CELLS = "Array.from(document.querySelectorAll('td.col-{}')).map(td => td.textContent.trim())"


def test_log_in_through_the_form_and_reach_the_admin_list(base_url: str, browser: DevTools) -> None:
    entry_list = f"{base_url}/admin/entry/"
    login_page = f"{base_url}/auth/login?next=%2Fadmin%2Fentry%2F"
    browser.call("Page.navigate", url=entry_list)
    # The admin sends a visitor to the login form, keeping where they wanted to go.
    browser.wait_for("location.href + ' ' + document.readyState", f"{login_page} complete")
    assert browser.evaluate("document.title") == "Log in · erlen showcase"
    assert browser.evaluate("document.querySelector('#login-form').csrf_token.value.length") > 20

    # A wrong password first: the form says so, and the browser stays logged out.
    fill = (
        "const f = document.querySelector('#login-form');"
        " f.username.value = {username}; f.password.value = {password};"
        " f.querySelector('[type=submit]').click();"
    )
    browser.evaluate(fill.format(username='"ada"', password='"wrong"'))
    browser.wait_for(
        "document.querySelector('p.flash.error')?.textContent", "Invalid username or password."
    )
    assert browser.evaluate("document.querySelector('#login-form').username.value") == "ada"

    browser.evaluate(fill.format(username='"ada"', password='"lovelace"'))
    browser.wait_for("location.href + ' ' + document.readyState", f"{entry_list} complete")
    assert browser.evaluate("document.title").endswith("Showcase Admin")
    assert browser.evaluate(CELLS.format("author")) == ["ada", "grace"]
    assert browser.evaluate(CELLS.format("message")) == [
        "The Analytical Engine weaves algebraic patterns.",
        "Hello from the guestbook!",
    ]
    # The session cookie is HttpOnly: the page's scripts cannot read it.
    assert "session=" not in browser.evaluate("document.cookie")

    # The showcase's own pages now know the user, and show the admin link.
    browser.call("Page.navigate", url=f"{base_url}/")
    browser.wait_for("document.querySelector('h1')?.textContent", "Hello, ada!")
    assert browser.evaluate("document.querySelector('nav a[href=\"/admin/\"]').textContent") == (
        "Admin"
    )


def test_uvicorn_factory_command_serves_the_showcase(tmp_path: Path) -> None:
    """``uvicorn --factory examples.showcase.app:create_app`` from the checkout."""
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        missing("uvicorn is not installed")
    port = free_port()
    env = {
        **os.environ,
        "ERLEN_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'showcase.db'}",
    }
    env.pop("SHOWCASE_SESSION_REDIS", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "examples.showcase.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_served(f"{base}/")
        except OSError:
            proc.kill()
            _, stderr = proc.communicate(10)
            pytest.fail(f"uvicorn did not serve the showcase:\n{stderr.decode(errors='replace')}")
        with urllib.request.urlopen(f"{base}/", timeout=10) as response:
            assert b"<h1>Hello, stranger!</h1>" in response.read()
        request = urllib.request.Request(
            f"{base}/api/token",
            data=json.dumps({"username": "grace", "password": "hopper"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            token = json.load(response)["access_token"]
        me = urllib.request.Request(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(me, timeout=10) as response:
            assert json.load(response) == {"username": "grace", "is_admin": False, "entries": 1}
        assert (tmp_path / "showcase.db").is_file()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        if proc.stderr is not None:
            proc.stderr.close()
