"""erlen.ext.session: what each store does of its own (Redis TTLs, atomic
session files, the SQL table), against the real Redis and PostgreSQL."""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from erlen import Erlen, session
from erlen.ext.session import (
    FileSystemSessionInterface,
    RedisSessionInterface,
    ServerSideSession,
    Session,
    SessionStoreUnavailable,
    SqlAlchemySessionInterface,
    UnavailableSession,
)
from erlen.ext.session.filesystem import MAGIC
from erlen.testing import ErlenClient

MakeClient = Callable[..., ErlenClient]
NOW = 1_800_000_000.0


def add_views(app: Erlen) -> None:
    @app.post("/set/<key>/<value>")
    def set_value(key: str, value: str) -> Any:
        session[key] = value
        return {"sid": session.sid}

    @app.get("/peek/<key>")
    async def peek(key: str) -> Any:
        return {"value": session.get(key)}

    @app.post("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"


def sid_of(client: ErlenClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


class Clock:
    """A clock the test moves by hand (``interface.clock``)."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- Redis ------------------------------------------------------------------------------


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[Any]:
    import redis

    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def redis_app(redis_client: Any, redis_prefix: str) -> Erlen:
    app = Erlen("redis_app")
    app.config.update(
        TESTING=True,
        SESSION_TYPE="redis",
        SESSION_REDIS=redis_client,
        SESSION_KEY_PREFIX=redis_prefix,
        PERMANENT_SESSION_LIFETIME=600,
    )
    Session(app)
    add_views(app)
    return app


def test_redis_key_has_the_prefix_and_a_ttl_of_the_lifetime(
    redis_app: Erlen, redis_client: Any, redis_prefix: str, make_client: MakeClient
) -> None:
    client = make_client(redis_app)
    sid = client.post("/set/a/1").json["sid"]
    key = redis_prefix + sid
    assert 590 < redis_client.ttl(key) <= 600
    stored = redis_client.get(key)
    assert b'"a"' in stored and b'"1"' in stored  # tagged JSON, readable by ops tools


def test_redis_refresh_renews_the_ttl_without_rewriting(
    redis_app: Erlen, redis_client: Any, redis_prefix: str, make_client: MakeClient
) -> None:
    client = make_client(redis_app)
    sid = client.post("/set/a/1").json["sid"]
    key = redis_prefix + sid
    redis_client.expire(key, 30)
    redis_client.set(key, redis_client.get(key).replace(b'"1"', b'"2"'), keepttl=True)
    assert client.get("/peek/a").json == {"value": "2"}
    assert redis_client.ttl(key) > 590
    # The concurrent change made directly in Redis was not overwritten.
    assert b'"2"' in redis_client.get(key)


def test_redis_expiry_is_honoured(
    redis_client: Any, redis_prefix: str, make_client: MakeClient
) -> None:
    app = Erlen("short")
    app.config.update(
        SESSION_TYPE="redis",
        SESSION_REDIS=redis_client,
        SESSION_KEY_PREFIX=redis_prefix,
        PERMANENT_SESSION_LIFETIME=timedelta(milliseconds=300),
        SESSION_REFRESH_EACH_REQUEST=False,
        # A browser-session cookie: the client keeps it, so only Redis expires it.
        SESSION_PERMANENT=False,
    )
    Session(app)
    add_views(app)
    client = make_client(app)
    sid = client.post("/set/a/1").json["sid"]
    assert 0 < redis_client.pttl(redis_prefix + sid) <= 300
    assert client.get("/peek/a").json == {"value": "1"}
    time.sleep(0.5)
    assert client.get("/peek/a").json == {"value": None}


def test_redis_url_and_default_client(redis_prefix: str, make_client: MakeClient) -> None:
    for value in ("redis://127.0.0.1:6379/0", None):
        app = Erlen("urls")
        app.config.update(
            SESSION_TYPE="redis", SESSION_REDIS=value, SESSION_KEY_PREFIX=redis_prefix
        )
        Session(app)
        add_views(app)
        interface = app.session_interface
        assert isinstance(interface, RedisSessionInterface)
        kwargs = interface.client.connection_pool.connection_kwargs
        assert (kwargs["host"], kwargs["port"]) == ("127.0.0.1", 6379)
        if value is None:
            assert kwargs["socket_timeout"] == 5.0
        client = make_client(app)
        client.post("/set/a/1")
        assert client.get("/peek/a").json == {"value": "1"}
        interface.client.close()


def test_redis_decode_responses_client_works(
    redis_url: str, redis_prefix: str, make_client: MakeClient
) -> None:
    import redis

    text_client = redis.Redis.from_url(redis_url, decode_responses=True)
    app = Erlen("text")
    app.config.update(
        SESSION_TYPE="redis", SESSION_REDIS=text_client, SESSION_KEY_PREFIX=redis_prefix
    )
    Session(app)
    add_views(app)
    client = make_client(app)
    client.post("/set/a/ü")
    assert client.get("/peek/a").json == {"value": "ü"}
    text_client.close()


def test_redis_outage_loses_nothing_stored(
    redis_app: Erlen, redis_client: Any, make_client: MakeClient
) -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    interface = redis_app.session_interface
    assert isinstance(interface, RedisSessionInterface)
    client = make_client(redis_app)
    client.post("/set/cart/book")
    working = interface.client
    dead = redis.Redis(port=1, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0))
    interface.client = dead
    assert client.post("/set/cart/nothing").status_code == 503
    assert client.get("/peek/cart").status_code == 503
    interface.client = working
    dead.close()
    # The outage neither dropped the session nor stored half a change.
    assert client.get("/peek/cart").json == {"value": "book"}
    assert client.post("/set/cart/pen").status_code == 200
    assert client.get("/peek/cart").json == {"value": "pen"}


def test_redis_has_no_cleanup_command(redis_app: Erlen) -> None:
    result = redis_app.test_cli_runner().invoke(args=["session_cleanup"])
    assert result.exit_code != 0
    assert "No such command" in result.output


# -- files ---------------------------------------------------------------------------------


@pytest.fixture
def file_dir(tmp_path: Any) -> str:
    return str(tmp_path / "sessions")


@pytest.fixture
def file_app(file_dir: str) -> Erlen:
    app = Erlen("file_app")
    app.config.update(
        TESTING=True,
        SESSION_TYPE="filesystem",
        SESSION_FILE_DIR=file_dir,
        PERMANENT_SESSION_LIFETIME=600,
    )
    Session(app)
    add_views(app)
    return app


def files_interface(app: Erlen) -> FileSystemSessionInterface:
    interface = app.session_interface
    assert isinstance(interface, FileSystemSessionInterface)
    return interface


def session_files(directory: str) -> list[str]:
    return sorted(os.listdir(directory))


def test_session_file_layout_and_permissions(
    file_app: Erlen, file_dir: str, make_client: MakeClient
) -> None:
    interface = files_interface(file_app)
    assert stat.S_IMODE(os.stat(file_dir).st_mode) == 0o700
    client = make_client(file_app)
    sid = client.post("/set/a/1").json["sid"]
    path = interface.path_for("session:" + sid)
    assert session_files(file_dir) == [os.path.basename(path)]
    assert sid not in os.path.basename(path)  # the file name is a hash of the id
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, "rb") as file:
        content = file.read()
    assert content.startswith(MAGIC)
    assert b'"a":"1"' in content.replace(b" ", b"")


def test_session_file_mode_is_configurable(file_dir: str, make_client: MakeClient) -> None:
    app = Erlen("mode")
    app.config.update(SESSION_TYPE="filesystem", SESSION_FILE_DIR=file_dir, SESSION_FILE_MODE=0o640)
    Session(app)
    add_views(app)
    sid = make_client(app).post("/set/a/1").json["sid"]
    path = files_interface(app).path_for("session:" + sid)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_crash_while_writing_keeps_the_old_session(
    file_app: Erlen, file_dir: str, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(file_app)
    client.post("/set/a/before")

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    assert client.post("/set/a/after").status_code == 503
    monkeypatch.undo()
    assert client.get("/peek/a").json == {"value": "before"}
    # No temporary file is left behind.
    assert len(session_files(file_dir)) == 1


def test_writes_are_atomic_under_concurrent_readers(
    file_app: Erlen, make_client: MakeClient
) -> None:
    interface = files_interface(file_app)
    key = "session:" + "r" * 43
    big = {"blob": "x" * 200_000}
    stop = threading.Event()
    seen: list[Any] = []
    lifetime = timedelta(minutes=10)

    def writer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            interface.store(key, interface.serialize(ServerSideSession({**big, "n": n})), lifetime)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            data = interface.fetch(key, lifetime)
            if data is not None:
                seen.append(interface.deserialize(data))
    finally:
        stop.set()
        thread.join()
    assert seen, "the reader never saw the session"
    assert all(item is not None and item["blob"] == big["blob"] for item in seen)


def test_expired_session_files_read_as_empty_and_are_deleted(
    file_app: Erlen, file_dir: str, make_client: MakeClient
) -> None:
    interface = files_interface(file_app)
    clock = interface.clock = Clock()
    client = make_client(file_app)
    client.post("/set/a/1")
    clock.now += 500
    assert client.get("/peek/a").json == {"value": "1"}  # refreshed: 600 s from now
    clock.now += 500
    assert client.get("/peek/a").json == {"value": "1"}
    clock.now += 601
    assert client.get("/peek/a").json == {"value": None}
    assert session_files(file_dir) == []


def test_unchanged_reads_only_touch_the_file(
    file_app: Erlen, file_dir: str, make_client: MakeClient
) -> None:
    interface = files_interface(file_app)
    clock = interface.clock = Clock()
    client = make_client(file_app)
    sid = client.post("/set/a/1").json["sid"]
    path = interface.path_for("session:" + sid)
    inode = os.stat(path).st_ino
    clock.now += 100
    client.get("/peek/a")
    assert os.stat(path).st_mtime == NOW + 100
    assert os.stat(path).st_ino == inode  # not rewritten


def test_threshold_drops_expired_then_least_recently_used(
    file_dir: str, make_client: MakeClient
) -> None:
    app = Erlen("threshold")
    app.config.update(
        SESSION_TYPE="filesystem",
        SESSION_FILE_DIR=file_dir,
        SESSION_FILE_THRESHOLD=3,
        PERMANENT_SESSION_LIFETIME=100,
    )
    Session(app)
    add_views(app)
    interface = files_interface(app)
    clock = interface.clock = Clock()
    clients = []
    for n in range(5):
        clock.now = NOW + n * 10
        client = make_client(app)
        client.post(f"/set/n/{n}")
        clients.append(client)
        assert len(session_files(file_dir)) <= 3
    # The three most recent users kept their sessions.
    values = [c.get("/peek/n").json["value"] for c in clients]
    assert values == [None, None, "2", "3", "4"]
    # Expired files go before live ones: 2 and 3 expire, 4 is refreshed.
    clock.now = NOW + 100
    clients[4].get("/peek/n")
    clock.now = NOW + 145
    newcomer = make_client(app)
    newcomer.post("/set/n/new")
    assert len(session_files(file_dir)) == 2
    assert clients[4].get("/peek/n").json == {"value": "4"}
    assert newcomer.get("/peek/n").json == {"value": "new"}


def test_threshold_zero_means_no_limit(file_dir: str, make_client: MakeClient) -> None:
    app = Erlen("nolimit")
    app.config.update(
        SESSION_TYPE="filesystem", SESSION_FILE_DIR=file_dir, SESSION_FILE_THRESHOLD=0
    )
    Session(app)
    add_views(app)
    for n in range(6):
        make_client(app).post(f"/set/n/{n}")
    assert len(session_files(file_dir)) == 6


def test_filesystem_cleanup_every_n_requests(file_dir: str, make_client: MakeClient) -> None:
    app = Erlen("cleanup")
    app.config.update(
        SESSION_TYPE="filesystem",
        SESSION_FILE_DIR=file_dir,
        SESSION_CLEANUP_N_REQUESTS=1,
        PERMANENT_SESSION_LIFETIME=100,
    )
    Session(app)
    add_views(app)
    interface = files_interface(app)
    clock = interface.clock = Clock()
    make_client(app).post("/set/a/old")
    stale_temp = os.path.join(file_dir, ".tmp-crashed")
    with open(stale_temp, "wb") as file:
        file.write(b"half a session")
    os.utime(stale_temp, (NOW - 7200, NOW - 7200))
    clock.now += 150
    make_client(app).post("/set/a/new")
    assert len(session_files(file_dir)) == 1  # the expired one and the stale temp went


def test_filesystem_cleanup_command(file_app: Erlen, file_dir: str) -> None:
    interface = files_interface(file_app)
    clock = interface.clock = Clock()
    file_app.test_client().post("/set/a/1")
    file_app.test_client().post("/set/a/2")
    clock.now += 601
    result = file_app.test_cli_runner().invoke(args=["session_cleanup"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 expired session(s)." in result.output
    assert session_files(file_dir) == []


def test_a_stray_file_is_not_a_session(file_app: Erlen, make_client: MakeClient) -> None:
    interface = files_interface(file_app)
    sid = "s" * 43
    with open(interface.path_for("session:" + sid), "wb") as file:
        file.write(b'{"user": "admin"}')
    client = make_client(file_app)
    client.set_cookie("session", sid)
    assert client.get("/peek/user").json == {"value": None}


def test_the_directory_is_recreated_if_removed(
    file_app: Erlen, file_dir: str, make_client: MakeClient
) -> None:
    client = make_client(file_app)
    client.post("/set/a/1")
    for name in os.listdir(file_dir):
        os.unlink(os.path.join(file_dir, name))
    os.rmdir(file_dir)
    assert client.get("/peek/a").json == {"value": None}
    assert client.post("/set/a/2").status_code == 200
    assert client.get("/peek/a").json == {"value": "2"}


def test_filesystem_default_directory(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    monkeypatch.chdir(tmp_path)
    app = Erlen("default_dir")
    app.config.update(SESSION_TYPE="filesystem")
    Session(app)
    assert app.config["SESSION_FILE_DIR"] == str(tmp_path / "flask_session")
    assert app.config["SESSION_FILE_THRESHOLD"] == 500
    assert app.config["SESSION_FILE_MODE"] == 0o600
    assert os.path.isdir(tmp_path / "flask_session")


# -- PostgreSQL through SQLAlchemy -------------------------------------------------------------


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Any]:
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_url)
    yield engine
    engine.dispose()


def sql_app(client: Any, **config: Any) -> Erlen:
    app = Erlen("sql_app")
    app.config.update(
        TESTING=True,
        SESSION_TYPE="sqlalchemy",
        SESSION_SQLALCHEMY=client,
        PERMANENT_SESSION_LIFETIME=600,
        **config,
    )
    Session(app)
    add_views(app)
    return app


def sql_interface(app: Erlen) -> SqlAlchemySessionInterface:
    interface = app.session_interface
    assert isinstance(interface, SqlAlchemySessionInterface)
    return interface


def rows(engine: Any, table: str = "sessions") -> list[Any]:
    import sqlalchemy as sa

    with engine.connect() as conn:
        return list(conn.execute(sa.text(f"SELECT session_id, data, expiry FROM {table}")))


def test_sql_table_layout_and_row(engine: Any, make_client: MakeClient) -> None:
    import sqlalchemy as sa

    app = sql_app(engine)
    interface = sql_interface(app)
    interface.clock = Clock()
    client = make_client(app)
    sid = client.post("/set/a/1").json["sid"]
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("sessions")}
    assert set(columns) == {"id", "session_id", "data", "expiry"}
    assert isinstance(columns["data"]["type"], sa.LargeBinary)
    assert columns["session_id"]["type"].length == 255
    ((session_id, data, expiry),) = rows(engine)
    assert session_id == "session:" + sid
    assert b'"a"' in bytes(data)
    assert expiry == datetime.fromtimestamp(NOW, UTC).replace(tzinfo=None) + timedelta(seconds=600)


def test_sql_expired_rows_read_as_empty_and_are_deleted(
    engine: Any, make_client: MakeClient
) -> None:
    app = sql_app(engine, SESSION_REFRESH_EACH_REQUEST=False)
    clock = sql_interface(app).clock = Clock()
    client = make_client(app)
    client.post("/set/a/1")
    clock.now += 599
    assert client.get("/peek/a").json == {"value": "1"}
    clock.now += 2
    assert client.get("/peek/a").json == {"value": None}
    assert rows(engine) == []


def test_sql_refresh_moves_only_the_expiry(engine: Any, make_client: MakeClient) -> None:
    app = sql_app(engine)
    clock = sql_interface(app).clock = Clock()
    client = make_client(app)
    client.post("/set/a/1")
    ((_, data_before, _),) = rows(engine)
    clock.now += 300
    client.get("/peek/a")
    ((_, data_after, expiry),) = rows(engine)
    assert bytes(data_after) == bytes(data_before)
    assert expiry == datetime.fromtimestamp(NOW + 900, UTC).replace(tzinfo=None)


def test_sql_accepts_a_db_object_a_bind_key_and_a_url(
    engine: Any, postgres_url: str, make_client: MakeClient
) -> None:
    class FakeDB:  # the shape of erlen.ext.sqlalchemy's db: .engine and .engines
        def __init__(self) -> None:
            self.engine = engine
            self.engines = {None: engine, "sessions": engine}

    for client_value, config in (
        (FakeDB(), {}),
        (FakeDB(), {"SESSION_SQLALCHEMY_BIND_KEY": "sessions"}),
        (postgres_url, {"SESSION_SQLALCHEMY_TABLE": "url_sessions"}),
    ):
        app = sql_app(client_value, **config)
        client = make_client(app)
        client.post("/set/a/1")
        assert client.get("/peek/a").json == {"value": "1"}
        assert sql_interface(app).engine.url.database == "test"
    assert len(rows(engine)) == 2  # the two db-object apps share the table
    assert len(rows(engine, "url_sessions")) == 1
    sql_interface(app).engine.dispose()


def test_sql_unknown_bind_key_is_a_clear_error(engine: Any) -> None:
    class FakeDB:
        engines = {None: engine}

    app = sql_app(FakeDB(), SESSION_SQLALCHEMY_BIND_KEY="missing")
    with pytest.raises(KeyError, match="SESSION_SQLALCHEMY_BIND_KEY='missing'"):
        app.test_client().post("/set/a/1")


def test_sql_schema_table_and_sequence(engine: Any, make_client: MakeClient) -> None:
    import sqlalchemy as sa

    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS extra_" + "s"))
    try:
        app = sql_app(
            engine,
            SESSION_SQLALCHEMY_TABLE="web_sessions",
            SESSION_SQLALCHEMY_SCHEMA="extra_s",
            SESSION_SQLALCHEMY_SEQUENCE="web_sessions_seq",
        )
        client = make_client(app)
        client.post("/set/a/1")
        assert client.get("/peek/a").json == {"value": "1"}
        inspector = sa.inspect(engine)
        assert inspector.has_table("web_sessions", schema="extra_s")
        assert "web_sessions_seq" in inspector.get_sequence_names(schema="extra_s")
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA extra_s CASCADE"))


def test_sql_an_existing_table_is_reused(engine: Any, make_client: MakeClient) -> None:
    first = sql_app(engine)
    make_client(first).post("/set/a/1")
    second = sql_app(engine)  # another process starting up
    make_client(second).post("/set/a/2")
    assert len(rows(engine)) == 2


def test_sql_concurrent_insert_of_one_session_updates(engine: Any) -> None:
    """Two requests of a new session save at once: the second insert hits the
    unique constraint and becomes an update."""
    import sqlalchemy as sa

    app = sql_app(engine)
    interface = sql_interface(app)
    key = "session:" + "c" * 43
    interface.engine  # noqa: B018  (creates the table)
    fired = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def sneak_in(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO sessions") and not fired:
            fired.append(True)
            with engine.begin() as other:  # the other request wins the race
                other.execute(
                    sa.text("INSERT INTO sessions (session_id, data) VALUES (:k, :d)"),
                    {"k": key, "d": b"other"},
                )

    try:
        interface.store(key, b"mine", timedelta(minutes=5))
    finally:
        sa.event.remove(engine, "before_cursor_execute", sneak_in)
    assert fired
    ((session_id, data, _),) = rows(engine)
    assert (session_id, bytes(data)) == (key, b"mine")


def test_sql_cleanup_every_n_requests_and_command(engine: Any, make_client: MakeClient) -> None:
    app = sql_app(engine, SESSION_CLEANUP_N_REQUESTS=1)
    clock = sql_interface(app).clock = Clock()
    make_client(app).post("/set/a/old")
    clock.now += 601
    make_client(app).post("/set/a/new")
    assert len(rows(engine)) == 1
    clock.now += 601
    result = app.test_cli_runner().invoke(args=["session_cleanup"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 expired session(s)." in result.output
    assert rows(engine) == []


def test_sql_cleanup_failure_does_not_fail_the_request(
    engine: Any, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlalchemy as sa

    app = sql_app(engine, SESSION_CLEANUP_N_REQUESTS=1)
    interface = sql_interface(app)

    def failing_cleanup(lifetime: timedelta) -> int:
        raise sa.exc.OperationalError("DELETE", {}, Exception("server closed the connection"))

    interface.delete_expired = failing_cleanup  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        assert make_client(app).post("/set/a/1").status_code == 200
    assert any("Deleting expired sessions" in r.getMessage() for r in caplog.records)


def test_sql_database_down_then_back(engine: Any, make_client: MakeClient) -> None:
    import sqlalchemy as sa

    dead = sa.create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:1/test", connect_args={"connect_timeout": 2}
    )
    app = sql_app(dead)
    client = make_client(app)
    assert client.post("/set/a/1").status_code == 503
    # The table could not be created; it is, on the first request that works.
    sql_interface(app).client = engine
    assert client.post("/set/a/1").status_code == 200
    assert client.get("/peek/a").json == {"value": "1"}
    dead.dispose()


# -- the session objects ---------------------------------------------------------------------


def test_unavailable_session_raises_503_on_any_use() -> None:
    unavailable = UnavailableSession(sid="u" * 43)
    uses: list[Callable[[], Any]] = [
        lambda: unavailable["a"],
        lambda: unavailable.get("a"),
        lambda: "a" in unavailable,
        lambda: list(unavailable),
        lambda: len(unavailable),
        lambda: bool(unavailable),
        lambda: unavailable.items(),
        lambda: unavailable.__setitem__("a", 1),
        lambda: unavailable.pop("a", None),
        lambda: unavailable.update(a=1),
        lambda: unavailable.setdefault("a", 1),
        lambda: unavailable.clear(),
        lambda: unavailable.regenerate(),
        lambda: unavailable.permanent,
    ]
    for use in uses:
        with pytest.raises(SessionStoreUnavailable) as info:
            use()
        assert info.value.code == 503
    assert unavailable.sid == "u" * 43


def test_server_side_session_emptiness_and_clear() -> None:
    fresh = ServerSideSession(permanent=True)
    assert not fresh and fresh.modified is False
    assert dict(fresh) == {"_permanent": True}
    fresh["a"] = 1
    assert fresh and fresh.modified
    fresh.clear()
    assert not fresh
    assert dict(fresh) == {"_permanent": True}
    assert len(ServerSideSession().sid) == 43
    assert len(ServerSideSession(sid_length=16).sid) == 22
