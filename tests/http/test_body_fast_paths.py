"""The request body's fast paths (form, get_data, Content-Type) and their fallbacks.

``request.form`` of a urlencoded body and ``get_data()`` read a body of known
length straight from the input; every other case goes through
``request.stream``. The reference for every outcome is a request class that
overrides ``stream`` (so it always reads through it): same values, same
errors with the same messages, same state afterwards.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from collections.abc import Callable
from typing import IO, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import erlen.http.request as request_module
from asgi_harness import Connection, call, run
from erlen import Erlen, request
from erlen.http import headers as headers_module
from erlen.http.datastructures import FileStorage, Headers
from erlen.http.exceptions import ClientDisconnected, HTTPException
from erlen.http.formparser import parse_form_data
from erlen.http.headers import parse_options_header
from erlen.http.multipart import encode_multipart
from erlen.http.request import BodyStream, Request
from erlen.wrappers import Request as ErlenRequest

URLENCODED = "application/x-www-form-urlencoded"
FORM = b"name=Alice+Smith&age=30&city=Z%C3%BCrich"
FORM_ITEMS = [("name", "Alice Smith"), ("age", "30"), ("city", "Zürich")]


class Streamed(Request):
    """Reads every body through ``stream``: the reference for the fast paths."""

    @property
    def stream(self) -> IO[bytes]:
        return Request.stream.fget(self)  # type: ignore[attr-defined,no-any-return]


class StreamedErlenRequest(ErlenRequest):
    """The app's request class, reading every body through ``stream``."""

    @property
    def stream(self) -> IO[bytes]:
        return ErlenRequest.stream.fget(self)  # type: ignore[attr-defined,no-any-return]


class Input(io.BytesIO):
    """A server's body stream that records its reads and gives at most ``most`` bytes a read."""

    def __init__(self, data: bytes, most: int | None = None) -> None:
        super().__init__(data)
        self.most = most
        self.sizes: list[int | None] = []

    def read(self, size: int | None = -1) -> bytes:
        self.sizes.append(size)
        if self.most is not None and (size is None or size < 0 or size > self.most):
            size = self.most
        return super().read(size)


def make(
    body: bytes | None,
    content_type: str | None = URLENCODED,
    *,
    cls: type[Request] = Request,
    length: int | str | None = "auto",
    headers: dict[str, str] | None = None,
    most: int | None = None,
    input_terminated: bool | None = None,
) -> Request:
    h = Headers(headers)
    if content_type is not None:
        h["Content-Type"] = content_type
    if length == "auto":
        length = None if body is None else len(body)
    if length is not None:
        h["Content-Length"] = str(length)
    stream = None if body is None else Input(body, most)
    return cls(
        "POST",
        "http",
        ("localhost", 80),
        "",
        "/",
        b"",
        h,
        "127.0.0.1",
        stream,
        input_terminated=input_terminated,
    )


def outcome(action: str, r: Request) -> tuple[Any, ...]:
    try:
        value = ACTIONS[action](r)
    except HTTPException as e:
        return ("error", type(e).__name__, e.code, e.description)
    return ("ok", value)


def files_of(r: Request) -> list[tuple[str, str | None, bytes]]:
    return [(name, f.filename, f.read()) for name, f in r.files.items(multi=True)]


ACTIONS: dict[str, Callable[[Request], Any]] = {
    "form": lambda r: list(r.form.items(multi=True)),
    "files": files_of,
    "get_data": lambda r: r.get_data(),
    "get_data_nocache": lambda r: r.get_data(cache=False),
    "get_data_parse_form": lambda r: r.get_data(parse_form_data=True),
    "data": lambda r: r.data,
    "json": lambda r: r.get_json(silent=True),
    "stream_read": lambda r: r.stream.read(),
    "stream_read_2": lambda r: r.stream.read(2),
    "stream_tell": lambda r: r.stream.tell(),
    "values": lambda r: list(r.values.items(multi=True)),
}

