"""benchmarks/suite/instructions.py: the callgrind mode's arithmetic and table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from suite import instructions
from suite.apps import BY_KEY
from suite.fixtures import Fixtures
from suite.scenarios import BY_NAME


def _fake_valgrind(totals: dict[int, int], returncode: int = 0) -> Any:
    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert command[1:3] == ["--tool=callgrind", "--callgrind-out-file=/dev/null"]
        assert kwargs["env"]["PYTHONHASHSEED"] == "0"
        n = int(command[-2])
        stderr = f"==1== Events    : Ir\n==1== Collected : {totals[n]}\n"
        return subprocess.CompletedProcess(command, returncode, "", stderr)

    return run


def test_one_request_is_the_difference_of_two_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Start-up costs 5,000,000 in both children; each request 70,000.
    monkeypatch.setattr(
        subprocess,
        "run",
        _fake_valgrind({200: 5_000_000 + 200 * 70_000, 1200: 5_000_000 + 1200 * 70_000}),
    )
    result = instructions.count(
        BY_KEY["erlen-wsgi"], BY_NAME["hello"], Fixtures(tmp_path), 200, 1200
    )
    assert result == instructions.Count("erlen-wsgi", "hello", 70_000.0)


def test_a_failing_child_fails_the_row_with_its_last_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(
            command, 1, "", "Traceback\n3 of 200 responses differed\n"
        )

    monkeypatch.setattr(subprocess, "run", run)
    result = instructions.count(BY_KEY["flask"], BY_NAME["query"], Fixtures(tmp_path), 200, 1200)
    assert result.per_request is None
    assert result.error == "the child failed (1): 3 of 200 responses differed"


def test_table_shows_thousands_and_ratios() -> None:
    apps = [BY_KEY["erlen-wsgi"], BY_KEY["flask"], BY_KEY["falcon-wsgi"]]
    scenarios = [BY_NAME["hello"], BY_NAME["query"]]
    counts = [
        instructions.Count("erlen-wsgi", "hello", 75_000.0),
        instructions.Count("flask", "hello", 450_000.0),
        instructions.Count("falcon-wsgi", "hello", 40_000.0),
        instructions.Count("erlen-wsgi", "query", None, "the child failed (1): boom"),
        instructions.Count("flask", "query", 560_000.0),
    ]
    lines = instructions.table(counts, apps, scenarios)
    assert lines[0] == (
        "| scenario | erlen WSGI | Flask | Falcon WSGI"
        " | erlen WSGI ÷ Flask | erlen WSGI ÷ Falcon WSGI |"
    )
    assert lines[2] == "| hello | 75.0k | 450.0k | 40.0k | 0.17x | 1.88x |"
    assert lines[3] == "| query | failed | 560.0k | n/a |  |  |"
    assert "- erlen-wsgi / query: the child failed (1): boom" in lines
