"""The admin in a real browser: headless Chromium, driven over the Chrome
DevTools protocol, loads the list page from a real server (erlen's development
server over WSGI, and uvicorn over ASGI), sees the rows and the stylesheet, and
creates a record through the form (a refused duplicate first)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session, sessionmaker

from browser_harness import DevTools, chromium, serve_dev, serve_uvicorn, wait_until_served
from erlen import Erlen
from erlen.ext.admin import Admin, ModelView

pytestmark = pytest.mark.server


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    email: Mapped[str] = mapped_column(sa.String(120), unique=True)
    age: Mapped[int | None] = mapped_column()


class UserView(ModelView):
    column_searchable_list = ["username", "email"]
    column_default_sort = "username"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[scoped_session[Any]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'browser.db'}")
    Base.metadata.create_all(engine)
    session = scoped_session(sessionmaker(engine))
    session.add_all(
        [
            User(username="grace", email="grace@example.org", age=85),
            User(username="ada", email="ada@example.org", age=36),
        ]
    )
    session.commit()
    session.remove()
    yield session
    session.remove()
    engine.dispose()


def make_app(db: Any) -> Erlen:
    app = Erlen("admin_browser_app")
    app.config["SECRET_KEY"] = "browser test secret"
    admin = Admin(app, name="Browser Admin", template_mode="bootstrap3")
    admin.add_view(UserView(User, db, category="People"))
    return app


@pytest.fixture(params=["dev-server", "uvicorn"])
def base_url(request: pytest.FixtureRequest, db: Any) -> Iterator[str]:
    serve = serve_dev if request.param == "dev-server" else serve_uvicorn
    url, stop = serve(make_app(db))
    try:
        wait_until_served(f"{url}/admin/")
        yield url
    finally:
        stop()


CELLS = "Array.from(document.querySelectorAll('td.col-{}')).map(td => td.textContent.trim())"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    """Headless Chromium with one page open (see tests/browser_harness.py)."""
    with chromium(tmp_path) as tools:
        yield tools


def test_list_renders_and_a_record_is_created_through_the_form(
    base_url: str, browser: DevTools, db: Any
) -> None:
    list_url = f"{base_url}/admin/user/"
    browser.open(list_url)
    assert browser.evaluate("document.title") == "People - User - Browser Admin"
    assert browser.evaluate(CELLS.format("username")) == ["ada", "grace"]
    assert browser.evaluate(CELLS.format("email")) == ["ada@example.org", "grace@example.org"]
    # The local stylesheet is loaded and applied.
    assert (
        browser.evaluate("getComputedStyle(document.querySelector('nav.navbar')).backgroundColor")
        == "rgb(52, 58, 64)"
    )
    assert (
        browser.evaluate("getComputedStyle(document.querySelector('.dropdown-menu')).display")
        == "none"
    )

    # The search box filters the rows.
    browser.evaluate(
        "document.querySelector('input[name=search]').value = 'gra';"
        " document.querySelector('form.search-form').requestSubmit();"
    )
    browser.wait_for(CELLS.format("username") + ".join()", "grace")

    # The Create tab leads to the form; a duplicate username is refused and shown.
    browser.open(list_url)
    create_href = browser.evaluate("document.querySelector('.admin-tabs li:nth-child(2) a').href")
    assert create_href == f"{base_url}/admin/user/new/?url=/admin/user/"
    browser.open(create_href)
    fill = (
        "const f = document.querySelector('form.admin-form');"
        " f.username.value = {username}; f.email.value = {email}; f.age.value = {age};"
        " f.requestSubmit();"
    )
    browser.evaluate(fill.format(username='"ada"', email='"ada2@example.org"', age='"40"'))
    browser.wait_for(
        "document.querySelector('.has-error .help-block')?.textContent",
        "Already taken: another User has this username (ada).",
    )
    # The form keeps what was typed; fix the name and save.
    assert browser.evaluate("document.querySelector('form.admin-form').email.value") == (
        "ada2@example.org"
    )
    browser.evaluate(
        fill.format(username='"alan <turing>"', email='"alan@example.org"', age='"41"')
    )
    browser.wait_for("location.href", list_url)
    browser.wait_for(
        "document.querySelector('.alert-success')?.textContent", "Record was successfully created."
    )
    assert browser.evaluate(CELLS.format("username")) == ["ada", "alan <turing>", "grace"]
    assert browser.evaluate("document.querySelectorAll('td.col-username b, td script').length") == 0
    db.remove()
    alan = db.query(User).filter_by(username="alan <turing>").one()
    assert (alan.email, alan.age) == ("alan@example.org", 41)


def test_delete_button_posts_with_its_token(base_url: str, browser: DevTools, db: Any) -> None:
    list_url = f"{base_url}/admin/user/"
    browser.open(list_url)
    # Accept the confirmation dialog the delete button opens.
    browser.evaluate("window.confirm = () => true;")
    browser.evaluate("document.querySelector('td.list-buttons-column form button').click();")
    browser.wait_for(
        "document.querySelector('.alert-success')?.textContent", "Record was successfully deleted."
    )
    assert browser.evaluate(CELLS.format("username")) == ["grace"]
    db.remove()
    assert [u.username for u in db.query(User)] == ["grace"]
