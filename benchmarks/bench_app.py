"""Time whole requests through ``wsgi_app``: erlen beside Flask, in one run.

The cases: "hello world" (one static route returning a string), "JSON with
an int path parameter among 50 routes", a 404 among those routes, a query
string read through ``request.args``, a small urlencoded form POST, a JSON
POST echoed back and a session read-modify-write (a counter). Each
request is a fresh WSGI environ driven in-process (no server, no sockets); the
body is consumed and closed as a server would. Prints the median microseconds per request over several
repeats and the ratio erlen/Flask as a Markdown table.

    python benchmarks/bench_app.py
    python benchmarks/bench_app.py --asgi   # ASGI, async views, against Starlette
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


def _driver(
    app: Any,
    path: str,
    query: str = "",
    method: str = "GET",
    body: bytes = b"",
    extra: dict[str, str] | None = None,
) -> Callable[[], bytes]:
    base = _environ(path)
    base["QUERY_STRING"] = query
    base["REQUEST_METHOD"] = method
    if body:
        base["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        base["CONTENT_LENGTH"] = str(len(body))
    base.update(extra or {})

    def run() -> bytes:
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO(body)
        out = app.wsgi_app(environ, _start_response)
        try:
            return b"".join(out)
        finally:
            close = getattr(out, "close", None)
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


def query(module: str) -> Any:
    if module == "flask":
        from flask import Flask as App
        from flask import request
    else:
        from erlen import Erlen as App
        from erlen import request
    app = App(__name__)

    @app.route("/search")
    def search() -> dict[str, Any]:
        args = request.args
        return {
            "q": args.get("q"),
            "page": args.get("page", type=int),
            "tags": args.getlist("tags"),
        }

    return app


def form(module: str) -> Any:
    if module == "flask":
        from flask import Flask as App
        from flask import request
    else:
        from erlen import Erlen as App
        from erlen import request
    app = App(__name__)

    @app.post("/form")
    def submit() -> dict[str, Any]:
        return {"name": request.form["name"], "tags": request.form.getlist("tag")}

    return app


def echo(module: str) -> Any:
    if module == "flask":
        from flask import Flask as App
        from flask import jsonify, request
    else:
        from erlen import Erlen as App
        from erlen import jsonify, request
    app = App(__name__)

    @app.post("/echo")
    def echo_view() -> Any:
        return jsonify(request.get_json())

    return app


def session_counter(module: str) -> Any:
    if module == "flask":
        from flask import Flask as App
        from flask import session
    else:
        from erlen import Erlen as App
        from erlen import session
    app = App(__name__)
    app.secret_key = "bench-secret"

    @app.route("/session")
    def counter() -> str:
        count = session.get("count", 0) + 1
        session["count"] = count
        return str(count)

    return app


ECHO_BODY = b'{"name": "widget", "tags": ["a", "b", "c"], "price": 12.5, "qty": 3}'


def _session_cookie(app: Any) -> dict[str, str]:
    """The ``Cookie`` header a browser sends back after two visits."""
    client = app.test_client()
    client.get("/session")
    value = client.get("/session").headers["Set-Cookie"].split(";", 1)[0]
    return {"HTTP_COOKIE": value}


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
    cases: list[tuple[str, Callable[[str], Any], str, str, str, bytes]] = [
        ("hello world", hello, "/", "", "GET", b""),
        ("JSON, int path parameter, 50 routes", json_routes, "/items/42", "", "GET", b""),
        ("404 among 50 routes", json_routes, "/nowhere/42", "", "GET", b""),
        ("query string", query, "/search", "q=hello+world&page=3&tags=a&tags=b", "GET", b""),
        ("urlencoded form POST", form, "/form", "", "POST", b"name=J%C3%BCrgen+M&tag=a&tag=b"),
    ]
    rows = []
    for title, factory, path, qs, method, body in cases:
        erlen_run = _driver(factory("erlen"), path, qs, method, body)
        flask_run = _driver(factory("flask"), path, qs, method, body)
        if factory is not json_routes or path != "/nowhere/42":
            # The 404 pages differ in wording; the other bodies must be equal.
            assert erlen_run() == flask_run(), (erlen_run(), flask_run())
        erlen_us, flask_us = measure([erlen_run, flask_run], 3000)
        rows.append((title, erlen_us, flask_us, erlen_us / flask_us))
    # JSON POST echo and a session read-modify-write: the bodies differ in
    # layout (Flask's JSON spacing, each one's cookie format), not in content.
    json_post = {"CONTENT_TYPE": "application/json"}
    for title, factory, path, method, body in [
        ("JSON POST echo", echo, "/echo", "POST", ECHO_BODY),
        ("session read-modify-write", session_counter, "/session", "GET", b""),
    ]:
        runs = []
        for module in ("erlen", "flask"):
            app = factory(module)
            extra = json_post if body else _session_cookie(app)
            runs.append(_driver(app, path, "", method, body, extra))
        assert runs[0]().replace(b" ", b"") == runs[1]().replace(b" ", b"")
        erlen_us, flask_us = measure(runs, 3000)
        rows.append((title, erlen_us, flask_us, erlen_us / flask_us))
    print("| case | erlen µs | Flask µs | erlen / Flask |")
    print("|---|---:|---:|---:|")
    for title, e, f, ratio in rows:
        print(f"| {title} | {e:.1f} | {f:.1f} | {ratio:.2f} |")


def asgi_apps(module: str) -> Any:
    """hello world, JSON with an int parameter among 50 routes and a query
    string, all ``async def`` views, for the ASGI comparison."""
    if module == "starlette":
        from starlette.applications import Starlette
        from starlette.responses import JSONResponse, PlainTextResponse
        from starlette.routing import Route

        async def s_hello(r: Any) -> Any:
            return PlainTextResponse("Hello, World!")

        async def s_item(r: Any) -> Any:
            return JSONResponse({"id": r.path_params["item_id"], "name": "widget"})

        async def s_search(r: Any) -> Any:
            return PlainTextResponse(r.query_params.get("q", ""))

        routes = [Route(f"/filler{i}/{{x:int}}", s_hello) for i in range(49)]
        routes += [Route("/", s_hello), Route("/items/{item_id:int}", s_item)]
        return Starlette(routes=[*routes, Route("/search", s_search)])
    from erlen import Erlen, request

    app = Erlen(__name__)
    for i in range(49):
        app.add_url_rule(f"/filler{i}/<int:x>", f"filler{i}", lambda x: {"x": x})

    @app.route("/")
    async def e_hello() -> str:
        return "Hello, World!"

    @app.route("/items/<int:item_id>")
    async def e_item(item_id: int) -> dict[str, Any]:
        return {"id": item_id, "name": "widget"}

    @app.route("/search")
    async def e_search() -> str:
        return request.args.get("q", "")

    return app


def asgi_main() -> None:
    """``--asgi``: erlen's ASGI path against Starlette (when installed), in
    process: one reused event loop, each request a fresh scope."""
    import asyncio

    try:
        names = ["erlen", "starlette"]
        apps = [asgi_apps(name) for name in names]
    except ImportError:
        names = ["erlen"]
        apps = [asgi_apps("erlen")]
    loop = asyncio.new_event_loop()
    request_message = {"type": "http.request", "body": b"", "more_body": False}

    async def receive() -> dict[str, Any]:
        return request_message

    async def send(message: dict[str, Any]) -> None:
        pass

    def driver(app: Any, path: str, qs: bytes) -> Callable[[], bytes]:
        base = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": qs,
            "root_path": "",
            "headers": [(b"host", b"localhost"), (b"user-agent", b"bench"), (b"accept", b"*/*")],
            "client": ("127.0.0.1", 5000),
            "server": ("localhost", 80),
        }

        async def batch() -> None:
            for _ in range(100):
                await app(dict(base), receive, send)

        def run() -> bytes:
            loop.run_until_complete(batch())
            return b""

        return run

    cases = [("hello world", "/", b""), ("JSON, int parameter", "/items/42", b"")]
    cases.append(("query string", "/search", b"q=hello"))
    print("| case (ASGI, async views) | " + " | ".join(f"{n} µs" for n in names) + " |")
    print("|---|" + "---:|" * len(names))
    for title, path, qs in cases:
        times = measure([driver(app, path, qs) for app in apps], 30)
        print(f"| {title} | " + " | ".join(f"{t / 100:.1f}" for t in times) + " |")
    loop.close()


if __name__ == "__main__":
    if "--asgi" in sys.argv:
        asgi_main()
    else:
        main()
