"""Parity: routing, converters, redirects, 405/Allow, HEAD/OPTIONS, url_for, blueprints."""

from __future__ import annotations

import pytest
from parity_harness import call, compare, get, make_app, post, request, run


def build_converters(fw):
    app = make_app(fw)

    @app.route("/int/<int:n>")
    def int_view(n):
        return f"int {n!r}"

    @app.route("/float/<float:x>")
    def float_view(x):
        return f"float {x!r}"

    @app.route("/path/<path:p>")
    def path_view(p):
        return f"path {p}"

    @app.route("/uuid/<uuid:u>")
    def uuid_view(u):
        return f"uuid {type(u).__name__} {u}"

    @app.route("/any/<any(red, green):colour>")
    def any_view(colour):
        return f"any {colour}"

    @app.route("/str/<name>")
    def str_view(name):
        return f"str {name}"

    @app.route("/len/<string(length=3):code>")
    def len_view(code):
        return f"len {code}"

    @app.route("/signed/<int(signed=True):n>")
    def signed_view(n):
        return f"signed {n}"

    @app.route("/min/<int(min=5, max=10):n>")
    def min_view(n):
        return f"min {n}"

    @app.route("/two/<a>/<int:b>")
    def two(a, b):
        return f"two {a} {b}"

    @app.route("/static-wins/literal")
    def literal():
        return "literal"

    @app.route("/static-wins/<name>")
    def variable(name):
        return f"variable {name}"

    return app


def test_converters(protocol):
    compare(
        build_converters,
        [
            get("/int/42"),
            get("/int/-1", status=404),
            get("/int/4x", status=404),
            get("/int/007"),
            get("/float/1.5"),
            get("/float/2", status=404),
            get("/path/a/b/c.txt"),
            get("/path/"),
            get("/uuid/2f1a3b4c-0000-4000-8000-000000000001"),
            get("/uuid/not-a-uuid", status=404),
            get("/any/red"),
            get("/any/blue", status=404),
            get("/str/h%C3%A9llo"),
            get("/str/a%2Fb"),
            get("/str/a b"),
            get("/len/abc"),
            get("/len/abcd", status=404),
            get("/signed/-7"),
            get("/min/7"),
            get("/min/3", status=404),
            get("/min/11", status=404),
            get("/two/x/9"),
            get("/static-wins/literal"),
            get("/static-wins/other"),
        ],
        protocol,
    )


def build_methods(fw):
    app = make_app(fw)

    @app.route("/slash/")
    def slash():
        return "slash"

    @app.route("/noslash")
    def noslash():
        return "noslash"

    @app.route("/items/<int:n>/")
    def item(n):
        return f"item {n}"

    @app.route("/only-post", methods=["POST"])
    def only_post():
        return "posted"

    @app.route("/multi", methods=["GET", "PUT", "DELETE"])
    def multi():
        return fw.request.method

    @app.get("/split")
    def split_get():
        return "get"

    @app.post("/split")
    def split_post():
        return "post"

    @app.route("/head")
    def head():
        resp = fw.make_response("head body")
        resp.headers["X-Method"] = fw.request.method
        return resp

    @app.route("/options", methods=["GET", "OPTIONS"])
    def own_options():
        return f"own {fw.request.method}"

    @app.route("/no-auto-options", provide_automatic_options=False)
    def no_auto_options():
        return "x"

    return app


def test_methods_and_slashes(protocol):
    compare(
        build_methods,
        [
            get("/slash/"),
            get("/slash", status=308, body=False),
            get("/slash?a=1&b=2", status=308, body=False),
            request("POST", "/slash", body=False),
            get("/noslash"),
            get("/noslash/", status=404),
            get("/items/3", status=308, body=False),
            get("/items/3/"),
            get("/only-post", status=405),
            post("/only-post"),
            request("PUT", "/only-post", status=405),
            request("DELETE", "/multi"),
            request("PATCH", "/multi", status=405),
            get("/split"),
            post("/split"),
            request("PUT", "/split", status=405),
            request("HEAD", "/head"),
            request("HEAD", "/split"),
            # body=False: Content-Length of the empty body is test_bug_options_content_length.
            request("OPTIONS", "/multi", body=False),
            request("OPTIONS", "/only-post", body=False),
            request("OPTIONS", "/options"),
            request("OPTIONS", "/no-auto-options", status=405),
            get("/slash/", follow_redirects=True),
            get("/slash", follow_redirects=True),
        ],
        protocol,
    )


