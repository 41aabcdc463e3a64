"""The application object: :class:`Erlen`, Flask's API on erlen's toolkit.

::

    from erlen import Erlen

    app = Erlen(__name__)

    @app.route("/")
    def index():
        return "Index Page"

The same object is a WSGI application (``app(environ, start_response)``) and
an ASGI 3 application (``await app(scope, receive, send)``: HTTP, WebSocket
and lifespan, see :mod:`erlen.asgi`).
"""

from __future__ import annotations

import contextlib
import contextvars
import inspect
import os
import sys
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import timedelta
from functools import cached_property
from types import MethodType, TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar
from urllib.parse import quote as _url_quote

from ._pipeline_sync import (
    dispatch_by_steps_sync,
    dispatch_request_sync,
    finalize_by_steps_sync,
    finalize_request_sync,
    full_dispatch_request_sync,
    handle_exception_sync,
    handle_http_exception_sync,
    handle_request_sync,
    handle_user_exception_sync,
    preprocess_request_sync,
    process_response_sync,
    run_before_serving_sync,
    teardown_appcontext_sync,
    teardown_request_sync,
)
from .adapters.wsgi import request_from_environ, start_response_and_body
from .blueprints import Blueprint
from .config import DEFAULT_CONFIG, Config, ConfigAttribute, make_timedelta
from .ctx import AppContext, RequestContext, _AppCtxGlobals, _default_template_ctx_processor
from .globals import _current_request_ctx, _cv_app_get, _request_ctx
from .helpers import _find_package, get_debug_flag, get_load_dotenv
from .http._interp import _own_instance_dict
from .http.datastructures import Headers
from .http.exceptions import (
    Aborter,
    BadRequest,
    BadRequestKeyError,
    HTTPException,
)
from .http.response import Response as BaseResponse
from .http.response import redirect as _toolkit_redirect
from .json.provider import DefaultJSONProvider, JSONProvider
from .logging import create_logger
from .pipeline import (
    EndpointPipeline,
    ErrorLookup,
    HookRegistry,
    WatchedDict,
    WebsocketPipeline,
    as_sync,
    blueprint_chain,
    build_pipeline,
    build_websocket_pipeline,
    in_event_loop,
    invoke_sync,
    is_async_callable,
    mark_stale,
)
from .routing import BuildError, Map, MapAdapter, RequestRedirect, Rule
from .scaffold import Scaffold, _endpoint_from_view_func, setupmethod
from .sessions import SecureCookieSessionInterface, SessionInterface
from .typing import (
    BeforeFirstRequestCallable,
    ResponseReturnValue,
    RouteCallable,
    ShellContextProcessorCallable,
    TeardownCallable,
    TemplateFilterCallable,
    TemplateGlobalCallable,
    TemplateTestCallable,
)
from .wrappers import Request, Response

if TYPE_CHECKING:
    import concurrent.futures
    import logging

    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from jinja2 import BaseLoader

    from .adapters.asgi import Receive, Scope, Send
    from .cli import AppGroup
    from .templating import Environment
    from .testing import ErlenClient, ErlenCliRunner

F = TypeVar("F", bound=Callable[..., Any])
T_first = TypeVar("T_first", bound=BeforeFirstRequestCallable)
T_serving = TypeVar("T_serving", bound=Callable[[], Any])
T_teardown = TypeVar("T_teardown", bound=TeardownCallable)
T_shell = TypeVar("T_shell", bound=ShellContextProcessorCallable)
T_template_filter = TypeVar("T_template_filter", bound=TemplateFilterCallable)
T_template_global = TypeVar("T_template_global", bound=TemplateGlobalCallable)
T_template_test = TypeVar("T_template_test", bound=TemplateTestCallable)

_MISSING: Any = object()


