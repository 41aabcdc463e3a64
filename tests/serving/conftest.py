"""Fixtures of the serving tests: the development server with a raw HTTP client, and
real production servers (gunicorn, uWSGI, granian, uvicorn, hypercorn) as subprocesses."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from erlen.serving import BaseWSGIServer, make_server


class RawResponse:
    """One HTTP response read off a socket: status, headers and decoded body."""

    def __init__(self, status_line: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_line = status_line
        self.status = int(status_line.split(" ")[1])
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class RawConnection:
    """A client socket that sends bytes as given and parses what comes back."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection((host, port), timeout=10)
        self.rfile = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_head(self) -> tuple[str, list[tuple[str, str]]]:
        status_line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
        assert status_line, "the server closed the connection"
        headers: list[tuple[str, str]] = []
        while True:
            line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
            if not line:
                return status_line, headers
            name, _, value = line.partition(":")
            headers.append((name, value.strip()))

    def read_response(self, method: str = "GET") -> RawResponse:
        status_line, headers = self.read_head()
        response = RawResponse(status_line, headers, b"")
        if method == "HEAD" or response.status in (204, 304) or response.status < 200:
            return response
        length = response.header("Content-Length")
        if response.header("Transfer-Encoding") == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    assert self.rfile.readline() == b"\r\n"
                    break
                parts.append(self.rfile.read(size))
                assert self.rfile.read(2) == b"\r\n"
            response.body = b"".join(parts)
        elif length is not None:
            response.body = self.rfile.read(int(length))
        else:
            response.body = self.rfile.read()
        return response

    def is_closed(self) -> bool:
        """True when the server closed its side (reads hit EOF)."""
        try:
            return self.rfile.read(1) == b""
        except (ConnectionError, TimeoutError):
            return True

    def close(self) -> None:
        self.rfile.close()
        self.sock.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., BaseWSGIServer]]:
    """Start a threaded server for a WSGI app on a free port; stopped after the test."""
    servers: list[tuple[BaseWSGIServer, threading.Thread]] = []

    def start(app: Any, host: str = "127.0.0.1", **options: Any) -> BaseWSGIServer:
        options.setdefault("threaded", True)
        server = make_server(host, 0, app, **options)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.daemon = True
        thread.start()
        servers.append((server, thread))
        return server

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(10)


@pytest.fixture
def connect() -> Iterator[Callable[..., RawConnection]]:
    """Open raw client connections; closed after the test."""
    opened: list[RawConnection] = []

    def open_connection(port: int, host: str = "127.0.0.1") -> RawConnection:
        conn = RawConnection(port, host)
        opened.append(conn)
        return conn

    yield open_connection
    for conn in opened:
        conn.close()


# -- real servers (gunicorn, uWSGI, granian, uvicorn, hypercorn) as subprocesses ------------

APPS_DIR = Path(__file__).parent / "apps"
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def require(module_name: str, executable: str | None = None) -> None:
    """Skip the calling test when ``module_name`` (or ``executable``) is missing.

    With ``ERLEN_REQUIRE_SERVICES=1`` (CI sets it) a missing one fails the test
    instead, so a broken install step cannot hide behind skips.
    """
    if importlib.util.find_spec(module_name) is None:
        _missing(f"the Python package providing {module_name!r} is not installed")
    if executable is not None:
        require_program(executable)


def require_program(name: str) -> str:
    """The path of program ``name`` (a name on PATH or an absolute path); when it
    is missing, skip, or fail under ``ERLEN_REQUIRE_SERVICES=1``, as ``require``."""
    path = find_executable(name)
    if path is None:
        _missing(f"the program {name!r} is not installed")
    return path


def _missing(what: str) -> NoReturn:
    if os.environ.get("ERLEN_REQUIRE_SERVICES") == "1":
        pytest.fail(
            f"{what}, and ERLEN_REQUIRE_SERVICES=1 requires it"
            " (.ci/run installs the system packages and scripts/test the 'serve' extra)",
            pytrace=False,
        )
    pytest.skip(f"{what} (with ERLEN_REQUIRE_SERVICES=1 this fails instead)")


def find_executable(name: str) -> str | None:
    """The program ``name``, preferring the one installed beside this Python."""
    if os.path.isabs(name):
        return name if os.access(name, os.X_OK) else None
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# Each server's command for ``module:app``, in the same form as the README's
# "Production servers" section, plus a port on the loopback interface. The
# requirement is (module to find, program to run).
SERVERS: dict[str, tuple[tuple[str, str], Callable[[str, int], list[str]]]] = {
    "gunicorn": (
        ("gunicorn", "gunicorn"),
        lambda target, port: ["gunicorn", "--bind", f"127.0.0.1:{port}", target],
    ),
    "uwsgi": (
        ("uwsgidecorators", "uwsgi"),
        lambda target, port: [
            "uwsgi",
            "--http-socket",
            f"127.0.0.1:{port}",
            "--module",
            target,
            "--die-on-term",
        ],
    ),
    # The notes' uwsgi protocol: uWSGI's HTTP router speaks it to the worker
    # over a UNIX socket (as nginx's uwsgi_pass would).
    "uwsgi-protocol": (
        ("uwsgidecorators", "uwsgi"),
        lambda target, port: [
            "uwsgi",
            "--http",
            f"127.0.0.1:{port}",
            # Streamed responses chunked on kept-alive connections (by default
            # the router sends a body of unknown length until it closes).
            "--http-keepalive",
            "--http-auto-chunked",
            "--socket",
            os.path.join(tempfile.gettempdir(), f"erlen-uwsgi-{port}.sock"),
            "--master",
            "--module",
            target,
            "--die-on-term",
        ],
    ),
    "granian-wsgi": (
        ("granian", "granian"),
        lambda target, port: [
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            target,
        ],
    ),
    "granian-asgi": (
        ("granian", "granian"),
        lambda target, port: [
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            target,
        ],
    ),
    "uvicorn": (
        ("uvicorn", "uvicorn"),
        lambda target, port: ["uvicorn", "--host", "127.0.0.1", "--port", str(port), target],
    ),
    "hypercorn": (
        ("hypercorn", "hypercorn"),
        lambda target, port: ["hypercorn", "--bind", f"127.0.0.1:{port}", target],
    ),
}
ASGI_SERVERS = ("granian-asgi", "uvicorn", "hypercorn")


