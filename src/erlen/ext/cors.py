"""Cross-Origin Resource Sharing: flask_cors's ``CORS`` and ``cross_origin``.

::

    from erlen import Erlen
    from erlen.ext.cors import CORS, cross_origin

    app = Erlen(__name__)
    CORS(app, resources={r"/api/*": {"origins": "https://app.example.com"}})

    @app.route("/public")
    @cross_origin(origins="*", max_age=600)
    def public():
        return "for everyone"

Options come, lowest precedence first, from the defaults, the app's
``CORS_*`` config keys, the ``CORS(...)`` keyword arguments, the
``init_app(...)`` keyword arguments and a resource's own options. A string
option that contains a regular expression character (``*\\]?$^[]()``) is a
regular expression; otherwise a literal.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypedDict, TypeVar, Unpack, cast, overload

from erlen import (
    Blueprint,
    Erlen,
    Response,
    current_app,
    g,
    make_response,
    nonblocking,
    request,
)

__all__ = [
    "ACL_ALLOW_HEADERS",
    "ACL_CREDENTIALS",
    "ACL_EXPOSE_HEADERS",
    "ACL_MAX_AGE",
    "ACL_METHODS",
    "ACL_ORIGIN",
    "ACL_PRIVATE_NETWORK",
    "ACL_REQUEST_HEADERS",
    "ACL_REQUEST_HEADER_PRIVATE_NETWORK",
    "ACL_REQUEST_METHOD",
    "ACL_REQUEST_PRIVATE_NETWORK",
    "ACL_RESPONSE_PRIVATE_NETWORK",
    "ALL_METHODS",
    "CONFIG_OPTIONS",
    "CORS",
    "DEFAULT_OPTIONS",
    "CorsOptions",
    "CorsOptionsInput",
    "CrossOriginOptionsInput",
    "cors_headers",
    "cross_origin",
    "resolve_options",
]

#: A pattern after setup: a compiled regular expression or a literal string.
Pattern = str | re.Pattern[str]

ACL_ORIGIN = "Access-Control-Allow-Origin"
ACL_METHODS = "Access-Control-Allow-Methods"
ACL_ALLOW_HEADERS = "Access-Control-Allow-Headers"
ACL_EXPOSE_HEADERS = "Access-Control-Expose-Headers"
ACL_CREDENTIALS = "Access-Control-Allow-Credentials"
ACL_MAX_AGE = "Access-Control-Max-Age"
ACL_PRIVATE_NETWORK = "Access-Control-Allow-Private-Network"
ACL_REQUEST_METHOD = "Access-Control-Request-Method"
ACL_REQUEST_HEADERS = "Access-Control-Request-Headers"
ACL_REQUEST_PRIVATE_NETWORK = "Access-Control-Request-Private-Network"
# Flask-CORS's names for the two Private Network Access headers.
ACL_RESPONSE_PRIVATE_NETWORK = ACL_PRIVATE_NETWORK
ACL_REQUEST_HEADER_PRIVATE_NETWORK = ACL_REQUEST_PRIVATE_NETWORK

ALL_METHODS = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]

#: The config keys read from ``app.config``; each is an option's upper-case name.
CONFIG_OPTIONS = (
    "CORS_ORIGINS",
    "CORS_METHODS",
    "CORS_ALLOW_HEADERS",
    "CORS_EXPOSE_HEADERS",
    "CORS_SUPPORTS_CREDENTIALS",
    "CORS_MAX_AGE",
    "CORS_SEND_WILDCARD",
    "CORS_AUTOMATIC_OPTIONS",
    "CORS_VARY_HEADER",
    "CORS_RESOURCES",
    "CORS_INTERCEPT_EXCEPTIONS",
    "CORS_ALWAYS_SEND",
    "CORS_ALLOW_PRIVATE_NETWORK",
)


class CrossOriginOptionsInput(TypedDict, total=False):
    """The options of :func:`cross_origin` (and of one resource)."""

    origins: str | re.Pattern[str] | Iterable[str | re.Pattern[str]]
    methods: str | Iterable[str] | None
    expose_headers: str | Iterable[str] | None
    allow_headers: str | re.Pattern[str] | Iterable[str | re.Pattern[str]]
    supports_credentials: bool
    max_age: timedelta | int | str | None
    send_wildcard: bool
    vary_header: bool
    automatic_options: bool
    always_send: bool
    allow_private_network: bool


class CorsOptionsInput(CrossOriginOptionsInput, total=False):
    """The options of :class:`CORS`: those of :func:`cross_origin`, plus
    ``resources`` and ``intercept_exceptions``."""

    resources: Any
    intercept_exceptions: bool


DEFAULT_OPTIONS: dict[str, Any] = {
    "origins": "*",
    "methods": ALL_METHODS,
    "allow_headers": "*",
    "expose_headers": None,
    "supports_credentials": False,
    "max_age": None,
    "send_wildcard": False,
    "automatic_options": True,
    "vary_header": True,
    "resources": r"/*",
    "intercept_exceptions": True,
    "always_send": True,
    "allow_private_network": False,
}

_KNOWN_OPTIONS = frozenset(DEFAULT_OPTIONS)
_REGEX_CHARS = frozenset("*\\]?$^[]()")


@dataclass(frozen=True, slots=True)
class CorsOptions:
    """The resolved options of one resource or one decorated view, computed
    once at setup so a request only matches and copies strings."""

    origins: tuple[Pattern, ...]
    allow_all_origins: bool
    allow_headers: tuple[Pattern, ...]
    methods: frozenset[str] | None
    methods_header: str | None
    expose_headers: str | None
    max_age: str | None
    supports_credentials: bool
    send_wildcard: bool
    automatic_options: bool
    vary_header: bool
    intercept_exceptions: bool
    always_send: bool
    allow_private_network: bool


def _looks_like_regex(value: str) -> bool:
    return not _REGEX_CHARS.isdisjoint(value)


def _compile(pattern: Any, *, ignore_case: bool, what: str) -> Pattern:
    if isinstance(pattern, re.Pattern):
        return pattern
    if not isinstance(pattern, str):
        raise TypeError(f"CORS {what} must be strings or compiled patterns, not {pattern!r}")
    # COMPAT(flask_cors): "*" is accepted as the catch-all regex.
    text: str = ".*" if pattern == "*" else pattern
    if _looks_like_regex(text):
        try:
            return re.compile(text, re.IGNORECASE if ignore_case else 0)
        except re.error as error:
            raise ValueError(f"Invalid regular expression in CORS {what}: {text!r}") from error
    return text


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, re.Pattern)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _joined(value: Any) -> str | None:
    """A header value from a string or an iterable (sorted, so a set gives a
    stable header)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ", ".join(sorted(str(item) for item in value))
    return str(value)


