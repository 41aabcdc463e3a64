"""End-to-end mode: real servers, one worker each, loaded over loopback.

The server runs pinned to one core and the load generator (``wrk``, or the
Python fallback in :mod:`suite.loadgen`) to another. Every response is checked
(the wrk script compares each status and body with the validated response);
any error or mismatch voids the row.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .apps import APPS, AppSpec, Protocol, is_erlen
from .errors import describe
from .fixtures import Fixtures
from .http import HttpRequest, HttpResponse
from .scenarios import Scenario

HERE = Path(__file__).resolve().parent.parent  # the benchmarks folder
BIN = Path(sys.executable).parent
CONNECTIONS = 8
_RUNNING: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True, slots=True)
class Server:
    """A production server and how to start it with one worker on a port."""

    key: str
    label: str
    protocol: Protocol
    dist: str

    def command(self, port: int) -> list[str]:
        target = "suite.apps.entry:app"
        if self.key == "gunicorn":
            return [
                str(BIN / "gunicorn"), "--workers", "1", "--worker-class", "sync",
                "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                "--backlog", "1024", target,
            ]  # fmt: skip
        if self.key.startswith("granian"):
            return [
                str(BIN / "granian"), "--interface", self.protocol, "--workers", "1",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                "--no-ws", target,
            ]  # fmt: skip
        return [
            str(BIN / "uvicorn"), "--workers", "1", "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", "--no-access-log", target,
        ]  # fmt: skip


SERVERS: tuple[Server, ...] = (
    Server("gunicorn", "gunicorn (sync)", "wsgi", "gunicorn"),
    Server("granian-wsgi", "granian --interface wsgi", "wsgi", "granian"),
    Server("uvicorn", "uvicorn", "asgi", "uvicorn"),
    Server("granian-asgi", "granian --interface asgi", "asgi", "granian"),
)
BY_KEY = {s.key: s for s in SERVERS}


@dataclass(slots=True)
class LoadRow:
    """One end-to-end cell: an app under a server on a scenario."""

    server: str
    app: str
    scenario: str
    outcome: str  # "ok", "n/a", "not yet", "failed"
    note: str = ""
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    errors: int = 0
    # req/s of each round, in the order they ran; ``rps`` is their median.
    rounds: tuple[float, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def spread(self) -> float:
        """(slowest - fastest round) / median: how far the rounds disagree."""
        if len(self.rounds) < 2 or not self.rps:
            return 0.0
        return (max(self.rounds) - min(self.rounds)) / self.rps


def _cores() -> tuple[str, str] | None:
    """(server core, load core) when there are two cores to pin to."""
    if shutil.which("taskset") is None:
        return None
    cores = sorted(os.sched_getaffinity(0))
    return (str(cores[0]), str(cores[1])) if len(cores) >= 2 else None


def _pinned(command: list[str], core: str | None) -> list[str]:
    return ["taskset", "-c", core, *command] if core is not None else command


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_all() -> None:
    """Kill every server still running (by PID / its process group); for exit paths."""
    for pid in list(_RUNNING):
        _stop(_RUNNING.pop(pid))


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)  # the server's own group: it and its workers
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


class RunningServer:
    """A server process hosting one app; a context manager that always kills it."""

    def __init__(self, server: Server, spec: AppSpec, fx: Fixtures, logdir: Path) -> None:
        self.server = server
        self.port = free_port()
        self.log = logdir / f"{server.key}-{spec.key}.log"
        cores = _cores()
        env = dict(os.environ)
        env.update(
            ERLEN_BENCH_APP=spec.key,
            ERLEN_BENCH_FIXTURES=str(fx.root),
            PYTHONPATH=str(HERE) + os.pathsep + env.get("PYTHONPATH", ""),
        )
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                _pinned(server.command(self.port), cores[0] if cores else None),
                cwd=HERE,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _RUNNING[self.proc.pid] = self.proc

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        _RUNNING.pop(self.proc.pid, None)
        _stop(self.proc)

    def log_tail(self, lines: int = 3) -> str:
        """The last meaningful lines of the server's output, for failure notes."""
        try:
            text = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(line.strip() for line in text[-lines:])

    def wait_ready(self, timeout: float = 30.0) -> str | None:
        """Wait until the server answers HTTP; returns why not, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return f"server exited ({self.proc.returncode}): {self.log_tail()}"
            try:
                call(self.port, HttpRequest("GET", "/"), timeout=2)
                return None
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
        return f"server did not answer within {timeout:.0f} s: {self.log_tail()}"


def call(port: int, req: HttpRequest, timeout: float = 10) -> HttpResponse:
    """One request over a fresh connection, for validation."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(req.method, req.target, skip_accept_encoding=True)
        for name, value in req.headers:
            conn.putheader(name, value)
        if req.body or req.method == "POST":
            conn.putheader("Content-Length", str(len(req.body)))
        conn.endheaders(req.body or None)
        resp = conn.getresponse()
        body = resp.read()
        headers = [(k.lower(), v) for k, v in resp.getheaders()]
        return HttpResponse(resp.status, headers, body)
    finally:
        conn.close()


