"""Parity: before/after/teardown hooks, their order, short-circuits, after_this_request."""

from __future__ import annotations

from parity_harness import compare, get, log_step, make_app


def _exc(e):
    return None if e is None else type(e).__name__


def build_order(fw):
    app = make_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")
    log = app.log

    @app.before_request
    def app_before_1():
        log.append("before app 1")

    @app.before_request
    def app_before_2():
        log.append("before app 2")
        if fw.request.args.get("stop") == "app":
            return "stopped by app hook", 202
        return None

    @bp.before_request
    def bp_before():
        log.append("before bp")
        if fw.request.args.get("stop") == "bp":
            return "stopped by bp hook"
        return None

    @bp.before_app_request
    def bp_before_app():
        log.append("before_app bp")

    @app.after_request
    def app_after_1(resp):
        log.append(f"after app 1 {resp.status_code}")
        resp.headers["X-After-1"] = "1"
        return resp

    @app.after_request
    def app_after_2(resp):
        log.append(f"after app 2 {resp.status_code}")
        resp.headers["X-After-2"] = "2"
        return resp

    @bp.after_request
    def bp_after(resp):
        log.append(f"after bp {resp.status_code}")
        resp.headers["X-After-Bp"] = "bp"
        return resp

    @bp.after_app_request
    def bp_after_app(resp):
        log.append("after_app bp")
        return resp

    @app.teardown_request
    def app_teardown_1(exc):
        log.append(f"teardown app 1 {_exc(exc)}")

    @app.teardown_request
    def app_teardown_2(exc):
        log.append(f"teardown app 2 {_exc(exc)}")

    @bp.teardown_request
    def bp_teardown(exc):
        log.append(f"teardown bp {_exc(exc)}")

    @bp.teardown_app_request
    def bp_teardown_app(exc):
        log.append(f"teardown_app bp {_exc(exc)}")

    @app.teardown_appcontext
    def appctx_teardown(exc):
        log.append(f"teardown appctx {_exc(exc)}")

    @app.errorhandler(LookupError)
    def lookup(e):
        log.append(f"handler {type(e).__name__}")
        return "handled lookup", 409

    @app.route("/")
    def index():
        log.append("view")
        return "index"

    @bp.route("/")
    def bp_index():
        log.append("bp view")
        return "bp index"

    @bp.route("/handled")
    def bp_handled():
        log.append("bp view")
        raise KeyError("k")

    @bp.route("/unhandled")
    def bp_unhandled():
        log.append("bp view")
        raise RuntimeError("r")

    @app.route("/abort")
    def aborted():
        log.append("view")
        fw.abort(404)

    @app.route("/this-request")
    def this_request():
        @fw.after_this_request
        def first(resp):
            log.append("after_this_request 1")
            resp.headers["X-This"] = "1"
            return resp

        @fw.after_this_request
        def second(resp):
            log.append("after_this_request 2")
            resp.headers["X-This"] += "2"
            return resp

        log.append("view")
        return "this request"

    app.register_blueprint(bp)
    return app


def test_hook_order_normal(protocol):
    compare(
        build_order,
        [
            get("/"),
            log_step(),
            get("/bp/"),
            log_step(),
            get("/this-request"),
            log_step(),
            get("/missing", status=404),
            log_step(),
            get("/abort", status=404),
            log_step(),
        ],
        protocol,
    )


def test_hook_short_circuit(protocol):
    compare(
        build_order,
        [
            get("/?stop=app"),
            log_step(),
            get("/bp/?stop=app"),
            log_step(),
            get("/bp/?stop=bp"),
            log_step(),
        ],
        protocol,
    )


def test_hook_order_handled_error(protocol):
    compare(build_order, [get("/bp/handled", status=409), log_step()], protocol)


def test_hook_order_unhandled_error(protocol):
    compare(
        build_order,
        [
            get("/bp/unhandled", status=500, known="after_request_on_unhandled"),
            log_step(known="after_request_on_unhandled"),
        ],
        protocol,
    )


def build_after_modifies(fw):
    app = make_app(fw)

    @app.after_request
    def replace(resp):
        if fw.request.path == "/replace":
            return fw.make_response("replaced by after_request", 201)
        resp.set_data(resp.get_data() + b" +after")
        resp.headers["Cache-Control"] = "no-cache"
        resp.set_cookie("seen", "yes", path="/", samesite="Strict")
        return resp

    @app.route("/")
    def index():
        return "body"

    @app.route("/replace")
    def to_replace():
        return "original"

    @app.route("/json")
    def json():
        return {"a": 1}

    return app


def test_after_request_modifies_response(protocol):
    compare(build_after_modifies, [get("/"), get("/replace"), get("/json")], protocol)


def build_teardown_exc(fw):
    app = make_app(fw)

    @app.teardown_request
    def td(exc):
        app.log.append(("teardown", _exc(exc), str(exc) if exc else None))

    @app.teardown_appcontext
    def td_app(exc):
        app.log.append(("appctx", _exc(exc)))

    @app.errorhandler(ValueError)
    def value(e):
        return "value handled", 400

    @app.route("/ok")
    def ok():
        return "ok"

    @app.route("/handled")
    def handled():
        raise ValueError("handled one")

    @app.route("/crash")
    def crash():
        raise RuntimeError("unhandled one")

    @app.route("/http")
    def http():
        fw.abort(409)

    return app


def test_teardown_sees_exceptions(protocol):
    compare(
        build_teardown_exc,
        [
            get("/ok"),
            log_step(),
            get("/handled", status=400),
            log_step(),
            get("/crash", status=500),
            log_step(),
            get("/http", status=409),
            log_step(),
        ],
        protocol,
    )


def build_before_sets_g(fw):
    app = make_app(fw)

    @app.before_request
    def load():
        fw.g.user = fw.request.args.get("user", "anon")
        fw.g.setdefault("visits", 0)

    @app.context_processor
    def inject():
        return {"who": fw.g.user}

    @app.route("/")
    def index():
        return fw.render_template_string(
            "{{ who }} {{ g.user }} {{ g.get('missing', 'none') }} {{ 'user' in g }}"
        )

    @app.route("/g")
    def g_ops():
        popped = fw.g.pop("user")
        return [popped, fw.g.get("user"), "visits" in fw.g, fw.g.pop("x", "dflt")]

    return app


def test_g_between_hooks_and_views(protocol):
    compare(build_before_sets_g, [get("/?user=ada"), get("/"), get("/g?user=bo")], protocol)
