"""List filters for :class:`~erlen.ext.admin.ModelView` (``column_filters``).

A filter is one operation on one column ("Name / contains"). In the list's
URL an active filter is ``flt<position>_<filter index>=<value>``, as in
Flask-Admin. A value that does not fit the column (``abc`` for a number) is a
400 Bad Request naming the filter.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Query

from .helpers import prettify_name


def like_pattern(term: str) -> str:
    """``%term%`` with LIKE's wildcards in ``term`` matched literally (escape ``\\``)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def column_python_type(column: Any) -> type | None:
    """The Python type of a column's values, or None when SQLAlchemy cannot tell."""
    try:
        python_type: type = column.type.python_type
    except (NotImplementedError, AttributeError):
        return None
    return python_type


# The bits of each integer column type.
_INTEGER_BITS: tuple[tuple[type[Any], int], ...] = (
    (sa.SmallInteger, 16),
    (sa.BigInteger, 64),
    (sa.Integer, 32),
)
# Where INTEGER is 32-bit; SQLite's holds 64 bits (its rowid keys too), and
# an unknown database is given the benefit of the doubt.
_INTEGER_IS_32_BIT = frozenset({"postgresql", "mysql", "mariadb", "mssql"})


#: The largest power of ten a Decimal value may have (a NUMERIC column
#: holds far less; the database says so for the forms, as a form error).
MAX_DECIMAL_EXPONENT = 1000


def integer_bits(column: Any, dialect_name: str | None = None) -> int:
    """How many bits (signed) an integer ``column`` holds in ``dialect_name``."""
    column_type = getattr(column, "type", None)
    for type_class, bits in _INTEGER_BITS:
        if isinstance(column_type, type_class):
            if type_class is sa.Integer and dialect_name not in _INTEGER_IS_32_BIT:
                return 64
            return bits
    return 64


def convert_value(column: Any, value: str, dialect_name: str | None = None) -> Any:
    """``value`` (text from a URL or a form) as the column's Python type.

    Raises ``ValueError`` with a message for the user when it does not fit,
    also for a whole number beyond what the column (in ``dialect_name``, when
    known) can hold: the database driver would refuse it with a 500.
    """
    python_type = column_python_type(column)
    if python_type is bool:
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "y", "on"}:
            return True
        if lowered in {"0", "false", "no", "n", "off"}:
            return False
        raise ValueError(f"{value!r} is not yes or no")
    if python_type is int:
        try:
            number = int(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
        bound = 2 ** (integer_bits(column, dialect_name) - 1)
        if not -bound <= number < bound:
            raise ValueError(f"{value!r} is out of range")
        return number
    if python_type is float:
        try:
            return float(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    if python_type is decimal.Decimal:
        try:
            amount = decimal.Decimal(value.strip())
        except decimal.InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
        # NaN, sNaN and Infinity are no column's value (SQLite's driver raises
        # on sNaN), and PostgreSQL's NUMERIC overflows past ~10**131072.
        if not amount.is_finite() or abs(amount.adjusted()) > MAX_DECIMAL_EXPONENT:
            raise ValueError(f"{value!r} is out of range")
        return amount
    if python_type is datetime.datetime:
        try:
            return datetime.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date and time (YYYY-MM-DD HH:MM)") from None
    if python_type is datetime.date:
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if python_type is uuid.UUID:
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a UUID") from None
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        for member in python_type:
            if value in (member.name, str(member.value)):
                return member
        raise ValueError(f"{value!r} is not one of the choices")
    return value


class BaseFilter:
    """One filter operation on ``column`` (a mapped attribute or column)."""

    #: The operation's label in the filter menu.
    operation_name = ""

    def __init__(self, column: Any, name: str | None = None, options: Any = None) -> None:
        self.column = column
        key = getattr(column, "key", None) or getattr(column, "name", "")
        self.name = name or prettify_name(str(key))
        self.options = options

    def operation(self) -> str:
        return self.operation_name

    def clean(self, value: str) -> Any:
        """``value`` converted for the query; ``ValueError`` when it does not fit."""
        return convert_value(self._sql_column(), value)

    def apply(self, query: Query[Any], value: Any) -> Query[Any]:
        """``query`` filtered by this operation with the cleaned ``value``."""
        raise NotImplementedError

    def input_type(self) -> str:
        """The HTML input type for the value."""
        python_type = column_python_type(self._sql_column())
        if python_type in (int, float, decimal.Decimal):
            return "number"
        if python_type is datetime.date:
            return "date"
        return "text"

    def _sql_column(self) -> Any:
        if isinstance(self.column, InstrumentedAttribute):
            return self.column.property.columns[0]
        return self.column


class FilterEqual(BaseFilter):
    operation_name = "equals"

    def apply(self, query: Query[Any], value: Any) -> Query[Any]:
        return query.filter(self.column == value)


class FilterNotEqual(BaseFilter):
    operation_name = "not equal"

    def apply(self, query: Query[Any], value: Any) -> Query[Any]:
        return query.filter(sa.or_(self.column != value, self.column.is_(None)))


class FilterLike(BaseFilter):
    operation_name = "contains"

    def clean(self, value: str) -> Any:
        return value

    def apply(self, query: Query[Any], value: Any) -> Query[Any]:
        return query.filter(self.column.ilike(like_pattern(value), escape="\\"))


class FilterNotLike(FilterLike):
    operation_name = "not contains"

    def apply(self, query: Query[Any], value: Any) -> Query[Any]:
        condition = self.column.ilike(like_pattern(value), escape="\\")
        return query.filter(sa.or_(sa.not_(condition), self.column.is_(None)))


class FilterGreater(BaseFilter):
    operation_name = "greater than"

    def apply(self, query: Query[Any], value: Any) -> Query[Any]:
        return query.filter(self.column > value)


class FilterSmaller(BaseFilter):
    operation_name = "smaller than"

    def apply(self, query: Query[Any], value: Any) -> Query[Any]:
        return query.filter(self.column < value)


class FilterBoolean(FilterEqual):
    """``equals`` Yes/No, shown as a choice."""

    def __init__(self, column: Any, name: str | None = None, options: Any = None) -> None:
        super().__init__(column, name, options or (("1", "Yes"), ("0", "No")))


def filters_for_column(column_attr: Any, name: str) -> list[BaseFilter]:
    """The default filters of a mapped column: text gets equals/not equal/
    contains/not contains; numbers and dates equals/not equal/greater/smaller;
    booleans a yes/no equality."""
    column = column_attr.property.columns[0]
    python_type = column_python_type(column)
    if python_type is bool:
        return [FilterBoolean(column_attr, name)]
    if python_type in (int, float, decimal.Decimal, datetime.date, datetime.datetime):
        return [
            FilterEqual(column_attr, name),
            FilterNotEqual(column_attr, name),
            FilterGreater(column_attr, name),
            FilterSmaller(column_attr, name),
        ]
    if isinstance(column.type, sa.String):
        return [
            FilterEqual(column_attr, name),
            FilterNotEqual(column_attr, name),
            FilterLike(column_attr, name),
            FilterNotLike(column_attr, name),
        ]
    return [FilterEqual(column_attr, name), FilterNotEqual(column_attr, name)]
