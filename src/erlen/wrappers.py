"""The app's request and response classes (``app.request_class`` /
``app.response_class``): the toolkit's, plus what the framework knows (the
matched rule, limits from the app's config, HTML by default)."""

from __future__ import annotations

import contextvars
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Collection,
    Iterable,
    Iterator,
)
from typing import IO, TYPE_CHECKING, Any, ClassVar

from . import json
from .globals import _cv_app_get, _cv_app_reset, _cv_app_set
from .http.exceptions import BadRequest, HTTPException
from .http.request import BodyStream
from .http.request import Request as _BaseRequest
from .http.response import Response as _BaseResponse
from .pipeline import in_event_loop, run_coroutine_sync

if TYPE_CHECKING:
    from .http.datastructures import FileStorage, ImmutableMultiDict
    from .routing import Rule

_MISSING: Any = object()
# The toolkit's request.files, which Request.files wraps.
_base_files: Callable[[_BaseRequest], ImmutableMultiDict[str, FileStorage]] = _BaseRequest.__dict__[
    "files"
].fget


class Request(_BaseRequest):
    """The request object of erlen (``erlen.request`` in a view).

    Adds the routing results (:attr:`url_rule`, :attr:`view_args`,
    :attr:`routing_exception`, :attr:`endpoint`, :attr:`blueprint`,
    :attr:`blueprints`) and reads its body limits from the app's config
    (``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``)
    unless they are set on the request.
    """

    # The instance dict (the toolkit's Request has one): as in Flask, code
    # may set its own attributes on the request (an auth hook's
    # ``request.user = ...``). The routing results and the limits set on the
    # request live there too, with the class attributes below as their
    # defaults: no initializer of this class runs per request (the toolkit's
    # sets its slots), 0.08 µs less than setting seven slots in one and
    # calling the other.
    __slots__ = ()

    #: The rule that matched (None until matched, or if nothing matched).
    url_rule: Rule | None = None
    #: The view arguments of the matched rule.
    view_args: dict[str, Any] | None = None
    #: The routing error (404, 405, redirect) if matching failed.
    routing_exception: HTTPException | None = None
    _max_content_length: int | None = _MISSING
    _max_form_memory_size: int | None = _MISSING
    _max_form_parts: int | None = _MISSING
    _trusted_hosts: Collection[str] | None = None

    json_module: ClassVar[Any] = json
    # _make_stream below only wraps the base stream for stream_body routes,
    # which reads the same bytes: get_data() and form may still read the body
    # straight from the input.
    _direct_body: ClassVar[bool] = True

    @property
    def trusted_hosts(self) -> Collection[str] | None:
        """Accepted host names (``TRUSTED_HOSTS``, set by the app); None accepts any."""
        return self._trusted_hosts

    @trusted_hosts.setter
    def trusted_hosts(self, value: Collection[str] | None) -> None:
        self._trusted_hosts = value

    @property
    def max_content_length(self) -> int | None:
        """The largest accepted body in bytes (``MAX_CONTENT_LENGTH``)."""
        value = self._max_content_length
        if value is not _MISSING:
            return value
        app_ctx = _cv_app_get(None)
        if app_ctx is None:
            return None
        return app_ctx.app.config["MAX_CONTENT_LENGTH"]  # type: ignore[no-any-return]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """The most bytes of non-file form fields kept (``MAX_FORM_MEMORY_SIZE``)."""
        value = self._max_form_memory_size
        if value is not _MISSING:
            return value
        app_ctx = _cv_app_get(None)
        if app_ctx is None:
            return 500_000
        return app_ctx.app.config["MAX_FORM_MEMORY_SIZE"]  # type: ignore[no-any-return]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:
        """The most parts of a multipart body (``MAX_FORM_PARTS``)."""
        value = self._max_form_parts
        if value is not _MISSING:
            return value
        app_ctx = _cv_app_get(None)
        if app_ctx is None:
            return 1_000
        return app_ctx.app.config["MAX_FORM_PARTS"]  # type: ignore[no-any-return]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    @property
    def files(self) -> ImmutableMultiDict[str, FileStorage]:
        """The uploaded files of a multipart body, by field name.

        In debug mode, when the body was not ``multipart/form-data``,
        ``request.files[key]`` for a form field raises
        :class:`~erlen.debughelpers.DebugFilesKeyError`, which says that the
        form lacks its ``enctype``.
        """
        files = _base_files(self)
        if files or self.mimetype == "multipart/form-data":
            return files
        app_ctx = _cv_app_get(None)
        if app_ctx is None or not app_ctx.app.debug or not self.form:
            return files
        from .debughelpers import _FilesWithHint, attach_enctype_error_multidict

        if not isinstance(files, _FilesWithHint):
            attach_enctype_error_multidict(self)
        return self._files  # type: ignore[return-value]

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or None."""
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The (dotted) name of the blueprint of the matched endpoint, or None."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The blueprints of the matched endpoint, innermost first: for
        ``"a.b.view"``, ``["a.b", "a"]``."""
        name = self.blueprint
        if name is None:
            return []
        out = [name]
        while "." in name:
            name = name.rpartition(".")[0]
            out.append(name)
        return out

    def _make_stream(self) -> IO[bytes]:
        stream = super()._make_stream()
        if getattr(self.url_rule, "stream_body", False):
            # A stream_body route: chunk iteration, sync or async.
            return BodyStream(stream, self._input)  # type: ignore[return-value]
        return stream

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Raise the 400 (or 415) for a body that is not JSON; the parse
        error's text is shown only in debug mode."""
        try:
            return super().on_json_loading_failed(e)
        except BadRequest as error:
            app_ctx = _cv_app_get(None)
            if app_ctx is not None and app_ctx.app.debug:
                raise
            raise BadRequest("The browser sent JSON that this server could not parse.") from error