SEQUENCES = [
    ("form",),
    ("form", "form"),
    ("form", "files"),
    ("form", "get_data"),
    ("form", "stream_read"),
    ("form", "stream_tell"),
    ("get_data",),
    ("get_data", "get_data"),
    ("get_data", "form"),
    ("get_data", "stream_read"),
    ("get_data", "stream_tell"),
    ("get_data_nocache", "form"),
    ("get_data_nocache", "get_data"),
    ("get_data_parse_form", "form"),
    ("data", "form"),
    ("stream_read_2", "form"),
    ("stream_read_2", "get_data"),
    ("json", "form"),
    ("values",),
]

MULTIPART_BODY, MULTIPART_TYPE = encode_multipart(
    [("note", "hello"), ("file", (io.BytesIO(b"x" * 70000), "a.bin"))], boundary="fastpaths"
)

# name -> (make() keyword arguments, class attributes for the limits)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "form": ({"body": FORM}, {}),
    "form latin-1": ({"body": b"a=%E9t%E9", "content_type": URLENCODED + "; charset=latin-1"}, {}),
    "form unknown charset": ({"body": b"a=1", "content_type": URLENCODED + "; charset=nope"}, {}),
    "form bytes charset": ({"body": b"a=1", "content_type": URLENCODED + "; charset=zlib"}, {}),
    "empty form unknown charset": (
        {"body": b"", "content_type": URLENCODED + "; charset=nope"},
        {},
    ),
    "form not utf-8": ({"body": b"a=%FF"}, {}),
    "form field name not utf-8": ({"body": b"%FF=1"}, {}),
    "form not ascii": ({"body": "a=é".encode()}, {}),
    "form over max_content_length": ({"body": FORM}, {"max_content_length": 10}),
    "form at max_content_length": ({"body": FORM}, {"max_content_length": len(FORM)}),
    "form over max_form_memory_size": ({"body": FORM}, {"max_form_memory_size": 10}),
    "form at max_form_memory_size": ({"body": FORM}, {"max_form_memory_size": len(FORM)}),
    "form over max_form_parts": ({"body": FORM}, {"max_form_parts": 2}),
    "form at max_form_parts": ({"body": FORM}, {"max_form_parts": 3}),
    "form without limits": (
        {"body": b"a=" + b"b" * 200_000},
        {"max_content_length": None, "max_form_memory_size": None, "max_form_parts": None},
    ),
    "short form": ({"body": b"a=1", "length": 10}, {}),
    "short large form": ({"body": b"a=" + b"b" * 70_000, "length": 80_000}, {}),
    "form in 3-byte reads": ({"body": FORM, "most": 3}, {}),
    "form without length": ({"body": FORM, "length": None}, {}),
    "form without length, terminated": (
        {"body": FORM, "length": None, "input_terminated": True},
        {},
    ),
    "form without length, terminated, over the limit": (
        {"body": FORM, "length": None, "input_terminated": True},
        {"max_content_length": 10},
    ),
    "chunked form, terminated": (
        {"body": FORM, "headers": {"Transfer-Encoding": "chunked"}, "input_terminated": True},
        {},
    ),
    "form with an invalid length": ({"body": FORM, "length": "+40"}, {}),
    "form without input": ({"body": None, "length": 5}, {}),
    "empty form": ({"body": b""}, {}),
    "form with a longer body": ({"body": FORM + b"&extra=1", "length": len(FORM)}, {}),
    "multipart": ({"body": MULTIPART_BODY, "content_type": MULTIPART_TYPE}, {}),
    "short multipart": (
        {"body": MULTIPART_BODY[:1000], "content_type": MULTIPART_TYPE, "length": 5000},
        {},
    ),
    "multipart over max_content_length": (
        {"body": MULTIPART_BODY, "content_type": MULTIPART_TYPE},
        {"max_content_length": 100},
    ),
    "json": ({"body": b'{"a": [1, 2]}', "content_type": "application/json"}, {}),
    "short json": ({"body": b'{"a"', "content_type": "application/json", "length": 20}, {}),
    "json over max_content_length": (
        {"body": b'{"a": [1, 2]}', "content_type": "application/json"},
        {"max_content_length": 5},
    ),
    "json in 2-byte reads": (
        {"body": b'{"a": [1, 2]}', "content_type": "application/json", "most": 2},
        {},
    ),
    "no content type": ({"body": FORM, "content_type": None}, {}),
    "empty content type": ({"body": FORM, "content_type": ""}, {}),
}


