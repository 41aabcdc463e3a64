"""URL building: rule choice, query strings, escaping, external URLs, BuildError."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from erlen.routing import BuildError, Map, MapAdapter, Rule


def adapter_for(*rules: Rule, **bind: Any) -> MapAdapter:
    return Map(list(rules)).bind("example.com", **bind)


class FakeMultiDict:
    """The read API of a MultiDict that build relies on."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs

    def lists(self) -> Iterator[tuple[str, list[Any]]]:
        seen: dict[str, list[Any]] = {}
        for key, value in self.pairs:
            seen.setdefault(key, []).append(value)
        return iter(seen.items())

    def getlist(self, key: str) -> list[Any]:
        return [v for k, v in self.pairs if k == key]

    def items(self) -> Iterator[tuple[str, Any]]:
        return iter(self.pairs)

    def __bool__(self) -> bool:
        return bool(self.pairs)


# -- query strings --------------------------------------------------------------------


def test_unknown_values_become_the_query_string_in_order() -> None:
    adapter = adapter_for(Rule("/u/<int:id>", endpoint="u"))
    assert adapter.build("u", {"id": 1}) == "/u/1"
    assert adapter.build("u", {"id": 1, "b": "2", "a": 1}) == "/u/1?b=2&a=1"


def test_list_values_repeat_the_key_and_none_is_skipped() -> None:
    adapter = adapter_for(Rule("/s", endpoint="s"))
    assert adapter.build("s", {"tag": ["a", "b"], "skip": None, "n": 0}) == "/s?tag=a&tag=b&n=0"
    assert adapter.build("s", {"tag": ("x",), "flag": True}) == "/s?tag=x&flag=True"
    assert adapter.build("s", {"tag": ["a", None, "b"]}) == "/s?tag=a&tag=b"


def test_multidict_values() -> None:
    adapter = adapter_for(Rule("/u/<int:id>", endpoint="u"))
    values: Any = FakeMultiDict([("id", 3), ("q", "a"), ("q", "b"), ("one", "1")])
    assert adapter.build("u", values) == "/u/3?q=a&q=b&one=1"


def test_real_multidict_values() -> None:
    datastructures = pytest.importorskip("erlen.http.datastructures")
    adapter = adapter_for(Rule("/u/<int:id>", endpoint="u"))
    values = datastructures.MultiDict([("id", 3), ("q", "a"), ("q", "b")])
    assert adapter.build("u", values) == "/u/3?q=a&q=b"


def test_query_escaping() -> None:
    adapter = adapter_for(Rule("/s", endpoint="s"))
    url = adapter.build("s", {"q": "a b&c=d#e%", "é": "ü", "path": "/x?y"})
    assert url == "/s?q=a+b%26c%3Dd%23e%25&%C3%A9=%C3%BC&path=/x?y"


def test_query_text_is_what_quote_plus_gives_for_every_character() -> None:
    from urllib.parse import quote_plus

    from erlen.routing.builder import QUERY_SAFE

    adapter = adapter_for(Rule("/s", endpoint="s"))
    samples: list[Any] = [chr(code) for code in range(1, 0x180)]
    samples += ["page-2_x.y~", "a b", "50%", "x+y", 42, 1.5, b"raw bytes&"]
    for value in samples:
        expected = quote_plus(value if isinstance(value, str) else str(value), safe=QUERY_SAFE)
        if isinstance(value, bytes):
            expected = "raw%20bytes%26"
        assert adapter.build("s", {"k": value}) == f"/s?k={expected}", repr(value)


def test_sorted_query_parameters() -> None:
    url_map = Map([Rule("/s", endpoint="s")], sort_parameters=True)
    assert url_map.bind("h").build("s", {"b": 1, "a": 2, "c": 0}) == "/s?a=2&b=1&c=0"
    url_map = Map([Rule("/s", endpoint="s")], sort_parameters=True, sort_key=lambda kv: kv[1])
    assert url_map.bind("h").build("s", {"b": "1", "a": "2", "c": "0"}) == "/s?c=0&b=1&a=2"


