"""Werkzeug 3.1 names the toolkit lacked: Headers.get_all, HeaderSet.pop and
isdisjoint, safe_join in erlen.http.security, host_is_trusted in
erlen.http.wsgi, iter_multi_items in erlen.http.urls, LimitedStream's
is_exhausted / on_exhausted / on_disconnect and FileWrapper's seek API.

Where Werkzeug is installed the same inputs go through it too; the deliberate
differences are tested on their own."""

from __future__ import annotations

import io
from typing import Any

import pytest

import erlen.http.security as security
import erlen.http.urls as urls
import erlen.http.wsgi as wsgi
from erlen.http.datastructures import Headers, HeaderSet, MultiDict
from erlen.http.exceptions import ClientDisconnected, RequestEntityTooLarge
from erlen.http.response import FileWrapper
from erlen.http.wsgi import LimitedStream, host_is_trusted

# -- Headers.get_all -----------------------------------------------------------------


def test_headers_get_all_is_getlist() -> None:
    headers = Headers([("Set-Cookie", "a=1"), ("X-Other", "x"), ("set-cookie", "b=2")])
    assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
    assert headers.get_all("SET-COOKIE") == headers.getlist("set-cookie")
    assert headers.get_all("X-Missing") == []


def test_headers_get_all_uses_a_subclass_getlist() -> None:
    class Upper(Headers):
        def getlist(self, key: str, type: Any = None) -> list[Any]:
            return [value.upper() for value in super().getlist(key)]

    assert Upper([("X-A", "v")]).get_all("x-a") == ["V"]


def test_headers_get_all_matches_werkzeug() -> None:
    wz = pytest.importorskip("werkzeug.datastructures")
    pairs = [("Vary", "Cookie"), ("X-A", "1"), ("vary", "Accept"), ("X-a", "2")]
    ours, theirs = Headers(pairs), wz.Headers(pairs)
    for name in ("Vary", "x-a", "X-Missing"):
        assert ours.get_all(name) == theirs.get_all(name)


# -- HeaderSet.pop / isdisjoint --------------------------------------------------------


def test_header_set_pop_takes_the_first_item_and_reports_the_change() -> None:
    seen: list[str] = []
    hs = HeaderSet(["Accept", "Cookie", "User-Agent"], on_update=lambda s: seen.append(str(s)))
    assert hs.pop() == "Accept"
    assert seen == ["Cookie, User-Agent"]
    assert "accept" not in hs
    assert hs.find("Accept") == -1
    assert hs.pop(-1) == "User-Agent"
    assert seen == ["Cookie, User-Agent", "Cookie"]
    assert list(hs) == ["Cookie"]
    # The set and its item list stay in step: the name can come back.
    hs.add("accept")
    assert list(hs) == ["Cookie", "accept"]


def test_header_set_pop_errors() -> None:
    seen: list[HeaderSet] = []
    with pytest.raises(KeyError):
        HeaderSet(on_update=seen.append).pop()
    hs = HeaderSet(["a"], on_update=seen.append)
    with pytest.raises(IndexError):
        hs.pop(3)
    assert seen == []
    assert list(hs) == ["a"]


def test_header_set_pop_matches_werkzeug() -> None:
    wz = pytest.importorskip("werkzeug.datastructures")
    # Lower-case items: Werkzeug 3.1's remove() (which its pop() uses) leaves
    # an item with capitals in its list; see the test below.
    items = ["accept", "cookie", "user-agent"]
    ours_seen: list[list[str]] = []
    theirs_seen: list[list[str]] = []
    ours = HeaderSet(items, on_update=lambda s: ours_seen.append(list(s)))
    theirs = wz.HeaderSet(items, on_update=lambda s: theirs_seen.append(list(s)))
    while theirs:
        assert ours.pop() == theirs.pop()
    assert ours_seen == theirs_seen
    with pytest.raises(KeyError):
        theirs.pop()
    with pytest.raises(KeyError):
        ours.pop()


def test_header_set_pop_removes_an_item_with_capitals() -> None:
    hs = HeaderSet(["Accept", "Cookie"])
    assert hs.pop() == "Accept"
    assert list(hs) == ["Cookie"]
    assert len(hs) == 1
    assert hs.to_header() == "Cookie"
    wz = pytest.importorskip("werkzeug.datastructures")
    theirs = wz.HeaderSet(["Accept", "Cookie"])
    assert theirs.pop() == "Accept"
    # COMPAT(werkzeug): a Werkzeug 3.1 bug, not reproduced: the item leaves
    # its lookup set but stays in its list (and header value).
    assert list(theirs) == ["Accept", "Cookie"]


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (["x", "y"], True),
        ([], True),
        (["cookie"], False),
        ({"ACCEPT"}, False),
        (("x", "Accept"), False),
    ],
)
def test_header_set_isdisjoint(other: Any, expected: bool) -> None:
    hs = HeaderSet(["Accept", "Cookie"])
    assert hs.isdisjoint(other) is expected
    assert hs.isdisjoint(iter(other)) is expected
    wz = pytest.importorskip("werkzeug.datastructures")
    assert wz.HeaderSet(["Accept", "Cookie"]).isdisjoint(other) is expected


