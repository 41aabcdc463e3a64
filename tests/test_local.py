"""erlen.local: Local, LocalStack and LocalProxy on contextvars."""

from __future__ import annotations

import asyncio
import contextvars
import copy
import io
import math
import operator
import pickle
import threading
from contextvars import ContextVar
from typing import Any

import pytest

from erlen.local import Local, LocalProxy, LocalStack

# -- the notes' §2.2.1 examples, as written there -----------------------------


def test_notes_local_example(capsys: pytest.CaptureFixture[str]) -> None:
    local = Local()
    local.user = "Alice"  # 当前线程/上下文的 user 值为 "Alice"

    def another_context() -> None:
        local.user = "Bob"  # 在另一个线程/上下文中, user 值为 "Bob"
        print(local.user)  # 输出: Bob

    # The notes run another_context "in another thread/context": run it in one.
    thread = threading.Thread(target=another_context)
    thread.start()
    thread.join()
    print(local.user)  # 输出: Alice(主线程的值未变)

    contextvars.copy_context().run(another_context)
    print(local.user)
    assert capsys.readouterr().out == "Bob\nAlice\nBob\nAlice\n"


def test_notes_local_example_same_context_overwrites() -> None:
    # Called directly (same thread, same context), the function does overwrite:
    # isolation is between contexts, as in Werkzeug.
    local = Local()
    local.user = "Alice"

    def another_context() -> None:
        local.user = "Bob"

    another_context()
    assert local.user == "Bob"


def test_notes_local_stack_example(capsys: pytest.CaptureFixture[str]) -> None:
    stack: LocalStack[str] = LocalStack()
    stack.push("A")
    stack.push("B")
    print(stack.top)  # 输出: B

    stack.pop()
    print(stack.top)  # 输出: A
    assert capsys.readouterr().out == "B\nA\n"


def test_notes_local_proxy_example(capsys: pytest.CaptureFixture[str]) -> None:
    local = Local()
    local.user = "Alice"

    # 创建 LocalProxy 代理
    user = LocalProxy(lambda: local.user)

    print(user)  # 输出: Alice
    assert capsys.readouterr().out == "Alice\n"
    local.user = "Carol"
    assert str(user) == "Carol"


# -- Local -------------------------------------------------------------------


def test_local_attributes_and_missing() -> None:
    local = Local()
    with pytest.raises(AttributeError):
        local.missing  # noqa: B018
    local.a = 1
    local.b = [2]
    assert (local.a, local.b) == (1, [2])
    assert sorted(dict(local)) == ["a", "b"]
    del local.a
    with pytest.raises(AttributeError):
        local.a  # noqa: B018
    with pytest.raises(AttributeError):
        del local.a


def test_local_release() -> None:
    local = Local()
    local.a = 1
    local.__release_local__()
    assert list(local) == []
    assert not hasattr(local, "a")


def test_local_isolated_between_threads() -> None:
    local = Local()
    local.value = "main"
    seen: dict[int, Any] = {}
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        seen[n] = getattr(local, "value", None)
        local.value = n
        barrier.wait()  # every thread has written before any reads back
        seen[n + 100] = local.value

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [seen[n] for n in range(4)] == [None] * 4
    assert [seen[n + 100] for n in range(4)] == [0, 1, 2, 3]
    assert local.value == "main"


def test_local_isolated_between_asyncio_tasks() -> None:
    local = Local()

    async def task(n: int, started: asyncio.Event, go: asyncio.Event) -> tuple[Any, int]:
        inherited = getattr(local, "value", None)
        local.value = n
        started.set()
        await go.wait()
        return inherited, local.value

    async def main() -> tuple[list[tuple[Any, int]], Any]:
        local.value = "parent"
        go = asyncio.Event()
        events = [asyncio.Event() for _ in range(3)]
        tasks = [asyncio.create_task(task(n, events[n], go)) for n in range(3)]
        for event in events:
            await event.wait()
        go.set()
        results = await asyncio.gather(*tasks)
        return results, local.value

    results, parent_after = asyncio.run(main())
    # A task starts from its creator's values, and its writes never leak back.
    assert results == [("parent", 0), ("parent", 1), ("parent", 2)]
    assert parent_after == "parent"


