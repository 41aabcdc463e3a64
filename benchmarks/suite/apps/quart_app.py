"""Quart: Flask's API on asyncio, the closest ASGI peer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import quart
from quart import request, session

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


def make_asgi_app(fx: Fixtures) -> Any:
    """Quart's scenario app."""
    app = quart.Quart(__name__, template_folder=str(fx.template_dir))
    app.secret_key = SECRET_KEY
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
        data = await request.form
        return {"name": data["name"], "age": int(data["age"]), "city": data["city"]}

    @app.route("/echo", methods=["POST"])
    async def echo() -> Any:
        return quart.jsonify(await request.get_json())

    @app.route("/session")
    async def counter() -> str:
        count = session.get("count", 0) + 1
        session["count"] = count
        return str(count)

    @app.route("/template")
    async def template() -> str:
        return await quart.render_template(
            TEMPLATE_NAME, title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS
        )

    @app.route("/template-string")
    async def template_string() -> str:
        return await quart.render_template_string(
            TEMPLATE_SOURCE, title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS
        )

    @app.route("/upload", methods=["POST"])
    async def upload() -> dict[str, Any]:
        files = await request.files
        form = await request.form
        upload = files["file"]
        size = len(upload.read())
        return {"filename": upload.filename, "size": size, "note": form["note"]}

    @app.route("/file")
    async def file() -> Any:
        return await quart.send_file(file_path, conditional=True)

    return app


def make_asgi_routing_app(size: int, dynamic: bool) -> Any:
    """Quart with ``size`` rules."""
    app = quart.Quart(__name__)
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