def build_url_for(fw):
    app = make_app(fw)

    @app.route("/")
    def index():
        return "index"

    @app.route("/user/<name>")
    def user(name):
        return name

    @app.route("/post/<int:year>/<slug>")
    def post(year, slug):
        return slug

    @app.route("/files/<path:p>")
    def files(p):
        return p

    @app.route("/urls")
    def urls():
        u = fw.url_for
        return "\n".join(
            [
                u("index"),
                u("user", name="ada"),
                u("user", name="a b?c&d"),
                u("user", name="ünï"),
                u("post", year=2024, slug="hi"),
                u("post", year=2024, slug="hi", page=2, q="x y"),
                u("index", tags=["a", "b"]),
                u("index", _anchor="top"),
                u("index", _anchor="a b"),
                u("user", name="x", _external=True),
                u("user", name="x", _external=True, _scheme="https"),
                u("files", p="a/b c/d.txt"),
                u("static", filename="style.css"),
                u("index", _method="GET"),
                u(".index"),
                u("index", empty=None),
            ]
        )

    @app.route("/missing")
    def missing():
        try:
            fw.url_for("nope")
        except Exception as e:
            return type(e).__name__
        return "no error"

    @app.route("/missing-arg")
    def missing_arg():
        try:
            fw.url_for("user")
        except Exception as e:
            return type(e).__name__
        return "no error"

    return app


def test_url_for(protocol):
    compare(
        build_url_for,
        [
            get("/urls"),
            get("/urls", base_url="https://example.org/mount/"),
            get("/missing"),
            get("/missing-arg"),
            call(_url_for_in_app_context, "url_for in an app context"),
        ],
        protocol,
    )


def _url_for_in_app_context(client, app):
    app.config["SERVER_NAME"] = "example.com"
    with app.app_context():
        from parity_harness import ERLEN, FLASK

        fw = ERLEN if type(app).__module__.startswith("erlen") else FLASK
        return [fw.url_for("user", name="z"), fw.url_for("index", _external=False)]


def build_blueprints(fw):
    app = make_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")

    @bp.route("/")
    def bp_index():
        return f"bp index {fw.request.endpoint} {fw.request.blueprint}"

    @bp.route("/page/<int:n>")
    def page(n):
        return fw.url_for(".page", n=n + 1) + " " + fw.url_for("bp.bp_index")

    parent = fw.Blueprint("parent", __name__, url_prefix="/parent")
    child = fw.Blueprint("child", __name__, url_prefix="/child")

    @child.route("/leaf")
    def leaf():
        return " ".join(
            [
                fw.request.endpoint,
                str(fw.request.blueprint),
                repr(fw.request.blueprints),
                fw.url_for(".leaf"),
                fw.url_for("parent.root"),
            ]
        )

    @parent.route("/")
    def root():
        return "parent root"

    parent.register_blueprint(child)
    app.register_blueprint(bp)
    app.register_blueprint(parent)
    app.register_blueprint(bp, name="bp2", url_prefix="/second")

    lang = fw.Blueprint("lang", __name__, url_prefix="/<lang>")

    @lang.url_defaults
    def add_lang(endpoint, values):
        if "lang" in values or not fw.g.get("lang"):
            return
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values["lang"] = fw.g.lang

    @lang.url_value_preprocessor
    def pull_lang(endpoint, values):
        fw.g.lang = values.pop("lang")

    @lang.route("/about")
    def about():
        return f"{fw.g.lang} {fw.url_for('.about')} {fw.url_for('.about', lang='de')}"

    @lang.route("/x/<int:n>")
    def lang_n(n):
        return f"{fw.g.lang} {n}"

    app.register_blueprint(lang)

    @app.url_value_preprocessor
    def app_pre(endpoint, values):
        app.log.append(("pre", endpoint, dict(values or {})))

    @app.route("/log")
    def show_log():
        return repr(app.log)

    return app


