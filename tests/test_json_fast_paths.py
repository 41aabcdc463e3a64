"""erlen.json.provider's fast paths stay byte-identical to json.dumps.

Two of them: the standard library's C encoder called directly (no
JSONEncoder per call), and orjson's output escaped for ``ensure_ascii`` when
it has few non-ASCII characters.
"""

from __future__ import annotations

import dataclasses
import decimal
import enum
import json
import math
import struct
import sys
import threading
import uuid
from collections import OrderedDict
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erlen.json import provider as provider_module
from erlen.json.provider import (
    _BMP_ESCAPE_SHIFT,
    _DEFAULT_CALLS,
    _ESCAPE,
    _ESCAPE_SHIFT,
    _ITEM_BYTES,
    _ITEM_SAMPLE,
    _NONFINITE_CANDIDATES,
    _PROBE_TABLE,
    DefaultJSONProvider,
    _compact_dumps,
    _default,
    _escape_bmp,
    _only_finite_floats,
    _orjson_text,
)
from erlen.wrappers import Response

orjson = pytest.importorskip("orjson")

SORTED = orjson.OPT_SORT_KEYS


class StandInApp:
    """What a provider needs from an app: ``debug`` and ``response_class``."""

    response_class = Response

    def __init__(self) -> None:
        self.debug = False
        self.json = DefaultJSONProvider(self)


def stdlib(obj: Any, **kwargs: Any) -> str:
    options: dict[str, Any] = {
        "default": _default,
        "ensure_ascii": True,
        "sort_keys": True,
        "separators": (",", ":"),
    }
    options.update(kwargs)
    return json.dumps(obj, **options)


def outcome(call: Any) -> tuple[str, Any]:
    try:
        return "ok", call()
    except (TypeError, ValueError) as e:
        return "error", (type(e), str(e))


def padded(value: Any, extra: int) -> dict[str, Any]:
    """``value`` in a document of integers big enough to escape ``extra``
    UTF-8 bytes beyond one per character (sorted first: dense commas)."""
    count = max(30, extra * 30)
    return {"a_pad": list(range(100_000, 100_000 + count)), "value": value}


def escaped(obj: Any) -> str | None:
    """What the fast path writes for ``obj`` with ensure_ascii, or None."""
    assert provider_module._orjson_agrees()
    return _orjson_text(obj, SORTED, True)


def extra_bytes(text: str) -> int:
    return len(text.encode()) - len(text)


# --- json's C encoder called directly ------------------------------------------------------


class Custom:
    def __init__(self, n: int) -> None:
        self.n = n


def _corpus() -> list[Any]:
    return [
        None,
        True,
        0,
        -1,
        "",
        "é\x7f\u2028😀\ud800",
        2**63,
        -(2**200),
        [math.nan, math.inf, -math.inf, -0.0, 0.1, 1e16, 1e-7, 5e-324, 1.7976931348623157e308],
        {"b": 1, "a": [1, 2, {"c": None}], "é": "ü", "": 0},
        {1: "int", False: "bool", None: "none", 1.5: "float"},
        {2: "a", 1: "b", 3.5: "c"},
        {1: "x", "a": "y"},  # sort_keys: TypeError, as the stdlib
        {(1, 2): "tuple key"},  # TypeError for the key
        OrderedDict([("z", 1), ("a", 2)]),
        (1, (2, [3])),
        {"d": date(2000, 1, 2), "dec": decimal.Decimal("1.10"), "u": uuid.UUID(int=7)},
        [object()],
        {"deep": [[[[[[[[[[{"x": "y"}]]]]]]]]]]},
        "x" * 5000,
    ]


def test_the_c_encoder_is_in_use() -> None:
    # The import-time self-check keeps it where it writes what json.dumps does.
    assert json.encoder.c_make_encoder is not None
    assert provider_module._c_make_encoder is json.encoder.c_make_encoder
    assert provider_module._c_encoder_agrees()


