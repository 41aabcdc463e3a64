"""Security headers: flask-talisman's ``Talisman`` as :class:`SecurityHeaders`.

::

    from erlen import Erlen
    from erlen.ext.security import SecurityHeaders, csp_nonce

    app = Erlen(__name__)
    security = SecurityHeaders(
        app,
        content_security_policy={"default-src": "'self'", "script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )

    @app.route("/embeddable")
    @security(frame_options="ALLOW-FROM", frame_options_allow_from="https://partner.example")
    def embeddable():
        return "can be framed by partner.example"

Every response (also redirects, 404s from routing, ``abort()`` and the 500
of an unhandled exception) gets the headers; plain HTTP requests are
redirected to HTTPS; the session cookie gets ``Secure``, ``HttpOnly`` and
``SameSite=Lax``. ``Talisman`` is the same class under flask-talisman's name.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, NoReturn, TypedDict, TypeVar, Unpack

from erlen import (
    Erlen,
    Response,
    current_app,
    g,
    has_request_context,
    nonblocking,
    redirect,
    request,
)

__all__ = [
    "ALLOW_FROM",
    "DEFAULT_CSP_POLICY",
    "DEFAULT_DOCUMENT_POLICY",
    "DEFAULT_FEATURE_POLICY",
    "DEFAULT_PERMISSIONS_POLICY",
    "DENY",
    "GOOGLE_CSP_POLICY",
    "NONCE_LENGTH",
    "ONE_YEAR_IN_SECS",
    "SAMEORIGIN",
    "PolicyInput",
    "ResolvedPolicy",
    "SecurityHeaders",
    "SecurityOptions",
    "Talisman",
    "ViewOptions",
    "csp_nonce",
    "resolve_policy",
]

DENY: Final = "DENY"
SAMEORIGIN: Final = "SAMEORIGIN"
ALLOW_FROM: Final = "ALLOW-FROM"
#: The default ``max-age`` of ``Strict-Transport-Security``: a year, in seconds.
ONE_YEAR_IN_SECS: Final = 31556926
#: Characters in a nonce made by :func:`csp_nonce` (24 random bytes, base64url).
NONCE_LENGTH: Final = 32

#: Everything from the page's own origin; no ``<object>``/``<embed>`` plugins.
DEFAULT_CSP_POLICY: Final[Mapping[str, str]] = {
    "default-src": "'self'",
    "object-src": "'none'",
}
#: Opts the site out of the Topics API (interest-based advertising).
DEFAULT_PERMISSIONS_POLICY: Final[Mapping[str, str]] = {"browsing-topics": "()"}
DEFAULT_FEATURE_POLICY: Final[Mapping[str, str]] = {}
DEFAULT_DOCUMENT_POLICY: Final[Mapping[str, str]] = {}
#: A looser policy for pages that use Google-hosted scripts, fonts, YouTube
#: and Maps embeds (COMPAT(talisman): exported under the same name).
GOOGLE_CSP_POLICY: Final[Mapping[str, str]] = {
    "default-src": "'self' *.gstatic.com",
    "script-src": "'self' ajax.googleapis.com *.googleanalytics.com *.google-analytics.com",
    "style-src": "'self' ajax.googleapis.com fonts.googleapis.com *.gstatic.com",
    "font-src": "'self' themes.googleusercontent.com *.gstatic.com",
    "frame-src": "'self' www.google.com www.youtube.com",
    "object-src": "'none'",
}

#: A policy: a mapping of directive to value (a string, or a list of
#: strings joined with spaces), or the header's value as a string. ``False``,
#: ``None`` or an empty one sends no header.
PolicyInput = Mapping[str, str | Sequence[str]] | str | Literal[False] | None


class ViewOptions(TypedDict, total=False):
    """The options a view can change with ``@security(...)``."""

    force_https: bool
    frame_options: str | Literal[False] | None
    frame_options_allow_from: str | None
    content_security_policy: PolicyInput
    content_security_policy_nonce_in: Iterable[str] | str | None
    feature_policy: PolicyInput
    permissions_policy: PolicyInput
    document_policy: PolicyInput


class SecurityOptions(ViewOptions, total=False):
    """Every option of :class:`SecurityHeaders` (flask-talisman's)."""

    force_https_permanent: bool
    force_file_save: bool
    strict_transport_security: bool
    strict_transport_security_preload: bool
    strict_transport_security_max_age: int
    strict_transport_security_include_subdomains: bool
    content_security_policy_report_uri: str | None
    content_security_policy_report_only: bool
    referrer_policy: str | Literal[False] | None
    session_cookie_secure: bool
    session_cookie_http_only: bool
    session_cookie_samesite: str | None
    x_content_type_options: bool
    x_xss_protection: bool


DEFAULT_OPTIONS: Final[Mapping[str, Any]] = {
    "force_https": True,
    "force_https_permanent": False,
    "force_file_save": False,
    "frame_options": SAMEORIGIN,
    "frame_options_allow_from": None,
    "strict_transport_security": True,
    "strict_transport_security_preload": False,
    "strict_transport_security_max_age": ONE_YEAR_IN_SECS,
    "strict_transport_security_include_subdomains": True,
    "content_security_policy": DEFAULT_CSP_POLICY,
    "content_security_policy_report_uri": None,
    "content_security_policy_report_only": False,
    "content_security_policy_nonce_in": None,
    "referrer_policy": "strict-origin-when-cross-origin",
    "feature_policy": DEFAULT_FEATURE_POLICY,
    "permissions_policy": DEFAULT_PERMISSIONS_POLICY,
    "document_policy": DEFAULT_DOCUMENT_POLICY,
    "session_cookie_secure": True,
    "session_cookie_http_only": True,
    "session_cookie_samesite": "Lax",
    "x_content_type_options": True,
    "x_xss_protection": False,
}

VIEW_OPTIONS: Final = frozenset(ViewOptions.__annotations__)
_BOOL_OPTIONS: Final = frozenset(
    name for name, default in DEFAULT_OPTIONS.items() if isinstance(default, bool)
)
_DIRECTIVE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*\Z")
_TOKEN_LIST = re.compile(r"[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The nonce's place in a serialized policy; control characters are refused
# in policies, so it never collides with the user's text.
_NONCE_SLOT: Final = "\x00"
_NONCE_KEY: Final = "_erlen_security_csp_nonce"
_VIEW_ATTRIBUTE: Final = "erlen_security_options"
_FRAME_OPTIONS: Final = {"SAMEORIGIN": SAMEORIGIN, "DENY": DENY, "ALLOW-FROM": ALLOW_FROM}


def csp_nonce() -> str:
    """The current request's Content Security Policy nonce.

    Made on first use (32 URL-safe characters from 24 random bytes) and the
    same for the rest of the request, so ``<script nonce="{{ csp_nonce() }}">``
    in a template matches the ``'nonce-...'`` source that
    ``content_security_policy_nonce_in`` adds to the header. Templates get
    it as the ``csp_nonce`` global. Raises :class:`RuntimeError` outside a
    request.
    """
    if not has_request_context():
        raise RuntimeError("csp_nonce() needs an active request: the nonce is per request.")
    nonce: str | None = g.get(_NONCE_KEY)
    if nonce is None:
        # SECURITY: unpredictable and never reused, else an injected script
        # could carry the nonce and pass the policy.
        nonce = secrets.token_urlsafe(24)
        setattr(g, _NONCE_KEY, nonce)
    return nonce


@dataclass(frozen=True, slots=True)
class ResolvedPolicy:
    """Options checked and turned into header values once, at setup (or on
    a decorated view's first request), so a request only copies strings."""

    force_https: bool
    redirect_code: int
    #: Headers every response gets, whatever the request.
    headers: tuple[tuple[str, str], ...]
    #: ``Strict-Transport-Security``, sent on HTTPS requests only.
    hsts: str | None
    csp_header: str
    #: The policy split where the nonce goes; one piece when it takes none.
    csp: tuple[str, ...] | None


def _fail_type(name: str, expected: str, value: Any) -> NoReturn:
    raise TypeError(f"SecurityHeaders option {name!r} must be {expected}, not {value!r}")


def _check_text(name: str, value: str) -> None:
    if _CONTROL.search(value):
        # SECURITY: a CR/LF would split the header (header injection).
        raise ValueError(f"SecurityHeaders option {name!r} contains a control character")


def _policy_items(name: str, policy: Any) -> list[tuple[str, str]] | str | None:
    """A mapping policy as (directive, value) pairs, a string policy as
    is, or None for "send no header"."""
    if policy is None or policy is False:
        return None
    if isinstance(policy, str):
        _check_text(name, policy)
        return policy.strip() or None
    if not isinstance(policy, Mapping):
        _fail_type(name, "a dict, a string, False or None", policy)
    items: list[tuple[str, str]] = []
    for directive, value in policy.items():
        if not isinstance(directive, str) or not _DIRECTIVE_NAME.match(directive):
            raise ValueError(f"SecurityHeaders {name}: {directive!r} is not a directive name")
        if isinstance(value, str):
            text = value
        elif isinstance(value, Iterable) and all(isinstance(v, str) for v in value):
            text = " ".join(value)
        else:
            _fail_type(f"{name}[{directive!r}]", "a string or a list of strings", value)
        _check_text(name, text)
        if ";" in text:
            # SECURITY: a ';' in a value would smuggle in another directive.
            raise ValueError(f"SecurityHeaders {name}[{directive!r}] must not contain ';'")
        items.append((directive, text.strip()))
    return items or None


def _csp_directives(policy: Any) -> list[tuple[str, str]] | None:
    parsed = _policy_items("content_security_policy", policy)
    if not isinstance(parsed, str):
        return parsed
    directives = []
    for part in parsed.split(";"):
        words = part.split()
        if words:
            directives.append((words[0], " ".join(words[1:])))
    return directives or None


def _csp_pieces(
    policy: Any, nonce_in: Iterable[str], report_uri: str | None
) -> tuple[str, ...] | None:
    directives = _csp_directives(policy)
    if directives is None:
        return None
    if report_uri:
        directives = [d for d in directives if d[0].lower() != "report-uri"]
        directives.append(("report-uri", report_uri))
    wanted = {name.lower() for name in nonce_in}
    parts = []
    for name, value in directives:
        words = [name, value] if value else [name]
        # COMPAT(talisman): only directives the policy names get the nonce;
        # adding a script-src of its own would drop default-src's sources.
        if name.lower() in wanted:
            words.append(f"'nonce-{_NONCE_SLOT}'")
        parts.append(" ".join(words))
    return tuple("; ".join(parts).split(_NONCE_SLOT))


def _joined_policy(name: str, policy: Any, pair: str, sep: str) -> str | None:
    parsed = _policy_items(name, policy)
    if parsed is None or isinstance(parsed, str):
        return parsed
    return sep.join(f"{directive}{pair}{value}" for directive, value in parsed)


def _nonce_directives(value: Any) -> tuple[str, ...]:
    if value is None or value is False:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        _fail_type("content_security_policy_nonce_in", "a list of directive names", value)
    for directive in value:
        if not _DIRECTIVE_NAME.match(directive):
            raise ValueError(
                f"SecurityHeaders content_security_policy_nonce_in: {directive!r}"
                " is not a directive name"
            )
    return tuple(value)


def _frame_options(value: Any, allow_from: Any, *, need_origin: bool = True) -> str | None:
    if value is None or value is False:
        return None
    if not isinstance(value, str):
        _fail_type("frame_options", "'SAMEORIGIN', 'DENY', 'ALLOW-FROM' or None", value)
    # COMPAT(talisman): its README spells the constant "ALLOWFROM" too.
    normalized = _FRAME_OPTIONS.get(value.upper().replace("ALLOWFROM", "ALLOW-FROM"))
    if normalized is None:
        raise ValueError(
            f"SecurityHeaders frame_options must be 'SAMEORIGIN', 'DENY' or 'ALLOW-FROM', not {value!r}"
        )
    if normalized != ALLOW_FROM or not (need_origin or allow_from):
        return normalized
    if not allow_from or not isinstance(allow_from, str):
        # Talisman sends "ALLOW-FROM None" here, which browsers drop.
        raise ValueError("frame_options='ALLOW-FROM' needs frame_options_allow_from (an origin)")
    _check_text("frame_options_allow_from", allow_from)
    return f"{ALLOW_FROM} {allow_from}"


def _check_options(options: Mapping[str, Any], *, allowed: Iterable[str]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(
            f"Unknown SecurityHeaders option(s) here: {', '.join(unknown)}."
            f" Known: {', '.join(sorted(allowed))}."
        )
    for name in _BOOL_OPTIONS.intersection(options):
        if not isinstance(options[name], bool):
            _fail_type(name, "True or False", options[name])


def resolve_policy(options: Mapping[str, Any]) -> ResolvedPolicy:
    """Check a mapping of options (missing ones take their default) and
    compute the headers. Raises :class:`TypeError` for an unknown option or
    a value of the wrong type and :class:`ValueError` for a bad value."""
    _check_options(options, allowed=DEFAULT_OPTIONS)
    opts = {**DEFAULT_OPTIONS, **options}
    headers: list[tuple[str, str]] = []

    def add(name: str, value: str | None) -> None:
        if value:
            headers.append((name, value))

    # Feature-Policy uses CSP's syntax; its successors use structured fields.
    add("Feature-Policy", _joined_policy("feature_policy", opts["feature_policy"], " ", "; "))
    add(
        "Permissions-Policy",
        _joined_policy("permissions_policy", opts["permissions_policy"], "=", ", "),
    )
    add("Document-Policy", _joined_policy("document_policy", opts["document_policy"], "=", ", "))
    add("X-Frame-Options", _frame_options(opts["frame_options"], opts["frame_options_allow_from"]))
    if opts["x_xss_protection"]:
        # Off by default: browsers dropped this filter, and old ones could be
        # tricked by it into blanking parts of a page.
        add("X-XSS-Protection", "1; mode=block")
    if opts["x_content_type_options"]:
        add("X-Content-Type-Options", "nosniff")
    if opts["force_file_save"]:
        add("X-Download-Options", "noopen")
    referrer = opts["referrer_policy"]
    if referrer:
        if not isinstance(referrer, str) or not _TOKEN_LIST.match(referrer):
            raise ValueError(f"SecurityHeaders referrer_policy {referrer!r} is not a policy name")
        add("Referrer-Policy", referrer)

    report_uri = opts["content_security_policy_report_uri"]
    if report_uri is not None:
        if not isinstance(report_uri, str):
            _fail_type("content_security_policy_report_uri", "a string or None", report_uri)
        _check_text("content_security_policy_report_uri", report_uri)
        if ";" in report_uri or " " in report_uri.strip():
            raise ValueError("SecurityHeaders content_security_policy_report_uri must be one URI")
    report_only = opts["content_security_policy_report_only"]
    if report_only and not report_uri:
        raise ValueError(
            "content_security_policy_report_only=True needs content_security_policy_report_uri:"
            " a report-only policy that reports nowhere does nothing"
        )
    csp = _csp_pieces(
        opts["content_security_policy"],
        _nonce_directives(opts["content_security_policy_nonce_in"]),
        report_uri,
    )

    hsts = None
    if opts["strict_transport_security"]:
        max_age = opts["strict_transport_security_max_age"]
        if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
            _fail_type("strict_transport_security_max_age", "a number of seconds >= 0", max_age)
        hsts = f"max-age={max_age}"
        if opts["strict_transport_security_include_subdomains"]:
            hsts += "; includeSubDomains"
        if opts["strict_transport_security_preload"]:
            hsts += "; preload"

    samesite = opts["session_cookie_samesite"]
    if samesite is not None and samesite not in ("Lax", "Strict", "None"):
        raise ValueError(
            f"session_cookie_samesite must be 'Lax', 'Strict', 'None' or None, not {samesite!r}"
        )
    if samesite == "None" and not opts["session_cookie_secure"]:
        raise ValueError("session_cookie_samesite='None' needs session_cookie_secure=True")

    return ResolvedPolicy(
        force_https=opts["force_https"],
        redirect_code=301 if opts["force_https_permanent"] else 302,
        headers=tuple(headers),
        hsts=hsts,
        csp_header=(
            "Content-Security-Policy-Report-Only" if report_only else "Content-Security-Policy"
        ),
        csp=csp,
    )


class _ViewPolicy:
    """The options a decorated view changes; resolved against each app's
    options on the view's first request there."""

    __slots__ = ("options",)

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)


class _AppState:
    """What one app keeps in ``app.extensions["security"]``."""

    __slots__ = ("by_endpoint", "extension", "options", "policy", "warned_proxy")

    def __init__(self, extension: SecurityHeaders, options: dict[str, Any]) -> None:
        self.extension = extension
        self.options = options
        self.policy = resolve_policy(options)
        self.by_endpoint: dict[str | None, ResolvedPolicy] = {}
        self.warned_proxy = False

    def policy_for(self, endpoint: str | None) -> ResolvedPolicy:
        policy = self.by_endpoint.get(endpoint)
        if policy is not None:
            return policy
        policy = self.policy
        view = current_app.view_functions.get(endpoint) if endpoint is not None else None
        view_policy = getattr(view, _VIEW_ATTRIBUTE, None)
        if isinstance(view_policy, _ViewPolicy):
            policy = resolve_policy({**self.options, **view_policy.options})
        # PERF: an endpoint's view cannot change once requests are served,
        # so its policy is resolved once; a lost race only resolves it twice.
        self.by_endpoint[endpoint] = policy
        return policy


F = TypeVar("F", bound=Callable[..., Any])


class SecurityHeaders:
    """Set HTTP security headers on every response of an app, redirect HTTP
    to HTTPS and harden the session cookie (flask-talisman's ``Talisman``).

    Options are flask-talisman's, with its defaults; see
    :class:`SecurityOptions` and ``docs/ext/security.md``. Options given to
    the constructor apply to every app passed to :meth:`init_app`, whose own
    keyword arguments win.
    """

    def __init__(self, app: Erlen | None = None, **options: Unpack[SecurityOptions]) -> None:
        resolve_policy(options)
        self._options: dict[str, Any] = dict(options)
        # The options of each app set up so far, to check decorated views.
        self._app_options: list[dict[str, Any]] = []
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Erlen, **options: Unpack[SecurityOptions]) -> None:
        """Register the hooks on ``app`` and set its ``SESSION_COOKIE_SECURE``,
        ``SESSION_COOKIE_HTTPONLY`` and ``SESSION_COOKIE_SAMESITE``."""
        if "security" in app.extensions:
            raise RuntimeError(
                "SecurityHeaders is already set up on this app; pass every option to one instance"
            )
        merged = {**self._options, **options}
        state = _AppState(self, merged)
        for view in app.view_functions.values():
            view_policy = getattr(view, _VIEW_ATTRIBUTE, None)
            if isinstance(view_policy, _ViewPolicy):
                resolve_policy({**merged, **view_policy.options})
        self._app_options.append(merged)
        opts = {**DEFAULT_OPTIONS, **merged}
        # COMPAT(talisman): the extension owns these keys and overwrites them.
        app.config["SESSION_COOKIE_SECURE"] = opts["session_cookie_secure"]
        app.config["SESSION_COOKIE_HTTPONLY"] = opts["session_cookie_http_only"]
        app.config["SESSION_COOKIE_SAMESITE"] = opts["session_cookie_samesite"]
        app.extensions["security"] = state
        app.add_template_global(csp_nonce, "csp_nonce")

        def security_force_https() -> Response | None:
            policy = state.policy_for(request.endpoint)
            if not policy.force_https or request.is_secure or current_app.debug:
                # COMPAT(talisman): the debug server speaks plain HTTP only.
                return None
            if not state.warned_proxy and request.headers.get("X-Forwarded-Proto") == "https":
                state.warned_proxy = True
                current_app.logger.warning(
                    "SecurityHeaders is redirecting a request that a proxy marked"
                    " 'X-Forwarded-Proto: https' to HTTPS. If a proxy you trust ends TLS,"
                    " set PROXY_FIX = {'x_proto': 1} (or more) so request.is_secure"
                    " follows it; otherwise every request redirects forever."
                )
            # SECURITY: X-Forwarded-Proto counts only through PROXY_FIX
            # (request.is_secure); flask-talisman trusts it from anyone.
            return redirect("https" + request.url[len(request.scheme) :], policy.redirect_code)

        def security_headers(response: Response) -> Response:
            apply_headers(state, response)
            return response

        # Header work only: under ASGI they run on the loop, not in a thread.
        app.before_request(nonblocking(security_force_https))
        app.after_request(nonblocking(security_headers))
        _cover_unhandled_errors(app, state)

    def __call__(self, **options: Unpack[ViewOptions]) -> Callable[[F], F]:
        """Change some options for one view (sync or ``async def``)::

            @app.route("/embed")
            @security(frame_options=ALLOW_FROM, frame_options_allow_from="https://a.example")
            def embed(): ...

        Takes ``force_https``, ``frame_options``, ``frame_options_allow_from``,
        ``content_security_policy``, ``content_security_policy_nonce_in``,
        ``feature_policy``, ``permissions_policy`` and ``document_policy``;
        the others raise :class:`TypeError` (flask-talisman ignores them).
        """
        _check_options(options, allowed=VIEW_OPTIONS)
        # ALLOW-FROM may take its origin from the app's options: the pair is
        # checked against the apps set up so far, and on init_app (for views
        # registered by then); a view added later checks on its first request.
        _frame_options(
            options.get("frame_options"), options.get("frame_options_allow_from"), need_origin=False
        )
        resolve_policy({**options, "frame_options": None})
        for app_options in self._app_options:
            resolve_policy({**app_options, **options})
        view_policy = _ViewPolicy(options)

        def decorate(view: F) -> F:
            setattr(view, _VIEW_ATTRIBUTE, view_policy)
            return view

        return decorate


#: flask-talisman's name, for code moving over from Flask.
Talisman = SecurityHeaders


def apply_headers(state: _AppState, response: Response) -> None:
    """Set the headers of the current request's policy on ``response``,
    replacing any the view set (as flask-talisman does)."""
    policy = state.policy_for(request.endpoint)
    headers = response.headers
    for name, value in policy.headers:
        headers[name] = value
    csp = policy.csp
    if csp is not None:
        headers[policy.csp_header] = csp[0] if len(csp) == 1 else csp_nonce().join(csp)
    if policy.hsts is not None and request.is_secure:
        # Browsers ignore HSTS over plain HTTP, and a proxy's plain hop must
        # not claim it: sent on HTTPS requests (PROXY_FIX-aware) only.
        headers["Strict-Transport-Security"] = policy.hsts


def _cover_unhandled_errors(app: Erlen, state: _AppState) -> None:
    # COMPAT(talisman): in Flask the 500 of an unhandled exception passes
    # through after_request functions; erlen skips them there (API.md), so
    # the handler is wrapped, as extensions do, to keep the headers on it.
    handle_exception = app.handle_exception

    def security_handle_exception(e: Exception) -> Response:
        response = app.make_response(handle_exception(e))
        apply_headers(state, response)
        return response

    app.handle_exception = security_handle_exception  # type: ignore[method-assign]
