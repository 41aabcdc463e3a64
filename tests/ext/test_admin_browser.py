"""The admin in a real browser: headless Chromium, driven over the Chrome
DevTools protocol, loads the list page from a real server (erlen's development
server over WSGI, and uvicorn over ASGI), sees the rows and the stylesheet, and
creates a record through the form (a refused duplicate first)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session, sessionmaker

from erlen import Erlen
from erlen.ext.admin import Admin, ModelView

CHROMIUM = "/usr/bin/chromium"
DEADLINE = 20.0

pytestmark = pytest.mark.server


def missing(what: str) -> None:
    if os.environ.get("ERLEN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what}, and ERLEN_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(f"{what} (with ERLEN_REQUIRE_SERVICES=1 this fails instead)")


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    email: Mapped[str] = mapped_column(sa.String(120), unique=True)
    age: Mapped[int | None] = mapped_column()


class UserView(ModelView):
    column_searchable_list = ["username", "email"]
    column_default_sort = "username"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[scoped_session[Any]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'browser.db'}")
    Base.metadata.create_all(engine)
    session = scoped_session(sessionmaker(engine))
    session.add_all(
        [
            User(username="grace", email="grace@example.org", age=85),
            User(username="ada", email="ada@example.org", age=36),
        ]
    )
    session.commit()
    session.remove()
    yield session
    session.remove()
    engine.dispose()


def make_app(db: Any) -> Erlen:
    app = Erlen("admin_browser_app")
    app.config["SECRET_KEY"] = "browser test secret"
    admin = Admin(app, name="Browser Admin", template_mode="bootstrap3")
    admin.add_view(UserView(User, db, category="People"))
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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


@pytest.fixture(params=["dev-server", "uvicorn"])
def base_url(request: pytest.FixtureRequest, db: Any) -> Iterator[str]:
    serve = serve_dev if request.param == "dev-server" else serve_uvicorn
    url, stop = serve(make_app(db))
    try:
        wait_until_served(f"{url}/admin/")
        yield url
    finally:
        stop()


class DevTools:
    """Enough of the Chrome DevTools Protocol to drive one page."""

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
        self.call("Page.navigate", url=url)
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState", "complete")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    """Headless Chromium with its DevTools endpoint on a free port; one page open."""
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


CELLS = "Array.from(document.querySelectorAll('td.col-{}')).map(td => td.textContent.trim())"


def test_list_renders_and_a_record_is_created_through_the_form(
    base_url: str, browser: DevTools, db: Any
) -> None:
    list_url = f"{base_url}/admin/user/"
    browser.open(list_url)
    assert browser.evaluate("document.title") == "People - User - Browser Admin"
    assert browser.evaluate(CELLS.format("username")) == ["ada", "grace"]
    assert browser.evaluate(CELLS.format("email")) == ["ada@example.org", "grace@example.org"]
    # The local stylesheet is loaded and applied.
    assert (
        browser.evaluate("getComputedStyle(document.querySelector('nav.navbar')).backgroundColor")
        == "rgb(52, 58, 64)"
    )
    assert (
        browser.evaluate("getComputedStyle(document.querySelector('.dropdown-menu')).display")
        == "none"
    )

    # The search box filters the rows.
    browser.evaluate(
        "document.querySelector('input[name=search]').value = 'gra';"
        " document.querySelector('form.search-form').requestSubmit();"
    )
    browser.wait_for(CELLS.format("username") + ".join()", "grace")

    # The Create tab leads to the form; a duplicate username is refused and shown.
    browser.open(list_url)
    create_href = browser.evaluate("document.querySelector('.admin-tabs li:nth-child(2) a').href")
    assert create_href == f"{base_url}/admin/user/new/?url=/admin/user/"
    browser.open(create_href)
    fill = (
        "const f = document.querySelector('form.admin-form');"
        " f.username.value = {username}; f.email.value = {email}; f.age.value = {age};"
        " f.requestSubmit();"
    )
    browser.evaluate(fill.format(username='"ada"', email='"ada2@example.org"', age='"40"'))
    browser.wait_for(
        "document.querySelector('.has-error .help-block')?.textContent",
        "Already taken: another User has this username (ada).",
    )
    # The form keeps what was typed; fix the name and save.
    assert browser.evaluate("document.querySelector('form.admin-form').email.value") == (
        "ada2@example.org"
    )
    browser.evaluate(
        fill.format(username='"alan <turing>"', email='"alan@example.org"', age='"41"')
    )
    browser.wait_for("location.href", list_url)
    browser.wait_for(
        "document.querySelector('.alert-success')?.textContent", "Record was successfully created."
    )
    assert browser.evaluate(CELLS.format("username")) == ["ada", "alan <turing>", "grace"]
    assert browser.evaluate("document.querySelectorAll('td.col-username b, td script').length") == 0
    db.remove()
    alan = db.query(User).filter_by(username="alan <turing>").one()
    assert (alan.email, alan.age) == ("alan@example.org", 41)


def test_delete_button_posts_with_its_token(base_url: str, browser: DevTools, db: Any) -> None:
    list_url = f"{base_url}/admin/user/"
    browser.open(list_url)
    # Accept the confirmation dialog the delete button opens.
    browser.evaluate("window.confirm = () => true;")
    browser.evaluate("document.querySelector('td.list-buttons-column form button').click();")
    browser.wait_for(
        "document.querySelector('.alert-success')?.textContent", "Record was successfully deleted."
    )
    assert browser.evaluate(CELLS.format("username")) == ["grace"]
    db.remove()
    assert [u.username for u in db.query(User)] == ["grace"]
