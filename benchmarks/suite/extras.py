"""Import time, process memory and per-request memory stability, each in fresh
subprocesses of the benchmark interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .apps import BY_KEY, AppSpec
from .fixtures import Fixtures
from .stats import Summary, summarize

HERE = Path(__file__).resolve().parent.parent
# What an app of each framework imports (``import starlette`` alone loads nothing).
IMPORTS = (
    "erlen",
    "flask",
    "quart",
    "starlette.applications",
    "fastapi",
    "falcon",
    "bottle",
)


@dataclass(frozen=True, slots=True)
class ImportTime:
    """How long ``import <module>`` takes in a fresh interpreter (ms)."""

    module: str
    cumulative: Summary  # -X importtime's cumulative figure for the package
    wall: Summary  # process wall time minus a bare interpreter's


# Installed packages import from bytecode; an editable erlen would recompile
# its sources on every run when PYTHONDONTWRITEBYTECODE is set (this machine
# sets it), so the probes run without it, each module imported once first.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _run(args: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=HERE, capture_output=True, text=True, timeout=timeout,
        check=False, env=_ENV,
    )  # fmt: skip


def _wall(args: list[str]) -> float:
    t0 = time.perf_counter()
    proc = _run(args)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1])
    return elapsed * 1000


def import_times(runs: int, modules: tuple[str, ...] = IMPORTS) -> list[ImportTime | str]:
    """Median of ``runs`` fresh imports per module; a string for a module that failed."""
    baseline = summarize([_wall(["-c", "pass"]) for _ in range(runs)]).median
    startup = _top_level(_run(["-X", "importtime", "-c", "pass"]).stderr)
    results: list[ImportTime | str] = []
    for module in modules:
        cumulative, wall = [], []
        try:
            _run(["-c", f"import {module}"])  # writes the bytecode caches
            for _ in range(runs):
                t0 = time.perf_counter()
                proc = _run(["-X", "importtime", "-c", f"import {module}"])
                wall.append((time.perf_counter() - t0) * 1000 - baseline)
                if proc.returncode != 0:
                    raise RuntimeError(proc.stderr.strip().splitlines()[-1])
                cumulative.append(_cumulative_ms(proc.stderr, startup))
        except (RuntimeError, ValueError) as e:
            results.append(f"{module}: {e}")
            continue
        item = ImportTime(module, summarize(cumulative), summarize(wall))
        results.append(item)
        print(f"  import {module:<10} {item.cumulative.median:7.1f} ms", file=sys.stderr)
    return results


def _top_level(stderr: str) -> dict[str, float]:
    """Outermost imports of an ``-X importtime`` report: name -> cumulative ms."""
    # Lines look like "import time:  self | cumulative |   name", two spaces a level.
    out = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, name = line.split("|")
        if name.startswith("  ") or not cumulative.strip().isdigit():
            continue
        out[name.strip()] = int(cumulative) / 1000
    return out


def _cumulative_ms(stderr: str, startup: dict[str, float]) -> float:
    """What ``import X`` added: the outermost imports a bare interpreter does not make."""
    added = {k: v for k, v in _top_level(stderr).items() if k not in startup}
    if not added:
        raise ValueError("no -X importtime lines")
    return sum(added.values())


def _probe(args: list[str], timeout: float) -> dict[str, Any]:
    proc = _run(["-m", "suite.probes", *args], timeout=timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("PROBEJSON "):
            data: dict[str, Any] = json.loads(line[10:])
            return data
    lines = proc.stderr.strip().splitlines()
    return {"error": lines[-1] if lines else f"exit code {proc.returncode}"}


def memory(specs: list[AppSpec]) -> dict[str, dict[str, Any]]:
    """RSS of a process serving a one-route app, per app."""
    out = {}
    for spec in specs:
        out[spec.key] = _probe(["rss", spec.key], timeout=120)
        print(f"  rss {spec.key:<12} {out[spec.key]}", file=sys.stderr)
    return out


def stability(fx: Fixtures, keys: list[str], n: int) -> dict[str, dict[str, Any]]:
    """Memory growth over ``n`` in-process requests, per app."""
    out = {}
    for key in keys:
        if key not in BY_KEY:
            continue
        out[key] = _probe(["leak", key, str(fx.root), str(n)], timeout=900)
        print(f"  leak {key:<12} {out[key]}", file=sys.stderr)
    return out
