"""Parity: view return values, make_response variants, redirects, streaming."""

from __future__ import annotations

import pytest
import werkzeug.wrappers
from parity_harness import compare, get, make_app, post, request, run


def _wsgi_echo(environ, start_response):
    """A WSGI application a view returns (a mounted app, say)."""
    start_response("207 Multi-Status", [("Content-Type", "text/plain"), ("X-Wsgi", "yes")])
    return [f"path={environ['PATH_INFO']} ".encode(), f"q={environ['QUERY_STRING']}".encode()]


def build_returns(fw):
    app = make_app(fw)
    routes = {
        "str": lambda: "héllo",
        "bytes": lambda: b"\x00raw bytes",
        "dict": lambda: {"b": 1, "a": [1, 2], "n": None},
        "list": lambda: [1, "two", {"three": 3}],
        "empty-str": lambda: "",
        "tuple-status": lambda: ("created", 201),
        "tuple-status-str": lambda: ("teapot", "418 I'M A TEAPOT"),
        "tuple-headers": lambda: ("with headers", {"X-A": "1", "Content-Type": "text/plain"}),
        "tuple-headers-list": lambda: ("with list", [("X-B", "2"), ("X-B", "3")]),
        "tuple-three": lambda: ("three", 202, {"X-C": "c"}),
        "tuple-dict-status": lambda: ({"error": "nope"}, 400),
        "tuple-list-status": lambda: (["a"], 409, [("X-D", "d")]),
        "no-content": lambda: ("", 204),
        "not-modified": lambda: ("", 304),
        "response": lambda: fw.Response("plain", status=203, mimetype="text/plain"),
        "response-headers": lambda: fw.Response(
            "h", headers={"X-E": "e", "Cache-Control": "no-store"}, content_type="text/csv"
        ),
        "response-tuple": lambda: (fw.Response("base", status=200), 299, {"X-F": "f"}),
        "response-json": lambda: fw.Response('{"k": 1}', mimetype="application/json"),
        "generator": lambda: (part for part in ["a", "b", "c"]),
        "generator-bytes": lambda: iter([b"x", b"y"]),
        "jsonify": lambda: fw.jsonify(ok=True),
        "jsonify-status": lambda: (fw.jsonify(error="gone"), 410),
        "int-status-only-dict": lambda: ({}, 201),
        "markup": lambda: fw.Markup("<b>bold</b>"),
        "unicode-headers": lambda: ("u", {"X-Unicode": "caf\u00e9".encode().decode("latin-1")}),
        "wsgi-app": lambda: _wsgi_echo,
        "wsgi-app-tuple": lambda: (_wsgi_echo, 201, {"X-G": "g"}),
        "werkzeug-response": lambda: werkzeug.wrappers.Response(
            "from werkzeug", status=202, headers={"X-H": "h"}
        ),
    }
    for name, func in routes.items():
        app.add_url_rule(f"/{name}", name, func)

    @app.route("/stream-ctx")
    def stream_ctx():
        def gen():
            yield "path="
            yield fw.request.path

        return fw.stream_with_context(gen())

    @app.route("/status-code-set")
    def status_code_set():
        resp = fw.make_response("set")
        resp.status_code = 299
        resp.set_cookie("c", "v", max_age=60, httponly=True)
        return resp

    return app


RETURN_PATHS = [
    "/str",
    "/bytes",
    "/dict",
    "/list",
    "/empty-str",
    "/tuple-status",
    "/tuple-status-str",
    "/tuple-headers",
    "/tuple-headers-list",
    "/tuple-three",
    "/tuple-dict-status",
    "/tuple-list-status",
    "/no-content",
    "/not-modified",
    "/response",
    "/response-headers",
    "/response-tuple",
    "/response-json",
    "/generator",
    "/generator-bytes",
    "/jsonify",
    "/jsonify-status",
    "/int-status-only-dict",
    "/markup",
    "/unicode-headers",
    "/stream-ctx",
    "/status-code-set",
    "/wsgi-app?a=1",
    "/wsgi-app-tuple",
    "/werkzeug-response",
]


def _known(path):
    return "no_content_type_on_204" if path == "/no-content" else None


def test_return_values(protocol):
    compare(
        build_returns,
        [get(p, known=_known(p)) for p in RETURN_PATHS],
        protocol,
    )


def test_head_of_return_values(protocol):
    compare(build_returns, [request("HEAD", p, known=_known(p)) for p in RETURN_PATHS], protocol)


def build_bad_returns(fw):
    app = make_app(fw)
    bad = {
        "none": lambda: None,
        "int": lambda: 42,
        "tuple-4": lambda: ("a", 200, {}, "extra"),
        "set": lambda: {1, 2},
        "object": lambda: object(),
    }
    for name, func in bad.items():
        app.add_url_rule(f"/{name}", name, func)

    @app.errorhandler(500)
    def on_500(e):
        original = getattr(e, "original_exception", None)
        return f"500 from {type(original).__name__}", 500

    return app


