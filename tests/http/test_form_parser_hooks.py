"""Werkzeug's form parsing hooks: ``FormDataParser``, a request's
``form_data_parser_class`` / ``make_form_data_parser()`` / ``_get_file_stream``
and ``parameter_storage_class`` for parsed bodies; through the app on both
protocols."""

from __future__ import annotations

import io
from typing import IO, Any

import pytest

from erlen import Erlen
from erlen import Request as AppRequest
from erlen import request as current_request
from erlen.http.datastructures import Headers, ImmutableMultiDict
from erlen.http.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge
from erlen.http.formparser import FormDataParser, default_stream_factory
from erlen.http.multipart import encode_multipart
from erlen.http.request import Request

URLENCODED = "application/x-www-form-urlencoded"


def multipart(fields: list[tuple[str, Any]]) -> tuple[bytes, str]:
    return encode_multipart(fields, boundary="XyZ")


def make_request(
    cls: type[Request], body: bytes, content_type: str, method: str = "POST", query: bytes = b""
) -> Request:
    headers = Headers({"Content-Type": content_type, "Content-Length": str(len(body))})
    return cls(method, "http", ("localhost", 80), "", "/", query, headers, None, io.BytesIO(body))


class OrderedStorage(ImmutableMultiDict[Any, Any]):
    """A parameter storage class of the application's own."""


class Upload(io.BytesIO):
    """What a custom _get_file_stream hands out."""


# -- FormDataParser ------------------------------------------------------------------


def test_parser_parses_both_kinds_and_returns_the_stream() -> None:
    parser = FormDataParser()
    stream = io.BytesIO(b"a=1&a=2&b=%C3%BC")
    rest, form, files = parser.parse(stream, URLENCODED, 16, {})
    assert rest is stream
    assert form.getlist("a") == ["1", "2"]
    assert form["b"] == "\u00fc"
    assert not files

    body, _ = multipart([("note", "hi"), ("f", (b"data", "d.txt", "text/plain"))])
    _, form, files = parser.parse(
        io.BytesIO(body), "multipart/form-data", len(body), {"boundary": "XyZ"}
    )
    assert form["note"] == "hi"
    assert (files["f"].filename, files["f"].read()) == ("d.txt", b"data")


def test_parser_leaves_other_bodies_unread() -> None:
    stream = io.BytesIO(b'{"a": 1}')
    rest, form, files = FormDataParser().parse(stream, "application/json", 8)
    assert rest is stream
    assert stream.tell() == 0
    assert (form, files) == (ImmutableMultiDict(), ImmutableMultiDict())


def test_parser_silence_covers_malformed_bodies_only() -> None:
    broken = b"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nno end"
    options = {"boundary": "XyZ"}
    _, form, files = FormDataParser(silent=True).parse(
        io.BytesIO(broken), "multipart/form-data", len(broken), options
    )
    assert (form, files) == (ImmutableMultiDict(), ImmutableMultiDict())
    with pytest.raises(BadRequest):
        FormDataParser(silent=False).parse(
            io.BytesIO(broken), "multipart/form-data", len(broken), options
        )
    # A limit and a client gone are not malformed bodies: never silent.
    with pytest.raises(RequestEntityTooLarge):
        FormDataParser(max_content_length=3).parse(io.BytesIO(b"a=1234"), URLENCODED, 6)
    with pytest.raises(ClientDisconnected):
        FormDataParser().parse(io.BytesIO(b"a=1"), URLENCODED, 50)


def test_parser_cls_and_limits() -> None:
    parser = FormDataParser(cls=OrderedStorage, max_form_parts=2)
    _, form, files = parser.parse(io.BytesIO(b"a=1&b=2"), URLENCODED, 7)
    assert type(form) is OrderedStorage
    assert type(files) is OrderedStorage
    assert dict(form) == {"a": "1", "b": "2"}
    with pytest.raises(RequestEntityTooLarge):
        parser.parse(io.BytesIO(b"a=1&b=2&c=3"), URLENCODED, 11)


def test_parser_stream_factory_gets_werkzeugs_arguments() -> None:
    calls: list[tuple[Any, ...]] = []

    def factory(
        total: int | None, content_type: str | None, filename: str | None, length: int | None
    ) -> IO[bytes]:
        calls.append((total, content_type, filename, length))
        return Upload()

    body, _ = multipart(
        [("f", (b"one", "1.txt", "text/plain")), ("g", (b"two!", "2.bin")), ("x", "field")]
    )
    _, form, files = FormDataParser(factory).parse(
        io.BytesIO(body), "multipart/form-data", len(body), {"boundary": "XyZ"}
    )
    assert calls == [
        (len(body), "text/plain", "1.txt", None),
        (len(body), "application/octet-stream", "2.bin", None),
    ]
    assert isinstance(files["f"].stream, Upload)
    assert (files["f"].read(), files["g"].read(), form["x"]) == (b"one", b"two!", "field")


def test_parser_closes_factory_files_when_parsing_fails() -> None:
    made: list[Upload] = []

    def factory(*args: Any) -> IO[bytes]:
        made.append(Upload())
        return made[-1]

    body = b"--XyZ\r\nContent-Disposition: form-data; name=f; filename=a\r\n\r\ncut"
    with pytest.raises(BadRequest):
        FormDataParser(factory, silent=False).parse(
            io.BytesIO(body), "multipart/form-data", len(body), {"boundary": "XyZ"}
        )
    assert [upload.closed for upload in made] == [True]


