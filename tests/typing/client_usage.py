"""Typed tests of an app, written the way a project's own test suite would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, assert_type

from erlen import Erlen, Response, current_app, request, session, url_for
from erlen.http.datastructures import Headers
from erlen.sessions import SessionMixin
from erlen.testing import ErlenClient, TestResponse


def make_app() -> Erlen:
    app = Erlen(__name__)
    app.config.update(TESTING=True, SECRET_KEY="test")

    @app.route("/")
    def index() -> str:
        return "hello"

    @app.post("/api/echo")
    def echo() -> Any:
        return request.get_json()

    @app.route("/whoami")
    def whoami() -> dict[str, Any]:
        return {"user": session.get("user"), "agent": request.user_agent.string}

    return app


def client_fixture() -> Iterator[ErlenClient]:
    app = make_app()
    with app.test_client() as client:
        yield client


def check_index(client: ErlenClient) -> None:
    rv = client.get("/")
    assert_type(rv, TestResponse)
    assert_type(rv.status_code, int)
    assert_type(rv.status, str)
    assert_type(rv.data, bytes)
    assert_type(rv.text, str)
    assert_type(rv.get_data(as_text=True), str)
    assert_type(rv.headers, Headers)
    assert_type(rv.headers.get("Content-Type"), str | None)
    assert_type(rv.mimetype, str | None)
    assert rv.status_code == 200
    assert rv.text == "hello"


def check_json(client: ErlenClient) -> None:
    rv = client.post("/api/echo", json={"a": [1, 2]})
    assert_type(rv.json, Any)
    assert_type(rv.get_json(), Any)
    body: dict[str, list[int]] = rv.json
    assert body == {"a": [1, 2]}
    rv = client.post(
        "/api/echo",
        data=b'{"b": 1}',
        headers={"Content-Type": "application/json", "X-Trace": "1"},
        query_string={"debug": "1"},
    )
    assert rv.json == {"b": 1}


def check_session(client: ErlenClient) -> None:
    with client.session_transaction() as sess:
        assert_type(sess, SessionMixin)
        sess["user"] = "ada"
    rv = client.get("/whoami", headers=[("User-Agent", "typing-test")])
    assert rv.json == {"user": "ada", "agent": "typing-test"}
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.value
    client.set_cookie("theme", "dark")
    client.delete_cookie("theme")


def check_context(app: Erlen) -> None:
    with app.test_request_context("/whoami?x=1", method="POST", json={"k": "v"}):
        assert request.args.get("x", type=int) == 1
        assert request.method == "POST"
        assert request.get_json() == {"k": "v"}
        assert url_for("index", _external=True) == "http://localhost/"
    with app.app_context():
        assert current_app.name == app.name
    client = app.test_client()
    with client:
        client.get("/whoami")
        assert request.path == "/whoami"


def check_redirects(app: Erlen) -> None:
    @app.route("/go")
    def go() -> Response:
        return app.redirect("/")

    rv = app.test_client().get("/go", follow_redirects=True)
    assert_type(rv.history, tuple[TestResponse, ...])
    assert [r.status_code for r in rv.history] == [302]
    assert rv.request.path == "/"


def run_all() -> None:
    app = make_app()
    for client in client_fixture():
        check_index(client)
        check_json(client)
        check_session(client)
    check_context(app)
    check_redirects(make_app())
    status: int = app.test_client().get("/").status_code
    assert status == 200
