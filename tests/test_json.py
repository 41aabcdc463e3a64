"""erlen.json and erlen.json.provider: conversions, jsonify, and orjson/stdlib identity."""

from __future__ import annotations

import dataclasses
import decimal
import enum
import io
import json
import math
import uuid
from collections import OrderedDict, defaultdict, namedtuple
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

import erlen.json as ejson
from erlen import Erlen
from erlen.globals import _cv_app
from erlen.json import provider as provider_module
from erlen.json.provider import DefaultJSONProvider, JSONProvider, _fast_dumps, _fast_loads
from erlen.testing import ErlenClient
from erlen.wrappers import Response

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]

# --- a minimal stand-in app and context -----------------------------------------------------


class StandInApp:
    """What a provider needs from an app: ``debug`` and ``response_class``."""

    response_class = Response

    def __init__(self, debug: bool = False) -> None:
        self.debug = debug
        self.json = DefaultJSONProvider(self)


class _Ctx:
    def __init__(self, app: Any) -> None:
        self.app = app


@pytest.fixture
def app() -> StandInApp:
    return StandInApp()


@pytest.fixture
def app_ctx(app: StandInApp) -> Iterator[StandInApp]:
    var: ContextVar[Any] = _cv_app
    token = var.set(_Ctx(app))
    try:
        yield app
    finally:
        var.reset(token)


@pytest.fixture
def stdlib(app: StandInApp) -> DefaultJSONProvider:
    provider = DefaultJSONProvider(app)
    provider.use_orjson = False
    return provider


# --- the default function -------------------------------------------------------------------


@dataclasses.dataclass
class Point:
    x: int
    y: float
    label: str = "p"


@dataclasses.dataclass
class Line:
    start: Point
    end: Point
    tags: list[str] = dataclasses.field(default_factory=list)


class Color(enum.Enum):
    RED = "red"
    ONE = 1


class Level(enum.IntEnum):
    LOW = 1


class HTMLThing:
    def __html__(self) -> str:
        return "<b>bold</b>"


def test_default_datetime_naive_is_utc(app: StandInApp) -> None:
    assert app.json.dumps(datetime(2015, 10, 21, 7, 28, 0)) == '"Wed, 21 Oct 2015 07:28:00 GMT"'


def test_default_datetime_aware_is_converted_to_utc(app: StandInApp) -> None:
    tz = timezone(timedelta(hours=2))
    value = datetime(2015, 10, 21, 9, 28, 0, 999_999, tzinfo=tz)
    assert app.json.dumps(value) == '"Wed, 21 Oct 2015 07:28:00 GMT"'


def test_default_date_is_midnight_utc(app: StandInApp) -> None:
    assert app.json.dumps(date(2020, 2, 29)) == '"Sat, 29 Feb 2020 00:00:00 GMT"'


def test_default_other_types(app: StandInApp) -> None:
    u = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert app.json.dumps(decimal.Decimal("1.10")) == '"1.10"'
    assert app.json.dumps(u) == '"12345678-1234-5678-1234-567812345678"'
    assert app.json.dumps(HTMLThing()) == '"<b>bold</b>"'
    assert app.json.dumps(Markup("<i>x</i>")) == '"<i>x</i>"'
    assert app.json.dumps(Color.RED) == '"red"'
    assert app.json.dumps(Level.LOW) == "1"


def test_default_nested_dataclass(app: StandInApp) -> None:
    line = Line(Point(1, 2.5), Point(3, 4.0, "end"), ["a"])
    assert json.loads(app.json.dumps(line)) == {
        "start": {"x": 1, "y": 2.5, "label": "p"},
        "end": {"x": 3, "y": 4.0, "label": "end"},
        "tags": ["a"],
    }


@pytest.mark.parametrize("value", [object(), {1, 2}, b"bytes", time(12, 0), Point, 1j])
def test_default_rejects_unknown_types(app: StandInApp, value: Any) -> None:
    with pytest.raises(TypeError, match=f"Object of type {type(value).__name__} is not JSON"):
        app.json.dumps(value)


