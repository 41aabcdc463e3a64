"""erlen.helpers: the same objects as erlen's top-level names, redirect()."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

import erlen
import erlen.helpers
from erlen import Erlen, request
from erlen.ctx import stream_with_context as ctx_stream_with_context
from erlen.http.response import Response as BaseResponse
from erlen.testing import ErlenClient
from erlen.wrappers import Response


def test_helpers_names_are_erlens_objects() -> None:
    shared = sorted(set(erlen.helpers.__all__) & set(erlen.__all__))
    assert len(shared) >= 12
    different = [
        name for name in shared if getattr(erlen.helpers, name) is not getattr(erlen, name)
    ]
    assert different == []


def test_stream_with_context_is_the_async_aware_one() -> None:
    assert erlen.helpers.stream_with_context is ctx_stream_with_context
    assert erlen.helpers.stream_with_context is erlen.stream_with_context


def test_helpers_stream_with_context_on_an_async_generator(app: Erlen, client: ErlenClient) -> None:
    @app.get("/events")
    def events() -> Response:
        @erlen.helpers.stream_with_context
        async def generate() -> AsyncIterator[str]:
            for i in range(2):
                await asyncio.sleep(0)
                yield f"{request.args['name']}{i};"

        return Response(generate())

    assert client.get("/events?name=n").text == "n0;n1;"


# -- redirect ---------------------------------------------------------------------------

WERKZEUG_PAGE = (
    "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
    "<h1>Redirecting...</h1>\n"
    "<p>You should be redirected automatically to the target URL: "
    '<a href="{0}">{0}</a>. If not, click the link.\n'
)


def test_redirect_outside_a_context_is_an_erlen_response() -> None:
    rv = erlen.helpers.redirect("/next?q=1")
    assert type(rv) is Response
    assert (rv.status_code, rv.headers["Location"], rv.mimetype) == (302, "/next?q=1", "text/html")
    assert rv.get_data(as_text=True) == WERKZEUG_PAGE.format("/next?q=1")


def test_redirect_page_shows_the_escaped_location_and_sends_a_uri() -> None:
    rv = erlen.helpers.redirect('/target?q=\u00fcber&x="<\'>"', 301)
    assert rv.status_code == 301
    shown = "/target?q=\u00fcber&amp;x=&#34;&lt;&#39;&gt;&#34;"
    assert rv.get_data(as_text=True) == WERKZEUG_PAGE.format(shown)
    assert rv.headers["Location"] == "/target?q=%C3%BCber&x=%22%3C'%3E%22"


def test_redirect_in_an_app_context_uses_the_app_response_class(app: Erlen) -> None:
    class AppResponse(Response):
        pass

    app.response_class = AppResponse
    with app.app_context():
        rv = erlen.helpers.redirect("/a", code=303)
    assert type(rv) is AppResponse
    assert (rv.status_code, rv.headers["Location"]) == (303, "/a")


@pytest.mark.parametrize("in_context", [False, True])
def test_redirect_with_a_response_class(app: Erlen, in_context: bool) -> None:
    class Custom(BaseResponse):
        pass

    if in_context:
        with app.app_context():
            rv = erlen.helpers.redirect("/b", 307, Custom)
    else:
        rv = erlen.helpers.redirect("/b", Response=Custom)
    assert type(rv) is Custom
    assert rv.headers["Location"] == "/b"
    assert rv.status_code == (307 if in_context else 302)
