"""erlen.middleware: ProxyFix and DispatcherMiddleware around erlen apps,
over WSGI and ASGI; and the warning for middleware ASGI would skip."""

from __future__ import annotations

import io
import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erlen import Erlen, jsonify, request, url_for, websocket
from erlen.middleware import (
    DispatcherMiddleware,
    ProfilerMiddleware,
    ProxyFix,
    SharedDataMiddleware,
)
from erlen.testing import EnvironBuilder, ErlenClient


@pytest.fixture(params=[False, True], ids=["wsgi", "asgi"])
def asgi(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def info_app() -> Erlen:
    app = Erlen(__name__)

    @app.route("/info")
    def info() -> Any:
        return jsonify(
            remote_addr=request.remote_addr,
            scheme=request.scheme,
            host=request.host,
            root_url=request.root_url,
            script_root=request.script_root,
            path=request.path,
            external=url_for("info", _external=True),
        )

    return app


FORWARDED = {
    "X-Forwarded-For": "203.0.113.7, 198.51.100.2",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "shop.example.org",
    "X-Forwarded-Port": "8443",
    "X-Forwarded-Prefix": "/store",
}


# -- ProxyFix ---------------------------------------------------------------------------


def test_proxy_fix_trusts_the_configured_proxies(asgi: bool) -> None:
    wrapped = ProxyFix(info_app(), x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1)
    client = ErlenClient(wrapped, asgi=asgi)
    data = client.get("/info", headers=FORWARDED).get_json()
    assert data["remote_addr"] == "198.51.100.2"  # the one our proxy appended
    assert data["scheme"] == "https"
    assert data["host"] == "shop.example.org:8443"
    assert data["script_root"] == "/store"
    assert data["path"] == "/info"
    assert data["root_url"] == "https://shop.example.org:8443/store/"
    assert data["external"] == "https://shop.example.org:8443/store/info"


def test_proxy_fix_with_two_proxies_and_defaults(asgi: bool) -> None:
    client = ErlenClient(ProxyFix(info_app(), x_for=2), asgi=asgi)
    data = client.get("/info", headers=FORWARDED).get_json()
    assert data["remote_addr"] == "203.0.113.7"
    assert data["scheme"] == "https"  # x_proto=1 by default
    assert data["host"] == "localhost"  # x_host=0: not trusted
    assert data["script_root"] == ""


def test_proxy_fix_ignores_a_header_with_too_few_values(asgi: bool) -> None:
    client = ErlenClient(ProxyFix(info_app(), x_for=3, x_proto=0), asgi=asgi)
    data = client.get("/info", headers=FORWARDED).get_json()
    assert data["remote_addr"] == "127.0.0.1"
    assert data["scheme"] == "http"


def test_proxy_fix_keeps_the_original_wsgi_values() -> None:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.update(environ)
        start_response("200 OK", [])
        return []

    environ = EnvironBuilder(None, "/x", headers=FORWARDED).get_environ()
    environ["REMOTE_ADDR"] = "10.0.0.1"
    ProxyFix(app, x_host=1)(environ, lambda *a: None)
    assert seen["REMOTE_ADDR"] == "198.51.100.2"
    assert seen["wsgi.url_scheme"] == "https"
    assert (seen["HTTP_HOST"], seen["SERVER_NAME"]) == ("shop.example.org", "shop.example.org")
    assert seen["erlen.proxy_fix.orig"] == {
        "REMOTE_ADDR": "10.0.0.1",
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "localhost",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SCRIPT_NAME": "",
    }


def test_proxy_fix_rewrites_an_asgi_scope() -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope)

    scope = {
        "type": "websocket",
        "scheme": "ws",
        "path": "/base/chat",
        "raw_path": b"/base/chat",
        "root_path": "/base",
        "client": ("10.0.0.1", 5555),
        "server": ("internal", 8000),
        "headers": [(b"host", b"internal:8000"), (b"x-forwarded-proto", b"https"),
                    (b"x-forwarded-for", b"203.0.113.9"), (b"x-forwarded-host", b"chat.example"),
                    (b"x-forwarded-prefix", b"/ext")],
    }  # fmt: skip
    original = dict(scope)
    import asyncio

    asyncio.run(ProxyFix(app, x_host=1, x_prefix=1)(scope, None, None))
    fixed = seen[0]
    assert scope == original  # a copy was changed
    assert fixed["scheme"] == "wss"
    assert fixed["client"] == ("203.0.113.9", 0)
    assert (b"host", b"chat.example") in fixed["headers"]
    assert (b"host", b"internal:8000") not in fixed["headers"]
    assert fixed["server"] == ("chat.example", None)
    assert (fixed["root_path"], fixed["path"]) == ("/ext", "/ext/chat")
    assert "raw_path" not in fixed
    assert fixed["erlen.proxy_fix.orig"]["client"] == ("10.0.0.1", 5555)
    assert fixed["erlen.proxy_fix.orig"]["root_path"] == "/base"


