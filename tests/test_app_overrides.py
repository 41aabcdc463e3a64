"""What Flask code customises by subclassing the app or patching a view, and
the debug-mode explanations (erlen.debughelpers), on both protocols."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from jinja2 import BaseLoader, DictLoader

from erlen import (
    Erlen,
    Response,
    render_template,
    render_template_string,
    request,
    session,
    url_for,
)
from erlen.debughelpers import DebugFilesKeyError, FormDataRoutingRedirect
from erlen.http.exceptions import HTTPException
from erlen.routing import RequestRedirect
from erlen.templating import DispatchingJinjaLoader, Environment
from erlen.testing import ErlenClient
from erlen.typing import ResponseReturnValue
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


# --- dispatch_request replaced --------------------------------------------------------------


def test_dispatch_request_set_on_the_instance_answers_every_url(make_client: MakeClient) -> None:
    # Frozen-Flask's make_static_app() serves its output this way: the
    # replacement ignores the URL map, so a URL without a rule is not a 404.
    app = Erlen(__name__)
    calls: list[str] = []

    @app.route("/routed")
    def routed() -> str:
        return "the view"

    @app.before_request
    def before() -> None:
        calls.append("before")

    @app.after_request
    def after(response: Response) -> Response:
        calls.append("after")
        return response

    def dispatch_request() -> str:
        return f"served {request.path}"

    app.dispatch_request = dispatch_request  # type: ignore[method-assign]
    client = make_client(app)
    rv = client.get("/no/rule/here.html")
    assert (rv.status_code, rv.text) == (200, "served /no/rule/here.html")
    assert client.get("/routed").text == "served /routed"
    assert calls == ["before", "after", "before", "after"]


def test_dispatch_request_overridden_in_a_subclass_wraps_the_view(
    make_client: MakeClient,
) -> None:
    class Wrapping(Erlen):
        def dispatch_request(self) -> ResponseReturnValue:
            rv = super().dispatch_request()
            return f"[{rv}]" if isinstance(rv, str) else rv

    app = Wrapping(__name__)

    @app.route("/")
    def index() -> str:
        return "index"

    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        return "no such page", 404

    client = make_client(app)
    assert client.get("/").text == "[index]"
    # super() raises the routing error, which reaches the error handlers.
    rv = client.get("/missing")
    assert (rv.status_code, rv.text) == (404, "no such page")


def test_each_step_replaced_on_a_subclass_runs_in_flasks_order(make_client: MakeClient) -> None:
    # COMPAT(flask): full_dispatch_request, preprocess_request,
    # dispatch_request, finalize_request and process_response are called
    # through the app, so a subclass's versions run, each around Erlen's.
    from erlen.signals import request_finished, request_started

    events: list[str] = []

    class Stepped(Erlen):
        def full_dispatch_request(self) -> Response:
            events.append("full_dispatch_request")
            return super().full_dispatch_request()

        def preprocess_request(self) -> ResponseReturnValue | None:
            events.append("preprocess_request")
            return super().preprocess_request()

        def dispatch_request(self) -> ResponseReturnValue:
            events.append("dispatch_request")
            return super().dispatch_request()

        def finalize_request(
            self, rv: ResponseReturnValue | HTTPException, from_error_handler: bool = False
        ) -> Response:
            events.append(f"finalize_request {from_error_handler}")
            return super().finalize_request(rv, from_error_handler)

        def process_response(self, response: Response) -> Response:
            events.append("process_response")
            response = super().process_response(response)
            response.headers["X-Processed"] = "yes"
            return response

    app = Stepped(__name__)
    app.secret_key = "steps"

    @app.before_request
    def before() -> None:
        events.append("before_request")

    @app.after_request
    def after(response: Response) -> Response:
        events.append("after_request")
        return response

    @app.route("/")
    def index() -> str:
        events.append("view")
        session["seen"] = True
        return "index"

    def started(sender: Erlen, **extra: Any) -> None:
        events.append("request_started")

    def finished(sender: Erlen, response: Response, **extra: Any) -> None:
        events.append("request_finished")

    client = make_client(app)
    with request_started.connected_to(started, app), request_finished.connected_to(finished, app):
        rv = client.get("/")
    assert (rv.status_code, rv.text, rv.headers["X-Processed"]) == (200, "index", "yes")
    assert "session=" in rv.headers["Set-Cookie"]  # Erlen's process_response saved it
    assert events == [
        "full_dispatch_request",
        "request_started",
        "preprocess_request",
        "before_request",
        "dispatch_request",
        "view",
        "finalize_request False",
        "process_response",
        "after_request",
        "request_finished",
    ]


def test_a_step_that_does_not_call_erlens_replaces_it(make_client: MakeClient) -> None:
    app = Erlen(__name__)
    app.testing = False

    @app.route("/")
    def index() -> str:
        return "index"

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    def process_response(response: Response) -> Response:
        response.headers["X-Seen"] = str(response.status_code)
        return response

    def preprocess_request() -> str | None:
        return "short-circuited" if request.args.get("stop") else None

    app.process_response = process_response  # type: ignore[method-assign]
    app.preprocess_request = preprocess_request  # type: ignore[method-assign]
    client = make_client(app)
    assert client.get("/?stop=1").text == "short-circuited"
    assert client.get("/").headers["X-Seen"] == "200"
    # An unhandled error's 500 is finalized through the app's steps too.
    rv = client.get("/boom")
    assert (rv.status_code, rv.headers["X-Seen"]) == (500, "500")

    # Removed from the instance: Erlen's own steps again.
    del app.process_response
    del app.preprocess_request
    assert not app._steps_replaced
    with pytest.raises(AttributeError):
        del app.process_response  # Erlen's own is on the class
    assert client.get("/?stop=1").text == "index"
    assert "X-Seen" not in client.get("/").headers


def test_steps_are_erlens_own_by_default() -> None:
    class Plain(Erlen):
        def make_config(self, instance_relative: bool = False) -> Any:
            return super().make_config(instance_relative)

    assert not Erlen(__name__)._steps_replaced
    assert not Plain(__name__)._steps_replaced
    assert Erlen.dispatch_request.__name__ == "dispatch_request"


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


# --- the classes and session interface the app uses -----------------------------------------


def test_class_level_request_response_and_session_choices_are_used(
    make_client: MakeClient,
) -> None:
    # The app copies these from its class when it is made (a speed-up): a
    # subclass's own choices are the ones copied, and assigning them on the
    # app later still takes effect.
    from erlen.sessions import SecureCookieSessionInterface
    from erlen.wrappers import Request

    opened: list[str] = []

    class TaggedRequest(Request):
        tag = "tagged"

    class TaggedResponse(Response):
        default_mimetype = "text/x-tagged"

    class CountingSessions(SecureCookieSessionInterface):
        def open_session(self, app: Erlen, request: Any) -> Any:
            opened.append(request.path)
            return super().open_session(app, request)

    class App(Erlen):
        request_class = TaggedRequest
        response_class = TaggedResponse
        session_interface = CountingSessions()

    app = App(__name__)
    app.secret_key = "k"

    @app.get("/")
    def index() -> str:
        session.get("x")
        return request.tag  # type: ignore[attr-defined, no-any-return]

    client = make_client(app)
    response = client.get("/")
    assert response.text == "tagged"
    assert response.headers["Content-Type"] == "text/x-tagged; charset=utf-8"
    assert opened == ["/"]

    class PlainRequest(Request):
        tag = "plain"

    app.request_class = PlainRequest
    app.response_class = Response
    app.session_interface = SecureCookieSessionInterface()
    response = make_client(app).get("/")
    assert response.text == "plain"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert opened == ["/"]
