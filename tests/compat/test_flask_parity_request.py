"""Parity: what a view reads from the request (args, form, files, JSON, data, cookies, headers)."""

from __future__ import annotations

import html
import io

import pytest
from parity_harness import Fresh, compare, get, make_app, post, request, run


def build_request(fw):
    app = make_app(fw)
    req = fw.request

    @app.route("/args")
    def args():
        return {
            "a": req.args.get("a"),
            "all_a": req.args.getlist("a"),
            "n": req.args.get("n", type=int),
            "bad_n": req.args.get("bad", default=-1, type=int),
            "missing": req.args.get("missing", "dflt"),
            "dict": req.args.to_dict(),
            "flat_false": req.args.to_dict(flat=False),
            "keys": list(req.args.keys()),
            "query_string": req.query_string.decode("latin-1"),
        }

    @app.route("/args-key")
    def args_key():
        return req.args["needed"]

    @app.route("/form", methods=["POST"])
    def form():
        return {
            "form": req.form.to_dict(flat=False),
            "values": req.values.to_dict(flat=False),
            "files": sorted(req.files.keys()),
            "mimetype": req.mimetype,
            # A multipart body's length depends on the client's boundary.
            "content_length": None if req.files else req.content_length,
        }

    @app.route("/form-key", methods=["POST"])
    def form_key():
        return req.form["needed"]

    @app.route("/upload", methods=["POST"])
    def upload():
        out = {}
        for name, storage in req.files.items(multi=True):
            out.setdefault(name, []).append(
                [
                    storage.filename,
                    storage.mimetype,
                    storage.read().decode("latin-1"),
                    bool(storage),
                ]
            )
        return {"files": out, "form": req.form.to_dict(flat=False)}

    @app.route("/json", methods=["POST"])
    def json_view():
        return {"json": req.get_json(), "is_json": req.is_json}

    @app.route("/json-silent", methods=["POST"])
    def json_silent():
        return {"json": req.get_json(silent=True), "is_json": req.is_json}

    @app.route("/json-force", methods=["POST"])
    def json_force():
        return {"json": req.get_json(force=True)}

    @app.route("/json-prop", methods=["POST"])
    def json_prop():
        return {"json": req.json}

    @app.route("/data", methods=["POST", "PUT"])
    def data():
        raw = req.get_data()
        return {
            "data": raw.decode("latin-1"),
            "text": req.get_data(as_text=True),
            "again": req.data.decode("latin-1"),
            "form": req.form.to_dict(),
        }

    @app.route("/data-then-form", methods=["POST"])
    def data_then_form():
        raw = req.get_data(parse_form_data=True)
        return {"data": raw.decode(), "form": req.form.to_dict()}

    @app.route("/cookies")
    def cookies():
        return {"cookies": req.cookies.to_dict(flat=False)}

    @app.route("/headers")
    def headers():
        return {
            "ua": req.headers.get("User-Agent"),
            "x": req.headers.getlist("X-Multi"),
            "custom": req.headers.get("x-custom"),
            "missing": req.headers.get("X-Nope", "none"),
            "content_type": req.content_type,
            "accept_best": req.accept_mimetypes.best_match(["text/html", "application/json"]),
            "accept_json": req.accept_mimetypes.accept_json,
            "lang": req.accept_languages.best,
            "auth": [req.authorization.type, req.authorization.username]
            if req.authorization
            else None,
            "if_none_match": sorted(req.if_none_match.to_header().split(", "))
            if req.if_none_match
            else None,
            "range": req.range.to_header() if req.range else None,
        }

    @app.route("/url/<path:rest>")
    def url(rest):
        return {
            "path": req.path,
            "full_path": req.full_path,
            "script_root": req.script_root,
            "url": req.url,
            "base_url": req.base_url,
            "url_root": req.url_root,
            "host_url": req.host_url,
            "host": req.host,
            "scheme": req.scheme,
            "is_secure": req.is_secure,
            "method": req.method,
            "endpoint": req.endpoint,
            "view_args": req.view_args,
            "url_rule": str(req.url_rule),
            "remote_addr": req.remote_addr,
        }

    return app


def test_query_args(protocol):
    compare(
        build_request,
        [
            get("/args?a=1&a=2&n=5&bad=x"),
            get("/args?a=&n=&empty"),
            get("/args?a=%C3%A9+t&n=-3"),
            get("/args", query_string={"a": ["x", "y"], "n": "7"}),
            get("/args?;;&&=v&k"),
            get("/args-key?needed=yes"),
            get("/args-key", status=400),
        ],
        protocol,
    )


def test_form_data(protocol):
    compare(
        build_request,
        [
            post("/form", data={"a": "1", "b": ["2", "3"]}),
            post("/form?q=query", data={"q": "form"}),
            post("/form", data="x=1&y=%C3%A9", content_type="application/x-www-form-urlencoded"),
            post("/form", data="x=1", content_type="text/plain"),
            post("/form"),
            post("/form-key", data={"needed": "ok"}),
            post("/form-key", data={"other": "x"}, status=400),
            request("PUT", "/data", data={"p": "1"}),
        ],
        protocol,
    )


