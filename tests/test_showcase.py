"""The showcase app (examples/showcase) driven through the test client, on WSGI
and ASGI: pages, login with CSRF, the admin, the REST API with JWT and CORS."""

from __future__ import annotations

import base64
import re
import sqlite3
import sys
import threading
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from erlen import Erlen
from erlen.cli import ScriptInfo
from erlen.serving import make_server
from erlen.testing import ErlenClient

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MEMORY_DB = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}


@pytest.fixture
def create_app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Erlen]:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.delenv("SHOWCASE_SESSION_REDIS", raising=False)
    from showcase.app import create_app

    return create_app


@pytest.fixture
def app(create_app: Callable[..., Erlen]) -> Erlen:
    return create_app(MEMORY_DB)


def html_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


def token_in(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


def page_token(client: ErlenClient, path: str = "/auth/login") -> str:
    return token_in(html_of(client.get(path)))


def login(client: ErlenClient, username: str = "ada", password: str = "lovelace", **kw: Any) -> Any:
    data = {"username": username, "password": password, "csrf_token": page_token(client)}
    data.update(kw.pop("data", {}))
    return client.post("/auth/login", data=data, **kw)


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash [a-z]+">(.*?)</p>', html)


def logged_in_user(client: ErlenClient) -> Any:
    return client.get("/api/status").get_json()["user"]


# -- pages ---------------------------------------------------------------------------


def test_home_page_links_to_every_part(client: ErlenClient) -> None:
    response = client.get("/")
    html = html_of(response)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "<h1>Hello, stranger!</h1>" in html
    assert '<link rel="stylesheet" href="/static/style.css">' in html
    for href in (
        "/auth/login",
        "/guestbook",
        "/profile",
        "/admin/",
        "/api/entries",
        "/api/status",
        "/download/erlen-cheatsheet.txt",
    ):
        assert f'href="{href}"' in html, href
    for part in ("erlen.ext.login", "erlen.ext.forms", "erlen.ext.sqlalchemy", "erlen.ext.admin"):
        assert part in html
    for part in ("erlen.ext.rest", "erlen.ext.cors", "erlen.ext.jwt", "erlen.ext.session"):
        assert part in html
    assert "(2 entries so far)" in html
    assert "Sessions live in an encrypted cookie" in html
    # The admin link in the menu is for admins only.
    assert '<a href="/admin/">Admin</a>' not in html


def test_static_css(client: ErlenClient) -> None:
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert b"--accent" in response.data


def test_database_file_is_created_and_seeded_once(
    create_app: Callable[..., Erlen], tmp_path: Path
) -> None:
    first = create_app({"TESTING": True}, instance_path=str(tmp_path))
    database = tmp_path / "showcase.db"
    assert database.is_file()
    # A second start finds the rows and does not seed again.
    second = create_app({"TESTING": True}, instance_path=str(tmp_path))
    for app in (first, second):
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
    with sqlite3.connect(database) as conn:
        users = conn.execute("SELECT username, is_admin FROM user ORDER BY id").fetchall()
        entries = conn.execute("SELECT author, message FROM entry ORDER BY id").fetchall()
    conn.close()
    assert users == [("ada", 1), ("grace", 0)]
    assert entries == [
        ("grace", "Hello from the guestbook!"),
        ("ada", "The Analytical Engine weaves algebraic patterns."),
    ]
    password_hash = sqlite3.connect(database).execute("SELECT password_hash FROM user").fetchone()
    assert password_hash[0].startswith("scrypt:")
    assert "lovelace" not in password_hash[0]


# -- log in and out ------------------------------------------------------------------


def test_login_flow_and_flash_shown_once(client: ErlenClient) -> None:
    form = html_of(client.get("/auth/login"))
    assert 'name="password" required type="password"' in form
    assert '<input id="csrf_token" name="csrf_token" type="hidden" value="' in form

    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    page = html_of(client.get("/"))
    assert flashes(page) == ["Welcome back, ada!"]
    assert "<h1>Hello, ada!</h1>" in page
    assert '<a href="/admin/">Admin</a>' in page
    again = html_of(client.get("/"))
    assert flashes(again) == []
    assert "<h1>Hello, ada!</h1>" in again
    assert logged_in_user(client) == "ada"


def test_login_without_csrf_token_is_refused(client: ErlenClient) -> None:
    client.get("/auth/login")
    response = client.post("/auth/login", data={"username": "ada", "password": "lovelace"})
    assert response.status_code == 400
    assert "The CSRF token is missing." in html_of(response)
    assert logged_in_user(client) is None


def test_login_with_a_foreign_csrf_token_is_refused(
    client: ErlenClient, app: Erlen, protocol: str
) -> None:
    # A token from another visitor's session (what a forged form would carry).
    other = app.test_client(asgi=protocol == "asgi")
    stolen = page_token(other)
    client.get("/auth/login")
    data = {"username": "ada", "password": "lovelace", "csrf_token": stolen}
    response = client.post("/auth/login", data=data)
    assert response.status_code == 400
    assert "The CSRF tokens do not match." in html_of(response)
    assert logged_in_user(client) is None


def test_wrong_password(client: ErlenClient) -> None:
    response = login(client, password="wrong")
    assert response.status_code == 401
    html = html_of(response)
    assert flashes(html) == ["Invalid username or password."]
    assert 'value="ada"' in html
    assert logged_in_user(client) is None


def test_unknown_user_is_escaped(client: ErlenClient) -> None:
    response = login(client, username="<img src=x>", password="x")
    assert response.status_code == 401
    html = html_of(response)
    assert 'value="&lt;img src=x&gt;"' in html
    assert "<img src=x>" not in html


def test_empty_login_form_says_what_is_missing(client: ErlenClient) -> None:
    response = login(client, username=" ", password="")
    assert response.status_code == 400
    assert flashes(html_of(response)) == ["This field is required.", "This field is required."]


def test_remember_me_sets_the_remember_cookie(client: ErlenClient) -> None:
    login(client, data={"remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.value.startswith("1|")


def test_logout(client: ErlenClient) -> None:
    login(client)
    token = page_token(client, "/")
    # Without the token, another site cannot log the user out.
    assert client.post("/auth/logout").status_code == 400
    assert logged_in_user(client) == "ada"
    response = client.post("/auth/logout", data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    html = html_of(response)
    assert flashes(html) == ["You have been logged out."]
    assert "<h1>Hello, stranger!</h1>" in html
    assert client.get("/auth/logout").status_code == 405
    assert logged_in_user(client) is None


def test_login_required_and_next(client: ErlenClient) -> None:
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=%2Fprofile"
    page = html_of(client.get(response.headers["Location"]))
    assert flashes(page) == ["Please log in to see that page."]
    response = login(client, query_string={"next": "/profile"})
    assert response.headers["Location"] == "/profile"
    page = html_of(client.get("/profile"))
    assert "<h1>ada</h1>" in page
    assert "<li>The Analytical Engine weaves algebraic patterns.</li>" in page


def test_profile_without_entries(client: ErlenClient) -> None:
    login(client, "grace", "hopper", query_string={"next": "/profile"})
    page = html_of(client.get("/profile"))
    assert "<h1>grace</h1>" in page
    assert "<li>Hello from the guestbook!</li>" in page
    assert "You are an admin" not in page


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "javascript:x", "/\\evil.example"]
)
def test_login_next_is_not_an_open_redirect(client: ErlenClient, target: str) -> None:
    response = login(client, query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# -- the guestbook -------------------------------------------------------------------


def test_guestbook_form_is_autoescaped(client: ErlenClient) -> None:
    login(client, username="grace", password="hopper")
    token = page_token(client, "/guestbook")
    response = client.post(
        "/guestbook",
        data={"message": "<script>alert(1)</script> & hi", "csrf_token": token},
        follow_redirects=True,
    )
    html = html_of(response)
    assert response.status_code == 200
    assert "<strong>grace</strong>: &lt;script&gt;alert(1)&lt;/script&gt; &amp; hi" in html
    assert "<script>alert(1)</script>" not in html
    assert "Thanks for signing the guestbook!" in flashes(html)
    # Newest first.
    assert html.index("alert(1)") < html.index("Hello from the guestbook!")
    profile = html_of(client.get("/profile"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; hi" in profile


def test_guestbook_signed_anonymously(client: ErlenClient) -> None:
    token = page_token(client, "/guestbook")
    response = client.post("/guestbook", data={"message": "  hi  ", "csrf_token": token})
    assert response.status_code == 302
    entries = client.get("/api/entries").get_json()["entries"]
    assert entries[-1] == {"id": 3, "author": "anonymous", "message": "hi"}


@pytest.mark.parametrize(
    ("message", "error"),
    [("   ", "Write a message first."), ("x" * 501, "Keep it under 500 characters.")],
)
def test_guestbook_validation(client: ErlenClient, message: str, error: str) -> None:
    token = page_token(client, "/guestbook")
    response = client.post("/guestbook", data={"message": message, "csrf_token": token})
    assert response.status_code == 400
    assert flashes(html_of(response)) == [error]
    assert len(client.get("/api/entries").get_json()["entries"]) == 2


def test_guestbook_post_needs_the_csrf_token(client: ErlenClient) -> None:
    client.get("/guestbook")
    response = client.post("/guestbook", data={"message": "forged"})
    assert response.status_code == 400
    assert "The CSRF token is missing." in html_of(response)
    assert len(client.get("/api/entries").get_json()["entries"]) == 2


# -- the admin -----------------------------------------------------------------------


def cells(html: str, column: str) -> list[str]:
    found = re.findall(rf'<td class="col-{column}">\s*(.*?)\s*</td>', html, re.S)
    return [str(value) for value in found]


def test_admin_sends_visitors_to_log_in(client: ErlenClient) -> None:
    for path in ("/admin/", "/admin/entry/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == "/auth/login?next=" + path.replace("/", "%2F")
    page = html_of(client.get("/auth/login"))
    assert flashes(page) == ["Please log in to see that page.", "Please log in to see that page."]


def test_admin_is_forbidden_to_a_normal_user(client: ErlenClient) -> None:
    login(client, "grace", "hopper")
    for path in ("/admin/", "/admin/entry/", "/admin/user/", "/admin/user/new/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "<h1>Admins only</h1>" in html_of(response)
    assert client.post("/admin/entry/delete/", data={"id": "1"}).status_code == 403
    assert len(client.get("/api/entries").get_json()["entries"]) == 2


def test_admin_lists_the_models_for_the_admin(client: ErlenClient) -> None:
    login(client)
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "Showcase Admin" in html_of(home)
    entries = client.get("/admin/entry/")
    assert entries.status_code == 200
    html = html_of(entries)
    assert cells(html, "author") == ["ada", "grace"]  # newest first
    assert cells(html, "message") == [
        "The Analytical Engine weaves algebraic patterns.",
        "Hello from the guestbook!",
    ]
    users = html_of(client.get("/admin/user/"))
    assert cells(users, "username") == ["ada", "grace"]
    assert "scrypt" not in users
    assert "password_hash" not in html_of(client.get("/admin/user/new/"))


def test_admin_creates_a_user_with_a_hashed_password(client: ErlenClient) -> None:
    login(client)
    token = page_token(client, "/admin/user/new/")
    data = {"username": "alan", "new_password": "turing-machine", "csrf_token": token}
    response = client.post("/admin/user/new/", data=data)
    assert response.status_code == 302
    users = html_of(client.get("/admin/user/"))
    assert flashes_admin(users) == ["Record was successfully created."]
    assert cells(users, "username") == ["ada", "alan", "grace"]

    # Without a password the user is refused, and nothing is stored.
    token = page_token(client, "/admin/user/new/")
    refused = client.post("/admin/user/new/", data={"username": "nopass", "csrf_token": token})
    assert refused.status_code == 200  # the form again, with the reason
    assert flashes_admin(html_of(refused)) == ["A new user needs a password."]
    assert "nopass" not in cells(html_of(client.get("/admin/user/")), "username")

    client.post("/auth/logout", data={"csrf_token": page_token(client, "/")})
    assert login(client, "alan", "turing-machine").status_code == 302
    assert logged_in_user(client) == "alan"
    assert client.get("/admin/").status_code == 403


def flashes_admin(html: str) -> list[str]:
    return [
        m.strip() for m in re.findall(r'<div class="alert[^"]*" role="alert">(.*?)</div>', html)
    ]


def test_admin_keeps_its_own_csrf_check(client: ErlenClient) -> None:
    login(client)
    client.get("/admin/entry/")
    response = client.post("/admin/entry/delete/", data={"id": "1"})
    assert response.status_code == 400
    assert len(client.get("/api/entries").get_json()["entries"]) == 2
    token = page_token(client, "/admin/entry/")
    response = client.post("/admin/entry/delete/", data={"id": "1", "csrf_token": token})
    assert response.status_code == 302
    assert [e["id"] for e in client.get("/api/entries").get_json()["entries"]] == [2]


def test_admin_cannot_delete_their_own_account(client: ErlenClient) -> None:
    login(client)
    token = page_token(client, "/admin/user/")
    client.post("/admin/user/delete/", data={"id": "1", "csrf_token": token})
    users = html_of(client.get("/admin/user/"))
    assert "You cannot delete your own account." in users
    assert cells(users, "username") == ["ada", "grace"]


# -- the REST API, JWT and CORS ------------------------------------------------------


def get_token(client: ErlenClient, username: str = "ada", password: str = "lovelace") -> str:
    response = client.post("/api/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    token: str = response.get_json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_lists_entries(client: ErlenClient) -> None:
    response = client.get("/api/entries")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "entries": [
            {"id": 1, "author": "grace", "message": "Hello from the guestbook!"},
            {
                "id": 2,
                "author": "ada",
                "message": "The Analytical Engine weaves algebraic patterns.",
            },
        ]
    }
    assert client.get("/api/entries/1").get_json()["author"] == "grace"
    assert client.get("/api/status").get_json() == {"status": "ok", "user": None, "entries": 2}


def test_api_token_and_protected_resources(client: ErlenClient) -> None:
    token = get_token(client)
    me = client.get("/api/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.get_json() == {"username": "ada", "is_admin": True, "entries": 1}

    created = client.post(
        "/api/entries", json={"message": "  via the API  "}, headers=bearer(token)
    )
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/entries/3"
    assert created.get_json() == {"id": 3, "author": "ada", "message": "via the API"}
    assert client.get("/api/entries/3").get_json()["message"] == "via the API"
    assert client.get("/api/me", headers=bearer(token)).get_json()["entries"] == 2
    # The token is the credential: the API keeps no session for it.
    assert client.get("/api/status").get_json()["user"] is None


def test_api_token_from_a_form_body(client: ErlenClient) -> None:
    response = client.post("/api/token", data={"username": "grace", "password": "hopper"})
    assert response.status_code == 200
    token = response.get_json()["access_token"]
    assert client.get("/api/me", headers=bearer(token)).get_json()["username"] == "grace"


def test_api_token_refuses_a_wrong_password(client: ErlenClient) -> None:
    response = client.post("/api/token", json={"username": "ada", "password": "nope"})
    assert response.status_code == 401
    assert response.get_json() == {"message": "Bad username or password."}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"json": {"username": "ada"}}, "password"),
        ({"json": {"password": "lovelace"}}, "username"),
        # Credentials are never read from the query string.
        ({"query_string": {"username": "ada", "password": "lovelace"}}, "username"),
    ],
)
def test_api_token_reqparse_400(client: ErlenClient, kwargs: dict[str, Any], field: str) -> None:
    response = client.post("/api/token", **kwargs)
    assert response.status_code == 400
    assert "Missing required parameter" in response.get_json()["message"][field]


def test_api_protected_resources_need_a_token(client: ErlenClient) -> None:
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.get_json() == {"message": "Missing Authorization Header"}
    response = client.post("/api/entries", json={"message": "no token"})
    assert response.status_code == 401
    assert len(client.get("/api/entries").get_json()["entries"]) == 2
    # A token changed without the secret key is refused.
    claims = jwt.decode(get_token(client), options={"verify_signature": False})
    forged = jwt.encode({**claims, "sub": "grace"}, "not the app's key, but as long as it")
    response = client.get("/api/me", headers=bearer(forged))
    assert response.status_code == 422
    assert response.get_json() == {"message": "Signature verification failed"}


def test_api_session_login_is_no_token(client: ErlenClient) -> None:
    login(client)
    assert client.get("/api/status").get_json()["user"] == "ada"
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"json": {}}, "Missing required parameter"),
        ({"json": {"message": 3}}, "The message must be a string."),
        ({"json": {"message": None}}, "Must not be null!"),
        ({"json": {"message": "   "}}, "The message must have 1 to 500 characters."),
        ({"json": {"message": "x" * 501}}, "The message must have 1 to 500 characters."),
    ],
)
def test_api_reqparse_400(client: ErlenClient, kwargs: dict[str, Any], error: str) -> None:
    response = client.post("/api/entries", headers=bearer(get_token(client)), **kwargs)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert error in response.get_json()["message"]["message"]
    assert len(client.get("/api/entries").get_json()["entries"]) == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": ["not", "an", "object"]},
        {"data": "{broken", "content_type": "application/json"},
    ],
)
def test_api_rejects_bad_json(client: ErlenClient, kwargs: dict[str, Any]) -> None:
    response = client.post("/api/entries", headers=bearer(get_token(client)), **kwargs)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.get_json()["message"]


