"""erlen, over WSGI and over ASGI.

WSGI runs the very source Flask runs (:mod:`._flask_api`, sync views). ASGI has
two rows: ``erlen-asgi`` with ``async def`` views (:mod:`._erlen_async_api`),
written the way the other ASGI frameworks' rows are, and ``erlen-asgi-sync``
with Flask's sync views, each of which erlen runs in its worker thread pool.
"""

from __future__ import annotations

from typing import Any

import erlen

from ..fixtures import Fixtures
from ._erlen_async_api import build_async_app, build_async_routing_app
from ._flask_api import build_app, build_routing_app


def make_wsgi_app(fx: Fixtures) -> Any:
    """erlen's scenario app, called as ``app(environ, start_response)``."""
    return build_app(erlen, erlen.Erlen, fx)


def make_asgi_app(fx: Fixtures) -> Any:
    """erlen's scenario app with ``async def`` views, called as ``app(scope, receive, send)``."""
    return build_async_app(fx)


def make_asgi_sync_app(fx: Fixtures) -> Any:
    """erlen's scenario app with Flask's sync views (run in the thread pool) over ASGI."""
    return build_app(erlen, erlen.Erlen, fx)


def make_wsgi_routing_app(size: int, dynamic: bool) -> Any:
    """erlen with ``size`` rules (WSGI)."""
    return build_routing_app(erlen.Erlen, size, dynamic)


def make_asgi_routing_app(size: int, dynamic: bool) -> Any:
    """erlen with ``size`` ``async def`` rules (ASGI)."""
    return build_async_routing_app(size, dynamic)


def make_asgi_sync_routing_app(size: int, dynamic: bool) -> Any:
    """erlen with ``size`` sync rules (ASGI, thread pool)."""
    return build_routing_app(erlen.Erlen, size, dynamic)