def test_header_set_isdisjoint_ignores_non_strings() -> None:
    # Werkzeug raises AttributeError here (it lower-cases every item).
    assert HeaderSet(["Accept"]).isdisjoint([1, None])


def test_header_set_isdisjoint_with_header_sets() -> None:
    hs = HeaderSet(["Accept"])
    assert hs.isdisjoint(HeaderSet(["Cookie"]))
    assert not hs.isdisjoint(HeaderSet(["ACCEPT"]))
    assert HeaderSet().isdisjoint(hs)


# -- re-exports ------------------------------------------------------------------------


def test_reexports_are_the_same_objects_and_in_all() -> None:
    from erlen.http.datastructures import iter_multi_items
    from erlen.http.utils import safe_join

    assert security.safe_join is safe_join
    assert "safe_join" in security.__all__
    assert urls.iter_multi_items is iter_multi_items
    assert "iter_multi_items" in urls.__all__
    assert "host_is_trusted" in wsgi.__all__
    assert wsgi.__all__ == sorted(wsgi.__all__)
    assert urls.__all__ == sorted(urls.__all__)


def test_security_safe_join() -> None:
    assert security.safe_join("/srv", "css", "a.css") == "/srv/css/a.css"
    assert security.safe_join("/srv", "../etc/passwd") is None


def test_urls_iter_multi_items() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    assert list(urls.iter_multi_items(md)) == [("a", "1"), ("a", "2")]
    assert list(urls.iter_multi_items({"b": ["3", "4"], "c": "5"})) == [
        ("b", "3"),
        ("b", "4"),
        ("c", "5"),
    ]


# -- host_is_trusted -------------------------------------------------------------------

# Inputs on which erlen and Werkzeug 3.1 agree.
AGREED = [
    ("example.com", ["example.com"], True),
    ("example.com:8080", ["example.com"], True),
    ("example.com:80", ["example.com:443"], True),
    ("a.example.com", [".example.com"], True),
    ("x.y.example.com", [".example.com"], True),
    ("example.com", [".example.com"], True),
    ("a.example.com", ["example.com"], False),
    ("evil-example.com", [".example.com"], False),
    ("example.com", "example.com", True),
    ("127.0.0.1:5000", ["127.0.0.1"], True),
    ("xn--bcher-kva.de", ["bücher.de"], True),
    ("bücher.de", ["bücher.de"], False),
    ("example.com", ["example.com."], False),
    ("", ["example.com"], False),
    (None, ["example.com"], False),
    ("a/b", None, False),
    ("a b", ["a b"], False),
    ("a@b", ["a@b"], False),
    ("example.com:abc", None, False),
    ("example.com", None, True),
    ("example.com", [], True),
]


@pytest.mark.parametrize(("host", "trusted", "expected"), AGREED)
def test_host_is_trusted(host: str | None, trusted: Any, expected: bool) -> None:
    assert host_is_trusted(host, trusted) is expected


@pytest.mark.parametrize(("host", "trusted", "expected"), AGREED)
def test_host_is_trusted_matches_werkzeug(host: str | None, trusted: Any, expected: bool) -> None:
    wz = pytest.importorskip("werkzeug.wsgi")
    assert wz.host_is_trusted(host, trusted) is expected


def test_host_is_trusted_takes_any_iterable() -> None:
    assert host_is_trusted("b.org", (h for h in ["a.org", "b.org"]))
    assert not host_is_trusted("c.org", iter(["a.org"]))
    assert host_is_trusted("c.org", iter([]))


@pytest.mark.parametrize(
    ("host", "trusted"),
    [
        # Host names are case-insensitive (RFC 3986 §3.2.2).
        ("Example.COM:8080", ["example.com"]),
        ("example.com", ["EXAMPLE.com"]),
        # The fully qualified form with its final dot is the same host.
        ("example.com.", ["example.com"]),
        # An IPv6 literal with a port keeps its brackets.
        ("[::1]:8000", ["[::1]"]),
        # request.host accepts "_" (container and service names use it).
        ("my_service:8000", ["my_service"]),
    ],
)
def test_host_is_trusted_deliberate_differences(host: str, trusted: list[str]) -> None:
    # COMPAT(werkzeug): Werkzeug 3.1 answers False for each of these.
    assert host_is_trusted(host, trusted)


