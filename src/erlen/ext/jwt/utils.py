"""Creating tokens, reading the current one, and the JWT cookies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

import jwt as pyjwt

from erlen import Response, g
from erlen.local import LocalProxy

from .config import ExpiresDelta, config
from .manager import get_jwt_manager
from .tokens import run_steps

__all__ = [
    "create_access_token",
    "create_refresh_token",
    "current_user",
    "decode_token",
    "get_csrf_token",
    "get_current_user",
    "get_jti",
    "get_jwt",
    "get_jwt_header",
    "get_jwt_identity",
    "get_jwt_request_location",
    "get_unverified_jwt_headers",
    "set_access_cookies",
    "set_refresh_cookies",
    "unset_access_cookies",
    "unset_jwt_cookies",
    "unset_refresh_cookies",
]

# Where verify_jwt_in_request keeps the request's token, on ``g``.
G_DATA = "_erlen_jwt"
G_HEADER = "_erlen_jwt_header"
G_USER = "_erlen_jwt_user"
G_LOCATION = "_erlen_jwt_location"

_NOT_VERIFIED = (
    "You must call @jwt_required() or verify_jwt_in_request() before using this function"
)


def get_jwt() -> dict[str, Any]:
    """The payload of the current request's token; ``{}`` on a
    ``jwt_required(optional=True)`` view that got none."""
    data = g.get(G_DATA)
    if data is None:
        raise RuntimeError(_NOT_VERIFIED)
    return data  # type: ignore[no-any-return]


def get_jwt_header() -> dict[str, Any]:
    """The JOSE header of the current request's token (``{}`` when none)."""
    header = g.get(G_HEADER)
    if header is None:
        raise RuntimeError(_NOT_VERIFIED)
    return header  # type: ignore[no-any-return]


def get_jwt_identity() -> Any:
    """The identity (``sub``) of the current request's token, or None."""
    return get_jwt().get(config.identity_claim)


def get_jwt_request_location() -> str | None:
    """Where the token was found: ``"headers"``, ``"cookies"``,
    ``"query_string"`` or ``"json"`` (None without a token)."""
    return g.get(G_LOCATION)  # type: ignore[no-any-return]


def get_current_user() -> Any:
    """The object ``user_lookup_loader`` returned for this request's token
    (None on an optional view without a token)."""
    get_jwt()
    loaded = g.get(G_USER)
    if loaded is None:
        raise RuntimeError("current_user needs a @jwt.user_lookup_loader callback to load the user")
    return loaded["loaded_user"]


#: The current request's user, as loaded by ``user_lookup_loader``.
current_user: Any = LocalProxy(get_current_user)


def decode_token(
    encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
) -> dict[str, Any]:
    """Verify and decode a token with the app's settings. It does not check
    the blocklist, load the user or store anything for the request."""
    return run_steps(get_jwt_manager()._decode_steps(encoded_token, csrf_value, allow_expired))


def create_access_token(
    identity: Any,
    fresh: bool | float | timedelta = False,
    expires_delta: ExpiresDelta | None = None,
    additional_claims: dict[str, Any] | None = None,
    additional_headers: dict[str, Any] | None = None,
) -> str:
    """A new signed access token for ``identity`` (a string, or what
    ``user_identity_loader`` turns into one).

    ``fresh`` is a bool, or a timedelta for how long it stays fresh;
    ``expires_delta`` overrides ``JWT_ACCESS_TOKEN_EXPIRES`` (False: never).
    """
    return get_jwt_manager()._encode_jwt_from_config(
        identity,
        "access",
        claims=additional_claims,
        fresh=fresh,
        expires_delta=expires_delta,
        headers=additional_headers,
    )


def create_refresh_token(
    identity: Any,
    expires_delta: ExpiresDelta | None = None,
    additional_claims: dict[str, Any] | None = None,
    additional_headers: dict[str, Any] | None = None,
) -> str:
    """A new signed refresh token for ``identity`` (never fresh);
    ``expires_delta`` overrides ``JWT_REFRESH_TOKEN_EXPIRES``."""
    return get_jwt_manager()._encode_jwt_from_config(
        identity,
        "refresh",
        claims=additional_claims,
        fresh=False,
        expires_delta=expires_delta,
        headers=additional_headers,
    )


