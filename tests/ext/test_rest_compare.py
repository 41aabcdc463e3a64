"""erlen.ext.rest against the real Flask-RESTful 0.3.10 (on Flask 3.1).

One ``build(fw)`` makes the same app on each side; every request of the
matrix must give the same status, JSON body and the headers that matter.
Where erlen deliberately differs (docs/ext/rest.md, "Differences"), a
dedicated test asserts both sides' behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

flask = pytest.importorskip("flask")
flask_restful = pytest.importorskip("flask_restful")
flask_restful_fields = pytest.importorskip("flask_restful.fields")
flask_restful_inputs = pytest.importorskip("flask_restful.inputs")
flask_restful_reqparse = pytest.importorskip("flask_restful.reqparse")

import erlen  # noqa: E402
import erlen.ext.rest  # noqa: E402

HEADERS_THAT_MATTER = ("Content-Type", "Allow", "WWW-Authenticate", "X-Custom")


def framework(side: str) -> SimpleNamespace:
    if side == "flask":
        return SimpleNamespace(
            Flask=flask.Flask,
            Blueprint=flask.Blueprint,
            request=flask.request,
            make_response=flask.make_response,
            rest=flask_restful,
            reqparse=flask_restful_reqparse,
            fields=flask_restful_fields,
            inputs=flask_restful_inputs,
        )
    return SimpleNamespace(
        Flask=erlen.Erlen,
        Blueprint=erlen.Blueprint,
        request=erlen.request,
        make_response=erlen.make_response,
        rest=erlen.ext.rest,
        reqparse=erlen.ext.rest.reqparse,
        fields=erlen.ext.rest.fields,
        inputs=erlen.ext.rest.inputs,
    )


@dataclass
class Step:
    method: str
    path: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    #: Compare the status only (the body is a documented difference).
    status_only: bool = False


def snapshot(response: Any, status_only: bool) -> dict[str, Any]:
    snap: dict[str, Any] = {"status": response.status_code}
    if status_only:
        return snap
    body = response.get_data()
    try:
        snap["json"] = json.loads(body)
    except ValueError:
        snap["body"] = body
    headers = response.headers
    for name in HEADERS_THAT_MATTER:
        if name == "Content-Type" and response.status_code == 204:
            # erlen's README: a 204 response goes out without Content-Type.
            continue
        value = headers.get(name)
        if name == "Allow" and value:
            value = sorted(value.split(", "))
        snap[name] = value
    return snap


def compare(build: Callable[[SimpleNamespace], Any], steps: list[Step], protocol: str) -> None:
    flask_app = build(framework("flask"))
    erlen_app = build(framework("erlen"))
    # flask-restful 0.3.10 no longer adds "did you mean" help (see the docs).
    erlen_app.config["ERROR_404_HELP"] = False
    flask_client = flask_app.test_client()
    erlen_client = erlen_app.test_client(asgi=protocol == "asgi")
    try:
        for step in steps:
            expected = snapshot(
                flask_client.open(step.path, method=step.method, **step.kwargs), step.status_only
            )
            got = snapshot(
                erlen_client.open(step.path, method=step.method, **step.kwargs), step.status_only
            )
            assert got == expected, f"{step.method} {step.path} {step.kwargs}"
    finally:
        erlen_client.close()


# -- the apps ----------------------------------------------------------------------------


def build_todo(fw: SimpleNamespace) -> Any:
    app = fw.Flask("compare_todo")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    class TodoExistsError(Exception):
        pass

    api = fw.rest.Api(
        app,
        prefix="/v1",
        errors={"TodoExistsError": {"message": "That todo exists.", "status": 409}},
    )
    todos: dict[str, dict[str, Any]] = {"t1": {"task": "build an API", "done": False}}
    todo_fields = {
        "task": fw.fields.String,
        "done": fw.fields.Boolean,
        "uri": fw.fields.Url("todo"),
        "rank": fw.fields.Integer(default=0),
        "cost": fw.fields.Fixed(decimals=2),
    }

    parser = fw.reqparse.RequestParser()
    parser.add_argument("task", required=True, help="Task cannot be blank: {error_msg}")
    parser.add_argument("rank", type=fw.inputs.int_range(1, 5), location="json")
    parser.add_argument("done", type=fw.inputs.boolean, location="json")
    parser.add_argument("cost", type=float, location="json", default=0)

    class Todo(fw.rest.Resource):
        @fw.rest.marshal_with(todo_fields)
        def get(self, todo_id: str) -> Any:
            if todo_id not in todos:
                fw.rest.abort(404, message=f"Todo {todo_id} doesn't exist")
            return dict(todos[todo_id], todo_id=todo_id)

        def delete(self, todo_id: str) -> Any:
            todos.pop(todo_id, None)
            return "", 204

        def put(self, todo_id: str) -> Any:
            args = parser.parse_args()
            if todo_id in todos:
                raise TodoExistsError()
            todos[todo_id] = {"task": args["task"], "done": bool(args["done"]), "rank": args.rank}
            return fw.rest.marshal(dict(todos[todo_id], todo_id=todo_id), todo_fields), 201

    class TodoList(fw.rest.Resource):
        def get(self) -> Any:
            return (
                {key: value["task"] for key, value in sorted(todos.items())},
                200,
                {"X-Custom": str(len(todos))},
            )

    class Broken(fw.rest.Resource):
        def get(self) -> Any:
            raise RuntimeError("kaboom")

    class Strict(fw.rest.Resource):
        def post(self) -> Any:
            strict = fw.reqparse.RequestParser(bundle_errors=True)
            strict.add_argument("a", type=int, required=True, location="json")
            strict.add_argument("b", choices=("x", "y"), location="json")
            return strict.parse_args(strict=True), 200

    api.add_resource(TodoList, "/todos")
    api.add_resource(Todo, "/todos/<todo_id>", endpoint="todo")
    api.add_resource(Broken, "/broken")
    api.add_resource(Strict, "/strict")

    @app.route("/html")
    def html() -> str:
        return "<p>not the api</p>"

    return app


TODO_STEPS = [
    Step("GET", "/v1/todos"),
    Step("GET", "/v1/todos/t1"),
    Step("GET", "/v1/todos/nope"),
    Step("PUT", "/v1/todos/t2", {"json": {"task": "compare", "rank": 2, "done": "true"}}),
    Step("GET", "/v1/todos/t2"),
    Step("PUT", "/v1/todos/t2", {"json": {"task": "again"}}),
    Step("PUT", "/v1/todos/t3", {"json": {"rank": 2}}),
    Step("PUT", "/v1/todos/t3", {"json": {"task": "x", "rank": 9}}),
    Step("PUT", "/v1/todos/t3", {"json": {"task": "x", "done": "maybe"}}),
    Step("PUT", "/v1/todos/t3", {"json": {"task": "x", "cost": "cheap"}}),
    Step("PUT", "/v1/todos/t3", {"data": "{oops", "content_type": "application/json"}, True),
    Step("POST", "/v1/todos/t1"),
    Step("PATCH", "/v1/todos"),
    Step("DELETE", "/v1/todos/t2"),
    Step("GET", "/v1/todos"),
    Step("GET", "/v1/broken"),
    Step("GET", "/v1/nowhere"),
    Step("POST", "/html"),
    Step("GET", "/html"),
    Step("POST", "/v1/strict", {"json": {"a": 1, "b": "x"}}),
    Step("POST", "/v1/strict", {"json": {"a": "one", "b": "z"}}),
    Step("POST", "/v1/strict", {"json": {"a": 1, "c": 3}}),
    Step("GET", "/v1/todos", {"headers": {"Accept": "text/html"}}),
    Step("GET", "/v1/todos", {"headers": {"Accept": "application/json;q=0.1, */*"}}),
]


def test_todo_api_matches_flask_restful(protocol: str) -> None:
    compare(build_todo, TODO_STEPS, protocol)


def build_negotiation(fw: SimpleNamespace) -> Any:
    app = fw.Flask("compare_negotiation")
    app.config["HTTP_BASIC_AUTH_REALM"] = "compare"
    api = fw.rest.Api(app, default_mediatype=None, catch_all_404s=True, serve_challenge_on_401=True)

    @api.representation("text/csv")
    def csv(data: Any, code: int, headers: Any = None) -> Any:
        response = fw.make_response(",".join(f"{k}={v}" for k, v in data.items()), code)
        response.headers.extend(headers or {})
        return response

    class Item(fw.rest.Resource):
        def get(self) -> Any:
            return {"a": 1, "b": 2}

        def post(self) -> Any:
            fw.rest.abort(401, message="who are you?")

    api.add_resource(Item, "/item")
    return app


NEGOTIATION_STEPS = [
    Step("GET", "/item", {"headers": {"Accept": "application/json"}}),
    Step("GET", "/item", {"headers": {"Accept": "text/csv"}}),
    Step("GET", "/item", {"headers": {"Accept": "text/csv;q=0.2, application/json;q=0.9"}}),
    Step("GET", "/item", {"headers": {"Accept": "text/html"}}),
    Step("GET", "/item"),
    Step("POST", "/item", {"headers": {"Accept": "application/json"}}),
    Step("GET", "/missing", {"headers": {"Accept": "application/json"}}),
    Step("PUT", "/item", {"headers": {"Accept": "application/json"}}),
]


def test_negotiation_and_catch_all_match_flask_restful(protocol: str) -> None:
    compare(build_negotiation, NEGOTIATION_STEPS, protocol)


def build_blueprint(fw: SimpleNamespace) -> Any:
    app = fw.Flask("compare_blueprint")
    bp = fw.Blueprint("bp", __name__)
    api = fw.rest.Api(bp, prefix="/api")
    item_fields = {"name": fw.fields.String, "link": fw.fields.Url("bp.item", absolute=True)}

    class Item(fw.rest.Resource):
        method_decorators = {"delete": [lambda f: lambda *a, **k: ({"denied": True}, 403)]}

        @fw.rest.marshal_with(item_fields, envelope="item")
        def get(self, item_id: int) -> Any:
            return {"item_id": item_id, "name": f"n{item_id}"}

        def delete(self, item_id: int) -> Any:
            return "", 204

    class Where(fw.rest.Resource):
        def get(self) -> Any:
            return {"url": api.url_for(Item, item_id=3)}

    api.add_resource(Item, "/items/<int:item_id>")
    api.add_resource(Where, "/where")
    app.register_blueprint(bp, url_prefix="/bp")
    return app


BLUEPRINT_STEPS = [
    Step("GET", "/bp/api/items/2"),
    Step("DELETE", "/bp/api/items/2"),
    Step("GET", "/bp/api/where"),
    Step("POST", "/bp/api/items/2"),
    Step("GET", "/bp/api/nothing"),
]


def test_blueprint_api_matches_flask_restful(protocol: str) -> None:
    compare(build_blueprint, BLUEPRINT_STEPS, protocol)


def test_marshal_and_inputs_match_flask_restful() -> None:
    results = [
        json.loads(json.dumps(fw_result, default=str))
        for fw_result in (
            _marshal_sample(framework("flask")),
            _marshal_sample(framework("erlen")),
        )
    ]
    assert results[0] == results[1]

    for name, values in {
        "natural": ["0", "5", "-1", "x"],
        "positive": ["1", "0"],
        "boolean": ["true", "0", "nah", ""],
        "url": ["http://example.com/x", "example.com", "mailto:x"],
        "date": ["2020-01-31", "2020-02-31"],
        "datetime_from_iso8601": ["2012-01-01T23:30:00+02:00", "2012-01-01T23:30:00"],
        "datetime_from_rfc822": ["Wed, 02 Oct 2002 08:00:00 EST"],
        "iso8601interval": [
            "2013-01-01",
            "2013-01-01T12",
            "2013-01-01T12:30",
            "2013-01-01/P3D",
            "2013-01-01T12:00/PT30M",
            "2013-01-01/2013-02-28",
            "2013-01-01T06:00/2013-01-01T12:00",
            "junk",
        ],
    }.items():
        for value in values:
            outcomes = []
            for fw in (framework("flask"), framework("erlen")):
                try:
                    outcomes.append(("ok", getattr(fw.inputs, name)(value)))
                except ValueError as error:
                    outcomes.append(("error", str(error)))
            assert outcomes[0] == outcomes[1], (name, value)


def _marshal_sample(fw: SimpleNamespace) -> Any:
    import datetime as dt

    return fw.rest.marshal(
        [
            {"a": 1, "b": "x", "when": dt.datetime(2020, 5, 17, 8, 30), "tags": ["t", 2]},
            {"a": None, "nested": {"k": "v"}, "when": dt.datetime(2001, 1, 1)},
        ],
        {
            "a": fw.fields.Integer,
            "b": fw.fields.String(default="none"),
            "when": fw.fields.DateTime,
            "iso": fw.fields.DateTime("iso8601", attribute="when"),
            "tags": fw.fields.List(fw.fields.String),
            "nested": fw.fields.Nested({"k": fw.fields.String}, allow_null=True),
            "fmt": fw.fields.FormattedString("{a}!"),
            "money": fw.fields.Price(2, attribute="a", default="0"),
        },
        envelope="rows",
    )


# -- documented differences ------------------------------------------------------------------


def _name_parser_app(fw: SimpleNamespace) -> Any:
    app = fw.Flask("compare_form")
    api = fw.rest.Api(app)

    class Echo(fw.rest.Resource):
        def post(self) -> Any:
            parser = fw.reqparse.RequestParser()
            parser.add_argument("name")
            return {"name": parser.parse_args()["name"]}

    api.add_resource(Echo, "/echo")
    return app


def test_difference_form_bodies_are_read(protocol: str) -> None:
    """flask-restful's default ``json`` location reads ``request.json``, which
    Flask 2.3+ answers with 415 for a form post; erlen reads the form (API.md)."""
    flask_rv = (
        _name_parser_app(framework("flask")).test_client().post("/echo", data={"name": "form"})
    )
    assert flask_rv.status_code == 415
    erlen_client = _name_parser_app(framework("erlen")).test_client(asgi=protocol == "asgi")
    erlen_rv = erlen_client.post("/echo", data={"name": "form"})
    assert (erlen_rv.status_code, erlen_rv.json) == (200, {"name": "form"})
    # A JSON body is read the same way on both sides.
    flask_rv = (
        _name_parser_app(framework("flask")).test_client().post("/echo", json={"name": "json"})
    )
    erlen_rv = erlen_client.post("/echo", json={"name": "json"})
    assert flask_rv.get_json() == erlen_rv.json == {"name": "json"}


def test_difference_404_help(protocol: str) -> None:
    """ERROR_404_HELP (default True) suggests close URLs of the Api for a URL
    that matched nothing, as flask-restful 0.3.8 did; 0.3.10 dropped it."""
    apps = [build_negotiation(framework(side)) for side in ("flask", "erlen")]
    flask_rv = apps[0].test_client().get("/itme", headers={"Accept": "application/json"})
    erlen_rv = (
        apps[1]
        .test_client(asgi=protocol == "asgi")
        .get("/itme", headers={"Accept": "application/json"})
    )
    assert flask_rv.status_code == erlen_rv.status_code == 404
    base = flask_rv.get_json()["message"]
    assert erlen_rv.json["message"] == (
        base.rstrip(".") + ". You have requested this URI [/itme] but did you mean /item ?"
    )


def test_difference_unimplemented_listed_method(protocol: str) -> None:
    """A method listed in ``methods`` but not implemented: flask-restful fails
    an assertion (500), erlen answers 405."""

    def build(fw: SimpleNamespace) -> Any:
        app = fw.Flask("compare_methods")
        app.config["PROPAGATE_EXCEPTIONS"] = False
        api = fw.rest.Api(app)

        class Odd(fw.rest.Resource):
            methods = ["GET", "PATCH"]

            def get(self) -> Any:
                return {}

        api.add_resource(Odd, "/odd")
        return app

    assert build(framework("flask")).test_client().patch("/odd").status_code == 500
    rv = build(framework("erlen")).test_client(asgi=protocol == "asgi").patch("/odd")
    assert (rv.status_code, rv.json) == (
        405,
        {"message": "The method is not allowed for the requested URL."},
    )
