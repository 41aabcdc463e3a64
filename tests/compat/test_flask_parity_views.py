"""Parity: class-based views (View, MethodView)."""

from __future__ import annotations

import functools

from parity_harness import compare, get, make_app, post, request


def build_views(fw):
    app = make_app(fw)
    instances = []

    def tag(name):
        def decorator(view):
            @functools.wraps(view)
            def wrapper(*args, **kwargs):
                resp = fw.make_response(view(*args, **kwargs))
                resp.headers.add("X-Decorated", name)
                return resp

            return wrapper

        return decorator

    class Hello(fw.views.View):
        methods = ["GET", "POST"]
        decorators = [tag("inner"), tag("outer")]

        def __init__(self, greeting):
            self.greeting = greeting
            instances.append(self)

        def dispatch_request(self, name="world"):
            return f"{self.greeting} {name} via {fw.request.method}"

    hello = Hello.as_view("hello", "Hi")
    app.add_url_rule("/hello/", view_func=hello, defaults={"name": "default"})
    app.add_url_rule("/hello/<name>", view_func=hello)

    class Shared(fw.views.View):
        init_every_request = False

        def __init__(self):
            instances.append(self)

        def dispatch_request(self):
            return "shared"

    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))

    class Items(fw.views.MethodView):
        def get(self, item_id=None):
            if item_id is None:
                return {"items": [1, 2]}
            return {"item": item_id}

        def post(self):
            return {"created": fw.request.get_json()}, 201

        def put(self, item_id):
            return {"replaced": item_id}

        def delete(self, item_id):
            return "", 204

    items = Items.as_view("items")
    app.add_url_rule("/items/", view_func=items, methods=["GET", "POST"])
    app.add_url_rule("/items/<int:item_id>", view_func=items, methods=["GET", "PUT", "DELETE"])

    class Base(fw.views.MethodView):
        def get(self):
            return f"base get {type(self).__name__}"

    class Child(Base):
        def patch(self):
            return "child patch"

    app.add_url_rule("/child", view_func=Child.as_view("child"))

    class OnlyGet(fw.views.MethodView):
        def get(self):
            return "only get"

    app.add_url_rule("/only-get", view_func=OnlyGet.as_view("only_get"))
    app.add_url_rule(
        "/only-get-forced", view_func=OnlyGet.as_view("only_get_forced"), methods=["GET", "POST"]
    )

    class WithHead(fw.views.MethodView):
        def get(self):
            resp = fw.make_response("get body")
            resp.headers["X-Handler"] = fw.request.method
            return resp

    app.add_url_rule("/with-head", view_func=WithHead.as_view("with_head"))

    @app.route("/meta")
    def meta():
        view = app.view_functions["items"]
        return {
            "methods": sorted(Items.methods),
            "child_methods": sorted(Child.methods),
            "view_class": view.view_class.__name__,
            "name": view.__name__,
            "instances": len(instances),
            "hello_methods": sorted(app.view_functions["hello"].methods),
        }

    return app


def test_view_and_method_view(protocol):
    compare(
        build_views,
        [
            get("/hello/"),
            get("/hello/ada"),
            post("/hello/bo"),
            request("PUT", "/hello/x", status=405),
            get("/shared"),
            get("/shared"),
            get("/items/"),
            get("/items/7"),
            post("/items/", json={"n": 1}),
            request("PUT", "/items/3"),
            request("DELETE", "/items/3", known="no_content_type_on_204"),
            request("PATCH", "/items/3", status=405),
            request("DELETE", "/items/", status=405),
            get("/child"),
            request("PATCH", "/child"),
            post("/child", status=405),
            request("HEAD", "/with-head"),
            request("OPTIONS", "/items/3", body=False),
            get("/meta"),
        ],
        protocol,
    )


def test_method_view_without_handler(protocol):
    compare(
        build_views,
        [post("/only-get-forced", known="methodview_unimplemented"), get("/only-get-forced")],
        protocol,
    )


def test_view_options(protocol):
    def build(fw):
        app = make_app(fw)

        class NoOptions(fw.views.MethodView):
            provide_automatic_options = False

            def get(self):
                return "no options"

        class OwnOptions(fw.views.MethodView):
            def get(self):
                return "get"

            def options(self):
                return "own options", 200, {"X-Own": "1"}

        class ExplicitMethods(fw.views.View):
            methods = ["PUT"]

            def dispatch_request(self):
                return f"explicit {fw.request.method}"

        app.add_url_rule("/no-options", view_func=NoOptions.as_view("no_options"))
        app.add_url_rule("/own-options", view_func=OwnOptions.as_view("own_options"))
        app.add_url_rule("/explicit", view_func=ExplicitMethods.as_view("explicit"))
        return app

    compare(
        build,
        [
            request("OPTIONS", "/no-options", status=405),
            request("OPTIONS", "/own-options"),
            request("PUT", "/explicit"),
            get("/explicit", status=405),
            request("OPTIONS", "/explicit", body=False),
        ],
        protocol,
    )
