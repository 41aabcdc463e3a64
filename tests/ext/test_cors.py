"""erlen.ext.cors: flask_cors's CORS and cross_origin, on WSGI and ASGI,
and compared header for header with the real flask_cors."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from erlen import Blueprint, Erlen, abort, jsonify
from erlen.ext.cors import CORS, cors_headers, cross_origin, resolve_options
from erlen.testing import ErlenClient

ORIGIN = "http://a.com"


def acl(response: Any) -> dict[str, list[str]]:
    """The response's Access-Control-* headers, and its Vary tokens."""
    found: dict[str, list[str]] = {}
    for name, value in response.headers.items():
        key = name.lower()
        if key.startswith("access-control-"):
            found.setdefault(key, []).append(value)
        elif key == "vary":
            found.setdefault("vary", []).extend(t.strip() for t in value.split(","))
    return {key: sorted(values) for key, values in found.items()}


def preflight(method: str = "PUT", headers: str | None = None, origin: str = ORIGIN) -> dict:
    sent = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        sent["Access-Control-Request-Headers"] = headers
    return sent


# -- the brief's examples (§2.9.7, §2.10.2), imports changed only ----------------------


def test_brief_2_9_7_hello(protocol: str) -> None:
    app = Erlen(__name__)
    CORS(app)  # 允许所有域名跨域访问

    @app.route("/")
    def hello():
        return "Hello from a CORS-enabled endpoint!"

    client = app.test_client(asgi=protocol == "asgi")
    response = client.get("/", headers={"Origin": "https://site.example"})
    assert response.status_code == 200
    assert response.text == "Hello from a CORS-enabled endpoint!"
    assert response.headers["Access-Control-Allow-Origin"] == "https://site.example"
    assert response.headers["Vary"] == "Origin"
    # No Origin header: the wildcard, and nothing varies.
    plain = client.get("/")
    assert plain.headers["Access-Control-Allow-Origin"] == "*"
    assert "Vary" not in plain.headers


def test_brief_2_10_2_api_data(protocol: str) -> None:
    app = Erlen(__name__)
    CORS(app)  # 允许所有路由的跨域请求

    @app.route("/api/data")
    def get_data():
        return jsonify({"data": "Hello, CORS!"})

    client = app.test_client(asgi=protocol == "asgi")
    response = client.get("/api/data", headers={"Origin": "http://localhost:3000"})
    assert response.json == {"data": "Hello, CORS!"}
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    pre = client.options("/api/data", headers=preflight("POST", "Content-Type", "http://x.org"))
    assert pre.status_code == 200
    assert acl(pre) == {
        "access-control-allow-origin": ["http://x.org"],
        "access-control-allow-headers": ["Content-Type"],
        "access-control-allow-methods": ["DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"],
        "vary": ["Origin"],
    }


# -- behaviour --------------------------------------------------------------------------


@pytest.fixture
def routes(app: Erlen) -> Erlen:
    @app.route("/", methods=["GET", "POST"])
    def index():
        return "index"

    @app.route("/api/items")
    def items():
        return jsonify([1, 2])

    @app.route("/abort")
    def aborted():
        abort(403)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    return app


def test_origin_list_reflects_a_listed_origin_only(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, origins=["http://a.com", "http://b.com"])
    assert acl(client.get("/", headers={"Origin": "http://b.com"})) == {
        "access-control-allow-origin": ["http://b.com"],
        "vary": ["Origin"],
    }
    # Origins compare case-insensitively; the request's spelling is reflected.
    mixed = client.get("/", headers={"Origin": "HTTP://A.COM"})
    assert mixed.headers["Access-Control-Allow-Origin"] == "HTTP://A.COM"
    refused = client.get("/", headers={"Origin": "http://evil.com"})
    assert refused.status_code == 200
    assert acl(refused) == {}


