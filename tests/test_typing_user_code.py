"""The public API's types, checked from the user's side.

``tests/typing/`` holds realistic erlen application code with
``typing.assert_type`` checks on the types users rely on. The first test runs
``mypy --strict`` over that folder (without the project's own mypy config) and
fails with mypy's report on any error. The other tests import each file and
drive it, so the typed code is also code that works.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from erlen.http.headers import parse_options_header

ROOT = Path(__file__).resolve().parent.parent
TYPING_DIR = ROOT / "tests" / "typing"
USER_FILES = sorted(p.stem for p in TYPING_DIR.glob("*.py"))


def test_user_code_folder_is_populated() -> None:
    assert len(USER_FILES) >= 6
    assert not [name for name in USER_FILES if name.startswith("test_")], (
        "files in tests/typing must not be collected by pytest"
    )


@pytest.mark.slow
def test_user_code_passes_mypy_strict() -> None:
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        os.devnull,
        "--strict",
        "--python-version",
        "3.11",
        "--no-incremental",
        "--cache-dir",
        os.devnull,
        "--show-error-codes",
        "--no-color-output",
        "--no-error-summary",
        str(TYPING_DIR.relative_to(ROOT)),
    ]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    report = "\n".join(
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "No [mypy] section in config file" not in line
    )
    assert result.returncode == 0, f"mypy --strict found errors in tests/typing:\n{report}"
    assert report.strip() == "", report


# -- the same files, run ------------------------------------------------------------------


def _load(stem: str) -> ModuleType:
    name = f"_erlen_typing_user_code.{stem}"
    spec = importlib.util.spec_from_file_location(name, TYPING_DIR / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered before running, as an import would, so Erlen(__name__) finds
    # its root path and dataclasses resolve the module.
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@pytest.fixture
def user_module(request: pytest.FixtureRequest) -> Iterator[ModuleType]:
    stem = str(request.param)
    module = _load(stem)
    yield module
    sys.modules.pop(module.__name__, None)


def _module(stem: str) -> Any:
    return pytest.param(stem, id=stem)


@pytest.mark.parametrize("user_module", [_module(s) for s in USER_FILES], indirect=True)
def test_user_code_imports(user_module: ModuleType) -> None:
    assert user_module.__file__ is not None


@pytest.mark.parametrize("user_module", [_module("app_views")], indirect=True)
def test_app_views_run(user_module: Any) -> None:
    app = user_module.app
    client = app.test_client()
    assert client.get("/").text == "Index Page"
    assert client.get("/post/3").text == "Post 3"
    assert client.get("/post/x").status_code == 404
    assert client.get("/price/2.5").json == {"amount": 2.5, "with_tax": 3.0}
    uid = "12345678-1234-5678-1234-567812345678"
    assert client.get(f"/item/{uid}").json == {"id": uid}
    rv = client.get("/files/a/b.txt")
    assert (rv.text, rv.headers["X-Subpath"]) == ("a/b.txt", "a/b.txt")
    rv = client.get("/search?q=erlen&page=x&per_page=5&tag=a&tag=b&id=1&id=z&id=3")
    # COMPAT(flask): getlist(type=int) drops the values that do not convert.
    assert rv.json == {"q": "erlen", "page": 1, "per_page": 5, "tags": ["a", "b"], "ids": [1, 3]}
    assert list(rv.json) == ["q", "page", "per_page", "tags", "ids"]
    rv = client.post("/api/items", json={"name": "lamp"})
    assert (rv.status_code, rv.json) == (201, {"name": "lamp", "forced": True})
    rv = client.post("/api/items", json=[1])
    assert rv.status_code == 400
    assert "a JSON object with a name is required" in rv.text
    rv = client.post("/login", data={"username": "ada", "remember": "on", "password": "pw"})
    assert (rv.status_code, rv.headers["Location"]) == (302, "/post/1")
    assert client.post("/login", data={}).status_code == 400
    rv = client.get("/custom")
    assert (rv.status_code, rv.text, rv.mimetype) == (201, "custom body", "text/plain")
    assert rv.headers["X-Custom"] == "yes"
    cookie = rv.headers["Set-Cookie"]
    assert cookie.startswith("username=ada;") and "HttpOnly" in cookie
    assert client.get("/stream").text == "a/stream"
    assert client.get("/old").status_code == 301
    assert client.get("/teapot").status_code == 418
    other = type(app)("other_app")
    assert user_module.plug_json_provider(other) == "[1]"
    assert type(other.json).__name__ == "PlainJSON"
    assert user_module.build_urls() == [
        "/",
        "/post/42",
        "http://localhost/search?q=erlen",
        "/static/style.css",
    ]


@pytest.mark.parametrize("user_module", [_module("blueprints_hooks")], indirect=True)
def test_blueprints_hooks_run(user_module: Any) -> None:
    app = user_module.create_app({"TESTING": True})
    client = app.test_client()
    auth = {"Authorization": "Bearer t0k"}
    rv = client.get("/api/users/7")
    assert (rv.status_code, rv.json) == (401, {"error": "missing token"})
    rv = client.get("/api/users/7", headers=auth)
    assert (rv.status_code, rv.json) == (200, {"id": 7, "name": "ada"})
    assert float(rv.headers["X-Elapsed"]) >= 0
    rv = client.get("/api/users/0", headers=auth)
    assert (rv.status_code, rv.json) == (422, {"field": "user_id", "error": "must be positive"})
    rv = client.get("/api/users/5000", headers=auth)
    assert rv.status_code == 404
    assert set(rv.json) == {"error"}
    rv = client.post("/api/users", json={"name": "bob"}, headers=auth)
    assert (rv.status_code, rv.headers["Location"]) == (201, "/api/users/1")
    assert client.get("/api/v2/ping", headers=auth).text == "pong"
    rv = client.get("/admin/")
    assert (rv.status_code, rv.text) == (403, "admins only")
    assert client.get("/admin/?admin=1").text == "dashboard"
    rv = client.get("/nowhere")
    assert rv.status_code == 404
    assert rv.json["code"] == 404 and rv.json["name"] == "Not Found"


@pytest.mark.parametrize("user_module", [_module("sessions_templates")], indirect=True)
def test_sessions_templates_run(user_module: Any) -> None:
    app = user_module.app
    client = app.test_client()
    rv = client.get("/profile")
    assert (rv.status_code, rv.headers["Location"]) == (302, "/login?next=/profile")
    rv = client.post("/login", data={"username": "ada"}, follow_redirects=True)
    assert rv.request.path == "/profile"
    assert rv.text == "<p class=success>Welcome back!</p>Hello ada"
    with client.session_transaction() as sess:
        assert (sess["user_id"], sess["username"], sess["visits"]) == (1, "ada", 1)
    rv = client.get("/logout")
    assert rv.headers["Location"] == "/login"
    assert client.get("/messages").json == {
        "plain": ["Logged out."],
        "paired": [["message", "Logged out."]],
        "errors": [],
    }
    user = user_module.register("grace", "grace@example.com")
    assert user_module.USERS[user.id] is user


@pytest.mark.parametrize("user_module", [_module("views_cli")], indirect=True)
def test_views_cli_commands_run(user_module: Any) -> None:
    app = user_module.app
    assert user_module.run_commands() == [
        f"Initialised the database for {app.name}.\n",
        "Hello, ada!\n",
        "created bob\n",
    ]


@pytest.mark.parametrize("user_module", [_module("views_cli")], indirect=True)
@pytest.mark.parametrize("asgi", [False, True], ids=["wsgi", "asgi"])
def test_views_cli_views_run(user_module: Any, asgi: bool) -> None:
    # ItemAPI mixes sync handlers with an async one and has a plain sync
    # decorator: the decorated view returns a coroutine for the pipeline to await.
    _drive_item_api(user_module.app, asgi)


def _drive_item_api(app: Any, asgi: bool) -> None:
    client = app.test_client(asgi=asgi)
    assert client.get("/items/").json == []
    rv = client.post("/items/", json={"name": "lamp"})
    assert (rv.status_code, rv.json) == (201, {"id": 1, "model": "item", "name": "lamp"})
    rv = client.patch("/items/1", json={"name": "desk"})
    assert rv.json == {"id": 1, "model": "item", "name": "desk"}
    assert client.get("/items/1").json["name"] == "desk"
    assert client.delete("/items/1").status_code == 204
    assert client.get("/items/1").status_code == 404
    assert client.put("/items/1").status_code == 405
    assert client.get("/users/").text == "users.html: []"
    assert app.config["CALLS"] == 6


@pytest.mark.parametrize("user_module", [_module("async_websocket")], indirect=True)
def test_async_websocket_run(user_module: Any) -> None:
    app = user_module.app
    for asgi in (False, True):
        client = app.test_client(asgi=asgi)
        rv = client.get("/users/3")
        assert (rv.json, rv.headers["X-Async"]) == ({"id": 3}, "1")
        assert client.post("/echo", json={"a": 1}).json == {"a": 1}
        assert client.post("/echo", data="x").status_code == 415
        assert client.get("/events").text == "data: 0\n\ndata: 1\n\ndata: 2\n\n"
    assert user_module.chat_once() == {"room": "lobby", "from": "ada", "text": "hello"}
    assert user_module.rooms == {"lobby": set()}
    [connection] = user_module.joined
    assert type(connection).__name__ == "Websocket"
    assert (connection.path, connection.args["name"], connection.closed) == (
        "/ws/rooms/lobby",
        "ada",
        True,
    )


@pytest.mark.parametrize("user_module", [_module("client_usage")], indirect=True)
def test_client_usage_run(user_module: Any) -> None:
    user_module.run_all()


@pytest.mark.parametrize("user_module", [_module("datastructures_local")], indirect=True)
def test_datastructures_local_run(user_module: Any) -> None:
    assert user_module.multidicts() == {
        "flat": {"tag": "a", "page": "2", "sort": "name"},
        "lists": {"tag": ["a", "b", "c"], "page": ["2"], "sort": ["name", "-date"]},
        "pairs": [
            ("tag", "a"),
            ("tag", "b"),
            ("tag", "c"),
            ("page", "2"),
            ("sort", "name"),
            ("sort", "-date"),
        ],
        "q": "x",
    }
    assert user_module.headers() == [
        ("Content-Type", "text/plain"),
        ("Set-Cookie", "a=1"),
        ("Set-Cookie", "b=2"),
        ("Content-Disposition", "attachment; filename=report.pdf"),
        ("Cache-Control", "no-store"),
    ]
    assert user_module.uploads(b"hello") == "etc_passwd.txt:text/plain:5"
    assert user_module.in_tenant("acme") == "acme"
    with pytest.raises(RuntimeError):
        user_module.current_tenant.name  # noqa: B018
    assert user_module.require("v") == "v"


@pytest.mark.parametrize("user_module", [_module("config_files")], indirect=True)
def test_config_files_run(user_module: Any) -> None:
    app = user_module.create_app({"TESTING": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024
    client = app.test_client()
    rv = client.get("/report.csv")
    assert (rv.data, rv.mimetype) == (b"a,b\n1,2\n", "text/csv")
    # download_name without as_attachment: shown inline, saved under that name.
    assert parse_options_header(rv.headers["Content-Disposition"]) == (
        "inline",
        {"filename": "report.csv"},
    )
    rv = client.get("/private")
    assert (rv.status_code, rv.text) == (403, "nope")
    assert rv.headers["Cache-Control"] == "no-store"
    app.config["ALLOW_PRIVATE"] = True
    rv = client.get("/private")
    assert (rv.status_code, rv.text, rv.headers["X-Private"]) == (200, "secret", "1")
    assert rv.mimetype == "text/plain"
    assert client.get("/download/missing.csv").status_code == 404
    assert client.get("/download/../secret").status_code == 404
