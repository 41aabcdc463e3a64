"""ModelView: list, search, filter, sort, create, edit, view and delete the rows
of one SQLAlchemy model.

``ModelView(User, db.session)`` takes any SQLAlchemy 2 mapped class and any
``Session`` or ``scoped_session``. Its pages (endpoints below the view's
``endpoint``, ``"user"`` for ``User``):

=================  =========================  ==========================
endpoint           URL                        what
=================  =========================  ==========================
``.index_view``    ``/admin/user/``           the list
``.create_view``   ``/admin/user/new/``       the create form (GET, POST)
``.edit_view``     ``/admin/user/edit/?id=``  the edit form (GET, POST)
``.details_view``  ``/admin/user/details/``   one record, read-only
``.delete_view``   ``/admin/user/delete/``    delete (POST only)
=================  =========================  ==========================
"""

from __future__ import annotations

import datetime
import enum
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
import wtforms
from jinja2 import pass_context
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import (
    ColumnProperty,
    InstrumentedAttribute,
    Mapper,
    Query,
    RelationshipProperty,
)
from sqlalchemy.orm.interfaces import MANYTOONE
from wtforms.validators import ValidationError

from erlen import BadRequest, Markup, Response, flash, redirect, request

from .base import BaseView, expose
from .filters import (
    BaseFilter,
    convert_value,
    filters_for_column,
    integer_bits,
    like_pattern,
)
from .forms import model_form
from .helpers import (
    current_relative_url,
    decode_pk,
    encode_pk,
    get_redirect_target,
    prettify_class_name,
    prettify_name,
)

log = logging.getLogger("erlen.ext.admin")

#: ``column_formatters`` functions: ``(view, context, model, name) -> value``.
Formatter = Callable[[Any, Any, Any, str], Any]
_FILTER_ARG = re.compile(r"^flt(\d+)_(\d+)$")
#: The most distinct words a search may have: each one is a clause of the
#: query, and SQLite refuses an expression tree deeper than 1000 (a 500).
MAX_SEARCH_TERMS = 32
#: OFFSET is a signed 64-bit integer in every database.
_MAX_SQL_INTEGER = 2**63 - 1


def _format_bool(view: Any, value: bool) -> Markup:
    if value:
        return Markup('<span class="admin-bool admin-bool-yes" title="Yes">&#10004;</span>')
    return Markup('<span class="admin-bool admin-bool-no" title="No">&#10008;</span>')


def _format_list(view: Any, value: Sequence[Any]) -> str:
    return ", ".join(str(item) for item in value)


def _format_datetime(view: Any, value: datetime.datetime) -> str:
    return value.isoformat(" ", "seconds")


def _format_enum(view: Any, value: enum.Enum) -> str:
    return value.name


#: How values are shown when no ``column_formatters`` entry applies, by type.
DEFAULT_TYPE_FORMATTERS: dict[type, Callable[[Any, Any], Any]] = {
    type(None): lambda view, value: "",
    bool: _format_bool,
    list: _format_list,
    tuple: _format_list,
    datetime.datetime: _format_datetime,
    enum.Enum: _format_enum,
}


def _normalise_sort(default: Any) -> list[tuple[str, bool]]:
    """``"name"``, ``("name", True)`` or a list of such -> ``[(name, desc), ...]``."""
    if default is None:
        return []
    if isinstance(default, str):
        return [(default, False)]
    if isinstance(default, tuple) and len(default) == 2 and isinstance(default[1], bool):
        return [(str(default[0]), default[1])]
    result = []
    for item in default:
        if isinstance(item, str):
            result.append((item, False))
        else:
            result.append((str(item[0]), bool(item[1])))
    return result


