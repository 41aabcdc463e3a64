"""Blueprints (§2.1.2): prefixes, names, nesting, hooks, handlers, records."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from erlen import Blueprint, Erlen, Response, g, render_template_string, request, url_for
from erlen.blueprints import BlueprintSetupState
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    return app


def test_url_prefix_and_endpoint_names(app: Erlen, make_client: MakeClient) -> None:
    auth_bp = Blueprint("auth", __name__)

    @auth_bp.route("/login")
    def login() -> str:
        return "login " + str(request.endpoint) + " " + str(request.blueprint)

    @auth_bp.route("/logout")
    def logout() -> Response:
        return url_for("auth.login")  # type: ignore[return-value]

    app.register_blueprint(auth_bp, url_prefix="/auth")
    client = make_client(app)
    assert client.get("/auth/login").data == b"login auth.login auth"
    assert client.get("/auth/logout").data == b"/auth/login"
    assert client.get("/login").status_code == 404
    assert "auth.login" in app.view_functions
    assert app.blueprints == {"auth": auth_bp}


def test_blueprint_url_prefix_argument(app: Erlen, make_client: MakeClient) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api/v1/")

    @bp.route("/items")
    def items() -> str:
        return "items"

    @bp.route("")
    def root() -> str:
        return "root"

    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/api/v1/items").data == b"items"
    assert client.get("/api/v1/").data == b"root"


def test_register_options_override_blueprint(app: Erlen, make_client: MakeClient) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/original")

    @bp.route("/")
    def index() -> str:
        return "index"

    app.register_blueprint(bp, url_prefix="/override")
    client = make_client(app)
    assert client.get("/override/").data == b"index"
    assert client.get("/original/").status_code == 404


def test_same_blueprint_twice_needs_a_name(app: Erlen, make_client: MakeClient) -> None:
    bp = Blueprint("shop", __name__)

    @bp.route("/")
    def index() -> str:
        return f"{request.blueprint}: {url_for('.index')}"

    app.register_blueprint(bp, url_prefix="/shop")
    with pytest.raises(ValueError, match="'shop' is already registered for this blueprint"):
        app.register_blueprint(bp, url_prefix="/store")
    app.register_blueprint(bp, url_prefix="/store", name="store")
    client = make_client(app)
    assert client.get("/shop/").data == b"shop: /shop/"
    assert client.get("/store/").data == b"store: /store/"


def test_different_blueprints_same_name(app: Erlen) -> None:
    app.register_blueprint(Blueprint("dup", __name__))
    with pytest.raises(ValueError, match="a different blueprint"):
        app.register_blueprint(Blueprint("dup", __name__))


def test_invalid_names() -> None:
    with pytest.raises(ValueError, match="may not contain a dot"):
        Blueprint("a.b", __name__)
    with pytest.raises(ValueError, match="may not be empty"):
        Blueprint("", __name__)
    bp = Blueprint("ok", __name__)
    with pytest.raises(ValueError, match="'endpoint' may not contain a dot"):
        bp.add_url_rule("/", "a.b", lambda: "x")
    with pytest.raises(ValueError, match="Cannot register a blueprint on itself"):
        bp.register_blueprint(bp)


def test_nested_blueprints(app: Erlen, make_client: MakeClient) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")
    grandchild = Blueprint("grandchild", __name__, url_prefix="/gc")

    @grandchild.route("/")
    def index() -> str:
        return ",".join(request.blueprints) + " " + url_for(".index")

    @child.route("/page")
    def page() -> str:
        return url_for("parent.child.grandchild.index")

    child.register_blueprint(grandchild)
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    client = make_client(app)
    assert client.get("/parent/child/gc/").data == (
        b"parent.child.grandchild,parent.child,parent /parent/child/gc/"
    )
    assert client.get("/parent/child/page").data == b"/parent/child/gc/"
    assert set(app.blueprints) == {"parent", "parent.child", "parent.child.grandchild"}


def test_nested_blueprint_prefix_combinations(app: Erlen, make_client: MakeClient) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__, url_prefix="/child")

    @child.route("/")
    def index() -> str:
        return "child"

    parent.register_blueprint(child, url_prefix="/explicit")
    app.register_blueprint(parent, url_prefix="/p/")
    assert make_client(app).get("/p/explicit/").data == b"child"


def test_blueprint_hooks_only_for_its_requests(app: Erlen, make_client: MakeClient) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__)

    @bp.before_request
    def bp_before() -> None:
        calls.append("bp before")

    @bp.after_request
    def bp_after(response: Response) -> Response:
        calls.append("bp after")
        return response

    @bp.teardown_request
    def bp_teardown(exc: BaseException | None) -> None:
        calls.append("bp teardown")

    @app.before_request
    def app_before() -> None:
        calls.append("app before")

    @app.after_request
    def app_after(response: Response) -> Response:
        calls.append("app after")
        return response

    @app.teardown_request
    def app_teardown(exc: BaseException | None) -> None:
        calls.append("app teardown")

    @bp.route("/in")
    def inside() -> str:
        calls.append("view")
        return "in"

    @app.route("/out")
    def outside() -> str:
        calls.append("view")
        return "out"

    app.register_blueprint(bp, url_prefix="/bp")
    client = make_client(app)
    client.get("/bp/in")
    assert calls == [
        "app before",
        "bp before",
        "view",
        "bp after",
        "app after",
        "bp teardown",
        "app teardown",
    ]
    calls.clear()
    client.get("/out")
    assert calls == ["app before", "view", "app after", "app teardown"]


def test_nested_blueprint_hook_order(app: Erlen, make_client: MakeClient) -> None:
    calls: list[str] = []
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    for name, bp in (("parent", parent), ("child", child)):

        def before(_name: str = name) -> None:
            calls.append(f"{_name} before")

        def after(response: Response, _name: str = name) -> Response:
            calls.append(f"{_name} after")
            return response

        def preprocess(endpoint: str | None, values: Any, _name: str = name) -> None:
            calls.append(f"{_name} url_value")

        bp.before_request(before)
        bp.after_request(after)
        bp.url_value_preprocessor(preprocess)

    @child.route("/")
    def index() -> str:
        calls.append("view")
        return "ok"

    parent.register_blueprint(child, url_prefix="/c")
    app.register_blueprint(parent, url_prefix="/p")
    make_client(app).get("/p/c/")
    assert calls == [
        "parent url_value",
        "child url_value",
        "parent before",
        "child before",
        "view",
        "child after",
        "parent after",
    ]


def test_app_variants_apply_to_every_request(app: Erlen, make_client: MakeClient) -> None:
    calls: list[str] = []
    bp = Blueprint("bp", __name__)

    @bp.before_app_request
    def before() -> None:
        calls.append("before_app_request")

    @bp.after_app_request
    def after(response: Response) -> Response:
        calls.append("after_app_request")
        return response

    @bp.teardown_app_request
    def teardown(exc: BaseException | None) -> None:
        calls.append("teardown_app_request")

    @bp.app_errorhandler(404)
    def not_found(e: Exception) -> Any:
        return "bp-provided 404", 404

    @bp.app_context_processor
    def inject() -> dict[str, str]:
        return {"site": "erlen"}

    @bp.app_template_filter()
    def reverse(s: str) -> str:
        return s[::-1]

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ site }} {{ 'abc'|reverse }}")

    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/").data == b"erlen cba"
    assert calls == ["before_app_request", "after_app_request", "teardown_app_request"]
    assert client.get("/missing").data == b"bp-provided 404"


def test_blueprint_context_processor_only_for_its_views(
    app: Erlen, make_client: MakeClient
) -> None:
    bp = Blueprint("bp", __name__)

    @bp.context_processor
    def bp_values() -> dict[str, str]:
        return {"who": "blueprint"}

    @app.context_processor
    def app_values() -> dict[str, str]:
        return {"who": "app", "only_app": "yes"}

    template = "{{ who }} {{ only_app }}"

    @bp.route("/in")
    def inside() -> str:
        return render_template_string(template)

    @app.route("/out")
    def outside() -> str:
        return render_template_string(template)

    app.register_blueprint(bp, url_prefix="/bp")
    client = make_client(app)
    assert client.get("/bp/in").data == b"blueprint yes"
    assert client.get("/out").data == b"app yes"


def test_blueprint_url_defaults_and_preprocessors(app: Erlen, make_client: MakeClient) -> None:
    bp = Blueprint("lang", __name__, url_prefix="/<lang_code>")

    @bp.url_defaults
    def add_language_code(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("lang_code", g.lang_code)

    @bp.url_value_preprocessor
    def pull_lang_code(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        g.lang_code = values.pop("lang_code")

    @bp.route("/")
    def index() -> str:
        return url_for(".about")

    @bp.route("/about")
    def about() -> str:
        return g.lang_code  # type: ignore[no-any-return]

    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/de/").data == b"/de/about"
    assert client.get("/fr/about").data == b"fr"


def test_register_url_defaults(app: Erlen, make_client: MakeClient) -> None:
    bp = Blueprint("pages", __name__, url_defaults={"page": "home"})

    @bp.route("/")
    def show(page: str) -> str:
        return page

    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="other", url_defaults={"page": "b-home"})
    client = make_client(app)
    assert client.get("/a/").data == b"home"
    assert client.get("/b/").data == b"b-home"


def test_subdomain_blueprint(app: Erlen, make_client: MakeClient) -> None:
    app.config["SERVER_NAME"] = "example.com"
    app.subdomain_matching = True
    bp = Blueprint("api", __name__, subdomain="api")

    @bp.route("/")
    def index() -> str:
        return "api index"

    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/", base_url="http://api.example.com").data == b"api index"
    assert client.get("/", base_url="http://example.com").status_code == 404


def test_record_and_record_once(app: Erlen) -> None:
    bp = Blueprint("rec", __name__, url_prefix="/rec")
    states: list[BlueprintSetupState] = []
    once: list[str] = []
    bp.record(states.append)
    bp.record_once(lambda s: once.append(s.name))
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="rec2", url_prefix="/rec2")
    assert [s.name for s in states] == ["rec", "rec2"]
    assert [s.url_prefix for s in states] == ["/rec", "/rec2"]
    assert [s.first_registration for s in states] == [True, False]
    assert all(s.app is app and s.blueprint is bp for s in states)
    assert once == ["rec"]


def test_blueprint_setup_after_registration_is_refused(app: Erlen) -> None:
    bp = Blueprint("late", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError, match="can no longer be called on the blueprint 'late'"):
        bp.route("/x")


def test_blueprint_errorhandler_from_notes(app: Erlen, make_client: MakeClient) -> None:
    auth_bp = Blueprint("auth", __name__)

    @auth_bp.errorhandler(404)
    def auth_not_found(e: Exception) -> Any:
        return "auth/404.html", 404

    @auth_bp.route("/user/<int:uid>")
    def user(uid: int) -> str:
        from erlen import abort

        abort(404)

    app.register_blueprint(auth_bp, url_prefix="/auth")
    rv = make_client(app).get("/auth/user/1")
    assert rv.status_code == 404
    assert rv.data == b"auth/404.html"


def test_blueprint_static_folder(app: Erlen, tmp_path: Any, make_client: MakeClient) -> None:
    static = tmp_path / "bp_static"
    static.mkdir()
    (static / "style.css").write_text("body {}")
    bp = Blueprint(
        "themed",
        __name__,
        static_folder=str(static),
        static_url_path="/assets",
        url_prefix="/themed",
    )
    app.register_blueprint(bp)
    client = make_client(app)
    rv = client.get("/themed/assets/style.css")
    assert rv.status_code == 200
    assert rv.data == b"body {}"
    rv.close()
    with app.test_request_context():
        assert url_for("themed.static", filename="style.css") == "/themed/assets/style.css"
    assert client.get("/themed/assets/../secret").status_code == 404


def test_blueprint_template_folder(app: Erlen, tmp_path: Any, make_client: MakeClient) -> None:
    folder = tmp_path / "bp_templates"
    folder.mkdir()
    (folder / "bp_page.html").write_text("from blueprint {{ 1 + 1 }}")
    bp = Blueprint("tpl", __name__, template_folder=str(folder))
    assert bp.jinja_loader is not None
    assert os.path.isabs(bp.root_path)

    @bp.route("/")
    def index() -> str:
        from erlen import render_template

        return render_template("bp_page.html")

    app.register_blueprint(bp)
    assert make_client(app).get("/").data == b"from blueprint 2"


def test_blueprint_endpoint_decorator(app: Erlen, make_client: MakeClient) -> None:
    bp = Blueprint("ep", __name__)
    bp.add_url_rule("/thing", "thing")
    app.register_blueprint(bp)

    @app.endpoint("ep.thing")
    def thing() -> str:
        return "thing"

    assert make_client(app).get("/thing").data == b"thing"


def test_blueprint_method_shortcuts(app: Erlen, make_client: MakeClient) -> None:
    bp = Blueprint("m", __name__)

    @bp.get("/r")
    def read() -> str:
        return "get"

    @bp.post("/r")
    def write() -> str:
        return "post"

    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/r").data == b"get"
    assert client.post("/r").data == b"post"
    assert client.put("/r").status_code == 405