@pytest.mark.parametrize("sequence", SEQUENCES, ids=lambda s: "+".join(s))
@pytest.mark.parametrize("case", list(CASES))
def test_fast_paths_give_what_the_stream_gives(case: str, sequence: tuple[str, ...]) -> None:
    kwargs, limits = CASES[case]
    fast = make(**kwargs, cls=type("Fast", (Request,), dict(limits)))
    reference = make(**kwargs, cls=type("Reference", (Streamed,), dict(limits)))
    for action in sequence:
        assert outcome(action, fast) == outcome(action, reference), action
    fast.close()
    reference.close()


# -- what the fast paths do ------------------------------------------------------------------


class _NoLimitedStream:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("the body was read through a LimitedStream")


def test_urlencoded_form_is_one_read_of_the_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(request_module, "LimitedStream", _NoLimitedStream)
    r = make(FORM)
    assert list(r.form.items(multi=True)) == FORM_ITEMS
    assert r.files.to_dict() == {}
    assert r._input.sizes == [len(FORM)]  # type: ignore[union-attr]


def test_large_urlencoded_form_is_one_read_not_64k_chunks() -> None:
    body = b"a=" + b"b" * 100_000
    r = make(body)
    assert r.form["a"] == "b" * 100_000
    assert r._input.sizes == [len(body)]  # type: ignore[union-attr]


def test_urlencoded_form_reads_on_after_a_short_read() -> None:
    r = make(FORM, most=16)
    assert list(r.form.items(multi=True)) == FORM_ITEMS
    assert r._input.sizes == [40, 24, 8]  # type: ignore[union-attr]


def test_get_data_then_stream_is_the_stream_at_the_end_of_the_body() -> None:
    r = make(FORM)
    assert r.get_data() == FORM
    stream = r.stream
    assert isinstance(stream, request_module.LimitedStream)
    assert stream.tell() == len(FORM)
    assert stream.read() == b""
    assert r.stream is stream


def test_form_then_stream_is_the_stream_at_the_end_of_the_body() -> None:
    r = make(FORM)
    assert r.form["age"] == "30"
    assert isinstance(r.stream, request_module.LimitedStream)
    assert r.stream.tell() == len(FORM)
    assert r.get_data() == b""


def test_short_body_error_names_the_same_position_each_time() -> None:
    for first in ("form", "get_data"):
        r = make(b"a=1", length=10)
        message = "The request body ended after 3 of 10 bytes."
        for action in (first, "get_data", "stream_read"):
            with pytest.raises(ClientDisconnected) as info:
                ACTIONS[action](r)
            assert info.value.description == message, (first, action)


def test_get_data_of_a_subclass_that_overrides_stream_reads_through_it() -> None:
    class Upper(Request):
        @property
        def stream(self) -> IO[bytes]:
            return io.BytesIO(Request.stream.fget(self).read().upper())  # type: ignore[attr-defined]

    assert make(b"abc", "text/plain", cls=Upper).get_data() == b"ABC"
    assert make(b"a=b", cls=Upper).form.to_dict() == {"A": "B"}


def test_overridden_want_form_data_parsed_is_honoured() -> None:
    class NoForms(Request):
        @property
        def want_form_data_parsed(self) -> bool:
            return False

    r = make(FORM, cls=NoForms)
    assert r.form.to_dict() == {}
    assert r.get_data() == FORM


def test_direct_body_is_per_class() -> None:
    class Plain(Request):
        max_content_length = 10

    class Described(Request):
        @property
        def mimetype(self) -> str:
            return URLENCODED

    class Own(Request):
        _direct_body = True

        def _make_stream(self) -> IO[bytes]:
            return super()._make_stream()

    class StreamedApp(ErlenRequest):
        def _make_stream(self) -> IO[bytes]:
            return super()._make_stream()

    assert Request._direct_body and Plain._direct_body and Own._direct_body
    assert ErlenRequest._direct_body
    assert not Streamed._direct_body and not Described._direct_body
    assert not StreamedErlenRequest._direct_body and not StreamedApp._direct_body

    class Sub(Described):
        pass

    assert not Sub._direct_body


