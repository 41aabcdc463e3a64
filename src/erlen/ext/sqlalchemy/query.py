"""``Model.query``'s class: SQLAlchemy's legacy ``Query`` with 404 helpers and
pagination for views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as sa_orm

from erlen import abort

if TYPE_CHECKING:
    from .pagination import Pagination

__all__ = ["Query", "identity_or_404"]


def identity_or_404(entity: Any, ident: Any, description: str | None) -> Any:
    """``ident`` ready for ``Session.get(entity, ident)``: a string for an
    integer primary key becomes an int, or aborts with ``404 Not Found``
    when it is not one.

    A view may pass a query argument straight through
    (``db.get_or_404(User, request.args["id"])``); SQLite would answer
    "no row" for ``"abc"``, but PostgreSQL refuses the statement, which
    would be a 500 and an aborted transaction.
    """
    if not isinstance(ident, str):
        return ident
    try:
        inspected = sa.inspect(entity)
    except sa_exc.NoInspectionAvailable:
        return ident
    mapper = getattr(inspected, "mapper", None)
    if mapper is None or len(mapper.primary_key) != 1:
        return ident
    try:
        python_type = mapper.primary_key[0].type.python_type
    except NotImplementedError:
        return ident
    if python_type is not int:
        return ident
    try:
        return int(ident)
    except ValueError:
        abort(404, description=description)


class Query(sa_orm.Query[Any]):
    """SQLAlchemy's :class:`~sqlalchemy.orm.Query` with ``get_or_404``,
    ``first_or_404``, ``one_or_404`` and ``paginate``.

    ``Query`` is SQLAlchemy's legacy interface; for new code prefer
    ``db.session.execute(db.select(...))`` with :meth:`SQLAlchemy.get_or_404`
    and friends.
    """

    def get_or_404(self, ident: Any, description: str | None = None) -> Any:
        """The row with primary key ``ident``, or abort with ``404 Not Found``."""
        descriptions = self.column_descriptions
        entity: Any = descriptions[0]["entity"] if len(descriptions) == 1 else None
        if entity is None:
            raise sa_exc.InvalidRequestError(
                "get_or_404() needs a query of exactly one mapped class, such as Model.query."
            )
        if self.whereclause is not None:
            raise sa_exc.InvalidRequestError(
                "get_or_404() looks a row up by primary key only; it cannot be"
                " called on a query that already has filter criteria."
            )
        # COMPAT(flask): Flask-SQLAlchemy calls the legacy Query.get(), which
        # warns under SQLAlchemy 2; Session.get() is the same identity lookup.
        rv = self.session.get(entity, identity_or_404(entity, ident, description))
        if rv is None:
            abort(404, description=description)
        return rv

    def first_or_404(self, description: str | None = None) -> Any:
        """The first result, or abort with ``404 Not Found`` when there is none."""
        rv = self.first()
        if rv is None:
            abort(404, description=description)
        return rv

    def one_or_404(self, description: str | None = None) -> Any:
        """The only result, or abort with ``404 Not Found`` when there is none
        or more than one."""
        try:
            return self.one()
        except (sa_exc.NoResultFound, sa_exc.MultipleResultsFound):
            abort(404, description=description)

    def paginate(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
    ) -> Pagination:
        """One page of this query's results as a :class:`Pagination`.

        ``page`` and ``per_page`` default to the ``page`` and ``per_page``
        query arguments of the current request (1 and 20 without one); a
        value that is not a positive integer aborts with ``404 Not Found``
        when ``error_out`` is true, and falls back to the default otherwise.
        ``max_per_page`` caps ``per_page``. With ``count=False`` the total is
        not queried and ``total`` is ``None``.
        """
        from .pagination import QueryPagination

        return QueryPagination(
            query=self,
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )
