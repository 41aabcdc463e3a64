"""Property-based tests: build -> match round trips, Werkzeug parity, no crash on any path."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import erlen.http.exceptions as erlen_exceptions
import erlen.routing as erlen_routing
from erlen.http.exceptions import HTTPException
from erlen.routing import Map, MapAdapter, Rule

werkzeug_routing = pytest.importorskip("werkzeug.routing")
werkzeug_exceptions = pytest.importorskip("werkzeug.exceptions")

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def round_trip(rule: str, value: Any) -> tuple[str, Any]:
    """Build the URL of ``value``, decode it as a server would, and match it again."""
    adapter = Map([Rule(rule, endpoint="e")]).bind("example.com")
    url = adapter.build("e", {"v": value})
    assert url.isascii()
    endpoint, values = adapter.match(unquote(url))
    assert endpoint == "e"
    return url, values["v"]


segment_text = st.text(min_size=1).filter(lambda s: "/" not in s)


@SETTINGS
@given(segment_text)
def test_string_round_trip(value: str) -> None:
    url, back = round_trip("/s/<v>", value)
    assert back == value
    assert url.count("/") == 2


@SETTINGS
@given(st.text(min_size=2, max_size=2).filter(lambda s: "/" not in s))
def test_string_length_round_trip(value: str) -> None:
    assert round_trip("/s/<string(length=2):v>", value)[1] == value


@SETTINGS
@given(st.integers(min_value=0, max_value=10**40))
def test_int_round_trip(value: int) -> None:
    assert round_trip("/i/<int:v>", value)[1] == value


@SETTINGS
@given(st.integers(min_value=-(10**20), max_value=10**20))
def test_signed_int_round_trip(value: int) -> None:
    assert round_trip("/i/<int(signed=True):v>", value)[1] == value


@SETTINGS
@given(st.integers(min_value=0, max_value=9999))
def test_fixed_digits_round_trip(value: int) -> None:
    url, back = round_trip("/i/<int(fixed_digits=4):v>", value)
    assert back == value
    assert len(url) == len("/i/") + 4


@SETTINGS
@given(st.integers(min_value=3, max_value=70))
def test_int_min_max_round_trip(value: int) -> None:
    assert round_trip("/i/<int(min=3, max=70):v>", value)[1] == value


@SETTINGS
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_round_trip(value: float) -> None:
    assert round_trip("/f/<float(signed=True):v>", value)[1] == value


@SETTINGS
@given(st.floats(min_value=0.0, allow_nan=False, allow_infinity=False).filter(lambda x: x >= 0))
def test_unsigned_float_round_trip(value: float) -> None:
    assume(str(value)[0] != "-")
    assert round_trip("/f/<float:v>", value)[1] == value


@SETTINGS
@given(st.text(min_size=1).filter(lambda s: not s.startswith("/")))
def test_path_round_trip(value: str) -> None:
    assert round_trip("/p/<path:v>", value)[1] == value


@SETTINGS
@given(st.uuids())
def test_uuid_round_trip(value: uuid.UUID) -> None:
    assert round_trip("/u/<uuid:v>", value)[1] == value


ANY_ITEMS = ["about", "help", "a,b", "x y", "100%", "é", "a.b", "ab"]


@SETTINGS
@given(st.sampled_from(ANY_ITEMS))
def test_any_round_trip(value: str) -> None:
    rule = "/a/<any(" + ", ".join(f"'{item}'" for item in ANY_ITEMS) + "):v>"
    assert round_trip(rule, value)[1] == value


@SETTINGS
@given(segment_text, st.integers(min_value=0), st.text(), st.lists(st.text(), max_size=3))
def test_several_converters_and_query_round_trip(
    name: str, number: int, query: str, many: list[str]
) -> None:
    adapter = Map([Rule("/<v>/n/<int:n>", endpoint="e")]).bind("example.com")
    url = adapter.build("e", {"v": name, "n": number, "q": query, "m": many})
    parts = urlsplit(url)
    assert adapter.match(unquote(parts.path)) == ("e", {"v": name, "n": number})
    parsed = parse_qs(parts.query, keep_blank_values=True)
    assert parsed.get("q") == [query]
    assert parsed.get("m", []) == many


# -- no 500 on any input -------------------------------------------------------------------

FUZZ_MAP = Map(
    [
        Rule("/", endpoint="index"),
        Rule("/u/<int(min=1):id>", endpoint="user", methods=["GET"]),
        Rule("/u/<name>/", endpoint="name"),
        Rule("/f/<float(signed=True):x>", endpoint="float"),
        Rule("/o/<uuid:id>", endpoint="uuid"),
        Rule("/a/<any(x, y):v>", endpoint="any"),
        Rule("/p/<path:p>/edit", endpoint="edit", methods=["POST"]),
        Rule("/p/<path:p>", endpoint="path"),
        Rule("/s/<string(length=3):s>", endpoint="short"),
        Rule("/all/", defaults={"page": 1}, endpoint="all"),
        Rule("/all/<int:page>", endpoint="all"),
    ]
)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(["", "u", "p", "a", "f", "o", "s", "all", "edit", "1", "-1.5", "x"]),
            st.text(max_size=8),
        ),
        max_size=6,
    ),
    st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "DELETE"]),
)
def test_any_path_gives_a_result_or_an_http_error(segments: list[str], method: str) -> None:
    path = "/" + "/".join(segments)
    adapter = FUZZ_MAP.bind("example.com")
    try:
        endpoint, _ = adapter.match(path, method)
    except HTTPException as error:
        assert error.code in {308, 404, 405}
    else:
        assert endpoint in {r.endpoint for r in FUZZ_MAP.iter_rules()}


# -- same answers as Werkzeug ---------------------------------------------------------------

RULE_SEGMENTS = [
    "a",
    "b",
    "<x>",
    "<int:n>",
    "<path:p>",
    "v<int:k>",
    "<y>.json",
    "<float:f>",
    "a<z>",
    "",
    "<any(a, b, c):w>",
    "<c>-<d>",
    "<e>.<int:g>",
    "<path:q>-<path:r>",
    "x<h>-<i>y",
]
PATH_SEGMENTS = [
    "a",
    "b",
    "c",
    "1",
    "v1",
    "x.json",
    "1.5",
    "ab",
    "",
    "zz",
    "v",
    "a-b",
    "a.1",
    "x-y-z",
    "a-",
    "-b",
    "xa-by",
    "x-y",
]


@st.composite
def rule_sets(draw: st.DrawFn) -> list[tuple[str, list[str] | None, bool | None, str]]:
    rules = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        segments = draw(st.lists(st.sampled_from(RULE_SEGMENTS), min_size=1, max_size=3))
        text = "/" + "/".join(segments)
        names = [part.split(":")[-1] for part in text.replace(">", "<").split("<")[1::2]]
        if len(names) != len(set(names)):
            continue
        methods = draw(st.sampled_from([None, ["GET"], ["POST"], ["GET", "POST"]]))
        strict = draw(st.sampled_from([None, None, False]))
        subdomain = draw(st.sampled_from(["", "", "api", "<sub>"]))
        rules.append((text, methods, strict, subdomain))
    assume(rules)
    return rules


def outcome(routing: Any, errors: Any, rules: list[Any], path: str, method: str, sub: str) -> Any:
    url_map = routing.Map(
        [
            routing.Rule(text, endpoint=i, methods=methods, strict_slashes=strict, subdomain=s)
            for i, (text, methods, strict, s) in enumerate(rules)
        ]
    )
    adapter = url_map.bind("example.com", subdomain=sub)
    try:
        endpoint, values = adapter.match(path, method)
    except routing.RequestRedirect as e:
        return ("redirect", e.new_url)
    except errors.MethodNotAllowed as e:
        return ("405", sorted(e.valid_methods))
    except errors.NotFound:
        return ("404",)
    return ("ok", endpoint, sorted((k, repr(v)) for k, v in values.items()))


@settings(max_examples=400, deadline=None)
@given(
    rule_sets(),
    st.lists(st.sampled_from(PATH_SEGMENTS), min_size=1, max_size=4),
    st.booleans(),
    st.sampled_from(["GET", "POST", "HEAD", "PUT"]),
    st.sampled_from(["", "api", "bob"]),
)
def test_matching_agrees_with_werkzeug(
    rules: list[Any], segments: list[str], doubled: bool, method: str, subdomain: str
) -> None:
    path = "/" + "/".join(segments)
    if doubled:
        path = path.replace("/", "//", 1)
    ours = outcome(erlen_routing, erlen_exceptions, rules, path, method, subdomain)
    theirs = outcome(werkzeug_routing, werkzeug_exceptions, rules, path, method, subdomain)
    assert ours == theirs


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**6),
    st.text(alphabet="abcXYZ019-_.~/", min_size=1).filter(lambda s: not s.startswith("/")),
    st.dictionaries(st.sampled_from(["q", "page", "x y"]), st.text(max_size=5), max_size=3),
)
def test_building_agrees_with_werkzeug(number: int, path: str, query: dict[str, str]) -> None:
    def build(routing: Any) -> str:
        url_map = routing.Map(
            [
                routing.Rule("/n/<int:n>/p/<path:p>", endpoint="e"),
                routing.Rule("/all/", defaults={"n": 0, "p": "x"}, endpoint="e"),
            ]
        )
        adapter: MapAdapter = url_map.bind("example.com", script_name="/app")
        return adapter.build("e", {"n": number, "p": path, **query})

    assert build(erlen_routing) == build(werkzeug_routing)
