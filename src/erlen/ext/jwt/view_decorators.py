"""Protecting views: ``jwt_required`` and ``verify_jwt_in_request``."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast, overload

from erlen import g, request

from .config import check_locations, config
from .exceptions import (
    CSRFError,
    FreshTokenRequired,
    InvalidHeaderError,
    InvalidQueryParamError,
    NoAuthorizationError,
    RevokedTokenError,
    UserClaimsVerificationError,
    UserLookupError,
    WrongTokenError,
)
from .manager import JWTManager, get_jwt_manager
from .tokens import Steps, run_steps, run_steps_async
from .utils import G_DATA, G_HEADER, G_LOCATION, G_USER, get_unverified_jwt_headers

__all__ = ["jwt_required", "verify_jwt_in_request", "verify_jwt_in_request_async"]

F = TypeVar("F", bound=Callable[..., Any])
LocationType = str | Sequence[str] | None

# COMPAT(flask_jwt_extended): CORS preflights never carry a token.
EXEMPT_METHODS = frozenset({"OPTIONS"})

_COMMA = re.compile(r",\s*")


def _from_headers() -> tuple[str, None]:
    name = config["JWT_HEADER_NAME"]
    if not name:
        raise RuntimeError("JWT_HEADER_NAME cannot be empty")
    kind = config["JWT_HEADER_TYPE"]
    value = request.headers.get(name, "").strip().strip(",")
    if not value:
        raise NoAuthorizationError(f"Missing {name} Header")
    if kind:
        # The header may carry several comma-separated credentials
        # ("Basic xyz, Bearer <JWT>"); exactly one must be ours.
        # A blank credential (", ,") has no first word: skip it, not IndexError.
        ours = [part for part in _COMMA.split(value) if part.split()[:1] == [kind]]
        if len(ours) != 1:
            raise NoAuthorizationError(
                f"Missing '{kind}' type in '{name}' header. Expected '{name}: {kind} <JWT>'"
            )
        parts = ours[0].split()
        if len(parts) != 2:
            raise InvalidHeaderError(f"Bad {name} header. Expected '{name}: {kind} <JWT>'")
        return parts[1], None
    parts = value.split()
    if len(parts) != 1:
        raise InvalidHeaderError(f"Bad {name} header. Expected '{name}: <JWT>'")
    return parts[0], None


def _from_cookies(refresh: bool) -> tuple[str, str | None]:
    kind = "REFRESH" if refresh else "ACCESS"
    cookie = config[f"JWT_{kind}_COOKIE_NAME"]
    token = request.cookies.get(cookie)
    if not token:
        raise NoAuthorizationError(f'Missing cookie "{cookie}"')
    if not (config["JWT_COOKIE_CSRF_PROTECT"] and request.method in config.csrf_methods):
        return token, None
    # SECURITY: the double-submit check. A cross-site form sends the cookie
    # but cannot read the CSRF cookie to copy it into the header.
    csrf = request.headers.get(config[f"JWT_{kind}_CSRF_HEADER_NAME"])
    if not csrf and config["JWT_CSRF_CHECK_FORM"]:
        csrf = request.form.get(config[f"JWT_{kind}_CSRF_FIELD_NAME"])
    if not csrf:
        raise CSRFError("Missing CSRF token")
    return token, csrf


def _from_query_string() -> tuple[str, None]:
    name = config["JWT_QUERY_STRING_NAME"]
    prefix = config["JWT_QUERY_STRING_VALUE_PREFIX"] or ""
    value = request.args.get(name)
    if not value:
        raise NoAuthorizationError(f"Missing '{name}' query paramater")
    if not value.startswith(prefix):
        raise InvalidQueryParamError(
            f"Invalid value for query parameter '{name}'. Expected the value to start with '{prefix}'"
        )
    return value[len(prefix) :], None


def _from_json(refresh: bool) -> tuple[str, None]:
    if not request.is_json:
        raise NoAuthorizationError("Invalid content-type. Must be application/json.")
    key = config["JWT_REFRESH_JSON_KEY" if refresh else "JWT_JSON_KEY"]
    # A malformed body is a missing token here, not a 400 from the parser.
    body = request.get_json(silent=True)
    token = body.get(key) if isinstance(body, dict) else None
    if not token or not isinstance(token, str):
        raise NoAuthorizationError(f'Missing "{key}" key in json data.')
    return token, None


_READERS: dict[str, Callable[[bool], tuple[str, str | None]]] = {
    "headers": lambda refresh: _from_headers(),
    "cookies": _from_cookies,
    "query_string": lambda refresh: _from_query_string(),
    "json": _from_json,
}


def _check_fresh(header: dict[str, Any], data: dict[str, Any]) -> None:
    fresh = data["fresh"]
    if isinstance(fresh, bool):
        if not fresh:
            raise FreshTokenRequired("Fresh token required", header, data)
    elif not isinstance(fresh, (int, float)) or fresh < datetime.now(UTC).timestamp():
        raise FreshTokenRequired("Fresh token required", header, data)


def _verify_steps(
    manager: JWTManager,
    optional: bool,
    fresh: bool,
    refresh: bool,
    locations: LocationType,
    verify_type: bool,
    skip_revocation_check: bool,
) -> Steps[tuple[dict[str, Any], dict[str, Any]] | None]:
    if request.method in EXEMPT_METHODS:
        return None
    wanted = check_locations(locations, "locations") if locations else config.locations
    errors: list[str] = []
    found: tuple[str, str, str | None] | None = None
    for location in wanted:
        try:
            token, csrf = _READERS[location](refresh)
        except NoAuthorizationError as error:
            errors.append(str(error))
            continue
        found = (location, token, csrf)
        break
    if found is None:
        if optional:
            setattr(g, G_DATA, {})
            setattr(g, G_HEADER, {})
            setattr(g, G_USER, {"loaded_user": None})
            setattr(g, G_LOCATION, None)
            return None
        if len(wanted) > 1:
            raise NoAuthorizationError(
                f"Missing JWT in {', '.join(wanted[:-1])} or {wanted[-1]} ({'; '.join(errors)})"
            )
        raise NoAuthorizationError(errors[0])
    location, token, csrf = found
    # An invalid token is an error even on an optional view: the client
    # meant to authenticate and must learn that it failed.
    data = yield from manager._decode_steps(token, csrf)
    header = get_unverified_jwt_headers(token)
    if verify_type:
        if refresh and data["type"] != "refresh":
            raise WrongTokenError("Only refresh tokens are allowed")
        if not refresh and data["type"] == "refresh":
            raise WrongTokenError("Only non-refresh tokens are allowed")
    if fresh:
        _check_fresh(header, data)
    if not skip_revocation_check:
        revoked = yield (manager._token_in_blocklist_callback, (header, data))
        if revoked:
            raise RevokedTokenError(header, data)
    verified = yield (manager._token_verification_callback, (header, data))
    if not verified:
        raise UserClaimsVerificationError("User claims verification failed", header, data)
    loaded: dict[str, Any] | None = None
    if manager._user_lookup_callback is not None:
        user = yield (manager._user_lookup_callback, (header, data))
        if user is None:
            identity = data.get(config.identity_claim)
            raise UserLookupError(f"user_lookup returned None for {identity}", header, data)
        loaded = {"loaded_user": user}
    # Stored last: only a token that passed every check is visible to the view.
    setattr(g, G_USER, loaded)
    setattr(g, G_HEADER, header)
    setattr(g, G_DATA, data)
    setattr(g, G_LOCATION, location)
    return header, data


def verify_jwt_in_request(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: LocationType = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Check the request's token; raise the error that becomes the 401/422
    response when it is missing (unless ``optional``) or unusable.

    Returns ``(header, payload)``, or None when ``optional`` and no token
    was sent (and for ``OPTIONS`` requests, which are exempt). Arguments as
    :func:`jwt_required`. ``async def`` callbacks are run to completion;
    in an ``async def`` view prefer :func:`verify_jwt_in_request_async`.
    """
    return run_steps(
        _verify_steps(
            get_jwt_manager(),
            optional,
            fresh,
            refresh,
            locations,
            verify_type,
            skip_revocation_check,
        )
    )


