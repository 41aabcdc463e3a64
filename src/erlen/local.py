"""Context-local storage and proxies: ``Local``, ``LocalStack`` and ``LocalProxy``.

Values stored here are isolated per thread *and* per asyncio task, because they
live in :mod:`contextvars`: a new thread starts empty, a new task starts with a
snapshot of its creator's values, and writes never leak back to the creator.

:class:`LocalProxy` is how ``request``, ``session``, ``g`` and ``current_app``
look like ordinary objects while resolving to the current context's object on
every use::

    from contextvars import ContextVar
    from erlen.local import LocalProxy

    _cv_user: ContextVar[str] = ContextVar("user")
    user = LocalProxy(_cv_user, unbound_message="no user in this context")

:func:`release_local` and :class:`LocalManager` empty locals explicitly (at
the end of a request, say), as Werkzeug's do.
"""

from __future__ import annotations

import copy
import math
import operator
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from functools import update_wrapper
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

if TYPE_CHECKING:
    from erlen.http.wsgi import WSGIApplication

__all__ = ["Local", "LocalManager", "LocalProxy", "LocalStack", "release_local"]

T = TypeVar("T")

_DEFAULT_UNBOUND = "object is not bound"


class Local:
    """An attribute namespace whose values are private to the current context.

    ``local.user = "Alice"`` in one thread (or asyncio task) is invisible to
    another. Calling ``local("user")`` returns a :class:`LocalProxy` to that
    attribute.
    """

    __slots__ = ("_Local__storage",)

    def __init__(self, context_var: ContextVar[dict[str, Any]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"erlen.local.Local<{id(self):x}>")
        object.__setattr__(self, "_Local__storage", context_var)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self.__storage.get({}).items())

    def __call__(self, name: str, *, unbound_message: str | None = None) -> LocalProxy[Any]:
        """Return a proxy to the attribute ``name`` of this local."""
        return LocalProxy(self, name, unbound_message=unbound_message)

    def __release_local__(self) -> None:
        """Drop every value stored in the current context."""
        self.__storage.set({})

    def __getattr__(self, name: str) -> Any:
        values = self.__storage.get({})
        try:
            return values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        # The dict is copied, never mutated: a task sharing the parent's dict
        # through its context snapshot must not see this write.
        values = self.__storage.get({}).copy()
        values[name] = value
        self.__storage.set(values)

    def __delattr__(self, name: str) -> None:
        values = self.__storage.get({}).copy()
        try:
            del values[name]
        except KeyError:
            raise AttributeError(name) from None
        self.__storage.set(values)


class LocalStack(Generic[T]):
    """A last-in, first-out stack private to the current context.

    ``push`` and ``pop`` in one thread or asyncio task never affect the stack
    another one sees; ``top`` is the last pushed item, or ``None``.
    """

    __slots__ = ("_storage",)

    def __init__(self, context_var: ContextVar[list[T]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"erlen.local.LocalStack<{id(self):x}>")
        self._storage = context_var

    def __release_local__(self) -> None:
        """Empty the stack of the current context."""
        self._storage.set([])

    def push(self, obj: T) -> list[T]:
        """Push ``obj`` on the stack and return the new stack (a copy)."""
        stack = [*self._storage.get([]), obj]
        self._storage.set(stack)
        return stack[:]

    def pop(self) -> T | None:
        """Remove and return the top item, or ``None`` when the stack is empty."""
        stack = self._storage.get([])
        if not stack:
            return None
        self._storage.set(stack[:-1])
        return stack[-1]

    @property
    def top(self) -> T | None:
        """The item on top of the stack, or ``None`` when it is empty."""
        stack = self._storage.get([])
        return stack[-1] if stack else None

    def __call__(
        self, name: str | None = None, *, unbound_message: str | None = None
    ) -> LocalProxy[Any]:
        """Return a proxy to the top item (or to its attribute ``name``)."""
        return LocalProxy(self, name, unbound_message=unbound_message)


def release_local(local: Local | LocalStack[Any]) -> None:
    """Drop what ``local`` (a :class:`Local` or a :class:`LocalStack`) holds
    in the current context; other threads and tasks keep theirs."""
    local.__release_local__()


class LocalManager:
    """Releases a group of :class:`Local` and :class:`LocalStack` objects
    together: call :meth:`cleanup` at the end of each request, or wrap the
    WSGI application with :meth:`make_middleware` to have it done when the
    response is closed.

    ``locals`` is one local or stack, or an iterable of them.
    """

    __slots__ = ("locals",)

    def __init__(
        self,
        locals: Local | LocalStack[Any] | Iterable[Local | LocalStack[Any]] | None = None,
    ) -> None:
        self.locals: list[Local | LocalStack[Any]]
        if locals is None:
            self.locals = []
        elif isinstance(locals, Local | LocalStack):
            self.locals = [locals]
        else:
            self.locals = list(locals)

    def cleanup(self) -> None:
        """Release every managed local in the current context."""
        for local in self.locals:
            release_local(local)

    def make_middleware(self, app: WSGIApplication) -> WSGIApplication:
        """Wrap the WSGI application ``app`` so that :meth:`cleanup` runs
        when the server closes the response (after the body was sent)."""
        # Imported here: erlen.local needs the HTTP toolkit only for this.
        from erlen.http.wsgi import ClosingIterator

        def application(
            environ: dict[str, Any], start_response: Callable[..., Any]
        ) -> Iterable[bytes]:
            return ClosingIterator(app(environ, start_response), self.cleanup)

        return application

    def middleware(self, func: WSGIApplication) -> WSGIApplication:
        """:meth:`make_middleware` as a decorator of a WSGI application function."""
        return update_wrapper(self.make_middleware(func), func)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} storages: {len(self.locals)}>"