@pytest.mark.parametrize("sort_keys", [True, False])
@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("obj", _corpus(), ids=repr)
def test_compact_dumps_is_json_dumps(obj: Any, ensure_ascii: bool, sort_keys: bool) -> None:
    assert outcome(lambda: _compact_dumps(obj, _default, ensure_ascii, sort_keys)) == outcome(
        lambda: stdlib(obj, ensure_ascii=ensure_ascii, sort_keys=sort_keys)
    )


def test_circular_reference_is_the_stdlibs_value_error() -> None:
    cyclic: dict[str, Any] = {"a": [1]}
    cyclic["a"].append(cyclic)
    listed: list[Any] = [1]
    listed.append(listed)
    app = StandInApp()
    for obj in (cyclic, listed):
        with pytest.raises(ValueError, match=r"^Circular reference detected$"):
            _compact_dumps(obj, _default, True, True)
        with pytest.raises(ValueError, match=r"^Circular reference detected$"):
            app.json.response(obj)
        with pytest.raises(ValueError, match=r"^Circular reference detected$"):
            app.json.dumps(obj, separators=(",", ":"))

    # A cycle through default() too.
    class Loop:
        pass

    loop = Loop()

    def back(o: Any) -> Any:
        return [loop]

    with pytest.raises(ValueError, match=r"^Circular reference detected$"):
        _compact_dumps(loop, back, True, True)
    # The same objects encode fine once the cycle is gone: nothing is left marked.
    assert _compact_dumps({"a": [1]}, _default, True, True) == '{"a":[1]}'


def test_dumps_calls_default_through_the_c_encoder() -> None:
    seen: list[int] = []

    def default(o: Any) -> Any:
        if isinstance(o, Custom):
            seen.append(o.n)
            return {"n": o.n}
        raise TypeError(f"no {type(o).__name__}")

    app = StandInApp()
    obj = {"b": Custom(2), "a": [Custom(1), "é"]}
    text = app.json.dumps(obj, default=default, separators=(",", ":"))
    assert text == json.dumps(
        obj, default=default, ensure_ascii=True, sort_keys=True, separators=(",", ":")
    )
    assert text == '{"a":[{"n":1},"\\u00e9"],"b":{"n":2}}'
    assert seen == [1, 2, 1, 2]
    with pytest.raises(TypeError, match=r"^no object$"):
        app.json.dumps([object()], default=default, separators=[",", ":"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"separators": (",", ":"), "allow_nan": False},
        {"separators": (",", ":"), "check_circular": False, "indent": None},
        {"separators": (",", ":"), "skipkeys": True},
        {"separators": (", ", ":")},
        {"separators": (",", ":"), "indent": 0},
        {"separators": (",", ":"), "default": None},
        {"separators": (",", ":"), "cls": json.JSONEncoder},
        {"separators": "xy"},
        {"separators": 5},
    ],
    ids=repr,
)
@pytest.mark.parametrize("use_orjson", [True, False])
def test_dumps_other_options_still_go_to_json_dumps(
    kwargs: dict[str, Any], use_orjson: bool
) -> None:
    app = StandInApp()
    app.json.use_orjson = use_orjson
    for obj in ([math.nan, "é"], {"a": 1, (1,): 2}, {"x": [1.5, {"y": None}]}):
        options = {"default": _default, "ensure_ascii": True, "sort_keys": True, **kwargs}
        assert outcome(lambda: app.json.dumps(obj, **kwargs)) == outcome(  # noqa: B023
            lambda: json.dumps(obj, **options)  # noqa: B023
        )


def test_without_c_make_encoder_json_dumps_does_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    real = json.dumps

    def counting(*args: Any, **kwargs: Any) -> str:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(provider_module, "_c_make_encoder", None)
    monkeypatch.setattr(json, "dumps", counting)
    app = StandInApp()
    obj = {"city": "Zürich", "none": None, "n": [math.nan, 1e16]}
    expected = real(obj, default=_default, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    assert app.json.response(obj).get_data(as_text=True) == expected + "\n"
    assert app.json.dumps(obj, separators=(",", ":")) == expected
    assert _compact_dumps(obj, _default, False, False) == real(
        obj, default=_default, ensure_ascii=False, separators=(",", ":")
    )
    assert len(calls) == 3
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match=r"^Circular reference detected$"):
        app.json.response(cyclic)