def get_unverified_jwt_headers(encoded_token: str) -> dict[str, Any]:
    """The JOSE header of a token, WITHOUT verifying it."""
    return pyjwt.get_unverified_header(encoded_token)


def get_jti(encoded_token: str) -> str | None:
    """The ``jti`` (unique id) of a valid token."""
    return decode_token(encoded_token).get("jti")


def get_csrf_token(encoded_token: str) -> str:
    """The double-submit CSRF value inside a valid token (what the
    ``csrf_access_token`` cookie holds)."""
    token = decode_token(encoded_token)
    if "csrf" not in token:
        raise RuntimeError("This token has no csrf claim: JWT_COOKIE_CSRF_PROTECT was off")
    return str(token["csrf"])


def _set_pair(
    response: Response,
    kind: Literal["ACCESS", "REFRESH"],
    value: str,
    csrf_value: str | None,
    max_age: int | None,
    domain: str | None,
    expires: int | None = None,
) -> None:
    common: dict[str, Any] = {
        "secure": bool(config["JWT_COOKIE_SECURE"]),
        "domain": domain or config["JWT_COOKIE_DOMAIN"],
        "samesite": config["JWT_COOKIE_SAMESITE"],
        "max_age": max_age,
        "expires": expires,
    }
    # SECURITY: the token cookie is HttpOnly so page scripts (and XSS)
    # cannot read it; only the CSRF cookie is readable, by design.
    response.set_cookie(
        config[f"JWT_{kind}_COOKIE_NAME"],
        value,
        path=config[f"JWT_{kind}_COOKIE_PATH"],
        httponly=True,
        **common,
    )
    if config["JWT_COOKIE_CSRF_PROTECT"] and config["JWT_CSRF_IN_COOKIES"]:
        response.set_cookie(
            config[f"JWT_{kind}_CSRF_COOKIE_NAME"],
            csrf_value if csrf_value is not None else "",
            path=config[f"JWT_{kind}_CSRF_COOKIE_PATH"],
            httponly=False,
            **common,
        )


def _csrf_for(encoded_token: str) -> str | None:
    if config["JWT_COOKIE_CSRF_PROTECT"] and config["JWT_CSRF_IN_COOKIES"]:
        return get_csrf_token(encoded_token)
    return None


def set_access_cookies(
    response: Response,
    encoded_access_token: str,
    max_age: int | None = None,
    domain: str | None = None,
) -> None:
    """Put the access token in an HttpOnly cookie, and its CSRF value in a
    readable cookie (``JWT_COOKIE_CSRF_PROTECT`` and ``JWT_CSRF_IN_COOKIES``).

    ``max_age`` defaults to a session cookie (``JWT_SESSION_COOKIE``) or a
    year; ``domain`` to ``JWT_COOKIE_DOMAIN``."""
    _set_pair(
        response,
        "ACCESS",
        encoded_access_token,
        _csrf_for(encoded_access_token),
        max_age or config.cookie_max_age,
        domain,
    )


def set_refresh_cookies(
    response: Response,
    encoded_refresh_token: str,
    max_age: int | None = None,
    domain: str | None = None,
) -> None:
    """Like :func:`set_access_cookies`, for the refresh token."""
    _set_pair(
        response,
        "REFRESH",
        encoded_refresh_token,
        _csrf_for(encoded_refresh_token),
        max_age or config.cookie_max_age,
        domain,
    )


def unset_access_cookies(response: Response, domain: str | None = None) -> None:
    """Expire the access token cookie and its CSRF cookie."""
    _set_pair(response, "ACCESS", "", "", None, domain, expires=0)


def unset_refresh_cookies(response: Response, domain: str | None = None) -> None:
    """Expire the refresh token cookie and its CSRF cookie."""
    _set_pair(response, "REFRESH", "", "", None, domain, expires=0)


def unset_jwt_cookies(response: Response, domain: str | None = None) -> None:
    """Expire every JWT cookie (logout)."""
    unset_access_cookies(response, domain)
    unset_refresh_cookies(response, domain)
