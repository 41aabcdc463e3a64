"""Measurements that need a process of their own, run as ``python -m suite.probes``.

``rss KEY``: resident memory of a process serving a minimal app (one route).
``leak KEY FIXTURES N``: memory before and after N requests cycling through the
scenarios the app passes. Each prints one ``PROBEJSON {...}`` line.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Any

from .apps import BY_KEY, AppSpec
from .drivers import AsgiDriver, WsgiDriver
from .fixtures import Fixtures
from .http import HttpRequest, HttpResponse
from .scenarios import SCENARIOS, routing_path

# Compiling a template string per request is slow and cannot leak differently
# from the file template; it is left out of the leak mix to keep the probe short.
LEAK_SKIP = {"template_string"}


def rss_kib() -> int:
    """This process's resident set size in KiB (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class _Caller:
    def __init__(self, spec: AppSpec, app: Any) -> None:
        self.app = app
        self.asgi = AsgiDriver() if spec.protocol == "asgi" else None
        self.wsgi = WsgiDriver(app) if spec.protocol == "wsgi" else None
        if self.asgi is not None:
            self.asgi.startup(app)

    def __call__(self, req: HttpRequest) -> HttpResponse:
        if self.asgi is not None:
            return self.asgi.request(self.app, req)
        assert self.wsgi is not None
        return self.wsgi.request(req)


def probe_rss(key: str) -> dict[str, Any]:
    """Interpreter alone, then with the framework imported and a one-route app serving."""
    base = rss_kib()
    spec = BY_KEY[key]
    app = spec.build_routing(1, False)
    call = _Caller(spec, app)
    req = HttpRequest("GET", routing_path(0, False))
    for _ in range(200):
        resp = call(req)
    return {"python_kib": base, "app_kib": rss_kib(), "status": resp.status}


def probe_leak(key: str, root: str, n: int) -> dict[str, Any]:
    """RSS and live objects before and after ``n`` requests (after a warm-up of n/10)."""
    spec = BY_KEY[key]
    app = spec.build(Fixtures(Path(root)).prepare())
    call = _Caller(spec, app)
    skip = set(spec.unsupported()) | LEAK_SKIP
    requests, used = [], []
    for scenario in SCENARIOS:
        if scenario.name in skip:
            continue
        try:
            req = scenario.request
            if scenario.prepare is not None:
                req = scenario.prepare(call, req)
            if scenario.check(call(req)) is None:
                requests.append(req)
                used.append(scenario.name)
        except Exception:
            continue
    if not requests:
        return {"error": "no scenario passed its check"}

    def cycle(count: int) -> None:
        for i in range(count):
            call(requests[i % len(requests)])

    cycle(max(len(requests), n // 10))
    gc.collect()
    rss0, objects0 = rss_kib(), len(gc.get_objects())
    cycle(n)
    gc.collect()
    return {
        "requests": n,
        "scenarios": used,
        "rss_before_kib": rss0,
        "rss_after_kib": rss_kib(),
        "objects_before": objects0,
        "objects_after": len(gc.get_objects()),
    }


def main() -> None:
    kind, key, *rest = sys.argv[1:]
    if kind == "rss":
        result = probe_rss(key)
    elif kind == "leak":
        result = probe_leak(key, rest[0], int(rest[1]))
    else:
        raise SystemExit(f"unknown probe {kind!r}")
    print("PROBEJSON " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