def test_instance_and_class_limits_apply_to_the_fast_path() -> None:
    r = make(FORM, cls=ErlenRequest)
    assert isinstance(r, ErlenRequest)
    r.max_form_memory_size = 10
    with pytest.raises(HTTPException) as info:
        r.form  # noqa: B018
    assert info.value.code == 413
    assert info.value.description == "The form data is larger than the limit of 10 bytes."

    class Small(Request):
        max_content_length = 10

    with pytest.raises(HTTPException) as info:
        make(FORM, cls=Small).form  # noqa: B018
    assert info.value.description == "The request body is 40 bytes; the limit is 10 bytes."
    with pytest.raises(HTTPException) as info:
        make(FORM, "application/json", cls=Small).get_data()
    assert info.value.description == "The request body is 40 bytes; the limit is 10 bytes."


def test_close_closes_uploaded_files_only_when_there_are_some() -> None:
    r = make(MULTIPART_BODY, MULTIPART_TYPE)
    upload = r.files["file"]
    assert upload.read(3) == b"xxx"
    r.close()
    assert upload.stream.closed
    plain = make(FORM)
    assert plain.form
    plain.close()
    assert plain.files.to_dict() == {}


# -- Content-Type ----------------------------------------------------------------------------

HEADERS = [
    "",
    "text/plain",
    "  Text/HTML  ",
    "application/x-www-form-urlencoded",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "application/json ;  Charset = utf-8 ",
    "application/json; charset",
    "application/json; =utf-8",
    "application/json;",
    "application/json;   ",
    "application/json; a=b=c",
    "application/json; A=",
    'application/json; charset="utf-8"',
    "application/json; charset=utf-8; x=1",
    "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
    'multipart/form-data; boundary="a;b"',
    "text/plain; title*=UTF-8''%C3%A9",
    "text/plain; title*0=a",
    "text/plain; ti*tle=a",
    ";charset=utf-8",
    "text/plain; \tcharset=\tutf-8\t",
]


@pytest.mark.parametrize("header", HEADERS)
def test_content_type_split_is_parse_options_header(header: str) -> None:
    assert parse_options_header(header) == _general_parse(header)
    r = make(b"", header, length=0)
    mimetype, params = parse_options_header(header)
    assert (r.mimetype, r.mimetype_params) == (mimetype.lower(), params)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t;=\"*'%\\aAbZ/-.,é", max_size=24))
def test_content_type_split_is_parse_options_header_for_any_text(header: str) -> None:
    assert parse_options_header(header) == _general_parse(header)


def _general_parse(header: str) -> tuple[str, dict[str, str]]:
    # parse_options_header without its one-plain-option shortcut.
    if not header:
        return "", {}
    main, sep, options = header.partition(";")
    return main.strip(), (headers_module._parse_options(options) if sep else {})


def test_content_types_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = request_module.parse_options_header

    def counting(header: str) -> tuple[str, dict[str, str]]:
        calls.append(header)
        return real(header)

    monkeypatch.setattr(request_module, "parse_options_header", counting)
    monkeypatch.setattr(request_module, "_CONTENT_TYPES", {})
    for _ in range(3):
        r = make(FORM, "Application/X-WWW-Form-Urlencoded")
        assert r.mimetype == URLENCODED
        assert list(r.form.items(multi=True)) == FORM_ITEMS
    assert calls == ["Application/X-WWW-Form-Urlencoded"]


def test_content_type_cache_skips_boundaries_and_long_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache: dict[str, Any] = {}
    monkeypatch.setattr(request_module, "_CONTENT_TYPES", cache)
    assert make(MULTIPART_BODY, MULTIPART_TYPE).files["file"].filename == "a.bin"
    long = "text/plain; x=" + "y" * 100
    assert make(b"", long, length=0).mimetype_params == {"x": "y" * 100}
    assert cache == {}
    for i in range(request_module._CONTENT_TYPES_SIZE + 5):
        assert make(b"", f"text/x-{i}", length=0).mimetype == f"text/x-{i}"
    assert 0 < len(cache) <= request_module._CONTENT_TYPES_SIZE


