"""erlen.testing: EnvironBuilder, ErlenClient (cookies, redirects, contexts), TestResponse."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from erlen.adapters.wsgi import request_from_environ, start_response_and_body
from erlen.http.datastructures import FileStorage, MultiDict
from erlen.http.request import Request
from erlen.http.response import Response
from erlen.testing import (
    ClientRedirectError,
    EnvironBuilder,
    ErlenClient,
    TestResponse,
)

Handler = Callable[[Request], Response]
#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]


def wsgi(handler: Handler) -> Callable[..., Any]:
    """A WSGI app on erlen's toolkit only (no framework)."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        request = request_from_environ(environ, Request)
        return start_response_and_body(handler(request), environ, start_response)

    return app


def echo(request: Request) -> Response:
    """Describe the request as JSON."""
    files = {
        name: {
            "filename": f.filename,
            "content_type": f.content_type,
            "data": f.read().decode(),
        }
        for name, f in request.files.items()
    }
    body = {
        "method": request.method,
        "path": request.path,
        "root_path": request.root_path,
        "query": request.query_string.decode("latin-1"),
        "args": request.args.to_dict(flat=False),
        "form": request.form.to_dict(flat=False),
        "files": files,
        "data": request.get_data(as_text=True) if not request.files else "",
        "content_type": request.headers.get("Content-Type"),
        "cookie": request.headers.get("Cookie"),
        "cookies": request.cookies.to_dict(flat=False),
        "host": request.host,
        "url": request.url,
    }
    return Response(json.dumps(body), mimetype="application/json")


class FakeJSON:
    def dumps(self, obj: Any) -> str:
        return json.dumps(obj, separators=(",", ":"), sort_keys=True)

    def loads(self, s: str | bytes) -> Any:
        return json.loads(s)


class FakeApp:
    """Just enough of an app for EnvironBuilder's config defaults."""

    def __init__(self, **config: Any) -> None:
        self.config = {
            "SERVER_NAME": None,
            "APPLICATION_ROOT": "/",
            "PREFERRED_URL_SCHEME": "http",
            **config,
        }
        self.json = FakeJSON()


# -- EnvironBuilder ----------------------------------------------------------------


def test_default_environ() -> None:
    env = EnvironBuilder().get_environ()
    assert env["REQUEST_METHOD"] == "GET"
    assert env["PATH_INFO"] == "/"
    assert env["SCRIPT_NAME"] == ""
    assert env["QUERY_STRING"] == ""
    assert env["SERVER_NAME"] == "localhost"
    assert env["SERVER_PORT"] == "80"
    assert env["HTTP_HOST"] == "localhost"
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["wsgi.url_scheme"] == "http"
    assert env["wsgi.version"] == (1, 0)
    assert env["wsgi.input"].read() == b""
    assert "CONTENT_TYPE" not in env
    assert "CONTENT_LENGTH" not in env


@pytest.mark.parametrize(
    ("path", "path_info", "request_uri"),
    [
        ("/hello world", "/hello world", "/hello%20world"),
        ("/café", "/caf\xc3\xa9", "/caf%C3%A9"),
        ("/caf%C3%A9", "/caf\xc3\xa9", "/caf%C3%A9"),
        ("/a%20b", "/a b", "/a%20b"),
        ("/a%2Fb", "/a/b", "/a%2Fb"),
        ("/日本", "/\xe6\x97\xa5\xe6\x9c\xac", "/%E6%97%A5%E6%9C%AC"),
        ("/%FF", "/\xff", "/%FF"),
        ("", "/", "/"),
    ],
)
def test_path_is_decoded_then_latin1(path: str, path_info: str, request_uri: str) -> None:
    env = EnvironBuilder(path=path).get_environ()
    assert env["PATH_INFO"] == path_info
    assert env["REQUEST_URI"] == request_uri
    assert env["RAW_URI"] == request_uri


def test_non_ascii_path_round_trips_through_the_adapter() -> None:
    env = EnvironBuilder(path="/straße/ü x", query_string="q=ä").get_environ()
    request = request_from_environ(env, Request)
    assert request.path == "/straße/ü x"
    assert request.args["q"] == "ä"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"path": "/s?q=a+b&x=1"}, "q=a+b&x=1"),
        ({"query_string": "a=1&a=2"}, "a=1&a=2"),
        ({"query_string": {"a": "1", "b": ["x", "y"], "n": None}}, "a=1&b=x&b=y"),
        ({"query_string": MultiDict([("k", "1"), ("k", "2")])}, "k=1&k=2"),
        ({"query_string": {"q": "a b/é"}}, "q=a+b%2F%C3%A9"),
        ({"query_string": "q=é"}, "q=\xc3\xa9"),
    ],
)
def test_query_string(kwargs: dict[str, Any], expected: str) -> None:
    env = EnvironBuilder(**kwargs).get_environ()
    assert env["QUERY_STRING"] == expected


def test_query_in_path_and_argument_is_an_error() -> None:
    with pytest.raises(ValueError, match="query string"):
        EnvironBuilder(path="/?a=1", query_string="b=2")


def test_request_uri_includes_root_and_query() -> None:
    env = EnvironBuilder(
        path="/x", base_url="http://localhost/app", query_string="a=1"
    ).get_environ()
    assert env["REQUEST_URI"] == "/app/x?a=1"


def test_base_url() -> None:
    env = EnvironBuilder(path="/p", base_url="https://example.com:8443/app/").get_environ()
    assert env["wsgi.url_scheme"] == "https"
    assert env["HTTP_HOST"] == "example.com:8443"
    assert env["SERVER_NAME"] == "example.com"
    assert env["SERVER_PORT"] == "8443"
    assert env["SCRIPT_NAME"] == "/app"
    assert env["PATH_INFO"] == "/p"


