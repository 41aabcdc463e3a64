"""Test helpers: build requests, drive the app without a server, run CLI commands.

Most tests use the client the app gives you::

    client = app.test_client()              # WSGI; test_client(asgi=True) for ASGI
    response = client.post("/login", data={"user": "ada"}, follow_redirects=True)
    assert response.status_code == 200

    with client:                    # keep the last request's contexts alive
        client.get("/profile")
        assert request.path == "/profile"

    with client.session_transaction() as sess:
        sess["user_id"] = 7         # saved into the client's cookie jar

    with app.test_client(asgi=True).websocket("/echo") as ws:
        ws.send("hi")
        assert ws.receive() == "hi"

:class:`EnvironBuilder` makes the WSGI environ for a request (also used by
``app.test_request_context()``, and the source of the ASGI scope),
:class:`ErlenClient` sends requests through the app and keeps cookies, and
:class:`ErlenCliRunner` invokes the app's CLI. Werkzeug's names are here too:
:class:`Client` (``ErlenClient``'s base, which takes any WSGI or ASGI
application; it sends no ``REMOTE_ADDR`` or ``User-Agent`` of its own),
:func:`create_environ` and ``run_wsgi_app``.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping
from typing import IO, Any

from erlen.http.datastructures import iter_multi_items
from erlen.http.headers import parse_options_header
from erlen.http.multipart import encode_multipart as _encode_multipart
from erlen.http.wsgi import run_wsgi_app

from .builder import EnvironBuilder
from .cli import ErlenCliRunner
from .client import Client, ClientRedirectError, ErlenClient, TestResponse
from .cookies import Cookie
from .transports import PRESERVE_CONTEXT_KEY, asgi_scope
from .websocket import WebSocketClosed, WebSocketDenied, WebSocketTestSession


def create_environ(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """A WSGI environ from :class:`EnvironBuilder`'s arguments without an app
    (``path`` first, as Werkzeug's ``create_environ``)::

        environ = create_environ("/search?q=a", "https://example.com/app")
    """
    builder = EnvironBuilder(None, *args, **kwargs)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def encode_multipart(values: Mapping[str, Any], boundary: str | None = None) -> tuple[str, bytes]:
    """``values`` (a dict or ``MultiDict`` of text fields and files) as a
    ``multipart/form-data`` body: ``(boundary, body)``, as Werkzeug's
    ``werkzeug.test.encode_multipart``. A file is a ``FileStorage``, an open
    binary file or a ``(file, filename[, content_type])`` tuple."""
    body, content_type = _encode_multipart(iter_multi_items(values), boundary)
    return parse_options_header(content_type)[1]["boundary"], body


def stream_encode_multipart(
    data: Mapping[str, Any],
    use_tempfile: bool = True,
    threshold: int = 1024 * 500,
    boundary: str | None = None,
) -> tuple[IO[bytes], int, str]:
    """:func:`encode_multipart` as a stream: ``(stream, length, boundary)``,
    positioned at the start. With ``use_tempfile`` a body longer than
    ``threshold`` bytes is in a temporary file, else in a ``BytesIO``."""
    boundary, body = encode_multipart(data, boundary)
    stream: IO[bytes]
    if use_tempfile and len(body) > threshold:
        stream = tempfile.TemporaryFile("wb+")  # noqa: SIM115 - the caller closes it
        stream.write(body)
        stream.seek(0)
    else:
        stream = io.BytesIO(body)
    return stream, len(body), boundary


__all__ = [
    "PRESERVE_CONTEXT_KEY",
    "Client",
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "ErlenCliRunner",
    "ErlenClient",
    "TestResponse",
    "WebSocketClosed",
    "WebSocketDenied",
    "WebSocketTestSession",
    "asgi_scope",
    "create_environ",
    "encode_multipart",
    "run_wsgi_app",
    "stream_encode_multipart",
]
