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
:class:`ErlenCliRunner` invokes the app's CLI.
"""

from __future__ import annotations

from .builder import EnvironBuilder
from .cli import ErlenCliRunner
from .client import ClientRedirectError, ErlenClient, TestResponse
from .cookies import Cookie
from .transports import PRESERVE_CONTEXT_KEY, asgi_scope
from .websocket import WebSocketClosed, WebSocketDenied, WebSocketTestSession

__all__ = [
    "PRESERVE_CONTEXT_KEY",
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
]
