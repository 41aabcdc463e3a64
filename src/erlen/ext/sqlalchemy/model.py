"""The declarative base behind ``db.Model``: automatic table names, per-model
binds, the ``query`` class property and a readable ``repr``.

Two flavours share the same rules. The classic one is a metaclass
(:class:`DefaultMeta`) for a ``declarative_base()``; the SQLAlchemy 2 one is a
pair of mixins (:class:`NameMixin`, :class:`BindMixin`) that hook
``__init_subclass__`` when ``model_class`` is a ``DeclarativeBase`` subclass.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
import sqlalchemy.orm as sa_orm

from .query import Query

if TYPE_CHECKING:
    from .extension import SQLAlchemy

__all__ = [
    "BindMetaMixin",
    "BindMixin",
    "DefaultMeta",
    "DefaultMetaNoName",
    "Model",
    "NameMetaMixin",
    "NameMixin",
    "QueryProperty",
    "camel_to_snake_case",
]

# A word starts at an upper-case letter that follows a lower-case letter or a
# digit ("userID" -> "user_ID"), or at an upper-case letter that starts a
# lower-case run after any character ("HTTPResponse" -> "HTTP_Response").
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=.)(?=[A-Z][a-z])")


def camel_to_snake_case(name: str) -> str:
    """``"UserProfile"`` -> ``"user_profile"``, ``"HTTPLog"`` -> ``"http_log"``:
    the automatic ``__tablename__`` of a model class."""
    return _WORD_START.sub("_", name).lower().lstrip("_")


class QueryProperty:
    """``Model.query``: a new ``query_class`` query on the current session,
    each time it is read."""

    def __get__(self, obj: Any, cls: type[Any]) -> Query:
        return cls.query_class(cls, session=cls.__fsa__.session())  # type: ignore[no-any-return]


class Model:
    """The class every ``db.Model`` subclass inherits from.

    ``Model.query`` is a legacy :class:`~erlen.ext.sqlalchemy.Query` bound to
    ``db.session``; new code can use ``db.session.execute(db.select(Model))``.
    """

    __fsa__: ClassVar[SQLAlchemy]
    """The :class:`~erlen.ext.sqlalchemy.SQLAlchemy` instance of this model."""

    query_class: ClassVar[type[Query]] = Query
    """The class ``Model.query`` builds; set it on a model to change it."""

    query: ClassVar[Query] = QueryProperty()  # type: ignore[assignment]
    """A query over this model on ``db.session``."""

    def __repr__(self) -> str:
        state = sa.inspect(self)
        if state.transient:
            key = f"(transient {id(self)})"
        elif state.pending:
            key = f"(pending {id(self)})"
        else:
            key = ", ".join(map(str, state.identity or ()))
        return f"<{type(self).__name__} {key}>"


def _is_declarative(cls: type[Any]) -> bool:
    """Whether ``cls`` is a declarative class of either flavour (the base
    included), as opposed to a plain mixin."""
    return isinstance(cls, sa_orm.DeclarativeMeta) or issubclass(
        cls, (sa_orm.DeclarativeBase, sa_orm.DeclarativeBaseNoMeta)
    )


def _is_base(cls: type[Any]) -> bool:
    """Whether ``cls`` is ``db.Model`` itself rather than a model."""
    return "__fsa__" in cls.__dict__


def _wants_generated_tablename(cls: type[Any]) -> bool:
    if cls.__dict__.get("__abstract__", False) or _is_base(cls):
        return False
    if not any(_is_declarative(base) for base in cls.__mro__[1:]):
        return False
    for klass in cls.__mro__:
        if "__tablename__" not in klass.__dict__:
            continue
        value = klass.__dict__["__tablename__"]
        if value is not None and not isinstance(value, str):
            # A declared_attr (or any descriptor) computes the name per class.
            return False
        if klass is cls or klass.__dict__.get("__abstract__", False):
            return False
        # A mixin's static name is inherited as SQLAlchemy would; a mapped
        # parent's name is not: this subclass gets its own table (joined
        # inheritance) or, lacking a primary key, none (single-table).
        return _is_declarative(klass)
    return True


def _table_or_none(cls: type[Any], *args: Any, **kwargs: Any) -> sa.Table | None:
    """Decide the table of a model that had a name generated: a real table
    when it has its own primary key (or the name is already in the metadata,
    as after ``db.reflect()``), ``None`` for single-table inheritance."""
    name = args[0]
    schema = kwargs.get("schema")
    key = name if schema is None else f"{schema}.{name}"
    metadata: sa.MetaData = args[1]
    if key in metadata.tables:
        return sa.Table(*args, **kwargs)
    for arg in args:
        if (isinstance(arg, sa.Column) and arg.primary_key) or isinstance(
            arg, sa.PrimaryKeyConstraint
        ):
            return sa.Table(*args, **kwargs)
    if not any("__table__" in base.__dict__ for base in cls.__mro__[1:-1]):
        # No parent has a table either: let SQLAlchemy report the missing key.
        return sa.Table(*args, **kwargs)
    if "__tablename__" in cls.__dict__:
        del cls.__tablename__
    return None


def _drop_empty_table(cls: type[Any]) -> None:
    # Single-table inheritance left ``__table__ = None`` on the class; removing
    # it lets the parent's table show through, as SQLAlchemy expects.
    if (
        "__tablename__" not in cls.__dict__
        and "__table__" in cls.__dict__
        and cls.__dict__["__table__"] is None
    ):
        del cls.__table__


def _apply_bind_key(cls: type[Any]) -> None:
    # A model with ``__bind_key__`` lives in that bind's metadata, unless it
    # brings its own metadata or table.
    own = cls.__dict__
    if "__bind_key__" in own and "metadata" not in own and "__table__" not in own:
        cls.metadata = cls.__fsa__._make_metadata(own["__bind_key__"])


class BindMetaMixin(type):
    """Metaclass mixin: ``__bind_key__`` selects the model's metadata."""

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kw: Any):
        _apply_bind_key(cls)
        super().__init__(name, bases, namespace, **kw)


