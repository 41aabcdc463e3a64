"""``async def`` views and hooks awaited on the event loop under ASGI, sync
ones in the thread pool with their contexts, isolation between concurrent
requests, and async code under WSGI."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from typing import Any

import pytest

from asgi_harness import Result, call, run
from erlen import Blueprint, Erlen, current_app, g, render_template_string, request, session
from erlen.views import MethodView


@pytest.fixture
def app() -> Erlen:
    app = Erlen("async_views")
    app.config.update(SECRET_KEY="async secret")
    return app


def get(app: Erlen, path: str = "/", **kwargs: Any) -> Result:
    return run(call(app, "GET", path, **kwargs))


def wsgi_get(app: Erlen, path: str) -> tuple[int, bytes]:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    status: list[str] = []

    def start_response(s: str, h: Any, exc_info: Any = None) -> Any:
        status.append(s)
        return lambda data: None

    body = app(environ, start_response)
    try:
        return int(status[0].split()[0]), b"".join(body)
    finally:
        body.close()  # type: ignore[attr-defined]


def test_async_callables_run_on_the_loop_sync_ones_in_the_pool(app: Erlen) -> None:
    where: dict[str, str] = {}

    def here() -> str:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return f"thread:{threading.current_thread().name.split('_')[0]}"
        return "loop"

    @app.before_request
    async def before_async() -> None:
        where["before_async"] = here()

    @app.before_request
    def before_sync() -> None:
        where["before_sync"] = here()

    @app.after_request
    async def after_async(response: Any) -> Any:
        where["after_async"] = here()
        return response

    @app.teardown_request
    async def teardown_async(exc: BaseException | None) -> None:
        where["teardown_async"] = here()

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        where["teardown_app"] = here()

    @app.get("/async")
    async def async_view() -> str:
        where["view"] = here()
        return "a"

    @app.get("/sync")
    def sync_view() -> str:
        where["view"] = here()
        return "s"

    assert get(app, "/async").body == b"a"
    assert where == {
        "before_async": "loop",
        "before_sync": "thread:erlen-sync",
        "view": "loop",
        "after_async": "loop",
        "teardown_async": "loop",
        "teardown_app": "thread:erlen-sync",
    }
    assert get(app, "/sync").body == b"s"
    assert where["view"] == "thread:erlen-sync"


def test_sync_view_sees_the_request_context_in_its_thread(app: Erlen) -> None:
    @app.before_request
    async def load_user() -> None:
        g.user = request.args.get("user")

    @app.get("/")
    def index() -> dict[str, Any]:
        session["seen"] = True
        return {
            "user": g.user,
            "path": request.path,
            "app": current_app.name,
            "thread": threading.current_thread().name.startswith("erlen-sync"),
        }

    result = get(app, query_string=b"user=bob")
    assert result.body == b'{"app":"async_views","path":"/","thread":true,"user":"bob"}\n'
    # The session changed in the thread was saved by the pipeline.
    assert "session=" in (result.header("set-cookie") or "")


def test_async_error_handler_and_http_error(app: Erlen) -> None:
    @app.errorhandler(404)
    async def not_found(e: Any) -> tuple[str, int]:
        await asyncio.sleep(0)
        return f"no {request.path}", 404

    result = get(app, "/missing")
    assert (result.status, result.body) == (404, b"no /missing")


def test_before_first_request_async_runs_once_under_concurrency(app: Erlen) -> None:
    calls: list[int] = []

    @app.before_first_request
    async def init() -> None:
        calls.append(1)
        await asyncio.sleep(0.05)

    @app.get("/")
    async def index() -> str:
        return str(len(calls))

    async def main() -> list[Result]:
        return await asyncio.gather(*(call(app, "GET", "/") for _ in range(10)))

    results = run(main())
    assert calls == [1]
    assert [r.body for r in results] == [b"1"] * 10


def test_concurrent_requests_are_isolated(app: Erlen) -> None:
    @app.before_request
    async def before() -> None:
        g.n = request.args["n"]
        session["n"] = request.args["n"]

    @app.get("/async")
    async def async_view() -> str:
        # Yield to the other requests between reading and reading again.
        first = request.args["n"]
        await asyncio.sleep(0.01)
        return f"{first}:{request.args['n']}:{g.n}:{session['n']}:{current_app.name}"

    @app.get("/sync")
    def sync_view() -> str:
        first = request.args["n"]
        time.sleep(0.005)
        return f"{first}:{request.args['n']}:{g.n}:{session['n']}:{current_app.name}"

    async def main() -> list[Result]:
        calls = [
            call(app, "GET", "/async" if i % 2 else "/sync", query_string=f"n={i}".encode())
            for i in range(60)
        ]
        return await asyncio.gather(*calls)

    results = run(main())
    for i, result in enumerate(results):
        assert result.body == f"{i}:{i}:{i}:{i}:async_views".encode()


def test_fifty_sleeping_views_run_concurrently(app: Erlen) -> None:
    @app.get("/sleep")
    async def sleepy() -> str:
        await asyncio.sleep(0.2)
        return "rested"

    async def main() -> list[Result]:
        return await asyncio.gather(*(call(app, "GET", "/sleep") for _ in range(50)))

    started = time.monotonic()
    results = run(main())
    elapsed = time.monotonic() - started
    assert [r.body for r in results] == [b"rested"] * 50
    # Sequentially this would take 10 s; concurrency check, not a benchmark.
    assert elapsed < 5


def test_thread_pool_size_from_config(app: Erlen, monkeypatch: pytest.MonkeyPatch) -> None:
    from erlen import pipeline

    monkeypatch.setattr(pipeline, "_executor", None)
    app.config["ASGI_THREAD_POOL_SIZE"] = 3
    active: list[int] = []
    peak: list[int] = [0]
    lock = threading.Lock()

    @app.get("/")
    def index() -> str:
        with lock:
            active.append(1)
            peak[0] = max(peak[0], len(active))
        time.sleep(0.05)
        with lock:
            active.pop()
        return "ok"

    async def main() -> list[Result]:
        return await asyncio.gather(*(call(app, "GET", "/") for _ in range(9)))

    try:
        results = run(main())
        assert [r.body for r in results] == [b"ok"] * 9
        assert peak[0] == 3
        pool = pipeline._executor
        assert pool is not None and pool._max_workers == 3
    finally:
        pool = pipeline._executor
        if pool is not None:
            pool.shutdown(wait=True)


def test_method_view_async_handlers(app: Erlen) -> None:
    class Items(MethodView):
        async def get(self, item_id: int) -> str:
            await asyncio.sleep(0)
            return f"get {item_id}"

        def delete(self, item_id: int) -> str:
            return f"delete {item_id}"

    app.add_url_rule("/items/<int:item_id>", view_func=Items.as_view("items"))
    assert get(app, "/items/3").body == b"get 3"
    assert run(call(app, "DELETE", "/items/4")).body == b"delete 4"
    assert wsgi_get(app, "/items/5") == (200, b"get 5")


def test_blueprint_async_hooks_and_views(app: Erlen) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")
    order: list[str] = []

    @bp.before_request
    async def bp_before() -> None:
        order.append("bp_before")

    @bp.after_request
    async def bp_after(response: Any) -> Any:
        order.append("bp_after")
        return response

    @bp.errorhandler(ValueError)
    async def bp_value_error(e: ValueError) -> tuple[str, int]:
        return f"bad: {e}", 400

    @bp.get("/ok")
    async def ok() -> str:
        order.append("view")
        return "ok"

    @bp.get("/bad")
    async def bad() -> str:
        raise ValueError("nope")

    app.register_blueprint(bp)
    assert get(app, "/api/ok").body == b"ok"
    assert order == ["bp_before", "view", "bp_after"]
    result = get(app, "/api/bad")
    assert (result.status, result.body) == (400, b"bad: nope")


def test_async_context_processor_in_sync_and_async_views(app: Erlen) -> None:
    loops: list[Any] = []

    @app.context_processor
    async def inject() -> dict[str, Any]:
        loops.append(asyncio.get_running_loop())
        return {"who": request.args.get("who", "nobody")}

    @app.get("/sync")
    def sync_page() -> str:
        return render_template_string("hi {{ who }}")

    @app.get("/async")
    async def async_page() -> str:
        return render_template_string("hi {{ who }}")

    serving_loops: list[Any] = []

    @app.before_request
    async def remember_loop() -> None:
        serving_loops.append(asyncio.get_running_loop())

    assert get(app, "/sync", query_string=b"who=ann").body == b"hi ann"
    # From the sync view's worker thread it ran on the server's event loop.
    assert loops[-1] is serving_loops[-1]
    assert get(app, "/async", query_string=b"who=bo").body == b"hi bo"
    assert wsgi_get(app, "/sync") == (200, b"hi nobody")


def test_ensure_sync_in_a_sync_view_runs_on_the_serving_loop(app: Erlen) -> None:
    loops: list[Any] = []

    async def helper(x: int) -> int:
        loops.append(asyncio.get_running_loop())
        await asyncio.sleep(0)
        return x * 2

    @app.before_request
    async def remember() -> None:
        loops.append(asyncio.get_running_loop())

    @app.get("/")
    def index() -> str:
        return str(current_app.ensure_sync(helper)(21))

    assert get(app).body == b"42"
    assert loops[0] is loops[1]
    # Under WSGI it runs on the thread's own loop.
    assert wsgi_get(app, "/") == (200, b"42")


def test_async_views_under_wsgi(app: Erlen) -> None:
    @app.before_request
    async def before() -> None:
        g.value = "from async hook"

    @app.get("/")
    async def index() -> str:
        await asyncio.sleep(0)
        return g.value  # type: ignore[no-any-return]

    assert wsgi_get(app, "/") == (200, b"from async hook")
    assert wsgi_get(app, "/") == (200, b"from async hook")
    assert app.ensure_sync(index) is not index
    assert app.ensure_sync(wsgi_get) is wsgi_get


def test_async_teardown_appcontext(app: Erlen) -> None:
    seen: list[Any] = []

    @app.teardown_appcontext
    async def close_db(exc: BaseException | None) -> None:
        await asyncio.sleep(0)
        seen.append(exc)

    @app.get("/")
    async def index() -> str:
        return "ok"

    assert get(app).body == b"ok"
    assert seen == [None]


def _count_hops(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the calls handed to the worker thread pool."""
    from erlen import pipeline

    hops = [0]
    real = pipeline._thread_pool

    class Counting:
        def __init__(self, pool: Any) -> None:
            self.pool = pool

        def run_soon(self, work: Any) -> None:
            hops[0] += 1
            self.pool.run_soon(work)

    monkeypatch.setattr(pipeline, "_thread_pool", lambda: Counting(real()))
    return hops


