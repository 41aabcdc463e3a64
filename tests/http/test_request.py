"""erlen.http.request.Request: URL parts, query, form, body, JSON and headers."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

import erlen.http.request as request_module
from erlen.http.datastructures import Headers
from erlen.http.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPException,
    RequestEntityTooLarge,
    SecurityError,
    UnsupportedMediaType,
)
from erlen.http.multipart import encode_multipart
from erlen.http.request import Request


def make(
    method: str = "GET",
    path: str = "/",
    query: bytes = b"",
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    body: bytes | None = None,
    *,
    scheme: str = "http",
    server: tuple[str, int | None] | None = ("localhost", 80),
    root_path: str = "",
    remote_addr: str | None = "127.0.0.1",
    cls: type[Request] = Request,
    set_length: bool = True,
    **kwargs: Any,
) -> Request:
    h = Headers(headers)
    if body is not None and set_length and "Content-Length" not in h:
        h["Content-Length"] = str(len(body))
    stream = io.BytesIO(body) if body is not None else None
    return cls(method, scheme, server, root_path, path, query, h, remote_addr, stream, **kwargs)


def form_request(fields: list[tuple[str, Any]], **kwargs: Any) -> Request:
    body, content_type = encode_multipart(fields)
    return make("POST", body=body, headers={"Content-Type": content_type}, **kwargs)


# -- construction and laziness --------------------------------------------------


def test_constructor_keeps_given_values() -> None:
    r = make("POST", "/a/b", b"x=1", {"Host": "example.com"}, remote_addr="10.0.0.1")
    assert (r.method, r.scheme, r.path, r.query_string, r.remote_addr) == (
        "POST",
        "http",
        "/a/b",
        b"x=1",
        "10.0.0.1",
    )
    assert r.server == ("localhost", 80)
    assert r.headers["Host"] == "example.com"


def test_nothing_is_parsed_until_read(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bytes] = []
    real = request_module.url_decode

    def counting(query: Any, *args: Any) -> Any:
        calls.append(query)
        return real(query, *args)

    monkeypatch.setattr(request_module, "url_decode", counting)
    # Garbage everywhere: building the request must not look at any of it.
    r = make(
        "POST",
        query=b"a=1",
        headers={"Host": "bad host/", "Content-Type": "application/json", "Content-Length": "x"},
        body=b"{not json",
    )
    assert calls == []
    assert r.args["a"] == "1"
    assert r.args is r.args
    assert calls == [b"a=1"]


def test_code_may_set_its_own_attributes_as_on_werkzeugs() -> None:
    # Flask-RESTful's reqparse stores what it parsed on the request it gets,
    # which may be the toolkit's (Request.from_values in its tests).
    r = make()
    r.unparsed_arguments = {"a": "1"}  # type: ignore[attr-defined]
    assert r.unparsed_arguments == {"a": "1"}  # type: ignore[attr-defined]
    assert vars(r) == {"unparsed_arguments": {"a": "1"}}


def test_subclass_may_add_fields_with_or_without_slots() -> None:
    class Free(Request):
        pass

    class Slotted(Request):
        __slots__ = ("view_args",)

    free = make(cls=Free)
    free.url_rule = "x"  # type: ignore[attr-defined]
    slotted = make(cls=Slotted)
    slotted.view_args = {"id": 1}
    assert slotted.view_args == {"id": 1}
    # The slot holds it, not the instance dict.
    assert vars(slotted) == {}


def test_repr() -> None:
    r = make("POST", "/p", b"q=1", {"Host": "h.test"})
    assert repr(r) == "<Request 'http://h.test/p?q=1' [POST]>"
    bad = make(headers={"Host": "bad host"})
    assert repr(bad) == "<Request '(invalid URL)' [GET]>"


# -- URL parts -----------------------------------------------------------------


def test_url_parts_with_root_path() -> None:
    r = make("GET", "/page", b"a=1&b=2", {"Host": "example.com"}, root_path="/app")
    assert r.root_path == r.script_root == "/app"
    assert r.full_path == "/page?a=1&b=2"
    assert r.url == "http://example.com/app/page?a=1&b=2"
    assert r.base_url == "http://example.com/app/page"
    assert r.url_root == r.root_url == "http://example.com/app/"
    assert r.host_url == "http://example.com/"


def test_root_path_trailing_slash_stripped() -> None:
    r = make(path="/x", root_path="/app/", headers={"Host": "h"})
    assert r.root_path == "/app"
    assert r.base_url == "http://h/app/x"


def test_full_path_without_query_keeps_question_mark() -> None:
    # COMPAT(flask): Flask code (and Werkzeug) expect the trailing "?".
    assert make(path="/x").full_path == "/x?"


def test_url_is_an_iri() -> None:
    r = make(
        path="/föö/a b/100%",
        query=b"q=%C3%A4&x=a%26b&z=%2F&w=%FF&v=\xc3\xa4 c",
        headers={"Host": "example.com"},
        root_path="/app x",
    )
    assert r.path == "/föö/a b/100%"
    assert r.base_url == "http://example.com/app%20x/föö/a%20b/100%25"
    # Non-ASCII shown decoded; in the query, as Werkzeug, escapes of "&=+#",
    # space and undecodable bytes are kept, others ("/") decoded.
    assert r.url == "http://example.com/app%20x/föö/a%20b/100%25?q=ä&x=a%26b&z=/&w=%FF&v=ä%20c"
    assert r.full_path == "/föö/a b/100%?q=%C3%A4&x=a%26b&z=%2F&w=%FF&v=ä c"


def test_path_question_mark_and_hash_are_escaped_in_url() -> None:
    r = make(path="/a?b#c", headers={"Host": "h"})
    assert r.base_url == "http://h/a%3Fb%23c"


def test_path_without_leading_slash_gets_one() -> None:
    assert make(path="x").path == "/x"
    assert make(path="//double").path == "//double"


def test_scheme_and_is_secure() -> None:
    assert make(scheme="https").is_secure is True
    assert make(scheme="wss").is_secure is True
    assert make(scheme="http").is_secure is False


# -- host --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "header", "server", "expected"),
    [
        ("http", "example.com", ("ignored", 80), "example.com"),
        ("http", "example.com:80", None, "example.com"),
        ("https", "example.com:443", None, "example.com"),
        ("https", "example.com:80", None, "example.com:80"),
        ("http", "example.com:8080", None, "example.com:8080"),
        ("http", None, ("srv.local", 80), "srv.local"),
        ("http", None, ("srv.local", 5000), "srv.local:5000"),
        ("https", None, ("srv.local", 443), "srv.local"),
        ("http", None, ("::1", 8080), "[::1]:8080"),
        ("http", "[::1]:8080", None, "[::1]:8080"),
        ("http", None, ("/tmp/app.sock", None), ""),
        ("http", None, None, ""),
        ("http", "", ("srv", 81), "srv:81"),
        ("http", "my_service:8000", None, "my_service:8000"),
    ],
)
def test_host(
    scheme: str, header: str | None, server: tuple[str, int | None] | None, expected: str
) -> None:
    headers = {} if header is None else {"Host": header}
    r = make(scheme=scheme, headers=headers, server=server)
    assert r.host == expected


@pytest.mark.parametrize(
    "bad", ["evil.com/path", "a b", "user@evil.com", "h\tx", "exa mple.com:80", "é.com", "h:abc"]
)
def test_invalid_host_is_a_400(bad: str) -> None:
    r = make(headers=[("Host", bad)])
    with pytest.raises(SecurityError) as info:
        _ = r.host
    assert info.value.code == 400
    assert "not a valid host name" in str(info.value.description)
    with pytest.raises(SecurityError):
        _ = r.url


def test_trusted_hosts() -> None:
    class R(Request):
        trusted_hosts = ["example.com", ".example.org"]

    assert make(headers={"Host": "example.com:8080"}, cls=R).host == "example.com:8080"
    assert make(headers={"Host": "EXAMPLE.com"}, cls=R).host == "EXAMPLE.com"
    assert make(headers={"Host": "a.b.example.org"}, cls=R).host == "a.b.example.org"
    assert make(headers={"Host": "example.org"}, cls=R).host == "example.org"
    for untrusted in ("evil.com", "notexample.com", "example.com.evil.com", "xexample.org"):
        with pytest.raises(SecurityError, match="not trusted"):
            _ = make(headers={"Host": untrusted}, cls=R).host
    with pytest.raises(SecurityError):
        _ = make(headers={}, server=None, cls=R).host


def test_trusted_hosts_as_a_property() -> None:
    class R(Request):
        @property
        def trusted_hosts(self) -> list[str]:  # type: ignore[override]
            return ["ok.test"]

    assert make(headers={"Host": "ok.test"}, cls=R).host == "ok.test"
    with pytest.raises(SecurityError):
        _ = make(headers={"Host": "no.test"}, cls=R).host


def test_trusted_idna_host() -> None:
    class R(Request):
        trusted_hosts = ["bücher.example"]

    assert make(headers={"Host": "xn--bcher-kva.example"}, cls=R).host == "xn--bcher-kva.example"


# -- query string ------------------------------------------------------------------


def test_args_duplicates_blank_and_order() -> None:
    r = make(query=b"a=1&b=&a=2&c&=x&&d=4")
    assert r.args.getlist("a") == ["1", "2"]
    assert r.args["a"] == "1"
    assert r.args["b"] == ""
    assert r.args["c"] == ""
    assert r.args[""] == "x"
    # As Werkzeug's MultiDict: keys in first-seen order, each key's values together.
    assert list(r.args.items(multi=True)) == [
        ("a", "1"),
        ("a", "2"),
        ("b", ""),
        ("c", ""),
        ("", "x"),
        ("d", "4"),
    ]


def test_args_plus_and_escapes() -> None:
    r = make(query=b"q=a+b&p=a%2Bb&s=%2Fetc%2Fpasswd&amp=x%26y&u=%C3%A4&bad=%FF")
    assert r.args["q"] == "a b"
    assert r.args["p"] == "a+b"
    assert r.args["s"] == "/etc/passwd"
    assert r.args["amp"] == "x&y"
    assert r.args["u"] == "ä"
    assert r.args["bad"] == "\ufffd"


def test_args_get_with_type_as_in_the_notes() -> None:
    r = make(query=b"name=Ann&age=x")
    assert r.args.get("name", "Anonymous") == "Ann"
    assert r.args.get("age", 0, type=int) == 0
    assert make(query=b"age=31").args.get("age", 0, type=int) == 31
    assert make().args.get("name", "Anonymous") == "Anonymous"


def test_args_missing_key_is_400() -> None:
    with pytest.raises(BadRequest) as info:
        make().args["missing"]
    assert isinstance(info.value, KeyError)
    assert info.value.code == 400


def test_args_are_immutable() -> None:
    with pytest.raises(TypeError):
        make(query=b"a=1").args["a"] = "2"  # type: ignore[index]


def test_empty_query() -> None:
    r = make()
    assert len(r.args) == 0
    assert r.url == "http://localhost/"


# -- form and files ----------------------------------------------------------------


def test_urlencoded_form() -> None:
    body = b"username=ann&password=s%26cret&tag=a&tag=b+c"
    r = make("POST", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.form.get("username") == "ann"
    assert r.form.get("password") == "s&cret"
    assert r.form.getlist("tag") == ["a", "b c"]
    assert len(r.files) == 0
    # The body went to the form: data is empty, as in Werkzeug.
    assert r.data == b""


def test_urlencoded_form_with_uppercase_mimetype_and_charset() -> None:
    r = make(
        "POST",
        body=b"a=1",
        headers={"Content-Type": "Application/X-WWW-Form-Urlencoded; charset=UTF-8"},
    )
    assert r.form["a"] == "1"


def test_multipart_form_and_files() -> None:
    from erlen.http.datastructures import FileStorage

    upload = FileStorage(io.BytesIO(b"file body"), filename="a.txt", content_type="text/plain")
    r = form_request([("title", "hello"), ("file", upload)])
    assert r.form["title"] == "hello"
    assert "file" in r.files
    f = r.files["file"]
    assert f.filename == "a.txt"
    assert f.read() == b"file body"
    assert "file" not in r.form


def test_files_empty_for_non_multipart() -> None:
    r = make("POST", body=b"{}", headers={"Content-Type": "application/json"})
    assert len(r.files) == 0
    assert len(r.form) == 0
    # Reading form did not consume a JSON body.
    assert r.get_json() == {}


def test_form_without_content_type_is_empty_and_body_kept() -> None:
    r = make("POST", body=b"a=1")
    assert r.want_form_data_parsed is False
    assert len(r.form) == 0
    assert r.get_data() == b"a=1"


def test_form_after_get_data_uses_cached_body() -> None:
    r = make("POST", body=b"a=1&b=2", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.get_data() == b"a=1&b=2"
    assert r.form.to_dict() == {"a": "1", "b": "2"}
    assert r.data == b"a=1&b=2"


def test_get_data_with_parse_form_data() -> None:
    r = make("POST", body=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.get_data(parse_form_data=True) == b""
    assert r.form["a"] == "1"


def test_values_for_get_only_has_args() -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    get = make("GET", query=b"a=q", body=b"a=f&b=f", headers=headers)
    assert get.values.getlist("a") == ["q"]
    assert "b" not in get.values
    post = make("POST", query=b"a=q", body=b"a=f&b=f", headers=headers)
    assert post.values.getlist("a") == ["q", "f"]
    assert post.values["a"] == "q"
    assert post.values["b"] == "f"
    assert post.values is post.values


def test_form_memory_limit_is_413() -> None:
    class Small(Request):
        max_form_memory_size = 10

    r = make(
        "POST",
        body=b"a=" + b"x" * 100,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        cls=Small,
    )
    with pytest.raises(RequestEntityTooLarge):
        _ = r.form


def test_form_parts_limit_is_413() -> None:
    class Few(Request):
        max_form_parts = 3

    r = form_request([(f"f{i}", "v") for i in range(10)], cls=Few)
    with pytest.raises(RequestEntityTooLarge):
        _ = r.form


def test_malformed_multipart_is_400() -> None:
    r = make(
        "POST",
        body=b"--xyz\r\nContent-Disposition: form-data; name=a\r\n\r\nunterminated",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    with pytest.raises(BadRequest) as info:
        _ = r.form
    assert info.value.code == 400


def test_multipart_without_boundary_is_400() -> None:
    r = make("POST", body=b"x", headers={"Content-Type": "multipart/form-data"})
    with pytest.raises(BadRequest):
        _ = r.files


def test_close_closes_uploaded_files() -> None:
    from erlen.http.datastructures import FileStorage

    r = form_request([("f", FileStorage(io.BytesIO(b"abc"), filename="x.bin"))])
    with r:
        stream = r.files["f"].stream
        assert not stream.closed
    assert stream.closed


def test_close_without_parsed_form_is_harmless() -> None:
    r = make("POST", body=b"abc")
    r.close()
    assert r.get_data() == b"abc"


# -- body and stream ---------------------------------------------------------------


def test_get_data_cache_and_text() -> None:
    r = make("POST", body=b"hello")
    assert r.get_data() == b"hello"
    assert r.get_data() == b"hello"
    assert r.get_data(as_text=True) == "hello"
    assert r.data == b"hello"


def test_get_data_without_cache_consumes() -> None:
    r = make("POST", body=b"hello")
    assert r.get_data(cache=False) == b"hello"
    assert r.get_data(cache=False) == b""


def test_non_utf8_body_as_text_is_replaced() -> None:
    r = make("POST", body=b"caf\xe9 \xff\xfe ok")
    assert r.get_data(as_text=True) == "caf\ufffd \ufffd\ufffd ok"


def test_stream_is_limited_to_content_length() -> None:
    h = Headers({"Content-Length": "5"})
    r = Request("POST", "http", None, "", "/", b"", h, None, io.BytesIO(b"12345EXTRA"))
    assert r.stream.read() == b"12345"
    assert r.stream.read() == b""
    assert r.stream.read(10) == b""


def test_stream_read_in_pieces_and_readline() -> None:
    r = make("POST", body=b"line1\nline2\nrest")
    s = r.stream
    assert s.readline() == b"line1\n"
    assert s.read(3) == b"lin"
    assert s.readline() == b"e2\n"
    assert list(s) == [b"rest"]
    assert s.tell() == 16


def test_stream_readinto() -> None:
    r = make("POST", body=b"abcdef")
    buf = bytearray(4)
    assert r.stream.readinto(buf) == 4
    assert bytes(buf) == b"abcd"


class Trickle(io.RawIOBase):
    """A socket-like input that returns at most 3 bytes per read."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._data.read(3 if size is None or size < 0 else min(size, 3))


