"""A process forked after serving ASGI (preloading servers do this) still runs sync views."""

from __future__ import annotations

import os
import sys

import pytest

from asgi_harness import call, run
from erlen import Erlen

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _app(name: str) -> Erlen:
    app = Erlen(name)

    @app.route("/")
    def index() -> str:  # a sync view: it runs in the worker thread pool
        return f"hello from {os.getpid()}"

    return app


def test_sync_view_after_fork_runs_in_the_child() -> None:
    parent = run(call(_app("parent_app"), "GET", "/"), timeout=10)
    assert parent.status == 200

    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            result = run(call(_app("child_app"), "GET", "/"), timeout=5)
            code = 0 if result.body == f"hello from {os.getpid()}".encode() else 2
        except BaseException as e:
            sys.stderr.write(f"child failed: {e!r}\n")
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
