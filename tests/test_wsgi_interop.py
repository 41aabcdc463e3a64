"""WSGI applications inside an erlen app, as in Flask: a view may return any
WSGI callable (another framework's response, a mounted app); the response
class's ``autocorrect_location_header``; ``Request.from_values`` and
``Request.application``. Every app test runs over WSGI and over ASGI."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

import erlen
from erlen import Erlen, Request, Response
from erlen.http.exceptions import NotFound


def echo_app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """A WSGI app reporting what it was called with."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("207 Multi-Status", [("Content-Type", "text/plain"), ("X-Wsgi", "yes")])
    yield f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}?{environ['QUERY_STRING']} ".encode()
    yield body


@pytest.fixture(params=[False, True], ids=["wsgi", "asgi"])
def asgi(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def test_view_returning_a_wsgi_app(asgi: bool) -> None:
    app = Erlen(__name__)

    @app.route("/mounted/<name>", methods=["GET", "POST"])
    def mounted(name: str) -> Any:
        return echo_app

    client = app.test_client(asgi=asgi)
    r = client.get("/mounted/x?a=1")
    assert r.status_code == 207
    assert r.headers["X-Wsgi"] == "yes"
    assert r.headers["Content-Type"] == "text/plain"
    assert r.data == b"GET /mounted/x?a=1 "
    r = client.post("/mounted/y", data=b"payload", content_type="application/octet-stream")
    assert r.data == b"POST /mounted/y? payload"


def test_async_view_returning_a_wsgi_app(asgi: bool) -> None:
    app = Erlen(__name__)

    @app.route("/")
    async def index() -> Any:
        return echo_app

    assert app.test_client(asgi=asgi).get("/").data == b"GET /? "


def test_status_and_headers_of_a_tuple_apply_after_the_wsgi_app(asgi: bool) -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> Any:
        return echo_app, 201, {"X-Extra": "1"}

    r = app.test_client(asgi=asgi).get("/")
    assert r.status_code == 201
    assert (r.headers["X-Wsgi"], r.headers["X-Extra"]) == ("yes", "1")


def test_after_request_sees_the_wsgi_apps_answer_as_a_response(asgi: bool) -> None:
    app = Erlen(__name__)
    seen: list[tuple[type, int]] = []

    @app.route("/")
    def index() -> Any:
        return echo_app

    @app.after_request
    def after(response: Response) -> Response:
        seen.append((type(response), response.status_code))
        return response

    app.test_client(asgi=asgi).get("/")
    assert seen == [(app.response_class, 207)]


def test_the_environ_under_asgi_has_the_wsgi_keys() -> None:
    app = Erlen(__name__)
    seen: dict[str, Any] = {}

    def inspecting(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        for key in ("SERVER_PROTOCOL", "wsgi.version", "wsgi.errors", "wsgi.url_scheme"):
            seen[key] = environ[key]
        start_response("200 OK", [])
        return [b"ok"]

    @app.route("/")
    def index() -> Any:
        return inspecting

    assert app.test_client(asgi=True).get("/").data == b"ok"
    assert seen == {
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
    }


def test_a_werkzeug_response_from_a_view(asgi: bool) -> None:
    wrappers = pytest.importorskip("werkzeug.wrappers")
    app = Erlen(__name__)

    @app.route("/")
    def index() -> Any:
        return wrappers.Response("from werkzeug", status=202, headers={"X-W": "1"})

    r = app.test_client(asgi=asgi).get("/")
    assert (r.status_code, r.data, r.headers["X-W"]) == (202, b"from werkzeug", "1")


def test_anything_else_is_still_a_type_error() -> None:
    app = Erlen(__name__)
    with app.test_request_context("/"), pytest.raises(TypeError, match="WSGI callable"):
        app.make_response(42)


def test_a_wsgi_app_outside_a_request_is_a_type_error() -> None:
    app = Erlen(__name__)
    with app.app_context(), pytest.raises(TypeError, match="no environ"):
        app.make_response(echo_app)


# -- autocorrect_location_header ------------------------------------------------------


def test_location_stays_relative_by_default(asgi: bool) -> None:
    app = Erlen(__name__)

    @app.route("/a/b")
    def index() -> Any:
        return erlen.redirect("../c")

    assert app.test_client(asgi=asgi).get("/a/b").headers["Location"] == "../c"


def test_autocorrect_location_header_makes_location_absolute(asgi: bool) -> None:
    class AbsoluteLocations(Response):
        autocorrect_location_header = True

    app = Erlen(__name__)
    app.response_class = AbsoluteLocations

    @app.route("/a/b")
    def relative() -> Any:
        return erlen.redirect("../c?x=1")

    @app.route("/caf\u00e9/x")
    def non_ascii() -> Any:
        return erlen.redirect("d\u00e9j\u00e0")

    @app.route("/set-in-hook")
    def plain() -> str:
        return "body"

    @app.after_request
    def add_location(response: Response) -> Response:
        if erlen.request.path == "/set-in-hook":
            response.headers["Location"] = "/elsewhere"
        return response

    client = app.test_client(asgi=asgi)
    assert client.get("/a/b?q=2").headers["Location"] == "http://localhost/c?x=1"
    assert (
        client.get("/caf\u00e9/x").headers["Location"]
        == "http://localhost/caf%C3%A9/d%C3%A9j%C3%A0"
    )
    assert client.get("/set-in-hook").headers["Location"] == "http://localhost/elsewhere"


def test_autocorrect_location_header_uses_the_mount_point(asgi: bool) -> None:
    class AbsoluteLocations(Response):
        autocorrect_location_header = True

    app = Erlen(__name__)
    app.response_class = AbsoluteLocations

    @app.route("/page")
    def page() -> Any:
        return erlen.redirect("other")

    client = app.test_client(asgi=asgi)
    r = client.get("/page", base_url="https://example.org/mount")
    assert r.headers["Location"] == "https://example.org/mount/other"


# -- Request.from_values and Request.application ----------------------------------------


def test_from_values_builds_a_request_of_the_class() -> None:
    class MyRequest(Request):
        pass

    request = MyRequest.from_values(
        "/search?q=a",
        method="POST",
        data={"name": "Zo\u00eb"},
        headers={"X-Token": "t"},
        base_url="https://example.org/app",
    )
    assert type(request) is MyRequest
    assert request.method == "POST"
    assert request.args["q"] == "a"
    assert request.form["name"] == "Zo\u00eb"
    assert request.headers["X-Token"] == "t"
    assert request.url == "https://example.org/app/search?q=a"
    assert request.script_root == "/app"


def test_from_values_json_body() -> None:
    request = Request.from_values("/", method="POST", json={"a": [1, 2]})
    assert request.is_json
    assert request.get_json() == {"a": [1, 2]}


def test_request_application_serves_a_function_of_the_request() -> None:
    calls: list[str] = []

    @Request.application
    def hello(request: Request) -> Response:
        calls.append(request.full_path)
        if request.args.get("missing"):
            raise NotFound()
        return Response(f"Hello {request.args.get('name', 'World')}!")

    assert hello.__name__ == "hello"
    ok = Response.from_app(hello, Request.from_values("/?name=Zo\u00eb").environ, buffered=True)
    assert (ok.status_code, ok.get_data(as_text=True)) == (200, "Hello Zo\u00eb!")
    missing = Response.from_app(hello, Request.from_values("/?missing=1").environ, buffered=True)
    assert missing.status_code == 404
    assert b"Not Found" in missing.get_data()
    assert calls == ["/?name=Zo\u00eb", "/?missing=1"]


def test_request_application_closes_the_request_and_takes_self() -> None:
    closed: list[str] = []

    class Tracking(Request):
        def close(self) -> None:
            closed.append(self.path)
            super().close()

    class Service:
        greeting = "Hi"

        @Tracking.application
        def __call__(self, request: Request) -> Any:
            assert type(request) is Tracking
            return Response(f"{self.greeting} {request.path}")

    response = Response.from_app(Service(), Request.from_values("/x").environ, buffered=True)
    assert response.get_data() == b"Hi /x"
    assert closed == ["/x"]


def test_request_application_answers_a_bad_path_with_400() -> None:
    @Request.application
    def never(request: Request) -> Response:
        raise AssertionError("not called")

    environ = Request.from_values("/").environ
    environ["PATH_INFO"] = "/\xff"  # latin-1 of a byte that is not UTF-8
    response = Response.from_app(never, environ, buffered=True)
    assert response.status_code == 400


def test_request_application_may_return_any_wsgi_app() -> None:
    @Request.application
    def delegate(request: Request) -> Any:
        return echo_app

    response = Response.from_app(delegate, Request.from_values("/d?z=9").environ, buffered=True)
    assert response.get_data() == b"GET /d?z=9 "


# -- nothing of Flask's wrappers is missing ---------------------------------------------


@pytest.mark.parametrize("name", ["Request", "Response"])
def test_every_public_name_of_flasks_wrappers_exists(name: str) -> None:
    # Flask's classes extend Werkzeug's: both sets of names are checked.
    flask_wrappers = pytest.importorskip("flask.wrappers")
    theirs = getattr(flask_wrappers, name)
    ours = getattr(erlen, name)
    missing = sorted(
        attr for attr in dir(theirs) if not attr.startswith("_") and not hasattr(ours, attr)
    )
    assert missing == []


# -- werkzeug.test's names in erlen.testing ------------------------------------------------


def test_create_environ_client_and_run_wsgi_app() -> None:
    from erlen.testing import Client, ErlenClient, create_environ, run_wsgi_app

    environ = create_environ("/search?q=a", "https://example.org/app", method="POST", data=b"x")
    assert environ["PATH_INFO"] == "/search"
    assert environ["SCRIPT_NAME"] == "/app"
    assert environ["QUERY_STRING"] == "q=a"
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["wsgi.input"].read() == b"x"
    assert issubclass(ErlenClient, Client)
    app_iter, status, headers = run_wsgi_app(echo_app, create_environ("/e?k=v"))
    assert status == "207 Multi-Status"
    assert b"".join(app_iter) == b"GET /e?k=v "
    assert headers["X-Wsgi"] == "yes"


def test_werkzeugs_client_sends_no_address_or_user_agent_of_its_own() -> None:
    # COMPAT(werkzeug): Werkzeug's Client leaves REMOTE_ADDR and User-Agent
    # out (OpenTelemetry's Flask tests expect no such span attributes);
    # app.test_client() sends both, as Flask's FlaskClient does.
    wz_test = pytest.importorskip("werkzeug.test")
    from erlen.testing import Client

    def sent(client_class: Any, app: Any) -> list[tuple[str | None, str | None]]:
        seen: list[tuple[str | None, str | None]] = []

        def recording(environ: dict[str, Any], start_response: Any) -> Any:
            seen.append((environ.get("REMOTE_ADDR"), environ.get("HTTP_USER_AGENT")))
            return app(environ, start_response)

        client_class(recording).get("/e")
        return seen

    assert sent(Client, echo_app) == sent(wz_test.Client, echo_app) == [(None, None)]
    erlen_app = Erlen(__name__)
    erlen_app.route("/e")(lambda: "")
    client = erlen_app.test_client()
    assert isinstance(client, Client)
    assert client.get("/e").request.remote_addr == "127.0.0.1"
    assert client.get("/e").request.user_agent.string == f"erlen/{erlen.__version__}"


def test_create_environ_matches_werkzeug() -> None:
    wz_test = pytest.importorskip("werkzeug.test")
    from erlen.testing import create_environ

    args = ("/a/b%20c?x=1&y=2", "http://example.org:8080/root")
    ours, theirs = create_environ(*args), wz_test.create_environ(*args)
    for key in ("PATH_INFO", "SCRIPT_NAME", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT",
                "HTTP_HOST", "REQUEST_METHOD", "wsgi.url_scheme"):  # fmt: skip
        assert ours[key] == theirs[key], key


# -- Request(environ), as Werkzeug middleware builds one ------------------------------


def test_request_from_an_environ() -> None:
    from erlen.http.request import Request as ToolkitRequest
    from erlen.testing import create_environ

    environ = create_environ(
        "/items?page=2",
        "https://example.org/shop",
        method="POST",
        data={"name": "Zo\u00eb"},
        headers={"Cookie": "theme=dark", "X-Token": "t"},
    )
    request = Request(environ)
    assert type(request) is Request
    assert (request.method, request.path, request.script_root) == ("POST", "/items", "/shop")
    assert request.args["page"] == "2"
    assert request.form["name"] == "Zo\u00eb"
    assert request.cookies["theme"] == "dark"
    assert request.headers["X-Token"] == "t"
    assert request.url == "https://example.org/shop/items?page=2"
    assert request.environ is environ
    assert environ["werkzeug.request"] is request
    assert request.url_rule is None  # matching is the app's job
    toolkit = ToolkitRequest(create_environ("/t"), populate_request=False)
    assert type(toolkit) is ToolkitRequest
    assert toolkit.path == "/t"


def test_a_shallow_request_leaves_the_body_alone() -> None:
    from erlen.testing import create_environ

    environ = create_environ("/", method="POST", data=b"for the app")
    request = Request(environ, shallow=True)
    assert request.path == "/"
    assert "werkzeug.request" not in environ
    with pytest.raises(RuntimeError, match="shallow"):
        request.get_data()
    assert environ["wsgi.input"].read() == b"for the app"


def test_request_refuses_what_is_not_an_environ() -> None:
    with pytest.raises(TypeError, match="WSGI environ"):
        Request(["not", "a", "dict"])  # type: ignore[call-overload]


def test_werkzeug_style_auth_middleware_around_an_app() -> None:
    app = Erlen(__name__)

    @app.route("/private")
    def private() -> str:
        return "secret"

    def require_token(wsgi_app: Any) -> Any:
        def middleware(environ: dict[str, Any], start_response: Any) -> Any:
            request = Request(environ, shallow=True)
            if request.headers.get("X-Token") != "s3cret":
                return Response("Unauthorized", 401)(environ, start_response)
            return wsgi_app(environ, start_response)

        return middleware

    app.wsgi_app = require_token(app.wsgi_app)  # type: ignore[method-assign]
    client = app.test_client()
    assert client.get("/private").status_code == 401
    r = client.get("/private", headers={"X-Token": "s3cret"})
    assert (r.status_code, r.data) == (200, b"secret")


def test_request_from_an_environ_matches_werkzeug() -> None:
    wrappers = pytest.importorskip("werkzeug.wrappers")
    from erlen.testing import create_environ

    args = ("/a/b?x=1&x=2&y=%C3%A9", "http://example.org:8080/root")
    kwargs = {"headers": {"Accept": "text/html", "Cookie": "a=1; b=2"}}
    ours, theirs = (
        Request(create_environ(*args, **kwargs)),
        wrappers.Request(create_environ(*args, **kwargs)),
    )
    for name in ("method", "path", "full_path", "script_root", "url", "base_url", "host_url",
                 "root_url", "host", "scheme", "remote_addr", "query_string"):  # fmt: skip
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.args.getlist("x") == theirs.args.getlist("x")
    assert dict(ours.cookies) == dict(theirs.cookies)
    assert ours.accept_mimetypes.best == theirs.accept_mimetypes.best


def test_the_toolkits_request_has_the_application_decorator() -> None:
    from erlen.http.request import Request as ToolkitRequest
    from erlen.http.response import Response as ToolkitResponse
    from erlen.testing import create_environ

    seen: list[type] = []

    @ToolkitRequest.application
    def app(request: ToolkitRequest) -> ToolkitResponse:
        seen.append(type(request))
        return ToolkitResponse(request.args.get("q", ""))

    response = ToolkitResponse.from_app(app, create_environ("/?q=toolkit"), buffered=True)
    assert response.get_data() == b"toolkit"
    assert seen == [ToolkitRequest]