def test_local_call_makes_proxy() -> None:
    local = Local()
    proxy = local("user", unbound_message="no user")
    assert repr(proxy) == "<LocalProxy unbound>"
    with pytest.raises(RuntimeError, match="no user"):
        proxy.upper()
    local.user = "x"
    assert proxy.upper() == "X"


def test_local_with_given_context_var() -> None:
    var: ContextVar[dict[str, Any]] = ContextVar("storage")
    local = Local(var)
    local.a = 1
    assert var.get() == {"a": 1}


# -- LocalStack ----------------------------------------------------------------


def test_local_stack_push_pop_top() -> None:
    stack: LocalStack[int] = LocalStack()
    assert stack.top is None
    assert stack.pop() is None
    assert stack.push(1) == [1]
    assert stack.push(2) == [1, 2]
    assert stack.top == 2
    assert stack.pop() == 2
    assert stack.pop() == 1
    assert stack.pop() is None
    assert stack.top is None


def test_local_stack_release() -> None:
    stack: LocalStack[int] = LocalStack()
    stack.push(1)
    stack.__release_local__()
    assert stack.top is None


def test_local_stack_push_returns_copy() -> None:
    stack: LocalStack[int] = LocalStack()
    items = stack.push(1)
    items.append(99)
    assert stack.top == 1


def test_local_stack_isolated_between_threads() -> None:
    stack: LocalStack[str] = LocalStack()
    stack.push("main")
    seen: list[Any] = []

    def worker() -> None:
        seen.append(stack.top)
        stack.push("thread")
        seen.append(stack.top)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen == [None, "thread"]
    assert stack.top == "main"
    assert stack.pop() == "main"


def test_local_stack_isolated_between_tasks() -> None:
    stack: LocalStack[str] = LocalStack()

    async def child() -> list[str | None]:
        seen = [stack.top]
        stack.push("child")
        seen.append(stack.top)
        await asyncio.sleep(0)
        seen.append(stack.pop())
        seen.append(stack.pop())
        return seen

    async def main() -> tuple[list[str | None], str | None]:
        stack.push("parent")
        seen = await asyncio.create_task(child())
        return seen, stack.top

    seen, top = asyncio.run(main())
    assert seen == ["parent", "child", "child", "parent"]
    assert top == "parent"


def test_local_stack_proxy() -> None:
    stack: LocalStack[dict[str, int]] = LocalStack()
    top = stack()
    value = stack("value", unbound_message="empty stack")
    with pytest.raises(RuntimeError, match="object is not bound"):
        top["a"]
    with pytest.raises(RuntimeError, match="empty stack"):
        value.bit_length()
    stack.push({"a": 1})
    assert top["a"] == 1


# -- LocalProxy targets -------------------------------------------------------


class Obj:
    def __init__(self) -> None:
        self.name = "obj"

    def greet(self, who: str) -> str:
        return f"{self.name} greets {who}"


def test_proxy_context_var_and_unbound_message() -> None:
    var: ContextVar[Obj] = ContextVar("obj")
    proxy = LocalProxy(var, unbound_message="Working outside of the obj context.")
    with pytest.raises(RuntimeError, match=r"Working outside of the obj context\."):
        proxy.name  # noqa: B018
    token = var.set(Obj())
    try:
        assert proxy.name == "obj"
        assert proxy.greet("you") == "obj greets you"
    finally:
        var.reset(token)
    assert not proxy