def resolve_options(raw: Mapping[str, Any]) -> CorsOptions:
    """Check and resolve a mapping of options; missing ones take their
    :data:`DEFAULT_OPTIONS` value.

    An unknown option raises :class:`TypeError`; a wildcard origin sent as
    ``*`` together with ``supports_credentials`` raises :class:`ValueError`
    (browsers refuse that combination).
    """
    unknown = sorted(set(raw) - _KNOWN_OPTIONS)
    if unknown:
        raise TypeError(
            f"Unknown CORS option(s): {', '.join(unknown)}."
            f" Known options: {', '.join(sorted(_KNOWN_OPTIONS))}."
        )
    raw = _merged(raw)
    raw_origins = _as_list(raw.get("origins"))
    allow_all = any(origin in ("*", ".*") for origin in raw_origins)
    supports_credentials = bool(raw.get("supports_credentials"))
    send_wildcard = bool(raw.get("send_wildcard"))
    if allow_all and supports_credentials and send_wildcard:
        # SECURITY: the spec forbids "Access-Control-Allow-Origin: *" with
        # credentials; fail at setup instead of shipping a broken config.
        raise ValueError(
            "CORS cannot send the wildcard origin '*' (send_wildcard=True) together with"
            " supports_credentials=True. Leave send_wildcard off to reflect the request's"
            " origin, or list the allowed origins."
        )
    raw_methods = raw.get("methods")
    if isinstance(raw_methods, str):
        raw_methods = [m.strip() for m in raw_methods.split(",") if m.strip()]
    methods_list = [str(method).upper() for method in _as_list(raw_methods)]
    max_age = raw.get("max_age")
    if isinstance(max_age, timedelta):
        max_age = int(max_age.total_seconds())
    return CorsOptions(
        origins=tuple(_compile(o, ignore_case=True, what="origins") for o in raw_origins),
        allow_all_origins=allow_all,
        allow_headers=tuple(
            _compile(h, ignore_case=True, what="allow_headers")
            for h in _as_list(raw.get("allow_headers"))
        ),
        methods=frozenset(methods_list) if raw_methods is not None else None,
        methods_header=(
            raw.get("methods").upper()  # type: ignore[union-attr]
            if isinstance(raw.get("methods"), str)
            else _joined(methods_list)
            if raw_methods is not None
            else None
        ),
        expose_headers=_joined(raw.get("expose_headers")) or None,
        max_age=None if max_age is None or max_age == "" else str(max_age),
        supports_credentials=supports_credentials,
        send_wildcard=send_wildcard,
        automatic_options=bool(raw.get("automatic_options")),
        vary_header=bool(raw.get("vary_header")),
        intercept_exceptions=bool(raw.get("intercept_exceptions")),
        always_send=bool(raw.get("always_send")),
        allow_private_network=bool(raw.get("allow_private_network")),
    )


