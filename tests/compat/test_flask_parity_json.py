"""Parity: jsonify and the JSON provider (types, sort_keys, non-ASCII, errors)."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import uuid

from parity_harness import call, compare, get, make_app, post, run


@dataclasses.dataclass
class Point:
    x: int
    y: list[str]


class HasJson:
    def __html__(self):
        return "<em>html</em>"


def build_json(fw):
    app = make_app(fw)
    values = {
        "datetime": datetime.datetime(2024, 2, 29, 13, 5, 9, 123456),
        "aware": datetime.datetime(2024, 2, 29, 13, 5, 9, tzinfo=datetime.UTC),
        "offset": datetime.datetime(
            2024, 2, 29, 13, 5, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
        ),
        "date": datetime.date(1999, 12, 31),
        "decimal": decimal.Decimal("12.3400"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "dataclass": Point(1, ["a"]),
        "html": HasJson(),
        "unicode": "caf\u00e9 \u2603 \U0001f600",
        "float": 1.5,
        "big": 10**20,
        "nested": {"b": [1, {"z": 1, "a": 2}], "a": None},
        "tuple": (1, 2),
        "bool": True,
        "markup": fw.Markup("<b>m</b>"),
    }
    for name, value in values.items():
        app.add_url_rule(f"/v/{name}", name, lambda value=value: fw.jsonify(value))

    @app.route("/all")
    def everything():
        return fw.jsonify(values)

    @app.route("/dict-return")
    def dict_return():
        return {"z": 1, "a": values["date"], "m": [values["uuid"]]}

    @app.route("/list-return")
    def list_return():
        return [values["decimal"], values["datetime"]]

    @app.route("/args")
    def args():
        return fw.jsonify(1, "two", [3])

    @app.route("/kwargs")
    def kwargs():
        return fw.jsonify(b=1, a=2)

    @app.route("/bad-type")
    def bad_type():
        return fw.jsonify({"s": {1, 2}})

    @app.route("/both")
    def both():
        return fw.jsonify(1, a=2)

    @app.route("/dumps")
    def dumps():
        return fw.json.dumps({"b": values["date"], "a": "\u00e9"})

    @app.route("/loads", methods=["POST"])
    def loads():
        data = fw.json.loads(fw.request.get_data())
        return {"type": type(data).__name__, "data": data}

    @app.route("/response")
    def response():
        return fw.current_app.json.response(r=1), 201

    return app


def test_jsonify_types(protocol):
    compare(
        build_json,
        [
            get("/v/datetime"),
            get("/v/aware"),
            get("/v/offset"),
            get("/v/date"),
            get("/v/decimal"),
            get("/v/uuid"),
            get("/v/dataclass"),
            get("/v/html"),
            get("/v/unicode"),
            get("/v/float"),
            get("/v/big"),
            get("/v/nested"),
            get("/v/tuple"),
            get("/v/bool"),
            get("/v/markup"),
            get("/all"),
            get("/dict-return"),
            get("/list-return"),
        ],
        protocol,
    )


def test_jsonify_arguments(protocol):
    compare(
        build_json,
        [
            get("/args"),
            get("/kwargs"),
            get("/bad-type", status=500),
            get("/both", status=500),
            get("/dumps"),
            post("/loads", data=b'{"a": [1, 2]}'),
            post("/loads", data='"\u00e9"'.encode()),
            get("/response"),
        ],
        protocol,
    )


def test_json_provider_settings(protocol):
    def build(fw):
        app = build_json(fw)
        app.json.sort_keys = False
        app.json.ensure_ascii = False
        app.json.compact = False
        app.json.mimetype = "application/vnd.parity+json"
        return app

    compare(
        build,
        [get("/v/nested"), get("/v/unicode"), get("/kwargs"), get("/dict-return")],
        protocol,
    )


def test_json_debug_pretty_print(protocol):
    def build(fw):
        app = build_json(fw)
        app.debug = True
        return app

    compare(build, [get("/v/nested"), get("/kwargs"), get("/args")], protocol)


def test_json_default_hook(protocol):
    def build(fw):
        app = make_app(fw)
        default = app.json.default

        def extended(o):
            if isinstance(o, set):
                return sorted(o)
            return default(o)

        app.json.default = extended

        @app.route("/")
        def index():
            return fw.jsonify(tags={"b", "a"}, d=datetime.date(2020, 1, 2))

        return app

    compare(build, [get("/")], protocol)


def test_json_outside_request(protocol):
    def in_app_context(client, app):
        from parity_harness import ERLEN, FLASK

        fw = ERLEN if type(app).__module__.startswith("erlen") else FLASK
        with app.app_context():
            resp = fw.jsonify(a=1)
            return [resp.status_code, resp.mimetype, resp.get_json(), fw.json.dumps([1])]

    def response_json(client, app):
        resp = client.post("/loads", json={"k": [1, 2]})
        return [resp.json, resp.get_json(), resp.is_json]

    compare(
        build_json,
        [call(in_app_context), call(response_json)],
        protocol,
    )


def test_enum_members_encode_as_their_value(protocol):
    # Deliberate difference (json/provider.py _default, COMPAT comment): Flask's provider
    # raises TypeError for an Enum member (a 500); erlen encodes its value, so output does
    # not depend on whether orjson (which encodes enums) is installed.
    import enum

    class Colour(enum.Enum):
        RED = "red"

    def build(fw):
        app = make_app(fw)
        app.add_url_rule("/enum", "enum", lambda: fw.jsonify(Colour.RED))
        return app

    outcome = run(build, [get("/enum")], protocol)
    assert outcome.flask[0]["status"] == 500
    assert outcome.erlen[0]["status"] == 200
    assert outcome.erlen[0]["body"] == b'"red"\n'


def test_deeply_nested_json_is_400(protocol):
    # Deliberate difference (json/provider.py loads, SECURITY comment; DESIGN.md "never a
    # 500"): Flask lets the RecursionError out as a 500.
    body = b"[" * 100_000 + b"]" * 100_000
    step = post("/loads", data=body, content_type="application/json")

    def build(fw):
        app = make_app(fw)

        @app.route("/loads", methods=["POST"])
        def loads():
            return {"ok": fw.request.get_json() is not None}

        return app

    outcome = run(build, [step], protocol)
    assert outcome.flask[0]["status"] == 500
    assert outcome.erlen[0]["status"] == 400
