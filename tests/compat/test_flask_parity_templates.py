"""Parity: render_template_string, autoescape, filters, tests, globals, context processors."""

from __future__ import annotations

from parity_harness import compare, get, make_app


def build_templates(fw):
    app = make_app(fw)

    @app.template_filter("reverse")
    def reverse(s):
        return s[::-1]

    @app.template_filter()
    def shout(s):
        return f"{s.upper()}!"

    @app.template_test("even_len")
    def even_len(s):
        return len(s) % 2 == 0

    @app.template_global()
    def site_name():
        return "Parity <Site>"

    app.jinja_env.globals["answer"] = 42

    @app.context_processor
    def inject_user():
        return {"user": "ada", "greet": lambda name: f"hi {name}"}

    bp = fw.Blueprint("bp", __name__)

    @bp.app_template_filter("double")
    def double(n):
        return n * 2

    @bp.app_context_processor
    def bp_inject():
        return {"from_bp": "bp value"}

    @bp.context_processor
    def bp_only():
        return {"bp_only": "only in bp"}

    @bp.route("/bp-render")
    def bp_render():
        return fw.render_template_string(
            "{{ from_bp }}|{{ bp_only }}|{{ user }}|{{ request.blueprint }}"
        )

    app.register_blueprint(bp)

    @app.route("/escape")
    def escape():
        return fw.render_template_string(
            "{{ value }}|{{ value|safe }}|{{ markup }}|{{ value|e }}",
            value="<script>alert('x')</script> & \"q\"",
            markup=fw.Markup("<b>bold</b>"),
        )

    @app.route("/autoescape-off")
    def autoescape_off():
        return fw.render_template_string(
            "{% autoescape false %}{{ value }}{% endautoescape %}", value="<i>raw</i>"
        )

    @app.route("/filters")
    def filters():
        return fw.render_template_string(
            "{{ 'abc'|reverse }} {{ 'hey'|shout }} {{ 21|double }} "
            "{{ 'ab' is even_len }} {{ 'abc' is even_len }} {{ site_name() }} {{ answer }}"
        )

    @app.route("/builtins")
    def builtins():
        return fw.render_template_string(
            "{{ url_for('filters') }}|{{ request.path }}|{{ request.args.get('q') }}|"
            "{{ session.get('k') }}|{{ g.thing }}|{{ config['SECRET_KEY'] }}|"
            "{{ get_flashed_messages() }}|{{ user }}|{{ greet('bo') }}",
        )

    @app.before_request
    def set_g():
        fw.g.thing = "g-thing"

    @app.route("/tojson")
    def tojson():
        return fw.render_template_string(
            "<script>var d = {{ data|tojson }};</script>|{{ data|tojson(indent=1) }}",
            data={"html": "</script><b>&'", "n": [1, 2.5, None]},
        )

    @app.route("/context-override")
    def context_override():
        return fw.render_template_string("{{ user }}", user="explicit wins")

    @app.route("/macro")
    def macro():
        return fw.render_template_string(
            "{% macro item(x) %}<li>{{ x }}</li>{% endmacro %}"
            "{% for x in items %}{{ item(x) }}{% endfor %}|{{ items|length }}|{{ loop_none }}",
            items=["a", "<b>"],
        )

    @app.route("/undefined")
    def undefined():
        return fw.render_template_string(
            "[{{ nothing }}][{{ nothing is defined }}][{{ nothing|default('d') }}]"
        )

    @app.route("/syntax-error")
    def syntax_error():
        return fw.render_template_string("{% if %}")

    @app.route("/stream")
    def stream():
        return fw.stream_template_string("{% for i in range(3) %}{{ i }}{{ user }} {% endfor %}")

    return app


def test_render_template_string(protocol):
    compare(
        build_templates,
        [
            get("/escape"),
            get("/autoescape-off"),
            get("/filters"),
            get("/builtins?q=query"),
            get("/tojson"),
            get("/context-override"),
            get("/macro"),
            get("/undefined"),
            get("/syntax-error", status=500),
            get("/bp-render"),
            get("/stream"),
        ],
        protocol,
    )


def _templates(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "base.html").write_text(
        "<title>{% block title %}base{% endblock %}</title>{% block body %}{% endblock %}"
    )
    (folder / "page.html").write_text(
        '{% extends "base.html" %}{% block title %}{{ name }}{% endblock %}'
        "{% block body %}<p>{{ name }}</p>{% include 'part.html' %}{% endblock %}"
    )
    (folder / "part.html").write_text("<i>{{ name|upper }}</i>")
    (folder / "plain.txt").write_text("text {{ name }}")
    (folder / "macros.html").write_text("{% macro hello(who) %}Hello {{ who }}!{% endmacro %}")
    return str(folder)


def test_render_template_files(protocol, tmp_path):
    folder = _templates(tmp_path)

    def build(fw):
        app = make_app(fw)
        app.template_folder = folder

        @app.route("/page/<name>")
        def page(name):
            return fw.render_template("page.html", name=name)

        @app.route("/text")
        def text():
            return fw.render_template("plain.txt", name="<raw>")

        @app.route("/list")
        def list_templates():
            return fw.render_template(["missing.html", "page.html"], name="from list")

        @app.route("/missing")
        def missing():
            return fw.render_template("does-not-exist.html")

        @app.route("/macro")
        def macro():
            return fw.get_template_attribute("macros.html", "hello")("<w>")

        return app

    compare(
        build,
        [
            get("/page/ada"),
            get("/page/%3Cb%3E"),
            get("/text"),
            get("/list"),
            get("/missing", status=500),
            get("/macro"),
        ],
        protocol,
    )


def test_autoescape_by_extension(protocol, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    for ext in ("html", "htm", "xml", "xhtml", "svg", "txt", "j2", "HTML"):
        (folder / f"t.{ext}").write_text("{{ v }}")

    def build(fw):
        app = make_app(fw)
        app.template_folder = str(folder)

        @app.route("/t/<ext>")
        def render(ext):
            return fw.render_template(f"t.{ext}", v="<&>")

        @app.route("/stream/<ext>")
        def stream(ext):
            return fw.stream_template(f"t.{ext}", v="<&>")

        return app

    compare(
        build,
        [get(f"/t/{ext}") for ext in ("html", "htm", "xml", "xhtml", "svg", "txt", "j2", "HTML")]
        + [get("/stream/html"), get("/stream/txt")],
        protocol,
    )


def test_template_signals_and_context(protocol, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "show.html").write_text("{{ a }}|{{ injected }}|{{ request.path }}")

    def build(fw):
        app = make_app(fw)
        app.template_folder = str(folder)
        seen = app.log

        def rendered(sender, template, context, **extra):
            seen.append(
                (template.name, sorted(k for k in context if k in ("a", "injected", "request")))
            )

        fw.signals.template_rendered.connect(rendered, app)
        app.receiver = rendered

        @app.context_processor
        def inject():
            return {"injected": "yes", "a": "overridden?"}

        @app.route("/")
        def index():
            return fw.render_template("show.html", a="explicit")

        return app

    from parity_harness import log_step

    compare(build, [get("/"), log_step()], protocol)
