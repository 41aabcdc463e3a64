"""An erlen app with the real Flask-Sock, through erlen.flask_patch, for
tests/serving/test_flask_sock_served.py: served by gunicorn with threads, and
by the development server (``python sock_app.py PORT``), where an erlen
WebSocket handler on the same app is served by its ASGI side."""

import erlen.flask_patch  # noqa: F401  (first: Flask-Sock imports flask)

# isort: split
import sys

from flask_sock import Sock

from erlen import Erlen, session, websocket

app = Erlen(__name__)
app.secret_key = "sock test secret"
sock = Sock(app)


@app.route("/login/<name>")
def login(name: str) -> str:
    session["user"] = name
    return f"hello {name}"


#: The rooms whose echo view has returned (one worker process per server).
ended: list[str] = []


@app.route("/ended")
def ended_rooms() -> str:
    return ",".join(ended)


@sock.route("/echo/<room>")
def echo(ws, room: str) -> None:  # type: ignore[no-untyped-def]
    # The user's session and the URL's variable, as in a Flask view.
    ws.send(f"{room}:{session.get('user')}")
    try:
        while True:
            message = ws.receive()
            if message == "bye":
                ws.close(reason=1000, message="see you")
                return
            ws.send(message[::-1] if isinstance(message, str) else bytes(reversed(message)))
    finally:
        # A client that leaves ends the view too (receive raises).
        ended.append(room)


@app.websocket("/native")
async def native() -> None:
    await websocket.accept()
    await websocket.send(f"native:{await websocket.receive()}")


if __name__ == "__main__":
    app.run(port=int(sys.argv[1]))
