"""erlen.ext.login side by side with the real Flask-Login 0.6.3 on Flask.

The same app is built on both; redirects, status codes, cookies and session
keys must match (erlen's deliberate differences are set aside explicitly:
its remember cookie's default SameSite=Lax). The erlen side runs over WSGI
and ASGI; remember cookies made by one are accepted by the other.
"""

from __future__ import annotations

import types
from datetime import timedelta
from typing import Any

import pytest

import erlen
import erlen.ext.login as erlen_login
from erlen.http.cookies import SetCookie, parse_set_cookie

flask = pytest.importorskip("flask")
flask_login = pytest.importorskip("flask_login")

SECRET = "shared secret"
AGENT = "Mozilla/5.0 (compare)"


def build(web: types.ModuleType, login: types.ModuleType, **config: Any) -> Any:
    """The same small app on Flask + Flask-Login or erlen + erlen.ext.login."""
    app_class = web.Flask if web is flask else web.Erlen
    app = app_class("compare_app")
    app.config.update({"TESTING": True, "SECRET_KEY": SECRET, **config})
    manager = login.LoginManager(app)

    class User(login.UserMixin):  # type: ignore[name-defined,misc]
        def __init__(self, id: str) -> None:
            self.id = id

    manager.user_loader(lambda user_id: User(user_id) if user_id in {"1", "2"} else None)
    bp = web.Blueprint("shop", "compare_app", url_prefix="/shop")

    @bp.route("/cart")
    @login.login_required
    def cart() -> str:
        return "cart"

    @bp.route("/login")
    def shop_login() -> str:
        return "shop login"

    app.register_blueprint(bp)

    @app.route("/login", methods=["GET", "POST"], endpoint="login")
    def login_view() -> Any:
        if web.request.method == "GET":
            return "login page"
        form = web.request.form
        seconds = form.get("duration")
        ok = login.login_user(
            User(form.get("user_id", "1")),
            remember=form.get("remember") == "1",
            fresh=form.get("fresh", "1") == "1",
            duration=None if seconds is None else timedelta(seconds=int(seconds)),
        )
        return "ok" if ok else "refused"

    @app.route("/logout")
    def logout() -> str:
        login.logout_user()
        return "out"

    @app.route("/protected", methods=["GET", "POST", "OPTIONS"])
    @login.login_required
    def protected() -> str:
        return f"hello {login.current_user.get_id()}"

    @app.route("/p/<path:rest>")
    @login.login_required
    def deep(rest: str) -> str:
        return rest

    @app.route("/fresh")
    @login.fresh_login_required
    def fresh() -> str:
        return "fresh"

    @app.route("/flashes")
    def flashes() -> Any:
        return web.jsonify(web.get_flashed_messages(with_categories=True))

    @app.route("/state")
    def state() -> Any:
        return web.jsonify(
            user=login.current_user.get_id(),
            fresh=login.login_fresh(),
            remembered=login.login_remembered(),
        )

    return app


def pair(protocol: str, **config: Any) -> tuple[Any, Any, Any, Any]:
    """(flask_app, flask_client, erlen_app, erlen_client) with the same agent."""
    flask_app = build(flask, flask_login, **config)
    erlen_app = build(erlen, erlen_login, **config)
    flask_client = flask_app.test_client()
    erlen_client = erlen_app.test_client(asgi=protocol == "asgi")
    flask_client.environ_base["HTTP_USER_AGENT"] = AGENT
    erlen_client.environ_base["HTTP_USER_AGENT"] = AGENT
    return flask_app, flask_client, erlen_app, erlen_client


def set_cookies(response: Any) -> dict[str, SetCookie]:
    return {
        cookie.name: cookie
        for cookie in map(parse_set_cookie, response.headers.getlist("Set-Cookie"))
    }


def comparable(cookie: SetCookie) -> tuple[Any, ...]:
    # Expires is "now + duration" on each side: compared to the minute.
    expires = cookie.expires.replace(second=0) if cookie.expires else None
    return (cookie.name, cookie.value, expires, cookie.max_age, cookie.path,
            cookie.domain, cookie.secure, cookie.httponly, cookie.samesite)  # fmt: skip


def session_of(client: Any) -> dict[str, Any]:
    with client.session_transaction() as sess:
        return dict(sess)


@pytest.mark.parametrize(
    "path",
    [
        "/protected",
        "/protected?a=1&b=two",
        "/protected?x=a%20b&y=c+d",
        "/protected?q=caf%C3%A9",
        "/p/caf%C3%A9/deep",
        "/p/a%2Fb?next=/elsewhere",
        "/shop/cart?item=3",
    ],
)
@pytest.mark.parametrize(
    "login_view", ["login", "/auth/in?lang=en", "https://sso.example.com/login", None]
)
def test_unauthorized_answers_match(protocol: str, path: str, login_view: str | None) -> None:
    flask_app, flask_client, erlen_app, erlen_client = pair(protocol)
    for app in (flask_app, erlen_app):
        app.login_manager.login_view = login_view
    expected = flask_client.get(path)
    got = erlen_client.get(path)
    assert got.status_code == expected.status_code
    assert got.headers.get("Location") == expected.headers.get("Location")
    assert erlen_client.get("/flashes").json == flask_client.get("/flashes").json


def test_blueprint_login_view_matches(protocol: str) -> None:
    flask_app, flask_client, erlen_app, erlen_client = pair(protocol)
    for app in (flask_app, erlen_app):
        app.login_manager.login_view = "login"
        app.login_manager.blueprint_login_views = {"shop": "shop.shop_login"}
    for path in ("/shop/cart", "/protected"):
        assert (
            erlen_client.get(path).headers["Location"] == flask_client.get(path).headers["Location"]
        )