def _resolver(target: Any, name: str | None, unbound_message: str | None) -> Callable[[], Any]:
    message = _DEFAULT_UNBOUND if unbound_message is None else unbound_message
    pick: Callable[[Any], Any] = (lambda obj: obj) if name is None else operator.attrgetter(name)

    if isinstance(target, Local):
        if name is None:
            raise TypeError("LocalProxy needs a 'name' when it proxies a Local.")
        local = target

        def from_local() -> Any:
            try:
                return pick(local)
            except AttributeError:
                raise RuntimeError(message) from None

        return from_local

    if isinstance(target, LocalStack):
        stack = target

        def from_stack() -> Any:
            obj = stack.top
            if obj is None:
                raise RuntimeError(message)
            return pick(obj)

        return from_stack

    if isinstance(target, ContextVar):
        var = target

        def from_var() -> Any:
            try:
                obj = var.get()
            except LookupError:
                raise RuntimeError(message) from None
            return pick(obj)

        return from_var

    if callable(target):
        func = target
        if name is None:
            return func  # type: ignore[no-any-return]

        def from_callable() -> Any:
            return pick(func())

        return from_callable

    raise TypeError(f"LocalProxy cannot proxy {type(target).__name__!r}.")


def _fwd(func: Callable[..., Any], fallback: Callable[[Any], Any] | None = None) -> Any:
    """A method that applies ``func`` to the proxied object and the other arguments.

    With ``fallback``, an unbound proxy answers ``fallback(proxy)`` instead of raising.
    """
    if fallback is None:

        def method(self: LocalProxy[Any], *args: Any, **kwargs: Any) -> Any:
            return func(self._get_current_object(), *args, **kwargs)

    else:
        fb = fallback

        def method(self: LocalProxy[Any], *args: Any, **kwargs: Any) -> Any:
            try:
                obj = self._get_current_object()
            except RuntimeError:
                return fb(self)
            return func(obj, *args, **kwargs)

    return method


def _rfwd(func: Callable[[Any, Any], Any]) -> Any:
    """A reflected operator: ``other <op> proxied``."""

    def method(self: LocalProxy[Any], other: Any) -> Any:
        return func(other, self._get_current_object())

    return method


def _iop(func: Callable[[Any, Any], Any]) -> Any:
    """An in-place operator that keeps the proxy when the target changed in place."""

    def method(self: LocalProxy[Any], other: Any) -> Any:
        obj = self._get_current_object()
        result = func(obj, other)
        return self if result is obj else result

    return method


def _special(name: str) -> Any:
    """A method that calls the proxied object's own dunder ``name``."""

    def method(self: LocalProxy[Any], *args: Any, **kwargs: Any) -> Any:
        return getattr(self._get_current_object(), name)(*args, **kwargs)

    return method


class _ProxyClass:
    """``proxy.__class__`` is the proxied object's class, so ``isinstance`` works."""

    def __get__(self, instance: LocalProxy[Any] | None, owner: type[Any]) -> Any:
        if instance is None:
            return owner
        try:
            return type(instance._get_current_object())
        except RuntimeError:
            return type(instance)

    def __set__(self, instance: LocalProxy[Any], value: Any) -> None:
        instance._get_current_object().__class__ = value


class _ProxyDoc:
    """``proxy.__doc__`` is the proxied object's docstring."""

    def __get__(self, instance: LocalProxy[Any] | None, owner: type[Any]) -> Any:
        if instance is None:
            return LocalProxy._class_doc
        try:
            return instance._get_current_object().__doc__
        except RuntimeError:
            return LocalProxy._class_doc


