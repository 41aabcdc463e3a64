"""``Model.query``'s class: SQLAlchemy's legacy ``Query`` with 404 helpers and
pagination for views."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as sa_orm

from erlen import abort

if TYPE_CHECKING:
    from .pagination import Pagination

__all__ = ["Query", "dialect_of", "identity_or_404"]


# The range of each integer column type.
_INTEGER_BITS: tuple[tuple[type[sa.types.TypeEngine[Any]], int], ...] = (
    (sa.SmallInteger, 16),
    (sa.BigInteger, 64),
    (sa.Integer, 32),
)
# Where INTEGER is 32-bit; SQLite's holds 64 bits (its rowid keys too), and
# an unknown database is given the benefit of the doubt.
_INTEGER_IS_32_BIT = frozenset({"postgresql", "mysql", "mariadb", "mssql"})


def _integer_bits(column_type: Any, dialect_name: str | None) -> int:
    for type_class, bits in _INTEGER_BITS:
        if isinstance(column_type, type_class):
            if type_class is sa.Integer and dialect_name not in _INTEGER_IS_32_BIT:
                return 64
            return bits
    return 64


def identity_or_404(
    entity: Any, ident: Any, description: str | None, dialect_name: str | None = None
) -> Any:
    """``ident`` ready for ``Session.get(entity, ident)``, or abort with
    ``404 Not Found`` when no row can have it as its primary key.

    A view may pass a URL part or query argument straight through
    (``db.get_or_404(User, request.args["id"])``); SQLite would answer "no
    row" for ``"abc"``, but PostgreSQL refuses the statement, which would be
    a 500 and an aborted transaction. So, for a single-column primary key: a
    string for an integer key becomes an int; an integer outside the
    column's range (``99999999999999999999``), a string that is not a UUID
    for a UUID key, and (on PostgreSQL, ``dialect_name``) a string with a NUL
    byte are a 404 without a query.
    """
    try:
        inspected = sa.inspect(entity)
    except sa_exc.NoInspectionAvailable:
        return ident
    mapper = getattr(inspected, "mapper", None)
    if mapper is None or len(mapper.primary_key) != 1:
        return ident
    column_type = mapper.primary_key[0].type
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return ident
    if python_type is int:
        if isinstance(ident, str):
            try:
                ident = int(ident)
            except ValueError:
                abort(404, description=description)
        if isinstance(ident, int) and not isinstance(ident, bool):
            bound = 2 ** (_integer_bits(column_type, dialect_name) - 1)
            if not -bound <= ident < bound:
                abort(404, description=description)
        return ident
    if not isinstance(ident, str):
        return ident
    if python_type is uuid.UUID:
        try:
            return uuid.UUID(ident)
        except ValueError:
            abort(404, description=description)
    # PostgreSQL text never holds NUL, and refuses a parameter that does.
    if "\x00" in ident and dialect_name == "postgresql":
        abort(404, description=description)
    return ident


def dialect_of(session: sa_orm.Session | sa_orm.scoped_session[Any], entity: Any) -> str | None:
    """The name of the database dialect ``entity`` lives in, when known."""
    try:
        return str(session.get_bind(mapper=sa.inspect(entity).mapper).dialect.name)
    except (sa_exc.SQLAlchemyError, AttributeError):
        return None


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
        dialect = dialect_of(self.session, entity)
        rv = self.session.get(entity, identity_or_404(entity, ident, description, dialect))
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