def _config_options(target: Any) -> dict[str, Any]:
    """The ``CORS_*`` keys set (not None) in ``target``'s config, by option
    name. A blueprint has no config: COMPAT(flask_cors) it reads none."""
    config = getattr(target, "config", None)
    if config is None:
        return {}
    found = {}
    for key in CONFIG_OPTIONS:
        value = config.get(key)
        if value is not None:
            found[key[5:].lower()] = value
    return found


def _merged(*layers: Mapping[str, Any]) -> dict[str, Any]:
    options = dict(DEFAULT_OPTIONS)
    for layer in layers:
        options.update(layer)
    return options


def _match_origin(origin: str, patterns: Iterable[Pattern]) -> bool:
    for pattern in patterns:
        if isinstance(pattern, re.Pattern):
            # SECURITY: the whole origin must match. flask_cors matches a
            # prefix, so r"https://.*\.example\.com" also allowed
            # "https://x.example.com.evil.net".
            if pattern.fullmatch(origin):
                return True
        elif pattern.casefold() == origin.casefold():
            return True
    return False


def _match_header(name: str, patterns: Iterable[Pattern]) -> bool:
    for pattern in patterns:
        if isinstance(pattern, re.Pattern):
            if pattern.match(name):
                return True
        elif pattern.casefold() == name.casefold():
            return True
    return False


def _match_path(path: str, pattern: Pattern) -> bool:
    if isinstance(pattern, re.Pattern):
        # COMPAT(flask_cors): resource patterns match a prefix, so r"/api/*"
        # covers every path below /api.
        return pattern.match(path) is not None
    return pattern == path


def _allowed_origins(options: CorsOptions, origin: str | None) -> list[str]:
    if origin:
        if options.allow_all_origins and options.send_wildcard:
            return ["*"]
        if _match_origin(origin, options.origins):
            return [origin]
        return []
    if not options.always_send:
        return []
    if options.allow_all_origins:
        # SECURITY: never "*" with credentials; without an Origin there is
        # nothing to reflect, so nothing is sent.
        return [] if options.supports_credentials else ["*"]
    # COMPAT(flask_cors): the first configured literal origin (the header
    # takes one value; flask_cors computes them all but sends the first).
    literals = sorted(o for o in options.origins if isinstance(o, str))
    return literals[:1]


def cors_headers(options: CorsOptions, headers: Any, method: str) -> list[tuple[str, str]]:
    """The CORS headers for a request with these ``headers`` (a
    :class:`~erlen.http.datastructures.Headers`) and ``method``."""
    origins = _allowed_origins(options, headers.get("Origin"))
    if not origins:
        return []
    out = [(ACL_ORIGIN, origin) for origin in origins]
    if options.expose_headers:
        out.append((ACL_EXPOSE_HEADERS, options.expose_headers))
    if options.supports_credentials:
        out.append((ACL_CREDENTIALS, "true"))
    if headers.get(ACL_REQUEST_PRIVATE_NETWORK) == "true":
        out.append((ACL_PRIVATE_NETWORK, "true" if options.allow_private_network else "false"))
    if method == "OPTIONS":
        requested = headers.get(ACL_REQUEST_METHOD, "").strip().upper()
        # COMPAT(flask_cors): a preflight whose method is not allowed gets
        # only the origin headers; the browser then refuses the request.
        if requested and options.methods is not None and requested in options.methods:
            wanted = headers.get(ACL_REQUEST_HEADERS)
            if wanted:
                names = (name.strip() for name in wanted.split(","))
                allowed = sorted(
                    name for name in names if name and _match_header(name, options.allow_headers)
                )
                if allowed:
                    out.append((ACL_ALLOW_HEADERS, ", ".join(allowed)))
            if options.max_age:
                out.append((ACL_MAX_AGE, options.max_age))
            if options.methods_header:
                out.append((ACL_METHODS, options.methods_header))
    if options.vary_header and origins != ["*"]:
        # A reflected origin makes the response depend on the Origin header:
        # caches must keep one copy per origin.
        out.append(("Vary", "Origin"))
    return out


def _already_evaluated(response: Response) -> bool:
    return g.get("_erlen_cors_evaluated") is response


def _apply(response: Response, options: CorsOptions) -> Response:
    if _already_evaluated(response):
        return response
    for name, value in cors_headers(options, request.headers, request.method):
        if name == "Vary":
            response.vary.add(value)
        else:
            response.headers.add(name, value)
    return response


Resources = list[tuple[Pattern, CorsOptions]]


def _sort_key(item: tuple[Any, Any]) -> tuple[int, int, int]:
    pattern = item[0]
    text = pattern.pattern if isinstance(pattern, re.Pattern) else str(pattern)
    literal = isinstance(pattern, str) and not _looks_like_regex(pattern)
    # Literal paths first, then the most specific patterns (more segments,
    # then longer), so a catch-all listed first does not shadow the others.
    return (0 if literal else 1, -text.count("/"), -len(text))


def _parse_resources(resources: Any) -> list[tuple[Any, dict[str, Any]]]:
    if isinstance(resources, Mapping):
        pairs = [(pattern, dict(opts or {})) for pattern, opts in resources.items()]
        pairs.sort(key=_sort_key)
        return pairs
    if isinstance(resources, (str, re.Pattern)):
        return [(resources, {})]
    if isinstance(resources, Iterable):
        return [(pattern, {}) for pattern in resources]
    raise ValueError(
        "CORS resources must be a path pattern, a list of patterns, or a dict of"
        f" pattern -> options, not {resources!r}"
    )


class CORS:
    """Add CORS headers to the responses of an app or a blueprint.

    ``CORS(app)`` with no options lets every origin read every route, as
    flask_cors does. Pass ``resources`` (a path pattern, a list of them, or
    a dict of pattern to options) to limit which paths get headers, and the
    :func:`cross_origin` options to tune them.
    """

    def __init__(self, app: Erlen | Blueprint | None = None, **options: Unpack[CorsOptionsInput]):
        self._options: dict[str, Any] = dict(options)
        resolve_options(_merged({k: v for k, v in options.items() if k != "resources"}))
        if app is not None:
            self.init_app(app, **options)

    def init_app(self, app: Erlen | Blueprint, **options: Unpack[CorsOptionsInput]) -> None:
        """Register the ``after_request`` function (on an app, also wrap its
        exception handlers so error responses get headers too)."""
        layers = (_config_options(app), self._options, dict(options))
        merged = _merged(*layers)
        resources: Resources = []
        for pattern, resource_options in _parse_resources(merged.pop("resources")):
            compiled = _compile(pattern, ignore_case=False, what="resources")
            resource_options.pop("resources", None)
            resolved = resolve_options(_merged(*layers, resource_options) | {"resources": None})
            resources.append((compiled, resolved))
        app_options = resolve_options(merged | {"resources": None})

        # Header work only: under ASGI it runs on the loop, not in a thread.
        @nonblocking
        def cors_after_request(response: Response) -> Response:
            if response.headers.get(ACL_ORIGIN):
                # A cross_origin view (or an error handler wrapper) did it.
                return response
            path = request.path
            for pattern, resource_options in resources:
                if _match_path(path, pattern):
                    return _apply(response, resource_options)
            return response

        app.after_request(cors_after_request)
        if isinstance(app, Erlen) and app_options.intercept_exceptions:
            _intercept_exceptions(app, cors_after_request)
        if isinstance(app, Erlen):
            app.extensions.setdefault("cors", []).append(self)


