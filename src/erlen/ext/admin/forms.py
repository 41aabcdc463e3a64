"""WTForms forms made from SQLAlchemy models, for the admin's create and edit pages.

:func:`model_form` reads the mapped columns of a model:

- the column's type chooses the field (text, number, date, yes/no, choice);
- a ``nullable`` column (or one with a default) gets ``Optional``, any other
  ``DataRequired`` (text) or ``InputRequired`` (numbers, dates, choices,
  where ``0`` is a real value);
- ``String(length)`` adds ``Length(max=length)``; ``unique=True`` adds
  :class:`Unique`, which looks the value up before saving;
- an auto-incremented integer primary key is left out (the database sets it);
- a foreign key behind a many-to-one relationship becomes a choice of the
  related rows, under the relationship's name.

Columns of types a form cannot edit (binary, JSON, arrays, UUIDs...) are left
out unless ``overrides`` gives them a field.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
import wtforms
import wtforms.fields.choices
from sqlalchemy.orm import ColumnProperty, Mapper, RelationshipProperty
from sqlalchemy.orm.interfaces import MANYTOONE
from wtforms import validators as v

from .helpers import encode_pk, prettify_name

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
TIME_FORMATS = ["%H:%M:%S", "%H:%M"]
#: The label of the empty choice of an optional drop-down.
BLANK_CHOICE_LABEL = "—"
# COMPAT(wtforms): 3.3 deprecates (value, label) tuples for SelectChoice,
# which older releases (>= 3.1 is supported) do not have.
_SelectChoice: Any = getattr(wtforms.fields.choices, "SelectChoice", None)


def make_choice(value: str, label: str) -> Any:
    """A ``SelectField`` choice in the form the installed WTForms prefers."""
    if _SelectChoice is not None:
        return _SelectChoice(value=value, label=label)
    return (value, label)


class Unique:
    """A validator: no other row of ``model`` has this value in ``column``.

    The record being edited (``form._obj``) does not count against itself.
    """

    def __init__(self, session: Any, model: type, column: Any, message: str | None = None) -> None:
        self.session = session
        self.model = model
        self.column = column
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is None or field.data == "":
            return
        editing = getattr(form, "_obj", None)
        # no_autoflush: a half-populated object of this session must not be
        # written while we only look for duplicates.
        with self.session.no_autoflush:
            matches = self.session.query(self.model).filter(self.column == field.data).limit(2)
            duplicates = [row for row in matches if row is not editing]
        if duplicates:
            message = self.message or (
                f"Already taken: another {self.model.__name__} has this"
                f" {field.label.text.lower()} ({field.data})."
            )
            raise v.ValidationError(message)


def is_autoincrement_pk(column: sa.Column[Any]) -> bool:
    """True for an integer primary key the database numbers itself."""
    if not column.primary_key or column.foreign_keys:
        return False
    if not isinstance(column.type, sa.Integer):
        return False
    if column.autoincrement is True:
        return True
    return column.autoincrement == "auto" and len(column.table.primary_key.columns) == 1


def has_default(column: sa.Column[Any]) -> bool:
    return column.default is not None or column.server_default is not None


def _concrete_type(type_: Any) -> Any:
    # A TypeDecorator edits like the type it stores as.
    while isinstance(type_, sa.types.TypeDecorator):
        type_ = type_.impl_instance
    return type_


def _choice_coerce(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def coerce(value: Any) -> Any:
        if value is None or value == "":
            return None
        return convert(value)

    return coerce


def field_for_column(column: sa.Column[Any]) -> tuple[type, dict[str, Any]] | None:
    """The WTForms field class and its arguments for a column's type, or None."""
    type_ = _concrete_type(column.type)
    if isinstance(type_, sa.Boolean):
        return wtforms.BooleanField, {}
    if isinstance(type_, sa.Enum):
        enum_class = type_.enum_class
        if enum_class is not None:
            members: Sequence[enum.Enum] = list(enum_class)

            def to_member(value: Any) -> Any:
                if isinstance(value, enum_class):
                    return value
                try:
                    return enum_class[value]
                except KeyError:
                    raise ValueError(f"{value!r} is not a choice") from None

            choices = [make_choice(member.name, member.name) for member in members]
            coerce = _choice_coerce(to_member)
        else:
            choices = [make_choice(name, name) for name in type_.enums]
            coerce = _choice_coerce(str)
        if column.nullable:
            choices.insert(0, make_choice("", BLANK_CHOICE_LABEL))
        return wtforms.SelectField, {"choices": choices, "coerce": coerce}
    if isinstance(type_, sa.Integer):
        return wtforms.IntegerField, {}
    if isinstance(type_, sa.Float):
        return wtforms.FloatField, {}
    if isinstance(type_, sa.Numeric):
        return wtforms.DecimalField, {"places": type_.scale}
    if isinstance(type_, sa.Text):
        return wtforms.TextAreaField, {}
    if isinstance(type_, sa.String):
        return wtforms.StringField, {}
    if isinstance(type_, sa.DateTime):
        return wtforms.DateTimeLocalField, {"format": DATETIME_FORMATS}
    if isinstance(type_, sa.Date):
        return wtforms.DateField, {}
    if isinstance(type_, sa.Time):
        return wtforms.TimeField, {"format": TIME_FORMATS}
    return None


