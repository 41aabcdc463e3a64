"""Parity: the config object and its loaders."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from parity_harness import ERLEN, FLASK, call, compare, get, make_app


class BaseSettings:
    DEBUG_LEVEL = 1
    NAME = "base"
    lower_ignored = "x"
    _PRIVATE = "hidden? no: only lower-case names are skipped"


class Settings(BaseSettings):
    NAME = "child"
    LIST = [1, 2]


def build_config(fw):
    app = make_app(fw)

    @app.route("/config/<key>")
    def show(key):
        return {"value": repr(app.config.get(key))}

    return app


def _keys(config, names):
    return {name: repr(config.get(name, "<missing>")) for name in names}


def test_defaults(protocol):
    names = [
        "DEBUG",
        "TESTING",
        "PROPAGATE_EXCEPTIONS",
        "SECRET_KEY_FALLBACKS",
        "PERMANENT_SESSION_LIFETIME",
        "USE_X_SENDFILE",
        "SERVER_NAME",
        "APPLICATION_ROOT",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_DOMAIN",
        "SESSION_COOKIE_PATH",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_PARTITIONED",
        "SESSION_REFRESH_EACH_REQUEST",
        "MAX_CONTENT_LENGTH",
        "MAX_FORM_MEMORY_SIZE",
        "MAX_FORM_PARTS",
        "SEND_FILE_MAX_AGE_DEFAULT",
        "TRAP_BAD_REQUEST_ERRORS",
        "TRAP_HTTP_EXCEPTIONS",
        "EXPLAIN_TEMPLATE_LOADING",
        "PREFERRED_URL_SCHEME",
        "TEMPLATES_AUTO_RELOAD",
        "MAX_COOKIE_SIZE",
        "PROVIDE_AUTOMATIC_OPTIONS",
    ]

    def defaults(client, app):
        return _keys(app.config, names)

    compare(build_config, [call(defaults)], protocol)


def test_session_samesite_default_differs():
    # Documented difference (README): SESSION_COOKIE_SAMESITE is "Lax" in erlen.
    assert make_app(FLASK).config["SESSION_COOKIE_SAMESITE"] is None
    assert make_app(ERLEN).config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_loaders(protocol, tmp_path):
    pyfile = tmp_path / "settings.py"
    pyfile.write_text("FROM_PY = 'py'\nlower = 'ignored'\nNUM = 3 * 7\n")
    jsonfile = tmp_path / "settings.json"
    jsonfile.write_text(json.dumps({"FROM_JSON": [1, 2], "lower": 1}))
    names = ["FROM_PY", "lower", "NUM", "FROM_JSON", "NAME", "LIST", "DEBUG_LEVEL", "_PRIVATE"]
    names += ["lower_ignored", "MAPPED", "KW", "mapped_lower"]

    def load(client, app):
        config = app.config
        results = [
            config.from_pyfile(str(pyfile)),
            config.from_file(str(jsonfile), load=json.load),
            config.from_pyfile(str(tmp_path / "missing.py"), silent=True),
            config.from_file(str(tmp_path / "missing.json"), load=json.load, silent=True),
            config.from_mapping({"MAPPED": 1, "mapped_lower": 2}, KW="kw"),
        ]
        config.from_object(Settings)
        return results, _keys(config, names)

    def missing(client, app):
        try:
            app.config.from_pyfile(str(tmp_path / "missing.py"))
        except OSError as e:
            return type(e).__name__, e.errno, "Unable to load configuration file" in str(e)
        return "no error"

    def from_string(client, app):
        app.config.from_object("json.decoder")
        return repr(app.config.get("JSONDecodeError"))

    def namespace(client, app):
        app.config.update(IMAGE_STORE_TYPE="fs", IMAGE_STORE_PATH="/p", IMAGE_STORE_X=1, OTHER=2)
        return [
            app.config.get_namespace("IMAGE_STORE_"),
            app.config.get_namespace("IMAGE_STORE_", lowercase=False),
            app.config.get_namespace("IMAGE_STORE_", trim_namespace=False),
        ]

    def attributes(client, app):
        app.secret_key = "changed"
        app.testing = True
        app.permanent_session_lifetime = 60
        return [
            app.config["SECRET_KEY"],
            app.config["TESTING"],
            repr(app.permanent_session_lifetime),
            repr(app.config["PERMANENT_SESSION_LIFETIME"]),
        ]

    compare(
        build_config,
        [call(load), call(missing), call(from_string), call(namespace), call(attributes)],
        protocol,
    )


def test_from_envvar(protocol, tmp_path, monkeypatch):
    pyfile = tmp_path / "env_settings.py"
    pyfile.write_text("FROM_ENV_FILE = True\n")
    monkeypatch.setenv("PARITY_SETTINGS", str(pyfile))
    monkeypatch.delenv("PARITY_UNSET", raising=False)

    def load(client, app):
        ok = app.config.from_envvar("PARITY_SETTINGS")
        silent = app.config.from_envvar("PARITY_UNSET", silent=True)
        try:
            app.config.from_envvar("PARITY_UNSET")
        except RuntimeError as e:
            error = ("RuntimeError", "PARITY_UNSET" in str(e))
        return ok, silent, error, app.config.get("FROM_ENV_FILE")

    compare(build_config, [call(load)], protocol)


@pytest.mark.parametrize("custom_prefix", [False, True])
def test_from_prefixed_env(protocol, monkeypatch, custom_prefix):
    # Documented difference (README): the default prefix is ERLEN_ (Flask: FLASK_);
    # each side gets the same variables under its own prefix.
    values = {
        "SECRET_KEY": "from-env",
        "PORT": "8080",
        "RATIO": "0.5",
        "ENABLED": "true",
        "LIST": "[1, 2]",
        "TEXT": "not json {",
        "NESTED__INNER": "1",
        "NESTED__DEEP__KEY": '"v"',
    }
    for prefix in ("FLASK", "ERLEN", "MYAPP"):
        for key, value in values.items():
            monkeypatch.setenv(f"{prefix}_{key}", value)

    def load(client, app):
        app.config["NESTED"] = {"existing": True, "DEEP": {}}
        if custom_prefix:
            app.config.from_prefixed_env("MYAPP")
        else:
            app.config.from_prefixed_env()
        return {
            k: repr(app.config.get(k))
            for k in ["SECRET_KEY", "PORT", "RATIO", "ENABLED", "LIST", "TEXT", "NESTED"]
        }

    compare(build_config, [call(load)], protocol)


def test_config_object_api(protocol):
    def api(client, app):
        config = app.config
        config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=1)
        return [
            type(config).__name__,
            isinstance(config, dict),
            "Config" in repr(config),
            repr(app.permanent_session_lifetime),
            config.root_path == app.root_path,
        ]

    compare(build_config, [call(api), get("/config/SESSION_COOKIE_NAME")], protocol)


def test_from_file_binary_and_instance(protocol, tmp_path):
    import tomllib

    toml = tmp_path / "settings.toml"
    toml.write_text('TITLE = "toml"\nPORT = 1\n[DB]\nURL = "sqlite://"\n')

    class Instance:
        def __init__(self):
            self.FROM_INSTANCE = "instance"
            self.lower = "skip"

        @property
        def COMPUTED(self):
            return "property"

    def load(client, app):
        ok = app.config.from_file(str(toml), load=tomllib.load, text=False)
        app.config.from_object(Instance())
        keys = ["TITLE", "PORT", "DB", "FROM_INSTANCE", "COMPUTED", "lower"]
        return ok, {k: repr(app.config.get(k, "<missing>")) for k in keys}

    compare(build_config, [call(load)], protocol)


def test_prefixed_env_default_prefix_differs(monkeypatch):
    # Documented difference (README): erlen's default prefix is ERLEN_, Flask's FLASK_.
    monkeypatch.setenv("FLASK_ONLY_FLASK", "1")
    monkeypatch.setenv("ERLEN_ONLY_ERLEN", "2")
    flask_app, erlen_app = make_app(FLASK), make_app(ERLEN)
    flask_app.config.from_prefixed_env()
    erlen_app.config.from_prefixed_env()
    assert (flask_app.config.get("ONLY_FLASK"), flask_app.config.get("ONLY_ERLEN")) == (1, None)
    assert (erlen_app.config.get("ONLY_FLASK"), erlen_app.config.get("ONLY_ERLEN")) == (None, 2)
    erlen_app.config.from_prefixed_env("FLASK")
    assert erlen_app.config["ONLY_FLASK"] == 1
