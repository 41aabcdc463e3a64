"""``Api``: registers resources on an app or a blueprint, turns their data
into responses by content negotiation, and answers their errors in JSON.

::

    app = Erlen(__name__)
    api = Api(app, prefix="/v1")

    @api.resource("/todos/<int:todo_id>")
    class Todo(Resource):
        def get(self, todo_id):
            return {"id": todo_id}
"""

from __future__ import annotations

import difflib
import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from erlen import Blueprint, current_app, make_response, request, url_for
from erlen.globals import app_ctx
from erlen.http.datastructures import Headers
from erlen.http.exceptions import (
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
)
from erlen.http.response import Response as BaseResponse
from erlen.signals import got_request_exception

from .representations import output_json
from .resource import Resource, _sorted_accept
from .utils import http_status_message, unpack

if TYPE_CHECKING:
    from erlen import Erlen
    from erlen.blueprints import BlueprintSetupState

__all__ = ["DEFAULT_REPRESENTATIONS", "Api"]

Representation = Callable[..., BaseResponse]
ErrorHandler = Callable[[Exception], Any]
R = TypeVar("R", bound=type[Resource])

#: The representations every Api starts with.
DEFAULT_REPRESENTATIONS: list[tuple[str, Representation]] = [("application/json", output_json)]

#: The converter parts of a rule (``<int:id>``), dropped to compare paths.
_RULE_VARIABLE = re.compile(r"<[^>]*>")


