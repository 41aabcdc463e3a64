"""send_file, send_from_directory, the static route, and uploads."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from erlen import Erlen, request
from erlen.files import send_file, send_from_directory
from erlen.http.exceptions import NotFound
from erlen.http.headers import parse_date
from erlen.http.response import FileWrapper
from erlen.http.utils import secure_filename
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]

FIXTURES = Path(__file__).parent / "fixtures"
STATIC = FIXTURES / "static"
HELLO = STATIC / "hello.txt"
HELLO_BYTES = HELLO.read_bytes()
DATA = STATIC / "sub" / "data.bin"
DATA_BYTES = DATA.read_bytes()


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__, root_path=str(FIXTURES))
    app.config.update(TESTING=True)

    @app.route("/file")
    def file_view() -> Any:
        return send_file("static/hello.txt")

    @app.route("/data")
    def data_view() -> Any:
        return send_file(DATA)

    @app.route("/dir/<path:name>")
    def dir_view(name: str) -> Any:
        return send_from_directory("static", name)

    return app


class BufferedClient:
    """A test client that reads and closes every body at once (no leaked files)."""

    def __init__(self, client: ErlenClient) -> None:
        self.client = client

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self.client.get(*args, buffered=True, **kwargs)

    def head(self, *args: Any, **kwargs: Any) -> Any:
        return self.client.head(*args, buffered=True, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        return self.client.post(*args, buffered=True, **kwargs)


def http_date(ts: float) -> str:
    return format_datetime(datetime.fromtimestamp(int(ts), UTC), usegmt=True)


def test_send_file_path_headers(app: Erlen, make_client: MakeClient) -> None:
    rv = BufferedClient(make_client(app)).get("/file")
    assert rv.status_code == 200
    assert rv.data == HELLO_BYTES
    assert rv.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert rv.headers["Content-Length"] == str(len(HELLO_BYTES))
    assert rv.headers["Content-Disposition"] == 'inline; filename="hello.txt"'
    assert rv.headers["Last-Modified"] == http_date(HELLO.stat().st_mtime)
    assert rv.headers["Cache-Control"] == "no-cache"
    assert rv.headers["Accept-Ranges"] == "bytes"
    etag = rv.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert not etag.startswith("W/")
    assert f"-{len(HELLO_BYTES)}-" in etag


def test_send_file_body_is_a_file_wrapper(app: Erlen) -> None:
    with app.test_request_context():
        rv = send_file(HELLO)
        try:
            assert isinstance(rv.response, FileWrapper)
            assert rv.direct_passthrough is True
        finally:
            rv.close()


def test_send_file_etag_is_stable_and_path_dependent(app: Erlen, make_client: MakeClient) -> None:
    client = BufferedClient(make_client(app))
    first = client.get("/file").headers["ETag"]
    assert client.get("/file").headers["ETag"] == first
    assert client.get("/data").headers["ETag"] != first


def test_send_file_etag_follows_the_files_changes(app: Erlen, tmp_path: Path) -> None:
    # The ETag text is cached per path; a new mtime or size must give a new one.
    from zlib import adler32

    target = tmp_path / "changing.txt"
    target.write_bytes(b"one")

    def etag_now() -> str:
        with app.test_request_context():
            rv = send_file(target)
            rv.close()
        st = os.stat(target)
        check = adler32(str(target).encode()) & 0xFFFFFFFF
        assert rv.headers["ETag"] == f'"{st.st_mtime}-{st.st_size}-{check}"'
        return str(rv.headers["ETag"])

    first = etag_now()
    assert etag_now() == first
    os.utime(target, (1_700_000_000.5, 1_700_000_000.5))
    second = etag_now()
    assert second != first
    target.write_bytes(b"three")
    os.utime(target, (1_700_000_000.5, 1_700_000_000.5))
    assert etag_now() not in (first, second)


def test_head_sends_headers_without_body(app: Erlen, make_client: MakeClient) -> None:
    rv = BufferedClient(make_client(app)).head("/file")
    assert rv.status_code == 200
    assert rv.data == b""
    assert rv.headers["Content-Length"] == str(len(HELLO_BYTES))


def test_mimetype_guess_and_fallback(app: Erlen, tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>x</p>")
    (tmp_path / "blob.unknownext").write_bytes(b"\x00")
    with app.test_request_context():
        with send_file(tmp_path / "page.html") as rv:
            assert rv.mimetype == "text/html"
        with send_file(tmp_path / "blob.unknownext") as rv:
            assert rv.mimetype == "application/octet-stream"
        with send_file(DATA) as rv:
            assert rv.mimetype == "application/octet-stream"
        with send_file(HELLO, mimetype="application/x-custom") as rv:
            assert rv.headers["Content-Type"] == "application/x-custom"
        with send_file(io.BytesIO(b"{}"), download_name="x.json") as rv:
            assert rv.mimetype == "application/json"


def test_file_object_without_name_needs_mimetype(app: Erlen) -> None:
    with app.test_request_context():
        with pytest.raises(ValueError, match="MIME type"):
            send_file(io.BytesIO(b"data"))
        with pytest.raises(TypeError):
            send_file(io.BytesIO(b"data"))
        rv = send_file(io.BytesIO(b"data"), mimetype="text/csv")
        assert rv.headers["Content-Length"] == "4"
        assert "Content-Disposition" not in rv.headers
        assert "ETag" not in rv.headers
        assert "Last-Modified" not in rv.headers
        with pytest.raises(ValueError, match="name"):
            send_file(io.BytesIO(b"data"), mimetype="text/csv", as_attachment=True)
        with pytest.raises(ValueError, match="binary mode"):
            send_file(io.StringIO("text"), mimetype="text/plain")  # type: ignore[arg-type]


def test_named_file_object_guesses_mimetype(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/obj")
    def obj() -> Any:
        return send_file(open(HELLO, "rb"))

    rv = BufferedClient(make_client(app)).get("/obj")
    assert rv.data == HELLO_BYTES
    assert rv.mimetype == "text/plain"


def test_bytesio_supports_ranges(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/mem")
    def mem() -> Any:
        return send_file(io.BytesIO(b"0123456789"), download_name="digits.txt")

    rv = BufferedClient(make_client(app)).get("/mem", headers={"Range": "bytes=2-4"})
    assert rv.status_code == 206
    assert rv.data == b"234"
    assert rv.headers["Content-Range"] == "bytes 2-4/10"


def test_attachment_with_unicode_name(app: Erlen) -> None:
    with app.test_request_context():
        rv = send_file(HELLO, as_attachment=True, download_name="Ünïcode report €.txt")
        rv.close()
    assert rv.headers["Content-Disposition"] == (
        'attachment; filename="Unicode report .txt";'
        " filename*=UTF-8''%C3%9Cn%C3%AFcode%20report%20%E2%82%AC.txt"
    )
    with app.test_request_context():
        rv = send_file(HELLO, as_attachment=True, download_name="report 2024.txt")
        rv.close()
    assert rv.headers["Content-Disposition"] == 'attachment; filename="report 2024.txt"'


def test_range_request_206(app: Erlen, make_client: MakeClient) -> None:
    client = BufferedClient(make_client(app))
    rv = client.get("/data", headers={"Range": "bytes=10-19"})
    assert rv.status_code == 206
    assert rv.data == DATA_BYTES[10:20]
    assert rv.headers["Content-Range"] == f"bytes 10-19/{len(DATA_BYTES)}"
    assert rv.headers["Content-Length"] == "10"

    rv = client.get("/data", headers={"Range": "bytes=-5"})
    assert rv.status_code == 206
    assert rv.data == DATA_BYTES[-5:]
    n = len(DATA_BYTES)
    assert rv.headers["Content-Range"] == f"bytes {n - 5}-{n - 1}/{n}"

    rv = client.get("/data", headers={"Range": "bytes=1000-"})
    assert rv.status_code == 206
    assert rv.data == DATA_BYTES[1000:]


def test_range_not_satisfiable_416(app: Erlen, make_client: MakeClient) -> None:
    rv = BufferedClient(make_client(app)).get("/data", headers={"Range": "bytes=5000-6000"})
    assert rv.status_code == 416
    assert rv.headers["Content-Range"] == f"bytes */{len(DATA_BYTES)}"


def test_if_range_with_stale_etag_sends_whole_file(app: Erlen, make_client: MakeClient) -> None:
    rv = BufferedClient(make_client(app)).get(
        "/data", headers={"Range": "bytes=0-3", "If-Range": '"stale"'}
    )
    assert rv.status_code == 200
    assert rv.data == DATA_BYTES


def test_conditional_304(app: Erlen, make_client: MakeClient) -> None:
    client = BufferedClient(make_client(app))
    first = client.get("/file")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    rv = client.get("/file", headers={"If-None-Match": etag})
    assert rv.status_code == 304
    assert rv.data == b""
    assert rv.headers["ETag"] == etag

    rv = client.get("/file", headers={"If-Modified-Since": modified})
    assert rv.status_code == 304
    assert rv.data == b""

    rv = client.get("/file", headers={"If-None-Match": '"something-else"'})
    assert rv.status_code == 200
    assert rv.data == HELLO_BYTES

    rv = client.get("/file", headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})
    assert rv.status_code == 200


def test_conditional_off(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/plain")
    def plain() -> Any:
        return send_file(HELLO, conditional=False)

    client = BufferedClient(make_client(app))
    etag = client.get("/plain").headers["ETag"]
    rv = client.get("/plain", headers={"If-None-Match": etag, "Range": "bytes=0-1"})
    assert rv.status_code == 200
    assert rv.data == HELLO_BYTES


def test_etag_options_and_last_modified(app: Erlen) -> None:
    when = datetime(2020, 2, 3, 4, 5, 6, tzinfo=UTC)
    with app.test_request_context():
        rv = send_file(HELLO, etag="v1", last_modified=when)
        rv.close()
        assert rv.headers["ETag"] == '"v1"'
        assert rv.headers["Last-Modified"] == "Mon, 03 Feb 2020 04:05:06 GMT"
        rv = send_file(HELLO, etag=False)
        rv.close()
        assert "ETag" not in rv.headers


def test_max_age(app: Erlen) -> None:
    with app.test_request_context():
        before = int(time.time())
        rv = send_file(HELLO, max_age=60)
        rv.close()
        assert rv.headers["Cache-Control"] == "public, max-age=60"
        # Whole seconds from now.
        expires = parse_date(rv.headers["Expires"])
        assert expires is not None
        assert before + 60 <= expires.timestamp() <= int(time.time()) + 60

        seen: list[str | None] = []

        def per_file(path: str | None) -> int:
            seen.append(path)
            return 30

        rv = send_file(HELLO, max_age=per_file)
        rv.close()
        assert rv.headers["Cache-Control"] == "public, max-age=30"
        assert seen == [str(HELLO)]

        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
        rv = send_file(HELLO)
        rv.close()
        assert rv.headers["Cache-Control"] == "public, max-age=3600"


def test_relative_path_is_relative_to_root_path(
    app: Erlen, monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    monkeypatch.chdir("/")
    assert BufferedClient(make_client(app)).get("/file").data == HELLO_BYTES


def test_send_from_directory_serves_files(app: Erlen, make_client: MakeClient) -> None:
    client = BufferedClient(make_client(app))
    assert client.get("/dir/hello.txt").data == HELLO_BYTES
    assert client.get("/dir/sub/data.bin").data == DATA_BYTES
    assert client.get("/dir/odd%20%252e%20name.txt").data == b"x"


@pytest.mark.parametrize(
    "name",
    [
        "missing.txt",
        "sub",
        "../secret.txt",
        "sub/../../secret.txt",
        "..",
        "%2e%2e/secret.txt",
        "..%2Fsecret.txt",
        "%2E%2E%2Fsecret.txt",
        "/etc/passwd",
        str(FIXTURES / "secret.txt"),
        "hello.txt\x00.png",
        "..\\secret.txt",
        "sub\\..\\..\\secret.txt",
        "C:secret.txt",
        "c:/windows/win.ini",
        "",
    ],
)
def test_send_from_directory_refuses_escapes(app: Erlen, name: str) -> None:
    with app.test_request_context(), pytest.raises(NotFound):
        send_from_directory("static", name)


@pytest.mark.parametrize(
    "url",
    [
        "/dir/../secret.txt",
        "/dir/%2e%2e/secret.txt",
        "/dir/..%2Fsecret.txt",
        "/dir/%2e%2e%2fsecret.txt",
        "/dir/sub/%2e%2e/%2e%2e/secret.txt",
        "/dir/%2fetc%2fpasswd",
        "/dir/hello.txt%00",
        "/dir/..%5csecret.txt",
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/..%2Fsecret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/%2Fetc%2Fpasswd",
        "/static/hello.txt%00.png",
        "/static/nothing-here.txt",
    ],
)
def test_traversal_over_http_is_404(app: Erlen, url: str, make_client: MakeClient) -> None:
    rv = BufferedClient(make_client(app)).get(url, follow_redirects=True)
    # The router may first redirect "//" to "/"; wherever it ends, no file.
    assert rv.status_code in (404, 400), rv.status_code
    assert b"top secret" not in rv.data
    assert b"root:" not in rv.data


def test_static_route_serves_files(app: Erlen, make_client: MakeClient) -> None:
    client = BufferedClient(make_client(app))
    rv = client.get("/static/hello.txt")
    assert rv.status_code == 200
    assert rv.data == HELLO_BYTES
    assert rv.headers["Cache-Control"] == "no-cache"
    rv = client.get("/static/sub/data.bin", headers={"Range": "bytes=0-0"})
    assert rv.status_code == 206
    assert rv.data == DATA_BYTES[:1]
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 120
    assert client.get("/static/hello.txt").headers["Cache-Control"] == "public, max-age=120"


# -- uploads: the notes' §2.2.2 example, with secure_filename -------------------


@pytest.fixture
def upload_app(tmp_path: Path) -> Erlen:
    app = Erlen(__name__, root_path=str(tmp_path))
    app.config["TESTING"] = True
    uploads = tmp_path / "uploads"
    uploads.mkdir()

    @app.route("/upload", methods=["POST"])
    def upload_file() -> str:
        if "file" not in request.files:
            return "No file uploaded."
        file = request.files["file"]
        if file.filename == "":
            return "No file selected."
        file.save(os.path.join(uploads, secure_filename(file.filename or "")))
        return "File uploaded successfully!"

    return app


def test_upload_saves_with_secure_filename(
    upload_app: Erlen, tmp_path: Path, make_client: MakeClient
) -> None:
    client = BufferedClient(make_client(upload_app))
    payload = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 100
    rv = client.post("/upload", data={"file": (io.BytesIO(payload), "../../etc/my photo.png")})
    assert rv.text == "File uploaded successfully!"
    saved = tmp_path / "uploads" / "etc_my_photo.png"
    assert saved.read_bytes() == payload
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["etc_my_photo.png"]
    assert not (tmp_path / "etc").exists()


def test_upload_missing_and_empty_file(upload_app: Erlen, make_client: MakeClient) -> None:
    client = BufferedClient(make_client(upload_app))
    assert client.post("/upload", data={"other": "x"}).text == "No file uploaded."
    rv = client.post("/upload", data={"file": (io.BytesIO(b""), "")})
    assert rv.text == "No file selected."


def test_range_request_headers_exact_order(app: Erlen, tmp_path: Path) -> None:
    target = tmp_path / "data.bin"
    target.write_bytes(bytes(range(256)) * 40)

    @app.route("/ranged")
    def ranged() -> Any:
        return send_file(target, max_age=None)

    rv = app.test_client().get("/ranged", headers={"Range": "bytes=1000-9999"})
    assert rv.status_code == 206
    assert rv.data == (bytes(range(256)) * 40)[1000:10000]
    names = [name for name, _ in rv.headers.items()]
    assert names[:6] == [
        "Content-Disposition",
        "Content-Type",
        "Content-Length",
        "Last-Modified",
        "Cache-Control",
        "ETag",
    ]
    assert rv.headers["Content-Disposition"] == 'inline; filename="data.bin"'
    assert rv.headers["Content-Length"] == "9000"
    assert rv.headers["Content-Range"] == "bytes 1000-9999/10240"
    assert rv.headers["Accept-Ranges"] == "bytes"
    assert rv.headers["Cache-Control"] == "no-cache"
    assert rv.headers["ETag"].startswith(f'"{os.stat(target).st_mtime}-10240-')
    rv.close()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.txt", "text/plain; charset=utf-8"),
        ("b.TXT", "text/plain; charset=utf-8"),
        ("c.tar.gz", "application/x-tar"),
        ("d.gz", "application/octet-stream"),
        ("dir.v1/noext", "application/octet-stream"),
        (".hidden", "application/octet-stream"),
    ],
)
def test_mimetype_guess_is_per_extension_and_cached_consistently(
    app: Erlen, name: str, expected: str
) -> None:
    for _ in range(2):  # the second call reads the cache
        with app.test_request_context():
            rv = send_file(io.BytesIO(b"x"), download_name=name)
            rv.close()
        assert rv.headers["Content-Type"] == expected


def test_header_injection_in_mimetype_is_rejected(app: Erlen) -> None:
    with app.test_request_context(), pytest.raises(ValueError):
        send_file(io.BytesIO(b"x"), mimetype="text/plain\r\nX-Evil: 1")


@pytest.mark.parametrize(
    ("range_header", "status"),
    [
        ("bytes=" + "9" * 5000 + "-", 416),
        ("bytes=0-" + "9" * 5000, 416),
        ("bytes=0-" + "9" * 30, 206),
    ],
)
def test_range_numbers_too_long_to_convert_are_a_416_not_a_500(
    app: Erlen, make_client: MakeClient, range_header: str, status: int
) -> None:
    rv = BufferedClient(make_client(app)).get("/file", headers={"Range": range_header})
    assert rv.status_code == status
    if status == 206:
        assert rv.data == HELLO_BYTES
        assert rv.headers["Content-Range"] == f"bytes 0-{len(HELLO_BYTES) - 1}/{len(HELLO_BYTES)}"
    else:
        assert rv.headers["Content-Range"] == f"bytes */{len(HELLO_BYTES)}"


def test_if_range_and_if_none_match_still_apply_on_fast_path(app: Erlen, tmp_path: Path) -> None:
    target = tmp_path / "v.bin"
    target.write_bytes(b"0123456789")

    @app.route("/v")
    def v() -> Any:
        return send_file(target)

    client = app.test_client()

    def get(headers: dict[str, str]) -> tuple[int, bytes, str | None]:
        rv = client.get("/v", headers=headers)
        try:
            return rv.status_code, rv.data, rv.headers.get("ETag")
        finally:
            rv.close()

    etag = get({})[2]
    assert etag is not None
    assert get({"If-None-Match": etag})[:2] == (304, b"")
    assert get({"Range": "bytes=2-4", "If-Range": etag})[:2] == (206, b"234")
    assert get({"Range": "bytes=2-4", "If-Range": '"other"'})[:2] == (200, b"0123456789")
    assert get({"Range": "bytes=50-60"})[0] == 416


# -- USE_X_SENDFILE ---------------------------------------------------------------


def test_x_sendfile_is_off_by_default(app: Erlen, make_client: MakeClient) -> None:
    rv = BufferedClient(make_client(app)).get("/file")
    assert "X-Sendfile" not in rv.headers
    assert rv.data == HELLO_BYTES


def test_x_sendfile_sends_the_path_and_no_body(app: Erlen, make_client: MakeClient) -> None:
    app.config["USE_X_SENDFILE"] = True
    client = BufferedClient(make_client(app))
    rv = client.get("/file")
    assert rv.status_code == 200
    assert rv.headers["X-Sendfile"] == str(HELLO)
    assert rv.data == b""
    # The headers describe the file the server in front sends.
    assert rv.headers["Content-Length"] == str(len(HELLO_BYTES))
    assert rv.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert rv.headers["Last-Modified"] == http_date(HELLO.stat().st_mtime)
    assert f"-{len(HELLO_BYTES)}-" in rv.headers["ETag"]

    # Not for a 304 or a 412: some such servers would send the file anyway.
    not_modified = client.get("/file", headers={"If-None-Match": rv.headers["ETag"]})
    assert not_modified.status_code == 304
    assert "X-Sendfile" not in not_modified.headers
    failed = client.get("/file", headers={"If-Match": '"other"'})
    assert failed.status_code == 412
    assert "X-Sendfile" not in failed.headers
    ranged = client.get("/file", headers={"Range": "bytes=2-4"})
    assert ranged.status_code == 206
    assert ranged.headers["Content-Range"] == f"bytes 2-4/{len(HELLO_BYTES)}"
    assert ranged.headers["Content-Length"] == "3"
    assert ranged.data == b""
    assert client.get("/file", headers={"Range": "bytes=9999-"}).status_code == 416

    rv = client.get("/dir/sub/data.bin")
    assert rv.headers["X-Sendfile"] == str(DATA)
    assert rv.data == b""


def test_x_sendfile_does_not_open_the_file(app: Erlen) -> None:
    app.config["USE_X_SENDFILE"] = True
    with app.test_request_context("/"):
        rv = send_file(HELLO)
        assert rv.response == []
        assert rv.headers["X-Sendfile"] == str(HELLO)


def test_x_sendfile_does_not_apply_to_file_objects(app: Erlen, make_client: MakeClient) -> None:
    app.config["USE_X_SENDFILE"] = True

    @app.route("/object")
    def object_view() -> Any:
        return send_file(io.BytesIO(b"in memory"), mimetype="text/plain")

    rv = BufferedClient(make_client(app)).get("/object")
    assert "X-Sendfile" not in rv.headers
    assert rv.data == b"in memory"


def test_x_sendfile_path_is_sent_as_its_bytes(
    app: Erlen, tmp_path: Path, make_client: MakeClient
) -> None:
    app.config["USE_X_SENDFILE"] = True
    target = tmp_path / "donn\u00e9es-\u6587\u4ef6.bin"
    target.write_bytes(b"x")

    @app.route("/unicode")
    def unicode_view() -> Any:
        return send_file(target)

    rv = BufferedClient(make_client(app)).get("/unicode")
    # A header is latin-1 text: the path's UTF-8 bytes, as the file system has them.
    assert rv.headers["X-Sendfile"].encode("latin-1") == os.fsencode(target)


def test_x_sendfile_never_splits_the_header(
    app: Erlen, tmp_path: Path, make_client: MakeClient
) -> None:
    app.config["USE_X_SENDFILE"] = True
    target = tmp_path / "line\nbreak.txt"
    target.write_bytes(b"sent by erlen")

    @app.route("/newline")
    def newline_view() -> Any:
        return send_file(target, mimetype="text/plain")

    rv = BufferedClient(make_client(app)).get("/newline")
    assert rv.status_code == 200
    assert "X-Sendfile" not in rv.headers
    assert rv.data == b"sent by erlen"
