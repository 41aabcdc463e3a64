"""``run_simple``: the development server with its reloader and debug page.

``app.run()`` and ``erlen run`` both end here. The protocol-specific step is
the one :func:`~erlen.serving.server.make_server` call; the socket handling,
startup message, reloader and debug page around it do not depend on WSGI.
An app with an ASGI side (an ``asgi_app`` attribute, as erlen apps have) also
gets its WebSocket connections served; WSGI WebSocket libraries (Flask-Sock,
Flask-SocketIO) get theirs through ``werkzeug.socket``.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
from collections.abc import Iterable
from typing import Any

from .asgi_websocket import ASGIApplication
from .debug import DebugMiddleware
from .reloader import _SERVER_FD, is_running_from_reloader, run_with_reloader
from .server import WSGIApplication, WSGIRequestHandler, make_server

__all__ = ["PRODUCTION_WARNING", "run_simple"]

_logger = logging.getLogger("erlen.serving")

#: Printed when the development server starts.
PRODUCTION_WARNING = (
    "WARNING: This is a development server. Do not use it in a production deployment.\n"
    "Use a production server instead: gunicorn, uWSGI or granian for WSGI;"
    " uvicorn, hypercorn or granian for ASGI."
)


def run_simple(
    hostname: str,
    port: int,
    application: WSGIApplication,
    use_reloader: bool = False,
    use_debugger: bool = False,
    use_evalex: bool = True,
    extra_files: Iterable[str] | None = None,
    exclude_patterns: Iterable[str] | None = None,
    reloader_interval: float = 1,
    reloader_type: str = "auto",
    threaded: bool = False,
    processes: int = 1,
    request_handler: type[WSGIRequestHandler] | None = None,
    passthrough_errors: bool = False,
    ssl_context: Any = None,
    asgi_app: ASGIApplication | None = None,
    **server_options: Any,
) -> None:
    """Serve ``application`` on ``hostname:port`` until Ctrl+C.

    ``use_reloader`` restarts the process when a source file (or one of
    ``extra_files``) changes; ``use_debugger`` shows traceback pages to
    requests from this machine. ``threaded`` serves connections in threads,
    ``processes > 1`` in forked processes. ``ssl_context`` is an
    :class:`ssl.SSLContext` or a ``(cert_file, key_file)`` pair.
    ``asgi_app`` is an ASGI callable that serves WebSocket upgrade requests;
    by default the app's own ``asgi_app`` attribute, when it has one, for the
    requests the app's WebSocket handlers answer (an erlen app's
    ``_asgi_serves_websocket``); the others go to the WSGI side, with the
    connection in ``werkzeug.socket``. Other keyword arguments go to
    :func:`~erlen.serving.server.make_server`.
    ``use_evalex`` is accepted for compatibility: the debug page never runs
    code.
    """
    if not isinstance(port, int):
        raise TypeError("The port must be an integer.")
    if asgi_app is None:
        asgi_app = _asgi_side(application)
        if asgi_app is not None:
            server_options.setdefault(
                "asgi_serves_websocket", getattr(application, "_asgi_serves_websocket", None)
            )
    if use_debugger:
        application = DebugMiddleware(application)

    fd = None
    if is_running_from_reloader() and os.environ.get(_SERVER_FD, "").isdigit():
        fd = int(os.environ[_SERVER_FD])
    try:
        server = make_server(
            hostname,
            port,
            application,
            threaded=threaded,
            processes=processes,
            request_handler=request_handler,
            passthrough_errors=passthrough_errors,
            ssl_context=ssl_context,
            fd=fd,
            asgi_app=asgi_app,
            **server_options,
        )
    except OSError as e:
        if e.errno != errno.EADDRINUSE:
            raise
        print(
            f"Address already in use: port {port} is in use by another program. Stop that"
            " program, or start the server on another port ('--port').",
            file=sys.stderr,
        )
        sys.exit(1)

    if not is_running_from_reloader():
        server.log_startup()
        _logger.warning(PRODUCTION_WARNING)
        if use_debugger:
            _logger.info(" * Debug pages: on, for requests from this machine only")
        _logger.info("Press CTRL+C to quit")

    if use_reloader:
        if not is_running_from_reloader():
            if os.name == "posix":
                # The children serve this very socket, so the port stays open
                # (and queues requests) while one restarts.
                server.socket.set_inheritable(True)
                os.environ[_SERVER_FD] = str(server.fileno())
            else:
                # No fd passing here: each child binds the port itself.
                server.server_close()
        run_with_reloader(
            server.serve_forever,
            extra_files=extra_files,
            exclude_patterns=exclude_patterns,
            interval=reloader_interval,
            reloader_type=reloader_type,
        )
    else:
        server.serve_forever()


def _asgi_side(application: object) -> ASGIApplication | None:
    """The ASGI callable of an app that has one (``app.asgi_app``)."""
    # Duck typing: this layer may not import the framework.
    candidate = getattr(application, "asgi_app", None)
    return candidate if callable(candidate) else None