def test_concurrent_encoding_of_one_shared_object() -> None:
    # default() runs Python code in the middle of every encoding, so threads
    # switch there; an encoder (and its markers) shared between calls would
    # see the other thread's containers as cycles.
    def default(o: Any) -> Any:
        if isinstance(o, Custom):
            return {"n": sum(range(o.n))}
        raise TypeError

    shared = {"rows": [{"c": Custom(i % 50), "l": [i, [i]]} for i in range(200)], "z": None}
    expected = stdlib(shared, default=default)
    app = StandInApp()
    app.json.default = default
    results: dict[str, list[Any]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def work(name: str) -> None:
        start.wait()
        for _ in range(150):
            results[name].append(outcome(lambda: _compact_dumps(shared, default, True, True)))
            results[name].append(outcome(lambda: app.json.dumps(shared, separators=(",", ":"))))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(name,)) for name in results]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    for name in results:
        assert results[name] == [("ok", expected)] * 300


# --- ensure_ascii: orjson's output escaped ---------------------------------------------------


def test_the_error_handler_writes_json_escapes() -> None:
    text = "a\x80é\u0100\u2028中\uffff😀\U0010ffff b\ud800"
    expected = json.dumps(text)[1:-1]
    assert text.encode("ascii", _ESCAPE).decode("ascii") == expected
    assert "é".encode("ascii", _ESCAPE) == b"\\u00e9"
    assert "😀".encode("ascii", _ESCAPE) == b"\\ud83d\\ude00"
    assert "ÀÿĀ".encode("ascii", _ESCAPE) == b"\\u00c0\\u00ff\\u0100"
    with pytest.raises(UnicodeDecodeError):
        b"\xff".decode("ascii", _ESCAPE)


@pytest.mark.parametrize(
    "doc",
    [
        # The benchmark's JSON POST echo document, without its null.
        {
            "user": {"id": 7, "name": "Zoë Example", "email": "zoe@example.org", "active": True},
            "items": [
                {"id": i, "name": f"item number {i}", "price": i * 0.25, "tags": ["red", "small"]}
                for i in range(13)
            ],
            "note": "none",
        },
        {
            "items": [
                {"id": i, "sku": f"SKU-{i:05d}", "qty": i % 7, "name": f"Product {i}"}
                for i in range(25)
            ],
            "shop": "Café crème 😀",
        },
        padded('中文 and ñ, "quoted" \\ back\nslash\t\x00\x1f 😀\u2028', 20),
        padded({"ключ": ["é", "ü", {"😀": "\U0010ffff"}]}, 20),
    ],
    ids=["echo", "products", "mixed-escapes", "non-ascii-keys"],
)
def test_few_non_ascii_characters_are_escaped_like_the_stdlib(doc: Any) -> None:
    expected = stdlib(doc)
    assert escaped(doc) == expected
    app = StandInApp()
    assert app.json.response(doc).get_data(as_text=True) == expected + "\n"
    assert app.json.dumps(doc, separators=(",", ":")) == expected
    unsorted = DefaultJSONProvider(app)
    unsorted.sort_keys = False
    assert unsorted.response(doc).get_data(as_text=True) == stdlib(doc, sort_keys=False) + "\n"
    indented = stdlib(doc, indent=2, separators=None)
    assert _orjson_text(doc, SORTED | orjson.OPT_INDENT_2, True) in (indented, None)
    assert app.json.dumps(doc, indent=2) == indented


