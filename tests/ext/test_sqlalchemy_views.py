"""erlen.ext.sqlalchemy through the test client, on WSGI and ASGI, SQLite and
PostgreSQL: CRUD in sync and async views, the 404 helpers, pagination, one
session per app context, teardown and rollback."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from erlen import Erlen, jsonify, request
from erlen.ext.sqlalchemy import Pagination, SQLAlchemy, get_recorded_queries
from erlen.testing import ErlenClient


@pytest.fixture(params=["sqlite", "postgresql"])
def database_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def app(tmp_path: Path, database_uri: str) -> Erlen:
    app = Erlen(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(
        TESTING=True, SECRET_KEY="test secret key", SQLALCHEMY_DATABASE_URI=database_uri
    )
    return app


class Models:
    """The db and models of one test."""

    def __init__(self, db: SQLAlchemy, user: Any, post: Any) -> None:
        self.db, self.User, self.Post = db, user, post


@pytest.fixture
def models(app: Erlen) -> Iterator[Models]:
    db = SQLAlchemy(app)

    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.String(80), unique=True, nullable=False)

        def to_dict(self) -> dict[str, Any]:
            return {"id": self.id, "username": self.username}

    class Post(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(80), nullable=False)

    with app.app_context():
        db.create_all()
    yield Models(db, User, Post)
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def add_posts(app: Erlen, m: Models, count: int) -> None:
    with app.app_context():
        m.db.session.add_all(m.Post(id=i, title=f"post {i}") for i in range(1, count + 1))
        m.db.session.commit()


def checked_out(app: Erlen, m: Models) -> int:
    with app.app_context():
        pool = m.db.engine.pool
        assert isinstance(pool, sa.pool.QueuePool)
        return pool.checkedout()


# -- CRUD in views -----------------------------------------------------------------------


def register_crud(app: Erlen, m: Models, *, use_async: bool) -> None:
    db, User = m.db, m.User

    def create() -> Any:
        user = User(username=request.get_json()["username"])
        db.session.add(user)
        db.session.commit()
        return jsonify(user.to_dict()), 201

    def read(user_id: int) -> Any:
        return jsonify(db.get_or_404(User, user_id).to_dict())

    def update(user_id: int) -> Any:
        user = db.get_or_404(User, user_id)
        user.username = request.get_json()["username"]
        db.session.commit()
        return jsonify(user.to_dict())

    def delete(user_id: int) -> Any:
        db.session.delete(db.get_or_404(User, user_id))
        db.session.commit()
        return "", 204

    def listing() -> Any:
        users = db.session.execute(db.select(User).order_by(User.id)).scalars()
        return jsonify([u.to_dict() for u in users])

    views: list[tuple[str, str, Callable[..., Any]]] = [
        ("/users", "POST", create),
        ("/users", "GET", listing),
        ("/users/<int:user_id>", "GET", read),
        ("/users/<int:user_id>", "PUT", update),
        ("/users/<int:user_id>", "DELETE", delete),
    ]
    for rule, method, view in views:
        if use_async:
            view = make_async(view)
        app.add_url_rule(rule, f"{view.__name__}_{method}", view, methods=[method])


def make_async(view: Callable[..., Any]) -> Callable[..., Any]:
    async def async_view(**kwargs: Any) -> Any:
        await asyncio.sleep(0)
        return view(**kwargs)

    async_view.__name__ = f"async_{view.__name__}"
    return async_view


@pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])
def test_crud(app: Erlen, models: Models, client: ErlenClient, use_async: bool) -> None:
    register_crud(app, models, use_async=use_async)
    created = client.post("/users", json={"username": "ada"})
    assert created.status_code == 201
    user_id = created.json["id"]
    assert created.json == {"id": user_id, "username": "ada"}
    client.post("/users", json={"username": "bob"})
    assert [u["username"] for u in client.get("/users").json] == ["ada", "bob"]
    assert client.get(f"/users/{user_id}").json["username"] == "ada"
    updated = client.put(f"/users/{user_id}", json={"username": "ada l."})
    assert updated.json == {"id": user_id, "username": "ada l."}
    assert client.delete(f"/users/{user_id}").status_code == 204
    assert client.get(f"/users/{user_id}").status_code == 404
    assert [u["username"] for u in client.get("/users").json] == ["bob"]
    # The rows really are in the database, not only in some session.
    with models.db.engine.connect() as conn:
        rows = conn.execute(sa.text('SELECT username FROM "user"')).scalars().all()
    assert rows == ["bob"]
    assert checked_out(app, models) == 0


# -- 404 helpers ---------------------------------------------------------------------------


def test_404_helpers(app: Erlen, models: Models, client: ErlenClient) -> None:
    db, User = models.db, models.User
    with app.app_context():
        db.session.add_all([User(id=1, username="a"), User(id=2, username="b")])
        db.session.commit()

    @app.get("/get/<int:ident>")
    def get(ident: int) -> str:
        return db.get_or_404(User, ident, description="No such user.").username

    @app.get("/first/<name>")
    def first(name: str) -> str:
        return db.first_or_404(db.select(User).filter_by(username=name)).username

    @app.get("/one")
    def one() -> str:
        statement = db.select(User)
        if "name" in request.args:
            statement = statement.filter_by(username=request.args["name"])
        return db.one_or_404(statement, description="Not exactly one.").username

    @app.get("/legacy/get/<int:ident>")
    async def legacy_get(ident: int) -> str:
        return User.query.get_or_404(ident, description="Gone.").username

    @app.get("/legacy/first/<name>")
    def legacy_first(name: str) -> str:
        return User.query.filter_by(username=name).first_or_404().username

    @app.get("/legacy/one")
    def legacy_one() -> str:
        query = User.query
        if "name" in request.args:
            query = query.filter_by(username=request.args["name"])
        return query.one_or_404(description="Legacy: not one.").username

    assert client.get("/get/1").text == "a"
    missing = client.get("/get/9")
    assert missing.status_code == 404
    assert "No such user." in missing.text
    assert client.get("/first/b").text == "b"
    assert client.get("/first/zed").status_code == 404
    assert client.get("/one?name=a").text == "a"
    for query in ("", "?name=zed"):  # two rows, then none
        response = client.get(f"/one{query}")
        assert response.status_code == 404
        assert "Not exactly one." in response.text
    assert client.get("/legacy/get/2").text == "b"
    gone = client.get("/legacy/get/3")
    assert (gone.status_code, "Gone." in gone.text) == (404, True)
    assert client.get("/legacy/first/a").text == "a"
    assert client.get("/legacy/first/zed").status_code == 404
    assert client.get("/legacy/one?name=b").text == "b"
    assert "Legacy: not one." in client.get("/legacy/one").text
    assert checked_out(app, models) == 0


def test_get_or_404_with_string_identities(app: Erlen, models: Models, client: ErlenClient) -> None:
    db, User = models.db, models.User
    with app.app_context():
        db.session.add(User(id=1, username="a"))
        db.session.commit()

    @app.get("/by-arg")
    def by_arg() -> str:
        return db.get_or_404(User, request.args["id"], description="Unknown id.").username

    @app.get("/legacy-by-arg")
    def legacy_by_arg() -> str:
        return User.query.get_or_404(request.args["id"]).username

    for path in ("/by-arg", "/legacy-by-arg"):
        assert client.get(f"{path}?id=1").text == "a"
        # PostgreSQL would refuse 'abc' for an integer key: a 404, not a 500.
        for bad in ("abc", "", "1.5", "2"):
            assert client.get(f"{path}?id={bad}").status_code == 404, (path, bad)
    assert "Unknown id." in client.get("/by-arg?id=abc").text
    assert checked_out(app, models) == 0


def test_get_or_404_passes_session_get_options(app: Erlen, client: ErlenClient) -> None:
    """``db.get_or_404(Model, id, options=[...])``: the keyword arguments go to
    ``Session.get``, so a joined load fetches the relationship in the same
    query (one recorded query), and a missing row is still a 404."""
    app.config["SQLALCHEMY_RECORD_QUERIES"] = True
    db = SQLAlchemy(app)

    class Author(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(80), nullable=False)

    class Book(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        author_id = db.Column(db.ForeignKey(Author.id), nullable=False)
        author = db.relationship(Author)

    with app.app_context():
        db.create_all()
        db.session.add(Book(id=1, author=Author(id=1, name="Ann")))
        db.session.commit()

    @app.get("/books/<int:ident>")
    def book(ident: int) -> Any:
        found = db.get_or_404(
            Book, ident, description="No such book.", options=[db.joinedload(Book.author)]
        )
        return {"author": found.author.name, "queries": len(get_recorded_queries())}

    try:
        assert client.get("/books/1").json == {"author": "Ann", "queries": 1}
        missing = client.get("/books/2")
        assert missing.status_code == 404
        assert "No such book." in missing.text
        with app.app_context():
            with pytest.raises(TypeError):
                db.get_or_404(Book, 1, no_such_option=True)
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


def test_query_get_or_404_refuses_filtered_queries(app: Erlen, models: Models) -> None:
    with app.app_context():
        with pytest.raises(sa.exc.InvalidRequestError, match="filter criteria"):
            models.User.query.filter_by(username="a").get_or_404(1)
        with pytest.raises(sa.exc.InvalidRequestError, match="one mapped class"):
            models.db.session.query(models.User.id, models.User.username).get_or_404(1)


# -- pagination ------------------------------------------------------------------------------


def register_pages(app: Erlen, m: Models) -> None:
    db, Post = m.db, m.Post

    def describe(page: Pagination) -> Any:
        return jsonify(
            items=[p.id for p in page],
            page=page.page,
            per_page=page.per_page,
            total=page.total,
            pages=page.pages,
            has_prev=page.has_prev,
            has_next=page.has_next,
            prev_num=page.prev_num,
            next_num=page.next_num,
            first=page.first,
            last=page.last,
            iter_pages=list(page.iter_pages()),
        )

    @app.get("/select")
    def select_pages() -> Any:
        return describe(db.paginate(db.select(Post).order_by(Post.id), max_per_page=30))

    @app.get("/query")
    async def query_pages() -> Any:
        return describe(Post.query.order_by(Post.id).paginate(max_per_page=30))

    @app.get("/lenient")
    def lenient() -> Any:
        return describe(db.paginate(db.select(Post).order_by(Post.id), error_out=False))

    @app.get("/uncounted")
    def uncounted() -> Any:
        return describe(db.paginate(db.select(Post).order_by(Post.id), count=False))


@pytest.mark.parametrize("path", ["/select", "/query"])
def test_pagination_from_query_args(
    app: Erlen, models: Models, client: ErlenClient, path: str
) -> None:
    add_posts(app, models, 45)
    register_pages(app, models)
    first = client.get(path).json
    assert first["items"] == list(range(1, 21))
    assert first | {"items": None} == {
        "items": None,
        "page": 1,
        "per_page": 20,
        "total": 45,
        "pages": 3,
        "has_prev": False,
        "has_next": True,
        "prev_num": None,
        "next_num": 2,
        "first": 1,
        "last": 20,
        "iter_pages": [1, 2, 3],
    }
    third = client.get(f"{path}?page=3").json
    assert third["items"] == list(range(41, 46))
    assert (third["first"], third["last"], third["has_next"], third["prev_num"]) == (
        41,
        45,
        False,
        2,
    )
    small = client.get(f"{path}?page=2&per_page=4").json
    assert small["items"] == [5, 6, 7, 8]
    assert small["pages"] == 12
    assert small["iter_pages"] == [1, 2, 3, 4, 5, 6, None, 11, 12]
    # max_per_page caps what the client asks for.
    capped = client.get(f"{path}?per_page=1000").json
    assert (capped["per_page"], len(capped["items"]), capped["pages"]) == (30, 30, 2)


@pytest.mark.parametrize(
    "query",
    ["page=x", "page=", "page=0", "page=-1", "page=1.5", "per_page=x", "per_page=0", "page=4"],
)
def test_pagination_bad_values_are_404(
    app: Erlen, models: Models, client: ErlenClient, query: str
) -> None:
    add_posts(app, models, 45)
    register_pages(app, models)
    for path in ("/select", "/query"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 404, (path, query)
        if query in ("page=x", "per_page=x"):
            name = query.partition("=")[0]
            assert f"The query argument {name} must be an integer." in response.text
    assert checked_out(app, models) == 0


def test_pagination_error_out_false_falls_back(
    app: Erlen, models: Models, client: ErlenClient
) -> None:
    add_posts(app, models, 5)
    register_pages(app, models)
    assert client.get("/lenient?page=x&per_page=y").json["items"] == [1, 2, 3, 4, 5]
    bad = client.get("/lenient?page=-3&per_page=-1").json
    assert (bad["page"], bad["per_page"]) == (1, 20)
    past = client.get("/lenient?page=9").json
    assert (past["items"], past["page"], past["total"]) == ([], 9, 5)


def test_pagination_without_count(app: Erlen, models: Models, client: ErlenClient) -> None:
    add_posts(app, models, 5)
    register_pages(app, models)
    page = client.get("/uncounted?per_page=2").json
    assert page["items"] == [1, 2]
    assert (page["total"], page["pages"], page["has_next"], page["iter_pages"]) == (
        None,
        0,
        False,
        [],
    )


def test_pagination_outside_a_request(app: Erlen, models: Models) -> None:
    add_posts(app, models, 25)
    db, Post = models.db, models.Post
    with app.app_context():
        page = db.paginate(db.select(Post).order_by(Post.id))
        assert (page.page, page.per_page, page.total, len(page.items)) == (1, 20, 25, 20)
        nxt = page.next()
        assert [p.id for p in nxt] == [21, 22, 23, 24, 25]
        assert (nxt.page, nxt.total, nxt.has_next) == (2, 25, False)
        assert [p.id for p in nxt.prev()] == list(range(1, 21))
        # next() past the end is empty unless error_out asks for a 404.
        assert nxt.next().items == []
        with pytest.raises(Exception) as info:
            nxt.next(error_out=True)
        assert getattr(info.value, "code", None) == 404
        legacy = Post.query.order_by(Post.id.desc()).paginate(page=2, per_page=10)
        assert [p.id for p in legacy.items] == list(range(15, 5, -1))
        assert repr(legacy) == "<QueryPagination page=2 per_page=10 total=25>"


def test_pagination_count_ignores_eager_loads_and_order(app: Erlen, models: Models) -> None:
    add_posts(app, models, 3)
    db, Post = models.db, models.Post
    with app.app_context():
        statement = db.select(Post).order_by(Post.title.desc())
        page = db.paginate(statement, per_page=2)
        assert page.total == 3
        assert [p.id for p in page] == [3, 2]


# -- one session per app context ----------------------------------------------------------------


def test_session_per_app_context_in_threads(app: Erlen, models: Models) -> None:
    db, User = models.db, models.User
    barrier = threading.Barrier(2, timeout=10)
    seen: dict[str, Any] = {}

    def worker(name: str) -> None:
        with app.app_context():
            session = db.session()
            db.session.add(User(username=name))
            barrier.wait()  # both contexts alive, each with a pending user
            seen[name] = (session, {u.username for u in db.session.new})
            barrier.wait()
            db.session.commit()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("t1", "t2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen["t1"][0] is not seen["t2"][0]
    assert seen["t1"][1] == {"t1"} and seen["t2"][1] == {"t2"}
    with app.app_context():
        assert {u.username for u in User.query} == {"t1", "t2"}
    assert checked_out(app, models) == 0


def test_session_per_app_context_in_tasks(app: Erlen, models: Models) -> None:
    db = models.db

    async def task() -> Any:
        with app.app_context():
            first = db.session()
            await asyncio.sleep(0.01)
            assert db.session() is first
            return first

    async def main() -> list[Any]:
        return list(await asyncio.gather(task(), task(), task()))

    sessions = asyncio.run(main())
    assert len({id(s) for s in sessions}) == 3


def test_nested_app_contexts_get_their_own_session(app: Erlen, models: Models) -> None:
    db = models.db
    with app.app_context():
        outer = db.session()
        with app.app_context():
            inner = db.session()
            assert inner is not outer
        assert db.session() is outer


def test_concurrent_requests_have_separate_sessions(
    app: Erlen, models: Models, protocol: str
) -> None:
    db, User = models.db, models.User
    barrier = threading.Barrier(2, timeout=10)
    sessions: list[Any] = []

    @app.post("/slow/<name>")
    def slow(name: str) -> str:
        db.session.add(User(username=name))
        sessions.append(db.session())
        barrier.wait()  # the other request is inside its view too
        names = sorted(u.username for u in db.session.new)
        db.session.commit()
        return ",".join(names)

    results: dict[str, str] = {}

    def call(name: str) -> None:
        with app.test_client(asgi=protocol == "asgi") as client:
            results[name] = client.post(f"/slow/{name}").text

    threads = [threading.Thread(target=call, args=(n,)) for n in ("x", "y")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {"x": "x", "y": "y"}
    assert sessions[0] is not sessions[1]
    assert checked_out(app, models) == 0


# -- teardown and rollback ------------------------------------------------------------------------


def test_session_removed_at_teardown(app: Erlen, models: Models, client: ErlenClient) -> None:
    db, User = models.db, models.User
    used: list[Any] = []

    @app.get("/open")
    def open_transaction() -> str:
        used.append(db.session())
        db.session.add(User(username="never committed"))
        db.session.flush()  # a transaction is open and holds a connection
        assert checked_out(app, models) == 1
        return "ok"

    @app.get("/async-open")
    async def async_open() -> str:
        used.append(db.session())
        return str(db.session.execute(db.select(db.func.count(User.id))).scalar())

    assert client.get("/open").text == "ok"
    assert checked_out(app, models) == 0
    assert client.get("/async-open").text == "0"  # the flush was rolled back
    assert checked_out(app, models) == 0
    assert used[0] is not used[1]
    # Closed sessions: nothing pending, no transaction.
    assert not used[0].new and not used[0].in_transaction()
    with app.app_context():
        assert db.session() is not used[0]
        assert User.query.count() == 0


def test_teardown_after_an_exception(app: Erlen, models: Models, protocol: str) -> None:
    db, User = models.db, models.User
    app.config["TESTING"] = False  # let the 500 be a response

    @app.get("/boom")
    def boom() -> str:
        db.session.add(User(username="doomed"))
        db.session.flush()
        raise RuntimeError("view failed")

    client = app.test_client(asgi=protocol == "asgi")
    assert client.get("/boom").status_code == 500
    assert checked_out(app, models) == 0
    with app.app_context():
        assert User.query.count() == 0


def test_failed_commit_does_not_poison_next_request(
    app: Erlen, models: Models, client: ErlenClient
) -> None:
    db, User = models.db, models.User

    @app.errorhandler(sa.exc.IntegrityError)
    def conflict(error: Exception) -> Any:
        # Deliberately no rollback here: teardown must clean up.
        return jsonify(error="taken"), 409

    @app.post("/signup/<name>")
    def signup(name: str) -> Any:
        db.session.add(User(username=name))
        db.session.commit()
        return jsonify(id=db.session.get(User, 1) is not None), 201

    assert client.post("/signup/ada").status_code == 201
    duplicate = client.post("/signup/ada")
    assert (duplicate.status_code, duplicate.json) == (409, {"error": "taken"})
    assert checked_out(app, models) == 0
    # On PostgreSQL a reused session would now fail with "current transaction
    # is aborted"; a fresh session per request makes this just work.
    assert client.post("/signup/bob").status_code == 201
    with app.app_context():
        assert sorted(u.username for u in User.query) == ["ada", "bob"]
