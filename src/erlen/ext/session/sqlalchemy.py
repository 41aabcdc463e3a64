"""Sessions in a SQL table through SQLAlchemy 2 Core.

The table has Flask-Session's layout (``id``, ``session_id`` unique,
``data`` binary, ``expiry`` naive UTC), so one made by Flask-Session is
reused as is. It is created on first use when missing.
"""

from __future__ import annotations

import math
import threading
import typing as t
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine, Table

from .base import ServerSideSessionInterface

__all__ = ["DEFAULT_TABLE", "MAX_SESSION_ID_COLUMN", "SqlAlchemySessionInterface"]

DEFAULT_TABLE = "sessions"
#: The width of the ``session_id`` column (Flask-Session's).
MAX_SESSION_ID_COLUMN = 255


#: Connection refused or lost, the pool exhausted: the store is unavailable (503).
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
)


class SqlAlchemySessionInterface(ServerSideSessionInterface):
    """Store each session as a row of ``table`` (``SESSION_SQLALCHEMY_TABLE``).

    ``client`` (``SESSION_SQLALCHEMY``) is a SQLAlchemy ``Engine``, a database
    URL, or any object with an ``.engine`` attribute such as
    ``erlen.ext.sqlalchemy``'s ``db`` (read on first use, inside the app
    context); with ``bind_key`` the engine is ``client.engines[bind_key]``.
    Rows expire by their ``expiry`` column: an expired row reads as absent and
    is deleted, and ``SESSION_CLEANUP_N_REQUESTS`` or ``erlen session_cleanup``
    deletes the rest. Connection failures and pool timeouts give a 503.
    """

    backend_name = "sqlalchemy"
    unavailable_errors = UNAVAILABLE_ERRORS

    def __init__(
        self,
        client: t.Any,
        table: str = DEFAULT_TABLE,
        sequence: str | None = None,
        schema: str | None = None,
        bind_key: str | None = None,
        **options: t.Any,
    ) -> None:
        super().__init__(**options)
        if client is None:
            raise ValueError(
                "SESSION_TYPE = 'sqlalchemy' needs SESSION_SQLALCHEMY: a SQLAlchemy Engine,"
                " a database URL, or the SQLAlchemy extension's db object."
            )
        if isinstance(client, str):
            # Pre-ping: after a database restart the first request reconnects
            # instead of failing on a dead pooled connection.
            client = sa.create_engine(client, pool_pre_ping=True)
        elif not isinstance(client, sa.Engine) and not (
            hasattr(client, "engines") if bind_key is not None else hasattr(client, "engine")
        ):
            needs = "an .engines mapping" if bind_key is not None else "an .engine attribute"
            raise TypeError(
                "SESSION_SQLALCHEMY must be a SQLAlchemy Engine, a database URL, or an"
                f" object with {needs}, not {type(client).__name__}."
            )
        if not table:
            raise ValueError("SESSION_SQLALCHEMY_TABLE must name a table.")
        longest = len(self.key_prefix) + math.ceil(self.sid_length * 4 / 3)
        if longest > MAX_SESSION_ID_COLUMN:
            raise ValueError(
                f"SESSION_KEY_PREFIX plus a session id of SESSION_ID_LENGTH={self.sid_length}"
                f" bytes is {longest} characters, more than the {MAX_SESSION_ID_COLUMN}"
                " the session_id column holds."
            )
        self.client = client
        self.bind_key = bind_key
        metadata = sa.MetaData(schema=schema)
        id_args: list[t.Any] = [sa.Sequence(sequence, schema=schema)] if sequence else []
        self.table: Table = sa.Table(
            table,
            metadata,
            sa.Column("id", sa.Integer, *id_args, primary_key=True),
            sa.Column("session_id", sa.String(MAX_SESSION_ID_COLUMN), unique=True),
            sa.Column("data", sa.LargeBinary),
            sa.Column("expiry", sa.DateTime),
        )
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()

    # -- setup ------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The engine in use, resolved (and the table created) on first use."""
        engine = self._engine
        if engine is None:
            with self._engine_lock:
                engine = self._engine
                if engine is None:
                    engine = self._resolve_engine()
                    self._create_table(engine)
                    self._engine = engine
        return engine

    def _resolve_engine(self) -> Engine:
        client = self.client
        if isinstance(client, sa.Engine):
            return client
        if self.bind_key is not None:
            engines = client.engines
            if self.bind_key not in engines:
                raise KeyError(
                    f"SESSION_SQLALCHEMY_BIND_KEY={self.bind_key!r} is not one of the"
                    f" database's binds ({', '.join(map(repr, engines)) or 'none'})."
                )
            engine = engines[self.bind_key]
        else:
            engine = client.engine
        if not isinstance(engine, sa.Engine):
            raise TypeError(
                f"SESSION_SQLALCHEMY's engine is a {type(engine).__name__}, not a SQLAlchemy"
                " Engine (an AsyncEngine cannot be used: sessions are saved from worker threads)."
            )
        return engine

    def _create_table(self, engine: Engine) -> None:
        try:
            self.table.create(engine, checkfirst=True)
        except sa.exc.DBAPIError:
            # Another process created it between the check and the CREATE.
            if not sa.inspect(engine).has_table(self.table.name, schema=self.table.schema):
                raise

    def _now(self) -> datetime:
        # Naive UTC, as Flask-Session stores it.
        return datetime.fromtimestamp(self.clock(), UTC).replace(tzinfo=None)

    # -- storage ------------------------------------------------------------------

    def fetch(self, store_id: str, lifetime: timedelta) -> bytes | None:
        """The row's data, or None when there is no row or it expired (then deleted)."""
        if len(store_id) > MAX_SESSION_ID_COLUMN:
            return None
        table = self.table
        engine = self.engine
        with engine.connect() as conn:
            row = conn.execute(
                sa.select(table.c.data, table.c.expiry).where(table.c.session_id == store_id)
            ).first()
        if row is None:
            return None
        data, expiry = row
        if expiry is not None and expiry <= self._now():
            self.delete(store_id)
            return None
        return bytes(data) if data is not None else None

    def store(self, store_id: str, data: bytes, lifetime: timedelta) -> None:
        """Update the row, or insert it when there is none."""
        table = self.table
        engine = self.engine
        expiry = self._now() + lifetime
        update = (
            sa.update(table).where(table.c.session_id == store_id).values(data=data, expiry=expiry)
        )
        try:
            with engine.begin() as conn:
                if conn.execute(update).rowcount == 0:
                    conn.execute(
                        sa.insert(table).values(session_id=store_id, data=data, expiry=expiry)
                    )
        except sa.exc.IntegrityError:
            # Two requests of one session inserted at once; the row exists now.
            with engine.begin() as conn:
                conn.execute(update)

    def touch(self, store_id: str, lifetime: timedelta) -> None:
        """Move the row's expiry; no row, no change."""
        table = self.table
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(table)
                .where(table.c.session_id == store_id)
                .values(expiry=self._now() + lifetime)
            )

    def delete(self, store_id: str) -> None:
        """Delete the row."""
        table = self.table
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.session_id == store_id))

    def delete_expired(self, lifetime: timedelta) -> int:
        """Delete every row whose expiry has passed."""
        table = self.table
        with self.engine.begin() as conn:
            result = conn.execute(sa.delete(table).where(table.c.expiry <= self._now()))
        return int(result.rowcount or 0)
