"""erlen.ext.login: the remember-me cookie (format, flags, config keys,
tampering), session protection, and LoginClient. Both protocols."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from erlen import Erlen, jsonify, request, session
from erlen.ext.login import (
    LoginClient,
    LoginManager,
    UserMixin,
    current_user,
    decode_cookie,
    encode_cookie,
    fresh_login_required,
    login_fresh,
    login_remembered,
    login_required,
    login_user,
    logout_user,
    session_protected,
    user_loaded_from_cookie,
)
from erlen.ext.login.utils import session_identifier
from erlen.http.cookies import SetCookie, parse_set_cookie
from erlen.testing import ErlenClient

SECRET = "remember secret"


class User(UserMixin):
    def __init__(self, id: str, name: str) -> None:
        self.id = id
        self.name = name


USERS = {"1": User("1", "alice"), "7": User("7", "grace")}


def build_app(**config: Any) -> Erlen:
    app = Erlen("remember_test")
    app.config.update({"TESTING": True, "SECRET_KEY": SECRET, **config})
    manager = LoginManager(app)
    manager.user_loader(USERS.get)

    @app.post("/login")
    def login() -> str:
        form = request.form
        duration: Any = form.get("duration")
        login_user(
            USERS[form.get("user_id", "1")],
            remember=form.get("remember") == "1",
            duration=None if duration is None else timedelta(seconds=int(duration)),
        )
        return "in"

    @app.route("/logout")
    def logout() -> str:
        logout_user()
        return "out"

    @app.route("/protected")
    @login_required
    def protected() -> str:
        return f"hello {current_user.name}"

    @app.route("/fresh")
    @fresh_login_required
    def fresh() -> str:
        return "fresh"

    @app.route("/state")
    def state() -> Any:
        return jsonify(
            user=current_user.get_id(), fresh=login_fresh(), remembered=login_remembered()
        )

    @app.route("/untouched")
    def untouched() -> str:
        return "untouched"

    return app


@pytest.fixture
def app() -> Erlen:
    return build_app()


def remember_header(response: Any, name: str = "remember_token") -> SetCookie | None:
    for header in response.headers.getlist("Set-Cookie"):
        cookie = parse_set_cookie(header)
        if cookie.name == name:
            return cookie
    return None


def expected_value(user_id: str, key: str = SECRET) -> str:
    digest = hmac.new(key.encode(), user_id.encode(), hashlib.sha512).hexdigest()
    return f"{user_id}|{digest}"


@pytest.fixture
def received() -> Iterator[Callable[..., list[tuple[str, Any, dict[str, Any]]]]]:
    connected: list[tuple[Any, Any]] = []
    events: list[tuple[str, Any, dict[str, Any]]] = []

    def connect(*signals: Any) -> list[tuple[str, Any, dict[str, Any]]]:
        for signal in signals:

            def receiver(sender: Any, _name: str = signal.name, **kwargs: Any) -> None:
                events.append((_name, sender, kwargs))

            signal.connect(receiver, weak=False)
            connected.append((signal, receiver))
        return events

    yield connect
    for signal, receiver in connected:
        signal.disconnect(receiver)


# -- setting the cookie ---------------------------------------------------------------


def test_no_cookie_without_remember(client: ErlenClient) -> None:
    response = client.post("/login", data={"user_id": "1"})
    assert remember_header(response) is None
    assert client.get("/protected").text == "hello alice"
    assert remember_header(client.get("/protected")) is None


def test_remember_sets_a_signed_cookie_with_flask_login_flags(client: ErlenClient) -> None:
    before = datetime.now(UTC)
    response = client.post("/login", data={"user_id": "7", "remember": "1"})
    cookie = remember_header(response)
    assert cookie is not None
    assert cookie.value == expected_value("7")
    assert cookie.httponly is True
    assert cookie.secure is False
    assert cookie.path == "/"
    assert cookie.domain is None
    assert cookie.samesite == "Lax"
    # COMPAT(flask): Expires only, 365 days ahead.
    assert cookie.max_age is None
    assert cookie.expires is not None
    expected = before + timedelta(days=365)
    assert abs((cookie.expires - expected).total_seconds()) < 5
    # The session no longer holds the one-shot instruction.
    with client.session_transaction() as sess:
        assert "_remember" not in sess
        assert sess["_user_id"] == "7"
    # The cookie is not sent again on later requests.
    assert remember_header(client.get("/protected")) is None


def test_cookie_config_keys(protocol: str) -> None:
    app = build_app(
        REMEMBER_COOKIE_NAME="keep_me",
        REMEMBER_COOKIE_DOMAIN="example.com",
        REMEMBER_COOKIE_PATH="/app",
        REMEMBER_COOKIE_SECURE=True,
        REMEMBER_COOKIE_HTTPONLY=False,
        REMEMBER_COOKIE_SAMESITE="Strict",
        REMEMBER_COOKIE_DURATION=3600,
    )
    with app.test_client(asgi=protocol == "asgi") as client:
        before = datetime.now(UTC)
        response = client.post("/login", data={"remember": "1"})
        assert remember_header(response) is None
        cookie = remember_header(response, "keep_me")
        assert cookie is not None
        assert cookie.value == expected_value("1")
        assert (cookie.domain, cookie.path) == ("example.com", "/app")
        assert (cookie.secure, cookie.httponly, cookie.samesite) == (True, False, "Strict")
        assert cookie.expires is not None
        assert abs((cookie.expires - before - timedelta(hours=1)).total_seconds()) < 5


def test_samesite_none_sends_no_attribute(protocol: str) -> None:
    app = build_app(REMEMBER_COOKIE_SAMESITE=None)
    with app.test_client(asgi=protocol == "asgi") as client:
        response = client.post("/login", data={"remember": "1"})
        header = next(
            h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")
        )
        assert "SameSite" not in header


def test_init_app_writes_config_defaults(app: Erlen) -> None:
    assert app.config["REMEMBER_COOKIE_NAME"] == "remember_token"
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=365)
    assert app.config["REMEMBER_COOKIE_DOMAIN"] is None
    assert app.config["REMEMBER_COOKIE_PATH"] == "/"
    assert app.config["REMEMBER_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"] is False
    assert app.config["USE_SESSION_FOR_NEXT"] is False
    assert app.config["LOGIN_DISABLED"] is False
    # Values set before init_app are kept.
    kept = build_app(REMEMBER_COOKIE_NAME="mine")
    assert kept.config["REMEMBER_COOKIE_NAME"] == "mine"


def test_login_duration_overrides_config(client: ErlenClient) -> None:
    before = datetime.now(UTC)
    response = client.post("/login", data={"remember": "1", "duration": "120"})
    cookie = remember_header(response)
    assert cookie is not None and cookie.expires is not None
    assert abs((cookie.expires - before - timedelta(seconds=120)).total_seconds()) < 5
    with client.session_transaction() as sess:
        assert sess["_remember_seconds"] == 120.0


def test_bad_durations_are_clear_errors(app: Erlen) -> None:
    with app.test_request_context("/"):
        with pytest.raises(TypeError, match="duration must be"):
            login_user(USERS["1"], remember=True, duration="a week")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="duration must be"):
            login_user(USERS["1"], remember=True, duration=True)
        assert "_user_id" not in session
    app.config["REMEMBER_COOKIE_DURATION"] = "1 day"
    client = app.test_client()
    with pytest.raises(TypeError, match="REMEMBER_COOKIE_DURATION must be"):
        client.post("/login", data={"remember": "1"})


def test_secret_key_is_required_to_set_the_cookie() -> None:
    app = build_app()
    with app.test_request_context("/"):
        app.config["SECRET_KEY"] = None
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            encode_cookie("1")
        assert decode_cookie(expected_value("1")) is None


# -- logging in from the cookie -----------------------------------------------------------


def test_cookie_logs_in_a_new_session(
    app: Erlen, client: ErlenClient, received: Callable[..., Any]
) -> None:
    events = received(user_loaded_from_cookie)
    client.set_cookie("remember_token", expected_value("7"))
    assert client.get("/protected").text == "hello grace"
    assert events == [("loaded-from-cookie", app, {"user": USERS["7"]})]
    assert client.get("/state").json == {"user": "7", "fresh": False, "remembered": True}
    with client.session_transaction() as sess:
        assert sess["_user_id"] == "7"
        assert sess["_fresh"] is False
    # Restored logins are not fresh.
    assert client.get("/fresh").status_code == 401


@pytest.mark.parametrize(
    "value",
    [
        expected_value("1", key="another key"),
        "7|" + expected_value("1").split("|")[1],
        expected_value("1")[:-1] + ("0" if expected_value("1")[-1] != "0" else "1"),
        "1",
        "1|",
        "|",
        "1|zz",
        "1|\u00e9\u00e9",
        expected_value("1").upper(),
    ],
)
def test_tampered_cookie_logs_nobody_in(client: ErlenClient, value: str) -> None:
    client.set_cookie("remember_token", value)
    response = client.get("/protected")
    assert response.status_code == 401
    assert client.get("/state").json == {"user": None, "fresh": False, "remembered": False}


def test_fallback_keys_still_read_old_cookies(protocol: str) -> None:
    app = build_app(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=["old key"])
    with app.test_client(asgi=protocol == "asgi") as client:
        client.set_cookie("remember_token", expected_value("1", key="old key"))
        assert client.get("/protected").text == "hello alice"
        # New cookies use the current key.
        cookie = remember_header(client.post("/login", data={"remember": "1"}))
        assert cookie is not None and cookie.value == expected_value("1", key="new key")


def test_encode_and_decode_cookie(app: Erlen) -> None:
    with app.app_context():
        assert encode_cookie("42") == expected_value("42")
        assert decode_cookie(encode_cookie("42")) == "42"
        assert decode_cookie(encode_cookie("a|b")) == "a|b"
        assert decode_cookie(encode_cookie("42", key="other"), key="other") == "42"
        assert decode_cookie(encode_cookie("42", key="other")) is None
        assert decode_cookie(encode_cookie("42", key=b"bytes"), key="bytes") == "42"


def test_logout_clears_the_cookie(protocol: str) -> None:
    app = build_app(REMEMBER_COOKIE_DOMAIN="localhost", REMEMBER_COOKIE_PATH="/")
    with app.test_client(asgi=protocol == "asgi") as client:
        client.post("/login", data={"remember": "1"})
        response = client.get("/logout")
        cookie = remember_header(response)
        assert cookie is not None
        assert cookie.value == ""
        assert cookie.max_age == 0
        assert (cookie.domain, cookie.path) == ("localhost", "/")
        assert client.get_cookie("remember_token", domain=".localhost") is None
        assert client.get_cookie("remember_token") is None
        assert client.get("/protected").status_code == 401


def test_logout_without_cookie_sets_none(client: ErlenClient) -> None:
    client.post("/login", data={"user_id": "1"})
    response = client.get("/logout")
    assert remember_header(response) is None
    assert client.get("/protected").status_code == 401
    with client.session_transaction() as sess:
        assert not {"_user_id", "_fresh", "_id", "_remember"} & set(sess)


def test_cookie_lasts_after_the_session_ends(client: ErlenClient) -> None:
    client.post("/login", data={"remember": "1"})
    client.delete_cookie("session")
    assert client.get("/protected").text == "hello alice"


def test_refresh_each_request(protocol: str) -> None:
    app = build_app(REMEMBER_COOKIE_REFRESH_EACH_REQUEST=True)
    with app.test_client(asgi=protocol == "asgi") as client:
        client.post("/login", data={"user_id": "1", "remember": "1"})
        for path in ("/protected", "/state", "/protected"):
            cookie = remember_header(client.get(path))
            assert cookie is not None and cookie.value == expected_value("1")
        # Refreshed on the requests that load the user, not on the others.
        assert client.get("/untouched").headers.getlist("Set-Cookie") == []
        client.get("/logout")
        assert remember_header(client.get("/state")) is None
    # A login without "remember me" never gets the cookie.
    with app.test_client(asgi=protocol == "asgi") as client:
        client.post("/login", data={"user_id": "1"})
        assert remember_header(client.get("/protected")) is None


def test_untouched_requests_leave_the_session_closed(app: Erlen, client: ErlenClient) -> None:
    client.post("/login", data={"remember": "1"})
    response = client.get("/untouched")
    assert response.headers.getlist("Set-Cookie") == []
    assert response.headers.get("Vary") is None


# -- session protection ------------------------------------------------------------------


def other_agent(client: ErlenClient) -> dict[str, str]:
    return {"User-Agent": client.environ_base["HTTP_USER_AGENT"] + " (stolen)"}


def test_basic_protection_makes_a_moved_login_stale(
    app: Erlen, client: ErlenClient, received: Callable[..., Any]
) -> None:
    events = received(session_protected)
    client.post("/login", data={"user_id": "1"})
    assert client.get("/fresh").text == "fresh"
    assert events == []
    response = client.get("/fresh", headers=other_agent(client))
    assert response.status_code == 401
    assert events == [("session-protected", app, {})]
    # Still logged in, but no longer fresh.
    assert client.get("/protected").text == "hello alice"
    assert client.get("/state").json["fresh"] is False


def test_strong_protection_logs_a_moved_login_out(
    protocol: str, received: Callable[..., Any]
) -> None:
    app = build_app(SESSION_PROTECTION="strong")
    events = received(session_protected)
    with app.test_client(asgi=protocol == "asgi") as client:
        client.post("/login", data={"user_id": "1", "remember": "1"})
        response = client.get("/protected", headers=other_agent(client))
        assert response.status_code == 401
        assert len(events) == 1
        cookie = remember_header(response)
        assert cookie is not None and cookie.max_age == 0
        assert client.get("/protected").status_code == 401
        with client.session_transaction() as sess:
            assert not {"_user_id", "_fresh", "_id", "_remember", "next"} & set(sess)


def test_strong_protection_spares_permanent_sessions(protocol: str) -> None:
    app = build_app(SESSION_PROTECTION="strong")

    @app.post("/login-permanent")
    def login_permanent() -> str:
        session.permanent = True
        login_user(USERS["1"])
        return "in"

    with app.test_client(asgi=protocol == "asgi") as client:
        client.post("/login-permanent")
        response = client.get("/protected", headers=other_agent(client))
        assert response.text == "hello alice"
        assert client.get("/state").json["fresh"] is False


def test_strong_protection_keeps_a_remembered_login(protocol: str) -> None:
    app = build_app(SESSION_PROTECTION="strong")
    with app.test_client(asgi=protocol == "asgi") as client:
        client.set_cookie("remember_token", expected_value("7"))
        assert client.get("/protected").text == "hello grace"
        # The restored login is bound to this client, so it stays.
        assert client.get("/protected").text == "hello grace"
        assert client.get("/protected").text == "hello grace"


def test_protection_off(protocol: str) -> None:
    app = build_app()
    app.login_manager.session_protection = None  # type: ignore[attr-defined]
    with app.test_client(asgi=protocol == "asgi") as client:
        client.post("/login", data={"user_id": "1"})
        assert client.get("/fresh", headers=other_agent(client)).text == "fresh"


def test_protection_ignores_x_forwarded_for(client: ErlenClient) -> None:
    client.post("/login", data={"user_id": "1"})
    assert client.get("/fresh", headers={"X-Forwarded-For": "203.0.113.9"}).text == "fresh"
    moved = client.get("/fresh", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert moved.status_code == 401
    assert client.get("/state").json["fresh"] is False


def test_unknown_protection_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="'basic', 'strong' or None, not 'Strong'"):
        build_app(SESSION_PROTECTION="Strong")
    app = build_app()
    app.config["SESSION_PROTECTION"] = "sturdy"
    with app.test_request_context("/"), pytest.raises(ValueError, match="not 'sturdy'"):
        _ = current_user.is_authenticated


def test_identifier_is_flask_logins() -> None:
    # The digest Flask-Login 0.6.3 makes for this address and user agent.
    base = "b'10.0.0.1'|b'Mozilla/5.0'"
    assert (
        session_identifier("10.0.0.1", "Mozilla/5.0") == hashlib.sha512(base.encode()).hexdigest()
    )
    none = hashlib.sha512(b"None|None").hexdigest()
    assert session_identifier(None, None) == none


# -- LoginClient -------------------------------------------------------------------------


def test_login_client(protocol: str) -> None:
    app = build_app()
    app.test_client_class = LoginClient
    with app.test_client(user=USERS["7"], asgi=protocol == "asgi") as client:
        assert isinstance(client, LoginClient)
        assert client.asgi is (protocol == "asgi")
        assert client.get("/protected").text == "hello grace"
        assert client.get("/fresh").text == "fresh"
    with app.test_client(user=USERS["1"], fresh_login=False, asgi=protocol == "asgi") as client:
        assert client.get("/protected").text == "hello alice"
        assert client.get("/fresh").status_code == 401
    with app.test_client(asgi=protocol == "asgi") as client:
        assert client.get("/protected").status_code == 401


# -- server-side sessions -------------------------------------------------------------


def test_login_gives_a_server_side_session_a_new_id(protocol: str, tmp_path: Any) -> None:
    from erlen.ext.session import Session

    app = build_app(SESSION_TYPE="filesystem", SESSION_FILE_DIR=str(tmp_path))
    Session(app)

    @app.route("/cart")
    def cart() -> str:
        session["cart"] = ["book"]
        return "added"

    @app.route("/cart/show")
    def show_cart() -> str:
        return ",".join(session.get("cart", []))

    with app.test_client(asgi=protocol == "asgi") as client:
        client.get("/cart")
        before = client.get_cookie("session")
        assert before is not None
        client.post("/login", data={"user_id": "1"})
        after = client.get_cookie("session")
        assert after is not None
        # A new id after login; the data came along.
        assert after.value != before.value
        assert client.get("/protected").text == "hello alice"
        assert client.get("/cart/show").text == "book"
        # The id known before login (a fixated one) no longer logs anybody in.
        attacker = app.test_client(asgi=protocol == "asgi")
        attacker.set_cookie("session", before.value)
        assert attacker.get("/protected").status_code == 401
        attacker.close()
