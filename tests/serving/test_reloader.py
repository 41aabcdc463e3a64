"""The reloader: change detection, the restart protocol, and a real reload."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from erlen.serving import is_running_from_reloader, reloader, run_with_reloader
from erlen.serving.reloader import (
    RELOAD_EXIT_CODE,
    StatReloaderLoop,
    WatchfilesReloaderLoop,
    get_args_for_reloading,
)


def _touch_later(path: Path, seconds: float = 5) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime + seconds, stat.st_mtime + seconds))


def test_stat_loop_sees_a_changed_extra_file(tmp_path: Path) -> None:
    watched = tmp_path / "settings.toml"
    watched.write_text("a = 1")
    loop = StatReloaderLoop(extra_files=[str(watched)])
    assert loop.changed_files() == []
    assert str(watched) in loop.mtimes
    _touch_later(watched)
    assert loop.changed_files() == [str(watched)]
    assert loop.changed_files() == []


def test_stat_loop_sees_a_deleted_file(tmp_path: Path) -> None:
    watched = tmp_path / "gone.cfg"
    watched.write_text("x")
    loop = StatReloaderLoop(extra_files=[str(watched)])
    loop.changed_files()
    watched.unlink()
    assert loop.changed_files() == [str(watched)]
    assert loop.changed_files() == []


def test_stat_loop_watches_imported_modules() -> None:
    loop = StatReloaderLoop()
    files = loop.watched_files()
    assert os.path.abspath(reloader.__file__) in files
    assert os.path.abspath(__file__) in files


def test_exclude_patterns(tmp_path: Path) -> None:
    kept = tmp_path / "kept.txt"
    skipped = tmp_path / "skipped.log"
    loop = StatReloaderLoop(extra_files=[str(kept), str(skipped)], exclude_patterns=["*.log"])
    files = loop.watched_files()
    assert str(kept) in files
    assert str(skipped) not in files
    assert loop.is_excluded("/x/y.log") and not loop.is_excluded("/x/y.py")


def test_run_step_exits_with_status_3_on_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    watched = tmp_path / "data.json"
    watched.write_text("{}")
    loop = StatReloaderLoop(extra_files=[str(watched)])
    with loop:
        _touch_later(watched)
        with pytest.raises(SystemExit) as info, caplog.at_level("INFO", "erlen.serving"):
            loop.run_step()
    assert info.value.code == RELOAD_EXIT_CODE
    assert f"Detected change in {str(watched)!r}, reloading" in caplog.text


def test_loop_ends_when_the_server_thread_dies() -> None:
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()
    with pytest.raises(SystemExit) as info:
        StatReloaderLoop(interval=0.01).run(thread)
    assert info.value.code == 1


def test_reloader_types() -> None:
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        expected: type = StatReloaderLoop
    else:
        expected = WatchfilesReloaderLoop
    assert reloader._loop_class("auto") is expected
    assert reloader._loop_class("stat") is StatReloaderLoop
    with pytest.raises(ValueError, match="Unknown reloader type 'inotify'"):
        reloader._loop_class("inotify")


def test_is_running_from_reloader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ERLEN_RUN_MAIN", raising=False)
    assert is_running_from_reloader() is False
    monkeypatch.setenv("ERLEN_RUN_MAIN", "true")
    assert is_running_from_reloader() is True


def test_args_for_reloading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "orig_argv", ["python3", "-X", "dev", "-m", "erlen", "run"])
    assert get_args_for_reloading() == [sys.executable, "-X", "dev", "-m", "erlen", "run"]


def test_child_mode_runs_the_server_and_watches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERLEN_RUN_MAIN", "true")
    ran = threading.Event()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as info:
            # The server function returns at once, so the watcher stops too.
            run_with_reloader(ran.set, reloader_type="stat", interval=0.01)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert ran.is_set()
    assert info.value.code == 1


def test_parent_restarts_on_status_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    script = textwrap.dedent(
        f"""
        import os, sys
        path = {str(counter)!r}
        runs = int(open(path).read()) if os.path.exists(path) else 0
        open(path, "w").write(str(runs + 1))
        assert os.environ["ERLEN_RUN_MAIN"] == "true"
        sys.exit(3 if runs < 2 else 7)
        """
    )
    monkeypatch.setattr(reloader, "get_args_for_reloading", lambda: [sys.executable, "-c", script])
    monkeypatch.delenv("ERLEN_SERVER_FD", raising=False)
    assert reloader._restart_forever("stat") == 7
    assert counter.read_text() == "3"


def test_watchfiles_loop_sees_a_change(tmp_path: Path) -> None:
    pytest.importorskip("watchfiles")
    watched = tmp_path / "extra.cfg"
    watched.write_text("a")
    ignored = tmp_path / "notes.txt"
    loop = WatchfilesReloaderLoop(extra_files=[str(watched)], interval=0.1)
    with loop:
        ignored.write_text("not watched")
        watched.write_text("b")
        with pytest.raises(SystemExit) as info:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                loop.run_step()
    assert info.value.code == RELOAD_EXIT_CODE


# -- a real server that reloads -------------------------------------------------------------

APP_SOURCE = """
from erlen import Erlen