class _ImportedAttribute:
    """A class attribute whose value is imported from ``module`` when first
    read; a subclass that assigns the attribute replaces it as usual."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        import importlib

        return getattr(importlib.import_module(self.module), self.name)


#: erlen.asgi's entry point, once the first ASGI call imported it, and its
#: HTTP server (what the entry point calls for an ``http`` scope).
_asgi_serve: Callable[..., Any] | None = None
_asgi_serve_http: Callable[..., Any] | None = None
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"
_new_response = object.__new__
_base_response_init = BaseResponse.__init__
_PROVIDER_RESPONSE = DefaultJSONProvider.response
# make_response builds a stock error page straight in the app's class when
# neither the exception's get_response nor the class's __init__ is overridden.
_STOCK_GET_RESPONSE = HTTPException.get_response
_APP_RESPONSE_INIT = Response.__init__


async def _asgi_signature(scope: Any, receive: Any, send: Any) -> None:
    """What an ASGI server sees when it inspects an app (see ``Erlen.__code__``)."""


def _build_redirect(
    location: str, code: int = 302, response_class: type[BaseResponse] | None = None
) -> BaseResponse:
    """A redirect response to ``location`` with a short HTML body."""
    # COMPAT(flask): Werkzeug's page, word for word; the link shows the
    # location as given (HTML-escaped), the header carries it as a URI.
    return _toolkit_redirect(location, code, Response if response_class is None else response_class)


class Erlen(Scaffold):
    """The application: a registry of routes, hooks and handlers, the
    configuration, and the WSGI and ASGI entry points.

    ``import_name`` is the name of the application's module or package
    (``__name__``); templates, static files and resources are found relative
    to it (or to ``root_path``).
    """

    #: The class of ``request``.
    request_class: type[Request] = Request
    #: The class of the responses the app creates.
    response_class: type[Response] = Response
    #: The class of ``g``.
    app_ctx_globals_class = _AppCtxGlobals
    #: The class of :attr:`config`.
    config_class = Config
    #: The class of :attr:`aborter`.
    aborter_class = Aborter
    #: The class of :attr:`json`.
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    #: The class of :attr:`url_map`.
    url_map_class = Map
    #: The class of the rules :meth:`add_url_rule` creates.
    url_rule_class = Rule
    #: The test client class (``erlen.testing.ErlenClient`` when None).
    test_client_class: type[ErlenClient] | None = None
    #: The CLI test runner class (``erlen.testing.ErlenCliRunner`` when None).
    test_cli_runner_class: type[ErlenCliRunner] | None = None
    #: How sessions are loaded and saved.
    session_interface: SessionInterface = SecureCookieSessionInterface()
    #: Options for the Jinja environment.
    jinja_options: ClassVar[dict[str, Any]] = {}
    if TYPE_CHECKING:
        #: The class of :attr:`jinja_env` (:class:`erlen.templating.Environment`);
        #: a subclass may name its own subclass of it.
        jinja_environment: ClassVar[type[Environment]]
    else:
        # PERF: read from erlen.templating when first used, so that `import
        # erlen` does not import Jinja.
        jinja_environment = _ImportedAttribute("erlen.templating", "Environment")
    #: The configuration defaults.
    default_config: ClassVar[dict[str, Any]] = DEFAULT_CONFIG
    # Erlen's own create_url_adapter (set below the class), compared per
    # request with the app class's: see RequestContext.__init__.
    _erlen_create_url_adapter: ClassVar[Callable[..., Any]]
    # Whether the class replaces one of Flask's request steps (_STEPS); an
    # app's _steps_replaced starts from it and turns on when one is assigned
    # on the instance (_ReplaceableStep).
    _class_replaces_steps: ClassVar[bool] = False
    #: ``TESTING``: exceptions propagate to the test client.
    testing = ConfigAttribute[bool]("TESTING")
    #: ``SECRET_KEY``: the key of the session cookie and other signed data.
    secret_key = ConfigAttribute[str | bytes | None]("SECRET_KEY")
    #: ``PERMANENT_SESSION_LIFETIME`` as a :class:`~datetime.timedelta`.
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME",
        get_converter=make_timedelta,  # type: ignore[arg-type]
    )

    if TYPE_CHECKING:
        # A plain attribute at run time. For type checkers, reading gives the
        # default provider, so its documented settings (``app.json.sort_keys =
        # False``) type-check in user code; any JSONProvider may be assigned.
        @property
        def json(self) -> DefaultJSONProvider:
            """The JSON provider (``app.json.dumps``, ``app.json.response``...)."""

        @json.setter
        def json(self, value: JSONProvider) -> None: ...

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._class_replaces_steps = any(
            getattr(cls, name) is not _OVERRIDABLE[name] for name in _STEPS
        )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError("The instance path must be absolute; a relative path was given.")
        #: The instance folder (for files not under version control).
        self.instance_path = instance_path
        #: The configuration (a dict with Flask's keys and ``from_*`` loaders).
        self.config = self.make_config(instance_relative_config)
        self.json = self.json_provider_class(self)
        # PERF: the class's choices, copied to the instance: every request
        # reads these, and CPython 3.11 specialises an attribute read only
        # when the instance itself holds the value (a class attribute read
        # through the instance takes the generic lookup). Assigning them on
        # the app (``app.response_class = MyResponse``) works as in Flask;
        # assigning them on the class changes apps created afterwards.
        self.request_class = self.request_class
        self.response_class = self.response_class
        self.session_interface = self.session_interface
        #: What :func:`abort` raises through.
        self.aborter = self.make_aborter()
        #: Extensions store their state here, by name.
        self.extensions: dict[str, Any] = {}
        #: The URL rules.
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        #: Registered blueprints by (dotted) name.
        self.blueprints: dict[str, Blueprint] = {}
        self.before_first_request_funcs: list[BeforeFirstRequestCallable] = []
        #: Run once per process before serving (ASGI lifespan startup).
        self.before_serving_funcs: list[Callable[[], Any]] = []
        #: Run once per process when the server shuts down (ASGI lifespan).
        self.after_serving_funcs: list[Callable[[], Any]] = []
        self.teardown_appcontext_funcs: list[TeardownCallable] = []
        self.shell_context_processors: list[ShellContextProcessorCallable] = []
        self.url_build_error_handlers: list[
            Callable[[Exception, str, dict[str, Any]], str | None]
        ] = []

        import threading

        #: One of Flask's request steps (_STEPS) is replaced: the pipeline
        #: then calls each step through the app (see _pipeline_async).
        self._steps_replaced = type(self)._class_replaces_steps
        if type(self).wsgi_app is not Erlen.wsgi_app:
            # A subclass's wsgi_app goes where an assigned one does, where
            # the ASGI side looks for WSGI middleware (erlen.asgi.asgi_app).
            self.wsgi_app = self.wsgi_app  # type: ignore[method-assign]
        self._got_first_request = False
        self._before_first_request_lock = threading.Lock()
        self._pipelines: dict[str | None, EndpointPipeline] = {}
        self._ws_pipelines: dict[str, WebsocketPipeline] = {}
        # Moved by every change to a registry the frozen chains are built
        # from; a chain built while it moved is not kept.
        self._hooks_version = [0]
        pipelines, ws_pipelines, version = self._pipelines, self._ws_pipelines, self._hooks_version

        def hooks_changed() -> None:
            # Holds the caches, not the app: no reference cycle through it.
            version[0] += 1
            for ep in pipelines.values():
                mark_stale(ep)
            pipelines.clear()
            ws_pipelines.clear()

        for name in _FROZEN_HOOKS:
            setattr(self, name, HookRegistry(hooks_changed, getattr(self, name)))
        self.view_functions = WatchedDict(hooks_changed, self.view_functions)
        self._serving_started = False
        self._serving_lock = threading.Lock()
        self._blueprint_prefixes: list[tuple[str, str]] = []
        self._prefix_lookups: dict[str, ErrorLookup] = {}
        self._cli: AppGroup | None = None

        self.template_context_processors[None].append(_default_template_ctx_processor)

        if self.has_static_folder:
            if bool(static_host) != host_matching:
                raise AssertionError(
                    "Invalid static_host/host_matching combination: give 'static_host'"
                    " exactly when 'host_matching' is on."
                )
            app_ref = weakref.ref(self)

            def static_view(filename: str) -> Response:
                app = app_ref()
                assert app is not None
                return app.send_static_file(filename)

            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=static_view,
            )
        # The app's own __dict__ is read (replaced methods, a jinja_env
        # made); see _own_instance_dict.
        _own_instance_dict(self)

    # -- identity, configuration, resources -----------------------------------

    @cached_property
    def name(self) -> str:  # type: ignore[override]
        """The app's name: the import name, or the script's file name when
        run as ``__main__``."""
        if self.import_name == "__main__":
            filename = getattr(sys.modules["__main__"], "__file__", None)
            if filename is None:
                return "__main__"
            return os.path.splitext(os.path.basename(str(filename)))[0]
        return self.import_name

    @cached_property
    def logger(self) -> logging.Logger:
        """The app's logger, named after the app (see :mod:`erlen.logging`)."""
        return create_logger(self)

    @cached_property
    def jinja_env(self) -> Environment:
        """The Jinja environment, created on first use."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        """Create the Jinja environment from :attr:`jinja_options` and the
        app's settings (see :func:`erlen.templating.create_jinja_environment`)."""
        from .templating import create_jinja_environment

        return create_jinja_environment(self)

    def create_global_jinja_loader(self) -> BaseLoader:
        """The loader of :attr:`jinja_env` when ``jinja_options`` names none:
        a :class:`~erlen.templating.DispatchingJinjaLoader` over the app's and
        the blueprints' template folders. Override it to load templates from
        elsewhere."""
        from .templating import DispatchingJinjaLoader

        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Whether the template ``filename`` autoescapes: a template from a
        string does, so do ``.html``, ``.htm``, ``.xml``, ``.xhtml`` and
        ``.svg`` files. Override it to change the rule."""
        from .templating import select_jinja_autoescape

        return select_jinja_autoescape(filename)

    @property
    def templates_auto_reload(self) -> bool:
        """``TEMPLATES_AUTO_RELOAD``; when None, on in debug mode."""
        value = self.config["TEMPLATES_AUTO_RELOAD"]
        return bool(self.debug) if value is None else bool(value)

    @templates_auto_reload.setter
    def templates_auto_reload(self, value: bool | None) -> None:
        self.config["TEMPLATES_AUTO_RELOAD"] = value

    @property
    def debug(self) -> bool:
        """Debug mode (``DEBUG``): detailed errors, exceptions propagate,
        templates reload."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = bool(value)

    @property
    def cli(self) -> AppGroup:
        """The app's click command group (``@app.cli.command("init-db")``),
        created on first use."""
        if self._cli is None:
            # PERF: click's group is built on first use; most processes
            # serving requests never touch it.
            from .cli import AppGroup

            self._cli = AppGroup(self.name)
        return self._cli

    @property
    def got_first_request(self) -> bool:
        """Whether the app has started handling its first request (setup is closed)."""
        return self._got_first_request

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create :attr:`config` with the default values; relative to the
        instance folder when ``instance_relative``."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        return self.config_class(root_path, defaults)

    def make_aborter(self) -> Aborter:
        """Create :attr:`aborter`."""
        return self.aborter_class()

    def auto_find_instance_path(self) -> str:
        """The default instance folder: ``instance`` next to the app's
        package, or ``<prefix>/var/<name>-instance`` for an installed one."""
        prefix, package_path = _find_package(self.import_name)
        if prefix is None:
            return os.path.join(package_path, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> Any:
        """Open ``resource``, relative to the instance folder (writable modes allowed)."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the application."
                " It has already handled its first request, so the change would not"
                " apply consistently.\nMake sure all imports, decorators, functions,"
                " etc. needed to set up the application are done before running it."
            )

    # -- sync and async ---------------------------------------------------------

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Return a sync callable for ``func``: itself when it is sync, a
        wrapper running it on the thread's event loop when it is ``async def``."""
        if is_async_callable(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap the ``async def`` ``func`` so it can be called from sync code
        (it runs on an event loop kept per thread)."""
        return as_sync(func)

    # -- routing -----------------------------------------------------------------

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a URL rule: ``rule`` (``"/post/<int:post_id>"``), its
        ``endpoint`` (the view's name by default) and ``view_func``.

        ``methods`` comes from the options, else ``view_func.methods``, else
        ``["GET"]``; ``HEAD`` is added for ``GET`` and ``OPTIONS`` is answered
        automatically unless disabled. ``stream_body=True`` hands the view
        the body as it arrives (``for chunk in request.stream`` /
        ``async for chunk in request.stream``) instead of receiving it first.
        Other options go to the rule.
        """
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        options["endpoint"] = endpoint
        stream_body = bool(options.pop("stream_body", False))
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for example:"
                ' @app.route(..., methods=["POST"])'
            )
        method_set = {item.upper() for item in methods}
        required = set(getattr(view_func, "required_methods", ()))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            if "OPTIONS" not in method_set and self.config["PROVIDE_AUTOMATIC_OPTIONS"]:
                provide_automatic_options = True
                required.add("OPTIONS")
            else:
                provide_automatic_options = False
        method_set |= required

        rule_obj = self.url_rule_class(rule, methods=method_set, **options)
        rule_obj.provide_automatic_options = provide_automatic_options
        if stream_body:
            # Read by the ASGI server (no prefetch) and by request.stream
            # (a chunk iterator, sync or async).
            rule_obj.stream_body = True  # type: ignore[attr-defined]
        self.url_map.add(rule_obj)
        if view_func is not None:
            existing = self.view_functions.get(endpoint)
            if existing is not None and existing != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint"
                    f" function: {endpoint}"
                )
            self.view_functions[endpoint] = view_func

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Register ``blueprint``: its routes, hooks and handlers become the
        app's. Options (``url_prefix``, ``subdomain``, ``url_defaults``,
        ``name``) override the blueprint's; registering the same blueprint
        twice needs a different ``name=``."""
        blueprint.register(self, options)

    def iter_blueprints(self) -> Iterator[Blueprint]:
        """The registered blueprints, in registration order."""
        return iter(self.blueprints.values())

    def _note_blueprint_prefix(self, name: str, url_prefix: str | None) -> None:
        if url_prefix:
            prefix = url_prefix.rstrip("/")
            if prefix:
                self._blueprint_prefixes.append((prefix, name))
                self._blueprint_prefixes.sort(key=lambda item: len(item[0]), reverse=True)

    def _routing_error_lookup(self, path: str) -> ErrorLookup:
        for prefix, name in self._blueprint_prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                lookup = self._prefix_lookups.get(name)
                if lookup is None:
                    scopes = (*blueprint_chain(f"{name}.x"), None)
                    lookup = ErrorLookup(scopes, self.error_handler_spec)
                    if self._got_first_request:
                        self._prefix_lookups[name] = lookup
                return lookup
        return self._pipeline_for_endpoint(None).errors

    def _override(self, name: str) -> Callable[..., Any] | None:
        """The app's ``name`` method when a subclass or the instance replaced
        Erlen's (``app.handle_exception = ...`` as extensions do), else None."""
        method = getattr(self, name)
        if getattr(method, "__func__", None) is _OVERRIDABLE[name]:
            return None
        return method  # type: ignore[no-any-return]

    def _plain_routing_error(self, error: HTTPException) -> bool:
        """Whether the request's routing ``error`` may become its response
        without being raised: no method on that path is replaced (on the class
        or the instance) and nothing traps it. The pipeline also checks that
        no error handler takes it."""
        cls = type(self)
        plain = _PLAIN_ROUTING.get(cls)
        if plain is None:
            plain = _PLAIN_ROUTING[cls] = all(
                getattr(cls, name) is getattr(Erlen, name) for name in _ROUTING_PATH
            )
        if not plain or not self.__dict__.keys().isdisjoint(_ROUTING_PATH):
            return False
        config = self.config
        return not (
            config["TRAP_HTTP_EXCEPTIONS"]
            or config["TRAP_BAD_REQUEST_ERRORS"]
            or isinstance(error, BadRequestKeyError)
            # raise_routing_exception explains a redirect in debug mode.
            or (config["DEBUG"] and isinstance(error, RequestRedirect))
        )

    def _pipeline_for_endpoint(self, endpoint: str | None) -> EndpointPipeline:
        ep = self._pipelines.get(endpoint)
        if ep is None:
            version = self._hooks_version[0]
            ep = build_pipeline(self, endpoint)
            # Cached only once setup is closed, so later registrations made
            # before the first request are never missed.
            if self._got_first_request:
                self._pipelines[endpoint] = ep
                if self._hooks_version[0] != version:
                    self._pipelines.pop(endpoint, None)
                    mark_stale(ep)
        return ep

    def _websocket_pipeline_for(self, endpoint: str) -> WebsocketPipeline:
        wp = self._ws_pipelines.get(endpoint)
        if wp is None:
            version = self._hooks_version[0]
            wp = build_websocket_pipeline(self, endpoint)
            if self._got_first_request:
                self._ws_pipelines[endpoint] = wp
                if self._hooks_version[0] != version:
                    self._ws_pipelines.pop(endpoint, None)
        return wp

    def _pipeline_for(self, request: Request) -> EndpointPipeline:
        rule = request.url_rule
        endpoint = rule.endpoint if rule is not None else None
        ep = self._pipelines.get(endpoint)
        if ep is None:
            return self._pipeline_for_endpoint(endpoint)
        return ep

    # -- hooks of the app only ---------------------------------------------------------

    @setupmethod
    def before_first_request(self, f: T_first) -> T_first:
        """Run ``f()`` once, before the app's first request (under concurrent
        first requests, still exactly once)."""
        self.before_first_request_funcs.append(f)
        return f

    @setupmethod
    def before_serving(self, f: T_serving) -> T_serving:
        """Run ``f()`` (sync or ``async def``) once per worker process before
        it serves, in an app context: at ASGI lifespan startup (a failure is
        reported to the server, which exits with the message), or under WSGI
        before the first request::

            @app.before_serving
            async def connect():
                app.extensions["db"] = await create_pool()
        """
        self.before_serving_funcs.append(f)
        return f

    @setupmethod
    def after_serving(self, f: T_serving) -> T_serving:
        """Run ``f()`` (sync or ``async def``) once per worker process when
        the server shuts down (ASGI lifespan shutdown), in an app context.
        WSGI servers have no shutdown event: there it is not called."""
        self.after_serving_funcs.append(f)
        return f

    @setupmethod
    def teardown_appcontext(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when an app context is popped (after every request,
        and after ``with app.app_context():``). An error in one is logged and
        the others still run."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def shell_context_processor(self, f: T_shell) -> T_shell:
        """Register ``f() -> dict`` of names for ``erlen shell``."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, Any]:
        """The namespace of ``erlen shell``: ``app``, ``g`` and the shell
        context processors' names."""
        from .globals import g

        rv: dict[str, Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    @setupmethod
    def template_filter(
        self, name: str | None = None
    ) -> Callable[[T_template_filter], T_template_filter]:
        """Register the decorated function as a Jinja filter."""

        def decorator(f: T_template_filter) -> T_template_filter:
            self.add_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_filter(self, f: TemplateFilterCallable, name: str | None = None) -> None:
        """Register ``f`` as a Jinja filter (named ``name`` or after ``f``)."""
        self.jinja_env.filters[name or f.__name__] = f

    @setupmethod
    def template_test(
        self, name: str | None = None
    ) -> Callable[[T_template_test], T_template_test]:
        """Register the decorated function as a Jinja test."""

        def decorator(f: T_template_test) -> T_template_test:
            self.add_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_test(self, f: TemplateTestCallable, name: str | None = None) -> None:
        """Register ``f`` as a Jinja test (named ``name`` or after ``f``)."""
        self.jinja_env.tests[name or f.__name__] = f

    @setupmethod
    def template_global(
        self, name: str | None = None
    ) -> Callable[[T_template_global], T_template_global]:
        """Register the decorated function as a Jinja global."""

        def decorator(f: T_template_global) -> T_template_global:
            self.add_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_template_global(self, f: TemplateGlobalCallable, name: str | None = None) -> None:
        """Register ``f`` as a Jinja global (named ``name`` or after ``f``)."""
        self.jinja_env.globals[name or f.__name__] = f

    def update_template_context(self, context: dict[str, Any]) -> None:
        """Add the context processors' values to ``context``: the app's, then
        those of the request's blueprints (outermost first). Values already in
        ``context`` win."""
        scopes: tuple[str | None, ...] = (None,)
        req_ctx = _request_ctx()
        if req_ctx is not None:
            blueprints = req_ctx.request.blueprints
            if blueprints:
                scopes = (None, *reversed(blueprints))
        processors = self.template_context_processors
        added: dict[str, Any] = {}
        for scope in scopes:
            for func in processors.get(scope, ()):
                # PERF: the built-in processor is known to be sync (no
                # is_async_callable lookup); with the rest, 1.64 -> 1.23 µs per render.
                if func is _default_template_ctx_processor:
                    added.update(func())
                else:
                    added.update(_call_context_processor(func))
        # Later processors win over earlier ones, the caller's values over all.
        for name, value in added.items():
            if name not in context:
                context[name] = value

    # -- contexts ------------------------------------------------------------------

    def app_context(self) -> AppContext:
        """A new application context: ``with app.app_context(): ...``"""
        return AppContext(self)

    def request_context(self, environ: WSGIEnvironment) -> RequestContext:
        """A request context for a WSGI ``environ``."""
        request = request_from_environ(
            environ, self.request_class, proxy=self.config.get("PROXY_FIX")
        )
        return RequestContext(self, request)

    def test_request_context(self, *args: Any, **kwargs: Any) -> RequestContext:
        """A request context for a request built from the arguments of
        :class:`erlen.testing.EnvironBuilder` (``path``, ``method``,
        ``query_string``, ``data``, ``json``, ``headers``...)::

            with app.test_request_context("/logout"):
                logout()
        """
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            close = getattr(builder, "close", None)
            if close is not None:
                close()

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> ErlenClient:
        """A test client: ``app.test_client().get("/")``."""
        cls = self.test_client_class
        if cls is None:
            from .testing import ErlenClient

            cls = ErlenClient
        return cls(self, self.response_class, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: Any) -> ErlenCliRunner:
        """A runner for the app's CLI commands in tests."""
        cls = self.test_cli_runner_class
        if cls is None:
            from .testing import ErlenCliRunner

            cls = ErlenCliRunner
        return cls(self, **kwargs)

    # -- the request pipeline (see erlen._pipeline_async) ------------------------

    def _current(self) -> RequestContext:
        return _current_request_ctx(
            "Working outside of request context: this method needs an active"
            " request ('with app.test_request_context():' in tests)."
        )

    def full_dispatch_request(self) -> Response:
        """Dispatch the current request with its hooks and error handling."""
        if self._steps_replaced:
            return dispatch_by_steps_sync(self, self._current())
        return full_dispatch_request_sync(self, self._current())

    def preprocess_request(self) -> ResponseReturnValue | None:
        """Run the URL value preprocessors and ``before_request`` functions;
        return the first non-None value."""
        ctx = self._current()
        return preprocess_request_sync(self, ctx, self._pipeline_for(ctx.request))  # type: ignore[no-any-return]

    def dispatch_request(self) -> ResponseReturnValue:
        """Call the view of the current request (or raise its routing error)."""
        ctx = self._current()
        return dispatch_request_sync(self, ctx, self._pipeline_for(ctx.request))  # type: ignore[no-any-return]

    def finalize_request(
        self, rv: ResponseReturnValue | HTTPException, from_error_handler: bool = False
    ) -> Response:
        """Turn ``rv`` into the response, run the after hooks, save the
        session and send ``request_finished``."""
        ctx = self._current()
        ep = self._pipeline_for(ctx.request)
        if self._steps_replaced:
            return finalize_by_steps_sync(self, ctx, ep, rv, from_error_handler)
        return finalize_request_sync(self, ctx, ep, rv, from_error_handler)

    def process_response(self, response: Response) -> Response:
        """Run the ``after_this_request`` and ``after_request`` functions and
        save the session."""
        ctx = self._current()
        return process_response_sync(self, ctx, self._pipeline_for(ctx.request), response)

    def handle_user_exception(self, e: Exception) -> HTTPException | ResponseReturnValue:
        """Handle an exception from a hook or a view with its registered
        handler; HTTP errors without one are returned; others re-raised."""
        ctx = self._current()
        return handle_user_exception_sync(self, ctx, self._pipeline_for(ctx.request), e)  # type: ignore[no-any-return]

    def handle_http_exception(self, e: HTTPException) -> HTTPException | ResponseReturnValue:
        """Handle an HTTP error with its registered handler, or return it."""
        ctx = self._current()
        return handle_http_exception_sync(self, ctx, self._pipeline_for(ctx.request), e)  # type: ignore[no-any-return]

    def handle_exception(self, e: Exception) -> Response:
        """Handle an exception no handler took: a 500 response, or re-raise
        it when ``PROPAGATE_EXCEPTIONS`` (or testing, or debug) is on."""
        return handle_exception_sync(self, self._current(), e)

    def trap_http_exception(self, e: Exception) -> bool:
        """Whether the HTTP error ``e`` should propagate like any exception
        instead of becoming its response (``TRAP_HTTP_EXCEPTIONS``,
        ``TRAP_BAD_REQUEST_ERRORS``; key errors trap in debug mode)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return isinstance(e, BadRequest)
        return False

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether ``error`` is hidden from the teardown functions (never, by default)."""
        return False

    def log_exception(
        self,
        exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> None:
        """Log an unhandled exception (before the 500 response) on :attr:`logger`."""
        req_ctx = _request_ctx()
        where = ""
        if req_ctx is not None:
            where = f" on {req_ctx.request.path} [{req_ctx.request.method}]"
        self.logger.error(f"Exception{where}", exc_info=exc_info)

    def raise_routing_exception(self, request: Request) -> NoReturn:
        """Raise the request's routing error (404, 405 or a redirect).

        In debug mode, a redirect that would make the browser drop the
        request's body (301 or 302 for a POST, after a rule's redirect code
        was changed from 308) raises
        :class:`~erlen.debughelpers.FormDataRoutingRedirect` instead, which
        names the canonical URL.
        """
        exc = request.routing_exception
        assert exc is not None
        if (
            self.debug
            and isinstance(exc, RequestRedirect)
            and exc.code not in (307, 308)
            and request.method not in ("GET", "HEAD", "OPTIONS")
        ):
            from .debughelpers import FormDataRoutingRedirect

            raise FormDataRoutingRedirect(request)
        raise exc

    def make_default_options_response(self) -> Response:
        """The response to an automatic ``OPTIONS`` request: empty, with
        ``Allow`` listing the URL's methods."""
        ctx = self._current()
        adapter: Any = ctx.url_adapter
        allowed = getattr(adapter, "allowed_methods", None)
        if allowed is not None:
            methods = allowed()
        else:
            rule: Any = ctx.request.url_rule
            methods = sorted(rule.methods or ())
        rv = self.response_class()
        rv.allow.update(methods)
        return rv

    def do_teardown_request(self, exc: BaseException | None = _MISSING) -> None:
        """Run the ``teardown_request`` functions of the current request and
        send ``request_tearing_down``."""
        if exc is _MISSING:
            exc = sys.exc_info()[1]
        teardown_request_sync(self, self._current(), exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _MISSING) -> None:
        """Run the ``teardown_appcontext`` functions and send
        ``appcontext_tearing_down``."""
        if exc is _MISSING:
            exc = sys.exc_info()[1]
        teardown_appcontext_sync(self, exc)

    # -- responses ------------------------------------------------------------------

    def make_response(self, rv: Any) -> Response:
        """Turn a view's return value into a :attr:`response_class` object.

        ``str``/``bytes`` become the body (HTML), a ``dict`` or ``list`` JSON,
        an iterator or async iterator a streamed body; a tuple adds the status and/or headers:
        ``(body, status)``, ``(body, headers)``, ``(body, status, headers)``.
        A response object is used as is; an HTTP error becomes its response;
        any other WSGI application is called for the request and its answer
        used (:meth:`Response.force_type <erlen.http.response.Response.force_type>`).
        """
        response_class = self.response_class
        # PERF: the common cases skip every isinstance check below.
        kind = type(rv)
        if kind is str:
            if response_class is Response:
                # PERF: erlen's own class with a text body goes straight to
                # the toolkit's initializer (0.1 µs less).
                response = _new_response(Response)
                _base_response_init(response, rv)
                return response
            return response_class(rv)
        if kind is dict:
            provider = self.json
            if (
                response_class is Response
                and type(provider).response is _PROVIDER_RESPONSE
                and "response" not in provider.__dict__
            ):
                # PERF: what DefaultJSONProvider.response does, with erlen's
                # own class built as for a text body above (0.3 µs less).
                body = provider._response_body(rv)
                response = _new_response(Response)
                _base_response_init(response, body, None, None, provider.mimetype)
                return response
            return provider.response(rv)
        status: Any = None
        headers: Any = None
        # PERF: isinstance gets tuples of types on per-request paths, not
        # ``A | B`` unions, which are built anew on every call (25-35 ns each).
        if isinstance(rv, tuple):
            size = len(rv)
            if size == 3:
                rv, status, headers = rv
            elif size == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    f"The view function for {self._endpoint_name()!r} did not return a valid"
                    " response tuple. The tuple must be (body, status, headers),"
                    " (body, status) or (body, headers)."
                )
        if rv is None:
            raise TypeError(
                f"The view function for {self._endpoint_name()!r} did not return a valid"
                " response. The function either returned None or ended without a"
                " return statement."
            )
        if not isinstance(rv, response_class):
            # PERF: the ABC checks (Iterator, AsyncIterator) come last: an
            # HTTP error (every 404) skipped them, 0.5 µs.
            if isinstance(rv, (str, bytes, bytearray)):
                rv = response_class(rv, status=status, headers=headers)
                status = headers = None
            elif isinstance(rv, HTTPException):
                req_ctx = _request_ctx()
                request = req_ctx.request if req_ctx is not None else None
                if (
                    rv.response is None
                    and type(rv).get_response is _STOCK_GET_RESPONSE
                    and response_class.__init__ is _APP_RESPONSE_INIT
                ):
                    # PERF: the page is built as the app's class; retyping
                    # the toolkit's response would make CPython materialize
                    # its instance dict (a 404: 2.4k instructions).
                    rv = rv._page_response(response_class, request)
                else:
                    rv = self._coerce_response(rv.get_response(request))
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, BaseResponse):
                rv = self._coerce_response(rv)
            elif isinstance(rv, (Iterator, AsyncIterator)):
                rv = response_class(rv, status=status, headers=headers)
                status = headers = None
            elif callable(rv):
                # COMPAT(flask): a WSGI application (another framework's
                # response object, a mounted app) is called for this request
                # and its answer becomes the response.
                req_ctx = _request_ctx()
                if req_ctx is None:
                    raise TypeError(
                        "A view returned a WSGI application outside a request: there is"
                        " no environ to call it with."
                    )
                rv = response_class.force_type(rv, req_ctx.request.environ)
            else:
                raise TypeError(
                    f"The view function for {self._endpoint_name()!r} did not return a valid"
                    " response. The return type must be a string, bytes, dict, list,"
                    " iterator, tuple with headers or status, Response instance, or WSGI"
                    f" callable, but it was a {type(rv).__name__}."
                )
        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status if isinstance(status, str) else status.decode("latin-1")
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)
        return rv  # type: ignore[no-any-return]

    def _coerce_response(self, response: BaseResponse) -> Response:
        response_class = self.response_class
        if isinstance(response, response_class):
            return response
        try:
            response.__class__ = response_class
        except TypeError:
            new = response_class(
                response.response, response.status, response.headers, direct_passthrough=True
            )
            new.call_on_close(response.close)
            return new
        return response  # type: ignore[return-value]

    @staticmethod
    def _endpoint_name() -> str | None:
        req_ctx = _request_ctx()
        if req_ctx is None:
            return None
        return req_ctx.request.endpoint

    def redirect(self, location: str, code: int = 302) -> Response:
        """A response redirecting to ``location`` (302 by default)."""
        return _build_redirect(location, code, self.response_class)  # type: ignore[return-value]

    # -- URL building ---------------------------------------------------------------

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """Bind :attr:`url_map` to ``request``, or, outside a request, to
        ``SERVER_NAME``/``APPLICATION_ROOT``/``PREFERRED_URL_SCHEME`` (None
        without ``SERVER_NAME``)."""
        config = self.config
        if request is not None:
            trusted = config["TRUSTED_HOSTS"]
            if trusted is not None:
                request.trusted_hosts = trusted
                request.host  # noqa: B018  raises SecurityError for an untrusted host
            subdomain: str | None = None
            server_name = config["SERVER_NAME"]
            if self.url_map.host_matching:
                server_name = None
            elif not self.subdomain_matching:
                subdomain = self.url_map.default_subdomain or ""
            return self.url_map.bind_to_request(
                request, server_name=server_name, subdomain=subdomain
            )
        if config["SERVER_NAME"] is not None:
            return self.url_map.bind(
                config["SERVER_NAME"],
                script_name=config["APPLICATION_ROOT"],
                url_scheme=config["PREFERRED_URL_SCHEME"],
            )
        return None

    def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        """Let the ``url_defaults`` functions of the app and of the endpoint's
        blueprints fill in ``values``."""
        if not self.url_default_functions:
            return  # PERF: most apps register none
        scopes: Iterable[str | None] = (None,)
        if "." in endpoint:
            scopes = (None, *reversed(blueprint_chain(endpoint)))
        for scope in scopes:
            for func in self.url_default_functions.get(scope, ()):
                func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, Any]
    ) -> str:
        """Ask the :attr:`url_build_error_handlers` for a URL; re-raise the
        :class:`~erlen.routing.BuildError` when none gives one."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e
            else:
                if rv is not None:
                    return rv
        raise error

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """Build the URL of ``endpoint`` with ``values``.

        Inside a request, URLs are relative to the host (``_external=True``
        for a full URL) and ``".view"`` names a view of the current blueprint.
        Outside one, ``SERVER_NAME`` must be set and URLs are external.
        Values that are not rule arguments become the query string.
        """
        req_ctx = _request_ctx()
        url_adapter: MapAdapter | None
        if req_ctx is not None:
            url_adapter = req_ctx.url_adapter
            if endpoint[:1] == ".":
                blueprint = req_ctx.request.blueprint
                endpoint = f"{blueprint}{endpoint}" if blueprint is not None else endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            app_ctx = _cv_app_get(None)
            if app_ctx is not None and app_ctx.app is self:
                url_adapter = app_ctx.url_adapter
            else:
                url_adapter = self.create_url_adapter(None)
            if _external is None:
                _external = True
        if url_adapter is None:
            raise RuntimeError(
                "Unable to build URLs outside an active request without 'SERVER_NAME'"
                " configured. Also configure 'APPLICATION_ROOT' and"
                " 'PREFERRED_URL_SCHEME' as needed."
            )
        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")

        self.inject_url_defaults(endpoint, values)
        try:
            rv: str = url_adapter.build(
                endpoint,
                values,
                method=_method,
                url_scheme=_scheme,
                force_external=_external,
            )
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            rv = f"{rv}#{_url_quote(_anchor, safe=_ANCHOR_SAFE)}"
        return rv

    # -- serving ---------------------------------------------------------------------

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI application: build the request, run the pipeline, send
        the response. ``app.wsgi_app`` is what WSGI middleware wraps::

            app.wsgi_app = ProxyFix(app.wsgi_app)
        """
        if not self._serving_started and self.before_serving_funcs:
            # WSGI has no startup event: before_serving runs before the first request.
            run_before_serving_sync(self)
        try:
            # PERF: arguments by position (a keyword costs a dict here).
            request = request_from_environ(environ, self.request_class, self.config["PROXY_FIX"])
        except HTTPException as e:
            # A request the adapter cannot even build (a path that is not
            # UTF-8) gets its 4xx without entering the pipeline.
            return start_response_and_body(e.get_response(), environ, start_response)
        ctx = RequestContext(self, request)
        # The response is started before the teardown, as in Flask.
        return handle_request_sync(
            self, ctx, environ.get("erlen.preserve_context"), environ, start_response
        )

    def __call__(self, first: Any = _MISSING, second: Any = _MISSING, *rest: Any) -> Any:
        """``app(environ, start_response)`` runs the app as WSGI;
        ``app(scope, receive, send)`` as ASGI."""
        # PERF: named parameters, not *args: a WSGI call builds and unpacks
        # no argument tuple (0.18 -> 0.11 µs for this call).
        if second is not _MISSING:
            if not rest:
                return self.wsgi_app(first, second)
            if len(rest) == 1:
                serve = _asgi_serve
                replaced = self.__dict__
                if (
                    serve is not None
                    and "asgi_app" not in replaced
                    and "wsgi_app" not in replaced
                    and type(self).asgi_app is _ASGI_APP
                ):
                    # PERF: asgi_app not wrapped or overridden: hand the server
                    # erlen.asgi's coroutine itself, two coroutine frames fewer
                    # per request (hello world 13.9 -> 13.2 µs). No WSGI
                    # middleware on wsgi_app either, which asgi_app would
                    # send HTTP requests through (checked here, once).
                    if first["type"] == "http":
                        # serve_directly's own choice, without its frame.
                        return _asgi_serve_http(self, first, second, rest[0])  # type: ignore[misc]
                    return serve(self, first, second, rest[0])
                return self.asgi_app(first, second, rest[0])
        count = (first is not _MISSING) + (second is not _MISSING) + len(rest)
        raise TypeError(
            "An Erlen app is called as app(environ, start_response) (WSGI) or"
            f" app(scope, receive, send) (ASGI), not with {count} arguments."
        )

    async def asgi_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI 3 application (HTTP, WebSocket and lifespan; see
        :mod:`erlen.asgi`). ``app.asgi_app`` is what ASGI middleware wraps::

            app.asgi_app = SomeASGIMiddleware(app.asgi_app)
        """
        global _asgi_serve, _asgi_serve_http
        # PERF: the ASGI side (and asyncio) loads on the first ASGI call.
        from .asgi import asgi_app as serve_asgi
        from .asgi import serve_directly, serve_http

        _asgi_serve_http = serve_http
        _asgi_serve = serve_directly
        await serve_asgi(self, scope, receive, send)

    if sys.version_info < (3, 12):
        # COMPAT(asgi): on 3.11, inspect.iscoroutinefunction (hypercorn's and
        # daphne's ASGI 3 test) is true for a function-like object whose code
        # is a coroutine's; these make the app one (see the end of the module).
        __code__ = _asgi_signature.__code__
        __defaults__ = None
        __kwdefaults__ = None
        __name__ = property(lambda self: self.name)

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: Any,
    ) -> None:
        """Run the development server (never in production)::

            if __name__ == "__main__":
                app.run(debug=True)

        ``.erlenenv`` and ``.env`` are loaded first (unless ``load_dotenv``
        is false or ``ERLEN_SKIP_DOTENV`` is set), and ``ERLEN_DEBUG`` sets
        :attr:`debug`; a ``debug`` argument wins over both. ``host`` and
        ``port`` default to ``SERVER_NAME``'s, else ``127.0.0.1:5000``.
        ``options`` go to :func:`erlen.serving.run_simple` (the reloader and
        the debugger follow :attr:`debug` unless given). Under the ``erlen``
        command line the call is ignored, with a warning.
        """
        from . import cli
        from .serving import is_running_from_reloader, run_simple

        if os.environ.get("ERLEN_RUN_FROM_CLI") == "true":
            # `erlen run` serves the app itself, and any other command would
            # block: an app.run() outside a __main__ guard must not serve.
            if not is_running_from_reloader():
                import click

                click.secho(
                    " * Ignoring a call to 'app.run()' that would block the current"
                    " 'erlen' command.\n"
                    "   Only call 'app.run()' in an 'if __name__ == \"__main__\"' guard.",
                    fg="red",
                    err=True,
                )
            return
        if get_load_dotenv(load_dotenv):
            cli.load_dotenv()
            # COMPAT(flask): the environment (or a dotenv file) sets debug
            # mode only when the variable is there at all.
            if "ERLEN_DEBUG" in os.environ or "FLASK_DEBUG" in os.environ:
                self.debug = get_debug_flag()
        if debug is not None:
            self.debug = bool(debug)
        server_name = self.config.get("SERVER_NAME")
        default_host, _, default_port = (server_name or "").partition(":")
        host = host or default_host or "127.0.0.1"
        port = int(port) if port is not None else int(default_port or 5000)
        options.setdefault("use_reloader", self.debug)
        options.setdefault("use_debugger", self.debug)
        options.setdefault("threaded", True)
        cli.show_server_banner(self.debug, self.name)
        run_simple(host, port, self, **options)

    def _asgi_serves_websocket(self, environ: WSGIEnvironment) -> bool:
        """Whether the ASGI side answers the WebSocket handshake in ``environ``:
        the development server asks, and sends the others to the WSGI side
        (see :meth:`_websocket_view_kind`; a URL with no WebSocket rule may be
        a WSGI middleware's, such as Flask-SocketIO's)."""
        return self._websocket_view_kind(self.request_class(environ)) == "asgi"

    def _websocket_view_kind(self, request: Request) -> str | None:
        """Who answers the WebSocket handshake of ``request``: ``"asgi"`` for
        the ``async def`` handlers of :meth:`websocket` (and the ASGI side's
        redirects), ``"wsgi"`` for a plain function on a ``websocket=True``
        rule (a WSGI view that takes the connection itself: Flask-Sock's
        routes), None when no WebSocket rule has the URL."""
        try:
            adapter = self.create_url_adapter(request)
            if adapter is None:
                return "asgi"  # an overridden create_url_adapter: as before
            rule, _ = adapter.match(return_rule=True, websocket=True)
        except RequestRedirect:
            return "asgi"  # the ASGI side answers with the redirect, as before
        except HTTPException:
            return None
        view = self.view_functions.get(rule.endpoint)
        return "asgi" if view is None or is_async_callable(view) else "wsgi"


# COMPAT(asgi): servers tell ASGI 3 from ASGI 2 (or from WSGI) by asking
# whether the app, or its __call__, is a coroutine function; Erlen.__call__
# must stay sync for WSGI. uvicorn and asgiref accept asyncio's marker on
# __call__; inspect (hypercorn, daphne) accepts the mark of 3.12+, and on
# 3.11 a function-like object whose __code__ is a coroutine's.
#: The ``__call__`` functions of objects that serve both protocols (the app,
#: erlen.middleware's classes), marked for the servers' ASGI 3 test.
_DUAL_PROTOCOL_CALLS: list[Callable[..., Any]] = []


def mark_dual_protocol(call: Callable[..., Any]) -> None:
    """Make servers take objects whose class has this sync ``__call__``
    (WSGI with two arguments, ASGI with three) for ASGI 3 applications.

    On Python 3.11 the class also needs, in its body, the function-like
    attributes ``Erlen`` has under ``sys.version_info < (3, 12)``."""
    _DUAL_PROTOCOL_CALLS.append(call)
    if sys.version_info >= (3, 12):
        inspect.markcoroutinefunction(call)
    _mark_call_for_asyncio()


def _mark_call_for_asyncio() -> bool:
    """Put asyncio's coroutine marker on the dual-protocol ``__call__``
    functions once ``asyncio.coroutines`` is loaded; whether it was."""
    coroutines = sys.modules.get("asyncio.coroutines")
    marker = getattr(coroutines, "_is_coroutine", None)
    if marker is None:
        return False
    for call in _DUAL_PROTOCOL_CALLS:
        call._is_coroutine = marker  # type: ignore[attr-defined]
    return True


mark_dual_protocol(Erlen.__call__)


class _AsyncioWatch:
    """A finder that never finds anything: asyncio's package imports its
    submodules after ``asyncio.coroutines``, and the first such lookup marks
    ``Erlen.__call__`` and removes this watch."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        if name.startswith("asyncio.") and _mark_call_for_asyncio():
            with contextlib.suppress(ValueError):
                sys.meta_path.remove(_ASYNCIO_WATCH)


