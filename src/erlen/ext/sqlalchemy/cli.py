"""Shell integration: ``db`` and the models in ``erlen shell``."""

from __future__ import annotations

from typing import Any

from erlen import current_app

__all__ = ["add_models_to_shell"]


def add_models_to_shell() -> dict[str, Any]:
    """The names ``erlen shell`` gets from the current app's ``SQLAlchemy``:
    ``db`` and every mapped model under its class name.

    :class:`~erlen.ext.sqlalchemy.SQLAlchemy` registers this for each app
    unless it was created with ``add_models_to_shell=False``; call it yourself
    to build another context (a custom shell command, say). Needs an app
    context of an app the extension was registered on.
    """
    db = current_app.extensions.get("sqlalchemy")
    if db is None:
        raise RuntimeError(
            f"The app {current_app.name!r} has no 'SQLAlchemy' instance: call 'db.init_app(app)'."
        )
    names: dict[str, Any] = {
        mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers
    }
    names["db"] = db
    return names
