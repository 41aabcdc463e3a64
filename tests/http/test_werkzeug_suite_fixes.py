"""Bugs and gaps Werkzeug's own test suite found in the toolkit (see
tests/compat/test_werkzeug_own_suite.py), each checked here in erlen's terms."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import erlen.http  # Request(environ) needs the WSGI adapter, which erlen imports
from erlen.http.cookies import dump_cookie
from erlen.http.datastructures import FileStorage, MultiDict
from erlen.http.exceptions import BadRequest, ClientDisconnected, NotFound
from erlen.http.formparser import parse_form_data
from erlen.http.headers import parse_accept_header
from erlen.http.request import LimitedStream
from erlen.http.response import Response, redirect
from erlen.http.urls import iri_to_uri
from erlen.http.utils import safe_join
from erlen.http.wsgi import run_wsgi_app
from erlen.middleware import ProfilerMiddleware, ProxyFix
from erlen.testing import Client, EnvironBuilder, create_environ, stream_encode_multipart


@contextmanager
def _os_name(name: str) -> Iterator[None]:
    # Restored before pytest reports: its plugins make paths, which fail
    # while os.name says "nt" on another system.
    saved = os.name
    os.name = name
    try:
        yield
    finally:
        os.name = saved


@pytest.mark.parametrize(
    "name", ["CON", "con.txt", "NUL.tar.gz", "COM1 ", "LPT9 . txt", "sub/AUX", "conin$"]
)
def test_safe_join_refuses_windows_device_names_on_windows(name: str) -> None:
    with _os_name("nt"):
        joined = safe_join("static", name)
    assert joined is None


def test_safe_join_keeps_device_like_names_elsewhere() -> None:
    with _os_name("nt"):
        joined = [safe_join("static", "console.txt"), safe_join("static", "com10")]
    assert joined == ["static/console.txt", "static/com10"]
    with _os_name("posix"):
        joined = [safe_join("static", "CON")]
    assert joined == ["static/CON"]


@pytest.mark.parametrize("q", [".5", "+0.5", "0.5_1", "\U0001fbf0.\U0001fbf5", "inf", "2", "0.5.5"])
def test_accept_ignores_an_entry_with_an_invalid_quality(q: str) -> None:
    assert list(parse_accept_header(f"en,jp;q={q}").values()) == ["en"]


@pytest.mark.parametrize(("q", "quality"), [("0.5", 0.5), ("0.", 0.0), ("1.000", 1.0), ("0", 0.0)])
def test_accept_reads_valid_qualities(q: str, quality: float) -> None:
    assert parse_accept_header(f"en,jp;q={q}")["jp"] == quality


def test_dump_cookie_sync_expires_and_werkzeug_argument_order() -> None:
    header = dump_cookie("a", "b", 60, sync_expires=False)
    assert header == "a=b; Max-Age=60; Path=/"
    assert "Expires=" in dump_cookie("a", "b", 60)
    # Werkzeug's positions: ..., httponly, sync_expires, max_size, samesite, partitioned.
    header = dump_cookie("a", "b", 60, None, "/", None, False, True, False, 4093, "Lax", False)
    assert header == "a=b; Max-Age=60; HttpOnly; Path=/; SameSite=Lax"


def test_iri_to_uri_keeps_an_empty_authority() -> None:
    url = "itms-services://?action=download-manifest&url=https://test.example/päth"
    assert iri_to_uri(url) == (
        "itms-services://?action=download-manifest&url=https://test.example/p%C3%A4th"
    )
    assert iri_to_uri("file:///tmp/ä") == "file:///tmp/%C3%A4"
    assert iri_to_uri("mailto:ä@example.com") == "mailto:%C3%A4@example.com"


def test_limited_stream_on_a_closed_input_is_a_client_disconnect() -> None:
    data = io.BytesIO(b"x" * 10)
    data.close()
    with pytest.raises(ClientDisconnected):
        LimitedStream(data, 10).read()
    with pytest.raises(ClientDisconnected):
        LimitedStream(data, 10).read(5)
    with pytest.raises(ClientDisconnected):
        LimitedStream(data, 10).readline()


def test_make_conditional_takes_a_wsgi_environ() -> None:
    response = Response("Hello World")
    response.add_etag()
    etag = response.get_etag()[0]
    environ = create_environ(headers={"If-None-Match": f'"{etag}"'})
    assert response.make_conditional(environ).status_code == 304

    ranged = Response("Hello World")
    environ = create_environ(headers={"Range": "bytes=0-4"})
    ranged.make_conditional(environ, accept_ranges=True)
    assert ranged.status_code == 206
    assert ranged.get_data() == b"Hello"
    assert ranged.headers["Content-Range"] == "bytes 0-4/11"


def test_parse_form_data_takes_a_wsgi_environ_as_werkzeug() -> None:
    stream, length, boundary = stream_encode_multipart(
        MultiDict([("s", "☃"), ("f", FileStorage(io.BytesIO(b"data"), "a.txt"))])
    )
    environ = {
        "wsgi.input": stream,
        "CONTENT_LENGTH": str(length),
        "CONTENT_TYPE": f'multipart/form-data; boundary="{boundary}"',
    }
    _, form, files = parse_form_data(environ)
    assert form["s"] == "☃"
    assert files["f"].filename == "a.txt"
    assert files["f"].read() == b"data"

    broken = {"wsgi.input": io.BytesIO(b"x"), "CONTENT_LENGTH": "1"}
    broken["CONTENT_TYPE"] = "multipart/form-data; boundary=b"
    assert parse_form_data(broken)[1] == {}  # silent, as Werkzeug's
    with pytest.raises(BadRequest):
        parse_form_data(broken, silent=False)


def test_stream_encode_multipart_spools_past_the_threshold() -> None:
    data = MultiDict({"a": "x" * 200})
    small, length, _ = stream_encode_multipart(data, use_tempfile=False, threshold=10)
    assert isinstance(small, io.BytesIO) and len(small.read()) == length
    big, length, boundary = stream_encode_multipart(data, threshold=10, boundary="bnd")
    assert not isinstance(big, io.BytesIO) and boundary == "bnd"
    assert big.read().startswith(b"--bnd\r\n")
    big.close()


def test_environ_builder_takes_the_path_first_without_an_app() -> None:
    environ = EnvironBuilder("/a b", base_url="http://example.com/app").get_environ()
    assert environ["PATH_INFO"] == "/a b"
    assert environ["SCRIPT_NAME"] == "/app"


def test_http_exception_is_a_wsgi_application() -> None:
    app_iter, status, _ = run_wsgi_app(NotFound(), create_environ())
    assert status == "404 NOT FOUND"
    assert b"Not Found" in b"".join(app_iter)
    assert Response.force_type(NotFound(), create_environ()).status_code == 404


def test_profiler_filename_function_gets_the_timing(tmp_path: Any) -> None:
    seen: dict[str, Any] = {}

    def name(environ: dict[str, Any]) -> str:
        seen.update(environ["werkzeug.profiler"])
        return "x.prof"

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"ok"]

    profiled = ProfilerMiddleware(app, stream=None, profile_dir=tmp_path, filename_format=name)
    assert Client(profiled).get("/").data == b"ok"
    assert seen["elapsed"] >= 0 and seen["time"] > 0
    assert (tmp_path / "x.prof").exists()


def test_autocorrected_location_drops_the_default_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Response, "autocorrect_location_header", True)

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        return redirect("parrot")(environ, start_response)

    fixed = ProxyFix(app, x_proto=1, x_host=1, x_port=1)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "eggs", "X-Forwarded-Port": "443"}
    response = Client(fixed).get("/ham/", headers=headers)
    assert response.headers["Location"] == "https://eggs/ham/parrot"


def test_top_level_request_and_response_are_lazy() -> None:
    from erlen.http import Request as TopRequest
    from erlen.http import Response as TopResponse
    from erlen.http.request import Request

    assert TopRequest is Request and TopResponse is Response
    with pytest.raises(AttributeError):
        erlen.http.NoSuchName  # noqa: B018