# PERF: asyncio (~10 ms) is not imported by `import erlen`, so its marker is
# set when asyncio loads (at once when it already has, as under a server).
_ASYNCIO_WATCH = _AsyncioWatch()
if not _mark_call_for_asyncio():
    sys.meta_path.insert(0, _ASYNCIO_WATCH)


def _call_context_processor(func: Callable[..., Any]) -> Any:
    """Call a template context processor from sync code (render_template)."""
    if not is_async_callable(func):
        return func()
    if not in_event_loop():
        return invoke_sync(func)
    # render_template() is sync, called here from an ``async def`` view on
    # the event loop: the processor cannot be awaited on that loop without
    # blocking it, so it runs to completion on a helper thread's loop.
    from .pipeline import run_coroutine_sync

    context = contextvars.copy_context()
    future = _helper_pool().submit(run_coroutine_sync, func(), context, on_serving_loop=False)
    return future.result()


_helper: concurrent.futures.ThreadPoolExecutor | None = None


def _helper_pool() -> concurrent.futures.ThreadPoolExecutor:
    global _helper
    if _helper is None:
        from concurrent.futures import ThreadPoolExecutor

        _helper = ThreadPoolExecutor(1, thread_name_prefix="erlen-templates")
    return _helper


# COMPAT(flask): extensions (Flask-RESTful among them) wrap these methods on
# the app; the pipeline calls a replacement instead of its own step.
# The app methods a routing error passes through when it is raised.
_ROUTING_PATH = (
    "raise_routing_exception",
    "handle_user_exception",
    "trap_http_exception",
    "handle_http_exception",
)
_PLAIN_ROUTING: dict[type[Erlen], bool] = {}

