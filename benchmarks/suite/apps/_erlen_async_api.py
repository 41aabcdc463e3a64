"""The scenario app with ``async def`` views, for erlen's ASGI row.

The behaviour and every response are those of :mod:`._flask_api`; only the
views are coroutines, as Starlette, Quart, FastAPI and Falcon-ASGI write
theirs. erlen awaits an ``async def`` view on the server's loop, while a sync
view under ASGI runs in the worker thread pool; the ``erlen-asgi-sync`` row
keeps the sync views so both costs stay visible. Flask's accessors
(``request.form``, ``request.get_json()``, ``session``, ``render_template``,
``send_file``) are called without ``await``: erlen reads the body before the
view runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import erlen

from ..fixtures import (
    SECRET_KEY,
    TEMPLATE_ITEMS,
    TEMPLATE_NAME,
    TEMPLATE_SOURCE,
    TEMPLATE_TITLE,
    Fixtures,
)
from ..scenarios import HELLO_BODY, routing_body
from . import FILLER_ROUTES


def build_async_app(fx: Fixtures) -> Any:
    """erlen's scenario app with every view an ``async def``."""
    request, session = erlen.request, erlen.session
    app = erlen.Erlen(__name__, template_folder=str(fx.template_dir))
    app.secret_key = SECRET_KEY
    # Unhandled errors surface as exceptions, so a failing row names the cause.
    app.config["PROPAGATE_EXCEPTIONS"] = True
    hello_text = HELLO_BODY.decode()
    file_path = str(fx.file_path)

    @app.route("/")
    async def hello() -> str:
        return hello_text

    for i in range(FILLER_ROUTES):
        app.add_url_rule(f"/filler{i}/<int:x>", f"filler{i}", _filler(i))

    @app.route("/items/<int:item_id>")
    async def item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "name": "widget", "tags": ["a", "b"]}

    @app.route("/search")
    async def search() -> dict[str, Any]:
        args = request.args
        return {
            "q": args.get("q"),
            "page": args.get("page", type=int),
            "tags": args.getlist("tags"),
        }

    @app.route("/form", methods=["POST"])
    async def form() -> dict[str, Any]:
        data = request.form
        return {"name": data["name"], "age": int(data["age"]), "city": data["city"]}

    @app.route("/echo", methods=["POST"])
    async def echo() -> Any:
        return erlen.jsonify(request.get_json())

    @app.route("/session")
    async def counter() -> str:
        count = session.get("count", 0) + 1
        session["count"] = count
        return str(count)

    @app.route("/template")
    async def template() -> str:
        return erlen.render_template(TEMPLATE_NAME, title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS)

    @app.route("/template-string")
    async def template_string() -> str:
        return erlen.render_template_string(
            TEMPLATE_SOURCE, title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS
        )

    @app.route("/upload", methods=["POST"])
    async def upload() -> dict[str, Any]:
        upload = request.files["file"]
        size = len(upload.read())
        return {"filename": upload.filename, "size": size, "note": request.form["note"]}

    @app.route("/file")
    async def file() -> Any:
        return erlen.send_file(file_path, conditional=True)

    return app


def build_async_routing_app(size: int, dynamic: bool) -> Any:
    """An app with ``size`` ``async def`` rules, all static or all with an int parameter."""
    app = erlen.Erlen(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    for i in range(size):
        if dynamic:
            app.add_url_rule(f"/route{i}/<int:x>", f"r{i}", _dynamic(i))
        else:
            app.add_url_rule(f"/route{i}/index", f"r{i}", _static(i))
    return app


def _filler(i: int) -> Callable[..., Awaitable[dict[str, int]]]:
    async def view(x: int) -> dict[str, int]:
        return {"filler": i, "x": x}

    return view


def _static(i: int) -> Callable[[], Awaitable[str]]:
    body = routing_body(i, False)

    async def view() -> str:
        return body

    return view


def _dynamic(i: int) -> Callable[..., Awaitable[str]]:
    async def view(x: int) -> str:
        return routing_body(i, True, x)

    return view
