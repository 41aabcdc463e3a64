"""erlen.ext.rest.cors: Flask-RESTful's ``crossdomain`` decorator (its
``flask_restful.utils.cors``), on resource methods and plain views, over WSGI
and ASGI (the ``client`` fixture)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from erlen import Erlen
from erlen.ext.rest import Api, Resource, cors
from erlen.ext.rest.cors import crossdomain
from erlen.testing import ErlenClient


def test_importable_where_flask_restful_has_it() -> None:
    from erlen.ext.rest.utils import cors as from_utils

    assert from_utils is cors
    assert cors.crossdomain is crossdomain


def test_resource_method_gets_the_headers(app: Erlen, client: ErlenClient) -> None:
    class Thing(Resource):
        @crossdomain(origin="*")
        def get(self) -> Any:
            return "data"

        def post(self) -> Any:
            return "made", 201

    Api(app).add_resource(Thing, "/thing")
    rv = client.get("/thing")
    assert rv.status_code == 200
    assert rv.get_data(as_text=True) == "data"
    assert rv.headers["Access-Control-Allow-Origin"] == "*"
    assert rv.headers["Access-Control-Max-Age"] == "21600"
    # By default, the methods the URL allows.
    allowed = rv.headers["Access-Control-Allow-Methods"].split(", ")
    assert set(allowed) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert "Access-Control-Allow-Credentials" not in rv.headers
    assert "Access-Control-Allow-Headers" not in rv.headers
    # An undecorated method has none.
    rv = client.post("/thing")
    assert rv.status_code == 201
    assert "Access-Control-Allow-Origin" not in rv.headers


def test_all_options(app: Erlen, client: ErlenClient) -> None:
    @app.route("/v", methods=["GET", "PUT"])
    @crossdomain(
        origin="https://a.example",
        methods={"get", "OPTIONS"},
        headers=["Content-Type", "X-Token"],
        expose_headers=["X-My-Header"],
        max_age=dt.timedelta(minutes=5),
        credentials=True,
    )
    def view() -> Any:
        return "ok", 202, {"X-My-Header": "1"}

    rv = client.get("/v")
    assert rv.status_code == 202
    assert rv.headers["X-My-Header"] == "1"
    assert rv.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert rv.headers["Access-Control-Allow-Methods"] == "GET, OPTIONS"
    assert rv.headers["Access-Control-Allow-Headers"] == "CONTENT-TYPE, X-TOKEN"
    assert rv.headers["Access-Control-Expose-Headers"] == "X-MY-HEADER"
    assert rv.headers["Access-Control-Max-Age"] == "300"
    assert rv.headers["Access-Control-Allow-Credentials"] == "true"


def test_options_answered_without_calling_the_view(app: Erlen, client: ErlenClient) -> None:
    calls: list[str] = []

    # As in Flask, a view that answers OPTIONS itself lists it.
    @app.route("/v", methods=["GET", "POST", "OPTIONS"])
    @crossdomain(origin="*", attach_to_all=False)
    def view() -> Any:
        calls.append("called")
        return "ok"

    rv = client.options("/v")
    assert rv.status_code == 200
    assert calls == []
    assert set(rv.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert rv.headers["Access-Control-Allow-Origin"] == "*"
    # attach_to_all=False: only the OPTIONS answer carries them.
    rv = client.get("/v")
    assert rv.get_data(as_text=True) == "ok"
    assert calls == ["called"]
    assert "Access-Control-Allow-Origin" not in rv.headers


def test_list_of_origins_echoes_a_listed_origin_only(app: Erlen, client: ErlenClient) -> None:
    @app.route("/v")
    @crossdomain(origin=["https://a.example", "https://b.example/"])
    def view() -> Any:
        return "ok"

    rv = client.get("/v", headers={"Origin": "https://b.example"})
    assert rv.headers["Access-Control-Allow-Origin"] == "https://b.example"
    assert rv.headers["Vary"] == "Origin"
    rv = client.get("/v", headers={"Origin": "https://evil.example"})
    assert rv.status_code == 200
    assert "Access-Control-Allow-Origin" not in rv.headers
    assert "Access-Control-Allow-Methods" not in rv.headers
    assert rv.headers["Vary"] == "Origin"
    rv = client.get("/v")
    assert "Access-Control-Allow-Origin" not in rv.headers


def test_async_resource_method(app: Erlen, client: ErlenClient) -> None:
    class Thing(Resource):
        @crossdomain(origin="*", methods=["GET"])
        async def get(self) -> Any:
            return {"a": 1}

    Api(app).add_resource(Thing, "/thing")
    rv = client.get("/thing")
    assert rv.status_code == 200
    assert rv.json == {"a": 1}
    assert rv.headers["Access-Control-Allow-Origin"] == "*"
    assert rv.headers["Access-Control-Allow-Methods"] == "GET"


def test_an_origin_is_required() -> None:
    with pytest.raises(TypeError, match="origin"):
        crossdomain()
