"""Class-based views: :class:`View` and :class:`MethodView`.

Subclass :class:`View`, implement :meth:`View.dispatch_request`, and register
``YourView.as_view("name")`` as a view function. :class:`MethodView` goes one
step further and calls the method named after the HTTP method::

    class UserAPI(MethodView):
        def get(self, id):
            return {"id": id}

        async def delete(self, id):
            await remove_user(id)
            return "", 204

    app.add_url_rule("/users/<int:id>", view_func=UserAPI.as_view("user"))

``async def`` handlers work: the view function :meth:`View.as_view` returns is
itself ``async def`` when the class has one, so the framework awaits it
natively under ASGI and runs it on its event loop under WSGI; a class with
only plain handlers gives a plain function, with no event-loop machinery.
In a class that mixes both, the plain handlers are called from the async view,
on the event loop: keep them quick, or make them ``async def`` as well. Plain
decorators in :attr:`View.decorators` (written for sync views) work on such a
view: they return its coroutine, and the framework awaits what a view returns.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection
from typing import Any, ClassVar

from .globals import current_app, request
from .http.exceptions import MethodNotAllowed
from .typing import ResponseReturnValue, RouteCallable

__all__ = ["MethodView", "View", "http_method_funcs"]

#: The handler names :class:`MethodView` looks for to compute ``methods``.
http_method_funcs: frozenset[str] = frozenset(
    ["get", "post", "head", "options", "delete", "put", "trace", "patch"]
)


class View:
    """A view written as a class: implement :meth:`dispatch_request`.

    :meth:`as_view` turns the class into a view function. By default every
    request gets a fresh instance, so ``self`` can hold per-request state;
    set :attr:`init_every_request` to ``False`` to build one instance up front
    and reuse it (faster, but then ``self`` must not hold request data).
    """

    #: The methods this view answers, e.g. ``["GET", "POST"]``; used by
    #: ``add_url_rule`` when the rule itself does not give any.
    methods: ClassVar[Collection[str] | None] = None

    #: Whether the app should answer OPTIONS for this view by itself. ``None``
    #: uses the app's ``PROVIDE_AUTOMATIC_OPTIONS`` setting.
    provide_automatic_options: ClassVar[bool | None] = None

    #: Decorators applied to the view function :meth:`as_view` builds, first
    #: one innermost, exactly as if listed bottom-up above a function.
    decorators: ClassVar[list[Callable[..., Any]]] = []

    #: Create a new instance for each request (the default), or build one in
    #: :meth:`as_view` and share it between requests and threads.
    init_every_request: ClassVar[bool] = True

    def dispatch_request(self, **kwargs: Any) -> ResponseReturnValue:
        """Handle the request; ``kwargs`` are the URL's variables.

        May be ``async def``. Returns anything a view function may return.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement dispatch_request() to be used as a view"
        )

    @classmethod
    def _entry_point(cls) -> tuple[str, bool]:
        """Name of the method the view function calls, and whether to await it."""
        return "dispatch_request", inspect.iscoroutinefunction(cls.dispatch_request)

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> RouteCallable:
        """Return a view function for this class, to pass to ``add_url_rule``.

        ``name`` becomes the function's ``__name__`` and so the endpoint's
        default name. ``class_args`` and ``class_kwargs`` go to the
        constructor. The function carries ``view_class``, ``methods`` and
        ``provide_automatic_options`` for the routing code.
        """
        entry, is_async = cls._entry_point()
        view: Callable[..., Any]

        # PERF: four separate closures so that each request does no branching
        # and the sync ones never touch a coroutine.
        if cls.init_every_request:
            # COMPAT(flask): the class is read from the view function on each
            # request, so code (a test) may set ``view.view_class`` to another
            # class after as_view(); ``view`` names the final, decorated
            # function, which carries the attribute.
            if is_async:

                async def view(**kwargs: Any) -> Any:
                    view_class = view.view_class  # type: ignore[attr-defined]
                    if view_class is not cls:
                        return await _call_replaced_async(
                            view_class, class_args, class_kwargs, kwargs
                        )
                    return await getattr(cls(*class_args, **class_kwargs), entry)(**kwargs)

            else:

                def view(**kwargs: Any) -> Any:
                    view_class = view.view_class  # type: ignore[attr-defined]
                    if view_class is not cls:
                        return _call_replaced(view_class, class_args, class_kwargs, kwargs)
                    return getattr(cls(*class_args, **class_kwargs), entry)(**kwargs)

        else:
            bound = getattr(cls(*class_args, **class_kwargs), entry)
            if is_async:

                async def view(**kwargs: Any) -> Any:
                    return await bound(**kwargs)

            else:

                def view(**kwargs: Any) -> Any:
                    return bound(**kwargs)

        if cls.decorators:
            # Decorators that copy metadata (functools.wraps) must see the
            # final name and module, not the closure's.
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)

        rv: Any = view
        rv.view_class = cls
        rv.__name__ = name
        rv.__doc__ = cls.__doc__
        rv.__module__ = cls.__module__
        rv.methods = cls.methods
        rv.provide_automatic_options = cls.provide_automatic_options
        return rv  # type: ignore[no-any-return]


