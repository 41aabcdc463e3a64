"""Markdown reports: tables, machine facts and versions, written to results/."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .apps import APPS, BY_KEY, FLASK, AppSpec, floor_for
from .e2e import SERVERS, LoadRow, Server
from .extras import ImportTime
from .inprocess import Row
from .scenarios import ROUTING_SCENARIOS, ROUTING_SIZES, SCENARIOS

HERE = Path(__file__).resolve().parent.parent
PEERS = (
    "erlen", "flask", "werkzeug", "quart", "starlette", "fastapi", "pydantic", "falcon",
    "bottle", "jinja2", "python-multipart", "gunicorn", "granian", "uvicorn", "uvloop",
    "httptools",
)  # fmt: skip


@dataclass(slots=True)
class RunInfo:
    """What a report says about the run itself."""

    mode: str
    quick: bool
    command: str
    started: dt.datetime
    method: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: :func:`source_digest` when the run started; compared at the end.
    source: str = field(default_factory=lambda: source_digest())


def erlen_source() -> Path | None:
    """The folder of the erlen package the apps import (without importing it)."""
    spec = importlib.util.find_spec("erlen")
    locations = spec.submodule_search_locations if spec is not None else None
    return Path(next(iter(locations))) if locations else None


def source_digest(folder: Path | None = None) -> str:
    """A digest of every ``.py`` file under ``folder`` (erlen's by default):
    an edit of the measured code during a run changes it."""
    folder = folder or erlen_source()
    if folder is None:
        return ""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
        return f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "unknown"


def _erlen_package_dir() -> Path | None:
    """Where the ``erlen`` being measured is imported from (a worktree given
    with PYTHONPATH, or the repository's own src/)."""
    spec = importlib.util.find_spec("erlen")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).resolve().parent


def _git(package_dir: Path | None = None) -> str:
    """The commit of the erlen being measured, and whether its package files
    differ from that commit."""
    where = package_dir if package_dir is not None else _erlen_package_dir()
    if where is None or not where.is_dir():
        return "unknown"

    def git(*args: str) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=where, capture_output=True, text=True, check=False
        )
        return proc.stdout.strip()

    rev = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = " with uncommitted changes" if git("status", "--porcelain", "--", ".") else ""
    return f"{rev}{dirty}"


def _versions() -> str:
    out = []
    for dist in PEERS:
        try:
            out.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(out)


def header(title: str, info: RunInfo, extra: Iterable[str] = ()) -> list[str]:
    """The title and the facts every report starts with."""
    loadavg = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    lines = [
        f"# {title}",
        "",
        f"- Date: {info.started:%Y-%m-%d %H:%M} UTC; took {info.seconds / 60:.1f} min"
        + (" (`--quick`: short, noisier runs)" if info.quick else ""),
        f"- Command: `{info.command}`",
        f"- Machine: {_cpu_model()}, {os.cpu_count()} cores, {_memory_gib()} RAM, "
        f"{platform.system()} {platform.release()}; load average at the end "
        f"{loadavg[0]:.2f}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
        f"- erlen: git {_git()}",
        *(
            []
            if source_digest() == info.source
            else [
                "- **WARNING: erlen's source changed during this run: its rows may mix "
                "two versions of the code. Measure from a `git worktree` you leave alone.**"
            ]
        ),
        f"- Versions: {_versions()}",
        *extra,
        *(f"- {m}" for m in info.method),
        "",
    ]
    return lines


def _us(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], right_from: int = 1) -> list[str]:
    align = ["---" if i < right_from else "---:" for i in range(len(head))]
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return [*out, ""]


def _cell(row: Row | None) -> str:
    if row is None:
        return ""
    if row.ok and row.summary is not None:
        return _us(row.summary.median)
    return row.outcome


def _index(rows: Iterable[Row]) -> dict[tuple[str, str], Row]:
    return {(r.app, r.scenario): r for r in rows}


def _median(index: dict[tuple[str, str], Row], app: str, scenario: str) -> float | None:
    row = index.get((app, scenario))
    return row.summary.median if row is not None and row.ok and row.summary else None


