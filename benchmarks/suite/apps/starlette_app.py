"""Starlette: the ASGI toolkit under FastAPI.

Sessions use Starlette's ``SessionMiddleware``, wrapped around the session
route only, so the other scenarios do not pay for it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)
from starlette.routing import Route, request_response
from starlette.templating import Jinja2Templates

from ..fixtures import SECRET_KEY, TEMPLATE_ITEMS, TEMPLATE_NAME, TEMPLATE_TITLE, Fixtures
from ..scenarios import HELLO_BODY, routing_body
from . import FILLER_ROUTES
from ._jinja import Templates

Endpoint = Callable[[Request], Awaitable[Response]]


def make_asgi_app(fx: Fixtures) -> Any:
    """Starlette's scenario app."""
    templates = Jinja2Templates(directory=str(fx.template_dir))
    strings = Templates(fx)
    file_path = str(fx.file_path)
    hello_text = HELLO_BODY.decode()

    async def hello(request: Request) -> Response:
        return PlainTextResponse(hello_text)

    async def item(request: Request) -> Response:
        item_id = request.path_params["item_id"]
        return JSONResponse({"id": item_id, "name": "widget", "tags": ["a", "b"]})

    async def search(request: Request) -> Response:
        args = request.query_params
        page = args.get("page")
        return JSONResponse(
            {
                "q": args.get("q"),
                "page": int(page) if page is not None else None,
                "tags": args.getlist("tags"),
            }
        )

    async def form(request: Request) -> Response:
        data = await request.form()
        return JSONResponse(
            {"name": data["name"], "age": int(str(data["age"])), "city": data["city"]}
        )

    async def echo(request: Request) -> Response:
        return JSONResponse(await request.json())

    async def counter(request: Request) -> Response:
        count = request.session.get("count", 0) + 1
        request.session["count"] = count
        return PlainTextResponse(str(count))

    async def template(request: Request) -> Response:
        return templates.TemplateResponse(
            request, TEMPLATE_NAME, {"title": TEMPLATE_TITLE, "items": TEMPLATE_ITEMS}
        )

    async def template_string(request: Request) -> Response:
        return HTMLResponse(strings.page_from_string())

    async def upload(request: Request) -> Response:
        data = await request.form()
        upload = data["file"]
        assert not isinstance(upload, str)
        size = len(await upload.read())
        return JSONResponse({"filename": upload.filename, "size": size, "note": data["note"]})

    async def file(request: Request) -> Response:
        return FileResponse(file_path)

    routes = [Route("/", hello)]
    routes += [Route(f"/filler{i}/{{x:int}}", _filler(i)) for i in range(FILLER_ROUTES)]
    routes += [
        Route("/items/{item_id:int}", item),
        Route("/search", search),
        Route("/form", form, methods=["POST"]),
        Route("/echo", echo, methods=["POST"]),
        Route("/session", SessionMiddleware(request_response(counter), secret_key=SECRET_KEY)),
        Route("/template", template),
        Route("/template-string", template_string),
        Route("/upload", upload, methods=["POST"]),
        Route("/file", file),
    ]
    return Starlette(routes=routes)


def make_asgi_routing_app(size: int, dynamic: bool) -> Any:
    """Starlette with ``size`` rules."""
    if dynamic:
        routes = [Route(f"/route{i}/{{x:int}}", _dynamic(i)) for i in range(size)]
    else:
        routes = [Route(f"/route{i}/index", _static(i)) for i in range(size)]
    return Starlette(routes=routes)


def _filler(i: int) -> Endpoint:
    async def view(request: Request) -> Response:
        return JSONResponse({"filler": i, "x": request.path_params["x"]})

    return view


def _static(i: int) -> Endpoint:
    body = routing_body(i, False)

    async def view(request: Request) -> Response:
        return PlainTextResponse(body)

    return view


def _dynamic(i: int) -> Endpoint:
    async def view(request: Request) -> Response:
        return PlainTextResponse(routing_body(i, True, request.path_params["x"]))

    return view
