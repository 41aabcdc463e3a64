"""Fixtures for the batteries' tests: the real Redis and PostgreSQL they use.

``redis_url`` and ``postgres_url`` point at the services on 127.0.0.1 (Redis
on 6379, PostgreSQL on 5432 with trust auth, database ``test``); override with
``ERLEN_TEST_REDIS_URL`` / ``ERLEN_TEST_POSTGRES_URL``. When a service cannot
be reached the test is skipped and says why; with ``ERLEN_REQUIRE_SERVICES=1``
(CI sets it) it fails instead, so CI never skips them silently.

Each test gets its own Redis key prefix and its own PostgreSQL schema, so
tests running side by side never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import NoReturn

import pytest

REDIS_URL = os.environ.get("ERLEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "ERLEN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def missing_service(what: str) -> NoReturn:
    """Skip the calling test, or fail it under ``ERLEN_REQUIRE_SERVICES=1``."""
    if os.environ.get("ERLEN_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what}, and ERLEN_REQUIRE_SERVICES=1 requires it", pytrace=False)
    pytest.skip(f"{what} (with ERLEN_REQUIRE_SERVICES=1 this fails instead)")


@pytest.fixture
def redis_url() -> str:
    """The URL of a reachable Redis server."""
    try:
        import redis
    except ImportError:
        missing_service("the 'redis' package is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        missing_service(f"Redis at {REDIS_URL} is not reachable ({error})")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    prefix = f"erlen-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL for PostgreSQL whose ``search_path`` is a fresh schema
    (dropped afterwards), so each test starts with no tables."""
    try:
        import psycopg
        import sqlalchemy
    except ImportError:
        missing_service("the 'psycopg' and 'SQLAlchemy' packages are not installed")
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"erlen_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(plain, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.Error as error:
        missing_service(f"PostgreSQL at {plain} is not reachable ({error})")
    url = sqlalchemy.make_url(POSTGRES_URL).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )
    yield url.render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
