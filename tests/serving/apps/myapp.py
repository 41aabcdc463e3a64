"""The app every real-server test serves: ``gunicorn myapp:app``, ``uvicorn myapp:app``...

One ``Erlen`` object, served as WSGI or ASGI depending on the server.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

from erlen import Erlen, Response, render_template_string, request, url_for, websocket
from erlen.middleware import DispatcherMiddleware, ProxyFix, SharedDataMiddleware

app = Erlen(__name__)

PAGE = """<!doctype html>
<title>erlen</title>
<h1>Hello, {{ name }}!</h1>
<p id="server">{{ software }}</p>
"""

#: How long /stream waits for its release file before giving up.
RELEASE_TIMEOUT = 10.0


@app.route("/")
def index() -> str:
    """A template page; ``?name=`` is autoescaped."""
    return render_template_string(
        PAGE,
        name=request.args.get("name", "world"),
        software=request.environ.get("SERVER_SOFTWARE", "") if request.environ else "",
    )


@app.post("/echo")
def echo() -> dict[str, Any]:
    """The JSON body back, with what the server told the app about the request."""
    return {
        "json": request.get_json(),
        "method": request.method,
        "path": request.path,
        "query": request.args.get("q"),
        "content_length": request.content_length,
    }


@app.route("/on-close")
def on_close() -> Response:
    """A buffered page whose ``call_on_close`` function writes ``?mark=`` once
    the server closed the response (as WSGI servers must, even for a list body)."""
    mark = request.args["mark"]
    response = Response("closing", mimetype="text/plain")

    @response.call_on_close
    def write_mark() -> None:
        with open(mark, "a") as file:
            file.write("closed\n")

    return response


@app.route("/stream")
def stream() -> Response:
    """Three parts from a generator. After the first one it waits until the file
    named by ``?release=`` exists, so a client can prove that part 1 arrived while
    the view was still running (the response is really streamed)."""
    release = request.args.get("release", "")

    def generate() -> Iterator[str]:
        yield "part-1\n"
        deadline = time.monotonic() + RELEASE_TIMEOUT
        while release and not os.path.exists(release):
            if time.monotonic() > deadline:
                yield "release-timeout\n"
                break
            time.sleep(0.01)
        yield "part-2\n"
        yield "part-3\n"

    return Response(generate(), mimetype="text/plain")


@app.websocket("/ws/echo")
async def ws_echo() -> None:
    """Echo: text back as "echo: <text>", a JSON object back as {"echo": object},
    binary back reversed; "bye" closes the connection with 1000."""
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if isinstance(message, bytes):
            await websocket.send(message[::-1])
        elif message == "bye":
            await websocket.close(1000)
            return
        elif message.startswith("{"):
            await websocket.send(json.dumps({"echo": json.loads(message)}))
        else:
            await websocket.send(f"echo: {message}")


# ``myapp:combined``: the app mounted at /sub of a second app, behind one trusted
# proxy: erlen.middleware on a real server, WSGI or ASGI.
mounted = Erlen("mounted")


@mounted.route("/where")
def where() -> dict[str, Any]:
    """What the mounted app sees of the request."""
    return {
        "script_root": request.script_root,
        "path": request.path,
        "remote_addr": request.remote_addr,
        "scheme": request.scheme,
        "url": url_for("where", _external=True),
    }


@mounted.websocket("/ws")
async def mounted_ws() -> None:
    await websocket.accept()
    await websocket.send(f"mounted at {request.script_root} for {request.remote_addr}")
    await websocket.close(1000)


#: Files served by SharedDataMiddleware in front of everything.
SHARED = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "fixtures", "static")

combined = SharedDataMiddleware(
    ProxyFix(DispatcherMiddleware(app, {"/sub": mounted}), x_for=1, x_proto=1),
    {"/shared": SHARED},
)