def test_default_is_overridable(app: StandInApp) -> None:
    class SetProvider(DefaultJSONProvider):
        @staticmethod
        def default(o: Any) -> Any:
            if isinstance(o, set):
                return sorted(o)
            return DefaultJSONProvider.default(o)

    provider = SetProvider(app)
    assert provider.dumps({"s": {3, 1, 2}, "d": date(2000, 1, 1)}) == (
        '{"d": "Sat, 01 Jan 2000 00:00:00 GMT", "s": [1, 2, 3]}'
    )


# --- dumps / loads settings -----------------------------------------------------------------


def test_dumps_defaults_sort_and_escape(app: StandInApp) -> None:
    assert app.json.dumps({"b": 1, "a": "é中"}) == '{"a": "\\u00e9\\u4e2d", "b": 1}'


def test_dumps_attributes_change_output(app: StandInApp) -> None:
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    assert app.json.dumps({"b": 1, "a": "é中"}) == '{"b": 1, "a": "é中"}'


def test_dumps_kwargs_override_attributes(app: StandInApp) -> None:
    assert app.json.dumps({"b": [1], "a": 2}, sort_keys=False, separators=(",", ":")) == (
        '{"b":[1],"a":2}'
    )
    assert app.json.dumps({"a": [1]}, indent=1) == '{\n "a": [\n  1\n ]\n}'


def test_dump_and_load_files(app: StandInApp) -> None:
    buffer = io.StringIO()
    app.json.dump({"a": date(2000, 1, 1)}, buffer)
    assert buffer.getvalue() == '{"a": "Sat, 01 Jan 2000 00:00:00 GMT"}'
    buffer.seek(0)
    assert app.json.load(buffer) == {"a": "Sat, 01 Jan 2000 00:00:00 GMT"}
    assert app.json.load(io.BytesIO(b'{"x": [1, 2.5]}')) == {"x": [1, 2.5]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": [1, 2.5, null, true]}', {"a": [1, 2.5, None, True]}),
        (b'{"a": "\\u00e9"}', {"a": "é"}),
        ("é".join(['"', '"']).encode("utf-16"), "é"),
        (b'\xef\xbb\xbf{"bom": 1}', {"bom": 1}),
        (str(2**70), 2**70),
        (f"[{-(2**64)}, {2**64 - 1}]", [-(2**64), 2**64 - 1]),
        ('"\\ud800"', "\ud800"),
        ("1E400", math.inf),
    ],
)
@pytest.mark.parametrize("use_orjson", [True, False])
def test_loads_matches_the_stdlib(
    app: StandInApp, text: str | bytes, expected: Any, use_orjson: bool
) -> None:
    app.json.use_orjson = use_orjson
    result = app.json.loads(text)
    assert result == expected
    assert type(result) is type(expected)


def test_loads_nan_like_the_stdlib(app: StandInApp) -> None:
    assert math.isnan(app.json.loads("NaN"))
    assert app.json.loads("[-Infinity]") == [-math.inf]


@pytest.mark.parametrize("text", ["", "{", "[1,]", "{'a': 1}", "01", b"\xff\xfe\x00", "tru"])
@pytest.mark.parametrize("use_orjson", [True, False])
def test_loads_invalid_raises_value_error(
    app: StandInApp, text: str | bytes, use_orjson: bool
) -> None:
    app.json.use_orjson = use_orjson
    with pytest.raises(ValueError):
        app.json.loads(text)


@pytest.mark.parametrize("use_orjson", [True, False])
def test_loads_deep_nesting_is_a_value_error_not_recursion(
    app: StandInApp, use_orjson: bool
) -> None:
    app.json.use_orjson = use_orjson
    with pytest.raises(json.JSONDecodeError, match="nested too deeply"):
        app.json.loads("[" * 200_000 + "]" * 200_000)


def test_loads_kwargs_go_to_the_stdlib(app: StandInApp) -> None:
    assert app.json.loads('{"a": 1.5}', parse_float=decimal.Decimal) == {
        "a": decimal.Decimal("1.5")
    }


# --- response -------------------------------------------------------------------------------


def test_response_compact_with_newline(app: StandInApp) -> None:
    rv = app.json.response({"b": [1, 2], "a": None})
    assert isinstance(rv, Response)
    assert rv.status_code == 200
    assert rv.mimetype == "application/json"
    assert rv.headers["Content-Type"] == "application/json"
    assert rv.get_data() == b'{"a":null,"b":[1,2]}\n'


