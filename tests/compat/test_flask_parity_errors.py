"""Parity: abort, error pages, error handlers by code and class, 500s."""

from __future__ import annotations

import pytest
from parity_harness import compare, get, make_app, post, request

ABORT_CODES = [
    400,
    401,
    403,
    404,
    405,
    406,
    408,
    409,
    410,
    411,
    412,
    413,
    414,
    415,
    416,
    417,
    418,
    422,
    423,
    424,
    428,
    429,
    431,
    451,
    500,
    501,
    502,
    503,
    504,
    505,
]


def build_abort(fw):
    app = make_app(fw)

    @app.route("/abort/<int:code>")
    def abort_code(code):
        fw.abort(code)

    @app.route("/abort-desc/<int:code>")
    def abort_desc(code):
        fw.abort(code, description="Custom <b>description</b> & more.")

    @app.route("/abort-positional")
    def abort_positional():
        fw.abort(403, "Positional description")

    @app.route("/abort-response")
    def abort_response():
        fw.abort(fw.make_response("aborted with a response", 299))

    @app.route("/abort-unknown")
    def abort_unknown():
        fw.abort(599)

    @app.route("/raise/<name>")
    def raise_named(name):
        raise getattr(fw.exceptions, name)()

    @app.route("/unauthorized")
    def unauthorized():
        challenge = fw.datastructures.WWWAuthenticate("Basic", {"realm": "parity"})
        raise fw.exceptions.Unauthorized(www_authenticate=challenge)

    @app.route("/retry")
    def retry():
        raise fw.exceptions.ServiceUnavailable(retry_after=120)

    @app.route("/too-many")
    def too_many():
        raise fw.exceptions.TooManyRequests(retry_after=7)

    @app.route("/range")
    def bad_range():
        raise fw.exceptions.RequestedRangeNotSatisfiable(length=10)

    @app.route("/method")
    def method():
        raise fw.exceptions.MethodNotAllowed(valid_methods=["GET", "POST"])

    @app.route("/key")
    def key():
        return fw.request.args["missing"]

    return app


# Their default descriptions contain a quote, escaped as markupsafe does.
APOSTROPHE_CODES = {401, 403, 408, 418, 428}


def test_abort_codes(protocol):
    compare(build_abort, [get(f"/abort/{c}", status=c) for c in ABORT_CODES], protocol)


@pytest.mark.parametrize("code", sorted(APOSTROPHE_CODES))
def test_apostrophe_escaping(protocol, code):
    compare(build_abort, [get(f"/abort/{code}", status=code)], protocol)


def test_abort_descriptions_and_extras(protocol):
    compare(
        build_abort,
        [
            get("/abort-desc/404", status=404),
            get("/abort-desc/400", status=400),
            get("/abort-desc/500", status=500),
            get("/abort-positional", status=403),
            get("/abort-response"),
            get("/unauthorized", status=401, body=False),
            get("/retry", status=503),
            get("/too-many", status=429),
            get("/range", status=416),
            get("/method", status=405),
            get("/key", status=400),
            get("/raise/NotFound", status=404),
            get("/raise/Conflict", status=409),
            get("/raise/ImATeapot", status=418, body=False),
            get("/raise/InternalServerError", status=500),
            get("/raise/BadRequestKeyError", status=400),
        ],
        protocol,
    )


def test_abort_unknown_code(protocol):
    compare(build_abort, [get("/abort-unknown", status=500)], protocol)


class Boom(Exception):
    pass


class SubBoom(Boom):
    pass


def build_handlers(fw):
    app = make_app(fw)
    bp = fw.Blueprint("bp", __name__, url_prefix="/bp")

    @app.errorhandler(404)
    def not_found(e):
        return f"custom 404: {e.description}", 404

    @app.errorhandler(fw.exceptions.Forbidden)
    def forbidden(e):
        return {"error": e.name, "code": e.code}, e.code

    @app.errorhandler(Boom)
    def boom(e):
        return f"boom handler: {type(e).__name__} {e}", 418

    @app.errorhandler(405)
    def not_allowed(e):
        resp = fw.make_response(f"custom 405 {e.code}", 405)
        return resp

    @app.errorhandler(fw.exceptions.BadRequest)
    def bad_request(e):
        return f"bad request handled: {type(e).__name__}", 400

    @bp.errorhandler(fw.exceptions.Conflict)
    def bp_conflict(e):
        return "bp conflict", 409

    @bp.errorhandler(Boom)
    def bp_boom(e):
        return "bp boom", 418

    @bp.route("/conflict")
    def conflict():
        fw.abort(409)

    @bp.route("/boom")
    def bp_raise():
        raise SubBoom("from bp")

    app.register_blueprint(bp)

    @app.route("/conflict")
    def app_conflict():
        fw.abort(409)

    @app.route("/forbidden")
    def forb():
        fw.abort(403)

    @app.route("/boom")
    def raise_boom():
        raise Boom("plain")

    @app.route("/subboom")
    def raise_subboom():
        raise SubBoom("sub")

    @app.route("/missing-page")
    def missing_page():
        fw.abort(404, "No such page.")

    @app.route("/post-only", methods=["POST"])
    def post_only():
        return "ok"

    @app.route("/key")
    def key():
        return fw.request.args["missing"]

    @app.route("/json", methods=["POST"])
    def json_view():
        return fw.request.get_json()

    return app


