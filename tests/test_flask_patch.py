"""erlen.flask_patch: unmodified Flask extensions import ``flask`` and
``werkzeug`` and get erlen.

Each test runs in a fresh interpreter: the patch changes ``sys.modules`` and
``sys.meta_path`` for good, and this process also imports the real Flask for
the comparison tests.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

#: A Flask extension as extension authors write them: it imports flask and
#: werkzeug by name and knows nothing of erlen.
EXTENSION = """
from functools import wraps

from flask import Flask, current_app, g, request
from flask.globals import request_ctx
from flask.signals import request_finished
from werkzeug.datastructures import Headers
from werkzeug.exceptions import Forbidden
from werkzeug.http import parse_options_header


class Greeter:
    def __init__(self, app: Flask | None = None) -> None:
        self.finished: list[int] = []
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        app.config.setdefault("GREETING", "hello")
        app.extensions["greeter"] = self
        app.before_request(self._remember_agent)
        app.after_request(self._add_header)
        request_finished.connect(self._finished, app)

    def _remember_agent(self) -> None:
        g.agent = request.headers.get("User-Agent", "")

    def _add_header(self, response):
        mimetype, _ = parse_options_header(response.headers.get("Content-Type"))
        response.headers["X-Greeting"] = f"{current_app.config['GREETING']} {mimetype}"
        return response

    def _finished(self, sender, response, **extra) -> None:
        self.finished.append(response.status_code)

    def agents_only(self, agent: str):
        def decorator(view):
            @wraps(view)
            def wrapper(*args, **kwargs):
                if not request_ctx.request.headers.get("User-Agent", "").startswith(agent):
                    raise Forbidden(f"{agent} only")
                return view(*args, **kwargs)

            return wrapper

        return decorator


def extra_headers() -> Headers:
    return Headers([("X-One", "1")])
