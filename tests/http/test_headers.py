"""Tests for erlen.http.headers."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from erlen.http.datastructures import (
    Accept,
    CharsetAccept,
    LanguageAccept,
    MIMEAccept,
    RequestCacheControl,
    ResponseCacheControl,
)
from erlen.http.headers import (
    HTTP_STATUS_CODES,
    content_disposition,
    dump_age,
    dump_header,
    dump_options_header,
    generate_etag,
    http_date,
    is_entity_header,
    is_hop_by_hop_header,
    is_resource_modified,
    parse_accept_header,
    parse_age,
    parse_authorization_header,
    parse_cache_control_header,
    parse_content_range_header,
    parse_date,
    parse_dict_header,
    parse_etags,
    parse_if_range_header,
    parse_list_header,
    parse_options_header,
    parse_range_header,
    parse_set_header,
    parse_www_authenticate_header,
    quote_etag,
    quote_header_value,
    unquote_etag,
    unquote_header_value,
)

# --------------------------------------------------------------------------
# Quoting, lists, dicts, options
# --------------------------------------------------------------------------


def test_quote_header_value() -> None:
    assert quote_header_value("utf-8") == "utf-8"
    assert quote_header_value("utf-8", allow_token=False) == '"utf-8"'
    assert quote_header_value("a b") == '"a b"'
    assert quote_header_value('a"b\\c') == '"a\\"b\\\\c"'
    assert quote_header_value("") == '""'
    assert quote_header_value(42) == "42"
    assert quote_header_value("a;b") == '"a;b"'


def test_unquote_header_value() -> None:
    assert unquote_header_value('"a\\"b\\\\c"') == 'a"b\\c'
    assert unquote_header_value("plain") == "plain"
    assert unquote_header_value('"') == '"'
    assert unquote_header_value('""') == ""
    assert unquote_header_value('"C:\\dir\\file.txt"') == "C:\\dir\\file.txt"
    assert unquote_header_value('"\\\\server\\share"', is_filename=True) == "\\\\server\\share"


@given(st.text())
def test_quote_unquote_round_trip(value: str) -> None:
    assert unquote_header_value(quote_header_value(value)) == value


def test_parse_list_header() -> None:
    assert parse_list_header('a, "b, c" , d,,') == ["a", "b, c", "d"]
    assert parse_list_header('token, "quoted \\"x\\""') == ["token", 'quoted "x"']
    assert parse_list_header("") == []
    assert parse_list_header(None) == []
    assert parse_list_header('a, "unterminated, b') == ["a", '"unterminated, b']


def test_parse_dict_header() -> None:
    assert parse_dict_header("a=b, c=\"d, e\", f, g*=UTF-8''%C3%A9") == {
        "a": "b",
        "c": "d, e",
        "f": None,
        "g": "é",
    }
    assert parse_dict_header("Realm=x") == {"Realm": "x"}
    assert parse_dict_header("") == {}
    assert parse_dict_header("=x, k=v") == {"k": "v"}


def test_parse_set_header() -> None:
    calls: list[str] = []
    hs = parse_set_header("Accept-Encoding, cookie, COOKIE", on_update=lambda h: calls.append("x"))
    assert list(hs) == ["Accept-Encoding", "cookie"]
    hs.add("Origin")
    assert calls == ["x"]


class TestParseOptionsHeader:
    def test_basic(self) -> None:
        assert parse_options_header("text/html; charset=utf-8") == (
            "text/html",
            {"charset": "utf-8"},
        )
        assert parse_options_header("Text/HTML; Charset=UTF-8") == (
            "Text/HTML",
            {"charset": "UTF-8"},
        )
        assert parse_options_header("  text/plain  ") == ("text/plain", {})
        assert parse_options_header(None) == ("", {})
        assert parse_options_header("") == ("", {})

    def test_quoted_values(self) -> None:
        assert parse_options_header('form-data; name="f"; filename="a\\"b;c.txt"') == (
            "form-data",
            {"name": "f", "filename": 'a"b;c.txt'},
        )
        assert parse_options_header('a; c=""; d="x;y"') == ("a", {"c": "", "d": "x;y"})

    def test_flags_and_empty_parts_ignored(self) -> None:
        assert parse_options_header("a; b; ;c=1;") == ("a", {"c": "1"})
        assert parse_options_header("; x=1") == ("", {"x": "1"})

    def test_rfc2231_extended_and_precedence(self) -> None:
        value = "attachment; filename=\"fallback.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt"
        assert parse_options_header(value) == ("attachment", {"filename": "€ rates.txt"})
        value = "attachment; filename*=iso-8859-1'en'%A3%20rates"
        assert parse_options_header(value)[1] == {"filename": "£ rates"}
        value = "attachment; filename*=unknown-charset''abc%C3%A9"
        assert parse_options_header(value)[1] == {"filename": "abcé"}
        # A malformed extended value is ignored, the plain one is kept.
        assert parse_options_header('a; filename="x"; filename*=nonsense')[1] == {"filename": "x"}

    def test_rfc2231_continuations(self) -> None:
        assert parse_options_header('attachment; filename*0="foo"; filename*1="bar"') == (
            "attachment",
            {"filename": "foobar"},
        )
        assert parse_options_header(
            "attachment; filename*0*=UTF-8''%C3%A9t%C3%A9; filename*1=\".txt\""
        )[1] == {"filename": "été.txt"}
        # Out-of-order parts are joined by index; a gap stops the join.
        assert parse_options_header("a; n*1=b; n*0=a; n*3=d")[1] == {"n": "ab"}

    def test_comparison_with_werkzeug(self) -> None:
        werkzeug_http = pytest.importorskip("werkzeug.http")
        for value in [
            "text/html; charset=utf-8",
            'multipart/form-data; boundary="----abc"',
            'form-data; name="file"; filename="x y.png"',
            "application/json",
            "attachment; filename*=UTF-8''%C3%A9.txt",
        ]:
            assert parse_options_header(value) == werkzeug_http.parse_options_header(value)


def test_dump_options_header() -> None:
    assert dump_options_header("text/html", {"charset": "utf-8"}) == "text/html; charset=utf-8"
    assert dump_options_header("a", {"x": None, "y": "b c", "n": 1}) == 'a; y="b c"; n=1'
    assert dump_options_header(None, {"k": "v"}) == "k=v"
    assert (
        dump_options_header("attachment", {"filename": "naïve.txt"})
        == "attachment; filename=naive.txt; filename*=UTF-8''na%C3%AFve.txt"
    )
    assert dump_options_header("x", {"title": "日本"}) == "x; title*=UTF-8''%E6%97%A5%E6%9C%AC"


@given(st.text(st.characters(codec="utf-8")))
@example("\\")
@example("\\\\server\\share\\x.txt")
@example('C:\\dir\\"quoted".txt')
def test_options_round_trip(value: str) -> None:
    header = dump_options_header("attachment", {"filename": value})
    assert parse_options_header(header) == ("attachment", {"filename": value})


def test_dump_header() -> None:
    assert dump_header(["a", "b c", 3]) == 'a, "b c", 3'
    assert dump_header({"max-age": 60, "public": None, "x": "a b"}) == 'max-age=60, public, x="a b"'
    assert dump_header({"a": "b"}, allow_token=False) == 'a="b"'
    assert dump_header([]) == ""


class TestContentDisposition:
    def test_ascii(self) -> None:
        assert content_disposition("attachment", "report.pdf") == (
            'attachment; filename="report.pdf"'
        )
        assert content_disposition("inline", 'a "quoted"\\name.txt') == (
            'inline; filename="a \\"quoted\\"\\\\name.txt"'
        )
        assert content_disposition("inline") == "inline"

    def test_non_ascii_has_fallback_and_rfc5987(self) -> None:
        assert content_disposition("attachment", "résumé.pdf") == (
            "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        )
        assert content_disposition("attachment", "报告.pdf") == (
            "attachment; filename=\"download.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf"
        )
        assert content_disposition("attachment", "日本") == (
            "attachment; filename=\"download\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC"
        )

    def test_round_trips_through_parser(self) -> None:
        for name in ["résumé.pdf", "a;b.txt", "x y", "报告 (final).pdf", "100%.txt"]:
            _, params = parse_options_header(content_disposition("attachment", name))
            assert params["filename"] == name

    def test_control_characters_never_reach_header(self) -> None:
        value = content_disposition("attachment", "evil\r\nSet-Cookie: a=b.txt")
        assert "\r" not in value and "\n" not in value
        value = content_disposition("attachment", "é\r\nx")
        assert "\r" not in value and "\n" not in value

    def test_invalid_disposition(self) -> None:
        with pytest.raises(ValueError):
            content_disposition("attachment; evil=1", "x")


def test_hop_by_hop_and_entity() -> None:
    assert is_hop_by_hop_header("Connection")
    assert is_hop_by_hop_header("transfer-encoding")
    assert not is_hop_by_hop_header("Content-Type")
    assert is_entity_header("Content-Type")
    assert not is_entity_header("Host")


def test_status_codes() -> None:
    assert HTTP_STATUS_CODES[200] == "OK"
    assert HTTP_STATUS_CODES[404] == "Not Found"
    assert HTTP_STATUS_CODES[418] == "I'm a teapot"
    import http

    # Every code IANA registers (as the stdlib lists them) has a phrase.
    assert {status.value for status in http.HTTPStatus} <= set(HTTP_STATUS_CODES)


# --------------------------------------------------------------------------
# Accept and Cache-Control
# --------------------------------------------------------------------------


class TestParseAccept:
    def test_mime(self) -> None:
        accept = parse_accept_header(
            "text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", MIMEAccept
        )
        assert isinstance(accept, MIMEAccept)
        assert accept.provided
        assert accept.best == "text/html"
        assert accept.best_match(["application/json", "text/html"]) == "text/html"
        assert accept.best_match(["application/json"]) == "application/json"
        assert accept["application/json"] == 0.8
        assert accept.accept_html

    def test_q_zero_excludes(self) -> None:
        accept = parse_accept_header("application/json;q=0, */*", MIMEAccept)
        assert accept.best_match(["application/json"]) is None
        assert accept.best_match(["application/json", "text/csv"]) == "text/csv"
        assert "application/json" not in accept

    def test_params_kept_in_value(self) -> None:
        accept = parse_accept_header('text/html;level=1;q=0.5, text/html;level="2"', MIMEAccept)
        assert list(accept) == [("text/html; level=2", 1.0), ("text/html; level=1", 0.5)]
        assert accept.quality("text/html;level=2") == 1
        assert accept.quality("text/html") == 0

    @pytest.mark.parametrize("bad_q", ["q=abc", "q=2", "q=-1", "q=nan", "q=inf"])
    def test_invalid_quality_entries_skipped(self, bad_q: str) -> None:
        accept = parse_accept_header(f"text/html;{bad_q}, text/plain", MIMEAccept)
        assert list(accept) == [("text/plain", 1.0)]

    def test_missing_and_empty(self) -> None:
        accept = parse_accept_header(None, MIMEAccept)
        assert isinstance(accept, MIMEAccept)
        assert not accept.provided
        assert parse_accept_header("").provided is False
        assert list(parse_accept_header(" , ;q=1, ")) == []

    def test_default_class_and_others(self) -> None:
        assert type(parse_accept_header("gzip, br;q=0.9")) is Accept
        lang = parse_accept_header("en-US,en;q=0.9,de;q=0.8", LanguageAccept)
        assert lang.best_match(["de", "en"]) == "en"
        charset = parse_accept_header("utf-8, iso-8859-1;q=0.5", CharsetAccept)
        assert charset.best_match(["latin1"]) == "latin1"

    def test_same_answers_as_werkzeug(self) -> None:
        wz = pytest.importorskip("werkzeug.datastructures")
        wz_http = pytest.importorskip("werkzeug.http")
        header = "text/html, application/xhtml+xml, application/xml;q=0.9, image/*;q=0.5, */*;q=0.1"
        ours = parse_accept_header(header, MIMEAccept)
        theirs = wz_http.parse_accept_header(header, wz.MIMEAccept)
        offers = [["application/json"], ["image/png", "application/xml"], ["text/html", "x/y"]]
        for offer in offers:
            assert ours.best_match(offer) == theirs.best_match(offer)
        for mimetype in ["image/png", "text/html", "application/pdf"]:
            assert ours.quality(mimetype) == theirs.quality(mimetype)


class TestParseCacheControl:
    def test_request(self) -> None:
        cc = parse_cache_control_header("no-cache, Max-Age=0, max-stale")
        assert isinstance(cc, RequestCacheControl)
        assert cc.no_cache is True
        assert cc.max_age == 0
        assert cc.max_stale is True
        assert cc.no_store is False

    def test_response_with_on_update(self) -> None:
        written: list[str] = []
        cc = parse_cache_control_header(
            'public, max-age=60, private="Set-Cookie, X"',
            on_update=lambda c: written.append(c.to_header()),
            cls=ResponseCacheControl,
        )
        assert isinstance(cc, ResponseCacheControl)
        assert cc.public and cc.max_age == 60
        assert cc.private == "Set-Cookie, X"
        cc.max_age = 120
        assert written == ['public, max-age=120, private="Set-Cookie, X"']

    def test_missing_and_garbage(self) -> None:
        assert not parse_cache_control_header(None).provided
        cc = parse_cache_control_header("max-age=-5, max-age2, ,,,", cls=ResponseCacheControl)
        assert cc.max_age is None
        assert cc.provided


# --------------------------------------------------------------------------
# ETags and conditional requests
# --------------------------------------------------------------------------


class TestETags:
    def test_quote_unquote(self) -> None:
        assert quote_etag("abc") == '"abc"'
        assert quote_etag("abc", weak=True) == 'W/"abc"'
        with pytest.raises(ValueError):
            quote_etag('a"b')
        assert unquote_etag('W/"x"') == ("x", True)
        assert unquote_etag('w/"x"') == ("x", True)
        assert unquote_etag('"x"') == ("x", False)
        assert unquote_etag("x") == ("x", False)
        assert unquote_etag(None) == (None, None)

    def test_generate_etag(self) -> None:
        assert generate_etag(b"hello") == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"

    def test_parse_etags(self) -> None:
        etags = parse_etags('W/"a,b", "c", d , W/"e"')
        assert etags.as_set() == {"c", "d"}
        assert etags.is_weak("a,b") and etags.is_weak("e")
        assert etags.contains("c") and not etags.contains("e")
        assert etags.contains_weak("e")
        assert parse_etags("*").star_tag
        assert parse_etags(' "x", * ').star_tag
        assert not parse_etags(None)
        assert not parse_etags("")
        assert parse_etags('"unterminated').as_set() == {"unterminated"}

    def test_parse_if_range(self) -> None:
        if_range = parse_if_range_header('"abc"')
        assert (if_range.etag, if_range.date) == ("abc", None)
        if_range = parse_if_range_header("Sun, 06 Nov 1994 08:49:37 GMT")
        assert if_range.etag is None
        assert if_range.date == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
        weak = parse_if_range_header('W/"abc"')
        assert (weak.etag, weak.date) == (None, None)
        empty = parse_if_range_header(None)
        assert (empty.etag, empty.date) == (None, None)


class TestIsResourceModified:
    LAST = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)

    def test_if_none_match(self) -> None:
        assert not is_resource_modified({"If-None-Match": '"abc"'}, etag="abc")
        assert not is_resource_modified({"If-None-Match": 'W/"abc"'}, etag="abc")
        assert not is_resource_modified({"If-None-Match": "*"}, etag="abc")
        assert is_resource_modified({"If-None-Match": '"other"'}, etag="abc")
        assert not is_resource_modified({"If-None-Match": '"abc"'}, etag='"abc"')
        assert not is_resource_modified(
            {"If-None-Match": f'"{generate_etag(b"data")}"'}, data=b"data"
        )
        with pytest.raises(TypeError):
            is_resource_modified(etag="a", data=b"b")

    def test_if_modified_since(self) -> None:
        ims = {"If-Modified-Since": "Mon, 01 Jan 2024 12:00:00 GMT"}
        assert not is_resource_modified(ims, last_modified=self.LAST)
        assert not is_resource_modified(ims, last_modified=self.LAST.replace(microsecond=5))
        assert not is_resource_modified(ims, last_modified=datetime(2024, 1, 1, 12, 0, 0))
        assert is_resource_modified(ims, last_modified=self.LAST + timedelta(seconds=1))
        assert not is_resource_modified(ims, last_modified="Mon, 01 Jan 2024 11:00:00 GMT")
        assert is_resource_modified({"If-Modified-Since": "garbage"}, last_modified=self.LAST)
        assert is_resource_modified(None, last_modified=self.LAST)

    def test_if_none_match_wins_over_if_modified_since(self) -> None:
        headers = {
            "If-None-Match": '"other"',
            "If-Modified-Since": "Mon, 01 Jan 2024 12:00:00 GMT",
        }
        assert is_resource_modified(headers, etag="abc", last_modified=self.LAST)

    def test_if_match(self) -> None:
        # A failed If-Match means "not the full body" (the caller sends 412).
        assert not is_resource_modified({"If-Match": '"other"'}, etag="abc")
        assert not is_resource_modified({"If-Match": 'W/"abc"'}, etag="abc")
        assert is_resource_modified({"If-Match": '"abc"'}, etag="abc")
        assert is_resource_modified({"If-Match": "*"}, etag="abc")

    def test_if_range(self) -> None:
        base = {"Range": "bytes=0-10"}
        assert not is_resource_modified(
            {**base, "If-Range": '"abc"'}, etag="abc", ignore_if_range=False
        )
        assert is_resource_modified(
            {**base, "If-Range": '"old"'}, etag="abc", ignore_if_range=False
        )
        assert is_resource_modified(
            {**base, "If-Range": 'W/"abc"'}, etag="abc", ignore_if_range=False
        )
        assert not is_resource_modified(
            {**base, "If-Range": "Mon, 01 Jan 2024 12:00:00 GMT"},
            last_modified=self.LAST,
            ignore_if_range=False,
        )
        assert is_resource_modified(
            {**base, "If-Range": "Mon, 01 Jan 2024 11:00:00 GMT"},
            last_modified=self.LAST,
            ignore_if_range=False,
        )
        # Without a Range header, If-Range is irrelevant.
        assert is_resource_modified({"If-Range": '"abc"'}, etag="abc", ignore_if_range=False)

    def test_keyword_headers_and_environ(self) -> None:
        assert not is_resource_modified(etag="abc", http_if_none_match='"abc"')
        environ = {"wsgi.version": (1, 0), "HTTP_IF_NONE_MATCH": '"abc"'}
        assert not is_resource_modified(environ, etag="abc")

    def test_with_headers_object(self) -> None:
        from erlen.http.datastructures import Headers

        headers = Headers([("if-none-match", '"abc"')])
        assert not is_resource_modified(headers, etag="abc")


# --------------------------------------------------------------------------
# Range and Content-Range
# --------------------------------------------------------------------------


class TestParseRange:
    def test_forms(self) -> None:
        rng = parse_range_header("bytes=0-499")
        assert rng is not None and rng.units == "bytes" and rng.ranges == [(0, 500)]
        rng = parse_range_header("bytes=0-499", make_inclusive=False)
        assert rng is not None and rng.ranges == [(0, 499)]
        rng = parse_range_header("bytes=-500")
        assert rng is not None and rng.ranges == [(-500, None)]
        rng = parse_range_header("bytes=500-")
        assert rng is not None and rng.ranges == [(500, None)]
        rng = parse_range_header("Bytes = 0-0 , 10-20,")
        assert rng is not None and rng.units == "bytes" and rng.ranges == [(0, 1), (10, 21)]

    @pytest.mark.parametrize(
        "value",
        ["bytes=<n>-", "bytes=0-<n>", "bytes=-<n>", "bytes=1-2,<n>-"],
    )
    def test_numbers_longer_than_python_converts_are_malformed(self, value: str) -> None:
        # int() raises past 4300 digits: that is a malformed header (None,
        # then 416 or the whole body), never an exception.
        assert parse_range_header(value.replace("<n>", "9" * 5000)) is None
        # Long but convertible numbers still parse exactly.
        rng = parse_range_header(value.replace("<n>", "9" * 30))
        assert rng is not None

    def test_overlapping_kept_but_not_served(self) -> None:
        rng = parse_range_header("bytes=0-10,5-15")
        assert rng is not None
        assert rng.ranges == [(0, 11), (5, 16)]
        assert rng.range_for_length(100) is None
        assert rng.to_header() == "bytes=0-10,5-15"

    def test_unsatisfiable_parses_but_has_no_range(self) -> None:
        rng = parse_range_header("bytes=1000-2000")
        assert rng is not None
        assert rng.range_for_length(500) is None
        assert rng.make_content_range(500) is None

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            "bytes",
            "bytes=",
            "bytes=a-5",
            "bytes=5-a",
            "bytes=10-5",
            "bytes=-0",
            "bytes=--5",
            "bytes=5",
            "bytes=0-1-2",
            "bytes=+1-2",
            "bytes=²-3",
            "bytes=0x1-2",
            "=0-5",
            "by tes=0-5",
        ],
    )
    def test_malformed(self, value: str | None) -> None:
        assert parse_range_header(value) is None

    def test_too_many_ranges(self) -> None:
        many = "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 300, 2))
        assert parse_range_header(many) is None
        rng = parse_range_header(many, max_ranges=1000)
        assert rng is not None and len(rng.ranges) == 150

    @pytest.mark.parametrize("value", ["bytes 0-<n>/<n>", "bytes <n>-1/2", "bytes */<n>"])
    def test_content_range_with_unconvertible_numbers_is_none(self, value: str) -> None:
        assert parse_content_range_header(value.replace("<n>", "9" * 5000)) is None

    def test_content_range_round_trip(self) -> None:
        rng = parse_range_header("bytes=-100")
        assert rng is not None
        content_range = rng.make_content_range(1000)
        assert content_range is not None
        assert content_range.to_header() == "bytes 900-999/1000"
        parsed = parse_content_range_header(content_range.to_header())
        assert parsed == content_range


class TestParseContentRange:
    def test_valid(self) -> None:
        cr = parse_content_range_header("bytes 0-99/200")
        assert cr is not None
        assert (cr.units, cr.start, cr.stop, cr.length) == ("bytes", 0, 100, 200)
        cr = parse_content_range_header("bytes 0-99/*")
        assert cr is not None and cr.length is None and cr.stop == 100
        cr = parse_content_range_header("bytes */200")
        assert cr is not None and (cr.start, cr.stop, cr.length) == (None, None, 200)

    def test_on_update(self) -> None:
        seen: list[str] = []
        cr = parse_content_range_header("bytes 0-9/10", on_update=lambda c: seen.append(str(c)))
        assert cr is not None
        cr.length = 20
        assert seen == ["bytes 0-9/20"]

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            "bytes",
            "bytes 0-99",
            "bytes */*",
            "bytes 5-1/10",
            "bytes 0-300/200",
            "bytes 0-200/200",
            "bytes a-b/10",
            "bytes 0-9/x",
            "b@d 0-1/2",
        ],
    )
    def test_invalid(self, value: str | None) -> None:
        assert parse_content_range_header(value) is None


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------

EXPECTED = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


class TestParseDate:
    @pytest.mark.parametrize(
        "value",
        [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "sun, 06 nov 1994 08:49:37 gmt",
            "  Sun, 06 Nov 1994 08:49:37 GMT  ",
            "06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 10:49:37 +0200",
            "Sun, 6 Nov 1994 08:49:37 UTC",
        ],
    )
    def test_formats(self, value: str) -> None:
        result = parse_date(value)
        assert result == EXPECTED
        assert result is not None and result.tzinfo is UTC

    def test_two_digit_years(self) -> None:
        assert parse_date("Thursday, 01-Jan-70 00:00:00 GMT") == datetime(1970, 1, 1, tzinfo=UTC)
        assert parse_date("Tuesday, 01-Jan-30 00:00:00 GMT") == datetime(2030, 1, 1, tzinfo=UTC)

    def test_leap_second_clamped(self) -> None:
        assert parse_date("Sat, 31 Dec 2016 23:59:60 GMT") == datetime(
            2016, 12, 31, 23, 59, 59, tzinfo=UTC
        )

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            "garbage",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1994 08:61:37 GMT",
            "Feb 30 2023",
            "Mon, 30 Feb 2023 00:00:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT" + " " * 100 + "x",
            "1994-11-06T08:49:37Z",
            "0",
        ],
    )
    def test_invalid(self, value: str | None) -> None:
        assert parse_date(value) is None

    @given(st.text(max_size=80))
    def test_never_raises(self, value: str) -> None:
        result = parse_date(value)
        assert result is None or result.tzinfo is UTC


class TestHttpDate:
    def test_inputs(self) -> None:
        assert http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"
        assert http_date(784111777.9) == "Sun, 06 Nov 1994 08:49:37 GMT"
        assert http_date(datetime(1994, 11, 6, 8, 49, 37)) == "Sun, 06 Nov 1994 08:49:37 GMT"
        aware = datetime(1994, 11, 6, 9, 49, 37, tzinfo=timezone(timedelta(hours=1)))
        assert http_date(aware) == "Sun, 06 Nov 1994 08:49:37 GMT"
        assert http_date(date(1994, 11, 6)) == "Sun, 06 Nov 1994 00:00:00 GMT"
        assert http_date((1994, 11, 6, 8, 49, 37, 6, 310, 0)) == "Sun, 06 Nov 1994 08:49:37 GMT"  # type: ignore[arg-type]
        assert parse_date(http_date()) is not None

    @given(st.integers(0, 253402300799) | st.floats(0, 253402300799.0))
    def test_timestamps_format_like_datetimes(self, ts: float) -> None:
        moment = datetime.fromtimestamp(ts, UTC)
        # Twice: the second answer comes from the cache of recent timestamps.
        assert http_date(ts) == http_date(moment) == http_date(ts)

    def test_cache_of_timestamps_is_bounded(self) -> None:
        from erlen.http import headers as headers_module

        for ts in range(1_000_000, 1_000_000 + 3 * headers_module._DATE_TEXTS_MAX):
            assert http_date(ts) == http_date(datetime.fromtimestamp(ts, UTC))
        assert 0 < len(headers_module._DATE_TEXTS) <= headers_module._DATE_TEXTS_MAX
        # A bool is not a cached timestamp, and still one second after 1970.
        assert http_date(True) == "Thu, 01 Jan 1970 00:00:01 GMT"

    @given(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)))
    def test_round_trip(self, moment: datetime) -> None:
        assert parse_date(http_date(moment)) == moment.replace(microsecond=0, tzinfo=UTC)

    def test_same_as_werkzeug(self) -> None:
        wz_http = pytest.importorskip("werkzeug.http")
        for ts in [0, 1, 784111777, 1700000000, 2**31 + 5]:
            assert http_date(ts) == wz_http.http_date(ts)


def test_age() -> None:
    assert parse_age("60") == timedelta(seconds=60)
    assert parse_age("-1") is None
    assert parse_age("abc") is None
    assert parse_age(None) is None
    assert parse_age("9" * 30) is None
    assert dump_age(timedelta(minutes=2)) == "120"
    assert dump_age(5) == "5"
    assert dump_age(None) is None
    with pytest.raises(ValueError):
        dump_age(-1)


# --------------------------------------------------------------------------
# Authorization
# --------------------------------------------------------------------------


def _basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def test_parse_authorization_header() -> None:
    auth = parse_authorization_header(_basic("alice:se:cr:et"))
    assert auth is not None
    assert (auth.type, auth.username, auth.password) == ("basic", "alice", "se:cr:et")
    auth = parse_authorization_header(_basic("user:"))
    assert auth is not None and auth.password == ""
    auth = parse_authorization_header(_basic("Ωmega:pässwörd"))
    assert auth is not None and (auth.username, auth.password) == ("Ωmega", "pässwörd")
    latin1 = "Basic " + base64.b64encode("jos\xe9:pw".encode("latin-1")).decode()
    auth = parse_authorization_header(latin1)
    assert auth is not None and auth.username == "josé"
    auth = parse_authorization_header("bearer  tok.en ")
    assert auth is not None and (auth.type, auth.token) == ("bearer", "tok.en")
    assert parse_authorization_header("Basic nocolon") is None
    assert parse_authorization_header(_basic("nocolon")) is None


def test_parse_www_authenticate_header() -> None:
    seen: list[str] = []
    challenge = parse_www_authenticate_header(
        'Basic realm="x"', on_update=lambda w: seen.append(str(w))
    )
    assert challenge is not None
    assert challenge.realm == "x"
    challenge.realm = "y"
    assert seen == ['Basic realm="y"']
    assert parse_www_authenticate_header(None) is None
