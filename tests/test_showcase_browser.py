"""The showcase in a real browser: headless Chromium, driven over the Chrome
DevTools protocol, asks for the admin's entry list on a real server (erlen's
development server over WSGI, and uvicorn over ASGI), is sent to the login
form, logs in through it (CSRF token and all) and lands on the list."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser_harness import (
    DevTools,
    chromium,
    free_port,
    missing,
    serve_dev,
    serve_uvicorn,
    wait_until_served,
)
from erlen import Erlen

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.server


@pytest.fixture
def showcase(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Erlen:
    """The showcase with its SQLite file in a temporary instance folder."""
    monkeypatch.syspath_prepend(str(ROOT / "examples"))
    monkeypatch.delenv("SHOWCASE_SESSION_REDIS", raising=False)
    from showcase.app import create_app

    return create_app(instance_path=str(tmp_path / "instance"))


@pytest.fixture(params=["dev-server", "uvicorn"])
def base_url(request: pytest.FixtureRequest, showcase: Erlen) -> Iterator[str]:
    serve = serve_dev if request.param == "dev-server" else serve_uvicorn
    url, stop = serve(showcase)
    try:
        wait_until_served(f"{url}/")
        yield url
    finally:
        stop()


CELLS = "Array.from(document.querySelectorAll('td.col-{}')).map(td => td.textContent.trim())"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    """Headless Chromium with one page open (see tests/browser_harness.py)."""
    with chromium(tmp_path) as tools:
        yield tools


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