"""


def run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "greeter_ext.py").write_text(EXTENSION, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def check(code: str, tmp_path: Path) -> str:
    done = run_python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("asgi", [False, True], ids=["wsgi", "asgi"])
def test_an_unmodified_extension_runs_on_erlen(tmp_path: Path, asgi: bool) -> None:
    out = check(
        f"""
        import erlen.flask_patch
        import erlen
        from flask import Flask
        from greeter_ext import Greeter, extra_headers

        app = Flask(__name__)
        assert type(app) is erlen.Erlen
        greeter = Greeter(app)

        @app.route("/")
        @greeter.agents_only("curl")
        def index():
            from flask import g
            return {{"agent": g.agent}}, extra_headers()

        client = app.test_client(asgi={asgi})
        ok = client.get("/", headers={{"User-Agent": "curl/8"}})
        refused = client.get("/", headers={{"User-Agent": "wget"}})
        print(ok.status_code, ok.json, ok.headers["X-Greeting"], ok.headers["X-One"])
        print(refused.status_code, "curl only" in refused.text, refused.headers["X-Greeting"])
        print(greeter.finished)
        """,
        tmp_path,
    )
    assert out.splitlines() == [
        "200 {'agent': 'curl/8'} hello application/json 1",
        "403 True hello text/html",
        "[200, 403]",
    ]


def test_flask_and_werkzeug_modules_are_erlens_own(tmp_path: Path) -> None:
    out = check(
        """
        import erlen.flask_patch
        import flask, flask.sessions, flask.json.provider, flask.testing
        import werkzeug, werkzeug.exceptions, werkzeug.datastructures, werkzeug.wrappers
        import werkzeug.middleware.proxy_fix
        import erlen, erlen.sessions, erlen.testing, erlen.middleware
        import erlen.http.datastructures, erlen.http.exceptions
        from erlen.http.request import Request
        from erlen.http.response import Response

        print(flask is erlen, flask.Flask is erlen.Erlen)
        print(flask.sessions is erlen.sessions, werkzeug.exceptions is erlen.http.exceptions)
        print(flask.testing.FlaskClient is erlen.testing.ErlenClient)
        print(werkzeug.Request is Request, werkzeug.wrappers.Response is Response)
        print(werkzeug.middleware.proxy_fix.ProxyFix is erlen.middleware.ProxyFix)
        print(werkzeug.datastructures.MultiDict is erlen.http.datastructures.MultiDict)
        # erlen's modules keep their own identity: names, specs, attributes.
        print(erlen.sessions.__spec__.name, erlen.http.datastructures.__name__)
        print(hasattr(erlen.sessions, "__path__"), hasattr(erlen.middleware, "proxy_fix"))
        print(flask.globals._cv_request.get("outside"))
        """,
        tmp_path,
    )
    assert out.splitlines() == [
        "True True",
        "True True",
        "True",
        "True True",
        "True",
        "True",
        "erlen.sessions erlen.http.datastructures",
        "False False",
        "outside",
    ]


def test_flask_3s_sansio_modules_are_erlens_classes(tmp_path: Path) -> None:
    # Flask-SQLAlchemy-Lite annotates with flask.sansio.app.App, Flask-RESTX
    # reads _endpoint_from_view_func from flask.sansio.scaffold.
    out = check(
        """
        import erlen.flask_patch
        import erlen
        from flask.app import App as FlaskApp
        from flask.sansio.app import App
        from flask.sansio.blueprints import Blueprint, BlueprintSetupState
        from flask.sansio.scaffold import Scaffold, _endpoint_from_view_func

        print(App is FlaskApp is erlen.Erlen, Blueprint is erlen.Blueprint)
        print(issubclass(App, Scaffold), BlueprintSetupState.__module__)
        print(_endpoint_from_view_func(print), hasattr(erlen, "App"))
        """,
        tmp_path,
    )
    assert out.splitlines() == ["True True", "True erlen.blueprints", "print False"]


def test_a_name_erlen_lacks_fails_as_an_import_error(tmp_path: Path) -> None:
    out = check(
        """
        import erlen.flask_patch
        try:
            import flask.nothere
        except ModuleNotFoundError as e:
            print("module", e.name, "erlen has no counterpart" in str(e))
        try:
            from flask import _app_ctx_stack  # removed in Flask 3.0
        except ImportError:
            print("name")
        import werkzeug
        try:
            werkzeug.nothing
        except AttributeError as e:
            print(e)
        """,
        tmp_path,
    )
    assert out.splitlines() == [
        "module flask.nothere True",
        "name",
        "module 'werkzeug' has no attribute 'nothing'",
    ]


def test_werkzeugs_debugger_and_reloader_are_erlens(tmp_path: Path) -> None:
    # Flask-SocketIO imports both when it is imported, and wraps its app in
    # DebuggedApplication(app, evalex=True) in debug mode.
    out = check(
        """
        import warnings
        import erlen.flask_patch
        from werkzeug.debug import DebuggedApplication
        from werkzeug._reloader import run_with_reloader
        import erlen.serving.debug, erlen.serving.reloader
        from erlen.testing import create_environ

        print(DebuggedApplication is erlen.serving.debug.DebuggedApplication)
        print(run_with_reloader is erlen.serving.reloader.run_with_reloader)

        def broken(environ, start_response):
            raise ValueError("boom")

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            debugged = DebuggedApplication(broken, evalex=True, pin_security=False)
            DebuggedApplication(broken)
        print([str(w.message).split(":")[0] for w in caught])

        seen = []
        environ = create_environ("/", environ_base={"REMOTE_ADDR": "127.0.0.1"})
        body = b"".join(debugged(environ, lambda status, headers, *a: seen.append(status)))
        print(seen, b"ValueError: boom" in body)
        """,
        tmp_path,
    )
    assert out.splitlines() == [
        "True",
        "True",
        '["erlen\'s debug page has no interactive console"]',
        "['500 Internal Server Error'] True",
    ]


def test_werkzeugs_private_log_warns_on_the_servers_logger(tmp_path: Path) -> None:
    # socketio.run(app, allow_unsafe_werkzeug=True) outside a terminal (a
    # container) warns through werkzeug._internal._log before it serves.
    done = run_python(
        """
        import erlen.flask_patch
        from werkzeug._internal import _log

        _log("warning", "Werkzeug appears to be used in a %s deployment.\\n", "production")
        _log("info", "started")
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "Werkzeug appears to be used in a production deployment.",
        "started",
    ]


