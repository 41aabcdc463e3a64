"""Parity: helpers called the way applications and extensions call them, nested blueprints."""

from __future__ import annotations

import logging

from parity_harness import ERLEN, FLASK, call, compare, get, log_step, make_app, request


def _fw(app):
    return ERLEN if type(app).__module__.startswith("erlen") else FLASK


def _raises(func, *args, **kwargs):
    try:
        rv = func(*args, **kwargs)
    except Exception as e:
        return ("raised", type(e).__name__)
    if hasattr(rv, "status_code"):
        # The redirect page's text is test_bug_redirect_bodies.
        return ("response", rv.status_code, rv.headers.get("Location"))
    return ("value", rv)


def build_helpers(fw):
    app = make_app(fw)

    @app.route("/")
    def index():
        return "index"

    @app.route("/user/<int:uid>", methods=["GET", "POST"])
    def user(uid):
        return str(uid)

    @app.route("/url-errors")
    def url_errors():
        return {
            "scheme_without_external": _raises(fw.url_for, "index", _scheme="https")[0],
            "bad_value": _raises(fw.url_for, "user", uid="x")[0],
            "method_post": _raises(fw.url_for, "user", uid=1, _method="POST"),
            "method_put": _raises(fw.url_for, "user", uid=1, _method="PUT")[0],
            "extra_int": fw.url_for("user", uid=2, page=3, flag=True),
        }

    @app.route("/flash-categories")
    def flash_categories():
        fw.flash("a", "error")
        fw.flash("b", "info")
        fw.flash("c", "error")
        return {
            "errors_with_cat": fw.get_flashed_messages(True, ["error"]),
            "cached_again_all": fw.get_flashed_messages(with_categories=True),
        }

    return app


def test_helpers_in_requests(protocol):
    compare(build_helpers, [get("/url-errors"), get("/flash-categories")], protocol)


def test_helpers_outside_requests(protocol):
    def outside(client, app):
        fw = _fw(app)
        results = {"redirect_no_ctx": _raises(fw.redirect, "/x", 307)}
        results["abort_no_ctx"] = _raises(fw.abort, 404)
        results["url_for_no_ctx"] = _raises(fw.url_for, "index")
        with app.app_context():
            results["url_for_app_ctx"] = _raises(fw.url_for, "user", uid=5)
            results["url_for_app_ctx_ext"] = _raises(fw.url_for, "index", _external=True)
            results["redirect_app_ctx"] = _raises(fw.redirect, "/y")
            results["make_response_tuple"] = _raises(
                lambda: fw.make_response(("body", 201)).status_code
            )
        return results

    def server_name(client, app):
        fw = _fw(app)
        app.config.update(SERVER_NAME="parity.test:8080", PREFERRED_URL_SCHEME="https")
        with app.app_context():
            return [
                fw.url_for("index"),
                fw.url_for("index", _external=True),
                fw.url_for("user", uid=1, _external=True, _scheme="http"),
            ]

    compare(build_helpers, [call(outside), call(server_name)], protocol)


def build_nested(fw):
    app = make_app(fw)
    log = app.log
    parent = fw.Blueprint("parent", __name__, url_prefix="/parent")
    child = fw.Blueprint("child", __name__, url_prefix="/child")
    grandchild = fw.Blueprint("grandchild", __name__, url_prefix="/gc")

    for name, scaffold in (("app", app), ("parent", parent), ("child", child)):

        def before(_name=name):
            log.append(f"before {_name}")

        def after(resp, _name=name):
            log.append(f"after {_name}")
            return resp

        def teardown(exc, _name=name):
            log.append(f"teardown {_name}")

        def ctx(_name=name):
            return {f"ctx_{_name}": _name}

        scaffold.before_request(before)
        scaffold.after_request(after)
        scaffold.teardown_request(teardown)
        scaffold.context_processor(ctx)

    @parent.errorhandler(LookupError)
    def parent_lookup(e):
        return f"parent handled {type(e).__name__}", 400

    @child.errorhandler(KeyError)
    def child_key(e):
        return "child handled KeyError", 400

    @child.route("/key")
    def key():
        raise KeyError("k")

    @child.route("/index")
    def index_error():
        raise IndexError("i")

    @child.route("/render")
    def render():
        return fw.render_template_string(
            "{{ ctx_app }} {{ ctx_parent }} {{ ctx_child }} {{ ctx_grandchild|default('-') }}"
        )

    @grandchild.route("/deep")
    def deep():
        return " ".join([fw.request.blueprint, fw.url_for(".deep"), fw.url_for("parent.child.key")])

    @app.route("/app-key")
    def app_key():
        raise KeyError("app")

    child.register_blueprint(grandchild)
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    app.register_blueprint(parent, name="again", url_prefix="/again")
    return app


def test_nested_blueprints(protocol):
    compare(
        build_nested,
        [
            get("/parent/child/key", status=400),
            log_step(),
            get("/parent/child/index", status=400),
            log_step(),
            get("/parent/child/render"),
            log_step(),
            get("/parent/child/gc/deep"),
            log_step(),
            get("/again/child/gc/deep"),
            log_step(),
            get("/again/child/key", status=400),
            log_step(),
            get("/app-key", status=500),
            log_step(known="after_request_on_unhandled"),
            request("OPTIONS", "/parent/child/key", body=False),
        ],
        protocol,
    )


def test_logger(protocol):
    def logger(client, app):
        lg = app.logger
        return [
            lg.name,
            isinstance(lg, logging.Logger),
            lg.getEffectiveLevel() <= logging.WARNING,
        ]

    def debug_level(client, app):
        app.debug = True
        return app.logger.getEffectiveLevel() == logging.DEBUG

    compare(build_helpers, [call(logger), call(debug_level)], protocol)