def test_append_unknown_off() -> None:
    adapter = adapter_for(Rule("/u/<int:id>", endpoint="u"))
    assert adapter.build("u", {"id": 1, "x": 2}, append_unknown=False) == "/u/1"


# -- escaping of the path ------------------------------------------------------------------


def test_static_text_of_the_rule_is_escaped() -> None:
    adapter = adapter_for(Rule("/a b/100%/<x>", endpoint="e"))
    assert adapter.build("e", {"x": "y"}) == "/a%20b/100%25/y"


def test_values_are_escaped_per_converter() -> None:
    adapter = adapter_for(Rule("/s/<s>/p/<path:p>", endpoint="e"))
    url = adapter.build("e", {"s": "a/b?c", "p": "d/e f#"})
    assert url == "/s/a%2Fb%3Fc/p/d/e%20f%23"


def test_built_path_never_starts_with_two_slashes() -> None:
    # "//evil.com" would be a protocol-relative URL to another host.
    adapter = adapter_for(Rule("/<path:p>", endpoint="e"))
    assert adapter.build("e", {"p": "/evil.com"}) == "/evil.com"


def test_script_name_is_prefixed_and_escaped() -> None:
    adapter = adapter_for(Rule("/u/<int:id>", endpoint="u"), script_name="/my app/")
    assert adapter.build("u", {"id": 2}) == "/my%20app/u/2"
    assert adapter.build("u", {"id": 2}, force_external=True) == "http://example.com/my%20app/u/2"


# -- choosing the rule -------------------------------------------------------------------------


def test_rule_with_more_arguments_is_preferred() -> None:
    adapter = adapter_for(Rule("/u/", endpoint="u"), Rule("/u/<int:id>", endpoint="u"))
    assert adapter.build("u", {"id": 3}) == "/u/3"
    assert adapter.build("u") == "/u/"


def test_rule_whose_defaults_match_is_chosen() -> None:
    adapter = adapter_for(
        Rule("/all/", defaults={"page": 1}, endpoint="all"),
        Rule("/all/page/<int:page>", endpoint="all"),
    )
    assert adapter.build("all", {"page": 1}) == "/all/"
    assert adapter.build("all", {"page": 2}) == "/all/page/2"
    assert adapter.build("all") == "/all/"


def test_defaults_not_in_the_url_are_not_appended() -> None:
    adapter = adapter_for(
        Rule("/en/", defaults={"lang": "en"}, endpoint="home"),
        Rule("/<lang>/", endpoint="home"),
    )
    assert adapter.build("home", {"lang": "en"}) == "/en/"
    assert adapter.build("home", {"lang": "de"}) == "/de/"


def test_default_for_a_variable_of_the_url_fixes_its_text() -> None:
    adapter = adapter_for(Rule("/v/<int:n>", defaults={"n": 5}, endpoint="v"))
    assert adapter.build("v") == "/v/5"
    assert adapter.match("/v/5") == ("v", {"n": 5})


def test_method_picks_the_rule() -> None:
    adapter = adapter_for(
        Rule("/create", endpoint="e", methods=["POST"]),
        Rule("/show", endpoint="e", methods=["GET"]),
    )
    assert adapter.build("e") == "/show"
    assert adapter.build("e", method="POST") == "/create"
    post_adapter = adapter_for(
        Rule("/create", endpoint="e", methods=["POST"]),
        Rule("/show", endpoint="e", methods=["GET"]),
        default_method="POST",
    )
    assert post_adapter.build("e") == "/create"


def test_method_without_a_rule_falls_back_to_any_rule_when_unspecified() -> None:
    adapter = adapter_for(Rule("/only-post", endpoint="e", methods=["POST"]))
    assert adapter.build("e") == "/only-post"


def test_alias_rules_are_built_last() -> None:
    adapter = adapter_for(
        Rule("/old", endpoint="e", alias=True),
        Rule("/new", endpoint="e"),
    )
    assert adapter.build("e") == "/new"


# -- external URLs, schemes, domains ---------------------------------------------------------


