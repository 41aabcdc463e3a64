"""erlen._workers.WorkerPool: the threads that run sync code under ASGI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import CancelledError
from typing import Any

import pytest

from erlen._workers import WorkerPool

WAIT = 5


@pytest.fixture
def pool() -> Any:
    pool = WorkerPool(3, thread_name_prefix="test-pool")
    yield pool
    pool.shutdown(wait=True)


def test_submit_returns_the_result_and_the_exception(pool: WorkerPool) -> None:
    assert pool.submit(pow, 2, 10).result(WAIT) == 1024
    with pytest.raises(ZeroDivisionError):
        pool.submit(divmod, 1, 0).result(WAIT)
    assert list(pool.map(str.upper, ["a", "b"], timeout=WAIT)) == ["A", "B"]


def test_run_soon_runs_the_call_in_a_named_worker_and_survives_its_error(
    pool: WorkerPool,
) -> None:
    seen: list[str] = []
    done = threading.Event()

    def fail() -> None:
        raise RuntimeError("reported by the call itself")

    def record() -> None:
        seen.append(threading.current_thread().name)
        done.set()

    pool.run_soon(fail)
    pool.run_soon(record)
    assert done.wait(WAIT)
    assert seen[0].startswith("test-pool_")


def test_threads_grow_to_the_limit_and_are_reused(pool: WorkerPool) -> None:
    release = threading.Event()
    running: list[str] = []
    lock = threading.Lock()

    def block() -> None:
        with lock:
            running.append(threading.current_thread().name)
        release.wait(WAIT)

    futures = [pool.submit(block) for _ in range(5)]
    deadline = time.monotonic() + WAIT
    while len(running) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)
    # Three threads at most: two calls wait in the queue.
    assert len(running) == 3
    release.set()
    for future in futures:
        future.result(WAIT)
    assert len(running) == 5
    assert len(set(running)) == 3
    # Idle threads take later calls: none is added.
    names = {pool.submit(lambda: threading.current_thread().name).result(WAIT) for _ in range(20)}
    assert names <= set(running)
    assert len(pool._threads) == 3


def test_an_idle_thread_is_used_before_a_new_one(pool: WorkerPool) -> None:
    for _ in range(50):
        pool.submit(int).result(WAIT)
    assert len(pool._threads) == 1


def test_shutdown_runs_what_was_queued_then_refuses(pool: WorkerPool) -> None:
    release = threading.Event()
    ran: list[int] = []
    pool.submit(release.wait, WAIT)
    queued = [pool.submit(ran.append, i) for i in range(3)]
    release.set()
    pool.shutdown(wait=True)
    assert ran == [0, 1, 2] and all(f.done() for f in queued)
    assert all(not t.is_alive() for t in pool._threads)
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(int)
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.run_soon(int)


def test_shutdown_can_cancel_what_has_not_started() -> None:
    pool = WorkerPool(1)
    release = threading.Event()
    started = threading.Event()

    def block() -> str:
        started.set()
        release.wait(WAIT)
        return "finished"

    first = pool.submit(block)
    assert started.wait(WAIT)
    waiting = pool.submit(int)
    ran: list[str] = []
    pool.run_soon(lambda: ran.append("run_soon work is kept"))
    release.set()
    pool.shutdown(wait=True, cancel_futures=True)
    assert first.result(WAIT) == "finished"
    assert waiting.cancelled()
    with pytest.raises(CancelledError):
        waiting.result(0)
    assert ran == ["run_soon work is kept"]


def test_a_cancelled_future_is_skipped(pool: WorkerPool) -> None:
    single = WorkerPool(1)
    release = threading.Event()
    ran: list[str] = []
    try:
        single.submit(release.wait, WAIT)
        skipped = single.submit(ran.append, "skipped")
        assert skipped.cancel()
        release.set()
        single.submit(ran.append, "later").result(WAIT)
    finally:
        single.shutdown(wait=True)
    assert ran == ["later"]


def test_run_in_executor_awaits_a_submitted_call(pool: WorkerPool) -> None:
    async def main() -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, lambda: threading.current_thread().name)

    assert asyncio.run(main()).startswith("test-pool_")


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        WorkerPool(0)


def test_work_running_at_exit_is_finished_first(tmp_path: Any) -> None:
    marker = tmp_path / "finished"
    script = f"""
import threading, time
from erlen._workers import WorkerPool
pool = WorkerPool(2)
started = threading.Event()
def slow():
    started.set()
    time.sleep(0.3)
    open({str(marker)!r}, "w").write("done")
pool.run_soon(slow)
started.wait(5)
"""
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
    assert marker.read_text() == "done"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_starts_its_own_threads() -> None:
    pool = WorkerPool(1)
    try:
        # The parent's one thread exists and is idle when the child forks.
        assert pool.submit(int).result(WAIT) == 0
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child reports through its exit code
            try:
                ok = pool.submit(lambda: "child").result(WAIT) == "child"
            except BaseException:
                ok = False
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert pool.submit(lambda: "parent").result(WAIT) == "parent"
    finally:
        pool.shutdown(wait=True)
