"""The development server: ``run_simple``, the WSGI server, the reloader and
the debug traceback page.

This package serves any WSGI callable and imports nothing from the framework;
``app.run()`` and ``erlen run`` hand it the app. When the app also has an ASGI
side (``app.asgi_app``, as erlen apps do), WebSocket connections are served
through it, on an event loop the server runs in a background thread. Never use it in production:
use gunicorn, uWSGI or granian (WSGI), or uvicorn, hypercorn or granian (ASGI).
"""

from __future__ import annotations

from .debug import DebugMiddleware, is_local_request, render_traceback
from .http11 import Limits
from .reloader import is_running_from_reloader, run_with_reloader
from .run import PRODUCTION_WARNING, run_simple
from .server import (
    BaseWSGIServer,
    ForkingWSGIServer,
    ThreadedWSGIServer,
    WSGIRequestHandler,
    generate_adhoc_ssl_context,
    load_ssl_context,
    make_server,
    make_ssl_devcert,
)

__all__ = [
    "PRODUCTION_WARNING",
    "BaseWSGIServer",
    "DebugMiddleware",
    "ForkingWSGIServer",
    "Limits",
    "ThreadedWSGIServer",
    "WSGIRequestHandler",
    "generate_adhoc_ssl_context",
    "is_local_request",
    "is_running_from_reloader",
    "load_ssl_context",
    "make_server",
    "make_ssl_devcert",
    "render_traceback",
    "run_simple",
    "run_with_reloader",
]
