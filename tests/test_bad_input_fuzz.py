"""Random bad input through the app, on both protocols: bodies (form,
multipart, JSON) with odd Content-Types and charsets, and odd values of the
request headers a view reads. Every answer is below 500: a clear 4xx or the
view's own answer, never a server error."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erlen import Erlen, request
from erlen.testing import ErlenClient


def fuzz_app() -> Erlen:
    app = Erlen(__name__)
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024, MAX_FORM_PARTS=50, SECRET_KEY="fuzz")

    @app.route("/form", methods=["POST", "PUT"])
    def form() -> Any:
        files = {name: storage.read()[:10].hex() for name, storage in request.files.items()}
        return {"form": request.form.to_dict(flat=False), "files": files}

    @app.route("/json", methods=["POST"])
    def json_body() -> Any:
        return {"json": request.get_json(), "silent": request.get_json(silent=True) is None}

    @app.route("/data", methods=["POST"])
    def data() -> Any:
        return {"length": len(request.get_data()), "values": len(request.values)}

    @app.route("/headers")
    def headers() -> Any:
        # Every parsed header a view may read.
        seen = {
            "accept": str(request.accept_mimetypes),
            "languages": str(request.accept_languages),
            "charsets": str(request.accept_charsets),
            "encodings": str(request.accept_encodings),
            "auth": repr(request.authorization),
            "cache": repr(request.cache_control),
            "range": repr(request.range),
            "if_match": repr(request.if_match),
            "if_none_match": repr(request.if_none_match),
            "if_modified_since": repr(request.if_modified_since),
            "if_range": repr(request.if_range),
            "cookies": request.cookies.to_dict(),
            "ua": str(request.user_agent),
            "access_route": list(request.access_route),
            "content_length": request.content_length,
            "mimetype": request.mimetype,
            "url": request.url,
            "host": request.host,
            "is_secure": request.is_secure,
            "session": dict(erlen_session()),
        }
        return {"keys": sorted(seen)}

    return app


def erlen_session() -> Any:
    from erlen import session

    return session


_CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "application/x-www-form-urlencoded; charset=utf-7",
        "application/x-www-form-urlencoded; charset=zlib_codec",
        "application/x-www-form-urlencoded; charset=nonsense",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=b",
        'multipart/form-data; boundary="b"; charset=rot13',
        "multipart/form-data; boundary=" + "b" * 300,
        "application/json",
        "application/json; charset=utf-16",
        "application/json; charset=bogus",
        "application/vnd.api+json",
        "text/plain",
        "",
        ";;;",
        "multipart/mixed; boundary=b",
    ]
)
_BODY_PIECES = st.sampled_from(
    [
        b"a=1&b=2",
        b"%ff=%fe",
        b"%zz",
        b"&&&==",
        b"--b\r\n",
        b"--b--\r\n",
        b'Content-Disposition: form-data; name="f"; filename="x.txt"\r\n\r\n',
        b'Content-Disposition: form-data; name="a"\r\n\r\n',
        b"Content-Type: text/plain; charset=utf-16\r\n",
        b"\r\n",
        b"\n",
        b"\xff\xfe\x00",
        b'{"a": [1, 2, {"b": null}]}',
        b"[" * 50,
        b'{"a": NaN}',
        b'"\\ud800"',
        b"1e999999",
        b"\xef\xbb\xbf{}",
        b"x" * 2000,
    ]
)
_HEADER_NAMES = st.sampled_from(
    [
        "Accept", "Accept-Language", "Accept-Charset", "Accept-Encoding", "Authorization",
        "Cache-Control", "Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Range",
        "Cookie", "User-Agent", "X-Forwarded-For", "Content-Length", "Host",
    ]
)  # fmt: skip
_HEADER_VALUES = st.sampled_from(
    [
        "", "*", "*/*;q=abc", "text/html;q=2, */*;q=-1", "en-US,en;q=0.5,*;q=x",
        "Basic !!!", "Basic " + "QQ==" * 3, "Bearer", "Digest username=, realm=\"x",
        "max-age=99999999999999999999999, no-cache=\"", "bytes=1-0", "bytes=-", "bytes=5-2,x",
        "W/\"a\", \"b", "*, \"x\"", "Mon, 32 Foo 2020 99:99:99 GMT", "\"etag\" extra",
        "a=1; b=\"2; c", "=; ;=;", "\u00e9\u00e8", "x" * 3000, "1" * 5000, "-5", "0x10",
        "[::1", "evil.org:99999", "a, b, 1.2.3.4",
    ]
)  # fmt: skip


@pytest.fixture(scope="module")
def clients() -> dict[bool, ErlenClient]:
    app = fuzz_app()
    return {False: app.test_client(), True: app.test_client(asgi=True)}


def _check(client: ErlenClient, method: str, path: str, **kwargs: Any) -> None:
    response = client.open(path, method=method, buffered=True, **kwargs)
    assert response.status_code < 500, (method, path, kwargs, response.data[:300])


@pytest.mark.parametrize("asgi", [False, True], ids=["wsgi", "asgi"])
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    path=st.sampled_from(["/form", "/json", "/data"]),
    content_type=_CONTENT_TYPES,
    pieces=st.lists(_BODY_PIECES, max_size=8),
)
def test_bodies(
    clients: dict[bool, ErlenClient], asgi: bool, path: str, content_type: str, pieces: list[bytes]
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    _check(clients[asgi], "POST", path, data=b"".join(pieces), headers=headers)


@pytest.mark.parametrize("asgi", [False, True], ids=["wsgi", "asgi"])
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(headers=st.dictionaries(_HEADER_NAMES, _HEADER_VALUES, max_size=6))
def test_request_headers(
    clients: dict[bool, ErlenClient], asgi: bool, headers: dict[str, str]
) -> None:
    _check(clients[asgi], "GET", "/headers", headers=headers)
