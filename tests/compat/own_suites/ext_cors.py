"""Flask-CORS's modules as erlen's (see flask_as_erlen.py): erlen keeps the
whole extension, and the ``Access-Control-*`` header names, in one module."""

MODULES = {
    "flask_cors": ["erlen.ext.cors"],
    "flask_cors.core": ["erlen.ext.cors"],
    "flask_cors.decorator": ["erlen.ext.cors"],
    "flask_cors.extension": ["erlen.ext.cors"],
}
