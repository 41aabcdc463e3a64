"""erlen.pipeline: a view, hook or handler whose call returns an awaitable is
awaited (ASGI) or run on the thread's event loop (WSGI), so any decorator
stack works on both protocols."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

from erlen import Erlen, Response, g, request
from erlen.pipeline import resolve_awaitable_async, resolve_awaitable_sync
from erlen.testing import ErlenClient
from erlen.views import MethodView


def plain(view: Callable[..., Any]) -> Callable[..., Any]:
    """A Flask-era decorator: sync, unaware of async views; it hands back
    whatever the view returns (a coroutine for an ``async def`` view)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.setdefault("decorated", []).append(view.__name__)
        return view(*args, **kwargs)

    return wrapper


class Later:
    """An awaitable that is not a coroutine (has only ``__await__``)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, Any]:
        return asyncio.sleep(0, result=self.value).__await__()


def test_sync_decorator_around_an_async_view(app: Erlen, client: ErlenClient) -> None:
    @app.route("/user/<int:uid>")
    @plain
    async def user(uid: int) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"uid": uid, "decorated": g.decorated, "path": request.path}

    rv = client.get("/user/7")
    assert (rv.status_code, rv.json) == (200, {"uid": 7, "decorated": ["user"], "path": "/user/7"})


def test_stacked_sync_decorators_around_an_async_view(app: Erlen, client: ErlenClient) -> None:
    def tag(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            def wrapper(**kwargs: Any) -> Any:
                g.setdefault("tags", []).append(name)
                return view(**kwargs)

            wrapper.__name__ = view.__name__
            return wrapper

        return decorator

    @app.get("/")
    @tag("outer")
    @plain
    @tag("inner")
    async def index() -> str:
        return ",".join(g.tags)

    assert client.get("/").text == "outer,inner"


def test_method_view_with_async_handler_and_sync_decorators(
    app: Erlen, client: ErlenClient
) -> None:
    calls: list[str] = []

    def count(view: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(**kwargs: Any) -> Any:
            calls.append(request.method)
            return view(**kwargs)

        return wrapper

    class ItemAPI(MethodView):
        decorators = [count, plain]

        def get(self, item_id: int) -> str:
            return f"get {item_id}"

        async def patch(self, item_id: int) -> tuple[str, int]:
            await asyncio.sleep(0)
            return f"patched {item_id}", 202

    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
    assert client.get("/items/1").text == "get 1"
    rv = client.patch("/items/2")
    assert (rv.status_code, rv.text) == (202, "patched 2")
    assert client.put("/items/3").status_code == 405
    assert calls == ["GET", "PATCH"]


def test_hooks_and_handlers_returning_awaitables(app: Erlen, client: ErlenClient) -> None:
    log: list[str] = []

    async def stop() -> str:
        log.append("before")
        return "stopped by a hook"

    async def add_header(response: Response) -> Response:
        response.headers["X-After"] = "1"
        log.append("after")
        return response

    async def cleanup(exc: BaseException | None) -> None:
        log.append(f"teardown {exc!r}")

    async def handle(e: LookupError) -> tuple[str, int]:
        return f"handled {e}", 409

    @app.before_request
    def before() -> Any:
        if request.path == "/stop":
            return stop()
        return Later(None)

    app.after_request(lambda response: add_header(response))
    app.teardown_request(lambda exc: cleanup(exc))
    app.register_error_handler(LookupError, lambda e: handle(e))

    @app.get("/stop")
    def never() -> str:
        raise AssertionError("the hook stops the request first")

    @app.get("/missing")
    def missing() -> str:
        raise LookupError("nothing")

    rv = client.get("/stop")
    assert (rv.status_code, rv.text, rv.headers["X-After"]) == (200, "stopped by a hook", "1")
    assert log == ["before", "after", "teardown None"]
    log.clear()
    rv = client.get("/missing")
    assert (rv.status_code, rv.text, rv.headers["X-After"]) == (409, "handled nothing", "1")
    assert log == ["after", "teardown None"]


def test_http_error_handler_returning_a_coroutine(app: Erlen, client: ErlenClient) -> None:
    async def not_found(e: Exception) -> tuple[str, int]:
        return "no such page", 404

    app.register_error_handler(404, lambda e: not_found(e))
    rv = client.get("/nowhere")
    assert (rv.status_code, rv.text) == (404, "no such page")


def test_async_url_value_preprocessor_is_awaited(app: Erlen, client: ErlenClient) -> None:
    @app.url_value_preprocessor
    async def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        await asyncio.sleep(0)
        if values is not None:
            g.lang = values.pop("lang", None)

    @app.get("/<lang>/about")
    def about() -> str:
        return f"about in {g.lang}"

    assert client.get("/fr/about").text == "about in fr"


def test_a_generator_from_a_view_is_streamed_not_awaited(app: Erlen, client: ErlenClient) -> None:
    @app.get("/stream")
    def stream() -> Iterator[str]:
        return (part for part in ("a", "b", "c"))

    assert client.get("/stream").text == "abc"


# -- the helpers themselves ------------------------------------------------------------


async def _double(n: int) -> int:
    await asyncio.sleep(0)
    return n * 2


@pytest.mark.parametrize("value", ["text", b"raw", {"a": 1}, ("x", 201), None, 0])
def test_resolve_passes_plain_values_through(value: Any) -> None:
    assert resolve_awaitable_sync(value) is value
    assert asyncio.run(resolve_awaitable_async(value)) is value


def test_resolve_sync_runs_coroutines_and_other_awaitables() -> None:
    assert resolve_awaitable_sync(_double(4)) == 8
    assert resolve_awaitable_sync(Later("done")) == "done"
    response = Response("x")
    assert resolve_awaitable_sync(response) is response


def test_resolve_async_awaits_coroutines_and_other_awaitables() -> None:
    async def main() -> list[Any]:
        return [await resolve_awaitable_async(_double(5)), await resolve_awaitable_async(Later(3))]

    assert asyncio.run(main()) == [10, 3]


def test_resolve_sync_refuses_to_block_a_running_loop() -> None:
    async def main() -> None:
        coro = _double(1)
        with pytest.raises(RuntimeError, match="already running in an event loop"):
            resolve_awaitable_sync(coro)
        # The coroutine was closed, not leaked (no "never awaited" warning).
        assert coro.cr_frame is None

    asyncio.run(main())


def test_is_async_callable_answers_per_function_from_its_code() -> None:
    from erlen.pipeline import is_async_callable

    def make(flag: int) -> tuple[Any, Any]:
        def sync_view() -> int:
            return flag

        async def async_view() -> int:
            return flag

        return sync_view, async_view

    for flag in range(3):
        sync_view, async_view = make(flag)
        assert is_async_callable(sync_view) is False
        assert is_async_callable(async_view) is True

    def swapped() -> None:
        return None

    assert is_async_callable(swapped) is False

    async def donor() -> None:
        return None

    swapped.__code__ = donor.__code__
    assert is_async_callable(swapped) is True


# -- run_sync_in_thread: the hop every sync function takes under ASGI ---------------------


def test_run_sync_in_thread_returns_raises_and_copies_the_context() -> None:
    import contextvars
    import threading

    from erlen.pipeline import run_sync_in_thread

    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    def work(a: int, *, b: int) -> tuple[int, str, str]:
        seen = var.get()
        var.set("changed in the worker")
        return a + b, seen, threading.current_thread().name

    class Stop(BaseException):
        pass

    def fail() -> None:
        raise KeyError("boom")

    def stop() -> None:
        raise Stop

    async def main() -> None:
        var.set("from the caller")
        total, seen, thread = await run_sync_in_thread(work, 1, b=2)
        assert (total, seen) == (3, "from the caller")
        assert thread.startswith("erlen-sync") and thread != threading.current_thread().name
        assert var.get() == "from the caller"  # the worker had a copy
        with pytest.raises(KeyError, match="boom"):
            await run_sync_in_thread(fail)
        with pytest.raises(Stop):
            await run_sync_in_thread(stop)

    asyncio.run(main())


def test_run_sync_in_thread_skips_work_whose_caller_was_cancelled_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    import erlen.pipeline as pipeline
    from erlen._workers import WorkerPool

    single = WorkerPool(1)
    monkeypatch.setattr(pipeline, "_thread_pool", lambda app=None: single)
    release = threading.Event()
    ran: list[str] = []

    def blocker() -> str:
        release.wait(5)
        ran.append("blocker")
        return "done"

    def queued() -> None:
        ran.append("queued")

    async def main() -> None:
        first = asyncio.ensure_future(pipeline.run_sync_in_thread(blocker))
        second = asyncio.ensure_future(pipeline.run_sync_in_thread(queued))
        await asyncio.sleep(0.05)
        second.cancel()  # still waiting behind the blocker: it must not run
        with pytest.raises(asyncio.CancelledError):
            await second
        release.set()
        assert await first == "done"
        # The cancelled caller's work was skipped; a later call still runs.
        await pipeline.run_sync_in_thread(ran.append, "after")

    try:
        asyncio.run(main())
    finally:
        single.shutdown(wait=True)
    assert ran == ["blocker", "after"]
