"""In-process mode: each app called directly, many iterations, several repeats."""

from __future__ import annotations

import gc
import math
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from typing import Any

from .apps import APPS, AppSpec, is_erlen
from .drivers import AsgiDriver, WsgiDriver
from .errors import describe
from .fixtures import Fixtures
from .http import HttpRequest, HttpResponse
from .scenarios import ROUTING_SCENARIOS, SCENARIOS, Scenario, routing_scenario
from .stats import Summary, summarize


@dataclass(frozen=True, slots=True)
class Budget:
    """How long to measure: seconds per repeat and the number of repeats."""

    seconds: float
    repeats: int

    @classmethod
    def for_run(cls, quick: bool) -> Budget:
        return cls(0.04, 3) if quick else cls(0.15, 5)


@dataclass(slots=True)
class Row:
    """One measured (or voided) cell: an app on a scenario."""

    app: str
    scenario: str
    outcome: str  # "ok", "n/a", "not yet", "failed", "skipped"
    note: str = ""
    summary: Summary | None = None  # µs per request
    iterations: int = 0
    setup_s: float | None = None  # seconds to build the app (routing rows)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok" and self.summary is not None


class _Target:
    """An app bound to its protocol driver."""

    def __init__(self, spec: AppSpec, app: Any) -> None:
        self.spec = spec
        self.app = app
        self.asgi: AsgiDriver | None = None
        self.wsgi: WsgiDriver | None = None
        self.note = ""
        if spec.protocol == "asgi":
            self.asgi = AsgiDriver()
            self.note = self.asgi.startup(app) or ""
        else:
            self.wsgi = WsgiDriver(app)

    def call(self, req: HttpRequest) -> HttpResponse:
        if self.asgi is not None:
            return self.asgi.request(self.app, req)
        assert self.wsgi is not None
        return self.wsgi.request(req)

    def batch(self, req: HttpRequest, n: int, status: int, body: bytes) -> Callable[[], int]:
        if self.asgi is not None:
            return self.asgi.batch(self.app, req, n, status, body)
        assert self.wsgi is not None
        return self.wsgi.batch(req, n, status, body)

    def close(self) -> None:
        if self.asgi is not None:
            self.asgi.close()


def _void(spec: AppSpec, scenario: str, reason: str) -> Row:
    return Row(spec.key, scenario, "not yet" if is_erlen(spec) else "failed", reason)


@dataclass(slots=True)
class _Timed:
    """A validated, calibrated scenario on one app, ready for its timed repeats."""

    target: _Target
    scenario: Scenario
    request: HttpRequest
    run: Callable[[], int]
    n: int
    samples: list[float]

    def repeat(self) -> str | None:
        """One timed repeat; returns why the row is void, or None."""
        gc.collect()
        t0 = time.perf_counter()
        bad = self.run()
        self.samples.append((time.perf_counter() - t0) / self.n * 1e6)
        return f"{bad} of {self.n} timed responses differed" if bad else None

    def finish(self) -> Row:
        """Check one more response in full and summarise the repeats."""
        spec, name = self.target.spec, self.scenario.name
        try:
            last = self.target.call(self.request)
        except Exception as e:
            return _void(spec, name, f"after timing: {describe(e)}")
        if (error := self.scenario.check(last)) is not None:
            return _void(spec, name, f"after timing: {error}")
        return Row(spec.key, name, "ok", self.target.note, summarize(self.samples), self.n)


def validated(target: _Target, scenario: Scenario) -> tuple[HttpRequest, HttpResponse] | str:
    """The scenario's request (after its prepare step) and the app's first
    response to it, checked; or why the response failed its checks."""
    req = scenario.request
    if scenario.prepare is not None:
        req = scenario.prepare(target.call, req)
    first = target.call(req)
    if (error := scenario.check(first)) is not None:
        return error
    if (
        scenario.follow_up is not None
        and (error := scenario.follow_up(target.call, first)) is not None
    ):
        return error
    return req, first


