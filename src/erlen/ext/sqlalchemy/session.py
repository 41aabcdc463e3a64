"""``db.session``'s class and scope: a SQLAlchemy session that picks the
engine of a model's bind, one per app context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as sa_orm

from erlen.globals import app_ctx
from erlen.local import LocalProxy

if TYPE_CHECKING:
    from .extension import SQLAlchemy

__all__ = ["Session", "app_context_scope"]


def app_context_scope() -> object:
    """The scope of ``db.session``: the current app context itself.

    Each request has its own app context, so each request (and each thread or
    asyncio task running an app context) gets its own session. The context
    object, not its ``id()``, is the key: the registry holds it until the
    session is removed at teardown, so a new context can never reuse the
    address, and with it the session, of a finished one.
    """
    return cast(LocalProxy[Any], app_ctx)._get_current_object()


class Session(sa_orm.Session):
    """The session class of ``db.session``: like SQLAlchemy's, but it picks
    the engine from the bind key of the table a statement uses, among the
    current app's engines (``SQLALCHEMY_DATABASE_URI`` for ``None``,
    ``SQLALCHEMY_BINDS`` for the others)."""

    def __init__(self, db: SQLAlchemy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._db = db
        self._model_changes: dict[Any, tuple[Any, str]] = {}

    def get_bind(
        self,
        mapper: Any = None,
        clause: Any = None,
        bind: sa.Engine | sa.Connection | None = None,
        **kwargs: Any,
    ) -> sa.Engine | sa.Connection:
        """The engine for ``mapper`` (a model) or ``clause`` (a statement):
        the one of its table's bind key, else the default engine."""
        if bind is not None:
            return bind
        engines = self._db.engines
        if mapper is not None:
            try:
                mapper = sa.inspect(mapper)
            except sa_exc.NoInspectionAvailable as error:
                if isinstance(mapper, type):
                    raise sa_orm.exc.UnmappedClassError(mapper) from error
                raise
            engine = _engine_for_clause(mapper.local_table, engines)
            if engine is not None:
                return engine
        if clause is not None:
            engine = _engine_for_clause(clause, engines)
            if engine is not None:
                return engine
        if None in engines:
            return engines[None]
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _tables_of(clause: Any) -> list[sa.Table]:
    """The tables a statement targets, in the order a bind is looked for."""
    if isinstance(clause, sa.Table):
        return [clause]
    if isinstance(clause, sa.sql.expression.UpdateBase):
        table = getattr(clause, "table", None)
        return [table] if isinstance(table, sa.Table) else []
    if isinstance(clause, sa.Select):
        tables: list[sa.Table] = []
        for from_ in clause.get_final_froms():
            tables.extend(_tables_of(from_))
        return tables
    if isinstance(clause, sa.Join):
        return [*_tables_of(clause.left), *_tables_of(clause.right)]
    return []


def _engine_for_clause(clause: Any, engines: Mapping[str | None, sa.Engine]) -> sa.Engine | None:
    for table in _tables_of(clause):
        info = table.metadata.info
        if "bind_key" not in info:
            continue
        key = info["bind_key"]
        if key not in engines:
            raise sa_exc.UnboundExecutionError(
                f"Bind key '{key}' is not in 'SQLALCHEMY_BINDS' config."
            )
        return engines[key]
    return None
