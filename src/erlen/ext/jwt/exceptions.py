"""The errors a protected view can raise; :class:`~erlen.ext.jwt.JWTManager`
turns each into its JSON error response (flask_jwt_extended's classes)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "CSRFError",
    "FreshTokenRequired",
    "InvalidHeaderError",
    "InvalidQueryParamError",
    "JWTDecodeError",
    "JWTExtendedException",
    "NoAuthorizationError",
    "RevokedTokenError",
    "UserClaimsVerificationError",
    "UserLookupError",
    "WrongTokenError",
]


class JWTExtendedException(Exception):
    """The base of this extension's errors."""


class JWTDecodeError(JWTExtendedException):
    """A token decoded but lacks a claim this extension needs (422)."""


class InvalidHeaderError(JWTExtendedException):
    """The ``Authorization`` header is not ``<type> <JWT>`` (422)."""


class InvalidQueryParamError(JWTExtendedException):
    """The query string value lacks ``JWT_QUERY_STRING_VALUE_PREFIX`` (422)."""


class NoAuthorizationError(JWTExtendedException):
    """No token in any of the looked-at locations (401)."""


class CSRFError(JWTExtendedException):
    """A cookie token without, or with the wrong, double-submit CSRF value (401)."""


class WrongTokenError(JWTExtendedException):
    """A refresh token where an access token is required, or the reverse (422)."""


class _WithToken(JWTExtendedException):
    def __init__(self, message: str, jwt_header: dict[str, Any], jwt_data: dict[str, Any]):
        super().__init__(message)
        self.jwt_header = jwt_header
        self.jwt_data = jwt_data


class RevokedTokenError(_WithToken):
    """``token_in_blocklist_loader`` said the token is revoked (401)."""

    def __init__(self, jwt_header: dict[str, Any], jwt_data: dict[str, Any]) -> None:
        super().__init__("Token has been revoked", jwt_header, jwt_data)


class FreshTokenRequired(_WithToken):
    """A non-fresh token on a ``fresh=True`` view (401)."""


class UserLookupError(_WithToken):
    """``user_lookup_loader`` returned None (401)."""


class UserClaimsVerificationError(_WithToken):
    """``token_verification_loader`` returned a false value (400)."""
