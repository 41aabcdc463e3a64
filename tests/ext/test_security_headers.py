"""erlen.ext.security: flask-talisman's headers, HTTPS redirect and cookie
flags, on both protocols (the ``client`` fixture runs each test over WSGI
and ASGI)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from erlen import Blueprint, Erlen, abort, render_template_string, session
from erlen.ext.security import (
    ALLOW_FROM,
    DEFAULT_CSP_POLICY,
    DENY,
    GOOGLE_CSP_POLICY,
    NONCE_LENGTH,
    ONE_YEAR_IN_SECS,
    SAMEORIGIN,
    SecurityHeaders,
    Talisman,
    csp_nonce,
)
from erlen.testing import ErlenClient

HTTPS = "https://localhost"
MakeClient = Callable[..., ErlenClient]

DEFAULT_HEADERS = {
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; object-src 'none'",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "browsing-topics=()",
    "Strict-Transport-Security": f"max-age={ONE_YEAR_IN_SECS}; includeSubDomains",
}
NEVER_BY_DEFAULT = (
    "X-XSS-Protection",
    "X-Download-Options",
    "Feature-Policy",
    "Document-Policy",
    "Content-Security-Policy-Report-Only",
)


def add_routes(app: Erlen) -> None:
    @app.route("/", methods=["GET", "POST"])
    def index() -> str:
        return "home"

    @app.route("/async")
    async def async_view() -> str:
        return "async home"


def headers_of(client: ErlenClient, path: str = "/", **kwargs: Any) -> Any:
    kwargs.setdefault("base_url", HTTPS)
    return client.get(path, **kwargs).headers


# -- defaults -------------------------------------------------------------------


def test_defaults_on_https(app: Erlen, client: ErlenClient) -> None:
    SecurityHeaders(app)
    add_routes(app)
    for path in ("/", "/async"):
        response = client.get(path, base_url=HTTPS)
        assert response.status_code == 200
        for name, value in DEFAULT_HEADERS.items():
            assert response.headers.get(name) == value, name
        for name in NEVER_BY_DEFAULT:
            assert name not in response.headers, name


def test_http_is_redirected_to_https_with_302(app: Erlen, client: ErlenClient) -> None:
    SecurityHeaders(app)
    add_routes(app)
    response = client.get("/async?q=1&r=%C3%A9")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://localhost/async?q=1&r=%C3%A9"
    # The redirect carries the headers too, but HSTS only goes over HTTPS.
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "Strict-Transport-Security" not in response.headers
    posted = client.post("/", base_url="http://example.com:8080")
    assert posted.status_code == 302
    assert posted.headers["Location"] == "https://example.com:8080/"


def test_redirect_happens_before_the_view_runs(app: Erlen, client: ErlenClient) -> None:
    SecurityHeaders(app)
    calls: list[str] = []

    @app.route("/count")
    def count() -> str:
        calls.append("view")
        return "counted"

    assert client.get("/count").status_code == 302
    assert calls == []
    assert client.get("/count", base_url=HTTPS).text == "counted"
    assert calls == ["view"]


def test_force_https_permanent_gives_301(app: Erlen, client: ErlenClient) -> None:
    SecurityHeaders(app, force_https_permanent=True)
    add_routes(app)
    response = client.get("/")
    assert response.status_code == 301
    assert response.headers["Location"] == "https://localhost/"


def test_force_https_false_serves_http(app: Erlen, client: ErlenClient) -> None:
    SecurityHeaders(app, force_https=False)
    add_routes(app)
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == DEFAULT_HEADERS["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers


def test_debug_mode_does_not_redirect(app: Erlen, client: ErlenClient) -> None:
    # COMPAT(talisman): the development server speaks plain HTTP.
    app.debug = True
    SecurityHeaders(app)
    add_routes(app)
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_testing_mode_still_redirects(app: Erlen, client: ErlenClient) -> None:
    assert app.testing
    SecurityHeaders(app)
    add_routes(app)
    assert client.get("/").status_code == 302


def test_proxy_fix_and_forwarded_proto_https_is_not_redirected(
    app: Erlen, client: ErlenClient
) -> None:
    app.config["PROXY_FIX"] = {"x_proto": 1}
    SecurityHeaders(app)
    add_routes(app)
    forwarded = {"X-Forwarded-Proto": "https"}
    response = client.get("/", headers=forwarded)
    assert response.status_code == 200
    assert (
        response.headers["Strict-Transport-Security"]
        == DEFAULT_HEADERS["Strict-Transport-Security"]
    )
    # The proxy's word counts both ways: a plain request it forwards is redirected.
    plain = client.get("/", base_url=HTTPS, headers={"X-Forwarded-Proto": "http"})
    assert plain.status_code == 302
    assert plain.headers["Location"] == "https://localhost/"


def test_forwarded_proto_without_proxy_fix_is_not_trusted(
    app: Erlen, client: ErlenClient, caplog: pytest.LogCaptureFixture
) -> None:
    SecurityHeaders(app)
    add_routes(app)
    forwarded = {"X-Forwarded-Proto": "https"}
    with caplog.at_level(logging.WARNING):
        first = client.get("/", headers=forwarded)
        second = client.get("/", headers=forwarded)
    assert first.status_code == second.status_code == 302
    assert "Strict-Transport-Security" not in first.headers
    warnings = [r for r in caplog.records if "PROXY_FIX" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING


def test_head_and_options_get_headers(app: Erlen, client: ErlenClient) -> None:
    SecurityHeaders(app)
    add_routes(app)
    head = client.head("/", base_url=HTTPS)
    assert head.status_code == 200
    assert head.headers["X-Content-Type-Options"] == "nosniff"
    options = client.options("/", base_url=HTTPS)
    assert options.status_code == 200
    assert options.headers["Content-Security-Policy"] == DEFAULT_HEADERS["Content-Security-Policy"]


# -- each option ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"strict_transport_security_max_age": 100}, "max-age=100; includeSubDomains"),
        ({"strict_transport_security_include_subdomains": False}, f"max-age={ONE_YEAR_IN_SECS}"),
        (
            {"strict_transport_security_preload": True},
            f"max-age={ONE_YEAR_IN_SECS}; includeSubDomains; preload",
        ),
        (
            {
                "strict_transport_security_max_age": 0,
                "strict_transport_security_include_subdomains": False,
                "strict_transport_security_preload": True,
            },
            "max-age=0; preload",
        ),
        ({"strict_transport_security": False}, None),
    ],
)
def test_strict_transport_security_options(
    app: Erlen, client: ErlenClient, options: dict[str, Any], expected: str | None
) -> None:
    SecurityHeaders(app, **options)
    add_routes(app)
    assert headers_of(client).get("Strict-Transport-Security") == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"frame_options": DENY}, "DENY"),
        ({"frame_options": SAMEORIGIN}, "SAMEORIGIN"),
        ({"frame_options": "deny"}, "DENY"),
        (
            {"frame_options": ALLOW_FROM, "frame_options_allow_from": "https://a.example"},
            "ALLOW-FROM https://a.example",
        ),
        (
            {"frame_options": "ALLOWFROM", "frame_options_allow_from": "https://b.example"},
            "ALLOW-FROM https://b.example",
        ),
        ({"frame_options": None}, None),
        ({"frame_options": False}, None),
    ],
)
def test_frame_options(
    app: Erlen, client: ErlenClient, options: dict[str, Any], expected: str | None
) -> None:
    SecurityHeaders(app, **options)
    add_routes(app)
    assert headers_of(client).get("X-Frame-Options") == expected


def test_frame_options_errors() -> None:
    with pytest.raises(ValueError, match="'SAMEORIGIN', 'DENY' or 'ALLOW-FROM'"):
        SecurityHeaders(frame_options="EVERYWHERE")
    with pytest.raises(ValueError, match="needs frame_options_allow_from"):
        SecurityHeaders(frame_options=ALLOW_FROM)
    with pytest.raises(TypeError, match="frame_options"):
        SecurityHeaders(frame_options=1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"default-src": "'self'"}, "default-src 'self'"),
        (
            {"default-src": ["'self'", "*.trusted.com"], "img-src": "*"},
            "default-src 'self' *.trusted.com; img-src *",
        ),
        (("default-src 'self';  img-src * ; ; upgrade-insecure-requests;"), None),
        (
            {"default-src": "'self'", "upgrade-insecure-requests": ""},
            "default-src 'self'; upgrade-insecure-requests",
        ),
        (GOOGLE_CSP_POLICY, "; ".join(f"{k} {v}" for k, v in GOOGLE_CSP_POLICY.items())),
        (False, "absent"),
        (None, "absent"),
        ({}, "absent"),
        ("", "absent"),
    ],
)
def test_content_security_policy_forms(
    app: Erlen, client: ErlenClient, policy: Any, expected: str | None
) -> None:
    SecurityHeaders(app, content_security_policy=policy)
    add_routes(app)
    value = headers_of(client).get("Content-Security-Policy")
    if expected == "absent":
        assert value is None
    elif expected is None:
        # A string policy is passed through, tidied: no empty directives.
        assert value == "default-src 'self'; img-src *; upgrade-insecure-requests"
    else:
        assert value == expected


def test_policy_sources_from_a_generator(app: Erlen, client: ErlenClient) -> None:
    sources = (source for source in ("'self'", "cdn.example"))
    SecurityHeaders(app, content_security_policy={"default-src": sources})
    add_routes(app)
    assert headers_of(client)["Content-Security-Policy"] == "default-src 'self' cdn.example"


def test_content_security_policy_errors() -> None:
    with pytest.raises(ValueError, match="must not contain ';'"):
        SecurityHeaders(content_security_policy={"default-src": "'self'; script-src *"})
    with pytest.raises(ValueError, match="control character"):
        SecurityHeaders(content_security_policy="default-src 'self'\r\nX-Evil: 1")
    with pytest.raises(ValueError, match="not a directive name"):
        SecurityHeaders(content_security_policy={"default src": "'self'"})
    with pytest.raises(TypeError, match="a string or a list of strings"):
        SecurityHeaders(content_security_policy={"default-src": 5})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="a dict, a string"):
        SecurityHeaders(content_security_policy=42)  # type: ignore[arg-type]


def test_report_uri_and_report_only(make_client: MakeClient) -> None:
    reporting = Erlen("reporting")
    SecurityHeaders(reporting, content_security_policy_report_uri="/csp-report")
    add_routes(reporting)
    headers = headers_of(make_client(reporting))
    assert headers["Content-Security-Policy"] == (
        "default-src 'self'; object-src 'none'; report-uri /csp-report"
    )

    report_only = Erlen("report_only")
    SecurityHeaders(
        report_only,
        content_security_policy={"default-src": "'self'", "report-uri": "/old"},
        content_security_policy_report_uri="/csp-report",
        content_security_policy_report_only=True,
    )
    add_routes(report_only)
    headers = headers_of(make_client(report_only))
    assert "Content-Security-Policy" not in headers
    # COMPAT(talisman): a URI written in the policy is kept.
    assert headers["Content-Security-Policy-Report-Only"] == "default-src 'self'; report-uri /old"


def test_report_only_needs_a_report_uri() -> None:
    with pytest.raises(ValueError, match="needs content_security_policy_report_uri"):
        SecurityHeaders(content_security_policy_report_only=True)
    with pytest.raises(ValueError, match="one URI"):
        SecurityHeaders(content_security_policy_report_uri="/a; script-src *")


@pytest.mark.parametrize(
    ("options", "name", "expected"),
    [
        ({"referrer_policy": "no-referrer"}, "Referrer-Policy", "no-referrer"),
        (
            {"referrer_policy": "no-referrer, strict-origin-when-cross-origin"},
            "Referrer-Policy",
            "no-referrer, strict-origin-when-cross-origin",
        ),
        ({"referrer_policy": None}, "Referrer-Policy", None),
        (
            {"permissions_policy": {"geolocation": "()", "microphone": "(self)"}},
            "Permissions-Policy",
            "geolocation=(), microphone=(self)",
        ),
        (
            {"permissions_policy": "geolocation=(), microphone=()"},
            "Permissions-Policy",
            "geolocation=(), microphone=()",
        ),
        ({"permissions_policy": {}}, "Permissions-Policy", None),
        ({"feature_policy": {"geolocation": "'none'"}}, "Feature-Policy", "geolocation 'none'"),
        (
            {"feature_policy": {"camera": ["'self'", "https://a.example"], "usb": "'none'"}},
            "Feature-Policy",
            "camera 'self' https://a.example; usb 'none'",
        ),
        (
            {"document_policy": {"oversized-images": "?0"}},
            "Document-Policy",
            "oversized-images=?0",
        ),
        ({"document_policy": "oversized-images=?0"}, "Document-Policy", "oversized-images=?0"),
        ({"x_content_type_options": False}, "X-Content-Type-Options", None),
        ({"x_xss_protection": True}, "X-XSS-Protection", "1; mode=block"),
        ({"force_file_save": True}, "X-Download-Options", "noopen"),
    ],
)
def test_header_options(
    app: Erlen, client: ErlenClient, options: dict[str, Any], name: str, expected: str | None
) -> None:
    SecurityHeaders(app, **options)
    add_routes(app)
    headers = headers_of(client, "/async")
    assert headers.get(name) == expected
    # The other headers keep their defaults.
    assert headers["Strict-Transport-Security"] == DEFAULT_HEADERS["Strict-Transport-Security"]


def test_option_errors() -> None:
    with pytest.raises(TypeError, match=r"Unknown SecurityHeaders option.*force_http"):
        SecurityHeaders(force_http=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'force_https' must be True or False"):
        SecurityHeaders(force_https="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seconds"):
        SecurityHeaders(strict_transport_security_max_age=-1)
    with pytest.raises(ValueError, match="not a policy name"):
        SecurityHeaders(referrer_policy="no-referrer; x")
    with pytest.raises(ValueError, match="'Lax', 'Strict', 'None'"):
        SecurityHeaders(session_cookie_samesite="lax")
    with pytest.raises(ValueError, match="needs session_cookie_secure=True"):
        SecurityHeaders(session_cookie_samesite="None", session_cookie_secure=False)


# -- nonces ---------------------------------------------------------------------


def nonce_app(**options: Any) -> Erlen:
    app = Erlen("nonce_app")
    security = SecurityHeaders(app, **options)

    @app.route("/page")
    def page() -> str:
        return render_template_string('<script nonce="{{ csp_nonce() }}">go()</script>')

    @app.route("/async-page")
    async def async_page() -> str:
        return render_template_string('<script nonce="{{ csp_nonce() }}">go()</script>')

    @app.route("/styled")
    @security(content_security_policy_nonce_in=["style-src"])
    def styled() -> str:
        return f"<style nonce='{csp_nonce()}'></style>"

    return app


def test_nonce_in_header_and_template_differs_per_request(make_client: MakeClient) -> None:
    app = nonce_app(
        content_security_policy={"default-src": "'self'", "script-src": ["'self'", "cdn.example"]},
        content_security_policy_nonce_in=["script-src", "style-src"],
    )
    client = make_client(app)
    seen = set()
    for path in ("/page", "/async-page", "/page"):
        response = client.get(path, base_url=HTTPS)
        match = re.fullmatch(
            r"default-src 'self'; script-src 'self' cdn\.example 'nonce-([A-Za-z0-9_-]+)'",
            response.headers["Content-Security-Policy"],
        )
        assert match is not None, response.headers["Content-Security-Policy"]
        nonce = match.group(1)
        assert len(nonce) == NONCE_LENGTH
        # style-src is not in the policy, so it gets no nonce (nor a directive).
        assert response.text == f'<script nonce="{nonce}">go()</script>'
        seen.add(nonce)
    assert len(seen) == 3


def test_nonce_with_string_policy_and_per_view_directives(make_client: MakeClient) -> None:
    app = nonce_app(
        content_security_policy="default-src 'self'; script-src 'self'; style-src 'self'",
        content_security_policy_nonce_in=["script-src"],
    )
    client = make_client(app)
    response = client.get("/styled", base_url=HTTPS)
    nonce = re.search(r"nonce='([^']+)'", response.text)
    assert nonce is not None
    assert response.headers["Content-Security-Policy"] == (
        f"default-src 'self'; script-src 'self'; style-src 'self' 'nonce-{nonce.group(1)}'"
    )


def test_no_nonce_without_nonce_in(make_client: MakeClient) -> None:
    client = make_client(nonce_app())
    response = client.get("/page", base_url=HTTPS)
    assert response.headers["Content-Security-Policy"] == DEFAULT_HEADERS["Content-Security-Policy"]
    # The template still gets a nonce; the policy simply does not use it.
    assert re.fullmatch(r'<script nonce="[A-Za-z0-9_-]{32}">go\(\)</script>', response.text)


def test_csp_nonce_needs_a_request(app: Erlen) -> None:
    with pytest.raises(RuntimeError, match="active request"):
        csp_nonce()
    with app.app_context(), pytest.raises(RuntimeError, match="active request"):
        csp_nonce()
    with app.test_request_context("/"):
        first = csp_nonce()
        assert csp_nonce() == first


# -- per-view options -------------------------------------------------------------


def test_per_view_decorator(app: Erlen, client: ErlenClient) -> None:
    security = SecurityHeaders(app)

    @app.route("/normal")
    def normal() -> str:
        return "normal"

    @app.route("/embeddable")
    @security(frame_options=ALLOW_FROM, frame_options_allow_from="*")
    def embeddable() -> str:
        return "embeddable"

    # Above the route decorator works too: the options live on the function.
    @security(content_security_policy={"default-src": "'none'"}, frame_options=DENY)
    @app.route("/locked")
    async def locked() -> str:
        return "locked"

    @app.route("/plain-http")
    @security(force_https=False, permissions_policy=None, document_policy="oversized-images=?0")
    async def plain_http() -> str:
        return "plain"

    assert headers_of(client, "/normal")["X-Frame-Options"] == "SAMEORIGIN"
    embeddable_headers = headers_of(client, "/embeddable")
    assert embeddable_headers["X-Frame-Options"] == "ALLOW-FROM *"
    assert (
        embeddable_headers["Content-Security-Policy"] == DEFAULT_HEADERS["Content-Security-Policy"]
    )
    locked_headers = headers_of(client, "/locked")
    assert locked_headers["X-Frame-Options"] == "DENY"
    assert locked_headers["Content-Security-Policy"] == "default-src 'none'"
    assert locked_headers["Referrer-Policy"] == DEFAULT_HEADERS["Referrer-Policy"]

    assert client.get("/normal").status_code == 302
    plain = client.get("/plain-http")
    assert plain.status_code == 200
    assert plain.text == "plain"
    assert "Permissions-Policy" not in plain.headers
    assert plain.headers["Document-Policy"] == "oversized-images=?0"
    # Repeated requests use the cached per-view policy.
    assert headers_of(client, "/locked")["X-Frame-Options"] == "DENY"


def test_per_view_force_https_when_app_allows_http(app: Erlen, client: ErlenClient) -> None:
    security = SecurityHeaders(app, force_https=False)

    @app.route("/open")
    def open_page() -> str:
        return "open"

    @app.route("/login")
    @security(force_https=True)
    def login() -> str:
        return "login"

    assert client.get("/open").status_code == 200
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://localhost/login"


def test_per_view_allow_from_uses_the_apps_origin(app: Erlen, client: ErlenClient) -> None:
    security = SecurityHeaders(app, frame_options_allow_from="https://partner.example")

    @app.route("/widget")
    @security(frame_options=ALLOW_FROM)
    def widget() -> str:
        return "widget"

    assert headers_of(client, "/widget")["X-Frame-Options"] == (
        "ALLOW-FROM https://partner.example"
    )


def test_per_view_on_a_blueprint(app: Erlen, client: ErlenClient) -> None:
    security = SecurityHeaders(app)
    bp = Blueprint("shop", __name__, url_prefix="/shop")

    @bp.route("/frame")
    @security(frame_options=DENY)
    def frame() -> str:
        return "frame"

    app.register_blueprint(bp)
    assert headers_of(client, "/shop/frame")["X-Frame-Options"] == "DENY"


def test_per_view_option_errors() -> None:
    security = SecurityHeaders()
    with pytest.raises(TypeError, match="referrer_policy"):
        security(referrer_policy="no-referrer")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="session_cookie_secure"):
        security(session_cookie_secure=False)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="'SAMEORIGIN', 'DENY' or 'ALLOW-FROM'"):
        security(frame_options="NOWHERE")
    with pytest.raises(ValueError, match="must not contain ';'"):
        security(content_security_policy={"script-src": "a; b"})


def test_view_headers_are_replaced(app: Erlen, client: ErlenClient) -> None:
    # COMPAT(talisman): the extension's headers win over the view's; change
    # a view's policy with the decorator instead.
    SecurityHeaders(app)

    @app.route("/own")
    def own() -> tuple[str, int, dict[str, str]]:
        return "own", 200, {"Content-Security-Policy": "img-src *", "X-Frame-Options": "DENY"}

    headers = headers_of(client, "/own")
    assert headers.getlist("Content-Security-Policy") == [
        DEFAULT_HEADERS["Content-Security-Policy"]
    ]
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]


# -- error responses --------------------------------------------------------------


def test_error_responses_get_headers(app: Erlen, client: ErlenClient) -> None:
    SecurityHeaders(app)

    @app.route("/forbidden")
    async def forbidden() -> str:
        abort(403)

    @app.route("/only-post", methods=["POST"])
    def only_post() -> str:
        return "posted"

    for path, status in (("/missing", 404), ("/forbidden", 403), ("/only-post", 405)):
        response = client.get(path, base_url=HTTPS)
        assert response.status_code == status
        for name, value in DEFAULT_HEADERS.items():
            assert response.headers.get(name) == value, (path, name)
    # A 404 over plain HTTP is redirected first, as in flask-talisman.
    assert client.get("/missing").status_code == 302


def test_unhandled_exception_500_gets_headers(
    app: Erlen, client: ErlenClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    SecurityHeaders(app, content_security_policy_nonce_in=["default-src"])

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    @app.route("/async-boom")
    async def async_boom() -> str:
        raise RuntimeError("async boom")

    for path in ("/boom", "/async-boom"):
        with caplog.at_level(logging.CRITICAL):
            response = client.get(path, base_url=HTTPS)
        assert response.status_code == 500
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert (
            response.headers["Strict-Transport-Security"]
            == DEFAULT_HEADERS["Strict-Transport-Security"]
        )
        assert re.fullmatch(
            r"default-src 'self' 'nonce-[A-Za-z0-9_-]{32}'; object-src 'none'",
            response.headers["Content-Security-Policy"],
        )


def test_handled_500_gets_headers_once(app: Erlen, client: ErlenClient) -> None:
    app.testing = False
    SecurityHeaders(app)

    @app.errorhandler(500)
    def oops(error: Exception) -> tuple[str, int]:
        return "custom 500", 500

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = client.get("/boom", base_url=HTTPS)
    assert response.status_code == 500
    assert response.text == "custom 500"
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]


# -- session cookie ---------------------------------------------------------------


def session_routes(app: Erlen) -> None:
    @app.route("/login")
    def login() -> str:
        session["user"] = "ada"
        return "in"


def test_session_cookie_flags_by_default(app: Erlen, client: ErlenClient) -> None:
    app.config["SESSION_COOKIE_SAMESITE"] = None
    SecurityHeaders(app)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    session_routes(app)
    cookie = client.get("/login", base_url=HTTPS).headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0] for part in cookie.split(";")}
    assert {"Secure", "HttpOnly", "SameSite"} <= attributes
    assert "SameSite=Lax" in cookie


def test_session_cookie_options(app: Erlen, client: ErlenClient) -> None:
    SecurityHeaders(
        app,
        force_https=False,
        session_cookie_secure=False,
        session_cookie_http_only=False,
        session_cookie_samesite="Strict",
    )
    session_routes(app)
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "SameSite=Strict" in cookie
    assert "Secure" not in cookie
    assert "HttpOnly" not in cookie


# -- setup --------------------------------------------------------------------------


def test_talisman_alias_and_constants() -> None:
    assert Talisman is SecurityHeaders
    assert DEFAULT_CSP_POLICY == {"default-src": "'self'", "object-src": "'none'"}
    assert (DENY, SAMEORIGIN, ALLOW_FROM) == ("DENY", "SAMEORIGIN", "ALLOW-FROM")
    assert ONE_YEAR_IN_SECS == 31556926


def test_app_factory_options(make_client: MakeClient) -> None:
    security = SecurityHeaders(frame_options=DENY, force_https=False)
    first, second = Erlen("first"), Erlen("second")
    security.init_app(first)
    security.init_app(second, frame_options=SAMEORIGIN, referrer_policy="no-referrer")
    for app in (first, second):
        add_routes(app)
        assert "security" in app.extensions
    first_headers = make_client(first).get("/").headers
    assert first_headers["X-Frame-Options"] == "DENY"
    assert first_headers["Referrer-Policy"] == DEFAULT_HEADERS["Referrer-Policy"]
    second_headers = make_client(second).get("/").headers
    assert second_headers["X-Frame-Options"] == "SAMEORIGIN"
    assert second_headers["Referrer-Policy"] == "no-referrer"


def test_init_twice_is_refused(app: Erlen) -> None:
    SecurityHeaders(app)
    with pytest.raises(RuntimeError, match="already set up"):
        SecurityHeaders(app)


# -- the brief's example (§2.10.1) --------------------------------------------------


BRIEF_TEMPLATE = "<!-- Jinja2 会自动转义 HTML 标签 --> {{ user_input }}"


def test_brief_2_10_1_csp_by_hand(app: Erlen, client: ErlenClient) -> None:
    # The brief's hook, imports changed, still works beside the extension
    # when the extension's own policy is off.
    SecurityHeaders(app, content_security_policy=False, force_https=False)

    @app.after_request
    def apply_csp(response: Any) -> Any:
        response.headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self'"
        return response

    @app.route("/")
    def index() -> str:
        user_input = "<script>alert('XSS')</script>"
        return render_template_string(BRIEF_TEMPLATE, user_input=user_input)

    response = client.get("/")
    assert response.headers["Content-Security-Policy"] == "default-src 'self'; script-src 'self'"
    assert "&lt;script&gt;alert(&#39;XSS&#39;)&lt;/script&gt;" in response.text
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_brief_2_10_1_csp_with_the_extension(app: Erlen, client: ErlenClient) -> None:
    SecurityHeaders(app, content_security_policy="default-src 'self'; script-src 'self'")

    @app.route("/")
    def index() -> str:
        user_input = "<script>alert('XSS')</script>"
        return render_template_string(BRIEF_TEMPLATE, user_input=user_input)

    response = client.get("/", base_url=HTTPS)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "default-src 'self'; script-src 'self'"
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text


def test_per_view_allow_from_without_any_origin_fails_at_setup(app: Erlen) -> None:
    security = SecurityHeaders(app)
    with pytest.raises(ValueError, match="needs frame_options_allow_from"):
        security(frame_options=ALLOW_FROM)

    # App factory order: the view is decorated and registered first.
    later = SecurityHeaders()
    factory_app = Erlen("factory")

    @factory_app.route("/widget")
    @later(frame_options=ALLOW_FROM)
    def widget() -> str:
        return "widget"

    with pytest.raises(ValueError, match="needs frame_options_allow_from"):
        later.init_app(factory_app)
    later.init_app(Erlen("other"), frame_options_allow_from="https://a.example")


def test_per_view_allow_from_checked_on_first_request(app: Erlen, client: ErlenClient) -> None:
    # Decorated before init_app, registered after it: checked when first served.
    security = SecurityHeaders()
    bp = Blueprint("late", __name__)

    @bp.route("/late")
    @security(frame_options=ALLOW_FROM)
    def late() -> str:
        return "late"

    security.init_app(app)
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="needs frame_options_allow_from"):
        client.get("/late", base_url=HTTPS)


# -- options changed after setup (flask-talisman's attributes) ------------------------


@pytest.mark.parametrize(
    ("changes", "base_url", "name", "expected"),
    [
        ({"x_xss_protection": True}, HTTPS, "X-XSS-Protection", "1; mode=block"),
        ({"force_file_save": True}, HTTPS, "X-Download-Options", "noopen"),
        ({"x_content_type_options": False}, HTTPS, "X-Content-Type-Options", None),
        ({"frame_options": DENY}, HTTPS, "X-Frame-Options", "DENY"),
        ({"frame_options": None}, HTTPS, "X-Frame-Options", None),
        # Set one after the other, as flask-talisman's users do.
        (
            {"frame_options": ALLOW_FROM, "frame_options_allow_from": "https://a.example"},
            HTTPS,
            "X-Frame-Options",
            "ALLOW-FROM https://a.example",
        ),
        ({"referrer_policy": "no-referrer"}, HTTPS, "Referrer-Policy", "no-referrer"),
        ({"strict_transport_security": False}, HTTPS, "Strict-Transport-Security", None),
        (
            {
                "strict_transport_security_include_subdomains": False,
                "strict_transport_security_preload": True,
                "strict_transport_security_max_age": 60,
            },
            HTTPS,
            "Strict-Transport-Security",
            "max-age=60; preload",
        ),
        (
            {
                "content_security_policy_report_only": True,
                "content_security_policy_report_uri": "/csp-report",
            },
            HTTPS,
            "Content-Security-Policy-Report-Only",
            "default-src 'self'; object-src 'none'; report-uri /csp-report",
        ),
        ({"content_security_policy": "img-src *"}, HTTPS, "Content-Security-Policy", "img-src *"),
        ({"content_security_policy": False}, HTTPS, "Content-Security-Policy", None),
        ({"permissions_policy": {}}, HTTPS, "Permissions-Policy", None),
        (
            {"force_https_permanent": True},
            "http://localhost",
            "Location",
            "https://localhost/async",
        ),
    ],
)
def test_options_set_after_setup_apply_to_the_next_request(
    app: Erlen,
    client: ErlenClient,
    changes: dict[str, Any],
    base_url: str,
    name: str,
    expected: str | None,
) -> None:
    # COMPAT(talisman): its options are attributes, read on each request.
    security = SecurityHeaders(app)
    add_routes(app)
    assert headers_of(client).get("X-Frame-Options") == "SAMEORIGIN"
    for option, value in changes.items():
        setattr(security, option, value)
        assert getattr(security, option) == value
    response = client.get("/async", base_url=base_url)
    assert response.headers.get(name) == expected
    if "force_https_permanent" in changes:
        assert response.status_code == 301


def test_force_https_set_after_setup(app: Erlen, client: ErlenClient) -> None:
    security = SecurityHeaders(app)
    add_routes(app)
    assert client.get("/").status_code == 302
    security.force_https = False
    assert client.get("/").status_code == 200
    security.force_https = True
    assert client.get("/").status_code == 302


def test_policy_dicts_change_in_place(app: Erlen, client: ErlenClient) -> None:
    security = SecurityHeaders(app)
    add_routes(app)
    csp = security.content_security_policy
    assert isinstance(csp, dict)
    assert csp == DEFAULT_CSP_POLICY
    csp["img-src"] = "*"
    assert headers_of(client)["Content-Security-Policy"] == (
        "default-src 'self'; object-src 'none'; img-src *"
    )
    csp["img-src"] = ["'self'", "cdn.example"]
    del csp["object-src"]
    assert headers_of(client)["Content-Security-Policy"] == (
        "default-src 'self'; img-src 'self' cdn.example"
    )
    # The module's default is a copy's source, never changed.
    assert DEFAULT_CSP_POLICY == {"default-src": "'self'", "object-src": "'none'"}

    features = security.feature_policy
    assert isinstance(features, dict)
    features["geolocation"] = "'none'"
    features.update({"fullscreen": "'self' a.example"})
    permissions = security.permissions_policy
    assert isinstance(permissions, dict)
    permissions.setdefault("geolocation", "()")
    documents = security.document_policy
    assert isinstance(documents, dict)
    documents["oversized-images"] = "?0"
    headers = headers_of(client, "/async")
    assert headers["Feature-Policy"] == "geolocation 'none'; fullscreen 'self' a.example"
    assert headers["Permissions-Policy"] == "browsing-topics=(), geolocation=()"
    assert headers["Document-Policy"] == "oversized-images=?0"
    permissions.clear()
    assert "Permissions-Policy" not in headers_of(client)


def test_options_set_after_setup_reach_decorated_views(app: Erlen, client: ErlenClient) -> None:
    security = SecurityHeaders(app)

    @app.route("/locked")
    @security(frame_options=DENY)
    def locked() -> str:
        return "locked"

    assert headers_of(client, "/locked")["Referrer-Policy"] == DEFAULT_HEADERS["Referrer-Policy"]
    security.referrer_policy = "no-referrer"
    security.frame_options = SAMEORIGIN
    headers = headers_of(client, "/locked")
    # The view's own option still wins over the app's.
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_bad_option_set_after_setup_is_refused_at_once(app: Erlen, client: ErlenClient) -> None:
    security = SecurityHeaders(app)
    add_routes(app)
    with pytest.raises(ValueError, match="'SAMEORIGIN', 'DENY' or 'ALLOW-FROM'"):
        security.frame_options = "EVERYWHERE"
    with pytest.raises(TypeError, match="'force_https' must be True or False"):
        security.force_https = "no"  # type: ignore[assignment]
    csp = security.content_security_policy
    assert isinstance(csp, dict)
    with pytest.raises(ValueError, match="must not contain ';'"):
        csp["script-src"] = "'self'; img-src *"
    with pytest.raises(ValueError, match="control character"):
        csp.update({"script-src": "'self'\r\nX-Evil: 1"})
    # An origin unused until ALLOW-FROM is set: refused when that is.
    security.frame_options_allow_from = "https://a.example\r\nX-Evil: 1"
    with pytest.raises(ValueError, match="control character"):
        security.frame_options = ALLOW_FROM
    security.frame_options_allow_from = None
    # Nothing changed.
    assert security.frame_options == SAMEORIGIN
    assert security.force_https is True
    assert csp == DEFAULT_CSP_POLICY
    headers = headers_of(client)
    for name, value in DEFAULT_HEADERS.items():
        assert headers.get(name) == value, name


def test_incomplete_options_fail_the_request_until_completed(
    app: Erlen, client: ErlenClient
) -> None:
    security = SecurityHeaders(app)
    add_routes(app)
    # A report-only policy without its URI yet: checked when next used.
    security.content_security_policy_report_only = True
    with pytest.raises(ValueError, match="needs content_security_policy_report_uri"):
        client.get("/", base_url=HTTPS)
    security.content_security_policy_report_uri = "/csp-report"
    headers = headers_of(client)
    assert "Content-Security-Policy" not in headers
    assert headers["Content-Security-Policy-Report-Only"].endswith("; report-uri /csp-report")


def test_option_attributes_read_what_applies(make_client: MakeClient) -> None:
    security = SecurityHeaders(frame_options=DENY)
    assert security.frame_options == DENY
    assert security.force_https is True
    assert security.content_security_policy == DEFAULT_CSP_POLICY
    first, second = Erlen("first"), Erlen("second")
    security.init_app(first)
    security.init_app(second, frame_options=SAMEORIGIN, force_https=False)
    for app in (first, second):
        add_routes(app)
    # The app set up last, as flask-talisman's init_app sets the attributes.
    assert security.frame_options == SAMEORIGIN
    assert security.force_https is False
    assert Talisman(Erlen("third"), force_https=False).force_https is False
    # Setting an option sets it for every app, init_app's options included.
    security.frame_options = ALLOW_FROM
    security.frame_options_allow_from = "https://a.example"
    for app in (first, second):
        headers = headers_of(make_client(app))
        assert headers["X-Frame-Options"] == "ALLOW-FROM https://a.example"
    assert make_client(first).get("/").status_code == 302
    assert make_client(second).get("/").status_code == 200


def test_session_cookie_options_set_after_setup(app: Erlen, client: ErlenClient) -> None:
    security = SecurityHeaders(app, force_https=False)
    session_routes(app)
    security.session_cookie_samesite = "Strict"
    security.session_cookie_http_only = False
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is False
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "SameSite=Strict" in cookie
    assert "HttpOnly" not in cookie
    # SameSite=None needs Secure: used once both are set.
    security.session_cookie_secure = False
    security.session_cookie_samesite = "None"
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"
    security.session_cookie_secure = True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "None"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_request_csp_nonce(make_client: MakeClient) -> None:
    from erlen import request

    app = Erlen("request_nonce")
    SecurityHeaders(
        app,
        content_security_policy={"default-src": "'self'", "script-src": "'self'"},
        content_security_policy_nonce_in=["script-src"],
    )

    @app.route("/nonce")
    async def nonce() -> str:
        assert request.csp_nonce == csp_nonce()
        return str(request.csp_nonce)

    response = make_client(app).get("/nonce", base_url=HTTPS)
    assert len(response.text) == NONCE_LENGTH
    assert response.headers["Content-Security-Policy"] == (
        f"default-src 'self'; script-src 'self' 'nonce-{response.text}'"
    )


def test_report_uri_in_the_policy_wins(app: Erlen, client: ErlenClient) -> None:
    # COMPAT(talisman): the option only adds a report-uri the policy lacks.
    SecurityHeaders(
        app,
        content_security_policy={"default-src": "'self'", "report-uri": "/own"},
        content_security_policy_report_uri="/csp-report",
    )
    add_routes(app)
    assert headers_of(client)["Content-Security-Policy"] == "default-src 'self'; report-uri /own"
