"""Sessions: tagged JSON, the encrypted cookie format, and the cookie through an app."""

from __future__ import annotations

import base64
import hashlib
import json
import string
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import Markup

from erlen import Erlen, request, session
from erlen.json.tag import JSONTag, TaggedJSONSerializer
from erlen.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
    SessionMixin,
)
from erlen.testing import ErlenClient

#: ``make_client(app, **kwargs)`` (tests/conftest.py): a client on the test's protocol.
MakeClient = Callable[..., ErlenClient]

NOW = 1_700_000_000.0

# -- tagged JSON --------------------------------------------------------------


SAMPLES: list[Any] = [
    {"a": (1, 2, [3, (4,)])},
    {"b": b"\x00\xff raw"},
    {"m": Markup("<b>bold</b>")},
    {"u": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"d": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)},
    {"x": {" t": [1]}},
    {"x": {" di": "nested tag-like key"}},
    {"n": None, "s": "é ☃", "f": 1.5, "l": [True, False]},
    (1, "two", b"three"),
    [],
    {},
]


@pytest.mark.parametrize("value", SAMPLES)
def test_tagged_json_round_trip(value: Any) -> None:
    s = TaggedJSONSerializer()
    assert s.loads(s.dumps(value)) == value
    assert type(s.loads(s.dumps(value))) is type(value)


@pytest.mark.parametrize("value", SAMPLES)
def test_tagged_json_is_flasks_format(value: Any) -> None:
    from flask.json.tag import TaggedJSONSerializer as FlaskSerializer

    ours, flask = TaggedJSONSerializer(), FlaskSerializer()
    assert flask.loads(ours.dumps(value)) == value
    assert ours.loads(flask.dumps(value)) == value


def test_tagged_json_exact_text() -> None:
    s = TaggedJSONSerializer()
    assert s.dumps({"a": (1, b"\x01")}) == '{"a":{" t":[1,{" b":"AQ=="}]}}'
    assert s.dumps({" t": 1}) == '{" di":{" t__":1}}'
    assert s.dumps(datetime(2024, 1, 2, 3, 4, 5)) == '{" d":"Tue, 02 Jan 2024 03:04:05 GMT"}'


def test_tagged_json_markup_from_html_object() -> None:
    class Html:
        def __html__(self) -> str:
            return "<i>x</i>"

    s = TaggedJSONSerializer()
    loaded = s.loads(s.dumps(Html()))
    assert isinstance(loaded, Markup)
    assert loaded == Markup("<i>x</i>")


def test_tagged_json_naive_datetime_loads_as_utc() -> None:
    s = TaggedJSONSerializer()
    loaded = s.loads(s.dumps(datetime(2024, 5, 6, 7, 8, 9)))
    assert loaded == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert loaded.tzinfo is not None


def test_tagged_json_register_custom_tag() -> None:
    class Point:
        def __init__(self, x: int, y: int) -> None:
            self.x, self.y = x, y

    class TagPoint(JSONTag):
        __slots__ = ()
        key = " p"

        def check(self, value: Any) -> bool:
            return isinstance(value, Point)

        def to_json(self, value: Any) -> Any:
            return [value.x, value.y]

        def to_python(self, value: Any) -> Any:
            return Point(*value)

    s = TaggedJSONSerializer()
    s.register(TagPoint)
    p = s.loads(s.dumps({"p": Point(1, 2)}))["p"]
    assert (p.x, p.y) == (1, 2)
    with pytest.raises(KeyError, match="already registered"):
        s.register(TagPoint)
    s.register(TagPoint, force=True)
    assert len([tag for tag in s.order if isinstance(tag, TagPoint)]) == 2


def test_tagged_json_register_index_wins_over_default() -> None:
    class TagTupleAsStr(JSONTag):
        __slots__ = ()
        key = " ts"

        def check(self, value: Any) -> bool:
            return isinstance(value, tuple)

        def to_json(self, value: Any) -> Any:
            return ",".join(map(str, value))

        def to_python(self, value: Any) -> Any:
            return tuple(value.split(","))

    s = TaggedJSONSerializer()
    s.register(TagTupleAsStr, index=0)
    assert s.dumps((1, 2)) == '{" ts":"1,2"}'


def test_tagged_json_untagged_dicts_pass_through() -> None:
    s = TaggedJSONSerializer()
    assert s.loads('{" zz":1}') == {" zz": 1}
    assert s.loads('{"a":1,"b":2}') == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    "text",
    [
        '{" b":"not base64!"}',
        '{" u":"xyz"}',
        '{" d":"yesterday"}',
        "{",
        '{" di":"ab"}',
        # Payloads of the wrong JSON type.
        '{" u":5}',
        '{" d":[1]}',
        '{"a":{" d":5}}',
        '{" t":5}',
        '{" b":7}',
    ],
)
def test_tagged_json_bad_payloads_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        TaggedJSONSerializer().loads(text)


def test_tagged_json_unknown_type_is_type_error() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        TaggedJSONSerializer().dumps({"o": object()})


# -- session objects ----------------------------------------------------------


def test_session_tracks_reads_and_writes() -> None:
    s = SecureCookieSession({"a": 1})
    assert (s.modified, s.accessed, s.new) == (False, False, False)
    assert s["a"] == 1
    assert (s.modified, s.accessed) == (False, True)
    s["b"] = 2
    assert (s.modified, s.accessed) == (True, True)
    assert isinstance(s, SessionMixin)
    assert repr(s) == "<SecureCookieSession {'a': 1, 'b': 2}>"


@pytest.mark.parametrize(
    "read",
    [
        lambda s: s.get("a"),
        lambda s: "a" in s,
        lambda s: list(s),
        lambda s: len(s),
        lambda s: list(s.items()),
        lambda s: list(s.keys()),
        lambda s: list(s.values()),
    ],
)
def test_session_reads_mark_accessed_only(read: Any) -> None:
    s = SecureCookieSession({"a": 1})
    read(s)
    assert s.accessed is True
    assert s.modified is False


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.__delitem__("a"),
        lambda s: s.pop("a"),
        lambda s: s.popitem(),
        lambda s: s.clear(),
        lambda s: s.update(b=1),
        lambda s: s.setdefault("c", 3),
        lambda s: s.__ior__({"d": 4}),
    ],
)
def test_session_writes_mark_modified(write: Any) -> None:
    s = SecureCookieSession({"a": 1})
    write(s)
    assert s.modified is True
    assert s.accessed is True


