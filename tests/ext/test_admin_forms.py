"""erlen.ext.admin.forms: WTForms forms generated from SQLAlchemy models, and the
ModelView form options (form_columns, form_excluded_columns, form_args,
form_overrides, form) through the test client on both protocols."""

from __future__ import annotations

import datetime
import decimal
import enum
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import wtforms
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session, sessionmaker
from wtforms import validators as v

from erlen import Erlen
from erlen.ext.admin import Admin, ModelView, RelatedSelectField, Unique, model_form
from erlen.http.datastructures import MultiDict
from erlen.testing import ErlenClient


class Base(DeclarativeBase):
    pass


class Size(enum.Enum):
    small = "S"
    large = "L"


class Lowercase(sa.types.TypeDecorator[str]):
    impl = sa.String(30)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return value.lower() if value is not None else None


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True, doc="What it is called")
    note: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    text: Mapped[str | None] = mapped_column(sa.Text)
    count: Mapped[int] = mapped_column()
    stock: Mapped[int] = mapped_column(server_default="0")
    weight: Mapped[float | None] = mapped_column(sa.Float)
    price: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(10, 2))
    size: Mapped[Size] = mapped_column(sa.Enum(Size))
    colour: Mapped[str | None] = mapped_column(sa.Enum("red", "blue", name="colour"))
    made: Mapped[datetime.date | None] = mapped_column()
    seen: Mapped[datetime.datetime | None] = mapped_column()
    opens: Mapped[datetime.time | None] = mapped_column()
    enabled: Mapped[bool] = mapped_column(default=True)
    slug: Mapped[str | None] = mapped_column(Lowercase)
    blob: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    upper_name = sa.orm.column_property(sa.func.upper(name))


class Country(Base):
    """A natural (non-numbered) primary key: the form must ask for it."""

    __tablename__ = "countries"
    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))

    def __str__(self) -> str:
        return self.name


@pytest.fixture
def db(tmp_path: Path) -> Iterator[scoped_session[Any]]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'forms.db'}")
    Base.metadata.create_all(engine)
    session = scoped_session(sessionmaker(engine))
    yield session
    session.remove()
    engine.dispose()


@pytest.fixture
def app() -> Erlen:
    app = Erlen("test_admin_forms_app")
    app.config.update(TESTING=True, SECRET_KEY="forms secret", ADMIN_CSRF_ENABLED=False)
    return app


def field_types(form_class: type) -> dict[str, str]:
    return {field.name: type(field).__name__ for field in form_class()}


def validator_types(field: Any) -> list[str]:
    return [type(validator).__name__ for validator in field.validators]


def test_column_types_choose_fields(db: Any) -> None:
    form_class = model_form(Item, db)
    assert field_types(form_class) == {
        "name": "StringField",
        "note": "StringField",
        "text": "TextAreaField",
        "count": "IntegerField",
        "stock": "IntegerField",
        "weight": "FloatField",
        "price": "DecimalField",
        "size": "SelectField",
        "colour": "SelectField",
        "made": "DateField",
        "seen": "DateTimeLocalField",
        "opens": "TimeField",
        "enabled": "BooleanField",
        "slug": "StringField",  # a TypeDecorator edits like its stored type
    }
    # id (autoincrement), blob (binary) and upper_name (an expression) are left out.


def test_validators_follow_the_columns(db: Any) -> None:
    form = model_form(Item, db)()
    assert validator_types(form.name) == ["DataRequired", "Length", "Unique"]
    assert form.name.validators[1].max == 40
    assert validator_types(form.note) == ["Optional", "Length", "Unique"]
    assert validator_types(form.count) == ["InputRequired"]
    assert validator_types(form.stock) == ["Optional"]  # the server default applies
    assert validator_types(form.size) == ["InputRequired"]
    assert validator_types(form.enabled) == []
    assert form.name.description == "What it is called"
    assert form.name.flags.required and not form.note.flags.required


