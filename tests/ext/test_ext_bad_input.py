"""Adversarial input against every battery: a clear 4xx and a useful message,
never a 500 or a hang; nothing a user stored is lost when a backend fails.

Each test here reproduced a 500 (or checks a boundary next to one that did)
before its battery was fixed. Client tests run on WSGI and ASGI through the
``client`` / ``make_client`` fixtures; Hypothesis fuzzes the parsers that read
client-controlled text.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session, sessionmaker

from erlen import Erlen, jsonify, session
from erlen.testing import ErlenClient

# -- forms: the Referer check under HTTPS ---------------------------------------------


@pytest.fixture
def csrf_app(app: Erlen) -> Erlen:
    from erlen.ext.forms import CSRFProtect, generate_csrf

    CSRFProtect(app)

    @app.get("/token")
    def token() -> str:
        return generate_csrf()

    @app.post("/sync")
    def sync_view() -> str:
        return "posted"

    @app.post("/async")
    async def async_view() -> str:
        return "posted"

    return app


@pytest.mark.parametrize("path", ["/sync", "/async"])
@pytest.mark.parametrize(
    "referer",
    ["https://[::1/", "http://[zz]/", "https://[", "https://localhost:99999999/", "https://l:x/"],
)
def test_csrf_referer_that_is_not_a_url_is_a_400(
    csrf_app: Erlen, make_client: Any, path: str, referer: str
) -> None:
    client = make_client(csrf_app)
    token = client.get("/token", base_url="https://localhost/").text
    response = client.post(
        path,
        data={"csrf_token": token},
        base_url="https://localhost/",
        headers={"Referer": referer},
    )
    assert response.status_code == 400
    assert "The referrer does not match the host." in response.text


def test_csrf_referer_of_our_host_still_passes(csrf_app: Erlen, client: ErlenClient) -> None:
    token = client.get("/token", base_url="https://localhost/").text
    response = client.post(
        "/sync",
        data={"csrf_token": token},
        base_url="https://localhost/",
        headers={"Referer": "https://localhost/form"},
    )
    assert response.status_code == 200
    assert response.text == "posted"


@given(st.text(max_size=60), st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_same_origin_never_raises(left: str, right: str) -> None:
    from erlen.ext.forms.csrf import same_origin

    assert isinstance(same_origin(left, right), bool)
    assert isinstance(same_origin("https://localhost/", "https://" + right), bool)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"json": [1, 2]}, "must be an object"),
        ({"json": 5}, "must be an object"),
        (
            {
                "data": b"csrf_token=\xff&name=\xfe",
                "content_type": "application/x-www-form-urlencoded",
            },
            "not valid utf-8",
        ),
    ],
)
def test_form_bodies_that_are_not_forms_are_a_400(
    app: Erlen, client: ErlenClient, kwargs: dict[str, Any], message: str
) -> None:
    from erlen.ext.forms import Form, StringField

    class NameForm(Form):
        name = StringField()

    @app.post("/form")
    def form_view() -> Any:
        form = NameForm(meta={"csrf": False})
        return {"valid": form.validate()}

    response = client.post("/form", **kwargs)
    assert response.status_code == 400
    assert message in response.text


# -- jwt: a blank credential in the Authorization header --------------------------------


@pytest.fixture
def jwt_app(app: Erlen) -> Erlen:
    from erlen.ext.jwt import JWTManager, get_jwt_identity, jwt_required

    app.config["JWT_SECRET_KEY"] = "s" * 40
    JWTManager(app)

    @app.get("/me")
    @jwt_required()
    def me() -> Any:
        return jsonify(id=get_jwt_identity())

    @app.get("/ame")
    @jwt_required()
    async def async_me() -> Any:
        return jsonify(id=get_jwt_identity())

    return app


@pytest.mark.parametrize("path", ["/me", "/ame"])
@pytest.mark.parametrize("header", [",,,, ,", " , ", "Basic abc, ,", ", \t,"])
def test_jwt_blank_credentials_in_the_header_are_a_401(
    jwt_app: Erlen, make_client: Any, path: str, header: str
) -> None:
    response = make_client(jwt_app).get(path, headers={"Authorization": header})
    assert response.status_code == 401
    assert "Missing" in response.json["msg"] and "Authorization" in response.json["msg"]


def test_jwt_a_real_token_after_a_blank_credential_still_works(
    jwt_app: Erlen, client: ErlenClient
) -> None:
    from erlen.ext.jwt import create_access_token

    with jwt_app.app_context():
        token = create_access_token("alice")
    response = client.get("/me", headers={"Authorization": f" , Bearer {token}"})
    assert response.status_code == 200
    assert response.json == {"id": "alice"}


@pytest.mark.parametrize(
    ("header", "status", "message"),
    [
        ("Bearer !!!.@@@.###", 422, "Invalid header padding"),
        ("Bearer " + "a" * 50_000, 422, "Not enough segments"),
        ("Bearer a.b", 422, "Not enough segments"),
        ("Bearer", 422, "Bad Authorization header"),
    ],
)
def test_jwt_garbage_tokens_are_a_422(
    jwt_app: Erlen, client: ErlenClient, header: str, status: int, message: str
) -> None:
    response = client.get("/me", headers={"Authorization": header})
    assert response.status_code == status
    assert message in response.json["msg"]


# -- session: corrupted records in every store ------------------------------------------

# Tagged JSON whose tags hold the wrong type made the decoder raise
# AttributeError (a 500); plain garbage was already a new session.
CORRUPT_RECORDS = [
    b'{" u": 5}',
    b'{"a": {" d": 5}}',
    b'{" d": [1]}',
    b'{" u": [1]}',
    b'{" t": 5}',
    b'{" b": 5}',
    b'{" di": 5}',
    b"\xff\xfe",
    b"[1, 2]",
    b"[" * 50_000,
]


def _session_views(app: Erlen) -> None:
    @app.post("/set/<value>")
    def set_value(value: str) -> str:
        session["v"] = value
        return "set"

    @app.get("/get")
    def get_value() -> Any:
        return {"v": session.get("v")}

    @app.get("/aget")
    async def async_get_value() -> Any:
        return {"v": session.get("v")}


@pytest.fixture(params=["redis", "filesystem", "sqlalchemy"])
def store_app(request: pytest.FixtureRequest, app: Erlen, tmp_path: Any) -> Erlen:
    from erlen.ext.session import Session

    kind = request.param
    if kind == "redis":
        import redis

        redis_url = request.getfixturevalue("redis_url")
        prefix = request.getfixturevalue("redis_prefix")
        app.config.update(
            SESSION_TYPE="redis",
            SESSION_REDIS=redis.from_url(redis_url),
            SESSION_KEY_PREFIX=prefix,
        )
    elif kind == "filesystem":
        app.config.update(SESSION_TYPE="filesystem", SESSION_FILE_DIR=str(tmp_path / "s"))
    else:
        app.config.update(
            SESSION_TYPE="sqlalchemy",
            SESSION_SQLALCHEMY=sa.create_engine(f"sqlite:///{tmp_path / 's.db'}"),
        )
    Session(app)
    _session_views(app)
    return app


@pytest.mark.parametrize("record", CORRUPT_RECORDS, ids=lambda r: repr(r[:12]))
def test_corrupt_stored_session_gives_an_empty_session(
    store_app: Erlen, make_client: Any, record: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(store_app)
    assert client.post("/set/hello").status_code == 200
    assert client.get("/get").json == {"v": "hello"}
    cookie = client.get_cookie("session")
    assert cookie is not None
    interface: Any = store_app.session_interface
    lifetime = store_app.permanent_session_lifetime
    interface.store(interface.store_id(cookie.value), record, lifetime)
    with caplog.at_level(logging.WARNING):
        for path in ("/get", "/aget"):
            response = client.get(path)
            assert response.status_code == 200
            assert response.json == {"v": None}
    assert any("is not a session" in r.getMessage() for r in caplog.records)


@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
@settings(max_examples=300, deadline=None)
def test_session_deserialize_never_raises(data: bytes) -> None:
    from erlen.ext.session.base import ServerSideSessionInterface

    result = ServerSideSessionInterface().deserialize(data)
    assert result is None or isinstance(result, dict)


_TAGGED = st.recursive(
    st.none() | st.integers() | st.text(max_size=8) | st.booleans(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from([" t", " u", " b", " d", " m", " di", "k"]), inner, max_size=2
        )
    ),
    max_leaves=8,
)


@given(_TAGGED)
@settings(max_examples=300, deadline=None)
def test_session_deserialize_never_raises_on_tagged_json(value: Any) -> None:
    import json

    from erlen.ext.session.base import ServerSideSessionInterface

    result = ServerSideSessionInterface().deserialize(json.dumps(value).encode())
    assert result is None or isinstance(result, dict)


@pytest.mark.parametrize(
    "cookie", ["x", "a" * 3000, "ü" * 20, "../../etc/passwd", "." * 40, "A" * 43 + ".sig"]
)
def test_session_cookie_garbage_gives_a_new_session(
    app: Erlen, make_client: Any, tmp_path: Any, cookie: str
) -> None:
    from erlen.ext.session import Session

    app.config.update(
        SESSION_TYPE="filesystem", SESSION_FILE_DIR=str(tmp_path), SESSION_USE_SIGNER=True
    )
    Session(app)
    _session_views(app)
    client = make_client()
    client.set_cookie("session", cookie)
    response = client.get("/get")
    assert response.status_code == 200
    assert response.json == {"v": None}


def test_redis_down_mid_session_is_a_503_and_keeps_the_data(
    app: Erlen,
    make_client: Any,
    redis_url: str,
    redis_prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import redis

    from erlen.ext.session import Session

    app.config.update(
        SESSION_TYPE="redis",
        SESSION_REDIS=redis.from_url(redis_url),
        SESSION_KEY_PREFIX=redis_prefix,
    )
    Session(app)
    _session_views(app)
    client = make_client()
    assert client.post("/set/precious").status_code == 200
    interface: Any = app.session_interface
    working = interface.client
    # Port 1 is closed: every command fails to connect at once.
    interface.client = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    with caplog.at_level(logging.ERROR):
        assert client.get("/get").status_code == 503
        assert client.post("/set/lost").status_code == 503
    assert any("redis session store is unavailable" in r.getMessage() for r in caplog.records)
    interface.client = working
    assert client.get("/aget").json == {"v": "precious"}


# -- sqlalchemy: page numbers and primary keys no database accepts ---------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def sa_app(request: pytest.FixtureRequest, app: Erlen) -> Iterator[tuple[Erlen, Any]]:
    from erlen.ext.sqlalchemy import SQLAlchemy

    if request.param == "sqlite":
        uri = "sqlite://"
    else:
        uri = request.getfixturevalue("postgres_url")
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    db = SQLAlchemy(app)

    class Item(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(20))

    class Tag(db.Model):  # type: ignore[name-defined,misc]
        name = db.Column(db.String(20), primary_key=True)

    class Doc(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Uuid, primary_key=True, default=uuid.uuid4)

    class Big(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.BigInteger, primary_key=True)

    models = {"item": Item, "tag": Tag, "doc": Doc, "big": Big}

    @app.get("/items")
    def items() -> Any:
        page = db.paginate(db.select(Item).order_by(Item.id))
        return {"page": page.page, "names": [item.name for item in page.items]}

    @app.get("/legacy")
    async def legacy() -> Any:
        page = Item.query.order_by(Item.id).paginate()
        return {"page": page.page, "count": len(page.items)}

    @app.get("/soft")
    def soft() -> Any:
        page = db.paginate(db.select(Item).order_by(Item.id), error_out=False)
        return {"page": page.page, "count": len(page.items)}

    @app.get("/<kind>/<ident>")
    def one(kind: str, ident: str) -> str:
        row = db.get_or_404(models[kind], ident)
        return str(getattr(row, "id", None) or row.name)

    @app.get("/q/<int:ident>")
    def legacy_one(ident: int) -> str:
        return str(Item.query.get_or_404(ident).name)

    with app.app_context():
        db.create_all()
        db.session.add_all([Item(name=f"i{n}") for n in range(25)])
        db.session.commit()
    yield app, db
    with app.app_context():
        db.session.remove()
        db.drop_all()
        for engine in db.engines.values():
            engine.dispose()


@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999",
        "page=9223372036854775807",
        "page=100000000000&per_page=100000000",
        "page=2&per_page=9223372036854775807",
    ],
)
def test_paginate_past_any_offset_is_a_404(
    sa_app: tuple[Erlen, Any], make_client: Any, query: str
) -> None:
    client = make_client(sa_app[0])
    for path in ("/items", "/legacy"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 404
        assert "is past the last page" in response.text


def test_paginate_huge_per_page_is_all_items(sa_app: tuple[Erlen, Any], make_client: Any) -> None:
    client = make_client(sa_app[0])
    response = client.get("/items?per_page=99999999999999999999999")
    assert response.status_code == 200
    assert len(response.json["names"]) == 25
    # With error_out=False a page past any offset is an empty page, not an error.
    soft = client.get("/soft?page=99999999999999999999")
    assert soft.status_code == 200
    assert soft.json == {"page": 99999999999999999999, "count": 0}


@pytest.mark.parametrize(
    "path",
    [
        "/item/99999999999999999999",
        "/item/9223372036854775808",
        "/item/-9223372036854775809",
        "/big/99999999999999999999",
        "/doc/not-a-uuid",
        "/doc/%00",
        "/tag/%00",
        "/q/99999999999999999999",
    ],
)
def test_get_or_404_with_an_impossible_key_is_a_404(
    sa_app: tuple[Erlen, Any], make_client: Any, path: str
) -> None:
    response = make_client(sa_app[0]).get(path)
    assert response.status_code == 404


def test_get_or_404_still_finds_rows(sa_app: tuple[Erlen, Any], make_client: Any) -> None:
    client = make_client(sa_app[0])
    assert client.get("/item/3").text == "3"
    assert client.get("/q/3").text == "i2"
    assert client.get("/item/99").status_code == 404


def test_get_or_404_postgres_integer_is_32_bit(
    app: Erlen, make_client: Any, postgres_url: str
) -> None:
    from erlen.ext.sqlalchemy import SQLAlchemy

    app.config["SQLALCHEMY_DATABASE_URI"] = postgres_url
    db = SQLAlchemy(app)

    class Row(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)

    @app.get("/row/<ident>")
    def row(ident: str) -> str:
        return str(db.get_or_404(Row, ident).id)

    with app.app_context():
        db.create_all()
        db.session.add(Row(id=2**31 - 1))
        db.session.commit()
    client = make_client()
    assert client.get(f"/row/{2**31 - 1}").text == str(2**31 - 1)
    assert client.get(f"/row/{2**31}").status_code == 404
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def test_dead_database_is_a_logged_500(
    app: Erlen, make_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from erlen.ext.sqlalchemy import SQLAlchemy

    # Port 1 is closed: the connection is refused at once.
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2"
    )
    app.config["TESTING"] = False
    db = SQLAlchemy(app)

    class Thing(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)

    @app.get("/thing/<int:ident>")
    def thing(ident: int) -> str:
        return str(db.get_or_404(Thing, ident).id)

    with caplog.at_level(logging.ERROR):
        response = make_client().get("/thing/1")
    with app.app_context():
        db.engine.dispose()
    assert response.status_code == 500
    assert any(r.exc_info and "OperationalError" in repr(r.exc_info[1]) for r in caplog.records)


# -- admin: list arguments and ids no database accepts ---------------------------------


class _AdminBase(DeclarativeBase):
    pass


class Person(_AdminBase):
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    age: Mapped[int | None] = mapped_column(sa.Integer)
    balance: Mapped[Any] = mapped_column(sa.Numeric(10, 2), nullable=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def admin_app(request: pytest.FixtureRequest, app: Erlen, tmp_path: Any) -> Iterator[Erlen]:
    from erlen.ext.admin import Admin, ModelView

    if request.param == "sqlite":
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'admin.db'}")
    else:
        engine = sa.create_engine(request.getfixturevalue("postgres_url"))
    _AdminBase.metadata.create_all(engine)
    db = scoped_session(sessionmaker(engine))
    db.add_all([Person(name=f"p{n}", age=n) for n in range(5)])
    db.commit()

    class PersonView(ModelView):
        column_searchable_list = ["name"]
        column_filters = ["name", "age", "balance"]

    app.config["AUDIT_DIALECT"] = request.param
    admin = Admin(app, name="Audit")
    admin.add_view(PersonView(Person, db))
    yield app
    db.remove()
    _AdminBase.metadata.drop_all(engine)
    engine.dispose()


def _names(html: str) -> set[str]:
    """The person names in the list's cells."""
    return set(re.findall(r">\s*(p\d+)\s*<", html))