def test_response_argument_forms(app: StandInApp) -> None:
    assert app.json.response().get_data() == b"null\n"
    assert app.json.response(1).get_data() == b"1\n"
    assert app.json.response([1]).get_data() == b"[1]\n"
    assert app.json.response(1, "a").get_data() == b'[1,"a"]\n'
    assert app.json.response(b=1, a=2).get_data() == b'{"a":2,"b":1}\n'
    with pytest.raises(TypeError, match="either args or kwargs"):
        app.json.response(1, a=2)


def test_response_indented_in_debug() -> None:
    app = StandInApp(debug=True)
    assert app.json.response(a=[1]).get_data() == b'{\n  "a": [\n    1\n  ]\n}\n'


@pytest.mark.parametrize(("compact", "debug"), [(True, True), (False, False)])
def test_response_compact_attribute_wins_over_debug(compact: bool, debug: bool) -> None:
    app = StandInApp(debug=debug)
    app.json.compact = compact
    body = app.json.response(a=1).get_data()
    assert body == (b'{"a":1}\n' if compact else b'{\n  "a": 1\n}\n')


def test_response_mimetype_attribute(app: StandInApp) -> None:
    app.json.mimetype = "application/vnd.api+json"
    assert app.json.response([]).headers["Content-Type"] == "application/vnd.api+json"


def test_response_non_ascii_escaped_then_utf8(app: StandInApp) -> None:
    assert app.json.response("中").get_data() == b'"\\u4e2d"\n'
    app.json.ensure_ascii = False
    assert app.json.response("中").get_data() == '"中"\n'.encode()


