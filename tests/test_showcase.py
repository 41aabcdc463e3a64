"""The showcase app (examples/showcase) driven through the test client."""

from __future__ import annotations

import re
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from erlen import Erlen
from erlen.cli import ScriptInfo
from erlen.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Erlen:
    monkeypatch.syspath_prepend(str(EXAMPLES))
    from showcase.app import create_app

    return create_app({"TESTING": True})


@pytest.fixture
def client(app: Erlen) -> Any:
    return app.test_client()


def login(client: Any, username: str = "ada", password: str = "lovelace", **kw: Any) -> Any:
    return client.post("/auth/login", data={"username": username, "password": password}, **kw)


def flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash [a-z]+">(.*?)</p>', html)


def test_home_page(client: Any) -> None:
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "<h1>Hello, stranger!</h1>" in html
    assert '<link rel="stylesheet" href="/static/style.css">' in html
    assert 'href="/auth/login"' in html
    assert "(1 entry so far;" in html


def test_static_css(client: Any) -> None:
    with client.get("/static/style.css") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert b"--accent" in response.data


def test_login_flow_and_flash_shown_once(client: Any) -> None:
    form = client.get("/auth/login")
    assert form.status_code == 200
    assert 'name="password" type="password"' in form.get_data(as_text=True)

    response = login(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    page = client.get("/").get_data(as_text=True)
    assert flashes(page) == ["Welcome back, ada!"]
    assert "<h1>Hello, ada!</h1>" in page
    # Shown once: the next page has no flash.
    again = client.get("/").get_data(as_text=True)
    assert flashes(again) == []
    assert "<h1>Hello, ada!</h1>" in again
    assert client.get("/api/status").get_json()["user"] == "ada"


def test_wrong_password(client: Any) -> None:
    response = login(client, password="wrong")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert flashes(html) == ["Invalid username or password."]
    assert 'value="ada"' in html
    assert client.get("/api/status").get_json()["user"] is None


def test_unknown_user(client: Any) -> None:
    response = login(client, username="<img src=x>", password="x")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert 'value="&lt;img src=x&gt;"' in html
    assert "<img src=x>" not in html


def test_logout(client: Any) -> None:
    login(client)
    client.get("/")
    response = client.post("/auth/logout", follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert flashes(html) == ["You have been logged out."]
    assert "<h1>Hello, stranger!</h1>" in html
    assert client.get("/auth/logout").status_code == 405


def test_login_required_and_next(client: Any) -> None:
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/profile"
    response = login(client, query_string={"next": "/profile"})
    assert response.headers["Location"] == "/profile"
    page = client.get("/profile").get_data(as_text=True)
    assert "<h1>ada</h1>" in page
    assert "You have not signed" in page


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "javascript:x"])
def test_login_next_is_not_an_open_redirect(client: Any, target: str) -> None:
    response = login(client, query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_guestbook_form_is_autoescaped(client: Any) -> None:
    login(client, username="grace", password="hopper")
    response = client.post(
        "/guestbook", data={"message": "<script>alert(1)</script> & hi"}, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>grace</strong>: &lt;script&gt;alert(1)&lt;/script&gt; &amp; hi" in html
    assert "<script>alert(1)</script>" not in html
    assert "Thanks for signing the guestbook!" in flashes(html)
    profile = client.get("/profile").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; hi" in profile


@pytest.mark.parametrize(
    ("message", "error"), [("   ", "Write a message first."), ("x" * 501, "under 500")]
)
def test_guestbook_validation(client: Any, message: str, error: str) -> None:
    response = client.post("/guestbook", data={"message": message})
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert len(client.get("/api/entries").get_json()["entries"]) == 1


def test_json_api(client: Any) -> None:
    entries = client.get("/api/entries")
    assert entries.mimetype == "application/json"
    assert entries.get_json() == {
        "entries": [{"id": 1, "author": "grace", "message": "Hello from the guestbook!"}]
    }
    created = client.post("/api/entries", json={"message": "  via the API  "})
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/entries/2"
    assert created.get_json() == {"id": 2, "author": "api", "message": "via the API"}
    assert client.get("/api/entries/2").get_json()["message"] == "via the API"
    assert client.get("/api/status").get_json() == {"status": "ok", "user": None, "entries": 2}


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"json": ["not", "an", "object"]}, "JSON object"),
        ({"json": {"message": 3}}, "JSON object"),
        ({"json": {"message": ""}}, "1 to 500"),
        ({"data": "{broken", "content_type": "application/json"}, ""),
    ],
)
def test_json_api_rejects_bad_input(client: Any, kwargs: dict[str, Any], error: str) -> None:
    response = client.post("/api/entries", **kwargs)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert error in response.get_json()["error"]


def test_json_api_404(client: Any) -> None:
    response = client.get("/api/entries/99")
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not found."}


def test_download(client: Any) -> None:
    expected = (EXAMPLES / "showcase" / "files" / "erlen-cheatsheet.txt").read_bytes()
    with client.get("/download/erlen-cheatsheet.txt") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="erlen-cheatsheet.txt"'
        )
        assert response.data == expected


@pytest.mark.parametrize("path", ["/download/../app.py", "/download/%2e%2e/app.py", "/download/x"])
def test_download_stays_in_its_folder(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"import" not in response.data


def test_404_page(client: Any) -> None:
    response = client.get("/no/<such>/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<h1>Page not found</h1>" in html
    assert "<code>/no/&lt;such&gt;/page</code>" in html


def test_500_page(app: Erlen) -> None:
    app.testing = False

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.get_data(as_text=True)


def test_cli_command_and_shell_context(app: Erlen) -> None:
    result = app.test_cli_runner().invoke(args=["list-users"])
    assert result.exit_code == 0
    assert result.output == "ada\ngrace\n"
    with app.app_context():
        context = app.make_shell_context()
    assert context["app"] is app
    assert context["entries"][0]["author"] == "grace"


def test_the_demo_command_finds_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = (ROOT / "scripts" / "demo").read_text()
    match = re.search(r"erlen --app (\S+) run --host 127\.0\.0\.1 --port 5000", demo)
    assert match is not None
    monkeypatch.chdir(ROOT)
    path = list(__import__("sys").path)
    try:
        app = ScriptInfo(app_import_path=match.group(1)).load_app()
    finally:
        __import__("sys").path[:] = path
    assert app.import_name == "showcase.app"
    assert "auth" in app.blueprints


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
