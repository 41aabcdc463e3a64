"""The application object: construction, configuration, routing API, serving."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from erlen import Blueprint, Config, Erlen, Request, Response, request
from erlen.routing import BaseConverter
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    return app


# -- construction and configuration ----------------------------------------


def test_defaults(app: Erlen) -> None:
    assert app.name == "test_app"
    assert app.import_name == __name__
    assert app.root_path == os.path.dirname(os.path.abspath(__file__))
    assert isinstance(app.config, Config)
    assert app.config["PREFERRED_URL_SCHEME"] == "http"
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.debug is False
    assert app.testing is True
    assert app.secret_key is None
    assert app.permanent_session_lifetime == timedelta(days=31)
    assert app.extensions == {}
    assert app.request_class is Request
    assert app.response_class is Response
    assert app.logger.name == "test_app"
    assert app.static_folder == os.path.join(app.root_path, "static")
    assert app.static_url_path == "/static"
    assert app.template_folder == "templates"
    assert repr(app) == "<Erlen 'test_app'>"


def test_config_attributes_write_through(app: Erlen) -> None:
    app.secret_key = "slsdaljdljdlj"
    assert app.config["SECRET_KEY"] == "slsdaljdljdlj"
    app.permanent_session_lifetime = timedelta(days=7)  # type: ignore[assignment]
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=7)
    app.config["PERMANENT_SESSION_LIFETIME"] = 3600
    assert app.permanent_session_lifetime == timedelta(hours=1)
    app.debug = True
    assert app.config["DEBUG"] is True
    assert app.templates_auto_reload is True


def test_debug_flag_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERLEN_DEBUG", "1")
    assert Erlen(__name__).debug is True
    monkeypatch.setenv("ERLEN_DEBUG", "0")
    assert Erlen(__name__).debug is False


def test_main_module_name(monkeypatch: pytest.MonkeyPatch) -> None:
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "__file__", "/srv/site/wsgi_entry.py", raising=False)
    assert Erlen("__main__", root_path="/srv/site").name == "wsgi_entry"


def test_instance_path(tmp_path: Path) -> None:
    app = Erlen(__name__)
    # A module that is not installed: "instance" next to it.
    assert app.instance_path == os.path.join(os.path.dirname(os.path.abspath(__file__)), "instance")
    with pytest.raises(ValueError, match="must be absolute"):
        Erlen(__name__, instance_path="relative/path")
    app = Erlen(__name__, instance_path=str(tmp_path), instance_relative_config=True)
    assert app.config.root_path == str(tmp_path)
    with app.open_instance_resource("settings.cfg", "w") as f:
        f.write("SECRET_KEY = 'from instance'\n")
    app.config.from_pyfile("settings.cfg")
    assert app.secret_key == "from instance"
    with app.open_instance_resource("settings.cfg") as f:
        assert f.read().startswith(b"SECRET_KEY")


def test_open_resource(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE x;")
    app = Erlen(__name__, root_path=str(tmp_path))
    with app.open_resource("schema.sql") as f:
        assert f.read() == b"CREATE TABLE x;"
    with app.open_resource("schema.sql", "r", encoding="utf-8") as f:
        assert f.read() == "CREATE TABLE x;"
    with pytest.raises(ValueError, match="only be opened for reading"):
        app.open_resource("schema.sql", "w")


def test_static_files(tmp_path: Path, make_client: MakeClient) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "app.js").write_text("console.log(1)")
    app = Erlen(__name__, root_path=str(tmp_path))
    client = make_client(app)
    rv = client.get("/static/app.js")
    assert rv.status_code == 200
    assert rv.data == b"console.log(1)"
    rv.close()
    assert client.get("/static/missing.js").status_code == 404
    assert client.get("/static/../secret").status_code == 404


def test_custom_static_url_path_and_no_static(tmp_path: Path, make_client: MakeClient) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.txt").write_text("A")
    app = Erlen(__name__, root_path=str(tmp_path), static_folder="assets", static_url_path="/s")
    rv = make_client(app).get("/s/a.txt")
    assert rv.data == b"A"
    rv.close()
    bare = Erlen(__name__, static_folder=None)
    assert "static" not in bare.view_functions
    assert not bare.has_static_folder
    with pytest.raises(RuntimeError, match="static_folder"):
        bare.send_static_file("x")


def test_static_host_requires_host_matching() -> None:
    with pytest.raises(AssertionError, match="static_host"):
        Erlen(__name__, static_host="static.example.com")
    app = Erlen(__name__, host_matching=True, static_host="static.example.com")
    assert app.url_map.host_matching


def test_send_file_max_age(app: Erlen) -> None:
    with app.app_context():
        assert app.get_send_file_max_age("x") is None
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(hours=1)
        assert app.get_send_file_max_age("x") == 3600
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60
        assert app.get_send_file_max_age("x") == 60
        # The current app's config, also when asked through a blueprint.
        assert Blueprint("bp", __name__).get_send_file_max_age("x") == 60
    with pytest.raises(RuntimeError, match="application context"):
        app.get_send_file_max_age("x")


# -- routing API ---------------------------------------------------------------


def test_route_variables_and_converters(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/user/<username>")
    def show_user_profile(username: str) -> str:
        return f"User {username}"

    @app.route("/post/<int:post_id>")
    def show_post(post_id: int) -> str:
        return f"Post {post_id + 1}"

    @app.route("/path/<path:subpath>")
    def show_subpath(subpath: str) -> str:
        return f"Subpath {subpath}"

    @app.route("/price/<float:price>")
    def price(price: float) -> str:
        return f"{price * 2}"

    @app.route("/obj/<uuid:ident>")
    def obj(ident: Any) -> str:
        return type(ident).__name__

    client = make_client(app)
    assert client.get("/user/alice").data == b"User alice"
    assert client.get("/post/41").data == b"Post 42"
    assert client.get("/post/abc").status_code == 404
    assert client.get("/path/a/b/c").data == b"Subpath a/b/c"
    assert client.get("/price/1.5").data == b"3.0"
    assert client.get("/obj/12345678-1234-5678-1234-567812345678").data == b"UUID"


def test_custom_converter(app: Erlen, make_client: MakeClient) -> None:
    class ListConverter(BaseConverter):
        def to_python(self, value: str) -> list[str]:
            return value.split(",")

        def to_url(self, value: Any) -> str:
            return ",".join(value)

    app.url_map.converters["list"] = ListConverter

    @app.route("/tags/<list:tags>")
    def tags(tags: list[str]) -> str:
        return "|".join(tags)

    assert make_client(app).get("/tags/a,b,c").data == b"a|b|c"
    with app.test_request_context():
        assert app.url_for("tags", tags=["x", "y"]) == "/tags/x,y"


def test_methods(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/login", methods=["GET", "post"])
    def login() -> str:
        return f"method {request.method}"

    client = make_client(app)
    assert client.get("/login").data == b"method GET"
    assert client.post("/login").data == b"method POST"
    assert client.put("/login").status_code == 405
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "login")
    assert rule.methods == {"GET", "HEAD", "POST", "OPTIONS"}


def test_method_shortcuts(app: Erlen, make_client: MakeClient) -> None:
    @app.get("/item")
    def get_item() -> str:
        return "get"

    @app.post("/item")
    def post_item() -> str:
        return "post"

    @app.put("/item")
    def put_item() -> str:
        return "put"

    @app.patch("/item")
    def patch_item() -> str:
        return "patch"

    @app.delete("/item")
    def delete_item() -> str:
        return "delete"

    with pytest.raises(TypeError, match="Use the 'route' decorator"):
        app.get("/x", methods=["POST"])
    client = make_client(app)
    for method in ("get", "post", "put", "patch", "delete"):
        assert getattr(client, method)("/item").data == method.encode()


def test_methods_as_string_is_refused(app: Erlen) -> None:
    with pytest.raises(TypeError, match="list of strings"):
        app.add_url_rule("/x", "x", lambda: "x", methods="POST")


def test_endpoint_defaults_to_function_name(app: Erlen) -> None:
    def my_view() -> str:
        return "v"

    app.add_url_rule("/v", view_func=my_view)
    assert app.view_functions["my_view"] is my_view
    with pytest.raises(AssertionError, match="view function is needed"):
        app.add_url_rule("/no-view")


def test_endpoint_overwrite_is_refused(app: Erlen) -> None:
    @app.route("/a")
    def index() -> str:
        return "a"

    app.add_url_rule("/a2", "index", index)
    with pytest.raises(
        AssertionError,
        match="View function mapping is overwriting an existing endpoint function: index",
    ):

        @app.route("/b", endpoint="index")
        def other() -> str:
            return "b"


def test_endpoint_decorator(app: Erlen, make_client: MakeClient) -> None:
    app.add_url_rule("/later", "later")

    @app.endpoint("later")
    def later() -> str:
        return "registered later"

    assert make_client(app).get("/later").data == b"registered later"


def test_automatic_options(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return "index"

    rv = make_client(app).options("/")
    assert rv.status_code == 200
    assert rv.data == b""
    assert set(rv.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_automatic_options_disabled(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/", methods=["GET", "OPTIONS"], provide_automatic_options=False)
    def index() -> str:
        return f"manual {request.method}"

    assert make_client(app).options("/").data == b"manual OPTIONS"
    app2 = Erlen(__name__)
    app2.config["PROVIDE_AUTOMATIC_OPTIONS"] = False
    app2.add_url_rule("/", "index", lambda: "x")
    assert make_client(app2).options("/").status_code == 405


def test_view_function_methods_and_required_methods(app: Erlen, make_client: MakeClient) -> None:
    def view() -> str:
        return request.method

    view.methods = ["PUT"]  # type: ignore[attr-defined]
    view.required_methods = ["PATCH"]  # type: ignore[attr-defined]
    app.add_url_rule("/v", view_func=view)
    client = make_client(app)
    assert client.put("/v").data == b"PUT"
    assert client.patch("/v").data == b"PATCH"
    assert client.get("/v").status_code == 405


def test_class_based_views(app: Erlen, make_client: MakeClient) -> None:
    from erlen.views import MethodView

    class Counter(MethodView):
        def get(self) -> str:
            return "read"

        def post(self) -> str:
            return "write"

    app.add_url_rule("/counter", view_func=Counter.as_view("counter"))
    client = make_client(app)
    assert client.get("/counter").data == b"read"
    assert client.post("/counter").data == b"write"
    assert client.delete("/counter").status_code == 405


def test_strict_slashes_redirect(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/projects/")
    def projects() -> str:
        return "projects"

    @app.route("/about")
    def about() -> str:
        return "about"

    client = make_client(app)
    rv = client.get("/projects")
    assert rv.status_code == 308
    assert rv.headers["Location"].endswith("/projects/")
    assert client.get("/about/").status_code == 404


def test_async_view(app: Erlen, make_client: MakeClient) -> None:
    import asyncio

    @app.route("/async/<int:n>")
    async def slow(n: int) -> dict[str, int]:
        await asyncio.sleep(0)
        return {"n": n}

    assert make_client(app).get("/async/5").json == {"n": 5}


def test_ensure_sync(app: Erlen) -> None:
    def plain(x: int) -> int:
        return x + 1

    async def coro(x: int) -> int:
        return x * 10

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(coro)(2) == 20
    assert app.async_to_sync(coro)(3) == 30


def test_update_template_context(app: Erlen) -> None:
    app.context_processor(lambda: {"a": 1, "b": 1})
    context: dict[str, Any] = {"b": 2}
    with app.test_request_context():
        app.update_template_context(context)
    assert context["a"] == 1
    assert context["b"] == 2
    assert "request" in context and "g" in context


def test_make_shell_context(app: Erlen) -> None:
    app.shell_context_processor(lambda: {"db": "database"})
    context = app.make_shell_context()
    assert context["app"] is app
    assert context["db"] == "database"


def test_jinja_env_is_cached(app: Erlen) -> None:
    assert app.jinja_env is app.jinja_env


def test_cli_group(app: Erlen) -> None:
    import click

    assert isinstance(app.cli, click.Group)
    assert app.cli is app.cli


# -- request limits and hosts -----------------------------------------------------------


def test_max_content_length(app: Erlen, make_client: MakeClient) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.route("/upload", methods=["POST"])
    def upload() -> str:
        return str(len(request.get_data()))

    client = make_client(app)
    assert client.post("/upload", data=b"x" * 10).data == b"10"
    assert client.post("/upload", data=b"x" * 11).status_code == 413


def test_request_limits_come_from_config(app: Erlen) -> None:
    app.config.update(MAX_CONTENT_LENGTH=5, MAX_FORM_MEMORY_SIZE=6, MAX_FORM_PARTS=7)
    with app.test_request_context():
        assert request.max_content_length == 5
        assert request.max_form_memory_size == 6
        assert request.max_form_parts == 7
        request.max_content_length = 100
        assert request.max_content_length == 100


def test_trusted_hosts(app: Erlen, make_client: MakeClient) -> None:
    app.config["TRUSTED_HOSTS"] = ["good.example"]
    app.add_url_rule("/", "index", lambda: "ok")
    client = make_client(app)
    assert client.get("/", base_url="http://good.example").data == b"ok"
    assert client.get("/", base_url="http://evil.example").status_code == 400


def test_server_name_does_not_block_other_hosts_in_testing(
    app: Erlen, make_client: MakeClient
) -> None:
    app.add_url_rule("/", "index", lambda: request.host)
    assert make_client(app).get("/").data == b"localhost"


# -- serving ------------------------------------------------------------------------------


def _environ(path: str = "/") -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }


def test_wsgi_call(app: Erlen) -> None:
    app.add_url_rule("/", "index", lambda: "wsgi")
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        captured.append((status, headers))

    body = app(_environ(), start_response)
    try:
        assert b"".join(body) == b"wsgi"
    finally:
        body.close()  # type: ignore[attr-defined]
    assert captured[0][0] == "200 OK"
    assert ("Content-Type", "text/html; charset=utf-8") in captured[0][1]


def test_wsgi_middleware_wraps_wsgi_app(app: Erlen) -> None:
    # WSGI-only: WSGI middleware wraps app.wsgi_app (tests/test_asgi_app.py wraps asgi_app).
    app.add_url_rule("/", "index", lambda: request.environ.get("X_MIDDLEWARE", "none"))
    inner = app.wsgi_app

    def middleware(environ: dict[str, Any], start_response: Any) -> Any:
        environ["X_MIDDLEWARE"] = "wrapped"
        return inner(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[method-assign]
    assert app.test_client().get("/").data == b"wrapped"


def test_call_with_wrong_arguments(app: Erlen) -> None:
    with pytest.raises(TypeError, match="app\\(environ, start_response\\)"):
        app({})


def test_three_argument_call_is_an_asgi_coroutine(app: Erlen) -> None:
    import inspect

    async def receive() -> dict[str, Any]:
        raise AssertionError("not awaited in this test")

    async def send(message: dict[str, Any]) -> None:
        raise AssertionError("not awaited in this test")

    rv = app({"type": "http"}, receive, send)
    assert inspect.iscoroutine(rv)
    rv.close()


def test_contexts_popped_after_request(app: Erlen, make_client: MakeClient) -> None:
    from erlen.globals import _cv_app, _request_ctx

    app.add_url_rule("/", "index", lambda: "x")
    make_client(app).get("/")
    assert _request_ctx() is None
    assert _cv_app.get(None) is None


def test_contexts_popped_after_propagated_exception(app: Erlen, make_client: MakeClient) -> None:
    from erlen.globals import _cv_app, _request_ctx

    def fail() -> str:
        raise ValueError("x")

    app.add_url_rule("/", "index", fail)
    with pytest.raises(ValueError):
        make_client(app).get("/")
    assert _request_ctx() is None
    assert _cv_app.get(None) is None


def test_run_hands_the_app_to_the_dev_server(app: Erlen, monkeypatch: pytest.MonkeyPatch) -> None:
    import erlen.serving

    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        erlen.serving, "run_simple", lambda *args, **kwargs: calls.append((args, kwargs))
    )
    monkeypatch.delenv("ERLEN_RUN_FROM_CLI", raising=False)
    app.run(debug=True, load_dotenv=False)
    assert calls == [
        (
            ("127.0.0.1", 5000, app),
            {"use_reloader": True, "use_debugger": True, "threaded": True},
        )
    ]
    assert app.debug is True
    calls.clear()
    app.config["SERVER_NAME"] = "0.0.0.0:8080"
    app.run(debug=False, load_dotenv=False, use_reloader=False)
    assert calls[0][0] == ("0.0.0.0", 8080, app)
    assert calls[0][1]["use_reloader"] is False
    monkeypatch.setenv("ERLEN_RUN_FROM_CLI", "true")
    calls.clear()
    app.run()
    assert calls == []


_RUN_ENV = (
    "ERLEN_DEBUG",
    "FLASK_DEBUG",
    "ERLEN_SKIP_DOTENV",
    "FLASK_SKIP_DOTENV",
    "ERLEN_RUN_FROM_CLI",
    "ERLEN_RUN_MAIN",
    "H18_FROM_ENVFILE",
    "H18_BOTH",
    "H18_SET",
)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[Any, ...]]:
    """Calls of run_simple, made from an empty folder with none of the
    variables app.run() reads set (all restored afterwards)."""
    import erlen.serving

    for name in _RUN_ENV:
        # setenv first, so that the teardown also removes what dotenv files set.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(
        erlen.serving, "run_simple", lambda *args, **kwargs: calls.append((args, kwargs))
    )
    return calls


def test_run_loads_dotenv_files_like_the_cli(
    app: Erlen, served: list[Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".erlenenv").write_text("ERLEN_DEBUG=1\nH18_BOTH=erlenenv\nH18_SET=erlenenv\n")
    (tmp_path / ".env").write_text("H18_FROM_ENVFILE=yes\nH18_BOTH=env\n")
    monkeypatch.setenv("H18_SET", "environment")
    app.run(port=0)
    # .env wins over .erlenenv, the environment over both (Flask's order).
    assert (os.environ["H18_FROM_ENVFILE"], os.environ["H18_BOTH"]) == ("yes", "env")
    assert os.environ["H18_SET"] == "environment"
    assert app.debug is True
    assert served == [
        (
            ("127.0.0.1", 0, app),
            {"use_reloader": True, "use_debugger": True, "threaded": True},
        )
    ]


def test_run_debug_argument_wins_over_erlen_debug(
    app: Erlen, served: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ERLEN_DEBUG", "1")
    app.run(debug=False)
    assert app.debug is False
    assert served[0][1]["use_reloader"] is False
    monkeypatch.setenv("ERLEN_DEBUG", "0")
    app.debug = True
    app.run()
    assert app.debug is False


def test_run_without_erlen_debug_keeps_the_configured_debug(
    app: Erlen, served: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app.debug = True
    app.run()
    assert app.debug is True
    # load_dotenv=False: neither the files nor ERLEN_DEBUG are read.
    (tmp_path / ".env").write_text("ERLEN_DEBUG=0\nH18_FROM_ENVFILE=yes\n")
    app.run(load_dotenv=False)
    assert app.debug is True
    assert "H18_FROM_ENVFILE" not in os.environ
    monkeypatch.setenv("ERLEN_SKIP_DOTENV", "1")
    app.run()
    assert "H18_FROM_ENVFILE" not in os.environ
    assert len(served) == 3


def test_run_prints_the_server_banner(
    app: Erlen, served: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    app.run(debug=True)
    out = capsys.readouterr().out
    assert out == f" * Serving Erlen app '{app.name}'\n * Debug mode: on\n"
    assert len(served) == 1


def test_run_under_the_cli_is_ignored_with_a_warning(
    app: Erlen,
    served: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ERLEN_RUN_FROM_CLI", "true")
    app.run(debug=True)
    captured = capsys.readouterr()
    assert served == []
    assert captured.out == ""
    assert "Ignoring a call to 'app.run()'" in captured.err
    assert 'if __name__ == "__main__"' in captured.err
    assert app.debug is False
    # In the reloader's child the parent process has shown the warning.
    monkeypatch.setenv("ERLEN_RUN_MAIN", "true")
    app.run()
    assert capsys.readouterr() == ("", "")
    assert served == []


# -- routing errors: the unraised fast path keeps every override --------------


def test_routing_error_with_a_handler_sees_the_raised_exception(
    app: Erlen, make_client: MakeClient
) -> None:
    seen: list[Any] = []

    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        seen.append((type(e).__name__, e.__traceback__ is not None))
        return "nothing here", 404

    rv = make_client(app).get("/nope")
    assert (rv.status_code, rv.data) == (404, b"nothing here")
    assert seen == [("NotFound", True)]


def test_routing_error_trapped_raises(app: Erlen, make_client: MakeClient) -> None:
    from erlen.http.exceptions import MethodNotAllowed, NotFound

    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    app.add_url_rule("/only-get", "only_get", lambda: "ok")
    with pytest.raises(NotFound):
        make_client(app).get("/nope")
    with pytest.raises(MethodNotAllowed):
        make_client(app).post("/only-get")


@pytest.mark.parametrize(
    "name", ["raise_routing_exception", "handle_user_exception", "handle_http_exception"]
)
def test_routing_error_goes_through_replaced_methods(make_client: MakeClient, name: str) -> None:
    calls: list[str] = []

    class Custom(Erlen):
        pass

    original = getattr(Erlen, name)

    def replaced(self: Erlen, arg: Any) -> Any:
        calls.append(name)
        return original(self, arg)

    setattr(Custom, name, replaced)
    for app in (Custom(__name__), Erlen(__name__)):
        if type(app) is Erlen:
            setattr(app, name, replaced.__get__(app))
        rv = make_client(app).get("/nope")
        assert rv.status_code == 404
        assert b"<title>404 Not Found</title>" in rv.data
    assert calls == [name, name]


def test_unhandled_404_and_405_bodies_and_headers(app: Erlen, make_client: MakeClient) -> None:
    app.add_url_rule("/item", "item", lambda: "ok", methods=["GET", "PUT"])
    client = make_client(app)
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "text/html; charset=utf-8"
    assert missing.data.startswith(b"<!doctype html>\n<html lang=en>\n<title>404 Not Found")
    wrong = client.post("/item")
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, HEAD, OPTIONS, PUT"
    assert b"<title>405 Method Not Allowed</title>" in wrong.data


def test_import_erlen_leaves_async_and_crypto_unloaded() -> None:
    import subprocess

    code = (
        "import sys, erlen\n"
        "heavy = ['asyncio', 'concurrent.futures', 'cryptography', 'itsdangerous',"
        " 'erlen.asgi', 'erlen.websocket']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "import asyncio\n"
        "app = erlen.Erlen('x')\n"
        "print(asyncio.iscoroutinefunction(app.__call__), type(erlen.websocket).__name__)\n"
        "import erlen.websocket\n"
        "print(type(erlen.websocket).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "True _WebsocketProxy", "_WebsocketProxy"]


def test_cli_and_templating_are_attributes_after_a_plain_import() -> None:
    """``import flask`` loads them: extensions read ``flask.cli.AppGroup``
    at import time (flask-smorest); erlen loads them on that first read."""
    import subprocess

    code = (
        "import sys, erlen\n"
        "print(sorted(m for m in ('erlen.cli', 'erlen.templating') if m in sys.modules))\n"
        "print(erlen.cli.AppGroup.__name__, erlen.templating.render_template.__name__)\n"
        "print(erlen.cli is sys.modules['erlen.cli'])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "AppGroup render_template", "True"]


def test_version_is_the_installed_distributions() -> None:
    """``flask.__version__`` is read by code that compares versions."""
    import importlib.metadata

    import erlen

    assert erlen.__version__ == importlib.metadata.version("erlen")