def test_body_arriving_in_small_pieces() -> None:
    h = Headers({"Content-Length": "10"})
    r = Request("POST", "http", None, "", "/", b"", h, None, Trickle(b"0123456789tail"))
    assert r.get_data() == b"0123456789"
    assert r.stream.read() == b""
    h = Headers({"Content-Length": "10"})
    r = Request("POST", "http", None, "", "/", b"", h, None, Trickle(b"0123456789tail"))
    assert r.stream.read(5) == b"012"  # a sized read returns what one input read gave
    assert r.stream.read() == b"3456789"  # read() collects up to Content-Length
    assert r.stream.read() == b""


def test_stream_is_consumed_after_get_data() -> None:
    r = make("POST", body=b"abc")
    assert r.get_data(cache=False) == b"abc"
    assert r.stream.read() == b""
    assert r.get_data() == b""


def test_no_content_length_reads_empty() -> None:
    r = make("POST", body=b"endless", set_length=False)
    assert r.content_length is None
    assert r.get_data() == b""


def test_chunked_without_terminated_input_reads_empty() -> None:
    r = make("POST", body=b"data", headers={"Transfer-Encoding": "chunked"}, set_length=False)
    assert r.content_length is None
    assert r.get_data() == b""


def test_terminated_input_without_length_is_read_to_end() -> None:
    r = make("POST", body=b"streamed body", set_length=False, input_terminated=True)
    assert r.input_terminated is True
    assert r.get_data() == b"streamed body"


