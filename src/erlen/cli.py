"""The ``erlen`` command line: find the app, run it, list its routes, open a shell.

::

    $ erlen --app hello run --debug
    $ erlen --app "myproject:create_app('dev')" routes --sort rule
    $ erlen shell

The app is found from ``--app`` (``module``, ``module:name``,
``module:factory(args)`` or a path to a ``.py`` file), the ``ERLEN_APP``
environment variable, or a ``wsgi.py`` or ``app.py`` file in the current
folder. Apps add commands with ``@app.cli.command()``, blueprints with
``@bp.cli.command()``; those commands run inside an app context.
"""

from __future__ import annotations

import ast
import code
import importlib
import importlib.metadata
import inspect
import os
import platform
import re
import ssl
import sys
import traceback
from collections.abc import Callable
from functools import update_wrapper
from operator import itemgetter
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from .ctx import has_app_context
from .globals import _cv_app_get, current_app
from .helpers import get_debug_flag, get_load_dotenv

if TYPE_CHECKING:
    from .app import Erlen

__all__ = [
    "AppGroup",
    "CertParamType",
    "ErlenGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "show_server_banner",
    "version_option",
    "with_appcontext",
]

F = TypeVar("F", bound=Callable[..., Any])

_APP_HELP = (
    "The Erlen application or factory to load, as 'module:name'. The module can be"
    " a dotted import or a file path. The name is optional when it is 'app',"
    " 'application', 'create_app' or 'make_app', and can be 'name(args)' to call a"
    " factory with literal arguments."
)
_NOT_FOUND = (
    "Could not locate an Erlen application. Use the 'erlen --app' option, the"
    " 'ERLEN_APP' environment variable, or a 'wsgi.py' or 'app.py' file in the"
    " current folder."
)


class NoAppException(click.UsageError):
    """The app could not be found or loaded."""


def _erlen_class() -> type[Erlen]:
    from .app import Erlen

    return Erlen


def _called_with_wrong_args(f: Callable[..., Any]) -> bool:
    """True when the ``TypeError`` being handled came from calling ``f``
    itself (a signature mismatch), not from code inside ``f``."""
    tb = sys.exc_info()[2]
    target = getattr(f, "__code__", None)
    while tb is not None:
        if tb.tb_frame.f_code is target:
            return False
        tb = tb.tb_next
    return True


