"""Async views and hooks, and WebSocket handlers served over ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, assert_type

from erlen import Erlen, Response, abort, g, jsonify, request, websocket
from erlen.testing import ErlenClient, WebSocketTestSession
from erlen.websocket import Websocket, current_websocket

app = Erlen(__name__)
rooms: dict[str, set[str]] = {}
joined: list[Websocket] = []


async def fetch_user(user_id: int) -> dict[str, Any]:
    await asyncio.sleep(0)
    return {"id": user_id}


@app.before_request
async def open_connection() -> None:
    await asyncio.sleep(0)
    g.db = {"connected": True}


@app.after_request
async def add_header(response: Response) -> Response:
    response.headers["X-Async"] = "1"
    return response


@app.route("/users/<int:user_id>")
async def user(user_id: int) -> dict[str, Any]:
    return await fetch_user(user_id)


@app.post("/echo")
async def echo() -> Response:
    data = request.get_json(silent=True)
    if data is None:
        abort(415)
    return jsonify(data)


@app.get("/events")
async def events() -> Response:
    async def generate() -> AsyncIterator[str]:
        for i in range(3):
            await asyncio.sleep(0)
            yield f"data: {i}\n\n"

    return Response(generate(), mimetype="text/event-stream")


@app.errorhandler(TimeoutError)
async def timed_out(e: TimeoutError) -> tuple[str, int]:
    return "upstream timed out", 504


@app.websocket("/ws/echo")
async def ws_echo() -> None:
    await websocket.accept()
    while True:
        message = await websocket.receive()
        assert_type(message, str | bytes)
        await websocket.send(message)


@app.websocket("/ws/rooms/<room>")
async def ws_room(room: str) -> None:
    name = websocket.args.get("name", "anon")
    connection = current_websocket()
    assert_type(connection, Websocket)
    joined.append(connection)
    rooms.setdefault(room, set()).add(name)
    try:
        async for message in websocket:
            if message == "bye":
                await websocket.close(1000)
                return
            await websocket.send_json({"room": room, "from": name, "text": message})
    finally:
        rooms[room].discard(name)


async def _decorated_stay_typed() -> None:
    # The decorators give back the coroutine functions themselves.
    assert_type(await user(1), dict[str, Any])
    assert_type(await echo(), Response)
    assert_type(await ws_room("lobby"), None)


def chat_once() -> Any:
    client: ErlenClient = app.test_client(asgi=True)
    with client.websocket("/ws/rooms/lobby?name=ada") as ws:
        assert_type(ws, WebSocketTestSession)
        ws.send("hello")
        reply = ws.receive_json()
        ws.send("bye")
    return reply
