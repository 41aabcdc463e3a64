"""Werkzeug usages the toolkit refused, now accepted: limits and ``stream``
set on one request, ``request.url``'s query shown as Werkzeug shows it, a
HeaderSet equal to a set, ``response.content_range`` changed in place, a
shallow request refusing its body, ``LocalProxy.__wrapped__`` of a bound
object, and ``Map.default_converters`` read-only."""

from __future__ import annotations

import io
from contextvars import ContextVar
from typing import Any

import pytest

from erlen.http.datastructures import ContentRange, Headers, HeaderSet, ImmutableDict
from erlen.http.exceptions import RequestEntityTooLarge, SecurityError
from erlen.http.request import Request
from erlen.http.response import Response
from erlen.local import LocalProxy
from erlen.routing import Map, Rule, UnicodeConverter
from erlen.wrappers import Request as AppRequest


def make(
    body: bytes = b"",
    content_type: str | None = "application/x-www-form-urlencoded",
    *,
    query: bytes = b"",
    length: bool = True,
    cls: type[Request] = Request,
) -> Request:
    headers = Headers({"Host": "example.com"})
    if content_type is not None:
        headers["Content-Type"] = content_type
    if length:
        headers["Content-Length"] = str(len(body))
    return cls("POST", "http", ("localhost", 80), "", "/p", query, headers, None, io.BytesIO(body))


# -- limits and stream set on one request ------------------------------------------


def test_limits_have_their_defaults_and_may_be_set_on_one_request() -> None:
    request, other = make(), make()
    assert (request.max_content_length, request.max_form_memory_size) == (None, 500_000)
    assert (request.max_form_parts, request.trusted_hosts) == (1_000, None)
    request.max_content_length = 4
    request.max_form_memory_size = 5
    request.max_form_parts = 6
    request.trusted_hosts = ["example.org"]
    assert (request.max_content_length, request.max_form_memory_size) == (4, 5)
    assert (request.max_form_parts, request.trusted_hosts) == (6, ["example.org"])
    # The other request, and the class, are unchanged.
    assert (other.max_content_length, other.max_form_parts, other.trusted_hosts) == (
        None,
        1_000,
        None,
    )
    # Slots hold them, not the instance dict.
    assert vars(request) == {}


def test_max_content_length_set_on_the_request_applies_to_its_body() -> None:
    request = make(b"foo=123456")
    request.max_content_length = 4
    with pytest.raises(RequestEntityTooLarge):
        request.form  # noqa: B018
    request = make(b"foo=1")
    request.max_content_length = 400
    assert request.form["foo"] == "1"
    request = make(b"0123456789", "application/octet-stream")
    request.max_content_length = 9
    with pytest.raises(RequestEntityTooLarge):
        request.get_data()


def test_form_limits_set_on_the_request_apply_to_its_form() -> None:
    body = b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\nHello World\r\n--x--\r\n"
    request = make(body, "multipart/form-data; boundary=x")
    request.max_form_memory_size = 7
    with pytest.raises(RequestEntityTooLarge):
        request.form  # noqa: B018
    request = make(b"a=1&b=2&c=3")
    request.max_form_parts = 2
    with pytest.raises(RequestEntityTooLarge):
        request.form  # noqa: B018


def test_trusted_hosts_set_on_the_request() -> None:
    request = make()
    request.trusted_hosts = ["example.com"]
    assert request.host == "example.com"
    request = make()
    request.trusted_hosts = [".example.org"]
    with pytest.raises(SecurityError):
        request.url  # noqa: B018


def test_a_subclass_overrides_the_defaults_as_class_attributes_or_properties() -> None:
    class Small(Request):
        max_content_length = 3

    class Computed(Request):
        @property
        def max_form_parts(self) -> int:  # type: ignore[override]
            return 1

    small = make(b"a=1234", cls=Small)
    assert small.max_content_length == 3
    assert small.max_form_parts == 1_000
    with pytest.raises(RequestEntityTooLarge):
        small.form  # noqa: B018
    small.max_content_length = 100  # a subclass without __slots__ has a __dict__
    assert make(b"a=1234", cls=Small).max_content_length == 3
    computed = make(b"a=1&b=2", cls=Computed)
    assert computed.max_content_length is None
    with pytest.raises(RequestEntityTooLarge):
        computed.form  # noqa: B018


def test_the_app_request_still_reads_its_limits_from_the_config_unless_set() -> None:
    from erlen import Erlen

    app = Erlen(__name__)
    app.config.update(MAX_CONTENT_LENGTH=10, MAX_FORM_PARTS=3)
    with app.test_request_context("/", method="POST", data={"a": "1"}):
        from erlen import request

        assert (request.max_content_length, request.max_form_parts) == (10, 3)
        request.max_content_length = 2
        assert request.max_content_length == 2
    request = make(cls=AppRequest)
    assert request.max_content_length is None
    request.max_form_parts = 5
    assert request.max_form_parts == 5


class Lowercasing:
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        return bytes(self._stream.read(size)).lower()

    def readline(self, size: int = -1) -> bytes:
        return bytes(self._stream.readline(size)).lower()


