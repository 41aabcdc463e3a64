"""``SQLALCHEMY_RECORD_QUERIES``: every query an app context runs, with its
timing and the line of your code that caused it, for debugging and profiling.

::

    app.config["SQLALCHEMY_RECORD_QUERIES"] = True

    @app.after_request
    def log_slow_queries(response):
        for query in get_recorded_queries():
            if query.duration > 0.5:
                app.logger.warning("slow query at %s: %s", query.location, query.statement)
        return response
"""

from __future__ import annotations

import dataclasses
import sys
from time import perf_counter
from types import FrameType
from typing import Any

import sqlalchemy as sa
import sqlalchemy.event as sa_event

from erlen import current_app, g, has_app_context

__all__ = ["QueryInfo", "get_recorded_queries"]

_G_KEY = "_sqlalchemy_queries"
# The ExecutionContext attribute holding a query's start, until it ends.
_START_ATTR = "_erlen_query_start"


@dataclasses.dataclass
class QueryInfo:
    """One query run in the current app context."""

    statement: str | None
    """The SQL sent to the database, with placeholders."""
    parameters: Any
    """The parameters sent with ``statement``."""
    start_time: float
    """When the query started, in :func:`time.perf_counter` seconds."""
    end_time: float
    """When the query ended, on the same clock."""
    location: str
    """``"file:line (function)"`` of the innermost frame in the app's own
    package (its ``import_name``'s top level) that ran it, or ``"<unknown>"``."""

    @property
    def duration(self) -> float:
        """How long the query took, in seconds."""
        return self.end_time - self.start_time


def get_recorded_queries() -> list[QueryInfo]:
    """The queries run so far in the current app context (a request, or a
    ``with app.app_context():`` block), oldest first, when
    ``SQLALCHEMY_RECORD_QUERIES`` is on; an empty list otherwise."""
    if not has_app_context():
        return []
    queries: list[QueryInfo] = g.get(_G_KEY, [])
    return queries


def listen(engine: sa.Engine) -> None:
    """Record the queries ``engine`` runs inside an app context."""
    sa_event.listen(engine, "before_cursor_execute", _record_start, named=True)
    sa_event.listen(engine, "after_cursor_execute", _record_end, named=True)


def _record_start(context: sa.engine.ExecutionContext, **kwargs: Any) -> None:
    if has_app_context():
        setattr(context, _START_ATTR, perf_counter())


def _record_end(context: sa.engine.ExecutionContext, **kwargs: Any) -> None:
    end = perf_counter()
    start = getattr(context, _START_ATTR, None)
    if start is None or not has_app_context():
        return
    queries: list[QueryInfo] = g.setdefault(_G_KEY, [])
    queries.append(
        QueryInfo(
            statement=context.statement,
            parameters=context.parameters,
            start_time=start,
            end_time=end,
            location=_caller_location(current_app.import_name),
        )
    )


def _caller_location(import_name: str) -> str:
    package = import_name.partition(".")[0]
    prefix = f"{package}."
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__")
        if module and (module == package or module.startswith(prefix)):
            code = frame.f_code
            return f"{code.co_filename}:{frame.f_lineno} ({code.co_name})"
        frame = frame.f_back
    return "<unknown>"
