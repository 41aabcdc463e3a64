"""``db.Table``: a :class:`sqlalchemy.Table` that finds its metadata from a
bind key instead of taking it as an argument."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from .extension import SQLAlchemy

__all__ = ["make_table_class"]


def make_table_class(db: SQLAlchemy) -> type[sa.Table]:
    """The ``db.Table`` class of ``db``."""

    class Table(sa.Table):
        """``db.Table("name", db.Column(...), ..., bind_key=None)``: a table in
        ``db``'s metadata for ``bind_key``. Passing a ``MetaData`` as the
        second argument, as with :class:`sqlalchemy.Table`, still works."""

        def __new__(cls, *args: Any, bind_key: str | None = None, **kwargs: Any) -> Any:
            # With no arguments (unpickling) or an explicit MetaData, this is
            # plain sqlalchemy.Table, whose own errors then apply.
            if not args or (len(args) >= 2 and isinstance(args[1], sa.MetaData)):
                return super().__new__(cls, *args, **kwargs)
            metadata = db._make_metadata(bind_key)
            return super().__new__(cls, args[0], metadata, *args[1:], **kwargs)  # type: ignore[call-arg]

        def __init__(self, *args: Any, bind_key: str | None = None, **kwargs: Any) -> None:
            # sqlalchemy.Table builds the table from __new__, calling __init__
            # itself with the metadata in place. The call Python makes after
            # __new__ repeats the caller's arguments, which may lack the
            # metadata; sqlalchemy.Table ignores that call, and so do we.
            if len(args) >= 2 and isinstance(args[1], sa.MetaData):
                super().__init__(*args, **kwargs)

    return Table