def _lua_string(data: bytes) -> str:
    out = []
    for b in data:
        if 32 <= b < 127 and b not in (34, 92):
            out.append(chr(b))
        else:
            out.append(f"\\{b:03d}")
    return '"' + "".join(out) + '"'


_LUA_TAIL = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) checked = 0; bad = 0; first_bad = "" end
function response(status, headers, body)
  checked = checked + 1
  if status ~= expected_status or body ~= expected_body then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body or "", 1, 120) end
  end
end
function done(summary, latency, requests)
  local c, b, fb = 0, 0, ""
  for _, t in ipairs(threads) do
    c = c + t:get("checked"); b = b + t:get("bad")
    if fb == "" then fb = t:get("first_bad") or "" end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"checked":%d,"bad":%d,"connect":%d,' ..
    '"read":%d,"write":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, c, b, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
  io.write("WRKBAD " .. (string.gsub(fb, "[\r\n]", " ")) .. "\n")
end
"""


def wrk_script(req: HttpRequest, status: int, body: bytes) -> str:
    """A wrk Lua script sending ``req`` and checking every response against
    ``status`` and ``body``."""
    lines = [f'wrk.method = "{req.method}"']
    if req.body:
        lines.append(f"wrk.body = {_lua_string(req.body)}")
    for name, value in req.headers:
        lines.append(f"wrk.headers[{_lua_string(name.encode())}] = {_lua_string(value.encode())}")
    lines.append(f"expected_status = {status}")
    lines.append(f"expected_body = {_lua_string(body)}")
    return "\n".join(lines) + "\n" + _LUA_TAIL


def _use_wrk() -> bool:
    # ERLEN_BENCH_LOADGEN=python forces the fallback (to test it, or to compare).
    return shutil.which("wrk") is not None and os.environ.get("ERLEN_BENCH_LOADGEN") != "python"


def load(
    port: int, req: HttpRequest, status: int, body: bytes, seconds: float, workdir: Path
) -> dict[str, Any]:
    """Run the load generator for ``seconds`` and return its tallies."""
    cores = _cores()
    core = cores[1] if cores else None
    if _use_wrk():
        script = workdir / "load.lua"
        script.write_text(wrk_script(req, status, body))
        url = f"http://127.0.0.1:{port}{req.target}"
        # wrk takes whole seconds only.
        seconds = max(1, round(seconds))
        cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s"]
        cmd += ["-s", str(script), url]
        marker = "WRKJSON "
    else:
        spec = {
            "method": req.method,
            "target": req.target,
            "headers": list(req.headers),
            "body_hex": req.body.hex(),
            "expect_status": status,
            "expect_body_hex": body.hex(),
        }
        path = workdir / "load.json"
        path.write_text(json.dumps(spec))
        cmd = [sys.executable, "-m", "suite.loadgen", "--port", str(port), "--spec", str(path)]
        cmd += ["--duration", str(seconds), "--connections", str(CONNECTIONS)]
        marker = "LOADJSON "
    proc = subprocess.run(
        _pinned(cmd, core), cwd=HERE, capture_output=True, text=True, timeout=seconds + 60,
        check=False,
    )  # fmt: skip
    result: dict[str, Any] | None = None
    for line in proc.stdout.splitlines():
        if line.startswith(marker):
            result = json.loads(line[len(marker) :])
        elif line.startswith("WRKBAD ") and result is not None:
            result["first_bad"] = line[7:].strip()
    if result is None:
        output = (proc.stderr.strip() or proc.stdout.strip())[-300:]
        raise RuntimeError(f"load generator failed ({proc.returncode}): {output}")
    return result


def load_tool() -> str:
    """What generates the load: wrk's version line, or the Python fallback."""
    if not _use_wrk():
        return "Python fallback (suite.loadgen), a lower bound: wrk not installed or not used"
    out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0] if first else "wrk"


