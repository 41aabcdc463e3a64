"""A small chat room: one page, one WebSocket, every message broadcast to everyone.

Run it from the repository root with an ASGI server::

    uvicorn examples.chat.app:app

then open http://127.0.0.1:8000/ in two browser tabs.

The protocol on ``/ws`` is JSON text frames. A client sends
``{"name": "ada", "text": "hi"}``; every connected client (the sender too)
receives ``{"type": "message", "name": "ada", "text": "hi"}``. When someone
joins or leaves, everyone receives ``{"type": "presence", "online": 2}``. A
message that is not valid gets ``{"type": "error", "error": "..."}`` back,
to its sender only.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from typing import Any

from erlen import Erlen, render_template, request, websocket

app = Erlen(__name__)

MAX_NAME = 32
MAX_TEXT = 1000
# SECURITY: a frame is parsed before it is length-checked; bound it first.
MAX_FRAME = 4 * MAX_TEXT


class Room:
    """The clients connected to the chat, all on one event loop."""

    def __init__(self) -> None:
        self.clients: set[Any] = set()

    async def broadcast(self, message: dict[str, Any]) -> None:
        """Send ``message`` as JSON to every client; a client that fails is dropped."""
        data = json.dumps(message)
        clients = list(self.clients)
        results = await asyncio.gather(
            *(client.send(data) for client in clients), return_exceptions=True
        )
        for client, result in zip(clients, results, strict=True):
            if isinstance(result, BaseException):
                self.clients.discard(client)


# A websocket can only be written to from the event loop that serves it, so
# each loop has its own room (one with uvicorn's single worker).
_rooms: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Room] = weakref.WeakKeyDictionary()


def current_room() -> Room:
    """The room of the running event loop."""
    loop = asyncio.get_running_loop()
    room = _rooms.get(loop)
    if room is None:
        room = _rooms[loop] = Room()
    return room


def parse_message(data: str | bytes) -> dict[str, str]:
    """Validate one client frame; raise ``ValueError`` with a reason to send back."""
    if isinstance(data, bytes):
        raise ValueError("send text frames, not binary")
    if len(data) > MAX_FRAME:
        raise ValueError(f"a message is at most {MAX_TEXT} characters")
    try:
        message = json.loads(data)
    except ValueError:
        raise ValueError('send JSON: {"name": "...", "text": "..."}') from None
    if not isinstance(message, dict):
        raise ValueError('send a JSON object: {"name": "...", "text": "..."}')
    name = message.get("name")
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("the message has no text")
    if len(text) > MAX_TEXT:
        raise ValueError(f"a message is at most {MAX_TEXT} characters")
    if not isinstance(name, str) or not name.strip():
        name = "anonymous"
    return {"name": name.strip()[:MAX_NAME], "text": text}


@app.route("/")
def index() -> str:
    """The chat page; ``?name=`` fills in the name field."""
    name = request.args.get("name", "")[:MAX_NAME]
    return render_template("index.html", name=name, max_text=MAX_TEXT)


@app.websocket("/ws")
async def chat() -> None:
    """Join the room, broadcast each valid message, leave on disconnect."""
    await websocket.accept()
    room = current_room()
    # The proxy means this connection only inside this handler; the room keeps
    # the object itself, so that the other handlers can send to it.
    client = websocket._get_current_object()  # type: ignore[attr-defined]
    room.clients.add(client)
    try:
        await room.broadcast({"type": "presence", "online": len(room.clients)})
        async for data in websocket:  # ends when the client disconnects
            try:
                message = parse_message(data)
            except ValueError as error:
                await websocket.send_json({"type": "error", "error": str(error)})
                continue
            await room.broadcast({"type": "message", **message})
    finally:
        room.clients.discard(client)
        await room.broadcast({"type": "presence", "online": len(room.clients)})
