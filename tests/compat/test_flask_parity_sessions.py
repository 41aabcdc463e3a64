"""Parity: sessions (set/get/pop/clear/permanent, modified tracking), flashing, cookie APIs."""

from __future__ import annotations

from datetime import timedelta

from parity_harness import call, compare, get, make_app, post


def build_session(fw):
    app = make_app(fw, PERMANENT_SESSION_LIFETIME=timedelta(days=3))
    session = fw.session

    @app.route("/set/<key>/<value>")
    def set_value(key, value):
        session[key] = value
        return "set"

    @app.route("/get/<key>")
    def get_value(key):
        return {"value": session.get(key), "in": key in session}

    @app.route("/pop/<key>")
    def pop_value(key):
        return {"popped": session.pop(key, None)}

    @app.route("/clear")
    def clear():
        session.clear()
        return "cleared"

    @app.route("/all")
    def all_items():
        return {"items": dict(session), "permanent": session.permanent}

    @app.route("/permanent/<int:on>")
    def permanent(on):
        session.permanent = bool(on)
        session["p"] = on
        return "permanent"

    @app.route("/read-only")
    def read_only():
        return {"new": session.new, "modified": session.modified, "value": session.get("a")}

    @app.route("/mutate-nested")
    def mutate_nested():
        session.setdefault("cart", []).append("item")
        return {"modified": session.modified}

    @app.route("/mutate-in-place")
    def mutate_in_place():
        cart = session.get("cart", [])
        cart.append("silent")
        return {"modified": session.modified, "cart": cart}

    @app.route("/mark-modified")
    def mark_modified():
        session.get("cart", []).append("marked")
        session.modified = True
        return "marked"

    @app.route("/types")
    def types():
        session["data"] = {"t": (1, 2), "b": b"bytes", "m": fw.Markup("<b>"), "n": None}
        return "types"

    @app.route("/types-read")
    def types_read():
        data = session["data"]
        return {k: [type(v).__name__, str(v)] for k, v in data.items()}

    @app.route("/no-op-writes")
    def no_op_writes():
        # None of these changes the session: Flask does not rewrite the cookie.
        session.pop("never-set", None)
        session.setdefault("b", "other")
        try:
            del session["never-set"]
        except KeyError:
            pass
        return {"modified": session.modified, "b": session.get("b")}

    @app.route("/accessed")
    def accessed():
        return "untouched"

    return app


def test_session_lifecycle(protocol):
    compare(
        build_session,
        [
            get("/get/a"),
            get("/set/a/1"),
            get("/get/a"),
            get("/set/b/two"),
            get("/all"),
            get("/read-only"),
            get("/pop/a"),
            get("/pop/a"),
            get("/all"),
            get("/no-op-writes"),
            get("/clear"),
            get("/all"),
            get("/get/b"),
            get("/accessed"),
        ],
        protocol,
    )


def test_session_permanent(protocol):
    compare(
        build_session,
        [
            get("/permanent/1"),
            get("/all"),
            get("/permanent/0"),
            get("/all"),
        ],
        protocol,
    )


def test_session_modified_tracking(protocol):
    compare(
        build_session,
        [
            get("/mutate-nested"),
            get("/all"),
            get("/mutate-in-place"),
            get("/all"),
            get("/mark-modified"),
            get("/all"),
        ],
        protocol,
    )


def test_session_value_types(protocol):
    compare(build_session, [get("/types"), get("/types-read")], protocol)


def test_session_cookie_config(protocol):
    def build(fw):
        app = build_session(fw)
        app.config.update(
            SESSION_COOKIE_NAME="sid",
            SESSION_COOKIE_PATH="/get",
            SESSION_COOKIE_DOMAIN="example.test",
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_HTTPONLY=False,
            SESSION_COOKIE_SAMESITE="Strict",
        )
        return app

    compare(
        build,
        [
            get("/set/a/1", base_url="https://example.test/"),
            get("/clear", base_url="https://example.test/"),
        ],
        protocol,
    )


def test_session_refresh_each_request(protocol):
    def build(fw):
        app = build_session(fw)
        app.config.update(SESSION_REFRESH_EACH_REQUEST=False)
        return app

    compare(
        build,
        [get("/permanent/1"), get("/all"), get("/read-only"), get("/no-op-writes")],
        protocol,
    )


def test_session_without_secret_key(protocol):
    def build(fw):
        app = make_app(fw)
        app.secret_key = None
        app.config["SECRET_KEY"] = None

        @app.route("/read")
        def read():
            return {"v": fw.session.get("x"), "null": type(fw.session).__name__ == "NullSession"}

        @app.route("/write")
        def write():
            fw.session["x"] = 1
            return "wrote"

        return app

    compare(build, [get("/read"), get("/write", status=500)], protocol)


def test_session_transaction(protocol):
    def preset(client, app):
        with client.session_transaction() as sess:
            sess["preset"] = "yes"
            sess["n"] = 5
        return "preset"

    def inspect(client, app):
        with client.session_transaction() as sess:
            return dict(sess)

    compare(
        build_session,
        [call(preset), get("/all"), get("/set/a/z"), call(inspect)],
        protocol,
    )


