"""HTTP error classes: codes, names, headers, bodies and abort()."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from erlen.http import exceptions as exc


def test_every_standard_code_has_a_class() -> None:
    expected = {400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 416}
    expected |= {417, 418, 421, 422, 423, 424, 426, 428, 429, 431, 451}
    expected |= {500, 501, 502, 503, 504, 505}
    assert set(exc.default_exceptions) == expected
    for code, cls in exc.default_exceptions.items():
        assert cls.code == code
        assert cls().name != "Unknown Error"


def test_subclasses_sharing_a_code_do_not_replace_the_canonical_class() -> None:
    assert exc.default_exceptions[400] is exc.BadRequest


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (404, exc.NotFound),
        (403, exc.Forbidden),
        (418, exc.ImATeapot),
        (500, exc.InternalServerError),
    ],
)
def test_abort_raises_the_class_for_the_code(code: int, cls: type[exc.HTTPException]) -> None:
    with pytest.raises(cls) as info:
        exc.abort(code)
    assert info.value.code == code


def test_abort_with_description() -> None:
    with pytest.raises(exc.NotFound) as info:
        exc.abort(404, "No user with id 7.")
    assert info.value.description == "No user with id 7."
    assert "No user with id 7." in info.value.get_body()


def test_abort_unknown_code_is_a_lookup_error() -> None:
    with pytest.raises(LookupError):
        exc.abort(299)


def test_abort_with_a_response_raises_it_unchanged() -> None:
    sentinel = object()
    with pytest.raises(exc.HTTPException) as info:
        exc.abort(sentinel)  # type: ignore[arg-type]
    assert info.value.response is sentinel


def test_description_is_html_escaped_in_the_body() -> None:
    body = exc.BadRequest("<script>alert(1)</script>").get_body()
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    assert "<title>400 Bad Request</title>" in body


def test_method_not_allowed_sets_allow() -> None:
    error = exc.MethodNotAllowed(["GET", "HEAD", "OPTIONS"])
    assert ("Allow", "GET, HEAD, OPTIONS") in error.get_headers()
    assert all(name != "Allow" for name, _ in exc.MethodNotAllowed().get_headers())


def test_unauthorized_sets_www_authenticate() -> None:
    error = exc.Unauthorized(www_authenticate='Basic realm="erlen"')
    assert ("WWW-Authenticate", 'Basic realm="erlen"') in error.get_headers()

    class Challenge:
        def to_header(self) -> str:
            return "Bearer"

    both = exc.Unauthorized(www_authenticate=[Challenge(), "Basic"])
    values = [v for k, v in both.get_headers() if k == "WWW-Authenticate"]
    assert values == ["Bearer", "Basic"]


def test_range_not_satisfiable_sets_content_range() -> None:
    error = exc.RequestedRangeNotSatisfiable(length=1000)
    assert ("Content-Range", "bytes */1000") in error.get_headers()


def test_retry_after_seconds_and_date() -> None:
    assert ("Retry-After", "30") in exc.TooManyRequests(retry_after=30).get_headers()
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    headers = dict(exc.ServiceUnavailable(retry_after=when).get_headers())
    assert headers["Retry-After"] == "Fri, 02 Jan 2026 03:04:05 GMT"


def test_bad_request_key_error_is_both_a_key_error_and_a_400() -> None:
    error = exc.BadRequestKeyError("username")
    assert isinstance(error, KeyError)
    assert isinstance(error, exc.BadRequest)
    assert error.code == 400
    assert error.args == ("username",)
    assert "username" not in error.description
    error.show_exception = True
    assert "KeyError: 'username'" in error.description


def test_internal_server_error_keeps_the_original() -> None:
    original = ValueError("boom")
    assert exc.InternalServerError(original_exception=original).original_exception is original


def test_str_and_repr() -> None:
    error = exc.NotFound("gone")
    assert str(error) == "404 Not Found: gone"
    assert repr(error) == "<NotFound '404: Not Found'>"


def test_get_response_builds_an_html_response() -> None:
    response = exc.MethodNotAllowed(["GET"]).get_response()
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.mimetype == "text/html"
    assert b"Method Not Allowed" in response.get_data()


def test_quotes_are_escaped_as_markupsafe_does() -> None:
    body = exc.Forbidden().get_body()
    assert "You don&#39;t have the permission" in body
    assert exc.PreconditionRequired().get_description() == (
        "<p>This request is required to be conditional; try using &#34;If-Match&#34; or"
        " &#34;If-Unmodified-Since&#34;.</p>"
    )
    assert exc.BadRequest("a & b\nsecond line").get_description() == (
        "<p>a &amp; b<br>second line</p>"
    )


def test_a_markup_description_is_kept_as_html() -> None:
    from markupsafe import Markup

    error = exc.NotFound(Markup("See <a href='/help'>help</a>."))
    assert error.get_description() == "<p>See <a href='/help'>help</a>.</p>"


def test_upgrade_required() -> None:
    assert exc.default_exceptions[426] is exc.UpgradeRequired
    with pytest.raises(exc.UpgradeRequired) as info:
        exc.abort(426)
    error = info.value
    assert (error.code, error.name) == (426, "Upgrade Required")
    assert error.get_headers() == [("Content-Type", "text/html; charset=utf-8")]
    response = exc.UpgradeRequired(upgrade="TLS/1.3").get_response()
    assert response.status_code == 426
    assert response.headers.getlist("Upgrade") == ["TLS/1.3"]
    assert response.headers["Connection"] == "Upgrade"
    assert b"<title>426 Upgrade Required</title>" in response.get_data()


def test_every_error_class_is_exported_from_erlen() -> None:
    import erlen

    for cls in exc.default_exceptions.values():
        assert getattr(erlen, cls.__name__) is cls, cls.__name__
    assert erlen.HTTPException is exc.HTTPException


# -- the cached stock page ----------------------------------------------------


def test_stock_page_is_reused_and_matches_a_fresh_render() -> None:
    first = exc.NotFound().get_response()
    second = exc.NotFound().get_response()
    assert first.get_data() == second.get_data()
    assert first.get_data().decode() == exc.NotFound().get_body()
    assert first.status_code == 404
    assert first.headers.to_wsgi_list() == [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(first.get_data()))),
    ]


def test_instance_description_and_code_bypass_the_cached_page() -> None:
    exc.NotFound().get_response()
    custom = exc.NotFound("No user <7>.").get_response()
    assert b"<p>No user &lt;7&gt;.</p>" in custom.get_data()
    error = exc.NotFound()
    error.code = 410
    response = error.get_response()
    assert response.status_code == 410
    assert b"<title>410 Gone</title>" in response.get_data()
    assert b"<title>404" in exc.NotFound().get_response().get_data()


def test_a_changed_class_description_is_picked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    exc.Forbidden().get_response()
    monkeypatch.setattr(exc.Forbidden, "description", "Members only.")
    assert b"<p>Members only.</p>" in exc.Forbidden().get_response().get_data()


def test_subclass_overrides_are_honoured() -> None:
    class Teapot(exc.ImATeapot):
        def get_body(self, request: Any = None) -> str:
            return "short and stout"

    class Moved(exc.NotFound):
        description = "It moved."

        def get_headers(self, request: Any = None) -> list[tuple[str, str]]:
            return [("Content-Type", "text/plain"), ("X-Where", "elsewhere")]

    assert Teapot().get_response().get_data() == b"short and stout"
    moved = Moved().get_response()
    assert b"<p>It moved.</p>" in moved.get_data()
    assert moved.headers["X-Where"] == "elsewhere"
    assert moved.headers["Content-Type"] == "text/plain"
    # The key error's description is a property: never served from the cache.
    key_error = exc.BadRequestKeyError("name")
    key_error.show_exception = True
    assert b"KeyError: &#39;name&#39;" in key_error.get_response().get_data()


def test_method_not_allowed_reuses_the_page_with_its_own_allow_header() -> None:
    a = exc.MethodNotAllowed(["GET", "HEAD"]).get_response()
    b = exc.MethodNotAllowed(["POST"]).get_response()
    assert a.get_data() == b.get_data()
    assert a.headers["Allow"] == "GET, HEAD"
    assert b.headers["Allow"] == "POST"
    assert a.status_code == 405
