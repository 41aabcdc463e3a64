"""Templates: autoescaping, the context, blueprint folders, signals and streaming."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jinja2 import DictLoader, TemplateNotFound
from markupsafe import Markup

from erlen import Blueprint, Erlen, g, request, session
from erlen.ctx import _default_template_ctx_processor
from erlen.signals import before_render_template, template_rendered
from erlen.templating import (
    DispatchingJinjaLoader,
    Environment,
    create_jinja_environment,
    get_template_attribute,
    render_template,
    render_template_string,
    select_jinja_autoescape,
    stream_template,
    stream_template_string,
)
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__, root_path=str(FIXTURES))
    app.config.update(TESTING=True, SECRET_KEY="templating tests")
    return app


def test_notes_xss_example_escapes_user_input(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        user_input = "<script>alert('XSS')</script>"
        return render_template("index.html", user_input=user_input)

    rv = make_client(app).get("/")
    assert rv.status_code == 200
    assert rv.mimetype == "text/html"
    assert rv.text == (
        "<!-- Jinja2 会自动转义 HTML 标签 --> &lt;script&gt;alert(&#39;XSS&#39;)&lt;/script&gt;"
    )
    assert "<script>" not in rv.text


def test_notes_markup_example_is_not_escaped(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        user_input = "<strong>Safe content</strong>"
        return render_template("index.html", user_input=Markup(user_input))

    assert make_client(app).get("/").text.endswith("--> <strong>Safe content</strong>")


def test_render_template_string_autoescapes(app: Erlen) -> None:
    with app.test_request_context():
        assert render_template_string("{{ v }}", v="<b>&") == "&lt;b&gt;&amp;"
        assert render_template_string("{{ v|safe }}", v="<b>") == "<b>"
        assert render_template_string("{{ v }}", v=Markup("<b>")) == "<b>"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("plain.txt", "<b>"), ("image.svg", "&lt;b&gt;"), ("index.html", "&lt;b&gt;")],
)
def test_autoescape_follows_file_extension(app: Erlen, name: str, expected: str) -> None:
    with app.app_context():
        rendered = render_template(name, text="<b>", user_input="<b>")
    assert expected in rendered


@pytest.mark.parametrize(
    ("filename", "escaped"),
    [
        (None, True),
        ("a.html", True),
        ("a.htm", True),
        ("a.xml", True),
        ("a.xhtml", True),
        ("a.svg", True),
        ("a.txt", False),
        ("a.js", False),
        ("a.html.txt", False),
    ],
)
def test_select_jinja_autoescape(filename: str | None, escaped: bool) -> None:
    assert select_jinja_autoescape(filename) is escaped


def test_request_session_g_config_url_for_in_templates(app: Erlen, make_client: MakeClient) -> None:
    app.config["APP_NAME"] = "Erlen Test"

    @app.route("/page")
    def page() -> str:
        session["name"] = "<ada>"
        g.user = "grace"
        return render_template("globals.html")

    rv = make_client(app).get("/page")
    assert rv.text == "/page|&lt;ada&gt;|grace|Erlen Test|/page"


def test_untouched_session_is_not_opened_by_rendering(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        return render_template_string("{{ 1 + 1 }}")

    rv = make_client(app).get("/", headers={"Cookie": "session=garbage"})
    assert rv.text == "2"
    assert "Vary" not in rv.headers
    assert rv.headers.getlist("Set-Cookie") == []


def test_session_global_in_template_opens_session_lazily(
    app: Erlen, make_client: MakeClient
) -> None:
    @app.route("/set")
    def set_() -> str:
        session["name"] = "lin"
        return ""

    @app.route("/")
    def index() -> str:
        return render_template_string("{{ session.name }}")

    client = make_client(app)
    client.get("/set")
    rv = client.get("/")
    assert rv.text == "lin"
    assert rv.headers["Vary"] == "Cookie"


def test_default_context_processor_outside_request(app: Erlen) -> None:
    assert _default_template_ctx_processor() == {}
    with app.app_context():
        rv = _default_template_ctx_processor()
        assert set(rv) == {"g"}
        assert rv["g"] is g._get_current_object()  # type: ignore[attr-defined]
        assert render_template_string("{{ config.SECRET_KEY }}") == "templating tests"
    with app.test_request_context("/x"):
        rv = _default_template_ctx_processor()
        assert set(rv) == {"g", "request"}
        assert rv["request"] is request._get_current_object()  # type: ignore[attr-defined]
        session.get("anything")
        assert set(_default_template_ctx_processor()) == {"g", "request", "session"}


def test_context_processors_app_and_blueprint(app: Erlen, make_client: MakeClient) -> None:
    bp = Blueprint("bp", __name__)

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"injected": "app", "shadow": "processor"}

    @bp.context_processor
    def inject_bp() -> dict[str, Any]:
        return {"bp_value": "<bp>"}

    @app.route("/app")
    def app_view() -> str:
        return render_template("ctx.html")

    @bp.route("/bp")
    def bp_view() -> str:
        # The view's own values win over the processors'.
        return render_template("ctx.html", shadow="view")

    app.register_blueprint(bp)
    client = make_client(app)
    assert client.get("/app").text == "app|none|processor"
    assert client.get("/bp").text == "app|&lt;bp&gt;|view"


def test_update_template_context_precedence_and_order(app: Erlen) -> None:
    """Processors run app first, then the blueprints outermost first; a later
    processor wins over an earlier one, the caller's values over all, and the
    caller's keys keep their places in front."""
    outer = Blueprint("outer", __name__)
    inner = Blueprint("inner", __name__)
    calls: list[str] = []

    @app.context_processor
    def from_app() -> dict[str, Any]:
        calls.append("app")
        return {"who": "app", "shared": "app", "mine": "app"}

    @outer.context_processor
    def from_outer() -> dict[str, Any]:
        calls.append("outer")
        return {"shared": "outer", "outer_only": 1}

    @inner.context_processor
    async def from_inner() -> dict[str, Any]:
        calls.append("inner")
        return {"shared": "inner"}

    @inner.route("/x")
    def view() -> str:
        return ""

    outer.register_blueprint(inner)
    app.register_blueprint(outer)
    with app.test_request_context("/x"):
        context: dict[str, Any] = {"mine": "caller", "title": "t"}
        app.update_template_context(context)
        assert calls == ["app", "outer", "inner"]
        assert list(context)[:2] == ["mine", "title"]
        assert context["mine"] == "caller"
        assert context["shared"] == "inner"
        assert context["who"] == "app"
        assert context["outer_only"] == 1
        assert context["request"].path == "/x"
        assert set(context) == {
            "mine",
            "title",
            "g",
            "request",
            "who",
            "shared",
            "outer_only",
        }


