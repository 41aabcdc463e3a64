"""SQLAlchemy for erlen: Flask-SQLAlchemy's API as a battery.

::

    from erlen import Erlen
    from erlen.ext.sqlalchemy import SQLAlchemy

    app = Erlen(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///example.db"
    db = SQLAlchemy(app)

    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.String(80), unique=True, nullable=False)

    @app.route("/users/<int:user_id>")
    def show_user(user_id):
        return db.get_or_404(User, user_id).username

See ``docs/ext/sqlalchemy.md`` for the configuration keys.
"""

from __future__ import annotations

from .extension import SQLAlchemy
from .model import DefaultMeta, Model, camel_to_snake_case
from .pagination import Pagination, QueryPagination, SelectPagination
from .query import Query
from .record_queries import QueryInfo, get_recorded_queries
from .session import Session
from .track_modifications import before_models_committed, models_committed

__all__ = [
    "DefaultMeta",
    "Model",
    "Pagination",
    "Query",
    "QueryInfo",
    "QueryPagination",
    "SQLAlchemy",
    "SelectPagination",
    "Session",
    "before_models_committed",
    "camel_to_snake_case",
    "get_recorded_queries",
    "models_committed",
]
