"""A raw WSGI call for erlen's own tests: a minimal environ, the app called
as a server calls it, the body drained and closed, with no test client in
between::

    status, headers, body = wsgi_call(app, "GET", "/")
    status, headers, body = wsgi_serve(app, environ)
"""

from __future__ import annotations

import io
from typing import Any


def wsgi_call(
    app: Any, method: str, path: str, body: bytes = b"", **environ: str
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call ``app`` once; return the status line, the header list it gave
    ``start_response`` (that very list) and the body. ``environ`` adds or
    replaces keys (``HTTP_UPGRADE="websocket"``)."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)) if body else "",
    }
    env.update(environ)
    return wsgi_serve(app, env)


def wsgi_serve(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call ``app`` with ``environ`` as a server does: the status line, the
    header list given to ``start_response`` (which must be called once) and
    the body, drained and closed."""
    seen: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append((status, headers))
        return lambda data: None

    body_iter = app(environ, start_response)
    try:
        data = b"".join(body_iter)
    finally:
        close = getattr(body_iter, "close", None)
        if close is not None:
            close()
    assert len(seen) == 1, seen
    return seen[0][0], seen[0][1], data