def test_host_is_trusted_skips_an_unencodable_entry() -> None:
    # Werkzeug raises UnicodeError for an entry IDNA cannot encode.
    assert not host_is_trusted("example.com", ["a..b"])
    assert host_is_trusted("example.com", ["a..b", "example.com"])


# -- LimitedStream ---------------------------------------------------------------------


def test_limited_stream_is_exhausted() -> None:
    stream = LimitedStream(io.BytesIO(b"abcdef"), 4)
    assert not stream.is_exhausted
    assert stream.read(3) == b"abc"
    assert not stream.is_exhausted
    assert stream.read() == b"d"
    assert stream.is_exhausted
    assert LimitedStream(io.BytesIO(b""), 0).is_exhausted


def test_limited_stream_on_exhausted() -> None:
    LimitedStream(io.BytesIO(b"abc"), 3).on_exhausted()  # a Content-Length: nothing
    with pytest.raises(RequestEntityTooLarge):
        LimitedStream(io.BytesIO(b"abc"), 3, is_max=True).on_exhausted()


def test_limited_stream_on_disconnect() -> None:
    with pytest.raises(ClientDisconnected, match="after 0 of 3 bytes"):
        LimitedStream(io.BytesIO(b"abc"), 3).on_disconnect()
    # A maximum: an empty read is the end of the body, unless it was an error.
    LimitedStream(io.BytesIO(b"abc"), 3, is_max=True).on_disconnect()
    error = OSError("connection reset")
    for is_max in (False, True):
        with pytest.raises(ClientDisconnected) as info:
            LimitedStream(io.BytesIO(b"abc"), 3, is_max=is_max).on_disconnect(error)
        assert info.value.__cause__ is error


@pytest.mark.parametrize("is_max", [False, True])
def test_limited_stream_hooks_match_werkzeug(is_max: bool) -> None:
    wz = pytest.importorskip("werkzeug.wsgi")
    wz_exc = pytest.importorskip("werkzeug.exceptions")

    def outcome(stream: Any, call: str, *args: Any) -> str:
        try:
            getattr(stream, call)(*args)
        except (ClientDisconnected, wz_exc.ClientDisconnected):
            return "disconnected"
        except (RequestEntityTooLarge, wz_exc.RequestEntityTooLarge):
            return "too large"
        return "nothing"

    for call, args in (
        ("on_exhausted", ()),
        ("on_disconnect", ()),
        ("on_disconnect", (OSError("x"),)),
    ):
        ours = LimitedStream(io.BytesIO(b"abc"), 3, is_max=is_max)
        theirs = wz.LimitedStream(io.BytesIO(b"abc"), 3, is_max=is_max)
        assert outcome(ours, call, *args) == outcome(theirs, call, *args)
    ours = LimitedStream(io.BytesIO(b"abc"), 2, is_max=is_max)
    theirs = wz.LimitedStream(io.BytesIO(b"abc"), 2, is_max=is_max)
    assert ours.is_exhausted is theirs.is_exhausted is False
    ours.read(2)
    theirs.read(2)
    assert ours.is_exhausted is theirs.is_exhausted is True