def _admin_token(client: ErlenClient) -> str:
    html = client.get("/admin/person/new/").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


# Filter indices: name 0-3 (equals, not equal, contains, not contains),
# age 4-7 and balance 8-11 (equals, not equal, greater, smaller).
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("flt0_4=99999999999999999999", "is out of range"),
        ("flt0_7=-99999999999999999999999", "is out of range"),
        ("flt0_8=NaN", "is out of range"),
        ("flt0_10=sNaN", "is out of range"),
        ("flt0_8=1e999999", "is out of range"),
        ("flt0_2=%00", "cannot contain a NUL character"),
        ("search=%00", "cannot contain a NUL character"),
        ("search=" + "+".join(f"w{n}" for n in range(40)), "too many words"),
    ],
)
def test_admin_list_arguments_no_database_takes_are_a_400(
    admin_app: Erlen, make_client: Any, query: str, message: str
) -> None:
    response = make_client(admin_app).get(f"/admin/person/?{query}")
    assert response.status_code == 400
    assert message in response.text


def test_admin_big_values_within_range_still_filter(admin_app: Erlen, make_client: Any) -> None:
    client = make_client(admin_app)
    # "smaller than" the largest 32-bit integer: every row.
    response = client.get("/admin/person/?flt0_7=2147483647")
    assert response.status_code == 200
    assert _names(response.text) == {"p0", "p1", "p2", "p3", "p4"}
    # A word repeated many times is one clause, not thousands.
    repeated = client.get("/admin/person/?search=" + "+".join(["p3"] * 3000))
    assert repeated.status_code == 200
    assert _names(repeated.text) == {"p3"}


