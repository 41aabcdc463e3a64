"""Many concurrent requests through a real ASGI server (uvicorn): no context leaks
between requests, and ``async def`` views really overlap.

This is a correctness check, not a benchmark: the one time bound is generous.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.server

REQUESTS = 200
SLEEPERS = 50


@pytest.fixture(scope="module")
def server(server_runner: Callable[..., Any], require: Callable[[str], None]) -> Iterator[Any]:
    require("httpx")
    with server_runner("uvicorn", "concurrency_app:app") as running:
        yield running


Call = tuple[str, dict[str, str], dict[str, str]]  # path, query, headers


async def fetch_all(base_url: str, requests: list[Call]) -> list[Any]:
    import httpx

    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=len(requests))
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        return await asyncio.gather(
            *(
                client.get(path, params=params, headers=headers)
                for path, params, headers in requests
            )
        )


def test_concurrent_requests_keep_their_own_context(server: Any) -> None:
    requests: list[Call] = []
    for i in range(REQUESTS):
        path = "/sync" if i % 2 else "/async"
        requests.append((path, {"n": str(i)}, {"X-Token": uuid.uuid4().hex}))

    responses = asyncio.run(fetch_all(server.base_url, requests))

    assert len(responses) == REQUESTS
    sync_threads = set()
    for (path, params, headers), response in zip(requests, responses, strict=True):
        assert response.status_code == 200, server.tail()
        token = headers["X-Token"]
        assert response.headers["X-Echo-Token"] == token
        data = response.json()
        expected = {"n": params["n"], "g_n": params["n"], "g_token": token, "header": token}
        assert data["kind"] == path.lstrip("/")
        assert data["before"] == expected
        assert data["after"] == expected
        if path == "/sync":
            sync_threads.add(data["thread"])
    # The sync views ran in worker threads, several of them at once.
    assert len(sync_threads) > 1


def test_async_views_overlap(server: Any) -> None:
    requests: list[Call] = [("/sleep", {"n": str(i)}, {}) for i in range(SLEEPERS)]

    started = time.monotonic()
    responses = asyncio.run(fetch_all(server.base_url, requests))
    elapsed = time.monotonic() - started

    assert [r.json() for r in responses] == [{"n": str(i)} for i in range(SLEEPERS)]
    # Run one after another they would take 50 x 0.2 s = 10 s.
    assert elapsed < 5.0, f"{SLEEPERS} concurrent 0.2 s sleeps took {elapsed:.1f} s"
