"""Request hooks (§2.8): before_first_request, before/after/teardown, URL
processors, context processors, and the end of setup."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from erlen import Blueprint, Erlen, Response, g, render_template_string, request, url_for
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    return app


def test_before_first_request_runs_once(app: Erlen, make_client: MakeClient) -> None:
    calls: list[str] = []

    @app.before_first_request
    def init() -> None:
        calls.append("init")

    @app.route("/")
    def index() -> str:
        return "ok"

    client = make_client(app)
    for _ in range(3):
        assert client.get("/").data == b"ok"
    assert calls == ["init"]
    assert app.got_first_request


def test_before_first_request_runs_once_under_concurrency(
    app: Erlen, make_client: MakeClient
) -> None:
    calls: list[int] = []
    started = threading.Event()

    @app.before_first_request
    def slow_init() -> None:
        started.set()
        calls.append(threading.get_ident())
        # Keep the lock held while the other threads arrive.
        time.sleep(0.05)

    @app.route("/")
    def index() -> str:
        return "ok"

    results: list[bytes] = []

    def worker() -> None:
        results.append(make_client(app).get("/").data)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert started.is_set()
    assert len(calls) == 1
    assert results == [b"ok"] * 8


def test_before_first_request_retried_after_failure(app: Erlen, make_client: MakeClient) -> None:
    attempts: list[int] = []

    @app.before_first_request
    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("database not ready")

    @app.route("/")
    def index() -> str:
        return "ok"

    client = make_client(app)
    with pytest.raises(RuntimeError, match="database not ready"):
        client.get("/")
    assert client.get("/").data == b"ok"
    assert client.get("/").data == b"ok"
    assert len(attempts) == 2


def test_async_before_first_request(app: Erlen, make_client: MakeClient) -> None:
    calls: list[str] = []

    @app.before_first_request
    async def init() -> None:
        calls.append("async init")

    @app.route("/")
    def index() -> str:
        return "ok"

    make_client(app).get("/")
    assert calls == ["async init"]


def test_before_request_short_circuits_the_view(app: Erlen, make_client: MakeClient) -> None:
    calls: list[str] = []

    @app.before_request
    def check_login() -> Any:
        calls.append("first")
        if "user_id" not in request.args and request.endpoint != "login":
            return "Please log in", 401
        return None

    @app.before_request
    def second() -> None:
        calls.append("second")

    @app.route("/secret")
    def secret() -> str:
        calls.append("view")
        return "secret"

    @app.route("/login")
    def login() -> str:
        return "login page"

    client = make_client(app)
    rv = client.get("/secret")
    assert rv.status_code == 401
    assert rv.data == b"Please log in"
    assert calls == ["first"]
    calls.clear()
    assert client.get("/secret?user_id=1").data == b"secret"
    assert calls == ["first", "second", "view"]
    assert client.get("/login").data == b"login page"


def test_after_request_reverse_order_and_replacement(app: Erlen, make_client: MakeClient) -> None:
    order: list[str] = []

    @app.after_request
    def registered_first(response: Response) -> Response:
        order.append("registered_first")
        response.headers["X-Seen"] = response.headers.get("X-Seen", "") + "1"
        return response

    @app.after_request
    def registered_second(response: Response) -> Response:
        order.append("registered_second")
        return Response("replaced", status=299, headers={"X-Seen": "2"})

    @app.route("/")
    def index() -> str:
        return "original"

    rv = make_client(app).get("/")
    assert order == ["registered_second", "registered_first"]
    assert rv.status_code == 299
    assert rv.data == b"replaced"
    assert rv.headers["X-Seen"] == "21"


def test_after_request_skipped_on_unhandled_exception(app: Erlen, make_client: MakeClient) -> None:
    app.testing = False
    calls: list[str] = []

    @app.after_request
    def after(response: Response) -> Response:
        calls.append("after")
        response.headers["X-After"] = "yes"
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        calls.append(f"teardown:{type(exc).__name__}")

    @app.route("/")
    def index() -> str:
        raise RuntimeError("oops")

    rv = make_client(app).get("/")
    assert rv.status_code == 500
    assert "X-After" not in rv.headers
    assert calls == ["teardown:RuntimeError"]


def test_after_request_runs_for_http_errors(app: Erlen, make_client: MakeClient) -> None:
    calls: list[int] = []

    @app.after_request
    def after(response: Response) -> Response:
        calls.append(response.status_code)
        return response

    assert make_client(app).get("/missing").status_code == 404
    assert calls == [404]


def test_teardown_errors_are_logged_and_others_run(
    app: Erlen, caplog: pytest.LogCaptureFixture, make_client: MakeClient
) -> None:
    calls: list[str] = []

    @app.teardown_request
    def registered_first(exc: BaseException | None) -> None:
        calls.append("request first")

    @app.teardown_request
    def broken(exc: BaseException | None) -> None:
        calls.append("request broken")
        raise ValueError("teardown failed")

    @app.teardown_appcontext
    def app_first(exc: BaseException | None) -> None:
        calls.append("app first")

    @app.teardown_appcontext
    def app_broken(exc: BaseException | None) -> None:
        calls.append("app broken")
        raise KeyError("app teardown failed")

    @app.route("/")
    def index() -> str:
        return "fine"

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        rv = make_client(app).get("/")
    assert rv.data == b"fine"
    assert calls == ["request broken", "request first", "app broken", "app first"]
    messages = [r.getMessage() for r in caplog.records]
    assert any("teardown_request" in m for m in messages)
    assert any("teardown_appcontext" in m for m in messages)
    assert any(r.exc_info and r.exc_info[0] is ValueError for r in caplog.records)


def test_teardown_appcontext_for_app_context_alone(app: Erlen) -> None:
    seen: list[object] = []

    @app.teardown_appcontext
    def close_db(exc: BaseException | None) -> None:
        seen.append(exc)

    with app.app_context():
        pass
    assert seen == [None]


def test_async_hooks(app: Erlen, make_client: MakeClient) -> None:
    order: list[str] = []

    @app.before_request
    async def before() -> None:
        order.append("before")

    @app.after_request
    async def after(response: Response) -> Response:
        order.append("after")
        response.headers["X-Async"] = "1"
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        order.append("teardown")

    @app.route("/")
    async def index() -> str:
        order.append("view")
        return "async"

    rv = make_client(app).get("/")
    assert rv.data == b"async"
    assert rv.headers["X-Async"] == "1"
    assert order == ["before", "view", "after", "teardown"]


def test_url_value_preprocessor_and_url_defaults(app: Erlen, make_client: MakeClient) -> None:
    @app.url_defaults
    def add_language(endpoint: str, values: dict[str, Any]) -> None:
        if "lang_code" in values or not app.url_map.is_endpoint_expecting(endpoint, "lang_code"):
            return
        values["lang_code"] = g.lang_code

    @app.url_value_preprocessor
    def pull_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
        assert values is not None
        g.lang_code = values.pop("lang_code")

    @app.route("/<lang_code>/")
    def index() -> str:
        return url_for("about")

    @app.route("/<lang_code>/about")
    def about() -> str:
        return f"about in {g.lang_code}"

    client = make_client(app)
    assert client.get("/de/").data == b"/de/about"
    assert client.get("/fr/about").data == b"about in fr"


def test_context_processor(app: Erlen, make_client: MakeClient) -> None:
    @app.context_processor
    def inject_user() -> dict[str, str]:
        return {"user": "alice", "title": "from processor"}

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ user }}|{{ title }}", title="explicit")

    assert make_client(app).get("/").data == b"alice|explicit"


def test_template_filter_global_test(app: Erlen) -> None:
    @app.template_filter("shout")
    def shout(value: str) -> str:
        return value.upper() + "!"

    @app.template_global()
    def answer() -> int:
        return 42

    @app.template_test("even")
    def is_even(n: int) -> bool:
        return n % 2 == 0

    with app.test_request_context():
        out = render_template_string("{{ 'hi'|shout }} {{ answer() }} {{ 4 is even }}")
    assert out == "HI! 42 True"


def test_setup_after_first_request_is_refused(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    make_client(app).get("/")
    with pytest.raises(AssertionError, match="The setup method 'route' can no longer be called"):

        @app.route("/late")
        def late() -> str:
            return "late"

    with pytest.raises(AssertionError, match="'before_request' can no longer be called"):
        app.before_request(lambda: None)
    with pytest.raises(AssertionError, match="'errorhandler' can no longer"):
        app.errorhandler(404)
    with pytest.raises(AssertionError, match="already handled its first request"):
        app.add_url_rule("/x", "x", lambda: "x")


def test_registration_before_first_request_is_seen(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    with app.test_request_context("/"):
        assert app.preprocess_request() is None

    @app.before_request
    def late_but_before_first_request() -> str:
        return "hooked"

    assert make_client(app).get("/").data == b"hooked"


def test_hook_added_to_the_registry_after_first_request_runs(
    app: Erlen, make_client: MakeClient
) -> None:
    # COMPAT(flask): Flask reads the registries on every request; Flask-Caching
    # appends an after_request function to after_request_funcs[None] from a view.
    def tag(response: Response) -> Response:
        response.headers["X-Tag"] = "1"
        return response

    @app.route("/")
    def index() -> str:
        if request.args.get("add"):
            app.after_request_funcs[None].append(tag)
        return "ok"

    client = make_client(app)
    assert "X-Tag" not in client.get("/").headers
    # Already for the request whose view added it, as in Flask.
    assert client.get("/?add=1").headers["X-Tag"] == "1"
    assert client.get("/").headers["X-Tag"] == "1"

    app.after_request_funcs[None].remove(tag)
    assert "X-Tag" not in client.get("/").headers
    app.before_request_funcs.setdefault(None, []).append(lambda: "early")
    assert client.get("/").data == b"early"
    del app.before_request_funcs[None]
    app.teardown_request_funcs["nowhere"] = [lambda exc: None]
    assert client.get("/").data == b"ok"


def test_hooks_a_view_registers_run_for_its_own_request(
    app: Erlen, make_client: MakeClient
) -> None:
    # The view's endpoint has no after_request or teardown function of its own
    # (the no-hook fast path), and the blueprint's scope is one it belongs to.
    calls: list[str] = []

    def after_app(response: Response) -> Response:
        calls.append("after app")
        response.headers["X-App"] = "1"
        return response

    def after_bp(response: Response) -> Response:
        calls.append("after bp")
        return response

    def teardown(exc: BaseException | None) -> None:
        calls.append(f"teardown {exc!r}")

    def teardown_from_after(response: Response) -> Response:
        calls.append("after adds teardown")
        app.teardown_request_funcs[None].append(teardown)
        return response

    bp = Blueprint("bp", __name__)

    @bp.route("/")
    def index() -> str:
        calls.append("view")
        app.after_request_funcs[None].append(after_app)
        app.after_request_funcs["bp"].append(after_bp)
        return "ok"

    @app.route("/other")
    def other() -> str:
        calls.append("other")
        app.after_request_funcs[None].append(teardown_from_after)
        return "other"

    app.register_blueprint(bp, url_prefix="/bp")
    client = make_client(app)
    response = client.get("/bp/")
    assert response.headers["X-App"] == "1"
    # Blueprint first, the app last, as Flask orders them.
    assert calls == ["view", "after bp", "after app"]

    calls.clear()
    assert client.get("/other").text == "other"
    assert calls == ["other", "after adds teardown", "after app", "teardown None"]


def test_hook_an_async_view_registers_runs_for_its_own_request(
    app: Erlen, make_client: MakeClient
) -> None:
    def tag(response: Response) -> Response:
        response.headers["X-Tag"] = "1"
        return response

    @app.route("/")
    async def index() -> str:
        app.after_request_funcs[None].append(tag)
        return "ok"

    assert make_client(app).get("/").headers["X-Tag"] == "1"


def test_hook_registries_read_as_flask_defaultdicts(app: Erlen) -> None:
    # A missing scope reads as an empty list, and the registry stays a dict.
    assert app.after_request_funcs["bp"] == []
    assert isinstance(app.after_request_funcs, dict)
    app.after_request_funcs.update({None: [len]})
    app.after_request_funcs |= {"bp": (len,)}
    assert app.after_request_funcs == {None: [len], "bp": [len]}


def test_a_view_replaced_after_the_first_request_is_the_one_called(
    app: Erlen, make_client: MakeClient
) -> None:
    # COMPAT(flask): Flask looks the view up in view_functions per request.
    @app.route("/")
    def index() -> str:
        return "first"

    client = make_client(app)
    assert client.get("/").text == "first"
    app.view_functions["index"] = lambda: "second"
    assert client.get("/").text == "second"
    app.view_functions.update(index=lambda: "third")
    assert client.get("/").text == "third"
    assert isinstance(app.view_functions, dict)
