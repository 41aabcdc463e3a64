"""erlen.ext.rest.reqparse: RequestParser and Argument, through a client on
both protocols, and the parser's own API."""

from __future__ import annotations

import decimal
import io
from collections.abc import Callable
from typing import Any

import pytest

from erlen import Erlen
from erlen.ext.rest import Api, Resource, inputs, reqparse
from erlen.ext.rest.reqparse import Argument, Namespace, RequestParser
from erlen.http.datastructures import FileStorage
from erlen.testing import ErlenClient


@pytest.fixture
def parse(app: Erlen) -> Callable[[RequestParser], None]:
    """Mount ``parser`` at ``/parse`` (every method): the response is the
    parsed namespace, with values made JSON-friendly."""
    api = Api(app)
    holder: dict[str, Any] = {}

    class Parse(Resource):
        def handle(self) -> Any:
            parser = holder["parser"]
            args = parser.parse_args(**holder["kwargs"])
            return {key: _plain(value) for key, value in args.items()}

        get = post = put = handle

    api.add_resource(Parse, "/parse")

    def use(parser: RequestParser, **kwargs: Any) -> None:
        holder["parser"] = parser
        holder["kwargs"] = kwargs

    return use


def _plain(value: Any) -> Any:
    if isinstance(value, FileStorage):
        return {"filename": value.filename, "body": value.read().decode()}
    if isinstance(value, decimal.Decimal):
        return f"Decimal({value})"
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return [str(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# -- locations --------------------------------------------------------------------------


def test_default_location_reads_json_form_and_query(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("name")
    parser.add_argument("age", type=int)
    parse(parser)
    assert client.post("/parse", json={"name": "Ann", "age": 30}).json == {"name": "Ann", "age": 30}
    assert client.post("/parse", data={"name": "Bob", "age": "41"}).json == {
        "name": "Bob",
        "age": 41,
    }
    assert client.get("/parse?name=Cy&age=5").json == {"name": "Cy", "age": 5}
    assert client.get("/parse").json == {"name": None, "age": None}
    # The default type is str: a JSON number given to an untyped argument.
    assert client.post("/parse", json={"name": 7}).json == {"name": "7", "age": None}


def test_single_locations(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("q", location="args")
    parser.add_argument("f", location="form")
    parser.add_argument("j", location="json")
    parser.add_argument("X-Api-Key", location="headers", dest="key")
    parser.add_argument("session", location="cookies")
    parse(parser)
    client.set_cookie("session", "abc")
    rv = client.post(
        "/parse?q=query&f=notform",
        data={"f": "form", "j": "notjson", "q": "notquery"},
        headers={"x-api-key": "k1"},
    )
    assert rv.json == {"q": "query", "f": "form", "j": None, "key": "k1", "session": "abc"}
    rv = client.post("/parse", json={"j": "json", "f": "x"})
    assert rv.json == {"q": None, "f": None, "j": "json", "key": None, "session": "abc"}


def test_files_location(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("upload", type=FileStorage, location="files", required=True)
    parse(parser)
    rv = client.post("/parse", data={"upload": (io.BytesIO(b"file body"), "notes.txt")})
    assert rv.json == {"upload": {"filename": "notes.txt", "body": "file body"}}
    rv = client.post("/parse", data={"other": "x"})
    assert rv.status_code == 400
    assert rv.json == {"message": {"upload": "Missing required parameter in an uploaded file"}}


def test_location_list_last_wins_for_store(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("v", location=["args", "form"], action="store")
    parser.add_argument("all", location=["args", "form"], action="append")
    parse(parser)
    rv = client.post("/parse?v=from-query&all=1", data={"v": "from-form", "all": "2"})
    # COMPAT(flask_restful): "store" keeps the first merged value.
    assert rv.json == {"v": "from-query", "all": ["1", "2"]}


def test_malformed_json_is_400(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("name")
    parse(parser)
    rv = client.post("/parse", data="{not json", content_type="application/json")
    assert rv.status_code == 400
    assert "message" in rv.json
    rv = client.post("/parse", json=[1, 2])
    assert rv.status_code == 400
    assert rv.json == {
        "message": "The JSON body must be an object (of argument names and values), not a list."
    }
    # An empty body with a JSON content type simply has no arguments.
    rv = client.post("/parse", data=b"", content_type="application/json")
    assert rv.json == {"name": None}
    assert client.post("/parse", data="null", content_type="application/json").json == {
        "name": None
    }


# -- conversion and validation --------------------------------------------------------


def test_type_error_message_and_help(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("rate", type=int, help="Rate to charge for this resource: {error_msg}")
    parse(parser)
    rv = client.post("/parse", json={"rate": "fast"})
    assert rv.status_code == 400
    assert rv.json == {
        "message": {
            "rate": "Rate to charge for this resource: invalid literal for int() with base 10:"
            " 'fast'"
        }
    }
    parser.replace_argument("rate", type=int, help="Rate {must} be a number")
    assert client.post("/parse", json={"rate": "x"}).json == {
        "message": {"rate": "Rate {must} be a number"}
    }
    parser.replace_argument("rate", type=int, help="{must} {error_msg}")
    rv = client.post("/parse", json={"rate": "x"})
    assert rv.json["message"]["rate"].startswith("{must} invalid literal")


def test_required(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("name", required=True, help="Name cannot be blank!")
    parse(parser)
    rv = client.post("/parse", json={})
    assert (rv.status_code, rv.json) == (400, {"message": {"name": "Name cannot be blank!"}})
    parser.replace_argument("name", required=True, location="args")
    rv = client.get("/parse")
    assert rv.json == {"message": {"name": "Missing required parameter in the query string"}}
    parser.replace_argument("name", required=True, location=("headers", "cookies"))
    rv = client.get("/parse")
    assert rv.json == {
        "message": {
            "name": "Missing required parameter in the HTTP headers or the request's cookies"
        }
    }


def test_choices_and_case(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("color", choices=("red", "Blue"), case_sensitive=False)
    parser.add_argument("size", choices=("S", "M"))
    parse(parser)
    assert client.get("/parse?color=BLUE&size=M").json == {"color": "blue", "size": "M"}
    rv = client.get("/parse?size=m")
    assert (rv.status_code, rv.json) == (400, {"message": {"size": "m is not a valid choice"}})
    rv = client.get("/parse?color=green")
    assert rv.json == {"message": {"color": "green is not a valid choice"}}
    # The choices themselves are not rewritten.
    assert parser.args[0].choices == ("red", "Blue")


def test_trim_dest_default_store_missing(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser(trim=True)
    parser.add_argument("name", dest="user_name")
    parser.add_argument("raw", trim=False)
    parser.add_argument("page", type=int, default=1)
    parser.add_argument("tags", action="append", default=list)
    parser.add_argument("hidden", store_missing=False)
    parse(parser)
    assert client.get("/parse?name=%20Ann%20&raw=%20x%20").json == {
        "user_name": "Ann",
        "raw": " x ",
        "page": 1,
        "tags": [],
    }
    assert client.get("/parse?hidden=1&tags=a&tags=b").json == {
        "user_name": None,
        "raw": None,
        "page": 1,
        "tags": ["a", "b"],
        "hidden": "1",
    }


def test_append_from_json_list(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("ids", type=int, action="append", location="json")
    parser.add_argument("first", type=int, location=["json"])
    parse(parser)
    assert client.post("/parse", json={"ids": [1, "2", 3], "first": [4, 5]}).json == {
        "ids": [1, 2, 3],
        "first": 4,
    }


def test_nullable(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("maybe", location="json")
    parser.add_argument("never", location="json", nullable=False)
    parse(parser)
    assert client.post("/parse", json={"maybe": None}).json == {"maybe": None, "never": None}
    rv = client.post("/parse", json={"never": None})
    assert (rv.status_code, rv.json) == (400, {"message": {"never": "Must not be null!"}})


def test_ignore(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("n", type=int, ignore=True, default=-1)
    parse(parser)
    assert client.get("/parse?n=abc").json == {"n": -1}
    assert client.get("/parse?n=2").json == {"n": 2}


def test_operators(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("price", type=int, operators=["=", ">=", "<"], action="append")
    parse(parser)
    assert client.get("/parse?price=5&price%3E=1&price%3C=9").json == {"price": [5, 1, 9]}


def test_inputs_and_other_types(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("page", type=inputs.positive, location="args")
    parser.add_argument("amount", type=decimal.Decimal, location="args")
    parser.add_argument("flag", type=inputs.boolean, location="args")
    parser.add_argument("span", type=inputs.iso8601interval, location="args")
    parse(parser)
    rv = client.get("/parse?page=2&amount=1.10&flag=TRUE&span=2013-01-01")
    assert rv.json == {
        "page": 2,
        "amount": "Decimal(1.10)",
        "flag": True,
        "span": ["2013-01-01 00:00:00+00:00", "2013-01-02 00:00:00+00:00"],
    }
    rv = client.get("/parse?page=0")
    assert (rv.status_code, rv.json) == (
        400,
        {"message": {"page": "Invalid page: 0. page must be a positive integer"}},
    )
    rv = client.get("/parse?span=yesterday")
    assert rv.json == {
        "message": {
            "span": "Invalid span: yesterday. span must be a valid ISO8601 date/time interval."
        }
    }


# -- bundling, strict, http_error_code ---------------------------------------------------


def test_bundle_errors_on_parser(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser(bundle_errors=True)
    parser.add_argument("a", type=int, required=True)
    parser.add_argument("b", type=int)
    parser.add_argument("c", choices=("x",))
    parse(parser)
    rv = client.get("/parse?b=zz&c=y")
    assert rv.status_code == 400
    assert rv.json == {
        "message": {
            "a": "Missing required parameter in the JSON body or the post body or the query string",
            "b": "invalid literal for int() with base 10: 'zz'",
            "c": "y is not a valid choice",
        }
    }


def test_bundle_errors_from_config_and_error_code(
    app: Erlen, parse: Any, client: ErlenClient
) -> None:
    app.config["BUNDLE_ERRORS"] = True
    parser = RequestParser()
    parser.add_argument("a", type=int)
    parser.add_argument("b", type=decimal.Decimal)
    parse(parser, http_error_code=422)
    rv = client.get("/parse?a=x&b=y")
    assert rv.status_code == 422
    assert set(rv.json["message"]) == {"a", "b"}


def test_strict(parse: Any, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("a")
    parser.add_argument("h", location="headers")
    parse(parser, strict=True)
    assert client.get("/parse?a=1").json == {"a": "1", "h": None}
    rv = client.post("/parse?a=1&b=2", json={"c": 3})
    assert rv.status_code == 400
    assert rv.json == {"message": "Unknown arguments: c, b"}


def test_parse_outside_an_api_view(app: Erlen, client: ErlenClient) -> None:
    parser = RequestParser()
    parser.add_argument("n", type=int, required=True)

    @app.route("/plain")
    def plain() -> Any:
        return {"n": parser.parse_args().n}

    assert client.get("/plain?n=3").json == {"n": 3}
    rv = client.get("/plain?n=x")
    assert rv.status_code == 400


def test_async_resource_parses(app: Erlen, client: ErlenClient) -> None:
    api = Api(app)
    parser = reqparse.RequestParser()
    parser.add_argument("name", required=True)

    class Echo(Resource):
        async def post(self) -> Any:
            return {"name": parser.parse_args()["name"]}

    api.add_resource(Echo, "/echo")
    assert client.post("/echo", data={"name": "form"}).json == {"name": "form"}
    assert client.post("/echo", json={"name": "json"}).json == {"name": "json"}
    assert client.post("/echo").status_code == 400


# -- the parser's own API -------------------------------------------------------------------


def test_namespace() -> None:
    ns = Namespace(a=1)
    ns.b = 2
    assert (ns.a, ns["b"]) == (1, 2)
    with pytest.raises(AttributeError):
        _ = ns.missing


def test_copy_replace_remove(app: Erlen) -> None:
    parser = RequestParser(trim=True, bundle_errors=True)
    parser.add_argument("foo", type=int, choices=[1, 2])
    parser.add_argument(Argument("bar", default="x"))
    copied = parser.copy()
    assert (copied.trim, copied.bundle_errors) == (True, True)
    assert copied.args[0] is not parser.args[0]
    assert copied.args[0].choices == [1, 2]

    copied.replace_argument("foo", required=True, location="json")
    assert [a.name for a in copied.args] == ["bar", "foo"]
    assert copied.args[1].required is True
    assert copied.args[1].type is str  # replaced wholesale, not merged
    assert parser.args[0].required is False

    assert copied.remove_argument("bar") is copied
    assert [a.name for a in copied.args] == ["foo"]
    copied.remove_argument("nothing")
    assert [a.name for a in copied.args] == ["foo"]

    with app.test_request_context("/?foo=2"):
        assert parser.parse_args() == {"foo": 2, "bar": "x"}


def test_regex_argument_survives_copy(app: Erlen) -> None:
    parser = RequestParser()
    parser.add_argument("code", type=inputs.regex(r"^[A-Z]{3}$"), location="args")
    copied = parser.copy()
    with app.test_request_context("/?code=ABC"):
        assert copied.parse_args() == {"code": "ABC"}


def test_parse_args_with_explicit_request(app: Erlen) -> None:
    parser = RequestParser()
    parser.add_argument("x", location="args")
    with app.test_request_context("/?x=outer"):
        from erlen import request

        real = request._get_current_object()  # type: ignore[attr-defined]
    with app.test_request_context("/?x=inner"):
        assert parser.parse_args(req=real) == {"x": "outer"}


def test_argument_str_and_repr() -> None:
    arg = Argument("color", choices=["a", "b", "c", "d", "e", "f"], type=int)
    assert str(arg) == "Name: color, type: <class 'int'>, choices: ['a', 'b', 'c', '...', 'f']"
    assert repr(arg).startswith("Argument('color', default=None, dest=None, required=False")


def test_private_location_is_refused(app: Erlen) -> None:
    parser = RequestParser()
    parser.add_argument("x", location="_cached_json")
    with app.test_request_context("/"), pytest.raises(ValueError, match="not a request location"):
        parser.parse_args()


def test_replacing_the_package_abort_shapes_parser_errors(
    app: Erlen, parse: Callable[..., None], client: ErlenClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flask-RESTful's known recipe: replace ``flask_restful.abort`` to shape
    # reqparse's error responses; the parser looks it up when it aborts.
    import erlen.ext.rest
    from erlen import abort as erlen_abort
    from erlen import jsonify, make_response

    calls: list[tuple[int, Any]] = []

    def custom_abort(code: int, **kwargs: Any) -> Any:
        calls.append((code, kwargs))
        erlen_abort(make_response(jsonify(error=kwargs["message"], status=code), 422))

    monkeypatch.setattr(erlen.ext.rest, "abort", custom_abort)
    parser = RequestParser()
    parser.add_argument("n", type=int, location="args", help="Bad n: {error_msg}")
    parse(parser)
    rv = client.get("/parse?n=x")
    assert rv.status_code == 422
    assert rv.json == {
        "error": {"n": "Bad n: invalid literal for int() with base 10: 'x'"},
        "status": 400,
    }
    # Bundled errors go through it too, with the parser's http_error_code.
    bundled = RequestParser(bundle_errors=True)
    bundled.add_argument("a", required=True, location="args")
    parse(bundled, http_error_code=409)
    rv = client.get("/parse")
    assert rv.status_code == 422
    assert rv.json["status"] == 409
    assert rv.json["error"] == {"a": "Missing required parameter in the query string"}
    assert [code for code, _ in calls] == [400, 409]


def test_a_replacement_abort_that_returns_leaves_the_argument_out(
    app: Erlen, monkeypatch: pytest.MonkeyPatch
) -> None:
    import erlen.ext.rest

    calls: list[tuple[int, Any]] = []
    monkeypatch.setattr(erlen.ext.rest, "abort", lambda code, **kw: calls.append((code, kw)))
    parser = RequestParser()
    parser.add_argument("foo", choices=("one", "two"), location="args")
    parser.add_argument("bar", location="args")
    with app.test_request_context("/?foo=three&bar=b"):
        assert parser.parse_args() == {"foo": None, "bar": "b"}
    assert calls == [(400, {"message": {"foo": "three is not a valid choice"}})]


def test_argument_keeps_the_operators_sequence_given() -> None:
    assert Argument("foo", operators=[">=", "<=", "="]).operators == [">=", "<=", "="]
    assert Argument("foo").operators == ("=",)
    assert Argument("foo", operators=iter(["="])).operators == ("=",)


def test_ordered_dict_is_importable_where_flask_restful_has_it() -> None:
    import collections

    from erlen.ext.rest import OrderedDict
    from erlen.ext.rest.utils import OrderedDict as from_utils

    assert OrderedDict is from_utils is collections.OrderedDict
