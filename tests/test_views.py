"""erlen.views: View and MethodView, sync and async, through a real app."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import pytest

from erlen import Erlen
from erlen.globals import request
from erlen.http.exceptions import MethodNotAllowed
from erlen.testing import ErlenClient
from erlen.views import MethodView, View, http_method_funcs

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    return app


# --- View -----------------------------------------------------------------------------------


class Greeting(View):
    """Says hello."""

    methods = ["GET", "POST"]

    def __init__(self, greeting: str = "hello", *, punct: str = "") -> None:
        self.greeting = greeting
        self.punct = punct

    def dispatch_request(self, **kwargs: Any) -> str:
        name = kwargs.get("name", "world")
        return f"{self.greeting} {name}{self.punct} ({request.method})"


def test_view_as_view_attributes() -> None:
    view: Any = Greeting.as_view("greet")
    assert view.__name__ == "greet"
    assert view.__doc__ == "Says hello."
    assert view.__module__ == __name__
    assert view.view_class is Greeting
    assert view.methods == ["GET", "POST"]
    assert view.provide_automatic_options is None
    assert not inspect.iscoroutinefunction(view)


def test_view_dispatch_through_the_app(app: Erlen, make_client: MakeClient) -> None:
    app.add_url_rule("/hi/<name>", view_func=Greeting.as_view("greet", "hi", punct="!"))
    client = make_client(app)
    assert client.get("/hi/ann").data == b"hi ann! (GET)"
    assert client.post("/hi/bob").data == b"hi bob! (POST)"
    assert client.put("/hi/bob").status_code == 405
    with app.test_request_context():
        from erlen.helpers import url_for

        assert url_for("greet", name="x") == "/hi/x"


def test_view_without_dispatch_request() -> None:
    class Empty(View):
        pass

    with pytest.raises(NotImplementedError, match="Empty must implement dispatch_request"):
        Empty.as_view("empty")()


def test_view_methods_default_to_none() -> None:
    class Plain(View):
        def dispatch_request(self) -> str:
            return "x"

    view: Any = Plain.as_view("plain")
    assert view.methods is None


def test_init_every_request_true_builds_an_instance_per_request(
    app: Erlen, make_client: MakeClient
) -> None:
    created: list[object] = []

    class Counting(View):
        def __init__(self) -> None:
            created.append(self)

        def dispatch_request(self) -> str:
            return str(id(self))

    app.add_url_rule("/", view_func=Counting.as_view("counting"))
    assert created == []
    client = make_client(app)
    first = client.get("/").data
    second = client.get("/").data
    assert len(created) == 2
    assert first != second


def test_init_every_request_false_builds_one_instance_up_front(
    app: Erlen, make_client: MakeClient
) -> None:
    created: list[object] = []

    class Shared(View):
        init_every_request = False

        def __init__(self, label: str) -> None:
            self.label = label
            created.append(self)

        def dispatch_request(self) -> str:
            return f"{self.label}:{id(self)}"

    view = Shared.as_view("shared", "L")
    assert len(created) == 1
    app.add_url_rule("/", view_func=view)
    client = make_client(app)
    assert client.get("/").data == client.get("/").data == f"L:{id(created[0])}".encode()
    assert len(created) == 1


def test_decorators_apply_in_order_and_see_the_final_name(
    app: Erlen, make_client: MakeClient
) -> None:
    calls: list[str] = []
    seen_names: list[str] = []

    def tag(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            seen_names.append(func.__name__)

            @functools.wraps(func)
            def wrapper(**kwargs: Any) -> Any:
                calls.append(label)
                return func(**kwargs)

            return wrapper

        return decorator

    class Decorated(View):
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self) -> str:
            calls.append("view")
            return "ok"

    view: Any = Decorated.as_view("decorated")
    assert seen_names == ["decorated", "decorated"]
    assert view.view_class is Decorated
    assert view.__name__ == "decorated"
    app.add_url_rule("/", view_func=view)
    assert make_client(app).get("/").data == b"ok"
    assert calls == ["outer", "inner", "view"]


def test_decorator_can_short_circuit(app: Erlen, make_client: MakeClient) -> None:
    def deny(func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(**kwargs: Any) -> Any:
            return "denied", 403

        return wrapper

    class Secret(View):
        decorators = [deny]

        def dispatch_request(self) -> str:
            raise AssertionError("not reached")

    app.add_url_rule("/", view_func=Secret.as_view("secret"))
    rv = make_client(app).get("/")
    assert rv.status_code == 403
    assert rv.data == b"denied"


def test_async_dispatch_request_gives_a_coroutine_view(app: Erlen, make_client: MakeClient) -> None:
    class AsyncView(View):
        async def dispatch_request(self, n: int) -> str:
            return f"async {n * 2}"

    view = AsyncView.as_view("async_view")
    assert inspect.iscoroutinefunction(view)
    app.add_url_rule("/<int:n>", view_func=view)
    assert make_client(app).get("/21").data == b"async 42"


def test_async_dispatch_request_with_shared_instance(app: Erlen, make_client: MakeClient) -> None:
    class AsyncShared(View):
        init_every_request = False

        async def dispatch_request(self) -> str:
            return "shared async"

    view = AsyncShared.as_view("async_shared")
    assert inspect.iscoroutinefunction(view)
    app.add_url_rule("/", view_func=view)
    assert make_client(app).get("/").data == b"shared async"


def test_provide_automatic_options_false(app: Erlen, make_client: MakeClient) -> None:
    class NoOptions(View):
        methods = ["GET"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return "x"

    view: Any = NoOptions.as_view("no_options")
    assert view.provide_automatic_options is False
    app.add_url_rule("/", view_func=view)
    client = make_client(app)
    assert client.get("/").data == b"x"
    assert client.options("/").status_code == 405


# --- MethodView: methods --------------------------------------------------------------------


def test_methods_from_handlers() -> None:
    class Api(MethodView):
        def get(self) -> str:
            return ""

        def post(self) -> str:
            return ""

    assert Api.methods == {"GET", "POST"}


def test_methods_include_inherited_handlers_and_base_methods() -> None:
    class GetMixin:
        def get(self) -> str:
            return "get"

    class Base(MethodView):
        def delete(self) -> str:
            return ""

    class Child(GetMixin, Base):
        def patch(self) -> str:
            return ""

    assert Base.methods == {"DELETE"}
    assert Child.methods == {"GET", "DELETE", "PATCH"}


def test_methods_union_of_bases_with_explicit_methods() -> None:
    class Custom(MethodView):
        methods = ["PROPFIND"]

        def propfind(self) -> str:
            return "props"

    class More(Custom):
        def get(self) -> str:
            return ""

    assert Custom.methods == ["PROPFIND"]
    assert More.methods == {"PROPFIND", "GET"}


def test_explicit_methods_are_kept() -> None:
    class Explicit(MethodView):
        methods = ["GET"]

        def get(self) -> str:
            return ""

        def post(self) -> str:
            return ""

    assert Explicit.methods == ["GET"]


def test_methods_every_http_handler() -> None:
    namespace = {name: (lambda self: "") for name in http_method_funcs}
    Every = type("Every", (MethodView,), namespace)
    assert Every.methods == {name.upper() for name in http_method_funcs}
    assert http_method_funcs == {
        "get",
        "post",
        "head",
        "options",
        "delete",
        "put",
        "trace",
        "patch",
    }


def test_non_callable_attribute_is_not_a_handler() -> None:
    class Weird(MethodView):
        get = "not a function"

        def post(self) -> str:
            return ""

    assert Weird.methods == {"POST"}


def test_methodview_without_handlers_has_no_methods() -> None:
    class Nothing(MethodView):
        pass

    assert Nothing.methods is None


def test_methods_match_flask() -> None:
    flask_views = pytest.importorskip("flask.views")

    def build(base: type) -> list[type]:
        class A(base):  # type: ignore[valid-type, misc]
            def get(self) -> str:
                return ""

        class B(A):
            def post(self) -> str:
                return ""

        class C(base):  # type: ignore[valid-type, misc]
            methods = ["GET", "PROPFIND"]

            def put(self) -> str:
                return ""

        class D(C):
            def delete(self) -> str:
                return ""

        return [A, B, C, D]

    ours = [set(cls.methods) for cls in build(MethodView)]
    theirs = [set(cls.methods) for cls in build(flask_views.MethodView)]
    assert ours == theirs


# --- MethodView: dispatch -------------------------------------------------------------------


class Users(MethodView):
    def get(self, id: int | None = None) -> Any:
        if id is None:
            return {"users": [1, 2]}
        return {"id": id, "method": request.method}

    def post(self) -> Any:
        return {"created": request.get_json()}, 201

    def delete(self, id: int) -> Any:
        return "", 204


@pytest.fixture
def users_app(app: Erlen) -> Erlen:
    view = Users.as_view("users")
    app.add_url_rule("/users/", view_func=view, methods=["GET", "POST"])
    app.add_url_rule("/users/<int:id>", view_func=view, methods=["GET", "DELETE"])
    return app


def test_methodview_dispatches_by_method(users_app: Erlen, make_client: MakeClient) -> None:
    client = make_client(users_app)
    assert client.get("/users/").json == {"users": [1, 2]}
    rv = client.post("/users/", json={"name": "ann"})
    assert rv.status_code == 201
    assert rv.json == {"created": {"name": "ann"}}
    assert client.get("/users/7").json == {"id": 7, "method": "GET"}
    assert client.delete("/users/7").status_code == 204
    assert client.delete("/users/").status_code == 405


def test_head_falls_back_to_get(users_app: Erlen, make_client: MakeClient) -> None:
    rv = make_client(users_app).head("/users/7")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Type"] == "application/json"
    assert int(rv.headers["Content-Length"]) == len(b'{"id":7,"method":"HEAD"}\n')


def test_explicit_head_handler_wins(app: Erlen, make_client: MakeClient) -> None:
    class WithHead(MethodView):
        def get(self) -> Any:
            return "body"

        def head(self) -> Any:
            return "", 200, {"X-Head": "yes"}

    app.add_url_rule("/", view_func=WithHead.as_view("with_head"))
    rv = make_client(app).head("/")
    assert rv.headers["X-Head"] == "yes"


def test_sync_methodview_is_a_plain_function() -> None:
    assert not inspect.iscoroutinefunction(Users.as_view("users"))


def test_unimplemented_method_is_a_405(app: Erlen, make_client: MakeClient) -> None:
    class OnlyGet(MethodView):
        def get(self) -> str:
            return "get"

    # The rule allows POST although the class cannot handle it.
    app.add_url_rule("/", view_func=OnlyGet.as_view("only_get"), methods=["GET", "POST"])
    rv = make_client(app).post("/")
    assert rv.status_code == 405
    assert rv.headers["Allow"] == "GET"


def test_method_names_cannot_reach_other_attributes(app: Erlen) -> None:
    class Guarded(MethodView):
        def get(self) -> str:
            return "get"

        def secret(self) -> str:
            raise AssertionError("must not be reachable")

    view = Guarded.as_view("guarded")
    for method in ("SECRET", "__INIT__", "DISPATCH_REQUEST", "AS_VIEW"):
        with app.test_request_context("/", method=method), pytest.raises(MethodNotAllowed):
            view()


def test_custom_method_listed_in_methods(app: Erlen) -> None:
    class Dav(MethodView):
        methods = ["PROPFIND"]

        def propfind(self) -> str:
            return "props"

    view = Dav.as_view("dav")
    with app.test_request_context("/", method="PROPFIND"):
        assert view() == "props"


def test_methodview_class_args(app: Erlen, make_client: MakeClient) -> None:
    class Prefixed(MethodView):
        def __init__(self, prefix: str) -> None:
            self.prefix = prefix

        def get(self) -> str:
            return f"{self.prefix}-get"

    app.add_url_rule("/", view_func=Prefixed.as_view("prefixed", "p"))
    assert make_client(app).get("/").data == b"p-get"


# --- MethodView: async ----------------------------------------------------------------------


class Mixed(MethodView):
    def get(self) -> str:
        return "sync get"

    async def post(self) -> str:
        return f"async post {request.method}"

    async def put(self) -> Any:
        return {"put": request.get_json()}, 202


def test_any_async_handler_makes_an_async_view() -> None:
    assert Mixed._async_handlers == {"post", "put"}
    assert inspect.iscoroutinefunction(Mixed.as_view("mixed"))


def test_async_handlers_inherited_count() -> None:
    class Child(Mixed):
        def patch(self) -> str:
            return ""

    assert Child._async_handlers == {"post", "put"}
    assert inspect.iscoroutinefunction(Child.as_view("child"))


def test_mixed_view_runs_both_kinds(app: Erlen, make_client: MakeClient) -> None:
    app.add_url_rule("/", view_func=Mixed.as_view("mixed"))
    client = make_client(app)
    assert client.get("/").data == b"sync get"
    assert client.post("/").data == b"async post POST"
    rv = client.put("/", json=[1])
    assert rv.status_code == 202
    assert rv.json == {"put": [1]}
    assert client.head("/").status_code == 200


def test_async_methodview_with_shared_instance(app: Erlen, make_client: MakeClient) -> None:
    class SharedAsync(MethodView):
        init_every_request = False

        async def get(self) -> str:
            return f"shared {id(self)}"

    view = SharedAsync.as_view("shared_async")
    assert inspect.iscoroutinefunction(view)
    app.add_url_rule("/", view_func=view)
    client = make_client(app)
    assert client.get("/").data == client.get("/").data


def test_overridden_dispatch_request_gets_results_of_async_handlers(
    app: Erlen, make_client: MakeClient
) -> None:
    class Wrapping(MethodView):
        def dispatch_request(self, **kwargs: Any) -> Any:
            rv = super().dispatch_request(**kwargs)
            return f"[{rv}]"

        async def get(self) -> str:
            return "async inside"

    view = Wrapping.as_view("wrapping")
    assert not inspect.iscoroutinefunction(view)
    app.add_url_rule("/", view_func=view)
    assert make_client(app).get("/").data == b"[async inside]"


def test_async_overridden_dispatch_request(app: Erlen, make_client: MakeClient) -> None:
    class AsyncWrapping(MethodView):
        async def dispatch_request(self, **kwargs: Any) -> Any:
            return "custom async dispatch"

        def get(self) -> str:
            raise AssertionError("dispatch_request is overridden")

    view = AsyncWrapping.as_view("async_wrapping")
    assert inspect.iscoroutinefunction(view)
    app.add_url_rule("/", view_func=view)
    assert make_client(app).get("/").data == b"custom async dispatch"


def test_flask_docs_style_user_api(app: Erlen, make_client: MakeClient) -> None:
    # Flask's documented MethodView pattern: one view, several rules, defaults.
    class UserAPI(MethodView):
        def get(self, user_id: int | None) -> Any:
            if user_id is None:
                return "list of users"
            return f"user {user_id}"

        def post(self) -> Any:
            return "created", 201

    user_view = UserAPI.as_view("user_api")
    app.add_url_rule("/users/", defaults={"user_id": None}, view_func=user_view, methods=["GET"])
    app.add_url_rule("/users/", view_func=user_view, methods=["POST"])
    app.add_url_rule("/users/<int:user_id>", view_func=user_view, methods=["GET"])
    client = make_client(app)
    assert client.get("/users/").data == b"list of users"
    assert client.get("/users/5").data == b"user 5"
    rv = client.post("/users/")
    assert (rv.status_code, rv.data) == (201, b"created")