def test_response_uses_the_providers_dumps() -> None:
    class Upper(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return super().dumps(obj, **kwargs).upper()

    app = StandInApp()
    app.json = Upper(app)
    assert app.json.response("abc").get_data() == b'"ABC"\n'


def test_base_provider() -> None:
    class Minimal(JSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return repr(obj)

        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return ("parsed", s)

    app = StandInApp()
    provider = Minimal(app)
    rv = provider.response(1, 2)
    assert rv.get_data() == b"(1, 2)"  # several args arrive as a tuple (a JSON array)
    assert rv.mimetype == "application/json"
    buffer = io.StringIO()
    provider.dump({"a": 1}, buffer)
    assert buffer.getvalue() == "{'a': 1}"
    assert provider.load(io.StringIO("x")) == ("parsed", "x")
    with pytest.raises(NotImplementedError):
        JSONProvider(app).dumps(1)
    with pytest.raises(NotImplementedError):
        JSONProvider(app).loads("1")


def test_provider_holds_its_app_weakly() -> None:
    import gc
    import weakref

    app = StandInApp()
    ref = weakref.ref(app)
    provider = app.json
    del app
    gc.collect()
    assert ref() is None
    with pytest.raises(ReferenceError):
        provider.response(1)


# --- erlen.json module functions ------------------------------------------------------------


def test_module_functions_without_app_context() -> None:
    assert _cv_app.get(None) is None
    assert ejson.dumps({"b": date(2000, 1, 1), "a": 1}) == (
        '{"b": "Sat, 01 Jan 2000 00:00:00 GMT", "a": 1}'
    )
    assert ejson.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a": 2, "b": 1}'
    assert ejson.loads('{"a": [1]}') == {"a": [1]}
    buffer = io.StringIO()
    ejson.dump({"u": uuid.UUID(int=1)}, buffer)
    assert buffer.getvalue() == '{"u": "00000000-0000-0000-0000-000000000001"}'
    assert ejson.load(io.StringIO("[true]")) == [True]


def test_module_functions_use_the_current_app(app_ctx: StandInApp) -> None:
    app_ctx.json.ensure_ascii = False
    assert ejson.dumps({"b": "é", "a": 1}) == '{"a": 1, "b": "é"}'
    buffer = io.StringIO()
    ejson.dump({"b": 1, "a": 2}, buffer)
    assert buffer.getvalue() == '{"a": 2, "b": 1}'

    class Tagged(DefaultJSONProvider):
        def loads(self, s: str | bytes, **kwargs: Any) -> Any:
            return ("tagged", super().loads(s, **kwargs))

    app_ctx.json = Tagged(app_ctx)
    assert ejson.loads("1") == ("tagged", 1)
    assert ejson.load(io.StringIO("2")) == ("tagged", 2)


def test_jsonify(app_ctx: StandInApp) -> None:
    rv = ejson.jsonify(name="alice", id=1)
    assert isinstance(rv, Response)
    assert rv.get_data() == b'{"id":1,"name":"alice"}\n'
    assert rv.mimetype == "application/json"
    assert ejson.jsonify([1, 2]).get_data() == b"[1,2]\n"
    assert ejson.jsonify(1, 2).get_data() == b"[1,2]\n"
    assert ejson.jsonify().get_data() == b"null\n"
    with pytest.raises(TypeError):
        ejson.jsonify(1, a=1)


def test_jsonify_outside_app_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        ejson.jsonify(a=1)


# --- orjson and the stdlib produce identical output ------------------------------------------

Pair = namedtuple("Pair", "a b")


def _corpus() -> list[Any]:
    return [
        {},
        [],
        "",
        0,
        -1,
        True,
        None,
        2**63 - 1,
        -(2**63),
        2**64,
        10**30,
        {"ascii": "hello", "zh": "你好,世界", "emoji": "😀", "mixed": "é\u2028\u2029\x7f"},
        {"controls": "".join(map(chr, range(32))), "quotes": '"\\/', "del": "\x7f"},
        ["lone surrogate \ud800", "\udfff"],
        [
            0.1,
            1 / 3,
            2.5,
            100.0,
            -0.0,
            1e15,
            1e16,
            1e-4,
            1e-5,
            1e-7,
            5e-324,
            1.7976931348623157e308,
        ],
        [123456.789, 0.00012345, 0.000012345, 12345678901234567.0, 1e22],
        [math.nan, math.inf, -math.inf],
        {"nested": {"deeper": {"deepest": [1, {"x": [2, [3, [4]]]}]}}},
        {"b": 1, "a": 2, "é": 3, "😀": 4, "\uffff": 5, "A": 6, "": 7},
        {"dt": datetime(2020, 1, 2, 3, 4, 5), "d": date(1999, 12, 31)},
        {"aware": datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)},
        {"dec": decimal.Decimal("3.14159265358979323846"), "uuid": uuid.UUID(int=2**100)},
        Line(Point(1, 0.5), Point(-2, 1e-9, "é"), ["t"]),
        [Markup("<b>"), HTMLThing()],
        [Color.RED, Color.ONE, Level.LOW],
        OrderedDict([("z", 1), ("a", 2)]),
        defaultdict(list, {"k": [1]}),
        Pair(1, "two"),
        (1, (2, 3)),
        {"with null": None, "and": [None]},
        {"text": "e0 0.0000 null 00000000000000000.0"},
        "x" * 10_000,
        [{"id": i, "name": f"user{i}", "active": i % 2 == 0} for i in range(50)],
        [
            [
                [
                    [
                        [
                            [
                                [
                                    [
                                        [
                                            [
                                                [
                                                    [
                                                        [
                                                            [
                                                                [
                                                                    [
                                                                        [
                                                                            [
                                                                                [
                                                                                    [
                                                                                        [
                                                                                            [
                                                                                                [
                                                                                                    [
                                                                                                        [
                                                                                                            [
                                                                                                                [
                                                                                                                    [
                                                                                                                        [
                                                                                                                            [
                                                                                                                                [
                                                                                                                                    [
                                                                                                                                        [
                                                                                                                                            [
                                                                                                                                                [
                                                                                                                                                    [
                                                                                                                                                        [
                                                                                                                                                            [
                                                                                                                                                                [
                                                                                                                                                                    [
                                                                                                                                                                        [
                                                                                                                                                                            [
                                                                                                                                                                                [
                                                                                                                                                                                    [
                                                                                                                                                                                        [
                                                                                                                                                                                            [
                                                                                                                                                                                                [
                                                                                                                                                                                                    [
                                                                                                                                                                                                        [
                                                                                                                                                                                                            [
                                                                                                                                                                                                                1
                                                                                                                                                                                                            ]
                                                                                                                                                                                                        ]
                                                                                                                                                                                                    ]
                                                                                                                                                                                                ]
                                                                                                                                                                                            ]
                                                                                                                                                                                        ]
                                                                                                                                                                                    ]
                                                                                                                                                                                ]
                                                                                                                                                                            ]
                                                                                                                                                                        ]
                                                                                                                                                                    ]
                                                                                                                                                                ]
                                                                                                                                                            ]
                                                                                                                                                        ]
                                                                                                                                                    ]
                                                                                                                                                ]
                                                                                                                                            ]
                                                                                                                                        ]
                                                                                                                                    ]
                                                                                                                                ]
                                                                                                                            ]
                                                                                                                        ]
                                                                                                                    ]
                                                                                                                ]
                                                                                                            ]
                                                                                                        ]
                                                                                                    ]
                                                                                                ]
                                                                                            ]
                                                                                        ]
                                                                                    ]
                                                                                ]
                                                                            ]
                                                                        ]
                                                                    ]
                                                                ]
                                                            ]
                                                        ]
                                                    ]
                                                ]
                                            ]
                                        ]
                                    ]
                                ]
                            ]
                        ]
                    ]
                ]
            ]
        ],
        {1: "int key", "s": 2},
        {True: 1, None: 2, 1.5: 3},
    ]


_KWARG_SETS: list[dict[str, Any]] = [
    {},
    {"separators": (",", ":")},
    {"separators": [",", ":"]},
    {"indent": 2},
    {"indent": 2, "separators": (",", ": ")},
    {"indent": 4},
    {"indent": "  "},
    {"indent": 2, "separators": (",", ":")},
    {"separators": (", ", ":")},
    {"allow_nan": False},
]


def _compare(obj: Any, ensure_ascii: bool, sort_keys: bool, kwargs: dict[str, Any]) -> None:
    app = StandInApp()
    fast = DefaultJSONProvider(app)
    slow = DefaultJSONProvider(app)
    slow.use_orjson = False
    for provider in (fast, slow):
        provider.ensure_ascii = ensure_ascii
        provider.sort_keys = sort_keys

    def run(provider: DefaultJSONProvider) -> tuple[str, Any]:
        try:
            return "ok", provider.dumps(obj, **kwargs)
        except (TypeError, ValueError) as e:
            return "error", (type(e), str(e))

    assert run(fast) == run(slow)


@pytest.mark.parametrize("kwargs", _KWARG_SETS, ids=repr)
@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("sort_keys", [True, False])
def test_orjson_and_stdlib_identical_on_corpus(
    kwargs: dict[str, Any], ensure_ascii: bool, sort_keys: bool
) -> None:
    for obj in _corpus():
        _compare(obj, ensure_ascii, sort_keys, kwargs)


def test_orjson_identical_to_plain_stdlib_json() -> None:
    for obj in _corpus():
        try:
            expected = json.dumps(
                obj, default=provider_module._default, sort_keys=True, separators=(",", ":")
            )
        except (TypeError, ValueError):
            continue
        assert StandInApp().json.dumps(obj, separators=(",", ":")) == expected


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.dates()
    | st.datetimes()
    | st.decimals(allow_nan=False)
    | st.uuids()
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(
    obj=json_values,
    ensure_ascii=st.booleans(),
    sort_keys=st.booleans(),
    kwargs=st.sampled_from(_KWARG_SETS[:5]),
)
def test_orjson_and_stdlib_identical_property(
    obj: Any, ensure_ascii: bool, sort_keys: bool, kwargs: dict[str, Any]
) -> None:
    _compare(obj, ensure_ascii, sort_keys, kwargs)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_formats_identical_property(value: float) -> None:
    _compare([value, {"v": value}], True, True, {"separators": (",", ":")})


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_loads_identical_property(obj: Any) -> None:
    text = json.dumps(obj)
    app = StandInApp()
    fast = app.json.loads(text)
    fast_bytes = app.json.loads(text.encode())
    expected = json.loads(text)
    assert repr(fast) == repr(expected)
    assert repr(fast_bytes) == repr(expected)


def _kwargs(**extra: Any) -> dict[str, Any]:
    return {"default": provider_module._default, "ensure_ascii": True, "sort_keys": True, **extra}


def test_fast_path_is_taken_for_plain_payloads() -> None:
    pytest.importorskip("orjson")
    users = [{"id": i, "name": f"user{i}", "score": i * 1.5} for i in range(20)]
    rv = _fast_dumps(users, _kwargs(separators=(",", ":")))
    assert rv == json.dumps(users, sort_keys=True, separators=(",", ":"))
    assert _fast_dumps({"a": [1]}, _kwargs(indent=2)) == '{\n  "a": [\n    1\n  ]\n}'
    assert _fast_dumps("é", _kwargs(separators=(",", ":"), ensure_ascii=False)) == '"é"'
    assert _fast_dumps({"d": date(2000, 1, 1), "p": Point(1, 2.0)}, _kwargs(separators=(",", ":")))
    assert _fast_loads(b'{"a": [1, 2.5]}') == {"a": [1, 2.5]}


@pytest.mark.parametrize(
    ("obj", "kwargs"),
    [
        ({"a": None, "b": math.nan}, _kwargs(separators=(",", ":"))),
        ([math.nan], _kwargs(separators=(",", ":"))),
        ([1e16], _kwargs(separators=(",", ":"))),
        ([1e-5], _kwargs(separators=(",", ":"))),
        (["é"], _kwargs(separators=(",", ":"))),
        ([2**64], _kwargs(separators=(",", ":"))),
        (OrderedDict(a=1), _kwargs(separators=(",", ":"))),
        ({1: 2}, _kwargs(separators=(",", ":"))),
        ({"a": 1}, _kwargs()),
        ({"a": 1}, _kwargs(indent=4)),
        ({"a": 1}, _kwargs(separators=(",", ":"), allow_nan=False)),
        ({"a": 1}, {**_kwargs(separators=(",", ":")), "default": str}),
    ],
    ids=repr,
)
def test_fast_path_declines_where_output_could_differ(obj: Any, kwargs: dict[str, Any]) -> None:
    assert _fast_dumps(obj, kwargs) is None


@pytest.mark.parametrize(
    "data", [b"NaN", b"\xef\xbb\xbf1", str(2**64).encode(), b"[1,", "\ud800", bytearray(b"1")]
)
def test_fast_loads_declines(data: Any) -> None:
    assert _fast_loads(data) is provider_module._MISS


# --- Flask compatibility --------------------------------------------------------------------


def test_same_output_as_flask() -> None:
    flask = pytest.importorskip("flask")
    flask_app = flask.Flask(__name__)
    app = StandInApp()
    for obj in _corpus():
        if isinstance(obj, list) and obj and isinstance(obj[0], Color):
            continue  # erlen encodes plain Enum members; Flask raises TypeError
        try:
            expected: Any = flask_app.json.dumps(obj)
        except (TypeError, ValueError) as e:
            expected = type(e)
        try:
            got: Any = app.json.dumps(obj)
        except (TypeError, ValueError) as e:
            got = type(e)
        assert got == expected, obj
        with flask_app.app_context():
            try:
                expected = flask_app.json.response(obj).get_data()
            except (TypeError, ValueError) as e:
                expected = type(e)
        try:
            got = app.json.response(obj).get_data()
        except (TypeError, ValueError) as e:
            got = type(e)
        assert got == expected, obj


def test_fast_loads_refuses_deep_documents_on_unbounded_orjson(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("orjson")
    monkeypatch.setattr(provider_module, "_ORJSON_LOADS_BOUNDED", False)
    shallow = b"[" + b"[1]," * 998 + b"[1]]"
    assert _fast_loads(shallow) == [[1]] * 999
    deep = b"[" * 1001 + b"]" * 1001
    assert _fast_loads(deep) is provider_module._MISS


# --- through a real app ---------------------------------------------------------------------


@pytest.fixture
def real_app() -> Any:
    from erlen import Erlen, jsonify, request

    app = Erlen(__name__)

    @app.route("/jsonify")
    def view_jsonify() -> Any:
        return jsonify({"key": "value", "when": date(2024, 5, 1)})

    @app.route("/dict")
    def view_dict() -> Any:
        return {"b": 1, "a": [decimal.Decimal("1.5")]}

    @app.post("/echo")
    def echo() -> Any:
        return jsonify(request.get_json())

    return app


def test_app_json_is_the_default_provider(real_app: Any) -> None:
    assert isinstance(real_app.json, DefaultJSONProvider)


def test_jsonify_in_a_view(real_app: Any, make_client: MakeClient) -> None:
    rv = make_client(real_app).get("/jsonify")
    assert rv.status_code == 200
    assert rv.headers["Content-Type"] == "application/json"
    assert rv.data == b'{"key":"value","when":"Wed, 01 May 2024 00:00:00 GMT"}\n'


def test_dict_return_value_uses_the_provider(real_app: Any, make_client: MakeClient) -> None:
    real_app.json.sort_keys = False
    rv = make_client(real_app).get("/dict")
    assert rv.data == b'{"b":1,"a":["1.5"]}\n'


def test_debug_mode_indents(real_app: Any, make_client: MakeClient) -> None:
    real_app.debug = True
    assert make_client(real_app).get("/dict").data == (
        b'{\n  "a": [\n    "1.5"\n  ],\n  "b": 1\n}\n'
    )


def test_request_json_goes_through_the_provider(real_app: Any, make_client: MakeClient) -> None:
    rv = make_client(real_app).post("/echo", json={"z": [1, 2**70], "a": "é"})
    assert rv.status_code == 200
    assert json.loads(rv.data) == {"z": [1, 2**70], "a": "é"}


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1,", b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe\xfa"]
)
def test_bad_request_json_is_a_400(real_app: Any, body: bytes, make_client: MakeClient) -> None:
    rv = make_client(real_app).post("/echo", data=body, content_type="application/json")
    assert rv.status_code == 400