def _column_validators(
    column: sa.Column[Any], field_class: type, session: Any, model: type
) -> list[Any]:
    validators: list[Any] = []
    type_ = _concrete_type(column.type)
    if issubclass(field_class, wtforms.BooleanField):
        return validators
    text_like = issubclass(field_class, (wtforms.StringField,)) and not issubclass(
        field_class, wtforms.SelectField
    )
    if column.nullable or has_default(column) or is_autoincrement_pk(column):
        validators.append(v.Optional())
    elif text_like:
        validators.append(v.DataRequired())
    else:
        validators.append(v.InputRequired())
    if isinstance(type_, sa.String) and type_.length and text_like:
        validators.append(v.Length(max=type_.length))
    if column.unique:
        validators.append(Unique(session, model, column))
    return validators


def _strip_to_none(value: Any) -> Any:
    # An empty optional text is stored as NULL, so several rows may leave a
    # unique nullable column empty.
    return value or None


class RelatedSelectField(wtforms.SelectField):  # type: ignore[misc]
    """A choice of rows of a related model; its data is the chosen object."""

    def __init__(
        self,
        label: str | None = None,
        validators: Sequence[Any] | None = None,
        *,
        query_factory: Callable[[], Iterable[Any]],
        allow_blank: bool = False,
        **kwargs: Any,
    ) -> None:
        self.query_factory = query_factory
        self.allow_blank = allow_blank
        self._objects: dict[str, Any] | None = None
        super().__init__(
            label, validators, choices=self._make_choices, coerce=self._to_object, **kwargs
        )

    def _rows(self) -> dict[str, Any]:
        if self._objects is None:
            self._objects = {}
            for obj in self.query_factory():
                identity = sa.inspect(obj).identity
                self._objects[encode_pk(identity or ())] = obj
        return self._objects

    def _make_choices(self) -> list[Any]:
        choices = [make_choice(key, str(obj)) for key, obj in self._rows().items()]
        if self.allow_blank:
            choices.insert(0, make_choice("", BLANK_CHOICE_LABEL))
        return choices

    def _to_object(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value  # already an object (the edited record's current value)
        rows = self._rows()
        if value not in rows:
            raise ValueError(f"No such record: {value!r}")
        return rows[value]


def _relation_field(relation: RelationshipProperty[Any], session: Any, label: str) -> wtforms.Field:
    related = relation.mapper.class_
    nullable = all(column.nullable for column in relation.local_columns)
    validators = [v.Optional()] if nullable else [v.InputRequired()]
    return RelatedSelectField(
        label,
        validators,
        query_factory=lambda: session.query(related).all(),
        allow_blank=nullable,
    )


def model_form(
    model: type,
    session: Any,
    base_class: type = wtforms.Form,
    only: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    field_args: Mapping[str, Mapping[str, Any]] | None = None,
    overrides: Mapping[str, type] | None = None,
    labels: Mapping[str, str] | None = None,
    descriptions: Mapping[str, str] | None = None,
) -> type:
    """A WTForms form class for ``model``'s columns (see the module's docs).

    ``only`` names the fields, in order (columns or many-to-one relationships);
    ``exclude`` drops some; ``field_args`` adds arguments per field
    (``validators`` are added to the generated ones); ``overrides`` sets a
    field class per name; ``labels`` and ``descriptions`` set texts.
    """
    mapper: Mapper[Any] = sa.inspect(model)
    field_args = field_args or {}
    overrides = overrides or {}
    labels = labels or {}
    descriptions = descriptions or {}
    excluded = set(exclude or ())

    relations = {rel.key: rel for rel in mapper.relationships if rel.direction is MANYTOONE}
    relation_columns = {column for rel in relations.values() for column in rel.local_columns}
    properties: dict[str, ColumnProperty[Any] | RelationshipProperty[Any]] = {}
    columns: dict[str, sa.Column[Any]] = {}
    for prop in mapper.iterate_properties:
        if isinstance(prop, ColumnProperty) and len(prop.columns) == 1:
            # Only table columns: a column_property() of a SQL expression is read-only.
            column = prop.columns[0]
            if isinstance(column, sa.Column):
                properties[prop.key] = prop
                columns[prop.key] = column
                # A relationship's field goes where its foreign key is.
                for key, relation in relations.items():
                    if column in relation.local_columns:
                        properties.setdefault(key, relation)
    for key, relation in relations.items():
        properties.setdefault(key, relation)

    if only is not None:
        unknown = [name for name in only if name not in properties]
        if unknown:
            raise ValueError(
                f"form_columns names {', '.join(map(repr, unknown))}, which"
                f" {'is' if len(unknown) == 1 else 'are'} not a column or many-to-one"
                f" relationship of {model.__name__}."
            )
        names = [name for name in only if name not in excluded]
    else:
        names = []
        for name in properties:
            if name in excluded:
                continue
            if name in columns:
                column = columns[name]
                # The relationship's field edits these foreign keys.
                if is_autoincrement_pk(column) or column in relation_columns:
                    continue
            names.append(name)

    fields: dict[str, Any] = {}
    for name in names:
        prop = properties[name]
        label = labels.get(name) or prettify_name(name)
        extra = dict(field_args.get(name, {}))
        extra_validators = list(extra.pop("validators", []))
        if isinstance(prop, RelationshipProperty):
            if name in overrides:
                fields[name] = overrides[name](label, extra_validators, **extra)
                continue
            unbound = _relation_field(prop, session, label)
            fields[name] = _rebind(unbound, extra_validators, extra, descriptions.get(name))
            continue
        column = columns[name]
        found = field_for_column(column)
        if name in overrides:
            field_class: type = overrides[name]
            kwargs: dict[str, Any] = {}
        elif found is None:
            if only is not None:
                raise ValueError(
                    f"{model.__name__}.{name} has a type ({column.type}) that no form field"
                    " edits; set form_overrides for it."
                )
            continue
        else:
            field_class, kwargs = found
        kwargs["validators"] = [
            *_column_validators(column, field_class, session, model),
            *extra_validators,
        ]
        description = descriptions.get(name) or column.doc or column.comment
        if description:
            kwargs["description"] = description
        if column.nullable and issubclass(field_class, wtforms.StringField):
            kwargs["filters"] = [_strip_to_none, *kwargs.get("filters", ())]
        kwargs.update(extra)
        fields[name] = field_class(label, **kwargs)
    return type(f"{model.__name__}Form", (base_class,), fields)


def _rebind(
    unbound: Any, extra_validators: list[Any], extra: dict[str, Any], description: str | None
) -> Any:
    # A field made outside a form class is an UnboundField: add the caller's
    # validators and arguments to its construction arguments.
    args = list(unbound.args)
    kwargs = dict(unbound.kwargs)
    if len(args) > 1:
        args[1] = [*args[1], *extra_validators]
    if description:
        kwargs["description"] = description
    kwargs.update(extra)
    return unbound.field_class(*args, **kwargs)