def page_window(page: int, num_pages: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: first, last and ``around`` either side
    of ``page``; ``None`` marks a gap."""
    shown = {0, num_pages - 1, *range(page - around, page + around + 1)}
    pages: list[int | None] = []
    for number in sorted(n for n in shown if 0 <= n < num_pages):
        if pages and pages[-1] is not None and number - pages[-1] > 1:
            pages.append(None)
        pages.append(number)
    return pages


class ModelView(BaseView):
    """The admin pages of one SQLAlchemy model: ``admin.add_view(ModelView(User, db.session))``.

    Configure it by subclassing and setting the class attributes below, as
    with Flask-Admin.
    """

    #: Which actions the view offers.
    can_create = True
    can_edit = True
    can_delete = True
    can_view_details = False
    #: Rows per page of the list.
    page_size = 20

    #: The list's columns (attribute names, in order); default: every column
    #: except primary and foreign keys, and the many-to-one relationships.
    column_list: Sequence[str] | None = None
    column_exclude_list: Sequence[str] | None = None
    #: Show the primary key in the default list.
    column_display_pk = False
    #: The details page's columns; default: every column and many-to-one relationship.
    column_details_list: Sequence[str] | None = None
    column_details_exclude_list: Sequence[str] | None = None
    #: Header texts by name (default: ``"first_name"`` -> ``"First Name"``).
    column_labels: Mapping[str, str] | None = None
    #: Help texts by name (shown under form fields and as column header titles).
    column_descriptions: Mapping[str, str] | None = None
    #: ``name -> formatter(view, context, model, name)``; the result is escaped
    #: unless it is ``Markup``.
    column_formatters: Mapping[str, Formatter] = {}
    #: The same for the details page (default: ``column_formatters``).
    column_formatters_detail: Mapping[str, Formatter] | None = None
    #: ``type -> formatter(view, value)``, used when no column formatter applies.
    column_type_formatters: Mapping[type, Callable[[Any, Any], Any]] | None = None
    #: ``"name"``, ``("name", True)`` (descending) or a list of such.
    column_default_sort: Any = None
    #: Names (or ``(name, attribute name or SQL expression)``) the list sorts
    #: by; default: every list column that is a column of the table.
    column_sortable_list: Sequence[str | tuple[str, Any]] | None = None
    #: Columns the search box looks in (case-insensitive substring match).
    column_searchable_list: Sequence[str] | None = None
    #: Column names (or :class:`~erlen.ext.admin.filters.BaseFilter` objects)
    #: offered as filters.
    column_filters: Sequence[str | BaseFilter] | None = None

    #: A form class to use instead of the generated one.
    form: type | None = None
    form_base_class: type = wtforms.Form
    #: The form's fields, in order (columns or many-to-one relationships).
    form_columns: Sequence[str] | None = None
    form_excluded_columns: Sequence[str] | None = None
    #: ``name -> {field arguments}`` (``validators`` are added to the generated ones).
    form_args: Mapping[str, Mapping[str, Any]] | None = None
    #: ``name -> field class``.
    form_overrides: Mapping[str, type] | None = None

    list_template = "admin/model/list.html"
    create_template = "admin/model/create.html"
    edit_template = "admin/model/edit.html"
    details_template = "admin/model/details.html"

    def __init__(
        self,
        model: type,
        session: Any,
        name: str | None = None,
        category: str | None = None,
        endpoint: str | None = None,
        url: str | None = None,
        static_folder: str | None = None,
        menu_class_name: str | None = None,
        menu_icon_type: str | None = None,
        menu_icon_value: str | None = None,
    ) -> None:
        try:
            mapper: Mapper[Any] = sa.inspect(model)
        except sa.exc.NoInspectionAvailable:
            raise TypeError(f"ModelView needs a mapped SQLAlchemy class, not {model!r}.") from None
        self.model = model
        self.session = session
        self._mapper = mapper
        super().__init__(
            name or prettify_class_name(model.__name__),
            category,
            endpoint or model.__name__.lower(),
            url,
            static_folder,
            None,
            menu_class_name,
            menu_icon_type,
            menu_icon_value,
        )
        self._refresh_cache()

    # -- setup ------------------------------------------------------------------

    def _refresh_cache(self) -> None:
        """Read the model and the class attributes once, at construction."""
        mapper = self._mapper
        self._pk_columns = list(mapper.primary_key)
        self._columns: dict[str, sa.Column[Any]] = {}
        self._many_to_one: dict[str, RelationshipProperty[Any]] = {}
        for prop in mapper.iterate_properties:
            if isinstance(prop, ColumnProperty) and len(prop.columns) == 1:
                column = prop.columns[0]
                if isinstance(column, sa.Column):
                    self._columns[prop.key] = column
            elif isinstance(prop, RelationshipProperty) and prop.direction is MANYTOONE:
                self._many_to_one[prop.key] = prop

        self._list_columns = self._labelled(self.get_list_columns())
        self._details_columns = self._labelled(self.get_details_columns())
        self._sortable_columns = self.get_sortable_columns()
        self._search_columns = self._get_search_columns()
        self._filters = self.get_filters()
        self._default_sort = _normalise_sort(self.column_default_sort)
        for sort_name, _ in self._default_sort:
            self._sort_expression(sort_name)  # an unknown name fails now, not per request
        self._form_class = self.get_form()

    def _check_names(self, option: str, names: Sequence[str]) -> None:
        unknown = [n for n in names if not hasattr(self.model, n.split(".", 1)[0])]
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.{option} names {', '.join(map(repr, unknown))},"
                f" which {self.model.__name__} does not have."
            )

    def _labelled(self, names: Sequence[str]) -> list[tuple[str, str]]:
        return [(name, self.get_column_name(name)) for name in names]

    def get_column_name(self, name: str) -> str:
        """The label of column ``name``."""
        if self.column_labels and name in self.column_labels:
            return self.column_labels[name]
        return prettify_name(name.replace(".", " "))

    def get_list_columns(self) -> list[str]:
        """The list's column names (``column_list`` or the model's columns)."""
        if self.column_list is not None:
            names = list(self.column_list)
            self._check_names("column_list", names)
        else:
            foreign = {c for rel in self._many_to_one.values() for c in rel.local_columns}
            names = []
            for name in self._property_order():
                column = self._columns.get(name)
                if column is not None:
                    if column.primary_key and not self.column_display_pk:
                        continue
                    if column.foreign_keys or column in foreign:
                        continue
                names.append(name)
        excluded = set(self.column_exclude_list or ())
        return [name for name in names if name not in excluded]

    def get_details_columns(self) -> list[str]:
        """The details page's column names."""
        if self.column_details_list is not None:
            names = list(self.column_details_list)
            self._check_names("column_details_list", names)
        else:
            names = self._property_order()
        excluded = set(self.column_details_exclude_list or ())
        return [name for name in names if name not in excluded]

    def _property_order(self) -> list[str]:
        """Columns in table order, each many-to-one relationship just after its
        foreign key, the rest of the relationships last."""
        names: list[str] = []
        for name, column in self._columns.items():
            names.append(name)
            for key, relation in self._many_to_one.items():
                if column in relation.local_columns and key not in names:
                    names.append(key)
        names.extend(key for key in self._many_to_one if key not in names)
        return names

    def get_sortable_columns(self) -> dict[str, Any]:
        """``name -> SQL expression`` for the columns the list sorts by."""
        if self.column_sortable_list is None:
            return {
                name: getattr(self.model, name)
                for name, _ in self._list_columns
                if name in self._columns
            }
        sortable: dict[str, Any] = {}
        for entry in self.column_sortable_list:
            if isinstance(entry, str):
                name, expression = entry, entry
            else:
                name, expression = entry
            if isinstance(expression, str):
                self._check_names("column_sortable_list", [expression])
                expression = getattr(self.model, expression)
            sortable[name] = expression
        return sortable

    def _get_search_columns(self) -> list[Any]:
        names = list(self.column_searchable_list or ())
        columns = []
        for name in names:
            if name not in self._columns:
                raise ValueError(
                    f"{type(self).__name__}.column_searchable_list names {name!r}, which is"
                    f" not a column of {self.model.__name__}."
                )
            attribute = getattr(self.model, name)
            if not isinstance(self._columns[name].type, sa.String):
                attribute = sa.cast(attribute, sa.String)
            columns.append(attribute)
        return columns

    def get_filters(self) -> list[BaseFilter]:
        """Every filter operation of ``column_filters``, in order (their index
        is the number in ``flt<position>_<index>``)."""
        filters: list[BaseFilter] = []
        for entry in self.column_filters or ():
            if isinstance(entry, BaseFilter):
                filters.append(entry)
                continue
            if entry not in self._columns:
                raise ValueError(
                    f"{type(self).__name__}.column_filters names {entry!r}, which is not a"
                    f" column of {self.model.__name__}."
                )
            filters.extend(
                filters_for_column(getattr(self.model, entry), self.get_column_name(entry))
            )
        return filters

    def _sort_expression(self, name: str) -> Any:
        if name in self._sortable_columns:
            return self._sortable_columns[name]
        if name in self._columns:
            return getattr(self.model, name)
        raise ValueError(
            f"{type(self).__name__}.column_default_sort names {name!r}, which is not a"
            f" column of {self.model.__name__}."
        )

    # -- forms -------------------------------------------------------------------

    def scaffold_form(self) -> type:
        """The form class generated from the model and the ``form_*`` options."""
        return model_form(
            self.model,
            self.session,
            base_class=self.form_base_class,
            only=self.form_columns,
            exclude=self.form_excluded_columns,
            field_args=self.form_args,
            overrides=self.form_overrides,
            labels=self.column_labels,
            descriptions=self.column_descriptions,
        )

    def get_form(self) -> type:
        """``form`` if set, else :meth:`scaffold_form`."""
        return self.form if self.form is not None else self.scaffold_form()

    def _form_data(self) -> Any:
        return request.form if request.method == "POST" else None

    def create_form(self, obj: Any = None) -> Any:
        """The create page's form, bound to the request's form data on POST."""
        return self._form_class(self._form_data(), obj=obj)

    def edit_form(self, obj: Any) -> Any:
        """The edit page's form for ``obj``, bound to the form data on POST."""
        form = self._form_class(self._form_data(), obj=obj)
        # The Unique validator skips the record being edited.
        form._obj = obj
        return form

    def validate_form(self, form: Any) -> bool:
        return bool(form.validate())

    # -- data --------------------------------------------------------------------

    def get_query(self) -> Query[Any]:
        """The rows the list shows (override to restrict them)."""
        query: Query[Any] = self.session.query(self.model)
        return query

    def get_count_query(self) -> Query[Any]:
        """The count matching :meth:`get_query` (override both together)."""
        query: Query[Any] = self.session.query(sa.func.count("*")).select_from(self.model)
        return query

    def get_pk_value(self, model: Any) -> str:
        """The ``id`` argument that names ``model`` in URLs."""
        return encode_pk([getattr(model, self._pk_attr(c)) for c in self._pk_columns])

    def _pk_attr(self, column: Any) -> str:
        return str(self._mapper.get_property_by_column(column).key)

    def get_one(self, id: str) -> Any:
        """The record whose ``id`` argument is ``id``, or None."""
        parts = decode_pk(id)
        if len(parts) != len(self._pk_columns):
            return None
        dialect = self._dialect_name()
        # PostgreSQL text never holds NUL and refuses a parameter that does.
        if dialect == "postgresql" and "\x00" in id:
            return None
        try:
            values = [
                convert_value(c, part, dialect)
                for c, part in zip(self._pk_columns, parts, strict=True)
            ]
        except ValueError:
            return None
        key = values[0] if len(values) == 1 else tuple(values)
        return self.session.get(self.model, key)

    def _dialect_name(self) -> str | None:
        """The name of the database dialect the model lives in, when known."""
        try:
            return str(self.session.get_bind(mapper=self._mapper).dialect.name)
        except (SQLAlchemyError, AttributeError):
            return None

    def _apply_search(self, query: Query[Any], search: str) -> Query[Any]:
        # Every word must appear in one of the searchable columns; a word said
        # twice adds nothing but a clause.
        for term in dict.fromkeys(search.split()):
            pattern = like_pattern(term)
            query = query.filter(
                sa.or_(*(column.ilike(pattern, escape="\\") for column in self._search_columns))
            )
        return query

    def get_list(
        self,
        page: int,
        sort_column: str | None,
        sort_desc: bool,
        search: str | None,
        filters: Sequence[tuple[BaseFilter, Any]],
        page_size: int | None = None,
    ) -> tuple[int, list[Any]]:
        """``(count, rows of the page)`` for the list's arguments."""
        page_size = page_size or self.page_size
        query = self.get_query()
        count_query = self.get_count_query()
        if search and self._search_columns:
            query = self._apply_search(query, search)
            count_query = self._apply_search(count_query, search)
        for flt, value in filters:
            query = flt.apply(query, value)
            count_query = flt.apply(count_query, value)
        count = int(count_query.scalar() or 0)

        if sort_column is not None:
            order = [(self._sortable_columns[sort_column], sort_desc)]
        else:
            order = [(self._sort_expression(name), desc) for name, desc in self._default_sort]
        clauses = [expr.desc() if desc else expr.asc() for expr, desc in order]
        # The primary key last, so pages never overlap when sort values tie.
        clauses.extend(getattr(self.model, self._pk_attr(c)).asc() for c in self._pk_columns)
        offset = page * page_size
        if offset > _MAX_SQL_INTEGER:
            # Past any last page, and no database takes such an OFFSET.
            return count, []
        query = query.order_by(*clauses).offset(offset).limit(page_size)
        return count, query.all()

    # -- values shown ----------------------------------------------------------------

    def _format(
        self, context: Any, model: Any, name: str, formatters: Mapping[str, Formatter]
    ) -> Any:
        formatter = formatters.get(name)
        if formatter is not None:
            return formatter(self, context, model, name)
        value: Any = model
        for part in name.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
        type_formatters = (
            DEFAULT_TYPE_FORMATTERS
            if self.column_type_formatters is None
            else self.column_type_formatters
        )
        for kind in type(value).__mro__:
            # COMPAT(flask-admin): built-in types match exactly (a bool is not
            # formatted as an int); other classes also by their bases (Enum).
            if kind is not type(value) and kind.__module__ == "builtins":
                continue
            type_formatter = type_formatters.get(kind)
            if type_formatter is not None:
                return type_formatter(self, value)
        return value

    @pass_context
    def get_list_value(self, context: Any, model: Any, name: str) -> Any:
        """The value shown in the list for column ``name`` of ``model``."""
        return self._format(context, model, name, self.column_formatters)

    @pass_context
    def get_detail_value(self, context: Any, model: Any, name: str) -> Any:
        """The value shown on the details page for column ``name`` of ``model``."""
        formatters = self.column_formatters_detail
        return self._format(
            context, model, name, self.column_formatters if formatters is None else formatters
        )

    # -- changes -------------------------------------------------------------------

    def populate_obj(self, form: Any, model: Any, is_created: bool) -> None:
        """Copy the form's data onto ``model``.

        An empty field of a NOT NULL column is skipped, so the column's default
        applies on create and the stored value stays on edit.
        """
        for field in form:
            column = self._columns.get(field.short_name)
            if column is not None and not column.nullable and field.data in (None, ""):
                continue
            field.populate_obj(model, field.short_name)

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        """Called before a created or edited record is committed; raise
        ``wtforms.validators.ValidationError`` to refuse it with a message."""

    def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        """Called after a created or edited record is committed."""

    def on_model_delete(self, model: Any) -> None:
        """Called before a record is deleted; raise ``ValidationError`` to refuse."""

    def after_model_delete(self, model: Any) -> None:
        """Called after a record is deleted."""

    def _failed(self, action: str, error: Exception) -> None:
        self.session.rollback()
        if isinstance(error, ValidationError):
            flash(str(error), "error")
            return
        detail = str(error.orig) if isinstance(error, DBAPIError) else str(error)
        log.warning("Failed to %s %s record: %s", action, self.model.__name__, error)
        flash(f"Failed to {action} record. {detail}", "error")

    def create_model(self, form: Any) -> Any:
        """Create and commit a record from ``form``; the record, or None after
        flashing why it failed."""
        model = self.model()
        try:
            self.populate_obj(form, model, True)
            self.session.add(model)
            self.on_model_change(form, model, True)
            self.session.commit()
        except (ValidationError, SQLAlchemyError) as error:
            self._failed("create", error)
            return None
        self.after_model_change(form, model, True)
        return model

    def update_model(self, form: Any, model: Any) -> bool:
        """Save ``form`` onto ``model``; False after flashing why it failed."""
        try:
            self.populate_obj(form, model, False)
            self.on_model_change(form, model, False)
            self.session.commit()
        except (ValidationError, SQLAlchemyError) as error:
            self._failed("save", error)
            return False
        self.after_model_change(form, model, False)
        return True

    def delete_model(self, model: Any) -> bool:
        """Delete ``model``; False after flashing why it failed."""
        try:
            self.on_model_delete(model)
            self.session.delete(model)
            self.session.commit()
        except (ValidationError, SQLAlchemyError) as error:
            self._failed("delete", error)
            return False
        self.after_model_delete(model)
        return True

    # -- requests -------------------------------------------------------------------

    def _run_view(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        finally:
            # Each request starts from the database, not from rows a previous
            # request left in this (thread's) session: under a thread pool a
            # scoped_session outlives requests and would show stale values.
            self.session.close()

    def _return_url(self) -> str:
        return get_redirect_target() or self.get_url(".index_view")

    def _list_state(self) -> dict[str, Any]:
        """The list's arguments from the query string, checked."""
        args = request.args
        page = args.get("page", 0, type=int) or 0
        sort = args.get("sort", None, type=int)
        sort_name = None
        if sort is not None and 0 <= sort < len(self._list_columns):
            candidate = self._list_columns[sort][0]
            if candidate in self._sortable_columns:
                sort_name = candidate
        if sort_name is None:
            sort = None
        active: list[tuple[int, str]] = []
        for key in args:
            match = _FILTER_ARG.match(key)
            if match and int(match.group(2)) < len(self._filters):
                active.append((int(match.group(1)), key))
        filters: list[tuple[int, str]] = []
        for _, key in sorted(active):
            index = int(_FILTER_ARG.match(key).group(2))  # type: ignore[union-attr]
            filters.append((index, args.get(key, "")))
        search = args.get("search", "").strip()
        if len(dict.fromkeys(search.split())) > MAX_SEARCH_TERMS:
            raise BadRequest(f"The search has too many words (at most {MAX_SEARCH_TERMS}).")
        # No column holds NUL (PostgreSQL refuses it outright): a request
        # carrying one is malformed, not a search that finds nothing.
        if "\x00" in search or any("\x00" in value for _, value in filters):
            raise BadRequest("The search and filter values cannot contain a NUL character.")
        return {
            "page": max(page, 0),
            "sort": sort,
            "sort_name": sort_name,
            "desc": args.get("desc") == "1",
            "search": search,
            "filters": filters,
        }

    def _list_url(self, state: Mapping[str, Any], **changes: Any) -> str:
        """The list's URL for ``state`` with ``changes`` (page, sort, desc,
        search, filters) applied; the page goes back to 0 unless given."""
        merged = dict(state)
        merged["page"] = 0
        merged.update(changes)
        params: dict[str, Any] = {}
        if merged["page"]:
            params["page"] = merged["page"]
        if merged["sort"] is not None:
            params["sort"] = merged["sort"]
            if merged["desc"]:
                params["desc"] = 1
        if merged["search"]:
            params["search"] = merged["search"]
        for position, (index, value) in enumerate(merged["filters"]):
            params[f"flt{position}_{index}"] = value
        return self.get_url(".index_view", **params)

    def _clean_filters(self, state: Mapping[str, Any]) -> list[tuple[BaseFilter, Any]]:
        cleaned = []
        dialect = self._dialect_name()
        for index, value in state["filters"]:
            flt = self._filters[index]
            try:
                clean_value = flt.clean(value)
                column = getattr(flt, "column", None)
                if isinstance(column, InstrumentedAttribute):
                    column = column.property.columns[0]
                if isinstance(clean_value, int) and not isinstance(clean_value, bool):
                    # clean() knows no database; PostgreSQL's INTEGER is 32-bit.
                    bound = 2 ** (integer_bits(column, dialect) - 1)
                    if not -bound <= clean_value < bound:
                        raise ValueError(f"{value!r} is out of range")
                cleaned.append((flt, clean_value))
            except ValueError as error:
                raise BadRequest(
                    f"Invalid value for the filter '{flt.name} {flt.operation()}': {error}."
                ) from None
        return cleaned

    @expose("/")
    def index_view(self) -> Any:
        """The list: sorted, searched, filtered and paginated by the query string."""
        state = self._list_state()
        new_filter = request.args.get("flt_new", type=int)
        if new_filter is not None and 0 <= new_filter < len(self._filters):
            # The "add filter" form cannot name its field per filter without
            # scripts; turn its choice into the canonical flt<n>_<index> URL.
            filters = [*state["filters"], (new_filter, request.args.get("flt_value", ""))]
            return redirect(self._list_url(state, filters=filters))
        filters = self._clean_filters(state)
        count, data = self.get_list(
            state["page"], state["sort_name"], state["desc"], state["search"], filters
        )
        num_pages = max(math.ceil(count / self.page_size), 1)
        return self.render(
            self.list_template,
            data=data,
            count=count,
            page=state["page"],
            num_pages=num_pages,
            pages=page_window(state["page"], num_pages),
            list_columns=self._list_columns,
            sortable_columns=self._sortable_columns,
            sort_column=state["sort"],
            sort_desc=state["desc"],
            search=state["search"],
            search_supported=bool(self._search_columns),
            filters=self._filters,
            active_filters=[
                (position, index, self._filters[index], value)
                for position, (index, value) in enumerate(state["filters"])
            ],
            state=state,
            list_url=lambda **changes: self._list_url(state, **changes),
            get_value=self.get_list_value,
            get_pk_value=self.get_pk_value,
            return_url=current_relative_url(),
        )

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> Any:
        """The create form; a valid POST creates the record."""
        return_url = self._return_url()
        if not self.can_create:
            return redirect(return_url)
        form = self.create_form()
        if request.method == "POST" and self.validate_form(form):
            model = self.create_model(form)
            if model is not None:
                flash("Record was successfully created.", "success")
                if "_add_another" in request.form:
                    return redirect(self.get_url(".create_view", url=return_url))
                if "_continue_editing" in request.form and self.can_edit:
                    return redirect(
                        self.get_url(".edit_view", id=self.get_pk_value(model), url=return_url)
                    )
                return redirect(return_url)
        return self.render(self.create_template, form=form, return_url=return_url)

    def _record_or_redirect(self, return_url: str) -> tuple[Any, Response | None]:
        id = request.args.get("id")
        model = self.get_one(id) if id else None
        if model is None:
            flash("Record does not exist.", "error")
            return None, redirect(return_url)
        return model, None

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self) -> Any:
        """The edit form of the record ``?id=``; a valid POST saves it."""
        return_url = self._return_url()
        if not self.can_edit:
            return redirect(return_url)
        model, missing = self._record_or_redirect(return_url)
        if missing is not None:
            return missing
        form = self.edit_form(model)
        if request.method == "POST" and self.validate_form(form) and self.update_model(form, model):
            flash("Record was successfully saved.", "success")
            if "_add_another" in request.form and self.can_create:
                return redirect(self.get_url(".create_view", url=return_url))
            if "_continue_editing" in request.form:
                return redirect(current_relative_url())
            return redirect(return_url)
        return self.render(self.edit_template, form=form, model=model, return_url=return_url)

    @expose("/details/")
    def details_view(self) -> Any:
        """The record ``?id=``, read-only."""
        return_url = self._return_url()
        if not self.can_view_details:
            return redirect(return_url)
        model, missing = self._record_or_redirect(return_url)
        if missing is not None:
            return missing
        return self.render(
            self.details_template,
            model=model,
            details_columns=self._details_columns,
            get_value=self.get_detail_value,
            return_url=return_url,
        )

    @expose("/delete/", methods=("POST",))
    def delete_view(self) -> Any:
        """Delete the record whose ``id`` is posted, then go back to ``url``."""
        return_url = self._return_url()
        if not self.can_delete:
            return redirect(return_url)
        id = request.form.get("id")
        model = self.get_one(id) if id else None
        if model is None:
            flash("Record does not exist.", "error")
            return redirect(return_url)
        if self.delete_model(model):
            flash("Record was successfully deleted.", "success")
        return redirect(return_url)
