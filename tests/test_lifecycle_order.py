"""The order of hooks and signals through a request (the notes' §2.7).

Each scenario records every hook and signal; erlen's order is asserted
literally and, where erlen and Flask agree by design, also against Flask 3.1
running the same app.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest

from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]

SIGNALS = [
    "appcontext_pushed",
    "request_started",
    "got_request_exception",
    "request_finished",
    "request_tearing_down",
    "appcontext_tearing_down",
    "appcontext_popped",
]


def build(framework: str) -> tuple[Any, list[str], Callable[[], None]]:
    """An app on ``framework`` ("erlen" or "flask") whose hooks and signal
    receivers append to the returned list; the callable disconnects them."""
    if framework == "flask":
        import flask as fw
        from flask import signals
        from flask.sessions import SecureCookieSessionInterface

        app = fw.Flask(__name__)
    else:
        import erlen as fw
        from erlen import signals
        from erlen.sessions import SecureCookieSessionInterface

        app = fw.Erlen(__name__)
    app.secret_key = "secret"
    events: list[str] = []

    class RecordingSessions(SecureCookieSessionInterface):  # type: ignore[misc]
        def save_session(self, app: Any, session: Any, response: Any) -> None:
            events.append("save_session")
            super().save_session(app, session, response)

    app.session_interface = RecordingSessions()

    @app.url_value_preprocessor
    def url_values(endpoint: str | None, values: dict[str, Any] | None) -> None:
        events.append("url_value_preprocessor")

    @app.before_request
    def before() -> Any:
        events.append("before_request")
        if fw.request.args.get("short"):
            return "short-circuited"
        return None

    @app.after_request
    def after(response: Any) -> Any:
        events.append("after_request")
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown_request:{type(exc).__name__ if exc else None}")

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        events.append(f"teardown_appcontext:{type(exc).__name__ if exc else None}")

    @app.errorhandler(LookupError)
    def handle_lookup(e: Exception) -> Any:
        events.append("errorhandler")
        return "handled", 400

    @app.route("/view")
    def view() -> str:
        events.append("view")
        fw.session["touched"] = True

        @fw.after_this_request
        def this_request(response: Any) -> Any:
            events.append("after_this_request")
            return response

        if fw.request.args.get("fail") == "handled":
            raise KeyError("handled")
        if fw.request.args.get("fail") == "unhandled":
            raise RuntimeError("unhandled")
        return "ok"

    receivers = []
    for name in SIGNALS:
        signal = getattr(signals, name)

        def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
            assert sender is app
            events.append(f"signal:{_name}")

        signal.connect(receiver, app)
        receivers.append((signal, receiver))

    def disconnect() -> None:
        # Without a sender blinker also drops the receiver from ``receivers``.
        for signal, receiver in receivers:
            signal.disconnect(receiver)

    return app, events, disconnect


def without_session_save(events: list[str]) -> list[str]:
    # Flask opens (and so saves) the session on every request; erlen only when
    # it was touched. The literal tests above pin erlen's save position.
    return [e for e in events if e != "save_session"]


def run(framework: str, url: str, protocol: str = "wsgi") -> tuple[int, list[str]]:
    """Request ``url``; erlen over ``protocol`` ("wsgi" or "asgi"), Flask over WSGI."""
    app, events, disconnect = build(framework)
    try:
        if framework == "flask":
            client = app.test_client()
        else:
            client = app.test_client(asgi=protocol == "asgi")
        response = client.get(url)
        return response.status_code, events
    finally:
        disconnect()


NORMAL = [
    "signal:appcontext_pushed",
    "signal:request_started",
    "url_value_preprocessor",
    "before_request",
    "view",
    "after_this_request",
    "after_request",
    "save_session",
    "signal:request_finished",
    "teardown_request:None",
    "signal:request_tearing_down",
    "teardown_appcontext:None",
    "signal:appcontext_tearing_down",
    "signal:appcontext_popped",
]

HANDLED = [
    "signal:appcontext_pushed",
    "signal:request_started",
    "url_value_preprocessor",
    "before_request",
    "view",
    "errorhandler",
    "after_this_request",
    "after_request",
    "save_session",
    "signal:request_finished",
    "teardown_request:None",
    "signal:request_tearing_down",
    "teardown_appcontext:None",
    "signal:appcontext_tearing_down",
    "signal:appcontext_popped",
]

UNHANDLED = [
    "signal:appcontext_pushed",
    "signal:request_started",
    "url_value_preprocessor",
    "before_request",
    "view",
    "signal:got_request_exception",
    # The notes' rule (API.md): no after_request functions after an
    # unhandled exception; the session is still saved.
    "save_session",
    "signal:request_finished",
    "teardown_request:RuntimeError",
    "signal:request_tearing_down",
    "teardown_appcontext:RuntimeError",
    "signal:appcontext_tearing_down",
    "signal:appcontext_popped",
]

SHORT_CIRCUIT = [
    "signal:appcontext_pushed",
    "signal:request_started",
    "url_value_preprocessor",
    "before_request",
    "after_request",
    "signal:request_finished",
    "teardown_request:None",
    "signal:request_tearing_down",
    "teardown_appcontext:None",
    "signal:appcontext_tearing_down",
    "signal:appcontext_popped",
]


def test_normal_request(protocol: str) -> None:
    status, events = run("erlen", "/view", protocol)
    assert status == 200
    assert events == NORMAL


def test_view_raises_a_handled_error(protocol: str) -> None:
    status, events = run("erlen", "/view?fail=handled", protocol)
    assert status == 400
    assert events == HANDLED


def test_view_raises_an_unhandled_error(protocol: str) -> None:
    status, events = run("erlen", "/view?fail=unhandled", protocol)
    assert status == 500
    assert events == UNHANDLED


def test_before_request_short_circuits(protocol: str) -> None:
    status, events = run("erlen", "/view?short=1", protocol)
    assert status == 200
    assert events == SHORT_CIRCUIT


@pytest.mark.parametrize("url", ["/view", "/view?fail=handled", "/view?short=1"])
def test_same_order_as_flask(url: str, protocol: str) -> None:
    erlen_status, erlen_events = run("erlen", url, protocol)
    flask_status, flask_events = run("flask", url)
    assert erlen_status == flask_status
    assert without_session_save(erlen_events) == without_session_save(flask_events)


def test_unhandled_differs_from_flask_only_by_after_request(protocol: str) -> None:
    erlen_status, erlen_events = run("erlen", "/view?fail=unhandled", protocol)
    flask_status, flask_events = run("flask", "/view?fail=unhandled")
    assert erlen_status == flask_status == 500
    without_after = [e for e in flask_events if e not in {"after_request", "after_this_request"}]
    assert erlen_events == without_after
    assert "save_session" in erlen_events


def run_with_wsgi_middleware(framework: str, url: str) -> list[str]:
    """Request ``url`` over WSGI through middleware wrapping ``app.wsgi_app``,
    whose ``start_response`` records the status and the request's path."""
    app, events, disconnect = build(framework)
    fw = importlib.import_module(framework)
    inner = app.wsgi_app

    def wsgi_app(environ: dict[str, Any], start_response: Any) -> Any:
        def recording(status: str, headers: Any, exc_info: Any = None) -> Any:
            events.append(f"start_response:{status.split()[0]}:{fw.request.path}")
            return start_response(status, headers, exc_info)

        return inner(environ, recording)

    app.wsgi_app = wsgi_app
    try:
        app.test_client().get(url)
    finally:
        disconnect()
    return events


