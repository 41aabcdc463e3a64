"""erlen.ext.session: server-side sessions, the same behaviour on every store.

Each test here runs on Redis, on files and on PostgreSQL (real services),
and on both protocols (WSGI and ASGI). Store-specific behaviour is in
test_session_backends.py; the comparison with Flask-Session in
test_session_flask_compat.py.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from markupsafe import Markup

from erlen import Erlen, session
from erlen.ext.session import (
    FileSystemSessionInterface,
    RedisSessionInterface,
    ServerSideSession,
    ServerSideSessionInterface,
    Session,
    SessionStoreUnavailable,
    SqlAlchemySessionInterface,
)
from erlen.testing import ErlenClient

BACKENDS = ("redis", "filesystem", "sqlalchemy")
MakeClient = Callable[..., ErlenClient]


# -- fixtures -------------------------------------------------------------------


class Store:
    """Direct access to a backend's records, bypassing the session interface,
    as an operator (or a test) on the server would have."""

    def __init__(self, kind: str, app: Erlen, native: Any) -> None:
        self.kind = kind
        self.app = app
        self.native = native  # the redis client, the file directory, or the engine

    @property
    def interface(self) -> ServerSideSessionInterface:
        interface = self.app.session_interface
        assert isinstance(interface, ServerSideSessionInterface)
        return interface

    def key(self, sid: str) -> str:
        return self.interface.store_id(sid)

    def exists(self, sid: str) -> bool:
        key = self.key(sid)
        if self.kind == "redis":
            return bool(self.native.exists(key))
        if self.kind == "filesystem":
            interface = self.interface
            assert isinstance(interface, FileSystemSessionInterface)
            return os.path.exists(interface.path_for(key))
        import sqlalchemy as sa

        with self.native.connect() as conn:
            count = conn.execute(
                sa.text("SELECT count(*) FROM sessions WHERE session_id = :k"), {"k": key}
            ).scalar_one()
        return bool(count)

    def remove(self, sid: str) -> None:
        """Delete a session's record on the server (a forced logout)."""
        key = self.key(sid)
        if self.kind == "redis":
            assert self.native.delete(key) == 1
        elif self.kind == "filesystem":
            interface = self.interface
            assert isinstance(interface, FileSystemSessionInterface)
            os.unlink(interface.path_for(key))
        else:
            import sqlalchemy as sa

            with self.native.begin() as conn:
                result = conn.execute(
                    sa.text("DELETE FROM sessions WHERE session_id = :k"), {"k": key}
                )
            assert result.rowcount == 1

    def count(self) -> int:
        if self.kind == "redis":
            return len(list(self.native.scan_iter(match=self.interface.key_prefix + "*")))
        if self.kind == "filesystem":
            return len([n for n in os.listdir(self.native) if not n.startswith(".tmp-")])
        import sqlalchemy as sa

        with self.native.connect() as conn:
            if not sa.inspect(conn).has_table("sessions"):
                return 0
            return int(conn.execute(sa.text("SELECT count(*) FROM sessions")).scalar_one())


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def configure(app: Erlen, backend: str, request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    """Point ``app`` at a fresh store of ``backend``; return its native handle."""
    if backend == "redis":
        import redis

        url = request.getfixturevalue("redis_url")
        client = redis.Redis.from_url(url)
        request.addfinalizer(client.close)
        app.config.update(
            SESSION_TYPE="redis",
            SESSION_REDIS=client,
            SESSION_KEY_PREFIX=request.getfixturevalue("redis_prefix"),
        )
        return client
    if backend == "filesystem":
        directory = str(tmp_path / "sessions")
        app.config.update(SESSION_TYPE="filesystem", SESSION_FILE_DIR=directory)
        return directory
    import sqlalchemy as sa

    engine = sa.create_engine(request.getfixturevalue("postgres_url"))
    request.addfinalizer(engine.dispose)
    app.config.update(SESSION_TYPE="sqlalchemy", SESSION_SQLALCHEMY=engine)
    return engine


@pytest.fixture
def make_app(
    backend: str, request: pytest.FixtureRequest, tmp_path: Any
) -> Callable[..., tuple[Erlen, Store]]:
    """Build an app with server-side sessions on ``backend``, after ``config``."""

    def make(**config: Any) -> tuple[Erlen, Store]:
        app = Erlen("session_app")
        app.config.update(TESTING=True, SECRET_KEY="test secret key")
        native = configure(app, backend, request, tmp_path)
        app.config.update(config)
        Session(app)
        add_views(app)
        return app, Store(backend, app, native)

    return make


@pytest.fixture
def app_store(make_app: Callable[..., tuple[Erlen, Store]]) -> tuple[Erlen, Store]:
    return make_app()


@pytest.fixture
def app(app_store: tuple[Erlen, Store]) -> Erlen:
    return app_store[0]


@pytest.fixture
def store(app_store: tuple[Erlen, Store]) -> Store:
    return app_store[1]


def add_views(app: Erlen) -> None:
    @app.post("/set/<key>/<value>")
    def set_value(key: str, value: str) -> Any:
        session[key] = value
        return {"sid": session.sid}

    @app.post("/aset/<key>/<value>")
    async def async_set_value(key: str, value: str) -> Any:
        session[key] = value
        return {"sid": session.sid}

    @app.get("/get")
    def get_all() -> Any:
        return {"data": dict(session), "sid": session.sid, "new": session.new}

    @app.get("/aget")
    async def async_get_all() -> Any:
        return {"data": dict(session), "sid": session.sid, "new": session.new}

    @app.get("/peek/<key>")
    def peek(key: str) -> Any:
        return {"value": session.get(key)}

    @app.get("/untouched")
    def untouched() -> str:
        return "no session here"

    @app.post("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.post("/login/<user>")
    def login(user: str) -> Any:
        old = session.sid
        session.regenerate()
        session["user"] = user
        return {"old": old, "new": session.sid}

    @app.post("/alogin/<user>")
    async def async_login(user: str) -> Any:
        old = session.sid
        session.regenerate()
        session["user"] = user
        return {"old": old, "new": session.sid}


def cookie_sid(client: ErlenClient, name: str = "session") -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name!r} cookie in the client"
    return cookie.value


def set_cookie_headers(response: Any) -> list[str]:
    return list(response.headers.getlist("Set-Cookie"))


# -- the basics ---------------------------------------------------------------


def test_data_is_stored_on_the_server_and_the_cookie_holds_only_the_id(
    client: ErlenClient, store: Store
) -> None:
    response = client.post("/set/user/ada-lovelace")
    assert response.status_code == 200
    sid = response.json["sid"]
    assert cookie_sid(client) == sid
    assert "ada" not in "".join(set_cookie_headers(response))
    assert len(sid) == 43  # secrets.token_urlsafe(32)
    assert store.exists(sid)
    assert client.get("/get").json == {"data": {"_permanent": True, "user": "ada-lovelace"},
                                       "sid": sid, "new": False}  # fmt: skip


def test_async_views_read_and_write_the_same_session(client: ErlenClient) -> None:
    sid = client.post("/aset/a/1").json["sid"]
    client.post("/set/b/2")
    assert client.get("/aget").json["data"] == {"_permanent": True, "a": "1", "b": "2"}
    assert client.get("/get").json["sid"] == sid


def test_reading_a_new_session_writes_nothing(client: ErlenClient, store: Store) -> None:
    response = client.get("/get")
    assert response.json["new"] is True
    assert set_cookie_headers(response) == []
    assert response.headers["Vary"] == "Cookie"
    assert store.count() == 0


def test_a_request_without_the_cookie_never_reaches_the_store(
    client: ErlenClient, store: Store
) -> None:
    spy = Spy(store.interface)
    response = client.get("/untouched")
    assert set_cookie_headers(response) == []
    assert "Vary" not in response.headers
    assert spy.calls == []


def test_a_request_that_never_touches_the_session_still_refreshes_it(
    client: ErlenClient, store: Store
) -> None:
    # As with Flask-Session: a permanent session's expiry moves forward on
    # every request that carries its cookie, also one whose view ignores it.
    client.post("/set/a/1")
    sid = cookie_sid(client)
    spy = Spy(store.interface)
    response = client.get("/untouched")
    assert spy.calls == ["touch"]
    (header,) = set_cookie_headers(response)
    assert header.startswith(f"session={sid};") and "Expires=" in header
    assert response.headers["Vary"] == "Cookie"


def test_without_refresh_each_request_an_untouched_session_is_never_loaded(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, store = make_app(SESSION_REFRESH_EACH_REQUEST=False)
    client = make_client(app)
    client.post("/set/a/1")
    opened: list[str] = []
    original = store.interface.open_session

    def open_session(*args: Any) -> Any:
        opened.append("open")
        return original(*args)

    store.interface.open_session = open_session  # type: ignore[method-assign]
    response = client.get("/untouched")
    assert opened == []
    assert set_cookie_headers(response) == []
    assert "Vary" not in response.headers


def test_each_client_gets_its_own_session(app: Erlen, make_client: MakeClient) -> None:
    alice, bob = make_client(), make_client()
    alice.post("/set/name/alice")
    bob.post("/set/name/bob")
    assert alice.get("/peek/name").json == {"value": "alice"}
    assert bob.get("/peek/name").json == {"value": "bob"}
    assert cookie_sid(alice) != cookie_sid(bob)


def test_tagged_json_types_survive_the_store(app: Erlen, client: ErlenClient) -> None:
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    ident = uuid.uuid4()

    @app.post("/typed")
    def typed() -> str:
        session["values"] = {
            "tuple": (1, 2),
            "bytes": b"\x00\xff",
            "when": when,
            "uuid": ident,
            "markup": Markup("<b>hi</b>"),
        }
        return "ok"

    @app.get("/typed")
    def read_typed() -> str:
        values = session["values"]
        assert values == {
            "tuple": (1, 2),
            "bytes": b"\x00\xff",
            "when": when,
            "uuid": ident,
            "markup": Markup("<b>hi</b>"),
        }
        assert isinstance(values["markup"], Markup)
        return "same"

    client.post("/typed")
    assert client.get("/typed").text == "same"


def test_a_change_inside_a_mutable_value_needs_modified(app: Erlen, client: ErlenClient) -> None:
    @app.post("/cart/<item>")
    def add_to_cart(item: str) -> str:
        session.setdefault("cart", [])
        session["cart"].append(item)
        if item == "flagged":
            session.modified = True
        return "ok"

    @app.get("/cart")
    def cart() -> Any:
        return {"cart": session.get("cart")}

    client.post("/cart/first")  # setdefault saves the new list, with its item
    client.post("/cart/lost")  # only mutated in place: not saved
    assert client.get("/cart").json == {"cart": ["first"]}
    client.post("/cart/flagged")
    assert client.get("/cart").json == {"cart": ["first", "flagged"]}


def test_a_value_that_is_not_json_able_is_an_error_not_a_503(
    app: Erlen, client: ErlenClient
) -> None:
    @app.post("/bad")
    def bad() -> str:
        session["x"] = object()
        return "ok"

    with pytest.raises(TypeError):
        client.post("/bad")


# -- writing only when needed ---------------------------------------------------


class Spy:
    def __init__(self, interface: ServerSideSessionInterface) -> None:
        self.calls: list[str] = []
        for name in ("store", "touch", "delete"):
            original = getattr(interface, name)
            setattr(interface, name, self.wrap(name, original))

    def wrap(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def spy(*args: Any) -> Any:
            self.calls.append(name)
            return original(*args)

        return spy


def test_unchanged_session_is_not_rewritten_only_refreshed(
    client: ErlenClient, store: Store
) -> None:
    client.post("/set/a/1")
    spy = Spy(store.interface)
    response = client.get("/peek/a")
    assert response.json == {"value": "1"}
    assert spy.calls == ["touch"]
    # A permanent session's cookie is re-sent with a later expiry.
    assert len(set_cookie_headers(response)) == 1
    client.post("/set/a/2")
    assert spy.calls == ["touch", "store"]


def test_without_refresh_each_request_a_read_touches_nothing(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, store = make_app(SESSION_REFRESH_EACH_REQUEST=False)
    client = make_client(app)
    client.post("/set/a/1")
    spy = Spy(store.interface)
    response = client.get("/peek/a")
    assert response.json == {"value": "1"}
    assert spy.calls == []
    assert set_cookie_headers(response) == []


def test_permanent_session_cookie_expires_after_the_lifetime(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, _ = make_app(PERMANENT_SESSION_LIFETIME=timedelta(hours=2))
    client = make_client(app)
    before = datetime.now(UTC)
    client.post("/set/a/1")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    expected = before + timedelta(hours=2)
    assert abs((cookie.expires - expected).total_seconds()) < 5


def test_session_permanent_false_gives_a_browser_session_cookie(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, store = make_app(SESSION_PERMANENT=False)
    client = make_client(app)
    response = client.post("/set/a/1")
    header = set_cookie_headers(response)[0]
    assert "Expires" not in header and "Max-Age" not in header
    assert client.get("/get").json["data"] == {"a": "1"}
    # The server still expires it; the unchanged session's cookie is not re-sent.
    assert set_cookie_headers(client.get("/peek/a")) == []
    assert store.exists(cookie_sid(client))


def test_a_view_can_make_the_session_permanent(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, _ = make_app(SESSION_PERMANENT=False)

    @app.post("/remember")
    def remember() -> str:
        session.permanent = True
        session["user"] = "ada"
        return "ok"

    client = make_client(app)
    response = client.post("/remember")
    assert "Expires=" in set_cookie_headers(response)[0]
    assert client.get("/get").json["data"] == {"_permanent": True, "user": "ada"}


# -- ending sessions ------------------------------------------------------------


def test_clearing_the_session_deletes_the_record_and_the_cookie(
    client: ErlenClient, store: Store
) -> None:
    sid = client.post("/set/user/ada").json["sid"]
    response = client.post("/clear")
    headers = set_cookie_headers(response)
    assert len(headers) == 1
    assert headers[0].startswith("session=;")
    assert "Max-Age=0" in headers[0]
    assert response.headers["Vary"] == "Cookie"
    assert not store.exists(sid)
    assert client.get_cookie("session") is None
    assert client.get("/get").json["data"] == {"_permanent": True}


def test_deleting_the_record_on_the_server_logs_the_user_out(
    client: ErlenClient, store: Store
) -> None:
    """Forced logout (the notes' §2.11.2): the server drops the session."""
    sid = client.post("/set/user/ada").json["sid"]
    store.remove(sid)
    response = client.get("/get")
    assert response.json["data"] == {"_permanent": True}
    assert response.json["new"] is True
    # The old id is never reused: the next write gets a fresh one.
    assert client.post("/set/user/eve").json["sid"] != sid
    assert not store.exists(sid)


def test_a_forced_logout_during_a_request_is_not_undone_by_its_refresh(
    app: Erlen, client: ErlenClient, store: Store
) -> None:
    @app.get("/slow-read")
    def slow_read() -> Any:
        value = session.get("user")
        store.remove(session.sid)  # an admin logs the user out meanwhile
        return {"value": value}

    client.post("/set/user/ada")
    assert client.get("/slow-read").json == {"value": "ada"}
    assert client.get("/peek/user").json == {"value": None}


# -- ids ------------------------------------------------------------------------


def test_an_unknown_id_gets_a_new_session_under_a_fresh_id(
    client: ErlenClient, store: Store
) -> None:
    planted = "A" * 43
    client.set_cookie("session", planted)
    response = client.post("/set/user/victim")
    assert response.status_code == 200
    sid = response.json["sid"]
    assert sid != planted
    assert cookie_sid(client) == sid
    assert not store.exists(planted)


@pytest.mark.parametrize(
    "value",
    ["../../../etc/passwd", "x" * 3000, "short", "a.b.c", "%00", "é" * 20, "A" * 600],
)
def test_a_malformed_id_reads_as_an_empty_session(client: ErlenClient, value: str) -> None:
    client.set_cookie("session", value)
    response = client.get("/get")
    assert response.status_code == 200
    assert response.json["data"] == {"_permanent": True}
    assert response.json["sid"] != value


def test_regenerate_moves_the_data_to_a_new_id_and_deletes_the_old(
    client: ErlenClient, store: Store
) -> None:
    before = client.post("/set/cart/3-items").json["sid"]
    ids = client.post("/login/ada").json
    assert ids["old"] == before
    assert ids["new"] != before
    assert cookie_sid(client) == ids["new"]
    assert not store.exists(before)
    assert store.exists(ids["new"])
    data = client.get("/get").json["data"]
    assert data == {"_permanent": True, "cart": "3-items", "user": "ada"}


def test_regenerate_in_an_async_view(client: ErlenClient, store: Store) -> None:
    before = client.post("/aset/a/1").json["sid"]
    ids = client.post("/alogin/bob").json
    assert not store.exists(before)
    assert cookie_sid(client) == ids["new"]
    assert client.get("/aget").json["data"]["user"] == "bob"


def test_regenerate_through_the_interface(app: Erlen, client: ErlenClient, store: Store) -> None:
    @app.post("/rotate")
    def rotate() -> Any:
        app.session_interface.regenerate(session)  # type: ignore[attr-defined]
        return {"sid": session.sid}

    before = client.post("/set/a/1").json["sid"]
    after = client.post("/rotate").json["sid"]
    assert after != before
    assert not store.exists(before)
    assert store.exists(after)


def test_signed_ids(make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient) -> None:
    app, store = make_app(SESSION_USE_SIGNER=True)
    client = make_client(app)
    sid = client.post("/set/a/1").json["sid"]
    value = cookie_sid(client)
    assert value.startswith(sid + ".")
    assert client.get("/peek/a").json == {"value": "1"}
    # The bare id, or a forged signature, is refused. The changed character
    # is one of the signature's full 6-bit digits: the last one carries
    # unused bits (changing them can decode to the same bytes, a flake of
    # one run in ~256 when this test changed the last two).
    changed = "B" if value[-5] == "A" else "A"
    for forged in (sid, sid + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA", value[:-5] + changed + value[-4:]):
        client.set_cookie("session", forged)
        assert client.get("/peek/a").json == {"value": None}
    assert store.exists(sid)


def test_signed_ids_need_a_secret_key(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, _ = make_app(SESSION_USE_SIGNER=True, SECRET_KEY=None)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        make_client(app).post("/set/a/1")


def test_signed_ids_accept_fallback_keys(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, _ = make_app(SESSION_USE_SIGNER=True, SECRET_KEY="old key")
    client = make_client(app)
    client.post("/set/a/1")
    signed_with_old = cookie_sid(client)
    app.config.update(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=["old key"])
    assert client.get("/peek/a").json == {"value": "1"}
    # The refreshed cookie is signed with the current key.
    signed_with_new = cookie_sid(client)
    assert signed_with_new != signed_with_old
    app.config.update(SECRET_KEY_FALLBACKS=[])
    assert client.get("/peek/a").json == {"value": "1"}
    client.set_cookie("session", signed_with_old)
    assert client.get("/peek/a").json == {"value": None}


def test_unsigned_ids_work_without_a_secret_key(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, _ = make_app(SECRET_KEY=None)
    client = make_client(app)
    client.post("/set/a/1")
    assert client.get("/peek/a").json == {"value": "1"}


def test_id_length_is_configurable(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, _ = make_app(SESSION_ID_LENGTH=48)
    client = make_client(app)
    assert len(client.post("/set/a/1").json["sid"]) == 64


# -- the cookie -------------------------------------------------------------------


def test_cookie_flags_follow_the_session_cookie_config(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, _ = make_app(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
    )
    client = make_client(app)
    response = client.post("/set/a/1", base_url="https://example.test")
    (header,) = set_cookie_headers(response)
    parts = [p.strip() for p in header.split(";")]
    assert parts[0].startswith("sid=")
    assert {"Domain=example.test", "Path=/app", "Secure", "HttpOnly", "SameSite=Strict",
            "Partitioned"} <= set(parts)  # fmt: skip
    cleared = set_cookie_headers(
        client.post("/clear", base_url="https://example.test", headers={"Cookie": parts[0]})
    )
    assert len(cleared) == 1
    assert cleared[0].startswith("sid=;")
    assert {"Domain=example.test", "Path=/app", "Secure", "Max-Age=0"} <= {
        p.strip() for p in cleared[0].split(";")
    }


def test_default_cookie_flags(client: ErlenClient) -> None:
    (header,) = set_cookie_headers(client.post("/set/a/1"))
    parts = {p.strip() for p in header.split(";")}
    assert {"HttpOnly", "Path=/", "SameSite=Lax"} <= parts
    assert "Secure" not in parts and "Partitioned" not in parts
    assert not any(p.startswith("Domain=") for p in parts)


def test_cookie_httponly_and_samesite_can_be_turned_off(
    make_app: Callable[..., tuple[Erlen, Store]], make_client: MakeClient
) -> None:
    app, _ = make_app(SESSION_COOKIE_HTTPONLY=False, SESSION_COOKIE_SAMESITE=None)
    (header,) = set_cookie_headers(make_client(app).post("/set/a/1"))
    assert "HttpOnly" not in header and "SameSite" not in header


# -- the store being down -----------------------------------------------------------


@pytest.fixture
def broken(backend: str, request: pytest.FixtureRequest, tmp_path: Any) -> Callable[[Erlen], None]:
    """Make ``app``'s store unreachable, the way it fails in production."""

    def breaker(app: Erlen) -> None:
        interface = app.session_interface
        if backend == "redis":
            import redis

            assert isinstance(interface, RedisSessionInterface)
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            dead = redis.Redis(port=1, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
            request.addfinalizer(dead.close)
            interface.client = dead
        elif backend == "filesystem":
            assert isinstance(interface, FileSystemSessionInterface)
            shutil.rmtree(interface.cache_dir)
            with open(interface.cache_dir, "w") as file:  # the disk is gone
                file.write("not a directory")
        else:
            import sqlalchemy as sa

            assert isinstance(interface, SqlAlchemySessionInterface)
            dead_engine = sa.create_engine(
                "postgresql+psycopg://postgres@127.0.0.1:1/test",
                connect_args={"connect_timeout": 2},
            )
            request.addfinalizer(dead_engine.dispose)
            interface._engine = None
            interface.client = dead_engine

    return breaker


def test_store_down_while_saving_answers_503_and_logs(
    app: Erlen,
    client: ErlenClient,
    broken: Callable[[Erlen], None],
    caplog: pytest.LogCaptureFixture,
    backend: str,
) -> None:
    broken(app)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = client.post("/set/user/ada")
    assert response.status_code == 503
    assert "session store is temporarily unavailable" in response.text
    assert "could not be saved" in response.text
    assert set_cookie_headers(response) == []
    assert response.headers["Cache-Control"] == "no-store"
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        f"The {backend} session store is unavailable while saving a session" in m for m in messages
    ), messages


def test_store_down_while_saving_a_streamed_response(
    app: Erlen, client: ErlenClient, broken: Callable[[Erlen], None]
) -> None:
    class Body:
        closed = False

        def __iter__(self) -> Iterator[str]:
            yield "secret "
            yield "page"

        def close(self) -> None:
            self.closed = True

    body = Body()

    @app.post("/stream")
    def stream() -> Any:
        session["seen"] = True
        return app.response_class(body, headers={"X-Custom": "1", "Set-Cookie": "other=1"})

    broken(app)
    response = client.post("/stream")
    assert response.status_code == 503
    assert "secret" not in response.text
    assert "X-Custom" not in response.headers
    assert set_cookie_headers(response) == []
    assert response.headers["Content-Type"].startswith("text/html")
    assert int(response.headers["Content-Length"]) == len(response.data)
    response.close()
    assert body.closed  # the view's body is still closed with the response


def test_store_down_while_loading_answers_503_and_logs(
    app: Erlen,
    client: ErlenClient,
    broken: Callable[[Erlen], None],
    caplog: pytest.LogCaptureFixture,
    backend: str,
) -> None:
    client.post("/set/user/ada")
    broken(app)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = client.get("/aget")
    assert response.status_code == 503
    assert "could not be loaded" in response.text
    assert set_cookie_headers(response) == []
    assert any(
        f"The {backend} session store is unavailable while loading a session" in r.getMessage()
        for r in caplog.records
    )


def test_store_down_fails_only_requests_that_use_the_session(
    app: Erlen, client: ErlenClient, broken: Callable[[Erlen], None]
) -> None:
    client.post("/set/a/1")
    sid = cookie_sid(client)
    broken(app)
    # The cookie is sent (and under ASGI the session preloaded), but the view
    # never uses the session: it succeeds, and the cookie is left alone.
    response = client.get("/untouched")
    assert response.status_code == 200
    assert set_cookie_headers(response) == []
    assert cookie_sid(client) == sid
    # A new visitor (no cookie) who only reads gets an empty session, no 503.
    client.delete_cookie("session")
    assert client.get("/get").status_code == 200


def test_store_down_on_open_can_be_handled_by_an_errorhandler(
    app: Erlen, client: ErlenClient, broken: Callable[[Erlen], None]
) -> None:
    @app.errorhandler(SessionStoreUnavailable)
    def unavailable(error: SessionStoreUnavailable) -> Any:
        return {"error": "try later"}, 503, {"Retry-After": "5"}

    client.post("/set/a/1")
    broken(app)
    response = client.get("/get")
    assert response.status_code == 503
    assert response.json == {"error": "try later"}
    assert response.headers["Retry-After"] == "5"


# -- threads, the test client, setup ----------------------------------------------------


def test_many_threads_share_one_interface(app: Erlen, protocol: str) -> None:
    errors: list[BaseException] = []

    def user(n: int) -> None:
        try:
            with app.test_client(asgi=protocol == "asgi") as client:
                for step in range(5):
                    client.post(f"/set/n/{n}-{step}")
                    assert client.get("/peek/n").json == {"value": f"{n}-{step}"}
        except BaseException as error:  # reported below, from the main thread
            errors.append(error)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_session_transaction(app: Erlen, client: ErlenClient, store: Store) -> None:
    with client.session_transaction() as sess:
        assert isinstance(sess, ServerSideSession)
        sess["user"] = "prepared"
    assert store.exists(cookie_sid(client))
    assert client.get("/peek/user").json == {"value": "prepared"}
    with client.session_transaction() as sess:
        assert sess["user"] == "prepared"


def test_init_app_and_extension_state(
    backend: str, request: pytest.FixtureRequest, tmp_path: Any, make_client: MakeClient
) -> None:
    ext = Session()
    app = Erlen("factory")
    app.config.update(TESTING=True)
    configure(app, backend, request, tmp_path)
    ext.init_app(app)
    add_views(app)
    interface = app.session_interface
    assert app.extensions["session"] is interface
    assert isinstance(interface, ServerSideSessionInterface)
    assert interface.blocking_io is True
    assert interface.preload_session is True
    assert app.config["SESSION_PERMANENT"] is True
    assert app.config["SESSION_KEY_PREFIX"] in ("session:", interface.key_prefix)
    client = make_client(app)
    client.post("/set/a/1")
    assert client.get("/peek/a").json == {"value": "1"}


def test_a_corrupt_record_gives_a_new_session(
    app: Erlen, client: ErlenClient, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    sid = client.post("/set/a/1").json["sid"]
    interface = store.interface
    interface.store(interface.store_id(sid), b"\xff not json", timedelta(hours=1))
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        response = client.get("/get")
    assert response.status_code == 200
    assert response.json["data"] == {"_permanent": True}
    assert response.json["sid"] != sid
    assert any("not a session" in r.getMessage() for r in caplog.records)


# -- the brief's example (§2.9.6), imports changed only ------------------------------------


@pytest.fixture
def cleanup_default_prefix(redis_url: str) -> Iterator[list[str]]:
    import redis

    created: list[str] = []
    yield created
    client = redis.Redis.from_url(redis_url)
    try:
        for sid in created:
            client.delete("session:" + sid)
    finally:
        client.close()


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_brief_example(cleanup_default_prefix: list[str], protocol: str) -> None:
    import redis

    from erlen import Erlen
    from erlen.ext.session import Session

    app = Erlen(__name__)
    app.config["SESSION_TYPE"] = "redis"  # 使用 Redis 存储
    app.config["SESSION_REDIS"] = redis.from_url("redis://localhost:6379")  # Redis 连接
    Session(app)

    @app.route("/login", methods=["POST"])
    def login() -> str:
        session["user"] = "ada"
        return "in"

    @app.route("/me")
    def me() -> str:
        return str(session.get("user"))

    client = app.test_client(asgi=protocol == "asgi")
    client.post("/login")
    sid = cookie_sid(client)
    cleanup_default_prefix.append(sid)
    assert isinstance(app.session_interface, RedisSessionInterface)
    raw = app.config["SESSION_REDIS"]
    assert raw.get("session:" + sid) is not None
    ttl = raw.ttl("session:" + sid)
    assert timedelta(days=31).total_seconds() - 10 < ttl <= timedelta(days=31).total_seconds()
    assert client.get("/me").text == "ada"
    raw.delete("session:" + sid)  # forced logout
    assert client.get("/me").text == "None"
    raw.close()


# -- configuration errors ----------------------------------------------------------------


@pytest.mark.parametrize("kind", [None, "", "null"])
def test_no_session_type_is_a_clear_error(kind: Any) -> None:
    app = Erlen("x")
    if kind is not None:
        app.config["SESSION_TYPE"] = kind
    with pytest.raises(ValueError, match=r"SESSION_TYPE .*needs a store"):
        Session(app)


@pytest.mark.parametrize("kind", ["memcached", "mongodb", "cachelib", "dynamodb", "nope"])
def test_unsupported_session_types(kind: str) -> None:
    app = Erlen("x")
    app.config["SESSION_TYPE"] = kind
    with pytest.raises(ValueError, match=r"Unrecognized value for SESSION_TYPE.*'redis'"):
        Session(app)


def test_session_type_is_case_insensitive(tmp_path: Any) -> None:
    app = Erlen("x")
    app.config.update(SESSION_TYPE="FileSystem", SESSION_FILE_DIR=str(tmp_path))
    Session(app)
    assert isinstance(app.session_interface, FileSystemSessionInterface)


@pytest.mark.parametrize(
    ("config", "error", "match"),
    [
        ({"SESSION_SERIALIZATION_FORMAT": "msgpack"}, ValueError, "tagged JSON"),
        ({"SESSION_ID_LENGTH": 8}, ValueError, "too short"),
        ({"SESSION_ID_LENGTH": "32"}, TypeError, "must be an int"),
        ({"SESSION_CLEANUP_N_REQUESTS": 0}, ValueError, "positive int"),
        ({"SESSION_FILE_THRESHOLD": -1}, ValueError, "SESSION_FILE_THRESHOLD"),
        ({"SESSION_FILE_MODE": 0o10000}, ValueError, "SESSION_FILE_MODE"),
    ],
)
def test_invalid_options_fail_at_setup(
    tmp_path: Any, config: dict[str, Any], error: type[Exception], match: str
) -> None:
    app = Erlen("x")
    app.config.update(SESSION_TYPE="filesystem", SESSION_FILE_DIR=str(tmp_path), **config)
    with pytest.raises(error, match=match):
        Session(app)


def test_session_redis_must_be_a_client() -> None:
    app = Erlen("x")
    app.config.update(SESSION_TYPE="redis", SESSION_REDIS=42)
    with pytest.raises(TypeError, match=r"SESSION_REDIS must be a redis\.Redis client"):
        Session(app)


@pytest.mark.parametrize(
    ("client", "match"),
    [(None, "needs SESSION_SQLALCHEMY"), (object(), "SESSION_SQLALCHEMY must be")],
)
def test_session_sqlalchemy_must_be_given(client: Any, match: str) -> None:
    app = Erlen("x")
    app.config.update(SESSION_TYPE="sqlalchemy", SESSION_SQLALCHEMY=client)
    with pytest.raises((ValueError, TypeError), match=match):
        Session(app)


def test_session_sqlalchemy_id_column_width_is_checked() -> None:
    import sqlalchemy as sa

    app = Erlen("x")
    app.config.update(
        SESSION_TYPE="sqlalchemy",
        SESSION_SQLALCHEMY=sa.create_engine("sqlite://"),
        SESSION_ID_LENGTH=200,
    )
    with pytest.raises(ValueError, match="more than the 255"):
        Session(app)
