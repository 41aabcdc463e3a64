"""The ``erlen`` command line: app discovery, run, routes, shell, custom commands, dotenv."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import erlen.serving
from erlen import Blueprint, Erlen, current_app
from erlen.cli import (
    AppGroup,
    ErlenGroup,
    NoAppException,
    ScriptInfo,
    cli,
    find_app_by_string,
    find_best_app,
    load_dotenv,
    locate_app,
    main,
    pass_script_info,
    prepare_import,
    routes_command,
    with_appcontext,
)
from erlen.ctx import has_app_context
from erlen.globals import g

APP_MODULE = """
from erlen import Erlen

app = Erlen("{name}")


@app.route("/")
def index():
    return "index"


@app.cli.command("whoami")
def whoami():
    import click
    from erlen import current_app

    click.echo("app=" + current_app.import_name)
"""


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Each test runs in an empty folder with no ERLEN_* variables, and gets
    sys.path, sys.modules and the environment back afterwards."""
    for name in list(os.environ):
        if name.startswith(("ERLEN_", "FLASK_")):
            monkeypatch.delenv(name)
    # The CLI sets some of these in os.environ; setting them here first makes
    # monkeypatch remember that they were absent, and remove them afterwards.
    for name in ("ERLEN_RUN_FROM_CLI", "ERLEN_DEBUG", "ERLEN_APP", "FOO", "BAR", "SPAM"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    path = list(sys.path)
    modules = set(sys.modules)
    yield tmp_path
    # No command may leave its app context behind.
    assert not has_app_context()
    sys.path[:] = path
    # Forget the test's own modules ("app", "wsgi", ...); library modules
    # imported on the way stay, so their classes keep one identity.
    root = str(tmp_path.resolve())
    for name in set(sys.modules) - modules:
        filename = getattr(sys.modules[name], "__file__", None) or ""
        if os.path.realpath(filename).startswith(root):
            del sys.modules[name]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def module(name: str, **attrs: Any) -> types.ModuleType:
    mod = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(mod, key, value)
    return mod


# -- discovery ---------------------------------------------------------------------------------


def test_app_option_module_and_name(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "hello_mod.py", APP_MODULE.format(name="hello_mod") + "web = app\ndel app\n")
    result = runner.invoke(cli, ["--app", "hello_mod:web", "whoami"])
    assert result.exit_code == 0, result.output
    assert result.output == "app=hello_mod\n"


def test_app_option_factory_with_literal_args(runner: CliRunner, tmp_path: Path) -> None:
    write(
        tmp_path / "factory_mod.py",
        """
        import click
        from erlen import Erlen

        def create_app(name, *, flag=False, extra=()):
            app = Erlen(name)

            @app.cli.command("show")
            def show():
                click.echo(f"{app.import_name} {flag} {list(extra)}")

            return app
        """,
    )
    result = runner.invoke(
        cli, ["--app", "factory_mod:create_app('made', flag=True, extra=[1, 'x'])", "show"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == "made True [1, 'x']\n"


def test_app_option_file_path_in_a_package(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "proj" / "pkg" / "__init__.py", "")
    write(tmp_path / "proj" / "pkg" / "web.py", APP_MODULE.format(name="pkg.web"))
    result = runner.invoke(cli, ["--app", "proj/pkg/web.py", "whoami"])
    assert result.exit_code == 0, result.output
    assert result.output == "app=pkg.web\n"
    assert sys.path[0] == str((tmp_path / "proj").resolve())


def test_app_option_plain_file(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "somewhere" / "standalone.py", APP_MODULE.format(name="standalone"))
    result = runner.invoke(cli, ["-A", "somewhere/standalone.py", "whoami"])
    assert result.exit_code == 0, result.output
    assert result.output == "app=standalone\n"


def test_erlen_app_environment_variable(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "from_env.py", APP_MODULE.format(name="from_env"))
    monkeypatch.setenv("ERLEN_APP", "from_env")
    result = runner.invoke(cli, ["whoami"])
    assert result.exit_code == 0, result.output
    assert result.output == "app=from_env\n"


def test_app_py_in_the_current_folder(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="the_app_py"))
    result = runner.invoke(cli, ["whoami"])
    assert result.exit_code == 0, result.output
    assert result.output == "app=the_app_py\n"


def test_wsgi_py_wins_over_app_py(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="the_app_py"))
    write(tmp_path / "wsgi.py", APP_MODULE.format(name="the_wsgi_py"))
    result = runner.invoke(cli, ["whoami"])
    assert result.output == "app=the_wsgi_py\n"


def test_no_app_found(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["routes"])
    assert result.exit_code == 2
    assert "Could not locate an Erlen application" in result.output
    assert "'erlen --app'" in result.output
    assert "ERLEN_APP" in result.output


def test_unknown_command_reports_the_missing_app(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["whoami"])
    assert result.exit_code == 2
    assert "Could not locate an Erlen application" in result.output
    assert "No such command 'whoami'" in result.output


def test_help_lists_app_commands_and_survives_a_missing_app(
    runner: CliRunner, tmp_path: Path
) -> None:
    write(tmp_path / "helpful.py", APP_MODULE.format(name="helpful"))
    result = runner.invoke(cli, ["--app", "helpful", "--help"])
    assert result.exit_code == 0
    assert "whoami" in result.output
    for builtin in ("routes", "run", "shell"):
        assert builtin in result.output

    result = runner.invoke(cli, ["--app", "does_not_exist", "--help"])
    assert result.exit_code == 0
    assert "Could not import 'does_not_exist'" in result.output
    assert "routes" in result.output


def test_help_without_arguments_reads_erlen_app(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "envhelp.py", APP_MODULE.format(name="envhelp"))
    monkeypatch.setenv("ERLEN_APP", "envhelp")
    result = runner.invoke(cli, [])
    assert "whoami" in result.output


def test_find_best_app_by_attribute_name() -> None:
    app, other = Erlen("a"), Erlen("b")
    assert find_best_app(module("m1", app=app, other=other)) is app
    assert find_best_app(module("m2", application=app, other=other)) is app
    assert find_best_app(module("m3", something=app, unrelated=1)) is app


def test_find_best_app_several_instances() -> None:
    with pytest.raises(NoAppException, match="several Erlen applications in module 'm'"):
        find_best_app(module("m", one=Erlen("a"), two=Erlen("b")))


@pytest.mark.parametrize("factory_name", ["create_app", "make_app"])
def test_find_best_app_factories(factory_name: str) -> None:
    made = Erlen("made")

    def factory() -> Erlen:
        return made

    assert find_best_app(module("m", **{factory_name: factory})) is made


def test_find_best_app_factory_needing_arguments() -> None:
    def create_app(config: str) -> Erlen:
        return Erlen(config)

    with pytest.raises(NoAppException, match=r"'m:create_app\(args\)'"):
        find_best_app(module("m", create_app=create_app))


def test_a_type_error_inside_a_factory_propagates() -> None:
    def create_app() -> Erlen:
        return Erlen(1 + "x")  # type: ignore[operator]

    with pytest.raises(TypeError, match="unsupported operand"):
        find_best_app(module("m", create_app=create_app))


def test_find_best_app_nothing() -> None:
    with pytest.raises(NoAppException, match="Failed to find an Erlen application"):
        find_best_app(module("m", value=1))


def test_find_app_by_string() -> None:
    app = Erlen("x")

    def create_app(*args: Any, **kwargs: Any) -> Erlen:
        app.config["ARGS"] = (args, kwargs)
        return app

    mod = module("m", app=app, create_app=create_app, number=3)
    assert find_app_by_string(mod, "app") is app
    assert find_app_by_string(mod, " create_app ( 1, 'b', c={'d': None} ) ") is app
    assert app.config["ARGS"] == ((1, "b"), {"c": {"d": None}})


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing", "Failed to find attribute 'missing' in 'm'"),
        ("app.attr", "Failed to parse"),
        ("create_app(", "Failed to parse"),
        ("create_app(os.getcwd())", "only literal values"),
        ("create_app(**{'a': 1})", "'\\*\\*kwargs' is not allowed"),
        ("number", "A valid Erlen application was not obtained from 'm:number'"),
        ("number()", "'number' in 'm' is not a function"),
        ("needs_two(1)", "could not be called with the given arguments"),
    ],
)
def test_find_app_by_string_errors(name: str, message: str) -> None:
    def needs_two(a: int, b: int) -> Erlen:
        return Erlen("x")

    def create_app(*args: Any, **kwargs: Any) -> Erlen:
        return Erlen("x")

    mod = module("m", number=3, needs_two=needs_two, create_app=create_app)
    with pytest.raises(NoAppException, match=message):
        find_app_by_string(mod, name)


