"""Time whole requests through ``wsgi_app``: erlen beside Flask, in one run.

Two cases: "hello world" (one static route returning a string) and "JSON with
an int path parameter among 50 routes". Each request is a fresh WSGI environ
driven in-process (no server, no sockets); the body is consumed and closed as
a server would. Prints the median microseconds per request over several
repeats and the ratio erlen/Flask as a Markdown table.

    python benchmarks/bench_app.py
"""

from __future__ import annotations

import io
import statistics
import sys
import timeit
from collections.abc import Callable
from typing import Any

REPEATS = 7


def _environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "HTTP_USER_AGENT": "bench",
        "HTTP_ACCEPT": "*/*",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    pass


def _driver(app: Any, path: str) -> Callable[[], bytes]:
    base = _environ(path)

    def run() -> bytes:
        environ = dict(base)
        body = app.wsgi_app(environ, _start_response)
        try:
            return b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return run


def hello(module: str) -> Any:
    if module == "flask":
        from flask import Flask as App
    else:
        from erlen import Erlen as App
    app = App(__name__)

    @app.route("/")
    def index() -> str:
        return "Hello, World!"

    return app


def json_routes(module: str) -> Any:
    if module == "flask":
        from flask import Flask as App
    else:
        from erlen import Erlen as App
    app = App(__name__)
    for i in range(49):
        app.add_url_rule(f"/filler{i}/<int:x>", f"filler{i}", lambda x: {"x": x})

    @app.route("/items/<int:item_id>")
    def item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "name": "widget", "tags": ["a", "b"]}

    return app


def measure(runs: list[Callable[[], bytes]], number: int) -> list[float]:
    """Median µs per call of each of ``runs``; their batches are interleaved
    so that a change in machine load hits every contender alike."""
    timings: list[list[float]] = [[] for _ in runs]
    for run in runs:
        run()
    for _ in range(REPEATS):
        for index, run in enumerate(runs):
            timings[index].append(timeit.timeit(run, number=number) / number * 1e6)
    return [statistics.median(t) for t in timings]


def main() -> None:
    cases = [
        ("hello world", hello, "/"),
        ("JSON, int path parameter, 50 routes", json_routes, "/items/42"),
    ]
    rows = []
    for title, factory, path in cases:
        erlen_run = _driver(factory("erlen"), path)
        flask_run = _driver(factory("flask"), path)
        assert erlen_run() == flask_run(), (erlen_run(), flask_run())
        erlen_us, flask_us = measure([erlen_run, flask_run], 3000)
        rows.append((title, erlen_us, flask_us, erlen_us / flask_us))
    print("| case | erlen µs | Flask µs | erlen / Flask |")
    print("|---|---:|---:|---:|")
    for title, e, f, ratio in rows:
        print(f"| {title} | {e:.1f} | {f:.1f} | {ratio:.2f} |")


if __name__ == "__main__":
    main()