def test_terminated_input_from_environ() -> None:
    r = make(
        "POST",
        body=b"abc",
        set_length=False,
        environ={"wsgi.input_terminated": True},
    )
    assert r.input_terminated is True
    assert r.get_data() == b"abc"


def test_terminated_input_with_max_content_length_raises_while_reading() -> None:
    class R(Request):
        max_content_length = 10

    r = make("POST", body=b"x" * 11, set_length=False, input_terminated=True, cls=R)
    stream = r.stream  # no length known up front: nothing raised yet
    with pytest.raises(RequestEntityTooLarge):
        stream.read()
    ok = make("POST", body=b"x" * 10, set_length=False, input_terminated=True, cls=R)
    assert ok.get_data() == b"x" * 10


def test_content_length_over_max_is_413_when_read() -> None:
    class R(Request):
        max_content_length = 4

    r = make("POST", body=b"12345", cls=R)
    assert r.content_length == 5  # reading headers is fine
    with pytest.raises(RequestEntityTooLarge) as info:
        r.get_data()
    assert info.value.code == 413
    assert "5 bytes" in str(info.value.description)
    with pytest.raises(RequestEntityTooLarge):
        _ = make(
            "POST",
            body=b"a=12345",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            cls=R,
        ).form
    assert make("POST", body=b"1234", cls=R).get_data() == b"1234"


