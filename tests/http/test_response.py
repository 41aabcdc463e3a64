"""erlen.http.response: Response and FileWrapper."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen.http.datastructures import Headers, WWWAuthenticate
from erlen.http.exceptions import RequestedRangeNotSatisfiable
from erlen.http.request import Request
from erlen.http.response import FileWrapper, Response, _wire_headers


def req(method: str = "GET", headers: dict[str, str] | None = None) -> Request:
    return Request(method, "http", ("localhost", 80), "", "/", b"", Headers(headers))


# -- body ------------------------------------------------------------------------


def test_defaults() -> None:
    r = Response()
    assert r.status == "200 OK"
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.mimetype == "text/plain"
    assert r.get_data() == b""
    assert r.response == []
    assert not r.is_streamed


def test_str_body_is_utf8_with_length() -> None:
    r = Response("héllo")
    assert r.get_data() == "héllo".encode()
    assert r.get_data(as_text=True) == "héllo"
    assert r.content_length == 6
    assert r.headers["Content-Length"] == "6"
    assert r.data == b"h\xc3\xa9llo"


def test_bytes_and_bytearray_body() -> None:
    assert Response(b"\x00\xff").get_data() == b"\x00\xff"
    assert Response(bytearray(b"ab")).get_data() == b"ab"


def test_list_of_mixed_chunks() -> None:
    r = Response(["a", b"b", "ç"])
    assert list(r.iter_encoded()) == [b"a", b"b", "ç".encode()]
    assert not r.is_streamed
    assert r.is_sequence
    assert "Content-Length" not in r.headers


def test_generator_body_is_streamed_and_consumed_once() -> None:
    calls = []

    def gen() -> Iterator[str]:
        calls.append(1)
        yield "a"
        yield "b"

    r = Response(gen())
    assert r.is_streamed
    assert not r.is_sequence
    assert r.get_data() == b"ab"
    assert r.get_data() == b"ab"
    assert r.data == b"ab"
    assert calls == [1]
    assert r.is_sequence


def test_generator_close_kept_after_buffering() -> None:
    closed = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"x"

        def close(self) -> None:
            closed.append(True)

    r = Response(Body())
    assert r.get_data() == b"x"
    r.close()
    assert closed == [True]


def test_set_data_and_data_setter() -> None:
    r = Response("old")
    r.set_data("new body")
    assert r.get_data() == b"new body"
    assert r.content_length == 8
    r.data = b"xy"
    assert r.response == [b"xy"]
    assert r.headers["Content-Length"] == "2"


def test_invalid_body_type() -> None:
    with pytest.raises(TypeError, match="str, bytes or an iterable"):
        Response(42)  # type: ignore[arg-type]


def test_non_utf8_body_as_text_is_replaced() -> None:
    assert Response(b"a\xffb").get_data(as_text=True) == "a\ufffdb"


def test_direct_passthrough_refuses_buffering() -> None:
    r = Response(iter([b"a"]), direct_passthrough=True)
    assert r.direct_passthrough
    with pytest.raises(RuntimeError, match="direct passthrough"):
        r.get_data()
    assert r.calculate_content_length() is None
    assert list(r.iter_encoded()) == [b"a"]


def test_implicit_sequence_conversion_off() -> None:
    class R(Response):
        implicit_sequence_conversion = False

    r = R(iter([b"a"]))
    with pytest.raises(RuntimeError, match="make_sequence"):
        r.get_data()
    r.make_sequence()
    assert r.get_data() == b"a"


def test_freeze() -> None:
    r = Response(iter(["ab", "c"]))
    r.freeze()
    assert r.response == [b"ab", b"c"]
    assert r.headers["Content-Length"] == "3"
    etag, weak = r.get_etag()
    assert etag is not None and weak is False


def test_repr() -> None:
    assert repr(Response("abc", 404)) == "<Response 3 bytes [404 NOT FOUND]>"
    assert repr(Response(iter([b"x"]))) == "<Response streamed [200 OK]>"


def test_json_for_tests() -> None:
    r = Response('{"a": [1, 2]}', mimetype="application/json")
    assert r.is_json
    assert r.json == {"a": [1, 2]}
    assert Response("{}").json is None
    assert Response("{}").get_json(force=True) == {}
    bad = Response("{", mimetype="application/json")
    with pytest.raises(ValueError):
        bad.get_json()
    assert bad.get_json(silent=True) is None
    assert Response("[]", mimetype="application/problem+json").json == []


# -- status ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "line", "code"),
    [
        (404, "404 NOT FOUND", 404),
        ("404", "404 NOT FOUND", 404),
        (" 201 ", "201 CREATED", 201),
        ("404 NOT FOUND", "404 NOT FOUND", 404),
        ("299 Custom", "299 Custom", 299),
        ("200 All Good Here", "200 All Good Here", 200),
        (599, "599 UNKNOWN", 599),
        (999, "999 UNKNOWN", 999),
        (100, "100 CONTINUE", 100),
        (HTTPStatus.IM_A_TEAPOT, "418 I'M A TEAPOT", 418),
        (207, "207 MULTI STATUS", 207),
    ],
)
def test_status(value: Any, line: str, code: int) -> None:
    r = Response(status=value)
    assert r.status == line
    assert r.status_code == code
    r2 = Response()
    r2.status = value
    assert (r2.status, r2.status_code) == (line, code)


def test_status_code_setter() -> None:
    r = Response()
    r.status_code = 404
    assert r.status == "404 NOT FOUND"
    r.status_code = 299
    assert r.status == "299 UNKNOWN"


@pytest.mark.parametrize(
    "bad", [0, 99, 1000, -1, "", "abc", "OK 200", "1000 Big", "200 OK\r\nX-Evil: 1", "20x"]
)
def test_invalid_status(bad: Any) -> None:
    with pytest.raises(ValueError):
        Response(status=bad)


def test_status_wrong_type() -> None:
    with pytest.raises(TypeError):
        Response(status=2.5)  # type: ignore[arg-type]


def test_default_status_and_mimetype_in_subclass() -> None:
    class Html(Response):
        default_mimetype = "text/html"
        default_status = 201

    r = Html("<p>")
    assert r.status == "201 CREATED"
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"


# -- headers, content type ----------------------------------------------------


def test_headers_from_dict_list_and_headers() -> None:
    r = Response(headers={"X-A": "1", "X-B": ["2", "3"]})
    assert r.headers.getlist("X-B") == ["2", "3"]
    r = Response(headers=[("X-A", "1"), ("X-A", "2")])
    assert r.headers.getlist("x-a") == ["1", "2"]
    given = Headers({"X-C": "c"})
    r = Response(headers=given)
    assert r.headers is given
    assert given["Content-Type"] == "text/plain; charset=utf-8"


def test_content_type_in_headers_is_kept() -> None:
    r = Response("x", headers={"Content-Type": "image/png"})
    assert r.headers.getlist("Content-Type") == ["image/png"]


@pytest.mark.parametrize(
    ("mimetype", "content_type"),
    [
        ("text/html", "text/html; charset=utf-8"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("application/javascript", "application/javascript; charset=utf-8"),
        ("application/xml", "application/xml; charset=utf-8"),
        ("image/svg+xml", "image/svg+xml; charset=utf-8"),
        ("application/json", "application/json"),
        ("image/png", "image/png"),
        ("application/octet-stream", "application/octet-stream"),
    ],
)
def test_mimetype_charset(mimetype: str, content_type: str) -> None:
    assert Response(mimetype=mimetype).headers["Content-Type"] == content_type
    r = Response()
    r.mimetype = mimetype
    assert r.content_type == content_type


def test_content_type_given_verbatim() -> None:
    r = Response(content_type="text/html; charset=latin-1", mimetype="ignored/x")
    assert r.content_type == "text/html; charset=latin-1"
    assert r.mimetype == "text/html"
    assert r.mimetype_params == {"charset": "latin-1"}
    r.content_type = None
    assert r.mimetype is None
    assert "Content-Type" not in r.headers


def test_mimetype_params_write_back() -> None:
    r = Response(mimetype="text/html")
    params = r.mimetype_params
    params["charset"] = "latin-1"
    assert r.headers["Content-Type"] == "text/html; charset=latin-1"
    del params["charset"]
    assert r.headers["Content-Type"] == "text/html"


def test_content_length_property() -> None:
    r = Response()
    r.content_length = 10
    assert r.headers["Content-Length"] == "10"
    assert r.content_length == 10
    r.content_length = None
    assert "Content-Length" not in r.headers
    r.headers["Content-Length"] = "bogus"
    assert r.content_length is None


def test_header_injection_refused() -> None:
    r = Response()
    with pytest.raises(ValueError):
        r.headers["X-A"] = "a\r\nSet-Cookie: evil=1"
    with pytest.raises(ValueError):
        r.location = "/next\r\nX: y"


def test_location_relative_kept() -> None:
    r = Response(status=302)
    r.location = "/login?next=%2F"
    assert r.headers["Location"] == "/login?next=%2F"
    assert r.location == "/login?next=%2F"
    assert Response.autocorrect_location_header is False
    r.location = None
    assert r.location is None


def test_header_set_properties_write_back() -> None:
    r = Response()
    r.vary.add("Accept-Encoding")
    r.vary.add("Cookie")
    assert r.headers["Vary"] == "Accept-Encoding, Cookie"
    r.allow = ["GET", "HEAD"]
    assert r.headers["Allow"] == "GET, HEAD"
    assert "head" in r.allow
    r.content_language.add("de")
    assert r.headers["Content-Language"] == "de"
    r.vary = None
    assert "Vary" not in r.headers
    allow = r.allow
    allow.clear()
    assert "Allow" not in r.headers


def test_cache_control_write_back() -> None:
    r = Response()
    r.cache_control.max_age = 3600
    r.cache_control.public = True
    assert r.cache_control.max_age == 3600
    header = r.headers["Cache-Control"]
    assert sorted(part.strip() for part in header.split(",")) == ["max-age=3600", "public"]
    r.cache_control.max_age = None
    r.cache_control.public = False
    assert "Cache-Control" not in r.headers


def test_date_properties() -> None:
    r = Response()
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    r.expires = when
    r.last_modified = when
    r.date = 0
    assert r.headers["Expires"] == "Tue, 02 Jan 2024 03:04:05 GMT"
    assert r.expires == when
    assert r.last_modified == when
    assert r.headers["Date"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    r.expires = None
    assert r.expires is None and "Expires" not in r.headers


def test_age_and_retry_after() -> None:
    r = Response()
    r.age = timedelta(seconds=90)
    assert r.headers["Age"] == "90"
    assert r.age == timedelta(seconds=90)
    r.age = 5
    assert r.age == timedelta(seconds=5)
    with pytest.raises(ValueError):
        r.age = -1
    r.retry_after = 120
    assert r.headers["Retry-After"] == "120"
    after = r.retry_after
    assert after is not None
    assert timedelta(seconds=100) < after - datetime.now(UTC) <= timedelta(seconds=120)
    when = datetime(2030, 1, 1, tzinfo=UTC)
    r.retry_after = when
    assert r.retry_after == when
    r.retry_after = None
    assert r.retry_after is None


@pytest.mark.parametrize("digits", [20, 5000])
def test_age_and_retry_after_beyond_what_a_datetime_holds_are_none(digits: int) -> None:
    # An upstream response relayed as is may carry any number: out of
    # timedelta's or datetime's range it reads as absent, not as an error.
    r = Response(headers={"Age": "9" * digits, "Retry-After": "9" * digits})
    assert r.age is None
    assert r.retry_after is None
    assert Response(headers={"Age": " 12 "}).age == timedelta(seconds=12)


def test_content_range_and_accept_ranges() -> None:
    r = Response()
    r.content_range = "bytes 0-9/100"
    rng = r.content_range
    assert rng is not None
    assert (rng.units, rng.start, rng.stop, rng.length) == ("bytes", 0, 10, 100)
    r.content_range = None
    assert r.content_range is None
    r.accept_ranges = "bytes"
    assert r.headers["Accept-Ranges"] == "bytes"


def test_www_authenticate() -> None:
    r = Response(status=401)
    r.www_authenticate = WWWAuthenticate("basic", {"realm": "app"})
    assert r.headers["WWW-Authenticate"] == 'Basic realm="app"'
    challenge = r.www_authenticate
    assert challenge.type == "basic"
    assert challenge["realm"] == "app"
    r.www_authenticate = [WWWAuthenticate("bearer"), 'Basic realm="x"']
    assert r.headers.getlist("WWW-Authenticate") == ["Bearer", 'Basic realm="x"']
    # The attribute is the first challenge.
    assert r.www_authenticate.type == "bearer"
    r.www_authenticate = None
    assert "WWW-Authenticate" not in r.headers


def test_www_authenticate_is_live_as_in_werkzeug() -> None:
    r = Response(status=401)
    # No header: an empty Basic challenge, which sets the header once changed.
    challenge = r.www_authenticate
    assert challenge.type == "basic"
    assert "WWW-Authenticate" not in r.headers
    challenge.realm = "Testing"
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Testing"'
    r.www_authenticate.parameters["charset"] = "UTF-8"
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Testing", charset="UTF-8"'
    del r.www_authenticate
    assert "WWW-Authenticate" not in r.headers


def test_changing_the_first_challenge_keeps_the_others() -> None:
    r = Response(status=401)
    r.www_authenticate = [WWWAuthenticate("bearer", {"realm": "api"}), 'Basic realm="x"']
    r.www_authenticate.realm = "api2"
    assert r.headers.getlist("WWW-Authenticate") == ['Bearer realm="api2"', 'Basic realm="x"']


def test_content_encoding_and_location() -> None:
    r = Response()
    r.content_encoding = "gzip"
    r.content_location = "/x"
    assert r.headers["Content-Encoding"] == "gzip"
    assert r.content_location == "/x"


# -- cookies --------------------------------------------------------------------------


def test_set_cookie_flags() -> None:
    r = Response()
    r.set_cookie("username", "ann", max_age=60, httponly=True, secure=True, samesite="Lax")
    header = r.headers["Set-Cookie"]
    parts = [p.strip() for p in header.split(";")]
    assert parts[0] == "username=ann"
    assert "Max-Age=60" in parts
    assert "HttpOnly" in parts
    assert "Secure" in parts
    assert "SameSite=Lax" in parts
    assert "Path=/" in parts
    assert any(p.startswith("Expires=") for p in parts)


def test_set_cookie_several_and_domain_partitioned() -> None:
    r = Response()
    r.set_cookie("a", "1")
    r.set_cookie("b", "2", domain="example.com", path="/app", partitioned=True, secure=True)
    cookies = r.headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    assert cookies[0].startswith("a=1")
    assert "Domain=example.com" in cookies[1]
    assert "Path=/app" in cookies[1]
    assert "Partitioned" in cookies[1]


def test_set_cookie_value_quoted_when_needed() -> None:
    r = Response()
    r.set_cookie("k", "a b;c")
    assert r.headers["Set-Cookie"] == 'k="a b\\073c"; Path=/'


@pytest.mark.parametrize("name", ["bad name", "semi;colon", "new\nline", ""])
def test_set_cookie_invalid_name(name: str) -> None:
    with pytest.raises(ValueError):
        Response().set_cookie(name, "v")


def test_set_cookie_value_with_line_break_is_escaped() -> None:
    r = Response()
    r.set_cookie("k", "a\r\nSet-Cookie: evil=1")
    header = r.headers["Set-Cookie"]
    assert "\r" not in header and "\n" not in header
    assert header.startswith('k="a\\015\\012Set-Cookie: evil=1"')
    assert len(r.headers.getlist("Set-Cookie")) == 1


def test_delete_cookie() -> None:
    r = Response()
    r.delete_cookie("session", path="/app", domain="example.com", secure=True, samesite="Strict")
    header = r.headers["Set-Cookie"]
    assert header.startswith("session=")
    assert "Max-Age=0" in header
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header
    assert "Path=/app" in header
    assert "Domain=example.com" in header
    assert "SameSite=Strict" in header


def test_large_cookie_no_warning() -> None:
    # Warnings are errors in this suite: a cookie under the limit must be silent.
    r = Response()
    r.set_cookie("big", "x" * 3000)
    assert len(r.headers["Set-Cookie"]) > 3000


# -- closing -------------------------------------------------------------------------


def test_close_closes_body_and_runs_callbacks_once() -> None:
    events: list[str] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            return iter([b"x"])

        def close(self) -> None:
            events.append("body")

    r = Response(Body())

    @r.call_on_close
    def first() -> None:
        events.append("first")

    r.call_on_close(lambda: events.append("second"))
    assert first is not None
    r.close()
    r.close()
    assert events == ["body", "first", "second"]


def test_context_manager_closes() -> None:
    events: list[int] = []
    with Response() as r:
        r.call_on_close(lambda: events.append(1))
    assert events == [1]


def test_callbacks_run_even_if_body_close_fails() -> None:
    events: list[int] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            return iter([])

        def close(self) -> None:
            raise OSError("boom")

    r = Response(Body())
    r.call_on_close(lambda: events.append(1))
    with pytest.raises(OSError):
        r.close()
    assert events == [1]


# -- FileWrapper -------------------------------------------------------------------------


def test_file_wrapper_chunks_and_close() -> None:
    f = io.BytesIO(b"abcdefghij")
    w = FileWrapper(f, buffer_size=4)
    assert list(w) == [b"abcd", b"efgh", b"ij"]
    assert (w.file, w.buffer_size, w.offset, w.length) == (f, 4, 0, None)
    w.close()
    assert f.closed


def test_file_wrapper_offset_and_length() -> None:
    w = FileWrapper(io.BytesIO(b"abcdefghij"), buffer_size=3, offset=2, length=5)
    assert list(w) == [b"cde", b"fg"]
    assert w.size() == 5


def test_file_wrapper_unseekable_offset() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, b: Any) -> int:
            chunk = self.data.read(len(b))
            b[: len(chunk)] = chunk
            return len(chunk)

    w = FileWrapper(Pipe(b"0123456789"), buffer_size=4, offset=3)  # type: ignore[arg-type]
    assert b"".join(w) == b"3456789"


def test_file_wrapper_size(tmp_path: Any) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 100)
    with open(path, "rb") as f:
        assert FileWrapper(f).size() == 100
        assert FileWrapper(f, offset=30).size() == 70
    assert FileWrapper(io.BytesIO(b"abc")).size() == 3


def test_file_wrapper_bad_buffer() -> None:
    with pytest.raises(ValueError):
        FileWrapper(io.BytesIO(), buffer_size=0)


def test_file_body_is_streamed() -> None:
    r = Response(FileWrapper(io.BytesIO(b"data")), direct_passthrough=True)
    assert r.is_streamed
    assert b"".join(r.iter_encoded()) == b"data"


# -- ETags -------------------------------------------------------------------------------


def test_set_and_get_etag() -> None:
    r = Response()
    assert r.get_etag() == (None, None)
    r.set_etag("abc")
    assert r.headers["ETag"] == '"abc"'
    assert r.get_etag() == ("abc", False)
    r.set_etag("abc", weak=True)
    assert r.headers["ETag"] == 'W/"abc"'
    assert r.get_etag() == ("abc", True)


def test_add_etag() -> None:
    r = Response("body")
    r.add_etag()
    etag, weak = r.get_etag()
    assert etag and weak is False
    r.set_data("other")
    r.add_etag()
    assert r.get_etag()[0] == etag  # not overwritten
    r.add_etag(overwrite=True, weak=True)
    new, weak = r.get_etag()
    assert new != etag and weak is True
    same = Response("body")
    same.add_etag()
    assert same.get_etag()[0] == etag  # deterministic


# -- conditional requests ------------------------------------------------------------------


def tagged(body: bytes = b"0123456789", etag: str = "v1", weak: bool = False) -> Response:
    r = Response(body, mimetype="text/plain")
    r.set_etag(etag, weak)
    r.last_modified = datetime(2024, 1, 1, tzinfo=UTC)
    return r


def test_make_conditional_sets_date_and_length() -> None:
    r = Response([b"abc", b"de"])
    assert r.make_conditional(req()) is r
    assert r.status_code == 200
    assert "Date" in r.headers
    assert r.headers["Content-Length"] == "5"


@pytest.mark.parametrize("inm", ['"v1"', 'W/"v1"', '"x", "v1"', "*"])
def test_if_none_match_gives_304(inm: str) -> None:
    r = tagged().make_conditional(req(headers={"If-None-Match": inm}))
    assert r.status_code == 304
    assert r.get_data() == b""
    for name in ("Content-Type", "Content-Length", "Last-Modified"):
        assert name not in r.headers
    assert r.headers["ETag"] == '"v1"'
    assert "Date" in r.headers


def test_if_none_match_weak_response_etag_still_matches() -> None:
    r = tagged(weak=True).make_conditional(req(headers={"If-None-Match": '"v1"'}))
    assert r.status_code == 304


def test_if_none_match_mismatch_is_200() -> None:
    r = tagged().make_conditional(req(headers={"If-None-Match": '"v2"'}))
    assert r.status_code == 200
    assert r.get_data() == b"0123456789"


def test_head_conditional() -> None:
    r = tagged().make_conditional(req("HEAD", {"If-None-Match": '"v1"'}))
    assert r.status_code == 304


def test_other_methods_untouched() -> None:
    r = tagged().make_conditional(req("POST", {"If-None-Match": '"v1"'}))
    assert r.status_code == 200
    assert "Date" not in r.headers


def test_non_2xx_untouched() -> None:
    r = tagged()
    r.status_code = 404
    r.make_conditional(req(headers={"If-None-Match": '"v1"'}))
    assert r.status_code == 404


def test_if_modified_since() -> None:
    not_modified = tagged().make_conditional(
        req(headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    )
    assert not_modified.status_code == 304
    later = tagged().make_conditional(
        req(headers={"If-Modified-Since": "Tue, 02 Jan 2024 00:00:00 GMT"})
    )
    assert later.status_code == 304
    modified = tagged().make_conditional(
        req(headers={"If-Modified-Since": "Sun, 31 Dec 2023 00:00:00 GMT"})
    )
    assert modified.status_code == 200


def test_if_none_match_wins_over_if_modified_since() -> None:
    r = tagged().make_conditional(
        req(
            headers={
                "If-None-Match": '"other"',
                "If-Modified-Since": "Tue, 02 Jan 2024 00:00:00 GMT",
            }
        )
    )
    assert r.status_code == 200


def test_last_modified_microseconds_ignored() -> None:
    r = Response(b"x")
    r.headers["Last-Modified"] = "Mon, 01 Jan 2024 00:00:00 GMT"
    r.make_conditional(req(headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}))
    assert r.status_code == 304


@pytest.mark.parametrize("if_match", ['"v2"', 'W/"v1"', '"a", "b"'])
def test_failed_if_match_is_412(if_match: str) -> None:
    r = tagged().make_conditional(req(headers={"If-Match": if_match}))
    assert r.status_code == 412
    assert r.get_data() == b""
    assert r.headers["Content-Length"] == "0"
    assert "Content-Type" not in r.headers


@pytest.mark.parametrize("if_match", ['"v1"', '"x", "v1"', "*"])
def test_matching_if_match_is_200(if_match: str) -> None:
    r = tagged().make_conditional(req(headers={"If-Match": if_match}))
    assert r.status_code == 200
    assert r.get_data() == b"0123456789"


def test_if_match_against_weak_etag_fails() -> None:
    # If-Match uses the strong comparison: a weak ETag never matches.
    r = tagged(weak=True).make_conditional(req(headers={"If-Match": '"v1"'}))
    assert r.status_code == 412


def test_if_unmodified_since() -> None:
    ok = tagged().make_conditional(
        req(headers={"If-Unmodified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
    )
    assert ok.status_code == 200
    failed = tagged().make_conditional(
        req(headers={"If-Unmodified-Since": "Sun, 31 Dec 2023 00:00:00 GMT"})
    )
    assert failed.status_code == 412


def test_304_keeps_file_closable() -> None:
    f = io.BytesIO(b"data")
    r = Response(FileWrapper(f), direct_passthrough=True)
    r.set_etag("x")
    r.make_conditional(req(headers={"If-None-Match": '"x"'}))
    assert r.status_code == 304
    assert list(r.iter_encoded()) == []
    r.close()
    assert f.closed


# -- ranges ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "body", "content_range"),
    [
        ("bytes=0-3", b"0123", "bytes 0-3/10"),
        ("bytes=2-", b"23456789", "bytes 2-9/10"),
        ("bytes=-3", b"789", "bytes 7-9/10"),
        ("bytes=5-100", b"56789", "bytes 5-9/10"),
        ("bytes=9-9", b"9", "bytes 9-9/10"),
    ],
)
def test_single_range(header: str, body: bytes, content_range: str) -> None:
    r = tagged().make_conditional(req(headers={"Range": header}), accept_ranges=True)
    assert r.status_code == 206
    assert r.get_data() == body
    assert r.headers["Content-Range"] == content_range
    assert r.headers["Content-Length"] == str(len(body))
    assert r.headers["Accept-Ranges"] == "bytes"


def test_range_ignored_without_accept_ranges() -> None:
    r = tagged().make_conditional(req(headers={"Range": "bytes=0-3"}))
    assert r.status_code == 200
    assert r.get_data() == b"0123456789"
    assert "Accept-Ranges" not in r.headers


def test_accept_ranges_header_without_range() -> None:
    r = tagged().make_conditional(req(), accept_ranges=True)
    assert r.headers["Accept-Ranges"] == "bytes"
    custom = tagged().make_conditional(req(), accept_ranges="none")
    assert custom.headers["Accept-Ranges"] == "none"


def test_multiple_ranges_serve_whole() -> None:
    r = tagged().make_conditional(req(headers={"Range": "bytes=0-1,4-5"}), accept_ranges=True)
    assert r.status_code == 200
    assert r.get_data() == b"0123456789"
    assert "Content-Range" not in r.headers


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=20-30", "bytes=garbage"])
def test_unsatisfiable_range_is_416(header: str) -> None:
    with pytest.raises(RequestedRangeNotSatisfiable) as info:
        tagged().make_conditional(req(headers={"Range": header}), accept_ranges=True)
    assert info.value.code == 416
    response = info.value.get_response()
    assert response.headers["Content-Range"] == "bytes */10"


def test_unknown_range_unit_ignored() -> None:
    r = tagged().make_conditional(req(headers={"Range": "items=0-1"}), accept_ranges=True)
    assert r.status_code == 200


def test_if_range_matching_etag() -> None:
    r = tagged().make_conditional(
        req(headers={"Range": "bytes=0-1", "If-Range": '"v1"'}), accept_ranges=True
    )
    assert r.status_code == 206
    assert r.get_data() == b"01"


@pytest.mark.parametrize("if_range", ['"v2"', 'W/"v1"', "Sun, 31 Dec 2023 00:00:00 GMT"])
def test_if_range_mismatch_serves_whole(if_range: str) -> None:
    r = tagged().make_conditional(
        req(headers={"Range": "bytes=0-1", "If-Range": if_range}), accept_ranges=True
    )
    assert r.status_code == 200
    assert r.get_data() == b"0123456789"


def test_if_range_weak_response_etag_serves_whole() -> None:
    r = tagged(weak=True).make_conditional(
        req(headers={"Range": "bytes=0-1", "If-Range": '"v1"'}), accept_ranges=True
    )
    assert r.status_code == 200


def test_if_range_matching_date() -> None:
    r = tagged().make_conditional(
        req(headers={"Range": "bytes=0-1", "If-Range": "Mon, 01 Jan 2024 00:00:00 GMT"}),
        accept_ranges=True,
    )
    assert r.status_code == 206


def test_range_after_304_check() -> None:
    r = tagged().make_conditional(
        req(headers={"Range": "bytes=0-1", "If-None-Match": '"v1"'}), accept_ranges=True
    )
    assert r.status_code == 304


def test_range_on_file_wrapper_seeks() -> None:
    f = io.BytesIO(b"0123456789")
    r = Response(FileWrapper(f, buffer_size=2), direct_passthrough=True)
    r.make_conditional(req(headers={"Range": "bytes=3-6"}), accept_ranges=True, complete_length=10)
    assert r.status_code == 206
    body = r.response
    assert isinstance(body, FileWrapper)
    assert (body.offset, body.length, body.buffer_size) == (3, 4, 2)
    assert b"".join(r.iter_encoded()) == b"3456"
    assert r.headers["Content-Range"] == "bytes 3-6/10"
    assert r.headers["Content-Length"] == "4"


def test_range_on_file_wrapper_without_complete_length() -> None:
    r = Response(FileWrapper(io.BytesIO(b"0123456789")), direct_passthrough=True)
    r.make_conditional(req(headers={"Range": "bytes=-2"}), accept_ranges=True)
    assert r.status_code == 206
    assert b"".join(r.iter_encoded()) == b"89"


def test_range_on_generator_with_complete_length() -> None:
    r = Response(iter([b"012", b"345", b"6789"]))
    r.make_conditional(req(headers={"Range": "bytes=2-6"}), accept_ranges=True, complete_length=10)
    assert r.status_code == 206
    assert b"".join(r.iter_encoded()) == b"23456"


def test_range_on_generator_without_length_ignored() -> None:
    r = Response(iter([b"012"]), direct_passthrough=True)
    r.make_conditional(req(headers={"Range": "bytes=0-0"}), accept_ranges=True)
    assert r.status_code == 200


def test_range_on_empty_body_ignored() -> None:
    r = Response(b"").make_conditional(req(headers={"Range": "bytes=0-0"}), accept_ranges=True)
    assert r.status_code == 200


# -- compared with Werkzeug ---------------------------------------------------------


@pytest.mark.parametrize("code", [*range(100, 600), 999])
def test_status_line_matches_werkzeug(code: int) -> None:
    werkzeug_wrappers = pytest.importorskip("werkzeug.wrappers")
    if code == 511:
        # COMPAT(werkzeug): Werkzeug spells 511 "Network Authentication Failed";
        # erlen uses the IANA registry's phrase.
        assert Response(status=code).status == "511 NETWORK AUTHENTICATION REQUIRED"
        return
    assert Response(status=code).status == werkzeug_wrappers.Response(status=code).status


@pytest.mark.parametrize(
    "mimetype",
    ["text/html", "text/plain", "application/json", "application/xml", "image/svg+xml", "a/b"],
)
def test_content_type_matches_werkzeug(mimetype: str) -> None:
    werkzeug_wrappers = pytest.importorskip("werkzeug.wrappers")
    ours = Response(mimetype=mimetype).headers["Content-Type"]
    assert ours == werkzeug_wrappers.Response(mimetype=mimetype).headers["Content-Type"]


# -- the constructor's fast path ----------------------------------------------------


def test_fast_path_gives_each_response_its_own_mutable_headers() -> None:
    a = Response("a")
    b = Response("b")
    a.headers.add("X-Only-A", "1")
    a.headers["Content-Type"] = "text/csv"
    assert type(a.headers) is Headers
    assert b.headers.to_wsgi_list() == [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", "1"),
    ]
    assert a.headers.to_wsgi_list() == [
        ("Content-Type", "text/csv"),
        ("Content-Length", "1"),
        ("X-Only-A", "1"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, "text/plain; charset=utf-8"),
        ({"mimetype": "application/json"}, "application/json"),
        ({"mimetype": "text/csv"}, "text/csv; charset=utf-8"),
        ({"mimetype": "image/svg+xml"}, "image/svg+xml; charset=utf-8"),
        ({"content_type": "text/x-a; q=1"}, "text/x-a; q=1"),
        ({"content_type": "a/b", "mimetype": "text/html"}, "a/b"),
    ],
)
def test_fast_path_content_type(kwargs: dict[str, Any], expected: str) -> None:
    # Twice: the second response reads the cached header value.
    for _ in range(2):
        assert Response("x", **kwargs).headers.getlist("Content-Type") == [expected]


@pytest.mark.parametrize("bad", ["text/html\r\nX-Evil: 1", "text/html\n", "a\0b"])
def test_fast_path_refuses_header_injection_every_time(bad: str) -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            Response("x", mimetype=bad)
        with pytest.raises(ValueError, match="CR, LF or NUL"):
            Response("x", content_type=bad)


@pytest.mark.parametrize(
    ("status", "line", "code"),
    [
        (None, "200 OK", 200),
        (404, "404 NOT FOUND", 404),
        (599, "599 UNKNOWN", 599),
        (HTTPStatus.CREATED, "201 CREATED", 201),
        ("299 Custom Thing", "299 Custom Thing", 299),
        ("418", "418 I'M A TEAPOT", 418),
    ],
)
def test_fast_path_status(status: Any, line: str, code: int) -> None:
    r = Response("x", status=status)
    assert (r.status, r.status_code) == (line, code)
    assert type(r.status_code) is int


@pytest.mark.parametrize("status", [99, 1000, "abc", "200\r\nX: y"])
def test_fast_path_refuses_bad_statuses(status: Any) -> None:
    with pytest.raises(ValueError):
        Response("x", status=status)


def test_fast_path_str_subclass_and_bytes_bodies() -> None:
    markupsafe = pytest.importorskip("markupsafe")
    r = Response(markupsafe.Markup("<b>é</b>"))
    assert r.get_data() == "<b>é</b>".encode()
    assert r.headers["Content-Length"] == str(len("<b>é</b>".encode()))
    r = Response(b"\x00\x01")
    assert r.response == [b"\x00\x01"]
    assert r.headers["Content-Length"] == "2"


def test_fast_path_honours_class_settings() -> None:
    class NoLength(Response):
        automatically_set_content_length = False
        default_mimetype = None
        default_status = 202

    r = NoLength("body")
    assert r.headers.to_wsgi_list() == []
    assert r.status == "202 ACCEPTED"
    assert r.get_data() == b"body"


def test_subclass_overriding_set_data_and_status_is_still_called() -> None:
    calls: list[Any] = []

    class Custom(Response):
        def set_data(self, value: str | bytes | bytearray) -> None:
            calls.append(("set_data", value))
            super().set_data(value)

        @Response.status.setter  # type: ignore[attr-defined, untyped-decorator]
        def status(self, value: Any) -> None:
            calls.append(("status", value))
            Response.status.fset(self, value)  # type: ignore[attr-defined]

    r = Custom("hi", status=201)
    assert calls == [("status", 201), ("set_data", "hi")]
    assert r.status == "201 CREATED"
    assert r.headers["Content-Length"] == "2"


# -- wire headers (what the adapters send) ----------------------------------------


def test_empty_response_object_has_no_length_until_sent() -> None:
    # COMPAT(flask): like Werkzeug, Content-Length: 0 is added when sending,
    # so a body assigned later still gets the right length.
    r = Response()
    assert "Content-Length" not in r.headers
    r.response = [b"late"]
    headers, no_body = _wire_headers(r)
    assert headers == [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", "4")]
    assert no_body is False
    assert "Content-Length" not in r.headers


@pytest.mark.parametrize(
    ("status", "no_body"), [(100, True), (200, False), (204, True), (304, True)]
)
def test_wire_headers_flags_bodyless_statuses(status: int, no_body: bool) -> None:
    headers, dropped = _wire_headers(Response(b"abc", status))
    assert dropped is no_body
    assert (("Content-Length", "3") in headers) is not no_body


def test_wire_headers_from_a_headers_subclass() -> None:
    class MyHeaders(Headers):
        __slots__ = ()

    r = Response(None, 301, MyHeaders([("location", "/\u00e9 x")]))
    headers, _ = _wire_headers(r)
    assert headers == [
        ("location", "/%C3%A9%20x"),
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", "0"),
    ]


class _GeneralInit(Response):
    """A subclass with its own set_data: __init__ takes the general path."""

    def set_data(self, value: str | bytes | bytearray) -> None:
        super().set_data(value)


_HEADER_SOURCES: list[Any] = [
    {"X-A": "1"},
    [("X-A", "1"), ("X-A", "2")],
    {"content-type": "application/xml"},
    {"Content-Length": "999", "X-B": "b"},
    {"Set-Cookie": ["a=1", "b=2"]},
    [],
]


@pytest.mark.parametrize("source", _HEADER_SOURCES, ids=repr)
@pytest.mark.parametrize("body", ["héllo", b"bytes", ""], ids=repr)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"status": 201},
        {"status": "299 Custom"},
        {"status": HTTPStatus.ACCEPTED},
        {"mimetype": "application/json"},
        {"content_type": "text/csv; charset=latin-1"},
        {"direct_passthrough": True},
    ],
    ids=repr,
)
def test_a_text_body_with_headers_is_built_as_the_general_path_builds_it(
    source: Any, body: str | bytes, options: dict[str, Any]
) -> None:
    fast = Response(body, headers=Headers(source), **options)
    general = _GeneralInit(body, headers=Headers(source), **options)
    assert list(fast.headers.items()) == list(general.headers.items())
    assert (fast.status, fast.status_code) == (general.status, general.status_code)
    assert fast.get_data() == general.get_data()
    assert fast.direct_passthrough == general.direct_passthrough
    # The headers object given is the one the response keeps, as before.
    given = Headers(source)
    assert Response(body, headers=given, **options).headers is given


@pytest.mark.parametrize("code", [200, 201, 404, 418, 599, HTTPStatus.NO_CONTENT])
def test_status_setters_give_the_line_clean_status_gives(code: int) -> None:
    from erlen.http.status import clean_status

    response = Response("x")
    response.status_code = code
    assert (response.status, response.status_code) == clean_status(int(code))
    response = Response("x")
    response.status = code
    assert (response.status, response.status_code) == clean_status(code)
    assert type(response.status_code) is int


_HEADER_NAMES = st.sampled_from(
    [
        "Date",
        "date",
        "Accept-Ranges",
        "ACCEPT-RANGES",
        "Content-Range",
        "content-length",
        "Content-Length",
        "X-A",
        "Vary",
    ]
)
_OP_NAMES = ("Date", "Accept-Ranges", "Content-Range", "Content-Length")


@given(
    st.lists(st.tuples(_HEADER_NAMES, st.sampled_from(["1", "2", "3"])), max_size=8),
    st.booleans(),
)
def test_put_headers_is_setdefault_then_set(existing: list[tuple[str, str]], flip: bool) -> None:

    ops = (("Date", "now", True), ("Accept-Ranges", "bytes", False))
    if flip:
        ops = (("Accept-Ranges", "bytes", False), ("Date", "now", True))
    _check_put_headers(existing, ops)


@given(
    st.lists(st.tuples(_HEADER_NAMES, st.sampled_from(["1", "2", "3"])), max_size=10),
    st.permutations(_OP_NAMES).flatmap(
        lambda names: st.tuples(
            st.integers(1, len(names)), st.lists(st.booleans(), min_size=4, max_size=4)
        ).map(lambda n_flags: tuple(zip(names[: n_flags[0]], n_flags[1], strict=False)))
    ),
)
def test_put_headers_with_up_to_four_names_in_any_order(
    existing: list[tuple[str, str]], named_flags: tuple[tuple[str, bool], ...]
) -> None:
    # make_conditional applies Date, Accept-Ranges, Content-Range and
    # Content-Length in one call for a 206; any order and any mix of
    # setdefault/set must give what separate calls give, duplicates included.
    ops = tuple((name, f"v-{name}", only) for name, only in named_flags)
    _check_put_headers(existing, ops)


def _check_put_headers(
    existing: list[tuple[str, str]], ops: tuple[tuple[str, str, bool], ...]
) -> None:
    from erlen.http.response import _put_headers

    one_scan = Headers(existing)
    _put_headers(one_scan, ops)
    in_steps = Headers(existing)
    for name, value, only_if_missing in ops:
        if only_if_missing:
            in_steps.setdefault(name, value)
        else:
            in_steps.set(name, value)
    assert list(one_scan.items()) == list(in_steps.items())


class _StepByStepHeaders(Headers):
    """A Headers subclass: make_conditional writes it through set/setdefault."""

    __slots__ = ()


@pytest.mark.parametrize(
    "request_headers",
    [
        {},
        {"Range": "bytes=2-5"},
        {"Range": "bytes=-3"},
        {"Range": "bytes=0-1,4-5"},
        {"Range": "bytes=2-5", "If-Range": '"v1"'},
        {"Range": "bytes=2-5", "If-Range": '"other"'},
        {"If-None-Match": '"v1"'},
    ],
    ids=repr,
)
@pytest.mark.parametrize("accept_ranges", [True, "bytes", "none", False])
@pytest.mark.parametrize(
    "given",
    [[], [("accept-ranges", "old"), ("X-A", "1"), ("Accept-Ranges", "older")], [("date", "d")]],
    ids=repr,
)
def test_make_conditional_writes_the_headers_the_step_by_step_path_writes(
    request_headers: dict[str, str],
    accept_ranges: Any,
    given: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from erlen.http import response as response_module

    # One Date for both paths, whatever second boundary falls between them.
    monkeypatch.setattr(response_module.time, "time", lambda: 1_700_000_000.0)

    def build(headers_class: type[Headers]) -> Response:
        r = Response(b"0123456789", headers=headers_class(given), mimetype="text/plain")
        r.set_etag("v1")
        return r.make_conditional(req(headers=request_headers), accept_ranges=accept_ranges)

    fast, steps = build(Headers), build(_StepByStepHeaders)
    assert type(steps.headers) is _StepByStepHeaders
    assert (fast.status_code, fast.get_data()) == (steps.status_code, steps.get_data())
    assert list(fast.headers.items()) == list(steps.headers.items())


class _SubclassedHeaders(Headers):
    """A Headers subclass: make_conditional takes its general path (each
    header through setdefault and __setitem__) for it."""


_CONDITIONAL_REQUESTS = st.fixed_dictionaries(
    {},
    optional={
        "Range": st.sampled_from(
            [
                "bytes=2-4",
                "bytes=-3",
                "bytes=7-",
                "bytes=50-60",
                "bytes=0-1,3-4",
                "items=0-1",
                "bytes=x",
            ]
        ),
        "If-Range": st.sampled_from(['"v1"', '"v2"', 'W/"v1"', "Mon, 01 Jan 2024 00:00:00 GMT"]),
        "If-None-Match": st.sampled_from(['"v1"', '"v2"', "*"]),
        "If-Match": st.sampled_from(['"v1"', '"zz"', "*"]),
        "If-Modified-Since": st.sampled_from(
            ["Mon, 01 Jan 2024 00:00:00 GMT", "Sun, 31 Dec 2023 00:00:00 GMT"]
        ),
        "If-Unmodified-Since": st.sampled_from(
            ["Mon, 01 Jan 2024 00:00:00 GMT", "Sun, 31 Dec 2023 00:00:00 GMT"]
        ),
    },
)
_PRESET_HEADERS = st.lists(
    st.sampled_from(
        [
            ("Date", "Sat, 01 Jun 2024 00:00:00 GMT"),
            ("accept-ranges", "none"),
            ("Content-Range", "bytes 0-0/1"),
            ("X-A", "1"),
        ]
    ),
    max_size=4,
)


@given(
    _CONDITIONAL_REQUESTS,
    _PRESET_HEADERS,
    st.sampled_from([True, False, "bytes"]),
    st.sampled_from(["GET", "HEAD", "POST"]),
    st.sampled_from([200, 206, 404]),
    st.booleans(),
)
def test_make_conditional_fast_path_gives_what_the_general_path_gives(
    request_headers: dict[str, str],
    preset: list[tuple[str, str]],
    accept_ranges: bool | str,
    method: str,
    status: int,
    file_body: bool,
) -> None:
    # With plain Headers, make_conditional holds Date and Accept-Ranges back
    # and writes them with the 206's headers in one pass; a subclass gets
    # each header written as it goes. Same status, body and header list.
    outcomes = []
    for headers_class in (Headers, _SubclassedHeaders):
        body: Any = FileWrapper(io.BytesIO(b"0123456789")) if file_body else b"0123456789"
        response = Response(body, status=status, mimetype="text/plain")
        response.headers = headers_class(list(response.headers.items()) + preset)
        response.set_etag("v1")
        response.last_modified = datetime(2024, 1, 1, tzinfo=UTC)
        try:
            response.make_conditional(
                req(method, request_headers), accept_ranges=accept_ranges, complete_length=10
            )
            error = None
        except RequestedRangeNotSatisfiable as e:
            error = e.code
        headers = [
            (k, "<now>" if k == "Date" and v != preset_date(preset) else v)
            for k, v in response.headers.items()
        ]
        outcomes.append((error, response.status_code, headers, response.get_data()))
    assert outcomes[0] == outcomes[1]


def preset_date(preset: list[tuple[str, str]]) -> str | None:
    return next((v for k, v in preset if k == "Date"), None)


# -- CORS and Content-MD5 properties (Werkzeug's names) -----------------------------------


def test_cors_response_properties_read_and_write_their_headers() -> None:
    r = Response("x")
    assert r.access_control_allow_origin is None
    assert r.access_control_allow_headers is None
    assert r.access_control_allow_methods is None
    assert r.access_control_expose_headers is None
    assert r.access_control_allow_credentials is False
    assert r.access_control_max_age is None
    r.access_control_allow_origin = "https://app.example"
    r.access_control_allow_headers = ["X-Token", "Content-Type"]
    r.access_control_allow_methods = "GET, POST"
    r.access_control_expose_headers = ["X-Total"]
    r.access_control_allow_credentials = True
    r.access_control_max_age = 600
    r.content_md5 = "Q2hlY2sgSW50ZWdyaXR5IQ=="
    assert list(r.headers.items())[2:] == [
        ("Access-Control-Allow-Origin", "https://app.example"),
        ("Access-Control-Allow-Headers", "X-Token, Content-Type"),
        ("Access-Control-Allow-Methods", "GET, POST"),
        ("Access-Control-Expose-Headers", "X-Total"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Max-Age", "600"),
        ("Content-MD5", "Q2hlY2sgSW50ZWdyaXR5IQ=="),
    ]
    methods = r.access_control_allow_methods
    assert methods is not None and "post" in methods
    # The set writes back when changed.
    methods.add("DELETE")
    assert r.headers["Access-Control-Allow-Methods"] == "GET, POST, DELETE"
    assert r.access_control_max_age == 600
    r.access_control_max_age = timedelta(minutes=2)
    assert r.headers["Access-Control-Max-Age"] == "120"
    r.headers["Access-Control-Max-Age"] = "soon"
    assert r.access_control_max_age is None
    # False and None remove, as the standard has no "false" value.
    r.access_control_allow_credentials = False
    r.access_control_allow_headers = None
    r.access_control_max_age = None
    assert "Access-Control-Allow-Credentials" not in r.headers
    assert "Access-Control-Allow-Headers" not in r.headers
    assert "Access-Control-Max-Age" not in r.headers
    r.headers["Access-Control-Allow-Credentials"] = "TRUE"
    assert r.access_control_allow_credentials is False  # only the exact "true"


def test_cors_response_properties_read_as_werkzeugs() -> None:
    werkzeug_wrappers = pytest.importorskip("werkzeug.wrappers")
    headers = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Headers", "X-A, x-b"),
        ("Access-Control-Expose-Headers", "X-Total"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Max-Age", "60"),
        ("Content-MD5", "abc"),
    ]
    ours = Response("x", headers=headers)
    theirs = werkzeug_wrappers.Response("x", headers=headers)
    for name in (
        "access_control_allow_origin",
        "access_control_allow_credentials",
        "access_control_max_age",
        "content_md5",
    ):
        assert getattr(ours, name) == getattr(theirs, name), name
    for name in ("access_control_allow_headers", "access_control_expose_headers"):
        assert list(getattr(ours, name)) == list(getattr(theirs, name)), name
    assert ours.access_control_allow_methods is theirs.access_control_allow_methods is None


def test_cross_origin_policies_read_and_write_as_werkzeug_names_them() -> None:
    from erlen.http.headers import COEP, COOP

    r = Response("x")
    # Absent (or unknown): the browsers' default, as Werkzeug reads it.
    assert r.cross_origin_opener_policy is COOP.UNSAFE_NONE
    assert r.cross_origin_embedder_policy is COEP.UNSAFE_NONE
    r.cross_origin_opener_policy = COOP.SAME_ORIGIN
    r.cross_origin_embedder_policy = "require-corp"
    assert r.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert r.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert r.cross_origin_embedder_policy is COEP.REQUIRE_CORP
    with pytest.raises(ValueError):
        r.cross_origin_opener_policy = "same-site"  # not a COOP value
    assert r.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    r.headers["Cross-Origin-Opener-Policy"] = "bogus"
    assert r.cross_origin_opener_policy is COOP.UNSAFE_NONE
    r.cross_origin_opener_policy = None
    assert "Cross-Origin-Opener-Policy" not in r.headers


def test_cross_origin_policy_values_match_werkzeugs() -> None:
    werkzeug_http = pytest.importorskip("werkzeug.http")
    from erlen.http.headers import COEP, COOP

    assert [(m.name, m.value) for m in COOP] == [(m.name, m.value) for m in werkzeug_http.COOP]
    assert [(m.name, m.value) for m in COEP] == [(m.name, m.value) for m in werkzeug_http.COEP]


def test_content_security_policy_is_a_live_dict_of_directives() -> None:
    from erlen.http.datastructures import ContentSecurityPolicy

    r = Response("x")
    csp = r.content_security_policy
    assert isinstance(csp, ContentSecurityPolicy) and not csp
    assert "Content-Security-Policy" not in r.headers
    csp.default_src = "'self'"
    csp.img_src = "* data:"
    assert r.headers["Content-Security-Policy"] == "default-src 'self'; img-src * data:"
    # Read back from the header, with attribute and item access alike.
    again = r.content_security_policy
    assert again.img_src == "* data:" and again["default-src"] == "'self'"
    assert again.script_src is None
    again.img_src = None
    assert r.headers["Content-Security-Policy"] == "default-src 'self'"
    del again.default_src
    assert "Content-Security-Policy" not in r.headers
    r.content_security_policy = {"script-src": "'self' 'nonce-abc'"}
    assert r.headers["Content-Security-Policy"] == "script-src 'self' 'nonce-abc'"
    r.content_security_policy = "frame-ancestors 'none'"
    assert r.content_security_policy.frame_ancestors == "'none'"
    r.content_security_policy = None
    assert "Content-Security-Policy" not in r.headers
    r.content_security_policy_report_only.report_uri = "/csp-report"
    assert r.headers["Content-Security-Policy-Report-Only"] == "report-uri /csp-report"
    assert str(r.content_security_policy_report_only) == "report-uri /csp-report"


@pytest.mark.parametrize(
    "value",
    [
        "default-src 'self'; img-src * data:",
        "  default-src 'self' ;;img-src\t*  ; upgrade-insecure-requests; ",
        "script-src 'self' 'sha256-abc='; report-to csp",
        "",
    ],
)
def test_csp_header_parses_and_dumps_as_werkzeug(value: str) -> None:
    werkzeug_http = pytest.importorskip("werkzeug.http")
    from erlen.http.headers import dump_csp_header, parse_csp_header

    ours = parse_csp_header(value)
    theirs = werkzeug_http.parse_csp_header(value)
    assert dict(ours) == dict(theirs)
    assert dump_csp_header(ours) == werkzeug_http.dump_csp_header(theirs)
    assert ours.to_header() == dump_csp_header(ours)


def test_csp_directive_attributes_are_werkzeugs() -> None:
    werkzeug_ds = pytest.importorskip("werkzeug.datastructures")
    from erlen.http.datastructures import ContentSecurityPolicy

    theirs = werkzeug_ds.ContentSecurityPolicy()
    ours = ContentSecurityPolicy()
    names = [
        n for n in dir(type(theirs)) if n.endswith(("_src", "_uri", "_to", "_types", "_action"))
    ]
    names += ["frame_ancestors", "sandbox", "script_src_attr", "style_src_elem"]
    assert len(names) > 20
    for name in names:
        setattr(theirs, name, "x")
        setattr(ours, name, "x")
    assert dict(ours) == dict(theirs)
