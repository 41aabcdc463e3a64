"""Flask-SQLAlchemy's modules, as erlen.ext.sqlalchemy (``-p flask_as_erlen``)."""

from __future__ import annotations

MODULES: dict[str, list[str]] = {
    "flask_sqlalchemy": ["erlen.ext.sqlalchemy"],
    "flask_sqlalchemy.extension": ["erlen.ext.sqlalchemy.extension"],
    "flask_sqlalchemy.model": ["erlen.ext.sqlalchemy.model"],
    "flask_sqlalchemy.pagination": ["erlen.ext.sqlalchemy.pagination"],
    "flask_sqlalchemy.query": ["erlen.ext.sqlalchemy.query"],
    "flask_sqlalchemy.record_queries": ["erlen.ext.sqlalchemy.record_queries"],
    "flask_sqlalchemy.session": ["erlen.ext.sqlalchemy.session"],
    "flask_sqlalchemy.table": ["erlen.ext.sqlalchemy.table"],
    "flask_sqlalchemy.track_modifications": ["erlen.ext.sqlalchemy.track_modifications"],
}
