"""Parity: app-level behaviour: blueprint error handlers, limits, contexts, the test client."""

from __future__ import annotations

import io

import pytest
from parity_harness import ERLEN, FLASK, Fresh, call, compare, get, make_app, post, request, run


def build_bp_errors(fw):
    app = make_app(fw)
    api = fw.Blueprint("api", __name__, url_prefix="/api")

    @api.errorhandler(404)
    def api_404(e):
        return {"error": "blueprint not found"}, 404

    @api.errorhandler(405)
    def api_405(e):
        return {"error": "blueprint method"}, 405

    @api.route("/thing", methods=["GET"])
    def thing():
        return {"thing": 1}

    @api.route("/abort")
    def api_abort():
        fw.abort(404)

    app.register_blueprint(api)

    @app.errorhandler(404)
    def app_404(e):
        return "app not found", 404

    @app.route("/abort")
    def app_abort():
        fw.abort(404)

    return app


def test_blueprint_error_handlers(protocol):
    compare(
        build_bp_errors,
        [
            get("/api/thing"),
            get("/api/abort", status=404),
            get("/abort", status=404),
            get("/elsewhere", status=404),
            get("/api/missing", status=404, known="blueprint_prefix_handler"),
            post("/api/thing", status=405, known="blueprint_prefix_handler"),
        ],
        protocol,
    )


def test_before_first_request_is_erlen_only(protocol):
    # Documented difference (README): erlen keeps before_first_request; Flask removed it.
    assert not hasattr(FLASK.Flask, "before_first_request")
    app = make_app(ERLEN)
    calls = []

    @app.before_first_request
    def first():
        calls.append("first")

    @app.route("/")
    def index():
        return str(len(calls))

    client = app.test_client(asgi=protocol == "asgi")
    try:
        assert [client.get("/").text for _ in range(3)] == ["1", "1", "1"]
    finally:
        client.close()
    assert calls == ["first"]


def build_limits(fw):
    app = make_app(fw, MAX_CONTENT_LENGTH=100)

    @app.route("/upload", methods=["POST"])
    def upload():
        return {"form": fw.request.form.to_dict(), "files": list(fw.request.files)}

    @app.route("/data", methods=["POST"])
    def data():
        return {"len": len(fw.request.get_data())}

    @app.route("/json", methods=["POST"])
    def json_view():
        return {"json": fw.request.get_json()}

    return app


def test_max_content_length(protocol):
    compare(
        build_limits,
        [
            post("/upload", data={"a": "x" * 10}),
            # body=False: erlen's 413 says which limit (test_limit_errors_are_explained).
            post("/upload", data={"a": "x" * 200}, status=413, body=False),
            post(
                "/upload",
                data=Fresh(lambda: {"f": (io.BytesIO(b"y" * 300), "big.bin")}),
                status=413,
                body=False,
            ),
            post("/json", json={"a": "x" * 200}, status=413, body=False),
            post("/json", json={"a": 1}),
        ],
        protocol,
    )


def test_form_memory_limit(protocol):
    def build(fw):
        app = build_limits(fw)
        app.config.update(MAX_CONTENT_LENGTH=None, MAX_FORM_MEMORY_SIZE=50, MAX_FORM_PARTS=3)
        return app

    compare(
        build,
        [
            post("/upload", data={"a": "x" * 20}),
            post(
                "/upload",
                data=Fresh(lambda: {"a": "x" * 80, "f": (io.BytesIO(b"ok"), "f.txt")}),
                status=413,
                body=False,
            ),
            post(
                "/upload",
                data=Fresh(lambda: {k: (io.BytesIO(b"1"), f"{k}.txt") for k in "abcd"}),
                status=413,
                body=False,
            ),
        ],
        protocol,
    )


def test_limit_errors_are_explained(protocol):
    # Deliberate difference (the brief: "bad input gives a clear 4xx with a useful
    # description"): Werkzeug's 413 page has its generic sentence, erlen's names the limit.
    outcome = run(build_limits, [post("/upload", data={"a": "x" * 200})], protocol)
    assert b"exceeds the capacity limit" in outcome.flask[0]["body"]
    assert outcome.erlen[0]["status"] == 413
    assert b"the limit is 100 bytes" in outcome.erlen[0]["body"]


