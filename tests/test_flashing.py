"""Message flashing: stored in the session, shown once, across a redirect."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from erlen import Erlen, redirect, render_template, request, session, url_for
from erlen.flashing import flash, get_flashed_messages
from erlen.signals import message_flashed
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__, root_path=str(FIXTURES))
    app.config.update(TESTING=True, SECRET_KEY="flashing tests")

    # The notes' example (§2.4.4): flash a result, then redirect to show it.
    @app.route("/submit", methods=["POST"])
    def submit() -> Any:
        success = request.form.get("ok") == "1"
        if success:
            flash("操作成功!", category="success")
        else:
            flash("操作失败,请重试。", category="error")
        return redirect(url_for("result"))

    @app.route("/result")
    def result() -> str:
        return render_template("flashes.html")

    return app


def test_flash_across_redirect_is_shown_once(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    rv = client.post("/submit", data={"ok": "1"}, follow_redirects=True)
    assert rv.status_code == 200
    assert [r.status_code for r in rv.history] == [302]
    assert rv.text == "[success:操作成功!]"
    # Shown once: the next page has nothing left.
    assert client.get("/result").text == ""

    rv = client.post("/submit", data={"ok": "0"}, follow_redirects=True)
    assert rv.text == "[error:操作失败,请重试。]"


def test_messages_keep_their_order_and_categories(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/many")
    def many() -> Any:
        flash("first")
        flash("second", "error")
        flash("third", "info")
        flash("fourth", "error")
        return redirect("/show")

    seen: dict[str, Any] = {}

    @app.route("/show")
    def show() -> str:
        seen["all"] = get_flashed_messages()
        seen["pairs"] = get_flashed_messages(with_categories=True)
        seen["errors"] = get_flashed_messages(category_filter=["error"])
        seen["error_pairs"] = get_flashed_messages(True, ["error", "info"])
        seen["one_string"] = get_flashed_messages(category_filter="info")
        seen["none"] = get_flashed_messages(category_filter=["nope"])
        return ""

    client = make_client(app)
    client.get("/many", follow_redirects=True)
    assert seen["all"] == ["first", "second", "third", "fourth"]
    assert seen["pairs"] == [
        ("message", "first"),
        ("error", "second"),
        ("info", "third"),
        ("error", "fourth"),
    ]
    assert seen["errors"] == ["second", "fourth"]
    assert seen["error_pairs"] == [("error", "second"), ("info", "third"), ("error", "fourth")]
    assert seen["one_string"] == ["third"]
    assert seen["none"] == []

    seen.clear()
    client.get("/show")
    assert seen["all"] == []


def test_flashes_survive_until_read(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/flash")
    def flash_view() -> str:
        flash("kept")
        return ""

    @app.route("/elsewhere")
    def elsewhere() -> str:
        return "no messages read"

    @app.route("/read")
    def read() -> str:
        return ",".join(get_flashed_messages())

    client = make_client(app)
    client.get("/flash")
    client.get("/flash")
    client.get("/elsewhere")
    assert client.get("/read").text == "kept,kept"
    assert client.get("/read").text == ""


def test_flash_in_same_request_after_reading_is_kept_for_next(
    app: Erlen, make_client: MakeClient
) -> None:
    @app.route("/")
    def index() -> str:
        before = get_flashed_messages()
        flash("later")
        return f"{before}|{get_flashed_messages()}"

    client = make_client(app)
    assert client.get("/").text == "[]|[]"
    assert client.get("/").text == "['later']|['later']"


def test_session_stores_pairs_under_flashes_key(app: Erlen) -> None:
    with app.test_request_context():
        flash("hello", "info")
        flash("bye")
        assert session["_flashes"] == [("info", "hello"), ("message", "bye")]
        assert session.modified is True


def test_message_flashed_signal(app: Erlen) -> None:
    got: list[tuple[Any, str, str]] = []

    def record(sender: Any, message: str, category: str, **extra: Any) -> None:
        got.append((sender, message, category))

    with message_flashed.connected_to(record, app), app.test_request_context():
        flash("hi", "info")
        flash("default")
    assert got == [(app, "hi", "info"), (app, "default", "message")]


def test_flash_without_secret_key_raises(app: Erlen) -> None:
    app.config["SECRET_KEY"] = None
    with app.test_request_context(), pytest.raises(RuntimeError, match="secret key"):
        flash("nope")
    with app.test_request_context():
        assert get_flashed_messages() == []


def test_flash_outside_request_context_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="request context"):
        flash("x")
    with pytest.raises(RuntimeError, match="request context"):
        get_flashed_messages()


def test_message_flashed_async_receiver(app: Erlen) -> None:
    got: list[str] = []

    async def record(sender: Any, message: str, category: str, **extra: Any) -> None:
        got.append(f"{category}:{message}")

    with message_flashed.connected_to(record, app), app.test_request_context():
        flash("from async", "info")
    assert got == ["info:from async"]