def test_module_functions_inside_a_real_app_context(real_app: Any) -> None:
    real_app.json.ensure_ascii = False
    with real_app.app_context():
        assert ejson.dumps(["é"]) == '["é"]'
        assert ejson.jsonify("é").get_data() == '"é"\n'.encode()
    assert ejson.dumps(["é"]) == '["\\u00e9"]'


# --- response(): the settings go straight to orjson when nothing overrides them ----------


@pytest.mark.parametrize(
    "payload",
    [
        {"id": 42, "name": "widget", "tags": ["a", "b"]},
        {"b": 1, "a": "é\u2028", "c": "\x7f"},
        {"big": 1e16, "small": 1e-5, "x": 0.1},
        {"none": None, "t": True, "f": False},
        {"d": date(2000, 1, 2), "u": uuid.UUID(int=5), "e": "name-e1"},
    ],
)
@pytest.mark.parametrize("sort_keys", [True, False])
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_response_matches_the_stdlib(
    app: StandInApp, payload: Any, sort_keys: bool, ensure_ascii: bool
) -> None:
    app.json.sort_keys = sort_keys
    app.json.ensure_ascii = ensure_ascii
    stdlib = DefaultJSONProvider(app)
    stdlib.use_orjson = False
    stdlib.sort_keys = sort_keys
    stdlib.ensure_ascii = ensure_ascii
    assert app.json.response(payload).get_data() == stdlib.response(payload).get_data()
    expected = json.dumps(
        payload,
        default=provider_module._default,
        sort_keys=sort_keys,
        ensure_ascii=ensure_ascii,
        separators=(",", ":"),
    )
    assert app.json.response(payload).get_data(as_text=True) == expected + "\n"