def test_admin_integer_filter_range_follows_the_database(
    admin_app: Erlen, make_client: Any
) -> None:
    response = make_client(admin_app).get("/admin/person/?flt0_4=3000000000")
    if admin_app.config["AUDIT_DIALECT"] == "sqlite":
        # SQLite's INTEGER holds 64 bits: a valid value that matches no row.
        assert response.status_code == 200
        assert _names(response.text) == set()
    else:
        assert response.status_code == 400
        assert "is out of range" in response.text


@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775807"])
def test_admin_page_past_any_offset_is_an_empty_list(
    admin_app: Erlen, make_client: Any, page: str
) -> None:
    response = make_client(admin_app).get(f"/admin/person/?page={page}")
    assert response.status_code == 200
    assert _names(response.text) == set()


@pytest.mark.parametrize("ident", ["99999999999999999999", "3000000000", "%00", "abc", "1,2"])
def test_admin_ids_no_row_can_have_redirect_to_the_list(
    admin_app: Erlen, make_client: Any, ident: str
) -> None:
    client = make_client(admin_app)
    for view in ("edit", "details"):
        response = client.get(f"/admin/person/{view}/?id={ident}")
        if ident == "3000000000" and response.status_code == 200:
            # SQLite's INTEGER holds 64 bits: a valid id that finds no row.
            continue
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/admin/person/")
    token = _admin_token(client)
    deleted = client.post("/admin/person/delete/", data={"id": ident, "csrf_token": token})
    assert deleted.status_code == 302
    assert _names(client.get("/admin/person/").text) == {"p0", "p1", "p2", "p3", "p4"}