class ServerProcess:
    """A server subprocess in its own process group, with its output in a file."""

    def __init__(self, name: str, argv: list[str], port: int, cwd: Path) -> None:
        self.name = name
        self.argv = argv
        self.port = port
        self.cwd = cwd
        self.base_url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        self.asgi = name in ASGI_SERVERS
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        # start_new_session: the server's workers share its process group, so
        # stopping the group leaves no worker behind.
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        """Everything the server printed so far."""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def tail(self, size: int = 3000) -> str:
        """The end of the server's output, for assertion messages."""
        return f"{self.name} output (end):\n{self.output()[-size:]}"

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Return once the port accepts connections; fail with the server's output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"{self.name} exited with {self.proc.returncode} before listening:"
                    f" {shlex.join(self.argv)}\n{self.output()}",
                    pytrace=False,
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail(
            f"{self.name} did not listen on port {self.port} within {timeout:.0f} s:"
            f" {shlex.join(self.argv)}\n{self.output()}",
            pytrace=False,
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM the process group, then SIGKILL it when it outlives ``timeout``."""
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(timeout)
        # Workers may outlive a master that exited on its own.
        self._signal(signal.SIGKILL)
        self._log.close()

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:
            pass


@contextlib.contextmanager
def run_server(name: str, target: str, cwd: Path = APPS_DIR) -> Iterator[ServerProcess]:
    """Run server ``name`` (a key of ``SERVERS``) on ``target`` ("module:app")
    from ``cwd``; yield it once it listens and stop it afterwards."""
    (module_name, executable), command = SERVERS[name]
    require(module_name, executable)
    port = free_port()
    argv = command(target, port)
    argv[0] = find_executable(argv[0]) or argv[0]
    with _listening(ServerProcess(name, argv, port, cwd)) as server:
        yield server


@contextlib.contextmanager
def _listening(server: ServerProcess) -> Iterator[ServerProcess]:
    """``server`` once it listens; stopped afterwards."""
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


#: How a WSGI WebSocket library's app (Flask-Sock, Flask-SocketIO) is served:
#: a WSGI server that hands over its socket, erlen's development server, and
#: the ASGI servers (a socket pair, erlen.adapters.wsgi_websocket).
WEBSOCKET_LIBRARY_SERVERS = ("gunicorn", "development server", *ASGI_SERVERS)


@contextlib.contextmanager
def serve_websocket_library_app(name: str, module: str) -> Iterator[ServerProcess]:
    """Serve ``apps/<module>.py``'s ``app`` with ``name``: ``"gunicorn"`` (with
    threads), ``"development server"`` (``python <module>.py PORT``; a name
    ending in ``"debug"`` adds ``--debug``) or one of ``ASGI_SERVERS``."""
    if name in ASGI_SERVERS:
        with run_server(name, f"{module}:app") as running:
            yield running
        return
    port = free_port()
    if name == "gunicorn":
        require("gunicorn", "gunicorn")
        gunicorn = find_executable("gunicorn") or "gunicorn"
        argv = [gunicorn, "--bind", f"127.0.0.1:{port}", "--threads", "4", f"{module}:app"]
    else:
        argv = [sys.executable, f"{module}.py", str(port)]
        if name.endswith("debug"):
            argv.append("--debug")
    with _listening(ServerProcess(name, argv, port, APPS_DIR)) as running:
        yield running


@pytest.fixture(name="require", scope="session")
def require_fixture() -> Callable[..., None]:
    """``require`` for tests: ``require("httpx")`` skips (or, in CI, fails) without it."""
    return require


@pytest.fixture(scope="session")
def server_runner() -> Callable[..., contextlib.AbstractContextManager[ServerProcess]]:
    """``run_server`` for module-scoped fixtures: ``with server_runner("uvicorn",
    "myapp:app") as server: ...``."""
    return run_server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Attach the output of the test's real server to a failure report."""
    report = yield
    if report.failed:
        funcargs = getattr(item, "funcargs", {})
        for value in funcargs.values():
            if isinstance(value, ServerProcess) and not value._log.closed:
                report.sections.append((f"{value.name} output", value.tail()))
    return report
