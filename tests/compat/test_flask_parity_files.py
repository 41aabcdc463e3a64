"""Parity: send_file and send_from_directory (types, names, conditional and range requests)."""

from __future__ import annotations

import io
import os

import pytest
from parity_harness import call, compare, get, make_app, post, request, run

CONTENT = b"0123456789abcdefghij" * 5  # 100 bytes
MTIME = 1_700_000_000


@pytest.fixture
def files(tmp_path):
    (tmp_path / "data.txt").write_bytes(CONTENT)
    (tmp_path / "page.html").write_text("<p>hi</p>")
    (tmp_path / "blob.unknownext").write_bytes(b"\x00\x01")
    (tmp_path / "style.css").write_text("body{}")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.json").write_text('{"a": 1}')
    for path in tmp_path.rglob("*"):
        os.utime(path, (MTIME, MTIME))
    return tmp_path


def make_build(folder):
    def build(fw):
        app = make_app(fw)
        path = str(folder / "data.txt")

        @app.route("/file")
        def file():
            return fw.send_file(path)

        @app.route("/file/<name>")
        def named(name):
            return fw.send_file(str(folder / name))

        @app.route("/attachment")
        def attachment():
            return fw.send_file(path, as_attachment=True)

        @app.route("/download/<name>")
        def download(name):
            return fw.send_file(path, as_attachment=True, download_name=name)

        @app.route("/inline-name")
        def inline_name():
            return fw.send_file(path, download_name="shown.csv")

        @app.route("/mimetype")
        def mimetype():
            return fw.send_file(path, mimetype="application/x-custom")

        @app.route("/bytesio")
        def bytesio():
            return fw.send_file(io.BytesIO(b"in memory"), mimetype="text/plain")

        @app.route("/bytesio-name")
        def bytesio_name():
            return fw.send_file(io.BytesIO(b"a,b\n1,2\n"), download_name="report.csv")

        @app.route("/bytesio-noname")
        def bytesio_noname():
            return fw.send_file(io.BytesIO(b"x"))

        @app.route("/no-etag")
        def no_etag():
            return fw.send_file(path, etag=False)

        @app.route("/custom-etag")
        def custom_etag():
            return fw.send_file(path, etag="custom-tag")

        @app.route("/max-age")
        def max_age():
            return fw.send_file(path, max_age=60)

        @app.route("/not-conditional")
        def not_conditional():
            return fw.send_file(path, conditional=False)

        @app.route("/last-modified")
        def last_modified():
            return fw.send_file(io.BytesIO(CONTENT), mimetype="text/plain", last_modified=MTIME)

        @app.route("/dir/<path:name>")
        def from_dir(name):
            return fw.send_from_directory(str(folder), name)

        @app.route("/missing")
        def missing():
            return fw.send_file(str(folder / "missing.txt"))

        return app

    return build


def test_send_file_basics(protocol, files):
    compare(
        make_build(files),
        [
            get("/file"),
            get("/file/page.html"),
            get("/file/style.css"),
            get("/file/blob.unknownext"),
            get("/attachment"),
            get("/download/plain.txt"),
            get("/download/r%C3%A9sum%C3%A9%20final.pdf"),
            get("/download/quote%22d.txt"),
            get("/inline-name"),
            get("/mimetype"),
            get("/bytesio"),
            get("/bytesio-name"),
            get("/no-etag"),
            get("/custom-etag", compare_headers=("ETag",)),
            get("/max-age"),
            get("/not-conditional"),
            get("/last-modified", compare_headers=("Last-Modified",)),
            request("HEAD", "/file"),
        ],
        protocol,
    )


def test_non_ascii_download_name_fallback(protocol, files):
    # Deliberate difference (http/headers.py content_disposition): when nothing of the
    # name survives as ASCII, Werkzeug's fallback is "filename=.txt" (a dot-file name);
    # erlen's is "download.txt". filename* (what browsers use) is the same.
    outcome = run(make_build(files), [get("/download/%E6%97%A5%E6%9C%AC.txt")], protocol)
    flask_cd, erlen_cd = (
        outcome.flask[0]["Content-Disposition"],
        outcome.erlen[0]["Content-Disposition"],
    )
    assert flask_cd == (
        "attachment",
        {"filename": ".txt", "filename*": "UTF-8''%E6%97%A5%E6%9C%AC.txt"},
    )
    assert erlen_cd == ("attachment", {**flask_cd[1], "filename": "download.txt"})


def test_send_file_without_name_fails(protocol, files):
    compare(make_build(files), [get("/bytesio-noname", status=500)], protocol)


def test_send_from_directory(protocol, files):
    compare(
        make_build(files),
        [
            get("/dir/data.txt"),
            get("/dir/sub/inner.json"),
            get("/dir/../secret", status=404),
            get("/dir/%2e%2e/x", status=404),
            get("/dir/nope.txt", status=404),
            get("/dir/sub", status=404),
            get("/missing", status=500),
        ],
        protocol,
    )


def _with_etag(path, header):
    def action(client, app):
        first = client.get(path)
        first.close()
        etag = first.headers["ETag"]
        return client.get(path, headers={header: etag})

    return action


def _with_last_modified(path, shift=0):
    def action(client, app):
        first = client.get(path)
        first.close()
        from werkzeug.http import http_date, parse_date

        when = parse_date(first.headers["Last-Modified"]).timestamp() + shift
        return client.get(path, headers={"If-Modified-Since": http_date(when)})

    return action