@pytest.mark.parametrize("token", ["\u00b2.abc", "1.abc", "", "..."])
def test_admin_post_with_a_bad_csrf_token_is_a_400(
    admin_app: Erlen, make_client: Any, token: str
) -> None:
    client = make_client(admin_app)
    client.get("/admin/person/")
    response = client.post("/admin/person/new/", data={"name": "x", "csrf_token": token})
    assert response.status_code == 400
    assert "CSRF token is" in response.text


def test_admin_redirect_targets_stay_on_site(admin_app: Erlen, make_client: Any) -> None:
    client = make_client(admin_app)
    token = _admin_token(client)
    for target in ("javascript:alert(1)", "https://evil.example/", "//evil.example", "/\\evil"):
        response = client.post(
            "/admin/person/delete/", data={"id": "1", "csrf_token": token, "url": target}
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/admin/person/")


# -- the parsers that read client text, fuzzed -----------------------------------------


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_is_safe_next_url_never_raises_and_never_leaves(target: str) -> None:
    from urllib.parse import urlsplit

    from erlen.ext.login.utils import is_safe_next_url

    if is_safe_next_url(target):
        parts = urlsplit(target)
        assert not parts.scheme and not parts.netloc
        assert target.startswith("/") and not target.startswith("//")


@given(st.text(max_size=120))
@settings(max_examples=300, deadline=None)
def test_remember_cookie_decode_never_raises(cookie: str) -> None:
    from erlen.ext.login.utils import decode_cookie

    assert decode_cookie(cookie, key="secret") is None or "|" in cookie


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_admin_safe_url_never_raises(target: str) -> None:
    from erlen.ext.admin.helpers import is_safe_url

    assert isinstance(is_safe_url(target), bool)


def test_login_remember_cookie_garbage_is_anonymous(app: Erlen, make_client: Any) -> None:
    from erlen.ext.login import LoginManager, UserMixin, current_user, login_required

    manager = LoginManager(app)

    class User(UserMixin):
        def __init__(self, ident: str) -> None:
            self.id = ident

    @manager.user_loader
    def load(ident: str) -> User | None:
        return User(ident) if ident == "1" else None

    @app.get("/me")
    @login_required
    async def me() -> str:
        return str(current_user.id)

    for cookie in ("|", "1|" + "0" * 128, "ü|é", "1|" + "a" * 3000, "||||"):
        client = make_client()
        client.set_cookie("remember_token", cookie)
        assert client.get("/me").status_code == 401
    with app.test_request_context():
        from erlen.ext.login.utils import encode_cookie

        good = encode_cookie("1")
    client = make_client()
    client.set_cookie("remember_token", good)
    assert client.get("/me").text == "1"


def test_rest_json_that_is_not_an_object_is_a_400(app: Erlen, client: ErlenClient) -> None:
    from erlen.ext.rest import Api, Resource, reqparse

    parser = reqparse.RequestParser()
    parser.add_argument("n", type=int)
    parser.add_argument("c", choices=("a", "b"))

    class Thing(Resource):
        async def post(self) -> Any:
            return parser.parse_args()

    Api(app).add_resource(Thing, "/thing")
    for body, message in (
        ([1], "must be an object"),
        (3, "must be an object"),
        ({"n": {"a": 1}}, "int() argument"),
        ({"c": {"a": 1}}, "is not a valid choice"),
    ):
        response = client.post("/thing", json=body)
        assert response.status_code == 400
        assert message in str(response.json["message"])
    broken = client.post("/thing", data=b"{", content_type="application/json")
    assert broken.status_code == 400


# -- boundaries that already held: kept so they keep holding --------------------------


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        (
            {
                "data": "&".join(f"a{n}=1" for n in range(1500)),
                "content_type": "application/x-www-form-urlencoded",
            },
            413,
            "more than 1000 fields",
        ),
        ({"data": b"abc", "content_type": "multipart/form-data"}, 400, "missing boundary"),
        (
            {
                "data": b'--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\nv',
                "content_type": "multipart/form-data; boundary=xx",
            },
            400,
            "truncated",
        ),
        (
            {"data": b"\xff" * 500, "content_type": "multipart/form-data; boundary=xx"},
            400,
            "data before the first boundary",
        ),
        ({"data": {"csrf_token": ["a", "b"]}}, 400, "CSRF session token is missing"),
    ],
)
def test_csrf_odd_bodies_are_a_4xx(
    csrf_app: Erlen, client: ErlenClient, kwargs: dict[str, Any], status: int, message: str
) -> None:
    response = client.post("/async", **kwargs)
    assert response.status_code == status
    assert message in response.text