def test_cached_content_type_parameters_are_not_shared() -> None:
    first = make(b"", "application/json; charset=utf-8", length=0)
    params = first.mimetype_params
    params["charset"] = "latin-1"
    params["x"] = "1"
    second = make(b"", "application/json; charset=utf-8", length=0)
    assert second.mimetype_params == {"charset": "utf-8"}
    assert first.mimetype_params == {"charset": "utf-8"}


# -- uploaded files --------------------------------------------------------------------------


def parse_upload(data: bytes, spool_threshold: int) -> FileStorage:
    body, _ = encode_multipart([("f", (io.BytesIO(data), "f.bin"))], boundary="xyz")
    _, files = parse_form_data(
        io.BytesIO(body),
        "multipart/form-data",
        {"boundary": "xyz"},
        len(body),
        spool_threshold=spool_threshold,
    )
    return files["f"]


@pytest.mark.parametrize("size", [0, 1, 1000, 65536, 100_000, 200_000])
def test_files_under_the_spool_threshold_are_bytesio_at_the_start(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    upload = parse_upload(data, spool_threshold=size)
    assert type(upload.stream) is io.BytesIO
    assert upload.stream.tell() == 0
    assert upload.read() == data
    assert upload.stream.getvalue() == data
    upload.stream.seek(0)
    upload.stream.write(b"!")  # still an ordinary, writable BytesIO
    assert upload.stream.getvalue()[:1] == b"!"


@pytest.mark.parametrize("size", [1, 1000, 100_000, 200_000])
def test_files_over_the_spool_threshold_go_to_disk_whole(size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"q" * (size % 256)
    for threshold in (0, size // 2, size - 1):
        upload = parse_upload(data, spool_threshold=threshold)
        assert type(upload.stream) is not io.BytesIO
        assert upload.stream.tell() == 0
        assert upload.read() == data
        upload.close()


def test_spooled_files_come_from_tempfile(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[IO[bytes]] = []
    real = tempfile.TemporaryFile

    def tracking(*args: Any, **kwargs: Any) -> IO[bytes]:
        file: IO[bytes] = real(*args, **kwargs)
        made.append(file)
        return file

    monkeypatch.setattr(tempfile, "TemporaryFile", tracking)
    upload = parse_upload(b"a" * 150_000, spool_threshold=70_000)
    assert made == [upload.stream]
    assert upload.read() == b"a" * 150_000
    upload.close()


# -- in an app, on both protocols -----------------------------------------------------------


def make_app(request_class: type[ErlenRequest] | None = None) -> Erlen:
    app = Erlen("fast_paths")
    if request_class is not None:
        app.request_class = request_class

    @app.post("/form")
    def form() -> Any:
        return {"form": list(request.form.items(multi=True)), "data": request.get_data().decode()}

    @app.post("/data-then-form")
    def data_then_form() -> Any:
        data = request.get_data()
        return {"form": request.form.to_dict(), "data": data.decode()}

    @app.post("/nocache-then-form")
    def nocache_then_form() -> Any:
        data = request.get_data(cache=False)
        return {"data": data.decode(), "form": request.form.to_dict()}

    @app.post("/parse-form")
    def parse_form() -> Any:
        return {"data": request.get_data(parse_form_data=True).decode(), "form": request.form}

    @app.post("/upload")
    def upload() -> Any:
        f = request.files["file"]
        return {"size": len(f.read()), "note": request.form["note"]}

    @app.post("/json")
    def echo() -> Any:
        return {"json": request.get_json()}

    @app.post("/stream-form", stream_body=True)
    def stream_form() -> Any:
        form = request.form.to_dict()
        return {"form": form, "stream": type(request.stream).__name__, "rest": list(request.stream)}

    @app.post("/stream-data", stream_body=True)
    def stream_data() -> Any:
        data = request.get_data()
        rest = list(request.stream)
        return {"data": data.decode(), "stream": type(request.stream).__name__, "rest": rest}

    @app.post("/stream-data-async", stream_body=True)
    async def stream_data_async() -> Any:
        # Under WSGI only: under ASGI get_data() here would block the loop.
        data = request.get_data()
        rest = [chunk async for chunk in request.stream]  # type: ignore[attr-defined]
        return {"data": data.decode(), "stream": type(request.stream).__name__, "rest": rest}

    return app


def via_wsgi(
    app: Erlen, path: str, body: bytes, headers: dict[str, str], terminated: bool = False
) -> tuple[int, bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": terminated,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    status: list[str] = []

    def start_response(s: str, h: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status.append(s)
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        data = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return int(status[0].split()[0]), data


def via_asgi(
    app: Erlen, path: str, body: bytes | list[bytes], headers: dict[str, str]
) -> tuple[int, bytes]:
    result = run(call(app, "POST", path, body=body, headers=list(headers.items())))
    return result.status, result.body


def form_headers(body: bytes, **extra: str) -> dict[str, str]:
    return {"Content-Type": URLENCODED, "Content-Length": str(len(body)), **extra}


# (path, body chunks, headers, config)
APP_CASES: dict[str, tuple[str, list[bytes], dict[str, str], dict[str, Any]]] = {
    "form": ("/form", [FORM], form_headers(FORM), {}),
    "form in chunks": ("/form", [FORM[:7], FORM[7:30], FORM[30:]], form_headers(FORM), {}),
    "form over MAX_CONTENT_LENGTH": (
        "/form",
        [FORM],
        form_headers(FORM),
        {"MAX_CONTENT_LENGTH": 10},
    ),
    "form over MAX_FORM_MEMORY_SIZE": (
        "/form",
        [FORM],
        form_headers(FORM),
        {"MAX_FORM_MEMORY_SIZE": 10},
    ),
    "form over MAX_FORM_PARTS": ("/form", [FORM], form_headers(FORM), {"MAX_FORM_PARTS": 2}),
    "form not utf-8": ("/form", [b"a=%FF"], form_headers(b"a=%FF"), {}),
    "short form": ("/form", [b"a=1"], {"Content-Type": URLENCODED, "Content-Length": "10"}, {}),
    "form without length": ("/form", [FORM], {"Content-Type": URLENCODED}, {}),
    "data then form": ("/data-then-form", [FORM], form_headers(FORM), {}),
    "uncached data then form": ("/nocache-then-form", [FORM], form_headers(FORM), {}),
    "get_data(parse_form_data=True)": ("/parse-form", [FORM], form_headers(FORM), {}),
    "upload": (
        "/upload",
        [MULTIPART_BODY[:50_000], MULTIPART_BODY[50_000:]],
        {"Content-Type": MULTIPART_TYPE, "Content-Length": str(len(MULTIPART_BODY))},
        {},
    ),
    "json": (
        "/json",
        [b'{"a": ', b"[1, 2]}"],
        {"Content-Type": "application/json", "Content-Length": "13"},
        {},
    ),
    "json over MAX_CONTENT_LENGTH": (
        "/json",
        [b'{"a": [1, 2]}'],
        {"Content-Type": "application/json", "Content-Length": "13"},
        {"MAX_CONTENT_LENGTH": 12},
    ),
    "stream_body route, form": ("/stream-form", [FORM], form_headers(FORM), {}),
    "stream_body route, form over MAX_CONTENT_LENGTH": (
        "/stream-form",
        [FORM],
        form_headers(FORM),
        {"MAX_CONTENT_LENGTH": 10},
    ),
}


@pytest.mark.parametrize("case", list(APP_CASES))
def test_app_responses_are_the_streams_on_both_protocols(case: str) -> None:
    path, chunks, headers, config = APP_CASES[case]
    fast, reference = make_app(), make_app(StreamedErlenRequest)
    for app in (fast, reference):
        app.config.update(config)
    body = b"".join(chunks)
    expected = via_wsgi(reference, path, body, headers)
    assert via_wsgi(fast, path, body, headers) == expected
    assert via_asgi(fast, path, chunks, headers) == via_asgi(reference, path, chunks, headers)
    if case == "form":
        assert expected[0] == 200
        assert b"Z\\u00fcrich" in expected[1] or "Zürich".encode() in expected[1]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"MAX_CONTENT_LENGTH": 10}, b"The request body is 40 bytes; the limit is 10 bytes."),
        ({"MAX_FORM_MEMORY_SIZE": 10}, b"The form data is larger than the limit of 10 bytes."),
        ({"MAX_FORM_PARTS": 2}, b"The form has more than 2 fields."),
    ],
)
def test_app_limits_give_their_413_on_both_protocols(
    config: dict[str, Any], message: bytes
) -> None:
    app = make_app()
    app.config.update(config)
    headers = form_headers(FORM)
    for status, body in (
        via_wsgi(app, "/form", FORM, headers),
        via_asgi(app, "/form", FORM, headers),
    ):
        assert status == 413
        assert message in body


def test_app_short_body_is_a_400_on_both_protocols() -> None:
    app = make_app()
    app.config["DEBUG"] = True
    headers = {"Content-Type": URLENCODED, "Content-Length": "10"}
    for status, body in (
        via_wsgi(app, "/form", b"a=1", headers),
        via_asgi(app, "/form", b"a=1", headers),
    ):
        assert status == 400
        assert b"The request body ended after 3 of 10 bytes." in body


def test_app_form_without_length_is_read_only_when_terminated() -> None:
    app = make_app()
    headers = {"Content-Type": URLENCODED}
    assert via_wsgi(app, "/form", FORM, headers) == (200, b'{"data":"","form":[]}\n')
    status, body = via_wsgi(app, "/form", FORM, headers, terminated=True)
    assert status == 200 and b'["age","30"]' in body
    chunked = {"Content-Type": URLENCODED, "Transfer-Encoding": "chunked"}
    status, body = via_asgi(app, "/form", [FORM[:10], FORM[10:]], chunked)
    assert status == 200 and b'["age","30"]' in body
    app.config["MAX_CONTENT_LENGTH"] = 10
    assert via_wsgi(app, "/form", FORM, headers, terminated=True)[0] == 413
    assert via_asgi(app, "/form", [FORM[:10], FORM[10:]], chunked)[0] == 413


def test_stream_body_route_keeps_its_body_stream_after_get_data_and_form() -> None:
    app = make_app()
    headers = form_headers(FORM)
    expected = {"data": FORM.decode(), "stream": "BodyStream", "rest": []}
    for status, body in (
        via_wsgi(app, "/stream-data", FORM, headers),
        via_wsgi(app, "/stream-data-async", FORM, headers),
        via_asgi(app, "/stream-data", [FORM[:5], FORM[5:]], headers),
    ):
        assert status == 200
        assert app.json.loads(body) == expected
    for status, body in (
        via_wsgi(app, "/stream-form", FORM, headers),
        via_asgi(app, "/stream-form", [FORM[:5], FORM[5:]], headers),
    ):
        assert status == 200
        assert app.json.loads(body) == {
            "form": dict(FORM_ITEMS),
            "stream": "BodyStream",
            "rest": [],
        }


def test_stream_body_async_view_reading_form_of_an_arriving_body_explains() -> None:
    app = Erlen("fast_paths")
    app.testing = True

    @app.post("/up", stream_body=True)
    async def up() -> Any:
        return request.form.to_dict()

    async def main() -> Any:
        connection = Connection(trickle=True)
        task = asyncio.ensure_future(
            call(
                app, "POST", "/up", headers=list(form_headers(FORM).items()), connection=connection
            )
        )
        await asyncio.sleep(0.01)
        connection.feed({"type": "http.request", "body": FORM, "more_body": False})
        return await task

    with pytest.raises(RuntimeError, match=r"async for chunk in request\.stream"):
        run(main())


def test_body_stream_reads_after_a_direct_read() -> None:
    r = make(FORM, cls=ErlenRequest)
    assert r.get_data() == FORM
    stream = request_module.Request.stream.fget(r)  # type: ignore[attr-defined]
    assert not isinstance(stream, BodyStream)  # no url_rule: the plain limited stream
    assert stream.read() == b""
