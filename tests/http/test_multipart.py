"""erlen.http.multipart: the incremental decoder and the encoder."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erlen.http.datastructures import FileStorage, Headers
from erlen.http.exceptions import BadRequest, RequestEntityTooLarge
from erlen.http.multipart import (
    MultipartDecoder,
    MultipartEvent,
    PartData,
    PartEnd,
    PartStart,
    encode_multipart,
    parse_boundary,
)

CD = b"Content-Disposition: form-data; "


def decode(
    body: bytes, boundary: str = "b", chunk_size: int | None = None, **limits: Any
) -> list[MultipartEvent]:
    decoder = MultipartDecoder(boundary, **limits)
    events: list[MultipartEvent] = []
    step = chunk_size or max(len(body), 1)
    for i in range(0, len(body), step):
        decoder.feed(body[i : i + step])
        events.extend(decoder.events())
    decoder.feed(b"")
    events.extend(decoder.events())
    return events


def collect(events: list[MultipartEvent]) -> list[tuple[str, str | None, bytes]]:
    """(name, filename, data) per part; checks the event grammar on the way."""
    parts: list[tuple[str, str | None, bytes]] = []
    current: PartStart | None = None
    data: list[bytes] = []
    for event in events:
        if isinstance(event, PartStart):
            assert current is None
            current, data = event, []
        elif isinstance(event, PartData):
            assert current is not None
            assert event.data
            data.append(event.data)
        else:
            assert isinstance(event, PartEnd)
            assert current is not None
            parts.append((current.name, current.filename, b"".join(data)))
            current = None
    assert current is None
    return parts


def body_of(*parts: bytes, boundary: bytes = b"b", end: bytes = b"--\r\n") -> bytes:
    out = b""
    for part in parts:
        out += b"--" + boundary + b"\r\n" + part + b"\r\n"
    return out + b"--" + boundary + end


SIMPLE = body_of(
    CD + b'name="title"\r\n\r\nHello',
    CD + b'name="upload"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nline1\r\nline2',
)


def test_events_of_a_simple_body() -> None:
    events = decode(SIMPLE)
    assert [type(e) for e in events] == [PartStart, PartData, PartEnd] * 2
    first, second = events[0], events[3]
    assert isinstance(first, PartStart) and isinstance(second, PartStart)
    assert (first.name, first.filename, first.content_type) == ("title", None, None)
    assert (second.name, second.filename, second.content_type) == ("upload", "a.txt", "text/plain")
    assert isinstance(second.headers, Headers)
    assert second.headers["content-type"] == "text/plain"
    assert second.headers.get("Content-Disposition") == (
        'form-data; name="upload"; filename="a.txt"'
    )
    assert events[1] == PartData(b"Hello")
    assert events[4] == PartData(b"line1\r\nline2")


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 7, 13, 64])
def test_any_chunking_gives_the_same_parts(chunk_size: int) -> None:
    assert collect(decode(SIMPLE, chunk_size=chunk_size)) == [
        ("title", None, b"Hello"),
        ("upload", "a.txt", b"line1\r\nline2"),
    ]


def test_events_are_returned_once() -> None:
    decoder = MultipartDecoder("b")
    decoder.feed(SIMPLE)
    assert len(list(decoder.events())) == 6
    assert list(decoder.events()) == []
    decoder.feed(b"")
    assert decoder.complete


def test_empty_part_value() -> None:
    assert collect(decode(body_of(CD + b'name="e"\r\n\r\n'))) == [("e", None, b"")]


def test_empty_filename_is_a_file_part() -> None:
    body = body_of(CD + b'name="f"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n')
    assert collect(decode(body)) == [("f", "", b"")]


def test_form_with_no_parts() -> None:
    assert decode(b"--b--\r\n") == []


def test_leading_blank_lines_are_allowed() -> None:
    assert collect(decode(b"\r\n\r\n" + SIMPLE, chunk_size=1))[0] == ("title", None, b"Hello")


def test_closing_boundary_without_crlf_is_accepted() -> None:
    body = body_of(CD + b'name="a"\r\n\r\nx', end=b"--")
    assert collect(decode(body)) == [("a", None, b"x")]
    assert collect(decode(body, chunk_size=1)) == [("a", None, b"x")]


def test_epilogue_is_ignored() -> None:
    body = body_of(CD + b'name="a"\r\n\r\nx', end=b"--\r\nthis is the epilogue\r\n--b\r\n")
    assert collect(decode(body)) == [("a", None, b"x")]


def test_data_that_looks_like_a_boundary() -> None:
    tricky = b"--b\r\n--bb\r\n\r\n--b-x\r\n--\r\n-b--\r"
    body = body_of(CD + b'name="a"\r\n\r\n' + tricky)
    for size in (1, 4, None):
        assert collect(decode(body, chunk_size=size)) == [("a", None, tricky)]


def test_binary_data() -> None:
    payload = bytes(range(256)) * 4
    body = body_of(CD + b'name="bin"; filename="x.bin"\r\n\r\n' + payload)
    assert collect(decode(body, chunk_size=100)) == [("bin", "x.bin", payload)]


# malformed bodies


def assert_bad(body: bytes, match: str, **kwargs: Any) -> None:
    with pytest.raises(BadRequest, match=match) as info:
        decode(body, **kwargs)
    assert info.value.code == 400


@pytest.mark.parametrize("chunk_size", [1, None])
def test_truncated_body(chunk_size: int | None) -> None:
    body = SIMPLE[: SIMPLE.index(b"--b--")]
    assert_bad(body, "truncated", chunk_size=chunk_size)


@pytest.mark.parametrize("cut", [1, 5, 20, 60])
def test_truncated_anywhere(cut: int) -> None:
    assert_bad(SIMPLE[:cut], "truncated|ended")


def test_truncated_inside_final_boundary() -> None:
    assert_bad(SIMPLE[:-3], "truncated")


def test_empty_body() -> None:
    assert_bad(b"", "ended before the first boundary")
    assert_bad(b"\r\n", "ended before the first boundary")


def test_garbage_before_first_boundary() -> None:
    assert_bad(b"garbage\r\n" + SIMPLE, "before the first boundary")
    # python-multipart itself would skip "junk" after a newline: erlen does not.
    assert_bad(b"\r\njunk" + SIMPLE, "before the first boundary")


def test_wrong_boundary() -> None:
    assert_bad(SIMPLE, "before the first boundary", boundary="other")


def test_boundary_followed_by_garbage() -> None:
    assert_bad(b"--bXYZ\r\n" + SIMPLE, "malformed")


def test_lf_only_line_breaks_are_refused() -> None:
    body = SIMPLE.replace(b"\r\n", b"\n")
    assert_bad(body, "CRLF")


def test_last_value_without_crlf_before_closing_boundary() -> None:
    body = b"--b\r\n" + CD + b'name="a"\r\n\r\nvalue--b--\r\n'
    assert_bad(body, "truncated")


def test_headers_without_blank_line() -> None:
    assert_bad(b"--b\r\n" + CD + b'name="a"\r\n--b--\r\n', "malformed|truncated")


def test_missing_content_disposition() -> None:
    assert_bad(body_of(b"Content-Type: text/plain\r\n\r\nx"), "Content-Disposition")


def test_bad_header_name() -> None:
    assert_bad(body_of(b"Bad Header: x\r\n" + CD + b'name="a"\r\n\r\nx'), "malformed")


def test_header_value_with_bare_lf() -> None:
    assert_bad(body_of(CD + b'name="a"\r\nX-Evil: a\nb\r\n\r\nx'), "line break")


def test_too_many_headers() -> None:
    headers = b"".join(b"X-H%d: v\r\n" % i for i in range(40))
    assert_bad(body_of(CD + b'name="a"\r\n' + headers + b"\r\nx"), "malformed")


def test_huge_header_line() -> None:
    assert_bad(body_of(CD + b'name="' + b"a" * 20_000 + b'"\r\n\r\nx'), "malformed")


def test_feed_after_end() -> None:
    decoder = MultipartDecoder("b")
    decoder.feed(SIMPLE)
    decoder.feed(b"")
    decoder.feed(b"")
    with pytest.raises(RuntimeError):
        decoder.feed(b"more")


# limits


def test_too_many_parts() -> None:
    body = body_of(*[CD + b'name="f%d"\r\n\r\nv' % i for i in range(6)])
    assert len(collect(decode(body, max_parts=6))) == 6
    with pytest.raises(RequestEntityTooLarge, match="more than 5 parts") as info:
        decode(body, max_parts=5)
    assert info.value.code == 413


def test_field_over_part_memory() -> None:
    body = body_of(CD + b'name="big"\r\n\r\n' + b"x" * 101)
    assert collect(decode(body, max_part_memory=101)) == [("big", None, b"x" * 101)]
    with pytest.raises(RequestEntityTooLarge):
        decode(body, max_part_memory=100)
    with pytest.raises(RequestEntityTooLarge):
        decode(body, max_part_memory=100, chunk_size=7)


def test_files_are_not_limited_by_part_memory() -> None:
    body = body_of(CD + b'name="f"; filename="big.bin"\r\n\r\n' + b"x" * 1000)
    assert collect(decode(body, max_part_memory=10)) == [("f", "big.bin", b"x" * 1000)]


def test_limits_can_be_disabled() -> None:
    body = body_of(*[CD + b'name="f"\r\n\r\n' + b"x" * 600_000] * 3)
    assert len(collect(decode(body, max_parts=None, max_part_memory=None))) == 3


# boundary


@pytest.mark.parametrize(
    "boundary",
    [
        "b",
        "----WebKitFormBoundary7MA4YWxkTrZu0gW",
        "a'()+_,-./:=?z",
        "a b",
        "x" * 70,
        "x" * 200,
        # Token characters outside RFC 2046's set, accepted as by Werkzeug:
        # WebTest's boundary ends in "$".
        "----------a_BoUnDaRy8437125921583839$",
        "a!#$%&*^`|~z",
    ],
)
def test_valid_boundaries(boundary: str) -> None:
    assert parse_boundary(boundary) == boundary.encode()
    body, _ = encode_multipart([("a", "1")], boundary=boundary)
    assert collect(decode(body, boundary=boundary)) == [("a", None, b"1")]


@pytest.mark.parametrize("boundary", [None, "", b""])
def test_missing_boundary(boundary: str | bytes | None) -> None:
    with pytest.raises(BadRequest, match="missing boundary"):
        parse_boundary(boundary)


@pytest.mark.parametrize(
    "boundary",
    [
        "a\r\nb",
        "a;b",
        'a"b',
        "a\\b",
        "a[b]",
        "a{b}",
        "a<b>",
        "a@b",
        "trailing ",
        "x" * 201,
        "ü",
        "a\x00",
    ],
)
def test_invalid_boundaries(boundary: str) -> None:
    with pytest.raises(BadRequest, match="invalid characters"):
        MultipartDecoder(boundary)


# Content-Disposition parameters


def part_names(disposition: bytes) -> tuple[str, str | None]:
    events = decode(body_of(b"Content-Disposition: " + disposition + b"\r\n\r\nx"))
    start = events[0]
    assert isinstance(start, PartStart)
    return start.name, start.filename


@pytest.mark.parametrize(
    ("disposition", "expected"),
    [
        (b'form-data; name="a"', ("a", None)),
        (b"form-data; name=a; filename=b.txt", ("a", "b.txt")),
        (b'form-data;name="a";filename="b.txt"', ("a", "b.txt")),
        (b'FORM-DATA; NAME="a"; FILENAME="b.txt"', ("a", "b.txt")),
        (b'form-data; name="a;b"; filename="c; d=e.txt"', ("a;b", "c; d=e.txt")),
        # Browsers (HTML spec) escape ", CR and LF as %22, %0D, %0A.
        (b'form-data; name="say %22hi%22"; filename="a%0D%0Ab.txt"', ('say "hi"', "a\r\nb.txt")),
        # curl and RFC 2616 style backslash escapes.
        (b'form-data; name="q\\"t"; filename="back\\\\slash"', ('q"t', "back\\slash")),
        ('form-data; name="ü"; filename="日本.txt"'.encode(), ("ü", "日本.txt")),
        (
            b'form-data; name="f"; filename="fallback.txt"; filename*=UTF-8\'\'%E2%82%AC.txt',
            ("f", "€.txt"),
        ),
        (b"form-data; name=\"f\"; filename*=utf-8''bad%FF", ("f", None)),
        (b'form-data; name="f"; filename="C:\\Users\\me\\a.txt"', ("f", "C:\\Users\\me\\a.txt")),
        (b'form-data; name="f"; filename="C:\\dir\\"', ("f", "C:\\dir\\")),
        (b"form-data", ("", None)),
        (b'form-data; name="a"; name="b"', ("a", None)),
        (b'form-data; name="\xe9"', ("\xe9", None)),  # latin-1 bytes, not UTF-8
    ],
)
def test_disposition_parameters(disposition: bytes, expected: tuple[str, str | None]) -> None:
    assert part_names(disposition) == expected


# encode_multipart


def test_encode_exact_bytes() -> None:
    body, content_type = encode_multipart(
        [("a", "1"), ("f", (io.BytesIO(b"data"), "x.txt", "text/plain"))], boundary="B"
    )
    assert content_type == "multipart/form-data; boundary=B"
    assert body == (
        b"--B\r\n"
        b'Content-Disposition: form-data; name="a"\r\n\r\n1\r\n'
        b"--B\r\n"
        b'Content-Disposition: form-data; name="f"; filename="x.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\ndata\r\n"
        b"--B--\r\n"
    )


def test_encode_file_storage_and_file_objects(tmp_path: Any) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG")
    storage = FileStorage(io.BytesIO(b"abc"), filename="s.csv", content_type="text/csv")
    with path.open("rb") as fh:
        body, content_type = encode_multipart(
            [("s", storage), ("p", fh), ("raw", b"\xff\x00"), ("t", (b"bytes", "t.bin"))]
        )
    boundary = content_type.partition("boundary=")[2]
    events = decode(body, boundary=boundary)
    assert collect(events) == [
        ("s", "s.csv", b"abc"),
        ("p", "photo.png", b"\x89PNG"),
        ("raw", None, b"\xff\x00"),
        ("t", "t.bin", b"bytes"),
    ]
    types = [e.content_type for e in events if isinstance(e, PartStart)]
    assert types == ["text/csv", "image/png", None, "application/octet-stream"]


def test_encode_escapes_names() -> None:
    body, _ = encode_multipart([('a"b\r\nc\\', "v")], boundary="B")
    assert b'name="a%22b%0D%0Ac\\\\"' in body
    assert collect(decode(body, boundary="B")) == [('a"b\r\nc\\', None, b"v")]


@pytest.mark.parametrize("field", [("a\x00", "v"), ("a", (b"", "x\x00.txt"))])
def test_encode_refuses_nul_in_names(field: tuple[str, Any]) -> None:
    with pytest.raises(ValueError, match="NUL"):
        encode_multipart([field])


def test_encode_given_boundary_in_content() -> None:
    with pytest.raises(ValueError, match="boundary"):
        encode_multipart([("a", "x--B y")], boundary="B")


def test_encode_invalid_boundary() -> None:
    with pytest.raises(BadRequest):
        encode_multipart([("a", "x")], boundary="bad;boundary")


def test_encode_random_boundary_is_fresh() -> None:
    _, ct1 = encode_multipart([("a", "1")])
    _, ct2 = encode_multipart([("a", "1")])
    assert ct1 != ct2


def test_encode_nothing() -> None:
    body, _ = encode_multipart([], boundary="B")
    assert body == b"--B--\r\n"
    assert decode(body, boundary="B") == []


# interoperability with Werkzeug


def test_long_werkzeug_style_boundary_decodes() -> None:
    # Werkzeug's encode_multipart embeds time() and random(): sometimes 71+ chars.
    boundary = "---------------WerkzeugFormPart_1795764850.82120850.0016562591308380004"
    assert len(boundary) > 70
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--{boundary}--\r\n'
    )
    assert collect(decode(body.encode(), boundary=boundary)) == [("a", None, b"v")]


def test_werkzeug_encoded_body_decodes() -> None:
    wtest = pytest.importorskip("werkzeug.test")
    wdatastructures = pytest.importorskip("werkzeug.datastructures")
    upload = wdatastructures.FileStorage(io.BytesIO(b"\x00\x01 data"), "r\u00e9sum\u00e9.pdf")
    boundary, body = wtest.encode_multipart({"name": "Jürgen", "file": upload})
    parts = collect(decode(body, boundary=boundary, chunk_size=9))
    assert parts == [("name", None, "Jürgen".encode()), ("file", "résumé.pdf", b"\x00\x01 data")]


def test_erlen_encoded_body_parses_in_werkzeug() -> None:
    wformparser = pytest.importorskip("werkzeug.formparser")
    body, content_type = encode_multipart(
        [("name", "Jürgen"), ("file", (io.BytesIO(b"abc\r\n"), "a.txt"))]
    )
    _, form, files = wformparser.parse_form_data(
        {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
    )
    assert form["name"] == "Jürgen"
    assert files["file"].filename == "a.txt"
    assert files["file"].read() == b"abc\r\n"
    files["file"].close()


# property: encode then decode gives the input back

BOUNDARY = "XyZ123"
# Text made of boundary fragments, CRLFs and dashes, to hit the parser's edge cases.
tricky_bytes = st.lists(
    st.sampled_from(
        [
            b"\r",
            b"\n",
            b"\r\n",
            b"-",
            b"--",
            b"--XyZ12",
            b"\r\n--XyZ",
            b"XyZ123",
            b"\r\n--",
            b"a",
            b"\x00",
        ]
    )
    | st.binary(max_size=20),
    max_size=20,
).map(b"".join)
names = st.text(max_size=20).filter(
    lambda s: (
        not any(x in s for x in ("%22", "%0D", "%0A", "\x00"))
        and not any(0xD800 <= ord(c) <= 0xDFFF for c in s)
    )
)
values = st.text(max_size=50).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))


@st.composite
def form_fields(draw: st.DrawFn) -> list[tuple[str, Any]]:
    fields: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(names)
        if draw(st.booleans()):
            fields.append((name, draw(values | tricky_bytes.map(lambda b: b.decode("latin-1")))))
        else:
            fields.append((name, (draw(tricky_bytes | st.binary(max_size=300)), draw(names))))
    return fields


def expected_parts(fields: list[tuple[str, Any]]) -> list[tuple[str, str | None, bytes]]:
    out: list[tuple[str, str | None, bytes]] = []
    for name, value in fields:
        if isinstance(value, str):
            out.append((name, None, value.encode()))
        else:
            out.append((name, value[1], value[0]))
    return out


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(form_fields(), st.integers(1, 50))
def test_round_trip(fields: list[tuple[str, Any]], chunk_size: int) -> None:
    expected = expected_parts(fields)
    contents = [content for _, _, content in expected]
    if any(b"--" + BOUNDARY.encode() in content for content in contents):
        with pytest.raises(ValueError):
            encode_multipart(fields, boundary=BOUNDARY)
        return
    body, _ = encode_multipart(fields, boundary=BOUNDARY)
    assert collect(decode(body, boundary=BOUNDARY, chunk_size=chunk_size)) == expected


@settings(max_examples=100)
@given(form_fields())
def test_round_trip_random_boundary(fields: list[tuple[str, Any]]) -> None:
    body, content_type = encode_multipart(fields)
    boundary = content_type.partition("boundary=")[2]
    assert collect(decode(body, boundary=boundary, chunk_size=16)) == expected_parts(fields)


@settings(max_examples=300)
@given(st.binary(max_size=300), st.integers(1, 40))
def test_garbage_never_crashes(data: bytes, chunk_size: int) -> None:
    for body in (data, b"--b\r\n" + data, b"--b\r\n" + CD + b'name="a"\r\n\r\n' + data):
        try:
            decode(body, chunk_size=chunk_size)
        except (BadRequest, RequestEntityTooLarge):
            pass


# erlen's own parser: the edges python-multipart used to decide


@pytest.mark.parametrize("padding", [b" ", b"\t", b" \t  "])
def test_transport_padding_after_a_boundary(padding: bytes) -> None:
    # RFC 2046: spaces and tabs may follow a boundary before its CRLF.
    body = b"--b\r\n" + CD + b'name="a"\r\n\r\nx\r\n--b' + padding + b"\r\n"
    body += CD + b'name="c"\r\n\r\ny\r\n--b--\r\n'
    for size in (1, 3, None):
        assert collect(decode(body, chunk_size=size)) == [("a", None, b"x"), ("c", None, b"y")]


def test_padding_must_end_in_crlf_and_is_bounded() -> None:
    head = b"--b\r\n" + CD + b'name="a"\r\n\r\nx\r\n--b'
    assert_bad(head + b"  x\r\n--b--\r\n", "padding")
    assert_bad(head + b" " * 1025 + b"\r\n--b--\r\n", "padding", chunk_size=100)
    assert collect(decode(head + b" " * 1024 + b"\r\n" + CD + b'name="c"\r\n\r\n\r\n--b--')) == [
        ("a", None, b"x"),
        ("c", None, b""),
    ]


def test_every_split_of_a_body_gives_the_same_parts() -> None:
    body = SIMPLE.replace(b"--b\r\n" + CD + b'name="upload"', b"--b \r\n" + CD + b'name="upload"')
    expected = collect(decode(body))
    for cut in range(1, len(body)):
        decoder = MultipartDecoder("b")
        events: list[MultipartEvent] = []
        for piece in (body[:cut], body[cut:], b""):
            decoder.feed(piece)
            events.extend(decoder.events())
        assert collect(events) == expected, cut


def test_header_limits_are_exact() -> None:
    name_line = CD + b'name="' + b"a" * (8192 - len(CD) - 7) + b'"'
    assert len(name_line) == 8192
    assert len(collect(decode(body_of(name_line + b"\r\n\r\nx")))) == 1
    assert_bad(body_of(name_line + b"a\r\n\r\nx"), "longer than 8192")
    # Refused before the line ends, however it is fed.
    assert_bad(b"--b\r\n" + b"X" * 9000, "longer than 8192", chunk_size=512)
    sixteen = CD + b'name="a"\r\n' + b"".join(b"X-H%d: v\r\n" % i for i in range(15))
    assert len(collect(decode(body_of(sixteen + b"\r\nx")))) == 1
    assert_bad(body_of(sixteen + b"X-Last: v\r\n\r\nx"), "more than 16 headers")


@pytest.mark.parametrize(
    ("line", "match"),
    [
        (b": v", "empty or has an invalid character"),
        (b"X\x00Y: v", "invalid character"),
        (b"X-A: v\rw", "CR without an LF"),
        (b"no colon here", "no colon"),
    ],
)
def test_malformed_header_lines(line: bytes, match: str) -> None:
    assert_bad(body_of(CD + b'name="a"\r\n' + line + b"\r\n\r\nx"), match)


def test_bytes_like_chunks_are_accepted() -> None:
    decoder = MultipartDecoder("b")
    decoder.feed(bytearray(SIMPLE[:20]))
    decoder.feed(memoryview(SIMPLE)[20:])  # type: ignore[arg-type]
    decoder.feed(b"")
    events = list(decoder.events())
    assert collect(events) == collect(decode(SIMPLE))
    data = [e.data for e in events if isinstance(e, PartData)]
    assert data and all(type(d) is bytes for d in data)


def test_a_part_that_fills_the_chunk_is_handed_on_without_a_copy() -> None:
    payload = bytes(range(256)) * 400
    decoder = MultipartDecoder("b")
    decoder.feed(b"--b\r\n" + CD + b'name="f"; filename="x"\r\n\r\n')
    decoder.feed(payload)
    events = list(decoder.events())
    assert isinstance(events[-1], PartData)
    # All but a possible delimiter start (none here: no CR) is the chunk itself.
    assert events[-1].data is payload


def test_disposition_values_are_cached_within_bounds() -> None:
    from erlen.http import multipart

    multipart._DISPOSITIONS.clear()
    short = 'form-data; name="note"'
    assert multipart._disposition_params(short) == {"name": "note"}
    assert multipart._disposition_params(short) is multipart._disposition_params(short)
    long = 'form-data; name="f"; filename="' + "x" * 300 + '"'
    assert multipart._disposition_params(long)["filename"] == "x" * 300
    assert long not in multipart._DISPOSITIONS
    for i in range(600):
        multipart._disposition_params(f'form-data; name="n{i}"')
    assert len(multipart._DISPOSITIONS) == 512
    multipart._DISPOSITIONS.clear()


def test_blank_lines_before_the_first_boundary_are_not_kept() -> None:
    # A client sending blank lines forever must not grow the decoder's buffer.
    decoder = MultipartDecoder("b")
    for _ in range(1000):
        decoder.feed(b"\r\n" * 50 + b"\r")
        decoder.feed(b"\n")
        assert len(decoder._buffer) <= 1
    decoder.feed(SIMPLE)
    decoder.feed(b"")
    assert collect(list(decoder.events()))[0] == ("title", None, b"Hello")