class RecordingStream(LimitedStream):
    """A subclass that records the hooks instead of raising."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []

    def on_exhausted(self) -> None:
        self.calls.append("exhausted")

    def on_disconnect(self, error: Exception | None = None) -> None:
        self.calls.append("disconnect")


def test_read_calls_the_hooks() -> None:
    short = RecordingStream(io.BytesIO(b"ab"), 5)
    assert short.read(5) == b"ab"
    assert short.read(3) == b""  # the body ended early
    assert short.calls == ["disconnect"]

    # Reading up to the limit is no read past it; reads after it are.
    exact = RecordingStream(io.BytesIO(b"abcdef"), 3)
    assert exact.read() == b"abc"
    assert exact.calls == []
    assert exact.read(1) == b""
    assert exact.readline() == b""
    assert exact.read(0) == b""
    assert exact.calls == ["exhausted", "exhausted"]

    drained = RecordingStream(io.BytesIO(b"abcdef"), 3)
    drained.exhaust()
    assert drained.is_exhausted
    assert drained.calls == []


def test_read_calls_the_hooks_as_werkzeug_does() -> None:
    wz = pytest.importorskip("werkzeug.wsgi")

    class WzRecording(wz.LimitedStream):  # type: ignore[misc]
        calls: list[str]

        def on_exhausted(self) -> None:
            self.calls.append("exhausted")

        def on_disconnect(self, error: Exception | None = None) -> None:
            self.calls.append("disconnect")

    scripts: list[tuple[bytes, int, list[tuple[str, tuple[int, ...]]]]] = [
        (b"abcdef", 3, [("read", ()), ("read", (1,)), ("readline", ())]),
        (b"ab", 5, [("read", (5,)), ("read", (3,))]),
        (b"ab", 5, [("read", ())]),
        (b"abc", 3, [("read", (3,)), ("read", (2,))]),
    ]
    for data, limit, steps in scripts:
        ours = RecordingStream(io.BytesIO(data), limit)
        theirs = WzRecording(io.BytesIO(data), limit)
        theirs.calls = []
        for name, args in steps:
            assert getattr(ours, name)(*args) == getattr(theirs, name)(*args)
        assert ours.calls == theirs.calls


def test_read_past_a_maximum_calls_on_exhausted_only_with_more_data() -> None:
    over = RecordingStream(io.BytesIO(b"abcd"), 3, is_max=True)
    assert over.read(3) == b"abc"
    assert over.read(1) == b""
    assert over.calls == ["exhausted"]
    # COMPAT(werkzeug): a body exactly as long as the maximum is allowed;
    # Werkzeug raises 413 on any read after the maximum.
    exact = RecordingStream(io.BytesIO(b"abc"), 3, is_max=True)
    assert exact.read() == b"abc"
    assert exact.read(1) == b""
    assert exact.calls == []


def test_default_hooks_keep_the_errors_reads_raised() -> None:
    with pytest.raises(ClientDisconnected, match="after 2 of 5 bytes"):
        LimitedStream(io.BytesIO(b"ab"), 5).read()
    with pytest.raises(RequestEntityTooLarge):
        LimitedStream(io.BytesIO(b"abcd"), 3, is_max=True).read()
    assert LimitedStream(io.BytesIO(b"ab"), 5, is_max=True).read() == b"ab"


# -- FileWrapper seekable / seek / tell ------------------------------------------------


def test_file_wrapper_seek_and_tell_delegate() -> None:
    wrapper = FileWrapper(io.BytesIO(b"hello world"), buffer_size=5)
    assert wrapper.seekable() is True
    assert wrapper.tell() == 0
    assert wrapper.seek(6) is None
    assert wrapper.tell() == 6
    assert next(wrapper) == b"world"
    assert wrapper.tell() == 11
    wrapper.seek(-5, io.SEEK_END)
    assert wrapper.tell() == 6


def test_file_wrapper_seek_before_iteration_replaces_offset() -> None:
    wrapper = FileWrapper(io.BytesIO(b"0123456789"), offset=5)
    wrapper.seek(2)
    assert b"".join(wrapper) == b"23456789"
    unseeked = FileWrapper(io.BytesIO(b"0123456789"), offset=5)
    assert b"".join(unseeked) == b"56789"


class ReadOnly:
    def __init__(self) -> None:
        self.data = io.BytesIO(b"abc")

    def read(self, size: int = -1) -> bytes:
        return self.data.read(size)


class SeekNoSeekable(ReadOnly):
    def seek(self, *args: Any) -> int:
        return self.data.seek(*args)


class Unseekable(SeekNoSeekable):
    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize(
    ("file_class", "seekable"), [(ReadOnly, False), (SeekNoSeekable, True), (Unseekable, False)]
)
def test_file_wrapper_seekable(file_class: type[ReadOnly], seekable: bool) -> None:
    file: Any = file_class()
    assert FileWrapper(file).seekable() is seekable
    wz = pytest.importorskip("werkzeug.wsgi")
    assert wz.FileWrapper(file_class()).seekable() is seekable


def test_file_wrapper_without_seek_or_tell() -> None:
    file: Any = ReadOnly()
    wrapper = FileWrapper(file)
    assert wrapper.tell() is None
    assert wrapper.seek(2) is None  # nothing to call: no error
    assert b"".join(wrapper) == b"abc"


def test_file_wrapper_seek_api_matches_werkzeug() -> None:
    wz = pytest.importorskip("werkzeug.wsgi")
    ours = FileWrapper(io.BytesIO(b"hello world"), 4)
    theirs = wz.FileWrapper(io.BytesIO(b"hello world"), 4)
    for wrapper in (ours, theirs):
        assert wrapper.seek(3) is None
    assert ours.tell() == theirs.tell() == 3
    assert next(ours) == next(theirs) == b"lo w"
    assert ours.tell() == theirs.tell() == 7
