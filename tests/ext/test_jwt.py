"""erlen.ext.jwt: flask_jwt_extended's API on WSGI and ASGI, a Redis
blocklist against the real Redis, and tokens exchanged with the real
flask_jwt_extended."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt as pyjwt
import pytest

from erlen import Erlen, jsonify, render_template_string, request
from erlen.ext.jwt import (
    JWTManager,
    create_access_token,
    create_refresh_token,
    current_user,
    decode_token,
    get_csrf_token,
    get_current_user,
    get_jti,
    get_jwt,
    get_jwt_header,
    get_jwt_identity,
    get_jwt_request_location,
    get_unverified_jwt_headers,
    jwt_required,
    set_access_cookies,
    set_refresh_cookies,
    unset_access_cookies,
    unset_jwt_cookies,
    verify_jwt_in_request,
    verify_jwt_in_request_async,
)
from erlen.testing import ErlenClient

SECRET = "erlen-jwt-test-secret-0123456789abcdef"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def app() -> Erlen:
    app = Erlen("jwt_app")
    app.config.update(TESTING=True, JWT_SECRET_KEY=SECRET)
    return app


@pytest.fixture
def jwt(app: Erlen) -> JWTManager:
    return JWTManager(app)


@pytest.fixture
def protected(app: Erlen, jwt: JWTManager) -> Erlen:
    """Sync and async views behind jwt_required, and a token endpoint."""

    @app.post("/login")
    def login():
        name = request.json["username"]
        return {
            "access_token": create_access_token(identity=name, fresh=True),
            "refresh_token": create_refresh_token(identity=name),
        }

    @app.get("/sync")
    @jwt_required()
    def sync_view():
        return {"user": get_jwt_identity(), "type": get_jwt()["type"]}

    @app.get("/async")
    @jwt_required()
    async def async_view():
        return {"user": get_jwt_identity(), "type": get_jwt()["type"]}

    @app.get("/optional")
    @jwt_required(optional=True)
    def optional_view():
        return {"user": get_jwt_identity(), "jwt": get_jwt(), "where": get_jwt_request_location()}

    @app.get("/fresh")
    @jwt_required(fresh=True)
    async def fresh_view():
        return {"user": get_jwt_identity()}

    @app.post("/refresh")
    @jwt_required(refresh=True)
    def refresh_view():
        return {"access_token": create_access_token(identity=get_jwt_identity())}

    @app.get("/any-type")
    @jwt_required(verify_type=False)
    def any_type():
        return {"type": get_jwt()["type"]}

    return app


def tokens(client: ErlenClient, name: str = "alice") -> tuple[str, str]:
    body = client.post("/login", json={"username": name}).json
    return body["access_token"], body["refresh_token"]


# -- the notes' §2.11.3 flow: login, token in the Authorization header -------------------


def test_notes_2_11_3_login_then_authorization_header(
    protected: Erlen, client: ErlenClient
) -> None:
    access, _ = tokens(client)
    # "将其放在Authorization首部中": the token goes back in the Authorization header.
    for path in ("/sync", "/async"):
        response = client.get(path, headers=bearer(access))
        assert response.status_code == 200
        assert response.json == {"user": "alice", "type": "access"}
    # "secret_key很重要": a token whose payload was changed is refused.
    header, _payload, signature = access.split(".")
    forged_claims = pyjwt.utils.base64url_encode(b'{"sub":"admin","type":"access"}').decode()
    forged = f"{header}.{forged_claims}.{signature}"
    response = client.get("/sync", headers=bearer(forged))
    assert response.status_code == 422
    assert response.json == {"msg": "Signature verification failed"}
    # And one signed with another key, too.
    other = pyjwt.encode({"sub": "alice", "type": "access"}, "x" * 40, "HS256")
    assert client.get("/async", headers=bearer(other)).json == {
        "msg": "Signature verification failed"
    }


def test_missing_token_is_401(protected: Erlen, client: ErlenClient) -> None:
    for path in ("/sync", "/async"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json == {"msg": "Missing Authorization Header"}


@pytest.mark.parametrize(
    ("header", "status", "message"),
    [
        ("Bearer", 422, "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"),
        ("Bearer a b", 422, "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"),
        (
            "Basic dXNlcjpwdw==",
            401,
            "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'",
        ),
        ("Bearer not-a-token", 422, "Not enough segments"),
        ("Bearer a.b.c", 422, "Invalid header padding"),
    ],
)
def test_bad_authorization_headers(
    protected: Erlen, client: ErlenClient, header: str, status: int, message: str
) -> None:
    response = client.get("/async", headers={"Authorization": header})
    assert (response.status_code, response.json) == (status, {"msg": message})


def test_token_among_several_credentials(protected: Erlen, client: ErlenClient) -> None:
    access, _ = tokens(client)
    response = client.get("/sync", headers={"Authorization": f"Basic abc, Bearer {access}"})
    assert response.json["user"] == "alice"


def test_expired_token_is_401(protected: Erlen, client: ErlenClient) -> None:
    with protected.app_context():
        expired = create_access_token("alice", expires_delta=timedelta(seconds=-5))
    response = client.get("/async", headers=bearer(expired))
    assert (response.status_code, response.json) == (401, {"msg": "Token has expired"})
    protected.config["JWT_DECODE_LEEWAY"] = 30
    assert client.get("/async", headers=bearer(expired)).status_code == 200


def test_token_types(protected: Erlen, client: ErlenClient) -> None:
    access, refresh = tokens(client)
    wrong = client.get("/sync", headers=bearer(refresh))
    assert (wrong.status_code, wrong.json) == (422, {"msg": "Only non-refresh tokens are allowed"})
    wrong = client.post("/refresh", headers=bearer(access))
    assert (wrong.status_code, wrong.json) == (422, {"msg": "Only refresh tokens are allowed"})
    new = client.post("/refresh", headers=bearer(refresh))
    assert new.status_code == 200
    assert client.get("/sync", headers=bearer(new.json["access_token"])).json["user"] == "alice"
    assert client.get("/any-type", headers=bearer(refresh)).json == {"type": "refresh"}
    assert client.get("/any-type", headers=bearer(access)).json == {"type": "access"}


def test_fresh_tokens(protected: Erlen, client: ErlenClient) -> None:
    access, refresh = tokens(client)
    assert client.get("/fresh", headers=bearer(access)).status_code == 200
    # A token minted by /refresh is not fresh.
    stale = client.post("/refresh", headers=bearer(refresh)).json["access_token"]
    response = client.get("/fresh", headers=bearer(stale))
    assert (response.status_code, response.json) == (401, {"msg": "Fresh token required"})
    with protected.app_context():
        for_a_while = create_access_token("alice", fresh=timedelta(minutes=5))
        no_longer = create_access_token("alice", fresh=timedelta(seconds=-1))
        assert isinstance(decode_token(for_a_while)["fresh"], float)
    assert client.get("/fresh", headers=bearer(for_a_while)).status_code == 200
    assert client.get("/fresh", headers=bearer(no_longer)).status_code == 401


def test_optional(protected: Erlen, client: ErlenClient) -> None:
    assert client.get("/optional").json == {"user": None, "jwt": {}, "where": None}
    access, _ = tokens(client)
    seen = client.get("/optional", headers=bearer(access)).json
    assert (seen["user"], seen["where"]) == ("alice", "headers")
    # A bad token is still refused: the client tried to authenticate.
    assert client.get("/optional", headers=bearer("a.b.c")).status_code == 422


def test_options_requests_are_exempt(app: Erlen, jwt: JWTManager, client: ErlenClient) -> None:
    @app.route("/preflight", methods=["GET", "OPTIONS"])
    @jwt_required()
    def preflight():
        return "no token needed for OPTIONS"

    assert client.options("/preflight").text == "no token needed for OPTIONS"
    assert client.get("/preflight").status_code == 401


def test_bare_decorator_and_verify_in_before_request(
    app: Erlen, jwt: JWTManager, client: ErlenClient
) -> None:
    @app.get("/bare")
    @jwt_required
    def bare():
        return get_jwt_identity()

    @app.before_request
    def guard():
        if request.path.startswith("/guarded"):
            verify_jwt_in_request()

    @app.get("/guarded")
    def guarded():
        return get_jwt_identity()

    with app.app_context():
        access = create_access_token("bob")
    assert client.get("/bare", headers=bearer(access)).text == "bob"
    assert client.get("/bare").status_code == 401
    assert client.get("/guarded", headers=bearer(access)).text == "bob"
    assert client.get("/guarded").json == {"msg": "Missing Authorization Header"}


def test_verify_jwt_in_request_async(app: Erlen, jwt: JWTManager, client: ErlenClient) -> None:
    @app.get("/manual")
    async def manual():
        found = await verify_jwt_in_request_async(optional=True)
        return {"found": found is not None, "user": get_jwt_identity()}

    with app.app_context():
        access = create_access_token("carol")
    assert client.get("/manual").json == {"found": False, "user": None}
    assert client.get("/manual", headers=bearer(access)).json == {"found": True, "user": "carol"}


def test_getters_need_a_verified_request(app: Erlen, jwt: JWTManager) -> None:
    with app.test_request_context("/"):
        for getter in (get_jwt, get_jwt_header, get_jwt_identity, get_current_user):
            with pytest.raises(RuntimeError, match="jwt_required"):
                getter()


def test_no_manager_is_a_clear_error(app: Erlen) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="No JWTManager"):
        create_access_token("alice")


# -- configuration ----------------------------------------------------------------------


def test_defaults_are_set_on_config(app: Erlen, jwt: JWTManager) -> None:
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=15)
    assert app.config["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(days=30)
    assert app.config["JWT_ALGORITHM"] == "HS256"
    assert app.config["JWT_TOKEN_LOCATION"] == ("headers",)
    assert app.config["JWT_COOKIE_SECURE"] is False
    assert app.config["JWT_COOKIE_CSRF_PROTECT"] is True
    assert app.config["JWT_IDENTITY_CLAIM"] == "sub"
    assert app.config["JWT_ERROR_MESSAGE_KEY"] == "msg"
    assert app.extensions["jwt"] is jwt


def test_token_lifetimes(app: Erlen, jwt: JWTManager) -> None:
    with app.app_context():
        now = time.time()
        access = decode_token(create_access_token("a"))
        refresh = decode_token(create_refresh_token("a"))
        assert access["exp"] - now == pytest.approx(15 * 60, abs=5)
        assert refresh["exp"] - now == pytest.approx(30 * 86400, abs=5)
        assert access["nbf"] == access["iat"]
        assert access["type"] == "access" and refresh["type"] == "refresh"
        assert access["fresh"] is False and refresh["fresh"] is False
        assert access["jti"] != refresh["jti"]
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = False
        app.config["JWT_ENCODE_NBF"] = False
        forever = decode_token(create_access_token("a"))
        assert "exp" not in forever and "nbf" not in forever
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = 60
        assert decode_token(create_access_token("a"))["exp"] - now == pytest.approx(60, abs=5)
        assert "exp" not in decode_token(create_access_token("a", expires_delta=False))
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = "soon"
        with pytest.raises(RuntimeError, match="JWT_ACCESS_TOKEN_EXPIRES"):
            create_access_token("a")


def test_secret_key_fallback_and_missing_key(jwt: JWTManager) -> None:
    app = Erlen("fallback")
    app.config["SECRET_KEY"] = SECRET
    JWTManager(app)
    with app.app_context():
        token = create_access_token("a")
    assert pyjwt.decode(token, SECRET, algorithms=["HS256"])["sub"] == "a"
    bare = Erlen("bare")
    JWTManager(bare)
    with bare.app_context(), pytest.raises(RuntimeError, match="JWT_SECRET_KEY"):
        create_access_token("a")


def test_identity_must_be_a_string(app: Erlen, jwt: JWTManager) -> None:
    with app.app_context():
        with pytest.raises(TypeError, match=r"identity must be a string, got int 42"):
            create_access_token(42)
        # A token made elsewhere with a numeric sub is invalid (PyJWT's check).
        numeric = pyjwt.encode({"sub": 42}, SECRET, "HS256")
        with pytest.raises(pyjwt.exceptions.InvalidSubjectError, match="Subject must be a string"):
            decode_token(numeric)


def test_identity_claim_and_error_message_key(
    app: Erlen, jwt: JWTManager, client: ErlenClient
) -> None:
    app.config.update(JWT_IDENTITY_CLAIM="identity", JWT_ERROR_MESSAGE_KEY="error")

    @app.get("/who")
    @jwt_required()
    def who():
        return {"who": get_jwt_identity()}

    with app.app_context():
        # Not "sub": any JSON value works, as in flask_jwt_extended.
        token = create_access_token({"id": 7})
        assert "sub" not in decode_token(token)
    assert client.get("/who", headers=bearer(token)).json == {"who": {"id": 7}}
    assert client.get("/who").json == {"error": "Missing Authorization Header"}
    without = pyjwt.encode({"sub": "x"}, SECRET, "HS256")
    assert client.get("/who", headers=bearer(without)).json == {"error": "Missing claim: identity"}


def test_custom_header_name_and_type(protected: Erlen, client: ErlenClient) -> None:
    access, _ = tokens(client)
    protected.config.update(JWT_HEADER_NAME="X-Token", JWT_HEADER_TYPE="")
    assert client.get("/sync", headers={"X-Token": access}).json["user"] == "alice"
    assert client.get("/sync", headers={"X-Token": f"Bearer {access}"}).json == {
        "msg": "Bad X-Token header. Expected 'X-Token: <JWT>'"
    }
    protected.config.update(JWT_HEADER_NAME="Authorization", JWT_HEADER_TYPE="JWT")
    assert client.get("/sync", headers={"Authorization": f"JWT {access}"}).status_code == 200


def test_audience_and_issuer(protected: Erlen, client: ErlenClient) -> None:
    protected.config.update(JWT_ENCODE_AUDIENCE="erlen-api", JWT_ENCODE_ISSUER="erlen-auth")
    access, _ = tokens(client)
    protected.config.update(JWT_DECODE_AUDIENCE="erlen-api", JWT_DECODE_ISSUER="erlen-auth")
    assert client.get("/sync", headers=bearer(access)).status_code == 200
    protected.config["JWT_DECODE_AUDIENCE"] = "other-api"
    response = client.get("/sync", headers=bearer(access))
    assert (response.status_code, response.json) == (422, {"msg": "Audience doesn't match"})
    protected.config.update(JWT_DECODE_AUDIENCE="erlen-api", JWT_DECODE_ISSUER="someone-else")
    response = client.get("/sync", headers=bearer(access))
    assert (response.status_code, response.json) == (422, {"msg": "Invalid issuer"})


def test_not_yet_valid(protected: Erlen, client: ErlenClient) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    with protected.app_context():
        token = create_access_token("a", additional_claims={"nbf": later})
    response = client.get("/sync", headers=bearer(token))
    assert (response.status_code, response.json) == (
        422,
        {"msg": "The token is not yet valid (nbf)"},
    )


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_asymmetric_algorithms(
    protected: Erlen, client: ErlenClient, rsa_keys: tuple[str, str]
) -> None:
    private, public = rsa_keys
    protected.config.update(JWT_ALGORITHM="RS256", JWT_PRIVATE_KEY=private, JWT_PUBLIC_KEY=public)
    access, _ = tokens(client)
    assert get_unverified_jwt_headers(access)["alg"] == "RS256"
    assert pyjwt.decode(access, public, algorithms=["RS256"])["sub"] == "alice"
    assert client.get("/async", headers=bearer(access)).json["user"] == "alice"
    # An HS256 token signed with the public key (the classic confusion
    # attack) is refused: only the configured algorithms are accepted.
    forged = pyjwt.encode({"sub": "alice", "type": "access"}, SECRET, "HS256")
    response = client.get("/async", headers=bearer(forged))
    assert (response.status_code, response.json) == (
        422,
        {"msg": "The specified alg value is not allowed"},
    )
    protected.config.update(JWT_PRIVATE_KEY=None)
    with protected.app_context(), pytest.raises(RuntimeError, match="JWT_PRIVATE_KEY"):
        create_access_token("a")


def test_ecdsa(protected: Erlen, client: ErlenClient) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    protected.config.update(
        JWT_ALGORITHM="ES256",
        JWT_PRIVATE_KEY=key,
        JWT_PUBLIC_KEY=key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    access, _ = tokens(client)
    assert get_unverified_jwt_headers(access)["alg"] == "ES256"
    assert client.get("/sync", headers=bearer(access)).json["user"] == "alice"


# -- token locations --------------------------------------------------------------------


@pytest.fixture
def cookie_app(app: Erlen, jwt: JWTManager) -> Erlen:
    app.config.update(JWT_TOKEN_LOCATION=["cookies"], JWT_COOKIE_SAMESITE="Lax")

    @app.post("/login")
    def login():
        response = jsonify(login=True)
        set_access_cookies(response, create_access_token("dora"))
        set_refresh_cookies(response, create_refresh_token("dora"))
        return response

    @app.post("/logout")
    def logout():
        response = jsonify(logout=True)
        unset_jwt_cookies(response)
        return response

    @app.route("/data", methods=["GET", "POST"])
    @jwt_required()
    async def data():
        return {"user": get_jwt_identity(), "where": get_jwt_request_location()}

    @app.post("/token/refresh")
    @jwt_required(refresh=True)
    def refresh():
        response = jsonify(refreshed=True)
        set_access_cookies(response, create_access_token(get_jwt_identity()))
        return response

    return app


def test_cookies_with_double_submit_csrf(cookie_app: Erlen, client: ErlenClient) -> None:
    response = client.post("/login")
    set_cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(set_cookies) == {
        "access_token_cookie",
        "csrf_access_token",
        "refresh_token_cookie",
        "csrf_refresh_token",
    }
    access = client.get_cookie("access_token_cookie")
    csrf = client.get_cookie("csrf_access_token")
    assert access is not None and csrf is not None
    assert access.http_only and not csrf.http_only
    assert access.same_site == "Lax" and not access.secure
    assert access.max_age is None and access.expires is None  # session cookies
    with cookie_app.app_context():
        assert get_csrf_token(access.value) == csrf.value
    # GET is not a CSRF method: the cookie alone is enough.
    assert client.get("/data").json == {"user": "dora", "where": "cookies"}
    missing = client.post("/data")
    assert (missing.status_code, missing.json) == (401, {"msg": "Missing CSRF token"})
    wrong = client.post("/data", headers={"X-CSRF-TOKEN": "not-it"})
    assert (wrong.status_code, wrong.json) == (
        401,
        {"msg": "CSRF double submit tokens do not match"},
    )
    assert client.post("/data", headers={"X-CSRF-TOKEN": csrf.value}).json["user"] == "dora"
    refresh_csrf = client.get_cookie("csrf_refresh_token")
    assert refresh_csrf is not None
    assert client.post("/token/refresh", headers={"X-CSRF-TOKEN": refresh_csrf.value}).json == {
        "refreshed": True
    }
    client.post("/logout")
    assert client.get_cookie("access_token_cookie") is None
    assert client.get_cookie("csrf_refresh_token") is None
    assert client.get("/data").json == {"msg": 'Missing cookie "access_token_cookie"'}


def test_cookie_options(cookie_app: Erlen, client: ErlenClient) -> None:
    cookie_app.config.update(
        JWT_COOKIE_SECURE=True,
        JWT_SESSION_COOKIE=False,
        JWT_ACCESS_COOKIE_PATH="/data",
        JWT_COOKIE_DOMAIN="example.org",
        JWT_COOKIE_SAMESITE="Strict",
    )
    headers = client.post("/login").headers.getlist("Set-Cookie")
    access = next(h for h in headers if h.startswith("access_token_cookie="))
    assert "Secure" in access and "HttpOnly" in access
    assert "Max-Age=31540000" in access and "Path=/data" in access
    assert "Domain=example.org" in access and "SameSite=Strict" in access
    csrf = next(h for h in headers if h.startswith("csrf_access_token="))
    assert "HttpOnly" not in csrf


def test_unset_cookies_expire_them(app: Erlen, jwt: JWTManager) -> None:
    with app.test_request_context("/"):
        response = app.make_response("bye")
        unset_access_cookies(response)
    cookies = response.headers.getlist("Set-Cookie")
    assert [c.split("=", 1)[0] for c in cookies] == ["access_token_cookie", "csrf_access_token"]
    for cookie in cookies:
        assert "=; Expires=Thu, 01 Jan 1970 00:00:00 GMT" in cookie


def test_csrf_from_form_and_protection_off(cookie_app: Erlen, client: ErlenClient) -> None:
    client.post("/login")
    csrf = client.get_cookie("csrf_access_token")
    assert csrf is not None
    cookie_app.config["JWT_CSRF_CHECK_FORM"] = True
    assert client.post("/data", data={"csrf_token": csrf.value}).json["user"] == "dora"
    cookie_app.config["JWT_COOKIE_CSRF_PROTECT"] = False
    assert client.post("/data").json["user"] == "dora"


def test_query_string_and_json(protected: Erlen, client: ErlenClient) -> None:
    access, refresh = tokens(client)
    protected.config["JWT_TOKEN_LOCATION"] = ["query_string", "json"]
    assert client.get(f"/sync?jwt={access}").json["user"] == "alice"
    protected.config["JWT_QUERY_STRING_VALUE_PREFIX"] = "Bearer "
    assert client.get("/sync", query_string={"jwt": f"Bearer {access}"}).status_code == 200
    response = client.get("/sync", query_string={"jwt": access})
    assert (response.status_code, response.json) == (
        422,
        {
            "msg": "Invalid value for query parameter 'jwt'. Expected the value to start with 'Bearer '"
        },
    )
    protected.config["JWT_TOKEN_LOCATION"] = "json"
    assert client.post("/refresh", json={"refresh_token": refresh}).status_code == 200
    assert client.post("/refresh", json={"access_token": refresh}).json == {
        "msg": 'Missing "refresh_token" key in json data.'
    }
    assert client.post("/refresh", data="{broken", content_type="application/json").json == {
        "msg": 'Missing "refresh_token" key in json data.'
    }
    assert client.post("/refresh", data="x").json == {
        "msg": "Invalid content-type. Must be application/json."
    }


def test_several_locations_explain_what_is_missing(protected: Erlen, client: ErlenClient) -> None:
    protected.config["JWT_TOKEN_LOCATION"] = ["headers", "cookies", "query_string"]
    response = client.get("/sync")
    assert (response.status_code, response.json["msg"]) == (
        401,
        "Missing JWT in headers, cookies or query_string (Missing Authorization Header;"
        " Missing cookie \"access_token_cookie\"; Missing 'jwt' query paramater)",
    )


def test_locations_argument(app: Erlen, jwt: JWTManager, client: ErlenClient) -> None:
    @app.get("/qs-only")
    @jwt_required(locations="query_string")
    def qs_only():
        return get_jwt_request_location() or ""

    with app.app_context():
        access = create_access_token("e")
    assert client.get("/qs-only", query_string={"jwt": access}).text == "query_string"
    assert client.get("/qs-only", headers=bearer(access)).json == {
        "msg": "Missing 'jwt' query paramater"
    }
    with pytest.raises(RuntimeError, match="locations can only contain"):
        jwt_required(locations=["body"])


def test_bad_token_location_config(protected: Erlen, client: ErlenClient) -> None:
    protected.config["JWT_TOKEN_LOCATION"] = ["header"]
    with pytest.raises(RuntimeError, match="JWT_TOKEN_LOCATION can only contain"):
        client.get("/sync")


# -- callbacks --------------------------------------------------------------------------


@dataclass
class User:
    id: int
    name: str


USERS = {1: User(1, "ann"), 2: User(2, "ben")}


def test_user_identity_and_lookup(app: Erlen, jwt: JWTManager, client: ErlenClient) -> None:
    @jwt.user_identity_loader
    def identity(user: User) -> str:
        return str(user.id)

    @jwt.user_lookup_loader
    def lookup(header: dict, payload: dict) -> User | None:
        return USERS.get(int(payload["sub"]))

    @app.get("/me")
    @jwt_required()
    async def me():
        return {
            "name": current_user.name,
            "same": get_current_user() is current_user._get_current_object(),
        }

    @app.get("/maybe")
    @jwt_required(optional=True)
    def maybe():
        return {"user": get_current_user()}

    with app.app_context():
        ann = create_access_token(USERS[1])
        ghost = create_access_token(User(9, "ghost"))
    assert decode_token_in(app, ann)["sub"] == "1"
    assert client.get("/me", headers=bearer(ann)).json == {"name": "ann", "same": True}
    response = client.get("/me", headers=bearer(ghost))
    assert (response.status_code, response.json) == (401, {"msg": "Error loading the user 9"})
    assert client.get("/maybe").json == {"user": None}

    @jwt.user_lookup_error_loader
    def lookup_failed(header: dict, payload: dict):
        return {"gone": payload["sub"]}, 404

    response = client.get("/me", headers=bearer(ghost))
    assert (response.status_code, response.json) == (404, {"gone": "9"})


def decode_token_in(app: Erlen, token: str) -> dict[str, Any]:
    with app.app_context():
        return decode_token(token)


def test_current_user_without_lookup(app: Erlen, jwt: JWTManager, client: ErlenClient) -> None:
    @app.get("/me")
    @jwt_required()
    def me():
        return {"user": get_current_user()}

    app.config["PROPAGATE_EXCEPTIONS"] = True
    with app.app_context():
        token = create_access_token("x")
    with pytest.raises(RuntimeError, match="user_lookup_loader"):
        client.get("/me", headers=bearer(token))


def test_additional_claims_and_headers(app: Erlen, jwt: JWTManager, client: ErlenClient) -> None:
    @jwt.additional_claims_loader
    def claims(identity: str) -> dict:
        return {"role": "user", "org": "erlen", "when": datetime(2024, 1, 2, tzinfo=UTC)}

    @jwt.additional_headers_loader
    def headers(identity: str) -> dict:
        return {"kid": "key-1", "x-app": "erlen"}

    @app.get("/claims")
    @jwt_required()
    def show():
        return {"role": get_jwt()["role"], "org": get_jwt()["org"], "kid": get_jwt_header()["kid"]}

    with app.app_context():
        token = create_access_token(
            "a", additional_claims={"role": "admin"}, additional_headers={"kid": "key-2"}
        )
        payload = decode_token(token)
    assert payload["when"] == "Tue, 02 Jan 2024 00:00:00 GMT"  # the app's JSON default
    assert get_unverified_jwt_headers(token)["x-app"] == "erlen"
    assert client.get("/claims", headers=bearer(token)).json == {
        "role": "admin",
        "org": "erlen",
        "kid": "key-2",
    }


def test_error_callbacks(protected: Erlen, jwt: JWTManager, client: ErlenClient) -> None:
    @jwt.unauthorized_loader
    def unauthorized(reason: str):
        return {"error": "login first", "why": reason}, 401

    @jwt.invalid_token_loader
    def invalid(reason: str):
        return {"error": "bad token", "why": reason}, 400

    @jwt.expired_token_loader
    def expired(header: dict, payload: dict):
        return {"error": "expired", "sub": payload["sub"], "alg": header["alg"]}, 401

    @jwt.needs_fresh_token_loader
    def needs_fresh(header: dict, payload: dict):
        return {"error": "reauthenticate", "sub": payload["sub"]}, 403

    access, refresh = tokens(client)
    with protected.app_context():
        old = create_access_token("alice", expires_delta=timedelta(seconds=-1))
        stale = create_access_token("alice")
    assert client.get("/sync").json == {
        "error": "login first",
        "why": "Missing Authorization Header",
    }
    assert client.get("/sync", headers=bearer("x.y.z")).status_code == 400
    assert client.get("/sync", headers=bearer(refresh)).json == {
        "error": "bad token",
        "why": "Only non-refresh tokens are allowed",
    }
    assert client.get("/sync", headers=bearer(old)).json == {
        "error": "expired",
        "sub": "alice",
        "alg": "HS256",
    }
    response = client.get("/fresh", headers=bearer(stale))
    assert (response.status_code, response.json) == (
        403,
        {"error": "reauthenticate", "sub": "alice"},
    )
    assert client.get("/fresh", headers=bearer(access)).status_code == 200


def test_blocklist_and_revoked_callback(
    protected: Erlen, jwt: JWTManager, client: ErlenClient
) -> None:
    revoked: set[str] = set()

    @jwt.token_in_blocklist_loader
    def is_revoked(header: dict, payload: dict) -> bool:
        return payload["jti"] in revoked

    @protected.get("/unchecked")
    @jwt_required(skip_revocation_check=True)
    def unchecked():
        return "ok"

    access, _ = tokens(client)
    assert client.get("/sync", headers=bearer(access)).status_code == 200
    revoked.add(decode_token_in(protected, access)["jti"])
    response = client.get("/async", headers=bearer(access))
    assert (response.status_code, response.json) == (401, {"msg": "Token has been revoked"})
    assert client.get("/unchecked", headers=bearer(access)).text == "ok"

    @jwt.revoked_token_loader
    def revoked_response(header: dict, payload: dict):
        return {"revoked": payload["jti"]}, 401

    assert client.get("/sync", headers=bearer(access)).json == {
        "revoked": get_jti_in(protected, access)
    }


def get_jti_in(app: Erlen, token: str) -> str | None:
    with app.app_context():
        return get_jti(token)


def test_token_verification(protected: Erlen, jwt: JWTManager, client: ErlenClient) -> None:
    @jwt.token_verification_loader
    def verify(header: dict, payload: dict) -> bool:
        return payload["sub"] != "mallory"

    access, _ = tokens(client, "alice")
    bad, _ = tokens(client, "mallory")
    assert client.get("/sync", headers=bearer(access)).status_code == 200
    response = client.get("/sync", headers=bearer(bad))
    assert (response.status_code, response.json) == (
        400,
        {"msg": "User claims verification failed"},
    )

    @jwt.token_verification_failed_loader
    def failed(header: dict, payload: dict):
        return {"denied": payload["sub"]}, 403

    response = client.get("/async", headers=bearer(bad))
    assert (response.status_code, response.json) == (403, {"denied": "mallory"})


def test_encode_and_decode_key_loaders(
    protected: Erlen, jwt: JWTManager, client: ErlenClient
) -> None:
    keys = {
        "alice": "alice-key-0123456789abcdef0123456789",
        "bob": "bob-key-0123456789abcdef0123456789ab",
    }

    @jwt.encode_key_loader
    def encode_key(identity: str) -> str:
        return keys[identity]

    @jwt.decode_key_loader
    def decode_key(header: dict, unverified: dict) -> str:
        return keys[unverified["sub"]]

    access, _ = tokens(client, "bob")
    assert pyjwt.decode(access, keys["bob"], algorithms=["HS256"])["sub"] == "bob"
    assert client.get("/sync", headers=bearer(access)).json["user"] == "bob"
    # Signed with bob's key but claiming to be alice: alice's key refuses it.
    claims = decode_token_in(protected, access) | {"sub": "alice"}
    forged = pyjwt.encode(claims, keys["bob"], "HS256")
    assert client.get("/sync", headers=bearer(forged)).status_code == 422


def test_the_default_key_decodes_each_token_once_and_refuses_forgeries(
    protected: Erlen, client: ErlenClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    access, _ = tokens(client)
    calls: list[dict[str, Any]] = []
    real_decode = pyjwt.decode

    def counting_decode(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("options") or {})
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(pyjwt, "decode", counting_decode)
    assert client.get("/sync", headers=bearer(access)).json["user"] == "alice"
    # One verified decode: no unverified parse for a key that does not
    # depend on the token.
    assert [options.get("verify_signature", True) for options in calls] == [True]
    claims = decode_token_in(protected, access) | {"sub": "mallory"}
    forged = pyjwt.encode(claims, "not-the-secret-key-0123456789abcdef", "HS256")
    response = client.get("/sync", headers=bearer(forged))
    assert (response.status_code, response.json) == (
        422,
        {"msg": "Signature verification failed"},
    )
    garbage = client.get("/sync", headers=bearer("x.y.z"))
    assert garbage.status_code == 422
    assert "msg" in garbage.json


def test_async_callbacks_in_sync_and_async_views(
    protected: Erlen, jwt: JWTManager, client: ErlenClient
) -> None:
    calls: list[str] = []

    @jwt.token_in_blocklist_loader
    async def is_revoked(header: dict, payload: dict) -> bool:
        calls.append("blocklist")
        return payload["sub"] == "revoked"

    @jwt.user_lookup_loader
    async def lookup(header: dict, payload: dict) -> dict:
        calls.append("lookup")
        return {"name": payload["sub"]}

    @protected.get("/whoami")
    @jwt_required()
    async def whoami():
        return {"name": current_user["name"]}

    access, _ = tokens(client, "frank")
    for path in ("/sync", "/whoami"):
        assert client.get(path, headers=bearer(access)).status_code == 200
    assert calls == ["blocklist", "lookup", "blocklist", "lookup"]
    assert client.get("/whoami", headers=bearer(access)).json == {"name": "frank"}
    revoked, _ = tokens(client, "revoked")
    assert client.get("/sync", headers=bearer(revoked)).json == {"msg": "Token has been revoked"}
    assert client.get("/whoami", headers=bearer(revoked)).status_code == 401


def test_current_user_in_templates(app: Erlen, client: ErlenClient) -> None:
    jwt = JWTManager(app, add_context_processor=True)

    @jwt.user_lookup_loader
    def lookup(header: dict, payload: dict) -> User:
        return User(0, payload["sub"])

    @app.get("/page")
    @jwt_required()
    def page():
        return render_template_string("Hello {{ current_user.name }}")

    with app.app_context():
        token = create_access_token("gina")
    assert client.get("/page", headers=bearer(token)).text == "Hello gina"


def test_decode_token_helpers(app: Erlen, jwt: JWTManager) -> None:
    with app.app_context():
        token = create_access_token("h", expires_delta=timedelta(seconds=-1))
        with pytest.raises(pyjwt.ExpiredSignatureError):
            decode_token(token)
        assert decode_token(token, allow_expired=True)["sub"] == "h"
        app.config["JWT_COOKIE_CSRF_PROTECT"] = False
        plain = create_access_token("h")
        assert "csrf" not in decode_token(plain)
        with pytest.raises(RuntimeError, match="no csrf claim"):
            get_csrf_token(plain)


# -- a Redis blocklist (the notes' "黑名单机制(如 Redis 缓存)") -------------------------------


def test_redis_blocklist(
    protected: Erlen, jwt: JWTManager, client: ErlenClient, redis_url: str, redis_prefix: str
) -> None:
    import redis

    store = redis.Redis.from_url(redis_url, decode_responses=True)
    blocklist = f"{redis_prefix}jwt-blocklist"

    @jwt.token_in_blocklist_loader
    def in_blocklist(header: dict, payload: dict) -> bool:
        return bool(store.sismember(blocklist, payload["jti"]))

    @protected.delete("/logout")
    @jwt_required()
    def logout():
        store.sadd(blocklist, get_jwt()["jti"])
        store.expire(blocklist, protected.config["JWT_ACCESS_TOKEN_EXPIRES"])
        return {"msg": "Access token revoked"}

    try:
        access, _ = tokens(client)
        other, _ = tokens(client, "bob")
        assert client.get("/async", headers=bearer(access)).status_code == 200
        assert client.delete("/logout", headers=bearer(access)).json == {
            "msg": "Access token revoked"
        }
        assert store.sismember(blocklist, decode_token_in(protected, access)["jti"])
        assert 0 < store.ttl(blocklist) <= 15 * 60
        for path in ("/sync", "/async"):
            response = client.get(path, headers=bearer(access))
            assert (response.status_code, response.json) == (
                401,
                {"msg": "Token has been revoked"},
            )
        # Other tokens are unaffected.
        assert client.get("/sync", headers=bearer(other)).json["user"] == "bob"
    finally:
        store.close()


def test_async_redis_blocklist(
    protected: Erlen, jwt: JWTManager, client: ErlenClient, redis_url: str, redis_prefix: str
) -> None:
    import redis.asyncio as aioredis

    blocklist = f"{redis_prefix}jwt-blocklist"

    @jwt.token_in_blocklist_loader
    async def in_blocklist(header: dict, payload: dict) -> bool:
        # A client per call: the app may run callbacks on different loops.
        store = aioredis.Redis.from_url(redis_url)
        try:
            return bool(await store.sismember(blocklist, payload["jti"]))
        finally:
            await store.aclose()

    @protected.post("/logout")
    @jwt_required()
    async def logout():
        store = aioredis.Redis.from_url(redis_url)
        try:
            await store.sadd(blocklist, get_jwt()["jti"])
        finally:
            await store.aclose()
        return {"msg": "bye"}

    access, _ = tokens(client)
    assert client.get("/async", headers=bearer(access)).status_code == 200
    assert client.post("/logout", headers=bearer(access)).json == {"msg": "bye"}
    assert client.get("/async", headers=bearer(access)).json == {"msg": "Token has been revoked"}
    assert client.get("/sync", headers=bearer(access)).status_code == 401


# -- tokens exchanged with the real flask_jwt_extended 4.7 -------------------------------

flask = pytest.importorskip("flask")
fje = pytest.importorskip("flask_jwt_extended")


def flask_app(config: dict[str, Any] | None = None) -> Any:
    app = flask.Flask("flask_jwt")
    app.config.update(JWT_SECRET_KEY=SECRET, **(config or {}))
    fje.JWTManager(app)

    @app.post("/login")
    def login():
        name = flask.request.json["username"]
        return {
            "access_token": fje.create_access_token(
                identity=name, fresh=True, additional_claims={"role": "admin"}
            ),
            "refresh_token": fje.create_refresh_token(identity=name),
        }

    @app.get("/sync")
    @fje.jwt_required()
    def sync_view():
        return {"user": fje.get_jwt_identity(), "type": fje.get_jwt()["type"]}

    @app.get("/fresh")
    @fje.jwt_required(fresh=True)
    def fresh_view():
        return {"user": fje.get_jwt_identity()}

    @app.post("/refresh")
    @fje.jwt_required(refresh=True)
    def refresh_view():
        return {"access_token": fje.create_access_token(identity=fje.get_jwt_identity())}

    @app.get("/optional")
    @fje.jwt_required(optional=True)
    def optional_view():
        return {
            "user": fje.get_jwt_identity(),
            "jwt": fje.get_jwt(),
            "where": fje.get_jwt_request_location(),
        }

    return app


def test_erlen_tokens_work_in_flask_jwt_extended(protected: Erlen, client: ErlenClient) -> None:
    theirs = flask_app().test_client()
    access, refresh = tokens(client, "ivy")
    assert theirs.get("/sync", headers=bearer(access)).json == {"user": "ivy", "type": "access"}
    assert theirs.get("/fresh", headers=bearer(access)).status_code == 200
    renewed = theirs.post("/refresh", headers=bearer(refresh))
    assert renewed.status_code == 200
    # ...and the token flask_jwt_extended minted from ours comes back.
    assert client.get("/sync", headers=bearer(renewed.json["access_token"])).json == {
        "user": "ivy",
        "type": "access",
    }


def test_flask_jwt_extended_tokens_work_in_erlen(protected: Erlen, client: ErlenClient) -> None:
    theirs = flask_app().test_client()
    body = theirs.post("/login", json={"username": "jack"}).json
    access, refresh = body["access_token"], body["refresh_token"]
    assert client.get("/async", headers=bearer(access)).json == {"user": "jack", "type": "access"}
    assert client.get("/fresh", headers=bearer(access)).status_code == 200
    assert decode_token_in(protected, access)["role"] == "admin"
    assert client.post("/refresh", headers=bearer(refresh)).status_code == 200
    assert client.get("/sync", headers=bearer(refresh)).json == {
        "msg": "Only non-refresh tokens are allowed"
    }


def test_cookie_csrf_tokens_interoperate(cookie_app: Erlen, client: ErlenClient) -> None:
    theirs_app = flask_app({"JWT_TOKEN_LOCATION": ["cookies"]})

    @theirs_app.post("/data")
    @fje.jwt_required()
    def data():
        return {"user": fje.get_jwt_identity()}

    client.post("/login")
    access = client.get_cookie("access_token_cookie")
    csrf = client.get_cookie("csrf_access_token")
    assert access is not None and csrf is not None
    theirs = theirs_app.test_client()
    theirs.set_cookie("access_token_cookie", access.value)
    assert theirs.post("/data", headers={"X-CSRF-TOKEN": csrf.value}).json == {"user": "dora"}
    assert theirs.post("/data").json == {"msg": "Missing CSRF token"}


def _attributes(set_cookie: str) -> tuple[str, str]:
    """A Set-Cookie header without its value (tokens differ per call)."""
    name_value, _, attributes = set_cookie.partition(";")
    return name_value.split("=", 1)[0], attributes.strip()


@pytest.mark.parametrize(
    "config",
    [
        {},
        {
            "JWT_COOKIE_SECURE": True,
            "JWT_SESSION_COOKIE": False,
            "JWT_COOKIE_SAMESITE": "Strict",
            "JWT_COOKIE_DOMAIN": "example.org",
            "JWT_ACCESS_COOKIE_PATH": "/api/",
            "JWT_REFRESH_CSRF_COOKIE_PATH": "/auth/",
        },
        {"JWT_CSRF_IN_COOKIES": False},
    ],
    ids=["default", "options", "no-csrf-cookies"],
)
def test_set_cookie_headers_match_flask_jwt_extended(
    app: Erlen, jwt: JWTManager, config: dict[str, Any]
) -> None:
    theirs_app = flask_app(config)
    app.config.update(config)
    with theirs_app.test_request_context("/"):
        expected = theirs_app.make_response("x")
        fje.set_access_cookies(expected, fje.create_access_token("a"))
        fje.set_refresh_cookies(expected, fje.create_refresh_token("a"), max_age=60)
        fje.unset_jwt_cookies(expected)
    with app.test_request_context("/"):
        got = app.make_response("x")
        set_access_cookies(got, create_access_token("a"))
        set_refresh_cookies(got, create_refresh_token("a"), max_age=60)
        unset_jwt_cookies(got)
    assert [_attributes(h) for h in got.headers.getlist("Set-Cookie")] == [
        _attributes(h) for h in expected.headers.getlist("Set-Cookie")
    ]


def _same_app_requests(
    access: str, refresh: str, expired: str, other_key: str
) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("GET", "/sync", {}),
        ("GET", "/sync", bearer(access)),
        ("GET", "/sync", bearer(refresh)),
        ("GET", "/sync", bearer(expired)),
        ("GET", "/sync", bearer(other_key)),
        ("GET", "/sync", bearer("garbage")),
        ("GET", "/sync", bearer("a.b.c")),
        ("GET", "/sync", {"Authorization": "Bearer"}),
        ("GET", "/sync", {"Authorization": "Token abc"}),
        ("GET", "/sync", {"Authorization": f"Basic abc, Bearer {access}"}),
        ("POST", "/refresh", bearer(access)),
        ("POST", "/refresh", {}),
        ("GET", "/optional", {}),
        ("GET", "/optional", bearer("a.b.c")),
        ("GET", "/fresh", bearer(access)),
    ]


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"JWT_TOKEN_LOCATION": ["headers", "query_string"], "JWT_ERROR_MESSAGE_KEY": "error"},
        {"JWT_HEADER_TYPE": "JWT"},
    ],
    ids=["default", "two-locations", "header-type"],
)
def test_error_responses_match_flask_jwt_extended(
    app: Erlen, jwt: JWTManager, protocol: str, config: dict[str, Any]
) -> None:
    theirs_app = flask_app(config)
    app.config.update(config)

    @app.get("/sync")
    @jwt_required()
    def sync_view():
        return {"user": get_jwt_identity(), "type": get_jwt()["type"]}

    @app.get("/fresh")
    @jwt_required(fresh=True)
    async def fresh_view():
        return {"user": get_jwt_identity()}

    @app.post("/refresh")
    @jwt_required(refresh=True)
    def refresh_view():
        return {"access_token": "new"}

    @app.get("/optional")
    @jwt_required(optional=True)
    async def optional_view():
        return {"user": get_jwt_identity(), "jwt": get_jwt(), "where": get_jwt_request_location()}

    with app.app_context():
        access = create_access_token("kim")
        refresh = create_refresh_token("kim")
        expired = create_access_token("kim", expires_delta=timedelta(seconds=-5))
    other_key = pyjwt.encode({"sub": "kim", "type": "access"}, "k" * 40, "HS256")
    theirs = theirs_app.test_client()
    ours = app.test_client(asgi=protocol == "asgi")
    for method, path, headers in _same_app_requests(access, refresh, expired, other_key):
        expected = theirs.open(path, method=method, headers=headers)
        got = ours.open(path, method=method, headers=headers)
        where = f"{method} {path} {headers}"
        assert got.status_code == expected.status_code, where
        want = expected.get_json()
        if path == "/refresh" and expected.status_code == 200:
            want = {"access_token": "new"}
        assert got.json == want, where


def test_unused_helpers_are_importable() -> None:
    # Every name the task lists is exported (a typo in __all__ fails here).
    import erlen.ext.jwt as ext

    for name in ext.__all__:
        assert getattr(ext, name) is not None


def test_decode_algorithms(app: Erlen, jwt: JWTManager, client: ErlenClient) -> None:
    @app.get("/alg")
    @jwt_required()
    def alg():
        return get_jwt_header()["alg"]

    long_secret = SECRET * 2  # HS512 wants 64 bytes
    app.config.update(
        JWT_SECRET_KEY=long_secret, JWT_ALGORITHM="HS512", JWT_DECODE_ALGORITHMS=["HS256"]
    )
    with app.app_context():
        new = create_access_token("a")
    old = pyjwt.encode({"sub": "a", "type": "access"}, long_secret, "HS256")
    other = pyjwt.encode({"sub": "a", "type": "access"}, long_secret, "HS384")
    assert client.get("/alg", headers=bearer(new)).text == "HS512"
    assert client.get("/alg", headers=bearer(old)).text == "HS256"
    assert client.get("/alg", headers=bearer(other)).json == {
        "msg": "The specified alg value is not allowed"
    }


def test_own_exception_subclass_is_a_401(app: Erlen, jwt: JWTManager, client: ErlenClient) -> None:
    from erlen.ext.jwt import JWTExtendedException

    class AccountLocked(JWTExtendedException):
        pass

    @app.get("/locked")
    def locked():
        raise AccountLocked("Account locked")

    response = client.get("/locked")
    assert (response.status_code, response.json) == (401, {"msg": "Account locked"})