def test_prepare_import(tmp_path: Path) -> None:
    write(tmp_path / "a" / "b" / "__init__.py", "")
    write(tmp_path / "a" / "b" / "c.py", "")
    assert prepare_import(str(tmp_path / "a" / "b" / "c.py")) == "b.c"
    assert sys.path[0] == str((tmp_path / "a").resolve())
    assert prepare_import(str(tmp_path / "a" / "b" / "__init__.py")) == "b"
    assert prepare_import(str(tmp_path / "a" / "b")) == "b"
    assert prepare_import("plain") == "plain"
    assert sys.path[0] == str(tmp_path.resolve())


def test_locate_app_import_errors(tmp_path: Path) -> None:
    sys.path.insert(0, str(tmp_path))
    write(tmp_path / "broken_import.py", "import a_module_that_does_not_exist\n")
    with pytest.raises(NoAppException, match="While importing 'broken_import'") as info:
        locate_app("broken_import", None)
    assert "a_module_that_does_not_exist" in str(info.value)
    with pytest.raises(NoAppException, match="Could not import 'nowhere_mod'"):
        locate_app("nowhere_mod", None)
    assert locate_app("nowhere_mod", None, raise_if_not_found=False) is None
    with pytest.raises(NoAppException, match=r"Could not import 'nowhere_pkg\.sub'"):
        locate_app("nowhere_pkg.sub", None)


