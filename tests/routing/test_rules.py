"""Rules: parsing, attributes, copies, equality, and rule factories."""

from __future__ import annotations

import pytest

from erlen.routing import (
    EndpointPrefix,
    Map,
    Rule,
    RuleFactory,
    RuleTemplate,
    Subdomain,
    Submount,
)


def test_rule_must_start_with_a_slash() -> None:
    with pytest.raises(ValueError, match="must start with a slash"):
        Rule("user", endpoint="u")


@pytest.mark.parametrize(
    "rule",
    ["/<>", "/<1x>", "/<int:>", "/<int(min=1):>", "/a<b", "/<a b>", "/<int(1:x>"],
)
def test_malformed_placeholders_are_refused(rule: str) -> None:
    with pytest.raises(ValueError, match="malformed URL rule"):
        Map([Rule(rule, endpoint="e")])


def test_a_variable_used_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="variable 'x' twice"):
        Map([Rule("/<x>/<int:x>", endpoint="e")])
    with pytest.raises(ValueError, match="variable 'x' twice"):
        Map([Rule("/<x>", subdomain="<x>", endpoint="e")])


def test_closing_angle_bracket_is_static_text() -> None:
    adapter = Map([Rule("/a>b", endpoint="e")]).bind("h")
    assert adapter.match("/a>b") == ("e", {})


def test_attributes() -> None:
    rule = Rule(
        "/u/<int:id>/",
        defaults={"tab": "home"},
        endpoint="user",
        methods=["GET"],
        subdomain="api",
        strict_slashes=False,
        websocket=False,
    )
    assert rule.rule == "/u/<int:id>/"
    assert str(rule) == "/u/<int:id>/"
    assert rule.endpoint == "user"
    assert rule.arguments == {"tab"}
    Map([rule])
    assert rule.arguments == {"tab", "id"}
    assert rule.defaults == {"tab": "home"}
    assert rule.is_branch and not rule.is_leaf
    assert rule.subdomain == "api"
    assert rule.strict_slashes is False
    assert rule.merge_slashes is True  # taken from the map
    assert rule.websocket is False
    assert repr(rule) == "<Rule 'api|/u/<id>/' (GET, HEAD) -> user>"
    assert repr(Rule("/x")) == "<Rule (unbound)>"


def test_a_rule_binds_to_one_map_only() -> None:
    rule = Rule("/", endpoint="i")
    Map([rule])
    with pytest.raises(RuntimeError, match="already bound"):
        Map([rule])
    Map([rule.empty()])


def test_empty_copies_every_option() -> None:
    def target(adapter: object, **values: object) -> str:
        return "x"

    rule = Rule(
        "/a/<int:n>",
        defaults={"k": 1},
        subdomain="s",
        methods=["POST"],
        build_only=True,
        endpoint="e",
        strict_slashes=False,
        merge_slashes=False,
        redirect_to=target,
        alias=True,
        host="h.example",
        websocket=False,
    )
    rule.provide_automatic_options = True
    copy = rule.empty()
    assert copy is not rule
    assert copy.map is None
    for name in (
        "rule",
        "defaults",
        "subdomain",
        "methods",
        "build_only",
        "endpoint",
        "strict_slashes",
        "merge_slashes",
        "redirect_to",
        "alias",
        "host",
        "websocket",
        "provide_automatic_options",
    ):
        assert getattr(copy, name) == getattr(rule, name), name
    assert copy.defaults is not rule.defaults


def test_refresh_recompiles_after_an_in_place_change() -> None:
    rule = Rule("/a", endpoint="e")
    url_map = Map([rule])
    assert url_map.bind("h").build("e") == "/a"
    rule.defaults = {"x": "1"}
    rule.refresh()
    assert url_map.bind("h").build("e", {"x": "1"}) == "/a"


def test_equality_is_structural_and_rules_are_unhashable() -> None:
    first, second, third = Rule("/a/<x>"), Rule("/a/<x>"), Rule("/a/<y>")
    Map([first, second, third])
    assert first == second
    assert first != third
    with pytest.raises(TypeError):
        hash(first)


def test_rule_build_returns_none_when_a_value_is_missing() -> None:
    rule = Rule("/u/<int:id>", endpoint="u")
    Map([rule])
    assert rule.build({"id": 2}) == ("", "/u/2")
    assert rule.build({"id": 2, "q": "x"}) == ("", "/u/2?q=x")
    assert rule.build({"id": 2, "q": "x"}, append_unknown=False) == ("", "/u/2")
    assert rule.build({}) is None


def test_suitable_for_and_provides_defaults_for() -> None:
    canonical = Rule("/all/", defaults={"page": 1}, endpoint="all", methods=["GET"])
    paged = Rule("/all/page/<int:page>", endpoint="all")
    other = Rule("/x/<int:page>", endpoint="x")
    Map([canonical, paged, other])
    assert canonical.provides_defaults_for(paged)
    assert not paged.provides_defaults_for(canonical)
    assert not canonical.provides_defaults_for(other)
    assert canonical.suitable_for({}, "GET")
    assert canonical.suitable_for({"page": 1})
    assert not canonical.suitable_for({"page": 2})
    assert not canonical.suitable_for({}, "POST")
    assert paged.suitable_for({"page": 3}, "POST")
    assert not paged.suitable_for({})
    assert canonical.build_compare_key() == (0, -1, -1)
    assert Rule("/a", alias=True).build_compare_key() == (1, 0, 0)