def test_max_content_length_as_a_property() -> None:
    class R(Request):
        @property
        def max_content_length(self) -> int | None:  # type: ignore[override]
            return 2

    with pytest.raises(RequestEntityTooLarge):
        make("POST", body=b"abc", cls=R).get_data()


def test_truncated_body_is_client_disconnected() -> None:
    h = Headers({"Content-Length": "10"})
    r = Request("POST", "http", None, "", "/", b"", h, None, io.BytesIO(b"short"))
    with pytest.raises(ClientDisconnected) as info:
        r.get_data()
    assert info.value.code == 400


def test_no_stream_at_all() -> None:
    r = make("POST", headers={"Content-Length": "3"})
    assert r.get_data() == b""
    assert r.input_stream is None


def test_input_stream_is_raw() -> None:
    raw = io.BytesIO(b"abc")
    r = Request("POST", "http", None, "", "/", b"", Headers(), None, raw)
    assert r.input_stream is raw


# -- JSON ------------------------------------------------------------------------


def test_json_as_in_the_notes() -> None:
    r = make(
        "POST", body=b'{"name": "Ann", "age": 31}', headers={"Content-Type": "application/json"}
    )
    data = r.get_json()
    assert f"Received data: {data['name']}, {data['age']}" == "Received data: Ann, 31"
    assert r.json == data
    assert r.is_json


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/vnd.api+json",
        "application/problem+json",
    ],
)
def test_is_json(content_type: str) -> None:
    r = make("POST", body=b"[1]", headers={"Content-Type": content_type})
    assert r.is_json
    assert r.get_json() == [1]


