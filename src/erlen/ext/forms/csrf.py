"""CSRF protection: tokens for forms and a request hook that checks them.

The session keeps one random raw token per field name; every page gets that
raw token signed with a timestamp (``itsdangerous``), so each page load sees a
different value that validates as long as the session lives and the signature
is younger than ``WTF_CSRF_TIME_LIMIT``. A token from another session, a
tampered token or an expired one is refused with a :class:`CSRFError` (400).

::

    from erlen import Erlen
    from erlen.ext.forms import CSRFProtect

    app = Erlen(__name__)
    app.config["SECRET_KEY"] = "your-secret-key"
    csrf = CSRFProtect(app)
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup
from wtforms.validators import ValidationError

from erlen import BadRequest, Blueprint, Erlen, current_app, g, nonblocking, request, session

__all__ = [
    "CSRFError",
    "CSRFProtect",
    "csrf_meta_tag",
    "generate_csrf",
    "same_origin",
    "validate_csrf",
]

logger = logging.getLogger("erlen.ext.forms.csrf")

V = TypeVar("V")

# COMPAT(flask_wtf): the same salt and serializer, so a token rendered by a
# Flask-WTF app validates here for the same session raw token and secret key
# (a migrated app does not fail the forms open in its users' browsers).
TOKEN_SALT = "wtf-csrf-token"

DEFAULT_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_HEADERS = ("X-CSRFToken", "X-CSRF-Token")
DEFAULT_TIME_LIMIT = 3600
# The signed tokens made in this request, on ``g``: the same value for every
# form and ``csrf_token()`` call of one page.
_G_CACHE = "_erlen_csrf_tokens"


class CSRFError(BadRequest):
    """The request failed the CSRF check: a 400 whose ``description`` says
    why ("The CSRF token is missing.", "The CSRF token has expired."...).
    Register an error handler for it to render your own page."""

    description = "CSRF validation failed."


def _secret_key(secret_key: str | bytes | None) -> str | bytes:
    if secret_key is None:
        # app.secret_key: SECRET_KEY, or a subclass's class attribute.
        secret_key = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    if not secret_key:
        raise RuntimeError(
            "A secret key is required to use CSRF: set WTF_CSRF_SECRET_KEY or SECRET_KEY."
        )
    return secret_key


def _field_name(token_key: str | None) -> str:
    if token_key is not None:
        return token_key
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def _serializer(secret_key: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT)


def generate_csrf(secret_key: str | bytes | None = None, token_key: str | None = None) -> str:
    """Return a signed CSRF token for the current session, creating the
    session's raw token on first use.

    Within one request every call returns the same value. ``secret_key``
    defaults to ``WTF_CSRF_SECRET_KEY``, then ``SECRET_KEY``; ``token_key``
    (the session key and form field name) to ``WTF_CSRF_FIELD_NAME``.
    Available in templates as ``csrf_token()`` once :class:`CSRFProtect` is
    set up.
    """
    key = _secret_key(secret_key)
    field_name = _field_name(token_key)
    raw = session.get(field_name)
    if not isinstance(raw, str):
        # SECURITY: 160 bits from the OS CSPRNG; the raw token never leaves
        # the (encrypted) session except inside a signed value.
        raw = secrets.token_hex(20)
        session[field_name] = raw
    cache: dict[tuple[str, str, str | bytes], str] = g.setdefault(_G_CACHE, {})
    # Keyed by the raw token too: a view that clears the session (a login)
    # and renders a form afterwards gets a token for the new raw token.
    cache_key = (field_name, raw, key)
    token = cache.get(cache_key)
    if token is None:
        token = cache[cache_key] = str(_serializer(key).dumps(raw))
    return token


def validate_csrf(
    data: Any,
    secret_key: str | bytes | None = None,
    time_limit: int | None = None,
    token_key: str | None = None,
) -> None:
    """Check a signed CSRF token against the current session.

    Raises :class:`wtforms.validators.ValidationError` with the reason: the
    token is missing, the session has no token, the token has expired
    (``time_limit`` seconds, default ``WTF_CSRF_TIME_LIMIT``; a limit of
    None there means the token lives as long as the session), is invalid
    (tampered, not ours) or was made for another session.
    """
    key = _secret_key(secret_key)
    field_name = _field_name(token_key)
    if time_limit is None:
        time_limit = current_app.config.get("WTF_CSRF_TIME_LIMIT", DEFAULT_TIME_LIMIT)
    if not data:
        raise ValidationError("The CSRF token is missing.")
    if not isinstance(data, str | bytes):
        raise ValidationError("The CSRF token is invalid.")
    raw = session.get(field_name)
    if not isinstance(raw, str):
        raise ValidationError("The CSRF session token is missing.")
    try:
        token = _serializer(key).loads(data, max_age=time_limit)
    except SignatureExpired:
        raise ValidationError("The CSRF token has expired.") from None
    except BadData:
        raise ValidationError("The CSRF token is invalid.") from None
    # SECURITY: constant-time comparison, so timing does not reveal how much
    # of a guessed raw token is right.
    if not isinstance(token, str) or not hmac.compare_digest(
        token.encode("utf-8"), raw.encode("utf-8")
    ):
        raise ValidationError("The CSRF tokens do not match.")


def csrf_meta_tag(
    name: str | None = None,
    secret_key: str | bytes | None = None,
    token_key: str | None = None,
) -> Markup:
    """A ``<meta name="csrf-token" content="...">`` tag with a token, for
    scripts to read and send back in the ``X-CSRFToken`` header. ``name``
    defaults to ``WTF_CSRF_META_NAME``; in templates: ``{{ csrf_meta_tag() }}``."""
    if name is None:
        name = str(current_app.config.get("WTF_CSRF_META_NAME", "csrf-token"))
    token = generate_csrf(secret_key=secret_key, token_key=token_key)
    return Markup('<meta name="{}" content="{}">').format(name, token)


def same_origin(current_uri: str, compare_uri: str) -> bool:
    """Whether two URLs have the same scheme, host and port."""
    try:
        current = urlsplit(current_uri)
        compare = urlsplit(compare_uri)
        current_port, compare_port = current.port, compare.port
    except ValueError:
        # A header that is not a URL ("https://[::1/", a bad IPv6 host, an
        # out-of-range or non-numeric port) is not our origin.
        return False
    return (
        current.scheme == compare.scheme
        and current.hostname == compare.hostname
        and current_port == compare_port
    )


class CSRFProtect:
    """Check a CSRF token on every POST, PUT, PATCH and DELETE request
    (``WTF_CSRF_METHODS``), from the form field ``csrf_token`` or the
    ``X-CSRFToken`` / ``X-CSRF-Token`` headers (for AJAX).

    ``CSRFProtect(app)`` or, with an application factory,
    ``csrf = CSRFProtect()`` then ``csrf.init_app(app)``. Views and
    blueprints that must not be checked (webhooks, token-authenticated APIs)
    are marked with :meth:`exempt`.
    """

    def __init__(self, app: Erlen | None = None) -> None:
        self._exempt_views: set[str] = set()
        self._exempt_blueprints: list[Blueprint] = []
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Erlen) -> None:
        """Set the ``WTF_CSRF_*`` defaults, add ``csrf_token()`` to the
        templates and register the check as a ``before_request`` hook."""
        app.extensions["csrf"] = self
        config = app.config
        config.setdefault("WTF_CSRF_ENABLED", True)
        config.setdefault("WTF_CSRF_CHECK_DEFAULT", True)
        methods = config.get("WTF_CSRF_METHODS")
        if methods is None:
            methods = DEFAULT_METHODS
        config["WTF_CSRF_METHODS"] = {str(method).upper() for method in methods}
        config.setdefault("WTF_CSRF_FIELD_NAME", "csrf_token")
        config.setdefault("WTF_CSRF_HEADERS", list(DEFAULT_HEADERS))
        config.setdefault("WTF_CSRF_META_NAME", "csrf-token")
        config.setdefault("WTF_CSRF_TIME_LIMIT", DEFAULT_TIME_LIMIT)
        config.setdefault("WTF_CSRF_SSL_STRICT", True)
        app.add_template_global(generate_csrf, "csrf_token")
        app.add_template_global(csrf_meta_tag, "csrf_meta_tag")

        # Under ASGI the check runs on the loop when it is cheap (see
        # _cheap_to_check); a large or streamed body is parsed in a thread.
        @nonblocking(when=_cheap_to_check)
        def csrf_protect() -> None:
            self._check_request()

        app.before_request(csrf_protect)

    def _check_request(self) -> None:
        config = current_app.config
        if not config["WTF_CSRF_ENABLED"] or not config["WTF_CSRF_CHECK_DEFAULT"]:
            return
        self.protect(apply_exemptions=True)

    def _is_exempt(self, endpoint: str) -> bool:
        if self._exempt_blueprints:
            app_blueprints = current_app.blueprints
            # Innermost first: an exempt blueprint covers those nested in it.
            for name in request.blueprints:
                blueprint = app_blueprints.get(name)
                if blueprint is not None and any(
                    blueprint is exempt for exempt in self._exempt_blueprints
                ):
                    return True
        if self._exempt_views:
            view = current_app.view_functions.get(endpoint)
            if view is not None and _view_location(view) in self._exempt_views:
                return True
        return False

    def protect(self, apply_exemptions: bool = False) -> None:
        """Check the current request now; raise :class:`CSRFError` if it
        fails. Call it yourself (in a view or a ``before_request`` hook) when
        ``WTF_CSRF_CHECK_DEFAULT`` is False; with ``apply_exemptions=True``
        the views and blueprints marked with :meth:`exempt` pass unchecked,
        as do requests that matched no route."""
        config = current_app.config
        # PERF: the method first; GET and HEAD skip the exemption lookups.
        if request.method not in _methods(config):
            return
        if apply_exemptions:
            endpoint = request.endpoint
            # No route matched: the 404/405 answers; nothing to protect.
            if endpoint is None or self._is_exempt(endpoint):
                return
        try:
            validate_csrf(self._token_from_request())
        except ValidationError as error:
            logger.info(error.args[0])
            self._error_response(error.args[0])
        if request.is_secure and config.get("WTF_CSRF_SSL_STRICT", True):
            # SECURITY: a man-in-the-middle of the victim's plain-HTTP
            # traffic can plant a session cookie (and so a token it knows)
            # for this host; a same-host HTTPS Referer proves the post came
            # from one of our own HTTPS pages.
            referrer = request.referrer
            if not referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True

    def _token_from_request(self) -> str | None:
        field_name = str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        form = request.form
        token = form.get(field_name)
        if token:
            return token
        # COMPAT(flask_wtf): a form made with ``prefix=`` names its field
        # ``<prefix>-csrf_token``.
        for key in form:
            if key.endswith(field_name):
                token = form[key]
                if token:
                    return token
        for header in current_app.config.get("WTF_CSRF_HEADERS", DEFAULT_HEADERS):
            token = request.headers.get(header)
            if token:
                return token
        return None

    def exempt(self, view: V) -> V:
        """Skip the CSRF check for a view (the function, or its
        ``"module.name"`` as a string) or for every view of a blueprint (and
        of the blueprints nested in it). Usable as a decorator."""
        if isinstance(view, Blueprint):
            self._exempt_blueprints.append(view)
        elif isinstance(view, str):
            self._exempt_views.add(view)
        elif callable(view):
            self._exempt_views.add(_view_location(view))
        else:
            raise TypeError(
                f"exempt() takes a view function, a 'module.name' string or a"
                f" Blueprint, not {type(view).__name__}."
            )
        return view

    def _error_response(self, reason: str) -> NoReturn:
        """Raise the :class:`CSRFError` for ``reason``; override it to raise
        something else."""
        raise CSRFError(reason)


#: Bodies up to this size are parsed on the event loop under ASGI.
CHEAP_BODY_SIZE = 64 * 1024


def _cheap_to_check() -> bool:
    # Nothing to check (GET, HEAD...), or a small body that arrived whole
    # before the hooks (not a stream_body route, whose body is still coming).
    if request.method not in _methods(current_app.config):
        return True
    if getattr(request.url_rule, "stream_body", False):
        return False
    length = request.content_length
    return length is not None and length <= CHEAP_BODY_SIZE


def _methods(config: Any) -> Any:
    return config.get("WTF_CSRF_METHODS", DEFAULT_METHODS)


def _view_location(view: Callable[..., Any]) -> str:
    return f"{view.__module__}.{getattr(view, '__name__', type(view).__name__)}"
