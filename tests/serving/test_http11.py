"""The wire format of the development server, without sockets."""

from __future__ import annotations

import io

import pytest

from erlen.http.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPVersionNotSupported,
    RequestHeaderFieldsTooLarge,
    RequestURITooLarge,
)
from erlen.serving.http11 import (
    ChunkedReader,
    LimitedReader,
    Limits,
    RequestHead,
    parse_request_line,
    read_headers,
    read_request_line,
)


def test_read_request_line() -> None:
    rfile = io.BytesIO(b"\r\nGET / HTTP/1.1\r\nrest")
    assert read_request_line(rfile, Limits()) == b"GET / HTTP/1.1"
    assert rfile.read() == b"rest"
    assert read_request_line(io.BytesIO(b""), Limits()) is None
    assert read_request_line(io.BytesIO(b"GET / HTTP/1.0\n"), Limits()) == b"GET / HTTP/1.0"


def test_read_request_line_limits() -> None:
    with pytest.raises(RequestURITooLarge):
        read_request_line(
            io.BytesIO(b"GET /" + b"a" * 50 + b" HTTP/1.1\r\n"), Limits(max_request_line=20)
        )
    with pytest.raises(BadRequest, match="too many empty lines"):
        read_request_line(io.BytesIO(b"\r\n" * 10), Limits())
    with pytest.raises(BadRequest, match="middle of a line"):
        read_request_line(io.BytesIO(b"GET / HT"), Limits())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"GET / HTTP/1.1", ("GET", "/", (1, 1))),
        (b"OPTIONS * HTTP/1.1", ("OPTIONS", "*", (1, 1))),
        (b"PROPFIND /a?b=c HTTP/1.0", ("PROPFIND", "/a?b=c", (1, 0))),
        (b"GET http://h/p HTTP/1.1", ("GET", "http://h/p", (1, 1))),
        (b"GET /caf\xc3\xa9 HTTP/1.1", ("GET", "/caf\xc3\xa9", (1, 1))),
    ],
)
def test_parse_request_line(line: bytes, expected: tuple[str, str, tuple[int, int]]) -> None:
    assert parse_request_line(line) == expected


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b"GET /", BadRequest),
        (b"GET / HTTP/1.1 extra", BadRequest),
        (b"GET * HTTP/1.1", BadRequest),
        (b"GET / http/1.1", BadRequest),
        (b"GET / HTTP/1.10", BadRequest),
        (b"GET / HTTP/3.0", HTTPVersionNotSupported),
        (b"GET /\x7f HTTP/1.1", BadRequest),
        (b"G\xe9T / HTTP/1.1", BadRequest),
    ],
)
def test_parse_request_line_errors(line: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_request_line(line)


def test_read_headers() -> None:
    rfile = io.BytesIO(b"Host: a\r\nX-Empty:\r\nX-Pad: \t v \t\r\nX-Latin: \xe9\r\n\r\nbody")
    assert read_headers(rfile, Limits()) == [
        ("Host", "a"),
        ("X-Empty", ""),
        ("X-Pad", "v"),
        ("X-Latin", "\xe9"),
    ]
    assert rfile.read() == b"body"


def test_read_headers_limits() -> None:
    with pytest.raises(RequestHeaderFieldsTooLarge, match="larger than 30 bytes"):
        read_headers(
            io.BytesIO(b"A: 1234567890\r\nB: 1234567890\r\n\r\n"), Limits(max_header_size=30)
        )
    with pytest.raises(ClientDisconnected):
        read_headers(io.BytesIO(b"A: 1\r\n"), Limits())


def test_request_head_helpers() -> None:
    head = RequestHead(
        "GET", "/", (1, 1), [("Connection", "Keep-Alive, Upgrade"), ("x-a", "1"), ("X-A", "2")]
    )
    assert head.protocol == "HTTP/1.1"
    assert head.get_all("X-A") == ["1", "2"]
    assert head.get("x-a") == "1, 2"
    assert head.get("missing") is None
    assert head.connection_tokens() == {"keep-alive", "upgrade"}


def test_limited_reader() -> None:
    started = []
    reader = LimitedReader(
        io.BytesIO(b"line one\nline two\nNEXT REQUEST"), 18, lambda: started.append(1)
    )
    assert not reader.exhausted
    assert reader.readline(0) == b""
    assert started == []
    assert reader.readline() == b"line one\n"
    assert reader.read(4) == b"line"
    assert list(reader) == [b" two\n"]
    assert reader.read() == b""
    assert reader.exhausted and started == [1]


def test_limited_reader_truncated_body_is_sticky() -> None:
    reader = LimitedReader(io.BytesIO(b"abc"), 10)
    with pytest.raises(ClientDisconnected, match="3 of the 10"):
        reader.read()
    assert isinstance(reader.error, ClientDisconnected)
    with pytest.raises(ClientDisconnected):
        reader.read(1)
    assert reader.drain(100) is False


def test_limited_reader_drain() -> None:
    rfile = io.BytesIO(b"0123456789rest")
    reader = LimitedReader(rfile, 10)
    assert reader.drain(100) is True
    assert rfile.read() == b"rest"
    assert LimitedReader(io.BytesIO(b"x" * 50), 50).drain(10) is False


def test_chunked_reader() -> None:
    body = b"4\r\nWiki\r\n6;name=v\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\nNEXT"
    rfile = io.BytesIO(body)
    reader = ChunkedReader(rfile, Limits())
    assert reader.read(2) == b"Wi"
    assert reader.read(5) == b"kiped"
    assert reader.readline() == b"ia in \r\n"
    assert reader.readlines() == [b"\r\n", b"chunks."]
    assert reader.exhausted
    assert reader.read() == b""
    assert rfile.read() == b"NEXT"


def test_chunked_reader_readall_and_readinto() -> None:
    reader = ChunkedReader(io.BytesIO(b"3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"), Limits())
    buffer = bytearray(4)
    assert reader.readinto(buffer) == 4
    assert bytes(buffer) == b"abcd"
    assert reader.read() == b"ef"


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        (b"g\r\n", BadRequest, "Invalid chunk size"),
        (b"3\r\nabcd\r\n", BadRequest, "not followed by CRLF"),
        (b"3\r\nab", ClientDisconnected, "mid-body"),
        (b"3", ClientDisconnected, "mid-body"),
        (b"3\r\nabc\r\n0\r\nX: " + b"y" * 100 + b"\r\n\r\n", BadRequest, "trailers"),
        (b"1" * 100 + b"\r\n", BadRequest, "too long"),
    ],
)
def test_chunked_reader_errors(body: bytes, error: type[Exception], message: str) -> None:
    reader = ChunkedReader(io.BytesIO(body), Limits(max_trailer_size=50, max_chunk_line=64))
    with pytest.raises(error, match=message):
        reader.read()
    assert isinstance(reader.error, error)
    assert reader.drain(1000) is False


def test_chunked_reader_drain_limit() -> None:
    big = b"%x\r\n%s\r\n0\r\n\r\n" % (1000, b"x" * 1000)
    assert ChunkedReader(io.BytesIO(big), Limits()).drain(10_000) is True
    assert ChunkedReader(io.BytesIO(big), Limits()).drain(100) is False