def test_blueprints(protocol):
    compare(
        build_blueprints,
        [
            get("/bp/"),
            get("/bp", status=308, body=False),
            get("/bp/page/1"),
            get("/second/page/5"),
            get("/second/"),
            get("/parent/"),
            get("/parent/child/leaf"),
            get("/fr/about"),
            get("/en/x/3"),
            get("/en/x/y", status=404),
            get("/log"),
        ],
        protocol,
    )


def build_subclass_converter(fw):
    app = make_app(fw)
    base = fw.exceptions  # noqa: F841 - keep the namespace shape in view

    if fw.is_erlen:
        from erlen.routing import BaseConverter, ValidationError
    else:
        from werkzeug.routing import BaseConverter, ValidationError

    class ListConverter(BaseConverter):
        def to_python(self, value):
            if value == "bad":
                raise ValidationError()
            return value.split("+")

        def to_url(self, value):
            return "+".join(value)

    app.url_map.converters["list"] = ListConverter

    @app.route("/l/<list:items>")
    def items(items):
        return f"{items!r} {fw.url_for('items', items=['x', 'y'])}"

    app.url_map.strict_slashes = True
    return app


def test_custom_converter(protocol):
    compare(
        build_subclass_converter,
        [get("/l/a+b+c"), get("/l/one"), get("/l/bad", status=404)],
        protocol,
    )


@pytest.mark.parametrize("path", ["/%ff", "/user/%C3%28"])
def test_undecodable_paths_are_400(protocol, path):
    # Deliberate difference (DESIGN.md, "Safe by default": non-UTF-8 in URLs gets a
    # clear 4xx): Werkzeug decodes the path with replacement characters and routes it.
    def build(fw):
        app = make_app(fw)

        @app.route("/<p>")
        def one(p):
            return p

        @app.route("/user/<name>")
        def user(name):
            return name

        return app

    outcome = run(build, [get(path)], protocol)
    assert outcome.flask[0]["status"] == 200
    assert outcome.erlen[0]["status"] == 400
    assert outcome.erlen[0]["Content-Type"] == "text/html; charset=utf-8"
    assert b"<title>400 Bad Request</title>" in outcome.erlen[0]["body"]


def build_redirect_rules(fw):
    app = make_app(fw)

    @app.route("/a//b")
    def double():
        return "double"

    @app.route("/plain")
    def plain():
        return "plain"

    app.add_url_rule("/old", endpoint="old", redirect_to="/plain")

    @app.route("/page/", defaults={"n": 1})
    @app.route("/page/<int:n>")
    def page(n):
        return f"page {n}"

    return app


def test_redirect_rules(protocol):
    compare(
        build_redirect_rules,
        [
            get("/plain"),
            get("//plain", body=False),
            get("/old", status=308, body=False),
            get("/page/"),
            get("/page/4"),
            get("/page/1", status=308, body=False),
            get("/old", follow_redirects=True),
        ],
        protocol,
    )


# The 308 body is Werkzeug's redirect() page, byte for byte.
def test_slash_redirect_body(protocol):
    compare(build_methods, [get("/slash", status=308)], protocol)


# An empty Response() (the OPTIONS reply) goes out with Content-Length: 0.
def test_options_content_length(protocol):
    compare(build_methods, [request("OPTIONS", "/multi")], protocol)


def test_url_for_slash_in_default_converter(protocol):
    # Deliberate difference: Werkzeug's string converter leaves "/" unquoted, so
    # url_for("user", name="../admin") builds "/user/../admin", a URL the client
    # resolves to "/admin". erlen quotes it as %2F.
    def build(fw):
        app = make_app(fw)

        @app.route("/user/<name>")
        def user(name):
            return name

        @app.route("/u")
        def u():
            return fw.url_for("user", name="a/b")

        return app

    outcome = compare(build, [get("/u", body=False)], protocol)
    flask_body, erlen_body = (run_body(build, fw, protocol) for fw in ("flask", "erlen"))
    assert flask_body == b"/user/a/b"
    assert erlen_body == b"/user/a%2Fb"
    assert outcome.flask[0]["status"] == 200


def run_body(build, name, protocol):
    from parity_harness import ERLEN, FLASK

    fw = ERLEN if name == "erlen" else FLASK
    app = build(fw)
    client = app.test_client(asgi=protocol == "asgi") if fw.is_erlen else app.test_client()
    try:
        return client.get("/u").data
    finally:
        if fw.is_erlen:
            client.close()
