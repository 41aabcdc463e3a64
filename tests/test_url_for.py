"""URL building: url_for in requests and app contexts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from erlen import Blueprint, Erlen, redirect, request, url_for
from erlen.routing import BuildError
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/user/<username>")
    def user_profile(username: str) -> str:
        return f"User: {username}"

    @app.route("/post/<int:post_id>", methods=["GET", "POST"])
    def show_post(post_id: int) -> str:
        return str(post_id)

    return app


def test_url_for_in_request(app: Erlen) -> None:
    with app.test_request_context():
        assert url_for("index") == "/"
        assert url_for("user_profile", username="Alice") == "/user/Alice"
        assert url_for("show_post", post_id=3) == "/post/3"


def test_values_are_quoted_and_extras_become_query(app: Erlen) -> None:
    with app.test_request_context():
        assert url_for("user_profile", username="a b/c") == "/user/a%20b%2Fc"
        assert url_for("user_profile", username="张三") == "/user/%E5%BC%A0%E4%B8%89"
        assert url_for("index", q="x y", page=2) in {"/?q=x+y&page=2", "/?q=x%20y&page=2"}
        assert url_for("index", skip=None) == "/"


def test_external_and_scheme(app: Erlen) -> None:
    with app.test_request_context(base_url="http://example.org"):
        assert url_for("index", _external=True) == "http://example.org/"
        assert url_for("index", _scheme="https", _external=True) == "https://example.org/"
        assert url_for("index", _scheme="https") == "https://example.org/"
        with pytest.raises(ValueError, match="'_external' must be True"):
            url_for("index", _scheme="https", _external=False)


def test_anchor(app: Erlen) -> None:
    with app.test_request_context():
        assert url_for("index", _anchor="section 2") == "/#section%202"
        assert url_for("index", _anchor="a/b?c") == "/#a/b?c"


def test_method_picks_the_rule(app: Erlen) -> None:
    def multi() -> str:
        return request.method

    app.add_url_rule("/only-post", "multi", multi, methods=["POST"])
    app.add_url_rule("/only-get", "multi", multi, methods=["GET"])
    with app.test_request_context():
        assert url_for("multi", _method="POST") == "/only-post"
        assert url_for("multi", _method="GET") == "/only-get"


def test_build_error(app: Erlen) -> None:
    with app.test_request_context():
        with pytest.raises(BuildError):
            url_for("nope")
        with pytest.raises(BuildError):
            url_for("user_profile")


def test_url_build_error_handlers(app: Erlen) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def fallback(error: Exception, endpoint: str, values: dict[str, Any]) -> str | None:
        seen.append((endpoint, dict(values)))
        if endpoint == "external.docs":
            return "https://docs.example.com/"
        return None

    app.url_build_error_handlers.append(fallback)
    with app.test_request_context():
        assert url_for("external.docs") == "https://docs.example.com/"
        with pytest.raises(BuildError):
            url_for("missing")
    assert seen[0][0] == "external.docs"
    assert seen[0][1]["_external"] is False


def test_outside_request_needs_server_name(app: Erlen) -> None:
    with app.app_context():
        with pytest.raises(RuntimeError, match="without 'SERVER_NAME'"):
            url_for("index")


def test_url_for_without_any_context_names_the_app_context() -> None:
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        url_for("index")


def test_url_for_uses_the_app_of_the_current_context(app: Erlen) -> None:
    other = Erlen("other")
    other.add_url_rule("/elsewhere", "index", lambda: "x")
    with app.test_request_context():
        assert url_for("index") == "/"
        with other.test_request_context():
            assert url_for("index") == "/elsewhere"
        assert url_for("index") == "/"


def test_outside_request_with_server_name(app: Erlen) -> None:
    app.config.update(
        SERVER_NAME="example.com",
        APPLICATION_ROOT="/myapp",
        PREFERRED_URL_SCHEME="https",
    )
    with app.app_context():
        assert url_for("user_profile", username="bob") == "https://example.com/myapp/user/bob"
        assert url_for("index", _external=False) == "/myapp/"


def test_app_url_for_without_context(app: Erlen) -> None:
    app.config["SERVER_NAME"] = "localhost:8000"
    assert app.url_for("index") == "http://localhost:8000/"


def test_script_name_mount(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/where")
    def where() -> str:
        return url_for("user_profile", username="x") + " " + request.script_root

    rv = make_client(app).get("/where", base_url="http://localhost/mounted")
    assert rv.data == b"/mounted/user/x /mounted"


def test_relative_endpoint(app: Erlen, make_client: MakeClient) -> None:
    bp = Blueprint("auth", __name__, url_prefix="/auth")

    @bp.route("/login")
    def login() -> str:
        return url_for(".logout")

    @bp.route("/logout")
    def logout() -> str:
        return "bye"

    app.register_blueprint(bp)

    @app.route("/rel")
    def rel() -> str:
        return url_for(".index")

    client = make_client(app)
    assert client.get("/auth/login").data == b"/auth/logout"
    assert client.get("/rel").data == b"/"


def test_redirect_with_url_for(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/redirect-to-user")
    def redirect_to_user() -> Any:
        return redirect(url_for("user_profile", username="Alice"))

    client = make_client(app)
    rv = client.get("/redirect-to-user")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/user/Alice"
    rv = client.get("/redirect-to-user", follow_redirects=True)
    assert rv.data == b"User: Alice"


def test_static_url(app: Erlen) -> None:
    with app.test_request_context():
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"


def test_url_defaults_fill_values(app: Erlen) -> None:
    app.url_defaults(lambda endpoint, values: values.setdefault("username", "default-user"))
    with app.test_request_context():
        assert url_for("user_profile") == "/user/default-user"
        assert url_for("user_profile", username="given") == "/user/given"
