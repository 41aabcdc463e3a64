"""erlen.signals: the built-in signals, signal(name), and what the app sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import blinker
import pytest

from erlen import Erlen, signals
from erlen.signals import (
    Namespace,
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    message_flashed,
    request_finished,
    request_started,
    request_tearing_down,
    template_rendered,
    websocket_finished,
    websocket_started,
)

BUILTIN = {
    "template_rendered": "template-rendered",
    "before_render_template": "before-render-template",
    "request_started": "request-started",
    "request_finished": "request-finished",
    "request_tearing_down": "request-tearing-down",
    "got_request_exception": "got-request-exception",
    "appcontext_tearing_down": "appcontext-tearing-down",
    "appcontext_pushed": "appcontext-pushed",
    "appcontext_popped": "appcontext-popped",
    "message_flashed": "message-flashed",
}


@pytest.mark.parametrize(("attr", "name"), sorted(BUILTIN.items()))
def test_builtin_signals_have_flasks_names(attr: str, name: str) -> None:
    sig = getattr(signals, attr)
    assert isinstance(sig, blinker.NamedSignal)
    assert sig.name == name


def test_builtin_signals_match_flask() -> None:
    flask_signals = pytest.importorskip("flask.signals")
    for attr in BUILTIN:
        assert getattr(signals, attr).name == getattr(flask_signals, attr).name


def test_erlen_websocket_signals() -> None:
    assert websocket_started.name == "websocket-started"
    assert websocket_finished.name == "websocket-finished"


def test_builtins_are_exported_from_erlen() -> None:
    import erlen

    for attr in BUILTIN:
        assert getattr(erlen, attr) is getattr(signals, attr)


def test_namespace_is_blinkers() -> None:
    assert Namespace is blinker.Namespace
    ns = Namespace()
    assert ns.signal("x") is ns.signal("x")


def test_signal_returns_the_same_object_for_the_same_name() -> None:
    first = signals.signal("erlen-test-user-registered")
    assert signals.signal("erlen-test-user-registered") is first
    assert signals.signal("erlen-test-other") is not first
    assert first.name == "erlen-test-user-registered"


def test_signal_is_blinkers_default_namespace() -> None:
    assert signals.signal("erlen-test-shared") is blinker.signal("erlen-test-shared")


def test_signal_doc() -> None:
    sig = signals.signal("erlen-test-documented", doc="Sent when documented.")
    assert sig.__doc__ == "Sent when documented."


def test_user_signal_never_aliases_a_builtin() -> None:
    assert signals.signal("request-started") is not request_started


class _Sender:
    """Any object can be a sender; the notes use the app."""


def test_notes_custom_signal_example() -> None:
    # From the notes: define, connect to one app, send with keyword arguments.
    user_registered = signals.signal("erlen-test-notes-user-registered")
    app, other_app = _Sender(), _Sender()
    received: list[tuple[Any, str]] = []

    def send_welcome_email(sender: Any, user: Any, **extra: Any) -> str:
        received.append((sender, user["email"]))
        return "sent"

    user_registered.connect(send_welcome_email, app)
    try:
        result = user_registered.send(app, user={"email": "a@example.com"})
        assert result == [(send_welcome_email, "sent")]
        assert user_registered.send(other_app, user={"email": "b@example.com"}) == []
        assert received == [(app, "a@example.com")]
    finally:
        user_registered.disconnect(send_welcome_email)
    assert not user_registered.receivers


def test_receivers_is_falsy_until_something_connects() -> None:
    sig = signals.signal("erlen-test-guard")
    assert not sig.receivers

    def receiver(sender: Any, **extra: Any) -> None:
        pass

    with sig.connected_to(receiver):
        assert sig.receivers
    assert not sig.receivers


# --- what the app sends (sender and keyword arguments, as documented) -----------------------


@contextmanager
def recording(*sigs: blinker.NamedSignal, sender: Any) -> Iterator[list[tuple[str, Any, dict]]]:
    events: list[tuple[str, Any, dict[str, Any]]] = []
    receivers = []
    with ExitStack() as stack:
        for sig in sigs:

            def receiver(s: Any, _name: str = sig.name, **kwargs: Any) -> None:
                events.append((_name, s, kwargs))

            receivers.append(receiver)
            stack.enter_context(sig.connected_to(receiver, sender))
        yield events


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config["SECRET_KEY"] = "test secret"

    @app.route("/")
    def index() -> str:
        return "ok"

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    return app


def test_request_signals_sender_and_kwargs(app: Erlen) -> None:
    with recording(
        appcontext_pushed,
        request_started,
        request_finished,
        request_tearing_down,
        appcontext_tearing_down,
        appcontext_popped,
        sender=app,
    ) as events:
        rv = app.test_client().get("/")
    assert rv.data == b"ok"
    assert [name for name, _, _ in events] == [
        "appcontext-pushed",
        "request-started",
        "request-finished",
        "request-tearing-down",
        "appcontext-tearing-down",
        "appcontext-popped",
    ]
    assert all(sender is app for _, sender, _ in events)
    kwargs = {name: kw for name, _, kw in events}
    assert kwargs["appcontext-pushed"] == {}
    assert kwargs["request-started"] == {}
    assert set(kwargs["request-finished"]) == {"response"}
    assert kwargs["request-finished"]["response"].status_code == 200
    assert kwargs["request-tearing-down"] == {"exc": None}
    assert kwargs["appcontext-tearing-down"] == {"exc": None}
    assert kwargs["appcontext-popped"] == {}


def test_got_request_exception_sender_and_kwargs(app: Erlen) -> None:
    with recording(got_request_exception, request_tearing_down, sender=app) as events:
        rv = app.test_client().get("/boom")
    assert rv.status_code == 500
    assert [name for name, _, _ in events] == ["got-request-exception", "request-tearing-down"]
    (_, sender, kwargs), (_, _, teardown) = events
    assert sender is app
    assert set(kwargs) == {"exception"}
    assert isinstance(kwargs["exception"], ZeroDivisionError)
    assert isinstance(teardown["exc"], ZeroDivisionError)


def test_receiver_for_another_app_is_not_called(app: Erlen) -> None:
    other = Erlen("other")
    with recording(request_started, sender=other) as events:
        app.test_client().get("/")
    assert events == []


def test_message_flashed_sender_and_kwargs(app: Erlen) -> None:
    from erlen import flash

    @app.route("/flash")
    def flashing() -> str:
        flash("saved", "info")
        return "flashed"

    with recording(message_flashed, sender=app) as events:
        app.test_client().get("/flash")
    assert events == [("message-flashed", app, {"message": "saved", "category": "info"})]


def test_template_signals_sender_and_kwargs(app: Erlen) -> None:
    from erlen import render_template_string

    with recording(before_render_template, template_rendered, sender=app) as events:
        with app.test_request_context():
            assert render_template_string("hi {{ name }}", name="ann") == "hi ann"
    assert [name for name, _, _ in events] == ["before-render-template", "template-rendered"]
    for _, sender, kwargs in events:
        assert sender is app
        assert set(kwargs) == {"template", "context"}
        assert kwargs["context"]["name"] == "ann"