#: The hook registries the frozen chains are built from (build_pipeline,
#: build_websocket_pipeline): a change to one drops the chains.
_FROZEN_HOOKS = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "url_value_preprocessors",
    "before_websocket_funcs",
    "after_websocket_funcs",
)

#: Erlen's own asgi_app: __call__ skips it when neither wrapped nor overridden.
_ASGI_APP = Erlen.asgi_app
#: Erlen's own create_url_adapter: request contexts build the adapter lazily
#: when it is not overridden.
_CREATE_URL_ADAPTER = Erlen.create_url_adapter
# A subclass override or a later patch of the class (a test's monkeypatch)
# makes a request context match through the adapter it returns.
Erlen._erlen_create_url_adapter = _CREATE_URL_ADAPTER

#: COMPAT(flask): the steps of Flask's full_dispatch_request an app may
#: replace on a subclass or on the instance (Frozen-Flask sets
#: app.dispatch_request; a subclass may override process_response). The
#: pipeline runs Erlen's own steps inline; with one replaced, it calls each
#: step through the app, as Flask does.
_STEPS = (
    "full_dispatch_request",
    "preprocess_request",
    "dispatch_request",
    "finalize_request",
    "process_response",
)

_OVERRIDABLE: dict[str, Any] = {
    name: getattr(Erlen, name)
    for name in ("handle_exception", "handle_user_exception", "handle_http_exception", *_STEPS)
}


class _ReplaceableStep:
    """One of Erlen's _STEPS methods as a data descriptor: assigning it on an
    app (``app.dispatch_request = f``) keeps ``f`` on the instance and turns
    on the app's ``_steps_replaced``, so the pipeline calls ``f``."""

    __slots__ = ("func", "name")

    def __init__(self, name: str, func: Callable[..., Any]) -> None:
        self.name = name
        self.func = func

    def __get__(self, instance: Erlen | None, owner: type | None = None) -> Any:
        if instance is None:
            return self.func
        replacement = instance.__dict__.get(self.name)
        if replacement is not None:
            return replacement
        return MethodType(self.func, instance)

    def __set__(self, instance: Erlen, value: Any) -> None:
        instance.__dict__[self.name] = value
        instance._steps_replaced = True

    def __delete__(self, instance: Erlen) -> None:
        try:
            del instance.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None
        instance._steps_replaced = type(instance)._class_replaces_steps or any(
            name in instance.__dict__ for name in _STEPS
        )


for _name in _STEPS:
    setattr(Erlen, _name, _ReplaceableStep(_name, _OVERRIDABLE[_name]))

__all__ = ["Erlen"]