async def verify_jwt_in_request_async(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: LocationType = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """:func:`verify_jwt_in_request` for ``async def`` code: ``async def``
    callbacks (a blocklist in an async Redis, say) are awaited."""
    return await run_steps_async(
        _verify_steps(
            get_jwt_manager(),
            optional,
            fresh,
            refresh,
            locations,
            verify_type,
            skip_revocation_check,
        )
    )


@overload
def jwt_required(view: F, /) -> F: ...
@overload
def jwt_required(
    optional: bool = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: LocationType = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
) -> Callable[[F], F]: ...
def jwt_required(
    optional: Any = False,
    fresh: bool = False,
    refresh: bool = False,
    locations: LocationType = None,
    verify_type: bool = True,
    skip_revocation_check: bool = False,
) -> Any:
    """Protect a view (sync or ``async def``) with a JWT::

        @app.get("/me")
        @jwt_required()
        def me():
            return {"user": get_jwt_identity()}

    ``optional``: no token is fine (a bad one is still refused). ``fresh``:
    require a fresh token. ``refresh``: require a refresh token instead of
    an access one (``verify_type=False`` accepts both). ``locations``:
    where to look instead of ``JWT_TOKEN_LOCATION``.
    ``skip_revocation_check``: do not call ``token_in_blocklist_loader``.
    """
    if callable(optional):
        # COMPAT: also usable bare, @jwt_required, like login_required.
        return jwt_required()(optional)
    settings = (bool(optional), fresh, refresh, locations, verify_type, skip_revocation_check)
    if locations:
        check_locations(locations, "locations")

    def decorate(view: F) -> F:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                await verify_jwt_in_request_async(*settings)
                return await view(*args, **kwargs)

            return cast(F, async_wrapper)

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request(*settings)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