def test_error_handlers(protocol):
    compare(
        build_handlers,
        [
            get("/nowhere", status=404),
            get("/missing-page", status=404),
            get("/forbidden", status=403),
            get("/boom", status=418),
            get("/subboom", status=418),
            get("/post-only", status=405),
            get("/conflict", status=409),
            get("/bp/conflict", status=409),
            get("/bp/boom", status=418),
            get("/key", status=400),
            post("/json", data="{", content_type="application/json", status=400),
        ],
        protocol,
    )


def build_generic(fw):
    app = make_app(fw)

    @app.errorhandler(Exception)
    def any_exception(e):
        if isinstance(e, fw.exceptions.HTTPException):
            return f"http {e.code} {e.name} via Exception handler", e.code
        return f"generic {type(e).__name__}: {e}", 500

    @app.route("/http")
    def http():
        fw.abort(410)

    @app.route("/value")
    def value():
        raise ValueError("bad value")

    @app.route("/lookup")
    def lookup():
        return {}["x"]

    return app


def test_exception_handler_sees_http_exceptions(protocol):
    compare(
        build_generic,
        [
            get("/http", status=410),
            get("/value", status=500),
            get("/lookup", status=500),
            get("/not-routed", status=404),
            post("/http", status=405),
        ],
        protocol,
    )


def build_http_exception_handler(fw):
    app = make_app(fw)

    @app.errorhandler(fw.exceptions.HTTPException)
    def http_json(e):
        return fw.jsonify(code=e.code, name=e.name, description=e.description), e.code

    @app.route("/gone")
    def gone():
        fw.abort(410, "It left.")

    @app.route("/crash")
    def crash():
        raise RuntimeError("not http")

    return app


def test_http_exception_handler(protocol):
    compare(
        build_http_exception_handler,
        [
            get("/gone", status=410),
            get("/nope", status=404),
            request("DELETE", "/gone", status=405),
            get("/gone/", status=404),
            get("/crash", status=500),
        ],
        protocol,
    )


def build_500(fw):
    app = make_app(fw)

    @app.route("/crash")
    def crash():
        raise RuntimeError("secret detail")

    @app.route("/crash-after-abort")
    def crash_in_handler():
        fw.abort(400)

    @app.errorhandler(400)
    def bad_handler(e):
        raise KeyError("handler broke")

    @app.route("/500-handled")
    def handled():
        fw.abort(500)

    return app


def test_500_pages(protocol):
    compare(
        build_500,
        [
            get("/crash", status=500),
            get("/crash-after-abort", status=500),
            get("/500-handled", status=500),
        ],
        protocol,
    )


def build_500_handler(fw):
    app = make_app(fw)

    @app.errorhandler(500)
    def on_500(e):
        original = e.original_exception
        return f"500 handler: {type(e).__name__} {type(original).__name__} {original}", 500

    @app.errorhandler(fw.exceptions.InternalServerError)
    def on_ise(e):
        return f"ISE handler: {type(e.original_exception).__name__}", 500

    @app.route("/crash")
    def crash():
        raise RuntimeError("boom")

    @app.route("/abort500")
    def abort500():
        fw.abort(500)

    return app


def test_500_handler_gets_original_exception(protocol):
    compare(
        build_500_handler,
        [get("/crash", status=500), get("/abort500", status=500)],
        protocol,
    )


def test_propagate_exceptions_in_testing(protocol):
    def build(fw):
        app = make_app(fw, TESTING=True)

        @app.route("/crash")
        def crash():
            raise ZeroDivisionError("raised to the client")

        @app.route("/abort")
        def aborted():
            fw.abort(404)

        return app

    compare(build, [get("/crash"), get("/abort", status=404)], protocol)


@pytest.mark.parametrize("code", [404, 405])
def test_trap_http_exception(protocol, code):
    def build(fw):
        app = make_app(fw, TRAP_HTTP_EXCEPTIONS=True, TESTING=True)

        @app.route("/only-get")
        def only_get():
            fw.abort(code)

        return app

    compare(build, [get("/only-get")], protocol)


def test_exception_logging(protocol):
    import logging

    def build(fw):
        app = make_app(fw)
        records = app.log

        class Collect(logging.Handler):
            def emit(self, record):
                exc = record.exc_info[0].__name__ if record.exc_info else None
                records.append((record.levelname, record.getMessage(), exc))

        app.logger.addHandler(Collect())

        @app.route("/crash", methods=["GET", "POST"])
        def crash():
            raise RuntimeError("logged")

        @app.route("/http")
        def http():
            fw.abort(409)

        return app

    from parity_harness import log_step

    compare(
        build,
        [
            get("/crash?x=1", status=500),
            log_step(),
            post("/crash", status=500),
            log_step(),
            get("/http", status=409),
            log_step(),
        ],
        protocol,
    )
