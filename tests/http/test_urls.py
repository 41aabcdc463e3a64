"""erlen.http.urls: query strings, percent-encoding, IRIs."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erlen.http.datastructures import ImmutableMultiDict, MultiDict
from erlen.http.urls import _iri_to_uri, iri_to_uri, url_decode, url_encode, url_quote, url_unquote


def pairs(md: MultiDict[str, str]) -> list[tuple[str, str]]:
    return list(md.items(multi=True))


# url_decode


def test_decode_empty_and_duplicate_keys_in_order() -> None:
    assert pairs(url_decode("a=&a=1&=x&b")) == [("a", ""), ("a", "1"), ("", "x"), ("b", "")]


def test_decode_groups_values_per_key_but_keeps_value_order() -> None:
    md = url_decode("a=1&b=2&a=3")
    assert md.getlist("a") == ["1", "3"]
    assert md["a"] == "1"
    assert list(md) == ["a", "b"]


def test_decode_plus_is_space_and_escapes_are_decoded() -> None:
    md = url_decode("q=a+b%2Bc&path=%2Fetc%2Fpasswd&amp=x%26y%3Dz")
    assert md["q"] == "a b+c"
    assert md["path"] == "/etc/passwd"
    assert md["amp"] == "x&y=z"


def test_decode_plus_in_key() -> None:
    assert pairs(url_decode("a+b=c+d")) == [("a b", "c d")]


def test_decode_value_keeps_later_equals_signs() -> None:
    assert pairs(url_decode("token=abc==&x==")) == [("token", "abc=="), ("x", "=")]


def test_decode_skips_empty_segments() -> None:
    assert pairs(url_decode("&a=1&&b=2&")) == [("a", "1"), ("b", "2")]


@pytest.mark.parametrize("query", ["", b"", "&", "&&&"])
def test_decode_empty(query: str | bytes) -> None:
    md = url_decode(query)
    assert isinstance(md, ImmutableMultiDict)
    assert len(md) == 0


def test_decode_default_class_is_immutable() -> None:
    md = url_decode("a=1")
    with pytest.raises(TypeError):
        md["a"] = "2"


def test_decode_custom_class() -> None:
    md = url_decode("a=1&a=2", cls=MultiDict)
    assert type(md) is MultiDict
    md.add("a", "3")
    assert md.getlist("a") == ["1", "2", "3"]


def test_decode_bytes_and_str_agree() -> None:
    query = "name=J%C3%BCrgen&x=1+2&e=%E2%82%AC"
    assert pairs(url_decode(query)) == pairs(url_decode(query.encode()))
    assert url_decode(query)["name"] == "Jürgen"
    assert url_decode(query)["e"] == "€"


def test_decode_raw_utf8_bytes() -> None:
    assert pairs(url_decode("name=Jürgen&ü=1".encode())) == [("name", "Jürgen"), ("ü", "1")]


def test_decode_raw_bytes_joined_with_escapes() -> None:
    # "é" is C3 A9: one raw byte and one escape must still form one character.
    assert url_decode(b"a=\xc3%A9")["a"] == "é"


def test_decode_invalid_utf8_escape_is_replaced() -> None:
    assert pairs(url_decode("a=%FF&b=%C3&%FE=1")) == [
        ("a", "\ufffd"),
        ("b", "\ufffd"),
        ("\ufffd", "1"),
    ]


def test_decode_invalid_utf8_raw_bytes_are_replaced() -> None:
    assert pairs(url_decode(b"a=\xff\xfe&b=ok")) == [("a", "\ufffd\ufffd"), ("b", "ok")]


def test_decode_broken_escapes_are_kept_literally() -> None:
    assert pairs(url_decode("a=%&b=%2&c=%zz&d=100%")) == [
        ("a", "%"),
        ("b", "%2"),
        ("c", "%zz"),
        ("d", "100%"),
    ]


def test_decode_semicolon_is_not_a_separator() -> None:
    assert pairs(url_decode("a=1;b=2")) == [("a", "1;b=2")]


def test_decode_str_with_non_ascii_characters() -> None:
    assert url_decode("q=日本&r=%E6%97%A5")["q"] == "日本"
    assert url_decode("q=日本&r=%E6%97%A5")["r"] == "日"


@given(st.text())
def test_decode_never_raises_and_matches_stdlib_on_text(query: str) -> None:
    result = pairs(url_decode(query))
    expected = parse_qsl(query, keep_blank_values=True, errors="replace")
    assert sorted(result) == sorted(expected)
    # Per key the order is kept.
    for key in {k for k, _ in expected}:
        assert url_decode(query).getlist(key) == [v for k, v in expected if k == key]


@given(st.binary())
def test_decode_arbitrary_bytes_never_raises(query: bytes) -> None:
    md = url_decode(query)
    for key, value in md.items(multi=True):
        assert isinstance(key, str)
        assert isinstance(value, str)


# url_encode


def test_encode_dict_with_lists_and_none() -> None:
    assert url_encode({"q": "a b/c", "tag": ["x", "y"], "page": None, "n": 3}) == (
        "q=a+b%2Fc&tag=x&tag=y&n=3"
    )


def test_encode_multidict_keeps_every_value() -> None:
    md = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
    assert url_encode(md) == "a=1&a=3&b=2"


def test_encode_pairs_keep_their_order() -> None:
    assert url_encode([("b", "1"), ("a", "2"), ("b", "3")]) == "b=1&a=2&b=3"


def test_encode_sort_is_stable_by_key() -> None:
    assert url_encode([("b", "1"), ("a", "2"), ("b", "0")], sort=True) == "a=2&b=1&b=0"


def test_encode_escapes_reserved_and_non_ascii() -> None:
    assert url_encode({"k&=": "ü+%?#"}) == "k%26%3D=%C3%BC%2B%25%3F%23"


def test_encode_bytes_values() -> None:
    assert url_encode([("raw", b"\xff a")]) == "raw=%FF+a"


def test_encode_empty() -> None:
    assert url_encode({}) == ""
    assert url_encode({"a": ""}) == "a="


def test_encode_separator() -> None:
    assert url_encode([("a", "1"), ("b", "2")], separator=";") == "a=1;b=2"


@given(st.lists(st.tuples(st.text(min_size=0), st.text())))
def test_encode_decode_round_trip(items: list[tuple[str, str]]) -> None:
    # Surrogates cannot be encoded as UTF-8 at all.
    items = [(k, v) for k, v in items if not any(0xD800 <= ord(c) <= 0xDFFF for c in k + v)]
    decoded = url_decode(url_encode(items))
    assert [pair for pair in pairs(decoded)] == _grouped(items)


def _grouped(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    order: dict[str, list[str]] = {}
    for key, value in items:
        order.setdefault(key, []).append(value)
    return [(key, value) for key, values in order.items() for value in values]


# url_quote / url_unquote


def test_quote_defaults_keep_slash_and_colon() -> None:
    assert url_quote("a b/c:d?e#f%") == "a%20b/c:d%3Fe%23f%25"


def test_quote_custom_safe() -> None:
    assert url_quote("a/b:c", safe="") == "a%2Fb%3Ac"
    assert url_quote("a@b", safe="@") == "a@b"


def test_quote_never_encodes_unreserved() -> None:
    unreserved = "ABCXYZabcxyz0189-._~"
    assert url_quote(unreserved, safe="") == unreserved


def test_quote_unicode_bytes_and_other_types() -> None:
    assert url_quote("ü€") == "%C3%BC%E2%82%AC"
    assert url_quote(b"\xff/") == "%FF/"
    assert url_quote(42) == "42"
    assert url_quote("é", charset="latin-1") == "%E9"


def test_unquote() -> None:
    assert url_unquote("a%20b+c%2F") == "a b+c/"
    assert url_unquote(b"%C3%BC") == "ü"
    assert url_unquote("%FF") == "\ufffd"
    assert url_unquote(b"bad%") == "bad%"


@given(st.text().filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)))
def test_quote_unquote_round_trip(text: str) -> None:
    quoted = url_quote(text, safe="")
    assert quoted.isascii()
    assert url_unquote(quoted) == text


# iri_to_uri


@pytest.mark.parametrize(
    ("iri", "uri"),
    [
        (
            "http://bücher.de/straße?q=ä b#fü",
            "http://xn--bcher-kva.de/stra%C3%9Fe?q=%C3%A4%20b#f%C3%BC",
        ),
        ("http://[::1]:8080/ä", "http://[::1]:8080/%C3%A4"),
        ("/päth?x=%20y", "/p%C3%A4th?x=%20y"),
        ("http://user:pä@host/", "http://user:p%C3%A4@host/"),
        ("http://x/a%2Fb c", "http://x/a%2Fb%20c"),
        ("http://ドメイン.テスト/パス", "http://xn--eckwd4c7c.xn--zckzah/%E3%83%91%E3%82%B9"),
        ('http://x/"<>{}|^`', "http://x/%22%3C%3E%7B%7D%7C%5E%60"),
        ("http://x.com:/p", "http://x.com/p"),
        ("http://example.com/a?b=1&c=2", "http://example.com/a?b=1&c=2"),
    ],
)
def test_iri_to_uri(iri: str, uri: str) -> None:
    assert iri_to_uri(iri) == uri


def test_iri_to_uri_bytes() -> None:
    assert iri_to_uri("http://x/ä".encode()) == "http://x/%C3%A4"


def test_iri_to_uri_malformed_host_still_ascii() -> None:
    result = iri_to_uri("http://[::1/ä")
    assert result.isascii()
    assert "%C3%A4" in result


@given(st.text())
def test_iri_to_uri_is_ascii_and_idempotent(iri: str) -> None:
    try:
        uri = iri_to_uri(iri)
    except UnicodeEncodeError:
        # Lone surrogates are not text that can be sent at all.
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in iri)
        return
    assert uri.isascii()
    assert iri_to_uri(uri) == uri


def test_iri_to_uri_matches_werkzeug() -> None:
    werkzeug_urls = pytest.importorskip("werkzeug.urls")
    for iri in [
        "http://bücher.de/straße?q=ä b#fü",
        "https://user@例え.jp:8443/パス?é=ü&x#frag ment",
        "mailto:ä@b.de",
        "/relative/ä?x=%zz",
    ]:
        assert iri_to_uri(iri) == werkzeug_urls.iri_to_uri(iri)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # "+" is a space, but an escaped plus stays a plus (the fast path
        # replaces "+" before unescaping).
        ("a=1%2B2+3", [("a", "1+2 3")]),
        ("a+b=c+d&e=f", [("a b", "c d"), ("e", "f")]),
        # An escaped "&" or "=" does not split.
        ("k=a%26b%3Dc&x=y", [("k", "a&b=c"), ("x", "y")]),
        ("plain=1&plain=2&other=", [("plain", "1"), ("plain", "2"), ("other", "")]),
        ("ä=ö+ü", [("ä", "ö ü")]),
    ],
)
def test_decode_fast_paths_match_stdlib(query: str, expected: list[tuple[str, str]]) -> None:
    items = url_decode(query).items(multi=True)
    assert list(items) == expected
    assert list(url_decode(query.encode()).items(multi=True)) == expected
    assert expected == parse_qsl(query, keep_blank_values=True)


# -- percent-decoding through the C codec -------------------------------------------------------


@given(st.text(alphabet="%%%0123456789abcdefABCDEFgz\\x +&=\x00\x7fé\u4e2d", max_size=30))
def test_percent_decode_is_urllibs(text: str) -> None:
    from urllib.parse import unquote_to_bytes

    from erlen.http.urls import _percent_decode

    assert _percent_decode(text) == unquote_to_bytes(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Z%C3%BCrich", "Zürich".encode()),
        ("100%", b"100%"),  # no hex digits: kept
        ("%zz%4", b"%zz%4"),
        ("a\\x41%41", b"a\\x41A"),  # a backslash is data, not an escape
        ("\\%41\\", b"\\A\\"),
        ("%E6%97%A5", "日".encode()),
        ("ü%20", "ü ".encode()),  # non-ASCII text: urllib's path
    ],
)
def test_percent_decode_edges(text: str, expected: bytes) -> None:
    from erlen.http.urls import _percent_decode

    assert _percent_decode(text) == expected


def test_escaped_queries_and_forms_decode_as_before() -> None:
    from erlen.http.formparser import parse_form_data

    assert list(url_decode("city=Z%C3%BCrich&q=a%2Bb+c&bad=%zz&raw=%FF").items(multi=True)) == [
        ("city", "Zürich"),
        ("q", "a+b c"),
        ("bad", "%zz"),
        ("raw", "\ufffd"),
    ]
    import io

    body = b"city=Z%C3%BCrich&q=a%2Bb+c&n%61me=%5Cx41"
    form, _ = parse_form_data(io.BytesIO(body), "application/x-www-form-urlencoded", {}, len(body))
    assert list(form.items(multi=True)) == [("city", "Zürich"), ("q", "a+b c"), ("name", "\\x41")]


_URI_TEXT = st.text(alphabet="aZ09-._~!$&'()*+,;=:@/%?#[] \"<>\\^`{|}\u00e9\t", max_size=24)


@given(
    st.sampled_from(
        ["", "/", "//", "http://", "https://a.b", "HTTP://", "http://x:8", "http://x:"]
    ),
    _URI_TEXT,
)
def test_the_plain_uri_shortcut_agrees_with_the_full_conversion(prefix: str, rest: str) -> None:
    value = prefix + rest
    assert iri_to_uri(value) == _iri_to_uri(value, "utf-8")