@pytest.mark.parametrize("content_type", ["text/plain", "application/jsonx", "text/x+json", ""])
def test_not_json_is_415(content_type: str) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    r = make("POST", body=b"[1]", headers=headers)
    assert not r.is_json
    with pytest.raises(UnsupportedMediaType) as info:
        r.get_json()
    assert info.value.code == 415
    with pytest.raises(UnsupportedMediaType):
        _ = r.json
    assert r.get_json(silent=True) is None
    assert r.get_json(force=True) == [1]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{not json", "Expecting property name"),
        (b"", "Expecting value"),
        (b'{"a": 1,}', "Expecting property name"),
        (b'{"a": "\xff"}', "utf-8"),
        (b"[1] trailing", "Extra data"),
    ],
)
def test_malformed_json_is_400_naming_the_problem(body: bytes, needle: str) -> None:
    r = make("POST", body=body, headers={"Content-Type": "application/json"})
    with pytest.raises(BadRequest) as info:
        r.get_json()
    assert info.value.code == 400
    assert not isinstance(info.value, UnsupportedMediaType)
    assert "Failed to decode JSON object" in str(info.value.description)
    assert needle in str(info.value.description)
    assert r.get_json(silent=True) is None


def test_json_cache() -> None:
    r = make("POST", body=b'{"a": [1]}', headers={"Content-Type": "application/json"})
    first = r.get_json()
    assert r.get_json() is first
    assert r.get_json(silent=True) is first


def test_json_no_cache_reparses_from_cached_body() -> None:
    r = make("POST", body=b'{"a": 1}', headers={"Content-Type": "application/json"})
    r.get_data()
    first = r.get_json(cache=False)
    second = r.get_json(cache=False)
    assert first == second == {"a": 1}
    assert first is not second


def test_json_silent_failure_cached_separately() -> None:
    r = make("POST", body=b"{", headers={"Content-Type": "application/json"})
    assert r.get_json(silent=True) is None
    with pytest.raises(BadRequest):
        r.get_json()


def test_on_json_loading_failed_hook() -> None:
    class R(Request):
        def on_json_loading_failed(self, e: ValueError | None) -> Any:
            return {"error": "kind" if e is None else "parse"}

    assert make("POST", body=b"{", headers={"Content-Type": "application/json"}, cls=R).json == {
        "error": "parse"
    }
    assert make("POST", body=b"{}", headers={"Content-Type": "text/plain"}, cls=R).json == {
        "error": "kind"
    }


def test_json_module_override() -> None:
    class Loader:
        @staticmethod
        def loads(data: bytes) -> Any:
            return ("custom", data)

    class R(Request):
        json_module = Loader

    r = make("POST", body=b"x", headers={"Content-Type": "application/json"}, cls=R)
    assert r.get_json() == ("custom", b"x")


def test_json_exceptions_render_as_http_errors() -> None:
    r = make("POST", body=b"{", headers={"Content-Type": "application/json"})
    with pytest.raises(HTTPException) as info:
        r.json  # noqa: B018
    assert info.value.get_response().status_code == 400


# -- headers -----------------------------------------------------------------------


def test_content_type_mimetype_params() -> None:
    r = make(headers={"Content-Type": "Text/HTML; Charset=latin-1; q=x"})
    assert r.content_type == "Text/HTML; Charset=latin-1; q=x"
    assert r.mimetype == "text/html"
    assert r.mimetype_params == {"charset": "latin-1", "q": "x"}
    r.mimetype_params["new"] = "1"  # a copy: the request is not changed
    assert "new" not in r.mimetype_params


