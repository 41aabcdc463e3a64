"""``Request.from_values()`` on the toolkit's request class, as Werkzeug has
it on its base ``Request``, and the environ builder it uses, which lives in
the toolkit (``erlen.http.environ_builder``) and is re-exported by
``erlen.testing``."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import erlen.testing
import erlen.testing.builder
import erlen.wrappers
from erlen.http.datastructures import Headers
from erlen.http.environ_builder import EnvironBuilder
from erlen.http.exceptions import UnsupportedMediaType
from erlen.http.request import Request

# -- URL: path, base URL, query string --------------------------------------------


def test_path_and_defaults() -> None:
    request = Request.from_values("/hello/world")
    assert type(request) is Request
    assert request.method == "GET"
    assert request.path == "/hello/world"
    assert request.root_path == ""
    assert request.host == "localhost"
    assert request.url == "http://localhost/hello/world"
    assert request.args == {}
    assert request.get_data() == b""


def test_no_arguments_is_the_root() -> None:
    request = Request.from_values()
    assert request.path == "/"
    assert request.url == "http://localhost/"


def test_base_url_gives_scheme_host_and_root() -> None:
    request = Request.from_values("/items/7", "https://shop.example:8443/api")
    assert request.scheme == "https"
    assert request.host == "shop.example:8443"
    assert request.root_path == "/api"
    assert request.path == "/items/7"
    assert request.url == "https://shop.example:8443/api/items/7"


def test_path_may_be_given_by_keyword() -> None:
    request = Request.from_values(path="/kw", base_url="http://example.org/")
    assert request.url == "http://example.org/kw"


def test_non_ascii_path() -> None:
    request = Request.from_values("/café")
    assert request.path == "/café"


@pytest.mark.parametrize(
    "query",
    ["a=1&a=2&b=x%20y", {"a": ["1", "2"], "b": "x y"}],
    ids=["string", "dict"],
)
def test_query_string_as_argument(query: Any) -> None:
    request = Request.from_values("/search", query_string=query)
    assert request.args.getlist("a") == ["1", "2"]
    assert request.args["b"] == "x y"


def test_query_string_in_the_path() -> None:
    request = Request.from_values("/search?q=erlen&page=2")
    assert request.path == "/search"
    assert request.args.to_dict() == {"q": "erlen", "page": "2"}
    assert request.full_path == "/search?q=erlen&page=2"


def test_query_string_in_both_places_is_refused() -> None:
    with pytest.raises(ValueError):
        Request.from_values("/search?q=a", query_string={"q": "b"})


# -- body: form, files, json, raw data -----------------------------------------------


def test_form_fields_are_sent_urlencoded() -> None:
    request = Request.from_values("/login", method="POST", data={"user": "ada", "tag": ["x", "y"]})
    assert request.method == "POST"
    assert request.mimetype == "application/x-www-form-urlencoded"
    assert request.form["user"] == "ada"
    assert request.form.getlist("tag") == ["x", "y"]
    assert request.values["user"] == "ada"
    assert request.files == {}


def test_a_file_makes_the_body_multipart() -> None:
    request = Request.from_values(
        "/upload",
        method="POST",
        data={"title": "notes", "doc": (io.BytesIO(b"file body"), "notes.txt")},
    )
    with request:
        assert request.mimetype == "multipart/form-data"
        assert request.form["title"] == "notes"
        upload = request.files["doc"]
        assert upload.filename == "notes.txt"
        assert upload.mimetype == "text/plain"
        assert upload.read() == b"file body"


def test_a_file_given_by_path_is_read_and_closed(tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(b"\x00\x01\x02")
    opened: list[Any] = []
    original = EnvironBuilder._open_file_value

    def spy(self: EnvironBuilder, value: Any) -> Any:
        result = original(self, value)
        opened.extend(self._opened_files)
        return result

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(EnvironBuilder, "_open_file_value", spy)
        request = Request.from_values(method="POST", data={"f": (str(source),)})
    with request:
        assert request.files["f"].read() == b"\x00\x01\x02"
    assert opened and all(f.closed for f in opened)


def test_json_is_serialised_and_typed() -> None:
    request = Request.from_values("/api", method="POST", json={"n": 1, "tags": ["a"]})
    assert request.is_json
    assert request.mimetype == "application/json"
    assert request.get_json() == {"n": 1, "tags": ["a"]}
    assert request.json == {"n": 1, "tags": ["a"]}


def test_json_and_data_together_are_refused() -> None:
    with pytest.raises(TypeError):
        Request.from_values(json={"a": 1}, data="x")


def test_a_request_without_json_is_a_415_for_json() -> None:
    request = Request.from_values("/", data="plain", content_type="text/plain")
    with pytest.raises(UnsupportedMediaType):
        request.get_json()


def test_raw_data_and_content_type() -> None:
    request = Request.from_values(
        method="PUT", data=b"\xffraw", content_type="application/octet-stream"
    )
    assert request.method == "PUT"
    assert request.content_type == "application/octet-stream"
    assert request.content_length == 4
    assert request.get_data() == b"\xffraw"


def test_input_stream() -> None:
    request = Request.from_values(
        method="POST",
        input_stream=io.BytesIO(b"a=1&b=2"),
        content_type="application/x-www-form-urlencoded",
        content_length=7,
    )
    assert request.form.to_dict() == {"a": "1", "b": "2"}


# -- headers --------------------------------------------------------------------------


def test_headers_from_a_dict_a_list_or_headers() -> None:
    for headers in (
        {"X-Token": "t1", "Accept": "application/json"},
        [("X-Token", "t1"), ("Accept", "application/json")],
        Headers([("X-Token", "t1"), ("Accept", "application/json")]),
    ):
        request = Request.from_values(headers=headers)
        assert request.headers["X-Token"] == "t1"
        assert request.headers.get("x-token") == "t1"
        assert request.accept_mimetypes.best == "application/json"


def test_repeated_header_is_joined_as_a_server_would() -> None:
    request = Request.from_values(headers=[("X-Tag", "a"), ("X-Tag", "b")])
    assert request.headers["X-Tag"] == "a, b"


def test_host_and_cookie_headers() -> None:
    request = Request.from_values(headers={"Host": "api.example.com", "Cookie": "sid=abc; x=1"})
    assert request.host == "api.example.com"
    assert request.cookies.to_dict() == {"sid": "abc", "x": "1"}


def test_auth_tuple_is_basic_authorization() -> None:
    request = Request.from_values(auth=("ada", "s3cret"))
    assert request.authorization is not None
    assert request.authorization.type == "basic"
    assert request.authorization.username == "ada"
    assert request.authorization.password == "s3cret"


def test_environ_base_and_overrides() -> None:
    request = Request.from_values(
        environ_base={"REMOTE_ADDR": "10.0.0.5"},
        environ_overrides={"wsgi.url_scheme": "https"},
    )
    assert request.remote_addr == "10.0.0.5"
    assert request.scheme == "https"


# -- the class built ------------------------------------------------------------------


def test_the_request_is_stored_in_its_environ() -> None:
    request = Request.from_values("/x")
    assert request.environ["werkzeug.request"] is request


def test_a_subclass_gets_its_own_class() -> None:
    class ApiRequest(Request):
        def is_api(self) -> bool:
            return self.path.startswith("/api/")

    request = ApiRequest.from_values("/api/users", query_string={"page": "3"})
    assert type(request) is ApiRequest
    assert request.is_api()
    assert request.args["page"] == "3"


def test_a_subclass_initializer_runs() -> None:
    seen: list[str] = []

    class Tracked(Request):
        def __init__(self, environ: dict[str, Any], **kwargs: Any) -> None:
            seen.append(environ["PATH_INFO"])
            super().__init__(environ, **kwargs)

    request = Tracked.from_values("/tracked")
    assert type(request) is Tracked
    assert seen == ["/tracked"]
    assert request.path == "/tracked"


def test_a_subclass_parameter_storage_class_is_used() -> None:
    from erlen.http.datastructures import MultiDict

    class Mutable(Request):
        parameter_storage_class = MultiDict

    request = Mutable.from_values("/?a=1")
    request.args["b"] = "2"  # a MultiDict, not the immutable default
    assert request.args.to_dict() == {"a": "1", "b": "2"}


def test_the_app_request_class_inherits_it() -> None:
    request = erlen.wrappers.Request.from_values("/app", method="DELETE")
    assert type(request) is erlen.wrappers.Request
    assert request.method == "DELETE"
    assert request.url_rule is None


# -- the builder's home ----------------------------------------------------------------


def test_the_builder_keeps_its_import_paths() -> None:
    assert erlen.testing.EnvironBuilder is EnvironBuilder
    assert erlen.testing.builder.EnvironBuilder is EnvironBuilder


def test_get_request_without_an_app_builds_the_builder_request_class() -> None:
    builder = EnvironBuilder(None, "/x")
    request = builder.get_request()
    assert type(request) is Request
    assert builder.get_request(erlen.wrappers.Request).path == "/x"


def test_from_environ_reads_the_headers_of_an_environ() -> None:
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/form",
        "QUERY_STRING": "a=1",
        "SERVER_NAME": "example.com",
        "SERVER_PORT": "80",
        "HTTP_HOST": "example.com",
        "HTTP_X_REQUEST_ID": "r-1",
        "HTTP_CONTENT_TYPE": "text/ignored",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": "3",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(b"b=2"),
    }
    builder = EnvironBuilder.from_environ(environ)
    assert builder.headers["X-Request-Id"] == "r-1"
    assert "Host" not in builder.headers
    assert builder.content_type == "application/x-www-form-urlencoded"
    assert builder.content_length == 3
    request = builder.get_request()
    assert request.url == "https://example.com/form?a=1"
    assert request.headers["X-Request-Id"] == "r-1"
    assert request.form["b"] == "2"


def test_import_erlen_does_not_import_the_builder() -> None:
    code = (
        "import sys, erlen, erlen.http, erlen.http.request;"
        "print('erlen.http.environ_builder' in sys.modules, 'erlen.testing' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]
