"""Tests for erlen.http.cookies."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen.http.cookies import SetCookie, dump_cookie, parse_cookie, parse_set_cookie
from erlen.http.datastructures import ImmutableMultiDict, MultiDict
from erlen.http.headers import parse_date

# --------------------------------------------------------------------------
# parse_cookie
# --------------------------------------------------------------------------


class TestParseCookie:
    def test_simple_and_quoted(self) -> None:
        cookies = parse_cookie('a=b; c="d e"; empty=')
        assert isinstance(cookies, ImmutableMultiDict)
        assert cookies.to_dict() == {"a": "b", "c": "d e", "empty": ""}

    def test_escapes_in_quoted_values(self) -> None:
        cookies = parse_cookie(r'g="x\"y\073z\\w\054"; u="\303\251t\303\251"')
        assert cookies["g"] == 'x"y;z\\w,'
        assert cookies["u"] == "été"

    def test_backslash_in_unquoted_value_kept(self) -> None:
        assert parse_cookie(r"a=x\073y")["a"] == r"x\073y"

    def test_pair_without_equals_is_empty_value(self) -> None:
        # COMPAT(flask): Werkzeug reads "flag" as the name "flag" with an empty
        # value (erlen used to skip it); a pair with no name is still skipped.
        cookies = parse_cookie("flag; =orphan; a=1;; ;b=2")
        assert list(cookies.items(multi=True)) == [("flag", ""), ("a", "1"), ("b", "2")]
        assert list(parse_cookie("bad; a=1").items(multi=True)) == [("bad", ""), ("a", "1")]
        assert list(parse_cookie(" lone ").items(multi=True)) == [("lone", "")]
        cookies = parse_cookie("a=1; b c; d; d")
        # COMPAT(werkzeug>=3.1.9): a name with a space inside is no token: skipped.
        assert list(cookies.items(multi=True)) == [("a", "1"), ("d", ""), ("d", "")]
        assert parse_cookie('q="x;y"; tail')["tail"] == ""

    def test_duplicates_kept_in_order(self) -> None:
        cookies = parse_cookie("id=first; other=x; id=second")
        assert cookies["id"] == "first"
        assert cookies.getlist("id") == ["first", "second"]

    def test_whitespace_trimmed(self) -> None:
        cookies = parse_cookie(' a = 1 ;\tb=\t2\t;  c = " spaced " ')
        assert cookies.to_dict() == {"a": "1", "b": "2", "c": " spaced "}

    def test_value_with_equals_and_semicolon_in_quotes(self) -> None:
        cookies = parse_cookie('token=abc==; q="a;b"; n=1')
        assert cookies.to_dict() == {"token": "abc==", "q": "a;b", "n": "1"}

    def test_malformed_quotes(self) -> None:
        cookies = parse_cookie('a="unterminated; b=2; c="x"y; d=4')
        # A broken quoted value is dropped, never guessed at (Werkzeug 3.1.9 too).
        assert cookies.to_dict() == {"b": "2", "d": "4"}

    def test_bytes_and_latin1_text(self) -> None:
        raw = "name=日本".encode()
        assert parse_cookie(raw)["name"] == "日本"
        # WSGI gives headers as Latin-1 decoded text of the raw bytes.
        assert parse_cookie(raw.decode("latin-1"))["name"] == "日本"
        # Already-decoded text (not Latin-1 representable) still works.
        assert parse_cookie("name=日本")["name"] == "日本"
        assert parse_cookie(b"bad=\xff\xfe")["bad"] == "\ufffd\ufffd"

    def test_empty_inputs(self) -> None:
        assert parse_cookie(None) == ImmutableMultiDict()
        assert parse_cookie("") == ImmutableMultiDict()
        assert parse_cookie(b"") == ImmutableMultiDict()
        assert len(parse_cookie(";;;  ;")) == 0

    def test_cls(self) -> None:
        cookies = parse_cookie("a=1; a=2", cls=MultiDict)
        assert type(cookies) is MultiDict
        cookies.add("b", "3")
        assert parse_cookie("a=1", cls=dict) == {"a": "1"}

    def test_same_as_werkzeug_on_common_headers(self) -> None:
        wz_http = pytest.importorskip("werkzeug.http")
        for header in [
            "a=b; c=d",
            'session="abc.def"; theme=dark',
            r'x="a\"b\\c\054d"',
            "k=v=w; z=",
            "__Host-id=1; __Secure-x=2",
            "flag; a=1",
            "a=1; b c; =x; d",
            'a="unterminated; b=2; c="x"y; d=4',
        ]:
            ours = list(parse_cookie(header).items(multi=True))
            theirs = list(wz_http.parse_cookie(header).items(multi=True))
            assert ours == theirs

    @given(st.binary(max_size=300))
    def test_never_raises(self, header: bytes) -> None:
        cookies = parse_cookie(header)
        for key, value in cookies.items(multi=True):
            assert key and isinstance(value, str)


# --------------------------------------------------------------------------
# dump_cookie
# --------------------------------------------------------------------------


class TestDumpCookie:
    def test_plain(self) -> None:
        assert dump_cookie("a", "b") == "a=b; Path=/"
        assert dump_cookie("a", "") == "a=; Path=/"
        assert dump_cookie("a", "x", path=None) == "a=x"
        assert dump_cookie("tok", "abc==/+:@[]?{}") == "tok=abc==/+:@[]?{}; Path=/"

    def test_quoting_matches_werkzeug(self) -> None:
        assert dump_cookie("a", "b c") == 'a="b c"; Path=/'
        assert dump_cookie("a", 'x"y;z\\é,') == r'a="x\"y\073z\\\303\251\054"; Path=/'
        wz_http = pytest.importorskip("werkzeug.http")
        for value in ["b c", 'x"y;z\\é,', "日本", "tab\there", "a,b", "plain"]:
            assert dump_cookie("k", value) == wz_http.dump_cookie("k", value)

    def test_injection_impossible(self) -> None:
        header = dump_cookie("a", "x\r\nSet-Cookie: evil=1; Path=/\0")
        assert "\r" not in header and "\n" not in header and "\0" not in header
        assert header.count(";") == 1
        assert parse_cookie(header.split("; Path")[0])["a"] == ("x\r\nSet-Cookie: evil=1; Path=/\0")

    @pytest.mark.parametrize(
        "name", ["", "a b", "a;b", "a=b", "a,b", 'a"b', "é", "a\r\nb", "a\0", "(x)", "a/b"]
    )
    def test_invalid_names(self, name: str) -> None:
        with pytest.raises(ValueError, match="cookie name"):
            dump_cookie(name, "v")

    def test_valid_token_names(self) -> None:
        assert dump_cookie("__Host-sid!#$%&'*+.^_`|~", "v", path=None).startswith(
            "__Host-sid!#$%&'*+.^_`|~=v"
        )

    def test_unencodable_value(self) -> None:
        with pytest.raises(ValueError):
            dump_cookie("a", "\ud800")

    def test_bytes_value(self) -> None:
        assert dump_cookie("a", b"\x00\xff", path=None) == r'a="\000\377"'

    def test_max_age_int_and_timedelta_sets_expires(self) -> None:
        before = datetime.now(UTC).replace(microsecond=0)
        header = dump_cookie("a", "b", max_age=3600)
        assert "Max-Age=3600" in header
        expires = parse_date(header.split("Expires=")[1].split(";")[0])
        assert expires is not None
        assert before + timedelta(seconds=3599) <= expires <= before + timedelta(seconds=3602)
        header = dump_cookie("a", "b", max_age=timedelta(days=1))
        assert "Max-Age=86400" in header

    def test_expires_forms(self) -> None:
        moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
        assert "Expires=Wed, 02 Jan 2030 03:04:05 GMT" in dump_cookie("a", expires=moment)
        assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in dump_cookie("a", expires=0)
        assert "Expires=Thu, 01 Jan 1970 00:00:01 GMT" in dump_cookie("a", expires=1.5)
        text = "Wed, 02 Jan 2030 03:04:05 GMT"
        assert f"Expires={text}" in dump_cookie("a", expires=text)
        with pytest.raises(ValueError):
            dump_cookie("a", expires="Wed; Secure")
        with pytest.raises(ValueError):
            dump_cookie("a", expires="x\r\ny")

    def test_explicit_expires_not_overridden_by_max_age(self) -> None:
        header = dump_cookie("a", max_age=0, expires=0)
        assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in header
        assert "Max-Age=0" in header

    def test_full_attribute_order(self) -> None:
        header = dump_cookie(
            "sid",
            "v",
            expires=0,
            max_age=10,
            path="/app",
            domain="Example.com",
            secure=True,
            httponly=True,
            samesite="lax",
        )
        assert header == (
            "sid=v; Domain=Example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=10;"
            " Secure; HttpOnly; Path=/app; SameSite=Lax"
        )

    def test_domain(self) -> None:
        assert "Domain=example.com;" in dump_cookie("a", domain=".example.com")
        assert "Domain=xn--bcher-kva.example;" in dump_cookie("a", domain="bücher.example")
        for bad in ["exa mple.com", "a;b", "x\r\n", "a:80", "a/b"]:
            with pytest.raises(ValueError, match="domain"):
                dump_cookie("a", domain=bad)

    def test_path_is_made_safe(self) -> None:
        assert dump_cookie("a", path="/a b;c/é").endswith("Path=/a%20b%3Bc/%C3%A9")
        header = dump_cookie("a", path="/x\r\nSet-Cookie: evil=1")
        assert "\r" not in header and "\n" not in header
        assert header.count(";") == 1

    @pytest.mark.parametrize(
        ("given", "written"), [("Strict", "Strict"), ("lax", "Lax"), ("NONE", "None")]
    )
    def test_samesite(self, given: str, written: str) -> None:
        assert dump_cookie("a", samesite=given).endswith(f"SameSite={written}")

    @pytest.mark.parametrize("bad", ["", "strictly", "no", "None; Secure"])
    def test_invalid_samesite(self, bad: str) -> None:
        with pytest.raises(ValueError, match="samesite"):
            dump_cookie("a", samesite=bad)

    def test_partitioned_implies_secure(self) -> None:
        header = dump_cookie("a", "b", partitioned=True)
        assert header == "a=b; Secure; Path=/; Partitioned"

    def test_too_large_warns(self) -> None:
        with pytest.warns(UserWarning, match="too large"):
            dump_cookie("big", "x" * 5000)
        assert len(dump_cookie("big", "x" * 5000, max_size=0)) > 5000
        with pytest.warns(UserWarning):
            dump_cookie("a", "x" * 20, max_size=10)


_NAME_CHARS = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
_NAMES = st.text(st.sampled_from(_NAME_CHARS), min_size=1, max_size=30)


@given(_NAMES, st.text())
def test_dump_parse_round_trip(name: str, value: str) -> None:
    header = dump_cookie(name, value, path=None, max_size=0)
    assert "\r" not in header and "\n" not in header and "\0" not in header
    assert header.isascii()
    assert parse_cookie(header).getlist(name) == [value]
    # Next to other cookies, as a browser sends them.
    pairs = list(parse_cookie(f"x=1; {header}; y=2").items(multi=True))
    assert pairs[0] == ("x", "1")
    assert pairs[1:] == [(name, value), ("y", "2")] or name in ("x", "y")
    assert parse_set_cookie(dump_cookie(name, value, max_size=0)).value == value


# --------------------------------------------------------------------------
# parse_set_cookie
# --------------------------------------------------------------------------


class TestParseSetCookie:
    def test_all_attributes(self) -> None:
        header = dump_cookie(
            "sid",
            "a b",
            max_age=60,
            expires=datetime(2030, 1, 1, tzinfo=UTC),
            path="/app",
            domain=".Example.com",
            secure=True,
            httponly=True,
            samesite="strict",
            partitioned=True,
        )
        cookie = parse_set_cookie(header)
        assert cookie == SetCookie(
            name="sid",
            value="a b",
            expires=datetime(2030, 1, 1, tzinfo=UTC),
            max_age=60,
            path="/app",
            domain="example.com",
            secure=True,
            httponly=True,
            samesite="Strict",
            partitioned=True,
        )

    def test_defaults_and_case_insensitive_attributes(self) -> None:
        cookie = parse_set_cookie("a=b; SECURE; httpOnly; max-AGE=5; sameSITE=lax; PATH=/x")
        assert (cookie.name, cookie.value) == ("a", "b")
        assert cookie.secure and cookie.httponly and not cookie.partitioned
        assert (cookie.max_age, cookie.samesite, cookie.path) == (5, "Lax", "/x")
        assert cookie.expires is None and cookie.domain is None

    def test_invalid_attributes_ignored(self) -> None:
        cookie = parse_set_cookie(
            "a=b; Expires=not a date; Max-Age=soon; Path=relative; SameSite=weird; Domain=; X=1"
        )
        assert cookie == SetCookie("a", "b")

    def test_expires_with_comma(self) -> None:
        cookie = parse_set_cookie("a=b; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Path=/")
        assert cookie.expires == datetime(2021, 6, 9, 10, 18, 14, tzinfo=UTC)
        assert cookie.path == "/"

    @pytest.mark.parametrize("header", ["", "novalue", "=value", " ; a=b", b"\xff"])
    def test_no_pair_raises(self, header: str | bytes) -> None:
        with pytest.raises(ValueError):
            parse_set_cookie(header)

    def test_expiry(self) -> None:
        received = datetime(2030, 1, 1, tzinfo=UTC)
        deleted = parse_set_cookie(dump_cookie("a", "", max_age=0, expires=0))
        assert deleted.is_expired()
        old = parse_set_cookie("a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
        assert old.is_expired()
        session = parse_set_cookie("a=b")
        assert session.expiry() is None and not session.is_expired()
        lasting = parse_set_cookie("a=b; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
        assert lasting.expiry(received) == received + timedelta(seconds=60)
        assert not lasting.is_expired(now=received, received=received)
        assert lasting.is_expired(now=received + timedelta(seconds=61), received=received)
        negative = parse_set_cookie("a=b; Max-Age=-1")
        assert negative.max_age == -1 and negative.is_expired()
        huge = parse_set_cookie(f"a=b; Max-Age={10**20}")
        assert not huge.is_expired()


# --------------------------------------------------------------------------
# fast paths: same results as the full parser / formatter
# --------------------------------------------------------------------------


def _full_parse(header: str) -> list[tuple[str, str]]:
    from erlen.http import cookies

    return list(cookies._iter_pairs(cookies._to_bytes(header)))


class TestFastPaths:
    @pytest.mark.parametrize(
        "header",
        [
            "session=eyJh.Zk1x-_w; theme=dark",
            "a=b=c==; d=",
            "a=1; a=2; b=3",
            "a=b;c=d",
            "a=b; c=d; ",
            " a=b",
            "a=b; flag",
            'a="x y"; b=c',
            "a=\\x; b=c",
            "n\u00e9=v; b=c",
            "a=caf\u00c3\u00a9",
            "a=b;  c=d",
            "=v; a=b",
        ],
    )
    def test_parse_matches_full_parser(self, header: str) -> None:
        parsed = parse_cookie(header, cls=list)
        assert parsed == _full_parse(header)

    def test_parse_fast_path_values(self) -> None:
        cookies = parse_cookie("s=abc.def-_==; s=second; t=")
        assert cookies.getlist("s") == ["abc.def-_==", "second"]
        assert cookies["t"] == ""
        assert list(cookies.keys()) == ["s", "t"]

    @given(
        st.lists(
            st.tuples(
                st.text(alphabet=string.ascii_letters + "!#$_-.= \"';\\,é", max_size=6),
                st.text(alphabet=string.ascii_letters + "!#$_-.= \"';\\,é", max_size=8),
            ),
            max_size=5,
        ),
        st.sampled_from(["; ", ";", " ; "]),
    )
    def test_parse_fast_and_full_agree(self, pairs: list[tuple[str, str]], sep: str) -> None:
        header = sep.join(f"{name}={value}" for name, value in pairs)
        assert parse_cookie(header, cls=list) == _full_parse(header)

    def test_dump_cached_name_and_tail_still_validate(self) -> None:
        assert dump_cookie("ok", "v", httponly=True, samesite="Lax") == (
            "ok=v; HttpOnly; Path=/; SameSite=Lax"
        )
        with pytest.raises(ValueError, match="invalid cookie name"):
            dump_cookie("o k", "v", httponly=True, samesite="Lax")
        for _ in range(2):
            with pytest.raises(ValueError, match="samesite"):
                dump_cookie("ok", "v", samesite="loose")
        assert dump_cookie("ok", "a;b", httponly=True, samesite="lax") == (
            'ok="a\\073b"; HttpOnly; Path=/; SameSite=Lax'
        )
        assert dump_cookie("ok", "v", path="/a b", partitioned=True) == (
            "ok=v; Secure; Path=/a%20b; Partitioned"
        )
        assert dump_cookie("ok", "v", path=None) == "ok=v"

    def test_dump_str_subclass_and_bytes_values(self) -> None:
        from markupsafe import Markup

        assert dump_cookie("m", Markup("<b>")) == "m=<b>; Path=/"
        assert type(dump_cookie("m", Markup("x"))) is str
        assert dump_cookie("b", b"abc") == "b=abc; Path=/"
        assert dump_cookie("e", "\u00e9") == 'e="\\303\\251"; Path=/'

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"httponly": True, "samesite": "Lax"},
            {"secure": True, "httponly": True, "samesite": "None", "max_age": 60},
            {"path": "/app", "domain": "example.com"},
            {"partitioned": True},
            {},
        ],
    )
    def test_dump_matches_werkzeug(self, kwargs: dict[str, object]) -> None:
        from werkzeug.http import dump_cookie as wz_dump

        value = "eyJfZnJlc2giOmZhbHNlfQ.Zk1x2w.abc-_XYZ"
        ours = dump_cookie("session", value, **kwargs)  # type: ignore[arg-type]
        theirs = wz_dump("session", value, **kwargs)  # type: ignore[arg-type]
        if "max_age" in kwargs:  # Expires depends on the clock second.
            ours = ours.split("; Expires=")[0] + ours.split("; Max-Age")[1]
            theirs = theirs.split("; Expires=")[0] + theirs.split("; Max-Age")[1]
        assert ours == theirs
