"""What Flask code customises by subclassing the app or patching a view, and
the debug-mode explanations (erlen.debughelpers), on both protocols."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from jinja2 import BaseLoader, DictLoader

from erlen import Erlen, render_template, render_template_string, request, url_for
from erlen.debughelpers import DebugFilesKeyError, FormDataRoutingRedirect
from erlen.routing import RequestRedirect
from erlen.templating import DispatchingJinjaLoader, Environment
from erlen.testing import ErlenClient
from erlen.views import MethodView

MakeClient = Callable[..., ErlenClient]


# --- the Jinja environment -------------------------------------------------------------------


def test_jinja_environment_class_attribute_picks_the_environment_class() -> None:
    class CustomEnvironment(Environment):
        pass

    class CustomApp(Erlen):
        jinja_environment = CustomEnvironment

    assert Erlen("plain").jinja_environment is Environment
    assert type(Erlen("plain").jinja_env) is Environment
    env = CustomApp(__name__).jinja_env
    assert type(env) is CustomEnvironment
    # Still erlen's environment: the app's globals are there.
    assert "url_for" in env.globals


def test_create_global_jinja_loader_override_loads_templates(make_client: MakeClient) -> None:
    class DictApp(Erlen):
        def create_global_jinja_loader(self) -> BaseLoader:
            return DictLoader({"index.html": "Hello {{ name }} from a dict!"})

    app = DictApp(__name__)

    @app.route("/")
    def index() -> str:
        return render_template("index.html", name="<b>")

    rv = make_client(app).get("/")
    assert rv.status_code == 200
    assert rv.text == "Hello &lt;b&gt; from a dict!"


def test_default_global_loader_dispatches_to_app_and_blueprints() -> None:
    app = Erlen(__name__)
    loader = app.create_global_jinja_loader()
    assert isinstance(loader, DispatchingJinjaLoader)
    assert loader.app is app
    assert isinstance(app.jinja_env.loader, DispatchingJinjaLoader)


def test_jinja_options_loader_wins_over_the_global_loader() -> None:
    class OptionsApp(Erlen):
        jinja_options = {"loader": DictLoader({"a.html": "from options"})}

        def create_global_jinja_loader(self) -> BaseLoader:  # pragma: no cover - must not run
            raise AssertionError("jinja_options names a loader")

    app = OptionsApp(__name__)
    with app.app_context():
        assert render_template("a.html") == "from options"


def test_select_jinja_autoescape_override_decides_escaping() -> None:
    class TextApp(Erlen):
        def select_jinja_autoescape(self, filename: str | None) -> bool:
            # Escape nothing but .html files, not even string templates.
            return filename is not None and filename.endswith(".html")

        def create_global_jinja_loader(self) -> BaseLoader:
            return DictLoader({"a.html": "{{ v }}", "a.txt": "{{ v }}"})

    app = TextApp(__name__)
    with app.app_context():
        assert render_template("a.html", v="<i>") == "&lt;i&gt;"
        assert render_template("a.txt", v="<i>") == "<i>"
        assert render_template_string("{{ v }}", v="<i>") == "<i>"
    plain = Erlen(__name__)
    assert plain.select_jinja_autoescape("x.svg") is True
    assert plain.select_jinja_autoescape("x.txt") is False
    assert plain.select_jinja_autoescape(None) is True


# --- url_for ---------------------------------------------------------------------------------


def test_url_for_takes_self_as_a_url_value() -> None:
    app = Erlen(__name__)

    @app.route("/<self>")
    def page(self: str) -> str:
        return self

    with app.test_request_context():
        assert url_for("page", self="me") == "/me"
        assert app.url_for("page", self="me", x="1") == "/me?x=1"


# --- a view's class replaced after as_view() ------------------------------------------------


class Broken(MethodView):
    def get(self) -> str:
        raise ZeroDivisionError

    def post(self) -> str:
        raise ZeroDivisionError


class Fixed(Broken):
    def get(self) -> str:
        return f"GET by {type(self).__name__}"

    def post(self) -> str:
        return "POST"


class AsyncFixed(Broken):
    async def get(self) -> str:  # type: ignore[override]
        return "async GET"


def test_replacing_view_class_after_as_view_dispatches_to_the_new_class(
    make_client: MakeClient,
) -> None:
    app = Erlen(__name__)
    view = Broken.as_view("index")
    view.view_class = Fixed  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view)
    client = make_client(app)
    assert client.get("/").text == "GET by Fixed"
    assert client.post("/").text == "POST"


def test_replacing_view_class_with_an_async_one(make_client: MakeClient) -> None:
    app = Erlen(__name__)
    view = Broken.as_view("index")
    view.view_class = AsyncFixed  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view)
    assert make_client(app).get("/").text == "async GET"


def test_replacing_view_class_of_a_decorated_view(make_client: MakeClient) -> None:
    calls: list[str] = []

    def logged(f: Callable[..., object]) -> Callable[..., object]:
        def wrapper(**kwargs: object) -> object:
            calls.append("decorator")
            return f(**kwargs)

        return wrapper

    class Decorated(Broken):
        decorators = [logged]

    app = Erlen(__name__)
    view = Decorated.as_view("index")
    view.view_class = Fixed  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view)
    assert make_client(app).get("/").text == "GET by Fixed"
    assert calls == ["decorator"]


# --- debug-mode explanations -----------------------------------------------------------------


def _upload_app() -> Erlen:
    app = Erlen(__name__)

    @app.post("/upload")
    def upload() -> str:
        return request.files["doc"].filename or ""

    return app


def test_files_of_a_form_without_enctype_explain_in_debug_mode(make_client: MakeClient) -> None:
    app = _upload_app()
    app.debug = True
    client = make_client(app)
    with pytest.raises(DebugFilesKeyError) as info:
        client.post("/upload", data={"doc": "report.pdf"})
    message = str(info.value)
    assert "'doc'" in message
    assert "'application/x-www-form-urlencoded'" in message
    assert 'enctype="multipart/form-data"' in message
    assert "'report.pdf'" in message
    # Still a KeyError, so code that catches KeyError keeps working.
    assert isinstance(info.value, KeyError)


def test_files_hint_only_for_form_fields_and_only_in_debug(make_client: MakeClient) -> None:
    app = _upload_app()
    app.debug = True
    # A key that is not a form field: the plain KeyError (a 400, which debug
    # mode raises for the debugger).
    with pytest.raises(KeyError) as info:
        make_client(app).post("/upload", data={"other": "x"})
    assert not isinstance(info.value, DebugFilesKeyError)
    # A real upload works in debug mode.
    rv = make_client(app).post("/upload", data={"doc": (io.BytesIO(b"%PDF"), "r.pdf")})
    assert rv.text == "r.pdf"
    app.debug = False
    assert make_client(app).post("/upload", data={"doc": "report.pdf"}).status_code == 400


def test_files_hint_after_form_was_read_first(make_client: MakeClient) -> None:
    app = Erlen(__name__)
    app.debug = True

    @app.post("/")
    def index() -> str:
        assert request.form["doc"] == "a.txt"
        return request.files["doc"].filename or ""

    with pytest.raises(DebugFilesKeyError):
        make_client(app).post("/", data={"doc": "a.txt"})


@pytest.fixture
def redirect_301(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RequestRedirect, "code", 301)


def _slash_app(debug: bool) -> Erlen:
    app = Erlen(__name__)
    app.debug = debug

    @app.route("/user/", methods=["GET", "POST"])
    def user() -> str:
        return request.form.get("status", "no form")

    return app


def test_default_308_routing_redirect_keeps_the_body_in_debug_mode(
    make_client: MakeClient,
) -> None:
    client = make_client(_slash_app(debug=True))
    rv = client.post("/user", data={"status": "kept"}, follow_redirects=True)
    assert rv.text == "kept"
    assert [r.status_code for r in rv.history] == [308]


@pytest.mark.usefixtures("redirect_301")
def test_routing_redirect_that_drops_a_body_explains_in_debug_mode(
    make_client: MakeClient,
) -> None:
    client = make_client(_slash_app(debug=True))
    with pytest.raises(FormDataRoutingRedirect) as info:
        client.post("/user", data={"status": "lost"})
    message = str(info.value)
    assert "'http://localhost/user/'" in message
    assert "trailing slash" in message
    assert "301" in message
    # A GET is redirected as usual.
    rv = client.get("/user")
    assert rv.status_code == 301
    assert rv.headers["Location"] == "http://localhost/user/"


@pytest.mark.usefixtures("redirect_301")
def test_routing_redirect_outside_debug_mode_redirects(make_client: MakeClient) -> None:
    client = make_client(_slash_app(debug=False))
    rv = client.post("/user", data={"status": "lost"})
    assert rv.status_code == 301
    assert rv.headers["Location"] == "http://localhost/user/"
