"""Falcon, WSGI and ASGI flavours of one resource layout.

Falcon has no sessions (the session rows say n/a) and no file-sending helper:
the range is served the documented way, from ``req.range`` with
``resp.content_range``, reading just the requested bytes.
"""

from __future__ import annotations

import os
from typing import Any

import falcon
import falcon.asgi

from ..fixtures import Fixtures
from ..scenarios import HELLO_BODY, routing_body
from . import FILLER_ROUTES
from ._jinja import Templates

UNSUPPORTED = {"session": "no built-in session"}


def _read_range(path: str, req_range: tuple[int, int] | None) -> tuple[int, int, int, bytes]:
    size = os.path.getsize(path)
    if req_range is None:
        raise falcon.HTTPBadRequest(description="this route serves ranges only")
    first, last = req_range
    if first < 0:
        first, last = max(size + first, 0), size - 1
    last = min(last if last >= 0 else size - 1, size - 1)
    if first > last:
        raise falcon.HTTPRangeNotSatisfiable(size)
    with open(path, "rb") as f:
        f.seek(first)
        return first, last, size, f.read(last - first + 1)


class _Sync:
    def __init__(self, fx: Fixtures) -> None:
        self.templates = Templates(fx)
        self.file_path = str(fx.file_path)

    def on_get_hello(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.data = HELLO_BODY

    def on_get_item(self, req: falcon.Request, resp: falcon.Response, item_id: int) -> None:
        resp.media = {"id": item_id, "name": "widget", "tags": ["a", "b"]}

    def on_get_search(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {
            "q": req.get_param("q"),
            "page": req.get_param_as_int("page"),
            "tags": req.get_param_as_list("tags"),
        }

    def on_post_form(self, req: falcon.Request, resp: falcon.Response) -> None:
        data = req.get_media()
        resp.media = {"name": data["name"], "age": int(data["age"]), "city": data["city"]}

    def on_post_echo(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = req.get_media()

    def on_get_template(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.templates.page()

    def on_get_template_string(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.templates.page_from_string()

    def on_post_upload(self, req: falcon.Request, resp: falcon.Response) -> None:
        result: dict[str, Any] = {}
        for part in req.get_media():
            if part.name == "file":
                result["filename"] = part.filename
                result["size"] = len(part.get_data())
            elif part.name == "note":
                result["note"] = part.get_text()
        resp.media = {k: result.get(k) for k in ("filename", "size", "note")}

    def on_get_file(self, req: falcon.Request, resp: falcon.Response) -> None:
        first, last, size, data = _read_range(self.file_path, req.range)
        resp.status = falcon.HTTP_206
        resp.content_type = "application/octet-stream"
        resp.content_range = (first, last, size)
        resp.accept_ranges = "bytes"
        resp.data = data


class _Async:
    def __init__(self, fx: Fixtures) -> None:
        self.templates = Templates(fx)
        self.file_path = str(fx.file_path)

    async def on_get_hello(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.data = HELLO_BODY

    async def on_get_item(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, item_id: int
    ) -> None:
        resp.media = {"id": item_id, "name": "widget", "tags": ["a", "b"]}

    async def on_get_search(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {
            "q": req.get_param("q"),
            "page": req.get_param_as_int("page"),
            "tags": req.get_param_as_list("tags"),
        }

    async def on_post_form(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        data = await req.get_media()
        resp.media = {"name": data["name"], "age": int(data["age"]), "city": data["city"]}

    async def on_post_echo(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = await req.get_media()

    async def on_get_template(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.templates.page()

    async def on_get_template_string(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response
    ) -> None:
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.templates.page_from_string()

    async def on_post_upload(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        result: dict[str, Any] = {}
        async for part in await req.get_media():
            if part.name == "file":
                result["filename"] = part.filename
                result["size"] = len(await part.get_data())
            elif part.name == "note":
                result["note"] = await part.get_text()
        resp.media = {k: result.get(k) for k in ("filename", "size", "note")}

    async def on_get_file(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        first, last, size, data = _read_range(self.file_path, req.range)
        resp.status = falcon.HTTP_206
        resp.content_type = "application/octet-stream"
        resp.content_range = (first, last, size)
        resp.accept_ranges = "bytes"
        resp.data = data


class _Filler:
    def __init__(self, i: int) -> None:
        self.i = i

    def on_get(self, req: Any, resp: Any, x: int) -> None:
        resp.media = {"filler": self.i, "x": x}


class _AsyncFiller(_Filler):
    async def on_get(self, req: Any, resp: Any, x: int) -> None:  # type: ignore[override]
        resp.media = {"filler": self.i, "x": x}


def _add_routes(app: Any, resource: Any, filler: type[_Filler]) -> Any:
    app.add_route("/", resource, suffix="hello")
    for i in range(FILLER_ROUTES):
        app.add_route(f"/filler{i}/{{x:int}}", filler(i))
    app.add_route("/items/{item_id:int}", resource, suffix="item")
    for name in ("search", "form", "echo", "template", "upload", "file"):
        app.add_route(f"/{name}", resource, suffix=name)
    app.add_route("/template-string", resource, suffix="template_string")
    return app


def make_wsgi_app(fx: Fixtures) -> Any:
    """Falcon's WSGI scenario app."""
    return _add_routes(falcon.App(), _Sync(fx), _Filler)


def make_asgi_app(fx: Fixtures) -> Any:
    """Falcon's ASGI scenario app."""
    return _add_routes(falcon.asgi.App(), _Async(fx), _AsyncFiller)


class _Static:
    def __init__(self, i: int) -> None:
        self.body = routing_body(i, False).encode()

    def on_get(self, req: Any, resp: Any) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.data = self.body


class _Dynamic:
    def __init__(self, i: int) -> None:
        self.i = i

    def on_get(self, req: Any, resp: Any, x: int) -> None:
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = routing_body(self.i, True, x)


class _AsyncStatic(_Static):
    async def on_get(self, req: Any, resp: Any) -> None:  # type: ignore[override]
        resp.content_type = falcon.MEDIA_TEXT
        resp.data = self.body


class _AsyncDynamic(_Dynamic):
    async def on_get(self, req: Any, resp: Any, x: int) -> None:  # type: ignore[override]
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = routing_body(self.i, True, x)


def _routing(app: Any, size: int, dynamic: bool, static: type, dyn: type) -> Any:
    for i in range(size):
        if dynamic:
            app.add_route(f"/route{i}/{{x:int}}", dyn(i))
        else:
            app.add_route(f"/route{i}/index", static(i))
    return app


def make_wsgi_routing_app(size: int, dynamic: bool) -> Any:
    """Falcon WSGI with ``size`` rules."""
    return _routing(falcon.App(), size, dynamic, _Static, _Dynamic)


def make_asgi_routing_app(size: int, dynamic: bool) -> Any:
    """Falcon ASGI with ``size`` rules."""
    return _routing(falcon.asgi.App(), size, dynamic, _AsyncStatic, _AsyncDynamic)