def test_form_validates_and_converts(db: Any) -> None:
    form_class = model_form(Item, db)
    form = form_class(
        MultiDict(
            {
                "name": "Lamp",
                "note": "",
                "count": "0",
                "price": "9.50",
                "size": "large",
                "colour": "",
                "made": "2024-02-29",
                "seen": "2024-02-29T10:30",
                "opens": "09:15",
                "enabled": "y",
                "slug": "LAMP",
            }
        )
    )
    assert form.validate(), form.errors
    item = Item()
    form.populate_obj(item)
    assert item.count == 0  # a zero is a value, not a missing one
    assert item.note is None  # empty optional text is NULL, so unique allows many
    assert item.size is Size.large and item.colour is None
    assert item.price == decimal.Decimal("9.50")
    assert item.seen == datetime.datetime(2024, 2, 29, 10, 30)
    assert item.opens == datetime.time(9, 15)
    db.add(item)
    db.commit()
    assert db.query(Item).one().slug == "lamp"


def test_form_reports_bad_values(db: Any) -> None:
    form = model_form(Item, db)(
        MultiDict({"name": "x" * 41, "count": "", "size": "medium", "made": "yesterday"})
    )
    assert not form.validate()
    assert form.errors["name"] == ["Field cannot be longer than 40 characters."]
    assert form.errors["count"] == ["This field is required."]
    assert form.errors["size"] == ["Invalid Choice: could not coerce."]
    assert form.errors["made"] == ["Not a valid date value."]


def test_enum_choices(db: Any) -> None:
    form = model_form(Item, db)()
    assert [(c.value, c.label) for c in form.size.iter_choices()] == [
        ("small", "small"),
        ("large", "large"),
    ]
    assert [c.value for c in form.colour.iter_choices()] == ["", "red", "blue"]


def test_unique_validator_skips_the_edited_record(db: Any) -> None:
    db.add(Item(name="Lamp", count=1, size=Size.small))
    db.add(Item(name="Desk", count=1, size=Size.small))
    db.commit()
    lamp = db.query(Item).filter_by(name="Lamp").one()
    form_class = model_form(Item, db, only=["name"])
    form = form_class(MultiDict({"name": "Lamp"}), obj=lamp)
    form._obj = lamp
    assert form.validate()
    form = form_class(MultiDict({"name": "Desk"}), obj=lamp)
    form._obj = lamp
    assert not form.validate()
    assert form.errors["name"] == ["Already taken: another Item has this name (Desk)."]
    custom = Unique(db, Item, Item.__table__.c.name, message="Pick another name.")
    form = wtforms.Form()
    field = wtforms.StringField("Name").bind(form, "name")
    field.data = "Desk"
    with pytest.raises(v.ValidationError, match=r"Pick another name\."):
        custom(form, field)


def test_natural_primary_key_is_asked_for(db: Any) -> None:
    assert list(field_types(model_form(Country, db))) == ["code", "name"]


def test_only_exclude_args_overrides_labels(db: Any) -> None:
    form_class = model_form(
        Item,
        db,
        only=["id", "count", "name", "blob"],
        exclude=["count"],
        field_args={"name": {"validators": [v.Regexp("^[A-Z]")], "render_kw": {"autofocus": True}}},
        overrides={"blob": wtforms.TextAreaField},
        labels={"name": "Item name"},
        descriptions={"id": "The number"},
    )
    form = form_class()
    assert list(field_types(form_class)) == ["id", "name", "blob"]
    assert validator_types(form.name) == ["DataRequired", "Length", "Unique", "Regexp"]
    assert form.name.label.text == "Item name"
    assert "autofocus" in form.name()
    assert form.id.description == "The number"
    assert validator_types(form.id) == ["Optional"]


def test_bad_form_columns_are_named(db: Any) -> None:
    with pytest.raises(ValueError, match="form_columns names 'nope', which is not a column"):
        model_form(Item, db, only=["name", "nope"])
    with pytest.raises(ValueError, match=r"Item\.blob has a type \(BLOB\).*form_overrides"):
        model_form(Item, db, only=["blob"])


