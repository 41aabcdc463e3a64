"""Registration shared by :class:`~erlen.Erlen` and :class:`~erlen.Blueprint`.

Routes, request hooks, error handlers, URL processors and context processors
are recorded in dicts keyed by scope: ``None`` for the object itself, a dotted
blueprint name once a blueprint's registrations are merged into an app.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from functools import cached_property, update_wrapper
from typing import TYPE_CHECKING, Any, TypeVar

from .globals import _cv_app_get, current_app
from .helpers import get_root_path
from .http.exceptions import HTTPException, default_exceptions
from .pipeline import is_async_callable
from .typing import (
    AfterRequestCallable,
    AppOrBlueprintKey,
    BeforeRequestCallable,
    ErrorHandlerCallable,
    RouteCallable,
    TeardownCallable,
    TemplateContextProcessorCallable,
    URLDefaultCallable,
    URLValuePreprocessorCallable,
)

if TYPE_CHECKING:
    from jinja2 import BaseLoader

    from .wrappers import Response

F = TypeVar("F", bound=Callable[..., Any])
T_route = TypeVar("T_route", bound=RouteCallable)
T_before_request = TypeVar("T_before_request", bound=BeforeRequestCallable)
T_after_request = TypeVar("T_after_request", bound=AfterRequestCallable[Any])
T_teardown = TypeVar("T_teardown", bound=TeardownCallable)
T_template_context_processor = TypeVar(
    "T_template_context_processor", bound=TemplateContextProcessorCallable
)
T_url_defaults = TypeVar("T_url_defaults", bound=URLDefaultCallable)
T_url_value_preprocessor = TypeVar("T_url_value_preprocessor", bound=URLValuePreprocessorCallable)
T_error_handler = TypeVar("T_error_handler", bound=ErrorHandlerCallable)
T_websocket = TypeVar("T_websocket", bound=Callable[..., Any])
T_before_websocket = TypeVar("T_before_websocket", bound=Callable[[], Any])
T_after_websocket = TypeVar("T_after_websocket", bound=Callable[[Any], Any])

#: ``{scope: {code or None: {exception class: handler}}}``
ErrorHandlerSpec = dict[
    AppOrBlueprintKey, dict[int | None, dict[type[BaseException], ErrorHandlerCallable]]
]


def setupmethod(f: F) -> F:
    """Mark a registration method: calling it once setup is over (the app has
    handled a request, or the blueprint was registered) raises an error."""
    name = f.__name__

    def wrapper(self: Scaffold, *args: Any, **kwargs: Any) -> Any:
        self._check_setup_finished(name)
        return f(self, *args, **kwargs)

    return update_wrapper(wrapper, f)  # type: ignore[return-value]


def _endpoint_from_view_func(view_func: Callable[..., Any] | None) -> str:
    if view_func is None:
        raise AssertionError("A view function is needed when no endpoint is given.")
    return view_func.__name__


def _error_handler_key(
    code_or_exception: type[BaseException] | int,
) -> tuple[type[BaseException], int | None]:
    """Return ``(exception class, HTTP code or None)`` for an ``errorhandler``
    argument, refusing anything a handler cannot be registered for."""
    if isinstance(code_or_exception, int):
        try:
            exc_class: Any = default_exceptions[code_or_exception]
        except KeyError:
            raise ValueError(
                f"'{code_or_exception}' is not a recognised HTTP error code. Register the"
                " handler for a subclass of HTTPException with that code instead."
            ) from None
    else:
        exc_class = code_or_exception
    if isinstance(exc_class, BaseException):
        raise TypeError(
            f"{exc_class!r} is an instance, not a class. Handlers are registered for"
            " exception classes or HTTP error codes."
        )
    if not isinstance(exc_class, type) or not issubclass(exc_class, Exception):
        name = getattr(exc_class, "__name__", repr(exc_class))
        raise ValueError(
            f"'{name}' is not a subclass of Exception. Handlers are registered for"
            " exception classes or HTTP error codes."
        )
    if issubclass(exc_class, HTTPException):
        return exc_class, exc_class.code
    return exc_class, None


class Scaffold:
    """The registration API common to apps and blueprints (routes, hooks,
    error handlers, static files, templates folder, resources)."""

    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        #: The name of the package or module this object belongs to.
        self.import_name = import_name
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        #: The templates folder, relative to :attr:`root_path`.
        self.template_folder = template_folder
        if root_path is None:
            root_path = get_root_path(import_name)
        #: Absolute path of the folder that static, templates and resources are relative to.
        self.root_path = root_path

        #: Endpoint name to view function.
        self.view_functions: dict[str, RouteCallable] = {}
        self.error_handler_spec: ErrorHandlerSpec = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[AppOrBlueprintKey, list[BeforeRequestCallable]] = (
            defaultdict(list)
        )
        self.after_request_funcs: dict[AppOrBlueprintKey, list[AfterRequestCallable[Any]]] = (
            defaultdict(list)
        )
        self.teardown_request_funcs: dict[AppOrBlueprintKey, list[TeardownCallable]] = defaultdict(
            list
        )
        self.template_context_processors: dict[
            AppOrBlueprintKey, list[TemplateContextProcessorCallable]
        ] = defaultdict(list)
        self.url_value_preprocessors: dict[
            AppOrBlueprintKey, list[URLValuePreprocessorCallable]
        ] = defaultdict(list)
        self.url_default_functions: dict[AppOrBlueprintKey, list[URLDefaultCallable]] = defaultdict(
            list
        )
        self.before_websocket_funcs: dict[AppOrBlueprintKey, list[Callable[[], Any]]] = defaultdict(
            list
        )
        self.after_websocket_funcs: dict[AppOrBlueprintKey, list[Callable[[Any], Any]]] = (
            defaultdict(list)
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    # -- static files, templates and resources --------------------------------

    @property
    def static_folder(self) -> str | None:
        """Absolute path of the static files folder, or None."""
        if self._static_folder is None:
            return None
        return os.path.join(self.root_path, self._static_folder)

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip("\\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        """Whether a static folder is configured."""
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """URL prefix of the static route: the folder's name by default."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self.static_folder is not None:
            return f"/{os.path.basename(self.static_folder)}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """The ``max_age`` for :func:`send_file`: ``SEND_FILE_MAX_AGE_DEFAULT``
        (None means the browser revalidates every time). Override to vary it
        per file."""
        # PERF: the context variable, not the current_app proxy (1.7 -> 0.3 µs
        # per send_file); the proxy's error outside an app context stays.
        app_ctx = _cv_app_get(None)
        app = app_ctx.app if app_ctx is not None else current_app
        value = app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if hasattr(value, "total_seconds"):
            return int(value.total_seconds())
        return int(value)

    def send_static_file(self, filename: str) -> Response:
        """The view of the ``static`` route: serve ``filename`` from
        :attr:`static_folder`, never outside it."""
        folder = self.static_folder
        if folder is None:
            raise RuntimeError("'static_folder' must be set to serve static files.")
        from .files import send_from_directory

        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(folder, filename, max_age=max_age)

    @cached_property
    def jinja_loader(self) -> BaseLoader | None:
        """A Jinja loader for :attr:`template_folder`, or None without one."""
        if self.template_folder is None:
            return None
        from jinja2 import FileSystemLoader

        return FileSystemLoader(os.path.join(self.root_path, self.template_folder))

    def open_resource(self, resource: str, mode: str = "rb", encoding: str | None = None) -> Any:
        """Open ``resource`` (a path relative to :attr:`root_path`) for
        reading: ``with app.open_resource("schema.sql") as f: ...``"""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- routes ----------------------------------------------------------------

    def _method_route(
        self, method: str, rule: str, options: dict[str, Any]
    ) -> Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to pass the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    @setupmethod
    def get(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    @setupmethod
    def post(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    @setupmethod
    def put(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    @setupmethod
    def delete(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    @setupmethod
    def patch(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    @setupmethod
    def route(self, rule: str, **options: Any) -> Callable[[T_route], T_route]:
        """Register the decorated function as the view of ``rule``::

            @app.route("/user/<username>", methods=["GET", "POST"])
            def show_user(username): ...

        ``endpoint`` defaults to the function's name; the other options go to
        :meth:`add_url_rule` and the URL rule (``methods``, ``defaults``,
        ``strict_slashes``, ``subdomain``, ``host``, ...).
        """

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Register a URL rule (what :meth:`route` calls)."""
        raise NotImplementedError

    @setupmethod
    def websocket(self, rule: str, **options: Any) -> Callable[[T_websocket], T_websocket]:
        """Register the decorated ``async def`` function as the WebSocket
        handler of ``rule`` (served under ASGI; see :mod:`erlen.websocket`)::

            @app.websocket("/ws/<room>")
            async def chat(room):
                await websocket.accept()
                async for message in websocket:
                    await websocket.send(message)

        URL converters, ``endpoint`` and ``url_for`` (a ``ws://`` URL) work as
        for :meth:`route`. A plain HTTP request to the rule gets 426.
        """

        def decorator(f: T_websocket) -> T_websocket:
            self.add_websocket_rule(rule, options.pop("endpoint", None), f, **options)
            return f

        return decorator

    @setupmethod
    def add_websocket_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        """Register ``view_func`` (``async def``) as the WebSocket handler of
        ``rule``, like :meth:`websocket`."""
        if view_func is not None and not is_async_callable(view_func):
            name = getattr(view_func, "__name__", repr(view_func))
            raise TypeError(
                f"The WebSocket handler {name!r} must be an 'async def' function: it awaits"
                " websocket.receive() and websocket.send()."
            )
        if "methods" in options:
            raise TypeError("A WebSocket rule takes no 'methods': the handshake is a GET.")
        self.add_url_rule(
            rule,
            endpoint,
            view_func,
            provide_automatic_options=False,
            methods=["GET"],
            websocket=True,
            **options,
        )

    @setupmethod
    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Register the decorated function as the view of ``endpoint``, for a
        rule added with :meth:`add_url_rule` without a view."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- hooks -----------------------------------------------------------------

    @setupmethod
    def before_request(self, f: T_before_request) -> T_before_request:
        """Run ``f()`` before each request (on a blueprint: each request to
        it). A return value other than None is the response, and the view is
        not called."""
        self.before_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_request(self, f: T_after_request) -> T_after_request:
        """Run ``f(response)`` after each request; it returns the response
        to send (the same or a new one). Functions run in reverse order of
        registration, and not when an unhandled exception escaped the view."""
        self.after_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def teardown_request(self, f: T_teardown) -> T_teardown:
        """Run ``f(exc)`` when the request context is popped, whatever
        happened; ``exc`` is the unhandled exception or None. Return values
        are ignored; an error in one is logged and the others still run."""
        self.teardown_request_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def before_websocket(self, f: T_before_websocket) -> T_before_websocket:
        """Run ``f()`` (sync or ``async def``) before each WebSocket handler
        (on a blueprint: of its routes). A return value other than None is
        the response that refuses the handshake; the handler is not called."""
        self.before_websocket_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def after_websocket(self, f: T_after_websocket) -> T_after_websocket:
        """Run ``f(rv)`` after each WebSocket handler returned (not when it
        raised); ``rv`` is the refusal response or None, and ``f`` returns
        the value to use. Functions run in reverse order of registration."""
        self.after_websocket_funcs.setdefault(None, []).append(f)
        return f

    @setupmethod
    def context_processor(self, f: T_template_context_processor) -> T_template_context_processor:
        """Register ``f() -> dict`` whose items are added to every template's
        context (on a blueprint: templates rendered by its views)."""
        self.template_context_processors[None].append(f)
        return f

    @setupmethod
    def url_value_preprocessor(self, f: T_url_value_preprocessor) -> T_url_value_preprocessor:
        """Run ``f(endpoint, values)`` after matching and before the
        ``before_request`` functions; it may pop view arguments from
        ``values`` (to store them on ``g``, say)."""
        self.url_value_preprocessors[None].append(f)
        return f

    @setupmethod
    def url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Run ``f(endpoint, values)`` from :func:`url_for`, to fill in
        values (modify ``values`` in place)."""
        self.url_default_functions[None].append(f)
        return f

    @setupmethod
    def errorhandler(
        self, code_or_exception: type[BaseException] | int
    ) -> Callable[[T_error_handler], T_error_handler]:
        """Register the decorated function to handle an HTTP status code or
        an exception class::

            @app.errorhandler(404)
            def page_not_found(e):
                return "Nothing here", 404
        """

        def decorator(f: T_error_handler) -> T_error_handler:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @setupmethod
    def register_error_handler(
        self, code_or_exception: type[BaseException] | int, f: ErrorHandlerCallable
    ) -> None:
        """Register ``f`` for a code or exception class, like :meth:`errorhandler`."""
        exc_class, code = _error_handler_key(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f


__all__ = ["Scaffold", "setupmethod"]
