"""erlen.ext.sqlalchemy: setup, config, engines, models, binds and schema
operations, on SQLite and the real PostgreSQL. The views, sessions and
pagination through the test client are in test_sqlalchemy_views.py."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as sa_orm
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedAsDataclass, mapped_column

from erlen import Erlen
from erlen.ext.sqlalchemy import (
    Model,
    Query,
    Session,
    SQLAlchemy,
    camel_to_snake_case,
)

BRIEF_EXAMPLE = """\
from erlen import Erlen as Flask
from erlen.ext.sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///example.db'
db = SQLAlchemy(app)

class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), unique=True, nullable=False)

@app.route('/')
def index():
    user = User.query.filter_by(username='admin').first()
    return f'Hello, {user.username}!'

if __name__ == '__main__':
    db.create_all() # 创建数据库表
    app.run()
"""


@pytest.fixture
def app(tmp_path: Path) -> Erlen:
    app = Erlen(__name__, instance_path=str(tmp_path / "instance"))
    app.config.update(TESTING=True, SECRET_KEY="test secret key")
    return app


@pytest.fixture(params=["sqlite", "postgresql"])
def database_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL: a SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def make_db() -> Iterator[Callable[..., SQLAlchemy]]:
    """``make_db(app, **options)``; every engine made is disposed afterwards,
    so no PostgreSQL connection outlives its test."""
    made: list[tuple[SQLAlchemy, Erlen]] = []

    def make(app: Erlen | None = None, **options: Any) -> SQLAlchemy:
        db = SQLAlchemy(app, **options)
        if app is not None:
            made.append((db, app))
        return db

    def register(db: SQLAlchemy, app: Erlen) -> None:
        made.append((db, app))

    make.register = register  # type: ignore[attr-defined]
    yield make
    for db, app in made:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


# -- the brief's example (§2.9.1), imports changed only ----------------------------------


@pytest.fixture
def run_brief_example(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[[str], dict[str, Any]]:
    """Run the brief's example as ``__main__`` (so its ``db.create_all()``
    runs, outside any app context), with ``app.run()`` recorded instead of
    serving and the instance folder in tmp_path."""

    def run(uri: str) -> dict[str, Any]:
        ran: list[Erlen] = []
        monkeypatch.setattr(Erlen, "auto_find_instance_path", lambda self: str(tmp_path / "inst"))
        monkeypatch.setattr(Erlen, "run", lambda self, *a, **k: ran.append(self))
        source = BRIEF_EXAMPLE.replace("sqlite:///example.db", uri)
        namespace: dict[str, Any] = {"__name__": "__main__"}
        exec(compile(source, "brief_2_9_1.py", "exec"), namespace)
        assert ran == [namespace["app"]]
        return namespace

    return run


def seed_admin_and_get(namespace: dict[str, Any], protocol: str) -> Any:
    app, db, user_cls = namespace["app"], namespace["db"], namespace["User"]
    with app.app_context():
        db.session.add(user_cls(username="admin"))
        db.session.commit()
    return app.test_client(asgi=protocol == "asgi").get("/")


def test_brief_example_on_sqlite(run_brief_example: Any, tmp_path: Path, protocol: str) -> None:
    namespace = run_brief_example("sqlite:///example.db")
    db = namespace["db"]
    try:
        # The relative path went under the (created) instance folder.
        database = tmp_path / "inst" / "example.db"
        assert database.is_file()
        assert str(db.engines[None].url) == f"sqlite:///{database}"
        assert table_names(db.engines[None]) == {"user"}
        response = seed_admin_and_get(namespace, protocol)
        assert response.status_code == 200
        assert response.text == "Hello, admin!"
    finally:
        db.engines[None].dispose()


def test_brief_example_on_postgresql(
    run_brief_example: Any, postgres_url: str, protocol: str
) -> None:
    namespace = run_brief_example(postgres_url)
    engine = namespace["db"].engines[None]
    try:
        assert engine.dialect.name == "postgresql"
        assert table_names(engine) == {"user"}
        response = seed_admin_and_get(namespace, protocol)
        assert response.status_code == 200
        assert response.text == "Hello, admin!"
    finally:
        engine.dispose()


# -- which app: create_all outside an app context -------------------------------------------


def test_create_all_outside_context_with_init_app(
    app: Erlen, database_uri: str, make_db: Any
) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri
    db = SQLAlchemy()

    class Note(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    db.init_app(app)
    make_db.register(db, app)
    db.create_all()
    assert table_names(db.engine) == {"note"}
    db.drop_all()
    assert table_names(db.engine) == set()


def test_outside_context_with_two_apps_is_a_clear_error(tmp_path: Path, make_db: Any) -> None:
    db = SQLAlchemy()
    apps = []
    for name in ("shop", "blog"):
        app = Erlen(name, instance_path=str(tmp_path))
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / name}.db"
        db.init_app(app)
        make_db.register(db, app)
        apps.append(app)

    class Item(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with pytest.raises(RuntimeError) as info:
        db.create_all()
    message = str(info.value)
    assert "outside of application context" in message
    assert "2 apps ('shop', 'blog')" in message
    assert "with app.app_context()" in message
    assert not (tmp_path / "shop.db").exists()
    # Inside either app's context it is unambiguous.
    for app in apps:
        with app.app_context():
            db.create_all()
            assert table_names(db.engine) == {"item"}


def test_not_registered_anywhere_is_a_clear_error(app: Erlen) -> None:
    db = SQLAlchemy()
    with pytest.raises(RuntimeError, match="not registered on any app"):
        db.create_all()
    with app.app_context(), pytest.raises(RuntimeError, match="is not registered with this"):
        _ = db.engines


def test_context_of_another_app_is_an_error(app: Erlen, tmp_path: Path, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = make_db(app)
    other = Erlen("other")
    with other.app_context(), pytest.raises(RuntimeError) as info:
        db.create_all()
    assert "The current app 'other' is not registered" in str(info.value)


def test_session_needs_an_app_context(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = make_db(app)
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        db.session.execute(sa.text("SELECT 1"))


# -- init_app and config -------------------------------------------------------------------


def test_init_app_twice_on_one_app(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    make_db(app)
    with pytest.raises(RuntimeError, match="already been registered on this app"):
        SQLAlchemy(app)


def test_init_app_again_disposes_old_engines(app: Erlen, tmp_path: Path, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'a.db'}"
    db = make_db(app)
    with app.app_context():
        old = db.engine
        with old.connect():
            pass
        assert old.pool.checkedin() == 1
    del app.extensions["sqlalchemy"]
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'b.db'}"
    db.init_app(app)
    assert old.pool.checkedin() == 0  # disposed: a fresh, empty pool
    with app.app_context():
        assert db.engine is not old
        assert db.engine.url.database == str(tmp_path / "b.db")


def test_no_database_configured(app: Erlen) -> None:
    with pytest.raises(RuntimeError, match="'SQLALCHEMY_DATABASE_URI' or 'SQLALCHEMY_BINDS'"):
        SQLAlchemy(app)
    # Nothing was registered, so a corrected config can still init.
    assert "sqlalchemy" not in app.extensions


def test_bad_bind_values(app: Erlen) -> None:
    app.config["SQLALCHEMY_BINDS"] = {"a": 42}
    with pytest.raises(TypeError, match=r"SQLALCHEMY_BINDS\['a'\] must be a database URL"):
        SQLAlchemy(app)
    app.config["SQLALCHEMY_BINDS"] = {"a": {"echo": True}}
    with pytest.raises(RuntimeError, match=r"SQLALCHEMY_BINDS\['a'\] has no 'url'"):
        SQLAlchemy(app)


def test_config_defaults_are_set(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    make_db(app)
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {}
    assert app.config["SQLALCHEMY_ECHO"] is False
    assert app.config["SQLALCHEMY_BINDS"] == {}
    assert app.config["SQLALCHEMY_RECORD_QUERIES"] is False
    assert app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] is False
    assert app.extensions["sqlalchemy"] is not None


def test_engine_options_layering(app: Erlen, tmp_path: Path, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'a.db'}"
    # The config beats the constructor's engine_options, and strings from a
    # config file become the types the options need.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": "3", "max_overflow": "4"}
    app.config["SQLALCHEMY_BINDS"] = {
        "other": {"url": f"sqlite:///{tmp_path / 'b.db'}", "pool_size": 7},
        "plain": f"sqlite:///{tmp_path / 'c.db'}",
    }
    db = make_db(app, engine_options={"pool_size": 2, "pool_timeout": 11})
    with app.app_context():
        default, other, plain = db.engines[None], db.engines["other"], db.engines["plain"]
        assert default.pool.size() == 3
        assert default.pool.overflow() == -3  # max_overflow became the int 4
        assert default.pool.timeout() == 11
        # A bind takes the constructor's options, not SQLALCHEMY_ENGINE_OPTIONS.
        assert other.pool.size() == 7
        assert plain.pool.size() == 2
        assert plain.pool.timeout() == 11


def test_echo(app: Erlen, make_db: Any) -> None:
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_ECHO=True)
    db = make_db(app)
    with app.app_context():
        assert db.engine.echo is True
        assert db.engine.pool.echo is True


def test_sqlite_memory_is_one_shared_database(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = make_db(app)

    class Row(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        assert isinstance(db.engine.pool, sa.pool.StaticPool)
        db.create_all()
        db.session.add(Row(id=1))
        db.session.commit()

    seen: list[int] = []

    def read_in_thread() -> None:
        with app.app_context():
            seen.extend(row.id for row in Row.query.all())

    worker = threading.Thread(target=read_in_thread)
    worker.start()
    worker.join()
    assert seen == [1]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("sqlite:///relative.db", "{instance}/relative.db"),
        ("sqlite:///sub/dir.db", "{instance}/sub/dir.db"),
        ("sqlite:///{tmp}/absolute.db", "{tmp}/absolute.db"),
        ("sqlite:///file:rel.db?uri=true", "file:{instance}/rel.db"),
    ],
)
def test_sqlite_paths(app: Erlen, tmp_path: Path, make_db: Any, uri: str, expected: str) -> None:
    instance = tmp_path / "instance"
    assert not instance.exists()
    app.config["SQLALCHEMY_DATABASE_URI"] = uri.format(tmp=tmp_path)
    db = make_db(app)
    with app.app_context():
        assert db.engine.url.database == expected.format(instance=instance, tmp=tmp_path)
        assert not isinstance(db.engine.pool, sa.pool.StaticPool)
    assert instance.is_dir() == ("{instance}" in expected)


def test_sqlite_uri_memory_is_static(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///file:mem1?mode=memory&cache=shared&uri=true"
    db = make_db(app)
    with app.app_context():
        assert isinstance(db.engine.pool, sa.pool.StaticPool)
        assert db.engine.url.database == "file:mem1"


def test_mysql_defaults(app: Erlen) -> None:
    from erlen.ext.sqlalchemy.engines import apply_driver_defaults

    options: dict[str, Any] = {"url": "mysql://u@localhost/db"}
    apply_driver_defaults(options, app)
    assert options["pool_recycle"] == 7200
    assert options["url"].query["charset"] == "utf8mb4"
    options = {"url": "mysql://u@localhost/db?charset=latin1", "pool_recycle": 60}
    apply_driver_defaults(options, app)
    assert options["pool_recycle"] == 60
    assert options["url"] == "mysql://u@localhost/db?charset=latin1"
    options = {"url": "mariadb+pymysql://u@localhost/db"}
    apply_driver_defaults(options, app)
    assert (options["pool_recycle"], options["url"].query["charset"]) == (7200, "utf8mb4")
    options = {"url": "postgresql://u@localhost/db"}
    apply_driver_defaults(options, app)
    assert options == {"url": "postgresql://u@localhost/db"}


def test_repr(app: Erlen, tmp_path: Path, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'a.db'}"
    app.config["SQLALCHEMY_BINDS"] = {"b": "sqlite://"}
    db = make_db(app)
    assert repr(db) == "<SQLAlchemy>"
    with app.app_context():
        assert repr(db) == f"<SQLAlchemy sqlite:///{tmp_path / 'a.db'} +1>"


def test_shell_context(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = make_db(app)

    class Author(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class Book(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        names = app.make_shell_context()
    assert names["db"] is db
    assert names["Author"] is Author
    assert names["Book"] is Book


def test_shell_context_off(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    make_db(app, add_models_to_shell=False)
    with app.app_context():
        assert "db" not in app.make_shell_context()


def test_add_models_to_shell_function(app: Erlen, make_db: Any) -> None:
    """``erlen.ext.sqlalchemy.cli.add_models_to_shell`` (Flask-SQLAlchemy's
    ``flask_sqlalchemy.cli`` function) gives the current app's ``db`` and
    models; an app without the extension gets a RuntimeError."""
    from erlen.ext.sqlalchemy.cli import add_models_to_shell

    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = make_db(app)

    class Author(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        assert add_models_to_shell() == {"db": db, "Author": Author}
    other = Erlen("other")
    with other.app_context():
        with pytest.raises(RuntimeError, match="init_app"):
            add_models_to_shell()


def test_model_class_with_both_declarative_bases_is_refused(app: Erlen) -> None:
    """A base that mixes DeclarativeBase and DeclarativeBaseNoMeta fails at
    ``SQLAlchemy(...)``, not later on the first model with SQLAlchemy's
    "already been instrumented" error."""

    class Both(DeclarativeBase, sa_orm.DeclarativeBaseNoMeta):  # type: ignore[misc]
        pass

    with pytest.raises(ValueError, match="both DeclarativeBase and DeclarativeBaseNoMeta"):
        SQLAlchemy(app, model_class=Both)
    assert "sqlalchemy" not in app.extensions


# -- sqlalchemy names on db ------------------------------------------------------------------


def test_sqlalchemy_names_on_db() -> None:
    db = SQLAlchemy()
    assert db.Column is sa.Column
    assert db.Integer is sa.Integer
    assert db.String is sa.String
    assert db.ForeignKey is sa.ForeignKey
    assert db.select is sa.select
    assert db.func is sa.func
    assert db.text is sa.text
    assert db.joinedload is sa_orm.joinedload
    assert db.Mapped is Mapped
    assert db.event is sa.event
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        _ = db.no_such_name
    with pytest.raises(AttributeError):
        _ = db._private


def test_relationship_helpers_use_db_query(app: Erlen, make_db: Any) -> None:
    class MyQuery(Query):
        pass

    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = make_db(app, query_class=MyQuery)

    class Parent(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        children = db.relationship("Child", lazy="dynamic", backref="parent")
        toys = db.dynamic_loader("Toy")

    class Child(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        parent_id = db.Column(db.ForeignKey("parent.id"))

    class Pet(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        parent_id = db.Column(db.ForeignKey("parent.id"))
        owner = db.relation("Parent", backref=db.backref("pets", lazy="dynamic"))

    class Toy(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        parent_id = db.Column(db.ForeignKey("parent.id"))

    with app.app_context():
        db.create_all()
        parent = Parent(id=1)
        db.session.add(parent)
        db.session.add_all([Child(id=1, parent=parent), Child(id=2, parent=parent)])
        db.session.commit()
        assert isinstance(parent.children, MyQuery)
        assert parent.children.order_by(Child.id).first_or_404().id == 1
        assert isinstance(parent.toys, MyQuery)
        assert isinstance(Parent.query, MyQuery)
        db.session.add(Pet(id=1, owner=parent))
        assert isinstance(parent.pets, MyQuery)
        assert parent.pets.one().id == 1


# -- models ------------------------------------------------------------------------------------

FSA_NAMES = [
    "User",
    "UserProfile",
    "HTTPLog",
    "HTTPResponseCode",
    "User2Group",
    "ABC",
    "A",
    "userID",
    "IOError",
    "Version2B",
    "already_snake",
    "_Private",
    "Mixed_CaseName",
    "XMLHttpRequest",
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("User", "user"),
        ("UserProfile", "user_profile"),
        ("HTTPLog", "http_log"),
        ("User2Group", "user2_group"),
        ("XMLHttpRequest", "xml_http_request"),
        ("ABC", "abc"),
    ],
)
def test_camel_to_snake_case(name: str, expected: str) -> None:
    assert camel_to_snake_case(name) == expected


def test_camel_to_snake_case_matches_flask_sqlalchemy() -> None:
    model = pytest.importorskip("flask_sqlalchemy.model")
    for name in FSA_NAMES:
        assert camel_to_snake_case(name) == model.camel_to_snake_case(name), name


def test_table_naming_rules(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = make_db(app)

    class Explicit(db.Model):
        __tablename__ = "my_things"
        id = db.Column(db.Integer, primary_key=True)

    class Computed(db.Model):
        @sa_orm.declared_attr.directive
        def __tablename__(cls) -> str:
            return "computed_" + cls.__name__.lower()

        id = db.Column(db.Integer, primary_key=True)

    class Base(db.Model):
        __abstract__ = True
        id = db.Column(db.Integer, primary_key=True)

    class FromAbstract(Base):
        pass

    class NamedMixin:
        __tablename__ = "mixin_named"

    class WithMixin(NamedMixin, db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class Employee(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        kind = db.Column(db.String(20))
        __mapper_args__ = {"polymorphic_on": kind, "polymorphic_identity": "employee"}

    class Manager(Employee):  # joined: its own primary key, its own table
        id = db.Column(db.ForeignKey("employee.id"), primary_key=True)
        __mapper_args__ = {"polymorphic_identity": "manager"}

    class Engineer(Employee):  # single-table: no primary key of its own
        language = db.Column(db.String(20))
        __mapper_args__ = {"polymorphic_identity": "engineer"}

    assert Explicit.__table__.name == "my_things"
    assert Computed.__table__.name == "computed_computed"
    assert FromAbstract.__table__.name == "from_abstract"
    assert WithMixin.__table__.name == "mixin_named"
    assert Manager.__table__.name == "manager"
    assert Engineer.__table__ is Employee.__table__
    assert "engineer" not in db.metadata.tables
    assert "language" in Employee.__table__.c
    with app.app_context():
        db.create_all()
        db.session.add_all([Manager(id=1), Engineer(id=2, language="py")])
        db.session.commit()
        kinds = {e.id: type(e).__name__ for e in Employee.query.all()}
        assert kinds == {1: "Manager", 2: "Engineer"}


def test_table_naming_matches_flask_sqlalchemy() -> None:
    fsa = pytest.importorskip("flask_sqlalchemy")

    def names(db: Any) -> dict[str, str | None]:
        class Base(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            kind = db.Column(db.String(10))
            __mapper_args__ = {"polymorphic_on": kind, "polymorphic_identity": "b"}

        class JoinedChild(Base):
            id = db.Column(db.ForeignKey(Base.id), primary_key=True)
            __mapper_args__ = {"polymorphic_identity": "j"}

        class SingleChild(Base):
            extra = db.Column(db.Integer)
            __mapper_args__ = {"polymorphic_identity": "s"}

        class HTTPThing(db.Model):
            id = db.Column(db.Integer, primary_key=True)

        return {
            cls.__name__: getattr(cls, "__tablename__", None)
            for cls in (Base, JoinedChild, SingleChild, HTTPThing)
        } | {"tables": ",".join(sorted(db.metadata.tables))}

    assert names(SQLAlchemy()) == names(fsa.SQLAlchemy())


def test_disable_autonaming(app: Erlen) -> None:
    db = SQLAlchemy(disable_autonaming=True)
    with pytest.raises(sa.exc.InvalidRequestError, match="__tablename__"):

        class Nameless(db.Model):
            id = db.Column(db.Integer, primary_key=True)

    class Named(db.Model):
        __tablename__ = "named"
        id = db.Column(db.Integer, primary_key=True)

    assert Named.__table__.name == "named"


def test_model_repr_and_query(app: Erlen, database_uri: str, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri
    db = make_db(app)

    class Pair(db.Model):
        a = db.Column(db.Integer, primary_key=True, autoincrement=False)
        b = db.Column(db.Integer, primary_key=True, autoincrement=False)

    with app.app_context():
        db.create_all()
        pair = Pair(a=1, b=2)
        assert repr(pair) == f"<Pair (transient {id(pair)})>"
        db.session.add(pair)
        assert repr(pair) == f"<Pair (pending {id(pair)})>"
        db.session.commit()
        assert repr(pair) == "<Pair 1, 2>"
        query = Pair.query
        assert isinstance(query, Query)
        assert query.session is db.session()
        assert query.all() == [pair]
        assert Pair.query_class is Query
        assert isinstance(db.session(), Session)


def test_typed_declarative_base(app: Erlen, database_uri: str, make_db: Any) -> None:
    class Base(DeclarativeBase):
        metadata = sa.MetaData(naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"})

    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri
    app.config["SQLALCHEMY_BINDS"] = {"audit": "sqlite://"}
    db = make_db(app, model_class=Base)

    class UserAccount(db.Model):
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str] = mapped_column(sa.String(100), unique=True)

    class AuditEntry(db.Model):
        __bind_key__ = "audit"
        id: Mapped[int] = mapped_column(primary_key=True)

    assert issubclass(db.Model, Base)
    assert db.metadata is Base.metadata
    assert UserAccount.__tablename__ == "user_account"
    assert AuditEntry.metadata is db.metadatas["audit"]
    assert db.metadatas["audit"].naming_convention == Base.metadata.naming_convention
    with app.app_context():
        db.create_all()
        assert table_names(db.engine) == {"user_account"}
        assert table_names(db.engines["audit"]) == {"audit_entry"}
        constraints = sa.inspect(db.engine).get_unique_constraints("user_account")
        assert [c["name"] for c in constraints] == ["uq_user_account_email"]
        db.session.add(UserAccount(email="a@example.com"))
        db.session.commit()
        account = db.one_or_404(db.select(UserAccount))
        assert account.email == "a@example.com"
        assert repr(account) == f"<UserAccount {account.id}>"
        assert UserAccount.query.count() == 1


def test_typed_dataclass_base(app: Erlen, make_db: Any) -> None:
    class Base(MappedAsDataclass, DeclarativeBase):
        pass

    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = make_db(app, model_class=Base, disable_autonaming=True)

    class Tag(db.Model):
        __tablename__ = "tags"
        id: Mapped[int] = mapped_column(primary_key=True, init=False)
        label: Mapped[str] = mapped_column(default="new")

    with app.app_context():
        db.create_all()
        tag = Tag(label="x")
        db.session.add(tag)
        db.session.commit()
        got = db.session.get(Tag, 1)
        assert (got.id, got.label) == (1, "x")
        # The dataclass's own repr wins over Model's.
        assert repr(got).endswith("Tag(id=1, label='x')")
        assert Tag().label == "new"


def test_plain_declarative_base_bases_refused() -> None:
    with pytest.raises(ValueError, match="subclass of DeclarativeBase"):
        SQLAlchemy(model_class=DeclarativeBase)


def test_custom_model_class(app: Erlen, make_db: Any) -> None:
    class Timestamped(Model):
        def describe(self) -> str:
            return f"{type(self).__name__}#{self.id}"  # type: ignore[attr-defined]

    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = make_db(app, model_class=Timestamped)

    class Thing(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    assert Thing(id=3).describe() == "Thing#3"


def test_metadata_argument_and_naming_convention(app: Erlen, tmp_path: Path, make_db: Any) -> None:
    metadata = sa.MetaData(naming_convention={"ix": "ix_%(column_0_label)s"})
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_BINDS"] = {"other": "sqlite://"}
    db = make_db(app, metadata=metadata)
    assert db.metadata is metadata
    assert db.Model.metadata is metadata
    assert metadata.info["bind_key"] is None
    assert db.metadatas["other"].naming_convention == metadata.naming_convention
    assert db.metadatas["other"].info["bind_key"] == "other"


def test_db_table(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_BINDS"] = {"other": "sqlite://"}
    db = make_db(app)
    plain = db.Table("plain", db.Column("id", db.Integer, primary_key=True))
    bound = db.Table("bound", db.Column("id", db.Integer), bind_key="other")
    own_meta = sa.MetaData()
    explicit = db.Table("explicit", own_meta, db.Column("id", db.Integer))
    empty = db.Table("empty")
    assert plain.metadata is db.metadata
    assert bound.metadata is db.metadatas["other"]
    assert explicit.metadata is own_meta
    assert empty.metadata is db.metadata and list(empty.c) == []
    assert isinstance(plain, sa.Table) and isinstance(plain, db.Table)
    # The existing table comes back (extend_existing) rather than a duplicate.
    again = db.Table("plain", db.Column("name", db.String), extend_existing=True)
    assert again is plain and set(plain.c.keys()) == {"id", "name"}
    db.metadata.remove(empty)  # a table without columns cannot be created
    with app.app_context():
        db.create_all()
        assert table_names(db.engines["other"]) == {"bound"}
        assert table_names(db.engine) == {"plain"}


# -- binds -------------------------------------------------------------------------------------


@pytest.fixture
def bound_db(app: Erlen, tmp_path: Path, database_uri: str, make_db: Any) -> Any:
    """A db whose default database is ``database_uri`` and whose "archive"
    bind is a second SQLite file, with one model on each."""
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri
    app.config["SQLALCHEMY_BINDS"] = {"archive": f"sqlite:///{tmp_path / 'archive.db'}"}
    db = make_db(app)

    class Post(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(50))

    class OldPost(db.Model):
        __bind_key__ = "archive"
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(50))

    db.Post, db.OldPost = Post, OldPost  # type: ignore[attr-defined]
    return db


def test_binds_route_models_to_their_engine(app: Erlen, bound_db: Any) -> None:
    db, Post, OldPost = bound_db, bound_db.Post, bound_db.OldPost
    assert OldPost.metadata is db.metadatas["archive"]
    assert Post.metadata is db.metadata
    with app.app_context():
        db.create_all()
        assert table_names(db.engine) == {"post"}
        assert table_names(db.engines["archive"]) == {"old_post"}
        db.session.add_all([Post(title="new"), OldPost(title="old")])
        db.session.commit()
        # Each row is in its own database, seen through plain connections.
        with db.engines["archive"].connect() as conn:
            assert conn.execute(sa.text("SELECT title FROM old_post")).scalars().all() == ["old"]
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT title FROM post")).scalars().all() == ["new"]
        # ORM, Core select and DML on a bound table all find the bind.
        assert OldPost.query.one().title == "old"
        assert db.session.execute(db.select(OldPost.__table__)).one().title == "old"
        db.session.execute(db.update(OldPost.__table__).values(title="older"))
        db.session.commit()
        assert db.session.scalar(db.select(OldPost.title)) == "older"
        joined = db.select(OldPost.__table__).join(
            Post.__table__, OldPost.__table__.c.id == OldPost.__table__.c.id
        )
        assert db.session.get_bind(clause=joined) is db.engines["archive"]
        assert db.session.get_bind(clause=sa.text("SELECT 1")) is db.engine


def test_create_and_drop_by_bind_key(app: Erlen, bound_db: Any) -> None:
    db = bound_db
    with app.app_context():
        db.create_all(bind_key="archive")
        assert table_names(db.engines["archive"]) == {"old_post"}
        assert table_names(db.engine) == set()
        db.create_all(bind_key=None)
        assert table_names(db.engine) == {"post"}
        db.drop_all(bind_key=["archive", None])
        assert table_names(db.engine) == table_names(db.engines["archive"]) == set()
        with pytest.raises(
            sa.exc.UnboundExecutionError, match="'nope' is not in 'SQLALCHEMY_BINDS'"
        ):
            db.create_all(bind_key="nope")


def test_bind_missing_from_config(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = make_db(app)

    class Lost(db.Model):
        __bind_key__ = "lost"
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        with pytest.raises(sa.exc.UnboundExecutionError, match="'lost' is not in"):
            db.create_all()
        with pytest.raises(sa.exc.UnboundExecutionError, match="'lost' is not in"):
            Lost.query.all()


def test_binds_only_without_default(app: Erlen, make_db: Any) -> None:
    app.config["SQLALCHEMY_BINDS"] = {"only": "sqlite://"}
    db = make_db(app)
    with app.app_context():
        with pytest.raises(sa.exc.UnboundExecutionError, match="'SQLALCHEMY_DATABASE_URI'"):
            _ = db.engine
        with pytest.raises(sa.exc.UnboundExecutionError, match="'SQLALCHEMY_DATABASE_URI'"):
            db.create_all()
        db.create_all(bind_key="only")
        assert repr(db) == "<SQLAlchemy binds=['only']>"
        # A statement on no bound table has no engine to go to.
        with pytest.raises(sa.exc.UnboundExecutionError):
            db.session.execute(sa.text("SELECT 1"))


def test_bind_with_postgresql_and_sqlite_together(
    app: Erlen, tmp_path: Path, postgres_url: str, make_db: Any
) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'main.db'}"
    app.config["SQLALCHEMY_BINDS"] = {"pg": postgres_url}
    db = make_db(app)

    class Local(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    class Remote(db.Model):
        __bind_key__ = "pg"
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        db.create_all()
        db.session.add_all([Local(id=1), Remote(id=2)])
        db.session.commit()
        assert db.engines["pg"].dialect.name == "postgresql"
        assert table_names(db.engines["pg"]) == {"remote"}
        assert [r.id for r in Remote.query] == [2]
        assert [r.id for r in Local.query] == [1]


def test_reflect(app: Erlen, database_uri: str, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri
    db = make_db(app)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE legacy_item (id INTEGER PRIMARY KEY, name TEXT)"))
            conn.execute(sa.text("INSERT INTO legacy_item VALUES (1, 'kept')"))
        assert "legacy_item" not in db.metadata.tables
        db.reflect()
        table = db.metadata.tables["legacy_item"]
        assert set(table.c.keys()) == {"id", "name"}
        assert db.session.execute(db.select(table.c.name)).scalar_one() == "kept"

        # A model named after a reflected table maps onto it.
        class LegacyItem(db.Model):
            pass

        assert LegacyItem.__table__ is table
        assert db.get_or_404(LegacyItem, 1).name == "kept"


def test_drop_all_keeps_unknown_tables(app: Erlen, database_uri: str, make_db: Any) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri
    db = make_db(app)

    class Mine(db.Model):
        id = db.Column(db.Integer, primary_key=True)

    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE foreign_thing (id INTEGER)"))
        db.create_all()
        assert table_names(db.engine) == {"mine", "foreign_thing"}
        db.drop_all()
        assert table_names(db.engine) == {"foreign_thing"}


def test_instance_path_not_created_for_absolute_paths(tmp_path: Path, make_db: Any) -> None:
    app = Erlen("absolute", instance_path=str(tmp_path / "never"))
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'x.db'}"
    make_db(app)
    assert not os.path.exists(tmp_path / "never")