def _call_replaced(
    view_class: type[View], args: tuple[Any, ...], kwargs: dict[str, Any], view_args: dict[str, Any]
) -> Any:
    """Dispatch to ``view_class``, which replaced the class of a sync view."""
    entry, is_async = view_class._entry_point()
    handler = getattr(view_class(*args, **kwargs), entry)
    if is_async:
        from .globals import current_app

        handler = current_app.ensure_sync(handler)
    return handler(**view_args)


async def _call_replaced_async(
    view_class: type[View], args: tuple[Any, ...], kwargs: dict[str, Any], view_args: dict[str, Any]
) -> Any:
    """Dispatch to ``view_class``, which replaced the class of an async view."""
    rv = getattr(view_class(*args, **kwargs), view_class._entry_point()[0])(**view_args)
    if inspect.isawaitable(rv):
        rv = await rv
    return rv


class MethodView(View):
    """A view that calls the method named after the request's HTTP method.

    ``GET`` calls ``get()``, ``POST`` calls ``post()``, and so on; ``HEAD``
    falls back to ``get()`` when there is no ``head()``. :attr:`methods` is
    computed from the handlers the class defines or inherits, so register it
    without ``methods=``. Handlers may be ``async def``.
    """

    _async_handlers: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" not in cls.__dict__:
            methods: set[str] = set()
            for base in cls.__bases__:
                inherited = getattr(base, "methods", None)
                if inherited:
                    methods.update(m.upper() for m in inherited)
            for name in http_method_funcs:
                if callable(getattr(cls, name, None)):
                    methods.add(name.upper())
            if methods:
                cls.methods = methods
        cls._async_handlers = frozenset(
            name
            for name in {*http_method_funcs, *(m.lower() for m in cls.methods or ())}
            if inspect.iscoroutinefunction(getattr(cls, name, None))
        )

    @classmethod
    def _entry_point(cls) -> tuple[str, bool]:
        if cls.dispatch_request is not MethodView.dispatch_request:
            return super()._entry_point()
        if cls._async_handlers:
            return "_dispatch_awaiting", True
        return "_dispatch_plain", False

    def _handler(self) -> Callable[..., Any]:
        method = request.method
        name = method.lower()
        # SECURITY: only HTTP handler names are looked up, so a request with a
        # method like "__INIT__" cannot reach an arbitrary attribute.
        allowed = name in http_method_funcs or method in (self.methods or ())
        handler = getattr(self, name, None) if allowed else None
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None:
            # COMPAT(flask): Flask fails an assertion here (a 500); a method the
            # class does not implement is the client's error, so answer 405.
            raise MethodNotAllowed(valid_methods=sorted(self.methods or ()))
        return handler  # type: ignore[no-any-return]

    def _dispatch_plain(self, **kwargs: Any) -> Any:
        return self._handler()(**kwargs)

    async def _dispatch_awaiting(self, **kwargs: Any) -> Any:
        rv = self._handler()(**kwargs)
        if inspect.isawaitable(rv):
            rv = await rv
        return rv

    def dispatch_request(self, **kwargs: Any) -> ResponseReturnValue:
        """Call the handler for the current request's method and return its result.

        An ``async def`` handler is run to completion through
        ``current_app.ensure_sync``, so an override calling
        ``super().dispatch_request()`` always gets a response value. Without
        an override, :meth:`as_view` awaits async handlers natively instead.
        """
        handler = self._handler()
        if inspect.iscoroutinefunction(handler):
            return current_app.ensure_sync(handler)(**kwargs)  # type: ignore[no-any-return]
        return handler(**kwargs)  # type: ignore[no-any-return]