def test_bad_return_values(protocol):
    compare(
        build_bad_returns,
        [
            get("/none", status=500),
            get("/int", status=500),
            get("/tuple-4", status=500),
            get("/set", status=500),
            get("/object", status=500),
        ],
        protocol,
    )


def build_make_response(fw):
    app = make_app(fw)
    variants = {
        "empty": lambda: fw.make_response(),
        "str": lambda: fw.make_response("text"),
        "str-status": lambda: fw.make_response("text", 404),
        "str-status-headers": lambda: fw.make_response("t", 201, {"X-G": "g"}),
        "dict": lambda: fw.make_response({"a": 1}),
        "list": lambda: fw.make_response([1, 2]),
        "tuple": lambda: fw.make_response(("tuple", 202)),
        "response": lambda: fw.make_response(fw.Response("r", 207)),
        "jsonify-args": lambda: fw.jsonify(1, 2, 3),
        "jsonify-one": lambda: fw.jsonify([1, 2]),
        "jsonify-kwargs": lambda: fw.jsonify(z=1, a=2),
        "jsonify-empty": lambda: fw.jsonify(),
        "jsonify-scalar": lambda: fw.jsonify("text"),
    }
    for name, func in variants.items():
        app.add_url_rule(f"/{name}", name, func)

    @app.route("/mutate")
    def mutate():
        resp = fw.make_response("body")
        resp.headers["X-H"] = "h"
        resp.mimetype = "text/plain"
        resp.set_data("changed body")
        resp.cache_control.max_age = 30
        resp.cache_control.public = True
        resp.vary.add("Accept")
        return resp

    @app.route("/mutate-json")
    def mutate_json():
        resp = fw.jsonify(v=1)
        resp.status_code = 418
        resp.headers.add("X-I", "i")
        return resp

    return app


def test_make_response(protocol):
    compare(
        build_make_response,
        [
            get("/empty", body=False),
            get("/str"),
            get("/str-status", status=404),
            get("/str-status-headers"),
            get("/dict"),
            get("/list"),
            get("/tuple"),
            get("/response"),
            get("/jsonify-args"),
            get("/jsonify-one"),
            get("/jsonify-kwargs"),
            get("/jsonify-empty"),
            get("/jsonify-scalar"),
            get("/mutate"),
            get("/mutate-json"),
        ],
        protocol,
    )


def build_redirects(fw):
    app = make_app(fw)

    @app.route("/target")
    def target():
        return f"target {fw.request.method} {fw.request.args.get('q', '')}"

    @app.route("/r/<int:code>", methods=["GET", "POST"])
    def redirect_code(code):
        return fw.redirect(fw.url_for("target", q="x"), code=code)

    @app.route("/abs")
    def absolute():
        return fw.redirect("https://example.com/path?q=1")

    @app.route("/rel")
    def relative():
        return fw.redirect("target")

    @app.route("/unicode")
    def unicode():
        return fw.redirect("/target?q=\u00fcber")

    @app.route("/html")
    def html():
        return fw.redirect('/target?q="<x>"')

    @app.route("/ext")
    def external():
        return fw.redirect(fw.url_for("target", _external=True))

    return app


def test_redirects(protocol):
    compare(
        build_redirects,
        [
            get("/r/301", status=301, body=False),
            get("/r/302", status=302, body=False),
            get("/r/303", status=303, body=False),
            get("/r/307", status=307, body=False),
            get("/r/308", status=308, body=False),
            get("/abs", body=False),
            get("/rel", body=False),
            get("/unicode", body=False),
            get("/html", body=False),
            get("/ext", body=False),
            get("/r/302", follow_redirects=True),
            post("/r/302", follow_redirects=True),
            post("/r/303", follow_redirects=True),
            post("/r/307", follow_redirects=True),
            post("/r/308", follow_redirects=True),
            request("PUT", "/r/303", follow_redirects=True),
        ],
        protocol,
    )


@pytest.mark.parametrize("path", ["/r/302", "/abs", "/html", "/unicode"])
def test_redirect_bodies(protocol, path):
    compare(build_redirects, [get(path)], protocol)


def _cookie(fw, value="v", **kwargs):
    resp = fw.make_response("cookie")
    resp.set_cookie("k", value, **kwargs)
    return resp


def _vary(fw):
    resp = fw.make_response("vary")
    resp.vary.add("Accept")
    resp.vary.add("accept-encoding")
    return resp


def _cache_control(fw):
    resp = fw.make_response("cc")
    resp.cache_control.no_store = True
    resp.cache_control.max_age = 0
    resp.cache_control.private = True
    resp.expires = 0
    return resp


def _etag(fw):
    resp = fw.make_response("etag")
    resp.set_etag("abc", weak=True)
    resp.last_modified = 1_000_000_000
    return resp