def test_proxy_fix_ignores_a_non_ascii_host_under_asgi() -> None:
    client = ErlenClient(ProxyFix(info_app(), x_host=1), asgi=True)
    headers = {"X-Forwarded-Host": "b\u00fccher.example".encode().decode("latin-1")}
    assert client.get("/info", headers=headers).get_json()["host"] == "localhost"


def test_proxy_fix_answers_a_bad_mount_point_with_400() -> None:
    def never(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise AssertionError("not called")

    environ = EnvironBuilder(None, "/").get_environ()
    environ["SCRIPT_NAME"] = "/\xff"
    statuses: list[str] = []
    ProxyFix(never)(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["400 BAD REQUEST"]


def test_middleware_refuses_other_call_shapes() -> None:
    for middleware in (ProxyFix(info_app()), DispatcherMiddleware(info_app())):
        with pytest.raises(TypeError, match="arguments"):
            middleware({})


PROXY_CASES = [
    {"x_for": 1, "x_proto": 1},
    {"x_for": 2, "x_proto": 0, "x_host": 1},
    {"x_for": 0, "x_host": 1, "x_port": 1, "x_prefix": 1},
    {"x_for": 1, "x_port": 1},
]
HEADER_CASES = [
    FORWARDED,
    {"X-Forwarded-For": "1.1.1.1", "X-Forwarded-Proto": "https,http"},
    {"X-Forwarded-Host": "a.example:9000", "X-Forwarded-Port": "81"},
    {"X-Forwarded-Prefix": "/pq", "X-Forwarded-For": "::1, 2.2.2.2"},
    {},
]


@pytest.mark.parametrize("counts", PROXY_CASES)
@pytest.mark.parametrize("headers", HEADER_CASES)
def test_proxy_fix_environ_matches_werkzeug(
    counts: dict[str, int], headers: dict[str, str]
) -> None:
    proxy_fix = pytest.importorskip("werkzeug.middleware.proxy_fix")
    keys = (
        "REMOTE_ADDR",
        "wsgi.url_scheme",
        "HTTP_HOST",
        "SERVER_NAME",
        "SERVER_PORT",
        "SCRIPT_NAME",
    )

    def run(middleware_class: Any) -> dict[str, Any]:
        seen: dict[str, Any] = {}

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            seen.update({key: environ.get(key) for key in keys})
            return []

        environ = EnvironBuilder(None, "/", headers=headers).get_environ()
        middleware_class(app, **counts)(environ, None)
        return seen

    assert run(ProxyFix) == run(proxy_fix.ProxyFix)


def test_proxy_fix_prefix_is_decoded_unlike_werkzeug() -> None:
    # README "Differences": SCRIPT_NAME is a decoded path without a trailing
    # slash (PEP 3333); Werkzeug copies the header as it is, so its url_for
    # would build "/p%2520q/...".
    proxy_fix = pytest.importorskip("werkzeug.middleware.proxy_fix")
    seen: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["SCRIPT_NAME"])
        return []

    for middleware_class in (ProxyFix, proxy_fix.ProxyFix):
        environ = EnvironBuilder(None, "/", headers={"X-Forwarded-Prefix": "/p%20q/"}).get_environ()
        middleware_class(app, x_prefix=1)(environ, None)
    assert seen == ["/p q", "/p%20q/"]


# -- DispatcherMiddleware ---------------------------------------------------------------------


def mounted_apps() -> tuple[Erlen, Erlen, Erlen]:
    site = Erlen("site")
    api = Erlen("api")
    v2 = Erlen("v2")

    @site.route("/")
    def home() -> str:
        return "site home"

    @api.route("/")
    def api_root() -> Any:
        return {"app": "api", "root": request.script_root}

    @api.route("/items/<int:n>")
    def item(n: int) -> Any:
        return {
            "n": n,
            "path": request.path,
            "script_root": request.script_root,
            "self": url_for("item", n=n),
            "external": url_for("item", n=n, _external=True),
        }

    @v2.route("/items/<int:n>")
    def item_v2(n: int) -> Any:
        return {"v2": n, "script_root": request.script_root}

    return site, api, v2


def test_dispatcher_routes_by_longest_prefix(asgi: bool) -> None:
    site, api, v2 = mounted_apps()
    client = ErlenClient(DispatcherMiddleware(site, {"/api": api, "/api/v2": v2}), asgi=asgi)
    assert client.get("/").data == b"site home"
    assert client.get("/api/").get_json() == {"app": "api", "root": "/api"}
    assert client.get("/api/items/3").get_json() == {
        "n": 3,
        "path": "/items/3",
        "script_root": "/api",
        "self": "/api/items/3",
        "external": "http://localhost/api/items/3",
    }
    assert client.get("/api/v2/items/4").get_json() == {"v2": 4, "script_root": "/api/v2"}
    assert client.get("/apix").status_code == 404  # whole segments only
    assert client.get("/missing").status_code == 404


def test_dispatcher_under_a_mount_point(asgi: bool) -> None:
    site, api, _ = mounted_apps()
    client = ErlenClient(DispatcherMiddleware(site, {"/api": api}), asgi=asgi)
    r = client.get("/api/items/1", base_url="http://localhost/outer")
    assert r.get_json()["script_root"] == "/outer/api"
    assert r.get_json()["self"] == "/outer/api/items/1"


def test_dispatcher_non_ascii_prefix(asgi: bool) -> None:
    site, api, _ = mounted_apps()
    client = ErlenClient(DispatcherMiddleware(site, {"/caf\u00e9": api}), asgi=asgi)
    data = client.get("/caf%C3%A9/items/5").get_json()
    assert data["script_root"] == "/caf\u00e9"
    assert data["self"] == "/caf%C3%A9/items/5"


def test_dispatcher_posts_bodies_through(asgi: bool) -> None:
    site, api, _ = mounted_apps()

    @api.post("/echo")
    def echo() -> Any:
        return {"form": request.form.to_dict(), "file": request.files["f"].read().decode()}

    client = ErlenClient(DispatcherMiddleware(site, {"/api": api}), asgi=asgi)
    r = client.post("/api/echo", data={"a": "1", "f": (io.BytesIO(b"up"), "f.txt")})
    assert r.get_json() == {"form": {"a": "1"}, "file": "up"}


def test_dispatcher_lifespan_goes_to_the_default_app() -> None:
    site, api, _ = mounted_apps()
    started: list[str] = []

    @site.before_serving
    def site_start() -> None:
        started.append("site")

    @api.before_serving
    def api_start() -> None:
        started.append("api")

    client = ErlenClient(DispatcherMiddleware(site, {"/api": api}), asgi=True)
    client.get("/")
    assert started == ["site"]
    client.get("/api/")  # a mounted erlen app starts with its first request
    assert started == ["site", "api"]


def test_dispatcher_websocket_to_a_mounted_app() -> None:
    site, api, _ = mounted_apps()

    @api.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send(f"hello from {request.script_root}")

    client = ErlenClient(DispatcherMiddleware(site, {"/api": api}), asgi=True)
    with client.websocket("/api/ws") as conn:
        assert conn.receive() == "hello from /api"


@pytest.mark.parametrize("path", ["/", "/api", "/api/", "/api/x/y", "/apix", "/api/v2/z", "/a/api"])
def test_dispatcher_environ_matches_werkzeug(path: str) -> None:
    dispatcher = pytest.importorskip("werkzeug.middleware.dispatcher")

    def recorder(name: str) -> Any:
        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            return [f"{name} {environ['SCRIPT_NAME']!r} {environ['PATH_INFO']!r}".encode()]

        return app

    def run(middleware_class: Any) -> bytes:
        middleware = middleware_class(
            recorder("default"), {"/api": recorder("api"), "/api/v2": recorder("v2")}
        )
        environ = EnvironBuilder(None, path, base_url="http://localhost/root").get_environ()
        return b"".join(middleware(environ, None))

    assert run(DispatcherMiddleware) == run(dispatcher.DispatcherMiddleware)


# -- WSGI middleware on app.wsgi_app, served over ASGI -------------------------------------


@pytest.mark.parametrize("asgi", [False, True])
def test_middleware_on_wsgi_app_applies_on_both_protocols(
    asgi: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # Flask's documented pattern. Under ASGI the request goes through
    # app.wsgi_app in a worker thread, as an ASGI server's WSGI adapter
    # would run a Flask app: the middleware is applied, not skipped.
    app = info_app()
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=2, x_proto=1, x_host=1, x_port=1, x_prefix=1
    )
    with caplog.at_level(logging.WARNING):
        response = app.test_client(asgi=asgi).get("/info", headers=FORWARDED)
    assert response.status_code == 200
    assert response.json == {
        "remote_addr": "203.0.113.7",
        "scheme": "https",
        "host": "shop.example.org:8443",
        "root_url": "https://shop.example.org:8443/store/",
        "script_root": "/store",
        "path": "/info",
        "external": "https://shop.example.org:8443/store/info",
    }
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_wsgi_middleware_under_asgi_sees_bodies_streams_and_async_views() -> None:
    app = Erlen(__name__)
    calls: list[tuple[str, str]] = []

    def tagging(wsgi_app: Any) -> Any:
        def middleware(environ: dict[str, Any], start_response: Any) -> Any:
            calls.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))

            def tagged_start(status: str, headers: list[tuple[str, str]], exc_info: Any = None):  # type: ignore[no-untyped-def]
                return start_response(status, [*headers, ("X-Through", "middleware")], exc_info)

            return wsgi_app(environ, tagged_start)

        return middleware

    app.wsgi_app = tagging(app.wsgi_app)  # type: ignore[method-assign]

    @app.post("/echo")
    def echo() -> bytes:
        return request.get_data()[::-1]

    @app.route("/stream")
    def stream() -> Any:
        return (str(i) for i in range(3))

    @app.route("/async")
    async def async_view() -> str:
        import asyncio

        await asyncio.sleep(0)
        return "awaited"

    client = app.test_client(asgi=True)
    body = bytes(range(256)) * 8192  # 2 MiB: above the spool size, read as it arrives
    response = client.post("/echo", data=body)
    assert (response.status_code, response.data) == (200, body[::-1])
    assert response.headers["X-Through"] == "middleware"
    response = client.get("/stream")
    assert (response.data, response.headers["X-Through"]) == (b"012", "middleware")
    assert client.get("/async").data == b"awaited"
    missing = client.get("/missing")
    assert (missing.status_code, missing.headers["X-Through"]) == (404, "middleware")
    assert calls == [("POST", "/echo"), ("GET", "/stream"), ("GET", "/async"), ("GET", "/missing")]