def test_script_info_load_app_once_and_sets_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Erlen] = []

    def create() -> Erlen:
        made.append(Erlen("once"))
        return made[-1]

    monkeypatch.setenv("ERLEN_DEBUG", "1")
    info = ScriptInfo(create_app=create)
    assert info.load_app() is info.load_app()
    assert len(made) == 1
    assert made[0].debug is True
    monkeypatch.setenv("ERLEN_DEBUG", "0")
    kept = ScriptInfo(create_app=lambda: Erlen("keep"), set_debug_flag=False)
    app = kept.load_app()
    assert app.debug is False


# -- custom commands, groups, contexts ----------------------------------------------------------


def test_app_cli_is_an_app_group() -> None:
    app = Erlen(__name__)
    assert isinstance(app.cli, AppGroup)
    assert app.cli.name == app.name


def test_custom_command_through_test_cli_runner() -> None:
    app = Erlen("custom")
    app.config["GREETING"] = "hi"

    @app.cli.command("greet")
    @click.argument("name")
    @click.option("--loud", is_flag=True)
    def greet(name: str, loud: bool) -> None:
        text = f"{current_app.config['GREETING']} {name}"
        g.seen = True
        click.echo(text.upper() if loud else text)

    runner = app.test_cli_runner()
    result = runner.invoke(args=["greet", "ada"])
    assert result.exit_code == 0, result.output
    assert result.output == "hi ada\n"
    assert runner.invoke(args=["greet", "--loud", "bob"]).output == "HI BOB\n"
    result = runner.invoke(greet, ["x"])
    assert result.output == "hi x\n"


def test_command_without_app_context() -> None:
    app = Erlen("noctx")
    seen: list[bool] = []

    @app.cli.command("plain", with_appcontext=False)
    def plain() -> None:
        seen.append(has_app_context())

    @app.cli.command("wrapped")
    def wrapped() -> None:
        seen.append(has_app_context())

    runner = app.test_cli_runner()
    assert runner.invoke(args=["plain"]).exit_code == 0
    assert runner.invoke(args=["wrapped"]).exit_code == 0
    assert seen == [False, True]


def test_nested_app_group() -> None:
    app = Erlen("nested")

    @app.cli.group()
    def db() -> None:
        """Database commands."""

    @db.command()
    def init() -> None:
        click.echo(f"init {current_app.name}")

    assert isinstance(db, AppGroup)
    result = app.test_cli_runner().invoke(args=["db", "init"])
    assert result.output == "init nested\n"


