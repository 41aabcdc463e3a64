"""The ASGI floor: a hand-written callable with no framework."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..fixtures import Fixtures
from ._bare import UNSUPPORTED as UNSUPPORTED
from ._bare import BareApp, BareRouting, Result

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[dict[str, Any], Receive, Send], Awaitable[None]]


async def _respond(result: Result, send: Send) -> None:
    status, headers, body = result
    raw = [(k.encode(), v.encode()) for k, v in headers]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def make_asgi_app(fx: Fixtures) -> ASGIApp:
    """The bare ASGI scenario app."""
    bare = BareApp(fx)

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        ctype = rng = ""
        for key, value in scope["headers"]:
            if key == b"content-type":
                ctype = value.decode("latin-1")
            elif key == b"range":
                rng = value.decode("latin-1")
        result = bare.handle(
            scope["path"], scope["query_string"].decode("latin-1"), ctype, rng, b"".join(chunks)
        )
        await _respond(result, send)

    return app


def make_asgi_routing_app(size: int, dynamic: bool) -> ASGIApp:
    """The bare ASGI routing floor."""
    bare = BareRouting(size, dynamic)

    async def app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        await _respond(bare.handle(scope["path"]), send)

    return app
