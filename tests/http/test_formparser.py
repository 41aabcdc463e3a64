"""erlen.http.formparser: urlencoded and multipart bodies, with limits."""

from __future__ import annotations

import io
import tempfile
from typing import IO, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erlen.http import formparser
from erlen.http.datastructures import FileStorage, ImmutableMultiDict
from erlen.http.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge
from erlen.http.formparser import parse_form_data
from erlen.http.multipart import encode_multipart

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
CD = b"Content-Disposition: form-data; "


class RecordingStream(io.BytesIO):
    """A body stream that remembers every read size."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


class ExplodingStream(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("the body must not be read")


def parse_urlencoded(body: bytes, options: dict[str, str] | None = None, **kwargs: Any) -> Any:
    return parse_form_data(io.BytesIO(body), URLENCODED, options or {}, len(body), **kwargs)


def parse_multipart(body: bytes, boundary: str = "b", **kwargs: Any) -> Any:
    return parse_form_data(io.BytesIO(body), MULTIPART, {"boundary": boundary}, len(body), **kwargs)


def body_of(*parts: bytes, boundary: bytes = b"b") -> bytes:
    out = b""
    for part in parts:
        out += b"--" + boundary + b"\r\n" + part + b"\r\n"
    return out + b"--" + boundary + b"--\r\n"


def close_all(files: ImmutableMultiDict[str, FileStorage]) -> None:
    for _, storage in files.items(multi=True):
        storage.close()


# general


@pytest.mark.parametrize("mimetype", ["application/json", "text/plain", "", "multipart/mixed"])
def test_other_types_are_not_read(mimetype: str) -> None:
    form, files = parse_form_data(ExplodingStream(b"a=1"), mimetype, {}, 3)
    assert isinstance(form, ImmutableMultiDict)
    assert isinstance(files, ImmutableMultiDict)
    assert len(form) == len(files) == 0


@pytest.mark.parametrize("mimetype", [URLENCODED, MULTIPART])
def test_empty_body(mimetype: str) -> None:
    form, files = parse_form_data(ExplodingStream(), mimetype, {"boundary": "b"}, 0)
    assert len(form) == len(files) == 0
    form, files = parse_form_data(None, mimetype, {"boundary": "b"}, None)
    assert len(form) == len(files) == 0


@pytest.mark.parametrize("mimetype", [URLENCODED, MULTIPART])
def test_content_length_over_max_is_refused_before_reading(mimetype: str) -> None:
    with pytest.raises(RequestEntityTooLarge) as info:
        parse_form_data(
            ExplodingStream(), mimetype, {"boundary": "b"}, 1001, max_content_length=1000
        )
    assert info.value.code == 413
    assert "1000" in (info.value.description or "")


# urlencoded


def test_urlencoded_basic() -> None:
    form, files = parse_urlencoded(b"a=&a=1&=x&b&q=a+b%2Fc&amp=%26")
    assert list(form.items(multi=True)) == [
        ("a", ""),
        ("a", "1"),
        ("", "x"),
        ("b", ""),
        ("q", "a b/c"),
        ("amp", "&"),
    ]
    assert len(files) == 0
    with pytest.raises(TypeError):
        form["new"] = "x"


def test_urlencoded_utf8() -> None:
    form, _ = parse_urlencoded("name=J%C3%BCrgen&raw=ü".encode())
    assert form["name"] == "Jürgen"
    assert form["raw"] == "ü"


@pytest.mark.parametrize("body", [b"name=%FF", b"na%C3me=x", b"a=\xff\xfe"])
def test_urlencoded_invalid_utf8_is_a_400(body: bytes) -> None:
    with pytest.raises(BadRequest, match="not valid utf-8") as info:
        parse_urlencoded(body)
    assert info.value.code == 400


def test_urlencoded_charset_option() -> None:
    form, _ = parse_urlencoded(b"name=J%FCrgen", {"charset": "ISO-8859-1"})
    assert form["name"] == "Jürgen"


@pytest.mark.parametrize("charset", ["no-such-charset", "zlib", "base64"])
def test_urlencoded_bad_charset(charset: str) -> None:
    with pytest.raises(BadRequest, match="charset"):
        parse_urlencoded(b"a=1", {"charset": charset})


def test_urlencoded_memory_limit() -> None:
    body = b"a=" + b"x" * 98
    form, _ = parse_urlencoded(body, max_form_memory_size=100)
    assert form["a"] == "x" * 98
    with pytest.raises(RequestEntityTooLarge, match="form data"):
        parse_urlencoded(body + b"x", max_form_memory_size=100)


def test_urlencoded_memory_limit_with_unknown_length() -> None:
    body = b"a=" + b"x" * 200_000
    stream = RecordingStream(body)
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(stream, URLENCODED, {}, None, max_form_memory_size=100_000)
    # It stopped reading soon after the limit.
    assert stream.tell() <= 100_000 + formparser.CHUNK_SIZE


def test_urlencoded_max_content_length_with_unknown_length() -> None:
    with pytest.raises(RequestEntityTooLarge, match="request body"):
        parse_form_data(io.BytesIO(b"a=" + b"x" * 50), URLENCODED, {}, None, max_content_length=10)
    form, _ = parse_form_data(io.BytesIO(b"a=1"), URLENCODED, {}, None, max_content_length=10)
    assert form["a"] == "1"


def test_urlencoded_limits_can_be_disabled() -> None:
    body = b"&".join(b"k%d=%s" % (i, b"v" * 600) for i in range(1500))
    form, _ = parse_urlencoded(body, max_form_memory_size=None, max_form_parts=None)
    assert len(form) == 1500


def test_urlencoded_too_many_fields() -> None:
    body = b"&".join(b"f%d=1" % i for i in range(10))
    form, _ = parse_urlencoded(body, max_form_parts=10)
    assert len(form) == 10
    with pytest.raises(RequestEntityTooLarge, match="more than 9 fields") as info:
        parse_urlencoded(body, max_form_parts=9)
    assert info.value.code == 413


def test_urlencoded_empty_segments_do_not_count_as_fields() -> None:
    form, _ = parse_urlencoded(b"a=1&&&&&&b=2&", max_form_parts=2)
    assert list(form.items(multi=True)) == [("a", "1"), ("b", "2")]


def test_urlencoded_reads_exactly_content_length() -> None:
    stream = RecordingStream(b"a=1&b=2NEXT-REQUEST")
    form, _ = parse_form_data(stream, URLENCODED, {}, 7)
    assert list(form.items(multi=True)) == [("a", "1"), ("b", "2")]
    assert stream.tell() == 7


def test_urlencoded_short_body_is_client_disconnected() -> None:
    with pytest.raises(ClientDisconnected):
        parse_form_data(io.BytesIO(b"a=1"), URLENCODED, {}, 10)


# multipart


SIMPLE = body_of(
    CD + b'name="title"\r\n\r\nHello \xc3\xbc',
    CD + b'name="tags"\r\n\r\none',
    CD + b'name="tags"\r\n\r\ntwo',
    CD + b'name="upload"; filename="notes.txt"\r\nContent-Type: text/plain; charset=utf-8\r\n'
    b"X-Extra: 1\r\n\r\nline1\r\nline2",
)


def test_multipart_fields_and_files() -> None:
    form, files = parse_multipart(SIMPLE)
    assert list(form.items(multi=True)) == [("title", "Hello ü"), ("tags", "one"), ("tags", "two")]
    upload = files["upload"]
    assert isinstance(upload, FileStorage)
    assert upload.name == "upload"
    assert upload.filename == "notes.txt"
    assert upload.content_type == "text/plain; charset=utf-8"
    assert upload.mimetype == "text/plain"
    assert upload.headers["X-Extra"] == "1"
    assert upload.read() == b"line1\r\nline2"
    assert bool(upload)
    close_all(files)


def test_multipart_empty_filename_is_kept_as_a_file() -> None:
    body = body_of(
        CD + b'name="file"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    form, files = parse_multipart(body)
    assert len(form) == 0
    assert files["file"].filename == ""
    assert not files["file"]
    assert files["file"].read() == b""


def test_multipart_part_without_filename_is_a_field() -> None:
    body = body_of(CD + b'name="file"\r\nContent-Type: text/plain\r\n\r\ncontent')
    form, files = parse_multipart(body)
    assert form["file"] == "content"
    assert "file" not in files


def test_notes_upload_example_shape() -> None:
    # The notes' §2.2.2 view checks `'file' in request.files` and `file.filename == ''`.
    body, content_type = encode_multipart([("file", (io.BytesIO(b"PNG..."), "cat.png"))])
    _, files = parse_form_data(
        io.BytesIO(body), MULTIPART, {"boundary": content_type.split("=", 1)[1]}, len(body)
    )
    assert "file" in files
    assert files["file"].filename == "cat.png"
    assert files["file"].mimetype == "image/png"


@pytest.mark.parametrize("options", [{}, {"boundary": ""}, {"charset": "utf-8"}])
def test_multipart_missing_boundary(options: dict[str, str]) -> None:
    with pytest.raises(BadRequest, match="missing boundary") as info:
        parse_form_data(io.BytesIO(SIMPLE), MULTIPART, options, len(SIMPLE))
    assert info.value.code == 400


@pytest.mark.parametrize("boundary", ["a;b", "a\r\nb", "x" * 201, "ü", "end "])
def test_multipart_invalid_boundary(boundary: str) -> None:
    # The boundary itself is refused, not the body (its boundary is "b").
    with pytest.raises(BadRequest, match="boundary contains invalid characters"):
        parse_multipart(SIMPLE, boundary=boundary)


def test_multipart_boundary_with_token_characters() -> None:
    # WebTest's boundary ends in "$", outside RFC 2046's set; Werkzeug takes it.
    boundary = "----------a_BoUnDaRy5170464431934226$"
    body = body_of(
        CD + b'name="myfile"; filename="README.rst"\r\n\r\ndata', boundary=boundary.encode()
    )
    form, files = parse_multipart(body, boundary=boundary)
    assert dict(form) == {}
    assert files["myfile"].filename == "README.rst"
    assert files["myfile"].read() == b"data"
    close_all(files)


def test_multipart_truncated() -> None:
    body = SIMPLE[: SIMPLE.index(b"--b--")]
    with pytest.raises(BadRequest, match="truncated"):
        parse_multipart(body)


def test_multipart_stream_ends_early() -> None:
    stream = io.BytesIO(SIMPLE[:80])
    with pytest.raises(BadRequest, match="truncated"):
        parse_form_data(stream, MULTIPART, {"boundary": "b"}, len(SIMPLE))


def test_multipart_crlf_less_endings() -> None:
    # A closing delimiter without the final CRLF is valid (RFC 2046)...
    form, _ = parse_multipart(body_of(CD + b'name="a"\r\n\r\nx')[:-2])
    assert form["a"] == "x"
    # ...but a value that runs into the boundary without CRLF never ends.
    with pytest.raises(BadRequest, match="truncated"):
        parse_multipart(b"--b\r\n" + CD + b'name="a"\r\n\r\nx--b--')
    # ...and bare LF line breaks are refused.
    with pytest.raises(BadRequest, match="CRLF"):
        parse_multipart(SIMPLE.replace(b"\r\n", b"\n"))


def test_multipart_garbage_before_first_boundary() -> None:
    with pytest.raises(BadRequest, match="before the first boundary"):
        parse_multipart(b"hello" + SIMPLE)


def test_multipart_too_many_parts() -> None:
    body = body_of(*[CD + b'name="f"\r\n\r\nv'] * 11)
    form, _ = parse_multipart(body, max_form_parts=11)
    assert form.getlist("f") == ["v"] * 11
    with pytest.raises(RequestEntityTooLarge, match="more than 10 parts") as info:
        parse_multipart(body, max_form_parts=10)
    assert info.value.code == 413


def test_multipart_files_count_as_parts() -> None:
    body, _ = encode_multipart([("f", (b"x", f"{i}.txt")) for i in range(5)], boundary="b")
    with pytest.raises(RequestEntityTooLarge):
        parse_multipart(body, max_form_parts=4)


def test_multipart_one_huge_field() -> None:
    body = body_of(CD + b'name="big"\r\n\r\n' + b"x" * 2_000)
    with pytest.raises(RequestEntityTooLarge) as info:
        parse_multipart(body, max_form_memory_size=1_000)
    assert info.value.code == 413


def test_multipart_fields_over_memory_in_total() -> None:
    body = body_of(*[CD + b'name="f"\r\n\r\n' + b"x" * 400] * 3)
    form, _ = parse_multipart(body, max_form_memory_size=1_200)
    assert len(form.getlist("f")) == 3
    with pytest.raises(RequestEntityTooLarge, match="form data"):
        parse_multipart(body, max_form_memory_size=1_199)


def test_multipart_files_do_not_count_towards_form_memory() -> None:
    body, _ = encode_multipart([("note", "hi"), ("f", (b"y" * 5_000, "big.bin"))], boundary="b")
    form, files = parse_multipart(body, max_form_memory_size=100)
    assert form["note"] == "hi"
    assert files["f"].read() == b"y" * 5_000
    close_all(files)


def test_multipart_max_content_length_with_unknown_length() -> None:
    with pytest.raises(RequestEntityTooLarge, match="request body"):
        parse_form_data(
            io.BytesIO(SIMPLE), MULTIPART, {"boundary": "b"}, None, max_content_length=100
        )
    form, files = parse_form_data(
        io.BytesIO(SIMPLE), MULTIPART, {"boundary": "b"}, None, max_content_length=len(SIMPLE)
    )
    assert form["title"] == "Hello ü"
    close_all(files)


def test_multipart_undecodable_field() -> None:
    body = body_of(CD + b'name="comment"\r\n\r\nbad \xff byte')
    with pytest.raises(BadRequest, match="'comment' is not valid utf-8") as info:
        parse_multipart(body)
    assert info.value.code == 400


def test_multipart_binary_file_needs_no_decoding() -> None:
    body = body_of(CD + b'name="f"; filename="x.bin"\r\n\r\n\xff\xfe\x00')
    _, files = parse_multipart(body)
    assert files["f"].read() == b"\xff\xfe\x00"


def test_multipart_part_charset() -> None:
    body = body_of(
        CD + b'name="latin"\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n\r\nJ\xfcrgen',
        CD + b'name="unknown"\r\nContent-Type: text/plain; charset=x-weird\r\n\r\nok',
    )
    form, _ = parse_multipart(body)
    assert form["latin"] == "Jürgen"
    assert form["unknown"] == "ok"


def test_multipart_form_charset_option() -> None:
    body = body_of(CD + b'name="a"\r\n\r\nJ\xfcrgen')
    form, _ = parse_form_data(
        io.BytesIO(body), MULTIPART, {"boundary": "b", "charset": "latin-1"}, len(body)
    )
    assert form["a"] == "Jürgen"


def test_multipart_reads_in_bounded_chunks_and_never_past_content_length() -> None:
    payload = bytes(range(256)) * 1200  # 300 KiB
    body, _ = encode_multipart([("f", (payload, "data.bin"))], boundary="b")
    stream = RecordingStream(body + b"EXTRA BYTES OF THE NEXT REQUEST")
    # Larger than the spool threshold: streamed in 64 KiB reads.
    _, files = parse_form_data(
        stream, MULTIPART, {"boundary": "b"}, len(body), spool_threshold=100 * 1024
    )
    assert files["f"].read() == payload
    assert stream.tell() == len(body)
    assert len(stream.reads) > 4
    assert max(stream.reads) <= 64 * 1024
    assert -1 not in stream.reads
    close_all(files)


@pytest.mark.parametrize("size", [10, 70 * 1024, 400 * 1024])
def test_a_body_within_the_spool_threshold_is_read_in_one_call(size: int) -> None:
    # Its parts stay in memory anyway; one read keeps each part one piece.
    payload = bytes(range(256)) * (size // 256 + 1)
    body, _ = encode_multipart([("f", (payload, "data.bin")), ("note", "hi")], boundary="b")
    stream = RecordingStream(body + b"EXTRA BYTES OF THE NEXT REQUEST")
    form, files = parse_form_data(stream, MULTIPART, {"boundary": "b"}, len(body))
    assert files["f"].read() == payload
    assert form["note"] == "hi"
    assert stream.tell() == len(body)
    assert stream.reads[0] == len(body)
    close_all(files)


def test_multipart_small_files_stay_in_memory_large_ones_spool() -> None:
    body, _ = encode_multipart(
        [("small", (b"s" * 100, "s.txt")), ("large", (b"L" * 3000, "l.txt"))], boundary="b"
    )
    _, files = parse_multipart(body, spool_threshold=1000)
    assert isinstance(files["small"].stream, io.BytesIO)
    large = files["large"].stream
    assert not isinstance(large, io.BytesIO)
    assert isinstance(large.fileno(), int)
    assert files["large"].read() == b"L" * 3000
    assert files["small"].read() == b"s" * 100
    close_all(files)
    assert large.closed


def test_multipart_spooled_files_are_closed_on_error(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[IO[bytes]] = []
    real = tempfile.TemporaryFile

    def tracking(*args: Any, **kwargs: Any) -> Any:
        f = real(*args, **kwargs)
        created.append(f)
        return f

    monkeypatch.setattr(tempfile, "TemporaryFile", tracking)
    body, _ = encode_multipart([("f", (b"L" * 3000, "l.txt")), ("bad", b"\xff")], boundary="b")
    with pytest.raises(BadRequest):
        parse_multipart(body, spool_threshold=1000)
    assert len(created) == 1
    assert created[0].closed


def test_multipart_no_parts() -> None:
    form, files = parse_multipart(b"--b--\r\n")
    assert len(form) == len(files) == 0


def test_matches_werkzeug_on_a_browser_like_body() -> None:
    wformparser = pytest.importorskip("werkzeug.formparser")
    body = (
        b"------WebKitFormBoundaryx1\r\n"
        b'Content-Disposition: form-data; name="username"\r\n\r\nal ice\r\n'
        b"------WebKitFormBoundaryx1\r\n"
        b'Content-Disposition: form-data; name="avatar"; filename="me.png"\r\n'
        b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n"
        b"------WebKitFormBoundaryx1\r\n"
        b'Content-Disposition: form-data; name="empty"; filename=""\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\r\n"
        b"------WebKitFormBoundaryx1--\r\n"
    )
    boundary = "----WebKitFormBoundaryx1"
    form, files = parse_multipart(body, boundary=boundary)
    _, wform, wfiles = wformparser.parse_form_data(
        {
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
    )
    assert list(form.items(multi=True)) == list(wform.items(multi=True))
    assert [(k, v.filename, v.content_type, v.read()) for k, v in files.items(multi=True)] == [
        (k, v.filename, v.content_type, v.read()) for k, v in wfiles.items(multi=True)
    ]
    close_all(files)
    for _, storage in wfiles.items(multi=True):
        storage.close()


# property: what encode_multipart sends, parse_form_data gives back

text = st.text(max_size=30).filter(
    lambda s: (
        not any(x in s for x in ("%22", "%0D", "%0A", "\x00"))
        and not any(0xD800 <= ord(c) <= 0xDFFF for c in s)
    )
)
content = st.binary(max_size=400) | st.lists(
    st.sampled_from([b"\r\n", b"--", b"\r\n--b", b"--b--", b"x"]), max_size=10
).map(b"".join)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=150)
@given(
    st.lists(
        st.tuples(text, text | st.tuples(content, text)),
        max_size=6,
    ),
    st.integers(min_value=1, max_value=300),
)
def test_round_trip(fields: list[tuple[str, Any]], spool_threshold: int) -> None:
    body, content_type = encode_multipart(
        [(name, (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v) for name, v in fields]
    )
    boundary = content_type.partition("boundary=")[2]
    form, files = parse_form_data(
        io.BytesIO(body),
        MULTIPART,
        {"boundary": boundary},
        len(body),
        spool_threshold=spool_threshold,
    )
    # A MultiDict groups values by key, keeping their order within each key.
    for name in {n for n, _ in fields}:
        assert form.getlist(name) == [v for n, v in fields if n == name and isinstance(v, str)]
        assert [(f.filename, f.read()) for f in files.getlist(name)] == [
            (v[1], v[0]) for n, v in fields if n == name and isinstance(v, tuple)
        ]
    assert sum(len(form.getlist(n)) + len(files.getlist(n)) for n in {*form, *files}) == len(fields)
    close_all(files)


@pytest.mark.parametrize(
    ("charset", "body", "expected"),
    [
        ("", b"n=J%C3%BCrgen+M&t=a&t=b", [("n", "Jürgen M"), ("t", "a"), ("t", "b")]),
        ("latin-1", b"n=%E4+%2B&k%E4=1", [("n", "ä +"), ("kä", "1")]),
        ("windows-1252", b"euro=%80", [("euro", "€")]),
    ],
)
def test_urlencoded_charsets(charset: str, body: bytes, expected: list[tuple[str, str]]) -> None:
    options = {"charset": charset} if charset else {}
    form, files = parse_form_data(io.BytesIO(body), URLENCODED, options, len(body))
    assert list(form.items(multi=True)) == expected
    assert not files


@pytest.mark.parametrize(
    ("charset", "body", "where"),
    [
        ("utf-8", b"ok=1&name=%FF", "form field 'name'"),
        ("ascii", b"x=%C3%A4", "form field 'x'"),
        ("utf-8", b"%FF=1", "form field name"),
    ],
)
def test_urlencoded_undecodable_escape_is_400_naming_the_field(
    charset: str, body: bytes, where: str
) -> None:
    with pytest.raises(BadRequest) as info:
        parse_form_data(io.BytesIO(body), URLENCODED, {"charset": charset}, len(body))
    assert info.value.description is not None
    assert info.value.description.startswith(f"The {where} is not valid {charset} text")