def test_a_subclass_wsgi_app_is_called_under_asgi_too() -> None:
    seen: list[str] = []

    class Audited(Erlen):
        def wsgi_app(self, environ: Any, start_response: Any) -> Any:
            seen.append(environ["PATH_INFO"])
            return super().wsgi_app(environ, start_response)

    app = Audited(__name__)

    @app.route("/")
    def index() -> str:
        return "home"

    assert app.test_client(asgi=True).get("/").data == b"home"
    assert app.test_client().get("/").data == b"home"
    assert seen == ["/", "/"]


def test_without_middleware_asgi_does_not_go_through_wsgi_app() -> None:
    app = info_app()
    assert "wsgi_app" not in app.__dict__
    assert app.test_client(asgi=True).get("/info").json["remote_addr"] == "127.0.0.1"


@pytest.mark.parametrize("make", [lambda app: ProxyFix(app), lambda app: DispatcherMiddleware(app)])
def test_servers_take_middleware_for_asgi_3(make: Any) -> None:
    # uvicorn asks asyncio about __call__, hypercorn asks inspect about the
    # object: both must answer ASGI 3, or the server calls it as ASGI 2.
    import asyncio
    import inspect

    middleware = make(info_app())
    assert asyncio.iscoroutinefunction(middleware.__call__)
    assert inspect.iscoroutinefunction(middleware)
    assert type(middleware).__name__ in ("ProxyFix", "DispatcherMiddleware")