def _void(server: Server, spec: AppSpec, scenario: str, reason: str) -> LoadRow:
    outcome = "not yet" if is_erlen(spec) else "failed"
    return LoadRow(server.key, spec.key, scenario, outcome, reason)


@dataclass(slots=True)
class _Cell:
    """An app on a scenario under one server, validated and waiting for its rounds."""

    spec: AppSpec
    scenario: Scenario
    running: RunningServer
    request: HttpRequest
    status: int
    body: bytes
    results: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None

    def load(self, seconds: float, workdir: Path) -> dict[str, Any]:
        return load(self.running.port, self.request, self.status, self.body, seconds, workdir)


def _validate(running: RunningServer, spec: AppSpec, scenario: Scenario) -> _Cell | str:
    """Check the app's answer to the scenario before any load; the cell, or why not."""

    def caller(req: HttpRequest) -> HttpResponse:
        return call(running.port, req)

    try:
        req = scenario.request
        if scenario.prepare is not None:
            req = scenario.prepare(caller, req)
        first = caller(req)
        error = scenario.check(first)
        if error is None and scenario.follow_up is not None:
            error = scenario.follow_up(caller, first)
    except Exception as e:
        return describe(e)
    if error is not None:
        tail = running.log_tail(2) if first.status >= 500 else ""
        return error + (f" [server: {tail}]" if tail else "")
    return _Cell(spec, scenario, running, req, first.status, first.body)


def _recheck(cell: _Cell) -> str | None:
    """Validate the cell's response again after its load; why it is wrong, or None."""
    try:
        error = cell.scenario.check(call(cell.running.port, cell.request))
    except Exception as e:
        return describe(e)
    return None if error is None else f"after the load: {error}"


def _row(server: Server, cell: _Cell) -> LoadRow:
    """The row of a cell whose rounds all ran: medians over the rounds, errors summed."""
    results = cell.results
    rounds = tuple(r["requests"] / (r["duration_us"] / 1e6) for r in results)
    requests = sum(r["requests"] for r in results)
    bad = sum(r["bad"] for r in results)
    kinds = {k: sum(r[k] for r in results) for k in ("connect", "read", "write", "timeout")}
    errors = sum(kinds.values())
    row = LoadRow(
        server.key,
        cell.spec.key,
        cell.scenario.name,
        "ok",
        rps=statistics.median(rounds),
        p50_ms=statistics.median(r["p50_us"] for r in results) / 1000,
        p99_ms=statistics.median(r["p99_us"] for r in results) / 1000,
        requests=requests,
        errors=errors + bad,
        rounds=rounds,
    )
    if bad or errors:
        parts = [f"{k} {n}" for k, n in kinds.items() if n]
        if bad:
            first = next((r["first_bad"] for r in results if r.get("first_bad")), "")
            parts.append(f"{bad} wrong responses, first: {first}")
        row.outcome = "not yet" if is_erlen(cell.spec) else "failed"
        row.note = f"{row.errors} errors of {requests}: " + ", ".join(parts)
    if requests == 0 or any(r["requests"] == 0 for r in results):
        row.outcome, row.note = "failed", "a round completed no request"
    return row