def test_form_parts_limit_covers_urlencoded(protocol):
    # Deliberate difference (http/formparser.py parse_form_data: "more than max_form_parts
    # fields or parts"): Werkzeug counts multipart parts only; erlen also caps the number
    # of urlencoded fields (MAX_FORM_PARTS, 1000 by default).
    def build(fw):
        app = build_limits(fw)
        app.config.update(MAX_CONTENT_LENGTH=None, MAX_FORM_PARTS=3)
        return app

    outcome = run(build, [post("/upload", data={"a": "1", "b": "2", "c": "3", "d": "4"})], protocol)
    assert outcome.flask[0]["status"] == 200
    assert outcome.erlen[0]["status"] == 413
    assert b"more than 3 fields" in outcome.erlen[0]["body"]


def build_contexts(fw):
    app = make_app(fw)

    @app.route("/where")
    def where():
        return {
            "request": fw.has_request_context(),
            "app": fw.has_app_context(),
            "current_app": fw.current_app.name == app.name,
            "endpoint": fw.request.endpoint,
        }

    return app


def test_contexts(protocol):
    def outside(client, app):
        fw = ERLEN if type(app).__module__.startswith("erlen") else FLASK
        before = [fw.has_request_context(), fw.has_app_context()]
        with app.test_request_context("/where?x=1", method="POST", json={"a": 1}):
            inside = [
                fw.has_request_context(),
                fw.request.path,
                fw.request.args["x"],
                fw.request.method,
                fw.request.get_json(),
                fw.url_for("where", _external=True),
            ]
        with app.app_context():
            fw.g.value = 5
            in_app = [fw.has_app_context(), fw.has_request_context(), fw.g.value]
        return before, inside, in_app

    def proxies_unbound(client, app):
        fw = ERLEN if type(app).__module__.startswith("erlen") else FLASK
        errors = []
        for proxy in ("request", "session", "g", "current_app"):
            try:
                bool(getattr(fw, proxy).anything)
            except RuntimeError:
                errors.append(proxy)
        return errors

    compare(build_contexts, [get("/where"), call(outside), call(proxies_unbound)], protocol)


def build_client(fw):
    app = make_app(fw)

    @app.route("/start")
    def start():
        return fw.redirect(fw.url_for("middle"))

    @app.route("/middle")
    def middle():
        return fw.redirect(fw.url_for("end", q="1"), 301)

    @app.route("/end")
    def end():
        return f"end {fw.request.args['q']} {fw.request.headers.get('X-Custom')}"

    @app.route("/loop")
    def loop():
        return fw.redirect(fw.url_for("loop"))

    @app.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def echo():
        return {
            "method": fw.request.method,
            "ct": fw.request.content_type,
            "data": fw.request.get_data(as_text=True),
            "args": fw.request.args.to_dict(flat=False),
        }

    return app


def test_test_client_api(protocol):
    def history(client, app):
        resp = client.get("/start", follow_redirects=True, headers={"X-Custom": "kept"})
        return [
            resp.status_code,
            resp.text,
            [h.status_code for h in resp.history],
            resp.request.path,
            resp.request.args.to_dict(),
        ]

    def text_and_json(client, app):
        resp = client.post("/echo", json={"k": "v"})
        return [resp.json, resp.get_json(), resp.is_json, resp.mimetype, resp.status]

    def loop(client, app):
        try:
            client.get("/loop", follow_redirects=True)
        except Exception as e:
            return type(e).__name__
        return "no error"

    compare(
        build_client,
        [
            call(history),
            call(text_and_json),
            call(loop),
            request("PATCH", "/echo", data="raw", content_type="text/x-raw"),
            request("PUT", "/echo", data={"f": "1"}),
            get("/echo", query_string={"a": ["1", "2"], "b": "é"}),
            get("/echo?x=1", query_string=None),
            get("http://localhost/echo?full=1"),
            request("DELETE", "/echo"),
        ],
        protocol,
    )


def test_client_context_preservation(protocol):
    def preserved(client, app):
        fw = ERLEN if type(app).__module__.startswith("erlen") else FLASK
        with client:
            client.get("/echo?kept=1")
            inside = [fw.request.path, fw.request.args["kept"], fw.has_request_context()]
        return inside, fw.has_request_context()

    compare(build_client, [call(preserved)], protocol)


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_methods_with_head_automatic(protocol, method):
    compare(build_client, [request(method, "/echo")], protocol)
