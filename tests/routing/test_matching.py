"""Matching: methods, slashes, redirects, domains, ordering, binding to a request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from erlen.http.exceptions import BadHost, BadRequest, HTTPException, MethodNotAllowed, NotFound
from erlen.routing import (
    BaseConverter,
    Map,
    MapAdapter,
    RequestRedirect,
    Rule,
    Subdomain,
    WebsocketMismatch,
)


def adapter_for(*rules: Rule, **bind: Any) -> MapAdapter:
    return Map(list(rules)).bind("example.com", **bind)


def redirect_of(adapter: MapAdapter, path: str, **kwargs: Any) -> str:
    with pytest.raises(RequestRedirect) as info:
        adapter.match(path, **kwargs)
    assert info.value.code == 308
    return info.value.new_url


# -- methods ----------------------------------------------------------------------


def test_get_adds_head_and_methods_are_upper_case() -> None:
    rule = Rule("/", endpoint="index", methods=["get", "post"])
    assert rule.methods == {"GET", "HEAD", "POST"}
    assert Rule("/", methods=["POST"]).methods == {"POST"}
    assert Rule("/").methods is None


def test_methods_must_not_be_a_string() -> None:
    with pytest.raises(TypeError, match="list of strings"):
        Rule("/", methods="GET")


def test_head_matches_a_get_rule() -> None:
    adapter = adapter_for(Rule("/", endpoint="index", methods=["GET"]))
    assert adapter.match("/", "HEAD") == ("index", {})
    assert adapter.match("/", "head") == ("index", {})


def test_405_lists_every_method_of_the_path_in_allow() -> None:
    adapter = adapter_for(
        Rule("/item", endpoint="show", methods=["GET"]),
        Rule("/item", endpoint="update", methods=["POST", "PUT"]),
    )
    assert adapter.match("/item", "PUT") == ("update", {})
    with pytest.raises(MethodNotAllowed) as info:
        adapter.match("/item", "DELETE")
    assert info.value.valid_methods == ["GET", "HEAD", "POST", "PUT"]
    assert ("Allow", "GET, HEAD, POST, PUT") in info.value.get_headers()
    assert info.value.code == 405


def test_405_for_a_dynamic_path() -> None:
    adapter = adapter_for(Rule("/u/<int:id>", endpoint="u", methods=["POST"]))
    with pytest.raises(MethodNotAllowed) as info:
        adapter.match("/u/3", "GET")
    assert info.value.valid_methods == ["POST"]


def test_404_when_the_path_matches_nothing() -> None:
    adapter = adapter_for(Rule("/item", endpoint="show", methods=["POST"]))
    with pytest.raises(NotFound):
        adapter.match("/other", "POST")
    with pytest.raises(NotFound):
        adapter.match("/other", "GET")


def test_rule_without_methods_accepts_any_method() -> None:
    adapter = adapter_for(Rule("/any", endpoint="any"))
    for method in ("GET", "POST", "PATCH", "OPTIONS", "BREW"):
        assert adapter.match("/any", method) == ("any", {})


def test_default_method_comes_from_bind() -> None:
    adapter = adapter_for(Rule("/p", endpoint="p", methods=["POST"]), default_method="POST")
    assert adapter.match("/p") == ("p", {})


def test_static_rule_with_wrong_method_falls_back_to_a_dynamic_rule() -> None:
    adapter = adapter_for(
        Rule("/users/new", endpoint="create", methods=["POST"]),
        Rule("/users/<name>", endpoint="user", methods=["GET"]),
    )
    assert adapter.match("/users/new", "GET") == ("user", {"name": "new"})
    assert adapter.match("/users/new", "POST") == ("create", {})
    with pytest.raises(MethodNotAllowed) as info:
        adapter.match("/users/new", "PUT")
    assert info.value.valid_methods == ["GET", "HEAD", "POST"]


def test_an_app_request_falls_back_from_a_static_rule_to_a_dynamic_one() -> None:
    # The request path of an app (Map.match_request) looks the static table up
    # itself and then walks only the trie: the same answers as the adapter.
    import erlen

    app = erlen.Erlen(__name__)
    app.add_url_rule("/users/new", "create", lambda: "create", methods=["POST"])
    app.add_url_rule("/users/<name>", "user", lambda name: f"user {name}")
    client = app.test_client()
    assert client.get("/users/new").get_data(as_text=True) == "user new"
    assert client.post("/users/new").get_data(as_text=True) == "create"
    refused = client.put("/users/new")
    assert refused.status_code == 405
    assert refused.headers["Allow"] == "GET, HEAD, OPTIONS, POST"


def test_options_with_flask_style_automatic_options() -> None:
    # Flask's add_url_rule puts OPTIONS in methods and sets the attribute.
    rule = Rule("/", endpoint="index", methods=["GET", "OPTIONS"])
    rule.provide_automatic_options = True
    adapter = adapter_for(rule)
    assert adapter.match("/", "OPTIONS") == ("index", {})


def test_options_accepted_when_the_framework_provides_it() -> None:
    rule = Rule("/", endpoint="index", methods=["GET"])
    rule.provide_automatic_options = True
    adapter = adapter_for(rule)
    assert adapter.match("/", "OPTIONS") == ("index", {})
    assert rule.methods == {"GET", "HEAD"}
    with pytest.raises(MethodNotAllowed) as info:
        adapter.match("/", "POST")
    assert info.value.valid_methods == ["GET", "HEAD", "OPTIONS"]


def test_options_is_405_without_automatic_options() -> None:
    adapter = adapter_for(Rule("/", endpoint="index", methods=["GET"]))
    assert Rule("/").provide_automatic_options is False
    with pytest.raises(MethodNotAllowed):
        adapter.match("/", "OPTIONS")


def test_allowed_methods() -> None:
    adapter = adapter_for(
        Rule("/a", endpoint="a", methods=["GET"]),
        Rule("/a", endpoint="b", methods=["DELETE"]),
        Rule("/free", endpoint="free"),
    )
    assert adapter.allowed_methods("/a") == ["DELETE", "GET", "HEAD"]
    assert adapter.allowed_methods("/missing") == []
    assert adapter.allowed_methods("/free") == []


def test_test_helper() -> None:
    adapter = adapter_for(Rule("/a/", endpoint="a"))
    assert adapter.test("/a/") is True
    assert adapter.test("/a") is True  # a redirect still means the URL exists
    assert adapter.test("/b") is False


def test_dispatch() -> None:
    adapter = adapter_for(Rule("/a/<int:n>", endpoint="a"), Rule("/d/", endpoint="d"))
    assert adapter.dispatch(lambda endpoint, values: (endpoint, dict(values)), "/a/2") == (
        "a",
        {"n": 2},
    )
    redirect = adapter.dispatch(lambda e, v: None, "/d")
    assert isinstance(redirect, RequestRedirect)
    assert isinstance(
        adapter.dispatch(lambda e, v: None, "/x", catch_http_exceptions=True), NotFound
    )
    with pytest.raises(NotFound):
        adapter.dispatch(lambda e, v: None, "/x")


# -- strict slashes -----------------------------------------------------------------


def test_branch_rule_redirects_the_slashless_url_with_308() -> None:
    adapter = adapter_for(Rule("/docs/", endpoint="docs"))
    assert adapter.match("/docs/") == ("docs", {})
    assert redirect_of(adapter, "/docs") == "http://example.com/docs/"


def test_redirect_response_carries_location() -> None:
    adapter = adapter_for(Rule("/docs/", endpoint="docs"))
    with pytest.raises(RequestRedirect) as info:
        adapter.match("/docs")
    error = info.value
    assert isinstance(error, HTTPException)
    assert ("Location", "http://example.com/docs/") in error.get_headers()
    assert error.description == "http://example.com/docs/"
    assert str(error) == "308 Permanent Redirect: http://example.com/docs/"


# COMPAT(flask): Werkzeug's RequestRedirect sends its redirect() page, byte for byte.
REDIRECT_PAGE = (
    "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
    "<h1>Redirecting...</h1>\n"
    "<p>You should be redirected automatically to the target URL: "
    '<a href="{0}">{0}</a>. If not, click the link.\n'
)


def test_redirect_body_is_the_redirect_page() -> None:
    body = RequestRedirect("http://example.com/docs/").get_body()
    assert body == REDIRECT_PAGE.format("http://example.com/docs/")
    assert "</p>" not in body


def test_redirect_body_escapes_the_url() -> None:
    body = RequestRedirect("http://x/\"><script>'&").get_body()
    assert "<script>" not in body
    assert body == REDIRECT_PAGE.format("http://x/&#34;&gt;&lt;script&gt;&#39;&amp;")


def test_redirect_get_response() -> None:
    response = RequestRedirect("http://example.com/docs/").get_response()
    assert response.status_code == 308
    assert response.status == "308 PERMANENT REDIRECT"
    body = REDIRECT_PAGE.format("http://example.com/docs/").encode()
    assert response.get_data() == body
    assert list(response.headers) == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Location", "http://example.com/docs/"),
    ]


def test_redirect_get_response_same_as_werkzeug() -> None:
    wz_routing = pytest.importorskip("werkzeug.routing")
    for url in ["http://example.com/docs/", "http://x/a b?q=\u00fc&r=<1>", "http://x/\"'"]:
        ours = RequestRedirect(url).get_response()
        theirs = wz_routing.RequestRedirect(url).get_response()
        assert ours.get_data() == theirs.get_data()
        assert list(ours.headers) == list(theirs.headers)
        assert ours.status_code == theirs.status_code


def test_leaf_rule_does_not_match_a_trailing_slash() -> None:
    adapter = adapter_for(Rule("/file", endpoint="file"))
    with pytest.raises(NotFound):
        adapter.match("/file/")


def test_strict_slashes_off_matches_both_forms() -> None:
    adapter = adapter_for(
        Rule("/branch/", endpoint="branch", strict_slashes=False),
        Rule("/leaf", endpoint="leaf", strict_slashes=False),
    )
    assert adapter.match("/branch") == ("branch", {})
    assert adapter.match("/branch/") == ("branch", {})
    assert adapter.match("/leaf") == ("leaf", {})
    assert adapter.match("/leaf/") == ("leaf", {})


def test_map_level_strict_slashes_off() -> None:
    adapter = Map([Rule("/b/", endpoint="b")], strict_slashes=False).bind("example.com")
    assert adapter.match("/b") == ("b", {})


def test_slash_redirect_keeps_query_script_name_and_encodes_the_path() -> None:
    adapter = adapter_for(Rule("/dir é/", endpoint="d"), script_name="/app")
    assert redirect_of(adapter, "/dir é", query_args="a=1&b=%20") == (
        "http://example.com/app/dir%20%C3%A9/?a=1&b=%20"
    )
    assert redirect_of(adapter, "/dir é", query_args={"q": "x y"}) == (
        "http://example.com/app/dir%20%C3%A9/?q=x+y"
    )


def test_slash_redirect_for_a_dynamic_branch() -> None:
    adapter = adapter_for(Rule("/u/<int:id>/", endpoint="u"))
    assert redirect_of(adapter, "/u/5") == "http://example.com/u/5/"
    assert adapter.match("/u/5/") == ("u", {"id": 5})


def test_slash_redirect_only_when_the_value_is_valid() -> None:
    adapter = adapter_for(Rule("/u/<int(max=5):id>/", endpoint="u"))
    with pytest.raises(NotFound):
        adapter.match("/u/9")


def test_slash_redirect_with_a_path_converter() -> None:
    adapter = adapter_for(Rule("/p/<path:rest>/", endpoint="p"))
    assert adapter.match("/p/a/b/") == ("p", {"rest": "a/b"})
    assert redirect_of(adapter, "/p/a/b") == "http://example.com/p/a/b/"


def test_slash_redirect_skips_rules_of_other_methods() -> None:
    adapter = adapter_for(Rule("/f/", endpoint="f", methods=["POST"]))
    with pytest.raises(NotFound):
        adapter.match("/f", "GET")
    assert redirect_of(adapter, "/f", method="POST") == "http://example.com/f/"


# -- merge slashes -----------------------------------------------------------------------


def test_repeated_slashes_redirect_to_the_merged_url() -> None:
    adapter = adapter_for(Rule("/a/b", endpoint="ab"), Rule("/u/<int:id>", endpoint="u"))
    assert redirect_of(adapter, "/a///b") == "http://example.com/a/b"
    assert redirect_of(adapter, "/u//7") == "http://example.com/u/7"


def test_leading_slashes_are_ignored() -> None:
    adapter = adapter_for(Rule("/a", endpoint="a"))
    assert adapter.match("//a") == ("a", {})
    assert adapter.match("a") == ("a", {})


def test_merge_then_trailing_slash() -> None:
    adapter = adapter_for(Rule("/a/b/", endpoint="ab"))
    assert redirect_of(adapter, "/a//b") == "http://example.com/a/b/"


def test_merge_slashes_off_on_the_map() -> None:
    adapter = Map([Rule("/a/b", endpoint="ab")], merge_slashes=False).bind("example.com")
    assert Map(merge_slashes=False).merge_slashes is False
    with pytest.raises(NotFound):
        adapter.match("/a//b")


def test_rule_that_keeps_its_double_slash() -> None:
    adapter = adapter_for(Rule("/a//b", endpoint="ab", merge_slashes=False))
    assert adapter.match("/a//b") == ("ab", {})
    with pytest.raises(NotFound):
        adapter.match("/a/b")


def test_rule_with_merge_slashes_off_is_not_redirected_to() -> None:
    adapter = adapter_for(Rule("/a/b", endpoint="ab", merge_slashes=False))
    with pytest.raises(NotFound):
        adapter.match("/a//b")


def test_merged_rule_string() -> None:
    adapter = adapter_for(Rule("/a//b", endpoint="ab"))
    assert adapter.match("/a/b") == ("ab", {})
    assert adapter.build("ab") == "/a/b"


def test_path_converter_keeps_inner_double_slashes() -> None:
    adapter = adapter_for(Rule("/f/<path:p>", endpoint="f"))
    assert adapter.match("/f/a//b") == ("f", {"p": "a//b"})


# -- defaults, redirect_to, alias -------------------------------------------------------------


def defaults_map(**options: Any) -> Map:
    return Map(
        [
            Rule("/all/", defaults={"page": 1}, endpoint="all"),
            Rule("/all/page/<int:page>", endpoint="all"),
        ],
        **options,
    )


def test_defaults_are_passed_to_the_view() -> None:
    adapter = defaults_map().bind("example.com")
    assert adapter.match("/all/") == ("all", {"page": 1})
    assert adapter.match("/all/page/2") == ("all", {"page": 2})


def test_url_equal_to_defaults_redirects_to_the_canonical_rule() -> None:
    adapter = defaults_map().bind("example.com")
    assert redirect_of(adapter, "/all/page/1") == "http://example.com/all/"
    assert redirect_of(adapter, "/all/page/1", query_args="x=1") == "http://example.com/all/?x=1"


def test_defaults_redirect_off() -> None:
    adapter = defaults_map(redirect_defaults=False).bind("example.com")
    assert adapter.match("/all/page/1") == ("all", {"page": 1})


def test_defaults_redirect_respects_methods() -> None:
    url_map = Map(
        [
            Rule("/all/", defaults={"page": 1}, endpoint="all", methods=["GET"]),
            Rule("/all/page/<int:page>", endpoint="all"),
        ]
    )
    adapter = url_map.bind("example.com")
    assert adapter.match("/all/page/1", "POST") == ("all", {"page": 1})
    assert redirect_of(adapter, "/all/page/1", method="GET") == "http://example.com/all/"


def test_redirect_to_string_with_placeholders() -> None:
    adapter = adapter_for(
        Rule("/new/<int:id>", endpoint="new"),
        Rule("/old/<int:id>", redirect_to="new/<id>"),
        Rule("/older/<name>", redirect_to="/top/<name>"),
        script_name="/app",
    )
    assert redirect_of(adapter, "/old/5") == "http://example.com/app/new/5"
    assert redirect_of(adapter, "/older/a b") == "http://example.com/top/a%20b"


def test_redirect_to_callable() -> None:
    def target(adapter: MapAdapter, id: int) -> str:
        assert isinstance(adapter, MapAdapter)
        return f"items/{id * 2}"

    adapter = adapter_for(
        Rule("/old/<int:id>", subdomain="api", redirect_to=target), subdomain="api"
    )
    assert redirect_of(adapter, "/old/4") == "http://api.example.com/items/8"


def test_redirect_to_absolute_url() -> None:
    adapter = adapter_for(Rule("/ext", redirect_to="https://other.org/x"))
    assert redirect_of(adapter, "/ext") == "https://other.org/x"


def test_alias_redirects_to_the_canonical_url() -> None:
    adapter = adapter_for(
        Rule("/help/<int:page>", endpoint="help"),
        Rule("/docs/<int:page>", endpoint="help", alias=True),
    )
    assert adapter.match("/help/2") == ("help", {"page": 2})
    assert redirect_of(adapter, "/docs/2") == "http://example.com/help/2"
    assert redirect_of(adapter, "/docs/2", query_args="q=1") == "http://example.com/help/2?q=1"
    assert adapter.build("help", {"page": 3}) == "/help/3"


# -- subdomains and hosts --------------------------------------------------------------------------


def test_subdomain_rules() -> None:
    url_map = Map(
        [
            Rule("/", endpoint="index"),
            Rule("/", subdomain="api", endpoint="api"),
            Rule("/", subdomain="<user>", endpoint="user"),
            Subdomain("<string(length=2):lang>", [Rule("/about", endpoint="about")]),
        ]
    )
    assert url_map.bind("example.com").match("/") == ("index", {})
    assert url_map.bind("example.com", subdomain="api").match("/") == ("api", {})
    assert url_map.bind("example.com", subdomain="alice").match("/") == (
        "user",
        {"user": "alice"},
    )
    assert url_map.bind("example.com", subdomain="de").match("/about") == (
        "about",
        {"lang": "de"},
    )
    with pytest.raises(NotFound):
        url_map.bind("example.com", subdomain="deu").match("/about")
    with pytest.raises(NotFound):
        url_map.bind("example.com").match("/about")


def test_default_subdomain() -> None:
    url_map = Map(
        [Rule("/", endpoint="www"), Rule("/", subdomain="", endpoint="bare")],
        default_subdomain="www",
    )
    assert url_map.bind("example.com").match("/") == ("www", {})
    assert url_map.bind("example.com", subdomain="").match("/") == ("bare", {})


def test_host_matching() -> None:
    url_map = Map(
        [
            Rule("/", host="example.com", endpoint="index"),
            Rule("/", host="<user>.example.com", endpoint="user"),
            Rule("/x", host="shop.<domain>", endpoint="shop"),
        ],
        host_matching=True,
    )
    assert url_map.bind("example.com").match("/") == ("index", {})
    assert url_map.bind("Alice.Example.com").match("/") == ("user", {"user": "alice"})
    assert url_map.bind("shop.test.org").match("/x") == ("shop", {"domain": "test.org"})
    with pytest.raises(NotFound):
        url_map.bind("other.org").match("/")
    with pytest.raises(RuntimeError, match="host matching"):
        url_map.bind("example.com", subdomain="x")


def test_websocket_rules() -> None:
    url_map = Map([Rule("/ws", endpoint="ws", websocket=True), Rule("/http", endpoint="http")])
    assert url_map.bind("example.com", url_scheme="ws").match("/ws") == ("ws", {})
    assert url_map.bind("example.com").match("/ws", websocket=True) == ("ws", {})
    with pytest.raises(WebsocketMismatch) as info:
        url_map.bind("example.com").match("/ws")
    assert isinstance(info.value, BadRequest)
    assert info.value.code == 400
    with pytest.raises(WebsocketMismatch):
        url_map.bind("example.com", url_scheme="wss").match("/http")


def test_websocket_rules_refuse_other_methods() -> None:
    with pytest.raises(ValueError, match="WebSocket"):
        Rule("/ws", websocket=True, methods=["POST"])


# -- ordering ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True])
def test_static_segment_beats_a_converter(reverse: bool) -> None:
    rules = [Rule("/u/<name>", endpoint="user"), Rule("/u/me", endpoint="me")]
    adapter = adapter_for(*(reversed(rules) if reverse else rules))
    assert adapter.match("/u/me") == ("me", {})
    assert adapter.match("/u/you") == ("user", {"name": "you"})


@pytest.mark.parametrize("reverse", [False, True])
def test_int_beats_string_and_string_beats_path(reverse: bool) -> None:
    rules = [
        Rule("/<path:p>", endpoint="path"),
        Rule("/<name>", endpoint="string"),
        Rule("/<int:n>", endpoint="int"),
    ]
    adapter = adapter_for(*(reversed(rules) if reverse else rules))
    assert adapter.match("/5") == ("int", {"n": 5})
    assert adapter.match("/five") == ("string", {"name": "five"})
    assert adapter.match("/a/b") == ("path", {"p": "a/b"})


@pytest.mark.parametrize("reverse", [False, True])
def test_more_static_text_in_a_segment_wins(reverse: bool) -> None:
    rules = [
        Rule("/<name>", endpoint="plain"),
        Rule("/<name>.json", endpoint="json"),
        Rule("/v<name>", endpoint="v"),
        Rule("/ver<name>", endpoint="ver"),
    ]
    adapter = adapter_for(*(reversed(rules) if reverse else rules))
    assert adapter.match("/x.json") == ("json", {"name": "x"})
    assert adapter.match("/x") == ("plain", {"name": "x"})
    assert adapter.match("/v1") == ("v", {"name": "1"})
    assert adapter.match("/ver1") == ("ver", {"name": "1"})


def test_backtracking_when_a_deeper_segment_fails() -> None:
    rules = [Rule("/x/<int:n>/edit", endpoint="edit"), Rule("/<a>/<b>/view", endpoint="view")]
    adapter = adapter_for(*rules)
    assert adapter.match("/x/5/edit") == ("edit", {"n": 5})
    # The static "x" branch is tried first and fails, then "<a>" is.
    assert adapter.match("/x/5/view") == ("view", {"a": "x", "b": "5"})
    # A path rule under the static "x" wins before "<a>" is ever tried.
    adapter = adapter_for(*[r.empty() for r in rules], Rule("/x/<path:p>", endpoint="path"))
    assert adapter.match("/x/5/view") == ("path", {"p": "5/view"})


def test_more_segments_before_the_path_converter() -> None:
    adapter = adapter_for(Rule("/<path:p>", endpoint="path"), Rule("/<a>/<b>", endpoint="ab"))
    assert adapter.match("/x/y") == ("ab", {"a": "x", "b": "y"})
    assert adapter.match("/x/y/z") == ("path", {"p": "x/y/z"})


def test_definition_order_breaks_ties() -> None:
    adapter = adapter_for(Rule("/<a>", endpoint="first"), Rule("/<b>", endpoint="second"))
    assert adapter.match("/x") == ("first", {"a": "x"})


def test_converter_weight_orders_custom_converters() -> None:
    class Early(BaseConverter):
        weight = 10

    url_map = Map(
        [Rule("/<int:n>", endpoint="int"), Rule("/<early:e>", endpoint="early")],
        converters={"early": Early},
    )
    assert url_map.bind("h").match("/5") == ("early", {"e": "5"})


def test_rules_added_after_matching_are_seen() -> None:
    url_map = Map([Rule("/<name>", endpoint="name")])
    adapter = url_map.bind("example.com")
    assert adapter.match("/5") == ("name", {"name": "5"})
    url_map.add(Rule("/<int:n>", endpoint="int"))
    assert adapter.match("/5") == ("int", {"n": 5})


def test_build_only_rules_never_match() -> None:
    adapter = adapter_for(Rule("/static/<path:f>", endpoint="static", build_only=True))
    with pytest.raises(NotFound):
        adapter.match("/static/a.css")
    assert adapter.build("static", {"f": "a.css"}) == "/static/a.css"


# -- several converters in one segment ---------------------------------------------------------


def test_several_converters_in_one_segment() -> None:
    adapter = adapter_for(
        Rule("/pkg/<name>-<version>-<arch>.whl", endpoint="wheel"),
        Rule("/d/<path:a>/to/<path:b>.txt", endpoint="two_paths"),
    )
    assert adapter.match("/pkg/erlen-1.0-any.whl") == (
        "wheel",
        {"name": "erlen", "version": "1.0", "arch": "any"},
    )
    # String converters are greedy (as in Werkzeug): the first takes all it can.
    assert adapter.match("/pkg/a-b-c-d.whl") == (
        "wheel",
        {"name": "a-b", "version": "c", "arch": "d"},
    )
    assert adapter.match("/d/x/y/to/z/to/w.txt") == ("two_paths", {"a": "x/y", "b": "z/to/w"})
    for path in ("/pkg/a-b.whl", "/pkg/a--.whl", "/pkg/-a-b.whl", "/pkg/a-b-c.wh", "/d/to/x.txt"):
        with pytest.raises(NotFound):
            adapter.match(path)


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/<a>-<b>-<c>.json", "/" + "a-" * 10_000 + "x"),
        ("/<path:a>/<path:b>/<path:c>/y", "/" + "a/" * 10_000),
        ("/<a>.<b>.<c>.<d>x", "/" + "a." * 10_000),
    ],
    ids=["dashes", "paths", "dots"],
)
def test_near_misses_with_several_converters_fail_without_backtracking(
    rule: str, path: str
) -> None:
    # Without the literal screen the regex backtracks in O(n^3) here: hours for
    # these 20,000 characters, so this test would hit the suite's timeout.
    adapter = adapter_for(Rule(rule, endpoint="e"))
    with pytest.raises(NotFound):
        adapter.match(path)


# -- decoded paths: "+" and "%2F" -----------------------------------------------------------


def test_plus_is_literal_in_paths() -> None:
    adapter = adapter_for(Rule("/lang/c++", endpoint="cpp"), Rule("/t/<tag>", endpoint="tag"))
    assert adapter.match("/lang/c++") == ("cpp", {})
    assert adapter.match("/t/a+b") == ("tag", {"tag": "a+b"})
    assert adapter.build("cpp") == "/lang/c++"
    assert adapter.build("tag", {"tag": "a+b"}) == "/t/a+b"


def test_encoded_slash_arrives_decoded_and_separates_segments() -> None:
    # The server decodes the URL before routing: "/u/a%2Fb" reaches match()
    # as "/u/a/b", which a string converter cannot take.
    adapter = adapter_for(Rule("/u/<name>", endpoint="u"), Rule("/p/<path:p>", endpoint="p"))
    assert adapter.build("u", {"name": "a/b"}) == "/u/a%2Fb"
    with pytest.raises(NotFound):
        adapter.match("/u/a/b")
    assert adapter.match("/p/a/b") == ("p", {"p": "a/b"})
    # The router never decodes again: a literal "%2F" is text.
    assert adapter.match("/u/a%2Fb") == ("u", {"name": "a%2Fb"})


def test_newline_in_a_path_value() -> None:
    adapter = adapter_for(Rule("/u/<name>", endpoint="u"), Rule("/p/<path:p>", endpoint="p"))
    assert adapter.match("/u/a\nb") == ("u", {"name": "a\nb"})
    assert adapter.match("/p/a\n/b") == ("p", {"p": "a\n/b"})


def test_empty_path_redirects_to_root() -> None:
    adapter = adapter_for(Rule("/", endpoint="index"))
    assert adapter.match("/") == ("index", {})
    assert redirect_of(adapter, "") == "http://example.com/"


# -- binding to a request -----------------------------------------------------------------------


@dataclass
class FakeHeaders:
    values: dict[str, str] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self.values.items():
            if key.lower() == name.lower():
                return value
        return default


@dataclass
class FakeRequest:
    """The attributes of erlen.http.request.Request that bind_to_request reads."""

    host: str = "example.com"
    scheme: str = "http"
    root_path: str = ""
    path: str = "/"
    method: str = "GET"
    query_string: bytes = b""
    headers: FakeHeaders = field(default_factory=FakeHeaders)


def request_map() -> Map:
    return Map(
        [
            Rule("/", endpoint="index"),
            Rule("/u/<int:id>", endpoint="user", methods=["GET"]),
            Rule("/docs/", endpoint="docs"),
            Rule("/", subdomain="<sub>", endpoint="sub"),
            Rule("/ws", endpoint="ws", websocket=True),
        ]
    )


def test_bind_to_request_uses_path_method_and_root_path() -> None:
    request = FakeRequest(path="/u/3", root_path="/app", method="GET")
    adapter = request_map().bind_to_request(request, subdomain="")
    assert adapter.match() == ("user", {"id": 3})
    assert adapter.match(return_rule=True)[0].rule == "/u/<int:id>"
    assert adapter.build("user", {"id": 4}) == "/app/u/4"
    assert adapter.build("user", {"id": 4}, force_external=True) == "http://example.com/app/u/4"


def test_bind_to_request_405() -> None:
    adapter = request_map().bind_to_request(FakeRequest(path="/u/3", method="POST"), subdomain="")
    with pytest.raises(MethodNotAllowed):
        adapter.match()


def test_bind_to_request_redirect_keeps_the_raw_query_string() -> None:
    request = FakeRequest(path="/docs", root_path="/my app", query_string=b"q=%C3%A9&x=\xc3\xa9")
    adapter = request_map().bind_to_request(request, subdomain="")
    assert redirect_of(adapter, "/docs") == "http://example.com/my%20app/docs/?q=%C3%A9&x=%C3%A9"


def test_bind_to_request_takes_the_subdomain_from_the_host() -> None:
    url_map = request_map()
    adapter = url_map.bind_to_request(FakeRequest(host="alice.example.com"), "example.com")
    assert adapter.subdomain == "alice"
    assert adapter.match() == ("sub", {"sub": "alice"})
    adapter = url_map.bind_to_request(FakeRequest(host="example.com"), "example.com")
    assert adapter.match() == ("index", {})


def test_bind_to_request_host_outside_server_name_is_a_404() -> None:
    request = FakeRequest(host="10.0.0.1", path="/u/3")
    adapter = request_map().bind_to_request(request, "example.com")
    assert adapter.subdomain == "<invalid>"
    with pytest.raises(NotFound):
        adapter.match()


def test_bind_to_request_strips_default_ports() -> None:
    url_map = request_map()
    adapter = url_map.bind_to_request(FakeRequest(host="example.com:80"))
    assert adapter.server_name == "example.com"
    adapter = url_map.bind_to_request(
        FakeRequest(host="a.example.com", scheme="https"), "example.com:443"
    )
    assert (adapter.server_name, adapter.subdomain) == ("example.com", "a")
    adapter = url_map.bind_to_request(FakeRequest(host="example.com:8080"))
    assert adapter.server_name == "example.com:8080"


def test_bind_to_request_idna_host() -> None:
    adapter = request_map().bind_to_request(FakeRequest(host="Bücher.example"))
    assert adapter.server_name == "xn--bcher-kva.example"
    with pytest.raises(BadHost):
        request_map().bind_to_request(FakeRequest(host="ü" * 70 + ".example"))


def test_bind_to_request_detects_websocket_upgrades() -> None:
    headers = FakeHeaders({"Upgrade": "WebSocket", "Connection": "keep-alive, Upgrade"})
    adapter = request_map().bind_to_request(
        FakeRequest(path="/ws", scheme="https", headers=headers), subdomain=""
    )
    assert adapter.url_scheme == "wss"
    assert adapter.match() == ("ws", {})
    plain = request_map().bind_to_request(FakeRequest(path="/ws"), subdomain="")
    with pytest.raises(WebsocketMismatch):
        plain.match()
    scope_ws = request_map().bind_to_request(FakeRequest(path="/ws", scheme="ws"), subdomain="")
    assert scope_ws.match() == ("ws", {})


def test_bind_to_request_with_host_matching() -> None:
    url_map = Map([Rule("/", host="<user>.example.com", endpoint="user")], host_matching=True)
    adapter = url_map.bind_to_request(FakeRequest(host="bob.example.com"))
    assert adapter.match() == ("user", {"user": "bob"})


def test_bind_to_a_real_request() -> None:
    request_module = pytest.importorskip("erlen.http.request")
    datastructures = pytest.importorskip("erlen.http.datastructures")
    request = request_module.Request(
        "POST",
        "https",
        ("example.com", 443),
        "/app",
        "/u/7",
        b"a=1",
        datastructures.Headers([("Host", "example.com")]),
    )
    url_map = Map([Rule("/u/<int:id>", endpoint="u", methods=["POST"])])
    adapter = url_map.bind_to_request(request, subdomain="")
    assert adapter.match() == ("u", {"id": 7})
    assert adapter.build("u", {"id": 8}, force_external=True) == "https://example.com/app/u/8"


# -- per-request shortcuts: the bind cache and the shared search ---------------------


def test_bind_to_request_keeps_requests_apart() -> None:
    url_map = request_map()
    first = url_map.bind_to_request(
        FakeRequest(host="example.com", path="/u/1", root_path="/a"), "example.com"
    )
    second = url_map.bind_to_request(
        FakeRequest(
            host="example.com", scheme="https", path="/u/2", method="POST", query_string=b"q"
        ),
        "example.com",
    )
    third = url_map.bind_to_request(
        FakeRequest(host="alice.example.com", path="/", root_path="/b"), "example.com"
    )
    assert (first.subdomain, first.url_scheme, first.script_name) == ("", "http", "/a/")
    assert (second.subdomain, second.url_scheme, second.script_name) == ("", "https", "/")
    assert (third.subdomain, third.script_name) == ("alice", "/b/")
    assert (first.path_info, first.default_method, first.query_args) == ("/u/1", "GET", b"")
    assert (second.path_info, second.default_method, second.query_args) == ("/u/2", "POST", b"q")
    assert first.build("index", force_external=True) == "http://example.com/a/"
    assert third.build("sub", {"sub": "carol"}) == "http://carol.example.com/b/"
    assert second.build("index", force_external=True) == "https://example.com/"
    assert first.match() == ("user", {"id": 1})
    with pytest.raises(MethodNotAllowed):
        second.match()


def test_bind_to_request_same_host_with_and_without_upgrade() -> None:
    url_map = request_map()
    upgrade = FakeHeaders({"Upgrade": "websocket", "Connection": "Upgrade"})
    ws = url_map.bind_to_request(FakeRequest(path="/ws", headers=upgrade), subdomain="")
    plain = url_map.bind_to_request(FakeRequest(path="/ws"), subdomain="")
    assert (ws.url_scheme, ws.websocket) == ("ws", True)
    assert (plain.url_scheme, plain.websocket) == ("http", False)
    assert ws.match() == ("ws", {})
    with pytest.raises(WebsocketMismatch):
        plain.match()


def test_bind_to_request_upgrade_needs_the_connection_token() -> None:
    url_map = request_map()
    for headers in (
        {"Upgrade": "websocket"},
        {"Upgrade": "websocket", "Connection": "keep-alive"},
        {"Upgrade": "h2c", "Connection": "Upgrade"},
        {"Upgrade": "", "Connection": "Upgrade"},
    ):
        adapter = url_map.bind_to_request(
            FakeRequest(path="/ws", headers=FakeHeaders(headers)), subdomain=""
        )
        assert adapter.url_scheme == "http", headers


def test_bind_to_request_with_many_client_hosts_stays_correct() -> None:
    # Hosts come from clients: the cache behind bind_to_request is bounded
    # and requests past its size are still bound correctly.
    url_map = request_map()
    for i in range(600):
        adapter = url_map.bind_to_request(
            FakeRequest(host=f"u{i}.example.com", path="/"), "example.com"
        )
        assert adapter.subdomain == f"u{i}"
        assert adapter.match() == ("sub", {"sub": f"u{i}"})
    assert len(url_map._bound) <= 256


def test_bind_to_request_after_switching_host_matching() -> None:
    url_map = Map([Rule("/", endpoint="index")])
    assert url_map.bind_to_request(FakeRequest(host="a.example.com")).subdomain == ""
    url_map.host_matching = True
    assert url_map.bind_to_request(FakeRequest(host="a.example.com")).subdomain is None


def test_failed_dynamic_matches_still_explain_themselves() -> None:
    url_map = Map(
        [
            Rule("/i/<int:n>", endpoint="get", methods=["GET"]),
            Rule("/i/<int:n>", endpoint="put", methods=["PUT"]),
            Rule("/w/<x>", endpoint="ws", websocket=True),
        ]
    )
    adapter = url_map.bind("example.com")
    for _ in range(2):
        with pytest.raises(MethodNotAllowed) as info:
            adapter.match("/i/1", "POST")
        assert info.value.valid_methods == ["GET", "HEAD", "PUT"]
        with pytest.raises(WebsocketMismatch):
            adapter.match("/w/a")
        with pytest.raises(NotFound):
            adapter.match("/i/x", "POST")
    assert adapter.match("/i/1", "PUT") == ("put", {"n": 1})


def test_many_client_methods_keep_the_matcher_bounded() -> None:
    url_map = Map([Rule("/i/<int:n>", endpoint="get", methods=["GET"])])
    adapter = url_map.bind("example.com")
    for i in range(200):
        with pytest.raises(MethodNotAllowed):
            adapter.match("/i/1", f"M{i}")
    assert adapter.match("/i/1", "GET") == ("get", {"n": 1})
    assert len(url_map._matcher._allowed) == 1


def test_405_methods_are_sorted_unions_and_follow_added_rules() -> None:
    url_map = Map(
        [
            Rule("/r/<int:n>", endpoint="put", methods=["PUT"]),
            Rule("/r/<name>", endpoint="post", methods=["POST", "DELETE"]),
        ]
    )
    adapter = url_map.bind("example.com")
    with pytest.raises(MethodNotAllowed) as info:
        adapter.match("/r/1", "GET")
    assert info.value.valid_methods == ["DELETE", "POST", "PUT"]
    with pytest.raises(MethodNotAllowed) as info:
        adapter.match("/r/x", "GET")
    assert info.value.valid_methods == ["DELETE", "POST"]
    # The cached lists are per set of rules, and a later rule is not hidden by them.
    url_map.add(Rule("/r/<int:n>", endpoint="patch", methods=["PATCH"]))
    with pytest.raises(MethodNotAllowed) as info:
        adapter.match("/r/1", "GET")
    assert info.value.valid_methods == ["DELETE", "PATCH", "POST", "PUT"]
    with pytest.raises(NotFound):
        adapter.match("/s/1", "GET")