# -- SharedDataMiddleware -----------------------------------------------------------------


@pytest.fixture
def shared(tmp_path: Any) -> Any:
    folder = tmp_path / "files"
    (folder / "sub").mkdir(parents=True)
    (folder / "hello.txt").write_text("hello, shared\n")
    (folder / "sub" / "data.bin").write_bytes(bytes(range(200)))
    (folder / "caf\u00e9.txt").write_text("caf\u00e9")
    (folder / "secret.key").write_text("do not serve")
    (tmp_path / "outside.txt").write_text("outside")
    (tmp_path / "robots.txt").write_text("User-agent: *\n")
    return tmp_path


class BufferedClient:
    """A client that reads and closes every body at once (no file left open)."""

    def __init__(self, client: ErlenClient) -> None:
        self.client = client

    def __getattr__(self, method: str) -> Any:
        call = getattr(self.client, method)
        return lambda *args, **kwargs: call(*args, buffered=True, **kwargs)


def fallback_app() -> Erlen:
    app = Erlen(__name__)

    @app.route("/<path:anything>", methods=["GET", "POST"])
    def anything(anything: str) -> str:
        return f"app: {request.method} {anything}"

    return app


def test_shared_data_serves_files_and_passes_the_rest(asgi: bool, shared: Any) -> None:
    wrapped = SharedDataMiddleware(
        fallback_app(),
        {"/files": str(shared / "files"), "/robots.txt": str(shared / "robots.txt")},
        disallow="*.key",
    )
    client = BufferedClient(ErlenClient(wrapped, asgi=asgi))
    r = client.get("/files/hello.txt")
    assert (r.status_code, r.data) == (200, b"hello, shared\n")
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.headers["Content-Length"] == "14"
    assert r.headers["Cache-Control"] == "max-age=43200, public"
    assert r.headers["ETag"].startswith('"sdm-')
    assert "Last-Modified" in r.headers and "Expires" in r.headers
    assert client.get("/files/sub/data.bin").data == bytes(range(200))
    assert client.get("/files/caf%C3%A9.txt").data == "caf\u00e9".encode()
    assert client.get("/robots.txt").data == b"User-agent: *\n"
    # Not files of the export: the app answers.
    assert client.get("/files/missing.txt").data == b"app: GET files/missing.txt"
    assert client.get("/files/sub").data == b"app: GET files/sub"
    assert client.get("/files/secret.key").data == b"app: GET files/secret.key"
    assert client.get("/files/../outside.txt").data == b"app: GET files/../outside.txt"
    assert client.get("/files/%2e%2e/outside.txt").data.startswith(b"app: GET")
    assert client.post("/files/hello.txt").data == b"app: POST files/hello.txt"


