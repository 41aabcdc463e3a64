"""Request parsing cost, erlen beside Werkzeug, in one run.

Each operation builds a fresh request (from an equivalent WSGI environ) and
reads one thing from it: nothing, ``args`` (10 query parameters), ``form``
(a urlencoded body of 10 fields), ``get_json()`` (a ~1 KB body) or
``cookies`` (5 cookies). erlen is measured twice: built from the environ by
its WSGI adapter (what a WSGI server pays, the fair comparison), and built
directly through the sans-io constructor (what the ASGI adapter and the test
client pay). Prints a Markdown table of microseconds per operation (median
of several ``timeit`` repeats) and erlen's time as a ratio of Werkzeug's.

Run: ``python benchmarks/bench_request.py [--quick]``.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import timeit
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request as WerkzeugRequest

from erlen.http.datastructures import Headers
from erlen.http.request import Request

try:
    from erlen.adapters.wsgi import request_from_environ
except ImportError:  # the adapter is optional for this benchmark
    request_from_environ = None  # type: ignore[assignment]

QUERY = urlencode([(f"param{i}", f"value {i}/ä") for i in range(10)]).encode()
FORM = urlencode([(f"field{i}", f"some text {i} & more") for i in range(10)]).encode()
JSON_BODY = json.dumps(
    {
        "user": {"id": 1234, "name": "Ann Example", "email": "ann@example.com", "tags": ["a"] * 5},
        "items": [{"sku": f"SKU-{i:04d}", "qty": i, "price": i * 1.25} for i in range(16)],
        "note": "x" * 120,
    }
).encode()
COOKIE = "; ".join(
    [
        "session=eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoxfQ.c2lnbmF0dXJl",
        "theme=dark",
        'lang="en-GB"',
        "csrftoken=a8f5f167f44f4964e6c998dee827110c",
        "_ga=GA1.2.1234567890.1234567890",
    ]
)
BASE_HEADERS = {
    "HTTP_HOST": "example.com",
    "HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
    "HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8",
    "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.5",
    "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
    "HTTP_CONNECTION": "keep-alive",
}


def make_environ(
    method: str = "GET",
    query: bytes = b"",
    body: bytes = b"",
    content_type: str | None = None,
    cookie: str | None = None,
) -> dict[str, Any]:
    """A WSGI environ as a server builds it (without ``wsgi.input``)."""
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": "/api/items",
        "QUERY_STRING": query.decode("latin-1"),
        "SERVER_NAME": "example.com",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **BASE_HEADERS,
    }
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
    if content_type:
        env["CONTENT_TYPE"] = content_type
    if cookie:
        env["HTTP_COOKIE"] = cookie
    return env


def sansio_args(env: dict[str, Any]) -> tuple[Any, ...]:
    """The sans-io constructor's arguments for the same request."""
    headers = Headers()
    for key, value in env.items():
        if key.startswith("HTTP_"):
            headers.add(key[5:].replace("_", "-").title(), value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            headers.add(key.replace("_", "-").title(), value)
    return (
        env["REQUEST_METHOD"],
        "http",
        ("example.com", 80),
        "",
        env["PATH_INFO"],
        env["QUERY_STRING"].encode("latin-1"),
        headers,
        "127.0.0.1",
    )


CASES: dict[str, tuple[dict[str, Any], Callable[[Any], Any]]] = {
    "build only": (make_environ(), lambda r: r),
    "args (10 params)": (make_environ(query=QUERY), lambda r: r.args["param9"]),
    "form (urlencoded, 10 fields)": (
        make_environ("POST", body=FORM, content_type="application/x-www-form-urlencoded"),
        lambda r: r.form["field9"],
    ),
    f"get_json() ({len(JSON_BODY)} B)": (
        make_environ("POST", body=JSON_BODY, content_type="application/json"),
        lambda r: r.get_json()["note"],
    ),
    "cookies (5)": (make_environ(cookie=COOKIE), lambda r: r.cookies["theme"]),
}


def bodies() -> dict[str, bytes]:
    return {
        "form (urlencoded, 10 fields)": FORM,
        f"get_json() ({len(JSON_BODY)} B)": JSON_BODY,
    }


def runners(name: str) -> dict[str, Callable[[], Any]]:
    env, read = CASES[name]
    body = bodies().get(name, b"")
    args = sansio_args(env)
    BytesIO = io.BytesIO

    def werkzeug() -> Any:
        e = env.copy()
        e["wsgi.input"] = BytesIO(body)
        return read(WerkzeugRequest(e))

    def erlen_environ() -> Any:
        e = env.copy()
        e["wsgi.input"] = BytesIO(body)
        return read(request_from_environ(e, Request))

    def erlen_sansio() -> Any:
        return read(Request(*args, BytesIO(body)))

    out = {"werkzeug": werkzeug, "erlen_sansio": erlen_sansio}
    if request_from_environ is not None:
        out["erlen_environ"] = erlen_environ
    # Same answers from every implementation before timing anything.
    results = {key: fn() for key, fn in out.items()}
    if name != "build only":
        assert len(set(map(repr, results.values()))) == 1, results
    return out


def measure(fns: dict[str, Callable[[], Any]], number: int, repeat: int) -> dict[str, float]:
    """Median microseconds per call of each function.

    The implementations take turns within every repeat, so a load spike on
    the machine hits all of them instead of skewing one.
    """
    samples: dict[str, list[float]] = {key: [] for key in fns}
    for _ in range(repeat):
        for key, fn in fns.items():
            samples[key].append(timeit.timeit(fn, number=number) / number * 1e6)
    return {key: statistics.median(values) for key, values in samples.items()}


def main() -> None:
    quick = "--quick" in sys.argv
    number, repeat = (1_000, 5) if quick else (5_000, 15)
    rows = []
    for name in CASES:
        times = measure(runners(name), number, repeat)
        rows.append((name, times["werkzeug"], times.get("erlen_environ"), times["erlen_sansio"]))

    print(f"Request parsing, median of {repeat} x {number} runs, µs per operation\n")
    print("| operation | Werkzeug | erlen (from environ) | ratio | erlen (sans-io) | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, wz, environ, sansio in rows:
        env_cell = "n/a" if environ is None else f"{environ:.2f}"
        env_ratio = "n/a" if environ is None else f"{environ / wz:.2f}x"
        print(
            f"| {name} | {wz:.2f} | {env_cell} | {env_ratio} | {sansio:.2f} | {sansio / wz:.2f}x |"
        )
    print("\nratio = erlen time / Werkzeug time (below 1.00x: erlen is faster)")


if __name__ == "__main__":
    main()