def test_indented_output_is_escaped_too() -> None:
    doc = padded(["Zoë", {"é": "😀"}], 10)
    indented = stdlib(doc, indent=2, separators=None)
    assert _orjson_text(doc, SORTED | orjson.OPT_INDENT_2, True) == indented
    assert StandInApp().json.dumps(doc, indent=2) == indented


@pytest.mark.parametrize(
    ("char", "shift"),
    # Text without a backslash or a character above U+FFFF is escaped by the
    # codec (_escape_bmp), with a bound of its own; the rest by the handler.
    [("é", _BMP_ESCAPE_SHIFT), ("中", _BMP_ESCAPE_SHIFT), ("😀", _ESCAPE_SHIFT)],
)
def test_escaping_threshold_edges(char: str, shift: int) -> None:
    # Extra UTF-8 bytes: at most one per 2**shift bytes of output.
    per = extra_bytes(char)
    for count in range(1, 6):
        value = char * count
        doc = {"a_pad": list(range(100_000, 100_020)), "value": value}
        size = len(orjson.dumps(doc))
        # Grow the padding until the output is just big enough.
        pad = 20
        while size >> shift < per * count:
            pad += 1
            doc = {"a_pad": list(range(100_000, 100_000 + pad)), "value": value}
            size = len(orjson.dumps(doc))
        assert escaped(doc) == stdlib(doc), (char, count)
        # The padding without its last item: one byte too many to escape.
        under = {"a_pad": doc["a_pad"][:-1], "value": value}
        if len(orjson.dumps(under)) >> shift < per * count:
            assert escaped(under) is None, (char, count)
        assert StandInApp().json.response(under).get_data(as_text=True) == stdlib(under) + "\n"


def test_small_documents_are_escaped_unless_a_character_needs_a_surrogate_pair() -> None:
    doc = {"name": "Alice Smith", "age": 30, "city": "Zürich"}
    assert escaped(doc) == stdlib(doc) == '{"age":30,"city":"Z\\u00fcrich","name":"Alice Smith"}'
    assert StandInApp().json.response(doc).get_data() == (stdlib(doc) + "\n").encode()
    astral = {"name": "Alice", "mood": "😀"}
    assert escaped(astral) is None
    assert StandInApp().json.response(astral).get_data() == (stdlib(astral) + "\n").encode()


def test_escape_bmp_declines_backslashes_and_characters_above_the_bmp() -> None:
    assert _escape_bmp('{"a":"\u00e9\u20ac\u2028\x80"}') == '{"a":"\\u00e9\\u20ac\\u2028\\u0080"}'
    # A backslash of orjson's own (an escaped quote or control character) could
    # sit beside what backslashreplace writes: declined, the handler decides.
    assert _escape_bmp('{"a":"\\"\u00e9"}') is None
    assert _escape_bmp('{"a":"\\\\xe9"}') is None
    assert _escape_bmp('{"a":"\U0001f600"}') is None
    doc = {"q": 'say "hé"', "path": "C:\\tmp\\é", "pad": list(range(100_000, 100_040))}
    assert escaped(doc) == stdlib(doc)


def test_layout_threshold_edges() -> None:
    # The first _ITEM_SAMPLE bytes need a comma per _ITEM_BYTES bytes.
    def doc(width: int, count: int) -> dict[str, Any]:
        return {"a": ["x" * width for _ in range(count)], "é": 1}

    for width in range(1, 60):
        obj = doc(width, 200)
        out = orjson.dumps(obj, option=SORTED)
        dense = min(len(out), _ITEM_SAMPLE) <= _ITEM_BYTES * (out.count(b",", 0, _ITEM_SAMPLE) + 1)
        assert (escaped(obj) is not None) == dense, width
        assert StandInApp().json.response(obj).get_data(as_text=True) == stdlib(obj) + "\n"
    # Both sides of the edge are reached.
    assert escaped(doc(10, 200)) is not None
    assert escaped(doc(40, 200)) is None