def test_a_sync_endpoint_runs_context_to_teardown_in_one_thread_hop(
    app: Erlen, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: dict[str, int] = {}
    order: list[str] = []

    @app.before_request
    def before() -> None:
        order.append("before")
        threads["before"] = threading.get_ident()

    @app.after_request
    def after(response: Any) -> Any:
        order.append("after")
        return response

    @app.teardown_request
    def teardown_request(exc: BaseException | None) -> None:
        order.append("teardown_request")
        threads["teardown_request"] = threading.get_ident()

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        order.append("teardown_appcontext")
        threads["teardown_appcontext"] = threading.get_ident()

    @app.get("/")
    def index() -> str:
        order.append("view")
        threads["view"] = threading.get_ident()
        session["n"] = 1
        return "ok"

    get(app)  # the first request builds the endpoint's pipeline
    hops = _count_hops(monkeypatch)
    order.clear()
    result = get(app)
    assert result.status == 200 and result.body == b"ok"
    assert "session=" in (result.header("set-cookie") or "")
    assert order == ["before", "view", "after", "teardown_request", "teardown_appcontext"]
    assert hops[0] == 1
    assert len(set(threads.values())) == 1
    assert threads["view"] != threading.get_ident()


@pytest.mark.parametrize("registry", ["teardown_request", "teardown_appcontext"])
def test_an_async_teardown_keeps_the_sync_dispatch_hop_and_runs_on_the_loop(
    app: Erlen, monkeypatch: pytest.MonkeyPatch, registry: str
) -> None:
    seen: dict[str, int] = {}

    async def teardown(exc: BaseException | None) -> None:
        await asyncio.sleep(0)
        seen["teardown"] = threading.get_ident()

    getattr(app, registry)(teardown)

    @app.get("/")
    def index() -> str:
        seen["view"] = threading.get_ident()
        return "ok"

    get(app)
    hops = _count_hops(monkeypatch)
    assert get(app).body == b"ok"
    assert hops[0] == 1
    assert seen["teardown"] == threading.get_ident() != seen["view"]


def test_a_client_leaving_a_sync_view_gets_its_teardown_after_the_view(app: Erlen) -> None:
    order: list[str] = []
    view_started = threading.Event()
    done = threading.Event()

    @app.teardown_request
    def teardown_request(exc: BaseException | None) -> None:
        order.append("teardown_request")
        done.set()

    @app.get("/slow")
    def slow() -> str:
        view_started.set()
        time.sleep(0.2)
        order.append("view returned")
        return "late"

    async def main() -> None:
        task = asyncio.ensure_future(call(app, "GET", "/slow"))
        while not view_started.is_set():
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert done.wait(5)
    assert order == ["view returned", "teardown_request"]
