"""HTTP errors as exceptions.

Raise any of these from a view (or call :func:`abort`) and the client gets the
matching status code with a short HTML page. Each class carries its ``code``,
its ``name`` (the reason phrase) and a ``description`` meant for a human; pass
your own ``description`` to explain what went wrong::

    raise NotFound("No user with id 7.")

The names and constructor arguments are Werkzeug's, so code written against
``werkzeug.exceptions`` works after changing the import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, TypeVar

from markupsafe import escape

from .status import HTTP_STATUS_CODES

if TYPE_CHECKING:
    from .request import Request
    from .response import Response

__all__ = [
    "Aborter",
    "BadGateway",
    "BadHost",
    "BadRequest",
    "BadRequestKeyError",
    "ClientDisconnected",
    "Conflict",
    "ExpectationFailed",
    "FailedDependency",
    "Forbidden",
    "GatewayTimeout",
    "Gone",
    "HTTPException",
    "HTTPVersionNotSupported",
    "ImATeapot",
    "InternalServerError",
    "LengthRequired",
    "Locked",
    "MethodNotAllowed",
    "MisdirectedRequest",
    "NotAcceptable",
    "NotFound",
    "NotImplemented",
    "PreconditionFailed",
    "PreconditionRequired",
    "RequestEntityTooLarge",
    "RequestHeaderFieldsTooLarge",
    "RequestTimeout",
    "RequestURITooLarge",
    "RequestedRangeNotSatisfiable",
    "SecurityError",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UnavailableForLegalReasons",
    "UnprocessableEntity",
    "UnsupportedMediaType",
    "UpgradeRequired",
    "abort",
    "default_exceptions",
]


# Per class: (description, code, page bytes) of its stock error page.
#: erlen.http.response.Response, once get_response first needed it.
_RESPONSE_CLASS: type[Response] | None = None
_R = TypeVar("_R", bound="Response")


def _response_class() -> type[Response]:
    global _RESPONSE_CLASS
    from .response import Response

    _RESPONSE_CLASS = Response
    return Response


_PAGES: dict[type[HTTPException], tuple[str | None, int | None, bytes]] = {}


class HTTPException(Exception):
    """Base class of every HTTP error; also usable on its own with a ``response``.

    ``HTTPException(response=resp)`` (what ``abort(resp)`` raises) makes the
    given response the one sent.
    """

    code: int | None = None
    description: str | None = None
    #: Whether the page and the headers are HTTPException's own (set per subclass).
    _stock_page: ClassVar[bool] = True
    _stock_headers: ClassVar[bool] = True

    def __init__(self, description: str | None = None, response: Response | None = None) -> None:
        super().__init__()
        if description is not None:
            self.description = description
        self.response = response

    @property
    def name(self) -> str:
        """The status's reason phrase, such as ``"Not Found"``."""
        if self.code is None:
            return "Unknown Error"
        return HTTP_STATUS_CODES.get(self.code, "Unknown Error")

    def get_description(self, request: Request | None = None) -> str:
        """The description as HTML, one paragraph: escaped (a ``Markup``
        description is kept as is), line breaks as ``<br>``."""
        text = "" if self.description is None else self.description
        # COMPAT(werkzeug): markupsafe's escaping (&#39; and &#34; for quotes),
        # so default error pages are byte-identical to Werkzeug's.
        return f"<p>{str(escape(text)).replace(chr(10), '<br>')}</p>"

    def get_body(self, request: Request | None = None) -> str:
        """The HTML page sent as the response body."""
        name = escape(self.name)
        return (
            "<!doctype html>\n<html lang=en>\n"
            f"<title>{self.code} {name}</title>\n"
            f"<h1>{name}</h1>\n"
            f"{self.get_description(request)}\n"
        )

    def get_headers(self, request: Request | None = None) -> list[tuple[str, str]]:
        """Headers of the error response (subclasses add ``Allow``, ``Retry-After``...)."""
        return [("Content-Type", "text/html; charset=utf-8")]

    def get_response(self, request: Request | None = None) -> Response:
        """The response to send for this error.

        The explicit ``response`` given to the constructor wins; otherwise an
        HTML page with :meth:`get_body` and :meth:`get_headers`.
        """
        if self.response is not None:
            return self.response
        # PERF: a function-level import costs ~1 µs per call; the class is
        # looked up once (response.py imports this module, hence not at the top).
        return self._page_response(_RESPONSE_CLASS or _response_class(), request)

    def _page_response(self, response_class: type[_R], request: Request | None) -> _R:
        # get_response's page, built as ``response_class`` (a subclass of the
        # toolkit's): the app builds its error pages in its own class, since
        # retyping a response later makes CPython materialize its instance
        # dict (a 404: 2.4k instructions).
        cls = type(self)
        code = self.code or 500
        if (
            cls._stock_page
            and "description" not in (attrs := self.__dict__)
            and "code" not in attrs
        ):
            # PERF: the class's own page (neither description nor code changed
            # on the instance) is rendered once per class and reused; a bare
            # 404 from routing: get_response 3.9 -> 1.2 µs.
            page = _PAGES.get(cls)
            if page is None or page[0] is not cls.description or page[1] != cls.code:
                page = (cls.description, cls.code, self.get_body(request).encode())
                _PAGES[cls] = page
            if cls._stock_headers:
                return response_class(page[2], code, mimetype="text/html")
            return response_class(page[2], code, self.get_headers(request))
        return response_class(self.get_body(request), code, self.get_headers(request))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Answer a WSGI request with :meth:`get_response`: as with Werkzeug,
        an HTTP error is also a WSGI application (``Response.force_type(e,
        environ)``, ``MapAdapter.dispatch``'s redirects)."""
        return self.get_response()(environ, start_response)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        base = HTTPException
        cls._stock_page = (
            cls.get_body is base.get_body
            and cls.get_description is base.get_description
            and cls.name is base.name
            and not any(isinstance(k.__dict__.get("description"), property) for k in cls.__mro__)
        )
        cls._stock_headers = cls.get_headers is base.get_headers

    def __str__(self) -> str:
        code = self.code if self.code is not None else "???"
        return f"{code} {self.name}: {self.description}"

    def __repr__(self) -> str:
        code = self.code if self.code is not None else "???"
        return f"<{type(self).__name__} '{code}: {self.name}'>"


class BadRequest(HTTPException):
    """400: the server could not understand the request."""

    code = 400
    description = "The browser (or proxy) sent a request that this server could not understand."


class ClientDisconnected(BadRequest):
    """The client went away before the whole request body arrived."""

    description = (
        "The client disconnected before the request was complete, or the body was "
        "shorter than its Content-Length."
    )


class SecurityError(BadRequest):
    """A request refused for a security reason, such as an untrusted Host."""


class BadHost(BadRequest):
    """The Host header is malformed or not among the trusted hosts."""


class BadRequestKeyError(BadRequest, KeyError):
    """A missing key in ``request.form``/``args``/``files``: a 400 that is also a ``KeyError``.

    ``except KeyError`` keeps working in views, and an uncaught one becomes a 400
    instead of a 500.
    """

    #: In debug mode the framework sets this so the description names the key.
    show_exception = False

    def __init__(self, arg: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if arg is None:
            KeyError.__init__(self)
        else:
            KeyError.__init__(self, arg)

    @property
    def description(self) -> str:
        if self.show_exception and self.args:
            return f"{BadRequest.description}\nKeyError: {self.args[0]!r}"
        return BadRequest.description or ""

    @description.setter
    def description(self, value: str) -> None:
        # COMPAT(werkzeug): assigning a description is accepted but the key
        # message stays the one shown, as Werkzeug does.
        pass

    def __str__(self) -> str:
        return HTTPException.__str__(self)


class Unauthorized(HTTPException):
    """401: credentials are missing or wrong.

    ``www_authenticate`` (a ``WWWAuthenticate`` object, a header string, or a
    list of either) becomes the ``WWW-Authenticate`` header(s).
    """

    code = 401
    description = (
        "The server could not verify that you are authorized to access the URL requested."
        " You either supplied the wrong credentials (e.g. a bad password), or your browser"
        " doesn't understand how to supply the credentials required."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        www_authenticate: Any = None,
    ) -> None:
        super().__init__(description, response)
        if www_authenticate is None:
            self.www_authenticate: list[Any] = []
        elif isinstance(www_authenticate, list | tuple):
            self.www_authenticate = list(www_authenticate)
        else:
            self.www_authenticate = [www_authenticate]

    def get_headers(self, request: Request | None = None) -> list[tuple[str, str]]:
        headers = super().get_headers(request)
        for value in self.www_authenticate:
            text = value.to_header() if hasattr(value, "to_header") else str(value)
            headers.append(("WWW-Authenticate", text))
        return headers


class Forbidden(HTTPException):
    """403: the client may not access this resource."""

    code = 403
    description = (
        "You don't have the permission to access the requested resource. It is either"
        " read-protected or not readable by the server."
    )


class NotFound(HTTPException):
    """404: nothing lives at this URL."""

    code = 404
    description = (
        "The requested URL was not found on the server. If you entered the URL manually"
        " please check your spelling and try again."
    )


class MethodNotAllowed(HTTPException):
    """405: the URL exists but not for this method; ``Allow`` lists the valid ones."""

    code = 405
    description = "The method is not allowed for the requested URL."

    def __init__(
        self,
        valid_methods: Iterable[str] | None = None,
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.valid_methods = None if valid_methods is None else list(valid_methods)

    def get_headers(self, request: Request | None = None) -> list[tuple[str, str]]:
        headers = super().get_headers(request)
        if self.valid_methods:
            headers.append(("Allow", ", ".join(self.valid_methods)))
        return headers


class NotAcceptable(HTTPException):
    """406: no representation matches the request's ``Accept`` headers."""

    code = 406
    description = (
        "The resource identified by the request is only capable of generating response"
        " entities which have content characteristics not acceptable according to the"
        " accept headers sent in the request."
    )


class RequestTimeout(HTTPException):
    """408: the client took too long to send its request."""

    code = 408
    description = (
        "The server closed the network connection because the browser didn't finish the"
        " request within the specified time."
    )


class Conflict(HTTPException):
    """409: the request conflicts with the resource's current state."""

    code = 409
    description = (
        "A conflict happened while processing the request. The resource might have been"
        " modified while the request was being processed."
    )


class Gone(HTTPException):
    """410: the resource existed but is gone for good."""

    code = 410
    description = (
        "The requested URL is no longer available on this server and there is no"
        " forwarding address. If you followed a link from a foreign page, please contact"
        " the author of this page."
    )


class LengthRequired(HTTPException):
    """411: the request needs a ``Content-Length``."""

    code = 411
    description = "A request with this method requires a valid <code>Content-Length</code> header."


class PreconditionFailed(HTTPException):
    """412: an ``If-Match``-style precondition did not hold."""

    code = 412
    description = "The precondition on the request for the URL failed positive evaluation."


class RequestEntityTooLarge(HTTPException):
    """413: the body (or one of its parts) is over a configured limit."""

    code = 413
    description = "The data value transmitted exceeds the capacity limit."


class RequestURITooLarge(HTTPException):
    """414: the URL is too long."""

    code = 414
    description = (
        "The length of the requested URL exceeds the capacity limit for this server. The"
        " request cannot be processed."
    )


class UnsupportedMediaType(HTTPException):
    """415: the body's content type is not one this endpoint reads."""

    code = 415
    description = "The server does not support the media type transmitted in the request."


class RequestedRangeNotSatisfiable(HTTPException):
    """416: the ``Range`` asked for lies outside the resource.

    With ``length`` the response carries ``Content-Range: bytes */length``.
    """

    code = 416
    description = "The server cannot provide the requested range."

    def __init__(
        self,
        length: int | None = None,
        units: str = "bytes",
        description: str | None = None,
        response: Response | None = None,
    ) -> None:
        super().__init__(description, response)
        self.length = length
        self.units = units

    def get_headers(self, request: Request | None = None) -> list[tuple[str, str]]:
        headers = super().get_headers(request)
        if self.length is not None:
            headers.append(("Content-Range", f"{self.units} */{self.length}"))
        return headers


class ExpectationFailed(HTTPException):
    """417: the ``Expect`` header cannot be met."""

    code = 417
    description = "The server could not meet the requirements of the Expect header"


class ImATeapot(HTTPException):
    """418: the server refuses to brew coffee because it is a teapot."""

    code = 418
    description = "This server is a teapot, not a coffee machine"


class MisdirectedRequest(HTTPException):
    """421: the request reached a server that cannot answer for this host."""

    code = 421
    description = "The server is not able to produce a response for this request."


class UnprocessableEntity(HTTPException):
    """422: well-formed, but semantically wrong."""

    code = 422
    description = (
        "The request was well-formed but was unable to be followed due to semantic errors."
    )


class Locked(HTTPException):
    """423: the resource is locked."""

    code = 423
    description = "The resource that is being accessed is locked."


class FailedDependency(HTTPException):
    """424: an earlier request this one depended on failed."""

    code = 424
    description = (
        "The method could not be performed on the resource because the requested action"
        " depended on another action and that action failed."
    )


class UpgradeRequired(HTTPException):
    """426: the request must be made again over another protocol.

    ``upgrade`` names that protocol (``"websocket"``, ``"TLS/1.3"``); it is
    sent in the ``Upgrade`` header, with ``Connection: Upgrade``, as RFC 9110
    asks of a 426. Werkzeug has no class for it; ``abort(426)`` raises this one.
    """

    code = 426
    description = (
        "The server refuses to perform the request using the current protocol. Repeat it"
        " after upgrading to the protocol named in the Upgrade header."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        upgrade: str | None = None,
    ) -> None:
        super().__init__(description, response)
        self.upgrade = upgrade

    def get_headers(self, request: Request | None = None) -> list[tuple[str, str]]:
        headers = super().get_headers(request)
        if self.upgrade:
            headers.append(("Upgrade", self.upgrade))
            headers.append(("Connection", "Upgrade"))
        return headers


class PreconditionRequired(HTTPException):
    """428: the request must be conditional (``If-Match`` or similar)."""

    code = 428
    description = (
        'This request is required to be conditional; try using "If-Match" or "If-Unmodified-Since".'
    )


class _RetryAfter(HTTPException):
    """Adds ``Retry-After`` (seconds or a date) to the error response."""

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        retry_after: datetime | int | None = None,
    ) -> None:
        super().__init__(description, response)
        self.retry_after = retry_after

    def get_headers(self, request: Request | None = None) -> list[tuple[str, str]]:
        headers = super().get_headers(request)
        if self.retry_after is not None:
            if isinstance(self.retry_after, datetime):
                from .headers import http_date

                value = http_date(self.retry_after)
            else:
                value = str(int(self.retry_after))
            headers.append(("Retry-After", value))
        return headers


class TooManyRequests(_RetryAfter):
    """429: rate limited; ``retry_after`` says when to come back."""

    code = 429
    description = "This user has exceeded an allotted request count. Try again later."


class RequestHeaderFieldsTooLarge(HTTPException):
    """431: a header, or all of them together, is too large."""

    code = 431
    description = "One or more header fields exceeds the maximum size."


class UnavailableForLegalReasons(HTTPException):
    """451: withheld for legal reasons."""

    code = 451
    description = "Unavailable for legal reasons."


class InternalServerError(HTTPException):
    """500: the server failed; ``original_exception`` is what it failed with, if any."""

    code = 500
    description = (
        "The server encountered an internal error and was unable to complete your"
        " request. Either the server is overloaded or there is an error in the"
        " application."
    )

    def __init__(
        self,
        description: str | None = None,
        response: Response | None = None,
        original_exception: BaseException | None = None,
    ) -> None:
        super().__init__(description, response)
        self.original_exception = original_exception


class NotImplemented(HTTPException):  # Werkzeug's public name, shadowing the builtin
    """501: the server does not support this functionality."""

    code = 501
    description = "The server does not support the action requested by the browser."


class BadGateway(HTTPException):
    """502: an upstream server answered badly."""

    code = 502
    description = "The proxy server received an invalid response from an upstream server."


class ServiceUnavailable(_RetryAfter):
    """503: temporarily unable to serve; ``retry_after`` says when to come back."""

    code = 503
    description = (
        "The server is temporarily unable to service your request due to maintenance"
        " downtime or capacity problems. Please try again later."
    )


class GatewayTimeout(HTTPException):
    """504: an upstream server did not answer in time."""

    code = 504
    description = "The connection to an upstream server timed out."


class HTTPVersionNotSupported(HTTPException):
    """505: the HTTP version is not supported."""

    code = 505
    description = "The server does not support the HTTP protocol version used in the request."


def _collect_defaults() -> dict[int, type[HTTPException]]:
    found: dict[int, type[HTTPException]] = {}
    pending: list[type[HTTPException]] = [HTTPException]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        # The first class registered for a code is its canonical one; subclasses
        # such as BadRequestKeyError or SecurityError share 400 and must not win.
        if cls.code is not None and cls.__module__ == __name__ and not cls.__name__.startswith("_"):
            current = found.get(cls.code)
            if current is None or issubclass(current, cls):
                found[cls.code] = cls
    return dict(sorted(found.items()))


#: Every standard error class by its status code.
default_exceptions: dict[int, type[HTTPException]] = _collect_defaults()


class Aborter:
    """Raises the error class for a status code; what :func:`abort` calls.

    ``mapping`` extends or overrides the code-to-class table.
    """

    def __init__(
        self,
        mapping: Mapping[int, type[HTTPException]] | None = None,
        extra: Mapping[int, type[HTTPException]] | None = None,
    ) -> None:
        self.mapping: dict[int, type[HTTPException]] = dict(
            default_exceptions if mapping is None else mapping
        )
        if extra is not None:
            self.mapping.update(extra)

    def __call__(self, code: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
        if not isinstance(code, int):
            raise HTTPException(response=code)
        cls = self.mapping.get(code)
        if cls is None:
            raise LookupError(f"no exception for {code!r}")
        raise cls(*args, **kwargs)


_aborter = Aborter()


def abort(status: int | Response, *args: Any, **kwargs: Any) -> NoReturn:
    """Stop the request with an HTTP error.

    ``abort(404)`` raises :class:`NotFound`; ``abort(403, "Admins only.")`` sets
    the description; ``abort(response)`` sends that response as it is.
    """
    _aborter(status, *args, **kwargs)
