"""The reloader: restart the server process when a source file changes.

A parent process runs the program again as a child with ``ERLEN_RUN_MAIN=true``
in its environment, and waits. The child runs the server in a thread and
watches files in its main thread; on a change it exits with status 3, and the
parent starts a new child. Any other exit status ends the parent too.

Files are watched with `watchfiles <https://watchfiles.helpmanual.io>`_ when
it is installed, otherwise by polling their modification times: the files of
every imported module, the ``.py`` files under the project folders on
``sys.path`` (so a file that failed to import is watched too), and the extra
files given.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from types import TracebackType
from typing import Any

__all__ = [
    "RELOAD_EXIT_CODE",
    "ReloaderLoop",
    "StatReloaderLoop",
    "WatchfilesReloaderLoop",
    "get_args_for_reloading",
    "is_running_from_reloader",
    "reloader_loops",
    "run_with_reloader",
]

#: The exit status of a child that asks to be restarted.
RELOAD_EXIT_CODE = 3
_RUN_MAIN = "ERLEN_RUN_MAIN"
_SERVER_FD = "ERLEN_SERVER_FD"
_MAX_WALKED_FILES = 20_000
_SKIPPED_DIRS = frozenset(("__pycache__", "node_modules", "site-packages", "dist-packages"))

_logger = logging.getLogger("erlen.serving")


def is_running_from_reloader() -> bool:
    """True in the child process the reloader started (where the server runs)."""
    return os.environ.get(_RUN_MAIN) == "true"


def _prefixes() -> tuple[str, ...]:
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    return tuple(os.path.realpath(p) + os.sep for p in paths)


def _module_files() -> Iterator[str]:
    for module in list(sys.modules.values()):
        name = getattr(module, "__file__", None)
        if not isinstance(name, str):
            continue
        if name.endswith((".pyc", ".pyo")):
            name = name[:-1]
        yield os.path.abspath(name)


def _project_roots() -> list[str]:
    """Folders on ``sys.path`` that hold the project's own code (not the
    standard library, not installed packages)."""
    prefixes = _prefixes()
    roots = []
    for entry in sys.path:
        path = os.path.realpath(entry or os.getcwd())
        if not os.path.isdir(path) or (path + os.sep).startswith(prefixes):
            continue
        if os.path.basename(path) in _SKIPPED_DIRS:
            continue
        roots.append(path)
    return roots


def _walk_py_files(roots: Iterable[str]) -> Iterator[str]:
    seen = 0
    for root in roots:
        for folder, dirs, files in os.walk(root):
            # Virtual environments, hidden folders and caches are not the project.
            dirs[:] = [
                d
                for d in dirs
                if not d.startswith(".")
                and d not in _SKIPPED_DIRS
                and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg"))
            ]
            for name in files:
                if name.endswith(".py"):
                    seen += 1
                    if seen > _MAX_WALKED_FILES:
                        return
                    yield os.path.join(folder, name)


class ReloaderLoop:
    """Watches files and exits the process with status 3 when one changes.

    ``with loop:`` takes the first snapshot; :meth:`run` then watches until a
    change (or until the server thread given to :meth:`run` ends).
    """

    #: The name the startup message shows.
    name = ""

    def __init__(
        self,
        extra_files: Iterable[str] | None = None,
        exclude_patterns: Iterable[str] | None = None,
        interval: float = 1.0,
    ) -> None:
        self.extra_files = {os.path.abspath(f) for f in extra_files or ()}
        self.exclude_patterns = set(exclude_patterns or ())
        self.interval = interval

    def __enter__(self) -> ReloaderLoop:
        self.run_step()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def is_excluded(self, filename: str) -> bool:
        """True when ``filename`` matches one of the exclude patterns."""
        return any(fnmatch.fnmatch(filename, p) for p in self.exclude_patterns)

    def run_step(self) -> None:
        """Check once; calls :meth:`trigger_reload` on a change."""

    def run(self, server_thread: threading.Thread | None = None) -> None:
        """Check every ``interval`` seconds until a change or until
        ``server_thread`` ends (then exit with status 1)."""
        while True:
            if server_thread is not None and not server_thread.is_alive():
                sys.exit(1)
            time.sleep(self.interval)
            self.run_step()

    def trigger_reload(self, filename: str) -> None:
        """Log the change and exit with status 3 so the parent restarts."""
        _logger.info(" * Detected change in %r, reloading", filename)
        sys.exit(RELOAD_EXIT_CODE)


class StatReloaderLoop(ReloaderLoop):
    """Polls modification times with ``os.stat``."""

    name = "stat"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mtimes: dict[str, float] = {}
        self._project_files: set[str] | None = None

    def watched_files(self) -> set[str]:
        """Every file this loop watches now."""
        if self._project_files is None:
            # PERF: the project folders are walked once; later imports show
            # up in sys.modules, which is read on every check.
            self._project_files = set(_walk_py_files(_project_roots()))
        files = set(chain(_module_files(), self._project_files, self.extra_files))
        return {f for f in files if not self.is_excluded(f)}

    def changed_files(self) -> list[str]:
        """Files whose modification time changed since the last check (or
        that were seen before and are gone); new files are only recorded."""
        changed = []
        for filename in self.watched_files():
            try:
                mtime = os.stat(filename).st_mtime
            except OSError:
                if self.mtimes.pop(filename, None) is not None:
                    changed.append(filename)
                continue
            old = self.mtimes.setdefault(filename, mtime)
            if mtime != old:
                self.mtimes[filename] = mtime
                changed.append(filename)
        return sorted(changed)

    def run_step(self) -> None:
        changed = self.changed_files()
        if changed:
            self.trigger_reload(changed[0])


class WatchfilesReloaderLoop(ReloaderLoop):
    """Waits for file system events with watchfiles."""

    name = "watchfiles"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        import watchfiles

        super().__init__(*args, **kwargs)
        self._watchfiles = watchfiles
        self._stop = threading.Event()
        self._watcher: Iterator[Any] | None = None

    def _paths(self) -> set[str]:
        folders = {os.path.dirname(f) for f in chain(_module_files(), self.extra_files)}
        folders.update(_project_roots())
        prefixes = _prefixes()
        watched = {f for f in folders if os.path.isdir(f)}
        # The library folders change only on installs; watching them costs
        # inotify watches for nothing.
        watched = {f for f in watched if not (f + os.sep).startswith(prefixes)}
        return watched or {os.getcwd()}

    def _relevant(self, filename: str) -> bool:
        if self.is_excluded(filename):
            return False
        return filename.endswith(".py") or os.path.abspath(filename) in self.extra_files

    def __enter__(self) -> ReloaderLoop:
        self._watcher = iter(
            self._watchfiles.watch(
                *self._paths(),
                stop_event=self._stop,
                yield_on_timeout=True,
                # Short waits, so a dead server thread is noticed quickly.
                rust_timeout=int(min(self.interval, 0.1) * 1000),
            )
        )
        # The watch starts on the first step: take it now, before the server
        # thread starts, so no change between the two goes unseen.
        next(self._watcher, None)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()

    def run_step(self) -> None:
        if self._watcher is None:
            return
        for _change, filename in next(self._watcher, set()):
            if self._relevant(filename):
                self.trigger_reload(filename)

    def run(self, server_thread: threading.Thread | None = None) -> None:
        while True:
            if server_thread is not None and not server_thread.is_alive():
                sys.exit(1)
            self.run_step()


def _watchfiles_available() -> bool:
    try:
        import watchfiles  # noqa: F401
    except ImportError:
        return False
    return True


#: The reloader loops by name; ``"auto"`` picks watchfiles when installed.
reloader_loops: dict[str, type[ReloaderLoop]] = {
    "stat": StatReloaderLoop,
    "watchfiles": WatchfilesReloaderLoop,
}


def _loop_class(reloader_type: str) -> type[ReloaderLoop]:
    if reloader_type == "auto":
        return WatchfilesReloaderLoop if _watchfiles_available() else StatReloaderLoop
    try:
        return reloader_loops[reloader_type]
    except KeyError:
        raise ValueError(
            f"Unknown reloader type {reloader_type!r}; use 'auto', 'stat' or 'watchfiles'."
        ) from None


def get_args_for_reloading() -> list[str]:
    """The command line that runs this program again (``python -m pkg``, a
    script, or a console-script entry point)."""
    original = getattr(sys, "orig_argv", None)
    if original:
        # sys.orig_argv keeps the interpreter options and "-m module", so the
        # child starts exactly as this process did.
        return [sys.executable, *original[1:]]
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name:
        name = spec.name
        if name.endswith(".__main__"):
            name = name[: -len(".__main__")]
        return [sys.executable, "-m", name, *sys.argv[1:]]
    return [sys.executable, os.path.abspath(sys.argv[0]), *sys.argv[1:]]


def _restart_forever(name: str) -> int:
    """In the parent: start children until one exits with a status other than 3."""
    fds: tuple[int, ...] = ()
    fd = os.environ.get(_SERVER_FD)
    if fd and fd.isdigit():
        fds = (int(fd),)
    while True:
        _logger.info(" * Restarting with %s", name)
        env = {**os.environ, _RUN_MAIN: "true"}
        child = subprocess.Popen(get_args_for_reloading(), env=env, pass_fds=fds)
        try:
            status = child.wait()
        finally:
            # Ctrl+C or SIGTERM in the parent: the child must not outlive it.
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        if status != RELOAD_EXIT_CODE:
            return status


def run_with_reloader(
    main_func: Callable[[], Any],
    extra_files: Iterable[str] | None = None,
    exclude_patterns: Iterable[str] | None = None,
    interval: float = 1.0,
    reloader_type: str = "auto",
) -> None:
    """Run ``main_func`` (the server) in a child process that restarts when a
    watched file changes. Returns (or exits) when the child stops for another
    reason."""
    loop_class = _loop_class(reloader_type)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *args: sys.exit(0))
    try:
        if not is_running_from_reloader():
            sys.exit(_restart_forever(loop_class.name))
        loop = loop_class(
            extra_files=extra_files, exclude_patterns=exclude_patterns, interval=interval
        )
        server = threading.Thread(target=main_func, name="erlen-server", daemon=True)
        with loop:
            server.start()
            loop.run(server)
    except KeyboardInterrupt:
        pass