@pytest.mark.parametrize("url", ["/view", "/view?fail=handled"])
def test_wsgi_middleware_starts_the_response_inside_the_request(url: str) -> None:
    # COMPAT(flask): wsgi_app starts the response with the request's contexts
    # still pushed, before the teardown: middleware wrapping it reads
    # ``request`` in its start_response (OpenTelemetry's Flask
    # instrumentation does).
    events = run_with_wsgi_middleware("erlen", url)
    status = "200" if url == "/view" else "400"
    at = events.index(f"start_response:{status}:/view")
    assert events[at - 1] == "signal:request_finished"
    assert events[at + 1] == "teardown_request:None"
    flask_events = run_with_wsgi_middleware("flask", url)
    assert without_session_save(events) == without_session_save(flask_events)


def test_unmatched_url_runs_app_hooks(protocol: str) -> None:
    status, events = run("erlen", "/missing", protocol)
    flask_status, flask_events = run("flask", "/missing")
    assert status == flask_status == 404
    assert events == without_session_save(flask_events)
    assert events == [
        "signal:appcontext_pushed",
        "signal:request_started",
        "url_value_preprocessor",
        "before_request",
        "after_request",
        "signal:request_finished",
        "teardown_request:None",
        "signal:request_tearing_down",
        "teardown_appcontext:None",
        "signal:appcontext_tearing_down",
        "signal:appcontext_popped",
    ]