def test_api_404s_are_json(client: ErlenClient) -> None:
    response = client.get("/api/entries/99")
    assert response.status_code == 404
    assert response.get_json() == {"message": "Entry 99 does not exist."}
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.get_json() == {"message": "Not found."}


def test_cors_headers_on_the_api_only(client: ErlenClient) -> None:
    origin = {"Origin": "https://other.example"}
    # Flask-CORS's default origins="*" reflects the caller's origin.
    api = client.get("/api/entries", headers=origin)
    assert api.headers["Access-Control-Allow-Origin"] == "https://other.example"
    assert api.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in api.headers
    error = client.get("/api/entries/99", headers=origin)
    assert error.headers["Access-Control-Allow-Origin"] == "https://other.example"
    # Without an Origin header the wildcard is sent (always_send).
    assert client.get("/api/status").headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/entries",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://other.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"].lower() == (
        "authorization, content-type"
    )
    for path in ("/", "/guestbook", "/auth/login", "/static/style.css", "/no/such/page"):
        with client.get(path, headers=origin) as response:
            assert response.status_code in (200, 404)
            assert "Access-Control-Allow-Origin" not in response.headers, path


# -- files, errors, CLI --------------------------------------------------------------


def test_download(client: ErlenClient) -> None:
    expected = (EXAMPLES / "showcase" / "files" / "erlen-cheatsheet.txt").read_bytes()
    with client.get("/download/erlen-cheatsheet.txt") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="erlen-cheatsheet.txt"'
        )
        assert response.data == expected


