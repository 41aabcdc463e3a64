"""Server-side sessions: Flask-Session's ``Session`` for erlen.

The cookie carries only a random session id; the data lives in Redis, in
files, or in a SQL table, chosen by ``SESSION_TYPE``::

    import redis
    from erlen import Erlen
    from erlen.ext.session import Session

    app = Erlen(__name__)
    app.config["SESSION_TYPE"] = "redis"
    app.config["SESSION_REDIS"] = redis.from_url("redis://localhost:6379")
    Session(app)

``session`` is then used exactly as before. Deleting a session's record on the
server logs that user out on their next request; ``session.regenerate()`` gives
a session a new id (call it at login).
"""

from __future__ import annotations

import typing as t

from .base import (
    DEFAULT_ID_LENGTH,
    DEFAULT_KEY_PREFIX,
    ServerSideSession,
    ServerSideSessionInterface,
    SessionStoreUnavailable,
    UnavailableSession,
)

if t.TYPE_CHECKING:
    from erlen import Erlen

    from .filesystem import FileSystemSessionInterface
    from .redis import RedisSessionInterface
    from .sqlalchemy import SqlAlchemySessionInterface

__all__ = [
    "FileSystemSessionInterface",
    "RedisSessionInterface",
    "ServerSideSession",
    "ServerSideSessionInterface",
    "Session",
    "SessionStoreUnavailable",
    "SqlAlchemySessionInterface",
    "UnavailableSession",
]

#: The ``SESSION_TYPE`` values erlen supports.
SESSION_TYPES = ("redis", "filesystem", "sqlalchemy")

# PERF: each backend imports its client library (redis, SQLAlchemy); only the
# one an app configures is loaded.
_LAZY = {
    "RedisSessionInterface": ".redis",
    "FileSystemSessionInterface": ".filesystem",
    "SqlAlchemySessionInterface": ".sqlalchemy",
}


def __getattr__(name: str) -> t.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module, __name__), name)


class Session:
    """Replace an app's cookie session with a server-side one.

    ``Session(app)`` or, for an app factory, ``Session()`` then
    :meth:`init_app`. The interface built for the app is
    ``app.session_interface`` and ``app.extensions["session"]``.
    """

    def __init__(self, app: Erlen | None = None) -> None:
        self.app = app
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Erlen) -> None:
        """Read the ``SESSION_*`` config of ``app`` and install the store it names.

        Raises :class:`ValueError` for a missing or unsupported ``SESSION_TYPE``
        and for invalid options, so a misconfiguration shows at startup.
        """
        interface = self._make_interface(app)
        app.session_interface = interface
        app.extensions["session"] = interface
        interface.register_cleanup_command(app)

    def _make_interface(self, app: Erlen) -> ServerSideSessionInterface:
        config = app.config
        kind = config.setdefault("SESSION_TYPE", None)
        common: dict[str, t.Any] = {
            "permanent": bool(config.setdefault("SESSION_PERMANENT", True)),
            "use_signer": bool(config.setdefault("SESSION_USE_SIGNER", False)),
            "key_prefix": str(config.setdefault("SESSION_KEY_PREFIX", DEFAULT_KEY_PREFIX)),
            "sid_length": config.setdefault("SESSION_ID_LENGTH", DEFAULT_ID_LENGTH),
            # COMPAT(flask-session): its default is "msgpack"; erlen stores the
            # tagged JSON of its cookie session and needs no msgpack.
            "serialization_format": config.setdefault("SESSION_SERIALIZATION_FORMAT", "json"),
            "cleanup_n_requests": config.setdefault("SESSION_CLEANUP_N_REQUESTS", None),
        }
        name = str(kind).lower() if kind else ""
        if name == "redis":
            from .redis import RedisSessionInterface

            return RedisSessionInterface(client=config.setdefault("SESSION_REDIS", None), **common)
        if name == "filesystem":
            from .filesystem import (
                DEFAULT_FILE_MODE,
                DEFAULT_FILE_THRESHOLD,
                FileSystemSessionInterface,
                default_file_dir,
            )

            return FileSystemSessionInterface(
                cache_dir=config.setdefault("SESSION_FILE_DIR", default_file_dir()),
                threshold=config.setdefault("SESSION_FILE_THRESHOLD", DEFAULT_FILE_THRESHOLD),
                mode=config.setdefault("SESSION_FILE_MODE", DEFAULT_FILE_MODE),
                **common,
            )
        if name == "sqlalchemy":
            from .sqlalchemy import DEFAULT_TABLE, SqlAlchemySessionInterface

            return SqlAlchemySessionInterface(
                client=config.setdefault("SESSION_SQLALCHEMY", None),
                table=config.setdefault("SESSION_SQLALCHEMY_TABLE", DEFAULT_TABLE),
                sequence=config.setdefault("SESSION_SQLALCHEMY_SEQUENCE", None),
                schema=config.setdefault("SESSION_SQLALCHEMY_SCHEMA", None),
                bind_key=config.setdefault("SESSION_SQLALCHEMY_BIND_KEY", None),
                **common,
            )
        supported = ", ".join(repr(k) for k in SESSION_TYPES)
        if name in ("", "null", "none"):
            raise ValueError(
                f"SESSION_TYPE is {kind!r}: Session(app) needs a store. Set SESSION_TYPE"
                f" to one of {supported}, or leave out Session(app) to keep erlen's"
                " encrypted cookie session."
            )
        raise ValueError(
            f"Unrecognized value for SESSION_TYPE: {kind!r}. erlen supports {supported}."
        )