def test_missing_content_type() -> None:
    r = make()
    assert r.content_type is None
    assert r.mimetype == ""
    assert r.mimetype_params == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), (" 7 ", 7), ("0", 0), ("abc", None), ("-1", None), ("+5", None), ("1_0", None)],
)
def test_content_length(value: str, expected: int | None) -> None:
    assert make(headers={"Content-Length": value}).content_length == expected


def test_invalid_content_length_reads_empty() -> None:
    r = make("POST", body=b"abc", headers={"Content-Length": "three"})
    assert r.content_length is None
    assert r.get_data() == b""


def test_content_length_ignored_when_chunked() -> None:
    r = make(headers={"Content-Length": "5", "Transfer-Encoding": "gzip, chunked"})
    assert r.content_length is None


def test_simple_headers() -> None:
    r = make(
        headers={
            "Referer": "http://ref.test/",
            "Origin": "https://o.test",
            "Content-Encoding": "gzip",
            "Max-Forwards": "3",
            "Pragma": "no-cache",
        }
    )
    assert r.referrer == "http://ref.test/"
    assert r.origin == "https://o.test"
    assert r.content_encoding == "gzip"
    assert r.max_forwards == 3
    assert "no-cache" in r.pragma
    bare = make()
    assert (bare.referrer, bare.origin, bare.content_encoding, bare.max_forwards) == (
        None,
        None,
        None,
        None,
    )
    assert not bare.pragma


def test_user_agent_as_in_the_notes() -> None:
    ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"
    r = make(headers={"User-Agent": ua})
    assert r.headers.get("User-Agent") == ua
    assert r.user_agent.string == ua
    assert str(r.user_agent) == ua
    assert r.user_agent is r.user_agent
    assert not make().user_agent


def test_headers_case_insensitive() -> None:
    r = make(headers=[("x-custom", "1"), ("X-Custom", "2")])
    assert r.headers["X-CUSTOM"] == "1"
    assert r.headers.getlist("x-custom") == ["1", "2"]


def test_remote_addr_and_access_route() -> None:
    r = make(headers={"X-Forwarded-For": "1.1.1.1, 2.2.2.2,, 3.3.3.3 "}, remote_addr="9.9.9.9")
    assert r.remote_addr == "9.9.9.9"
    assert r.access_route == ["1.1.1.1", "2.2.2.2", "3.3.3.3"]
    assert make(remote_addr="9.9.9.9").access_route == ["9.9.9.9"]
    assert make(remote_addr=None).access_route == []


def test_cookies_as_in_the_notes() -> None:
    r = make(headers={"Cookie": 'username=ann; theme="dark mode"; empty=; dup=1; dup=2'})
    assert r.cookies.get("username") == "ann"
    assert r.cookies["theme"] == "dark mode"
    assert r.cookies["empty"] == ""
    assert r.cookies.getlist("dup") == ["1", "2"]
    assert r.cookies is r.cookies
    assert make().cookies.get("username") is None


def test_cookies_from_several_headers() -> None:
    r = make(headers=[("Cookie", "a=1"), ("Cookie", "b=2")])
    assert r.cookies.to_dict() == {"a": "1", "b": "2"}


def test_accept_headers() -> None:
    r = make(
        headers={
            "Accept": "text/html;q=0.9, application/json",
            "Accept-Language": "de-CH, en;q=0.5",
            "Accept-Charset": "utf-8, iso-8859-1;q=0.2",
            "Accept-Encoding": "gzip, br;q=0.8",
        }
    )
    assert r.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    assert r.accept_mimetypes.quality("text/html") == 0.9
    assert r.accept_languages.best == "de-CH"
    assert r.accept_charsets.quality("iso-8859-1") == 0.2
    assert r.accept_encodings.best_match(["br", "gzip"]) == "gzip"
    assert r.accept_mimetypes is r.accept_mimetypes


def test_missing_accept_headers_are_empty() -> None:
    # COMPAT(flask): without Accept there is no best match; callers pass a default.
    r = make()
    assert not r.accept_mimetypes
    assert r.accept_mimetypes.best_match(["text/html"]) is None
    assert r.accept_mimetypes.best_match(["text/html"], default="text/html") == "text/html"
    assert not r.accept_languages


def test_cache_control() -> None:
    r = make(headers={"Cache-Control": "no-cache, max-age=60"})
    assert r.cache_control.no_cache
    assert r.cache_control.max_age == 60
    assert make().cache_control.max_age is None


@pytest.mark.parametrize("digits", [5000, 30])
def test_numeric_request_headers_too_long_to_convert_are_absent(digits: int) -> None:
    number = "7" * digits
    r = make(
        headers={
            "Cache-Control": f"max-age={number}, min-fresh={number}",
            "Max-Forwards": number,
            "Content-Length": number,
        }
    )
    # Past int()'s digit limit the value is malformed (None), not a 500;
    # below it the number comes back exactly.
    expected = int(number) if digits < 4300 else None
    assert r.cache_control.max_age == expected
    assert r.cache_control.min_fresh == expected
    assert r.max_forwards == expected
    assert r.content_length == expected