@pytest.mark.parametrize(
    "noop",
    [
        lambda s: s.pop("zz", None),
        lambda s: s.setdefault("a", 5),
    ],
)
def test_session_noops_do_not_mark_modified(noop: Any) -> None:
    # COMPAT(flask): removing a missing key or setdefault on a present one
    # changes nothing, so no new cookie is sent.
    s = SecureCookieSession({"a": 1})
    noop(s)
    assert s.modified is False
    assert s.accessed is True
    assert dict(s) == {"a": 1}


def test_nested_mutation_is_not_seen() -> None:
    s = SecureCookieSession({"cart": []})
    s["cart"].append(1)
    assert s.modified is False


def test_permanent_flag_lives_in_session() -> None:
    s = SecureCookieSession()
    assert s.permanent is False
    s.permanent = True
    assert s["_permanent"] is True
    assert s.modified is True


NULL_MESSAGE = (
    "The session is unavailable because no secret key was set. Set the secret_key on the"
    " application to something unique and secret."
)


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.__setitem__("a", 1),
        lambda s: s.__delitem__("a"),
        lambda s: s.pop("a", None),
        lambda s: s.popitem(),
        lambda s: s.clear(),
        lambda s: s.update(a=1),
        lambda s: s.setdefault("a", 1),
        lambda s: s.__ior__({"a": 1}),
    ],
)
def test_null_session_refuses_writes(write: Any) -> None:
    s = NullSession()
    with pytest.raises(RuntimeError) as info:
        write(s)
    assert str(info.value) == NULL_MESSAGE
    assert s.get("a") is None
    assert len(s) == 0


def test_null_session_permanent_setter_fails() -> None:
    s = NullSession()
    with pytest.raises(RuntimeError, match="no secret key"):
        s.permanent = True


def test_base_interface_is_abstract() -> None:
    app = fake_app()
    iface = SessionInterface()
    with pytest.raises(NotImplementedError):
        iface.open_session(app, None)  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError):
        iface.save_session(app, SecureCookieSession(), None)  # type: ignore[arg-type]
    assert iface.is_null_session(iface.make_null_session(app))
    assert not iface.is_null_session(SecureCookieSession())
    assert iface.pickle_based is False


# -- the cookie format, with a stand-in app ------------------------------------


def fake_app(**config: Any) -> Any:
    base = {"SECRET_KEY": "secret", "PERMANENT_SESSION_LIFETIME": timedelta(days=31)}
    base.update(config)
    return SimpleNamespace(config=base)


def interface(now: float = NOW) -> SecureCookieSessionInterface:
    iface = SecureCookieSessionInterface()
    iface.clock = lambda: now
    return iface


def flask_cookie(secret: str, data: dict[str, Any], now: float = NOW) -> str:
    """A cookie exactly as Flask writes it (its serializer, stamped at ``now``)."""
    from flask.json.tag import TaggedJSONSerializer as FlaskSerializer
    from itsdangerous import TimestampSigner, URLSafeTimedSerializer

    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now)

    s = URLSafeTimedSerializer(
        secret,
        salt="cookie-session",
        serializer=FlaskSerializer(),
        signer=Signer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )
    return s.dumps(data)


def test_encrypted_round_trip_and_opacity() -> None:
    app, iface = fake_app(), interface()
    value = iface.dump_cookie(app, {"user": "alice-the-admin", "t": (1, 2)})
    assert iface.load_cookie(app, value) == ({"user": "alice-the-admin", "t": (1, 2)}, False)
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    # Version 2, not permanent: the two bytes in the clear.
    assert raw[:2] == b"\x02\x00"
    assert b"alice" not in raw
    assert b"user" not in raw
    assert "." not in value


def test_permanent_flag_is_in_the_clear_and_authenticated() -> None:
    app, iface = fake_app(), interface()
    value = iface.dump_cookie(app, {"_permanent": True, "user": 1})
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    assert raw[:2] == b"\x02\x01"
    assert iface.load_cookie(app, value) == ({"_permanent": True, "user": 1}, False)
    for flags in (b"\x00", b"\x03", b"\x80"):
        forged = base64.urlsafe_b64encode(raw[:1] + flags + raw[2:]).rstrip(b"=").decode()
        assert iface.load_cookie(app, forged) is None, flags


def version_1_cookie(secret: str, data: dict[str, Any], now: float = NOW) -> str:
    """A cookie in the format erlen wrote before version 2 (no flags byte)."""
    from erlen import sessions as mod

    nonce = bytes(range(12))
    plain = mod._TIMESTAMP.pack(int(now)) + json.dumps(data).encode()
    sealed = mod._cipher(secret.encode(), "cookie-session").encrypt(nonce, plain, b"\x01")
    return base64.urlsafe_b64encode(b"\x01" + nonce + sealed).rstrip(b"=").decode()


def test_version_1_cookie_still_reads() -> None:
    app, iface = fake_app(), interface()
    value = version_1_cookie("secret", {"user": 3})
    assert iface.load_cookie(app, value) == ({"user": 3}, False)
    # Its version byte is authenticated too: relabelled as version 2, refused.
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    relabelled = base64.urlsafe_b64encode(b"\x02\x00" + raw[1:]).rstrip(b"=").decode()
    assert iface.load_cookie(app, relabelled) is None


def test_each_write_uses_a_fresh_nonce() -> None:
    app, iface = fake_app(), interface()
    assert iface.dump_cookie(app, {"a": 1}) != iface.dump_cookie(app, {"a": 1})


