"""``JWTManager``: the config defaults, the callbacks, the error responses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from http import HTTPStatus
from typing import Any, Literal, TypeVar

import jwt as pyjwt

from erlen import Erlen, current_app, jsonify

from .config import DEFAULTS, ExpiresDelta, check_expires, config
from .exceptions import (
    CSRFError,
    FreshTokenRequired,
    InvalidHeaderError,
    InvalidQueryParamError,
    JWTDecodeError,
    JWTExtendedException,
    NoAuthorizationError,
    RevokedTokenError,
    UserClaimsVerificationError,
    UserLookupError,
    WrongTokenError,
)
from .tokens import Steps, decode_steps, default_decode_key, encode

__all__ = ["JWTManager", "get_jwt_manager"]

C = TypeVar("C", bound=Callable[..., Any])
Header = dict[str, Any]
Data = dict[str, Any]


def _error(message: str, status: HTTPStatus) -> Any:
    return jsonify({config.error_msg_key: message}), status


def default_unauthorized(reason: str) -> Any:
    """No token (or a CSRF failure): 401 with the reason."""
    return _error(reason, HTTPStatus.UNAUTHORIZED)


def default_invalid_token(reason: str) -> Any:
    """A token that cannot be used: 422 with the reason."""
    return _error(reason, HTTPStatus.UNPROCESSABLE_ENTITY)


def default_expired_token(jwt_header: Header, jwt_data: Data) -> Any:
    return _error("Token has expired", HTTPStatus.UNAUTHORIZED)


def default_needs_fresh_token(jwt_header: Header, jwt_data: Data) -> Any:
    return _error("Fresh token required", HTTPStatus.UNAUTHORIZED)


def default_revoked_token(jwt_header: Header, jwt_data: Data) -> Any:
    return _error("Token has been revoked", HTTPStatus.UNAUTHORIZED)


def default_user_lookup_error(jwt_header: Header, jwt_data: Data) -> Any:
    identity = jwt_data.get(config.identity_claim)
    return _error(f"Error loading the user {identity}", HTTPStatus.UNAUTHORIZED)


def default_token_verification_failed(jwt_header: Header, jwt_data: Data) -> Any:
    return _error("User claims verification failed", HTTPStatus.BAD_REQUEST)


class JWTManager:
    """Holds the callbacks that customise tokens and their error responses.

    ``JWTManager(app)``, or ``jwt = JWTManager()`` then ``jwt.init_app(app)``
    in a factory. One manager may serve several apps; each app's ``JWT_*``
    config applies to its requests.
    """

    def __init__(self, app: Erlen | None = None, add_context_processor: bool = False) -> None:
        self._user_identity_callback: Callable[[Any], Any] = lambda identity: identity
        self._user_claims_callback: Callable[[Any], dict[str, Any]] = lambda identity: {}
        self._jwt_additional_header_callback: Callable[[Any], dict[str, Any]] = lambda identity: {}
        self._encode_key_callback: Callable[[Any], Any] = lambda identity: config.encode_key
        self._decode_key_callback: Callable[[Header, Data], Any] = default_decode_key
        self._user_lookup_callback: Callable[[Header, Data], Any] | None = None
        self._user_lookup_error_callback: Callable[[Header, Data], Any] = default_user_lookup_error
        self._token_in_blocklist_callback: Callable[[Header, Data], Any] = lambda header, data: (
            False
        )
        self._token_verification_callback: Callable[[Header, Data], Any] = lambda header, data: True
        self._token_verification_failed_callback: Callable[[Header, Data], Any] = (
            default_token_verification_failed
        )
        self._expired_token_callback: Callable[[Header, Data], Any] = default_expired_token
        self._invalid_token_callback: Callable[[str], Any] = default_invalid_token
        self._unauthorized_callback: Callable[[str], Any] = default_unauthorized
        self._needs_fresh_token_callback: Callable[[Header, Data], Any] = default_needs_fresh_token
        self._revoked_token_callback: Callable[[Header, Data], Any] = default_revoked_token
        if app is not None:
            self.init_app(app, add_context_processor)

    def init_app(self, app: Erlen, add_context_processor: bool = False) -> None:
        """Set the ``JWT_*`` defaults on ``app.config``, register the error
        responses, and (with ``add_context_processor``) ``current_user`` in
        templates."""
        app.extensions["jwt"] = self
        # COMPAT(flask_jwt_extended): its key too, for code that reads it.
        app.extensions["flask-jwt-extended"] = self
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        if add_context_processor:
            from .utils import get_current_user

            app.context_processor(lambda: {"current_user": get_current_user()})
        app.register_error_handler(JWTExtendedException, self._handle_jwt_error)
        app.register_error_handler(pyjwt.InvalidTokenError, self._handle_pyjwt_error)

    # -- error responses -------------------------------------------------------------

    def _handle_jwt_error(self, error: JWTExtendedException) -> Any:
        if isinstance(error, (NoAuthorizationError, CSRFError)):
            return self._unauthorized_callback(str(error))
        if isinstance(error, RevokedTokenError):
            return self._revoked_token_callback(error.jwt_header, error.jwt_data)
        if isinstance(error, FreshTokenRequired):
            return self._needs_fresh_token_callback(error.jwt_header, error.jwt_data)
        if isinstance(error, UserLookupError):
            return self._user_lookup_error_callback(error.jwt_header, error.jwt_data)
        if isinstance(error, UserClaimsVerificationError):
            return self._token_verification_failed_callback(error.jwt_header, error.jwt_data)
        if isinstance(
            error, (JWTDecodeError, InvalidHeaderError, InvalidQueryParamError, WrongTokenError)
        ):
            return self._invalid_token_callback(str(error))
        # A subclass a user raised for their own reasons: a 401, never a 500.
        return self._unauthorized_callback(str(error))

    def _handle_pyjwt_error(self, error: pyjwt.InvalidTokenError) -> Any:
        if isinstance(error, pyjwt.ExpiredSignatureError):
            header = getattr(error, "jwt_header", {})
            data = getattr(error, "jwt_data", {})
            return self._expired_token_callback(header, data)
        return self._invalid_token_callback(str(error))

    # -- callbacks -------------------------------------------------------------------

    def user_identity_loader(self, callback: C) -> C:
        """``callback(identity) -> str``: the identity claim of a new token
        (to pass a user object to ``create_access_token``)."""
        self._user_identity_callback = callback
        return callback

    def additional_claims_loader(self, callback: C) -> C:
        """``callback(identity) -> dict``: claims added to every new token
        (``additional_claims=`` of the call wins on conflicts)."""
        self._user_claims_callback = callback
        return callback

    def additional_headers_loader(self, callback: C) -> C:
        """``callback(identity) -> dict``: JOSE header fields added to every
        new token (``additional_headers=`` wins on conflicts)."""
        self._jwt_additional_header_callback = callback
        return callback

    def encode_key_loader(self, callback: C) -> C:
        """``callback(identity) -> key``: the key that signs a new token."""
        self._encode_key_callback = callback
        return callback

    def decode_key_loader(self, callback: C) -> C:
        """``callback(header, unverified_payload) -> key``: the key that
        verifies a token. Its arguments are NOT verified yet."""
        self._decode_key_callback = callback
        return callback

    def user_lookup_loader(self, callback: C) -> C:
        """``callback(header, payload) -> user | None``: loads ``current_user``
        on each protected request; None answers with the user lookup error."""
        self._user_lookup_callback = callback
        return callback

    def user_lookup_error_loader(self, callback: C) -> C:
        """``callback(header, payload) -> response`` when the user lookup
        returned None (default: 401 "Error loading the user <identity>")."""
        self._user_lookup_error_callback = callback
        return callback

    def token_in_blocklist_loader(self, callback: C) -> C:
        """``callback(header, payload) -> bool``: True when the token is
        revoked (check its ``jti`` in a store such as Redis)."""
        self._token_in_blocklist_callback = callback
        return callback

    def revoked_token_loader(self, callback: C) -> C:
        """``callback(header, payload) -> response`` for a revoked token
        (default: 401 "Token has been revoked")."""
        self._revoked_token_callback = callback
        return callback

    def token_verification_loader(self, callback: C) -> C:
        """``callback(header, payload) -> bool``: extra checks of a valid
        token's claims; False answers with the verification failed error."""
        self._token_verification_callback = callback
        return callback

    def token_verification_failed_loader(self, callback: C) -> C:
        """``callback(header, payload) -> response`` when the verification
        callback returned False (default: 400)."""
        self._token_verification_failed_callback = callback
        return callback

    def expired_token_loader(self, callback: C) -> C:
        """``callback(header, payload) -> response`` for an expired token
        (default: 401 "Token has expired")."""
        self._expired_token_callback = callback
        return callback

    def invalid_token_loader(self, callback: C) -> C:
        """``callback(reason) -> response`` for a malformed, badly signed or
        unusable token (default: 422 with the reason)."""
        self._invalid_token_callback = callback
        return callback

    def unauthorized_loader(self, callback: C) -> C:
        """``callback(reason) -> response`` when no token was sent, or a
        cookie token's CSRF check failed (default: 401 with the reason)."""
        self._unauthorized_callback = callback
        return callback

    def needs_fresh_token_loader(self, callback: C) -> C:
        """``callback(header, payload) -> response`` for a non-fresh token on
        a ``fresh=True`` view (default: 401 "Fresh token required")."""
        self._needs_fresh_token_callback = callback
        return callback

    # -- tokens ----------------------------------------------------------------------

    def _encode_jwt_from_config(
        self,
        identity: Any,
        token_type: Literal["access", "refresh"],
        claims: dict[str, Any] | None = None,
        fresh: bool | float | timedelta = False,
        expires_delta: ExpiresDelta | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        header_fields = dict(self._jwt_additional_header_callback(identity) or {})
        header_fields.update(headers or {})
        claim_fields = dict(self._user_claims_callback(identity) or {})
        claim_fields.update(claims or {})
        subject = self._user_identity_callback(identity)
        if (
            config.identity_claim == "sub"
            and config["JWT_VERIFY_SUB"]
            and not isinstance(subject, str)
        ):
            # COMPAT(flask_jwt_extended 4.7): PyJWT rejects a non-string
            # "sub" when decoding; fail here, where the mistake is.
            raise TypeError(
                f"The JWT identity must be a string, got {type(subject).__name__} {subject!r}."
                " Pass str(identity), or register a @jwt.user_identity_loader that returns"
                " a string (RFC 7519 requires 'sub' to be a string)."
            )
        if expires_delta is None:
            delta = config.expires(token_type)
        else:
            delta = check_expires(expires_delta, "expires_delta")
        return encode(
            identity=subject,
            token_type=token_type,
            fresh=fresh,
            expires_delta=delta,
            claims=claim_fields,
            headers=header_fields,
            key=self._encode_key_callback(identity),
        )

    def _decode_steps(
        self, encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
    ) -> Steps[dict[str, Any]]:
        return decode_steps(encoded_token, self._decode_key_callback, csrf_value, allow_expired)


def get_jwt_manager() -> JWTManager:
    """The current app's :class:`JWTManager`."""
    manager = current_app.extensions.get("jwt")
    if not isinstance(manager, JWTManager):
        raise RuntimeError(
            "No JWTManager is initialised on this app: call JWTManager(app) (or"
            " jwt.init_app(app)) before creating or checking tokens."
        )
    return manager