_OWN_MAX_CONTENT_LENGTH = Request.max_content_length


def _max_content_length_in(request: Request, app_ctx: Any) -> int | None:
    """``request.max_content_length`` as it reads while ``app_ctx`` (an app
    or request context) is the current one, without making it current."""
    if type(request).max_content_length is _OWN_MAX_CONTENT_LENGTH:
        # PERF: erlen's own property answers from the request or the app's
        # config; making the context current for it cost 0.2 µs per ASGI
        # request with a body.
        value = request._max_content_length
        return app_ctx.app.config["MAX_CONTENT_LENGTH"] if value is _MISSING else value
    # A subclass decides, maybe through current_app: the context is set, not
    # pushed, so nothing is torn down.
    token = _cv_app_set(app_ctx)
    try:
        return request.max_content_length
    finally:
        _cv_app_reset(token)


class Response(_BaseResponse):
    """The response object of erlen: HTML by default (``text/html;
    charset=utf-8``), JSON through the app's provider, and the cookie size
    limit from ``MAX_COOKIE_SIZE``.

    The body may also be an async iterable (an ``async def`` generator):
    ASGI iterates it on the event loop, WSGI on the worker thread's loop.
    """

    # No slots of its own: the toolkit's Response keeps its state in the
    # instance dict (see there why), and an equal layout lets
    # app.make_response retype a toolkit response in place.
    __slots__ = ()

    default_mimetype: ClassVar[str | None] = "text/html"
    json_module: ClassVar[Any] = json

    def __init__(
        self,
        response: Iterable[str]
        | Iterable[bytes]
        | AsyncIterable[Any]
        | str
        | bytes
        | bytearray
        | None = None,
        status: Any = None,
        headers: Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        kind = type(response)
        if (
            kind is not str
            and kind is not bytes
            and hasattr(response, "__aiter__")
            and not hasattr(response, "__iter__")
        ):
            _BaseResponse.__init__(
                self, None, status, headers, mimetype, content_type, direct_passthrough
            )
            self.response = response  # type: ignore[assignment]
            # PERF: only an async body needs extra cleanup, so close() is not
            # overridden and the WSGI adapter can skip it for plain bodies
            # (0.3 µs per request).
            self.call_on_close(self._close_async_body)
            return
        _BaseResponse.__init__(
            self,
            response,  # type: ignore[arg-type]
            status,
            headers,
            mimetype,
            content_type,
            direct_passthrough,
        )

    def iter_encoded(self) -> Iterator[bytes]:
        """The body as bytes chunks; an async body is driven on this
        thread's event loop, one step per chunk."""
        body: Any = self.response
        if hasattr(body, "__aiter__") and not hasattr(body, "__iter__"):
            cleanup = self._close_async_body
            if cleanup not in self._on_close:
                # An async body assigned after construction.
                self.call_on_close(cleanup)
            return _AsyncBodyIterator(body)
        return super().iter_encoded()

    def _close_async_body(self) -> None:
        # ``aclose()`` an async body when no event loop runs here (WSGI);
        # under ASGI the server side already closed it.
        body: Any = self.response
        aclose = getattr(body, "aclose", None)
        if aclose is None or hasattr(body, "close"):
            return
        if not in_event_loop():
            run_coroutine_sync(aclose())

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """``MAX_COOKIE_SIZE`` of the current app (4093 outside one)."""
        app_ctx = _cv_app_get(None)
        if app_ctx is None:
            return 4093
        return app_ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]


class _AsyncBodyIterator:
    """A sync iterator over an async body (WSGI): each ``next`` runs one step
    of it on the thread's event loop, all in one :mod:`contextvars` context."""

    __slots__ = ("_context", "_iterator")

    def __init__(self, body: AsyncIterable[Any]) -> None:
        self._iterator = body.__aiter__()
        # One context for every step: a generator that sets context variables
        # (stream_with_context) finds them in its next step.
        self._context = contextvars.copy_context()

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        item = run_coroutine_sync(_anext(self._iterator), self._context)
        if item is _END:
            raise StopIteration
        return item.encode() if isinstance(item, str) else bytes(item)


_END: Any = object()


async def _anext(iterator: AsyncIterator[Any]) -> Any:
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _END


__all__ = ["Request", "Response"]