def test_related_select_field_outside_a_model_form(db: Any) -> None:
    db.add_all([Country(code="fr", name="France"), Country(code="jp", name="<Japan>")])
    db.commit()

    class PickCountry(wtforms.Form):
        country = RelatedSelectField(
            "Country",
            [v.Optional()],
            query_factory=lambda: db.query(Country).all(),
            allow_blank=True,
        )

    form = PickCountry(MultiDict({"country": "jp"}))
    assert form.validate()
    assert form.country.data.name == "<Japan>"
    assert '<option selected value="jp">&lt;Japan&gt;</option>' in form.country()
    blank = PickCountry(MultiDict({"country": ""}))
    assert blank.validate() and blank.country.data is None


# -- ModelView form options through the client ---------------------------------------------------


def test_model_view_form_options(client: ErlenClient, app: Erlen, db: Any) -> None:
    class ItemView(ModelView):
        form_columns = ["name", "count", "size"]
        form_args = {"name": {"validators": [v.Regexp("^[A-Z]", message="Start with a capital.")]}}
        column_labels = {"count": "How many"}
        column_descriptions = {"size": "Pick one"}

    Admin(app).add_view(ItemView(Item, db))
    html = client.get("/admin/item/new/").text
    assert re.findall(r'<(?:input|select|textarea)[^>]* name="(\w+)"', html) == [
        "csrf_token",
        "name",
        "count",
        "size",
        "_add_another",
        "_continue_editing",
    ]
    assert '<label class="control-label" for="count">How many</label>' in html
    assert '<small class="form-text text-muted">Pick one</small>' in html
    bad = client.post("/admin/item/new/", data={"name": "lamp", "count": "1", "size": "small"})
    assert "Start with a capital." in bad.text
    ok = client.post("/admin/item/new/", data={"name": "Lamp", "count": "1", "size": "small"})
    assert ok.status_code == 302
    db.remove()
    item = db.query(Item).one()
    assert (item.name, item.count, item.size, item.stock, item.enabled) == (
        "Lamp",
        1,
        Size.small,
        0,
        True,
    )


def test_model_view_excluded_columns_and_overrides(
    client: ErlenClient, app: Erlen, db: Any
) -> None:
    class ItemView(ModelView):
        form_excluded_columns = [
            "text",
            "weight",
            "price",
            "colour",
            "made",
            "seen",
            "opens",
            "slug",
        ]
        form_overrides = {"note": wtforms.TextAreaField}

    Admin(app).add_view(ItemView(Item, db))
    html = client.get("/admin/item/new/").text
    names = re.findall(r'<(?:input|select|textarea)[^>]* name="(\w+)"', html)
    assert names[1:7] == ["name", "note", "count", "stock", "size", "enabled"]
    assert '<textarea class="form-control" id="note" maxlength="100" name="note">' in html


def test_model_view_custom_form_class(client: ErlenClient, app: Erlen, db: Any) -> None:
    class CountryForm(wtforms.Form):
        code = wtforms.StringField("ISO code", [v.InputRequired(), v.Length(min=2, max=2)])
        name = wtforms.StringField("Name", [v.InputRequired()])

    class CountryView(ModelView):
        form = CountryForm

    Admin(app).add_view(CountryView(Country, db))
    assert "ISO code" in client.get("/admin/country/new/").text
    bad = client.post("/admin/country/new/", data={"code": "fra", "name": "France"})
    assert (
        '<div class="invalid-feedback">Field must be exactly 2 characters long.</div>' in bad.text
    )
    client.post("/admin/country/new/", data={"code": "fr", "name": "France"})
    db.remove()
    assert [(c.code, c.name) for c in db.query(Country)] == [("fr", "France")]
    # A text primary key in the URL.
    edit = client.get("/admin/country/edit/?id=fr")
    assert 'value="France"' in edit.text


def test_edit_keeps_not_null_values_left_empty(client: ErlenClient, app: Erlen, db: Any) -> None:
    db.add(Item(name="Lamp", count=3, stock=7, size=Size.small))
    db.commit()

    class ItemView(ModelView):
        form_columns = ["name", "count", "stock"]

    Admin(app).add_view(ItemView(Item, db))
    response = client.post(
        "/admin/item/edit/?id=1", data={"name": "Lamp", "count": "4", "stock": ""}
    )
    assert response.status_code == 302
    db.remove()
    item = db.get(Item, 1)
    assert (item.count, item.stock) == (4, 7)