def test_layout_threshold_edges_of_a_document_within_the_sample() -> None:
    # Shorter than _ITEM_SAMPLE, the whole document is the sample: a comma per
    # _ITEM_BYTES bytes of all of it (the form scenario's kind of document).
    for commas in (0, 1, 2):
        for width in range(1, 120):
            obj = {"\u00e9" + "x" * width: 1, **{f"k{i}": 1 for i in range(commas)}}
            out = orjson.dumps(obj, option=SORTED)
            assert len(out) < _ITEM_SAMPLE
            dense = len(out) <= _ITEM_BYTES * (out.count(b",") + 1)
            assert (escaped(obj) is not None) == dense, (commas, width)
            assert StandInApp().json.response(obj).get_data(as_text=True) == stdlib(obj) + "\n"
    # Both sides of the edge are reached.
    assert escaped({"\u00e9" + "x" * 10: 1}) is not None
    assert escaped({"\u00e9" + "x" * 40: 1}) is None


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"none": None, "nan": math.nan}, "NaN written as null, beside a None"),
        (math.nan, "NaN written as null"),
        ("\x7f", "DEL"),
        (1e16, "exponent"),
        (1e-5, "below 1e-4"),
    ],
)
def test_every_stdlib_check_still_applies_when_escaping(value: Any, reason: str) -> None:
    doc = padded(["é", value], 4)
    assert escaped(padded(["é", 1], 4)) is not None
    assert escaped(doc) is None, reason
    assert StandInApp().json.response(doc).get_data(as_text=True) == stdlib(doc) + "\n"


def test_dense_non_ascii_text_goes_to_the_stdlib() -> None:
    french = "Les élèves étaient déjà arrivés à l'école où le maître, très ému, parla. " * 20
    chinese = "我们的学生已经到达了学校，老师非常激动地向他们介绍了一堂课。" * 20
    cyrillic_rows = [{"id": i, "name": f"Иван {i}"} for i in range(40)]
    prose = ("It was the best of times, it was the worst of times. " * 20) + "\u2019"
    for doc in ({"text": french}, {"text": chinese}, {"rows": cyrillic_rows}, {"t": prose}):
        assert escaped(doc) is None
        assert StandInApp().json.response(doc).get_data(as_text=True) == stdlib(doc) + "\n"


def _sample_characters() -> list[str]:
    bmp = [chr(c) for c in range(0x80, 0x800)]
    bmp += [chr(c) for c in range(0x800, 0x10000, 97) if not 0xD800 <= c <= 0xDFFF]
    bmp += ["\u2028", "\u2029", "\ufeff", "\uffff", "\ufffe", "\ud7ff", "\ue000"]
    astral = [chr(c) for c in range(0x10000, 0x110000, 4099)] + ["😀", "\U0010ffff"]
    return bmp + astral


def test_every_sampled_character_escapes_like_the_stdlib() -> None:
    chars = _sample_characters()
    # Alone, in runs of several, between ASCII escapes, as keys.
    for start in range(0, len(chars), 8):
        group = chars[start : start + 8]
        value = {
            "alone": group,
            "run": "".join(group),
            "mixed": '"\\\n'.join(group) + "\t",
            "".join(group): 1,
        }
        doc = padded(value, 4 * extra_bytes("".join(group)))
        assert escaped(doc) == stdlib(doc), group


def test_lone_surrogates_go_to_the_stdlib() -> None:
    doc = padded(["é", "\ud800", "\udfff\ud83d"], 6)
    assert escaped(doc) is None
    assert StandInApp().json.response(doc).get_data(as_text=True) == stdlib(doc) + "\n"


