"""erlen.ext.forms.CSRFProtect, CSRFError, generate_csrf and validate_csrf."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from erlen import (
    BadRequest,
    Blueprint,
    Erlen,
    g,
    render_template,
    render_template_string,
    request,
    session,
)
from erlen.ext.forms import (
    CSRFError,
    CSRFProtect,
    DataRequired,
    Form,
    StringField,
    ValidationError,
    csrf_meta_tag,
    generate_csrf,
    validate_csrf,
)
from erlen.ext.forms.csrf import same_origin
from erlen.testing import ErlenClient

TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__, template_folder="templates_forms")
    app.config.update(TESTING=True, SECRET_KEY="test secret key")
    return app


@pytest.fixture
def csrf(app: Erlen) -> CSRFProtect:
    csrf = CSRFProtect(app)

    @app.get("/token")
    def token() -> str:
        return generate_csrf()

    @app.route("/submit", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def submit() -> str:
        return f"{request.method} ran"

    return csrf


def clock_at(monkeypatch: pytest.MonkeyPatch, when: float) -> None:
    """Sign new tokens as if it were ``when`` (seconds since the epoch)."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(when))


class NameForm(Form):
    name = StringField(validators=[DataRequired()])


# -- the request check --------------------------------------------------------------


def test_missing_token_is_a_400_with_the_reason(csrf: CSRFProtect, client: ErlenClient) -> None:
    client.get("/token")
    response = client.post("/submit", data={"a": "b"})
    assert response.status_code == 400
    assert "<p>The CSRF token is missing.</p>" in response.text
    assert "ran" not in response.text


def test_no_session_token_is_a_400(csrf: CSRFProtect, app: Erlen, protocol: str) -> None:
    alice = app.test_client(asgi=protocol == "asgi")
    token = alice.get("/token").text
    stranger = app.test_client(asgi=protocol == "asgi")
    response = stranger.post("/submit", data={"csrf_token": token})
    assert response.status_code == 400
    assert "The CSRF session token is missing." in response.text


def test_valid_token_runs_the_view(csrf: CSRFProtect, client: ErlenClient) -> None:
    token = client.get("/token").text
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.open("/submit", method=method, data={"csrf_token": token})
        assert response.status_code == 200
        assert response.text == f"{method} ran"


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE"])
def test_safe_methods_are_not_checked(
    app: Erlen, csrf: CSRFProtect, client: ErlenClient, method: str
) -> None:
    seen: list[str] = []

    @app.route("/safe", methods=["GET", "OPTIONS", "TRACE"])
    def safe() -> str:
        seen.append(request.method)
        return "safe"

    response = client.open("/safe", method=method)
    assert response.status_code == 200
    # The view ran (HEAD through the GET view), with no token at all.
    assert seen == [method]


def test_tampered_token_is_a_400(csrf: CSRFProtect, client: ErlenClient) -> None:
    token = client.get("/token").text
    payload, timestamp, signature = token.split(".")
    for bad in (
        # A full 6-bit digit of the signature (the last one has unused bits).
        token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:],
        f"{payload}.{timestamp}.",
        "not a token",
        f"{payload}x.{timestamp}.{signature}",
    ):
        response = client.post("/submit", data={"csrf_token": bad})
        assert response.status_code == 400, bad
        assert "The CSRF token is invalid." in response.text


def test_token_signed_with_another_key_is_a_400(csrf: CSRFProtect, client: ErlenClient) -> None:
    client.get("/token")
    with client.session_transaction() as sess:
        raw = sess["csrf_token"]
    forged = URLSafeTimedSerializer("guessed key", salt="wtf-csrf-token").dumps(raw)
    response = client.post("/submit", data={"csrf_token": forged})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.text


def test_token_of_another_session_is_a_400(csrf: CSRFProtect, app: Erlen, protocol: str) -> None:
    attacker = app.test_client(asgi=protocol == "asgi")
    victim = app.test_client(asgi=protocol == "asgi")
    attacker_token = attacker.get("/token").text
    victim.get("/token")
    response = victim.post("/submit", data={"csrf_token": attacker_token})
    assert response.status_code == 400
    assert "The CSRF tokens do not match." in response.text


