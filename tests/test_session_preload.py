"""``SessionInterface.preload_session``: under ASGI a store behind network I/O
is opened in the worker thread pool before the hooks, never on the event loop."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from erlen import Erlen, session
from erlen.http.request import Request
from erlen.http.response import Response
from erlen.sessions import SecureCookieSession, SessionInterface, SessionMixin


class RecordingStore(SessionInterface):
    """A dict-backed server-side store that records which thread opened each session."""

    preload_session = True

    def __init__(self, preload: bool = True) -> None:
        self.preload_session = preload
        self.data: dict[str, dict[str, Any]] = {"known": {"name": "ada"}}
        self.opened_in: list[int] = []

    def open_session(self, app: Erlen, request: Request) -> SessionMixin | None:
        self.opened_in.append(threading.get_ident())
        sid = request.cookies.get("session", "")
        return SecureCookieSession(self.data.get(sid, {}))

    def save_session(self, app: Erlen, session: SessionMixin, response: Response) -> None:
        if session.modified:
            self.data["known"] = dict(session)


def make_app(store: RecordingStore) -> tuple[Erlen, list[Any]]:
    app = Erlen(__name__)
    app.session_interface = store
    seen: list[Any] = []

    @app.before_request
    def before() -> None:
        # Flask opens the session when the request context is pushed, before
        # the hooks: a preloaded session is already there.
        seen.append(("before", len(store.opened_in)))

    @app.get("/name")
    async def name() -> str:
        seen.append(("loop thread", threading.get_ident()))
        return str(session.get("name", "nobody"))

    @app.get("/rename")
    async def rename() -> str:
        session["name"] = "grace"
        return "ok"

    @app.get("/untouched")
    async def untouched() -> str:
        return "untouched"

    return app, seen


def test_asgi_opens_off_the_loop_before_the_hooks() -> None:
    store = RecordingStore()
    app, seen = make_app(store)
    client = app.test_client(asgi=True)
    client.set_cookie("session", "known")
    response = client.get("/name")
    assert response.text == "ada"
    assert seen[0] == ("before", 1)
    loop_thread = seen[1][1]
    assert store.opened_in and store.opened_in[0] != loop_thread
    # Opened once: the view's access reuses the preloaded session.
    assert len(store.opened_in) == 1


def test_asgi_preloaded_session_is_saved() -> None:
    store = RecordingStore()
    app, _ = make_app(store)
    client = app.test_client(asgi=True)
    client.set_cookie("session", "known")
    assert client.get("/rename").text == "ok"
    assert store.data["known"] == {"name": "grace"}


def test_asgi_without_the_cookie_nothing_is_loaded_up_front() -> None:
    store = RecordingStore()
    app, _ = make_app(store)
    client = app.test_client(asgi=True)
    assert client.get("/untouched").text == "untouched"
    assert store.opened_in == []
    assert client.get("/name").text == "nobody"
    assert len(store.opened_in) == 1


@pytest.mark.parametrize("asgi", [False, True], ids=["wsgi", "asgi-no-preload"])
def test_lazy_when_not_preloading(asgi: bool) -> None:
    # WSGI always opens lazily; so does ASGI for interfaces that don't ask.
    store = RecordingStore(preload=asgi is False)
    app, seen = make_app(store)
    client = app.test_client(asgi=asgi)
    client.set_cookie("session", "known")
    assert client.get("/name").text == "ada"
    assert seen[0] == ("before", 0)
    assert len(store.opened_in) == 1
    # An untouched session is opened only after the view, to be saved
    # (SESSION_REFRESH_EACH_REQUEST); with refreshing off, never.
    seen.clear()
    assert client.get("/untouched").text == "untouched"
    assert seen == [("before", 1)]
    assert len(store.opened_in) == 2
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert client.get("/untouched").text == "untouched"
    assert len(store.opened_in) == 2


def test_asgi_a_failing_preload_reaches_the_error_handlers() -> None:
    class DownStore(RecordingStore):
        def open_session(self, app: Erlen, request: Request) -> SessionMixin | None:
            raise ConnectionError("store down")

    app, _ = make_app(DownStore())

    @app.errorhandler(ConnectionError)
    def down(error: ConnectionError) -> tuple[str, int]:
        return f"unavailable: {error}", 503

    client = app.test_client(asgi=True)
    client.set_cookie("session", "known")
    response = client.get("/untouched")
    assert response.status_code == 503
    assert response.text == "unavailable: store down"


@pytest.mark.parametrize("asgi", [False, True], ids=["wsgi", "asgi"])
def test_a_failing_open_for_a_refresh_is_logged_and_the_response_kept(
    asgi: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # The view never used the session: opening it only to refresh the cookie
    # must not turn its answer into an error (nothing stored can be lost).
    class DownStore(RecordingStore):
        def open_session(self, app: Erlen, request: Request) -> SessionMixin | None:
            raise ConnectionError("store down")

    app, _ = make_app(DownStore(preload=False))
    client = app.test_client(asgi=asgi)
    client.set_cookie("session", "known")
    response = client.get("/untouched")
    assert response.status_code == 200
    assert response.text == "untouched"
    assert "Set-Cookie" not in response.headers
    (record,) = [r for r in caplog.records if "refresh" in r.getMessage()]
    assert record.levelname == "ERROR"
    assert record.getMessage() == "Opening the session to refresh its cookie failed"
    assert record.exc_info is not None and isinstance(record.exc_info[1], ConnectionError)