def test_base_url_default_ports_and_encoded_root() -> None:
    env = EnvironBuilder(base_url="https://example.com/m%C3%BCnchen").get_environ()
    assert env["SERVER_PORT"] == "443"
    assert env["SCRIPT_NAME"] == "/m\xc3\xbcnchen"
    assert request_from_environ(env, Request).root_path == "/münchen"


def test_base_url_rejects_query() -> None:
    with pytest.raises(ValueError, match="query string or fragment"):
        EnvironBuilder(base_url="http://localhost/?a=1")


def test_full_url_as_path() -> None:
    env = EnvironBuilder(path="https://example.org:81/a?b=1").get_environ()
    assert env["wsgi.url_scheme"] == "https"
    assert env["HTTP_HOST"] == "example.org:81"
    assert env["PATH_INFO"] == "/a"
    assert env["QUERY_STRING"] == "b=1"


def test_app_config_defaults() -> None:
    app = FakeApp(SERVER_NAME="example.com", APPLICATION_ROOT="/root", PREFERRED_URL_SCHEME="https")
    env = EnvironBuilder(app, "/x").get_environ()
    assert env["HTTP_HOST"] == "example.com"
    assert env["SCRIPT_NAME"] == "/root"
    assert env["PATH_INFO"] == "/x"
    assert env["wsgi.url_scheme"] == "https"
    env = EnvironBuilder(app, "/x", subdomain="api", url_scheme="http").get_environ()
    assert env["HTTP_HOST"] == "api.example.com"
    assert env["wsgi.url_scheme"] == "http"


def test_app_without_server_name_uses_localhost() -> None:
    env = EnvironBuilder(FakeApp()).get_environ()
    assert env["HTTP_HOST"] == "localhost"
    assert env["SCRIPT_NAME"] == ""


def test_subdomain_with_base_url_is_an_error() -> None:
    with pytest.raises(TypeError):
        EnvironBuilder(FakeApp(), base_url="http://x/", subdomain="a")


def test_headers_become_http_keys() -> None:
    env = EnvironBuilder(
        headers=[("X-Token", "abc"), ("Accept", "text/html"), ("Accept", "application/json")]
    ).get_environ()
    assert env["HTTP_X_TOKEN"] == "abc"
    assert env["HTTP_ACCEPT"] == "text/html, application/json"


def test_content_type_header_goes_to_content_type_key() -> None:
    env = EnvironBuilder(
        method="POST", data=b"{}", headers={"Content-Type": "application/json"}
    ).get_environ()
    assert env["CONTENT_TYPE"] == "application/json"
    assert "HTTP_CONTENT_TYPE" not in env
    assert env["CONTENT_LENGTH"] == "2"
    assert "HTTP_CONTENT_LENGTH" not in env


@pytest.mark.parametrize(
    ("data", "body"), [("héllo", "héllo".encode()), (b"\x00\xff", b"\x00\xff")]
)
def test_str_and_bytes_data(data: str | bytes, body: bytes) -> None:
    env = EnvironBuilder(method="POST", data=data, content_type="text/plain").get_environ()
    assert env["wsgi.input"].read() == body
    assert env["CONTENT_LENGTH"] == str(len(body))
    assert env["CONTENT_TYPE"] == "text/plain"


def test_file_object_as_data_is_read() -> None:
    env = EnvironBuilder(method="PUT", data=io.BytesIO(b"raw")).get_environ()
    assert env["wsgi.input"].read() == b"raw"
    assert env["CONTENT_LENGTH"] == "3"