def test_force_external_and_url_scheme() -> None:
    adapter = adapter_for(Rule("/x", endpoint="x"))
    assert adapter.build("x", force_external=True) == "http://example.com/x"
    assert adapter.build("x", force_external=True, url_scheme="https") == "https://example.com/x"
    assert adapter.build("x", url_scheme="https") == "/x"


def test_other_subdomain_gives_an_absolute_url() -> None:
    url_map = Map(
        [
            Rule("/", endpoint="index"),
            Rule("/", subdomain="api", endpoint="api"),
            Rule("/u", subdomain="<user>", endpoint="user"),
        ]
    )
    adapter = url_map.bind("example.com:8000")
    assert adapter.build("index") == "/"
    assert adapter.build("api") == "http://api.example.com:8000/"
    assert adapter.build("user", {"user": "bob"}) == "http://bob.example.com:8000/u"
    api = url_map.bind("example.com:8000", subdomain="api")
    assert api.build("api") == "/"
    assert api.build("index") == "http://example.com:8000/"


def test_host_matching_build() -> None:
    url_map = Map(
        [
            Rule("/", host="example.com", endpoint="index"),
            Rule("/u", host="<user>.example.com", endpoint="user"),
        ],
        host_matching=True,
    )
    adapter = url_map.bind("example.com")
    assert adapter.build("index") == "/"
    assert adapter.build("user", {"user": "ann"}) == "http://ann.example.com/u"
    assert url_map.bind("ann.example.com").build("user", {"user": "ann"}) == "/u"


def test_host_matching_prefers_the_current_host() -> None:
    url_map = Map(
        [
            Rule("/s", host="a.example.com", endpoint="s"),
            Rule("/s", host="b.example.com", endpoint="s"),
        ],
        host_matching=True,
    )
    assert url_map.bind("b.example.com").build("s") == "/s"
    assert url_map.bind("c.example.com").build("s") == "http://a.example.com/s"


def test_websocket_rules_build_ws_urls() -> None:
    adapter = adapter_for(Rule("/ws", endpoint="ws", websocket=True))
    assert adapter.build("ws") == "ws://example.com/ws"
    assert adapter.build("ws", url_scheme="https") == "wss://example.com/ws"


def test_http_rules_from_a_websocket_adapter_get_http_schemes() -> None:
    url_map = Map([Rule("/page", endpoint="page")])
    adapter = url_map.bind("example.com", url_scheme="wss")
    assert adapter.build("page", force_external=True) == "https://example.com/page"


# -- BuildError -----------------------------------------------------------------------------


def build_error(adapter: MapAdapter, endpoint: str, **kwargs: Any) -> BuildError:
    with pytest.raises(BuildError) as info:
        adapter.build(endpoint, **kwargs)
    return info.value


def test_build_error_is_a_lookup_error_with_its_inputs() -> None:
    adapter = adapter_for(Rule("/u/<int:id>", endpoint="user"))
    error = build_error(adapter, "user", values={"x": 1}, method="GET")
    assert isinstance(error, LookupError)
    assert (error.endpoint, dict(error.values), error.method) == ("user", {"x": 1}, "GET")
    assert error.adapter is adapter


def test_build_error_names_missing_values() -> None:
    adapter = adapter_for(Rule("/u/<int:id>/<tab>", endpoint="user"))
    error = build_error(adapter, "user", values={"id": 1})
    assert str(error) == (
        "Could not build url for endpoint 'user' with values ['id']."
        " Did you forget to specify values ['tab']?"
    )


def test_build_error_suggests_a_close_endpoint() -> None:
    adapter = adapter_for(Rule("/", endpoint="index"), Rule("/u", endpoint="user_profile"))
    error = build_error(adapter, "user_profil")
    assert str(error) == (
        "Could not build url for endpoint 'user_profil'. Did you mean 'user_profile' instead?"
    )
    assert error.suggested is not None
    assert error.suggested.endpoint == "user_profile"


def test_build_error_lists_several_close_endpoints() -> None:
    adapter = adapter_for(
        Rule("/a", endpoint="auth.login"),
        Rule("/b", endpoint="auth.logout"),
        Rule("/c", endpoint="index"),
    )
    message = str(build_error(adapter, "auth.log"))
    assert message.endswith("Did you mean one of 'auth.login', 'auth.logout'?")


