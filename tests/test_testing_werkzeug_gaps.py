"""Werkzeug test-client usages the builder and client now follow: the form's
content type before encoding, ``mimetype=`` with a charset for text, files
read with ``read(size)`` and closed with the builder, ``REQUEST_URI`` keeping
an empty query's ``?``, and the history of each followed redirect."""

from __future__ import annotations

import io
from typing import Any

from erlen import Erlen, redirect, request
from erlen.testing import EnvironBuilder, create_environ


def test_content_type_is_the_forms_before_it_is_encoded() -> None:
    builder = EnvironBuilder(method="POST")
    assert builder.content_type is None
    builder.form["a"] = "1"
    assert builder.content_type == "application/x-www-form-urlencoded"
    assert builder.mimetype == "application/x-www-form-urlencoded"
    builder.files.add_file("f", io.BytesIO(b"data"), "f.txt")
    assert builder.content_type == "multipart/form-data"
    environ = builder.get_environ()
    assert environ["CONTENT_TYPE"].startswith("multipart/form-data; boundary=")
    builder.close()

    assert EnvironBuilder(data={"a": "1"}).content_type == "application/x-www-form-urlencoded"
    assert EnvironBuilder(data={"f": (io.BytesIO(b"x"), "x.txt")}).content_type == (
        "multipart/form-data"
    )
    # A content type that was set wins; a body of bytes has none of its own.
    assert EnvironBuilder(data={"a": "1"}, content_type="text/x").content_type == "text/x"
    assert EnvironBuilder(data=b"raw").content_type is None
    environ = EnvironBuilder(method="POST", data={"a": "1"}).get_environ()
    assert environ["CONTENT_TYPE"] == "application/x-www-form-urlencoded"


def test_mimetype_gets_a_charset_for_text() -> None:
    assert EnvironBuilder(mimetype="text/css").content_type == "text/css; charset=utf-8"
    assert EnvironBuilder(mimetype="application/octet-stream").content_type == (
        "application/octet-stream"
    )
    builder = EnvironBuilder()
    builder.mimetype = "text/plain"
    assert builder.content_type == "text/plain; charset=utf-8"
    assert EnvironBuilder(content_type="text/css").content_type == "text/css"

    app = Erlen(__name__)

    @app.route("/", methods=["POST"])
    def echo() -> str:
        return request.content_type or ""

    response = app.test_client().post("/", data=b"body", mimetype="text/css")
    assert response.text == "text/css; charset=utf-8"


class SizedOnly:
    """A file that takes only read(size), and counts its closes."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.closed = 0

    def read(self, size: int) -> bytes:
        return self._data.read(size)

    def close(self) -> None:
        self.closed += 1


def test_files_are_read_with_a_size_and_closed_with_the_builder() -> None:
    big = b"x" * 200_000
    given = SizedOnly(big)
    environ = create_environ(method="POST", data={"f": (given, "f.bin")})
    assert given.closed == 1
    assert big in environ["wsgi.input"].read()

    builder = EnvironBuilder(method="POST")
    other = SizedOnly(b"y")
    builder.files.add_file("g", other, "g.bin")  # type: ignore[arg-type]
    builder.get_environ()
    builder.close()
    assert other.closed == 1
    builder.close()  # once
    assert other.closed == 1


def test_request_uri_keeps_an_empty_querys_question_mark() -> None:
    assert create_environ("/%3f?")["REQUEST_URI"] == "/%3f?"
    assert create_environ("/a")["REQUEST_URI"] == "/a"
    assert create_environ("/a?b=1")["REQUEST_URI"] == "/a?b=1"
    builder = EnvironBuilder("/a?")
    builder.query_string = ""
    assert builder.get_environ()["REQUEST_URI"] == "/a"

    app = Erlen(__name__)

    @app.route("/<path:p>")
    def show(p: str) -> str:
        return str(request.environ["REQUEST_URI"])

    assert app.test_client().get("/%3f?").text == "/%3f?"


def test_each_followed_redirect_has_the_history_before_it() -> None:
    app = Erlen(__name__)

    @app.route("/first")
    def first() -> Any:
        return redirect("/second")

    @app.route("/second")
    def second() -> Any:
        return redirect("/third")

    @app.route("/third")
    def third() -> str:
        return "done"

    response = app.test_client().get("/first", follow_redirects=True)
    assert response.text == "done"
    first_hop, second_hop = response.history
    assert (first_hop.request.path, first_hop.history) == ("/first", ())
    assert second_hop.request.path == "/second"
    assert second_hop.history == (first_hop,)
    assert second_hop.history[-1] is first_hop


def test_the_private_helpers_flask_socketio_calls_on_the_client() -> None:
    # COMPAT(flask): SocketIOTestClient(app, flask_test_client=client) builds
    # its request with FlaskClient._request_from_builder_args and sends the
    # client's cookies with Werkzeug's Client._add_cookies_to_wsgi.
    app = Erlen(__name__)
    app.secret_key = "k"

    @app.post("/login")
    def login() -> str:
        from erlen import session

        session["user"] = "ada"
        return "in"

    client = app.test_client()
    assert client.post("/login").text == "in"
    built = client._request_from_builder_args(
        ("/socket.io/",), {"query_string": {"x": "1"}, "headers": {"X-A": "a"}}
    )
    assert (built.path, built.args["x"], built.headers["X-A"]) == ("/socket.io/", "1", "a")
    # Not sent, and no cookies yet: those come with the client's own call.
    assert "HTTP_COOKIE" not in built.environ
    environ = dict(built.environ)
    client._add_cookies_to_wsgi(environ)
    assert environ["HTTP_COOKIE"].startswith("session=")