def test_dict_data_is_urlencoded() -> None:
    env = EnvironBuilder(method="POST", data={"a": "1 2", "b": ["x", "y"], "n": 3}).get_environ()
    assert env["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    body = env["wsgi.input"].read()
    assert body == b"a=1+2&b=x&b=y&n=3"
    assert env["CONTENT_LENGTH"] == str(len(body))
    env["wsgi.input"].seek(0)
    request = request_from_environ(env, Request)
    assert request.form.getlist("b") == ["x", "y"]
    assert request.form["n"] == "3"


def test_dict_with_files_is_multipart() -> None:
    env = EnvironBuilder(
        method="POST",
        data={
            "title": "Résumé",
            "doc": (io.BytesIO(b"%PDF-1.4"), "cv.pdf"),
            "note": (io.BytesIO(b"plain"), "note.txt", "text/x-custom"),
            "storage": FileStorage(io.BytesIO(b"fs"), filename="fs.bin", content_type="app/x"),
            "many": [(io.BytesIO(b"1"), "one.txt"), (io.BytesIO(b"2"), "two.txt")],
        },
    ).get_environ()
    assert env["CONTENT_TYPE"].startswith("multipart/form-data; boundary=")
    request = request_from_environ(env, Request)
    assert request.form["title"] == "Résumé"
    doc = request.files["doc"]
    assert doc.filename == "cv.pdf"
    assert doc.content_type == "application/pdf"
    assert doc.read() == b"%PDF-1.4"
    note = request.files["note"]
    assert (note.filename, note.content_type, note.read()) == (
        "note.txt",
        "text/x-custom",
        b"plain",
    )
    storage = request.files["storage"]
    assert (storage.filename, storage.content_type, storage.read()) == ("fs.bin", "app/x", b"fs")
    assert [f.filename for f in request.files.getlist("many")] == ["one.txt", "two.txt"]


def test_file_from_path(tmp_path: Any) -> None:
    path = tmp_path / "upload.txt"
    path.write_bytes(b"from disk")
    builder = EnvironBuilder(method="POST", data={"f": (str(path), "named.txt")})
    request = request_from_environ(builder.get_environ(), Request)
    assert request.files["f"].filename == "named.txt"
    assert request.files["f"].read() == b"from disk"
    opened = builder._opened_files[0]
    builder.close()
    assert opened.closed


def test_multipart_requested_without_files() -> None:
    env = EnvironBuilder(
        method="POST", data={"a": "1"}, content_type="multipart/form-data"
    ).get_environ()
    assert "boundary=" in env["CONTENT_TYPE"]
    assert request_from_environ(env, Request).form["a"] == "1"


def test_get_environ_gives_fresh_body_each_time() -> None:
    builder = EnvironBuilder(method="POST", data={"f": (io.BytesIO(b"abc"), "a.txt")})
    first = builder.get_environ()["wsgi.input"].read()
    second = builder.get_environ()["wsgi.input"].read()
    assert first == second
    assert b"abc" in first


def test_json_uses_app_provider() -> None:
    env = EnvironBuilder(FakeApp(), method="POST", json={"b": 1, "a": [1, 2]}).get_environ()
    assert env["CONTENT_TYPE"] == "application/json"
    assert env["wsgi.input"].read() == b'{"a":[1,2],"b":1}'


def test_json_without_app_uses_stdlib() -> None:
    env = EnvironBuilder(method="POST", json=["é"]).get_environ()
    assert json.loads(env["wsgi.input"].read()) == ["é"]


def test_json_keeps_explicit_content_type() -> None:
    env = EnvironBuilder(json={}, content_type="application/vnd.api+json").get_environ()
    assert env["CONTENT_TYPE"] == "application/vnd.api+json"


def test_json_and_data_is_an_error() -> None:
    with pytest.raises(TypeError):
        EnvironBuilder(json={}, data="x")


def test_auth_tuple_is_basic() -> None:
    env = EnvironBuilder(auth=("ädmin", "pa:ss")).get_environ()
    assert env["HTTP_AUTHORIZATION"] == "Basic w6RkbWluOnBhOnNz"
    request = request_from_environ(env, Request)
    assert request.authorization is not None
    assert request.authorization.username == "ädmin"
    assert request.authorization.password == "pa:ss"


def test_environ_base_and_overrides() -> None:
    env = EnvironBuilder(
        environ_base={"REMOTE_ADDR": "1.2.3.4", "PATH_INFO": "/lost"},
        environ_overrides={"SERVER_PORT": "9999", "custom.key": 1},
    ).get_environ()
    assert env["REMOTE_ADDR"] == "1.2.3.4"
    assert env["PATH_INFO"] == "/"
    assert env["SERVER_PORT"] == "9999"
    assert env["custom.key"] == 1


def test_input_stream_length_is_measured() -> None:
    stream = io.BytesIO(b"skip:body")
    stream.seek(5)
    env = EnvironBuilder(method="POST", input_stream=stream).get_environ()
    assert env["CONTENT_LENGTH"] == "4"
    assert "wsgi.input_terminated" not in env


def test_unsized_input_stream_is_terminated() -> None:
    class Unsized(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            return 0

        def seekable(self) -> bool:
            return False

    env = EnvironBuilder(method="POST", input_stream=Unsized()).get_environ()  # type: ignore[arg-type]
    assert "CONTENT_LENGTH" not in env
    assert env["wsgi.input_terminated"] is True


def test_method_is_upper_cased() -> None:
    assert EnvironBuilder(method="patch").get_environ()["REQUEST_METHOD"] == "PATCH"


def test_from_environ_recreates_the_request() -> None:
    original = EnvironBuilder(
        path="/caf%C3%A9 x",
        base_url="https://example.com/app",
        query_string="a=1",
        method="POST",
        data=b"body",
        content_type="text/plain",
        headers={"X-A": "1"},
    ).get_environ()
    env = EnvironBuilder.from_environ(original).get_environ()
    for key in (
        "PATH_INFO",
        "SCRIPT_NAME",
        "QUERY_STRING",
        "HTTP_HOST",
        "REQUEST_METHOD",
        "CONTENT_TYPE",
        "CONTENT_LENGTH",
        "HTTP_X_A",
        "wsgi.url_scheme",
    ):
        assert env[key] == original[key], key


def test_get_request() -> None:
    request = EnvironBuilder(path="/x", query_string={"a": "1"}).get_request()
    assert isinstance(request, Request)
    assert request.path == "/x"
    assert request.args["a"] == "1"


# -- the client: basics ----------------------------------------------------------


def test_client_methods_and_json() -> None:
    client = ErlenClient(wsgi(echo))
    for name in ("get", "post", "put", "patch", "delete", "options", "trace"):
        response = getattr(client, name)("/m")
        assert response.status_code == 200
        assert response.json["method"] == name.upper()
    head = client.head("/m")
    assert head.status_code == 200
    assert head.data == b""


def test_client_response_object() -> None:
    client = ErlenClient(wsgi(echo))
    response = client.post("/p?x=1", data={"a": "b"}, headers={"X-T": "t"})
    assert isinstance(response, TestResponse)
    assert response.status == "200 OK"
    assert response.mimetype == "application/json"
    assert response.json["form"] == {"a": ["b"]}
    assert response.text == response.get_data(as_text=True)
    assert response.request.path == "/p"
    assert response.request.method == "POST"
    assert response.request.headers["X-T"] == "t"
    assert response.request.environ["QUERY_STRING"] == "x=1"
    assert response.request.environ["REMOTE_ADDR"] == "127.0.0.1"
    assert response.history == ()


def test_response_headers_are_exactly_the_apps() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("299 Custom Reason", [("X-Only", "1")])
        return [b"raw"]

    response = ErlenClient(app).get("/")
    assert response.status == "299 Custom Reason"
    assert response.status_code == 299
    assert response.headers.to_wsgi_list() == [("X-Only", "1")]
    assert response.data == b"raw"


def test_client_with_app_response_class() -> None:
    class AppResponse(Response):
        __slots__ = ("extra",)
        default_mimetype = "text/html"

    client = ErlenClient(wsgi(lambda r: AppResponse("x")), AppResponse)
    response = client.get("/")
    assert isinstance(response, AppResponse)
    assert isinstance(response, TestResponse)
    assert response.mimetype == "text/html"
    assert ErlenClient(wsgi(echo), AppResponse).response_wrapper is client.response_wrapper


def test_generator_app_calling_start_response_late() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"a"
        yield b"b"

    response = ErlenClient(app).get("/")
    assert response.data == b"ab"


def test_write_callable_output_comes_first() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        write = start_response("200 OK", [])
        write(b"written-")
        return [b"returned"]

    assert ErlenClient(app).get("/").data == b"written-returned"


def test_app_that_never_starts_a_response() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return []

    with pytest.raises(RuntimeError, match="start_response"):
        ErlenClient(app).get("/")


class ClosingApp:
    def __init__(self) -> None:
        self.closed = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        start_response("200 OK", [])
        app = self

        class Body:
            def __iter__(self) -> Iterator[bytes]:
                yield b"body"

            def close(self) -> None:
                app.closed += 1

        return Body()


def test_buffered_reads_and_closes_at_once() -> None:
    app = ClosingApp()
    response = ErlenClient(app).get("/", buffered=True)
    assert app.closed == 1
    assert response.data == b"body"
    response.close()
    assert app.closed == 1


def test_unbuffered_closes_with_the_response() -> None:
    app = ClosingApp()
    response = ErlenClient(app).get("/")
    assert app.closed == 0
    assert response.data == b"body"
    response.close()
    response.close()
    assert app.closed == 1


def test_open_with_builder_and_environ() -> None:
    client = ErlenClient(wsgi(echo))
    builder = EnvironBuilder(path="/b", method="PUT", data=b"x")
    response = client.open(builder)
    assert response.json["method"] == "PUT"
    assert response.json["data"] == "x"
    environ = EnvironBuilder(path="/e").get_environ()
    response = client.open(environ)
    assert response.json["path"] == "/e"
    assert response.request.environ["REMOTE_ADDR"] == "127.0.0.1"


def test_headers_override_client_environ_base() -> None:
    client = ErlenClient(wsgi(echo))
    response = client.get(
        "/", headers=[("User-Agent", "mine"), ("Cookie", "a=1"), ("Cookie", "b=2")]
    )
    assert response.request.headers["User-Agent"] == "mine"
    assert response.json["cookies"] == {"a": ["1"], "b": ["2"]}
    assert client.get("/").request.headers["User-Agent"].startswith("erlen/")


def test_environ_base_of_client() -> None:
    client = ErlenClient(wsgi(echo))
    client.environ_base["REMOTE_ADDR"] = "9.9.9.9"
    response = client.get("/", environ_base={"HTTP_USER_AGENT": "custom"})
    assert response.request.remote_addr == "9.9.9.9"
    assert response.request.headers["User-Agent"] == "custom"


def test_invalid_utf8_path_is_400_through_client() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> Any:
        from erlen.http.exceptions import HTTPException

        try:
            request_from_environ(environ, Request)
        except HTTPException as e:
            return start_response_and_body(e.get_response(), environ, start_response)
        raise AssertionError("expected a 400")

    response = ErlenClient(app).get("/%FF")
    assert response.status_code == 400
    assert response.request.path == "/\ufffd"


# -- the cookie jar ------------------------------------------------------------------


def cookie_app(request: Request) -> Response:
    response = echo(request)
    for header in request.args.getlist("set"):
        response.headers.add("Set-Cookie", header)
    return response


def test_cookie_is_stored_and_sent_back() -> None:
    client = ErlenClient(wsgi(cookie_app))
    client.get("/", query_string={"set": "sid=abc; Path=/; HttpOnly; SameSite=Lax; Secure"})
    cookie = client.get_cookie("sid")
    assert cookie is not None
    assert (cookie.key, cookie.value, cookie.domain, cookie.path) == (
        "sid",
        "abc",
        "localhost",
        "/",
    )
    assert cookie.http_only is True
    assert cookie.secure is True
    assert cookie.same_site == "Lax"
    assert cookie.origin_only is True
    assert cookie.max_age is None
    assert cookie.expires is None
    assert client.get("/other").json["cookies"] == {"sid": ["abc"]}


def test_cookie_attributes_max_age_and_expires() -> None:
    client = ErlenClient(wsgi(cookie_app))
    client.get(
        "/",
        query_string={
            "set": [
                "a=1; Max-Age=3600",
                "b=2; Expires=Wed, 21 Oct 2099 07:28:00 GMT",
            ]
        },
    )
    a = client.get_cookie("a")
    b = client.get_cookie("b")
    assert a is not None and a.max_age == 3600
    assert b is not None and b.expires == datetime(2099, 10, 21, 7, 28, tzinfo=UTC)
    assert client.get("/").json["cookies"] == {"a": ["1"], "b": ["2"]}


def test_max_age_zero_deletes() -> None:
    client = ErlenClient(wsgi(cookie_app))
    client.get("/", query_string={"set": "a=1"})
    assert client.get_cookie("a") is not None
    client.get("/", query_string={"set": "a=; Max-Age=0"})
    assert client.get_cookie("a") is None
    assert client.get("/").json["cookie"] is None


def test_expires_in_the_past_deletes() -> None:
    client = ErlenClient(wsgi(cookie_app))
    client.get("/", query_string={"set": "a=1"})
    client.get("/", query_string={"set": "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"})
    assert client.get_cookie("a") is None


def test_max_age_wins_over_expires() -> None:
    client = ErlenClient(wsgi(cookie_app))
    client.get("/", query_string={"set": "a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT"})
    assert client.get_cookie("a") is not None


def test_expired_cookie_is_not_sent() -> None:
    client = ErlenClient(wsgi(cookie_app))
    client.get("/", query_string={"set": ["a=1; Max-Age=60", "b=2"]})
    cookie = client.get_cookie("a")
    assert cookie is not None
    # Let the cookie's lifetime run out without sleeping.
    cookie._expiry = datetime.now(UTC) - timedelta(seconds=1)
    assert client.get("/").json["cookies"] == {"b": ["2"]}
    assert client.get_cookie("a") is None


def test_path_matching() -> None:
    client = ErlenClient(wsgi(cookie_app))
    client.get("/", query_string={"set": "adm=1; Path=/admin"})
    assert client.get("/admin").json["cookie"] == "adm=1"
    assert client.get("/admin/users").json["cookie"] == "adm=1"
    assert client.get("/administrator").json["cookie"] is None
    assert client.get("/").json["cookie"] is None
    assert client.get_cookie("adm") is None
    assert client.get_cookie("adm", path="/admin") is not None


def test_default_path_is_the_request_directory() -> None:
    client = ErlenClient(wsgi(cookie_app))
    client.get("/a/b/page", query_string={"set": "d=1"})
    assert client.get_cookie("d", path="/a/b") is not None
    client.get("/top", query_string={"set": "t=1"})
    assert client.get_cookie("t", path="/") is not None
    assert client.get("/a/b/other").json["cookies"] == {"d": ["1"], "t": ["1"]}
    assert client.get("/a/c").json["cookies"] == {"t": ["1"]}


def test_longer_paths_are_sent_first() -> None:
    client = ErlenClient(wsgi(cookie_app))
    client.get("/", query_string={"set": ["x=root; Path=/", "x=deep; Path=/a/b", "x=mid; Path=/a"]})
    assert client.get("/a/b/c").json["cookie"] == "x=deep; x=mid; x=root"


def test_domain_matching() -> None:
    client = ErlenClient(wsgi(cookie_app))
    base = "http://example.com/"
    client.get("/", base_url=base, query_string={"set": ["host=1", "dom=2; Domain=.example.com"]})
    assert client.get_cookie("host", domain="example.com") is not None
    dom = client.get_cookie("dom", domain="example.com")
    assert dom is not None
    assert dom.origin_only is False
    assert client.get("/", base_url=base).json["cookies"] == {"host": ["1"], "dom": ["2"]}
    sub = client.get("/", base_url="http://api.example.com/").json["cookies"]
    assert sub == {"dom": ["2"]}
    assert client.get("/", base_url="http://notexample.com/").json["cookie"] is None
    assert client.get("/").json["cookie"] is None


def test_port_does_not_affect_domain() -> None:
    client = ErlenClient(wsgi(cookie_app))
    client.get("/", base_url="http://localhost:5000/", query_string={"set": "p=1"})
    assert client.get_cookie("p") is not None
    assert client.get("/").json["cookie"] == "p=1"


def test_quoted_value_is_sent_back_raw() -> None:
    def app(request: Request) -> Response:
        response = echo(request)
        response.set_cookie("q", "a b;c")
        return response

    client = ErlenClient(wsgi(app))
    client.get("/")
    cookie = client.get_cookie("q")
    assert cookie is not None
    assert cookie.decoded_value == "a b;c"
    assert cookie.value.startswith('"')
    assert client.get("/").json["cookies"]["q"] == ["a b;c"]


def test_set_get_delete_cookie() -> None:
    client = ErlenClient(wsgi(echo))
    client.set_cookie("k", "v")
    client.set_cookie("sub", "s", domain="example.com", origin_only=False)
    client.set_cookie("p", "1", path="/only")
    client.set_cookie("old", "x", max_age=0)
    assert client.get_cookie("old") is None
    cookie = client.get_cookie("k")
    assert cookie is not None and cookie.value == "v"
    assert client.get("/").json["cookies"] == {"k": ["v"]}
    assert client.get("/only").json["cookies"] == {"p": ["1"], "k": ["v"]}
    assert client.get("/", base_url="http://www.example.com").json["cookies"] == {"sub": ["s"]}
    client.delete_cookie("k")
    assert client.get_cookie("k") is None
    assert client.get("/").json["cookie"] is None
    client.delete_cookie("missing")


def test_set_cookie_with_attributes() -> None:
    client = ErlenClient(wsgi(echo))
    client.set_cookie("k", "v", httponly=True, secure=True, samesite="Strict", max_age=60)
    cookie = client.get_cookie("k")
    assert cookie is not None
    assert (cookie.http_only, cookie.secure, cookie.same_site, cookie.max_age) == (
        True,
        True,
        "Strict",
        60,
    )


def test_cookie_header_given_explicitly_is_kept() -> None:
    client = ErlenClient(wsgi(echo))
    client.set_cookie("jar", "1")
    response = client.get("/", headers={"Cookie": "mine=2"})
    assert response.json["cookie"] == "mine=2; jar=1"


def test_cookies_disabled() -> None:
    client = ErlenClient(wsgi(cookie_app), use_cookies=False)
    client.get("/", query_string={"set": "a=1"})
    assert client.get("/").json["cookie"] is None
    with pytest.raises(TypeError, match="use_cookies"):
        client.get_cookie("a")
    with pytest.raises(TypeError, match="use_cookies"):
        client.set_cookie("a", "1")
    with pytest.raises(TypeError, match="use_cookies"):
        with client.session_transaction():
            pass


# -- redirects ------------------------------------------------------------------------


def redirect_app(request: Request) -> Response:
    args = request.args
    if "to" in args:
        response = Response("", status=int(args.get("code", "302")))
        response.headers["Location"] = args["to"]
        for header in args.getlist("set"):
            response.headers.add("Set-Cookie", header)
        return response
    return echo(request)


def test_redirect_not_followed_by_default() -> None:
    client = ErlenClient(wsgi(redirect_app))
    response = client.get("/", query_string={"to": "/done"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/done"


def test_follow_redirect_chain_with_history() -> None:
    client = ErlenClient(wsgi(redirect_app))
    response = client.get(
        "/start",
        query_string={"to": "/hop?to=/final%3Fx%3D1&code=301", "code": "302"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert response.json["path"] == "/final"
    assert response.json["args"] == {"x": ["1"]}
    assert [r.status_code for r in response.history] == [302, 301]
    assert [r.request.path for r in response.history] == ["/start", "/hop"]
    assert response.request.path == "/final"


def test_relative_location() -> None:
    client = ErlenClient(wsgi(redirect_app))
    response = client.get("/a/b", query_string={"to": "c"}, follow_redirects=True)
    assert response.json["path"] == "/a/c"
    response = client.get("/a/b", query_string={"to": "../up"}, follow_redirects=True)
    assert response.json["path"] == "/up"


def test_absolute_same_host_location() -> None:
    client = ErlenClient(wsgi(redirect_app))
    response = client.get("/", query_string={"to": "http://localhost/abs"}, follow_redirects=True)
    assert response.json["path"] == "/abs"


@pytest.mark.parametrize("code", [301, 302, 303])
def test_post_becomes_get_without_body(code: int) -> None:
    client = ErlenClient(wsgi(redirect_app))
    response = client.post(
        "/form",
        query_string={"to": "/next", "code": str(code)},
        data={"a": "1"},
        follow_redirects=True,
    )
    assert response.json["method"] == "GET"
    assert response.json["form"] == {}
    assert response.json["content_type"] is None
    assert response.request.environ.get("CONTENT_LENGTH") in (None, "0")
    assert response.history[0].request.method == "POST"


@pytest.mark.parametrize("code", [307, 308])
def test_307_308_keep_method_and_body(code: int) -> None:
    client = ErlenClient(wsgi(redirect_app))
    response = client.post(
        "/api",
        query_string={"to": "/api2", "code": str(code)},
        json={"k": "v"},
        follow_redirects=True,
    )
    assert response.json["method"] == "POST"
    assert response.json["path"] == "/api2"
    assert json.loads(response.json["data"]) == {"k": "v"}
    assert response.json["content_type"] == "application/json"


def test_303_turns_put_into_get_but_302_keeps_it() -> None:
    client = ErlenClient(wsgi(redirect_app))
    put = {"query_string": {"to": "/x", "code": "303"}, "data": b"payload"}
    assert client.put("/", follow_redirects=True, **put).json["method"] == "GET"
    put["query_string"] = {"to": "/x", "code": "302"}
    response = client.put("/", follow_redirects=True, **put)
    assert response.json["method"] == "PUT"
    assert response.json["data"] == "payload"


def test_head_stays_head_on_303() -> None:
    client = ErlenClient(wsgi(redirect_app))
    response = client.head("/", query_string={"to": "/x", "code": "303"}, follow_redirects=True)
    assert response.request.method == "HEAD"
    assert response.status_code == 200


def test_redirect_sets_cookie_used_by_next_hop() -> None:
    client = ErlenClient(wsgi(redirect_app))
    response = client.post(
        "/login",
        query_string={"to": "/home", "set": "sid=42"},
        follow_redirects=True,
    )
    assert response.json["cookies"] == {"sid": ["42"]}


def test_redirect_loop_is_detected() -> None:
    def app(request: Request) -> Response:
        target = "/b" if request.path == "/a" else "/a"
        return Response("", status=302, headers={"Location": target})

    with pytest.raises(ClientRedirectError, match="loop"):
        ErlenClient(wsgi(app)).get("/a", follow_redirects=True)


def test_endless_distinct_redirects_stop() -> None:
    def app(request: Request) -> Response:
        n = int(request.path.strip("/") or 0)
        return Response("", status=302, headers={"Location": f"/{n + 1}"})

    with pytest.raises(ClientRedirectError, match="redirects"):
        ErlenClient(wsgi(app)).get("/", follow_redirects=True)


def test_external_redirect_is_refused() -> None:
    client = ErlenClient(wsgi(redirect_app))
    with pytest.raises(RuntimeError, match="external"):
        client.get("/", query_string={"to": "https://other.org/"}, follow_redirects=True)


def test_subdomain_redirect_needs_opt_in() -> None:
    query = {"to": "http://api.example.com/x"}
    client = ErlenClient(wsgi(redirect_app))
    with pytest.raises(RuntimeError, match="subdomain"):
        client.get("/", base_url="http://example.com", query_string=query, follow_redirects=True)
    client = ErlenClient(wsgi(redirect_app), allow_subdomain_redirects=True)
    response = client.get(
        "/", base_url="http://example.com", query_string=query, follow_redirects=True
    )
    assert response.json["host"] == "api.example.com"
    assert response.json["path"] == "/x"


def test_redirect_under_script_root() -> None:
    client = ErlenClient(wsgi(redirect_app))
    base = "http://localhost/app"
    response = client.get(
        "/", base_url=base, query_string={"to": "/app/inner"}, follow_redirects=True
    )
    assert (response.json["root_path"], response.json["path"]) == ("/app", "/inner")
    response = client.get(
        "/", base_url=base, query_string={"to": "/outside"}, follow_redirects=True
    )
    assert (response.json["root_path"], response.json["path"]) == ("", "/outside")


def test_redirect_without_location_is_returned() -> None:
    def app(request: Request) -> Response:
        return Response("no location", status=302)

    response = ErlenClient(wsgi(app)).get("/", follow_redirects=True)
    assert response.status_code == 302
    assert response.history == ()


# -- with the framework ------------------------------------------------------------------

from erlen import Erlen, g, redirect, request, session, url_for  # noqa: E402
from erlen.ctx import has_app_context, has_request_context  # noqa: E402


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config.update(TESTING=True, SECRET_KEY="test-secret")

    @app.route("/")
    def index() -> str:
        g.seen = "index"
        return f"hello {request.args.get('name', 'world')}"

    @app.post("/login")
    def login() -> Any:
        session["user"] = request.form["user"]
        return redirect(url_for("me"))

    @app.get("/me")
    def me() -> Any:
        return {"user": session.get("user"), "url": url_for("me", _external=True)}

    @app.get("/echo-json")
    def echo_json() -> Any:
        return {"json": request.get_json(silent=True)}

    return app


def test_app_client_response_class(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    response = client.get("/?name=ada")
    assert isinstance(response, app.response_class)
    assert isinstance(response, TestResponse)
    assert response.text == "hello ada"
    assert response.mimetype == "text/html"
    assert response.headers["Content-Length"] == "9"


def test_app_json_round_trip(app: Erlen, make_client: MakeClient) -> None:
    response = make_client(app).get("/echo-json", json={"a": [1, "é"]})
    assert response.json == {"json": {"a": [1, "é"]}}


def test_app_login_redirect_with_session_cookie(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    response = client.post("/login", data={"user": "ada"}, follow_redirects=True)
    assert response.status_code == 200
    assert response.json["user"] == "ada"
    assert [r.status_code for r in response.history] == [302]
    assert response.history[0].request.method == "POST"
    assert response.request.method == "GET"
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only is True
    assert cookie.same_site == "Lax"


def test_app_config_base_url(app: Erlen, make_client: MakeClient) -> None:
    app.config.update(SERVER_NAME="example.com:8080", PREFERRED_URL_SCHEME="https")
    response = make_client(app).get("/me")
    assert response.json["url"] == "https://example.com:8080/me"


def test_with_client_keeps_request_context(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    torn_down: list[str] = []

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        torn_down.append(request.path)

    with client:
        client.get("/?name=x")
        assert request.path == "/"
        assert request.args["name"] == "x"
        assert g.seen == "index"
        assert torn_down == []
        client.get("/me")
        # The previous request's contexts were popped before this one ran.
        assert torn_down == ["/"]
        assert request.path == "/me"
    assert torn_down == ["/", "/me"]
    assert not has_request_context()
    assert not has_app_context()


def test_with_client_session_is_readable(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    with client:
        client.post("/login", data={"user": "bob"})
        assert session["user"] == "bob"
    assert not has_request_context()


def test_a_request_from_a_view_through_the_same_client_inside_with_client(
    app: Erlen, make_client: MakeClient
) -> None:
    client = make_client(app)

    @app.route("/inner")
    def inner() -> str:
        return "inner"

    @app.route("/outer")
    def outer() -> str:
        try:
            return "outer saw " + client.get("/inner").text
        except RuntimeError as e:
            return f"refused: {e}"

    # Without `with client:` nothing is kept, and the nested request works
    # (over ASGI it runs on the client's loop while the view's worker thread
    # waits for it).
    assert client.get("/outer").text == "outer saw inner"
    with client:
        text = client.get("/outer").text
        assert text.startswith("refused: This test client is inside 'with client:'")
        assert "app.test_client()" in text
        assert request.path == "/outer"
    # The outer request's contexts were kept and popped: nothing stays pushed.
    with pytest.raises(RuntimeError, match="outside of request context"):
        request.path  # noqa: B018
    with client:
        assert client.get("/inner").text == "inner"


def test_with_client_cannot_nest(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    with client:
        with pytest.raises(RuntimeError, match="nest"):
            client.__enter__()


def test_without_with_contexts_are_popped(app: Erlen, make_client: MakeClient) -> None:
    make_client(app).get("/")
    assert not has_request_context()


def test_session_transaction_round_trip(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    with client.session_transaction() as sess:
        assert dict(sess) == {}
        sess["user"] = "carol"
    assert client.get("/me").json["user"] == "carol"
    client.post("/login", data={"user": "dave"})
    with client.session_transaction() as sess:
        assert sess["user"] == "dave"


def test_session_transaction_unchanged_keeps_cookie(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    client.post("/login", data={"user": "erin"})
    before = client.get_cookie("session")
    with client.session_transaction() as sess:
        assert sess["user"] == "erin"
    after = client.get_cookie("session")
    assert after is not None and before is not None
    assert after.value == before.value
    assert client.get("/me").json["user"] == "erin"


def test_session_transaction_error_does_not_save(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    with pytest.raises(ZeroDivisionError):
        with client.session_transaction() as sess:
            sess["user"] = "mallory"
            1 / 0  # noqa: B018
    assert client.get("/me").json["user"] is None


def test_session_transaction_without_secret_key(make_client: MakeClient) -> None:
    app = Erlen(__name__)
    client = make_client(app)
    with pytest.raises(RuntimeError, match=r"did not open a session.*SECRET_KEY"):
        with client.session_transaction():
            pass


def test_test_client_protocol_switch(app: Erlen, protocol: str) -> None:
    client = app.test_client(asgi=protocol == "asgi")
    assert client.asgi is (protocol == "asgi")
    response = client.get("/?name=both")
    assert response.status_code == 200
    assert response.text == "hello both"
    assert response.request.path == "/"
    client.close()


def test_websocket_on_the_wsgi_client_is_a_clear_error(app: Erlen) -> None:
    with pytest.raises(RuntimeError, match=r"WebSockets need the ASGI test client.*asgi=True"):
        app.test_client().websocket("/")


def test_public_names_of_the_testing_package() -> None:
    import erlen.testing as testing
    from erlen.testing.builder import EnvironBuilder as BuilderClass
    from erlen.testing.cli import ErlenCliRunner
    from erlen.testing.client import ClientRedirectError as RedirectErrorClass
    from erlen.testing.cookies import Cookie

    assert set(testing.__all__) >= {
        "ClientRedirectError",
        "Cookie",
        "EnvironBuilder",
        "ErlenCliRunner",
        "ErlenClient",
        "TestResponse",
        "WebSocketClosed",
        "WebSocketDenied",
        "WebSocketTestSession",
    }
    for name in testing.__all__:
        assert getattr(testing, name) is not None
    assert testing.EnvironBuilder is BuilderClass
    assert testing.ClientRedirectError is RedirectErrorClass
    assert testing.ErlenCliRunner is ErlenCliRunner
    assert testing.Cookie is Cookie
    assert testing.PRESERVE_CONTEXT_KEY == "erlen.preserve_context"


def test_test_request_context_uses_builder(app: Erlen) -> None:
    with app.test_request_context("/p?a=1", method="POST", json={"k": "v"}):
        assert request.method == "POST"
        assert request.args["a"] == "1"
        assert request.get_json() == {"k": "v"}


def test_app_under_script_root(app: Erlen, make_client: MakeClient) -> None:
    response = make_client(app).get("/me", base_url="http://localhost/mounted")
    assert response.json["url"] == "http://localhost/mounted/me"


def test_cli_runner_invokes_app_commands(app: Erlen) -> None:
    import click

    @app.cli.command("hello")
    @click.argument("name")
    def hello(name: str) -> None:
        click.echo(f"hi {name}")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["hello", "ada"])
    assert result.exit_code == 0, result.output
    assert result.output == "hi ada\n"

    @click.command()
    def standalone() -> None:
        click.echo("alone")

    assert runner.invoke(standalone).output == "alone\n"


BUILDER_CASES: list[dict[str, Any]] = [
    {"path": "/"},
    {"path": "/a b/ü", "query_string": "x=1&y=ü"},
    {"path": "/caf%C3%A9?q=a+b"},
    {"path": "/x", "base_url": "https://example.com:8443/root/"},
    {"path": "/x", "base_url": "http://example.com/m%C3%BCnchen"},
    {"path": "/q", "query_string": {"a": ["1", "2"], "b": "c d"}},
    {"path": "/h", "headers": {"X-A": "1", "Accept": "text/html"}},
    {"path": "/p", "method": "POST", "data": b"raw", "content_type": "text/plain"},
    {"path": "/p", "method": "POST", "data": {"a": "1", "b": "x y"}},
]

# REQUEST_URI is left out: Werkzeug puts the raw ``path`` argument there, erlen
# the request target a server would see (encoded root, path and query).
COMPARED_KEYS = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "SERVER_NAME",
    "SERVER_PORT",
    "HTTP_HOST",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "HTTP_X_A",
    "HTTP_ACCEPT",
    "wsgi.url_scheme",
)


@pytest.mark.parametrize("kwargs", BUILDER_CASES)
def test_builder_matches_werkzeug(kwargs: dict[str, Any]) -> None:
    werkzeug_test = pytest.importorskip("werkzeug.test")
    theirs = werkzeug_test.EnvironBuilder(**kwargs).get_environ()
    ours = EnvironBuilder(**kwargs).get_environ()
    for key in COMPARED_KEYS:
        assert ours.get(key) == theirs.get(key), key
    assert ours["wsgi.input"].read() == theirs["wsgi.input"].read()


FLASK_CASES: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {"path": "http://other.org:81/full?z=9"}),
    ({"SERVER_NAME": "example.com"}, {"path": "/a"}),
    ({"SERVER_NAME": "example.com:5000"}, {"path": "/a", "subdomain": "api"}),
    ({"APPLICATION_ROOT": "/root"}, {"path": "/a?b=c"}),
    ({"PREFERRED_URL_SCHEME": "https"}, {"path": "/a"}),
    ({"PREFERRED_URL_SCHEME": "https"}, {"path": "/a", "url_scheme": "http"}),
    ({"SERVER_NAME": "example.com"}, {"path": "/a", "base_url": "http://b.org/x"}),
]


@pytest.mark.parametrize(("config", "kwargs"), FLASK_CASES)
def test_builder_app_defaults_match_flask(config: dict[str, Any], kwargs: dict[str, Any]) -> None:
    flask = pytest.importorskip("flask")
    flask_testing = pytest.importorskip("flask.testing")
    flask_app = flask.Flask(__name__)
    flask_app.config.update(config)
    theirs = flask_testing.EnvironBuilder(flask_app, **kwargs).get_environ()
    ours = EnvironBuilder(FakeApp(**config), **kwargs).get_environ()
    for key in COMPARED_KEYS:
        assert ours.get(key) == theirs.get(key), key


def test_cli_runner_hands_the_app_to_commands_through_script_info(app: Erlen) -> None:
    import click

    from erlen import current_app
    from erlen.cli import ScriptInfo, pass_script_info, with_appcontext

    @click.command()
    @pass_script_info
    def which(info: ScriptInfo) -> None:
        click.echo(f"{type(info).__name__}:{info.load_app() is app}")

    @click.command()
    @with_appcontext
    def name() -> None:
        click.echo(current_app.name)

    runner = app.test_cli_runner()
    assert runner.invoke(which).output == "ScriptInfo:True\n"
    assert runner.invoke(name).output == f"{app.name}\n"
    # An explicit obj is passed through untouched.
    other = ScriptInfo(create_app=lambda: Erlen("other_app"))
    assert runner.invoke(name, obj=other).output == "other_app\n"


def test_every_uploaded_file_part_has_a_content_type(app: Erlen, make_client: MakeClient) -> None:
    from erlen.http.datastructures import FileStorage

    @app.post("/types")
    def types() -> dict[str, Any]:
        return {
            name: [storage.filename, storage.content_type]
            for name, storage in request.files.items(multi=True)
        }

    rv = make_client(app).post(
        "/types",
        data={
            "noname": (io.BytesIO(b"x"), ""),
            "unknown": (io.BytesIO(b"x"), "data.h18unknown"),
            "text": (io.BytesIO(b"x"), "notes.txt"),
            "given": (io.BytesIO(b"x"), "a.txt", "application/x-custom"),
            "storage": FileStorage(io.BytesIO(b"x"), filename="pic.png"),
        },
    )
    assert rv.json == {
        "noname": ["", "application/octet-stream"],
        "unknown": ["data.h18unknown", "application/octet-stream"],
        "text": ["notes.txt", "text/plain"],
        "given": ["a.txt", "application/x-custom"],
        "storage": ["pic.png", "image/png"],
    }