class NameMetaMixin(type):
    """Metaclass mixin: a model without ``__tablename__`` gets its class name
    in snake_case."""

    def __init__(cls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kw: Any):
        if _wants_generated_tablename(cls):
            cls.__tablename__ = camel_to_snake_case(cls.__name__)
        super().__init__(name, bases, namespace, **kw)
        _drop_empty_table(cls)

    def __table_cls__(cls, *args: Any, **kwargs: Any) -> sa.Table | None:
        return _table_or_none(cls, *args, **kwargs)


class DefaultMeta(BindMetaMixin, NameMetaMixin, sa_orm.DeclarativeMeta):
    """The metaclass of ``db.Model``: binds and automatic table names."""


class DefaultMetaNoName(BindMetaMixin, sa_orm.DeclarativeMeta):
    """The metaclass of ``db.Model`` with ``disable_autonaming=True``."""


class BindMixin:
    """``__bind_key__`` for a SQLAlchemy 2 ``DeclarativeBase`` model."""

    __fsa__: ClassVar[SQLAlchemy]
    metadata: ClassVar[sa.MetaData]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        _apply_bind_key(cls)
        super().__init_subclass__(**kwargs)


class NameMixin:
    """Automatic ``__tablename__`` for a SQLAlchemy 2 ``DeclarativeBase`` model."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if _wants_generated_tablename(cls):
            setattr(cls, "__tablename__", camel_to_snake_case(cls.__name__))  # noqa: B010
        super().__init_subclass__(**kwargs)
        _drop_empty_table(cls)

    @classmethod
    def __table_cls__(cls, *args: Any, **kwargs: Any) -> sa.Table | None:
        return _table_or_none(cls, *args, **kwargs)
