"""Application and request contexts, the proxies, ``g`` and lazy sessions."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import weakref
from collections.abc import Callable, Iterator

import pytest

from erlen import (
    Erlen,
    Response,
    after_this_request,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
    stream_with_context,
)
from erlen.ctx import AppContext, RequestContext
from erlen.globals import _cv_app, _request_ctx, app_ctx, request_ctx
from erlen.sessions import SecureCookieSession
from erlen.signals import appcontext_pushed
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.secret_key = "test secret"
    app.testing = True
    return app


def test_proxies_outside_context_explain_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="Working outside of request context") as info:
        request.path  # noqa: B018
    assert "test_request_context" in str(info.value)
    with pytest.raises(RuntimeError, match="Working outside of request context"):
        session.get("x")
    with pytest.raises(RuntimeError, match="Working outside of application context") as info:
        current_app.name  # noqa: B018
    assert "app.app_context()" in str(info.value)
    with pytest.raises(RuntimeError, match="Working outside of application context"):
        g.x = 1


def test_has_context_functions(app: Erlen) -> None:
    assert not has_app_context()
    assert not has_request_context()
    with app.app_context():
        assert has_app_context()
        assert not has_request_context()
    with app.test_request_context():
        assert has_app_context()
        assert has_request_context()
    assert not has_app_context()


def test_app_context_binds_current_app_and_g(app: Erlen) -> None:
    with app.app_context() as ctx:
        assert isinstance(ctx, AppContext)
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert current_app.name == app.name
        assert app_ctx._get_current_object() is ctx  # type: ignore[attr-defined]
        g.user = "alice"
        assert g.user == "alice"
        assert ctx.g.user == "alice"
    with app.app_context():
        assert "user" not in g


def test_g_api(app: Erlen) -> None:
    with app.app_context():
        assert g.get("missing") is None
        assert g.get("missing", 5) == 5
        assert g.setdefault("a", 1) == 1
        assert g.setdefault("a", 2) == 1
        g.b = 2
        assert "a" in g
        assert "zzz" not in g
        assert sorted(g) == ["a", "b"]
        assert g.pop("a") == 1
        assert g.pop("a", "gone") == "gone"
        with pytest.raises(KeyError):
            g.pop("a")
        with pytest.raises(AttributeError):
            g.nothing  # noqa: B018
        del g.b
        with pytest.raises(AttributeError):
            del g.b
        assert repr(g) == "<erlen.g of 'test_context'>"


def test_request_context_binds_request(app: Erlen) -> None:
    with app.test_request_context("/path?x=1", method="POST") as ctx:
        assert isinstance(ctx, RequestContext)
        assert request.path == "/path"
        assert request.method == "POST"
        assert request.args["x"] == "1"
        assert request_ctx._get_current_object() is ctx  # type: ignore[attr-defined]
        # One context variable: it holds the request context itself.
        assert _cv_app.get() is ctx
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
    assert _request_ctx() is None
    assert _cv_app.get(None) is None


def test_request_context_reuses_active_app_context(app: Erlen) -> None:
    with app.app_context():
        g.outer = True
        with app.test_request_context():
            assert g.outer is True
        assert g.outer is True


def test_request_context_pushes_own_app_context_for_other_app(app: Erlen) -> None:
    other = Erlen("other")
    with other.app_context():
        with app.test_request_context():
            assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert current_app._get_current_object() is other  # type: ignore[attr-defined]


def test_nested_request_contexts(app: Erlen) -> None:
    with app.test_request_context("/outer"):
        with app.test_request_context("/inner"):
            assert request.path == "/inner"
        assert request.path == "/outer"


def test_test_request_context_matches_the_url(app: Erlen) -> None:
    @app.route("/user/<int:user_id>")
    def user(user_id: int) -> str:
        return str(user_id)

    with app.test_request_context("/user/7"):
        assert request.endpoint == "user"
        assert request.view_args == {"user_id": 7}
        assert request.url_rule is not None
        assert request.url_rule.rule == "/user/<int:user_id>"
        assert request.routing_exception is None
    with app.test_request_context("/nope"):
        assert request.endpoint is None
        assert request.routing_exception is not None
        assert request.routing_exception.code == 404


def test_view_callable_inside_test_request_context(app: Erlen) -> None:
    @app.route("/logout")
    def logout() -> str:
        session.pop("user_id", None)
        session.clear()
        return "Logged out!"

    with app.test_request_context("/logout"):
        assert logout() == "Logged out!"


def test_pop_wrong_context_raises(app: Erlen) -> None:
    def scenario() -> None:
        first = app.test_request_context("/a")
        second = app.test_request_context("/b")
        first.push()
        second.push()
        with pytest.raises(AssertionError, match="Popped the wrong request context"):
            first.pop()

    # A private copy of the context variables keeps the mess out of this thread.
    contextvars.copy_context().run(scenario)
    assert not has_request_context()


def test_teardown_runs_on_pop_with_exception(app: Erlen) -> None:
    seen: list[object] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append(exc)

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        seen.append(("app", exc))

    error = ValueError("boom")
    with pytest.raises(ValueError), app.test_request_context():
        raise error
    assert seen == [error, ("app", error)]
    seen.clear()
    with app.test_request_context():
        pass
    assert seen == [None, ("app", None)]


def test_session_is_opened_lazily(app: Erlen, make_client: MakeClient) -> None:
    opened: list[str] = []
    interface = app.session_interface
    original = interface.open_session

    def counting_open(app_: Erlen, request_: object) -> object:
        opened.append("open")
        return original(app_, request_)  # type: ignore[arg-type]

    interface.open_session = counting_open  # type: ignore[method-assign,assignment]
    try:

        @app.route("/untouched")
        def untouched() -> str:
            return "no session"

        @app.route("/touched")
        def touched() -> str:
            session["a"] = 1
            return "session"

        client = make_client(app)
        rv = client.get("/untouched")
        assert opened == []
        assert "Set-Cookie" not in rv.headers
        assert "Vary" not in rv.headers
        rv = client.get("/touched")
        assert opened == ["open"]
        assert "Set-Cookie" in rv.headers
        assert "Cookie" in rv.headers["Vary"]
    finally:
        del interface.open_session  # type: ignore[method-assign]


def test_session_read_adds_vary_but_no_cookie(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/read")
    def read() -> str:
        return str(session.get("x"))

    rv = make_client(app).get("/read")
    assert rv.data == b"None"
    assert "Set-Cookie" not in rv.headers
    assert "Cookie" in rv.headers.get("Vary", "")


def test_after_this_request(app: Erlen, make_client: MakeClient) -> None:
    order: list[str] = []

    @app.after_request
    def app_after(response: Response) -> Response:
        order.append("app")
        return response

    @app.route("/")
    def index() -> str:
        @after_this_request
        def first(response: Response) -> Response:
            order.append("first")
            response.headers["X-Foo"] = "Parachute"
            return response

        @after_this_request
        def second(response: Response) -> Response:
            order.append("second")
            return response

        return "Hello"

    rv = make_client(app).get("/")
    assert rv.headers["X-Foo"] == "Parachute"
    assert order == ["first", "second", "app"]


def test_after_this_request_outside_request() -> None:
    with pytest.raises(RuntimeError, match="after_this_request"):
        after_this_request(lambda r: r)


def test_copy_current_request_context_in_thread(app: Erlen, make_client: MakeClient) -> None:
    results: list[object] = []

    @app.route("/")
    def index() -> str:
        g.marker = "copied"

        @copy_current_request_context
        def work() -> None:
            results.append((request.path, request.args["q"], has_app_context()))

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return "ok"

    assert make_client(app).get("/?q=1").data == b"ok"
    assert results == [("/", "1", True)]


def test_copy_current_request_context_async(app: Erlen, make_client: MakeClient) -> None:
    results: list[str] = []

    @app.route("/")
    def index() -> str:
        @copy_current_request_context
        async def work() -> str:
            return request.path

        results.append(work())
        return "ok"

    make_client(app).get("/x-not-here")
    make_client(app).get("/")
    assert results == ["/"]


def test_copy_current_request_context_outside_request() -> None:
    with pytest.raises(RuntimeError, match="copy_current_request_context"):
        copy_current_request_context(lambda: None)


def test_stream_with_context(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/stream")
    def stream() -> Response:
        @stream_with_context
        def generate() -> Iterator[str]:
            yield "Hello "
            yield request.args["name"]
            yield "!"

        return Response(generate())

    @app.route("/wrapped")
    def wrapped() -> Response:
        def generate() -> Iterator[str]:
            yield request.path

        return Response(stream_with_context(generate()))

    client = make_client(app)
    assert client.get("/stream?name=erlen").data == b"Hello erlen!"
    assert client.get("/wrapped").data == b"/wrapped"


def test_stream_without_context_fails_after_the_request(
    app: Erlen, make_client: MakeClient
) -> None:
    @app.route("/")
    def index() -> Response:
        def generate() -> Iterator[str]:
            yield request.path

        return Response(generate())

    with pytest.raises(RuntimeError, match="Working outside of request context"):
        make_client(app).get("/", buffered=True).get_data()


def test_stream_with_context_needs_a_request() -> None:
    with pytest.raises(RuntimeError, match="stream_with_context"):
        stream_with_context(iter(["a"]))


def test_contexts_are_isolated_between_threads(app: Erlen) -> None:
    seen: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def worker(path: str) -> None:
        with app.test_request_context(path):
            barrier.wait()
            g.path = request.path
            barrier.wait()
            seen[path] = f"{request.path}|{g.path}"

    threads = [threading.Thread(target=worker, args=(p,)) for p in ("/one", "/two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"/one": "/one|/one", "/two": "/two|/two"}


def test_contexts_are_isolated_between_tasks(app: Erlen) -> None:
    async def handle(path: str, other_done: asyncio.Event, done: asyncio.Event) -> str:
        with app.test_request_context(path):
            g.path = path
            done.set()
            await other_done.wait()
            return f"{request.path}|{g.path}"

    async def main() -> list[str]:
        a, b = asyncio.Event(), asyncio.Event()
        return list(await asyncio.gather(handle("/a", b, a), handle("/b", a, b)))

    assert asyncio.run(main()) == ["/a|/a", "/b|/b"]


def test_with_client_preserves_the_request_context(app: Erlen, make_client: MakeClient) -> None:
    torn_down: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    @app.route("/keep")
    def keep() -> str:
        g.kept = "yes"
        return "ok"

    client = make_client(app)
    with client:
        client.get("/keep?a=b")
        assert request.path == "/keep"
        assert request.args["a"] == "b"
        assert g.kept == "yes"
        assert torn_down == []
    assert torn_down == ["/keep"]
    assert not has_request_context()
    assert not has_app_context()


def test_request_context_pushed_twice_tears_down_on_the_last_pop(app: Erlen) -> None:
    events: list[str] = []
    app.teardown_request(lambda exc: events.append("request"))
    app.teardown_appcontext(lambda exc: events.append("app"))
    ctx = app.test_request_context("/twice")
    ctx.push()
    ctx.push()
    assert request_ctx._get_current_object() is ctx  # type: ignore[attr-defined]
    ctx.pop()
    # The inner pop neither tears down nor unbinds the outer push.
    assert events == []
    assert request.path == "/twice"
    assert has_app_context()
    ctx.pop()
    assert events == ["request", "app"]
    assert not has_request_context()
    assert not has_app_context()
    # A further pop of a popped context does nothing.
    ctx.pop()
    assert events == ["request", "app"]


def test_app_context_pushed_twice(app: Erlen) -> None:
    events: list[str] = []
    app.teardown_appcontext(lambda exc: events.append("app"))
    ctx = app.app_context()
    with ctx:
        with ctx:
            assert app_ctx._get_current_object() is ctx  # type: ignore[attr-defined]
        assert events == []
        assert current_app.name == app.name
    assert events == ["app"]
    assert not has_app_context()
    ctx.pop()
    assert events == ["app"]


def test_request_context_reused_after_pop(app: Erlen) -> None:
    ctx = app.test_request_context("/again")
    with ctx:
        first_app_ctx = app_ctx._get_current_object()  # type: ignore[attr-defined]
        g.first = True
    with ctx:
        assert request.path == "/again"
        # A fresh app context (and g) for the second push.
        assert app_ctx._get_current_object() is not first_app_ctx  # type: ignore[attr-defined]
        assert "first" not in g
    assert not has_request_context()
    assert not has_app_context()


def test_leaving_an_unpushed_context_is_an_error(app: Erlen) -> None:
    with pytest.raises(RuntimeError, match="not pushed"):
        app.test_request_context("/")._leave()
    with pytest.raises(RuntimeError, match="not pushed"):
        AppContext(app)._leave()


def test_after_this_request_list_only_when_used(app: Erlen, make_client: MakeClient) -> None:
    contexts: list[RequestContext] = []

    @app.route("/plain")
    def plain() -> str:
        contexts.append(request_ctx._get_current_object())  # type: ignore[attr-defined]
        return "plain"

    @app.route("/hooked")
    def hooked() -> str:
        contexts.append(request_ctx._get_current_object())  # type: ignore[attr-defined]
        after_this_request(lambda r: r)
        after_this_request(lambda r: r)
        return "hooked"

    client = make_client(app)
    assert client.get("/plain").data == b"plain"
    assert client.get("/hooked").data == b"hooked"
    assert contexts[0]._after_request_functions is None
    functions = contexts[1]._after_request_functions
    assert functions is not None and len(functions) == 2


@pytest.mark.parametrize("protocol", ["wsgi", "asgi"])
def test_code_may_set_its_own_attributes_on_request_response_and_contexts(
    protocol: str,
) -> None:
    # As in Flask (Werkzeug's objects have a __dict__): an auth hook's
    # ``request.user = ...`` is read by the view, an after_request hook sees
    # an attribute the view put on its response, and extensions may keep
    # state on the contexts.
    from erlen import Erlen, Response, request
    from erlen.globals import app_ctx, request_ctx

    app = Erlen(__name__)
    seen: list[str] = []

    @app.before_request
    def authenticate() -> None:
        request.user = "ada"  # type: ignore[attr-defined]
        ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
        ctx.extension_state = "req"
        app_ctx._get_current_object().extension_state = "app"  # type: ignore[attr-defined]

    @app.get("/")
    def index() -> Response:
        response = Response(f"hello {request.user}")  # type: ignore[attr-defined]
        response.audit = "viewed"  # type: ignore[attr-defined]
        return response

    @app.after_request
    def audit(response: Response) -> Response:
        seen.append(response.audit)  # type: ignore[attr-defined]
        seen.append(request_ctx.extension_state)  # type: ignore[attr-defined]
        seen.append(app_ctx.extension_state)  # type: ignore[attr-defined]
        return response

    if protocol == "wsgi":
        result = app.test_client().get("/")
        status, body = result.status_code, result.data
    else:
        from asgi_harness import call, run

        response = run(call(app, "GET", "/"))
        status, body = response.status, response.body
    assert (status, body) == (200, b"hello ada")
    assert seen == ["viewed", "req", "app"]


# -- one context variable: the request context stands in for its app context --------


def test_an_app_context_pushed_during_a_request_keeps_the_request(app: Erlen) -> None:
    with app.test_request_context("/outer"):
        g.level = "request"
        outer_ctx = _cv_app.get()
        with app.app_context() as inner:
            # Flask 3.1: the request stays current, g is the new context's.
            assert request.path == "/outer"
            assert has_request_context()
            assert inner.has_request
            assert inner.request is outer_ctx.request  # type: ignore[union-attr]
            assert "level" not in g
            assert app_ctx._get_current_object() is inner  # type: ignore[attr-defined]
        assert g.level == "request"
        assert _cv_app.get() is outer_ctx
    with app.app_context() as alone:
        assert not alone.has_request
        with pytest.raises(RuntimeError, match="outside of request context"):
            alone.request  # noqa: B018
        with pytest.raises(RuntimeError, match="outside of request context"):
            alone.session  # noqa: B018
        with pytest.raises(RuntimeError, match="outside of request context"):
            request.path  # noqa: B018
        assert repr(request) == "<LocalProxy unbound>"
        assert not has_request_context()


def test_the_app_context_of_a_request_answers_for_it(app: Erlen, make_client: MakeClient) -> None:
    # COMPAT(flask): as in Flask 3.2, ``app_ctx`` inside a request has the
    # request and its session (Flask-SocketIO asks ``hasattr(app_ctx,
    # "session")`` and then assigns one).
    seen: list[object] = []

    @appcontext_pushed.connect_via(app)
    def pushed(sender: Erlen, **extra: object) -> None:
        # Sent before the request is pushed: its app context has none yet.
        seen.append(("pushed", app_ctx.has_request))  # type: ignore[attr-defined]

    @app.get("/")
    def index() -> str:
        ctx = app_ctx._get_current_object()  # type: ignore[attr-defined]
        assert ctx.has_request
        assert ctx.request is request._get_current_object()  # type: ignore[attr-defined]
        assert ctx.session is session._get_current_object()  # type: ignore[attr-defined]
        replacement = SecureCookieSession()
        replacement["user"] = "ada"
        ctx.session = replacement
        seen.append(("view", session.get("user"), request_ctx.session is replacement))
        return "ok"

    try:
        response = make_client(app).get("/")
    finally:
        appcontext_pushed.disconnect(pushed)
    assert response.text == "ok"
    assert seen == [("pushed", False), ("view", "ada", True)]
    # The replaced session is the one saved.
    assert "session=" in response.headers["Set-Cookie"]

    with app.test_request_context("/"):
        outer = app_ctx._get_current_object()  # type: ignore[attr-defined]
        assert outer.has_request
        assert outer.request.path == "/"
    assert not outer.has_request
    with app.app_context() as alone:
        with pytest.raises(RuntimeError, match="outside of request context"):
            alone.session = SecureCookieSession()


def test_teardown_appcontext_sees_the_requests_g_but_no_request(
    app: Erlen, make_client: MakeClient
) -> None:
    seen: list[object] = []

    @app.get("/")
    def index() -> str:
        g.user = "ada"
        seen.append(("view", app_ctx._get_current_object()))  # type: ignore[attr-defined]
        return "ok"

    @app.teardown_request
    def teardown_request(exc: BaseException | None) -> None:
        seen.append(("request", request.path, g.user))

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        seen.append(("app", has_request_context(), g.user))
        seen.append(("app ctx", app_ctx._get_current_object()))  # type: ignore[attr-defined]

    assert make_client(app).get("/").text == "ok"
    assert seen[1:4] == [("request", "/", "ada"), ("app", False, "ada"), seen[3]]
    # The same app context object during the view and its teardown (an
    # extension scoping a database session to it finds the same one).
    assert seen[0][1] is seen[3][1]  # type: ignore[index]
    assert not has_app_context()


def test_a_request_builds_no_app_context_unless_asked(app: Erlen, make_client: MakeClient) -> None:
    import gc

    from erlen.signals import appcontext_pushed

    # An appcontext_pushed receiver needs the app context; other tests'
    # receivers go away with their (collected) apps.
    gc.collect()
    assert not appcontext_pushed.receivers
    contexts: list[RequestContext] = []

    @app.get("/plain")
    def plain() -> str:
        contexts.append(request_ctx._get_current_object())  # type: ignore[attr-defined]
        return current_app.name

    @app.get("/uses-g")
    def uses_g() -> str:
        contexts.append(request_ctx._get_current_object())  # type: ignore[attr-defined]
        g.x = 1
        return "g"

    client = make_client(app)
    assert client.get("/plain").text == app.name
    assert client.get("/uses-g").text == "g"
    assert contexts[0]._app_ctx is None
    assert isinstance(contexts[1]._app_ctx, AppContext)


def test_app_context_signals_around_a_request(app: Erlen, make_client: MakeClient) -> None:
    from erlen.signals import appcontext_popped, appcontext_pushed

    events: list[str] = []

    def pushed(sender: Erlen, **extra: object) -> None:
        # As in Flask: the app context is current, the request not yet; g is
        # the one the request will see (Flask's way to fake a logged-in user).
        events.append(f"pushed {sender.name} request={has_request_context()}")
        g.user = "ada"

    def popped(sender: Erlen, **extra: object) -> None:
        events.append(f"popped {sender.name} request={has_request_context()}")

    @app.get("/")
    def index() -> str:
        events.append("view")
        return g.user  # type: ignore[no-any-return]

    with appcontext_pushed.connected_to(pushed, app), appcontext_popped.connected_to(popped, app):
        assert make_client(app).get("/").text == "ada"
        # Inside an app context of the same app, the request pushes none.
        with app.app_context():
            events.append("outer")
            with app.test_request_context("/"):
                events.append("inner")
    assert events == [
        f"pushed {app.name} request=False",
        "view",
        f"popped {app.name} request=False",
        f"pushed {app.name} request=False",
        "outer",
        "inner",
        f"popped {app.name} request=False",
    ]


def test_a_copied_request_context_in_a_task_shares_g(app: Erlen) -> None:
    # A task copies the context variables: the copied request context finds
    # the same app's context active and runs in it, as in Flask.
    async def scenario() -> tuple[object, object]:
        with app.test_request_context("/"):
            g.token = "shared"
            copied = request_ctx.copy()  # type: ignore[attr-defined]

            async def task() -> tuple[object, object]:
                with copied:
                    return request.path, g.token

            return await asyncio.create_task(task())

    assert asyncio.run(scenario()) == ("/", "shared")


def test_contexts_can_be_referenced_weakly(app: Erlen) -> None:
    # COMPAT(flask): as Flask's; OpenTelemetry's Flask instrumentation keeps
    # a weak reference to the request's context.
    with app.test_request_context("/") as ctx:
        ref = weakref.ref(request_ctx._get_current_object())  # type: ignore[attr-defined]
        assert ref() is ctx
    del ctx
    assert ref() is None
    context = app.app_context()
    assert weakref.ref(context)() is context