def build_flash(fw):
    app = make_app(fw)

    @app.route("/flash", methods=["POST"])
    def do_flash():
        fw.flash("plain message")
        fw.flash("an error", "error")
        fw.flash(fw.Markup("<b>markup</b>"), "info")
        fw.flash("<i>escaped</i>", "info")
        return fw.redirect(fw.url_for("show"))

    @app.route("/show")
    def show():
        return fw.render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}[{{ c }}|{{ m }}]"
            "{% endfor %}"
        )

    @app.route("/filtered")
    def filtered():
        return {
            "errors": fw.get_flashed_messages(category_filter=["error"]),
            "again": fw.get_flashed_messages(),
        }

    @app.route("/plain")
    def plain():
        return {"messages": fw.get_flashed_messages()}

    @app.route("/flash-only")
    def flash_only():
        fw.flash("one", "error")
        fw.flash("two", "warning")
        return "flashed"

    return app


def test_flash_across_redirect(protocol):
    compare(
        build_flash,
        [
            post("/flash", status=302, body=False),
            get("/show"),
            get("/show"),
            post("/flash", follow_redirects=True),
            get("/plain"),
            get("/flash-only"),
            get("/filtered"),
            get("/plain"),
        ],
        protocol,
    )


def build_cookies(fw):
    app = make_app(fw)

    @app.route("/set")
    def set_cookies():
        resp = fw.make_response("cookies set")
        resp.set_cookie("plain", "value")
        resp.set_cookie("spaced", "a value; with=stuff")
        resp.set_cookie("aged", "1", max_age=120, path="/aged", httponly=True)
        resp.set_cookie("secure", "1", secure=True, samesite="None")
        resp.set_cookie("lax", "1", samesite="Lax", domain="localhost")
        resp.set_cookie("uni", "caf\u00e9")
        return resp

    @app.route("/delete")
    def delete_cookies():
        resp = fw.make_response("deleted")
        resp.delete_cookie("plain")
        resp.delete_cookie("aged", path="/aged")
        return resp

    @app.route("/echo")
    def echo():
        return {"cookies": fw.request.cookies.to_dict()}

    @app.route("/aged")
    def aged():
        return {"cookies": fw.request.cookies.to_dict()}

    return app


def test_response_cookies_and_client_jar(protocol):
    def jar(client, app):
        names = ["plain", "spaced", "aged", "secure", "lax", "uni"]
        found = {}
        for name in names:
            cookie = client.get_cookie(name, path="/aged" if name == "aged" else "/")
            found[name] = None if cookie is None else cookie.value
        return found

    def client_set(client, app):
        client.set_cookie("manual", "by client")
        client.set_cookie("other", "x", path="/aged")
        return "ok"

    def client_delete(client, app):
        client.delete_cookie("manual")
        return client.get_cookie("manual") is None

    compare(
        build_cookies,
        [
            get("/set"),
            call(jar, "jar after set"),
            get("/echo"),
            get("/aged"),
            call(client_set),
            get("/echo"),
            get("/aged"),
            call(client_delete),
            get("/delete"),
            call(jar, "jar after delete"),
            get("/echo"),
        ],
        protocol,
    )


def test_session_cookie_in_jar(protocol):
    def has_session(client, app):
        cookie = client.get_cookie("session")
        return None if cookie is None else bool(cookie.value)

    compare(
        build_session,
        [get("/set/a/1"), call(has_session), get("/clear"), call(has_session)],
        protocol,
    )


def test_no_cookie_client(protocol):
    compare(
        build_session,
        [get("/set/a/1"), get("/get/a")],
        protocol,
        client_kwargs={"use_cookies": False},
    )


def test_flask_cookie_migrates_to_erlen(protocol):
    # A user logged in on the Flask version of the app keeps the session on erlen: a
    # Flask-signed cookie made with the same SECRET_KEY reads, and is rewritten encrypted.
    import datetime
    import uuid

    from parity_harness import ERLEN, FLASK

    stamp = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")

    flask_app = build_session(FLASK)

    @flask_app.route("/login")
    def login():
        from flask import session

        session.update(user="ada", when=stamp, id=ident, pair=(1, "b"), raw=b"\x00")
        return "logged in"

    flask_client = flask_app.test_client()
    flask_client.get("/login")
    flask_cookie = flask_client.get_cookie("session").value
    assert "." in flask_cookie  # Flask's signed format: payload.timestamp.signature

    erlen_app = build_session(ERLEN)

    @erlen_app.route("/whoami")
    def whoami():
        from erlen import session

        return {k: [type(v).__name__, str(v)] for k, v in sorted(session.items())}

    client = erlen_app.test_client(asgi=protocol == "asgi")
    try:
        client.set_cookie("session", flask_cookie)
        resp = client.get("/whoami")
        assert resp.json == {
            "id": ["UUID", str(ident)],
            "pair": ["tuple", "(1, 'b')"],
            "raw": ["bytes", "b'\\x00'"],
            "user": ["str", "ada"],
            "when": ["datetime", str(stamp)],
        }
        rewritten = client.get_cookie("session").value
        assert rewritten != flask_cookie
        assert "." not in rewritten  # now erlen's encrypted format
        assert client.get("/whoami").json == resp.json
    finally:
        client.close()


def test_session_tagged_types(protocol):
    import datetime
    import uuid

    def build(fw):
        app = build_session(fw)

        @app.route("/store")
        def store():
            fw.session["v"] = {
                "dt": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
                "uuid": uuid.UUID(int=5),
                "tuple": (1, (2, 3)),
                "bytes": b"\xff\x00",
                "markup": fw.Markup("<i>x</i>"),
                " t": "key that looks like a tag",
                "nested": [{" di": 1}],
            }
            return "stored"

        @app.route("/load")
        def load():
            v = fw.session["v"]
            return {k: [type(x).__name__, repr(x)] for k, x in sorted(v.items())}

        return app

    compare(build, [get("/store"), get("/load")], protocol)