def test_expired_token_is_a_400(
    csrf: CSRFProtect, client: ErlenClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    clock_at(monkeypatch, now - 3601)
    old = client.get("/token").text
    clock_at(monkeypatch, now - 3500)
    recent = client.get("/token").text
    monkeypatch.undo()
    response = client.post("/submit", data={"csrf_token": old})
    assert response.status_code == 400
    assert "The CSRF token has expired." in response.text
    assert client.post("/submit", data={"csrf_token": recent}).text == "POST ran"


def test_time_limit_is_configurable(
    app: Erlen, csrf: CSRFProtect, client: ErlenClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["WTF_CSRF_TIME_LIMIT"] = 60
    now = time.time()
    clock_at(monkeypatch, now - 120)
    token = client.get("/token").text
    monkeypatch.undo()
    assert "has expired" in client.post("/submit", data={"csrf_token": token}).text

    # None: the token lives as long as the session.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    clock_at(monkeypatch, now - 400 * 24 * 3600)
    ancient = client.get("/token").text
    monkeypatch.undo()
    assert client.post("/submit", data={"csrf_token": ancient}).text == "POST ran"


def test_each_page_gets_a_new_token_and_all_validate(
    csrf: CSRFProtect, client: ErlenClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = time.time()
    tokens = []
    for offset in (30, 20, 10):
        clock_at(monkeypatch, now - offset)
        tokens.append(client.get("/token").text)
    monkeypatch.undo()
    assert len(set(tokens)) == 3
    for token in tokens:
        assert client.post("/submit", data={"csrf_token": token}).text == "POST ran"


def test_token_is_the_same_within_one_request(app: Erlen, csrf: CSRFProtect) -> None:
    @app.get("/twice")
    def twice() -> Any:
        form = NameForm()
        return [generate_csrf(), generate_csrf(), form.csrf_token.current_token]

    client = app.test_client()
    first, second, of_form = client.get("/twice").json
    assert first == second == of_form


@pytest.mark.parametrize("header", ["X-CSRFToken", "X-CSRF-Token"])
def test_header_token_for_ajax(
    csrf: CSRFProtect, client: ErlenClient, header: str, app: Erlen
) -> None:
    @app.post("/api")
    def api() -> Any:
        return {"got": request.get_json(), "csrf_valid": g.csrf_valid}

    token = client.get("/token").text
    response = client.post("/api", json={"x": 1}, headers={header: token})
    assert response.status_code == 200
    assert response.json == {"got": {"x": 1}, "csrf_valid": True}
    refused = client.post("/api", json={"x": 1}, headers={header: token + "0"})
    assert refused.status_code == 400
    assert "The CSRF token is invalid." in refused.text


def test_custom_headers(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    app.config["WTF_CSRF_HEADERS"] = ["X-XSRF-Token"]
    token = client.get("/token").text
    assert client.post("/submit", headers={"X-CSRFToken": token}).status_code == 400
    assert client.post("/submit", headers={"X-XSRF-Token": token}).text == "POST ran"


def test_template_csrf_token(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    @app.get("/page")
    def page() -> str:
        return render_template("ajax.html")

    html = client.get("/page").text
    match = re.fullmatch(r'<meta name="csrf-token" content="([^"]+)">\n?', html)
    assert match is not None, html
    assert client.post("/submit", headers={"X-CSRFToken": match.group(1)}).text == "POST ran"


def test_form_trusts_a_request_csrfprotect_validated(
    app: Erlen, csrf: CSRFProtect, client: ErlenClient
) -> None:
    @app.post("/ajax-form")
    def ajax_form() -> Any:
        form = NameForm()
        return {"valid": form.validate_on_submit(), "errors": form.errors}

    token = client.get("/token").text
    # The token came in a header, not in the form: still a valid form.
    response = client.post("/ajax-form", data={"name": "n"}, headers={"X-CSRFToken": token})
    assert response.json == {"valid": True, "errors": {}}


def test_unrouted_post_is_a_404_not_a_csrf_error(csrf: CSRFProtect, client: ErlenClient) -> None:
    assert client.post("/nowhere").status_code == 404
    # Method not allowed stays a 405 as well.
    assert client.post("/token").status_code == 405


def test_async_view(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    @app.post("/async")
    async def handler() -> Any:
        form = NameForm()
        return {"valid": form.validate_on_submit(), "name": form.name.data}

    token = client.get("/token").text
    assert client.post("/async", data={"name": "n"}).status_code == 400
    response = client.post("/async", data={"name": "n", "csrf_token": token})
    assert response.json == {"valid": True, "name": "n"}


def test_session_cleared_before_rendering(
    app: Erlen, csrf: CSRFProtect, client: ErlenClient
) -> None:
    @app.route("/login", methods=["GET", "POST"])
    def login() -> str:
        if request.method == "POST":
            # A login starts a fresh session; the page it renders carries a
            # token for the fresh session's raw token.
            generate_csrf()
            session.clear()
        return generate_csrf()

    first = client.get("/login").text
    after_login = client.post("/login", data={"csrf_token": first}).text
    assert after_login != first
    assert client.post("/submit", data={"csrf_token": after_login}).text == "POST ran"
    assert "do not match" in client.post("/submit", data={"csrf_token": first}).text


# -- configuration -------------------------------------------------------------------


def test_init_app_defaults(app: Erlen) -> None:
    csrf = CSRFProtect()
    assert "csrf" not in app.extensions
    csrf.init_app(app)
    assert app.extensions["csrf"] is csrf
    config = app.config
    assert config["WTF_CSRF_ENABLED"] is True
    assert config["WTF_CSRF_CHECK_DEFAULT"] is True
    assert set(config["WTF_CSRF_METHODS"]) == {"POST", "PUT", "PATCH", "DELETE"}
    assert config["WTF_CSRF_FIELD_NAME"] == "csrf_token"
    assert list(config["WTF_CSRF_HEADERS"]) == ["X-CSRFToken", "X-CSRF-Token"]
    assert config["WTF_CSRF_TIME_LIMIT"] == 3600
    assert config["WTF_CSRF_SSL_STRICT"] is True
    assert app.jinja_env.globals["csrf_token"] is generate_csrf


def test_init_app_keeps_configured_values(app: Erlen) -> None:
    app.config.update(WTF_CSRF_TIME_LIMIT=10, WTF_CSRF_FIELD_NAME="tok")
    CSRFProtect(app)
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 10
    assert app.config["WTF_CSRF_FIELD_NAME"] == "tok"


def test_one_extension_for_two_apps(protocol: str) -> None:
    csrf = CSRFProtect()
    apps = []
    for name in ("one", "two"):
        app = Erlen(name)
        app.config.update(SECRET_KEY=f"key {name}", WTF_CSRF_ENABLED=name == "one")
        csrf.init_app(app)
        app.add_url_rule("/t", "t", generate_csrf)
        app.add_url_rule("/s", "s", lambda: "ran", methods=["POST"])
        apps.append(app)
    one, two = (app.test_client(asgi=protocol == "asgi") for app in apps)
    one.get("/t")
    two.get("/t")
    assert one.post("/s").status_code == 400
    assert two.post("/s").text == "ran"


def test_disabled(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/submit").text == "POST ran"


def test_check_default_off_and_manual_protect(
    app: Erlen, csrf: CSRFProtect, client: ErlenClient
) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @app.post("/guarded")
    def guarded() -> str:
        csrf.protect()
        return "guarded ran"

    token = client.get("/token").text
    assert client.post("/submit").text == "POST ran"
    refused = client.post("/guarded")
    assert refused.status_code == 400
    assert "The CSRF token is missing." in refused.text
    assert client.post("/guarded", data={"csrf_token": token}).text == "guarded ran"


def test_protect_in_a_before_request_hook(app: Erlen, client: ErlenClient) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf = CSRFProtect(app)
    admin = Blueprint("admin", __name__)

    @admin.before_request
    def check() -> None:
        csrf.protect()

    @admin.post("/do")
    def do() -> str:
        return "done"

    app.register_blueprint(admin, url_prefix="/admin")
    app.add_url_rule("/open", "open", lambda: "open", methods=["POST"])
    assert client.post("/open").text == "open"
    assert client.post("/admin/do").status_code == 400


def test_custom_methods(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    app.config["WTF_CSRF_METHODS"] = ["POST"]
    assert client.put("/submit").text == "PUT ran"
    assert client.post("/submit").status_code == 400


def test_missing_secret_key_is_a_clear_error() -> None:
    app = Erlen(__name__)
    with app.test_request_context("/"), pytest.raises(RuntimeError, match="secret key"):
        generate_csrf()


def test_csrf_secret_key_is_separate(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    app.config["WTF_CSRF_SECRET_KEY"] = "csrf secret"
    token = client.get("/token").text
    with client.session_transaction() as sess:
        raw = sess["csrf_token"]
    assert URLSafeTimedSerializer("csrf secret", salt="wtf-csrf-token").loads(token) == raw
    signed_with_app_key = URLSafeTimedSerializer("test secret key", salt="wtf-csrf-token")
    response = client.post("/submit", data={"csrf_token": signed_with_app_key.dumps(raw)})
    assert response.status_code == 400
    assert "The CSRF token is invalid." in response.text
    assert client.post("/submit", data={"csrf_token": token}).text == "POST ran"


# -- HTTPS: the referrer check --------------------------------------------------------


def test_https_requires_a_same_origin_referrer(csrf: CSRFProtect, client: ErlenClient) -> None:
    base = "https://example.com"
    token = client.get("/token", base_url=base).text

    def post(**headers: str) -> Any:
        return client.post("/submit", base_url=base, data={"csrf_token": token}, headers=headers)

    missing = post()
    assert missing.status_code == 400
    assert "The referrer header is missing." in missing.text
    for foreign in (
        "https://evil.example/form",
        "http://example.com/form",
        "https://example.com:8443/form",
        "https://example.com.evil.example/",
    ):
        response = post(Referer=foreign)
        assert response.status_code == 400, foreign
        assert "The referrer does not match the host." in response.text
    assert post(Referer="https://example.com/some/page?x=1").text == "POST ran"


def test_https_referrer_check_can_be_turned_off(
    app: Erlen, csrf: CSRFProtect, client: ErlenClient
) -> None:
    app.config["WTF_CSRF_SSL_STRICT"] = False
    token = client.get("/token", base_url="https://example.com").text
    response = client.post("/submit", base_url="https://example.com", data={"csrf_token": token})
    assert response.text == "POST ran"


def test_plain_http_needs_no_referrer(csrf: CSRFProtect, client: ErlenClient) -> None:
    token = client.get("/token").text
    assert client.post("/submit", data={"csrf_token": token}).text == "POST ran"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://a.test/x", "https://a.test/", True),
        ("https://a.test:443/x", "https://a.test:443/", True),
        ("https://A.test/x", "https://a.test/", True),
        ("http://a.test/", "https://a.test/", False),
        ("https://a.test:444/", "https://a.test/", False),
        ("https://b.test/", "https://a.test/", False),
        ("https://a.test:99999/", "https://a.test/", False),
        ("https://a.test:port/", "https://a.test/", False),
    ],
)
def test_same_origin(a: str, b: str, same: bool) -> None:
    assert same_origin(a, b) is same


# -- exempt ----------------------------------------------------------------------------


def test_exempt_view_decorator(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    @app.post("/hook-a")
    @csrf.exempt
    def hook_a() -> str:
        return "a ran"

    @csrf.exempt
    @app.post("/hook-b")
    async def hook_b() -> str:
        return "b ran"

    @app.post("/guarded")
    def guarded() -> str:
        return "guarded ran"

    assert client.post("/hook-a").text == "a ran"
    assert client.post("/hook-b").text == "b ran"
    assert client.post("/guarded").status_code == 400


def test_exempt_by_dotted_name(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    def webhook() -> str:
        return "webhook ran"

    app.add_url_rule("/webhook", "webhook", webhook, methods=["POST"])
    csrf.exempt(f"{__name__}.webhook")
    assert client.post("/webhook").text == "webhook ran"


def test_exempt_blueprint(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    api = Blueprint("api", __name__)
    v1 = Blueprint("v1", __name__)
    web = Blueprint("web", __name__)

    @api.post("/ping")
    def api_ping() -> str:
        return "api ran"

    @v1.post("/ping")
    def v1_ping() -> str:
        return "v1 ran"

    @web.post("/ping")
    def web_ping() -> str:
        return "web ran"

    api.register_blueprint(v1, url_prefix="/v1")
    assert csrf.exempt(api) is api
    app.register_blueprint(api, url_prefix="/api")
    app.register_blueprint(web, url_prefix="/web")

    assert client.post("/api/ping").text == "api ran"
    # Nested in an exempt blueprint: exempt too.
    assert client.post("/api/v1/ping").text == "v1 ran"
    assert client.post("/web/ping").status_code == 400
    assert client.post("/submit").status_code == 400


def test_exempt_rejects_other_objects(csrf: CSRFProtect) -> None:
    with pytest.raises(TypeError, match="view function"):
        csrf.exempt(42)


# -- CSRFError -------------------------------------------------------------------------


def test_csrf_error_is_a_bad_request() -> None:
    assert issubclass(CSRFError, BadRequest)
    error = CSRFError()
    assert error.code == 400
    assert error.description == "CSRF validation failed."
    assert CSRFError("The CSRF token is missing.").description == "The CSRF token is missing."


def test_csrf_error_handler(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    @app.errorhandler(CSRFError)
    def handle(error: CSRFError) -> Any:
        return {"error": error.description}, 400

    response = client.post("/submit")
    assert response.status_code == 400
    assert response.json == {"error": "The CSRF token is missing."}


def test_bad_request_handler_catches_csrf_errors(
    app: Erlen, csrf: CSRFProtect, client: ErlenClient
) -> None:
    @app.errorhandler(400)
    def handle(error: BadRequest) -> Any:
        return f"{type(error).__name__}: {error.description}", 400

    assert client.post("/submit").text == "CSRFError: The CSRF token is missing."


def test_failures_are_logged(
    csrf: CSRFProtect, client: ErlenClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="erlen.ext.forms.csrf"):
        client.post("/submit")
    assert "The CSRF token is missing." in caplog.messages


# -- generate_csrf / validate_csrf directly ---------------------------------------------


def test_validate_csrf_reasons(app: Erlen) -> None:
    with app.test_request_context("/"):
        with pytest.raises(ValidationError, match=re.escape("The CSRF token is missing.")):
            validate_csrf(None)
        with pytest.raises(ValidationError, match=re.escape("The CSRF token is missing.")):
            validate_csrf("")
        with pytest.raises(ValidationError, match=re.escape("The CSRF session token is missing.")):
            validate_csrf("abc")
        token = generate_csrf()
        assert validate_csrf(token) is None
        with pytest.raises(ValidationError, match=re.escape("The CSRF token is invalid.")):
            validate_csrf(["a", "list"])
        with pytest.raises(ValidationError, match=re.escape("The CSRF token is invalid.")):
            validate_csrf(token, secret_key="other")
        assert validate_csrf(generate_csrf(secret_key="other"), secret_key="other") is None
        other = generate_csrf(token_key="other_field")
        assert session["other_field"] != session["csrf_token"]
        assert validate_csrf(other, token_key="other_field") is None
        with pytest.raises(ValidationError, match=re.escape("The CSRF tokens do not match.")):
            validate_csrf(other)


def test_validate_csrf_time_limit_argument(app: Erlen, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.test_request_context("/"):
        clock_at(monkeypatch, time.time() - 100)
        token = generate_csrf()
        monkeypatch.undo()
        assert validate_csrf(token, time_limit=1000) is None
        with pytest.raises(ValidationError, match="expired"):
            validate_csrf(token, time_limit=10)


def test_session_raw_token_shape(app: Erlen) -> None:
    with app.test_request_context("/"):
        token = generate_csrf()
        raw = session["csrf_token"]
        assert re.fullmatch(r"[0-9a-f]{40}", raw)
        assert URLSafeTimedSerializer("test secret key", salt="wtf-csrf-token").loads(token) == raw
    with app.test_request_context("/"):
        assert session.get("csrf_token") is None
        assert generate_csrf() != token


# -- csrf_meta_tag and manual protect with exemptions ---------------------------------


def test_csrf_meta_tag(app: Erlen, csrf: CSRFProtect, client: ErlenClient) -> None:
    @app.get("/meta")
    def meta() -> str:
        return render_template_string("{{ csrf_meta_tag() }}|{{ csrf_meta_tag('x-token') }}")

    html = client.get("/meta").text
    match = re.fullmatch(
        r'<meta name="csrf-token" content="([^"]+)">\|<meta name="x-token" content="\1">', html
    )
    assert match is not None, html
    assert client.post("/submit", headers={"X-CSRF-Token": match.group(1)}).text == "POST ran"


def test_csrf_meta_name_config(app: Erlen, csrf: CSRFProtect) -> None:
    app.config["WTF_CSRF_META_NAME"] = "my-token"
    with app.test_request_context("/"):
        tag = csrf_meta_tag()
        assert tag.startswith('<meta name="my-token" content="')
        assert hasattr(tag, "__html__")
        # The name is escaped: the tag stays one element.
        assert csrf_meta_tag('a"b').startswith('<meta name="a&#34;b" content="')


def test_manual_protect_applies_exemptions_on_request(app: Erlen, client: ErlenClient) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf = CSRFProtect(app)
    calls: list[bool] = []

    @app.before_request
    def check() -> None:
        calls.append(True)
        csrf.protect(apply_exemptions=True)

    @app.post("/open")
    @csrf.exempt
    def open_view() -> str:
        return "open ran"

    @app.post("/closed")
    def closed() -> str:
        csrf.protect()  # without apply_exemptions: always checked
        return "closed ran"

    assert client.post("/open").text == "open ran"
    assert client.post("/closed").status_code == 400
    assert client.post("/missing").status_code == 404
    assert calls == [True, True, True]


def test_methods_config_is_normalised(app: Erlen) -> None:
    app.config["WTF_CSRF_METHODS"] = ["post", "Put"]
    CSRFProtect(app)
    assert app.config["WTF_CSRF_METHODS"] == {"POST", "PUT"}


def test_empty_methods_protect_nothing(app: Erlen, client: ErlenClient) -> None:
    app.config["WTF_CSRF_METHODS"] = []
    CSRFProtect(app)
    app.add_url_rule("/s", "s", lambda: "ran", methods=["POST"])
    assert client.post("/s").text == "ran"


# -- odd input is a clear refusal, never a 500 ------------------------------------------


def test_odd_header_tokens(csrf: CSRFProtect, client: ErlenClient) -> None:
    client.get("/token")
    for token in ("é" * 10, "a." * 5000, "Ij.e.x", "...."):
        raw_header = token.encode("utf-8").decode("latin-1")
        response = client.post("/submit", headers={"X-CSRFToken": raw_header})
        assert response.status_code == 400, token
        assert "The CSRF token is invalid." in response.text


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (123, "The CSRF token is invalid."),
        ({"a": 1}, "The CSRF token is invalid."),
        (["a", "b"], "The CSRF token is invalid."),
        (None, "The CSRF token is missing."),
    ],
)
def test_odd_json_tokens_are_form_errors(
    app: Erlen, client: ErlenClient, value: Any, reason: str
) -> None:
    @app.post("/json-form")
    def json_form() -> Any:
        form = NameForm()
        return {"valid": form.validate_on_submit(), "errors": form.errors.get("csrf_token")}

    response = client.post("/json-form", json={"name": "n", "csrf_token": value})
    assert response.status_code == 200
    assert response.json == {"valid": False, "errors": [reason]}


def test_csrf_check_runs_on_the_loop_when_cheap_and_in_a_thread_for_big_bodies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Under ASGI a thread hop per request is the cost of a sync hook; the
    # check is cheap for a GET or a small form, not for a large body.
    import asyncio
    import threading

    from erlen import Erlen
    from erlen.ext.forms import CSRFProtect

    app = Erlen(__name__)
    app.config.update(SECRET_KEY="k", TESTING=True)
    CSRFProtect(app)
    loop_threads: list[int] = []
    check_threads: list[int] = []

    @app.before_request
    async def note_the_loop() -> None:
        asyncio.get_running_loop()
        loop_threads.append(threading.get_ident())

    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        return "ok"

    original = CSRFProtect._check_request

    def spy(self: CSRFProtect) -> None:
        check_threads.append(threading.get_ident())
        original(self)

    monkeypatch.setattr(CSRFProtect, "_check_request", spy)
    client = app.test_client(asgi=True)
    assert client.get("/").text == "ok"
    assert check_threads[-1] == loop_threads[-1]
    # No token: the check refuses the post, after parsing 100 KB in a thread.
    big = client.post("/", data={"x": "y" * (100 * 1024)})
    assert big.status_code == 400
    assert len(check_threads) == 2
    assert check_threads[-1] != loop_threads[-1]
    small = client.post("/", data={"x": "y"})
    assert small.status_code == 400
    assert check_threads[-1] == loop_threads[-1]


def test_csrf_with_secret_key_set_as_a_class_attribute() -> None:
    """Flask-WTF signs with app.secret_key, which a subclass may set as a
    class attribute; the session (which keeps the token's secret) reads the
    same attribute."""

    class KeyedApp(Erlen):
        secret_key = "class-level key"

    app = KeyedApp(__name__)
    app.config["TESTING"] = True
    CSRFProtect(app)

    @app.get("/token")
    def token() -> str:
        return generate_csrf()

    @app.post("/submit")
    def submit() -> str:
        return "ran"

    client = app.test_client()
    csrf_value = client.get("/token").text
    assert client.post("/submit").status_code == 400
    rv = client.post("/submit", data={"csrf_token": csrf_value})
    assert rv.status_code == 200
    assert rv.text == "ran"