def test_with_appcontext_on_a_plain_click_command() -> None:
    app = Erlen("plainclick")

    @click.command()
    @with_appcontext
    def show() -> None:
        click.echo(current_app.name)

    result = CliRunner().invoke(show, obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert result.output == "plainclick\n"
    assert not has_app_context()


def test_pass_script_info() -> None:
    @click.command()
    @pass_script_info
    def info_command(info: ScriptInfo) -> None:
        info.data["seen"] = True
        click.echo(type(info).__name__)

    info = ScriptInfo()
    result = CliRunner().invoke(info_command, obj=info)
    assert result.output == "ScriptInfo\n"
    assert info.data == {"seen": True}


def _blueprint_app(**options: Any) -> Erlen:
    app = Erlen("bpapp")
    bp = Blueprint("admin", __name__, **options)

    @bp.cli.command("wipe")
    def wipe() -> None:
        click.echo(f"wiped by {current_app.name}")

    app.register_blueprint(bp)
    return app


def test_blueprint_commands_get_a_group_named_after_it() -> None:
    app = _blueprint_app()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["admin", "wipe"])
    assert result.exit_code == 0, result.output
    assert result.output == "wiped by bpapp\n"
    assert runner.invoke(args=["wipe"]).exit_code == 2


def test_blueprint_cli_group_name() -> None:
    app = _blueprint_app(cli_group="tools")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["tools", "wipe"]).output == "wiped by bpapp\n"
    assert runner.invoke(args=["admin", "wipe"]).exit_code == 2


def test_blueprint_cli_group_none_merges_into_the_app() -> None:
    app = _blueprint_app(cli_group=None)
    assert app.test_cli_runner().invoke(args=["wipe"]).output == "wiped by bpapp\n"


def test_blueprint_group_through_erlen_cli(runner: CliRunner, tmp_path: Path) -> None:
    write(
        tmp_path / "bp_mod.py",
        """
        import click
        from erlen import Blueprint, Erlen

        app = Erlen("bp_mod")
        bp = Blueprint("reports", __name__)

        @bp.cli.command("daily")
        def daily():
            click.echo("daily report")

        app.register_blueprint(bp)
        """,
    )
    result = runner.invoke(cli, ["--app", "bp_mod", "reports", "daily"])
    assert result.output == "daily report\n"


def test_custom_erlen_group_with_create_app(runner: CliRunner) -> None:
    app = Erlen("scripted")

    @app.cli.command()
    def hello() -> None:
        click.echo(f"hello from {current_app.name}")

    @click.group(cls=ErlenGroup, create_app=lambda: app)
    def manage() -> None:
        """Management script."""

    result = runner.invoke(manage, ["hello"])
    assert result.exit_code == 0, result.output
    assert result.output == "hello from scripted\n"
    assert os.environ["ERLEN_RUN_FROM_CLI"] == "true"


def test_erlen_group_without_default_commands(runner: CliRunner) -> None:
    group = ErlenGroup(add_default_commands=False, create_app=lambda: Erlen("bare"))
    result = runner.invoke(group, ["--help"])
    assert "routes" not in result.output
    assert "--version" in result.output


