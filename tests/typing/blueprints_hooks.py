"""A blueprint-based app factory with hooks and typed error handlers."""

from __future__ import annotations

import logging
import time
from typing import Any, assert_type

from erlen import (
    Blueprint,
    Erlen,
    Forbidden,
    HTTPException,
    NotFound,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    request,
)
from erlen.typing import ResponseReturnValue

api = Blueprint("api", __name__, url_prefix="/api")
admin = Blueprint("admin", __name__, template_folder="templates")
v2 = Blueprint("v2", __name__)
api.register_blueprint(v2, url_prefix="/v2")


class ValidationFailed(Exception):
    """Raised by the service layer; turned into a 422 by the API blueprint."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@api.route("/users/<int:user_id>")
def get_user(user_id: int) -> dict[str, Any]:
    if user_id == 0:
        raise ValidationFailed("user_id", "must be positive")
    if user_id > 1000:
        abort(404)
    return {"id": user_id, "name": "ada"}


@api.route("/users", methods=["POST"])
def create_user() -> tuple[Response, int, dict[str, str]]:
    data = request.get_json(force=True)
    user = {"id": 1, "name": data["name"]}
    return jsonify(user), 201, {"Location": f"/api/users/{user['id']}"}


@v2.get("/ping")
def ping() -> str:
    return "pong"


@api.before_request
def require_token() -> ResponseReturnValue | None:
    token = request.headers.get("Authorization", "")
    if not token.startswith("Bearer "):
        return jsonify(error="missing token"), 401
    g.token = token.removeprefix("Bearer ")
    return None


@api.before_request
def start_timer() -> None:
    g.started = time.perf_counter()


@api.after_request
def add_timing(response: Response) -> Response:
    started: float = g.get("started", time.perf_counter())
    response.headers["X-Elapsed"] = f"{time.perf_counter() - started:.6f}"
    return response


@api.teardown_request
def log_teardown(exc: BaseException | None) -> None:
    if exc is not None:
        current_app.logger.warning("request failed: %s", exc)


@api.errorhandler(ValidationFailed)
def validation_failed(e: ValidationFailed) -> tuple[Response, int]:
    return jsonify(field=e.field, error=e.message), 422


@api.errorhandler(404)
def api_not_found(e: NotFound) -> tuple[dict[str, str | None], int]:
    return {"error": e.description}, 404


@admin.before_request
def only_admins() -> ResponseReturnValue | None:
    if request.args.get("admin") != "1":
        return "admins only", 403
    return None


@admin.route("/")
def dashboard() -> str:
    return "dashboard"


@admin.app_errorhandler(Forbidden)
def forbidden(e: Forbidden) -> tuple[str, int]:
    return f"forbidden: {e.description}", 403


def create_app(config: dict[str, Any] | None = None) -> Erlen:
    app = Erlen(__name__, instance_relative_config=True)
    app.config.from_mapping(SECRET_KEY="dev", JSON_TOKEN_TTL=3600)
    if config is not None:
        app.config.update(config)
    app.logger.setLevel(logging.INFO)

    app.register_blueprint(api)
    app.register_blueprint(admin, url_prefix="/admin")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> ResponseReturnValue:
        response = e.get_response()
        response.data = jsonify(code=e.code, name=e.name, description=e.description).data
        response.content_type = "application/json"
        return response

    @app.errorhandler(500)
    def server_error(e: Exception) -> tuple[str, int]:
        return "internal error", 500

    @app.before_first_request
    def warm_up() -> None:
        app.logger.info("first request")

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        db = g.pop("db", None)
        if db is not None:
            db.close()

    @app.context_processor
    def inject_user() -> dict[str, Any]:
        return {"user": g.get("user")}

    @app.template_filter("shout")
    def shout(s: str) -> str:
        return s.upper() + "!"

    @app.url_defaults
    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values.setdefault("lang", "en")

    app.register_error_handler(409, lambda e: ("conflict", 409))
    assert_type(app, Erlen)
    assert_type(shout("hi"), str)
    return app