def find_best_app(module: ModuleType) -> Erlen:
    """The app of ``module``: an ``app`` or ``application`` attribute, the
    only :class:`~erlen.Erlen` instance in it, or what a ``create_app`` or
    ``make_app`` factory returns when called without arguments."""
    erlen_class = _erlen_class()
    for name in ("app", "application"):
        value = getattr(module, name, None)
        if isinstance(value, erlen_class):
            return value

    found = [v for v in vars(module).values() if isinstance(v, erlen_class)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise NoAppException(
            f"Detected several Erlen applications in module '{module.__name__}'. Use"
            f" '{module.__name__}:name' to say which one to load."
        )

    for name in ("create_app", "make_app"):
        factory = getattr(module, name, None)
        if not inspect.isfunction(factory):
            continue
        try:
            app = factory()
        except TypeError as e:
            if not _called_with_wrong_args(factory):
                raise
            raise NoAppException(
                f"Detected factory '{name}' in module '{module.__name__}', but could not"
                f" call it without arguments. Use '{module.__name__}:{name}(args)' to"
                " pass arguments."
            ) from e
        if isinstance(app, erlen_class):
            return app

    raise NoAppException(
        f"Failed to find an Erlen application or factory in module '{module.__name__}'."
        f" Use '{module.__name__}:name' to name one."
    )


def _parse_app_name(app_name: str) -> tuple[str, list[Any] | None, dict[str, Any]]:
    """Split ``"name"`` or ``"factory(args)"`` into ``(name, args or None, kwargs)``."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        raise NoAppException(
            f"Failed to parse {app_name!r} as an attribute name or function call."
        ) from None
    if isinstance(expr, ast.Name):
        return expr.id, None, {}
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        try:
            args = [ast.literal_eval(arg) for arg in expr.args]
            kwargs = {
                kw.arg: ast.literal_eval(kw.value) for kw in expr.keywords if kw.arg is not None
            }
        except ValueError:
            # SECURITY: only literals; '--app' never evaluates arbitrary code.
            raise NoAppException(
                f"Failed to parse the arguments of {expr.func.id!r} in {app_name!r}: only"
                " literal values (strings, numbers, lists, ...) are allowed."
            ) from None
        if len(kwargs) != len(expr.keywords):
            raise NoAppException(f"'**kwargs' is not allowed in {app_name!r}.")
        return expr.func.id, args, kwargs
    raise NoAppException(f"Failed to parse {app_name!r} as an attribute name or function call.")


def find_app_by_string(module: ModuleType, app_name: str) -> Erlen:
    """The app named by ``app_name`` in ``module``: an attribute
    (``"app"``) or a factory call with literal arguments
    (``"create_app('dev', debug=True)"``)."""
    name, args, kwargs = _parse_app_name(app_name)
    try:
        attr = getattr(module, name)
    except AttributeError as e:
        raise NoAppException(f"Failed to find attribute {name!r} in {module.__name__!r}.") from e

    if inspect.isfunction(attr):
        try:
            app = attr(*(args or ()), **kwargs)
        except TypeError as e:
            if not _called_with_wrong_args(attr):
                raise
            raise NoAppException(
                f"The factory {app_name!r} in module {module.__name__!r} could not be"
                " called with the given arguments."
            ) from e
    elif args is not None or kwargs:
        raise NoAppException(f"{name!r} in {module.__name__!r} is not a function to call.")
    else:
        app = attr

    if isinstance(app, _erlen_class()):
        return app
    raise NoAppException(
        f"A valid Erlen application was not obtained from '{module.__name__}:{app_name}'."
    )


def prepare_import(path: str) -> str:
    """The module name of the file or package at ``path``; its import root is
    put first on ``sys.path``. ``"src/pkg/app.py"`` with ``src/pkg/__init__.py``
    gives ``"pkg.app"`` and puts ``src`` on the path."""
    path = os.path.realpath(path)
    stem, ext = os.path.splitext(path)
    if ext == ".py":
        path = stem
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    parts: list[str] = []
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break
    if not sys.path or sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


def locate_app(module_name: str, app_name: str | None, raise_if_not_found: bool = True) -> Any:
    """Import ``module_name`` and find the app in it (by ``app_name`` or
    :func:`find_best_app`). A module that does not exist gives None when
    ``raise_if_not_found`` is false; an ImportError inside it always raises."""
    try:
        importlib.import_module(module_name)
    except ImportError as e:
        missing = getattr(e, "name", None)
        if (
            isinstance(e, ModuleNotFoundError)
            and missing is not None
            and (module_name == missing or module_name.startswith(missing + "."))
        ):
            if raise_if_not_found:
                raise NoAppException(f"Could not import {module_name!r}.") from None
            return None
        raise NoAppException(
            f"While importing {module_name!r}, an ImportError was raised:\n\n"
            f"{traceback.format_exc()}"
        ) from None
    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def _split_import_path(value: str) -> tuple[str, str | None]:
    # A ':' followed by a path separator is a Windows drive ("C:\\app.py").
    parts = re.split(r":(?![\\/])", value, maxsplit=1)
    return parts[0], (parts[1] if len(parts) > 1 else None)


class ScriptInfo:
    """What the CLI knows about the app to load; commands get it with
    :func:`pass_script_info`.

    ``create_app`` (a function returning the app) wins over
    ``app_import_path`` (what ``--app`` gives); without either, ``wsgi.py``
    or ``app.py`` in the current folder is loaded. ``set_debug_flag`` sets
    ``app.debug`` from ``ERLEN_DEBUG`` after loading.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Erlen] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        #: The ``--app`` value, if any.
        self.app_import_path = app_import_path
        #: A function that returns the app; it wins over the import path.
        self.create_app = create_app
        #: Free-form data for commands to share.
        self.data: dict[Any, Any] = {}
        self.set_debug_flag = set_debug_flag
        #: Whether the default ``.erlenenv`` and ``.env`` files are loaded.
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self._loaded_app: Erlen | None = None

    def load_app(self) -> Erlen:
        """Load the app once, and return it every time after."""
        if self._loaded_app is not None:
            return self._loaded_app
        app: Erlen | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            path, name = _split_import_path(self.app_import_path)
            app = locate_app(prepare_import(path), name)
        else:
            for filename in ("wsgi.py", "app.py"):
                if not os.path.isfile(filename):
                    continue
                app = locate_app(prepare_import(filename), None, raise_if_not_found=False)
                if app is not None:
                    break
        if app is None:
            raise NoAppException(_NOT_FOUND)
        if self.set_debug_flag:
            # Through the property, so what depends on debug follows it.
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


