"""Parity: the order and arguments of every built-in signal during a request."""

from __future__ import annotations

import contextlib

import pytest
from parity_harness import compare, get, log_step, make_app, post

SIGNALS = [
    "request_started",
    "request_finished",
    "got_request_exception",
    "request_tearing_down",
    "appcontext_tearing_down",
    "appcontext_pushed",
    "appcontext_popped",
    "template_rendered",
    "before_render_template",
    "message_flashed",
]


def _describe(value):
    """A comparable description of a signal argument."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if hasattr(value, "status_code"):
        return ("response", value.status_code, value.get_data(as_text=True)[:40])
    if isinstance(value, BaseException):
        return ("exception", type(value).__name__, str(value))
    if isinstance(value, dict):
        return ("context", sorted(k for k in value if k in ("x", "request", "g", "session")))
    if hasattr(value, "render"):
        return ("template", value.name)
    return type(value).__name__


def build_signals(fw):
    app = make_app(fw)
    log = app.log
    connected = []

    for name in SIGNALS:
        signal = getattr(fw.signals, name)

        def receiver(sender, _name=name, **kwargs):
            assert sender is app
            # Which contexts a receiver sees is part of the contract too.
            contexts = (fw.has_app_context(), fw.has_request_context())
            log.append((_name, contexts, sorted((k, _describe(v)) for k, v in kwargs.items())))

        signal.connect(receiver, app)
        connected.append((signal, receiver))
    app.connected = connected  # keep strong references; blinker holds weak ones

    @app.before_request
    def before():
        log.append(("hook", "before_request"))

    @app.after_request
    def after(resp):
        log.append(("hook", "after_request"))
        return resp

    @app.teardown_request
    def teardown(exc):
        log.append(("hook", "teardown_request"))

    @app.teardown_appcontext
    def teardown_app(exc):
        log.append(("hook", "teardown_appcontext"))

    @app.errorhandler(KeyError)
    def key_error(e):
        log.append(("hook", "errorhandler"))
        return "handled", 400

    @app.route("/")
    def index():
        log.append(("view",))
        return "index"

    @app.route("/template")
    def template():
        return fw.render_template_string("x={{ x }}", x=1)

    @app.route("/flash")
    def flash():
        fw.flash("hello", "info")
        fw.flash("plain")
        return "flashed"

    @app.route("/handled")
    def handled():
        raise KeyError("k")

    @app.route("/crash")
    def crash():
        raise RuntimeError("boom")

    @app.route("/abort")
    def aborted():
        fw.abort(409)

    return app


@contextlib.contextmanager
def _disconnect(app):
    try:
        yield
    finally:
        for signal, receiver in app.connected:
            signal.disconnect(receiver, app)


def _steps(path, status=None, known=None):
    return [get(path, status=status), log_step(label=f"signals for {path}", known=known)]


@pytest.mark.parametrize(
    ("path", "status", "known"),
    [
        ("/", None, None),
        ("/template", None, None),
        ("/flash", None, None),
        ("/handled", 400, None),
        ("/abort", 409, None),
        ("/missing", 404, None),
        ("/crash", 500, "after_request_on_unhandled"),
    ],
)
def test_signals_for_a_request(protocol, path, status, known):
    built = []

    def build(fw):
        app = build_signals(fw)
        built.append(app)
        return app

    try:
        compare(build, _steps(path, status, known), protocol)
    finally:
        for app in built:
            for signal, receiver in app.connected:
                signal.disconnect(receiver, app)


def test_signals_outside_requests(protocol):
    built = []

    def build(fw):
        app = build_signals(fw)
        built.append(app)
        return app

    def app_context(client, app):
        with app.app_context():
            app.log.append(("inside",))
        entries = list(app.log)
        app.log.clear()
        return entries

    def request_context(client, app):
        with app.test_request_context("/x?y=1"):
            app.log.append(("inside",))
        entries = list(app.log)
        app.log.clear()
        return entries

    from parity_harness import call

    try:
        compare(
            build,
            [call(app_context), call(request_context), post("/flash", status=405), log_step()],
            protocol,
        )
    finally:
        for app in built:
            for signal, receiver in app.connected:
                signal.disconnect(receiver, app)


def test_signal_names_and_custom_signals():
    from parity_harness import ERLEN, FLASK

    for fw in (FLASK, ERLEN):
        for name in SIGNALS:
            signal = getattr(fw.signals, name)
            assert signal.name == name.replace("_", "-"), (fw, name)
    ns = ERLEN.signals.Namespace()
    custom = ns.signal("custom")
    seen = []

    def receiver(sender, **kw):
        seen.append((sender, kw))

    custom.connect(receiver)
    custom.send("me", a=1)
    assert seen == [("me", {"a": 1})]
