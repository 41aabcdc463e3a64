"""Configuration classes, an app factory, file downloads and custom responses."""

from __future__ import annotations

import io
import json
import tomllib
from datetime import timedelta
from typing import Any, assert_type

from erlen import (
    Config,
    Erlen,
    Request,
    Response,
    abort,
    after_this_request,
    send_file,
    send_from_directory,
)


class BaseConfig:
    SECRET_KEY = "dev"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    SESSION_COOKIE_SAMESITE = "Lax"
    JSON_AS_ASCII = False


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


class JSONRequest(Request):
    max_form_parts = 100


class NoSniffResponse(Response):
    default_mimetype = "text/plain"


def create_app(test_config: dict[str, Any] | None = None) -> Erlen:
    app = Erlen(__name__, static_folder="assets", static_url_path="/static")
    app.request_class = JSONRequest
    app.response_class = NoSniffResponse
    app.config.from_object(ProductionConfig)
    app.config.from_prefixed_env()
    app.config.from_envvar("APP_SETTINGS", silent=True)
    app.config.from_file("config.json", load=json.load, silent=True)
    app.config.from_file("config.toml", load=tomllib.load, text=False, silent=True)
    if test_config is not None:
        app.config.from_mapping(test_config)

    config: Config = app.config
    assert_type(config["SECRET_KEY"], Any)
    db = config.get_namespace("DB_")
    assert_type(db, dict[str, Any])
    lifetime = app.permanent_session_lifetime
    assert_type(lifetime, timedelta)
    assert_type(app.secret_key, str | bytes | None)
    assert_type(app.testing, bool)
    assert_type(app.name, str)
    assert_type(app.instance_path, str)

    @app.route("/download/<path:name>")
    def download(name: str) -> Response:
        return send_from_directory("exports", name, as_attachment=True)

    @app.route("/report.csv")
    def report() -> Response:
        buffer = io.BytesIO(b"a,b\n1,2\n")
        return send_file(buffer, mimetype="text/csv", download_name="report.csv")

    @app.route("/private")
    def private() -> Response:
        @after_this_request
        def no_cache(response: Response) -> Response:
            response.headers["Cache-Control"] = "no-store"
            return response

        if not app.config.get("ALLOW_PRIVATE"):
            abort(Response("nope", status=403))
        return app.make_response(("secret", 200, {"X-Private": "1"}))

    return app