def test_proxy_context_var_with_name() -> None:
    var: ContextVar[Obj] = ContextVar("obj")
    name = LocalProxy(var, "name")
    token = var.set(Obj())
    assert name == "obj"
    assert name.upper() == "OBJ"
    var.reset(token)
    with pytest.raises(RuntimeError, match="object is not bound"):
        str(name)


def test_proxy_local_requires_name() -> None:
    with pytest.raises(TypeError):
        LocalProxy(Local())


def test_proxy_rejects_non_callable_target() -> None:
    with pytest.raises(TypeError):
        LocalProxy(42)  # type: ignore[call-overload]


def test_proxy_callable_errors_propagate() -> None:
    def boom() -> Any:
        raise KeyError("k")

    proxy = LocalProxy(boom)
    with pytest.raises(KeyError):
        len(proxy)


def test_proxy_get_current_object_and_wrapped() -> None:
    obj = Obj()
    var: ContextVar[Obj] = ContextVar("obj")
    var.set(obj)
    proxy = LocalProxy(var)
    assert proxy._get_current_object() is obj
    # Bound: the object's own __wrapped__ (Obj has none); unbound: the target.
    with pytest.raises(AttributeError):
        proxy.__wrapped__  # noqa: B018
    unset: ContextVar[Obj] = ContextVar("unset")
    assert LocalProxy(unset).__wrapped__ is unset


# -- LocalProxy forwarding ---------------------------------------------------


def _proxy(value: Any) -> LocalProxy[Any]:
    return LocalProxy(lambda: value)


def test_proxy_attribute_get_set_del() -> None:
    obj = Obj()
    proxy = _proxy(obj)
    proxy.name = "renamed"
    assert obj.name == "renamed"
    proxy.extra = 1
    assert obj.extra == 1  # type: ignore[attr-defined]
    del proxy.extra
    assert not hasattr(obj, "extra")
    assert hasattr(proxy, "greet")
    assert not hasattr(proxy, "nope")
    assert "greet" in dir(proxy)


def test_proxy_class_and_isinstance() -> None:
    proxy = _proxy([1, 2])
    assert proxy.__class__ is list
    assert isinstance(proxy, list)
    assert isinstance(proxy, LocalProxy)
    unbound = LocalProxy(ContextVar[int]("x"))
    assert unbound.__class__ is LocalProxy
    assert isinstance(unbound, LocalProxy)


def test_proxy_repr_str_bool_unbound() -> None:
    var: ContextVar[Any] = ContextVar("v")
    proxy = LocalProxy(var)
    assert repr(proxy) == "<LocalProxy unbound>"
    assert bool(proxy) is False
    assert dir(proxy) == []
    var.set([])
    assert repr(proxy) == "[]"
    assert bool(proxy) is False
    var.set([0])
    assert bool(proxy) is True
    assert str(proxy) == "[0]"


def test_proxy_container_protocol() -> None:
    data = {"a": 1, "b": 2}
    proxy = _proxy(data)
    assert len(proxy) == 2
    assert list(proxy) == ["a", "b"]
    assert "a" in proxy
    assert "z" not in proxy
    assert proxy["a"] == 1
    proxy["c"] = 3
    del proxy["a"]
    assert data == {"b": 2, "c": 3}
    assert list(reversed(proxy)) == ["c", "b"]
    assert operator.length_hint(proxy) == 2


def test_proxy_call_and_next() -> None:
    proxy = _proxy(lambda x, y=1: x + y)
    assert proxy(1, y=5) == 6
    it = _proxy(iter([1, 2]))
    assert next(it) == 1
    assert next(it) == 2


def test_proxy_comparisons_and_hash() -> None:
    proxy = _proxy(5)
    assert proxy == 5
    assert proxy != 6
    assert proxy < 6
    assert proxy <= 5
    assert proxy > 4
    assert proxy >= 5
    assert 6 > proxy  # noqa: SIM300
    assert hash(proxy) == hash(5)
    assert {proxy: "x"}[5] == "x"


