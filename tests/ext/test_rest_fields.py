"""erlen.ext.rest: fields, marshal, marshal_with, marshal_with_field and inputs."""

from __future__ import annotations

import copy
import datetime as dt
import decimal
from dataclasses import dataclass
from typing import Any

import pytest

from erlen import Erlen
from erlen.ext.rest import Api, Resource, fields, inputs, marshal, marshal_with, marshal_with_field
from erlen.ext.rest.fields import MarshallingException
from erlen.testing import ErlenClient

# -- marshal ---------------------------------------------------------------------------


def test_marshal_filters_and_envelopes() -> None:
    data = {"a": 100, "b": "foo"}
    assert marshal(data, {"a": fields.Raw}) == {"a": 100}
    assert marshal(data, {"a": fields.Raw}, envelope="data") == {"data": {"a": 100}}
    assert marshal([data, {"a": 1}], {"a": fields.Raw()}) == [{"a": 100}, {"a": 1}]
    assert marshal((data,), {"a": fields.Raw}, envelope="items") == {"items": [{"a": 100}]}
    assert list(marshal({"z": 1, "a": 2}, {"z": fields.Raw, "a": fields.Raw})) == ["z", "a"]


def test_marshal_nested_dict_and_objects() -> None:
    class User:
        def __init__(self) -> None:
            self.name = "ann"
            self.address = {"city": "Oslo", "zip": "0150"}

    spec = {"name": fields.String, "where": {"city": fields.String(attribute="address.city")}}
    assert marshal(User(), spec) == {"name": "ann", "where": {"city": "Oslo"}}


def test_raw_attribute_and_default() -> None:
    data = {"first": "Ann", "items": ["x", "y"], "none": None}
    assert fields.Raw(attribute="first").output("name", data) == "Ann"
    assert fields.Raw(attribute=lambda obj: obj["first"].upper()).output("x", data) == "ANN"
    assert fields.Raw(attribute=1).output("x", ["a", "b"]) == "b"
    assert fields.Raw(default="dflt").output("missing", data) == "dflt"
    assert fields.Raw(default="dflt").output("none", data) == "dflt"
    assert fields.Raw().output("missing.deeper", data) is None
    assert fields.get_value("a.b", {"a": {"b": "deep"}}) == "deep"
    assert fields.get_value(0, data["items"]) == "x"


def test_scalar_fields() -> None:
    data = {"s": 5, "i": "42", "f": "1.5", "b": "", "n": None}
    assert fields.String().output("s", data) == "5"
    assert fields.Integer().output("i", data) == 42
    assert fields.Integer().output("n", data) == 0
    assert fields.Integer(default=None).output("n", data) is None
    assert fields.Float().output("f", data) == 1.5
    assert fields.Boolean().output("b", data) is False
    assert fields.Boolean().output("s", data) is True
    with pytest.raises(MarshallingException, match="invalid literal"):
        fields.Integer().output("x", {"x": "abc"})
    with pytest.raises(MarshallingException):
        fields.Float().output("x", {"x": "abc"})


def test_decimal_fields() -> None:
    assert fields.Arbitrary().format("634271127864378216478362784632784678324.23432") == (
        "634271127864378216478362784632784678324.23432"
    )
    assert fields.Fixed(decimals=2).format("3.14159") == "3.14"
    assert fields.Fixed(decimals=2).format(2.675) == "2.67"  # the float is below .675
    assert fields.Fixed().format(0) == "0.00000"
    assert fields.Price(decimals=2).format(decimal.Decimal("10")) == "10.00"
    with pytest.raises(MarshallingException, match="Invalid Fixed precision number"):
        fields.Fixed().format("inf")
    with pytest.raises(MarshallingException):
        fields.Fixed().format("abc")
    with pytest.raises(MarshallingException):
        fields.Arbitrary().format("abc")


