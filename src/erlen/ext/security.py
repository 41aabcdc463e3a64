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
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, NoReturn, Self, TypedDict, TypeVar, Unpack

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
        else:
            # A tuple first: a generator would be used up by the check.
            values = tuple(value) if isinstance(value, Iterable) else None
            if values is None or not all(isinstance(v, str) for v in values):
                _fail_type(f"{name}[{directive!r}]", "a string or a list of strings", value)
            text = " ".join(values)
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
    # COMPAT(talisman): a report-uri written in the policy (a view's, say)
    # is kept; the option adds one to a policy without.
    if report_uri and all(name.lower() != "report-uri" for name, _ in directives):
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
    return _resolve(options, complete=True)


def _resolve(options: Mapping[str, Any], *, complete: bool) -> ResolvedPolicy:
    # complete=False checks each value on its own, not the pairs that must
    # go together (ALLOW-FROM and its origin...), which an option set as an
    # attribute may still be waiting for.
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
    add(
        "X-Frame-Options",
        _frame_options(
            opts["frame_options"], opts["frame_options_allow_from"], need_origin=complete
        ),
    )
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
    if report_only and not report_uri and complete:
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
    if samesite == "None" and not opts["session_cookie_secure"] and complete:
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


#: The options whose value may be a dict of directives.
_POLICY_OPTIONS: Final = frozenset(
    {"content_security_policy", "feature_policy", "permissions_policy", "document_policy"}
)
#: The options the extension writes to each app's config.
_CONFIG_KEYS: Final = {
    "session_cookie_secure": "SESSION_COOKIE_SECURE",
    "session_cookie_http_only": "SESSION_COOKIE_HTTPONLY",
    "session_cookie_samesite": "SESSION_COOKIE_SAMESITE",
}

T = TypeVar("T")


def _stored_value(value: Any) -> Any:
    # A directive's list of sources is kept as a tuple: appending to it in
    # place would change nothing, so it fails instead of doing so silently.
    if isinstance(value, str) or not isinstance(value, Iterable):
        return value
    return tuple(value)


class _LivePolicy(dict[str, Any]):
    """A policy option as read from the extension
    (``security.content_security_policy``): changing it in place changes the
    headers from the next request on, as in flask-talisman. Each change is
    checked as it is made; a bad one raises and is undone."""

    __slots__ = ("_extension", "_name")

    def __init__(self, extension: SecurityHeaders, name: str, policy: Mapping[str, Any]) -> None:
        super().__init__({key: _stored_value(value) for key, value in policy.items()})
        self._extension = extension
        self._name = name

    def _change(self, change: Callable[[], T]) -> T:
        before = dict(self)
        result = change()
        try:
            self._extension._policy_changed(self._name, self)
        except BaseException:
            dict.clear(self)
            dict.update(self, before)
            raise
        return result

    def __setitem__(self, key: str, value: Any) -> None:
        self._change(lambda: dict.__setitem__(self, key, _stored_value(value)))

    def __delitem__(self, key: str) -> None:
        self._change(lambda: dict.__delitem__(self, key))

    def __ior__(self, other: Any) -> Self:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __reduce__(self) -> Any:
        # copy.copy(), deepcopy() and pickle give a plain dict.
        return (dict, (dict(self),))

    def clear(self) -> None:
        self._change(lambda: dict.clear(self))

    def pop(self, key: str, *default: Any) -> Any:
        return self._change(lambda: dict.pop(self, key, *default))

    def popitem(self) -> tuple[str, Any]:
        return self._change(lambda: dict.popitem(self))

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        items = {key: _stored_value(value) for key, value in dict(*args, **kwargs).items()}
        self._change(lambda: dict.update(self, items))


