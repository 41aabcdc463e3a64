"""Every converter, its options, its rejections, and custom converters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from erlen.http.exceptions import NotFound
from erlen.routing import (
    AnyConverter,
    BaseConverter,
    IntegerConverter,
    Map,
    PathConverter,
    Rule,
    UnicodeConverter,
    ValidationError,
    parse_converter_args,
)


def match(rule: str, path: str, **map_options: Any) -> dict[str, Any]:
    adapter = Map([Rule(rule, endpoint="e")], **map_options).bind("example.com")
    endpoint, values = adapter.match(path)
    assert endpoint == "e"
    return values


def no_match(rule: str, path: str) -> None:
    adapter = Map([Rule(rule, endpoint="e")]).bind("example.com")
    with pytest.raises(NotFound):
        adapter.match(path)


def build(rule: str, **values: Any) -> str:
    return Map([Rule(rule, endpoint="e")]).bind("example.com").build("e", values)


# -- string ---------------------------------------------------------------


def test_string_is_the_default_and_stops_at_a_slash() -> None:
    assert match("/u/<name>", "/u/alice") == {"name": "alice"}
    assert match("/u/<string:name>", "/u/a.b-c~d") == {"name": "a.b-c~d"}
    no_match("/u/<name>", "/u/a/b")
    no_match("/u/<name>", "/u/")


def test_string_keeps_plus_and_unicode_literally() -> None:
    # The path reaches the router decoded; "+" is a plus in a path, not a space.
    assert match("/u/<name>", "/u/a+b") == {"name": "a+b"}
    assert match("/u/<name>", "/u/straße 日本") == {"name": "straße 日本"}


@pytest.mark.parametrize(
    ("rule", "path", "ok"),
    [
        ("/<string(length=2):lang>", "/de", True),
        ("/<string(length=2):lang>", "/d", False),
        ("/<string(length=2):lang>", "/deu", False),
        ("/<string(minlength=3):x>", "/ab", False),
        ("/<string(minlength=3):x>", "/abc", True),
        ("/<string(maxlength=3):x>", "/abcd", False),
        ("/<string(maxlength=3):x>", "/abc", True),
        ("/<string(minlength=2, maxlength=3):x>", "/a", False),
        ("/<string(2, 3):x>", "/abc", True),
    ],
)
def test_string_length_options(rule: str, path: str, ok: bool) -> None:
    if ok:
        assert list(match(rule, path).values()) == [path[1:]]
    else:
        no_match(rule, path)


@pytest.mark.parametrize(
    "rule",
    ["/<string(length=0):x>", "/<string(minlength=0):x>", "/<string(minlength=3, maxlength=2):x>"],
)
def test_string_rejects_impossible_lengths(rule: str) -> None:
    with pytest.raises(ValueError):
        Map([Rule(rule, endpoint="e")])


def test_string_to_url_escapes_everything_that_is_not_one_segment() -> None:
    assert build("/u/<name>", name="a/b") == "/u/a%2Fb"
    assert build("/u/<name>", name="a?b#c%d e") == "/u/a%3Fb%23c%25d%20e"
    assert build("/u/<name>", name="é") == "/u/%C3%A9"
    assert build("/u/<name>", name="a+b:c@d") == "/u/a+b:c@d"


# -- int --------------------------------------------------------------------


def test_int_converts_and_rejects_non_digits() -> None:
    assert match("/p/<int:n>", "/p/42") == {"n": 42}
    assert match("/p/<int:n>", "/p/007") == {"n": 7}
    for bad in ("/p/-1", "/p/1.5", "/p/abc", "/p/", "/p/+1", "/p/1_000"):
        no_match("/p/<int:n>", bad)


def test_int_accepts_ascii_digits_only() -> None:
    # int() would read Arabic-Indic or full-width digits as numbers too.
    no_match("/p/<int:n>", "/p/١٢٣")
    no_match("/p/<int:n>", "/p/１２")


def test_int_with_more_digits_than_python_parses_is_a_404() -> None:
    no_match("/p/<int:n>", "/p/" + "9" * 5000)


def test_int_min_max() -> None:
    rule = "/p/<int(min=1, max=9):n>"
    assert match(rule, "/p/1") == {"n": 1}
    assert match(rule, "/p/9") == {"n": 9}
    no_match(rule, "/p/0")
    no_match(rule, "/p/10")


def test_int_signed() -> None:
    assert match("/p/<int(signed=True):n>", "/p/-5") == {"n": -5}
    assert match("/p/<int(signed=True):n>", "/p/5") == {"n": 5}
    assert build("/p/<int(signed=True):n>", n=-5) == "/p/-5"


def test_int_fixed_digits() -> None:
    rule = "/y/<int(fixed_digits=4):year>"
    assert match(rule, "/y/0042") == {"year": 42}
    no_match(rule, "/y/42")
    no_match(rule, "/y/12345")
    assert build(rule, year=42) == "/y/0042"
    assert build("/y/<int(fixed_digits=4, signed=True):n>", n=-42) == "/y/-0042"


def test_int_to_url_takes_numbers_and_numeric_strings() -> None:
    assert build("/p/<int:n>", n=3) == "/p/3"
    assert build("/p/<int:n>", n="12") == "/p/12"


# -- float ------------------------------------------------------------------


def test_float() -> None:
    assert match("/f/<float:x>", "/f/1.5") == {"x": 1.5}
    for bad in ("/f/1", "/f/.5", "/f/1.", "/f/-1.5", "/f/1e5", "/f/inf", "/f/nan"):
        no_match("/f/<float:x>", bad)


def test_float_signed_min_max() -> None:
    assert match("/f/<float(signed=True):x>", "/f/-0.25") == {"x": -0.25}
    rule = "/f/<float(min=0.5, max=2.0):x>"
    assert match(rule, "/f/0.5") == {"x": 0.5}
    no_match(rule, "/f/0.4")
    no_match(rule, "/f/2.01")


def test_float_huge_value_is_a_404_not_infinity() -> None:
    no_match("/f/<float:x>", "/f/" + "9" * 400 + ".0")


@pytest.mark.parametrize(
    ("value", "text"),
    [(1.5, "1.5"), (2, "2.0"), (1e-05, "0.00001"), (1e20, "100000000000000000000.0")],
)
def test_float_to_url_never_uses_exponent_notation(value: float, text: str) -> None:
    url = build("/f/<float:x>", x=value)
    assert url == f"/f/{text}"
    assert match("/f/<float:x>", url) == {"x": float(value)}


def test_float_to_url_refuses_infinity() -> None:
    adapter = Map([Rule("/f/<float:x>", endpoint="e")]).bind("example.com")
    with pytest.raises(LookupError, match="cannot be written in a URL"):
        adapter.build("e", {"x": float("inf")})


# -- path -------------------------------------------------------------------


def test_path_takes_slashes() -> None:
    assert match("/d/<path:p>", "/d/a/b/c.txt") == {"p": "a/b/c.txt"}
    assert match("/d/<path:p>", "/d/a") == {"p": "a"}
    no_match("/d/<path:p>", "/d/")


def test_path_with_static_suffix() -> None:
    rule = "/d/<path:p>/edit"
    assert match(rule, "/d/a/b/edit") == {"p": "a/b"}
    assert match(rule, "/d/edit/edit") == {"p": "edit"}
    no_match(rule, "/d/a/b")


def test_path_to_url_keeps_slashes_and_escapes_the_rest() -> None:
    assert build("/d/<path:p>", p="a/b c/%.txt") == "/d/a/b%20c/%25.txt"
    assert build("/d/<path:p>", p="x?y#z") == "/d/x%3Fy%23z"


class _Label(str):
    """A str subclass: converted with str() as any other value."""


@pytest.mark.parametrize("converter", ["string", "path"])
def test_text_to_url_is_what_quote_gives_for_every_character(converter: str) -> None:
    from urllib.parse import quote

    from erlen.routing.converters import PATH_SAFE, SEGMENT_SAFE

    safe = PATH_SAFE if converter == "path" else SEGMENT_SAFE
    rule = f"/t/<{converter}:v>"
    # Every ASCII character, some beyond, and runs of them: text that is
    # already URL-safe comes back as is, anything else exactly as quote()
    # writes it.
    samples = [chr(code) for code in range(1, 0x180)] + [
        "plain-text_1.0~",
        "css/app.css",
        "a b",
        "100%",
        "x\ny",
        "ü/é",
        _Label("a b"),
        _Label("plain"),
        42,
    ]
    for value in samples:
        text = str(value)
        if converter == "path" and text.startswith("/"):
            continue  # a built path never starts with two slashes (tested there)
        assert build(rule, v=value) == "/t/" + quote(text, safe=safe), repr(value)


# -- uuid -------------------------------------------------------------------


def test_uuid() -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert match("/o/<uuid:id>", f"/o/{value}") == {"id": value}
    assert match("/o/<uuid:id>", f"/o/{str(value).upper()}") == {"id": value}
    no_match("/o/<uuid:id>", "/o/12345678123456781234567812345678")
    no_match("/o/<uuid:id>", "/o/12345678-1234-5678-1234-56781234567g")
    assert build("/o/<uuid:id>", id=value) == f"/o/{value}"
    assert build("/o/<uuid:id>", id=str(value).upper()) == f"/o/{value}"


def test_uuid_to_url_refuses_garbage() -> None:
    adapter = Map([Rule("/o/<uuid:id>", endpoint="e")]).bind("example.com")
    with pytest.raises(LookupError, match="is not a UUID"):
        adapter.build("e", {"id": "nope"})


# -- any --------------------------------------------------------------------


def test_any() -> None:
    rule = '/<any(about, help, "a,b", "x y"):page>'
    for page in ("about", "help", "a,b", "x y"):
        assert match(rule, f"/{page}") == {"page": page}
    no_match(rule, "/abouts")
    no_match(rule, "/hel")
    no_match(rule, "/a")


def test_any_item_that_prefixes_another() -> None:
    rule = "/<any(a, ab, abc):x>"
    assert match(rule, "/ab") == {"x": "ab"}
    assert match(rule, "/abc") == {"x": "abc"}


def test_any_regex_lists_the_items_in_the_order_given() -> None:
    # Werkzeug's order: flask-smorest reads the regex back into an OpenAPI enum.
    converter = AnyConverter(Map(), "foo", "bar", "foo+bar", "bar")
    assert converter.regex == r"(?:foo|bar|foo\+bar)"
    rule = '/<any(foo, bar, "foo+bar"):x>'
    assert match(rule, "/foo+bar") == {"x": "foo+bar"}
    no_match(rule, "/foo+")


def test_any_regex_specials_are_literal() -> None:
    rule = '/<any("a.c", "(x)"):x>'
    assert match(rule, "/a.c") == {"x": "a.c"}
    no_match(rule, "/abc")
    assert match(rule, "/(x)") == {"x": "(x)"}


def test_any_to_url_validates_and_quotes() -> None:
    assert build('/<any(a, "x y"):v>', v="x y") == "/x%20y"
    adapter = Map([Rule("/<any(a, b):v>", endpoint="e")]).bind("example.com")
    with pytest.raises(LookupError, match="'c' is not one of 'a', 'b'"):
        adapter.build("e", {"v": "c"})


def test_any_needs_items() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        Map([Rule("/<any:x>", endpoint="e")])


# -- argument parsing ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ((), {})),
        ("  ", ((), {})),
        ("1, 2.5, -3", ((1, 2.5, -3), {})),
        ("True, False, None", ((True, False, None), {})),
        ("about, help", (("about", "help"), {})),
        ("'a,b', \"c d\"", (("a,b", "c d"), {})),
        ("min=1, max=9", ((), {"min": 1, "max": 9})),
        ("length = 2", ((), {"length": 2})),
        ("x, signed=True", (("x",), {"signed": True})),
        ("a,", (("a",), {})),
        (r"'it\'s'", (("it's",), {})),
    ],
)
def test_parse_converter_args(text: str, expected: tuple[Any, ...]) -> None:
    assert parse_converter_args(text) == expected


@pytest.mark.parametrize("text", ["a b", "'open", "x=", ",", "=1"])
def test_parse_converter_args_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="cannot parse converter arguments"):
        parse_converter_args(text)


def test_unknown_converter_and_bad_arguments_fail_at_setup() -> None:
    with pytest.raises(LookupError, match="'nope' does not exist"):
        Map([Rule("/<nope:x>", endpoint="e")])
    with pytest.raises(TypeError):
        Map([Rule("/<int(bogus=1):x>", endpoint="e")])


# -- custom converters ---------------------------------------------------------


class ListConverter(BaseConverter):
    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: Any) -> str:
        return ",".join(super(ListConverter, self).to_url(v) for v in value)


def test_custom_converter_registered_on_the_map() -> None:
    url_map = Map(converters={"list": ListConverter})
    url_map.add(Rule("/tags/<list:tags>", endpoint="tags"))
    adapter = url_map.bind("example.com")
    assert adapter.match("/tags/a,b,c") == ("tags", {"tags": ["a", "b", "c"]})
    assert adapter.build("tags", {"tags": ["x", "y z"]}) == "/tags/x,y%20z"


def test_custom_converter_added_to_map_converters_later() -> None:
    url_map = Map()
    url_map.converters["list"] = ListConverter
    url_map.add(Rule("/t/<list:t>", endpoint="t"))
    assert url_map.bind("h").match("/t/1,2") == ("t", {"t": ["1", "2"]})


class EvenConverter(BaseConverter):
    regex = "[0-9]+"
    weight = 40  # tried before int (50)

    def to_python(self, value: str) -> int:
        if int(value) % 2:
            raise ValidationError()
        return int(value)


def test_validation_error_skips_to_the_next_rule() -> None:
    url_map = Map(
        [
            Rule("/n/<even:n>", endpoint="even"),
            Rule("/n/<int:n>", endpoint="odd"),
            Rule("/n/<x>", endpoint="text"),
        ],
        converters={"even": EvenConverter},
    )
    adapter = url_map.bind("example.com")
    assert adapter.match("/n/4") == ("even", {"n": 4})
    assert adapter.match("/n/3") == ("odd", {"n": 3})
    assert adapter.match("/n/x") == ("text", {"x": "x"})


def test_validation_error_with_no_other_rule_is_a_404() -> None:
    adapter = Map([Rule("/n/<even:n>", endpoint="e")], converters={"even": EvenConverter}).bind("h")
    with pytest.raises(NotFound):
        adapter.match("/n/3")


def test_validation_error_backtracks_into_another_branch() -> None:
    url_map = Map(
        [
            Rule("/<even:n>/x", endpoint="even"),
            Rule("/<name>/x", endpoint="name"),
        ],
        converters={"even": EvenConverter},
    )
    adapter = url_map.bind("h")
    assert adapter.match("/2/x") == ("even", {"n": 2})
    assert adapter.match("/3/x") == ("name", {"name": "3"})


def test_part_isolating_follows_the_regex() -> None:
    class Slashy(BaseConverter):
        regex = "[a-z/]+"

    class Plain(BaseConverter):
        regex = "[a-z]+"

    class Forced(BaseConverter):
        regex = "[a-z/]+"
        part_isolating = True

    class Inherits(PathConverter):
        pass

    assert Slashy.part_isolating is False
    assert Plain.part_isolating is True
    assert Forced.part_isolating is True
    assert Inherits.part_isolating is False
    assert UnicodeConverter.part_isolating is True
    assert match("/s/<slashy:v>", "/s/a/b", converters={"slashy": Slashy}) == {"v": "a/b"}


def test_converter_weights_and_repr() -> None:
    url_map = Map()
    assert UnicodeConverter(url_map).weight == 100
    assert PathConverter(url_map).weight == 200
    assert url_map.converters["int"](url_map).weight == 50
    assert repr(AnyConverter(url_map, "b", "a")) == "<AnyConverter '(?:b|a)'>"


# -- the matcher's converter shortcuts ------------------------------------------------


def test_int_too_long_for_python_falls_through_to_the_next_rule() -> None:
    url_map = Map([Rule("/n/<int:n>", endpoint="int"), Rule("/n/<x>", endpoint="text")])
    adapter = url_map.bind("example.com")
    digits = "9" * 5000
    assert adapter.match(f"/n/{digits}") == ("text", {"x": digits})
    assert adapter.match("/n/12") == ("int", {"n": 12})


class DoublingConverter(IntegerConverter):
    def to_python(self, value: str) -> int:
        return int(value) * 2


class HexNumber(IntegerConverter):
    unsigned_regex = "[0-9a-f]+"

    def num_convert(self, text: str) -> Any:
        return int(text, 16)


def test_int_subclasses_keep_their_own_conversion() -> None:
    url_map = Map(
        [Rule("/d/<double:n>", endpoint="d"), Rule("/h/<hex:n>", endpoint="h")],
        converters={"double": DoublingConverter, "hex": HexNumber},
    )
    adapter = url_map.bind("example.com")
    assert adapter.match("/d/21") == ("d", {"n": 42})
    assert adapter.match("/h/ff") == ("h", {"n": 255})


def test_to_python_replaced_on_a_converter_instance_is_used() -> None:
    url_map = Map(
        [Rule("/p/<list:n>", endpoint="p"), Rule("/q/<list:a>/<list:b>", endpoint="q")],
        converters={"list": ListConverter},
    )
    for rule in url_map.iter_rules():
        for converter in rule._converters.values():
            converter.to_python = lambda value: f"seen {value}"  # type: ignore[method-assign]
    adapter = url_map.bind("example.com")
    assert adapter.match("/p/7") == ("p", {"n": "seen 7"})
    assert adapter.match("/q/1/2") == ("q", {"a": "seen 1", "b": "seen 2"})


@pytest.mark.parametrize(
    ("rule", "path", "values"),
    [
        ("/a/<x>", "/a/caf\u00e9", {"x": "caf\u00e9"}),
        ("/a/<int:x>", "/a/007", {"x": 7}),
        ("/a/<x>/<int:y>", "/a/b/3", {"x": "b", "y": 3}),
        ("/a/<int:x>-<int:y>", "/a/1-2", {"x": 1, "y": 2}),
        ("/a/<path:p>", "/a/b/c", {"p": "b/c"}),
        ("/a/<float:f>", "/a/1.5", {"f": 1.5}),
        ("/a/<uuid:u>", "/a/" + "1" * 8 + "-1111-1111-1111-" + "1" * 12, None),
    ],
)
def test_values_of_every_placeholder_shape(rule: str, path: str, values: Any) -> None:
    found = match(rule, path)
    if values is None:
        assert str(found["u"]) == path[3:]
    else:
        assert found == values
        assert [type(v) for v in found.values()] == [type(v) for v in values.values()]


@pytest.mark.parametrize(
    ("rule", "path"), [("/a/<int:x>", "/a/3"), ("/a/<x>", "/a/3"), ("/a/<x>/<int:y>", "/a/b/3")]
)
def test_rule_defaults_are_added_to_the_values(rule: str, path: str) -> None:
    url_map = Map([Rule(rule, endpoint="e", defaults={"lang": "en"})])
    _, values = url_map.bind("example.com").match(path)
    assert values["lang"] == "en"
    assert len(values) == rule.count("<") + 1
