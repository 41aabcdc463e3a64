"""The scenario app written once against Flask's public API.

erlen promises Flask's API, so Flask and erlen run this very code: the only
difference between their rows is the framework underneath.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

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


def build_app(fw: ModuleType, app_class: type, fx: Fixtures) -> Any:
    """The scenario app on ``fw`` (the ``flask`` or ``erlen`` module)."""
    request, session = fw.request, fw.session
    app = app_class(__name__, template_folder=str(fx.template_dir))
    app.secret_key = SECRET_KEY
    # Unhandled errors surface as exceptions, so a failing row names the cause.
    app.config["PROPAGATE_EXCEPTIONS"] = True
    hello_text = HELLO_BODY.decode()
    file_path = str(fx.file_path)

    @app.route("/")
    def hello() -> str:
        return hello_text

    for i in range(FILLER_ROUTES):
        app.add_url_rule(f"/filler{i}/<int:x>", f"filler{i}", _filler(i))

    @app.route("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "name": "widget", "tags": ["a", "b"]}

    @app.route("/search")
    def search() -> dict[str, Any]:
        args = request.args
        return {
            "q": args.get("q"),
            "page": args.get("page", type=int),
            "tags": args.getlist("tags"),
        }

    @app.route("/form", methods=["POST"])
    def form() -> dict[str, Any]:
        data = request.form
        return {"name": data["name"], "age": int(data["age"]), "city": data["city"]}

    @app.route("/echo", methods=["POST"])
    def echo() -> Any:
        return fw.jsonify(request.get_json())

    @app.route("/session")
    def counter() -> str:
        count = session.get("count", 0) + 1
        session["count"] = count
        return str(count)

    @app.route("/template")
    def template() -> str:
        return fw.render_template(  # type: ignore[no-any-return]
            TEMPLATE_NAME, title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS
        )

    @app.route("/template-string")
    def template_string() -> str:
        return fw.render_template_string(  # type: ignore[no-any-return]
            TEMPLATE_SOURCE, title=TEMPLATE_TITLE, items=TEMPLATE_ITEMS
        )

    @app.route("/upload", methods=["POST"])
    def upload() -> dict[str, Any]:
        upload = request.files["file"]
        size = len(upload.read())
        return {"filename": upload.filename, "size": size, "note": request.form["note"]}

    @app.route("/file")
    def file() -> Any:
        return fw.send_file(file_path, conditional=True)

    return app


def build_routing_app(app_class: type, size: int, dynamic: bool) -> Any:
    """An app with ``size`` rules, all static or all with an int parameter."""
    app = app_class(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    for i in range(size):
        if dynamic:
            app.add_url_rule(f"/route{i}/<int:x>", f"r{i}", _dynamic(i))
        else:
            app.add_url_rule(f"/route{i}/index", f"r{i}", _static(i))
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
