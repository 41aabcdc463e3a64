"""Instructions per request, counted by valgrind's callgrind: the in-process
scenarios measured without a clock.

On a shared machine, times swing by a third between runs and rows of one run
by ±20%; the number of instructions the CPU executes for a request does not
(it repeats to within a few hundred). Each (app, scenario) pair runs in two
child processes under ``valgrind --tool=callgrind``, one sending the
validated request ``small`` times and one ``large`` times; the difference
divided by ``large - small`` is the cost of one request, with the start-up
(imports, app setup, validation) cancelled out.

Instructions are not time: allocation-heavy code and code that misses the
caches take longer per instruction, so the ratios here differ from the timed
tables by a few hundredths. They are for comparing two revisions of erlen, or
erlen with a peer, when the clock cannot be trusted.

The child side: ``python -m suite.instructions APP SCENARIO N FIXTURES``.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .apps import BY_KEY, AppSpec
from .fixtures import Fixtures
from .inprocess import _Target, validated
from .scenarios import BY_NAME, Scenario

DEFAULT_APPS = (
    "bare-wsgi", "erlen-wsgi", "flask", "falcon-wsgi", "bottle",
    "bare-asgi", "erlen-asgi", "starlette", "falcon-asgi",
)  # fmt: skip
DEFAULT_SCENARIOS = ("hello", "json_param", "query", "not_found")
# Requests sent before counting starts, so caches and lazy setup are warm.
WARMUP = 200
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


@dataclass(frozen=True, slots=True)
class Count:
    """Instructions per request for one app on one scenario, or why there is none."""

    app: str
    scenario: str
    per_request: float | None
    error: str = ""


def valgrind() -> str | None:
    """The valgrind program, or None when it is not installed."""
    return shutil.which("valgrind")


def _child_command(spec: AppSpec, scenario: Scenario, n: int, fx: Fixtures) -> list[str]:
    return [
        valgrind() or "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "suite.instructions",
        spec.key,
        scenario.name,
        str(n),
        str(fx.root),
    ]


def _collected(spec: AppSpec, scenario: Scenario, n: int, fx: Fixtures) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(
        _child_command(spec, scenario, n, fx),
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the child failed ({done.returncode}): {tail}")
    found = _COLLECTED.findall(done.stderr)
    if not found:
        raise RuntimeError("callgrind printed no instruction total")
    return int(found[-1])


def count(spec: AppSpec, scenario: Scenario, fx: Fixtures, small: int, large: int) -> Count:
    """Instructions per request of ``scenario`` on ``spec``'s app."""
    try:
        low = _collected(spec, scenario, small, fx)
        high = _collected(spec, scenario, large, fx)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        return Count(spec.key, scenario.name, None, str(e))
    return Count(spec.key, scenario.name, (high - low) / (large - small))


def count_all(
    apps: Sequence[AppSpec],
    scenarios: Sequence[Scenario],
    fx: Fixtures,
    small: int,
    large: int,
    workers: int | None = None,
) -> list[Count]:
    """Every (app, scenario) pair, ``workers`` children at a time (one per core)."""
    pairs = [
        (spec, scenario)
        for scenario in scenarios
        for spec in apps
        if scenario.name not in spec.unsupported()
    ]
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        futures = [pool.submit(count, spec, sc, fx, small, large) for spec, sc in pairs]
        results = []
        for future in futures:
            result = future.result()
            shown = f"{result.per_request:,.0f}" if result.per_request is not None else "failed"
            print(f"  {result.scenario:22} {result.app:16} {shown}", file=sys.stderr)
            results.append(result)
    return results


# Ratio columns: (label, numerator app, denominator app).
RATIOS = (
    ("erlen WSGI ÷ Flask", "erlen-wsgi", "flask"),
    ("erlen WSGI ÷ Falcon WSGI", "erlen-wsgi", "falcon-wsgi"),
    ("erlen WSGI ÷ Bottle", "erlen-wsgi", "bottle"),
    ("erlen ASGI ÷ Starlette", "erlen-asgi", "starlette"),
    ("erlen ASGI ÷ Quart", "erlen-asgi", "quart"),
)


def table(
    counts: Iterable[Count], apps: Sequence[AppSpec], scenarios: Sequence[Scenario]
) -> list[str]:
    """The Markdown table: thousands of instructions per request, and the ratios."""
    index = {(c.app, c.scenario): c for c in counts}
    keys = {spec.key for spec in apps}
    ratios = [r for r in RATIOS if r[1] in keys and r[2] in keys]
    head = ["scenario", *(spec.label for spec in apps), *(label for label, _, _ in ratios)]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]

    def value(app: str, scenario: str) -> float | None:
        found = index.get((app, scenario))
        return None if found is None else found.per_request

    for scenario in scenarios:
        cells = [scenario.name]
        for spec in apps:
            found = index.get((spec.key, scenario.name))
            if found is None:
                cells.append("n/a")
            elif found.per_request is None:
                cells.append("failed")
            else:
                cells.append(f"{found.per_request / 1000:,.1f}k")
        for _, top, bottom in ratios:
            a, b = value(top, scenario.name), value(bottom, scenario.name)
            cells.append(f"{a / b:.2f}x" if a is not None and b else "")
        lines.append("| " + " | ".join(cells) + " |")
    failed = [c for c in index.values() if c.per_request is None]
    if failed:
        lines += ["", "Failed rows:", ""]
        lines += [f"- {c.app} / {c.scenario}: {c.error}" for c in failed]
    return [*lines, ""]


def _child(argv: Sequence[str]) -> int:
    """Build the app, validate the scenario's response, warm up, then send it
    ``n`` times; exit 1 if any response differs from the validated one."""
    key, name, n_text, root = argv
    spec, scenario, n = BY_KEY[key], BY_NAME[name], int(n_text)
    fx = Fixtures(Path(root)).prepare()
    target = _Target(spec, spec.build(fx))
    try:
        checked = validated(target, scenario)
        if isinstance(checked, str):
            print(f"invalid response: {checked}", file=sys.stderr)
            return 1
        req, first = checked
        if target.batch(req, WARMUP, first.status, first.body)():
            print("a warm-up response differed", file=sys.stderr)
            return 1
        run = target.batch(req, n, first.status, first.body)
        gc.collect()
        bad = run()
        if bad:
            print(f"{bad} of {n} responses differed", file=sys.stderr)
            return 1
        return 0
    finally:
        target.close()


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