def test_before_first_request_runs_before_request_started(make_client: MakeClient) -> None:
    import erlen
    from erlen import signals

    app = erlen.Erlen(__name__)
    events: list[str] = []

    @app.before_first_request
    def first() -> None:
        events.append("before_first_request")

    @app.route("/")
    def index() -> str:
        events.append("view")
        return "ok"

    def started(sender: Any, **kwargs: Any) -> None:
        events.append("request_started")

    signals.request_started.connect(started, app)
    try:
        client = make_client(app)
        client.get("/")
        client.get("/")
    finally:
        signals.request_started.disconnect(started)
    assert events == [
        "before_first_request",
        "request_started",
        "view",
        "request_started",
        "view",
    ]


def test_signals_without_receivers_cost_nothing(
    monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    import erlen
    from erlen import signals

    app = erlen.Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "ok"

    sent: list[str] = []
    for name in SIGNALS:
        signal = getattr(signals, name)
        # Receivers other tests connected may linger until collected.
        monkeypatch.setattr(signal, "receivers", {})
        monkeypatch.setattr(signal, "send", lambda *a, _n=name, **k: sent.append(_n))
    assert make_client(app).get("/").data == b"ok"
    assert sent == []


def test_signal_arguments(make_client: MakeClient) -> None:
    import erlen
    from erlen import signals

    app = erlen.Erlen(__name__)
    got: dict[str, dict[str, Any]] = {}

    @app.route("/")
    def index() -> str:
        return "ok"

    @app.route("/fail")
    def fail() -> str:
        raise ValueError("bad")

    def recorder(name: str) -> Callable[..., None]:
        def receive(sender: Any, **kwargs: Any) -> None:
            assert sender is app
            got[name] = kwargs

        return receive

    pairs = [(getattr(signals, name), recorder(name)) for name in SIGNALS]
    for signal, receiver in pairs:
        signal.connect(receiver, app)
    try:
        response = make_client(app).get("/")
        assert got["request_finished"]["response"].status_code == 200
        assert response.status_code == 200
        assert got["request_tearing_down"] == {"exc": None}
        assert got["appcontext_tearing_down"] == {"exc": None}
        assert got["request_started"] == {}
        make_client(app).get("/fail")
        assert isinstance(got["got_request_exception"]["exception"], ValueError)
        assert isinstance(got["request_tearing_down"]["exc"], ValueError)
    finally:
        for signal, receiver in pairs:
            signal.disconnect(receiver)


def test_async_signal_receiver(make_client: MakeClient) -> None:
    import erlen
    from erlen import signals

    app = erlen.Erlen(__name__)
    seen: list[int] = []

    @app.route("/")
    def index() -> str:
        return "ok"

    async def receive(sender: Any, response: Any, **kwargs: Any) -> None:
        seen.append(response.status_code)

    signals.request_finished.connect(receive, app)
    try:
        make_client(app).get("/")
    finally:
        signals.request_finished.disconnect(receive)
    assert seen == [200]