def test_every_single_byte_change_is_rejected() -> None:
    app, iface = fake_app(), interface()
    value = iface.dump_cookie(app, {"a": 1})
    raw = bytearray(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    for i in range(len(raw)):
        bad = bytearray(raw)
        bad[i] ^= 0x01
        token = base64.urlsafe_b64encode(bytes(bad)).rstrip(b"=").decode()
        assert iface.load_cookie(app, token) is None, i


@pytest.mark.parametrize(
    "value",
    [
        "",
        "A",
        "garbage",
        "AAAA",
        "!!!!",
        "a.b.c",
        "e30.AAAA.BBBB",
        "€uro",
        "A" * 10_000,
        # The standard alphabet's "+" and "/", and padding, are not base64url.
        "AQ+/" * 12,
        "AQID" * 11 + "AQ==",
    ],
)
def test_garbage_is_rejected(value: str) -> None:
    assert interface().load_cookie(fake_app(), value) is None


def test_standard_alphabet_of_a_valid_cookie_is_rejected() -> None:
    app, iface = fake_app(), interface()
    # The nonce is random: write until a cookie holds a "-" or "_".
    value = next(
        v for v in (iface.dump_cookie(app, {"a": 1}) for _ in range(200)) if "-" in v or "_" in v
    )
    assert iface.load_cookie(app, value) == ({"a": 1}, False)
    standard = value.replace("-", "+").replace("_", "/")
    assert iface.load_cookie(app, standard) is None
    assert iface.load_cookie(app, value + "=" * (-len(value) % 4 or 4)) is None


def test_session_class_overriding_keys_decides_what_is_stored() -> None:
    class ScratchSession(SecureCookieSession):
        """Keys starting with "tmp_" live for one request only."""

        def keys(self) -> Any:
            return [k for k in dict.keys(self) if not k.startswith("tmp_")]

    app, iface = fake_app(), interface()
    data = ScratchSession({"user": 7, "tmp_token": "x"})
    assert iface.load_cookie(app, iface.dump_cookie(app, data)) == ({"user": 7}, False)
    # A plain session stores every key.
    plain = SecureCookieSession({"user": 7, "tmp_token": "x"})
    value = iface.dump_cookie(app, plain)
    assert iface.load_cookie(app, value) == ({"user": 7, "tmp_token": "x"}, False)


def test_other_secret_cannot_read() -> None:
    iface = interface()
    value = iface.dump_cookie(fake_app(SECRET_KEY="one"), {"a": 1})
    assert iface.load_cookie(fake_app(SECRET_KEY="two"), value) is None


def test_other_salt_cannot_read() -> None:
    app = fake_app()
    value = interface().dump_cookie(app, {"a": 1})
    other = interface()
    other.salt = "another-purpose"
    assert other.load_cookie(app, value) is None


def test_bytes_and_str_secret_keys_agree() -> None:
    iface = interface()
    value = iface.dump_cookie(fake_app(SECRET_KEY="clé"), {"a": 1})
    assert iface.load_cookie(fake_app(SECRET_KEY="clé".encode()), value) == ({"a": 1}, False)


def test_max_age_is_enforced_with_the_clock() -> None:
    app = fake_app(PERMANENT_SESSION_LIFETIME=3600)
    value = interface(NOW).dump_cookie(app, {"a": 1})
    assert interface(NOW + 3600).load_cookie(app, value) == ({"a": 1}, False)
    assert interface(NOW + 3601).load_cookie(app, value) is None


def test_future_stamped_cookie_is_rejected() -> None:
    app = fake_app()
    value = interface(NOW + 3600).dump_cookie(app, {"a": 1})
    assert interface(NOW).load_cookie(app, value) is None
    # A peer server a few seconds ahead is tolerated.
    value = interface(NOW + 5).dump_cookie(app, {"a": 1})
    assert interface(NOW).load_cookie(app, value) == ({"a": 1}, False)


def test_fallback_key_reads_and_asks_for_rewrite() -> None:
    old = interface().dump_cookie(fake_app(SECRET_KEY="old"), {"a": 1})
    rotated = fake_app(SECRET_KEY="new", SECRET_KEY_FALLBACKS=["older", "old"])
    assert interface().load_cookie(rotated, old) == ({"a": 1}, True)
    assert interface().load_cookie(fake_app(SECRET_KEY="new"), old) is None


def test_flask_signed_cookie_reads_and_asks_for_rewrite() -> None:
    value = flask_cookie("secret", {"user_id": 123, "t": (1, 2)})
    assert interface().load_cookie(fake_app(), value) == ({"user_id": 123, "t": (1, 2)}, True)


def test_flask_signed_cookie_with_fallback_key() -> None:
    value = flask_cookie("old", {"a": 1})
    app = fake_app(SECRET_KEY="new", SECRET_KEY_FALLBACKS=["old"])
    assert interface().load_cookie(app, value) == ({"a": 1}, True)
    assert interface().load_cookie(fake_app(SECRET_KEY="new"), value) is None


def test_flask_signed_cookie_expires() -> None:
    app = fake_app(PERMANENT_SESSION_LIFETIME=60)
    value = flask_cookie("secret", {"a": 1}, now=NOW)
    assert interface(NOW + 60).load_cookie(app, value) == ({"a": 1}, True)
    assert interface(NOW + 61).load_cookie(app, value) is None


def test_flask_signed_cookie_tampered() -> None:
    value = flask_cookie("secret", {"a": 1})
    payload, rest = value.split(".", 1)
    forged = base64.urlsafe_b64encode(b'{"a":2}').rstrip(b"=").decode() + "." + rest
    assert interface().load_cookie(fake_app(), forged) is None
    # A character inside the signature: the last one also holds padding bits.
    flipped = rest[:-5] + ("x" if rest[-5] != "x" else "y") + rest[-4:]
    assert interface().load_cookie(fake_app(), payload + "." + flipped) is None


def test_signed_format_writes_what_flask_reads() -> None:
    import flask

    app = fake_app(SESSION_COOKIE_FORMAT="signed", SECRET_KEY_FALLBACKS=["old"])
    iface = SecureCookieSessionInterface()  # the real clock, as Flask's check uses it
    value = iface.dump_cookie(app, {"a": (1, 2)})
    assert value.count(".") == 2
    # Signed with the current key only, and not asking for a rewrite.
    assert iface.load_cookie(app, value) == ({"a": (1, 2)}, False)
    # An encrypted cookie read by a "signed" app is rewritten signed.
    encrypted = SecureCookieSessionInterface().dump_cookie(fake_app(), {"a": 1})
    assert iface.load_cookie(app, encrypted) == ({"a": 1}, True)

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = "secret"
    with flask_app.test_request_context(headers={"Cookie": f"session={value}"}):
        flask_session = flask_app.session_interface.open_session(
            flask_app, flask.request._get_current_object()
        )
    assert flask_session is not None
    assert dict(flask_session) == {"a": (1, 2)}


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="SESSION_COOKIE_FORMAT"):
        interface().dump_cookie(fake_app(SESSION_COOKIE_FORMAT="rot13"), {"a": 1})


def test_dump_without_secret_key_raises() -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        interface().dump_cookie(fake_app(SECRET_KEY=None), {"a": 1})


def test_non_dict_payload_is_rejected() -> None:
    app, iface = fake_app(), interface()
    value = iface.encrypt("secret", {"a": 1})
    assert iface.decrypt("secret", value) == {"a": 1}
    # Build a well-encrypted list payload by hand: authentic but not a session.
    from erlen import sessions as mod

    nonce = b"\x00" * 12
    plain = mod._TIMESTAMP.pack(int(NOW)) + json.dumps([1, 2]).encode()
    sealed = mod._cipher(b"secret", iface.salt).encrypt(nonce, plain, b"\x02\x00")
    token = base64.urlsafe_b64encode(b"\x02\x00" + nonce + sealed).rstrip(b"=").decode()
    assert iface.load_cookie(app, token) is None
    deep = mod._TIMESTAMP.pack(int(NOW)) + b"[" * 5000 + b"]" * 5000
    sealed = mod._cipher(b"secret", iface.salt).encrypt(nonce, deep, b"\x02\x00")
    token = base64.urlsafe_b64encode(b"\x02\x00" + nonce + sealed).rstrip(b"=").decode()
    assert iface.decrypt("secret", token) is None


