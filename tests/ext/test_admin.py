"""erlen.ext.admin through the test client, on WSGI and ASGI: the admin's pages,
the model views (list, sort, search, filters, pagination, create, edit,
details, delete), CSRF, access control and the menu."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    scoped_session,
    sessionmaker,
)
from wtforms.validators import ValidationError

from erlen import Erlen, Markup, redirect
from erlen.ext.admin import (
    Admin,
    AdminIndexView,
    BaseView,
    FilterEqual,
    MenuLink,
    ModelView,
    expose,
    generate_csrf,
)
from erlen.testing import ErlenClient


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    email: Mapped[str] = mapped_column(sa.String(120), unique=True)
    age: Mapped[int | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.username


class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str | None] = mapped_column(sa.Text)
    published: Mapped[datetime.date | None] = mapped_column()
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    author: Mapped[User] = relationship()


class Tag(Base):
    """A table-level unique constraint the form cannot see: the database refuses."""

    __tablename__ = "tags"
    __table_args__ = (sa.UniqueConstraint("group", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    group: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(20))


class Membership(Base):
    """A composite primary key."""

    __tablename__ = "memberships"
    team: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    member: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20))


@pytest.fixture
def db(tmp_path: Path) -> Iterator[scoped_session[Any]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'admin.db'}")
    Base.metadata.create_all(engine)
    session = scoped_session(sessionmaker(engine))
    yield session
    session.remove()
    engine.dispose()


@pytest.fixture
def app() -> Erlen:
    app = Erlen("test_admin_app")
    app.config.update(TESTING=True, SECRET_KEY="admin test secret")
    return app


def add_users(db: Any, count: int) -> None:
    for i in range(count):
        db.add(User(username=f"user{i:02}", email=f"user{i:02}@example.org", age=20 + i))
    db.commit()
    db.remove()


def rows(html: str, column: str = "username") -> list[str]:
    """The text of the list's cells of ``column``, in order."""
    return re.findall(rf'<td class="col-{column}">(.*?)</td>', html, re.S)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def token_for(client: ErlenClient, url: str = "/admin/user/new/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return csrf_token(response.text)


def flashes(client: ErlenClient, url: str = "/admin/user/") -> list[str]:
    return re.findall(
        r'<div class="alert alert-(\w+)" role="alert">(.*?)</div>', client.get(url).text
    )


def usernames(db: Any) -> list[str]:
    db.remove()
    return [u.username for u in db.query(User).order_by(User.id)]


@pytest.fixture
def admin(app: Erlen, db: Any) -> Admin:
    admin = Admin(app, name="My Admin")
    admin.add_view(ModelView(User, db))
    return admin


# -- the brief's example -------------------------------------------------------------


# §2.9.5 of the brief, with the imports changed and nothing else.
NOTES_EXAMPLE = """
from erlen import Erlen
from erlen.ext.admin import Admin
from erlen.ext.sqlalchemy import SQLAlchemy
app = Erlen(__name__)
app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///example.db'
db = SQLAlchemy(app)
# 初始化 Flask-Admin
admin = Admin(app, name='My Admin', template_mode='bootstrap3')
# 定义数据库模型
class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), unique=True, nullable=False)
    email = db.Column(db.String(120), unique=True, nullable=False)
# 创建数据库表
with app.app_context():
    db.create_all()

# 注册模型视图
from erlen.ext.admin import ModelView
admin.add_view(ModelView(User, db.session))
"""


def test_notes_example_with_erlen_sqlalchemy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    ext_sqlalchemy = pytest.importorskip(
        "erlen.ext.sqlalchemy", reason="erlen.ext.sqlalchemy is not written yet"
    )
    if not hasattr(ext_sqlalchemy, "SQLAlchemy"):
        pytest.skip("erlen.ext.sqlalchemy has no SQLAlchemy class yet")
    # Run as a module of its own from tmp_path, so its app's root (and the
    # instance folder holding example.db) is tmp_path, not the test folder.
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "admin_notes_example"}
    exec(compile(NOTES_EXAMPLE, "notes_2_9_5.py", "exec"), namespace)
    app = namespace["app"]
    app.config["SECRET_KEY"] = "notes example"
    client = app.test_client(asgi=protocol == "asgi")
    token = token_for(client, "/admin/user/new/")
    response = client.post(
        "/admin/user/new/",
        data={"csrf_token": token, "username": "ada", "email": "ada@example.org"},
    )
    assert response.status_code == 302, response.text
    listing = client.get("/admin/user/").text
    assert rows(listing) == ["ada"]
    assert "navbar-inverse" in listing  # bootstrap3 class names
    assert list(tmp_path.rglob("example.db"))