def prepare(target: _Target, scenario: Scenario, budget: Budget) -> _Timed | Row:
    """Validate one scenario on one app and calibrate the batch size; a failed check
    gives the voided row instead."""
    spec = target.spec
    try:
        checked = validated(target, scenario)
        if isinstance(checked, str):
            return _void(spec, scenario.name, checked)
        req, first = checked
        # Every timed response must equal this validated one, status and body.
        status, body = first.status, first.body
        n, elapsed = 1, 0.0
        while True:
            run = target.batch(req, n, status, body)
            t0 = time.perf_counter()
            bad = run()
            elapsed = time.perf_counter() - t0
            if bad:
                return _void(spec, scenario.name, f"{bad} of {n} responses differed")
            if elapsed >= budget.seconds / 10 or n >= 1 << 20:
                break
            n *= 4 if elapsed < budget.seconds / 100 else 2
        n = max(1, int(n * budget.seconds / max(elapsed, 1e-9)))
        return _Timed(target, scenario, req, target.batch(req, n, status, body), n, [])
    except Exception as e:
        return _void(spec, scenario.name, describe(e))


def _repeat_all(timed: list[_Timed], budget: Budget) -> dict[str, Row]:
    """Run the repeats round-robin across apps, so that a noisy moment on the
    machine lands on every app rather than on one; returns voided rows by app."""
    voided: dict[str, Row] = {}
    for round_ in range(budget.repeats):
        # Rotate the starting app each round, so none always runs first.
        shift = round_ % len(timed) if timed else 0
        for item in timed[shift:] + timed[:shift]:
            key = item.target.spec.key
            if key in voided:
                continue
            try:
                error = item.repeat()
            except Exception as e:
                error = describe(e)
            if error is not None:
                voided[key] = _void(item.target.spec, item.scenario.name, error)
    return voided


def measure(target: _Target, scenario: Scenario, budget: Budget) -> Row:
    """Validate, calibrate and time one scenario on one app."""
    timed = prepare(target, scenario, budget)
    if isinstance(timed, Row):
        return timed
    voided = _repeat_all([timed], budget)
    return voided.get(target.spec.key) or timed.finish()


def _progress(row: Row) -> None:
    if row.ok and row.summary is not None:
        text = f"{row.summary.median:10.1f} µs  ±{row.summary.spread_pct:4.1f}%"
    else:
        text = f"{row.outcome}: {row.note}"
    print(f"  {row.scenario:<24} {row.app:<12} {text}", file=sys.stderr, flush=True)


def _build(spec: AppSpec, factory: Callable[[], Any], names: Iterable[str]) -> _Target | list[Row]:
    try:
        return _Target(spec, factory())
    except Exception as e:
        reason = f"app did not build: {describe(e)}"
        return [_void(spec, name, reason) for name in names]


def run_scenarios(
    fx: Fixtures,
    budget: Budget,
    apps: Iterable[AppSpec] = APPS,
    scenarios: Iterable[Scenario] = SCENARIOS,
) -> list[Row]:
    """Every scenario on every app; per scenario, the apps' repeats are interleaved."""
    apps, scenarios = list(apps), list(scenarios)
    names = [s.name for s in scenarios]
    targets: list[tuple[AppSpec, _Target, dict[str, str]]] = []
    failed: dict[str, dict[str, Row]] = {}
    for spec in apps:
        try:
            unsupported = spec.unsupported()
        except Exception as e:
            failed[spec.key] = {n: _void(spec, n, f"import failed: {describe(e)}") for n in names}
            continue
        built = _build(spec, partial(spec.build, fx), names)
        if isinstance(built, list):
            failed[spec.key] = {row.scenario: row for row in built}
        else:
            targets.append((spec, built, unsupported))
    rows: list[Row] = []
    try:
        for scenario in scenarios:
            print(f"[inprocess] {scenario.title}", file=sys.stderr, flush=True)
            done: dict[str, Row] = {}
            timed: list[_Timed] = []
            for spec, target, unsupported in targets:
                if scenario.name in unsupported:
                    done[spec.key] = Row(spec.key, scenario.name, "n/a", unsupported[scenario.name])
                    continue
                item = prepare(target, scenario, budget)
                if isinstance(item, Row):
                    done[spec.key] = item
                else:
                    timed.append(item)
            done.update(_repeat_all(timed, budget))
            for item in timed:
                key = item.target.spec.key
                if key not in done:
                    done[key] = item.finish()
            for spec in apps:
                row = done.get(spec.key) or failed[spec.key][scenario.name]
                rows.append(row)
                _progress(row)
    finally:
        for _, target, _ in targets:
            target.close()
    return rows