def test_datetime_field() -> None:
    when = dt.datetime(2011, 1, 1, 12, 30)
    assert fields.DateTime().format(when) == "Sat, 01 Jan 2011 12:30:00 -0000"
    aware = dt.datetime(2011, 1, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert fields.DateTime().format(aware) == "Sat, 01 Jan 2011 10:30:00 -0000"
    assert fields.DateTime(dt_format="iso8601").format(when) == "2011-01-01T12:30:00"
    assert fields.DateTime(dt_format="iso8601").format(aware) == "2011-01-01T12:30:00+02:00"
    with pytest.raises(MarshallingException, match="Unsupported date format unix"):
        fields.DateTime(dt_format="unix").format(when)
    with pytest.raises(MarshallingException):
        fields.DateTime().format("2011-01-01")


def test_formatted_string() -> None:
    field = fields.FormattedString("{first} {last}")
    assert field.output("x", {"first": "Ann", "last": "Lee"}) == "Ann Lee"

    class Person:
        def __init__(self) -> None:
            self.first, self.last = "Bo", "Ek"

    assert field.output("x", Person()) == "Bo Ek"
    with pytest.raises(MarshallingException):
        field.output("x", {"first": "only"})


def test_nested_field() -> None:
    spec = {"id": fields.Integer, "name": fields.String}
    data = {"owner": {"id": "3", "name": "x", "secret": 1}, "none": None}
    assert fields.Nested(spec).output("owner", data) == {"id": 3, "name": "x"}
    assert fields.Nested(spec).output("none", data) == {"id": 0, "name": None}
    assert fields.Nested(spec, allow_null=True).output("none", data) is None
    assert fields.Nested(spec, default={}).output("none", data) == {}
    assert fields.Nested(spec, attribute="owner").output("o", data) == {"id": 3, "name": "x"}


def test_list_field() -> None:
    assert fields.List(fields.Integer).output("x", {"x": ["1", 2, 3.0]}) == [1, 2, 3]
    assert fields.List(fields.String).output("x", {"x": {"b", "a"}}) in (["a", "b"], ["b", "a"])
    assert fields.List(fields.Raw).output("x", {"x": None}) is None
    assert fields.List(fields.Raw, default=[]).output("x", {}) == []
    nested = fields.List(fields.Nested({"id": fields.Integer}))
    assert nested.output("x", {"x": [{"id": "1", "y": 0}, {"id": 2}]}) == [{"id": 1}, {"id": 2}]
    assert nested.output("x", {"x": {"id": "7"}}) == [{"id": 7}]
    by_attribute = fields.List(fields.String(attribute="name"))
    assert by_attribute.output("x", {"x": [{"name": "a"}, {"name": "b"}]}) == ["a", "b"]
    with pytest.raises(MarshallingException, match="must be a subclass"):
        fields.List(int)  # type: ignore[arg-type]
    with pytest.raises(MarshallingException, match="must be a subclass"):
        fields.List("nope")  # type: ignore[arg-type]
    with pytest.raises(MarshallingException, match="expected a list"):
        fields.List(fields.String).output("x", {"x": {"a": 1}})


def test_to_marshallable_type() -> None:
    class WithHook:
        def __marshallable__(self) -> dict[str, int]:
            return {"a": 1}

    @dataclass
    class Plain:
        a: int

    assert fields.to_marshallable_type(None) is None
    assert fields.to_marshallable_type(WithHook()) == {"a": 1}
    assert fields.to_marshallable_type(Plain(2)) == {"a": 2}
    mapping = {"x": 1}
    assert fields.to_marshallable_type(mapping) is mapping


def test_url_field(app: Erlen) -> None:
    api = Api(app)

    class Todo(Resource):
        def get(self, todo_id: int) -> Any:
            return {}

    api.add_resource(Todo, "/todos/<int:todo_id>")
    with app.test_request_context("/todos/1", base_url="http://example.com"):
        data = {"todo_id": 7, "title": "x"}
        assert fields.Url("todo").output("uri", data) == "/todos/7"
        assert fields.Url().output("uri", data) == "/todos/7"
        assert fields.Url("todo", absolute=True).output("uri", data) == (
            "http://example.com/todos/7"
        )
        assert fields.Url("todo", absolute=True, scheme="https").output("uri", data) == (
            "https://example.com/todos/7"
        )
        with pytest.raises(MarshallingException):
            fields.Url("todo").output("uri", None)


# -- decorators, through a client ----------------------------------------------------------


def test_marshal_with_in_resources(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)
    spec = {"id": fields.Integer, "name": fields.String}

    class User(Resource):
        @marshal_with(spec)
        def get(self, user_id: int) -> Any:
            return {"id": user_id, "name": "ann", "password": "secret"}

        @marshal_with(spec, envelope="user")
        async def post(self, user_id: int) -> Any:
            return {"id": user_id, "name": "new", "password": "secret"}, 201, {"X-New": "1"}

    class Numbers(Resource):
        @marshal_with_field(fields.List(fields.Integer))
        def get(self) -> Any:
            return ["1", 2, 3.0]

        @marshal_with_field(fields.Integer)
        async def post(self) -> Any:
            return "5", 202

    api.add_resource(User, "/users/<int:user_id>")
    api.add_resource(Numbers, "/numbers")
    assert client.get("/users/3").json == {"id": 3, "name": "ann"}
    rv = client.post("/users/4")
    assert (rv.status_code, rv.json, rv.headers["X-New"]) == (
        201,
        {"user": {"id": 4, "name": "new"}},
        "1",
    )
    assert client.get("/numbers").json == [1, 2, 3]
    rv = client.post("/numbers")
    assert (rv.status_code, rv.json) == (202, 5)


def test_marshal_with_url_field_in_a_request(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)
    spec = {"name": fields.String, "uri": fields.Url("item", absolute=True)}

    class Item(Resource):
        @marshal_with(spec)
        def get(self, item_id: int) -> Any:
            return {"item_id": item_id, "name": f"item {item_id}"}

    api.add_resource(Item, "/items/<int:item_id>")
    assert client.get("/items/2").json == {"name": "item 2", "uri": "http://localhost/items/2"}


# -- inputs -------------------------------------------------------------------------------


def test_url_input() -> None:
    for good in (
        "http://example.com",
        "https://user:pw@example.com:8080/path?q=1",
        "ftp://127.0.0.1/file",
        "http://localhost:5000",
        "http://[::1]:80/",
    ):
        assert inputs.url(good) == good
    with pytest.raises(
        ValueError, match=r"^example.com is not a valid URL. Did you mean: http://example.com$"
    ):
        inputs.url("example.com")
    with pytest.raises(ValueError, match=r"^javascript:alert\(1\) is not a valid URL$"):
        inputs.url("javascript:alert(1)")


def test_regex_input() -> None:
    digits = inputs.regex(r"^[0-9]+$")
    assert digits("123") == "123"
    with pytest.raises(ValueError, match=r'Value does not match pattern: "\^\[0-9\]\+\$"'):
        digits("12a")
    ci = copy.deepcopy(inputs.regex("^abc$", flags=2))
    assert ci("ABC") == "ABC"


def test_number_inputs() -> None:
    assert inputs.natural("0") == 0
    assert inputs.positive(3) == 3
    with pytest.raises(ValueError, match=r"Invalid argument: -1\. argument must be a non-negative"):
        inputs.natural("-1")
    with pytest.raises(ValueError, match=r"Invalid page: 0\. page must be a positive integer"):
        inputs.positive("0", "page")
    with pytest.raises(ValueError, match="x is not a valid integer"):
        inputs.positive("x")
    rng = inputs.int_range(1, 10, argument="n")
    assert rng("10") == 10
    with pytest.raises(ValueError, match=r"Invalid n: 11\. n must be within the range 1 - 10"):
        rng("11")


def test_boolean_input() -> None:
    assert inputs.boolean("TRUE") is True
    assert inputs.boolean("1") is True
    assert inputs.boolean("false") is False
    assert inputs.boolean("0") is False
    assert inputs.boolean(False) is False
    with pytest.raises(ValueError, match="boolean type must be non-null"):
        inputs.boolean("")
    with pytest.raises(ValueError, match="Invalid literal for boolean\\(\\): yes"):
        inputs.boolean("yes")


def test_date_inputs() -> None:
    assert inputs.date("2024-02-29") == dt.datetime(2024, 2, 29)
    with pytest.raises(ValueError):
        inputs.date("2024-02-30")
    assert inputs.datetime_from_rfc822("Wed, 02 Oct 2002 08:00:00 EST") == dt.datetime(
        2002, 10, 2, 13, 0, tzinfo=dt.UTC
    )
    with pytest.raises(ValueError, match="not a valid RFC 822 date"):
        inputs.datetime_from_rfc822("yesterday")
    parsed = inputs.datetime_from_iso8601("2012-01-01T23:30:00+02:00")
    assert parsed == dt.datetime(2012, 1, 1, 21, 30, tzinfo=dt.UTC)
    assert parsed.utcoffset() == dt.timedelta(hours=2)
    assert inputs.datetime_from_iso8601("2012-01-01T23:30:00") == dt.datetime(2012, 1, 1, 23, 30)
    for bad in ("2012-01-01", "nonsense", "2012-13-01T00:00:00"):
        with pytest.raises(ValueError, match="not a valid ISO 8601 date and time"):
            inputs.datetime_from_iso8601(bad)


UTC = dt.UTC


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2013-01-01", dt.datetime(2013, 1, 1, tzinfo=UTC), dt.datetime(2013, 1, 2, tzinfo=UTC)),
        (
            "2013-01-01T12",
            dt.datetime(2013, 1, 1, 12, tzinfo=UTC),
            dt.datetime(2013, 1, 1, 13, tzinfo=UTC),
        ),
        (
            "2013-01-01T12:30",
            dt.datetime(2013, 1, 1, 12, 30, tzinfo=UTC),
            dt.datetime(2013, 1, 1, 12, 31, tzinfo=UTC),
        ),
        (
            "2013-01-01T12:30:15+01:00",
            dt.datetime(2013, 1, 1, 11, 30, 15, tzinfo=UTC),
            dt.datetime(2013, 1, 1, 11, 30, 16, tzinfo=UTC),
        ),
        (
            "2013-01-01/2013-02-28",
            dt.datetime(2013, 1, 1, tzinfo=UTC),
            dt.datetime(2013, 2, 28, tzinfo=UTC),
        ),
        (
            "2013-01-01/P3D",
            dt.datetime(2013, 1, 1, tzinfo=UTC),
            dt.datetime(2013, 1, 4, tzinfo=UTC),
        ),
        (
            "2013-01-01T12:00/PT30M",
            dt.datetime(2013, 1, 1, 12, tzinfo=UTC),
            dt.datetime(2013, 1, 1, 12, 30, tzinfo=UTC),
        ),
        (
            "2013-01-01T06:00/2013-01-01T12:00",
            dt.datetime(2013, 1, 1, 6, tzinfo=UTC),
            dt.datetime(2013, 1, 1, 12, tzinfo=UTC),
        ),
        (
            "2013-01-31/P1M",
            dt.datetime(2013, 1, 31, tzinfo=UTC),
            dt.datetime(2013, 2, 28, tzinfo=UTC),
        ),
        (
            "P1Y2M/2014-03-01",
            dt.datetime(2013, 1, 1, tzinfo=UTC),
            dt.datetime(2014, 3, 1, tzinfo=UTC),
        ),
        (
            "2013-01-01/PT36H",
            dt.datetime(2013, 1, 1, tzinfo=UTC),
            dt.datetime(2013, 1, 2, 12, tzinfo=UTC),
        ),
        (
            "2013-01-02/2013-01-01",
            dt.datetime(2013, 1, 1, tzinfo=UTC),
            dt.datetime(2013, 1, 2, tzinfo=UTC),
        ),
    ],
)
def test_iso8601interval(value: str, start: dt.datetime, end: dt.datetime) -> None:
    assert inputs.iso8601interval(value) == (start, end)


@pytest.mark.parametrize("value", ["", "2013", "2013-01-01/P", "P1D", "2013-01-01/XYZ", "a/b"])
def test_iso8601interval_rejects(value: str) -> None:
    with pytest.raises(ValueError, match="must be a valid ISO8601 date/time interval"):
        inputs.iso8601interval(value, "when")
