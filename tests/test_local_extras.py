"""erlen.local: release_local and LocalManager, as Werkzeug has them."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

import erlen.local
from erlen.local import Local, LocalManager, LocalStack, release_local


def test_names_are_exported() -> None:
    assert {"LocalManager", "release_local"} <= set(erlen.local.__all__)


# -- release_local -----------------------------------------------------------------


def test_release_local_empties_a_local() -> None:
    local = Local()
    local.user = "alice"
    local.role = "admin"
    assert release_local(local) is None
    assert list(local) == []
    with pytest.raises(AttributeError):
        _ = local.user
    local.user = "bob"  # usable again
    assert local.user == "bob"


def test_release_local_empties_a_stack() -> None:
    stack: LocalStack[int] = LocalStack()
    stack.push(1)
    stack.push(2)
    release_local(stack)
    assert stack.top is None
    assert stack.pop() is None


def test_release_local_only_touches_the_current_context() -> None:
    local = Local()
    local.value = "outer"
    snapshot = contextvars.copy_context()

    seen: list[Any] = []
    ready, released = threading.Event(), threading.Event()

    def other_thread() -> None:
        local.value = "thread"
        ready.set()
        released.wait(5)
        seen.append(local.value)

    thread = threading.Thread(target=other_thread)
    thread.start()
    ready.wait(5)
    release_local(local)
    released.set()
    thread.join(5)

    assert not hasattr(local, "value")
    assert seen == ["thread"]
    assert snapshot.run(lambda: local.value) == "outer"


# -- LocalManager ------------------------------------------------------------------


def test_local_manager_accepts_one_or_many() -> None:
    a, b = Local(), Local()
    stack: LocalStack[Any] = LocalStack()
    assert LocalManager().locals == []
    assert LocalManager(None).locals == []
    assert LocalManager(a).locals == [a]
    assert LocalManager(stack).locals == [stack]
    assert LocalManager([a, stack, b]).locals == [a, stack, b]
    assert LocalManager(x for x in (a, b)).locals == [a, b]
    assert repr(LocalManager([a, b])) == "<LocalManager storages: 2>"


def test_local_manager_cleanup_releases_every_local() -> None:
    a, b = Local(), Local()
    stack: LocalStack[str] = LocalStack()
    untouched = Local()
    a.x = 1
    b.y = 2
    stack.push("req")
    untouched.z = 3
    manager = LocalManager([a, b, stack])
    manager.cleanup()
    assert list(a) == [] and list(b) == []
    assert stack.top is None
    assert untouched.z == 3
    manager.cleanup()  # releasing twice is harmless


class Body:
    """A WSGI body that records when it is iterated and closed."""

    def __init__(self, events: list[str], local: Local) -> None:
        self.events = events
        self.local = local

    def __iter__(self) -> Iterator[bytes]:
        self.events.append(f"iter user={getattr(self.local, 'user', None)}")
        yield b"hello "
        yield b"world"

    def close(self) -> None:
        self.events.append(f"close user={getattr(self.local, 'user', None)}")


def make_app(
    local: Local, stack: LocalStack[str], events: list[str]
) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        local.user = environ["USER"]
        stack.push("ctx")
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body(events, local)

    return app


def test_make_middleware_cleans_up_after_the_response_is_closed() -> None:
    local = Local()
    stack: LocalStack[str] = LocalStack()
    events: list[str] = []
    manager = LocalManager([local, stack])
    wrapped = manager.make_middleware(make_app(local, stack, events))

    statuses: list[str] = []
    body = wrapped({"USER": "alice"}, lambda status, headers: statuses.append(status))
    assert statuses == ["200 OK"]
    assert b"".join(body) == b"hello world"
    # Still there while the server holds the body: released only on close().
    assert local.user == "alice" and stack.top == "ctx"
    body.close()  # type: ignore[attr-defined]
    # The app's own close() ran first, with the values still set.
    assert events == ["iter user=alice", "close user=alice"]
    assert not hasattr(local, "user")
    assert stack.top is None


def test_middleware_decorator_keeps_the_app_name() -> None:
    local = Local()
    manager = LocalManager(local)

    @manager.middleware
    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """The app."""
        local.seen = True
        start_response("204 No Content", [])
        return []

    assert application.__name__ == "application"
    assert application.__doc__ == "The app."
    body = application({}, lambda *args: None)
    assert local.seen is True
    body.close()  # type: ignore[attr-defined]
    assert not hasattr(local, "seen")


def test_middleware_per_thread_requests_do_not_release_each_other() -> None:
    local = Local()
    manager = LocalManager(local)
    results: dict[str, Any] = {}
    first_done = threading.Event()

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        local.user = environ["USER"]
        start_response("200 OK", [])
        return [b"x"]

    wrapped = manager.make_middleware(app)

    def serve(user: str, wait: threading.Event | None) -> None:
        body = wrapped({"USER": user}, lambda *args: None)
        list(body)
        if wait is not None:
            wait.wait(5)
        results[user] = local.user
        body.close()  # type: ignore[attr-defined]
        results[f"{user} after"] = getattr(local, "user", None)
        if wait is None:
            first_done.set()

    slow = threading.Thread(target=serve, args=("slow", first_done))
    slow.start()
    fast = threading.Thread(target=serve, args=("fast", None))
    fast.start()
    fast.join(5)
    slow.join(5)
    assert results == {"fast": "fast", "fast after": None, "slow": "slow", "slow after": None}


def test_local_manager_matches_werkzeug() -> None:
    wz_local = pytest.importorskip("werkzeug.local")
    for local_cls, manager_cls in ((Local, LocalManager), (wz_local.Local, wz_local.LocalManager)):
        local = local_cls()
        manager = manager_cls([local])
        events: list[str] = []

        def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Body:
            local.user = "u"  # noqa: B023  the loop's own local, used at once
            start_response("200 OK", [])
            return Body(events, local)  # noqa: B023

        body = manager.make_middleware(app)({}, lambda *args: None)
        assert b"".join(body) == b"hello world"
        assert local.user == "u"
        body.close()
        assert events == ["iter user=u", "close user=u"]
        assert not hasattr(local, "user")
        assert repr(manager) == "<LocalManager storages: 1>"


def test_local_manager_takes_a_single_stack_unlike_werkzeug() -> None:
    wz_local = pytest.importorskip("werkzeug.local")
    with pytest.raises(TypeError):
        wz_local.LocalManager(wz_local.LocalStack())  # Werkzeug iterates it
    stack: LocalStack[int] = LocalStack()
    stack.push(1)
    LocalManager(stack).cleanup()
    assert stack.top is None
