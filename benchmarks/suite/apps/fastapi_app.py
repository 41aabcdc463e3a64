"""FastAPI, written the way its documentation teaches: typed parameters.

Sessions use Starlette's ``SessionMiddleware`` around the session route only
(FastAPI has no session of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Body, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Route, request_response

from ..fixtures import SECRET_KEY, TEMPLATE_ITEMS, TEMPLATE_NAME, TEMPLATE_TITLE, Fixtures
from ..scenarios import HELLO_BODY, routing_body
from . import FILLER_ROUTES
from ._jinja import Templates


def make_asgi_app(fx: Fixtures) -> Any:
    """FastAPI's scenario app."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    templates = Jinja2Templates(directory=str(fx.template_dir))
    strings = Templates(fx)
    file_path = str(fx.file_path)
    hello_text = HELLO_BODY.decode()

    @app.get("/", response_class=PlainTextResponse)
    async def hello() -> str:
        return hello_text

    for i in range(FILLER_ROUTES):
        app.add_api_route(f"/filler{i}/{{x}}", _filler(i))

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "name": "widget", "tags": ["a", "b"]}

    @app.get("/search")
    async def search(q: str, page: int, tags: Annotated[list[str], Query()]) -> dict[str, Any]:
        return {"q": q, "page": page, "tags": tags}

    @app.post("/form")
    async def form(
        name: Annotated[str, Form()], age: Annotated[int, Form()], city: Annotated[str, Form()]
    ) -> dict[str, Any]:
        return {"name": name, "age": age, "city": city}

    @app.post("/echo")
    async def echo(payload: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        return payload

    async def counter(request: Request) -> PlainTextResponse:
        count = request.session.get("count", 0) + 1
        request.session["count"] = count
        return PlainTextResponse(str(count))

    app.router.routes.append(
        Route("/session", SessionMiddleware(request_response(counter), secret_key=SECRET_KEY))
    )

    @app.get("/template", response_class=HTMLResponse)
    async def template(request: Request) -> Any:
        return templates.TemplateResponse(
            request, TEMPLATE_NAME, {"title": TEMPLATE_TITLE, "items": TEMPLATE_ITEMS}
        )

    @app.get("/template-string", response_class=HTMLResponse)
    async def template_string() -> str:
        return strings.page_from_string()

    @app.post("/upload")
    async def upload(
        file: Annotated[UploadFile, File()], note: Annotated[str, Form()]
    ) -> dict[str, Any]:
        size = len(await file.read())
        return {"filename": file.filename, "size": size, "note": note}

    @app.get("/file")
    async def file() -> FileResponse:
        return FileResponse(file_path)

    return app


def make_asgi_routing_app(size: int, dynamic: bool) -> Any:
    """FastAPI with ``size`` rules."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    for i in range(size):
        if dynamic:
            app.add_api_route(f"/route{i}/{{x}}", _dynamic(i), response_class=PlainTextResponse)
        else:
            app.add_api_route(f"/route{i}/index", _static(i), response_class=PlainTextResponse)
    return app


def _filler(i: int) -> Callable[..., Any]:
    async def view(x: int) -> dict[str, int]:
        return {"filler": i, "x": x}

    return view


def _static(i: int) -> Callable[..., Any]:
    body = routing_body(i, False)

    async def view() -> str:
        return body

    return view


def _dynamic(i: int) -> Callable[..., Any]:
    async def view(x: int) -> str:
        return routing_body(i, True, x)

    return view