def test_build_error_for_an_unknown_endpoint_with_nothing_close() -> None:
    adapter = adapter_for(Rule("/", endpoint="index"))
    assert str(build_error(adapter, "zzzzzz")).endswith(
        "The endpoint 'zzzzzz' is not in the URL map."
    )
    assert str(build_error(Map().bind("h"), "x")) == (
        "Could not build url for endpoint 'x'. The endpoint 'x' is not in the URL map."
    )
    assert str(BuildError("x", {}, None)) == "Could not build url for endpoint 'x'."


def test_build_error_suggests_methods() -> None:
    adapter = adapter_for(Rule("/p", endpoint="p", methods=["POST"]))
    message = str(build_error(adapter, "p", method="GET"))
    assert message == (
        "Could not build url for endpoint 'p' ('GET'). Did you mean to use methods ['POST']?"
    )


def test_build_error_reports_a_refused_value() -> None:
    adapter = adapter_for(Rule("/<any(a, b):page>", endpoint="page"))
    message = str(build_error(adapter, "page", values={"page": "c"}))
    assert "refused a value: 'c' is not one of 'a', 'b'" in message


def test_build_error_reports_values_clashing_with_defaults() -> None:
    adapter = adapter_for(Rule("/en/", defaults={"lang": "en"}, endpoint="home"))
    message = str(build_error(adapter, "home", values={"lang": "de"}))
    assert "Values ['lang'] differ from the rule's defaults {'lang': 'en'}." in message


def test_building_leaves_the_callers_values_alone() -> None:
    adapter = adapter_for(Rule("/u/<int:id>", endpoint="u"), Rule("/about", endpoint="about"))
    values: dict[str, Any] = {"id": 7, "tab": "posts"}
    assert adapter.build("u", values) == "/u/7?tab=posts"
    assert values == {"id": 7, "tab": "posts"}
    skipped: dict[str, Any] = {"id": 7, "tab": None}
    assert adapter.build("u", skipped) == "/u/7"
    assert skipped == {"id": 7, "tab": None}
    # The error keeps the values it was given, not the caller's dict.
    missing: dict[str, Any] = {"x": 1}
    error = build_error(adapter, "u", values=missing)
    missing["x"] = 2
    assert dict(error.values) == {"x": 1}


def test_static_rules_build_with_and_without_extra_values() -> None:
    adapter = adapter_for(
        Rule("/about", endpoint="about"),
        Rule("/<lang>/about", endpoint="about_lang", defaults=None),
        Rule("/page", endpoint="page", defaults={"n": 1}),
        Rule("/page/<int:n>", endpoint="page"),
    )
    assert adapter.build("about") == "/about"
    assert adapter.build("about", {"q": "x y"}) == "/about?q=x+y"
    assert adapter.build("about_lang", {"lang": "de"}) == "/de/about"
    assert adapter.build("page", {"n": 1}) == "/page"
    assert adapter.build("page", {"n": 2}) == "/page/2"
    assert adapter.build("page", {}) == "/page"


def test_none_values_count_as_missing() -> None:
    adapter = adapter_for(Rule("/u/<int:id>", endpoint="u"))
    error = build_error(adapter, "u", values={"id": None})
    assert "Did you forget to specify values ['id']?" in str(error)


# -- map helpers ---------------------------------------------------------------------------


def test_iter_rules_and_is_endpoint_expecting() -> None:
    url_map = Map(
        [
            Rule("/", endpoint="index"),
            Rule("/u/", endpoint="user"),
            Rule("/u/<int:id>", endpoint="user"),
        ]
    )
    assert [r.rule for r in url_map.iter_rules()] == ["/", "/u/<int:id>", "/u/"]
    assert [r.rule for r in url_map.iter_rules("user")] == ["/u/<int:id>", "/u/"]
    assert url_map.is_endpoint_expecting("user", "id") is True
    assert url_map.is_endpoint_expecting("index", "id") is False
