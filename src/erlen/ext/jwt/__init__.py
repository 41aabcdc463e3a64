"""JSON Web Tokens: flask_jwt_extended's API for erlen, on PyJWT.

::

    from erlen import Erlen, jsonify, request
    from erlen.ext.jwt import JWTManager, create_access_token, get_jwt_identity, jwt_required

    app = Erlen(__name__)
    app.config["JWT_SECRET_KEY"] = "change me: a long random secret"
    jwt = JWTManager(app)

    @app.post("/login")
    def login():
        return {"access_token": create_access_token(identity=request.json["username"])}

    @app.get("/me")
    @jwt_required()
    async def me():
        return {"user": get_jwt_identity()}

Tokens are signed with ``JWT_SECRET_KEY`` (``SECRET_KEY`` if unset) and sent
as ``Authorization: Bearer <token>``; cookies, the query string and the JSON
body are other ``JWT_TOKEN_LOCATION`` choices. Errors answer as JSON
``{"msg": ...}``: 401 for a missing, expired, revoked or non-fresh token, 422
for an invalid one.
"""

from __future__ import annotations

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
from .manager import JWTManager, get_jwt_manager
from .utils import (
    create_access_token,
    create_refresh_token,
    current_user,
    decode_token,
    get_csrf_token,
    get_current_user,
    get_jti,
    get_jwt,
    get_jwt_header,
    get_jwt_identity,
    get_jwt_request_location,
    get_unverified_jwt_headers,
    set_access_cookies,
    set_refresh_cookies,
    unset_access_cookies,
    unset_jwt_cookies,
    unset_refresh_cookies,
)
from .view_decorators import jwt_required, verify_jwt_in_request, verify_jwt_in_request_async

__all__ = [
    "CSRFError",
    "FreshTokenRequired",
    "InvalidHeaderError",
    "InvalidQueryParamError",
    "JWTDecodeError",
    "JWTExtendedException",
    "JWTManager",
    "NoAuthorizationError",
    "RevokedTokenError",
    "UserClaimsVerificationError",
    "UserLookupError",
    "WrongTokenError",
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
    "get_jwt_manager",
    "get_jwt_request_location",
    "get_unverified_jwt_headers",
    "jwt_required",
    "set_access_cookies",
    "set_refresh_cookies",
    "unset_access_cookies",
    "unset_jwt_cookies",
    "unset_refresh_cookies",
    "verify_jwt_in_request",
    "verify_jwt_in_request_async",
]
