"""erlen, over WSGI and over ASGI: the same app object serves both."""

from __future__ import annotations

from typing import Any

import erlen

from ..fixtures import Fixtures
from ._flask_api import build_app, build_routing_app


def make_wsgi_app(fx: Fixtures) -> Any:
    """erlen's scenario app, called as ``app(environ, start_response)``."""
    return build_app(erlen, erlen.Erlen, fx)


def make_asgi_app(fx: Fixtures) -> Any:
    """erlen's scenario app, called as ``app(scope, receive, send)``."""
    return build_app(erlen, erlen.Erlen, fx)


def make_wsgi_routing_app(size: int, dynamic: bool) -> Any:
    """erlen with ``size`` rules (WSGI)."""
    return build_routing_app(erlen.Erlen, size, dynamic)


def make_asgi_routing_app(size: int, dynamic: bool) -> Any:
    """erlen with ``size`` rules (ASGI)."""
    return build_routing_app(erlen.Erlen, size, dynamic)
