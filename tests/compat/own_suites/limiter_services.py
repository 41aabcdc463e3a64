"""Pytest plugin for Flask-Limiter's own suite (``-p limiter_services``):
its ``docker_services`` fixture without docker.

The suite's conftest asks ``docker_services`` (lovely-pytest-docker) to
start a Redis that it then reaches on ``localhost:46379`` and flushes. Here
``start("redis")`` starts a private ``redis-server`` on that port instead
(never the shared one on 6379, which other tests use); the memcached and
MongoDB tests are deselected by the caller, and asking for those services
fails the test.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

REDIS_PORT = 46379


class _Services:
    def __init__(self) -> None:
        self.redis: subprocess.Popen[bytes] | None = None

    def start(self, name: str) -> None:
        if name != "redis":
            raise RuntimeError(f"no {name} here: deselect the tests that need it")
        if self.redis is not None:
            return
        server = shutil.which("redis-server")
        if server is None:
            pytest.skip("redis-server is not installed")
        # No snapshots, no append-only file: nothing is written to disk.
        options = ["--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", ""]
        self.redis = subprocess.Popen(
            [server, *options, "--appendonly", "no"], stdout=subprocess.DEVNULL
        )

    def wait_for_service(
        self, name: str, port: int, check: Callable[..., Any], timeout: float = 10.0
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(10)


@pytest.fixture(scope="session")
def docker_services() -> Iterator[_Services]:
    services = _Services()
    yield services
    services.stop()
