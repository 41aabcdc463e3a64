"""Pagination of a ``select()`` or a legacy ``Query``: one page of items plus
what a template needs to draw the page links."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as sa_orm

from erlen import abort, has_request_context, request

__all__ = ["Pagination", "QueryPagination", "SelectPagination"]

DEFAULT_PAGE = 1
DEFAULT_PER_PAGE = 20
# LIMIT and OFFSET are signed 64-bit integers in every database SQLAlchemy
# talks to; a page argument beyond that is refused by the driver (a 500).
MAX_SQL_INTEGER = 2**63 - 1


def _positive_arg(name: str, default: int, error_out: bool) -> int:
    """Read ``name`` from the request's query string as a page argument."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        if error_out:
            abort(404, description=f"The query argument {name} must be an integer.")
        return default


class Pagination:
    """One page of results, from :meth:`SQLAlchemy.paginate` or
    :meth:`Query.paginate` (build it through those, not directly).

    Iterating over it yields the page's items. Page arguments left as
    ``None`` come from the request's ``page`` and ``per_page`` query
    arguments, defaulting to 1 and 20.
    """

    def __init__(
        self,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = 100,
        error_out: bool = True,
        count: bool = True,
        **kwargs: Any,
    ) -> None:
        self._query_args = kwargs
        page, per_page = self._prepare_page_args(
            page=page, per_page=per_page, max_per_page=max_per_page, error_out=error_out
        )
        self.page: int = page
        """The current page number, from 1."""
        self.per_page: int = per_page
        """The most items a page holds."""
        self.max_per_page: int | None = max_per_page
        """The cap on ``per_page``, if any."""
        # A page whose OFFSET no database accepts ("?page=99999999999999999999")
        # is past the last page: no query, so no driver error and no 500.
        items = self._query_items() if self._query_offset <= MAX_SQL_INTEGER else []
        if not items and page != 1 and error_out:
            abort(404, description=f"Page {page} is past the last page.")
        self.items: list[Any] = items
        """The items on this page."""
        self.total: int | None = self._query_count() if count else None
        """The number of items on all pages, or ``None`` when not counted."""

    @staticmethod
    def _prepare_page_args(
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
    ) -> tuple[int, int]:
        if has_request_context():
            if page is None:
                page = _positive_arg("page", DEFAULT_PAGE, error_out)
            if per_page is None:
                per_page = _positive_arg("per_page", DEFAULT_PER_PAGE, error_out)
        else:
            page = DEFAULT_PAGE if page is None else page
            per_page = DEFAULT_PER_PAGE if per_page is None else per_page
        if max_per_page is not None:
            per_page = min(per_page, max_per_page)
        if page < 1:
            if error_out:
                abort(404, description="The page number must be 1 or more.")
            page = DEFAULT_PAGE
        if per_page < 1:
            if error_out:
                abort(404, description="The number of items per page must be 1 or more.")
            per_page = DEFAULT_PER_PAGE
        # More items per page than a LIMIT can say is the same as "all of them".
        per_page = min(per_page, MAX_SQL_INTEGER)
        return page, per_page

    @property
    def _query_offset(self) -> int:
        return (self.page - 1) * self.per_page

    def _query_items(self) -> list[Any]:
        raise NotImplementedError

    def _query_count(self) -> int:
        raise NotImplementedError

    @property
    def first(self) -> int:
        """The 1-based number of the first item on this page (0 when empty)."""
        if not self.items:
            return 0
        return self._query_offset + 1

    @property
    def last(self) -> int:
        """The 1-based number of the last item on this page (0 when empty)."""
        first = self.first
        return max(first, first + len(self.items) - 1)

    @property
    def pages(self) -> int:
        """The number of pages (0 when there are no items or no count)."""
        if not self.total:
            return 0
        return math.ceil(self.total / self.per_page)

    @property
    def has_prev(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        """The previous page's number, or ``None`` on the first page."""
        return self.page - 1 if self.has_prev else None

    def prev(self, *, error_out: bool = False) -> Pagination:
        """The previous page, queried now (its ``total`` is this one's)."""
        return self._sibling(self.page - 1, error_out)

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one (needs the count)."""
        return self.page < self.pages

    @property
    def next_num(self) -> int | None:
        """The next page's number, or ``None`` on the last page."""
        return self.page + 1 if self.has_next else None

    def next(self, *, error_out: bool = False) -> Pagination:
        """The next page, queried now (its ``total`` is this one's)."""
        return self._sibling(self.page + 1, error_out)

    def _sibling(self, page: int, error_out: bool) -> Pagination:
        other = type(self)(
            page=page,
            per_page=self.per_page,
            max_per_page=self.max_per_page,
            error_out=error_out,
            count=False,
            **self._query_args,
        )
        other.total = self.total
        return other

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> Iterator[int | None]:
        """The page numbers of a pagination widget, ``None`` standing for a
        gap: ``left_edge`` pages from the start, ``left_current`` before and
        ``right_current`` after the current page, ``right_edge`` at the end.

        With 20 pages on page 7: ``1, 2, None, 5, 6, 7, 8, 9, 10, 11, None, 19, 20``.
        """
        last = self.pages
        if last == 0:
            return
        shown = sorted(
            {
                *range(1, min(left_edge, last) + 1),
                *range(max(1, self.page - left_current), min(self.page + right_current, last) + 1),
                *range(max(1, last - right_edge + 1), last + 1),
            }
        )
        previous = 0
        for number in shown:
            if number > previous + 1:
                yield None
            yield number
            previous = number
        if previous < last:
            # COMPAT(flask): with right_edge=0 the pages after the current
            # ones are still marked as a gap.
            yield None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} page={self.page} per_page={self.per_page} total={self.total}>"
        )


class SelectPagination(Pagination):
    """A page of a ``select()`` statement: what :meth:`SQLAlchemy.paginate`
    returns. Takes ``select`` and ``session`` keyword arguments."""

    def _query_items(self) -> list[Any]:
        statement: sa.Select[Any] = self._query_args["select"]
        session: sa_orm.Session = self._query_args["session"]
        page = statement.limit(self.per_page).offset(self._query_offset)
        return list(session.execute(page).unique().scalars())

    def _query_count(self) -> int:
        statement: sa.Select[Any] = self._query_args["select"]
        session: sa_orm.Session = self._query_args["session"]
        # Eager loads and ordering change nothing about the count, only its cost.
        rows = statement.options(sa_orm.lazyload("*")).order_by(None).subquery()
        total = session.execute(sa.select(sa.func.count()).select_from(rows)).scalar()
        return int(total or 0)


class QueryPagination(Pagination):
    """A page of a legacy ``Query``: what :meth:`Query.paginate` returns.
    Takes a ``query`` keyword argument."""

    def _query_items(self) -> list[Any]:
        query: sa_orm.Query[Any] = self._query_args["query"]
        return query.limit(self.per_page).offset(self._query_offset).all()

    def _query_count(self) -> int:
        query: sa_orm.Query[Any] = self._query_args["query"]
        return query.order_by(None).count()