#: Decorator: pass the current :class:`ScriptInfo` as the first argument.
pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run the decorated command inside the app's context (loading the app
    through :class:`ScriptInfo` if no context is active). Commands of
    ``app.cli`` and ``bp.cli`` get this automatically."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        if not has_app_context():
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return cast(F, update_wrapper(decorator, f))


class AppGroup(click.Group):
    """A click group whose :meth:`command` wraps callbacks in
    :func:`with_appcontext` (unless ``with_appcontext=False``) and whose
    :meth:`group` makes more ``AppGroup``\\ s. ``app.cli`` is one."""

    def command(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Command]:
        """Like :meth:`click.Group.command`, with the app context pushed
        around the callback."""
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(f: Callable[..., Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)
            return cast(click.Command, click.Group.command(self, *args, **kwargs)(f))

        return decorator

    def group(  # type: ignore[override]
        self, *args: Any, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], click.Group]:
        """Like :meth:`click.Group.group`, making an :class:`AppGroup`."""
        kwargs.setdefault("cls", AppGroup)
        return cast(Callable[[Callable[..., Any]], click.Group], super().group(*args, **kwargs))


# -- the options of the 'erlen' group ---------------------------------------------


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


# Eager, so the app's commands are known when '--help' (also eager) runs.
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help=_APP_HELP,
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> bool | None:
    if value is None:
        # Not given: leave ERLEN_DEBUG as the environment has it.
        return None
    # An environment variable (not ScriptInfo) so factories see it too.
    os.environ["ERLEN_DEBUG"] = "1" if value else "0"
    return value


_debug_option = click.Option(
    ["--debug/--no-debug"],
    default=None,
    help="Set debug mode (the reloader and debug pages of 'run' follow it).",
    expose_value=False,
    callback=_set_debug,
)


def _env_file_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    try:
        import dotenv  # noqa: F401
    except ImportError:
        if value is not None:
            raise click.BadParameter(
                "python-dotenv must be installed to load an env file.", ctx=ctx, param=param
            ) from None
    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)
    return value


# Eager and first, so the variables it sets are there for '--app' and the rest.
_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help=(
        "Load environment variables from this file; they win over '.env' and"
        " '.erlenenv', and lose to variables already set. Needs python-dotenv."
    ),
    is_eager=True,
    expose_value=False,
    callback=_env_file_callback,
)


def get_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """The ``--version`` option's callback: print the Python, erlen and Click
    versions and exit."""
    if not value or ctx.resilient_parsing:
        return
    try:
        version = importlib.metadata.version("erlen")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    click.echo(
        f"Python {platform.python_version()}\nerlen {version}\n"
        f"click {importlib.metadata.version('click')}",
        color=ctx.color,
    )
    ctx.exit()


