"""erlen.ext.security against the real flask-talisman: the same options give
the same status, ``Location`` and security headers (nonces normalised), on
both of erlen's protocols. Skipped when flask-talisman is not installed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from erlen import Erlen, render_template_string, session
from erlen.ext.security import SecurityHeaders
from erlen.testing import ErlenClient

flask = pytest.importorskip("flask")
flask_talisman = pytest.importorskip("flask_talisman")

MakeClient = Callable[..., ErlenClient]

SECURITY_HEADERS = (
    "Location",
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "X-XSS-Protection",
    "X-Download-Options",
    "Referrer-Policy",
    "Feature-Policy",
    "Permissions-Policy",
    "Document-Policy",
)
PAGE = '<script nonce="{{ csp_nonce() }}"></script>'

OPTION_SETS: list[dict[str, Any]] = [
    {},
    {"force_https_permanent": True},
    {"force_https": False},
    {"frame_options": "DENY"},
    {"frame_options": "ALLOW-FROM", "frame_options_allow_from": "https://a.example"},
    {"frame_options": None},
    {
        "strict_transport_security_max_age": 60,
        "strict_transport_security_include_subdomains": False,
        "strict_transport_security_preload": True,
    },
    {"strict_transport_security_preload": True},
    {"strict_transport_security": False},
    {"content_security_policy": {"default-src": ["'self'", "*.trusted.com"], "img-src": "*"}},
    {"content_security_policy": "default-src 'self'; script-src 'self'"},
    {"content_security_policy": False},
    {"content_security_policy_report_uri": "/report"},
    {
        "content_security_policy_report_uri": "/report",
        "content_security_policy_report_only": True,
    },
    {
        "content_security_policy": {"default-src": "'self'", "script-src": "'self'"},
        "content_security_policy_nonce_in": ["script-src", "style-src"],
    },
    {
        "content_security_policy": "default-src 'self'; style-src 'self'",
        "content_security_policy_nonce_in": ["style-src"],
    },
    {"referrer_policy": "no-referrer"},
    {"permissions_policy": {"geolocation": "()", "microphone": "()"}},
    {"permissions_policy": "geolocation=()"},
    {"permissions_policy": {}},
    {"feature_policy": {"geolocation": "'none'"}},
    {"document_policy": {"oversized-images": "?0"}},
    {"document_policy": "oversized-images=?0"},
    {"x_xss_protection": True},
    {"force_file_save": True},
    {"x_content_type_options": False},
]
VIEW_OPTIONS: dict[str, Any] = {
    "frame_options": "ALLOW-FROM",
    "frame_options_allow_from": "*",
    "content_security_policy": {"default-src": "'none'", "script-src": "'self'"},
    "content_security_policy_nonce_in": ["script-src"],
    "permissions_policy": "camera=()",
    "document_policy": "oversized-images=?0",
}


def flask_app(options: dict[str, Any]) -> Any:
    app = flask.Flask("talisman_reference")
    app.secret_key = "compare"
    talisman = flask_talisman.Talisman(app, **options)

    @app.route("/")
    def index() -> str:
        return str(flask.render_template_string(PAGE))

    @app.route("/custom")
    @talisman(**VIEW_OPTIONS)
    def custom() -> str:
        return "custom"

    @app.route("/login")
    def login() -> str:
        flask.session["user"] = "ada"
        return "in"

    return app


def erlen_app(options: dict[str, Any]) -> Erlen:
    app = Erlen("talisman_compare")
    app.secret_key = "compare"
    security = SecurityHeaders(app, **options)

    @app.route("/")
    def index() -> str:
        return render_template_string(PAGE)

    @app.route("/custom")
    @security(**VIEW_OPTIONS)
    async def custom() -> str:
        return "custom"

    @app.route("/login")
    def login() -> str:
        session["user"] = "ada"
        return "in"

    return app


def observed(response: Any) -> dict[str, Any]:
    # On its HTTPS redirect flask-talisman skips the nonce (its before_request
    # that makes it never runs); a redirect has no page to use one, so
    # nonces are compared on the pages only.
    nonce = "'nonce-N'" if response.status_code < 300 else ""
    headers = {
        name: re.sub(
            r" ?'nonce-[A-Za-z0-9_-]+'", " " + nonce if nonce else "", response.headers[name]
        )
        for name in SECURITY_HEADERS
        if name in response.headers
    }
    cookie = response.headers.get("Set-Cookie")
    flags = None
    if cookie:
        flags = sorted(part.strip().split("=")[0] for part in cookie.split(";")[1:])
        flags = [flag for flag in flags if flag in ("Secure", "HttpOnly", "SameSite")]
    return {"status": response.status_code, "headers": headers, "cookie_flags": flags}


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(o) or "defaults")
def test_same_headers_as_flask_talisman(make_client: MakeClient, options: dict[str, Any]) -> None:
    reference = flask_app(options).test_client()
    ours = make_client(erlen_app(options))
    for path in ("/", "/custom", "/missing", "/login"):
        for base_url in ("http://localhost", "https://localhost", "http://h.example:8080"):
            expected = observed(reference.get(path, base_url=base_url))
            got = observed(ours.get(path, base_url=base_url))
            assert got == expected, (path, base_url)


def test_nonce_matches_page_in_both(make_client: MakeClient) -> None:
    options = {
        "content_security_policy": {"script-src": "'self'"},
        "content_security_policy_nonce_in": ["script-src"],
    }
    for client in (flask_app(options).test_client(), make_client(erlen_app(options))):
        response = client.get("/", base_url="https://localhost")
        nonce = re.search(r'nonce="([^"]+)"', response.get_data(as_text=True))
        assert nonce is not None
        assert response.headers["Content-Security-Policy"] == (
            f"script-src 'self' 'nonce-{nonce.group(1)}'"
        )
        assert len(nonce.group(1)) == flask_talisman.NONCE_LENGTH


@pytest.mark.parametrize(
    "options", [{}, {"session_cookie_secure": False, "session_cookie_samesite": "Strict"}]
)
def test_session_cookie_config_as_flask_talisman(options: dict[str, Any]) -> None:
    reference = flask_app({"force_https": False, **options})
    # flask-talisman writes SESSION_COOKIE_SECURE on each request; erlen at setup.
    reference.test_client().get("/")
    ours = erlen_app({"force_https": False, **options})
    for key in ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE"):
        assert ours.config[key] == reference.config[key], key


def test_documented_difference_http_only_false() -> None:
    # flask-talisman leaves HttpOnly on when asked to turn it off; erlen obeys.
    options = {"force_https": False, "session_cookie_http_only": False}
    assert flask_app(options).config["SESSION_COOKIE_HTTPONLY"] is True
    assert erlen_app(options).config["SESSION_COOKIE_HTTPONLY"] is False


def test_documented_difference_forwarded_proto(make_client: MakeClient) -> None:
    # flask-talisman believes X-Forwarded-Proto from any client; erlen only
    # through PROXY_FIX (request.is_secure), as the rest of erlen does.
    forwarded = {"X-Forwarded-Proto": "https"}
    assert flask_app({}).test_client().get("/", headers=forwarded).status_code == 200
    assert make_client(erlen_app({})).get("/", headers=forwarded).status_code == 302
    proxied = erlen_app({})
    proxied.config["PROXY_FIX"] = {"x_proto": 1}
    assert make_client(proxied).get("/", headers=forwarded).status_code == 200
