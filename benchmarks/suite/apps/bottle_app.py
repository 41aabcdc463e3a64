"""Bottle: the one-file WSGI micro-framework. It has no sessions (n/a)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import bottle  # type: ignore[import-untyped]

from ..fixtures import Fixtures
from ..scenarios import HELLO_BODY, routing_body
from . import FILLER_ROUTES
from ._jinja import Templates

UNSUPPORTED = {"session": "no built-in session"}

# Bottle refuses multipart bodies over MEMFILE_MAX (100 KiB by default) with a 400;
# raising it is the documented setting for uploads of this size.
bottle.BaseRequest.MEMFILE_MAX = 1024 * 1024


def make_wsgi_app(fx: Fixtures) -> Any:
    """Bottle's scenario app."""
    app = bottle.Bottle()
    request = bottle.request
    templates = Templates(fx)
    file_dir, file_name = os.path.split(str(fx.file_path))
    hello_text = HELLO_BODY.decode()

    @app.get("/")
    def hello() -> str:
        return hello_text

    for i in range(FILLER_ROUTES):
        app.route(f"/filler{i}/<x:int>", "GET", _filler(i))

    @app.get("/items/<item_id:int>")
    def item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "name": "widget", "tags": ["a", "b"]}

    @app.get("/search")
    def search() -> dict[str, Any]:
        query = request.query
        page = query.get("page")
        return {
            "q": query.getunicode("q"),
            "page": int(page) if page is not None else None,
            "tags": query.getall("tags"),
        }

    @app.post("/form")
    def form() -> dict[str, Any]:
        data = request.forms
        return {
            "name": data.getunicode("name"),
            "age": int(data["age"]),
            "city": data.getunicode("city"),
        }

    @app.post("/echo")
    def echo() -> dict[str, Any]:
        return request.json  # type: ignore[no-any-return]

    @app.get("/template")
    def template() -> str:
        return templates.page()

    @app.get("/template-string")
    def template_string() -> str:
        return templates.page_from_string()

    @app.post("/upload")
    def upload() -> dict[str, Any]:
        upload = request.files.get("file")
        size = len(upload.file.read())
        return {
            "filename": upload.raw_filename,
            "size": size,
            "note": request.forms.getunicode("note"),
        }

    @app.get("/file")
    def file() -> Any:
        return bottle.static_file(file_name, root=file_dir)

    return app


def make_wsgi_routing_app(size: int, dynamic: bool) -> Any:
    """Bottle with ``size`` rules."""
    app = bottle.Bottle()
    for i in range(size):
        if dynamic:
            app.route(f"/route{i}/<x:int>", "GET", _dynamic(i))
        else:
            app.route(f"/route{i}/index", "GET", _static(i))
    return app


def _filler(i: int) -> Callable[..., dict[str, int]]:
    def view(x: int) -> dict[str, int]:
        return {"filler": i, "x": x}

    return view


def _static(i: int) -> Callable[[], str]:
    body = routing_body(i, False)

    def view() -> str:
        return body

    return view


def _dynamic(i: int) -> Callable[..., str]:
    def view(x: int) -> str:
        return routing_body(i, True, x)

    return view