text_alphabet = st.sampled_from(
    [
        *("a", "e", "0", "-", '"', "\\", "\n", "\x00", "\x1f", " ", "/", "x", "u", "U"),
        *("é", "ÿ", "\x80", "\u0100", "中", "\u2028", "\uffff", "😀", "\U0010ffff"),
    ]
) | st.characters(exclude_categories=["Cs"], exclude_characters="\x7f")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(text_alphabet, max_size=12), max_size=6))
def test_escaping_property(strings: list[str]) -> None:
    value = {"list": strings, "keys": {s: i for i, s in enumerate(strings)}}
    doc = padded(value, 4 * extra_bytes(json.dumps(value, ensure_ascii=False)))
    expected = stdlib(doc)
    got = escaped(doc)
    # Declining is allowed, for text the checks cannot tell from a null or a
    # float ("null", "0.0000", "e0"); anything else is identical.
    assert got in (expected, None)
    out = orjson.dumps(value)
    if not (b"null" in out or b"0.0000" in out or b"e0" in out.translate(_PROBE_TABLE)):
        assert got == expected
    assert StandInApp().json.response(doc).get_data(as_text=True) == expected + "\n"


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=40,
    )
)
def test_response_and_dumps_identical_property(obj: Any) -> None:
    app = StandInApp()
    for ensure_ascii in (True, False):
        app.json.ensure_ascii = ensure_ascii
        expected = outcome(lambda: stdlib(obj, ensure_ascii=ensure_ascii))  # noqa: B023
        assert outcome(lambda: app.json.response(obj).get_data(as_text=True)) == (
            expected if expected[0] == "error" else ("ok", expected[1] + "\n")
        )
        assert outcome(lambda: app.json.dumps(obj, separators=(",", ":"))) == expected


# -- a null that is provably a None -------------------------------------------------------


def test_none_beside_finite_floats_is_taken_from_orjson() -> None:
    doc = {
        "note": None,
        "rows": [{"id": i, "price": i * 0.25, "tag": (None, "x")} for i in range(8)],
    }
    assert _orjson_text(doc, SORTED, True) == stdlib(doc)
    # The JSON POST echo document of the benchmarks: one "ë", one None.
    echo = {
        "user": {"id": 7, "name": "Zoë Example", "email": "zoe@example.org", "active": True},
        "items": [{"id": i, "name": f"item {i}", "price": i * 0.25} for i in range(13)],
        "note": None,
    }
    assert escaped(echo) == stdlib(echo)


@dataclasses.dataclass
class Reading:
    value: float
    unit: None = None


class Level(enum.Enum):
    UNKNOWN = math.nan


class FloatSub(float):
    pass


@pytest.mark.parametrize(
    "doc",
    [
        math.nan,
        [None, math.inf],
        {"a": None, "deep": [[{"x": (1.5, -math.inf)}]]},
        {"a": None, "reading": Reading(math.nan)},
        {"a": None, "level": Level.UNKNOWN},
        {"a": None, "sub": FloatSub(math.nan)},
    ],
    ids=repr,
)
def test_a_null_that_may_be_a_nan_goes_to_the_stdlib(doc: Any) -> None:
    # orjson writes every one of these NaNs and infinities as null.
    assert _orjson_text(doc, SORTED, True) is None
    for ensure_ascii in (True, False):
        app = StandInApp()
        app.json.ensure_ascii = ensure_ascii
        body = app.json.response(doc).get_data(as_text=True)
        assert body == stdlib(doc, ensure_ascii=ensure_ascii) + "\n"
        assert "NaN" in body or "Infinity" in body


# NaNs and infinities as marshal writes them: the quiet NaN, a negative one, one
# with payload bits (as struct or numpy can make), the infinities.
ODD_NANS = [
    struct.unpack("<d", struct.pack("<Q", bits))[0]
    for bits in (0x7FF8000000000000, 0xFFF8000000000000, 0x7FF0000000000001, 0xFFFFFFFFFFFFFFFF)
]


def app_response(doc: Any) -> str:
    """The body of the provider's response for ``doc``."""
    app = StandInApp()
    return app.json.response(doc).get_data(as_text=True)


def rows(value: Any, count: int = 8) -> dict[str, Any]:
    """A document with a None, ``value`` and enough bytes per value to be checked."""
    return {
        "note": None,
        "rows": [{"id": i, "label": f"row number {i}", "price": i * 0.25} for i in range(count)],
        "value": value,
    }


