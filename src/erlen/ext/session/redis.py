"""Sessions in Redis: one string key per session, expired by Redis itself."""

from __future__ import annotations

import math
import typing as t
from datetime import timedelta

import redis as redis_lib

from .base import ServerSideSessionInterface

__all__ = ["DEFAULT_REDIS_URL", "RedisSessionInterface"]

#: The server used when ``SESSION_REDIS`` is not set.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
#: Seconds the default client waits to connect or for an answer, so a hung
#: Redis gives a 503 instead of a request that never ends.
DEFAULT_TIMEOUT = 5.0


class RedisSessionInterface(ServerSideSessionInterface):
    """Store each session under ``SESSION_KEY_PREFIX`` + id in Redis, with a TTL
    of ``PERMANENT_SESSION_LIFETIME``.

    ``client`` is a ``redis.Redis`` (thread safe: it draws connections from its
    pool), a ``redis://`` URL, or None for a client of ``127.0.0.1:6379`` with
    5-second timeouts. Any ``redis.RedisError`` (connection refused, timeout,
    a read-only replica) is treated as the store being unavailable: a 503.
    """

    has_native_ttl = True
    backend_name = "redis"
    unavailable_errors: tuple[type[BaseException], ...] = (redis_lib.RedisError,)

    def __init__(self, client: redis_lib.Redis | str | None = None, **options: t.Any) -> None:
        super().__init__(**options)
        if client is None:
            client = redis_lib.Redis.from_url(
                DEFAULT_REDIS_URL,
                socket_timeout=DEFAULT_TIMEOUT,
                socket_connect_timeout=DEFAULT_TIMEOUT,
            )
        elif isinstance(client, str):
            client = redis_lib.Redis.from_url(client)
        elif not callable(getattr(client, "get", None)) or not callable(
            getattr(client, "set", None)
        ):
            raise TypeError(
                "SESSION_REDIS must be a redis.Redis client (redis.from_url(...)) or a"
                f" redis:// URL, not {type(client).__name__}."
            )
        self.client: redis_lib.Redis = client

    @staticmethod
    def _milliseconds(lifetime: timedelta) -> int:
        # Redis refuses a TTL of 0; a sub-millisecond lifetime rounds up.
        return max(1, math.ceil(lifetime.total_seconds() * 1000))

    def fetch(self, store_id: str, lifetime: timedelta) -> bytes | str | None:
        """The session's data, or None (Redis already dropped it if it expired)."""
        value = self.client.get(store_id)
        if value is None or isinstance(value, bytes | str):
            return value
        return None

    def store(self, store_id: str, data: bytes, lifetime: timedelta) -> None:
        """``SET`` the data with a TTL of ``lifetime``."""
        self.client.set(store_id, data, px=self._milliseconds(lifetime))

    def touch(self, store_id: str, lifetime: timedelta) -> None:
        """``PEXPIRE``: a new TTL, and no-op when the key is gone (a forced logout)."""
        self.client.pexpire(store_id, self._milliseconds(lifetime))

    def delete(self, store_id: str) -> None:
        """``DEL`` the key."""
        self.client.delete(store_id)
