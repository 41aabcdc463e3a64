"""How URL matching cost grows with the number of rules, erlen beside Werkzeug.

Builds maps of 10, 100, 1,000 and 10,000 rules (half static, half dynamic,
in the shapes real applications use) and times ``Map.bind(...).match(path)``
for a static path and a dynamic path, both near the end of the rule list.
Prints a Markdown table: microseconds per call (median of several timeit
repeats), erlen's time as a ratio of Werkzeug's, and each library's growth
from the smallest map. Run: ``python benchmarks/bench_routing.py [--quick]``.
"""

from __future__ import annotations

import statistics
import sys
import timeit
from collections.abc import Callable
from typing import Any

import werkzeug.routing as wz

import erlen.routing as er

SIZES = (10, 100, 1_000, 10_000)


def make_rules(module: Any, size: int) -> list[Any]:
    """``size`` rules: static pages and resources with int, string and path converters."""
    rule_cls = module.Rule
    rules = []
    for i in range(size // 2):
        rules.append(rule_cls(f"/section{i}/page", endpoint=f"static{i}"))
        shape = i % 3
        if shape == 0:
            rules.append(rule_cls(f"/api/v1/items{i}/<int:item_id>", endpoint=f"dyn{i}"))
        elif shape == 1:
            rules.append(
                rule_cls(f"/users{i}/<name>/posts/<int:post>", endpoint=f"dyn{i}", methods=["GET"])
            )
        else:
            rules.append(rule_cls(f"/files{i}/<path:name>", endpoint=f"dyn{i}"))
    return rules


def targets(size: int) -> tuple[str, str]:
    """A static and a dynamic path matched by rules near the end of the map."""
    last = size // 2 - 1
    i = last - (last % 3)  # the last item of shape 0
    return f"/section{last}/page", f"/api/v1/items{i}/42"


def prepare(module: Any, size: int) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The static and the dynamic match call for a map of ``size`` rules."""
    url_map = module.Map(make_rules(module, size))
    static_path, dynamic_path = targets(size)
    assert url_map.bind("example.com").match(static_path)[0] == f"static{size // 2 - 1}"
    assert url_map.bind("example.com").match(dynamic_path)[1] == {"item_id": 42}

    # Bind per call, as a framework does per request.
    def static() -> Any:
        return url_map.bind("example.com").match(static_path)

    def dynamic() -> Any:
        return url_map.bind("example.com").match(dynamic_path)

    return static, dynamic


def main() -> None:
    quick = "--quick" in sys.argv
    number, repeat = (2_000, 3) if quick else (20_000, 7)
    libraries = {"erlen": er, "werkzeug": wz}
    calls = {(name, size): prepare(lib, size) for name, lib in libraries.items() for size in SIZES}
    runs: dict[tuple[str, int, int], list[float]] = {
        (name, size, kind): [] for name, size in calls for kind in (0, 1)
    }
    # Rounds interleave every case, so background load hits all of them alike.
    for _ in range(repeat):
        for (name, size), funcs in calls.items():
            for kind, func in enumerate(funcs):
                seconds = timeit.timeit(func, number=number)
                runs[name, size, kind].append(seconds / number * 1e6)
    results = {
        name: {
            size: (statistics.median(runs[name, size, 0]), statistics.median(runs[name, size, 1]))
            for size in SIZES
        }
        for name in libraries
    }

    print(f"Map.bind(...).match(path), µs per call, median of {repeat} x {number}\n")
    print(
        "| rules | erlen static | werkzeug static | ratio | erlen dynamic "
        "| werkzeug dynamic | ratio |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in SIZES:
        es, ed = results["erlen"][size]
        ws, wd = results["werkzeug"][size]
        print(
            f"| {size:,} | {es:.2f} | {ws:.2f} | {es / ws:.2f}x "
            f"| {ed:.2f} | {wd:.2f} | {ed / wd:.2f}x |"
        )
    first, last = SIZES[0], SIZES[-1]
    print(f"\nGrowth from {first:,} to {last:,} rules (target for erlen: below 2x):\n")
    print("| library | static | dynamic |")
    print("|---|---:|---:|")
    for name in ("erlen", "werkzeug"):
        s0, d0 = results[name][first]
        s1, d1 = results[name][last]
        print(f"| {name} | {s1 / s0:.2f}x | {d1 / d0:.2f}x |")


if __name__ == "__main__":
    main()
