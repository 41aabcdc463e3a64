"""Error handling (§2.1.6): handlers by code and class, HTTP errors, 500s,
propagation and trapping."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from erlen import Blueprint, Erlen, abort, request
from erlen.http.exceptions import (
    BadRequest,
    BadRequestKeyError,
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    Unauthorized,
)
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]


@pytest.fixture
def app() -> Erlen:
    return Erlen(__name__)


def test_abort_gives_the_status_and_description(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/login")
    def login() -> str:
        abort(401)

    @app.route("/custom")
    def custom() -> str:
        abort(403, "Admins only.")

    client = make_client(app)
    rv = client.get("/login")
    assert rv.status_code == 401
    assert b"<title>401 Unauthorized</title>" in rv.data
    rv = client.get("/custom")
    assert rv.status_code == 403
    assert b"Admins only." in rv.data


def test_handler_by_code_and_by_class(app: Erlen, make_client: MakeClient) -> None:
    @app.errorhandler(404)
    def not_found(e: NotFound) -> Any:
        return f"custom 404: {type(e).__name__}", 404

    @app.errorhandler(Forbidden)
    def forbidden(e: Forbidden) -> Any:
        return "custom 403", 403

    @app.route("/forbidden")
    def denied() -> str:
        abort(403)

    client = make_client(app)
    rv = client.get("/nowhere")
    assert rv.status_code == 404
    assert rv.data == b"custom 404: NotFound"
    rv = client.get("/forbidden")
    assert rv.data == b"custom 403"


def test_handler_for_exception_class_mro(app: Erlen, make_client: MakeClient) -> None:
    class AppError(Exception):
        pass

    class PaymentError(AppError):
        pass

    @app.errorhandler(AppError)
    def app_error(e: AppError) -> Any:
        return f"app error: {type(e).__name__}", 402

    @app.route("/pay")
    def pay() -> str:
        raise PaymentError()

    rv = make_client(app).get("/pay")
    assert rv.status_code == 402
    assert rv.data == b"app error: PaymentError"


def test_most_specific_class_wins(app: Erlen, make_client: MakeClient) -> None:
    @app.errorhandler(LookupError)
    def lookup(e: Exception) -> Any:
        return "lookup", 500

    @app.errorhandler(KeyError)
    def key(e: Exception) -> Any:
        return "key", 500

    @app.route("/")
    def index() -> str:
        raise KeyError("k")

    assert make_client(app).get("/").data == b"key"


def test_exception_handler_catches_http_errors_like_flask(
    app: Erlen, make_client: MakeClient
) -> None:
    # COMPAT(flask): since Flask 1.1 a handler for Exception also receives
    # HTTPExceptions that have no more specific handler.
    @app.errorhandler(Exception)
    def everything(e: Exception) -> Any:
        return f"generic: {type(e).__name__}", 500

    @app.route("/")
    def index() -> str:
        abort(404)

    assert make_client(app).get("/").data == b"generic: NotFound"
    assert make_client(app).get("/missing").data == b"generic: NotFound"


def test_code_handler_beats_exception_handler(app: Erlen, make_client: MakeClient) -> None:
    @app.errorhandler(Exception)
    def everything(e: Exception) -> Any:
        return "generic", 500

    @app.errorhandler(404)
    def not_found(e: Exception) -> Any:
        return "404 handler", 404

    rv = make_client(app).get("/missing")
    assert rv.data == b"404 handler"


def test_http_exception_handler(app: Erlen, make_client: MakeClient) -> None:
    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        return f"{e.code} {e.name}", e.code

    @app.route("/")
    def index() -> str:
        abort(418)

    client = make_client(app)
    rv = client.get("/")
    assert rv.status_code == 418
    assert rv.data == b"418 I'm a teapot"
    rv = client.post("/")
    assert rv.status_code == 405
    assert rv.data == b"405 Method Not Allowed"


def test_405_has_allow_header(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/only-get")
    def only_get() -> str:
        return "get"

    rv = make_client(app).post("/only-get")
    assert rv.status_code == 405
    allowed = {m.strip() for m in rv.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}


def test_unhandled_exception_is_a_500_without_traceback(
    app: Erlen, caplog: pytest.LogCaptureFixture, make_client: MakeClient
) -> None:
    @app.route("/")
    def index() -> str:
        raise ValueError("secret internals")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        rv = make_client(app).get("/")
    assert rv.status_code == 500
    assert b"Internal Server Error" in rv.data
    assert b"secret internals" not in rv.data
    assert b"Traceback" not in rv.data
    assert any(r.exc_info and r.exc_info[0] is ValueError for r in caplog.records)
    assert any("Exception on / [GET]" in r.getMessage() for r in caplog.records)


def test_500_handler_gets_original_exception(app: Erlen, make_client: MakeClient) -> None:
    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> Any:
        return f"500 for {type(e.original_exception).__name__}", 500

    @app.route("/")
    def index() -> str:
        raise ZeroDivisionError()

    rv = make_client(app).get("/")
    assert rv.status_code == 500
    assert rv.data == b"500 for ZeroDivisionError"


def test_error_in_error_handler_still_gives_500(
    app: Erlen, caplog: pytest.LogCaptureFixture, make_client: MakeClient
) -> None:
    @app.errorhandler(KeyError)
    def broken_handler(e: Exception) -> Any:
        raise RuntimeError("handler bug")

    @app.route("/")
    def index() -> str:
        raise KeyError("x")

    with caplog.at_level(logging.ERROR):
        rv = make_client(app).get("/")
    assert rv.status_code == 500


def test_error_in_500_handler_still_gives_500(
    app: Erlen, caplog: pytest.LogCaptureFixture, make_client: MakeClient
) -> None:
    @app.errorhandler(500)
    def broken_500(e: Exception) -> Any:
        raise RuntimeError("500 handler bug")

    @app.route("/")
    def index() -> str:
        raise KeyError("x")

    with caplog.at_level(logging.ERROR):
        rv = make_client(app).get("/")
    assert rv.status_code == 500
    assert b"Internal Server Error" in rv.data


def test_500_handler_returning_none_still_gives_500(
    app: Erlen, caplog: pytest.LogCaptureFixture, make_client: MakeClient
) -> None:
    @app.errorhandler(500)
    def returns_nothing(e: Exception) -> None:
        return None

    @app.route("/")
    def index() -> str:
        raise KeyError("x")

    with caplog.at_level(logging.ERROR):
        rv = make_client(app).get("/")
    assert rv.status_code == 500


def test_testing_propagates_exceptions(app: Erlen, make_client: MakeClient) -> None:
    app.testing = True

    @app.route("/")
    def index() -> str:
        raise ValueError("raised in test")

    with pytest.raises(ValueError, match="raised in test"):
        make_client(app).get("/")


def test_propagate_exceptions_config(app: Erlen, make_client: MakeClient) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.route("/")
    def index() -> str:
        raise ValueError("propagated")

    with pytest.raises(ValueError):
        make_client(app).get("/")
    app2 = Erlen(__name__)
    app2.testing = True
    app2.config["PROPAGATE_EXCEPTIONS"] = False

    @app2.route("/")
    def index2() -> str:
        raise ValueError("contained")

    assert make_client(app2).get("/").status_code == 500


def test_http_errors_are_responses_even_when_testing(app: Erlen, make_client: MakeClient) -> None:
    app.testing = True
    assert make_client(app).get("/missing").status_code == 404


def test_trap_http_exceptions(app: Erlen, make_client: MakeClient) -> None:
    app.testing = True
    app.config["TRAP_HTTP_EXCEPTIONS"] = True

    @app.route("/")
    def index() -> str:
        abort(403)

    with pytest.raises(Forbidden):
        make_client(app).get("/")


def test_bad_request_key_error_is_400(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/", methods=["POST"])
    def index() -> str:
        return request.form["missing"]

    rv = make_client(app).post("/", data={"other": "1"})
    assert rv.status_code == 400


def test_bad_request_key_error_trapped_in_debug(app: Erlen, make_client: MakeClient) -> None:
    app.debug = True

    @app.route("/")
    def index() -> str:
        return request.args["missing"]

    with pytest.raises(BadRequestKeyError):
        make_client(app).get("/")


def test_trap_bad_request_errors(app: Erlen, make_client: MakeClient) -> None:
    app.testing = True
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True

    @app.route("/")
    def index() -> str:
        abort(400)

    with pytest.raises(BadRequest):
        make_client(app).get("/")


def test_trap_bad_request_errors_false_even_in_debug(app: Erlen, make_client: MakeClient) -> None:
    app.debug = True
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False

    @app.route("/")
    def index() -> str:
        return request.args["missing"]

    assert make_client(app).get("/").status_code == 400


def test_invalid_json_is_400_and_detail_only_in_debug(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/api", methods=["POST"])
    def api() -> Any:
        return request.get_json()

    client = make_client(app)
    rv = client.post("/api", data=b"{not json", content_type="application/json")
    assert rv.status_code == 400
    assert b"Failed to decode JSON" not in rv.data
    app2 = Erlen(__name__)
    app2.debug = True
    app2.config["PROPAGATE_EXCEPTIONS"] = False
    app2.add_url_rule("/api", "api", api, methods=["POST"])
    rv = make_client(app2).post("/api", data=b"{not json", content_type="application/json")
    assert rv.status_code == 400
    assert b"Failed to decode JSON" in rv.data


def test_wrong_content_type_json_is_415(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/api", methods=["POST"])
    def api() -> Any:
        return request.json

    rv = make_client(app).post("/api", data="a=1", content_type="text/plain")
    assert rv.status_code == 415


def test_invalid_utf8_path_is_400(app: Erlen) -> None:
    body: list[bytes] = []
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        statuses.append(status)

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": b"/\xff\xfe".decode("latin-1"),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }
    body.extend(app.wsgi_app(environ, start_response))
    assert statuses[0].startswith("400")


def test_register_error_handler_validation(app: Erlen) -> None:
    with pytest.raises(ValueError, match="not a recognised HTTP error code"):
        app.register_error_handler(999, lambda e: "x")
    with pytest.raises(TypeError, match="is an instance, not a class"):
        app.register_error_handler(ValueError(), lambda e: "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a subclass of Exception"):
        app.register_error_handler(int, lambda e: "x")  # type: ignore[arg-type]


def test_custom_http_exception_subclass(app: Erlen, make_client: MakeClient) -> None:
    class InsufficientStorage(HTTPException):
        code = 507
        description = "Not enough storage space."

    app.register_error_handler(InsufficientStorage, lambda e: ("storage handler", 507))

    @app.route("/")
    def index() -> str:
        raise InsufficientStorage()

    rv = make_client(app).get("/")
    assert rv.status_code == 507
    assert rv.data == b"storage handler"


def test_async_error_handler(app: Erlen, make_client: MakeClient) -> None:
    @app.errorhandler(ValueError)
    async def handle(e: ValueError) -> Any:
        return f"async handled {e}", 409

    @app.route("/")
    def index() -> str:
        raise ValueError("v")

    rv = make_client(app).get("/")
    assert rv.status_code == 409
    assert rv.data == b"async handled v"


def test_blueprint_handler_wins_for_its_views(app: Erlen, make_client: MakeClient) -> None:
    bp = Blueprint("auth", __name__)

    @bp.errorhandler(Unauthorized)
    def bp_401(e: Exception) -> Any:
        return "blueprint 401", 401

    @app.errorhandler(401)
    def app_401(e: Exception) -> Any:
        return "app 401", 401

    @bp.route("/login")
    def login() -> str:
        abort(401)

    @app.route("/private")
    def private() -> str:
        abort(401)

    app.register_blueprint(bp, url_prefix="/auth")
    client = make_client(app)
    assert client.get("/auth/login").data == b"blueprint 401"
    assert client.get("/private").data == b"app 401"


def test_blueprint_class_handler_vs_app_code_handler(app: Erlen, make_client: MakeClient) -> None:
    # Flask: the code lookup runs over every scope before the class lookup.
    bp = Blueprint("bp", __name__)

    @bp.errorhandler(Exception)
    def bp_generic(e: Exception) -> Any:
        return "bp generic", 500

    @app.errorhandler(403)
    def app_403(e: Exception) -> Any:
        return "app 403", 403

    @bp.route("/")
    def index() -> str:
        abort(403)

    app.register_blueprint(bp, url_prefix="/bp")
    assert make_client(app).get("/bp/").data == b"app 403"


def test_blueprint_404_for_unmatched_urls_under_its_prefix(
    app: Erlen, make_client: MakeClient
) -> None:
    # COMPAT(flask): beyond Flask, routing errors under a blueprint's prefix
    # reach that blueprint's 404/405 handlers.
    auth = Blueprint("auth", __name__)
    admin = Blueprint("admin", __name__)

    @auth.errorhandler(404)
    def auth_not_found(e: Exception) -> Any:
        return "auth 404", 404

    @auth.errorhandler(MethodNotAllowed)
    def auth_405(e: Exception) -> Any:
        return "auth 405", 405

    @admin.errorhandler(404)
    def admin_not_found(e: Exception) -> Any:
        return "admin 404", 404

    @app.errorhandler(404)
    def app_not_found(e: Exception) -> Any:
        return "app 404", 404

    @auth.route("/login")
    def login() -> str:
        return "login"

    app.register_blueprint(auth, url_prefix="/auth")
    app.register_blueprint(admin, url_prefix="/auth/admin")
    client = make_client(app)
    assert client.get("/auth/nothing").data == b"auth 404"
    assert client.get("/auth").data == b"auth 404"
    assert client.get("/auth/admin/x").data == b"admin 404"
    assert client.get("/authx").data == b"app 404"
    assert client.get("/elsewhere").data == b"app 404"
    rv = client.post("/auth/login")
    assert rv.status_code == 405
    assert rv.data == b"auth 405"


def test_nested_blueprint_404_falls_back_to_parent(app: Erlen, make_client: MakeClient) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @parent.errorhandler(404)
    def parent_404(e: Exception) -> Any:
        return "parent 404", 404

    @child.route("/")
    def child_index() -> str:
        return "child"

    parent.register_blueprint(child, url_prefix="/child")
    app.register_blueprint(parent, url_prefix="/parent")
    client = make_client(app)
    assert client.get("/parent/child/").data == b"child"
    assert client.get("/parent/child/missing").data == b"parent 404"


def test_subclass_overrides_handle_user_exception(make_client: MakeClient) -> None:
    seen: list[str] = []

    class MyApp(Erlen):
        def handle_user_exception(self, e: Exception) -> Any:
            seen.append(type(e).__name__)
            if isinstance(e, ValueError):
                return "value error", 422
            return super().handle_user_exception(e)

    app = MyApp(__name__)

    @app.errorhandler(KeyError)
    def key_error(e: Exception) -> Any:
        return "key handler", 400

    @app.route("/value")
    def value() -> str:
        raise ValueError()

    @app.route("/key")
    def key() -> str:
        raise KeyError()

    client = make_client(app)
    assert client.get("/value").data == b"value error"
    rv = client.get("/key")
    assert rv.status_code == 400
    assert rv.data == b"key handler"
    assert seen == ["ValueError", "KeyError"]


def test_extension_wraps_handle_exception_on_the_instance(
    app: Erlen, make_client: MakeClient
) -> None:
    import functools

    def error_router(original: Any, e: Exception) -> Any:
        if isinstance(e, ZeroDivisionError):
            return app.response_class('{"message": "division"}', 500, mimetype="application/json")
        return original(e)

    app.handle_exception = functools.partial(error_router, app.handle_exception)  # type: ignore[method-assign]

    @app.route("/div")
    def div() -> str:
        raise ZeroDivisionError()

    @app.route("/other")
    def other() -> str:
        raise RuntimeError()

    client = make_client(app)
    rv = client.get("/div")
    assert rv.status_code == 500
    assert rv.json == {"message": "division"}
    rv = client.get("/other")
    assert rv.status_code == 500
    assert b"Internal Server Error" in rv.data


def test_override_handle_http_exception(app: Erlen, make_client: MakeClient) -> None:
    def as_json(e: HTTPException) -> Any:
        return {"code": e.code, "name": e.name}, e.code

    app.handle_http_exception = as_json  # type: ignore[assignment]
    rv = make_client(app).get("/missing")
    assert rv.status_code == 404
    assert rv.json == {"code": 404, "name": "Not Found"}