def test_importing_it_after_the_real_flask_is_refused(tmp_path: Path) -> None:
    done = run_python(
        """
        import flask
        import erlen.flask_patch
        """,
        tmp_path,
    )
    assert done.returncode == 1
    assert "ImportError: erlen.flask_patch must be imported before 'flask'" in done.stderr


def test_install_twice_adds_one_finder(tmp_path: Path) -> None:
    out = check(
        """
        import sys
        import erlen.flask_patch as patch
        patch.install()
        patch.install()
        print(sum(type(f).__name__ == "_Finder" for f in sys.meta_path))
        """,
        tmp_path,
    )
    assert out.strip() == "1"


def test_the_map_names_existing_erlen_modules(tmp_path: Path) -> None:
    # Every source module imports, and a "module:name" source names
    # something that exists. In its own interpreter too: importing
    # erlen.flask_patch here would install it for the rest of the session.
    out = check(
        """
        import importlib
        from erlen.flask_patch import MODULES

        for name, sources in MODULES.items():
            for source in sources:
                module_name, _, attribute = source.partition(":")
                module = importlib.import_module(module_name)
                assert not attribute or hasattr(module, attribute), (name, source)
        print(len(MODULES))
        """,
        tmp_path,
    )
    assert int(out) > 40


MIGRATING_APP = """
import erlen.flask_patch  # noqa: F401
from erlen import Erlen
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

app = Erlen(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///app.db"
db = SQLAlchemy(app)
migrate = Migrate(app, db)


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(50))
"""


def test_an_extensions_cli_commands_run_under_the_erlen_command(tmp_path: Path) -> None:
    # The real Flask-Migrate and Flask-SQLAlchemy (the compare extra), their
    # `flask db ...` commands run as `erlen --app app db ...`.
    import importlib.util

    if importlib.util.find_spec("flask_migrate") is None:
        pytest.skip("Flask-Migrate is not installed (the compare extra)")
    (tmp_path / "app.py").write_text(MIGRATING_APP, encoding="utf-8")
    erlen_command = [sys.executable, "-m", "erlen", "--app", "app"]
    for args in (["db", "init"], ["db", "migrate", "-m", "users"], ["db", "upgrade"]):
        done = subprocess.run(
            [*erlen_command, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert len(list((tmp_path / "migrations" / "versions").glob("*_users.py"))) == 1
    import sqlite3

    with sqlite3.connect(tmp_path / "instance" / "app.db") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert {"user", "alembic_version"} <= tables


@pytest.mark.parametrize("asgi", [False, True], ids=["wsgi", "asgi"])
def test_opentelemetry_records_the_request_on_both_protocols(asgi: bool, tmp_path: Path) -> None:
    # FlaskInstrumentor wraps app.wsgi_app: under ASGI the request goes
    # through it too (erlen.asgi.serve_http_through_wsgi_app).
    pytest.importorskip("opentelemetry.instrumentation.flask", reason="the compare extra")
    done = run_python(
        f"""
        import erlen.flask_patch
        from flask import Flask
        from opentelemetry.instrumentation.flask import FlaskInstrumentor
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
            InMemorySpanExporter,
        )

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        app = Flask(__name__)

        @app.route("/hello/<name>")
        def hello(name):
            return f"hi {{name}}"

        FlaskInstrumentor().instrument_app(app, tracer_provider=provider)
        response = app.test_client(asgi={asgi}).get("/hello/ada")
        print(response.status_code, response.get_data(as_text=True))
        for span in exporter.get_finished_spans():
            attributes = span.attributes
            status = attributes.get("http.status_code", attributes.get("http.response.status_code"))
            print(span.name, attributes.get("http.route"), status)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    # The status comes from the WSGI middleware's start_response; its hooks
    # alone (before_request, teardown) would leave it out and fail to detach
    # their context.
    assert done.stdout.splitlines() == ["200 hi ada", "GET /hello/<name> /hello/<name> 200"]
    assert "Failed to detach" not in done.stderr