def _b64(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signed(header: dict[str, Any], payload: bytes, key: bytes = b"s" * 40) -> str:
    import hashlib
    import hmac
    import json

    head = _b64(json.dumps(header).encode())
    body = _b64(payload)
    signature = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def _claims(**changes: Any) -> bytes:
    import json
    import time

    # The tokens are built when the module is collected, which may be minutes
    # before the test runs: they stay valid for a day, so only the crafted
    # defect can fail them.
    now = int(time.time())
    claims: dict[str, Any] = {"sub": "u", "type": "access", "fresh": False, "jti": "j"}
    claims.update(iat=now - 60, nbf=now - 60, exp=now + 86_400)
    claims.update(changes)
    return json.dumps({k: v for k, v in claims.items() if v is not None}).encode()


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (_b64(b'{"alg":"none"}') + "." + _b64(_claims()) + ".", "alg value is not allowed"),
        (_signed({"alg": "HS512"}, _claims()), "alg value is not allowed"),
        (_signed({"alg": "RS256"}, _claims()), "alg value is not allowed"),
        (_signed({"alg": "HS256"}, _claims(), key=b"k" * 40), "Signature verification failed"),
        (_signed({"alg": "HS256"}, b"{not json"), "Invalid payload"),
        (_signed({"alg": "HS256"}, b"[1, 2]"), "Invalid payload"),
        (_signed({"alg": "HS256"}, _claims(sub=None)), "Missing claim: sub"),
        (_signed({"alg": "HS256"}, _claims(sub={"a": 1})), "Subject must be a string"),
        (_signed({"alg": "HS256"}, _claims(exp="soon")), "Expiration Time claim (exp)"),
        (_signed({"alg": "HS256"}, _claims(iat="x")), "Issued At claim (iat)"),
        (_signed({"alg": "HS256", "kid": {"x": 1}}, _claims()), "Key ID"),
    ],
)
def test_jwt_crafted_tokens_are_a_422(
    jwt_app: Erlen, client: ErlenClient, token: str, message: str
) -> None:
    for path in ("/me", "/ame"):
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 422
        assert message in response.json["msg"]


