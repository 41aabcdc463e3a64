"""``Resource``: a :class:`~erlen.views.MethodView` whose handlers return data.

::

    class Todo(Resource):
        def get(self, todo_id):
            return todos[todo_id]                 # 200, JSON

        async def put(self, todo_id):
            todos[todo_id] = await load(request)
            return todos[todo_id], 201, {"X-Id": str(todo_id)}
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from erlen import current_app, request
from erlen.http.exceptions import MethodNotAllowed
from erlen.http.response import Response as BaseResponse
from erlen.views import MethodView, http_method_funcs

from .utils import unpack

__all__ = ["Resource"]

Representation = Callable[[Any, Any, Any], BaseResponse]


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


class Resource(MethodView):
    """A REST resource: define ``get``, ``post``, ``put``, ``delete``... (plain
    or ``async def``); each receives the URL's variables and returns ``data``,
    ``(data, status)``, ``(data, status, headers)`` or a response object.

    Register it with :meth:`Api.add_resource <erlen.ext.rest.Api.add_resource>`,
    which turns the data into a response in the client's preferred media type.
    A method the class does not define answers 405.
    """

    #: Representations used by this resource only, ``{mediatype: func}``,
    #: chosen by the ``Accept`` header before the Api's own.
    representations: ClassVar[Mapping[str, Representation] | None] = None

    #: Decorators applied to the handler on each request: a list for every
    #: method, or a dict from method name (``"get"``) to a list.
    method_decorators: ClassVar[
        list[Callable[..., Any]] | Mapping[str, list[Callable[..., Any]]]
    ] = []

    #: The endpoint name the :class:`~erlen.ext.rest.Api` registered this class
    #: under (set by ``add_resource``).
    endpoint: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.dispatch_request in (Resource.dispatch_request, Resource._dispatch_async):
            # PERF: the framework awaits an ``async def`` dispatch natively under
            # ASGI and keeps plain resources free of event-loop machinery.
            has_async = any(
                inspect.iscoroutinefunction(getattr(cls, name, None))
                for name in {*http_method_funcs, *(m.lower() for m in cls.methods or ())}
            )
            chosen = Resource._dispatch_async if has_async else Resource.dispatch_request
            cls.dispatch_request = chosen  # type: ignore[method-assign]

    def mediatypes(self) -> list[str]:
        """The media types the request accepts, best first. The Api that
        registers the class replaces this with one that appends its
        ``default_mediatype``."""
        return _sorted_accept()

    def _method_handler(self) -> Callable[..., Any]:
        method = request.method
        name = method.lower()
        # SECURITY: only HTTP handler names are looked up, so a request method
        # such as "__INIT__" cannot reach an arbitrary attribute.
        allowed = name in http_method_funcs or method in (self.methods or ())
        handler = getattr(self, name, None) if allowed else None
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None:
            # COMPAT(flask_restful): an assertion there (a 500); the client
            # asked for a method this resource lacks, so 405 with Allow.
            raise MethodNotAllowed(valid_methods=sorted(self.methods or ()))
        decorators = self.method_decorators
        if isinstance(decorators, Mapping):
            decorators = decorators.get(name, [])
        for decorator in decorators:
            handler = decorator(handler)
        return handler  # type: ignore[no-any-return]

    def _represent(self, rv: Any) -> Any:
        if isinstance(rv, BaseResponse):
            return rv
        representations = self.representations
        if not representations:
            return rv
        mediatype = request.accept_mimetypes.best_match(representations)
        if mediatype is None or mediatype not in representations:
            return rv
        data, code, headers = unpack(rv)
        response = representations[mediatype](data, code, headers)
        response.headers["Content-Type"] = mediatype
        return response

    def dispatch_request(self, *args: Any, **kwargs: Any) -> Any:
        """Call the handler for the request's method (through
        :attr:`method_decorators`) and apply :attr:`representations`.

        An ``async def`` handler is run to completion, so an override calling
        ``super().dispatch_request()`` always gets data back.
        """
        rv = self._method_handler()(*args, **kwargs)
        if inspect.isawaitable(rv):
            rv = current_app.ensure_sync(_await)(rv)
        return self._represent(rv)

    async def _dispatch_async(self, *args: Any, **kwargs: Any) -> Any:
        # The dispatch_request of classes with an ``async def`` handler.
        rv = self._method_handler()(*args, **kwargs)
        if inspect.isawaitable(rv):
            rv = await rv
        return self._represent(rv)


def _sorted_accept() -> list[str]:
    """The request's accepted media types, highest quality first (stable)."""
    ranked = sorted(request.accept_mimetypes, key=lambda item: item[1], reverse=True)
    return [value for value, _quality in ranked]