def _intercept_exceptions(app: Erlen, after: Callable[[Response], Response]) -> None:
    # COMPAT(flask_cors): error responses get the headers too. A handled
    # error (an HTTP error, an error handler's response) goes through the
    # after_request function already; only the 500 of an unhandled
    # exception skips after_request functions (API.md), so only
    # handle_exception is wrapped. Wrapping handle_user_exception as well
    # would send every handled error under ASGI through a thread hop (an
    # override is sync) and turn off the framework's short 404 path.
    handle_exception = app.handle_exception

    def cors_handle_exception(e: Exception) -> Response:
        return after(app.make_response(handle_exception(e)))

    app.handle_exception = cors_handle_exception  # type: ignore[method-assign]


F = TypeVar("F", bound=Callable[..., Any])


class _DecoratorOptions:
    """The options of one decorated view: resolved on first use and again
    only when the app's ``CORS_*`` config differs from last time."""

    __slots__ = ("_last", "_options")

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        self._last: tuple[dict[str, Any], CorsOptions] | None = None

    def get(self) -> CorsOptions:
        config = _config_options(current_app)
        config.pop("resources", None)
        config.pop("intercept_exceptions", None)
        last = self._last
        if last is not None and last[0] == config:
            return last[1]
        resolved = resolve_options(_merged(config, self._options))
        # One tuple, replaced whole: safe to read from several threads.
        self._last = (config, resolved)
        return resolved


@overload
def cross_origin(view: F, /) -> F: ...
@overload
def cross_origin(**options: Unpack[CrossOriginOptionsInput]) -> Callable[[F], F]: ...
def cross_origin(
    view: Any = None, /, **options: Unpack[CrossOriginOptionsInput]
) -> Callable[[F], F] | Any:
    """Give one view CORS headers (sync or ``async def``).

    Takes the options of :class:`CORS` except ``resources`` and
    ``intercept_exceptions``; ``CORS_*`` config keys fill in the rest. With
    ``automatic_options`` (the default) the view answers ``OPTIONS``
    preflights itself with an empty response and the headers.
    """
    raw = dict(options)
    for app_only in ("resources", "intercept_exceptions"):
        if app_only in raw:
            raise TypeError(f"cross_origin() does not take {app_only!r}; pass it to CORS()")
    resolve_options(_merged(raw))
    resolved = _DecoratorOptions(raw)
    automatic_options = raw.get("automatic_options", True)

    def decorate(f: F) -> F:
        if automatic_options:
            target: Any = f
            target.required_methods = {*getattr(f, "required_methods", ()), "OPTIONS"}
            target.provide_automatic_options = False

        def finish(response: Response, opts: CorsOptions) -> Response:
            _apply(response, opts)
            g._erlen_cors_evaluated = response
            return response

        if inspect.iscoroutinefunction(f):

            @functools.wraps(f)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Response:
                opts = resolved.get()
                if opts.automatic_options and request.method == "OPTIONS":
                    return finish(current_app.make_default_options_response(), opts)
                return finish(make_response(await f(*args, **kwargs)), opts)

            return cast(F, async_wrapper)

        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            opts = resolved.get()
            if opts.automatic_options and request.method == "OPTIONS":
                return finish(current_app.make_default_options_response(), opts)
            return finish(make_response(f(*args, **kwargs)), opts)

        return cast(F, wrapper)

    if view is not None:
        if not callable(view):
            raise TypeError("cross_origin() takes only keyword options")
        return decorate(view)
    return decorate