def test_jwt_json_location_with_a_body_that_is_not_an_object_is_a_401(
    app: Erlen, client: ErlenClient
) -> None:
    from erlen.ext.jwt import JWTManager, jwt_required

    app.config.update(JWT_SECRET_KEY="s" * 40, JWT_TOKEN_LOCATION=["json"])
    JWTManager(app)

    @app.post("/me")
    @jwt_required()
    def me() -> str:
        return "me"

    for kwargs in (
        {"json": [1]},
        {"json": "token"},
        {"json": {"access_token": 5}},
        {"data": b"{", "content_type": "application/json"},
        {"data": b'{"access_token": "\xff"}', "content_type": "application/json"},
    ):
        response = client.post("/me", **kwargs)
        assert response.status_code == 401
        assert 'Missing "access_token" key in json data.' in response.json["msg"]


@pytest.mark.parametrize(
    "origin",
    ["null", "*", "https://[::1", "http://[zz]", "a" * 5000, "https://a, https://b", "\t"],
)
def test_cors_garbage_origins_get_an_answer(app: Erlen, client: ErlenClient, origin: str) -> None:
    from erlen.ext.cors import CORS

    CORS(app, origins=["https://ok.example"], supports_credentials=True)

    @app.get("/data")
    async def data() -> str:
        return "data"

    simple = client.get("/data", headers={"Origin": origin})
    assert simple.status_code == 200
    assert "Access-Control-Allow-Origin" not in simple.headers
    preflight = client.options(
        "/data",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "gEt",
            "Access-Control-Request-Headers": ",".join(f"X-H{n}" for n in range(2000)),
        },
    )
    assert preflight.status_code == 200
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_cors_preflight_method_case_and_header_garbage(app: Erlen, client: ErlenClient) -> None:
    from erlen.ext.cors import CORS

    CORS(app)

    @app.route("/data", methods=["GET", "POST"])
    def data() -> str:
        return "data"

    response = client.options(
        "/data",
        headers={
            "Origin": "https://a.example",
            "Access-Control-Request-Method": "pOsT",
            "Access-Control-Request-Headers": "x-a, ,, ,\t, Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type, x-a"


@pytest.mark.parametrize(
    ("host", "location"),
    [
        ("example.com:8080", "https://example.com:8080/page"),
        ("[::1]", "https://[::1]/page"),
        ("[::1]:8443", "https://[::1]:8443/page"),
        ("[::1", None),
        ("ex ample", None),
        ("ex.com:abc", None),
        ("a@b.com", None),
        ("ex.com\\evil", None),
        ("évil.com", None),
    ],
)
def test_force_https_with_odd_hosts(
    app: Erlen, client: ErlenClient, host: str, location: str | None
) -> None:
    from erlen.ext.security import Talisman

    Talisman(app)

    @app.get("/page")
    async def page() -> str:
        return "page"

    response = client.get("/page", headers={"Host": host})
    if location is None:
        assert response.status_code == 400
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == location