def test_parse_from_environ() -> None:
    environ = {
        "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
        "CONTENT_LENGTH": "7",
        "wsgi.input": io.BytesIO(b"k=v&z=1trailing"),
    }
    _, form, _ = FormDataParser().parse_from_environ(environ)
    assert dict(form) == {"k": "v", "z": "1"}


def test_default_stream_factory_is_werkzeugs_rule() -> None:
    assert isinstance(default_stream_factory(1000, "text/plain"), io.BytesIO)
    big = default_stream_factory(600 * 1024, "text/plain")
    unknown = default_stream_factory(None, None)
    try:
        assert not isinstance(big, io.BytesIO)
        assert not isinstance(unknown, io.BytesIO)
        big.write(b"x")
        big.seek(0)
        assert big.read() == b"x"
    finally:
        big.close()
        unknown.close()


def test_parser_matches_werkzeug() -> None:
    formparser = pytest.importorskip("werkzeug.formparser")
    body, _ = multipart(
        [
            ("name", "Zo\u00eb"),
            ("tags", "a"),
            ("tags", "b"),
            ("file", (b"\x00\x01binary", "b.bin", "application/x-thing")),
        ]
    )
    args = (len(body), {"boundary": "XyZ"})
    _, ours_form, ours_files = FormDataParser().parse(
        io.BytesIO(body), "multipart/form-data", *args
    )
    _, theirs_form, theirs_files = formparser.FormDataParser().parse(
        io.BytesIO(body), "multipart/form-data", *args
    )
    assert list(ours_form.items(multi=True)) == list(theirs_form.items(multi=True))
    ours, theirs = ours_files["file"], theirs_files["file"]
    try:
        assert (ours.filename, ours.content_type, ours.read()) == (
            theirs.filename,
            theirs.content_type,
            theirs.read(),
        )
    finally:
        ours.close()
        theirs.close()


# -- the request's hooks -----------------------------------------------------------------


def test_default_request_keeps_its_own_parsing() -> None:
    assert Request._custom_form_parsing is False
    assert AppRequest._custom_form_parsing is False
    parser = make_request(Request, b"", URLENCODED).make_form_data_parser()
    assert type(parser) is FormDataParser
    assert parser.stream_factory is None  # uploads spool as before
    assert parser.silent is False
    assert parser.cls is ImmutableMultiDict


def test_parameter_storage_class_applies_to_parsed_bodies() -> None:
    class Ordered(Request):
        parameter_storage_class = OrderedStorage

    req = make_request(Ordered, b"a=1&b=2", URLENCODED, query=b"q=x")
    assert type(req.form) is OrderedStorage
    assert type(req.files) is OrderedStorage
    assert type(req.args) is OrderedStorage
    assert dict(req.form) == {"a": "1", "b": "2"}

    body, content_type = multipart([("n", "1"), ("f", (b"z", "z.txt"))])
    req = make_request(Ordered, body, content_type)
    assert type(req.form) is OrderedStorage
    assert type(req.files) is OrderedStorage
    assert req.files["f"].read() == b"z"


def test_get_file_stream_override_receives_every_upload() -> None:
    calls: list[tuple[Any, ...]] = []

    class Recording(Request):
        def _get_file_stream(
            self,
            total_content_length: int | None,
            content_type: str | None,
            filename: str | None = None,
            content_length: int | None = None,
        ) -> IO[bytes]:
            calls.append((total_content_length, content_type, filename))
            return Upload()

    body, content_type = multipart([("a", (b"AAA", "a.txt", "text/plain")), ("t", "text")])
    req = make_request(Recording, body, content_type)
    assert isinstance(req.files["a"].stream, Upload)
    assert req.files["a"].read() == b"AAA"
    assert req.form["t"] == "text"
    assert calls == [(len(body), "text/plain", "a.txt")]


def test_form_data_parser_class_and_make_form_data_parser_overrides() -> None:
    class Tagging(FormDataParser):
        def parse(self, *args: Any, **kwargs: Any) -> Any:
            stream, form, files = super().parse(*args, **kwargs)
            return stream, ImmutableMultiDict([*form.items(multi=True), ("via", "custom")]), files

    class WithClass(Request):
        form_data_parser_class = Tagging

    assert make_request(WithClass, b"a=1", URLENCODED).form.to_dict() == {
        "a": "1",
        "via": "custom",
    }

    class Lenient(Request):
        def make_form_data_parser(self) -> FormDataParser:
            parser = super().make_form_data_parser()
            parser.silent = True
            return parser

    broken = b"--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nno end"
    content_type = "multipart/form-data; boundary=XyZ"
    assert make_request(Lenient, broken, content_type).form == ImmutableMultiDict()
    with pytest.raises(BadRequest):
        _ = make_request(Request, broken, content_type).form


@pytest.mark.parametrize("asgi", [False, True], ids=["wsgi", "asgi"])
def test_app_request_class_with_upload_hook(asgi: bool) -> None:
    stored: list[tuple[str | None, bytes]] = []

    class StoringRequest(AppRequest):
        def _get_file_stream(self, *args: Any, **kwargs: Any) -> IO[bytes]:
            return Upload()

    app = Erlen(__name__)
    app.request_class = StoringRequest

    @app.post("/upload")
    def upload() -> str:
        file = current_request.files["doc"]
        assert isinstance(file.stream, Upload)
        stored.append((file.filename, file.read()))
        return current_request.form["title"]

    client = app.test_client(asgi=asgi)
    r = client.post("/upload", data={"title": "T", "doc": (io.BytesIO(b"content"), "doc.txt")})
    assert (r.status_code, r.data) == (200, b"T")
    assert stored == [("doc.txt", b"content")]