def test_etag_headers() -> None:
    r = make(headers={"If-Match": '"a", W/"b"', "If-None-Match": "*"})
    assert "a" in r.if_match
    assert r.if_match.contains_weak("b")
    assert "b" not in r.if_match
    assert r.if_none_match.star_tag
    assert not make().if_match


def test_date_headers() -> None:
    r = make(
        headers={
            "If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT",
            "If-Unmodified-Since": "Mon, 07 Nov 1994 08:49:37 GMT",
            "Date": "Tue, 08 Nov 1994 08:49:37 GMT",
        }
    )
    assert r.if_modified_since == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert r.if_unmodified_since == datetime(1994, 11, 7, 8, 49, 37, tzinfo=UTC)
    assert r.date == datetime(1994, 11, 8, 8, 49, 37, tzinfo=UTC)
    assert make(headers={"If-Modified-Since": "garbage"}).if_modified_since is None
    assert make().date is None


def test_range_and_if_range() -> None:
    r = make(headers={"Range": "bytes=0-99", "If-Range": '"abc"'})
    assert r.range is not None
    assert r.range.units == "bytes"
    assert r.range.range_for_length(1000) == (0, 100)
    assert r.if_range.etag == "abc"
    dated = make(headers={"If-Range": "Sun, 06 Nov 1994 08:49:37 GMT"})
    assert dated.if_range.date == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert make(headers={"Range": "bytes=oops"}).range is None
    assert make().range is None


def test_authorization_basic_and_bearer() -> None:
    basic = make(headers={"Authorization": "Basic dXNlcjpwYXNzOndvcmQ="})
    assert basic.authorization is not None
    assert basic.authorization.type == "basic"
    assert basic.authorization.username == "user"
    assert basic.authorization.password == "pass:word"
    bearer = make(headers={"Authorization": "Bearer abc.def"})
    assert bearer.authorization is not None
    assert bearer.authorization.type == "bearer"
    assert bearer.authorization.token == "abc.def"
    assert make().authorization is None
    assert make(headers={"Authorization": "Basic !!!"}).authorization is None


# -- environ -----------------------------------------------------------------------


def test_environ_given_is_returned() -> None:
    env = {"REQUEST_METHOD": "GET", "custom": 1}
    assert make(environ=env).environ is env


def test_environ_emulated_when_missing() -> None:
    r = make(
        "PUT",
        "/ä",
        b"a=1",
        [("Host", "h.test"), ("Content-Type", "text/plain"), ("X-A", "1"), ("X-A", "2")],
        body=b"abc",
        root_path="/app",
        server=("srv", 8080),
    )
    env = r.environ
    assert env["REQUEST_METHOD"] == "PUT"
    assert env["SCRIPT_NAME"] == "/app"
    assert env["PATH_INFO"] == "/ä".encode().decode("latin-1")
    assert env["QUERY_STRING"] == "a=1"
    assert env["SERVER_NAME"] == "srv"
    assert env["SERVER_PORT"] == "8080"
    assert env["wsgi.url_scheme"] == "http"
    assert env["HTTP_HOST"] == "h.test"
    assert env["CONTENT_TYPE"] == "text/plain"
    assert env["CONTENT_LENGTH"] == "3"
    assert env["HTTP_X_A"] == "1,2"
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert r.environ is env


# -- compared with Werkzeug ---------------------------------------------------------


@pytest.mark.parametrize(
    ("scheme", "host", "root", "path", "query"),
    [
        ("http", "example.com", "", "/", ""),
        ("https", "example.com:443", "/app", "/a/b", "x=1&y=2"),
        ("http", "localhost:5000", "/app", "/page/", "q=a+b&r=%2F"),
        ("https", "example.org:8443", "", "/x", "a=&a=1&&b"),
        (
            "http",
            "example.com",
            "",
            "/bar",
            "next=http%3A%2F%2Fh%2F%3Fn%3D%2Fb%23m%3Dh%26x%2By%20%C3%A4",
        ),
    ],
)
def test_url_parts_match_werkzeug(scheme: str, host: str, root: str, path: str, query: str) -> None:
    test = pytest.importorskip("werkzeug.test")
    wrappers = pytest.importorskip("werkzeug.wrappers")
    env = test.EnvironBuilder(
        path=path, base_url=f"{scheme}://{host}{root}", query_string=query
    ).get_environ()
    theirs = wrappers.Request(env)
    ours = make(
        path=path,
        query=query.encode(),
        headers={"Host": host},
        scheme=scheme,
        root_path=root,
    )
    for attr in (
        "url",
        "host",
        "host_url",
        "root_url",
        "url_root",
        "base_url",
        "full_path",
        "script_root",
    ):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert list(ours.args.items(multi=True)) == list(theirs.args.items(multi=True))


