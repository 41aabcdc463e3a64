"""Shared fixtures for the whole suite.

- ``app``: a fresh ``Erlen("test_app")`` in testing mode with a secret key
  (a test module may define its own ``app`` fixture; the ``client`` below
  then drives that one).
- ``protocol``: ``"wsgi"`` or ``"asgi"``; every test that uses it (directly or
  through ``client``) runs once per protocol, with ids ``[wsgi]``/``[asgi]``.
- ``client``: ``app.test_client(asgi=protocol == "asgi")``, closed afterwards.
- ``make_client``: for tests that need client options on both protocols:
  ``make_client(use_cookies=False)`` or ``make_client(other_app)``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import settings

from erlen import Erlen
from erlen.testing import ErlenClient

# The property tests explore new inputs on every local run, where a failure
# they find is news; CI (CI=true, set by .ci/run's caller) replays the same
# inputs every time, so that landing never depends on the draw.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

PROTOCOLS = ("wsgi", "asgi")


@pytest.fixture
def app() -> Erlen:
    """A fresh app in testing mode, with a secret key for sessions."""
    app = Erlen("test_app")
    app.config.update(TESTING=True, SECRET_KEY="test secret key")
    return app


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    """The protocol a test client talks: ``"wsgi"`` or ``"asgi"``."""
    return str(request.param)


@pytest.fixture
def make_client(app: Any, protocol: str) -> Iterator[Callable[..., ErlenClient]]:
    """Make test clients on the test's protocol: ``make_client(app=None, **kwargs)``."""
    made: list[ErlenClient] = []

    def make(target: Any = None, **kwargs: Any) -> ErlenClient:
        target = app if target is None else target
        client: ErlenClient = target.test_client(asgi=protocol == "asgi", **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., ErlenClient]) -> ErlenClient:
    """A test client of ``app`` on the test's protocol."""
    return make_client()