@pytest.mark.parametrize(
    "value",
    [*ODD_NANS, math.inf, -math.inf, [math.nan] * 3, (1.5, [2.5, {"x": -math.inf}])],
    ids=repr,
)
def test_every_nan_and_infinity_beside_a_none_goes_to_the_stdlib(value: Any) -> None:
    doc = rows(value)
    assert _orjson_text(doc, SORTED, True) is None
    body = app_response(doc)
    assert body == stdlib(doc) + "\n"
    assert "NaN" in body or "Infinity" in body


def test_the_same_nan_object_twice_goes_to_the_stdlib() -> None:
    # marshal writes a float it sees again as a reference to the first one.
    nan = float("nan")
    doc = rows([nan, nan, 1.5, nan])
    assert _orjson_text(doc, SORTED, True) is None


def proven(doc: Any) -> bool:
    """Whether the null check takes orjson's output for ``doc`` as the stdlib's."""
    calls = next(_DEFAULT_CALLS)
    out = orjson.dumps(doc, option=SORTED)
    return _only_finite_floats(doc, len(out), out.count(b","), calls)


@pytest.mark.parametrize(
    "value",
    [
        [-1, -2, -255, -65536, 127, 0x7F7F, 0xFF7F, -(2**40), -(2**63)],
        ["\x7f\x7f", "gggggggg\x7f", "\U0010ffff\x7f", "ÿ" * 3],
        [-0.0, 1e300, -1e300, 5e-324, 2.0**1023, 1.7976931348623157e308],
    ],
    ids=["integers with 0x7f and 0xff bytes", "strings", "extreme finite floats"],
)
def test_finite_values_that_look_like_an_exponent_are_proven_finite(value: Any) -> None:
    # High bytes of negative integers (0xff), 0x7f in integers and text: each
    # is checked and found not to end a float, so the null is a None.
    doc = rows(value)
    assert proven(doc)
    assert app_response(doc) == stdlib(doc) + "\n"


def test_more_candidates_than_the_budget_go_to_the_stdlib() -> None:
    # Each of these integers has two or three 0xff bytes (marshal writes a
    # repeated object once, so they are distinct).
    under = rows([-1000 - i for i in range(_NONFINITE_CANDIDATES // 4)])
    over = rows([-1000 - i for i in range(_NONFINITE_CANDIDATES)], count=40)
    assert proven(under)
    assert not proven(over)
    assert app_response(over) == stdlib(over) + "\n"


@pytest.mark.parametrize(
    "value",
    [date(2024, 5, 1), decimal.Decimal("1.5"), uuid.UUID(int=7), Level.UNKNOWN],
    ids=repr,
)
def test_a_null_beside_a_converted_or_foreign_value_goes_to_the_stdlib(value: Any) -> None:
    # default() converted the date and the decimal (what it made is not in the
    # document); orjson writes the UUID and the Enum itself, marshal refuses them.
    doc = rows(value)
    assert _orjson_text(doc, SORTED, True) is None
    assert app_response(doc) == stdlib(doc) + "\n"


def test_a_default_call_in_between_voids_the_proof() -> None:
    # Another thread's default() call between orjson's write and the check
    # makes the counter skip: the check declines rather than guess.
    doc = rows(1.5)
    out = orjson.dumps(doc, option=SORTED)
    calls = next(_DEFAULT_CALLS)
    assert _only_finite_floats(doc, len(out), out.count(b","), calls)
    calls = next(_DEFAULT_CALLS)
    next(_DEFAULT_CALLS)
    assert not _only_finite_floats(doc, len(out), out.count(b","), calls)


def test_null_dense_output_goes_to_the_stdlib_without_a_check() -> None:
    # Checking 200 values would cost more than the stdlib's encoder.
    dense = [None] * 200
    assert _orjson_text(dense, SORTED, True) is None
    assert StandInApp().json.response(dense).get_data(as_text=True) == stdlib(dense) + "\n"
