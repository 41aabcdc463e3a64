"""benchmarks/suite/report.py: where reports go and what their header warns about."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from suite import report

MORNING = dt.datetime(2026, 11, 27, 9, 5, tzinfo=dt.UTC)


def test_reports_of_one_day_keep_each_other(tmp_path: Path) -> None:
    # A second run on the same day must not replace the first (a good run
    # could be lost to a noisy one).
    evening = dt.datetime(2026, 11, 27, 17, 40, tzinfo=dt.UTC)
    first = report.write("first", "inprocess", MORNING, tmp_path)
    second = report.write("second", "inprocess", evening, tmp_path)
    assert first.name == "2026-11-27-0905-inprocess.md"
    assert second.name == "2026-11-27-1740-inprocess.md"
    assert first.read_text() == "first\n"
    assert second.read_text() == "second\n"


def test_source_digest_follows_every_python_file(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.py").write_text("y = 2\n")
    (package / "notes.txt").write_text("not code")
    before = report.source_digest(package)
    assert before == report.source_digest(package)
    (package / "notes.txt").write_text("still not code")
    assert report.source_digest(package) == before
    (package / "sub" / "b.py").write_text("y = 3\n")
    assert report.source_digest(package) != before


def test_the_header_warns_when_the_source_changed_during_the_run() -> None:
    info = report.RunInfo(
        mode="inprocess", quick=False, command="bash benchmarks/run", started=MORNING
    )
    assert info.source == report.source_digest() != ""
    assert not any("WARNING" in line for line in report.header("t", info))
    info.source = "a digest from before an edit"
    warnings = [line for line in report.header("t", info) if "WARNING" in line]
    assert len(warnings) == 1
    assert "source changed during this run" in warnings[0]


def test_the_report_names_the_commit_of_the_erlen_it_measured(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    package = tmp_path / "src" / "erlen"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (tmp_path / "README.md").write_text("x")
    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    rev = git("rev-parse", "--short", "HEAD")
    assert report._git(package) == rev
    (tmp_path / "README.md").write_text("changed outside the package")
    assert report._git(package) == rev
    (package / "__init__.py").write_text("changed = True\n")
    assert report._git(package) == f"{rev} with uncommitted changes"
    assert report._git(tmp_path / "missing") == "unknown"
