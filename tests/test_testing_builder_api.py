"""EnvironBuilder's and the client's Werkzeug-shaped API: input_stream, args
and query_string, form and files, mimetype_params, request_class,
resolve_redirect and run_wsgi_app."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from erlen import Erlen, redirect, request
from erlen.http.datastructures import FileMultiDict, Headers, MultiDict
from erlen.http.request import Request as ToolkitRequest
from erlen.testing import EnvironBuilder, ErlenClient
from erlen.wrappers import Request as AppRequest

MakeClient = Callable[..., ErlenClient]


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.testing = True

    @app.route("/echo", methods=["GET", "POST", "PUT"])
    def echo() -> dict[str, object]:
        return {
            "args": request.args.to_dict(flat=False),
            "form": request.form.to_dict(flat=False),
            "files": {k: [f.filename, f.read().decode()] for k, f in request.files.items()},
            "type": request.mimetype,
            "body": request.get_data(as_text=True) if not request.form else "",
        }

    return app


def _send(app: Erlen, builder: EnvironBuilder) -> dict[str, object]:
    rv = app.test_client().open(builder)
    assert rv.status_code == 200
    data: dict[str, object] = rv.get_json()
    return data


# --- input_stream ----------------------------------------------------------------------------


def test_input_stream_reads_the_json_body_made_with_the_apps_settings(app: Erlen) -> None:
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    builder = EnvironBuilder(app, json="\u20ac")
    stream = builder.input_stream
    assert stream is not None
    assert stream.read().decode("utf-8") == '"\u20ac"'
    # get_environ still sends the whole body.
    assert builder.get_environ()["wsgi.input"].read() == '"\u20ac"'.encode()


def test_input_stream_of_bytes_data_and_of_no_body() -> None:
    builder = EnvironBuilder(data=b"raw")
    assert builder.input_stream is not None
    assert builder.input_stream.read() == b"raw"
    assert EnvironBuilder().input_stream is None
    assert EnvironBuilder(data={"a": "1"}).input_stream is None


def test_setting_input_stream_replaces_the_body(app: Erlen) -> None:
    builder = EnvironBuilder(app, "/echo", method="PUT", data={"a": "1"})
    builder.input_stream = io.BytesIO(b"streamed")
    builder.content_type = "text/plain"
    assert _send(app, builder)["body"] == "streamed"


# --- args and query_string ---------------------------------------------------------------------


def test_args_build_the_query_string(app: Erlen) -> None:
    builder = EnvironBuilder(app, "/echo")
    builder.args["q"] = "a b"
    builder.args.add("q", "c")
    assert builder.query_string == "q=a+b&q=c"
    assert _send(app, builder)["args"] == {"q": ["a b", "c"]}


def test_query_string_given_as_text_has_no_args() -> None:
    builder = EnvironBuilder(query_string="x=1")
    assert builder.query_string == "x=1"
    with pytest.raises(AttributeError):
        builder.args  # noqa: B018
    builder.args = MultiDict({"y": "2"})
    assert builder.query_string == "y=2"
    builder.query_string = "z=3"
    assert builder.get_environ()["QUERY_STRING"] == "z=3"


# --- form and files ----------------------------------------------------------------------------


def test_form_and_files_may_be_changed_before_sending(app: Erlen) -> None:
    builder = EnvironBuilder(app, "/echo", method="POST", data={"name": "Ada"})
    assert builder.form == MultiDict({"name": "Ada"})
    assert isinstance(builder.files, FileMultiDict)
    builder.form.add("name", "Grace")
    builder.files.add_file("doc", io.BytesIO(b"hello"), "a.txt")
    got = _send(app, builder)
    assert got["form"] == {"name": ["Ada", "Grace"]}
    assert got["files"] == {"doc": ["a.txt", "hello"]}
    assert got["type"] == "multipart/form-data"


def test_files_given_as_data_appear_in_files(app: Erlen) -> None:
    builder = EnvironBuilder(
        app, "/echo", method="POST", data={"n": "1", "up": (io.BytesIO(b"x"), "u.bin")}
    )
    assert builder.form.to_dict() == {"n": "1"}
    upload = builder.files["up"]
    assert upload.filename == "u.bin"
    assert upload.content_type == "application/octet-stream"
    got = _send(app, builder)
    assert got["files"] == {"up": ["u.bin", "x"]}


def test_form_fields_added_to_an_empty_builder_are_sent_urlencoded(app: Erlen) -> None:
    builder = EnvironBuilder(app, "/echo", method="POST")
    builder.form["a"] = "1"
    got = _send(app, builder)
    assert got["form"] == {"a": ["1"]}
    assert got["type"] == "application/x-www-form-urlencoded"


def test_an_untouched_empty_form_sends_no_body() -> None:
    builder = EnvironBuilder(method="POST")
    assert not builder.form
    environ = builder.get_environ()
    assert "CONTENT_TYPE" not in environ
    assert environ["wsgi.input"].read() == b""


def test_the_environ_can_be_built_twice_with_the_same_body() -> None:
    builder = EnvironBuilder(method="POST", data={"f": (io.BytesIO(b"data"), "f.txt")})
    first = builder.get_environ()["wsgi.input"].read()
    second = builder.get_environ()["wsgi.input"].read()
    assert first == second
    assert b"data" in first


def test_form_of_a_bytes_body_is_an_error() -> None:
    builder = EnvironBuilder(data=b"raw")
    with pytest.raises(AttributeError):
        builder.form  # noqa: B018
    with pytest.raises(AttributeError):
        builder.files  # noqa: B018


def test_a_given_multipart_boundary_is_the_one_the_body_uses(app: Erlen) -> None:
    builder = EnvironBuilder(
        app,
        "/echo",
        method="POST",
        data={"a": "1"},
        content_type="multipart/form-data; boundary=given-boundary",
    )
    environ = builder.get_environ()
    assert environ["CONTENT_TYPE"] == "multipart/form-data; boundary=given-boundary"
    assert environ["wsgi.input"].read().startswith(b"--given-boundary\r\n")
    assert _send(app, builder)["form"] == {"a": ["1"]}


# --- mimetype_params and request_class ------------------------------------------------------


def test_mimetype_params_read_and_write_the_content_type() -> None:
    builder = EnvironBuilder(content_type="text/plain; charset=latin-1")
    assert dict(builder.mimetype_params) == {"charset": "latin-1"}
    builder.mimetype_params["charset"] = "utf-8"
    assert builder.content_type == "text/plain; charset=utf-8"
    assert dict(EnvironBuilder().mimetype_params) == {}


def test_request_class_is_what_get_request_builds_without_an_app(app: Erlen) -> None:
    assert EnvironBuilder.request_class is ToolkitRequest
    assert type(EnvironBuilder(None, "/x").get_request()) is ToolkitRequest

    class Custom(ToolkitRequest):
        pass

    class CustomBuilder(EnvironBuilder):
        request_class = Custom

    assert type(CustomBuilder(None, "/x").get_request()) is Custom
    # With an app, the app's request class.
    assert type(EnvironBuilder(app, "/x").get_request()) is AppRequest


# --- the client --------------------------------------------------------------------------------


@pytest.fixture
def redirecting(app: Erlen) -> Erlen:
    @app.route("/go", methods=["GET", "POST"])
    def go() -> object:
        return redirect("/echo?via=go", code=int(request.args.get("code", "302")))

    @app.route("/set")
    def set_cookie() -> object:
        rv = redirect("/echo")
        rv.set_cookie("seen", "yes")
        return rv

    return app


def test_resolve_redirect_follows_one_step(redirecting: Erlen, make_client: MakeClient) -> None:
    client = make_client(redirecting)
    first = client.post("/go", data={"a": "1"})
    assert first.status_code == 302
    second = client.resolve_redirect(first)
    assert second.status_code == 200
    # 302 turns the POST into a GET without the body.
    assert second.request.method == "GET"
    assert second.get_json()["args"] == {"via": ["go"]}
    assert second.get_json()["form"] == {}


def test_resolve_redirect_keeps_the_body_on_307(
    redirecting: Erlen, make_client: MakeClient
) -> None:
    client = make_client(redirecting)
    first = client.post("/go?code=307", data={"a": "1"})
    second = client.resolve_redirect(first)
    assert second.request.method == "POST"
    assert second.get_json()["form"] == {"a": ["1"]}


def test_run_wsgi_app_returns_body_status_line_and_headers(
    redirecting: Erlen, make_client: MakeClient
) -> None:
    client = make_client(redirecting)
    body, status, headers = client.run_wsgi_app(EnvironBuilder(redirecting, "/set").get_environ())
    assert status == "302 FOUND"
    assert isinstance(headers, Headers)
    assert headers["Location"] == "/echo"
    assert b"".join(body).startswith(b"<!doctype html>")
    # The cookie it set is in the client's jar.
    cookie = client.get_cookie("seen")
    assert cookie is not None
    assert cookie.value == "yes"