def _files():
    return {
        "doc": (io.BytesIO(b"hello file"), "greeting.txt"),
        "pic": (io.BytesIO(b"\x89PNG"), "pic.png", "image/png"),
        "name": "field",
    }


def test_file_uploads(protocol):
    compare(
        build_request,
        [
            post("/upload", data=Fresh(_files)),
            post(
                "/upload",
                data=Fresh(
                    lambda: {"many": [(io.BytesIO(b"1"), "a.txt"), (io.BytesIO(b"2"), "b.txt")]}
                ),
            ),
            post(
                "/upload",
                data=b'--b\r\nContent-Disposition: form-data; name="raw"; filename="r.bin"'
                b"\r\n\r\nraw part\r\n--b\r\nContent-Disposition: form-data; "
                b'name="t"\r\n\r\ntext\r\n--b--\r\n',
                content_type="multipart/form-data; boundary=b",
            ),
            post(
                "/upload", data=Fresh(lambda: {"uni": (io.BytesIO(b"u"), "r\u00e9sum\u00e9.txt")})
            ),
            post("/form", data=Fresh(_files)),
        ],
        protocol,
    )


def test_json_bodies(protocol):
    compare(
        build_request,
        [
            post("/json", json={"a": [1, 2.5, None, True], "u": "\u00fc"}),
            post("/json", json=[1, 2]),
            post("/json", json="text"),
            post(
                "/json", data="{bad json", content_type="application/json", status=400, body=False
            ),
            post("/json", data="", content_type="application/json", status=400, body=False),
            post("/json", data='{"a": 1}', content_type="text/plain", status=415, body=False),
            post("/json", status=415, body=False),
            post("/json", data='{"a": 1}', content_type="application/vnd.api+json"),
            post("/json", data='{"a": 1}', content_type="application/json; charset=utf-8"),
            post("/json-silent", data="{bad", content_type="application/json"),
            post("/json-silent", data="{}", content_type="text/plain"),
            post("/json-force", data='{"forced": 1}', content_type="text/plain"),
            post("/json-force", data="nope", content_type="text/plain", status=400, body=False),
            post("/json-prop", json={"p": 1}),
            post("/json-prop", data="x", content_type="text/plain", status=415, body=False),
        ],
        protocol,
    )


def test_raw_data(protocol):
    compare(
        build_request,
        [
            post("/data", data=b"raw \xc3\xa9 bytes", content_type="application/octet-stream"),
            post("/data", data="a=1&b=2"),
            post("/data", data={"a": "1"}),
            post("/data-then-form", data={"f": "v"}),
            post("/data", data=b"", content_type="text/plain"),
        ],
        protocol,
    )


def test_cookie_header_parsing(protocol):
    # use_cookies=False: Werkzeug's client replaces a hand-written Cookie header with
    # its (empty) jar's; erlen's client keeps it. The app side is what is compared.
    compare(
        build_request,
        [
            get("/cookies", headers={"Cookie": "a=1; b=two; a=3"}),
            get("/cookies", headers={"Cookie": 'q="quoted value"; =x; ok=1'}),
            get("/cookies", headers={"Cookie": 'esc="a\\"b\\073c"; sp=a b'}),
            get("/cookies"),
        ],
        protocol,
        client_kwargs={"use_cookies": False},
    )


def test_headers(protocol):
    compare(
        build_request,
        [
            get(
                "/headers",
                headers=[
                    ("User-Agent", "parity/1.0"),
                    ("X-Multi", "1"),
                    ("X-Multi", "2"),
                    ("X-Custom", "c"),
                    ("Accept", "application/json;q=0.9, text/html;q=0.5"),
                    ("Accept-Language", "de-CH, en;q=0.5"),
                    ("Authorization", "Basic dXNlcjpwYXNz"),
                    ("If-None-Match", '"a", W/"b"'),
                    ("Range", "bytes=0-99"),
                ],
            ),
            get("/headers", headers={"Authorization": "Bearer tok", "User-Agent": "x"}),
            get("/headers", headers={"Accept": "*/*", "User-Agent": "y"}),
        ],
        protocol,
    )


def test_url_attributes(protocol):
    compare(
        build_request,
        [
            get("/url/a/b?x=1&y=%20"),
            get("/url/caf%C3%A9"),
            get("/url/z", base_url="https://example.org:8443/root/"),
            get("/url/q?", base_url="http://h.test/"),
            get("/url/r", environ_base={"REMOTE_ADDR": "10.1.2.3"}),
        ],
        protocol,
    )


def test_undecodable_query_value(protocol):
    # Deliberate difference (docs/internals.md, erlen.http.urls.url_decode: "undecodable
    # bytes replaced"): Werkzeug 3 keeps the undecodable escape as the text "%FF".
    outcome = run(build_request, [get("/args?a=%ff")], protocol)
    assert outcome.flask[0]["json"]["a"] == "%FF"
    assert outcome.erlen[0]["json"]["a"] == "\ufffd"
    assert outcome.erlen[0]["json"]["query_string"] == "a=%ff"