def test_shared_data_conditional_range_and_head(asgi: bool, shared: Any) -> None:
    wrapped = SharedDataMiddleware(fallback_app(), {"/s": str(shared / "files")})
    client = BufferedClient(ErlenClient(wrapped, asgi=asgi))
    first = client.get("/s/sub/data.bin")
    etag = first.headers["ETag"]
    not_modified = client.get("/s/sub/data.bin", headers={"If-None-Match": etag})
    assert (not_modified.status_code, not_modified.data) == (304, b"")
    ranged = client.get("/s/sub/data.bin", headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206
    assert ranged.data == bytes(range(10, 20))
    assert ranged.headers["Content-Range"] == "bytes 10-19/200"
    assert client.get("/s/sub/data.bin", headers={"Range": "bytes=500-"}).status_code == 416
    head = client.head("/s/hello.txt")
    assert (head.status_code, head.data, head.headers["Content-Length"]) == (200, b"", "14")


def test_shared_data_without_cache_headers(asgi: bool, shared: Any) -> None:
    wrapped = SharedDataMiddleware(fallback_app(), {"/s": str(shared / "files")}, cache=False)
    r = BufferedClient(ErlenClient(wrapped, asgi=asgi)).get("/s/hello.txt")
    assert r.headers["Cache-Control"] == "public"
    assert "ETag" not in r.headers and "Expires" not in r.headers


def test_shared_data_from_a_package_and_behind_the_dispatcher(
    asgi: bool, shared: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = shared / "sharedpkg"
    (package / "assets").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "assets" / "app.js").write_text("console.log(1)")
    monkeypatch.syspath_prepend(str(shared))
    static = SharedDataMiddleware(fallback_app(), {"/assets": ("sharedpkg", "assets")})
    client = BufferedClient(
        ErlenClient(DispatcherMiddleware(fallback_app(), {"/mount": static}), asgi=asgi)
    )
    r = client.get("/mount/assets/app.js")
    assert r.data == b"console.log(1)"
    assert r.headers["Content-Type"].startswith(("text/javascript", "application/javascript"))
    assert client.get("/mount/other").data == b"app: GET other"


def test_shared_data_refuses_unknown_packages(shared: Any) -> None:
    with pytest.raises(ValueError, match="No package"):
        SharedDataMiddleware(fallback_app(), {"/x": ("no_such_package_here", "static")})


def test_shared_data_body_and_headers_match_werkzeug(shared: Any) -> None:
    shared_data = pytest.importorskip("werkzeug.middleware.shared_data")
    exports = {"/files": str(shared / "files")}
    ours = BufferedClient(ErlenClient(SharedDataMiddleware(fallback_app(), exports)))
    theirs = BufferedClient(ErlenClient(shared_data.SharedDataMiddleware(fallback_app(), exports)))
    ours, theirs = ours.get("/files/hello.txt"), theirs.get("/files/hello.txt")
    assert (ours.status_code, ours.data) == (theirs.status_code, theirs.data)
    for name in ("Content-Type", "Content-Length", "Cache-Control", "Last-Modified"):
        assert ours.headers[name] == theirs.headers[name], name


# -- bad input through the middleware: a 4xx or the app's answer, never a 500 ---------------

_PATH_PIECES = st.sampled_from(
    ["/", "files", "sub", "..", ".", "%2e%2e", "%2F", "%00", "%ff", "%C3%A9", "\\", "a b",
     "hello.txt", "mnt", "%", "%zz", "//", "x" * 300, "caf\u00e9", "\u6587"]
)  # fmt: skip
_HEADER_VALUES = st.sampled_from(
    ["", "1.2.3.4", "a, b, c", "https", "javascript", "evil.org/x", "[::1]:80", "99999999",
     "/pre fix", "%ff", "\u00e9", "x" * 500, "1.1.1.1, " * 40]
)  # fmt: skip


@pytest.mark.parametrize("use_asgi", [False, True], ids=["wsgi", "asgi"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pieces=st.lists(_PATH_PIECES, max_size=6),
    method=st.sampled_from(["GET", "HEAD", "POST", "OPTIONS"]),
    forwarded=st.dictionaries(
        st.sampled_from(
            [
                "X-Forwarded-For",
                "X-Forwarded-Proto",
                "X-Forwarded-Host",
                "X-Forwarded-Port",
                "X-Forwarded-Prefix",
                "Range",
                "If-None-Match",
                "Host",
            ]
        ),
        _HEADER_VALUES,
        max_size=4,
    ),
)
def test_bad_input_never_gives_a_500(
    use_asgi: bool, pieces: list[str], method: str, forwarded: dict[str, str]
) -> None:
    stack = _fuzz_stack()
    path = "/" + "/".join(pieces)
    client = _fuzz_clients.get(use_asgi)
    if client is None:
        client = _fuzz_clients[use_asgi] = BufferedClient(ErlenClient(stack, asgi=use_asgi))
    response = client.open(path, method=method, headers=forwarded)
    assert response.status_code < 500, (path, method, forwarded, response.data[:200])


_fuzz_clients: dict[bool, Any] = {}
_fuzz_built: list[Any] = []


def _fuzz_stack() -> Any:
    if not _fuzz_built:
        import tempfile
        from pathlib import Path

        folder = Path(tempfile.mkdtemp(prefix="erlen-fuzz-"))
        (folder / "sub").mkdir()
        (folder / "hello.txt").write_text("hi")
        (folder / "sub" / "caf\u00e9").write_text("x")
        site, api, _ = mounted_apps()
        inner = SharedDataMiddleware(site, {"/files": str(folder)})
        _fuzz_built.append(
            ProxyFix(DispatcherMiddleware(inner, {"/mnt": api}), x_for=1, x_host=1, x_prefix=1)
        )
    return _fuzz_built[0]


# -- ProfilerMiddleware ----------------------------------------------------------------------


def test_profiler_prints_and_dumps_a_profile_per_request(asgi: bool, tmp_path: Any) -> None:
    import io as _io
    import pstats

    app = Erlen(__name__)

    # Async: under ASGI a sync view runs in a worker thread, which the
    # profile (of the loop's thread) does not see.
    @app.route("/work/<int:n>")
    async def work(n: int) -> str:
        return str(sum(range(n)))

    stream = _io.StringIO()
    wrapped = ProfilerMiddleware(app, stream=stream, restrictions=(5,), profile_dir=tmp_path)
    client = ErlenClient(wrapped, asgi=asgi)
    r = client.get("/work/100")
    assert (r.status_code, r.data) == (200, b"4950")
    report = stream.getvalue()
    assert "PATH: '/work/100'" in report
    assert "function calls" in report
    files = list(tmp_path.iterdir())
    assert len(files) == 1
    assert files[0].name.startswith("GET.work.100.") and files[0].name.endswith(".prof")
    stats = pstats.Stats(str(files[0]))
    assert any(name == "work" for (_, _, name) in stats.stats)  # type: ignore[attr-defined]


def test_profiler_file_names_are_safe(tmp_path: Any) -> None:
    app = Erlen(__name__)

    @app.route("/<path:anything>")
    def anything(anything: str) -> str:
        return "ok"

    wrapped = ProfilerMiddleware(app, stream=None, profile_dir=tmp_path)
    client = ErlenClient(wrapped)
    assert client.get("/a/../../b%00c/" + "x" * 500).status_code in (200, 404)
    (name,) = [p.name for p in tmp_path.iterdir()]
    assert "/" not in name and "\x00" not in name
    assert len(name) < 200


def test_profiler_with_a_naming_function(asgi: bool, tmp_path: Any) -> None:
    app = Erlen(__name__)

    @app.route("/")
    def index() -> str:
        return "hi"

    def name(info: dict[str, Any]) -> str:
        return "asgi.prof" if "type" in info else "wsgi.prof"

    wrapped = ProfilerMiddleware(app, stream=None, profile_dir=tmp_path, filename_format=name)
    assert ErlenClient(wrapped, asgi=asgi).get("/").data == b"hi"
    assert [p.name for p in tmp_path.iterdir()] == ["asgi.prof" if asgi else "wsgi.prof"]


def test_profiler_streams_under_asgi_and_buffers_under_wsgi(asgi: bool) -> None:
    app = Erlen(__name__)

    @app.route("/stream")
    def stream() -> Any:
        def chunks() -> Any:
            yield "a"
            yield "b"

        return app.response_class(chunks())

    wrapped = ProfilerMiddleware(app, stream=None)
    assert ErlenClient(wrapped, asgi=asgi).get("/stream", buffered=True).data == b"ab"


def test_with_client_keeps_the_context_through_wsgi_middleware_under_asgi() -> None:
    app = info_app()
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    with app.test_client(asgi=True) as client:
        client.get("/info?x=1", headers={"X-Forwarded-For": "192.0.2.9"})
        assert (request.path, request.args["x"], request.remote_addr) == ("/info", "1", "192.0.2.9")