def test_cookie_attribute_getters_defaults_and_config() -> None:
    iface = interface()
    app = fake_app()
    assert iface.get_cookie_name(app) == "session"
    assert iface.get_cookie_domain(app) is None
    assert iface.get_cookie_path(app) == "/"
    assert iface.get_cookie_httponly(app) is True
    assert iface.get_cookie_secure(app) is False
    assert iface.get_cookie_samesite(app) == "Lax"
    assert iface.get_cookie_partitioned(app) is False
    app = fake_app(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.com",
        APPLICATION_ROOT="/app",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PARTITIONED=True,
    )
    assert iface.get_cookie_name(app) == "sid"
    assert iface.get_cookie_domain(app) == "example.com"
    assert iface.get_cookie_path(app) == "/app"
    assert iface.get_cookie_httponly(app) is False
    assert iface.get_cookie_secure(app) is True
    assert iface.get_cookie_samesite(app) == "Strict"
    assert iface.get_cookie_partitioned(app) is True
    assert iface.get_cookie_path(fake_app(SESSION_COOKIE_PATH="/p", APPLICATION_ROOT="/a")) == "/p"
    assert iface.get_cookie_samesite(fake_app(SESSION_COOKIE_SAMESITE=None)) is None


def test_expiration_time_and_should_set_cookie() -> None:
    iface = interface()
    app = fake_app(PERMANENT_SESSION_LIFETIME=timedelta(days=7))
    s = SecureCookieSession()
    assert iface.get_expiration_time(app, s) is None
    assert iface.should_set_cookie(app, s) is False
    s = SecureCookieSession({"_permanent": True})
    expected = datetime.fromtimestamp(NOW, UTC) + timedelta(days=7)
    assert iface.get_expiration_time(app, s) == expected
    assert iface.get_expiration_time(fake_app(PERMANENT_SESSION_LIFETIME=60), s) == (
        datetime.fromtimestamp(NOW + 60, UTC)
    )
    assert iface.should_set_cookie(app, s) is True
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert iface.should_set_cookie(app, s) is False
    s["x"] = 1
    assert iface.should_set_cookie(app, s) is True


# -- through an app and the test client ---------------------------------------


def decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def set_cookie_headers(rv: Any) -> list[str]:
    return list(rv.headers.getlist("Set-Cookie"))


@pytest.fixture
def app() -> Erlen:
    app = Erlen(__name__)
    app.config.update(TESTING=True)
    app.secret_key = "slsdaljdljdlj"

    # The notes' example (§2.4.2).
    @app.route("/login")
    def login() -> str:
        session["user_id"] = 123
        session["username"] = "john_doe"
        return "Logged in!"

    @app.route("/profile")
    def profile() -> Any:
        user_id = session.get("user_id")
        if user_id:
            return f"Welcome, user {user_id}!"
        return "Not logged in.", 403

    @app.route("/logout")
    def logout() -> str:
        session.pop("user_id", None)
        session.clear()
        return "Logged out!"

    @app.route("/untouched")
    def untouched() -> str:
        return "nothing"

    @app.route("/remember")
    def remember() -> str:
        # A permanent login; ?user=N picks the user.
        session.permanent = True
        session["user_id"] = request.args.get("user", 1, type=int)
        return ""

    @app.route("/dump")
    def dump() -> Any:
        return {"data": dict(session), "new": session.new}

    return app