def build_headers(fw):
    import datetime

    app = make_app(fw)
    routes = {
        "custom-status": lambda: fw.Response("x", status="299 CUSTOM THING"),
        "str-status": lambda: ("x", "404"),
        "unknown-status": lambda: ("x", 299),
        "status-999": lambda: ("x", 999),
        "none-status": lambda: ("x", None),
        "cookie-expires": lambda: _cookie(
            fw, expires=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
        ),
        "cookie-expires-int": lambda: _cookie(fw, expires=1_900_000_000),
        "cookie-max-age-td": lambda: _cookie(fw, max_age=datetime.timedelta(hours=1)),
        "cookie-partitioned": lambda: _cookie(fw, partitioned=True, secure=True),
        "cookie-bad-samesite": lambda: _cookie(fw, samesite="bogus"),
        "cookie-domain": lambda: _cookie(fw, domain=".example.com"),
        "cookie-quoting": lambda: _cookie(fw, value='a"b\\c,d;e f'),
        "header-newline": lambda: ("x", {"X-Bad": "a\nb"}),
        "header-latin1": lambda: ("x", {"X-Latin": "\u00e9"}),
        "json-charset": lambda: fw.Response(b"{}", content_type="application/json; charset=utf-8"),
        "csv": lambda: fw.Response("x", mimetype="text/csv"),
        "binary": lambda: fw.Response(b"x", mimetype="application/octet-stream"),
        "plain-no-charset": lambda: fw.Response("x", content_type="text/plain"),
        "xml": lambda: fw.Response("x", mimetype="application/xml"),
        "javascript": lambda: fw.Response("x", mimetype="application/javascript"),
        "vary": lambda: _vary(fw),
        "cache-control": lambda: _cache_control(fw),
        "etag": lambda: _etag(fw),
        "empty-generator": lambda: iter([]),
        "bytearray": lambda: bytearray(b"ba"),
        "location-ascii": lambda: ("x", 302, {"Location": "/a%20b?q=1"}),
        "location-iri": lambda: ("x", 302, {"Location": "/rel path?q=\u00fc"}),
    }
    for name, func in routes.items():
        app.add_url_rule(f"/{name}", name, func)
    return app


HEADER_PATHS = [
    "/custom-status",
    "/str-status",
    "/unknown-status",
    "/none-status",
    "/cookie-expires",
    "/cookie-expires-int",
    "/cookie-max-age-td",
    "/cookie-partitioned",
    "/cookie-domain",
    "/cookie-quoting",
    "/header-latin1",
    "/json-charset",
    "/csv",
    "/binary",
    "/plain-no-charset",
    "/xml",
    "/javascript",
    "/vary",
    "/cache-control",
    "/etag",
    "/empty-generator",
    "/bytearray",
    "/location-ascii",
]


def test_response_headers_and_cookies(protocol):
    compare(
        build_headers,
        [get(p, compare_headers=("ETag", "Expires", "Last-Modified")) for p in HEADER_PATHS]
        + [
            get("/status-999", status=999),
            get("/cookie-bad-samesite", status=500),
            get("/header-newline", status=500),
        ],
        protocol,
    )


# Location goes out through iri_to_uri, as Werkzeug's get_wsgi_headers does.
def test_location_header_iri(protocol):
    compare(build_headers, [get("/location-iri", status=302)], protocol)


def build_autocorrect(fw):
    app = make_app(fw)

    class AbsoluteLocations(fw.Response):
        autocorrect_location_header = True

    app.response_class = AbsoluteLocations

    @app.route("/shop/items/<int:n>")
    def item(n):
        return fw.redirect(f"../cart?add={n}")

    @app.route("/caf\u00e9/x")
    def non_ascii():
        return fw.redirect("d\u00e9j\u00e0")

    @app.route("/hook")
    def hook():
        response = fw.make_response("body")
        response.headers["Location"] = "/elsewhere"
        return response

    return app


def test_autocorrect_location_header(protocol):
    compare(
        build_autocorrect,
        [
            get("/shop/items/3?x=1", status=302, compare_headers=("Location",)),
            get("/hook", compare_headers=("Location",)),
        ],
        protocol,
    )


def test_autocorrect_location_header_below_a_non_ascii_path(protocol):
    # README "Differences" (get_current_url): Werkzeug joins the Location to
    # the environ's latin-1 path, encoding "é" twice; erlen to the real path.
    step = get("/caf%C3%A9/x", status=302, compare_headers=("Location",))
    outcome = run(build_autocorrect, [step], protocol)
    assert outcome.flask[0]["Location"] == "http://localhost/caf%C3%83%C2%A9/d%C3%A9j%C3%A0"
    assert outcome.erlen[0]["Location"] == "http://localhost/caf%C3%A9/d%C3%A9j%C3%A0"
