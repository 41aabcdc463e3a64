"""The app's request and response classes (``app.request_class`` /
``app.response_class``): the toolkit's, plus what the framework knows (the
matched rule, limits from the app's config, HTML by default)."""

from __future__ import annotations

from collections.abc import Collection
from typing import IO, TYPE_CHECKING, Any, ClassVar

from . import json
from .globals import _cv_app
from .http.exceptions import BadRequest, HTTPException
from .http.request import Request as _BaseRequest
from .http.response import Response as _BaseResponse

if TYPE_CHECKING:
    from .http.datastructures import Headers
    from .routing import Rule

_MISSING: Any = object()


class Request(_BaseRequest):
    """The request object of erlen (``erlen.request`` in a view).

    Adds the routing results (:attr:`url_rule`, :attr:`view_args`,
    :attr:`routing_exception`, :attr:`endpoint`, :attr:`blueprint`,
    :attr:`blueprints`) and reads its body limits from the app's config
    (``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``)
    unless they are set on the request.
    """

    __slots__ = (
        "_max_content_length",
        "_max_form_memory_size",
        "_max_form_parts",
        "_trusted_hosts",
        "routing_exception",
        "url_rule",
        "view_args",
    )

    json_module: ClassVar[Any] = json

    def __init__(
        self,
        method: str,
        scheme: str,
        server: tuple[str, int | None] | None,
        root_path: str,
        path: str,
        query_string: bytes,
        headers: Headers,
        remote_addr: str | None = None,
        stream: IO[bytes] | None = None,
        **kwargs: Any,
    ) -> None:
        #: The rule that matched (None until matched, or if nothing matched).
        self.url_rule: Rule | None = None
        #: The view arguments of the matched rule.
        self.view_args: dict[str, Any] | None = None
        #: The routing error (404, 405, redirect) if matching failed.
        self.routing_exception: HTTPException | None = None
        self._max_content_length: int | None = _MISSING
        self._max_form_memory_size: int | None = _MISSING
        self._max_form_parts: int | None = _MISSING
        self._trusted_hosts: Collection[str] | None = None
        super().__init__(
            method,
            scheme,
            server,
            root_path,
            path,
            query_string,
            headers,
            remote_addr,
            stream,
            **kwargs,
        )

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
        app_ctx = _cv_app.get(None)
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
        app_ctx = _cv_app.get(None)
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
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return 1_000
        return app_ctx.app.config["MAX_FORM_PARTS"]  # type: ignore[no-any-return]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

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

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Raise the 400 (or 415) for a body that is not JSON; the parse
        error's text is shown only in debug mode."""
        try:
            return super().on_json_loading_failed(e)
        except BadRequest as error:
            app_ctx = _cv_app.get(None)
            if app_ctx is not None and app_ctx.app.debug:
                raise
            raise BadRequest("The browser sent JSON that this server could not parse.") from error


class Response(_BaseResponse):
    """The response object of erlen: HTML by default (``text/html;
    charset=utf-8``), JSON through the app's provider, and the cookie size
    limit from ``MAX_COOKIE_SIZE``."""

    __slots__ = ()

    default_mimetype: ClassVar[str | None] = "text/html"
    json_module: ClassVar[Any] = json

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """``MAX_COOKIE_SIZE`` of the current app (4093 outside one)."""
        app_ctx = _cv_app.get(None)
        if app_ctx is None:
            return 4093
        return app_ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]


__all__ = ["Request", "Response"]
