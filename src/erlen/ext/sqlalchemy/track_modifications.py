"""``SQLALCHEMY_TRACK_MODIFICATIONS``: signals around each commit listing the
model instances it inserts, updates and deletes.

::

    from erlen.ext.sqlalchemy import models_committed

    @models_committed.connect_via(app)
    def reindex(sender, changes):
        for instance, operation in changes:   # operation: "insert", "update", "delete"
            search_index.update(instance, operation)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.event as sa_event
import sqlalchemy.orm as sa_orm

from erlen import current_app, has_app_context
from erlen.globals import app_ctx
from erlen.signals import Namespace

__all__ = ["before_models_committed", "models_committed"]

_signals = Namespace()

models_committed = _signals.signal("models-committed")
"""Sent after a commit that changed models. The sender is the app; the
receiver gets ``changes``, a list of ``(instance, operation)`` tuples with
``operation`` one of ``"insert"``, ``"update"``, ``"delete"``."""

before_models_committed = _signals.signal("before-models-committed")
"""Sent just before such a commit, with the same arguments as
:data:`models_committed`; a receiver may still raise to stop the commit."""

# Changes collected per session until its commit or rollback.
_CHANGES_ATTR = "_model_changes"


def listen(session: sa_orm.scoped_session[Any]) -> None:
    """Collect and signal model changes for the sessions ``session`` makes."""
    sa_event.listen(session, "before_flush", _collect_changes, named=True)
    sa_event.listen(session, "before_commit", _collect_changes, named=True)
    sa_event.listen(session, "before_commit", _send_before_commit)
    sa_event.listen(session, "after_commit", _send_after_commit)
    sa_event.listen(session, "after_rollback", _forget_changes)


def _changes(session: sa_orm.Session) -> dict[Any, tuple[Any, str]]:
    changes: dict[Any, tuple[Any, str]] | None = getattr(session, _CHANGES_ATTR, None)
    if changes is None:
        changes = {}
        setattr(session, _CHANGES_ATTR, changes)
    return changes


def _tracking() -> bool:
    return has_app_context() and bool(current_app.config.get("SQLALCHEMY_TRACK_MODIFICATIONS"))


def _collect_changes(session: sa_orm.Session, **kwargs: Any) -> None:
    if not _tracking():
        return
    changes = _changes(session)
    for instances, operation in (
        (session.new, "insert"),
        (session.dirty, "update"),
        (session.deleted, "delete"),
    ):
        for instance in instances:
            state = sa.inspect(instance)
            # An instance keeps one entry across flushes: new ones by object
            # identity until they have a primary key.
            key = state.identity_key if state.has_identity else id(instance)
            changes[key] = (instance, operation)


def _send_before_commit(session: sa_orm.Session) -> None:
    if not _tracking():
        return
    changes = _changes(session)
    if changes and before_models_committed.receivers:
        before_models_committed.send(
            app_ctx.app,
            changes=list(changes.values()),
        )


def _send_after_commit(session: sa_orm.Session) -> None:
    if not _tracking():
        return
    changes = _changes(session)
    if changes:
        if models_committed.receivers:
            models_committed.send(
                app_ctx.app,
                changes=list(changes.values()),
            )
        changes.clear()


def _forget_changes(session: sa_orm.Session) -> None:
    _changes(session).clear()
