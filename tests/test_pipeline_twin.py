"""The sync pipeline is generated from the async one and must be up to date."""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import inspect
import threading
from pathlib import Path
from types import ModuleType

import pytest

from erlen import Erlen, _pipeline_async, _pipeline_sync, g, request
from erlen.pipeline import as_async, as_sync, invoke_async, invoke_sync, is_async_callable

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_sync_pipeline", ROOT / "scripts" / "gen_sync_pipeline.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_sync_twin_is_up_to_date() -> None:
    gen = _generator()
    source = (ROOT / "src" / "erlen" / "_pipeline_async.py").read_text(encoding="utf-8")
    expected = gen.generate(source)
    committed = (ROOT / "src" / "erlen" / "_pipeline_sync.py").read_text(encoding="utf-8")
    assert committed == expected, "run: python scripts/gen_sync_pipeline.py"


def test_rewrite_rules() -> None:
    gen = _generator()
    source = (
        "async def step_async(app):\n"
        "    async with lock_async(app):\n"
        "        rv = await invoke_async(app.view_async, 1)\n"
        "    async for x in things_async():\n"
        "        await send_async(x)\n"
        '    return "await is kept in strings"\n'
    )
    assert gen.rewrite(source) == (
        "def step_sync(app):\n"
        "    with lock_sync(app):\n"
        "        rv = invoke_sync(app.view_sync, 1)\n"
        "    for x in things_sync():\n"
        "        send_sync(x)\n"
        '    return "await is kept in strings"\n'
    )


def test_twins_define_the_same_steps() -> None:
    def steps(module: ModuleType, suffix: str) -> set[str]:
        return {
            name.removesuffix(suffix)
            for name, obj in vars(module).items()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__
        }

    assert steps(_pipeline_async, "_async") == steps(_pipeline_sync, "_sync")
    assert all(
        inspect.iscoroutinefunction(getattr(_pipeline_async, f"{name}_async"))
        for name in steps(_pipeline_async, "_async")
    )
    assert not any(
        inspect.iscoroutinefunction(getattr(_pipeline_sync, f"{name}_sync"))
        for name in steps(_pipeline_sync, "_sync")
    )


def test_sync_twin_has_no_event_loop_machinery() -> None:
    tree = ast.parse((ROOT / "src" / "erlen" / "_pipeline_sync.py").read_text(encoding="utf-8"))
    async_nodes = (ast.AsyncFunctionDef, ast.Await, ast.AsyncWith, ast.AsyncFor)
    assert not [node for node in ast.walk(tree) if isinstance(node, async_nodes)]
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom | ast.Import)
        for alias in node.names
    }
    assert "asyncio" not in imported
    assert not {name for name in imported if name.endswith("_async")}


def test_sync_path_never_creates_a_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "sync"

    def fail(*args: object) -> None:
        raise AssertionError("an event loop was created on the sync path")

    monkeypatch.setattr(asyncio, "new_event_loop", fail)
    assert app.test_client().get("/").data == b"sync"


def test_is_async_callable() -> None:
    import functools

    async def coro() -> None:
        pass

    def plain() -> None:
        pass

    class AsyncCallable:
        async def __call__(self) -> None:
            pass

    assert is_async_callable(coro)
    assert is_async_callable(functools.partial(coro))
    assert is_async_callable(AsyncCallable())
    assert not is_async_callable(plain)
    assert not is_async_callable(functools.partial(plain))
    assert not is_async_callable(AsyncCallable)


def test_invoke_sync_runs_coroutines_on_one_loop_per_thread() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    async def which_loop(x: int) -> int:
        loops.append(asyncio.get_running_loop())
        return x * 2

    assert invoke_sync(which_loop, 1) == 2
    assert invoke_sync(which_loop, 2) == 4
    assert loops[0] is loops[1]

    def other_thread() -> None:
        invoke_sync(which_loop, 3)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert loops[2] is not loops[0]
    assert invoke_sync(lambda x: x + 1, 1) == 2


def test_as_sync_and_as_async_keep_matching_callables() -> None:
    async def coro() -> int:
        return 1

    def plain() -> int:
        return 2

    assert as_sync(plain) is plain
    assert as_async(coro) is coro
    assert as_sync(coro)() == 1
    assert asyncio.run(as_async(plain)()) == 2


def test_invoke_async_runs_sync_in_thread_with_context() -> None:
    app = Erlen(__name__)
    main_thread = threading.get_ident()

    def sync_view() -> tuple[str, int]:
        return request.path, threading.get_ident()

    async def async_view() -> tuple[str, int]:
        return request.path, threading.get_ident()

    async def run() -> None:
        with app.test_request_context("/ctx"):
            path, ident = await invoke_async(sync_view)
            assert path == "/ctx"
            assert ident != main_thread
            path, ident = await invoke_async(async_view)
            assert path == "/ctx"
            assert ident == main_thread

    asyncio.run(run())


def test_async_pipeline_runs_a_request() -> None:
    from erlen.adapters.wsgi import request_from_environ
    from erlen.ctx import RequestContext
    from erlen.testing import EnvironBuilder

    app = Erlen(__name__)
    order: list[str] = []

    @app.before_request
    async def before() -> None:
        order.append("before")
        g.value = "from-g"

    @app.route("/hello/<name>")
    async def hello(name: str) -> str:
        order.append("view")
        return f"{name} {g.value}"

    @app.after_request
    def after(response: object) -> object:
        order.append("after")
        return response

    async def run() -> bytes:
        environ = EnvironBuilder(app, "/hello/async").get_environ()
        ctx = RequestContext(app, request_from_environ(environ, app.request_class))
        response = await _pipeline_async.handle_request_async(app, ctx)
        return response.get_data()

    assert asyncio.run(run()) == b"async from-g"
    assert order == ["before", "view", "after"]