def test_template_rendered_and_before_render_signals(app: Erlen, make_client: MakeClient) -> None:
    events: list[tuple[str, Any, str | None, dict[str, Any]]] = []

    def before(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        events.append(("before", sender, template.name, dict(context)))
        context["late"] = "added by signal"

    def after(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        events.append(("after", sender, template.name, dict(context)))

    @app.route("/")
    def index() -> str:
        return render_template("shared.html", x=1)

    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(after, app),
    ):
        assert make_client(app).get("/").text == "app shared"
        with app.test_request_context():
            assert render_template_string("{{ late }}") == "added by signal"

    assert [(e[0], e[1], e[2]) for e in events[:2]] == [
        ("before", app, "shared.html"),
        ("after", app, "shared.html"),
    ]
    assert events[0][3]["x"] == 1
    assert events[1][3]["late"] == "added by signal"
    assert {"g", "request", "x"} <= set(events[1][3])
    assert [e[0] for e in events] == ["before", "after", "before", "after"]


def test_blueprint_template_folders_and_app_override(app: Erlen) -> None:
    bp_a = Blueprint("bp_a", __name__, template_folder="fixtures/bp_a/templates")
    bp_b = Blueprint("bp_b", __name__, template_folder="fixtures/bp_b/templates")
    app.register_blueprint(bp_a)
    app.register_blueprint(bp_b)
    with app.app_context():
        # The app's folder comes first, then blueprints in registration order.
        assert render_template("shared.html") == "app shared"
        assert render_template("both.html") == "a wins"
        assert render_template("bp_a_only.html") == "from bp_a"
        assert render_template("bp_b_only.html") == "from bp_b"
        with pytest.raises(TemplateNotFound):
            render_template("nowhere.html")
        assert render_template(["nowhere.html", "bp_b_only.html"]) == "from bp_b"
    loader = app.jinja_env.loader
    assert isinstance(loader, DispatchingJinjaLoader)
    names = loader.list_templates()
    assert {"both.html", "bp_a_only.html", "bp_b_only.html", "shared.html"} <= set(names)
    assert names == sorted(names)


def test_blueprint_registration_order_decides(app: Erlen) -> None:
    bp_a = Blueprint("bp_a", __name__, template_folder="fixtures/bp_a/templates")
    bp_b = Blueprint("bp_b", __name__, template_folder="fixtures/bp_b/templates")
    app.register_blueprint(bp_b)
    app.register_blueprint(bp_a)
    with app.app_context():
        assert render_template("both.html") == "b loses"


def test_explain_template_loading_logs_attempts(
    app: Erlen, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    app.register_blueprint(Blueprint("bp_a", __name__, template_folder="fixtures/bp_a/templates"))
    with app.app_context(), caplog.at_level(logging.INFO):
        assert render_template("shared.html") == "app shared"
        with pytest.raises(TemplateNotFound):
            render_template("missing.html")
    text = caplog.text
    assert "Locating template 'shared.html'" in text
    assert "found at" in text
    assert "Locating template 'missing.html'" in text
    assert "the template was not found" in text


def test_stream_template_keeps_request_context(app: Erlen, make_client: MakeClient) -> None:
    rendered: list[str] = []

    def record(sender: Any, template: Any, **extra: Any) -> None:
        rendered.append(template.name)

    @app.route("/feed")
    def feed() -> Any:
        return app.response_class(stream_template("stream.html", items=["<a>", "b"]))

    with template_rendered.connected_to(record, app):
        rv = make_client(app).get("/feed")
        assert rv.status_code == 200
        assert rv.text == "<li>&lt;a&gt;</li><li>b</li>/feed|/feed"
    assert rendered == ["stream.html"]


def test_stream_template_string_is_lazy_and_escapes(app: Erlen) -> None:
    with app.test_request_context("/s"):
        stream = stream_template_string("{% for i in items %}{{ i }},{% endfor %}", items="<>")
        assert not isinstance(stream, str)
        assert "".join(stream) == "&lt;,&gt;,"
    with app.app_context():
        # Without a request the plain generator is returned.
        assert "".join(stream_template_string("{{ x }}", x=1)) == "1"


def test_get_template_attribute(app: Erlen) -> None:
    with app.app_context():
        hello = get_template_attribute("macros.html", "hello")
        assert hello("<World>") == "Hello &lt;World&gt;!"
        assert get_template_attribute("macros.html", "answer") == 42


def test_tojson_filter_uses_app_json(app: Erlen) -> None:
    assert app.jinja_env.policies["json.dumps_function"] == app.json.dumps
    with app.app_context():
        out = render_template("json.html", data={"b": "</script>", "a": 1})
    prefix, suffix = "<script>var data = ", ";</script>"
    assert out.startswith(prefix) and out.endswith(suffix)
    inner = out[len(prefix) : -len(suffix)]
    assert "</script>" not in inner
    assert "\\u003c/script\\u003e" in inner
    assert json.loads(inner) == {"a": 1, "b": "</script>"}


def test_environment_shape(app: Erlen) -> None:
    env = app.jinja_env
    assert isinstance(env, Environment)
    assert env.app is app
    assert env.globals["config"] is app.config
    for name in ("url_for", "get_flashed_messages", "request", "session", "g"):
        assert name in env.globals


def test_render_context_layers_globals_and_variables(app: Erlen) -> None:
    """Variables beat template globals, which beat environment globals; globals
    added after a template loads are seen; includes and imports get the same
    layers (the render context is built without Jinja's ChainMap copy)."""
    env = app.jinja_env
    env.globals["site"] = "env"
    env.globals["shade"] = "env"
    env.globals["late"] = "no"
    template = env.from_string(
        "{{ site }}/{{ shade }}/{{ late }}/{{ own }}|{% include 'part' %}|{{ m.tag() }}",
        globals={"shade": "template", "own": "template"},
    )
    env.loader = DictLoader(
        {"part": "{{ site }}-{{ own }}", "macros": "{% macro tag() %}{{ site }}{% endmacro %}"}
    )
    env.globals["late"] = "yes"
    with app.app_context():
        out = template.render(site="view", m=env.get_template("macros").module)
        assert out == "view/template/yes/template|view-template|env"
        context = template.new_context({"site": "view", "extra": 1})
        # The same keys, order and values as Jinja's dict(globals, **vars).
        expected = dict(template.globals, site="view", extra=1)
        assert list(context.parent.items()) == list(expected.items())
        assert context.parent["shade"] == "template"
        shared = template.new_context({"only": 1}, shared=True)
        assert dict(shared.parent) == {"only": 1}


@pytest.mark.parametrize(
    ("setting", "debug", "expected"),
    [(None, False, False), (None, True, True), (True, False, True), (False, True, False)],
)
def test_auto_reload(app: Erlen, setting: bool | None, debug: bool, expected: bool) -> None:
    app.config["TEMPLATES_AUTO_RELOAD"] = setting
    app.debug = debug
    assert create_jinja_environment(app).auto_reload is expected


def test_auto_reload_picks_up_changed_template(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("one")
    app = Erlen(__name__, root_path=str(tmp_path))
    app.config["TEMPLATES_AUTO_RELOAD"] = True
    with app.app_context():
        assert render_template("page.html") == "one"
        page.write_text("two, longer")
        os.utime(page, (page.stat().st_atime, page.stat().st_mtime + 5))
        assert render_template("page.html") == "two, longer"


def test_jinja_options_are_honoured() -> None:
    class MyApp(Erlen):
        jinja_options = {"autoescape": False, "trim_blocks": True}

    app = MyApp(__name__, root_path=str(FIXTURES))
    with app.app_context():
        assert render_template_string("{{ v }}", v="<b>") == "<b>"
    assert app.jinja_env.trim_blocks is True


def test_rendering_outside_app_context_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        render_template_string("x")
    with pytest.raises(RuntimeError, match="application context"):
        render_template("index.html")


# -- attribute lookups on plain dicts ---------------------------------------------------------


class _Clashing(str):
    """A key that equals "name" but whose comparison raises for other strings."""

    def __hash__(self) -> int:
        return hash("name")

    def __eq__(self, other: object) -> bool:
        raise TypeError("cannot compare")


class _Row(dict[str, Any]):
    """A dict subclass with an attribute of its own."""

    name = "attribute wins"


class _ItemsOnly:
    """An object answering ``obj["name"]`` but with no such attribute."""

    def __getitem__(self, key: str) -> str:
        if key == "name":
            return "from the item"
        raise KeyError(key)


@pytest.mark.parametrize(
    ("obj", "attribute"),
    [
        ({"name": "<b>"}, "name"),
        ({"name": 1}, "missing"),
        ({"items": "shadowed"}, "items"),  # dict.items, as in Jinja
        ({"get": 1, "keys": 2}, "keys"),
        ({}, "__class__"),
        ({}, "__len__"),
        ({_Clashing("name"): 1}, "name"),  # the key's __eq__ raises: undefined
        (_Row(name="item"), "name"),  # a subclass keeps Jinja's order
        (_Row(), "other"),
        ([1, 2], "append"),
        ("text", "upper"),
        (_ItemsOnly(), "name"),  # no attribute: the item
        (_ItemsOnly(), "missing"),  # neither: undefined
    ],
    ids=repr,
)
def test_getattr_answers_as_jinja_does(app: Erlen, obj: Any, attribute: str) -> None:
    from jinja2 import Environment as JinjaEnvironment
    from jinja2 import Undefined

    jinja = JinjaEnvironment()
    ours = app.jinja_env.getattr(obj, attribute)
    theirs = jinja.getattr(obj, attribute)
    if isinstance(theirs, Undefined):
        assert isinstance(ours, Undefined)
        assert ours._undefined_obj is obj
        assert ours._undefined_name == attribute
    else:
        assert ours == theirs


def test_every_attribute_of_a_plain_dict_is_known() -> None:
    from erlen.templating import _DICT_ATTRIBUTES

    probe: dict[str, Any] = {}
    names = set(_DICT_ATTRIBUTES) | {"name", "price", "id", "__name__", "__dict__", "__weakref__"}
    for name in names:
        assert hasattr(probe, name) == (name in _DICT_ATTRIBUTES), name


def test_dict_rows_render_as_in_jinja(tmp_path: Path) -> None:
    from jinja2 import StrictUndefined, UndefinedError

    app = Erlen(__name__, template_folder=str(tmp_path))
    (tmp_path / "rows.html").write_text(
        "{% for row in rows %}{{ row.name }}={{ row.price }}|{{ row.missing }};{% endfor %}"
        "{{ rows[0].items()|list|length }}"
    )
    rows = [{"name": "<a>", "price": 1}, {"name": "b&c", "price": 2.5}]
    with app.test_request_context():
        assert render_template("rows.html", rows=rows) == "&lt;a&gt;=1|;b&amp;c=2.5|;2"
    app.jinja_env.undefined = StrictUndefined
    (tmp_path / "strict.html").write_text("{{ row.missing }}")
    with app.test_request_context(), pytest.raises(UndefinedError, match="missing"):
        render_template("strict.html", row={"name": 1})


# -- string templates are compiled once per source --------------------------------------------


def counting_compiles(app: Erlen, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every source the app's environment compiles from a string."""
    compiled: list[str] = []
    original = app.jinja_env.from_string

    def from_string(source: str, *args: Any, **kwargs: Any) -> Any:
        compiled.append(source)
        return original(source, *args, **kwargs)

    monkeypatch.setattr(app.jinja_env, "from_string", from_string)
    return compiled


def test_a_string_template_is_compiled_once_per_source(
    app: Erlen, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiled = counting_compiles(app, monkeypatch)
    with app.test_request_context():
        assert render_template_string("<p>{{ x }}</p>", x="<a>") == "<p>&lt;a&gt;</p>"
        assert render_template_string("<p>{{ x }}</p>", x="b") == "<p>b</p>"
        assert "".join(stream_template_string("<p>{{ x }}</p>", x="c")) == "<p>c</p>"
        assert render_template_string("<i>{{ x }}</i>", x=1) == "<i>1</i>"
    assert compiled == ["<p>{{ x }}</p>", "<i>{{ x }}</i>"]


@pytest.mark.parametrize(
    "setup",
    [
        lambda app: app.config.update(TEMPLATES_AUTO_RELOAD=True),
        lambda app: setattr(app, "debug", True),
        lambda app: app.jinja_options.update(cache_size=0),
    ],
    ids=["auto reload", "debug", "jinja cache off"],
)
def test_string_templates_are_compiled_every_time_when_not_cached(
    monkeypatch: pytest.MonkeyPatch, setup: Callable[[Erlen], Any]
) -> None:
    app = Erlen(__name__)
    app.jinja_options = dict(app.jinja_options)
    setup(app)
    compiled = counting_compiles(app, monkeypatch)
    with app.test_request_context():
        for _ in range(3):
            assert render_template_string("{{ 1 + 1 }}") == "2"
    assert compiled == ["{{ 1 + 1 }}"] * 3


def test_the_string_template_store_is_bounded(app: Erlen, monkeypatch: pytest.MonkeyPatch) -> None:
    from erlen.templating import _STRING_TEMPLATE_SOURCE, _STRING_TEMPLATES

    compiled = counting_compiles(app, monkeypatch)
    with app.test_request_context():
        for i in range(_STRING_TEMPLATES + 5):
            assert render_template_string(f"{i}-{{{{ x }}}}", x="y") == f"{i}-y"
        assert len(app.jinja_env._string_templates) <= _STRING_TEMPLATES  # type: ignore[attr-defined]
        big = "x" * _STRING_TEMPLATE_SOURCE + "{{ 1 }}"
        render_template_string(big)
        render_template_string(big)
    assert compiled.count(big) == 2
    assert big not in app.jinja_env._string_templates  # type: ignore[attr-defined]


# -- what a template prints, and what it calls ---------------------------------------------------


class _Html:
    def __html__(self) -> str:
        return "<i>ready</i>"


class _Text(str):
    """A str subclass: escaped like any str, but not through the str shortcut."""


_PRINTED = [
    "<a href='x'>&\"</a>",
    "plain",
    "",
    42,
    -7,
    2.5,
    float("inf"),
    float("nan"),
    True,
    None,
    Markup("<b>kept</b>"),
    _Html(),
    _Text("<s>"),
    ["<li>"],
]


@pytest.mark.parametrize("value", _PRINTED, ids=repr)
def test_printed_values_are_escaped_as_markupsafe_does(app: Erlen, value: Any) -> None:
    from jinja2 import Environment as JinjaEnvironment
    from markupsafe import escape

    template = app.jinja_env.from_string("[{{ value }}]")
    jinja = JinjaEnvironment(autoescape=True).from_string("[{{ value }}]")
    with app.app_context():
        assert template.render(value=value) == jinja.render(value=value)
    printed = list(template.generate(value=value))[1:-1]  # between "[" and "]"
    assert printed == [escape(value)]
    assert type(printed[0]) is Markup  # a chunk streamed out is safe markup, as in Jinja


def test_output_escaping_is_replaced_only_where_templates_print(app: Erlen) -> None:
    import markupsafe

    from erlen.templating import _ESCAPE_OUTPUT

    template = app.jinja_env.from_string("{{ a }}|{{ a|e }}|{{ a|escape|length }}")
    with app.app_context():
        assert template.render(a="<&>") == "&lt;&amp;&gt;|&lt;&amp;&gt;|13"
    namespace = template.root_render_func.__globals__
    if isinstance(markupsafe.escape, type(test_printed_values_are_escaped_as_markupsafe_does)):
        assert namespace["escape"] is _ESCAPE_OUTPUT
    else:  # MarkupSafe 2: escape is already C; left as it is
        assert namespace["escape"] is markupsafe.escape
    # The filters keep markupsafe's own escape.
    assert app.jinja_env.filters["e"] is not _ESCAPE_OUTPUT


def test_output_escaping_in_async_templates(tmp_path: Path) -> None:
    import asyncio

    app = Erlen(__name__, template_folder=str(tmp_path))
    app.jinja_options = {"enable_async": True}
    (tmp_path / "page.html").write_text("{% for x in xs %}{{ x }};{% endfor %}")
    with app.app_context():
        template = app.jinja_env.get_template("page.html")
        rendered = asyncio.run(template.render_async(xs=["<a>", 1, Markup("<b>")]))
    assert rendered == "&lt;a&gt;;1;<b>;"


def _calls_jinja_would_make() -> dict[str, Any]:
    from jinja2 import pass_context, pass_environment, pass_eval_context

    @pass_context
    def with_context(context: Any, suffix: str) -> str:
        return f"{context['name']}{suffix}"

    @pass_eval_context
    def with_eval_context(eval_ctx: Any) -> str:
        return f"autoescape={eval_ctx.autoescape}"

    @pass_environment
    def with_environment(environment: Any) -> str:
        return type(environment).__name__

    class Greeter:
        @pass_context
        def greet(self, context: Any) -> str:
            return f"hello {context['name']}"

    class CallableWithContext:
        @pass_context
        def __call__(self, context: Any) -> str:
            return f"called for {context['name']}"

    def exhausted() -> Any:
        raise StopIteration

    def keywords(**kwargs: Any) -> str:
        return ",".join(sorted(kwargs))

    return {
        "with_context": with_context,
        "with_eval_context": with_eval_context,
        "with_environment": with_environment,
        "greet": Greeter().greet,
        "callable_object": CallableWithContext(),
        "exhausted": exhausted,
        "keywords": keywords,
        "builtin": len,
        "cycle_source": ["odd", "even"],
    }


def test_template_calls_pass_what_the_callable_asks_for(app: Erlen) -> None:
    source = (
        "{{ with_context('!') }}|{{ with_eval_context() }}|{{ with_environment() }}|"
        "{{ greet() }}|{{ callable_object() }}|{{ exhausted() is undefined }}|"
        "{{ keywords(a=1, b=2) }}|{{ builtin('abc') }}|"
        "{% for x in 'ab' %}{{ loop.cycle(*cycle_source) }}"
        "{{ with_context(x) }}{{ keywords(z=x) }} {% endfor %}"
    )
    template = app.jinja_env.from_string(source)
    with app.app_context():
        rendered = template.render(name="Ann", **_calls_jinja_would_make())
    assert rendered == (
        "Ann!|autoescape=True|Environment|hello Ann|called for Ann|True|a,b|3|oddAnnaz evenAnnbz "
    )


def test_macros_are_called_as_jinja_calls_them(app: Erlen) -> None:
    from jinja2 import Environment as JinjaEnvironment

    from erlen.templating import _MACRO_WANTS_EVAL_CONTEXT

    # This Jinja marks Macro.__call__, so the calls below take erlen's path.
    assert _MACRO_WANTS_EVAL_CONTEXT

    source = (
        "{% macro card(title, body='-') %}"
        "<b>{{ title }}</b>{{ body }}{{ varargs|join(',') }}"
        "{{ kwargs|dictsort|join(';') }}{% if caller %}[{{ caller() }}]{% endif %}"
        "{% endmacro %}"
        "{{ card('<x>') }}|{{ card('t', body='<y>') }}|{{ card('t', 'b', 1, 2, k='v') }}|"
        "{% call card('c') %}inside {{ 1 + 1 }}{% endcall %}|"
        "{% for i in [1, 2] %}{{ card(i) }}{% endfor %}"
    )
    ours = app.jinja_env.from_string(source)
    jinja = JinjaEnvironment(autoescape=True).from_string(source)
    with app.app_context():
        assert ours.render() == jinja.render()
        assert ours.render().startswith("<b>&lt;x&gt;</b>-|<b>t</b>&lt;y&gt;|")
        wrong = app.jinja_env.from_string("{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, 2) }}")
        with pytest.raises(TypeError, match="takes not more than 1 argument"):
            wrong.render()


def test_template_globals_are_a_live_chainmap_over_the_environment(app: Erlen) -> None:
    from collections import ChainMap

    from jinja2 import Environment as JinjaEnvironment

    sources = {
        "macros.html": "{% macro show() %}{{ late }}{% endmacro %}",
        "page.html": (
            "{% from 'macros.html' import show %}{% import 'macros.html' as m %}"
            "{{ show() }}/{{ m.show() }}|{{ late }}"
        ),
    }
    app.jinja_env.loader = DictLoader(sources)
    jinja = JinjaEnvironment(autoescape=True, loader=DictLoader(sources))
    with app.test_request_context():
        template = app.jinja_env.get_template("page.html")
        assert isinstance(template.globals, ChainMap)
        keys = template.globals.keys()
        assert "url_for" in keys and "late" not in keys
        assert {"late", "url_for"} - keys == {"late"}
        assert frozenset({"late", "url_for"}) - keys == {"late"}
        assert ["late", "url_for"] - keys == {"late"}  # any iterable, as KeysView
        assert render_template("page.html") == jinja.get_template("page.html").render() == "/|"
        # A global added after the templates were loaded reaches the page, not
        # the module its import already built: what Jinja does.
        app.jinja_env.globals["late"] = "<L>"
        jinja.globals["late"] = "<L>"
        assert "late" in keys
        expected = jinja.get_template("page.html").render()
        assert render_template("page.html") == expected == "/|&lt;L&gt;"


def test_an_import_sees_the_importers_own_globals_as_in_jinja(app: Erlen) -> None:
    from jinja2 import Environment as JinjaEnvironment

    sources = {
        "macros.html": "{% macro show() %}[{{ extra }}]{% endmacro %}",
        "page.html": "{% from 'macros.html' import show %}{{ show() }}",
    }
    app.jinja_env.loader = DictLoader(sources)
    jinja = JinjaEnvironment(autoescape=True, loader=DictLoader(sources))
    with app.app_context():
        ours = app.jinja_env.get_template("page.html", globals={"extra": "<e>"})
        theirs = jinja.get_template("page.html", globals={"extra": "<e>"})
        assert ours.render() == theirs.render() == "[&lt;e&gt;]"


def test_async_templates_call_macros_and_import_as_jinja_does(tmp_path: Path) -> None:
    import asyncio

    from jinja2 import Environment as JinjaEnvironment

    sources = {
        "m.html": "{% macro card(x) %}<b>{{ x }}</b>{% endmacro %}",
        "p.html": (
            "{% from 'm.html' import card %}{% import 'm.html' as mm %}"
            "{% for i in ['<a>', 2] %}{{ card(i) }}{{ mm.card(i) }}{% endfor %}{{ tail }}"
        ),
    }
    app = Erlen(__name__, template_folder=str(tmp_path))
    app.jinja_options = {"enable_async": True}
    app.jinja_env.loader = DictLoader(sources)
    jinja = JinjaEnvironment(enable_async=True, autoescape=True, loader=DictLoader(sources))

    async def both() -> tuple[str, str]:
        with app.app_context():
            ours = await app.jinja_env.get_template("p.html").render_async(tail="<z>")
        theirs = await jinja.get_template("p.html").render_async(tail="<z>")
        return ours, theirs

    ours, theirs = asyncio.run(both())
    assert ours == theirs == "<b>&lt;a&gt;</b><b>&lt;a&gt;</b><b>2</b><b>2</b>&lt;z&gt;"