class Api:
    """The entry point: ``Api(app)``, or ``Api()`` then :meth:`init_app`.

    ``app`` may be an :class:`~erlen.Erlen` app or a
    :class:`~erlen.Blueprint` (the resources are then registered when the
    blueprint is, under its prefix and name).

    :param prefix: prepended to every URL, e.g. ``"/v1"``.
    :param default_mediatype: the media type sent when the ``Accept`` header
        matches no representation; ``None`` answers 406 instead.
    :param decorators: applied to every resource's view function.
    :param catch_all_404s: answer every 404 of the app (not only of this
        Api's URLs) with :meth:`handle_error`.
    :param serve_challenge_on_401: add ``WWW-Authenticate: Basic
        realm="..."`` (``HTTP_BASIC_AUTH_REALM``) to 401 responses.
    :param url_part_order: the order of the blueprint prefix (``b``), the Api
        prefix (``a``) and the resource URL (``e``) in the final URL.
    :param errors: a custom body per exception class name, e.g.
        ``{"UserExists": {"message": "...", "status": 409}}``.
    """

    def __init__(
        self,
        app: Erlen | Blueprint | None = None,
        prefix: str = "",
        default_mediatype: str | None = "application/json",
        decorators: Iterable[Callable[..., Any]] | None = None,
        catch_all_404s: bool = False,
        serve_challenge_on_401: bool = False,
        url_part_order: str = "bae",
        errors: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        #: ``{mediatype: func(data, code, headers)}``, in preference order.
        self.representations: dict[str, Representation] = dict(DEFAULT_REPRESENTATIONS)
        self.prefix = prefix
        self.default_mediatype = default_mediatype
        self.decorators: list[Callable[..., Any]] = list(decorators or [])
        self.catch_all_404s = catch_all_404s
        self.serve_challenge_on_401 = serve_challenge_on_401
        self.url_part_order = url_part_order
        self.errors: dict[str, Mapping[str, Any]] = dict(errors or {})
        #: The endpoint names (without blueprint prefix) of the resources.
        self.endpoints: set[str] = set()
        #: ``(resource, urls, options)`` for every :meth:`add_resource` call.
        self.resources: list[tuple[type[Resource], tuple[str, ...], dict[str, Any]]] = []
        self.app: Erlen | Blueprint | None = None
        self.blueprint: Blueprint | None = None
        self.blueprint_setup: BlueprintSetupState | None = None
        # The apps this Api registered on, with the blueprint state if any.
        self._targets: list[tuple[Erlen, BlueprintSetupState | None]] = []
        # Full endpoint names (with blueprint prefixes) on the apps.
        self._owned: set[str] = set()
        self._full_endpoint: dict[str, str] = {}
        if app is not None:
            self.app = app
            self.init_app(app)

    # -- setup ---------------------------------------------------------------------

    def init_app(self, app: Erlen | Blueprint) -> None:
        """Attach to ``app`` (an app, or a blueprint: deferred until it is
        registered). Resources added before and after are registered."""
        if isinstance(app, Blueprint):
            self.blueprint = app
            app.record(self._deferred_blueprint_init)
        else:
            self._init_app(app)

    def _deferred_blueprint_init(self, state: BlueprintSetupState) -> None:
        if not state.first_registration:
            raise ValueError(
                "A blueprint with an erlen.ext.rest Api can only be registered once:"
                " the Api holds one URL prefix and one endpoint name per resource."
            )
        self.blueprint_setup = state
        self._init_app(state.app, state)

    def _init_app(self, app: Erlen, state: BlueprintSetupState | None = None) -> None:
        if any(target is app and st is state for target, st in self._targets):
            return
        app.config.setdefault("ERROR_404_HELP", True)
        app.config.setdefault("BUNDLE_ERRORS", False)
        app.config.setdefault("RESTFUL_JSON", {})
        app.extensions.setdefault("rest", [])
        if self not in app.extensions["rest"]:
            app.extensions["rest"].append(self)
            # COMPAT(flask_restful): the app's handlers are wrapped, so errors
            # of this Api's endpoints (and routing 404/405 for its URLs) are
            # answered in JSON and every other request keeps the app's pages.
            app.handle_exception = functools.partial(  # type: ignore[method-assign]
                self.error_router, app.handle_exception
            )
            app.handle_user_exception = functools.partial(  # type: ignore[method-assign]
                self.error_router, app.handle_user_exception
            )
        self._targets.append((app, state))
        for resource, urls, options in self.resources:
            self._register_view(app, state, resource, urls, dict(options))

    def add_resource(self, resource: type[Resource], *urls: str, **kwargs: Any) -> None:
        """Register ``resource`` at ``urls`` (rules like ``"/user/<int:id>"``).

        ``endpoint`` names it (default: the class name in lower case);
        ``resource_class_args`` / ``resource_class_kwargs`` go to its
        constructor on each request; other options go to ``add_url_rule``.
        """
        self.resources.append((resource, urls, kwargs))
        for app, state in self._targets:
            self._register_view(app, state, resource, urls, dict(kwargs))

    def resource(self, *urls: str, **kwargs: Any) -> Callable[[R], R]:
        """Class decorator form of :meth:`add_resource`."""

        def decorator(cls: R) -> R:
            self.add_resource(cls, *urls, **kwargs)
            return cls

        return decorator

    def _complete_url(self, url_part: str, registration_prefix: str | None) -> str:
        parts = {"b": registration_prefix or "", "a": self.prefix or "", "e": url_part}
        return "".join(parts[key] for key in self.url_part_order if parts[key])

    def _register_view(
        self,
        app: Erlen,
        state: BlueprintSetupState | None,
        resource: type[Resource],
        urls: tuple[str, ...],
        options: dict[str, Any],
    ) -> None:
        endpoint: str = options.pop("endpoint", None) or resource.__name__.lower()
        class_args = tuple(options.pop("resource_class_args", ()))
        class_kwargs = dict(options.pop("resource_class_kwargs", None) or {})
        full_endpoint = endpoint
        if state is not None:
            full_endpoint = f"{state.name_prefix}.{state.name}.{endpoint}".lstrip(".")
        existing = app.view_functions.get(full_endpoint)
        if existing is not None:
            previous = getattr(existing, "view_class", None)
            if previous is not resource:
                what = previous.__name__ if previous else getattr(existing, "__name__", existing)
                raise ValueError(f"This endpoint ({endpoint}) is already set to the class {what}.")
        self.endpoints.add(endpoint)
        resource.mediatypes = self.mediatypes_method()  # type: ignore[method-assign,assignment]
        resource.endpoint = endpoint
        view = self.output(resource.as_view(endpoint, *class_args, **class_kwargs))
        for decorator in self.decorators:
            view = decorator(view)
        if state is not None:
            options.setdefault("subdomain", state.subdomain)
            defaults = dict(state.url_defaults)
            defaults.update(options.pop("defaults", None) or {})
            options["defaults"] = defaults
        prefix = state.url_prefix if state is not None else None
        for url in urls:
            app.add_url_rule(self._complete_url(url, prefix), full_endpoint, view, **options)
        self._owned.add(full_endpoint)
        self._full_endpoint.setdefault(endpoint, full_endpoint)

    def owns_endpoint(self, endpoint: str) -> bool:
        """Whether the app endpoint ``endpoint`` (with its blueprint prefix,
        if any) is one of this Api's resources."""
        return endpoint in self._owned

    # -- responses -----------------------------------------------------------------

    def output(self, resource: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a view function so that the data it returns becomes a response
        (through :meth:`make_response`); a response object passes as is."""
        if inspect.iscoroutinefunction(resource):

            @functools.wraps(resource)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                return self._to_response(await resource(*args, **kwargs))

            return async_wrapper

        @functools.wraps(resource)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            rv = resource(*args, **kwargs)
            if inspect.isawaitable(rv):
                # A sync decorator (Resource.decorators) around an async view
                # returned its coroutine; the framework awaits this one.
                return self._to_response_later(rv)
            return self._to_response(rv)

        return wrapper

    async def _to_response_later(self, awaitable: Awaitable[Any]) -> Any:
        return self._to_response(await awaitable)

    def _to_response(self, rv: Any) -> Any:
        if isinstance(rv, BaseResponse):
            return rv
        data, code, headers = unpack(rv)
        return self.make_response(data, code, headers=headers)

    def make_response(self, data: Any, *args: Any, **kwargs: Any) -> BaseResponse:
        """Represent ``data`` in the media type the client prefers among
        :attr:`representations` (else ``default_mediatype``). Positional and
        keyword arguments (status, headers) go to the representation.

        Raises :class:`~erlen.NotAcceptable` (406) when nothing matches and
        there is no default.
        """
        default: str | None = kwargs.pop("fallback_mediatype", None) or self.default_mediatype
        accept = request.accept_mimetypes
        if default is None:
            mediatype = accept.best_match(self.representations)
        else:
            mediatype = accept.best_match(self.representations, default)
        if mediatype is None:
            raise NotAcceptable()
        if mediatype in self.representations:
            response = self.representations[mediatype](data, *args, **kwargs)
            response.headers["Content-Type"] = mediatype
            return response
        if mediatype == "text/plain":
            code = args[0] if args else kwargs.get("code", 200)
            headers = args[1] if len(args) > 1 else kwargs.get("headers")
            response = make_response(str(data), code)
            if headers:
                response.headers.extend(headers)
            response.headers["Content-Type"] = "text/plain"
            return response
        # The default media type has no representation: a setup error.
        raise InternalServerError()

    def mediatypes(self) -> list[str]:
        """The media types of the request's ``Accept`` header, best first."""
        return _sorted_accept()

    def mediatypes_method(self) -> Callable[[Any], list[str]]:
        """A method for resources: the accepted media types, then the default."""

        def mediatypes(resource: Any) -> list[str]:
            rv = self.mediatypes()
            return [*rv, self.default_mediatype] if self.default_mediatype else rv

        return mediatypes

    def representation(self, mediatype: str) -> Callable[[Representation], Representation]:
        """Register ``func(data, code, headers) -> Response`` for ``mediatype``::

        @api.representation("application/xml")
        def xml(data, code, headers):
            return make_response(to_xml(data), code, headers)
        """

        def decorator(func: Representation) -> Representation:
            self.representations[mediatype] = func
            return func

        return decorator

    def url_for(self, resource: type[Resource], **values: Any) -> str:
        """The URL of ``resource`` (as :func:`erlen.url_for` with its endpoint)."""
        endpoint = self._full_endpoint.get(resource.endpoint)
        if endpoint is None:
            endpoint = resource.endpoint
            if self.blueprint is not None:
                endpoint = f"{self.blueprint.name}.{endpoint}"
        return url_for(endpoint, **values)

    def unauthorized(self, response: BaseResponse) -> BaseResponse:
        """Add the Basic challenge to a 401 ``response`` when
        ``serve_challenge_on_401`` is set."""
        if self.serve_challenge_on_401:
            realm = str(current_app.config.get("HTTP_BASIC_AUTH_REALM", "flask-restful"))
            # SECURITY: a quote in the configured realm must not end the value early.
            quoted = realm.replace("\\", "\\\\").replace('"', '\\"')
            response.headers["WWW-Authenticate"] = f'Basic realm="{quoted}"'
        return response

    # -- errors --------------------------------------------------------------------

    def error_router(self, original_handler: ErrorHandler, e: Exception) -> Any:
        """Answer ``e`` with :meth:`handle_error` when the request belongs to
        this Api, else (or when that fails) with ``original_handler``."""
        if self._has_fr_route():
            try:
                return self.handle_error(e)
            except Exception:
                # Propagation (testing/debug) and a failing representation
                # both land here: the app's own handling takes over.
                pass
        return original_handler(e)

    def _has_fr_route(self) -> bool:
        routing_error = request.routing_exception
        if isinstance(routing_error, MethodNotAllowed):
            return self._owns_path_for_other_methods(routing_error)
        if isinstance(routing_error, NotFound):
            return self.catch_all_404s
        rule = request.url_rule
        return rule is not None and self.owns_endpoint(rule.endpoint)

    def _owns_path_for_other_methods(self, error: MethodNotAllowed) -> bool:
        adapter = current_app.create_url_adapter(request)
        if adapter is None:
            return False
        for method in error.valid_methods or ():
            try:
                rule, _ = adapter.match(method=method, return_rule=True)
            except HTTPException:
                continue
            return self.owns_endpoint(rule.endpoint)
        return False

    def _propagate_exceptions(self) -> bool:
        propagate = current_app.config.get("PROPAGATE_EXCEPTIONS")
        if propagate is None:
            return bool(current_app.testing or current_app.debug)
        return bool(propagate)

    def handle_error(self, e: Exception) -> BaseResponse:
        """Turn ``e``, raised while handling one of this Api's requests, into
        a response: ``{"message": <description>}`` (or the ``abort()`` keyword
        arguments, or the :attr:`errors` entry) with the error's status and
        headers. Other exceptions are a 500, or propagate in testing/debug.
        """
        if not isinstance(e, HTTPException) and self._propagate_exceptions():
            raise e
        if got_request_exception.receivers:
            got_request_exception.send(app_ctx.app, exception=e)

        headers = Headers()
        if isinstance(e, HTTPException):
            if e.response is not None:
                # An error made with its own response is sent as it is.
                return e.get_response()
            code = e.code or 500
            description = e.description
            default_data: Any = {
                "message": description if description is not None else http_status_message(code)
            }
            for name, value in e.get_headers(request):
                if name.lower() not in ("content-type", "content-length"):
                    headers.add(name, value)
        else:
            code = 500
            default_data = {"message": http_status_message(code)}

        data = getattr(e, "data", default_data)
        if isinstance(data, Mapping):
            data = dict(data)

        if code >= 500:
            current_app.log_exception((type(e), e, e.__traceback__))

        custom = self.errors.get(type(e).__name__)
        if custom is not None:
            code = custom.get("status", 500)
            data = {**data, **custom} if isinstance(data, dict) else dict(custom)

        if (
            code == 404
            and isinstance(data, dict)
            and isinstance(request.routing_exception, NotFound)
            and current_app.config.get("ERROR_404_HELP", True)
        ):
            # Only for a URL that matched no rule: a resource's own 404 ("no
            # such user") has the right URL already.
            message = data.get("message")
            if message is None or isinstance(message, str):
                data["message"] = self._help_on_404(message)

        if code == 406 and self.default_mediatype is None:
            # Answer the 406 in a representation this Api has, or make_response
            # would raise NotAcceptable again.
            fallback = next(iter(self.representations), "text/plain")
            response = self.make_response(data, code, headers, fallback_mediatype=fallback)
        else:
            response = self.make_response(data, code, headers)

        if code == 401:
            response = self.unauthorized(response)
        return response

    def _help_on_404(self, message: str | None) -> str | None:
        # SECURITY: only this Api's own URLs are suggested (flask-restful
        # 0.3.8 listed every rule of the app, admin pages included).
        rules: dict[str, str] = {}
        for rule in current_app.url_map.iter_rules():
            if self.owns_endpoint(rule.endpoint):
                rules.setdefault(_RULE_VARIABLE.sub("", rule.rule), rule.rule)
        path = request.path
        matches = difflib.get_close_matches(path, list(rules))
        if not matches:
            return message
        lead = message.rstrip(".") + ". " if message else ""
        options = " or ".join(rules[match] for match in matches)
        return f"{lead}You have requested this URI [{path}] but did you mean {options} ?"
