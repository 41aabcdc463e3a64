"""Command line: ``python -m suite`` (through ``bash benchmarks/run``)."""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

from . import e2e, extras, inprocess, instructions, report
from .apps import APPS, BY_KEY, AppSpec
from .fixtures import Fixtures
from .scenarios import BY_NAME, SCENARIOS, Scenario

E2E_SCENARIOS = ("hello", "json_param", "json_echo", "template", "send_file")
LEAK_APPS = ("erlen-wsgi", "erlen-asgi", "erlen-asgi-sync", "flask")


def _names(value: str, known: Mapping[str, object], what: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bash benchmarks/run",
        description="Measure erlen beside Flask, Quart, Starlette, FastAPI, Falcon and Bottle.",
    )
    parser.add_argument("--quick", action="store_true", help="short runs (about 3 minutes)")
    parser.add_argument(
        "--mode",
        choices=("inprocess", "e2e", "all", "instructions"),
        default="all",
        help="'all' is inprocess then e2e; 'instructions' counts instructions per request"
        " under valgrind (not part of 'all')",
    )
    parser.add_argument("--apps", help="comma-separated app keys: " + ",".join(BY_KEY))
    parser.add_argument("--scenarios", help="in-process scenarios (default: all)")
    parser.add_argument(
        "--e2e-scenarios",
        default=",".join(E2E_SCENARIOS),
        help="end-to-end scenarios, or 'all' (default: %(default)s)",
    )
    parser.add_argument("--servers", help="comma-separated: " + ",".join(e2e.BY_KEY))
    parser.add_argument("--duration", type=float, help="seconds of load per e2e round (2; quick 1)")
    parser.add_argument(
        "--rounds", type=int, help="e2e rounds per row, interleaved across apps (3; quick 1)"
    )
    parser.add_argument("--no-routing", action="store_true", help="skip the routing rows")
    parser.add_argument("--no-extras", action="store_true", help="skip import time and memory")
    parser.add_argument("--leak-requests", type=int, help="requests for the memory-stability probe")
    parser.add_argument("--results", type=Path, help="folder for the reports (benchmarks/results)")
    return parser.parse_args(argv)


def _stop(signum: int, frame: FrameType | None) -> None:
    e2e.stop_all()
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    default_apps = instructions.DEFAULT_APPS if args.mode == "instructions" else BY_KEY
    apps = [BY_KEY[k] for k in _names(args.apps, BY_KEY, "app")] if args.apps else None
    apps = apps or [spec for spec in APPS if spec.key in default_apps]
    default_scenarios = (
        [BY_NAME[n] for n in instructions.DEFAULT_SCENARIOS]
        if args.mode == "instructions"
        else list(SCENARIOS)
    )
    scenarios = (
        [BY_NAME[n] for n in _names(args.scenarios, BY_NAME, "scenario")]
        if args.scenarios
        else default_scenarios
    )
    atexit.register(e2e.stop_all)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    fx = Fixtures(Path(tempfile.mkdtemp(prefix="erlen-bench-fx-"))).prepare()
    atexit.register(shutil.rmtree, fx.root, True)
    modes = ("inprocess", "e2e") if args.mode == "all" else (args.mode,)
    for mode in modes:
        if mode == "inprocess":
            _inprocess(args, apps, scenarios, fx)
        elif mode == "instructions":
            _instructions(args, apps, scenarios, fx)
        else:
            _e2e(args, apps, fx)
    return 0


def _info(mode: str, args: argparse.Namespace, method: list[str]) -> report.RunInfo:
    return report.RunInfo(
        mode=mode,
        quick=args.quick,
        command=report.command_line(),
        started=dt.datetime.now(dt.UTC),
        method=method,
    )


def _finish(
    info: report.RunInfo, text_of: Callable[[], str], t0: float, args: argparse.Namespace
) -> None:
    info.seconds = time.monotonic() - t0
    text = text_of()
    path = report.write(text, info.mode, info.started, args.results)
    print(text)
    print(f"\nwritten to {path}", file=sys.stderr)
    if report.source_digest() != info.source:
        print(
            "WARNING: erlen's source changed during this run; the report says so.",
            file=sys.stderr,
        )