@pytest.mark.parametrize(
    ("target", "plausible"),
    [
        ("a-b-c.json", True),
        ("a-b-c-d.json", True),
        ("a-b.json", False),  # a literal "-" is missing
        ("a--.json", False),  # no room for <b>
        ("-b-c.json", False),  # no room for <a>
        ("a-b-c.jsonx", False),  # the tail is anchored
        ("a-b-.json", False),  # no room for <c>
    ],
)
def test_literal_screen_of_a_part(target: str, plausible: bool) -> None:
    rule = Rule("/<a>-<b>-<c>.json", endpoint="e")
    Map([rule])
    part = rule._parts[-1]
    assert part.screen == ("", ((1, "-"), (1, "-")), 1, ".json")
    assert part.plausible(target) is plausible
    assert (part.pattern is not None and part.pattern.fullmatch(target) is not None) is plausible


def test_literal_screen_with_head_and_trailing_slash() -> None:
    rule = Rule("/x<a>-<path:b>/", endpoint="e")
    Map([rule])
    part = rule._parts[-2]
    assert part.suffixed
    assert part.screen == ("x", ((1, "-"),), 1, "")
    assert part.plausible("xa-b/")
    assert part.plausible("xa-b/c")
    assert not part.plausible("ya-b")
    assert rule._parts[1].screen is None or rule._parts[1].static


def test_single_converter_parts_have_no_screen() -> None:
    rule = Rule("/<a>.json/<path:p>", endpoint="e")
    Map([rule])
    assert all(part.screen is None for part in rule._parts)


# -- factories -----------------------------------------------------------------------------


def test_submount_prefixes_paths() -> None:
    url_map = Map(
        [
            Rule("/", endpoint="index"),
            Submount(
                "/blog/",
                [Rule("/", endpoint="blog.index"), Rule("/<slug>", endpoint="blog.show")],
            ),
        ]
    )
    adapter = url_map.bind("h")
    assert adapter.match("/blog/") == ("blog.index", {})
    assert adapter.match("/blog/hello") == ("blog.show", {"slug": "hello"})
    assert adapter.build("blog.show", {"slug": "x"}) == "/blog/x"
    rules = {r.endpoint: r for r in url_map.iter_rules()}
    assert rules["blog.index"].is_branch
    assert rules["blog.show"].is_leaf


def test_subdomain_factory() -> None:
    url_map = Map([Subdomain("<user>", [Rule("/", endpoint="home")])])
    assert url_map.bind("h", subdomain="ann").match("/") == ("home", {"user": "ann"})


def test_endpoint_prefix_nests_with_submount() -> None:
    url_map = Map(
        [
            EndpointPrefix(
                "blog/",
                [Submount("/blog", [Rule("/", endpoint="index"), Rule("/<id>", endpoint="show")])],
            )
        ]
    )
    adapter = url_map.bind("h")
    assert adapter.match("/blog/") == ("blog/index", {})
    assert adapter.match("/blog/7") == ("blog/show", {"id": "7"})


def test_factories_copy_their_rules() -> None:
    rule = Rule("/x", endpoint="x")
    Map([Submount("/a", [rule]), Submount("/b", [rule])])
    assert rule.map is None
    assert rule.rule == "/x"


def test_rule_template() -> None:
    resource = RuleTemplate(
        [
            Rule("/$name/", endpoint="$name.list", defaults={"kind": "$name"}),
            Rule("/$name/<int:id>", endpoint="$name.show", subdomain="$name"),
        ]
    )
    url_map = Map([resource(name="user"), resource({"name": "page"})])
    adapter = url_map.bind("h")
    assert adapter.match("/user/") == ("user.list", {"kind": "user"})
    assert adapter.match("/page/") == ("page.list", {"kind": "page"})
    assert url_map.bind("h", subdomain="page").match("/page/3") == ("page.show", {"id": 3})


def test_custom_rule_factory() -> None:
    class Crud(RuleFactory):
        def __init__(self, name: str) -> None:
            self.name = name

        def get_rules(self, map: Map) -> list[Rule]:
            return [
                Rule(f"/{self.name}/", endpoint=f"{self.name}.list", methods=["GET"]),
                Rule(f"/{self.name}/", endpoint=f"{self.name}.create", methods=["POST"]),
            ]

    adapter = Map([Crud("notes")]).bind("h")
    assert adapter.match("/notes/", "POST") == ("notes.create", {})
    assert adapter.match("/notes/", "GET") == ("notes.list", {})


def test_base_rule_factory_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        RuleFactory().get_rules(Map())


def test_map_repr_lists_rules() -> None:
    url_map = Map([Rule("/", endpoint="index")])
    assert repr(url_map) == "Map([<Rule '/' -> index>])"