app = Erlen(__name__)


@app.route("/")
def index():
    return {answer!r}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get_until(url: str, wanted: str, deadline: float) -> str:
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                last = response.read().decode()
            if last == wanted:
                return last
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    return last


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[tuple[Path, int, Path]]:
    """``python -m erlen --app app.py run --reload`` in a temp folder; the
    whole process group is killed afterwards, whatever happens."""
    app_file = tmp_path / "app.py"
    app_file.write_text(APP_SOURCE.format(answer="first answer"))
    port = _free_port()
    log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERLEN_", "FLASK_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "erlen",
                "--app",
                str(app_file),
                "run",
                "--port",
                str(port),
                "--reload",
            ],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield app_file, port, log
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


RUN_SCRIPT = """
from erlen import Erlen

app = Erlen(__name__)


@app.route("/")
def index():
    return {answer!r}


if __name__ == "__main__":
    app.run(port={port}, use_reloader=True, reloader_type="stat", reloader_interval=0.2)
"""


@pytest.mark.server
@pytest.mark.slow
def test_app_run_with_the_stat_reloader(tmp_path: Path) -> None:
    script = tmp_path / "serve.py"
    port = _free_port()
    script.write_text(RUN_SCRIPT.format(answer="one", port=port))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERLEN_", "FLASK_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        assert _get_until(url, "one", time.monotonic() + 30) == "one", log.read_text()
        script.write_text(RUN_SCRIPT.format(answer="two!", port=port))
        _touch_later(script, 2)
        assert _get_until(url, "two!", time.monotonic() + 30) == "two!", log.read_text()
        assert log.read_text().count(" * Restarting with stat") == 2
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.mark.server
@pytest.mark.slow
def test_erlen_run_reloads_on_source_change(server_process: tuple[Path, int, Path]) -> None:
    app_file, port, log = server_process
    url = f"http://127.0.0.1:{port}/"
    assert _get_until(url, "first answer", time.monotonic() + 30) == "first answer", log.read_text()

    app_file.write_text(APP_SOURCE.format(answer="second, reloaded answer"))
    _touch_later(app_file, 2)
    got = _get_until(url, "second, reloaded answer", time.monotonic() + 30)
    assert got == "second, reloaded answer", log.read_text()

    output = log.read_text()
    assert "WARNING: This is a development server." in output
    for server in ("gunicorn", "uWSGI", "granian", "uvicorn", "hypercorn"):
        assert server in output
    assert f" * Running on http://127.0.0.1:{port}" in output
    # Once at the start, once after the change (watchfiles or stat, as installed).
    assert output.count(" * Restarting with ") == 2
    assert f"Detected change in {str(app_file)!r}, reloading" in output
    assert '"GET / HTTP/1.1" 200' in output