class _ProxyWrapped:
    """``proxy.__wrapped__``: the proxied object's own ``__wrapped__`` (so
    :func:`inspect.unwrap` and :func:`inspect.signature` see through the
    proxy to a decorated function); while nothing is bound, the proxy's
    target (the context variable, ``Local``... it reads)."""

    def __get__(self, instance: LocalProxy[Any] | None, owner: type[Any]) -> Any:
        if instance is None:
            return self
        try:
            obj = instance._get_current_object()
        except RuntimeError:
            return instance._proxy_target
        # COMPAT(werkzeug): AttributeError when the object has none.
        return obj.__wrapped__

    def __set__(self, instance: LocalProxy[Any], value: Any) -> None:
        instance._get_current_object().__wrapped__ = value


class LocalProxy(Generic[T]):
    """Forwards every operation to the object that ``target`` currently points to.

    ``target`` is a :class:`~contextvars.ContextVar`, a :class:`Local` (with
    ``name``), a :class:`LocalStack` (its top item) or a callable returning the
    object. With ``name`` the proxy points to that attribute of the object.
    When nothing is bound, using the proxy raises :class:`RuntimeError` with
    ``unbound_message``; ``repr`` and ``bool`` say so without raising.

    ``_get_current_object()`` returns the real object, for passing it somewhere
    a proxy will not do (another thread, a signal sender, ``is`` comparisons).
    """

    __slots__ = ("_get_current_object", "_proxy_target")

    _class_doc = __doc__
    _get_current_object: Callable[[], T]
    _proxy_target: Any

    # The LocalStack overload comes first: a stack is also callable (it
    # returns a proxy), which would otherwise make T unsolvable.
    @overload
    def __init__(
        self: LocalProxy[T],
        target: LocalStack[T],
        name: None = None,
        *,
        unbound_message: str | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: LocalProxy[T],
        target: ContextVar[T],
        name: None = None,
        *,
        unbound_message: str | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: LocalProxy[T],
        target: Callable[[], T],
        name: None = None,
        *,
        unbound_message: str | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: LocalProxy[Any],
        target: ContextVar[Any] | Local | LocalStack[Any] | Callable[[], Any],
        name: str,
        *,
        unbound_message: str | None = None,
    ) -> None: ...
    def __init__(
        self,
        target: ContextVar[Any] | Local | LocalStack[Any] | Callable[[], Any],
        name: str | None = None,
        *,
        unbound_message: str | None = None,
    ) -> None:
        object.__setattr__(self, "_get_current_object", _resolver(target, name, unbound_message))
        object.__setattr__(self, "_proxy_target", target)

    __doc__ = _ProxyDoc()
    __wrapped__: Any = _ProxyWrapped()
    __class__ = _ProxyClass()

    def __repr__(self) -> str:
        try:
            obj = self._get_current_object()
        except RuntimeError:
            return f"<{type(self).__name__} unbound>"
        return repr(obj)

    def __bool__(self) -> bool:
        try:
            obj = self._get_current_object()
        except RuntimeError:
            return False
        return bool(obj)

    def __dir__(self) -> list[str]:
        try:
            obj = self._get_current_object()
        except RuntimeError:
            return []
        return dir(obj)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get_current_object(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._get_current_object(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._get_current_object(), name)

    def __hash__(self) -> int:
        return hash(self._get_current_object())

    __str__ = _fwd(str)
    __bytes__ = _fwd(bytes)
    __format__ = _fwd(format)
    __lt__ = _fwd(operator.lt)
    __le__ = _fwd(operator.le)
    __eq__ = _fwd(operator.eq)
    __ne__ = _fwd(operator.ne)
    __gt__ = _fwd(operator.gt)
    __ge__ = _fwd(operator.ge)
    __call__ = _fwd(lambda obj, *args, **kwargs: obj(*args, **kwargs))
    __len__ = _fwd(len)
    __length_hint__ = _fwd(operator.length_hint)
    __getitem__ = _fwd(operator.getitem)
    __setitem__ = _fwd(operator.setitem)
    __delitem__ = _fwd(operator.delitem)
    __iter__ = _fwd(iter)
    __next__ = _fwd(next)
    __reversed__ = _fwd(reversed)
    __contains__ = _fwd(operator.contains)
    __instancecheck__ = _fwd(lambda obj, other: isinstance(other, obj))
    __subclasscheck__ = _fwd(lambda obj, other: issubclass(other, obj))

    __add__ = _fwd(operator.add)
    __sub__ = _fwd(operator.sub)
    __mul__ = _fwd(operator.mul)
    __matmul__ = _fwd(operator.matmul)
    __truediv__ = _fwd(operator.truediv)
    __floordiv__ = _fwd(operator.floordiv)
    __mod__ = _fwd(operator.mod)
    __divmod__ = _fwd(divmod)
    __pow__ = _fwd(pow)
    __lshift__ = _fwd(operator.lshift)
    __rshift__ = _fwd(operator.rshift)
    __and__ = _fwd(operator.and_)
    __xor__ = _fwd(operator.xor)
    __or__ = _fwd(operator.or_)

    __radd__ = _rfwd(operator.add)
    __rsub__ = _rfwd(operator.sub)
    __rmul__ = _rfwd(operator.mul)
    __rmatmul__ = _rfwd(operator.matmul)
    __rtruediv__ = _rfwd(operator.truediv)
    __rfloordiv__ = _rfwd(operator.floordiv)
    __rmod__ = _rfwd(operator.mod)
    __rdivmod__ = _rfwd(divmod)
    __rpow__ = _rfwd(pow)
    __rlshift__ = _rfwd(operator.lshift)
    __rrshift__ = _rfwd(operator.rshift)
    __rand__ = _rfwd(operator.and_)
    __rxor__ = _rfwd(operator.xor)
    __ror__ = _rfwd(operator.or_)

    # COMPAT(flask): `proxy += x` on a mutable target changes it in place and
    # the name stays the proxy; on an immutable one the name gets the new value
    # (Werkzeug would keep the proxy and silently drop the result).
    __iadd__ = _iop(operator.iadd)
    __isub__ = _iop(operator.isub)
    __imul__ = _iop(operator.imul)
    __imatmul__ = _iop(operator.imatmul)
    __itruediv__ = _iop(operator.itruediv)
    __ifloordiv__ = _iop(operator.ifloordiv)
    __imod__ = _iop(operator.imod)
    __ipow__ = _iop(operator.ipow)
    __ilshift__ = _iop(operator.ilshift)
    __irshift__ = _iop(operator.irshift)
    __iand__ = _iop(operator.iand)
    __ixor__ = _iop(operator.ixor)
    __ior__ = _iop(operator.ior)

    __neg__ = _fwd(operator.neg)
    __pos__ = _fwd(operator.pos)
    __abs__ = _fwd(abs)
    __invert__ = _fwd(operator.invert)
    __complex__ = _fwd(complex)
    __int__ = _fwd(int)
    __float__ = _fwd(float)
    __index__ = _fwd(operator.index)
    __round__ = _fwd(round)
    __trunc__ = _fwd(math.trunc)
    __floor__ = _fwd(math.floor)
    __ceil__ = _fwd(math.ceil)

    __enter__ = _special("__enter__")
    __exit__ = _special("__exit__")
    __await__ = _special("__await__")
    __aiter__ = _special("__aiter__")
    __anext__ = _special("__anext__")
    __aenter__ = _special("__aenter__")
    __aexit__ = _special("__aexit__")
    __fspath__ = _special("__fspath__")

    __copy__ = _fwd(copy.copy)
    __deepcopy__ = _fwd(copy.deepcopy)
    __reduce_ex__ = _special("__reduce_ex__")


def _forwarding_property(name: str) -> property:
    def forward(proxy: LocalProxy[Any]) -> Any:
        return getattr(proxy._get_current_object(), name)

    forward.__name__ = name
    return property(forward, doc=f"The proxied object's ``{name}``.")


def _proxy_with_attributes(
    target: ContextVar[Any],
    name: str | None,
    unbound_message: str,
    attributes: Iterable[str],
) -> LocalProxy[Any]:
    """A :class:`LocalProxy` whose ``attributes`` are properties of its own
    (nameless) subclass, each doing exactly what ``__getattr__`` would.

    PERF: Python calls ``__getattr__`` only after the normal lookup failed,
    and entering it from C costs far more than a property: ``request.args``
    through the proxy went from 6.1k to 1.5k instructions (callgrind), about
    0.25 µs per access. Names not listed still go through ``__getattr__``;
    setting and deleting go through the proxy's ``__setattr__``/``__delattr__``
    as before (those are looked up on the class, before any property).
    """
    namespace: dict[str, Any] = {"__slots__": ()}
    for attribute in attributes:
        if hasattr(LocalProxy, attribute):
            raise ValueError(f"{attribute!r} is the proxy's own attribute.")
        namespace[attribute] = _forwarding_property(attribute)
    proxy_class = type("LocalProxy", (LocalProxy,), namespace)
    return proxy_class(target, name, unbound_message=unbound_message)  # type: ignore[no-any-return]