def test_version_option(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("Python ")
    assert "\nerlen 0.1.0\n" in result.output


# -- erlen routes --------------------------------------------------------------------------------


def _routes_app() -> Erlen:
    app = Erlen("routes_app", static_folder=None)

    @app.route("/users/<int:user_id>", methods=["GET", "POST"])
    def user(user_id: int) -> str:
        return ""

    @app.route("/users/new")
    def new_user() -> str:
        return ""

    @app.route("/about")
    def about() -> str:
        return ""

    @app.delete("/users/<path:rest>")
    def zap(rest: str) -> str:
        return ""

    return app


def _invoke_routes(app: Erlen, *args: str) -> list[str]:
    result = app.test_cli_runner().invoke(routes_command, list(args))
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def test_routes_table() -> None:
    lines = _invoke_routes(_routes_app())
    assert lines == [
        "Endpoint  Methods    Rule",
        "--------  ---------  --------------------",
        "about     GET        /about",
        "new_user  GET        /users/new",
        "user      GET, POST  /users/<int:user_id>",
        "zap       DELETE     /users/<path:rest>",
    ]


def test_routes_sorted_by_rule_and_methods() -> None:
    app = _routes_app()
    rules = [line.split()[-1] for line in _invoke_routes(app, "--sort", "rule")[2:]]
    assert rules == ["/about", "/users/<int:user_id>", "/users/<path:rest>", "/users/new"]
    methods = [line.split()[0] for line in _invoke_routes(app, "-s", "methods")[2:]]
    # Ties keep the map's order.
    assert methods == ["zap", "new_user", "about", "user"]


def test_routes_in_match_order() -> None:
    endpoints = [line.split()[0] for line in _invoke_routes(_routes_app(), "--sort", "match")[2:]]
    # Static segments are tried before converters, and int before path.
    assert endpoints.index("new_user") < endpoints.index("user") < endpoints.index("zap")
    assert sorted(endpoints) == ["about", "new_user", "user", "zap"]


def test_routes_all_methods() -> None:
    lines = _invoke_routes(_routes_app(), "--all-methods")
    assert "about     GET, HEAD, OPTIONS" in lines[2]
    assert any(line.startswith("zap       DELETE, OPTIONS") for line in lines)


def test_routes_with_subdomains() -> None:
    app = Erlen("subs", static_folder=None, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"

    @app.route("/", subdomain="api")
    def api_index() -> str:
        return ""

    @app.route("/")
    def index() -> str:
        return ""

    lines = _invoke_routes(app, "--sort", "domain")
    assert lines[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert lines[2].split() == ["index", "GET", "/"]
    assert lines[3].split() == ["api_index", "GET", "api", "/"]


def test_routes_when_there_are_none() -> None:
    lines = _invoke_routes(Erlen("empty", static_folder=None))
    assert lines == ["No routes were registered."]


def test_routes_through_the_erlen_command(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="listed"))
    result = runner.invoke(cli, ["routes"])
    assert result.exit_code == 0
    assert result.output.splitlines()[2:] == [
        "index     GET      /",
        "static    GET      /static/<path:filename>",
    ]


# -- erlen shell ---------------------------------------------------------------------------------


def test_shell_has_app_g_and_shell_context(runner: CliRunner) -> None:
    app = Erlen("shelled")

    @app.shell_context_processor
    def extra() -> dict[str, Any]:
        return {"answer": 42}

    group = ErlenGroup(create_app=lambda: app)
    result = runner.invoke(
        group,
        ["shell"],
        input=(
            "print(app.name, answer)\n"
            "print(type(g._get_current_object()).__name__)\n"
            "print(current)\n"
        ),
    )
    assert result.exit_code == 0, result.output
    assert "shelled 42\n" in result.stdout
    assert "_AppCtxGlobals\n" in result.stdout
    assert "NameError: name 'current' is not defined" in result.output
    assert "App: shelled" in result.output


def test_shell_runs_pythonstartup(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    startup = write(tmp_path / "startup.py", "from_startup = 'yes'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    group = ErlenGroup(create_app=lambda: Erlen("startup"))
    result = runner.invoke(group, ["shell"], input="print(from_startup)\n")
    assert "yes\n" in result.stdout


# -- erlen run ----------------------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(erlen.serving, "run_simple", lambda *a, **k: calls.append((a, k)))
    return calls


def test_run_defaults(runner: CliRunner, tmp_path: Path, served: list[Any]) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="runnable"))
    result = runner.invoke(cli, ["run"])
    assert result.exit_code == 0, result.output
    ((args, kwargs),) = served
    assert args[:2] == ("127.0.0.1", 5000)
    assert isinstance(args[2], Erlen) and args[2].import_name == "runnable"
    assert kwargs == {
        "use_reloader": False,
        "use_debugger": False,
        "threaded": True,
        "ssl_context": None,
        "extra_files": None,
        "exclude_patterns": None,
    }
    assert " * Debug mode: off" in result.output
    assert os.environ["ERLEN_RUN_FROM_CLI"] == "true"


@pytest.mark.parametrize(
    ("argv", "env", "reload", "debugger", "debug"),
    [
        (["--debug", "run"], {}, True, True, True),
        (["run", "--debug"], {}, True, True, True),
        (["run", "--debug", "--no-reload"], {}, False, True, True),
        (["run", "--debug", "--no-debugger"], {}, True, False, True),
        (["run", "--reload"], {}, True, False, False),
        (["run"], {"ERLEN_DEBUG": "1"}, True, True, True),
        (["--no-debug", "run"], {"ERLEN_DEBUG": "1"}, False, False, False),
    ],
)
def test_run_debug_and_reload(
    runner: CliRunner,
    tmp_path: Path,
    served: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    env: dict[str, str],
    reload: bool,
    debugger: bool,
    debug: bool,
) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="dbg"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = runner.invoke(cli, argv)
    assert result.exit_code == 0, result.output
    ((args, kwargs),) = served
    assert (kwargs["use_reloader"], kwargs["use_debugger"]) == (reload, debugger)
    assert args[2].debug is debug
    assert f" * Debug mode: {'on' if debug else 'off'}" in result.output


def test_run_options(runner: CliRunner, tmp_path: Path, served: list[Any]) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="opts"))
    (tmp_path / "a.cfg").write_text("")
    (tmp_path / "b.cfg").write_text("")
    result = runner.invoke(
        cli,
        [
            "--app",
            "app",
            "run",
            "--host",
            "0.0.0.0",
            "-p",
            "8123",
            "--without-threads",
            "--extra-files",
            f"a.cfg{os.pathsep}b.cfg",
            "--exclude-patterns",
            "*.tmp",
        ],
    )
    assert result.exit_code == 0, result.output
    ((args, kwargs),) = served
    assert args[:2] == ("0.0.0.0", 8123)
    assert kwargs["threaded"] is False
    assert [os.path.basename(f) for f in kwargs["extra_files"]] == ["a.cfg", "b.cfg"]
    assert kwargs["exclude_patterns"] == ["*.tmp"]
    assert " * Serving Erlen app 'app'" in result.output