def test_notes_example_with_plain_sqlalchemy(client: ErlenClient, app: Erlen, db: Any) -> None:
    # The same example with the model on plain SQLAlchemy 2 and a scoped_session
    # standing in for db.session.
    admin = Admin(app, name="My Admin", template_mode="bootstrap3")
    admin.add_view(ModelView(User, db))

    home = client.get("/admin/")
    assert home.status_code == 200
    assert "<title>Home - My Admin</title>" in home.text
    assert '<a class="" href="/admin/user/">User</a>' in home.text
    token = csrf_token(client.get("/admin/user/new/").text)
    response = client.post(
        "/admin/user/new/",
        data={"csrf_token": token, "username": "ada", "email": "ada@example.org"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/user/"
    assert usernames(db) == ["ada"]


# -- Admin, the home page, templates ---------------------------------------------------


def test_home_page_and_stylesheet(client: ErlenClient, admin: Admin) -> None:
    home = client.get("/admin/")
    assert home.status_code == 200
    assert home.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<link rel="stylesheet" href="/admin/static/admin.css">' in home.text
    assert '<a class="navbar-brand" href="/admin/">My Admin</a>' in home.text
    css = client.get("/admin/static/admin.css")
    try:
        assert css.status_code == 200
        assert css.headers["Content-Type"].startswith("text/css")
        assert b".navbar" in css.data and b".pagination" in css.data
    finally:
        css.close()
    assert client.get("/admin").status_code in (301, 308)


@pytest.mark.parametrize(
    ("mode", "present", "absent"),
    [
        ("bootstrap3", ["navbar-inverse", "btn btn-default", "btn-xs"], ["btn-secondary"]),
        ("bootstrap4", ["navbar-dark", "btn btn-secondary", "btn-sm", "nav-link"], ["btn-default"]),
    ],
)
def test_template_mode_chooses_class_names(
    client: ErlenClient, app: Erlen, db: Any, mode: str, present: list[str], absent: list[str]
) -> None:
    add_users(db, 1)
    admin = Admin(app, template_mode=mode)
    admin.add_view(ModelView(User, db))
    html = client.get("/admin/user/").text
    assert f'class="admin admin-{mode}"' in html
    for name in present:
        assert name in html
    for name in absent:
        assert name not in html


def test_default_template_mode_is_bootstrap4(app: Erlen) -> None:
    assert Admin(app).template_mode == "bootstrap4"


def test_unknown_template_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown template_mode 'bootstrap2'"):
        Admin(template_mode="bootstrap2")


def test_init_app_later_and_extensions(client: ErlenClient, app: Erlen, db: Any) -> None:
    admin = Admin(name="Later")
    admin.add_view(ModelView(User, db))
    assert "admin" not in app.extensions
    admin.init_app(app)
    assert app.extensions["admin"] == [admin]
    assert admin.app is app
    # A view added after init_app (before the first request) gets its routes at once.
    admin.add_view(ModelView(Post, db))
    assert client.get("/admin/user/").status_code == 200
    assert client.get("/admin/post/").status_code == 200


def test_url_and_endpoint(client: ErlenClient, app: Erlen, db: Any) -> None:
    admin = Admin(app, url="/manage", endpoint="manage")
    admin.add_view(ModelView(User, db, endpoint="people", url="members"))
    admin.add_view(ModelView(Post, db, url="/articles"))
    assert client.get("/admin/").status_code == 404
    home = client.get("/manage/")
    assert home.status_code == 200
    assert 'href="/manage/static/admin.css"' in home.text
    assert client.get("/manage/members/").status_code == 200
    assert client.get("/articles/").status_code == 200
    with app.test_request_context():
        from erlen import url_for

        assert url_for("people.index_view") == "/manage/members/"
        assert url_for("post.create_view") == "/articles/new/"


def test_custom_index_view_and_base_template(tmp_path: Path, db: Any, protocol: str) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "my_master.html").write_text(
        "{% extends 'admin/base.html' %}{% block brand %}<b id=brand>Custom brand</b>{% endblock %}"
    )
    (tmp_path / "templates" / "dashboard.html").write_text(
        "{% extends 'admin/master.html' %}{% block body %}<p>{{ greeting }}</p>{% endblock %}"
    )

    class Dashboard(AdminIndexView):
        @expose("/")
        def index(self) -> str:
            return self.render("dashboard.html", greeting="<Welcome>")

    app = Erlen("custom_admin", root_path=str(tmp_path))
    app.config["SECRET_KEY"] = "x"
    admin = Admin(
        app, index_view=Dashboard(name="Dash", url="/back"), base_template="my_master.html"
    )
    admin.add_view(ModelView(User, db))
    client = app.test_client(asgi=protocol == "asgi")
    page = client.get("/back/").text
    assert "<b id=brand>Custom brand</b>" in page
    assert "<p>&lt;Welcome&gt;</p>" in page
    assert ">Dash</a>" in page
    assert client.get("/back/user/").status_code == 200
    assert admin.url == "/back" and admin.endpoint == "admin"


def test_init_app_can_replace_the_index_view(client: ErlenClient, app: Erlen) -> None:
    admin = Admin()
    admin.init_app(app, index_view=AdminIndexView(name="Start"), url="/start")
    html = client.get("/start/").text
    assert ">Start</a>" in html
    assert [type(v) for v in admin.views] == [AdminIndexView]
    with pytest.raises(RuntimeError, match="cannot change"):
        admin.init_app(Erlen("other"), url="/x")


def test_duplicate_endpoint_and_view_added_twice(app: Erlen, db: Any) -> None:
    admin = Admin(app)
    view = ModelView(User, db)
    admin.add_view(view)
    with pytest.raises(ValueError, match="Two admin views use the endpoint 'user'"):
        admin.add_view(ModelView(User, db))
    with pytest.raises(ValueError, match="already added"):
        Admin().add_view(view)


def test_view_without_default_page_is_refused() -> None:
    class NoIndex(BaseView):
        @expose("/other/")
        def other(self) -> str:
            return "x"

    with pytest.raises(ValueError, match="exposes no method at '/'"):
        Admin().add_view(NoIndex())


def test_model_view_needs_a_mapped_class(db: Any) -> None:
    with pytest.raises(TypeError, match="mapped SQLAlchemy class"):
        ModelView(dict, db)


# -- menu ---------------------------------------------------------------------------


def test_menu_categories_links_and_icons(client: ErlenClient, app: Erlen, db: Any) -> None:
    @app.route("/help/<topic>")
    def help_page(topic: str) -> str:
        return topic

    admin = Admin(app, category_icon_classes={"Content": "icon-content"})
    admin.add_view(
        ModelView(
            User, db, category="People", menu_icon_type="glyph", menu_icon_value="glyphicon-user"
        )
    )
    admin.add_view(ModelView(Post, db, category="Content"))
    admin.add_view(
        ModelView(Tag, db, category="Content", menu_icon_type="image-url", menu_icon_value="/t.png")
    )
    admin.add_links(
        MenuLink("Docs", url="https://example.org/docs", target="_blank"),
        MenuLink("Help", endpoint="help_page", category="Content", topic="posts"),
    )
    admin.add_category("Empty")
    html = client.get("/admin/post/").text
    menu = html[html.index('<ul class="navbar-nav mr-auto admin-menu">') : html.index("</nav>")]
    # Categories are drop-downs; the one of the current page is active.
    assert re.search(
        r'<li class="dropdown nav-item">\s*<span class="nav-link dropdown-toggle"[^>]*>People', menu
    )
    assert re.search(
        r'<li class="dropdown nav-item active">\s*<span class="nav-link dropdown-toggle"[^>]*><span class="icon-content" aria-hidden="true"></span> Content',
        menu,
    )
    assert '<span class="glyphicon glyphicon-user" aria-hidden="true"></span> User</a>' in menu
    assert '<a class="dropdown-item active" href="/admin/post/">Post</a>' in menu
    assert '<img class="menu-icon" src="/t.png" alt=""> Tag</a>' in menu
    assert '<a class="dropdown-item" href="/help/posts">Help</a>' in menu
    # A link without a category goes to the right end; an empty category is not shown.
    assert (
        '<a class="nav-link" href="https://example.org/docs" target="_blank" rel="noopener">Docs</a>'
        in menu
    )
    assert "Empty" not in menu
    assert [item.name for item in admin.menu()] == ["Home", "People", "Content", "Empty"]
    assert [link.name for link in admin.menu_links()] == ["Docs"]


def test_menu_link_needs_url_or_endpoint() -> None:
    with pytest.raises(ValueError, match="needs a url or an endpoint"):
        MenuLink("Nowhere")


def test_menu_hides_invisible_and_inaccessible_views(
    client: ErlenClient, app: Erlen, db: Any
) -> None:
    class Hidden(ModelView):
        def is_visible(self) -> bool:
            return False

    class Secret(ModelView):
        def is_accessible(self) -> bool:
            return False

    admin = Admin(app)
    admin.add_view(Hidden(User, db))
    admin.add_view(Secret(Post, db, category="Private"))
    html = client.get("/admin/").text
    assert 'href="/admin/user/"' not in html
    assert 'href="/admin/post/"' not in html and "Private" not in html
    # Hidden is not forbidden: the page still answers.
    assert client.get("/admin/user/").status_code == 200


# -- access control ---------------------------------------------------------------------


def test_inaccessible_view_is_403_everywhere(client: ErlenClient, app: Erlen, db: Any) -> None:
    add_users(db, 1)

    class Locked(ModelView):
        def is_accessible(self) -> bool:
            return False

    Admin(app).add_view(Locked(User, db))
    for url in (
        "/admin/user/",
        "/admin/user/new/",
        "/admin/user/edit/?id=1",
        "/admin/user/details/",
    ):
        assert client.get(url).status_code == 403
    # Refused before the CSRF check, and nothing changes.
    assert client.post("/admin/user/delete/", data={"id": "1"}).status_code == 403
    assert client.post("/admin/user/new/", data={"username": "x", "email": "y"}).status_code == 403
    assert usernames(db) == ["user00"]


def test_inaccessible_callback_can_redirect(client: ErlenClient, app: Erlen, db: Any) -> None:
    class LoginFirst(ModelView):
        def is_accessible(self) -> bool:
            from erlen import request

            return request.args.get("key") == "open"

        def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
            return redirect(f"/login?next={name}")

    Admin(app).add_view(LoginFirst(User, db))
    response = client.get("/admin/user/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=index_view"
    assert client.get("/admin/user/?key=open").status_code == 200


def test_custom_base_view_sync_and_async(client: ErlenClient, app: Erlen) -> None:
    class Reports(BaseView):
        @expose("/")
        def index(self) -> str:
            return self.render("admin/index.html")

        @expose("/total/<int:year>")
        async def total(self, year: int) -> str:
            return f"total for {year}"

        @expose("/run/", methods=["POST"])
        async def run(self) -> str:
            return "ran"

        @expose("/token/")
        def token(self) -> str:
            return generate_csrf()

    admin = Admin(app)
    admin.add_view(Reports(category="Tools"))
    assert client.get("/admin/reports/").status_code == 200
    assert client.get("/admin/reports/total/2024").text == "total for 2024"
    # POST to any admin view needs the token.
    assert client.post("/admin/reports/run/").status_code == 400
    token = client.get("/admin/reports/token/").text
    assert client.post("/admin/reports/run/", data={"csrf_token": token}).text == "ran"
    assert client.post("/admin/reports/run/", headers={"X-CSRFToken": token}).text == "ran"


def test_async_view_access_control(client: ErlenClient, app: Erlen) -> None:
    class Closed(BaseView):
        def is_accessible(self) -> bool:
            return False

        @expose("/")
        async def index(self) -> str:
            return "secret"

    Admin(app).add_view(Closed())
    response = client.get("/admin/closed/")
    assert response.status_code == 403
    assert "secret" not in response.text


def test_csrf_protect_false_opts_a_view_out(client: ErlenClient, app: Erlen) -> None:
    class Hook(BaseView):
        csrf_protect = False

        @expose("/", methods=["GET", "POST"])
        def index(self) -> str:
            return "hooked"

    Admin(app).add_view(Hook())
    assert client.post("/admin/hook/").text == "hooked"


# -- list: rows, escaping, columns, formatters ----------------------------------------------


def test_list_shows_rows_escaped(client: ErlenClient, admin: Admin, db: Any) -> None:
    db.add(User(username="<script>alert(1)</script>", email="x@example.org", active=False))
    db.commit()
    html = client.get("/admin/user/").text
    assert rows(html) == ["&lt;script&gt;alert(1)&lt;/script&gt;"]
    assert "<script>alert" not in html
    assert '<span class="list-count">1 record</span>' in html
    # Default columns: no primary key, every other column; booleans as marks.
    headers = re.findall(r'<th class="column-header col-(\w+)"', html)
    assert headers == ["username", "email", "age", "active"]
    assert 'class="admin-bool admin-bool-no" title="No"' in html
    assert rows(html, "age") == [""]  # None shows as empty


def test_empty_list(client: ErlenClient, admin: Admin) -> None:
    html = client.get("/admin/user/").text
    assert "There are no items in the table." in html
    assert '<span class="list-count">0 records</span>' in html


def test_column_options(client: ErlenClient, app: Erlen, db: Any) -> None:
    add_users(db, 2)

    class UserView(ModelView):
        column_list = ["id", "username", "email", "age"]
        column_exclude_list = ["age"]
        column_labels = {"username": "Login <name>"}
        column_descriptions = {"email": "Where mail goes"}
        column_formatters = {
            "username": lambda view, context, model, name: f"<{model.username}>",
            "email": lambda view, context, model, name: Markup("<i>{}</i>").format(model.email),
        }

    Admin(app).add_view(UserView(User, db))
    html = client.get("/admin/user/").text
    assert re.findall(r'<th class="column-header col-(\w+)"', html) == ["id", "username", "email"]
    assert ">Login &lt;name&gt;</a>" in html
    assert 'title="Where mail goes"' in html
    assert rows(html) == ["&lt;user00&gt;", "&lt;user01&gt;"]
    assert rows(html, "email") == ["<i>user00@example.org</i>", "<i>user01@example.org</i>"]
    assert rows(html, "id") == ["1", "2"]


def test_column_display_pk_and_type_formatters(client: ErlenClient, app: Erlen, db: Any) -> None:
    add_users(db, 1)

    class UserView(ModelView):
        column_display_pk = True
        column_type_formatters = {int: lambda view, value: f"#{value}"}

    Admin(app).add_view(UserView(User, db))
    html = client.get("/admin/user/").text
    assert rows(html, "id") == ["#1"]
    assert rows(html, "age") == ["#20"]
    # Replacing the type formatters replaces the default bool one too, and
    # built-in types match exactly: a bool is not an int here.
    assert rows(html, "active") == ["True"]


def test_unknown_column_names_fail_at_setup(db: Any) -> None:
    class Bad(ModelView):
        column_list = ["username", "nope"]

    with pytest.raises(ValueError, match="column_list names 'nope', which User does not have"):
        Bad(User, db)

    class BadSearch(ModelView):
        column_searchable_list = ["nope"]

    with pytest.raises(ValueError, match="column_searchable_list names 'nope'"):
        BadSearch(User, db)

    class BadFilter(ModelView):
        column_filters = ["nope"]

    with pytest.raises(ValueError, match="column_filters names 'nope'"):
        BadFilter(User, db)

    class BadSort(ModelView):
        column_default_sort = "nope"

    with pytest.raises(ValueError, match="column_default_sort names 'nope'"):
        BadSort(User, db)


def test_many_to_one_relationship_in_list(client: ErlenClient, app: Erlen, db: Any) -> None:
    ada = User(username="ada", email="ada@example.org")
    db.add(Post(title="Notes", author=ada))
    db.commit()
    Admin(app).add_view(ModelView(Post, db))
    html = client.get("/admin/post/").text
    assert re.findall(r'<th class="column-header col-(\w+)"', html) == [
        "title",
        "body",
        "published",
        "author",
    ]
    assert rows(html, "author") == ["ada"]
    assert "col-author_id" not in html


# -- pagination -----------------------------------------------------------------------------


def test_pagination(client: ErlenClient, admin: Admin, db: Any) -> None:
    add_users(db, 45)
    first = client.get("/admin/user/").text
    assert len(rows(first)) == 20
    assert rows(first)[0] == "user00"
    assert '<span class="list-count">45 records</span>' in first
    assert 'href="/admin/user/?page=1" rel="next"' in first
    assert (
        '<li class="page-item active" aria-current="page"><span class="page-link">1</span></li>'
        in first
    )
    second = client.get("/admin/user/?page=1").text
    assert rows(second)[0] == "user20" and len(rows(second)) == 20
    assert 'href="/admin/user/" rel="prev"' in second
    third = client.get("/admin/user/?page=2").text
    assert rows(third) == [f"user{i}" for i in range(40, 45)]
    assert 'rel="next"' not in third
    # Bad or out-of-range pages are not errors.
    assert rows(client.get("/admin/user/?page=abc").text)[0] == "user00"
    assert rows(client.get("/admin/user/?page=-3").text)[0] == "user00"
    assert "There are no items" in client.get("/admin/user/?page=99").text


def test_page_size_and_page_window(client: ErlenClient, app: Erlen, db: Any) -> None:
    add_users(db, 30)

    class Small(ModelView):
        page_size = 2

    Admin(app).add_view(Small(User, db))
    html = client.get("/admin/user/?page=7").text
    assert rows(html) == ["user14", "user15"]
    numbers = re.findall(r'class="page-link"(?: href="[^"]*")?>(\d+|&hellip;)<', html)
    assert numbers == ["1", "&hellip;", "6", "7", "8", "9", "10", "&hellip;", "15"]


# -- sorting ----------------------------------------------------------------------------------


def test_sorting(client: ErlenClient, admin: Admin, db: Any) -> None:
    for name, age in [("bob", 30), ("ada", 40), ("cy", 20)]:
        db.add(User(username=name, email=f"{name}@example.org", age=age))
    db.commit()
    # Column 0 is username, 2 is age.
    assert rows(client.get("/admin/user/?sort=0").text) == ["ada", "bob", "cy"]
    assert rows(client.get("/admin/user/?sort=0&desc=1").text) == ["cy", "bob", "ada"]
    assert rows(client.get("/admin/user/?sort=2").text) == ["cy", "bob", "ada"]
    html = client.get("/admin/user/?sort=2").text
    # The sorted header toggles the direction; the others sort ascending.
    assert (
        '<a href="/admin/user/?sort=2&amp;desc=1" class="sorted">Age <span class="sort-arrow">&#9650;</span></a>'
        in html
    )
    assert '<a href="/admin/user/?sort=0">Username</a>' in html
    # Unknown or unsortable columns fall back to the default order (by id).
    assert rows(client.get("/admin/user/?sort=17").text) == ["bob", "ada", "cy"]
    assert rows(client.get("/admin/user/?sort=x").text) == ["bob", "ada", "cy"]


def test_default_sort_and_sortable_list(client: ErlenClient, app: Erlen, db: Any) -> None:
    for name, age in [("bob", 30), ("ada", 40), ("cy", 20)]:
        db.add(User(username=name, email=f"{name}@example.org", age=age))
    db.commit()

    class UserView(ModelView):
        column_list = ["username", "email", "age"]
        column_default_sort = ("age", True)
        column_sortable_list = ["username", ("email", "age")]

    Admin(app).add_view(UserView(User, db))
    assert rows(client.get("/admin/user/").text) == ["ada", "bob", "cy"]
    # "email" sorts by age here, and age itself is not sortable.
    assert rows(client.get("/admin/user/?sort=1").text) == ["cy", "bob", "ada"]
    html = client.get("/admin/user/?sort=2").text
    assert rows(html) == ["ada", "bob", "cy"]
    assert '<th class="column-header col-age">Age</th>' in html


@pytest.mark.parametrize(
    ("default", "expected"),
    [
        ("username", ["ada", "bob", "cy"]),
        ([("active", False), ("age", True)], ["ada", "cy", "bob"]),
    ],
)
def test_default_sort_forms(
    client: ErlenClient, app: Erlen, db: Any, default: Any, expected: list[str]
) -> None:
    for name, age, active in [("bob", 30, True), ("ada", 40, False), ("cy", 20, False)]:
        db.add(User(username=name, email=f"{name}@example.org", age=age, active=active))
    db.commit()

    class UserView(ModelView):
        column_default_sort = default

    Admin(app).add_view(UserView(User, db))
    assert rows(client.get("/admin/user/").text) == expected


# -- search --------------------------------------------------------------------------------


@pytest.fixture
def searchable(app: Erlen, db: Any) -> None:
    for name, email in [
        ("Ada Lovelace", "ada@math.org"),
        ("Alan", "alan@turing.org"),
        ("50%_off", "sale@shop.com"),
    ]:
        db.add(User(username=name, email=email))
    db.commit()

    class UserView(ModelView):
        column_searchable_list = ["username", "email", "age"]

    Admin(app).add_view(UserView(User, db))


def test_search(client: ErlenClient, searchable: None) -> None:
    assert rows(client.get("/admin/user/?search=ada").text) == ["Ada Lovelace"]
    assert rows(client.get("/admin/user/?search=ORG").text) == ["Ada Lovelace", "Alan"]
    # Every word must match somewhere.
    assert rows(client.get("/admin/user/?search=a+turing").text) == ["Alan"]
    # LIKE wildcards are literal.
    assert rows(client.get("/admin/user/?search=%25_").text) == ["50%_off"]
    assert rows(client.get("/admin/user/?search=_").text) == ["50%_off"]
    html = client.get("/admin/user/?search=%22%3E%3Cb%3E").text
    assert 'value="&#34;&gt;&lt;b&gt;"' in html
    assert "There are no items" in html


def test_search_keeps_the_count_and_sort(client: ErlenClient, searchable: None) -> None:
    html = client.get("/admin/user/?search=org&sort=0&desc=1").text
    assert rows(html) == ["Alan", "Ada Lovelace"]
    assert '<span class="list-count">2 records</span>' in html
    assert (
        '<input type="hidden" name="sort" value="0"><input type="hidden" name="desc" value="1">'
        in html
    )
    assert 'href="/admin/user/?sort=0&amp;desc=1">Clear</a>' in html


def test_no_search_box_without_searchable_columns(client: ErlenClient, admin: Admin) -> None:
    assert 'name="search"' not in client.get("/admin/user/").text


# -- filters ---------------------------------------------------------------------------------


@pytest.fixture
def filterable(app: Erlen, db: Any) -> None:
    for name, age, active in [("ada", 36, True), ("alan", 41, False), ("grace", 85, True)]:
        db.add(User(username=name, email=f"{name}@example.org", age=age, active=active))
    db.commit()

    class UserView(ModelView):
        column_filters = ["username", "age", "active", FilterEqual(User.email, "Mail")]

    Admin(app).add_view(UserView(User, db))


def test_filter_menu_lists_operations(client: ErlenClient, filterable: None) -> None:
    options = re.findall(r'<option value="(\d+)">(.*?)</option>', client.get("/admin/user/").text)
    assert options == [
        ("0", "Username equals"),
        ("1", "Username not equal"),
        ("2", "Username contains"),
        ("3", "Username not contains"),
        ("4", "Age equals"),
        ("5", "Age not equal"),
        ("6", "Age greater than"),
        ("7", "Age smaller than"),
        ("8", "Active equals"),
        ("9", "Mail equals"),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("flt0_0=ada", ["ada"]),
        ("flt0_1=ada", ["alan", "grace"]),
        ("flt0_2=A", ["ada", "alan", "grace"]),
        ("flt0_2=al", ["alan"]),
        ("flt0_3=al", ["ada", "grace"]),
        ("flt0_4=41", ["alan"]),
        ("flt0_6=40", ["alan", "grace"]),
        ("flt0_7=40", ["ada"]),
        ("flt0_6=30&flt1_7=50", ["ada", "alan"]),
        ("flt0_8=yes", ["ada", "grace"]),
        ("flt0_8=0", ["alan"]),
        ("flt0_9=grace@example.org", ["grace"]),
        ("flt0_99=x", ["ada", "alan", "grace"]),  # an unknown filter is ignored
    ],
)
def test_filters(client: ErlenClient, filterable: None, query: str, expected: list[str]) -> None:
    assert rows(client.get(f"/admin/user/?{query}").text) == expected


def test_bad_filter_value_is_400(client: ErlenClient, filterable: None) -> None:
    response = client.get("/admin/user/?flt0_4=old")
    assert response.status_code == 400
    assert (
        "Invalid value for the filter &#39;Age equals&#39;: &#39;old&#39; is not a whole number."
        in response.text
    )
    assert client.get("/admin/user/?flt0_8=maybe").status_code == 400


def test_add_and_remove_filter(client: ErlenClient, filterable: None) -> None:
    response = client.get("/admin/user/?search=&flt0_6=30&flt_new=2&flt_value=a")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/user/?flt0_6=30&flt1_2=a"
    html = client.get(response.headers["Location"]).text
    assert rows(html) == ["ada", "alan", "grace"]
    chips = re.findall(
        r'<li class="active-filter">(.*?) <em>(.*?)</em> <strong>(.*?)</strong>\s*<a href="([^"]+)"',
        html,
    )
    assert chips == [
        ("Age", "greater than", "30", "/admin/user/?flt0_2=a"),
        ("Username", "contains", "a", "/admin/user/?flt0_6=30"),
    ]


# -- create ------------------------------------------------------------------------------


def test_create_form_fields(client: ErlenClient, admin: Admin) -> None:
    html = client.get("/admin/user/new/").text
    assert re.findall(r'<input[^>]* name="(\w+)"', html)[:5] == [
        "csrf_token",
        "username",
        "email",
        "age",
        "active",
    ]
    assert re.search(
        r'<input class="form-control" id="username" maxlength="80" name="username" required type="text" value="">',
        html,
    )
    assert re.search(
        r'<input class="form-control" id="age" name="age" type="number" value="">', html
    )
    assert 'name="id"' not in html  # the autoincrement primary key is the database's
    assert 'name="_add_another" value="Save and Add Another"' in html
    assert '<a href="/admin/user/" class="btn btn-danger" role="button">Cancel</a>' in html


def test_create_shows_validation_errors(client: ErlenClient, admin: Admin, db: Any) -> None:
    token = token_for(client)
    response = client.post(
        "/admin/user/new/",
        data={"csrf_token": token, "username": " ", "email": "x" * 121, "age": "old"},
    )
    assert response.status_code == 200
    html = response.text
    assert re.search(
        r'id="username".*?<div class="invalid-feedback">This field is required.</div>', html, re.S
    )
    assert "Field cannot be longer than 120 characters." in html
    assert "Not a valid integer value." in html
    assert 'class="form-control is-invalid" id="email"' in html
    assert usernames(db) == []


def test_create_refuses_a_duplicate_of_a_unique_column(
    client: ErlenClient, admin: Admin, db: Any
) -> None:
    add_users(db, 1)
    token = token_for(client)
    response = client.post(
        "/admin/user/new/",
        data={"csrf_token": token, "username": "user00", "email": "<new>@example.org"},
    )
    assert response.status_code == 200
    assert "Already taken: another User has this username (user00)." in response.text
    assert 'value="&lt;new&gt;@example.org"' in response.text
    assert usernames(db) == ["user00"]


def test_create_success_flashes_and_redirects(client: ErlenClient, admin: Admin, db: Any) -> None:
    token = token_for(client, "/admin/user/new/?url=/admin/user/%3Fpage%3D1")
    response = client.post(
        "/admin/user/new/?url=/admin/user/%3Fpage%3D1",
        data={
            "csrf_token": token,
            "username": "ada",
            "email": "ada@example.org",
            "age": "36",
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/user/?page=1"
    assert flashes(client) == [("success", "Record was successfully created.")]
    db.remove()
    ada = db.query(User).one()
    assert (ada.username, ada.email, ada.age, ada.active) == ("ada", "ada@example.org", 36, True)
    # The message is shown once.
    assert flashes(client) == []


def test_create_uses_column_defaults_for_empty_fields(
    client: ErlenClient, admin: Admin, db: Any
) -> None:
    token = token_for(client)
    client.post("/admin/user/new/", data={"csrf_token": token, "username": "a", "email": "e"})
    db.remove()
    user = db.query(User).one()
    # An unchecked box is False (not the default); an empty number is NULL.
    assert user.active is False and user.age is None


def test_create_buttons(client: ErlenClient, admin: Admin, db: Any) -> None:
    token = token_for(client)
    another = client.post(
        "/admin/user/new/",
        data={"csrf_token": token, "username": "a", "email": "a@x", "_add_another": "1"},
    )
    assert another.headers["Location"] == "/admin/user/new/?url=/admin/user/"
    editing = client.post(
        "/admin/user/new/",
        data={"csrf_token": token, "username": "b", "email": "b@x", "_continue_editing": "1"},
    )
    assert editing.headers["Location"] == "/admin/user/edit/?id=2&url=/admin/user/"


def test_create_reports_database_errors(client: ErlenClient, app: Erlen, db: Any) -> None:
    db.add(Tag(group="colour", name="red"))
    db.commit()
    Admin(app).add_view(ModelView(Tag, db))
    token = token_for(client, "/admin/tag/new/")
    response = client.post(
        "/admin/tag/new/", data={"csrf_token": token, "group": "colour", "name": "red"}
    )
    assert response.status_code == 200
    assert (
        "Failed to create record. UNIQUE constraint failed: tags.group, tags.name" in response.text
    )
    # The session was rolled back: the next request works.
    ok = client.post(
        "/admin/tag/new/", data={"csrf_token": token, "group": "colour", "name": "blue"}
    )
    assert ok.status_code == 302


def test_on_model_change_can_refuse(client: ErlenClient, app: Erlen, db: Any) -> None:
    calls: list[tuple[str, str, bool]] = []

    class Checked(ModelView):
        def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
            calls.append(("on", model.username, is_created))
            if model.username == "root":
                raise ValidationError("'root' is reserved.")

        def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
            calls.append(("after", model.username, is_created))

    Admin(app).add_view(Checked(User, db))
    token = token_for(client)
    refused = client.post(
        "/admin/user/new/", data={"csrf_token": token, "username": "root", "email": "r"}
    )
    assert refused.status_code == 200
    assert "&#39;root&#39; is reserved." in refused.text
    client.post("/admin/user/new/", data={"csrf_token": token, "username": "ada", "email": "a"})
    assert calls == [("on", "root", True), ("on", "ada", True), ("after", "ada", True)]
    assert usernames(db) == ["ada"]


def test_can_create_false(client: ErlenClient, app: Erlen, db: Any) -> None:
    class ReadOnly(ModelView):
        can_create = False

    Admin(app).add_view(ReadOnly(User, db))
    assert ">Create</a>" not in client.get("/admin/user/").text
    response = client.get("/admin/user/new/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/user/"
    add_users(db, 1)
    token = token_for(client, "/admin/user/")
    client.post("/admin/user/new/", data={"csrf_token": token, "username": "a", "email": "e"})
    assert usernames(db) == ["user00"]


# -- edit ----------------------------------------------------------------------------------


def test_edit(client: ErlenClient, admin: Admin, db: Any) -> None:
    add_users(db, 2)
    html = client.get("/admin/user/edit/?id=1&url=/admin/user/").text
    assert (
        'id="username" maxlength="80" name="username" required type="text" value="user00"' in html
    )
    token = csrf_token(html)
    # Keeping its own unique values is not a duplicate.
    response = client.post(
        "/admin/user/edit/?id=1&url=/admin/user/",
        data={"csrf_token": token, "username": "user00", "email": "new@example.org", "age": "50"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/user/"
    assert flashes(client) == [("success", "Record was successfully saved.")]
    db.remove()
    user = db.get(User, 1)
    assert (user.email, user.age) == ("new@example.org", 50)
    # Taking another record's unique value is.
    clash = client.post(
        "/admin/user/edit/?id=1",
        data={"csrf_token": token, "username": "user01", "email": "new@example.org"},
    )
    assert clash.status_code == 200
    assert "Already taken: another User has this username (user01)." in clash.text


def test_edit_continue_editing(client: ErlenClient, admin: Admin, db: Any) -> None:
    add_users(db, 1)
    token = token_for(client, "/admin/user/edit/?id=1")
    response = client.post(
        "/admin/user/edit/?id=1&url=/admin/user/%3Fpage%3D0",
        data={"csrf_token": token, "username": "x", "email": "y", "_continue_editing": "1"},
    )
    assert response.headers["Location"] == "/admin/user/edit/?id=1&url=/admin/user/%3Fpage%3D0"


@pytest.mark.parametrize("query", ["", "?id=99", "?id=abc", "?id=1,2"])
def test_edit_missing_record(client: ErlenClient, admin: Admin, db: Any, query: str) -> None:
    add_users(db, 1)
    response = client.get(f"/admin/user/edit/{query}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/user/"
    assert flashes(client) == [("danger", "Record does not exist.")]


def test_can_edit_false(client: ErlenClient, app: Erlen, db: Any) -> None:
    add_users(db, 1)

    class NoEdit(ModelView):
        can_edit = False

    Admin(app).add_view(NoEdit(User, db))
    assert "/admin/user/edit/" not in client.get("/admin/user/").text
    assert client.get("/admin/user/edit/?id=1").status_code == 302


def test_edit_relationship_choice(client: ErlenClient, app: Erlen, db: Any) -> None:
    db.add_all([User(username="ada", email="a"), User(username="<alan>", email="b")])
    db.add(Post(title="Notes", author_id=1))
    db.commit()
    Admin(app).add_view(ModelView(Post, db))
    html = client.get("/admin/post/edit/?id=1").text
    assert '<option selected value="1">ada</option>' in html
    assert '<option value="2">&lt;alan&gt;</option>' in html
    token = csrf_token(html)
    bad = client.post(
        "/admin/post/edit/?id=1", data={"csrf_token": token, "title": "T", "author": "7"}
    )
    assert bad.status_code == 200
    assert '<div class="invalid-feedback">Invalid Choice: could not coerce.</div>' in bad.text
    ok = client.post(
        "/admin/post/edit/?id=1",
        data={"csrf_token": token, "title": "T", "author": "2", "published": "2024-05-01"},
    )
    assert ok.status_code == 302
    db.remove()
    post = db.get(Post, 1)
    assert (post.author.username, post.published, post.body) == (
        "<alan>",
        datetime.date(2024, 5, 1),
        None,
    )


def test_composite_primary_key(client: ErlenClient, app: Erlen, db: Any) -> None:
    db.add(Membership(team="a,b", member="x~y", role="lead"))
    db.commit()
    view = ModelView(Membership, db)
    Admin(app).add_view(view)
    html = client.get("/admin/membership/").text
    assert "/admin/membership/edit/?id=a~2Cb,x~7Ey" in html.replace("%7E", "~").replace("%2C", ",")
    edit = client.get("/admin/membership/edit/", query_string={"id": "a~2Cb,x~7Ey"})
    assert edit.status_code == 200
    assert 'value="lead"' in edit.text
    # Both key parts are editable (neither is an autoincrement).
    assert 'name="team"' in edit.text and 'name="member"' in edit.text


# -- details --------------------------------------------------------------------------------


def test_details_view(client: ErlenClient, app: Erlen, db: Any) -> None:
    db.add(User(username="<ada>", email="ada@example.org", age=36))
    db.commit()

    class Detailed(ModelView):
        can_view_details = True
        column_details_exclude_list = ["email"]
        column_formatters_detail = {"age": lambda v, c, m, n: f"{m.age} years"}

    Admin(app).add_view(Detailed(User, db))
    assert (
        'href="/admin/user/details/?id=1&amp;url=/admin/user/"' in client.get("/admin/user/").text
    )
    html = client.get("/admin/user/details/?id=1").text
    cells = re.findall(r'<th scope="row">(.*?)</th>\s*<td class="col-\w+">(.*?)</td>', html)
    assert cells == [
        ("Id", "1"),
        ("Username", "&lt;ada&gt;"),
        ("Age", "36 years"),
        ("Active", cells[3][1]),
    ]
    assert "admin-bool-yes" in cells[3][1]
    assert client.get("/admin/user/details/?id=5").status_code == 302


def test_details_disabled_by_default(client: ErlenClient, admin: Admin, db: Any) -> None:
    add_users(db, 1)
    assert "/details/" not in client.get("/admin/user/").text
    assert client.get("/admin/user/details/?id=1").status_code == 302


# -- delete ---------------------------------------------------------------------------------


def test_delete(client: ErlenClient, admin: Admin, db: Any) -> None:
    add_users(db, 2)
    token = token_for(client, "/admin/user/")
    response = client.post(
        "/admin/user/delete/", data={"csrf_token": token, "id": "1", "url": "/admin/user/?page=0"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/user/?page=0"
    assert flashes(client) == [("success", "Record was successfully deleted.")]
    assert usernames(db) == ["user01"]
    missing = client.post("/admin/user/delete/", data={"csrf_token": token, "id": "1"})
    assert missing.status_code == 302
    assert flashes(client) == [("danger", "Record does not exist.")]


def test_delete_is_post_only(client: ErlenClient, admin: Admin, db: Any) -> None:
    add_users(db, 1)
    assert client.get("/admin/user/delete/?id=1").status_code == 405
    assert usernames(db) == ["user00"]


def test_can_delete_false_and_delete_hooks(client: ErlenClient, app: Erlen, db: Any) -> None:
    add_users(db, 2)
    deleted: list[str] = []

    class Guarded(ModelView):
        def on_model_delete(self, model: Any) -> None:
            if model.username == "user00":
                raise ValidationError("user00 stays.")

        def after_model_delete(self, model: Any) -> None:
            deleted.append(model.username)

    class NoDelete(ModelView):
        can_delete = False

    admin = Admin(app)
    admin.add_view(Guarded(User, db))
    admin.add_view(NoDelete(Post, db))
    token = token_for(client, "/admin/user/")
    client.post("/admin/user/delete/", data={"csrf_token": token, "id": "1"})
    assert flashes(client) == [("danger", "user00 stays.")]
    client.post("/admin/user/delete/", data={"csrf_token": token, "id": "2"})
    assert deleted == ["user01"]
    assert usernames(db) == ["user00"]
    db.add(Post(title="kept", author_id=1))
    db.commit()
    assert "/admin/post/delete/" not in client.get("/admin/post/").text
    client.post("/admin/post/delete/", data={"csrf_token": token, "id": "1"})
    db.remove()
    assert db.query(Post).count() == 1


# -- CSRF -----------------------------------------------------------------------------------


def test_post_without_csrf_token_is_400(client: ErlenClient, admin: Admin, db: Any) -> None:
    add_users(db, 1)
    client.get("/admin/user/")  # the session has its secret; the form field is missing
    for url, data in [
        ("/admin/user/new/", {"username": "a", "email": "e"}),
        ("/admin/user/edit/?id=1", {"username": "a", "email": "e"}),
        ("/admin/user/delete/", {"id": "1"}),
    ]:
        response = client.post(url, data=data)
        assert response.status_code == 400
        assert "The CSRF token is missing." in response.text
    assert usernames(db) == ["user00"]


def test_csrf_token_must_match_the_session(
    app: Erlen, admin: Admin, db: Any, make_client: Any
) -> None:
    add_users(db, 1)
    alice = make_client()
    mallory = make_client()
    mallory_token = token_for(mallory, "/admin/user/")
    alice.get("/admin/user/")
    response = alice.post("/admin/user/delete/", data={"csrf_token": mallory_token, "id": "1"})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.text
    # A client with no session at all.
    fresh = make_client()
    response = fresh.post("/admin/user/delete/", data={"csrf_token": mallory_token, "id": "1"})
    assert response.status_code == 400
    assert "The CSRF session token is missing." in response.text
    # A full 6-bit digit of the signature: its last base64 digit carries
    # unused bits, so changing that one can decode to the same signature.
    flipped = "0" if mallory_token[-5] != "0" else "1"
    tampered = mallory_token[:-5] + flipped + mallory_token[-4:]
    assert (
        mallory.post("/admin/user/delete/", data={"csrf_token": tampered, "id": "1"}).status_code
        == 400
    )
    assert (
        mallory.post("/admin/user/delete/", data={"csrf_token": "junk", "id": "1"}).status_code
        == 400
    )
    assert usernames(db) == ["user00"]


def test_csrf_token_expires(
    client: ErlenClient, app: Erlen, admin: Admin, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import erlen.ext.admin.csrf as admin_csrf

    add_users(db, 1)
    app.config["ADMIN_CSRF_TIME_LIMIT"] = 60
    token = token_for(client, "/admin/user/")
    real_time = admin_csrf.time.time
    monkeypatch.setattr(admin_csrf.time, "time", lambda: real_time() + 61)
    response = client.post("/admin/user/delete/", data={"csrf_token": token, "id": "1"})
    assert response.status_code == 400
    assert "The CSRF token has expired." in response.text
    app.config["ADMIN_CSRF_TIME_LIMIT"] = None  # no expiry
    assert (
        client.post("/admin/user/delete/", data={"csrf_token": token, "id": "1"}).status_code == 302
    )
    assert usernames(db) == []


def test_csrf_can_be_disabled(client: ErlenClient, app: Erlen, admin: Admin, db: Any) -> None:
    app.config["ADMIN_CSRF_ENABLED"] = False
    response = client.post("/admin/user/new/", data={"username": "a", "email": "e"})
    assert response.status_code == 302
    assert usernames(db) == ["a"]


def test_csrf_needs_a_secret_key(db: Any) -> None:
    app = Erlen("no_secret")
    Admin(app).add_view(ModelView(User, db))
    with pytest.raises(RuntimeError, match="SECRET_KEY"), app.test_request_context():
        from erlen.ext.admin.csrf import generate_csrf

        generate_csrf()


# -- return URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/admin/user/?page=2", "/admin/user/?page=2"),
        ("https://evil.example/", "/admin/user/"),
        ("//evil.example/", "/admin/user/"),
        ("/\\evil.example/", "/admin/user/"),
        ("javascript:alert(1)", "/admin/user/"),
        ("relative/path", "/admin/user/"),
    ],
)
def test_return_url_must_be_relative(
    client: ErlenClient, admin: Admin, db: Any, url: str, expected: str
) -> None:
    add_users(db, 1)
    token = token_for(client, "/admin/user/")
    response = client.post("/admin/user/delete/", data={"csrf_token": token, "id": "1", "url": url})
    assert response.headers["Location"] == expected
    page = client.get("/admin/user/new/", query_string={"url": url}).text
    assert f'<a href="{expected}" class="btn btn-danger" role="button">Cancel</a>' in page


def test_list_links_carry_the_list_state(client: ErlenClient, admin: Admin, db: Any) -> None:
    add_users(db, 25)
    html = client.get("/admin/user/?page=1&sort=0").text
    match = re.search(r'href="(/admin/user/edit/\?[^"]+)"', html)
    assert match
    query = parse_qs(urlsplit(match.group(1).replace("&amp;", "&")).query)
    assert query["url"] == ["/admin/user/?page=1&sort=0"]


# -- PostgreSQL -------------------------------------------------------------------------------


def test_model_view_on_postgresql(postgres_url: str, app: Erlen, protocol: str) -> None:
    engine = sa.create_engine(postgres_url)
    Base.metadata.create_all(engine)
    session = scoped_session(sessionmaker(engine))
    try:
        for name in ["Ada", "alan", "Grace"]:
            session.add(User(username=name, email=f"{name.lower()}@example.org", age=len(name)))
        session.commit()

        class UserView(ModelView):
            column_searchable_list = ["username", "age"]
            column_filters = ["age"]
            column_default_sort = "username"

        Admin(app).add_view(UserView(User, session))
        client = app.test_client(asgi=protocol == "asgi")
        assert rows(client.get("/admin/user/").text) == ["Ada", "Grace", "alan"]
        assert rows(client.get("/admin/user/?search=A").text) == ["Ada", "Grace", "alan"]
        assert rows(client.get("/admin/user/?search=5").text) == ["Grace"]
        assert rows(client.get("/admin/user/?flt0_2=4").text) == ["Grace"]
        token = token_for(client)
        created = client.post(
            "/admin/user/new/",
            data={"csrf_token": token, "username": "ada2", "email": "ada@example.org"},
        )
        assert created.status_code == 200
        assert "Already taken: another User has this email" in created.text
        created = client.post(
            "/admin/user/new/",
            data={"csrf_token": token, "username": "Bea", "email": "bea@example.org"},
        )
        assert created.status_code == 302
        edited = client.post(
            "/admin/user/edit/?id=1",
            data={"csrf_token": token, "username": "Ada L", "email": "a@x"},
        )
        assert edited.status_code == 302
        assert client.get("/admin/user/edit/?id=abc").status_code == 302
        assert rows(client.get("/admin/user/").text) == ["Ada L", "Bea", "Grace", "alan"]
    finally:
        session.remove()
        engine.dispose()