def test_regex_origins_must_match_whole_origin(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, origins=[r"https://.*\.example\.com", re.compile(r"http://localhost:\d+")])
    ok = client.get("/", headers={"Origin": "https://app.example.com"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert client.get("/", headers={"Origin": "http://localhost:5173"}).headers[
        "Access-Control-Allow-Origin"
    ] == ("http://localhost:5173")
    # SECURITY: flask_cors matches a prefix and would allow these.
    for attacker in ("https://app.example.com.evil.net", "http://localhost:80.evil.net"):
        assert acl(client.get("/", headers={"Origin": attacker})) == {}


def test_single_literal_origin_still_varies(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, origins="http://a.com")
    assert acl(client.get("/", headers={"Origin": "http://a.com"})) == {
        "access-control-allow-origin": ["http://a.com"],
        "vary": ["Origin"],
    }
    # Without an Origin (always_send), the configured origin is sent as is.
    assert acl(client.get("/")) == {
        "access-control-allow-origin": ["http://a.com"],
        "vary": ["Origin"],
    }


def test_credentials_never_with_a_wildcard(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, supports_credentials=True)
    response = client.get("/", headers={"Origin": "http://site.org"})
    assert acl(response) == {
        "access-control-allow-origin": ["http://site.org"],
        "access-control-allow-credentials": ["true"],
        "vary": ["Origin"],
    }
    # No Origin to reflect: nothing, rather than "*" with credentials.
    assert acl(client.get("/")) == {}


def test_credentials_with_send_wildcard_is_a_setup_error(app: Erlen) -> None:
    with pytest.raises(ValueError, match="supports_credentials"):
        CORS(app, supports_credentials=True, send_wildcard=True)
    with pytest.raises(ValueError, match="supports_credentials"):
        cross_origin(supports_credentials=True, send_wildcard=True)


def test_send_wildcard(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, send_wildcard=True)
    assert acl(client.get("/", headers={"Origin": ORIGIN})) == {
        "access-control-allow-origin": ["*"]
    }


def test_preflight_filters_requested_headers(routes: Erlen, client: ErlenClient) -> None:
    CORS(
        routes,
        allow_headers=["Content-Type", r"X-Custom-.*"],
        methods=["GET", "POST"],
        max_age=600,
        expose_headers=["X-Total", "X-Page"],
    )
    response = client.options(
        "/", headers=preflight("POST", "content-type, X-Custom-One, Authorization, ")
    )
    assert response.status_code == 200
    assert acl(response) == {
        "access-control-allow-origin": [ORIGIN],
        "access-control-allow-headers": ["X-Custom-One, content-type"],
        "access-control-allow-methods": ["GET, POST"],
        "access-control-max-age": ["600"],
        "access-control-expose-headers": ["X-Page, X-Total"],
        "vary": ["Origin"],
    }
    # A method that is not allowed: the origin headers only.
    refused = client.options("/", headers=preflight("DELETE", "Content-Type"))
    assert acl(refused) == {
        "access-control-allow-origin": [ORIGIN],
        "access-control-expose-headers": ["X-Page, X-Total"],
        "vary": ["Origin"],
    }
    # An actual (non-preflight) request gets no preflight headers.
    actual = client.post("/", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Methods" not in actual.headers
    assert actual.headers["Access-Control-Expose-Headers"] == "X-Page, X-Total"


def test_methods_match_whole_names(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, methods="GET, POST")
    # flask_cors tests "GE" in "GET, POST" as a substring; erlen does not.
    assert (
        "Access-Control-Allow-Methods" not in client.options("/", headers=preflight("GE")).headers
    )
    assert (
        client.options("/", headers=preflight("post")).headers["Access-Control-Allow-Methods"]
        == "GET, POST"
    )


def test_max_age_timedelta(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, max_age=timedelta(hours=1))
    assert client.options("/", headers=preflight("GET")).headers["Access-Control-Max-Age"] == "3600"


def test_vary_header_off_and_always_send_off(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, vary_header=False, always_send=False)
    assert acl(client.get("/", headers={"Origin": ORIGIN})) == {
        "access-control-allow-origin": [ORIGIN]
    }
    assert acl(client.get("/")) == {}


def test_vary_merges_with_an_existing_vary(routes: Erlen, client: ErlenClient) -> None:
    @routes.route("/varied")
    def varied():
        return "x", {"Vary": "Accept-Encoding"}

    CORS(routes)
    response = client.get("/varied", headers={"Origin": ORIGIN})
    assert acl(response)["vary"] == ["Accept-Encoding", "Origin"]


def test_private_network(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, allow_private_network=True)
    asked = preflight("GET") | {"Access-Control-Request-Private-Network": "true"}
    assert client.options("/", headers=asked).headers["Access-Control-Allow-Private-Network"] == (
        "true"
    )
    assert (
        "Access-Control-Allow-Private-Network"
        not in client.options("/", headers=preflight("GET")).headers
    )


def test_private_network_refused_by_default(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes)
    asked = preflight("GET") | {"Access-Control-Request-Private-Network": "true"}
    assert client.options("/", headers=asked).headers["Access-Control-Allow-Private-Network"] == (
        "false"
    )


def test_resources_with_their_own_options(routes: Erlen, client: ErlenClient) -> None:
    CORS(
        routes,
        resources={
            r"/*": {"origins": "http://fallback.com"},
            r"/api/*": {"origins": ["http://a.com", "http://b.com"], "max_age": 60},
        },
    )
    api = client.get("/api/items", headers={"Origin": "http://b.com"})
    assert api.headers["Access-Control-Allow-Origin"] == "http://b.com"
    # The catch-all listed first does not shadow the more specific pattern.
    assert acl(client.get("/api/items", headers={"Origin": "http://fallback.com"})) == {}
    root = client.get("/", headers={"Origin": "http://fallback.com"})
    assert root.headers["Access-Control-Allow-Origin"] == "http://fallback.com"


def test_resources_limit_the_paths(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, resources=[r"/api/*"])
    assert client.get("/api/items", headers={"Origin": ORIGIN}).headers[
        "Access-Control-Allow-Origin"
    ] == (ORIGIN)
    assert acl(client.get("/", headers={"Origin": ORIGIN})) == {}


def test_literal_resource_matches_exactly(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, resources="/api/items")
    assert "Access-Control-Allow-Origin" in client.get("/api/items").headers
    assert "Access-Control-Allow-Origin" not in client.get("/api/items/x").headers


def test_config_keys(routes: Erlen, client: ErlenClient) -> None:
    routes.config.update(
        CORS_ORIGINS=["http://a.com"],
        CORS_SUPPORTS_CREDENTIALS=True,
        CORS_EXPOSE_HEADERS="X-Total",
        CORS_RESOURCES=r"/api/*",
        CORS_MAX_AGE=30,
    )
    CORS(routes)
    assert acl(client.get("/api/items", headers={"Origin": "http://a.com"})) == {
        "access-control-allow-origin": ["http://a.com"],
        "access-control-allow-credentials": ["true"],
        "access-control-expose-headers": ["X-Total"],
        "vary": ["Origin"],
    }
    assert acl(client.get("/", headers={"Origin": "http://a.com"})) == {}


def test_keyword_options_beat_config(routes: Erlen, client: ErlenClient) -> None:
    routes.config["CORS_ORIGINS"] = "http://config.com"
    cors = CORS(origins="http://ctor.com")
    cors.init_app(routes, expose_headers="X-A")
    response = client.get("/", headers={"Origin": "http://ctor.com"})
    assert acl(response) == {
        "access-control-allow-origin": ["http://ctor.com"],
        "access-control-expose-headers": ["X-A"],
        "vary": ["Origin"],
    }
    assert routes.extensions["cors"] == [cors]


def test_handled_errors_get_headers(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes)
    for path, status in (("/abort", 403), ("/missing", 404)):
        response = client.get(path, headers={"Origin": ORIGIN})
        assert response.status_code == status
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert client.post("/api/items", headers={"Origin": ORIGIN}).status_code == 405


def test_error_handler_responses_get_headers(routes: Erlen, client: ErlenClient) -> None:
    @routes.errorhandler(403)
    def forbidden(e: Exception):
        return {"error": "forbidden"}, 403

    CORS(routes)
    response = client.get("/abort", headers={"Origin": ORIGIN})
    assert response.json == {"error": "forbidden"}
    assert acl(response) == {"access-control-allow-origin": [ORIGIN], "vary": ["Origin"]}


@pytest.fixture
def quiet_errors(routes: Erlen) -> Iterator[Erlen]:
    routes.config["PROPAGATE_EXCEPTIONS"] = False
    logger = logging.getLogger(routes.name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield routes
    logger.setLevel(level)


def test_unhandled_exception_gets_headers(quiet_errors: Erlen, client: ErlenClient) -> None:
    CORS(quiet_errors)
    response = client.get("/boom", headers={"Origin": ORIGIN})
    assert response.status_code == 500
    assert acl(response) == {"access-control-allow-origin": [ORIGIN], "vary": ["Origin"]}


def test_intercept_exceptions_off(quiet_errors: Erlen, client: ErlenClient) -> None:
    CORS(quiet_errors, intercept_exceptions=False)
    response = client.get("/boom", headers={"Origin": ORIGIN})
    assert response.status_code == 500
    assert acl(response) == {}
    # Handled HTTP errors still pass through after_request.
    assert "Access-Control-Allow-Origin" in client.get("/abort", headers={"Origin": ORIGIN}).headers


def test_unhandled_exception_propagates_when_testing(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes)
    with pytest.raises(RuntimeError, match="boom"):
        client.get("/boom", headers={"Origin": ORIGIN})


def test_blueprint(app: Erlen, client: ErlenClient) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")
    CORS(bp, origins="http://bp.com")

    @bp.route("/ping")
    def ping():
        return "pong"

    @bp.route("/forbidden")
    def forbidden():
        abort(403)

    @app.route("/outside")
    def outside():
        return "no cors"

    app.register_blueprint(bp)
    assert acl(client.get("/api/ping", headers={"Origin": "http://bp.com"})) == {
        "access-control-allow-origin": ["http://bp.com"],
        "vary": ["Origin"],
    }
    pre = client.options("/api/ping", headers=preflight("GET", origin="http://bp.com"))
    assert pre.headers["Access-Control-Allow-Origin"] == "http://bp.com"
    assert pre.headers["Access-Control-Allow-Methods"].startswith("DELETE, GET")
    denied = client.get("/api/forbidden", headers={"Origin": "http://bp.com"})
    assert denied.status_code == 403
    assert denied.headers["Access-Control-Allow-Origin"] == "http://bp.com"
    assert acl(client.get("/outside", headers={"Origin": "http://bp.com"})) == {}


def test_cross_origin_sync_and_async(app: Erlen, client: ErlenClient) -> None:
    @app.route("/sync", methods=["POST"])
    @cross_origin(origins=["http://c.com"], expose_headers="X-Sync")
    def sync_view():
        return "sync", 201

    @app.route("/async")
    @cross_origin
    async def async_view():
        return {"async": True}

    response = client.post("/sync", headers={"Origin": "http://c.com"})
    assert (response.status_code, response.text) == (201, "sync")
    assert acl(response) == {
        "access-control-allow-origin": ["http://c.com"],
        "access-control-expose-headers": ["X-Sync"],
        "vary": ["Origin"],
    }
    pre = client.options("/sync", headers=preflight("POST", "X-A", "http://c.com"))
    assert pre.status_code == 200
    assert pre.data == b""
    assert "POST" in pre.headers["Allow"]
    assert pre.headers["Access-Control-Allow-Headers"] == "X-A"
    assert acl(client.post("/sync", headers={"Origin": "http://d.com"})) == {}
    async_response = client.get("/async", headers={"Origin": "http://d.com"})
    assert async_response.json == {"async": True}
    assert async_response.headers["Access-Control-Allow-Origin"] == "http://d.com"
    assert client.options("/async", headers=preflight("GET")).headers[
        "Access-Control-Allow-Origin"
    ] == (ORIGIN)


def test_cross_origin_wins_over_the_app_extension(app: Erlen, client: ErlenClient) -> None:
    CORS(app, origins="*")

    @app.route("/strict")
    @cross_origin(origins="http://only.com")
    def strict():
        return "strict"

    # The decorator refused this origin; the app-wide "*" does not add it back.
    assert acl(client.get("/strict", headers={"Origin": "http://other.com"})) == {}
    assert client.get("/strict", headers={"Origin": "http://only.com"}).headers[
        "Access-Control-Allow-Origin"
    ] == ("http://only.com")


def test_cross_origin_without_automatic_options(app: Erlen, client: ErlenClient) -> None:
    calls: list[str] = []

    @app.route("/manual", methods=["GET", "OPTIONS"])
    @cross_origin(automatic_options=False)
    def manual():
        calls.append("view")
        return "handled by the view"

    response = client.options("/manual", headers=preflight("GET"))
    assert response.text == "handled by the view"
    assert calls == ["view"]
    assert response.headers["Access-Control-Allow-Methods"].startswith("DELETE")


def test_cross_origin_reads_config(app: Erlen, client: ErlenClient) -> None:
    @app.route("/cfg")
    @cross_origin()
    def cfg():
        return "cfg"

    app.config["CORS_ORIGINS"] = "http://cfg.com"
    assert acl(client.get("/cfg", headers={"Origin": "http://x.com"})) == {}
    assert client.get("/cfg", headers={"Origin": "http://cfg.com"}).headers[
        "Access-Control-Allow-Origin"
    ] == ("http://cfg.com")
    app.config["CORS_ORIGINS"] = "http://x.com"
    assert client.get("/cfg", headers={"Origin": "http://x.com"}).headers[
        "Access-Control-Allow-Origin"
    ] == ("http://x.com")


def test_bad_options_fail_at_setup(app: Erlen) -> None:
    with pytest.raises(TypeError, match=r"Unknown CORS option.*orgins"):
        CORS(app, orgins="http://a.com")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="Invalid regular expression"):
        CORS(app, origins="http://(a.com")
    with pytest.raises(ValueError, match="resources"):
        CORS(app, resources=42)
    with pytest.raises(TypeError, match="resources"):
        cross_origin(resources="/x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="origins must be strings"):
        cross_origin(origins=[42])  # type: ignore[list-item]


def test_cors_headers_is_pure() -> None:
    options = resolve_options(
        {"origins": ["http://a.com"], "methods": ["GET"], "supports_credentials": True}
    )
    assert cors_headers(options, {"Origin": "http://a.com"}, "GET") == [
        ("Access-Control-Allow-Origin", "http://a.com"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Vary", "Origin"),
    ]
    assert cors_headers(options, {"Origin": "http://b.com"}, "GET") == []


# -- comparison with flask_cors 6.0.5 ---------------------------------------------------

flask = pytest.importorskip("flask")
flask_cors = pytest.importorskip("flask_cors")

# (name, CORS(...) options, app.config updates)
CONFIGS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("default", {}, {}),
    ("origin-list", {"origins": ["http://a.com", "http://b.com"]}, {}),
    ("single-origin", {"origins": "http://a.com"}, {}),
    ("regex-origin", {"origins": [r"http://.*\.example\.com"]}, {}),
    ("credentials", {"supports_credentials": True}, {}),
    (
        "credentials-list",
        {"supports_credentials": True, "origins": ["http://a.com", "http://b.com"]},
        {},
    ),
    ("send-wildcard", {"send_wildcard": True}, {}),
    (
        "preflight-options",
        {
            "allow_headers": ["Content-Type", r"X-Custom-.*"],
            "methods": ["GET", "POST"],
            "max_age": 600,
            "expose_headers": ["X-Total", "X-Page"],
        },
        {},
    ),
    ("max-age-timedelta", {"max_age": timedelta(minutes=5)}, {}),
    ("no-vary-no-always-send", {"vary_header": False, "always_send": False}, {}),
    (
        "resources",
        {
            "resources": {
                r"/api/*": {"origins": ["http://a.com", "http://b.com"]},
                "/": {"origins": "*", "send_wildcard": True},
            }
        },
        {},
    ),
    ("private-network", {"allow_private_network": True}, {}),
    (
        "config-keys",
        {},
        {
            "CORS_ORIGINS": ["http://a.com", "http://b.com"],
            "CORS_EXPOSE_HEADERS": "X-Total",
            "CORS_SUPPORTS_CREDENTIALS": True,
            "CORS_RESOURCES": r"/api/*",
        },
    ),
    ("no-intercept", {"intercept_exceptions": False}, {}),
]

# (method, path, request headers)
REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/", {}),
    ("GET", "/", {"Origin": "http://a.com"}),
    ("GET", "/", {"Origin": "HTTP://B.COM"}),
    ("GET", "/", {"Origin": "http://evil.com"}),
    ("GET", "/", {"Origin": "http://x.example.com"}),
    ("POST", "/", {"Origin": "http://a.com"}),
    ("OPTIONS", "/", preflight("PUT", "Content-Type, X-Custom-One, X-Other")),
    ("OPTIONS", "/", preflight("POST", "content-type")),
    ("OPTIONS", "/", preflight("PATCH")),
    ("OPTIONS", "/", {"Origin": "http://a.com"}),
    (
        "OPTIONS",
        "/",
        preflight("GET") | {"Access-Control-Request-Private-Network": "true"},
    ),
    ("GET", "/api/items", {"Origin": "http://b.com"}),
    ("OPTIONS", "/api/items", preflight("GET", "Authorization", "http://b.com")),
    ("GET", "/missing", {"Origin": "http://a.com"}),
    ("GET", "/abort", {"Origin": "http://a.com"}),
    ("GET", "/boom", {"Origin": "http://a.com"}),
    ("GET", "/deco", {"Origin": "http://c.com"}),
    ("GET", "/deco", {"Origin": "http://a.com"}),
    ("OPTIONS", "/deco", preflight("GET", "X-Deco", "http://c.com")),
]


def build(
    app_class: Any,
    cors_class: Any,
    decorator: Callable[..., Any],
    abort_func: Callable[..., Any],
    options: dict[str, Any],
    config: dict[str, Any],
) -> Any:
    """The same app, written once, for Flask + flask_cors and erlen + erlen.ext.cors."""
    app = app_class("compare")
    app.config.update(config, PROPAGATE_EXCEPTIONS=False)
    logging.getLogger("compare").setLevel(logging.CRITICAL)

    @app.route("/", methods=["GET", "POST"])
    def index():
        return "index"

    @app.route("/api/items")
    def items():
        return "items"

    @app.route("/abort")
    def aborted():
        abort_func(403)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    @app.route("/deco")
    @decorator(origins=["http://c.com"], max_age=90)
    def deco():
        return "deco"

    cors_class(app, **options)
    return app


@pytest.mark.parametrize(("name", "options", "config"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_matches_flask_cors(
    name: str, options: dict[str, Any], config: dict[str, Any], protocol: str
) -> None:
    theirs = build(
        flask.Flask, flask_cors.CORS, flask_cors.cross_origin, flask.abort, options, config
    )
    ours = build(Erlen, CORS, cross_origin, abort, options, config)
    their_client = theirs.test_client()
    our_client = ours.test_client(asgi=protocol == "asgi")
    for method, path, headers in REQUESTS:
        expected = their_client.open(path, method=method, headers=headers)
        got = our_client.open(path, method=method, headers=headers)
        where = f"{name}: {method} {path} {headers}"
        assert got.status_code == expected.status_code, where
        want = acl(expected)
        origin = want.get("access-control-allow-origin")
        single_literal = path == "/deco" or name == "single-origin"
        if single_literal and origin and origin != ["*"]:
            # Deliberate: a reflected origin always varies (flask_cors skips
            # Vary when a single literal origin is configured).
            assert "Origin" not in want.get("vary", []), where
            want["vary"] = sorted([*want.get("vary", []), "Origin"])
        if name == "no-intercept" and path == "/boom":
            # erlen skips after_request functions for an unhandled error's
            # 500 (API.md), so without intercept_exceptions nothing adds
            # headers; Flask runs them.
            assert want.get("access-control-allow-origin") == [headers["Origin"]], where
            want = {}
        assert acl(got) == want, where


def test_with_jwt_preflight_and_errors(app: Erlen, client: ErlenClient) -> None:
    from erlen.ext.jwt import JWTManager, jwt_required

    app.config["JWT_SECRET_KEY"] = "cors-and-jwt-secret-0123456789abcdef"
    JWTManager(app)
    CORS(app, origins="http://spa.example", supports_credentials=True)

    @app.route("/api/me", methods=["GET"])
    @jwt_required()
    async def me():
        return {"me": True}

    pre = client.options("/api/me", headers=preflight("GET", "Authorization", "http://spa.example"))
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Headers"] == "Authorization"
    assert pre.headers["Access-Control-Allow-Credentials"] == "true"
    # The JWT error response is readable by the page: it carries the headers.
    denied = client.get("/api/me", headers={"Origin": "http://spa.example"})
    assert (denied.status_code, denied.json) == (401, {"msg": "Missing Authorization Header"})
    assert denied.headers["Access-Control-Allow-Origin"] == "http://spa.example"


def test_max_age_zero_is_sent(routes: Erlen, client: ErlenClient) -> None:
    CORS(routes, max_age=0)
    assert client.options("/", headers=preflight("GET")).headers["Access-Control-Max-Age"] == "0"
    # No max_age: no header (the browser's default applies).
    plain = Erlen("plain")
    CORS(plain)

    @plain.route("/")
    def index():
        return "x"

    with plain.test_client(asgi=client.asgi) as other:
        assert "Access-Control-Max-Age" not in other.options("/", headers=preflight("GET")).headers


def test_handled_errors_stay_on_the_loop_under_asgi() -> None:
    # CORS adds its headers to handled errors through its after_request
    # function; it does not wrap handle_user_exception, which would send
    # every handled error through the worker thread pool.
    import threading

    from erlen import abort, nonblocking

    app = Erlen(__name__)
    CORS(app)
    threads: dict[str, int] = {}

    @app.get("/gone")
    async def gone() -> str:
        threads["view"] = threading.get_ident()
        abort(410)

    @app.errorhandler(410)
    @nonblocking
    def handle_gone(error: Exception) -> tuple[str, int]:
        threads["handler"] = threading.get_ident()
        return "gone for good", 410

    response = app.test_client(asgi=True).get("/gone", headers={"Origin": ORIGIN})
    assert (response.status_code, response.text) == (410, "gone for good")
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert threads["handler"] == threads["view"]


# -- Flask-CORS's module-level names ----------------------------------------------------


def test_flask_cors_header_constants_star_import() -> None:
    # flask_cors.core's ACL_* names, which `from flask_cors.core import *`
    # code reads; the two Private Network names are Flask-CORS's spelling.
    names: dict[str, Any] = {}
    exec("from erlen.ext.cors import *", names)
    assert names["ACL_ORIGIN"] == "Access-Control-Allow-Origin"
    assert names["ACL_METHODS"] == "Access-Control-Allow-Methods"
    assert names["ACL_ALLOW_HEADERS"] == "Access-Control-Allow-Headers"
    assert names["ACL_EXPOSE_HEADERS"] == "Access-Control-Expose-Headers"
    assert names["ACL_CREDENTIALS"] == "Access-Control-Allow-Credentials"
    assert names["ACL_MAX_AGE"] == "Access-Control-Max-Age"
    assert names["ACL_REQUEST_HEADERS"] == "Access-Control-Request-Headers"
    assert names["ACL_RESPONSE_PRIVATE_NETWORK"] == "Access-Control-Allow-Private-Network"
    assert names["ACL_REQUEST_HEADER_PRIVATE_NETWORK"] == "Access-Control-Request-Private-Network"
    assert names["CORS"] is CORS and names["cross_origin"] is cross_origin


def test_existing_vary_header_is_extended(app: Erlen, client: ErlenClient) -> None:
    @app.route("/encoded")
    @cross_origin(origins=["http://a.com", "http://b.com"])
    def encoded():
        return "x", 200, {"Vary": "Accept-Encoding"}

    @app.route("/already")
    @cross_origin(origins=["http://a.com", "http://b.com"])
    def already():
        return "x", 200, {"Vary": "origin"}

    response = client.get("/encoded", headers={"Origin": "http://a.com"})
    assert response.headers.getlist("Vary") == ["Accept-Encoding, Origin"]
    # Origin is not added twice (tokens compare case-insensitively).
    again = client.get("/already", headers={"Origin": "http://a.com"})
    assert again.headers.getlist("Vary") == ["origin"]