def test_conditional_requests(protocol, files):
    compare(
        make_build(files),
        [
            call(_with_etag("/file", "If-None-Match"), "If-None-Match matching"),
            get("/file", headers={"If-None-Match": '"other"'}),
            get("/file", headers={"If-None-Match": "*"}),
            call(_with_last_modified("/file"), "If-Modified-Since equal"),
            call(_with_last_modified("/file", -10), "If-Modified-Since older"),
            call(_with_last_modified("/last-modified"), "If-Modified-Since in-memory"),
            get(
                "/custom-etag", headers={"If-None-Match": '"custom-tag"'}, compare_headers=("ETag",)
            ),
            get("/custom-etag", headers={"If-None-Match": 'W/"custom-tag"'}),
            get("/custom-etag", headers={"If-Match": '"custom-tag"'}),
            get("/not-conditional", headers={"If-None-Match": "*"}),
            request("HEAD", "/custom-etag", headers={"If-None-Match": '"custom-tag"'}),
        ],
        protocol,
    )


def test_range_requests(protocol, files):
    compare(
        make_build(files),
        [
            get("/file", headers={"Range": "bytes=0-9"}),
            get("/file", headers={"Range": "bytes=90-"}),
            get("/file", headers={"Range": "bytes=-5"}),
            get("/file", headers={"Range": "bytes=95-200"}),
            get("/file", headers={"Range": "bytes=100-"}, status=416),
            get("/file", headers={"Range": "bytes=200-300"}, status=416),
            get("/file", headers={"Range": "bytes=5-2"}),
            get("/custom-etag", headers={"Range": "bytes=0-3", "If-Range": '"custom-tag"'}),
            get("/custom-etag", headers={"Range": "bytes=0-3", "If-Range": '"stale"'}),
            get("/bytesio", headers={"Range": "bytes=0-1"}),
            get("/not-conditional", headers={"Range": "bytes=0-1"}),
            request("HEAD", "/file", headers={"Range": "bytes=0-9"}),
        ],
        protocol,
    )


def test_dot_dot_inside_directory_is_refused(protocol, files):
    # Deliberate difference (http/utils.py safe_join, COMPAT comment): Werkzeug serves
    # "sub/../data.txt" because it normalises inside the folder; erlen refuses any "..".
    outcome = run(make_build(files), [get("/dir/sub/../data.txt")], protocol)
    assert outcome.flask[0]["status"] == 200
    assert outcome.erlen[0]["status"] == 404


@pytest.mark.parametrize("value", ["lines=0-1", "bytes=0-1,5-6"])
def test_unsupported_range_is_ignored(protocol, files, value):
    # Deliberate difference: RFC 9110 §14.2 has a server ignore a Range it does not
    # support (an unknown unit; several ranges may be ignored) and send the whole
    # representation; Werkzeug answers 416.
    outcome = run(make_build(files), [get("/file", headers={"Range": value})], protocol)
    assert outcome.flask[0]["status"] == 416
    assert outcome.erlen[0]["status"] == 200
    assert outcome.erlen[0]["body"] == CONTENT
    assert outcome.erlen[0]["Content-Range"] is None


def test_static_folder(protocol, files):
    def build(fw):
        app = fw.Flask(__name__, static_folder=str(files), static_url_path="/assets")
        app.config.update(SECRET_KEY="parity", SEND_FILE_MAX_AGE_DEFAULT=120)
        app.log = []

        @app.route("/link")
        def link():
            return fw.url_for("static", filename="style.css", v=1)

        return app

    compare(
        build,
        [
            get("/assets/style.css"),
            get("/assets/sub/inner.json"),
            get("/assets/missing.css", status=404),
            get("/assets/../secret", status=404),
            get("/assets/sub", status=404),
            post("/assets/style.css", status=405),
            request("HEAD", "/assets/data.txt"),
            get("/assets/data.txt", headers={"Range": "bytes=1-3"}),
            call(_with_etag("/assets/page.html", "If-None-Match"), "static If-None-Match"),
            get("/link"),
        ],
        protocol,
    )


def test_send_file_options(protocol, files):
    def build(fw):
        app = make_build(files)(fw)
        path = str(files / "data.txt")

        @app.route("/callable-max-age")
        def callable_max_age():
            return fw.send_file(path, max_age=lambda p: 5)

        @app.route("/datetime-modified")
        def datetime_modified():
            import datetime

            when = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
            return fw.send_file(io.BytesIO(b"dt"), mimetype="text/plain", last_modified=when)

        @app.route("/from-dir-kwargs/<path:name>")
        def from_dir_kwargs(name):
            return fw.send_from_directory(str(files), name, as_attachment=True, max_age=9)

        return app

    compare(
        build,
        [
            get("/callable-max-age"),
            get("/datetime-modified", compare_headers=("Last-Modified",)),
            get("/from-dir-kwargs/sub/inner.json"),
        ],
        protocol,
    )


def test_use_x_sendfile(protocol, files):
    base = make_build(files)

    def build(fw):
        app = base(fw)
        app.config["USE_X_SENDFILE"] = True
        return app

    compare(
        build,
        [
            get("/file"),
            get("/file", headers={"Range": "bytes=5-9"}),
            get("/file", headers={"Range": "bytes=500-"}, status=416),
            call(_with_etag("/file", "If-None-Match"), "If-None-Match matching"),
            get("/attachment"),
            get("/bytesio"),
            get("/dir/sub/inner.json"),
            request("HEAD", "/file"),
        ],
        protocol,
    )