# -- Werkzeug's remaining names ------------------------------------------------------


def test_wsgi_server_flags_come_from_the_environ() -> None:
    environ = {"wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": 1}
    r = make(environ=environ)
    assert (r.is_multithread, r.is_multiprocess, r.is_run_once) == (True, False, True)
    # Without an environ (ASGI) or without the keys: False, and no environ is built.
    bare = make()
    assert (bare.is_multithread, bare.is_multiprocess, bare.is_run_once) == (False, False, False)
    assert bare._environ is None
    empty = make(environ={})
    assert (empty.is_multithread, empty.is_multiprocess, empty.is_run_once) == (False,) * 3


def test_content_md5() -> None:
    assert make(headers={"Content-MD5": "Q2hlY2sgSW50ZWdyaXR5IQ=="}).content_md5 == (
        "Q2hlY2sgSW50ZWdyaXR5IQ=="
    )
    assert make().content_md5 is None


def test_storage_classes_have_werkzeugs_names_and_are_used() -> None:
    from erlen.http.datastructures import ImmutableMultiDict, MultiDict

    assert Request.parameter_storage_class is ImmutableMultiDict
    assert Request.dict_storage_class is ImmutableMultiDict

    class Mutable(Request):
        parameter_storage_class = MultiDict  # type: ignore[assignment]
        dict_storage_class = MultiDict  # type: ignore[assignment]
        list_storage_class = list

    r = make(
        query=b"a=1", headers={"Cookie": "c=1; c=2", "X-Forwarded-For": "1.1.1.1"}, cls=Mutable
    )
    assert type(r.args) is MultiDict and type(r.cookies) is MultiDict
    assert r.cookies.getlist("c") == ["1", "2"]
    r.cookies.add("d", "3")
    route = r.access_route
    assert type(route) is list
    route.append("x")


def test_access_route_is_immutable_by_default() -> None:
    route = make(headers={"X-Forwarded-For": "1.1.1.1, 2.2.2.2"}).access_route
    assert route == ["1.1.1.1", "2.2.2.2"]
    assert isinstance(route, list) and isinstance(route, Request.list_storage_class)
    for change in (
        lambda: route.append("3.3.3.3"),
        lambda: route.__setitem__(0, "x"),
        lambda: route.sort(),
        lambda: route.clear(),
    ):
        with pytest.raises(TypeError, match="immutable"):
            change()
    assert route == ["1.1.1.1", "2.2.2.2"]
    assert hash(route) == hash(("1.1.1.1", "2.2.2.2"))
    assert make(remote_addr="9.9.9.9").access_route == ["9.9.9.9"]
    assert type(make(remote_addr=None).access_route) is Request.list_storage_class


def test_host_cache_keeps_validation_and_trust_per_request() -> None:
    class Trusting(Request):
        trusted_hosts = ["good.test"]

    request_module._HOST_CACHE.clear()
    # Cached for the plain class, still refused for a class that trusts less.
    assert make(headers={"Host": "other.test"}).host == "other.test"
    assert ("other.test", ("localhost", 80), "http") in request_module._HOST_CACHE
    with pytest.raises(SecurityError, match="not trusted"):
        _ = make(headers={"Host": "other.test"}, cls=Trusting).host
    assert make(headers={"Host": "good.test"}, cls=Trusting).host == "good.test"
    # An invalid host is never cached: every request gets its 400.
    for _ in range(2):
        with pytest.raises(SecurityError, match="not a valid host name"):
            _ = make(headers={"Host": "bad host"}).host
    assert all(key[0] != "bad host" for key in request_module._HOST_CACHE)
    # The same header under another scheme or server gives its own answer.
    assert make(scheme="https", headers={"Host": "x.test:443"}).host == "x.test"
    assert make(scheme="http", headers={"Host": "x.test:443"}).host == "x.test:443"


def test_host_cache_is_bounded() -> None:
    request_module._HOST_CACHE.clear()
    for i in range(request_module._HOST_CACHE_SIZE * 3):
        assert make(headers={"Host": f"h{i}.test"}).host == f"h{i}.test"
        assert len(request_module._HOST_CACHE) <= request_module._HOST_CACHE_SIZE


def test_cors_preflight_request_properties() -> None:
    r = make(
        headers={
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "X-Token, content-type",
        }
    )
    assert r.access_control_request_method == "PUT"
    requested = r.access_control_request_headers
    assert requested is not None
    assert list(requested) == ["X-Token", "content-type"]
    assert "Content-Type" in requested
    bare = make()
    assert bare.access_control_request_method is None
    assert bare.access_control_request_headers is None


def test_remote_user_comes_from_the_environ() -> None:
    environ = {"REMOTE_USER": "bob"}
    r = Request("GET", "http", ("localhost", 80), "", "/", b"", Headers(), environ=environ)
    assert r.remote_user == "bob"
    assert make().remote_user is None