class _AppState:
    """What one app keeps in ``app.extensions["security"]``."""

    __slots__ = (
        "__weakref__",
        "app",
        "by_endpoint",
        "extension",
        "options",
        "overrides",
        "policy",
        "warned_proxy",
        "written",
    )

    def __init__(self, extension: SecurityHeaders, app: Erlen, overrides: dict[str, Any]) -> None:
        self.extension = extension
        self.app = app
        #: The options given to init_app; the extension's own apply otherwise.
        self.overrides = overrides
        #: The options in force: a copy, so requests never read a dict that
        #: is being changed.
        self.options: dict[str, Any] = {}
        #: None while options set one at a time do not go together yet.
        self.policy: ResolvedPolicy | None = None
        self.by_endpoint: dict[str | None, ResolvedPolicy] = {}
        #: The SESSION_COOKIE_* values this extension wrote to the config.
        self.written: dict[str, Any] = {}
        self.warned_proxy = False

    def current_options(self) -> dict[str, Any]:
        merged = {**self.extension._options, **self.overrides}
        return {
            name: dict(value) if isinstance(value, Mapping) else value
            for name, value in merged.items()
        }

    def update(self) -> None:
        """Take the options in force now: at setup, and whenever one is set."""
        options = self.current_options()
        try:
            policy: ResolvedPolicy | None = resolve_policy(options)
        except (TypeError, ValueError):
            # Options that go in pairs, set one at a time (ALLOW-FROM, then
            # its origin): a request raises if the pair is still incomplete.
            policy = None
        # In this order: policy_for reads by_endpoint first, so a policy it
        # caches is never older than the cache.
        self.options = options
        self.policy = policy
        self.by_endpoint = {}
        if policy is None:
            return
        config = self.app.config
        for name, key in _CONFIG_KEYS.items():
            value = options.get(name, DEFAULT_OPTIONS[name])
            # COMPAT(talisman): the extension owns these keys; it writes one
            # again when its option changes, not when the app changed it.
            if name not in self.written or self.written[name] != value:
                config[key] = value
                self.written[name] = value

    def policy_for(self, endpoint: str | None) -> ResolvedPolicy:
        cache = self.by_endpoint
        policy = cache.get(endpoint)
        if policy is not None:
            return policy
        options = self.options
        policy = self.policy
        view = current_app.view_functions.get(endpoint) if endpoint is not None else None
        view_policy = getattr(view, _VIEW_ATTRIBUTE, None)
        if isinstance(view_policy, _ViewPolicy):
            policy = resolve_policy({**options, **view_policy.options})
        elif policy is None:
            # Raises, saying which option is missing.
            policy = resolve_policy(options)
        # PERF: an endpoint's view cannot change once requests are served,
        # so its policy is resolved once; a lost race only resolves it twice.
        cache[endpoint] = policy
        return policy


F = TypeVar("F", bound=Callable[..., Any])