def _routing_child(
    conn: Connection, spec: AppSpec, size: int, dynamic: bool, budget: Budget
) -> None:
    scenario = routing_scenario(size, dynamic)
    t0 = time.perf_counter()
    built = _build(spec, lambda: spec.build_routing(size, dynamic), [scenario.name])
    conn.send(time.perf_counter() - t0)
    if isinstance(built, list):
        conn.send(built[0])
        return
    try:
        conn.send(measure(built, scenario, budget))
    finally:
        built.close()


def _routing_row(
    spec: AppSpec, size: int, dynamic: bool, budget: Budget, build_limit: float
) -> Row:
    """Build and measure one routing app in a child process, so that a build that
    takes longer than ``build_limit`` seconds can be stopped (by the child's PID)."""
    name = routing_scenario(size, dynamic).name
    # A fork server, not a plain fork: children start from a process that never
    # served a request, so no framework's thread pool or event loop is inherited
    # half-dead (erlen's ASGI executor hangs in a plain fork of a serving process).
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["suite.inprocess", *(f"suite.apps.{a.module}" for a in APPS)])
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_routing_child, args=(child, spec, size, dynamic, budget))
    proc.start()
    child.close()
    try:
        if not parent.poll(build_limit):
            return Row(
                spec.key, name, "skipped", f"registering {size:,} rules took > {build_limit:.0f} s"
            )
        build_s = float(parent.recv())
        if not parent.poll(30 + budget.seconds * (budget.repeats + 2) * 5):
            return _void(spec, name, "measuring did not finish in time")
        row: Row = parent.recv()
        row.setup_s = build_s
        return row
    except EOFError:
        return _void(spec, name, f"the measuring process died (exit code {proc.exitcode})")
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()


def _predicted(times: list[tuple[int, float]], size: int) -> float:
    """Extrapolate the build time of ``size`` rules from the sizes built before it
    (0 when there is too little to go on, so the build is simply tried)."""
    if len(times) < 2 or times[-1][0] * 10 < size:
        return 0.0
    overhead = times[0][1]
    (n1, t1), (n2, t2) = times[-2], times[-1]
    t1, t2 = t1 - overhead, t2 - overhead
    if t2 <= 0.1:
        return 0.0
    exponent = 1.0
    if t1 > 0.02:
        exponent = min(2.0, max(1.0, math.log(t2 / t1) / math.log(n2 / n1)))
    return float(overhead + t2 * (size / n2) ** exponent)


def run_routing(
    budget: Budget,
    apps: Iterable[AppSpec] = APPS,
    sizes: Iterable[int] | None = None,
    build_limit: float = 20.0,
) -> list[Row]:
    """The routing scenarios: a fresh app per rule count and kind, in a child process."""
    wanted = set(sizes) if sizes is not None else None
    rows: list[Row] = []
    for spec in apps:
        print(f"[routing] {spec.label}", file=sys.stderr, flush=True)
        for dynamic in (False, True):
            times: list[tuple[int, float]] = []
            for size, dyn, scenario in ROUTING_SCENARIOS:
                if dyn != dynamic or (wanted is not None and size not in wanted):
                    continue
                guess = _predicted(times, size)
                if guess > 2 * build_limit:
                    last_n, last_t = times[-1]
                    row = Row(
                        spec.key,
                        scenario.name,
                        "skipped",
                        f"registering {last_n:,} rules took {last_t:.1f} s; "
                        f"{size:,} would take ~{guess:.0f} s",
                    )
                else:
                    row = _routing_row(spec, size, dynamic, budget, build_limit)
                if row.setup_s is not None:
                    times.append((size, row.setup_s))
                rows.append(row)
                _progress(row)
    return rows