def _div(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _voided(rows: Iterable[Row | LoadRow], with_server: bool = False) -> list[str]:
    groups: dict[tuple[str, str, str], list[str]] = {}
    for row in rows:
        if row.outcome == "ok":
            continue
        who = BY_KEY[row.app].label if row.app in BY_KEY else row.app
        if with_server and isinstance(row, LoadRow):
            who = f"{who} under {row.server}"
        groups.setdefault((who, row.outcome, row.note), []).append(row.scenario)
    out = []
    for (who, outcome, note), scenarios in sorted(groups.items()):
        out.append(
            f"- **{who}**, {', '.join(scenarios)}: {outcome}" + (f" — {note}" if note else "")
        )
    return [*out, ""] if out else []


def inprocess_markdown(
    info: RunInfo,
    rows: list[Row],
    routing: list[Row],
    imports: list[ImportTime | str],
    rss: dict[str, dict[str, Any]],
    leaks: dict[str, dict[str, Any]],
    apps: Sequence[AppSpec] = APPS,
) -> str:
    """The in-process report."""
    index = _index([*rows, *routing])
    lines = header("erlen benchmarks: in-process", info)
    scenarios = [s for s in SCENARIOS if any(r.scenario == s.name for r in rows)]

    if scenarios:
        lines += [
            "## Summary: median µs per request (lower is better)",
            "",
            "The ratios divide erlen's time by the peer's: below 1 means erlen is faster. "
            "erlen ASGI is the row with `async def` views; erlen ASGI sync runs Flask's sync "
            "views, each in erlen's worker thread pool.",
            "",
        ]
        ratios = (
            ("erlen WSGI ÷ Flask", "erlen-wsgi", FLASK),
            ("erlen ASGI ÷ Flask", "erlen-asgi", FLASK),
            ("erlen ASGI ÷ Starlette", "erlen-asgi", "starlette"),
            ("erlen ASGI ÷ Quart", "erlen-asgi", "quart"),
            ("erlen ASGI sync ÷ Flask", "erlen-asgi-sync", FLASK),
        )
        head = ["scenario", *(a.label for a in apps), *(r[0] for r in ratios)]
        body = []
        for s in scenarios:
            body.append(
                [
                    s.title,
                    *(_cell(index.get((a.key, s.name))) for a in apps),
                    *(
                        _ratio(_div(_median(index, mine, s.name), _median(index, peer, s.name)))
                        for _, mine, peer in ratios
                    ),
                ]
            )
        lines += _table(head, body)

        lines += ["## Each scenario: median, spread and ratios", ""]
        lines += [
            "x Flask and x floor divide the app's median by Flask's and by the bare callable's "
            "of the same protocol (bare WSGI for WSGI apps, bare ASGI for ASGI apps). "
            "IQR is the interquartile range of the repeats.",
            "",
        ]
        for s in scenarios:
            lines += [f"### {s.title}", "", f"`{s.request.method} {s.request.target}`", ""]
            lines += _table(
                ["app", "median µs", "IQR µs", "requests x repeats", "x Flask", "x floor"],
                _detail_rows(index, s.name, apps),
            )

    if routing:
        lines += _routing_tables(index, routing, apps)
    lines += _voided([*rows, *routing]) and ["## Voided rows", "", *_voided([*rows, *routing])]
    lines += _extras(imports, rss, leaks)
    return "\n".join(lines)


def _detail_rows(
    index: dict[tuple[str, str], Row], scenario: str, apps: Sequence[AppSpec]
) -> list[list[str]]:
    flask = _median(index, FLASK, scenario)
    out = []
    for a in apps:
        row = index.get((a.key, scenario))
        if row is None:
            continue
        if not row.ok or row.summary is None:
            out.append([a.label, row.outcome, "", "", "", ""])
            continue
        s = row.summary
        floor = _median(index, floor_for(a.protocol), scenario)
        out.append(
            [
                a.label,
                _us(s.median),
                f"{_us(s.iqr)} (±{s.spread_pct / 2:.1f}%)",
                f"{row.iterations:,} x {s.n}",
                _ratio(_div(s.median, flask)),
                _ratio(_div(s.median, floor)),
            ]
        )
    return out


def _routing_tables(
    index: dict[tuple[str, str], Row], routing: list[Row], apps: Sequence[AppSpec]
) -> list[str]:
    present = {r.scenario for r in routing}
    cols = [(n, d, s) for n, d, s in ROUTING_SCENARIOS if s.name in present]
    if not cols:
        return []
    lines = [
        "## Routing: median µs to reach the last of N rules",
        "",
        "Static rules are `/route{i}/index`, dynamic ones `/route{i}/<int:x>`; the request "
        "hits the last rule registered, the worst case for a router that tries rules in "
        "order. A build that takes too long is skipped (its time is the finding).",
        "",
    ]
    head = ["app", *(f"{'dyn' if d else 'static'} {n:,}" for n, d, _ in cols)]
    lines += _table(
        head,
        ([a.label, *(_cell(index.get((a.key, s.name))) for _, _, s in cols)] for a in apps),
    )
    lines += ["Ratio to Flask (same column):", ""]
    lines += _table(
        head,
        (
            [
                a.label,
                *(
                    _ratio(_div(_median(index, a.key, s.name), _median(index, FLASK, s.name)))
                    for _, _, s in cols
                ),
            ]
            for a in apps
        ),
    )
    lines += ["Seconds to register the rules and start the app:", ""]

    def build(app: str, scenario: str) -> str:
        row = index.get((app, scenario))
        if row is None or row.setup_s is None:
            return row.outcome if row is not None else ""
        return f"{row.setup_s:.2f}"

    lines += _table(head, ([a.label, *(build(a.key, s.name) for _, _, s in cols)] for a in apps))
    sizes = ", ".join(f"{n:,}" for n in ROUTING_SIZES)
    lines += [f"(Rule counts measured: {sizes}.)", ""]
    return lines


def _extras(
    imports: list[ImportTime | str],
    rss: dict[str, dict[str, Any]],
    leaks: dict[str, dict[str, Any]],
) -> list[str]:
    lines: list[str] = []
    if imports:
        lines += [
            "## Import time",
            "",
            "Fresh interpreter per run. *importtime* sums `-X importtime`'s cumulative figures "
            "for the imports a bare interpreter does not make; *wall* is the process's wall "
            "time minus a bare interpreter's. Median (IQR) of the runs.",
            "",
        ]
        body = []
        for item in imports:
            if isinstance(item, str):
                body.append([item, "failed", ""])
                continue
            c, w = item.cumulative, item.wall
            body.append(
                [
                    f"`import {item.module}`",
                    f"{c.median:.1f} ({c.iqr:.1f})",
                    f"{w.median:.1f} ({w.iqr:.1f})",
                ]
            )
        lines += _table(["statement", "importtime ms", "wall ms"], body)
    if rss:
        lines += [
            "## Memory of a minimal app process",
            "",
            "RSS after importing the framework, building a one-route app and serving 200 "
            "requests in-process.",
            "",
        ]
        body = []
        for key, data in rss.items():
            label = BY_KEY[key].label if key in BY_KEY else key
            if "error" in data:
                body.append([label, "failed: " + str(data["error"]), ""])
                continue
            total, base = data["app_kib"] / 1024, data["python_kib"] / 1024
            body.append([label, f"{total:.1f}", f"{total - base:+.1f}"])
        lines += _table(["app", "RSS MiB", "over bare Python MiB"], body)
    if leaks:
        lines += [
            "## Memory stability",
            "",
            "In-process requests cycling through every scenario the app passes (not "
            "`template_string`), after a warm-up of a tenth as many; RSS and live objects "
            "(`gc.get_objects()`) measured after `gc.collect()`.",
            "",
        ]
        body = []
        for key, data in leaks.items():
            label = BY_KEY[key].label if key in BY_KEY else key
            if "error" in data:
                body.append([label, "failed: " + str(data["error"]), "", "", "", ""])
                continue
            growth = data["rss_after_kib"] - data["rss_before_kib"]
            body.append(
                [
                    label,
                    f"{data['requests']:,}",
                    f"{data['rss_before_kib'] / 1024:.1f} → {data['rss_after_kib'] / 1024:.1f}",
                    f"{growth:+,}",
                    f"{growth * 1024 / data['requests']:+.2f}",
                    f"{data['objects_before']:,} → {data['objects_after']:,}",
                ]
            )
        lines += _table(
            ["app", "requests", "RSS MiB", "growth KiB", "bytes/request", "live objects"], body
        )
    return lines


def e2e_markdown(
    info: RunInfo, rows: list[LoadRow], load_tool: str, servers: Sequence[Server] = SERVERS
) -> str:
    """The end-to-end report."""
    lines = header(
        "erlen benchmarks: end to end",
        info,
        [f"- Load: {load_tool}"],
    )
    index = {(r.server, r.app, r.scenario): r for r in rows}
    scenarios = [s for s in SCENARIOS if any(r.scenario == s.name for r in rows)]

    def rps(server: str, app: str, scenario: str) -> float | None:
        row = index.get((server, app, scenario))
        return row.rps if row is not None and row.ok else None

    for server in servers:
        apps = [a for a in APPS if any(r.server == server.key and r.app == a.key for r in rows)]
        if not apps:
            continue
        same = server.protocol == "wsgi"
        where = f"under {server.key}" if same else "under its fastest WSGI server in this run"
        lines += [
            f"## {server.label}: requests/s (higher is better), p99 ms in brackets",
            "",
            f"erlen ÷ Flask divides erlen's req/s by Flask's {where}: above 1 means erlen "
            "serves more. erlen ÷ floor divides it by the bare callable's on this server.",
            "",
        ]
        erlen = "erlen-wsgi" if server.protocol == "wsgi" else "erlen-asgi"
        head = ["scenario", *(a.label for a in apps), "erlen ÷ Flask", "erlen ÷ floor"]
        body = []
        for s in scenarios:
            cells = []
            for a in apps:
                row = index.get((server.key, a.key, s.name))
                if row is None:
                    cells.append("")
                elif row.ok:
                    cells.append(f"{row.rps:,.0f} ({row.p99_ms:.1f})")
                else:
                    cells.append(row.outcome)
            mine = rps(server.key, erlen, s.name)
            floor = rps(server.key, floor_for(server.protocol), s.name)
            if same:
                flask = rps(server.key, FLASK, s.name)
            else:
                best = [rps(w.key, FLASK, s.name) for w in SERVERS if w.protocol == "wsgi"]
                flask = max((b for b in best if b is not None), default=None)
            cells += [
                _ratio(_div(mine, flask)),
                _ratio(_div(mine, floor)),
            ]
            body.append([s.title, *cells])
        lines += _table(head, body)

    lines += [
        "## All rows",
        "",
        "req/s, p50 and p99 are medians over the rounds; spread is (fastest - slowest "
        "round) / median.",
        "",
    ]
    body = []
    for r in rows:
        label = BY_KEY[r.app].label if r.app in BY_KEY else r.app
        if r.ok:
            body.append(
                [
                    r.server,
                    label,
                    r.scenario,
                    f"{r.rps:,.0f}",
                    " / ".join(f"{x:,.0f}" for x in r.rounds),
                    f"{r.spread:.0%}",
                    f"{r.p50_ms:.2f}",
                    f"{r.p99_ms:.2f}",
                    f"{r.requests:,}",
                    str(r.errors),
                ]
            )
        else:
            body.append([r.server, label, r.scenario, r.outcome, "", "", "", "", "", ""])
    lines += _table(
        [
            "server",
            "app",
            "scenario",
            "req/s",
            "rounds req/s",
            "spread",
            "p50 ms",
            "p99 ms",
            "requests",
            "errors",
        ],
        body,
        right_from=3,
    )
    voided = _voided(rows, with_server=True)
    if voided:
        lines += ["## Voided rows", "", *voided]
    return "\n".join(lines)


def write(text: str, mode: str, started: dt.datetime, results: Path | None = None) -> Path:
    """Write a report to ``results/<date>-<HHMM>-<mode>.md`` (the UTC start
    time: a second run on the same day keeps the first) and return the path."""
    folder = results or HERE / "results"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{started:%Y-%m-%d-%H%M}-{mode}.md"
    path.write_text(text + "\n")
    return path


def command_line() -> str:
    """How this run was started, as the user would type it."""
    args = " ".join(sys.argv[1:])
    return f"bash benchmarks/run {args}".strip()