#: The ``--version`` option of :class:`ErlenGroup` (for a group of your own).
version_option = click.Option(
    ["--version"],
    help="Show the erlen version.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


class ErlenGroup(AppGroup):
    """The ``erlen`` command group: the built-in ``run``, ``shell`` and
    ``routes`` commands, plugin commands (the ``erlen.commands`` entry point
    group) and the loaded app's ``app.cli`` commands.

    ``create_app`` loads the app instead of ``--app`` discovery;
    ``load_dotenv`` loads ``.erlenenv`` and ``.env``; ``set_debug_flag`` sets
    ``app.debug`` from ``ERLEN_DEBUG``. Use it for a custom script::

        @click.group(cls=ErlenGroup, create_app=create_app)
        def cli():
            "Management script for the app."
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: Callable[..., Erlen] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        # Option callbacks, not a group callback, so a custom group callback
        # keeps this behaviour. --env-file first: it sets what --app may read.
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)
        extra.setdefault("context_settings", {})
        extra["context_settings"].setdefault("auto_envvar_prefix", "ERLEN")
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
        self._plugins_loaded = False

    def _load_plugin_commands(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        for entry_point in importlib.metadata.entry_points(group="erlen.commands"):
            self.add_command(entry_point.load(), entry_point.name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A built-in or plugin command, else one of the app's (loading the app
        and pushing its context)."""
        self._load_plugin_commands()
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
            return None
        current = _cv_app_get(None)
        if current is None or current.app is not app:
            # The context is there for the command's parameter callbacks too.
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The built-in, plugin and app command names, sorted. An app that
        fails to load is reported, and the built-ins are still listed."""
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        info = ctx.ensure_object(ScriptInfo)
        try:
            names.update(info.load_app().cli.list_commands(ctx))
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # An 'app.run()' outside a __main__ guard would block every command;
        # this makes it return at once (see Erlen.run).
        os.environ["ERLEN_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # With no arguments click shows the help before any eager option
            # runs; read ERLEN_APP and the env files now so the help lists
            # the app's commands.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        try:
            return super().parse_args(ctx, args)
        except BaseException:
            # '--help' and usage errors end parsing with an exception, and
            # click then never closes this context: release the app context
            # that listing the app's commands pushed.
            ctx.close()
            raise


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Set environment variables from dotenv files: ``.erlenenv`` (found in
    the current folder or above), then ``.env``, then ``path``; a later file
    wins over an earlier one, and a variable already set in the environment
    wins over all of them. Returns True if a variable was read. Does nothing
    (and returns False) without python-dotenv."""
    try:
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(".erlenenv"):
            click.secho(
                " * Tip: there are .env files here. Install python-dotenv to use them.",
                fg="yellow",
                err=True,
            )
        return False

    values: dict[str, str | None] = {}
    if load_defaults:
        for name in (".erlenenv", ".env"):
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                values.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        values.update(dotenv.dotenv_values(path, encoding="utf-8"))
    for key, value in values.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return bool(values)


def show_server_banner(debug: bool | None, app_import_path: str | None) -> None:
    """Print which app is served and the debug mode, once (not again in the
    reloader's child process)."""
    from .serving import is_running_from_reloader

    if is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving Erlen app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


# -- erlen run -------------------------------------------------------------------------


if TYPE_CHECKING:
    _ParamType = click.ParamType[Any]
else:
    # click < 8.2 has no generic ParamType at run time.
    _ParamType = click.ParamType


class CertParamType(_ParamType):
    """The ``--cert`` option: a certificate file, ``adhoc`` (a new self-signed
    certificate, for development), or the import path of an
    :class:`ssl.SSLContext` object (``"myproject.tls:context"``)."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, ssl.SSLContext):
            return value
        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            text = value.decode() if isinstance(value, bytes) else str(value)
            if text.lower() == "adhoc":
                try:
                    import cryptography  # noqa: F401
                except ImportError:
                    self.fail(
                        "Ad-hoc certificates need the 'cryptography' package:"
                        " 'pip install cryptography'.",
                        param,
                        ctx,
                    )
                return "adhoc"
            context = _import_object(text)
            if isinstance(context, ssl.SSLContext):
                return context
            raise


def _import_object(text: str) -> Any:
    module_name, _, attr = text.replace(":", ".").rpartition(".")
    if not module_name:
        # COMPAT(flask): a bare name is a module (or what sys.modules holds).
        try:
            return importlib.import_module(attr)
        except ImportError:
            return None
    try:
        return getattr(importlib.import_module(module_name), attr, None)
    except ImportError:
        return None


def _validate_key(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """``--key`` goes with a certificate file, and such a file needs it; the
    pair becomes the ``cert`` parameter."""
    cert = ctx.params.get("cert")
    is_context = isinstance(cert, ssl.SSLContext) or cert == "adhoc"
    if value is not None:
        if cert == "adhoc":
            raise click.BadParameter("When '--cert' is 'adhoc', '--key' is not used.", ctx, param)
        if is_context:
            raise click.BadParameter(
                "When '--cert' is an SSLContext object, '--key' is not used.", ctx, param
            )
        if not cert:
            raise click.BadParameter("'--cert' must also be given.", ctx, param)
        ctx.params["cert"] = (cert, value)
    elif cert and not is_context:
        raise click.BadParameter("Required when using '--cert'.", ctx, param)
    return value


class SeparatedPathType(click.Path):
    """Several paths in one value, separated by ``os.pathsep`` (``:``)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        convert = super().convert
        return [convert(item, param, ctx) for item in self.split_envvar_value(value)]


@click.command("run", short_help="Run a development server.")
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="The interface to bind.")
@click.option("--port", "-p", default=5000, show_default=True, help="The port to bind.")
@click.option(
    "--cert",
    type=CertParamType(),
    is_eager=True,
    help="A certificate file (with '--key'), 'adhoc' for a self-signed one, or the"
    " import path of an SSLContext, to serve HTTPS.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The key file of '--cert'.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart when a source file changes. On by default in debug mode.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="Show traceback pages to local clients. On by default in debug mode.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    help="Serve each connection in its own thread.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    help=f"More files that trigger a reload when changed, separated by {os.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    help=f"fnmatch patterns of files that never trigger a reload, separated by {os.pathsep!r}.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str] | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Run the development server.

    It is for development only: it has neither the stability, the security
    nor the speed of gunicorn, uWSGI, granian, uvicorn or hypercorn. '--debug'
    turns on the reloader and the debug pages.
    """
    from .serving import is_running_from_reloader, run_simple

    try:
        app: Any = info.load_app()
    except Exception as e:
        if not is_running_from_reloader():
            raise
        # After a reload, a broken app must not end the server: show the
        # error now and on every request, until a fix reloads again.
        traceback.print_exc()
        error = e

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            raise error from None

    debug = get_debug_flag()
    if reload is None:
        reload = debug
    if debugger is None:
        debugger = debug
    show_server_banner(debug, info.app_import_path)
    run_simple(
        host,
        port,
        app,
        use_reloader=reload,
        use_debugger=debugger,
        threaded=with_threads,
        ssl_context=cert,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


run_command.params.insert(0, _debug_option)


# -- erlen shell -----------------------------------------------------------------------


@click.command("shell", short_help="Run a shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell in the app's context, with 'app', 'g'
    and the names of the app's shell context processors defined."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\n"
        f"Instance: {app.instance_path}"
    )
    namespace: dict[str, Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as f:
            exec(compile(f.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())

    hook = getattr(sys, "__interactivehook__", None)
    if hook is not None and sys.stdin.isatty():
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            # Complete names of the shell's namespace, not erlen.__main__'s.
            readline.set_completer(Completer(namespace).complete)
        hook()
    code.interact(banner=banner, local=namespace, exitmsg="")


# -- erlen routes ----------------------------------------------------------------------


def _match_key(rule: Any) -> tuple[Any, ...]:
    # Matching tries static segments before converters, and converters by
    # weight; rules of equal keys keep their order (see erlen.routing.matcher).
    parts = getattr(rule, "_parts", ())
    return tuple((0, ()) if part.static else (1, part.weight) for part in parts)


@click.command("routes", short_help="Show the routes of the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    show_default=True,
    help="Sort by this column; 'match' is the order in which requests are matched.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show every route of the app: endpoint, methods and rule."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    rules = list(app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    if sort == "match":
        rules.sort(key=_match_key)
    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = app.url_map.host_matching

    def domain(rule: Any) -> str:
        return str((rule.host if host_matching else rule.subdomain) or "")

    has_domain = any(domain(rule) for rule in rules)
    headers = ["Endpoint", "Methods"]
    if has_domain:
        headers.append("Host" if host_matching else "Subdomain")
    headers.append("Rule")
    rows = []
    for rule in rules:
        row = [str(rule.endpoint), ", ".join(sorted((rule.methods or set()) - hidden))]
        if has_domain:
            row.append(domain(rule))
        row.append(rule.rule)
        rows.append(row)
    columns = ["endpoint", "methods", *(["domain"] if has_domain else []), "rule"]
    if sort in columns:
        rows.sort(key=itemgetter(columns.index(sort)))

    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


#: The ``erlen`` command.
cli = ErlenGroup(
    name="erlen",
    help="""\
A command line for Erlen applications.

The application to load is given with the '--app' option, the 'ERLEN_APP'
environment variable, or a 'wsgi.py' or 'app.py' file in the current folder.
""",
)


def main() -> None:
    """The ``erlen`` console script."""
    cli.main()


if __name__ == "__main__":
    main()
