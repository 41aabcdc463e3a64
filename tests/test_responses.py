"""How view return values become responses (Flask's conversion rules)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from erlen import Erlen, Response, abort, jsonify, make_response, redirect, request
from erlen.http.datastructures import Headers
from erlen.http.exceptions import NotFound
from erlen.http.response import Response as BaseResponse
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True
    return app


def test_str_is_html(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        return "Hello"

    rv = make_client(app).get("/")
    assert rv.status_code == 200
    assert rv.data == b"Hello"
    assert rv.headers["Content-Type"] == "text/html; charset=utf-8"
    assert rv.headers["Content-Length"] == "5"


def test_non_ascii_str_is_utf8(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        return "操作成功"

    rv = make_client(app).get("/")
    assert rv.data == "操作成功".encode()
    assert rv.headers["Content-Length"] == str(len("操作成功".encode()))


def test_bytes(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> bytes:
        return b"\x00\xffraw"

    rv = make_client(app).get("/")
    assert rv.data == b"\x00\xffraw"
    assert rv.mimetype == "text/html"


def test_dict_and_list_are_json(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/dict")
    def as_dict() -> dict[str, int]:
        return {"key": 1}

    @app.route("/list")
    def as_list() -> list[int]:
        return [1, 2, 3]

    client = make_client(app)
    rv = client.get("/dict")
    assert rv.mimetype == "application/json"
    assert rv.json == {"key": 1}
    rv = client.get("/list")
    assert rv.mimetype == "application/json"
    assert rv.json == [1, 2, 3]


def test_jsonify(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> Response:
        return jsonify({"key": "value"})

    rv = make_client(app).get("/")
    assert rv.mimetype == "application/json"
    assert rv.json == {"key": "value"}


def test_generator_is_streamed(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> Iterator[str]:
        def generate() -> Iterator[str]:
            yield "a"
            yield "b"
            yield "c"

        return generate()

    rv = make_client(app).get("/")
    assert rv.data == b"abc"
    assert "Content-Length" not in rv.headers


def test_response_with_generator_and_mimetype(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> Response:
        def generate() -> Iterator[str]:
            yield "1,2\n"
            yield "3,4\n"

        return Response(generate(), mimetype="text/plain")

    rv = make_client(app).get("/")
    assert rv.data == b"1,2\n3,4\n"
    assert rv.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_response_object_is_used_as_is(app: Erlen, make_client: MakeClient) -> None:
    created: list[Response] = []

    @app.route("/")
    def index() -> Response:
        rv = Response("made", status=201, headers={"X-A": "b"})
        created.append(rv)
        return rv

    @app.after_request
    def check(response: Response) -> Response:
        assert response is created[0]
        return response

    rv = make_client(app).get("/")
    assert rv.status_code == 201
    assert rv.headers["X-A"] == "b"
    assert rv.data == b"made"


def test_toolkit_response_is_converted(app: Erlen, make_client: MakeClient) -> None:
    seen: list[type] = []

    @app.route("/")
    def index() -> BaseResponse:
        return BaseResponse("plain", 202)

    @app.after_request
    def check(response: Response) -> Response:
        seen.append(type(response))
        return response

    rv = make_client(app).get("/")
    assert rv.status_code == 202
    assert rv.data == b"plain"
    assert seen == [app.response_class]


def test_toolkit_response_is_retyped_in_place(app: Erlen) -> None:
    # The toolkit's Response and the app's share one layout, so a toolkit
    # response (an HTTP error's page, one a view built) becomes the app's
    # class without being copied: its state, callbacks and attributes stay.
    closed: list[str] = []
    plain = BaseResponse(["a", "b"], 203, {"X-A": "1"})
    plain.call_on_close(lambda: closed.append("closed"))
    plain.note = "kept"  # type: ignore[attr-defined]
    with app.test_request_context():
        rv = app.make_response(plain)
        error_page = app.make_response(NotFound())
    assert rv is plain
    assert type(rv) is app.response_class
    assert (rv.status_code, rv.headers["X-A"], rv.get_data()) == (203, "1", b"ab")
    assert rv.note == "kept"  # type: ignore[attr-defined]
    rv.close()
    assert closed == ["closed"]
    assert type(error_page) is app.response_class
    assert error_page.status_code == 404
    assert error_page.mimetype == "text/html"
    assert b"Not Found" in error_page.get_data()


def test_a_response_adopted_by_sharing_its_dict_keeps_its_state() -> None:
    # COMPAT(werkzeug): a response's state is in its instance __dict__, so a
    # subclass may adopt one by sharing it (Flask-Caching's CachedResponse).
    class Adopted(Response):
        def __init__(self, response: Response, timeout: int) -> None:
            self.__dict__ = response.__dict__
            self.timeout = timeout

    original = Response("body", 201, {"X-A": "1"})
    adopted = Adopted(original, 30)
    assert (adopted.status, adopted.headers["X-A"], adopted.get_data()) == (
        "201 CREATED",
        "1",
        b"body",
    )
    assert adopted.timeout == 30
    adopted.headers["X-B"] = "2"
    assert original.headers["X-B"] == "2"


def test_a_response_class_that_sends_itself_is_called_as_wsgi(app: Erlen) -> None:
    # COMPAT(flask): the WSGI side sends a response by calling it, so a
    # subclass's __call__ or get_wsgi_* methods decide what goes out
    # (Flask-Sock's response sends nothing once the app took the socket).
    calls: list[str] = []

    class Called(Response):
        def __call__(self, environ: Any, start_response: Any) -> Any:
            calls.append(environ["PATH_INFO"])
            start_response("299 Called", [("X-Called", "yes")])
            return [b"from __call__"]

    class Headed(Response):
        def get_wsgi_headers(self, environ: Any) -> Headers:
            headers = super().get_wsgi_headers(environ)
            headers["X-Wsgi-Headers"] = environ["REQUEST_METHOD"]
            return headers

    @app.route("/called")
    def called() -> Response:
        return Called("unused")

    @app.route("/headed")
    def headed() -> Response:
        return Headed("body")

    statuses: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        statuses.append((status, headers))

    def environ(path: str) -> dict[str, Any]:
        return {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
        }

    assert b"".join(app(environ("/called"), start_response)) == b"from __call__"
    assert statuses.pop() == ("299 Called", [("X-Called", "yes")])
    assert calls == ["/called"]
    assert b"".join(app(environ("/headed"), start_response)) == b"body"
    status, headers = statuses.pop()
    assert status == "200 OK"
    assert ("X-Wsgi-Headers", "GET") in headers
    assert (Called._custom_wsgi, Headed._custom_wsgi, Response._custom_wsgi) == (True, True, False)


def test_error_pages_are_built_in_a_custom_response_class(
    app: Erlen, make_client: MakeClient
) -> None:
    seen: list[tuple[str, type, str | None]] = []

    class Plain(Response):
        pass

    class OwnInit(Response):
        def __init__(self, *args: object, **kwargs: object) -> None:
            # An __init__ of its own is not called for an error page: the
            # toolkit's page is retyped, as in Flask.
            seen.append(("init", type(self), None))
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    class Teapot(NotFound):
        def get_response(self, request: object = None) -> BaseResponse:
            return BaseResponse("custom page", 418)

    @app.route("/teapot")
    def teapot() -> str:
        raise Teapot()

    @app.after_request
    def check(response: Response) -> Response:
        seen.append(("after", type(response), response.mimetype))
        return response

    client = make_client(app)
    for response_class in (Plain, OwnInit):
        seen.clear()
        app.response_class = response_class
        rv = client.get("/missing")
        assert rv.status_code == 404
        assert b"Not Found" in rv.data
        assert seen == [("after", response_class, "text/html")]

        seen.clear()
        rv = client.get("/teapot")
        assert (rv.status_code, rv.data) == (418, b"custom page")
        assert seen == [("after", response_class, "text/plain")]


@pytest.mark.parametrize(
    ("value", "status", "header"),
    [
        (("body", 201), 201, None),
        (("body", "202 ACCEPTED"), 202, None),
        (("body", {"X-Test": "1"}), 200, "1"),
        (("body", [("X-Test", "2")]), 200, "2"),
        (("body", Headers([("X-Test", "3")])), 200, "3"),
        (("body", 404, {"X-Test": "4"}), 404, "4"),
        (("body", 418, [("X-Test", "5")]), 418, "5"),
    ],
)
def test_tuples(
    app: Erlen, value: tuple[object, ...], status: int, header: str | None, make_client: MakeClient
) -> None:
    @app.route("/")
    def index() -> object:
        return value

    rv = make_client(app).get("/")
    assert rv.status_code == status
    assert rv.data == b"body"
    assert rv.headers.get("X-Test") == header


def test_tuple_with_dict_body_and_status(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> object:
        return {"error": "nope"}, 400

    rv = make_client(app).get("/")
    assert rv.status_code == 400
    assert rv.json == {"error": "nope"}


def test_tuple_headers_replace_existing(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> object:
        return Response("x", headers={"X-A": "old"}), {"X-A": "new"}

    rv = make_client(app).get("/")
    assert rv.headers.getlist("X-A") == ["new"]


def test_tuple_status_overrides_response_status(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> object:
        return Response("x", status=200), 203

    assert make_client(app).get("/").status_code == 203


def test_none_is_a_type_error_naming_the_view(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def forgot_return() -> None:
        pass

    with pytest.raises(TypeError, match="'forgot_return' did not return a valid response"):
        make_client(app).get("/")


def test_unsupported_type_names_the_view(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def bad() -> object:
        return 42

    with pytest.raises(TypeError, match=r"'bad'.*but it\s+was a int"):
        make_client(app).get("/")


def test_bad_tuple_length(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def bad() -> object:
        return "a", 200, {}, "extra"

    with pytest.raises(TypeError, match="did not return a valid response tuple"):
        make_client(app).get("/")


def test_type_error_is_a_500_when_not_testing(app: Erlen, make_client: MakeClient) -> None:
    app.testing = False

    @app.route("/")
    def forgot_return() -> None:
        pass

    rv = make_client(app).get("/")
    assert rv.status_code == 500


def test_make_response_helper(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> Response:
        response = make_response("made", 201)
        response.headers["X-Parachutes"] = "parachutes are cool"
        return response

    @app.route("/empty")
    def empty() -> Response:
        return make_response()

    client = make_client(app)
    rv = client.get("/")
    assert rv.status_code == 201
    assert rv.headers["X-Parachutes"] == "parachutes are cool"
    rv = client.get("/empty")
    assert rv.status_code == 200
    assert rv.data == b""


def test_make_response_accepts_dict(app: Erlen) -> None:
    with app.test_request_context():
        rv = make_response({"a": 1}, 202, {"X-Y": "z"})
        assert rv.status_code == 202
        assert rv.mimetype == "application/json"
        assert rv.headers["X-Y"] == "z"


def test_redirect(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/go")
    def go() -> Response:
        return redirect("/there")

    @app.route("/go301")
    def go301() -> Response:
        return redirect("https://www.baidu.com", 301)

    client = make_client(app)
    rv = client.get("/go")
    assert rv.status_code == 302
    assert rv.headers["Location"] == "/there"
    assert b'href="/there"' in rv.data
    rv = client.get("/go301")
    assert rv.status_code == 301
    assert rv.headers["Location"] == "https://www.baidu.com"


def test_redirect_escapes_location_in_body(app: Erlen) -> None:
    with app.app_context():
        rv = redirect('/x?a=1&b="<script>"')
    body = rv.get_data(as_text=True)
    assert "<script>" not in body
    # COMPAT(werkzeug): the page shows the location as given, HTML-escaped;
    # the header carries it as a URI.
    assert 'href="/x?a=1&amp;b=&#34;&lt;script&gt;&#34;"' in body
    assert rv.headers["Location"] == "/x?a=1&b=%22%3Cscript%3E%22"


def test_redirect_outside_app_context() -> None:
    rv = redirect("/elsewhere", 303)
    assert rv.status_code == 303
    assert rv.headers["Location"] == "/elsewhere"


def test_abort_with_response(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        abort(Response("custom", status=409))

    rv = make_client(app).get("/")
    assert rv.status_code == 409
    assert rv.data == b"custom"


def test_http_exception_returned_from_view(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> NotFound:
        return NotFound("gone fishing")

    rv = make_client(app).get("/")
    assert rv.status_code == 404
    assert b"gone fishing" in rv.data


def test_head_has_no_body(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/")
    def index() -> str:
        return "content"

    rv = make_client(app).head("/")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == "7"


def test_response_class_default_mimetype() -> None:
    assert Response("x").mimetype == "text/html"
    assert Response("x", mimetype="text/plain").mimetype == "text/plain"


def test_custom_response_class(make_client: MakeClient) -> None:
    class MyResponse(Response):
        default_mimetype = "text/plain"

    app = Erlen(__name__)
    app.response_class = MyResponse

    @app.route("/")
    def index() -> str:
        return "hi"

    rv = make_client(app).get("/")
    assert rv.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_max_cookie_size_from_config(app: Erlen) -> None:
    app.config["MAX_COOKIE_SIZE"] = 123
    with app.app_context():
        assert Response().max_cookie_size == 123
    assert Response().max_cookie_size == 4093


def test_request_args_in_view(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/query")
    def query() -> str:
        return request.args.get("q", "none")

    assert make_client(app).get("/query?q=x+y").data == b"x y"


def test_cors_by_hand_with_werkzeugs_property_names(app: Erlen, make_client: MakeClient) -> None:
    # Flask code that answers CORS itself sets these properties; on erlen's
    # response they write headers (before, they were plain attributes and
    # nothing was sent).
    @app.route("/api", methods=["GET", "OPTIONS"])
    def api() -> str:
        return "data"

    @app.after_request
    def allow(response: Response) -> Response:
        response.access_control_allow_origin = "https://app.example"
        response.access_control_allow_credentials = True
        if request.method == "OPTIONS":
            response.access_control_allow_methods = ["GET"]
            response.access_control_allow_headers = request.access_control_request_headers
            response.access_control_max_age = 600
        return response

    client = make_client(app)
    rv = client.get("/api", headers={"Origin": "https://app.example"})
    assert rv.text == "data"
    assert rv.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert rv.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Methods" not in rv.headers
    rv = client.options(
        "/api",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Token",
        },
    )
    assert rv.headers["Access-Control-Allow-Methods"] == "GET"
    assert rv.headers["Access-Control-Allow-Headers"] == "X-Token"
    assert rv.headers["Access-Control-Max-Age"] == "600"