def test_stream_may_be_replaced_and_the_body_is_read_through_it() -> None:
    request = make(b"foo=Hello+World")
    request.stream = Lowercasing(request.stream)  # type: ignore[assignment]
    assert request.form["foo"] == "hello world"
    request = make(b"ABC", "application/octet-stream")
    request.stream = Lowercasing(request.stream)  # type: ignore[assignment]
    assert request.get_data() == b"abc"
    request = Request.from_values("/", method="POST", data=b"XY", content_type="text/plain")
    request.stream = Lowercasing(request.stream)  # type: ignore[assignment]
    assert request.data == b"xy"


# -- request.url's query -------------------------------------------------------------


def test_url_shows_the_query_with_only_its_meaningful_escapes() -> None:
    request = make(query=b"next=http%3A%2F%2Fh.test%2F%3Fa%3D1%26b%2Bc%23d%20e%25f%40g")
    assert request.url == "http://example.com/p?next=http://h.test/?a%3D1%26b%2Bc%23d%20e%25f@g"
    # full_path and args are unchanged.
    assert request.full_path == "/p?next=http%3A%2F%2Fh.test%2F%3Fa%3D1%26b%2Bc%23d%20e%25f%40g"
    assert request.args["next"] == "http://h.test/?a=1&b+c#d e%f@g"
    assert make(query=b"q=%C3%A4%FF").url == "http://example.com/p?q=ä%FF"


# -- HeaderSet == set ------------------------------------------------------------------


def test_a_header_set_equals_a_set_of_the_same_items() -> None:
    headers = HeaderSet(["X-A", "X-B"])
    assert headers == {"X-A", "X-B"}
    assert {"x-a", "x-b"} == headers  # ignoring case, as ``in`` does
    assert headers == frozenset({"X-B", "X-A"})
    assert headers != {"X-A"}
    assert headers != {"X-A", "X-B", "X-C"}
    assert headers != ["X-A", "X-B"]  # a list is not a set
    assert HeaderSet(["a"]) != {"A", "a"}
    request = Request.from_values(headers={"Access-Control-Request-Headers": "X-A, X-B"})
    assert request.access_control_request_headers == {"X-A", "X-B"}


# -- response.content_range changed in place -------------------------------------------


def test_content_range_changes_write_back_and_unset_removes_the_header() -> None:
    response = Response()
    response.content_range = ContentRange("bytes", 0, 500, 1000)
    assert response.headers["Content-Range"] == "bytes 0-499/1000"
    content_range = response.content_range
    assert content_range is not None
    content_range.stop = 100
    assert response.headers["Content-Range"] == "bytes 0-99/1000"
    content_range.unset()
    assert "Content-Range" not in response.headers
    assert response.content_range is None
    response.content_range = ContentRange(None, None, None)
    assert "Content-Range" not in response.headers


# -- a shallow request ---------------------------------------------------------------


def test_a_shallow_request_refuses_stream_data_and_form() -> None:
    import erlen.adapters.wsgi  # noqa: F401  (Request(environ) needs it)

    environ = {"QUERY_STRING": "foo=bar", "SERVER_NAME": "eggs", "SERVER_PORT": "80"}
    request = Request(environ, shallow=True)
    assert request.args["foo"] == "bar"
    for name in ("stream", "data", "form"):
        with pytest.raises(RuntimeError, match="shallow"):
            getattr(request, name)
    # Not shallow: an empty body.
    request = Request(dict(environ))
    assert (request.data, dict(request.form)) == (b"", {})


# -- LocalProxy.__wrapped__ ------------------------------------------------------------


def test_proxy_wrapped_is_the_bound_objects_own_else_the_target() -> None:
    def view() -> None: ...

    def decorated() -> None: ...

    decorated.__wrapped__ = view  # type: ignore[attr-defined]
    var: ContextVar[Any] = ContextVar("gap_var")
    proxy: LocalProxy[Any] = LocalProxy(var)
    assert proxy.__wrapped__ is var  # unbound: the target
    token = var.set(decorated)
    try:
        assert proxy.__wrapped__ is view
        var.set(42)
        with pytest.raises(AttributeError):
            proxy.__wrapped__  # noqa: B018
    finally:
        var.reset(token)


# -- Map.default_converters -------------------------------------------------------------


def test_default_converters_are_read_only_and_a_copy_extends_them() -> None:
    assert isinstance(Map.default_converters, ImmutableDict)
    with pytest.raises(TypeError):
        Map.default_converters["foo"] = UnicodeConverter  # type: ignore[index]

    class MyMap(Map):
        default_converters = dict(Map.default_converters, foo=UnicodeConverter)

    adapter = MyMap([Rule("/a/<foo:a>", endpoint="a")]).bind("example.org", "/")
    assert adapter.match("/a/1") == ("a", {"a": "1"})
    assert "foo" not in Map().converters
    copied = Map.default_converters.copy()  # type: ignore[attr-defined]
    copied["bar"] = UnicodeConverter
    assert "bar" not in Map.default_converters
