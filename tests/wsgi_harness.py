"""A raw WSGI call for erlen's own tests: a minimal environ, the app called
as a server calls it, the body drained and closed, with no test client in
between::

    status, headers, body = wsgi_call(app, "GET", "/")
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
    seen: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen[:] = [status, headers]
        return lambda data: None

    body_iter = app(env, start_response)
    try:
        data = b"".join(body_iter)
    finally:
        close = getattr(body_iter, "close", None)
        if close is not None:
            close()
    return seen[0], seen[1], data