def test_notes_login_profile_logout(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    assert client.get("/profile").status_code == 403

    rv = client.get("/login")
    assert rv.text == "Logged in!"
    (header,) = set_cookie_headers(rv)
    assert header.startswith("session=")
    attrs = [part.strip() for part in header.split(";")[1:]]
    assert "HttpOnly" in attrs
    assert "SameSite=Lax" in attrs
    assert "Path=/" in attrs
    assert not any(a.lower().startswith(("expires", "max-age", "domain", "secure")) for a in attrs)
    # Read, written and saved: one Vary, not one per step.
    assert rv.headers.getlist("Vary") == ["Cookie"]

    rv = client.get("/profile")
    assert rv.status_code == 200
    assert rv.text == "Welcome, user 123!"
    assert set_cookie_headers(rv) == []
    assert rv.headers["Vary"] == "Cookie"

    rv = client.get("/logout")
    (header,) = set_cookie_headers(rv)
    assert header.startswith("session=;")
    lowered = header.lower()
    assert "expires=thu, 01 jan 1970 00:00:00 gmt" in lowered or "max-age=0" in lowered
    assert "path=/" in lowered
    assert client.get_cookie("session") is None
    assert client.get("/profile").status_code == 403


def test_cookie_is_encrypted_not_just_signed(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None
    raw = decode(cookie.value)
    for secret in (b"john_doe", b"user_id", b"123", b"username"):
        assert secret not in raw
    assert "." not in cookie.value
    # What Flask would have written is readable by anyone: erlen's is not.
    iface = app.session_interface
    assert isinstance(iface, SecureCookieSessionInterface)
    assert iface.decrypt(app.secret_key, cookie.value) == {  # type: ignore[arg-type]
        "user_id": 123,
        "username": "john_doe",
    }


def test_untouched_session_sets_nothing(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    client.get("/login")
    rv = client.get("/untouched")
    assert rv.text == "nothing"
    assert set_cookie_headers(rv) == []
    assert "Vary" not in rv.headers


def test_vary_only_when_accessed(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    assert "Vary" not in client.get("/untouched").headers
    rv = client.get("/profile")
    assert rv.headers["Vary"] == "Cookie"
    assert set_cookie_headers(rv) == []


def test_vary_is_merged_with_existing_values(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/negotiated")
    def negotiated() -> Any:
        session.get("x")
        return "ok", 200, {"Vary": "Accept-Encoding"}

    rv = make_client(app).get("/negotiated")
    assert rv.headers.getlist("Vary") == ["Accept-Encoding, Cookie"]


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_tampered_cookie_reads_as_empty(app: Erlen, position: int, make_client: MakeClient) -> None:
    client = make_client(app)
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None
    value = cookie.value
    index = position % len(value)
    # Flip the top bit of the character's 6 bits: the low bits of the last
    # character may be base64 padding that decoding ignores (a flaky no-op).
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    flipped = alphabet[alphabet.index(value[index]) ^ 32]
    client.set_cookie("session", value[:index] + flipped + value[index + 1 :], domain="localhost")
    rv = client.get("/profile")
    assert rv.status_code == 403
    assert rv.text == "Not logged in."


@pytest.mark.parametrize("value", ["garbage", "", "e30.e30.e30", "%%%", "A" * 4000, "a" * 4])
def test_garbage_cookie_reads_as_empty_and_new(
    app: Erlen, value: str, make_client: MakeClient
) -> None:
    client = make_client(app)
    client.set_cookie("session", value, domain="localhost")
    rv = client.get("/dump")
    assert rv.status_code == 200
    assert rv.json == {"data": {}, "new": True}
    assert set_cookie_headers(rv) == []


def test_valid_cookie_is_not_new(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    client.get("/login")
    assert client.get("/dump").json == {
        "data": {"user_id": 123, "username": "john_doe"},
        "new": False,
    }


class Clock:
    """A settable clock for the session interface (the default one is shared
    by every app, so tests install it with monkeypatch)."""

    def __init__(self, app: Erlen, monkeypatch: pytest.MonkeyPatch) -> None:
        import time

        self.now = float(int(time.time()))
        monkeypatch.setattr(app.session_interface, "clock", lambda: self.now)


def test_expired_cookie_reads_as_empty(
    app: Erlen, monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    app.config["PERMANENT_SESSION_LIFETIME"] = 60
    clock = Clock(app, monkeypatch)
    start = clock.now
    client = make_client(app)
    client.get("/login")
    clock.now = start + 60
    assert client.get("/profile").status_code == 200
    clock.now = start + 61
    assert client.get("/profile").status_code == 403


def test_permanent_session_expires_and_refreshes(
    app: Erlen, monkeypatch: pytest.MonkeyPatch, make_client: MakeClient
) -> None:
    app.permanent_session_lifetime = timedelta(days=7)
    clock = Clock(app, monkeypatch)
    start = clock.now

    client = make_client(app)
    (header,) = set_cookie_headers(client.get("/remember"))
    expected = datetime.fromtimestamp(int(start), UTC) + timedelta(days=7)
    assert f"Expires={format_http(expected)}" in header

    # A permanent session is re-sent on each request, pushing its expiry
    # forward: one that reads it, and (as in Flask) one that never does.
    clock.now = start + 3600
    (header,) = set_cookie_headers(client.get("/profile"))
    assert f"Expires={format_http(expected + timedelta(hours=1))}" in header
    clock.now = start + 7200
    rv = client.get("/untouched")
    (header,) = set_cookie_headers(rv)
    assert f"Expires={format_http(expected + timedelta(hours=2))}" in header
    # Never read, yet its cookie is sent: the response varies on Cookie.
    assert rv.headers.getlist("Vary") == ["Cookie"]
    # The refreshed cookie still holds the session.
    assert client.get("/profile").text == "Welcome, user 1!"

    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert set_cookie_headers(client.get("/profile")) == []
    rv = client.get("/untouched")
    assert set_cookie_headers(rv) == []
    assert "Vary" not in rv.headers
    # Past the lifetime the cookie is refused, whatever the browser does.
    clock.now = start + 8 * 86400
    assert client.get("/profile").status_code == 403


class CountingInterface(SecureCookieSessionInterface):
    """The cookie interface, counting its opens and saves."""

    def __init__(self) -> None:
        self.opened = 0
        self.saved = 0

    def open_session(self, app: Any, request: Any) -> Any:
        self.opened += 1
        return super().open_session(app, request)

    def save_session(self, app: Any, session: Any, response: Any) -> None:
        self.saved += 1
        super().save_session(app, session, response)


@pytest.mark.parametrize("hooked", [False, True], ids=["bare", "after_request"])
def test_untouched_session_opens_only_to_refresh_a_cookie_it_carries(
    app: Erlen, make_client: MakeClient, hooked: bool
) -> None:
    interface = CountingInterface()
    app.session_interface = interface
    calls: list[str] = []
    if hooked:
        # A hook takes the pipeline off its shortest path: both must refresh.
        @app.after_request
        def after(response: Any) -> Any:
            calls.append("after")
            return response

    client = make_client(app)
    # No cookie at all, then only someone else's: nothing to refresh.
    assert client.get("/untouched").text == "nothing"
    client.set_cookie("theme", "dark")
    rv = client.get("/untouched")
    assert (interface.opened, interface.saved) == (0, 0)
    assert "Vary" not in rv.headers

    client.get("/remember?user=5")
    assert (interface.opened, interface.saved) == (1, 1)
    rv = client.get("/untouched")
    assert (interface.opened, interface.saved) == (2, 2)
    (header,) = set_cookie_headers(rv)
    assert header.startswith("session=") and "Expires=" in header
    assert client.get("/profile").text == "Welcome, user 5!"

    # Refreshing off: an untouched session is never opened.
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    rv = client.get("/untouched")
    assert (interface.opened, interface.saved) == (3, 3)  # the /profile above only
    assert set_cookie_headers(rv) == []
    assert calls == (["after"] * 6 if hooked else [])


def test_untouched_permanent_session_is_refreshed_on_an_error_page(
    app: Erlen, make_client: MakeClient
) -> None:
    # Flask saves the session on the 500 page too (finalize_request from
    # handle_exception): the refresh does not depend on the view succeeding.
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    client = make_client(app)
    client.get("/remember?user=6")
    rv = client.get("/boom")
    assert rv.status_code == 500
    (header,) = set_cookie_headers(rv)
    assert header.startswith("session=") and "Expires=" in header


def format_http(dt: datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(dt.astimezone(UTC), usegmt=True)


def test_key_rotation_with_fallback(app: Erlen, make_client: MakeClient) -> None:
    client = make_client(app)
    client.get("/login")
    old_cookie = client.get_cookie("session")
    assert old_cookie is not None

    app.secret_key = "a brand new key"
    app.config["SECRET_KEY_FALLBACKS"] = ["something older", "slsdaljdljdlj"]
    rv = client.get("/profile")
    assert rv.text == "Welcome, user 123!"
    # Read with a fallback key: rewritten with the current one.
    assert len(set_cookie_headers(rv)) == 1
    new_cookie = client.get_cookie("session")
    assert new_cookie is not None
    assert new_cookie.value != old_cookie.value
    iface = app.session_interface
    assert iface.decrypt("a brand new key", new_cookie.value) == {  # type: ignore[attr-defined]
        "user_id": 123,
        "username": "john_doe",
    }
    assert iface.decrypt("slsdaljdljdlj", new_cookie.value) is None  # type: ignore[attr-defined]
    # Now current: not rewritten again.
    assert set_cookie_headers(client.get("/profile")) == []

    # Without the fallback the old cookie is just an invalid one.
    app.config["SECRET_KEY_FALLBACKS"] = []
    client.set_cookie("session", old_cookie.value, domain="localhost")
    assert client.get("/profile").status_code == 403


def flask_app_cookie(secret: str, data: dict[str, Any], **config: Any) -> str:
    """Let a real Flask app write its session cookie."""
    import flask

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = secret
    flask_app.config.update(config)

    @flask_app.route("/set")
    def set_() -> str:
        flask.session.update(data)
        return ""

    flask_client = flask_app.test_client()
    flask_client.get("/set")
    cookie = flask_client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_flask_cookie_is_read_and_rewritten_encrypted(app: Erlen, make_client: MakeClient) -> None:
    value = flask_app_cookie("slsdaljdljdlj", {"user_id": 7, "cart": (1, 2)})
    assert value.count(".") == 2
    client = make_client(app)
    client.set_cookie("session", value, domain="localhost")
    rv = client.get("/profile")
    assert rv.text == "Welcome, user 7!"
    assert len(set_cookie_headers(rv)) == 1
    new = client.get_cookie("session")
    assert new is not None
    assert "." not in new.value
    assert b"user_id" not in decode(new.value)
    assert client.get("/dump").json["data"] == {"user_id": 7, "cart": [1, 2]}
    assert set_cookie_headers(client.get("/profile")) == []


def test_flask_cookie_signed_with_a_fallback_key(app: Erlen, make_client: MakeClient) -> None:
    value = flask_app_cookie("the old flask key", {"user_id": 9})
    app.config["SECRET_KEY_FALLBACKS"] = ["the old flask key"]
    client = make_client(app)
    client.set_cookie("session", value, domain="localhost")
    assert client.get("/profile").text == "Welcome, user 9!"
    assert client.get_cookie("session").value.count(".") == 0  # type: ignore[union-attr]


def test_signed_format_is_shared_with_flask(app: Erlen, make_client: MakeClient) -> None:
    import flask

    app.config["SESSION_COOKIE_FORMAT"] = "signed"
    client = make_client(app)
    client.get("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None
    assert cookie.value.count(".") == 2

    flask_app = flask.Flask(__name__)
    flask_app.secret_key = "slsdaljdljdlj"

    @flask_app.route("/whoami")
    def whoami() -> str:
        return str(flask.session.get("user_id"))

    flask_client = flask_app.test_client()
    flask_client.set_cookie("session", cookie.value)
    assert flask_client.get("/whoami").text == "123"

    # And erlen reads what Flask writes, without rewriting it.
    value = flask_app_cookie("slsdaljdljdlj", {"user_id": 5})
    client.set_cookie("session", value, domain="localhost")
    rv = client.get("/profile")
    assert rv.text == "Welcome, user 5!"
    assert set_cookie_headers(rv) == []


def test_cookie_attributes_from_config(app: Erlen, make_client: MakeClient) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_PARTITIONED=True,
    )
    client = make_client(app)
    (header,) = set_cookie_headers(client.get("/login"))
    name, _, rest = header.partition("=")
    attrs = {a.strip().split("=")[0].lower(): a.strip() for a in rest.split(";")[1:]}
    assert name == "sid"
    assert attrs["domain"].lower() in ("domain=example.test", "domain=.example.test")
    assert attrs["path"] == "Path=/app"
    assert attrs["samesite"] == "SameSite=Strict"
    assert "secure" in attrs
    assert "partitioned" in attrs
    assert "httponly" not in attrs

    (deleted,) = set_cookie_headers(client.get("/logout", headers={"Cookie": rest_cookie(header)}))
    lowered = deleted.lower()
    assert lowered.startswith("sid=;")
    assert "path=/app" in lowered
    assert "example.test" in lowered


def rest_cookie(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0]


def test_application_root_is_the_default_path(app: Erlen, make_client: MakeClient) -> None:
    app.config["APPLICATION_ROOT"] = "/prefix"
    (header,) = set_cookie_headers(make_client(app).get("/login"))
    assert "Path=/prefix" in header


def test_nested_mutation_needs_modified_flag(app: Erlen, make_client: MakeClient) -> None:
    @app.route("/add/<int:item>")
    def add(item: int) -> str:
        session.setdefault("cart", []).append(item)
        return ""

    @app.route("/add-silently/<int:item>")
    def add_silently(item: int) -> str:
        session["cart"].append(item)
        return ""

    @app.route("/add-flagged/<int:item>")
    def add_flagged(item: int) -> str:
        session["cart"].append(item)
        session.modified = True
        return ""

    @app.route("/cart")
    def cart() -> Any:
        return {"cart": session.get("cart")}

    client = make_client(app)
    client.get("/add/1")
    client.get("/add-silently/2")
    assert client.get("/cart").json == {"cart": [1]}
    client.get("/add-flagged/3")
    assert client.get("/cart").json == {"cart": [1, 3]}


def test_write_without_secret_key_raises(app: Erlen, make_client: MakeClient) -> None:
    app.secret_key = None
    client = make_client(app)
    # Reading works: a null session.
    rv = client.get("/profile")
    assert rv.status_code == 403
    with pytest.raises(RuntimeError, match="no secret key was set"):
        client.get("/login")


def test_null_session_is_not_saved(app: Erlen, make_client: MakeClient) -> None:
    app.secret_key = None
    with app.test_request_context():
        assert isinstance(session._get_current_object(), NullSession)  # type: ignore[attr-defined]
    rv = make_client(app).get("/dump")
    assert rv.json == {"data": {}, "new": False}
    assert set_cookie_headers(rv) == []


def test_custom_session_interface_is_used(app: Erlen, make_client: MakeClient) -> None:
    class MemoryInterface(SessionInterface):
        store: dict[str, dict[str, Any]] = {}

        def open_session(self, app: Any, request: Any) -> SecureCookieSession:
            sid = request.cookies.get("sid", "")
            return SecureCookieSession(self.store.get(sid, {}))

        def save_session(self, app: Any, session: Any, response: Any) -> None:
            if session.modified:
                self.store["fixed-id"] = dict(session)
                response.set_cookie("sid", "fixed-id")

    app.session_interface = MemoryInterface()
    client = make_client(app)
    client.get("/login")
    assert MemoryInterface.store == {"fixed-id": {"user_id": 123, "username": "john_doe"}}
    assert client.get("/profile").text == "Welcome, user 123!"


@pytest.mark.parametrize("payload", [b"!!not-base64", b"bm90IGpzb24", b"WzEsMl0"])
def test_validly_signed_but_unloadable_payload_is_rejected(payload: bytes) -> None:
    # Signed with the right key, but not base64 / not JSON / not a dict.
    from itsdangerous import TimestampSigner

    signer = TimestampSigner(
        "secret", salt="cookie-session", key_derivation="hmac", digest_method=hashlib.sha1
    )
    signer.get_timestamp = lambda: int(NOW)  # type: ignore[method-assign]
    value = signer.sign(payload).decode()
    assert interface().load_cookie(fake_app(), value) is None


# -- fast paths: same results as the general code -----------------------------


def test_bytearray_secret_key_still_works() -> None:
    from erlen import Erlen

    app = Erlen(__name__)
    app.secret_key = bytearray(b"a bytearray secret")  # type: ignore[assignment]
    interface = app.session_interface
    assert isinstance(interface, SecureCookieSessionInterface)
    value = interface.encrypt(app.secret_key, {"n": 1})  # type: ignore[arg-type]
    assert interface.decrypt(bytes(app.secret_key), value) == {"n": 1}


def test_tagged_serializer_scalars_and_custom_tags() -> None:
    from erlen.json.tag import JSONTag, TaggedJSONSerializer

    plain = TaggedJSONSerializer()
    data = {"n": 3, "s": "é", "f": 1.5, "b": True, "z": None, "t": (1, "x")}
    assert plain.dumps(data) == (
        '{"n":3,"s":"\\u00e9","f":1.5,"b":true,"z":null,"t":{" t":[1,"x"]}}'
    )
    assert plain.loads(plain.dumps(data)) == data

    class TagInt(JSONTag):
        __slots__ = ()
        key = " i"

        def check(self, value: Any) -> bool:
            return type(value) is int

        def to_json(self, value: Any) -> Any:
            return str(value)

        def to_python(self, value: Any) -> Any:
            return int(value)

    custom = TaggedJSONSerializer()
    custom.register(TagInt, index=0)
    # A registered tag may claim a scalar: the scalar shortcut steps aside.
    assert custom.dumps({"n": 3}) == '{"n":{" i":"3"}}'
    assert custom.loads('{"n":{" i":"3"}}') == {"n": 3}


def test_vary_cookie_is_merged_once() -> None:
    from erlen import Erlen, session

    app = Erlen(__name__)
    app.secret_key = "k"

    @app.route("/plain")
    def plain() -> str:
        session["a"] = 1
        return "ok"

    @app.route("/vary")
    def vary() -> Any:
        session["a"] = 1
        return "ok", {"Vary": "Accept-Encoding"}

    client = app.test_client()
    assert client.get("/plain").headers.getlist("Vary") == ["Cookie"]
    assert client.get("/vary").headers.getlist("Vary") == ["Accept-Encoding, Cookie"]


@pytest.mark.parametrize("blocking", [False, True])
def test_asgi_session_save_runs_on_the_loop_unless_blocking(blocking: bool) -> None:
    import threading

    from erlen import Erlen, session

    threads: list[str] = []

    class Recording(SecureCookieSessionInterface):
        blocking_io = blocking

        def save_session(self, app: Any, session: Any, response: Any) -> None:
            threads.append(threading.current_thread().name)
            super().save_session(app, session, response)

    app = Erlen("asgi_session_thread")
    app.secret_key = "k"
    app.session_interface = Recording()

    @app.route("/")
    async def index() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    client = app.test_client(asgi=True)
    assert client.get("/").text == "1"
    assert client.get("/").text == "2"
    client.close()
    if blocking:
        assert all(name.startswith("erlen-sync") for name in threads), threads
    else:
        assert threads == [threading.current_thread().name] * 2


@pytest.mark.parametrize(
    "value",
    [
        {"count": 1, "name": "plain"},
        {"greeting": " leading space", "t": (1, 2)},
        {" t": [1, 2]},
        {"nested": {"when": b"\x00bytes", "ids": (3,)}},
        {"quote": 'say "hi" then { " t": 1}'},
    ],
)
def test_tagged_loads_round_trips_with_and_without_tags(value: dict[str, object]) -> None:
    # Text without a quote followed by a space skips the tag scan; every
    # tagged form keeps it.
    serializer = TaggedJSONSerializer()
    assert serializer.loads(serializer.dumps(value)) == value


def test_tagged_loads_with_a_custom_tag_still_scans() -> None:
    from erlen.json.tag import JSONTag

    class TagUpper(JSONTag):
        __slots__ = ()
        key = "up!"

        def check(self, value: object) -> bool:
            return isinstance(value, str) and value.startswith("UPPER:")

        def to_json(self, value: object) -> object:
            return str(value)[6:]

        def to_python(self, value: object) -> object:
            return f"UPPER:{value}"

    serializer = TaggedJSONSerializer()
    serializer.register(TagUpper, index=0)
    text = serializer.dumps({"a": "UPPER:x"})
    assert '" ' not in text
    assert serializer.loads(text) == {"a": "UPPER:x"}


def test_code_may_set_attributes_on_the_session_object_which_are_not_stored() -> None:
    # As in Flask: the session is an object with an instance dict; only its
    # items go into the cookie.
    from erlen import Erlen, session

    app = Erlen(__name__)
    app.secret_key = "attributes"

    @app.get("/set")
    def set_value() -> str:
        session["n"] = 1
        session.loaded_from = "cookie"  # type: ignore[attr-defined]
        return session.loaded_from  # type: ignore[attr-defined,no-any-return]

    @app.get("/get")
    def get_value() -> str:
        return f"{dict(session)} {getattr(session, 'loaded_from', None)}"

    client = app.test_client()
    assert client.get("/set").data == b"cookie"
    assert client.get("/get").data == b"{'n': 1} None"


class _Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {"count": 6},
        {"name": "Zoë", "emoji": "😀", "del": "\x7f"},
        {"none": None, "words": "a longer value " * 4, "price": 2.5},
        {"nan": float("nan"), "inf": float("inf"), "none": None},
        {"big": 2**70, "small": -(2**63)},
        {"tiny": 1e-7, "huge": 1e16},
        {"when": datetime(2024, 1, 2, 3, 4, 5), "t": (1, "é")},
        {"sub": _Text("x")},
    ],
    ids=repr,
)
def test_tagged_dumps_text_is_the_stdlib_encoders(value: dict[str, object]) -> None:
    # orjson writes it where that is provably the same text; the stdlib the rest.
    from erlen.json.provider import _compact_dumps
    from erlen.json.tag import _json_default

    serializer = TaggedJSONSerializer()
    expected = _compact_dumps(serializer.tag(value), _json_default, True, False)
    assert serializer.dumps(value) == expected
    assert expected.isascii()


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"a":2}',
        '{"n":123456789012345678901234567890}',
        '{"f":1e400,"g":-0.0,"h":1.5e-07}',
        '{"x":"\\ud800","y":"\\u00e9"}',
        '{"nan":NaN,"inf":-Infinity}',
    ],
)
def test_tagged_loads_reads_what_json_loads_reads(text: str) -> None:
    loaded = TaggedJSONSerializer().loads(text)
    expected = json.loads(text)
    assert repr(loaded) == repr(expected)
    assert [type(v) for v in loaded.values()] == [type(v) for v in expected.values()]


@pytest.mark.parametrize("text", ['{"a":', "[1,]", '{"a":1}x', "\ufeff{}"])
def test_tagged_loads_errors_are_json_loads_errors(text: str) -> None:
    with pytest.raises(ValueError) as ours:
        TaggedJSONSerializer().loads(text)
    with pytest.raises(ValueError) as stdlib:
        json.loads(text)
    assert str(ours.value) == str(stdlib.value)


def test_secret_key_set_as_a_class_attribute_keys_the_session(
    make_client: Callable[..., ErlenClient],
) -> None:
    """Flask's session reads app.secret_key, which a subclass may set as a
    class attribute (the config then stays None)."""

    class KeyedApp(Erlen):
        secret_key = "class-level key"

    app = KeyedApp(__name__)
    assert app.config["SECRET_KEY"] is None

    @app.route("/set")
    def set_value() -> str:
        session["n"] = 1
        return "set"

    @app.route("/get")
    def get_value() -> str:
        return str(session.get("n"))

    client = make_client(app)
    rv = client.get("/set")
    assert rv.status_code == 200
    assert "session=" in rv.headers["Set-Cookie"]
    assert client.get("/get").text == "1"


# -- opening an untouched session to refresh it --------------------------------


@pytest.fixture
def decryptions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the AES-GCM decryptions of session cookies."""
    from erlen import sessions as mod

    calls: list[int] = []
    real = mod._cipher_for

    class Counting:
        def __init__(self, cipher: Any) -> None:
            self.cipher = cipher

        def encrypt(self, *args: Any) -> bytes:
            return self.cipher.encrypt(*args)  # type: ignore[no-any-return]

        def decrypt(self, *args: Any) -> bytes:
            calls.append(1)
            return self.cipher.decrypt(*args)  # type: ignore[no-any-return]

    monkeypatch.setattr(mod, "_cipher_for", lambda key, salt: Counting(real(key, salt)))
    return calls


def test_untouched_request_skips_decrypting_a_non_permanent_cookie(
    app: Erlen, make_client: MakeClient, decryptions: list[int]
) -> None:
    client = make_client(app)
    client.get("/login")
    rv = client.get("/untouched")
    assert rv.text == "nothing"
    assert set_cookie_headers(rv) == []
    assert "Vary" not in rv.headers
    assert decryptions == []
    # A view that reads the session decrypts it, once.
    assert client.get("/profile").text == "Welcome, user 123!"
    assert decryptions == [1]


def test_untouched_request_opens_a_permanent_or_old_cookie(
    app: Erlen, make_client: MakeClient, decryptions: list[int]
) -> None:
    client = make_client(app)
    client.get("/remember?user=5")
    (header,) = set_cookie_headers(client.get("/untouched"))
    assert "Expires=" in header
    assert decryptions == [1]

    # A cookie of the format before the flags byte cannot say: opened.
    old = version_1_cookie(app.secret_key, {"user_id": 8}, now=time.time())  # type: ignore[arg-type]
    client.set_cookie("session", old)
    rv = client.get("/untouched")
    assert set_cookie_headers(rv) == []
    assert decryptions == [1, 1]
    assert client.get("/profile").text == "Welcome, user 8!"


@pytest.mark.parametrize("setting", ["fallback keys", "signed format"])
def test_untouched_request_opens_when_the_cookie_may_be_rewritten(
    app: Erlen, make_client: MakeClient, decryptions: list[int], setting: str
) -> None:
    client = make_client(app)
    client.get("/login")
    if setting == "fallback keys":
        # The cookie may be under a fallback key, to be rewritten: opened
        # (under the current one here, so nothing is sent).
        app.config["SECRET_KEY_FALLBACKS"] = ["an older key"]
        assert set_cookie_headers(client.get("/untouched")) == []
    else:
        # The encrypted cookie is rewritten in the format the config asks for.
        app.config["SESSION_COOKIE_FORMAT"] = "signed"
        (header,) = set_cookie_headers(client.get("/untouched"))
        assert header.split(";")[0].count(".") == 2
    assert decryptions == [1]


def untouched_after_login(make_client: MakeClient, interface: SessionInterface) -> Any:
    """The response to a view that never reads the session, from a client
    holding the cookie that ``interface`` wrote at login."""
    app = Erlen(__name__)
    app.secret_key = "k"
    app.session_interface = interface

    @app.route("/login")
    def login() -> str:
        session["user_id"] = 1
        return ""

    @app.route("/untouched")
    def untouched() -> str:
        return "nothing"

    client = make_client(app)
    client.get("/login")
    return client.get("/untouched")


def test_interface_sending_every_session_is_opened_untouched(make_client: MakeClient) -> None:
    class SlidingSessions(SecureCookieSessionInterface):
        """Refreshes every session, permanent or not (a sliding expiry)."""

        def should_set_cookie(self, app: Any, session: SessionMixin) -> bool:
            return True

    rv = untouched_after_login(make_client, SlidingSessions())
    assert len(set_cookie_headers(rv)) == 1
    # The same replacement on the instance.
    patched = SecureCookieSessionInterface()
    patched.should_set_cookie = lambda app, session: True  # type: ignore[method-assign]
    assert len(set_cookie_headers(untouched_after_login(make_client, patched))) == 1


def test_session_class_changing_the_flags_is_opened_untouched(make_client: MakeClient) -> None:
    class AlwaysPermanent(SecureCookieSession):
        """Every session is permanent, whatever it holds."""

        @property
        def permanent(self) -> bool:
            return True

        @permanent.setter
        def permanent(self, value: bool) -> None:
            pass

    class Interface(SecureCookieSessionInterface):
        session_class = AlwaysPermanent

    (header,) = set_cookie_headers(untouched_after_login(make_client, Interface()))
    assert "Expires=" in header


@pytest.mark.parametrize(
    ("value", "opened"),
    [("AgA" + "A" * 60, False), ("AgE" + "A" * 60, True), ("AQ" + "A" * 60, True), ("!", True)],
)
def test_should_open_to_refresh_reads_the_flags(value: str, opened: bool) -> None:
    iface = SecureCookieSessionInterface()
    request = SimpleNamespace(cookies={"session": value})
    assert iface.should_open_to_refresh(fake_app(), request) is opened  # type: ignore[arg-type]
    # The base interface opens every session, as Flask does.
    assert SessionInterface().should_open_to_refresh(fake_app(), request) is True  # type: ignore[arg-type]