def test_run_port_from_environment(
    runner: CliRunner, tmp_path: Path, served: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="envport"))
    monkeypatch.setenv("ERLEN_RUN_PORT", "9001")
    assert runner.invoke(cli, ["run"]).exit_code == 0
    assert served[0][0][1] == 9001


def test_run_cert_and_key(runner: CliRunner, tmp_path: Path, served: list[Any]) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="tls"))
    cert = tmp_path / "cert.pem"
    key = tmp_path / "key.pem"
    cert.write_text("cert")
    key.write_text("key")

    result = runner.invoke(cli, ["run", "--cert", "cert.pem", "--key", "key.pem"])
    assert result.exit_code == 0, result.output
    assert served[0][1]["ssl_context"] == (str(cert.resolve()), str(key.resolve()))

    result = runner.invoke(cli, ["run", "--cert", "cert.pem"])
    assert result.exit_code == 2
    assert "Required when using '--cert'" in result.output

    result = runner.invoke(cli, ["run", "--key", "key.pem"])
    assert result.exit_code == 2
    assert "'--cert' must also be given" in result.output

    result = runner.invoke(cli, ["run", "--cert", "adhoc"])
    assert result.exit_code == 0, result.output
    assert served[-1][1]["ssl_context"] == "adhoc"

    result = runner.invoke(cli, ["run", "--cert", "adhoc", "--key", "key.pem"])
    assert result.exit_code == 2
    assert "When '--cert' is 'adhoc', '--key' is not used" in result.output


def test_run_cert_adhoc_needs_cryptography(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: list[Any]
) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="adhoc"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "cryptography", None)
    result = runner.invoke(cli, ["run", "--cert", "adhoc"])
    assert result.exit_code == 2
    assert "need the 'cryptography' package" in result.output
    assert served == []


def test_run_cert_as_a_module_holding_an_ssl_context(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: list[Any]
) -> None:
    import ssl

    write(tmp_path / "app.py", APP_MODULE.format(name="modctx"))
    monkeypatch.chdir(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    monkeypatch.setitem(sys.modules, "tls_context", context)  # type: ignore[arg-type]
    result = runner.invoke(cli, ["run", "--cert", "tls_context"])
    assert result.exit_code == 0, result.output
    assert served[-1][1]["ssl_context"] is context


def test_run_cert_as_an_ssl_context_import(
    runner: CliRunner, tmp_path: Path, served: list[Any]
) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="ctx"))
    write(
        tmp_path / "tlsconf.py",
        "import ssl\ncontext = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n",
    )
    sys.path.insert(0, str(tmp_path))
    result = runner.invoke(cli, ["run", "--cert", "tlsconf:context"])
    assert result.exit_code == 0, result.output
    import ssl

    assert isinstance(served[0][1]["ssl_context"], ssl.SSLContext)
    result = runner.invoke(cli, ["run", "--cert", "tlsconf:context", "--key", "app.py"])
    assert "'--key' is not used" in result.output


def test_run_with_a_broken_app(runner: CliRunner, tmp_path: Path, served: list[Any]) -> None:
    write(tmp_path / "app.py", "raise RuntimeError('broken at import')\n")
    result = runner.invoke(cli, ["run"])
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)
    assert served == []


