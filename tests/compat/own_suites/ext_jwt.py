"""Flask-JWT-Extended's modules on erlen (loaded by flask_as_erlen.py).

``flask_jwt_extended.internal_utils`` is the extension's private module;
its tests import one name from it, ``JSONEncoder`` (the encoder of the
claims, ``config.json_encoder``), which is erlen's ``ClaimsEncoder``: this
module lends it under that name (it is the last source of that module).
"""

from __future__ import annotations

from erlen.ext.jwt.tokens import ClaimsEncoder as JSONEncoder

MODULES = {
    "flask_jwt_extended": ["erlen.ext.jwt"],
    "flask_jwt_extended.config": ["erlen.ext.jwt.config"],
    "flask_jwt_extended.exceptions": ["erlen.ext.jwt.exceptions"],
    "flask_jwt_extended.jwt_manager": ["erlen.ext.jwt.manager"],
    "flask_jwt_extended.tokens": ["erlen.ext.jwt.tokens"],
    "flask_jwt_extended.utils": ["erlen.ext.jwt.utils"],
    "flask_jwt_extended.view_decorators": ["erlen.ext.jwt.view_decorators"],
    "flask_jwt_extended.internal_utils": [
        "erlen.ext.jwt.manager",
        "erlen.ext.jwt.tokens",
        "ext_jwt",
    ],
}

__all__ = ["MODULES", "JSONEncoder"]