class SecurityHeaders:
    """Set HTTP security headers on every response of an app, redirect HTTP
    to HTTPS and harden the session cookie (flask-talisman's ``Talisman``).

    Options are flask-talisman's, with its defaults; see
    :class:`SecurityOptions` and ``docs/ext/security.md``. Options given to
    the constructor apply to every app passed to :meth:`init_app`, whose own
    keyword arguments win.

    As in flask-talisman, each option is also an attribute, to read or to
    set after setup (``security.force_https = False``,
    ``security.content_security_policy["img-src"] = "*"``): it applies to
    every app from the next request on. Reading one gives the value of the
    app set up last. A bad value raises at once; options that go together
    (``frame_options=ALLOW_FROM`` and its origin, report-only and its URI)
    may be set one after the other, and a request in between raises.
    """

    force_https: bool
    force_https_permanent: bool
    force_file_save: bool
    frame_options: str | Literal[False] | None
    frame_options_allow_from: str | None
    strict_transport_security: bool
    strict_transport_security_preload: bool
    strict_transport_security_max_age: int
    strict_transport_security_include_subdomains: bool
    content_security_policy: PolicyInput
    content_security_policy_report_uri: str | None
    content_security_policy_report_only: bool
    content_security_policy_nonce_in: Iterable[str] | str | None
    referrer_policy: str | Literal[False] | None
    feature_policy: PolicyInput
    permissions_policy: PolicyInput
    document_policy: PolicyInput
    session_cookie_secure: bool
    session_cookie_http_only: bool
    session_cookie_samesite: str | None
    x_content_type_options: bool
    x_xss_protection: bool

    def __init__(self, app: Erlen | None = None, **options: Unpack[SecurityOptions]) -> None:
        self._states: list[weakref.ref[_AppState]] = []
        self._options: dict[str, Any] = {
            name: self._stored_option(name, value) for name, value in options.items()
        }
        resolve_policy(self._options)
        if app is not None:
            self.init_app(app)

    def _stored_option(self, name: str, value: Any) -> Any:
        if name in _POLICY_OPTIONS and isinstance(value, Mapping):
            return _LivePolicy(self, name, value)
        if name == "content_security_policy_nonce_in" and not isinstance(value, str | None):
            return _stored_value(value)
        return value

    def _live_states(self) -> list[_AppState]:
        states = [state for state in (ref() for ref in self._states) if state is not None]
        if len(states) < len(self._states):
            self._states = [weakref.ref(state) for state in states]
        return states

    def __getattr__(self, name: str) -> Any:
        # Only the options get here: no class attribute holds them.
        if name not in DEFAULT_OPTIONS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        states = self._live_states()
        if states and name in states[-1].overrides:
            return states[-1].overrides[name]
        if name in self._options:
            return self._options[name]
        default = DEFAULT_OPTIONS[name]
        if isinstance(default, Mapping):
            # A copy of the default, to change in place; the apps share it.
            default = self._options[name] = self._stored_option(name, default)
        return default

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in DEFAULT_OPTIONS:
            object.__setattr__(self, name, value)
            return
        stored = self._stored_option(name, value)
        self._check_change(name, stored)
        self._options[name] = stored
        for state in self._live_states():
            state.overrides.pop(name, None)
            state.update()

    def _policy_changed(self, name: str, policy: _LivePolicy) -> None:
        self._check_change(name, policy)
        for state in self._live_states():
            state.update()

    def _check_change(self, name: str, value: Any) -> None:
        # The value with the options it joins, so that it raises before it
        # is used; only the pairs that must go together (ALLOW-FROM and its
        # origin...) wait for the next request, as either may be set first.
        _resolve({**self._options, name: value}, complete=False)
        for state in self._live_states():
            _resolve({**state.current_options(), name: value}, complete=False)

    def init_app(self, app: Erlen, **options: Unpack[SecurityOptions]) -> None:
        """Register the hooks on ``app`` and set its ``SESSION_COOKIE_SECURE``,
        ``SESSION_COOKIE_HTTPONLY`` and ``SESSION_COOKIE_SAMESITE``."""
        if "security" in app.extensions:
            raise RuntimeError(
                "SecurityHeaders is already set up on this app; pass every option to one instance"
            )
        overrides = {name: self._stored_option(name, value) for name, value in options.items()}
        state = _AppState(self, app, overrides)
        merged = state.current_options()
        resolve_policy(merged)
        for view in app.view_functions.values():
            view_policy = getattr(view, _VIEW_ATTRIBUTE, None)
            if isinstance(view_policy, _ViewPolicy):
                resolve_policy({**merged, **view_policy.options})
        # Also writes the SESSION_COOKIE_* keys.
        state.update()
        self._states.append(weakref.ref(state))
        app.extensions["security"] = state
        app.add_template_global(csp_nonce, "csp_nonce")

        def security_before_request() -> Response | None:
            policy = state.policy_for(request.endpoint)
            # COMPAT(talisman): the debug server speaks plain HTTP only.
            if policy.force_https and not request.is_secure and not current_app.debug:
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
            csp = policy.csp
            if csp is not None and len(csp) > 1:
                # COMPAT(talisman): the nonce the policy carries is also
                # request.csp_nonce.
                request.csp_nonce = csp_nonce()  # type: ignore[attr-defined]
            return None

        def security_headers(response: Response) -> Response:
            apply_headers(state, response)
            return response

        # Header work only: under ASGI they run on the loop, not in a thread.
        app.before_request(nonblocking(security_before_request))
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
        for state in self._live_states():
            if state.policy is not None:
                resolve_policy({**state.options, **options})
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
