"""An app for the concurrency tests: each answer carries its own request's data.

``before_request`` copies the ``X-Token`` header into ``g``; the views echo the
query, ``g`` and the header, before and after yielding to other requests, and
``after_request`` copies ``g`` into a response header. A context shared between
concurrent requests would show up as one request's data in another's answer.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from erlen import Erlen, Response, g, request

app = Erlen(__name__)


@app.before_request
def remember_token() -> None:
    g.token = request.headers.get("X-Token")
    g.n = request.args.get("n")


@app.after_request
def echo_token(response: Response) -> Response:
    response.headers["X-Echo-Token"] = g.token or ""
    return response


def snapshot() -> dict[str, Any]:
    return {
        "n": request.args.get("n"),
        "g_n": g.n,
        "g_token": g.token,
        "header": request.headers.get("X-Token"),
    }


@app.get("/sync")
def sync_view() -> dict[str, Any]:
    """A plain view; it sleeps a little so that requests overlap in the thread pool."""
    before = snapshot()
    time.sleep(0.005)
    return {"kind": "sync", "before": before, "after": snapshot(), "thread": threading.get_ident()}


@app.get("/async")
async def async_view() -> dict[str, Any]:
    """A coroutine view; the await lets the other requests' tasks run in between."""
    before = snapshot()
    await asyncio.sleep(0.01)
    return {"kind": "async", "before": before, "after": snapshot()}


@app.get("/sleep")
async def sleep_view() -> dict[str, Any]:
    """Awaits 0.2 s: fifty of these at once take about 0.2 s when they overlap."""
    await asyncio.sleep(0.2)
    return {"n": request.args.get("n")}