def _inprocess(
    args: argparse.Namespace, apps: list[AppSpec], scenarios: list[Scenario], fx: Fixtures
) -> None:
    budget = inprocess.Budget.for_run(args.quick)
    build_limit = 10.0 if args.quick else 15.0
    leak_n = args.leak_requests or (10_000 if args.quick else 100_000)
    import_runs = 5 if args.quick else 15
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) > 1:
        # Pinned, so the scheduler does not move the measuring loop between cores.
        os.sched_setaffinity(0, {cores[-1]})
    info = _info(
        "inprocess",
        args,
        [
            "Method: each request gets a fresh WSGI environ (body in a new BytesIO) or a fresh "
            "ASGI scope with receive/send, driven by one reused asyncio loop (lifespan started "
            "first); the body is drained and closed. After a validated first response, "
            f"{budget.repeats} repeats of about {budget.seconds:g} s each; every timed response "
            "must equal the validated one (status and body) or the row is voided. GC stays on.",
            f"Pinned to core {cores[-1]}." if len(cores) > 1 else "Not pinned (one core).",
        ],
    )
    t0 = time.monotonic()
    rows = inprocess.run_scenarios(fx, budget, apps, scenarios)
    routing = [] if args.no_routing else inprocess.run_routing(budget, apps, None, build_limit)
    imports: list[extras.ImportTime | str] = []
    rss: dict[str, dict[str, Any]] = {}
    leaks: dict[str, dict[str, Any]] = {}
    if not args.no_extras:
        print("[extras] import time, memory", file=sys.stderr, flush=True)
        imports = extras.import_times(import_runs)
        rss = extras.memory(apps)
        leaks = extras.stability(fx, [k for k in LEAK_APPS if k in {a.key for a in apps}], leak_n)
    _finish(
        info,
        lambda: report.inprocess_markdown(info, rows, routing, imports, rss, leaks, apps),
        t0,
        args,
    )


def _e2e(args: argparse.Namespace, apps: list[AppSpec], fx: Fixtures) -> None:
    names = (
        list(BY_NAME)
        if args.e2e_scenarios == "all"
        else _names(args.e2e_scenarios, BY_NAME, "scenario")
    )
    servers = (
        [e2e.BY_KEY[k] for k in _names(args.servers, e2e.BY_KEY, "server")]
        if args.servers
        else list(e2e.SERVERS)
    )
    seconds = args.duration or (1.0 if args.quick else 2.0)
    rounds = args.rounds or (1 if args.quick else 3)
    warmup = 1.0 if not args.quick else 0.0
    tool = e2e.load_tool()
    pinned = "server on one core, load generator on another (taskset)"
    info = _info(
        "e2e",
        args,
        [
            f"Method: one worker per server on 127.0.0.1, {e2e.CONNECTIONS} connections, "
            f"{rounds} round{'s' if rounds != 1 else ''} of {seconds:g} s of load per row "
            "(all apps of a server run at once; each round loads every app on a scenario, "
            "in an order rotated per round; a row gives the median round)"
            + (f", {warmup:g} s of warm-up per server and app" if warmup else "")
            + f"; {pinned}. "
            "Each row is validated first (status, body, headers) and the load generator "
            "compares every response's status and body with the validated one; any "
            "error or mismatch voids the row.",
        ],
    )
    t0 = time.monotonic()
    rows = e2e.run_e2e(fx, [BY_NAME[n] for n in names], seconds, warmup, apps, servers, rounds)
    _finish(info, lambda: report.e2e_markdown(info, rows, tool, servers), t0, args)


def _instructions(
    args: argparse.Namespace, apps: list[AppSpec], scenarios: list[Scenario], fx: Fixtures
) -> None:
    if instructions.valgrind() is None:
        raise SystemExit("--mode instructions needs valgrind (apt-get install valgrind)")
    small, large = (100, 600) if args.quick else (200, 1200)
    info = _info(
        "instructions",
        args,
        [
            "Method: instructions per request counted by valgrind's callgrind "
            "(`--tool=callgrind`), not time. Each app and scenario runs in two child "
            f"processes that validate the response, send {instructions.WARMUP} warm-up "
            f"requests, then send it {small} and {large} times (the in-process drivers: a "
            "fresh environ or scope per request); the difference of the two totals "
            f"divided by {large - small} is one request, start-up cancelled out. "
            "PYTHONHASHSEED=0; repeat runs agree to within a few hundred instructions. "
            "Every response must equal the validated one or the row fails.",
            "Table: thousands of instructions per request (lower is better); ratios "
            "divide erlen's count by the peer's.",
        ],
    )
    t0 = time.monotonic()
    print(f"[instructions] {len(apps)} apps x {len(scenarios)} scenarios", file=sys.stderr)
    counts = instructions.count_all(apps, scenarios, fx, small, large)

    def text() -> str:
        lines = report.header("erlen benchmarks: instructions per request", info)
        lines += ["## Summary", "", *instructions.table(counts, apps, scenarios)]
        return "\n".join(lines)

    _finish(info, text, t0, args)


if __name__ == "__main__":
    sys.exit(main())