def test_response_honours_overridden_dumps_and_default(app: StandInApp) -> None:
    class Upper(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return super().dumps(obj, **kwargs).upper()

    class Sets(DefaultJSONProvider):
        @staticmethod
        def default(o: Any) -> Any:
            if isinstance(o, set):
                return sorted(o)
            return DefaultJSONProvider.default(o)

    assert Upper(app).response({"a": "b"}).get_data() == b'{"A":"B"}\n'
    assert Sets(app).response({"s": {2, 1}}).get_data() == b'{"s":[1,2]}\n'
    instance = DefaultJSONProvider(app)
    instance.default = lambda o: "custom"
    assert instance.response({"o": object()}).get_data() == b'{"o":"custom"}\n'
    assert app.json.response(1, 2).get_data() == b"[1,2]\n"
    assert app.json.response(a=1).get_data() == b'{"a":1}\n'
    assert app.json.response().get_data() == b"null\n"


def test_jsonify_falls_back_to_the_stdlib_without_a_second_orjson_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Any] = []
    real = provider_module._orjson_text

    def counting(*args: Any) -> Any:
        calls.append(args[0])
        return real(*args)

    monkeypatch.setattr(provider_module, "_orjson_text", counting)
    from erlen import Erlen

    app = Erlen(__name__)
    with app.app_context():
        # Non-ASCII text (escaped by the stdlib) and None (null) both decline orjson.
        for value in ({"city": "Zürich"}, {"note": None, "n": math.inf}):
            calls.clear()
            body = app.json.response(value).get_data(as_text=True)
            assert body == json.dumps(value, sort_keys=True, separators=(",", ":")) + "\n"
            assert len(calls) == 1


