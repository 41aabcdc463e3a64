"""erlen.ext.rest: Api, Resource, content negotiation, errors, blueprints.

Every client test runs on WSGI and ASGI (the ``client`` fixture).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from erlen import Blueprint, Erlen, Response, make_response, request
from erlen.ext.rest import Api, Resource, abort, reqparse
from erlen.http.exceptions import HTTPException, Unauthorized
from erlen.signals import got_request_exception
from erlen.testing import ErlenClient

# -- the brief's example (§2.9.4), imports changed only ------------------------------


@pytest.fixture
def notes_app() -> Erlen:
    # fmt: off
    from erlen import Erlen as Flask
    from erlen.ext.rest import Api, Resource, reqparse
    app = Flask(__name__)
    api = Api(app)
    # 模拟数据库
    users = {
       1: {'name': 'Alice'},
        2: {'name': 'Bob'}
    }
    class User(Resource):
        def get(self, user_id):
            return users[user_id], 200
        def post(self, user_id):
            parser = reqparse.RequestParser()
            parser.add_argument('name')
            args = parser.parse_args()
            users[user_id] = {'name': args['name']}
            return users[user_id], 201
    api.add_resource(User, '/user/<int:user_id>')
    # fmt: on
    return app


def test_notes_example_get_and_json_post(notes_app: Erlen, make_client: Any) -> None:
    client = make_client(notes_app)
    rv = client.get("/user/1")
    assert rv.status_code == 200
    assert rv.json == {"name": "Alice"}
    assert rv.headers["Content-Type"] == "application/json"

    rv = client.post("/user/3", json={"name": "Carol"})
    assert rv.status_code == 201
    assert rv.json == {"name": "Carol"}
    assert client.get("/user/3").json == {"name": "Carol"}


def test_notes_example_form_post(notes_app: Erlen, make_client: Any) -> None:
    # API.md: reqparse reads form-encoded bodies as well as JSON.
    client = make_client(notes_app)
    rv = client.post("/user/3", data={"name": "Dave"})
    assert rv.status_code == 201
    assert rv.json == {"name": "Dave"}
    assert client.get("/user/3").json == {"name": "Dave"}


def test_notes_example_unknown_method_is_json_405(notes_app: Erlen, make_client: Any) -> None:
    rv = make_client(notes_app).delete("/user/1")
    assert rv.status_code == 405
    assert rv.json == {"message": "The method is not allowed for the requested URL."}
    assert set(rv.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


# -- return values -----------------------------------------------------------------


def test_return_shapes(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Shapes(Resource):
        def get(self, kind: str) -> Any:
            if kind == "data":
                return {"a": 1}
            if kind == "status":
                return {"a": 2}, 202
            if kind == "headers":
                return {"a": 3}, 201, {"X-Thing": "yes"}
            if kind == "headers-only":
                return {"a": 4}, {"X-Thing": "only"}
            if kind == "list":
                return [1, 2, 3]
            if kind == "string":
                return "plain"
            return Response("raw body", status=203, mimetype="text/x-raw")

    api.add_resource(Shapes, "/s/<kind>")
    rv = client.get("/s/data")
    assert (rv.status_code, rv.json) == (200, {"a": 1})
    assert rv.data == b'{"a": 1}\n'
    rv = client.get("/s/status")
    assert (rv.status_code, rv.json) == (202, {"a": 2})
    rv = client.get("/s/headers")
    assert (rv.status_code, rv.json, rv.headers["X-Thing"]) == (201, {"a": 3}, "yes")
    rv = client.get("/s/headers-only")
    assert (rv.status_code, rv.json, rv.headers["X-Thing"]) == (200, {"a": 4}, "only")
    assert client.get("/s/list").json == [1, 2, 3]
    assert client.get("/s/string").json == "plain"
    rv = client.get("/s/response")
    assert (rv.status_code, rv.data, rv.mimetype) == (203, b"raw body", "text/x-raw")


def test_head_and_automatic_options(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Item(Resource):
        def get(self) -> Any:
            return {"ok": True}

        def put(self) -> Any:
            return {"put": True}

    api.add_resource(Item, "/item")
    rv = client.head("/item")
    assert rv.status_code == 200
    assert rv.data == b""
    rv = client.options("/item")
    assert rv.status_code == 200
    assert set(rv.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PUT"}


def test_json_settings_and_app_conversions(app: Erlen, client: ErlenClient) -> None:
    app.config["RESTFUL_JSON"] = {"indent": 2, "sort_keys": True}
    api = Api(app)

    class Thing(Resource):
        def get(self) -> Any:
            return {"b": 1, "a": dt.datetime(2024, 1, 2, 3, 4, 5)}

    api.add_resource(Thing, "/thing")
    rv = client.get("/thing")
    assert rv.data.decode() == ('{\n  "a": "Tue, 02 Jan 2024 03:04:05 GMT",\n  "b": 1\n}\n')
    assert app.config["RESTFUL_JSON"] == {"indent": 2, "sort_keys": True}


def test_debug_indents_by_four_without_touching_config(app: Erlen, client: ErlenClient) -> None:
    app.debug = True
    api = Api(app)

    class Thing(Resource):
        def get(self) -> Any:
            return {"a": 1}

    api.add_resource(Thing, "/thing")
    assert client.get("/thing").data == b'{\n    "a": 1\n}\n'
    assert app.config["RESTFUL_JSON"] == {}


def test_json_cls_setting(app: Erlen, client: ErlenClient) -> None:
    class SetEncoder(json.JSONEncoder):
        def default(self, o: Any) -> Any:
            if isinstance(o, set):
                return sorted(o)
            return super().default(o)

    app.config["RESTFUL_JSON"] = {"cls": SetEncoder}
    api = Api(app)

    class Thing(Resource):
        def get(self) -> Any:
            return {"s": {3, 1, 2}}

    api.add_resource(Thing, "/thing")
    assert client.get("/thing").json == {"s": [1, 2, 3]}


# -- content negotiation --------------------------------------------------------------


def _csv(data: Any, code: int, headers: Any = None) -> Response:
    body = ",".join(f"{k}={v}" for k, v in data.items())
    response = make_response(body, code)
    response.headers.extend(headers or {})
    return response


def test_representation_by_accept_header(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)
    api.representation("text/csv")(_csv)

    class Thing(Resource):
        def get(self) -> Any:
            return {"a": 1}, 200, {"X-From": "thing"}

    api.add_resource(Thing, "/thing")
    rv = client.get("/thing", headers={"Accept": "text/csv"})
    assert (rv.data, rv.headers["Content-Type"], rv.headers["X-From"]) == (
        b"a=1",
        "text/csv",
        "thing",
    )
    rv = client.get("/thing", headers={"Accept": "text/csv;q=0.5, application/json"})
    assert rv.headers["Content-Type"] == "application/json"
    assert rv.json == {"a": 1}
    # Nothing acceptable: the default media type is sent.
    rv = client.get("/thing", headers={"Accept": "text/html"})
    assert (rv.status_code, rv.headers["Content-Type"]) == (200, "application/json")


def test_no_default_mediatype_gives_406(app: Erlen, client: ErlenClient) -> None:
    api = Api(app, default_mediatype=None)

    class Thing(Resource):
        def get(self) -> Any:
            return {"a": 1}

    api.add_resource(Thing, "/thing")
    rv = client.get("/thing", headers={"Accept": "text/html"})
    assert rv.status_code == 406
    assert rv.headers["Content-Type"] == "application/json"
    assert rv.json["message"].startswith("The resource identified by the request")
    assert client.get("/thing", headers={"Accept": "application/*"}).json == {"a": 1}


def test_text_plain_default_without_representation(app: Erlen, client: ErlenClient) -> None:
    api = Api(app, default_mediatype="text/plain")

    class Thing(Resource):
        def get(self) -> Any:
            return {"a": 1}, 202, {"X-T": "1"}

    api.add_resource(Thing, "/thing")
    rv = client.get("/thing", headers={"Accept": "image/png"})
    assert (rv.status_code, rv.data, rv.headers["Content-Type"], rv.headers["X-T"]) == (
        202,
        b"{'a': 1}",
        "text/plain",
        "1",
    )


def test_default_mediatype_without_representation_is_500(app: Erlen, client: ErlenClient) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    api = Api(app, default_mediatype="application/xml")

    class Thing(Resource):
        def get(self) -> Any:
            return {"a": 1}

    api.add_resource(Thing, "/thing")
    assert client.get("/thing", headers={"Accept": "image/png"}).status_code == 500
    assert client.get("/thing").status_code == 500
    assert client.get("/thing", headers={"Accept": "application/json"}).json == {"a": 1}


def test_resource_representations_win(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Thing(Resource):
        representations = {"text/csv": _csv}

        def get(self) -> Any:
            return {"a": 1}, 201

    api.add_resource(Thing, "/thing")
    rv = client.get("/thing", headers={"Accept": "text/csv"})
    assert (rv.status_code, rv.data, rv.headers["Content-Type"]) == (201, b"a=1", "text/csv")
    assert client.get("/thing").json == {"a": 1}


def test_mediatypes(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)
    seen: dict[str, Any] = {}

    class Thing(Resource):
        def get(self) -> Any:
            seen["resource"] = self.mediatypes()
            seen["api"] = api.mediatypes()
            return {}

    api.add_resource(Thing, "/thing")
    client.get("/thing", headers={"Accept": "text/html;q=0.5, application/xml, text/csv;q=0.8"})
    assert seen["api"] == ["application/xml", "text/csv", "text/html"]
    assert seen["resource"] == ["application/xml", "text/csv", "text/html", "application/json"]


# -- errors ------------------------------------------------------------------------------


def test_abort_with_data(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Thing(Resource):
        def get(self, n: int) -> Any:
            if n == 1:
                abort(404, message="Thing 1 doesn't exist", id=1)
            if n == 2:
                abort(409)
            abort(400, errors=["a", "b"])

    api.add_resource(Thing, "/thing/<int:n>")
    rv = client.get("/thing/1")
    assert (rv.status_code, rv.json) == (404, {"message": "Thing 1 doesn't exist", "id": 1})
    rv = client.get("/thing/2")
    assert rv.status_code == 409
    assert rv.json == {
        "message": "A conflict happened while processing the request. The resource"
        " might have been modified while the request was being processed."
    }
    rv = client.get("/thing/3")
    assert (rv.status_code, rv.json) == (400, {"errors": ["a", "b"]})


def test_abort_outside_an_api_keeps_the_html_page(app: Erlen, client: ErlenClient) -> None:
    Api(app)

    @app.route("/plain")
    def plain() -> Any:
        abort(403, message="no")

    rv = client.get("/plain")
    assert rv.status_code == 403
    assert rv.mimetype == "text/html"
    assert b"<h1>Forbidden</h1>" in rv.data


def test_http_exception_headers_and_response(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Thing(Resource):
        def get(self, n: int) -> Any:
            if n == 1:
                raise Unauthorized("Log in", www_authenticate=None)
            raise HTTPException(response=Response("teapot body", status=418))

    api.add_resource(Thing, "/thing/<int:n>")
    rv = client.get("/thing/1")
    assert (rv.status_code, rv.json) == (401, {"message": "Log in"})
    assert "WWW-Authenticate" not in rv.headers
    assert rv.headers["Content-Length"] == str(len(rv.data))
    rv = client.get("/thing/2")
    assert (rv.status_code, rv.data) == (418, b"teapot body")


def test_serve_challenge_on_401(app: Erlen, client: ErlenClient) -> None:
    api = Api(app, serve_challenge_on_401=True)

    class Secret(Resource):
        def get(self) -> Any:
            abort(401)

    api.add_resource(Secret, "/secret")
    rv = client.get("/secret")
    assert rv.status_code == 401
    assert rv.headers["WWW-Authenticate"] == 'Basic realm="flask-restful"'
    app.config["HTTP_BASIC_AUTH_REALM"] = 'my "realm"'
    rv = client.get("/secret")
    assert rv.headers["WWW-Authenticate"] == 'Basic realm="my \\"realm\\""'


def test_no_challenge_by_default(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Secret(Resource):
        def get(self) -> Any:
            abort(401)

    api.add_resource(Secret, "/secret")
    rv = client.get("/secret")
    assert rv.status_code == 401
    assert "WWW-Authenticate" not in rv.headers


def test_errors_mapping(app: Erlen, client: ErlenClient) -> None:
    class UserAlreadyExistsError(Exception):
        pass

    app.config["PROPAGATE_EXCEPTIONS"] = False
    api = Api(
        app,
        errors={
            "UserAlreadyExistsError": {"message": "A user with that name exists.", "status": 409},
            "Gone": {"message": "Moved on", "extra": 1},
        },
    )

    class Users(Resource):
        def post(self) -> Any:
            raise UserAlreadyExistsError()

        def delete(self) -> Any:
            abort(410)

    api.add_resource(Users, "/users")
    rv = client.post("/users")
    assert rv.status_code == 409
    assert rv.json == {"message": "A user with that name exists.", "status": 409}
    rv = client.delete("/users")
    # COMPAT(flask_restful): an entry without "status" answers 500.
    assert rv.status_code == 500
    assert rv.json == {"message": "Moved on", "extra": 1}


def test_unhandled_exception_is_json_500_and_logged(
    app: Erlen, client: ErlenClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    api = Api(app)
    after: list[int] = []

    @app.after_request
    def record(response: Response) -> Response:
        after.append(response.status_code)
        return response

    class Broken(Resource):
        def get(self) -> Any:
            raise RuntimeError("kaboom")

    api.add_resource(Broken, "/broken")
    with caplog.at_level(logging.ERROR):
        rv = client.get("/broken")
    assert (rv.status_code, rv.json) == (500, {"message": "Internal Server Error"})
    assert "kaboom" in caplog.text
    # The Api handled it, so the response is finalized as usual.
    assert after == [500]


def test_unhandled_exception_propagates_when_testing(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Broken(Resource):
        def get(self) -> Any:
            raise RuntimeError("kaboom")

    api.add_resource(Broken, "/broken")
    with pytest.raises(RuntimeError, match="kaboom"):
        client.get("/broken")


def test_got_request_exception_is_sent(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)
    seen: list[tuple[Any, Any]] = []

    def receiver(sender: Any, exception: Any, **extra: Any) -> None:
        seen.append((sender, exception))

    class Thing(Resource):
        def get(self) -> Any:
            abort(418)

    api.add_resource(Thing, "/thing")
    got_request_exception.connect(receiver)
    try:
        assert client.get("/thing").status_code == 418
    finally:
        got_request_exception.disconnect(receiver)
    assert len(seen) == 1
    assert seen[0][0] is app
    assert isinstance(seen[0][1], HTTPException)
    assert seen[0][1].code == 418


def test_routing_404_other_routes_keep_html(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Users(Resource):
        def get(self) -> Any:
            return []

    api.add_resource(Users, "/users")

    @app.route("/page")
    def page() -> str:
        return "page"

    rv = client.get("/nowhere")
    assert (rv.status_code, rv.mimetype) == (404, "text/html")
    rv = client.post("/page")
    assert (rv.status_code, rv.mimetype) == (405, "text/html")
    assert client.get("/page").data == b"page"


def test_catch_all_404s_and_help(app: Erlen, client: ErlenClient) -> None:
    api = Api(app, catch_all_404s=True)

    class Users(Resource):
        def get(self) -> Any:
            return []

    api.add_resource(Users, "/users", "/users/<int:user_id>")

    @app.route("/admin-panel")
    def admin() -> str:
        return "admin"

    rv = client.get("/user")
    assert rv.status_code == 404
    assert rv.headers["Content-Type"] == "application/json"
    message = rv.json["message"]
    assert message.startswith("The requested URL was not found on the server.")
    assert "You have requested this URI [/user] but did you mean /users" in message
    # Only the Api's own URLs are suggested.
    rv = client.get("/admin-panels")
    assert "admin-panel" not in rv.json["message"]
    assert "did you mean" not in rv.json["message"]

    app.config["ERROR_404_HELP"] = False
    rv = client.get("/user")
    assert rv.json == {
        "message": "The requested URL was not found on the server. If you entered the URL"
        " manually please check your spelling and try again."
    }


def test_error_handler_in_before_request_for_api_route(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Users(Resource):
        def get(self) -> Any:
            return []

    api.add_resource(Users, "/users")

    @app.before_request
    def guard() -> None:
        if request.args.get("deny"):
            abort(403, message="denied")

    rv = client.get("/users?deny=1")
    assert (rv.status_code, rv.json) == (403, {"message": "denied"})


def test_two_apis_on_one_app(app: Erlen, client: ErlenClient) -> None:
    v1 = Api(app, prefix="/v1")
    v2 = Api(app, prefix="/v2", catch_all_404s=False, serve_challenge_on_401=True)

    class One(Resource):
        def get(self) -> Any:
            abort(401)

    class Two(Resource):
        def get(self) -> Any:
            abort(401)

    v1.add_resource(One, "/x")
    v2.add_resource(Two, "/x")
    rv1 = client.get("/v1/x")
    rv2 = client.get("/v2/x")
    assert (rv1.status_code, rv2.status_code) == (401, 401)
    assert "WWW-Authenticate" not in rv1.headers
    assert rv2.headers["WWW-Authenticate"] == 'Basic realm="flask-restful"'
    assert app.extensions["rest"] == [v1, v2]


# -- registration -----------------------------------------------------------------------


def test_prefix_endpoint_and_url_for(app: Erlen, client: ErlenClient) -> None:
    api = Api(app, prefix="/api")

    @api.resource("/todos/<int:todo_id>", "/todo/<int:todo_id>", endpoint="todo_ep")
    class Todo(Resource):
        def get(self, todo_id: int) -> Any:
            return {"id": todo_id, "url": api.url_for(Todo, todo_id=todo_id)}

    class Plain(Resource):
        def get(self) -> Any:
            return {"endpoint": request.endpoint}

    api.add_resource(Plain, "/plain")
    assert client.get("/api/todos/3").json == {"id": 3, "url": "/api/todos/3"}
    assert client.get("/api/todo/4").json == {"id": 4, "url": "/api/todos/4"}
    assert client.get("/api/plain").json == {"endpoint": "plain"}
    assert Todo.endpoint == "todo_ep"
    assert api.endpoints == {"todo_ep", "plain"}
    assert api.owns_endpoint("plain")
    assert not api.owns_endpoint("static")


def test_endpoint_collision(app: Erlen) -> None:
    api = Api(app)

    class Foo(Resource):
        def get(self) -> Any:
            return {}

    class FooSpecial(Resource):
        def get(self) -> Any:
            return {}

    api.add_resource(Foo, "/foo", endpoint="foo")
    with pytest.raises(ValueError, match=r"This endpoint \(foo\) is already set to the class Foo"):
        api.add_resource(FooSpecial, "/special/foo", endpoint="foo")

    @app.route("/view")
    def view() -> str:
        return ""

    with pytest.raises(ValueError, match="already set to the class view"):
        api.add_resource(FooSpecial, "/x", endpoint="view")


def test_init_app_later_registers_before_and_after(app: Erlen, client: ErlenClient) -> None:
    api = Api()

    class Before(Resource):
        def get(self) -> Any:
            return {"when": "before"}

    class After(Resource):
        def get(self) -> Any:
            return {"when": "after"}

    api.add_resource(Before, "/before")
    api.init_app(app)
    api.init_app(app)  # idempotent
    api.add_resource(After, "/after")
    assert client.get("/before").json == {"when": "before"}
    assert client.get("/after").json == {"when": "after"}
    assert app.extensions["rest"] == [api]


def test_resource_class_args_and_options(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Greeter(Resource):
        def __init__(self, greeting: str, *, punctuation: str = ".") -> None:
            self.greeting = greeting
            self.punctuation = punctuation

        def get(self, name: str) -> Any:
            return {"text": f"{self.greeting} {name}{self.punctuation}"}

    api.add_resource(
        Greeter,
        "/hi/<name>",
        resource_class_args=("Hello",),
        resource_class_kwargs={"punctuation": "!"},
    )
    api.add_resource(
        Greeter,
        "/hey",
        endpoint="hey",
        resource_class_args=("Hey",),
        defaults={"name": "you"},
    )
    assert client.get("/hi/Ann").json == {"text": "Hello Ann!"}
    assert client.get("/hey").json == {"text": "Hey you."}


def test_api_decorators_and_method_decorators(app: Erlen, client: ErlenClient) -> None:
    calls: list[str] = []

    def tag(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(f: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(f)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                calls.append(label)
                return f(*args, **kwargs)

            return wrapper

        return decorator

    def deny_unless_token(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.headers.get("X-Token") != "t":
                abort(401, message="token required")
            return f(*args, **kwargs)

        return wrapper

    api = Api(app, decorators=[tag("api")])

    class ListDecorated(Resource):
        method_decorators = [tag("method")]

        def get(self) -> Any:
            calls.append("get")
            return {"ok": 1}

    class DictDecorated(Resource):
        method_decorators = {"post": [deny_unless_token]}

        def get(self) -> Any:
            return {"open": True}

        def post(self) -> Any:
            return {"created": True}, 201

    api.add_resource(ListDecorated, "/list")
    api.add_resource(DictDecorated, "/dict")
    assert client.get("/list").json == {"ok": 1}
    assert calls == ["api", "method", "get"]
    assert client.get("/dict").json == {"open": True}
    rv = client.post("/dict")
    assert (rv.status_code, rv.json) == (401, {"message": "token required"})
    rv = client.post("/dict", headers={"X-Token": "t"})
    assert (rv.status_code, rv.json) == (201, {"created": True})


def test_api_on_blueprint(app: Erlen, client: ErlenClient) -> None:
    bp = Blueprint("v1", __name__, url_prefix="/bp")
    api = Api(bp, prefix="/api")

    class Item(Resource):
        def get(self, item_id: int) -> Any:
            return {"id": item_id, "self": api.url_for(Item, item_id=item_id)}

    api.add_resource(Item, "/items/<int:item_id>")
    assert api.blueprint is bp
    app.register_blueprint(bp)
    rv = client.get("/bp/api/items/5")
    assert rv.json == {"id": 5, "self": "/bp/api/items/5"}
    assert api.owns_endpoint("v1.item")
    assert not api.owns_endpoint("item")
    # A 405 on the blueprint's Api URL is the Api's.
    rv = client.delete("/bp/api/items/5")
    assert (rv.status_code, rv.headers["Content-Type"]) == (405, "application/json")


def test_blueprint_url_part_order_and_late_resource(app: Erlen, client: ErlenClient) -> None:
    bp = Blueprint("shop", __name__)
    api = Api(bp, prefix="/api", url_part_order="abe")

    class Late(Resource):
        def get(self) -> Any:
            return {"late": True}

    @app.route("/where")
    def where() -> str:
        return api.url_for(Late)

    app.register_blueprint(bp, url_prefix="/shop")
    api.add_resource(Late, "/late")
    assert client.get("/api/shop/late").json == {"late": True}
    assert client.get("/where").data == b"/api/shop/late"
    assert api.owns_endpoint("shop.late")


def test_blueprint_registered_twice_is_refused(app: Erlen) -> None:
    bp = Blueprint("twice", __name__)
    Api(bp)
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="can only be registered once"):
        app.register_blueprint(bp, name="twice_again")


# -- async resources -----------------------------------------------------------------


def test_async_handlers(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Mixed(Resource):
        async def get(self, n: int) -> Any:
            if n == 0:
                abort(404, message="zero")
            return {"n": n, "async": True}

        def put(self, n: int) -> Any:
            return {"n": n, "async": False}, 202

        async def post(self, n: int) -> Any:
            parser = reqparse.RequestParser()
            parser.add_argument("name", required=True)
            return {"name": parser.parse_args().name}, 201

    api.add_resource(Mixed, "/m/<int:n>")
    assert client.get("/m/7").json == {"n": 7, "async": True}
    rv = client.put("/m/7")
    assert (rv.status_code, rv.json) == (202, {"n": 7, "async": False})
    rv = client.get("/m/0")
    assert (rv.status_code, rv.json) == (404, {"message": "zero"})
    rv = client.post("/m/1", data={"name": "Eve"})
    assert (rv.status_code, rv.json) == (201, {"name": "Eve"})
    rv = client.post("/m/1", json={})
    assert rv.status_code == 400
    assert rv.json == {
        "message": {
            "name": "Missing required parameter in the JSON body or the post body"
            " or the query string"
        }
    }


def test_async_with_sync_decorators(app: Erlen, client: ErlenClient) -> None:
    seen: list[str] = []

    def sync_decorator(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen.append(f.__name__)
            return f(*args, **kwargs)

        return wrapper

    async def async_method_decorator_target() -> None:
        return None

    def async_decorator(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            await async_method_decorator_target()
            seen.append("async-" + f.__name__)
            rv = f(*args, **kwargs)
            return rv

        return wrapper

    api = Api(app, decorators=[sync_decorator])

    class Thing(Resource):
        decorators = [sync_decorator]
        method_decorators = [sync_decorator]

        async def get(self) -> Any:
            return {"ok": True}, 200, {"X-A": "1"}

    class SyncWithAsyncDecorator(Resource):
        method_decorators = [async_decorator]

        def get(self) -> Any:
            return {"wrapped": True}

    api.add_resource(Thing, "/thing")
    api.add_resource(SyncWithAsyncDecorator, "/sync")
    rv = client.get("/thing")
    assert (rv.json, rv.headers["X-A"]) == ({"ok": True}, "1")
    assert seen == ["thing", "thing", "get"]
    assert client.get("/sync").json == {"wrapped": True}
    assert seen[-1] == "async-get"


def test_dispatch_request_override_gets_data_from_async_handler(
    app: Erlen, client: ErlenClient
) -> None:
    api = Api(app)

    class Wrapped(Resource):
        async def get(self) -> Any:
            return {"inner": True}

        def dispatch_request(self, *args: Any, **kwargs: Any) -> Any:
            rv = super().dispatch_request(*args, **kwargs)
            return {"outer": rv}

    api.add_resource(Wrapped, "/w")
    assert client.get("/w").json == {"outer": {"inner": True}}


def test_unknown_method_name_is_405(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Odd(Resource):
        methods = ["GET", "PATCH"]

        def get(self) -> Any:
            return {}

    api.add_resource(Odd, "/odd")
    rv = client.patch("/odd")
    assert rv.status_code == 405
    assert rv.json == {"message": "The method is not allowed for the requested URL."}


def test_app_error_handlers_still_serve_other_views(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)

    class Users(Resource):
        def get(self) -> Any:
            raise KeyError("inside the api")

    api.add_resource(Users, "/users")

    @app.errorhandler(ValueError)
    async def value_error(e: ValueError) -> Any:
        return f"handled {e}", 418

    @app.errorhandler(404)
    def not_found(e: Exception) -> Any:
        return "custom 404", 404

    @app.route("/boom")
    async def boom() -> str:
        raise ValueError("boom")

    rv = client.get("/boom")
    assert (rv.status_code, rv.data) == (418, b"handled boom")
    rv = client.get("/missing")
    assert (rv.status_code, rv.data) == (404, b"custom 404")
    # Inside the Api, in testing mode, a plain exception still propagates.
    with pytest.raises(KeyError):
        client.get("/users")