def _progress(row: LoadRow) -> None:
    if row.ok:
        text = f"{row.rps:9.0f} req/s  p99 {row.p99_ms:7.2f} ms  spread {row.spread:5.1%}"
    else:
        text = f"{row.outcome}: {row.note}"
    print(f"  {row.scenario:<12} {row.app:<12} {text}", file=sys.stderr, flush=True)


def run_e2e(
    fx: Fixtures,
    scenarios: Sequence[Scenario],
    seconds: float,
    warmup: float,
    apps: Iterable[AppSpec] = APPS,
    servers: Iterable[Server] = SERVERS,
    rounds: int = 3,
) -> list[LoadRow]:
    """Every app under every server of its protocol, on each scenario, in ``rounds``
    interleaved rounds of ``seconds`` each."""
    rows: list[LoadRow] = []
    apps = list(apps)
    with tempfile.TemporaryDirectory(prefix="erlen-bench-") as tmp:
        workdir = Path(tmp)
        for server in servers:
            specs = [spec for spec in apps if spec.protocol == server.protocol]
            if specs:
                rows += _run_server(
                    server, specs, fx, scenarios, seconds, warmup, max(1, rounds), workdir
                )
    return rows


def _run_server(
    server: Server,
    specs: Sequence[AppSpec],
    fx: Fixtures,
    scenarios: Sequence[Scenario],
    seconds: float,
    warmup: float,
    rounds: int,
    workdir: Path,
) -> list[LoadRow]:
    """All apps of one server: started together, then loaded round by round.

    The load of one server swings by a fifth from second to second on a
    shared machine; one long run per app would compare apps loaded at
    different moments. Every app on a scenario gets a short run per round
    instead, in an order rotated each round, and its row is the median.
    """
    done: dict[tuple[str, str], LoadRow] = {}
    cells: list[_Cell] = []
    with ExitStack() as stack:
        for spec in specs:
            print(f"[e2e] {server.label}: {spec.label}", file=sys.stderr, flush=True)
            try:
                unsupported = spec.unsupported()
            except Exception as e:
                for s in scenarios:
                    done[spec.key, s.name] = _void(
                        server, spec, s.name, f"import failed: {describe(e)}"
                    )
                continue
            running = stack.enter_context(RunningServer(server, spec, fx, workdir))
            problem = running.wait_ready()
            warmed = False
            for scenario in scenarios:
                key = (spec.key, scenario.name)
                if scenario.name in unsupported:
                    done[key] = LoadRow(
                        server.key, spec.key, scenario.name, "n/a", unsupported[scenario.name]
                    )
                    continue
                if problem is not None:
                    done[key] = _void(server, spec, scenario.name, problem)
                    continue
                cell = _validate(running, spec, scenario)
                if isinstance(cell, str):
                    done[key] = _void(server, spec, scenario.name, cell)
                    continue
                if warmup > 0 and not warmed:
                    # The first cell that validates warms the server up.
                    try:
                        cell.load(warmup, workdir)
                        warmed = True
                    except Exception as e:
                        done[key] = _void(server, spec, scenario.name, describe(e))
                        continue
                cells.append(cell)
        for index in range(rounds):
            for scenario in scenarios:
                live = [c for c in cells if c.scenario is scenario and c.problem is None]
                if not live:
                    continue
                turn = index % len(live)
                for cell in live[turn:] + live[:turn]:
                    try:
                        cell.results.append(cell.load(seconds, workdir))
                    except Exception as e:
                        cell.problem = describe(e)
        for cell in cells:
            if cell.problem is None:
                cell.problem = _recheck(cell)
            key = (cell.spec.key, cell.scenario.name)
            if cell.problem is not None:
                done[key] = _void(server, cell.spec, cell.scenario.name, cell.problem)
            else:
                done[key] = _row(server, cell)
    rows = [
        done[spec.key, s.name] for spec in specs for s in scenarios if (spec.key, s.name) in done
    ]
    for row in rows:
        _progress(row)
    return rows