def test_dict_return_value_is_what_the_provider_responds() -> None:
    """A view returning a dict gets app.json.response's response, whichever
    way that is built: with erlen's own response class, a custom class, a
    provider subclass or an instance override."""
    from erlen import Erlen
    from erlen.json.provider import DefaultJSONProvider
    from erlen.wrappers import Response as ErlenResponse

    data = {"b": [1, 2.5, None], "a": "Zoë"}

    def shape(rv: Any) -> tuple[Any, ...]:
        return (type(rv), rv.status_code, list(rv.headers.items()), rv.get_data())

    app = Erlen(__name__)
    with app.app_context():
        expected = shape(app.json.response(data))
        assert shape(app.make_response(data)) == expected
        assert expected[3] == b'{"a":"Zo\\u00eb","b":[1,2.5,null]}\n'
        app.debug = True
        assert app.make_response(data).get_data() == app.json.response(data).get_data()
        assert b'\n  "a"' in app.make_response(data).get_data()

    class Custom(ErlenResponse):
        pass

    app = Erlen(__name__)
    app.response_class = Custom
    with app.app_context():
        assert type(app.make_response(data)) is Custom

    class Wrapping(DefaultJSONProvider):
        def response(self, *args: Any, **kwargs: Any) -> ErlenResponse:
            rv = super().response(*args, **kwargs)
            rv.headers["X-Provider"] = "subclass"
            return rv

    app = Erlen(__name__)
    app.json = Wrapping(app)
    with app.app_context():
        assert app.make_response(data).headers["X-Provider"] == "subclass"

    app = Erlen(__name__)
    original = app.json.response

    def tagged(*args: Any, **kwargs: Any) -> ErlenResponse:
        rv = original(*args, **kwargs)
        rv.headers["X-Provider"] = "instance"
        return rv

    app.json.response = tagged  # type: ignore[method-assign]
    with app.app_context():
        assert app.make_response(data).headers["X-Provider"] == "instance"


def test_a_subclass_settings_reach_every_response(make_client: MakeClient) -> None:
    # The provider copies its class's settings to the instance when it is
    # made (a speed-up): a subclass's own values are the ones copied.
    class Settings(DefaultJSONProvider):
        sort_keys = False
        ensure_ascii = False
        compact = False
        mimetype = "application/vnd.api+json"

        @staticmethod
        def default(o: Any) -> Any:
            if isinstance(o, set):
                return sorted(o)
            return provider_module._default(o)

    class App(Erlen):
        json_provider_class = Settings

    app = App(__name__)

    @app.get("/")
    def index() -> Any:
        return {"b": "ü", "a": {3, 1}}

    response = make_client(app).get("/")
    assert response.headers["Content-Type"] == "application/vnd.api+json"
    assert response.data == '{\n  "b": "ü",\n  "a": [\n    1,\n    3\n  ]\n}\n'.encode()
    # Changed on the app's provider after the first request: honoured.
    app.json.compact = True
    app.json.sort_keys = True
    app.json.ensure_ascii = True
    assert make_client(app).get("/").data == b'{"a":[1,3],"b":"\\u00fc"}\n'