def test_use_session_for_next_matches(protocol: str) -> None:
    flask_app, flask_client, erlen_app, erlen_client = pair(protocol, USE_SESSION_FOR_NEXT=True)
    for app in (flask_app, erlen_app):
        app.login_manager.login_view = "login"
    expected = flask_client.get("/protected?x=1")
    got = erlen_client.get("/protected?x=1")
    assert got.headers["Location"] == expected.headers["Location"] == "/login"
    expected_session = session_of(flask_client)
    got_session = session_of(erlen_client)
    assert got_session["next"] == expected_session["next"] == "/protected?x=1"
    assert got_session["_id"] == expected_session["_id"]


def test_options_and_401_match(protocol: str) -> None:
    _, flask_client, _, erlen_client = pair(protocol)
    for method in ("get", "post", "options"):
        expected = getattr(flask_client, method)("/protected")
        got = getattr(erlen_client, method)("/protected")
        assert got.status_code == expected.status_code


@pytest.mark.parametrize("form", [{}, {"remember": "1"}, {"remember": "1", "duration": "90"},
                                  {"fresh": "0", "user_id": "2"}])  # fmt: skip
def test_login_session_and_cookie_match(protocol: str, form: dict[str, str]) -> None:
    # SameSite aside (erlen defaults to Lax), the cookies must be identical.
    _, flask_client, _, erlen_client = pair(protocol, REMEMBER_COOKIE_SAMESITE=None)
    expected = flask_client.post("/login", data=form)
    got = erlen_client.post("/login", data=form)
    assert got.text == expected.text == "ok"
    expected_cookies = set_cookies(expected)
    got_cookies = set_cookies(got)
    assert ("remember_token" in got_cookies) is ("remember_token" in expected_cookies)
    if "remember_token" in expected_cookies:
        assert comparable(got_cookies["remember_token"]) == comparable(
            expected_cookies["remember_token"]
        )
    assert session_of(erlen_client) == session_of(flask_client)
    for path in ("/state", "/protected", "/fresh"):
        expected = flask_client.get(path)
        got = erlen_client.get(path)
        assert (got.status_code, got.text) == (expected.status_code, expected.text)
    expected = flask_client.get("/logout")
    got = erlen_client.get("/logout")
    assert {name: comparable(c) for name, c in set_cookies(got).items() if name != "session"} == {
        name: comparable(c) for name, c in set_cookies(expected).items() if name != "session"
    }
    assert session_of(erlen_client) == session_of(flask_client)


def test_remember_cookies_cross_over(protocol: str) -> None:
    _, flask_client, _, erlen_client = pair(protocol)
    flask_cookie = set_cookies(flask_client.post("/login", data={"remember": "1", "user_id": "2"}))
    erlen_cookie = set_cookies(erlen_client.post("/login", data={"remember": "1", "user_id": "2"}))
    assert flask_cookie["remember_token"].value == erlen_cookie["remember_token"].value

    # A browser that logged in on the Flask app keeps its login on erlen.
    _, fresh_flask, _, fresh_erlen = pair(protocol)
    fresh_erlen.set_cookie("remember_token", flask_cookie["remember_token"].value)
    fresh_flask.set_cookie("remember_token", erlen_cookie["remember_token"].value)
    expected = fresh_flask.get("/state")
    got = fresh_erlen.get("/state")
    assert got.json == expected.json == {"user": "2", "fresh": False, "remembered": True}
    expected_session = session_of(fresh_flask)
    got_session = session_of(fresh_erlen)
    # erlen also binds the restored login to the client ("_id"); see the docs.
    assert got_session.pop("_id") == session_identifier_for_agent()
    assert got_session == expected_session


def session_identifier_for_agent() -> str:
    return erlen_login.utils.session_identifier("127.0.0.1", AGENT)


def test_basic_protection_matches(protocol: str) -> None:
    _, flask_client, _, erlen_client = pair(protocol)
    flask_client.post("/login", data={"user_id": "1"})
    erlen_client.post("/login", data={"user_id": "1"})
    moved = {"User-Agent": "Other/1.0"}
    expected = flask_client.get("/fresh", headers=moved)
    got = erlen_client.get("/fresh", headers=moved)
    assert got.status_code == expected.status_code == 401
    assert session_of(erlen_client) == session_of(flask_client)
    assert session_of(erlen_client)["_fresh"] is False


def test_strong_protection_matches(protocol: str) -> None:
    _, flask_client, _, erlen_client = pair(protocol, SESSION_PROTECTION="strong")
    flask_client.post("/login", data={"user_id": "1", "remember": "1"})
    erlen_client.post("/login", data={"user_id": "1", "remember": "1"})
    moved = {"User-Agent": "Other/1.0"}
    expected = flask_client.get("/protected", headers=moved)
    got = erlen_client.get("/protected", headers=moved)
    assert got.status_code == expected.status_code == 401
    assert comparable(set_cookies(got)["remember_token"]) == comparable(
        set_cookies(expected)["remember_token"]
    )
    assert session_of(erlen_client) == session_of(flask_client)


def test_needs_refresh_matches(protocol: str) -> None:
    flask_app, flask_client, erlen_app, erlen_client = pair(protocol)
    for app in (flask_app, erlen_app):
        app.login_manager.refresh_view = "login"
    flask_client.post("/login", data={"fresh": "0"})
    erlen_client.post("/login", data={"fresh": "0"})
    expected = flask_client.get("/fresh?x=1")
    got = erlen_client.get("/fresh?x=1")
    assert (got.status_code, got.headers["Location"]) == (
        expected.status_code,
        expected.headers["Location"],
    )
    assert erlen_client.get("/flashes").json == flask_client.get("/flashes").json