@pytest.mark.parametrize("path", ["/download/../app.py", "/download/%2e%2e/app.py", "/download/x"])
def test_download_stays_in_its_folder(client: ErlenClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"import" not in response.data


def test_404_page(client: ErlenClient) -> None:
    response = client.get("/no/<such>/page")
    assert response.status_code == 404
    html = html_of(response)
    assert "<h1>Page not found</h1>" in html
    assert "<code>/no/&lt;such&gt;/page</code>" in html


def test_500_page(app: Erlen, protocol: str) -> None:
    app.testing = False

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = app.test_client(asgi=protocol == "asgi").get("/boom")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in html_of(response)


def test_cli_commands(app: Erlen) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["list-users"])
    assert result.exit_code == 0
    assert result.output == "ada *\ngrace\n"
    result = runner.invoke(args=["add-user", "alan", "--password", "turing-machine"])
    assert result.exit_code == 0, result.output
    assert result.output == "Created alan.\n"
    assert runner.invoke(args=["list-users"]).output == "ada *\nalan\ngrace\n"
    result = runner.invoke(args=["add-user", "alan", "--password", "x"])
    assert result.exit_code == 1
    assert "The user 'alan' exists already." in result.output
    assert login(app.test_client(), "alan", "turing-machine").status_code == 302


