"""From an app's config to the options of each of its engines."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from erlen import Erlen

__all__ = ["apply_driver_defaults", "engine_options_by_bind"]


def engine_options_by_bind(
    app: Erlen, base_options: Mapping[str, Any]
) -> dict[str | None, dict[str, Any]]:
    """The engine options of each bind key (``None`` for the default
    database), from ``base_options`` (the ``engine_options`` argument), the
    ``SQLALCHEMY_*`` config keys, and the driver defaults.

    Sets the config keys' defaults on ``app.config`` as it reads them.
    """
    config = app.config
    uri = config.setdefault("SQLALCHEMY_DATABASE_URI", None)
    default_options = dict(base_options)
    default_options.update(config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {}))
    echo = config.setdefault("SQLALCHEMY_ECHO", False)
    binds = config.setdefault("SQLALCHEMY_BINDS", {})

    by_bind: dict[str | None, dict[str, Any]] = {}
    for key, value in binds.items():
        options = dict(base_options)
        if isinstance(value, str | sa.URL):
            options["url"] = value
        elif isinstance(value, Mapping):
            options.update(value)
        else:
            raise TypeError(
                f"SQLALCHEMY_BINDS[{key!r}] must be a database URL or a dict of"
                f" engine options, not {type(value).__name__}."
            )
        by_bind[key] = options
    if uri is not None:
        default_options["url"] = uri
    if "url" in default_options:
        by_bind.setdefault(None, {}).update(default_options)
    if not by_bind:
        raise RuntimeError("Either 'SQLALCHEMY_DATABASE_URI' or 'SQLALCHEMY_BINDS' must be set.")

    for key, options in by_bind.items():
        if "url" not in options:
            raise RuntimeError(f"SQLALCHEMY_BINDS[{key!r}] has no 'url' engine option.")
        options.setdefault("echo", echo)
        options.setdefault("echo_pool", echo)
        apply_driver_defaults(options, app)
    return by_bind


def apply_driver_defaults(options: dict[str, Any], app: Erlen) -> None:
    """Adjust ``options`` in place for the database its ``url`` names.

    - SQLite in memory: one connection (``StaticPool``) shared by all
      threads, so every request sees the same database.
    - SQLite file at a relative path: relative to ``app.instance_path``
      (created if missing), not to the working directory.
    - MySQL and MariaDB: ``charset=utf8mb4`` unless set, and connections
      recycled after two hours, before the server's idle timeout drops them.
    """
    url = sa.make_url(options["url"])
    if url.drivername in {"sqlite", "sqlite+pysqlite"}:
        database = url.database or ""
        is_uri = str(url.query.get("uri", "")).lower() in {"true", "1"}
        in_memory = database in {"", ":memory:"} or (
            is_uri and (database == "file::memory:" or url.query.get("mode") == "memory")
        )
        if in_memory:
            options["poolclass"] = sa.pool.StaticPool
            connect_args = options["connect_args"] = dict(options.get("connect_args", {}))
            connect_args["check_same_thread"] = False
            return
        path = database[len("file:") :] if is_uri and database.startswith("file:") else database
        if not os.path.isabs(path):
            os.makedirs(app.instance_path, exist_ok=True)
            path = os.path.join(app.instance_path, path)
            options["url"] = url.set(database=f"file:{path}" if is_uri else path)
    elif url.drivername.startswith(("mysql", "mariadb")):
        options.setdefault("pool_recycle", 7200)
        if "charset" not in url.query:
            options["url"] = url.update_query_dict({"charset": "utf8mb4"})