def test_proxy_arithmetic_and_reflected() -> None:
    p = _proxy(7)
    assert (p + 1, p - 1, p * 2, p / 2, p // 2, p % 4, p**2) == (8, 6, 14, 3.5, 3, 3, 49)
    assert (1 + p, 10 - p, 2 * p, 14 / p, 15 // p, 15 % p, 2**p) == (8, 3, 14, 2.0, 2, 1, 128)
    assert divmod(p, 2) == (3, 1)
    assert divmod(15, p) == (2, 1)
    assert (p << 1, p >> 1, p & 3, p | 8, p ^ 1) == (14, 3, 3, 15, 6)
    assert (1 << p, 256 >> p, 3 & p, 8 | p, 1 ^ p) == (128, 2, 3, 15, 6)
    assert (-p, +p, abs(_proxy(-3)), ~p) == (-7, 7, 3, -8)
    assert (int(_proxy(2.7)), float(p), complex(p)) == (2, 7.0, 7 + 0j)
    assert [1, 2, 3, 4, 5, 6, 7, 8][p] == 8
    assert round(_proxy(2.567), 1) == 2.6
    assert (math.trunc(_proxy(2.7)), math.floor(_proxy(2.7)), math.ceil(_proxy(2.1))) == (
        2,
        2,
        3,
    )
    assert f"{p:03d}" == "007"
    assert _proxy("ab") * 2 == "abab"
    assert "x" + _proxy("y") == "xy"


def test_proxy_matmul() -> None:
    class M:
        def __matmul__(self, other: Any) -> str:
            return "left"

        def __rmatmul__(self, other: Any) -> str:
            return "right"

    p = _proxy(M())
    assert p @ 1 == "left"
    assert 1 @ p == "right"


def test_proxy_inplace_on_mutable_keeps_proxy() -> None:
    items = [1]
    p = _proxy(items)
    original = p
    p += [2]
    assert items == [1, 2]
    assert p is original
    with pytest.raises(TypeError):
        p |= {3}  # a list has no |=: the target's own TypeError


def test_proxy_inplace_on_immutable_rebinds() -> None:
    n = 1
    p: Any = _proxy(n)
    p += 1
    assert p == 2
    assert type(p) is int


def test_proxy_inplace_set_ops() -> None:
    s = {1}
    p = _proxy(s)
    p |= {2}
    p -= {1}
    assert s == {2}
    assert isinstance(p, LocalProxy)


def test_proxy_bytes_fspath_context_manager() -> None:
    assert bytes(_proxy(b"ab")) == b"ab"
    import pathlib

    assert str(pathlib.Path(_proxy(pathlib.Path("/tmp")))) == "/tmp"
    buf = io.StringIO()
    with _proxy(buf) as f:
        f.write("x")
    assert buf.closed


def test_proxy_async_protocols() -> None:
    class CM:
        entered = False

        async def __aenter__(self) -> str:
            self.entered = True
            return "in"

        async def __aexit__(self, *exc: object) -> None:
            self.entered = False

    async def agen() -> Any:
        yield 1
        yield 2

    async def coro() -> int:
        return 42

    async def main() -> tuple[Any, ...]:
        cm = CM()
        async with _proxy(cm) as value:
            inside = cm.entered
        items = [x async for x in _proxy(agen())]
        result = await _proxy(coro())
        return value, inside, cm.entered, items, result

    assert asyncio.run(main()) == ("in", True, False, [1, 2], 42)


def test_proxy_copy_deepcopy_pickle() -> None:
    data = {"a": [1]}
    p = _proxy(data)
    shallow = copy.copy(p)
    deep = copy.deepcopy(p)
    assert type(shallow) is dict and shallow == data and shallow is not data
    assert shallow["a"] is data["a"]
    assert deep == data and deep["a"] is not data["a"]
    assert pickle.loads(pickle.dumps(p)) == data


def test_proxy_doc_and_class_proxying() -> None:
    def documented() -> None:
        """Docs here."""

    assert _proxy(documented).__doc__ == "Docs here."
    assert LocalProxy.__doc__ is not None and "Forwards" in LocalProxy.__doc__
    cls_proxy = _proxy(int)
    assert isinstance(3, cls_proxy)
    assert issubclass(bool, cls_proxy)
    assert cls_proxy("12") == 12


def test_proxy_follows_context_changes() -> None:
    var: ContextVar[str] = ContextVar("v")
    p = LocalProxy(var)

    def in_context(value: str) -> str:
        var.set(value)
        return p.upper()

    assert contextvars.copy_context().run(in_context, "a") == "A"
    assert contextvars.copy_context().run(in_context, "b") == "B"
    assert not p


def test_proxy_thread_isolation() -> None:
    local = Local()
    user = local("user")
    results: dict[str, str] = {}
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        local.user = name
        barrier.wait()
        results[name] = str(user)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("t1", "t2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"t1": "t1", "t2": "t2"}


# -- the globals' forwarding properties (erlen.local._proxy_with_attributes) ----


def test_listed_proxy_attributes_exist_on_what_they_proxy() -> None:
    # The lists are a speed hint: a name that does not exist would still
    # raise AttributeError, but it would mean the list has drifted.
    from erlen import Erlen
    from erlen import globals as erlen_globals
    from erlen.ctx import _AppCtxGlobals
    from erlen.sessions import SecureCookieSession
    from erlen.wrappers import Request

    app = Erlen(__name__)
    for name in erlen_globals._REQUEST_ATTRIBUTES:
        assert hasattr(Request, name), name
    for name in erlen_globals._SESSION_ATTRIBUTES:
        assert hasattr(SecureCookieSession, name), name
    for name in erlen_globals._G_ATTRIBUTES:
        assert hasattr(_AppCtxGlobals, name), name
    for name in erlen_globals._APP_ATTRIBUTES:
        assert hasattr(app, name), name


def test_forwarded_attributes_behave_as_getattr_does() -> None:
    from erlen import Erlen, current_app, g, request, session
    from erlen.globals import _NO_REQUEST_MESSAGE
    from erlen.wrappers import Request

    class TaggedRequest(Request):
        @property
        def args(self) -> Any:  # type: ignore[override]
            return "overridden"

    app = Erlen(__name__)
    app.secret_key = "s"
    app.request_class = TaggedRequest
    # Unbound: the proxy's own message, for a listed and an unlisted name.
    with pytest.raises(RuntimeError) as listed:
        request.args  # noqa: B018
    with pytest.raises(RuntimeError) as unlisted:
        request.not_listed  # noqa: B018
    assert str(listed.value) == str(unlisted.value) == _NO_REQUEST_MESSAGE
    with app.test_request_context("/p?a=1", method="POST"):
        assert request.args == "overridden"  # the subclass's property wins
        assert request.method == "POST"
        assert request.path == "/p"
        assert current_app.config is app.config
        g.user = "ada"
        assert g.get("user") == "ada"
        session.permanent = True  # set through the proxy, on the session
        assert session._get_current_object().permanent is True  # type: ignore[attr-defined]
        assert session.get("missing", 3) == 3
        with pytest.raises(AttributeError):
            request.no_such_attribute  # noqa: B018
        request.user = "bob"  # type: ignore[attr-defined]
        assert request._get_current_object().user == "bob"  # type: ignore[attr-defined]
        assert type(request).__name__ == "LocalProxy"
        assert isinstance(request, LocalProxy)
        assert isinstance(request, TaggedRequest)


def test_a_listed_name_may_not_shadow_the_proxy_s_own() -> None:
    from erlen.local import _proxy_with_attributes

    with pytest.raises(ValueError, match="_get_current_object"):
        _proxy_with_attributes(ContextVar("x"), None, "unbound", ["_get_current_object"])
