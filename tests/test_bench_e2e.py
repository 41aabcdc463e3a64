"""benchmarks/suite/e2e.py: rounds interleaved across apps, medians, voided rows.

No server runs here: the server process, the validation call and the load
generator are replaced, so what is checked is the bookkeeping around them.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from suite import e2e, report
from suite.apps import BY_KEY, AppSpec
from suite.http import HttpRequest, HttpResponse
from suite.scenarios import BY_NAME, HELLO_BODY


def _result(rps: float, *, bad: int = 0, timeout: int = 0, p99_us: int = 900) -> dict[str, Any]:
    # One wrk run of 2 s at ``rps``.
    return {
        "requests": int(rps * 2),
        "duration_us": 2_000_000,
        "checked": int(rps * 2),
        "bad": bad,
        "connect": 0,
        "read": 0,
        "write": 0,
        "timeout": timeout,
        "p50_us": 200,
        "p99_us": p99_us,
        "max_us": 5000,
    }


class _FakeServer:
    """Stands in for RunningServer: a port per app, always ready."""

    ports = iter(range(30000, 30100))

    def __init__(self, server: e2e.Server, spec: Any, fx: Any, logdir: Path) -> None:
        self.server = server
        self.spec = spec
        self.port = next(self.ports)

    def __enter__(self) -> _FakeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def wait_ready(self, timeout: float = 30.0) -> str | None:
        return None

    def log_tail(self, lines: int = 3) -> str:
        return ""


@pytest.fixture
def fake_world(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float]]:
    """Replace the server, the validation call and wrk; return the (port,
    seconds) of every load in the order the suite ran them."""
    loads: list[tuple[int, float]] = []
    monkeypatch.setattr(e2e, "RunningServer", _FakeServer)
    # Not importing the app modules keeps the peers' frameworks out of the test.
    monkeypatch.setattr(AppSpec, "unsupported", lambda self: {})
    monkeypatch.setattr(
        e2e, "call", lambda port, req, timeout=10: HttpResponse(200, [], HELLO_BODY)
    )

    def fake_load(
        port: int, req: HttpRequest, status: int, body: bytes, seconds: float, workdir: Path
    ) -> dict[str, Any]:
        loads.append((port, seconds))
        # Each port serves a little more per round, so the rounds differ.
        return _result(1000 * (port - 29999) + 10 * len(loads))

    monkeypatch.setattr(e2e, "load", fake_load)
    return loads


def test_rounds_rotate_the_order_of_the_apps(fake_world: list[tuple[int, float]]) -> None:
    specs = [BY_KEY["bare-wsgi"], BY_KEY["erlen-wsgi"], BY_KEY["flask"]]
    rows = e2e.run_e2e(
        None,  # type: ignore[arg-type]  # the fake server ignores the fixtures
        [BY_NAME["hello"]],
        seconds=2.0,
        warmup=1.0,
        apps=specs,
        servers=[e2e.BY_KEY["granian-wsgi"]],
        rounds=3,
    )
    first = fake_world[0][0]
    a, b, c = first, first + 1, first + 2
    # One warm-up per app (1 s), then three rounds of 2 s, each starting one app later.
    assert fake_world == [
        (a, 1.0),
        (b, 1.0),
        (c, 1.0),
        (a, 2.0),
        (b, 2.0),
        (c, 2.0),
        (b, 2.0),
        (c, 2.0),
        (a, 2.0),
        (c, 2.0),
        (a, 2.0),
        (b, 2.0),
    ]
    assert [r.app for r in rows] == ["bare-wsgi", "erlen-wsgi", "flask"]
    assert all(r.ok and len(r.rounds) == 3 for r in rows)
    # The middle round of erlen's three (loads 5, 7 and 12 of the run).
    base = 1000 * (b - 29999)
    assert rows[1].rounds == (base + 50, base + 70, base + 120)
    assert rows[1].rps == base + 70


def test_a_row_is_the_median_round_with_errors_summed() -> None:
    cell = e2e._Cell(
        BY_KEY["flask"],
        BY_NAME["hello"],
        None,  # type: ignore[arg-type]
        BY_NAME["hello"].request,
        200,
        HELLO_BODY,
        results=[_result(8000, p99_us=4000), _result(6000, p99_us=9000), _result(7000)],
    )
    row = e2e._row(e2e.BY_KEY["granian-wsgi"], cell)
    assert row.ok
    assert row.rps == 7000
    assert row.rounds == (8000, 6000, 7000)
    assert row.p99_ms == 4.0
    assert row.requests == 42000
    assert row.spread == pytest.approx(2000 / 7000)


@pytest.mark.parametrize(("app", "outcome"), [("flask", "failed"), ("erlen-wsgi", "not yet")])
def test_one_bad_response_in_any_round_voids_the_row(app: str, outcome: str) -> None:
    cell = e2e._Cell(
        BY_KEY[app],
        BY_NAME["hello"],
        None,  # type: ignore[arg-type]
        BY_NAME["hello"].request,
        200,
        HELLO_BODY,
        results=[_result(8000), _result(8000, bad=1), _result(8000, timeout=2)],
    )
    cell.results[1]["first_bad"] = "500 oops"
    row = e2e._row(e2e.BY_KEY["granian-wsgi"], cell)
    assert not row.ok
    assert row.outcome == outcome
    assert row.errors == 3
    assert "timeout 2" in row.note
    assert "1 wrong responses, first: 500 oops" in row.note


def test_a_load_that_fails_in_a_later_round_voids_only_its_row(
    fake_world: list[tuple[int, float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = e2e.load

    def flaky(port: int, *args: Any) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 3:  # erlen's load in the second round (it goes first there)
            raise RuntimeError("load generator failed (1): connection refused")
        return real(port, *args)  # type: ignore[no-any-return]

    monkeypatch.setattr(e2e, "load", flaky)
    rows = e2e.run_e2e(
        None,  # type: ignore[arg-type]
        [BY_NAME["hello"]],
        seconds=2.0,
        warmup=0.0,
        apps=[BY_KEY["flask"], BY_KEY["erlen-wsgi"]],
        servers=[e2e.BY_KEY["granian-wsgi"]],
        rounds=3,
    )
    by_app = {r.app: r for r in rows}
    assert by_app["flask"].ok and len(by_app["flask"].rounds) == 3
    assert by_app["erlen-wsgi"].outcome == "not yet"
    assert "connection refused" in by_app["erlen-wsgi"].note
    # erlen is not loaded again after its failure: flask 3, erlen 1 + the failed one.
    assert calls["n"] == 5


def test_the_report_lists_every_round_and_the_spread() -> None:
    row = e2e.LoadRow(
        "granian-wsgi",
        "erlen-wsgi",
        "hello",
        "ok",
        rps=33000,
        p50_ms=0.2,
        p99_ms=0.8,
        requests=198000,
        rounds=(33000, 30000, 36000),
    )
    info = report.RunInfo(
        mode="e2e",
        quick=False,
        command="bash benchmarks/run --mode e2e",
        started=dt.datetime(2026, 11, 27, 9, 5, tzinfo=dt.UTC),
    )
    text = report.e2e_markdown(info, [row], "wrk", [e2e.BY_KEY["granian-wsgi"]])
    assert "| granian-wsgi | erlen WSGI | hello | 33,000 | 33,000 / 30,000 / 36,000 | 18% |" in text
    assert "| hello text |  | 33,000 (0.8) |" not in text  # only erlen ran: one app column
    assert "| hello text | 33,000 (0.8) |" in text