def test_shell_context(app: Erlen) -> None:
    with app.app_context():
        context = app.make_shell_context()
        assert context["app"] is app
        users = context["User"].query.order_by(context["User"].id).all()
        assert [u.username for u in users] == ["ada", "grace"]
        assert context["db"].session.get(context["Entry"], 1).author == "grace"


def test_the_demo_command_finds_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = (ROOT / "scripts" / "demo").read_text()
    assert 'pip install -q --disable-pip-version-check -e ".[all]"' in demo
    match = re.search(r"erlen --app (\S+) run --host 127\.0\.0\.1 --port 5000", demo)
    assert match is not None
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("ERLEN_SQLALCHEMY_DATABASE_URI", "sqlite://")
    monkeypatch.delenv("SHOWCASE_SESSION_REDIS", raising=False)
    path = list(sys.path)
    try:
        app = ScriptInfo(app_import_path=match.group(1)).load_app()
    finally:
        sys.path[:] = path
    assert app.import_name == "showcase.app"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert {"auth", "api", "admin", "user", "entry"} <= set(app.blueprints)


@pytest.fixture
def live_server(app: Erlen) -> Iterator[int]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.port
    finally:
        server.shutdown()
        thread.join(10)


def test_showcase_over_the_dev_server(live_server: int) -> None:
    base = f"http://127.0.0.1:{live_server}"
    with urllib.request.urlopen(base + "/", timeout=10) as response:
        assert response.status == 200
        assert b"erlen showcase" in response.read()
    with urllib.request.urlopen(base + "/static/style.css", timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/css")
    with urllib.request.urlopen(base + "/api/entries", timeout=10) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"


# -- server-side sessions in Redis (optional) ----------------------------------------


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis (skipped without one; a failure under ERLEN_REQUIRE_SERVICES=1)."""
    import os

    try:
        import redis
    except ImportError:
        pytest.skip("the 'redis' package is not installed")
    url = os.environ.get("ERLEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        reason = f"Redis at {url} is not reachable ({error})"
        if os.environ.get("ERLEN_REQUIRE_SERVICES") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    finally:
        client.close()
    return url


@pytest.fixture
def redis_store(redis_url: str) -> Iterator[tuple[Any, str]]:
    """A Redis client and a key prefix of this test's own (its keys deleted afterwards)."""
    import uuid

    import redis

    client = redis.Redis.from_url(redis_url)
    prefix = f"showcase-test-{uuid.uuid4().hex[:12]}:"
    try:
        yield client, prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_sessions_in_redis_when_the_variable_is_set(
    create_app: Callable[..., Erlen],
    redis_url: str,
    redis_store: tuple[Any, str],
    monkeypatch: pytest.MonkeyPatch,
    protocol: str,
) -> None:
    from erlen.ext.session import RedisSessionInterface

    store, prefix = redis_store
    monkeypatch.setenv("SHOWCASE_SESSION_REDIS", redis_url)
    app = create_app({**MEMORY_DB, "SESSION_KEY_PREFIX": prefix})
    assert isinstance(app.session_interface, RedisSessionInterface)
    client = app.test_client(asgi=protocol == "asgi")
    assert "Sessions live in Redis" in html_of(client.get("/"))

    client.get("/auth/login")  # the CSRF token's session
    cookie = client.get_cookie("session")
    assert cookie is not None
    before = cookie.value
    assert store.exists(f"{prefix}{before}")

    assert login(client).status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None
    after = cookie.value
    # login_user gives the session a new id: an id seen before login is useless.
    assert after != before
    assert not store.exists(f"{prefix}{before}")
    assert store.exists(f"{prefix}{after}")
    assert b"lovelace" not in store.get(f"{prefix}{after}")
    assert logged_in_user(client) == "ada"
    assert client.get("/profile").status_code == 200

    # Deleting the record on the server logs the user out (§2.11.2).
    store.delete(f"{prefix}{after}")
    assert logged_in_user(client) is None
    assert client.get("/profile").status_code == 302


def test_cookie_sessions_by_default(app: Erlen, client: ErlenClient) -> None:
    from erlen.sessions import SecureCookieSessionInterface

    assert isinstance(app.session_interface, SecureCookieSessionInterface)
    login(client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    # Encrypted: decoding the cookie (as one would a signed Flask cookie,
    # base64 and maybe zlib) does not reveal the user id.
    for part in cookie.value.split("."):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:
            continue
        try:
            raw = zlib.decompress(raw)
        except zlib.error:
            pass
        assert b"_user_id" not in raw
    assert logged_in_user(client) == "ada"