def test_run_with_a_broken_app_in_the_reloader_child(
    runner: CliRunner, tmp_path: Path, served: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # After a reload the server must keep running and show the error per request.
    write(tmp_path / "app.py", "raise RuntimeError('broken at import')\n")
    monkeypatch.setenv("ERLEN_RUN_MAIN", "true")
    result = runner.invoke(cli, ["run"])
    assert result.exit_code == 0, result.output
    ((args, _),) = served
    with pytest.raises(RuntimeError, match="broken at import"):
        args[2]({}, lambda *a: None)


# -- dotenv ---------------------------------------------------------------------------------------


def test_load_dotenv_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".erlenenv").write_text("FOO=erlenenv\nBAR=erlenenv\nSPAM=erlenenv\n")
    (tmp_path / ".env").write_text("FOO=env\nBAR=env\n")
    (tmp_path / "custom.env").write_text("FOO=custom\n")
    monkeypatch.setenv("SPAM", "already set")
    assert load_dotenv("custom.env") is True
    assert os.environ["FOO"] == "custom"
    assert os.environ["BAR"] == "env"
    assert os.environ["SPAM"] == "already set"


def test_load_dotenv_finds_files_in_parent_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".erlenenv").write_text("FOO=from parent\n")
    child = tmp_path / "sub" / "dir"
    child.mkdir(parents=True)
    monkeypatch.chdir(child)
    assert load_dotenv() is True
    assert os.environ["FOO"] == "from parent"


def test_load_dotenv_without_files() -> None:
    assert load_dotenv() is False
    assert load_dotenv("missing.env") is False


def test_load_dotenv_without_defaults(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("FOO=env\n")
    assert load_dotenv(load_defaults=False) is False
    assert "FOO" not in os.environ


def test_cli_loads_erlenenv_for_discovery(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "dotenv_app.py", APP_MODULE.format(name="dotenv_app"))
    (tmp_path / ".erlenenv").write_text("ERLEN_APP=dotenv_app\n")
    result = runner.invoke(cli, ["whoami"])
    assert result.exit_code == 0, result.output
    assert result.output == "app=dotenv_app\n"


def test_env_file_option(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="envfile"))
    (tmp_path / ".env").write_text("FOO=env\nBAR=env\n")
    (tmp_path / "extra.env").write_text("FOO=extra\n")

    @cli.command("show-env")
    def show_env() -> None:
        click.echo(f"{os.environ['FOO']} {os.environ['BAR']}")

    try:
        result = runner.invoke(cli, ["-e", "extra.env", "show-env"])
    finally:
        del cli.commands["show-env"]
    assert result.output == "extra env\n"


def test_skip_dotenv(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: list[Any]
) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="skip"))
    (tmp_path / ".env").write_text("FOO=env\n")
    monkeypatch.setenv("ERLEN_SKIP_DOTENV", "1")
    assert runner.invoke(cli, ["run"]).exit_code == 0
    assert "FOO" not in os.environ


# -- entry points ---------------------------------------------------------------------------------


def test_main_is_the_console_entry_point(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["erlen", "--help"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: ")
    assert "erlen [OPTIONS] COMMAND [ARGS]..." in out
    assert "A command line for Erlen applications." in out


def test_python_dash_m_erlen(tmp_path: Path) -> None:
    write(tmp_path / "app.py", APP_MODULE.format(name="dash_m"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERLEN_", "FLASK_"))}
    result = subprocess.run(
        [sys.executable, "-m", "erlen", "whoami"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "app=dash_m\n"


def test_app_run_is_a_no_op_under_the_cli(
    runner: CliRunner, tmp_path: Path, served: list[Any]
) -> None:
    write(
        tmp_path / "app.py",
        APP_MODULE.format(name="runs_at_import") + "\napp.run()\n",
    )
    result = runner.invoke(cli, ["whoami"])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("app=runs_at_import\n")
    assert served == []


def test_version_option_and_get_version_are_public(runner: CliRunner) -> None:
    """Flask's names for the --version option and its callback, for a custom
    group that wants the same option."""
    from erlen.cli import get_version, version_option

    assert version_option.callback is get_version

    @click.group(params=[version_option])
    def custom() -> None:
        pass

    result = runner.invoke(custom, ["--version"])
    assert result.exit_code == 0
    assert "erlen " in result.output
    assert "Python " in result.output