def test_json_errors_are_explained(protocol):
    # Deliberate difference (the brief: "bad input gives a clear 4xx with a useful
    # description"): Flask outside debug sends Werkzeug's generic 400/415 sentence;
    # erlen says what was wrong (without echoing the parser's error).
    steps = [
        post("/json", data="{bad json", content_type="application/json"),
        post("/json", data='{"a": 1}', content_type="text/plain"),
    ]
    outcome = run(build_request, steps, protocol)
    bad, wrong_type = (html.unescape(snap["body"].decode()) for snap in outcome.erlen)
    assert [snap["status"] for snap in outcome.flask] == [400, 415]
    assert [snap["status"] for snap in outcome.erlen] == [400, 415]
    assert b"could not understand" in outcome.flask[0]["body"]
    assert "The browser sent JSON that this server could not parse." in bad
    assert "(it was 'text/plain')" in wrong_type


def test_upload_default_part_content_type(protocol):
    compare(
        build_request,
        [post("/upload", data=Fresh(lambda: {"noname": (io.BytesIO(b"x"), "")}))],
        protocol,
    )


# Werkzeug reads a pair without '=' as the name with an empty value.
def test_cookie_without_equals(protocol):
    compare(
        build_request,
        [get("/cookies", headers={"Cookie": "a=1; bad; ok=1"})],
        protocol,
        client_kwargs={"use_cookies": False},
    )


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (
            b'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nv',
            "multipart/form-data; boundary=b",
        ),
        (b"irrelevant", "multipart/form-data"),
    ],
    ids=["truncated", "no-boundary"],
)
def test_bad_multipart_is_400(protocol, data, content_type):
    # Deliberate difference (DESIGN.md, "bad multipart gets a clear 4xx"): Werkzeug
    # parses a truncated or boundary-less multipart body silently as an empty form.
    outcome = run(build_request, [post("/upload", data=data, content_type=content_type)], protocol)
    assert outcome.flask[0]["json"] == {"files": {}, "form": {}}
    assert outcome.erlen[0]["status"] == 400
    assert b"<title>400 Bad Request</title>" in outcome.erlen[0]["body"]


REQUEST_ATTRIBUTES = [
    "user_agent.string",
    "date",
    "if_modified_since",
    "if_unmodified_since",
    "content_encoding",
    "origin",
    "referrer",
    "mimetype",
    "mimetype_params",
    "max_content_length",
    "root_url",
    "host",
    "remote_addr",
    "is_json",
    "pragma",
    "cache_control.no_cache",
    "cache_control.max_age",
    "accept_charsets.best",
    "accept_encodings.best",
    "if_range.etag",
    "range.ranges",
    "authorization.username",
    "full_path",
    "blueprints",
    "view_args",
    "host_url",
    "url_root",
]


def build_attributes(fw):
    app = make_app(fw)

    @app.route("/attrs/<path:p>", methods=["GET", "POST"])
    def show(p):
        out = {"access_route": list(fw.request.access_route)}
        for name in REQUEST_ATTRIBUTES:
            obj = fw.request
            try:
                for part in name.split("."):
                    obj = getattr(obj, part)
            except AttributeError as e:
                obj = f"AttributeError {e.name}"
            out[name] = obj if isinstance(obj, str | int | bool | type(None)) else repr(obj)
        out["if_match"] = sorted(fw.request.if_match.as_set()) if fw.request.if_match else None
        return out

    return app


def test_request_header_attributes(protocol):
    headers = {
        "User-Agent": "UA/1",
        "Date": "Wed, 21 Oct 2015 07:28:00 GMT",
        "If-Modified-Since": "Wed, 21 Oct 2015 07:28:00 GMT",
        "If-Unmodified-Since": "garbage",
        "Content-Encoding": "gzip",
        "Origin": "https://o.test",
        "Referer": "https://r.test/x",
        "Pragma": "no-cache",
        "Cache-Control": "no-cache, max-age=5",
        "Accept-Charset": "utf-8;q=0.5, latin-1",
        "Accept-Encoding": "gzip, br;q=0.9",
        "If-Match": '"a", "b"',
        "If-Range": '"e"',
        "Range": "bytes=0-1",
        "Authorization": "Basic dXNlcjpwYXNz",
        "X-Forwarded-For": "1.1.1.1, 2.2.2.2",
    }
    compare(
        build_attributes,
        [
            get("/attrs/x?q=1", headers=headers),
            get("/attrs/y", base_url="http://example.com:8080/", headers={"User-Agent": "u"}),
            post(
                "/attrs/z",
                data=b"a",
                content_type="application/json; charset=utf-8; x=y",
                headers={"User-Agent": "u"},
            ),
        ],
        protocol,
    )
