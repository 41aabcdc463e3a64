"""erlen.ext.session next to the real Flask-Session 0.8.0 (the ``compare``
extra), on the same Redis: the cookie must look the same, and a session
written by one must be readable by the other (JSON format)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from erlen import Erlen, session
from erlen.ext.session import Session
from erlen.http.headers import parse_date

flask = pytest.importorskip("flask")
flask_session = pytest.importorskip("flask_session")

COOKIE_CONFIG: dict[str, Any] = {
    "SESSION_COOKIE_NAME": "sid",
    "SESSION_COOKIE_DOMAIN": "example.test",
    "SESSION_COOKIE_PATH": "/",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Strict",
    "PERMANENT_SESSION_LIFETIME": 3600,
}


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def make_flask_app(redis_client: Any, prefix: str, **config: Any) -> Any:
    app = flask.Flask("flask_side")
    app.config.update(
        SECRET_KEY="shared secret",
        SESSION_TYPE="redis",
        SESSION_REDIS=redis_client,
        SESSION_KEY_PREFIX=prefix,
        **config,
    )
    with warnings.catch_warnings():
        # Flask-Session 0.8 deprecates SESSION_USE_SIGNER; erlen keeps it.
        warnings.simplefilter("ignore", DeprecationWarning)
        flask_session.Session(app)

    @app.post("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        flask.session[key] = value
        return "ok"

    @app.get("/peek/<key>")
    def peek(key: str) -> Any:
        return {"value": flask.session.get(key)}

    @app.post("/clear")
    def clear() -> str:
        flask.session.clear()
        return "ok"

    return app


def make_erlen_app(redis_client: Any, prefix: str, **config: Any) -> Erlen:
    app = Erlen("erlen_side")
    app.config.update(
        SECRET_KEY="shared secret",
        SESSION_TYPE="redis",
        SESSION_REDIS=redis_client,
        SESSION_KEY_PREFIX=prefix,
        **config,
    )
    Session(app)

    @app.post("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        session[key] = value
        return "ok"

    @app.get("/peek/<key>")
    def peek(key: str) -> Any:
        return {"value": session.get(key)}

    @app.post("/clear")
    def clear() -> str:
        session.clear()
        return "ok"

    return app


def attributes(header: str) -> tuple[str, dict[str, str]]:
    """The cookie's name and its attributes (lower-cased names), without the value."""
    first, *rest = (part.strip() for part in header.split(";"))
    name = first.split("=", 1)[0]
    attrs = {}
    for part in rest:
        key, _, value = part.partition("=")
        attrs[key.lower()] = value
    return name, attrs


def test_cookie_on_write_matches_flask_session(
    redis_client: Any, redis_prefix: str, protocol: str
) -> None:
    flask_app = make_flask_app(redis_client, redis_prefix + "f:", **COOKIE_CONFIG)
    erlen_app = make_erlen_app(redis_client, redis_prefix + "e:", **COOKIE_CONFIG)
    theirs = flask_app.test_client().post("/set/a/1", base_url="https://example.test")
    ours = erlen_app.test_client(asgi=protocol == "asgi").post(
        "/set/a/1", base_url="https://example.test"
    )
    (their_header,) = theirs.headers.getlist("Set-Cookie")
    (our_header,) = ours.headers.getlist("Set-Cookie")
    their_name, their_attrs = attributes(their_header)
    our_name, our_attrs = attributes(our_header)
    assert our_name == their_name == "sid"
    their_expires = parse_date(their_attrs.pop("expires"))
    our_expires = parse_date(our_attrs.pop("expires"))
    assert their_expires is not None and our_expires is not None
    assert abs((our_expires - their_expires).total_seconds()) < 5
    assert abs((our_expires - datetime.now(UTC)).total_seconds() - 3600) < 5
    assert our_attrs == their_attrs
    assert ours.headers["Vary"] == theirs.headers["Vary"] == "Cookie"
    # The same kind of id: secrets.token_urlsafe(32).
    their_value = their_header.split(";")[0].split("=", 1)[1]
    our_value = our_header.split(";")[0].split("=", 1)[1]
    assert len(our_value) == len(their_value) == 43


def test_cookie_on_clear_matches_flask_session(
    redis_client: Any, redis_prefix: str, protocol: str
) -> None:
    results = []
    for app, kwargs in (
        (make_flask_app(redis_client, redis_prefix + "f:", **COOKIE_CONFIG), {}),
        (
            make_erlen_app(redis_client, redis_prefix + "e:", **COOKIE_CONFIG),
            {"asgi": protocol == "asgi"},
        ),
    ):
        client = app.test_client(**kwargs)
        written = client.post("/set/a/1", base_url="https://example.test")
        cookie = written.headers["Set-Cookie"].split(";")[0]
        cleared = client.post("/clear", base_url="https://example.test", headers={"Cookie": cookie})
        (header,) = cleared.headers.getlist("Set-Cookie")
        results.append((cleared.status_code, attributes(header), cleared.headers["Vary"]))
    (their_status, (their_name, theirs), their_vary), (our_status, (our_name, ours), our_vary) = (
        results
    )
    assert our_status == their_status == 200
    assert our_name == their_name == "sid"
    assert our_vary == their_vary == "Cookie"
    for key in ("max-age", "expires", "path", "domain"):
        assert ours[key] == theirs[key], key
    assert ours["max-age"] == "0"
    # COMPAT(flask-session): erlen also repeats Secure/HttpOnly/SameSite on the
    # deletion, as Flask's own cookie session does; browsers need Secure to
    # overwrite a Secure cookie.
    assert "secure" in ours


@pytest.mark.parametrize("use_signer", [False, True])
def test_sessions_move_between_flask_session_and_erlen(
    redis_client: Any, redis_prefix: str, protocol: str, use_signer: bool
) -> None:
    """Flask-Session with the JSON format and erlen share sessions: an app can
    move over without logging its users out."""
    config = {"SESSION_USE_SIGNER": use_signer, "SESSION_SERIALIZATION_FORMAT": "json"}
    flask_app = make_flask_app(redis_client, redis_prefix, **config)
    erlen_app = make_erlen_app(redis_client, redis_prefix, **config)
    flask_client = flask_app.test_client()
    flask_client.post("/set/user/ada")
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    assert ("." in cookie.value) is use_signer

    erlen_client = erlen_app.test_client(asgi=protocol == "asgi")
    erlen_client.set_cookie("session", cookie.value)
    assert erlen_client.get("/peek/user").json == {"value": "ada"}
    erlen_client.post("/set/role/admin")
    ours = erlen_client.get_cookie("session")
    assert ours is not None

    back = flask_app.test_client()
    back.set_cookie("session", ours.value)
    assert back.get("/peek/user").json == {"value": "ada"}
    assert back.get("/peek/role").json == {"value": "admin"}
