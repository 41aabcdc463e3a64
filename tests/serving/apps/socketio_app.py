"""An erlen app with the real Flask-SocketIO, through erlen.flask_patch, for
tests/serving/test_flask_socketio_served.py: served by gunicorn with threads,
and by ``socketio.run`` on erlen's development server (``python
socketio_app.py PORT [--debug]``)."""

import erlen.flask_patch  # noqa: F401  (first: Flask-SocketIO imports flask)

# isort: split
import sys

from flask_socketio import SocketIO, emit

from erlen import Erlen, request, session

app = Erlen(__name__)
app.secret_key = "socketio test secret"
socketio = SocketIO(app, async_mode="threading")


@app.route("/")
def index() -> str:
    session["visits"] = session.get("visits", 0) + 1
    return f"visits {session['visits']}"


@socketio.on("connect")
def connect() -> None:
    emit("welcome", {"visits": session.get("visits"), "agent": request.headers.get("X-Agent")})


@socketio.on("ping")
def ping(data: str) -> dict[str, object]:
    # The session is Flask-SocketIO's managed copy of the user's.
    session["pings"] = session.get("pings", 0) + 1
    emit("pong", {"got": data, "pings": session["pings"]})
    return {"ack": data.upper()}


if __name__ == "__main__":
    # Outside a terminal Flask-SocketIO asks for this to use the
    # development server.
    debug = "--debug" in sys.argv  # the debug page around the app, no reloader
    socketio.run(
        app, port=int(sys.argv[1]), allow_unsafe_werkzeug=True, debug=debug, use_reloader=False
    )
